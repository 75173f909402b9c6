# SPDX-License-Identifier: MIT
# Shared build rules: flags, object naming, quiet output (V=1 for verbose).

BUILD   ?= build
CLANG   ?= clang
BPFTOOL ?= bpftool
# BPF sees the host's UAPI headers (asm/types.h); see mk/arch.mk.
ARCH_INC := /usr/include/$(shell $(HOSTCC) -print-multiarch)

WERROR  ?= -Werror
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra $(WERROR) -MMD -MP \
	   -I. -Iinclude -I$(BPF_BUILD)/gen -D_GNU_SOURCE
SANFLAGS := -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
	    -fno-sanitize-recover=all
# clang: gcc's ThreadSanitizer does not model atomic_thread_fence (common/wake.h)
TSANFLAGS := -O1 -fsanitize=thread -fno-omit-frame-pointer
LDFLAGS ?=
DP_LIBS := -lxdp -lbpf -lelf -lz -lmnl -lpthread -lm
BPF_CFLAGS := -g -O2 -target bpf -Wall $(WERROR) -D__bpf__ -Iinclude -Ibpf \
	      -I$(ARCH_INC) -MMD -MP

ifeq ($(V),1)
Q :=
msg =
else
Q := @
msg = @printf '  %-5s %s\n' '$(1)' '$(2)';
endif

objs     = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
pic_objs = $(patsubst %.c,$(BUILD)/pic/%.o,$(1))
san_objs = $(patsubst %.c,$(BUILD)/san/%.o,$(1))
tsan_objs = $(patsubst %.c,$(BUILD)/tsan/%.o,$(1))

$(BUILD)/obj/%.o: %.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/pic/%.o: %.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -fPIC -c $< -o $@

$(BUILD)/san/%.o: %.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(SANFLAGS) -c $< -o $@

$(BUILD)/tsan/%.o: %.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(CFLAGS) $(TSANFLAGS) -c $< -o $@

$(sort $(BUILD)/bin $(BUILD)/lib $(BUILD)/test $(BPF_BUILD)/bpf $(BPF_BUILD)/gen $(BPF_BUILD)/test):
	$(Q)mkdir -p $@

.DELETE_ON_ERROR:
.SECONDARY:
