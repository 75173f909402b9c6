# SPDX-License-Identifier: MIT
# xtoe top-level build. `make` builds everything into build/; see README.md.

include mk/arch.mk
include mk/rules.mk
.DEFAULT_GOAL := all

# Parts (docs/architecture.md): core/ the sans-IO TCP core; common/ the
# contracts between processes; xdp/ the XDP-side library (chain, modules,
# firewall); daemon/ xtoed (dp/ data-path, cp/ control plane, port/ AF_XDP,
# steering, netlink); lib/xtoe and lib/sockets the application libraries;
# tools/ one folder per operator tool.
CORE_SRCS  := $(wildcard core/*.c)
COMMON_SRCS:= $(wildcard common/*.c)
XDP_SRCS   := $(wildcard xdp/*.c)
DP_MAIN    := daemon/xtoed.c
DP_SRCS    := $(filter-out $(DP_MAIN),$(wildcard daemon/*.c daemon/*/*.c))
LIBX_SRCS  := $(wildcard lib/xtoe/*.c)
CLI_SRCS   := $(wildcard tools/xtoectl/*.c)
# What the operator tools share (JSON, arguments, ss filters).
TOOLS_SRCS := $(wildcard tools/common/*.c)
TOOL_LIBS  := -ljansson
DUMP_MAIN  := tools/xtoe-dump/dump.c tools/xtoe-dump/dump_main.c tools/xtoe-dump/dump_out.c
DUMP_LIB   := $(filter-out $(DUMP_MAIN),$(wildcard tools/xtoe-dump/*.c))
DUMP_SRCS  := $(DUMP_MAIN) $(DUMP_LIB)
BPF_SRCS   := $(wildcard bpf/*.bpf.c)
ECHO_SRCS  := $(wildcard examples/echo/*.c)
PROXY_SRCS := $(wildcard examples/proxy/*.c)
UNIT_SRCS  := $(wildcard test/unit/test_*.c)
BPFT_SRCS  := $(filter-out %.bpf.c,$(wildcard test/bpf/test_*.c))

EXMOD_SRCS := $(wildcard examples/modules/*.bpf.c)
EXMOD_OBJS := $(patsubst examples/modules/%.bpf.c,$(BPF_BUILD)/examples/modules/%.bpf.o,$(EXMOD_SRCS))
CMOD_SRCS  := $(wildcard examples/cmodules/*.c)
CMOD_SOS   := $(patsubst examples/cmodules/%.c,$(BUILD)/examples/cmodules/%.so,$(CMOD_SRCS))
BPF_OBJS   := $(patsubst bpf/%.bpf.c,$(BPF_BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS      := $(patsubst bpf/%.bpf.c,$(BPF_BUILD)/gen/%.skel.h,$(BPF_SRCS))
DP_OBJS    := $(call objs,$(DP_SRCS) $(CORE_SRCS) $(XDP_SRCS) $(COMMON_SRCS))
LIB_OBJS   := $(call pic_objs,$(LIBX_SRCS) $(COMMON_SRCS))
# Everything but the programs' main files, for unit tests (ASan/UBSan).
CORE_SAN   := $(call san_objs,$(DP_SRCS) $(CORE_SRCS) $(XDP_SRCS) $(COMMON_SRCS) \
		$(LIBX_SRCS) $(DUMP_LIB) $(TOOLS_SRCS))
UNIT_BINS  := $(patsubst test/unit/%.c,$(BUILD)/test/%,$(UNIT_SRCS))
# The multi-worker tests again under ThreadSanitizer (everything they link
# built with it: $(BUILD)/tsan/).
TSAN_CORE  := $(call tsan_objs,$(DP_SRCS) $(CORE_SRCS) $(XDP_SRCS) $(COMMON_SRCS) \
		$(LIBX_SRCS) $(DUMP_LIB) $(TOOLS_SRCS))
UNIT_BINS  += $(BUILD)/test/test_workers_tsan
BPFT_BINS  := $(patsubst test/bpf/%.c,$(BUILD)/test/bpf_%,$(BPFT_SRCS))

# Versioned soname; only the public API (lib/xtoe/libxtoe.map) is exported.
LIBXTOE_SOVER := 1
LIBXTOE_VER   := $(LIBXTOE_SOVER).0.0
LIBXTOE_MAP   := lib/xtoe/libxtoe.map
LIBXTOE := $(BUILD)/lib/libxtoe.so $(BUILD)/lib/libxtoe.so.$(LIBXTOE_SOVER)

BINS := $(BUILD)/bin/xtoed $(BUILD)/bin/xtoe-echo $(BUILD)/bin/xtoectl $(BUILD)/bin/xtoe-proxy \
	$(BUILD)/bin/xtoe-run $(BUILD)/bin/xtoe-dump
LIBS := $(LIBXTOE) $(BUILD)/lib/libxtoe-sockets.so

.PHONY: all san deps test test-unit test-bpf test-bats test-fuzz test-long test-scale test-soak-asan demo bench clean help
all: $(BINS) $(LIBS) $(BPF_OBJS) $(EXMOD_OBJS) $(CMOD_SOS)

help:
	@echo "make            build everything into $(BUILD)/"
	@echo "make deps       install missing Debian packages (needs root)"
	@echo "make demo       deps + build + xtoe and Linux answering the same client"
	@echo "make san        xtoed with ASan and UBSan: $(BUILD)/san/bin/xtoed"
	@echo "make test       deps + build + unit, BPF, fuzz (a few s each) and namespace tests"
	@echo "make test-long  the same with FUZZ_SECONDS=$(FUZZ_LONG_SECONDS) per fuzz target, test-scale, then the arm64 tests"
	@echo "make test-scale 64,000 connections at once and a soak of churn, one worker then two (XTOED=path: another daemon build)"
	@echo "make test-soak-asan  16,000 connections and 3 min of churn against the ASan+UBSan xtoed"
	@echo "make ARCH=arm64 cross-build everything for aarch64 into build/arm64/"
	@echo "make test-arm64 the arm64 build's unit, BPF and fuzz-corpus tests under qemu-user"
	@echo "make test-arm64-system  xtoed in an emulated arm64 machine (Debian's arm64 kernel)"
	@echo "make bench      bench/rpc.sh: xtoe vs Linux RPC, alternating"
	@echo "make man        man pages into $(BUILD)/man/ (from --help and xtoe.h)"
	@echo "make install    PREFIX=/usr/local DESTDIR= SYSCONFDIR=/etc: programs,"
	@echo "                libraries, headers, pkg-config, man, completion, systemd unit"
	@echo "V=1             show full commands"

deps:
	$(Q)mk/deps.sh

# --- BPF (built once into $(BPF_BUILD), for every ARCH: mk/arch.mk) --------
$(BPF_BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h include/xtoe/*.h) | $(BPF_BUILD)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BPF_BUILD)/gen/%.skel.h: $(BPF_BUILD)/bpf/%.bpf.o | $(BPF_BUILD)/gen
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@

# Example modules (examples/modules/): built here so they always compile;
# xtoectl compiles them again from source when asked to.
$(BPF_BUILD)/examples/modules/%.bpf.o: examples/modules/%.bpf.c $(wildcard include/xtoe/*.h)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# Example C modules (include/xtoe/cmodule.h): shared objects for --cmodule.
$(BUILD)/examples/cmodules/%.so: examples/cmodules/%.c include/xtoe/cmodule.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -fPIC -shared -fvisibility=hidden -o $@ $<

# --- daemon --------------------------------------------------------------
$(DP_OBJS) $(CORE_SAN): $(SKELS)

$(BUILD)/bin/xtoed: $(call objs,$(DP_MAIN)) $(DP_OBJS) | $(BUILD)/bin
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(DP_LIBS)

# The daemon itself with ASan and UBSan (`make san`): the namespace tests
# of application lifecycles run against it (test/bats/app-lifecycle.bats).
SAN_XTOED := $(BUILD)/san/bin/xtoed
$(SAN_XTOED): $(call san_objs,$(DP_MAIN) $(DP_SRCS) $(CORE_SRCS) $(XDP_SRCS) $(COMMON_SRCS))
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $(SANFLAGS) -o $@ $^ $(DP_LIBS)
	$(Q)ln -sfn ../bpf $(@D)/../bpf # built-in modules next to it, as for build/bin

san: $(SAN_XTOED)

# --- xtoectl: operator CLI over the XDP-side library (xdp/) ---------------
$(BUILD)/bin/xtoectl: $(call objs,$(CLI_SRCS) $(TOOLS_SRCS) $(XDP_SRCS) $(COMMON_SRCS)) | $(BUILD)/bin
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(DP_LIBS) $(TOOL_LIBS)

# --- xtoe-dump: capture tool (tools/xtoe-dump/) ---------------------------
$(BUILD)/bin/xtoe-dump: $(call objs,$(DUMP_SRCS) $(TOOLS_SRCS) $(XDP_SRCS) $(COMMON_SRCS)) | $(BUILD)/bin
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(DP_LIBS) $(TOOL_LIBS) -lpcap

# --- libxtoe -------------------------------------------------------------
$(BUILD)/lib/libxtoe.so.$(LIBXTOE_VER): $(LIB_OBJS) $(LIBXTOE_MAP) | $(BUILD)/lib
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -shared -Wl,-soname,libxtoe.so.$(LIBXTOE_SOVER) \
		-Wl,--version-script=$(LIBXTOE_MAP) -o $@ $(LIB_OBJS) -lpthread

$(LIBXTOE): $(BUILD)/lib/libxtoe.so.$(LIBXTOE_VER)
	$(Q)ln -sf $(<F) $@

# --- libxtoe-sockets (LD_PRELOAD) and xtoe-run ----------------------------
# The sockets library carries its own copy of libxtoe; only the interposed
# libc functions (XS_API) are exported from lib/sockets/.
SOCK_SRCS := $(wildcard lib/sockets/*.c)
SOCK_OBJS := $(call pic_objs,$(SOCK_SRCS))
$(SOCK_OBJS): CFLAGS += -fvisibility=hidden
$(BUILD)/lib/libxtoe-sockets.so: $(SOCK_OBJS) $(LIB_OBJS) | $(BUILD)/lib
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -shared -Wl,-soname,libxtoe-sockets.so -o $@ $^ \
		-ldl -lpthread

# Unit test: the interposed calls linked straight into the test binary (as
# objects, not an archive: the sanitizer runtime would otherwise satisfy
# read/write/poll... first).
$(BUILD)/test/test_sockets: test/unit/test_sockets.c $(call san_objs,$(SOCK_SRCS)) \
		$(BUILD)/san/libcore.a $(wildcard test/unit/*.h) | $(BUILD)/test
	$(call msg,TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(SANFLAGS) -Itest/unit -o $@ $< \
		$(call san_objs,$(SOCK_SRCS)) $(BUILD)/san/libcore.a $(DP_LIBS) -ldl

$(BUILD)/bin/xtoe-run: $(call objs,tools/xtoe-run/xtoe-run.c common/log.c) | $(BUILD)/bin
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^

# --- examples ------------------------------------------------------------
$(BUILD)/bin/xtoe-echo: $(call objs,$(ECHO_SRCS)) $(LIBXTOE) | $(BUILD)/bin
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) -L$(BUILD)/lib -lxtoe \
		-Wl,-rpath,'$$ORIGIN/../lib' -lm -lpthread

$(BUILD)/bin/xtoe-proxy: $(call objs,$(PROXY_SRCS)) $(LIBXTOE) | $(BUILD)/bin
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) -L$(BUILD)/lib -lxtoe \
		-Wl,-rpath,'$$ORIGIN/../lib'

# --- tests ---------------------------------------------------------------
$(BUILD)/san/libcore.a: $(CORE_SAN)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/test/%: test/unit/%.c $(BUILD)/san/libcore.a $(wildcard test/unit/*.h) | $(BUILD)/test
	$(call msg,TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(SANFLAGS) -Itest/unit -DTEST_BUILD_DIR='"$(abspath $(BUILD))"' \
		-o $@ $< $(BUILD)/san/libcore.a $(DP_LIBS) $(TOOL_LIBS)

# segstat built with it too: its counters are what the test watches.
$(BUILD)/tsan/cmodules/%.so: examples/cmodules/%.c include/xtoe/cmodule.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(CFLAGS) $(TSANFLAGS) -fPIC -shared -fvisibility=hidden -o $@ $<

$(BUILD)/tsan/libcore.a: $(TSAN_CORE)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(TSAN_CORE): $(SKELS)

$(BUILD)/test/test_workers_tsan: test/unit/test_workers.c $(BUILD)/tsan/libcore.a \
		$(BUILD)/tsan/cmodules/segstat.so $(wildcard test/unit/*.h) | $(BUILD)/test
	$(call msg,TEST,$@)
	$(Q)$(CLANG) $(CFLAGS) $(TSANFLAGS) -Itest/unit -DTEST_BUILD_DIR='"$(abspath $(BUILD))"' \
		-DTEST_CMOD_DIR='"$(abspath $(BUILD))/tsan/cmodules"' \
		-o $@ $< $(BUILD)/tsan/libcore.a \
		$(DP_LIBS) $(TOOL_LIBS)

# In-process daemons load the example C modules.
$(BUILD)/test/test_daemon_loop $(BUILD)/test/test_workers $(BUILD)/test/test_workers_tsan: $(CMOD_SOS)

# BPF objects the BPF tests load by path (probe modules, example modules).
TBPF_SRCS := $(wildcard test/bpf/*.bpf.c)
TBPF_OBJS := $(patsubst test/bpf/%.bpf.c,$(BPF_BUILD)/test/bpf/%.bpf.o,$(TBPF_SRCS))
$(BPF_BUILD)/test/bpf/%.bpf.o: test/bpf/%.bpf.c $(wildcard include/xtoe/*.h)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/test/bpf_%: test/bpf/%.c test/bpf/bpf_test_util.h $(BPF_OBJS) $(SKELS) $(TBPF_OBJS) $(BUILD)/san/libcore.a | $(BUILD)/test
	$(call msg,TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(SANFLAGS) -Itest/unit -DTEST_BPF_DIR='"$(abspath $(BPF_BUILD))/test/bpf"' \
		-o $@ $< $(BUILD)/san/libcore.a $(DP_LIBS)

# Probe for the namespace tests: AF_XDP port, steering and netlink on a
# real interface.
TOOL_BINS := $(BUILD)/test/xsk_probe $(BPF_BUILD)/test/peer_pass.bpf.o $(SAN_XTOED)
$(BUILD)/test/xsk_probe: test/tools/xsk_probe.c $(BUILD)/san/libcore.a | $(BUILD)/test
	$(call msg,TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $< $(BUILD)/san/libcore.a $(DP_LIBS)

# A C module that wedges the data-path (test/bats/robust.bats).
TOOL_BINS += $(BUILD)/test/stall_cmod.so
$(BUILD)/test/stall_cmod.so: test/tools/stall_cmod.c include/xtoe/cmodule.h | $(BUILD)/test
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -fPIC -shared -fvisibility=hidden -o $@ $<

# XDP_PASS for the Linux end of a veth when xtoe's modules XDP_TX
# (test/lib/topo.bash: topo_peer_xdp).
$(BPF_BUILD)/test/peer_pass.bpf.o: test/tools/peer_pass.bpf.c | $(BPF_BUILD)/test
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# --- bench programs ----------------------------------------------------------
# bench/loopbulk.c: one bulk flow between two in-process daemons over the
# loopback port, optimised like xtoed (bench/profile.sh runs it under
# callgrind).
BENCH_BINS := $(BUILD)/bench/loopbulk
$(BUILD)/bench/loopbulk: bench/loopbulk.c test/unit/loopnet.h $(DP_OBJS) $(call objs,$(LIBX_SRCS))
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Itest/unit -o $@ $< $(DP_OBJS) $(call objs,$(LIBX_SRCS)) $(DP_LIBS)
# bench/csum.c: a payload into a frame with its checksum, in one pass or two.
BENCH_BINS += $(BUILD)/bench/csum
$(BUILD)/bench/csum: bench/csum.c core/tcp_csum.c core/tcp_csum.h
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $< core/tcp_csum.c
# bench/looprpc.c: closed-loop RPC between the same in-process daemons
# (bench/rpcprofile.sh: instructions per request under callgrind).
BENCH_BINS += $(BUILD)/bench/looprpc
$(BUILD)/bench/looprpc: bench/looprpc.c test/unit/loopnet.h $(DP_OBJS) $(call objs,$(LIBX_SRCS))
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Itest/unit -o $@ $< $(DP_OBJS) $(call objs,$(LIBX_SRCS)) $(DP_LIBS)
# bench/loopscale.c: data-path scaling with 1 and 2 workers, in-process
# (bench/scale.sh).
BENCH_BINS += $(BUILD)/bench/loopscale
$(BUILD)/bench/loopscale: bench/loopscale.c test/unit/loopnet.h $(DP_OBJS) $(call objs,$(LIBX_SRCS))
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Itest/unit -o $@ $< $(DP_OBJS) $(call objs,$(LIBX_SRCS)) $(DP_LIBS)
# bench/spike/: issue 17's placement spike (bench/spike.sh): an echo
# answered on the application's own AF_XDP socket, and the checker program
# of its BPF_PROG_RUN transmit.
BENCH_BINS += $(BUILD)/bench/xskecho $(BPF_BUILD)/bpf/bench/spike/txcheck.bpf.o
$(BUILD)/bench/xskecho: bench/spike/xskecho.c $(DP_OBJS)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(DP_OBJS) $(DP_LIBS)
$(BPF_BUILD)/bpf/bench/spike/txcheck.bpf.o: bench/spike/txcheck.bpf.c
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@
# built by `make` so they keep compiling (-Werror) with the code they use
all: $(BENCH_BINS)
# --- end of bench programs ----------------------------------------------------

# --- link impairment for the namespace tests --------------------------------
# test/bpf/impair.bpf.c: loss, duplication, reordering and corruption as tc
# programs on a Linux peer's veth; test/tools/impair attaches it.
IMPAIR_OBJ := $(BPF_BUILD)/test/impair.bpf.o
TOOL_BINS  += $(BUILD)/test/impair

$(IMPAIR_OBJ): test/bpf/impair.bpf.c test/bpf/impair.h | $(BPF_BUILD)/test
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BPF_BUILD)/gen/impair.skel.h: $(IMPAIR_OBJ) | $(BPF_BUILD)/gen
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name impair_bpf > $@

$(BUILD)/test/impair: test/tools/impair.c $(BPF_BUILD)/gen/impair.skel.h | $(BUILD)/test
	$(call msg,TEST,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $< -lbpf -lelf -lz
# --- end of link impairment ---------------------------------------------------

# --- fuzzing (libFuzzer) -------------------------------------------------
# test/fuzz/fuzz_NAME.c are libFuzzer targets over the sans-IO TCP core,
# built with clang and sanitizers straight from the core's sources (the
# flow table's target from daemon/dp/flowtab.c).
# `make test` runs each for FUZZ_SECONDS; `make test-long` for longer.
FUZZ_SRCS   := $(wildcard test/fuzz/fuzz_*.c)
FUZZ_BINS   := $(patsubst test/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
FUZZ_CORE   := $(CORE_SRCS)
FUZZ_CFLAGS := -g -O1 -std=gnu11 -Wall -Wextra $(WERROR) -I. -Iinclude \
	       -D_GNU_SOURCE -fno-sanitize-recover=all \
	       -fsanitize=fuzzer,address,undefined
FUZZ_SECONDS ?= 4
FUZZ_LONG_SECONDS ?= 300
export FUZZ_SECONDS

$(BUILD)/fuzz:
	$(Q)mkdir -p $@

$(BUILD)/fuzz/%: test/fuzz/%.c $(FUZZ_CORE) $(wildcard core/*.h common/*.h) | $(BUILD)/fuzz
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_CORE) -lm

# The control plane's request handling needs a whole daemon (in-process,
# over the loopback port): built from the daemon's sources.
FUZZ_DAEMON := $(DP_SRCS) $(CORE_SRCS) $(XDP_SRCS) $(COMMON_SRCS) $(LIBX_SRCS)
$(BUILD)/fuzz/fuzz_cp_requests: test/fuzz/fuzz_cp_requests.c $(FUZZ_DAEMON) $(SKELS) \
		$(wildcard daemon/*.h daemon/*/*.h common/*.h test/unit/loopnet.h) | $(BUILD)/fuzz
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -I$(BPF_BUILD)/gen -Itest/unit -Wno-unused-function \
		-o $@ $< $(FUZZ_DAEMON) $(DP_LIBS)

# The data-path's flow table, from its own source (daemon/dp/flowtab.c).
$(BUILD)/fuzz/fuzz_flowtab: test/fuzz/fuzz_flowtab.c daemon/dp/flowtab.c daemon/dp/flowtab.h \
		daemon/flow_key.h | $(BUILD)/fuzz
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -o $@ $< daemon/dp/flowtab.c

test-fuzz: $(FUZZ_BINS)
	$(Q)test/run-fuzz.sh $(FUZZ_BINS)
# --- end of fuzzing --------------------------------------------------------

test-unit: $(UNIT_BINS)
	$(Q)test/run-unit.sh $(UNIT_BINS)

test-bpf: $(BPFT_BINS)
	$(Q)test/run-unit.sh $(BPFT_BINS)

test-bats: all $(TOOL_BINS)
	$(Q)bats --tap test/bats

test: deps
	$(Q)$(MAKE) --no-print-directory all $(UNIT_BINS) $(BPFT_BINS) $(TOOL_BINS) $(FUZZ_BINS)
	$(Q)test/run-all.sh

test-long:
	$(Q)$(MAKE) --no-print-directory test FUZZ_SECONDS=$(FUZZ_LONG_SECONDS)
	$(Q)$(MAKE) --no-print-directory test-scale test-soak-asan
	$(Q)$(MAKE) --no-print-directory test-arm64 test-arm64-system

# 64,000 concurrent connections and a soak of churn (test/long/scale.sh);
# XTOED=path runs another daemon build (e.g. an ASan one).
test-scale: all
	$(Q)test/long/scale.sh
	$(Q)TOPO_QUEUES=2 XTOED_OPTS="--workers 2" SOAK_SECONDS=60 test/long/scale.sh

# The same against the ASan+UBSan daemon (make san): 16,000 connections
# (the sanitizers' memory), then three minutes of churn; any report fails.
test-soak-asan: all san
	$(Q)XTOED=$(BUILD)/san/bin/xtoed CONNS=16000 SOAK_SECONDS=180 test/long/scale.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)examples/demo.sh

bench: all
	$(Q)bench/rpc.sh

clean:
	rm -rf $(BUILD)

include mk/arm64.mk
include mk/install.mk

# (the host build's tree holds the arm64 one: skip it)
-include $(shell find $(BUILD) -path $(BUILD)/arm64 -prune -o -name '*.d' -print 2>/dev/null)
