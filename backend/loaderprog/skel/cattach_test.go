// This file tests how the C emitter decides to attach a program from its
// section: what the header attaches, and the reason it gives (in the
// generated attach function's comment) for what it leaves to the Go
// skeleton or libbpf.

package skel

import (
	"strings"
	"testing"

	"github.com/bpfc/bpfc/backend/loaderprog"
	"github.com/bpfc/bpfc/uapi"
)

func TestCAttachOf(t *testing.T) {
	for _, tt := range []struct {
		section string
		want    cAttach
		why     string // substring of the reason when want.kind is ""
	}{
		{"tracepoint/syscalls/sys_enter_getpid", cAttach{kind: "tp", target: "syscalls/sys_enter_getpid"}, ""},
		{"kprobe/do_sys_openat2+8", cAttach{kind: "kprobe", target: "do_sys_openat2", offset: 8}, ""},
		{"kretprobe/do_sys_openat2", cAttach{kind: "kprobe", target: "do_sys_openat2", ret: true}, ""},
		{"ksyscall/getpid", cAttach{kind: "ksyscall", target: "getpid"}, ""},
		{"uprobe//proc/self/exe:bpfc_self_probe", cAttach{kind: "uprobe", target: "/proc/self/exe", fn: "bpfc_self_probe"}, ""},
		{"uprobe.s//usr/lib/x86_64-linux-gnu/libc.so.6:malloc+0x10", cAttach{kind: "uprobe", target: "/usr/lib/x86_64-linux-gnu/libc.so.6", fn: "malloc", offset: 0x10}, ""},
		{"uretprobe//bin/bash:readline", cAttach{kind: "uprobe", target: "/bin/bash", fn: "readline", ret: true}, ""},
		{"uprobe//bin/true:0x1234", cAttach{kind: "uprobe", target: "/bin/true", offset: 0x1234}, ""},
		{"uprobe/libc.so.6:malloc", cAttach{}, "libc.so.6 is not an absolute path"},
		{"uprobe//lib/libc.so.6:malloc@GLIBC_2.2.5", cAttach{}, "symbol versions are left to the Go skeleton or libbpf"},
		{"uprobe//tmp/a\"b:f", cAttach{}, "characters this header does not quote"},
		{"uprobe//bin/true", cAttach{}, "PATH:FUNC[+OFFSET]"},
		{"uretprobe//bin/bash:readline+4", cAttach{}, "return probes take no offset"},
		{"uprobe", cAttach{}, "auto-attach not supported"},
		{"usdt//bin/python3:python:function__entry", cAttach{}, ".note.stapsdt"},
		{"uprobe.multi//bin/bash:read*", cAttach{}, "glob"},
		{"kprobe.multi/do_sys_*", cAttach{}, "glob"},
		{"uprobe//tmp/x*/y:f", cAttach{kind: "uprobe", target: "/tmp/x*/y", fn: "f"}, ""},
		{"uprobe//tmp/*/:f", cAttach{kind: "uprobe", target: "/tmp/*/", fn: "f"}, ""},
	} {
		t.Run(tt.section, func(t *testing.T) {
			typ := uapi.ProgTypeKprobe
			if strings.HasPrefix(tt.section, "tracepoint") {
				typ = uapi.ProgTypeTracepoint
			}
			got := cAttachOf(loaderprog.ProgDesc{Section: tt.section, Type: typ})
			why := got.why
			got.why = ""
			if got != tt.want || (tt.want.kind == "") != (why != "") || !strings.Contains(why, tt.why) {
				t.Errorf("= %+v (%q), want %+v (%q)", got, why, tt.want, tt.why)
			}
			if strings.Contains(why, "*/") {
				t.Errorf("reason %q would end its C comment", why)
			}
		})
	}
}

// TestCAttachOfTarget checks that a target set at generation
// (-attach-target: ProgDesc.AttachTo) wins over the section's.
func TestCAttachOfTarget(t *testing.T) {
	for _, tt := range []struct {
		section, attachTo string
		typ               uapi.ProgType
		want              cAttach
	}{
		{"kprobe/do_sys_openat2", "vfs_read", uapi.ProgTypeKprobe, cAttach{kind: "kprobe", target: "vfs_read"}},
		{"uprobe", "/bin/true:main", uapi.ProgTypeKprobe, cAttach{kind: "uprobe", target: "/bin/true", fn: "main"}},
		{"tracepoint/syscalls/sys_enter_getpid", "syscalls/sys_enter_getppid", uapi.ProgTypeTracepoint, cAttach{kind: "tp", target: "syscalls/sys_enter_getppid"}},
	} {
		if got := cAttachOf(loaderprog.ProgDesc{Section: tt.section, Type: tt.typ, AttachTo: tt.attachTo}); got != tt.want {
			t.Errorf("%s with target %s: %+v, want %+v", tt.section, tt.attachTo, got, tt.want)
		}
	}
}
