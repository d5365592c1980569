/*
 * gen-emitters.c - write the record emitters of tapsets/uvm_runtime.stp
 * from UVM_RECORDS (uvm_trace.h): one SystemTap function per record,
 * uvm_emit_<name>(), whose arguments are the record's fields in their
 * order, with a kernel-doc comment made of the field names and the
 * comment above the record's field list in uvm_trace.h.
 *
 * Usage: gen-emitters PATH/uvm_trace.h > emitters.stp
 * Built and run by runtime/gen-runtime (make runtime), on the host.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uvm_trace.h"

struct gen_field {
	const char *id, *name, *type;	/* "LAT", "lat_ns", "I" */
};

struct gen_record {
	char tag;
	const char *id, *name, *fields;	/* "SYSCALL", "syscall", "UVM_SYSCALL_FIELDS" */
	const struct gen_field *f;
	size_t n;
};

#define GEN_FIELD(id, name, type, conv) { #id, name, #type },
#define GEN_FIELDS(tag, ID, name, FIELDS)                                      \
	static const struct gen_field fields_##name[] = { FIELDS(GEN_FIELD) };
UVM_RECORDS(GEN_FIELDS)

#define GEN_RECORD(tag, ID, name, FIELDS)                                      \
	{ tag, #ID, #name, #FIELDS, fields_##name,                             \
	  sizeof(fields_##name) / sizeof(fields_##name[0]) },
static const struct gen_record records[] = { UVM_RECORDS(GEN_RECORD) };

/*
 * The hook: fields an emitter fills itself rather than taking them as
 * arguments, with the kernel C expression that gives each and what it
 * is.  Every other field is an argument, in UVM_RECORDS' order.
 */
static const struct gen_fill {
	const char *record, *field, *expr, *doc;
} fills[] = {
	{ "header", "MAGIC", "UVM_TRACE_MAGIC", "\"" UVM_TRACE_MAGIC "\"" },
	{ "header", "VERSION", "UVM_TRACE_VERSION", "the format's version (UVM_TRACE_VERSION)" },
	{ "header", "TS", "ktime_get_ns()", "now, on uvm_now()'s clock" },
	{ "header", "REALTIME", "ktime_get_real_ns()", "the wall clock now (ns since the epoch)" },
	{ "snapshot", "TS", "ktime_get_ns()", "now, on uvm_now()'s clock" },
	{ "trailer", "TS", "ktime_get_ns()", "now, on uvm_now()'s clock" },
	{ "trailer", "RECORDS", "atomic64_read(&uvm_records)",
	  "the records written before it (every emitter counts its own)" },
	{ "trailer", "DROPPED", "atomic64_read(&uvm_dropped)",
	  "events counted as lost (uvm_lost(), full tables of the runtime)" },
	{ "trailer", "SKIPPED", "atomic_read(skipped_count())",
	  "probe hits SystemTap skipped" },
	{ "trailer", "TRANSPORT", "atomic_read(&_stp_transport_failures)",
	  "print buffers SystemTap failed to deliver" },
	{ "trailer", "ERRORS", "atomic_read(error_count())", "probe errors" },
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct gen_fill *fill_of(const struct gen_record *r, const struct gen_field *f)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(fills); i++)
		if (!strcmp(fills[i].record, r->name) && !strcmp(fills[i].field, f->id))
			return &fills[i];
	return NULL;
}

/* Every fill names a field that exists: a renamed field must not leave
 * its hook behind, silently turning it into an argument. */
static int check_fills(void)
{
	size_t i, j, k;
	int found;

	for (k = 0; k < ARRAY_SIZE(fills); k++) {
		found = 0;
		for (i = 0; i < ARRAY_SIZE(records); i++)
			for (j = 0; j < records[i].n; j++)
				found |= !strcmp(fills[k].record, records[i].name) &&
					 !strcmp(fills[k].field, records[i].f[j].id);
		if (!found) {
			fprintf(stderr, "gen-emitters: filled field %s.%s is not in UVM_RECORDS\n",
				fills[k].record, fills[k].field);
			return -1;
		}
	}
	return 0;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s = NULL;
	size_t len = 0, cap = 0, n;

	if (!f) {
		fprintf(stderr, "gen-emitters: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (len + 4096 + 1 > cap) {
			char *t;

			cap = (len + 4096 + 1) * 2;
			t = realloc(s, cap);
			if (!t) {
				fprintf(stderr, "gen-emitters: out of memory\n");
				goto fail;
			}
			s = t;
		}
		n = fread(s + len, 1, 4096, f);
		len += n;
		if (n < 4096)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "gen-emitters: %s: read error\n", path);
		goto fail;
	}
	fclose(f);
	s[len] = '\0';
	return s;
fail:
	free(s);
	fclose(f);
	return NULL;
}

/*
 * The comment right above '#define FIELDS(F)' in the header text, as
 * words separated by single spaces (malloc'd), or NULL if there is none.
 */
static char *record_comment(const char *text, const char *fields)
{
	char def[128];
	const char *d, *end, *start, *p;
	char *out, *o;

	snprintf(def, sizeof(def), "#define %s(F)", fields);
	d = strstr(text, def);
	if (!d)
		return NULL;
	for (end = d; end > text && (end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'); end--)
		;
	if (end - text < 4 || end[-1] != '/' || end[-2] != '*')
		return NULL;
	end -= 2;
	for (start = end; start > text && !(start[-1] == '*' && start > text + 1 && start[-2] == '/'); start--)
		;
	if (start == text)
		return NULL;
	out = o = malloc((size_t)(end - start) + 2);
	if (!out)
		return NULL;
	/* one space between words, two after a sentence's full stop */
	for (p = start; p < end; p++) {
		int nl = *p == '\n';

		if (nl) {	/* a line's leading " * " is white space */
			while (p + 1 < end && (p[1] == ' ' || p[1] == '\t'))
				p++;
			if (p + 1 < end && p[1] == '*')
				p++;
		}
		if (nl || *p == ' ' || *p == '\t') {
			if (o == out || (o[-1] == ' ' && (o - out < 2 || o[-2] != '.')))
				continue;
			if (o[-1] == ' ' && !nl && p[-1] != ' ' && p[-1] != '\t')
				continue;
			*o++ = ' ';
			if (nl && o[-2] == '.')
				*o++ = ' ';
			continue;
		}
		*o++ = *p;
	}
	while (o > out && o[-1] == ' ')
		o--;
	*o = '\0';
	return out;
}

/* Words of s after prefix (" * "), wrapped before column 73. */
static void wrap(const char *prefix, const char *s)
{
	size_t col = 0, w, sp;

	while (*s) {
		for (sp = 0; *s == ' '; sp++)
			s++;
		w = strcspn(s, " ");
		if (!w)
			break;
		if (col && col + 1 + w > 72) {
			putchar('\n');
			col = 0;
		}
		if (!col) {
			fputs(prefix, stdout);
			col = strlen(prefix);
		} else {
			fputs(sp > 1 ? "  " : " ", stdout);
			col += sp > 1 ? 2 : 1;
		}
		fwrite(s, 1, w, stdout);
		col += w;
		s += w;
	}
	if (col)
		putchar('\n');
}

static const char *type_doc(const char *type)
{
	switch (type[0]) {
	case 'I': return "an integer";
	case 'X': return "an integer, written in hex";
	default: return "a string, written as given";
	}
}

/* "an S record", "a C record" */
static const char *article(char tag)
{
	return strchr("AEFHILMNORSXaefhilmnorsx", tag) ? "an" : "a";
}

static void emit_doc(const struct gen_record *r, const char *comment)
{
	const char *rest = NULL;
	char summary[256], *desc;
	size_t i, len;
	int strings;

	/* "S: one completed system call (events mode).  ts is ..." */
	if (comment && comment[0] == r->tag && comment[1] == ':') {
		const char *s = comment + 2, *dot = strstr(s, ". ");

		while (*s == ' ')
			s++;
		len = dot ? (size_t)(dot - s) : strlen(s);
		if (!dot && len && s[len - 1] == '.')
			len--;
		snprintf(summary, sizeof(summary), "Write %s %c record: %.*s", article(r->tag),
			 r->tag, (int)len, s);
		rest = dot ? dot + 2 : "";
		/* " * sfunction uvm_emit_NAME - " and the summary on one line */
		if (24 + strlen(r->name) + strlen(summary) > 79) {
			snprintf(summary, sizeof(summary), "Write %s %c record", article(r->tag), r->tag);
			rest = s;
		}
	} else {
		snprintf(summary, sizeof(summary), "Write %s %c record", article(r->tag), r->tag);
		rest = comment ? comment : "";
	}
	while (*rest == ' ')
		rest++;
	printf("/**\n * sfunction uvm_emit_%s - %s\n", r->name, summary);
	for (i = 0; i < r->n; i++)
		if (!fill_of(r, &r->f[i]))
			printf(" * @%s: the %s field, %s\n", r->f[i].name, r->f[i].name,
			       type_doc(r->f[i].type));
	printf(" *\n");
	len = strlen(rest) + 2048;
	desc = malloc(len);
	if (!desc) {
		fprintf(stderr, "gen-emitters: out of memory\n");
		exit(1);
	}
	for (i = 0, strings = 0; i < r->n; i++)
		strings |= r->f[i].type[0] == 'S' && !fill_of(r, &r->f[i]);
	snprintf(desc, len, "Description: %s%sWrites one '%c' record of the uvm trace "
		 "format (%s in runtime/uvm_trace.h, docs/trace-format.md), its fields "
		 "in that order, and counts it for the trailer.%s",
		 rest, *rest ? "  " : "", r->tag, r->fields,
		 strings ? "  Strings are written as given: pass them escaped as the "
			   "format wants, \"-\" for none." : "");
	wrap(" * ", desc);
	desc[0] = '\0';
	for (i = 0; i < r->n; i++) {
		const struct gen_fill *fl = fill_of(r, &r->f[i]);
		size_t used = strlen(desc);

		if (fl)
			snprintf(desc + used, len - used, "%s %s, %s", used ? ";" : "Filled in here:",
				 r->f[i].name, fl->doc);
	}
	if (desc[0]) {
		strncat(desc, ".", len - strlen(desc) - 1);
		printf(" *\n");
		wrap(" * ", desc);
	}
	free(desc);
	printf(" */\n");
}

/* Append ", arg" to the C call, wrapping before column 80 (tabs: 8). */
static void arg(size_t *col, const char *a)
{
	size_t w = strlen(a);

	if (*col + 2 + w > 79) {
		printf(",\n\t\t %s", a);
		*col = 17 + w;
	} else {
		printf(", %s", a);
		*col += 2 + w;
	}
}

static void emit_function(const struct gen_record *r)
{
	char a[256];
	size_t i, col;
	int first = 1;

	printf("function uvm_emit_%s (", r->name);
	for (i = 0; i < r->n; i++) {
		if (fill_of(r, &r->f[i]))
			continue;
		printf("%s%s:%s", first ? "" : ", ", r->f[i].name,
		       r->f[i].type[0] == 'S' ? "string" : "long");
		first = 0;
	}
	printf(") %%{\n");
	col = 8 + (size_t)printf("\tUVM_EMIT(UVM_FMT(%s, \"%c\")", r->fields, r->tag) - 1;
	for (i = 0; i < r->n; i++) {
		const struct gen_field *f = &r->f[i];
		const struct gen_fill *fl = fill_of(r, f);
		const char *v = fl ? fl->expr : NULL;
		char sarg[128];

		if (!v) {
			snprintf(sarg, sizeof(sarg), "STAP_ARG_%s", f->name);
			v = sarg;
		}
		switch (f->type[0]) {
		case 'I': snprintf(a, sizeof(a), "(long long)%s", v); break;
		case 'X': snprintf(a, sizeof(a), "(unsigned long long)%s", v); break;
		default: snprintf(a, sizeof(a), "%s", v); break;
		}
		arg(&col, a);
	}
	printf(");\n%%}\n");
}

int main(int argc, char **argv)
{
	char *text;
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: gen-emitters PATH/uvm_trace.h\n");
		return 2;
	}
	if (check_fills())
		return 1;
	text = read_file(argv[1]);
	if (!text)
		return 1;
	for (i = 0; i < ARRAY_SIZE(records); i++) {
		char *comment = record_comment(text, records[i].fields);

		putchar('\n');
		emit_doc(&records[i], comment);
		emit_function(&records[i]);
		free(comment);
	}
	free(text);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "gen-emitters: writing: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}
