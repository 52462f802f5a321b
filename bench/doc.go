// Package bench holds bpfc's load benchmarks against libbpf: the same BPF
// objects loaded by bpfc (in process, through the Go API, and as a command
// a user runs) and by libbpf (a small C harness, libbpf/load.c, built by
// the benchmarks from Debian's libbpf-dev), measured in one `go test
// -bench` run so anyone can repeat the bpfc/libbpf ratios on their own
// machine. The package has no non-test code; README.md explains how to run
// the benchmarks and read the figures.
package bench
