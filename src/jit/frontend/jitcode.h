/* frontend/jitcode: what the JIT knows about one code object, kept in its
 * co_extra slot: the deoptimised bytecode our interpreter reads, whether
 * the evaluator runs the code itself, its loop headers' jitcells, and the
 * interpreter's inline caches. */
#ifndef JIT_FE_JITCODE_H
#define JIT_FE_JITCODE_H

#include "cpython.h"
#include "../runtime/jitcell.h"
#include "specialize.h"

typedef struct {
    uint64_t globals_ver, builtins_ver;
    PyObject *value;          /* borrowed: valid while both versions hold */
    uint32_t rebound;         /* times a refresh found another value: a global
                                 rebound often is no constant for traces */
} fe_global_cache;

/* Rebindings after which traces read a global instead of guarding its
 * value. */
#define FE_GLOBAL_REBOUND_MAX 3

typedef struct fe_jitcode {
    rt_cellset cells;         /* one cell per loop header, plus API-made ones */
    PyCodeObject *code;       /* borrowed: this struct lives in its co_extra */
    Py_ssize_t ncodeunits;
    _Py_CODEUNIT *insns;      /* deoptimised copy of the bytecode */
    int16_t *edge_cell;       /* per code unit: cell of the backward jump there, or -1 */
    fe_global_cache *gcache;  /* per LOAD_GLOBAL, indexed by its first cache unit in insns */
    int ngcache;
    fe_attr_cache *acache;    /* per LOAD_ATTR / LOAD_METHOD / STORE_ATTR, likewise */
    fe_call_cache *ccache;    /* per PRECALL, likewise */
    bool run_own;             /* the evaluator runs this code in our interpreter */
    int entry_cell;           /* a function without loops: the cell of its entry
                                 (offset 0), counting calls towards a function
                                 trace (function_threshold); -1 for other code */
    bool has_loop;            /* it has a backward jump */
    bool no_inline;           /* traces call it instead of inlining it (inlined,
                                 it made a loop too costly to compile) */
    /* Shared by the code's loops, whose bridges may jump from one to
     * another (nested loops): */
    uint8_t *written;         /* per slot (locals and stack): stored to by some
                                 trace, so the frame's box may be stale in
                                 machine code (NULL until a trace needs it) */
    int inline_room;          /* data-stack words and recursion depth deopt may */
    int inline_depth;         /* need to rebuild inlined frames, over the loops */
    uint8_t *names_stored;    /* per co_names entry: the code stores to or deletes
                                 that name (recorder.c; NULL until a trace asks) */
} fe_jitcode;

/* Private opcodes (quick_ops.def), numbered above CPython 3.11's last
 * opcode (176); fe_base_opcode() maps any opcode of our copy back. */
enum {
    FE_QUICK_FIRST = 200,
    FE_QUICK_BEFORE = FE_QUICK_FIRST - 1,
#define QOP(name, base) name,
#include "quick_ops.def"
#undef QOP
    FE_QUICK_END
};
_Static_assert(FE_QUICK_END < 255, "private opcodes must stay below DO_TRACING (255)");
extern uint8_t fe_base_opcode[256];

int fe_jitcode_init(void);           /* requests the co_extra index */
/* Returns the code's jitcode, creating it; NULL with an exception set on
 * failure. */
fe_jitcode *fe_jitcode_get(PyCodeObject *co);
/* Without creating one. It reads co_extra directly, whose layout is
 * private to CPython 3.11's codeobject.c: a call per frame and per inline
 * call less than _PyCode_GetExtra. */
extern Py_ssize_t fe_co_extra_index;
typedef struct {
    Py_ssize_t ce_size;
    void *ce_extras[1];
} fe_code_extra;
static inline fe_jitcode *fe_jitcode_peek(PyCodeObject *co)
{
    fe_code_extra *ex = co->co_extra;
    if (ex == NULL || fe_co_extra_index >= ex->ce_size)
        return NULL;
    return ex->ce_extras[fe_co_extra_index];
}
uint64_t fe_greenkey_hash(PyCodeObject *co, int offset, bool profiled);
/* Whether a loop nested in the loop of `cell` (whose back-edge is the jump
 * at code unit `edge`) has machine code: then the frame stays in the own
 * interpreter even when the outer loop itself was given up. */
bool fe_inner_loop_compiled(const fe_jitcode *jc, const rt_jitcell *cell, int edge);

#endif
