/* unit.h - the check macro and counters shared by the unit test files. */
#ifndef UVM_UNIT_H
#define UVM_UNIT_H

#include <stdio.h>

extern int passed, failed;

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (cond) {                                                    \
			passed++;                                              \
		} else {                                                       \
			failed++;                                              \
			fprintf(stderr, "%s:%d: %s: FAILED: %s\n", __FILE__,  \
				__LINE__, __func__, #cond);                   \
		}                                                              \
	} while (0)

/* escape.c: the module's escaping and argument formatting */
void test_escape_round_trip(void);
void test_escape_bounds(void);
void test_format_args(void);

/* model.c: the report model and its renderers */
void test_model_json(void);
void test_model_xml(void);
void test_model_errors(void);
void test_model_compact(void);

/* stats.c: uvm-collect diff's statistics */
void test_mann_whitney(void);
void test_holm(void);

/* rows.c: report rows and the summary of repeated runs */
void test_median_spread(void);
void test_rows_report(void);
void test_runs_summary(void);

#endif
