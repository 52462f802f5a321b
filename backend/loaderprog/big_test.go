// This file tests loaders far beyond what a 16-bit jump spans: an object
// synthesized with hundreds of maps and programs, and the emitter's own
// handling of far jumps.

package loaderprog

import (
	"errors"
	"fmt"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/internal/irtest"
	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/internal/testutil"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/uapi"
)

// bigObject has nMaps arrays and nProgs socket filters; program i reads
// element 0 of map i%nMaps and returns it plus i.
func bigObject(nMaps, nProgs int) *ir.Object {
	obj := &ir.Object{Name: "big.o", License: "GPL"}
	for i := range nMaps {
		obj.Maps = append(obj.Maps, &ir.Map{
			Name: fmt.Sprintf("m%d", i), Kind: ir.MapBTF, Type: uapi.MapTypeArray,
			KeySize: 4, ValueSize: 8, MaxEntries: 1,
		})
	}
	for i := range nProgs {
		insns := irtest.Insns(
			ir.St(4, 10, -4, 0), // *(u32 *)(r10-4) = 0
			ir.Mov64Reg(2, 10), ir.Add64Imm(2, -4),
			ir.LdMapIdx(1, int32(i%nMaps)),
			callHelper(uapi.HelperMapLookupElem),
			ir.Insn{Op: ir.ClassJMP | ir.JumpNE, Dst: 0, Off: 2}, // if r0 != 0 goto +2
			ir.Mov64Imm(0, 0),
			ir.Exit(),
			ir.Ldx(4, 0, 0, 0),
			ir.Add64Imm(0, int32(i)),
			ir.Exit(),
		)
		p := irtest.Program(fmt.Sprintf("p%d", i), uapi.ProgTypeSocketFilter, insns)
		p.Relocs = []*ir.Reloc{{Insn: 3, Kind: ir.RelocMap, Symbol: fmt.Sprintf("m%d", i%nMaps), State: ir.Resolved, MapIndex: i % nMaps}}
		obj.Programs = append(obj.Programs, p)
	}
	return obj
}

func TestBigLoader(t *testing.T) {
	testutil.RequireKernel(t)
	t.Cleanup(testutil.CheckNoFDLeak(t))
	const nMaps, nProgs = 200, 900
	l := generate(t, bigObject(nMaps, nProgs), nil)
	wide := 0
	for _, in := range l.Insns {
		if in.Op == ir.OpGotol {
			wide++
		}
	}
	t.Logf("%d maps, %d programs: %d loader instructions (%d gotol), blob %d bytes, %d steps",
		nMaps, nProgs, len(l.Insns), wide, len(l.Blob), len(l.Steps))
	if len(l.Insns) < 40000 {
		t.Fatalf("only %d instructions: the test wants a loader beyond 40K", len(l.Insns))
	}
	if wide == 0 {
		t.Fatalf("no gotol in a %d-instruction loader", len(l.Insns))
	}
	if !loaderRuns(t, l) {
		return
	}
	res := runLoader(t, l, nil)
	if len(res.MapFDs) != nMaps || len(res.ProgFDs) != nProgs {
		t.Fatalf("%d maps and %d programs back", len(res.MapFDs), len(res.ProgFDs))
	}
	for _, i := range []int{0, 1, nProgs / 2, nProgs - 1} {
		if res.ProgFDs[i] < 0 {
			t.Fatalf("program %d not loaded", i)
		}
		if got := testRunRetval(t, res.ProgFDs[i], sys.TestRunOpts{DataIn: packet}); got != uint32(i) {
			t.Errorf("program %d: retval %d, want %d", i, got, i)
		}
	}
	res.Close()

	// The last program failing must still clean up everything, from the
	// far end of the loader.
	obj := bigObject(nMaps, nProgs)
	last := obj.Programs[nProgs-1]
	last.Insns = []ir.Insn{ir.Exit()}
	last.Relocs = nil
	err := expectFailure(t, generate(t, obj, nil), nil)
	if !errors.Is(err, unix.EACCES) {
		t.Errorf("error %v, want EACCES", err)
	}
}

func TestEmitterFarJumps(t *testing.T) {
	var e emitter
	far := e.newLabel()
	e.jump(far) // forward: always gotol
	near := e.newLabel()
	e.jumpIf(ir.JumpEq, ir.R1, 0, near)
	e.bind(near)
	for range 40000 {
		e.emit(ir.Mov64Imm(ir.R0, 0))
	}
	e.bind(far)
	back := e.newLabel()
	e.bind(back)
	e.emit(ir.Mov64Imm(ir.R0, 1))
	e.jump(back) // backward, near: ja
	insns, err := e.finish()
	if err != nil {
		t.Fatal(err)
	}
	if in := insns[0]; in.Op != ir.ClassJMP32 || int(in.Imm) != 40001 {
		t.Errorf("forward jump %+v, want gotol +40001", in)
	}
	if in := insns[len(insns)-1]; in.Op != ir.ClassJMP || in.Off != -2 {
		t.Errorf("backward jump %+v, want ja -2", in)
	}

	// A conditional jump to a far label cannot be encoded.
	var e2 emitter
	l := e2.newLabel()
	e2.jumpIf(ir.JumpEq, ir.R1, 0, l)
	for range 40000 {
		e2.emit(ir.Mov64Imm(ir.R0, 0))
	}
	e2.bind(l)
	e2.emit(ir.Exit())
	if _, err := e2.finish(); !errors.Is(err, ErrTooLarge) {
		t.Errorf("far conditional jump: %v, want ErrTooLarge", err)
	}

	// The first error sticks.
	var e3 emitter
	e3.ldBlob(ir.R1, -1)
	e3.ldBlob(ir.R1, maxBlobOffset+1)
	if _, err := e3.finish(); err == nil || !errors.Is(err, ErrTooLarge) {
		t.Errorf("bad blob offset: %v", err)
	}
}
