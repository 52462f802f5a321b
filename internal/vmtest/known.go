// This file reads the list of known failures: tests that fail on a kernel
// of the matrix today, each with the reason, so that the matrix passes
// while they are being fixed and fails when one of them starts to pass
// (the entry must then go) or when anything else fails.

package vmtest

import (
	"bufio"
	"fmt"
	"io"
	"path"
	"strings"
)

// Known is one known failure: tests matching Test (a path.Match pattern
// per "/"-separated level, e.g. "TestObjects/*") in Package fail on the
// kernels matching Kernels.
type Known struct {
	Kernels []string // labels, or "*"
	Package string   // relative import path, e.g. backend/direct
	Test    string   // test name pattern; "-" for a whole-package failure
	Reason  string
	Line    int
	used    bool
}

// ParseKnown reads a known-failures list. Each non-empty line not starting
// with '#' is
//
//	KERNELS PACKAGE TEST  REASON...
//
// where KERNELS is a comma-separated list of labels or "*". A REASON
// starting with "flaky:" marks a test that may pass as well.
func ParseKnown(r io.Reader) ([]*Known, error) {
	var ks []*Known
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 {
			return nil, fmt.Errorf("known failures, line %d: want KERNELS PACKAGE TEST REASON, got %q", n, line)
		}
		if _, err := path.Match(f[2], ""); err != nil {
			return nil, fmt.Errorf("known failures, line %d: test pattern %q: %w", n, f[2], err)
		}
		ks = append(ks, &Known{
			Kernels: strings.Split(f[0], ","),
			Package: f[1],
			Test:    f[2],
			Reason:  strings.Join(f[3:], " "),
			Line:    n,
		})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("known failures: %w", err)
	}
	return ks, nil
}

// match returns the entry listing test r on kernel label, or nil.
func match(ks []*Known, label string, r *Result) *Known {
	for _, k := range ks {
		if k.Package != r.Package || !k.onKernel(label) {
			continue
		}
		if r.Test == "" {
			if k.Test == "-" {
				return k
			}
			continue
		}
		if ok, _ := path.Match(k.Test, r.Test); ok {
			return k
		}
	}
	return nil
}

func (k *Known) onKernel(label string) bool {
	for _, l := range k.Kernels {
		if l == "*" || l == label {
			return true
		}
	}
	return false
}

// Classify applies the known failures to the results of kernel label: a
// failure (or a skip: a kernel test must not skip) listed becomes
// KnownFail; when every test an entry matches
// passed, they become Fixed (the entry is stale). Entries that matched a
// result are marked used (see Unused).
func Classify(ks []*Known, label string, rs []Result) {
	failed := map[*Known]bool{}
	hits := make([]*Known, len(rs))
	for i := range rs {
		k := match(ks, label, &rs[i])
		hits[i] = k
		if k != nil {
			k.used = true
			if rs[i].Outcome == Fail || rs[i].Outcome == Skip {
				failed[k] = true
			}
		}
	}
	for i := range rs {
		k, r := hits[i], &rs[i]
		switch {
		case k == nil:
		case r.Outcome == Fail || r.Outcome == Skip:
			r.Outcome = KnownFail
			r.Reason = k.Reason + "\n" + r.Reason
		case r.Outcome == Pass && !failed[k] && !strings.HasPrefix(k.Reason, "flaky:"):
			r.Outcome = Fixed
			r.Reason = fmt.Sprintf("listed as a known failure (line %d: %s) but passed: drop the entry", k.Line, k.Reason)
		}
	}
}

// Unused returns the entries for kernels in labels that matched no result:
// stale entries (a renamed test, a fixed whole-package failure).
func Unused(ks []*Known, labels []string) []*Known {
	var out []*Known
	for _, k := range ks {
		if k.used {
			continue
		}
		for _, l := range labels {
			if k.onKernel(l) {
				out = append(out, k)
				break
			}
		}
	}
	return out
}
