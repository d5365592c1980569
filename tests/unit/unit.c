/*
 * unit.c - unit tests of the trace parser and the aggregation, built with
 * ASan and UBSan (make unit).  Prints "N passed, N failed".
 */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "uvm_profile.h"
#include "unit.h"

int passed, failed;

#define HDR "H\tuvm-trace\t1\t6.1.0-test\t1000\t0\t100\t1\tevents\tall\n"
#define SUMHDR "H\tuvm-trace\t1\t6.1.0-test\t1000\t0\t100\t1\tsummary\tall\n"
#define TRL "T\t9000\t%d\t0\t0\t0\t0\n"

/* Parse text fed in pieces of `chunk` bytes; returns the parser status. */
static int parse(struct uvm_profile *p, const char *text, size_t chunk)
{
	struct uvm_parser *ps = uvm_parser_new(p, "test");
	size_t len = strlen(text), off = 0;
	int rc = 0;

	while (off < len && rc == 0) {
		size_t n = len - off < chunk ? len - off : chunk;
		rc = uvm_parser_feed(ps, text + off, n);
		off += n;
	}
	if (rc == 0)
		rc = uvm_parser_finish(ps);
	uvm_parser_free(ps);
	return rc;
}

static void test_syscalls_any_chunking(void)
{
	const char *t = HDR
		"S\t1100\t100\t100\t39\tgetpid\t100\t-\t1000\t\n"
		"S\t1200\t100\t100\t39\tgetpid\t100\t-\t3000\t\n"
		"S\t1300\t100\t101\t257\topenat\t-2\tENOENT\t5000\t\"/x\\tq\", 0x0\n"
		"S\t1400\t100\t100\t231\texit_group\t0\t-\t-1\t0\n"
		"T\t9000\t5\t0\t0\t0\t0\n";
	size_t chunk;

	for (chunk = 1; chunk < 200; chunk += 13) {
		struct uvm_profile *p = uvm_profile_new();
		struct uvm_process *pr;
		struct uvm_syscall_stat *s;

		CHECK(parse(p, t, chunk) == 0);
		pr = uvm_profile_process(p, 100, 0);
		CHECK(pr != NULL);
		if (!pr) {
			uvm_profile_free(p);
			continue;
		}
		CHECK(pr->n_syscalls == 3);
		s = uvm_process_syscall(pr, 39, NULL);
		CHECK(s->count == 2 && s->total_ns == 4000 && s->min_ns == 1000 && s->max_ns == 3000);
		s = uvm_process_syscall(pr, 257, NULL);
		CHECK(s->errors == 1 && s->n_errnos == 1 && !strcmp(s->errnos[0].name, "ENOENT"));
		s = uvm_process_syscall(pr, 231, NULL);
		CHECK(s->count == 1 && s->timed == 0);
		CHECK(p->loss.have_trailer && p->loss.records_read == 5 && p->loss.records_written == 5 && p->loss.malformed == 0);
		uvm_profile_free(p);
	}
}

static void test_percentiles(void)
{
	struct uvm_syscall_stat s = { .min_ns = UINT64_MAX };
	uint64_t v = 0;
	int i;

	for (i = 1; i <= 1000; i++)
		uvm_syscall_add(&s, i * 1000, "-");
	CHECK(uvm_syscall_percentile(&s, 0.5, &v) == 0);
	/* log-linear buckets: within 1/8 of the true value */
	CHECK(v > 500000 * 7 / 8 && v < 500000 * 9 / 8);
	CHECK(uvm_syscall_percentile(&s, 0.99, &v) == 0);
	CHECK(v > 990000 * 7 / 8 && v <= 1000000);
	/* only the used buckets are kept, in order: 1000 values from 1 us
	 * to 1 ms span 10 powers of two, 8 buckets each */
	CHECK(s.n_hist > 0 && s.n_hist <= 88);
	for (i = 1; i < (int)s.n_hist; i++)
		CHECK(s.hist[i - 1].bucket < s.hist[i].bucket);
	free(s.hist);
	free(s.errnos);
}

static void test_tree_and_exit(void)
{
	struct uvm_profile *p = uvm_profile_new();
	const char *t = HDR
		"P\t1000\t100\t1\t1\tsh\t/bin/sh\n"
		"C\t1100\t100\t100\t200\t200\t0x11\t0\tsh\n"
		"C\t1150\t100\t100\t100\t201\t0x50f00\t1\tsh\n"
		"E\t1200\t200\t200\t200\t/bin/true\ttrue\ttrue --x\\x20y\n"
		"X\t1300\t200\t200\t1\t-1\t9\t1\t5\t1\t100\t200\t3\t4\t1024\n"
		"X\t1400\t100\t100\t1\t3\t0\t0\t7\t0\t0\t0\t0\t0\t2048\n"
		"T\t9000\t5\t0\t0\t0\t0\n";
	struct uvm_process *c, *pa;

	CHECK(parse(p, t, 4096) == 0);
	c = uvm_profile_process(p, 200, 0);
	pa = uvm_profile_process(p, 100, 0);
	CHECK(c && pa);
	if (c && pa) {
		CHECK(c->ppid == 100 && pa->n_children == 1 && pa->children[0] == c && c->parent == pa);
		CHECK(pa->threads == 1);
		CHECK(c->exited && c->signal == 9 && c->core == 1 && c->min_flt == 5);
		CHECK(!strcmp(c->argv, "true --x y"));
		CHECK(pa->exited && pa->status == 3 && pa->maxrss_kb == 2048);
	}
	uvm_profile_free(p);
}

static void test_memmap(void)
{
	struct uvm_profile *p = uvm_profile_new();
	const char *t = HDR
		"M\t1\t100\t100\tmmap\t0x0\t16384\t0\tRW\tP\t-1\t0\t0x10000\t-\t-\n"
		"M\t2\t100\t100\tmunmap\t0x11000\t4096\t0\t-\t-\t-1\t0\t0x0\t-\t-\n"
		"M\t3\t100\t100\tmremap\t0x10000\t4096\t65536\t-\t-\t-1\t0\t0x40000\t-\t-\n"
		"M\t4\t100\t100\tmmap\t0x0\t8192\t0\tR\tP\t3\t0\t0x80000\t-\t/lib/x.so\n"
		"M\t5\t100\t100\tmunmap\t0x1\t4096\t0\t-\t-\t-1\t0\t0x0\tEINVAL\t-\n"
		"M\t6\t100\t100\tbrk\t0x0\t0\t0\t-\t-\t-1\t0\t0x5000\t-\t-\n"
		"M\t7\t100\t100\tbrk\t0x9000\t0\t0\t-\t-\t-1\t0\t0x9000\t-\t-\n"
		"T\t9000\t7\t0\t0\t0\t0\n";
	struct uvm_process *pr;

	CHECK(parse(p, t, 7) == 0);
	pr = uvm_profile_process(p, 100, 0);
	CHECK(pr != NULL);
	if (pr) {
		/* [0x12000,0x14000) + [0x40000,0x50000) + [0x80000,0x82000) */
		CHECK(pr->mem.n == 3);
		CHECK(pr->mem.mapped == 0x2000 + 0x10000 + 0x2000);
		CHECK(pr->mem.peak_mapped == pr->mem.mapped);
		CHECK(pr->mem.failed == 1 && pr->mem.ops[1] == 2);
		CHECK(pr->mem.brk - pr->mem.brk_start == 0x4000);
		CHECK(pr->n_objects == 1 && pr->objects[0].base == 0x80000);
	}
	uvm_profile_free(p);
}

static void test_bad_input(void)
{
	struct uvm_profile *p;
	struct uvm_parser *ps;

	/* malformed lines are counted with line numbers, the rest kept */
	p = uvm_profile_new();
	CHECK(parse(p, HDR "S\t1\t2\n" "Q\tx\n" "S\tx\t100\t100\t39\tgetpid\t0\t-\t1\t\n"
		       "S\t1\t100\t100\t39\tgetpid\t0\t-\t1\t\n" "T\t9\t1\t0\t0\t0\t0\n", 3) == 0);
	CHECK(p->loss.malformed == 3);
	CHECK(p->loss.bad[0].line == 2 && p->loss.bad[1].line == 3 && p->loss.bad[2].line == 4);
	CHECK(uvm_profile_process(p, 100, 0)->syscalls[0].count == 1);
	uvm_profile_free(p);

	/* a truncated last line is reported, what came before kept */
	p = uvm_profile_new();
	CHECK(parse(p, HDR "S\t1\t100\t100\t39\tgetpid\t0\t-\t1\t\nS\t2\t100", 5) == 0);
	CHECK(p->loss.malformed == 1 && !p->loss.have_trailer);
	CHECK(uvm_profile_process(p, 100, 0)->syscalls[0].count == 1);
	uvm_profile_free(p);

	/* wrong version, no header, empty input: fatal, with a message */
	p = uvm_profile_new();
	ps = uvm_parser_new(p, "v5.trace");
	CHECK(uvm_parser_feed(ps, "H\tuvm-trace\t5\tk\t1\t0\t1\t1\tevents\tall\t1\n", 40) < 0);
	CHECK(uvm_parser_error(ps) && strstr(uvm_parser_error(ps), "v5.trace:1: trace format version 5"));
	uvm_parser_free(ps);
	uvm_profile_free(p);
	/* a version 3 header without its targets field */
	p = uvm_profile_new();
	ps = uvm_parser_new(p, "v3.trace");
	CHECK(uvm_parser_feed(ps, "H\tuvm-trace\t3\tk\t1\t0\t1\t1\tevents\tall\n", 38) < 0);
	CHECK(uvm_parser_error(ps) &&
	      strstr(uvm_parser_error(ps), "v3.trace:1: a version 3 header has 9 fields, expected 10"));
	uvm_parser_free(ps);
	uvm_profile_free(p);

	p = uvm_profile_new();
	CHECK(parse(p, "hello\n", 100) < 0);
	uvm_profile_free(p);

	p = uvm_profile_new();
	CHECK(parse(p, "", 100) < 0);
	uvm_profile_free(p);

	/* NUL bytes and an over-long line */
	p = uvm_profile_new();
	{
		size_t big = (2u << 20) + 10, hl = strlen(HDR);
		char *t = malloc(hl + big + 64);
		memcpy(t, HDR, hl);
		memset(t + hl, 'x', big);
		strcpy(t + hl + big, "\nS\t1\t100\t100\t39\tgetpid\t0\t-\t1\t\n");
		CHECK(parse(p, t, 65536) == 0);
		CHECK(p->loss.malformed == 1 && uvm_profile_process(p, 100, 0) != NULL);
		free(t);
	}
	uvm_profile_free(p);

	p = uvm_profile_new();
	ps = uvm_parser_new(p, "nul");
	CHECK(uvm_parser_feed(ps, HDR, strlen(HDR)) == 0);
	CHECK(uvm_parser_feed(ps, "S\t1\0\t2\n", 7) == 0);
	CHECK(uvm_parser_finish(ps) == 0 && p->loss.malformed == 1);
	uvm_parser_free(ps);
	uvm_profile_free(p);
}

/* 64-bit boundaries: in range accepted exactly, out of range malformed
 * with its line number (negating INT64_MIN was undefined behaviour;
 * 9999999999999999999 read as negative). */
static void test_int_bounds(void)
{
	static const struct {
		const char *ret;
		int ok;
		long long want;
	} c[] = {
		{ "9223372036854775807", 1, INT64_MAX },
		{ "-9223372036854775808", 1, INT64_MIN },
		{ "-1", 1, -1 },
		{ "0", 1, 0 },
		{ "9223372036854775808", 0, 0 },
		{ "-9223372036854775809", 0, 0 },
		{ "9999999999999999999", 0, 0 },
		{ "-9999999999999999999", 0, 0 },
		{ "18446744073709551616", 0, 0 },
		{ "-", 0, 0 },
		{ "", 0, 0 },
		{ "+1", 0, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct uvm_profile *p = uvm_profile_new();
		char t[512];
		struct uvm_process *pr;

		snprintf(t, sizeof(t), HDR "S\t1\t100\t100\t0\tread\t%s\t-\t5\t\n", c[i].ret);
		CHECK(parse(p, t, 7) == 0);
		pr = uvm_profile_process(p, 100, 0);
		if (c[i].ok) {
			CHECK(p->loss.malformed == 0 && pr && pr->n_syscalls == 1);
		} else {
			CHECK(p->loss.malformed == 1 && p->loss.bad[0].line == 2 && !pr);
			CHECK(strstr(p->loss.bad[0].why, "field 6 is not a number") != NULL);
		}
		uvm_profile_free(p);
	}
	/* and as a latency: -9999999999999999999 is no latency */
	{
		struct uvm_profile *p = uvm_profile_new();
		CHECK(parse(p, HDR "S\t1\t100\t100\t0\tread\t0\t-\t-9999999999999999999\t\n", 64) == 0);
		CHECK(p->loss.malformed == 1 && !uvm_profile_process(p, 100, 0));
		uvm_profile_free(p);
	}
}

/* A line over 1 MiB that spans reads is one line: the lines after it
 * keep their numbers.  A first line over 1 MiB is "not a uvm trace",
 * not "empty". */
static void test_long_lines(void)
{
	size_t big = (2u << 20) + 10, hl = strlen(HDR);
	char *t = malloc(hl + big + 64);
	struct uvm_profile *p = uvm_profile_new();
	struct uvm_parser *ps;

	memcpy(t, HDR, hl);
	memset(t + hl, 'x', big);
	strcpy(t + hl + big, "\nQ\tx\n");
	CHECK(parse(p, t, 65536) == 0);
	CHECK(p->loss.malformed == 2 && p->loss.bad[0].line == 2 && p->loss.bad[1].line == 3);
	CHECK(p->lines == 3);
	uvm_profile_free(p);

	p = uvm_profile_new();
	ps = uvm_parser_new(p, "big.trace");
	memset(t, 'x', hl + big);
	CHECK(uvm_parser_feed(ps, t, 1u << 20) == 0);
	CHECK(uvm_parser_feed(ps, t, 1u << 20) < 0);
	CHECK(uvm_parser_error(ps) &&
	      !strcmp(uvm_parser_error(ps), "big.trace:1: not a uvm trace: the first line is longer than 1 MiB"));
	uvm_parser_free(ps);
	uvm_profile_free(p);
	free(t);
}

static void test_summary_snapshots(void)
{
	struct uvm_profile *p = uvm_profile_new();
	const char *t = HDR
		"I\t10\t1\t0\n"
		"s\t100\t39\tgetpid\t5\t0\t50\t1\t20\n"
		"I\t20\t2\t1\n"
		"s\t100\t39\tgetpid\t9\t0\t90\t1\t20\n"
		"e\t100\t257\tENOENT\t4\n"
		"h\t100\t39\t3\t9\n"
		"f\t100\tminor\tanon\t-\t12\t3400\n"
		"T\t9000\t7\t0\t0\t0\t0\n";
	struct uvm_process *pr;

	CHECK(parse(p, t, 4096) == 0);
	pr = uvm_profile_process(p, 100, 0);
	CHECK(pr && pr->n_syscalls == 2);
	if (pr && pr->n_syscalls == 2) {
		/* only the last (cumulative) snapshot counts */
		CHECK(pr->syscalls[0].count == 9 && pr->syscalls[0].total_ns == 90);
		CHECK(pr->syscalls[1].n_errnos == 1 && pr->syscalls[1].errnos[0].count == 4);
		CHECK(pr->faults.count[UVM_MINOR] == 12);
	}
	CHECK(p->snapshots == 2);
	uvm_profile_free(p);
}

static uint64_t hist_total(const struct uvm_syscall_stat *s)
{
	uint64_t n = 0;
	uint32_t i;

	for (i = 0; i < s->n_hist; i++)
		n += s->hist[i].count;
	return n;
}

static void test_summary_flush_at_exit(void)
{
	struct uvm_profile *p = uvm_profile_new();
	/* 200 is in snapshot 1 alive, then exits: its flush is cumulative
	 * and replaces what snapshot 1 said (histogram and faults, which
	 * the reader adds up, included); later snapshots leave it alone */
	const char *t = SUMHDR
		"I\t10\t1\t0\n"
		"s\t100\t39\tgetpid\t2\t0\t20\t1\t10\n"
		"s\t200\t39\tgetpid\t1\t0\t5\t5\t5\n"
		"h\t200\t39\t2\t1\n"
		"f\t200\tminor\tanon\t-\t3\t300\n"
		"X\t15\t200\t200\t1\t0\t0\t0\t1\t0\t0\t0\t0\t0\t0\n"
		"s\t200\t39\tgetpid\t4\t0\t40\t5\t15\n"
		"h\t200\t39\t2\t4\n"
		"f\t200\tminor\tanon\t-\t5\t500\n"
		"I\t20\t2\t1\n"
		"s\t100\t39\tgetpid\t7\t0\t70\t1\t10\n"
		"T\t9000\t12\t0\t0\t0\t0\n";
	struct uvm_process *a, *b;

	CHECK(parse(p, t, 4096) == 0);
	a = uvm_profile_process(p, 100, 0);
	b = uvm_profile_process(p, 200, 0);
	CHECK(a && b);
	if (a && b) {
		/* the live one: the last snapshot; the exited one: its flush */
		CHECK(a->n_syscalls == 1 && a->syscalls[0].count == 7);
		CHECK(b->n_syscalls == 1 && b->syscalls[0].count == 4 && b->exited);
		CHECK(b->n_syscalls == 1 && hist_total(&b->syscalls[0]) == 4);
		CHECK(b->faults.count[UVM_MINOR] == 5 && b->faults.total_ns == 500);
	}
	CHECK(p->loss.records_read == p->loss.records_written);
	uvm_profile_free(p);
}

/* SystemTap's reason for stopping a run reaches the report. */
static void test_stap_error(void)
{
	struct uvm_profile *p = uvm_profile_new();

	uvm_profile_stap_stderr(p, "WARNING: Number of errors: 1, skipped probes: 0");
	uvm_profile_stap_stderr(p, "ERROR: probe overhead (507410885 cycles) exceeded threshold (500000000 cycles)");
	uvm_profile_stap_stderr(p, "ERROR: a second one");
	CHECK(!strcmp(p->loss.stap_error,
		      "probe overhead (507410885 cycles) exceeded threshold (500000000 cycles)"));
	CHECK(p->loss.stap_reported && p->loss.stap_skipped == 0);
	uvm_profile_free(p);
}

static void test_unescape(void)
{
	char s[] = "a\\tb\\\\c\\x41\\n";

	CHECK(uvm_unescape(s) == 7 && !strcmp(s, "a\tb\\cA\n"));
}

/* K records: frames parsed into p->stack, counted, bounds kept; a sink
 * sees the stack of a good K right after its event. */
struct stack_seen {
	struct uvm_sink sink;
	int n;
	size_t frames;
	uint64_t last;
};

static void stack_record(struct uvm_sink *s, struct uvm_profile *p, char tag,
			 const union uvm_record *r)
{
	struct stack_seen *ss = (struct stack_seen *)s;

	(void)r;
	if (tag == 'K') {
		ss->n++;
		ss->frames += p->stack.n;
		ss->last = p->stack.n ? p->stack.pc[p->stack.n - 1] : 0;
	}
}

static void test_stacks(void)
{
	const char *t = "H\tuvm-trace\t2\t6.1.0-test\t1000\t0\t100\t1\tevents\tall\n"
		"S\t1100\t100\t100\t39\tgetpid\t100\t-\t1000\t\n"
		"K\t100\t100\t26\t0x1 0xffffffffffffffff 0xABCdef\n"
		"F\t1200\t100\t101\t0x1000\t0x0\twu\tminor\t5\tanon\t0x1000\t-\n"
		"K\t100\t101\t1\t-\n"
		"K\t100\t101\t1\t0x1\n"				/* after a K */
		"S\t1300\t100\t100\t39\tgetpid\t100\t-\t1000\t\n"
		"K\t100\t100\t27\t0x1\n"				/* max too big */
		"S\t1400\t100\t100\t39\tgetpid\t100\t-\t1000\t\n"
		"K\t100\t100\t2\t0x10000000000000000\n"		/* 17 digits */
		"S\t1500\t100\t100\t39\tgetpid\t100\t-\t1000\t\n"
		"K\t100\t100\t2\t0x1 \n"				/* trailing space */
		"T\t9000\t12\t0\t0\t0\t0\n";
	size_t chunk;

	for (chunk = 1; chunk < 300; chunk += 29) {
		struct uvm_profile *p = uvm_profile_new();
		struct stack_seen ss = { { stack_record }, 0, 0, 0 };

		p->sink = &ss.sink;
		CHECK(parse(p, t, chunk) == 0);
		CHECK(p->stacks == 2 && ss.n == 2 && ss.frames == 3);
		CHECK(p->loss.malformed == 4 && p->loss.records_read == 12);
		CHECK(p->loss.bad[0].line == 6 && p->loss.bad[1].line == 8 &&
		      p->loss.bad[2].line == 10 && p->loss.bad[3].line == 12);
		uvm_profile_free(p);
	}
	/* the frames themselves */
	{
		struct uvm_profile *p = uvm_profile_new();

		CHECK(parse(p, "H\tuvm-trace\t2\tk\t1\t0\t1\t1\tevents\tall\n"
			   "S\t1\t1\t1\t39\tgetpid\t1\t-\t1\t\n"
			   "K\t1\t1\t26\t0x1 0xffffffffffffffff 0xABCdef\n", 4096) == 0);
		CHECK(p->stack.event == 'S' && p->stack.max_frames == 26 && p->stack.n == 3 &&
		      p->stack.pc[0] == 1 && p->stack.pc[1] == UINT64_MAX && p->stack.pc[2] == 0xabcdef);
		uvm_profile_free(p);
	}
}

/* runtime/uvm_targets.h, as the kernel and the collector run it. */
static void test_targets(void)
{
	struct uvm_targets t;
	char buf[UVM_TARGETS_STR_MAX], small[8];
	size_t at;
	unsigned i;

	uvm_targets_init(&t);
	CHECK(uvm_targets_parse(&t, "", 0, &at) == UVM_TARGETS_OK && t.n == 0);
	CHECK(uvm_targets_format(&t, buf, sizeof(buf)) == 1 && !strcmp(buf, "-"));
	CHECK(uvm_targets_parse(&t, "142,7,142,0099", 64, &at) == UVM_TARGETS_OK);
	CHECK(t.n == 3 && t.pid[0] == 142 && t.pid[1] == 7 && t.pid[2] == 99);
	CHECK(uvm_targets_format(&t, buf, sizeof(buf)) == 8 && !strcmp(buf, "142,7,99"));
	/* too small: nothing half written */
	CHECK(uvm_targets_format(&t, small, 6) == -1 && small[0] == '\0');
	/* len bounds the read; a NUL ends it early */
	uvm_targets_init(&t);
	CHECK(uvm_targets_parse(&t, "12,34", 2, &at) == UVM_TARGETS_OK && t.n == 1 && t.pid[0] == 12);
	uvm_targets_init(&t);
	CHECK(uvm_targets_parse(&t, "5\0,x", 4, &at) == UVM_TARGETS_OK && t.n == 1);
	/* refused, with where */
	{
		static const struct { const char *s; enum uvm_targets_status st; size_t at; } bad[] = {
			{ ",1", UVM_TARGETS_SYNTAX, 0 },	{ "1,", UVM_TARGETS_SYNTAX, 0 },
			{ "1,,2", UVM_TARGETS_SYNTAX, 2 },	{ "1 2", UVM_TARGETS_SYNTAX, 0 },
			{ "-1", UVM_TARGETS_SYNTAX, 0 },	{ "+1", UVM_TARGETS_SYNTAX, 0 },
			{ "1,x", UVM_TARGETS_SYNTAX, 2 },	{ "0", UVM_TARGETS_RANGE, 0 },
			{ "3,4194304", UVM_TARGETS_RANGE, 2 },	{ "99999999999999999999999", UVM_TARGETS_RANGE, 0 },
		};
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			uvm_targets_init(&t);
			CHECK(uvm_targets_parse(&t, bad[i].s, strlen(bad[i].s), &at) == bad[i].st);
			CHECK(at == bad[i].at);
		}
	}
	CHECK(uvm_targets_parse(&t, "4194303", 7, &at) == UVM_TARGETS_OK);
	/* 64 distinct, then the 65th; the longest list fits its bound */
	uvm_targets_init(&t);
	for (i = 0; i < UVM_TARGETS_MAX; i++)
		CHECK(uvm_targets_add(&t, UVM_TARGET_PID_MAX - (long)i) == UVM_TARGETS_OK);
	CHECK(uvm_targets_add(&t, 1) == UVM_TARGETS_TOO_MANY && t.n == UVM_TARGETS_MAX);
	CHECK(uvm_targets_add(&t, UVM_TARGET_PID_MAX) == UVM_TARGETS_OK);	/* already there */
	CHECK(uvm_targets_format(&t, buf, sizeof(buf)) == UVM_TARGETS_STR_MAX - 1);
	{
		struct uvm_targets back;

		uvm_targets_init(&back);
		CHECK(uvm_targets_parse(&back, buf, sizeof(buf), &at) == UVM_TARGETS_OK);
		CHECK(back.n == t.n && !memcmp(back.pid, t.pid, sizeof(t.pid)));
	}
}

/* Version 3 headers: the target set; processes grouped by tree. */
static void test_header_targets(void)
{
	const char *t = "H\tuvm-trace\t3\tk\t1000\t0\t0\t1\tevents\tall\t10,20,30\n"
		"P\t1000\t10\t1\t1\tsh\t/bin/sh\n"
		"P\t1000\t11\t10\t1\tsh\t/bin/sh\n"
		"P\t1000\t20\t1\t1\tsh\t/bin/sh\n"
		"P\t1000\t30\t11\t1\tsh\t/bin/sh\n"	/* nested under 10's tree */
		"C\t1100\t20\t20\t21\t21\t0x0\t0\tw\n"
		"C\t1100\t30\t30\t31\t31\t0x0\t0\tw\n"
		"S\t1200\t10\t10\t110\tgetppid\t1\t-\t10\t\n"
		"S\t1200\t21\t21\t110\tgetppid\t1\t-\t10\t\n"
		"S\t1200\t21\t21\t110\tgetppid\t1\t-\t10\t\n"
		"S\t1200\t31\t31\t110\tgetppid\t1\t-\t10\t\n"
		"S\t1200\t31\t31\t110\tgetppid\t1\t-\t10\t\n"
		"S\t1200\t31\t31\t110\tgetppid\t1\t-\t10\t\n"
		"T\t9000\t13\t0\t0\t0\t0\n";
	struct uvm_profile *p = uvm_profile_new();
	size_t i;

	CHECK(parse(p, t, 7) == 0);
	uvm_profile_finish(p);
	CHECK(p->version == 3 && p->target == 0 && p->targets.n == 3);
	CHECK(p->targets.pid[0] == 10 && p->targets.pid[1] == 20 && p->targets.pid[2] == 30);
	for (i = 0; i < p->n_procs; i++) {
		const struct uvm_process *pr = p->procs[i];
		int want = pr->pid < 20 ? 0 : pr->pid < 30 ? 1 : 2;

		CHECK(pr->tree == want);
	}
	CHECK(p->trees[0].processes == 2 && p->trees[1].processes == 2 && p->trees[2].processes == 2);
	CHECK(p->trees[0].totals.n_syscalls == 1 && p->trees[0].totals.syscalls[0].count == 1);
	CHECK(p->trees[1].totals.syscalls[0].count == 2 && p->trees[2].totals.syscalls[0].count == 3);
	CHECK(p->totals.syscalls[0].count == 6);
	uvm_profile_free(p);

	/* a version 2 header: its target is the one tree */
	p = uvm_profile_new();
	CHECK(parse(p, "H\tuvm-trace\t2\tk\t1\t0\t7\t1\tevents\tall\n", 64) == 0);
	CHECK(p->targets.n == 1 && p->targets.pid[0] == 7);
	uvm_profile_free(p);
	/* fields that do not match the version, bad lists: fatal */
	{
		static const char *const bad[] = {
			"H\tuvm-trace\t3\tk\t1\t0\t7\t1\tevents\tall\n",
			"H\tuvm-trace\t2\tk\t1\t0\t7\t1\tevents\tall\t7\n",
			"H\tuvm-trace\t3\tk\t1\t0\t7\t1\tevents\tall\t8,9\n",
			"H\tuvm-trace\t3\tk\t1\t0\t7\t1\tevents\tall\t-\n",
			"H\tuvm-trace\t3\tk\t1\t0\t0\t1\tevents\tall\t1,,2\n",
			"H\tuvm-trace\t3\tk\t1\t0\t0\t1\tevents\tall\t0\n",
		};
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			p = uvm_profile_new();
			CHECK(parse(p, bad[i], 64) == UVM_PARSE_FATAL);
			uvm_profile_free(p);
		}
	}
}

/* Version 4: N records, each process's own perf counts summed over its
 * threads, taken where the counters file has none of its own. */
static void test_task_counts(void)
{
	const char *t = "H\tuvm-trace\t4\tk\t1000\t0\t10\t1\tevents\tall\t10\n"
		"P\t1000\t10\t1\t1\tsh\t/bin/sh\n"
		"C\t1100\t10\t10\t10\t11\t0x10f00\t1\tsh\n"
		"N\t1200\t10\t11\t1\t1\t50\n"
		"N\t1200\t10\t11\t1\t3\t2\n"
		"N\t1300\t10\t10\t1\t1\t100\n"
		"N\t1300\t10\t10\t1\t3\t5\n"
		"N\t1300\t50\t50\t1\t1\t7\n"	/* not in the trace: each once */
		"N\t1300\t50\t50\t1\t3\t1\n"
		"N\t1300\t60\t60\t1\t1\t7\n"
		"N\t1300\t50\t51\t1\t1\t7\n"
		"N\t1300\t10\t10\t2\t1\t1\n"	/* no counter of uvm-exec's */
		"N\t1300\t10\t10\t1\t5\t-1\n"
		"N\t1300\t0\t10\t1\t5\t1\n"	/* no process */
		"N\t1300\t4294967306\t10\t1\t5\t1\n"
		"X\t1400\t10\t10\t1\t0\t0\t0\t1\t0\t0\t0\t0\t0\t1\n"
		"T\t9000\t12\t0\t0\t0\t0\n";
	struct uvm_profile *p = uvm_profile_new();
	struct uvm_process *pr;
	char path[] = "/tmp/uvm-unit-counters-XXXXXX", err[256];
	FILE *f;
	int fd;

	CHECK(parse(p, t, 9) == 0);
	CHECK(p->loss.malformed == 4 && p->task_counts == 8 && p->task_counts_unattributed == 2);
	pr = uvm_profile_process(p, 10, 0);
	CHECK(pr && pr->task_counts.v[UVM_COUNTER_TASK_CLOCK] == 150 &&
	      pr->task_counts.v[UVM_COUNTER_CONTEXT_SWITCHES] == 7);
	CHECK(pr->task_counts.have == (1u << UVM_COUNTER_TASK_CLOCK | 1u << UVM_COUNTER_CONTEXT_SWITCHES));
	CHECK(!pr->counts.have);
	/* a file without any process's own: the trace's are taken, for the
	 * counters the file counted */
	fd = mkstemp(path);
	CHECK(fd >= 0 && (f = fdopen(fd, "w")));
	fputs(UVM_COUNTERS_MAGIC "\nunsupported context_switches ENOENT\nlost 3\nper-process none\n"
	      "total task_clock_ns 200\nend\n", f);
	fclose(f);
	CHECK(uvm_counters_read(p, path, err, sizeof(err)) == 0);
	CHECK(p->per_process == UVM_PER_PROCESS_MODULE && p->counters_unattributed == 2);
	CHECK(pr->counts.have == 1u << UVM_COUNTER_TASK_CLOCK && pr->counts.v[UVM_COUNTER_TASK_CLOCK] == 150);
	/* a file may not say module itself */
	f = fopen(path, "w");
	CHECK(f);
	fputs(UVM_COUNTERS_MAGIC "\nlost 3\nper-process module\nend\n", f);
	fclose(f);
	CHECK(uvm_counters_read(p, path, err, sizeof(err)) < 0 && strstr(err, ":3: not a counters line"));
	unlink(path);
	uvm_profile_free(p);

	/* a process's count past 2^64: refused, what it had kept */
	p = uvm_profile_new();
	CHECK(parse(p, "H\tuvm-trace\t4\tk\t1\t0\t7\t1\tevents\tall\t7\n"
		       "P\t1000\t7\t1\t1\tsh\t/bin/sh\n"
		       "N\t1300\t7\t7\t1\t1\t9223372036854775807\n"
		       "N\t1300\t7\t8\t1\t1\t9223372036854775807\n"
		       "N\t1300\t7\t9\t1\t1\t2\n", 64) == 0);
	CHECK(p->loss.malformed == 1 && p->task_counts == 2);
	CHECK(uvm_profile_process(p, 7, 0)->task_counts.v[UVM_COUNTER_TASK_CLOCK] == UINT64_MAX - 1);
	uvm_profile_free(p);

	/* before version 4 there is no N */
	p = uvm_profile_new();
	CHECK(parse(p, "H\tuvm-trace\t3\tk\t1\t0\t7\t1\tevents\tall\t7\n"
		       "N\t1300\t7\t7\t1\t1\t100\n", 64) == 0);
	CHECK(p->loss.malformed == 1 && !p->task_counts);
	uvm_profile_free(p);
}

int main(void)
{
	test_targets();
	test_task_counts();
	test_header_targets();
	test_syscalls_any_chunking();
	test_percentiles();
	test_tree_and_exit();
	test_memmap();
	test_bad_input();
	test_int_bounds();
	test_long_lines();
	test_summary_snapshots();
	test_summary_flush_at_exit();
	test_unescape();
	test_stacks();
	test_stap_error();
	test_escape_round_trip();
	test_escape_bounds();
	test_format_args();
	test_model_json();
	test_model_xml();
	test_model_errors();
	test_model_compact();
	test_mann_whitney();
	test_holm();
	test_median_spread();
	test_rows_report();
	test_runs_summary();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
