// Tests for the target description: config and release parsing, and the
// running kernel's facts.
package target

import (
	"os"
	"testing"
)

func TestParseRelease(t *testing.T) {
	for _, tc := range []struct {
		rel  string
		want uint32
		bad  bool
	}{
		{rel: "6.18.44-fc-v657", want: 6<<16 | 18<<8 | 44},
		{rel: "5.4.300", want: 5<<16 | 4<<8 | 255},
		{rel: "6.1", want: 6<<16 | 1<<8},
		{rel: "6.1-rc2", want: 6<<16 | 1<<8},
		{rel: "linux", bad: true},
		{rel: "", bad: true},
	} {
		got, err := ParseRelease(tc.rel)
		if tc.bad {
			if err == nil {
				t.Errorf("ParseRelease(%q) = %#x, want error", tc.rel, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseRelease(%q) = %#x, %v; want %#x", tc.rel, got, err, tc.want)
		}
	}
}

func TestParseKconfig(t *testing.T) {
	kc, err := ParseKconfig([]byte("# comment\nCONFIG_A=y\n# CONFIG_B is not set\n\nCONFIG_HZ=250\nCONFIG_S=\"str\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"CONFIG_A": "y", "CONFIG_HZ": "250", "CONFIG_S": `"str"`}
	if len(kc) != len(want) {
		t.Fatalf("got %v, want %v", kc, want)
	}
	for k, v := range want {
		if kc[k] != v {
			t.Errorf("%s = %q, want %q", k, kc[k], v)
		}
	}
	if _, err := ParseKconfig([]byte("garbage\n")); err == nil {
		t.Error("want error for a line that is not CONFIG_X=value")
	}
}

func TestKconfigFile(t *testing.T) {
	p := t.TempDir() + "/config"
	if err := os.WriteFile(p, []byte("CONFIG_BPF_SYSCALL=y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	kc, err := New(Options{Kconfig: p}).Kconfig()
	if err != nil || kc["CONFIG_BPF_SYSCALL"] != "y" {
		t.Fatalf("Kconfig() = %v, %v", kc, err)
	}
	if _, err := New(Options{Kconfig: p + ".missing"}).Kconfig(); err == nil {
		t.Fatal("want error for a missing config file")
	}
}

func TestRunningKernel(t *testing.T) {
	if _, err := os.Stat("/proc/config.gz"); err != nil {
		t.Skip("no /proc/config.gz:", err)
	}
	tg := Running()
	kc, err := tg.Kconfig()
	if err != nil {
		t.Fatal(err)
	}
	if kc["CONFIG_BPF_SYSCALL"] != "y" {
		t.Errorf("CONFIG_BPF_SYSCALL = %q, want y", kc["CONFIG_BPF_SYSCALL"])
	}
	v, err := tg.KernelVersion()
	if err != nil || v == 0 {
		t.Fatalf("KernelVersion() = %#x, %v", v, err)
	}
	if os.Geteuid() == 0 {
		addr, ok, err := tg.Kallsyms("_stext")
		if err != nil || !ok || addr == 0 {
			t.Errorf("Kallsyms(_stext) = %#x, %v, %v", addr, ok, err)
		}
	}
}
