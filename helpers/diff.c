/*
 * diff.c - uvm-collect diff BASE NEW: what changed between two profiles.
 *
 * BASE and NEW are JSON reports (uvm-collect -f json) or traces, which
 * are profiled first.  Processes are matched by their place in the tree,
 * not by PID: a process's key is its parent's key, then its executable's
 * name and its rank among its siblings of that name ("make#1/cc1#2": the
 * second cc1 under the first make).  For each matched process, and for
 * all processes together, the rows compare system calls (calls, and
 * errors by errno), page faults (minor, major, by region), peak mapped
 * memory, latency (total, p50, p95, p99) and CPU time: the rows of rows.c, which
 * repeated runs (runs.c) summarize too.
 *
 * A side may be repeated runs ({"runs": [report, ...]}): each row then
 * has a value per run, and base and new are the medians.  A run without
 * a row counts 0 in it, but for an optional row (a percentile, a CPU
 * time: rows.h), which has the values of the runs that have it, and is
 * left out when a side has none.  Counts the same in every run of a side
 * compare exactly: a row changed when they differ by at least the
 * threshold (a share of the base).  Latencies and counts that vary are
 * judged with the Mann-Whitney U test (stats.c), Holm-corrected over the
 * rows, when both sides have MIN_RUNS values, and shown but not judged
 * otherwise, or when even samples completely apart could not be
 * significant over that many rows (too few runs: underpowered).  A row
 * is a regression when it grew
 * in a category of --fail-on; the exit status says whether there was
 * one (docs/uvm-collect.md, "Comparing runs").
 *
 * diff --folded compares stacks instead: two traces with stacks, or
 * folded stacks, written as "stack BASE NEW" lines (difffolded.pl's
 * format) for a differential flame graph.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "model.h"
#include "rows.h"
#include "uvm_profile.h"
#include "util.h"

enum verdict { V_SAME, V_REGRESSION, V_IMPROVEMENT, V_CHANGED, V_UNJUDGED };
static const char *const verdict_names[] = { "~", "regression", "improvement", "changed", "not judged" };

/* The least runs a side needs for the statistical test. */
#define MIN_RUNS 5

struct row {
	char *proc;		/* the process's key, or "all" */
	char *comm;
	char *metric;
	enum uvm_row_cat cat;
	int optional;		/* rows.h: a run without it has no value */
	/* as collected: one run's value (side, run); merged: each side's
	 * values (a run without the row counts 0, or, optional, has none),
	 * nv[side] of them, and their medians */
	int side;
	size_t run;
	uint64_t *runs[2];
	size_t nv[2];
	uint64_t v[2];		/* base, new: the medians */
	double p, p_adj;	/* the test's p-values; -1: not tested */
	enum verdict verdict;
	double change;		/* (new - base) / base, or HUGE_VAL from 0 */
};

struct diff {
	size_t n, cap;
	struct row *rows;
	size_t runs[2];		/* runs of base and new */
	double threshold;	/* a share: 0.05 */
	double alpha;		/* the test's level: 0.05 */
	unsigned fail_on;	/* bit per category */
	size_t run;		/* the run being collected */
	size_t tested;		/* rows tested (Holm's m) */
	/* the smallest p any tested row could have had (its values
	 * completely apart); underpowered: even that is not significant
	 * over the tested rows (above alpha / tested), so none was judged */
	double min_p;
	int underpowered;
};

static void add(struct diff *d, int side, const char *proc, const char *comm,
		enum uvm_row_cat cat, int optional, const char *metric, uint64_t v)
{
	struct row *r;

	GROW(d->rows, d->n, d->cap);
	r = &d->rows[d->n++];
	memset(r, 0, sizeof(*r));
	r->proc = xstrdup(proc);
	r->comm = xstrdup(comm ? comm : "");
	r->metric = xstrdup(metric);
	r->cat = cat;
	r->optional = optional;
	r->side = side;
	r->run = d->run;
	r->v[side] = v;
}

static int by_key(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c = strcmp(x->proc, y->proc);

	return c ? c : strcmp(x->metric, y->metric);
}

/* Judged changes first, then latencies (not judged), then the rest. */
static int tier(const struct row *r)
{
	return r->verdict == V_SAME ? 2 : r->verdict == V_UNJUDGED ? 1 : 0;
}

/* By tier, then the largest change first, then in key order. */
static int by_size(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	double sx = fabs(x->change), sy = fabs(y->change);

	if (tier(x) != tier(y))
		return tier(x) - tier(y);
	if (tier(x) < 2 && sx != sy)
		return sx < sy ? 1 : -1;
	return by_key(a, b);
}

static int constant(const uint64_t *v, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (v[i] != v[0])
			return 0;
	return 1;
}

/*
 * A row's verdict, but for the statistical test's (judge_tested()):
 * equal is ~; counts the same in every run of each side compare exactly
 * against the threshold; the rest (latencies, counts that vary) need
 * MIN_RUNS values a side for the test, else they are shown, not judged.
 */
static void judge(struct diff *d, struct row *r)
{
	const uint64_t *x = r->runs[0], *y = r->runs[1];
	size_t nx = r->nv[0], ny = r->nv[1];
	uint64_t b, n;

	r->v[0] = b = uvm_median_u64(x, nx);
	r->v[1] = n = uvm_median_u64(y, ny);
	r->change = b ? ((double)n - (double)b) / (double)b : n ? HUGE_VAL : 0;
	r->p = r->p_adj = -1;
	if (b == n && constant(x, nx) && constant(y, ny))
		r->verdict = V_SAME;
	else if (!UVM_ROW_TIMING(r->cat) && constant(x, nx) && constant(y, ny))
		r->verdict = fabs(r->change) < d->threshold ? V_SAME :
			     !(d->fail_on & (1u << r->cat)) ? V_CHANGED :
			     n > b ? V_REGRESSION : V_IMPROVEMENT;
	else if (nx >= MIN_RUNS && ny >= MIN_RUNS)
		r->p = uvm_mann_whitney(x, nx, y, ny);
	else
		r->verdict = V_UNJUDGED;
}

/*
 * The tested rows: Holm's adjustment over all of them, then a change is
 * one significant at alpha that also clears the threshold (medians).
 * Holm's first step needs a p at most alpha / m: when no tested row
 * could have one, even with its values completely apart, nothing can
 * be found (too few runs for so many rows), and the rows are shown, not
 * judged, rather than said to be unchanged.
 */
static void judge_tested(struct diff *d)
{
	double *p = xcalloc(d->n, sizeof(*p)), *adj = xcalloc(d->n, sizeof(*adj));
	size_t *at = xcalloc(d->n, sizeof(*at)), m = 0, i;

	d->min_p = 1;
	for (i = 0; i < d->n; i++)
		if (d->rows[i].p >= 0) {
			double mp = uvm_mann_whitney_min_p(d->rows[i].nv[0], d->rows[i].nv[1]);

			if (mp < d->min_p)
				d->min_p = mp;
			at[m] = i;
			p[m++] = d->rows[i].p;
		}
	d->tested = m;
	d->underpowered = m && d->min_p > d->alpha / (double)m;
	uvm_holm(p, m, adj);
	for (i = 0; i < m; i++) {
		struct row *r = &d->rows[at[i]];

		r->p_adj = adj[i];
		if (d->underpowered)
			r->verdict = V_UNJUDGED;
		else if (adj[i] >= d->alpha || fabs(r->change) < d->threshold || r->v[0] == r->v[1])
			r->verdict = V_SAME;
		else if (!(d->fail_on & (1u << r->cat)))
			r->verdict = V_CHANGED;
		else
			r->verdict = r->v[1] > r->v[0] ? V_REGRESSION : V_IMPROVEMENT;
	}
	free(p);
	free(adj);
	free(at);
}

/* Merge the runs' rows (sorted by key) into one per key and judge them;
 * an optional row that a side has in no run is left out. */
static size_t merge(struct diff *d)
{
	size_t i, j, m = 0;
	int s;

	qsort(d->rows, d->n, sizeof(*d->rows), by_key);
	for (i = 0; i < d->n; i = j) {
		struct row r = d->rows[i];
		char *has[2];

		for (s = 0; s < 2; s++) {
			r.runs[s] = xcalloc(d->runs[s], sizeof(uint64_t));
			has[s] = xcalloc(d->runs[s] + 1, 1);
		}
		for (j = i; j < d->n && !by_key(&d->rows[i], &d->rows[j]); j++) {
			const struct row *x = &d->rows[j];

			r.runs[x->side][x->run] = sat_add(r.runs[x->side][x->run], x->v[x->side]);
			has[x->side][x->run] = 1;
			if (j == i)
				continue;
			if (!r.comm[0]) {
				free(r.comm);
				r.comm = d->rows[j].comm;
				d->rows[j].comm = NULL;
			}
			free(d->rows[j].proc);
			free(d->rows[j].comm);
			free(d->rows[j].metric);
		}
		for (s = 0; s < 2; s++) {
			r.nv[s] = uvm_row_values(r.optional, r.runs[s], has[s], d->runs[s]);
			free(has[s]);
		}
		if (!r.nv[0] || !r.nv[1]) {
			free(r.runs[0]);
			free(r.runs[1]);
			free(r.proc);
			free(r.comm);
			free(r.metric);
			continue;
		}
		judge(d, &r);
		d->rows[m++] = r;
	}
	d->n = m;
	judge_tested(d);
	qsort(d->rows, d->n, sizeof(*d->rows), by_size);
	return m;
}

static void fmt_change(char *b, size_t n, const struct row *r)
{
	if (r->v[0] == r->v[1])
		snprintf(b, n, "0%%");
	else if (isinf(r->change))
		snprintf(b, n, "new");
	else
		snprintf(b, n, "%+.1f%%", 100 * r->change);
}

/* Text: every row that differs (under the threshold: ~), and with all
 * the equal ones too. */
static int write_text(const struct diff *d, const char *base, const char *new, int all, FILE *out)
{
	size_t i, reg = 0, same = 0, equal = 0;
	int many = d->runs[0] > 1 || d->runs[1] > 1;
	char ch[32], p[32];

	fprintf(out, "uvm diff: %s (%zu run%s) -> %s (%zu run%s); threshold %.1f%%, fail on:", base,
		d->runs[0], d->runs[0] == 1 ? "" : "s", new, d->runs[1], d->runs[1] == 1 ? "" : "s",
		100 * d->threshold);
	for (i = 0; i < UVM_ROW_N_CATS; i++)
		if (d->fail_on & (1u << i))
			fprintf(out, " %s", uvm_row_cat_names[i]);
	if (d->underpowered)
		fprintf(out, "\nLatencies (and counts that vary between runs) are shown, not judged: too "
			"few runs for %zu rows.  With %zu and %zu runs the smallest p is %.2g (the runs "
			"completely apart); Holm-corrected over %zu rows it would need %.2g (alpha %g / "
			"%zu).  More runs can judge them.\n\n",
			d->tested, d->runs[0], d->runs[1], d->min_p, d->tested, d->alpha / (double)d->tested,
			d->alpha, d->tested);
	else if (d->runs[0] >= MIN_RUNS && d->runs[1] >= MIN_RUNS)
		fprintf(out, "\nValues that vary between runs: Mann-Whitney U, alpha %g, Holm-corrected "
			"over %zu rows (p); base and new are medians.\n\n", d->alpha, d->tested);
	else
		fprintf(out, "\nLatencies (and counts that vary between runs) are shown, not judged: that "
			"needs at least %d runs on each side.%s\n\n", MIN_RUNS,
			many ? " Base and new are medians." : "");
	fprintf(out, "%-32s %-36s %14s %14s %10s %8s  %s\n", "process", "metric", "base", "new", "change",
		"p", "verdict");
	for (i = 0; i < d->n; i++) {
		const struct row *r = &d->rows[i];

		reg += r->verdict == V_REGRESSION;
		same += r->verdict == V_SAME;
		if (r->verdict == V_SAME && r->v[0] == r->v[1] && !all) {
			equal++;
			continue;
		}
		fmt_change(ch, sizeof(ch), r);
		if (r->p_adj >= 0)
			snprintf(p, sizeof(p), "%.3g", r->p_adj);
		else
			snprintf(p, sizeof(p), "-");
		fprintf(out, "%-32s %-36s %14" PRIu64 " %14" PRIu64 " %10s %8s  %s\n", r->proc, r->metric,
			r->v[0], r->v[1], ch, p, verdict_names[r->verdict]);
	}
	fprintf(out, "\n%zu rows: %zu regressions, %zu without a change (~)", d->n, reg, same);
	if (equal)
		fprintf(out, ", %zu of them equal and not shown (--all shows them)", equal);
	fputs("\n", out);
	return ferror(out) ? -1 : 0;
}

static int write_json(const struct diff *d, const char *base, const char *new, FILE *out)
{
	struct uvm_render *r = uvm_render_json(out);
	struct uvm_node *root = uvm_node_new(UVM_NODE_OBJECT, "uvm-diff", NULL), *fo, *rows;
	size_t i, reg = 0;
	int rc;

	for (i = 0; i < d->n; i++)
		reg += d->rows[i].verdict == V_REGRESSION;
	uvm_node_int(root, "uvm_diff_version", 1);
	uvm_node_string(root, "base", base);
	uvm_node_string(root, "new", new);
	uvm_node_double(root, "threshold", d->threshold);
	fo = uvm_node_array(root, "fail_on", "category");
	for (i = 0; i < UVM_ROW_N_CATS; i++)
		if (d->fail_on & (1u << i))
			uvm_node_string(fo, NULL, uvm_row_cat_names[i]);
	uvm_node_uint(root, "base_runs", d->runs[0]);
	uvm_node_uint(root, "new_runs", d->runs[1]);
	uvm_node_double(root, "alpha", d->alpha);
	uvm_node_bool(root, "latency_judged", d->runs[0] >= MIN_RUNS && d->runs[1] >= MIN_RUNS &&
			!d->underpowered);
	uvm_node_uint(root, "rows_tested", d->tested);
	if (d->tested)
		uvm_node_double(root, "min_p", d->min_p);
	else
		uvm_node_null(root, "min_p");
	uvm_node_uint(root, "regressions", reg);
	rows = uvm_node_array(root, "rows", "row");
	for (i = 0; i < d->n; i++) {
		const struct row *w = &d->rows[i];
		struct uvm_node *m = uvm_node_object(rows, NULL);

		uvm_node_text(m, "process", w->proc);
		uvm_node_text(m, "comm", w->comm);
		uvm_node_text(m, "metric", w->metric);
		uvm_node_string(m, "category", uvm_row_cat_names[w->cat]);
		uvm_node_uint(m, "base", w->v[0]);
		uvm_node_uint(m, "new", w->v[1]);
		if (isinf(w->change))
			uvm_node_null(m, "change");
		else
			uvm_node_double(m, "change", w->change);
		if (d->runs[0] > 1 || d->runs[1] > 1) {
			int k;

			for (k = 0; k < 2; k++) {
				struct uvm_node *a = uvm_node_array(m, k ? "new_runs" : "base_runs", "run");
				size_t j;

				for (j = 0; j < w->nv[k]; j++)
					uvm_node_uint(a, NULL, w->runs[k][j]);
			}
		}
		if (w->p >= 0) {
			uvm_node_double(m, "p", w->p);
			uvm_node_double(m, "p_holm", w->p_adj);
		} else {
			uvm_node_null(m, "p");
			uvm_node_null(m, "p_holm");
		}
		uvm_node_string(m, "verdict", verdict_names[w->verdict]);
	}
	rc = !r || uvm_render_open(r, root) || uvm_render_close(r);
	uvm_node_free(root);
	uvm_render_free(r);
	return rc || ferror(out) ? -1 : 0;
}

/* ---- differential folded stacks: diff --folded ---- */

struct fstack {
	char *s;		/* "frame;...;frame" */
	int side;
	uint64_t n;
};

struct fstacks {
	size_t n, cap;
	struct fstack *v;
	int side;		/* of the stacks being added */
};

static int fs_add(void *arg, const char *line, uint64_t w)
{
	struct fstacks *fs = arg;

	GROW(fs->v, fs->n, fs->cap);
	fs->v[fs->n].s = xstrdup(line);
	fs->v[fs->n].side = fs->side;
	fs->v[fs->n++].n = w;
	return 0;
}

/* The stacks of a trace recorded with stacks, folded by weight. */
static int folded_trace(struct fstacks *fs, int fd, const char *path, enum uvm_weight weight,
			int symbols, char *err, size_t errlen)
{
	struct uvm_profile *p = uvm_profile_new();
	struct uvm_folded *fo = uvm_folded_new(weight);
	int rc = -1;

	p->sink = uvm_folded_sink(fo);
	if (uvm_parse_fd(p, fd, path, err, errlen))
		goto out;
	uvm_profile_finish(p);
	if (!p->stacks) {
		snprintf(err, errlen, "%s: the trace has no stacks (record them with --stacks, "
			 "or uvm.stp -G stacks=1)", path);
		goto out;
	}
	/* compared as it is, as the reports are, but said */
	if (uvm_loss_incomplete(&p->loss))
		fprintf(stderr, "uvm-collect diff: %s: the trace is incomplete (cut short, events "
			"dropped or lines malformed): its stacks are what arrived\n", path);
	rc = uvm_folded_each(fo, NULL, symbols, fs_add, fs);
out:
	uvm_folded_free(fo);
	uvm_profile_free(p);
	return rc;
}

/* Folded lines, "frame;...;frame COUNT"; empty lines are skipped. */
static int folded_lines(struct fstacks *fs, FILE *f, const char *path, char *err, size_t errlen)
{
	char *line = NULL, *sp, *end;
	size_t cap = 0, no = 0;
	ssize_t len;
	uint64_t n;
	int rc = 0;

	while ((len = getline(&line, &cap, f)) >= 0) {
		no++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (!len)
			continue;
		sp = strrchr(line, ' ');
		errno = 0;
		if (!sp || sp == line || !sp[1] || sp[1] < '0' || sp[1] > '9' ||
		    (n = strtoull(sp + 1, &end, 10), errno || *end)) {
			snprintf(err, errlen, "%s:%zu: neither a uvm trace nor folded stacks "
				 "(\"frame;...;frame COUNT\" lines)", path, no);
			rc = -1;
			break;
		}
		*sp = '\0';
		fs_add(fs, line, n);
	}
	if (!rc && ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	free(line);
	return rc;
}

/* One side's stacks from path: a uvm trace (its header line tells) or
 * folded stacks. */
static int folded_load(struct fstacks *fs, const char *path, enum uvm_weight weight, int symbols,
		       char *err, size_t errlen)
{
	static const char magic[] = "H\tuvm-trace\t";
	char head[sizeof(magic)] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;
	ssize_t got;
	FILE *f;

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	got = read(fd, head, sizeof(head) - 1);
	if (got < 0 || lseek(fd, 0, SEEK_SET) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (got == (ssize_t)sizeof(magic) - 1 && !memcmp(head, magic, sizeof(magic) - 1)) {
		rc = folded_trace(fs, fd, path, weight, symbols, err, errlen);
		close(fd);
		return rc;
	}
	if (!(f = fdopen(fd, "r"))) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	rc = folded_lines(fs, f, path, err, errlen);
	fclose(f);
	return rc;
}

static int by_stack(const void *a, const void *b)
{
	const struct fstack *x = a, *y = b;

	return strcmp(x->s, y->s);
}

/* "stack BASE NEW" lines, one per stack on either side (0 where it is
 * not), sorted by stack: what difffolded.pl writes and flamegraph.pl
 * draws as a differential flame graph. */
static int folded_write(struct fstacks *fs, FILE *out)
{
	size_t i, j;

	qsort(fs->v, fs->n, sizeof(*fs->v), by_stack);
	for (i = 0; i < fs->n; i = j) {
		uint64_t w[2] = { 0, 0 };

		for (j = i; j < fs->n && !strcmp(fs->v[j].s, fs->v[i].s); j++)
			w[fs->v[j].side] = sat_add(w[fs->v[j].side], fs->v[j].n);
		if (fprintf(out, "%s %" PRIu64 " %" PRIu64 "\n", fs->v[i].s, w[0], w[1]) < 0)
			return -1;
	}
	return ferror(out) ? -1 : 0;
}

static int folded_main(const char *base, const char *new, const char *output,
		       enum uvm_weight weight, int symbols)
{
	struct fstacks fs = { 0 };
	const char *path[2] = { base, new };
	char err[512];
	FILE *out = stdout;
	int rc = 0, bad;
	size_t i;

	for (fs.side = 0; fs.side < 2; fs.side++)
		if (folded_load(&fs, path[fs.side], weight, symbols, err, sizeof(err))) {
			fprintf(stderr, "uvm-collect diff: %s\n", err);
			rc = 2;
			goto out;
		}
	if (output && !(out = fopen(output, "w"))) {
		fprintf(stderr, "uvm-collect diff: %s: %s\n", output, strerror(errno));
		rc = 4;
		goto out;
	}
	bad = folded_write(&fs, out) != 0;
	bad |= (out != stdout ? fclose(out) : fflush(out)) != 0;
	if (bad) {
		fprintf(stderr, "uvm-collect diff: %s: writing: %s\n", output ? output : "<stdout>", strerror(errno));
		rc = 4;
	}
out:
	for (i = 0; i < fs.n; i++)
		free(fs.v[i].s);
	free(fs.v);
	return rc;
}

static void diff_usage(FILE *out)
{
	fprintf(out,
"Usage: uvm-collect diff [OPTIONS] BASE NEW\n"
"       uvm-collect diff --folded [--weight W] [-o FILE] BASE NEW\n"
"\n"
"Compare two profiles: JSON reports (uvm-collect -f json), traces, or\n"
"repeated runs ({\"runs\": [report, ...]}: uvm-collect --repeat N -f json, or\n"
"--runs -f json TRACE...; any other member, such as their summary, is ignored).\n"
"Processes are matched by their place in the tree and their executable's\n"
"name, not by PID.  Rows: system calls (calls, errors by errno), page faults\n"
"(minor, major, by region), peak mapped memory, latency (total, p50, p95,\n"
"p99), CPU time, per process and for all processes together; changes first, the\n"
"largest first.  Counts equal in every run of a side compare exactly; the\n"
"rest (times, counts that vary) by the Mann-Whitney U test when both\n"
"sides have at least 5 runs (alpha 0.05, Holm-corrected over the rows),\n"
"else they are shown, not judged, as they are when even runs completely apart\n"
"could not be significant over that many rows.  A percentile or CPU time is\n"
"compared over the runs that have it.  A change must also clear the threshold.\n"
"\n"
"  -f, --format FMT     text (default) or json\n"
"  -o, --output FILE    write to FILE (default: stdout)\n"
"      --threshold PCT  a count changed when it moved by at least PCT percent\n"
"                       of the base (default 5; 0: any change)\n"
"      --alpha A        the test's level (default 0.05): at most this chance of\n"
"                       any false finding among the tested rows\n"
"      --fail-on LIST   what growing is a regression: calls, errors, faults,\n"
"                       memory, latency, cpu (comma separated; default all)\n"
"      --all            text: also the rows whose numbers are equal (JSON has all)\n"
"      --folded         differential flame graph input instead: BASE and NEW are\n"
"                       traces recorded with stacks (--stacks) or folded stacks\n"
"                       (\"frame;...;frame COUNT\" lines); writes \"stack BASE NEW\"\n"
"                       for every stack on either side (0 where absent), sorted,\n"
"                       as difffolded.pl does: flamegraph.pl draws it\n"
"      --weight W       --folded, of traces: calls (default), time or faults\n"
"      --no-symbols     --folded, of traces: frames as raw addresses\n"
"  -h, --help           this help\n"
"\n"
"Examples:\n"
"  uvm-collect --repeat 10 -f json -o new.json -- ./bench\n"
"  uvm-collect diff baseline.json new.json       exit 5: a regression\n"
"  uvm-collect diff --folded old.trace new.trace | flamegraph.pl > diff.svg\n"
"\n"
"Exit status: 0 no regression; 5 a regression was found; 1 usage error;\n"
"2 an input is unreadable or no uvm report; 4 the output could not be written.\n"
"--folded: 0 written, or 1, 2, 4 as above.\n");
}

static int parse_fail_on(const char *s, unsigned *out)
{
	char *copy = xstrdup(s), *tok, *save = NULL;
	unsigned m = 0;
	int i, rc = 0;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < UVM_ROW_N_CATS; i++)
			if (!strcmp(tok, uvm_row_cat_names[i]))
				break;
		if (i == UVM_ROW_N_CATS) {
			rc = -1;
			break;
		}
		m |= 1u << i;
	}
	free(copy);
	*out = m;
	return rc || !m ? -1 : 0;
}

int uvm_diff_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "threshold", required_argument, NULL, 1 },
		{ "fail-on", required_argument, NULL, 2 },
		{ "all", no_argument, NULL, 3 },
		{ "folded", no_argument, NULL, 4 },
		{ "weight", required_argument, NULL, 5 },
		{ "no-symbols", no_argument, NULL, 6 },
		{ "alpha", required_argument, NULL, 7 },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct diff d = { .threshold = 0.05, .alpha = 0.05, .fail_on = (1u << UVM_ROW_N_CATS) - 1 };
	json_object *rep[2] = { NULL, NULL };
	const char *output = NULL;
	int json = 0, all = 0, c, rc = 0, i, folded = 0, symbols = 1;
	enum uvm_weight weight = UVM_WEIGHT_CALLS;
	const char *folded_only = NULL, *report_only = NULL;
	char err[512], *end;
	FILE *out = stdout;
	size_t k;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "text") && strcmp(optarg, "json")) {
				fprintf(stderr, "uvm-collect diff: --format: '%s' is not text or json\n", optarg);
				return 1;
			}
			json = !strcmp(optarg, "json");
			report_only = "--format";
			break;
		case 'o': output = optarg; break;
		case 1:
			errno = 0;
			d.threshold = strtod(optarg, &end) / 100;
			if (errno || end == optarg || *end || !(d.threshold >= 0 && d.threshold <= 1e6)) {
				fprintf(stderr, "uvm-collect diff: --threshold: '%s' is not a percentage\n", optarg);
				return 1;
			}
			report_only = "--threshold";
			break;
		case 2:
			if (parse_fail_on(optarg, &d.fail_on)) {
				fprintf(stderr, "uvm-collect diff: --fail-on: '%s' is not a list of calls, errors, faults, memory, latency, cpu\n", optarg);
				return 1;
			}
			report_only = "--fail-on";
			break;
		case 3: all = 1; report_only = "--all"; break;
		case 4: folded = 1; break;
		case 5:
			if (!strcmp(optarg, "calls")) weight = UVM_WEIGHT_CALLS;
			else if (!strcmp(optarg, "time")) weight = UVM_WEIGHT_TIME;
			else if (!strcmp(optarg, "faults")) weight = UVM_WEIGHT_FAULTS;
			else { fprintf(stderr, "uvm-collect diff: --weight: '%s' is not calls, time or faults\n", optarg); return 1; }
			folded_only = "--weight";
			break;
		case 6: symbols = 0; folded_only = "--no-symbols"; break;
		case 7:
			errno = 0;
			d.alpha = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(d.alpha > 0 && d.alpha < 1)) {
				fprintf(stderr, "uvm-collect diff: --alpha: '%s' is not a level between 0 and 1\n", optarg);
				return 1;
			}
			report_only = "--alpha";
			break;
		case 'h': diff_usage(stdout); return 0;
		default: diff_usage(stderr); return 1;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "uvm-collect diff: give two profiles, BASE and NEW (see --help)\n");
		return 1;
	}
	if (folded && report_only) {
		fprintf(stderr, "uvm-collect diff: %s compares reports, not with --folded\n", report_only);
		return 1;
	}
	if (!folded && folded_only) {
		fprintf(stderr, "uvm-collect diff: %s is for --folded\n", folded_only);
		return 1;
	}
	if (folded)
		return folded_main(argv[optind], argv[optind + 1], output, weight, symbols);
	for (i = 0; i < 2; i++) {
		size_t r, n;

		if (!(rep[i] = uvm_report_load(argv[optind + i], err, sizeof(err)))) {
			fprintf(stderr, "uvm-collect diff: %s\n", err);
			rc = 2;
			goto out;
		}
		uvm_report_run(rep[i], 0, &d.runs[i]);
		for (r = 0; r < d.runs[i]; r++) {
			json_object *one = uvm_report_run(rep[i], r, &n), *loss, *done;
			struct uvm_rows rs = { 0 };

			uvm_rows_report(&rs, r, one);
			for (k = 0; k < rs.n; k++) {
				const struct uvm_row *x = &rs.rows[k];

				d.run = x->run;
				add(&d, i, x->proc, x->comm, x->cat, x->optional, x->metric, x->v);
			}
			uvm_rows_free(&rs);
			if (json_object_object_get_ex(one, "loss", &loss) && loss &&
			    json_object_object_get_ex(loss, "complete", &done) && !json_object_get_boolean(done))
				fprintf(stderr, "uvm-collect diff: %s: run %zu: the trace was cut short: its numbers are what arrived\n",
					argv[optind + i], r + 1);
		}
	}
	merge(&d);
	if (output && !(out = fopen(output, "w"))) {
		fprintf(stderr, "uvm-collect diff: %s: %s\n", output, strerror(errno));
		out = stdout;
		rc = 4;
		goto out;
	}
	if ((json ? write_json(&d, argv[optind], argv[optind + 1], out) :
		    write_text(&d, argv[optind], argv[optind + 1], all, out)) ||
	    (out != stdout ? fclose(out) : fflush(out))) {
		fprintf(stderr, "uvm-collect diff: %s: writing: %s\n", output ? output : "<stdout>", strerror(errno));
		out = stdout;
		rc = 4;
		goto out;
	}
	out = stdout;
	for (k = 0; k < d.n; k++)
		if (d.rows[k].verdict == V_REGRESSION)
			rc = 5;
out:
	if (out != stdout)
		fclose(out);
	for (k = 0; k < d.n; k++) {
		free(d.rows[k].runs[0]);
		free(d.rows[k].runs[1]);
		free(d.rows[k].proc);
		free(d.rows[k].comm);
		free(d.rows[k].metric);
	}
	free(d.rows);
	json_object_put(rep[0]);
	json_object_put(rep[1]);
	return rc;
}
