/*
 * uvm_profile.h - profiling results built from a uvm trace.
 *
 * The trace format is runtime/uvm_trace.h; this header is what a program
 * gets after parsing one: per process its system call table, faults,
 * memory map and children, run-wide totals and what was lost.  Memory
 * grows with processes, system call names, errno names and regions,
 * never with the length of the trace.
 *
 * The profiling results, per process (struct uvm_process; the same
 * fields add up in each tree's totals and the profile's totals):
 *   CPU cycles             counts.v[UVM_COUNTER_CYCLES]            cycles
 *   instructions           counts.v[UVM_COUNTER_INSTRUCTIONS]      instructions
 *   cache references       counts.v[UVM_COUNTER_CACHE_REFERENCES]  references
 *   cache misses           counts.v[UVM_COUNTER_CACHE_MISSES]      misses
 *   branch misses          counts.v[UVM_COUNTER_BRANCH_MISSES]     misses
 *   task clock             counts.v[UVM_COUNTER_TASK_CLOCK]        ns
 *   context switches       counts.v[UVM_COUNTER_CONTEXT_SWITCHES]  switches
 *                          (and at exit: nvcsw, nivcsw             switches)
 *   CPU migrations         counts.v[UVM_COUNTER_CPU_MIGRATIONS]    migrations
 *   memory faults          faults.count[UVM_MINOR .. UVM_RETRY]    faults
 *                          (by_access, regions; sites; at exit:
 *                          min_flt, maj_flt                        faults)
 *                          faults.total_ns                         ns
 *   system calls           syscalls[]: count, errors, timed        calls
 *                          total_ns, min_ns, max_ns, hist          ns
 *   CPU time               utime_ns, stime_ns                      ns
 *   CPU utilization        cpu_utilization                         CPUs
 *                          ((utime + stime) / wall time; 1.0: one CPU)
 *   memory                 mem.ops[] (mmap .. brk), mem.failed     calls
 *                          mem.mapped, .peak_mapped, .peak_heap    bytes
 *                          maxrss_kb                               KiB
 * The perf counters (counts) are there only when a counters file was
 * read (counters.h), each only when bit k of counts.have is set: not
 * supported on the machine, or not counted for that process, it is
 * absent (JSON null), never 0.  A process's own come from the file
 * (perf's read records) or, where it has none, from the trace's N
 * records (task_counts; per_process says which).
 */
#ifndef UVM_PROFILE_H
#define UVM_PROFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "counters.h"
#include "uvm_trace.h"
#include "uvm_targets.h"

/* Latency histogram: log-linear, UVM_HIST_SUB buckets per power of two
 * (about 9% relative error for percentiles). */
#define UVM_HIST_SUB_BITS 3
#define UVM_HIST_SUB (1 << UVM_HIST_SUB_BITS)
#define UVM_HIST_BUCKETS (64 * UVM_HIST_SUB)

/* One used bucket.  A histogram keeps only its used buckets, sorted:
 * a system call's latencies fill a few of the 512, and a full array
 * (4 KiB) per system call and process made a run of 3300 processes
 * take 337 MB. */
struct uvm_hist_bin {
	uint32_t bucket;
	uint64_t count;
};

struct uvm_errno_count {
	char name[32];
	uint64_t count;
};

struct uvm_syscall_stat {
	int nr;
	char name[32];
	uint64_t count;		/* calls */
	uint64_t errors;	/* calls that failed (-4095..-1) */
	uint64_t timed;		/* calls with a known latency */
	uint64_t total_ns, min_ns, max_ns;
	size_t n_errnos;
	struct uvm_errno_count *errnos;
	uint32_t n_hist, cap_hist;
	struct uvm_hist_bin *hist;	/* used buckets, by bucket */
};

enum uvm_outcome { UVM_MINOR, UVM_MAJOR, UVM_FERROR, UVM_RETRY, UVM_N_OUTCOMES };
enum uvm_access { UVM_READ, UVM_WRITE, UVM_EXEC, UVM_N_ACCESS };

struct uvm_fault_region {
	char kind[16];		/* heap stack anon file special */
	char *path;		/* file path, or NULL */
	uint64_t count[UVM_N_OUTCOMES];
	uint64_t total_ns;
	size_t path_len;	/* strlen(path): the parser compares lengths first */
};

struct uvm_fault_stats {
	uint64_t count[UVM_N_OUTCOMES];
	uint64_t by_access[UVM_N_OUTCOMES][UVM_N_ACCESS];
	uint64_t kernel_mode;	/* faults taken by the kernel on user memory */
	uint64_t total_ns;
	size_t n_regions;
	struct uvm_fault_region *regions;
};

struct uvm_mapping {
	uint64_t start, end;
	char *path;		/* NULL for anonymous */
};

struct uvm_memmap {
	uint64_t ops[5];	/* mmap munmap mprotect mremap brk */
	uint64_t failed;
	size_t n, cap;
	struct uvm_mapping *maps;	/* sorted, disjoint; what mmap/mremap made */
	uint64_t mapped, peak_mapped;	/* bytes in maps */
	uint64_t brk_start, brk;	/* this image's first and latest break */
	uint64_t peak_heap;	/* bytes, the most any image had */
};

/* A user-mode fault site: instruction pointer and how often it faulted. */
struct uvm_site {
	uint64_t ip, count;
};

/* A mapped file and the lowest address it was seen mapped at (its load
 * base, for symbols), in one image of the process: image is the
 * process's execs count when it was seen (an exec maps everything anew). */
struct uvm_object {
	char *path;
	uint64_t base;
	uint64_t image;
};

/* Perf counters (helpers/counters.h: names and units), from a counters
 * file (uvm-exec --counters; uvm_counters_read): v[k] is counter k's
 * count when bit k of have is set; otherwise it was not counted (not
 * supported, or the process was not in the counted tree). */
struct uvm_counts {
	uint64_t v[UVM_N_COUNTERS];
	uint32_t have;
};

struct uvm_process {
	int pid, ppid;
	unsigned id;		/* 1, 2, ... in order of first appearance; a PID
				 * reused within the run is a new process */
	int tree;		/* uvm_profile_finish(): the index in the
				 * profile's targets of the target whose tree
				 * it is in, -1 for none */
	unsigned incarnation;	/* 0 for a pid's first process in the run,
				 * then 1, 2, ... for each reuse */
	struct uvm_process *parent;	/* NULL: not seen, or before the trace */
	char comm[64];
	char *exe;		/* last exec'd file, or the exe at start */
	char *argv;		/* its arguments (escaped, space separated) */
	int64_t start_ns, end_ns;	/* -1 if not seen */
	int before_trace;	/* already running when the trace began (a P
				 * record): its CPU times include untraced time */
	int exited;		/* 1 after its group exit record */
	int status, signal, core;
	uint64_t min_flt, maj_flt, utime_ns, stime_ns, nvcsw, nivcsw, maxrss_kb;
	/* CPU utilization, (utime + stime) / wall time, from
	 * uvm_profile_finish(): of a process that started and exited in the
	 * trace; for the totals, of all those processes over the trace's
	 * length (CPUs kept busy on average).  -1: not known. */
	double cpu_utilization;
	struct uvm_counts counts;	/* its own, all its threads' */
	struct uvm_counts task_counts;	/* the same from its N records */
	uint64_t threads;	/* threads it created */
	uint64_t execs;
	size_t n_syscalls, cap_syscalls;
	struct uvm_syscall_stat *syscalls;
	struct uvm_fault_stats faults;
	struct uvm_memmap mem;
	size_t n_children, cap_children;
	struct uvm_process **children;
	size_t n_sites, cap_sites;	/* open addressing by ip */
	struct uvm_site *sites;
	size_t n_objects;
	struct uvm_object *objects;
};

/* Heap bytes of the current image: its break above the first one seen. */
static inline uint64_t uvm_heap_bytes(const struct uvm_memmap *m)
{
	return m->brk > m->brk_start ? m->brk - m->brk_start : 0;
}

struct uvm_bad_line {
	uint64_t line;
	char why[96];
};

#define UVM_BAD_LINES_KEPT 5

struct uvm_loss {
	int have_trailer;
	uint64_t records_written;	/* the trailer's count */
	uint64_t records_read;		/* records parsed before the trailer */
	uint64_t dropped, skipped, transport, errors;
	uint64_t stap_skipped, stap_transport;	/* from staprun's exit report */
	int stap_reported;
	char stap_error[256];		/* SystemTap's first ERROR: line (live runs) */
	uint64_t malformed;
	struct uvm_bad_line bad[UVM_BAD_LINES_KEPT];
};

/*
 * An event sink: a streamed output that sees every record as it is
 * parsed, right after the profile took it (so uvm_profile_process() gives
 * the record's process), in trace order.  Malformed records are not
 * passed on.  tag is the record's tag ('S', 'F', ...) and r its fields
 * (records.h).
 */
struct uvm_profile;
union uvm_record;
struct uvm_sink {
	void (*record)(struct uvm_sink *s, struct uvm_profile *p, char tag,
		       const union uvm_record *r);
};

/* A user stack (K record): return addresses, innermost first, of the
 * system call (event 'S') or fault ('F') record just before it. */
struct uvm_stack {
	char event;
	int max_frames;		/* where the kernel's unwinder stops */
	size_t n;
	uint64_t pc[UVM_STACK_MAX];
};

/* One target's tree (uvm_profile_finish()): the target, and the
 * processes that are it or descend from it and from no nearer target. */
struct uvm_tree {
	int target;		/* its pid */
	size_t processes;
	struct uvm_process totals;	/* of those processes, as the profile's */
};

struct uvm_profile {
	int version;		/* trace format version, 0 before a header */
	char kernel[128];
	char mode[16];
	int target, follow;
	/* the header's target set (version 3 on; before it, the target if
	 * > 0): the trees a report groups processes by */
	struct uvm_targets targets;
	struct uvm_tree trees[UVM_TARGETS_MAX];	/* targets.n of them */
	int64_t start_ns, end_ns, realtime_ns;
	uint64_t snapshots;
	size_t n_procs, cap_procs;
	struct uvm_process **procs;	/* in order of first appearance */
	size_t hash_cap;
	struct uvm_process **hash;	/* open addressing by pid: the latest
					 * process with each pid */
	struct uvm_process totals;	/* all processes together */
	struct uvm_loss loss;
	uint64_t lines;
	uint64_t foreign_lines;	/* live mode: lines that are no records */
	struct uvm_sink *sink;	/* or NULL */
	uint64_t stacks;	/* K records read */
	struct uvm_stack stack;	/* the last one, for the sink */
	/* a counters file, if one was read (uvm_counters_read) */
	int counted;
	char counter_error[UVM_N_COUNTERS][24];	/* e.g. "ENOENT": not supported */
	uint64_t counters_lost;		/* read records lost: no process's own */
	enum uvm_per_process per_process;	/* whose own counts the file has */
	uint64_t counters_unattributed;	/* processes counted, not in the trace */
	uint64_t task_counts;		/* N records read (runtime/uvm_trace.h) */
	uint64_t task_counts_unattributed;	/* of processes not in the trace */
	struct uvm_counts counts_total;	/* the whole counted tree */
};

/* ---- profile ---- */
struct uvm_profile *uvm_profile_new(void);
/* After uvm_profile_finish(): every process once, in depth-first order
 * of the process tree, each target's tree whole and in the targets'
 * order when there are several; depth[i] is v[i]'s depth.  Both arrays
 * the caller's to free. */
const struct uvm_process **uvm_profile_tree_order(const struct uvm_profile *p, unsigned **depth);
void uvm_profile_free(struct uvm_profile *p);	/* NULL is a no-op */
/* The latest process with this pid; created if there is none and create
 * is set. */
struct uvm_process *uvm_profile_process(struct uvm_profile *p, int pid, int create);
/* A process that starts now (fork, or present at the start): the latest
 * with this pid unless that one has exited, then a new one (PID reuse). */
struct uvm_process *uvm_profile_start(struct uvm_profile *p, int pid);
struct uvm_syscall_stat *uvm_process_syscall(struct uvm_process *pr, int nr,
					     const char *name);
void uvm_syscall_add(struct uvm_syscall_stat *s, int64_t lat_ns, const char *err);
int uvm_syscall_percentile(const struct uvm_syscall_stat *s, double q, uint64_t *ns);
void uvm_profile_finish(struct uvm_profile *p);	/* totals; call once at the end */
/* A process's cpu_utilization (see there), known once it exited. */
double uvm_process_utilization(const struct uvm_process *pr);
/* Whether anything was lost: no trailer, drops, skips, transport
 * failures, probe errors, malformed lines or a SystemTap error (exit 3). */
int uvm_loss_incomplete(const struct uvm_loss *l);

/* ---- counters (counters.c) ---- */
/* Read a counters file (helpers/counters.h) into the profile's processes,
 * after the trace and before uvm_profile_finish().  -1 and err ("FILE:
 * LINE: why") when it is no such file or cut short; the profile then
 * holds none of it. */
int uvm_counters_read(struct uvm_profile *p, const char *path, char *err, size_t errlen);
/* The counter's name and unit (counters.h). */
const char *uvm_counter_name(int k);
/* The counter of perf type and config (an N record's), or -1. */
int uvm_counter_of_perf(int64_t type, int64_t config);
const char *uvm_per_process_name(enum uvm_per_process w);

/* ---- parser (trace.c) ---- */
enum uvm_parse_status {
	UVM_PARSE_OK = 0,
	UVM_PARSE_FATAL = -1,	/* wrong or missing format version */
};

struct uvm_parser;
struct uvm_parser *uvm_parser_new(struct uvm_profile *p, const char *source);
void uvm_parser_free(struct uvm_parser *ps);
/* Lines that are not records are foreign (program output in live mode)
 * rather than malformed. */
void uvm_parser_set_foreign_ok(struct uvm_parser *ps, int ok);
int uvm_parser_feed(struct uvm_parser *ps, const char *buf, size_t len);
int uvm_parser_finish(struct uvm_parser *ps);
const char *uvm_parser_error(const struct uvm_parser *ps);
/* Parse a whole file descriptor. */
int uvm_parse_fd(struct uvm_profile *p, int fd, const char *source, char *err,
		 size_t errlen);
/* One line of staprun's stderr: picks up its loss report. */
void uvm_profile_stap_stderr(struct uvm_profile *p, const char *line);
int uvm_unescape(char *s);	/* in place; returns the new length */

/* ---- reports (report.c) ---- */
enum uvm_format { UVM_TEXT, UVM_JSON, UVM_XML, UVM_PERFETTO, UVM_FOLDED, UVM_HTML };
enum uvm_sort { UVM_SORT_TIME, UVM_SORT_CALLS, UVM_SORT_ERRORS, UVM_SORT_AVG,
		UVM_SORT_MAX, UVM_SORT_NAME, UVM_SORT_NR };

struct uvm_report_opts {
	enum uvm_format format;
	enum uvm_sort sort;
	size_t top;		/* 0: all rows */
	int per_process;	/* text: a table per process */
	int symbols;		/* resolve fault addresses */
	const char *sysroot;	/* where the traced binaries are, or NULL */
};

int uvm_report_write(const struct uvm_profile *p, const struct uvm_report_opts *o,
		     FILE *out);
/* The JSON report (-f json) as a json-c tree, the caller's to put. */
struct json_object;
struct json_object *uvm_report_json(const struct uvm_profile *p, const struct uvm_report_opts *o);
int uvm_parse_sort(const char *s, enum uvm_sort *out);
/* A name from the trace as report text: valid UTF-8 without control
 * characters (backslash escapes, as in the trace, for the rest).
 * Returns s itself when it needs nothing, else a string in *tmp, which
 * the caller frees. */
const char *uvm_report_text(const char *s, char **tmp);
/* Shared with the HTML report: a process's system calls in o's order, at
 * most o->top (0: all), *n of them (caller frees the array); a
 * percentile's ns (0: none timed); "running", "exit N" or "killed by
 * signal N". */
const struct uvm_syscall_stat **uvm_report_syscalls(const struct uvm_process *pr,
						   const struct uvm_report_opts *o, size_t *n);
uint64_t uvm_report_pct(const struct uvm_syscall_stat *s, double q);
void uvm_report_exit(const struct uvm_process *pr, char *buf, size_t n);
/* Model nodes shared by the report and the timeline: the report's "loss"
 * object; a cpu_utilization (-1: null) as a decimal of 4 places; a member
 * or item whose value is uvm_report_text(s) (null for NULL). */
struct uvm_node;
struct uvm_node *uvm_report_loss(const struct uvm_profile *p);
void uvm_node_utilization(struct uvm_node *parent, const char *name, double u);
void uvm_node_text(struct uvm_node *parent, const char *name, const char *s);

/* ---- the timeline (perfetto.c) ----
 * Chrome Trace Event JSON, written while the trace is parsed: set
 * p->sink to uvm_perfetto_sink() before parsing, then call
 * uvm_perfetto_finish() once after uvm_profile_finish(), which ends the
 * document: 0, or 1 when there was none (no header: nothing written), or
 * -1 with errno set when writing failed; once more it does nothing. */
struct uvm_perfetto;
struct uvm_perfetto *uvm_perfetto_new(FILE *out);
struct uvm_sink *uvm_perfetto_sink(struct uvm_perfetto *pf);
int uvm_perfetto_finish(struct uvm_perfetto *pf, struct uvm_profile *p);
void uvm_perfetto_free(struct uvm_perfetto *pf);	/* NULL is a no-op */

/* ---- symbols (symbols.c) ---- */
/* "binary:function+0xoff" for addr in process pr, or NULL; files are
 * looked for under sysroot first (a guest's root filesystem), then as
 * they are named.  The result is malloc'd. */
char *uvm_symbolize(const struct uvm_process *pr, uint64_t addr, const char *sysroot);
/* The symbols of one image of pr (its objects of that image), for many
 * lookups.  uvm_syms_frame(): the name of the function holding pc, or
 * "file+0xoff" in a file without a symbol there, or "[unknown]" outside
 * the image's files; *outermost is 1 when the unwind data (CFI) there
 * says the caller's return address is undefined: a thread's first frame
 * (_start, clone's child), where a complete stack ends.  Look up a return
 * address at pc - 1 (the call).  The name lives as long as sy. */
struct uvm_syms;
struct uvm_syms *uvm_syms_new(const struct uvm_process *pr, uint64_t image, const char *sysroot);
const char *uvm_syms_frame(struct uvm_syms *sy, uint64_t pc, int *outermost);
void uvm_syms_free(struct uvm_syms *sy);	/* NULL is a no-op */

/* ---- folded stacks (folded.c) ----
 * Flame graph input, "comm;outer;...;inner;leaf weight" lines: set
 * p->sink to uvm_folded_sink() before parsing; after it,
 * uvm_folded_write() symbolizes and writes the stacks, sorted.  The leaf
 * is the system call's name, or "fault:REGION".  A stack the kernel's
 * unwinder cut has a marker frame under comm: "[unwind stopped]" (no
 * unwind data, or it failed), "[deeper than N frames]" (its bound), or
 * "[no user stack]". */
enum uvm_weight { UVM_WEIGHT_CALLS, UVM_WEIGHT_TIME, UVM_WEIGHT_FAULTS };
struct uvm_folded;
struct uvm_folded *uvm_folded_new(enum uvm_weight w);
struct uvm_sink *uvm_folded_sink(struct uvm_folded *fo);
/* 0, or -1 when writing failed (errno set).  symbols 0: frames are the
 * addresses as recorded ("0x..."), and only the depth marker is known. */
int uvm_folded_write(struct uvm_folded *fo, const char *sysroot, int symbols, FILE *out);
/* The same lines, sorted, as fn(arg, "frame;...;leaf", weight) calls
 * until one returns non-zero (then that is returned; else 0). */
int uvm_folded_each(struct uvm_folded *fo, const char *sysroot, int symbols,
		    int (*fn)(void *arg, const char *line, uint64_t weight), void *arg);
void uvm_folded_free(struct uvm_folded *fo);	/* NULL is a no-op */

/* ---- the HTML report (html.c) ----
 * One self-contained page: process tree, timeline, system call tables,
 * latency histograms, faults by region, and a flame graph of fo's stacks
 * (weighted by weight; fo NULL or no stacks: the page says so).  Called
 * after uvm_profile_finish(); 0, or -1 when writing failed. */
int uvm_html_write(const struct uvm_profile *p, const struct uvm_report_opts *o,
		   struct uvm_folded *fo, enum uvm_weight weight, FILE *out);

/* ---- statistics (stats.c) ----
 * uvm_mann_whitney(): the two-sided p-value of the Mann-Whitney U test
 * that samples x (n1) and y (n2) come from one distribution (1 when
 * either is empty or every value is equal).  uvm_holm(): Holm's
 * step-down adjustment of m p-values into adj (same order), so that
 * "adj < alpha" bounds the chance of any false finding by alpha.
 * uvm_mann_whitney_min_p(): the smallest p uvm_mann_whitney() can give
 * for samples of n1 and n2 (the two completely apart, without ties):
 * 2 / C(n1 + n2, n1) where it is exact. */
double uvm_mann_whitney(const uint64_t *x, size_t n1, const uint64_t *y, size_t n2);
double uvm_mann_whitney_min_p(size_t n1, size_t n2);
void uvm_holm(const double *p, size_t m, double *adj);

/* ---- uvm-collect diff (diff.c): its own options and exit status ---- */
int uvm_diff_main(int argc, char **argv);

#endif /* UVM_PROFILE_H */
