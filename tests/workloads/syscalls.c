/* syscalls N M [SLEEP_MS]: N getppid calls, M open() calls that fail
 * with ENOENT, and, with SLEEP_MS, one read() from a pipe that blocks
 * until a child writes to it SLEEP_MS milliseconds later. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "workload.h"

int main(int argc, char **argv)
{
	long n, m, ms = 0, i;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: syscalls N M [SLEEP_MS]\n");
		return 2;
	}
	n = arg_long(argv[1], "N");
	m = arg_long(argv[2], "M");
	if (argc == 4)
		ms = arg_long(argv[3], "SLEEP_MS");
	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
	for (i = 0; i < m; i++)
		if (syscall(SYS_openat, AT_FDCWD, "/nonexistent/uvm-workload", O_RDONLY) != -1 ||
		    errno != ENOENT)
			die_errno("open did not fail with ENOENT");
	if (ms) {
		int p[2];
		char c;
		pid_t child;

		if (pipe(p))
			die_errno("pipe");
		child = fork();
		if (child < 0)
			die_errno("fork");
		if (child == 0) {
			struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
			nanosleep(&t, NULL);
			if (write(p[1], "x", 1) != 1)
				_exit(1);
			_exit(0);
		}
		if (syscall(SYS_read, p[0], &c, 1) != 1)
			die_errno("read");
		waitpid(child, NULL, 0);
		printf("blocked_read_ms %ld\n", ms);
	}
	printf("getppid %ld\nopen_enoent %ld\npid %d\n", n, m, (int)getpid());
	return 0;
}
