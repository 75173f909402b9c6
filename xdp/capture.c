// SPDX-License-Identifier: MIT
/* A capture session's pieces in the chain (xdp/capture.h). */
#include "capture.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/log.h"
#include "module.h"

/* tcx (Linux 6.6) in a uapi header older than it: enum bpf_attach_type. */
#define XCAP_TCX_EGRESS 47

#define CAPTURE_OBJ "capture"          /* the built-in object: capture.bpf.o */
#define EGRESS_PROG "capture_egress"

int xcap_link(struct xchain *c, const char *name, uint32_t snaplen, bool after_chain)
{
	struct xchain_pos pos = { .where = after_chain ? XCHAIN_DEFAULT : XCHAIN_FIRST };
	char snap[32];
	const char *set[] = { snap, NULL };
	struct xmod_opts mo = { .name = name, .set = set, .flags = XTOE_MOD_F_PROTECTED };

	snprintf(snap, sizeof(snap), "snaplen=%u", snaplen);
	if (xchain_find(c, name) >= 0)
		xmod_del_owned(c, name); /* a session's own name: left over */
	return xmod_add(c, CAPTURE_OBJ, &pos, &mo, NULL);
}

int xcap_unlink(struct xchain *c, const char *name)
{
	int err;

	if (!name[0] || xchain_find(c, name) < 0)
		return 0;
	err = xmod_del_owned(c, name);
	return err == -ENOENT ? 0 : err;
}

/* The module's own maps (pinned at DIR/NAME/MAP) for the egress object. */
static int reuse_module_maps(const struct xchain *c, const char *name,
			     struct bpf_object *obj)
{
	char path[PATH_MAX];
	struct bpf_map *m;
	int fd, err;

	bpf_object__for_each_map(m, obj) {
		const char *mn = bpf_map__name(m);

		if (strchr(mn, '.') || !strncmp(mn, "xtoe_", 5))
			continue;
		snprintf(path, sizeof(path), "%s/%s/%s", xchain_dir(c), name, mn);
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue; /* not the module's: the object makes its own */
		err = bpf_map__reuse_fd(m, fd);
		close(fd);
		if (err)
			return err;
	}
	return xchain_reuse_maps(c, obj);
}

static int load_egress(const struct xchain *c, const char *name, uint32_t snaplen,
		       struct bpf_object **out)
{
	char path[PATH_MAX], snap[32];
	const char *set[] = { snap, NULL };
	struct bpf_object *obj;
	struct bpf_program *p;
	int err;

	if (xmod_builtin_path(CAPTURE_OBJ, path, sizeof(path))) {
		log_err("capture: no built-in %s.bpf.o", CAPTURE_OBJ);
		return -ENOENT;
	}
	obj = bpf_object__open_file(path, NULL);
	if (!obj)
		return -errno;
	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoload(p, !strcmp(bpf_program__name(p), EGRESS_PROG));
	snprintf(snap, sizeof(snap), "snaplen=%u", snaplen);
	err = xmod_set_knobs(obj, set) ?: reuse_module_maps(c, name, obj) ?:
	      bpf_object__load(obj);
	if (err) {
		bpf_object__close(obj);
		return err;
	}
	*out = obj;
	return 0;
}

int xcap_egress(const struct xchain *c, const char *name, uint32_t snaplen,
		int ifindex, struct bpf_object **obj, int *link_fd)
{
	struct bpf_program *p;
	int err;

	*obj = NULL;
	*link_fd = -1;
	err = load_egress(c, name, snaplen, obj);
	if (!err) {
		p = bpf_object__find_program_by_name(*obj, EGRESS_PROG);
		*link_fd = p ? bpf_link_create(bpf_program__fd(p), ifindex,
					       (enum bpf_attach_type)XCAP_TCX_EGRESS, NULL)
			     : -ENOENT;
		err = *link_fd < 0 ? (*link_fd == -1 ? -errno : *link_fd) : 0;
	}
	if (err) {
		log_warn("capture %s: frames the kernel sends are not captured: the tc "
			 "egress program did not attach (%s; tcx needs Linux 6.6)", name,
			 strerror(-err));
		xcap_egress_close(*obj, *link_fd);
		*obj = NULL;
		*link_fd = -1;
	}
	return err;
}

void xcap_egress_close(struct bpf_object *obj, int link_fd)
{
	if (link_fd >= 0)
		close(link_fd);
	bpf_object__close(obj);
}
