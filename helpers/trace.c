/*
 * trace.c - the uvm trace parser: streaming, bounded, never trusting.
 *
 * Field counts and order come from runtime/uvm_trace.h, the definition
 * the kernel side writes with.  A line that does not parse is counted
 * and (the first few) kept with its line number; parsing goes on.  A
 * missing or wrong header is fatal: nothing after it can be trusted.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "uvm_trace.h"
#include "uvm_profile.h"
#include "util.h"

/* Longest line accepted; longer ones are skipped and counted. */
#define UVM_LINE_MAX (1u << 20)
#define MAX_FIELDS 16

/* Field indexes of every record, from the one definition. */
#define IDX(rec) rec##_IDX_
#define ENUM_H(id, n, t, c) H_##id,
#define ENUM_P(id, n, t, c) P_##id,
#define ENUM_S(id, n, t, c) S_##id,
#define ENUM_F(id, n, t, c) F_##id,
#define ENUM_C(id, n, t, c) C_##id,
#define ENUM_E(id, n, t, c) E_##id,
#define ENUM_X(id, n, t, c) X_##id,
#define ENUM_M(id, n, t, c) M_##id,
#define ENUM_I(id, n, t, c) I_##id,
#define ENUM_s(id, n, t, c) s_##id,
#define ENUM_e(id, n, t, c) e_##id,
#define ENUM_h(id, n, t, c) h_##id,
#define ENUM_f(id, n, t, c) f_##id,
#define ENUM_T(id, n, t, c) T_##id,
enum { UVM_HEADER_FIELDS(ENUM_H) H_N };
enum { UVM_PROCESS_FIELDS(ENUM_P) P_N };
enum { UVM_SYSCALL_FIELDS(ENUM_S) S_N };
enum { UVM_FAULT_FIELDS(ENUM_F) F_N };
enum { UVM_CLONE_FIELDS(ENUM_C) C_N };
enum { UVM_EXEC_FIELDS(ENUM_E) E_N };
enum { UVM_EXIT_FIELDS(ENUM_X) X_N };
enum { UVM_MM_FIELDS(ENUM_M) M_N };
enum { UVM_SNAPSHOT_FIELDS(ENUM_I) I_N };
enum { UVM_SYSCALL_SUM_FIELDS(ENUM_s) s_N };
enum { UVM_ERRNO_SUM_FIELDS(ENUM_e) e_N };
enum { UVM_HIST_FIELDS(ENUM_h) h_N };
enum { UVM_FAULT_SUM_FIELDS(ENUM_f) f_N };
enum { UVM_TRAILER_FIELDS(ENUM_T) T_N };

/* Per tag: field count and types ("IIS..."). */
#define TYPE_CHAR(id, n, t, c) #t
#define REC_INFO(tag, ID, FIELDS) [(unsigned char)tag] = { FIELDS(TYPE_CHAR), #ID },
static const struct {
	const char *types;
	const char *name;
} rec_info[128] = { UVM_RECORDS(REC_INFO) };

struct field {
	char *s;
	size_t len;
	int64_t i;	/* I and X fields */
	int escaped;	/* S fields: holds a backslash */
};

struct uvm_parser {
	struct uvm_profile *p;
	const char *source;
	char *buf;		/* partial line carried between feeds */
	size_t len, cap;
	int skipping;		/* inside an over-long line */
	int fatal;
	int foreign_ok;
	char error[256];
};

struct uvm_parser *uvm_parser_new(struct uvm_profile *p, const char *source)
{
	struct uvm_parser *ps = xcalloc(1, sizeof(*ps));

	ps->p = p;
	ps->source = source ? source : "-";
	return ps;
}

void uvm_parser_free(struct uvm_parser *ps)
{
	if (!ps)
		return;
	free(ps->buf);
	free(ps);
}

void uvm_parser_set_foreign_ok(struct uvm_parser *ps, int ok)
{
	ps->foreign_ok = ok;
}

const char *uvm_parser_error(const struct uvm_parser *ps)
{
	return ps->error[0] ? ps->error : NULL;
}

static void bad_line(struct uvm_parser *ps, const char *why, const char *what)
{
	struct uvm_loss *l = &ps->p->loss;

	if (l->malformed < UVM_BAD_LINES_KEPT) {
		struct uvm_bad_line *b = &l->bad[l->malformed];
		b->line = ps->p->lines;
		snprintf(b->why, sizeof(b->why), "%s%s%s", why, what ? ": " : "",
			 what ? what : "");
	}
	l->malformed++;
}

static void fatal(struct uvm_parser *ps, const char *msg)
{
	snprintf(ps->error, sizeof(ps->error), "%s:%llu: %s", ps->source,
		 (unsigned long long)ps->p->lines, msg);
	ps->fatal = 1;
}

int uvm_unescape(char *s)
{
	char *o = s, *i = s;

	while (*i) {
		if (*i != '\\') {
			*o++ = *i++;
			continue;
		}
		i++;
		switch (*i) {
		case '\\': *o++ = '\\'; i++; break;
		case 't': *o++ = '\t'; i++; break;
		case 'n': *o++ = '\n'; i++; break;
		case 'r': *o++ = '\r'; i++; break;
		case 'x': {
			int v = 0, k;
			i++;
			for (k = 0; k < 2 && *i; k++, i++) {
				char c = *i;
				v = v * 16 + (c >= 'a' ? c - 'a' + 10 : c >= 'A' ? c - 'A' + 10 : c - '0');
			}
			*o++ = (char)v;
			break;
		}
		case '\0': break;
		default: *o++ = *i++; break;
		}
	}
	*o = '\0';
	return (int)(o - s);
}

static int parse_int(struct field *f, int hex)
{
	const char *s = f->s, *e = f->s + f->len;
	uint64_t v = 0;
	int neg = 0;

	if (hex) {
		if (f->len < 3 || s[0] != '0' || s[1] != 'x')
			return -1;
		for (s += 2; s < e; s++) {
			int d;
			if (*s >= '0' && *s <= '9') d = *s - '0';
			else if (*s >= 'a' && *s <= 'f') d = *s - 'a' + 10;
			else return -1;
			if (v >> 60)
				return -1;
			v = v * 16 + (unsigned)d;
		}
		f->i = (int64_t)v;
		return 0;
	}
	if (s < e && *s == '-') {
		neg = 1;
		s++;
	}
	/* 19 digits cannot overflow 64 bits unsigned; the range check
	 * below makes the value fit int64_t (INT64_MIN has no positive
	 * twin, so it is built without negating it). */
	if (s == e || e - s > 19)
		return -1;
	for (; s < e; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned)(*s - '0');
	}
	if (v > (uint64_t)INT64_MAX + neg)
		return -1;
	f->i = !neg ? (int64_t)v : v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	return 0;
}

static int access_index(const char *a)
{
	return a[0] == 'w' ? UVM_WRITE : a[0] == 'x' ? UVM_EXEC : UVM_READ;
}

static int outcome_index(const char *o)
{
	if (!strcmp(o, "minor")) return UVM_MINOR;
	if (!strcmp(o, "major")) return UVM_MAJOR;
	if (!strcmp(o, "error")) return UVM_FERROR;
	if (!strcmp(o, "retry")) return UVM_RETRY;
	return -1;
}

static struct uvm_fault_region *fault_region(struct uvm_process *pr,
					     const char *kind, const char *path)
{
	struct uvm_fault_stats *fs = &pr->faults;
	const char *pth = strcmp(path, "-") ? path : NULL;
	size_t i;

	for (i = 0; i < fs->n_regions; i++) {
		struct uvm_fault_region *r = &fs->regions[fs->n_regions - 1 - i];
		if (!strcmp(r->kind, kind) &&
		    (pth ? r->path && !strcmp(r->path, pth) : !r->path)) {
			/* move to the back: the next fault is likely the same */
			struct uvm_fault_region t = *r;
			*r = fs->regions[fs->n_regions - 1];
			fs->regions[fs->n_regions - 1] = t;
			return &fs->regions[fs->n_regions - 1];
		}
	}
	fs->regions = xrealloc(fs->regions, (fs->n_regions + 1) * sizeof(*fs->regions));
	memset(&fs->regions[fs->n_regions], 0, sizeof(*fs->regions));
	copy_str(fs->regions[fs->n_regions].kind, sizeof(fs->regions[0].kind), kind);
	fs->regions[fs->n_regions].path = pth ? xstrdup(pth) : NULL;
	return &fs->regions[fs->n_regions++];
}

static void add_site(struct uvm_process *pr, uint64_t ip)
{
	size_t h, i;

	if ((pr->n_sites + 1) * 2 > pr->cap_sites) {
		struct uvm_site *old = pr->sites;
		size_t oldcap = pr->cap_sites;
		pr->cap_sites = oldcap ? oldcap * 2 : 64;
		pr->sites = xcalloc(pr->cap_sites, sizeof(*pr->sites));
		pr->n_sites = 0;
		for (i = 0; i < oldcap; i++)
			if (old[i].count) {
				for (h = (old[i].ip * 0x9E3779B97F4A7C15ull) & (pr->cap_sites - 1);
				     pr->sites[h].count; h = (h + 1) & (pr->cap_sites - 1))
					;
				pr->sites[h] = old[i];
				pr->n_sites++;
			}
		free(old);
	}
	for (h = (ip * 0x9E3779B97F4A7C15ull) & (pr->cap_sites - 1);
	     pr->sites[h].count && pr->sites[h].ip != ip; h = (h + 1) & (pr->cap_sites - 1))
		;
	if (!pr->sites[h].count) {
		pr->sites[h].ip = ip;
		pr->n_sites++;
	}
	pr->sites[h].count++;
}

static void note_object(struct uvm_process *pr, const char *path, uint64_t start)
{
	size_t i;

	if (!strcmp(path, "-") || path[0] != '/')
		return;
	for (i = 0; i < pr->n_objects; i++)
		if (!strcmp(pr->objects[i].path, path)) {
			if (start < pr->objects[i].base)
				pr->objects[i].base = start;
			return;
		}
	pr->objects = xrealloc(pr->objects, (pr->n_objects + 1) * sizeof(*pr->objects));
	pr->objects[pr->n_objects].path = xstrdup(path);
	pr->objects[pr->n_objects++].base = start;
}

/* ---- memory map ---- */

static void map_remove(struct uvm_memmap *m, uint64_t start, uint64_t end)
{
	size_t i = 0;

	while (i < m->n) {
		struct uvm_mapping *x = &m->maps[i];
		if (x->end <= start || x->start >= end) {
			i++;
			continue;
		}
		if (x->start < start && x->end > end) {	/* split */
			GROW(m->maps, m->n, m->cap);
			x = &m->maps[i];
			memmove(x + 1, x, (m->n - i) * sizeof(*x));
			m->n++;
			x[1].start = end;
			x[1].path = x->path ? xstrdup(x->path) : NULL;
			x->end = start;
			m->mapped -= end - start;
			return;
		}
		if (x->start >= start && x->end <= end) {	/* inside: drop */
			m->mapped -= x->end - x->start;
			free(x->path);
			memmove(x, x + 1, (m->n - i - 1) * sizeof(*x));
			m->n--;
			continue;
		}
		if (x->start < start) {
			m->mapped -= x->end - start;
			x->end = start;
		} else {
			m->mapped -= end - x->start;
			x->start = end;
		}
		i++;
	}
}

static void map_insert(struct uvm_memmap *m, uint64_t start, uint64_t len,
		       const char *path)
{
	size_t i;

	if (!len || start + len < start)
		return;
	map_remove(m, start, start + len);
	for (i = 0; i < m->n && m->maps[i].start < start; i++)
		;
	GROW(m->maps, m->n, m->cap);
	memmove(&m->maps[i + 1], &m->maps[i], (m->n - i) * sizeof(*m->maps));
	m->n++;
	m->maps[i].start = start;
	m->maps[i].end = start + len;
	m->maps[i].path = path && strcmp(path, "-") ? xstrdup(path) : NULL;
	m->mapped += len;
	if (m->mapped > m->peak_mapped)
		m->peak_mapped = m->mapped;
}

static const char *mapping_path(const struct uvm_memmap *m, uint64_t addr)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (addr >= m->maps[i].start && addr < m->maps[i].end)
			return m->maps[i].path ? m->maps[i].path : "-";
	return "-";
}

static uint64_t page_up(uint64_t v)
{
	return (v + 4095) & ~4095ull;
}

static void do_mm(struct uvm_process *pr, struct field *f)
{
	struct uvm_memmap *m = &pr->mem;
	static const char *const ops[] = { "mmap", "munmap", "mprotect", "mremap", "brk" };
	const char *op = f[M_OP].s;
	uint64_t addr = (uint64_t)f[M_ADDR].i, len = page_up((uint64_t)f[M_LEN].i);
	uint64_t res = (uint64_t)f[M_RESULT].i;
	int ok = !strcmp(f[M_ERRNO].s, "-"), k;
	char *oldpath;

	for (k = 0; k < 5 && strcmp(op, ops[k]); k++)
		;
	if (k == 5)
		return;
	m->ops[k]++;
	if (!ok) {
		m->failed++;
		return;
	}
	switch (k) {
	case 0:
		map_insert(m, res, len, f[M_PATH].s);
		if (f[M_OFFSET].i == 0)
			note_object(pr, f[M_PATH].s, res);
		break;
	case 1:
		map_remove(m, addr, addr + len);
		break;
	case 3:
		oldpath = xstrdup(mapping_path(m, addr));
		map_remove(m, addr, addr + len);
		map_insert(m, res, page_up((uint64_t)f[M_NEW_LEN].i), oldpath);
		free(oldpath);
		break;
	case 4:
		if (!m->brk_start)
			m->brk_start = res;
		m->brk = res;
		if (res > m->peak_brk)
			m->peak_brk = res;
		break;
	}
}

/* ---- records ---- */

static void process_adopt(struct uvm_process *parent, struct uvm_process *child)
{
	child->parent = parent;
	GROW(parent->children, parent->n_children, parent->cap_children);
	parent->children[parent->n_children++] = child;
}

/* Forget what the summary records said of one process. */
static void reset_process_summaries(struct uvm_process *pr)
{
	size_t j;

	for (j = 0; j < pr->n_syscalls; j++) {
		free(pr->syscalls[j].errnos);
		free(pr->syscalls[j].hist);
	}
	pr->n_syscalls = 0;
	for (j = 0; j < pr->faults.n_regions; j++)
		free(pr->faults.regions[j].path);
	free(pr->faults.regions);
	memset(&pr->faults, 0, sizeof(pr->faults));
}

/* A snapshot (I) replaces the summaries of the processes still alive;
 * an exited process's came once, after its exit record, and stay. */
static void reset_summaries(struct uvm_profile *p)
{
	size_t i;

	for (i = 0; i < p->n_procs; i++)
		if (!p->procs[i]->exited)
			reset_process_summaries(p->procs[i]);
}

static int do_record(struct uvm_parser *ps, char tag, struct field *f)
{
	struct uvm_profile *p = ps->p;
	struct uvm_process *pr, *child, *parent;
	struct uvm_syscall_stat *sc;
	int o;

	if (tag != 'H' && !p->version) {
		fatal(ps, "not a uvm trace: the first record is not a header (H)");
		return -1;
	}
	if (tag != 'H' && tag != 'T')
		p->loss.records_read++;
	switch (tag) {
	case 'H':
		if (p->version) {
			bad_line(ps, "a second header", NULL);
			return 0;
		}
		if (strcmp(f[H_MAGIC].s, UVM_TRACE_MAGIC)) {
			char m[160];
			snprintf(m, sizeof(m), "not a uvm trace (magic '%.64s')", f[H_MAGIC].s);
			fatal(ps, m);
			return -1;
		}
		if (f[H_VERSION].i != UVM_TRACE_VERSION) {
			char m[160];
			snprintf(m, sizeof(m), "trace format version %lld; this uvm-collect reads "
				 "version %d only", (long long)f[H_VERSION].i, UVM_TRACE_VERSION);
			fatal(ps, m);
			return -1;
		}
		p->version = (int)f[H_VERSION].i;
		p->loss.records_read++;
		copy_str(p->kernel, sizeof(p->kernel), f[H_KERNEL].s);
		copy_str(p->mode, sizeof(p->mode), f[H_MODE].s);
		p->start_ns = f[H_TS].i;
		p->realtime_ns = f[H_REALTIME].i;
		p->target = (int)f[H_TARGET].i;
		p->follow = (int)f[H_FOLLOW].i;
		break;
	case 'P':
		pr = uvm_profile_start(p, (int)f[P_PID].i);
		pr->ppid = (int)f[P_PPID].i;
		/* with -x, the target's descendants: under their parent if it
		 * came first (it may not: P records go by pid) */
		if (!pr->parent && (parent = uvm_profile_process(p, pr->ppid, 0)) &&
		    parent != pr && !parent->exited)
			process_adopt(parent, pr);
		copy_str(pr->comm, sizeof(pr->comm), f[P_COMM].s);
		if (!pr->exe && strcmp(f[P_EXE].s, "-"))
			pr->exe = xstrdup(f[P_EXE].s);
		if (pr->start_ns < 0)
			pr->start_ns = f[P_TS].i;
		break;
	case 'S':
		pr = uvm_profile_process(p, (int)f[S_PID].i, 1);
		sc = uvm_process_syscall(pr, (int)f[S_NR].i, f[S_NAME].s);
		uvm_syscall_add(sc, f[S_LAT].i, f[S_ERRNO].s);
		break;
	case 'F':
		o = outcome_index(f[F_OUTCOME].s);
		if (o < 0) {
			bad_line(ps, "unknown fault outcome", f[F_OUTCOME].s);
			return 0;
		}
		pr = uvm_profile_process(p, (int)f[F_PID].i, 1);
		pr->faults.count[o]++;
		pr->faults.by_access[o][access_index(f[F_ACCESS].s)]++;
		if (f[F_ACCESS].s[0] && f[F_ACCESS].s[1] == 'k')
			pr->faults.kernel_mode++;
		else if (f[F_IP].i && (o == UVM_MINOR || o == UVM_MAJOR))
			add_site(pr, (uint64_t)f[F_IP].i);
		if (f[F_LAT].i > 0)
			pr->faults.total_ns += (uint64_t)f[F_LAT].i;
		{
			struct uvm_fault_region *r = fault_region(pr, f[F_REGION].s, f[F_PATH].s);
			r->count[o]++;
			if (f[F_LAT].i > 0)
				r->total_ns += (uint64_t)f[F_LAT].i;
		}
		if (!strcmp(f[F_REGION].s, "file"))
			note_object(pr, f[F_PATH].s, (uint64_t)f[F_VMSTART].i);
		break;
	case 'C':
		pr = uvm_profile_process(p, (int)f[C_PID].i, 1);
		if (f[C_THREAD].i) {
			pr->threads++;
			break;
		}
		/* a new process, even where its pid was used before */
		child = uvm_profile_start(p, (int)f[C_CHILD_PID].i);
		if (child == pr)
			break;
		child->ppid = pr->pid;
		child->start_ns = f[C_TS].i;
		copy_str(child->comm, sizeof(child->comm), f[C_COMM].s);
		if (pr->exe && !child->exe)
			child->exe = xstrdup(pr->exe);
		if (!child->parent)
			process_adopt(pr, child);
		break;
	case 'E':
		pr = uvm_profile_process(p, (int)f[E_PID].i, 1);
		free(pr->exe);
		free(pr->argv);
		pr->exe = xstrdup(f[E_FILENAME].s);
		pr->argv = xstrdup(f[E_ARGV].s);
		copy_str(pr->comm, sizeof(pr->comm), f[E_COMM].s);
		pr->execs++;
		/* a new image: old mappings are gone */
		while (pr->mem.n)
			free(pr->mem.maps[--pr->mem.n].path);
		pr->mem.mapped = 0;
		break;
	case 'X':
		if (!f[X_GROUP].i)
			break;
		pr = uvm_profile_process(p, (int)f[X_PID].i, 1);
		/* in summary mode its cumulative final numbers follow; what
		 * earlier snapshots said of it is replaced, not added to */
		if (!strcmp(p->mode, "summary"))
			reset_process_summaries(pr);
		pr->exited = 1;
		pr->end_ns = f[X_TS].i;
		pr->status = (int)f[X_STATUS].i;
		pr->signal = (int)f[X_SIGNAL].i;
		pr->core = (int)f[X_CORE].i;
		pr->min_flt = (uint64_t)f[X_MINFLT].i;
		pr->maj_flt = (uint64_t)f[X_MAJFLT].i;
		pr->utime_ns = (uint64_t)f[X_UTIME].i;
		pr->stime_ns = (uint64_t)f[X_STIME].i;
		pr->nvcsw = (uint64_t)f[X_NVCSW].i;
		pr->nivcsw = (uint64_t)f[X_NIVCSW].i;
		pr->maxrss_kb = (uint64_t)f[X_MAXRSS].i;
		if (f[X_TS].i > p->end_ns)
			p->end_ns = f[X_TS].i;
		break;
	case 'M':
		do_mm(uvm_profile_process(p, (int)f[M_PID].i, 1), f);
		break;
	case 'I':
		p->snapshots++;
		reset_summaries(p);
		break;
	case 's':
		pr = uvm_profile_process(p, (int)f[s_PID].i, 1);
		sc = uvm_process_syscall(pr, (int)f[s_NR].i, f[s_NAME].s);
		sc->count = (uint64_t)f[s_COUNT].i;
		sc->errors = (uint64_t)f[s_ERRORS].i;
		sc->timed = sc->count;
		sc->total_ns = (uint64_t)f[s_TOTAL].i;
		sc->min_ns = (uint64_t)f[s_MIN].i;
		sc->max_ns = (uint64_t)f[s_MAX].i;
		break;
	case 'e':
		pr = uvm_profile_process(p, (int)f[e_PID].i, 1);
		sc = uvm_process_syscall(pr, (int)f[e_NR].i, NULL);
		uvm_syscall_set_errno(sc, f[e_ERRNO].s, (uint64_t)f[e_COUNT].i);
		break;
	case 'h':
		if (f[h_LOG2].i < 0 || f[h_LOG2].i > 63) {
			bad_line(ps, "histogram bucket out of range", NULL);
			return 0;
		}
		pr = uvm_profile_process(p, (int)f[h_PID].i, 1);
		sc = uvm_process_syscall(pr, (int)f[h_NR].i, NULL);
		uvm_hist_add(sc, 1ull << f[h_LOG2].i, (uint64_t)f[h_COUNT].i);
		break;
	case 'f':
		o = outcome_index(f[f_OUTCOME].s);
		if (o < 0) {
			bad_line(ps, "unknown fault outcome", f[f_OUTCOME].s);
			return 0;
		}
		pr = uvm_profile_process(p, (int)f[f_PID].i, 1);
		pr->faults.count[o] += (uint64_t)f[f_COUNT].i;
		pr->faults.total_ns += (uint64_t)f[f_TOTAL].i;
		{
			struct uvm_fault_region *r = fault_region(pr, f[f_REGION].s, f[f_PATH].s);
			r->count[o] += (uint64_t)f[f_COUNT].i;
			r->total_ns += (uint64_t)f[f_TOTAL].i;
		}
		break;
	case 'T':
		p->loss.have_trailer = 1;
		p->loss.records_written = (uint64_t)f[T_RECORDS].i;
		p->loss.dropped = (uint64_t)f[T_DROPPED].i;
		p->loss.skipped = (uint64_t)f[T_SKIPPED].i;
		p->loss.transport = (uint64_t)f[T_TRANSPORT].i;
		p->loss.errors = (uint64_t)f[T_ERRORS].i;
		if (f[T_TS].i > p->end_ns)
			p->end_ns = f[T_TS].i;
		break;
	}
	return 0;
}

/* Bytes that end a run of ordinary field bytes. */
static const unsigned char field_stop[256] = { ['\0'] = 1, ['\t'] = 1, ['\\'] = 1 };

/* Parse one line, without its '\n', NUL-terminated: line[len] == '\0'. */
static int parse_line(struct uvm_parser *ps, char *line, size_t len)
{
	struct field f[MAX_FIELDS];
	const char *types;
	size_t nf = 0, i, want;
	char *s, *q, *e = line + len, tag;
	int escaped = 0;

	ps->p->lines++;
	if (len == 0)
		return 0;
	tag = line[0];
	types = ((unsigned char)tag < 128) ? rec_info[(unsigned char)tag].types : NULL;
	if (!types || len < 2 || line[1] != '\t') {
		if (memchr(line, '\0', len)) {
			bad_line(ps, "NUL byte in line", NULL);
			goto check_first;
		}
		if (ps->foreign_ok && ps->p->version) {
			ps->p->foreign_lines++;
			return 0;
		}
		bad_line(ps, "not a record", NULL);
		goto check_first;
	}
	want = strlen(types);
	/* one pass: split at tabs, note escapes, refuse NUL bytes (the
	 * line is NUL-terminated at e, which ends the scan) */
	for (s = q = line + 2;; q++) {
		while (!field_stop[(unsigned char)*q])
			q++;
		if (q == e || *q == '\t') {
			if (nf == MAX_FIELDS)
				break;
			f[nf].s = s;
			f[nf].len = (size_t)(q - s);
			f[nf].escaped = escaped;
			nf++;
			escaped = 0;
			if (q == e)
				break;
			*q = '\0';
			s = q + 1;
		} else if (*q == '\\') {
			escaped = 1;
		} else if (*q == '\0') {
			bad_line(ps, "NUL byte in line", NULL);
			goto check_first;
		}
	}
	if (nf != want) {
		char what[64];
		snprintf(what, sizeof(what), "%s record has %zu fields, expected %zu",
			 rec_info[(unsigned char)tag].name, nf, want);
		bad_line(ps, what, NULL);
		goto check_first;
	}
	for (i = 0; i < nf; i++) {
		if (types[i] == 'S') {
			if (f[i].escaped)
				uvm_unescape(f[i].s);
		} else if (parse_int(&f[i], types[i] == 'X')) {
			char what[80];
			snprintf(what, sizeof(what), "%s field %zu is not a number",
				 rec_info[(unsigned char)tag].name, i + 1);
			bad_line(ps, what, NULL);
			goto check_first;
		}
	}
	return do_record(ps, tag, f);

check_first:
	/* Nothing parsed yet: this is no trace at all. */
	if (!ps->p->version) {
		ps->p->loss.malformed--;
		fatal(ps, "not a uvm trace: the first line is not a header (H) record");
		return -1;
	}
	return 0;
}

int uvm_parser_feed(struct uvm_parser *ps, const char *buf, size_t len)
{
	const char *end = buf + len, *nl;

	if (ps->fatal)
		return UVM_PARSE_FATAL;
	while (buf < end) {
		nl = memchr(buf, '\n', (size_t)(end - buf));
		if (ps->skipping) {
			if (!nl)
				return 0;
			ps->skipping = 0;
			buf = nl + 1;
			continue;
		}
		if (!nl) {	/* keep the partial line */
			size_t n = (size_t)(end - buf);
			if (ps->len + n > UVM_LINE_MAX) {
				/* counted here; its newline, when it comes,
				 * only ends the skipping */
				ps->p->lines++;
				ps->len = 0;
				ps->skipping = 1;
				if (!ps->p->version) {
					fatal(ps, "not a uvm trace: the first line is longer than 1 MiB");
					return UVM_PARSE_FATAL;
				}
				bad_line(ps, "line longer than 1 MiB", NULL);
				return 0;
			}
			if (ps->len + n + 1 > ps->cap) {
				ps->cap = (ps->len + n + 1) * 2;
				ps->buf = xrealloc(ps->buf, ps->cap);
			}
			memcpy(ps->buf + ps->len, buf, n);
			ps->len += n;
			return 0;
		}
		if (ps->len) {	/* complete the carried line */
			size_t n = (size_t)(nl - buf);
			if (ps->len + n > UVM_LINE_MAX) {
				ps->p->lines++;
				ps->len = 0;
				if (!ps->p->version) {
					fatal(ps, "not a uvm trace: the first line is longer than 1 MiB");
					return UVM_PARSE_FATAL;
				}
				bad_line(ps, "line longer than 1 MiB", NULL);
			} else {
				if (ps->len + n + 1 > ps->cap) {
					ps->cap = ps->len + n + 1;
					ps->buf = xrealloc(ps->buf, ps->cap);
				}
				memcpy(ps->buf + ps->len, buf, n);
				ps->buf[ps->len + n] = '\0';
				n += ps->len;
				ps->len = 0;
				if (parse_line(ps, ps->buf, n) < 0)
					return UVM_PARSE_FATAL;
			}
		} else {
			size_t n = (size_t)(nl - buf);
			if (n > UVM_LINE_MAX) {
				ps->p->lines++;
				if (!ps->p->version) {
					fatal(ps, "not a uvm trace: the first line is longer than 1 MiB");
					return UVM_PARSE_FATAL;
				}
				bad_line(ps, "line longer than 1 MiB", NULL);
			} else {
				/* a copy, NUL-terminated for parse_line */
				if (n + 1 > ps->cap) {
					ps->cap = n + 1 > 4096 ? n + 1 : 4096;
					ps->buf = xrealloc(ps->buf, ps->cap);
				}
				memcpy(ps->buf, buf, n);
				ps->buf[n] = '\0';
				if (parse_line(ps, ps->buf, n) < 0)
					return UVM_PARSE_FATAL;
			}
		}
		buf = nl + 1;
	}
	return 0;
}

int uvm_parser_finish(struct uvm_parser *ps)
{
	if (ps->fatal)
		return UVM_PARSE_FATAL;
	if (ps->len) {	/* a last line without its newline: cut short */
		ps->p->lines++;
		bad_line(ps, "truncated last line (no newline)", NULL);
		ps->len = 0;
	}
	if (!ps->p->version) {
		if (ps->p->lines == 0)
			snprintf(ps->error, sizeof(ps->error),
				 "%s: empty: no uvm trace header", ps->source);
		else
			fatal(ps, "not a uvm trace: no header (H) record");
		ps->fatal = 1;
		return UVM_PARSE_FATAL;
	}
	return 0;
}

int uvm_parse_fd(struct uvm_profile *p, int fd, const char *source, char *err,
		 size_t errlen)
{
	struct uvm_parser *ps = uvm_parser_new(p, source);
	size_t cap = 1u << 20;
	char *buf = xcalloc(1, cap);
	int rc = 0;

	for (;;) {
		ssize_t n = read(fd, buf, cap);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "%s: %s", source, strerror(errno));
			rc = -1;
			break;
		}
		if (n == 0) {
			rc = uvm_parser_finish(ps);
			break;
		}
		if (uvm_parser_feed(ps, buf, (size_t)n) < 0) {
			rc = -1;
			break;
		}
	}
	if (rc < 0 && uvm_parser_error(ps))
		snprintf(err, errlen, "%s", uvm_parser_error(ps));
	free(buf);
	uvm_parser_free(ps);
	return rc;
}

void uvm_profile_stap_stderr(struct uvm_profile *p, const char *line)
{
	const char *s;
	unsigned long long a, b;

	/* "ERROR: probe overhead (507410885 cycles) exceeded threshold
	 * (500000000 cycles)", or any other reason SystemTap stopped: the
	 * first one, for the report */
	if (!p->loss.stap_error[0] && (s = strstr(line, "ERROR: ")))
		copy_str(p->loss.stap_error, sizeof(p->loss.stap_error), s + 7);
	/* "WARNING: Number of errors: N, skipped probes: M" */
	if ((s = strstr(line, "Number of errors:")) &&
	    sscanf(s, "Number of errors: %llu, skipped probes: %llu", &a, &b) == 2) {
		p->loss.stap_skipped = b;
		p->loss.stap_reported = 1;
	}
	/* "WARNING: There were N transport failures." */
	if ((s = strstr(line, "There were ")) && strstr(s, "transport failure") &&
	    sscanf(s, "There were %llu", &a) == 1) {
		p->loss.stap_transport = a;
		p->loss.stap_reported = 1;
	}
}
