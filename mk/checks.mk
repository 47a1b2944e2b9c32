# Reference-leak and sanitizer checks, included from the main Makefile
# (uses its PYTHON, CC, EXT_SUFFIX, OPT and `build` rule).
#
#   make test-refleak  the extension built for Debian's python3.11-dbg
#                      (Py_DEBUG: refcount totals, C asserts inside CPython),
#                      tools/refleak.py, the behaviour/evaluator tests and a
#                      fuzz batch all under that interpreter.
#   make test-asan     the extension and the C unit tests built with ASan and
#                      UBSan into build/asan/ (src/ is left alone), then the
#                      C unit tests, tests/py and a fuzz batch against it.

PYTHON_DBG ?= /usr/bin/python3.11-dbg
REFLEAK_ARGS ?=
REFLEAK_PYTESTS ?= tests/py/test_behaviour.py tests/py/test_exceptions_own.py tests/py/test_evaluator.py tests/py/test_inline_calls.py \
	tests/py/test_inlining.py tests/py/test_function_traces.py tests/py/test_nested_loops.py
# Passed to tools/fuzz/run.py (when it exists) by both targets.
FUZZ_ARGS ?=
# CPython's own leak hunt (regrtest -R 3:3) under the JIT: about 3 minutes.
REFLEAK_CPYTHON_TESTS ?= test_grammar test_int test_float test_list test_tuple test_iter \
	test_raise test_exception_group test_scope test_class test_with test_contextlib \
	test_builtin test_generators test_frame test_sys_setprofile test_exceptions test_dict \
	test_set test_descr

SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
ASAN_DIR := $(CURDIR)/build/asan
ASAN_LOGS := $(ASAN_DIR)/logs
# python3 is not built with ASan, so its runtime must be loaded before
# anything else. detect_leaks=0: CPython deliberately never frees much of what
# it allocates (interned strings, static types, module state at exit), which
# LeakSanitizer would report by the thousand; leaks are test-refleak's job.
# allocator_may_return_null=1: a huge request returns NULL (MemoryError, the
# out-of-memory unit tests) instead of aborting.
# PYTHONMALLOC=malloc sends every object allocation through ASan's malloc, so
# that a use of a freed object (a missing incref) is reported where it happens.
# Reports go to files in $(ASAN_LOGS) (not stderr, which the tests compare).
ASAN_ENV = LD_PRELOAD=$$($(CC) -print-file-name=libasan.so) \
	ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1:abort_on_error=1:log_path=$(ASAN_LOGS)/asan \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$(ASAN_LOGS)/ubsan \
	PYTHONMALLOC=malloc PYTHONPATH=$(ASAN_DIR) PYPYJIT_SRC=$(ASAN_DIR)

.PHONY: build-dbg test-refleak test-refleak-cpython build-asan test-asan clean-checks

build-dbg:
	$(MAKE) build PYTHON=$(PYTHON_DBG)

test-refleak: DEPS_EXTRA = python3.11-dbg python3.11-dev
test-refleak: deps build-dbg
	$(PYTHON_DBG) tools/refleak.py $(REFLEAK_ARGS)
	$(PYTHON_DBG) -m pytest -q $(REFLEAK_PYTESTS)
	@if [ ! -f tools/fuzz/run.py ]; then echo "fuzz: skipped, no tools/fuzz/run.py"; \
	elif ! grep -q -e '--python' tools/fuzz/run.py; then \
	  echo "fuzz: skipped, tools/fuzz/run.py has no --python option"; \
	else set -x; $(PYTHON_DBG) tools/fuzz/run.py --python $(PYTHON_DBG) $(FUZZ_ARGS); fi

test-refleak-cpython: DEPS_EXTRA = libpython3.11-testsuite
test-refleak-cpython: deps build-dbg
	$(PYTHON_DBG) tools/refleak.py --regrtest $(REFLEAK_CPYTHON_TESTS)

# The package's Python files are linked, not copied, so edits show up at once.
build-asan:
	mkdir -p $(ASAN_DIR)/pypyjit
	find $(ASAN_DIR)/pypyjit -xtype l -delete
	ln -sf $(CURDIR)/src/pypyjit/*.py $(ASAN_DIR)/pypyjit/
	$(MAKE) build EXT=$(ASAN_DIR)/pypyjit/_pypyjit$(EXT_SUFFIX) OPT=-O1 \
		EXTRA_CFLAGS="$(SAN_FLAGS)" EXTRA_LDFLAGS="$(SAN_FLAGS)"

# The C unit-test runner is built in tests/c (its Makefile has one output
# name) and moved away, so the next plain `make test-c` rebuilds its own.
test-asan: build-asan
	rm -rf $(ASAN_LOGS) $(ASAN_DIR)/probe && mkdir -p $(ASAN_LOGS) $(ASAN_DIR)/probe
	@# The harness must be able to fail: a heap overflow seen by ASan's memmove
	@# interceptor has to leave a report file.
	@($(ASAN_ENV) ASAN_OPTIONS=log_path=$(ASAN_DIR)/probe/asan $(PYTHON) -c 'import ctypes as c; \
		p = c.CDLL(None).malloc; p.restype = c.c_void_p; c.memmove(c.create_string_buffer(16), p(8), 16)') \
		2>/dev/null; grep -q heap-buffer-overflow $(ASAN_DIR)/probe/* \
		&& echo "asan probe: a planted overflow is reported" || { echo "asan probe: no report"; exit 1; }
	$(MAKE) -B -C tests/c run_tests PYTHON=$(PYTHON) CC=$(CC) \
		EXTRA_CFLAGS="$(SAN_FLAGS)" EXTRA_LDFLAGS="$(SAN_FLAGS)"
	mv tests/c/run_tests $(ASAN_DIR)/run_tests_c
	cd tests/c && $(ASAN_ENV) $(ASAN_DIR)/run_tests_c
	$(ASAN_ENV) $(PYTHON) -c 'import pypyjit._pypyjit as m; assert m.__file__.startswith("$(ASAN_DIR)/"), m.__file__'
	$(ASAN_ENV) $(PYTHON) -m pytest -q tests/py || { cat $(ASAN_LOGS)/* 2>/dev/null; exit 1; }
	@if [ ! -f tools/fuzz/run.py ]; then echo "fuzz: skipped, no tools/fuzz/run.py"; \
	elif ! grep -q PYPYJIT_SRC tools/fuzz/run.py; then \
	  echo "fuzz: skipped, tools/fuzz/run.py ignores PYPYJIT_SRC (it would test src/, not $(ASAN_DIR))"; \
	else set -x; $(ASAN_ENV) $(PYTHON) tools/fuzz/run.py $(FUZZ_ARGS); fi
	@# Only errors count: the log files also get warnings such as "failed to
	@# allocate" for the NULL returns asked for above.
	@if grep -q -E 'ERROR: |runtime error' $(ASAN_LOGS)/* 2>/dev/null; then \
	  cat $(ASAN_LOGS)/*; echo "sanitizer reports above"; exit 1; fi
	@echo "test-asan: no sanitizer reports"

# `make clean` removes the sanitized build too.
clean: clean-checks
clean-checks:
	rm -rf $(ASAN_DIR)
