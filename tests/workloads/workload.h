/* workload.h - shared bits of the uvm test workloads.
 *
 * Each workload does a known number of known operations and prints what
 * it did (addresses, pids, counts) on stdout as "key value..." lines, so
 * that tests compare uvm's trace with the program's own account. */
#ifndef UVM_WORKLOAD_H
#define UVM_WORKLOAD_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline long arg_long(const char *s, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 0) {
		fprintf(stderr, "bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

#define die_errno(what)                                                        \
	do {                                                                   \
		perror(what);                                                  \
		exit(1);                                                       \
	} while (0)

#endif
