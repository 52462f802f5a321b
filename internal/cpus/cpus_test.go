// Tests the CPU list parser and the count of this machine.

package cpus

import (
	"runtime"
	"testing"
)

func TestParseList(t *testing.T) {
	for in, want := range map[string]int{"0": 1, "0-3\n": 4, "0,2-5": 5, "0-1,4,6-7": 5} {
		if got, err := parseList(in); err != nil || got != want {
			t.Errorf("parseList(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "a", "3-1", "0-", ",", "1,,2"} {
		if _, err := parseList(bad); err == nil {
			t.Errorf("parseList(%q) succeeded", bad)
		}
	}
}

func TestPossible(t *testing.T) {
	n, err := Possible()
	if err != nil {
		t.Fatal(err)
	}
	// Every CPU this process may run on is a possible one.
	if n < runtime.NumCPU() {
		t.Errorf("Possible() = %d, fewer than runtime.NumCPU() = %d", n, runtime.NumCPU())
	}
}
