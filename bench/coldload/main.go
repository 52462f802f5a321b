// Command coldload is the bpfc side of the cold benchmark's in-process
// figure for an object (`go run ./bench/cold -inproc`, see ../README.md):
// in a fresh process it loads OBJ with bpfc.LoadFiles, as
// `bpfc -emit=direct OBJ` does, closes what it loaded, and prints how long
// that took by this process's clock:
//
//	coldload [-max-entries MAP=N]... OBJ
//	load_ns=T
//
// Its counterpart is the libbpf harness's first_ns (`load OBJ 1`: the first
// bpf_object__open_file + __load + __close of its process). Neither counts
// the process's start: the figure is what a program that embeds the
// library pays for its first load, and what a whole process costs where
// starting one is cheap.
package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/bpfc/bpfc"
	// As cmd/bpfc: grow the stack once, no memory profile.
	_ "github.com/bpfc/bpfc/internal/coldstart"
)

func main() {
	opts := &bpfc.Options{}
	args := os.Args[1:]
	for len(args) >= 2 && args[0] == "-max-entries" {
		name, n, ok := strings.Cut(args[1], "=")
		v, err := strconv.ParseUint(n, 10, 32)
		if !ok || err != nil {
			fmt.Fprintf(os.Stderr, "coldload: -max-entries %q: want MAP=N\n", args[1])
			os.Exit(2)
		}
		if opts.MaxEntries == nil {
			opts.MaxEntries = map[string]uint32{}
		}
		opts.MaxEntries[name] = uint32(v)
		args = args[2:]
	}
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: coldload [-max-entries MAP=N]... OBJ")
		os.Exit(2)
	}
	t0 := time.Now()
	coll, err := bpfc.LoadFiles(args, opts, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "coldload:", err)
		os.Exit(1)
	}
	if err := coll.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "coldload: close:", err)
		os.Exit(1)
	}
	fmt.Printf("load_ns=%d\n", time.Since(t0).Nanoseconds())
}
