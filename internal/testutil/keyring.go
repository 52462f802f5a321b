// This file makes kernel keyrings holding test certificates, for signed
// BPF_PROG_LOADs (the kernel looks the signer's key up in the keyring whose
// id the load names), and tells whether the running kernel is one that
// must verify signatures.

package testutil

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/sys/unix"
)

// keyAll is every permission for the possessor and the owner (KEY_POS_ALL
// | KEY_USR_ALL of linux/keyctl.h).
const keyAll = 0x3f3f0000

var keyringSeq atomic.Int64

// NewKeyring creates a keyring, adds each DER certificate to it as an
// "asymmetric" key, and returns its serial, the keyring_id of a signed
// BPF_PROG_LOAD. The keyring is created in the process keyring of one
// locked OS thread (the only thread possessing it), gives its owner every
// permission so that the other threads of the process may use it, and is
// linked into the user keyring so that it lives on; it is invalidated at
// cleanup.
func NewKeyring(tb testing.TB, certs ...[]byte) int32 {
	tb.Helper()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	desc := fmt.Sprintf("bpfc-test-%d-%s", keyringSeq.Add(1), tb.Name())
	ring, err := unix.AddKey("keyring", desc, nil, unix.KEY_SPEC_PROCESS_KEYRING)
	if err != nil {
		tb.Fatalf("add_key keyring: %v", err)
	}
	tb.Cleanup(func() {
		if _, err := unix.KeyctlInt(unix.KEYCTL_INVALIDATE, ring, 0, 0, 0); err != nil {
			tb.Errorf("invalidate keyring %d: %v", ring, err)
		}
	})
	if err := unix.KeyctlSetperm(ring, keyAll); err != nil {
		tb.Fatalf("setperm keyring %d: %v", ring, err)
	}
	if _, err := unix.KeyctlInt(unix.KEYCTL_LINK, ring, unix.KEY_SPEC_USER_KEYRING, 0, 0); err != nil {
		tb.Fatalf("link keyring %d into the user keyring: %v", ring, err)
	}
	for i, der := range certs {
		if _, err := unix.AddKey("asymmetric", fmt.Sprintf("%s-cert-%d", desc, i), der, ring); err != nil {
			tb.Fatalf("add_key asymmetric (certificate %d) to keyring %d: %v", i, ring, err)
		}
	}
	return int32(ring)
}

// KernelVerifiesSignatures reports whether the running kernel is one that
// verifies signed BPF_PROG_LOADs: Linux 6.18 or later built with
// CONFIG_SYSTEM_DATA_VERIFICATION (read from /proc/config.gz's stand-in,
// /boot/config-RELEASE, as Debian installs it). Tests use it to fail,
// rather than accept a refusal, where signing must work (the kernel
// matrix's 7.x guest).
func KernelVerifiesSignatures(tb testing.TB) bool {
	tb.Helper()
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		tb.Fatal(err)
	}
	release := unix.ByteSliceToString(u.Release[:])
	var major, minor int
	if _, err := fmt.Sscanf(release, "%d.%d", &major, &minor); err != nil || major < 6 || major == 6 && minor < 18 {
		return false
	}
	f, err := os.Open("/boot/config-" + release)
	if err != nil {
		return false
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if strings.TrimSpace(s.Text()) == "CONFIG_SYSTEM_DATA_VERIFICATION=y" {
			return true
		}
	}
	return false
}
