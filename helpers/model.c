/*
 * model.c - the report model (model.h) and its renderers: JSON (json-c)
 * and XML (libxml2's xmlTextWriter).  Neither knows a field of the
 * report: both walk the tree by the rules in model.h, so that they
 * cannot drift apart.  Escaping is the libraries' job.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <libxml/xmlwriter.h>

#include "model.h"
#include "util.h"

/* ---- the tree ---- */

struct uvm_node *uvm_node_new(enum uvm_node_kind kind, const char *name, const char *item)
{
	struct uvm_node *n = xcalloc(1, sizeof(*n));

	n->kind = kind;
	n->name = name ? xstrdup(name) : NULL;
	n->item = item;
	return n;
}

void uvm_node_free(struct uvm_node *n)
{
	while (n) {
		struct uvm_node *next = n->next;

		uvm_node_free(n->first);
		if (n->kind == UVM_NODE_STRING || n->kind == UVM_NODE_DECIMAL)
			free(n->v.s);
		free(n->name);
		free(n);
		n = next;
	}
}

static int is_container(enum uvm_node_kind k)
{
	return k == UVM_NODE_OBJECT || k == UVM_NODE_ARRAY || k == UVM_NODE_MAP;
}

/* Whether a node named name (NULL: none) may be a member or item of a
 * container of kind k: array items have no name, the others have one. */
static int fits(enum uvm_node_kind k, const char *name)
{
	return k == UVM_NODE_ARRAY ? !name : !!name;
}

static struct uvm_node *add(struct uvm_node *parent, enum uvm_node_kind kind,
			    const char *name, const char *item)
{
	struct uvm_node *n;

	if (!is_container(parent->kind) || !fits(parent->kind, name) ||
	    (kind == UVM_NODE_ARRAY || kind == UVM_NODE_MAP) != !!item) {
		/* a bug in the report's builder, not in the input */
		fprintf(stderr, "uvm-collect: report model: bad node '%s' in '%s'\n",
			name ? name : "(item)", parent->name ? parent->name : "(item)");
		abort();
	}
	n = uvm_node_new(kind, name, item);
	if (parent->last)
		parent->last->next = n;
	else
		parent->first = n;
	parent->last = n;
	return n;
}

struct uvm_node *uvm_node_adopt(struct uvm_node *parent, struct uvm_node *child)
{
	if (!is_container(parent->kind) || !fits(parent->kind, child->name) || child->next) {
		fprintf(stderr, "uvm-collect: report model: cannot adopt '%s' in '%s'\n",
			child->name ? child->name : "(item)", parent->name ? parent->name : "(item)");
		abort();
	}
	if (parent->last)
		parent->last->next = child;
	else
		parent->first = child;
	parent->last = child;
	return child;
}

struct uvm_node *uvm_node_object(struct uvm_node *parent, const char *name)
{
	return add(parent, UVM_NODE_OBJECT, name, NULL);
}

struct uvm_node *uvm_node_array(struct uvm_node *parent, const char *name, const char *item)
{
	return add(parent, UVM_NODE_ARRAY, name, item);
}

struct uvm_node *uvm_node_map(struct uvm_node *parent, const char *name, const char *item)
{
	return add(parent, UVM_NODE_MAP, name, item);
}

struct uvm_node *uvm_node_int(struct uvm_node *parent, const char *name, int64_t v)
{
	struct uvm_node *n = add(parent, UVM_NODE_INT, name, NULL);

	n->v.i = v;
	return n;
}

struct uvm_node *uvm_node_uint(struct uvm_node *parent, const char *name, uint64_t v)
{
	struct uvm_node *n = add(parent, UVM_NODE_UINT, name, NULL);

	n->v.u = v;
	return n;
}

struct uvm_node *uvm_node_double(struct uvm_node *parent, const char *name, double v)
{
	struct uvm_node *n = add(parent, UVM_NODE_DOUBLE, name, NULL);

	n->v.d = v;
	return n;
}

struct uvm_node *uvm_node_decimal(struct uvm_node *parent, const char *name, const char *text)
{
	struct uvm_node *n = add(parent, UVM_NODE_DECIMAL, name, NULL);

	n->v.s = xstrdup(text);
	return n;
}

struct uvm_node *uvm_node_string(struct uvm_node *parent, const char *name, const char *s)
{
	struct uvm_node *n;

	if (!s)
		return uvm_node_null(parent, name);
	n = add(parent, UVM_NODE_STRING, name, NULL);
	n->v.s = xstrdup(s);
	return n;
}

struct uvm_node *uvm_node_bool(struct uvm_node *parent, const char *name, int b)
{
	struct uvm_node *n = add(parent, UVM_NODE_BOOL, name, NULL);

	n->v.b = !!b;
	return n;
}

struct uvm_node *uvm_node_null(struct uvm_node *parent, const char *name)
{
	return add(parent, UVM_NODE_NULL, name, NULL);
}

/* ---- renderers ---- */

#define RENDER_DEPTH 16

struct render_ops {
	int (*open)(struct uvm_render *r, const struct uvm_node *n);
	int (*write)(struct uvm_render *r, const struct uvm_node *n);
	int (*close)(struct uvm_render *r);
	void (*free)(struct uvm_render *r);
};

/* An open container: what its members or items need from it. */
struct open_node {
	enum uvm_node_kind kind;
	const char *item;
	size_t count;		/* members or items written */
};

struct uvm_render {
	const struct render_ops *ops;
	FILE *out;
	int failed, err;	/* err: errno of the first failure */
	size_t depth;
	struct open_node open[RENDER_DEPTH];
	xmlTextWriterPtr w;	/* XML */
	int compact;		/* JSON: no indentation */
};

static struct open_node *parent_of(struct uvm_render *r)
{
	return r->depth ? &r->open[r->depth - 1] : NULL;
}

static int fail(struct uvm_render *r)
{
	if (!r->failed) {
		r->failed = 1;
		r->err = errno ? errno : EIO;
	}
	errno = r->err;
	return -1;
}

/* After an operation: a write error of the stream is a failure too. */
static int done(struct uvm_render *r, int rc)
{
	if (rc < 0 || r->failed || ferror(r->out))
		return fail(r);
	return 0;
}

static int node_fits(struct uvm_render *r, const struct uvm_node *n)
{
	struct open_node *p = parent_of(r);

	return p ? fits(p->kind, n->name) : is_container(n->kind) && n->name;
}

int uvm_render_open(struct uvm_render *r, const struct uvm_node *n)
{
	struct open_node *o;

	if (r->failed)
		return fail(r);
	if (r->depth == RENDER_DEPTH || !is_container(n->kind) || !node_fits(r, n)) {
		errno = EINVAL;
		return fail(r);
	}
	if (done(r, r->ops->open(r, n)))
		return -1;
	if (r->depth)
		parent_of(r)->count++;
	o = &r->open[r->depth++];
	o->kind = n->kind;
	o->item = n->item;
	o->count = 0;
	for (n = n->first; n; n = n->next)
		o->count++;
	return 0;
}

int uvm_render_close(struct uvm_render *r)
{
	if (r->failed)
		return fail(r);
	if (!r->depth) {
		errno = EINVAL;
		return fail(r);
	}
	if (done(r, r->ops->close(r)))
		return -1;
	r->depth--;
	return 0;
}

int uvm_render_write(struct uvm_render *r, const struct uvm_node *n)
{
	if (r->failed)
		return fail(r);
	if (!r->depth)		/* a whole document */
		return uvm_render_open(r, n) || uvm_render_close(r) ? -1 : 0;
	if (!node_fits(r, n)) {
		errno = EINVAL;
		return fail(r);
	}
	if (done(r, r->ops->write(r, n)))
		return -1;
	parent_of(r)->count++;
	return 0;
}

void uvm_render_free(struct uvm_render *r)
{
	if (!r)
		return;
	if (r->ops->free)
		r->ops->free(r);
	free(r);
}

static struct uvm_render *render_new(const struct render_ops *ops, FILE *out)
{
	struct uvm_render *r = xcalloc(1, sizeof(*r));

	r->ops = ops;
	r->out = out;
	return r;
}

/* ---- JSON ----
 *
 * Whole nodes go through json-c (json_object_to_json_string_ext, pretty:
 * two spaces a level; compact: no spaces, a line per streamed member or
 * item); an open container is json-c's text of what it has
 * so far without its closing bracket, so that the streamed document is
 * what json-c would print for the whole tree.
 */

#define JSON_FLAGS (JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE)

/* The json-c tree of n; *err set on failure.  NULL is JSON null. */
static json_object *j_node(const struct uvm_node *n, int *err)
{
	const struct uvm_node *c;
	json_object *j = NULL, *v;

	switch (n->kind) {
	case UVM_NODE_OBJECT:
	case UVM_NODE_MAP:
		j = json_object_new_object();
		for (c = n->first; j && c; c = c->next) {
			v = j_node(c, err);
			if (json_object_object_add(j, c->name, v)) {
				json_object_put(v);
				*err = 1;
			}
		}
		break;
	case UVM_NODE_ARRAY:
		j = json_object_new_array();
		for (c = n->first; j && c; c = c->next) {
			v = j_node(c, err);
			if (json_object_array_add(j, v)) {
				json_object_put(v);
				*err = 1;
			}
		}
		break;
	case UVM_NODE_INT: j = json_object_new_int64(n->v.i); break;
	case UVM_NODE_UINT: j = json_object_new_uint64(n->v.u); break;
	case UVM_NODE_DOUBLE: j = json_object_new_double(n->v.d); break;
	/* json-c writes the text it is given */
	case UVM_NODE_DECIMAL: j = json_object_new_double_s(strtod(n->v.s, NULL), n->v.s); break;
	case UVM_NODE_STRING: j = json_object_new_string(n->v.s); break;
	case UVM_NODE_BOOL: j = json_object_new_boolean(n->v.b); break;
	case UVM_NODE_NULL: return NULL;
	}
	if (!j)
		*err = 1;
	return j;
}

struct json_object *uvm_node_json(const struct uvm_node *n)
{
	int err = 0;
	json_object *j = j_node(n, &err);

	if (err) {
		json_object_put(j);
		xoom(NULL);
	}
	return j;
}

static void j_indent(const struct uvm_render *r, size_t depth)
{
	size_t i;

	for (i = 0; i < 2 * depth && !r->compact; i++)
		fputc(' ', r->out);
}

static int j_flags(const struct uvm_render *r)
{
	return r->compact ? JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE : JSON_FLAGS;
}

/* len bytes of s, indented to depth after every newline (JSON strings
 * hold none raw). */
static void j_put(const struct uvm_render *r, const char *s, size_t len, size_t depth)
{
	size_t i;

	for (i = 0; i < len; i++) {
		fputc(s[i], r->out);
		if (s[i] == '\n')
			j_indent(r, depth);
	}
}

/* What comes before a member or item of the open container: a comma
 * after the one before, a new line, the indentation and the key. */
static int j_prefix(struct uvm_render *r, const struct uvm_node *n)
{
	struct open_node *p = parent_of(r);
	json_object *key;

	if (!p)
		return 0;
	fputs(p->count ? ",\n" : "\n", r->out);
	j_indent(r, r->depth);
	if (p->kind == UVM_NODE_ARRAY)
		return 0;
	key = json_object_new_string(n->name);
	if (!key)
		return -1;
	fputs(json_object_to_json_string_ext(key, j_flags(r)), r->out);
	fputc(':', r->out);
	json_object_put(key);
	return 0;
}

static int j_open(struct uvm_render *r, const struct uvm_node *n)
{
	int err = 0;
	json_object *j;
	const char *s;
	size_t len;

	if (j_prefix(r, n))
		return -1;
	j = j_node(n, &err);
	s = err ? NULL : json_object_to_json_string_ext(j, j_flags(r));
	if (!s) {
		json_object_put(j);
		return -1;
	}
	/* without the closing bracket and the line break before it */
	len = strlen(s);
	if (len)
		len--;
	while (len && (s[len - 1] == '\n' || s[len - 1] == ' '))
		len--;
	j_put(r, s, len, r->depth);
	json_object_put(j);
	return 0;
}

static int j_write(struct uvm_render *r, const struct uvm_node *n)
{
	int err = 0;
	json_object *j;
	const char *s;

	if (j_prefix(r, n))
		return -1;
	j = j_node(n, &err);
	s = err ? NULL : json_object_to_json_string_ext(j, j_flags(r));
	if (s)
		j_put(r, s, strlen(s), r->depth);
	json_object_put(j);
	return s ? 0 : -1;
}

static int j_close(struct uvm_render *r)
{
	/* json-c's way, for an empty container too */
	fputc('\n', r->out);
	j_indent(r, r->depth - 1);
	fputc(parent_of(r)->kind == UVM_NODE_ARRAY ? ']' : '}', r->out);
	if (r->depth == 1)
		fputc('\n', r->out);
	return 0;
}

static const struct render_ops json_ops = { j_open, j_write, j_close, NULL };

struct uvm_render *uvm_render_json(FILE *out)
{
	return render_new(&json_ops, out);
}

struct uvm_render *uvm_render_json_compact(FILE *out)
{
	struct uvm_render *r = render_new(&json_ops, out);

	r->compact = 1;
	return r;
}

/* ---- XML ---- */

#define X_OK(call) do { if ((call) < 0) return -1; } while (0)

/* A scalar as text: n->v.s, or written into buf.  NULL for null. */
static const char *x_text(const struct uvm_node *n, char *buf, size_t len)
{
	switch (n->kind) {
	case UVM_NODE_INT: snprintf(buf, len, "%" PRId64, n->v.i); return buf;
	case UVM_NODE_UINT: snprintf(buf, len, "%" PRIu64, n->v.u); return buf;
	case UVM_NODE_DOUBLE: snprintf(buf, len, "%.17g", n->v.d); return buf;
	case UVM_NODE_STRING:
	case UVM_NODE_DECIMAL: return n->v.s;
	case UVM_NODE_BOOL: return n->v.b ? "true" : "false";
	default: return NULL;
	}
}

/*
 * Start n's element and write all of it but its end tag: as a member or
 * item of a container of kind pkind whose items are named pitem (pkind
 * UVM_NODE_NULL: n is the document element).
 */
static int x_start(xmlTextWriterPtr w, const struct uvm_node *n,
		   enum uvm_node_kind pkind, const char *pitem);

static int x_node(xmlTextWriterPtr w, const struct uvm_node *n,
		  enum uvm_node_kind pkind, const char *pitem)
{
	X_OK(x_start(w, n, pkind, pitem));
	return xmlTextWriterEndElement(w);
}

static int x_start(xmlTextWriterPtr w, const struct uvm_node *n,
		   enum uvm_node_kind pkind, const char *pitem)
{
	const char *elem = pkind == UVM_NODE_ARRAY || pkind == UVM_NODE_MAP ? pitem : n->name;
	const struct uvm_node *c;
	char buf[64];
	const char *t;

	X_OK(xmlTextWriterStartElement(w, BAD_CAST elem));
	if (pkind == UVM_NODE_MAP)
		X_OK(xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST n->name));
	if (!is_container(n->kind)) {
		t = x_text(n, buf, sizeof(buf));
		return t ? xmlTextWriterWriteString(w, BAD_CAST t) : 0;
	}
	if (n->kind == UVM_NODE_OBJECT)
		for (c = n->first; c; c = c->next) {
			if (is_container(c->kind))
				continue;
			t = x_text(c, buf, sizeof(buf));
			if (t)
				X_OK(xmlTextWriterWriteAttribute(w, BAD_CAST c->name, BAD_CAST t));
		}
	for (c = n->first; c; c = c->next)
		if (n->kind != UVM_NODE_OBJECT || is_container(c->kind))
			X_OK(x_node(w, c, n->kind, n->item));
	return 0;
}

static int x_open(struct uvm_render *r, const struct uvm_node *n)
{
	struct open_node *p = parent_of(r);

	if (!p)
		X_OK(xmlTextWriterStartDocument(r->w, NULL, "UTF-8", NULL));
	return x_start(r->w, n, p ? p->kind : UVM_NODE_NULL, p ? p->item : NULL);
}

static int x_write(struct uvm_render *r, const struct uvm_node *n)
{
	struct open_node *p = parent_of(r);

	return x_node(r->w, n, p->kind, p->item);
}

static int x_close(struct uvm_render *r)
{
	X_OK(xmlTextWriterEndElement(r->w));
	if (r->depth == 1)
		X_OK(xmlTextWriterEndDocument(r->w));
	return 0;
}

static void x_free(struct uvm_render *r)
{
	if (r->w)
		xmlFreeTextWriter(r->w);	/* and its output buffer */
}

/* libxml2's output: the stream.  A write error is the stream's (ferror,
 * checked after every operation), not libxml2's, which would print its
 * own message. */
static int x_out(void *ctx, const char *buf, int len)
{
	struct uvm_render *r = ctx;

	if (len > 0 && !r->failed && fwrite(buf, 1, (size_t)len, r->out) != (size_t)len)
		fail(r);
	return len;
}

static const struct render_ops xml_ops = { x_open, x_write, x_close, x_free };

struct uvm_render *uvm_render_xml(FILE *out)
{
	struct uvm_render *r = render_new(&xml_ops, out);
	xmlOutputBufferPtr buf = xmlOutputBufferCreateIO(x_out, NULL, r, NULL);

	r->w = buf ? xmlNewTextWriter(buf) : NULL;
	if (!r->w) {
		if (buf)
			xmlOutputBufferClose(buf);
		free(r);
		return NULL;
	}
	if (xmlTextWriterSetIndent(r->w, 1) < 0) {
		uvm_render_free(r);
		return NULL;
	}
	return r;
}
