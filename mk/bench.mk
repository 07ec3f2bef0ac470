# The FEFO pick benchmark (docs/benchmarks.md): depot beside SQLite's C API in one run.
# `make bench` compiles ../shared/bench/sqlite_fefo_limit.c (gcc -O2 -lsqlite3; libsqlite3-dev
# comes from scripts/deps/core.apt through `deps`), builds depot-bench in release mode (own
# scratch path, so the debug build is untouched), then scripts/bench/side_by_side.py runs the C
# program with SYNC=NORMAL and FULL and depot-bench with --durability normal and full on the
# same shape (BENCH_ITEMS x BENCH_LOTS lots, 10,000 locations; databases cached in BENCH_DIR) and
# prints one table with the ratios depot/C. A missing ../shared/bench is an error naming the path.
# It is never part of `make test`. `make test` runs only test-bench-smoke: the debug depot-bench
# on a small database for a couple of seconds, so the benchmark cannot rot.
BENCH_SCRATCH ?= .build-release
BENCH_SHARED  ?= ../shared/bench
BENCH_C_SRC   := $(BENCH_SHARED)/sqlite_fefo_limit.c
BENCH_DIR     ?= /tmp/depot-bench
BENCH_ITEMS   ?= 100000
BENCH_LOTS    ?= 10
BENCH_SECONDS ?= 5
BENCH_CLIENTS ?= 1,4,16
BENCH_ARGS    ?=
PYTHON        ?= python3
TEST_SUITES   += test-bench-smoke

.PHONY: bench bench-c test-bench-smoke
bench: deps bench-c
	$(SWIFT) build -c release --scratch-path $(BENCH_SCRATCH) --product depot-bench
	$(PYTHON) scripts/bench/side_by_side.py $(BENCH_DIR)/sqlite_fefo_limit $(BENCH_SCRATCH)/release/depot-bench $(BENCH_DIR) \
	  --items $(BENCH_ITEMS) --lots-per-item $(BENCH_LOTS) --seconds $(BENCH_SECONDS) --clients $(BENCH_CLIENTS) $(BENCH_ARGS)

# The C limit program; fails naming the path when ../shared/bench is not there.
bench-c: deps
	@test -f $(BENCH_C_SRC) || { echo "make bench: $(BENCH_C_SRC) is missing (the C reference lives in $(abspath $(BENCH_SHARED)); check out the shared directory beside this repository)" >&2; exit 1; }
	@mkdir -p $(BENCH_DIR)
	gcc -O2 -o $(BENCH_DIR)/sqlite_fefo_limit $(BENCH_C_SRC) -lsqlite3

test-bench-smoke:
	@scripts/run-suite.sh bench-smoke $(PYTHON) scripts/bench/smoke.py .build/debug/depot-bench
