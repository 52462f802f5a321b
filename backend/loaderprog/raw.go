// This file is the raw emitter: the loader's blob and program as two
// binary files plus a JSON manifest describing the context layout, maps,
// programs and steps, for tools that run loader programs themselves.

package loaderprog

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/bpfc/bpfc/backend/loaderprog/rt"
	"github.com/bpfc/bpfc/ir"
)

// Manifest is the JSON description written beside a raw loader.
type Manifest struct {
	// Object is the BPF object's name.
	Object string `json:"object"`
	// Blob and Insns are the file names (relative to the manifest) of the
	// blob (the value of the loader's single ARRAY map, key 0) and of the
	// loader program's instructions (host byte order).
	Blob  string `json:"blob"`
	Insns string `json:"insns"`
	// BlobSize is the blob's size in bytes, InsnCount the number of
	// instructions of the loader program.
	BlobSize  int `json:"blob_size"`
	InsnCount int `json:"insn_count"`
	// BlobSHA256 is the hash of the blob; CheckHash says the loader
	// compares it with the kernel's hash of the frozen blob map, so the
	// run-time must freeze the map and ask for its hash (OBJ_GET_INFO_BY_FD
	// with bpf_map_info.hash) before running the loader.
	BlobSHA256 string `json:"blob_sha256"`
	CheckHash  bool   `json:"check_hash"`
	// Context describes the loader's context (the light-skeleton ABI).
	Context ManifestContext `json:"context"`
	// Maps and Progs are in context descriptor order.
	Maps  []ManifestMap  `json:"maps"`
	Progs []ManifestProg `json:"progs"`
	// Steps describes the loader's steps by number.
	Steps []string `json:"steps"`
}

// ManifestContext gives the offsets of the loader context.
type ManifestContext struct {
	// Size is the context's size (ctx_size_in of BPF_PROG_TEST_RUN).
	Size int `json:"size"`
	// MapDescs is the offset of the first struct bpf_map_desc (16 bytes
	// each), ProgDescs of the first struct bpf_prog_desc (4 bytes each),
	// Step of the u32 step word.
	MapDescs  int `json:"map_descs"`
	ProgDescs int `json:"prog_descs"`
	Step      int `json:"step"`
}

// ManifestMap describes one map.
type ManifestMap struct {
	Name         string `json:"name"`
	KernelName   string `json:"kernel_name"`
	Type         uint32 `json:"type"`
	KeySize      uint32 `json:"key_size"`
	ValueSize    uint32 `json:"value_size"`
	MaxEntries   uint32 `json:"max_entries"`
	Flags        uint32 `json:"flags"`
	ReadOnly     bool   `json:"read_only,omitempty"`
	InitialValue string `json:"initial_value,omitempty"` // hex
}

// ManifestProg describes one program.
type ManifestProg struct {
	Name               string `json:"name"`
	KernelName         string `json:"kernel_name"`
	Section            string `json:"section"`
	Type               uint32 `json:"type"`
	ExpectedAttachType uint32 `json:"expected_attach_type"`
	AttachTo           string `json:"attach_to,omitempty"`
	Autoload           bool   `json:"autoload"`
}

// NewManifest describes l; blob and insns name the binary files.
func NewManifest(l *Loader, blob, insns string) *Manifest {
	lay := rt.Layout{Maps: len(l.Maps), Progs: len(l.Progs)}
	m := &Manifest{
		Object: l.Object, Blob: blob, Insns: insns,
		BlobSize: len(l.Blob), InsnCount: len(l.InsnBytes()) / ir.InsnSize,
		BlobSHA256: hex.EncodeToString(l.BlobHash[:]), CheckHash: l.CheckHash,
		Context: ManifestContext{Size: lay.Size(), MapDescs: lay.MapDesc(0), ProgDescs: lay.ProgDesc(0), Step: lay.Step()},
		Maps:    []ManifestMap{},
		Progs:   []ManifestProg{},
		Steps:   l.Steps,
	}
	for _, d := range l.Maps {
		mm := ManifestMap{Name: d.Name, KernelName: d.KernelName, Type: d.Type, KeySize: d.KeySize, ValueSize: d.ValueSize,
			MaxEntries: d.MaxEntries, Flags: d.Flags, ReadOnly: d.ReadOnly}
		if d.InitialValue != nil {
			mm.InitialValue = hex.EncodeToString(d.InitialValue)
		}
		m.Maps = append(m.Maps, mm)
	}
	for _, p := range l.Progs {
		m.Progs = append(m.Progs, ManifestProg{Name: p.Name, KernelName: p.KernelName, Section: p.Section, Type: p.Type,
			ExpectedAttachType: p.ExpectedAttachType, AttachTo: p.AttachTo, Autoload: p.Autoload})
	}
	return m
}

// WriteRaw writes base+".blob", base+".insns" and the manifest
// base+".json" and returns their paths.
func WriteRaw(base string, l *Loader) ([]string, error) {
	if l == nil {
		return nil, fmt.Errorf("raw loader: %w", ErrInvalidObject)
	}
	blob, insns, manifest := base+".blob", base+".insns", base+".json"
	m := NewManifest(l, filepath.Base(blob), filepath.Base(insns))
	js, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("raw loader of %s: %w", l.Object, err)
	}
	for _, f := range []struct {
		path string
		data []byte
	}{{blob, l.Blob}, {insns, l.InsnBytes()}, {manifest, append(js, '\n')}} {
		if err := os.WriteFile(f.path, f.data, 0o644); err != nil {
			return nil, fmt.Errorf("raw loader of %s: %w", l.Object, err)
		}
	}
	return []string{blob, insns, manifest}, nil
}
