/* frontend/jitcode: building and freeing the per-code JIT record. */
#include "jitcode.h"
#include "jitloop.h"
#include "../runtime/runtime.h"
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
    for (int k = 0; k < jc->cells.ncells; k++)
        if (jc->cells.cells[k].loop != NULL) {
            /* The code object dies: its loops go with it. */
            fe_loop_free(jc->cells.cells[k].loop);
            rt_count(RT_C_TOTAL_FREED_LOOPS, 1);
        }
    rt_cellset_free(&jc->cells);
    free(jc->insns);
    free(jc->written);
    free(jc->names_stored);
    free(jc->edge_cell);
    free(jc->gcache);
    free(jc->acache);
    free(jc->ccache);
    free(jc);
}

/* Opcode of our copy -> CPython's base opcode: _PyOpcode_Deopt plus the
 * private opcodes. Filled once at module init, read-only after. */
uint8_t fe_base_opcode[256];

static const uint8_t quick_base[] = {
#define QOP(name, base) [name - FE_QUICK_FIRST] = base,
#include "quick_ops.def"
#undef QOP
};

int fe_jitcode_init(void)
{
    if (fe_co_extra_index >= 0)
        return 0;
    memcpy(fe_base_opcode, _PyOpcode_Deopt, sizeof fe_base_opcode);
    for (size_t k = 0; k < sizeof quick_base; k++)
        fe_base_opcode[FE_QUICK_FIRST + k] = quick_base[k];
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

static bool is_pop_jump_if_bool(int op)
{
    return op == POP_JUMP_FORWARD_IF_FALSE || op == POP_JUMP_FORWARD_IF_TRUE ||
           op == POP_JUMP_BACKWARD_IF_FALSE || op == POP_JUMP_BACKWARD_IF_TRUE;
}

/* Rewrites instruction i (opcode op, oparg arg, no EXTENDED_ARG prefix
 * on the instruction that follows it) with a private opcode when one fits;
 * `next` is the following instruction's first unit. */
static void quicken(_Py_CODEUNIT *insns, Py_ssize_t n, Py_ssize_t i, int op, int arg)
{
    Py_ssize_t next = i + 1 + _PyOpcode_Caches[op];
    int nop = next < n ? _Py_OPCODE(insns[next]) : -1;
    int q = 0;
    switch (op) {
    case LOAD_FAST:
        q = nop == LOAD_FAST ? FE_LOAD_FAST__LOAD_FAST
          : nop == LOAD_CONST ? FE_LOAD_FAST__LOAD_CONST : 0;
        break;
    case LOAD_CONST:
        q = nop == LOAD_FAST ? FE_LOAD_CONST__LOAD_FAST : 0;
        break;
    case STORE_FAST:
        q = nop == LOAD_FAST ? FE_STORE_FAST__LOAD_FAST : 0;
        break;
    case BINARY_OP:
        q = arg == NB_ADD || arg == NB_INPLACE_ADD ? FE_BINARY_OP_ADD
          : arg == NB_SUBTRACT || arg == NB_INPLACE_SUBTRACT ? FE_BINARY_OP_SUBTRACT
          : arg == NB_MULTIPLY || arg == NB_INPLACE_MULTIPLY ? FE_BINARY_OP_MULTIPLY
          : arg == NB_AND || arg == NB_INPLACE_AND ? FE_BINARY_OP_AND
          : arg == NB_OR || arg == NB_INPLACE_OR ? FE_BINARY_OP_OR
          : arg == NB_XOR || arg == NB_INPLACE_XOR ? FE_BINARY_OP_XOR : 0;
        break;
    case COMPARE_OP:
        q = is_pop_jump_if_bool(nop) ? FE_COMPARE_OP_JUMP : 0;
        break;
    }
    if (q)
        insns[i] = (_Py_CODEUNIT)((insns[i] & 0xFF00) | q);
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
    int nglobals = 0, nattrs = 0, ncalls = 0;
    int oparg = 0;
    for (Py_ssize_t i = 0; i < n; i++)
        jc->edge_cell[i] = -1;  /* (cache units too: the loop below skips them) */
    for (Py_ssize_t i = 0; i < n; i++) {
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
        if (op == LOAD_GLOBAL) {
            /* Our copy: the slot of its inline cache, in the first of its
             * five CACHE units (the last one stays zero; see interp.c's
             * handoff_before). */
            jc->insns[i + 1] = (_Py_CODEUNIT)nglobals++;
        }
        if (op == LOAD_ATTR || op == LOAD_METHOD || op == STORE_ATTR) {
            /* likewise: the slot of its specialisation entry (acache) */
            jc->insns[i + 1] = nattrs < FE_NO_ACACHE ? (_Py_CODEUNIT)nattrs++ : FE_NO_ACACHE;
        }
        if (op == CALL) {
            /* likewise, the entry in ccache of the PRECALL before it
             * (PRECALL's one cache unit must stay zero: handoff_before) */
            jc->insns[i + 1] = ncalls < FE_NO_ACACHE ? (_Py_CODEUNIT)ncalls++ : FE_NO_ACACHE;
        }
        quicken(jc->insns, n, i, op, oparg);
        i += _PyOpcode_Caches[op];
        oparg = 0;
    }
    /* loops containing another loop (a backward jump whose target and
     * position lie inside theirs) */
    for (Py_ssize_t i = 0; i < n; i++) {
        if (jc->edge_cell[i] < 0)
            continue;
        rt_jitcell *outer = &jc->cells.cells[jc->edge_cell[i]];
        for (Py_ssize_t j = 0; j < i; j++)
            if (jc->edge_cell[j] >= 0 && jc->edge_cell[j] != jc->edge_cell[i] &&
                jc->cells.cells[jc->edge_cell[j]].offset >= outer->offset) {
                outer->flags |= JC_HAS_INNER;
                jc->cells.cells[jc->edge_cell[j]].flags |= JC_IS_INNER;
            }
    }
    /* the interpreter's inline caches, one entry per site, zeroed */
    jc->gcache = nglobals ? calloc((size_t)nglobals, sizeof *jc->gcache) : NULL;
    jc->acache = nattrs ? calloc((size_t)nattrs, sizeof *jc->acache) : NULL;
    jc->ccache = ncalls ? calloc((size_t)ncalls, sizeof *jc->ccache) : NULL;
    if ((nglobals && jc->gcache == NULL) || (nattrs && jc->acache == NULL) ||
        (ncalls && jc->ccache == NULL)) {
        jitcode_free(jc);
        return (fe_jitcode *)PyErr_NoMemory();
    }
    jc->ngcache = nglobals;
    jc->has_loop = has_loop;
    bool plain = !(co->co_flags & (CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR));
    jc->run_own = has_loop && plain;
    jc->entry_cell = -1;
    if (!has_loop && plain && (co->co_flags & CO_OPTIMIZED) && co->co_ncellvars == 0 &&
        co->co_nfreevars == 0) {
        /* A function's calls count at its first instruction, PyPy's
         * greenkey for a function trace. (No loop header is at offset 0:
         * RESUME is always there.) Cells and free variables: the
         * recorder does not follow MAKE_CELL / COPY_FREE_VARS yet. */
        int c = rt_cellset_find(&jc->cells, 0, false, true, fe_greenkey_hash(co, 0, false));
        if (c < 0) {
            jitcode_free(jc);
            return (fe_jitcode *)PyErr_NoMemory();
        }
        jc->entry_cell = c;
        /* counting from the first call (CPython runs the frames until the
         * count runs out) */
        rt_cell_arm(&jc->cells.cells[c], rt.increment_function);
    }
    rt_cellset_link(&jc->cells);
    return jc;
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

bool fe_inner_loop_compiled(const fe_jitcode *jc, const rt_jitcell *cell, int edge)
{
    if (!(cell->flags & JC_HAS_INNER))
        return false;
    int end = edge * (int)sizeof(_Py_CODEUNIT);
    for (int k = 0; k < jc->cells.ncells; k++) {
        const rt_jitcell *c = &jc->cells.cells[k];
        const fe_loop *L = c->loop;
        /* machine code that pays for its entry and exit: a few iterations
         * per entry at least (a loop of one to three iterations per entry
         * runs faster in CPython than entered and left every time) */
        if (L != NULL && c->offset > cell->offset && c->offset < end &&
            L->iters >= FE_INNER_MIN_ITERS * L->entries)
            return true;
    }
    return false;
}
