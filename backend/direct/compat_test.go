// Tests of helperRef against the regular expressions it replaces (a
// second implementation) on verifier logs and their near misses.

package direct

import (
	"regexp"
	"testing"
)

func TestHelperRef(t *testing.T) {
	unknown := regexp.MustCompile(`invalid func unknown#(\d+)`)
	forbidden := regexp.MustCompile(`(?:unknown func|program of this type cannot use helper) ([a-z0-9_]+)#(\d+)`)
	for _, log := range []string{
		"",
		"invalid func unknown#212\n",
		"0: R1=ctx() R10=fp0\n5: (85) call unknown#195896080\ninvalid func unknown#195896080\nprocessed 6 insns\n",
		"invalid func unknown#\ninvalid func unknown#7",
		"invalid func unknown#x invalid func unknown#12",
		"invalid func unknown",
		"program of this type cannot use helper bpf_probe_read#4\n",
		"unknown func bpf_get_current_task_btf#158\n",
		"unknown func bpf_a#1 program of this type cannot use helper bpf_b#2",
		"program of this type cannot use helper bpf_b#2 unknown func bpf_a#1",
		"unknown func Bad#1 unknown func good_2#33",
		"unknown func #3 unknown func x#",
		"unknown func x#1234567890123",
		"program of this type cannot use helper bpf_x_y#9",
		"unknown func unknown func unknown func z#5",
	} {
		_, num, ok := helperRef(log, false, "invalid func unknown")
		m := unknown.FindStringSubmatch(log)
		if ok != (m != nil) || ok && num != m[1] {
			t.Errorf("%q: unknown helper %q %v, the regexp %q", log, num, ok, m)
		}
		name, num, ok := helperRef(log, true, "unknown func ", "program of this type cannot use helper ")
		m = forbidden.FindStringSubmatch(log)
		if ok != (m != nil) || ok && (name != m[1] || num != m[2]) {
			t.Errorf("%q: forbidden helper %q#%q %v, the regexp %q", log, name, num, ok, m)
		}
	}
}
