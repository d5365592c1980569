/*
 * uvm-collect - turn a uvm trace into a profile: from a file, a pipe, or
 * a stap it starts itself.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glob.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "live.h"
#include "rows.h"
#include "uvm_profile.h"
#include "uvm_trace.h"
#include "util.h"

#define UVM_VERSION "0.1.0"

/* Exit codes (documented in docs/uvm-collect.1). */
enum {
	EXIT_OK = 0,		/* report written, nothing lost */
	EXIT_USAGE = 1,		/* bad options */
	EXIT_INPUT = 2,		/* no usable trace: unreadable, not a trace, wrong version, stap failed */
	EXIT_LOSS = 3,		/* report written, but events were lost or lines malformed */
	EXIT_OUTPUT = 4,	/* the report could not be written */
};

struct options {
	struct uvm_report_opts report;
	struct uvm_live_opts live;
	const char *output;
	const char *input;
	int symbols;
	long repeat;		/* --repeat N: 0 when not given */
	int runs;		/* --runs: the trace files are runs */
	int save_failed;	/* --save-trace could not write the whole trace */
	const char *counters;	/* --counters FILE, with a trace file */
};

static void usage(FILE *out)
{
	fprintf(out,
"Usage: uvm-collect [OPTIONS] TRACE          profile a uvm trace file ('-': stdin)\n"
"       uvm-collect [OPTIONS] -p PID [-p PID...]  trace running processes and what\n"
"                                            they fork\n"
"       uvm-collect [OPTIONS] -- CMD [ARG...] trace a command and what it forks\n"
"       uvm-collect --repeat N [OPTIONS] -- CMD [ARG...]  trace a command N times\n"
"       uvm-collect --runs [OPTIONS] TRACE...  profile saved traces as repeated runs\n"
"       uvm-collect diff [OPTIONS] BASE NEW   compare two reports (diff --help)\n"
"       uvm-collect diff --folded [OPTIONS] BASE NEW  differential folded stacks\n"
"\n"
"Reads the uvm trace format (docs/trace-format.md) written by scripts/uvm.stp\n"
"and reports per process: system calls (count, errors by errno, latency\n"
"total/min/max/p50/p95/p99), page faults (by outcome, access and region, with\n"
"the most faulting code), the memory map, the process tree with exit\n"
"statuses, and what was lost.  Live (-p, --), it starts SystemTap itself, or\n"
"the uvm guest (scripts/uvm-vm) where this kernel cannot load modules, and\n"
"reports when the traced processes have exited or on SIGINT.\n"
"\n"
"Output:\n"
"  -f, --format FMT     text (default), json, xml; html: one self-contained page\n"
"                       with the tree, a timeline, tables, latency histograms\n"
"                       and a flame graph (with --stacks); perfetto: a timeline\n"
"                       (Chrome Trace Event JSON, for ui.perfetto.dev); folded:\n"
"                       flame graph stacks (needs a trace with stacks, --stacks)\n"
"      --weight W       folded, html: what a stack counts: calls (system calls, the\n"
"                       default), time (ns in system calls and user-mode page\n"
"                       faults) or faults (minor and major page faults)\n"
"  -o, --output FILE    write the report to FILE (default: stdout)\n"
"  -S, --sort KEY       order system calls by time (default), calls, errors,\n"
"                       avg, max, name or nr\n"
"  -n, --top N          show the N first system calls of each table (0: all;\n"
"                       default 0)\n"
"      --totals-only    text: only the all-processes table, no per-process ones\n"
"      --no-symbols     do not resolve fault sites (or folded stacks: raw\n"
"                       addresses) with libdwfl\n"
"      --sysroot DIR    look for traced binaries under DIR first (live guest\n"
"                       runs default to the guest image's root)\n"
"Repeated runs (text or json):\n"
"      --repeat N       run and trace CMD N times (1 to 1000), each a fresh\n"
"                       profile; json: {\"runs\": [report, ...], \"summary\": ...},\n"
"                       which uvm-collect diff takes as a side; text: each row's\n"
"                       median, min..max and spread ((max-min)/median) per process\n"
"      --runs           the trace files given are runs of one workload: the same\n"
"                       output, from saved traces\n"
"Live tracing:\n"
"  -p, --pid PID        attach to PID (stap -x); repeated (at most 64), trace\n"
"                       each (uvm.stp -G pids=PID,PID,...), the report grouped\n"
"                       by their trees\n"
"  -m, --mode MODE      events (default: one record per event) or summary\n"
"                       (aggregated in the kernel; cheaper, no fault sites)\n"
"      --no-follow      trace the target alone, not its children\n"
"      --stacks         also record the user stack of each system call and page\n"
"                       fault (uvm.stp -G stacks=1, with stap -d for the\n"
"                       command or PID's binary and --ldd for its libraries)\n"
"      --save-trace FILE  also keep the raw trace in FILE, to report again later\n"
"                       (uvm-collect FILE) in any format\n"
"      --counters FILE  with a trace file: the perf counters uvm-exec --counters\n"
"                       wrote for its run (live runs in the guest count\n"
"                       themselves)\n"
"      --stap-arg ARG   pass ARG to stap (repeatable), e.g. --stap-arg=-s64\n"
"      --overload-guard keep SystemTap's overload guard, which ends the run\n"
"                       when probes take over half the CPU for a second (a\n"
"                       tight system call loop); off by default\n"
"      --guest          always use the uvm guest; --no-guest never\n"
"      --backend        print where live tracing would run, 'host' (this kernel\n"
"                       runs SystemTap) or 'guest' (scripts/uvm-vm), and exit\n"
"      --progress       show records/s and processes on stderr (default when\n"
"                       stderr is a terminal); --no-progress\n"
"  -v, --verbose        show the stap command line\n"
"  -h, --help           this help;  -V, --version  the version\n"
"\n"
"Exit status: 0 report written, nothing lost; 1 usage error; 2 no usable trace\n"
"(unreadable, not a uvm trace, wrong format version, stap failed); 3 report\n"
"written, but events were lost or lines were malformed (see its Loss line);\n"
"4 the report (or --save-trace's file) could not be written.  Repeated runs:\n"
"the worst of the runs' (2 before 3); a run with no usable trace stops them,\n"
"and the runs before it are written.\n"
"\n"
"Environment: UVM_TAPSETS, UVM_SCRIPT, UVM_VM (where tapsets/, uvm.stp and\n"
"uvm-vm are; found next to this program otherwise), UVM_VM_DIR.\n"
"\n"
"Examples:\n"
"  uvm-collect -- ls -l /usr                  trace ls, print the text report\n"
"  uvm-collect -f json -o out.json -- make     trace a build into JSON\n"
"  stap -I tapsets -x 1234 scripts/uvm.stp > t; uvm-collect -S calls -n 10 t\n"
"  uvm-collect -m summary -p 1234             low-overhead profile of a PID\n"
"  uvm-collect --stacks -f folded -o out.folded -- ./prog; flamegraph.pl out.folded\n"
"  uvm-collect --stacks -f html -o report.html -- ./prog   then open report.html\n"
"  uvm-collect --repeat 10 -f json -o new.json -- ./bench; uvm-collect diff base.json new.json\n");
}

static int parse_count(const char *s, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

/* dir/rel if it exists, else NULL (static buffer per call site). */
static const char *beside(const char *exedir, const char *rel, char *buf, size_t n)
{
	snprintf(buf, n, "%s/%s", exedir, rel);
	return access(buf, F_OK) == 0 ? buf : NULL;
}

static void find_paths(struct uvm_live_opts *l)
{
	static char exe[PATH_MAX], b1[PATH_MAX + 64], b2[PATH_MAX + 64], b3[PATH_MAX + 64];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *dir;

	exe[n > 0 ? n : 0] = '\0';
	dir = dirname(exe);
	l->tapsets = getenv("UVM_TAPSETS");
	if (!l->tapsets && !(l->tapsets = beside(dir, "../tapsets", b1, sizeof(b1))))
		l->tapsets = beside(dir, "../share/uvm/tapsets", b1, sizeof(b1));
	l->script = getenv("UVM_SCRIPT");
	if (!l->script && !(l->script = beside(dir, "../scripts/uvm.stp", b2, sizeof(b2))))
		l->script = beside(dir, "../share/uvm/scripts/uvm.stp", b2, sizeof(b2));
	l->uvm_vm = getenv("UVM_VM");
	if (!l->uvm_vm && !(l->uvm_vm = beside(dir, "../scripts/uvm-vm", b3, sizeof(b3))))
		l->uvm_vm = beside(dir, "../share/uvm/scripts/uvm-vm", b3, sizeof(b3));
}

/* The root filesystem of the uvm guest image (one per kernel profile,
 * $UVM_VM_DIR/PROFILE/root) that boots kernel release rel, if any. */
static int guest_root(const char *rel, char *out, size_t n)
{
	const char *d = getenv("UVM_VM_DIR");
	char pattern[PATH_MAX];
	glob_t g;
	int found = 0;

	if (!d)
		d = "/var/cache/uvm";
	/* a release names a file: no glob characters, no slashes */
	if (strpbrk(rel, "/*?[\\") ||
	    (size_t)snprintf(pattern, sizeof(pattern), "%s/*/root/boot/vmlinuz-%s", d, rel) >= sizeof(pattern))
		return 0;
	if (glob(pattern, 0, NULL, &g) == 0 && g.gl_pathc > 0) {
		char *root = g.gl_pathv[0];
		char *boot = strstr(root, "/root/boot/vmlinuz-");
		if (boot && (size_t)(boot - root) + 5 < n) {
			snprintf(out, n, "%.*s", (int)(boot - root) + 5, root);
			found = 1;
		}
	}
	globfree(&g);
	return found;
}

/* The file of an output written before it is known to be complete (the
 * timeline, repeated runs): a new file beside path (*tmp), with the mode
 * a new file gets.  A path that is not a regular file (/dev/null, a FIFO, a
 * terminal) is written as it is, *tmp NULL: renaming over it would
 * replace the device. */
static FILE *output_open(const char *path, char **tmp)
{
	size_t n = strlen(path) + sizeof(".XXXXXX");
	struct stat st;
	mode_t mask;
	FILE *f;
	int fd;

	*tmp = NULL;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return fopen(path, "w");
	mask = umask(0);
	umask(mask);
	*tmp = xcalloc(n, 1);
	snprintf(*tmp, n, "%s.XXXXXX", path);
	fd = mkstemp(*tmp);
	if (fd < 0 || fchmod(fd, 0666 & ~mask) || !(f = fdopen(fd, "w"))) {
		int e = errno;

		if (fd >= 0) {
			close(fd);
			unlink(*tmp);
		}
		free(*tmp);
		*tmp = NULL;
		errno = e;
		return NULL;
	}
	return f;
}

/* Close it: renamed over path when keep (it holds the output), else
 * removed.  0, or -1 with errno set. */
static int output_close(FILE *f, char **tmp, const char *path, int keep)
{
	int rc = fclose(f);

	if (!*tmp)		/* written in place */
		return rc ? -1 : 0;
	if (keep && !rc)
		rc = rename(*tmp, path);
	else
		unlink(*tmp);
	free(*tmp);
	*tmp = NULL;
	return rc ? -1 : 0;
}

/*
 * Profile one input into p: the trace file input ("-": stdin), or, input
 * NULL, a live run of o->live.  EXIT_OK (o->save_failed set when
 * --save-trace's copy is not whole), EXIT_INPUT, or EXIT_OUTPUT when
 * --save-trace's file cannot be opened; the error written.
 */
static int profile_one(struct options *o, struct uvm_profile *p, const char *input)
{
	char err[512] = "";
	int fd, bad;

	if (input) {
		fd = strcmp(input, "-") ? open(input, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
		if (fd < 0) {
			fprintf(stderr, "uvm-collect: %s: %s\n", input, strerror(errno));
			return EXIT_INPUT;
		}
		bad = uvm_parse_fd(p, fd, strcmp(input, "-") ? input : "<stdin>", err, sizeof(err));
		if (fd > STDIN_FILENO)
			close(fd);
		if (bad) {
			fprintf(stderr, "uvm-collect: %s\n", err);
			return EXIT_INPUT;
		}
		return EXIT_OK;
	}
	find_paths(&o->live);
	if (!o->live.tapsets || !o->live.script) {
		fprintf(stderr, "uvm-collect: cannot find uvm's tapsets and uvm.stp (set UVM_TAPSETS and UVM_SCRIPT)\n");
		return EXIT_INPUT;
	}
	if (o->live.progress < 0)
		o->live.progress = isatty(STDERR_FILENO);
	if (uvm_live_guest(&o->live) && !o->live.uvm_vm) {
		fprintf(stderr, "uvm-collect: tracing needs the uvm guest (%s) and uvm-vm was not found (set UVM_VM)\n",
			o->live.guest == 1 ? "--guest" : "this kernel cannot run SystemTap");
		return EXIT_INPUT;
	}
	/* before anything runs: a file that cannot be written is an error
	 * now, not after the workload */
	if (o->live.save_trace && o->live.save_fd < 0 &&
	    (o->live.save_fd = open(o->live.save_trace, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
				    0666)) < 0) {
		fprintf(stderr, "uvm-collect: --save-trace %s: %s\n", o->live.save_trace, strerror(errno));
		return EXIT_OUTPUT;
	}
	switch (uvm_live_run(p, &o->live, err, sizeof(err))) {
	case 0:
		return EXIT_OK;
	case 1:			/* the trace not saved whole: report all the same */
		fprintf(stderr, "uvm-collect: %s\n", err);
		o->save_failed = 1;
		return EXIT_OK;
	default:
		fprintf(stderr, "uvm-collect: %s\n", err);
		return EXIT_INPUT;
	}
}

/* A trace made in a uvm guest names the guest's binaries: resolve
 * symbols in the root of the guest image whose kernel wrote it. */
static void guest_sysroot(struct options *o, const struct uvm_profile *p)
{
	static char sysroot[PATH_MAX];

	if (!o->report.sysroot && p->kernel[0] && guest_root(p->kernel, sysroot, sizeof(sysroot)))
		o->report.sysroot = sysroot;
}

/* Say what a finished profile lost ("run N: " in what); 1 when it did. */
static int loss_warn(const struct uvm_profile *p, const char *what)
{
	const struct uvm_loss *l = &p->loss;

	if (!uvm_loss_incomplete(l))
		return 0;
	fprintf(stderr, "uvm-collect: %sthe trace is incomplete: %s%llu malformed lines, "
		"%llu events dropped, %llu skipped, %llu transport failures\n", what,
		l->have_trailer ? "" : "no trailer (cut short), ",
		(unsigned long long)l->malformed, (unsigned long long)l->dropped,
		/* the same skips, counted by uvm at its end and by staprun at
		 * unload (later, so maybe more) */
		(unsigned long long)(l->skipped > l->stap_skipped ? l->skipped : l->stap_skipped),
		(unsigned long long)(l->transport + l->stap_transport));
	if (l->stap_error[0])
		fprintf(stderr, "uvm-collect: %sSystemTap stopped the run: %s\n", what, l->stap_error);
	return 1;
}

/* The worse of two exit statuses: no output, no trace, loss, none. */
static int worse(int a, int b)
{
	static const int rank[] = { [EXIT_OK] = 0, [EXIT_LOSS] = 1, [EXIT_INPUT] = 2, [EXIT_OUTPUT] = 3 };

	return rank[b] > rank[a] ? b : a;
}

/*
 * Repeated runs: the trace files inputs[0..n) (--runs), or n live runs
 * of the command (--repeat, inputs NULL), each profiled afresh; then
 * every run's report and their summary (runs.c).  A run with no usable
 * trace stops them: the runs before it are written, and the status
 * says 2.
 */
static int run_many(struct options *o, char **inputs, size_t n)
{
	struct uvm_runs *rs = uvm_runs_new();
	char what[48], *tmp = NULL;
	FILE *out = stdout;
	int rc = EXIT_OK, bad;
	size_t k;

	/* the output's file first, so that a path that cannot be written
	 * fails before the runs: a new file beside it, renamed over it once
	 * it holds the runs */
	if (o->output && !(out = output_open(o->output, &tmp))) {
		fprintf(stderr, "uvm-collect: %s: %s\n", o->output, strerror(errno));
		uvm_runs_free(rs);
		return EXIT_OUTPUT;
	}
	if (o->live.progress < 0)
		o->live.progress = isatty(STDERR_FILENO);
	if (!inputs)
		uvm_live_hold_signals(1);
	for (k = 0; k < n; k++) {
		struct uvm_profile *p = uvm_profile_new();
		int one;

		if (o->live.progress)
			fprintf(stderr, "uvm-collect: run %zu/%zu%s%s\n", k + 1, n, inputs ? ": " : "",
				inputs ? inputs[k] : "");
		one = profile_one(o, p, inputs ? inputs[k] : NULL);
		if (one != EXIT_OK) {
			fprintf(stderr, "uvm-collect: run %zu of %zu failed: %s\n", k + 1, n,
				k ? "the runs before it are written" : "nothing to write");
			uvm_profile_free(p);
			rc = worse(rc, one);
			break;
		}
		guest_sysroot(o, p);
		uvm_profile_finish(p);
		/* every system call of every run (not --top's): a row a run
		 * lacks counts 0 in the summary and in diff */
		{
			struct uvm_report_opts all = o->report;

			all.top = 0;
			uvm_runs_add(rs, uvm_report_json(p, &all));
		}
		snprintf(what, sizeof(what), "run %zu: ", k + 1);
		if (loss_warn(p, what))
			rc = worse(rc, EXIT_LOSS);
		uvm_profile_free(p);
		/* ^C ends this run (stap writes its trailer) and the runs */
		if (!inputs && uvm_live_interrupted() && k + 1 < n) {
			fprintf(stderr, "uvm-collect: interrupted after run %zu of %zu: writing those\n", k + 1, n);
			break;
		}
	}
	bad = uvm_runs_count(rs) && uvm_runs_write(rs, o->report.format == UVM_JSON, out);
	bad |= (out != stdout ? output_close(out, &tmp, o->output, uvm_runs_count(rs) > 0) : fflush(out)) != 0;
	if (bad) {
		fprintf(stderr, "uvm-collect: %s: writing the runs: %s\n",
			o->output ? o->output : "<stdout>", strerror(errno));
		rc = EXIT_OUTPUT;
	}
	if (!inputs)
		uvm_live_hold_signals(0);
	uvm_runs_free(rs);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "sort", required_argument, NULL, 'S' },
		{ "top", required_argument, NULL, 'n' },
		{ "pid", required_argument, NULL, 'p' },
		{ "mode", required_argument, NULL, 'm' },
		{ "totals-only", no_argument, NULL, 1 },
		{ "no-symbols", no_argument, NULL, 2 },
		{ "sysroot", required_argument, NULL, 3 },
		{ "no-follow", no_argument, NULL, 4 },
		{ "stap-arg", required_argument, NULL, 5 },
		{ "guest", no_argument, NULL, 6 },
		{ "no-guest", no_argument, NULL, 7 },
		{ "progress", no_argument, NULL, 8 },
		{ "no-progress", no_argument, NULL, 9 },
		{ "overload-guard", no_argument, NULL, 10 },
		{ "backend", no_argument, NULL, 11 },
		{ "stacks", no_argument, NULL, 12 },
		{ "weight", required_argument, NULL, 13 },
		{ "repeat", required_argument, NULL, 14 },
		{ "runs", no_argument, NULL, 15 },
		{ "save-trace", required_argument, NULL, 16 },
		{ "counters", required_argument, NULL, 17 },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct options o = {
		.report = { .format = UVM_TEXT, .sort = UVM_SORT_TIME, .top = 0,
			    .per_process = 1, .symbols = 1 },
		.live = { .mode = "events", .follow = 1, .guest = -1, .progress = -1, .save_fd = -1 },
	};
	struct uvm_profile *p = NULL;
	struct uvm_perfetto *pf = NULL;
	struct uvm_folded *fo = NULL;
	enum uvm_weight weight = UVM_WEIGHT_CALLS;
	int weight_given = 0;
	char *tmp_path = NULL;
	FILE *out = stdout;
	int c, rc = EXIT_OK, backend = 0;
	long v;

	if (argc > 1 && !strcmp(argv[1], "diff"))
		return uvm_diff_main(argc - 1, argv + 1);
	while ((c = getopt_long(argc, argv, "+f:o:S:n:p:m:vhV", longopts, NULL)) != -1) {
		/* "-o --": getopt takes the -- as the option's argument;
		 * almost surely the argument was forgotten. */
		if (optarg && !strcmp(optarg, "--")) {
			fprintf(stderr, "uvm-collect: option '%s' needs an argument before '--' (see --help)\n",
				argv[optind - 1] == optarg ? argv[optind - 2] : argv[optind - 1]);
			return EXIT_USAGE;
		}
		switch (c) {
		case 'f':
			if (!strcmp(optarg, "text")) o.report.format = UVM_TEXT;
			else if (!strcmp(optarg, "json")) o.report.format = UVM_JSON;
			else if (!strcmp(optarg, "xml")) o.report.format = UVM_XML;
			else if (!strcmp(optarg, "perfetto")) o.report.format = UVM_PERFETTO;
			else if (!strcmp(optarg, "folded")) o.report.format = UVM_FOLDED;
			else if (!strcmp(optarg, "html")) o.report.format = UVM_HTML;
			else { fprintf(stderr, "uvm-collect: --format: '%s' is not text, json, xml, html, perfetto or folded\n", optarg); return EXIT_USAGE; }
			break;
		case 'o': o.output = optarg; break;
		case 'S':
			if (uvm_parse_sort(optarg, &o.report.sort)) {
				fprintf(stderr, "uvm-collect: --sort: '%s' is not time, calls, errors, avg, max, name or nr\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'n':
			if (parse_count(optarg, 100000, &v)) {
				fprintf(stderr, "uvm-collect: --top: '%s' is not a number from 0 to 100000\n", optarg);
				return EXIT_USAGE;
			}
			o.report.top = (size_t)v;
			break;
		case 'p':
			if (parse_count(optarg, UVM_TARGET_PID_MAX, &v) || v < 1) {
				fprintf(stderr, "uvm-collect: --pid: '%s' is not a process id\n", optarg);
				return EXIT_USAGE;
			}
			/* repeatable: the union, each once */
			if (uvm_targets_add(&o.live.pids, v) != UVM_TARGETS_OK) {
				fprintf(stderr, "uvm-collect: --pid: more than %d processes\n",
					UVM_TARGETS_MAX);
				return EXIT_USAGE;
			}
			break;
		case 'm':
			if (strcmp(optarg, "events") && strcmp(optarg, "summary")) {
				fprintf(stderr, "uvm-collect: --mode: '%s' is not events or summary\n", optarg);
				return EXIT_USAGE;
			}
			o.live.mode = optarg;
			break;
		case 1: o.report.per_process = 0; break;
		case 2: o.report.symbols = 0; break;
		case 3: o.report.sysroot = optarg; break;
		case 4: o.live.follow = 0; break;
		case 5:
			o.live.stap_args = xrealloc(o.live.stap_args,
						    (o.live.n_stap_args + 1) * sizeof(char *));
			o.live.stap_args[o.live.n_stap_args++] = optarg;
			break;
		case 6: o.live.guest = 1; break;
		case 7: o.live.guest = 0; break;
		case 8: o.live.progress = 1; break;
		case 9: o.live.progress = 0; break;
		case 10: o.live.overload_guard = 1; break;
		case 11: backend = 1; break;
		case 12: o.live.stacks = 1; break;
		case 13:
			if (!strcmp(optarg, "calls")) weight = UVM_WEIGHT_CALLS;
			else if (!strcmp(optarg, "time")) weight = UVM_WEIGHT_TIME;
			else if (!strcmp(optarg, "faults")) weight = UVM_WEIGHT_FAULTS;
			else { fprintf(stderr, "uvm-collect: --weight: '%s' is not calls, time or faults\n", optarg); return EXIT_USAGE; }
			weight_given = 1;
			break;
		case 14:
			if (parse_count(optarg, 1000, &v) || v < 1) {
				fprintf(stderr, "uvm-collect: --repeat: '%s' is not a number of runs from 1 to 1000\n", optarg);
				return EXIT_USAGE;
			}
			o.repeat = v;
			break;
		case 15: o.runs = 1; break;
		case 16: o.live.save_trace = optarg; break;
		case 17: o.counters = optarg; break;
		case 'v': o.live.verbose = 1; break;
		case 'h': usage(stdout); return EXIT_OK;
		case 'V': printf("uvm-collect %s (trace format %d)\n", UVM_VERSION, UVM_TRACE_VERSION); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (backend) {
		puts(uvm_live_guest(&o.live) ? "guest" : "host");
		return fflush(stdout) ? EXIT_OUTPUT : EXIT_OK;
	}
	if (o.repeat || o.runs) {
		const char *opt = o.repeat ? "--repeat" : "--runs";
		int cmd = optind < argc && !strcmp(argv[optind - 1], "--");

		if (o.repeat && o.runs) {
			fprintf(stderr, "uvm-collect: --repeat runs a command, --runs reads traces: give one\n");
			return EXIT_USAGE;
		}
		if (o.counters) {
			fprintf(stderr, "uvm-collect: --counters is for one trace file, not %s\n", opt);
			return EXIT_USAGE;
		}
		if ((o.report.format != UVM_TEXT && o.report.format != UVM_JSON) || weight_given) {
			fprintf(stderr, "uvm-collect: %s writes text or json (-f), not one report of another format per run\n", opt);
			return EXIT_USAGE;
		}
		if (o.live.pids.n || (o.repeat && !cmd) || (o.runs && (cmd || optind >= argc))) {
			fprintf(stderr, o.repeat ? "uvm-collect: --repeat N traces a command: --repeat N [OPTIONS] -- CMD [ARG...]\n"
						 : "uvm-collect: --runs reads trace files: --runs [OPTIONS] TRACE...\n");
			return EXIT_USAGE;
		}
		if (o.live.save_trace) {
			fprintf(stderr, "uvm-collect: --save-trace keeps one live run's trace, not %s's\n", opt);
			return EXIT_USAGE;
		}
		if (o.live.stacks && o.runs) {
			fprintf(stderr, "uvm-collect: --stacks records stacks in a live run (-p, --) in events mode\n");
			return EXIT_USAGE;
		}
		if (o.runs) {
			rc = run_many(&o, &argv[optind], (size_t)(argc - optind));
		} else {
			o.live.cmd = &argv[optind];
			rc = run_many(&o, NULL, (size_t)o.repeat);
		}
		free(o.live.stap_args);
		return rc;
	}
	if (optind < argc && !strcmp(argv[optind - 1], "--"))
		o.live.cmd = &argv[optind];
	else if (optind < argc)
		o.input = argv[optind++];
	if (!o.live.cmd && optind < argc) {
		fprintf(stderr, "uvm-collect: unexpected argument '%s' (one trace file; a command goes after --)\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (!!o.input + !!o.live.cmd + !!o.live.pids.n != 1) {
		fprintf(stderr, "uvm-collect: give exactly one of: a trace file, -p PID, or -- CMD (see --help)\n");
		return EXIT_USAGE;
	}
	if (weight_given && o.report.format != UVM_FOLDED && o.report.format != UVM_HTML) {
		fprintf(stderr, "uvm-collect: --weight is for -f folded and -f html\n");
		return EXIT_USAGE;
	}
	if (o.counters && !o.input) {
		fprintf(stderr, "uvm-collect: --counters reads a counters file with a trace file (a live run counts itself)\n");
		return EXIT_USAGE;
	}
	if (o.live.save_trace && o.input) {
		fprintf(stderr, "uvm-collect: --save-trace keeps the trace of a live run (-p, --)\n");
		return EXIT_USAGE;
	}
	if (o.live.stacks && (o.input || strcmp(o.live.mode, "events"))) {
		fprintf(stderr, "uvm-collect: --stacks records stacks in a live run (-p, --) in events mode\n");
		return EXIT_USAGE;
	}

	p = uvm_profile_new();
	/* the timeline is written while the trace is read, into a file
	 * beside the output that replaces it once it holds a timeline: an
	 * input that is no trace leaves an existing file as it was */
	if (o.report.format == UVM_PERFETTO) {
		if (o.output && !(out = output_open(o.output, &tmp_path))) {
			fprintf(stderr, "uvm-collect: %s: %s\n", o.output, strerror(errno));
			out = stdout;
			rc = EXIT_OUTPUT;
			goto out;
		}
		pf = uvm_perfetto_new(out);
		p->sink = uvm_perfetto_sink(pf);
	} else if (o.report.format == UVM_FOLDED || o.report.format == UVM_HTML) {
		fo = uvm_folded_new(weight);
		p->sink = uvm_folded_sink(fo);
	}
	rc = profile_one(&o, p, o.input);
	if (rc != EXIT_OK)
		goto out;
	if (o.counters) {
		char cerr[512];
		if (uvm_counters_read(p, o.counters, cerr, sizeof(cerr))) {
			fprintf(stderr, "uvm-collect: %s\n", cerr);
			rc = EXIT_INPUT;
			goto out;
		}
	}
	guest_sysroot(&o, p);
	uvm_profile_finish(p);
	if (pf) {
		int fin = uvm_perfetto_finish(pf, p), bad = fin < 0;

		bad |= out != stdout ? output_close(out, &tmp_path, o.output, fin == 0) :
				       fflush(stdout) != 0;
		out = stdout;
		if (bad) {
			fprintf(stderr, "uvm-collect: %s: writing the timeline: %s\n",
				o.output ? o.output : "<stdout>", strerror(errno));
			rc = EXIT_OUTPUT;
			goto out;
		}
	} else if (fo && !p->stacks && o.report.format == UVM_FOLDED) {
		fprintf(stderr, "uvm-collect: %s: the trace has no stacks (record them with --stacks, "
			"or uvm.stp -G stacks=1)\n", o.input ? o.input : "the live trace");
		rc = EXIT_INPUT;
		goto out;
	} else if (o.output && !(out = fopen(o.output, "w"))) {
		fprintf(stderr, "uvm-collect: %s: %s\n", o.output, strerror(errno));
		out = stdout;
		rc = EXIT_OUTPUT;
		goto out;
	}
	if (!pf && ((o.report.format == UVM_HTML ? uvm_html_write(p, &o.report, fo, weight, out) :
		     fo ? uvm_folded_write(fo, o.report.sysroot, o.report.symbols, out) :
			  uvm_report_write(p, &o.report, out)) ||
		    (out != stdout && fclose(out)) || (out == stdout && fflush(stdout)))) {
		fprintf(stderr, "uvm-collect: %s: writing the report: %s\n",
			o.output ? o.output : "<stdout>", strerror(errno));
		out = stdout;
		rc = EXIT_OUTPUT;
		goto out;
	}
	out = stdout;
	if (loss_warn(p, ""))
		rc = EXIT_LOSS;
	if (o.save_failed)
		rc = EXIT_OUTPUT;
out:
	/* a timeline cut short by an error still ends as a document and is
	 * kept (the error is what the exit status says) */
	if (pf) {
		int fin = uvm_perfetto_finish(pf, p);

		if (out != stdout)
			output_close(out, &tmp_path, o.output, fin == 0);
		out = stdout;
	}
	uvm_perfetto_free(pf);
	uvm_folded_free(fo);
	if (out != stdout)
		fclose(out);
	if (o.live.save_fd >= 0 && close(o.live.save_fd) && (rc == EXIT_OK || rc == EXIT_LOSS)) {
		fprintf(stderr, "uvm-collect: --save-trace %s: %s\n", o.live.save_trace, strerror(errno));
		rc = EXIT_OUTPUT;
	}
	free(o.live.stap_args);
	uvm_profile_free(p);
	return rc;
}
