/*
 * escape.c - the module's escaping and argument formatting
 * (runtime/uvm_escape.h, compiled here exactly as in the module), checked
 * against the collector's unescaping, in exact-size heap buffers so that
 * ASan sees a write one byte past the end.
 */
#include <stdlib.h>
#include <string.h>

#include "uvm_profile.h"
#include "../uvm_escape_user.h"
#include "unit.h"

#define OUT_MAX 512	/* MAXSTRINGLEN: the module's string size */

/* Escaped length of byte i of s[0..len). */
static size_t esc_len(const char *s, size_t i, size_t len, int flags)
{
	unsigned char c = (unsigned char)s[i];

	if (c == '\\' || c == '\t' || c == '\n' || c == '\r')
		return 2;
	if (c < 0x20 || c == 0x7f || ((flags & UVM_ESC_SPACE) && c == ' '))
		return 4;
	if (c == '.' && i >= 2 && i + 1 == len && s[i - 1] == '.' && s[i - 2] == '.')
		return 4;	/* a real trailing "..." is "..\x2e" */
	return 1;
}

/* Escape s[0..len) into a heap buffer of exactly n bytes and read it back
 * as the collector does.  0 when the result is right: the whole string
 * back byte for byte, or, when cut, "..." after the longest prefix that
 * fits, never an escape sequence split.  A raw "..." at the end means
 * cut, and nothing else does. */
static int round_trip(const char *s, size_t len, size_t n, int flags)
{
	char *out = malloc(n ? n : 1), *back;
	size_t w, i, used = 0;
	int bad = 0;

	w = uvm_escape(out, n, s, len, flags);
	if (n < UVM_OUT_TAIL) {	/* too small even for "...": empty */
		bad = n ? out[0] != '\0' || w != 0 : w != 0;
		free(out);
		return bad;
	}
	if (w >= n || out[w] != '\0' || strlen(out) != w) {
		free(out);
		return 1;
	}
	back = strdup(out);
	if (len == 0) {
		bad = strcmp(out, n > UVM_OUT_TAIL ? "-" : "...") != 0;
	} else if (w >= 3 && !strcmp(out + w - 3, "...")) {
		/* cut: a prefix of s, and the next byte would not have fit */
		back[w - 3] = '\0';
		i = (size_t)uvm_unescape(back);
		if (i >= len || memcmp(back, s, i))
			bad = 1;
		for (size_t k = 0; k < i; k++)
			used += esc_len(s, k, len, flags);
		if (len == 1 && s[0] == '-')
			;	/* "-" is written whole or not at all */
		else if (used + esc_len(s, i, len, flags) <= n - UVM_OUT_TAIL)
			bad = 1;
	} else {
		i = (size_t)uvm_unescape(back);
		bad = i != len || memcmp(back, s, len) != 0;
	}
	free(back);
	free(out);
	return bad;
}

/* Every byte value at every length up to the module's bound, alone and
 * among ordinary bytes; cut strings checked for the longest prefix. */
void test_escape_round_trip(void)
{
	char *s = malloc(OUT_MAX + 2);
	unsigned long bad = 0, runs = 0;
	int c;
	size_t len;

	for (c = 1; c < 256; c++) {
		for (len = 1; len <= OUT_MAX + 1; len++) {
			memset(s, c, len);
			bad += round_trip(s, len, OUT_MAX, 0);
			memset(s, 'a', len);
			s[len / 2] = (char)c;
			bad += round_trip(s, len, OUT_MAX, UVM_ESC_SPACE);
			runs += 2;
		}
	}
	CHECK(runs == 255ul * (OUT_MAX + 1) * 2 && bad == 0);
	/* "none" and the string "-" stay apart */
	bad = round_trip("", 0, OUT_MAX, 0) + round_trip("-", 1, OUT_MAX, 0) +
	      round_trip("--", 2, OUT_MAX, 0);
	CHECK(bad == 0);
	{
		char o[16];
		CHECK(uvm_escape(o, sizeof(o), "-", 1, 0) == 4 && !strcmp(o, "\\x2d"));
		CHECK(uvm_escape(o, sizeof(o), "", 0, 0) == 1 && !strcmp(o, "-"));
		/* a real trailing "..." is not the cut mark */
		CHECK(uvm_escape(o, sizeof(o), "x...", 4, 0) == 7 && !strcmp(o, "x..\\x2e"));
		CHECK(uvm_escape(o, sizeof(o), "x..", 3, 0) == 3 && !strcmp(o, "x.."));
	}
	free(s);
}

/* Every output size from 0 to past the bound, with the escaping-heavy
 * strings that overflowed the module's old 128-byte argument buffer. */
void test_escape_bounds(void)
{
	char s[300];
	unsigned long bad = 0;
	size_t n, len;

	for (len = 0; len < sizeof(s); len++)
		s[len] = (char)(len % 3 ? '\x01' : '/');
	for (n = 0; n <= 600; n++)
		for (len = 0; len <= sizeof(s); len += 7)
			bad += round_trip(s, len < sizeof(s) ? len : sizeof(s), n, 0);
	CHECK(bad == 0);
}

/* The quoted path of one 's' argument in args, unescaped; NULL if none. */
static char *quoted_arg(const char *args, int *cut)
{
	const char *a = strchr(args, '"'), *e;
	char *r;

	if (!a)
		return NULL;
	e = strrchr(args, '"');
	if (e == a)	/* the closing quote was cut off with the list */
		e = args + strlen(args);
	r = strndup(a + 1, (size_t)(e - a - 1));
	*cut = strlen(r) >= 3 && !strcmp(r + strlen(r) - 3, "...");
	if (*cut)
		r[strlen(r) - 3] = '\0';
	uvm_unescape(r);
	return r;
}

/* openat(AT_FDCWD, path, flags, mode) as the module formats it, for
 * paths of every length to past the copy bound with control bytes among
 * them (the review's overflow: 95+ bytes, ~10 of them escaped), into
 * exact-size buffers of every size. */
void test_format_args(void)
{
	char path[UVM_ARG_STR_MAX + 40];
	unsigned long a[6] = { (unsigned long)-100, 0, 0x80000, 0644, 0, 0 };
	unsigned long bad = 0, wrong = 0;
	size_t len, n;

	for (len = 0; len < sizeof(path) - 1; len++) {
		memset(path, 0, sizeof(path));
		for (size_t k = 0; k < len; k++)
			path[k] = (char)(k % 9 == 4 ? '\x1b' : k % 11 == 7 ? '"' : 'p');
		a[1] = (unsigned long)path;
		for (n = 0; n <= 700; n += (n < 200 ? 1 : 37)) {
			char *out = malloc(n ? n : 1);
			size_t w = uvm_format_args(out, n, "fsxo", a);

			if (n && (w >= n || strlen(out) != w))
				bad++;
			free(out);
		}
		{
			char out[OUT_MAX], *back;
			int cut = 0;

			uvm_format_args(out, sizeof(out), "fsxo", a);
			back = quoted_arg(out, &cut);
			if (!back || strncmp(out, "-100, \"", 7) ||
			    (len <= UVM_ARG_STR_MAX ? cut || strcmp(back, path)
						   : !cut || strncmp(back, path, UVM_ARG_STR_MAX) ||
						     strlen(back) != UVM_ARG_STR_MAX) ||
			    !strstr(out, "\", 0x80000, 0644"))
				wrong++;
			free(back);
		}
	}
	CHECK(bad == 0);
	CHECK(wrong == 0);
	{
		char out[64];
		unsigned long b[6] = { 3, 1, 0, 0, 0, 0 };	/* an unreadable path */
		uvm_format_args(out, sizeof(out), "fs", b);
		CHECK(!strcmp(out, "3, 0x1"));
		b[1] = (unsigned long)"";
		uvm_format_args(out, sizeof(out), "fs", b);
		CHECK(!strcmp(out, "3, \"\""));
		uvm_format_args(out, sizeof(out), NULL, b);	/* not in the table */
		CHECK(!strncmp(out, "0x3, 0x", 7));
		uvm_format_args(out, 12, "ddd", (unsigned long[6]){ 123456, 2, 3 });
		CHECK(!strcmp(out, "123456, ..."));
	}
}
