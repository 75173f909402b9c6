# SPDX-License-Identifier: MIT
# Man pages and `make install` (included by the Makefile after its rules).
#
#   make install [PREFIX=/usr/local] [DESTDIR=] [SYSCONFDIR=/etc] ...
#
# Programs (xtoed in sbin), libxtoe with its versioned soname, the sockets
# library (a preload module, in lib/xtoe/), the built-in modules
# (lib/xtoe/bpf/, where the tools look: ../lib/xtoe/bpf next to them), the
# public and module headers, pkg-config files (xtoe, xtoe-module), man
# pages, bash completion, the systemd unit xtoed@.service and an example
# configuration in SYSCONFDIR/xtoe/.

PREFIX        ?= /usr/local
BINDIR        ?= $(PREFIX)/bin
SBINDIR       ?= $(PREFIX)/sbin
LIBDIR        ?= $(PREFIX)/lib
PKGLIBDIR     := $(PREFIX)/lib/xtoe
BPFDIR        := $(PKGLIBDIR)/bpf
INCLUDEDIR    ?= $(PREFIX)/include
DATADIR       ?= $(PREFIX)/share
MANDIR        ?= $(DATADIR)/man
PKGCONFIGDIR  ?= $(LIBDIR)/pkgconfig
COMPLETIONDIR ?= $(DATADIR)/bash-completion/completions
UNITDIR       ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR    ?= /etc
INSTALL       ?= install

XTOE_VERSION := $(shell sed -n 's/^\#define XTOE_VERSION "\(.*\)"/\1/p' common/version.h)

# --- man pages: from --help (help2man) and from the library's header ------
MAN8 := xtoed xtoectl xtoe-dump
MAN1 := xtoe-run xtoe-proxy
MANS := $(MAN8:%=$(BUILD)/man/%.8) $(MAN1:%=$(BUILD)/man/%.1) $(BUILD)/man/libxtoe.3

.PHONY: man install uninstall
man: $(MANS)

$(BUILD)/man:
	$(Q)mkdir -p $@

$(BUILD)/man/%.8: $(BUILD)/bin/% docs/man/%.h2m | $(BUILD)/man
	$(call msg,MAN,$@)
	$(Q)help2man --no-info --section=8 --include=docs/man/$*.h2m --output=$@ $<

$(BUILD)/man/%.1: $(BUILD)/bin/% docs/man/%.h2m | $(BUILD)/man
	$(call msg,MAN,$@)
	$(Q)help2man --no-info --section=1 --include=docs/man/$*.h2m --output=$@ $<

$(BUILD)/man/libxtoe.3: include/xtoe/xtoe.h mk/hdr2man.py common/version.h | $(BUILD)/man
	$(call msg,MAN,$@)
	$(Q)python3 mk/hdr2man.py $< $(XTOE_VERSION) > $@

# --- files made for the prefix (always afresh: PREFIX may change) ---------
SUBST = sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@BPFDIR@|$(BPFDIR)|g' \
	-e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	-e 's|@VERSION@|$(XTOE_VERSION)|g' -e 's|@ARCH_INC@|$(ARCH_INC)|g'

INSTALL_DIRS := $(BINDIR) $(SBINDIR) $(LIBDIR) $(PKGLIBDIR) $(BPFDIR) \
	$(INCLUDEDIR)/xtoe $(PKGCONFIGDIR) $(MANDIR)/man1 $(MANDIR)/man3 $(MANDIR)/man8 \
	$(COMPLETIONDIR) $(UNITDIR) $(SYSCONFDIR)/xtoe $(DATADIR)/xtoe/examples/modules

install: all man
	$(Q)for d in $(INSTALL_DIRS); do $(INSTALL) -d "$(DESTDIR)$$d"; done
	$(Q)$(INSTALL) -m 0755 $(BUILD)/bin/xtoectl $(BUILD)/bin/xtoe-dump $(BUILD)/bin/xtoe-run \
		$(BUILD)/bin/xtoe-proxy $(BUILD)/bin/xtoe-echo "$(DESTDIR)$(BINDIR)/"
	$(Q)$(INSTALL) -m 0755 $(BUILD)/bin/xtoed "$(DESTDIR)$(SBINDIR)/"
	$(Q)$(INSTALL) -m 0755 $(BUILD)/lib/libxtoe.so.$(LIBXTOE_VER) "$(DESTDIR)$(LIBDIR)/"
	$(Q)ln -sf libxtoe.so.$(LIBXTOE_VER) "$(DESTDIR)$(LIBDIR)/libxtoe.so.$(LIBXTOE_SOVER)"
	$(Q)ln -sf libxtoe.so.$(LIBXTOE_SOVER) "$(DESTDIR)$(LIBDIR)/libxtoe.so"
	$(Q)$(INSTALL) -m 0755 $(BUILD)/lib/libxtoe-sockets.so "$(DESTDIR)$(PKGLIBDIR)/"
	$(Q)$(INSTALL) -m 0644 $(BPF_OBJS) "$(DESTDIR)$(BPFDIR)/"
	$(Q)$(INSTALL) -m 0644 include/xtoe/*.h "$(DESTDIR)$(INCLUDEDIR)/xtoe/"
	$(Q)$(SUBST) dist/xtoe.pc.in >"$(DESTDIR)$(PKGCONFIGDIR)/xtoe.pc"
	$(Q)$(SUBST) dist/xtoe-module.pc.in >"$(DESTDIR)$(PKGCONFIGDIR)/xtoe-module.pc"
	$(Q)$(INSTALL) -m 0644 $(MAN8:%=$(BUILD)/man/%.8) "$(DESTDIR)$(MANDIR)/man8/"
	$(Q)$(INSTALL) -m 0644 $(MAN1:%=$(BUILD)/man/%.1) "$(DESTDIR)$(MANDIR)/man1/"
	$(Q)$(INSTALL) -m 0644 $(BUILD)/man/libxtoe.3 "$(DESTDIR)$(MANDIR)/man3/"
	$(Q)$(INSTALL) -m 0644 dist/bash-completion/xtoe "$(DESTDIR)$(COMPLETIONDIR)/xtoectl"
	$(Q)for c in xtoe-dump xtoed xtoe-run; do ln -sf xtoectl "$(DESTDIR)$(COMPLETIONDIR)/$$c"; done
	$(Q)$(SUBST) dist/systemd/xtoed@.service.in >"$(DESTDIR)$(UNITDIR)/xtoed@.service"
	$(Q)$(INSTALL) -m 0644 dist/xtoed.conf.example "$(DESTDIR)$(SYSCONFDIR)/xtoe/"
	$(Q)$(INSTALL) -m 0644 examples/modules/*.bpf.c "$(DESTDIR)$(DATADIR)/xtoe/examples/modules/"
	$(Q)if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" -eq 0 ]; then ldconfig || true; fi
	@# the group whose members may use xtoed's socket (docs/access.md), on
	@# the system's own installation only (not into DESTDIR or another /etc)
	$(Q)if [ -z "$(DESTDIR)" ] && [ "$(SYSCONFDIR)" = /etc ] && [ "$$(id -u)" -eq 0 ] && \
		! getent group xtoe >/dev/null; then \
		groupadd --system xtoe && echo "created the group xtoe (docs/access.md)"; fi
	@echo "installed xtoe $(XTOE_VERSION) under $(DESTDIR)$(PREFIX)"

uninstall:
	$(Q)rm -f $(addprefix "$(DESTDIR)$(BINDIR)/",xtoectl xtoe-dump xtoe-run xtoe-proxy xtoe-echo) \
		"$(DESTDIR)$(SBINDIR)/xtoed" "$(DESTDIR)$(LIBDIR)"/libxtoe.so* \
		"$(DESTDIR)$(PKGCONFIGDIR)/xtoe.pc" "$(DESTDIR)$(PKGCONFIGDIR)/xtoe-module.pc" \
		$(MAN8:%="$(DESTDIR)$(MANDIR)/man8/%.8") $(MAN1:%="$(DESTDIR)$(MANDIR)/man1/%.1") \
		"$(DESTDIR)$(MANDIR)/man3/libxtoe.3" "$(DESTDIR)$(UNITDIR)/xtoed@.service" \
		$(addprefix "$(DESTDIR)$(COMPLETIONDIR)/",xtoectl xtoe-dump xtoed xtoe-run) \
		"$(DESTDIR)$(SYSCONFDIR)/xtoe/xtoed.conf.example"
	$(Q)rm -rf "$(DESTDIR)$(PKGLIBDIR)" "$(DESTDIR)$(INCLUDEDIR)/xtoe" "$(DESTDIR)$(DATADIR)/xtoe"
