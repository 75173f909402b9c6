# SPDX-License-Identifier: MIT
# arm64 (BlueField's Arm cores): cross build, tests under qemu-user, and a
# system test in an emulated arm64 machine. Toolchain selection: mk/arch.mk.
#
#   make ARCH=arm64        every program, library and C module for aarch64
#   make deps-arm64        the cross toolchain, :arm64 libraries, qemu
#   make test-arm64        unit tests, BPF table tests and the fuzz corpora
#                          replayed, under qemu-user (binfmt)
#   make test-arm64-system xtoed in qemu-system-aarch64 (Debian's arm64
#                          kernel) against the Linux stack; part of test-long

.PHONY: deps-arm64 test-arm64 test-arm64-system arm64-tests

deps-arm64:
	$(Q)mk/deps-arm64.sh

# Replays of the fuzz corpora: each libFuzzer target linked with a main
# that feeds it every input of a corpus (no libFuzzer needed, any CPU).
# (fuzz_cp_requests runs a whole daemon: the arm64 system test covers that)
REPLAY_BINS := $(patsubst test/fuzz/%.c,$(BUILD)/fuzz/replay_%,\
		$(filter-out %/fuzz_cp_requests.c,$(FUZZ_SRCS)))
$(BUILD)/fuzz/replay_%: test/fuzz/%.c test/fuzz/replay.c $(FUZZ_CORE) \
		$(wildcard core/*.h common/*.h) | $(BUILD)/fuzz
	$(call msg,FUZZ,$@)
	$(Q)$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $< test/fuzz/replay.c $(FUZZ_CORE) -lm
# the flow table's target is built from the table's own source
$(BUILD)/fuzz/replay_fuzz_flowtab: test/fuzz/fuzz_flowtab.c test/fuzz/replay.c \
		daemon/dp/flowtab.c daemon/dp/flowtab.h daemon/flow_key.h | $(BUILD)/fuzz
	$(call msg,FUZZ,$@)
	$(Q)$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $< test/fuzz/replay.c daemon/dp/flowtab.c

# xtoectl finds the built-in modules beside its own directory (../bpf):
# the cross build's points at the one set of BPF objects.
ifneq ($(BUILD),$(BPF_BUILD))
all: $(BUILD)/bpf
$(BUILD)/bpf: | $(BPF_OBJS)
	$(Q)mkdir -p $(BUILD)
	$(Q)ln -sfn $$(realpath --relative-to=$(BUILD) $(BPF_BUILD)/bpf) $@
endif

# Everything test-arm64 and the system test run, for ARCH=arm64.
arm64-tests: all $(UNIT_BINS) $(BPFT_BINS) $(TOOL_BINS) $(REPLAY_BINS)

ifeq ($(ARCH),arm64)
test-arm64: deps-arm64
	$(Q)$(MAKE) --no-print-directory arm64-tests
	$(Q)BUILD=$(BUILD) test/run-arm64.sh

test-arm64-system: deps-arm64
	$(Q)$(MAKE) --no-print-directory arm64-tests
	$(Q)BUILD=$(BUILD) test/arm64/system.sh
else
test-arm64 test-arm64-system:
	$(Q)$(MAKE) --no-print-directory ARCH=arm64 $@
endif
