/* tests/c/test_opt.h: the checker shared by the optimiser tests
 * (defined in test_opt_rewrite.c). CHECK_OPT(pass, input, expected) runs
 * one pass (or opt_run with a mask: CHECK_RUN) on the parsed input and
 * checks that the output verifies, equals expected up to renaming, and
 * that the input was left as it was. */
#ifndef JIT_TEST_OPT_H
#define JIT_TEST_OPT_H

#include "../../src/jit/opt/opt.h"
#include "test.h"

typedef int (*opt_pass_fn)(const ir_trace *, ir_trace **, const opt_ctx *);

void check_opt_(int *failed_, int line, opt_pass_fn pass, unsigned mask, const char *input,
                const char *expected, opt_stats *stats);

#define CHECK_OPT(pass, input, expected) check_opt_(failed_, __LINE__, (pass), OPT_ALL, (input), (expected), NULL)
#define CHECK_OPT_STATS(pass, input, expected, st) \
    check_opt_(failed_, __LINE__, (pass), OPT_ALL, (input), (expected), (st))
#define CHECK_RUN(mask, input, expected, st) check_opt_(failed_, __LINE__, NULL, (mask), (input), (expected), (st))

#endif
