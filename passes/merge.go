// This file is the merge pass: the static linker (package passes/merge)
// run as the first pass of the table. An object built from several files
// holds them in Inputs; the pass replaces it with their link. An object
// read from one file passes through unchanged, once checked for externs
// only another object could define.

package passes

import (
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/passes/merge"
)

func runMerge(ctx *Context, obj *ir.Object) error {
	if len(obj.Inputs) == 0 {
		_, err := merge.Objects([]*ir.Object{obj})
		return err
	}
	linked, err := merge.Objects(obj.Inputs)
	if err != nil {
		return err
	}
	name := obj.Name
	*obj = *linked
	if name != "" {
		obj.Name = name
	}
	return nil
}
