// This file counts the machine's possible CPUs: the default size of a perf
// event array, which a loader must take from the machine it runs on, not
// the one it was generated on.

package rt

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
)

// PossibleCPUs returns the number of possible CPUs, from
// /sys/devices/system/cpu/possible ("0-3", "0,2-5"). The set is fixed at
// boot, so the file is read once per process.
func PossibleCPUs() (int, error) { return readPossibleCPUs() }

var readPossibleCPUs = sync.OnceValues(func() (int, error) {
	raw, err := os.ReadFile("/sys/devices/system/cpu/possible")
	if err != nil {
		return 0, fmt.Errorf("possible CPUs: %w", err)
	}
	return parseCPUList(string(raw))
})

// parseCPUList counts the CPUs of a kernel CPU list ("0-3,5").
func parseCPUList(s string) (int, error) {
	n := 0
	for part := range strings.SplitSeq(strings.TrimSpace(s), ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			return 0, fmt.Errorf("possible CPUs: bad list %q", s)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return 0, fmt.Errorf("possible CPUs: bad list %q", s)
			}
		}
		n += b - a + 1
	}
	if n == 0 {
		return 0, fmt.Errorf("possible CPUs: empty list")
	}
	return n, nil
}

// possibleCPUs is PossibleCPUs, or 0 when it cannot be read (the loader
// then keeps the count of the machine that generated it).
func possibleCPUs() uint32 {
	n, err := PossibleCPUs()
	if err != nil {
		return 0
	}
	return uint32(n)
}
