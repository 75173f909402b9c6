// SPDX-License-Identifier: MIT
/*
 * xtoectl detach: remove the XDP chain a stopped xtoed kept attached to
 * enforce its firewall (XTOE_PIN_LINK, common/paths.h): the pinned link and the pin
 * directory. Refused while a daemon serves the interface.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "cli.h"
#include "common/log.h"
#include "common/paths.h"
#include "xdp/fw_ctl.h"

/* Does a daemon hold the interface's lock (XTOE_RUN_DIR/IF.lock)? */
static bool daemon_runs(const char *ifname)
{
	char path[128];
	bool held;
	int fd;

	if (!xtoe_lock_path(path, sizeof(path), ifname))
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	held = flock(fd, LOCK_SH | LOCK_NB) && errno == EWOULDBLOCK;
	close(fd);
	return held;
}

int cli_detach(struct cli *c, int argc, char **argv)
{
	char link[sizeof(c->pin_dir) + 16];
	json_t *o;
	int err, rules;

	(void)argv;
	if (argc != 1)
		return usage_error(CLI_HINT, "detach takes no arguments (the interface "
				   "is -i IFACE)");
	if ((err = find_iface(c)))
		return cli_fail(c, err);
	if (daemon_runs(c->ifname)) {
		log_err("detach: xtoed serves %s; stop it instead (its chain stays "
			"only while the firewall has rules: `xtoectl fw flush` first "
			"to have it go with the daemon)", c->ifname);
		return cli_fail(c, -EBUSY);
	}
	snprintf(link, sizeof(link), "%s/" XTOE_PIN_LINK, c->pin_dir);
	if (access(link, F_OK)) {
		log_err("detach: no XDP chain kept on %s (nothing at %s)", c->ifname, link);
		return cli_fail(c, -ENOENT);
	}
	rules = fwc_live_rules(c->pin_dir);
	err = xtoe_rm_pins(c->pin_dir);
	if (err) {
		log_err("detach: cannot remove %s: %s", c->pin_dir, strerror(-err));
		return cli_fail(c, err);
	}
	if (!c->json) {
		printf("%s: detached the XDP chain xtoed kept (%d firewall rules no "
		       "longer in force)\n", c->ifname, rules > 0 ? rules : 0);
		return 0;
	}
	o = json_object();
	jset_str(o, "detached", c->ifname);
	jset_int(o, "rules", rules > 0 ? rules : 0);
	return cli_json(c, o);
}
