// This file checks every probe against the running kernel: on each kernel
// of the matrix (make vmtest) a feature must be present exactly when the
// kernel is at least as new as the feature's first kernel, so a wrong
// probe, a wrong parameter set or a wrong version shows up as a failure on
// some kernel.

package features

import (
	"bufio"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/internal/testutil"
	"github.com/bpfc/bpfc/uapi"
)

// runningVersion is the running kernel's version, or a fatal error.
func runningVersion(t *testing.T) Version {
	t.Helper()
	v, ok := KernelVersion()
	if !ok {
		t.Fatalf("cannot parse the kernel release %q", Release())
	}
	return v
}

// want reports whether a kernel of version v has what appeared in since.
func want(t *testing.T, v Version, since string) bool {
	t.Helper()
	s, ok := ParseVersion(since)
	if !ok {
		t.Fatalf("bad version %q", since)
	}
	return !v.Less(s)
}

func TestFeaturesMatchVersion(t *testing.T) {
	testutil.RequireKernel(t)
	defer testutil.CheckNoFDLeak(t)()
	v := runningVersion(t)
	cfg := kernelConfig(t)
	needs := map[*Feature]string{KprobeMultiLink: "CONFIG_FPROBE", UprobeRefCtr: "CONFIG_UPROBE_EVENTS"}
	// Stable kernels may have these before their first release (Debian's
	// 5.10.262 accepts '?' DATASEC names, 6.1.192 does not): only their
	// presence from Since on is checked.
	backported := map[*Feature]bool{BTFQmarkDatasec: true}
	for _, f := range All() {
		err := f.Check()
		if known, kerr := f.Known(); !known || kerr != err {
			t.Errorf("%s: Known() = %v, %v after Check() = %v", f.Name, known, kerr, err)
		}
		if err != nil && !errors.Is(err, ErrNotSupported) {
			t.Errorf("%s: probe failed: %v", f.Name, err)
			continue
		}
		has := err == nil
		t.Logf("%-16s %-5v (since %s)", f.Name, has, f.Since)
		if w := want(t, v, f.Since) && configured(cfg, needs[f]); has != w && !(has && backported[f]) {
			t.Errorf("%s (%s): probe says %v on %s, but it appeared in %s", f.Name, f.Desc, has, Release(), f.Since)
		}
		if !has {
			var me *MissingError
			if !errors.As(err, &me) || me.Since != f.Since || !strings.Contains(err.Error(), "first appeared in Linux "+f.Since) {
				t.Errorf("%s: error %q does not name the first kernel", f.Name, err)
			}
		}
	}
}

// kernelConfig returns the running kernel's config symbols (as the
// target package finds them: /proc/config.gz, then /boot/config-RELEASE).
func kernelConfig(t *testing.T) map[string]string {
	t.Helper()
	var r io.Reader
	if f, err := os.Open("/proc/config.gz"); err == nil {
		defer f.Close()
		z, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		r = z
	} else if f, err := os.Open("/boot/config-" + Release()); err == nil {
		defer f.Close()
		r = f
	} else {
		return nil
	}
	cfg := map[string]string{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok && strings.HasPrefix(k, "CONFIG_") {
			cfg[k] = v
		}
	}
	return cfg
}

// configured says whether a type that needs a config option is built in
// (or as a module): without the kernel's config, assume it is.
func configured(cfg map[string]string, symbol string) bool {
	if cfg == nil || symbol == "" {
		return true
	}
	return cfg[symbol] == "y" || cfg[symbol] == "m"
}

func TestMapTypesMatchVersion(t *testing.T) {
	testutil.RequireKernel(t)
	defer testutil.CheckNoFDLeak(t)()
	v := runningVersion(t)
	cfg := kernelConfig(t)
	needs := map[uapi.MapType]string{
		uapi.MapTypeXskmap:        "CONFIG_XDP_SOCKETS",
		uapi.MapTypeCgroupStorage: "CONFIG_CGROUP_BPF", uapi.MapTypePercpuCgroupStorage: "CONFIG_CGROUP_BPF",
		uapi.MapTypeInodeStorage: "CONFIG_BPF_LSM",
	}
	for _, e := range mapTypeSince {
		mt, since := e.t, e.since
		err := MapType(mt)
		if err != nil && !errors.Is(err, ErrNotSupported) {
			t.Errorf("map type %s: probe failed: %v", mt, err)
			continue
		}
		has := err == nil
		w := want(t, v, since) && configured(cfg, needs[mt])
		if has != w {
			t.Errorf("map type %s: probe says %v on %s (since %s, %s): %v", mt, has, Release(), since, needs[mt], err)
		}
		if !has && !strings.Contains(err.Error(), "map type "+mt.String()) {
			t.Errorf("map type %s: error %q does not name it", mt, err)
		}
	}
}

func TestProgTypesMatchVersion(t *testing.T) {
	testutil.RequireKernel(t)
	defer testutil.CheckNoFDLeak(t)()
	v := runningVersion(t)
	cfg := kernelConfig(t)
	needs := map[uapi.ProgType]string{
		uapi.ProgTypeLIRCMode2:    "CONFIG_BPF_LIRC_MODE2",
		uapi.ProgTypeLSM:          "CONFIG_BPF_LSM",
		uapi.ProgTypeNetfilter:    "CONFIG_NETFILTER_BPF_LINK",
		uapi.ProgTypeCgroupDevice: "CONFIG_CGROUP_BPF", uapi.ProgTypeCgroupSKB: "CONFIG_CGROUP_BPF",
		uapi.ProgTypeCgroupSock: "CONFIG_CGROUP_BPF", uapi.ProgTypeCgroupSockAddr: "CONFIG_CGROUP_BPF",
		uapi.ProgTypeCgroupSysctl: "CONFIG_CGROUP_BPF", uapi.ProgTypeCgroupSockopt: "CONFIG_CGROUP_BPF",
		uapi.ProgTypeSockOps: "CONFIG_CGROUP_BPF",
	}
	for _, e := range progTypeSince {
		pt, since := e.t, e.since
		err := ProgType(pt)
		if err != nil && !errors.Is(err, ErrNotSupported) {
			t.Errorf("program type %s: probe failed: %v", pt, err)
			continue
		}
		has := err == nil
		w := want(t, v, since) && configured(cfg, needs[pt])
		if has != w {
			t.Errorf("program type %s: probe says %v on %s (since %s, %s): %v", pt, has, Release(), since, needs[pt], err)
		}
	}
}

// TestHelperTable checks the helper id table at the running kernel: the
// last helper its version added is known, the next id is not.
func TestHelperTable(t *testing.T) {
	testutil.RequireKernel(t)
	v := runningVersion(t)
	last := int32(0)
	for _, e := range helperSince {
		if want(t, v, e.since) {
			last = e.last
		}
	}
	known := func(h int32) bool {
		attr := progAttr(uapi.ProgTypeSocketFilter)
		r := progLoad(&attr, callRet(h), true)
		if r.errno == 0 {
			return true
		}
		if r.log == "" {
			t.Fatalf("helper %d: %v without a verifier log", h, r.errno)
		}
		return !strings.Contains(r.log, "invalid func unknown#")
	}
	if !known(last) {
		t.Errorf("helper %d (%s, the last of %s per the table) is unknown to %s", last, uapi.HelperID(last), HelperSince(uapi.HelperID(last)), Release())
	}
	if last < helperSince[len(helperSince)-1].last && known(last+1) {
		t.Errorf("helper %d (%s, %s per the table) is known to %s", last+1, uapi.HelperID(last+1), HelperSince(uapi.HelperID(last+1)), Release())
	}
}

func TestHelperErrors(t *testing.T) {
	testutil.RequireKernel(t)
	v := runningVersion(t)
	// bpf_sys_bpf: syscall programs only, since 5.14.
	err := Helper(uapi.ProgTypeSocketFilter, 166)
	switch {
	case !want(t, v, "5.14"):
		var me *MissingError
		if !errors.As(err, &me) || me.Since != "5.14" || !strings.Contains(err.Error(), "helper bpf_sys_bpf") {
			t.Errorf("bpf_sys_bpf on %s: %v, want a MissingError naming it and 5.14", Release(), err)
		}
	default:
		if !errors.Is(err, ErrNotSupported) || !strings.Contains(err.Error(), "not available to socket_filter programs") {
			t.Errorf("bpf_sys_bpf in a socket filter: %v, want not available to socket_filter programs", err)
		}
	}
	if err := Helper(uapi.ProgTypeSocketFilter, 1); err != nil {
		t.Errorf("bpf_map_lookup_elem: %v", err)
	}
	// A helper of a program type the kernel lacks (netfilter, 6.4): the
	// helper's probe is refused before the verifier, and the program
	// type's probe names what is missing.
	err = Helper(uapi.ProgTypeNetfilter, 1)
	var me *MissingError
	isTypeMissing := errors.As(err, &me) && strings.Contains(me.What, "program type")
	if want(t, v, "6.4") == isTypeMissing {
		t.Errorf("bpf_map_lookup_elem in a netfilter program on %s: %v", Release(), err)
	}
}

func TestAttachTypes(t *testing.T) {
	testutil.RequireKernel(t)
	v := runningVersion(t)
	for _, c := range []struct {
		pt uapi.ProgType
		at uapi.AttachType
	}{
		{uapi.ProgTypeKprobe, uapi.AttachTraceKprobeMulti},
		{uapi.ProgTypeKprobe, uapi.AttachTraceUprobeMulti},
		{uapi.ProgTypeKprobe, uapi.AttachTraceKprobeSession},
		{uapi.ProgTypeCgroupSockAddr, uapi.AttachCgroupUnixConnect},
		{uapi.ProgTypeSKLookup, uapi.AttachSKLookup},
	} {
		err := AttachType(c.pt, c.at)
		has := err == nil
		w := want(t, v, AttachTypeSince(c.at)) && (c.at != uapi.AttachTraceKprobeMulti || configured(kernelConfig(t), "CONFIG_FPROBE"))
		if has != w {
			t.Errorf("%s/%s: probe says %v on %s (since %s): %v", c.pt, c.at, has, Release(), AttachTypeSince(c.at), err)
		}
	}
}

func TestParseVersion(t *testing.T) {
	for in, want := range map[string]string{
		"5.10.0-46-cloud-amd64": "5.10", "6.12.118+deb13-cloud-amd64": "6.12", "7.2.13": "7.2", "6.1": "6.1",
	} {
		v, ok := ParseVersion(in)
		if !ok || v.String() != want {
			t.Errorf("ParseVersion(%q) = %v, %v; want %s", in, v, ok, want)
		}
	}
	for _, in := range []string{"", "6", "x.y", "6.x"} {
		if v, ok := ParseVersion(in); ok {
			t.Errorf("ParseVersion(%q) = %v, want failure", in, v)
		}
	}
	if !(Version{5, 10}).Less(Version{6, 1}) || (Version{6, 12}).Less(Version{6, 2}) {
		t.Error("Less orders versions wrongly")
	}
}

func TestMissingError(t *testing.T) {
	err := error(&MissingError{What: "map type bloom_filter", Since: "5.16", Release: "5.10.0-46-cloud-amd64"})
	if !errors.Is(err, ErrNotSupported) {
		t.Error("MissingError is not ErrNotSupported")
	}
	want := "map type bloom_filter is not supported by this kernel (5.10.0-46-cloud-amd64); it first appeared in Linux 5.16"
	if err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
	if got := HelperSince(166); got != "5.14" {
		t.Errorf("HelperSince(bpf_sys_bpf) = %q", got)
	}
	if got := HelperSince(10000); got != "" {
		t.Errorf("HelperSince(10000) = %q", got)
	}
}

// TestSinceTables checks that the first-kernel tables are in strictly
// increasing type order (their lookups search them by halves) and that a
// type without an entry has no first kernel.
func TestSinceTables(t *testing.T) {
	sorted := func(name string, types []uint32) {
		for i := 1; i < len(types); i++ {
			if types[i] <= types[i-1] {
				t.Errorf("%s: type %d after %d", name, types[i], types[i-1])
			}
		}
	}
	var m, p, a []uint32
	for _, e := range mapTypeSince {
		m = append(m, uint32(e.t))
		if got := MapTypeSince(e.t); got != e.since {
			t.Errorf("MapTypeSince(%s) = %q, want %q", e.t, got, e.since)
		}
	}
	for _, e := range progTypeSince {
		p = append(p, uint32(e.t))
		if got := ProgTypeSince(e.t); got != e.since {
			t.Errorf("ProgTypeSince(%s) = %q, want %q", e.t, got, e.since)
		}
	}
	for _, e := range attachTypeSince {
		a = append(a, uint32(e.t))
		if got := AttachTypeSince(e.t); got != e.since {
			t.Errorf("AttachTypeSince(%s) = %q, want %q", e.t, got, e.since)
		}
	}
	sorted("mapTypeSince", m)
	sorted("progTypeSince", p)
	sorted("attachTypeSince", a)
	if s := MapTypeSince(0); s != "" {
		t.Errorf("MapTypeSince(unspec) = %q", s)
	}
	if s := ProgTypeSince(9999); s != "" {
		t.Errorf("ProgTypeSince(9999) = %q", s)
	}
	if s := AttachTypeSince(uapi.AttachCgroupInetIngress); s != "" {
		t.Errorf("AttachTypeSince(%s) = %q, not in the table", uapi.AttachCgroupInetIngress, s)
	}
	if n := len(MapTypes()); n != len(mapTypeSince) {
		t.Errorf("MapTypes: %d, want %d", n, len(mapTypeSince))
	}
}
