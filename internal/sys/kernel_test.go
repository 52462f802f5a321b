// Kernel tests: every command of this package against the running kernel.
// They need root (CAP_BPF, CAP_SYS_ADMIN) and skip otherwise, see
// testutil.RequireKernel.

package sys

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/internal/cpus"
	"github.com/bpfc/bpfc/internal/testutil"
	"github.com/bpfc/bpfc/uapi"
	"golang.org/x/sys/unix"
)

// insn encodes one BPF instruction.
func insn(op byte, dst, src uint8, off int16, imm int32) []byte {
	b := make([]byte, InsnSize)
	b[0] = op
	b[1] = dst&0xf | src<<4
	binary.LittleEndian.PutUint16(b[2:], uint16(off))
	binary.LittleEndian.PutUint32(b[4:], uint32(imm))
	return b
}

func movImm(dst uint8, imm int32) []byte { return insn(0xb7, dst, 0, 0, imm) } // BPF_ALU64|BPF_MOV|BPF_K
func exit() []byte                       { return insn(0x95, 0, 0, 0, 0) }     // BPF_JMP|BPF_EXIT

func prog(insns ...[]byte) []byte { return bytes.Join(insns, nil) }

// possibleCPUs returns the number of possible CPUs: the values of a
// per-CPU map element.
func possibleCPUs(t *testing.T) int {
	t.Helper()
	n, err := cpus.Possible()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func mustClose(t *testing.T, fd *FD) {
	t.Helper()
	if err := fd.Close(); err != nil {
		t.Error(err)
	}
}

func u32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
func u64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

func TestFD(t *testing.T) {
	if _, err := NewFD(-1); err == nil {
		t.Error("NewFD(-1) succeeded")
	}
	check := testutil.CheckNoFDLeak(t)
	raw, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	fd, err := NewFD(raw)
	if err != nil {
		t.Fatal(err)
	}
	if fd.Int() != raw || fd.Uint() != uint32(raw) {
		t.Errorf("Int/Uint = %d/%d, want %d", fd.Int(), fd.Uint(), raw)
	}
	dup, err := fd.Dup()
	if err != nil {
		t.Fatal(err)
	}
	if dup.Int() == fd.Int() || dup.Int() <= 0 {
		t.Errorf("Dup gave fd %d", dup.Int())
	}
	mustClose(t, dup)
	mustClose(t, fd)
	if err := fd.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if fd.Int() != -1 || fd.Uint() != 0 {
		t.Errorf("closed fd: Int/Uint = %d/%d", fd.Int(), fd.Uint())
	}
	if _, err := fd.Dup(); !errors.Is(err, ErrClosedFD) {
		t.Errorf("Dup of closed fd: %v", err)
	}
	if err := MapFreeze(fd); !errors.Is(err, ErrClosedFD) {
		t.Errorf("MapFreeze of closed fd: %v", err)
	}
	check()
}

func TestMapTypes(t *testing.T) {
	testutil.RequireKernel(t)
	defer testutil.CheckNoFDLeak(t)()
	ncpu := possibleCPUs(t)

	inner, err := MapCreate(&MapCreateAttr{MapType: uapi.MapTypeArray, KeySize: 4, ValueSize: 4, MaxEntries: 1, MapName: NewObjName("inner")})
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, inner)

	lpmKey := append(u32(32), 10, 0, 0, 1)
	tests := []struct {
		name  string
		attr  MapCreateAttr
		key   []byte // nil: no update/lookup
		value []byte
		// pop: use lookup-and-delete (queue, stack) instead of lookup.
		pop bool
		// since: the first kernel with the map type, when newer than
		// the matrix's oldest (older kernels refuse it with EINVAL).
		since string
	}{
		{name: "hash", attr: MapCreateAttr{MapType: uapi.MapTypeHash, KeySize: 4, ValueSize: 8, MaxEntries: 8}, key: u32(1), value: u64(42)},
		{name: "array", attr: MapCreateAttr{MapType: uapi.MapTypeArray, KeySize: 4, ValueSize: 8, MaxEntries: 8}, key: u32(3), value: u64(7)},
		{name: "mmapable_array", attr: MapCreateAttr{MapType: uapi.MapTypeArray, KeySize: 4, ValueSize: 8, MaxEntries: 1, MapFlags: uapi.MapFlagMmapable}, key: u32(0), value: u64(9)},
		{name: "percpu_hash", attr: MapCreateAttr{MapType: uapi.MapTypePercpuHash, KeySize: 4, ValueSize: 8, MaxEntries: 8}, key: u32(1), value: bytes.Repeat(u64(5), ncpu)},
		{name: "percpu_array", attr: MapCreateAttr{MapType: uapi.MapTypePercpuArray, KeySize: 4, ValueSize: 8, MaxEntries: 8}, key: u32(2), value: bytes.Repeat(u64(6), ncpu)},
		{name: "lru_hash", attr: MapCreateAttr{MapType: uapi.MapTypeLRUHash, KeySize: 8, ValueSize: 4, MaxEntries: 16}, key: u64(1), value: u32(2)},
		{name: "lru_percpu_hash", attr: MapCreateAttr{MapType: uapi.MapTypeLRUPercpuHash, KeySize: 8, ValueSize: 8, MaxEntries: 16}, key: u64(1), value: bytes.Repeat(u64(3), ncpu)},
		{name: "lpm_trie", attr: MapCreateAttr{MapType: uapi.MapTypeLPMTrie, KeySize: 8, ValueSize: 4, MaxEntries: 16, MapFlags: uapi.MapFlagNoPrealloc}, key: lpmKey, value: u32(77)},
		{name: "queue", attr: MapCreateAttr{MapType: uapi.MapTypeQueue, ValueSize: 4, MaxEntries: 4}, value: u32(11), pop: true},
		{name: "stack", attr: MapCreateAttr{MapType: uapi.MapTypeStack, ValueSize: 4, MaxEntries: 4}, value: u32(12), pop: true},
		{name: "bloom_filter", attr: MapCreateAttr{MapType: uapi.MapTypeBloomFilter, ValueSize: 4, MaxEntries: 16, MapExtra: 3}, since: "5.16"},
		{name: "ringbuf", attr: MapCreateAttr{MapType: uapi.MapTypeRingbuf, MaxEntries: uint32(os.Getpagesize())}},
		{name: "prog_array", attr: MapCreateAttr{MapType: uapi.MapTypeProgArray, KeySize: 4, ValueSize: 4, MaxEntries: 4}},
		{name: "array_of_maps", attr: MapCreateAttr{MapType: uapi.MapTypeArrayOfMaps, KeySize: 4, ValueSize: 4, MaxEntries: 2, InnerMapFd: inner.Uint()}, key: u32(1), value: u32(inner.Uint())},
		{name: "hash_of_maps", attr: MapCreateAttr{MapType: uapi.MapTypeHashOfMaps, KeySize: 4, ValueSize: 4, MaxEntries: 2, InnerMapFd: inner.Uint()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			attr := tt.attr
			attr.MapName = NewObjName(tt.name)
			fd, err := MapCreate(&attr)
			if tt.since != "" && testutil.KernelOlderThan(tt.since) {
				if !errors.Is(err, unix.EINVAL) {
					t.Errorf("%s before %s: %v, want EINVAL", tt.name, tt.since, err)
				}
				fd.Close()
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer mustClose(t, fd)

			info, err := MapInfoByFD(fd)
			if err != nil {
				t.Fatal(err)
			}
			if info.Type != attr.MapType || info.KeySize != attr.KeySize || info.MaxEntries != attr.MaxEntries ||
				info.Name != NewObjName(tt.name).String() || info.ID == 0 || info.MapExtra != attr.MapExtra {
				t.Errorf("info %+v does not match attr %+v", info, attr)
			}
			if tt.value == nil {
				return
			}
			if err := MapUpdateElem(fd, tt.key, tt.value, UpdateAny); err != nil {
				t.Fatal(err)
			}
			if tt.attr.MapType == uapi.MapTypeArrayOfMaps {
				// Lookups of map-in-map values from user space give map ids.
				got := make([]byte, 4)
				if err := MapLookupElem(fd, tt.key, got); err != nil {
					t.Fatal(err)
				}
				innerInfo, err := MapInfoByFD(inner)
				if err != nil {
					t.Fatal(err)
				}
				if id := binary.LittleEndian.Uint32(got); id != innerInfo.ID {
					t.Errorf("inner map id %d, want %d", id, innerInfo.ID)
				}
				return
			}
			got := make([]byte, len(tt.value))
			if tt.pop {
				err = MapLookupAndDeleteElem(fd, nil, got)
			} else {
				err = MapLookupElem(fd, tt.key, got)
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.value) {
				t.Errorf("value % x, want % x", got, tt.value)
			}
			if tt.pop {
				return
			}
			next := make([]byte, len(tt.key))
			if err := MapGetNextKey(fd, nil, next); err != nil {
				t.Fatalf("first key: %v", err)
			}
			if tt.attr.MapType == uapi.MapTypeHash {
				if !bytes.Equal(next, tt.key) {
					t.Errorf("first key % x, want % x", next, tt.key)
				}
				if err := MapDeleteElem(fd, tt.key); err != nil {
					t.Fatal(err)
				}
				if err := MapLookupElem(fd, tt.key, got); !errors.Is(err, unix.ENOENT) {
					t.Errorf("lookup after delete: %v, want ENOENT", err)
				}
			}
		})
	}
}

func TestMapCreateError(t *testing.T) {
	testutil.RequireKernel(t)
	_, err := MapCreate(&MapCreateAttr{MapType: uapi.MapTypeHash, KeySize: 0, ValueSize: 4, MaxEntries: 1})
	if !errors.Is(err, unix.EINVAL) {
		t.Fatalf("got %v, want EINVAL", err)
	}
	if !strings.HasPrefix(err.Error(), "BPF_MAP_CREATE: ") {
		t.Errorf("error %q does not name the command", err)
	}
}

func TestMapFreezeHash(t *testing.T) {
	testutil.RequireKernel(t)
	defer testutil.CheckNoFDLeak(t)()
	value := []byte("the initial value of a frozen map, hashed by the kernel") // 55 bytes
	fd, err := MapCreate(&MapCreateAttr{MapType: uapi.MapTypeArray, KeySize: 4, ValueSize: uint32(len(value)), MaxEntries: 1, MapName: NewObjName("frozen")})
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, fd)
	if err := MapUpdateElem(fd, u32(0), value, UpdateAny); err != nil {
		t.Fatal(err)
	}
	if testutil.KernelOlderThan("6.18") {
		// No map hashes yet: bpf_map_info ends before hash, so asking
		// for it is E2BIG, frozen or not.
		for _, freeze := range []bool{false, true} {
			if freeze {
				if err := MapFreeze(fd); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := MapHash(fd); !errors.Is(err, unix.E2BIG) {
				t.Errorf("hash (frozen %v) before 6.18: %v, want E2BIG", freeze, err)
			}
		}
		return
	}
	if _, err := MapHash(fd); !errors.Is(err, unix.EPERM) {
		t.Errorf("hash of unfrozen map: %v, want EPERM", err)
	}
	if err := MapFreeze(fd); err != nil {
		t.Fatal(err)
	}
	if err := MapUpdateElem(fd, u32(0), value, UpdateAny); !errors.Is(err, unix.EPERM) {
		t.Errorf("update of frozen map: %v, want EPERM", err)
	}
	got, err := MapHash(fd)
	if err != nil {
		t.Fatal(err)
	}
	// The kernel hashes the array's storage: each value padded to a
	// multiple of 8 bytes, times max_entries.
	padded := append(bytes.Clone(value), make([]byte, (8-len(value)%8)%8)...)
	if want := sha256.Sum256(padded); got != want {
		t.Errorf("map hash %x, want sha256 of the padded value %x", got, want)
	}
}

func TestProgLoadAndRun(t *testing.T) {
	testutil.RequireKernel(t)
	defer testutil.CheckNoFDLeak(t)()
	insns := prog(movImm(0, 42), exit())
	fd, err := LoadInsns(uapi.ProgTypeSocketFilter, insns, "answer")
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, fd)

	res, err := TestRun(fd, TestRunOpts{DataIn: make([]byte, 64), Repeat: 3})
	if err != nil {
		t.Fatal(err)
	}
	if res.Retval != 42 {
		t.Errorf("retval %d, want 42", res.Retval)
	}
	if len(res.DataOut) != 64 {
		t.Errorf("data out %d bytes, want 64", len(res.DataOut))
	}

	info, err := ProgInfoByFD(fd)
	if err != nil {
		t.Fatal(err)
	}
	if info.Type != uapi.ProgTypeSocketFilter || info.Name != "answer" || info.ID == 0 || !info.GPLCompatible {
		t.Errorf("unexpected info %+v", info)
	}
	if !bytes.Equal(info.XlatedInsns, insns) {
		t.Errorf("xlated insns % x, want % x", info.XlatedInsns, insns)
	}
	if info.Tag == [TagSize]byte{} {
		t.Error("zero tag")
	}
	if id, err := ObjID(fd); err != nil || id != info.ID {
		t.Errorf("ObjID = %d, %v; want %d", id, err, info.ID)
	}

	// Find the program again by id.
	found := false
	for id := uint32(0); ; {
		id, err = ProgGetNextID(id)
		if errors.Is(err, unix.ENOENT) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if id == info.ID {
			found = true
			break
		}
	}
	if !found {
		t.Errorf("program id %d not listed by ProgGetNextID", info.ID)
	}
	byID, err := ProgGetFDByID(info.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, byID)
	info2, err := ProgInfoByFD(byID)
	if err != nil {
		t.Fatal(err)
	}
	if info2.ID != info.ID || info2.Tag != info.Tag {
		t.Errorf("program by id: %+v, want %+v", info2, info)
	}
}

func TestProgMapIDs(t *testing.T) {
	testutil.RequireKernel(t)
	defer testutil.CheckNoFDLeak(t)()
	m, err := MapCreate(&MapCreateAttr{MapType: uapi.MapTypeArray, KeySize: 4, ValueSize: 8, MaxEntries: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, m)
	// r1 = map (ld_imm64, BPF_PSEUDO_MAP_FD); r0 = 0; exit
	insns := prog(insn(0x18, 1, PseudoMapFD, 0, int32(m.Int())), insn(0, 0, 0, 0, 0), movImm(0, 0), exit())
	fd, err := LoadInsns(uapi.ProgTypeSocketFilter, insns, "uses_map")
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, fd)
	info, err := ProgInfoByFD(fd)
	if err != nil {
		t.Fatal(err)
	}
	mi, err := MapInfoByFD(m)
	if err != nil {
		t.Fatal(err)
	}
	if len(info.MapIDs) != 1 || info.MapIDs[0] != mi.ID {
		t.Errorf("map ids %v, want [%d]", info.MapIDs, mi.ID)
	}
	if len(info.XlatedInsns) != len(insns) {
		t.Errorf("xlated %d bytes, want %d", len(info.XlatedInsns), len(insns))
	}
}

func TestVerifierError(t *testing.T) {
	testutil.RequireKernel(t)
	defer testutil.CheckNoFDLeak(t)()
	insns := exit() // R0 is never set
	attr := ProgLoadAttr{
		ProgType: uapi.ProgTypeSocketFilter,
		InsnCnt:  1,
		Insns:    NewSlicePointer(insns),
		License:  NewStringPointer("GPL"),
	}
	for _, opts := range []LogOptions{
		{},                   // no log first, then retry with a log
		{Level: 1},           // log from the start
		{Size: 16},           // tiny buffer: clamped, grown
		{Level: 2, Size: 16}, // verbose
	} {
		fd, _, err := ProgLoadWithLog(&attr, opts)
		if err == nil {
			fd.Close()
			t.Fatalf("%+v: invalid program loaded", opts)
		}
		var ve *VerifierError
		if !errors.As(err, &ve) {
			t.Fatalf("%+v: error %T %v is not a *VerifierError", opts, err, err)
		}
		if !errors.Is(err, unix.EACCES) {
			t.Errorf("%+v: %v is not EACCES", opts, err)
		}
		if !strings.Contains(ve.Log, "R0 !read_ok") || ve.Truncated {
			t.Errorf("%+v: log %q (truncated %v)", opts, ve.Log, ve.Truncated)
		}
		if !strings.Contains(err.Error(), "R0 !read_ok") {
			t.Errorf("%+v: message %q lacks the log's reason", opts, err)
		}
	}
	if attr.LogLevel != 0 || !attr.LogBuf.IsNil() {
		t.Error("ProgLoadWithLog modified attr")
	}
	// Plain ProgLoad: just the errno.
	if _, err := ProgLoad(&attr); !errors.Is(err, unix.EACCES) {
		t.Errorf("ProgLoad: %v, want EACCES", err)
	}
}

func TestVerifierLogGrowth(t *testing.T) {
	testutil.RequireKernel(t)
	defer testutil.CheckNoFDLeak(t)()
	var parts [][]byte
	for i := range 200 {
		parts = append(parts, movImm(0, int32(i)))
	}
	insns := prog(append(parts, exit())...)
	attr := ProgLoadAttr{
		ProgType: uapi.ProgTypeSocketFilter,
		InsnCnt:  uint32(len(insns) / InsnSize),
		Insns:    NewSlicePointer(insns),
		License:  NewStringPointer("GPL"),
	}
	// A level-2 log of 200 instructions overflows 128 bytes: the kernel
	// answers ENOSPC and the buffer must grow until the load succeeds.
	fd, log, err := ProgLoadWithLog(&attr, LogOptions{Level: 2, Size: 128})
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, fd)
	if len(log) <= 128 || !strings.Contains(log, "processed 201 insns") {
		t.Errorf("log of %d bytes: ...%q", len(log), log[max(0, len(log)-200):])
	}
	// With a cap too small for the log, the result is a truncated log.
	_, _, err = ProgLoadWithLog(&attr, LogOptions{Level: 2, Size: 128, MaxSize: 512})
	var ve *VerifierError
	if !errors.As(err, &ve) || !ve.Truncated || !errors.Is(err, unix.ENOSPC) {
		t.Fatalf("capped log: %v, want truncated *VerifierError with ENOSPC", err)
	}
	if len(ve.Log) == 0 || len(ve.Log) >= 512 {
		t.Errorf("capped log of %d bytes", len(ve.Log))
	}
}

// btfInt returns raw BTF with one INT type "int" of the given size and bits.
func btfInt(size, bits uint32) []byte {
	strs := []byte("\x00int\x00")
	var types []byte
	types = binary.LittleEndian.AppendUint32(types, 1)     // name_off
	types = binary.LittleEndian.AppendUint32(types, 1<<24) // info: kind INT, vlen 0
	types = binary.LittleEndian.AppendUint32(types, size)  // size
	types = binary.LittleEndian.AppendUint32(types, bits)  // encoding 0, offset 0, nr_bits
	var b []byte
	b = binary.LittleEndian.AppendUint16(b, 0xeb9f)
	b = append(b, 1, 0) // version, flags
	b = binary.LittleEndian.AppendUint32(b, 24)
	b = binary.LittleEndian.AppendUint32(b, 0)                  // type_off
	b = binary.LittleEndian.AppendUint32(b, uint32(len(types))) // type_len
	b = binary.LittleEndian.AppendUint32(b, uint32(len(types))) // str_off
	b = binary.LittleEndian.AppendUint32(b, uint32(len(strs)))  // str_len
	return append(append(b, types...), strs...)
}

func TestBtfLoad(t *testing.T) {
	testutil.RequireKernel(t)
	defer testutil.CheckNoFDLeak(t)()
	raw := btfInt(4, 32)
	fd, err := BtfLoad(raw)
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, fd)
	info, err := BtfInfoByFD(fd)
	if err != nil {
		t.Fatal(err)
	}
	if info.ID == 0 || info.Size != uint32(len(raw)) || info.KernelBTF {
		t.Errorf("unexpected info %+v", info)
	}
	data, err := BtfDataByFD(fd)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, raw) {
		t.Errorf("BTF read back % x, want % x", data, raw)
	}
	byID, err := BtfGetFDByID(info.ID)
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, byID)

	// An INT of 4 bytes with 64 bits is rejected, with a log.
	_, err = BtfLoad(btfInt(4, 64), LogOptions{Size: 16})
	var ve *VerifierError
	if !errors.As(err, &ve) || ve.Cmd != CmdBTFLoad {
		t.Fatalf("invalid BTF: %v, want *VerifierError", err)
	}
	// Since 6.4 a log too small keeps its end (the reason); before, its
	// start (and the retry with a larger buffer ends the same way).
	want := "nr_bits"
	if testutil.KernelOlderThan("6.4") {
		want = "[1] INT int"
	}
	if !errors.Is(err, unix.EINVAL) || !strings.Contains(ve.Log, want) {
		t.Errorf("invalid BTF: %v, log %q, want %q in it", err, ve.Log, want)
	}
}

func TestPin(t *testing.T) {
	testutil.RequireKernel(t)
	defer testutil.CheckNoFDLeak(t)()
	dir := testutil.BPFFS(t)
	m, err := MapCreate(&MapCreateAttr{MapType: uapi.MapTypeHash, KeySize: 4, ValueSize: 4, MaxEntries: 2, MapName: NewObjName("pinned")})
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, m)
	path := filepath.Join(dir, "pinned_map")
	if err := ObjPin(m, path); err != nil {
		t.Fatal(err)
	}
	got, err := ObjGet(path)
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, got)
	a, err := MapInfoByFD(m)
	if err != nil {
		t.Fatal(err)
	}
	b, err := MapInfoByFD(got)
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != b.ID {
		t.Errorf("pinned map id %d, want %d", b.ID, a.ID)
	}
	if err := ObjPin(m, path); !errors.Is(err, unix.EEXIST) {
		t.Errorf("pin twice: %v, want EEXIST", err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if _, err := ObjGet(path); !errors.Is(err, unix.ENOENT) {
		t.Errorf("get after unpin: %v, want ENOENT", err)
	}
}

func TestSyscallProgContext(t *testing.T) {
	testutil.RequireKernel(t)
	defer testutil.CheckNoFDLeak(t)()
	// r2 = 7; *(u32 *)(r1 + 4) = r2; r0 = 0; exit (a BPF_STX: 6.1
	// refuses BPF_ST into a syscall program's context)
	insns := prog(movImm(2, 7), insn(0x63, 1, 2, 4, 0), movImm(0, 0), exit())
	attr := ProgLoadAttr{
		ProgType:  uapi.ProgTypeSyscall,
		ProgFlags: uapi.ProgFlagSleepable,
		InsnCnt:   uint32(len(insns) / InsnSize),
		Insns:     NewSlicePointer(insns),
		License:   NewStringPointer("GPL"),
	}
	fd, _, err := ProgLoadWithLog(&attr, LogOptions{})
	if testutil.KernelOlderThan("5.14") {
		// No syscall programs before 5.14.
		if !errors.Is(err, unix.EINVAL) {
			t.Errorf("syscall program before 5.14: %v, want EINVAL", err)
		}
		fd.Close()
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, fd)
	ctx := make([]byte, 8)
	res, err := TestRun(fd, TestRunOpts{CtxIn: ctx})
	if err != nil {
		t.Fatal(err)
	}
	if res.Retval != 0 {
		t.Errorf("retval %d", res.Retval)
	}
	if got := binary.LittleEndian.Uint32(ctx[4:]); got != 7 {
		t.Errorf("context written back: % x", ctx)
	}
}

func TestRawTracepointOpen(t *testing.T) {
	testutil.RequireKernel(t)
	defer testutil.CheckNoFDLeak(t)()
	fd, err := LoadInsns(uapi.ProgTypeRawTracepoint, prog(movImm(0, 0), exit()), "raw_tp")
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, fd)
	link, err := RawTracepointOpen("sys_enter", fd)
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, link)
	if _, err := RawTracepointOpen("no_such_tracepoint_bpfc", fd); !errors.Is(err, unix.ENOENT) {
		t.Errorf("unknown tracepoint: %v, want ENOENT", err)
	}
}
