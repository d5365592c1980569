/*
 * perfetto.c - the timeline: a uvm trace as Chrome Trace Event JSON, the
 * format ui.perfetto.dev and chrome://tracing open (docs/uvm-collect.md,
 * "Timeline").
 *
 * An event sink (uvm_profile.h): each record becomes its events while
 * the trace is parsed, written through the report model's compact JSON
 * renderer (model.h), one event a line.  What is kept grows with
 * processes and threads, as the profile does, never with the length of
 * the trace.
 *
 *   a process       a process track; its life a slice on its main thread
 *   a thread        a thread track
 *   S, F            complete slices ("X") on the thread: a fault taken in
 *                   a system call lies inside it (same clock)
 *   C, E, X         instants: fork/clone, exec, exit
 *   M               counter "memory": mapped and heap bytes
 *   F               counter "faults": faults per second, by 10 ms window
 *   I + s/f         summary mode: counter "totals" at each snapshot
 *
 * Times are microseconds since the trace's start with the nanoseconds
 * kept as three decimals.  Perfetto merges events of equal pid, so a PID
 * reused within the run is given an id of its own: the real pid plus its
 * incarnation << 22 (PID_MAX_LIMIT is 2^22), thread ids likewise; the
 * real pid is in the track's name.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "records.h"
#include "uvm_profile.h"
#include "util.h"

#define RATE_WINDOW_NS 10000000LL	/* fault rate: 10 ms windows */
#define PID_BITS 22			/* real pids and tids are below 2^22 */
/* the most incarnations that keep an id below 2^31 */
#define MAX_INCARNATION ((1u << (31 - PID_BITS)) - 1)
/* the tid of an event of a process as a whole (counters, its name) */
#define NO_TID INT64_MIN

/* What the timeline keeps of a process, by its id. */
struct pstate {
	int named;		/* its process_name is written */
	int ended;		/* its life's slice is written */
	int64_t first, last;	/* extent of its events (ns since start); first -1: none */
	int64_t rate_win;	/* fault rate: the window being counted, or -1 */
	uint64_t rate_n;
	int mem_seen;
	uint64_t mapped, heap;	/* last written */
	int exec_moved;		/* a thread took the leader's tid at its exec, */
	int64_t exec_from;	/* this one, until its execve's record */
	int touched;		/* summary mode: in the current batch */
	int64_t snap_ts;
	uint64_t calls, faults;
};

struct uvm_perfetto {
	struct uvm_sink sink;
	struct uvm_render *r;
	int started;		/* the document is open */
	int by_tree;		/* several targets: tracks sorted by tree, at the end */
	int64_t start_ns;	/* the header's ts */
	int64_t now;		/* the latest ts (ns since start) */
	struct pstate *ps;
	size_t n_ps;
	uint64_t *threads;	/* named threads: open addressing, key pid << 32 | tid */
	size_t n_threads, cap_threads;
	unsigned *batch;	/* summary mode: ids touched since the last ts */
	size_t n_batch, cap_batch;
};

static struct pstate *pstate(struct uvm_perfetto *pf, const struct uvm_process *pr)
{
	size_t i;

	if (pr->id > pf->n_ps) {
		size_t n = pf->n_ps ? pf->n_ps : 64;

		while (n < pr->id)
			n *= 2;
		pf->ps = xrealloc(pf->ps, n * sizeof(*pf->ps));
		for (i = pf->n_ps; i < n; i++) {
			memset(&pf->ps[i], 0, sizeof(pf->ps[i]));
			pf->ps[i].first = pf->ps[i].rate_win = -1;
		}
		pf->n_ps = n;
	}
	return &pf->ps[pr->id - 1];
}

/* ---- ids and times ---- */

/* pid or tid id of process pr, as the timeline's id (below 2^31) */
static int64_t track_id(const struct uvm_process *pr, int64_t id)
{
	unsigned inc = pr->incarnation < MAX_INCARNATION ? pr->incarnation : MAX_INCARNATION;

	return (id & ((1 << PID_BITS) - 1)) | (int64_t)inc << PID_BITS;
}

/* Times from the trace are any 64-bit numbers: clamped to [0, TIME_MAX]
 * once relative, so that sums of two never overflow. */
#define TIME_MAX (INT64_MAX / 4)

/* ns since the trace's start; earlier is 0 */
static int64_t since(const struct uvm_perfetto *pf, int64_t ts)
{
	uint64_t d;

	if (ts <= pf->start_ns)
		return 0;
	d = (uint64_t)ts - (uint64_t)pf->start_ns;
	return d > TIME_MAX ? TIME_MAX : (int64_t)d;
}

/* A slice from begin (an absolute ts) lasting lat ns (< 0: unknown, 0),
 * as *ts and *dur since the start; the part before the start is cut. */
static void span(const struct uvm_perfetto *pf, int64_t begin, int64_t lat,
		 int64_t *ts, int64_t *dur)
{
	int64_t end;

	if (lat < 0)
		lat = 0;
	if (__builtin_add_overflow(begin, lat, &end))
		end = INT64_MAX;
	*ts = since(pf, begin);
	*dur = since(pf, end) - *ts;
}

/* ns as microseconds, the nanoseconds kept: "1234.567" */
static void put_us(struct uvm_node *ev, const char *name, int64_t ns)
{
	char b[32];

	snprintf(b, sizeof(b), "%" PRId64 ".%03" PRId64, ns / 1000, ns % 1000);
	uvm_node_decimal(ev, name, b);
}

static void put_hex(struct uvm_node *parent, const char *name, uint64_t v)
{
	char b[24];

	snprintf(b, sizeof(b), "0x%" PRIx64, v);
	uvm_node_string(parent, name, b);
}

/* A fault the kernel counts (min_flt, maj_flt): not an error, and a
 * retried fault only once, when it completes. */
static int counted(const char *outcome)
{
	return !strcmp(outcome, "minor") || !strcmp(outcome, "major");
}

/* ---- events ---- */

/* An event of phase ph; at ts (ns since start) unless ts < 0. */
static struct uvm_node *event(const char *ph, const char *name, const char *cat, int64_t ts)
{
	struct uvm_node *ev = uvm_node_new(UVM_NODE_OBJECT, NULL, NULL);

	uvm_node_text(ev, "name", name);
	if (cat)
		uvm_node_string(ev, "cat", cat);
	uvm_node_string(ev, "ph", ph);
	if (ts >= 0)
		put_us(ev, "ts", ts);
	return ev;
}

static void on_track(struct uvm_node *ev, const struct uvm_process *pr, int64_t tid)
{
	uvm_node_int(ev, "pid", track_id(pr, pr->pid));
	if (tid != NO_TID)
		uvm_node_int(ev, "tid", track_id(pr, tid));
}

static void emit(struct uvm_perfetto *pf, struct uvm_node *ev)
{
	uvm_render_write(pf->r, ev);	/* a failure sticks: finish reports it */
	uvm_node_free(ev);
}

static void metadata(struct uvm_perfetto *pf, const struct uvm_process *pr, int64_t tid,
		     const char *what, const char *name, int64_t sort)
{
	struct uvm_node *ev = event("M", what, NULL, -1), *args;

	on_track(ev, pr, tid);
	args = uvm_node_object(ev, "args");
	if (name)
		uvm_node_string(args, "name", name);
	else
		uvm_node_int(args, "sort_index", sort);
	emit(pf, ev);
}

/* The process track's name: comm, real pid and exe. */
static void name_process(struct uvm_perfetto *pf, const struct uvm_process *pr)
{
	char *t1 = NULL, *t2 = NULL, *name;
	const char *comm = uvm_report_text(pr->comm[0] ? pr->comm : "?", &t1);
	const char *exe = pr->exe ? uvm_report_text(pr->exe, &t2) : NULL;
	size_t n = strlen(comm) + (exe ? strlen(exe) : 0) + 48;

	name = xcalloc(n, 1);
	snprintf(name, n, "%s (pid %d)%s%s", comm, pr->pid, exe ? " " : "", exe ? exe : "");
	metadata(pf, pr, NO_TID, "process_name", name, 0);
	free(name);
	free(t1);
	free(t2);
	pstate(pf, pr)->named = 1;
}

/* The first event of a thread names its track: comm and real tid. */
static void name_thread(struct uvm_perfetto *pf, const struct uvm_process *pr, int64_t tid)
{
	uint64_t key = (uint64_t)track_id(pr, pr->pid) << 32 | (uint64_t)track_id(pr, tid);
	size_t h, i, n;
	char *tmp = NULL, *name;
	const char *comm;

	if ((pf->n_threads + 1) * 2 > pf->cap_threads) {
		uint64_t *old = pf->threads;
		size_t cap = pf->cap_threads;

		pf->cap_threads = cap ? 2 * cap : 1024;
		pf->threads = xcalloc(pf->cap_threads, sizeof(*pf->threads));
		for (i = 0; i < cap; i++) {
			if (!old[i])
				continue;
			for (h = old[i] * 0x9e3779b97f4a7c15ull >> 20;; h++)
				if (!pf->threads[h & (pf->cap_threads - 1)])
					break;
			pf->threads[h & (pf->cap_threads - 1)] = old[i];
		}
		free(old);
	}
	for (h = key * 0x9e3779b97f4a7c15ull >> 20;; h++) {
		uint64_t *k = &pf->threads[h & (pf->cap_threads - 1)];

		if (*k == key)
			return;
		if (!*k) {
			*k = key;
			break;
		}
	}
	pf->n_threads++;
	comm = uvm_report_text(pr->comm[0] ? pr->comm : "?", &tmp);
	n = strlen(comm) + 24;
	name = xcalloc(n, 1);
	snprintf(name, n, "%s %" PRId64, comm, tid);
	metadata(pf, pr, tid, "thread_name", name, 0);
	free(name);
	free(tmp);
}

/* An event of pr at [ts, end] (ns since start) on thread tid (NO_TID:
 * the process as a whole): names its tracks, widens its extent. */
static struct pstate *touch(struct uvm_perfetto *pf, const struct uvm_process *pr,
			    int64_t tid, int64_t ts, int64_t end)
{
	struct pstate *st = pstate(pf, pr);

	if (!st->named) {
		name_process(pf, pr);
		if (!pf->by_tree)
			metadata(pf, pr, NO_TID, "process_sort_index", NULL, pr->id);
	}
	if (tid != NO_TID)
		name_thread(pf, pr, tid);
	if (st->first < 0 || ts < st->first)
		st->first = ts;
	if (end > st->last)
		st->last = end;
	return st;
}

/* The fault rate of the window counted so far; then 0 after it, unless
 * the next window with faults, next (-1: none), follows right after. */
static void rate_flush(struct uvm_perfetto *pf, const struct uvm_process *pr,
		       struct pstate *st, int64_t next)
{
	struct uvm_node *ev;
	int i;

	if (st->rate_win < 0)
		return;
	for (i = 0; i < 1 + (next != st->rate_win + 1); i++) {
		ev = event("C", "faults", NULL, (st->rate_win + i) * RATE_WINDOW_NS);
		on_track(ev, pr, NO_TID);
		uvm_node_uint(uvm_node_object(ev, "args"), "per_s",
			      i ? 0 : st->rate_n * (1000000000 / RATE_WINDOW_NS));
		emit(pf, ev);
	}
	st->rate_win = -1;
	st->rate_n = 0;
}

/* Summary mode: each process's totals of the batch of s/f records just
 * read, at the time of the record before them. */
static void batch_flush(struct uvm_perfetto *pf, struct uvm_profile *p)
{
	size_t i;

	for (i = 0; i < pf->n_batch; i++) {
		const struct uvm_process *pr = p->procs[pf->batch[i] - 1];
		struct pstate *st = pstate(pf, pr);
		struct uvm_node *ev = event("C", "totals", NULL, st->snap_ts), *args;

		on_track(ev, pr, NO_TID);
		args = uvm_node_object(ev, "args");
		uvm_node_uint(args, "syscalls", st->calls);
		uvm_node_uint(args, "faults", st->faults);
		emit(pf, ev);
		st->touched = 0;
	}
	pf->n_batch = 0;
}

static struct pstate *batch_add(struct uvm_perfetto *pf, const struct uvm_process *pr)
{
	struct pstate *st = touch(pf, pr, NO_TID, pf->now, pf->now);

	if (!st->touched) {
		st->touched = 1;
		st->snap_ts = pf->now;
		st->calls = st->faults = 0;
		GROW(pf->batch, pf->n_batch, pf->cap_batch);
		pf->batch[pf->n_batch++] = pr->id;
	}
	return st;
}

/* The process's life: a slice on its main thread, around all its events. */
static void life(struct uvm_perfetto *pf, const struct uvm_profile *p,
		 const struct uvm_process *pr)
{
	struct pstate *st = pstate(pf, pr);
	int64_t start = pr->start_ns >= 0 ? since(pf, pr->start_ns) : pf->now;
	int64_t end = pr->exited ? since(pf, pr->end_ns) : since(pf, p->end_ns);
	struct uvm_node *ev, *args;

	if (st->ended)
		return;
	touch(pf, pr, pr->pid, start, end);
	start = st->first;
	end = st->last > start ? st->last : start;
	ev = event("X", pr->comm[0] ? pr->comm : "?", "process", start);
	put_us(ev, "dur", end - start);
	on_track(ev, pr, pr->pid);
	args = uvm_node_object(ev, "args");
	uvm_node_int(args, "pid", pr->pid);
	uvm_node_int(args, "ppid", pr->ppid);
	if (pr->exe)
		uvm_node_text(args, "exe", pr->exe);
	if (pr->argv)
		uvm_node_text(args, "argv", pr->argv);
	uvm_node_bool(args, "exited", pr->exited);
	if (pr->exited && pr->signal) {
		uvm_node_int(args, "signal", pr->signal);
		uvm_node_bool(args, "core_dumped", pr->core);
	} else if (pr->exited) {
		uvm_node_int(args, "exit_status", pr->status);
	}
	if (pr->exited) {
		uvm_node_uint(args, "utime_ns", pr->utime_ns);
		uvm_node_uint(args, "stime_ns", pr->stime_ns);
		uvm_node_utilization(args, "cpu_utilization", uvm_process_utilization(pr));
		uvm_node_uint(args, "min_flt", pr->min_flt);
		uvm_node_uint(args, "maj_flt", pr->maj_flt);
		uvm_node_uint(args, "maxrss_kb", pr->maxrss_kb);
	}
	emit(pf, ev);
	rate_flush(pf, pr, st, -1);
	st->ended = 1;
}

/* An instant on a thread. */
static struct uvm_node *instant(struct uvm_perfetto *pf, const struct uvm_process *pr,
				int64_t tid, const char *name, int64_t ts)
{
	struct uvm_node *ev = event("i", name, "process", ts);

	touch(pf, pr, tid, ts, ts);
	uvm_node_string(ev, "s", "t");
	on_track(ev, pr, tid);
	return ev;
}

/* ---- records ---- */

static void tl_header(struct uvm_perfetto *pf, const struct uvm_profile *p,
		      const struct rec_header *r)
{
	struct uvm_node *root = uvm_node_new(UVM_NODE_OBJECT, "uvm-timeline", NULL), *o, *ts;
	unsigned k;
	struct uvm_node *evs = uvm_node_new(UVM_NODE_ARRAY, "traceEvents", "event");

	pf->start_ns = r->TS.i;
	uvm_node_string(root, "displayTimeUnit", "ns");
	o = uvm_node_object(root, "otherData");
	uvm_node_string(o, "source", "uvm");
	uvm_node_int(o, "trace_version", r->VERSION.i);
	uvm_node_text(o, "kernel", r->KERNEL.s);
	uvm_node_text(o, "mode", r->MODE.s);
	uvm_node_int(o, "target", r->TARGET.i);
	/* the target set (the parser has it from this header) */
	ts = uvm_node_array(o, "targets", "target");
	for (k = 0; k < p->targets.n && k < UVM_TARGETS_MAX; k++)
		uvm_node_int(ts, NULL, p->targets.pid[k]);
	pf->by_tree = p->targets.n > 1;
	uvm_node_int(o, "follow", r->FOLLOW.i);
	uvm_node_int(o, "start_ns", r->TS.i);
	uvm_node_int(o, "realtime_ns", r->REALTIME.i);
	uvm_render_open(pf->r, root);
	uvm_render_open(pf->r, evs);
	uvm_node_free(root);
	uvm_node_free(evs);
	pf->started = 1;
}

static void tl_syscall(struct uvm_perfetto *pf, struct uvm_profile *p, const struct rec_syscall *r)
{
	const struct uvm_process *pr = uvm_profile_process(p, (int)r->PID.i, 0);
	struct pstate *st = pstate(pf, pr);
	struct uvm_node *ev, *args;
	int64_t ts, dur, tid = r->TID.i;

	/* the execve of a thread that was not the leader returns with the
	 * leader's tid: its slice goes on the thread's own track, where it
	 * began, not over what the leader did meanwhile */
	if (st->exec_moved && tid == pr->pid && !strncmp(r->NAME.s, "execve", 6)) {
		tid = st->exec_from;
		st->exec_moved = 0;
	}
	span(pf, r->TS.i, r->LAT.i, &ts, &dur);
	touch(pf, pr, tid, ts, ts + dur);
	ev = event("X", r->NAME.s, "syscall", ts);
	put_us(ev, "dur", dur);
	on_track(ev, pr, tid);
	args = uvm_node_object(ev, "args");
	uvm_node_int(args, "nr", r->NR.i);
	uvm_node_text(args, "args", r->ARGS.s);
	/* lat -1: a call that does not return, written at its entry, or
	 * one whose entry was not seen (begun before the trace), written
	 * at its return */
	if (r->LAT.i < 0 && (!strcmp(r->NAME.s, "exit") || !strcmp(r->NAME.s, "exit_group"))) {
		uvm_node_bool(args, "returned", 0);
	} else {
		uvm_node_int(args, "ret", r->RET.i);
		if (!uvm_field_none(&r->ERRNO))
			uvm_node_text(args, "errno", r->ERRNO.s);
		if (r->LAT.i < 0)
			uvm_node_bool(args, "entry_seen", 0);
	}
	emit(pf, ev);
}

static void tl_fault(struct uvm_perfetto *pf, struct uvm_profile *p, const struct rec_fault *r)
{
	const struct uvm_process *pr = uvm_profile_process(p, (int)r->PID.i, 0);
	struct uvm_node *ev, *args;
	struct pstate *st;
	int64_t ts, dur, begin;
	char name[48];

	/* F's ts is the fault's end */
	if (r->LAT.i <= 0 || __builtin_sub_overflow(r->TS.i, r->LAT.i, &begin))
		begin = r->TS.i;
	span(pf, begin, r->TS.i - begin, &ts, &dur);

	st = touch(pf, pr, r->TID.i, ts, ts + dur);
	snprintf(name, sizeof(name), "fault %.32s", r->OUTCOME.s);
	ev = event("X", name, "fault", ts);
	put_us(ev, "dur", dur);
	on_track(ev, pr, r->TID.i);
	args = uvm_node_object(ev, "args");
	put_hex(args, "addr", (uint64_t)r->ADDR.i);
	uvm_node_text(args, "access", r->ACCESS.s);
	uvm_node_text(args, "region", r->REGION.s);
	uvm_node_text(args, "outcome", r->OUTCOME.s);
	if (r->IP.i)
		put_hex(args, "site", (uint64_t)r->IP.i);
	if (!uvm_field_none(&r->PATH))
		uvm_node_text(args, "path", r->PATH.s);
	emit(pf, ev);
	if (!counted(r->OUTCOME.s))
		return;
	/* faults arrive as they end, so not quite in ts order: an earlier
	 * one counts in the window being counted */
	if (st->rate_win >= 0 && ts / RATE_WINDOW_NS > st->rate_win)
		rate_flush(pf, pr, st, ts / RATE_WINDOW_NS);
	if (st->rate_win < 0)
		st->rate_win = ts / RATE_WINDOW_NS;
	st->rate_n++;
}

static void tl_clone(struct uvm_perfetto *pf, struct uvm_profile *p, const struct rec_clone *r)
{
	const struct uvm_process *pr, *child;
	int64_t ts = since(pf, r->TS.i);
	struct uvm_node *ev, *args;

	/* both the latest with their pids, now that the profile has the
	 * fork; a thread is its parent's */
	pr = uvm_profile_process(p, (int)r->PID.i, 0);
	child = r->THREAD.i ? pr : uvm_profile_process(p, (int)r->CHILD_PID.i, 0);
	ev = instant(pf, pr, r->TID.i, r->THREAD.i ? "thread created" : "fork", ts);
	args = uvm_node_object(ev, "args");
	uvm_node_int(args, r->THREAD.i ? "tid" : "pid", r->THREAD.i ? r->CHILD_TID.i : r->CHILD_PID.i);
	put_hex(args, "flags", (uint64_t)r->FLAGS.i);
	emit(pf, ev);
	touch(pf, child, r->THREAD.i ? r->CHILD_TID.i : r->CHILD_PID.i, ts, ts);
}

static void tl_exec(struct uvm_perfetto *pf, struct uvm_profile *p, const struct rec_exec *r)
{
	const struct uvm_process *pr = uvm_profile_process(p, (int)r->PID.i, 0);
	struct uvm_node *ev = instant(pf, pr, r->TID.i, "exec", since(pf, r->TS.i)), *args;

	args = uvm_node_object(ev, "args");
	uvm_node_text(args, "filename", r->FILENAME.s);
	uvm_node_text(args, "argv", r->ARGV.s);
	if (r->OLD_TID.i != r->TID.i)
		uvm_node_int(args, "old_tid", r->OLD_TID.i);
	emit(pf, ev);
	name_process(pf, pr);	/* a new comm and exe */
	pstate(pf, pr)->exec_moved = r->OLD_TID.i != r->TID.i;
	pstate(pf, pr)->exec_from = r->OLD_TID.i;
}

static void tl_exit(struct uvm_perfetto *pf, struct uvm_profile *p, const struct rec_exit *r)
{
	const struct uvm_process *pr = uvm_profile_process(p, (int)r->PID.i, 0);
	struct uvm_node *ev, *args;

	if (!pr)	/* a thread of a process never seen: the profile has none */
		return;
	ev = instant(pf, pr, r->TID.i, r->GROUP.i ? "exit" : "thread exit", since(pf, r->TS.i));
	args = uvm_node_object(ev, "args");
	if (r->SIGNAL.i)
		uvm_node_int(args, "signal", r->SIGNAL.i);
	else
		uvm_node_int(args, "exit_status", r->STATUS.i);
	emit(pf, ev);
}

static void tl_mm(struct uvm_perfetto *pf, struct uvm_profile *p, const struct rec_mm *r)
{
	const struct uvm_process *pr = uvm_profile_process(p, (int)r->PID.i, 0);
	const struct uvm_memmap *m = &pr->mem;
	uint64_t heap = uvm_heap_bytes(m);
	int64_t ts = since(pf, r->TS.i);
	struct pstate *st = touch(pf, pr, NO_TID, ts, ts);
	struct uvm_node *ev, *args;

	if (st->mem_seen && st->mapped == m->mapped && st->heap == heap)
		return;
	st->mem_seen = 1;
	st->mapped = m->mapped;
	st->heap = heap;
	ev = event("C", "memory", NULL, ts);
	on_track(ev, pr, NO_TID);
	args = uvm_node_object(ev, "args");
	uvm_node_uint(args, "mapped_bytes", m->mapped);
	uvm_node_uint(args, "heap_bytes", heap);
	emit(pf, ev);
}

/* The record's time, or -1 for the summary records, which have none. */
static int64_t record_ts(char tag, const union uvm_record *u)
{
	switch (tag) {
	case 'H': return u->header.TS.i;
	case 'P': return u->process.TS.i;
	case 'S': return u->syscall.TS.i;
	case 'F': return u->fault.TS.i;
	case 'C': return u->clone.TS.i;
	case 'E': return u->exec.TS.i;
	case 'X': return u->exit.TS.i;
	case 'N': return u->count.TS.i;
	case 'M': return u->mm.TS.i;
	case 'I': return u->snapshot.TS.i;
	case 'T': return u->trailer.TS.i;
	}
	return -1;
}

static void record(struct uvm_sink *s, struct uvm_profile *p, char tag, const union uvm_record *u)
{
	struct uvm_perfetto *pf = (struct uvm_perfetto *)s;
	int64_t ts = record_ts(tag, u);

	/* a record with a time ends a summary batch */
	if (ts >= 0 && pf->n_batch)
		batch_flush(pf, p);
	if (ts >= 0 && tag != 'H' && since(pf, ts) > pf->now)
		pf->now = since(pf, ts);
	if (tag != 'H' && !pf->started)
		return;
	switch (tag) {
	case 'H': tl_header(pf, p, &u->header); break;
	case 'P': touch(pf, uvm_profile_process(p, (int)u->process.PID.i, 0),
			u->process.PID.i, since(pf, u->process.TS.i),
			since(pf, u->process.TS.i));
		break;
	case 'S': tl_syscall(pf, p, &u->syscall); break;
	case 'F': tl_fault(pf, p, &u->fault); break;
	case 'C': tl_clone(pf, p, &u->clone); break;
	case 'E': tl_exec(pf, p, &u->exec); break;
	case 'X': tl_exit(pf, p, &u->exit); break;
	case 'M': tl_mm(pf, p, &u->mm); break;
	case 's':
		batch_add(pf, uvm_profile_process(p, (int)u->syscall_sum.PID.i, 0))->calls +=
			(uint64_t)u->syscall_sum.COUNT.i;
		break;
	case 'f':
		if (counted(u->fault_sum.OUTCOME.s))
			batch_add(pf, uvm_profile_process(p, (int)u->fault_sum.PID.i, 0))->faults +=
				(uint64_t)u->fault_sum.COUNT.i;
		break;
	}
}

/* ---- API ---- */

struct uvm_perfetto *uvm_perfetto_new(FILE *out)
{
	struct uvm_perfetto *pf = xcalloc(1, sizeof(*pf));

	pf->sink.record = record;
	pf->r = uvm_render_json_compact(out);
	return pf;
}

struct uvm_sink *uvm_perfetto_sink(struct uvm_perfetto *pf)
{
	return &pf->sink;
}

int uvm_perfetto_finish(struct uvm_perfetto *pf, struct uvm_profile *p)
{
	struct uvm_node *loss;
	size_t i, merged;
	int rc;

	if (!pf->started)
		return 1;	/* no header: nothing to show, said elsewhere */
	batch_flush(pf, p);
	for (i = 0; i < p->n_procs; i++)
		life(pf, p, p->procs[i]);
	/* several targets: each target's tree whole, in their order, as the
	 * HTML report draws them (the trees are known only now) */
	if (pf->by_tree) {
		unsigned *depth;
		const struct uvm_process **v = uvm_profile_tree_order(p, &depth);

		for (i = 0; i < p->n_procs; i++)
			metadata(pf, v[i], NO_TID, "process_sort_index", NULL, (int64_t)i + 1);
		free(v);
		free(depth);
	}
	uvm_render_close(pf->r);
	/* after the events, what the timeline lacks: the report's loss */
	loss = uvm_report_loss(p);
	uvm_render_write(pf->r, loss);
	uvm_node_free(loss);
	for (i = 0, merged = 0; i < p->n_procs; i++)
		merged += p->procs[i]->incarnation > MAX_INCARNATION;
	loss = uvm_node_new(UVM_NODE_OBJECT, "doc", NULL);
	uvm_node_uint(loss, "merged_incarnations", merged);
	uvm_render_write(pf->r, loss->first);
	uvm_node_free(loss);
	rc = uvm_render_close(pf->r);
	pf->started = 0;
	return rc;
}

void uvm_perfetto_free(struct uvm_perfetto *pf)
{
	if (!pf)
		return;
	uvm_render_free(pf->r);
	free(pf->ps);
	free(pf->threads);
	free(pf->batch);
	free(pf);
}
