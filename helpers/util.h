/* util.h - allocation that cannot fail silently, bounded string copies. */
#ifndef UVM_UTIL_H
#define UVM_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline void *xoom(void *p)
{
	if (!p) {
		fputs("uvm-collect: out of memory\n", stderr);
		exit(2);
	}
	return p;
}

static inline void *xcalloc(size_t n, size_t sz) { return xoom(calloc(n ? n : 1, sz)); }
static inline void *xrealloc(void *p, size_t sz) { return xoom(realloc(p, sz ? sz : 1)); }
static inline char *xstrdup(const char *s) { return xoom(strdup(s)); }

/* Make room for one more element in a (ptr, n, cap) array. */
#define GROW(ptr, n, cap)                                                      \
	do {                                                                   \
		if ((n) >= (cap)) {                                            \
			(cap) = (cap) ? 2 * (cap) : 8;                         \
			(ptr) = xrealloc((ptr), (cap) * sizeof(*(ptr)));       \
		}                                                              \
	} while (0)

/* Copy with truncation, always NUL-terminated. */
static inline void copy_str(char *dst, size_t n, const char *src)
{
	size_t l = strlen(src);

	if (l >= n)
		l = n - 1;
	memcpy(dst, src, l);
	dst[l] = '\0';
}

/* A sum of numbers from the trace: it stops at UINT64_MAX rather than
 * wraps. */
static inline uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

struct uvm_syscall_stat;
void uvm_hist_add(struct uvm_syscall_stat *s, uint64_t v, uint64_t n);
/* The smallest latency in histogram bucket b (uvm_profile.h). */
uint64_t uvm_hist_low(unsigned b);
void uvm_syscall_set_errno(struct uvm_syscall_stat *s, const char *err, uint64_t n);

#endif
