# uvm - profile a process and everything it forks, from inside the kernel.
#
#   make            build uvm-collect and the test workloads
#   make demo       trace a bundled workload and print its profile
#   make check      all tests (host, then the guest kernel)
#   make vm         build the guest image (scripts/uvm-vm build)
#   make bench      benchmarks: prints a table, writes docs/performance.md
#   make bench-collector  uvm-collect's throughput alone, on the host
#   make install    prefix=/usr/local DESTDIR=...
#
# V=1 shows the commands.  UVM_SKIP_GUEST=1 make check skips the guest
# tests explicitly (they are never skipped silently).

prefix ?= /usr/local
exec_prefix ?= $(prefix)
bindir ?= $(exec_prefix)/bin
datadir ?= $(prefix)/share
mandir ?= $(datadir)/man
uvmdir ?= $(datadir)/uvm
docdir ?= $(datadir)/doc/uvm

CC ?= cc
CLANG ?= clang
CFLAGS ?= -O2 -g
PKG_CONFIG ?= pkg-config
BUILD ?= build

WARN := -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes
LIBS_PKGS := json-c libxml-2.0 libdw
ALL_CFLAGS = -std=gnu11 $(WARN) -Iruntime -Ihelpers $(shell $(PKG_CONFIG) --cflags $(LIBS_PKGS) 2>/dev/null) $(CFLAGS)
ALL_LIBS = $(shell $(PKG_CONFIG) --libs $(LIBS_PKGS) 2>/dev/null) -lm

ifeq ($(V),1)
Q :=
else
Q := @
endif

SHELL := /bin/bash

.DELETE_ON_ERROR:
.PHONY: all deps check check-host check-guest unit fuzz vm demo bench bench-collector install uninstall clean runtime

COLLECT_SRCS := helpers/counters.c helpers/trace.c helpers/profile.c helpers/report.c helpers/model.c helpers/perfetto.c helpers/folded.c helpers/html.c helpers/diff.c helpers/rows.c helpers/runs.c helpers/stats.c helpers/symbols.c helpers/live.c
COLLECT_HDRS := $(wildcard helpers/*.h) runtime/uvm_trace.h
WORKLOADS := syscalls faults mm tree hostile load stacks twoway

all: $(BUILD)/uvm-collect $(BUILD)/uvm-exec $(WORKLOADS:%=$(BUILD)/workloads/%) $(BUILD)/workloads/changed/twoway

deps:
	$(Q)scripts/install-deps build test

# tapsets/uvm_runtime.stp is generated from runtime/ and committed, so that
# 'stap -I tapsets' works from a fresh clone.  Only 'make runtime' writes
# it: a host test (tests/host/runtime.bats) fails when the committed file
# is stale, which a rebuild in 'all' would hide.
runtime:
	@echo "  GEN     tapsets/uvm_runtime.stp"
	$(Q)CC="$(CC)" runtime/gen-runtime tapsets/uvm_runtime.stp

$(BUILD)/uvm-collect: helpers/main.c $(COLLECT_SRCS) $(COLLECT_HDRS) | deps
	@mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ helpers/main.c $(COLLECT_SRCS) $(ALL_LIBS) $(LDFLAGS)

# Runs in the guests' userlands (trixie, sid): static, so that it does not
# depend on their C libraries.
$(BUILD)/uvm-exec: helpers/uvm-exec.c helpers/counters.h runtime/uvm_trace.h | deps
	@mkdir -p $(@D)
	@echo "  CC      $@ (static)"
	$(Q)$(CC) -std=gnu11 $(WARN) -Iruntime $(CFLAGS) -static -o $@ $< $(LDFLAGS)

$(BUILD)/workloads/%: tests/workloads/%.c tests/workloads/workload.h
	@mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)$(CC) -O2 -g -Wall -Wextra -pthread -o $@ $< $(LDFLAGS)

# twoway built the other way (tests/workloads/twoway.c): the same name in
# another directory, so that uvm-collect diff matches it by name.
$(BUILD)/workloads/changed/twoway: tests/workloads/twoway.c tests/workloads/workload.h
	@mkdir -p $(@D)
	@echo "  CC      $@ (-DCHANGED)"
	$(Q)$(CC) -O2 -g -Wall -Wextra -DCHANGED -o $@ $< $(LDFLAGS)

# Unit tests and fuzzing of the C code, with ASan+UBSan.
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
$(BUILD)/unit-tests: tests/unit/unit.c tests/unit/escape.c tests/unit/model.c tests/unit/stats.c tests/unit/rows.c tests/unit/unit.h tests/uvm_escape_user.h runtime/uvm_escape.h $(COLLECT_SRCS) $(COLLECT_HDRS) | deps
	@mkdir -p $(@D)
	@echo "  CC      $@ (ASan+UBSan)"
	$(Q)$(CC) $(ALL_CFLAGS) -O1 -g $(SAN) -o $@ tests/unit/unit.c tests/unit/escape.c tests/unit/model.c tests/unit/stats.c tests/unit/rows.c $(COLLECT_SRCS) $(ALL_LIBS)

$(BUILD)/fuzz-trace: tests/fuzz/fuzz_trace.c $(COLLECT_SRCS) $(COLLECT_HDRS) | deps
	@mkdir -p $(@D)
	@echo "  CLANG   $@ (libFuzzer+ASan+UBSan)"
	$(Q)$(CLANG) $(filter-out -Wformat=2,$(ALL_CFLAGS)) -O1 -g -fsanitize=fuzzer,address,undefined -o $@ tests/fuzz/fuzz_trace.c $(COLLECT_SRCS) $(ALL_LIBS)

$(BUILD)/fuzz-escape: tests/fuzz/fuzz_escape.c tests/uvm_escape_user.h runtime/uvm_escape.h $(COLLECT_SRCS) $(COLLECT_HDRS) | deps
	@mkdir -p $(@D)
	@echo "  CLANG   $@ (libFuzzer+ASan+UBSan)"
	$(Q)$(CLANG) $(filter-out -Wformat=2,$(ALL_CFLAGS)) -O1 -g -fsanitize=fuzzer,address,undefined -o $@ tests/fuzz/fuzz_escape.c $(COLLECT_SRCS) $(ALL_LIBS)

$(BUILD)/fuzz-counters: tests/fuzz/fuzz_counters.c $(COLLECT_SRCS) $(COLLECT_HDRS) | deps
	@mkdir -p $(@D)
	@echo "  CLANG   $@ (libFuzzer+ASan+UBSan)"
	$(Q)$(CLANG) $(filter-out -Wformat=2,$(ALL_CFLAGS)) -O1 -g -fsanitize=fuzzer,address,undefined -o $@ tests/fuzz/fuzz_counters.c $(COLLECT_SRCS) $(ALL_LIBS)

unit: $(BUILD)/unit-tests
	$(Q)$(BUILD)/unit-tests

# make fuzz FUZZ_SECONDS=N: each harness for N seconds (make check: 10),
# growing its corpus in $(BUILD)/fuzz-corpus/NAME from the seeds in
# tests/fuzz/corpus*.  Crashes are left as crash-* files and fail the run.
FUZZ_SECONDS ?= 10
FUZZERS := trace escape counters
fuzz: $(FUZZERS:%=$(BUILD)/fuzz-%)
	$(Q)set -e; for f in $(FUZZERS); do \
		mkdir -p $(BUILD)/fuzz-corpus/$$f; \
		seeds=tests/fuzz/corpus; [ $$f = trace ] || seeds=tests/fuzz/corpus-$$f; \
		$(BUILD)/fuzz-$$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -print_final_stats=1 \
			-artifact_prefix=$(BUILD)/ $(BUILD)/fuzz-corpus/$$f $$seeds >$(BUILD)/fuzz-$$f.log 2>&1 || \
			{ tail -40 $(BUILD)/fuzz-$$f.log; exit 1; }; \
		echo "fuzz-$$f: $$(grep -E '^stat::number_of_executed_units' $(BUILD)/fuzz-$$f.log | awk '{print $$2}') runs, \
$$(grep -oE 'cov: [0-9]+' $(BUILD)/fuzz-$$f.log | tail -1), no crash in $(FUZZ_SECONDS) s"; \
	done

vm:
	$(Q)scripts/uvm-vm build

# make print-VAR: a variable's value (bench/run builds uvm-collect in a
# guest image from COLLECT_SRCS)
print-%:
	@echo $($*)

BATS ?= bats
check: all
	$(Q)scripts/install-deps build test
	$(Q)$(MAKE) --no-print-directory unit
	$(Q)$(MAKE) --no-print-directory fuzz
	$(Q)$(MAKE) --no-print-directory check-host
	$(Q)$(MAKE) --no-print-directory check-guest

check-host: all
	$(Q)LC_ALL=C $(BATS) tests/host

# The guest tests run once per kernel profile (scripts/uvm-vm list);
# UVM_KERNELS="6.1 7.2" narrows the set.  Every test name carries its
# kernel, so that a failure says where.
UVM_KERNELS ?= $(shell scripts/uvm-vm list | awk '{ print $$1 }')
check-guest: all
ifeq ($(UVM_SKIP_GUEST),1)
	@echo "check-guest: SKIPPED by UVM_SKIP_GUEST=1: nothing was traced in a real kernel"
else
	$(Q)rc=0; for k in $(UVM_KERNELS); do \
		scripts/uvm-vm --kernel $$k build || { echo "not ok 1 [$$k] guest image build"; rc=1; continue; }; \
		echo "# guest tests on kernel profile $$k: $$(scripts/uvm-vm --kernel $$k info | sed -n 's/^kernel=//p')"; \
		UVM_KERNEL=$$k LC_ALL=C $(BATS) --timing tests/guest | sed -u "s/^\(not \)*ok [0-9]* /&[$$k] /"; \
		[ $${PIPESTATUS[0]} -eq 0 ] || rc=1; \
	done; exit $$rc
endif

demo: all
	$(Q)scripts/uvm-demo

bench: all
	$(Q)bench/run

# The collector's throughput alone, on this machine (no guest): a table
# for docs/performance.md's "Collector throughput".
bench-collector: all
	$(Q)scripts/install-deps bench
	$(Q)bench/collector

install: all
	install -d $(DESTDIR)$(bindir) $(DESTDIR)$(uvmdir)/tapsets $(DESTDIR)$(uvmdir)/tapsets/stacks $(DESTDIR)$(uvmdir)/scripts \
		$(DESTDIR)$(uvmdir)/runtime $(DESTDIR)$(uvmdir)/examples $(DESTDIR)$(mandir)/man1 \
		$(DESTDIR)$(docdir)
	install -m 755 $(BUILD)/uvm-collect $(DESTDIR)$(bindir)/uvm-collect
	install -m 755 $(BUILD)/uvm-exec $(DESTDIR)$(bindir)/uvm-exec
	install -m 644 tapsets/*.stp $(DESTDIR)$(uvmdir)/tapsets/
	install -m 644 tapsets/stacks/*.stp $(DESTDIR)$(uvmdir)/tapsets/stacks/
	install -m 644 scripts/uvm.stp $(DESTDIR)$(uvmdir)/scripts/
	install -m 644 runtime/*.h runtime/uvm_runtime.stp.in $(DESTDIR)$(uvmdir)/runtime/
	install -m 644 examples/*.stp $(DESTDIR)$(uvmdir)/examples/
	install -m 644 docs/uvm-collect.1 $(DESTDIR)$(mandir)/man1/
	install -m 644 docs/*.md docs/uvm-collect.xsd $(DESTDIR)$(docdir)/

uninstall:
	rm -f $(DESTDIR)$(bindir)/uvm-collect $(DESTDIR)$(bindir)/uvm-exec $(DESTDIR)$(mandir)/man1/uvm-collect.1
	rm -rf $(DESTDIR)$(uvmdir) $(DESTDIR)$(docdir)

clean:
	rm -rf $(BUILD)
