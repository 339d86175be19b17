# The project's commands. `make run` and `make test` work on a fresh Debian 12 machine: both
# install what they need first (tools/install-deps.sh, idempotent).
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= 2
CMAKE_FLAGS ?=

.PHONY: all deps configure build fuzzers run test test-sanitize torture bench format clean

all: build

deps:
	@tools/install-deps.sh

FUZZ_DIR ?= build-fuzz
# Each fuzzer's time in `make test`: 11 of them at ctest -j2 take about two minutes. Session 30
# had cut them to 10 s for CI's 45 minutes; the unity build gave the time back
# (docs/performance.md). tools/run-fuzzer.sh runs one for longer.
FUZZ_SECONDS ?= 20

configure: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) \
	  -DALLOCATION_FUZZERS_DIR=$(CURDIR)/$(FUZZ_DIR)/bin -DALLOCATION_FUZZ_SECONDS=$(FUZZ_SECONDS) \
	  $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j$(JOBS)

run: build
	$(BUILD_DIR)/bin/allocation serve

# The libFuzzer targets (listed in fuzz/targets.cmake): a clang build of the decoders alone,
# with ASan and UBSan.
fuzzers: deps
	@cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_COMPILER=clang++ -DALLOCATION_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null
	@cmake --build $(FUZZ_DIR) -j$(JOBS) --target fuzzers

# Every test tier through ctest, the fuzzers for FUZZ_SECONDS each among them.
test: build fuzzers
	@tools/run-tests.sh $(BUILD_DIR)

# The randomized fault run (tests/fault_run) for SECONDS on SQLite, then on PostgreSQL, with a
# SEED of its own or one drawn from the time (printed).
SECONDS ?= 600
SEED ?=
torture: build
	@tools/torture.sh $(BUILD_DIR) $(SECONDS) $(SEED)

# The service under load on SQLite and PostgreSQL beside PostgreSQL's own ceiling (pgbench),
# from a release build; prints one table (bench/run.sh, about 14 minutes), then the outbox
# relay's rate beside the allocation rate for each broker (bench/broker.sh, about 6 minutes).
bench: deps
	@cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build build-bench -j$(JOBS) --target allocation backorders holds
	@bench/run.sh build-bench
	@bench/broker.sh build-bench

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR) $(FUZZ_DIR) build-address build-thread build-bench build-ab

# The unit and integration tests again under AddressSanitizer + UndefinedBehaviorSanitizer,
# then ThreadSanitizer (separate build folders). SANITIZE_LABELS='' runs every tier.
SANITIZE_LABELS ?= unit|integration
SANITIZE_TARGETS ?= domain_test service_layer_test entrypoints_test adapters_test sql_adapters_test \
  smtp_notifications_test postgresql_outage_test redis_connection_test amqp_broker_test \
  redis_streams_test sqlite_power_loss_test
# TSan leaves out the domain's tests: they start no thread, and the domain shares nothing
# between units of work, so TSan has nothing to check there. That saves CI's 45 minutes about
# 25 s of compiling (docs/performance.md).
SANITIZE_TARGETS_address ?= $(SANITIZE_TARGETS)
SANITIZE_TARGETS_thread ?= $(filter-out domain_test,$(SANITIZE_TARGETS))
# The power loss test's children run under the sanitizer too: a power failure at every 8th event.
test-sanitize: export ALLOCATION_POWER_LOSS_EVERY = 8
# Races TSan reports inside Debian's uninstrumented libraries (tools/tsan.supp says which, and why).
# TSan waits a second at every exit, _exit too, for late reports; the power loss test's ~100
# children would wait 100 s.
test-sanitize: export TSAN_OPTIONS = suppressions=$(CURDIR)/tools/tsan.supp:atexit_sleep_ms=0
test-sanitize: deps
	@for sanitizer in address thread; do \
	  if [ $$sanitizer = address ]; then targets="$(SANITIZE_TARGETS_address)"; \
	  else targets="$(SANITIZE_TARGETS_thread)"; fi; \
	  cmake -S . -B build-$$sanitizer -G Ninja -DCMAKE_BUILD_TYPE=Debug \
	    -DALLOCATION_SANITIZE=$$sanitizer >/dev/null && \
	  cmake --build build-$$sanitizer -j$(JOBS) $(if $(SANITIZE_LABELS),--target $$targets) && \
	  tools/run-tests.sh build-$$sanitizer $(if $(SANITIZE_LABELS),-L '$(SANITIZE_LABELS)') || exit 1; \
	done
