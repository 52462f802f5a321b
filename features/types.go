// This file probes map types, program types, helpers and attach types, and
// records the first upstream kernel of each for error messages naming what
// an object needs and the running kernel lacks.

package features

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/uapi"
)

// since is a type number and the first upstream kernel with it. The tables
// are arrays in numeric order, laid out by the linker: a map would be built
// at start-up by every program linking this package, the bpfc command
// included, whether it asks or not.
type since[T ~uint32] struct {
	t     T
	since string
}

// sinceOf returns the first kernel of t in tab, or "".
func sinceOf[T ~uint32](tab []since[T], t T) string {
	i, ok := slices.BinarySearchFunc(tab, t, func(e since[T], t T) int { return cmp.Compare(e.t, t) })
	if !ok {
		return ""
	}
	return tab[i].since
}

// typesOf returns the types of tab, in numeric order.
func typesOf[T ~uint32](tab []since[T]) []T {
	ts := make([]T, len(tab))
	for i, e := range tab {
		ts[i] = e.t
	}
	return ts
}

// mapTypeSince is the first upstream kernel of each map type.
var mapTypeSince = [...]since[uapi.MapType]{
	{uapi.MapTypeHash, "3.19"}, {uapi.MapTypeArray, "3.19"}, {uapi.MapTypeProgArray, "4.2"},
	{uapi.MapTypePerfEventArray, "4.3"}, {uapi.MapTypePercpuHash, "4.6"},
	{uapi.MapTypePercpuArray, "4.6"}, {uapi.MapTypeStackTrace, "4.6"},
	{uapi.MapTypeCgroupArray, "4.8"}, {uapi.MapTypeLRUHash, "4.10"},
	{uapi.MapTypeLRUPercpuHash, "4.10"}, {uapi.MapTypeLPMTrie, "4.11"},
	{uapi.MapTypeArrayOfMaps, "4.12"}, {uapi.MapTypeHashOfMaps, "4.12"}, {uapi.MapTypeDevmap, "4.14"},
	{uapi.MapTypeSockmap, "4.14"}, {uapi.MapTypeCpumap, "4.15"}, {uapi.MapTypeXskmap, "4.18"},
	{uapi.MapTypeSockhash, "4.18"}, {uapi.MapTypeCgroupStorage, "4.19"},
	{uapi.MapTypeReuseportSockarray, "4.19"}, {uapi.MapTypePercpuCgroupStorage, "4.20"},
	{uapi.MapTypeQueue, "4.20"}, {uapi.MapTypeStack, "4.20"}, {uapi.MapTypeSKStorage, "5.2"},
	{uapi.MapTypeDevmapHash, "5.4"}, {uapi.MapTypeStructOps, "5.6"}, {uapi.MapTypeRingbuf, "5.8"},
	{uapi.MapTypeInodeStorage, "5.10"}, {uapi.MapTypeTaskStorage, "5.11"},
	{uapi.MapTypeBloomFilter, "5.16"}, {uapi.MapTypeUserRingbuf, "6.1"},
	{uapi.MapTypeCgrpStorage, "6.2"}, {uapi.MapTypeArena, "6.9"},
}

// progTypeSince is the first upstream kernel of each program type.
var progTypeSince = [...]since[uapi.ProgType]{
	{uapi.ProgTypeSocketFilter, "3.19"}, {uapi.ProgTypeKprobe, "4.1"}, {uapi.ProgTypeSchedCls, "4.1"},
	{uapi.ProgTypeSchedAct, "4.1"}, {uapi.ProgTypeTracepoint, "4.7"}, {uapi.ProgTypeXDP, "4.8"},
	{uapi.ProgTypePerfEvent, "4.9"}, {uapi.ProgTypeCgroupSKB, "4.10"},
	{uapi.ProgTypeCgroupSock, "4.10"}, {uapi.ProgTypeLWTIn, "4.10"}, {uapi.ProgTypeLWTOut, "4.10"},
	{uapi.ProgTypeLWTXmit, "4.10"}, {uapi.ProgTypeSockOps, "4.13"}, {uapi.ProgTypeSKSKB, "4.14"},
	{uapi.ProgTypeCgroupDevice, "4.15"}, {uapi.ProgTypeSKMsg, "4.17"},
	{uapi.ProgTypeRawTracepoint, "4.17"}, {uapi.ProgTypeCgroupSockAddr, "4.17"},
	{uapi.ProgTypeLWTSeg6local, "4.18"}, {uapi.ProgTypeLIRCMode2, "4.18"},
	{uapi.ProgTypeSKReuseport, "4.19"}, {uapi.ProgTypeFlowDissector, "4.20"},
	{uapi.ProgTypeCgroupSysctl, "5.2"}, {uapi.ProgTypeRawTracepointWritable, "5.2"},
	{uapi.ProgTypeCgroupSockopt, "5.3"}, {uapi.ProgTypeTracing, "5.5"},
	{uapi.ProgTypeStructOps, "5.6"}, {uapi.ProgTypeExt, "5.6"}, {uapi.ProgTypeLSM, "5.7"},
	{uapi.ProgTypeSKLookup, "5.9"}, {uapi.ProgTypeSyscall, "5.14"}, {uapi.ProgTypeNetfilter, "6.4"},
}

// attachTypeSince is the first upstream kernel of the attach types a
// program's section can ask for.
var attachTypeSince = [...]since[uapi.AttachType]{
	{uapi.AttachTraceRawTp, "5.5"}, {uapi.AttachTraceFentry, "5.5"}, {uapi.AttachTraceFexit, "5.5"},
	{uapi.AttachModifyReturn, "5.7"}, {uapi.AttachLSMMac, "5.7"}, {uapi.AttachTraceIter, "5.8"},
	{uapi.AttachCgroupInet4Getpeername, "5.8"}, {uapi.AttachCgroupInet6Getpeername, "5.8"},
	{uapi.AttachCgroupInet4Getsockname, "5.8"}, {uapi.AttachCgroupInet6Getsockname, "5.8"},
	{uapi.AttachXDPDevmap, "5.8"}, {uapi.AttachCgroupInetSockRelease, "5.9"},
	{uapi.AttachXDPCpumap, "5.9"}, {uapi.AttachSKLookup, "5.9"}, {uapi.AttachXDP, "5.9"},
	{uapi.AttachSKSKBVerdict, "5.13"}, {uapi.AttachSKReuseportSelect, "5.14"},
	{uapi.AttachSKReuseportSelectOrMigrate, "5.14"}, {uapi.AttachPerfEvent, "5.15"},
	{uapi.AttachTraceKprobeMulti, "5.18"}, {uapi.AttachLSMCgroup, "6.0"},
	{uapi.AttachStructOps, "6.4"}, {uapi.AttachNetfilter, "6.4"}, {uapi.AttachTCXIngress, "6.6"},
	{uapi.AttachTCXEgress, "6.6"}, {uapi.AttachTraceUprobeMulti, "6.6"},
	{uapi.AttachCgroupUnixConnect, "6.7"}, {uapi.AttachCgroupUnixSendmsg, "6.7"},
	{uapi.AttachCgroupUnixRecvmsg, "6.7"}, {uapi.AttachCgroupUnixGetpeername, "6.7"},
	{uapi.AttachCgroupUnixGetsockname, "6.7"}, {uapi.AttachNetkitPrimary, "6.7"},
	{uapi.AttachNetkitPeer, "6.7"}, {uapi.AttachTraceKprobeSession, "6.10"},
	{uapi.AttachTraceUprobeSession, "6.13"},
}

// helperSince lists, for each kernel, the highest helper id it added:
// helper ids are allocated in order, so the first kernel of helper id n is
// the first entry whose last id is n or more. (Checked against the enum
// bpf_func_id of each kernel of the test matrix.)
var helperSince = []struct {
	last  int32
	since string
}{
	{3, "3.19"}, {11, "4.1"}, {16, "4.2"}, {22, "4.3"}, {25, "4.4"}, {26, "4.5"},
	{30, "4.6"}, {36, "4.8"}, {41, "4.9"}, {44, "4.10"}, {45, "4.11"}, {47, "4.12"},
	{50, "4.13"}, {53, "4.14"}, {57, "4.15"}, {59, "4.16"}, {64, "4.17"}, {80, "4.18"},
	{83, "4.19"}, {90, "4.20"}, {92, "5.0"}, {98, "5.1"}, {108, "5.2"}, {110, "5.3"},
	{118, "5.5"}, {121, "5.6"}, {124, "5.7"}, {135, "5.8"}, {141, "5.9"}, {155, "5.10"},
	{162, "5.11"}, {163, "5.12"}, {165, "5.13"}, {168, "5.14"}, {175, "5.15"}, {179, "5.16"},
	{185, "5.17"}, {193, "5.18"}, {203, "5.19"}, {207, "6.0"}, {209, "6.1"}, {211, "6.2"},
}

// MapTypes returns every map type with a recorded first kernel, in
// numeric order.
func MapTypes() []uapi.MapType { return typesOf(mapTypeSince[:]) }

// ProgTypes returns every program type with a recorded first kernel, in
// numeric order.
func ProgTypes() []uapi.ProgType { return typesOf(progTypeSince[:]) }

// MapTypeSince returns the first upstream kernel with map type t, or "".
func MapTypeSince(t uapi.MapType) string { return sinceOf(mapTypeSince[:], t) }

// ProgTypeSince returns the first upstream kernel with program type t, or "".
func ProgTypeSince(t uapi.ProgType) string { return sinceOf(progTypeSince[:], t) }

// AttachTypeSince returns the first upstream kernel with attach type t, or "".
func AttachTypeSince(t uapi.AttachType) string { return sinceOf(attachTypeSince[:], t) }

// HelperSince returns the first upstream kernel with helper id h, or "".
func HelperSince(h uapi.HelperID) string {
	for _, e := range helperSince {
		if int32(h) <= e.last {
			return e.since
		}
	}
	return ""
}

// typeCache caches per-type probes.
type typeCache struct {
	mu  sync.Mutex
	res map[string]error
}

func (c *typeCache) do(key string, probe func() error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err, ok := c.res[key]; ok {
		return err
	}
	// Raised before the probe, not on a refusal as Feature.Check does:
	// before 5.11 a program is charged to RLIMIT_MEMLOCK before its type
	// is looked at, and the type probes take EPERM for a known type.
	BumpMemlock()
	if c.res == nil {
		c.res = map[string]error{}
	}
	err := probe()
	c.res[key] = err
	return err
}

var (
	mapTypes    typeCache
	progTypes   typeCache
	helpers     typeCache
	attachTypes typeCache
)

// MapType returns nil when the kernel can create maps of type t, or a
// *MissingError naming the type and its first kernel.
func MapType(t uapi.MapType) error {
	return mapTypes.do(t.String(), func() error {
		ok, detail, err := probeMapType(t)
		if err != nil {
			return fmt.Errorf("probing map type %s: %w", t, err)
		}
		if !ok {
			return &MissingError{What: "map type " + t.String(), Since: MapTypeSince(t), Release: Release(), Detail: detail}
		}
		return nil
	})
}

// mapParams are the smallest valid creation parameters of each map type
// (a wrong set would look like a missing type: the matrix test checks every
// type on every kernel against mapTypeSince).
func mapParams(t uapi.MapType) (attr sys.MapCreateAttr, needsBTF, inner bool) {
	attr = sys.MapCreateAttr{MapType: t, KeySize: 4, ValueSize: 4, MaxEntries: 1}
	switch t {
	case uapi.MapTypeStackTrace:
		attr.ValueSize = 8
	case uapi.MapTypeLPMTrie:
		attr.KeySize, attr.MapFlags = 8, uapi.MapFlagNoPrealloc
	case uapi.MapTypeArrayOfMaps, uapi.MapTypeHashOfMaps:
		inner = true
	case uapi.MapTypeCgroupStorage, uapi.MapTypePercpuCgroupStorage:
		attr.KeySize, attr.MaxEntries = 8, 0 // the cgroup id alone
	case uapi.MapTypeQueue, uapi.MapTypeStack, uapi.MapTypeBloomFilter:
		attr.KeySize = 0
	case uapi.MapTypeRingbuf, uapi.MapTypeUserRingbuf:
		attr.KeySize, attr.ValueSize, attr.MaxEntries = 0, 0, uint32(unix.Getpagesize())
	case uapi.MapTypeSKStorage, uapi.MapTypeInodeStorage, uapi.MapTypeTaskStorage, uapi.MapTypeCgrpStorage:
		attr.MaxEntries, attr.MapFlags, needsBTF = 0, uapi.MapFlagNoPrealloc, true
	case uapi.MapTypeArena:
		attr.KeySize, attr.ValueSize, attr.MapFlags = 0, 0, uapi.MapFlagMmapable
	}
	return attr, needsBTF, inner
}

func probeMapType(t uapi.MapType) (ok bool, detail string, err error) {
	if t == uapi.MapTypeStructOps {
		// Needs a struct_ops type of vmlinux; the type number tells.
		return atLeast(MapTypeSince(t)), "by kernel version: no probe", nil
	}
	attr, needsBTF, inner := mapParams(t)
	if needsBTF {
		fd, err := loadBTF(btfInt)
		if err != nil {
			return false, "", err
		}
		defer fd.Close()
		attr.BtfFd, attr.BtfKeyTypeId, attr.BtfValueTypeId = uint32(fd.Int()), 1, 1
	}
	if inner {
		in, err := arrayMap(4, 0)
		if err != nil {
			return false, "", err
		}
		defer in.Close()
		attr.InnerMapFd = uint32(in.Int())
	}
	m, err := sys.MapCreate(&attr)
	if err == nil {
		m.Close()
		return true, "", nil
	}
	// An unknown type is EINVAL; any other refusal (EPERM under
	// lockdown, ENOMEM for an arena's address space) means the kernel
	// knows the type.
	errno, _ := sys.Errno(err)
	return errno != unix.EINVAL, "", nil
}

// ProgType returns nil when the kernel loads programs of type t, or a
// *MissingError naming the type and its first kernel.
func ProgType(t uapi.ProgType) error {
	return progTypes.do(t.String(), func() error {
		ok, err := probeProgType(t)
		if err != nil {
			return fmt.Errorf("probing program type %s: %w", t, err)
		}
		if !ok {
			return &MissingError{What: "program type " + t.String(), Since: ProgTypeSince(t), Release: Release()}
		}
		return nil
	})
}

// progAttr is the smallest load attribute of type t the kernel checks
// past its type check.
func progAttr(t uapi.ProgType) sys.ProgLoadAttr {
	attr := sys.ProgLoadAttr{ProgType: t}
	switch t {
	case uapi.ProgTypeCgroupSockAddr:
		attr.ExpectedAttachType = uapi.AttachCgroupInet4Connect
	case uapi.ProgTypeCgroupSockopt:
		attr.ExpectedAttachType = uapi.AttachCgroupGetsockopt
	case uapi.ProgTypeSKLookup:
		attr.ExpectedAttachType = uapi.AttachSKLookup
	case uapi.ProgTypeNetfilter:
		attr.ExpectedAttachType = uapi.AttachNetfilter
	case uapi.ProgTypeSyscall:
		attr.ProgFlags = uapi.ProgFlagSleepable
	case uapi.ProgTypeTracing:
		attr.ExpectedAttachType = uapi.AttachTraceFentry
	case uapi.ProgTypeLSM:
		attr.ExpectedAttachType = uapi.AttachLSMMac
	}
	return attr
}

func probeProgType(t uapi.ProgType) (bool, error) {
	attr := progAttr(t)
	r := progLoad(&attr, retZero(), true)
	switch {
	case r.errno == 0:
		return true, nil
	case r.errno != unix.EINVAL:
		// The kernel knows the type but refuses the probe (lockdown
		// refuses tracing and LSM programs with EPERM); an unknown
		// type is EINVAL.
		return true, nil
	case r.log != "":
		// The verifier ran (and refused the probe for another reason,
		// e.g. tracing programs without a target): the type exists.
		return true, nil
	case t == uapi.ProgTypeTracing || t == uapi.ProgTypeExt || t == uapi.ProgTypeLSM || t == uapi.ProgTypeStructOps:
		// These need a BTF target before the verifier runs; an
		// unknown type and a missing target both give a bare EINVAL.
		return atLeast(ProgTypeSince(t)), nil
	}
	return false, nil
}

// Helper returns nil when programs of type pt may call helper h, or an
// error (wrapping ErrNotSupported) saying whether the kernel lacks the
// helper (with its first kernel) or only forbids it to that program type.
func Helper(pt uapi.ProgType, h uapi.HelperID) error {
	return helpers.do(pt.String()+"/"+h.String(), func() error {
		// The program type is probed only when the helper's probe is
		// refused before the verifier ran (no log: EINVAL for an
		// unknown type): a type the kernel has costs one load, not two.
		attr := progAttr(pt)
		r := progLoad(&attr, callRet(int32(h)), true)
		switch {
		case r.errno == 0:
			return nil
		case r.errno == unix.EPERM:
			if err := ProgType(pt); err != nil {
				return err
			}
			return fmt.Errorf("probing helper %s: %w", h, r.errno)
		case strings.Contains(r.log, "invalid func unknown#"):
			return &MissingError{What: "helper " + h.String(), Since: HelperSince(h), Release: Release()}
		case strings.Contains(r.log, "unknown func "), strings.Contains(r.log, "program of this type cannot use helper"):
			return fmt.Errorf("helper %s is not available to %s programs on this kernel (%s): %w", h, pt, Release(), ErrNotSupported)
		case r.log == "":
			if err := ProgType(pt); err != nil {
				return err
			}
		}
		return nil // known and allowed; the probe's zero arguments were refused
	})
}

// helperAvailable adapts Helper to a Feature probe.
func helperAvailable(pt uapi.ProgType, h uapi.HelperID) (bool, error) {
	err := Helper(pt, h)
	if err == nil {
		return true, nil
	}
	if errors.Is(err, ErrNotSupported) {
		return false, nil
	}
	return false, err
}

// AttachType returns nil when the kernel accepts programs of type pt with
// expected attach type at, or a *MissingError naming the attach type and
// its first kernel.
func AttachType(pt uapi.ProgType, at uapi.AttachType) error {
	return attachTypes.do(pt.String()+"/"+at.String(), func() error {
		if err := ProgType(pt); err != nil {
			return err
		}
		// Kprobe programs do not check their attach type at load:
		// the multi links have probes of their own; the others go by
		// version.
		if pt == uapi.ProgTypeKprobe {
			var err error
			switch at {
			case uapi.AttachTraceKprobeMulti:
				err = KprobeMultiLink.Check()
			case uapi.AttachTraceUprobeMulti:
				err = UprobeMultiLink.Check()
			default:
				if !atLeast(AttachTypeSince(at)) {
					err = &MissingError{Since: AttachTypeSince(at), Release: Release()}
				}
			}
			var me *MissingError
			if errors.As(err, &me) {
				// A copy: the feature's cached error stays as it is.
				return &MissingError{What: "attach type " + at.String() + " for " + pt.String() + " programs", Since: me.Since, Release: me.Release}
			}
			return err
		}
		attr := progAttr(pt)
		attr.ExpectedAttachType = at
		r := progLoad(&attr, retZero(), true)
		switch {
		case r.errno == 0 || r.log != "":
			return nil
		case r.errno == unix.EPERM:
			return nil // known, refused to this process
		case pt == uapi.ProgTypeTracing || pt == uapi.ProgTypeLSM || pt == uapi.ProgTypeExt:
			if atLeast(AttachTypeSince(at)) {
				return nil
			}
		}
		return &MissingError{What: "attach type " + at.String() + " for " + pt.String() + " programs", Since: AttachTypeSince(at), Release: Release()}
	})
}
