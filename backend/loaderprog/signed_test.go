// Tests of the loader's side of signed loaders: the hash the instructions
// carry is the blob's, a signature is refused for a loader without it or
// unsealed, CheckBlob catches one flipped byte anywhere in the blob, and a
// sealed loader creates its maps as generated.

package loaderprog

import (
	"bytes"
	"errors"
	"testing"

	"github.com/bpfc/bpfc/backend/loaderprog/rt"
	"github.com/bpfc/bpfc/backend/mapdef"
	"github.com/bpfc/bpfc/features"
	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/internal/testutil"
)

func TestBakedBlobHash(t *testing.T) {
	l := generate(t, globalsObject(), nil)
	h, err := BakedBlobHash(l.InsnBytes())
	if err != nil {
		t.Fatal(err)
	}
	if h != l.BlobHash {
		t.Errorf("baked hash %x, want the blob's %x", h, l.BlobHash)
	}
	n := generate(t, globalsObject(), &Options{NoIntegrity: true})
	if _, err := BakedBlobHash(n.InsnBytes()); !errors.Is(err, ErrNoBakedHash) {
		t.Errorf("NoIntegrity loader: %v, want ErrNoBakedHash", err)
	}
	for name, b := range map[string][]byte{"empty": nil, "odd": {1, 2, 3}, "short": l.InsnBytes()[:80]} {
		if _, err := BakedBlobHash(b); !errors.Is(err, ErrNoBakedHash) {
			t.Errorf("%s: %v, want ErrNoBakedHash", name, err)
		}
	}
}

// TestSignable checks the loader's side of signing: only a sealed loader
// with the blob check takes a signature, and CheckBlob catches one flipped
// byte anywhere in the blob. (Signing and verifying: package sign's
// tests.)
func TestSignable(t *testing.T) {
	sig := []byte("a signature")
	n := generate(t, globalsObject(), &Options{NoIntegrity: true, Sealed: true})
	if err := n.SetSignature(sig); !errors.Is(err, ErrUnprotectedBlob) {
		t.Errorf("SetSignature of a NoIntegrity loader: %v, want ErrUnprotectedBlob", err)
	}
	unsealed := generate(t, globalsObject(), nil)
	if err := unsealed.SetSignature(sig); !errors.Is(err, ErrNotSealed) {
		t.Errorf("SetSignature of an unsealed loader: %v, want ErrNotSealed", err)
	}
	l := generate(t, globalsObject(), &Options{Sealed: true})
	if err := l.SetSignature(nil); err == nil {
		t.Error("empty signature set")
	}
	if err := l.SetSignature(sig); err != nil {
		t.Fatal(err)
	}
	if !l.Spec().Sealed {
		t.Error("Spec of a sealed loader not sealed")
	}
	if !bytes.Equal(l.Spec().Signature, sig) {
		t.Fatal("Spec does not carry the signature")
	}
	blob, insns := l.Blob, l.InsnBytes()
	if err := CheckBlob(blob, insns); err != nil {
		t.Fatalf("CheckBlob: %v", err)
	}
	for i := range blob {
		c := bytes.Clone(blob)
		c[i] ^= 0x01
		if err := CheckBlob(c, insns); !errors.Is(err, ErrBlobAltered) {
			t.Fatalf("blob byte %d flipped: %v, want ErrBlobAltered", i, err)
		}
	}
	if err := CheckBlob(n.Blob, n.InsnBytes()); !errors.Is(err, ErrNoBakedHash) {
		t.Errorf("CheckBlob of a NoIntegrity loader: %v, want ErrNoBakedHash", err)
	}
}

// TestSealedIgnoresContext runs a sealed loader with a context that asks
// for another size and another initial value (rt refuses them for a
// sealed Spec, so the test hides the seal from it): the loader creates the
// maps as generated.
func TestSealedIgnoresContext(t *testing.T) {
	testutil.RequireKernel(t)
	t.Cleanup(testutil.CheckNoFDLeak(t))
	l := generate(t, globalsObject(), &Options{Sealed: true})
	if !loaderRuns(t, l) {
		return
	}
	spec := l.Spec()
	ro := make([]byte, 8)
	ro[0] = 100
	if _, err := rt.Load(spec, &rt.Options{MaxEntries: []uint32{16}}); !errors.Is(err, rt.ErrSealed) {
		t.Errorf("max_entries for a sealed loader: %v, want ErrSealed", err)
	}
	if _, err := rt.Load(spec, &rt.Options{InitialValues: [][]byte{nil, ro}}); !errors.Is(err, rt.ErrSealed) {
		t.Errorf("initial value for a sealed loader: %v, want ErrSealed", err)
	}
	if _, err := rt.Load(spec, &rt.Options{ValueSizes: []uint32{16}}); !errors.Is(err, rt.ErrSealed) {
		t.Errorf("value size for a sealed loader: %v, want ErrSealed", err)
	}
	spec.Sealed = false
	res, err := rt.Load(spec, &rt.Options{MaxEntries: []uint32{16}, ValueSizes: []uint32{16}, InitialValues: [][]byte{nil, ro}})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Close()
	// 41 from the generated .rodata, 1 from .data: the context's 100 and
	// 16 are ignored.
	if got := testRunRetval(t, res.ProgFDs[0], sys.TestRunOpts{DataIn: packet}); got != 42 {
		t.Errorf("retval %d, want 42 (the generated .rodata)", got)
	}
	info, err := sys.MapInfoByFD(borrow(t, res.MapFDs[0]))
	if err != nil {
		t.Fatal(err)
	}
	if info.MaxEntries != 4 || info.ValueSize != 8 {
		t.Errorf("counts max_entries %d, value_size %d, want the generated 4 and 8", info.MaxEntries, info.ValueSize)
	}
}

// TestSealedNeedsSizes: a sealed loader cannot size a map when it runs, so
// generating one for an object that leaves a size 0 fails, naming it.
func TestSealedNeedsSizes(t *testing.T) {
	obj := compileObject(t, "sized_maps.o")
	obj.Maps[0].MaxEntries = 0
	_, err := Generate(obj, &Options{Sealed: true})
	var se *mapdef.SizeError
	if !errors.As(err, &se) || se.Map != "stackmap" || !errors.Is(err, mapdef.ErrMaxEntries) {
		t.Errorf("Generate: %v, want stackmap's max_entries named", err)
	}
	if err := sizeSizedMaps(obj); err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(obj, &Options{Sealed: true}); err != nil {
		t.Errorf("Generate with the sizes set: %v", err)
	}
}

// TestSealedChecksBlob: a sealed loader (what gets signed) always checks
// its blob, whatever the context says: an altered blob is refused before
// step 0.
func TestSealedChecksBlob(t *testing.T) {
	testutil.RequireKernel(t)
	l := generate(t, globalsObject(), &Options{Sealed: true})
	if !loaderRuns(t, l) {
		return
	}
	spec := l.Spec()
	spec.Blob = append([]byte(nil), spec.Blob...)
	spec.Blob[len(spec.Blob)-9] ^= 0x40
	if features.MapHash.Missing() {
		// Before 6.18 the check cannot run: a sealed loader is refused.
		if err := expectFailure(t, l, spec); !errors.Is(err, rt.ErrIntegrityUnsupported) {
			t.Fatalf("sealed loader on %s: %v, want ErrIntegrityUnsupported", features.Release(), err)
		}
		return
	}
	if err := expectFailure(t, l, spec); !errors.Is(err, rt.ErrBlobIntegrity) {
		t.Fatalf("sealed loader with an altered blob: %v, want ErrBlobIntegrity", err)
	}
}
