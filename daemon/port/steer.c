// SPDX-License-Identifier: MIT
/*
 * Load, attach and drive the steering program (bpf/steer.bpf.c).
 *
 * The program is attached through a bpf_link whose only reference is the
 * fd held here: when the daemon exits, for any reason, the program leaves
 * the interface with it. The maps are pinned so tools can inspect them.
 */
#include "steer.h"

#include <dirent.h>
#include <errno.h>
#include <sys/file.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <linux/sockios.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/steer.h"
#include "common/log.h"
#include "common/paths.h"
#include "xdp/chain.h"

/* Skeletons are generated as NAME_bpf, so struct steer stays this module's handle. */
#include "steer.skel.h"
#include "vlan_strip.skel.h"

#define BPFFS_ROOT "/sys/fs/bpf"
#define PIN_ROOT XTOE_PIN_ROOT

struct steer {
	struct steer_bpf *skel;
	struct vlan_strip_bpf *vlan;  /* built-in module, first in the chain */
	struct xchain *chain; /* entry program + module chain; steer is last */
	int entry_fd;
	int link_fd;
	enum steer_xdp_mode mode;
	__u32 adopted_prog;   /* the kept chain's entry (its link in link_fd) */
	bool adopted;         /* link_fd is still the kept chain's, not ours */
	bool link_pinned;     /* kept: the chain outlives the daemon */
	int lock_fd;          /* /run/xtoe/IF.lock, held while we own IF */
	bool locked;
	int ifindex;
	int flows_fd, listen_fd, xsks_fd, stats_fd;
	char ifname[IF_NAMESIZE];
	char pin_dir[sizeof(PIN_ROOT) + IF_NAMESIZE + 1];
};

static const char *const pinned_maps[] = {
	STEER_MAP_FLOWS, STEER_MAP_LISTEN, STEER_MAP_XSKS, STEER_MAP_STATS,
};

int steer_parse_mode(const char *s, enum steer_xdp_mode *mode)
{
	if (!s)
		return -EINVAL;
	if (!strcmp(s, "native") || !strcmp(s, "drv"))
		*mode = STEER_XDP_NATIVE;
	else if (!strcmp(s, "skb") || !strcmp(s, "generic"))
		*mode = STEER_XDP_SKB;
	else if (!strcmp(s, "hw") || !strcmp(s, "offload"))
		*mode = STEER_XDP_HW;
	else
		return -EINVAL;
	return 0;
}

static const char *mode_name(enum steer_xdp_mode m)
{
	switch (m) {
	case STEER_XDP_NATIVE: return "native";
	case STEER_XDP_SKB:    return "skb";
	case STEER_XDP_HW:     return "hw";
	}
	return "?";
}

static __u32 mode_flags(enum steer_xdp_mode m)
{
	switch (m) {
	case STEER_XDP_NATIVE: return XDP_FLAGS_DRV_MODE;
	case STEER_XDP_SKB:    return XDP_FLAGS_SKB_MODE;
	case STEER_XDP_HW:     return XDP_FLAGS_HW_MODE;
	}
	return 0;
}

/* Driver name of ifname, "unknown" when the ioctl fails. */
static void iface_driver(const char *ifname, char *buf, size_t len)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	snprintf(buf, len, "unknown");
	if (fd < 0)
		return;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&info;
	if (ioctl(fd, SIOCETHTOOL, &ifr) == 0)
		snprintf(buf, len, "%s", info.driver);
	close(fd);
}

static int ensure_bpffs(void)
{
	struct statfs st;

	if (statfs(BPFFS_ROOT, &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mkdir(BPFFS_ROOT, 0700) && errno != EEXIST) {
		int err = -errno;
		log_err("steer: cannot create %s: %s", BPFFS_ROOT,
			strerror(-err));
		return err;
	}
	if (mount("bpf", BPFFS_ROOT, "bpf", 0, "mode=0700")) {
		int err = -errno;
		log_err("steer: bpffs is not mounted on %s and mounting it "
			"failed: %s; mount it with `mount -t bpf bpf %s`",
			BPFFS_ROOT, strerror(-err), BPFFS_ROOT);
		return err;
	}
	return 0;
}

static int make_pin_dir(struct steer *s)
{
	int err;

	if (mkdir(PIN_ROOT, 0700) && errno != EEXIST)
		goto fail;
	err = xtoe_rm_pins(s->pin_dir);
	if (err) {
		log_err("steer: %s: cannot remove stale pin directory %s: %s; "
			"remove it by hand (rm -r %s)",
			s->ifname, s->pin_dir, strerror(-err), s->pin_dir);
		return err;
	}
	if (mkdir(s->pin_dir, 0700))
		goto fail;
	return 0;
fail:
	err = -errno;
	log_err("steer: %s: cannot create pin directory under %s: %s",
		s->ifname, PIN_ROOT, strerror(-err));
	return err;
}

/* Steering's maps, the chain's maps and the pins of modules loaded at
 * run time (IF/MODULE/MAP). */
static void unpin_maps(struct steer *s)
{
	xtoe_rm_pins(s->pin_dir);
	rmdir(PIN_ROOT); /* only succeeds when no other interface is in use */
}

static int pin_maps(struct steer *s)
{
	char path[PATH_MAX];
	size_t i;
	int err;

	for (i = 0; i < sizeof(pinned_maps) / sizeof(pinned_maps[0]); i++) {
		struct bpf_map *m =
			bpf_object__find_map_by_name(s->skel->obj, pinned_maps[i]);

		snprintf(path, sizeof(path), "%s/%s", s->pin_dir, pinned_maps[i]);
		err = m ? bpf_map__pin(m, path) : -ENOENT;
		if (err) {
			log_err("steer: %s: cannot pin map %s at %s: %s",
				s->ifname, pinned_maps[i], path, strerror(-err));
			return err;
		}
	}
	return 0;
}

/* Id of the XDP program attached to the device (any mode), 0 if none. */
static __u32 attached_prog(const struct steer *s)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query(s->ifindex, 0, &q))
		return 0; /* let the attach report the problem */
	return q.prog_id ? q.prog_id
	       : q.drv_prog_id ? q.drv_prog_id
	       : q.skb_prog_id ? q.skb_prog_id : q.hw_prog_id;
}

static void prog_name(__u32 id, char *buf, size_t len)
{
	struct bpf_prog_info info;
	__u32 ilen = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);

	buf[0] = 0;
	memset(&info, 0, sizeof(info));
	if (fd < 0)
		return;
	if (!bpf_obj_get_info_by_fd(fd, &info, &ilen))
		snprintf(buf, len, "%s", info.name);
	close(fd);
}

#define LOCK_DIR XTOE_RUN_DIR

/*
 * One xtoe owner per interface: an flock on /run/xtoe/IF.lock, released by
 * the kernel when the owner dies. Holding it tells a live owner from the
 * leftovers of a dead one. -EBUSY naming the owner's pid when it is held.
 */
static int take_lock(struct steer *s)
{
	char path[sizeof(LOCK_DIR) + IF_NAMESIZE + 8], pid[32] = "";
	ssize_t n;

	xtoe_lock_path(path, sizeof(path), s->ifname);
	if (mkdir(LOCK_DIR, 0755) && errno != EEXIST)
		return -errno;
	s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (s->lock_fd < 0)
		return -errno;
	if (flock(s->lock_fd, LOCK_EX | LOCK_NB)) {
		n = pread(s->lock_fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		log_err("steer: %s: another xtoe process (pid %s) serves this "
			"interface; stop it first", s->ifname,
			pid[0] ? strtok(pid, "\n") : "unknown");
		return -EBUSY;
	}
	s->locked = true;
	n = snprintf(pid, sizeof(pid), "%d\n", getpid());
	if (ftruncate(s->lock_fd, 0) || pwrite(s->lock_fd, pid, (size_t)n, 0) != n)
		return -errno;
	return 0;
}

static void drop_lock(struct steer *s)
{
	char path[sizeof(LOCK_DIR) + IF_NAMESIZE + 8];

	if (s->lock_fd < 0)
		return;
	if (s->locked) { /* still ours: unlink before the flock goes */
		xtoe_lock_path(path, sizeof(path), s->ifname);
		unlink(path);
	}
	close(s->lock_fd);
	s->lock_fd = -1;
}

/*
 * -EBUSY with a message when some XDP program is attached to the device.
 * Called with the interface lock held, so an xtoe program still attached
 * belongs to an owner that died: the kernel releases its link a little
 * after the process is gone, so give it up to STALE_WAIT_MS to go away.
 */
#define STALE_WAIT_MS 5000
static int check_no_xdp(struct steer *s)
{
	char name[BPF_OBJ_NAME_LEN];
	__u32 id = attached_prog(s);
	int waited = 0;

	if (!id || (s->adopted_prog && id == s->adopted_prog))
		return 0;
	prog_name(id, name, sizeof(name));
	while (!strcmp(name, "xtoe_entry") && waited < STALE_WAIT_MS) {
		if (waited == 1000)
			log_err("steer: %s: waiting for the XDP program of an "
				"xtoe daemon (id %u) to go away", s->ifname, id);
		usleep(20 * 1000);
		waited += 20;
		id = attached_prog(s);
		if (!id)
			return 0;
		prog_name(id, name, sizeof(name));
	}
	log_err("steer: %s: another XDP program is already attached (id %u%s%s%s); "
		"xtoe needs the interface to itself: detach it with "
		"`ip link set dev %s xdp off` (or stop the daemon that owns it) "
		"and start again",
		s->ifname, id, name[0] ? ", name \"" : "", name,
		name[0] ? "\"" : "", s->ifname);
	return -EBUSY;
}

static void hw_unsupported(const struct steer *s, int err)
{
	char drv[64];

	iface_driver(s->ifname, drv, sizeof(drv));
	log_err("steer: %s: XDP hardware offload is not supported by this "
		"device/driver (%s): %s; only Netronome/Corigine nfp NICs "
		"offload XDP programs. Use --xdp-mode native (or skb)",
		s->ifname, drv, strerror(-err));
}

static bool same_mode(const struct steer *s)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query(s->ifindex, 0, &q))
		return false;
	return (s->mode == STEER_XDP_NATIVE && q.attach_mode == XDP_ATTACHED_DRV) ||
	       (s->mode == STEER_XDP_SKB && q.attach_mode == XDP_ATTACHED_SKB);
}

/* Our chain into the adopted link, in one step; 0, or -errno (the link
 * then is given up and a new one made). */
static int take_over(struct steer *s)
{
	int err = same_mode(s) ? bpf_link_update(s->link_fd, s->entry_fd, NULL) : -EINVAL;

	if (!err) {
		log_notice("steer: %s: took over the XDP chain a stopped daemon kept "
			   "attached for its firewall; it never lapsed", s->ifname);
		s->adopted = false;
		return 0;
	}
	log_warn("steer: %s: the chain a stopped daemon kept cannot be taken over "
		 "in place (%s); replacing it", s->ifname,
		 err == -EINVAL ? "another XDP mode" : strerror(-err));
	close(s->link_fd); /* its pin is gone: this detaches it */
	s->link_fd = -1;
	s->adopted = false;
	return err;
}

static int attach(struct steer *s, enum steer_xdp_mode mode)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = mode_flags(mode));
	int prog_fd = s->entry_fd;
	char drv[64];
	int err;

	if (s->link_fd >= 0 && !take_over(s))
		return 0;
	s->link_fd = bpf_link_create(prog_fd, s->ifindex, BPF_XDP, &opts);
	if (s->link_fd >= 0)
		return 0;
	err = s->link_fd < 0 ? s->link_fd : -errno;
	s->link_fd = -1;
	if (err == -EBUSY || err == -EEXIST)
		return check_no_xdp(s) ?: err;
	if (mode == STEER_XDP_HW) {
		hw_unsupported(s, err);
		return err;
	}
	iface_driver(s->ifname, drv, sizeof(drv));
	if (err == -EOPNOTSUPP && mode == STEER_XDP_NATIVE)
		log_err("steer: %s: driver %s does not support native XDP; "
			"use --xdp-mode skb", s->ifname, drv);
	else if (err == -ERANGE && mode == STEER_XDP_NATIVE)
		log_err("steer: %s: its MTU is larger than native XDP without "
			"multi-buffer allows on driver %s (a frame must fit in a "
			"page; about 3500 bytes on veth); lower the MTU or use "
			"--xdp-mode skb", s->ifname, drv);
	else
		log_err("steer: %s: attaching the XDP program in %s mode "
			"(driver %s) failed: %s%s", s->ifname, mode_name(mode),
			drv, strerror(-err),
			mode == STEER_XDP_NATIVE ? "; try --xdp-mode skb" : "");
	return err;
}

/* The link a stopped daemon pinned to keep its firewall: ours to take
 * over when it is on our interface. */
static void adopt_link(struct steer *s)
{
	char path[PATH_MAX];
	struct bpf_link_info info;
	__u32 len = sizeof(info);
	int fd;

	snprintf(path, sizeof(path), "%s/" STEER_LINK_PIN, s->pin_dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.type != BPF_LINK_TYPE_XDP ||
	    (int)info.xdp.ifindex != s->ifindex) {
		close(fd);
		return;
	}
	s->link_fd = fd;
	s->adopted_prog = info.prog_id;
	s->adopted = true;
}

/* We did not get to take the kept chain over: it stays attached as it
 * was, pinned again (its firewall's maps are no longer pinned; `xtoectl
 * detach` still removes it). */
static void keep_adopted(struct steer *s)
{
	char path[PATH_MAX];

	if (!s->adopted)
		return;
	mkdir(PIN_ROOT, 0700);
	mkdir(s->pin_dir, 0700);
	snprintf(path, sizeof(path), "%s/" STEER_LINK_PIN, s->pin_dir);
	if (bpf_obj_pin(s->link_fd, path))
		log_err("steer: %s: the kept XDP chain could not be pinned again "
			"(%s); it goes with this process", s->ifname, strerror(errno));
	else
		log_notice("steer: %s: the XDP chain a stopped daemon kept stays "
			   "attached, its firewall in force", s->ifname);
}

int steer_keep_link(struct steer *s, bool keep)
{
	char path[PATH_MAX];

	if (!s || s->link_fd < 0 || keep == s->link_pinned)
		return 0;
	snprintf(path, sizeof(path), "%s/" STEER_LINK_PIN, s->pin_dir);
	if (keep && bpf_obj_pin(s->link_fd, path)) {
		int err = -errno;

		log_err("steer: %s: cannot pin the XDP link at %s: %s; the firewall "
			"will not outlive the daemon", s->ifname, path, strerror(-err));
		return err;
	}
	if (!keep)
		unlink(path);
	s->link_pinned = keep;
	return 0;
}

int steer_attach(struct steer *s)
{
	return attach(s, s->mode);
}

static int load(struct steer *s, uint32_t addr)
{
	int err;

	s->skel = steer_bpf__open();
	if (!s->skel) {
		err = -errno;
		log_err("steer: opening the steering BPF object failed: "
			"%s (set XTOE_VERBOSE=1 for details)", strerror(-err));
		return err ?: -EINVAL;
	}
	s->skel->rodata->our_addr = addr;
	err = xchain_reuse_maps(s->chain, s->skel->obj);
	if (err)
		return err;
	err = steer_bpf__load(s->skel);
	if (err) {
		log_err("steer: %s: loading the steering XDP program failed: %s; "
			"it needs root (CAP_BPF, CAP_NET_ADMIN); set "
			"XTOE_VERBOSE=1 for the verifier log",
			s->ifname, strerror(-err));
		return err;
	}
	s->flows_fd = bpf_map__fd(s->skel->maps.flows);
	s->listen_fd = bpf_map__fd(s->skel->maps.listen);
	s->xsks_fd = bpf_map__fd(s->skel->maps.xsks);
	s->stats_fd = bpf_map__fd(s->skel->maps.stats);
	return 0;
}

/* The entry program and the chain's maps; hw: offload refused here. */
static int make_chain(struct steer *s, enum steer_xdp_mode mode)
{
	int hw = mode == STEER_XDP_HW;
	int err = xchain_create(&s->chain, s->pin_dir, hw ? s->ifindex : 0,
				&s->entry_fd);

	if (err && hw)
		hw_unsupported(s, err);
	return err;
}

/* Steering is the final module of the chain. */
static int link_steer(struct steer *s)
{
	struct xchain_pos pos = { .where = XCHAIN_DEFAULT };
	int prog_fd = bpf_program__fd(s->skel->progs.xtoe_steer);
	int slot = xchain_insert(s->chain, prog_fd, "steer",
				 XTOE_MOD_F_BUILTIN | XTOE_MOD_F_FINAL |
				 XTOE_MOD_F_PROTECTED, &pos);

	return slot < 0 ? slot : 0;
}

/* Built-in vlan_strip at the head of the chain: tagged frames reach the
 * data-path untagged, with the tag in the metadata. */
static int link_vlan_strip(struct steer *s)
{
	struct xchain_pos pos = { .where = XCHAIN_FIRST };
	int err, slot;

	s->vlan = vlan_strip_bpf__open();
	if (!s->vlan)
		return -errno ?: -EINVAL;
	err = xchain_reuse_maps(s->chain, s->vlan->obj) ?:
	      vlan_strip_bpf__load(s->vlan);
	if (err) {
		log_err("steer: %s: loading the vlan_strip module "
			"failed: %s (XTOE_VERBOSE=1 for the verifier log)",
			s->ifname, strerror(-err));
		return err;
	}
	slot = xchain_insert(s->chain, bpf_program__fd(s->vlan->progs.vlan_strip),
			     "vlan_strip", XTOE_MOD_F_BUILTIN | XTOE_MOD_F_PROTECTED,
			     &pos);
	return slot < 0 ? slot : 0;
}

int steer_open(struct steer **out, const char *ifname, uint32_t addr,
	       enum steer_xdp_mode mode)
{
	struct steer *s;
	int err;

	*out = NULL;
	xchain_log_setup();
	if (!ifname || strlen(ifname) >= IF_NAMESIZE) {
		log_err("steer: bad interface name");
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->link_fd = s->lock_fd = -1;
	s->mode = mode;
	snprintf(s->ifname, sizeof(s->ifname), "%s", ifname);
	snprintf(s->pin_dir, sizeof(s->pin_dir), "%s/%s", PIN_ROOT, ifname);
	s->ifindex = (int)if_nametoindex(ifname);
	if (!s->ifindex) {
		err = -errno;
		log_err("steer: interface %s: %s; check the name with "
			"`ip link`", ifname, strerror(-err));
		goto fail;
	}
	err = take_lock(s);
	if (!err)
		adopt_link(s);
	err = err ?: check_no_xdp(s);
	if (err)
		goto fail;
	err = ensure_bpffs();
	if (err)
		goto fail;
	err = make_pin_dir(s);
	if (err)
		goto fail;
	err = make_chain(s, mode);
	if (err)
		goto fail_unpin;
	err = load(s, addr);
	if (err)
		goto fail_unpin;
	err = pin_maps(s);
	if (err)
		goto fail_unpin;
	err = link_steer(s) ?: link_vlan_strip(s);
	if (err)
		goto fail_unpin;
	*out = s;
	return 0;
fail_unpin:
	unpin_maps(s);
fail:
	keep_adopted(s);
	if (s->link_fd >= 0)
		close(s->link_fd);
	steer_bpf__destroy(s->skel);
	vlan_strip_bpf__destroy(s->vlan);
	xchain_close(s->chain);
	drop_lock(s);
	free(s);
	return err;
}

void steer_close(struct steer *s)
{
	if (!s)
		return;
	if (s->adopted) {
		unpin_maps(s);
		keep_adopted(s);
	} else if (!s->link_pinned) {
		unpin_maps(s);
	}
	if (s->link_fd >= 0)
		close(s->link_fd); /* unless pinned, the last reference: detaches */
	if (s->link_pinned)
		log_notice("steer: %s: the XDP chain stays attached for the "
			   "firewall's rules; `xtoectl -i %s detach` removes it",
			   s->ifname, s->ifname);
	steer_bpf__destroy(s->skel);
	vlan_strip_bpf__destroy(s->vlan);
	xchain_close(s->chain);
	drop_lock(s);
	free(s);
}

static int map_err(const struct steer *s, const char *what, int err)
{
	log_err("steer: %s: %s failed: %s", s->ifname, what,
		strerror(-err));
	return err;
}

int steer_set_xsk(struct steer *s, uint32_t queue, int xsk_fd)
{
	int err;

	if (queue >= STEER_MAX_QUEUES) {
		log_err("steer: %s: queue %u is beyond the %u the "
			"steering program supports", s->ifname, queue,
			STEER_MAX_QUEUES);
		return -ERANGE;
	}
	err = bpf_map_update_elem(s->xsks_fd, &queue, &xsk_fd, BPF_ANY);
	return err ? map_err(s, "registering the AF_XDP socket", err) : 0;
}

static struct steer_listen_key listen_key(const struct steer *s, uint16_t port)
{
	struct steer_listen_key k;

	memset(&k, 0, sizeof(k));
	k.addr = s->skel->rodata->our_addr;
	k.port = port;
	return k;
}

int steer_add_listen(struct steer *s, uint16_t port)
{
	struct steer_listen_key k = listen_key(s, port);
	__u8 one = 1;
	int err = bpf_map_update_elem(s->listen_fd, &k, &one, BPF_ANY);

	return err ? map_err(s, "adding a listening port", err) : 0;
}

int steer_del_listen(struct steer *s, uint16_t port)
{
	struct steer_listen_key k = listen_key(s, port);

	return bpf_map_delete_elem(s->listen_fd, &k) ? -errno : 0;
}

static struct steer_flow_key flow_key(uint32_t laddr, uint16_t lport,
				      uint32_t raddr, uint16_t rport)
{
	struct steer_flow_key k;

	memset(&k, 0, sizeof(k));
	k.laddr = laddr;
	k.raddr = raddr;
	k.lport = lport;
	k.rport = rport;
	return k;
}

int steer_add_flow(struct steer *s, uint32_t laddr, uint16_t lport,
		   uint32_t raddr, uint16_t rport)
{
	struct steer_flow_key k = flow_key(laddr, lport, raddr, rport);
	__u8 one = 1;
	int err = bpf_map_update_elem(s->flows_fd, &k, &one, BPF_ANY);

	if (err == -E2BIG)
		log_err("steer: %s: flow table full (%u entries)",
			s->ifname, STEER_MAX_FLOWS);
	return err ? (err == -E2BIG ? err : map_err(s, "adding a flow", err))
		   : 0;
}

int steer_del_flow(struct steer *s, uint32_t laddr, uint16_t lport,
		   uint32_t raddr, uint16_t rport)
{
	struct steer_flow_key k = flow_key(laddr, lport, raddr, rport);

	return bpf_map_delete_elem(s->flows_fd, &k) ? -errno : 0;
}

int steer_stats(struct steer *s, struct steer_stats *st)
{
	__u64 sums[STEER_STAT__COUNT] = { 0 };
	int ncpu = libbpf_num_possible_cpus();
	__u64 *vals;
	__u32 i;
	int c;

	memset(st, 0, sizeof(*st));
	if (ncpu <= 0)
		return ncpu ?: -EINVAL;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (i = 0; i < STEER_STAT__COUNT; i++) {
		if (bpf_map_lookup_elem(s->stats_fd, &i, vals)) {
			int err = -errno;
			free(vals);
			return map_err(s, "reading statistics", err);
		}
		for (c = 0; c < ncpu; c++)
			sums[i] += vals[c];
	}
	free(vals);
	st->frames = sums[STEER_STAT_FRAMES];
	st->to_xsk = sums[STEER_STAT_TO_XSK] - sums[STEER_STAT_NO_XSK];
	st->to_kernel = sums[STEER_STAT_TO_KERNEL] + sums[STEER_STAT_NO_XSK];
	return 0;
}

const char *steer_pin_dir(const struct steer *s)
{
	return s->pin_dir;
}
