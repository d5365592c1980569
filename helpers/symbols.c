/*
 * symbols.c - fault sites as binary:function+offset, with elfutils'
 * libdwfl.  The process's mapped files and their load bases come from the
 * trace (mmap results and file-backed faults); each file is reported to
 * libdwfl at its base and the address looked up in its symbol table.
 */
#include <elfutils/libdwfl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "uvm_profile.h"
#include "util.h"

static const Dwfl_Callbacks callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
};

char *uvm_symbolize(const struct uvm_process *pr, uint64_t addr, const char *sysroot)
{
	char path[PATH_MAX], out[512];
	const char *name = NULL, *base;
	Dwfl_Module *mod;
	Dwfl *dwfl = NULL;
	GElf_Off off = 0;
	GElf_Sym sym;
	char *res = NULL;
	size_t i;

	/* the object containing addr: the one with the highest base below it */
	const struct uvm_object *best = NULL;
	for (i = 0; i < pr->n_objects; i++)
		if (pr->objects[i].base <= addr && (!best || pr->objects[i].base > best->base))
			best = &pr->objects[i];
	if (!best)
		return NULL;
	if (sysroot && snprintf(path, sizeof(path), "%s%s", sysroot, best->path) < (int)sizeof(path) &&
	    access(path, R_OK) == 0)
		;
	else if (access(best->path, R_OK) == 0)
		copy_str(path, sizeof(path), best->path);
	else
		return NULL;
	dwfl = dwfl_begin(&callbacks);
	if (!dwfl)
		return NULL;
	dwfl_report_begin(dwfl);
	mod = dwfl_report_elf(dwfl, best->path, path, -1, best->base, false);
	dwfl_report_end(dwfl, NULL, NULL);
	if (mod && (mod = dwfl_addrmodule(dwfl, addr)))
		name = dwfl_module_addrinfo(mod, addr, &off, &sym, NULL, NULL, NULL);
	base = strrchr(best->path, '/');
	base = base ? base + 1 : best->path;
	if (name)
		snprintf(out, sizeof(out), "%s:%s+0x%" PRIx64, base, name, (uint64_t)off);
	else if (mod)
		snprintf(out, sizeof(out), "%s+0x%" PRIx64, base, addr - best->base);
	if (mod)
		res = xstrdup(out);
	dwfl_end(dwfl);
	return res;
}
