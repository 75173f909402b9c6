#!/usr/bin/env bash
# Install what the arm64 build and tests need (mk/arm64.mk): Debian's
# aarch64 cross compiler, the multiarch :arm64 libraries xtoe links, the
# sanitizer runtimes, qemu-user with binfmt (make test-arm64) and
# qemu-system-aarch64 (make test-arm64-system). Idempotent; needs root to
# install (through mk/deps.sh, with the host packages). Kept apart from
# make deps: `make test` on x86 needs none of it.
set -euo pipefail

LIBS=(libbpf-dev libxdp-dev libelf-dev zlib1g-dev libmnl-dev libpcap-dev libjansson-dev
      libasan8 libubsan1)
PKGS=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static
      binfmt-support qemu-system-arm cpio)
for l in "${LIBS[@]}"; do PKGS+=("$l:arm64"); done

# the :arm64 packages need the architecture in dpkg before apt-get update
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps-arm64: run 'make deps-arm64' as root (dpkg --add-architecture arm64)" >&2
		exit 1
	fi
	dpkg --add-architecture arm64
fi
"$(dirname "$0")"/deps.sh "${PKGS[@]}"

# binfmt: arm64 programs run straight from the shell through qemu-user.
if [ "$(id -u)" -eq 0 ]; then
	[ -e /proc/sys/fs/binfmt_misc/register ] ||
		mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null || true
	[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] ||
		update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
fi
[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] ||
	echo "deps-arm64: binfmt for aarch64 is not active; the tests call qemu-aarch64-static themselves" >&2
exit 0
