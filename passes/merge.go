// This file is the merge pass: the static linker (package passes/merge)
// run as the first pass of the table. An object built from several files
// holds them in Inputs; the pass replaces it with their link. An object
// read from one file passes through unchanged, once checked for externs
// only another object could define (unless the link is partial).

package passes

import (
	"fmt"

	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/passes/merge"
)

func runMerge(ctx *Context, obj *ir.Object) error {
	if ctx.PartialLink && ctx.StopAfter != "merge" {
		return fmt.Errorf("a partial link (PartialLink) leaves externs no pass after merge can handle: stop after the merge pass: %w", ErrNotSupported)
	}
	opts := merge.Options{Partial: ctx.PartialLink}
	if len(obj.Inputs) == 0 {
		_, err := merge.Link([]*ir.Object{obj}, opts)
		return err
	}
	linked, err := merge.Link(obj.Inputs, opts)
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
