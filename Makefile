# iotsec: the two set-up commands are `make demo` and `make test` (see README.md).
# Each installs what is missing (Debian packages) and builds first.

BUILD   ?= build
JOBS    ?= $(shell nproc)
CMAKE   ?= cmake
CTEST   ?= ctest

.PHONY: all deps deps-test build demo test test-sanitize test-valgrind bench bench-ledger bench-onboard build-bench fuzz clean

all: build

deps:
	@scripts/install-deps.sh build

deps-test:
	@scripts/install-deps.sh test

build: deps-test
	@$(CMAKE) -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@$(CMAKE) --build $(BUILD) -j $(JOBS)

# The ledger tour (scripts/demo.sh), then the zero-touch onboarding scenario (`iotsec demo`).
demo: build
	@scripts/demo.sh $(BUILD)/tools/iotsec/iotsec
	@$(BUILD)/tools/iotsec/iotsec demo

test: build
	@$(CTEST) --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# The same tests under AddressSanitizer and UndefinedBehaviorSanitizer.
test-sanitize: deps-test
	@$(CMAKE) -S . -B $(BUILD)-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DIOTSEC_SANITIZE=address,undefined \
	    -DIOTSEC_BUILD_INTEROP=OFF >/dev/null
	@$(CMAKE) --build $(BUILD)-asan -j $(JOBS)
	@$(CTEST) --test-dir $(BUILD)-asan --output-on-failure -j $(JOBS) -E '^valgrind\.'

# The constant-time known-answer tests under valgrind, secrets marked undefined (STYLE.md 15).
test-valgrind: build
	@$(CTEST) --test-dir $(BUILD) --output-on-failure -R '^valgrind\.'

bench: build-bench
	@bench/run.sh $(BUILD)-bench
	@bench/ledger.sh $(BUILD)-bench
	@bench/onboard.sh $(BUILD)-bench

# The onboarding figures alone (BENCHMARKS.md, "Zero-touch onboarding").
bench-onboard: build-bench
	@bench/onboard.sh $(BUILD)-bench

# The ledger's figures alone (BENCHMARKS.md, "Identity ledger").
bench-ledger: build-bench
	@bench/ledger.sh $(BUILD)-bench

build-bench: deps-test
	@$(CMAKE) -S . -B $(BUILD)-bench -DCMAKE_BUILD_TYPE=Release -DIOTSEC_BUILD_BENCHMARKS=ON \
	    -DIOTSEC_BUILD_TESTS=OFF >/dev/null
	@$(CMAKE) --build $(BUILD)-bench -j $(JOBS)

fuzz: deps-test
	@CC=clang CXX=clang++ $(CMAKE) -S . -B $(BUILD)-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    -DIOTSEC_BUILD_FUZZERS=ON -DIOTSEC_SANITIZE=address,undefined -DIOTSEC_BUILD_TESTS=OFF \
	    -DIOTSEC_BUILD_INTEROP=OFF >/dev/null
	@$(CMAKE) --build $(BUILD)-fuzz -j $(JOBS)

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(BUILD)-bench $(BUILD)-fuzz
