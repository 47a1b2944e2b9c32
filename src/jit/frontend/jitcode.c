/* frontend/jitcode: building and freeing the per-code JIT record. */
#include "jitcode.h"
#include <stdlib.h>
#include <string.h>

/* co_extra index, requested once per process: CPython never releases
 * them, so this is set once at module init and read-only after. */
Py_ssize_t fe_co_extra_index = -1;

static void jitcode_free(void *p)
{
    fe_jitcode *jc = p;
    if (jc == NULL)
        return;
    rt_cellset_free(&jc->cells);
    free(jc->insns);
    free(jc->edge_cell);
    free(jc->gcache);
    free(jc);
}

int fe_jitcode_init(void)
{
    if (fe_co_extra_index >= 0)
        return 0;
    fe_co_extra_index = _PyEval_RequestCodeExtraIndex(jitcode_free);
    if (fe_co_extra_index < 0) {
        PyErr_SetString(PyExc_RuntimeError, "pypyjit: no co_extra index left");
        return -1;
    }
    return 0;
}

uint64_t fe_greenkey_hash(PyCodeObject *co, int offset, bool profiled)
{
    uint64_t h = (uint64_t)(uintptr_t)co * 0x9E3779B97F4A7C15ull;
    return h ^ ((uint64_t)offset * 0xC2B2AE3D27D4EB4Full) ^ (uint64_t)profiled;
}

static bool is_backward_jump(int op)
{
    return op == JUMP_BACKWARD || op == POP_JUMP_BACKWARD_IF_FALSE ||
           op == POP_JUMP_BACKWARD_IF_TRUE || op == POP_JUMP_BACKWARD_IF_NONE ||
           op == POP_JUMP_BACKWARD_IF_NOT_NONE;
}

static fe_jitcode *jitcode_build(PyCodeObject *co)
{
    fe_jitcode *jc = calloc(1, sizeof *jc);
    if (jc == NULL)
        return (fe_jitcode *)PyErr_NoMemory();
    jc->code = co;
    PyObject *bytes = PyCode_GetCode(co);
    if (bytes == NULL) {
        free(jc);
        return NULL;
    }
    Py_ssize_t n = PyBytes_GET_SIZE(bytes) / (Py_ssize_t)sizeof(_Py_CODEUNIT);
    jc->ncodeunits = n;
    jc->insns = malloc((size_t)n * sizeof(_Py_CODEUNIT));
    jc->edge_cell = malloc((size_t)n * sizeof(int16_t));
    if (jc->insns == NULL || jc->edge_cell == NULL) {
        Py_DECREF(bytes);
        jitcode_free(jc);
        return (fe_jitcode *)PyErr_NoMemory();
    }
    memcpy(jc->insns, PyBytes_AS_STRING(bytes), (size_t)n * sizeof(_Py_CODEUNIT));
    Py_DECREF(bytes);

    bool has_loop = false;
    int nglobals = 0;
    int oparg = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        jc->edge_cell[i] = -1;
        int op = _Py_OPCODE(jc->insns[i]);
        oparg = (oparg << 8) | _Py_OPARG(jc->insns[i]);
        if (op == EXTENDED_ARG)
            continue;
        if (is_backward_jump(op)) {
            int target = (int)(i + 1 - oparg);
            int offset = target * (int)sizeof(_Py_CODEUNIT);
            int c = rt_cellset_find(&jc->cells, offset, false, true,
                                    fe_greenkey_hash(co, offset, false));
            if (c < 0 || c > INT16_MAX) {
                jitcode_free(jc);
                return (fe_jitcode *)PyErr_NoMemory();
            }
            jc->edge_cell[i] = (int16_t)c;
            has_loop = true;
        }
        if (op == LOAD_GLOBAL)
            jc->insns[i + 1] = (_Py_CODEUNIT)nglobals++;  /* our copy: slot number */
        i += _PyOpcode_Caches[op];
        oparg = 0;
    }
    if (nglobals > 0) {
        jc->gcache = calloc((size_t)nglobals, sizeof *jc->gcache);
        if (jc->gcache == NULL) {
            jitcode_free(jc);
            return (fe_jitcode *)PyErr_NoMemory();
        }
        jc->ngcache = nglobals;
    }
    jc->run_own = has_loop &&
        !(co->co_flags & (CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR));
    rt_cellset_link(&jc->cells);
    return jc;
}

/* Layout of co_extra, private to CPython's codeobject.c (3.11). Reading it
 * directly avoids a call per frame on the evaluator's path. */
typedef struct {
    Py_ssize_t ce_size;
    void *ce_extras[1];
} fe_code_extra;

fe_jitcode *fe_jitcode_peek(PyCodeObject *co)
{
    fe_code_extra *ex = co->co_extra;
    if (ex == NULL || fe_co_extra_index >= ex->ce_size)
        return NULL;
    return ex->ce_extras[fe_co_extra_index];
}

fe_jitcode *fe_jitcode_get(PyCodeObject *co)
{
    fe_jitcode *jc = fe_jitcode_peek(co);
    if (jc != NULL)
        return jc;
    jc = jitcode_build(co);
    if (jc == NULL)
        return NULL;
    if (_PyCode_SetExtra((PyObject *)co, fe_co_extra_index, jc) < 0) {
        jitcode_free(jc);
        return NULL;
    }
    return jc;
}
