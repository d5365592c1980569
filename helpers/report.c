/*
 * report.c - profile writers: text (strace -c style), JSON (json-c) and
 * XML (libxml2's xmlTextWriter).  Escaping is the libraries' job.
 *
 * JSON and XML carry the same tree, documented in docs/uvm-collect.md
 * (schema version UVM_REPORT_VERSION) and docs/uvm-collect.xsd.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <libxml/xmlwriter.h>

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
static const char *rtext(const char *s, char **tmp)
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

/* fputs of rtext(s). */
static void put_text(FILE *out, const char *s)
{
	char *tmp;

	fputs(rtext(s, &tmp), out);
	free(tmp);
}

/* A JSON string of rtext(s), NULL (JSON null) for NULL. */
static json_object *j_text(const char *s)
{
	char *tmp;
	json_object *j;

	if (!s)
		return NULL;
	j = json_object_new_string(rtext(s, &tmp));
	free(tmp);
	return j;
}

#define UVM_REPORT_VERSION 1

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

/* The rows to show, sorted, at most top (0: all).  Caller frees. */
static const struct uvm_syscall_stat **sorted_syscalls(const struct uvm_process *pr,
						       const struct uvm_report_opts *o,
						       size_t *n)
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

static uint64_t pct(const struct uvm_syscall_stat *s, double q)
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
		fprintf(out, "%*.1f", w, (double)pct(s, q) / 1000.0);          \
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
	v = sorted_syscalls(pr, o, &n);
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

static void exit_desc(const struct uvm_process *pr, char *buf, size_t n)
{
	if (!pr->exited)
		snprintf(buf, n, "running");
	else if (pr->signal)
		snprintf(buf, n, "killed by signal %d%s", pr->signal, pr->core ? " (core dumped)" : "");
	else
		snprintf(buf, n, "exit %d", pr->status);
}

static void text_tree(FILE *out, const struct uvm_profile *p, const struct uvm_process *pr,
		      int depth)
{
	char st[64];
	size_t i;

	exit_desc(pr, st, sizeof(st));
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
		text_tree(out, p, pr->children[i], depth + 1);
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

/* summary: a summary-mode trace, which has no fault accesses, fault
 * sites or mmap-family records (those calls are in the syscall table). */
static void text_process(FILE *out, const struct uvm_process *pr,
			 const struct uvm_report_opts *o, int summary)
{
	const struct uvm_fault_stats *f = &pr->faults;
	char st[64];
	size_t i;

	exit_desc(pr, st, sizeof(st));
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
		fprintf(out, "\nAll processes\n");
	}
	if (pr->exited || pr->pid < 0)
		fprintf(out, "  kernel counters: cpu %.3f s user %.3f s system, %" PRIu64
			" minor / %" PRIu64 " major faults, %" PRIu64 " voluntary / %" PRIu64
			" involuntary context switches, peak RSS %" PRIu64 " KiB\n",
			(double)pr->utime_ns / 1e9, (double)pr->stime_ns / 1e9, pr->min_flt,
			pr->maj_flt, pr->nvcsw, pr->nivcsw, pr->maxrss_kb);
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
			pr->mem.brk > pr->mem.brk_start ? (pr->mem.brk - pr->mem.brk_start) / 1024 : 0,
			pr->mem.peak_brk > pr->mem.brk_start ? (pr->mem.peak_brk - pr->mem.brk_start) / 1024 : 0);
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

static int write_text(const struct uvm_profile *p, const struct uvm_report_opts *o, FILE *out)
{
	int summary = !strcmp(p->mode, "summary");
	size_t i;

	fprintf(out, "uvm profile: target %d, kernel %s, %s mode, %zu processes",
		p->target, p->kernel, p->mode, p->n_procs);
	if (p->start_ns >= 0 && p->end_ns >= p->start_ns)
		fprintf(out, ", %.3f s traced", (double)(p->end_ns - p->start_ns) / 1e9);
	fputc('\n', out);
	text_loss(out, p);
	fprintf(out, "\nProcess tree:\n");
	for (i = 0; i < p->n_procs; i++) {
		const struct uvm_process *pr = p->procs[i];
		if (!pr->parent)
			text_tree(out, p, pr, 0);
	}
	if (o->per_process)
		for (i = 0; i < p->n_procs; i++)
			text_process(out, p->procs[i], o, summary);
	text_process(out, &p->totals, o, summary);
	return ferror(out) ? -1 : 0;
}

/* ---- JSON ---- */

static json_object *j_u64(uint64_t v)
{
	return json_object_new_int64(v > INT64_MAX ? INT64_MAX : (int64_t)v);
}

static json_object *j_syscalls(const struct uvm_process *pr, const struct uvm_report_opts *o)
{
	json_object *arr = json_object_new_array();
	const struct uvm_syscall_stat **v;
	size_t n, i, e;

	v = sorted_syscalls(pr, o, &n);
	for (i = 0; i < n; i++) {
		const struct uvm_syscall_stat *s = v[i];
		json_object *js = json_object_new_object(), *errs = json_object_new_object();
		json_object_object_add(js, "name", j_text(s->name));
		json_object_object_add(js, "nr", json_object_new_int(s->nr));
		json_object_object_add(js, "calls", j_u64(s->count));
		json_object_object_add(js, "errors", j_u64(s->errors));
		json_object_object_add(js, "timed", j_u64(s->timed));
		json_object_object_add(js, "total_ns", j_u64(s->total_ns));
		json_object_object_add(js, "min_ns", j_u64(s->timed ? s->min_ns : 0));
		json_object_object_add(js, "max_ns", j_u64(s->max_ns));
		json_object_object_add(js, "p50_ns", j_u64(pct(s, 0.50)));
		json_object_object_add(js, "p95_ns", j_u64(pct(s, 0.95)));
		json_object_object_add(js, "p99_ns", j_u64(pct(s, 0.99)));
		for (e = 0; e < s->n_errnos; e++)
			json_object_object_add(errs, s->errnos[e].name, j_u64(s->errnos[e].count));
		json_object_object_add(js, "errnos", errs);
		json_object_array_add(arr, js);
	}
	free(v);
	return arr;
}

static json_object *j_faults(const struct uvm_process *pr, const struct uvm_report_opts *o)
{
	const struct uvm_fault_stats *f = &pr->faults;
	json_object *jf = json_object_new_object(), *regs = json_object_new_array();
	json_object *acc = json_object_new_object();
	size_t i;
	int k, a;

	for (k = 0; k < UVM_N_OUTCOMES; k++) {
		json_object *ja = json_object_new_object();
		json_object_object_add(jf, outcome_names[k], j_u64(f->count[k]));
		for (a = 0; a < UVM_N_ACCESS; a++)
			json_object_object_add(ja, access_names[a], j_u64(f->by_access[k][a]));
		json_object_object_add(acc, outcome_names[k], ja);
	}
	json_object_object_add(jf, "by_access", acc);
	json_object_object_add(jf, "kernel_mode", j_u64(f->kernel_mode));
	json_object_object_add(jf, "total_ns", j_u64(f->total_ns));
	for (i = 0; i < f->n_regions; i++) {
		json_object *r = json_object_new_object();
		json_object_object_add(r, "kind", j_text(f->regions[i].kind));
		json_object_object_add(r, "path", j_text(f->regions[i].path));
		for (k = 0; k < UVM_N_OUTCOMES; k++)
			json_object_object_add(r, outcome_names[k], j_u64(f->regions[i].count[k]));
		json_object_object_add(r, "total_ns", j_u64(f->regions[i].total_ns));
		json_object_array_add(regs, r);
	}
	json_object_object_add(jf, "regions", regs);
	if (pr->n_sites) {
		json_object *sites = json_object_new_array();
		size_t n;
		struct uvm_site *s = top_sites(pr, &n, 20);
		for (i = 0; i < n; i++) {
			json_object *js = json_object_new_object();
			char *sym = o->symbols ? uvm_symbolize(pr, s[i].ip, o->sysroot) : NULL;
			json_object_object_add(js, "ip", j_u64(s[i].ip));
			json_object_object_add(js, "symbol", j_text(sym));
			json_object_object_add(js, "count", j_u64(s[i].count));
			json_object_array_add(sites, js);
			free(sym);
		}
		free(s);
		json_object_object_add(jf, "sites", sites);
	}
	return jf;
}

static json_object *j_process(const struct uvm_process *pr, const struct uvm_report_opts *o)
{
	json_object *j = json_object_new_object(), *mem = json_object_new_object();
	json_object *ch = json_object_new_array();
	size_t i;

	if (pr->pid >= 0) {
		json_object_object_add(j, "id", json_object_new_int64(pr->id));
		json_object_object_add(j, "pid", json_object_new_int(pr->pid));
		json_object_object_add(j, "ppid", json_object_new_int(pr->ppid));
		json_object_object_add(j, "parent_id", pr->parent ?
				       json_object_new_int64(pr->parent->id) : NULL);
		json_object_object_add(j, "comm", j_text(pr->comm));
		json_object_object_add(j, "exe", j_text(pr->exe));
		json_object_object_add(j, "argv", j_text(pr->argv));
		json_object_object_add(j, "start_ns", json_object_new_int64(pr->start_ns));
		json_object_object_add(j, "end_ns", json_object_new_int64(pr->end_ns));
		json_object_object_add(j, "exited", json_object_new_boolean(pr->exited));
		json_object_object_add(j, "exit_status", pr->exited && !pr->signal ?
				       json_object_new_int(pr->status) : NULL);
		json_object_object_add(j, "signal", pr->exited && pr->signal ?
				       json_object_new_int(pr->signal) : NULL);
		json_object_object_add(j, "core_dumped", json_object_new_boolean(pr->core));
		for (i = 0; i < pr->n_children; i++)
			json_object_array_add(ch, json_object_new_int(pr->children[i]->pid));
	}
	json_object_object_add(j, "children", ch);
	json_object_object_add(j, "threads_created", j_u64(pr->threads));
	json_object_object_add(j, "execs", j_u64(pr->execs));
	json_object_object_add(j, "min_flt", j_u64(pr->min_flt));
	json_object_object_add(j, "maj_flt", j_u64(pr->maj_flt));
	json_object_object_add(j, "utime_ns", j_u64(pr->utime_ns));
	json_object_object_add(j, "stime_ns", j_u64(pr->stime_ns));
	json_object_object_add(j, "nvcsw", j_u64(pr->nvcsw));
	json_object_object_add(j, "nivcsw", j_u64(pr->nivcsw));
	json_object_object_add(j, "maxrss_kb", j_u64(pr->maxrss_kb));
	json_object_object_add(j, "syscalls", j_syscalls(pr, o));
	json_object_object_add(j, "faults", j_faults(pr, o));
	for (i = 0; i < 5; i++)
		json_object_object_add(mem, mm_op_names[i], j_u64(pr->mem.ops[i]));
	json_object_object_add(mem, "failed", j_u64(pr->mem.failed));
	json_object_object_add(mem, "regions", j_u64(pr->mem.n));
	json_object_object_add(mem, "mapped_bytes", j_u64(pr->mem.mapped));
	json_object_object_add(mem, "peak_mapped_bytes", j_u64(pr->mem.peak_mapped));
	json_object_object_add(mem, "heap_bytes", j_u64(pr->mem.brk > pr->mem.brk_start ?
							pr->mem.brk - pr->mem.brk_start : 0));
	json_object_object_add(mem, "peak_heap_bytes", j_u64(pr->mem.peak_brk > pr->mem.brk_start ?
							     pr->mem.peak_brk - pr->mem.brk_start : 0));
	json_object_object_add(j, "memory", mem);
	return j;
}

#define JSON_FLAGS (JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE)

/* s with ind after every newline (JSON strings hold none raw). */
static void put_indented(FILE *out, const char *s, const char *ind)
{
	for (; *s; s++) {
		fputc(*s, out);
		if (*s == '\n')
			fputs(ind, out);
	}
}

/* The processes are built, written and freed one at a time: a json-c
 * tree of the whole report took about 75 KB per process (251 MB for a
 * run of 3300), against 3 KB in the profile itself. */
static int write_json(const struct uvm_profile *p, const struct uvm_report_opts *o, FILE *out)
{
	json_object *root = json_object_new_object(), *tail = json_object_new_object();
	json_object *loss = json_object_new_object(), *bad = json_object_new_array();
	const struct uvm_loss *l = &p->loss;
	const char *str;
	size_t i, n;

	json_object_object_add(root, "uvm_report_version", json_object_new_int(UVM_REPORT_VERSION));
	json_object_object_add(root, "trace_version", json_object_new_int(p->version));
	json_object_object_add(root, "kernel", j_text(p->kernel));
	json_object_object_add(root, "mode", j_text(p->mode));
	json_object_object_add(root, "snapshots", j_u64(p->snapshots));
	json_object_object_add(root, "target", json_object_new_int(p->target));
	json_object_object_add(root, "follow", json_object_new_boolean(p->follow));
	json_object_object_add(root, "start_ns", json_object_new_int64(p->start_ns));
	json_object_object_add(root, "end_ns", json_object_new_int64(p->end_ns));
	json_object_object_add(root, "realtime_ns", json_object_new_int64(p->realtime_ns));
	/* the head object without its closing brace */
	str = json_object_to_json_string_ext(root, JSON_FLAGS);
	n = strlen(str);
	while (n && str[n - 1] != '}')
		n--;
	while (n > 1 && (str[n - 2] == '\n' || str[n - 2] == ' '))
		n--;
	fwrite(str, 1, n ? n - 1 : 0, out);
	json_object_put(root);
	fputs(",\n  \"processes\":[", out);
	for (i = 0; i < p->n_procs; i++) {
		json_object *jp = j_process(p->procs[i], o);
		fputs(i ? ",\n    " : "\n    ", out);
		put_indented(out, json_object_to_json_string_ext(jp, JSON_FLAGS), "    ");
		json_object_put(jp);
	}
	fputs(p->n_procs ? "\n  ]" : "]", out);

	json_object_object_add(tail, "totals", j_process(&p->totals, o));
	json_object_object_add(loss, "complete", json_object_new_boolean(l->have_trailer));
	json_object_object_add(loss, "records_written", j_u64(l->records_written));
	json_object_object_add(loss, "records_read", j_u64(l->records_read));
	json_object_object_add(loss, "dropped", j_u64(l->dropped));
	json_object_object_add(loss, "skipped", j_u64(l->skipped));
	json_object_object_add(loss, "transport_failures", j_u64(l->transport));
	json_object_object_add(loss, "probe_errors", j_u64(l->errors));
	json_object_object_add(loss, "staprun_skipped", l->stap_reported ? j_u64(l->stap_skipped) : NULL);
	json_object_object_add(loss, "staprun_transport_failures",
			       l->stap_reported ? j_u64(l->stap_transport) : NULL);
	json_object_object_add(loss, "stap_error",
			       l->stap_error[0] ? j_text(l->stap_error) : NULL);
	json_object_object_add(loss, "malformed_lines", j_u64(l->malformed));
	for (i = 0; i < l->malformed && i < UVM_BAD_LINES_KEPT; i++) {
		json_object *b = json_object_new_object();
		json_object_object_add(b, "line", j_u64(l->bad[i].line));
		json_object_object_add(b, "error", j_text(l->bad[i].why));
		json_object_array_add(bad, b);
	}
	json_object_object_add(loss, "first_malformed", bad);
	json_object_object_add(tail, "loss", loss);
	/* the tail object without its opening brace */
	str = json_object_to_json_string_ext(tail, JSON_FLAGS);
	fprintf(out, ",%s\n", str + 1);
	json_object_put(tail);
	return ferror(out) ? -1 : 0;
}

/* ---- XML ---- */

#define X_OK(call) do { if ((call) < 0) goto fail; } while (0)

static int x_u64(xmlTextWriterPtr w, const char *name, uint64_t v)
{
	return xmlTextWriterWriteFormatAttribute(w, BAD_CAST name, "%" PRIu64, v);
}

static int x_str(xmlTextWriterPtr w, const char *name, const char *v)
{
	char *tmp;
	int rc;

	if (!v)
		return 0;
	rc = xmlTextWriterWriteAttribute(w, BAD_CAST name, BAD_CAST rtext(v, &tmp));
	free(tmp);
	return rc;
}

static int x_process(xmlTextWriterPtr w, const struct uvm_process *pr,
		     const struct uvm_report_opts *o, const char *elem)
{
	const struct uvm_syscall_stat **v = NULL;
	size_t n, i, e;
	int k;

	X_OK(xmlTextWriterStartElement(w, BAD_CAST elem));
	if (pr->pid >= 0) {
		X_OK(xmlTextWriterWriteFormatAttribute(w, BAD_CAST "id", "%u", pr->id));
		X_OK(xmlTextWriterWriteFormatAttribute(w, BAD_CAST "pid", "%d", pr->pid));
		X_OK(xmlTextWriterWriteFormatAttribute(w, BAD_CAST "ppid", "%d", pr->ppid));
		if (pr->parent)
			X_OK(xmlTextWriterWriteFormatAttribute(w, BAD_CAST "parent_id", "%u",
							       pr->parent->id));
		X_OK(x_str(w, "comm", pr->comm));
		X_OK(x_str(w, "exe", pr->exe));
		X_OK(x_str(w, "argv", pr->argv));
		X_OK(x_str(w, "exited", pr->exited ? "true" : "false"));
		if (pr->exited && !pr->signal)
			X_OK(xmlTextWriterWriteFormatAttribute(w, BAD_CAST "exit_status", "%d", pr->status));
		if (pr->exited && pr->signal)
			X_OK(xmlTextWriterWriteFormatAttribute(w, BAD_CAST "signal", "%d", pr->signal));
	}
	X_OK(x_u64(w, "min_flt", pr->min_flt));
	X_OK(x_u64(w, "maj_flt", pr->maj_flt));
	X_OK(x_u64(w, "utime_ns", pr->utime_ns));
	X_OK(x_u64(w, "stime_ns", pr->stime_ns));
	X_OK(x_u64(w, "maxrss_kb", pr->maxrss_kb));
	X_OK(x_u64(w, "threads_created", pr->threads));
	X_OK(xmlTextWriterStartElement(w, BAD_CAST "syscalls"));
	v = sorted_syscalls(pr, o, &n);
	for (i = 0; i < n; i++) {
		const struct uvm_syscall_stat *s = v[i];
		X_OK(xmlTextWriterStartElement(w, BAD_CAST "syscall"));
		X_OK(x_str(w, "name", s->name));
		X_OK(xmlTextWriterWriteFormatAttribute(w, BAD_CAST "nr", "%d", s->nr));
		X_OK(x_u64(w, "calls", s->count));
		X_OK(x_u64(w, "errors", s->errors));
		X_OK(x_u64(w, "total_ns", s->total_ns));
		X_OK(x_u64(w, "min_ns", s->timed ? s->min_ns : 0));
		X_OK(x_u64(w, "max_ns", s->max_ns));
		X_OK(x_u64(w, "p50_ns", pct(s, 0.50)));
		X_OK(x_u64(w, "p95_ns", pct(s, 0.95)));
		X_OK(x_u64(w, "p99_ns", pct(s, 0.99)));
		for (e = 0; e < s->n_errnos; e++) {
			X_OK(xmlTextWriterStartElement(w, BAD_CAST "errno"));
			X_OK(x_str(w, "name", s->errnos[e].name));
			X_OK(x_u64(w, "count", s->errnos[e].count));
			X_OK(xmlTextWriterEndElement(w));
		}
		X_OK(xmlTextWriterEndElement(w));
	}
	X_OK(xmlTextWriterEndElement(w));
	X_OK(xmlTextWriterStartElement(w, BAD_CAST "faults"));
	for (k = 0; k < UVM_N_OUTCOMES; k++)
		X_OK(x_u64(w, outcome_names[k], pr->faults.count[k]));
	X_OK(x_u64(w, "kernel_mode", pr->faults.kernel_mode));
	for (i = 0; i < pr->faults.n_regions; i++) {
		const struct uvm_fault_region *r = &pr->faults.regions[i];
		X_OK(xmlTextWriterStartElement(w, BAD_CAST "region"));
		X_OK(x_str(w, "kind", r->kind));
		X_OK(x_str(w, "path", r->path));
		for (k = 0; k < UVM_N_OUTCOMES; k++)
			X_OK(x_u64(w, outcome_names[k], r->count[k]));
		X_OK(xmlTextWriterEndElement(w));
	}
	X_OK(xmlTextWriterEndElement(w));
	X_OK(xmlTextWriterStartElement(w, BAD_CAST "memory"));
	for (k = 0; k < 5; k++)
		X_OK(x_u64(w, mm_op_names[k], pr->mem.ops[k]));
	X_OK(x_u64(w, "failed", pr->mem.failed));
	X_OK(x_u64(w, "peak_mapped_bytes", pr->mem.peak_mapped));
	X_OK(xmlTextWriterEndElement(w));
	for (i = 0; i < pr->n_children; i++) {
		X_OK(xmlTextWriterStartElement(w, BAD_CAST "child"));
		X_OK(xmlTextWriterWriteFormatAttribute(w, BAD_CAST "id", "%u", pr->children[i]->id));
		X_OK(xmlTextWriterWriteFormatAttribute(w, BAD_CAST "pid", "%d", pr->children[i]->pid));
		X_OK(xmlTextWriterEndElement(w));
	}
	X_OK(xmlTextWriterEndElement(w));
	free(v);
	return 0;
fail:
	free(v);
	return -1;
}

static int write_xml(const struct uvm_profile *p, const struct uvm_report_opts *o, FILE *out)
{
	xmlBufferPtr buf = xmlBufferCreate();
	xmlTextWriterPtr w = buf ? xmlNewTextWriterMemory(buf, 0) : NULL;
	const struct uvm_loss *l = &p->loss;
	size_t i;
	int rc = -1;

	if (!w)
		goto out;
	xmlTextWriterSetIndent(w, 1);
	X_OK(xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL));
	X_OK(xmlTextWriterStartElement(w, BAD_CAST "uvm-profile"));
	X_OK(xmlTextWriterWriteFormatAttribute(w, BAD_CAST "report-version", "%d", UVM_REPORT_VERSION));
	X_OK(xmlTextWriterWriteFormatAttribute(w, BAD_CAST "trace-version", "%d", p->version));
	X_OK(x_str(w, "kernel", p->kernel));
	X_OK(x_str(w, "mode", p->mode));
	X_OK(x_u64(w, "snapshots", p->snapshots));
	X_OK(xmlTextWriterWriteFormatAttribute(w, BAD_CAST "target", "%d", p->target));
	X_OK(xmlTextWriterStartElement(w, BAD_CAST "loss"));
	X_OK(x_str(w, "complete", l->have_trailer ? "true" : "false"));
	X_OK(x_u64(w, "records_written", l->records_written));
	X_OK(x_u64(w, "records_read", l->records_read));
	X_OK(x_u64(w, "dropped", l->dropped));
	X_OK(x_u64(w, "skipped", l->skipped));
	X_OK(x_u64(w, "transport_failures", l->transport));
	X_OK(x_u64(w, "malformed_lines", l->malformed));
	if (l->stap_error[0])
		X_OK(x_str(w, "stap_error", l->stap_error));
	for (i = 0; i < l->malformed && i < UVM_BAD_LINES_KEPT; i++) {
		X_OK(xmlTextWriterStartElement(w, BAD_CAST "malformed"));
		X_OK(x_u64(w, "line", l->bad[i].line));
		{
			char *tmp;
			int wr = xmlTextWriterWriteString(w, BAD_CAST rtext(l->bad[i].why, &tmp));
			free(tmp);
			X_OK(wr);
		}
		X_OK(xmlTextWriterEndElement(w));
	}
	X_OK(xmlTextWriterEndElement(w));
	for (i = 0; i < p->n_procs; i++)
		X_OK(x_process(w, p->procs[i], o, "process"));
	X_OK(x_process(w, &p->totals, o, "totals"));
	X_OK(xmlTextWriterEndElement(w));
	X_OK(xmlTextWriterEndDocument(w));
	xmlFreeTextWriter(w);
	w = NULL;
	{
		/* accessors, not members: libxml2 2.14 deprecates the latter */
		size_t n = (size_t)xmlBufferLength(buf);
		rc = fwrite(xmlBufferContent(buf), 1, n, out) == n && !ferror(out) ? 0 : -1;
	}
	goto out;
fail:
	rc = -1;
out:
	if (w)
		xmlFreeTextWriter(w);
	if (buf)
		xmlBufferFree(buf);
	return rc;
}

int uvm_report_write(const struct uvm_profile *p, const struct uvm_report_opts *o, FILE *out)
{
	switch (o->format) {
	case UVM_TEXT: return write_text(p, o, out);
	case UVM_JSON: return write_json(p, o, out);
	case UVM_XML: return write_xml(p, o, out);
	}
	return -1;
}
