// This file is the link pass (placeholder until implemented).
package passes

import (
	"fmt"

	"github.com/bpfc/bpfc/ir"
)

func runLink(ctx *Context, obj *ir.Object) error {
	return fmt.Errorf("link: %w", ErrNotSupported)
}
