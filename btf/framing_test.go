// This file checks the per-kind framing constants of the indexing loop
// against trailerSize and coreKind, from which they are written out.

package btf

import "testing"

func TestFramingConstants(t *testing.T) {
	var fixed, vlen uint64
	var valid, vlenOK, core uint32
	for k := KindInt; k <= maxKind; k++ {
		f, ok0 := trailerSize(k, 0)
		one, ok1 := trailerSize(k, 1)
		if !ok0 || !ok1 {
			t.Fatalf("trailerSize does not know kind %d", k)
		}
		fixed |= uint64(f/4) << (2 * k)
		vlen |= uint64((one-f)/4) << (2 * k)
		valid |= 1 << k
		if one != f || k == KindFunc {
			vlenOK |= 1 << k
		}
		if coreKind(k) {
			core |= 1 << k
		}
	}
	for _, c := range []struct {
		name      string
		got, want uint64
	}{
		{"fixedWords", fixedWords, fixed},
		{"vlenWords", vlenWords, vlen},
		{"validKinds", uint64(validKinds), uint64(valid)},
		{"vlenKinds", uint64(vlenKinds), uint64(vlenOK)},
		{"coreKinds", uint64(coreKinds), uint64(core)},
	} {
		if c.got != c.want {
			t.Errorf("%s = %#x, trailerSize and coreKind give %#x", c.name, c.got, c.want)
		}
	}
}
