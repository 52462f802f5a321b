// This file defines the layout of the loader program's context: the
// light-skeleton ABI of libbpf's skel_internal.h (struct bpf_loader_ctx,
// then one struct bpf_map_desc per map, then one struct bpf_prog_desc per
// program), followed by bpfc's extensions: the number of the step the
// loader is executing, so that a failure can be attributed to its step,
// then per map a key_size and a value_size that replace the generated ones
// when not 0 (bpf_map_desc has only max_entries).

package rt

// Offsets inside struct bpf_loader_ctx.
const (
	// CtxHeaderSize is sizeof(struct bpf_loader_ctx).
	CtxHeaderSize = 24
	// CtxOffSize is the offset of bpf_loader_ctx.sz.
	CtxOffSize = 0
	// CtxOffFlags is the offset of bpf_loader_ctx.flags.
	CtxOffFlags = 4
	// CtxOffLogLevel is the offset of bpf_loader_ctx.log_level.
	CtxOffLogLevel = 8
	// CtxOffLogSize is the offset of bpf_loader_ctx.log_size.
	CtxOffLogSize = 12
	// CtxOffLogBuf is the offset of bpf_loader_ctx.log_buf (a u64 user
	// pointer).
	CtxOffLogBuf = 16

	// MapDescSize is sizeof(struct bpf_map_desc): int map_fd; u32
	// max_entries; aligned u64 initial_value.
	MapDescSize = 16
	// MapDescOffFD is the offset of bpf_map_desc.map_fd (output).
	MapDescOffFD = 0
	// MapDescOffMaxEntries is the offset of bpf_map_desc.max_entries
	// (input: non-zero overrides the generated value).
	MapDescOffMaxEntries = 4
	// MapDescOffInitialValue is the offset of bpf_map_desc.initial_value
	// (input: a user-space pointer to value_size bytes, or 0).
	MapDescOffInitialValue = 8

	// ProgDescSize is sizeof(struct bpf_prog_desc): int prog_fd.
	ProgDescSize = 4

	// MapSizesSize is the size of bpfc's per-map size overrides: u32
	// key_size at MapSizesOffKey, u32 value_size at MapSizesOffValue
	// (input: non-zero replaces the generated value).
	MapSizesSize     = 8
	MapSizesOffKey   = 0
	MapSizesOffValue = 4

	// StructOpsSlotSize is the size of bpfc's override of one function
	// pointer of a struct_ops map, as laid out for the kernel the loader
	// runs on: u32 member index + 1 at StructOpsSlotOffIndex, u32 byte
	// offset in the map value + 1 at StructOpsSlotOffOffset (input: 0
	// keeps the generated value).
	StructOpsSlotSize      = 8
	StructOpsSlotOffIndex  = 0
	StructOpsSlotOffOffset = 4
)

// Layout computes the context offsets for an object with a given number
// of maps and programs.
type Layout struct {
	// Maps and Progs are the numbers of map and program descriptors.
	Maps, Progs int
	// StructOps is the number of struct_ops function slots: the function
	// pointers set to programs of the struct_ops maps the loader creates,
	// in map then member order (Spec.StructOpsSlots).
	StructOps int
}

// MapDesc returns the offset of the i-th struct bpf_map_desc.
func (l Layout) MapDesc(i int) int { return CtxHeaderSize + MapDescSize*i }

// ProgDesc returns the offset of the j-th struct bpf_prog_desc.
func (l Layout) ProgDesc(j int) int { return l.MapDesc(l.Maps) + ProgDescSize*j }

// Step returns the offset of the u32 step word (bpfc extension) that the
// loader updates before each step.
func (l Layout) Step() int { return l.ProgDesc(l.Progs) }

// MapSizes returns the offset of the i-th map's key and value size
// overrides (bpfc extension), after the step word.
func (l Layout) MapSizes(i int) int { return l.Step() + 4 + MapSizesSize*i }

// StructOpsSlot returns the offset of the k-th struct_ops function slot's
// overrides (bpfc extension), after the map sizes.
func (l Layout) StructOpsSlot(k int) int { return l.MapSizes(l.Maps) + StructOpsSlotSize*k }

// Size returns the size of the whole context, rounded up to 8 bytes like
// the C struct (which holds u64 members).
func (l Layout) Size() int { return (l.StructOpsSlot(l.StructOps) + 7) &^ 7 }

// Names and license of the kernel objects Load creates for a loader: the
// blob map (an ARRAY map, key 4 bytes, one entry holding the whole blob)
// and the loader program (BPF_PROG_TYPE_SYSCALL, BPF_F_SLEEPABLE). Tools
// that run a raw loader (bpfc -emit=loader -lang=raw) create the same.
const (
	LoaderMapName     = loaderMapName
	LoaderProgName    = loaderProgName
	LoaderProgLicense = loaderProgLicense
)
