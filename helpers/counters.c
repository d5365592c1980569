/*
 * counters.c - read the counters file uvm-exec --counters writes
 * (helpers/counters.h) into a profile's processes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uvm_profile.h"

static const char *const counter_name[UVM_N_COUNTERS] = {
#define COUNTER_ENTRY(id, name, unit, type, config) name,
	UVM_COUNTER_LIST(COUNTER_ENTRY)
#undef COUNTER_ENTRY
};

const char *uvm_counter_name(int k)
{
	return k >= 0 && k < UVM_N_COUNTERS ? counter_name[k] : "?";
}

/* The index of name among the n of names, or -1. */
static int name_index(const char *const *names, int n, const char *name)
{
	int k;

	for (k = 0; k < n; k++)
		if (!strcmp(names[k], name))
			return k;
	return -1;
}

static int counter_of(const char *name)
{
	return name_index(counter_name, UVM_N_COUNTERS, name);
}

static const struct { uint32_t type; uint64_t config; } counter_perf[UVM_N_COUNTERS] = {
#define COUNTER_PERF(id, name, unit, type, config) { type, config },
	UVM_COUNTER_LIST(COUNTER_PERF)
#undef COUNTER_PERF
};

int uvm_counter_of_perf(int64_t type, int64_t config)
{
	int k;

	for (k = 0; k < UVM_N_COUNTERS; k++)
		if (type == counter_perf[k].type && (uint64_t)config == counter_perf[k].config)
			return k;
	return -1;
}

static const char *const per_process_name[UVM_N_PER_PROCESS] = {
#define PER_PROCESS_ENTRY(id, name) name,
	UVM_PER_PROCESS_LIST(PER_PROCESS_ENTRY)
#undef PER_PROCESS_ENTRY
};

const char *uvm_per_process_name(enum uvm_per_process w)
{
	return w < UVM_N_PER_PROCESS ? per_process_name[w] : "?";
}

static int per_process_of(const char *name)
{
	return name_index(per_process_name, UVM_N_PER_PROCESS, name);
}

/* A decimal count, all of s. */
static int count_of(const char *s, uint64_t *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

/* Where the file has no process's own counts, those of the trace's N
 * records (counters.h), if it has any: each counter the file counted. */
static void take_task_counts(struct uvm_profile *p)
{
	uint32_t counted = p->counts_total.have;
	size_t i;

	if (p->per_process == UVM_PER_PROCESS_ALL || !p->task_counts)
		return;
	p->per_process = UVM_PER_PROCESS_MODULE;
	p->counters_unattributed = p->task_counts_unattributed;
	for (i = 0; i < p->n_procs; i++) {
		struct uvm_process *pr = p->procs[i];

		pr->counts = pr->task_counts;
		pr->counts.have &= counted;
	}
}

int uvm_counters_read(struct uvm_profile *p, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *copy = NULL, *w[5], *save;
	size_t cap = 0, n, i;
	uint64_t lineno = 0, v, c, last_pid = 0;
	int end = 0, rc = -1, k, stage = 0;
	ssize_t len;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	p->counted = 1;
	for (k = 0; k < UVM_N_COUNTERS; k++)
		p->counter_error[k][0] = '\0';
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (strlen(line) != (size_t)len) {
			snprintf(err, errlen, "%s:%" PRIu64 ": a NUL byte", path, lineno);
			goto out;
		}
		if (lineno == 1) {
			if (strcmp(line, UVM_COUNTERS_MAGIC)) {
				snprintf(err, errlen, "%s:1: not a counters file (no '%s')", path,
					 UVM_COUNTERS_MAGIC);
				goto out;
			}
			continue;
		}
		if (end) {
			snprintf(err, errlen, "%s:%" PRIu64 ": a line after 'end'", path, lineno);
			goto out;
		}
		free(copy);
		if (!(copy = strdup(line))) {
			snprintf(err, errlen, "%s: out of memory", path);
			goto out;
		}
		/* at most 4 words: a fifth is a bad line */
		for (n = 0, save = NULL; n < 5 && (w[n] = strtok_r(n ? NULL : line, " ", &save)); n++)
			;
		if (n == 5)
			goto bad;
		/* in the order of counters.h: unsupported lines, lost,
		 * per-process, totals, pid lines, end; each once */
		if (n == 1 && !strcmp(w[0], "end")) {
			if (stage < 2) {
				snprintf(err, errlen, "%s:%" PRIu64 ": no 'per-process' line", path, lineno);
				goto out;
			}
			end = 1;
		} else if (n == 3 && !strcmp(w[0], "unsupported") && (k = counter_of(w[1])) >= 0 &&
			   w[2][0]) {
			if (stage != 0 || p->counter_error[k][0])
				goto place;
			snprintf(p->counter_error[k], sizeof(p->counter_error[k]), "%s", w[2]);
		} else if (n == 2 && !strcmp(w[0], "lost") && !count_of(w[1], &v)) {
			if (stage != 0)
				goto place;
			p->counters_lost = v;
			stage = 1;
		} else if (n == 2 && !strcmp(w[0], "per-process") && (k = per_process_of(w[1])) >= 0 &&
			   k != UVM_PER_PROCESS_MODULE) {
			if (stage != 1)
				goto place;
			/* all: nothing lost; lost or none: something */
			if ((k == UVM_PER_PROCESS_ALL) != !p->counters_lost) {
				snprintf(err, errlen, "%s:%" PRIu64 ": 'per-process %s' with 'lost %" PRIu64 "'",
					 path, lineno, w[1], p->counters_lost);
				goto out;
			}
			p->per_process = (enum uvm_per_process)k;
			stage = 2;
		} else if (n == 3 && !strcmp(w[0], "total") && (k = counter_of(w[1])) >= 0 &&
			   !count_of(w[2], &v)) {
			if ((stage != 2 && stage != 3) || p->counter_error[k][0] ||
			    (p->counts_total.have & (1u << k)))
				goto place;
			p->counts_total.v[k] = v;
			p->counts_total.have |= 1u << k;
			stage = 3;
		} else if (n == 4 && !strcmp(w[0], "pid") && !count_of(w[1], &v) && v > 0 &&
			   v <= UVM_TARGET_PID_MAX && (k = counter_of(w[2])) >= 0 && !count_of(w[3], &c)) {
			struct uvm_process *pr = uvm_profile_process(p, (int)v, 0);

			if (stage < 2 || p->counter_error[k][0])
				goto place;
			if (p->per_process != UVM_PER_PROCESS_ALL) {
				snprintf(err, errlen, "%s:%" PRIu64 ": a process's counts with 'per-process %s'",
					 path, lineno, uvm_per_process_name(p->per_process));
				goto out;
			}
			if (!pr) {
				if (v != last_pid)
					p->counters_unattributed++;
			} else if (pr->counts.have & (1u << k)) {
				goto place;
			} else {
				pr->counts.v[k] = c;
				pr->counts.have |= 1u << k;
			}
			last_pid = v;
			stage = 4;
		} else {
			goto bad;
		}
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!lineno) {
		snprintf(err, errlen, "%s: empty, not a counters file", path);
		goto out;
	}
	if (!end) {
		snprintf(err, errlen, "%s:%" PRIu64 ": cut short (no 'end')", path, lineno);
		goto out;
	}
	rc = 0;
	take_task_counts(p);
	goto out;
place:
	snprintf(err, errlen, "%s:%" PRIu64 ": '%s' out of order or repeated", path, lineno, w[0]);
	goto out;
bad:
	for (i = 0; copy[i]; i++)
		if ((unsigned char)copy[i] < 0x20)
			copy[i] = '?';
	snprintf(err, errlen, "%s:%" PRIu64 ": not a counters line: '%.60s'", path, lineno, copy);
out:
	free(copy);
	free(line);
	fclose(f);
	if (rc) {	/* nothing of a file that is not whole */
		p->counted = 0;
		p->counters_lost = p->counters_unattributed = 0;
		p->per_process = UVM_PER_PROCESS_ALL;
		for (k = 0; k < UVM_N_COUNTERS; k++)
			p->counter_error[k][0] = '\0';
		memset(&p->counts_total, 0, sizeof(p->counts_total));
		for (i = 0; i < p->n_procs; i++)
			memset(&p->procs[i]->counts, 0, sizeof(p->procs[i]->counts));
	}
	return rc;
}
