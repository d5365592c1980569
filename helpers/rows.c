/*
 * rows.c - the rows of JSON reports (rows.h): what uvm-collect diff
 * compares and repeated runs summarize.
 *
 * Processes are keyed by their place in the tree, not by PID: a
 * process's key is its parent's key, then its executable's name and its
 * rank among its siblings of that name ("make#1/cc1#2": the second cc1
 * under the first make).  For each process, and for all processes
 * together ("all"), the rows are system calls (calls, and errors by
 * errno), page faults (minor, major, by region), peak mapped memory,
 * latency (total, p50, p95, p99) and CPU time (user + system, of the
 * processes that exited: the kernel's count at exit).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "rows.h"
#include "uvm_profile.h"
#include "util.h"

const char *const uvm_row_cat_names[UVM_ROW_N_CATS] = { "calls", "errors", "faults", "memory", "latency", "cpu" };

static void add(struct uvm_rows *rs, size_t run, const char *proc, const char *comm,
		enum uvm_row_cat cat, const char *metric, uint64_t v)
{
	struct uvm_row *r;

	GROW(rs->rows, rs->n, rs->cap);
	r = &rs->rows[rs->n++];
	r->proc = xstrdup(proc);
	r->comm = xstrdup(comm ? comm : "");
	r->metric = xstrdup(metric);
	r->cat = cat;
	r->optional = 0;
	r->run = run;
	r->v = v;
}

size_t uvm_row_values(int optional, uint64_t *v, const char *has, size_t n)
{
	size_t k, nv = 0;

	if (!optional)
		return n;
	for (k = 0; k < n; k++)
		if (has[k])
			v[nv++] = v[k];
	return nv;
}

/* A row that a run without it has no value for (rows.h). */
static void add_optional(struct uvm_rows *rs, size_t run, const char *proc, const char *comm,
			 enum uvm_row_cat cat, const char *metric, uint64_t v)
{
	add(rs, run, proc, comm, cat, metric, v);
	rs->rows[rs->n - 1].optional = 1;
}

static uint64_t u64(json_object *o, const char *k)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || !v)
		return 0;
	return (uint64_t)json_object_get_int64(v);
}

static const char *str(json_object *o, const char *k)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || !v || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static json_object *member(json_object *o, const char *k, json_type t)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || !v || !json_object_is_type(v, t))
		return NULL;
	return v;
}

/* One process's (or the totals') rows; cpu: whether its CPU time is
 * known (it exited; for the totals, every process did). */
static void process_rows(struct uvm_rows *rs, size_t run, const char *key, json_object *p, int cpu)
{
	const char *comm = str(p, "comm");
	json_object *sc = member(p, "syscalls", json_type_array);
	json_object *f = member(p, "faults", json_type_object);
	json_object *mem = member(p, "memory", json_type_object);
	char m[256];
	size_t i, n = sc ? json_object_array_length(sc) : 0;

	for (i = 0; i < n; i++) {
		json_object *s = json_object_array_get_idx(sc, i), *errs;
		const char *name = str(s, "name");

		if (!name)
			continue;
		snprintf(m, sizeof(m), "%s calls", name);
		add(rs, run, key, comm, UVM_ROW_CALLS, m, u64(s, "calls"));
		if ((errs = member(s, "errnos", json_type_object))) {
			json_object_object_foreach(errs, e, v) {
				snprintf(m, sizeof(m), "%s errors %s", name, e);
				add(rs, run, key, comm, UVM_ROW_ERRORS, m, (uint64_t)json_object_get_int64(v));
			}
		}
		if (u64(s, "timed")) {
			static const char *const lat[] = { "total_ns", "p50_ns", "p95_ns", "p99_ns" };
			int k;

			/* a run without the call took no time in it, but
			 * its percentiles are not 0: they do not exist */
			snprintf(m, sizeof(m), "%s %s", name, lat[0]);
			add(rs, run, key, comm, UVM_ROW_LATENCY, m, u64(s, lat[0]));
			for (k = 1; k < 4; k++) {
				snprintf(m, sizeof(m), "%s %s", name, lat[k]);
				add_optional(rs, run, key, comm, UVM_ROW_LATENCY, m, u64(s, lat[k]));
			}
		}
	}
	if (f) {
		json_object *regs = member(f, "regions", json_type_array);

		add(rs, run, key, comm, UVM_ROW_FAULTS, "faults minor", u64(f, "minor"));
		add(rs, run, key, comm, UVM_ROW_FAULTS, "faults major", u64(f, "major"));
		n = regs ? json_object_array_length(regs) : 0;
		for (i = 0; i < n; i++) {
			json_object *r = json_object_array_get_idx(regs, i);
			const char *kind = str(r, "kind"), *path = str(r, "path");

			snprintf(m, sizeof(m), "faults %s%s%s", kind ? kind : "?", path ? " " : "",
				 path ? path : "");
			add(rs, run, key, comm, UVM_ROW_FAULTS, m, u64(r, "minor") + u64(r, "major"));
		}
	}
	if (mem)
		add(rs, run, key, comm, UVM_ROW_MEMORY, "peak mapped bytes", u64(mem, "peak_mapped_bytes"));
	/* the kernel's count at exit: a process running at the end has none
	 * (its 0 is no time) */
	if (cpu)
		add_optional(rs, run, key, comm, UVM_ROW_CPU, "cpu_ns", u64(p, "utime_ns") + u64(p, "stime_ns"));
}

/* The base name of a process's executable (its comm without one). */
static const char *label(json_object *p)
{
	const char *e = str(p, "exe"), *s;

	if (!e || !*e)
		return str(p, "comm") ? str(p, "comm") : "?";
	s = strrchr(e, '/');
	return s && s[1] ? s + 1 : e;
}

struct keys {
	size_t n;
	int64_t *id;
	size_t *parent;		/* index of the parent, or n: a root */
	const char **label;
	char **key;
};

/* key[i], its parent's first; depth bounds a parent loop (then a root). */
static void key_of(struct keys *k, size_t i, size_t depth)
{
	const char *pkey = "";
	size_t j, rank = 1, len;

	if (k->key[i])
		return;
	if (k->parent[i] < k->n && depth < k->n) {
		key_of(k, k->parent[i], depth + 1);
		pkey = k->key[k->parent[i]];
	}
	for (j = 0; j < i; j++)
		if (k->parent[j] == k->parent[i] && !strcmp(k->label[j], k->label[i]))
			rank++;
	len = strlen(pkey) + strlen(k->label[i]) + 32;
	k->key[i] = xcalloc(len, 1);
	snprintf(k->key[i], len, "%s%s%s#%zu", pkey, *pkey ? "/" : "", k->label[i], rank);
}

/*
 * The processes' keys: a parent's key, "/", the executable's name and
 * "#rank" among the siblings of that name in order of appearance.  A
 * parent_id that is not in the report (or a loop) makes a root.
 */
static char **process_keys(json_object *procs, size_t n)
{
	struct keys k = { n, xcalloc(n, sizeof(int64_t)), xcalloc(n, sizeof(size_t)),
			  xcalloc(n, sizeof(char *)), xcalloc(n, sizeof(char *)) };
	int64_t *parent_id = xcalloc(n, sizeof(*parent_id));
	size_t i, j;

	for (i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(procs, i), *v;

		k.id[i] = (int64_t)u64(p, "id");
		parent_id[i] = json_object_object_get_ex(p, "parent_id", &v) && v ? json_object_get_int64(v) : -1;
		k.label[i] = label(p);
	}
	/* ids are 1..n in the reports uvm-collect writes: one look-up each */
	for (i = 0; i < n; i++) {
		k.parent[i] = n;
		if (parent_id[i] >= 1 && (uint64_t)parent_id[i] <= n && k.id[parent_id[i] - 1] == parent_id[i])
			k.parent[i] = (size_t)(parent_id[i] - 1);
		else
			for (j = 0; j < n && parent_id[i] >= 0; j++)
				if (k.id[j] == parent_id[i]) {
					k.parent[i] = j;
					break;
				}
		if (k.parent[i] == i)
			k.parent[i] = n;
	}
	for (i = 0; i < n; i++)
		key_of(&k, i, 0);
	free(parent_id);
	free(k.id);
	free(k.parent);
	free(k.label);
	return k.key;
}

int uvm_is_report(json_object *j)
{
	return member(j, "processes", json_type_array) && member(j, "totals", json_type_object) &&
	       json_object_object_get_ex(j, "uvm_report_version", NULL);
}

/* A JSON report from path: a report as it is, a trace profiled first. */
json_object *uvm_report_load(const char *path, char *err, size_t errlen)
{
	char head[16] = "";
	json_object *j = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got;

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	got = read(fd, head, sizeof(head) - 1);
	if (got > 0 && !strncmp(head, "H\tuvm-trace\t", 12)) {
		struct uvm_profile *p = uvm_profile_new();
		struct uvm_report_opts o = { .format = UVM_JSON, .per_process = 1 };

		lseek(fd, 0, SEEK_SET);
		if (uvm_parse_fd(p, fd, path, err, errlen)) {
			uvm_profile_free(p);
			close(fd);
			return NULL;
		}
		uvm_profile_finish(p);
		j = uvm_report_json(p, &o);
		uvm_profile_free(p);
	} else {
		close(fd);
		fd = -1;
		j = json_object_from_file(path);
		if (!j)
			snprintf(err, errlen, "%s: not a uvm JSON report or trace (%s)", path,
				 json_util_get_last_err() ? json_util_get_last_err() : "unreadable");
	}
	if (fd >= 0)
		close(fd);
	/* a report, or repeated runs: {"runs": [report, ...]} */
	if (j && !uvm_is_report(j)) {
		json_object *runs = member(j, "runs", json_type_array);
		size_t i, n = runs ? json_object_array_length(runs) : 0;

		for (i = 0; i < n && uvm_is_report(json_object_array_get_idx(runs, i)); i++)
			;
		if (!n || i < n) {
			snprintf(err, errlen, "%s: JSON, but not a uvm report (no uvm_report_version, processes, "
				 "totals) nor runs of them (\"runs\": [report, ...])", path);
			json_object_put(j);
			j = NULL;
		}
	}
	return j;
}

void uvm_rows_report(struct uvm_rows *rs, size_t run, json_object *rep)
{
	json_object *procs = member(rep, "processes", json_type_array);
	size_t n = json_object_array_length(procs), i;
	char **key = process_keys(procs, n);
	json_object *ex;
	int all_exited = 1;

	for (i = 0; i < n; i++)
		all_exited &= json_object_object_get_ex(json_object_array_get_idx(procs, i), "exited", &ex) &&
			      json_object_get_boolean(ex);
	process_rows(rs, run, "all", member(rep, "totals", json_type_object), all_exited);
	for (i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(procs, i);

		process_rows(rs, run, key[i], p,
			     json_object_object_get_ex(p, "exited", &ex) && json_object_get_boolean(ex));
		free(key[i]);
	}
	free(key);
}

struct json_object *uvm_report_run(json_object *j, size_t i, size_t *n)
{
	json_object *runs = member(j, "runs", json_type_array);

	*n = runs ? json_object_array_length(runs) : 1;
	return runs ? json_object_array_get_idx(runs, i) : j;
}

int uvm_row_cmp(const void *a, const void *b)
{
	const struct uvm_row *x = a, *y = b;
	int c = strcmp(x->proc, y->proc);

	if (!c)
		c = strcmp(x->metric, y->metric);
	return c ? c : (x->run > y->run) - (x->run < y->run);
}

void uvm_rows_sort(struct uvm_rows *rs)
{
	qsort(rs->rows, rs->n, sizeof(*rs->rows), uvm_row_cmp);
}

void uvm_rows_free(struct uvm_rows *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++) {
		free(rs->rows[i].proc);
		free(rs->rows[i].comm);
		free(rs->rows[i].metric);
	}
	free(rs->rows);
	rs->rows = NULL;
	rs->n = rs->cap = 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

uint64_t uvm_median_u64(const uint64_t *v, size_t n)
{
	uint64_t *s = xcalloc(n, sizeof(*s)), m;

	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_u64);
	m = s[(n - 1) / 2];
	free(s);
	return m;
}

double uvm_spread_pct(uint64_t median, uint64_t min, uint64_t max)
{
	if (!median)
		return NAN;
	return 100.0 * ((double)max - (double)min) / (double)median;
}
