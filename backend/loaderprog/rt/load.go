// Package rt is the run-time of bpfc's loader programs (light skeletons):
// it puts a loader's data blob into a frozen ARRAY map, loads the loader
// program (a sleepable BPF_PROG_TYPE_SYSCALL program) with that map in its
// fd_array, runs it once with BPF_PROG_TEST_RUN and returns the map and
// program descriptors the loader created. Generated skeletons import it,
// so it uses only the standard library, golang.org/x/sys/unix and, to
// attach programs, bpfc's attach package (itself built on the same two and
// bpfc's bpf(2) layer, internal/sys): no ELF object parser, no BTF.
//
// This file holds Load and its types.
package rt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/bpfc/bpfc/internal/sha256"
	"github.com/bpfc/bpfc/uapi"

	"golang.org/x/sys/unix"
)

// ErrBlobHash is wrapped by Load's error when the kernel's hash of the
// frozen blob map differs from the hash of the blob the run-time wrote
// into it.
var ErrBlobHash = errors.New("blob map hash mismatch")

// ErrBlobIntegrity is wrapped by the error of a loader whose own check
// found that its blob is not the one whose hash it carries: the blob was
// altered (or belongs to another loader).
var ErrBlobIntegrity = errors.New("loader refused its blob: the blob's SHA-256 differs from the one in the loader's instructions")

// ErrSignatureUnsupported is wrapped when the kernel cannot verify a
// signed BPF_PROG_LOAD: before Linux 6.18 (E2BIG) or built without
// CONFIG_SYSTEM_DATA_VERIFICATION (EOPNOTSUPP). Load returns it only with
// Options.RequireSignature; otherwise it loads the loader unsigned.
var ErrSignatureUnsupported = errors.New("kernel cannot verify signed BPF programs")

// ErrSignatureRejected is wrapped when the kernel checked the loader's
// signature and refused it; the errno (EKEYREJECTED, ENOKEY, EBADMSG, ...)
// is wrapped too.
var ErrSignatureRejected = errors.New("kernel refused the loader's signature")

// ErrSealed is wrapped by Load's error for a max_entries, key or value
// size or initial value given for a map of a sealed loader, which creates
// its maps as signed.
var ErrSealed = errors.New("the loader is sealed: its maps are created as signed")

// ErrUnsigned is wrapped by Load's error for a loader without a signature
// when Options.RequireSignature is set (and by sign.VerifyLoader's).
var ErrUnsigned = errors.New("loader is not signed")

// ErrSizeUnset is wrapped by Load's error for a map whose max_entries,
// key_size or value_size the object left 0, where the kernel refuses 0,
// and Options did not set.
var ErrSizeUnset = errors.New("map size not set")

// Spec is a generated loader: everything Load needs.
type Spec struct {
	// Blob is the loader's data: bpf_attr records, BTF, map values,
	// program instructions.
	Blob []byte
	// Insns are the loader program's instructions, encoded in the
	// machine's byte order.
	Insns []byte
	// Maps describes the map descriptors of the context, in order.
	Maps []MapSpec
	// Progs names the program descriptors of the context, in order.
	Progs []string
	// Steps describes the loader's steps by number, for error messages.
	Steps []string
	// CheckHash is set when the loader verifies the blob map's hash:
	// Load must then make the kernel compute it before the run.
	CheckHash bool
	// Sealed is set for a loader that ignores the context's max_entries
	// (but for EntriesPerCPU maps) and initial values: Load refuses them.
	Sealed bool
	// Signature is a detached PKCS#7 signature of Insns, passed to the
	// kernel with the loader's BPF_PROG_LOAD (Linux 6.18+), nil for an
	// unsigned loader. It covers the instructions only; they carry the
	// blob's hash (CheckHash), which covers the blob.
	Signature []byte
	// IntegrityCheck is the loader's blob check, instructions [from, to)
	// of Insns, which Load leaves out on kernels that cannot hash maps
	// (before 6.18) unless Options.RequireIntegrity.
	IntegrityCheck [2]int
	// FDs locates the fds the loader keeps in its blob, nil for a loader
	// that keeps none (Load then cannot close what a run created when
	// the kernel fails to copy the context back: see FDRecord).
	FDs *FDRecord
}

// MapSpec describes one map descriptor of the context.
type MapSpec struct {
	// Name is the map's name in the object.
	Name string
	// ValueSize is the size of the map's value: the number of bytes the
	// loader copies from an initial value given in Options.
	ValueSize uint32
	// HasInitialValue reports whether the loader writes an initial value
	// into the map (global data), so Options.InitialValues applies.
	HasInitialValue bool
	// EntriesPerCPU marks a map sized by the number of possible CPUs (a
	// perf event array declared without max_entries): unless overridden,
	// Load sizes it for the machine it runs on.
	EntriesPerCPU bool
	// NeedsMaxEntries, NeedsKeySize and NeedsValueSize mark sizes the
	// object left 0 (for user space to set, as bcc's tools do) where the
	// kernel refuses 0: Load fails unless Options sets them.
	NeedsMaxEntries, NeedsKeySize, NeedsValueSize bool
	// StructOps describes a struct_ops map the loader creates, nil for
	// other maps.
	StructOps *StructOpsSpec
}

// Layout returns the context layout of s.
func (s *Spec) Layout() Layout {
	return Layout{Maps: len(s.Maps), Progs: len(s.Progs), StructOps: len(s.StructOpsSlots())}
}

// ProgHash returns the SHA-256 digest of the loader program as the kernel
// computes it for excl_prog_hash: over the instructions as they are (the
// loader refers to its blob by fd_array index only).
func (s *Spec) ProgHash() [32]byte { return sha256.Sum256(s.Insns) }

// Options are the run-time inputs of one Load.
type Options struct {
	// MaxEntries overrides max_entries of map i when MaxEntries[i] != 0.
	MaxEntries []uint32
	// KeySizes and ValueSizes override key_size and value_size of map i
	// when not 0 (not for global data). A map whose BTF key or value type
	// no longer fits is created without BTF types, as libbpf does.
	KeySizes, ValueSizes []uint32
	// InitialValues replaces the initial value of global-data map i when
	// InitialValues[i] is not nil; it must hold at least ValueSize bytes.
	InitialValues [][]byte
	// LogLevel and LogSize ask for the BTF and verifier logs of every
	// load the loader makes (LogSize defaults to 8 MiB). Without a log
	// level, a failing load is run again with one to fetch the log.
	LogLevel uint32
	LogSize  int
	// NoLogRetry disables that second run.
	NoLogRetry bool
	// KeyringID names the keyring in which the kernel looks up the key
	// of a signed loader's signer: the serial of a keyring (add_key(2),
	// keyctl(1)), a special keyring (KEY_SPEC_SESSION_KEYRING = -3,
	// KEY_SPEC_USER_KEYRING = -4, ...), or a system keyring: 0 (the
	// builtin trusted keys, the zero value), 1 (secondary), 2 (platform).
	KeyringID int32
	// RequireSignature makes Load fail unless the kernel verified the
	// loader's signature: with ErrUnsigned for a loader without one,
	// with ErrSignatureUnsupported on a kernel that cannot verify. Without
	// it a signed loader is loaded unsigned on such kernels
	// (Result.Signed tells).
	RequireSignature bool
	// RequireIntegrity makes Load fail (ErrIntegrityUnsupported) rather
	// than run a loader without its blob check on a kernel that cannot
	// hash maps (before Linux 6.18). A sealed loader always requires it.
	RequireIntegrity bool
}

// Result holds the descriptors the loader created.
type Result struct {
	// MapFDs has one descriptor per map of Spec.Maps.
	MapFDs []int
	// ProgFDs has one descriptor per program of Spec.Progs; -1 for a
	// program the loader did not load (not autoloaded).
	ProgFDs []int
	// ExclusiveBlob reports whether the blob map was created exclusive to
	// the loader program (excl_prog_hash).
	ExclusiveBlob bool
	// Signed reports whether the kernel verified the loader's signature.
	Signed bool
	// IntegrityVerified reports whether the loader checked that its blob
	// is the one it was generated with, against the kernel's hash of the
	// frozen blob map (Linux 6.18+, a loader with CheckHash). False means
	// the blob's integrity was not verified.
	IntegrityVerified bool
	// StructOpsValues has, for each struct_ops map of Spec.Maps, the
	// value that registers it (its data members and the fds of its
	// programs, laid out for the running kernel): what AttachStructOps
	// writes for a .struct_ops map. Nil for other maps.
	StructOpsValues [][]byte
}

// Close closes every descriptor of r.
func (r *Result) Close() error {
	var first error
	for _, fds := range [][]int{r.ProgFDs, r.MapFDs} {
		for i, fd := range fds {
			if fd > 0 {
				if err := unix.Close(fd); err != nil && first == nil {
					first = err
				}
				fds[i] = -1
			}
		}
	}
	return first
}

// StepError is a failure reported by the loader program itself: its step
// Step (described by Desc) returned Errno.
type StepError struct {
	Step  int
	Desc  string
	Errno unix.Errno
	// Log is the BTF or verifier log of the failing load, if one was
	// fetched.
	Log string
	// Integrity is set when the failure is the loader's own blob check
	// (Step -1 of a loader with CheckHash): errors.Is(e,
	// ErrBlobIntegrity) holds then.
	Integrity bool
}

// Is reports whether target is ErrBlobIntegrity for a failed blob check.
func (e *StepError) Is(target error) bool { return target == ErrBlobIntegrity && e.Integrity }

// Error says which step failed (its description) with which errno, or
// that the loader refused its blob, and shows the log when there is one.
func (e *StepError) Error() string {
	var b strings.Builder
	if e.Step == -1 && e.Integrity {
		fmt.Fprintf(&b, "%s (%s before step 0)", ErrBlobIntegrity, errnoName(e.Errno))
		return b.String()
	}
	fmt.Fprintf(&b, "loader step failed: %s", errnoName(e.Errno))
	if e.Desc != "" {
		fmt.Fprintf(&b, " (step %d: %s)", e.Step, e.Desc)
	} else {
		fmt.Fprintf(&b, " (step %d)", e.Step)
	}
	// The kernel relocating a loader's programs poisons as libbpf does.
	if strings.Contains(e.Log, "invalid func "+uapi.PoisonCOREFunc) {
		b.WriteString(": the program reaches an instruction whose CO-RE relocation the running kernel's types do not satisfy (poisoned; the log's \"relo #\" lines name it)")
	}
	if log := strings.TrimSpace(e.Log); log != "" {
		b.WriteString(":\n")
		b.WriteString(log)
	}
	return b.String()
}

// Unwrap returns the errno.
func (e *StepError) Unwrap() error { return e.Errno }

// errnoName returns "ENOENT" for unix.ENOENT.
func errnoName(e unix.Errno) string {
	if n := unix.ErrnoName(e); n != "" {
		return n
	}
	return fmt.Sprintf("errno %d", int(e))
}

// runAttempts is how often the loader is run while a step fails with
// EAGAIN.
const runAttempts = 5

// Load runs the loader described by spec once and returns the descriptors
// it created. On any failure nothing stays open.
func Load(spec *Spec, opts *Options) (*Result, error) {
	if opts == nil {
		opts = &Options{}
	}
	if err := spec.check(opts); err != nil {
		return nil, err
	}
	// Struct_ops maps laid out for this kernel, before anything is
	// created.
	layouts, err := spec.structOpsLayouts()
	if err != nil {
		return nil, err
	}
	if opts.RequireSignature && len(spec.Signature) == 0 {
		return nil, fmt.Errorf("%w (Options.RequireSignature)", ErrUnsigned)
	}
	var pins pinner
	defer pins.unpin()

	digest := spec.ProgHash()
	mapFD, excl, err := createBlobMap(len(spec.Blob), digest[:], &pins)
	if err != nil {
		return nil, tooOld(err)
	}
	defer unix.Close(mapFD)
	if err := fillBlobMap(mapFD, spec.Blob, &pins); err != nil {
		return nil, err
	}
	insns, sig, verified := spec.Insns, spec.Signature, false
	if spec.CheckHash {
		h, err := mapHash(mapFD, &pins)
		switch {
		case err == nil:
			if want := sha256.Sum256(spec.Blob); !bytes.Equal(h[:], want[:]) {
				return nil, fmt.Errorf("%s: kernel %x, blob %x: %w", loaderMapName, h, want, ErrBlobHash)
			}
			verified = true
		case noMapHash(err) && len(spec.Signature) > 0 && opts.RequireSignature:
			return nil, fmt.Errorf("%w: no map hash, so the kernel predates Linux 6.18 and its signed BPF_PROG_LOAD (%w)", ErrSignatureUnsupported, err)
		case noMapHash(err) && (opts.RequireIntegrity || spec.Sealed):
			// A sealed loader (what gets signed) always checks its blob.
			if err := tooOld(err); !haveSyscallPrograms() {
				return nil, err // the more fundamental refusal
			}
			return nil, fmt.Errorf("%w (this kernel: %s): %w", ErrIntegrityUnsupported, kernelRelease(), err)
		case noMapHash(err):
			// No map hash before 6.18: the loader's check would read
			// something else than a hash; run it without (and so
			// unsigned: the signature covers the check).
			if insns, err = spec.uncheckedInsns(); err != nil {
				return nil, err
			}
			sig = nil
		default:
			return nil, err
		}
	}
	progFD, signed, err := loadLoaderProg(insns, mapFD, signing{sig, opts.KeyringID, opts.RequireSignature}, &pins)
	if err != nil {
		return nil, tooOld(err)
	}
	defer unix.Close(progFD)

	ins := ctxInputs{opts: opts, layouts: layouts}
	lay := spec.Layout()
	logLevel, logSize := opts.LogLevel, opts.LogSize
	if logSize <= 0 {
		logSize = 8 << 20
	}
	var logBuf []byte
	if logLevel > 0 {
		logBuf = make([]byte, logSize)
	}
	ctx, err := spec.newCtx(ins, logLevel, logBuf, &pins)
	if err != nil {
		return nil, err
	}
	ret, err := testRun(progFD, ctx, &pins)
	// A load inside the loader answers EAGAIN when a signal is pending
	// for this thread (the verifier gives up, e.g. on the Go runtime's
	// preemption signals); the loader has closed everything it created,
	// so run it again, as PROG_LOAD is retried elsewhere.
	for try := 1; err == nil && ret == -int32(unix.EAGAIN) && try < runAttempts; try++ {
		if ctx, err = spec.newCtx(ins, logLevel, logBuf, &pins); err != nil {
			return nil, err
		}
		ret, err = testRun(progFD, ctx, &pins)
	}
	if err != nil {
		return nil, fmt.Errorf("run loader program: %w", spec.closeRecorded(mapFD, err, &pins))
	}
	if ret < 0 {
		serr := spec.stepError(ctx, lay, ret, logBuf)
		if logLevel == 0 && !opts.NoLogRetry && serr.wantsLog() {
			// Run once more with a log: the loader closed everything it
			// created and starts from a clean blob, so a second run
			// repeats the same steps.
			logBuf = make([]byte, logSize)
			ctx2, _ := spec.newCtx(ins, 1, logBuf, &pins)
			if ret2, err := testRun(progFD, ctx2, &pins); err == nil && ret2 < 0 {
				serr.Log = cString(logBuf)
			} else if err == nil && ret2 >= 0 {
				// Cannot happen for a deterministic failure; do not leak.
				spec.result(ctx2, lay).Close()
			} else if err != nil {
				_ = spec.closeRecorded(mapFD, err, &pins)
			}
		}
		return nil, serr
	}
	res := spec.result(ctx, lay)
	res.ExclusiveBlob = excl
	res.Signed = signed
	res.IntegrityVerified = verified
	if err := spec.structOpsValues(res, ins); err != nil {
		res.Close()
		return nil, err
	}
	return res, nil
}

// check validates spec and opts.
func (spec *Spec) check(opts *Options) error {
	if len(spec.Blob) == 0 {
		return errors.New("loader spec: empty blob")
	}
	if len(spec.Insns) == 0 || len(spec.Insns)%8 != 0 {
		return fmt.Errorf("loader spec: %d instruction bytes is not a positive multiple of 8", len(spec.Insns))
	}
	if size := spec.Layout().Size(); size > 65535 {
		return fmt.Errorf("loader spec: context of %d bytes exceeds the kernel's 65535", size)
	}
	if len(opts.MaxEntries) > len(spec.Maps) || len(opts.InitialValues) > len(spec.Maps) ||
		len(opts.KeySizes) > len(spec.Maps) || len(opts.ValueSizes) > len(spec.Maps) {
		return fmt.Errorf("loader options: %d max_entries, %d key sizes, %d value sizes and %d initial values for %d maps",
			len(opts.MaxEntries), len(opts.KeySizes), len(opts.ValueSizes), len(opts.InitialValues), len(spec.Maps))
	}
	for i, m := range spec.Maps {
		key, value := at(opts.KeySizes, i), at(opts.ValueSizes, i)
		switch {
		case spec.Sealed && (key != 0 || value != 0):
			return fmt.Errorf("map %s: key and value sizes: %w", m.Name, ErrSealed)
		case m.HasInitialValue && (key != 0 || value != 0):
			return fmt.Errorf("map %s: global data keeps the sizes of its section; key and value sizes cannot be set", m.Name)
		case m.NeedsMaxEntries && at(opts.MaxEntries, i) == 0:
			return fmt.Errorf("map %s: max_entries is 0: set it before Load (Map.MaxEntries of a skeleton, Options.MaxEntries): %w", m.Name, ErrSizeUnset)
		case m.NeedsKeySize && key == 0:
			return fmt.Errorf("map %s: key_size is 0: set it before Load (Map.KeySize of a skeleton, Options.KeySizes): %w", m.Name, ErrSizeUnset)
		case m.NeedsValueSize && value == 0:
			return fmt.Errorf("map %s: value_size is 0: set it before Load (Map.ValueSize of a skeleton, Options.ValueSizes): %w", m.Name, ErrSizeUnset)
		}
	}
	for _, m := range spec.Maps {
		if err := m.StructOps.check(len(spec.Progs)); err != nil {
			return fmt.Errorf("loader spec: struct_ops map %s: %w", m.Name, err)
		}
	}
	for i, n := range opts.MaxEntries {
		if n != 0 && spec.Sealed && !spec.Maps[i].EntriesPerCPU {
			return fmt.Errorf("map %s: max_entries %d: %w", spec.Maps[i].Name, n, ErrSealed)
		}
	}
	for i, v := range opts.InitialValues {
		if v == nil {
			continue
		}
		m := spec.Maps[i]
		if spec.Sealed {
			return fmt.Errorf("map %s: initial value: %w", m.Name, ErrSealed)
		}
		if !m.HasInitialValue {
			return fmt.Errorf("map %s: has no initial value to replace", m.Name)
		}
		if uint64(len(v)) < uint64(m.ValueSize) {
			return fmt.Errorf("map %s: initial value of %d bytes, value size %d", m.Name, len(v), m.ValueSize)
		}
	}
	return nil
}

// at returns s[i], 0 past the end of s.
func at(s []uint32, i int) uint32 {
	if i < len(s) {
		return s[i]
	}
	return 0
}

// newCtx builds the loader context.
func (spec *Spec) newCtx(in ctxInputs, logLevel uint32, logBuf []byte, pins *pinner) ([]byte, error) {
	opts := in.opts
	lay := spec.Layout()
	ctx := make([]byte, lay.Size())
	binary.NativeEndian.PutUint32(ctx[CtxOffSize:], uint32(len(ctx)))
	if logLevel > 0 && len(logBuf) > 0 {
		pins.pin(logBuf)
		binary.NativeEndian.PutUint32(ctx[CtxOffLogLevel:], logLevel)
		binary.NativeEndian.PutUint32(ctx[CtxOffLogSize:], uint32(len(logBuf)))
		binary.NativeEndian.PutUint64(ctx[CtxOffLogBuf:], addr(logBuf))
	}
	for i, m := range spec.Maps {
		var n uint32
		if i < len(opts.MaxEntries) {
			n = opts.MaxEntries[i]
		}
		if n == 0 && m.EntriesPerCPU {
			n = possibleCPUs()
		}
		binary.NativeEndian.PutUint32(ctx[lay.MapDesc(i)+MapDescOffMaxEntries:], n)
		binary.NativeEndian.PutUint32(ctx[lay.MapSizes(i)+MapSizesOffKey:], at(opts.KeySizes, i))
		binary.NativeEndian.PutUint32(ctx[lay.MapSizes(i)+MapSizesOffValue:], at(opts.ValueSizes, i))
	}
	for i := range spec.Maps {
		v, err := in.initialValue(spec, i)
		if err != nil {
			return nil, err
		}
		if v != nil {
			pins.pin(v)
			binary.NativeEndian.PutUint64(ctx[lay.MapDesc(i)+MapDescOffInitialValue:], addr(v))
		}
	}
	for k, slot := range spec.StructOpsSlots() {
		l := in.layouts[slot.Map]
		if l == nil {
			continue // the generated layout
		}
		off := lay.StructOpsSlot(k)
		binary.NativeEndian.PutUint32(ctx[off+StructOpsSlotOffIndex:], uint32(l.Indices[slot.Member])+1)
		binary.NativeEndian.PutUint32(ctx[off+StructOpsSlotOffOffset:], l.Offsets[slot.Member]+1)
	}
	binary.NativeEndian.PutUint32(ctx[lay.Step():], ^uint32(0))
	return pins.pin(ctx), nil
}

// stepError decodes a failed run.
func (spec *Spec) stepError(ctx []byte, lay Layout, ret int32, logBuf []byte) *StepError {
	step := int(int32(binary.NativeEndian.Uint32(ctx[lay.Step():])))
	e := &StepError{Step: step, Errno: unix.Errno(-ret), Integrity: step == -1 && spec.CheckHash}
	if step >= 0 && step < len(spec.Steps) {
		e.Desc = spec.Steps[step]
	}
	if logBuf != nil {
		e.Log = cString(logBuf)
	}
	return e
}

// wantsLog reports whether the failing step is a load with a log.
func (e *StepError) wantsLog() bool {
	return strings.HasPrefix(e.Desc, "BPF_PROG_LOAD") || strings.HasPrefix(e.Desc, "BPF_BTF_LOAD")
}

// result reads the descriptors out of a successful run's context.
func (spec *Spec) result(ctx []byte, lay Layout) *Result {
	res := &Result{MapFDs: make([]int, len(spec.Maps)), ProgFDs: make([]int, len(spec.Progs))}
	for i := range res.MapFDs {
		res.MapFDs[i] = fdOrNone(binary.NativeEndian.Uint32(ctx[lay.MapDesc(i)+MapDescOffFD:]))
	}
	for j := range res.ProgFDs {
		res.ProgFDs[j] = fdOrNone(binary.NativeEndian.Uint32(ctx[lay.ProgDesc(j):]))
	}
	return res
}

func fdOrNone(v uint32) int {
	if v == 0 || int32(v) < 0 {
		return -1
	}
	return int(v)
}

// cString returns buf up to its first NUL.
func cString(buf []byte) string {
	if i := bytes.IndexByte(buf, 0); i >= 0 {
		buf = buf[:i]
	}
	return string(buf)
}

// createBlobMap creates the ARRAY map holding the blob, exclusive to the
// program with the given digest when the kernel supports it.
func createBlobMap(size int, digest []byte, pins *pinner) (fd int, exclusive bool, err error) {
	var a attr
	a.u32(offMapType, mapTypeArray)
	a.u32(offMapKeySize, 4)
	a.u32(offMapValueSize, uint32(size))
	a.u32(offMapMaxEntries, 1)
	a.name(offMapName, loaderMapName)
	a.ptr(offMapExclHash, pins.pin(digest))
	a.u32(offMapExclHashSize, hashSize)
	r, err := sysBPF(cmdMapCreate, &a, sizeMapCreate)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.E2BIG) {
		// Kernel without exclusive maps (< 6.18).
		a.u64(offMapExclHash, 0)
		a.u32(offMapExclHashSize, 0)
		r, err = sysBPF(cmdMapCreate, &a, sizeMapCreateNoExcl)
	} else if err == nil {
		exclusive = true
	}
	if err != nil {
		return -1, false, fmt.Errorf("create %s (%d bytes): BPF_MAP_CREATE: %w", loaderMapName, size, err)
	}
	fd, err = newFD(r)
	if err != nil {
		return -1, false, fmt.Errorf("create %s: %w", loaderMapName, err)
	}
	return fd, exclusive, nil
}

// fillBlobMap writes the blob and freezes the map.
func fillBlobMap(fd int, blob []byte, pins *pinner) error {
	key := pins.pin(make([]byte, 4))
	var a attr
	a.u32(offElemMapFD, uint32(fd))
	a.ptr(offElemKey, key)
	a.ptr(offElemValue, pins.pin(blob))
	if _, err := sysBPF(cmdMapUpdateElem, &a, sizeMapElem); err != nil {
		return fmt.Errorf("write %s: BPF_MAP_UPDATE_ELEM: %w", loaderMapName, err)
	}
	var f attr
	f.u32(offElemMapFD, uint32(fd))
	if _, err := sysBPF(cmdMapFreeze, &f, sizeMapElem); err != nil {
		return fmt.Errorf("freeze %s: BPF_MAP_FREEZE: %w", loaderMapName, err)
	}
	return nil
}

// mapHash asks the kernel for the SHA-256 of the frozen map's value,
// which also caches it in the map for the loader's integrity check.
func mapHash(fd int, pins *pinner) ([32]byte, error) {
	var h [32]byte
	hash := pins.pin(make([]byte, hashSize))
	info := pins.pin(make([]byte, mapInfoSize))
	binary.NativeEndian.PutUint64(info[offMapInfoHash:], addr(hash))
	binary.NativeEndian.PutUint32(info[offMapInfoHashSize:], hashSize)
	var a attr
	a.u32(offInfoFD, uint32(fd))
	a.u32(offInfoLen, mapInfoSize)
	a.ptr(offInfo, info)
	if _, err := sysBPF(cmdObjGetInfoByFD, &a, sizeInfoByFD); err != nil {
		return h, fmt.Errorf("hash of %s: BPF_OBJ_GET_INFO_BY_FD: %w", loaderMapName, err)
	}
	copy(h[:], hash)
	return h, nil
}

// signing is what loadLoaderProg passes of a signature.
type signing struct {
	sig      []byte
	keyring  int32
	required bool
}

// loadLoaderProg loads the loader program with the blob map as fd_array[0],
// with its signature if it has one. It reports whether the kernel verified
// the signature: a kernel that cannot verify gets the loader unsigned
// unless the signature is required.
func loadLoaderProg(insns []byte, mapFD int, sg signing, pins *pinner) (fd int, signed bool, err error) {
	fdArray := pins.pin(make([]byte, 4))
	binary.NativeEndian.PutUint32(fdArray, uint32(mapFD))
	license := pins.pin(append([]byte(loaderProgLicense), 0))
	load := func(logBuf, sig []byte) (int, error) {
		var a attr
		a.u32(offProgType, progTypeSyscall)
		a.u32(offProgInsnCnt, uint32(len(insns)/8))
		a.ptr(offProgInsns, pins.pin(insns))
		a.ptr(offProgLicense, license)
		if logBuf != nil {
			a.u32(offProgLogLevel, 1)
			a.u32(offProgLogSize, uint32(len(logBuf)))
			a.ptr(offProgLogBuf, pins.pin(logBuf))
		}
		a.u32(offProgFlags, progFlagSleepable)
		a.name(offProgName, loaderProgName)
		a.ptr(offProgFDArray, fdArray)
		if len(sig) > 0 {
			a.ptr(offProgSignature, pins.pin(sig))
			a.u32(offProgSignatureSize, uint32(len(sig)))
			a.u32(offProgKeyringID, uint32(sg.keyring))
		}
		for range 5 {
			r, err := sysBPF(cmdProgLoad, &a, attrSize)
			if !errors.Is(err, unix.EAGAIN) {
				return r, err
			}
		}
		return -1, unix.EAGAIN
	}
	sig := sg.sig
	r, err := load(nil, sig)
	if err != nil && len(sig) > 0 {
		if serr := signatureError(err, sg.keyring); serr != nil {
			if !errors.Is(serr, ErrSignatureUnsupported) || sg.required {
				return -1, false, fmt.Errorf("load %s: BPF_PROG_LOAD: %w", loaderProgName, serr)
			}
			// The kernel cannot verify: load unsigned, as the caller
			// did not require the signature.
			sig = nil
			r, err = load(nil, nil)
		}
	}
	if err != nil {
		logBuf := make([]byte, 4<<20)
		if r2, err2 := load(logBuf, sig); err2 == nil {
			// The failure did not repeat (EAGAIN, ENOMEM): report it
			// all the same, without keeping the second program.
			unix.Close(r2)
			return -1, false, fmt.Errorf("load %s: BPF_PROG_LOAD: %w", loaderProgName, err)
		}
		if log := strings.TrimSpace(cString(logBuf)); log != "" {
			return -1, false, fmt.Errorf("load %s: BPF_PROG_LOAD: %w:\n%s", loaderProgName, err, tail(log, 40))
		}
		if len(sig) > 0 && errors.Is(err, unix.EINVAL) {
			return -1, false, fmt.Errorf("load %s: BPF_PROG_LOAD with a signature: %w (no keyring %d, or the kernel refused the signature's size)", loaderProgName, err, sg.keyring)
		}
		return -1, false, fmt.Errorf("load %s: BPF_PROG_LOAD: %w", loaderProgName, err)
	}
	fd, err = newFD(r)
	if err != nil {
		return -1, false, fmt.Errorf("load %s: %w", loaderProgName, err)
	}
	return fd, len(sig) > 0, nil
}

// signatureError explains the errno of a signed BPF_PROG_LOAD that the
// signature caused, or returns nil for other failures (the verifier's).
func signatureError(err error, keyring int32) error {
	var errno unix.Errno
	if !errors.As(err, &errno) {
		return nil
	}
	switch errno {
	case unix.E2BIG:
		return fmt.Errorf("%w: BPF_PROG_LOAD has no signature before Linux 6.18 (%w)", ErrSignatureUnsupported, errno)
	case unix.EOPNOTSUPP:
		return fmt.Errorf("%w: the kernel is built without CONFIG_SYSTEM_DATA_VERIFICATION (%w)", ErrSignatureUnsupported, errno)
	case unix.EKEYREJECTED:
		return fmt.Errorf("%w: %w: the signature does not verify over the loader's instructions with the signer's key (instructions or signature altered)", ErrSignatureRejected, errno)
	case unix.ENOKEY:
		return fmt.Errorf("%w: %w: no key in keyring %d matches the signer (signed by another key, or its certificate is not in that keyring)", ErrSignatureRejected, errno, keyring)
	case unix.EBADMSG:
		return fmt.Errorf("%w: %w: the signature is not a PKCS#7 message the kernel can parse", ErrSignatureRejected, errno)
	case unix.ENOPKG:
		return fmt.Errorf("%w: %w: the kernel lacks the signature's algorithm", ErrSignatureRejected, errno)
	case unix.EKEYEXPIRED, unix.EKEYREVOKED:
		return fmt.Errorf("%w: %w: the signer's key in keyring %d", ErrSignatureRejected, errno, keyring)
	}
	return nil
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// testRun runs the loader once with ctx as its context, returning the
// program's return value. For syscall programs the kernel writes the
// context back into ctx_in (ctx_out must be NULL).
func testRun(progFD int, ctx []byte, pins *pinner) (int32, error) {
	var a attr
	a.u32(offRunProgFD, uint32(progFD))
	a.u32(offRunCtxSizeIn, uint32(len(ctx)))
	a.ptr(offRunCtxIn, pins.pin(ctx))
	if _, err := sysBPF(cmdProgTestRun, &a, sizeTestRun); err != nil {
		return 0, fmt.Errorf("BPF_PROG_TEST_RUN: %w", err)
	}
	return int32(binary.NativeEndian.Uint32(a[offRunRetval:])), nil
}
