/* stacks N: system calls and page faults on known call paths, for the
 * flame-graph tests.  With leaf() making one getppid through libc:
 *
 *   main -> path_a -> leaf                   N calls
 *   main -> path_b -> leaf                  2N calls
 *   main -> path_b -> path_c -> leaf        3N calls
 *   main -> touch_pages                      N write faults, one per
 *                                            fresh anonymous page
 *
 * Every call below is followed by work, so that none is a tail call and
 * every caller keeps its frame; all are noinline.  It prints each path's
 * count as "path NAME COUNT" lines. */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <unistd.h>
#include "workload.h"

static volatile long sink;

__attribute__((noinline, noclone)) static void leaf(void)
{
	sink += getppid();
}

__attribute__((noinline, noclone)) static void path_c(void)
{
	leaf();
	sink++;
}

__attribute__((noinline, noclone)) static void path_b(long n)
{
	long i;

	for (i = 0; i < 2 * n; i++)
		leaf();
	for (i = 0; i < 3 * n; i++)
		path_c();
	sink++;
}

__attribute__((noinline, noclone)) static void path_a(long n)
{
	long i;

	for (i = 0; i < n; i++)
		leaf();
	sink++;
}

__attribute__((noinline, noclone)) static void touch_pages(char *p, long n, long page)
{
	long i;

	for (i = 0; i < n; i++)
		p[i * page] = 1;
	sink++;
}

int main(int argc, char **argv)
{
	long n, page = sysconf(_SC_PAGESIZE);
	char *p;

	if (argc != 2) {
		fprintf(stderr, "usage: stacks N\n");
		return 2;
	}
	n = arg_long(argv[1], "N");
	p = mmap(NULL, (size_t)(n ? n : 1) * page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die_errno("mmap");
	path_a(n);
	path_b(n);
	touch_pages(p, n, page);
	printf("path main;path_a;leaf %ld\n", n);
	printf("path main;path_b;leaf %ld\n", 2 * n);
	printf("path main;path_b;path_c;leaf %ld\n", 3 * n);
	printf("faults main;touch_pages %ld\n", n);
	return 0;
}
