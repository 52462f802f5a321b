// Package cpus counts the machine's possible CPUs, from
// /sys/devices/system/cpu/possible: the number of values a per-CPU map
// holds for each key, and the default size of a perf event array. The
// direct backend, the map definition fix-ups and the loader run-time (which
// generated skeletons import) all need it, so it is a leaf that depends on
// the standard library only (and internal/sysfile, which does too: the file
// is read without the run-time's poller).
package cpus

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/bpfc/bpfc/internal/sysfile"
)

// Possible returns the number of possible CPUs ("0-3" and "0,2-5" in
// /sys/devices/system/cpu/possible count 4 and 5). The set is fixed at
// boot, so the file is read once per process.
func Possible() (int, error) {
	possible.once.Do(func() {
		raw, err := sysfile.Read("/sys/devices/system/cpu/possible")
		if err != nil {
			possible.err = fmt.Errorf("possible CPUs: %w", err)
			return
		}
		possible.n, possible.err = parseList(string(raw))
	})
	return possible.n, possible.err
}

// possible is Possible's answer, once read (a plain variable, not a
// sync.OnceValues: that would be built at start-up by every program
// linking the package).
var possible struct {
	once sync.Once
	n    int
	err  error
}

// parseList counts the CPUs of a kernel CPU list ("0-3,5").
func parseList(s string) (int, error) {
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
