#!/bin/bash
# Installs the Debian packages bpfc's tests compare against: bpftool and
# libbpf-dev (a second implementation: light skeletons, skel_internal.h,
# the libbpf comparison harness), gcc, llvm-19 (llvm-mc-19 checks the
# disassembler's spelling) and openssl (checks the PKCS#7 signatures of
# signed loaders); and what the attach tests use: systemtap-sdt-dev
# (sys/sdt.h, for the USDT probe target), make and iproute2. clang is
# only needed to rebuild
# the committed testdata objects (make -C testdata): pass --clang (it also
# installs dwarves, whose pahole encodes the split BTF btf/module_a.btf).
set -euo pipefail
pkgs=()
command -v bpftool >/dev/null 2>&1 || pkgs+=(bpftool)
[ -f /usr/include/bpf/skel_internal.h ] || pkgs+=(libbpf-dev)
# For linking Debian sid's libbpf.a statically (the flavor comparison).
[ -f /usr/include/libelf.h ] || pkgs+=(libelf-dev)
[ -f /usr/include/zlib.h ] || pkgs+=(zlib1g-dev)
[ -f /usr/include/zstd.h ] || pkgs+=(libzstd-dev)
command -v gcc >/dev/null 2>&1 || pkgs+=(gcc)
command -v llvm-mc-19 >/dev/null 2>&1 || pkgs+=(llvm-19)
command -v openssl >/dev/null 2>&1 || pkgs+=(openssl)
command -v make >/dev/null 2>&1 || pkgs+=(make)
command -v ip >/dev/null 2>&1 || pkgs+=(iproute2)
[ -n "$(ls /usr/include/sys/sdt.h /usr/include/*/sys/sdt.h 2>/dev/null)" ] || pkgs+=(systemtap-sdt-dev)
if [ "${1:-}" = "--clang" ]; then
	command -v clang-19 >/dev/null 2>&1 || pkgs+=(clang-19 llvm-19)
	command -v pahole >/dev/null 2>&1 || pkgs+=(dwarves)
fi
if [ ${#pkgs[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		# Without root the kernel tests skip anyway; the comparisons
		# against these packages skip with a reason too.
		echo "deps: not root: not installing ${pkgs[*]}; tests that need them will skip" >&2
		exit 0
	fi
	echo "deps: installing ${pkgs[*]}" >&2
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >/dev/null
fi
# libbpf 1.7's headers (Debian sid), for the signed C light skeleton's
# compile test; outside the repository, refreshed daily.
if [ "$(id -u)" = 0 ]; then
	"$(dirname "$0")/libbpf-sid.sh" >/dev/null ||
		echo "deps: libbpf 1.7 headers unavailable; the signed C skeleton test will fail under BPFC_REQUIRE_KERNEL=1" >&2
fi
