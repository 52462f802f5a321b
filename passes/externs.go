// This file is the externs pass (placeholder until implemented).
package passes

import (
	"fmt"

	"github.com/bpfc/bpfc/ir"
)

func runExterns(ctx *Context, obj *ir.Object) error {
	return fmt.Errorf("externs: %w", ErrNotSupported)
}
