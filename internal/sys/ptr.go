// This file defines Pointer, the representation of the kernel's
// __aligned_u64 pointer fields inside attribute structs.

package sys

import "unsafe"

// Pointer is a user-space address as the kernel reads it from an
// __aligned_u64 field. It holds a real Go pointer, so whatever it points to
// stays alive as long as the attribute struct does. The zero value is NULL.
type Pointer struct {
	ptr unsafe.Pointer
}

// Compile-time check: this package needs 8-byte pointers (64-bit platforms).
var _ [unsafe.Sizeof(Pointer{}) - 8]struct{}
var _ [8 - unsafe.Sizeof(Pointer{})]struct{}

// NewPointer wraps an unsafe.Pointer.
func NewPointer(p unsafe.Pointer) Pointer { return Pointer{p} }

// NewSlicePointer points at the first byte of buf; an empty or nil slice
// gives NULL.
func NewSlicePointer(buf []byte) Pointer {
	if len(buf) == 0 {
		return Pointer{}
	}
	return Pointer{unsafe.Pointer(&buf[0])}
}

// NewSlicePointerLen is NewSlicePointer that also returns len(buf) as the
// uint32 the kernel's size fields want.
func NewSlicePointerLen(buf []byte) (Pointer, uint32) {
	return NewSlicePointer(buf), uint32(len(buf))
}

// NewStringPointer returns a pointer to a NUL-terminated copy of s.
func NewStringPointer(s string) Pointer {
	buf := make([]byte, len(s)+1)
	copy(buf, s)
	return Pointer{unsafe.Pointer(&buf[0])}
}

// IsNil reports whether p is NULL.
func (p Pointer) IsNil() bool { return p.ptr == nil }
