// This file holds the test packet that packet programs are run on.

package testutil

import "encoding/hex"

// packetHex is the test packet of testdata/README.md: Ethernet + IPv4/UDP,
// 10.0.0.1 -> 10.0.0.2, 64 bytes.
const packetHex = "02000000000202000000000108004510003212340000401100000a0000010a000002" +
	"22232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"

// Packet returns a new copy of the test packet of testdata/README.md
// (Ethernet + IPv4/UDP, 10.0.0.1 -> 10.0.0.2, 64 bytes), the input of
// test runs of packet programs.
func Packet() []byte {
	p, err := hex.DecodeString(packetHex)
	if err != nil {
		panic(err) // a constant: cannot happen
	}
	return p
}
