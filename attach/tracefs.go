// This file finds tracefs and uses it: tracepoint ids
// (events/CATEGORY/NAME/id), kprobe and uprobe events created through
// kprobe_events and uprobe_events (the legacy route, before the kprobe and
// uprobe PMUs), and the list of traceable kernel functions.

package attach

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// ErrNoTracefs is matched when tracefs is not mounted.
var ErrNoTracefs = errors.New("tracefs is not mounted (mount -t tracefs tracefs /sys/kernel/tracing)")

// tracefsDirs are where tracefs usually is, in libbpf's order of
// preference (the debugfs path first when it exists).
var tracefsDirs = []string{"/sys/kernel/debug/tracing", "/sys/kernel/tracing"}

// tracefs returns the directory tracefs is mounted on: one of the usual
// places, or else the first tracefs mount in /proc/self/mounts. It is not
// cached: tracefs can be mounted while the process runs.
func tracefs() (string, error) {
	for _, dir := range tracefsDirs {
		var st unix.Statfs_t
		if unix.Statfs(dir, &st) == nil && st.Type == unix.TRACEFS_MAGIC {
			return dir, nil
		}
	}
	f, err := os.Open("/proc/self/mounts")
	if err != nil {
		return "", ErrNoTracefs
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 3 && fields[2] == "tracefs" {
			return unescapeMount(fields[1]), nil
		}
	}
	return "", ErrNoTracefs
}

// unescapeMount undoes the octal escapes (\040 for a space) of a mount
// point in /proc/self/mounts.
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// tracepointID reads the id of tracepoint category/name from tracefs.
func tracepointID(category, name string) (uint64, error) {
	dir, err := tracefs()
	if err != nil {
		return 0, fmt.Errorf("tracepoint %s/%s: %w", category, name, err)
	}
	return readEventID(dir, category, name)
}

// readEventID reads events/category/name/id under tracefs dir.
func readEventID(dir, category, name string) (uint64, error) {
	if category == "" || name == "" || strings.Contains(category, "..") || strings.Contains(name, "..") || strings.Contains(name, "/") {
		return 0, fmt.Errorf("%w: tracepoint %q/%q", ErrBadSection, category, name)
	}
	path := filepath.Join(dir, "events", category, name, "id")
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, fmt.Errorf("tracepoint %s/%s: %w: no %s", category, name, ErrNotFound, path)
	}
	if err != nil {
		return 0, fmt.Errorf("tracepoint %s/%s: %w", category, name, err)
	}
	id, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("tracepoint %s/%s: %s: %w", category, name, path, err)
	}
	return id, nil
}

// probeEventSeq numbers the tracefs probe events of this process.
var probeEventSeq atomic.Uint64

// probeEventName makes a unique tracefs event name for a probe on what
// (a function or binary) at offset, like libbpf's
// gen_probe_legacy_event_name: bpfc_PID_SEQ_WHAT_0xOFF, with every
// character that is not a letter or digit replaced by '_'.
func probeEventName(what string, offset uint64) string {
	name := fmt.Sprintf("bpfc_%d_%d_%s_0x%x", os.Getpid(), probeEventSeq.Add(1), what, offset)
	b := []byte(name)
	for i, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			b[i] = '_'
		}
	}
	if len(b) > 63 { // MAX_EVENT_NAME_LEN - 1
		b = b[:63]
	}
	return string(b)
}

// probeEvent is a kprobe or uprobe event created in tracefs.
type probeEvent struct {
	dir      string // tracefs
	file     string // kprobe_events or uprobe_events
	group    string // kprobes, kretprobes, uprobes or uretprobes
	name     string
	isReturn bool
}

// addProbeEvent creates a probe event: a kprobe on def "FUNC+0xOFF" or a
// uprobe on def "PATH:0xOFF", in group kprobes/kretprobes or
// uprobes/uretprobes.
func addProbeEvent(uprobe, ret bool, name, def string) (*probeEvent, error) {
	dir, err := tracefs()
	if err != nil {
		return nil, err
	}
	ev := &probeEvent{dir: dir, name: name, isReturn: ret}
	kind := "k"
	if uprobe {
		kind = "u"
	}
	ev.file = kind + "probe_events"
	ev.group = kind + "probes"
	if ret {
		ev.group = kind + "retprobes"
	}
	typ := "p"
	if ret {
		typ = "r"
	}
	if err := appendFile(filepath.Join(dir, ev.file), fmt.Sprintf("%s:%s/%s %s", typ, ev.group, name, def)); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%w: no %s in tracefs (kernel without %sprobe events)", ErrNotSupported, ev.file, kind)
		}
		return nil, fmt.Errorf("add %s %s to %s: %w", ev.group, def, ev.file, err)
	}
	return ev, nil
}

// id reads the event's perf tracepoint id.
func (ev *probeEvent) id() (uint64, error) {
	return readEventID(ev.dir, ev.group, ev.name)
}

// remove deletes the event from tracefs.
func (ev *probeEvent) remove() error {
	if err := appendFile(filepath.Join(ev.dir, ev.file), fmt.Sprintf("-:%s/%s", ev.group, ev.name)); err != nil {
		return fmt.Errorf("remove %s/%s from %s: %w", ev.group, ev.name, ev.file, err)
	}
	return nil
}

// appendFile writes s to the tracefs control file path in one write.
func appendFile(path, s string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	_, werr := f.WriteString(s)
	cerr := f.Close()
	if werr != nil {
		return werr
	}
	return cerr
}
