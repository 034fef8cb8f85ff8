# Two commands do all the set-up on Debian bookworm:
#   make demo   installs what is missing, builds what the demo runs, and runs classflow on examples/data/digits
#   make test   installs what is missing, builds, and runs every test (ctest)
.PHONY: deps test-deps build demo test test-asan test-tsan fuzz bench clean

deps:
	@scripts/install-deps

build: deps
	@cmake --preset default >/dev/null
	@cmake --build --preset default

# Only the targets the demo runs (classflow_demo: CLI, core, plugins, Python package), not the
# tests and bench tools that `make build` adds.
demo: deps
	@cmake --preset default >/dev/null
	@cmake --build --preset default --target classflow_demo
	@scripts/demo

test-deps:
	@scripts/install-deps scripts/debian-packages-test.txt

test: test-deps build
	@ctest --preset default

# The same suite built with -fsanitize=address,undefined (one CI configuration).
test-asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan
	@ctest --preset asan

test-tsan: deps
	@cmake --preset tsan >/dev/null
	@cmake --build --preset tsan --target classflow_tsan_tests
	@ctest --preset tsan -L tsan

# libFuzzer targets (clang, ASan + UBSan): build, replay every seed and saved crash, then fuzz
# each for FUZZ_SECONDS (60), three at a time (FUZZ_JOBS).
FUZZ_SECONDS ?= 60
fuzz: test-deps
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz
	@ctest --preset fuzz
	@scripts/fuzz $(FUZZ_SECONDS)

# Throughput and memory against the libjpeg-turbo bound and torchvision (bench/README.md).
bench: deps
	@bench/run

clean:
	rm -rf build build-asan build-tsan build-fuzz
