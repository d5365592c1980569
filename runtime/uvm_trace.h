/*
 * uvm_trace.h - the uvm trace format, defined once.
 *
 * This header is the only definition of the records uvm writes.  It is
 * compiled into the kernel module (through tapsets/uvm_runtime.stp, which
 * is generated from runtime/) where the printf formats below write the
 * records, and into uvm-collect (helpers/), where the same field lists
 * give the parser its field counts, names and types.  docs/trace-format.md
 * documents it with an example of every record.
 *
 * A trace is text, one record per line.  A record is a one-character tag
 * followed by tab-separated fields.  Field types:
 *   I  signed decimal 64-bit integer
 *   X  unsigned 64-bit integer in hex, with 0x
 *   S  string; backslash, tab, newline, carriage return and every byte
 *      below 0x20 or equal to 0x7f are written as \\, \t, \n, \r, \xHH;
 *      "-" stands for "none" (the string "-" is written \x2d); a string
 *      cut at its bound ends in "...", one that really ends so in
 *      "..\x2e" (runtime/uvm_escape.h).
 * The first record is the header (H); in summary mode every snapshot
 * starts with I; the last record is the trailer (T).  A trace without a
 * trailer was cut short.
 *
 * Must stay valid C for both the kernel and user space: macros only.
 */
#ifndef UVM_TRACE_H
#define UVM_TRACE_H

#define UVM_TRACE_MAGIC "uvm-trace"
#define UVM_TRACE_VERSION 4
/* The oldest version uvm-collect reads: 2 added K, 3 the header's
 * targets field (a version 1 or 2 header ends at events), 4 N. */
#define UVM_TRACE_VERSION_MIN 1

/*
 * F(ID, "name", TYPE, "printf conversion") for each field, in order.
 * Times are nanoseconds: ts on the kernel's monotonic clock
 * (ktime_get_ns), *_ns durations.
 */

/* H: first record.  realtime_ns is the wall clock at ts, so
 * realtime = realtime_ns + (ts' - ts) for any later ts'.  target is
 * SystemTap's target() (-x PID, or -c's process), 0 without one.
 * targets (version 3 on) is the target set, runtime/uvm_targets.h's list
 * form: the target first if there is one, then the -G pids= ids, each
 * once; "-" when every process is traced.  Every traced process is one of
 * them or (with follow) descends from one.  UVM_HEADER_V2_FIELDS is the
 * header of versions 1 and 2, which ends at events. */
#define UVM_HEADER_FIELDS(F)                                                   \
	UVM_HEADER_V2_FIELDS(F)                                                \
	F(TARGETS, "targets", S, "%s")
#define UVM_HEADER_V2_FIELDS(F)                                                \
	F(MAGIC, "magic", S, "%s")                                             \
	F(VERSION, "version", I, "%lld")                                       \
	F(KERNEL, "kernel", S, "%s")                                           \
	F(TS, "ts", I, "%lld")                                                 \
	F(REALTIME, "realtime_ns", I, "%lld")                                  \
	F(TARGET, "target", I, "%lld")                                         \
	F(FOLLOW, "follow", I, "%lld")                                         \
	F(MODE, "mode", S, "%s")                                               \
	F(EVENTS, "events", S, "%s")

/* P: a process already tracked when tracing starts (the targets, and
 * while following their existing descendants). */
#define UVM_PROCESS_FIELDS(F)                                                  \
	F(TS, "ts", I, "%lld")                                                 \
	F(PID, "pid", I, "%lld")                                               \
	F(PPID, "ppid", I, "%lld")                                             \
	F(THREADS, "threads", I, "%lld")                                       \
	F(COMM, "comm", S, "%s")                                               \
	F(EXE, "exe", S, "%s")

/* S: one completed system call (events mode).  ts is the entry time.
 * errno is the error name when ret is -4095..-1, else "-".  Calls that do
 * not return (exit, exit_group, a successful execve's old image) are
 * written at entry with lat_ns -1. */
#define UVM_SYSCALL_FIELDS(F)                                                  \
	F(TS, "ts", I, "%lld")                                                 \
	F(PID, "pid", I, "%lld")                                               \
	F(TID, "tid", I, "%lld")                                               \
	F(NR, "nr", I, "%lld")                                                 \
	F(NAME, "name", S, "%s")                                               \
	F(RET, "ret", I, "%lld")                                               \
	F(ERRNO, "errno", S, "%s")                                             \
	F(LAT, "lat_ns", I, "%lld")                                            \
	F(ARGS, "args", S, "%s")

/* F: one page fault handled by handle_mm_fault (events mode).  ts is when
 * it was handled (the return): it began at ts - lat_ns.
 * access: r, w or x, then u (from user mode) or k (kernel touching user
 * memory, e.g. copy_to_user, or get_user_pages).
 * outcome: minor, major (the kernel's own rule: VM_FAULT_MAJOR, or a
 * completed retry), error (VM_FAULT_ERROR; not counted by the kernel),
 * retry (VM_FAULT_RETRY; counted once, when the retry completes).
 * region: heap, stack, anon, file, or special (vdso, vvar, ...).
 * ip is 0 when the fault had no user registers (get_user_pages). */
#define UVM_FAULT_FIELDS(F)                                                    \
	F(TS, "ts", I, "%lld")                                                 \
	F(PID, "pid", I, "%lld")                                               \
	F(TID, "tid", I, "%lld")                                               \
	F(ADDR, "addr", X, "0x%llx")                                           \
	F(IP, "ip", X, "0x%llx")                                               \
	F(ACCESS, "access", S, "%s")                                           \
	F(OUTCOME, "outcome", S, "%s")                                         \
	F(LAT, "lat_ns", I, "%lld")                                            \
	F(REGION, "region", S, "%s")                                           \
	F(VMSTART, "vm_start", X, "0x%llx")                                    \
	F(PATH, "path", S, "%s")

/* C: fork, vfork or clone by a tracked task.  thread is 1 when the child
 * shares the parent's thread group (CLONE_THREAD). */
#define UVM_CLONE_FIELDS(F)                                                    \
	F(TS, "ts", I, "%lld")                                                 \
	F(PID, "pid", I, "%lld")                                               \
	F(TID, "tid", I, "%lld")                                               \
	F(CHILD_PID, "child_pid", I, "%lld")                                   \
	F(CHILD_TID, "child_tid", I, "%lld")                                   \
	F(FLAGS, "flags", X, "0x%llx")                                         \
	F(THREAD, "thread", I, "%lld")                                         \
	F(COMM, "comm", S, "%s")

/* E: a successful exec.  argv: the arguments, each escaped, separated by
 * single spaces (a space inside an argument is written \x20). */
#define UVM_EXEC_FIELDS(F)                                                     \
	F(TS, "ts", I, "%lld")                                                 \
	F(PID, "pid", I, "%lld")                                               \
	F(TID, "tid", I, "%lld")                                               \
	F(OLD_TID, "old_tid", I, "%lld")                                       \
	F(FILENAME, "filename", S, "%s")                                       \
	F(COMM, "comm", S, "%s")                                               \
	F(ARGV, "argv", S, "%s")

/* X: a task exits.  group is 1 for the last task of its thread group (the
 * process exit); the counters are then the whole process's (like
 * getrusage(RUSAGE_SELF)), else the thread's own.  status is the exit
 * status (0-255) or -1 when killed by signal (then signal > 0, core 0/1).
 * maxrss_kb is the process's peak RSS, 0 for a thread. */
#define UVM_EXIT_FIELDS(F)                                                     \
	F(TS, "ts", I, "%lld")                                                 \
	F(PID, "pid", I, "%lld")                                               \
	F(TID, "tid", I, "%lld")                                               \
	F(GROUP, "group", I, "%lld")                                           \
	F(STATUS, "status", I, "%lld")                                         \
	F(SIGNAL, "signal", I, "%lld")                                         \
	F(CORE, "core", I, "%lld")                                             \
	F(MINFLT, "min_flt", I, "%lld")                                        \
	F(MAJFLT, "maj_flt", I, "%lld")                                        \
	F(UTIME, "utime_ns", I, "%lld")                                        \
	F(STIME, "stime_ns", I, "%lld")                                        \
	F(NVCSW, "nvcsw", I, "%lld")                                           \
	F(NIVCSW, "nivcsw", I, "%lld")                                         \
	F(MAXRSS, "maxrss_kb", I, "%lld")

/* N: a perf count of a task, read as the kernel takes its perf events
 * down: in its exit (right before or after its X record, by kernel), or
 * at an exec that leaves it not dumpable (set-user-ID).  One record for
 * each counter that 'uvm-exec --counters' opened on the traced command
 * (helpers/counters.h): the task's own count since its exec (the
 * command) or its fork (every task forked from it), to this point,
 * summed over the CPUs' events.  type and config are the counter's
 * perf_event_attr fields.  Only in a trace of a command run under
 * 'uvm-exec --counters'; a task writes them once. */
#define UVM_COUNT_FIELDS(F)                                                    \
	F(TS, "ts", I, "%lld")                                                 \
	F(PID, "pid", I, "%lld")                                               \
	F(TID, "tid", I, "%lld")                                               \
	F(TYPE, "type", I, "%lld")                                             \
	F(CONFIG, "config", I, "%lld")                                         \
	F(VALUE, "value", I, "%lld")

/* uvm-exec opens its counters with this read_format, which the module
 * knows them by (uvm_counted in runtime/uvm_kernel.h); needs the perf
 * header, <linux/perf_event.h>, where it is used. */
#define UVM_COUNTS_READ_FORMAT                                                 \
	(PERF_FORMAT_ID | PERF_FORMAT_TOTAL_TIME_ENABLED |                      \
	 PERF_FORMAT_TOTAL_TIME_RUNNING)

/* M: one call of the mmap family, with its real result.
 * op: mmap, munmap, mprotect, mremap, brk.  addr/len: the range asked for
 * (mremap: old address and length; brk: the requested break).
 * new_len: mremap's new length, else 0.  result: the address mmap, mremap
 * and brk returned, 0 for munmap/mprotect success; errno "-" on success.
 * prot and flags are decoded (mprotect: the new protection). */
#define UVM_MM_FIELDS(F)                                                       \
	F(TS, "ts", I, "%lld")                                                 \
	F(PID, "pid", I, "%lld")                                               \
	F(TID, "tid", I, "%lld")                                               \
	F(OP, "op", S, "%s")                                                   \
	F(ADDR, "addr", X, "0x%llx")                                           \
	F(LEN, "len", I, "%lld")                                               \
	F(NEW_LEN, "new_len", I, "%lld")                                       \
	F(PROT, "prot", S, "%s")                                               \
	F(FLAGS, "flags", S, "%s")                                             \
	F(FD, "fd", I, "%lld")                                                 \
	F(OFFSET, "offset", I, "%lld")                                         \
	F(RESULT, "result", X, "0x%llx")                                       \
	F(ERRNO, "errno", S, "%s")                                             \
	F(PATH, "path", S, "%s")

/* K: the user stack of the S or F record right before it (events mode,
 * with stacks=1), written by the same probe: pid and tid are that
 * record's.  frames: return addresses, innermost first, in hex with 0x,
 * separated by single spaces; the first is the user instruction pointer
 * (for a system call, the instruction after the syscall instruction; for
 * a fault, the faulting instruction, or for one the kernel took on user
 * memory, the system call's), the others return addresses.  The kernel's unwinder
 * (SystemTap's ubacktrace) writes at most max_frames, and stops early
 * where it has no unwind data: the stack then does not end in a thread's
 * first frame, which the collector marks.  "-": no user stack. */
#define UVM_STACK_FIELDS(F)                                                    \
	F(PID, "pid", I, "%lld")                                               \
	F(TID, "tid", I, "%lld")                                               \
	F(MAX, "max_frames", I, "%lld")                                        \
	F(FRAMES, "frames", S, "%s")

/* I: summary mode, start of a snapshot of the processes still alive.
 * Snapshots are cumulative since the start; final is 1 for the one
 * written at the end.  A process's own s/e/h/f records are written once
 * more when it exits, right after its X record: its final numbers, which
 * later snapshots no longer carry. */
#define UVM_SNAPSHOT_FIELDS(F)                                                 \
	F(TS, "ts", I, "%lld")                                                 \
	F(SEQ, "seq", I, "%lld")                                               \
	F(FINAL, "final", I, "%lld")

/* s: summary mode, one system call of one process. */
#define UVM_SYSCALL_SUM_FIELDS(F)                                              \
	F(PID, "pid", I, "%lld")                                               \
	F(NR, "nr", I, "%lld")                                                 \
	F(NAME, "name", S, "%s")                                               \
	F(COUNT, "count", I, "%lld")                                           \
	F(ERRORS, "errors", I, "%lld")                                         \
	F(TOTAL, "total_ns", I, "%lld")                                        \
	F(MIN, "min_ns", I, "%lld")                                            \
	F(MAX, "max_ns", I, "%lld")

/* e: summary mode, failures of one system call by errno. */
#define UVM_ERRNO_SUM_FIELDS(F)                                                \
	F(PID, "pid", I, "%lld")                                               \
	F(NR, "nr", I, "%lld")                                                 \
	F(ERRNO, "errno", S, "%s")                                             \
	F(COUNT, "count", I, "%lld")

/* h: summary mode, latency histogram bucket: count calls of one system
 * call with latency in [2^log2, 2^(log2+1)) ns (log2 0 also holds 0). */
#define UVM_HIST_FIELDS(F)                                                     \
	F(PID, "pid", I, "%lld")                                               \
	F(NR, "nr", I, "%lld")                                                 \
	F(LOG2, "log2", I, "%lld")                                             \
	F(COUNT, "count", I, "%lld")

/* f: summary mode, page faults of one process by outcome and region. */
#define UVM_FAULT_SUM_FIELDS(F)                                                \
	F(PID, "pid", I, "%lld")                                               \
	F(OUTCOME, "outcome", S, "%s")                                         \
	F(REGION, "region", S, "%s")                                           \
	F(PATH, "path", S, "%s")                                               \
	F(COUNT, "count", I, "%lld")                                           \
	F(TOTAL, "total_ns", I, "%lld")

/* T: last record: what was lost.  records: records written before this
 * one; dropped: events the script saw but could not record (e.g. a full
 * in-flight table); skipped: probe hits SystemTap skipped (reentrancy,
 * contention); transport: print buffers SystemTap failed to deliver;
 * errors: probe errors.  kretprobe misses are counted by SystemTap only
 * after this record: staprun reports them at exit. */
#define UVM_TRAILER_FIELDS(F)                                                  \
	F(TS, "ts", I, "%lld")                                                 \
	F(RECORDS, "records", I, "%lld")                                       \
	F(DROPPED, "dropped", I, "%lld")                                       \
	F(SKIPPED, "skipped", I, "%lld")                                       \
	F(TRANSPORT, "transport", I, "%lld")                                   \
	F(ERRORS, "errors", I, "%lld")

/*
 * R(tag, ID, name, FIELDS) for every record type: its one-character tag,
 * an upper-case ID, a lower-case name and its field list.  This list is
 * all that declares a record: runtime/gen-runtime writes its emitter,
 * uvm_emit_<name>() in tapsets/uvm_runtime.stp, with the fields as
 * arguments in this order, and helpers/trace.c gets its field layout
 * (struct rec_<name>) and its entry in the parser's table, whose handler
 * record_<name>() it must define.
 */
#define UVM_RECORDS(R)                                                         \
	R('H', HEADER, header, UVM_HEADER_FIELDS)                              \
	R('P', PROCESS, process, UVM_PROCESS_FIELDS)                           \
	R('S', SYSCALL, syscall, UVM_SYSCALL_FIELDS)                           \
	R('F', FAULT, fault, UVM_FAULT_FIELDS)                                 \
	R('C', CLONE, clone, UVM_CLONE_FIELDS)                                 \
	R('E', EXEC, exec, UVM_EXEC_FIELDS)                                    \
	R('X', EXIT, exit, UVM_EXIT_FIELDS)                                    \
	R('N', COUNT, count, UVM_COUNT_FIELDS)                                 \
	R('M', MM, mm, UVM_MM_FIELDS)                                          \
	R('K', STACK, stack, UVM_STACK_FIELDS)                                 \
	R('I', SNAPSHOT, snapshot, UVM_SNAPSHOT_FIELDS)                        \
	R('s', SYSCALL_SUM, syscall_sum, UVM_SYSCALL_SUM_FIELDS)               \
	R('e', ERRNO_SUM, errno_sum, UVM_ERRNO_SUM_FIELDS)                     \
	R('h', HIST, hist, UVM_HIST_FIELDS)                                    \
	R('f', FAULT_SUM, fault_sum, UVM_FAULT_SUM_FIELDS)                     \
	R('T', TRAILER, trailer, UVM_TRAILER_FIELDS)

/* printf format of a record, e.g. UVM_FMT(UVM_SYSCALL_FIELDS, "S"):
 * "S\t%lld\t%lld...\n".  The tag is spelled out by the caller as a
 * string, since the preprocessor cannot turn 'S' into "S". */
#define UVM_FMT_FIELD_(id, name, type, conv) "\t" conv
#define UVM_FMT(FIELDS, tagstr) tagstr FIELDS(UVM_FMT_FIELD_) "\n"

/* Largest escaped string field the kernel writes, including NUL. */
#define UVM_STR_MAX 512

/* Most frames a K record may hold: 19 bytes a frame ("0x" + 16 digits
 * + a space) must fit in a string field. */
#define UVM_STACK_MAX ((UVM_STR_MAX - 1) / 19)

#endif /* UVM_TRACE_H */
