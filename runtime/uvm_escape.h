/*
 * uvm_escape.h - escaping of string fields and formatting of system-call
 * arguments, compiled both into the kernel module (through
 * tapsets/uvm_runtime.stp) and into user space (the unit tests and the
 * fuzzer of tests/), so that what is tested is what the module runs.
 *
 * Every write goes through struct uvm_out, whose one invariant bounds
 * it: while not full, len <= size - UVM_OUT_TAIL, so the "..." that marks
 * a cut and its NUL always fit.  No function here writes outside
 * buf[0 .. size).
 *
 * The includer provides, before including this file:
 *   UVM_COPY_USER_STR(dst, addr, n): SystemTap's _stp_strncpy_from_user
 *     contract: copy at most n - 1 bytes of the string at user address
 *     addr into dst (n bytes), always NUL-terminated; the number of bytes
 *     copied, or < 0 when addr cannot be read.  Only the 's' argument
 *     kind uses it.
 *
 * The escaped form (the S field type of uvm_trace.h): backslash, tab,
 * newline and carriage return as \\ \t \n \r; every other byte below
 * 0x20, 0x7f and (for argv elements) space as \xHH; other bytes as they
 * are (UTF-8 or not).  The empty string is written "-" (read back as
 * "none"), so the string "-" itself is written \x2d.  A string cut at its
 * bound ends in "..." (written only when cut); a string that itself ends
 * in "..." has its last dot written \x2e, so that the two cannot be
 * confused.
 */
#ifndef UVM_ESCAPE_H
#define UVM_ESCAPE_H

#ifndef __KERNEL__
#include <stdio.h>
#include <string.h>
#define __user
#endif

#ifndef UVM_COPY_USER_STR
#error "define UVM_COPY_USER_STR(dst, addr, n) before including uvm_escape.h"
#endif

#define UVM_OUT_TAIL 4	/* "..." and the NUL */

struct uvm_out {
	char *buf;
	size_t size;
	size_t len;	/* buf[len] == '\0' */
	int full;	/* cut: "..." written, nothing more goes in */
};

static inline void uvm_out_init(struct uvm_out *b, char *buf, size_t size)
{
	b->buf = buf;
	b->size = size;
	b->len = 0;
	b->full = size < UVM_OUT_TAIL;	/* too small even to mark a cut */
	if (size)
		buf[0] = '\0';
}

/* Mark b as cut: "..." at the end, nothing more.  By the invariant the
 * three dots and the NUL fit (len + 4 <= size). */
static inline void uvm_out_cut(struct uvm_out *b)
{
	if (b->full)
		return;
	memcpy(b->buf + b->len, "...", 4);
	b->len += 3;
	b->full = 1;
}

/* Append s[0..n) whole, or cut b and return -1. */
static inline int uvm_out_put(struct uvm_out *b, const char *s, size_t n)
{
	if (b->full)
		return -1;
	if (n > b->size - UVM_OUT_TAIL - b->len) {
		uvm_out_cut(b);
		return -1;
	}
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return 0;
}

#define UVM_ESC_SPACE 1	/* escape ' ' too (argv elements) */

/* Append the escaped form of src[0..srclen), stopping at a NUL byte.
 * An escape sequence is never split: a cut falls between two. */
static inline int uvm_out_escape(struct uvm_out *b, const char *src,
				 size_t srclen, int flags)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	if (srclen == 0 || src[0] == '\0')
		return uvm_out_put(b, "-", 1);
	if (src[0] == '-' && (srclen == 1 || src[1] == '\0'))
		return uvm_out_put(b, "\\x2d", 4);
	for (i = 0; i < srclen && src[i]; i++) {
		unsigned char c = (unsigned char)src[i];
		char e[4];
		size_t n = 2;

		e[0] = '\\';
		switch (c) {
		case '\\': e[1] = '\\'; break;
		case '\t': e[1] = 't'; break;
		case '\n': e[1] = 'n'; break;
		case '\r': e[1] = 'r'; break;
		default:
			if (c < 0x20 || c == 0x7f ||
			    ((flags & UVM_ESC_SPACE) && c == ' ') ||
			    (c == '.' && i >= 2 && src[i - 1] == '.' && src[i - 2] == '.' &&
			     (i + 1 == srclen || src[i + 1] == '\0'))) {
				e[1] = 'x';
				e[2] = hex[c >> 4];
				e[3] = hex[c & 15];
				n = 4;
			} else {
				e[0] = (char)c;
				n = 1;
			}
		}
		if (uvm_out_put(b, e, n))
			return -1;
	}
	return 0;
}

/* Escape src[0..srclen) into dst (size n, always NUL-terminated when
 * n > 0).  Returns the length written. */
static inline size_t uvm_escape(char *dst, size_t n, const char *src,
				size_t srclen, int flags)
{
	struct uvm_out b;

	uvm_out_init(&b, dst, n);
	uvm_out_escape(&b, src, srclen, flags);
	return b.len;
}

/* ---- system call arguments ------------------------------------------ */

/*
 * Argument kinds, one letter per argument:
 *   d signed int   u unsigned   x hex   p pointer (hex)   f fd
 *   s user string (path)   o octal mode
 * A string argument is read up to UVM_ARG_STR_MAX bytes and written in
 * double quotes, escaped; one that is longer gets "..." before its
 * closing quote.  One that cannot be read is written as its address.
 */
#define UVM_ARG_STR_MAX 128

/* Append argument v of the given kind to b, after ", " if b is not
 * empty.  Returns -1 when b was cut (the caller stops). */
static inline int uvm_out_arg(struct uvm_out *b, char kind, unsigned long v)
{
	char num[32];	/* "0x" + 16 hex digits, or "0" + 22 octal digits */
	int len;

	if (b->len && uvm_out_put(b, ", ", 2))
		return -1;
	switch (kind) {
	case 'd':
	case 'f':
		len = snprintf(num, sizeof(num), "%d", (int)v);
		break;
	case 'u':
		len = snprintf(num, sizeof(num), "%lu", v);
		break;
	case 'o':
		len = snprintf(num, sizeof(num), "0%lo", v);
		break;
	case 's': {
		/* one byte more than is shown, to tell a string of exactly
		 * UVM_ARG_STR_MAX bytes from a longer one, and the NUL */
		char raw[UVM_ARG_STR_MAX + 2];
		long got = v ? UVM_COPY_USER_STR(raw, (const char __user *)v,
						 sizeof(raw)) : -1;
		int cut = got > UVM_ARG_STR_MAX;

		if (got < 0)
			goto hex;
		if (cut)	/* also bounds a copy that broke its contract */
			got = UVM_ARG_STR_MAX;
		if (uvm_out_put(b, "\"", 1))
			return -1;
		if (got == 0)	/* the empty string: "" */
			return uvm_out_put(b, "\"", 1);
		if (uvm_out_escape(b, raw, (size_t)got, 0))
			return -1;
		if (cut && uvm_out_put(b, "...", 3))
			return -1;
		return uvm_out_put(b, "\"", 1);
	}
	default:
	hex:
		len = snprintf(num, sizeof(num), "0x%lx", v);
		break;
	}
	/* snprintf never returns more than 24 here: num cannot be cut */
	if (len < 0)
		len = 0;
	if ((size_t)len >= sizeof(num))
		len = sizeof(num) - 1;
	return uvm_out_put(b, num, (size_t)len);
}

/* Format up to six arguments a[] by kinds (NULL: all six in hex) into
 * dst (size n).  Returns the length written. */
static inline size_t uvm_format_args(char *dst, size_t n, const char *kinds,
				     const unsigned long a[6])
{
	struct uvm_out b;
	int i;

	uvm_out_init(&b, dst, n);
	if (!kinds)
		kinds = "xxxxxx";
	for (i = 0; i < 6 && kinds[i]; i++)
		if (uvm_out_arg(&b, kinds[i], a[i]))
			break;
	return b.len;
}

#endif /* UVM_ESCAPE_H */
