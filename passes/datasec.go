// This file is the datasec pass (placeholder until implemented).
package passes

import (
	"fmt"

	"github.com/bpfc/bpfc/ir"
)

func runDatasec(ctx *Context, obj *ir.Object) error {
	return fmt.Errorf("datasec: %w", ErrNotSupported)
}
