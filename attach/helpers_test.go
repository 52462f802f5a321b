// This file holds what the attach package's kernel tests share: loading a
// test object with its target pid set and "?" programs enabled, reading
// its global counters, building the user-space probe target, tracefs, and
// the kernel facts that say which attachments a kernel must support.

package attach_test

import (
	"compress/gzip"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc"
	"github.com/bpfc/bpfc/attach"
	"github.com/bpfc/bpfc/backend/direct"
	"github.com/bpfc/bpfc/internal/testutil"
	"github.com/bpfc/bpfc/ir"
)

// object is a loaded test object.
type object struct {
	obj  *ir.Object
	coll *direct.Collection
}

// load compiles testdata/name with set (-set VAR=VALUE) and the "?"
// programs in enable switched on, loads it and closes it at cleanup.
func load(t *testing.T, name string, set map[string]string, enable ...string) *object {
	t.Helper()
	o, err := loadSet(t, name, set, enable...)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// loadSet is load that returns the error of a failed load.
func loadSet(t *testing.T, name string, set map[string]string, enable ...string) (*object, error) {
	t.Helper()
	return loadOpts(t, name, &bpfc.Options{Set: set, Enable: enable})
}

// loadOpts compiles testdata/name with opts and loads it, closing it at
// cleanup; it returns the error of a failed load.
func loadOpts(t *testing.T, name string, opts *bpfc.Options) (*object, error) {
	t.Helper()
	testutil.RequireKernel(t)
	obj, err := bpfc.Compile(filepath.Join("..", "testdata", name), opts)
	if err != nil {
		t.Fatal(err)
	}
	coll, err := direct.Load(obj, nil)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { coll.Close() })
	return &object{obj: obj, coll: coll}, nil
}

// pidSet sets target_tgid, the const volatile by which attach_probes.o's
// programs count only the events of this process.
func pidSet() map[string]string {
	return map[string]string{"target_tgid": strconv.Itoa(os.Getpid())}
}

// tryLoad is loadMine that returns the error of a failed load.
func tryLoad(t *testing.T, name string, enable ...string) (*object, error) {
	t.Helper()
	return loadSet(t, name, pidSet(), enable...)
}

// loadMine loads an object whose programs count only the events of this
// process, with the "?" programs in enable switched on.
func loadMine(t *testing.T, name string, enable ...string) *object {
	t.Helper()
	return load(t, name, pidSet(), enable...)
}

// attach attaches program name of o with opts and closes the link at
// cleanup.
func (o *object) attach(t *testing.T, name string, opts *attach.Options) *attach.Link {
	t.Helper()
	l, err := o.coll.AttachProgram(name, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("close %s: %v", name, err)
		}
	})
	return l
}

// global reads the integer variable name (or name[i] of a u64 array) of
// data section sec (".bss").
func (o *object) global(t *testing.T, sec, name string, idx int) uint64 {
	t.Helper()
	ds := o.obj.DataSection(sec)
	m := o.coll.Maps[sec]
	if ds == nil || m == nil {
		t.Fatalf("no data section %s", sec)
	}
	val, err := m.Lookup(make([]byte, 4))
	if err != nil {
		t.Fatalf("read %s: %v", sec, err)
	}
	for _, v := range ds.Vars {
		if v.Name != name {
			continue
		}
		off, size := v.Offset, v.Size
		if idx >= 0 {
			off, size = off+uint32(idx)*8, 8
		}
		var buf [8]byte
		copy(buf[:], val[off:off+min(size, 8)])
		return binary.LittleEndian.Uint64(buf[:])
	}
	t.Fatalf("no variable %s in %s", name, sec)
	return 0
}

// bss reads a .bss variable.
func (o *object) bss(t *testing.T, name string) uint64 { return o.global(t, ".bss", name, -1) }

// The counters of attach_probes.o (enum in its source).
const (
	cTP = iota
	cRawTP
	cTPBTF
	cKsyscall
	cKprobe
	cKretprobe
	cKmulti
	cFentry
	cFexit
	cFmodret
	cLSM
	cIter
	cKretmulti
	cTPCookie
	cKprobeCookie
	cKmultiCookie
	cRawTPCookie
	cFentryCookie
)

// count reads counts[c] of attach_probes.o.
func (o *object) count(t *testing.T, c int) uint64 { return o.global(t, ".bss", "counts", c) }

func probeTargets(t *testing.T) string { return testutil.ProbeTargets(t) }

func TestMain(m *testing.M) {
	if child := os.Getenv(envChild); child != "" {
		os.Exit(runChild(child))
	}
	code := m.Run()
	testutil.RemoveProbeTargets()
	os.Exit(code)
}

func tracefsDir(t *testing.T) string { return testutil.Tracefs(t) }

// haveKprobes reports whether the kernel can create kprobes: it has the
// kprobe PMU (4.17+ with CONFIG_KPROBES). The host of the tests is built
// without kprobes; the kernel matrix guests have them.
func haveKprobes() bool {
	_, err := os.Stat("/sys/bus/event_source/devices/kprobe")
	return err == nil
}

// readConfigGz reads the running kernel's config from /proc/config.gz.
func readConfigGz() ([]byte, error) {
	f, err := os.Open("/proc/config.gz")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(z)
}

// kernelVersion returns the running kernel's major and minor version.
func kernelVersion(t *testing.T) (int, int) {
	t.Helper()
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		t.Fatal(err)
	}
	rel := unix.ByteSliceToString(u.Release[:])
	var maj, min int
	for i, part := range []*int{&maj, &min} {
		n := 0
		for len(rel) > 0 && rel[0] >= '0' && rel[0] <= '9' {
			n = n*10 + int(rel[0]-'0')
			rel = rel[1:]
		}
		*part = n
		if i == 0 && len(rel) > 0 && rel[0] == '.' {
			rel = rel[1:]
		}
	}
	return maj, min
}

// perfLinks reports whether the kernel has BPF_PERF_EVENT links and BPF
// cookies (5.15); before, perf events are attached with an ioctl.
func perfLinks(t *testing.T) bool { return atLeast(t, 5, 15) }

// perfType is the Link.Type of a perf event attached in mode: a
// BPF_PERF_EVENT link where the kernel has them (5.15) and the mode allows,
// else the perf event itself, attached with PERF_EVENT_IOC_SET_BPF.
func perfType(t *testing.T, mode attach.Mode) string {
	if perfLinks(t) && (mode == attach.ModeDefault || mode == attach.ModeLink) {
		return "perf_event"
	}
	return "perf_event (ioctl)"
}

// haveFprobes reports whether the kernel has kprobe_multi links: Linux
// 5.18 built with CONFIG_FPROBE (Debian's 6.1 is not), and kprobes.
func haveFprobes(t *testing.T) bool {
	return haveKprobes() && atLeast(t, 5, 18) && kconfigSet(t, "CONFIG_FPROBE")
}

// atLeast reports whether the kernel is at least maj.min.
func atLeast(t *testing.T, maj, min int) bool {
	a, b := kernelVersion(t)
	return a > maj || a == maj && b >= min
}
