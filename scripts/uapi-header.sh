#!/bin/bash
# Fetches the Linux uapi header linux/bpf.h (with linux/version.h beside it)
# that uapi/internal/gen reads, and prints the path of bpf.h. The header is
# the kernel's source, so it is not committed: it comes from Debian's
# linux-libc-dev in unstable (6.18 or newer), downloaded with apt-get
# through a private source list, so the machine's own apt state is left
# alone. It is cached under ${XDG_CACHE_HOME:-~/.cache}/bpfc/uapi; set
# BPFC_UAPI_SUITE to take another suite (e.g. trixie-backports).
set -euo pipefail
suite=${BPFC_UAPI_SUITE:-sid}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/bpfc/uapi
# The archive the machine already uses (deb.debian.org unless its sources
# name another mirror).
mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\/*\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
mirror=${mirror:-http://deb.debian.org/debian}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

mkdir -p "$cache/lists/partial" "$cache/archives/partial"
echo "deb [signed-by=$keyring] $mirror $suite main" >"$cache/sources.list"
apt_opts=(
	-o Dir::Etc::sourcelist="$cache/sources.list"
	-o Dir::Etc::sourceparts=/dev/null
	-o Dir::State::Lists="$cache/lists"
	-o Dir::Cache="$cache"
	-o Dir::Cache::archives="$cache/archives"
	-o Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false
	-o Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled=false
	-o APT::Sandbox::User=root
)
apt-get -qq "${apt_opts[@]}" update >&2
version=$(apt-cache "${apt_opts[@]}" madison linux-libc-dev | awk -F"|" '{gsub(/ /, "", $2); print $2}' | sort -V | tail -1)
if [ -z "$version" ]; then
	echo "uapi-header: no linux-libc-dev in $suite" >&2
	exit 1
fi
dir="$cache/linux-libc-dev_$version"
if [ ! -f "$dir/usr/include/linux/bpf.h" ]; then
	(cd "$cache/archives" && apt-get -qq "${apt_opts[@]}" download "linux-libc-dev=$version" >&2)
	mkdir -p "$dir"
	dpkg-deb --fsys-tarfile "$cache/archives/linux-libc-dev_${version//:/%3a}_"*.deb |
		tar -x -C "$dir" ./usr/include/linux/bpf.h ./usr/include/linux/version.h
fi
echo "$dir/usr/include/linux/bpf.h"
