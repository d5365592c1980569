/*
 * uvm_targets.h - the target set: the processes uvm traces, each with
 * what it forks (while following).  Compiled into the kernel module
 * (through tapsets/uvm_runtime.stp), which parses uvm.stp's
 * -G pids=PID,PID,... with it and writes the set into the trace header's
 * targets field, and into uvm-collect, which reads that field back with
 * the same parser; the unit tests run it too.
 *
 * The list form: process ids in decimal, 1 to UVM_TARGET_PID_MAX (below
 * the kernel's PID_MAX_LIMIT), separated by single commas, nothing else
 * (no spaces, no sign, no empty element); at most UVM_TARGETS_MAX
 * distinct ids.  A repeated id counts once (the set is a union: -x PID
 * and pids= naming the same process is one target).  The empty string is
 * the empty set.
 *
 * Bounds: a set holds at most UVM_TARGETS_MAX ids (every write checks n
 * first); a listed set is at most UVM_TARGETS_STR_MAX bytes with its NUL
 * (7 digits an id, a comma between), which fits a trace string field
 * (UVM_STR_MAX, checked below).  Nothing here reads past len or writes
 * past the size it is given.  Pure C, no library calls: valid in the
 * kernel and in user space.
 */
#ifndef UVM_TARGETS_H
#define UVM_TARGETS_H

/* for UVM_STR_MAX; not included here: runtime/gen-runtime inlines the
 * runtime's headers into one file, where an #include would not resolve */
#ifndef UVM_TRACE_H
#error "include uvm_trace.h before uvm_targets.h"
#endif

#ifndef __KERNEL__
#include <stddef.h>
#endif

#define UVM_TARGETS_MAX 64
/* The largest id the kernel can give: pids are below PID_MAX_LIMIT
 * (4 Mi on 64-bit, include/linux/threads.h). */
#define UVM_TARGET_PID_MAX (4 * 1024 * 1024 - 1)
#define UVM_TARGET_DIGITS 7	/* of UVM_TARGET_PID_MAX */
/* "A,B,...,Z" and its NUL: each id's digits and a comma or the NUL */
#define UVM_TARGETS_STR_MAX (UVM_TARGETS_MAX * (UVM_TARGET_DIGITS + 1))

/* The listed set always fits a string field of the trace. */
typedef char uvm_targets_fit_[UVM_TARGETS_STR_MAX <= UVM_STR_MAX ? 1 : -1];

struct uvm_targets {
	unsigned n;			/* 0 .. UVM_TARGETS_MAX */
	int pid[UVM_TARGETS_MAX];	/* in the order first given */
};

enum uvm_targets_status {
	UVM_TARGETS_OK = 0,
	UVM_TARGETS_SYNTAX = 1,		/* not digits and single commas */
	UVM_TARGETS_RANGE = 2,		/* 0, or above UVM_TARGET_PID_MAX */
	UVM_TARGETS_TOO_MANY = 3,	/* more than UVM_TARGETS_MAX distinct */
};

static inline void uvm_targets_init(struct uvm_targets *t)
{
	t->n = 0;
}

/* 1 when pid is in t. */
static inline int uvm_targets_has(const struct uvm_targets *t, int pid)
{
	unsigned i;

	for (i = 0; i < t->n && i < UVM_TARGETS_MAX; i++)
		if (t->pid[i] == pid)
			return 1;
	return 0;
}

/* Add pid (1 .. UVM_TARGET_PID_MAX) unless it is there. */
static inline enum uvm_targets_status uvm_targets_add(struct uvm_targets *t, long pid)
{
	if (pid < 1 || pid > UVM_TARGET_PID_MAX)
		return UVM_TARGETS_RANGE;
	if (uvm_targets_has(t, (int)pid))
		return UVM_TARGETS_OK;
	if (t->n >= UVM_TARGETS_MAX)
		return UVM_TARGETS_TOO_MANY;
	t->pid[t->n++] = (int)pid;
	return UVM_TARGETS_OK;
}

/*
 * Add the ids of the list s[0 .. len) (it ends early at a NUL) to t.
 * On an error, *at (if not NULL) is the offset of the element at fault
 * and t holds the ids before it.
 */
static inline enum uvm_targets_status uvm_targets_parse(struct uvm_targets *t,
							const char *s, size_t len,
							size_t *at)
{
	size_t i = 0, start;
	enum uvm_targets_status st;

	while (i < len && s[i])
		i++;
	len = i;	/* up to the NUL */
	if (at)
		*at = 0;
	if (len == 0)
		return UVM_TARGETS_OK;
	for (i = 0; i <= len; i++) {
		long v = 0;
		unsigned digits = 0;

		start = i;
		if (at)
			*at = start;
		/* more digits than UVM_TARGET_DIGITS (leading zeros aside)
		 * are out of range before v could overflow */
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			if (v == 0 && s[i] == '0')
				continue;
			if (++digits > UVM_TARGET_DIGITS)
				return UVM_TARGETS_RANGE;
			v = v * 10 + (s[i] - '0');
		}
		if (i == start || (i < len && s[i] != ','))
			return UVM_TARGETS_SYNTAX;
		/* i == len (the end) or a comma, with an element after it */
		if (i + 1 == len)
			return UVM_TARGETS_SYNTAX;	/* a trailing comma */
		st = uvm_targets_add(t, v);
		if (st != UVM_TARGETS_OK)
			return st;
	}
	return UVM_TARGETS_OK;
}

/* t as a list, "A,B,C", into dst (size bytes; UVM_TARGETS_STR_MAX always
 * suffices), NUL-terminated; "-" (none, in the trace's escaping) for the
 * empty set.  Returns the length, or -1 when size is too small (dst then
 * holds "" if size > 0). */
static inline int uvm_targets_format(const struct uvm_targets *t, char *dst, size_t size)
{
	size_t o = 0;
	unsigned i;

	if (size == 0)
		return -1;
	if (t->n == 0) {
		if (size < 2) {
			dst[0] = '\0';
			return -1;
		}
		dst[0] = '-';
		dst[1] = '\0';
		return 1;
	}
	for (i = 0; i < t->n && i < UVM_TARGETS_MAX; i++) {
		char d[UVM_TARGET_DIGITS];
		unsigned k = 0;
		long v = t->pid[i];

		if (v < 1 || v > UVM_TARGET_PID_MAX)
			v = 0;	/* never stored: uvm_targets_add checks */
		do {
			d[k++] = (char)('0' + v % 10);
			v /= 10;
		} while (v && k < UVM_TARGET_DIGITS);
		/* the digits, a comma before all but the first, and the NUL */
		if (o + (i ? 1 : 0) + k + 1 > size) {
			dst[0] = '\0';
			return -1;
		}
		if (i)
			dst[o++] = ',';
		while (k)
			dst[o++] = d[--k];
	}
	dst[o] = '\0';
	return (int)o;
}

#endif /* UVM_TARGETS_H */
