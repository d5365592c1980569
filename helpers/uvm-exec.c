/*
 * uvm-exec - start a traced command as it would have started untraced.
 *
 *   uvm-exec --save FILE                 write this process's environment,
 *                                        ignored signals and signal mask
 *   uvm-exec [--restore FILE] [--drain SECONDS] -- CMD [ARG...]
 *                                        --restore: take them back from
 *                                        FILE, then exec CMD (found in
 *                                        the restored PATH, as a shell
 *                                        would); --drain: see below
 *
 * staprun -c starts its command from stapio, which ignores SIGPIPE and
 * SIGUSR2 and adds SYSTEMTAP_* variables; a traced 'producer | head' would
 * then behave unlike an untraced one.  scripts/vm/run-staprun saves the
 * job shell's state with --save before staprun runs, and gives staprun
 * 'uvm-exec --restore FILE -- CMD' as the command.  uvm.stp starts the
 * command's profile at its exec of CMD, so none of this is counted.
 *
 * FILE: "uvm-untraced 1\n", "sigign HEX\n", "sigblk HEX\n" (bit n-1 for
 * signal n, as /proc/PID/status shows them), then the environment, each
 * entry NUL-terminated.  Built static: it runs in the guest's userland.
 *
 * --drain SECONDS: fork CMD rather than exec it, wait for it, then wait
 * up to SECONDS more for SIGUSR1, and exit as CMD did (its status, or its
 * signal).  stapio stops the module as soon as its -c command exits, and
 * drops what it has not read of the trace by then: megabytes when the
 * command made many events on a busy machine.  uvm.stp's module sends
 * SIGUSR1 once stapio has read everything (uvm_exit_drained in
 * tapsets/uvm_exit.stp).  SIGINT, SIGTERM, SIGHUP and SIGQUIT are passed
 * on to CMD (stapio ignores SIGINT while it has a -c command, so a ^C
 * ends CMD, and the trace still ends complete); once CMD has ended they
 * end the wait.  If stapio itself goes away, so does the wait
 * (PR_SET_PDEATHSIG).
 *
 * --counters FILE (with --drain): count CMD's tree with the kernel's perf
 * events (helpers/counters.h): opened on the forked child before it
 * execs, enabled at its exec, inherited by everything it forks; each
 * task's own counts come back through the ring buffers as it exits.
 * FILE is written once the wait ends.  A counter the machine cannot
 * count (no PMU) is listed as unsupported; no counter at all is no error.
 *
 * Exit status (only when CMD was not run): 127 CMD not found, 126 CMD
 * could not be executed, 2 usage or FILE errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "counters.h"
#include "uvm_trace.h"

#define MAGIC "uvm-untraced 1\n"
#define MAX_SIG 64

extern char **environ;

static int die(const char *what, const char *detail)
{
	fprintf(stderr, "uvm-exec: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	return 2;
}

static int save(const char *path)
{
	uint64_t ign = 0, blk = 0;
	sigset_t mask;
	FILE *f;
	char **e;
	int s;

	for (s = 1; s <= MAX_SIG; s++) {
		struct sigaction sa;
		if (sigaction(s, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
			ign |= 1ull << (s - 1);
	}
	sigprocmask(SIG_BLOCK, NULL, &mask);
	for (s = 1; s <= MAX_SIG; s++)
		if (sigismember(&mask, s) == 1)
			blk |= 1ull << (s - 1);
	if (!(f = fopen(path, "w")))
		return die(path, strerror(errno));
	fprintf(f, "%ssigign %016llx\nsigblk %016llx\n", MAGIC, (unsigned long long)ign,
		(unsigned long long)blk);
	for (e = environ; *e; e++)
		fwrite(*e, 1, strlen(*e) + 1, f);
	if (fclose(f))
		return die(path, strerror(errno));
	return 0;
}

/* The file CMD names: itself when it has a slash, else the first
 * executable regular file in PATH. */
static char *find(const char *cmd, const char *path)
{
	const char *p = path, *c;
	char *full;
	struct stat st;

	if (strchr(cmd, '/'))
		return strdup(cmd);
	for (; p; p = c ? c + 1 : NULL) {
		size_t n;
		c = strchr(p, ':');
		n = c ? (size_t)(c - p) : strlen(p);
		if (asprintf(&full, "%.*s/%s", (int)n, n ? p : ".", cmd) < 0)
			return NULL;
		if (stat(full, &st) == 0 && S_ISREG(st.st_mode) && access(full, X_OK) == 0)
			return full;
		free(full);
	}
	return NULL;
}

static int restore(const char *path, char **cmd)
{
	unsigned long long ign, blk;
	char *buf = NULL, *p, *end, *file, **envp;
	const char *envpath = NULL;
	size_t cap = 0, len = 0, n = 0, i;
	sigset_t mask;
	FILE *f;
	int s;

	if (!(f = fopen(path, "r")))
		return die(path, strerror(errno));
	for (;;) {
		if (len == cap && !(buf = realloc(buf, cap = cap ? cap * 2 : 65536)))
			return die("out of memory", NULL);
		size_t got = fread(buf + len, 1, cap - len, f);
		if (!got)
			break;
		len += got;
	}
	fclose(f);
	if (len < sizeof(MAGIC) - 1 || memcmp(buf, MAGIC, sizeof(MAGIC) - 1) ||
	    sscanf(buf + sizeof(MAGIC) - 1, "sigign %llx\nsigblk %llx\n", &ign, &blk) != 2)
		return die(path, "not a file written by uvm-exec --save");
	p = buf + sizeof(MAGIC) - 1;
	for (i = 0; i < 2 && p; i++) {	/* past the two signal lines */
		char *nl = memchr(p, '\n', (size_t)(buf + len - p));
		p = nl ? nl + 1 : NULL;
	}
	if (!p)
		return die(path, "truncated");
	end = buf + len;
	for (char *q = p; q < end; q += strlen(q) + 1, n++)
		if (!memchr(q, '\0', (size_t)(end - q)))
			return die(path, "truncated environment");
	if (!(envp = calloc(n + 2, sizeof(*envp))))
		return die("out of memory", NULL);
	n = 0;
	for (char *q = p; q < end; q += strlen(q) + 1) {
		if (!strncmp(q, "PATH=", 5))
			envpath = q + 5;
		if (strncmp(q, "_=", 2))	/* set below, as a shell does */
			envp[n++] = q;
	}
	file = find(cmd[0], envpath ? envpath : "/usr/local/bin:/usr/bin:/bin");
	if (!file) {
		fprintf(stderr, "uvm-exec: %s: command not found\n", cmd[0]);
		return 127;
	}
	if (asprintf(&envp[n++], "_=%s", file) < 0)
		return die("out of memory", NULL);
	envp[n] = NULL;

	for (s = 1; s <= MAX_SIG; s++) {
		struct sigaction sa;
		if (s == SIGKILL || s == SIGSTOP)
			continue;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = (ign >> (s - 1)) & 1 ? SIG_IGN : SIG_DFL;
		sigaction(s, &sa, NULL);	/* glibc's own signals refuse: fine */
	}
	sigemptyset(&mask);
	for (s = 1; s <= MAX_SIG; s++)
		if ((blk >> (s - 1)) & 1)
			sigaddset(&mask, s);
	sigprocmask(SIG_SETMASK, &mask, NULL);
	execve(file, cmd, envp);
	fprintf(stderr, "uvm-exec: %s: %s\n", file, strerror(errno));
	return errno == ENOENT ? 127 : 126;
}

static int run(const char *restore_file, char **cmd)
{
	if (restore_file)
		return restore(restore_file, cmd);
	execvp(cmd[0], cmd);
	fprintf(stderr, "uvm-exec: %s: %s\n", cmd[0], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}

/* ---- per-process counters (--counters) ---- */

#define PC_MAX_CPUS 1024
/* a read(2) of an event, and a read record after its pid and tid */
#define PC_READ_FORMAT UVM_COUNTS_READ_FORMAT	/* the module knows ours by it */
struct pc_read {
	uint64_t value, enabled, running, id;
};
#define PC_RING_PAGES 128	/* 512 KiB a CPU: 10922 read records */

static const struct {
	const char *name;
	uint32_t type;
	uint64_t config;
} pc_counter[UVM_N_COUNTERS] = {
#define PC_ENTRY(id, name, unit, type, config) { name, type, config },
	UVM_COUNTER_LIST(PC_ENTRY)
#undef PC_ENTRY
};

/* A process (by pid: its counts from the read records) or a task (by
 * tid: one seen in a fork, exit or read record, and how many read
 * records it wrote, one for each event open when it exits). */
struct pc_slot {
	int id;		/* 0: free slot */
	int reads, exited;
	uint64_t v[UVM_N_COUNTERS];
};

/* Open addressing by id. */
struct pc_table {
	struct pc_slot *s;
	size_t cap, used;
};

static struct {
	int ncpu;
	int fd[PC_MAX_CPUS][UVM_N_COUNTERS];	/* -1: not open */
	uint64_t id[PC_MAX_CPUS][UVM_N_COUNTERS];
	struct perf_event_mmap_page *ring[PC_MAX_CPUS];	/* NULL: none */
	int err[UVM_N_COUNTERS];	/* errno of a counter that could not be opened */
	int pin[2];	/* the events that are not inherited (pc_open): -1 none */
	int fatal;	/* errno: nothing could be counted (a CPU without its group) */
	char dead[PC_MAX_CPUS];	/* a ring that held what is no record */
	uint64_t lost, bad;
	int holder;	/* the child: it holds the events opened here */
	struct pc_table procs, tasks;
} pc;

/* The slot of id in t, made if new; NULL: out of memory. */
static struct pc_slot *pc_slot(struct pc_table *t, int id)
{
	size_t i;

	if ((t->used + 1) * 2 > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256, j;
		struct pc_slot *n = calloc(cap, sizeof(*n));
		if (!n)
			return NULL;
		for (j = 0; j < t->cap; j++) {
			if (!t->s[j].id)
				continue;
			for (i = (size_t)t->s[j].id % cap; n[i].id; i = (i + 1) % cap)
				;
			n[i] = t->s[j];
		}
		free(t->s);
		t->s = n;
		t->cap = cap;
	}
	for (i = (size_t)id % t->cap; t->s[i].id; i = (i + 1) % t->cap)
		if (t->s[i].id == id)
			return &t->s[i];
	t->s[i].id = id;
	t->used++;
	return &t->s[i];
}

/* Open every counter on every CPU for child (which waits): two groups a
 * CPU, the software counters' and the hardware counters'; the software
 * lead (the task clock) has the CPU's ring, which takes every record of
 * both and every task's fork and exit (attr.task).  Per-CPU events: the
 * kernel does not map the ring of an inherited event that follows its
 * task across CPUs.
 *
 * Each task that exits holding inherited events writes its own counts
 * (inherit_stat); the child, which holds the events opened here, writes
 * none: its own counts are the totals less everyone else's (pc_write).
 *
 * perf swaps the contexts of a task and its clone at a context switch
 * and, with inherit_stat, their counts with them, pairing the two
 * contexts' events in list order (perf_event_sync_stat).  The events
 * opened here are listed in the order they were opened; their clones in
 * the kernel's own order (by CPU, then PMU), which may differ: counts
 * then changed counters (seen on 6.18, one run in three).  So the child
 * also holds one event that is not inherited (pc.pin): a child's context
 * is then never marked a clone of the child's (perf_event_init_context's
 * inherited_all), and no swap pairs them.  Further down the tree every
 * context lists its events in the kernel's order, so swaps there pair
 * them right.  The task holding the opened events is then always the
 * child (pc.holder). */
static void pc_open(pid_t child)
{
	long n = sysconf(_SC_NPROCESSORS_CONF), page = sysconf(_SC_PAGESIZE);
	size_t ring_len = (size_t)(1 + PC_RING_PAGES) * (size_t)page;
	struct rlimit rl;
	int cpu, k, hw = 0;

	/* 10 descriptors a CPU: as many as this process may have */
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	for (k = 0; k < UVM_N_COUNTERS; k++)
		pc.err[k] = ENODEV;	/* until it opens on some CPU */
	if (n > PC_MAX_CPUS) {	/* CPUs not counted: nothing is */
		pc.fatal = E2BIG;
		return;
	}
	pc.ncpu = n < 1 ? 1 : (int)n;
	for (cpu = 0; cpu < pc.ncpu; cpu++) {
		/* the software group, whose lead has the ring, and the
		 * hardware group, apart: a hardware group the PMU cannot
		 * always schedule must not stop the task clock */
		int lead[2] = { -1, -1 };

		for (k = 0; k < UVM_N_COUNTERS; k++) {
			int g = pc_counter[k].type == PERF_TYPE_HARDWARE, fd;
			struct perf_event_attr a;

			pc.fd[cpu][k] = -1;
			if (g && lead[0] < 0)	/* no ring on this CPU */
				continue;
			memset(&a, 0, sizeof(a));
			a.size = sizeof(a);
			a.type = pc_counter[k].type;
			a.config = pc_counter[k].config;
			a.inherit = 1;
			a.inherit_stat = 1;
			a.read_format = PC_READ_FORMAT;
			a.enable_on_exec = 1;
			if (lead[g] < 0) {	/* a group: off until the exec */
				a.disabled = 1;
				if (!g) {
					a.task = 1;	/* PERF_RECORD_FORK and _EXIT */
					a.watermark = 1;
					a.wakeup_watermark = (uint32_t)(PC_RING_PAGES * page / 2);
				}
			}
			fd = (int)syscall(SYS_perf_event_open, &a, child, cpu, lead[g], PERF_FLAG_FD_CLOEXEC);
			if (fd < 0) {
				/* an offline CPU (ENODEV) says nothing of the
				 * counter; the software lead failing on an
				 * online one, that nothing can be counted */
				if (errno != ENODEV && pc.err[k] == ENODEV)
					pc.err[k] = errno;
				if (errno != ENODEV && !g && lead[0] < 0)
					pc.fatal = errno;
				continue;
			}
			if (ioctl(fd, PERF_EVENT_IOC_ID, &pc.id[cpu][k]) < 0) {
				if (!g && lead[0] < 0)
					pc.fatal = errno;
				close(fd);
				continue;
			}
			if (!g && lead[0] < 0) {
				void *m = mmap(NULL, ring_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
				if (m == MAP_FAILED) {
					pc.fatal = errno;
					close(fd);
					continue;
				}
				pc.ring[cpu] = m;
			} else if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, lead[0]) < 0) {
				close(fd);	/* the records into the lead's ring */
				continue;
			}
			if (lead[g] < 0)
				lead[g] = fd;
			pc.fd[cpu][k] = fd;
			pc.err[k] = 0;
		}
	}
	if (pc.fatal) {
		for (k = 0; k < UVM_N_COUNTERS; k++)
			pc.err[k] = pc.fatal;
		return;
	}
	/* one event not inherited in each context the groups are in: the
	 * software one, and the hardware one when there is a hardware group
	 * (before 6.2 a context of its own); disabled, they count nothing
	 * and take no hardware counter */
	for (k = 0; k < UVM_N_COUNTERS; k++)
		hw |= !pc.err[k] && pc_counter[k].type == PERF_TYPE_HARDWARE;
	pc.pin[0] = pc.pin[1] = -1;
	for (k = 0; k < 1 + hw; k++) {
		struct perf_event_attr a;

		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.type = k ? PERF_TYPE_HARDWARE : PERF_TYPE_SOFTWARE;
		a.config = k ? PERF_COUNT_HW_CPU_CYCLES : PERF_COUNT_SW_DUMMY;
		a.disabled = 1;
		pc.pin[k] = (int)syscall(SYS_perf_event_open, &a, child, -1, -1, PERF_FLAG_FD_CLOEXEC);
		if (pc.pin[k] < 0) {	/* then swaps may mix counts: none is given */
			fprintf(stderr, "uvm-exec: counters: perf_event_open of a pin: %s; "
				"the totals only\n", strerror(errno));
			pc.bad++;
		}
	}
	/* a counter open on some CPUs only cannot count the tree: left out
	 * (it stays open in its group) */
	for (k = 0; k < UVM_N_COUNTERS; k++) {
		int on = 0, off = 0;
		for (cpu = 0; cpu < pc.ncpu; cpu++) {
			if (pc.fd[cpu][k] >= 0)
				on++;
			else if (pc.ring[cpu])
				off++;
		}
		if (on && off)
			pc.err[k] = EIO;
	}
}

static int pc_counter_of(int cpu, uint64_t id)
{
	int k;

	for (k = 0; k < UVM_N_COUNTERS; k++)
		if (pc.fd[cpu][k] >= 0 && pc.id[cpu][k] == id)
			return k;
	return -1;
}

/* Take every record out of every ring.  A ring that was full (the
 * kernel then drops records, and says so only in a later record, which
 * may never come) or that holds what is no record counts as a loss; the
 * latter is read no further. */
static void pc_drain(void)
{
	int cpu;

	for (cpu = 0; cpu < pc.ncpu; cpu++) {
		struct perf_event_mmap_page *m = pc.ring[cpu];
		const unsigned char *data;
		uint64_t head, tail, size;

		if (!m || pc.dead[cpu])
			continue;
		data = (const unsigned char *)m + m->data_offset;
		size = m->data_size;
		head = __atomic_load_n(&m->data_head, __ATOMIC_ACQUIRE);
		tail = m->data_tail;
		if (head - tail > size - 256)
			pc.bad++;
		while (tail + sizeof(struct perf_event_header) <= head) {
			struct perf_event_header h;
			unsigned char rec[64];
			uint32_t pid, tid;
			uint64_t i;

			for (i = 0; i < sizeof(h); i++)
				((unsigned char *)&h)[i] = data[(tail + i) % size];
			if (h.size < sizeof(h) || h.size > size) {
				pc.bad++;
				pc.dead[cpu] = 1;
				break;
			}
			if (tail + h.size > head)	/* not all written yet */
				break;
			for (i = 0; i < h.size && i < sizeof(rec); i++)
				rec[i] = data[(tail + i) % size];
			tail += h.size;
			if (h.type == PERF_RECORD_LOST && h.size >= sizeof(h) + 16) {
				uint64_t lost;

				memcpy(&lost, rec + sizeof(h) + 8, 8);
				pc.lost += lost;
				continue;
			}
			if (h.type != PERF_RECORD_READ && h.type != PERF_RECORD_FORK &&
			    h.type != PERF_RECORD_EXIT)
				continue;
			/* READ: pid, tid, then struct pc_read; FORK and EXIT:
			 * pid, ppid, tid, ptid, time */
			if (h.size < sizeof(h) + (h.type == PERF_RECORD_READ ? 8 + sizeof(struct pc_read) : 24)) {
				pc.bad++;
				continue;
			}
			memcpy(&pid, rec + sizeof(h), 4);
			memcpy(&tid, rec + sizeof(h) + (h.type == PERF_RECORD_READ ? 4 : 8), 4);
			/* 0 or -1: a task this namespace does not see */
			struct pc_slot *tk = (int)tid > 0 ? pc_slot(&pc.tasks, (int)tid) : NULL;
			if (!tk) {
				pc.bad++;
				continue;
			}
			if (h.type == PERF_RECORD_EXIT)
				tk->exited = 1;
			if (h.type != PERF_RECORD_READ)
				continue;
			struct pc_read r;
			struct pc_slot *p;
			int k;

			memcpy(&r, rec + sizeof(h) + 8, sizeof(r));
			tk->reads++;
			k = pc_counter_of(cpu, r.id);
			if (k < 0 || (int)pid <= 0 || !(p = pc_slot(&pc.procs, (int)pid)))
				pc.bad++;
			else
				p->v[k] += r.value;
		}
		__atomic_store_n(&m->data_tail, tail, __ATOMIC_RELEASE);
	}
}

/* The tree's totals, from the events opened here (read(2): the counts of
 * every task that ran, exited or not), and each process's own counts
 * (all its threads'): from the read records, and for the child, which
 * writes none, what the totals have beyond them.
 *
 * The kernel does not always deliver the read records: a task exiting on
 * one CPU writes into every CPU's ring, and perf's rings take one writer
 * at a time, their own CPU (seen on 6.18 with 2 CPUs: 8 threads exiting
 * together, in 1 run of 40 some of them had 5 or 6 of their 10 records,
 * and no lost record said so).  So every task the rings name (a fork,
 * exit or read record) must have written one read record for each open
 * event: those missing count as lost, and then no process's own counts
 * are written, only the totals.  A task that is still running (a
 * daemon the command left) has written none yet: the same.  Kernels
 * before about 6.15 write none at all: when tasks exited and none wrote
 * a read record, per-process is "none". */
static int pc_write(const char *path)
{
	uint64_t total[UVM_N_COUNTERS] = { 0 }, missing = 0, reads = 0, lost;
	const char *which;
	struct pc_slot *h = NULL;
	FILE *f;
	size_t i;
	int cpu, k, events = 0, exited = 0;

	pc_drain();
	for (cpu = 0; cpu < pc.ncpu; cpu++) {
		uint64_t ran = 0;	/* the tree's time on this CPU */

		for (k = 0; k < UVM_N_COUNTERS; k++) {
			struct pc_read r;

			if (pc.fd[cpu][k] < 0)
				continue;
			events++;
			if (read(pc.fd[cpu][k], &r, sizeof(r)) != sizeof(r)) {
				if (!pc.err[k])
					pc.err[k] = errno ? errno : EIO;
				continue;
			}
			total[k] += r.value;
			/* the software group runs whenever the tree does; a
			 * hardware group that ran less shared the PMU with
			 * other users and counted part of the time: not this
			 * tree's count (1 % and 1 ms for the two contexts'
			 * clocks before 6.2) */
			if (pc_counter[k].type != PERF_TYPE_HARDWARE)
				ran = r.running > ran ? r.running : ran;
			else if (r.running + ran / 100 + 1000000 < ran && !pc.err[k])
				pc.err[k] = EBUSY;
		}
	}
	/* every other task: all its read records; and whether this kernel
	 * writes them at all (an exited task wrote some) */
	for (i = 0; i < pc.tasks.cap; i++) {
		const struct pc_slot *tk = &pc.tasks.s[i];

		if (!tk->id || tk->id == pc.holder)
			continue;
		missing += (uint64_t)(tk->reads > events ? tk->reads - events : events - tk->reads);
		reads += (uint64_t)tk->reads;
		exited |= tk->exited;
	}
	lost = pc.lost + pc.bad + missing;
	if (!lost) {	/* the child's own: all but every other process's */
		if (!(h = pc_slot(&pc.procs, pc.holder)))
			return die("out of memory", NULL);
		for (k = 0; k < UVM_N_COUNTERS; k++) {
			uint64_t sum = 0;
			for (i = 0; i < pc.procs.cap; i++)
				if (pc.procs.s[i].id && &pc.procs.s[i] != h)
					sum += pc.procs.s[i].v[k];
			if (sum > total[k] && !pc.err[k])
				lost++;	/* cannot be: say so rather than guess */
			h->v[k] = total[k] > sum ? total[k] - sum : 0;
		}
	}
	which = !lost ? "all" : !reads && exited && !pc.lost && !pc.bad ? "none" : "lost";
	if (!(f = fopen(path, "w")))
		return die(path, strerror(errno));
	fprintf(f, "%s\n", UVM_COUNTERS_MAGIC);
	for (k = 0; k < UVM_N_COUNTERS; k++)
		if (pc.err[k]) {
			const char *e = strerrorname_np(pc.err[k]);
			fprintf(f, "unsupported %s %s\n", pc_counter[k].name, e ? e : "EIO");
		}
	fprintf(f, "lost %llu\nper-process %s\n", (unsigned long long)lost, which);
	for (k = 0; k < UVM_N_COUNTERS; k++)
		if (!pc.err[k])
			fprintf(f, "total %s %llu\n", pc_counter[k].name, (unsigned long long)total[k]);
	for (i = 0; !lost && i < pc.procs.cap; i++) {
		if (!pc.procs.s[i].id)
			continue;
		for (k = 0; k < UVM_N_COUNTERS; k++)
			if (!pc.err[k])
				fprintf(f, "pid %d %s %llu\n", pc.procs.s[i].id, pc_counter[k].name,
					(unsigned long long)pc.procs.s[i].v[k]);
	}
	fprintf(f, "end\n");
	if (fclose(f))
		return die(path, strerror(errno));
	return 0;
}

static volatile sig_atomic_t child_pid, stop_waiting;

/* While CMD runs: pass the signal on.  Once it is reaped: stop waiting
 * for the release (a second ^C). */
static void pass_on(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
	else
		stop_waiting = 1;
}

/* Sleep up to 100 ms or until a signal; then take the counters' records. */
static void pc_pause(void)
{
	struct timespec t = { 0, 100 * 1000 * 1000 };

	nanosleep(&t, NULL);
	pc_drain();
}

/* Fork CMD, wait for it and for SIGUSR1 (up to seconds), exit as it did;
 * with counters, count its tree into that file. */
static int drain(const char *restore_file, char **cmd, long seconds, const char *counters)
{
	static const int passed[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa;
	struct timespec ts = { .tv_sec = seconds }, t0, now;
	sigset_t usr1, old;
	pid_t c, parent = getppid();
	int st, go[2] = { -1, -1 }, rc;
	size_t i;

	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	if (counters && pipe2(go, O_CLOEXEC))
		return die("pipe", strerror(errno));
	if (sigprocmask(SIG_BLOCK, &usr1, &old))
		return die("sigprocmask", strerror(errno));
	fflush(NULL);
	c = fork();
	if (c < 0)
		return die("fork", strerror(errno));
	if (c == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (counters) {	/* until the counters are open on us */
			char b;
			close(go[1]);
			while (read(go[0], &b, 1) < 0 && errno == EINTR)
				;
			close(go[0]);
		}
		_exit(run(restore_file, cmd));
	}
	child_pid = c;
	if (counters) {
		close(go[0]);
		pc.holder = c;
		pc_open(c);
		close(go[1]);	/* go */
	}
	/* stapio gone (stopped by a signal of its own): no release will come */
	if (prctl(PR_SET_PDEATHSIG, SIGUSR1) || getppid() != parent)
		kill(getpid(), SIGUSR1);	/* pending: no wait below */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = pass_on;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(passed) / sizeof(passed[0]); i++)
		sigaction(passed[i], &sa, NULL);
	for (;;) {
		pid_t r = waitpid(c, &st, counters ? WNOHANG : 0);
		if (r == c)
			break;
		if (r < 0 && errno != EINTR)
			return die("waitpid", strerror(errno));
		if (counters)
			pc_pause();
	}
	child_pid = 0;	/* reaped: its pid may be anyone's now */
	if (!counters) {
		while (!stop_waiting && sigtimedwait(&usr1, NULL, &ts) < 0 && errno == EINTR)
			;
	} else {
		/* its descendants exit meanwhile: their records keep coming */
		struct timespec tick = { 0, 100 * 1000 * 1000 };
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (;;) {
			if (stop_waiting || sigtimedwait(&usr1, NULL, &tick) == SIGUSR1)
				break;
			pc_drain();
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec - t0.tv_sec > seconds ||
			    (now.tv_sec - t0.tv_sec == seconds && now.tv_nsec >= t0.tv_nsec))
				break;
		}
		if ((rc = pc_write(counters)))
			fprintf(stderr, "uvm-exec: the counters are lost\n");
	}
	if (WIFSIGNALED(st)) {
		signal(WTERMSIG(st), SIG_DFL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		raise(WTERMSIG(st));
		return 128 + WTERMSIG(st);
	}
	return WEXITSTATUS(st);
}

static int usage(int rc)
{
	fprintf(rc ? stderr : stdout,
		"usage: uvm-exec --save FILE\n"
		"       uvm-exec [--restore FILE] [--drain SECONDS [--counters FILE]] -- CMD [ARG...]\n");
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "save", required_argument, NULL, 's' },
		{ "restore", required_argument, NULL, 'r' },
		{ "drain", required_argument, NULL, 'd' },
		{ "counters", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *save_file = NULL, *restore_file = NULL, *counters = NULL;
	long seconds = -1;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 's': save_file = optarg; break;
		case 'r': restore_file = optarg; break;
		case 'd':
			errno = 0;
			seconds = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || seconds < 0 || seconds > 86400)
				return die("--drain wants seconds, 0 to 86400", optarg);
			break;
		case 'c': counters = optarg; break;
		case 'h': return usage(0);
		default: return usage(2);
		}
	}
	if (save_file) {
		if (restore_file || seconds >= 0 || counters || optind != argc)
			return usage(2);
		return save(save_file);
	}
	/* the command follows "--" */
	if (optind >= argc || strcmp(argv[optind - 1], "--"))
		return usage(2);
	if (counters && seconds < 0)
		return die("--counters needs --drain", NULL);
	if (seconds >= 0)
		return drain(restore_file, argv + optind, seconds, counters);
	return run(restore_file, argv + optind);
}
