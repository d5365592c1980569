/* faults K [FILE F]: map K fresh anonymous pages and write one byte to
 * each (K minor faults in that mapping); with FILE, write F pages to it,
 * drop the page cache, map it and read one byte of each page (major
 * faults).  Runs in a forked child, so that all its faults happen under
 * tracing; the child prints its counters from getrusage. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "workload.h"

static void drop_caches(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);

	if (fd < 0 || write(fd, "3\n", 2) != 2)
		die_errno("drop_caches (needs root)");
	close(fd);
}

static int run(long k, const char *file, long f)
{
	long pg = sysconf(_SC_PAGESIZE), i;
	volatile char *a;
	struct rusage r0, r1;
	unsigned long sum = 0;

	a = mmap(NULL, k * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED)
		die_errno("mmap anon");
	getrusage(RUSAGE_SELF, &r0);
	for (i = 0; i < k; i++)
		a[i * pg] = 1;
	getrusage(RUSAGE_SELF, &r1);
	printf("anon %p %ld minflt_delta %ld\n", (void *)a, k, r1.ru_minflt - r0.ru_minflt);
	if (file) {
		char *buf = calloc(1, pg);
		int fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0600);
		volatile char *m;

		if (!buf || fd < 0)
			die_errno(file);
		for (i = 0; i < f; i++) {
			buf[0] = (char)i;
			if (write(fd, buf, pg) != pg)
				die_errno("write");
		}
		fsync(fd);
		drop_caches();
		m = mmap(NULL, f * pg, PROT_READ, MAP_SHARED, fd, 0);
		if (m == MAP_FAILED)
			die_errno("mmap file");
		getrusage(RUSAGE_SELF, &r0);
		for (i = 0; i < f; i++)
			sum += m[i * pg];
		getrusage(RUSAGE_SELF, &r1);
		printf("file %p %ld majflt_delta %ld minflt_delta %ld sum %lu\n", (void *)m, f,
		       r1.ru_majflt - r0.ru_majflt, r1.ru_minflt - r0.ru_minflt, sum);
		close(fd);
		free(buf);
	}
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	long k, f = 0;
	pid_t c;
	int st;

	if (argc != 2 && argc != 4) {
		fprintf(stderr, "usage: faults K [FILE F]\n");
		return 2;
	}
	k = arg_long(argv[1], "K");
	if (argc == 4)
		f = arg_long(argv[3], "F");
	fflush(stdout);
	c = fork();
	if (c < 0)
		die_errno("fork");
	if (c == 0) {
		printf("child %d\n", (int)getpid());
		_exit(run(k, argc == 4 ? argv[2] : NULL, f));
	}
	if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st))
		return 1;
	return 0;
}
