// This file probes what the running kernel can attach, once per process
// and lazily, the way libbpf's features.c does: each probe is one small
// syscall (or two) on a throwaway program, and its answer is cached.

package attach

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/uapi"
)

// feature is a lazily probed kernel feature.
type feature struct {
	once sync.Once
	ok   bool
	err  error
	fn   func() (bool, error)
}

func (f *feature) get() (bool, error) {
	f.once.Do(func() { f.ok, f.err = f.fn() })
	return f.ok, f.err
}

var (
	// havePerfLink: BPF_LINK_CREATE with BPF_PERF_EVENT (5.15).
	havePerfLink = &feature{fn: probePerfLink}
	// haveBPFCookie: bpf_get_attach_cookie (5.15).
	haveBPFCookie = &feature{fn: probeBPFCookie}
	// haveUprobeMulti: BPF_TRACE_UPROBE_MULTI links with process (not
	// thread) pid filtering (6.6+ with the 6.9 fix).
	haveUprobeMulti = &feature{fn: probeUprobeMulti}
	// haveTCX: tcx links (6.6).
	haveTCX = &feature{fn: probeTCX}
	// haveSyscallWrapper: syscalls are entered through __<arch>_sys_*.
	haveSyscallWrapper = &feature{fn: probeSyscallWrapper}
)

// Instructions of the probe programs.
var (
	insnsReturn0 = []byte{
		0xb7, 0x00, 0, 0, 0, 0, 0, 0, // r0 = 0
		0x95, 0x00, 0, 0, 0, 0, 0, 0, // exit
	}
	insnsGetAttachCookie = []byte{
		0x85, 0x00, 0, 0, 174, 0, 0, 0, // call bpf_get_attach_cookie
		0x95, 0x00, 0, 0, 0, 0, 0, 0, // exit
	}
)

// loadProbe loads a probe program of type typ with expected attach type
// at.
func loadProbe(typ uapi.ProgType, at uapi.AttachType, insns []byte) (*sys.FD, error) {
	attr := sys.ProgLoadAttr{
		ProgType:           typ,
		InsnCnt:            uint32(len(insns) / sys.InsnSize),
		Insns:              sys.NewSlicePointer(insns),
		License:            sys.NewStringPointer("GPL"),
		ExpectedAttachType: at,
	}
	fd, err := sys.ProgLoad(&attr)
	runtime.KeepAlive(insns)
	return fd, err
}

// probePerfLink asks for a perf-event link on an invalid perf event fd:
// EBADF means the kernel knows BPF_PERF_EVENT links, EINVAL that it does
// not.
func probePerfLink() (bool, error) {
	prog, err := loadProbe(uapi.ProgTypeTracepoint, 0, insnsReturn0)
	if err != nil {
		return false, fmt.Errorf("probe perf links: %w", err)
	}
	defer prog.Close()
	attr := sys.LinkCreatePerfEventAttr{LinkCreateHead: sys.LinkCreateHead{
		ProgFd: prog.Uint(), TargetFd: ^uint32(0), AttachType: uapi.AttachPerfEvent,
	}}
	fd, err := sys.LinkCreate(&attr)
	fd.Close()
	return errors.Is(err, unix.EBADF), nil
}

// probeBPFCookie loads a program calling bpf_get_attach_cookie.
func probeBPFCookie() (bool, error) {
	prog, err := loadProbe(uapi.ProgTypeTracepoint, 0, insnsGetAttachCookie)
	prog.Close()
	return err == nil, nil
}

// probeUprobeMulti creates uprobe_multi links on "/" as libbpf does: EBADF
// says the kernel has them, and EINVAL for pid -1 that it filters by
// process (before the fix it filtered by thread; libbpf then pretends
// there are none).
func probeUprobeMulti() (bool, error) {
	prog, err := loadProbe(uapi.ProgTypeKprobe, uapi.AttachTraceUprobeMulti, insnsReturn0)
	if err != nil {
		return false, nil // the kernel does not know the attach type
	}
	defer prog.Close()
	offsets := []uint64{0}
	try := func(pid uint32) error {
		attr := sys.LinkCreateUprobeMultiAttr{
			LinkCreateHead: sys.LinkCreateHead{ProgFd: prog.Uint(), AttachType: uapi.AttachTraceUprobeMulti},
			Path:           sys.NewStringPointer("/"),
			Offsets:        sys.NewPointer(unsafe.Pointer(&offsets[0])),
			Cnt:            1,
			Pid:            pid,
		}
		fd, err := sys.LinkCreate(&attr)
		fd.Close()
		runtime.KeepAlive(offsets)
		return err
	}
	if err := try(0); !errors.Is(err, unix.EBADF) {
		return false, nil
	}
	return errors.Is(try(^uint32(0)), unix.EINVAL), nil
}

// probeTCX asks for a tcx link on ifindex 0: ENODEV (no such device) says
// the kernel has tcx, EINVAL that it does not.
func probeTCX() (bool, error) {
	prog, err := loadProbe(uapi.ProgTypeSchedCls, 0, insnsReturn0)
	if err != nil {
		return false, fmt.Errorf("probe tcx: %w", err)
	}
	defer prog.Close()
	attr := sys.LinkCreateAttr{LinkCreateHead: sys.LinkCreateHead{ProgFd: prog.Uint(), AttachType: uapi.AttachTCXIngress}}
	fd, err := sys.LinkCreate(&attr)
	fd.Close()
	return errors.Is(err, unix.ENODEV), nil
}

// HasBPFCookie reports whether the running kernel has BPF cookies
// (bpf_get_attach_cookie, 5.15), probed once per process as libbpf does.
// It is what usdt.bpf.h's LINUX_HAS_BPF_COOKIE must say: a light skeleton
// generated on another kernel can set its .kconfig value from it before
// Load.
func HasBPFCookie() bool {
	ok, _ := haveBPFCookie.get()
	return ok
}

// syscallPrefixes are the architecture prefixes of syscall wrappers
// ("__x64_sys_bpf"), as libbpf's arch_specific_syscall_pfx knows them.
var syscallPrefixes = map[string]string{
	"amd64":   "x64",
	"386":     "ia32",
	"s390x":   "s390x",
	"arm":     "arm",
	"arm64":   "arm64",
	"mips":    "mips",
	"mipsle":  "mips",
	"mips64":  "mips",
	"riscv64": "riscv",
	"ppc64":   "powerpc",
	"ppc64le": "powerpc",
}

// probeSyscallWrapper decides like libbpf whether syscalls have
// arch-specific wrappers: a kprobe on __<arch>_sys_bpf can be created
// (through the kprobe PMU, or else as a tracefs kprobe event).
func probeSyscallWrapper() (bool, error) {
	pfx, ok := syscallPrefixes[runtime.GOARCH]
	if !ok {
		return false, nil
	}
	name := "__" + pfx + "_sys_bpf"
	if typ, err := pmuType("kprobe"); err == nil {
		pfd, err := perfEventOpenProbe(typ, 0, name, 0, os.Getpid())
		pfd.Close()
		return err == nil, nil
	}
	ev, err := addProbeEvent(false, false, probeEventName(name, 0), name)
	if err != nil {
		return false, nil
	}
	ev.remove()
	return true, nil
}

// syscallFunc returns the kernel function a ksyscall program probes for
// syscall name: __<arch>_sys_NAME with syscall wrappers, __se_sys_NAME
// without (as libbpf).
func syscallFunc(name string) string {
	if ok, _ := haveSyscallWrapper.get(); ok {
		return "__" + syscallPrefixes[runtime.GOARCH] + "_sys_" + name
	}
	return "__se_sys_" + name
}

// pmuType reads the perf event type of the kprobe or uprobe PMU.
func pmuType(pmu string) (uint32, error) {
	return readSysfsUint("/sys/bus/event_source/devices/"+pmu+"/type", "")
}

// pmuRetprobeBit reads which config bit makes a kprobe or uprobe a return
// probe ("config:0").
func pmuRetprobeBit(pmu string) (uint32, error) {
	return readSysfsUint("/sys/bus/event_source/devices/"+pmu+"/format/retprobe", "config:")
}

// haveRefCtrOffset reports whether uprobes take a reference counter offset
// (USDT semaphores, 4.20+).
func haveRefCtrOffset() bool {
	_, err := os.Stat("/sys/bus/event_source/devices/uprobe/format/ref_ctr_offset")
	return err == nil
}

// readSysfsUint reads a number after prefix from a sysfs file.
func readSysfsUint(path, prefix string) (uint32, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	s, ok := strings.CutPrefix(strings.TrimSpace(string(b)), prefix)
	if !ok {
		return 0, fmt.Errorf("%s: %q does not start with %q", path, b, prefix)
	}
	v, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	return uint32(v), nil
}
