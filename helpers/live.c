/*
 * live.c - live mode: start stap (or 'uvm-vm stap' where this kernel
 * cannot load modules) with an argument vector, never a shell string; the
 * trace goes to a file in a private directory (staprun -o), which is read
 * as it grows, so the target's own output stays apart on stderr (and,
 * with --save-trace, copied as read to a file of the user's).  SIGINT
 * is passed on to stap, which then writes the trailer and stops.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "live.h"
#include "util.h"

extern char **environ;

static volatile sig_atomic_t interrupted;
static void on_signal(int sig) { (void)sig; interrupted = 1; }

int uvm_live_interrupted(void)
{
	return interrupted != 0;
}

void uvm_live_hold_signals(int on)
{
	static struct sigaction old_int, old_term;
	struct sigaction sa;

	if (on) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigaction(SIGINT, &sa, &old_int);
		sigaction(SIGTERM, &sa, &old_term);
	} else {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
	}
}

struct argv {
	char **v;
	size_t n, cap;
};

static void push(struct argv *a, const char *s)
{
	GROW(a->v, a->n + 1, a->cap);
	a->v[a->n++] = xstrdup(s);
	a->v[a->n] = NULL;
}

static void argv_free(struct argv *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
}

/* Can this kernel run SystemTap at all: does it load modules, is there
 * debugfs for the transport?  The one test: main.c and scripts/uvm-demo
 * (through uvm-collect --backend) ask here. */
int uvm_host_can_stap(void)
{
	return access("/proc/modules", R_OK) == 0 && access("/sys/kernel/debug", F_OK) == 0;
}

int uvm_live_guest(const struct uvm_live_opts *o)
{
	return o->guest >= 0 ? o->guest : !uvm_host_can_stap();
}

/* staprun -c takes one string it splits with wordexp(3): double-quote
 * each word (glibc's wordexp mis-splits '' followed by \'). */
static char *quote_cmd(char **cmd)
{
	size_t len = 1, i;
	char *s, *o, *w;

	for (i = 0; cmd[i]; i++)
		len += 2 * strlen(cmd[i]) + 3;
	o = s = xcalloc(1, len);
	for (i = 0; cmd[i]; i++) {
		if (i)
			*o++ = ' ';
		*o++ = '"';
		for (w = cmd[i]; *w; w++) {
			if (strchr("\\\"$`", *w))
				*o++ = '\\';
			*o++ = *w;
		}
		*o++ = '"';
	}
	*o = '\0';
	return s;
}

/* The binary whose unwind data stap needs for --stacks (-d): the
 * command's, found as execvp would, or the k-th PID's.  0, or -1 with a
 * message in err. */
static int stacks_binary(const struct uvm_live_opts *o, unsigned k, char *out, size_t n,
			 char *err, size_t errlen)
{
	char path[PATH_MAX], link[64];
	const char *name, *dirs, *end;
	struct stat st;
	ssize_t len;

	if (o->pids.n) {
		snprintf(link, sizeof(link), "/proc/%d/exe", o->pids.pid[k]);
		len = readlink(link, out, n - 1);
		if (len < 0) {
			snprintf(err, errlen, "--stacks: %s: %s", link, strerror(errno));
			return -1;
		}
		out[len] = '\0';
		return 0;
	}
	name = o->cmd[0];
	if (strchr(name, '/')) {
		if (!realpath(name, out)) {
			snprintf(err, errlen, "--stacks: %s: %s", name, strerror(errno));
			return -1;
		}
		return 0;
	}
	dirs = getenv("PATH");
	for (dirs = dirs ? dirs : "/usr/bin:/bin"; *dirs; dirs = *end ? end + 1 : end) {
		end = strchrnul(dirs, ':');
		/* an empty element is the current directory, as for execvp */
		if (end > dirs)
			snprintf(path, sizeof(path), "%.*s/%s", (int)(end - dirs), dirs, name);
		else
			snprintf(path, sizeof(path), "./%s", name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0 &&
		    realpath(path, out))
			return 0;
	}
	snprintf(err, errlen, "--stacks: %s: not found in PATH, which is searched here, not in the "
		 "guest (its binary is needed for its unwind data; give the command as a path)", name);
	return -1;
}

/* Read what stap wrote to stderr, line by line: pass it on, and pick up
 * its loss report.  Returns read()'s result. */
static ssize_t drain_stderr(struct uvm_profile *p, int fd, char *buf, size_t *len, size_t cap)
{
	ssize_t n = read(fd, buf + *len, cap - *len - 1);
	char *nl, *line;

	if (n <= 0)
		return n;
	*len += (size_t)n;
	buf[*len] = '\0';
	line = buf;
	while ((nl = strchr(line, '\n'))) {
		*nl = '\0';
		uvm_profile_stap_stderr(p, line);
		/* stap's debuginfo warning for the dwarfless fallback is noise */
		if (!strstr(line, "cannot find module kernel debuginfo") &&
		    !strstr(line, "similar warning messages suppressed") &&
		    strcmp(line, "Rerun with -v to see them."))
			fprintf(stderr, "%s\n", line);
		line = nl + 1;
	}
	*len -= (size_t)(line - buf);
	memmove(buf, line, *len);
	if (*len == cap - 1) {	/* an overlong line: pass it on */
		fwrite(buf, 1, *len, stderr);
		*len = 0;
	}
	return n;
}

/* The bytes read, to the --save-trace file too (fd >= 0); the first
 * failure is kept in *e, and no more is written. */
static void save(int fd, const char *buf, size_t n, int *e)
{
	ssize_t w;

	while (fd >= 0 && !*e && n) {
		w = write(fd, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			*e = w < 0 ? errno : EIO;
			return;
		}
		buf += w;
		n -= (size_t)w;
	}
}

int uvm_live_run(struct uvm_profile *p, const struct uvm_live_opts *o, char *err,
		 size_t errlen)
{
	char dir[] = "/tmp/uvm-collect.XXXXXX", tracefile[64], mode[64], follow[32];
	char binary[PATH_MAX], stacks_tapsets[PATH_MAX];
	char errbuf[8192], *buf = NULL, *cmdstr = NULL;
	struct argv a = { 0 };
	struct uvm_parser *ps = NULL;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t dflt;
	struct sigaction sa, old_int, old_term;
	int epipe[2] = { -1, -1 }, tfd = -1, sfd = o->save_fd, status = 0, rc = -1;
	int guest = uvm_live_guest(o);
	int save_errno = 0;
	size_t i, errlen_used = 0;
	unsigned k;
	uint64_t last_records = 0;
	pid_t child = -1;
	time_t last = 0;
	char counters[sizeof(dir) + 16];
	int done = 0;

	if (guest && o->pids.n) {
		snprintf(err, errlen, "-p PID needs a kernel that can load SystemTap modules; this one "
			 "cannot, and a PID of this machine means nothing in the uvm guest (use -- CMD)");
		return -1;
	}
	if (o->stacks && stacks_binary(o, 0, binary, sizeof(binary), err, errlen))
		return -1;
	if (!mkdtemp(dir)) {
		snprintf(err, errlen, "mkdtemp: %s", strerror(errno));
		return -1;
	}
	snprintf(tracefile, sizeof(tracefile), "%s/trace", dir);
	snprintf(counters, sizeof(counters), "%s/counters", dir);
	snprintf(mode, sizeof(mode), "mode=%s", o->mode);
	snprintf(follow, sizeof(follow), "follow=%d", o->follow);
	if (guest) {
		push(&a, o->uvm_vm);
		push(&a, "stap");
		push(&a, "--share");
		push(&a, dir);
	} else {
		push(&a, "stap");
	}
	/* the unwinder's tapset first: it replaces the file of the same
	 * name in tapsets/ (tapsets/uvm_stack.stp) */
	if (o->stacks) {
		snprintf(stacks_tapsets, sizeof(stacks_tapsets), "%s/stacks", o->tapsets);
		push(&a, "-I");
		push(&a, stacks_tapsets);
	}
	push(&a, "-I");
	push(&a, o->tapsets);
	push(&a, "-G");
	push(&a, mode);
	push(&a, "-G");
	push(&a, follow);
	push(&a, "-o");
	push(&a, tracefile);
	/* SystemTap's overload guard aborts a run whose probes take more
	 * than half the CPU over a second: a tight system call loop
	 * (docs/performance.md, "Overload guard").  uvm's
	 * work per event is bounded, so by default it is off; its cost is
	 * the traced program's slowdown, which the report's times show. */
	if (!o->overload_guard)
		push(&a, "-DSTP_NO_OVERLOAD");
	/* user stacks, unwound in the kernel with the unwind data of the
	 * binary and (--ldd) the libraries it links, compiled into the
	 * module */
	if (o->stacks) {
		push(&a, "-G");
		push(&a, "stacks=1");
		push(&a, "-d");
		push(&a, binary);
		/* each further -p process's binary too */
		for (k = 1; k < o->pids.n; k++) {
			if (stacks_binary(o, k, binary, sizeof(binary), err, errlen))
				goto out;
			push(&a, "-d");
			push(&a, binary);
		}
		push(&a, "--ldd");
	}
	for (i = 0; i < o->n_stap_args; i++)
		push(&a, o->stap_args[i]);
	/* one process: stap -x, as ever; several: uvm.stp's pids= (the
	 * target set, runtime/uvm_targets.h's list form) */
	if (!guest && o->pids.n == 1) {
		char pid[32];
		snprintf(pid, sizeof(pid), "%d", o->pids.pid[0]);
		push(&a, "-x");
		push(&a, pid);
	} else if (!guest && o->pids.n > 1) {
		char pids[sizeof("pids=") + UVM_TARGETS_STR_MAX];

		memcpy(pids, "pids=", 5);
		if (uvm_targets_format(&o->pids, pids + 5, sizeof(pids) - 5) < 0) {
			snprintf(err, errlen, "-p: the process list does not fit");	/* cannot happen */
			goto out;
		}
		push(&a, "-G");
		push(&a, pids);
	}
	if (!guest && o->cmd) {
		cmdstr = quote_cmd(o->cmd);
		push(&a, "-c");
		push(&a, cmdstr);
	}
	push(&a, o->script);
	if (guest) {
		push(&a, "--");
		for (i = 0; o->cmd[i]; i++)
			push(&a, o->cmd[i]);
	}
	if (o->verbose) {
		fprintf(stderr, "uvm-collect: running");
		for (i = 0; i < a.n; i++)
			fprintf(stderr, " %s", a.v[i]);
		fputc('\n', stderr);
	}
	if (pipe2(epipe, O_CLOEXEC)) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	/* stap's stdout (the target's output, with -c) goes to our stderr */
	posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO, STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, epipe[1], STDERR_FILENO);
	/* SIGINT and SIGQUIT at their defaults in the child, even when we
	 * started with them ignored (a background job): else uvm-vm, a
	 * shell, could not trap the SIGINT we pass on below */
	posix_spawnattr_init(&attr);
	sigemptyset(&dflt);
	sigaddset(&dflt, SIGINT);
	sigaddset(&dflt, SIGQUIT);
	posix_spawnattr_setsigdefault(&attr, &dflt);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
	/* in the guest, uvm-exec counts the command's tree into the shared
	 * directory (scripts/vm/run-staprun: UVM_COUNTERS) */
	if (guest && setenv("UVM_VM_COUNTERS", counters, 1)) {
		snprintf(err, errlen, "setenv: %s", strerror(errno));
		goto out;
	}
	int spawned = posix_spawnp(&child, a.v[0], &fa, &attr, a.v, environ);
	if (guest)
		unsetenv("UVM_VM_COUNTERS");
	errno = spawned;
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	if (errno) {
		snprintf(err, errlen, "cannot run %s: %s", a.v[0], strerror(errno));
		child = -1;
		goto out;
	}
	close(epipe[1]);
	epipe[1] = -1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	ps = uvm_parser_new(p, tracefile);
	buf = xcalloc(1, 1 << 20);
	while (!done) {
		struct pollfd pfd = { .fd = epipe[0], .events = POLLIN };
		ssize_t n;

		if (interrupted == 1) {	/* pass ^C on once: stap ends cleanly */
			kill(child, SIGINT);
			interrupted = 2;
		}
		if (poll(&pfd, 1, 100) > 0)
			drain_stderr(p, epipe[0], errbuf, &errlen_used, sizeof(errbuf));
		if (tfd < 0)
			tfd = open(tracefile, O_RDONLY | O_CLOEXEC);
		while (tfd >= 0 && (n = read(tfd, buf, 1 << 20)) > 0) {
			save(sfd, buf, (size_t)n, &save_errno);
			if (uvm_parser_feed(ps, buf, (size_t)n) < 0)
				break;
		}
		if (uvm_parser_error(ps)) {
			kill(child, SIGINT);
			break;
		}
		if (waitpid(child, &status, WNOHANG) == child) {
			done = 1;
			child = -1;
			/* the last bytes, and stderr's last lines */
			while (tfd >= 0 && (n = read(tfd, buf, 1 << 20)) > 0) {
				save(sfd, buf, (size_t)n, &save_errno);
				uvm_parser_feed(ps, buf, (size_t)n);
			}
			/* stap is gone: read its stderr to the end */
			while (drain_stderr(p, epipe[0], errbuf, &errlen_used, sizeof(errbuf)) > 0)
				;
		}
		if (o->progress && time(NULL) != last) {
			uint64_t r = p->loss.records_read;
			last = time(NULL);
			fprintf(stderr, "\ruvm-collect: %llu records (%llu/s), %zu processes   ",
				(unsigned long long)r, (unsigned long long)(r - last_records), p->n_procs);
			last_records = r;
		}
	}
	if (o->progress)
		fputc('\n', stderr);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (uvm_parser_error(ps)) {
		snprintf(err, errlen, "%s", uvm_parser_error(ps));
		goto out;
	}
	if (uvm_parser_finish(ps) < 0) {
		snprintf(err, errlen, "%s (did stap start? its messages are above)",
			 uvm_parser_error(ps));
		goto out;
	}
	rc = 0;
	if (save_errno) {
		snprintf(err, errlen, "--save-trace %s: %s", o->save_trace, strerror(save_errno));
		rc = 1;
	}
	/* the counters, when uvm-exec wrote them; a file that is not whole
	 * is said, and the report goes on without them */
	if (guest && access(counters, F_OK) == 0) {
		char cerr[512];
		if (uvm_counters_read(p, counters, cerr, sizeof(cerr)))
			fprintf(stderr, "uvm-collect: the counters are left out: %s\n", cerr);
	}
out:
	if (child > 0) {
		kill(child, SIGINT);
		waitpid(child, &status, 0);
	}
	if (tfd >= 0)
		close(tfd);
	if (epipe[0] >= 0)
		close(epipe[0]);
	if (epipe[1] >= 0)
		close(epipe[1]);
	uvm_parser_free(ps);
	free(buf);
	free(cmdstr);
	argv_free(&a);
	unlink(tracefile);
	unlink(counters);
	rmdir(dir);
	return rc;
}
