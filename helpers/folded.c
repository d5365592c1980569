/*
 * folded.c - flame graph input from the user stacks of a trace (K
 * records): "comm;outer;...;inner;leaf weight" lines, the folded format
 * that flamegraph.pl, inferno, speedscope and Perfetto read.
 *
 * While the trace is parsed (an event sink), each system call or fault
 * with a stack adds its weight to its raw stack: the process, its image
 * (execs so far), comm, leaf and return addresses.  Only distinct stacks
 * are kept.  At the end each is symbolized with the files of its own
 * image (uvm_syms_*, libdwfl), and equal lines are merged and sorted.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "records.h"
#include "uvm_profile.h"
#include "util.h"

struct raw_stack {
	const struct uvm_process *pr;
	uint64_t image;
	char event;		/* 'S' or 'F' */
	char *comm, *leaf;
	int max_frames;
	size_t n;
	uint64_t *pc;
	uint64_t hash, weight;
};

struct uvm_folded {
	struct uvm_sink sink;
	enum uvm_weight weight;
	/* the event whose stack comes next: its leaf and weight */
	int pending;
	char leaf[64];
	uint64_t w;
	size_t n, cap;		/* open addressing by hash, cap a power of 2 */
	struct raw_stack *t;
};

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdull;
}

static uint64_t mix_str(uint64_t h, const char *s)
{
	while (*s)
		h = mix(h, (unsigned char)*s++);
	return mix(h, 0);
}

static int same(const struct raw_stack *a, const struct raw_stack *b)
{
	return a->hash == b->hash && a->pr == b->pr && a->image == b->image &&
	       a->event == b->event && a->n == b->n &&
	       a->max_frames == b->max_frames && !strcmp(a->comm, b->comm) &&
	       !strcmp(a->leaf, b->leaf) && !memcmp(a->pc, b->pc, a->n * sizeof(*a->pc));
}

static struct raw_stack *slot(struct uvm_folded *fo, const struct raw_stack *k)
{
	size_t h = k->hash & (fo->cap - 1);

	while (fo->t[h].comm && !same(&fo->t[h], k))
		h = (h + 1) & (fo->cap - 1);
	return &fo->t[h];
}

static void add(struct uvm_folded *fo, const struct uvm_process *pr, const struct uvm_stack *st)
{
	struct raw_stack k = { .pr = pr, .image = pr->execs, .event = st->event,
			       .comm = (char *)pr->comm,
			       .leaf = fo->leaf, .max_frames = st->max_frames, .n = st->n,
			       .pc = (uint64_t *)st->pc };
	struct raw_stack *s;
	size_t i;

	k.hash = mix(mix(mix(mix((uint64_t)pr->id, k.image), (uint64_t)k.max_frames), k.n),
		     (uint64_t)k.event);
	k.hash = mix_str(mix_str(k.hash, k.comm), k.leaf);
	for (i = 0; i < k.n; i++)
		k.hash = mix(k.hash, k.pc[i]);
	if (2 * (fo->n + 1) > fo->cap) {
		struct raw_stack *old = fo->t;
		size_t oldcap = fo->cap;

		fo->cap = fo->cap ? 2 * fo->cap : 1024;
		fo->t = xcalloc(fo->cap, sizeof(*fo->t));
		for (i = 0; i < oldcap; i++)
			if (old[i].comm)
				*slot(fo, &old[i]) = old[i];
		free(old);
	}
	s = slot(fo, &k);
	if (!s->comm) {
		*s = k;
		s->comm = xstrdup(k.comm);
		s->leaf = xstrdup(k.leaf);
		s->pc = xcalloc(k.n ? k.n : 1, sizeof(*s->pc));
		memcpy(s->pc, k.pc, k.n * sizeof(*k.pc));
		s->weight = 0;
		fo->n++;
	}
	s->weight = sat_add(s->weight, fo->w);
}

static void on_record(struct uvm_sink *sink, struct uvm_profile *p, char tag,
		      const union uvm_record *u)
{
	struct uvm_folded *fo = (struct uvm_folded *)sink;
	const struct rec_syscall *sc = &u->syscall;
	const struct rec_fault *f = &u->fault;
	struct uvm_process *pr;

	switch (tag) {
	case 'S':
		/* calls: every call; time: the calls with a known latency */
		fo->pending = fo->weight == UVM_WEIGHT_CALLS ||
			      (fo->weight == UVM_WEIGHT_TIME && sc->LAT.i >= 0);
		fo->w = fo->weight == UVM_WEIGHT_TIME ? (uint64_t)sc->LAT.i : 1;
		copy_str(fo->leaf, sizeof(fo->leaf), uvm_field_none(&sc->NAME) ? "?" : sc->NAME.s);
		break;
	case 'F':
		/* faults: those the kernel counts (minor, major); time: faults
		 * from user mode, outside any system call's time */
		if (fo->weight == UVM_WEIGHT_FAULTS)
			fo->pending = !strcmp(f->OUTCOME.s, "minor") || !strcmp(f->OUTCOME.s, "major");
		else
			fo->pending = fo->weight == UVM_WEIGHT_TIME && f->LAT.i >= 0 &&
				      f->ACCESS.len == 2 && f->ACCESS.s[1] == 'u';
		fo->w = fo->weight == UVM_WEIGHT_TIME ? (uint64_t)f->LAT.i : 1;
		snprintf(fo->leaf, sizeof(fo->leaf), "fault:%.48s", f->REGION.s);
		break;
	case 'K':
		pr = uvm_profile_process(p, (int)u->stack.PID.i, 0);
		if (fo->pending && pr)
			add(fo, pr, &p->stack);
		fo->pending = 0;
		break;
	default:
		fo->pending = 0;
	}
}

struct uvm_folded *uvm_folded_new(enum uvm_weight w)
{
	struct uvm_folded *fo = xcalloc(1, sizeof(*fo));

	fo->sink.record = on_record;
	fo->weight = w;
	return fo;
}

struct uvm_sink *uvm_folded_sink(struct uvm_folded *fo)
{
	return &fo->sink;
}

/* A frame name of the folded format: no ';' (the separator), no line
 * breaks or control bytes, valid UTF-8 (uvm_report_text). */
static void put_frame(FILE *b, const char *s, int first)
{
	char *tmp = NULL;
	const char *t = uvm_report_text(s, &tmp);

	if (!first)
		putc(';', b);
	for (; *t; t++)
		if (*t == ';')
			fputs("\\x3b", b);
		else
			putc(*t, b);
	free(tmp);
}

struct line {
	char *s;
	uint64_t weight;
};

static int by_image(const void *a, const void *b)
{
	const struct raw_stack *x = a, *y = b;

	if (x->pr->id != y->pr->id)
		return x->pr->id < y->pr->id ? -1 : 1;
	return x->image < y->image ? -1 : x->image > y->image;
}

static int by_text(const void *a, const void *b)
{
	return strcmp(((const struct line *)a)->s, ((const struct line *)b)->s);
}

int uvm_folded_each(struct uvm_folded *fo, const char *sysroot, int symbols,
		    int (*fn)(void *arg, const char *line, uint64_t weight), void *arg)
{
	struct raw_stack *all = xcalloc(fo->n ? fo->n : 1, sizeof(*all));
	struct line *lines = xcalloc(fo->n ? fo->n : 1, sizeof(*lines));
	struct uvm_syms *sy = NULL;
	size_t n = 0, i, j, k;
	int rc = 0;

	for (i = 0; i < fo->cap; i++)
		if (fo->t[i].comm)
			all[n++] = fo->t[i];
	qsort(all, n, sizeof(*all), by_image);
	for (i = 0; i < n; i++) {
		const struct raw_stack *s = &all[i];
		char *text = NULL;
		size_t len = 0;
		FILE *b = open_memstream(&text, &len);
		const char *name[UVM_STACK_MAX];
		char hex[UVM_STACK_MAX][20];
		int outermost = 0;
		char marker[48];

		if (symbols && (!i || by_image(&all[i - 1], s))) {
			uvm_syms_free(sy);
			sy = uvm_syms_new(s->pr, s->image, sysroot);
		}
		/* Frames are looked up at their call: a return address at the
		 * byte before it, and so is frame 0 of a system call (the
		 * instruction after the syscall), except an execve's: after a
		 * successful one, the new image's entry point.  A fault's
		 * frame 0 is the faulting instruction itself.  Without
		 * symbols, the addresses as recorded, and no telling where a
		 * stack ends. */
		for (k = 0; k < s->n; k++)
			if (symbols) {
				int call = k || (s->event == 'S' && strcmp(s->leaf, "execve") &&
						 strcmp(s->leaf, "execveat"));

				name[k] = uvm_syms_frame(sy, call && s->pc[k] ? s->pc[k] - 1 : s->pc[k],
							 &outermost);
			} else {
				snprintf(hex[k], sizeof(hex[k]), "0x%" PRIx64, s->pc[k]);
				name[k] = hex[k];
			}
		if (!symbols)	/* only the bound tells */
			outermost = s->n < (size_t)s->max_frames;
		if (!b)
			xoom(NULL);
		/* a process first seen in an exec's faults has no comm yet */
		if (!s->comm[0])
			snprintf(marker, sizeof(marker), "[pid %d]", s->pr->pid);
		put_frame(b, s->comm[0] ? s->comm : marker, 1);
		marker[0] = '\0';
		if (!s->n)
			snprintf(marker, sizeof(marker), "[no user stack]");
		else if (!outermost && s->n >= (size_t)s->max_frames)
			snprintf(marker, sizeof(marker), "[deeper than %d frames]", s->max_frames);
		else if (!outermost)
			snprintf(marker, sizeof(marker), "[unwind stopped]");
		if (marker[0])
			put_frame(b, marker, 0);
		for (k = s->n; k-- > 0;)
			put_frame(b, name[k], 0);
		put_frame(b, s->leaf, 0);
		if (fclose(b))
			xoom(NULL);
		lines[i].s = text;
		lines[i].weight = s->weight;
	}
	uvm_syms_free(sy);
	qsort(lines, n, sizeof(*lines), by_text);
	for (i = 0; i < n; i = j) {
		uint64_t w = lines[i].weight;

		for (j = i + 1; j < n && !strcmp(lines[j].s, lines[i].s); j++)
			w = sat_add(w, lines[j].weight);
		if (w && !rc)
			rc = fn(arg, lines[i].s, w);
	}
	for (i = 0; i < n; i++)
		free(lines[i].s);
	free(lines);
	free(all);
	return rc;
}

static int put_line(void *out, const char *line, uint64_t weight)
{
	return fprintf(out, "%s %" PRIu64 "\n", line, weight) < 0 ? -1 : 0;
}

int uvm_folded_write(struct uvm_folded *fo, const char *sysroot, int symbols, FILE *out)
{
	return uvm_folded_each(fo, sysroot, symbols, put_line, out);
}

void uvm_folded_free(struct uvm_folded *fo)
{
	size_t i;

	if (!fo)
		return;
	for (i = 0; i < fo->cap; i++)
		if (fo->t[i].comm) {
			free(fo->t[i].comm);
			free(fo->t[i].leaf);
			free(fo->t[i].pc);
		}
	free(fo->t);
	free(fo);
}
