// This file counts the machine's possible CPUs: the default size of a perf
// event array, which a loader must take from the machine it runs on, not
// the one it was generated on.

package rt

import "github.com/bpfc/bpfc/internal/cpus"

// PossibleCPUs returns the number of possible CPUs, from
// /sys/devices/system/cpu/possible ("0-3", "0,2-5"), read once per
// process.
func PossibleCPUs() (int, error) { return cpus.Possible() }

// possibleCPUs is PossibleCPUs, or 0 when it cannot be read (the loader
// then keeps the count of the machine that generated it).
func possibleCPUs() uint32 {
	n, err := PossibleCPUs()
	if err != nil {
		return 0
	}
	return uint32(n)
}
