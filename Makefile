# SPDX-License-Identifier: MIT
# xtoe top-level build. `make` builds everything into build/; see README.md.

include mk/rules.mk

DP_MAIN    := datapath/xtoed.c
DP_SRCS    := $(filter-out $(DP_MAIN),$(wildcard datapath/*.c))
LIB_SRCS   := $(wildcard lib/*.c)
LIB_UTIL   := $(filter-out lib/xtoe%.c,$(LIB_SRCS))
LOADER_SRCS:= $(filter-out loader/xtoectl.c,$(wildcard loader/*.c))
BPF_SRCS   := $(wildcard bpf/*.bpf.c)
ECHO_SRCS  := $(wildcard examples/echo/*.c)
UNIT_SRCS  := $(wildcard test/unit/test_*.c)
BPFT_SRCS  := $(wildcard test/bpf/test_*.c)

BPF_OBJS   := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS      := $(patsubst bpf/%.bpf.c,$(BUILD)/gen/%.skel.h,$(BPF_SRCS))
DP_OBJS    := $(call objs,$(DP_SRCS) $(LOADER_SRCS))
LIB_OBJS   := $(call pic_objs,$(LIB_SRCS))
CORE_SAN   := $(call san_objs,$(DP_SRCS) $(LOADER_SRCS) $(LIB_SRCS))
UNIT_BINS  := $(patsubst test/unit/%.c,$(BUILD)/test/%,$(UNIT_SRCS))
BPFT_BINS  := $(patsubst test/bpf/%.c,$(BUILD)/test/bpf_%,$(BPFT_SRCS))

BINS := $(BUILD)/bin/xtoed $(BUILD)/bin/xtoe-echo $(BUILD)/bin/xtoe-run
LIBS := $(BUILD)/lib/libxtoe.so $(BUILD)/lib/libxtoe-sockets.so

.PHONY: all deps test test-unit test-bpf test-bats test-long demo bench clean help
all: $(BINS) $(LIBS) $(BPF_OBJS)

help:
	@echo "make            build everything into $(BUILD)/"
	@echo "make deps       install missing Debian packages (needs root)"
	@echo "make demo       deps + build + xtoe and Linux answering the same client"
	@echo "make test       deps + build + unit, BPF and namespace tests"
	@echo "make bench      bench/rpc.sh: xtoe vs Linux RPC, alternating"
	@echo "V=1             show full commands"

deps:
	$(Q)mk/deps.sh

# --- BPF -----------------------------------------------------------------
$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h include/xtoe/*.h) | $(BUILD)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/gen/%.skel.h: $(BUILD)/bpf/%.bpf.o | $(BUILD)/gen
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@

# --- daemon --------------------------------------------------------------
$(DP_OBJS) $(CORE_SAN): $(SKELS)

$(BUILD)/bin/xtoed: $(call objs,$(DP_MAIN)) $(DP_OBJS) $(call objs,$(LIB_UTIL)) | $(BUILD)/bin
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(DP_LIBS)

# --- libxtoe -------------------------------------------------------------
$(BUILD)/lib/libxtoe.so: $(LIB_OBJS) | $(BUILD)/lib
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -shared -Wl,-soname,libxtoe.so -o $@ $^ -lpthread

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

$(BUILD)/bin/xtoe-run: $(call objs,tools/xtoe-run.c) | $(BUILD)/bin
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^

# --- examples ------------------------------------------------------------
$(BUILD)/bin/xtoe-echo: $(call objs,$(ECHO_SRCS)) $(BUILD)/lib/libxtoe.so | $(BUILD)/bin
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) -L$(BUILD)/lib -lxtoe \
		-Wl,-rpath,'$$ORIGIN/../lib' -lm -lpthread

# --- tests ---------------------------------------------------------------
$(BUILD)/san/libcore.a: $(CORE_SAN)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/test/%: test/unit/%.c $(BUILD)/san/libcore.a $(wildcard test/unit/*.h) | $(BUILD)/test
	$(call msg,TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(SANFLAGS) -Itest/unit -o $@ $< $(BUILD)/san/libcore.a $(DP_LIBS)

$(BUILD)/test/bpf_%: test/bpf/%.c $(BPF_OBJS) $(SKELS) $(BUILD)/san/libcore.a | $(BUILD)/test
	$(call msg,TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(SANFLAGS) -Itest/unit -o $@ $< $(BUILD)/san/libcore.a $(DP_LIBS)

# Probe for the namespace tests: AF_XDP port, steering and netlink on a
# real interface.
TOOL_BINS := $(BUILD)/test/xsk_probe
$(BUILD)/test/xsk_probe: test/tools/xsk_probe.c $(BUILD)/san/libcore.a | $(BUILD)/test
	$(call msg,TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $< $(BUILD)/san/libcore.a $(DP_LIBS)

test-unit: $(UNIT_BINS)
	$(Q)test/run-unit.sh $(UNIT_BINS)

test-bpf: $(BPFT_BINS)
	$(Q)test/run-unit.sh $(BPFT_BINS)

test-bats: all $(TOOL_BINS)
	$(Q)bats --tap test/bats

test: deps
	$(Q)$(MAKE) --no-print-directory all $(UNIT_BINS) $(BPFT_BINS) $(TOOL_BINS)
	$(Q)test/run-all.sh

test-long: test

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)examples/demo.sh

bench: all
	$(Q)bench/rpc.sh

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
