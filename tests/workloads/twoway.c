/* twoway: one workload built two ways, for uvm-collect diff
 * (tests/guest/60-diff.bats).  The base build and the changed one
 * (-DCHANGED) differ in exactly two places, and nowhere else:
 *   more_calls: 200 getppid, changed 300 (100 more system calls);
 *   slow_path:  20 nanosleeps of 1 ms, changed 3 ms (a slower path).
 * A child it forks does the same in both: 50 getpid and exit 0.  It
 * prints what it did. */
#define _GNU_SOURCE
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "workload.h"

#ifdef CHANGED
#define CALLS 300
#define SLEEP_NS 3000000L
#else
#define CALLS 200
#define SLEEP_NS 1000000L
#endif

static void more_calls(void)
{
	int i;

	for (i = 0; i < CALLS; i++)
		syscall(SYS_getppid);
	printf("getppid %d\n", CALLS);
}

static void slow_path(void)
{
	struct timespec t = { 0, SLEEP_NS };
	int i;

	for (i = 0; i < 20; i++)
		nanosleep(&t, NULL);
	printf("nanosleep 20 %ld\n", SLEEP_NS);
}

int main(void)
{
	pid_t child;
	int i, st;

	more_calls();
	slow_path();
	fflush(stdout);
	child = fork();
	if (child < 0)
		die_errno("fork");
	if (child == 0) {
		for (i = 0; i < 50; i++)
			syscall(SYS_getpid);
		_exit(0);
	}
	if (waitpid(child, &st, 0) != child || !WIFEXITED(st) || WEXITSTATUS(st))
		die_errno("waitpid");
	return 0;
}
