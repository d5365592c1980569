/*
 * model.c - unit tests of the report model and its renderers: a tree
 * streamed a part at a time is the document of the whole tree (json-c's
 * own printing of it, for JSON), XML follows the mapping of
 * docs/uvm-collect.md, and a write error is an error with its errno.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "model.h"
#include "unit.h"

/* The members of the test document after "items", which is streamed. */
static void tail_members(struct uvm_node *root)
{
	struct uvm_node *o = uvm_node_object(root, "o"), *m;

	uvm_node_double(o, "d", 1.5);
	uvm_node_array(o, "empty", "e");
	m = uvm_node_map(o, "errnos", "errno");
	uvm_node_uint(m, "ENOENT", 3);
	uvm_node_uint(m, "EINTR", 18446744073709551615ULL);
}

static void item(struct uvm_node *it, int i)
{
	uvm_node_int(it, "i", -i);
	uvm_node_string(it, "s", i ? "<&\"\\x01>" : NULL);
}

/* The whole tree; with items, the streamed array's items too. */
static struct uvm_node *whole(int items)
{
	struct uvm_node *root = uvm_node_new(UVM_NODE_OBJECT, "doc", NULL), *a;
	int i;

	uvm_node_uint(root, "v", 1);
	uvm_node_bool(root, "b", 0);
	uvm_node_null(root, "n");
	a = uvm_node_array(root, "items", "item");
	for (i = 0; i < 2 && items; i++)
		item(uvm_node_object(a, NULL), i);
	tail_members(root);
	return root;
}

/* r's document of the whole tree, or streamed; malloc'd. */
static char *render(struct uvm_render *(*make)(FILE *), int streamed, int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct uvm_render *r = make(f);
	struct uvm_node *n;
	int i;

	*rc = 0;
	if (!streamed) {
		n = whole(1);
		*rc |= uvm_render_write(r, n);
		uvm_node_free(n);
	} else {
		n = uvm_node_new(UVM_NODE_OBJECT, "doc", NULL);
		uvm_node_uint(n, "v", 1);
		uvm_node_bool(n, "b", 0);
		uvm_node_null(n, "n");
		*rc |= uvm_render_open(r, n);
		uvm_node_free(n);
		n = uvm_node_new(UVM_NODE_ARRAY, "items", "item");
		*rc |= uvm_render_open(r, n);
		uvm_node_free(n);
		for (i = 0; i < 2; i++) {
			n = uvm_node_new(UVM_NODE_OBJECT, NULL, NULL);
			item(n, i);
			*rc |= uvm_render_write(r, n);
			uvm_node_free(n);
		}
		*rc |= uvm_render_close(r);
		n = uvm_node_new(UVM_NODE_OBJECT, "doc", NULL);
		tail_members(n);
		*rc |= uvm_render_write(r, n->first);
		uvm_node_free(n);
		*rc |= uvm_render_close(r);
	}
	uvm_render_free(r);
	fclose(f);
	return buf;
}

void test_model_json(void)
{
	int rc1, rc2;
	char *a = render(uvm_render_json, 0, &rc1), *b = render(uvm_render_json, 1, &rc2);
	struct uvm_node *n = whole(1);
	json_object *j = json_object_new_object(), *it = json_object_new_array();
	json_object *o = json_object_new_object(), *e = json_object_new_object();
	int i;

	CHECK(rc1 == 0 && rc2 == 0);
	CHECK(!strcmp(a, b));
	/* json-c's own printing of the same tree */
	json_object_object_add(j, "v", json_object_new_uint64(1));
	json_object_object_add(j, "b", json_object_new_boolean(0));
	json_object_object_add(j, "n", NULL);
	for (i = 0; i < 2; i++) {
		json_object *x = json_object_new_object();
		json_object_object_add(x, "i", json_object_new_int64(-i));
		json_object_object_add(x, "s", i ? json_object_new_string("<&\"\\x01>") : NULL);
		json_object_array_add(it, x);
	}
	json_object_object_add(j, "items", it);
	json_object_object_add(o, "d", json_object_new_double(1.5));
	json_object_object_add(o, "empty", json_object_new_array());
	json_object_object_add(e, "ENOENT", json_object_new_uint64(3));
	json_object_object_add(e, "EINTR", json_object_new_uint64(18446744073709551615ULL));
	json_object_object_add(o, "errnos", e);
	json_object_object_add(j, "o", o);
	{
		const char *s = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY |
							       JSON_C_TO_STRING_NOSLASHESCAPE);
		size_t l = strlen(s);
		CHECK(!strncmp(a, s, l) && !strcmp(a + l, "\n"));
	}
	json_object_put(j);
	uvm_node_free(n);
	free(a);
	free(b);
}

void test_model_xml(void)
{
	int rc1, rc2;
	char *a = render(uvm_render_xml, 0, &rc1), *b = render(uvm_render_xml, 1, &rc2);
	const char *want =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<doc v=\"1\" b=\"false\">\n"
		" <items>\n"
		"  <item i=\"0\"/>\n"
		"  <item i=\"-1\" s=\"&lt;&amp;&quot;\\x01&gt;\"/>\n"
		" </items>\n"
		" <o d=\"1.5\">\n"
		"  <empty/>\n"
		"  <errnos>\n"
		"   <errno name=\"ENOENT\">3</errno>\n"
		"   <errno name=\"EINTR\">18446744073709551615</errno>\n"
		"  </errnos>\n"
		" </o>\n"
		"</doc>\n";

	CHECK(rc1 == 0 && rc2 == 0);
	CHECK(!strcmp(a, b));
	CHECK(!strcmp(a, want));
	if (strcmp(a, want))
		fprintf(stderr, "got:\n%s", a);
	free(a);
	free(b);
}

/* A full disk: -1 with its errno, nothing written after it; misuse is
 * an error too, not a broken document. */
void test_model_errors(void)
{
	struct uvm_render *(*make[2])(FILE *) = { uvm_render_json, uvm_render_xml };
	int k;

	for (k = 0; k < 2; k++) {
		FILE *f = fopen("/dev/full", "w");
		struct uvm_render *r;
		struct uvm_node *n = whole(1);
		char big[1 << 16];
		int i, rc = 0;

		CHECK(f != NULL);
		if (!f)
			return;
		setvbuf(f, big, _IOFBF, sizeof(big));
		r = make[k](f);
		/* more than the stream's buffer */
		CHECK(uvm_render_open(r, n) == 0);
		for (i = 0; i < 2000 && !rc; i++)
			rc = uvm_render_write(r, n->first->next->next->next);
		CHECK(rc == -1 && errno == ENOSPC);
		CHECK(uvm_render_close(r) == -1);
		uvm_render_free(r);
		fclose(f);
		uvm_node_free(n);
	}
	for (k = 0; k < 2; k++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		struct uvm_render *r = make[k](f);
		struct uvm_node *n = uvm_node_new(UVM_NODE_OBJECT, "doc", NULL);
		struct uvm_node *named = uvm_node_new(UVM_NODE_OBJECT, "x", NULL);

		CHECK(uvm_render_close(r) == -1);	/* nothing open */
		uvm_render_free(r);
		r = make[k](f);
		CHECK(uvm_render_open(r, n) == 0);
		uvm_node_free(n);
		n = uvm_node_new(UVM_NODE_ARRAY, "a", "i");
		CHECK(uvm_render_open(r, n) == 0);
		CHECK(uvm_render_write(r, named) == -1);	/* an array item has no name */
		uvm_render_free(r);
		fclose(f);
		free(buf);
		uvm_node_free(n);
		uvm_node_free(named);
	}
}

/* The compact renderer: the same document with no layout but a line per
 * streamed item, so that it parses to the same tree; decimals as given. */
void test_model_compact(void)
{
	int rc1, rc2;
	char *a = render(uvm_render_json, 1, &rc1), *b = render(uvm_render_json_compact, 1, &rc2);
	json_object *ja = json_tokener_parse(a), *jb = json_tokener_parse(b);
	struct uvm_node *n = uvm_node_new(UVM_NODE_OBJECT, "doc", NULL);
	char *buf = NULL;
	size_t len = 0, lines = 0, i;
	FILE *f;
	struct uvm_render *r;

	CHECK(rc1 == 0 && rc2 == 0);
	CHECK(ja && jb && json_object_equal(ja, jb));
	CHECK(!strchr(b, ' '));	/* no layout: the strings hold no space */
	for (i = 0; b[i]; i++)
		lines += b[i] == '\n';
	/* a line for each streamed member and item, and the closings */
	CHECK(lines == 7);
	CHECK(strstr(b, "\n{\"i\":0,\"s\":null},\n{\"i\":-1,") != NULL);
	json_object_put(ja);
	json_object_put(jb);
	free(a);
	free(b);

	uvm_node_decimal(n, "ts", "1234.567");
	uvm_node_decimal(n, "big", "9007199254740993.001");
	f = open_memstream(&buf, &len);
	r = uvm_render_json_compact(f);
	CHECK(uvm_render_write(r, n) == 0);
	uvm_render_free(r);
	fclose(f);
	CHECK(!strcmp(buf, "{\"ts\":1234.567,\"big\":9007199254740993.001\n}\n"));
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	r = uvm_render_xml(f);
	CHECK(uvm_render_write(r, n) == 0);
	uvm_render_free(r);
	fclose(f);
	CHECK(strstr(buf, "<doc ts=\"1234.567\" big=\"9007199254740993.001\"/>") != NULL);
	free(buf);
	uvm_node_free(n);
}
