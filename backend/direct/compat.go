// This file adapts a load to what the running kernel has, decided by the
// features package's probes as libbpf decides by its own, but probing only
// once the kernel refused something (a kernel that has everything an
// object uses is not probed): the object's BTF sanitized for the kinds the
// kernel lacks, RLIMIT_MEMLOCK raised where BPF memory is not charged to
// the memory cgroup (before 5.11), maps referenced by fd where
// BPF_PROG_LOAD has no fd_array (before 5.14), and kernel refusals turned
// into errors naming the map type, program type, attach type or helper
// the kernel lacks and the first kernel with it.

package direct

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/btf/sanitize"
	"github.com/bpfc/bpfc/features"
	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/uapi"
)

// memlockRetry decides about a map or program the kernel refused with
// err: where RLIMIT_MEMLOCK may have refused it (EPERM, before 5.11) it
// raises the limit as libbpf does before its loads (features.BumpMemlock),
// and reports whether to try again. A kernel with memcg accounting gets
// here only for an EPERM of another cause (lockdown, capabilities), which
// probes once and tries nothing again. Where the limit cannot be raised
// the error says so.
func memlockRetry(err *error) bool {
	retry, merr := features.MemlockRetry(*err)
	if merr != nil {
		*err = fmt.Errorf("%w (%w)", *err, merr)
	}
	return retry
}

// sanitizeBTF rewrites the object's raw BTF for the kinds the kernel
// lacks, probing for the kinds raw uses only, with a warning saying what
// was rewritten. It reports whether anything was.
func (l *loader) sanitizeBTF(raw []byte) ([]byte, bool, error) {
	uses, err := sanitize.Uses(raw)
	if err != nil {
		return nil, false, err
	}
	out, changes, err := sanitize.Sanitize(raw, sanitize.RunningFor(uses))
	if err != nil {
		return nil, false, err
	}
	if len(changes) > 0 {
		l.warnf("BTF sanitized for this kernel (%s): %s", features.Release(), strings.Join(changes, ", "))
	}
	return out, len(changes) > 0, nil
}

// fdArrayMissing reports whether this process already knows that the
// kernel lacks fd_array in BPF_PROG_LOAD (before 5.14), without probing:
// a load tries fd_array first and probes only when the kernel refuses it.
func fdArrayMissing() bool {
	known, err := features.FDArray.Known()
	return known && errors.Is(err, features.ErrNotSupported)
}

// mapRefsByFD rewrites the fd_array map references of insns (a program's
// copy) into map fd references, for kernels without fd_array: the
// instructions the kernel translates are the same either way.
func (l *loader) mapRefsByFD(insns []ir.Insn) error {
	for i := range insns {
		in := &insns[i]
		switch {
		case in.IsLdImm64() && (in.Src == ir.PseudoMapIdx || in.Src == ir.PseudoMapIdxValue):
			idx := int(in.Imm)
			if idx < 0 || idx >= len(l.obj.Maps) {
				return fmt.Errorf("%w: insn %d: map index %d out of range (%d maps)", ErrInvalidObject, i, idx, len(l.obj.Maps))
			}
			if in.Src == ir.PseudoMapIdx {
				in.Src = ir.PseudoMapFD
			} else {
				in.Src = ir.PseudoMapValue
			}
			in.Imm = l.fdArray[idx]
		case in.IsKfuncCall() && in.Off != 0:
			return fmt.Errorf("insn %d: a kfunc of a kernel module is called through fd_array: %w", i, features.FDArray.Check())
		}
	}
	return nil
}

// explainMapCreate says which part of a refused map the kernel lacks, if
// a probe can tell: the map type.
func explainMapCreate(t uapi.MapType, err error) error {
	if !errors.Is(err, unix.EINVAL) {
		return err
	}
	var me *features.MissingError
	if errors.As(features.MapType(t), &me) {
		return fmt.Errorf("%w: %w", me, err)
	}
	return err
}

// helperRef finds in a verifier log the first "PREFIX NAME#ID" with one of
// the prefixes, NAME of [a-z0-9_] (empty if named is false: "PREFIX#ID"),
// ID decimal, and returns NAME and ID. The verifier's messages about
// helpers: "invalid func unknown#ID" for an id past the kernel's last
// helper, "program of this type cannot use helper NAME#ID" (before 5.13
// or so "unknown func NAME#ID") for one the program type may not call.
// (Plain string scanning: a regexp would be compiled at start-up by every
// process that links this package, the bpfc command included.)
func helperRef(log string, named bool, prefixes ...string) (name, id string, ok bool) {
	best := -1
	for _, prefix := range prefixes {
		for from := 0; from < len(log); {
			i := strings.Index(log[from:], prefix)
			if i < 0 {
				break
			}
			at := from + i
			from = at + 1
			if best >= 0 && at >= best {
				break
			}
			rest := log[at+len(prefix):]
			n := 0
			if named {
				for n < len(rest) && (rest[n] >= 'a' && rest[n] <= 'z' || rest[n] >= '0' && rest[n] <= '9' || rest[n] == '_') {
					n++
				}
				if n == 0 {
					continue
				}
			}
			if n >= len(rest) || rest[n] != '#' {
				continue
			}
			d := n + 1
			for d < len(rest) && rest[d] >= '0' && rest[d] <= '9' {
				d++
			}
			if d == n+1 {
				continue
			}
			best, name, id, ok = at, rest[:n], rest[n+1:d], true
			break
		}
	}
	return name, id, ok
}

// explainProgLoad says which part of a refused program the kernel lacks,
// if the attribute, the instructions, the verifier log or a probe can
// tell: the xdp.frags flag, callbacks, a helper it does not know or
// forbids to the program type, the program type, the expected attach
// type.
func explainProgLoad(attr *sys.ProgLoadAttr, insns []ir.Insn, err error, log string) error {
	pt, at := attr.ProgType, attr.ExpectedAttachType
	lacks := func(f *features.Feature) error {
		var me *features.MissingError
		if errors.As(f.Check(), &me) {
			return fmt.Errorf("%w: %w", me, err)
		}
		return nil
	}
	if attr.ProgFlags&uapi.ProgFlagXDPHasFrags != 0 {
		if e := lacks(features.XDPFrags); e != nil {
			return e
		}
	}
	for _, in := range insns {
		if in.IsLdImm64() && in.Src == ir.PseudoFunc {
			if e := lacks(features.Callbacks); e != nil {
				return e
			}
			break
		}
	}
	if _, num, ok := helperRef(log, false, "invalid func unknown"); ok {
		id, _ := strconv.Atoi(num)
		if id == ir.PoisonCOREHelper {
			// Not a helper the kernel lacks: the call a CO-RE relocation
			// that could not be satisfied left in its instruction, which
			// the program reaches (explainPoison names the relocation).
			return fmt.Errorf("%w: %w", errPoisonReached, err)
		}
		h := uapi.HelperID(id)
		me := &features.MissingError{What: "helper " + h.String(), Since: features.HelperSince(h), Release: features.Release()}
		return fmt.Errorf("%w: %w", me, err)
	}
	if name, _, ok := helperRef(log, true, "unknown func ", "program of this type cannot use helper "); ok {
		return fmt.Errorf("helper %s is not available to %s programs on this kernel (%s): %w: %w", name, pt, features.Release(), features.ErrNotSupported, err)
	}
	if !errors.Is(err, unix.EINVAL) {
		return err
	}
	var me *features.MissingError
	if errors.As(features.ProgType(pt), &me) {
		return fmt.Errorf("%w: %w", me, err)
	}
	if at != 0 && errors.As(features.AttachType(pt, at), &me) {
		return fmt.Errorf("%w: %w", me, err)
	}
	return err
}
