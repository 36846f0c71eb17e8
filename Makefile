# racelab - the front door. `make help` lists the targets.
#
# It configures and builds through CMake into build/ (programs in build/bin/).
# CMake builds a project with one C compiler: clang when present, because the
# lab-*-tsan programs need it; otherwise cc, without the -tsan programs.
# Warnings: shown here, fatal only through the one switch, CMake's
# RACELAB_WERROR (the CI jobs in Makefile.ci set it: make CMAKE_ARGS=-DRACELAB_WERROR=ON).

BUILD      ?= build
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
RACELAB_CC ?= $(shell command -v clang 2>/dev/null || command -v cc 2>/dev/null || echo cc)
CMAKE_ARGS ?=
ARGS       ?=

.PHONY: all build configure help test bench report clean seed-python

all: build

help:
	@echo "racelab - race conditions made visible, fixed and measured"
	@echo ""
	@echo "  make lab-counter   two threads x 100000 unsynchronized increments, then the fixes"
	@echo "                     (pass options with ARGS=\"--variant all --workers 4\")"
	@echo "  make lab-queue     producers and consumers through racy and fixed queues, and ABA"
	@echo "  make lab-NAME      any lab in labs/NAME (ARGS=\"--list\" shows its variants)"
	@echo "  make seed-python   the seed's Python counter (156432?) with this machine's python3,"
	@echo "                     beside lab-counter --model gil (notes/gil.md)"
	@echo "  make test          install missing Debian packages (as root), build, run every test"
	@echo "  make bench         the cost lab: every lock and counter at 1, 2, 4, 8 workers beside"
	@echo "                     glibc, Concurrency Kit and libatomic_ops (bench-counter), switch"
	@echo "                     costs (bench-switch), queue throughput (bench-queue),"
	@echo "                     readers-writer locks by read ratio (bench-rwlock)"
	@echo "  make report        every lab variant under native, TSan, Helgrind and DRD:"
	@echo "                     verdict table, JSON, CSV and plots in results/ (racelab report)"
	@echo "  make               build everything into $(BUILD)/bin"
	@echo "  make clean         remove $(BUILD)/"
	@echo "  make install       PREFIX=DIR (default /usr/local): racelab, labs, libracelab_sync, pkg-config, CMake package"
	@echo ""
	@echo "  programs: $(BUILD)/bin/lab-counter [--help], $(BUILD)/bin/lab-counter-tsan (ThreadSanitizer),"
	@echo "            $(BUILD)/bin/lab-queue, $(BUILD)/bin/racelab [--help], $(BUILD)/bin/bench-*"
	@echo "  CI jobs:  make -f Makefile.ci help"

# Reconfigure from scratch when the compiler changed (e.g. clang was installed
# after a first build with cc): CMake cannot switch compilers in place.
configure:
	@command -v cmake >/dev/null 2>&1 || scripts/deps.sh lab
	@if [ -f $(BUILD)/.racelab-cc ] && [ "$$(cat $(BUILD)/.racelab-cc)" != "$(RACELAB_CC)" ]; then \
	    echo "racelab: compiler changed to $(RACELAB_CC): reconfiguring $(BUILD)/"; rm -rf $(BUILD); fi
	@mkdir -p $(BUILD)
	@echo "$(RACELAB_CC)" > $(BUILD)/.racelab-cc
	@if ! cmake -S . -B $(BUILD) -DCMAKE_C_COMPILER=$(RACELAB_CC) $(CMAKE_ARGS) > $(BUILD)/configure.log 2>&1; then \
	    cat $(BUILD)/configure.log; echo "racelab: configuring failed (log: $(BUILD)/configure.log)"; exit 1; fi
	@sed -n 's/^-- \(racelab: .*\)/\1/p' $(BUILD)/configure.log

build: configure
	@echo "racelab: building with $(notdir $(RACELAB_CC)) into $(BUILD)/ (log: $(BUILD)/build.log)"
	@if ! cmake --build $(BUILD) -j $(JOBS) > $(BUILD)/build.log 2>&1; then \
	    grep -B2 -A6 'error\|Error' $(BUILD)/build.log | head -60; echo "racelab: build failed (log: $(BUILD)/build.log)"; exit 1; fi
	@grep -m5 'warning:' $(BUILD)/build.log || true

# make lab-NAME runs the lab program build/bin/lab-NAME (every lab, present
# and future: labs/NAME/ with racelab_add_lab(NAME ...)).
lab-%: build
	@if [ ! -x $(BUILD)/bin/lab-$* ]; then \
	    echo "racelab: no lab '$*' (labs: $$(cd $(BUILD)/bin && ls lab-* | grep -v -e '-tsan$$' -e '-explore$$' | sed 's/^lab-//' | tr '\n' ' '))"; exit 2; fi
	@echo ""
	@$(BUILD)/bin/lab-$* $(ARGS)

# Each bench program present (the queue bench needs nothing optional; the
# baselines inside each are skipped, said once, when their package is absent).
bench: build
	@$(BUILD)/bin/bench-counter $(ARGS)
	@echo ""
	@$(BUILD)/bin/bench-switch
	@if [ -x $(BUILD)/bin/bench-queue ]; then echo ""; $(BUILD)/bin/bench-queue; fi
	@if [ -x $(BUILD)/bin/bench-rwlock ]; then echo ""; $(BUILD)/bin/bench-rwlock; fi

report: build
	@if [ ! -x $(BUILD)/bin/racelab ]; then \
	    echo "racelab: the harness needs jansson: apt-get install libjansson-dev, then make report"; exit 1; fi
	@$(BUILD)/bin/racelab report $(if $(ARGS),$(ARGS),results)

test:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory -f Makefile.ci ci

# The seed's Python counter beside the gil model (notes/gil.md).
seed-python: build
	@scripts/seed_python.sh $(BUILD)/bin

clean:
	rm -rf $(BUILD)

# make install PREFIX=DIR (issue 14): racelab and the lab and bench programs
# beside it, libracelab_sync with its headers, racelab.pc, the CMake package.
PREFIX ?= /usr/local
.PHONY: install
install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

# make exercise [ARGS='NAME | list | hint NAME | reset --yes'] (issue 18): the
# next unsolved interview-prep exercise (labs/exercises/), checked by the explorer.
.PHONY: exercise
exercise: build
	@$(BUILD)/bin/racelab exercise $(ARGS)
