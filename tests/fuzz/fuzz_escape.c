/*
 * fuzz_escape.c - libFuzzer harness for the module's escaping and
 * argument formatting (runtime/uvm_escape.h, as the module compiles it):
 * any bytes, any output size; the output must stay inside its buffer,
 * and the collector's unescaping must give the input back (or, when cut,
 * a prefix of it followed by "...").
 */
#include <stdlib.h>
#include <string.h>

#include "uvm_profile.h"
#include "../uvm_escape_user.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	size_t n, len, w, back_len;
	char *src, *out, *back;
	int flags;

	if (size < 3)
		return 0;
	n = ((size_t)data[0] << 8 | data[1]) % 1100;	/* output size */
	flags = data[2] & 1 ? UVM_ESC_SPACE : 0;
	data += 3;
	size -= 3;
	len = strnlen((const char *)data, size);	/* a C string, as in the kernel */
	src = malloc(len + 1);
	memcpy(src, data, len);
	src[len] = '\0';
	out = malloc(n ? n : 1);

	w = uvm_escape(out, n, src, len, flags);
	if (n && (w >= n || strlen(out) != w))
		abort();
	if (n > UVM_OUT_TAIL) {
		back = strdup(out);
		if (len == 0) {
			if (strcmp(out, "-"))
				abort();
		} else if (w >= 3 && !strcmp(out + w - 3, "...")) {
			/* a raw "..." at the end means cut, and nothing else does */
			back[w - 3] = '\0';
			back_len = (size_t)uvm_unescape(back);
			if (back_len >= len || memcmp(back, src, back_len))
				abort();
		} else {
			back_len = (size_t)uvm_unescape(back);
			if (back_len != len || memcmp(back, src, len))
				abort();
		}
		free(back);
	}

	/* the same bytes as a path argument between two numbers */
	{
		unsigned long a[6] = { 3, (unsigned long)src, (unsigned long)-1, 0, 0, 0 };
		w = uvm_format_args(out, n, "fsd", a);
		if (n && (w >= n || strlen(out) != w))
			abort();
	}
	free(out);
	free(src);
	return 0;
}
