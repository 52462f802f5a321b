// This file holds the helpers of the emitter tests: test objects compiled
// for a loader (externs and CO-RE deferred to load time).

package skel

import (
	"path/filepath"
	"testing"

	"github.com/bpfc/bpfc"
	"github.com/bpfc/bpfc/internal/testutil"
	"github.com/bpfc/bpfc/ir"
)

const testdataDir = "../../../testdata"

// packet is the test packet of testdata/README.md.
var packet = testutil.Packet()

// compileObject runs a test object through the frontend and every pass,
// deferring what can be deferred to load time.
func compileObject(t *testing.T, name string) *ir.Object {
	t.Helper()
	obj, err := bpfc.Compile(filepath.Join(testdataDir, name), &bpfc.Options{Defer: true, CheckIR: true})
	if err != nil {
		t.Fatalf("compile %s: %v", name, err)
	}
	return obj
}

// compileObjectOrNil is compileObject for objects that may not compile
// (some test objects are refused by design): nil then.
func compileObjectOrNil(name string) *ir.Object {
	obj, err := bpfc.Compile(filepath.Join(testdataDir, name), &bpfc.Options{Defer: true, CheckIR: true})
	if err != nil {
		return nil
	}
	return obj
}
