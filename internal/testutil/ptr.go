// This file isolates the one unsafe conversion the probe needs.

package testutil

import "unsafe"

func unsafePointer(b *byte) unsafe.Pointer { return unsafe.Pointer(b) }
