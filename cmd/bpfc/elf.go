// This file implements -emit=elf: write the object, linked from several
// files by the merge pass, as one BPF ELF object (bpftool gen object's
// job) that libbpf, cilium/ebpf and bpfc load.

package main

import (
	"io"

	"github.com/bpfc/bpfc"
	"github.com/bpfc/bpfc/backend/elfobj"
)

func emitELF(c *config, stdout io.Writer) error {
	opts := c.opts
	opts.StopAfter = "merge"
	opts.CheckIR = true
	// As bpftool gen object: externs no file defines stay, for a later
	// link.
	opts.PartialLink = true
	obj, err := bpfc.CompileFiles(c.objects, &opts)
	if err != nil {
		return err
	}
	return writeOutput(c, stdout, func(w io.Writer) error { return elfobj.Write(w, obj) })
}
