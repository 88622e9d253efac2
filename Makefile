# SPDX-License-Identifier: Apache-2.0
# The two commands of the README: `make run` and `make test`. Everything else is a helper.
BUILD      ?= build
BUILD_SAN  ?= build-asan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
ifeq ($(CI),true)
CMAKE_FLAGS += -DDURE_WERROR=ON
endif

.PHONY: all setup build run test test-unit test-pg test-api test-asan fuzz bench clean format

all: build

setup:
	@scripts/setup.sh

build: setup
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@scripts/run.sh $(BUILD)/dure

# Every test once on a normal build, then the whole suite again under ASan+UBSan (both on
# SQLite), then the store and API suites of both builds once more on PostgreSQL 15: a
# throwaway cluster on a free loopback port, started and stopped by scripts/test-pg.sh.
# About 13 minutes from a clean tree on a 2-CPU machine.
test: build
	@scripts/test.sh $(BUILD)
	@cmake -S . -B $(BUILD_SAN) -DCMAKE_BUILD_TYPE=Debug -DDURE_SANITIZE=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD_SAN) -j $(JOBS)
	@scripts/test.sh $(BUILD_SAN)
	@scripts/test-pg.sh $(BUILD)
	@scripts/test-pg.sh $(BUILD_SAN)

test-unit: build
	@cd $(BUILD) && ctest --output-on-failure

# Only the PostgreSQL run of make test.
test-pg: build
	@scripts/test-pg.sh $(BUILD)

fuzz: setup
	@CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DDURE_FUZZ=ON >/dev/null
	@cmake --build build-fuzz -j $(JOBS)
	@scripts/fuzz.sh build-fuzz $(FUZZ_SECONDS)

# Benchmarks against their named peers (see bench/README.md); not part of make test.
bench: build
	@for b in bench/*.sh; do \
		echo "== $$b"; \
		case $$b in *tlog_bench.sh) "$$b" ;; *) "$$b" $(BUILD)/dure ;; esac || exit 1; \
	done

clean:
	rm -rf $(BUILD) $(BUILD_SAN) build-fuzz

format:
	clang-format -i $$(git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'tools/*.c')
