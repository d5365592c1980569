/*
 * trace.c - the uvm trace parser: streaming, bounded, never trusting.
 *
 * Field counts, order and types come from runtime/uvm_trace.h, the
 * definition the kernel side writes with: from UVM_RECORDS, a table
 * indexed by tag gives each record's types and its handler,
 * record_<name>(), which gets the fields as a struct rec_<name>.  Lines
 * are split 64 bytes at a time and numbers read 8 digits at a time; a
 * line that does not fit that fast path goes through the general one,
 * which says what is wrong with it.  A line that does not parse is counted
 * and (the first few) kept with its line number; parsing goes on.  A
 * missing or wrong header is fatal: nothing after it can be trusted.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "uvm_trace.h"
#include "records.h"
#include "uvm_profile.h"
#include "util.h"

/* Longest line accepted; longer ones are skipped and counted. */
#define UVM_LINE_MAX (1u << 20)
/* Readable bytes after a line's NUL in the line buffer: the fast split
 * reads 64 bytes at a time. */
#define LINE_SLACK 64

struct uvm_parser;

/* Every record's handler, record_<name>() (under "records" below), and
 * a typed call of it for the table. */
#define RECORD_HANDLER(tag, ID, name, FIELDS)                                  \
	static int record_##name(struct uvm_parser *ps,                        \
				 const struct rec_##name *r);                  \
	static int dispatch_##name(struct uvm_parser *ps,                      \
				   const union uvm_record *u)                  \
	{                                                                      \
		return record_##name(ps, &u->name);                            \
	}
UVM_RECORDS(RECORD_HANDLER)

/* The parser's table, indexed by tag: each record's name, field types
 * and handler. */
#define TYPE_CHAR(id, n, t, c) #t
#define RECORD_TYPE(tag, ID, name, FIELDS)                                     \
	[(unsigned char)(tag)] = { #ID, FIELDS(TYPE_CHAR),                     \
				   sizeof(FIELDS(TYPE_CHAR)) - 1,              \
				   dispatch_##name },
static const struct record_type {
	const char *name;	/* "SYSCALL", for messages */
	const char *types;	/* one letter per field: "IIIISISIS"; NULL: no record */
	size_t n;		/* fields */
	int (*handle)(struct uvm_parser *ps, const union uvm_record *u);
} record_types[256] = { UVM_RECORDS(RECORD_TYPE) };

/* The fields of a header before version 3, which ended at events: a
 * header may have these or all of UVM_HEADER_FIELDS (record_header()
 * checks which its version wants).  Every other record has all of its
 * fields. */
#define HEADER_V2_N (sizeof(UVM_HEADER_V2_FIELDS(TYPE_CHAR)) - 1)
_Static_assert(HEADER_V2_N < sizeof(UVM_HEADER_FIELDS(TYPE_CHAR)) - 1,
	       "the version 3 header extends the version 2 one");

static size_t min_fields(const struct record_type *rt)
{
	return rt == &record_types['H'] ? HEADER_V2_N : rt->n;
}

/* A set of pids, sorted. */
struct uvm_pid_set {
	int *pid;
	size_t n, cap;
};

/* Add pid to s: 1 when it was not there yet. */
static int uvm_pid_set_add(struct uvm_pid_set *s, int pid)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (s->pid[mid] < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->n && s->pid[lo] == pid)
		return 0;
	GROW(s->pid, s->n, s->cap);
	memmove(&s->pid[lo + 1], &s->pid[lo], (s->n - lo) * sizeof(*s->pid));
	s->pid[lo] = pid;
	s->n++;
	return 1;
}

struct uvm_parser {
	struct uvm_profile *p;
	const char *source;
	char *buf;		/* the line being parsed, or a partial one
				 * carried between feeds */
	size_t len, cap;
	int skipping;		/* inside an over-long line */
	int fatal;
	int foreign_ok;
	/* the mapped file a fault was last attributed to */
	struct uvm_process *obj_pr;
	size_t obj_i;
	/* where each system call number was last found, by nr % 512:
	 * checked before use, so never wrong, only missed */
	struct {
		struct uvm_process *pr;
		size_t i;
	} sc_seen[512];
	/* the last record handled (0 after a malformed line), and the pid
	 * and tid of the last S or F: a K record must follow its event */
	char prev_tag;
	int64_t ev_pid, ev_tid;
	struct uvm_pid_set count_unknown;	/* record_count: pids not in the trace */
	size_t nf;		/* fields of the record being handled */
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
	free(ps->count_unknown.pid);
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

/* ---- string fields: known words without strcmp ---- */

/* Field f is the word w (of length n): strcmp(f->s, w) == 0. */
static inline int field_is(const struct uvm_field *f, const char *w, size_t n)
{
	return f->len == n && !memcmp(f->s, w, n);
}

#define FIELD_IS(f, lit) field_is((f), lit, sizeof(lit) - 1)

static int access_index(const struct uvm_field *a)
{
	return a->s[0] == 'w' ? UVM_WRITE : a->s[0] == 'x' ? UVM_EXEC : UVM_READ;
}

/* A fault's outcome as an index, or -1 after reporting the line. */
static int fault_outcome(struct uvm_parser *ps, const struct uvm_field *o)
{
	static const char names[UVM_N_OUTCOMES][6] = {
		[UVM_MINOR] = "minor", [UVM_MAJOR] = "major",
		[UVM_FERROR] = "error", [UVM_RETRY] = "retry",
	};
	int i;

	if (o->len == 5)
		for (i = 0; i < UVM_N_OUTCOMES; i++)
			if (!memcmp(o->s, names[i], 5))
				return i;
	bad_line(ps, "unknown fault outcome", o->s);
	return -1;
}

/* A region's kind, NUL-padded in 16 bytes, is the word in f. */
static inline int kind_is(const char *kind, const struct uvm_field *f)
{
	size_t i;

	if (f->len >= 16 || kind[f->len])
		return 0;
	for (i = 0; i < f->len; i++)
		if (kind[i] != f->s[i])
			return 0;
	return 1;
}

static struct uvm_fault_region *fault_region(struct uvm_process *pr,
					     const struct uvm_field *kind,
					     const struct uvm_field *path)
{
	struct uvm_fault_stats *fs = &pr->faults;
	const char *pth = uvm_field_none(path) ? NULL : path->s;
	struct uvm_fault_region *r;
	size_t i;

	for (i = 0; i < fs->n_regions; i++) {
		r = &fs->regions[fs->n_regions - 1 - i];
		if (kind_is(r->kind, kind) &&
		    (pth ? r->path && r->path_len == path->len && !memcmp(r->path, pth, path->len)
			 : !r->path)) {
			/* move to the back: the next fault is likely the same */
			struct uvm_fault_region t = *r;
			*r = fs->regions[fs->n_regions - 1];
			fs->regions[fs->n_regions - 1] = t;
			return &fs->regions[fs->n_regions - 1];
		}
	}
	fs->regions = xrealloc(fs->regions, (fs->n_regions + 1) * sizeof(*fs->regions));
	r = &fs->regions[fs->n_regions++];
	memset(r, 0, sizeof(*r));
	copy_str(r->kind, sizeof(r->kind), kind->s);
	if (pth) {
		r->path = xstrdup(pth);
		r->path_len = path->len;
	}
	return r;
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


/* The index of the file path in pr's current image, or n_objects. */
static size_t object_find(const struct uvm_process *pr, const char *path)
{
	size_t i;

	for (i = 0; i < pr->n_objects; i++)
		if (pr->objects[i].image == pr->execs && !strcmp(pr->objects[i].path, path))
			break;
	return i;
}

/* A new file of pr's current image, at base. */
static void object_append(struct uvm_process *pr, const char *path, uint64_t base)
{
	pr->objects = xrealloc(pr->objects, (pr->n_objects + 1) * sizeof(*pr->objects));
	pr->objects[pr->n_objects].path = xstrdup(path);
	pr->objects[pr->n_objects].image = pr->execs;
	pr->objects[pr->n_objects++].base = base;
}

/* A file mapped at start: the lowest start of each file in the current
 * image is its base.
 * The last file noted is looked at first: faults come in runs. */
static void note_object(struct uvm_parser *ps, struct uvm_process *pr,
			const struct uvm_field *path, uint64_t start)
{
	size_t i;

	if (path->s[0] != '/')
		return;
	if (ps->obj_pr == pr && ps->obj_i < pr->n_objects &&
	    pr->objects[ps->obj_i].image == pr->execs &&
	    !strcmp(pr->objects[ps->obj_i].path, path->s)) {
		i = ps->obj_i;
		goto found;
	}
	i = object_find(pr, path->s);
	if (i == pr->n_objects) {
		object_append(pr, path->s, start);
		ps->obj_pr = pr;
		ps->obj_i = i;
		return;
	}
found:
	if (start < pr->objects[i].base)
		pr->objects[i].base = start;
	ps->obj_pr = pr;
	ps->obj_i = i;
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


/*
 * One handler per record type, record_<name>(ps, r), called through
 * record_types[] with the record's fields parsed: I and X fields in
 * r->FIELD.i, S fields unescaped in r->FIELD.s.  Returns 0, or -1 when
 * the trace cannot be read further (fatal()).
 */

static int record_header(struct uvm_parser *ps, const struct rec_header *r)
{
	struct uvm_profile *p = ps->p;
	char m[160];

	if (p->version) {
		bad_line(ps, "a second header", NULL);
		return 0;
	}
	if (strcmp(r->MAGIC.s, UVM_TRACE_MAGIC)) {
		snprintf(m, sizeof(m), "not a uvm trace (magic '%.64s')", r->MAGIC.s);
		fatal(ps, m);
		return -1;
	}
	/* version 2 added K records: a version 1 trace reads the same;
	 * version 3 the targets field, which older headers lack */
	if (r->VERSION.i < UVM_TRACE_VERSION_MIN || r->VERSION.i > UVM_TRACE_VERSION) {
		snprintf(m, sizeof(m), "trace format version %lld; this uvm-collect reads "
			 "versions %d to %d", (long long)r->VERSION.i, UVM_TRACE_VERSION_MIN,
			 UVM_TRACE_VERSION);
		fatal(ps, m);
		return -1;
	}
	if ((r->VERSION.i >= 3) != (ps->nf == record_types['H'].n)) {
		snprintf(m, sizeof(m), "a version %lld header has %zu fields, expected %zu",
			 (long long)r->VERSION.i, ps->nf,
			 r->VERSION.i >= 3 ? record_types['H'].n : HEADER_V2_N);
		fatal(ps, m);
		return -1;
	}
	uvm_targets_init(&p->targets);
	if (r->VERSION.i >= 3 && !uvm_field_none(&r->TARGETS)) {
		size_t at = 0;
		enum uvm_targets_status st =
			uvm_targets_parse(&p->targets, r->TARGETS.s, r->TARGETS.len, &at);

		/* the list whole: not empty ("-" is none), no NUL in it */
		if (st == UVM_TARGETS_OK && (!r->TARGETS.len || strlen(r->TARGETS.s) != r->TARGETS.len))
			st = UVM_TARGETS_SYNTAX;
		if (st != UVM_TARGETS_OK) {
			snprintf(m, sizeof(m), "header: targets '%.40s' %s at byte %zu", r->TARGETS.s,
				 st == UVM_TARGETS_TOO_MANY ? "names more than 64 processes" :
				 st == UVM_TARGETS_RANGE ? "holds an id that is no process id" :
				 "is not a list of process ids", at + 1);
			fatal(ps, m);
			return -1;
		}
	}
	if (r->VERSION.i >= 3 && r->TARGET.i != 0 &&
	    (r->TARGET.i < 0 || r->TARGET.i > UVM_TARGET_PID_MAX ||
	     !p->targets.n || p->targets.pid[0] != (int)r->TARGET.i)) {
		snprintf(m, sizeof(m), "header: target %lld is not the first of targets '%.40s'",
			 (long long)r->TARGET.i, r->TARGETS.s);
		fatal(ps, m);
		return -1;
	} else if (r->VERSION.i < 3 && r->TARGET.i > 0 && r->TARGET.i <= UVM_TARGET_PID_MAX) {
		uvm_targets_add(&p->targets, (long)r->TARGET.i);
	}
	p->version = (int)r->VERSION.i;
	p->loss.records_read++;
	copy_str(p->kernel, sizeof(p->kernel), r->KERNEL.s);
	copy_str(p->mode, sizeof(p->mode), r->MODE.s);
	p->start_ns = r->TS.i;
	p->realtime_ns = r->REALTIME.i;
	p->target = (int)r->TARGET.i;
	p->follow = (int)r->FOLLOW.i;
	return 0;
}

/* Is a among d and its ancestors (at most n steps: the parents of a
 * crafted trace could loop)?  Adopting d's ancestor a under d would. */
static int is_ancestor(const struct uvm_process *a, const struct uvm_process *d, size_t n)
{
	size_t steps;

	for (steps = 0; d && steps <= n; steps++, d = d->parent)
		if (d == a)
			return 1;
	return 0;
}

static int record_process(struct uvm_parser *ps, const struct rec_process *r)
{
	struct uvm_profile *p = ps->p;
	struct uvm_process *pr = uvm_profile_start(p, (int)r->PID.i), *parent;
	size_t i;

	pr->ppid = (int)r->PPID.i;
	/* the targets' descendants: under their parent, whichever of the
	 * two came first (P records go by pid, and a child's pid may be
	 * below its parent's once pids wrap) */
	if (!pr->parent && (parent = uvm_profile_process(p, pr->ppid, 0)) &&
	    parent != pr && !parent->exited && !is_ancestor(pr, parent, p->n_procs))
		process_adopt(parent, pr);
	for (i = 0; i < p->n_procs; i++) {
		struct uvm_process *o = p->procs[i];

		if (o != pr && o->before_trace && !o->parent && o->ppid == pr->pid &&
		    !o->exited && !is_ancestor(o, pr, p->n_procs))
			process_adopt(pr, o);
	}
	copy_str(pr->comm, sizeof(pr->comm), r->COMM.s);
	if (!pr->exe && !uvm_field_none(&r->EXE))
		pr->exe = xstrdup(r->EXE.s);
	if (pr->start_ns < 0)
		pr->start_ns = r->TS.i;
	pr->before_trace = 1;
	return 0;
}

/* uvm_process_syscall(), first where this nr was found last. */
static struct uvm_syscall_stat *process_syscall(struct uvm_parser *ps, struct uvm_process *pr,
						int nr, const char *name)
{
	unsigned h = (unsigned)nr % 512;
	size_t i = ps->sc_seen[h].i;
	struct uvm_syscall_stat *sc;

	if (ps->sc_seen[h].pr == pr && i < pr->n_syscalls && pr->syscalls[i].nr == nr)
		return &pr->syscalls[i];
	sc = uvm_process_syscall(pr, nr, name);
	ps->sc_seen[h].pr = pr;
	ps->sc_seen[h].i = (size_t)(sc - pr->syscalls);
	return sc;
}

static int record_syscall(struct uvm_parser *ps, const struct rec_syscall *r)
{
	struct uvm_process *pr = uvm_profile_process(ps->p, (int)r->PID.i, 1);
	struct uvm_syscall_stat *sc = process_syscall(ps, pr, (int)r->NR.i, r->NAME.s);

	ps->ev_pid = r->PID.i;
	ps->ev_tid = r->TID.i;

	uvm_syscall_add(sc, r->LAT.i, uvm_field_none(&r->ERRNO) ? NULL : r->ERRNO.s);
	return 0;
}

static int record_fault(struct uvm_parser *ps, const struct rec_fault *r)
{
	struct uvm_process *pr;
	struct uvm_fault_region *reg;
	int o = fault_outcome(ps, &r->OUTCOME);

	if (o < 0)
		return 0;
	ps->ev_pid = r->PID.i;
	ps->ev_tid = r->TID.i;
	pr = uvm_profile_process(ps->p, (int)r->PID.i, 1);
	pr->faults.count[o]++;
	pr->faults.by_access[o][access_index(&r->ACCESS)]++;
	if (r->ACCESS.s[0] && r->ACCESS.s[1] == 'k')
		pr->faults.kernel_mode++;
	else if (r->IP.i && (o == UVM_MINOR || o == UVM_MAJOR))
		add_site(pr, (uint64_t)r->IP.i);
	if (r->LAT.i > 0)
		pr->faults.total_ns += (uint64_t)r->LAT.i;
	reg = fault_region(pr, &r->REGION, &r->PATH);
	reg->count[o]++;
	if (r->LAT.i > 0)
		reg->total_ns += (uint64_t)r->LAT.i;
	if (FIELD_IS(&r->REGION, "file"))
		note_object(ps, pr, &r->PATH, (uint64_t)r->VMSTART.i);
	return 0;
}

/* A forked child has its parent's mappings: the files of the parent's
 * current image are the child's first image's, until it maps its own. */
static void inherit_objects(struct uvm_process *child, const struct uvm_process *parent)
{
	size_t i;

	for (i = 0; i < parent->n_objects; i++) {
		const struct uvm_object *ob = &parent->objects[i];

		if (ob->image == parent->execs && object_find(child, ob->path) == child->n_objects)
			object_append(child, ob->path, ob->base);
	}
}

static int record_clone(struct uvm_parser *ps, const struct rec_clone *r)
{
	struct uvm_process *pr = uvm_profile_process(ps->p, (int)r->PID.i, 1), *child;

	if (r->THREAD.i) {
		pr->threads++;
		return 0;
	}
	/* a new process, even where its pid was used before */
	child = uvm_profile_start(ps->p, (int)r->CHILD_PID.i);
	if (child == pr)
		return 0;
	child->ppid = pr->pid;
	child->start_ns = r->TS.i;
	inherit_objects(child, pr);
	copy_str(child->comm, sizeof(child->comm), r->COMM.s);
	if (pr->exe && !child->exe)
		child->exe = xstrdup(pr->exe);
	if (!child->parent)
		process_adopt(pr, child);
	return 0;
}

static int record_exec(struct uvm_parser *ps, const struct rec_exec *r)
{
	struct uvm_process *pr = uvm_profile_process(ps->p, (int)r->PID.i, 1);

	free(pr->exe);
	free(pr->argv);
	pr->exe = xstrdup(r->FILENAME.s);
	pr->argv = xstrdup(r->ARGV.s);
	copy_str(pr->comm, sizeof(pr->comm), r->COMM.s);
	pr->execs++;
	/* a new image: old mappings and heap are gone */
	while (pr->mem.n)
		free(pr->mem.maps[--pr->mem.n].path);
	pr->mem.mapped = 0;
	pr->mem.brk_start = pr->mem.brk = 0;
	/* first seen at its exec (a -c target waiting for it): what is
	 * traced of it starts here */
	if (pr->start_ns < 0)
		pr->start_ns = r->TS.i;
	return 0;
}

static int record_exit(struct uvm_parser *ps, const struct rec_exit *r)
{
	struct uvm_profile *p = ps->p;
	struct uvm_process *pr;

	if (!r->GROUP.i)
		return 0;
	pr = uvm_profile_process(p, (int)r->PID.i, 1);
	/* in summary mode its cumulative final numbers follow; what earlier
	 * snapshots said of it is replaced, not added to */
	if (!strcmp(p->mode, "summary"))
		reset_process_summaries(pr);
	pr->exited = 1;
	pr->end_ns = r->TS.i;
	pr->status = (int)r->STATUS.i;
	pr->signal = (int)r->SIGNAL.i;
	pr->core = (int)r->CORE.i;
	pr->min_flt = (uint64_t)r->MINFLT.i;
	pr->maj_flt = (uint64_t)r->MAJFLT.i;
	pr->utime_ns = (uint64_t)r->UTIME.i;
	pr->stime_ns = (uint64_t)r->STIME.i;
	pr->nvcsw = (uint64_t)r->NVCSW.i;
	pr->nivcsw = (uint64_t)r->NIVCSW.i;
	pr->maxrss_kb = (uint64_t)r->MAXRSS.i;
	if (r->TS.i > p->end_ns)
		p->end_ns = r->TS.i;
	return 0;
}

/* A task's perf count as its events were taken down: added to its
 * process's, for the counters file's reader (counters.c), which uses
 * them where the file has no process's own.  A process the trace does
 * not have (not followed) is counted once. */
static int record_count(struct uvm_parser *ps, const struct rec_count *r)
{
	struct uvm_profile *p = ps->p;
	struct uvm_process *pr;
	int k = uvm_counter_of_perf(r->TYPE.i, r->CONFIG.i);
	uint64_t *v;
	char what[56];

	if (p->version < 4) {
		bad_line(ps, "a perf count (N) in a trace of version 3 or older", NULL);
		return 0;
	}
	if (r->PID.i <= 0 || r->PID.i > UVM_TARGET_PID_MAX) {
		bad_line(ps, "a perf count (N) of no process", r->PID.s);
		return 0;
	}
	if (k < 0) {
		snprintf(what, sizeof(what), "type %lld config %lld", (long long)r->TYPE.i,
			 (long long)r->CONFIG.i);
		bad_line(ps, "a perf count (N) of an unknown counter", what);
		return 0;
	}
	if (r->VALUE.i < 0) {
		bad_line(ps, "a negative perf count (N)", r->VALUE.s);
		return 0;
	}
	pr = uvm_profile_process(p, (int)r->PID.i, 0);
	if (!pr) {
		if (uvm_pid_set_add(&ps->count_unknown, (int)r->PID.i))
			p->task_counts_unattributed++;
		p->task_counts++;
		return 0;
	}
	v = &pr->task_counts.v[k];
	if (*v > UINT64_MAX - (uint64_t)r->VALUE.i) {
		bad_line(ps, "a perf count (N) past 2^64 with its task's", r->VALUE.s);
		return 0;
	}
	p->task_counts++;
	*v += (uint64_t)r->VALUE.i;
	pr->task_counts.have |= 1u << k;
	return 0;
}

/* The mmap family's operations, in the order of uvm_memmap's ops[]. */
enum { MM_MMAP, MM_MUNMAP, MM_MPROTECT, MM_MREMAP, MM_BRK, MM_N };

static int mm_op(const struct uvm_field *op)
{
	switch (op->len) {
	case 3: return FIELD_IS(op, "brk") ? MM_BRK : -1;
	case 4: return FIELD_IS(op, "mmap") ? MM_MMAP : -1;
	case 6: return FIELD_IS(op, "munmap") ? MM_MUNMAP : FIELD_IS(op, "mremap") ? MM_MREMAP : -1;
	case 8: return FIELD_IS(op, "mprotect") ? MM_MPROTECT : -1;
	}
	return -1;
}

static int record_mm(struct uvm_parser *ps, const struct rec_mm *r)
{
	struct uvm_process *pr = uvm_profile_process(ps->p, (int)r->PID.i, 1);
	struct uvm_memmap *m = &pr->mem;
	uint64_t addr = (uint64_t)r->ADDR.i, len = page_up((uint64_t)r->LEN.i);
	uint64_t res = (uint64_t)r->RESULT.i;
	int k = mm_op(&r->OP);
	char *oldpath;

	if (k < 0)
		return 0;
	m->ops[k]++;
	if (!uvm_field_none(&r->ERRNO)) {
		m->failed++;
		return 0;
	}
	switch (k) {
	case MM_MMAP:
		map_insert(m, res, len, r->PATH.s);
		if (r->OFFSET.i == 0)
			note_object(ps, pr, &r->PATH, res);
		break;
	case MM_MUNMAP:
		map_remove(m, addr, addr + len);
		break;
	case MM_MREMAP:
		oldpath = xstrdup(mapping_path(m, addr));
		map_remove(m, addr, addr + len);
		map_insert(m, res, page_up((uint64_t)r->NEW_LEN.i), oldpath);
		free(oldpath);
		break;
	case MM_BRK:
		if (!m->brk_start)
			m->brk_start = res;
		m->brk = res;
		if (uvm_heap_bytes(m) > m->peak_heap)
			m->peak_heap = uvm_heap_bytes(m);
		break;
	}
	return 0;
}

/* "0x1f 0x2a ...": at most max_frames hex addresses, single spaces. */
static int record_stack(struct uvm_parser *ps, const struct rec_stack *r)
{
	struct uvm_stack *st = &ps->p->stack;
	const char *s = r->FRAMES.s;

	if ((ps->prev_tag != 'S' && ps->prev_tag != 'F') || r->PID.i != ps->ev_pid ||
	    r->TID.i != ps->ev_tid) {
		bad_line(ps, "a stack (K) not right after its system call (S) or fault (F)", NULL);
		return 0;
	}
	if (ps->p->version < 2) {
		bad_line(ps, "a stack (K) in a version 1 trace", NULL);
		return 0;
	}
	if (r->MAX.i < 1 || r->MAX.i > UVM_STACK_MAX) {
		bad_line(ps, "max_frames out of range", r->MAX.s);
		return 0;
	}
	st->event = ps->prev_tag;
	st->max_frames = (int)r->MAX.i;
	st->n = 0;
	if (uvm_field_none(&r->FRAMES))
		goto done;
	for (;;) {
		uint64_t v = 0;
		int d = 0;

		if (st->n == (size_t)st->max_frames) {
			bad_line(ps, "more frames than max_frames", NULL);
			return 0;
		}
		if (s[0] != '0' || s[1] != 'x') {
			bad_line(ps, "a frame is not 0x and hex", NULL);
			return 0;
		}
		for (s += 2; isxdigit((unsigned char)*s) && d < 16; s++, d++)
			v = v << 4 | (uint64_t)(isdigit((unsigned char)*s) ? *s - '0' : (*s | 0x20) - 'a' + 10);
		if (!d || (*s && *s != ' ') || (*s == ' ' && !s[1])) {
			bad_line(ps, "a frame is not 0x and hex", NULL);
			return 0;
		}
		st->pc[st->n++] = v;
		if (!*s++)
			break;
	}
done:
	ps->p->stacks++;
	return 0;
}

static int record_snapshot(struct uvm_parser *ps, const struct rec_snapshot *r)
{
	(void)r;
	ps->p->snapshots++;
	reset_summaries(ps->p);
	return 0;
}

static int record_syscall_sum(struct uvm_parser *ps, const struct rec_syscall_sum *r)
{
	struct uvm_process *pr = uvm_profile_process(ps->p, (int)r->PID.i, 1);
	struct uvm_syscall_stat *sc = uvm_process_syscall(pr, (int)r->NR.i, r->NAME.s);

	sc->count = (uint64_t)r->COUNT.i;
	sc->errors = (uint64_t)r->ERRORS.i;
	sc->timed = sc->count;
	sc->total_ns = (uint64_t)r->TOTAL.i;
	sc->min_ns = (uint64_t)r->MIN.i;
	sc->max_ns = (uint64_t)r->MAX.i;
	return 0;
}

static int record_errno_sum(struct uvm_parser *ps, const struct rec_errno_sum *r)
{
	struct uvm_process *pr = uvm_profile_process(ps->p, (int)r->PID.i, 1);
	struct uvm_syscall_stat *sc = uvm_process_syscall(pr, (int)r->NR.i, NULL);

	uvm_syscall_set_errno(sc, r->ERRNO.s, (uint64_t)r->COUNT.i);
	return 0;
}

static int record_hist(struct uvm_parser *ps, const struct rec_hist *r)
{
	struct uvm_process *pr;
	struct uvm_syscall_stat *sc;

	if (r->LOG2.i < 0 || r->LOG2.i > 63) {
		bad_line(ps, "histogram bucket out of range", NULL);
		return 0;
	}
	pr = uvm_profile_process(ps->p, (int)r->PID.i, 1);
	sc = uvm_process_syscall(pr, (int)r->NR.i, NULL);
	uvm_hist_add(sc, 1ull << r->LOG2.i, (uint64_t)r->COUNT.i);
	return 0;
}

static int record_fault_sum(struct uvm_parser *ps, const struct rec_fault_sum *r)
{
	struct uvm_process *pr;
	struct uvm_fault_region *reg;
	int o = fault_outcome(ps, &r->OUTCOME);

	if (o < 0)
		return 0;
	pr = uvm_profile_process(ps->p, (int)r->PID.i, 1);
	pr->faults.count[o] += (uint64_t)r->COUNT.i;
	pr->faults.total_ns += (uint64_t)r->TOTAL.i;
	reg = fault_region(pr, &r->REGION, &r->PATH);
	reg->count[o] += (uint64_t)r->COUNT.i;
	reg->total_ns += (uint64_t)r->TOTAL.i;
	return 0;
}

static int record_trailer(struct uvm_parser *ps, const struct rec_trailer *r)
{
	struct uvm_profile *p = ps->p;

	p->loss.have_trailer = 1;
	p->loss.records_written = (uint64_t)r->RECORDS.i;
	p->loss.dropped = (uint64_t)r->DROPPED.i;
	p->loss.skipped = (uint64_t)r->SKIPPED.i;
	p->loss.transport = (uint64_t)r->TRANSPORT.i;
	p->loss.errors = (uint64_t)r->ERRORS.i;
	if (r->TS.i > p->end_ns)
		p->end_ns = r->TS.i;
	return 0;
}

/* ---- lines ---- */

/* ---- numbers, 8 digits at a time ---- */

#define ONES 0x0101010101010101ull
#define HIGH 0x8080808080808080ull

/* The 8 bytes at s as one word, the first byte lowest. */
static inline uint64_t load8(const char *s)
{
	uint64_t x;

	memcpy(&x, s, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	x = __builtin_bswap64(x);
#endif
	return x;
}

/* The n (1 to 8) bytes at s, after 8 - n bytes '0': "42" is "00000042".
 * Reads 8 bytes from s: a line buffer has LINE_SLACK bytes after the
 * line's NUL. */
static inline uint64_t load_digits(const char *s, size_t n)
{
	uint64_t x = load8(s);

	return x << (64 - 8 * n) % 64 | ('0' * ONES) >> (8 * n - 1) >> 1;
}

/* The value of 8 decimal digits, or -1 if one is not a digit. */
static inline int64_t dec8(uint64_t x)
{
	if (((x & 0xF0F0F0F0F0F0F0F0ull) |
	     (((x + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull) >> 4)) != 0x3333333333333333ull)
		return -1;
	x -= '0' * ONES;
	x = x * 10 + (x >> 8);	/* pairs */
	x = (((x & 0x000000FF000000FFull) * (100 + (1000000ull << 32))) +
	     (((x >> 16) & 0x000000FF000000FFull) * (1 + (10000ull << 32)))) >> 32;
	return (int64_t)x;
}

/* The value of 8 lower-case hex digits, or -1 if one is not one. */
static inline int64_t hex8(uint64_t x)
{
	uint64_t dig, af;

	/* per byte b < 0x80: b + (0x80 - lo) has bit 7 set iff b >= lo,
	 * b + (0x7f - hi) iff b > hi; no carry crosses a byte */
	dig = (x + 0x50 * ONES) & ~(x + 0x46 * ONES);	/* '0'..'9' */
	af = (x + 0x1f * ONES) & ~(x + 0x19 * ONES);	/* 'a'..'f' */
	if ((x & HIGH) || ((dig | af) & HIGH) != HIGH)
		return -1;
	x = (x & 0x0f * ONES) + ((x >> 6) & ONES) * 9;	/* nibbles */
	x = __builtin_bswap64(x);			/* first digit highest */
	x = (x | x >> 4) & 0x00FF00FF00FF00FFull;
	x = (x | x >> 8) & 0x0000FFFF0000FFFFull;
	x = (x | x >> 16) & 0xFFFFFFFFull;
	return (int64_t)x;
}

/*
 * An I field (hex 0: '-'?, 1 to 19 digits, within int64_t) or an X field
 * (hex 1: 0x and lower-case hex digits, within 64 bits) into f->i: 0, or
 * -1 if it is not one.  Reads up to 8 bytes past the field (load_digits).
 */
static inline __attribute__((always_inline)) int parse_int(struct uvm_field *f, int hex)
{
	static const uint64_t pow10[9] = { 1, 10, 100, 1000, 10000, 100000,
					   1000000, 10000000, 100000000 };
	const char *s = f->s, *e = f->s + f->len;
	uint64_t v = 0;
	int64_t d;
	size_t n;
	int neg = 0;

	if (hex) {
		/* 0x, then at most 16 digits once leading zeros are gone */
		if (f->len < 3 || s[0] != '0' || s[1] != 'x')
			return -1;
		for (s += 2; e - s > 16 && *s == '0'; s++)
			;
		if (e - s > 16)
			return -1;	/* not a digit, or over 64 bits */
		for (; e - s > 8; s += 8) {
			if ((d = hex8(load8(s))) < 0)
				return -1;
			v = v << 32 | (uint64_t)d;
		}
		n = (size_t)(e - s);
		if ((d = hex8(load_digits(s, n))) < 0)
			return -1;
		f->i = (int64_t)(v << 4 * n | (uint64_t)d);
		return 0;
	}
	if (s < e && *s == '-') {
		neg = 1;
		s++;
	}
	/* at most 19 digits: no overflow of 64 bits on the way */
	if (s == e || e - s > 19)
		return -1;
	for (; e - s > 8; s += 8) {
		if ((d = dec8(load8(s))) < 0)
			return -1;
		v = v * 100000000 + (uint64_t)d;
	}
	n = (size_t)(e - s);
	if ((d = dec8(load_digits(s, n))) < 0)
		return -1;
	v = v * pow10[n] + (uint64_t)d;
	if (v > (uint64_t)INT64_MAX + neg)
		return -1;
	f->i = !neg ? (int64_t)v : v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	return 0;
}

/*
 * Bit i of *tabs: byte b[i] is a tab; of *odd: a backslash or a NUL; for
 * i < 64.  Reads 64 bytes from b: a line buffer has LINE_SLACK bytes
 * after the line's NUL.
 */
static inline void classify64(const char *b, uint64_t *tabs, uint64_t *odd)
{
#ifdef __SSE2__
	const __m128i tab = _mm_set1_epi8('\t'), bsl = _mm_set1_epi8('\\');
	const __m128i nul = _mm_setzero_si128();
	uint64_t t = 0, o = 0;
	int k;

	for (k = 0; k < 4; k++) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(b + 16 * k));

		t |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, tab)) << (16 * k);
		o |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(x, bsl),
									_mm_cmpeq_epi8(x, nul))) << (16 * k);
	}
#else
	uint64_t t = 0, o = 0;
	int k;

	for (k = 0; k < 64; k++) {
		t |= (uint64_t)(b[k] == '\t') << k;
		o |= (uint64_t)(b[k] == '\\' || b[k] == '\0') << k;
	}
#endif
	*tabs = t;
	*odd = o;
}

/*
 * The fast split of a record's fields, for the lines uvm writes: the
 * tabs found 64 bytes at a time, the expected number of fields, each a
 * valid number where it must be, no NUL byte.  Returns -1 on anything
 * else, the line untouched: the general split then says what is wrong.
 */
static int split_fast(char *line, size_t len, const struct record_type *rt,
		      struct uvm_field *f)
{
	char *e = line + len, *s = line + 2, *b;
	size_t i = 0, last = rt->n - 1;
	uint64_t tabs, other;
	int odd = 0;

	for (b = line; b < e; b += 64) {
		classify64(b, &tabs, &other);
		if (e - b < 64) {	/* only the line's bytes; not its NUL */
			uint64_t valid = (1ull << (e - b)) - 1;
			tabs &= valid;
			other &= valid;
		}
		odd |= other != 0;
		if (b == line)
			tabs &= ~3ull;	/* the tag and its tab */
		for (; tabs; tabs &= tabs - 1, i++) {
			char *q = b + __builtin_ctzll(tabs);

			if (i == last)
				return -1;	/* too many fields */
			f[i].s = s;
			f[i].len = (size_t)(q - s);
			s = q + 1;
		}
	}
	if (i != last)
		return -1;
	f[i].s = s;
	f[i].len = (size_t)(e - s);
	/* a backslash or a NUL somewhere: rare */
	if (odd && memchr(line, '\0', len))
		return -1;
	for (i = 0; i <= last; i++)
		if (rt->types[i] != 'S' && parse_int(&f[i], rt->types[i] == 'X'))
			return -1;
	/* the line is good: cut it into strings */
	for (i = 0; i <= last; i++) {
		f[i].s[f[i].len] = '\0';
		if (odd && rt->types[i] == 'S' && memchr(f[i].s, '\\', f[i].len)) {
			uvm_unescape(f[i].s);
			f[i].len = strlen(f[i].s);
		}
	}
	return 0;
}

/* Bytes that end a run of ordinary field bytes. */
static const unsigned char field_stop[256] = { ['\0'] = 1, ['\t'] = 1, ['\\'] = 1 };

/* The general split, for any line: what is wrong with it is counted as
 * a bad line (returns -1). */
static int split_slow(struct uvm_parser *ps, char *line, size_t len,
		      const struct record_type *rt, struct uvm_field *f)
{
	size_t nf = 0, i;
	char *s, *q, *e = line + len;
	int escaped = 0;

	/* one pass: split at tabs, note escapes, refuse NUL bytes (the
	 * line is NUL-terminated at e, which ends the scan) */
	for (s = q = line + 2;; q++) {
		while (!field_stop[(unsigned char)*q])
			q++;
		if (q == e || *q == '\t') {
			if (nf == UVM_MAX_FIELDS)
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
			return -1;
		}
	}
	if (nf != rt->n && nf != min_fields(rt)) {
		char what[64];
		if (min_fields(rt) != rt->n)
			snprintf(what, sizeof(what), "%s record has %zu fields, expected %zu or %zu",
				 rt->name, nf, min_fields(rt), rt->n);
		else
			snprintf(what, sizeof(what), "%s record has %zu fields, expected %zu",
				 rt->name, nf, rt->n);
		bad_line(ps, what, NULL);
		return -1;
	}
	ps->nf = nf;
	for (i = 0; i < nf; i++) {
		if (rt->types[i] == 'S') {
			if (f[i].escaped) {
				uvm_unescape(f[i].s);
				f[i].len = strlen(f[i].s);
			}
		} else if (parse_int(&f[i], rt->types[i] == 'X')) {
			char what[80];
			snprintf(what, sizeof(what), "%s field %zu is not a number",
				 rt->name, i + 1);
			bad_line(ps, what, NULL);
			return -1;
		}
	}
	return 0;
}

/* Parse one line, without its '\n', NUL-terminated: line[len] == '\0'. */
static int parse_line(struct uvm_parser *ps, char *line, size_t len)
{
	struct uvm_profile *p = ps->p;
	const struct record_type *rt;
	union uvm_record u;
	uint64_t malformed;
	char tag;
	int rc;

	p->lines++;
	if (len == 0)
		return 0;
	tag = line[0];
	rt = &record_types[(unsigned char)tag];
	if (!rt->types || len < 2 || line[1] != '\t') {
		if (memchr(line, '\0', len)) {
			bad_line(ps, "NUL byte in line", NULL);
			goto check_first;
		}
		if (ps->foreign_ok && p->version) {
			p->foreign_lines++;
			return 0;
		}
		bad_line(ps, "not a record", NULL);
		goto check_first;
	}
	ps->nf = rt->n;
	if (split_fast(line, len, rt, u.f) && split_slow(ps, line, len, rt, u.f))
		goto check_first;
	if (tag != 'H' && !p->version) {
		fatal(ps, "not a uvm trace: the first record is not a header (H)");
		return -1;
	}
	if (tag != 'H' && tag != 'T')
		p->loss.records_read++;
	malformed = p->loss.malformed;
	rc = rt->handle(ps, &u);
	ps->prev_tag = !rc && p->loss.malformed == malformed ? tag : 0;
	/* a streamed output sees the record once the profile has it, unless
	 * the handler found it malformed */
	if (!rc && p->sink && p->loss.malformed == malformed)
		p->sink->record(p->sink, p, tag, &u);
	return rc;

check_first:
	ps->prev_tag = 0;
	/* Nothing parsed yet: this is no trace at all. */
	if (!p->version) {
		p->loss.malformed--;
		fatal(ps, "not a uvm trace: the first line is not a header (H) record");
		return -1;
	}
	return 0;
}

/* Every line is copied into ps->buf, NUL-terminated with LINE_SLACK
 * bytes after it, and parsed there: buf is never written to. */
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
			if (ps->len + n + 1 + LINE_SLACK > ps->cap) {
				ps->cap = (ps->len + n + 1 + LINE_SLACK) * 2;
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
				if (ps->len + n + 1 + LINE_SLACK > ps->cap) {
					ps->cap = ps->len + n + 1 + LINE_SLACK;
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
				if (n + 1 + LINE_SLACK > ps->cap) {
					ps->cap = n + 1 + LINE_SLACK > 4096 ? n + 1 + LINE_SLACK : 4096;
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
