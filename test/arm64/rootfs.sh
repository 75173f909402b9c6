#!/usr/bin/env bash
# What the emulated arm64 system test boots (test/arm64/system.sh), built
# once from Debian's arm64 packages into a cache outside the repository
# (nothing downloaded is committed; CI rebuilds it when missing):
#
#   $XTOE_ARM64_CACHE/vmlinuz    Debian's arm64 kernel (linux-image-arm64)
#   $XTOE_ARM64_CACHE/modules/   the modules the test loads, in load order
#   $XTOE_ARM64_CACHE/base/      a small root tree: busybox, bash, coreutils,
#                                iproute2, ethtool and the libraries xtoe links
#   $XTOE_ARM64_CACHE/base.cpio  the same as an initramfs archive (newc)
#   $XTOE_ARM64_CACHE/stamp      what it was built from: a change rebuilds it
#
# Usage: test/arm64/rootfs.sh   (prints the cache directory; needs root and
# the arm64 architecture in dpkg: make deps-arm64)
set -euo pipefail

CACHE=${XTOE_ARM64_CACHE:-/var/cache/xtoe-arm64}
# Programs of the root tree, and the libraries xtoe's programs and its
# sanitized test binaries link (their dependencies come along).
PKGS=(busybox-static bash coreutils iproute2 ethtool
      libbpf1 libxdp1 libelf1 zlib1g libmnl0 libpcap0.8 libjansson4 libasan8 libubsan1)
# Dependencies a root tree without a package manager has no use for.
SKIP='^(base-files|debconf|cdebconf|debianutils|dpkg|install-info|tar|libdebian-installer4|libnewt0\.52|libslang2|libtextwrap1|readline-common|libtirpc-common|gcc-12-base|libcap2-bin|libelogind0|libsystemd0|libdbus-1-3|libgcrypt20|libgpg-error0|liblz4-1|libssl3|libgssapi-krb5-2|libk5crypto3|libkeyutils1|libkrb5-3|libkrb5support0|libcom-err2)$'
MODULES=(veth sch_ingress cls_bpf sch_htb)

log() { echo "rootfs: $*" >&2; }

kernel_pkg() {
	apt-cache depends linux-image-arm64:arm64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[^:]*\).*/\1/p' | head -1
}

closure() {
	apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
		--no-breaks --no-replaces --no-enhances "${PKGS[@]/%/:arm64}" 2>/dev/null |
		sed -n 's/^\([a-z0-9][a-z0-9.+-]*\):arm64$/\1/p' | grep -Ev "$SKIP" | sort -u
}

kpkg=$(kernel_pkg)
[ -n "$kpkg" ] || { log "no arm64 kernel package known to apt; run make deps-arm64"; exit 1; }
pkgs=$(closure)
want="$kpkg $(echo $pkgs) modules: ${MODULES[*]}"
if [ -f "$CACHE/stamp" ] && [ "$(cat "$CACHE/stamp")" = "$want" ] &&
   [ -f "$CACHE/vmlinuz" ] && [ -f "$CACHE/base.cpio" ]; then
	echo "$CACHE"
	exit 0
fi

log "building $CACHE from $kpkg and $(echo $pkgs | wc -w) packages"
tmp="$CACHE.new"
rm -rf "$tmp"
mkdir -p "$tmp/debs" "$tmp/base" "$tmp/modules" "$tmp/kernel"
(cd "$tmp/debs" &&
 apt-get -o APT::Sandbox::User=root -qq download "$kpkg:arm64" $(printf '%s:arm64 ' $pkgs) >/dev/null)

dpkg-deb -x "$tmp"/debs/"$kpkg"_*.deb "$tmp/kernel"
cp "$tmp"/kernel/boot/vmlinuz-* "$tmp/vmlinuz"
kdir=$(echo "$tmp"/kernel/lib/modules/*)
# each module after the ones it depends on
add_module() {
	local m=$1 f dep
	f=$(find "$kdir/kernel" -name "$m.ko" | head -1)
	[ -n "$f" ] || { log "kernel module $m not found"; exit 1; }
	for dep in $(strings -a "$f" | sed -n "s/^depends=//p" | tr "," " "); do add_module "$dep"; done
	[ -e "$tmp/modules/$m.ko" ] && return 0
	cp "$f" "$tmp/modules/$m.ko"
	echo "$m" >> "$tmp/modules/order"
}
for m in "${MODULES[@]}"; do add_module "$m"; done

for d in "$tmp"/debs/*.deb; do
	case $d in */"$kpkg"_*) continue ;; esac
	dpkg-deb -x "$d" "$tmp/base"
done
b=$tmp/base
rm -rf "$b"/usr/share/{doc,man,info,locale,lintian,bash-completion,bug} "$b"/etc/init.d
# merged /usr as on Debian 12 (the packages still ship /bin, /lib paths)
for d in bin sbin lib; do
	if [ -d "$b/$d" ] && [ ! -L "$b/$d" ]; then
		mkdir -p "$b/usr/$d"
		cp -a "$b/$d"/. "$b/usr/$d"/
		rm -rf "${b:?}/$d"
	fi
	ln -sfn "usr/$d" "$b/$d"
done
# busybox fills in what the packages do not bring (mount, insmod, nsenter ...)
for a in $("$b/usr/bin/busybox" --list 2>/dev/null || qemu-aarch64-static "$b/usr/bin/busybox" --list); do
	[ -e "$b/usr/bin/$a" ] || [ -e "$b/usr/sbin/$a" ] || ln -s busybox "$b/usr/bin/$a"
done
mkdir -p "$b"/{proc,sys,dev,run,tmp,etc,root,var}
ln -sfn ../run "$b/var/run"
echo "root:x:0:0:root:/root:/bin/bash" > "$b/etc/passwd"
echo "root:x:0:" > "$b/etc/group"
printf '127.0.0.1 localhost\n' > "$b/etc/hosts"
rm -rf "$tmp/debs" "$tmp/kernel"
(cd "$b" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) > "$tmp/base.cpio"
echo "$want" > "$tmp/stamp"
rm -rf "$CACHE"
mv "$tmp" "$CACHE"
log "done: $(du -sh "$CACHE" | cut -f1)"
echo "$CACHE"
