// This file tests the run-time's context layout and input checks.

package rt

import (
	"crypto/sha256"
	"errors"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/internal/testutil"
)

func TestLayout(t *testing.T) {
	// struct { struct bpf_loader_ctx ctx; struct bpf_map_desc maps[3];
	// struct bpf_prog_desc progs[2]; __u32 step; struct { __u32 key,
	// value; } sizes[3]; } as C lays it out.
	l := Layout{Maps: 3, Progs: 2}
	for _, c := range []struct {
		name      string
		got, want int
	}{
		{"maps[0]", l.MapDesc(0), 24},
		{"maps[2]", l.MapDesc(2), 56},
		{"progs[0]", l.ProgDesc(0), 72},
		{"progs[1]", l.ProgDesc(1), 76},
		{"step", l.Step(), 80},
		{"sizes[0]", l.MapSizes(0), 84},
		{"sizes[2]", l.MapSizes(2), 100},
		{"size", l.Size(), 112},
		{"empty size", Layout{}.Size(), 32},
	} {
		if c.got != c.want {
			t.Errorf("%s at %d, want %d", c.name, c.got, c.want)
		}
	}
}

// structOps is a spec with one program and a struct_ops map "ops" of a
// 24-byte value with members.
func structOps(members ...StructOpsMember) *Spec {
	return &Spec{Blob: make([]byte, 8), Insns: make([]byte, 16), Progs: []string{"p"}, Maps: []MapSpec{
		{Name: "ops", StructOps: &StructOpsSpec{Type: "t", Value: make([]byte, 24), Members: members}},
	}}
}

func TestCheck(t *testing.T) {
	good := &Spec{Blob: make([]byte, 8), Insns: make([]byte, 16), Maps: []MapSpec{{Name: ".data", ValueSize: 8, HasInitialValue: true}, {Name: "m"}}}
	unsized := &Spec{Blob: make([]byte, 8), Insns: make([]byte, 16), Maps: []MapSpec{
		{Name: ".data", ValueSize: 8, HasInitialValue: true},
		{Name: "m", NeedsMaxEntries: true, NeedsKeySize: true, NeedsValueSize: true},
	}}
	tests := []struct {
		name string
		spec *Spec
		opts *Options
		want string
	}{
		{"ok", good, &Options{InitialValues: [][]byte{make([]byte, 8)}}, ""},
		{"empty blob", &Spec{Insns: make([]byte, 8)}, &Options{}, "empty blob"},
		{"odd insns", &Spec{Blob: []byte{1}, Insns: make([]byte, 9)}, &Options{}, "multiple of 8"},
		{"short value", good, &Options{InitialValues: [][]byte{make([]byte, 4)}}, "initial value of 4 bytes"},
		{"no data map", good, &Options{InitialValues: [][]byte{nil, make([]byte, 8)}}, "no initial value"},
		{"too many", good, &Options{MaxEntries: []uint32{1, 2, 3}}, "for 2 maps"},
		{"too many sizes", good, &Options{ValueSizes: []uint32{1, 2, 3}}, "3 value sizes"},
		{"data key size", good, &Options{KeySizes: []uint32{8}}, "map .data: global data keeps the sizes of its section"},
		{"data value size", good, &Options{ValueSizes: []uint32{16}}, "map .data: global data keeps the sizes of its section"},
		{"sizes", good, &Options{KeySizes: []uint32{0, 8}, ValueSizes: []uint32{0, 16}, MaxEntries: []uint32{0, 4}}, ""},
		{"unset max_entries", unsized, &Options{}, "map m: max_entries is 0: set it before Load (Map.MaxEntries of a skeleton, Options.MaxEntries): map size not set"},
		{"unset key_size", unsized, &Options{MaxEntries: []uint32{0, 4}}, "map m: key_size is 0: set it before Load (Map.KeySize of a skeleton, Options.KeySizes)"},
		{"unset value_size", unsized, &Options{MaxEntries: []uint32{0, 4}, KeySizes: []uint32{0, 8}}, "map m: value_size is 0: set it before Load (Map.ValueSize of a skeleton, Options.ValueSizes)"},
		{"sized", unsized, &Options{MaxEntries: []uint32{0, 4}, KeySizes: []uint32{0, 8}, ValueSizes: []uint32{0, 8}}, ""},
		{"struct_ops", structOps(StructOpsMember{Name: "f", Offset: 8, Size: 8, Prog: 0}, StructOpsMember{Name: "d", Offset: 16, Size: 4, Prog: -1}), &Options{}, ""},
		{"struct_ops member past the value", structOps(StructOpsMember{Name: "d", Offset: 20, Size: 8, Prog: -1}), &Options{},
			"loader spec: struct_ops map ops: member d: 8 bytes at offset 20 of a 24-byte value"},
		{"struct_ops pointer not 8 bytes", structOps(StructOpsMember{Name: "f", Offset: 8, Size: 4, Prog: 0}), &Options{}, "member f: 4 bytes at offset 8"},
		{"struct_ops unknown program", structOps(StructOpsMember{Name: "f", Offset: 8, Size: 8, Prog: 1}), &Options{}, "member f: program 1 of 1"},
	}
	for _, tt := range tests {
		err := tt.spec.check(tt.opts)
		if strings.HasPrefix(tt.name, "unset") && !errors.Is(err, ErrSizeUnset) {
			t.Errorf("%s: %v, want ErrSizeUnset", tt.name, err)
		}
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestStepError(t *testing.T) {
	e := &StepError{Step: 3, Desc: "BPF_PROG_LOAD p", Errno: unix.EACCES, Log: "R0 !read_ok\n"}
	if got := e.Error(); got != "loader step failed: EACCES (step 3: BPF_PROG_LOAD p):\nR0 !read_ok" {
		t.Errorf("Error() = %q", got)
	}
	if !errors.Is(e, unix.EACCES) || !e.wantsLog() {
		t.Errorf("unwrap or wantsLog wrong")
	}
	// A log that ends at a poisoned CO-RE instruction (the verifier's
	// words, as a kernel relocating for the loader writes them).
	e = &StepError{Step: 1, Desc: "BPF_PROG_LOAD p", Errno: unix.EINVAL, Log: "prog '': relo #1: substituting insn #6 w/ invalid insn\n6: (85) call unknown#195896080\ninvalid func unknown#195896080\n"}
	if got, want := e.Error(), "loader step failed: EINVAL (step 1: BPF_PROG_LOAD p): the program reaches an instruction whose CO-RE relocation"; !strings.HasPrefix(got, want) {
		t.Errorf("Error() = %q, want it to start with %q", got, want)
	}
}

// TestLoaderProgRetryNoLeak: when loading the loader program fails once and
// the second load (with a log) succeeds, the error is returned and the
// second program is closed.
func TestLoaderProgRetryNoLeak(t *testing.T) {
	testutil.RequireKernel(t)
	defer testutil.CheckNoFDLeak(t)()
	var pins pinner
	defer pins.unpin()
	digest := sha256.Sum256(nil)
	mapFD, _, err := createBlobMap(8, digest[:], &pins)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(mapFD)

	failed := false
	sysBPF = func(cmd int, a *attr, size int) (int, error) {
		if cmd == cmdProgLoad && !failed {
			failed = true
			return -1, unix.ENOMEM
		}
		return bpfSyscall(cmd, a, size)
	}
	defer func() { sysBPF = bpfSyscall }()
	// r0 = 0; exit
	insns := []byte{0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0}
	fd, _, err := loadLoaderProg(insns, mapFD, signing{}, &pins)
	if !errors.Is(err, unix.ENOMEM) || fd != -1 {
		t.Errorf("loadLoaderProg: fd %d, %v; want -1 and ENOMEM", fd, err)
	}
	if !failed {
		t.Error("no BPF_PROG_LOAD made")
	}
}
