#!/bin/bash
# bench-ratio.sh: repeat the bpfc/libbpf load-time ratios (see bench/README.md).
#
#   scripts/bench-ratio.sh [-r ROUNDS] [-n ITERS] [OBJECT.o ...]
#
# Needs root (the loads are real), gcc and libbpf-dev (the libbpf harness
# bench/libbpf/load.c), and the go tool. Default objects: biolat.o,
# execsnoop.o, core_task.o from testdata/.
#
# With hyperfine installed it times whole commands, as a user would:
# `bpfc -emit=direct -core=user|kernel OBJ` against the libbpf harness
# loading OBJ once (`load OBJ 1`), and prints hyperfine's relative table.
# Without it (or with BENCH_GO=1) it builds the Go benchmarks of package
# bench once and runs them ROUNDS times, so bpfc and libbpf alternate
# round after round on the same machine state, then prints the median over
# rounds of each bpfc/libbpf ratio (wall time and CPU time; < 1 means bpfc
# is faster). Raw `go test -bench` output is kept in $OUT (default: a
# temporary directory) for benchstat.
set -euo pipefail

rounds=5
iters=20
while getopts r:n: opt; do
	case $opt in
	r) rounds=$OPTARG ;;
	n) iters=$OPTARG ;;
	*) sed -n '2,18p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))

root=$(cd "$(dirname "$0")/.." && pwd)
objs=("$@")
if [ ${#objs[@]} -eq 0 ]; then
	objs=("$root/testdata/biolat.o" "$root/testdata/execsnoop.o" "$root/testdata/core_task.o")
fi
for o in "${objs[@]}"; do
	[ -f "$o" ] || { echo "bench-ratio: no such object: $o" >&2; exit 2; }
done
if [ "$(id -u)" != 0 ]; then
	echo "bench-ratio: loading BPF objects needs root" >&2
	exit 1
fi

out=${OUT:-$(mktemp -d /tmp/bpfc-bench.XXXXXX)}
mkdir -p "$out"
echo "bench-ratio: building into $out" >&2
gcc -O2 -Wall -o "$out/load" "$root/bench/libbpf/load.c" -lbpf -lelf -lz
(cd "$root" && go build -o "$out/bpfc" ./cmd/bpfc)

if [ -z "${BENCH_GO:-}" ] && command -v hyperfine >/dev/null 2>&1; then
	for o in "${objs[@]}"; do
		name=$(basename "$o" .o)
		echo "== $name" >&2
		hyperfine -N --warmup 3 --runs "$iters" \
			--export-markdown "$out/$name.md" \
			-n "bpfc-direct-user-core" "$out/bpfc -emit=direct -core=user $o" \
			-n "bpfc-direct-kernel-core" "$out/bpfc -emit=direct -core=kernel $o" \
			-n "libbpf" "$out/load $o 1"
	done
	exit 0
fi

# Go benchmarks: only the default objects are wired into package bench.
if [ $# -gt 0 ]; then
	echo "bench-ratio: without hyperfine only the default objects are measured" >&2
fi
(cd "$root" && go test -c -o "$out/bench.test" ./bench)
: >"$out/bench.txt"
for r in $(seq 1 "$rounds"); do
	echo "bench-ratio: round $r/$rounds" >&2
	(cd "$root/bench" && "$out/bench.test" -test.run='^$' -test.bench='^Benchmark(Load|CLI|VmlinuxBTF)$' \
		-test.benchmem -test.benchtime="${iters}x") | tee -a "$out/bench.txt" | grep -E '^(Benchmark|FAIL|---)' >&2 || true
done

# Median over rounds of every bpfc/libbpf ratio.
awk '
function median(list,    n, a, i, j, t) {
	n = split(list, a, " ")
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j-1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
	if (n == 0) return "-"
	return (n % 2) ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
}
function add(key, v) { vals[key] = vals[key] " " v; if (!(key in seen)) { seen[key] = 1; order[++nk] = key } }
/^goos:/ { round++ }
/^Benchmark/ {
	name = $1; sub(/-[0-9]+$/, "", name)
	for (i = 3; i < NF; i += 2) m[round, name, $(i+1)] = $i
	names[name] = 1
}
END {
	for (name in names) {
		n = split(name, p, "/")
		if (p[1] == "BenchmarkLoad" && p[3] != "libbpf") base = p[1] "/" p[2] "/libbpf"
		else if (p[1] == "BenchmarkVmlinuxBTF" && p[2] != "libbpf") base = p[1] "/libbpf"
		else base = ""
		for (r = 1; r <= round; r++) {
			if (base != "") {
				split("ns/op cpu-ns/op med-ns/op B/op allocs/op", units, " ")
				for (u = 1; u <= 5; u++)
					if (m[r, name, units[u]] != "" && m[r, base, units[u]] + 0 > 0)
						add(name " " units[u], m[r, name, units[u]] / m[r, base, units[u]])
			}
			if (p[1] == "BenchmarkCLI")
				for (v = 1; v <= 2; v++) {
					split("bpfc-direct-user-core bpfc-direct-kernel-core", vs, " ")
					if (m[r, name, vs[v] "/libbpf"] != "") add(name " " vs[v] " wall", m[r, name, vs[v] "/libbpf"])
					if (m[r, name, vs[v] "/libbpf-cpu"] != "") add(name " " vs[v] " cpu", m[r, name, vs[v] "/libbpf-cpu"])
				}
		}
	}
	printf "\nbpfc/libbpf, median over %d rounds (< 1: bpfc is faster / smaller)\n", round
	# Stable order: sort the keys.
	for (i = 2; i <= nk; i++)
		for (j = i; j > 1 && order[j-1] > order[j]; j--) { t = order[j]; order[j] = order[j-1]; order[j-1] = t }
	for (i = 1; i <= nk; i++) printf "  %-70s %8.3f\n", order[i], median(vals[order[i]])
}' "$out/bench.txt"
echo "raw results: $out/bench.txt (benchstat-compatible)" >&2
