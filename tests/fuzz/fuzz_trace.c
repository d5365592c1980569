/* fuzz_trace.c - libFuzzer harness: any bytes, fed in two pieces, through
 * the parser, the totals and every report writer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uvm_profile.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct uvm_profile *p = uvm_profile_new();
	struct uvm_parser *ps = uvm_parser_new(p, "fuzz");
	size_t cut = size ? data[0] % (size + 1) : 0;
	int rc;

	rc = uvm_parser_feed(ps, (const char *)data, cut);
	if (rc == 0)
		rc = uvm_parser_feed(ps, (const char *)data + cut, size - cut);
	if (rc == 0)
		rc = uvm_parser_finish(ps);
	if (rc == 0) {
		struct uvm_report_opts o = { .per_process = 1, .symbols = 0 };
		FILE *null = fopen("/dev/null", "w");
		uvm_profile_finish(p);
		for (o.format = UVM_TEXT; o.format <= UVM_XML; o.format++)
			uvm_report_write(p, &o, null);
		fclose(null);
	}
	uvm_parser_free(ps);
	uvm_profile_free(p);
	return 0;
}
