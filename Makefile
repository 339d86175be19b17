# The project's commands. `make run` and `make test` work on a fresh Debian 12 machine: both
# install what they need first (tools/install-deps.sh, idempotent).
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= 2
CMAKE_FLAGS ?=

.PHONY: all deps configure build run test test-sanitize bench format clean

all: build

deps:
	@tools/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j$(JOBS)

run: build
	$(BUILD_DIR)/bin/allocation serve

# Every test tier, through ctest.
test: build
	@tools/run-tests.sh $(BUILD_DIR)

# The service under load on SQLite and PostgreSQL beside PostgreSQL's own ceiling (pgbench),
# from a release build; prints one table (bench/run.sh, about 8 minutes).
bench: deps
	@cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build build-bench -j$(JOBS) --target allocation
	@bench/run.sh build-bench

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR)

# The whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer, then
# ThreadSanitizer (separate build folders).
test-sanitize: deps
	@cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DALLOCATION_SANITIZE=address >/dev/null
	@cmake --build build-asan -j$(JOBS)
	@tools/run-tests.sh build-asan
	@cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DALLOCATION_SANITIZE=thread >/dev/null
	@cmake --build build-tsan -j$(JOBS)
	@tools/run-tests.sh build-tsan
