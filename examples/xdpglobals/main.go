// Command xdpglobals is a complete example of a Go program shipping a BPF
// object as a bpfc light skeleton: no ELF or BTF parsing at run time, only
// the generated file xdp_globals_skel.go and the small run-time package.
//
// It sets a .rodata constant before load, runs the XDP program once on a
// test packet with BPF_PROG_TEST_RUN, and reads the program's .bss
// results through the mmaped map. Run it as root:
//
//	go generate ./examples/xdpglobals && go run ./examples/xdpglobals
package main

//go:generate go run github.com/bpfc/bpfc/cmd/bpfc -emit=loader -lang=go -pkg main -o xdp_globals_skel.go ../../testdata/xdp_globals.o

import (
	"flag"
	"fmt"
	"os"

	"github.com/bpfc/bpfc/backend/loaderprog/rt"
)

// packet is a 64-byte Ethernet/IPv4/UDP frame (testdata/README.md).
var packet = func() []byte {
	p := make([]byte, 64)
	copy(p, []byte{
		0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00, // Ethernet
		0x45, 0x10, 0x00, 0x32, 0x12, 0x34, 0, 0, 0x40, 0x11, 0, 0, // IPv4
		10, 0, 0, 1, 10, 0, 0, 2,
	})
	for i := 34; i < 64; i++ {
		p[i] = byte(i)
	}
	return p
}()

func main() {
	xor := flag.Bool("xor", false, "set rodata_mode to MODE_XOR before load")
	flag.Parse()
	ret, bss, verified, err := run(*xor)
	if err != nil {
		fmt.Fprintln(os.Stderr, "xdpglobals:", err)
		os.Exit(1)
	}
	if !verified {
		fmt.Println("blob integrity not verified (the kernel cannot hash maps before Linux 6.18)")
	}
	fmt.Printf("xdp_compute returned %d\n", ret)
	fmt.Printf(".bss: runs=%d result=%d pkt_len=%d\n", bss.BssRuns, bss.BssResult, bss.BssPktLen)
}

// run loads the skeleton, runs xdp_compute once and returns its return
// value, a copy of .bss and whether the loader verified its blob;
// everything is closed again.
func run(xor bool) (uint32, XdpGlobalsBss, bool, error) {
	s := NewXdpGlobals()
	if xor {
		s.Rodata.RodataMode = ModeXor // .rodata: set before Load
	}
	if err := s.Load(nil); err != nil {
		return 0, XdpGlobalsBss{}, false, err // names the failing loader step, with the verifier log
	}
	defer s.Close()
	ret, err := s.Progs.XdpCompute.Run(&rt.RunOptions{Data: packet})
	if err != nil {
		return 0, XdpGlobalsBss{}, false, err
	}
	return ret, *s.Bss, s.IntegrityVerified, nil // .bss: mmaped, read after the run
}
