// Tests the BPF_MAP_CREATE attribute of a definition, with and without
// BTF.

package mapattr

import (
	"testing"

	"github.com/bpfc/bpfc/backend/mapdef"
	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/uapi"
)

func TestCreate(t *testing.T) {
	d := mapdef.Def{Name: "h", KernelName: "h", Type: uapi.MapTypeHash, KeySize: 4, ValueSize: 8, MaxEntries: 16,
		Flags: uapi.MapFlagNoPrealloc, NumaNode: 2, MapExtra: 9, KeyType: 3, ValueType: 5}
	want := sys.MapCreateAttr{MapType: uapi.MapTypeHash, KeySize: 4, ValueSize: 8, MaxEntries: 16,
		MapFlags: uapi.MapFlagNoPrealloc, NumaNode: 2, MapName: sys.NewObjName("h"), MapExtra: 9, InnerMapFd: 11}
	if got := Create(d, 0, 11); got != want {
		t.Errorf("without BTF: %+v, want %+v", got, want)
	}
	want.BtfFd, want.BtfKeyTypeId, want.BtfValueTypeId = 10, 3, 5
	if got := Create(d, 10, 11); got != want {
		t.Errorf("with BTF: %+v, want %+v", got, want)
	}
	d.KeyType, d.ValueType = 0, 0
	want.BtfFd, want.BtfKeyTypeId, want.BtfValueTypeId = 0, 0, 0
	if got := Create(d, 10, 11); got != want {
		t.Errorf("BTF fd but no ids: %+v, want %+v", got, want)
	}
}
