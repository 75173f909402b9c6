#!/usr/bin/env bash
# make test-arm64-system: xtoe in an emulated arm64 machine.
# qemu-system-aarch64 (no KVM: full emulation) boots Debian's arm64 kernel
# with an initramfs made of the cached root tree (test/arm64/rootfs.sh) and
# this build's arm64 programs, tests and BPF objects; inside it,
# test/arm64/vm-tests.sh runs the BPF table tests on the arm64 kernel and
# xtoed on a veth pair against the Linux stack. The machine powers off when
# done; the whole run is bounded (XTOE_ARM64_VM_SECONDS, default 900).
# Prints the machine's TAP lines, its time, and one summary line last.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=${BUILD:-build/arm64}
BPF_BUILD=${BPF_BUILD:-build}
LIMIT=${XTOE_ARM64_VM_SECONDS:-900}
SMP=${XTOE_ARM64_VM_CPUS:-2}

fail() { echo "not ok - $*"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }

cache=$(test/arm64/rootfs.sh) || fail "the arm64 root tree could not be built"
[ -x "$BUILD/bin/xtoed" ] || fail "no arm64 build in $BUILD: make test-arm64-system builds it"

vm=$BUILD/vm
rm -rf "$vm"
t=$vm/tree
mkdir -p "$t/xtoe/build/test" "$t/xtoe/test/lib" "$t/xtoe/test/arm64" "$t/xtoe/modules"
cp -a "$BUILD/bin" "$BUILD/lib" "$t/xtoe/build/"
cp -aL "$BUILD/bpf" "$t/xtoe/build/"   # the built-in modules (xtoectl: ../bpf)
mkdir -p "$t/xtoe/build/examples"
cp -a "$BPF_BUILD/examples/modules" "$t/xtoe/build/examples/"
cp -a "$BUILD/examples/cmodules" "$t/xtoe/build/examples/"
find "$BUILD/test" -maxdepth 1 -type f ! -name '*.d' -exec cp {} "$t/xtoe/build/test/" \;
cp -a "$BPF_BUILD/test/bpf" "$BPF_BUILD/test/peer_pass.bpf.o" "$t/xtoe/build/test/"
find "$t/xtoe/build" -name '*.d' -delete
cp test/lib/topo.bash test/lib/impair.bash "$t/xtoe/test/lib/"
cp test/run-unit.sh "$t/xtoe/test/"
cp test/arm64/vm-tests.sh "$t/xtoe/test/arm64/"
cp "$cache"/modules/* "$t/xtoe/modules/"
# the BPF table tests load their probes from the path they were built with
bpfdir=$ROOT/$BPF_BUILD/test/bpf
mkdir -p "$t$(dirname "$bpfdir")"
ln -s /xtoe/build/test/bpf "$t$bpfdir"
# busybox's nsenter runs its own applets (ip, tc ...) for the command it is
# given (and so does its shell's command -v); hand it the real program's
# path, found by bash
mkdir -p "$t/usr/local/sbin"
cat > "$t/usr/local/sbin/nsenter" <<'NSENTER'
#!/bin/bash
ns=$1
shift
prog=$(type -P "$1") || { echo "nsenter: $1: not found" >&2; exit 127; }
shift
exec /usr/bin/busybox nsenter "$ns" "$prog" "$@"
NSENTER
chmod +x "$t/usr/local/sbin/nsenter"
cat > "$t/init" <<'INIT'
#!/bin/sh
export PATH=/usr/local/sbin:/usr/sbin:/usr/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
ln -s /proc/self/fd /dev/fd
mount -t tmpfs run /run
mount -t tmpfs tmp /tmp
mount -t bpf bpf /sys/fs/bpf
for m in $(cat /xtoe/modules/order); do insmod /xtoe/modules/$m.ko; done
ip link set lo up
echo "xtoe-arm64: start"
/bin/bash /xtoe/test/arm64/vm-tests.sh
echo "xtoe-arm64: end $?"
poweroff -f
INIT
chmod +x "$t/init"
(cd "$t" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) > "$vm/xtoe.cpio"
cat "$cache/base.cpio" "$vm/xtoe.cpio" > "$vm/initrd.cpio"
rm -rf "$t"

echo "# qemu-system-aarch64: $SMP CPUs (cortex-a72, emulated), Debian's arm64 kernel, at most $LIMIT s"
start=$SECONDS
timeout --kill-after=10 "$LIMIT" qemu-system-aarch64 -M virt -cpu cortex-a72 \
	-smp "$SMP" -m 2048 -nographic -no-reboot -nic none \
	-kernel "$cache/vmlinuz" -initrd "$vm/initrd.cpio" \
	-append "console=ttyAMA0 rdinit=/init panic=-1 quiet" \
	</dev/null >"$vm/console.log" 2>&1
rc=$?
secs=$((SECONDS - start))
tr -d '\r' < "$vm/console.log" > "$vm/console.txt"
sed -n '/^xtoe-arm64: start/,/^xtoe-arm64: end/p' "$vm/console.txt" |
	grep -v '^xtoe-arm64:' | grep -Ev '^[0-9]+ passed, [0-9]+ failed' 
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$vm/console.txt" | tail -1)
echo "# emulated arm64 system test: $secs s (console: $vm/console.txt)"
if [ -z "$summary" ]; then
	[ $rc -eq 124 ] && why="did not finish within $LIMIT s" || why="stopped early (qemu exit $rc)"
	tail -30 "$vm/console.txt" | sed 's/^/#   /'
	fail "the emulated arm64 machine $why"
fi
echo "$summary"
grep -q ' 0 failed' <<<"$summary"
