# SPDX-License-Identifier: MIT
# Target architecture (read before mk/rules.mk). `make` builds for this
# machine into build/; `make ARCH=arm64` cross-builds every program, library
# and test for aarch64 into build/arm64/ with Debian's cross toolchain
# (gcc-aarch64-linux-gnu) against the multiarch :arm64 libraries
# (`make deps-arm64` installs both; see mk/arm64.mk for the arm64 targets).
#
# BPF objects do not depend on the CPU that loads them (both targets are
# little-endian, 64-bit): they and the skeletons made from them are built
# once, with the host's clang, into $(BPF_BUILD) (= build/) and used by
# both builds.

HOST_ARCH := $(shell uname -m | sed -e 's/x86_64/amd64/' -e 's/aarch64/arm64/')
ARCH      ?= $(HOST_ARCH)
HOSTCC    ?= gcc
BPF_BUILD ?= build

ifeq ($(ARCH),$(HOST_ARCH))
BUILD ?= build
else ifeq ($(ARCH),arm64)
CROSS ?= aarch64-linux-gnu-
CC    := $(CROSS)gcc
BUILD ?= build/arm64
else
$(error ARCH=$(ARCH) is not supported; use ARCH=arm64 or leave it unset)
endif
