/* hostile DIR: names no tracer should trust, in every place uvm records
 * a name.  In DIR it creates, opens (openat, with O_CREAT) and closes a
 * file for each hostile name below, maps the first one and touches the
 * mapping, renames itself (prctl PR_SET_NAME) to a hostile comm, forks a
 * child that exits 0, opens a 4095-byte path (it fails: ENOENT, the
 * directories do not exist), then execs itself through a symlink with a
 * hostile name and hostile arguments; the new image exits 0.
 *
 * It writes what it used to DIR/expected, one record per line, each
 * field hex-encoded (so that the test reads bytes, not shell words):
 *   file HEX        an opened file's full path
 *   comm HEX        the comm set with prctl
 *   exec HEX        the symlink exec'd
 *   argv HEX...     the exec'd argv
 *   long HEX        the 4095-byte path */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "workload.h"

static const char *const names[] = {
	"q\"uote'",
	"<a>&b;",
	"tab\there",
	"new\nline",
	"cr\rhere",
	"back\\slash\\",
	"ctl\x01\x02\x1b\x7f",
	"bad-utf8-\xff\xfe\xc3\x28",
	"-",
	" spaced name ",
	"x\\x41",
	"utf8-\xc3\xa9\xe2\x9c\x93",
};
#define N_NAMES (sizeof(names) / sizeof(names[0]))

static void hex(FILE *f, const char *tag, const char *s)
{
	fprintf(f, "%s ", tag);
	for (; *s; s++)
		fprintf(f, "%02x", (unsigned char)*s);
	fputc('\n', f);
}

int main(int argc, char **argv)
{
	char path[PATH_MAX], link[PATH_MAX], comm[] = "ev\"l\t<&>\n\x01\\";
	char *xargv[] = { link, "phase2", "a b", "q\"t", "tab\t", "nl\n", "\xff\xfe", "-",
			  "back\\x20", NULL };
	char *longp;
	FILE *exp;
	size_t i, dl;
	pid_t c;
	int fd;

	if (argc >= 2 && !strcmp(argv[1], "phase2"))
		return 0;
	if (argc != 2) {
		fprintf(stderr, "usage: hostile DIR\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/expected", argv[1]);
	if (!(exp = fopen(path, "w")))
		die_errno(path);
	for (i = 0; i < N_NAMES; i++) {
		snprintf(path, sizeof(path), "%s/%s", argv[1], names[i]);
		fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
		if (fd < 0)
			die_errno(path);
		hex(exp, "file", path);
		if (i == 0) {	/* map it and touch the mapping: a fault in the file */
			char *m;
			if (ftruncate(fd, 4096))
				die_errno("ftruncate");
			m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
			if (m == MAP_FAILED)
				die_errno("mmap");
			m[0] = 1;
			munmap(m, 4096);
		}
		close(fd);
	}
	if (prctl(PR_SET_NAME, comm))
		die_errno("prctl");
	hex(exp, "comm", comm);
	c = fork();
	if (c < 0)
		die_errno("fork");
	if (c == 0)
		_exit(0);
	waitpid(c, NULL, 0);

	/* 4095 bytes: DIR/ then 'p's and slashes, never a real directory */
	longp = malloc(4096);
	dl = (size_t)snprintf(longp, 4096, "%s/", argv[1]);
	for (i = dl; i < 4095; i++)
		longp[i] = (i % 200 == 0) ? '/' : 'p';
	longp[4095] = '\0';
	hex(exp, "long", longp);
	if (open(longp, O_RDONLY) >= 0 || (errno != ENOENT && errno != ENAMETOOLONG))
		die_errno("the long path");

	snprintf(link, sizeof(link), "%s/ex\te\"c\x1b", argv[1]);
	unlink(link);
	if (symlink("/proc/self/exe", link) && errno != EEXIST)
		die_errno("symlink");
	{
		char real[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", real, sizeof(real) - 1);
		if (n < 0)
			die_errno("readlink");
		real[n] = '\0';
		unlink(link);
		if (symlink(real, link))
			die_errno("symlink");
	}
	hex(exp, "exec", link);
	fprintf(exp, "argv");
	for (i = 0; xargv[i]; i++) {
		const char *s = xargv[i];
		fputc(' ', exp);
		for (; *s; s++)
			fprintf(exp, "%02x", (unsigned char)*s);
	}
	fputc('\n', exp);
	fclose(exp);
	execv(link, xargv);
	die_errno("execv");
}
