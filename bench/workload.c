/* workload.c - the benchmark's workloads.
 *   syscalls N   N getppid calls
 *   faults MB    touch every page of MB MiB of fresh anonymous memory
 *   procs N      N times fork + exec /bin/true + wait
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n, i;

	if (argc != 3 || (n = atol(argv[2])) <= 0) {
		fprintf(stderr, "usage: workload syscalls|faults|procs N\n");
		return 2;
	}
	if (!strcmp(argv[1], "syscalls")) {
		for (i = 0; i < n; i++)
			syscall(SYS_getppid);
	} else if (!strcmp(argv[1], "faults")) {
		long pg = sysconf(_SC_PAGESIZE), len = n << 20;
		char *a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (a == MAP_FAILED)
			return 1;
		madvise(a, len, MADV_NOHUGEPAGE);
		for (i = 0; i < len; i += pg)
			a[i] = 1;
	} else if (!strcmp(argv[1], "procs")) {
		for (i = 0; i < n; i++) {
			pid_t c = fork();
			if (c == 0) {
				execl("/bin/true", "true", (char *)NULL);
				_exit(127);
			}
			if (c < 0 || waitpid(c, NULL, 0) != c)
				return 1;
		}
	} else {
		return 2;
	}
	return 0;
}
