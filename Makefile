# Development build: compiles the extension in place into src/pypyjit/, runs
# the demo, the tests and the measurement targets. PYTHON selects another
# CPython 3.11 build (default: Debian's python3).
PYTHON ?= /usr/bin/python3
CC ?= gcc

PYINFO := $(shell $(PYTHON) -c 'import sysconfig as s; print(s.get_config_var("EXT_SUFFIX"), s.get_paths()["include"], s.get_config_var("Py_DEBUG") or 0)')
EXT_SUFFIX := $(word 1,$(PYINFO))
PY_INCLUDE := $(word 2,$(PYINFO))
# With -isystem, gcc resolves python3.11d's symlinked headers to the release
# pyconfig.h, losing Py_DEBUG: state it explicitly for a debug interpreter.
PY_DEBUG_FLAG := $(if $(filter 1,$(word 3,$(PYINFO))),-DPy_DEBUG)

EXT := src/pypyjit/_pypyjit$(EXT_SUFFIX)
JIT_SRCS := $(sort $(wildcard src/jit/*/*.c src/jit/*/*/*.c))
JIT_HDRS := $(sort $(wildcard src/jit/*/*.h src/jit/*/*.def src/jit/*/*/*.h src/jit/*/*/*.def))

# gnu11: C11 plus computed goto and designated ranges, used by the interpreter's dispatch table.
WARN := -Wall -Wextra -Werror -Wno-missing-field-initializers
BASE_CFLAGS := -std=gnu11 -fPIC -fvisibility=hidden -g $(WARN) -isystem $(PY_INCLUDE) -isystem $(PY_INCLUDE)/internal $(PY_DEBUG_FLAG)
OPT ?= -O2
CFLAGS_ALL := $(BASE_CFLAGS) $(OPT) $(EXTRA_CFLAGS)
LDFLAGS_ALL := -shared $(EXTRA_LDFLAGS) -lm

export PYTHONPATH := $(CURDIR)/src$(if $(PYTHONPATH),:$(PYTHONPATH))

.PHONY: all build run test test-c test-py test-cpython test-cpython-quick deps clean bench fuzz ci

all: build
build: $(EXT)

$(EXT): $(JIT_SRCS) $(JIT_HDRS) Makefile
	$(CC) $(CFLAGS_ALL) -o $@ $(JIT_SRCS) $(LDFLAGS_ALL)

# Installs what is missing (as root) or prints the apt-get line.
deps:
	@sh tools/deps.sh $(DEPS_EXTRA)

run: deps build
	$(PYTHON) demo/demo.py

test: DEPS_EXTRA = libpython3.11-testsuite
test: deps build test-c test-py test-cpython-quick

test-c:
	$(MAKE) -C tests/c PYTHON=$(PYTHON) CC=$(CC)

test-py: build
	$(PYTHON) -m pytest -q tests/py

# CPython's own regression tests under the JIT against plain CPython.
test-cpython: DEPS_EXTRA = libpython3.11-testsuite
test-cpython: deps build
	$(PYTHON) tools/cpython_tests.py $(CPYTHON_TESTS_ARGS)

test-cpython-quick: build
	$(PYTHON) tools/cpython_tests.py --quick

# What CI runs: every test, CPython's listed regression modules in full,
# the reference-leak and sanitizer builds, and a fuzz batch.
ci: test test-cpython test-refleak test-asan fuzz

# The application benchmarks (bench/programs/app_*.py) run these packages' code.
BENCH_DEPS := python3-yaml python3-pyflakes python3-pygments python3-docutils \
	python3-jinja2 python3-chardet
bench: DEPS_EXTRA = $(BENCH_DEPS)
bench: deps build
	$(PYTHON) bench/run.py --markdown docs/benchmarks.md

# Differential fuzzing, JIT vs plain CPython: make fuzz N=1000 SEED=0
N ?= 200
SEED ?= 0
fuzz: build
	$(PYTHON) tools/fuzz/run.py --count $(N) --seed $(SEED)

clean:
	rm -f src/pypyjit/_pypyjit*.so
	$(MAKE) -C tests/c clean

# Reference-leak and sanitizer checks (make test-refleak, test-asan).
include mk/checks.mk
