/* fuzz_counters.c - libFuzzer harness: any bytes as a counters file
 * (helpers/counters.h) read into a profile of three processes, then its
 * totals and the JSON report.  A file that is refused leaves nothing
 * behind; one that is read gives only counts the file has, to processes
 * of the profile, and a JSON report whatever it said. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <json-c/json.h>

#include "uvm_profile.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static const int pids[] = { 143, 144, 145 };
	struct uvm_report_opts o = { .format = UVM_JSON, .per_process = 1 };
	struct uvm_profile *p = uvm_profile_new();
	struct json_object *j;
	char path[64], err[512];
	size_t i;
	int fd = memfd_create("counters", MFD_CLOEXEC), rc;

	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	for (i = 0; i < sizeof(pids) / sizeof(pids[0]); i++)
		if (!uvm_profile_process(p, pids[i], 1))
			abort();
	rc = uvm_counters_read(p, path, err, sizeof(err));
	close(fd);
	if (rc) {
		/* refused: said, and nothing of it kept */
		if (!err[0] || p->counted || p->counters_lost || p->counts_total.have)
			abort();
		for (i = 0; i < p->n_procs; i++)
			if (p->procs[i]->counts.have)
				abort();
	} else if (!p->counted || p->per_process >= UVM_N_PER_PROCESS) {
		abort();
	} else if (p->per_process != UVM_PER_PROCESS_ALL) {
		for (i = 0; i < p->n_procs; i++)	/* no pid line was taken */
			if (p->procs[i]->counts.have)
				abort();
	}
	if (p->n_procs != sizeof(pids) / sizeof(pids[0]))	/* none made */
		abort();
	uvm_profile_finish(p);
	j = uvm_report_json(p, &o);
	if (!j || !json_object_to_json_string(j))
		abort();
	json_object_put(j);
	uvm_profile_free(p);
	return 0;
}
