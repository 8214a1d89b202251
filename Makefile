# wasmext's front door. CMake does the building; this file names the build
# layouts and the everyday commands so that nobody has to remember flags.
#
#   make            build (build/, -O2 -g)
#   make run        build, then the daemon on localhost with the example plugins
#   make test       everything CI runs (see docs/building.md)
#   make install    wasmext, its libraries, headers and pkg-config files
#                   into PREFIX (default /usr/local)
#   make help       every target
#
# Build layouts, one directory each so that they never mix:
#   build/          RelWithDebInfo (-O2 -g), computed-goto dispatch
#   build-asan/     -O1 -g, AddressSanitizer + UndefinedBehaviorSanitizer
#   build-switch/   like build/, with switch dispatch (-DWX_SWITCH_DISPATCH=ON)
#                   and the portable SIMD lane loops (-DWX_SIMD_SCALAR=ON)
#   build-fuzz/     clang, libFuzzer targets (-DWX_FUZZ=ON)

ROOT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
JOBS ?= 2
CMAKE ?= cmake
CTEST ?= ctest
CTEST_FLAGS ?= -j$(JOBS) --output-on-failure
# Where `make run` listens.
LISTEN ?= 127.0.0.1:9281
# Arguments for `make demo`, e.g. make demo RUN_ARGS="add 2 3".
RUN_ARGS ?=
# Spec files for `make spec`, e.g. make spec SPEC="i32 br_table" (default:
# both whole suites, the 2.0 and the 3.0 one).
SPEC ?=
# Options for `make bench`, e.g. make bench BENCH_ARGS="--quick fib".
BENCH_ARGS ?=
# Sections of `make bench-framework` (calls bindgen rest ekuiper kuiperd;
# all if empty), e.g. make bench-framework FRAMEWORK_BENCH=rest.
FRAMEWORK_BENCH ?=
# How long `make fuzz` fuzzes, in seconds, and which target: module (the
# engine's decoder), config, values, batch_rows or package
# (tests/fuzz/CMakeLists.txt says what each fuzzes).
FUZZ_SECONDS ?= 600
FUZZ_TARGET ?= module
# Where `make install` installs (bin/, lib/, include/, lib/pkgconfig/).
PREFIX ?= /usr/local
# `make difftest`: modules from the fixed seeds 1..N, plus RANDOM_SEEDS
# modules from random seeds (printed, to run again with differential.py
# --seed).
N ?= 500
RANDOM_SEEDS ?= 0

BUILD_DIR := $(ROOT)/build
ASAN_DIR := $(ROOT)/build-asan
SWITCH_DIR := $(ROOT)/build-switch
FUZZ_DIR := $(ROOT)/build-fuzz

# Every test of a layout except the fuzz smoke test, which has a layout of
# its own: labels unit, spec, e2e and kuiperd (the real eKuiper), and any
# label added later. The switch layout leaves out kuiperd too: its tests
# exercise the eKuiper protocol, not the interpreter's dispatch, and
# build/ and build-asan/ run them already.
CTEST_SELECT := -LE fuzz
SWITCH_SELECT := -LE 'fuzz|kuiperd'

# Sanitizer failures must fail the test with a readable report.
SAN_ENV := ASAN_OPTIONS=abort_on_error=0:detect_leaks=1 \
           UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# The C sources that `make format` touches: ours, not generated ones.
FORMAT_DIRS := src include tests examples bench
FORMAT_FILES = $(shell cd $(ROOT) && find $(FORMAT_DIRS) \
                 \( -name '*.c' -o -name '*.h' \) -type f 2>/dev/null)

# Parallelism is CMake's (-j$(JOBS)); the targets here run one at a time.
.NOTPARALLEL:

.PHONY: all build deps install test check test-asan test-tsan test-switch \
        test-fuzz spec spec3 wat-oracle difftest \
        bench bench-engine bench-framework run demo fuzz build-fuzz-tree \
        clean format format-check help ekuiper

all: build

help:
	@echo "make [build]     build into build/ (-O2 -g)"
	@echo "make run         the daemon on $(LISTEN) with the example plugins"
	@echo "make install     into PREFIX=$(PREFIX): bin/wasmext, lib/libwasmext.so,"
	@echo "                 lib/libwasmext-engine.so, include/, lib/pkgconfig/"
	@echo "make demo        the engine demo: fib(25) from examples/wat/fib.wat"
	@echo "make test        deps + every test: build/, build-asan/,"
	@echo "                 build-switch/, build-fuzz/, then the spec summary"
	@echo "make check       build + the tests of build/ only"
	@echo "make test-asan | test-switch | test-fuzz   one layout's tests"
	@echo "make test-tsan   the threaded tests (vm, framework) under TSan"
	@echo "make spec        both spec suites (2.0 with simd/, 3.0): wasm-2.0, wasm-3.0, total lines"
	@echo "make spec3       the WebAssembly 3.0 suite alone, a line per file"
	@echo "make wat-oracle  the text parser against wasm-tools over the 3.0 files"
	@echo "                 of exceptions, typed references, 64-bit (not in make test)"
	@echo "make difftest    N=$(N) modules from wasm-tools smith, ours vs wasmtime"
	@echo "                 (not in make test; RANDOM_SEEDS=K adds random ones)"
	@echo "make bench       every benchmark: bench-engine, then bench-framework"
	@echo "make bench-engine     the engine vs native, wasm2c, wasm-interp, node"
	@echo "make bench-framework  C API, bindgen, REST and eKuiper call rates,"
	@echo "                 rows/s through the real eKuiper (ours, Python SDK, built-in)"
	@echo "make fuzz        fuzz FUZZ_TARGET=$(FUZZ_TARGET) (module config values"
	@echo "                 batch_rows package) for FUZZ_SECONDS=$(FUZZ_SECONDS) seconds"
	@echo "make deps        install the Debian packages (scripts/deps.sh)"
	@echo "make ekuiper     build the real eKuiper (kuiperd 2.4.0) for the tests"
	@echo "make format      clang-format -i the C sources"
	@echo "make format-check  report sources clang-format would change"
	@echo "make clean       remove the build directories and .cache/guests"

deps:
	@bash $(ROOT)/scripts/deps.sh

# The real eKuiper that tests/ekuiper/real drives: kuiperd built from the Go
# module proxy into build/ekuiper/ (cached; a second run does nothing).
EKUIPER_DIR := $(BUILD_DIR)/ekuiper
ekuiper:
	@bash $(ROOT)/scripts/ekuiper.sh build $(EKUIPER_DIR)

build:
	$(CMAKE) -S $(ROOT) -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    -DWX_KUIPERD_DIR=$(EKUIPER_DIR)
	$(CMAKE) --build $(BUILD_DIR) -j$(JOBS)

# The build of build/, installed into PREFIX: bin/wasmext,
# lib/libwasmext.so and lib/libwasmext-engine.so (with their versioned
# names), include/wasmext.h and include/wasmext/, and the pkg-config files
# lib/pkgconfig/wasmext.pc and wasmext-engine.pc (docs/embedding.md).
install: build
	$(CMAKE) --install $(BUILD_DIR) --prefix $(PREFIX)

# `make test` runs each layout's stage even when an earlier one failed, so
# that one run shows every failure; it fails if any stage failed.
test: deps
	@BUILD_DIR="$(BUILD_DIR)" bash $(ROOT)/scripts/test-all.sh

# The spec/wasm-3.0 test reads the 3.0 suite with wasm-tools: the
# `wasm-tools` target builds it once into the guest cache (minutes, the
# first time) and links it into the build tree.
check: build ekuiper
	$(CMAKE) --build $(BUILD_DIR) --target wasm-tools
	cd $(BUILD_DIR) && $(CTEST) $(CTEST_FLAGS) $(CTEST_SELECT)

# ThreadSanitizer on the tests that run calls from many threads at once
# (the pools, and the manager's calls, hot updates and deletes under load):
# only their targets are built, since the rest of the suite is
# single-threaded and the sanitizer slows everything down.
TSAN_DIR := $(ROOT)/build-tsan
TSAN_TARGETS = $(patsubst $(ROOT)/tests/vm/%.c,vm_%,\
                 $(wildcard $(ROOT)/tests/vm/test_*.c)) \
               $(patsubst $(ROOT)/tests/framework/%.c,framework_%,\
                 $(wildcard $(ROOT)/tests/framework/test_*.c))
test-tsan:
	$(CMAKE) -S $(ROOT) -B $(TSAN_DIR) -DCMAKE_BUILD_TYPE=Debug \
	    -DCMAKE_C_FLAGS_DEBUG="-O1 -g" -DWX_SANITIZE=thread
	$(CMAKE) --build $(TSAN_DIR) -j$(JOBS) --target $(TSAN_TARGETS)
	cd $(TSAN_DIR) && TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	    $(CTEST) $(CTEST_FLAGS) -R '^(vm|framework)/' --no-tests=error

test-asan: ekuiper
	$(CMAKE) -S $(ROOT) -B $(ASAN_DIR) -DCMAKE_BUILD_TYPE=Debug \
	    -DCMAKE_C_FLAGS_DEBUG="-O1 -g" -DWX_SANITIZE=address,undefined \
	    -DWX_KUIPERD_DIR=$(EKUIPER_DIR)
	$(CMAKE) --build $(ASAN_DIR) -j$(JOBS) --target all wasm-tools
	cd $(ASAN_DIR) && $(SAN_ENV) $(CTEST) $(CTEST_FLAGS) $(CTEST_SELECT)

test-switch:
	$(CMAKE) -S $(ROOT) -B $(SWITCH_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    -DWX_SWITCH_DISPATCH=ON -DWX_SIMD_SCALAR=ON
	$(CMAKE) --build $(SWITCH_DIR) -j$(JOBS) --target all wasm-tools
	cd $(SWITCH_DIR) && $(CTEST) $(CTEST_FLAGS) $(SWITCH_SELECT)

# The fuzz smoke tests: tests/fuzz decides how long each fuzzes (the
# engine's decoder 30 s, each of the framework's parsers 15 s);
# --no-tests=error catches a label that matches nothing.
build-fuzz-tree:
	$(CMAKE) -S $(ROOT) -B $(FUZZ_DIR) -DCMAKE_C_COMPILER=clang \
	    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWX_FUZZ=ON \
	    -DWX_FUZZ_SECONDS=$(FUZZ_SECONDS)
	$(CMAKE) --build $(FUZZ_DIR) -j$(JOBS) --target fuzzers wasm-tools

test-fuzz: build-fuzz-tree
	cd $(FUZZ_DIR) && $(SAN_ENV) $(CTEST) $(CTEST_FLAGS) -L fuzz \
	    --no-tests=error

# Without SPEC, both suites, the report issue 15 defines: the 2.0 suite
# with simd/, then the 3.0 suite (wasm-tools builds on first need), one
# line per file, then "wasm-2.0: ...", "wasm-3.0: ..." and "total: N
# passed, M failed, K skipped". With SPEC, those 2.0 files only, e.g. make
# spec SPEC="i32 br_table". (make test runs both whole suites in each
# build layout, tests/spec/CMakeLists.txt, and this summary last.)
spec: build
ifeq ($(strip $(SPEC)),)
	$(CMAKE) --build $(BUILD_DIR) --target wasm-tools
	bash $(ROOT)/tests/spec/run_suites.sh $(BUILD_DIR)
else
	bash $(ROOT)/tests/spec/run_spec.sh $(BUILD_DIR) $(SPEC)
endif

# The WebAssembly 3.0 suite (the spec folder's wasm-3.0/), converted with
# wasm-tools json-from-wast: one line per file, then "wasm-3.0: N passed,
# M failed, K skipped". The report of the suite alone: it
# fails only when it cannot run (status 2), not for failed commands. The
# first run builds wasm-tools into the guest cache (cmake/wasm_tools.cmake,
# minutes). SPEC names files here too, legacy/ and custom/ ones included,
# e.g. make spec3 SPEC="i31 legacy/throw".
spec3: build
	$(CMAKE) --build $(BUILD_DIR) --target wasm-tools
	@bash $(ROOT)/tests/spec/run_spec.sh -s wasm-3.0 $(BUILD_DIR) $(SPEC); \
	    [ $$? -le 1 ]

# The text parser's oracle over the 3.0 files of the features that
# wast2json 1.0.32 cannot read (tests/spec/wat_compare.sh converting with
# wasm-tools; legacy/ with wast2json): "wat: N modules, B byte-equal, E
# equal once normalized, F differ". A report, like spec3 (elem segments
# that wasm-tools encodes in another form than wabt are compared in one
# form: see docs/design.md "The text format"); the GC files are in the
# list too. SPEC replaces the list.
WAT_ORACLE_FILES := tag throw throw_ref try_table legacy/rethrow \
    legacy/throw legacy/try_catch legacy/try_delegate call_ref \
    return_call_ref ref_as_non_null br_on_null br_on_non_null local_init \
    ref ref_is_null ref_null ref_func func select table br_table br_if \
    local_tee unreached-valid elem global linking imports exports instance \
    table-sub address64 align64 memory64 memory64-imports table64 \
    table_copy64 table_fill64 table_get64 table_grow64 table_init64 \
    table_set64 table_size64 call_indirect64 bulk64 load64 memory_copy64 \
    memory_fill64 memory_grow64 memory_init64 memory_trap64 \
    memory_redundancy64 float_memory64 endianness64 binary_leb128_64 \
    struct array array_copy array_fill array_init_data array_init_elem \
    array_new_data array_new_elem i31 extern ref_eq ref_test ref_cast \
    br_on_cast br_on_cast_fail type-canon type-equivalence type-rec \
    type-subtyping table_init memory annotations align \
    call_indirect
wat-oracle: build
	$(CMAKE) --build $(BUILD_DIR) --target wasm-tools wx-wat-compare
	@WX_WAT_CONVERTER=wasm-tools bash $(ROOT)/tests/spec/wat_compare.sh \
	    -s wasm-3.0 $(BUILD_DIR) $(or $(SPEC),$(WAT_ORACLE_FILES)); \
	    [ $$? -le 1 ]

# The differential test against wasmtime (tests/fuzz/differential.py):
# N modules from `wasm-tools smith` with the features our engine has, run
# by both engines, every call's outcome and the state left compared. Ends
# with "difftest: N modules, C calls, D disagreements, I inconclusive";
# each disagreeing module and both outputs go to build/difftest/seed-<n>/.
# Not part of `make test`: the first run builds wasm-tools into the guest
# cache (minutes of cargo) and installs wasmtime from PyPI into a venv;
# it builds only the two targets it needs, not all of build/.
difftest:
	$(CMAKE) -S $(ROOT) -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    -DWX_KUIPERD_DIR=$(EKUIPER_DIR)
	$(CMAKE) --build $(BUILD_DIR) -j$(JOBS) --target diff_run wasm-tools
	python3 $(ROOT)/tests/fuzz/differential.py --build-dir $(BUILD_DIR) \
	    -n $(N) --random $(RANDOM_SEEDS) -j $(JOBS)

# bench/README.md describes the options and what they print: the engine
# against native, wasm2c, wasm-interp and node; then the framework (calls
# through the C API, bindgen strings, REST, eKuiper Exec); then a fleet of
# three daemons on one Redis (bench/fleet.py). Each part runs even if one
# before it failed; the status is the worst of them.
bench: build ekuiper
	@cd $(ROOT) && rc=0; \
	sh bench/run.sh --build-dir $(BUILD_DIR) $(BENCH_ARGS) || rc=1; \
	sh bench/framework.sh $(filter --quick,$(BENCH_ARGS)) $(BUILD_DIR) \
	    $(FRAMEWORK_BENCH) || rc=1; \
	python3 bench/fleet.py $(filter --quick,$(BENCH_ARGS)) --build-dir $(BUILD_DIR) || rc=1; \
	python3 bench/extism.py $(filter --quick,$(BENCH_ARGS)) --build-dir $(BUILD_DIR) || rc=1; \
	exit $$rc

bench-engine: build
	cd $(ROOT) && sh bench/run.sh --build-dir $(BUILD_DIR) $(BENCH_ARGS)

# FRAMEWORK_BENCH: sections (calls batch bindgen rest restbatch ekuiper
# kuiperd), default all.
bench-framework: build ekuiper
	cd $(ROOT) && sh bench/framework.sh $(filter --quick,$(BENCH_ARGS)) \
	    $(BUILD_DIR) $(FRAMEWORK_BENCH)

# Like `make test`, `make run` works on a fresh machine: deps first. Its
# output is the daemon's address and the curl lines to try: the packages
# check says nothing when everything is installed, and the builds (this
# Makefile's `build`, then the example plugins) go to
# build/run-build.log, shown only when they fail (scripts/quietly.sh).
run:
	@bash $(ROOT)/scripts/deps.sh --quiet
	@rm -f $(BUILD_DIR)/run-build.log
	@bash $(ROOT)/scripts/quietly.sh $(BUILD_DIR)/run-build.log \
	    "build $(BUILD_DIR)" $(MAKE) --no-print-directory -C $(ROOT) build
	@bash $(ROOT)/scripts/run.sh $(BUILD_DIR) $(LISTEN)

# The engine demo (examples/demo.c): fib(25) from examples/wat/fib.wat, or
# the call given, e.g. make demo RUN_ARGS="add 2 3".
demo: build
	$(BUILD_DIR)/examples/demo $(BUILD_DIR)/examples/fib.wasm $(RUN_ARGS)

# A longer fuzzing session than the smoke test (tests/fuzz's
# fuzz_long_<FUZZ_TARGET> target): FUZZ_SECONDS, with a corpus in
# build-fuzz/fuzz-long/ (the module) or build-fuzz/fuzz-long-<target>/
# that grows from one session to the next, crashes in its artifacts/.
fuzz: build-fuzz-tree
	$(CMAKE) --build $(FUZZ_DIR) --target fuzz_long_$(FUZZ_TARGET)

# The guest cache (docs/building.md) goes too: its next build fetches again.
clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(SWITCH_DIR) $(FUZZ_DIR) $(TSAN_DIR) \
	    $(ROOT)/.cache/guests

format:
	cd $(ROOT) && clang-format -i $(FORMAT_FILES)

# Lists the files that `make format` would change, and fails if there are.
format-check:
	@cd $(ROOT) && status=0; for f in $(FORMAT_FILES); do \
	    clang-format --dry-run -Werror "$$f" >/dev/null 2>&1 || \
	    { echo "$$f"; status=1; }; done; exit $$status
