// This file reads what a guest wrote on its result port: the markers of
// the init script around each test binary's `-test.v=test2json` output,
// turned into per-test results with `go tool test2json`.

package vmtest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"sort"
	"strconv"
	"strings"
)

// Guest is what one guest reported.
type Guest struct {
	Release  string         // uname -r in the guest
	Insmod   map[string]int // module path -> insmod exit status
	Packages []*PackageRun  // in run order
	Done     bool           // the init script got to its end
}

// PackageRun is one test binary's run in a guest.
type PackageRun struct {
	ImportPath string
	Output     []byte // the binary's -test.v=test2json output
	Ended      bool   // the end marker was seen
	RC         int    // the binary's exit status
	Seconds    int    // wall time in the guest
}

// ParseGuest reads a guest's result port until EOF. progress, when not
// nil, is called with each finished package.
func ParseGuest(r io.Reader, progress func(*PackageRun)) (*Guest, error) {
	g := &Guest{Insmod: map[string]int{}}
	var cur *PackageRun
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			if strings.HasSuffix(line, "\r\n") {
				line = line[:len(line)-2] + "\n"
			}
			g.line(line, &cur, progress)
		}
		if err == io.EOF {
			return g, nil
		}
		if err != nil {
			return g, fmt.Errorf("reading the guest's results: %w", err)
		}
	}
}

func (g *Guest) line(line string, cur **PackageRun, progress func(*PackageRun)) {
	i := strings.Index(line, "@@vmtest ")
	if i < 0 {
		if *cur != nil {
			(*cur).Output = append((*cur).Output, line...)
		}
		return
	}
	// A marker after output that did not end its line (a crashed binary).
	if i > 0 && *cur != nil {
		(*cur).Output = append((*cur).Output, line[:i]+"\n"...)
	}
	marker := strings.TrimRight(line[i:], "\r\n")
	switch {
	case strings.HasPrefix(marker, markKernel):
		g.Release = strings.TrimPrefix(marker, markKernel)
	case strings.HasPrefix(marker, markInsmod):
		f := strings.Fields(strings.TrimPrefix(marker, markInsmod))
		if len(f) == 2 {
			rc, _ := strconv.Atoi(f[1])
			g.Insmod[f[0]] = rc
		}
	case strings.HasPrefix(marker, markBegin):
		p := &PackageRun{ImportPath: strings.TrimPrefix(marker, markBegin)}
		g.Packages = append(g.Packages, p)
		*cur = p
	case strings.HasPrefix(marker, markEnd):
		f := strings.Fields(strings.TrimPrefix(marker, markEnd))
		if len(f) == 3 && *cur != nil && (*cur).ImportPath == f[0] {
			(*cur).Ended = true
			(*cur).RC, _ = strconv.Atoi(f[1])
			(*cur).Seconds, _ = strconv.Atoi(f[2])
			if progress != nil {
				progress(*cur)
			}
		}
		*cur = nil
	case marker == markDone:
		g.Done = true
	}
}

// Outcome is how one test ended in one kernel.
type Outcome string

// Outcomes. A skip is a failure in the matrix unless the test is
// host-only (testutil.HostOnly); a failure listed as known is tolerated.
const (
	Pass      Outcome = "pass"
	Fail      Outcome = "fail"
	Skip      Outcome = "skip"      // skipped for a reason other than host-only
	HostOnly  Outcome = "host-only" // needs a host tool; reported, not run
	KnownFail Outcome = "known"     // failed, listed in the known failures
	Fixed     Outcome = "fixed"     // listed as a known failure but passed
)

// HostOnlyMark starts the skip message of a host-only test
// (testutil.HostOnly writes it).
const HostOnlyMark = "host-only: "

// Result is one test's outcome in one kernel.
type Result struct {
	Package string  // import path relative to the module, e.g. backend/direct
	Test    string  // e.g. TestObjects/xdp_globals.o; empty for a whole-package failure
	Outcome Outcome // pass, fail, ...
	Reason  string  // skip or host-only reason, or the failure's output
	Elapsed float64 // seconds
}

// event is a `go tool test2json` event.
type event struct {
	Action  string
	Test    string
	Elapsed float64
	Output  string
}

// Results turns a package run into per-test results with
// `go tool test2json` (goTool is the go command). module is the module
// path, trimmed from import paths.
func Results(goTool, module string, p *PackageRun) ([]Result, error) {
	pkg := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
	if pkg == "" {
		pkg = "."
	}
	cmd := exec.Command(goTool, "tool", "test2json", "-p", p.ImportPath)
	cmd.Stdin = bytes.NewReader(p.Output)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go tool test2json for %s: %w: %s", p.ImportPath, err, stderr.String())
	}
	return results(pkg, p, out)
}

func results(pkg string, p *PackageRun, jsonl []byte) ([]Result, error) {
	tests := map[string]*testState{}
	var order []string
	var pkgOut strings.Builder
	pkgFailed := false
	dec := json.NewDecoder(bytes.NewReader(jsonl))
	for {
		var e event
		if err := dec.Decode(&e); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("test2json output of %s: %w", p.ImportPath, err)
		}
		if e.Test == "" {
			if e.Action == "output" {
				pkgOut.WriteString(e.Output)
			}
			if e.Action == "fail" {
				pkgFailed = true
			}
			continue
		}
		s := tests[e.Test]
		if s == nil {
			s = &testState{}
			tests[e.Test] = s
			order = append(order, e.Test)
		}
		switch e.Action {
		case "output":
			s.output.WriteString(e.Output)
		case "pass", "fail", "skip":
			s.action = e.Action
			s.elapsed = e.Elapsed
		}
	}
	sort.Strings(order)
	var rs []Result
	anyFail := false
	for _, name := range order {
		s := tests[name]
		r := Result{Package: pkg, Test: name, Elapsed: s.elapsed}
		switch s.action {
		case "pass":
			r.Outcome = Pass
		case "skip":
			r.Reason = skipReason(s.output.String())
			r.Outcome = Skip
			// The skip's message is the test's last: a host-only test
			// may have logged before it.
			if last := lastMessage(s.output.String()); strings.HasPrefix(last, HostOnlyMark) {
				r.Outcome = HostOnly
				r.Reason = strings.TrimPrefix(last, HostOnlyMark)
			}
		case "fail":
			anyFail = true
			// A parent fails with its subtests: only the failing leaves
			// count, or the parent itself when it failed on its own.
			if failedChild(tests, name) {
				continue
			}
			r.Outcome, r.Reason = Fail, failText(s.output.String())
		default: // never ended: the binary died or hung in it
			anyFail = true
			r.Outcome, r.Reason = Fail, "did not finish:\n"+failText(s.output.String())
		}
		rs = append(rs, r)
	}
	switch {
	case !p.Ended:
		rs = append(rs, Result{Package: pkg, Outcome: Fail, Reason: "the test binary did not finish (guest crash or timeout; see the console log):\n" + tail(pkgOut.String(), 30)})
	case (p.RC != 0 || pkgFailed) && !anyFail:
		rs = append(rs, Result{Package: pkg, Outcome: Fail, Reason: fmt.Sprintf("test binary exit status %d:\n%s", p.RC, tail(pkgOut.String(), 30))})
	}
	return rs, nil
}

// testState is what the events of one test said so far.
type testState struct {
	action  string // pass, fail, skip; empty while running
	output  strings.Builder
	elapsed float64
}

// failedChild reports whether a subtest of test name failed.
func failedChild(tests map[string]*testState, name string) bool {
	for t, s := range tests {
		if s.action == "fail" && strings.HasPrefix(t, name+"/") {
			return true
		}
	}
	return false
}

// skipReason is the message a test skipped with: its output without the
// run/skip framing lines, trimmed, the file:line prefix dropped.
func skipReason(out string) string {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- SKIP") {
			continue
		}
		if i := strings.Index(t, ": "); i > 0 && strings.Contains(t[:i], ".go:") {
			t = t[i+2:]
		}
		lines = append(lines, t)
	}
	return strings.Join(lines, "\n")
}

// lastMessage is the last message a test logged (t.Log, t.Skip: the lines
// from the last "file.go:N: " on), without that prefix.
func lastMessage(out string) string {
	var msg []string
	for _, l := range strings.Split(out, "\n") {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- ") {
			continue
		}
		if i := strings.Index(t, ": "); i > 0 && strings.Contains(t[:i], ".go:") {
			msg = []string{t[i+2:]}
			continue
		}
		msg = append(msg, t)
	}
	return strings.Join(msg, "\n")
}

// failText is a failed test's output without the framing lines.
func failText(out string) string {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- FAIL") {
			continue
		}
		lines = append(lines, strings.TrimRight(l, " "))
	}
	return tail(strings.Join(lines, "\n"), 40)
}

// tail keeps the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("[... %d lines]", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}
