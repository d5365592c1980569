/*
 * runs.c - repeated runs of one workload (uvm-collect --repeat N -- CMD,
 * or --runs TRACE...): every run's JSON report, and a summary of each
 * row (rows.c: per process key and metric) over the runs: its median
 * (the lower middle value of an even count, as uvm-collect diff takes),
 * min, max and spread, (max - min) / median as a percentage (none when
 * the median is 0).  A run without a row counts 0 in it, but for an
 * optional row (a percentile, a CPU time: rows.h), which is summarized
 * over the runs that have it.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "rows.h"
#include "util.h"

struct uvm_runs {
	size_t n, cap;
	json_object **rep;
};

/* One row over the runs. */
struct sum {
	const struct uvm_row *r;	/* the first run's: key, comm, category */
	uint64_t *v;			/* a value per run */
	uint64_t median, min, max;
	double spread;			/* NAN: none */
	size_t present;			/* runs that had the row */
};

struct uvm_runs *uvm_runs_new(void)
{
	return xcalloc(1, sizeof(struct uvm_runs));
}

void uvm_runs_add(struct uvm_runs *rs, json_object *report)
{
	GROW(rs->rep, rs->n, rs->cap);
	rs->rep[rs->n++] = report;
}

size_t uvm_runs_count(const struct uvm_runs *rs)
{
	return rs->n;
}

void uvm_runs_free(struct uvm_runs *rs)
{
	size_t i;

	if (!rs)
		return;
	for (i = 0; i < rs->n; i++)
		json_object_put(rs->rep[i]);
	free(rs->rep);
	free(rs);
}

/* "all" first, then the processes in key order (a parent before its
 * children), each's metrics in order. */
static int by_process(const void *a, const void *b)
{
	const struct sum *x = a, *y = b;
	int ax = !strcmp(x->r->proc, "all"), ay = !strcmp(y->r->proc, "all");

	if (ax != ay)
		return ay - ax;
	return uvm_row_cmp(x->r, y->r);
}

/* The rows of all runs (in *rows, which the sums point into), one sum
 * per process key and metric; *n of them. */
static struct sum *summarize(const struct uvm_runs *rs, struct uvm_rows *rows, size_t *n)
{
	struct sum *s = NULL;
	size_t cap = 0, i, j, k, nv;
	char *has;

	*n = 0;
	for (i = 0; i < rs->n; i++)
		uvm_rows_report(rows, i, rs->rep[i]);
	uvm_rows_sort(rows);
	for (i = 0; i < rows->n; i = j) {
		struct sum *m;

		GROW(s, *n, cap);
		m = &s[(*n)++];
		memset(m, 0, sizeof(*m));
		m->r = &rows->rows[i];
		m->v = xcalloc(rs->n, sizeof(*m->v));
		has = xcalloc(rs->n, 1);
		for (j = i; j < rows->n && !strcmp(rows->rows[j].proc, m->r->proc) &&
			    !strcmp(rows->rows[j].metric, m->r->metric); j++) {
			const struct uvm_row *x = &rows->rows[j];

			/* the same row twice in a run (two regions of one
			 * kind and path) adds up, as in diff */
			m->present += j == i || x->run != rows->rows[j - 1].run;
			m->v[x->run] = sat_add(m->v[x->run], x->v);
			has[x->run] = 1;
		}
		nv = uvm_row_values(m->r->optional, m->v, has, rs->n);
		free(has);
		m->median = uvm_median_u64(m->v, nv);
		m->min = m->max = m->v[0];
		for (k = 1; k < nv; k++) {
			if (m->v[k] < m->min)
				m->min = m->v[k];
			if (m->v[k] > m->max)
				m->max = m->v[k];
		}
		m->spread = uvm_spread_pct(m->median, m->min, m->max);
	}
	if (*n)
		qsort(s, *n, sizeof(*s), by_process);
	return s;
}

static json_object *j_new(json_object *j)
{
	return xoom(j);
}

static void j_add(json_object *o, const char *k, json_object *v)
{
	if (json_object_object_add(o, k, v))
		xoom(NULL);
}

static json_object *summary_json(const struct uvm_runs *rs, const struct sum *s, size_t n)
{
	json_object *sum = j_new(json_object_new_object()), *rows = j_new(json_object_new_array());
	size_t i;

	j_add(sum, "runs", j_new(json_object_new_uint64(rs->n)));
	for (i = 0; i < n; i++) {
		json_object *m = j_new(json_object_new_object());

		j_add(m, "process", j_new(json_object_new_string(s[i].r->proc)));
		j_add(m, "comm", j_new(json_object_new_string(s[i].r->comm)));
		j_add(m, "metric", j_new(json_object_new_string(s[i].r->metric)));
		j_add(m, "category", j_new(json_object_new_string(uvm_row_cat_names[s[i].r->cat])));
		j_add(m, "median", j_new(json_object_new_uint64(s[i].median)));
		j_add(m, "min", j_new(json_object_new_uint64(s[i].min)));
		j_add(m, "max", j_new(json_object_new_uint64(s[i].max)));
		j_add(m, "spread_pct", isnan(s[i].spread) ? NULL : j_new(json_object_new_double(s[i].spread)));
		j_add(m, "present_runs", j_new(json_object_new_uint64(s[i].present)));
		if (json_object_array_add(rows, m))
			xoom(NULL);
	}
	j_add(sum, "rows", rows);
	return sum;
}

static int write_json(const struct uvm_runs *rs, const struct sum *s, size_t n, FILE *out)
{
	json_object *root = j_new(json_object_new_object()), *runs = j_new(json_object_new_array());
	const char *text;
	size_t i;
	int rc;

	for (i = 0; i < rs->n; i++)
		if (json_object_array_add(runs, json_object_get(rs->rep[i])))
			xoom(NULL);
	j_add(root, "runs", runs);
	j_add(root, "summary", summary_json(rs, s, n));
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	rc = !text || fputs(text, out) < 0 || fputc('\n', out) == EOF ? -1 : 0;
	json_object_put(root);
	return rc;
}

static int write_text(const struct uvm_runs *rs, const struct sum *s, size_t n, FILE *out)
{
	char range[48], spread[24];
	size_t i;

	fprintf(out, "uvm runs: %zu run%s; per process, each row's median, min..max and spread, "
		"(max - min) / median\n", rs->n, rs->n == 1 ? "" : "s");
	for (i = 0; i < n; i++) {
		const struct sum *m = &s[i];

		if (!i || strcmp(s[i - 1].r->proc, m->r->proc))
			fprintf(out, "\n%s%s%s%s\n  %-40s %14s %25s %8s %5s\n", m->r->proc,
				m->r->comm[0] ? " (" : "", m->r->comm, m->r->comm[0] ? ")" : "",
				"metric", "median", "min..max", "spread", "runs");
		snprintf(range, sizeof(range), "%" PRIu64 "..%" PRIu64, m->min, m->max);
		if (isnan(m->spread))
			snprintf(spread, sizeof(spread), "-");
		else
			snprintf(spread, sizeof(spread), "%.1f%%", m->spread);
		fprintf(out, "  %-40s %14" PRIu64 " %25s %8s %2zu/%zu\n", m->r->metric, m->median, range,
			spread, m->present, rs->n);
	}
	return ferror(out) ? -1 : 0;
}

int uvm_runs_write(const struct uvm_runs *rs, int json, FILE *out)
{
	struct uvm_rows rows = { 0 };
	size_t n, i;
	struct sum *s = summarize(rs, &rows, &n);
	int rc = json ? write_json(rs, s, n, out) : write_text(rs, s, n, out);

	for (i = 0; i < n; i++)
		free(s[i].v);
	free(s);
	uvm_rows_free(&rows);
	return rc || ferror(out) ? -1 : 0;
}
