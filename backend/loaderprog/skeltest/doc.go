// Package skeltest holds the tests of bpfc's light-skeleton emitters
// (package loaderprog/skel: WriteGo, WriteC, WriteRaw): generated skeletons are
// compiled in a scratch module (Go) or with gcc against libbpf-dev (C) and
// run on the kernel, and compared with bpftool's `gen skeleton -L`. It
// has no non-test code.
package skeltest
