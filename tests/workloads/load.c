/* load: many processes, threads and execs, each doing a known amount.
 *
 *   load storm N K     N children in all, at most K alive at once; each
 *                      child calls getppid once and exits with i % 200
 *   load threads N M   N threads started together, each calling getppid
 *                      M times
 *   load exec N        execs itself N times (N, N-1, ..., 0), one getppid
 *                      per image
 *   load threxec N     a second thread execs "load exec N" while the first
 *                      waits (the kernel gives the thread the leader's tid)
 *   load hold N K      N children alive at once, each making K distinct
 *                      system calls (K <= 12, from getppid on) before it
 *                      waits for the parent, which lets them exit one
 *                      after the other (all at once, 1800 runnable tasks
 *                      starved the one-vCPU guest's RCU kthread for 21 s)
 *   load churn S K     for S seconds, K children alive at once, each
 *                      calling getppid once; prints "children N"
 *   load reuse N       N children one after the other, each calling
 *                      getppid once; prints "reused K" when K of them got
 *                      a pid an earlier one had (lower pid_max to force it)
 *   load cpu MS        two children: one spins until it has used MS ms of
 *                      CPU time, the other sleeps MS ms; prints "spinner
 *                      PID" and "sleeper PID"
 *
 * Prints "child PID" for every child it forks, then "done".
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
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

/* K distinct system calls, all harmless. */
static void distinct_calls(long k)
{
	static const long nrs[] = {
		SYS_getppid, SYS_getpid, SYS_getuid, SYS_geteuid, SYS_getgid,
		SYS_getegid, SYS_gettid, SYS_getpgrp, SYS_sched_yield,
		SYS_getsid, SYS_umask, SYS_getpriority,
	};
	long i;

	for (i = 0; i < k && i < (long)(sizeof(nrs) / sizeof(nrs[0])); i++) {
		if (nrs[i] == SYS_getsid)
			syscall(nrs[i], 0);
		else if (nrs[i] == SYS_umask)
			syscall(nrs[i], 022);
		else if (nrs[i] == SYS_getpriority)
			syscall(nrs[i], PRIO_PROCESS, 0);
		else
			syscall(nrs[i]);
	}
}
static char self_exe[4096];

/* the real path, so that comm stays "load" */
static void read_self(void)
{
	ssize_t len = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);

	if (len < 0)
		die_errno("readlink");
	self_exe[len] = '\0';
}

static void *exec_thread(void *arg)
{
	fflush(stdout);
	execl(self_exe, "load", "exec", (const char *)arg, (char *)NULL);
	die_errno("execl");
	return NULL;
}

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
		fprintf(stderr, "usage: load storm N K | threads N M | exec N | threxec N | hold N K | churn S K | reuse N | cpu MS\n");
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
		char next[32];
		syscall(SYS_getppid);
		if (n > 0) {
			read_self();
			snprintf(next, sizeof(next), "%ld", n - 1);
			fflush(stdout);
			execl(self_exe, argv[0], "exec", next, (char *)NULL);
			die_errno("execl");
		}
	} else if (!strcmp(argv[1], "threxec") && argc == 3) {
		pthread_t t;
		read_self();
		if ((errno = pthread_create(&t, NULL, exec_thread, argv[2])))
			die_errno("pthread_create");
		pthread_join(t, NULL);	/* ended by the exec */
		fprintf(stderr, "load: the exec did not happen\n");
		return 1;
	} else if (!strcmp(argv[1], "churn") && argc == 4) {
		long k = arg_long(argv[3], "K");
		time_t end = time(NULL) + n;
		if (k < 1)
			k = 1;
		for (i = 0; time(NULL) < end; i++) {
			if (alive == k) {
				reap(i);
				alive--;
			}
			fork_child(i);
			alive++;
		}
		while (alive-- > 0)
			reap(0);
		printf("children %ld\n", i);
	} else if (!strcmp(argv[1], "hold") && argc == 4) {
		long k = arg_long(argv[3], "K");
		int fd[2];
		char c;
		if (pipe(fd))
			die_errno("pipe");
		for (i = 0; i < n; i++) {
			pid_t p;
			fflush(stdout);
			p = fork();
			if (p < 0)
				die_errno("fork");
			if (p == 0) {
				close(fd[1]);
				distinct_calls(k);
				/* one byte from the parent lets one child go */
				while (read(fd[0], &c, 1) < 0 && errno == EINTR)
					;
				_exit(0);
			}
			printf("child %d\n", (int)p);
		}
		close(fd[0]);
		for (i = 0; i < n; i++) {
			if (write(fd[1], "x", 1) != 1)
				die_errno("write");
			reap(i);
		}
		close(fd[1]);
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
	} else if (!strcmp(argv[1], "cpu") && argc == 3) {
		struct timespec ts = { n / 1000, n % 1000 * 1000000 };
		pid_t p;
		for (i = 0; i < 2; i++) {
			fflush(stdout);
			if ((p = fork()) < 0)
				die_errno("fork");
			if (p == 0 && i == 0) {
				/* a look at the CPU time every 2^20 rounds: a
				 * system call per millisecond or so, no more */
				volatile unsigned long x = 0;
				struct rusage ru;
				do {
					while (++x & ((1ul << 20) - 1))
						;
					getrusage(RUSAGE_SELF, &ru);
				} while ((ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
					 (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000 < n);
				_exit(0);
			}
			if (p == 0) {
				while (nanosleep(&ts, &ts) && errno == EINTR)
					;
				_exit(0);
			}
			printf("%s %d\n", i ? "sleeper" : "spinner", (int)p);
		}
		reap(0);
		reap(1);
	} else {
		fprintf(stderr, "load: unknown mode or wrong arguments\n");
		return 2;
	}
	printf("done\n");
	return 0;
}
