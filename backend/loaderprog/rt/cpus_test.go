// Tests the run-time sizing of perf event arrays declared without
// max_entries.

package rt

import (
	"encoding/binary"
	"testing"
)

// TestEntriesPerCPU: a map sized by CPUs gets this machine's count in the
// context unless the caller overrides it; other maps keep 0 (the blob's
// value).
func TestEntriesPerCPU(t *testing.T) {
	cpus, err := PossibleCPUs()
	if err != nil {
		t.Fatal("the run-time cannot count this machine's CPUs:", err)
	}
	spec := &Spec{Maps: []MapSpec{{Name: "events", EntriesPerCPU: true}, {Name: "counts"}}}
	lay := spec.Layout()
	for _, tc := range []struct {
		max  []uint32
		want [2]uint32
	}{
		{nil, [2]uint32{uint32(cpus), 0}},
		{[]uint32{7}, [2]uint32{7, 0}},
		{[]uint32{0, 9}, [2]uint32{uint32(cpus), 9}},
	} {
		var pins pinner
		ctx, err := spec.newCtx(ctxInputs{opts: &Options{MaxEntries: tc.max}, layouts: make([]*StructOpsLayout, 2)}, 0, nil, &pins)
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range tc.want {
			if got := binary.NativeEndian.Uint32(ctx[lay.MapDesc(i)+MapDescOffMaxEntries:]); got != want {
				t.Errorf("MaxEntries %v: map %d max_entries %d, want %d", tc.max, i, got, want)
			}
		}
		pins.unpin()
	}
}
