// This file checks that a load probes the kernel only for what the kernel
// refused: a kernel that has everything an object uses is not probed at
// all, and RLIMIT_MEMLOCK is raised (after the memcg probe) only where it
// refused a map or program.

package direct

import (
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/features"
	"github.com/bpfc/bpfc/internal/testutil"
)

// TestLoadProbesOnlyRefusals loads objects without CO-RE (the core pass
// asks whether the kernel relocates CO-RE itself) and a 1 MiB map, in a
// fresh process whose RLIMIT_MEMLOCK is 0, and checks which features the
// process probed: each must be one the kernel lacks (fd_array before 5.14,
// memcg accounting before 5.11), except the BTF kinds, probed together for
// the kinds an object's BTF uses once the kernel refused that BTF, at least
// one of which it then lacks.
func TestLoadProbesOnlyRefusals(t *testing.T) {
	testutil.RequireKernel(t)
	// A child process: the probes' answers and the limit are per process.
	testutil.InChild(t, func(t *testing.T) {
		if err := unix.Setrlimit(unix.RLIMIT_MEMLOCK, &unix.Rlimit{}); err != nil {
			t.Fatal(err)
		}
		big := globalsObject()
		big.Maps[0].MaxEntries = 1 << 17 // 1 MiB of 8-byte values
		mustLoad(t, big, nil).Close()
		for _, name := range []string{"sockfilter.o", "xdp_globals.o", "kernel_version.o", "tailcall.o", "mapinmap.o"} {
			loadObject(t, name, nil, nil)
		}
		var btfProbed, btfMissing []string
		for _, f := range features.All() {
			known, err := f.Known()
			switch {
			case !known:
			case strings.HasPrefix(f.Name, "btf_"):
				btfProbed = append(btfProbed, f.Name)
				if err != nil {
					btfMissing = append(btfMissing, f.Name)
				}
			case err == nil:
				t.Errorf("%s was probed, and the kernel (%s) has it", f.Name, features.Release())
			default:
				t.Logf("%s probed: %v", f.Name, err)
			}
		}
		if len(btfProbed) > 0 && len(btfMissing) == 0 {
			t.Errorf("BTF kinds %s probed, and the kernel (%s) has them all: it took the objects' BTF as it was", strings.Join(btfProbed, ", "), features.Release())
		}
		t.Logf("BTF kinds probed %v, missing %v", btfProbed, btfMissing)
	})
}
