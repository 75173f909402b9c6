// SPDX-License-Identifier: MIT
/* The denial message of the daemon's socket (access.h). */
#include "access.h"

#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void xtoe_access_denied_msg(const char *path, int err, char *buf, size_t len)
{
	struct passwd *pw = getpwuid(geteuid());
	char user[64], group[64];
	struct group *gr;
	struct stat st;

	snprintf(user, sizeof(user), "%s", pw ? pw->pw_name : "?");
	if (stat(path, &st)) {
		snprintf(buf, len, "connect to %s: %s (user %s)", path, strerror(err), user);
		return;
	}
	gr = getgrgid(st.st_gid);
	snprintf(group, sizeof(group), "%s", gr ? gr->gr_name : "?");
	if (st.st_gid == 0 || !(st.st_mode & 020))
		snprintf(buf, len, "connect to %s: %s: only root may use this xtoed "
			 "(socket mode %04o, group %s); start xtoed with --group "
			 "(docs/access.md)", path, strerror(err), st.st_mode & 07777, group);
	else
		snprintf(buf, len, "connect to %s: %s: user %s is not in group %s; an "
			 "administrator grants access with 'usermod -aG %s %s' (then log "
			 "in again; docs/access.md)", path, strerror(err), user, group,
			 group, user);
}
