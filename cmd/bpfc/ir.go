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
	w, closeOut, err := output(c, stdout)
	if err != nil {
		return err
	}
	opts := c.opts
	opts.CheckIR = true
	if c.core == "auto" {
		// The IR shows relocated values: compute CO-RE here rather than
		// leaving it to the kernel, as a load would by default.
		opts.CORE = passes.COREUser
	}
	if c.dumpAfter != "" {
		opts.DumpAfter = c.dumpAfter
		opts.StopAfter = c.dumpAfter
		opts.Dump = w
		if _, err := bpfc.Compile(c.object, &opts); err != nil {
			closeOut()
			return err
		}
		return closeOut()
	}
	obj, err := bpfc.Compile(c.object, &opts)
	if err != nil {
		closeOut()
		return err
	}
	if err := ir.Dump(w, obj); err != nil {
		closeOut()
		return err
	}
	return closeOut()
}
