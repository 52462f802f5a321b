// This file is the raw emitter: the loader's blob and program as two
// binary files plus a JSON manifest describing the context layout, maps,
// programs and steps, for tools that run loader programs themselves.

package skel

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	"github.com/bpfc/bpfc/backend/loaderprog"
	"github.com/bpfc/bpfc/backend/loaderprog/rt"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/uapi"
)

// Manifest is the JSON description written beside a raw loader: with it
// and the two binary files another tool runs the loader the way rt.Load
// does:
//
//  1. create the blob map as Loader.BlobMap says (BPF_MAP_CREATE; with
//     excl_prog_hash = Loader.ProgSHA256 where the kernel has exclusive
//     maps), write the blob file as its value at key 0, freeze it, and if
//     CheckHash ask the kernel for the map's hash (BPF_OBJ_GET_INFO_BY_FD
//     with bpf_map_info.hash), which the loader compares with BlobSHA256;
//     a kernel without map hashes (before 6.18) refuses the request with
//     E2BIG: then leave the loader's check, instructions IntegrityCheck
//     [from, to), out of the insns (the blob's integrity is not verified,
//     and the loader, whose signature covers the check, loads unsigned);
//  2. load the insns file as Loader says, with fd_array = {blob map fd}
//     and, for a signed loader (Signature), the signature file's bytes as
//     BPF_PROG_LOAD's signature and signature_size with the keyring_id of
//     the keyring holding the signer's certificate (Linux 6.18+);
//  3. build a zeroed context of Context.Size bytes: sz = Size; optionally
//     log_level, log_size, log_buf; per map descriptor a max_entries
//     override (required for maps with EntriesPerCPU: the number of
//     possible CPUs) and an initial_value pointer (maps with an
//     InitialValue: ValueSize bytes); the step word = 0xffffffff; per map
//     key_size and value_size overrides (0 keeps the generated size). A
//     size a map Needs must be set (the object leaves it 0, the kernel
//     refuses 0);
//  4. run the program once with BPF_PROG_TEST_RUN, ctx_in = the context
//     (the kernel writes it back). A negative return value is -errno of
//     the failing step, whose index into Steps is in the step word, and
//     the loader has closed everything it created; 0 means success: the
//     map_fd and prog_fd fields hold the new descriptors (prog_fd 0 for
//     a program that is not autoloaded).
//
// Offsets and sizes are in bytes; numbers in the binary files and the
// context are in ByteOrder.
type Manifest struct {
	// Object is the BPF object's name.
	Object string `json:"object"`
	// Blob and Insns are the file names (relative to the manifest) of the
	// blob (the value of the loader's single ARRAY map, key 0) and of the
	// loader program's instructions (8 bytes each, in ByteOrder).
	Blob  string `json:"blob"`
	Insns string `json:"insns"`
	// Signature, for a signed loader, is the file name of the detached
	// PKCS#7 (DER) signature of the insns file.
	Signature string `json:"signature,omitempty"`
	// Sealed loaders ignore the context's max_entries (but for maps with
	// EntriesPerCPU) and initial_value: they create what was signed.
	Sealed bool `json:"sealed,omitempty"`
	// ByteOrder is "little" or "big": the byte order of the machine that
	// generated the loader, the only kind of machine that can run it.
	ByteOrder string `json:"byte_order"`
	// BlobSize is the blob's size in bytes, InsnCount the number of
	// instructions of the loader program.
	BlobSize  int `json:"blob_size"`
	InsnCount int `json:"insn_count"`
	// BlobSHA256 is the hash of the blob (hex); CheckHash says the loader
	// compares it with the kernel's hash of the frozen blob map, so the
	// run-time must freeze the map and ask for its hash (OBJ_GET_INFO_BY_FD
	// with bpf_map_info.hash) before running the loader.
	BlobSHA256 string `json:"blob_sha256"`
	CheckHash  bool   `json:"check_hash"`
	// IntegrityCheck is the loader's blob check, instructions [from, to)
	// of the insns file, to leave out where the kernel cannot hash maps.
	IntegrityCheck [2]int `json:"integrity_check"`
	// FDRecord locates in the blob the fds the loader keeps while it
	// runs (rt.FDRecord): should BPF_PROG_TEST_RUN fail with EFAULT after
	// the loader ran (the return value or the context not copied back),
	// a run-time reads them from the blob map and closes them.
	FDRecord *ManifestFDRecord `json:"fd_record,omitempty"`
	// Loader says how to create the blob map and load the loader program.
	Loader ManifestLoader `json:"loader"`
	// Context describes the loader's context (the light-skeleton ABI).
	Context ManifestContext `json:"context"`
	// Maps and Progs are in context descriptor order.
	Maps  []ManifestMap  `json:"maps"`
	Progs []ManifestProg `json:"progs"`
	// Steps describes the loader's steps by number.
	Steps []string `json:"steps"`
}

// ManifestLoader gives the attributes of the loader's own kernel objects.
type ManifestLoader struct {
	// ProgType (BPF_PROG_TYPE_SYSCALL), ProgFlags (BPF_F_SLEEPABLE),
	// License and ProgName are the loader program's BPF_PROG_LOAD
	// attributes; its fd_array has one entry, the blob map.
	ProgType  uint32 `json:"prog_type"`
	ProgFlags uint32 `json:"prog_flags"`
	License   string `json:"license"`
	ProgName  string `json:"prog_name"`
	// ProgSHA256 is the hex SHA-256 of the insns file: the program digest
	// the kernel compares with the blob map's excl_prog_hash.
	ProgSHA256 string `json:"prog_sha256"`
	// BlobMap gives the blob map's BPF_MAP_CREATE attributes.
	BlobMap ManifestBlobMap `json:"blob_map"`
}

// ManifestBlobMap gives the blob map's attributes: an ARRAY map with a
// 4-byte key and one entry whose value is the whole blob.
type ManifestBlobMap struct {
	Name       string `json:"name"`
	Type       uint32 `json:"type"`
	KeySize    uint32 `json:"key_size"`
	ValueSize  uint32 `json:"value_size"`
	MaxEntries uint32 `json:"max_entries"`
}

// ManifestContext gives the offsets of the loader context.
type ManifestContext struct {
	// Size is the context's size (ctx_size_in of BPF_PROG_TEST_RUN).
	Size int `json:"size"`
	// Offsets of the fields of the header (struct bpf_loader_ctx,
	// HeaderSize bytes): u32 sz at 0 (set to Size), u32 flags at 4 (0),
	// u32 log_level, u32 log_size, u64 log_buf (the user-space address of
	// a log_size-byte buffer receiving the BTF and verifier logs).
	HeaderSize int `json:"header_size"`
	LogLevel   int `json:"log_level"`
	LogSize    int `json:"log_size"`
	LogBuf     int `json:"log_buf"`
	// MapDescs is the offset of the first struct bpf_map_desc
	// (MapDescSize bytes each, one per map of Maps): s32 map_fd (output)
	// at MapFD, u32 max_entries (input, 0 keeps the generated value) at
	// MapMaxEntries, u64 initial_value (input, a user-space address or 0)
	// at MapInitialValue.
	MapDescs        int `json:"map_descs"`
	MapDescSize     int `json:"map_desc_size"`
	MapFD           int `json:"map_fd"`
	MapMaxEntries   int `json:"map_max_entries"`
	MapInitialValue int `json:"map_initial_value"`
	// ProgDescs is the offset of the first struct bpf_prog_desc
	// (ProgDescSize bytes each, one per program of Progs: s32 prog_fd,
	// output), Step of the u32 step word (bpfc's extension: the index
	// into Steps of the step the loader is at).
	ProgDescs    int `json:"prog_descs"`
	ProgDescSize int `json:"prog_desc_size"`
	Step         int `json:"step"`
	// MapSizes is the offset of the first map's size overrides (bpfc's
	// extension; MapSizesSize bytes each, one per map of Maps): u32
	// key_size at MapKeySize, u32 value_size at MapValueSize (inputs, 0
	// keeps the generated value; not for maps with an InitialValue).
	MapSizes     int `json:"map_sizes"`
	MapSizesSize int `json:"map_sizes_size"`
	MapKeySize   int `json:"map_key_size"`
	MapValueSize int `json:"map_value_size"`
	// StructOpsSlots is the offset of the first struct_ops function slot
	// (bpfc's extension; StructOpsSlotSize bytes each, StructOpsSlotCount
	// of them: the function pointers set to programs of the struct_ops
	// maps, in map then member order): u32 member index + 1 at
	// StructOpsIndex, u32 offset in the value + 1 at StructOpsOffset
	// (inputs, 0 keeps the generated layout; a kernel that lays the
	// struct out otherwise needs them, and the map's initial_value laid
	// out for it).
	StructOpsSlots     int `json:"struct_ops_slots"`
	StructOpsSlotCount int `json:"struct_ops_slot_count"`
	StructOpsSlotSize  int `json:"struct_ops_slot_size"`
	StructOpsIndex     int `json:"struct_ops_index"`
	StructOpsOffset    int `json:"struct_ops_offset"`
}

// ManifestMap describes one map as the blob creates it.
type ManifestMap struct {
	// Name is the map's name in the object, KernelName its name in the
	// kernel.
	Name       string `json:"name"`
	KernelName string `json:"kernel_name"`
	// Type (BPF_MAP_TYPE_*), sizes in bytes, max_entries and map_flags
	// as created unless the context overrides max_entries.
	Type       uint32 `json:"type"`
	KeySize    uint32 `json:"key_size"`
	ValueSize  uint32 `json:"value_size"`
	MaxEntries uint32 `json:"max_entries"`
	Flags      uint32 `json:"flags"`
	// EntriesPerCPU marks a perf event array declared without
	// max_entries: MaxEntries is the generating machine's CPU count, and
	// the run-time must override it with the number of possible CPUs.
	EntriesPerCPU bool `json:"entries_per_cpu,omitempty"`
	// ReadOnly maps (.rodata, .kconfig) are frozen by the loader.
	ReadOnly bool `json:"read_only,omitempty"`
	// Pinning is the object's LIBBPF_PIN_* request (1: by name), left to
	// the tool: a loader program cannot pin.
	Pinning uint32 `json:"pinning,omitempty"`
	// InitialValue is the value the loader writes (global data), hex;
	// the context's initial_value may replace it.
	InitialValue string `json:"initial_value,omitempty"`
	// NeedsMaxEntries, NeedsKeySize and NeedsValueSize mark sizes the
	// object leaves 0 where the kernel refuses 0: the context must set
	// them.
	NeedsMaxEntries bool `json:"needs_max_entries,omitempty"`
	NeedsKeySize    bool `json:"needs_key_size,omitempty"`
	NeedsValueSize  bool `json:"needs_value_size,omitempty"`
	// NoAutocreate marks a map the loader does not create.
	NoAutocreate bool `json:"no_autocreate,omitempty"`
	// StructOps describes a struct_ops map: its InitialValue is the value
	// as generated; the loader writes the value of a Link map, a tool
	// registers it with BPF_LINK_CREATE (BPF_STRUCT_OPS); a map without
	// Link registers when a tool writes its value with the program fds
	// at the function pointers.
	StructOps *ManifestStructOps `json:"struct_ops,omitempty"`
}

// ManifestStructOps describes a struct_ops map (see rt.StructOpsSpec).
type ManifestStructOps struct {
	Type    string                    `json:"type"`
	Module  string                    `json:"module,omitempty"`
	Link    bool                      `json:"link"`
	Members []ManifestStructOpsMember `json:"members"`
}

// ManifestStructOpsMember is a member a struct_ops map sets: its index in
// the kernel's struct and place in the value, as generated; Prog is the
// index of the program of a function pointer, -1 for data.
type ManifestStructOpsMember struct {
	Name   string `json:"name"`
	Index  int    `json:"index"`
	Offset uint32 `json:"offset"`
	Size   uint32 `json:"size"`
	Prog   int    `json:"prog"`
}

// ManifestProg describes one program.
type ManifestProg struct {
	// Name is the program's function name, KernelName its name in the
	// kernel, Section its ELF section.
	Name       string `json:"name"`
	KernelName string `json:"kernel_name"`
	Section    string `json:"section"`
	// Type (BPF_PROG_TYPE_*) and ExpectedAttachType (BPF_*) as loaded;
	// AttachTo is the attach target the section names, if any.
	Type               uint32 `json:"type"`
	ExpectedAttachType uint32 `json:"expected_attach_type"`
	AttachTo           string `json:"attach_to,omitempty"`
	// Autoload is false for a program the loader does not load.
	Autoload bool `json:"autoload"`
}

// ManifestFDRecord is rt.FDRecord: map i's fd at blob offset Maps+4*i,
// program j's at Progs+4*j, non-zero while open.
type ManifestFDRecord struct {
	Maps  int `json:"maps"`
	Progs int `json:"progs"`
}

// NewManifest describes l; blob and insns name the binary files.
func NewManifest(l *loaderprog.Loader, blob, insns string) *Manifest {
	lay := l.Layout()
	progHash := l.ProgHash()
	order := "little"
	if binary.NativeEndian.Uint16([]byte{0, 1}) == 1 {
		order = "big"
	}
	m := &Manifest{
		Object: l.Object, Blob: blob, Insns: insns, ByteOrder: order,
		BlobSize: len(l.Blob), InsnCount: len(l.InsnBytes()) / ir.InsnSize,
		BlobSHA256: hex.EncodeToString(l.BlobHash[:]), CheckHash: l.CheckHash, Sealed: l.Sealed, IntegrityCheck: l.IntegrityCheck,
		Loader: ManifestLoader{
			ProgType: uint32(uapi.ProgTypeSyscall), ProgFlags: uint32(uapi.ProgFlagSleepable),
			License: rt.LoaderProgLicense, ProgName: rt.LoaderProgName, ProgSHA256: hex.EncodeToString(progHash[:]),
			BlobMap: ManifestBlobMap{Name: rt.LoaderMapName, Type: uint32(uapi.MapTypeArray), KeySize: 4,
				ValueSize: uint32(len(l.Blob)), MaxEntries: 1},
		},
		Context: ManifestContext{
			Size: lay.Size(), HeaderSize: rt.CtxHeaderSize,
			LogLevel: rt.CtxOffLogLevel, LogSize: rt.CtxOffLogSize, LogBuf: rt.CtxOffLogBuf,
			MapDescs: lay.MapDesc(0), MapDescSize: rt.MapDescSize, MapFD: rt.MapDescOffFD,
			MapMaxEntries: rt.MapDescOffMaxEntries, MapInitialValue: rt.MapDescOffInitialValue,
			ProgDescs: lay.ProgDesc(0), ProgDescSize: rt.ProgDescSize, Step: lay.Step(),
			MapSizes: lay.MapSizes(0), MapSizesSize: rt.MapSizesSize, MapKeySize: rt.MapSizesOffKey, MapValueSize: rt.MapSizesOffValue,
			StructOpsSlots: lay.StructOpsSlot(0), StructOpsSlotCount: lay.StructOps, StructOpsSlotSize: rt.StructOpsSlotSize,
			StructOpsIndex: rt.StructOpsSlotOffIndex, StructOpsOffset: rt.StructOpsSlotOffOffset,
		},
		Maps:  []ManifestMap{},
		Progs: []ManifestProg{},
		Steps: l.Steps,
	}
	if l.FDs != nil {
		m.FDRecord = &ManifestFDRecord{Maps: l.FDs.Maps, Progs: l.FDs.Progs}
	}
	for _, d := range l.Maps {
		mm := ManifestMap{Name: d.Name, KernelName: d.KernelName, Type: uint32(d.Type), KeySize: d.KeySize, ValueSize: d.ValueSize,
			MaxEntries: d.MaxEntries, Flags: uint32(d.Flags), EntriesPerCPU: d.EntriesPerCPU, ReadOnly: d.ReadOnly, Pinning: d.Pinning,
			NeedsMaxEntries: d.NeedsMaxEntries, NeedsKeySize: d.NeedsKeySize, NeedsValueSize: d.NeedsValueSize}
		if d.InitialValue != nil {
			mm.InitialValue = hex.EncodeToString(d.InitialValue)
		}
		mm.NoAutocreate = d.NoAutocreate
		if so := d.StructOps; so != nil {
			ms := &ManifestStructOps{Type: so.Type, Module: so.Module, Link: so.Link}
			for _, mem := range so.Members {
				ms.Members = append(ms.Members, ManifestStructOpsMember{Name: mem.Name, Index: mem.Index, Offset: mem.Offset, Size: mem.Size, Prog: mem.Prog})
			}
			mm.StructOps = ms
		}
		m.Maps = append(m.Maps, mm)
	}
	for _, p := range l.Progs {
		m.Progs = append(m.Progs, ManifestProg{Name: p.Name, KernelName: p.KernelName, Section: p.Section, Type: uint32(p.Type),
			ExpectedAttachType: uint32(p.ExpectedAttachType), AttachTo: p.AttachTo, Autoload: p.Autoload})
	}
	return m
}

// WriteRaw writes base+".blob", base+".insns", for a signed loader
// base+".sig", and the manifest base+".json", and returns their paths.
func WriteRaw(base string, l *loaderprog.Loader) ([]string, error) {
	if l == nil {
		return nil, fmt.Errorf("raw loader: %w", loaderprog.ErrInvalidObject)
	}
	blob, insns, manifest := base+".blob", base+".insns", base+".json"
	m := NewManifest(l, filepath.Base(blob), filepath.Base(insns))
	files := []rawFile{{blob, l.Blob}, {insns, l.InsnBytes()}}
	if l.Signature != nil {
		sig := base + ".sig"
		m.Signature = filepath.Base(sig)
		files = append(files, rawFile{sig, l.Signature})
	}
	js, err := marshalIndent(m)
	if err != nil {
		return nil, fmt.Errorf("raw loader of %s: %w", l.Object, err)
	}
	files = append(files, rawFile{manifest, append(js, '\n')})
	var paths []string
	for _, f := range files {
		if err := os.WriteFile(f.path, f.data, 0o644); err != nil {
			return nil, fmt.Errorf("raw loader of %s: %w", l.Object, err)
		}
		paths = append(paths, f.path)
	}
	return paths, nil
}

// rawFile is one file WriteRaw writes.
type rawFile struct {
	path string
	data []byte
}
