/*
 * uvm-exec - start a traced command as it would have started untraced.
 *
 *   uvm-exec --save FILE                 write this process's environment,
 *                                        ignored signals and signal mask
 *   uvm-exec --restore FILE -- CMD [ARG...]
 *                                        take them back from FILE, then
 *                                        exec CMD (found in the restored
 *                                        PATH, as a shell would)
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
 * Exit status (only when CMD was not run): 127 CMD not found, 126 CMD
 * could not be executed, 2 usage or FILE errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--save"))
		return save(argv[2]);
	if (argc >= 5 && !strcmp(argv[1], "--restore") && !strcmp(argv[3], "--"))
		return restore(argv[2], argv + 4);
	fprintf(stderr, "usage: uvm-exec --save FILE\n"
			"       uvm-exec --restore FILE -- CMD [ARG...]\n");
	return argc == 2 && !strcmp(argv[1], "--help") ? 0 : 2;
}
