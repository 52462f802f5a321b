// This file implements -emit=ir: print the IR after all passes, or after
// the pass named by -dump-after.

package main

import (
	"io"

	"github.com/bpfc/bpfc"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/passes"
)

func emitIR(c *config, stdout io.Writer) error {
	opts := c.opts
	opts.CheckIR = true
	if c.core == "auto" {
		// The IR shows relocated values: compute CO-RE here rather than
		// leaving it to the kernel, as a load would by default.
		opts.CORE = passes.COREUser
	}
	return writeOutput(c, stdout, func(w io.Writer) error {
		if c.dumpAfter != "" {
			opts.DumpAfter, opts.StopAfter, opts.Dump = c.dumpAfter, c.dumpAfter, w
			_, err := bpfc.CompileFiles(c.objects, &opts)
			return err
		}
		obj, err := bpfc.CompileFiles(c.objects, &opts)
		if err != nil {
			return err
		}
		return ir.Dump(w, obj)
	})
}
