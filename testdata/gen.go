// Package testdata holds bpfc's BPF test programs (src/*.c), their committed
// compiled objects (*.o) and target BTF files (btf/*.btf). The go:generate
// line below rebuilds them; see README.md for what each object covers.
package testdata

//go:generate make
