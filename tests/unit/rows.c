/* rows.c - the rows of reports (helpers/rows.c) and the summary of
 * repeated runs (helpers/runs.c): process keys, medians, spread. */
#define _GNU_SOURCE
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "rows.h"
#include "unit.h"

void test_median_spread(void)
{
	uint64_t one[] = { 7 }, odd[] = { 9, 1, 5 }, even[] = { 40, 10, 30, 20 }, same[] = { 3, 3 };

	CHECK(uvm_median_u64(one, 1) == 7);
	CHECK(uvm_median_u64(odd, 3) == 5);
	/* the lower middle one: a value that was measured */
	CHECK(uvm_median_u64(even, 4) == 20);
	CHECK(uvm_median_u64(same, 2) == 3);
	/* the input is left as it was */
	CHECK(odd[0] == 9 && odd[1] == 1 && odd[2] == 5);
	CHECK(uvm_spread_pct(90, 50, 150) > 111.11 && uvm_spread_pct(90, 50, 150) < 111.12);
	CHECK(uvm_spread_pct(3, 3, 3) == 0);
	CHECK(isnan(uvm_spread_pct(0, 0, 5)));
}

/* A report of a tree: make, its two cc children, a child of the second
 * cc, and a process whose parent is not in the report (a root). */
static const char *const tree =
	"{\"uvm_report_version\": 1, \"totals\": {\"faults\": {\"minor\": 9, \"major\": 0}},"
	" \"processes\": ["
	"  {\"id\": 1, \"parent_id\": null, \"exe\": \"/usr/bin/make\", \"comm\": \"make\","
	"   \"syscalls\": [{\"name\": \"read\", \"calls\": 4, \"errnos\": {\"EINTR\": 1}}]},"
	"  {\"id\": 2, \"parent_id\": 1, \"exe\": \"/usr/bin/cc\", \"comm\": \"cc\"},"
	"  {\"id\": 3, \"parent_id\": 1, \"exe\": \"/usr/bin/cc\", \"comm\": \"cc\","
	"   \"memory\": {\"peak_mapped_bytes\": 4096}},"
	"  {\"id\": 4, \"parent_id\": 3, \"exe\": null, \"comm\": \"as\","
	"   \"syscalls\": [{\"name\": \"write\", \"calls\": 2, \"timed\": 2, \"total_ns\": 10,"
	"     \"p50_ns\": 4, \"p95_ns\": 6, \"p99_ns\": 6}]},"
	"  {\"id\": 5, \"parent_id\": 77, \"exe\": \"/bin/sh\", \"comm\": \"sh\"}"
	"]}";

static const struct uvm_row *find(const struct uvm_rows *rs, const char *proc, const char *metric)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (!strcmp(rs->rows[i].proc, proc) && !strcmp(rs->rows[i].metric, metric))
			return &rs->rows[i];
	return NULL;
}

void test_rows_report(void)
{
	json_object *j = json_tokener_parse(tree);
	struct uvm_rows rs = { 0 };
	const struct uvm_row *r;

	CHECK(j && uvm_is_report(j));
	uvm_rows_report(&rs, 3, j);
	CHECK((r = find(&rs, "make#1", "read calls")) && r->v == 4 && r->run == 3 && r->cat == UVM_ROW_CALLS);
	CHECK((r = find(&rs, "make#1", "read errors EINTR")) && r->v == 1 && r->cat == UVM_ROW_ERRORS);
	CHECK((r = find(&rs, "make#1/cc#2", "peak mapped bytes")) && r->v == 4096);
	CHECK((r = find(&rs, "make#1/cc#2/as#1", "write p50_ns")) && r->v == 4 && r->cat == UVM_ROW_LATENCY);
	CHECK((r = find(&rs, "make#1/cc#2/as#1", "write total_ns")) && r->v == 10);
	CHECK((r = find(&rs, "all", "faults minor")) && r->v == 9);
	CHECK(!find(&rs, "make#1/cc#1", "peak mapped bytes"));
	CHECK(!find(&rs, "sh#1", "peak mapped bytes"));
	uvm_rows_sort(&rs);
	CHECK(rs.n > 1 && uvm_row_cmp(&rs.rows[0], &rs.rows[1]) < 0);
	uvm_rows_free(&rs);
	CHECK(rs.n == 0 && !rs.rows);
	json_object_put(j);
}

/* Three runs of one report with make's read calls 4, 12 and 6: the
 * summary's row is median 6, min 4, max 12, spread 133.3%. */
void test_runs_summary(void)
{
	static const int calls[] = { 4, 12, 6 };
	struct uvm_runs *rs = uvm_runs_new();
	json_object *out, *rows, *row = NULL, *v;
	char *text = NULL;
	size_t len = 0, i;
	FILE *f;

	for (i = 0; i < 3; i++) {
		json_object *j = json_tokener_parse(tree), *procs, *sc;

		json_object_object_get_ex(j, "processes", &procs);
		json_object_object_get_ex(json_object_array_get_idx(procs, 0), "syscalls", &sc);
		json_object_object_add(json_object_array_get_idx(sc, 0), "calls", json_object_new_int(calls[i]));
		uvm_runs_add(rs, j);
	}
	CHECK(uvm_runs_count(rs) == 3);
	f = open_memstream(&text, &len);
	CHECK(f && uvm_runs_write(rs, 1, f) == 0);
	fclose(f);
	out = json_tokener_parse(text);
	CHECK(out && json_object_object_get_ex(out, "runs", &v) && json_object_array_length(v) == 3);
	CHECK(json_object_object_get_ex(out, "summary", &v) && json_object_object_get_ex(v, "rows", &rows));
	for (i = 0; rows && i < json_object_array_length(rows); i++) {
		json_object *r = json_object_array_get_idx(rows, i), *p, *m;

		if (json_object_object_get_ex(r, "process", &p) && json_object_object_get_ex(r, "metric", &m) &&
		    !strcmp(json_object_get_string(p), "make#1") && !strcmp(json_object_get_string(m), "read calls"))
			row = r;
	}
	CHECK(row && json_object_object_get_ex(row, "median", &v) && json_object_get_int(v) == 6);
	CHECK(row && json_object_object_get_ex(row, "min", &v) && json_object_get_int(v) == 4);
	CHECK(row && json_object_object_get_ex(row, "max", &v) && json_object_get_int(v) == 12);
	CHECK(row && json_object_object_get_ex(row, "spread_pct", &v) &&
	      fabs(json_object_get_double(v) - 800.0 / 6) < 1e-9);
	json_object_put(out);
	free(text);
	uvm_runs_free(rs);
	uvm_runs_free(NULL);
}
