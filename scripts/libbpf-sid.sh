#!/bin/bash
# libbpf-sid.sh: the headers a signed C light skeleton compiles against,
# which Debian bookworm's libbpf-dev 1.1 lacks: libbpf-dev (skel_internal.h
# of libbpf 1.7+: bpf_load_and_run_opts.signature, keyring_id,
# excl_prog_hash) and linux-libc-dev (the 6.18+ union bpf_attr it uses)
# from Debian sid, fetched with `apt-get download` through a private source
# list and private package lists (the machine's apt state is untouched),
# from the machine's own Debian mirror, and extracted outside the
# repository:
#
#   $BPFC_LIBBPF_SID (default /var/cache/bpfc-libbpf)/root/usr/include
#
# Prints that include directory. Package lists older than a day are
# refreshed; without network the headers already extracted are used.
#
# With --bpftool it also extracts sid's bpftool (7.8+, which signs light
# skeletons: gen skeleton -L -S) with the libraries it runs on, under
# $BPFC_LIBBPF_SID/bpftool-root, and prints the path of a wrapper running it
# with sid's dynamic loader instead: $BPFC_LIBBPF_SID/bpftool.
set -euo pipefail

cache=${BPFC_LIBBPF_SID:-/var/cache/bpfc-libbpf}
inc=$cache/root/usr/include
die() { echo "libbpf-sid: $*" >&2; exit 1; }

mirror=$(grep -hoE "(^URIs:[[:space:]]*|^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?)[a-z]+://[^[:space:]]*/debian/?([[:space:]]|$)" \
	/etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
	grep -oE "[a-z]+://[^[:space:]]*" | head -1 || true)
mirror=${mirror:-http://deb.debian.org/debian}

d=$cache/apt
mkdir -p "$d/lists/partial" "$d/cache/archives/partial" "$cache/debs"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror sid main" >"$d/sources.list"
opts=(-o "Dir::Etc::sourcelist=$d/sources.list" -o Dir::Etc::sourceparts=/dev/null
	-o "Dir::State::Lists=$d/lists" -o "Dir::Cache=$d/cache" -o Acquire::Languages=none
	-o Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false
	-o Acquire::IndexTargets::deb::CNF::DefaultEnabled=false)

fresh=$(find "$d/lists" -maxdepth 1 -name '*_Packages*' -mmin -1440 2>/dev/null | head -1)
if [ -z "$fresh" ] && ! apt-get "${opts[@]}" update -qq >/dev/null 2>&1; then
	[ -f "$inc/bpf/skel_internal.h" ] && { echo "$inc"; exit 0; }
	die "cannot fetch Debian sid's package lists from $mirror"
fi

want=""
for p in libbpf-dev linux-libc-dev; do
	v=$(apt-cache "${opts[@]}" show --no-all-versions "$p" 2>/dev/null | sed -n 's/^Version: //p' | head -1)
	[ -n "$v" ] || die "no $p in Debian sid"
	want+="$p=$v "
done
if [ "$(cat "$cache/stamp" 2>/dev/null)" != "$want" ] || [ ! -f "$inc/bpf/skel_internal.h" ]; then
	(cd "$cache/debs" && rm -f ./*.deb && apt-get "${opts[@]}" download libbpf-dev linux-libc-dev >/dev/null 2>&1) ||
		die "apt-get download libbpf-dev linux-libc-dev from sid failed"
	rm -rf "$cache/root"
	for deb in "$cache"/debs/*.deb; do
		dpkg-deb -x "$deb" "$cache/root"
	done
	grep -q keyring_id "$inc/bpf/skel_internal.h" || die "sid's skel_internal.h has no keyring_id"
	echo "$want" >"$cache/stamp"
fi
if [ "${1:-}" != "--bpftool" ]; then
	echo "$inc"
	exit 0
fi

# sid's bpftool and what it links (its Depends, and libelf's).
tools=(bpftool libc6 libcap2 libelf1t64 libssl3t64 zlib1g libzstd1)
root=$cache/bpftool-root
mkdir -p "$cache/bpftool-debs"
(cd "$cache/bpftool-debs" && rm -f ./*.deb && apt-get "${opts[@]}" download "${tools[@]}" >/dev/null 2>&1) ||
	die "apt-get download ${tools[*]} from sid failed"
rm -rf "$root"
for deb in "$cache"/bpftool-debs/*.deb; do
	dpkg-deb -x "$deb" "$root"
done
cat >"$cache/bpftool" <<WRAP
#!/bin/sh
exec "$root/usr/lib64/ld-linux-x86-64.so.2" --library-path "$root/usr/lib/x86_64-linux-gnu" "$root/usr/sbin/bpftool" "\$@"
WRAP
chmod +x "$cache/bpftool"
"$cache/bpftool" version >/dev/null || die "sid's bpftool does not run here"
echo "$cache/bpftool"
