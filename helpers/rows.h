/*
 * rows.h - the rows of JSON reports, shared by uvm-collect diff (diff.c)
 * and repeated runs (runs.c): per process, keyed by its place in the
 * tree ("make#1/cc1#2"), and for "all" processes, one number per metric
 * ("getppid calls", "faults minor", "peak mapped bytes", "read p50_ns",
 * "cpu_ns").
 */
#ifndef UVM_ROWS_H
#define UVM_ROWS_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

struct json_object;

enum uvm_row_cat { UVM_ROW_CALLS, UVM_ROW_ERRORS, UVM_ROW_FAULTS, UVM_ROW_MEMORY,
		   UVM_ROW_LATENCY, UVM_ROW_CPU, UVM_ROW_N_CATS };
/* Times (latencies, CPU time): never compared exactly, a clock's reading
 * varies even when it looks the same twice. */
#define UVM_ROW_TIMING(cat) ((cat) == UVM_ROW_LATENCY || (cat) == UVM_ROW_CPU)
extern const char *const uvm_row_cat_names[UVM_ROW_N_CATS];

struct uvm_row {
	char *proc;		/* the process's key, or "all" */
	char *comm;
	char *metric;
	enum uvm_row_cat cat;
	/* 1: a run without the row has no value for it, rather than 0: a
	 * percentile of a call the run never timed, the CPU time of a
	 * process that did not exit in it */
	int optional;
	size_t run;		/* the run it came from */
	uint64_t v;
};

struct uvm_rows {
	size_t n, cap;
	struct uvm_row *rows;
};

/* Append the rows of report rep (one run, numbered run). */
void uvm_rows_report(struct uvm_rows *rs, size_t run, struct json_object *rep);
/* A row's values over n runs, v[k] for run k (has[k]: the run had the
 * row, else v[k] is 0): every run's, or, for an optional row, only those
 * of the runs that had it, moved to the front in order.  Returns how
 * many. */
size_t uvm_row_values(int optional, uint64_t *v, const char *has, size_t n);
/* Order by process key, then metric (then run): equal keys adjacent. */
int uvm_row_cmp(const void *a, const void *b);
void uvm_rows_sort(struct uvm_rows *rs);
/* Free the rows' strings and array; the struct is empty after it. */
void uvm_rows_free(struct uvm_rows *rs);

/* Whether j is a uvm JSON report. */
int uvm_is_report(struct json_object *j);
/*
 * A profile from path as JSON: a JSON report as it is, a trace profiled
 * into one, or repeated runs ({"runs": [report, ...]}, other members
 * ignored).  NULL with err set (naming path) when it is none of them.
 */
struct json_object *uvm_report_load(const char *path, char *err, size_t errlen);
/* The reports of a loaded profile: its runs, or itself; *n of them. */
struct json_object *uvm_report_run(struct json_object *j, size_t i, size_t *n);

/* The median of n (>= 1) values: the lower middle one of an even count,
 * a value that was measured. */
uint64_t uvm_median_u64(const uint64_t *v, size_t n);

/* (max - min) / median as a percentage; NAN when the median is 0. */
double uvm_spread_pct(uint64_t median, uint64_t min, uint64_t max);

/*
 * Repeated runs of one workload (runs.c): each run's JSON report, kept
 * in order, and written as {"runs": [report, ...], "summary": {...}}
 * (json) or as a table of each row's median, min..max and spread per
 * process (text).  The summary's rows are the ones above; a run without
 * a row counts 0 in it, as in uvm-collect diff, but for an optional row,
 * which is summarized over the runs that have it.
 */
struct uvm_runs;
struct uvm_runs *uvm_runs_new(void);
/* Append a run's report; the runs take the reference. */
void uvm_runs_add(struct uvm_runs *rs, struct json_object *report);
size_t uvm_runs_count(const struct uvm_runs *rs);
/* 0, or -1 when writing failed (errno set; check ferror(out) too). */
int uvm_runs_write(const struct uvm_runs *rs, int json, FILE *out);
void uvm_runs_free(struct uvm_runs *rs);	/* NULL is a no-op */

#endif /* UVM_ROWS_H */
