/* fuzz_trace.c - libFuzzer harness: any bytes, fed in two pieces, through
 * the parser (with the timeline and the folded stacks streamed from it),
 * the totals and every report writer.  The timeline must be JSON whatever
 * the input, and the HTML page one document with only its own script.
 * No symbols: nothing named in the input is opened. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "uvm_profile.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* Both streamed outputs at once. */
struct tee {
	struct uvm_sink sink, *a, *b;
};

static void tee_record(struct uvm_sink *s, struct uvm_profile *p, char tag,
		       const union uvm_record *r)
{
	struct tee *t = (struct tee *)s;

	t->a->record(t->a, p, tag, r);
	t->b->record(t->b, p, tag, r);
}

/* Folded output is lines of "frame;frame;... weight": at least the comm
 * and the leaf, a decimal weight after the last space, and no control
 * byte anywhere. */
static void check_folded(struct uvm_folded *fo)
{
	char *text = NULL, *line, *end, *sp;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f || uvm_folded_write(fo, NULL, 0, f) || fclose(f))
		abort();
	for (line = text; line < text + len; line = end + 1) {
		end = memchr(line, '\n', (size_t)(text + len - line));
		if (!end)
			abort();
		*end = '\0';
		sp = strrchr(line, ' ');
		if (!sp || !sp[1] || strspn(sp + 1, "0123456789") != strlen(sp + 1) || !strchr(line, ';'))
			abort();
		for (; *line; line++)
			if ((unsigned char)*line < 0x20 || *line == 0x7f)
				abort();
	}
	free(text);
}

/* The HTML page: whole, its one script its own (nothing from the trace
 * opens an element or a script), no control byte but newlines. */
static void check_html(struct uvm_profile *p, struct uvm_folded *fo)
{
	struct uvm_report_opts o = { .format = UVM_HTML, .per_process = 1, .symbols = 0 };
	char *text = NULL, *s;
	size_t len = 0, i;
	FILE *f = open_memstream(&text, &len);
	static const char end[] = "</body></html>\n";

	if (!f || uvm_html_write(p, &o, fo, UVM_WEIGHT_CALLS, f) || fclose(f))
		abort();
	if (len < sizeof(end) - 1 || strcmp(text + len - (sizeof(end) - 1), end))
		abort();
	s = strstr(text, "<script");
	if (!s || strstr(s + 1, "<script") || strstr(text, "<img") || strstr(text, "<iframe"))
		abort();
	for (i = 0; i < len; i++)
		if (((unsigned char)text[i] < 0x20 && text[i] != '\n') || text[i] == 0x7f)
			abort();
	free(text);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct uvm_profile *p = uvm_profile_new();
	struct uvm_parser *ps = uvm_parser_new(p, "fuzz");
	size_t cut = size ? data[0] % (size + 1) : 0, tlen = 0;
	char *tl = NULL;
	FILE *tf = open_memstream(&tl, &tlen);
	struct uvm_perfetto *pf = uvm_perfetto_new(tf);
	struct uvm_folded *fo = uvm_folded_new((enum uvm_weight)(size ? data[size - 1] % 3 : 0));
	struct tee tee = { { tee_record }, uvm_perfetto_sink(pf), uvm_folded_sink(fo) };
	int rc;

	p->sink = &tee.sink;

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
		check_folded(fo);
		check_html(p, fo);
		fclose(null);
	}
	uvm_perfetto_finish(pf, p);
	uvm_perfetto_free(pf);
	uvm_folded_free(fo);
	fclose(tf);
	if (tlen) {	/* nothing without a header */
		struct json_tokener *tok = json_tokener_new();
		json_object *j;

		json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
		j = json_tokener_parse_ex(tok, tl, (int)tlen);
		if (!j || json_tokener_get_error(tok) != json_tokener_success)
			abort();
		json_object_put(j);
		json_tokener_free(tok);
	}
	free(tl);
	uvm_parser_free(ps);
	uvm_profile_free(p);
	return 0;
}
