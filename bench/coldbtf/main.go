// Command coldbtf is the bpfc side of the cold benchmark's "vmlinux BTF
// ready + one kfunc lookup" case (see ../README.md, "Cold start"): in a
// fresh process it loads the running kernel's BTF with btf.LoadKernel and
// looks up one FUNC by name, as a load with one kfunc extern does, and
// prints how long each step took in this process:
//
//	coldbtf NAME
//	load_ns=L lookup_ns=F total_ns=T id=ID
//
// The benchmark times the whole process around it (start, these two
// calls, exit) against the libbpf harness's `load -kfunc NAME 1`.
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/bpfc/bpfc/btf"
	// As cmd/bpfc: grow the stack once, no memory profile.
	_ "github.com/bpfc/bpfc/internal/coldstart"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: coldbtf FUNC")
		os.Exit(2)
	}
	name := os.Args[1]
	t0 := time.Now()
	spec, err := btf.LoadKernel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "coldbtf:", err)
		os.Exit(1)
	}
	t1 := time.Now()
	ids := spec.FindByNameKind(name, btf.KindFunc)
	t2 := time.Now()
	if len(ids) == 0 {
		fmt.Fprintf(os.Stderr, "coldbtf: vmlinux BTF has no FUNC %s\n", name)
		os.Exit(1)
	}
	fmt.Printf("load_ns=%d lookup_ns=%d total_ns=%d id=%d\n",
		t1.Sub(t0).Nanoseconds(), t2.Sub(t1).Nanoseconds(), t2.Sub(t0).Nanoseconds(), ids[0])
}
