// Checks the attribute structs against union bpf_attr in the running
// kernel's BTF (the layout tests check them against numbers taken from
// the 6.18 uapi header): the BPF_LINK_CREATE forms, BPF_LINK_UPDATE and
// the raw tracepoint cookie. Fields the running kernel does not have yet
// (a kernel older than the header) are logged.

package sys

import (
	"fmt"
	"strings"
	"testing"
	"unsafe"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/internal/testutil"
)

func TestAttrsKernelBTF(t *testing.T) {
	testutil.RequireKernel(t)
	spec, err := btf.LoadKernel()
	if err != nil {
		t.Fatal(err)
	}
	var (
		lc LinkCreateAttr
		pe LinkCreatePerfEventAttr
		it LinkCreateIterAttr
		km LinkCreateKprobeMultiAttr
		um LinkCreateUprobeMultiAttr
		nf LinkCreateNetfilterAttr
		lu LinkUpdateAttr
		rt RawTracepointOpenAttr
		pl ProgLoadAttr
	)
	// newer marks the fields added after 5.10, the oldest kernel of the
	// matrix: missing ones are logged, not failed.
	const newer = true
	for _, tt := range []struct {
		path  string
		off   uintptr
		newer bool
	}{
		{"link_create.prog_fd", unsafe.Offsetof(lc.ProgFd), false},
		{"link_create.target_fd", unsafe.Offsetof(lc.TargetFd), false},
		{"link_create.attach_type", unsafe.Offsetof(lc.AttachType), false},
		{"link_create.flags", unsafe.Offsetof(lc.Flags), false},
		{"link_create.target_btf_id", unsafe.Offsetof(lc.TargetBtfID), false},
		{"link_create.tracing.cookie", unsafe.Offsetof(lc.Cookie), newer},
		{"link_create.tcx.expected_revision", unsafe.Offsetof(lc.Cookie), newer},
		{"link_create.perf_event.bpf_cookie", unsafe.Offsetof(pe.BpfCookie), newer},
		{"link_create.iter_info", unsafe.Offsetof(it.IterInfo), false},
		{"link_create.iter_info_len", unsafe.Offsetof(it.IterInfoLen), false},
		{"link_create.kprobe_multi.flags", unsafe.Offsetof(km.KprobeFlags), newer},
		{"link_create.kprobe_multi.cnt", unsafe.Offsetof(km.Cnt), newer},
		{"link_create.kprobe_multi.syms", unsafe.Offsetof(km.Syms), newer},
		{"link_create.kprobe_multi.addrs", unsafe.Offsetof(km.Addrs), newer},
		{"link_create.kprobe_multi.cookies", unsafe.Offsetof(km.Cookies), newer},
		{"link_create.uprobe_multi.path", unsafe.Offsetof(um.Path), newer},
		{"link_create.uprobe_multi.offsets", unsafe.Offsetof(um.Offsets), newer},
		{"link_create.uprobe_multi.ref_ctr_offsets", unsafe.Offsetof(um.RefCtrOffsets), newer},
		{"link_create.uprobe_multi.cookies", unsafe.Offsetof(um.Cookies), newer},
		{"link_create.uprobe_multi.cnt", unsafe.Offsetof(um.Cnt), newer},
		{"link_create.uprobe_multi.flags", unsafe.Offsetof(um.UprobeFlags), newer},
		{"link_create.uprobe_multi.pid", unsafe.Offsetof(um.Pid), newer},
		{"link_create.netfilter.pf", unsafe.Offsetof(nf.Pf), newer},
		{"link_create.netfilter.hooknum", unsafe.Offsetof(nf.Hooknum), newer},
		{"link_create.netfilter.priority", unsafe.Offsetof(nf.Priority), newer},
		{"link_create.netfilter.flags", unsafe.Offsetof(nf.NfFlags), newer},
		{"link_update.new_prog_fd", unsafe.Offsetof(lu.NewProgFd), false},
		{"link_update.flags", unsafe.Offsetof(lu.Flags), false},
		{"link_update.old_prog_fd", unsafe.Offsetof(lu.OldProgFd), false},
		{"iter_create.link_fd", 0, false},
		{"raw_tracepoint.prog_fd", unsafe.Offsetof(rt.ProgFd), false},
		{"raw_tracepoint.cookie", unsafe.Offsetof(rt.Cookie), newer},
		// Present in every kernel: shows the walk finds fields.
		{"prog_name", unsafe.Offsetof(pl.ProgName), false},
	} {
		off, err := attrField(spec, tt.path)
		if err != nil {
			if !tt.newer {
				t.Errorf("%s: %v", tt.path, err)
			} else {
				t.Logf("%s: %v (a kernel older than the uapi header)", tt.path, err)
			}
			continue
		}
		if uintptr(off) != tt.off {
			t.Errorf("%s: sys has offset %d, the kernel %d", tt.path, tt.off, off)
		}
	}
}

// attrField returns the byte offset of the member at path
// ("link_create.attach_type") in union bpf_attr, looking through the
// anonymous structs and unions the uapi nests fields in.
func attrField(spec *btf.Spec, path string) (int, error) {
	ids := spec.FindByNameKind("bpf_attr", btf.KindUnion)
	if len(ids) != 1 {
		return 0, fmt.Errorf("kernel BTF has %d unions bpf_attr", len(ids))
	}
	id, off := ids[0], 0
	for name := range strings.SplitSeq(path, ".") {
		moff, mid, err := findMember(spec, id, name)
		if err != nil {
			return 0, err
		}
		off += moff
		id = mid
	}
	return off, nil
}

// findMember finds member name of the struct or union id, in it or in an
// anonymous member, and returns its byte offset and type.
func findMember(spec *btf.Spec, id btf.TypeID, name string) (int, btf.TypeID, error) {
	id, err := spec.Skip(id)
	if err != nil {
		return 0, 0, err
	}
	typ, err := spec.Type(id)
	if err != nil {
		return 0, 0, err
	}
	if typ.Kind != btf.KindStruct && typ.Kind != btf.KindUnion {
		return 0, 0, fmt.Errorf("%s is a %s, not a struct or union", name, typ.Kind)
	}
	for _, m := range typ.Members {
		if m.Name == name {
			return int(m.BitOffset / 8), m.Type, nil
		}
		if m.Name == "" {
			if off, mid, err := findMember(spec, m.Type, name); err == nil {
				return int(m.BitOffset/8) + off, mid, nil
			}
		}
	}
	return 0, 0, fmt.Errorf("no member %s", name)
}
