// This file is the maps pass (placeholder until implemented).
package passes

import (
	"fmt"

	"github.com/bpfc/bpfc/ir"
)

func runMaps(ctx *Context, obj *ir.Object) error {
	return fmt.Errorf("maps: %w", ErrNotSupported)
}
