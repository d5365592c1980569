/*
 * uvm_kernel.h - kernel-side helpers of the uvm tapsets.
 *
 * Compiled into the SystemTap module through tapsets/uvm_runtime.stp
 * (generated: see runtime/gen-runtime).  Everything here runs in probe
 * context: no sleeping, no allocation, every read of user memory bounded
 * and fault-safe (SystemTap's _stp_* copy helpers), kernel state read
 * under RCU or the locks the kernel itself uses for the same read.
 */
#ifndef UVM_KERNEL_H
#define UVM_KERNEL_H

#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/mm.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/dcache.h>
#include <linux/threads.h>
#include <linux/ktime.h>
#include <linux/utsname.h>
#include <linux/bitops.h>
#include <linux/bsearch.h>
#include <linux/sort.h>
#include <linux/perf_event.h>
#include <linux/version.h>
#include <asm/unistd.h>

/* ---- lock patience ---------------------------------------------------- */

/* Writing out summary aggregates (uvm.stp mode=summary) holds their
 * SystemTap write locks for as long as it takes to print them; the
 * system call and fault probes that add to them on other CPUs wait, and
 * SystemTap skips a probe hit after MAXTRYLOCK tries TRYLOCKDELAY us
 * apart (default 100 x 10 us: 1 ms; every skip is counted in the
 * trailer).  1 ms is less than printing a few processes' summaries
 * takes in an emulated guest, so unless -DMAXTRYLOCK=N was given, uvm
 * waits up to UVM_MAXTRYLOCK tries (default 10000: 100 ms) instead.
 * probe_lock.h, which uses it, is included after the tapsets' code. */
#ifndef UVM_MAXTRYLOCK
#define UVM_MAXTRYLOCK 10000
#endif
#if !defined(_STAPLINUX_PROBE_LOCK_H) && defined(MAXTRYLOCK) && MAXTRYLOCK == 100
#undef MAXTRYLOCK
#define MAXTRYLOCK UVM_MAXTRYLOCK
#endif

/* ---- statements per probe ---------------------------------------------- */

/* SystemTap ends the whole script when one probe runs more than
 * MAXACTION statements (default 1000).  uvm.stp's summary writer walks
 * its aggregates in one timer probe: up to 106,496 entries (the sizes in
 * scripts/uvm.stp) at a few statements each, plus the deletes of each
 * exited process's entries.  Measured: 1800 processes exiting together
 * ended a run with "MAXACTION exceeded".  So unless -DMAXACTION=N was
 * given, uvm allows UVM_MAXACTION, which covers a walk of full arrays;
 * the probes on the traced processes' path run a few dozen statements
 * whatever the limit.  Used in the probes' prologues, emitted after
 * this block. */
#ifndef UVM_MAXACTION
#define UVM_MAXACTION 1000000
#endif
#ifndef MAXACTION
#define MAXACTION UVM_MAXACTION
#elif MAXACTION == 1000
#undef MAXACTION
#define MAXACTION UVM_MAXACTION
#endif

/* ---- counters for the trailer ---------------------------------------- */

static atomic64_t uvm_records = ATOMIC64_INIT(0);
static atomic64_t uvm_dropped = ATOMIC64_INIT(0);

#define UVM_EMIT(fmt, ...)                                                     \
	do {                                                                   \
		_stp_printf(fmt, __VA_ARGS__);                                 \
		atomic64_inc(&uvm_records);                                    \
	} while (0)

/* String escaping and argument formatting (uvm_out, uvm_escape,
 * uvm_format_args) are in uvm_escape.h, shared with the unit tests. */

/* ---- the tracked set ------------------------------------------------- */

/* One bit per possible thread-group id.  A bit is set when the target or
 * a descendant process is seen and cleared when its thread group dies, so
 * a reused PID cannot inherit it.  512 KiB; lock-free to test. */
static unsigned long uvm_tracked_map[BITS_TO_LONGS(PID_MAX_LIMIT)];
static atomic_t uvm_tracked_count = ATOMIC_INIT(0);
/* Set when there is no target: every process counts as tracked. */
static int uvm_track_all;

static inline int uvm_tracked(long tgid)
{
	if (unlikely(uvm_track_all))
		return 1;
	if (tgid <= 0 || tgid >= PID_MAX_LIMIT)
		return 0;
	return test_bit(tgid, uvm_tracked_map);
}

static inline void uvm_track_add(long tgid)
{
	if (tgid > 0 && tgid < PID_MAX_LIMIT &&
	    !test_and_set_bit(tgid, uvm_tracked_map))
		atomic_inc(&uvm_tracked_count);
}

/* Returns how many processes remain tracked. */
static inline int uvm_track_del(long tgid)
{
	if (tgid > 0 && tgid < PID_MAX_LIMIT &&
	    test_and_clear_bit(tgid, uvm_tracked_map))
		return atomic_dec_return(&uvm_tracked_count);
	return atomic_read(&uvm_tracked_count);
}

/* The target set (runtime/uvm_targets.h): target() and uvm.stp's
 * -G pids= ids.  Written and read by begin probes only (uvm_targets_set,
 * and the seeding at priority -1000 in tapsets/uvm_track.stp), which run
 * one at a time; the event probes never read it: they test the tracked
 * set, seeded from it. */
static struct uvm_targets uvm_target_set;

/* The smallest tracked tgid > after, or 0 (also with uvm_track_all:
 * the bitmap is then empty).  find_next_bit() returns its size when no
 * bit is set: then 0. */
static long uvm_next_tracked(long after)
{
	unsigned long b;

	if (after < 0)
		after = 0;
	if (after >= PID_MAX_LIMIT - 1)
		return 0;
	b = find_next_bit(uvm_tracked_map, PID_MAX_LIMIT, (unsigned long)after + 1);
	return b < PID_MAX_LIMIT ? (long)b : 0;
}

/* With stap -c, the target starts as stapio's child, which waits for
 * the module and then execs the command (in the uvm guest through
 * uvm-exec, which first restores what the command would have had
 * untraced).  Until the target runs a program that is neither, it is
 * tracked (its children would be) but reported as not started: its
 * profile begins at its exec of the command, as strace's does.  0 when
 * there is no such target.
 *
 * 'uvm-exec --drain' does not exec the command itself: it forks it and
 * waits, so that stapio, which stops the module as soon as its -c
 * child exits, does not stop it before the trace is read.  Its child is
 * pending the same way until it execs the command (uvm_pending_child),
 * and the waiting launcher is released with SIGUSR1 once stapio has
 * read everything (uvm_launcher_release). */
static pid_t uvm_pending_pid, uvm_pending_child;
static pid_t uvm_pending_gtgid;	/* uvm_pending_pid in the initial namespace */
/* The launcher's child (its tgid field, as task_newtask gives it),
 * kept after its exec: the task 'uvm-exec --counters' opens its perf
 * events on (uvm_counted). */
static pid_t uvm_counted_root;

static int uvm_is_launcher(const char *comm)
{
	return !strcmp(comm, "stapio") || !strcmp(comm, "uvm-exec");
}

/* Set at start: tgid is pending when it runs a launcher now. */
static void uvm_pending_init(pid_t tgid)
{
	struct task_struct *t;
	char comm[TASK_COMM_LEN];
	pid_t g = 0;

	comm[0] = '\0';
	rcu_read_lock();
	t = pid_task(find_vpid(tgid), PIDTYPE_TGID);
	if (t) {
		get_task_comm(comm, t);
		g = task_tgid_nr(t);
	}
	rcu_read_unlock();
	if (uvm_is_launcher(comm)) {
		WRITE_ONCE(uvm_pending_gtgid, g);
		WRITE_ONCE(uvm_pending_pid, tgid);
	}
}

/* parent forked child: a pending launcher's child is pending too.
 * Returns 1 when parent is that launcher. */
static inline int uvm_pending_fork(pid_t parent, pid_t child)
{
	if (likely(parent != READ_ONCE(uvm_pending_pid)))
		return 0;
	WRITE_ONCE(uvm_pending_child, child);
	WRITE_ONCE(uvm_counted_root, child);
	return 1;
}

/* Is tgid tracked, and past its launcher?  Called for the current task's
 * own process (a pending process is single-threaded: no race on the
 * clearing). */
static inline int uvm_tracked_started(long tgid)
{
	if (unlikely(tgid == READ_ONCE(uvm_pending_pid) ||
		     tgid == READ_ONCE(uvm_pending_child))) {
		char comm[TASK_COMM_LEN];

		/* asked about another process: still pending as far as we
		 * know; only the process itself moves it on */
		if (current->tgid != tgid)
			return 0;
		get_task_comm(comm, current);
		if (uvm_is_launcher(comm))
			return 0;
		if (tgid == READ_ONCE(uvm_pending_pid))
			WRITE_ONCE(uvm_pending_pid, 0);
		else
			WRITE_ONCE(uvm_pending_child, 0);
	}
	return uvm_tracked(tgid);
}

/* The -c target, still a launcher (it never ran the command itself:
 * 'uvm-exec --drain'), if it is alive; NULL otherwise.  Under
 * rcu_read_lock. */
static struct task_struct *uvm_waiting_launcher(void)
{
	pid_t g = READ_ONCE(uvm_pending_gtgid);
	struct task_struct *t;

	if (!READ_ONCE(uvm_pending_pid) || !g)
		return NULL;
	t = pid_task(find_pid_ns(g, &init_pid_ns), PIDTYPE_TGID);
	if (!t || (READ_ONCE(t->flags) & PF_EXITING))
		return NULL;
	/* Called from the drain timer, an hrtimer (hardirq): not
	 * get_task_comm, which takes task_lock up to 6.12.  comm only
	 * changes at exec, to another NUL-terminated name of the same
	 * buffer: a racy compare of its bytes is safe, at worst wrong
	 * during that exec, and then the launcher is gone anyway. */
	return strncmp(t->comm, "uvm-exec", TASK_COMM_LEN) ? NULL : t;
}

/* 1 when the tracked set holds nothing but such a waiting launcher. */
static int uvm_launcher_waiting(void)
{
	int r;

	rcu_read_lock();
	r = uvm_waiting_launcher() != NULL;
	rcu_read_unlock();
	return r;
}

/* Release the waiting launcher: it exits with its command's status. */
static void uvm_launcher_release(void)
{
	struct task_struct *t;

	rcu_read_lock();
	t = uvm_waiting_launcher();
	if (t)
		send_sig(SIGUSR1, t, 1);
	rcu_read_unlock();
}

/* Is task a descendant of (or) the process ancestor?  Under RCU. */
static int uvm_descends_from(struct task_struct *t, pid_t ancestor)
{
	int depth = 0;

	while (t && depth++ < 4096) {
		if (t->tgid == ancestor)
			return 1;
		if (t->pid == 1 || t->real_parent == t)
			return 0;
		t = rcu_dereference(t->real_parent);
	}
	return 0;
}

/* Has the process of thread-group leader t a thread that has not exited
 * (it is not a zombie, nor dying)?  Under RCU: signal_struct lives as long
 * as the task does. */
static int uvm_group_live(struct task_struct *t)
{
	return t->signal && atomic_read(&t->signal->live) > 0;
}

/* The smallest thread-group id > after that is ancestor or one of its
 * descendants and not a zombie, or 0.  Used once at start to seed the
 * tracked set: a zombie would never exit again, and the run would wait
 * for it. */
static long uvm_next_descendant(pid_t ancestor, long after)
{
	struct task_struct *p;
	long best = 0;

	rcu_read_lock();
	for_each_process(p) {
		if (p->tgid > after && (best == 0 || p->tgid < best) &&
		    uvm_group_live(p) && uvm_descends_from(p, ancestor))
			best = p->tgid;
	}
	rcu_read_unlock();
	return best;
}

/* ---- exited processes whose summary is not written yet --------------- */

/* The exit probe queues a process here; the writer of summaries (one at
 * a time: it holds the aggregates' write locks) takes the whole queue,
 * sorted, prints and deletes those processes' aggregates, and is done.
 * A process queued while that runs waits for the next round.  The exit
 * probe so never touches the aggregates, and never waits for the writer
 * longer than a copy of the queue. */
#define UVM_EXITED_MAX 16384

static DEFINE_SPINLOCK(uvm_exited_lock);
static pid_t uvm_exited_queue[UVM_EXITED_MAX];
static unsigned uvm_exited_n;
static pid_t uvm_exited_taken[UVM_EXITED_MAX];	/* the writer's alone */
static unsigned uvm_exited_taken_n;

/* Returns 0 when the queue is full (the caller counts a drop). */
static int uvm_exited_add(pid_t tgid)
{
	unsigned long flags;
	int ok = 0;

	spin_lock_irqsave(&uvm_exited_lock, flags);
	if (uvm_exited_n < UVM_EXITED_MAX) {
		uvm_exited_queue[uvm_exited_n++] = tgid;
		ok = 1;
	}
	spin_unlock_irqrestore(&uvm_exited_lock, flags);
	return ok;
}

static int uvm_pid_cmp(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return x < y ? -1 : x > y;
}

/* Take the queue for writing out; returns how many processes. */
static unsigned uvm_exited_take(void)
{
	unsigned long flags;

	spin_lock_irqsave(&uvm_exited_lock, flags);
	memcpy(uvm_exited_taken, uvm_exited_queue, uvm_exited_n * sizeof(pid_t));
	uvm_exited_taken_n = uvm_exited_n;
	uvm_exited_n = 0;
	spin_unlock_irqrestore(&uvm_exited_lock, flags);
	sort(uvm_exited_taken, uvm_exited_taken_n, sizeof(pid_t), uvm_pid_cmp, NULL);
	return uvm_exited_taken_n;
}

static int uvm_exited_taken_has(pid_t tgid)
{
	return bsearch(&tgid, uvm_exited_taken, uvm_exited_taken_n, sizeof(pid_t),
		       uvm_pid_cmp) != NULL;
}

/* ---- in-flight tables: entry state per thread ------------------------ */

/* Open addressing by tid: a thread's slot is one of the UVM_SLOT_PROBES
 * after tid's home slot, claimed with cmpxchg (threads on other CPUs
 * claim at the same time) and freed by its owner.  A direct-mapped
 * table dropped events whenever two threads in flight had tids equal
 * modulo its size (measured: 3 of 2000 children's faults in a fork
 * storm).  When all probes are held, the event is counted in
 * uvm_dropped and reported without latency.  Every slot type starts
 * with its u32 tid. */
#define UVM_SLOT_PROBES 8

static void *uvm_slot_find(void *table, size_t size, u32 nslots, u32 tid, int claim)
{
	char *base = table;
	u32 i, h = tid & (nslots - 1);

	if (!tid)	/* 0 marks a free slot: the idle task has none */
		return NULL;
	for (i = 0; i < UVM_SLOT_PROBES; i++) {
		u32 *t = (u32 *)(base + (size_t)((h + i) & (nslots - 1)) * size);
		if (READ_ONCE(*t) == tid)
			return t;
	}
	if (!claim)
		return NULL;
	for (i = 0; i < UVM_SLOT_PROBES; i++) {
		u32 *t = (u32 *)(base + (size_t)((h + i) & (nslots - 1)) * size);
		if (READ_ONCE(*t) == 0 && cmpxchg(t, 0, tid) == 0)
			return t;
	}
	return NULL;
}

/* nslots must be a power of two for the mask above. */
#define UVM_SLOTS_CHECK(n) BUILD_BUG_ON((n) == 0 || ((n) & ((n) - 1)) != 0)

/* Frees a slot: its fields were read before. */
static inline void uvm_slot_free(u32 *tid)
{
	smp_store_release(tid, 0);
}

#define UVM_INFLIGHT_BITS 14
#define UVM_INFLIGHT_SLOTS (1 << UVM_INFLIGHT_BITS)

struct uvm_sc_slot {
	u32 tid;
	int nr;
	u64 ts;
};
static struct uvm_sc_slot uvm_sc_inflight[UVM_INFLIGHT_SLOTS];

/* tid's slot; with claim, a free one if it has none; NULL if none. */
static inline struct uvm_sc_slot *uvm_sc_slot(u32 tid, int claim)
{
	BUILD_BUG_ON(offsetof(struct uvm_sc_slot, tid) != 0);
	UVM_SLOTS_CHECK(UVM_INFLIGHT_SLOTS);
	return uvm_slot_find(uvm_sc_inflight, sizeof(uvm_sc_inflight[0]),
			     UVM_INFLIGHT_SLOTS, tid, claim);
}

/* execve's arguments, decoded at entry: at its return the registers are
 * the new program's.  Few execs run at once; when all probes are held
 * the return shows "?" for the arguments. */
#define UVM_EXEC_SLOTS 64
struct uvm_exec_slot {
	u32 tid;
	char args[MAXSTRINGLEN];
};
static struct uvm_exec_slot uvm_exec_stash[UVM_EXEC_SLOTS];

static inline struct uvm_exec_slot *uvm_exec_slot(u32 tid, int claim)
{
	BUILD_BUG_ON(offsetof(struct uvm_exec_slot, tid) != 0);
	UVM_SLOTS_CHECK(UVM_EXEC_SLOTS);
	return uvm_slot_find(uvm_exec_stash, sizeof(uvm_exec_stash[0]),
			     UVM_EXEC_SLOTS, tid, claim);
}

#define UVM_FAULT_PATH_MAX 160
struct uvm_fault_slot {
	u32 tid;
	u32 flags;
	u64 ts, addr, ip, vm_start;
	u8 region;
	char path[UVM_FAULT_PATH_MAX];
};
#define UVM_FAULT_SLOTS 1024
static struct uvm_fault_slot uvm_fault_inflight[UVM_FAULT_SLOTS];

static inline struct uvm_fault_slot *uvm_fault_slot(u32 tid, int claim)
{
	BUILD_BUG_ON(offsetof(struct uvm_fault_slot, tid) != 0);
	UVM_SLOTS_CHECK(UVM_FAULT_SLOTS);
	return uvm_slot_find(uvm_fault_inflight, sizeof(uvm_fault_inflight[0]),
			     UVM_FAULT_SLOTS, tid, claim);
}

/* ---- page faults ----------------------------------------------------- */

enum { UVM_REGION_ANON, UVM_REGION_HEAP, UVM_REGION_STACK, UVM_REGION_FILE,
       UVM_REGION_SPECIAL };
static const char *const uvm_region_names[] = {
	"anon", "heap", "stack", "file", "special"
};

static int uvm_vma_region(struct vm_area_struct *vma)
{
	struct mm_struct *mm = vma->vm_mm;

	if (vma->vm_file)
		return UVM_REGION_FILE;
	if (vma->vm_ops && vma->vm_ops->name)
		return UVM_REGION_SPECIAL;	/* vdso, vvar, ... */
	if (mm && vma->vm_start <= mm->brk && vma->vm_end >= mm->start_brk)
		return UVM_REGION_HEAP;
	if (mm && vma->vm_start <= mm->start_stack &&
	    vma->vm_end >= mm->start_stack)
		return UVM_REGION_STACK;
	return UVM_REGION_ANON;
}

/* Escaped path of a file into dst, "-" if none. */
static void uvm_file_path(struct file *f, char *dst, size_t n)
{
	char buf[256];
	char *p;

	if (!f) {
		uvm_escape(dst, n, "", 0, 0);
		return;
	}
	/* d_path() writes the path at the end of buf, NUL-terminated. */
	p = d_path(&f->f_path, buf, sizeof(buf));
	if (IS_ERR(p))
		uvm_escape(dst, n, f->f_path.dentry->d_name.name,
			   f->f_path.dentry->d_name.len, 0);
	else
		uvm_escape(dst, n, p, buf + sizeof(buf) - p, 0);
}

/* The kernel's own accounting rule (mm_account_fault in mm/memory.c):
 * errors and retries are not counted; a completed fault is major when
 * VM_FAULT_MAJOR is set or it was retried (FAULT_FLAG_TRIED). */
static const char *uvm_fault_outcome(unsigned long ret, unsigned long flags)
{
	if (ret & VM_FAULT_ERROR)
		return "error";
	if (ret & VM_FAULT_RETRY)
		return "retry";
	if ((ret & VM_FAULT_MAJOR) || (flags & FAULT_FLAG_TRIED))
		return "major";
	return "minor";
}

static void uvm_fault_access(unsigned long flags, char *dst)
{
	dst[0] = (flags & FAULT_FLAG_INSTRUCTION) ? 'x' :
		 (flags & FAULT_FLAG_WRITE) ? 'w' : 'r';
	dst[1] = (flags & FAULT_FLAG_USER) ? 'u' : 'k';
	dst[2] = '\0';
}

/* ---- process exit ---------------------------------------------------- */

struct uvm_rusage {
	u64 min_flt, maj_flt, utime, stime, nvcsw, nivcsw, maxrss_kb;
};

/* Add the getrusage counters of s (a task or a signal_struct: the
 * fields have the same names) to r. */
#define UVM_RUSAGE_ADD(r, s)                                                   \
	do {                                                                   \
		(r)->min_flt += (s)->min_flt;                                  \
		(r)->maj_flt += (s)->maj_flt;                                  \
		(r)->utime += (s)->utime;                                      \
		(r)->stime += (s)->stime;                                      \
		(r)->nvcsw += (s)->nvcsw;                                      \
		(r)->nivcsw += (s)->nivcsw;                                    \
	} while (0)

/* The counters getrusage(RUSAGE_SELF) would report for t's process
 * (group) or for t alone.  Called from sched_process_exit. */
static void uvm_task_rusage(struct task_struct *t, int group,
			    struct uvm_rusage *r)
{
	struct signal_struct *sig = t->signal;
	struct task_struct *th;

	memset(r, 0, sizeof(*r));
	if (!group || !sig) {
		UVM_RUSAGE_ADD(r, t);
		return;
	}
	/* Threads already reaped were folded into signal_struct by
	 * __exit_signal(); the rest are still on the thread list. */
	UVM_RUSAGE_ADD(r, sig);
	rcu_read_lock();
	for_each_thread(t, th)
		UVM_RUSAGE_ADD(r, th);
	rcu_read_unlock();
	/* do_exit() folded the mm's high-water RSS into sig->maxrss. */
	r->maxrss_kb = sig->maxrss * (PAGE_SIZE / 1024);
}

/* uvm_task_rusage() of a task given as a script's long, by value: one
 * field per accessor in the runtime. */
static inline struct uvm_rusage uvm_exit_rusage(long task, long group)
{
	struct uvm_rusage r;

	uvm_task_rusage((struct task_struct *)(uintptr_t)task, group, &r);
	return r;
}

/* ---- perf counts at exit --------------------------------------------- */

/*
 * 'uvm-exec --counters' opens perf events on its child before the child
 * execs the command, with inherit (every task forked from it gets its
 * own copy of each event, whose parent is the original) and
 * inherit_stat.  Kernels before about 6.15 never say what each task
 * counted: perf_event_exit_task() folds a task's copies into the
 * originals without a read record.  So uvm reads them itself, on entry
 * to that function (uvm.process.counts; N records, runtime/uvm_trace.h).
 *
 * An event is one of those when it has uvm-exec's attributes (inherit,
 * inherit_stat, counting, not sampling, UVM_COUNTS_READ_FORMAT)
 * and its original (itself, or its parent) was opened on the launcher's
 * child (hw.target: the event holds a reference on that task, so its
 * tgid can be read however long ago it exited).  enable_on_exec cannot
 * tell: the exec clears it.  Someone else's perf events on these tasks
 * have another target or other attributes (perf record samples, perf
 * stat does not set inherit_stat); uvm-exec's pins do not inherit.  The
 * launcher must be stap's -c command itself (uvm_pending_fork): a
 * command that runs it (stap -c 'taskset -c 0 uvm-exec ...') is no
 * longer pending by then, and no N record is written.
 */
#define UVM_COUNTS_MAX 12	/* distinct (type, config); uvm-exec opens 10 */

struct uvm_counts {
	unsigned n;
	struct { u32 type; u64 config, value; } c[UVM_COUNTS_MAX];
	int over;		/* a counter did not fit */
};

#ifdef CONFIG_PERF_EVENTS
static int uvm_counted(struct perf_event *e, pid_t root)
{
	struct perf_event *orig = e->parent ? e->parent : e;
	struct task_struct *t = orig->hw.target;

	if (!e->attr.inherit || !e->attr.inherit_stat ||
	    is_sampling_event(e) || e->attr.read_format != UVM_COUNTS_READ_FORMAT)
		return 0;
	/* an original is the root's own (its main thread's) */
	return t && t->tgid == root && (e->parent || t == current);
}

/* The type uvm-exec gave e.  The kernel may have put another into its
 * attr.type: on 7.2 the task clock's is 7, the type of a PMU of its own
 * (measured).  Every software PMU's event is PERF_TYPE_SOFTWARE's, by
 * the kernel's own test. */
static u32 uvm_counted_type(struct perf_event *e)
{
	return is_software_event(e) ? PERF_TYPE_SOFTWARE : e->attr.type;
}

static void uvm_counts_add(struct uvm_counts *r, u32 type, u64 config, u64 v)
{
	unsigned i;

	for (i = 0; i < r->n; i++)
		if (r->c[i].type == type && r->c[i].config == config) {
			r->c[i].value += v;
			return;
		}
	if (r->n == UVM_COUNTS_MAX) {
		r->over = 1;
		return;
	}
	r->c[r->n].type = type;
	r->c[r->n].config = config;
	r->c[r->n].value = v;
	r->n++;
}

/* Add ctx's counted events to r.  With interrupts off, on the current
 * task's own context: it is not switched out nor swapped (perf swaps
 * the contexts of cloned tasks only when one is scheduled out), and
 * ctx->lock keeps its event list still, as perf's own reads do
 * (__perf_event_read).  An event active on this CPU is brought up to
 * date first, by its PMU's read (the task clock's: the time since it
 * was last updated); the rest were updated when they stopped. */
static void uvm_ctx_counts(struct perf_event_context *ctx, pid_t root,
			   struct uvm_counts *r)
{
	struct perf_event *e;

	if (!ctx)
		return;
	raw_spin_lock(&ctx->lock);
	list_for_each_entry(e, &ctx->event_list, event_entry) {
		if (!uvm_counted(e, root))
			continue;
		if (e->state == PERF_EVENT_STATE_ACTIVE &&
		    e->oncpu == smp_processor_id())
			e->pmu->read(e);
		uvm_counts_add(r, uvm_counted_type(e), e->attr.config,
			       local64_read(&e->count));
	}
	raw_spin_unlock(&ctx->lock);
}

/* The current task's own counts, one per counter.  Called on entry to
 * perf_event_exit_task(current), before it takes the contexts down.
 * Until 6.2 a task had a context per kind of PMU (hardware, software:
 * perf_event_ctxp[perf_nr_task_contexts]); since, one (commit
 * bd2756811766, "perf: Rewrite core context handling"). */
static void uvm_task_counts(struct uvm_counts *r)
{
	pid_t root = READ_ONCE(uvm_counted_root);
	unsigned long flags;

	r->n = 0;
	r->over = 0;
	if (!root)
		return;
	local_irq_save(flags);
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
	{
		int ctxn;

		for (ctxn = 0; ctxn < perf_nr_task_contexts; ctxn++)
			uvm_ctx_counts(READ_ONCE(current->perf_event_ctxp[ctxn]),
				       root, r);
	}
#else
	/* another task may install it (perf_event_open on us) */
	uvm_ctx_counts(READ_ONCE(current->perf_event_ctxp), root, r);
#endif
	local_irq_restore(flags);
}
#else
static void uvm_task_counts(struct uvm_counts *r)
{
	r->n = 0;
	r->over = 0;
}
#endif

/* Write an N record of the current task (pid, tid: as its other
 * records have them) for each counter it has; a counter beyond
 * UVM_COUNTS_MAX is dropped, and counted so. */
static void uvm_emit_task_counts(long long ts, long long pid, long long tid)
{
	struct uvm_counts r;
	unsigned i;

	uvm_task_counts(&r);
	for (i = 0; i < r.n; i++)
		UVM_EMIT(UVM_FMT(UVM_COUNT_FIELDS, "N"), ts, pid, tid,
			 (long long)r.c[i].type, (long long)r.c[i].config,
			 (long long)r.c[i].value);
	if (r.over)
		atomic64_inc(&uvm_dropped);
}

/* ---- files and descriptors ------------------------------------------- */

/* Escaped path of the current task's descriptor fd, "-" if none.
 * Takes a counted reference, as the kernel's own lookups do: since 6.7
 * struct file is SLAB_TYPESAFE_BY_RCU (commit 0ede61d8589c, which also
 * removed files_lookup_fd_rcu()), so a pointer read under RCU alone may
 * already be another file.  fget_raw()/fput() exist, and do not sleep,
 * on every kernel uvm supports: no version test. */
static void uvm_fd_path(long fd, char *dst, size_t n)
{
	struct file *f = NULL;

	if (fd >= 0 && fd <= INT_MAX && current->files)
		f = fget_raw((unsigned int)fd);
	if (f) {
		uvm_file_path(f, dst, n);
		fput(f);
	} else {
		uvm_escape(dst, n, "", 0, 0);
	}
}

/* A counted reference to mm's executable, or NULL; mm held stable by the
 * caller (task_lock).  get_file_rcu() was a macro taking the file until
 * 6.7, where struct file became SLAB_TYPESAFE_BY_RCU (commit 0ede61d8589c)
 * and get_file_rcu() a function taking the __rcu pointer's address, which
 * re-checks that the file it counted is still the one the pointer names. */
static struct file *uvm_mm_exe_file(struct mm_struct *mm)
{
	struct file *exe;

	rcu_read_lock();
#ifdef get_file_rcu
	exe = rcu_dereference(mm->exe_file);
	if (exe && !get_file_rcu(exe))
		exe = NULL;
#else
	exe = get_file_rcu(&mm->exe_file);
#endif
	rcu_read_unlock();
	return exe;
}

/* Escaped path of process tgid's executable, "-" if none.  The kernel's
 * get_task_exe_file() is not exported; this is its body: task_lock keeps
 * t->mm from going away (exit_mm clears it under the same lock). */
static void uvm_exe_path(pid_t tgid, char *dst, size_t n)
{
	struct task_struct *t;
	struct file *exe = NULL;

	rcu_read_lock();
	t = pid_task(find_vpid(tgid), PIDTYPE_TGID);
	if (t) {
		task_lock(t);
		if (t->mm && !(t->flags & PF_KTHREAD))
			exe = uvm_mm_exe_file(t->mm);
		task_unlock(t);
	}
	rcu_read_unlock();
	uvm_file_path(exe, dst, n);
	if (exe)
		fput(exe);
}

/* ---- system call arguments ------------------------------------------- */

/*
 * Argument kinds, one letter per argument:
 *   d signed int   u unsigned   x hex   p pointer (hex)   f fd
 *   s user string (path)   o octal mode
 * Calls not in the table print their six raw arguments in hex.
 */
struct uvm_sc_sig {
	int nr;
	const char *kinds;
};

static const struct uvm_sc_sig uvm_sc_sigs[] = {
	{ __NR_read, "fpu" },		{ __NR_write, "fpu" },
	{ __NR_open, "sxo" },		{ __NR_close, "f" },
	{ __NR_stat, "sp" },		{ __NR_fstat, "fp" },
	{ __NR_lstat, "sp" },		{ __NR_lseek, "fdd" },
	{ __NR_mmap, "puxxfd" },	{ __NR_mprotect, "pux" },
	{ __NR_munmap, "pu" },		{ __NR_brk, "p" },
	{ __NR_pread64, "fpud" },	{ __NR_pwrite64, "fpud" },
	{ __NR_access, "so" },		{ __NR_pipe, "p" },
	{ __NR_mremap, "puuxp" },	{ __NR_dup, "f" },
	{ __NR_dup2, "ff" },		{ __NR_nanosleep, "pp" },
	{ __NR_getpid, "" },		{ __NR_getppid, "" },
	{ __NR_gettid, "" },		{ __NR_clone, "xppp" },
	{ __NR_fork, "" },		{ __NR_vfork, "" },
	{ __NR_execve, "spp" },		{ __NR_exit, "d" },
	{ __NR_wait4, "dpxp" },		{ __NR_kill, "dd" },
	{ __NR_uname, "p" },		{ __NR_fcntl, "fdx" },
	{ __NR_chdir, "s" },		{ __NR_mkdir, "so" },
	{ __NR_rmdir, "s" },		{ __NR_unlink, "s" },
	{ __NR_readlink, "spu" },	{ __NR_getcwd, "pu" },
	{ __NR_exit_group, "d" },	{ __NR_openat, "fsxo" },
	{ __NR_newfstatat, "fspx" },	{ __NR_unlinkat, "fsx" },
	{ __NR_readlinkat, "fspu" },	{ __NR_faccessat, "fso" },
	{ __NR_faccessat2, "fsox" },	{ __NR_execveat, "fsppx" },
	{ __NR_statx, "fsxxp" },	{ __NR_getdents64, "fpu" },
	{ __NR_ioctl, "fxx" },		{ __NR_pipe2, "px" },
	{ __NR_dup3, "ffx" },		{ __NR_clone3, "pu" },
	{ __NR_rt_sigaction, "dppu" },	{ __NR_rt_sigprocmask, "dppu" },
	{ __NR_set_tid_address, "p" },	{ __NR_futex, "pxdppd" },
	{ __NR_arch_prctl, "xp" },	{ __NR_prlimit64, "ddpp" },
	{ __NR_getrandom, "pux" },	{ __NR_rseq, "pux" },
	{ __NR_set_robust_list, "pu" }, { __NR_sched_yield, "" },
	{ __NR_clock_nanosleep, "dxpp" }, { __NR_readv, "fpd" },
	{ __NR_writev, "fpd" },		{ __NR_poll, "pud" },
	{ __NR_socket, "ddd" },		{ __NR_connect, "fpu" },
};

static const char *uvm_sc_kinds(long nr)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(uvm_sc_sigs); i++)
		if (uvm_sc_sigs[i].nr == nr)
			return uvm_sc_sigs[i].kinds;
	return NULL;
}

/* Names of error codes user space never sees (the call is restarted or
 * fails with EINTR), which errno_str() does not know. */
static const char *uvm_kernel_errno(long err)
{
	switch (err) {
	case 512: return "ERESTARTSYS";
	case 513: return "ERESTARTNOINTR";
	case 514: return "ERESTARTNOHAND";
	case 515: return "ENOIOCTLCMD";
	case 516: return "ERESTART_RESTARTBLOCK";
	case 517: return "EPROBE_DEFER";
	case 518: return "EOPENSTALE";
	case 519: return "ENOPARAM";
	}
	return NULL;
}

#endif /* UVM_KERNEL_H */
