/*
 * records.h - a parsed trace record, as the parser's handlers and the
 * streamed outputs (event sinks, uvm_profile.h) see it.
 *
 * From UVM_RECORDS (runtime/uvm_trace.h): struct rec_<name> has one
 * struct uvm_field per field of the record, in the trace's order (r->TS,
 * r->PID, ...); union uvm_record holds any of them as an array of fields.
 * I and X fields are in .i; S fields are unescaped in .s ("-" is none).
 */
#ifndef UVM_RECORDS_H
#define UVM_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#include "uvm_trace.h"

#define UVM_MAX_FIELDS 16

struct uvm_field {
	char *s;
	size_t len;	/* strlen(s), once the line is split */
	int64_t i;	/* I and X fields */
	int escaped;	/* S fields: held a backslash */
};

#define UVM_FIELD_MEMBER(id, n, t, c) struct uvm_field id;
#define UVM_FIELD_COUNT(id, n, t, c) +1
#define UVM_RECORD_STRUCT(tag, ID, name, FIELDS)                               \
	struct rec_##name {                                                    \
		FIELDS(UVM_FIELD_MEMBER)                                       \
	};                                                                     \
	_Static_assert(sizeof(struct rec_##name) ==                            \
		       (0 FIELDS(UVM_FIELD_COUNT)) * sizeof(struct uvm_field), \
		       #ID " record: its fields are not laid out as an array"); \
	_Static_assert((0 FIELDS(UVM_FIELD_COUNT)) > 0 &&                      \
		       (0 FIELDS(UVM_FIELD_COUNT)) <= UVM_MAX_FIELDS,          \
		       #ID " record: 1 to UVM_MAX_FIELDS fields");
UVM_RECORDS(UVM_RECORD_STRUCT)

#define UVM_RECORD_MEMBER(tag, ID, name, FIELDS) struct rec_##name name;
union uvm_record {
	struct uvm_field f[UVM_MAX_FIELDS];
	UVM_RECORDS(UVM_RECORD_MEMBER)
};

/* "-": the field's "none" */
static inline int uvm_field_none(const struct uvm_field *f)
{
	return f->len == 1 && f->s[0] == '-';
}

#endif /* UVM_RECORDS_H */
