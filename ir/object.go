// Package ir is bpfc's intermediate representation of a BPF object: its
// programs and subprograms with their instructions, maps and global data,
// externs, the object's BTF, and every relocation the passes must apply.
//
// This file defines the object graph. A relocation record (Reloc,
// CORERelo, Extern) carries a State: Pending until its pass handles it,
// then Resolved (the value is known and patched into the instructions) or
// Deferred (the value will be found at load time, by the kernel or by a
// loader program).
package ir

import (
	"encoding/binary"
	"strconv"
	"strings"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/uapi"
)

// State is the state of a relocation record.
type State uint8

const (
	// Pending records have not been handled by their pass yet.
	Pending State = iota
	// Resolved records have a known value, patched into the instructions.
	Resolved
	// Deferred records are resolved at load time (kernel-side CO-RE,
	// kfunc/ksym lookup by a loader program, attach targets).
	Deferred
)

// String returns the state's name in the IR's text form.
func (s State) String() string {
	switch s {
	case Pending:
		return "pending"
	case Resolved:
		return "resolved"
	case Deferred:
		return "deferred"
	}
	return "state?"
}

// Object is a whole BPF object file lowered into the IR.
type Object struct {
	// Name is the object's base file name, e.g. "xdp_globals.o".
	Name string
	// License is the content of the "license" section.
	License string
	// KernVersion is the content of the "version" section (0 if absent).
	KernVersion uint32
	// ByteOrder is the byte order of the object (and of its BTF).
	ByteOrder binary.ByteOrder
	// BTF is the object's own BTF (nil if the object has none).
	BTF *btf.Spec
	// Programs are the entry points, in section then offset order.
	Programs []*Program
	// Subprogs are the non-entry functions (static and global
	// subprograms), in section then offset order.
	Subprogs []*Function
	// Maps are BTF-defined, legacy and global-data maps, in the order
	// they are created.
	Maps []*Map
	// Externs are the object's extern symbols.
	Externs []*Extern
	// DataSections are the ELF sections holding data variables (global
	// data, ".maps", "license", ...) as the ELF section headers and
	// symbol table describe them. clang leaves the DATASECs of these
	// sections unsized and their global VARs at offset 0; the datasec
	// pass completes them from here.
	DataSections []*DataSection
	// ModuleSlots are the kernel modules whose BTF is referenced by kfunc
	// calls, in fd_array order after the maps: the module ModuleSlots[i]
	// has fd_array index ModuleSlot(i) (index 0 means vmlinux in a kfunc
	// call, so module slots never use it).
	ModuleSlots []string
	// Inputs are the objects the merge pass links into this one, in
	// order (the files of `bpfc a.o b.o`); empty for an object read from
	// one file, and after the merge pass.
	Inputs []*Object
	// ExplainCORE, set by the core pass, says in words why the verifier
	// rejects the instruction of a CO-RE record that may poison it
	// (CORERelo.MayPoison): "CO-RE relocation field_byte_offset of struct
	// task_struct.foo: no candidate in target BTF". A backend calls it
	// only for the record of a rejected instruction, so a load that
	// succeeds never builds the words. nil before the core pass.
	ExplainCORE func(*CORERelo) string
}

// DataSection is an ELF data section as the symbol table describes it.
type DataSection struct {
	// Name is the section name (".data", ".rodata.cfg", ".maps").
	Name string
	// Size is the section size in bytes (sh_size, also for .bss).
	Size uint32
	// Align is the section's alignment (sh_addralign, at least 1): the
	// merge pass places each object's part of a section at a multiple of
	// it, as libbpf's linker does.
	Align uint32
	// Vars are the section's global and weak STT_OBJECT symbols, in
	// symbol table order.
	Vars []DataVar
}

// DataVar is a variable of a data section: a global or weak STT_OBJECT
// symbol.
type DataVar struct {
	Name string
	// Offset is the symbol's value: its byte offset in the section.
	Offset uint32
	// Size is the symbol's size in bytes.
	Size uint32
	// Hidden reports STV_HIDDEN or STV_INTERNAL visibility: libbpf then
	// treats the variable as static.
	Hidden bool
	// Weak reports a STB_WEAK symbol: another object's strong definition
	// of the same name replaces it when objects are linked.
	Weak bool
}

// ModuleSlot returns the fd_array index of the module BTF ModuleSlots[i]:
// slots follow the maps, and never use index 0.
func (o *Object) ModuleSlot(i int) int {
	first := len(o.Maps)
	if first == 0 {
		first = 1
	}
	return first + i
}

// DataSection returns the data section called name, or nil.
func (o *Object) DataSection(name string) *DataSection {
	for _, s := range o.DataSections {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Function is a named piece of code in a code section: a program's entry
// or a subprogram.
type Function struct {
	// Name is the function's symbol name.
	Name string
	// Section is the ELF section holding the function.
	Section string
	// SectionOffset is the function's first slot within its section.
	SectionOffset int
	// Global reports a STB_GLOBAL function (a "global" subprogram the
	// verifier checks separately).
	Global bool
	// Weak reports a STB_WEAK function: another object's strong
	// definition of the same name replaces it when objects are linked.
	Weak bool
	// Hidden reports a global (or weak) function of STV_HIDDEN or
	// STV_INTERNAL visibility (__hidden, as usdt.bpf.h's bpf_usdt_arg).
	// libbpf makes such a subprogram static in the BTF it loads, so that
	// the verifier checks it in its callers' context; the datasec pass
	// does the same. The merge pass links it like any global function;
	// it stays hidden in the linked object.
	Hidden bool
	// BTFType is the BTF FUNC type id of the function (0 if unknown).
	BTFType btf.TypeID
	Code
}

// Code is a sequence of instructions with everything that refers to its
// slots. All Insn fields of the records below are slot indices into Insns.
type Code struct {
	Insns    []Insn
	Relocs   []*Reloc
	CORE     []*CORERelo
	FuncInfo []FuncInfo
	LineInfo []LineInfo
}

// Program is an entry point: a function plus how the kernel must load it.
type Program struct {
	// Function is the program's entry function. Before the link pass its
	// Code holds only the entry function; after it, the entry function
	// followed by every subprogram it needs.
	Function
	// Type is the BPF_PROG_TYPE_* of the program.
	Type uapi.ProgType
	// ExpectedAttachType is the BPF_* attach type passed at load time.
	ExpectedAttachType uapi.AttachType
	// AttachTo is the attach target named by the section (e.g. the
	// tracepoint or kernel function name), empty if none.
	AttachTo string
	// AttachBTFKind is the BTF kind to look the attach target up by
	// (btf.KindFunc for fentry/lsm/iter, btf.KindTypedef for tp_btf's
	// "btf_trace_" typedefs); 0 if the target is not a BTF object.
	AttachBTFKind btf.Kind
	// AttachBTFName is the name the attach target is looked up by in
	// BTF: AttachTo with libbpf's prefix for the attach type
	// (AttachBTFPrefix); "" when AttachBTFKind is 0 or there is no
	// target.
	AttachBTFName string
	// Flags are the BPF_F_* program flags (sleepable, xdp frags, ...).
	Flags uapi.ProgFlags
	// Autoload is false for programs in a "?"-prefixed section or
	// disabled by the user.
	Autoload bool
	// AutoloadSet reports that the user set Autoload (passes.Disable):
	// passes that choose what loads (struct_ops) leave it as it is.
	AutoloadSet bool
	// Unsupported, when not empty, says why this program cannot be loaded
	// by bpfc (e.g. struct_ops); it is reported if the program is loaded.
	Unsupported string
	// Linked lists the subprograms appended by the link pass, in order.
	Linked []string
}

// RelocKind says what an instruction refers to.
type RelocKind uint8

const (
	// RelocMap is a ld_imm64 of a map's address (&map).
	RelocMap RelocKind = iota + 1
	// RelocMapValue is a ld_imm64 of an address inside a map's value:
	// global data, at Offset bytes.
	RelocMapValue
	// RelocCall is a bpf2bpf call to the function Symbol.
	RelocCall
	// RelocFunc is a ld_imm64 of a function's address (callbacks).
	RelocFunc
	// RelocExtern is a reference to the extern Symbol, not yet typed: the
	// externs pass turns it into RelocMapValue (.kconfig), RelocKsym or
	// RelocKfunc.
	RelocExtern
	// RelocKsym is a ld_imm64 of a kernel variable: its BTF id (typed) or
	// address (typeless).
	RelocKsym
	// RelocKfunc is a call to a kernel function by BTF id.
	RelocKfunc
	// RelocConst is a ld_imm64 of a constant extern (ExternConst): the
	// extern's value plus Offset (the addend the instruction carried).
	RelocConst
)

// String returns the kind's name in the IR's text form.
func (k RelocKind) String() string {
	switch k {
	case RelocMap:
		return "map"
	case RelocMapValue:
		return "map_value"
	case RelocCall:
		return "call"
	case RelocFunc:
		return "func"
	case RelocExtern:
		return "extern"
	case RelocKsym:
		return "ksym"
	case RelocKfunc:
		return "kfunc"
	case RelocConst:
		return "const"
	}
	return "reloc?"
}

// Reloc is one relocation record: instruction Insn refers to Symbol.
type Reloc struct {
	// Insn is the slot of the instruction to patch.
	Insn int
	// Kind says what the instruction refers to.
	Kind RelocKind
	// Symbol is the referenced map, function or extern name. For
	// references to global data it is the data map's name (".data").
	Symbol string
	// Offset is a byte offset into the target: into a map's value for
	// RelocMapValue; into the called function for RelocCall and
	// RelocFunc (normally 0). For RelocExtern and RelocConst it is the
	// addend the ld_imm64 carried (normally 0).
	Offset int64
	// State is the record's state.
	State State
	// MapIndex is the index into Object.Maps of the referenced map once
	// resolved (RelocMap, RelocMapValue); it is the fd_array index the
	// instruction carries.
	MapIndex int
	// Note describes how the record was resolved or deferred.
	Note string
}

// CORERelo is one CO-RE relocation record of .BTF.ext, attached to a slot.
type CORERelo struct {
	// Insn is the slot of the instruction to patch.
	Insn int
	// TypeID is the local BTF type id the access starts from.
	TypeID btf.TypeID
	// Access is the access string ("0:1:2").
	Access string
	// Kind is the relocation kind.
	Kind btf.COREKind
	// State is the record's state.
	State State
	// Poisoned is set when the relocation could not be satisfied and the
	// instruction was replaced by a poison call.
	Poisoned bool
	// Local and Target are the relocated values computed against the
	// local and target BTF when resolved.
	Local, Target uint64
	// Note describes the match ("struct task_struct.pid -> id 123") or
	// the reason for poisoning.
	Note string
}

// MayPoison reports whether a verifier rejection at r's instruction may be
// r's doing: the core pass poisoned it, or left it to the kernel, which
// poisons the same way when it cannot satisfy it. Object.ExplainCORE
// explains such a rejection.
func (r *CORERelo) MayPoison() bool {
	return r.Poisoned || r.State == Deferred
}

// FuncInfo is one func_info record: the function starting at slot Insn
// has BTF FUNC type TypeID.
type FuncInfo struct {
	Insn   int
	TypeID btf.TypeID
}

// LineInfo is one line_info record. The string offsets point into the
// object's BTF string table.
type LineInfo struct {
	Insn        int
	FileNameOff uint32
	LineOff     uint32
	LineNum     uint32
	Col         uint32
	// FileName and Line are the resolved strings, for dumps and errors.
	FileName string
	Line     string
}

// MapKind says where a map definition came from.
type MapKind uint8

const (
	// MapBTF is a BTF-defined map in ".maps".
	MapBTF MapKind = iota + 1
	// MapLegacy is a "struct bpf_map_def" in "maps".
	MapLegacy
	// MapData is global data: .data, .rodata, .bss and their .* variants.
	MapData
	// MapKconfig is the map backing .kconfig externs.
	MapKconfig
	// MapStructOps is a struct_ops map: a variable of ".struct_ops" or
	// ".struct_ops.link" (Map.StructOps).
	MapStructOps
)

// IsGlobalData reports a map that holds global data: a data section
// (MapData) or the .kconfig externs (MapKconfig). Such a map has one
// 4-byte key and the section as its value, gets its initial value written
// at load time, and is named after its section in the kernel.
func (k MapKind) IsGlobalData() bool { return k == MapData || k == MapKconfig }

// String returns the kind's name in the IR's text form.
func (k MapKind) String() string {
	switch k {
	case MapBTF:
		return "btf"
	case MapLegacy:
		return "legacy"
	case MapData:
		return "data"
	case MapKconfig:
		return "kconfig"
	case MapStructOps:
		return "struct_ops"
	}
	return "kind?"
}

// Map is a map definition with its initial contents.
type Map struct {
	// Name is the map's symbol name, or the section name for global data
	// (".data", ".rodata.cfg", ".kconfig").
	Name string
	// Kind says where the definition came from.
	Kind MapKind
	// Section is the ELF section of the definition.
	Section string
	// Offset is the definition's byte offset in Section (.maps, maps),
	// for the ELF writer; 0 for global data.
	Offset uint32
	// Definition, as for BPF_MAP_CREATE.
	Type       uapi.MapType
	KeySize    uint32
	ValueSize  uint32
	MaxEntries uint32
	Flags      uapi.MapFlags
	NumaNode   uint32
	MapExtra   uint64
	// Pinning is LIBBPF_PIN_* (0 none, 1 by name).
	Pinning uint32
	// KeyType and ValueType are BTF type ids in the object's BTF, 0 when
	// the map has none. For global data, ValueType is the DATASEC.
	KeyType, ValueType btf.TypeID
	// Inner is the inner map template of a map-in-map.
	Inner *Map
	// Slots are initial entries of prog arrays and maps of maps, from
	// `.values = { [i] = &x }`.
	Slots []MapSlot
	// Data is the initial value of a global data map (nil for .bss and
	// .kconfig before the externs pass: all zeroes).
	Data []byte
	// ReadOnly maps are frozen after their contents are written
	// (.rodata, .kconfig).
	ReadOnly bool
	// NoAutocreate maps are not created: a struct_ops map of a
	// "?"-prefixed section (libbpf's autocreate false), unless the user
	// turns it on (passes.SetAutocreate). The programs only such maps
	// use are not loaded either.
	NoAutocreate bool
	// StructOps describes a struct_ops map (Kind MapStructOps), nil for
	// other maps. Its Data is the struct's initial value in the object's
	// layout until the structops pass, the kernel value after.
	StructOps *StructOps
}

// MapSlot is one initial entry of a prog array or map of maps.
type MapSlot struct {
	// Index is the key.
	Index uint32
	// Target is the program or map name stored at Index.
	Target string
}

// ExternKind says what an extern symbol refers to.
type ExternKind uint8

const (
	// ExternKconfig is a .kconfig variable (or LINUX_* value).
	ExternKconfig ExternKind = iota + 1
	// ExternKsym is a kernel variable in .ksyms (typed or typeless).
	ExternKsym
	// ExternKfunc is a kernel function in .ksyms (or any called extern
	// function that no linked object defines).
	ExternKfunc
	// ExternConst is a symbol that only inline assembly refers to
	// ("r0 = MY_CONST ll"): no BTF describes it and nothing calls it. As
	// cilium/ebpf does, bpfc takes it for a 64-bit constant the user sets
	// (Const), 0 unless set.
	ExternConst
	// ExternVar is a variable defined in another object (an extern VAR
	// outside .kconfig and .ksyms): the merge pass resolves it.
	ExternVar
	// ExternMap is a map defined in another object, declared extern in
	// .maps with its definition (Extern.Map): the merge pass resolves it.
	ExternMap
)

// String returns the kind's name in the IR's text form.
func (k ExternKind) String() string {
	switch k {
	case ExternKconfig:
		return "kconfig"
	case ExternKsym:
		return "ksym"
	case ExternKfunc:
		return "kfunc"
	case ExternConst:
		return "const"
	case ExternVar:
		return "var"
	case ExternMap:
		return "map"
	}
	return "extern?"
}

// Extern is an extern symbol of the object.
type Extern struct {
	Name string
	Kind ExternKind
	// Weak externs may stay unresolved (they then read as zero).
	Weak bool
	// Section is the datasec the extern lives in (".kconfig", ".ksyms");
	// "" for a called function declared without __ksym.
	Section string
	// TypeID is the extern's VAR or FUNC type id in the object's BTF.
	TypeID btf.TypeID
	// Typed reports a ksym whose BTF type is known (not "void").
	Typed bool
	// Hidden reports STV_HIDDEN visibility of the extern symbol: the
	// definition it resolves to becomes hidden when objects are linked.
	Hidden bool
	// Map is the declared definition of an ExternMap, which must agree
	// with the definition it resolves to.
	Map *Map
	// LocalType is what the extern was declared with in the object's
	// BTF: the VAR's type with modifiers and typedefs skipped for a ksym
	// (libbpf's ksym.type_id), the FUNC_PROTO for a kfunc. The datasec
	// pass records it before it rewrites the .ksyms VARs to int for the
	// kernel, so that later passes need not read TypeID's type.
	LocalType btf.TypeID
	// Offset and Size place a .kconfig extern within the .kconfig map.
	Offset, Size uint32
	// State is the record's state.
	State State
	// Missing is set when a weak extern was not found.
	Missing bool
	// Value is the resolved .kconfig value (Size bytes), or the resolved
	// ksym address for typeless ksyms.
	Value []byte
	// Addr is the address of a typeless ksym.
	Addr uint64
	// Const is the value of an ExternConst (0 unless set), and ConstSet
	// reports that the user set it.
	Const    uint64
	ConstSet bool
	// BTFID is the resolved BTF id of a typed ksym or kfunc, and
	// BTFModule the kernel module whose BTF holds it ("" for vmlinux).
	BTFID     uint32
	BTFModule string
	// ProtoUnchecked reports a kfunc resolved by name without comparing
	// its declared prototype with the kernel's (the running kernel found
	// it, and its verifier checks every call): a backend whose load is
	// refused compares them then, to name a wrong declaration.
	ProtoUnchecked bool
	// Note describes the resolution.
	Note string
}

// Units returns every piece of code of the object: programs first, then
// subprograms, so that passes can visit each once.
func (o *Object) Units() []*Function {
	fs := make([]*Function, 0, len(o.Programs)+len(o.Subprogs))
	for _, p := range o.Programs {
		fs = append(fs, &p.Function)
	}
	return append(fs, o.Subprogs...)
}

// Program returns the program called name, or nil.
func (o *Object) Program(name string) *Program {
	for _, p := range o.Programs {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// Subprog returns the subprogram called name, or nil.
func (o *Object) Subprog(name string) *Function {
	for _, f := range o.Subprogs {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// Map returns the map called name and its index, or nil and -1.
func (o *Object) Map(name string) (*Map, int) {
	for i, m := range o.Maps {
		if m.Name == name {
			return m, i
		}
	}
	return nil, -1
}

// Extern returns the extern called name, or nil.
func (o *Object) Extern(name string) *Extern {
	for _, e := range o.Externs {
		if e.Name == name {
			return e
		}
	}
	return nil
}

// IsLegacyMapsSection reports whether a data section of that name holds
// legacy struct bpf_map_def maps: "maps", or "maps" followed by anything
// ("maps/xdp"), as the frontend reads them.
func IsLegacyMapsSection(name string) bool { return strings.HasPrefix(name, "maps") }

// UniqueName returns name+".N" for the smallest N >= 1 that taken does not
// report: the name a static function gets when another function of the
// same name was there first (C names have no '.').
func UniqueName(name string, taken func(string) bool) string {
	for n := 1; ; n++ {
		if c := name + "." + strconv.Itoa(n); !taken(c) {
			return c
		}
	}
}

// AttachBTFPrefix is libbpf's prefix of the BTF name of an attach target
// by the program's expected attach type: a tp_btf program's tracepoint
// is the typedef "btf_trace_" + name, an iterator the function
// "bpf_iter_" + name, an LSM hook the function "bpf_lsm_" + name; the
// others (fentry, fexit, fmod_ret) name the function itself.
func AttachBTFPrefix(at uapi.AttachType) string {
	switch at {
	case uapi.AttachTraceRawTp:
		return "btf_trace_"
	case uapi.AttachTraceIter:
		return "bpf_iter_"
	case uapi.AttachLSMMac, uapi.AttachLSMCgroup:
		return "bpf_lsm_"
	}
	return ""
}
