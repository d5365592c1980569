/* mm: a fixed mmap/mprotect/mremap/munmap/brk sequence; prints every
 * call with its arguments and real result, one per line, in the order
 * made: "op addr len new_len result". */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "workload.h"

int main(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *a, *b;
	unsigned long brk0, brk1, brk2;

	a = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED)
		die_errno("mmap");
	printf("mmap 0x0 %ld 0 %p\n", 4 * pg, (void *)a);
	if (mprotect(a + pg, pg, PROT_READ))
		die_errno("mprotect");
	printf("mprotect %p %ld 0 0x0\n", (void *)(a + pg), pg);
	/* back to one mapping: mremap cannot move a range spanning two */
	if (mprotect(a + pg, pg, PROT_READ | PROT_WRITE))
		die_errno("mprotect");
	printf("mprotect %p %ld 0 0x0\n", (void *)(a + pg), pg);
	b = mremap(a, 4 * pg, 64 * pg, MREMAP_MAYMOVE);
	if (b == MAP_FAILED)
		die_errno("mremap");
	printf("mremap %p %ld %ld %p\n", (void *)a, 4 * pg, 64 * pg, (void *)b);
	if (munmap(b, 64 * pg))
		die_errno("munmap");
	printf("munmap %p %ld 0 0x0\n", (void *)b, 64 * pg);
	/* raw brk: glibc's sbrk caches the break */
	brk0 = syscall(SYS_brk, 0);
	printf("brk 0x0 0 0 %#lx\n", brk0);
	brk1 = syscall(SYS_brk, brk0 + 16 * pg);
	printf("brk %#lx 0 0 %#lx\n", brk0 + 16 * pg, brk1);
	brk2 = syscall(SYS_brk, brk0);
	printf("brk %#lx 0 0 %#lx\n", brk0, brk2);
	/* a failing munmap: EINVAL */
	if (munmap((void *)1, pg) == 0)
		die_errno("munmap of an unaligned address succeeded");
	printf("munmap 0x1 %ld 0 EINVAL\n", pg);
	return 0;
}
