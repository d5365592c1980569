/* workload.c - the benchmark's workloads.
 *   syscalls N   N getppid calls ($BENCH_SPIN: that many iterations of
 *                user-space work between two calls; default 0)
 *   faults MB    touch every page of MB MiB of fresh anonymous memory
 *   procs N      N times fork + exec /bin/true + wait
 * The truth a tracer's count is checked against goes to
 * $BENCH_TRUTH_FILE: N getppid calls; the kernel's own minor-fault count
 * of this process (getrusage); N + 1 execs (the children's and its own).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The work's own wall time, appended to $BENCH_ELAPSED_FILE: the
 * tracing overhead without the tracer's start-up and shut-down. */
static void report(const struct timespec *t0)
{
	const char *f = getenv("BENCH_ELAPSED_FILE");
	struct timespec t1;
	FILE *out;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (f && (out = fopen(f, "a"))) {
		fprintf(out, "%.6f\n", (double)(t1.tv_sec - t0->tv_sec) +
					 (double)(t1.tv_nsec - t0->tv_nsec) / 1e9);
		fclose(out);
	}
}

int main(int argc, char **argv)
{
	struct timespec t0;
	long n, i;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (argc != 3 || (n = atol(argv[2])) <= 0) {
		fprintf(stderr, "usage: workload syscalls|faults|procs N\n");
		return 2;
	}
	if (!strcmp(argv[1], "syscalls")) {
		const char *sp = getenv("BENCH_SPIN");
		long spin = sp ? atol(sp) : 0, k;
		volatile long sink = 0;

		for (i = 0; i < n; i++) {
			syscall(SYS_getppid);
			for (k = 0; k < spin; k++)
				sink += k;
		}
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
	report(&t0);
	{
		const char *f = getenv("BENCH_TRUTH_FILE");
		struct rusage ru;
		FILE *out;

		getrusage(RUSAGE_SELF, &ru);
		if (f && (out = fopen(f, "w"))) {
			/* procs: the children's execs and this program's own */
			fprintf(out, "%ld\n", !strcmp(argv[1], "faults") ? ru.ru_minflt :
					       !strcmp(argv[1], "procs") ? n + 1 : n);
			fclose(out);
		}
	}
	return 0;
}
