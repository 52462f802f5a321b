// Examples of the Go API, shown by go doc.

package bpfc_test

import (
	"fmt"
	"log"

	"github.com/bpfc/bpfc"
	"github.com/bpfc/bpfc/backend/direct"
)

// Compile an object against a target BTF file and look at the result: the
// IR after every pass, ready for a backend.
func ExampleCompile() {
	obj, err := bpfc.Compile("testdata/xdp_globals.o", &bpfc.Options{
		BTF: "testdata/btf/kernel_a.btf",
		Set: map[string]string{"rodata_mode": "MODE_XOR"},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range obj.Programs {
		fmt.Println(p.Name, p.Section, len(p.Insns), "slots")
	}
	// Output:
	// xdp_compute xdp 115 slots
	// xdp_bump xdp 17 slots
}

// Load an object into the running kernel (as root), with the edits a
// user makes between opening and loading.
func ExampleLoad() {
	coll, err := bpfc.Load("testdata/maps_kinds.o", &bpfc.Options{
		MaxEntries: map[string]uint32{"user_sized_map": 16},
	}, &direct.Options{})
	if err != nil {
		log.Fatal(err) // names object, section, program and instruction; carries the verifier log
	}
	defer coll.Close()
	for _, name := range coll.ProgramOrder {
		p := coll.Programs[name]
		fmt.Println(name, p.Type, p.ID)
	}
}
