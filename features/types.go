// This file probes map types, program types, helpers and attach types, and
// records the first upstream kernel of each for error messages naming what
// an object needs and the running kernel lacks.

package features

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/internal/sys"
)

// mapTypeSince is the first upstream kernel of each map type.
var mapTypeSince = map[sys.MapType]string{
	sys.MapTypeHash: "3.19", sys.MapTypeArray: "3.19", sys.MapTypeProgArray: "4.2",
	sys.MapTypePerfEventArray: "4.3", sys.MapTypePercpuHash: "4.6", sys.MapTypePercpuArray: "4.6",
	sys.MapTypeStackTrace: "4.6", sys.MapTypeCgroupArray: "4.8", sys.MapTypeLRUHash: "4.10",
	sys.MapTypeLRUPercpuHash: "4.10", sys.MapTypeLPMTrie: "4.11", sys.MapTypeArrayOfMaps: "4.12",
	sys.MapTypeHashOfMaps: "4.12", sys.MapTypeDevmap: "4.14", sys.MapTypeSockmap: "4.14",
	sys.MapTypeCpumap: "4.15", sys.MapTypeXskmap: "4.18", sys.MapTypeSockhash: "4.18",
	sys.MapTypeCgroupStorage: "4.19", sys.MapTypeReuseportSockarray: "4.19",
	sys.MapTypePercpuCgroupStorage: "4.20", sys.MapTypeQueue: "4.20", sys.MapTypeStack: "4.20",
	sys.MapTypeSKStorage: "5.2", sys.MapTypeDevmapHash: "5.4", sys.MapTypeStructOps: "5.6",
	sys.MapTypeRingbuf: "5.8", sys.MapTypeInodeStorage: "5.10", sys.MapTypeTaskStorage: "5.11",
	sys.MapTypeBloomFilter: "5.16", sys.MapTypeUserRingbuf: "6.1", sys.MapTypeCgrpStorage: "6.2",
	sys.MapTypeArena: "6.9",
}

// progTypeSince is the first upstream kernel of each program type.
var progTypeSince = map[sys.ProgType]string{
	sys.ProgTypeSocketFilter: "3.19", sys.ProgTypeKprobe: "4.1", sys.ProgTypeSchedCls: "4.1",
	sys.ProgTypeSchedAct: "4.1", sys.ProgTypeTracepoint: "4.7", sys.ProgTypeXDP: "4.8",
	sys.ProgTypePerfEvent: "4.9", sys.ProgTypeCgroupSKB: "4.10", sys.ProgTypeCgroupSock: "4.10",
	sys.ProgTypeLWTIn: "4.10", sys.ProgTypeLWTOut: "4.10", sys.ProgTypeLWTXmit: "4.10",
	sys.ProgTypeSockOps: "4.13", sys.ProgTypeSKSKB: "4.14", sys.ProgTypeCgroupDevice: "4.15",
	sys.ProgTypeSKMsg: "4.17", sys.ProgTypeRawTracepoint: "4.17", sys.ProgTypeCgroupSockAddr: "4.17",
	sys.ProgTypeLWTSeg6local: "4.18", sys.ProgTypeLIRCMode2: "4.18", sys.ProgTypeSKReuseport: "4.19",
	sys.ProgTypeFlowDissector: "4.20", sys.ProgTypeCgroupSysctl: "5.2",
	sys.ProgTypeRawTracepointWritable: "5.2", sys.ProgTypeCgroupSockopt: "5.3",
	sys.ProgTypeTracing: "5.5", sys.ProgTypeStructOps: "5.6", sys.ProgTypeExt: "5.6",
	sys.ProgTypeLSM: "5.7", sys.ProgTypeSKLookup: "5.9", sys.ProgTypeSyscall: "5.14",
	sys.ProgTypeNetfilter: "6.4",
}

// attachTypeSince is the first upstream kernel of the attach types a
// program's section can ask for.
var attachTypeSince = map[sys.AttachType]string{
	sys.AttachTraceRawTp: "5.5", sys.AttachTraceFentry: "5.5", sys.AttachTraceFexit: "5.5",
	sys.AttachModifyReturn: "5.7", sys.AttachLSMMac: "5.7", sys.AttachTraceIter: "5.8",
	sys.AttachCgroupInet4Getpeername: "5.8", sys.AttachCgroupInet6Getpeername: "5.8",
	sys.AttachCgroupInet4Getsockname: "5.8", sys.AttachCgroupInet6Getsockname: "5.8",
	sys.AttachXDPDevmap: "5.8", sys.AttachCgroupInetSockRelease: "5.9", sys.AttachXDPCpumap: "5.9",
	sys.AttachSKLookup: "5.9", sys.AttachXDP: "5.9", sys.AttachSKSKBVerdict: "5.13",
	sys.AttachSKReuseportSelect: "5.14", sys.AttachSKReuseportSelectOrMigrate: "5.14",
	sys.AttachPerfEvent: "5.15", sys.AttachTraceKprobeMulti: "5.18", sys.AttachLSMCgroup: "6.0",
	sys.AttachStructOps: "6.4", sys.AttachNetfilter: "6.4", sys.AttachTCXIngress: "6.6",
	sys.AttachTCXEgress: "6.6", sys.AttachTraceUprobeMulti: "6.6",
	sys.AttachCgroupUnixConnect: "6.7", sys.AttachCgroupUnixSendmsg: "6.7",
	sys.AttachCgroupUnixRecvmsg: "6.7", sys.AttachCgroupUnixGetpeername: "6.7",
	sys.AttachCgroupUnixGetsockname: "6.7", sys.AttachNetkitPrimary: "6.7", sys.AttachNetkitPeer: "6.7",
	sys.AttachTraceKprobeSession: "6.10", sys.AttachTraceUprobeSession: "6.13",
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

// HelperSince returns the first upstream kernel with helper id h, or "".
func HelperSince(h sys.HelperID) string {
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
func MapType(t sys.MapType) error {
	return mapTypes.do(t.String(), func() error {
		ok, detail, err := probeMapType(t)
		if err != nil {
			return fmt.Errorf("probing map type %s: %w", t, err)
		}
		if !ok {
			return &MissingError{What: "map type " + t.String(), Since: mapTypeSince[t], Release: Release(), Detail: detail}
		}
		return nil
	})
}

// mapParams are the smallest valid creation parameters of each map type
// (a wrong set would look like a missing type: the matrix test checks every
// type on every kernel against mapTypeSince).
func mapParams(t sys.MapType) (attr sys.MapCreateAttr, needsBTF, inner bool) {
	attr = sys.MapCreateAttr{MapType: t, KeySize: 4, ValueSize: 4, MaxEntries: 1}
	switch t {
	case sys.MapTypeStackTrace:
		attr.ValueSize = 8
	case sys.MapTypeLPMTrie:
		attr.KeySize, attr.MapFlags = 8, sys.MapFlagNoPrealloc
	case sys.MapTypeArrayOfMaps, sys.MapTypeHashOfMaps:
		inner = true
	case sys.MapTypeCgroupStorage, sys.MapTypePercpuCgroupStorage:
		attr.KeySize, attr.MaxEntries = 8, 0 // the cgroup id alone
	case sys.MapTypeQueue, sys.MapTypeStack, sys.MapTypeBloomFilter:
		attr.KeySize = 0
	case sys.MapTypeRingbuf, sys.MapTypeUserRingbuf:
		attr.KeySize, attr.ValueSize, attr.MaxEntries = 0, 0, uint32(unix.Getpagesize())
	case sys.MapTypeSKStorage, sys.MapTypeInodeStorage, sys.MapTypeTaskStorage, sys.MapTypeCgrpStorage:
		attr.MaxEntries, attr.MapFlags, needsBTF = 0, sys.MapFlagNoPrealloc, true
	case sys.MapTypeArena:
		attr.KeySize, attr.ValueSize, attr.MapFlags = 0, 0, sys.MapFlagMmapable
	}
	return attr, needsBTF, inner
}

func probeMapType(t sys.MapType) (ok bool, detail string, err error) {
	if t == sys.MapTypeStructOps {
		// Needs a struct_ops type of vmlinux; the type number tells.
		return atLeast(mapTypeSince[t]), "by kernel version: no probe", nil
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
func ProgType(t sys.ProgType) error {
	return progTypes.do(t.String(), func() error {
		ok, err := probeProgType(t)
		if err != nil {
			return fmt.Errorf("probing program type %s: %w", t, err)
		}
		if !ok {
			return &MissingError{What: "program type " + t.String(), Since: progTypeSince[t], Release: Release()}
		}
		return nil
	})
}

// progAttr is the smallest load attribute of type t the kernel checks
// past its type check.
func progAttr(t sys.ProgType) sys.ProgLoadAttr {
	attr := sys.ProgLoadAttr{ProgType: t}
	switch t {
	case sys.ProgTypeCgroupSockAddr:
		attr.ExpectedAttachType = sys.AttachCgroupInet4Connect
	case sys.ProgTypeCgroupSockopt:
		attr.ExpectedAttachType = sys.AttachCgroupGetsockopt
	case sys.ProgTypeSKLookup:
		attr.ExpectedAttachType = sys.AttachSKLookup
	case sys.ProgTypeNetfilter:
		attr.ExpectedAttachType = sys.AttachNetfilter
	case sys.ProgTypeSyscall:
		attr.ProgFlags = sys.ProgFlagSleepable
	case sys.ProgTypeTracing:
		attr.ExpectedAttachType = sys.AttachTraceFentry
	case sys.ProgTypeLSM:
		attr.ExpectedAttachType = sys.AttachLSMMac
	}
	return attr
}

func probeProgType(t sys.ProgType) (bool, error) {
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
	case t == sys.ProgTypeTracing || t == sys.ProgTypeExt || t == sys.ProgTypeLSM || t == sys.ProgTypeStructOps:
		// These need a BTF target before the verifier runs; an
		// unknown type and a missing target both give a bare EINVAL.
		return atLeast(progTypeSince[t]), nil
	}
	return false, nil
}

// Helper returns nil when programs of type pt may call helper h, or an
// error (wrapping ErrNotSupported) saying whether the kernel lacks the
// helper (with its first kernel) or only forbids it to that program type.
func Helper(pt sys.ProgType, h sys.HelperID) error {
	return helpers.do(pt.String()+"/"+h.String(), func() error {
		if err := ProgType(pt); err != nil {
			return err
		}
		attr := progAttr(pt)
		r := progLoad(&attr, callRet(int32(h)), true)
		switch {
		case r.errno == 0:
			return nil
		case r.errno == unix.EPERM:
			return fmt.Errorf("probing helper %s: %w", h, r.errno)
		case strings.Contains(r.log, "invalid func unknown#"):
			return &MissingError{What: "helper " + h.String(), Since: HelperSince(h), Release: Release()}
		case strings.Contains(r.log, "unknown func "), strings.Contains(r.log, "program of this type cannot use helper"):
			return fmt.Errorf("helper %s is not available to %s programs on this kernel (%s): %w", h, pt, Release(), ErrNotSupported)
		}
		return nil // known and allowed; the probe's zero arguments were refused
	})
}

// helperProbe adapts Helper to a Feature probe.
func helperProbe(pt sys.ProgType, h sys.HelperID) func() (bool, error) {
	return func() (bool, error) {
		err := Helper(pt, h)
		if err == nil {
			return true, nil
		}
		if errors.Is(err, ErrNotSupported) {
			return false, nil
		}
		return false, err
	}
}

// AttachType returns nil when the kernel accepts programs of type pt with
// expected attach type at, or a *MissingError naming the attach type and
// its first kernel.
func AttachType(pt sys.ProgType, at sys.AttachType) error {
	return attachTypes.do(pt.String()+"/"+at.String(), func() error {
		if err := ProgType(pt); err != nil {
			return err
		}
		// Kprobe programs do not check their attach type at load:
		// the multi links have probes of their own; the others go by
		// version.
		if pt == sys.ProgTypeKprobe {
			var err error
			switch at {
			case sys.AttachTraceKprobeMulti:
				err = KprobeMultiLink.Check()
			case sys.AttachTraceUprobeMulti:
				err = UprobeMultiLink.Check()
			default:
				if !atLeast(attachTypeSince[at]) {
					err = &MissingError{Since: attachTypeSince[at], Release: Release()}
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
		case pt == sys.ProgTypeTracing || pt == sys.ProgTypeLSM || pt == sys.ProgTypeExt:
			if atLeast(attachTypeSince[at]) {
				return nil
			}
		}
		return &MissingError{What: "attach type " + at.String() + " for " + pt.String() + " programs", Since: attachTypeSince[at], Release: Release()}
	})
}
