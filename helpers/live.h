/* live.h - run SystemTap (or the uvm guest) and parse its trace as it comes. */
#ifndef UVM_LIVE_H
#define UVM_LIVE_H

#include "uvm_profile.h"

struct uvm_live_opts {
	struct uvm_targets pids;	/* -p PID..., each once (n 0: none) */
	char **cmd;		/* -- CMD ARGS, or NULL */
	char **stap_args;	/* --stap-arg, NULL-terminated */
	size_t n_stap_args;
	const char *mode;	/* events or summary */
	int follow;
	int stacks;		/* user stacks: -G stacks=1, -d BINARY --ldd */
	int overload_guard;	/* keep SystemTap's overload guard */
	int guest;		/* 1: through scripts/uvm-vm; -1: decide */
	int progress;		/* progress on stderr */
	const char *tapsets, *script, *uvm_vm;
	const char *save_trace;	/* --save-trace FILE, or NULL */
	int save_fd;		/* open on it (the caller's), or -1 */
	int verbose;
};

/* 1 when this kernel can run SystemTap (loads modules, has debugfs). */
int uvm_host_can_stap(void);
/* 1 when live tracing runs in the uvm guest (o->guest, or decided by
 * uvm_host_can_stap()), 0 when on this kernel. */
int uvm_live_guest(const struct uvm_live_opts *o);
/* Whether a live run was ended by SIGINT or SIGTERM (passed on to stap):
 * repeated runs stop there. */
int uvm_live_interrupted(void);
/* on: SIGINT and SIGTERM only noted (uvm_live_interrupted()) until
 * called with 0, which restores what they did: the work between
 * repeated runs is not cut short by a ^C, which ends the repeats. */
void uvm_live_hold_signals(int on);

/* Runs the trace; fills p.  Returns 0; 1 when the profile is whole but
 * the trace could not be written whole to o->save_fd (the message in
 * err); or -1 with a message in err. */
int uvm_live_run(struct uvm_profile *p, const struct uvm_live_opts *o, char *err,
		 size_t errlen);

#endif
