// This file is the core pass (placeholder until implemented).
package passes

import (
	"fmt"

	"github.com/bpfc/bpfc/ir"
)

func runCORE(ctx *Context, obj *ir.Object) error {
	return fmt.Errorf("core: %w", ErrNotSupported)
}
