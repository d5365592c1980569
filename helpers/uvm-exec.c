/*
 * uvm-exec - start a traced command as it would have started untraced.
 *
 *   uvm-exec --save FILE                 write this process's environment,
 *                                        ignored signals and signal mask
 *   uvm-exec [--restore FILE] [--drain SECONDS] -- CMD [ARG...]
 *                                        --restore: take them back from
 *                                        FILE, then exec CMD (found in
 *                                        the restored PATH, as a shell
 *                                        would); --drain: see below
 *
 * staprun -c starts its command from stapio, which ignores SIGPIPE and
 * SIGUSR2 and adds SYSTEMTAP_* variables; a traced 'producer | head' would
 * then behave unlike an untraced one.  scripts/vm/run-staprun saves the
 * job shell's state with --save before staprun runs, and gives staprun
 * 'uvm-exec --restore FILE -- CMD' as the command.  uvm.stp starts the
 * command's profile at its exec of CMD, so none of this is counted.
 *
 * FILE: "uvm-untraced 1\n", "sigign HEX\n", "sigblk HEX\n" (bit n-1 for
 * signal n, as /proc/PID/status shows them), then the environment, each
 * entry NUL-terminated.  Built static: it runs in the guest's userland.
 *
 * --drain SECONDS: fork CMD rather than exec it, wait for it, then wait
 * up to SECONDS more for SIGUSR1, and exit as CMD did (its status, or its
 * signal).  stapio stops the module as soon as its -c command exits, and
 * drops what it has not read of the trace by then: megabytes when the
 * command made many events on a busy machine.  uvm.stp's module sends
 * SIGUSR1 once stapio has read everything (uvm_exit_drained in
 * tapsets/uvm_exit.stp).  SIGINT, SIGTERM, SIGHUP and SIGQUIT are passed
 * on to CMD (stapio ignores SIGINT while it has a -c command, so a ^C
 * ends CMD, and the trace still ends complete); once CMD has ended they
 * end the wait.  If stapio itself goes away, so does the wait
 * (PR_SET_PDEATHSIG).
 *
 * Exit status (only when CMD was not run): 127 CMD not found, 126 CMD
 * could not be executed, 2 usage or FILE errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAGIC "uvm-untraced 1\n"
#define MAX_SIG 64

extern char **environ;

static int die(const char *what, const char *detail)
{
	fprintf(stderr, "uvm-exec: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	return 2;
}

static int save(const char *path)
{
	uint64_t ign = 0, blk = 0;
	sigset_t mask;
	FILE *f;
	char **e;
	int s;

	for (s = 1; s <= MAX_SIG; s++) {
		struct sigaction sa;
		if (sigaction(s, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
			ign |= 1ull << (s - 1);
	}
	sigprocmask(SIG_BLOCK, NULL, &mask);
	for (s = 1; s <= MAX_SIG; s++)
		if (sigismember(&mask, s) == 1)
			blk |= 1ull << (s - 1);
	if (!(f = fopen(path, "w")))
		return die(path, strerror(errno));
	fprintf(f, "%ssigign %016llx\nsigblk %016llx\n", MAGIC, (unsigned long long)ign,
		(unsigned long long)blk);
	for (e = environ; *e; e++)
		fwrite(*e, 1, strlen(*e) + 1, f);
	if (fclose(f))
		return die(path, strerror(errno));
	return 0;
}

/* The file CMD names: itself when it has a slash, else the first
 * executable regular file in PATH. */
static char *find(const char *cmd, const char *path)
{
	const char *p = path, *c;
	char *full;
	struct stat st;

	if (strchr(cmd, '/'))
		return strdup(cmd);
	for (; p; p = c ? c + 1 : NULL) {
		size_t n;
		c = strchr(p, ':');
		n = c ? (size_t)(c - p) : strlen(p);
		if (asprintf(&full, "%.*s/%s", (int)n, n ? p : ".", cmd) < 0)
			return NULL;
		if (stat(full, &st) == 0 && S_ISREG(st.st_mode) && access(full, X_OK) == 0)
			return full;
		free(full);
	}
	return NULL;
}

static int restore(const char *path, char **cmd)
{
	unsigned long long ign, blk;
	char *buf = NULL, *p, *end, *file, **envp;
	const char *envpath = NULL;
	size_t cap = 0, len = 0, n = 0, i;
	sigset_t mask;
	FILE *f;
	int s;

	if (!(f = fopen(path, "r")))
		return die(path, strerror(errno));
	for (;;) {
		if (len == cap && !(buf = realloc(buf, cap = cap ? cap * 2 : 65536)))
			return die("out of memory", NULL);
		size_t got = fread(buf + len, 1, cap - len, f);
		if (!got)
			break;
		len += got;
	}
	fclose(f);
	if (len < sizeof(MAGIC) - 1 || memcmp(buf, MAGIC, sizeof(MAGIC) - 1) ||
	    sscanf(buf + sizeof(MAGIC) - 1, "sigign %llx\nsigblk %llx\n", &ign, &blk) != 2)
		return die(path, "not a file written by uvm-exec --save");
	p = buf + sizeof(MAGIC) - 1;
	for (i = 0; i < 2 && p; i++) {	/* past the two signal lines */
		char *nl = memchr(p, '\n', (size_t)(buf + len - p));
		p = nl ? nl + 1 : NULL;
	}
	if (!p)
		return die(path, "truncated");
	end = buf + len;
	for (char *q = p; q < end; q += strlen(q) + 1, n++)
		if (!memchr(q, '\0', (size_t)(end - q)))
			return die(path, "truncated environment");
	if (!(envp = calloc(n + 2, sizeof(*envp))))
		return die("out of memory", NULL);
	n = 0;
	for (char *q = p; q < end; q += strlen(q) + 1) {
		if (!strncmp(q, "PATH=", 5))
			envpath = q + 5;
		if (strncmp(q, "_=", 2))	/* set below, as a shell does */
			envp[n++] = q;
	}
	file = find(cmd[0], envpath ? envpath : "/usr/local/bin:/usr/bin:/bin");
	if (!file) {
		fprintf(stderr, "uvm-exec: %s: command not found\n", cmd[0]);
		return 127;
	}
	if (asprintf(&envp[n++], "_=%s", file) < 0)
		return die("out of memory", NULL);
	envp[n] = NULL;

	for (s = 1; s <= MAX_SIG; s++) {
		struct sigaction sa;
		if (s == SIGKILL || s == SIGSTOP)
			continue;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = (ign >> (s - 1)) & 1 ? SIG_IGN : SIG_DFL;
		sigaction(s, &sa, NULL);	/* glibc's own signals refuse: fine */
	}
	sigemptyset(&mask);
	for (s = 1; s <= MAX_SIG; s++)
		if ((blk >> (s - 1)) & 1)
			sigaddset(&mask, s);
	sigprocmask(SIG_SETMASK, &mask, NULL);
	execve(file, cmd, envp);
	fprintf(stderr, "uvm-exec: %s: %s\n", file, strerror(errno));
	return errno == ENOENT ? 127 : 126;
}

static int run(const char *restore_file, char **cmd)
{
	if (restore_file)
		return restore(restore_file, cmd);
	execvp(cmd[0], cmd);
	fprintf(stderr, "uvm-exec: %s: %s\n", cmd[0], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}

static volatile sig_atomic_t child_pid, stop_waiting;

/* While CMD runs: pass the signal on.  Once it is reaped: stop waiting
 * for the release (a second ^C). */
static void pass_on(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
	else
		stop_waiting = 1;
}

/* Fork CMD, wait for it and for SIGUSR1 (up to seconds), exit as it did. */
static int drain(const char *restore_file, char **cmd, long seconds)
{
	static const int passed[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa;
	struct timespec ts = { .tv_sec = seconds };
	sigset_t usr1, old;
	pid_t c, parent = getppid();
	int st;
	size_t i;

	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &usr1, &old))
		return die("sigprocmask", strerror(errno));
	fflush(NULL);
	c = fork();
	if (c < 0)
		return die("fork", strerror(errno));
	if (c == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		_exit(run(restore_file, cmd));
	}
	child_pid = c;
	/* stapio gone (stopped by a signal of its own): no release will come */
	if (prctl(PR_SET_PDEATHSIG, SIGUSR1) || getppid() != parent)
		kill(getpid(), SIGUSR1);	/* pending: no wait below */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = pass_on;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(passed) / sizeof(passed[0]); i++)
		sigaction(passed[i], &sa, NULL);
	while (waitpid(c, &st, 0) < 0)
		if (errno != EINTR)
			return die("waitpid", strerror(errno));
	child_pid = 0;	/* reaped: its pid may be anyone's now */
	while (!stop_waiting && sigtimedwait(&usr1, NULL, &ts) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(st)) {
		signal(WTERMSIG(st), SIG_DFL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		raise(WTERMSIG(st));
		return 128 + WTERMSIG(st);
	}
	return WEXITSTATUS(st);
}

static int usage(int rc)
{
	fprintf(rc ? stderr : stdout,
		"usage: uvm-exec --save FILE\n"
		"       uvm-exec [--restore FILE] [--drain SECONDS] -- CMD [ARG...]\n");
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "save", required_argument, NULL, 's' },
		{ "restore", required_argument, NULL, 'r' },
		{ "drain", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *save_file = NULL, *restore_file = NULL;
	long seconds = -1;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 's': save_file = optarg; break;
		case 'r': restore_file = optarg; break;
		case 'd':
			errno = 0;
			seconds = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || seconds < 0 || seconds > 86400)
				return die("--drain wants seconds, 0 to 86400", optarg);
			break;
		case 'h': return usage(0);
		default: return usage(2);
		}
	}
	if (save_file) {
		if (restore_file || seconds >= 0 || optind != argc)
			return usage(2);
		return save(save_file);
	}
	/* the command follows "--" */
	if (optind >= argc || strcmp(argv[optind - 1], "--"))
		return usage(2);
	if (seconds >= 0)
		return drain(restore_file, argv + optind, seconds);
	return run(restore_file, argv + optind);
}
