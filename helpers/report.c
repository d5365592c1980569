/*
 * report.c - profile reports: the text report (strace -c style), laid
 * out here, and the report model (model.h), built here once and rendered
 * as JSON or XML by model.c.  The tree is documented in
 * docs/uvm-collect.md (report version UVM_REPORT_VERSION) and
 * docs/uvm-collect.xsd.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "model.h"
#include "uvm_profile.h"
#include "util.h"

/* ---- names from the trace, as report text ---- */

/* Length of the valid UTF-8 sequence at s (1-4), 0 if there is none. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t n, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if (s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xbf))
			return 0;
	}
	return n;
}

/*
 * A name from the trace (comm, path, argv, ...) as report text: valid
 * UTF-8 without control characters, whatever bytes the traced program
 * used, so that JSON and XML stay well-formed and text columns stay
 * columns.  Written as the trace writes strings: "\\" for a backslash,
 * "\xHH" for a control byte or a byte outside valid UTF-8, every other
 * byte as it is; the original bytes can be read back.  Returns s itself
 * when it needs nothing, else a string in *tmp, which the caller frees.
 */
const char *uvm_report_text(const char *s, char **tmp)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, k, o = 0, n;
	char *r;

	*tmp = NULL;
	if (!s)
		return NULL;
	for (i = 0; u[i]; i++)
		if (u[i] < 0x20 || u[i] >= 0x7f || u[i] == '\\')
			break;
	if (!u[i])
		return s;
	n = strlen(s);
	r = xcalloc(4 * n + 1, 1);
	for (i = 0; i < n;) {
		size_t l = u[i] >= 0x20 && u[i] != 0x7f ? utf8_len(u + i) : 0;
		if (u[i] == '\\') {
			r[o++] = '\\';
			r[o++] = '\\';
			i++;
		} else if (l) {
			for (k = 0; k < l; k++)
				r[o++] = s[i++];
		} else {
			o += (size_t)sprintf(r + o, "\\x%02x", u[i++]);
		}
	}
	r[o] = '\0';
	*tmp = r;
	return r;
}

/* fputs of uvm_report_text(s). */
static void put_text(FILE *out, const char *s)
{
	char *tmp;

	fputs(uvm_report_text(s, &tmp), out);
	free(tmp);
}

#define UVM_REPORT_VERSION 3

static const char *const outcome_names[UVM_N_OUTCOMES] = { "minor", "major", "error", "retry" };
static const char *const access_names[UVM_N_ACCESS] = { "read", "write", "exec" };
static const char *const mm_op_names[5] = { "mmap", "munmap", "mprotect", "mremap", "brk" };

/* ---- sorting (strace's -S) ---- */

static const struct {
	const char *name;
	enum uvm_sort key;
} sort_names[] = {
	{ "time", UVM_SORT_TIME }, { "calls", UVM_SORT_CALLS },
	{ "errors", UVM_SORT_ERRORS }, { "avg", UVM_SORT_AVG },
	{ "max", UVM_SORT_MAX }, { "name", UVM_SORT_NAME }, { "nr", UVM_SORT_NR },
};

int uvm_parse_sort(const char *s, enum uvm_sort *out)
{
	size_t i;

	for (i = 0; i < sizeof(sort_names) / sizeof(sort_names[0]); i++)
		if (!strcmp(s, sort_names[i].name)) {
			*out = sort_names[i].key;
			return 0;
		}
	return -1;
}

static enum uvm_sort sort_key;

static int cmp_u64_desc(uint64_t a, uint64_t b)
{
	return a < b ? 1 : a > b ? -1 : 0;
}

static int cmp_syscall(const void *pa, const void *pb)
{
	const struct uvm_syscall_stat *a = *(const struct uvm_syscall_stat *const *)pa;
	const struct uvm_syscall_stat *b = *(const struct uvm_syscall_stat *const *)pb;
	int c = 0;

	switch (sort_key) {
	case UVM_SORT_TIME: c = cmp_u64_desc(a->total_ns, b->total_ns); break;
	case UVM_SORT_CALLS: c = cmp_u64_desc(a->count, b->count); break;
	case UVM_SORT_ERRORS: c = cmp_u64_desc(a->errors, b->errors); break;
	case UVM_SORT_AVG:
		c = cmp_u64_desc(a->timed ? a->total_ns / a->timed : 0,
				 b->timed ? b->total_ns / b->timed : 0);
		break;
	case UVM_SORT_MAX: c = cmp_u64_desc(a->max_ns, b->max_ns); break;
	case UVM_SORT_NAME: c = strcmp(a->name, b->name); break;
	case UVM_SORT_NR: c = a->nr - b->nr; break;
	}
	if (!c)
		c = cmp_u64_desc(a->count, b->count);
	return c ? c : a->nr - b->nr;
}

const struct uvm_syscall_stat **uvm_report_syscalls(const struct uvm_process *pr,
						   const struct uvm_report_opts *o, size_t *n)
{
	const struct uvm_syscall_stat **v = xcalloc(pr->n_syscalls, sizeof(*v));
	size_t i;

	for (i = 0; i < pr->n_syscalls; i++)
		v[i] = &pr->syscalls[i];
	sort_key = o->sort;
	qsort(v, pr->n_syscalls, sizeof(*v), cmp_syscall);
	*n = o->top && o->top < pr->n_syscalls ? o->top : pr->n_syscalls;
	return v;
}

static uint64_t total_syscall_ns(const struct uvm_process *pr)
{
	uint64_t t = 0;
	size_t i;

	for (i = 0; i < pr->n_syscalls; i++)
		t += pr->syscalls[i].total_ns;
	return t;
}

uint64_t uvm_report_pct(const struct uvm_syscall_stat *s, double q)
{
	uint64_t v = 0;

	return uvm_syscall_percentile(s, q, &v) ? 0 : v;
}

/* ---- text ---- */

/* The system call table's columns, strace -c style plus percentiles. */
struct column {
	const char *head;
	int width;
	int in_total;	/* shown on the total row */
	void (*cell)(FILE *out, int w, const struct uvm_syscall_stat *s, uint64_t total);
};

static void c_pct_time(FILE *out, int w, const struct uvm_syscall_stat *s, uint64_t total)
{
	fprintf(out, "%*.2f", w, total ? 100.0 * (double)s->total_ns / (double)total : 0.0);
}
static void c_seconds(FILE *out, int w, const struct uvm_syscall_stat *s, uint64_t total)
{
	(void)total;
	fprintf(out, "%*.6f", w, (double)s->total_ns / 1e9);
}
static void c_usecs(FILE *out, int w, const struct uvm_syscall_stat *s, uint64_t total)
{
	(void)total;
	fprintf(out, "%*" PRIu64, w, s->timed ? s->total_ns / s->timed / 1000 : 0);
}
static void c_calls(FILE *out, int w, const struct uvm_syscall_stat *s, uint64_t total)
{
	(void)total;
	fprintf(out, "%*" PRIu64, w, s->count);
}
static void c_errors(FILE *out, int w, const struct uvm_syscall_stat *s, uint64_t total)
{
	(void)total;
	if (s->errors)
		fprintf(out, "%*" PRIu64, w, s->errors);
	else
		fprintf(out, "%*s", w, "");
}
#define PCT_CELL(fn, q)                                                        \
	static void fn(FILE *out, int w, const struct uvm_syscall_stat *s, uint64_t total) \
	{                                                                      \
		(void)total;                                                   \
		fprintf(out, "%*.1f", w, (double)uvm_report_pct(s, q) / 1000.0); \
	}
PCT_CELL(c_p50, 0.50)
PCT_CELL(c_p95, 0.95)
PCT_CELL(c_p99, 0.99)
static void c_max(FILE *out, int w, const struct uvm_syscall_stat *s, uint64_t total)
{
	(void)total;
	fprintf(out, "%*.1f", w, (double)s->max_ns / 1000.0);
}
static void c_name(FILE *out, int w, const struct uvm_syscall_stat *s, uint64_t total)
{
	(void)total;
	(void)w;
	put_text(out, s->name);
}

static const struct column columns[] = {
	{ "% time", 6, 1, c_pct_time },	{ "seconds", 11, 1, c_seconds },
	{ "usecs/call", 11, 1, c_usecs },	{ "calls", 9, 1, c_calls },
	{ "errors", 9, 1, c_errors },	{ "p50(us)", 9, 0, c_p50 },
	{ "p95(us)", 9, 0, c_p95 },	{ "p99(us)", 9, 0, c_p99 },
	{ "max(us)", 10, 1, c_max },	{ "syscall", 0, 1, c_name },
};
#define N_COLUMNS (sizeof(columns) / sizeof(columns[0]))

static void text_rule(FILE *out)
{
	size_t c;

	for (c = 0; c < N_COLUMNS; c++) {
		int w = columns[c].width ? columns[c].width : 16;
		fprintf(out, "%s", c ? " " : "");
		while (w--)
			fputc('-', out);
	}
	fputc('\n', out);
}

static void text_syscalls(FILE *out, const struct uvm_process *pr,
			  const struct uvm_report_opts *o)
{
	const struct uvm_syscall_stat **v;
	struct uvm_syscall_stat sum;
	uint64_t total = total_syscall_ns(pr);
	size_t n, i, c;

	if (!pr->n_syscalls) {
		fprintf(out, "  (no system calls)\n");
		return;
	}
	v = uvm_report_syscalls(pr, o, &n);
	for (c = 0; c < N_COLUMNS; c++)
		fprintf(out, "%s%*s", c ? " " : "", columns[c].width, columns[c].head);
	fputc('\n', out);
	text_rule(out);
	for (i = 0; i < n; i++) {
		for (c = 0; c < N_COLUMNS; c++) {
			fprintf(out, "%s", c ? " " : "");
			columns[c].cell(out, columns[c].width, v[i], total);
		}
		fputc('\n', out);
	}
	memset(&sum, 0, sizeof(sum));
	copy_str(sum.name, sizeof(sum.name), "total");
	for (i = 0; i < pr->n_syscalls; i++) {
		sum.count += pr->syscalls[i].count;
		sum.errors += pr->syscalls[i].errors;
		sum.timed += pr->syscalls[i].timed;
		sum.total_ns += pr->syscalls[i].total_ns;
		if (pr->syscalls[i].max_ns > sum.max_ns)
			sum.max_ns = pr->syscalls[i].max_ns;
	}
	text_rule(out);
	for (c = 0; c < N_COLUMNS; c++) {
		fprintf(out, "%s", c ? " " : "");
		if (!columns[c].in_total)
			fprintf(out, "%*s", columns[c].width, "");
		else
			columns[c].cell(out, columns[c].width, &sum, total);
	}
	fputc('\n', out);
	if (n < pr->n_syscalls)
		fprintf(out, "  (%zu more system calls; --top 0 shows all)\n", pr->n_syscalls - n);
	for (i = 0; i < n; i++) {
		size_t e;
		if (!v[i]->n_errnos)
			continue;
		fputs("  ", out);
		put_text(out, v[i]->name);
		fputs(" errors:", out);
		for (e = 0; e < v[i]->n_errnos; e++) {
			fputc(' ', out);
			put_text(out, v[i]->errnos[e].name);
			fprintf(out, " %" PRIu64, v[i]->errnos[e].count);
		}
		fputc('\n', out);
	}
	free(v);
}

void uvm_report_exit(const struct uvm_process *pr, char *buf, size_t n)
{
	if (!pr->exited)
		snprintf(buf, n, "running");
	else if (pr->signal)
		snprintf(buf, n, "killed by signal %d%s", pr->signal, pr->core ? " (core dumped)" : "");
	else
		snprintf(buf, n, "exit %d", pr->status);
}

/* pr and its children, indented by depth; within: only the children in
 * pr's target's tree (a nested target's subtree is drawn under its own
 * target). */
static void text_tree(FILE *out, const struct uvm_profile *p, const struct uvm_process *pr,
		      int depth, int within)
{
	char st[64];
	size_t i;

	uvm_report_exit(pr, st, sizeof(st));
	fprintf(out, "  %*s%d ", 2 * depth, "", pr->pid);
	put_text(out, pr->comm);
	fprintf(out, " [%s]", st);
	if (pr->argv) {
		fputs("  ", out);
		put_text(out, pr->argv);
	}
	fputc('\n', out);
	if (depth > 64)
		return;
	for (i = 0; i < pr->n_children; i++)
		if (!within || pr->children[i]->tree == pr->tree)
			text_tree(out, p, pr->children[i], depth + 1, within);
}

static int cmp_site(const void *a, const void *b)
{
	return cmp_u64_desc(((const struct uvm_site *)a)->count, ((const struct uvm_site *)b)->count);
}

/* The most faulting sites, sorted; caller frees. */
static struct uvm_site *top_sites(const struct uvm_process *pr, size_t *n, size_t max)
{
	struct uvm_site *v = xcalloc(pr->n_sites, sizeof(*v));
	size_t i, k = 0;

	for (i = 0; i < pr->cap_sites; i++)
		if (pr->sites[i].count)
			v[k++] = pr->sites[i];
	qsort(v, k, sizeof(*v), cmp_site);
	*n = k < max ? k : max;
	return v;
}

/* The perf counters counted (counters.h), on one line. */
static void text_counts(FILE *out, const struct uvm_counts *c)
{
	const char *sep = "";
	int k;

	fputs("  perf counters:", out);
	for (k = 0; k < UVM_N_COUNTERS; k++) {
		if (!(c->have & (1u << k)))
			continue;
		if (k == UVM_COUNTER_TASK_CLOCK)
			fprintf(out, "%s task clock %.3f ms", sep, (double)c->v[k] / 1e6);
		else
			fprintf(out, "%s %s %" PRIu64, sep, uvm_counter_name(k), c->v[k]);
		sep = ",";
	}
	fputc('\n', out);
}

/* How the run was counted, when it was: what this machine cannot count,
 * and what could not be given to a process. */
static void text_counting(FILE *out, const struct uvm_profile *p)
{
	int k, n = 0;

	if (!p->counted)
		return;
	fprintf(out, "Perf counters: from the command's exec; each process's own: %s",
		uvm_per_process_name(p->per_process));
	if (p->per_process == UVM_PER_PROCESS_NONE)
		fputs(" (this kernel writes none at a process's exit: before 6.15), the totals only", out);
	else if (p->per_process == UVM_PER_PROCESS_LOST)
		fprintf(out, " (%" PRIu64 " read records missing: tasks still running at the end, or "
			"exiting at once on several CPUs), the totals only", p->counters_lost);
	else if (p->per_process == UVM_PER_PROCESS_MODULE)
		fputs(" (read by uvm's module as each task's events were taken down: this kernel "
		      "writes no read record then, before 6.15, or some were lost)", out);
	for (k = 0; k < UVM_N_COUNTERS; k++)
		if (p->counter_error[k][0])
			fprintf(out, "%s%s (%s)", n++ ? ", " : "; not counted here: ",
				uvm_counter_name(k), p->counter_error[k]);
	if (p->counters_unattributed)
		fprintf(out, "; %" PRIu64 " counted process%s not in the trace",
			p->counters_unattributed, p->counters_unattributed == 1 ? "" : "es");
	fputc('\n', out);
}

/* summary: a summary-mode trace, which has no fault accesses, fault
 * sites or mmap-family records (those calls are in the syscall table). */
static void text_process(FILE *out, const struct uvm_process *pr,
			 const struct uvm_report_opts *o, int summary, const char *title)
{
	const struct uvm_fault_stats *f = &pr->faults;
	char st[64];
	size_t i;

	uvm_report_exit(pr, st, sizeof(st));
	if (pr->pid >= 0) {
		fprintf(out, "\nProcess %d (", pr->pid);
		put_text(out, pr->comm);
		fprintf(out, "): %s", st);
		if (pr->start_ns >= 0 && pr->end_ns >= pr->start_ns)
			fprintf(out, " after %.3f s", (double)(pr->end_ns - pr->start_ns) / 1e9);
		fputc('\n', out);
		if (pr->exe) {
			fputs("  program: ", out);
			put_text(out, pr->exe);
			fputc('\n', out);
		}
	} else {
		fprintf(out, "\n%s\n", title ? title : "All processes");
	}
	if (pr->cpu_utilization >= 0)
		fprintf(out, "  cpu utilization: %.1f%% (user + system time over %s)\n",
			100 * pr->cpu_utilization, pr->pid >= 0 ? "its life" :
			"the trace, of the processes that started and ended in it");
	if (pr->exited || pr->pid < 0)
		fprintf(out, "  kernel counters: cpu %.3f s user %.3f s system, %" PRIu64
			" minor / %" PRIu64 " major faults, %" PRIu64 " voluntary / %" PRIu64
			" involuntary context switches, peak RSS %" PRIu64 " KiB\n",
			(double)pr->utime_ns / 1e9, (double)pr->stime_ns / 1e9, pr->min_flt,
			pr->maj_flt, pr->nvcsw, pr->nivcsw, pr->maxrss_kb);
	if (pr->counts.have)
		text_counts(out, &pr->counts);
	text_syscalls(out, pr, o);
	if (summary)
		fprintf(out, "  page faults: %" PRIu64 " minor, %" PRIu64 " major, %" PRIu64
			" errors, %" PRIu64 " retried; %.3f ms handling\n",
			f->count[UVM_MINOR], f->count[UVM_MAJOR], f->count[UVM_FERROR],
			f->count[UVM_RETRY], (double)f->total_ns / 1e6);
	else
		fprintf(out, "  page faults: %" PRIu64 " minor (r %" PRIu64 " w %" PRIu64
			" x %" PRIu64 "), %" PRIu64 " major, %" PRIu64 " errors, %" PRIu64
			" retried, %" PRIu64 " taken by the kernel; %.3f ms handling\n",
			f->count[UVM_MINOR], f->by_access[UVM_MINOR][UVM_READ],
			f->by_access[UVM_MINOR][UVM_WRITE], f->by_access[UVM_MINOR][UVM_EXEC],
			f->count[UVM_MAJOR], f->count[UVM_FERROR], f->count[UVM_RETRY],
			f->kernel_mode, (double)f->total_ns / 1e6);
	for (i = 0; i < f->n_regions && pr->pid >= 0; i++) {
		const struct uvm_fault_region *r = &f->regions[i];
		fprintf(out, "    %-8s %8" PRIu64 " minor %6" PRIu64 " major  ", r->kind,
			r->count[UVM_MINOR], r->count[UVM_MAJOR]);
		put_text(out, r->path ? r->path : "");
		fputc('\n', out);
	}
	if (pr->pid >= 0 && pr->n_sites) {
		size_t n;
		struct uvm_site *s = top_sites(pr, &n, 5);
		fprintf(out, "  top fault sites:\n");
		for (i = 0; i < n; i++) {
			char *sym = o->symbols ? uvm_symbolize(pr, s[i].ip, o->sysroot) : NULL;
			fprintf(out, "    %8" PRIu64 "  0x%" PRIx64 "%s%s\n", s[i].count, s[i].ip,
				sym ? "  " : "", sym ? sym : "");
			free(sym);
		}
		free(s);
	}
	if (summary)
		return;
	fprintf(out, "  memory map:");
	for (i = 0; i < 5; i++)
		fprintf(out, " %" PRIu64 " %s", pr->mem.ops[i], mm_op_names[i]);
	fprintf(out, " (%" PRIu64 " failed)", pr->mem.failed);
	if (pr->pid >= 0)
		fprintf(out, "; %zu regions, %" PRIu64 " KiB mapped at the end, peak %" PRIu64
			" KiB; heap %" PRIu64 " KiB (peak %" PRIu64 ")",
			pr->mem.n, pr->mem.mapped / 1024, pr->mem.peak_mapped / 1024,
			uvm_heap_bytes(&pr->mem) / 1024, pr->mem.peak_heap / 1024);
	fputc('\n', out);
}

static void text_loss(FILE *out, const struct uvm_profile *p)
{
	const struct uvm_loss *l = &p->loss;
	uint64_t i;

	if (!l->have_trailer)
		fprintf(out, "Loss: the trace has no trailer: it was cut short, events after "
			     "line %" PRIu64 " are missing\n", p->lines);
	else if (!l->dropped && !l->skipped && !l->transport && !l->errors &&
		 !l->stap_skipped && !l->stap_transport && !l->malformed &&
		 l->records_read == l->records_written)
		fprintf(out, "Loss: none (%" PRIu64 " records, all read)\n", l->records_written);
	else
		fprintf(out, "Loss: %" PRIu64 " of %" PRIu64 " records read; %" PRIu64
			" events dropped by uvm, %" PRIu64 " probe hits skipped (%" PRIu64
			" by staprun's count), %" PRIu64 " transport failures, %" PRIu64
			" probe errors\n",
			l->records_read, l->records_written, l->dropped, l->skipped,
			l->stap_skipped, l->transport + l->stap_transport, l->errors);
	if (l->stap_error[0])
		fprintf(out, "SystemTap stopped the run: %s\n", l->stap_error);
	if (l->malformed) {
		fprintf(out, "Malformed lines: %" PRIu64 "\n", l->malformed);
		for (i = 0; i < l->malformed && i < UVM_BAD_LINES_KEPT; i++)
			fprintf(out, "  line %" PRIu64 ": %s\n", l->bad[i].line, l->bad[i].why);
	}
}

/* The trees of a report with several targets: for each target (k), its
 * processes, then those in no target's tree (k = n: tree -1). */
static int in_group(const struct uvm_profile *p, const struct uvm_process *pr, unsigned k)
{
	return k < p->targets.n ? pr->tree == (int)k : pr->tree < 0;
}

/* A process is drawn as the top of a tree when it has no parent in the
 * trace or its parent is in another target's tree (a nested target). */
static int text_top(const struct uvm_process *pr)
{
	return !pr->parent || pr->parent->tree != pr->tree;
}

/* Several targets: each target's tree with its processes and its
 * totals, then the processes in none (if any), then the totals. */
static void text_trees(FILE *out, const struct uvm_profile *p, const struct uvm_report_opts *o,
		       int summary)
{
	char title[96];
	size_t i, n;
	unsigned k;

	for (k = 0; k <= p->targets.n && k <= UVM_TARGETS_MAX; k++) {
		for (i = 0, n = 0; i < p->n_procs; i++)
			n += in_group(p, p->procs[i], k);
		if (k == p->targets.n && !n)
			break;
		if (k < p->targets.n)
			fprintf(out, "\nTree of target %d: %zu process%s\n", p->targets.pid[k], n,
				n == 1 ? "" : "es");
		else
			fprintf(out, "\nIn no target's tree: %zu process%s\n", n, n == 1 ? "" : "es");
		for (i = 0; i < p->n_procs; i++)
			if (in_group(p, p->procs[i], k) && text_top(p->procs[i]))
				text_tree(out, p, p->procs[i], 0, 1);
		if (o->per_process)
			for (i = 0; i < p->n_procs; i++)
				if (in_group(p, p->procs[i], k))
					text_process(out, p->procs[i], o, summary, NULL);
		if (k < p->targets.n) {
			snprintf(title, sizeof(title), "All processes of target %d's tree",
				 p->targets.pid[k]);
			text_process(out, &p->trees[k].totals, o, summary, title);
		}
	}
}

static int write_text(const struct uvm_profile *p, const struct uvm_report_opts *o, FILE *out)
{
	int summary = !strcmp(p->mode, "summary");
	size_t i, n;
	unsigned k;

	if (p->targets.n > 1 || (p->targets.n == 1 && p->target != p->targets.pid[0])) {
		fputs("uvm profile: targets", out);
		for (k = 0; k < p->targets.n; k++)
			fprintf(out, "%s%d", k ? "," : " ", p->targets.pid[k]);
	} else {
		fprintf(out, "uvm profile: target %d", p->target);
	}
	fprintf(out, ", kernel %s, %s mode, %zu process%s", p->kernel, p->mode, p->n_procs,
		p->n_procs == 1 ? "" : "es");
	if (p->start_ns >= 0 && p->end_ns >= p->start_ns)
		fprintf(out, ", %.3f s traced", (double)(p->end_ns - p->start_ns) / 1e9);
	fputc('\n', out);
	text_loss(out, p);
	text_counting(out, p);
	if (p->targets.n > 1) {
		text_trees(out, p, o, summary);
		for (i = 0, n = 0; i < p->n_procs; i++)
			n += p->procs[i]->tree < 0;
		if (n)
			fprintf(out, "\nAll %u trees and the %zu process%s in none together:\n",
				p->targets.n, n, n == 1 ? "" : "es");
		else
			fprintf(out, "\nAll %u trees together:\n", p->targets.n);
		text_process(out, &p->totals, o, summary, "All processes");
		return ferror(out) ? -1 : 0;
	}
	fprintf(out, "\nProcess tree:\n");
	for (i = 0; i < p->n_procs; i++) {
		const struct uvm_process *pr = p->procs[i];
		if (!pr->parent)
			text_tree(out, p, pr, 0, 0);
	}
	if (o->per_process)
		for (i = 0; i < p->n_procs; i++)
			text_process(out, p->procs[i], o, summary, NULL);
	text_process(out, &p->totals, o, summary, NULL);
	return ferror(out) ? -1 : 0;
}

/* ---- the model: JSON and XML (model.c renders it) ---- */

void uvm_node_utilization(struct uvm_node *parent, const char *name, double u)
{
	char b[32];

	if (u < 0) {
		uvm_node_null(parent, name);
		return;
	}
	snprintf(b, sizeof(b), "%.4f", u);
	uvm_node_decimal(parent, name, b);
}

void uvm_node_text(struct uvm_node *parent, const char *name, const char *s)
{
	char *tmp;

	uvm_node_string(parent, name, uvm_report_text(s, &tmp));
	free(tmp);
}

static void m_syscalls(struct uvm_node *parent, const struct uvm_process *pr,
		       const struct uvm_report_opts *o)
{
	struct uvm_node *arr = uvm_node_array(parent, "syscalls", "syscall");
	const struct uvm_syscall_stat **v;
	size_t n, i, e;

	v = uvm_report_syscalls(pr, o, &n);
	for (i = 0; i < n; i++) {
		const struct uvm_syscall_stat *s = v[i];
		struct uvm_node *m = uvm_node_object(arr, NULL), *errs;

		uvm_node_text(m, "name", s->name);
		uvm_node_int(m, "nr", s->nr);
		uvm_node_uint(m, "calls", s->count);
		uvm_node_uint(m, "errors", s->errors);
		uvm_node_uint(m, "timed", s->timed);
		uvm_node_uint(m, "total_ns", s->total_ns);
		uvm_node_uint(m, "min_ns", s->timed ? s->min_ns : 0);
		uvm_node_uint(m, "max_ns", s->max_ns);
		uvm_node_uint(m, "p50_ns", uvm_report_pct(s, 0.50));
		uvm_node_uint(m, "p95_ns", uvm_report_pct(s, 0.95));
		uvm_node_uint(m, "p99_ns", uvm_report_pct(s, 0.99));
		errs = uvm_node_map(m, "errnos", "errno");
		for (e = 0; e < s->n_errnos; e++) {
			char *tmp;

			uvm_node_uint(errs, uvm_report_text(s->errnos[e].name, &tmp), s->errnos[e].count);
			free(tmp);
		}
	}
	free(v);
}

static void m_faults(struct uvm_node *parent, const struct uvm_process *pr,
		     const struct uvm_report_opts *o)
{
	const struct uvm_fault_stats *f = &pr->faults;
	struct uvm_node *m = uvm_node_object(parent, "faults"), *acc, *regs;
	size_t i;
	int k, a;

	for (k = 0; k < UVM_N_OUTCOMES; k++)
		uvm_node_uint(m, outcome_names[k], f->count[k]);
	acc = uvm_node_object(m, "by_access");
	for (k = 0; k < UVM_N_OUTCOMES; k++) {
		struct uvm_node *ma = uvm_node_object(acc, outcome_names[k]);

		for (a = 0; a < UVM_N_ACCESS; a++)
			uvm_node_uint(ma, access_names[a], f->by_access[k][a]);
	}
	uvm_node_uint(m, "kernel_mode", f->kernel_mode);
	uvm_node_uint(m, "total_ns", f->total_ns);
	regs = uvm_node_array(m, "regions", "region");
	for (i = 0; i < f->n_regions; i++) {
		struct uvm_node *r = uvm_node_object(regs, NULL);

		uvm_node_text(r, "kind", f->regions[i].kind);
		uvm_node_text(r, "path", f->regions[i].path);
		for (k = 0; k < UVM_N_OUTCOMES; k++)
			uvm_node_uint(r, outcome_names[k], f->regions[i].count[k]);
		uvm_node_uint(r, "total_ns", f->regions[i].total_ns);
	}
	if (pr->n_sites) {
		struct uvm_node *sites = uvm_node_array(m, "sites", "site");
		struct uvm_site *s;
		size_t n;

		s = top_sites(pr, &n, 20);
		for (i = 0; i < n; i++) {
			struct uvm_node *ms = uvm_node_object(sites, NULL);
			char *sym = o->symbols ? uvm_symbolize(pr, s[i].ip, o->sysroot) : NULL;

			uvm_node_uint(ms, "ip", s[i].ip);
			uvm_node_text(ms, "symbol", sym);
			uvm_node_uint(ms, "count", s[i].count);
			free(sym);
		}
		free(s);
	}
}

/* "tree": the pid of the target whose tree holds a process, null for
 * none. */
static void m_tree(struct uvm_node *m, const struct uvm_profile *p, int tree)
{
	if (tree >= 0 && (unsigned)tree < p->targets.n)
		uvm_node_int(m, "tree", p->targets.pid[tree]);
	else
		uvm_node_null(m, "tree");
}

/* A process (name NULL: an item of "processes") or the totals. */
static struct uvm_node *m_process(const struct uvm_profile *p, const struct uvm_process *pr,
				  const struct uvm_report_opts *o, const char *name)
{
	struct uvm_node *m = uvm_node_new(UVM_NODE_OBJECT, name, NULL), *ch, *mem;
	size_t i;

	if (pr->pid >= 0) {
		uvm_node_uint(m, "id", pr->id);
		uvm_node_int(m, "pid", pr->pid);
		uvm_node_int(m, "ppid", pr->ppid);
		m_tree(m, p, pr->tree);
		if (pr->parent)
			uvm_node_uint(m, "parent_id", pr->parent->id);
		else
			uvm_node_null(m, "parent_id");
		uvm_node_text(m, "comm", pr->comm);
		uvm_node_text(m, "exe", pr->exe);
		uvm_node_text(m, "argv", pr->argv);
		uvm_node_int(m, "start_ns", pr->start_ns);
		uvm_node_int(m, "end_ns", pr->end_ns);
		uvm_node_bool(m, "exited", pr->exited);
		if (pr->exited && !pr->signal)
			uvm_node_int(m, "exit_status", pr->status);
		else
			uvm_node_null(m, "exit_status");
		if (pr->exited && pr->signal)
			uvm_node_int(m, "signal", pr->signal);
		else
			uvm_node_null(m, "signal");
		uvm_node_bool(m, "core_dumped", pr->core);
	}
	ch = uvm_node_array(m, "children", "child");
	for (i = 0; i < pr->n_children && pr->pid >= 0; i++)
		uvm_node_int(ch, NULL, pr->children[i]->pid);
	uvm_node_uint(m, "threads_created", pr->threads);
	uvm_node_uint(m, "execs", pr->execs);
	uvm_node_uint(m, "min_flt", pr->min_flt);
	uvm_node_uint(m, "maj_flt", pr->maj_flt);
	uvm_node_uint(m, "utime_ns", pr->utime_ns);
	uvm_node_uint(m, "stime_ns", pr->stime_ns);
	uvm_node_utilization(m, "cpu_utilization", pr->cpu_utilization);
	uvm_node_uint(m, "nvcsw", pr->nvcsw);
	uvm_node_uint(m, "nivcsw", pr->nivcsw);
	uvm_node_uint(m, "maxrss_kb", pr->maxrss_kb);
	m_syscalls(m, pr, o);
	m_faults(m, pr, o);
	mem = uvm_node_object(m, "memory");
	for (i = 0; i < 5; i++)
		uvm_node_uint(mem, mm_op_names[i], pr->mem.ops[i]);
	uvm_node_uint(mem, "failed", pr->mem.failed);
	uvm_node_uint(mem, "regions", pr->mem.n);
	uvm_node_uint(mem, "mapped_bytes", pr->mem.mapped);
	uvm_node_uint(mem, "peak_mapped_bytes", pr->mem.peak_mapped);
	uvm_node_uint(mem, "heap_bytes", uvm_heap_bytes(&pr->mem));
	uvm_node_uint(mem, "peak_heap_bytes", pr->mem.peak_heap);
	if (p->counted) {
		struct uvm_node *cn = uvm_node_object(m, "counters");
		int k;

		/* not counted (not supported, or not in the counted tree):
		 * null, never 0 */
		for (k = 0; k < UVM_N_COUNTERS; k++)
			if (pr->counts.have & (1u << k))
				uvm_node_uint(cn, uvm_counter_name(k), pr->counts.v[k]);
			else
				uvm_node_null(cn, uvm_counter_name(k));
	}
	return m;
}

/* How the run was counted: the counters this machine could not count,
 * and what could not be given to a process.  NULL without counters. */
static struct uvm_node *m_counting(const struct uvm_profile *p)
{
	struct uvm_node *m, *un, *c;
	int k;

	if (!p->counted)
		return NULL;
	m = uvm_node_new(UVM_NODE_OBJECT, "counting", NULL);
	un = uvm_node_array(m, "unsupported", "counter");
	for (k = 0; k < UVM_N_COUNTERS; k++)
		if (p->counter_error[k][0]) {
			c = uvm_node_object(un, NULL);
			uvm_node_text(c, "name", uvm_counter_name(k));
			uvm_node_text(c, "error", p->counter_error[k]);
		}
	uvm_node_text(m, "per_process", uvm_per_process_name(p->per_process));
	uvm_node_uint(m, "lost", p->counters_lost);
	uvm_node_uint(m, "unattributed", p->counters_unattributed);
	return m;
}

/* The document element with the run's own fields. */
static struct uvm_node *m_head(const struct uvm_profile *p)
{
	struct uvm_node *m = uvm_node_new(UVM_NODE_OBJECT, "uvm-profile", NULL), *targets;
	unsigned k;

	uvm_node_int(m, "uvm_report_version", UVM_REPORT_VERSION);
	uvm_node_int(m, "trace_version", p->version);
	uvm_node_text(m, "kernel", p->kernel);
	uvm_node_text(m, "mode", p->mode);
	uvm_node_uint(m, "snapshots", p->snapshots);
	uvm_node_int(m, "target", p->target);
	targets = uvm_node_array(m, "targets", "target");
	for (k = 0; k < p->targets.n && k < UVM_TARGETS_MAX; k++)
		uvm_node_int(targets, NULL, p->targets.pid[k]);
	uvm_node_bool(m, "follow", p->follow);
	uvm_node_int(m, "start_ns", p->start_ns);
	uvm_node_int(m, "end_ns", p->end_ns);
	uvm_node_int(m, "realtime_ns", p->realtime_ns);
	return m;
}

/* One target's tree (an item of "trees"): its target, how many
 * processes, and their totals. */
static struct uvm_node *m_tree_item(const struct uvm_profile *p, unsigned k,
				    const struct uvm_report_opts *o)
{
	struct uvm_node *m = uvm_node_new(UVM_NODE_OBJECT, NULL, NULL), *t;

	uvm_node_int(m, "target", p->trees[k].target);
	uvm_node_uint(m, "processes", p->trees[k].processes);
	t = m_process(p, &p->trees[k].totals, o, "totals");
	uvm_node_adopt(m, t);
	return m;
}

struct uvm_node *uvm_report_loss(const struct uvm_profile *p)
{
	const struct uvm_loss *l = &p->loss;
	struct uvm_node *m = uvm_node_new(UVM_NODE_OBJECT, "loss", NULL), *bad;
	uint64_t i;

	uvm_node_bool(m, "complete", l->have_trailer);
	uvm_node_uint(m, "records_written", l->records_written);
	uvm_node_uint(m, "records_read", l->records_read);
	uvm_node_uint(m, "dropped", l->dropped);
	uvm_node_uint(m, "skipped", l->skipped);
	uvm_node_uint(m, "transport_failures", l->transport);
	uvm_node_uint(m, "probe_errors", l->errors);
	if (l->stap_reported) {
		uvm_node_uint(m, "staprun_skipped", l->stap_skipped);
		uvm_node_uint(m, "staprun_transport_failures", l->stap_transport);
	} else {
		uvm_node_null(m, "staprun_skipped");
		uvm_node_null(m, "staprun_transport_failures");
	}
	uvm_node_text(m, "stap_error", l->stap_error[0] ? l->stap_error : NULL);
	uvm_node_uint(m, "malformed_lines", l->malformed);
	bad = uvm_node_array(m, "first_malformed", "malformed");
	for (i = 0; i < l->malformed && i < UVM_BAD_LINES_KEPT; i++) {
		struct uvm_node *b = uvm_node_object(bad, NULL);

		uvm_node_uint(b, "line", l->bad[i].line);
		uvm_node_text(b, "error", l->bad[i].why);
	}
	return m;
}

/* Write n with f (open, write or close: n NULL) and free it. */
static int put(struct uvm_render *r, int (*f)(struct uvm_render *, const struct uvm_node *),
	       struct uvm_node *n)
{
	int rc = f(r, n);

	uvm_node_free(n);
	return rc;
}

/*
 * The model is built and rendered a part at a time: the head, then the
 * processes one by one, then the totals and the loss.  A whole tree of
 * a run of 3300 processes took 251 MB as json-c objects; a process's
 * subtree is a few KB.
 */
static int write_model(const struct uvm_profile *p, const struct uvm_report_opts *o,
		       struct uvm_render *r)
{
	size_t i;
	unsigned k;

	if (!r)
		return -1;
	if (put(r, uvm_render_open, m_head(p)) ||
	    put(r, uvm_render_open, uvm_node_new(UVM_NODE_ARRAY, "processes", "process")))
		return -1;
	for (i = 0; i < p->n_procs; i++)
		if (put(r, uvm_render_write, m_process(p, p->procs[i], o, NULL)))
			return -1;
	if (uvm_render_close(r) ||
	    put(r, uvm_render_open, uvm_node_new(UVM_NODE_ARRAY, "trees", "tree")))
		return -1;
	for (k = 0; k < p->targets.n && k < UVM_TARGETS_MAX; k++)
		if (put(r, uvm_render_write, m_tree_item(p, k, o)))
			return -1;
	if (uvm_render_close(r) ||
	    put(r, uvm_render_write, m_process(p, &p->totals, o, "totals")) ||
	    put(r, uvm_render_write, uvm_report_loss(p)) ||
	    (p->counted && put(r, uvm_render_write, m_counting(p))) ||
	    uvm_render_close(r))
		return -1;
	return 0;
}

/* The JSON report as a json-c tree, built a part at a time as
 * write_model() writes it: for reports kept as data (repeated runs,
 * diff's traces). */
struct json_object *uvm_report_json(const struct uvm_profile *p, const struct uvm_report_opts *o)
{
	struct uvm_node *n = m_head(p);
	json_object *j = uvm_node_json(n), *procs = json_object_new_array(), *trees;
	size_t i;
	unsigned k;

	uvm_node_free(n);
	if (!j || !procs)
		xoom(NULL);
	for (i = 0; i < p->n_procs; i++) {
		n = m_process(p, p->procs[i], o, NULL);
		if (json_object_array_add(procs, uvm_node_json(n)))
			xoom(NULL);
		uvm_node_free(n);
	}
	json_object_object_add(j, "processes", procs);
	trees = json_object_new_array();
	if (!trees)
		xoom(NULL);
	for (k = 0; k < p->targets.n && k < UVM_TARGETS_MAX; k++) {
		n = m_tree_item(p, k, o);
		if (json_object_array_add(trees, uvm_node_json(n)))
			xoom(NULL);
		uvm_node_free(n);
	}
	json_object_object_add(j, "trees", trees);
	n = m_process(p, &p->totals, o, "totals");
	json_object_object_add(j, "totals", uvm_node_json(n));
	uvm_node_free(n);
	n = uvm_report_loss(p);
	json_object_object_add(j, "loss", uvm_node_json(n));
	uvm_node_free(n);
	if ((n = m_counting(p))) {
		json_object_object_add(j, "counting", uvm_node_json(n));
		uvm_node_free(n);
	}
	return j;
}

int uvm_report_write(const struct uvm_profile *p, const struct uvm_report_opts *o, FILE *out)
{
	struct uvm_render *r;
	int rc = -1;

	switch (o->format) {
	case UVM_TEXT:
		return write_text(p, o, out);
	case UVM_JSON:
		r = uvm_render_json(out);
		rc = write_model(p, o, r);
		uvm_render_free(r);
		break;
	case UVM_XML:
		r = uvm_render_xml(out);
		rc = write_model(p, o, r);
		uvm_render_free(r);
		break;
	case UVM_PERFETTO:	/* streamed while parsing: perfetto.c */
	case UVM_FOLDED:	/* from the stacks seen while parsing: folded.c */
	case UVM_HTML:		/* html.c */
		errno = EINVAL;
		break;
	}
	return rc || ferror(out) ? -1 : 0;
}
