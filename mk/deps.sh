#!/usr/bin/env bash
# Install the Debian packages xtoe needs to build, test and demo.
# Idempotent and quiet when everything is present. Needs root to install.
set -euo pipefail

PKGS=(
	build-essential clang llvm pkg-config libclang-rt-14-dev
	libbpf-dev libxdp-dev bpftool xdp-tools libelf-dev zlib1g-dev
	libmnl-dev libpcap-dev libjansson-dev tcpdump tshark
	# man pages from --help (make install), bash completion's loader
	help2man bash-completion
	iproute2 iputils-ping ethtool socat procps util-linux coreutils python3
	bats bats-assert bats-support
	# applications run unmodified on xtoe (test/bats/sockets.bats)
	curl memcached libmemcached-tools redis-server redis-tools nginx-light
	lighttpd wrk sockperf iperf3
)
PKGS+=("$@") # more from the caller (mk/deps-arm64.sh)

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages: ${missing[*]}" >&2
	echo "deps: run 'make deps' as root (apt-get install) and try again" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update -qq
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
	"${missing[@]}" >/dev/null
