// This file holds what the tools of the corpus set before they load their
// objects: their user space's calls of bpf_map__set_max_entries,
// bpf_map__set_value_size, bpf_program__set_autoload and
// bpf_program__set_attach_target with the tools' default options, spelled
// as the flags both loaders take (bpfc's own, and libbpfload's, which
// makes those calls). An object not listed is loaded as it is.

package main

// stackMap is the stack trace map of bcc's libbpf-tools at their defaults:
// perf_max_stack_depth 127 frames of 8 bytes, stack_storage_size 1024.
var stackMap = []string{"-value-size", "stackmap=1016", "-max-entries", "stackmap=1024"}

// toolSettings are the flags of each object, by file name. Where a tool
// chooses between program variants by probing the kernel, the choice is
// the one every kernel of the matrix gets (tp_btf and fentry exist from
// 5.5): the probe of the locked-down host, which refuses fentry, would
// choose otherwise, and both loaders are refused there alike.
var toolSettings = map[string][]string{
	// capable.c, futexctn.c, profile.c, wakeuptime.c: the stack map.
	"bcc-capable.o":    stackMap,
	"bcc-futexctn.o":   stackMap,
	"bcc-profile.o":    stackMap,
	"bcc-wakeuptime.o": stackMap,
	// offcputime.c: the stack map; sched_switch (tp_btf) unless
	// probe_tp_btf fails, then sched_switch_raw.
	"bcc-offcputime.o": append([]string{"-disable", "sched_switch_raw"}, stackMap...),
	// cpudist.c: start sized to pid_max (32768, the default), hists to 1
	// (no -P/-L); sched_switch_btf where fentry can attach.
	"bcc-cpudist.o": {"-max-entries", "start=32768", "-max-entries", "hists=1", "-disable", "sched_switch_tp"},
	// softirqs.c, tcppktlat.c: the tp_btf programs where probe_tp_btf
	// succeeds, the raw_tp ones off.
	"bcc-softirqs.o":  {"-disable", "softirq_entry", "-disable", "softirq_exit"},
	"bcc-tcppktlat.o": {"-disable", "tcp_probe", "-disable", "tcp_rcv_space_adjust", "-disable", "tcp_destroy_sock"},
	// funclatency.c: fentry and fexit moved to the function measured
	// (here vfs_read) where fentry can attach, the kprobes off.
	"bcc-funclatency.o": {"-attach-target", "dummy_fentry=vfs_read", "-attach-target", "dummy_fexit=vfs_read",
		"-disable", "dummy_kprobe", "-disable", "dummy_kretprobe"},
}
