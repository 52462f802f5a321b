#!/bin/bash
# vmtest-deps.sh: everything `make vmtest` needs besides Go. Installs qemu,
# busybox-static, cpio and xz-utils when missing, then fetches the kernels of
# the matrix from Debian's archive and extracts what a guest needs.
#
#   scripts/vmtest-deps.sh [LABEL ...]      (default: every kernel below)
#
# Each kernel is the newest package matching a pattern in one Debian suite
# (or its security suite), picked at run time, downloaded with
# `apt-get download` through a private source list and private package lists
# (the machine's own apt state is not touched), from the same mirror as the
# machine's sources. Everything is cached outside the repository, in
# $VMTEST_CACHE (default /var/cache/bpfc-vmtest):
#
#   apt/SUITE/         private sources.list, package lists, apt cache
#   debs/              the downloaded .deb files
#   kernels/RELEASE/   vmlinuz, config (/boot/config-RELEASE), modules/
#                      (lib/modules/RELEASE), version (the package version)
#   matrix/LABEL       symlink to the kernels/RELEASE in use for LABEL
#
# Needs root (apt-get install, dpkg-deb). Package lists older than
# $VMTEST_REFRESH_HOURS (default 12) are refreshed; an unreachable archive
# falls back to the kernels already cached.
set -euo pipefail

cache=${VMTEST_CACHE:-/var/cache/bpfc-vmtest}
refresh_hours=${VMTEST_REFRESH_HOURS:-12}

# label suite package-regex [more-package-regex...]: before 7.x one image
# package holds vmlinuz, config and modules; from 7.x they are split in
# linux-binary (vmlinuz), linux-modules and linux-base (config).
matrix=(
	"5.10 bullseye ^linux-image-5\.10\..*-cloud-amd64$"
	"6.1 bookworm ^linux-image-6\.1\..*-cloud-amd64-unsigned$"
	"6.12 trixie ^linux-image-6\.12\..*\+deb13-cloud-amd64-unsigned$"
	"7.x sid ^linux-binary-7\..*\+deb14-cloud-amd64$ ^linux-modules-7\..*\+deb14-cloud-amd64$ ^linux-base-7\..*\+deb14-cloud-amd64$"
)

die() { echo "vmtest-deps: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (apt-get install, dpkg-deb into $cache)"

pkgs=()
command -v qemu-system-x86_64 >/dev/null 2>&1 || pkgs+=(qemu-system-x86)
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' || pkgs+=(busybox-static)
command -v cpio >/dev/null 2>&1 || pkgs+=(cpio)
command -v xz >/dev/null 2>&1 || pkgs+=(xz-utils)
command -v zstd >/dev/null 2>&1 || pkgs+=(zstd)
if [ ${#pkgs[@]} -gt 0 ]; then
	echo "vmtest-deps: installing ${pkgs[*]}" >&2
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >/dev/null
fi

# The machine's Debian mirror and security mirror (deb822 .sources or
# one-line sources.list), deb.debian.org when none is configured.
mirror() { # suffix: debian | debian-security
	local uri
	uri=$(grep -hoE "(^URIs:[[:space:]]*|^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?)[a-z]+://[^[:space:]]*/$1/?([[:space:]]|$)" \
		/etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -oE "[a-z]+://[^[:space:]]*" | head -1 || true)
	echo "${uri:-http://deb.debian.org/$1}"
}
main_mirror=$(mirror debian)
security_mirror=$(mirror debian-security)

apt_opts() { # suite
	local d=$cache/apt/$1
	echo "-o Dir::Etc::sourcelist=$d/sources.list -o Dir::Etc::sourceparts=/dev/null" \
		"-o Dir::State::Lists=$d/lists -o Dir::Cache=$d/cache" \
		"-o Dir::Cache::pkgcache=pkgcache.bin -o Dir::Cache::srcpkgcache=srcpkgcache.bin" \
		"-o Acquire::Languages=none -o Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false" \
		"-o Acquire::IndexTargets::deb::CNF::DefaultEnabled=false -o APT::Sandbox::User=root"
}

# update_lists suite: private package lists of SUITE and its security suite,
# refreshed when older than $refresh_hours. Returns 1 when there are none.
update_lists() {
	local suite=$1 d=$cache/apt/$1 keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	mkdir -p "$d/lists/partial" "$d/cache/archives/partial"
	{
		echo "deb [signed-by=$keyring] $main_mirror $suite main"
		# sid has no security suite.
		[ "$suite" = sid ] || echo "deb [signed-by=$keyring] $security_mirror $suite-security main"
	} >"$d/sources.list"
	if [ -n "$(find "$d/lists" -maxdepth 1 -name '*_Packages*' -mmin -$((refresh_hours * 60)) 2>/dev/null)" ]; then
		return 0
	fi
	echo "vmtest-deps: apt-get update ($suite)" >&2
	# shellcheck disable=SC2046
	if ! apt-get $(apt_opts "$suite") update -qq >&2; then
		echo "vmtest-deps: cannot update the package lists of $suite" >&2
		[ -n "$(find "$d/lists" -maxdepth 1 -name '*_Packages*' 2>/dev/null)" ]
	fi
}

# newest suite regex: "NAME VERSION" of the newest package matching REGEX.
newest() {
	local names
	# shellcheck disable=SC2046
	names=$(apt-cache $(apt_opts "$1") pkgnames 2>/dev/null | grep -E "$2" || true)
	[ -n "$names" ] || return 0
	# shellcheck disable=SC2046,SC2086
	apt-cache $(apt_opts "$1") show --no-all-versions $names 2>/dev/null |
		awk '/^Package: /{p=$2} /^Version: /{print p, $2}' |
		sort -k2,2V | tail -1
}

# download suite package version: the .deb in $cache/debs, reused when cached.
download() {
	local suite=$1 name=$2 version=$3 file
	file=$(ls "$cache/debs/${name}_${version//:/%3a}_"*.deb 2>/dev/null | head -1 || true)
	if [ -z "$file" ]; then
		echo "vmtest-deps: downloading $name $version" >&2
		# shellcheck disable=SC2046
		(cd "$cache/debs" && apt-get $(apt_opts "$suite") download -qq "$name=$version" >&2)
		file=$(ls "$cache/debs/${name}_${version//:/%3a}_"*.deb | head -1)
	fi
	echo "$file"
}

# extract label deb...: kernels/RELEASE from the packages.
extract() {
	local label=$1 tmp release dir deb
	shift
	tmp=$(mktemp -d "$cache/extract.XXXXXX")
	for deb in "$@"; do
		dpkg-deb -x "$deb" "$tmp"
	done
	release=$(ls "$tmp/lib/modules" "$tmp/usr/lib/modules" 2>/dev/null | grep -v ':$' | grep . | head -1)
	[ -n "$release" ] || { rm -rf "$tmp"; die "$label: no lib/modules/RELEASE in $*"; }
	dir=$cache/kernels/$release
	rm -rf "$dir"
	mkdir -p "$dir"
	local mods
	for mods in "$tmp/lib/modules/$release" "$tmp/usr/lib/modules/$release"; do
		[ -d "$mods" ] && mv "$mods" "$dir/modules"
	done
	local f
	for f in "$tmp/boot/vmlinuz-$release" "$dir/modules/vmlinuz"; do
		[ -f "$f" ] && cp "$f" "$dir/vmlinuz"
	done
	for f in "$tmp/boot/config-$release" "$dir/modules/config"; do
		[ -f "$f" ] && cp "$f" "$dir/config"
	done
	rm -rf "$tmp"
	[ -f "$dir/vmlinuz" ] || die "$label: no vmlinuz in $*"
	[ -f "$dir/config" ] || die "$label: no kernel config in $*"
	echo "$release"
}

mkdir -p "$cache/debs" "$cache/kernels" "$cache/matrix"
want=("$@")
for entry in "${matrix[@]}"; do
	read -r label suite regexes <<<"$entry"
	if [ ${#want[@]} -gt 0 ] && ! printf '%s\n' "${want[@]}" | grep -qxF "$label"; then
		continue
	fi
	if ! update_lists "$suite"; then
		[ -e "$cache/matrix/$label" ] || die "$label: no package lists for $suite and no cached kernel"
		echo "vmtest-deps: $label: using the cached $(readlink "$cache/matrix/$label")" >&2
		continue
	fi
	debs=()
	for regex in $regexes; do
		read -r name version <<<"$(newest "$suite" "$regex")"
		[ -n "$name" ] || die "$label: no package in $suite matches $regex"
		debs+=("$(download "$suite" "$name" "$version")")
	done
	stamp=$(for d in "${debs[@]}"; do basename "$d"; done)
	cur=$cache/matrix/$label
	if [ -e "$cur/stamp" ] && [ "$(cat "$cur/stamp")" = "$stamp" ]; then
		echo "vmtest-deps: $label: $(basename "$(readlink "$cur")") (cached)" >&2
		continue
	fi
	release=$(extract "$label" "${debs[@]}")
	echo "$stamp" >"$cache/kernels/$release/stamp"
	old=$(readlink "$cur" 2>/dev/null || true)
	ln -sfn "../kernels/$release" "$cur"
	[ -z "$old" ] || [ "$(basename "$old")" = "$release" ] || rm -rf "$cache/kernels/$(basename "$old")"
	echo "vmtest-deps: $label: $release" >&2
done

# Drop .debs no kernel in use was extracted from.
for deb in "$cache"/debs/*.deb; do
	[ -e "$deb" ] || continue
	cat "$cache"/matrix/*/stamp 2>/dev/null | grep -qxF "$(basename "$deb")" || rm -f "$deb"
done
