/*
 * counters.h - per-process perf counters of a traced command's tree.
 *
 * uvm-exec --counters FILE opens these counters on the command before it
 * execs (perf_event_open with inherit, so every process and thread it
 * forks counts too, and inherit_stat, so that the kernel writes each
 * task's own counts into a ring buffer as it exits), and writes FILE in
 * the format below; uvm-collect reads FILE into the profile.  This header
 * is the one list of the counters and the one definition of FILE.
 *
 * C(ID, "name", "unit", perf type, perf config): name is the key in the
 * reports, unit what the value counts.
 */
#ifndef UVM_COUNTERS_H
#define UVM_COUNTERS_H

#include <linux/perf_event.h>

#define UVM_COUNTER_LIST(C)                                                                    \
	C(TASK_CLOCK, "task_clock_ns", "ns", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK)       \
	C(CONTEXT_SWITCHES, "context_switches", "switches", PERF_TYPE_SOFTWARE,                  \
	  PERF_COUNT_SW_CONTEXT_SWITCHES)                                                          \
	C(CPU_MIGRATIONS, "cpu_migrations", "migrations", PERF_TYPE_SOFTWARE,                    \
	  PERF_COUNT_SW_CPU_MIGRATIONS)                                                            \
	C(MINOR_FAULTS, "minor_faults", "faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MIN) \
	C(MAJOR_FAULTS, "major_faults", "faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MAJ) \
	C(CYCLES, "cycles", "cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES)              \
	C(INSTRUCTIONS, "instructions", "instructions", PERF_TYPE_HARDWARE,                      \
	  PERF_COUNT_HW_INSTRUCTIONS)                                                              \
	C(CACHE_REFERENCES, "cache_references", "references", PERF_TYPE_HARDWARE,                \
	  PERF_COUNT_HW_CACHE_REFERENCES)                                                          \
	C(CACHE_MISSES, "cache_misses", "misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES) \
	C(BRANCH_MISSES, "branch_misses", "misses", PERF_TYPE_HARDWARE,                          \
	  PERF_COUNT_HW_BRANCH_MISSES)

enum uvm_counter {
#define UVM_COUNTER_ENUM(id, name, unit, type, config) UVM_COUNTER_##id,
	UVM_COUNTER_LIST(UVM_COUNTER_ENUM)
#undef UVM_COUNTER_ENUM
	UVM_N_COUNTERS
};

/*
 * FILE, text, one item per line, in this order, each line once:
 *   uvm-counters 1
 *   unsupported NAME ERRNO-NAME     a counter not counted: not opened (no
 *                                   PMU: ENOENT, EOPNOTSUPP, ENODEV; none
 *                                   could be: EMFILE, EPERM, E2BIG ...),
 *                                   or counted part of the time (EBUSY)
 *   lost N                          read records missing (a task's exit
 *                                   writes one a counter a CPU; see below)
 *   per-process WHICH               all: nothing is missing (lost 0), each
 *                                   process's own counts follow;
 *                                   lost: some are, none follow;
 *                                   none: the kernel wrote none at all,
 *                                   none follow
 *   total NAME VALUE                the whole tree, each counter counted
 *   pid PID NAME VALUE              one process (all its threads), for
 *                                   each counter counted; PID as the
 *                                   command's namespace sees it
 *   end
 * A file without "end" was cut short.  Counting starts at the command's
 * exec (enable_on_exec), as its uvm profile does.
 *
 * The totals are exact (read(2) of the opened events).  A process's own
 * counts come from the read records its tasks write into the per-CPU
 * rings as they exit, one for each CPU's event of each counter.
 * Kernels before about 6.15 write none: they mark the exiting task's
 * context dead before they would (measured: 6.1 and 6.12 none, 6.18 and
 * 7.2 all).  And perf's rings take one writer at a time, their CPU's: a
 * task exiting on another CPU while that CPU writes too corrupts the
 * ring, and its later records are never seen (no lost record says so).
 * Measured on 6.18, 2 CPUs: load storm 300 20 lost records in 28 runs
 * of 60, load threads 8 in 2 of 60; under taskset -c 0, none in 80; the
 * guests have one vCPU.  uvm-exec checks that every task it saw wrote
 * all of its records, and gives the processes' own counts only then.
 *
 * Where the file has none of them (lost, none), uvm-collect takes each
 * process's own counts from the trace instead, if it has them: the N
 * records that uvm's module writes as the kernel takes each task's
 * events down (runtime/uvm_trace.h), on every kernel.  The profile then
 * says per_process "module"; a file never does.
 */
#define UVM_PER_PROCESS_LIST(C) C(ALL, "all") C(LOST, "lost") C(NONE, "none") C(MODULE, "module")

enum uvm_per_process {
#define UVM_PER_PROCESS_ENUM(id, name) UVM_PER_PROCESS_##id,
	UVM_PER_PROCESS_LIST(UVM_PER_PROCESS_ENUM)
#undef UVM_PER_PROCESS_ENUM
	UVM_N_PER_PROCESS
};
#define UVM_COUNTERS_MAGIC "uvm-counters 1"

#endif
