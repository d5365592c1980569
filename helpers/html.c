/*
 * html.c - the profile as one self-contained HTML file: the process tree,
 * a timeline of the processes, sortable system call tables, latency
 * histograms of the top system calls, faults by region and a flame graph
 * of the user stacks, drawn here as SVG.  No network: the styles and the
 * small script (sorting, flame graph zoom) are inline.
 *
 * Everything a test or a reader checks is in the markup itself, with raw
 * numbers in data-v (data-w, data-count) attributes beside the shown
 * text (docs/uvm-collect.md, "HTML report"): the page reads right with
 * scripts off, and the script only reorders and rescales.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uvm_profile.h"
#include "util.h"

/* At most this many processes get a timeline row (the tree lists all),
 * latency histograms, and flame graph frames narrower than this share of
 * the whole are not drawn (their weight is in data-hidden-w). */
#define TIMELINE_ROWS 2000
#define TOP_HISTOGRAMS 8
#define FLAME_MIN_SHARE 0.001
#define FLAME_WIDTH 1200.0
#define FLAME_ROW 17

/* ---- text ---- */

/* s as HTML text or attribute value: only the five characters HTML
 * gives a meaning.  For text already made printable (folded stack
 * frames, uvm_report_text'd when folded). */
static void esc_html(FILE *out, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default: putc(*s, out);
		}
}

/* s (from the trace) as HTML text or attribute value: made printable
 * (uvm_report_text), then escaped. */
static void esc(FILE *out, const char *s)
{
	char *tmp = NULL;

	esc_html(out, uvm_report_text(s ? s : "", &tmp));
	free(tmp);
}

/* A duration for people: "850 ns", "12.3 µs", "4.56 ms", "1.23 s".
 * The unit is chosen by the value as shown: three significant digits
 * make 999.7 µs "1e+03 µs", so from 999.5 of a unit on, the next. */
static const char *fmt_ns(char *buf, size_t n, uint64_t ns)
{
	if (ns < 1000)
		snprintf(buf, n, "%" PRIu64 " ns", ns);
	else if (ns < 999500)
		snprintf(buf, n, "%.3g µs", (double)ns / 1e3);
	else if (ns < 999500000)
		snprintf(buf, n, "%.3g ms", (double)ns / 1e6);
	else if (ns < UINT64_C(999500000000))
		snprintf(buf, n, "%.3g s", (double)ns / 1e9);
	else
		snprintf(buf, n, "%.0f s", (double)ns / 1e9);
	return buf;
}

/* A table cell with a raw number: <td data-k="k" data-v="v">shown</td>. */
static void td_u(FILE *out, const char *k, uint64_t v)
{
	fprintf(out, "<td data-k=\"%s\" data-v=\"%" PRIu64 "\">%" PRIu64 "</td>", k, v, v);
}

static void td_ns(FILE *out, const char *k, uint64_t v, int known)
{
	char b[32];

	if (!known)
		fprintf(out, "<td data-k=\"%s\" data-v=\"\">-</td>", k);
	else
		fprintf(out, "<td data-k=\"%s\" data-v=\"%" PRIu64 "\">%s</td>", k, v,
			fmt_ns(b, sizeof(b), v));
}

static void td_s(FILE *out, const char *k, const char *s)
{
	fprintf(out, "<td data-k=\"%s\" data-v=\"", k);
	esc(out, s);
	fputs("\">", out);
	esc(out, s);
	fputs("</td>", out);
}

/* ---- head and summary ---- */

static const char style[] =
	"body{font:14px/1.4 system-ui,sans-serif;margin:0 auto;max-width:1280px;padding:0 16px;color:#222}"
	"h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ccc}"
	"nav a{margin-right:12px}.warn{background:#fde2e1;border:1px solid #d33;padding:8px}"
	"dl#summary{display:grid;grid-template-columns:max-content max-content;gap:2px 16px}"
	"dl#summary dd{margin:0;font-variant-numeric:tabular-nums}"
	"table{border-collapse:collapse;margin:8px 0}th,td{padding:2px 8px;text-align:right;white-space:nowrap}"
	"th{background:#eee;cursor:pointer;user-select:none}th[aria-sort=ascending]::after{content:' \\25B2'}"
	"th[aria-sort=descending]::after{content:' \\25BC'}"
	"td[data-k=name],td[data-k=comm],td[data-k=exe],td[data-k=kind],td[data-k=path],td[data-k=status]{text-align:left}"
	"tbody tr:nth-child(even){background:#f7f7f7}td{font-variant-numeric:tabular-nums}"
	"svg text{font:11px monospace;pointer-events:none}svg{display:block}"
	"#flame g.frame rect{stroke:#fff;stroke-width:.5;cursor:pointer}#flame g.frame rect:hover{stroke:#000}"
	"figure.hist{display:inline-block;margin:8px 16px 8px 0}figure.hist figcaption{font-weight:bold}"
	"rect.bar{fill:#4a7fb5}rect.life{stroke:#fff;stroke-width:.3}"
	".ok{fill:#6a9f58}.fail{fill:#e08a2c}.sig{fill:#c8423b}.run{fill:#999}"
	"details{margin:4px 0}summary{cursor:pointer}";

static void head(FILE *out, const struct uvm_profile *p)
{
	const struct uvm_process *first = p->n_procs ? p->procs[0] : NULL;
	char b[32];

	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	      "<meta name=\"viewport\" content=\"width=device-width\">"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
	      "<title>uvm profile", out);
	if (first) {
		fputs(": ", out);
		esc(out, first->comm);
	}
	fprintf(out, "</title><style>%s</style></head>\n<body>\n"
		"<main id=\"uvm-report\" data-complete=\"%s\" data-version=\"%d\">\n"
		"<h1>uvm profile</h1>\n<p>kernel ", style,
		uvm_loss_incomplete(&p->loss) ? "false" : "true", p->version);
	esc(out, p->kernel);
	fputs(" &middot; mode ", out);
	esc(out, p->mode);
	if (p->targets.n > 1) {
		unsigned k;

		fputs(" &middot; target pids", out);
		for (k = 0; k < p->targets.n && k < UVM_TARGETS_MAX; k++)
			fprintf(out, "%s%d", k ? ", " : " ", p->targets.pid[k]);
		fputs(p->follow ? " and their descendants" : "", out);
	} else if (p->targets.n == 1) {
		fprintf(out, " &middot; target pid %d%s", p->targets.pid[0], p->follow ? " and its descendants" : "");
	} else if (p->target > 0) {
		fprintf(out, " &middot; target pid %d%s", p->target, p->follow ? " and its descendants" : "");
	}
	if (p->start_ns >= 0 && p->end_ns > p->start_ns)
		fprintf(out, " &middot; %s traced", fmt_ns(b, sizeof(b), (uint64_t)(p->end_ns - p->start_ns)));
	fputs("</p>\n", out);
	if (uvm_loss_incomplete(&p->loss)) {
		const struct uvm_loss *l = &p->loss;

		fprintf(out, "<p class=\"warn\" id=\"loss\">The trace is incomplete: %s%" PRIu64
			" malformed lines, %" PRIu64 " events dropped, %" PRIu64 " skipped, %" PRIu64
			" transport failures, %" PRIu64 " probe errors.",
			l->have_trailer ? "" : "no trailer (cut short), ", l->malformed, l->dropped,
			l->skipped > l->stap_skipped ? l->skipped : l->stap_skipped,
			l->transport + l->stap_transport, l->errors);
		if (l->stap_error[0]) {
			fputs(" SystemTap: ", out);
			esc(out, l->stap_error);
		}
		fputs(" The numbers below count what arrived.</p>\n", out);
	}
	fputs("<nav><a href=\"#s-procs\">Processes</a><a href=\"#s-timeline\">Timeline</a>"
	      "<a href=\"#s-syscalls\">System calls</a><a href=\"#s-latency\">Latency</a>"
	      "<a href=\"#s-faults\">Faults</a><a href=\"#s-flame\">Flame graph</a></nav>\n", out);
}

static void dd(FILE *out, const char *label, const char *k, uint64_t v, const char *shown)
{
	fprintf(out, "<dt>%s</dt><dd data-k=\"%s\" data-v=\"%" PRIu64 "\">", label, k, v);
	if (shown)
		fputs(shown, out);
	else
		fprintf(out, "%" PRIu64, v);
	fputs("</dd>", out);
}

static void summary(FILE *out, const struct uvm_profile *p)
{
	const struct uvm_process *t = &p->totals;
	uint64_t calls = 0, errors = 0;
	uint64_t dur = p->start_ns >= 0 && p->end_ns > p->start_ns ? (uint64_t)(p->end_ns - p->start_ns) : 0;
	char b[64];
	size_t i;

	for (i = 0; i < t->n_syscalls; i++) {
		calls += t->syscalls[i].count;
		errors += t->syscalls[i].errors;
	}
	fputs("<section id=\"s-summary\"><h2>Summary</h2><dl id=\"summary\">", out);
	dd(out, "Processes", "processes", p->n_procs, NULL);
	dd(out, "System calls", "syscalls", calls, NULL);
	dd(out, "Failed system calls", "errors", errors, NULL);
	dd(out, "Minor page faults", "faults_minor", t->faults.count[UVM_MINOR], NULL);
	dd(out, "Major page faults", "faults_major", t->faults.count[UVM_MAJOR], NULL);
	dd(out, "Traced for", "duration_ns", dur, fmt_ns(b, sizeof(b), dur));
	dd(out, "CPU time (user + system)", "cpu_ns", t->utime_ns + t->stime_ns,
	   fmt_ns(b, sizeof(b), t->utime_ns + t->stime_ns));
	if (t->cpu_utilization >= 0) {
		snprintf(b, sizeof(b), "%.2f CPUs", t->cpu_utilization);
		fprintf(out, "<dt>CPU utilization</dt><dd data-k=\"cpu_utilization\" data-v=\"%.4f\">%s</dd>",
			t->cpu_utilization, b);
	}
	fputs("</dl></section>\n", out);
}

/* ---- process tree and timeline ---- */

static uint64_t proc_calls(const struct uvm_process *pr)
{
	uint64_t c = 0;
	size_t i;

	for (i = 0; i < pr->n_syscalls; i++)
		c += pr->syscalls[i].count;
	return c;
}

static void procs_table(FILE *out, const struct uvm_profile *p,
			const struct uvm_process **v, const unsigned *depth)
{
	size_t i;

	fputs("<section id=\"s-procs\"><h2>Processes</h2>\n<table id=\"procs\"><thead><tr>"
	      "<th>pid</th><th>command</th><th>status</th><th>started</th><th>ran for</th>"
	      "<th>CPU</th><th>system calls</th><th>faults</th><th>executable and arguments</th>"
	      "</tr></thead><tbody>\n", out);
	for (i = 0; i < p->n_procs; i++) {
		const struct uvm_process *pr = v[i];
		int64_t start = pr->start_ns >= 0 && p->start_ns >= 0 ? pr->start_ns - p->start_ns : -1;
		int64_t wall = pr->start_ns >= 0 && pr->end_ns >= pr->start_ns ? pr->end_ns - pr->start_ns : -1;
		char st[64];

		uvm_report_exit(pr, st, sizeof(st));
		fprintf(out, "<tr data-id=\"%u\" data-pid=\"%d\" data-ppid=\"%d\" data-parent=\"", pr->id,
			pr->pid, pr->ppid);
		if (pr->parent)
			fprintf(out, "%u", pr->parent->id);
		fprintf(out, "\" data-depth=\"%u\">", depth[i]);
		fprintf(out, "<td data-k=\"pid\" data-v=\"%d\">%d</td>", pr->pid, pr->pid);
		fprintf(out, "<td data-k=\"comm\" data-v=\"");
		esc(out, pr->comm);
		fprintf(out, "\" style=\"padding-left:%uem\">", 1 + (depth[i] < 40 ? depth[i] : 40));
		esc(out, pr->comm);
		fputs("</td>", out);
		fputs("<td data-k=\"status\">", out);
		esc(out, st);
		fputs("</td>", out);
		if (pr->exited && !pr->signal)
			fprintf(out, "<td data-k=\"exit_status\" data-v=\"%d\" hidden></td>", pr->status);
		else
			fputs("<td data-k=\"exit_status\" data-v=\"\" hidden></td>", out);
		if (pr->exited && pr->signal)
			fprintf(out, "<td data-k=\"signal\" data-v=\"%d\" hidden></td>", pr->signal);
		else
			fputs("<td data-k=\"signal\" data-v=\"\" hidden></td>", out);
		td_ns(out, "start_ns", (uint64_t)start, start >= 0);
		td_ns(out, "wall_ns", (uint64_t)wall, wall >= 0);
		if (pr->cpu_utilization >= 0)
			fprintf(out, "<td data-k=\"cpu_utilization\" data-v=\"%.4f\">%.0f%%</td>",
				pr->cpu_utilization, 100 * pr->cpu_utilization);
		else
			fputs("<td data-k=\"cpu_utilization\" data-v=\"\">-</td>", out);
		td_u(out, "syscalls", proc_calls(pr));
		td_u(out, "faults", pr->faults.count[UVM_MINOR] + pr->faults.count[UVM_MAJOR]);
		fputs("<td data-k=\"exe\" data-v=\"", out);
		esc(out, pr->exe);
		fputs("\">", out);
		esc(out, pr->argv ? pr->argv : pr->exe);
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody></table></section>\n", out);
}

static const char *life_class(const struct uvm_process *pr)
{
	return !pr->exited ? "run" : pr->signal ? "sig" : pr->status ? "fail" : "ok";
}

static void timeline(FILE *out, const struct uvm_profile *p, const struct uvm_process **v)
{
	int64_t t0 = p->start_ns, t1 = p->end_ns;
	size_t rows = p->n_procs < TIMELINE_ROWS ? p->n_procs : TIMELINE_ROWS, i;
	const double w = FLAME_WIDTH, row = 12;
	char b[32], c[32];
	int k;

	/* the trace's span, widened to every process seen */
	for (i = 0; i < p->n_procs; i++) {
		if (p->procs[i]->start_ns >= 0 && (t0 < 0 || p->procs[i]->start_ns < t0))
			t0 = p->procs[i]->start_ns;
		if (p->procs[i]->end_ns > t1)
			t1 = p->procs[i]->end_ns;
		/* a start after the trailer's time (a clock read late) */
		if (p->procs[i]->start_ns > t1)
			t1 = p->procs[i]->start_ns;
	}
	fputs("<section id=\"s-timeline\"><h2>Timeline</h2>\n", out);
	if (t0 < 0 || t1 <= t0 || !rows) {
		fputs("<p id=\"timeline-none\">No process has a known start and end.</p></section>\n", out);
		return;
	}
	fprintf(out, "<p>Each process from its start (fork, or the trace's start) to its exit: "
		"<svg width=\"10\" height=\"10\" style=\"display:inline\"><rect class=\"ok\" width=\"10\" height=\"10\"/></svg> exit 0, "
		"<svg width=\"10\" height=\"10\" style=\"display:inline\"><rect class=\"fail\" width=\"10\" height=\"10\"/></svg> other exit status, "
		"<svg width=\"10\" height=\"10\" style=\"display:inline\"><rect class=\"sig\" width=\"10\" height=\"10\"/></svg> killed by a signal, "
		"<svg width=\"10\" height=\"10\" style=\"display:inline\"><rect class=\"run\" width=\"10\" height=\"10\"/></svg> still running at the end.%s</p>\n",
		rows < p->n_procs ? " Only the first processes of the tree are drawn." : "");
	fprintf(out, "<svg id=\"timeline\" viewBox=\"0 0 %.0f %.0f\" width=\"100%%\" data-start-ns=\"%" PRId64
		"\" data-end-ns=\"%" PRId64 "\" data-omitted=\"%zu\">\n", w, row * (double)rows + 20, t0, t1,
		p->n_procs - rows);
	for (i = 0; i < rows; i++) {
		const struct uvm_process *pr = v[i];
		/* within [t0, t1], the end not before the start */
		int64_t s = pr->start_ns >= t0 ? pr->start_ns : t0;
		int64_t e = pr->exited && pr->end_ns >= s ? pr->end_ns : t1;
		double x = w * (double)(s - t0) / (double)(t1 - t0);
		double xw = w * (double)(e - s) / (double)(t1 - t0);
		char st[64];

		uvm_report_exit(pr, st, sizeof(st));
		fprintf(out, "<rect class=\"life %s\" data-id=\"%u\" x=\"%.2f\" y=\"%.0f\" width=\"%.2f\" height=\"%.0f\">"
			"<title>%d ", life_class(pr), pr->id, x, row * (double)i, xw < 0.5 ? 0.5 : xw, row - 2,
			pr->pid);
		esc(out, pr->comm);
		fprintf(out, ": %s, from +%s for %s</title></rect>\n", st,
			fmt_ns(b, sizeof(b), (uint64_t)(s - t0)), fmt_ns(c, sizeof(c), (uint64_t)(e - s)));
	}
	/* a time axis: five ticks */
	for (k = 0; k <= 4; k++) {
		double x = w * k / 4;

		fprintf(out, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"%s\">+%s</text>\n", x,
			row * (double)rows + 14, k == 0 ? "start" : k == 4 ? "end" : "middle",
			fmt_ns(b, sizeof(b), (uint64_t)((double)(t1 - t0) * k / 4)));
	}
	fputs("</svg></section>\n", out);
}

/* ---- system calls and latency ---- */

static const char *const sc_cols[][2] = {
	{ "name", "str" }, { "calls", "num" }, { "errors", "num" }, { "total_ns", "num" },
	{ "avg_ns", "num" }, { "min_ns", "num" }, { "max_ns", "num" }, { "p50_ns", "num" },
	{ "p95_ns", "num" }, { "p99_ns", "num" }, { "errnos", "str" },
};
static const char *const sc_heads[] = {
	"system call", "calls", "errors", "total time", "average", "min", "max", "p50", "p95",
	"p99", "errors by errno",
};

static void syscall_table(FILE *out, const struct uvm_process *pr, const struct uvm_report_opts *o,
			  const char *id)
{
	const struct uvm_syscall_stat **v;
	size_t n, i, k;

	fprintf(out, "<table class=\"syscalls sortable\" id=\"%s\"><thead><tr>", id);
	for (k = 0; k < sizeof(sc_cols) / sizeof(sc_cols[0]); k++)
		fprintf(out, "<th data-k=\"%s\" data-type=\"%s\">%s</th>", sc_cols[k][0], sc_cols[k][1],
			sc_heads[k]);
	fputs("</tr></thead><tbody>\n", out);
	v = uvm_report_syscalls(pr, o, &n);
	for (i = 0; i < n; i++) {
		const struct uvm_syscall_stat *s = v[i];
		int t = s->timed > 0;

		fprintf(out, "<tr data-nr=\"%d\" data-name=\"", s->nr);
		esc(out, s->name);
		fputs("\">", out);
		td_s(out, "name", s->name);
		td_u(out, "calls", s->count);
		td_u(out, "errors", s->errors);
		td_ns(out, "total_ns", s->total_ns, t);
		td_ns(out, "avg_ns", t ? s->total_ns / s->timed : 0, t);
		td_ns(out, "min_ns", s->min_ns, t);
		td_ns(out, "max_ns", s->max_ns, t);
		td_ns(out, "p50_ns", uvm_report_pct(s, 0.50), t);
		td_ns(out, "p95_ns", uvm_report_pct(s, 0.95), t);
		td_ns(out, "p99_ns", uvm_report_pct(s, 0.99), t);
		fputs("<td data-k=\"errnos\">", out);
		for (k = 0; k < s->n_errnos; k++) {
			if (k)
				fputs(", ", out);
			esc(out, s->errnos[k].name);
			fprintf(out, " %" PRIu64, s->errnos[k].count);
		}
		fputs("</td></tr>\n", out);
	}
	free(v);
	fputs("</tbody></table>\n", out);
}

static void syscalls(FILE *out, const struct uvm_profile *p, const struct uvm_report_opts *o,
		     const struct uvm_process **v)
{
	size_t i;
	char id[32];

	fputs("<section id=\"s-syscalls\"><h2>System calls</h2>\n"
	      "<p>All processes together; click a column to sort.  Latency from entry to return; "
	      "percentiles from a log-linear histogram (about 9% relative error).</p>\n", out);
	syscall_table(out, &p->totals, o, "syscalls-total");
	for (i = 0; i < p->n_procs; i++) {
		if (!v[i]->n_syscalls)
			continue;
		fprintf(out, "<details><summary>pid %d ", v[i]->pid);
		esc(out, v[i]->comm);
		fprintf(out, " (%" PRIu64 " calls)</summary>\n", proc_calls(v[i]));
		snprintf(id, sizeof(id), "syscalls-p%u", v[i]->id);
		syscall_table(out, v[i], o, id);
		fputs("</details>\n", out);
	}
	fputs("</section>\n", out);
}

static int by_total_time(const void *a, const void *b)
{
	const struct uvm_syscall_stat *x = *(const struct uvm_syscall_stat *const *)a;
	const struct uvm_syscall_stat *y = *(const struct uvm_syscall_stat *const *)b;
	int c;

	if (x->total_ns != y->total_ns)
		return x->total_ns < y->total_ns ? 1 : -1;
	c = strcmp(x->name, y->name);
	return c ? c : (x->nr > y->nr) - (x->nr < y->nr);
}

/* One system call's latencies, its histogram's buckets grouped by power
 * of two. */
static void histogram(FILE *out, const struct uvm_syscall_stat *s)
{
	uint64_t count[64] = { 0 }, max = 0;
	unsigned g, lo = 64, hi = 0;
	const double bw = 22, h = 120;
	char a[32], b[32];
	uint32_t i;

	for (i = 0; i < s->n_hist; i++) {
		g = s->hist[i].bucket / UVM_HIST_SUB;
		count[g] += s->hist[i].count;
		lo = g < lo ? g : lo;
		hi = g > hi ? g : hi;
	}
	if (lo > hi)
		return;
	for (g = lo; g <= hi; g++)
		max = count[g] > max ? count[g] : max;
	fprintf(out, "<figure class=\"hist\" data-nr=\"%d\" data-name=\"", s->nr);
	esc(out, s->name);
	fputs("\"><figcaption>", out);
	esc(out, s->name);
	fprintf(out, " (%" PRIu64 " timed)</figcaption>\n<svg width=\"%.0f\" height=\"%.0f\">\n",
		s->timed, bw * (hi - lo + 1) + 10 > 260 ? bw * (hi - lo + 1) + 10 : 260, h + 40);
	for (g = lo; g <= hi; g++) {
		uint64_t l = uvm_hist_low(g * UVM_HIST_SUB);
		/* group g spans [2^(g+2), 2^(g+3)); from group 61 on the
		 * bound is past 64 bits */
		uint64_t u = g < 61 ? uvm_hist_low((g + 1) * UVM_HIST_SUB) : UINT64_MAX;
		double bh = max ? h * (double)count[g] / (double)max : 0;

		if (count[g] && bh < 1)
			bh = 1;
		fprintf(out, "<rect class=\"bar\" data-lo=\"%" PRIu64 "\" data-hi=\"%" PRIu64 "\" data-count=\"%"
			PRIu64 "\" x=\"%.0f\" y=\"%.1f\" width=\"%.0f\" height=\"%.1f\"><title>%s to %s: %" PRIu64
			" calls</title></rect>\n", l, u, count[g], bw * (g - lo), h - bh, bw - 2, bh,
			fmt_ns(a, sizeof(a), l), fmt_ns(b, sizeof(b), u), count[g]);
		if ((g - lo) % 3 == 0)
			fprintf(out, "<text x=\"%.0f\" y=\"%.0f\">%s</text>\n", bw * (g - lo), h + 14,
				fmt_ns(a, sizeof(a), l));
	}
	fprintf(out, "<text x=\"0\" y=\"%.0f\">calls by latency (log scale), most: %" PRIu64 "</text>\n",
		h + 32, max);
	fputs("</svg></figure>\n", out);
}

static void latency(FILE *out, const struct uvm_profile *p)
{
	const struct uvm_process *t = &p->totals;
	const struct uvm_syscall_stat **v = xcalloc(t->n_syscalls, sizeof(*v));
	size_t i, n = 0;

	for (i = 0; i < t->n_syscalls; i++)
		if (t->syscalls[i].timed)
			v[n++] = &t->syscalls[i];
	qsort(v, n, sizeof(*v), by_total_time);
	fprintf(out, "<section id=\"s-latency\"><h2>Latency</h2>\n<p>The system calls that "
		"took the most time (at most %d), all processes together.</p>\n", TOP_HISTOGRAMS);
	if (!n)
		fputs("<p id=\"latency-none\">No system call latencies in this trace "
		      "(summary mode keeps them; events mode times each call).</p>\n", out);
	for (i = 0; i < n && i < TOP_HISTOGRAMS; i++)
		histogram(out, v[i]);
	fputs("</section>\n", out);
	free(v);
}

/* ---- faults by region, all processes ---- */

static int by_region(const void *a, const void *b)
{
	const struct uvm_fault_region *x = *(const struct uvm_fault_region *const *)a;
	const struct uvm_fault_region *y = *(const struct uvm_fault_region *const *)b;
	int c = strcmp(x->kind, y->kind);

	return c ? c : strcmp(x->path ? x->path : "", y->path ? y->path : "");
}

struct region_row {
	const struct uvm_fault_region *r;	/* its kind and path */
	uint64_t c[UVM_N_OUTCOMES], all, ns;
};

static int by_faults(const void *a, const void *b)
{
	const struct region_row *x = a, *y = b;

	if (x->all != y->all)
		return x->all < y->all ? 1 : -1;
	return by_region(&x->r, &y->r);
}

/* The regions of all processes, merged by kind and file, most faults
 * first. */
static void faults(FILE *out, const struct uvm_profile *p)
{
	static const char *const k[UVM_N_OUTCOMES] = { "minor", "major", "error", "retry" };
	const struct uvm_fault_region **v;
	struct region_row *rows;
	size_t n = 0, m = 0, i, j;
	int o;

	for (i = 0; i < p->n_procs; i++)
		n += p->procs[i]->faults.n_regions;
	v = xcalloc(n, sizeof(*v));
	rows = xcalloc(n, sizeof(*rows));
	n = 0;
	for (i = 0; i < p->n_procs; i++)
		for (j = 0; j < p->procs[i]->faults.n_regions; j++)
			v[n++] = &p->procs[i]->faults.regions[j];
	qsort(v, n, sizeof(*v), by_region);
	for (i = 0; i < n; i = j, m++) {
		rows[m].r = v[i];
		for (j = i; j < n && !by_region(&v[i], &v[j]); j++) {
			for (o = 0; o < UVM_N_OUTCOMES; o++) {
				rows[m].c[o] += v[j]->count[o];
				rows[m].all += v[j]->count[o];
			}
			rows[m].ns += v[j]->total_ns;
		}
	}
	qsort(rows, m, sizeof(*rows), by_faults);
	fputs("<section id=\"s-faults\"><h2>Page faults by region</h2>\n", out);
	if (!m)
		fputs("<p id=\"faults-none\">No page faults by region in this trace "
		      "(events mode records each fault's region).</p>\n", out);
	fputs("<table class=\"faults sortable\" id=\"faults-total\"><thead><tr>"
	      "<th data-k=\"kind\" data-type=\"str\">region</th><th data-k=\"path\" data-type=\"str\">file</th>"
	      "<th data-k=\"minor\" data-type=\"num\">minor</th><th data-k=\"major\" data-type=\"num\">major</th>"
	      "<th data-k=\"error\" data-type=\"num\">error</th><th data-k=\"retry\" data-type=\"num\">retry</th>"
	      "<th data-k=\"total_ns\" data-type=\"num\">time</th></tr></thead><tbody>\n", out);
	for (i = 0; i < m; i++) {
		fputs("<tr data-kind=\"", out);
		esc(out, rows[i].r->kind);
		fputs("\" data-path=\"", out);
		esc(out, rows[i].r->path);
		fputs("\">", out);
		td_s(out, "kind", rows[i].r->kind);
		td_s(out, "path", rows[i].r->path);
		for (o = 0; o < UVM_N_OUTCOMES; o++)
			td_u(out, k[o], rows[i].c[o]);
		td_ns(out, "total_ns", rows[i].ns, 1);
		fputs("</tr>\n", out);
	}
	fputs("</tbody></table></section>\n", out);
	free(rows);
	free(v);
}

/* ---- flame graph ---- */

struct fnode {
	char *name;		/* as folded: printable, ';' written \\x3b */
	uint64_t w;
	size_t n, cap;
	struct fnode **kids;	/* in order of first appearance */
};

/* The tree, and every frame in an open-addressing hash by (parent,
 * name): one frame can have tens of thousands of callers. */
struct flame {
	struct fnode root;
	size_t depth;		/* the deepest path's frames */
	struct fslot { const struct fnode *parent; struct fnode *f; } *tab;
	size_t used, size;	/* size a power of two, used <= size / 2 */
};

static size_t fhash(const struct fnode *parent, const char *name, size_t len)
{
	uint64_t h = 1469598103934665603u ^ (uint64_t)(uintptr_t)parent;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)name[i]) * 1099511628211u;
	return (size_t)(h ^ h >> 29);
}

static void fgrow(struct flame *fl)
{
	struct fslot *old = fl->tab;
	size_t n = fl->size, i, j;

	fl->size = n ? 2 * n : 1024;
	fl->tab = xcalloc(fl->size, sizeof(*fl->tab));
	for (i = 0; i < n; i++) {
		if (!old[i].f)
			continue;
		j = fhash(old[i].parent, old[i].f->name, strlen(old[i].f->name)) & (fl->size - 1);
		while (fl->tab[j].f)
			j = (j + 1) & (fl->size - 1);
		fl->tab[j] = old[i];
	}
	free(old);
}

/* f's kid of that name, made when new. */
static struct fnode *kid(struct flame *fl, struct fnode *f, const char *name, size_t len)
{
	struct fnode *k;
	size_t j;

	if (2 * (fl->used + 1) > fl->size)
		fgrow(fl);
	for (j = fhash(f, name, len) & (fl->size - 1); fl->tab[j].f; j = (j + 1) & (fl->size - 1))
		if (fl->tab[j].parent == f && !strncmp(fl->tab[j].f->name, name, len) &&
		    !fl->tab[j].f->name[len])
			return fl->tab[j].f;
	GROW(f->kids, f->n, f->cap);
	k = f->kids[f->n++] = xcalloc(1, sizeof(*k));
	k->name = xoom(strndup(name, len));
	fl->tab[j] = (struct fslot){ f, k };
	fl->used++;
	return k;
}

static int flame_line(void *arg, const char *line, uint64_t w)
{
	struct flame *fl = arg;
	struct fnode *f = &fl->root;
	const char *s = line, *e;
	size_t d = 0;

	f->w = sat_add(f->w, w);
	for (;;) {
		e = strchr(s, ';');
		f = kid(fl, f, s, e ? (size_t)(e - s) : strlen(s));
		f->w = sat_add(f->w, w);
		d++;
		if (!e)
			break;
		s = e + 1;
	}
	if (d > fl->depth)
		fl->depth = d;
	return 0;
}

static void fnode_free(struct fnode *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		fnode_free(f->kids[i]);
		free(f->kids[i]);
	}
	free(f->kids);
	free(f->name);
}

/* flamegraph.pl's palette: warm for code, others by kind of frame */
static void frame_fill(FILE *out, const char *name, size_t depth)
{
	uint32_t h = 2166136261u;
	const char *s;

	for (s = name; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	if (depth == 0)
		fputs("#b59ad6", out);
	else if (name[0] == '[')
		fputs("#bbbbbb", out);
	else if (!strncmp(name, "fault:", 6))
		fputs("#7fbf6a", out);
	else
		fprintf(out, "rgb(%u,%u,%u)", 205 + h % 50, 80 + (h >> 8) % 130, 40 + (h >> 16) % 50);
}

struct draw {
	FILE *out;
	uint64_t total, hidden;
	size_t depth;
	double min_w;
};

static void draw_kids(struct draw *d, const struct fnode *f, uint64_t x, size_t depth);

/* A frame and, nested in its group, its kids: x in weight units. */
static void draw(struct draw *d, const struct fnode *f, uint64_t x, size_t depth)
{
	double px = FLAME_WIDTH * (double)x / (double)d->total;
	double pw = FLAME_WIDTH * (double)f->w / (double)d->total;
	double y = (double)(d->depth - 1 - depth) * FLAME_ROW;
	size_t i, chars = pw > 20 ? (size_t)((pw - 6) / 6.6) : 0;

	fputs("<g class=\"frame\" data-name=\"", d->out);
	esc_html(d->out, f->name);
	fprintf(d->out, "\" data-w=\"%" PRIu64 "\" data-x=\"%" PRIu64 "\"><title>", f->w, x);
	esc_html(d->out, f->name);
	fprintf(d->out, " (%" PRIu64 ", %.2f%%)</title><rect x=\"%.2f\" y=\"%.0f\" width=\"%.2f\" height=\"%d\" fill=\"",
		f->w, 100.0 * (double)f->w / (double)d->total, px, y, pw, FLAME_ROW - 1);
	frame_fill(d->out, f->name, depth);
	fprintf(d->out, "\"/><text x=\"%.2f\" y=\"%.0f\">", px + 3, y + FLAME_ROW - 5);
	/* as much of the name as fits (the script redoes this on zoom),
	 * cut between characters */
	if (chars >= strlen(f->name))
		esc_html(d->out, f->name);
	else if (chars > 2) {
		char *cut = xoom(strndup(f->name, chars - 2));

		/* not inside a UTF-8 sequence */
		for (i = strlen(cut); i > 0 && ((unsigned char)cut[i - 1] & 0xc0) == 0x80; i--)
			;
		if (i > 0 && (unsigned char)cut[i - 1] >= 0xc0)
			cut[i - 1] = '\0';
		esc_html(d->out, cut);
		fputs("..", d->out);
		free(cut);
	}
	fputs("</text>\n", d->out);
	draw_kids(d, f, x, depth + 1);
	fputs("</g>\n", d->out);
}

/* f's kids side by side from x, those too narrow to draw counted as
 * hidden. */
static void draw_kids(struct draw *d, const struct fnode *f, uint64_t x, size_t depth)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		if ((double)f->kids[i]->w < d->min_w)
			d->hidden = sat_add(d->hidden, f->kids[i]->w);
		else
			draw(d, f->kids[i], x, depth);
		x += f->kids[i]->w;
	}
}

static const char *const weight_names[] = { "calls", "time", "faults" };
static const char *const weight_what[] = {
	"system calls", "nanoseconds in system calls and user-mode page faults",
	"minor and major page faults",
};

static int flame(FILE *out, const struct uvm_profile *p, struct uvm_folded *fo,
		 enum uvm_weight weight, const struct uvm_report_opts *o)
{
	struct flame fl = { { 0 }, 0, NULL, 0, 0 };
	struct draw d = { out, 0, 0, 0, 0 };
	int rc = 0;

	fputs("<section id=\"s-flame\"><h2>Flame graph</h2>\n", out);
	if (fo && p->stacks)
		rc = uvm_folded_each(fo, o->sysroot, o->symbols, flame_line, &fl);
	if (!fl.root.w) {
		fprintf(out, "<p id=\"flame-none\">%s</p>\n", p->stacks ?
			"The trace has stacks, but none with a weight." :
			"The trace has no user stacks: record them with <code>uvm-collect --stacks</code> "
			"(or <code>uvm.stp -G stacks=1</code>).");
		goto done;
	}
	d.total = fl.root.w;
	d.depth = fl.depth;
	d.min_w = FLAME_MIN_SHARE * (double)d.total;
	fprintf(out, "<p>User stacks weighted by %s (<code>--weight %s</code>), process at the "
		"bottom, the system call or fault's region on top.  Click a frame to zoom, "
		"<button id=\"flame-reset\" type=\"button\">reset zoom</button></p>\n",
		weight_what[weight], weight_names[weight]);
	fprintf(out, "<svg id=\"flame\" viewBox=\"0 0 %.0f %zu\" width=\"100%%\" data-weight=\"%s\" "
		"data-total=\"%" PRIu64 "\"", FLAME_WIDTH, fl.depth * FLAME_ROW, weight_names[weight],
		d.total);
	/* the hidden weight is only known once drawn: draw into a buffer */
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *b = open_memstream(&buf, &len);

		if (!b)
			xoom(NULL);
		d.out = b;
		draw_kids(&d, &fl.root, 0, 0);
		if (fclose(b))
			xoom(NULL);
		fprintf(out, " data-hidden-w=\"%" PRIu64 "\">\n", d.hidden);
		fwrite(buf, 1, len, out);
		free(buf);
	}
	fputs("</svg>\n", out);
	if (d.hidden)
		fprintf(out, "<p>Frames under %.1f%% of the whole are not drawn (%" PRIu64 " in all).</p>\n",
			100 * FLAME_MIN_SHARE, d.hidden);
done:
	fputs("</section>\n", out);
	fnode_free(&fl.root);
	free(fl.tab);
	return rc;
}

/* ---- script: sorting and zoom ---- */

static const char script[] =
	"(function(){'use strict';\n"
	"function val(td,num){var v=td?td.getAttribute('data-v'):null;if(v===null)v=td?td.textContent:'';"
	"if(!num)return v;return v===''?-Infinity:parseFloat(v);}\n"
	"document.querySelectorAll('table.sortable').forEach(function(t){\n"
	" t.querySelectorAll('th').forEach(function(th,i){th.addEventListener('click',function(){\n"
	"  var num=th.getAttribute('data-type')==='num',cur=th.getAttribute('aria-sort');\n"
	"  var dir=cur?(cur==='descending'?'ascending':'descending'):(num?'descending':'ascending');\n"
	"  t.querySelectorAll('th').forEach(function(h){h.removeAttribute('aria-sort');});\n"
	"  th.setAttribute('aria-sort',dir);var tb=t.tBodies[0],rows=Array.prototype.slice.call(tb.rows);\n"
	"  rows.sort(function(a,b){var x=val(a.cells[i],num),y=val(b.cells[i],num),c=num?(x<y?-1:x>y?1:0):String(x).localeCompare(String(y));"
	"return dir==='ascending'?c:-c;});\n"
	"  rows.forEach(function(r){tb.appendChild(r);});});});});\n"
	"var svg=document.getElementById('flame');if(!svg)return;\n"
	"var W=" "1200" ",frames=Array.prototype.slice.call(svg.querySelectorAll('g.frame'));\n"
	"function label(g,w){var t=g.querySelector('text'),n=g.getAttribute('data-name'),c=Math.floor((w-6)/6.6);"
	"t.textContent=w<20?'':(c>=n.length?n:(c>2?n.slice(0,c-2)+'..':''));}\n"
	"function zoom(z){var x0=z?+z.getAttribute('data-x'):0,w0=z?+z.getAttribute('data-w'):+svg.getAttribute('data-total');\n"
	" frames.forEach(function(g){var r=g.querySelector('rect'),t=g.querySelector('text'),x=+g.getAttribute('data-x'),w=+g.getAttribute('data-w');\n"
	"  if(z&&g!==z&&g.contains(z)){x=x0;w=w0;}\n"
	"  else if(z&&!z.contains(g)){g.style.display='none';return;}\n"
	"  g.style.display='';var px=W*(x-x0)/w0,pw=W*w/w0;r.setAttribute('x',px.toFixed(2));r.setAttribute('width',pw.toFixed(2));"
	"t.setAttribute('x',(px+3).toFixed(2));label(g,pw);});}\n"
	"frames.forEach(function(g){g.querySelector('rect').addEventListener('click',function(e){e.stopPropagation();zoom(g);});});\n"
	"var reset=document.getElementById('flame-reset');if(reset)reset.addEventListener('click',function(){zoom(null);});\n"
	"})();\n";

int uvm_html_write(const struct uvm_profile *p, const struct uvm_report_opts *o,
		   struct uvm_folded *fo, enum uvm_weight weight, FILE *out)
{
	const struct uvm_process **v;
	unsigned *depth;
	int rc;

	v = uvm_profile_tree_order(p, &depth);
	head(out, p);
	summary(out, p);
	procs_table(out, p, v, depth);
	timeline(out, p, v);
	syscalls(out, p, o, v);
	latency(out, p);
	faults(out, p);
	rc = flame(out, p, fo, weight, o);
	fprintf(out, "<footer><p>Written by uvm-collect from a trace of format version %d.</p></footer>\n"
		"</main>\n<script>%s</script>\n</body></html>\n", p->version, script);
	free(v);
	free(depth);
	return rc || ferror(out) ? -1 : 0;
}
