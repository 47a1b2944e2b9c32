/* tests/c: a minimal unit-test harness. Each test file defines functions
 * with TEST(name); the runner calls them all and ends with the line
 * "N passed, N failed". */
#ifndef JIT_TEST_H
#define JIT_TEST_H

#include <stdio.h>

typedef void (*test_fn)(int *failed);
typedef struct { const char *name; test_fn fn; } test_case;

#define TEST(name)                                                    \
    static void name(int *failed_);                                   \
    static const test_case name##_case                                \
        __attribute__((used, section("jit_tests"), aligned(16))) = {#name, name}; \
    static void name(int *failed_)

#define CHECK(cond)                                                           \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "  %s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            *failed_ = 1;                                                     \
        }                                                                     \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                    \
    do {                                                                      \
        long long a_ = (long long)(a), b_ = (long long)(b);                   \
        if (a_ != b_) {                                                       \
            fprintf(stderr, "  %s:%d: %s == %lld, expected %lld\n", __FILE__, \
                    __LINE__, #a, a_, b_);                                    \
            *failed_ = 1;                                                     \
        }                                                                     \
    } while (0)

#endif
