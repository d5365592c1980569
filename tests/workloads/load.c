/* load: many processes, threads and execs, each doing a known amount.
 *
 *   load storm N K     N children in all, at most K alive at once; each
 *                      child calls getppid once and exits with i % 200
 *   load threads N M   N threads started together, each calling getppid
 *                      M times
 *   load exec N        execs itself N times (N, N-1, ..., 0), one getppid
 *                      per image
 *   load reuse N       N children one after the other, each calling
 *                      getppid once; prints "reused K" when K of them got
 *                      a pid an earlier one had (lower pid_max to force it)
 *
 * Prints "child PID" for every child it forks, then "done".
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "workload.h"

static pid_t fork_child(long i)
{
	pid_t c;

	fflush(stdout);
	c = fork();
	if (c < 0)
		die_errno("fork");
	if (c == 0) {
		syscall(SYS_getppid);
		_exit((int)(i % 200));
	}
	printf("child %d\n", (int)c);
	return c;
}

static void reap(long i)
{
	int st;
	pid_t c = wait(&st);

	if (c < 0)
		die_errno("wait");
	(void)i;
}

static long per_thread;

static void *thread_main(void *arg)
{
	long i;

	(void)arg;
	for (i = 0; i < per_thread; i++)
		syscall(SYS_getppid);
	return NULL;
}

int main(int argc, char **argv)
{
	long n, i, alive = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: load storm N K | threads N M | exec N | reuse N\n");
		return 2;
	}
	n = arg_long(argv[2], "N");
	if (!strcmp(argv[1], "storm") && argc == 4) {
		long k = arg_long(argv[3], "K");
		if (k < 1)
			k = 1;
		for (i = 0; i < n; i++) {
			if (alive == k) {
				reap(i);
				alive--;
			}
			fork_child(i);
			alive++;
		}
		while (alive-- > 0)
			reap(0);
	} else if (!strcmp(argv[1], "threads") && argc == 4) {
		pthread_t *t = calloc((size_t)n, sizeof(*t));
		if (!t)
			die_errno("calloc");
		per_thread = arg_long(argv[3], "M");
		for (i = 0; i < n; i++)
			if ((errno = pthread_create(&t[i], NULL, thread_main, NULL)))
				die_errno("pthread_create");
		for (i = 0; i < n; i++)
			pthread_join(t[i], NULL);
		free(t);
	} else if (!strcmp(argv[1], "exec") && argc == 3) {
		char next[32], self[4096];
		ssize_t len;
		syscall(SYS_getppid);
		if (n > 0) {
			/* the real path, so that comm stays "load" */
			len = readlink("/proc/self/exe", self, sizeof(self) - 1);
			if (len < 0)
				die_errno("readlink");
			self[len] = '\0';
			snprintf(next, sizeof(next), "%ld", n - 1);
			fflush(stdout);
			execl(self, argv[0], "exec", next, (char *)NULL);
			die_errno("execl");
		}
	} else if (!strcmp(argv[1], "reuse") && argc == 3) {
		/* pids are below 4194304 (PID_MAX_LIMIT): one bit each */
		static unsigned char seen[4194304 / 8];
		long reused = 0;
		for (i = 0; i < n; i++) {
			pid_t c = fork_child(i);
			if (c < 4194304) {
				if (seen[c / 8] & (1u << (c % 8)))
					reused++;
				seen[c / 8] |= (unsigned char)(1u << (c % 8));
			}
			reap(i);
		}
		printf("reused %ld\n", reused);
	} else {
		fprintf(stderr, "load: unknown mode or wrong arguments\n");
		return 2;
	}
	printf("done\n");
	return 0;
}
