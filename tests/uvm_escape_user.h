/*
 * uvm_escape_user.h - runtime/uvm_escape.h compiled for user space, for
 * the unit tests and the fuzzer: the kernel's bounded copy of a user
 * string is stood in for by a plain one with the same contract.
 */
#ifndef UVM_ESCAPE_USER_H
#define UVM_ESCAPE_USER_H

#include <stddef.h>

/* SystemTap's _stp_strncpy_from_user contract: at most n - 1 bytes and
 * a NUL.  Addresses below 4096 read as a fault, like the NULL page. */
static inline long uvm_test_copy_str(char *dst, const char *src, size_t n)
{
	size_t i;

	if ((unsigned long)src < 4096)
		return -14;	/* -EFAULT */
	if (n == 0)
		return 0;
	for (i = 0; i + 1 < n && src[i]; i++)
		dst[i] = src[i];
	dst[i] = '\0';
	return (long)i;
}

#define UVM_COPY_USER_STR(dst, addr, n) uvm_test_copy_str((dst), (addr), (n))
#include "uvm_escape.h"

#endif
