/* tests/c/run_tests: runs every TEST in the linked test files (collected
 * in the "jit_tests" section) inside an initialised CPython, and prints
 * "N passed, N failed". Exit status 1 when any failed. */
#include <Python.h>
#include <string.h>
#include "test.h"

extern const test_case __start_jit_tests[], __stop_jit_tests[];

int main(int argc, char **argv)
{
    Py_InitializeEx(0);
    int passed = 0, failed = 0;
    for (const test_case *t = __start_jit_tests; t < __stop_jit_tests; t++) {
        if (argc > 1 && strstr(t->name, argv[1]) == NULL)
            continue;
        int f = 0;
        t->fn(&f);
        if (PyErr_Occurred()) {
            PyErr_Print();
            f = 1;
        }
        printf("%s %s\n", f ? "FAIL" : "ok  ", t->name);
        if (f)
            failed++;
        else
            passed++;
    }
    printf("%d passed, %d failed\n", passed, failed);
    Py_FinalizeEx();
    return failed != 0;
}
