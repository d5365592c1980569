/*
 * profile.c - the profiling-result structures: processes, system call
 * tables, histograms, totals.
 */
#include <stdlib.h>
#include <string.h>

#include "uvm_profile.h"
#include "util.h"

struct uvm_profile *uvm_profile_new(void)
{
	struct uvm_profile *p = xcalloc(1, sizeof(*p));

	p->hash_cap = 64;
	p->hash = xcalloc(p->hash_cap, sizeof(*p->hash));
	p->start_ns = p->end_ns = -1;
	p->target = -1;
	p->totals.pid = -1;
	p->totals.start_ns = p->totals.end_ns = -1;
	p->totals.tree = -1;
	uvm_targets_init(&p->targets);
	return p;
}

static void syscall_free(struct uvm_syscall_stat *s)
{
	free(s->errnos);
	free(s->hist);
}

static void process_free(struct uvm_process *pr)
{
	size_t i;

	if (!pr)
		return;
	for (i = 0; i < pr->n_syscalls; i++)
		syscall_free(&pr->syscalls[i]);
	free(pr->syscalls);
	for (i = 0; i < pr->faults.n_regions; i++)
		free(pr->faults.regions[i].path);
	free(pr->faults.regions);
	for (i = 0; i < pr->mem.n; i++)
		free(pr->mem.maps[i].path);
	free(pr->mem.maps);
	for (i = 0; i < pr->n_objects; i++)
		free(pr->objects[i].path);
	free(pr->objects);
	free(pr->children);
	free(pr->sites);
	free(pr->exe);
	free(pr->argv);
}

void uvm_profile_free(struct uvm_profile *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n_procs; i++) {
		process_free(p->procs[i]);
		free(p->procs[i]);
	}
	free(p->procs);
	free(p->hash);
	process_free(&p->totals);
	for (i = 0; i < UVM_TARGETS_MAX; i++)
		process_free(&p->trees[i].totals);
	free(p);
}

static size_t pid_slot(const struct uvm_profile *p, int pid)
{
	size_t h = (size_t)(unsigned)pid * 2654435761u;

	for (h &= p->hash_cap - 1;; h = (h + 1) & (p->hash_cap - 1))
		if (!p->hash[h] || p->hash[h]->pid == pid)
			return h;
}

/* A new process with this pid, which becomes the latest with it. */
static struct uvm_process *process_new(struct uvm_profile *p, int pid)
{
	struct uvm_process *pr;
	size_t h, i;

	if ((p->n_procs + 1) * 2 > p->hash_cap) {
		free(p->hash);
		p->hash_cap *= 2;
		p->hash = xcalloc(p->hash_cap, sizeof(*p->hash));
		/* in order of appearance: the latest with a pid wins */
		for (i = 0; i < p->n_procs; i++)
			p->hash[pid_slot(p, p->procs[i]->pid)] = p->procs[i];
	}
	h = pid_slot(p, pid);
	pr = xcalloc(1, sizeof(*pr));
	pr->pid = pid;
	pr->id = (unsigned)p->n_procs + 1;
	pr->ppid = -1;
	pr->start_ns = pr->end_ns = -1;
	pr->status = -1;
	pr->tree = -1;
	GROW(p->procs, p->n_procs, p->cap_procs);
	p->procs[p->n_procs++] = pr;
	p->hash[h] = pr;
	return pr;
}

struct uvm_process *uvm_profile_process(struct uvm_profile *p, int pid, int create)
{
	size_t h = pid_slot(p, pid);

	if (p->hash[h] || !create)
		return p->hash[h];
	return process_new(p, pid);
}

struct uvm_process *uvm_profile_start(struct uvm_profile *p, int pid)
{
	struct uvm_process *pr = uvm_profile_process(p, pid, 1), *n;

	if (!pr->exited)
		return pr;
	n = process_new(p, pid);
	n->incarnation = pr->incarnation + 1;
	return n;
}

struct uvm_syscall_stat *uvm_process_syscall(struct uvm_process *pr, int nr,
					     const char *name)
{
	struct uvm_syscall_stat *s;
	size_t lo = 0, hi = pr->n_syscalls;

	/* sorted by nr: binary search, insert in place */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (pr->syscalls[mid].nr < nr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < pr->n_syscalls && pr->syscalls[lo].nr == nr)
		return &pr->syscalls[lo];
	GROW(pr->syscalls, pr->n_syscalls, pr->cap_syscalls);
	memmove(&pr->syscalls[lo + 1], &pr->syscalls[lo],
		(pr->n_syscalls - lo) * sizeof(*pr->syscalls));
	pr->n_syscalls++;
	s = &pr->syscalls[lo];
	memset(s, 0, sizeof(*s));
	s->nr = nr;
	s->min_ns = UINT64_MAX;
	copy_str(s->name, sizeof(s->name), name && *name && strcmp(name, "-") ? name : "?");
	return s;
}

static unsigned hist_bucket(uint64_t v)
{
	unsigned msb, shift;

	if (v < UVM_HIST_SUB)
		return (unsigned)v;
	msb = 63 - (unsigned)__builtin_clzll(v);
	shift = msb - UVM_HIST_SUB_BITS;
	return (msb - UVM_HIST_SUB_BITS + 1) * UVM_HIST_SUB +
	       (unsigned)((v >> shift) & (UVM_HIST_SUB - 1));
}

/* The smallest value that falls in bucket b, and the next bucket's. */
uint64_t uvm_hist_low(unsigned b)
{
	unsigned grp = b / UVM_HIST_SUB, sub = b % UVM_HIST_SUB;

	if (grp == 0)
		return sub;
	return (uint64_t)(UVM_HIST_SUB + sub) << (grp - 1);
}

void uvm_hist_add(struct uvm_syscall_stat *s, uint64_t v, uint64_t n)
{
	uint32_t b = hist_bucket(v), lo = 0, hi = s->n_hist;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (s->hist[mid].bucket < b)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->n_hist && s->hist[lo].bucket == b) {
		s->hist[lo].count += n;
		return;
	}
	if (s->n_hist == s->cap_hist) {
		s->cap_hist = s->cap_hist ? s->cap_hist * 2 : 4;
		s->hist = xrealloc(s->hist, s->cap_hist * sizeof(*s->hist));
	}
	memmove(&s->hist[lo + 1], &s->hist[lo], (s->n_hist - lo) * sizeof(*s->hist));
	s->hist[lo].bucket = b;
	s->hist[lo].count = n;
	s->n_hist++;
}

static void add_errno(struct uvm_syscall_stat *s, const char *err, uint64_t n)
{
	size_t i;

	for (i = 0; i < s->n_errnos; i++)
		if (!strcmp(s->errnos[i].name, err)) {
			s->errnos[i].count += n;
			return;
		}
	s->errnos = xrealloc(s->errnos, (s->n_errnos + 1) * sizeof(*s->errnos));
	copy_str(s->errnos[s->n_errnos].name, sizeof(s->errnos[0].name), err);
	s->errnos[s->n_errnos++].count = n;
}

void uvm_syscall_add(struct uvm_syscall_stat *s, int64_t lat_ns, const char *err)
{
	s->count++;
	if (lat_ns >= 0) {
		uint64_t l = (uint64_t)lat_ns;
		s->timed++;
		s->total_ns += l;
		if (l < s->min_ns)
			s->min_ns = l;
		if (l > s->max_ns)
			s->max_ns = l;
		uvm_hist_add(s, l, 1);
	}
	if (err && *err && strcmp(err, "-")) {
		s->errors++;
		add_errno(s, err, 1);
	}
}

void uvm_syscall_set_errno(struct uvm_syscall_stat *s, const char *err, uint64_t n)
{
	add_errno(s, err, n);
}

int uvm_syscall_percentile(const struct uvm_syscall_stat *s, double q, uint64_t *ns)
{
	uint64_t want, seen = 0, total = 0;
	uint32_t i, b;

	for (i = 0; i < s->n_hist; i++)
		total += s->hist[i].count;
	if (!total)
		return -1;
	want = (uint64_t)(q * (double)total + 0.5);
	if (want < 1)
		want = 1;
	for (i = 0; i < s->n_hist; i++) {
		seen += s->hist[i].count;
		b = s->hist[i].bucket;
		if (seen >= want) {
			/* middle of the bucket, clamped to what was seen */
			uint64_t lo = uvm_hist_low(b), hi = uvm_hist_low(b + 1);
			uint64_t v = lo + (hi - lo) / 2;
			if (s->max_ns && v > s->max_ns)
				v = s->max_ns;
			if (s->min_ns != UINT64_MAX && v < s->min_ns)
				v = s->min_ns;
			*ns = v;
			return 0;
		}
	}
	return -1;
}

static void merge_syscall(struct uvm_syscall_stat *d, const struct uvm_syscall_stat *s)
{
	size_t i;

	d->count += s->count;
	d->errors += s->errors;
	d->timed += s->timed;
	d->total_ns += s->total_ns;
	if (s->min_ns < d->min_ns)
		d->min_ns = s->min_ns;
	if (s->max_ns > d->max_ns)
		d->max_ns = s->max_ns;
	for (i = 0; i < s->n_errnos; i++)
		add_errno(d, s->errnos[i].name, s->errnos[i].count);
	for (i = 0; i < s->n_hist; i++)
		uvm_hist_add(d, uvm_hist_low(s->hist[i].bucket), s->hist[i].count);
}

/* (utime + stime) / wall time, or -1 when either is unknown */
static double utilization(uint64_t cpu_ns, int64_t start_ns, int64_t end_ns)
{
	return start_ns >= 0 && end_ns > start_ns ? (double)cpu_ns / (double)(end_ns - start_ns) : -1;
}

int uvm_loss_incomplete(const struct uvm_loss *l)
{
	return !l->have_trailer || l->dropped || l->skipped || l->transport || l->errors ||
	       l->stap_skipped || l->stap_transport || l->malformed || l->stap_error[0];
}

double uvm_process_utilization(const struct uvm_process *pr)
{
	return pr->exited && !pr->before_trace ?
		utilization(pr->utime_ns + pr->stime_ns, pr->start_ns, pr->end_ns) : -1;
}

/* Is pr the process of target k: its pid, and the root of what is
 * traced of it (present at the start, or with no traced parent: a -c
 * target first seen at its exec)?  A later process that reuses the pid
 * inside another tree is not. */
static int is_target_process(const struct uvm_profile *p, const struct uvm_process *pr, unsigned k)
{
	return k < p->targets.n && pr->pid == p->targets.pid[k] &&
	       (pr->before_trace || !pr->parent);
}

/* The tree of pr: the nearest target among pr and its ancestors (at
 * most n_procs steps: parents from a crafted trace may loop); else, when
 * the eldest of them was first seen in the trace without a traced
 * parent (the child of a waiting 'uvm-exec --drain', whose fork is not
 * traced), the tree of the header's target; else -1 (under a process
 * present at the start that is no target, its parent's P record
 * missing: no tree). */
static int tree_of(const struct uvm_profile *p, const struct uvm_process *pr)
{
	const struct uvm_process *a = pr, *root = pr;
	size_t steps;
	unsigned k;

	for (steps = 0; a && steps <= p->n_procs; steps++, a = a->parent) {
		for (k = 0; k < p->targets.n; k++)
			if (is_target_process(p, a, k))
				return (int)k;
		root = a;
		if (!a->parent)
			break;
	}
	if (root->before_trace)
		return -1;
	for (k = 0; k < p->targets.n; k++)
		if (p->targets.pid[k] == p->target)
			return (int)k;
	return -1;
}

/* t: the totals of the processes of tree (-2: of all), over the trace's
 * time; returns how many processes. */
static size_t totals_of(struct uvm_profile *p, struct uvm_process *t, int tree)
{
	uint64_t cpu_known = 0;
	size_t i, j, known = 0, n = 0;
	int o, a;

	process_free(t);
	memset(t, 0, sizeof(*t));
	t->pid = -1;
	t->tree = tree >= 0 ? tree : -1;
	t->start_ns = p->start_ns;
	t->end_ns = p->end_ns;
	copy_str(t->comm, sizeof(t->comm), "total");
	for (i = 0; i < p->n_procs; i++) {
		struct uvm_process *pr = p->procs[i];

		if (tree != -2 && pr->tree != tree)
			continue;
		n++;
		if (pr->cpu_utilization >= 0) {
			cpu_known += pr->utime_ns + pr->stime_ns;
			known++;
		}
		for (j = 0; j < pr->n_syscalls; j++)
			merge_syscall(uvm_process_syscall(t, pr->syscalls[j].nr,
							  pr->syscalls[j].name),
				      &pr->syscalls[j]);
		for (o = 0; o < UVM_N_OUTCOMES; o++) {
			t->faults.count[o] += pr->faults.count[o];
			for (a = 0; a < UVM_N_ACCESS; a++)
				t->faults.by_access[o][a] += pr->faults.by_access[o][a];
		}
		t->faults.kernel_mode += pr->faults.kernel_mode;
		t->faults.total_ns += pr->faults.total_ns;
		for (o = 0; o < UVM_N_COUNTERS; o++)
			if (pr->counts.have & (1u << o)) {
				t->counts.v[o] += pr->counts.v[o];
				t->counts.have |= 1u << o;
			}
		t->min_flt += pr->min_flt;
		t->maj_flt += pr->maj_flt;
		t->utime_ns += pr->utime_ns;
		t->stime_ns += pr->stime_ns;
		t->nvcsw += pr->nvcsw;
		t->nivcsw += pr->nivcsw;
		if (pr->maxrss_kb > t->maxrss_kb)
			t->maxrss_kb = pr->maxrss_kb;
		t->threads += pr->threads;
		t->execs += pr->execs;
		for (j = 0; j < 5; j++)
			t->mem.ops[j] += pr->mem.ops[j];
		t->mem.failed += pr->mem.failed;
		t->mem.peak_mapped += pr->mem.peak_mapped;
	}
	t->cpu_utilization = known ? utilization(cpu_known, p->start_ns, p->end_ns) : -1;
	return n;
}

void uvm_profile_finish(struct uvm_profile *p)
{
	size_t i;
	unsigned k;

	for (i = 0; i < p->n_procs; i++) {
		p->procs[i]->cpu_utilization = uvm_process_utilization(p->procs[i]);
		p->procs[i]->tree = tree_of(p, p->procs[i]);
	}
	for (k = 0; k < p->targets.n && k < UVM_TARGETS_MAX; k++) {
		p->trees[k].target = p->targets.pid[k];
		p->trees[k].processes = totals_of(p, &p->trees[k].totals, (int)k);
	}
	totals_of(p, &p->totals, -2);
	/* the counted tree's own totals: also what no process of the trace
	 * was given (lost read records) */
	if (p->counted)
		p->totals.counts = p->counts_total;
}

/* A root of the drawn tree: a process whose parent was not seen, or,
 * with several targets, whose parent is in another target's tree (a
 * target that descends from another heads its own). */
static int drawn_root(const struct uvm_profile *p, const struct uvm_process *pr)
{
	return !pr->parent || (p->targets.n > 1 && pr->parent->tree != pr->tree);
}

/* Which round of uvm_profile_tree_order() draws a root: with several
 * targets, its tree's index, and after them (trees) those in none;
 * otherwise all in one. */
static size_t drawn_round(const struct uvm_process *r, size_t trees)
{
	return !trees ? 0 : r->tree >= 0 && (size_t)r->tree < trees ? (size_t)r->tree : trees;
}

/* The processes in depth-first order, with their depths (the HTML
 * report's table and timeline, the Perfetto tracks): the roots in
 * order of appearance (with several targets: each target's tree in the
 * targets' order, then the processes in none), then each one's
 * children.  Iterative: a chain of thousands of forks is a deep tree. */
const struct uvm_process **uvm_profile_tree_order(const struct uvm_profile *p, unsigned **depth)
{
	const struct uvm_process **v = xcalloc(p->n_procs, sizeof(*v));
	struct frame { const struct uvm_process *pr; size_t next; } *st = xcalloc(p->n_procs, sizeof(*st));
	size_t n = 0, top, i, k, trees = p->targets.n > 1 ? p->targets.n : 0;

	*depth = xcalloc(p->n_procs, sizeof(**depth));
	for (k = 0; k <= trees; k++)
	for (i = 0; i < p->n_procs; i++) {
		const struct uvm_process *r = p->procs[i];

		if (!drawn_root(p, r) || n == p->n_procs || drawn_round(r, trees) != k)
			continue;
		top = 0;
		st[top++] = (struct frame){ r, 0 };
		(*depth)[n] = 0;
		v[n++] = r;
		while (top) {
			struct frame *f = &st[top - 1];
			const struct uvm_process *c;

			if (f->next == f->pr->n_children) {
				top--;
				continue;
			}
			/* a process is some other's child once: n stays
			 * within n_procs, and so does the stack */
			if (n == p->n_procs || top == p->n_procs)
				break;
			c = f->pr->children[f->next++];
			if (drawn_root(p, c))	/* drawn with its own tree */
				continue;
			(*depth)[n] = (unsigned)top;
			v[n++] = c;
			st[top++] = (struct frame){ c, 0 };
		}
	}
	free(st);
	/* any process not reached (a parent cycle cannot happen, but the
	 * list must be whole): at the end */
	if (n < p->n_procs) {
		char *seen = xcalloc(p->n_procs + 1, 1);

		for (i = 0; i < n; i++)
			seen[v[i]->id <= p->n_procs ? v[i]->id : 0] = 1;
		for (i = 0; i < p->n_procs && n < p->n_procs; i++)
			if (p->procs[i]->id > p->n_procs || !seen[p->procs[i]->id]) {
				(*depth)[n] = 0;
				v[n++] = p->procs[i];
			}
		free(seen);
	}
	return v;
}
