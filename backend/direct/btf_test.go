// This file tests BTF loading on hand-made BTF: a valid blob is loaded and
// used for map key/value types, one the kernel refuses makes Load go on
// without BTF and say so in Collection.Warnings.

package direct

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/backend/mapdef"
	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/internal/testutil"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/uapi"
)

// rawBTF builds a BTF blob with one type, "int" of 4 bytes with intBits
// bits, as id 1.
func rawBTF(t *testing.T, intBits uint32) *btf.Spec {
	t.Helper()
	strs := []byte("\x00int\x00")
	var types []byte
	le := binary.LittleEndian
	types = le.AppendUint32(types, 1)     // name_off
	types = le.AppendUint32(types, 1<<24) // info: kind INT
	types = le.AppendUint32(types, 4)     // size
	types = le.AppendUint32(types, intBits)
	var raw []byte
	raw = le.AppendUint16(raw, 0xeb9f)
	raw = append(raw, 1, 0)
	raw = le.AppendUint32(raw, 24)
	raw = le.AppendUint32(raw, 0)
	raw = le.AppendUint32(raw, uint32(len(types)))
	raw = le.AppendUint32(raw, uint32(len(types)))
	raw = le.AppendUint32(raw, uint32(len(strs)))
	raw = append(append(raw, types...), strs...)
	spec, err := btf.Parse(raw)
	if err != nil {
		t.Fatalf("parse hand-made BTF: %v", err)
	}
	return spec
}

func TestBTF(t *testing.T) {
	testutil.RequireKernel(t)
	t.Cleanup(testutil.CheckNoFDLeak(t))

	obj := globalsObject()
	obj.BTF = rawBTF(t, 32)
	obj.Maps = append(obj.Maps, &ir.Map{Name: "typed", Kind: ir.MapBTF, Type: uapi.MapTypeHash, KeySize: 4, ValueSize: 4, MaxEntries: 1, KeyType: 1, ValueType: 1})
	coll := mustLoad(t, obj, nil)
	if coll.BTFFD() < 0 || len(coll.Warnings) > 0 {
		t.Fatalf("BTF not loaded: %q", coll.Warnings)
	}
	info, err := coll.Maps["typed"].Info()
	if err != nil {
		t.Fatal(err)
	}
	if info.BTFID == 0 || info.BTFKeyTypeID != 1 || info.BTFValueTypeID != 1 {
		t.Errorf("map BTF: id %d key %d value %d, want key and value type 1", info.BTFID, info.BTFKeyTypeID, info.BTFValueTypeID)
	}
	// A ring buffer gets no key/value types even if the IR has them.
	obj2 := globalsObject()
	obj2.BTF = rawBTF(t, 32)
	obj2.Maps = append(obj2.Maps, &ir.Map{Name: "rb", Kind: ir.MapBTF, Type: uapi.MapTypePerfEventArray, KeySize: 4, ValueSize: 4, KeyType: 1, ValueType: 1})
	coll2 := mustLoad(t, obj2, nil)
	rb := coll2.Maps["rb"]
	if rb.BTFKeyType != 0 || rb.BTFValueType != 0 {
		t.Errorf("perf event array created with BTF types %d/%d", rb.BTFKeyType, rb.BTFValueType)
	}
	if n, err := mapdef.PossibleCPUs(); err != nil || rb.MaxEntries != uint32(n) {
		t.Errorf("perf event array max_entries %d, want %d possible CPUs (%v)", rb.MaxEntries, n, err)
	}
}

func TestBTFRejected(t *testing.T) {
	testutil.RequireKernel(t)
	t.Cleanup(testutil.CheckNoFDLeak(t))

	obj := globalsObject()
	obj.BTF = rawBTF(t, 64) // 64 bits in a 4-byte int: the kernel refuses it
	obj.Maps[0].KeyType, obj.Maps[0].ValueType = 1, 1
	coll := mustLoad(t, obj, nil)
	if coll.BTFFD() >= 0 {
		t.Fatal("kernel accepted invalid BTF")
	}
	if len(coll.Warnings) != 1 || !strings.Contains(coll.Warnings[0], "without it") {
		t.Errorf("warnings %q, want one about loading without BTF", coll.Warnings)
	}
	if m := coll.Maps["counts"]; m.BTFKeyType != 0 || m.BTFValueType != 0 {
		t.Errorf("map created with BTF types %d/%d without BTF", m.BTFKeyType, m.BTFValueType)
	}
}
