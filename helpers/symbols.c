/*
 * symbols.c - fault sites as binary:function+offset, with elfutils'
 * libdwfl.  The process's mapped files and their load bases come from the
 * trace (mmap results and file-backed faults); each file is reported to
 * libdwfl at its base and the address looked up in its symbol table.
 * The paths come from the trace, which is not trusted: only regular files
 * are opened (a FIFO or a device named there could block or never end).
 */
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "uvm_profile.h"
#include "util.h"

static const Dwfl_Callbacks callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
};

/* Where to read a traced file: under sysroot (a guest's root) if it is
 * there, else as named; a regular file we may read, or 0. */
static int object_file(const char *name, const char *sysroot, char *path, size_t n)
{
	struct stat st;

	if (sysroot && (size_t)snprintf(path, n, "%s%s", sysroot, name) < n &&
	    stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, R_OK) == 0)
		return 1;
	if (strlen(name) < n && stat(name, &st) == 0 && S_ISREG(st.st_mode) &&
	    access(name, R_OK) == 0) {
		copy_str(path, n, name);
		return 1;
	}
	return 0;
}

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
	if (!best || !object_file(best->path, sysroot, path, sizeof(path)))
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

/*
 * Symbols of one image of a process (what it mapped between two execs),
 * for many lookups: the stacks of flame graphs.  Every file of the image
 * is reported to one libdwfl session at its base; names are cached by
 * address.
 */
struct sym_cached {
	uint64_t pc;
	char *name;		/* NULL: slot free */
	int outermost;
};

struct uvm_syms {
	Dwfl *dwfl;
	size_t n, cap;		/* cache: open addressing, cap a power of 2 */
	struct sym_cached *cache;
};

struct uvm_syms *uvm_syms_new(const struct uvm_process *pr, uint64_t image, const char *sysroot)
{
	struct uvm_syms *sy = xcalloc(1, sizeof(*sy));
	char path[PATH_MAX];
	size_t i;

	sy->cap = 256;
	sy->cache = xcalloc(sy->cap, sizeof(*sy->cache));
	sy->dwfl = dwfl_begin(&callbacks);
	if (!sy->dwfl)
		return sy;
	dwfl_report_begin(sy->dwfl);
	for (i = 0; i < pr->n_objects; i++) {
		const struct uvm_object *ob = &pr->objects[i];

		if (ob->image != image || !object_file(ob->path, sysroot, path, sizeof(path)))
			continue;
		/* a file that overlaps one already reported is left out */
		dwfl_report_elf(sy->dwfl, ob->path, path, -1, ob->base, false);
	}
	dwfl_report_end(sy->dwfl, NULL, NULL);
	return sy;
}

/* Is pc in the outermost frame of a thread, where a complete unwind
 * ends?  Where the module's unwind data (CFI) covers pc, it says so by
 * leaving the caller's return address undefined (_start, clone's child).
 * The dynamic linker's entry code has no CFI at all: a pc without CFI
 * within the first bytes of the module's ELF entry point (ld.so's
 * _start calls _dl_start, then its _dl_start_user calls _dl_init) is
 * taken as outermost too. */
static int outermost_frame(Dwfl_Module *mod, uint64_t pc)
{
	Dwarf_Addr bias, ebias;
	Dwarf_CFI *cfi = dwfl_module_eh_cfi(mod, &bias);
	Dwarf_Frame *frame = NULL;
	Dwarf_Op ops_mem[3], *ops;
	GElf_Ehdr ehdr;
	Elf *elf;
	size_t nops;
	int ra, outermost = 0;

	if (!cfi)
		cfi = dwfl_module_dwarf_cfi(mod, &bias);
	if (cfi && dwarf_cfi_addrframe(cfi, pc - bias, &frame) == 0) {
		ra = dwarf_frame_info(frame, NULL, NULL, NULL);
		if (ra >= 0 && dwarf_frame_register(frame, ra, ops_mem, &ops, &nops) == 0)
			outermost = nops == 0 && ops == ops_mem;
		free(frame);
		return outermost;
	}
	elf = dwfl_module_getelf(mod, &ebias);
	return elf && gelf_getehdr(elf, &ehdr) && ehdr.e_entry &&
	       pc >= ehdr.e_entry + ebias && pc - (ehdr.e_entry + ebias) < 256;
}

static void syms_lookup(struct uvm_syms *sy, struct sym_cached *c)
{
	uint64_t pc = c->pc;
	Dwfl_Module *mod = sy->dwfl ? dwfl_addrmodule(sy->dwfl, pc) : NULL;
	const char *name = NULL, *modname, *base;
	Dwarf_Addr start = 0;
	GElf_Off off;
	GElf_Sym sym;
	char out[512];

	if (!mod) {
		c->name = xstrdup("[unknown]");
		return;
	}
	name = dwfl_module_addrinfo(mod, pc, &off, &sym, NULL, NULL, NULL);
	modname = dwfl_module_info(mod, NULL, &start, NULL, NULL, NULL, NULL, NULL);
	if (name) {
		c->name = xstrdup(name);
	} else {
		base = modname ? strrchr(modname, '/') : NULL;
		base = base ? base + 1 : modname ? modname : "?";
		snprintf(out, sizeof(out), "%s+0x%" PRIx64, base, pc - start);
		c->name = xstrdup(out);
	}
	c->outermost = outermost_frame(mod, pc);
}

/* The cache slot of pc: its entry, or the free slot where it goes. */
static struct sym_cached *cache_slot(struct uvm_syms *sy, uint64_t pc)
{
	size_t h = (pc * 0x9E3779B97F4A7C15ull) >> 7 & (sy->cap - 1);

	while (sy->cache[h].name && sy->cache[h].pc != pc)
		h = (h + 1) & (sy->cap - 1);
	return &sy->cache[h];
}

const char *uvm_syms_frame(struct uvm_syms *sy, uint64_t pc, int *outermost)
{
	struct sym_cached *c;

	if (2 * (sy->n + 1) > sy->cap) {
		struct sym_cached *old = sy->cache;
		size_t i, oldcap = sy->cap;

		sy->cap *= 2;
		sy->cache = xcalloc(sy->cap, sizeof(*sy->cache));
		for (i = 0; i < oldcap; i++)
			if (old[i].name)
				*cache_slot(sy, old[i].pc) = old[i];
		free(old);
	}
	c = cache_slot(sy, pc);
	if (!c->name) {
		c->pc = pc;
		syms_lookup(sy, c);
		sy->n++;
	}
	*outermost = c->outermost;
	return c->name;
}

void uvm_syms_free(struct uvm_syms *sy)
{
	size_t i;

	if (!sy)
		return;
	for (i = 0; i < sy->cap; i++)
		free(sy->cache[i].name);
	free(sy->cache);
	if (sy->dwfl)
		dwfl_end(sy->dwfl);
	free(sy);
}
