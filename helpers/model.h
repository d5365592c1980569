/*
 * model.h - the report model: one tree of named nodes, built once from a
 * profile (report.c) and rendered by renderers that know nothing of
 * profiles.  JSON and XML are two renderings of the same tree, by the
 * mechanical rules of docs/uvm-collect.md:
 *
 *   JSON                          XML
 *   the root object               the document element, named by the root
 *   scalar member  "k": v         attribute k="v" (null: no attribute)
 *   object member  "k": {...}     child element <k>
 *   array member   "k": [...]     child element <k>, one <ITEM> per item
 *   map member     "k": {"K": v}  child element <k>, one <ITEM name="K">
 *   scalar item    v              <ITEM>v</ITEM>
 *
 * where ITEM is the array's or map's item name.  A map is an object whose
 * member names are data (errno names), not part of the format.
 *
 * Reports are streamed: a renderer opens a container (its members so far
 * are written), takes whole nodes one at a time, and closes it, so that
 * only one process's subtree is in memory at a time.
 */
#ifndef UVM_MODEL_H
#define UVM_MODEL_H

#include <stdint.h>
#include <stdio.h>

enum uvm_node_kind {
	UVM_NODE_OBJECT,
	UVM_NODE_ARRAY,
	UVM_NODE_MAP,
	UVM_NODE_INT,
	UVM_NODE_UINT,
	UVM_NODE_DOUBLE,
	UVM_NODE_DECIMAL,	/* a number given as its decimal text (v.s) */
	UVM_NODE_STRING,
	UVM_NODE_BOOL,
	UVM_NODE_NULL,
};

/* Read-only for renderers; built with the functions below. */
struct uvm_node {
	enum uvm_node_kind kind;
	char *name;		/* member name or map key; NULL for an array item */
	const char *item;	/* arrays and maps: the name of an item (XML) */
	union {
		int64_t i;
		uint64_t u;
		double d;
		char *s;
		int b;
	} v;
	struct uvm_node *first, *last, *next;	/* members or items, in order */
};

/* A detached container: a document root, a streamed array item
 * (name NULL) or a streamed member.  item only for arrays and maps. */
struct uvm_node *uvm_node_new(enum uvm_node_kind kind, const char *name, const char *item);
void uvm_node_free(struct uvm_node *n);	/* and its subtree; NULL is a no-op */

/*
 * Add to parent: a member of an object (name set), an item of an array
 * (name NULL) or an entry of a map (name is the key).  The name and a
 * string value are copied; a NULL string is a null.  Each returns the
 * new node.
 */
/* Make a detached node (uvm_node_new(), built apart) a member or item
 * of parent, which then owns it. */
struct uvm_node *uvm_node_adopt(struct uvm_node *parent, struct uvm_node *child);
struct uvm_node *uvm_node_object(struct uvm_node *parent, const char *name);
struct uvm_node *uvm_node_array(struct uvm_node *parent, const char *name, const char *item);
struct uvm_node *uvm_node_map(struct uvm_node *parent, const char *name, const char *item);
struct uvm_node *uvm_node_int(struct uvm_node *parent, const char *name, int64_t v);
struct uvm_node *uvm_node_uint(struct uvm_node *parent, const char *name, uint64_t v);
struct uvm_node *uvm_node_double(struct uvm_node *parent, const char *name, double v);
/* A number written exactly as text says ("12.345"): no binary rounding.
 * text must be a JSON number. */
struct uvm_node *uvm_node_decimal(struct uvm_node *parent, const char *name, const char *text);
struct uvm_node *uvm_node_string(struct uvm_node *parent, const char *name, const char *s);
struct uvm_node *uvm_node_bool(struct uvm_node *parent, const char *name, int b);
struct uvm_node *uvm_node_null(struct uvm_node *parent, const char *name);

/* n as a json-c tree (a NULL pointer for a null), the caller's to put:
 * what the JSON renderer would write for it, to use as data. */
struct json_object;
struct json_object *uvm_node_json(const struct uvm_node *n);

/*
 * Renderers.  open: start a container (the root first) and write the
 * members it has; write: one whole node, a member or item of the open
 * container; close: end the open container (the document, at the root).
 * Each returns 0, or -1 once anything failed (then nothing more is
 * written); the caller checks ferror() of the stream too.
 */
struct uvm_render;
struct uvm_render *uvm_render_json(FILE *out);
/* JSON without indentation, one item of a streamed container a line:
 * for documents of millions of items (the timeline). */
struct uvm_render *uvm_render_json_compact(FILE *out);
struct uvm_render *uvm_render_xml(FILE *out);
int uvm_render_open(struct uvm_render *r, const struct uvm_node *n);
int uvm_render_write(struct uvm_render *r, const struct uvm_node *n);
int uvm_render_close(struct uvm_render *r);
void uvm_render_free(struct uvm_render *r);	/* NULL is a no-op */

#endif /* UVM_MODEL_H */
