// Tests that the package's initialisation did what it says, on the main
// goroutine (TestMain runs on it; tests run on goroutines of their own).

package coldstart

import (
	"os"
	"runtime"
	"testing"
	"unsafe"
)

// moved is set by TestMain when the main goroutine's stack moved (was
// copied to a larger one) during a call 64 KiB deep.
var moved bool

func TestMain(m *testing.M) {
	var local int
	before := uintptr(unsafe.Pointer(&local))
	deep(56) // 56 frames of 1 KiB and more
	moved = uintptr(unsafe.Pointer(&local)) != before
	runtime.KeepAlive(&local)
	os.Exit(m.Run())
}

//go:noinline
func deep(n int) byte {
	var pad [1 << 10]byte
	pad[n%len(pad)] = byte(n)
	if n == 0 {
		return pad[0]
	}
	return deep(n-1) + pad[n%len(pad)]
}

func TestStackGrownOnce(t *testing.T) {
	if moved {
		t.Error("the main goroutine's stack was copied during a 56 KiB deep call: it was not grown at initialisation")
	}
}

func TestNoMemProfile(t *testing.T) {
	if runtime.MemProfileRate != 0 {
		t.Errorf("MemProfileRate %d, want 0", runtime.MemProfileRate)
	}
}
