// Tests of interfaceName against package net (a second implementation,
// by netlink) on every interface of this network namespace.

package attach

import (
	"errors"
	"net"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

func TestInterfaceName(t *testing.T) {
	ifaces, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	if len(ifaces) == 0 {
		t.Fatal("no interfaces (not even lo)")
	}
	maxIndex := 0
	for _, iface := range ifaces {
		name, err := interfaceName(iface.Index)
		if err != nil || name != iface.Name {
			t.Errorf("ifindex %d: %q, %v; package net says %q", iface.Index, name, err, iface.Name)
		}
		maxIndex = max(maxIndex, iface.Index)
	}
	if _, err := interfaceName(maxIndex + 1000); !errors.Is(err, unix.ENODEV) {
		t.Errorf("ifindex %d: %v, want ENODEV", maxIndex+1000, err)
	}
	if got := ifaceName(maxIndex + 1000); got != "ifindex "+strconv.Itoa(maxIndex+1000) {
		t.Errorf("ifaceName of a missing interface: %q", got)
	}
}
