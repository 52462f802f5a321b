// This file implements -emit=loader: write a light skeleton (Go, C or
// raw) whose loader program replays the object's syscalls, or run it.
package main

import (
	"fmt"
	"io"
)

func emitLoader(c *config, stdout io.Writer) error {
	return fmt.Errorf("-emit=loader: not built yet")
}
