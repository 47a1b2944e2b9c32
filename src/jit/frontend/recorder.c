/* frontend/recorder: records one iteration of a hot loop into an IR trace
 * while the own interpreter executes it (LuaJIT's way: each instruction is
 * recorded just before it runs, looking at the concrete values on the
 * frame to specialise on their types).
 *
 * The frame's slots (locals, then the value stack) are tracked as IR
 * values with a kind (fe_kind): ints and floats unboxed, bools as 0/1,
 * anything else as a borrowed reference. The trace starts with one input
 * per slot of the loop header (the frame's values there, unboxed by
 * enter.c), then `label`, the body, and a `jump` back with the slots' new
 * values: locals live in registers for the whole loop and reach the frame
 * only through guard snapshots (the "virtualizable" frame).
 *
 * Calls of plain Python functions and class instantiations are followed
 * into the callee (inlined: try_inline, return_inlined), whose frame is a
 * model frame of its own (callers saved in r->callers); snapshots then
 * describe the chain of frames. What is compiled inline and what as
 * (quiet or frame-syncing) residual calls is listed in the README's status
 * section; anything else aborts with a reason the abort hook reports. */
#include "frames.h"
#include "jitloop.h"
#include "rt_helpers.h"
#include "specialize.h"
#include "internal/pycore_dict.h"
#include "../runtime/runtime.h"
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

typedef struct {
    ir_ref ref;
    uint8_t kind;   /* fe_kind */
    /* an owned object read from another object (attribute, unpacked
     * item, cell): kept boxed, because unboxing it and boxing it again
     * would give the frame a new object where CPython has the same one
     * (`is`, id()) */
    bool keep;
} rec_val;

/* Calls inlined into a trace nest at most this deep. */
#define FE_MAX_INLINE_DEPTH 8

/* A caller's frame while the trace is inside a call it inlined: the
 * fields of fe_recorder that describe the current frame, saved. */
typedef struct {
    PyCodeObject *code;
    fe_jitcode *jc;
    ir_ref func;
    bool init;
    int nlocalsplus;
    int depth;           /* without the call's operands */
    rec_val *slots;
    _PyInterpreterFrame *frame;
    int resume;          /* the code unit after its CALL */
} rec_frame;

struct fe_recorder {
    ir_trace *t;
    /* The frame being recorded: the loop's own (level 0) or, inside a call
     * the trace inlines, the callee's (its frame exists while recording,
     * not in the machine code: its values are SSA values only, and deopt
     * builds the frame from the snapshot). */
    fe_jitcode *jc;
    PyCodeObject *code;
    /* Level > 0: the inlined callee's function, a value the trace owns a
     * reference to while the call lasts (as its frame would); in
     * snapshots, one more slot after the frame's own. */
    ir_ref func;
    bool init;           /* an inlined class instantiation's __init__ */
    int nlocalsplus;
    int depth;           /* current stack depth (slots above nlocalsplus) */
    rec_val *slots;      /* nlocalsplus + co_stacksize */
    int level;           /* inlined calls the trace is inside */
    rec_frame callers[FE_MAX_INLINE_DEPTH];  /* frames 0 .. level-1 */
    bool inline_pending; /* the CALL just recorded is inlined: its frame comes next */
    /* Objects the trace guards by identity (inlined functions' code and
     * defaults): owned, handed to the loop, so that their addresses cannot
     * come back as other objects while it lives. */
    PyObject **kept;
    int nkept, cap_kept;
    int room, max_room;  /* data-stack words the inlined frames take: now, at most */
    int max_level;
    rt_jitcell *cell;
    PyCodeObject *loop_code;  /* the loop's code (cell's) */
    int header;          /* code unit index of the loop header */
    bool function;       /* a function trace (or its bridge): from the entry
                            (header 0) to the frame's return, which ends it
                            with `finish` */
    int nentry;          /* slots at the header */
    fe_loop *proto;      /* entry description, handed to fe_compile_loop */
    int ninstrs;         /* recorded instructions */
    int instr_start;     /* first unit of the instruction being recorded */
    int snap;            /* snapshot of the state before it, or -1 */
    uint8_t *written;    /* the code's per-slot "stored to by some trace" flags
                            (its jitcode's, shared by its loops: deopt boxes
                            these) */
    uint8_t *wrote;      /* per slot < nentry: stored to in this trace */
    fe_loop *jump_to;    /* a bridge ending at another loop's label: that loop */
    fe_loop *bridge_of;  /* recording a bridge from an exit of this loop */
    ir_ref *start_refs;  /* a bridge's: per slot < nentry, its value at the start */
    int foreign_edges;   /* a bridge's back-edges to other loops' headers */
    bool bridge_waits;   /* a bridge aborted for a loop that is not compiled
                            yet: not counted against the exit */
    int quiet_drops;     /* a bridge's exhausted range/list iterators left in
                            the frame's memory (iterator_done) */
    int bridge_exit;
    ir_ref *from_refs;   /* bridge input k = from_refs[k] of the exit's trace */
    bool has_calls;      /* the frame was synced before calls */
    uint8_t *dirty;      /* per local: the frame's box may be stale */
    int nresidual;       /* residual operations recorded (calls into CPython) */
    char residuals[80];  /* their names, for the abort detail */
    bool quiet;          /* the next residual() runs no Python code (quiet_*) */
    PyObject *kwnames;   /* KW_NAMES's tuple for the next CALL (a code constant) */
    uint8_t *hint;       /* slots a previous trace of this loop stored to */
    _PyInterpreterFrame *frame;  /* the frame being recorded (its current values) */
    int expect;          /* where the recorded path goes next (code unit), -1 at the start */
    int last_opcode;     /* the instruction recorded before, and its */
    int last_target;     /* jump target when it can branch (FOR_ITER) */
    double t0;
};

/* Loops with more residual operations (calls into CPython for what the
 * recorder does not compile inline) than this are left to the interpreter,
 * which runs them faster than compiled code that syncs the frame around
 * every call. Measured with bench/: 2 keeps loops with a call or two to a
 * small function or builtin compiled. */
#define FE_MAX_RESIDUAL 2

/* Traces of one loop that may end because the iteration being recorded
 * left the loop, before such ends count as failed attempts. */
#define FE_MAX_LOOP_ENDS 16

/* Levels of a function trace's own recursive calls inlined into it, at
 * most (max_unroll_recursion may say fewer); the deeper ones are calls of
 * the function, which run the trace again. A function calling itself k
 * times has k**levels calls in its trace: fib's 3 levels cut its calls
 * through C by 8x; more would grow traces and bridges for little. */
#define FE_FUNCTION_UNROLL 3

/* Slots (locals and stack) a loop header may have: enter.c's FE_MAX_INPUTS
 * less the two fixed inputs. */
#define FE_MAX_SLOTS (256 - FE_FIRST_SLOT_INPUT)

/* The one trace being recorded, if any: PyPy records one at a time. Lives
 * here because the recording frame's interpreter invocation and the abort
 * paths reach it through fe_rec_*; touched with the GIL held. */
static fe_recorder *active;

/* PYPYJIT_DEBUG_RECORDER: compare the recorder's model (stack depth, the
 * path taken, each slot's kind and constants) with the frame before every
 * recorded instruction and report each disagreement as one line, to stderr
 * ("1") or appended to the file it names. Read once at module init
 * (fe_rec_init), hence a global; NULL when the check is off. */
static FILE *check_log;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- values ---- */

static bool fits_int64(PyObject *o, int64_t *v)
{
    if (!PyLong_CheckExact(o))
        return false;
    int overflow;
    long long x = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (overflow || (x == -1 && PyErr_Occurred())) {
        PyErr_Clear();
        return false;
    }
    *v = x;
    return true;
}

/* The kind an object gets when it enters the trace from the frame. */
static fe_kind kind_of(PyObject *o)
{
    int64_t v;
    if (o == NULL)
        return FE_K_NONE;
    if (o == Py_True || o == Py_False)
        return FE_K_BOOL;
    if (PyFloat_CheckExact(o))
        return FE_K_FLOAT;
    if (fits_int64(o, &v))
        return FE_K_INT;
    return FE_K_REF;
}

/* Kinds the trace keeps unboxed, out of the frame until synced. */
static bool is_unboxed(int k)
{
    return k == FE_K_INT || k == FE_K_FLOAT || k == FE_K_BOOL;
}

static char ir_type_of(fe_kind k)
{
    return k == FE_K_FLOAT ? 'f' : k == FE_K_REF || k == FE_K_OWNED || k == FE_K_NONE ? 'r' : 'i';
}

/* A constant for a Python object, by its kind. The trace does not own
 * it: it is a constant of the code object (which outlives its loops) or a
 * global whose dict version the trace guards before any use. */
static rec_val const_of(fe_recorder *r, PyObject *o)
{
    int64_t v;
    if (o == Py_True || o == Py_False)
        return (rec_val){ir_const_int(r->t, o == Py_True), FE_K_BOOL};
    if (PyFloat_CheckExact(o))
        return (rec_val){ir_const_float(r->t, PyFloat_AS_DOUBLE(o)), FE_K_FLOAT};
    if (fits_int64(o, &v))
        return (rec_val){ir_const_int(r->t, v), FE_K_INT};
    return (rec_val){ir_const_ptr(r->t, o), FE_K_REF};
}

/* A constant object that has an identity of its own -- a float, an int
 * outside the small ints CPython caches -- stays that object (unboxed
 * where a number is wanted: `unboxed`); others as const_of. For values
 * another object holds (a global), where `is` may meet the same object
 * again. */
static rec_val identity_const(fe_recorder *r, PyObject *o)
{
    rec_val c = const_of(r, o);
    bool cached = c.kind == FE_K_BOOL ||
                  (c.kind == FE_K_INT && ir_const_at(r->t, c.ref)->v.i >= -5 &&
                   ir_const_at(r->t, c.ref)->v.i <= 256);
    if (c.kind == FE_K_REF || cached)
        return c;
    return (rec_val){ir_const_ptr(r->t, o), FE_K_REF};
}

/* A field of the frame, as an offset from p0 (its localsplus). */
#define FRAME_FIELD(f) ((int)offsetof(_PyInterpreterFrame, f) - (int)offsetof(_PyInterpreterFrame, localsplus))

#define TOP(k) (r->slots[r->nlocalsplus + r->depth - (k)])
static void push(fe_recorder *r, rec_val v) { r->slots[r->nlocalsplus + r->depth++] = v; }
static rec_val pop(fe_recorder *r) { return r->slots[r->nlocalsplus + --r->depth]; }

/* ---- snapshots and guards ---- */

static int box_of(fe_kind k)
{
    switch (k) {
    case FE_K_INT: return IR_BOX_INT;
    case FE_K_FLOAT: return IR_BOX_FLOAT;
    case FE_K_BOOL: return IR_BOX_BOOL;
    case FE_K_REF: return IR_BOX_BORROWED;
    case FE_K_OWNED: return IR_BOX_OWNED;
    default: return IR_BOX_NONE;
    }
}

/* The state before the instruction being recorded: deopt resumes there and
 * the interpreter executes the whole instruction again. */
static void snapshot_frame(fe_recorder *r, PyCodeObject *code, ir_ref func, bool init, int pc,
                           const rec_val *slots, int n)
{
    ir_slot *s = ir_snap_frame(r->t, code, pc, n + (func != IR_NONE));
    if (s == NULL)
        return;
    if (init)
        ir_snap_frame_flags(r->t, FE_FRAME_INIT);
    for (int k = 0; k < n; k++)
        s[k] = (ir_slot){slots[k].kind == FE_K_NONE ? IR_NONE : slots[k].ref,
                         (uint8_t)box_of(slots[k].kind)};
    if (func != IR_NONE)  /* an inlined call's function: its frame takes it */
        s[n] = (ir_slot){func, IR_BOX_OWNED};
}

/* Inside inlined calls, the snapshot is the chain of frames: each caller
 * waiting after its CALL, without the call's operands. */
static int snapshot(fe_recorder *r)
{
    if (r->snap >= 0)
        return r->snap;
    ir_snap_begin(r->t);
    for (int i = 0; i < r->level; i++) {
        const rec_frame *c = &r->callers[i];
        snapshot_frame(r, c->code, c->func, c->init, c->resume, c->slots, c->nlocalsplus + c->depth);
    }
    snapshot_frame(r, r->code, r->func, r->init, r->instr_start, r->slots, r->nlocalsplus + r->depth);
    r->snap = ir_snap_end(r->t);
    return r->snap;
}

static void guard0(fe_recorder *r, int op)
{
    rt_count(RT_C_GUARDS, 1);
    IR_GUARD0(r->t, op, snapshot(r));
}

static void guard1(fe_recorder *r, int op, ir_ref a)
{
    rt_count(RT_C_GUARDS, 1);
    IR_GUARD(r->t, op, snapshot(r), a);
}

static void guard2(fe_recorder *r, int op, ir_ref a, ir_ref b)
{
    rt_count(RT_C_GUARDS, 1);
    IR_GUARD(r->t, op, snapshot(r), a, b);
}

static ir_ref emit2(fe_recorder *r, int op, ir_ref a, ir_ref b)
{
    return IR_EMIT(r->t, op, -1, a, b);
}

static ir_ref emit1(fe_recorder *r, int op, ir_ref a)
{
    return IR_EMIT(r->t, op, -1, a);
}

static int field_descr(fe_recorder *r, const char *name, int offset, int size, char flag)
{
    ir_descr d = {.kind = IR_DESCR_FIELD, .flag = flag, .offset = offset, .size = size,
                  .name = name};
    return ir_descr_add(r->t, &d);
}

/* Item k of an array of object pointers at `offset0` in an object, as a
 * field named base[k]: a frame's locals (from p0), a tuple's items, an
 * instance's values. */
static int item_descr(fe_recorder *r, const char *base, int offset0, int k)
{
    char name[48];
    snprintf(name, sizeof name, "%s[%d]", base, k);
    return field_descr(r, name, offset0 + k * (int)sizeof(PyObject *), 8, 'P');
}

/* A dict's keys object. */
static ir_ref keys_of(fe_recorder *r, ir_ref dict)
{
    int dk = field_descr(r, "dict.ma_keys", (int)offsetof(PyDictObject, ma_keys), 8, 'P');
    return IR_EMIT(r->t, IR_getfield_gc_r, dk, dict);
}

/* A heap-type instance's materialised __dict__ pointer (3.11 keeps it
 * three words before the object), NULL while its values are inline. */
static ir_ref managed_dict_field(fe_recorder *r, rec_val v)
{
    int dd = field_descr(r, "object.dict", -3 * (int)sizeof(PyObject *), 8, 'P');
    return IR_EMIT(r->t, IR_getfield_gc_r, dd, v.ref);
}

/* A value as a truth value (0/1) for a branch; IR_NONE when unsupported. */
static ir_ref truth(fe_recorder *r, rec_val v, PyObject *concrete, bool *is_const)
{
    *is_const = ir_is_const(v.ref);
    switch (v.kind) {
    case FE_K_BOOL:
        return v.ref;
    case FE_K_INT:
        return *is_const ? ir_const_int(r->t, PyObject_IsTrue(concrete)) : emit1(r, IR_int_is_true, v.ref);
    case FE_K_FLOAT:
        return *is_const ? ir_const_int(r->t, PyObject_IsTrue(concrete))
                         : emit2(r, IR_float_ne, v.ref, ir_const_float(r->t, 0.0));
    case FE_K_REF:
        if (*is_const && (concrete == Py_None))
            return ir_const_int(r->t, 0);
        return IR_NONE;
    default:
        return IR_NONE;
    }
}

/* Guards `cond` (0/1) to stay as it is now. */
/* A guard whose snapshot resumes at code unit `pc` (negative: raise the
 * pending exception at -1 - pc) with the stack as the model has it now,
 * instead of before the instruction being recorded. arg: IR_NONE for a
 * guard without one. */
static void guard_resuming_at(fe_recorder *r, int pc, int op, ir_ref arg)
{
    int saved = r->instr_start;
    r->instr_start = pc;
    r->snap = -1;
    if (arg == IR_NONE)
        guard0(r, op);
    else
        guard1(r, op, arg);
    r->instr_start = saved;
    r->snap = -1;
}

static void guard_truth(fe_recorder *r, ir_ref cond, bool now_true)
{
    if (ir_is_const(cond))
        return;
    guard1(r, now_true ? IR_guard_true : IR_guard_false, cond);
}

/* ---- abort and finish ---- */

static void rec_free(fe_recorder *r)
{
    if (r == NULL)
        return;
    if (r->t)
        rt_count(RT_C_RECORDED_OPS, r->t->nops - r->t->ninputs);
    if (active == r)
        active = NULL;
    if (r->t)
        ir_trace_free(r->t);
    if (r->proto)
        fe_loop_free(r->proto);
    for (; r->level > 0; r->level--) {
        free(r->slots);  /* a callee's */
        r->slots = r->callers[r->level - 1].slots;
    }
    for (int k = 0; k < r->nkept; k++)
        Py_DECREF(r->kept[k]);
    free(r->kept);
    free(r->slots);
    free(r->from_refs);
    free(r->dirty);
    free(r->wrote);
    free(r->start_refs);
    free(r);
}

void fe_rec_abort(fe_recorder *r, const char *reason)
{
    if (r == NULL)
        return;
    rt.time_tracing += now() - r->t0;
    if (r->bridge_of != NULL) {
        /* The guard may try again after trace_eagerness more failures;
         * three failed bridges from it and it stays an exit. */
        fe_loop *L = r->bridge_of;
        rt_count(RT_C_ABORT_BRIDGE, 1);
        L->exit_fails[r->bridge_exit] = 0;
        if (!r->bridge_waits && ++L->bridge_aborts >= 3)
            L->exit_state[r->bridge_exit] = FE_EXIT_GIVEN_UP;
        rt_event_abort((PyObject *)r->loop_code, r->cell->offset, reason, r->t);
        rec_free(r);
        return;
    }
    r->cell->flags &= (uint16_t)~JC_BEING_TRACED;
    r->cell->aborts++;
    /* PyPy gives up on a place after repeated aborts; we hand such loops
     * to CPython so that they run at full speed. */
    if (r->cell->aborts >= 3) {
        r->cell->flags |= JC_GIVEN_UP;
        rt_cell_wake(r->cell);
    }
    rt_event_abort((PyObject *)r->loop_code, r->cell->offset, reason, r->t);
    rec_free(r);
}

static bool abort_unsupported(fe_recorder *r, const char *what)
{
    rt_count(RT_C_ABORT_UNSUPPORTED, 1);
    rt_note_abort_detail(what);
    fe_rec_abort(r, "ABORT_UNSUPPORTED");
    return false;
}

void fe_rec_leave(fe_recorder *r, const char *what)
{
    abort_unsupported(r, what);
}

static bool abort_bad_loop(fe_recorder *r, const char *what)
{
    rt_count(RT_C_ABORT_BAD_LOOP, 1);
    rt_note_abort_detail(what);
    fe_rec_abort(r, "ABORT_BAD_LOOP");
    return false;
}

/* The iteration being recorded leaves the loop (its iterator ends, the
 * function returns): not the loop's fault, so it does not count towards
 * giving up on it; it may be traced again the next time it is hot. */
static bool abort_loop_ended(fe_recorder *r, const char *what)
{
    /* ... up to FE_MAX_LOOP_ENDS times in a row, for loops that are
     * (nearly) always left in the iteration after they get hot */
    if (r->bridge_of == NULL && ++r->cell->ends < FE_MAX_LOOP_ENDS)
        r->cell->aborts--;
    return abort_bad_loop(r, what);
}

static rec_val unboxed(fe_recorder *r, rec_val v, PyObject *o);
static void unbox_operands(fe_recorder *r, PyObject **sp, int n);
static bool sync_frame(fe_recorder *r, int index);
static bool sync_local(fe_recorder *r, int k, rec_val v);
static ir_ref as_object(fe_recorder *r, rec_val v, bool *owned);
static bool compile_trace(fe_recorder *r);
static bool close_to(fe_recorder *r, fe_loop *L);
static int call_descr(fe_recorder *r, const char *name, char result, const char *argtypes,
                      uint32_t flags);

/* The loop (for a bridge, the loop it belongs to) takes the objects the
 * trace keeps alive, and its code the room its exits need to rebuild the
 * frames of inlined calls. */
static bool hand_inlined(fe_recorder *r, fe_loop *L)
{
    if (r->nkept > 0) {
        PyObject **a = realloc(L->kept, sizeof *a * (size_t)(L->nkept + r->nkept));
        if (a == NULL)
            return false;
        L->kept = a;
        /* once each: bridges of a loop keep the same few objects */
        for (int k = 0; k < r->nkept; k++) {
            int j = 0;
            while (j < L->nkept && a[j] != r->kept[k])
                j++;
            if (j < L->nkept)
                Py_DECREF(r->kept[k]);
            else
                a[L->nkept++] = r->kept[k];
        }
        r->nkept = 0;
    }
    /* (for the code's loops together: a bridge may jump from one to
     * another, whose exits then rebuild the frames) */
    if (r->max_room > L->jc->inline_room)
        L->jc->inline_room = r->max_room;
    if (r->max_level > L->jc->inline_depth)
        L->jc->inline_depth = r->max_level;
    return true;
}

/* The loop's trace syncs these locals before its calls (sync_frame):
 * kept for its bridges (bridge_hands_over). */
static bool note_syncs(fe_recorder *r, fe_loop *L)
{
    L->syncs = calloc((size_t)r->nentry + 1, 1);
    if (L->syncs == NULL)
        return false;
    for (int k = 0; k < r->nentry; k++)
        L->syncs[k] = r->wrote[k] || (r->hint && r->hint[k]);
    return true;
}

/* A bridge of loop S about to jump to the label of loop T (S itself, or
 * another loop of the code that S is nested in or around) leaves the
 * frame as T expects it. The header's stack slots of T that hold new
 * objects (a bridge leaving an inner loop made the next iterator) hold
 * them in the frame, whose memory T reads them from -- and S's header
 * slots that T has not (an inner loop's iterator, when going to the loop
 * around it) are dropped, as an exit would drop them. Locals that may be
 * stale in the frame and that T's calls would not sync are boxed there
 * now: those the bridge stored to, and, going to another loop, all that
 * the code's traces store to. */
static bool bridge_hands_over(fe_recorder *r, fe_loop *S, fe_loop *T)
{
    /* per slot: 1 the value goes to the frame, 2 the frame's goes */
    uint8_t move[FE_MAX_SLOTS];
    int released = 0;
    int top = S->nentry > T->nentry ? S->nentry : T->nentry;
    if (top > FE_MAX_SLOTS)
        return abort_unsupported(r, "a loop header with too many slots");
    for (int k = r->nlocalsplus; k < top; k++) {
        move[k] = 0;
        if (k >= T->nentry) {
            move[k] = 2;
        } else {
            rec_val v = r->slots[k];
            if (T->slot_input[k] != IR_NONE && T->input_kind[T->slot_input[k]] == FE_K_REF &&
                (v.kind == FE_K_OWNED || k >= S->nentry ||
                 (v.kind == FE_K_REF && v.ref != r->start_refs[k])))
                move[k] = 1;
        }
        released += move[k] != 0 && k < S->nentry;
    }
    /* the old objects' release may run code (a generator's finally):
     * unless they are the range and list iterators the bridge saw end,
     * the frame is made whole first */
    if (released > r->quiet_drops && !sync_frame(r, T->header))
        return false;
    for (int k = r->nlocalsplus; k < top; k++) {
        if (move[k] == 0)
            continue;
        rec_val v = r->slots[k];
        int ds = item_descr(r, "frame.localsplus", 0, k);
        ir_ref old = k < S->nentry ? IR_EMIT(r->t, IR_getfield_gc_r, ds, 0) : IR_NONE;
        if (move[k] == 1) {
            if (v.kind == FE_K_REF)
                IR_EMIT(r->t, IR_py_incref, -1, v.ref);
            IR_EMIT(r->t, IR_setfield_gc, ds, 0, v.ref);
            r->slots[k] = (rec_val){v.ref, FE_K_REF};
        } else {
            IR_EMIT(r->t, IR_setfield_gc, ds, 0, ir_const_ptr(r->t, NULL));
        }
        if (old != IR_NONE)
            IR_EMIT(r->t, IR_py_xdecref, -1, old);
    }
    if (T->syncs != NULL) {
        const uint8_t *stale = T == S ? r->wrote : r->written;
        for (int k = 0; k < r->nlocalsplus && k < T->nentry; k++)
            if (stale[k] && !T->syncs[k] && r->dirty[k] && is_unboxed(r->slots[k].kind) &&
                !sync_local(r, k, r->slots[k]))
                return false;
    }
    return true;
}

/* The cell of the loop whose header is code unit `start` of the code being
 * recorded (at level 0), or NULL when it is no loop header. */
static rt_jitcell *header_cell(const fe_recorder *r, int start)
{
    if (start == 0)
        return NULL;  /* (a function's entry cell) */
    int k = rt_cellset_find(&r->jc->cells, start * (int)sizeof(_Py_CODEUNIT), false, false, 0);
    return k < 0 ? NULL : &r->jc->cells.cells[k];
}

/* The compiled loop whose header is code unit `start`, or NULL. */
static fe_loop *loop_at(const fe_recorder *r, int start)
{
    rt_jitcell *c = header_cell(r, start);
    fe_loop *L = c != NULL ? c->loop : NULL;
    /* (a loop whose trace ends in a return has no label to go to) */
    return L != NULL && L->mc->label_offset >= 0 && L->mc->label_scoped ? L : NULL;
}

/* Whether the loop whose header is code unit `start` may still get
 * machine code: a bridge that goes round it could jump there then. */
static bool may_compile(const fe_recorder *r, int start)
{
    rt_jitcell *c = header_cell(r, start);
    return c != NULL && !(c->flags & (JC_GIVEN_UP | JC_DONT_TRACE_HERE));
}

/* Back at the header: close the loop (or the bridge, into its loop) with
 * the slots' new values. */
static bool close_loop(fe_recorder *r)
{
    return close_to(r, r->bridge_of ? r->bridge_of : r->proto);
}

/* Ends the trace with a jump to the label of L: the trace's own loop, or
 * (a bridge reaching another loop's header) that loop. */
static bool close_to(fe_recorder *r, fe_loop *L)
{
    if (r->depth != L->nentry - r->nlocalsplus)
        return abort_bad_loop(r, "stack depth differs at the loop header");
    if (r->bridge_of == NULL && r->nresidual > FE_MAX_RESIDUAL) {
        /* Each residual operation costs a frame sync, boxing and a call:
         * a loop made mostly of them runs faster in the interpreter. */
        char what[160];
        snprintf(what, sizeof what, "%d residual operations per iteration (at most %d compiled): %s",
                 r->nresidual, FE_MAX_RESIDUAL, r->residuals);
        return abort_unsupported(r, what);
    }
    if (r->has_calls && r->bridge_of == NULL) {
        /* Calls synced the locals stored to before them and those a
         * previous trace stored to; a local stored to only after a call
         * would have been stale in the frame in the next iteration. Keep
         * what this trace stores to and trace again. */
        bool missing = false;
        for (int k = 0; k < r->nentry; k++)
            if (r->wrote[k] && !(r->hint && r->hint[k]))
                missing = true;
        if (missing) {
            uint8_t *h = r->cell->hint ? r->cell->hint : calloc((size_t)r->nentry, 1);
            if (h != NULL) {
                for (int k = 0; k < r->nentry; k++)
                    h[k] |= r->wrote[k];
                r->cell->hint = h;
                r->cell->aborts--;  /* not a failure: the next trace will do */
            }
            return abort_bad_loop(r, "retrace: a local stored to after a call");
        }
    }
    if (r->bridge_of != NULL && !bridge_hands_over(r, r->bridge_of, L))
        return false;
    if (r->bridge_of == NULL && r->has_calls && !note_syncs(r, L))
        return abort_bad_loop(r, "out of memory");
    for (int k = 0; k < L->nentry; k++)
        if (L->slot_input[k] == IR_NONE && r->slots[k].kind != FE_K_NONE) {
            /* Bound now, empty at the header: the loop's code would take
             * it for empty. A trace starting later sees it bound. */
            if (r->bridge_of == NULL)
                r->cell->aborts--;
            return abort_bad_loop(r, "a local unbound at the loop header is bound in the loop");
        }
    ir_ref *args = malloc(sizeof(ir_ref) * (size_t)L->ninputs);
    if (args == NULL || !hand_inlined(r, r->bridge_of ? r->bridge_of : L)) {
        free(args);
        return abort_bad_loop(r, "out of memory");
    }
    args[0] = 0;  /* p0, the frame */
    args[1] = 1;  /* i1, where the frame's cframe says whether tracing is on */
    for (int k = FE_FIRST_SLOT_INPUT; k < L->ninputs; k++) {
        int slot = L->input_slot[k];
        rec_val v = r->slots[slot];
        if (v.kind != L->input_kind[k] && (v.kind == FE_K_REF || v.kind == FE_K_OWNED) &&
            L->input_kind[k] != FE_K_REF) {
            /* an object kept boxed in the iteration (read from another
             * object) where the header has the value unboxed */
            rec_val u = unboxed(r, v, r->frame->localsplus[slot]);
            if (u.kind == L->input_kind[k]) {
                if (v.kind == FE_K_OWNED)
                    IR_EMIT(r->t, IR_py_decref, -1, v.ref);  /* an int or a float */
                r->slots[slot] = v = u;
            }
        }
        if (v.kind != L->input_kind[k]) {
            free(args);
            return abort_bad_loop(r, "a local changes its type in the loop");
        }
        args[k] = v.ref;
    }
    ir_ref label = L->ninputs;  /* the op after the inputs */
    ir_descr d = {.kind = IR_DESCR_TARGET,
                  .id = r->bridge_of ? L->mc->label_token : (uint64_t)label};
    ir_emit(r->t, IR_jump, args, L->ninputs, ir_descr_add(r->t, &d));
    free(args);
    if (r->bridge_of != NULL && L != r->bridge_of)
        r->jump_to = L;
    return compile_trace(r);
}

/* RETURN_VALUE of the frame the trace started in -- a function trace's
 * end, a bridge's, or a loop's whose traced iteration returns -- ends the
 * trace with `finish(result)`: the code returns the result (a reference
 * it owns) and the frame returns it. */
static bool finish_trace(fe_recorder *r, int index)
{
    rec_val v = pop(r);
    if (r->depth != 0)
        return abort_unsupported(r, "return with values left on the stack");
    if (!r->function && r->bridge_of == NULL && r->nresidual > FE_MAX_RESIDUAL)
        return abort_loop_ended(r, "the loop was left by a return while it was being traced");
    /* A frame object made by a call in the trace outlives the frame with
     * its locals and line as RETURN_VALUE leaves them. */
    if ((r->has_calls || r->bridge_of != NULL) && !sync_frame(r, index))
        return false;
    bool owned = v.kind == FE_K_OWNED;
    ir_ref obj = owned ? v.ref : as_object(r, v, &owned);
    if (obj == IR_NONE)
        return abort_unsupported(r, "return value of this kind");
    if (!owned)
        IR_EMIT(r->t, IR_py_incref, -1, obj);
    if (!hand_inlined(r, r->bridge_of ? r->bridge_of : r->proto) ||
        (r->bridge_of == NULL && r->has_calls && !note_syncs(r, r->proto)))
        return abort_bad_loop(r, "out of memory");
    /* p0 and i1 too: every bridge takes them from its guard, so they
     * must be live at every guard, as a loop's jump keeps them */
    ir_ref args[3] = {obj, 0, 1};
    ir_emit(r->t, IR_finish, args, 3, -1);
    return compile_trace(r);
}

/* The trace is complete: compile it, as a loop (or function trace) of the
 * cell or as a bridge of its loop. Always false: recording is over. */
static bool compile_trace(fe_recorder *r)
{
    if (ir_failed(r->t))
        return abort_bad_loop(r, "out of memory");
    rt.time_tracing += now() - r->t0;
    if (r->bridge_of != NULL) {
        ir_trace *t = r->t;
        ir_ref *from = r->from_refs;
        fe_loop *loop = r->bridge_of;
        int e = r->bridge_exit;
        rt_count(RT_C_RECORDED_OPS, t->nops - t->ninputs);
        r->t = NULL;
        r->from_refs = NULL;
        fe_loop *to = r->jump_to;
        rec_free(r);
        fe_compile_bridge(loop, e, t, from, to);
        return false;
    }
    fe_loop *proto = r->proto;
    ir_trace *t = r->t;
    rt_count(RT_C_RECORDED_OPS, t->nops - t->ninputs);
    r->proto = NULL;
    r->t = NULL;
    fe_jitcode *jc = r->jc;
    rt_jitcell *cell = r->cell;
    rec_free(r);
    cell->flags &= (uint16_t)~JC_BEING_TRACED;
    fe_compile_loop(jc, cell, t, proto);
    return false;
}

/* ---- start ---- */

static bool keep_alive(fe_recorder *r, PyObject *o);

/* Whether `it`, a builtin iterator whose length hint is exact and computed
 * in C, has nothing left. Other iterators are found exhausted only when
 * FOR_ITER has run (abort_loop_ended). */
static bool iterator_exhausted(PyObject *it)
{
    PyTypeObject *tp = Py_TYPE(it);
    if (tp == &PyRangeIter_Type) {
        struct rangeiter { PyObject_HEAD long index, start, step, len; } *ri = (void *)it;
        return ri->index >= ri->len;
    }
    if (tp != &PyTupleIter_Type && tp != &PyListIter_Type && tp != &PyListRevIter_Type &&
        tp != &PyDictIterKey_Type && tp != &PyDictIterValue_Type && tp != &PyDictIterItem_Type &&
        tp != &PySetIter_Type && tp != &PyUnicodeIter_Type && tp != &PyBytesIter_Type &&
        tp != &PyByteArrayIter_Type && tp != &PyLongRangeIter_Type)
        return false;
    Py_ssize_t n = PyObject_LengthHint(it, 1);
    if (n < 0)
        PyErr_Clear();
    return n == 0;
}

fe_recorder *fe_rec_start(fe_jitcode *jc, rt_jitcell *cell, _PyInterpreterFrame *frame,
                          PyObject **sp, int header)
{
    if (active != NULL)
        return NULL;  /* one trace at a time */
    if (fe_base_opcode[_Py_OPCODE(jc->insns[header])] == FOR_ITER && sp[-1] != NULL &&
        iterator_exhausted(sp[-1]))
        return NULL;  /* a loop about to end cannot be traced now: next time it is hot */
    PyCodeObject *co = frame->f_code;
    fe_recorder *r = calloc(1, sizeof *r);
    fe_loop *L = calloc(1, sizeof *L);
    int nslots = co->co_nlocalsplus + co->co_stacksize;
    if (r == NULL || L == NULL)
        goto oom;
    r->proto = L;
    r->t0 = now();
    r->jc = jc;
    r->cell = cell;
    r->code = r->loop_code = co;
    r->func = IR_NONE;
    r->header = header;
    r->function = header == 0;  /* (no loop header is at 0: RESUME is) */
    r->nlocalsplus = co->co_nlocalsplus;
    r->nentry = (int)(sp - frame->localsplus);
    if (r->nentry + FE_FIRST_SLOT_INPUT > 256)  /* enter.c's FE_MAX_INPUTS */
        goto oom;
    r->depth = r->nentry - r->nlocalsplus;
    r->snap = -1;
    r->expect = -1;
    r->slots = calloc((size_t)nslots, sizeof *r->slots);
    r->dirty = malloc((size_t)nslots);
    if (r->dirty)
        memset(r->dirty, 1, (size_t)nslots);
    r->t = ir_trace_new();
    L->code = co;
    L->header = header;
    L->nentry = r->nentry;
    L->input_slot = calloc((size_t)r->nentry + FE_FIRST_SLOT_INPUT, sizeof *L->input_slot);
    L->input_kind = calloc((size_t)r->nentry + FE_FIRST_SLOT_INPUT, 1);
    L->slot_input = calloc((size_t)r->nentry + 1, sizeof *L->slot_input);
    if (jc->written == NULL)
        jc->written = calloc((size_t)nslots + 1, 1);
    L->written = r->written = jc->written;
    L->jc = jc;
    r->wrote = calloc((size_t)r->nentry + 1, 1);
    r->hint = cell->hint;
    if (r->slots == NULL || r->dirty == NULL || r->t == NULL || L->input_slot == NULL ||
        L->input_kind == NULL || L->slot_input == NULL || L->written == NULL || r->wrote == NULL)
        goto oom;

    /* Inputs: p0 = the frame's localsplus, then one per non-empty slot. */
    ir_input(r->t, 'r');
    ir_input(r->t, 'i');
    int n = FE_FIRST_SLOT_INPUT;
    for (int k = 0; k < r->nentry; k++) {
        PyObject *o = frame->localsplus[k];
        fe_kind kind = kind_of(o);
        L->slot_input[k] = IR_NONE;
        if (kind == FE_K_NONE) {
            r->slots[k] = (rec_val){IR_NONE, FE_K_NONE};
            continue;
        }
        ir_ref in = ir_input(r->t, ir_type_of(kind));
        r->slots[k] = (rec_val){in, (uint8_t)kind};
        L->input_slot[n] = k;
        L->input_kind[n] = (uint8_t)kind;
        L->slot_input[k] = in;
        n++;
    }
    L->ninputs = n;
    /* label(all inputs): the loop-carried values. */
    ir_ref *args = malloc(sizeof(ir_ref) * (size_t)n);
    if (args == NULL)
        goto oom;
    for (int k = 0; k < n; k++)
        args[k] = k;
    ir_descr d = {.kind = IR_DESCR_TARGET, .id = (uint64_t)n};
    ir_emit(r->t, IR_label, args, n, ir_descr_add(r->t, &d));
    free(args);

    /* enable_debug(): the loop counts its iterations (loop_run_times). */
    if (rt.debug) {
        L->debug = true;
        IR_EMIT(r->t, IR_increment_debug_counter, -1,
                ir_const_int(r->t, (int64_t)(uintptr_t)&L->runs));
    }
    /* a loop inside another counts its iterations (fe_inner_loop_compiled) */
    if (cell->flags & JC_IS_INNER)
        IR_EMIT(r->t, IR_increment_debug_counter, -1,
                ir_const_int(r->t, (int64_t)(uintptr_t)&L->iters));

    /* Leave at once when another thread, a signal or a pending call wants
     * the interpreter: the snapshot is the header, untouched. */
    r->instr_start = header;
    ir_ref eb = ir_const_int(r->t, (int64_t)(uintptr_t)&PyInterpreterState_Get()->ceval.eval_breaker);
    int d_eb = field_descr(r, "ceval.eval_breaker", 0, 4, 'S');
    ir_ref flag = IR_EMIT(r->t, IR_getfield_raw_i, d_eb, eb);
    guard1(r, IR_guard_false, flag);
    if (ir_failed(r->t))
        goto oom;

    active = r;
    cell->flags |= JC_BEING_TRACED | JC_EXISTS;
    rt_count(RT_C_TRACING, 1);
    return r;

oom:
    PyErr_Clear();
    if (r != NULL) {
        r->proto = L;
        rec_free(r);
    } else if (L != NULL) {
        fe_loop_free(L);
    }
    return NULL;
}

static fe_kind kind_of_box(int box)
{
    switch (box) {
    case IR_BOX_INT: return FE_K_INT;
    case IR_BOX_FLOAT: return FE_K_FLOAT;
    case IR_BOX_BOOL: return FE_K_BOOL;
    case IR_BOX_BORROWED: return FE_K_REF;
    case IR_BOX_OWNED: return FE_K_OWNED;
    default: return FE_K_NONE;
    }
}

/* A snapshot slot as a value of the bridge: one input per distinct value
 * (from_refs says which value of the exit's trace), the snapshot's
 * constants become the bridge's constants. */
static rec_val bridge_value(fe_recorder *r, const ir_trace *tr, ir_slot s, int *n)
{
    fe_kind kind = kind_of_box(s.kind);
    if (kind == FE_K_NONE || s.ref == IR_NONE)
        return (rec_val){IR_NONE, FE_K_NONE};
    if (ir_is_const(s.ref)) {
        const ir_const *c = ir_const_at(tr, s.ref);
        ir_ref v = c->type == 'f' ? ir_const_float(r->t, c->v.f)
                 : c->type == 'r' ? ir_const_ptr(r->t, c->v.p) : ir_const_int(r->t, c->v.i);
        return (rec_val){v, (uint8_t)kind};
    }
    int j = FE_FIRST_SLOT_INPUT;
    while (j < *n && r->from_refs[j] != s.ref)
        j++;
    if (j == *n) {
        ir_input(r->t, ir_type_of(kind));
        r->from_refs[(*n)++] = s.ref;
    }
    return (rec_val){(ir_ref)j, (uint8_t)kind};
}

fe_recorder *fe_rec_start_bridge(fe_jitcode *jc, rt_jitcell *cell, fe_loop *loop, int e,
                                 _PyInterpreterFrame *frame, PyObject **sp, int pc)
{
    (void)sp;
    (void)pc;
    if (active != NULL)
        return NULL;
    if (cell->loop != loop) {
        /* the exit is of another loop of the code, which a bridge of
         * cell's jumped to: the bridge is that loop's */
        int k = rt_cellset_find(&loop->jc->cells, loop->header * (int)sizeof(_Py_CODEUNIT),
                                false, false, 0);
        if (k < 0 || loop->jc->cells.cells[k].loop != loop)
            return NULL;
        cell = &loop->jc->cells.cells[k];
    }
    const jit_exit *x = &loop->mc->exits[e];
    const ir_trace *tr = jit_exit_trace(loop->mc, e);
    int nframes = (int)ir_snap_at(tr, x->snap)->nframes;
    if (nframes > FE_MAX_INLINE_DEPTH + 1)
        return NULL;
    int total = 0;  /* slots of all the snapshot's frames */
    for (int i = 0; i < nframes; i++)
        total += ir_snap_frame_at(tr, x->snap, i)->nslots;
    PyCodeObject *co = loop->code;
    int nslots0 = co->co_nlocalsplus + co->co_stacksize;
    fe_recorder *r = calloc(1, sizeof *r);
    if (r == NULL)
        goto oom;
    r->t0 = now();
    r->cell = cell;
    r->code = r->loop_code = co;
    r->func = IR_NONE;
    r->header = loop->header;
    r->function = loop->header == 0;
    r->nlocalsplus = co->co_nlocalsplus;
    r->nentry = loop->nentry;
    r->snap = -1;
    r->expect = -1;
    r->written = loop->written;
    /* what any trace of the code stores to may be stale in the frame when
     * the bridge starts: synced before its calls */
    r->hint = loop->written;
    r->bridge_of = loop;
    r->bridge_exit = e;
    r->slots = calloc((size_t)nslots0, sizeof *r->slots);
    r->dirty = malloc((size_t)nslots0);
    r->from_refs = malloc(sizeof(ir_ref) * ((size_t)total + FE_FIRST_SLOT_INPUT));
    r->wrote = calloc((size_t)loop->nentry + 1, 1);
    r->start_refs = malloc(sizeof(ir_ref) * ((size_t)loop->nentry + 1));
    r->t = ir_trace_new();
    if (r->slots == NULL || r->dirty == NULL || r->from_refs == NULL || r->t == NULL ||
        r->wrote == NULL || r->start_refs == NULL)
        goto oom;
    memset(r->dirty, 1, (size_t)nslots0);
    /* Inputs: p0 and i1, then the snapshot's values, frame by frame. */
    ir_input(r->t, 'r');
    ir_input(r->t, 'i');
    r->from_refs[0] = 0;
    r->from_refs[1] = 1;
    int n = FE_FIRST_SLOT_INPUT;
    const ir_frame *f = ir_snap_frame_at(tr, x->snap, 0);
    for (int k = 0; k < f->nslots; k++)
        r->slots[k] = bridge_value(r, tr, ir_frame_slots(tr, f)[k], &n);
    for (int k = 0; k < r->nentry; k++)
        r->start_refs[k] = k < f->nslots ? r->slots[k].ref : IR_NONE;
    r->depth = f->nslots - r->nlocalsplus;
    /* A guard inside inlined calls: the trace starts inside them too, in
     * the frames deopt rebuilt (the interpreter runs the innermost). */
    _PyInterpreterFrame *frames[FE_MAX_INLINE_DEPTH + 1];
    frames[nframes - 1] = frame;
    for (int i = nframes - 1; i > 0; i--)
        frames[i - 1] = frames[i]->previous;
    r->frame = frames[0];
    r->jc = fe_jitcode_peek(co);
    for (int i = 1; i < nframes; i++) {
        f = ir_snap_frame_at(tr, x->snap, i);
        PyCodeObject *fco = f->code;
        rec_val *slots = calloc((size_t)(fco->co_nlocalsplus + fco->co_stacksize), sizeof *slots);
        if (slots == NULL)
            goto oom;
        r->callers[r->level++] = (rec_frame){r->code, r->jc, r->func, r->init, r->nlocalsplus, r->depth,
                                             r->slots, r->frame,
                                             ir_snap_frame_at(tr, x->snap, i - 1)->pc};
        r->code = fco;
        r->jc = fe_jitcode_peek(fco);
        r->init = (f->flags & FE_FRAME_INIT) != 0;
        r->nlocalsplus = fco->co_nlocalsplus;
        r->slots = slots;
        r->frame = frames[i];
        /* the frame's slots, then its function (owned) */
        for (int k = 0; k < f->nslots - 1; k++)
            slots[k] = bridge_value(r, tr, ir_frame_slots(tr, f)[k], &n);
        r->func = bridge_value(r, tr, ir_frame_slots(tr, f)[f->nslots - 1], &n).ref;
        r->depth = f->nslots - 1 - r->nlocalsplus;
        r->room += fe_frame_words(fco);
        if (r->jc == NULL)
            goto oom;
    }
    r->max_room = r->room;
    r->max_level = r->level;
    if (r->jc != jc || ir_failed(r->t))
        goto oom;
    active = r;
    rt_count(RT_C_TRACING, 1);
    return r;
oom:
    PyErr_Clear();
    rec_free(r);
    return NULL;
}

/* ---- one instruction ---- */

/* opcode.opname: Python's own list of opcode names (the C table exists
 * only in debug builds). Loaded once at module init (fe_rec_init), so
 * that recording never imports anything. */
static PyObject *opnames;

/* Builtins whose calls with atomic arguments (len: also of a plain
 * container) run no Python code; read once at module init (fe_rec_init),
 * borrowed from the builtins module, which keeps them. */
static PyObject *quiet_builtins[12];

/* math functions a trace calls directly, the C library's: CPython's math
 * module calls these same functions for float arguments, and raises
 * (domain and range errors) only where an argument or the result is not
 * finite -- cases the trace leaves to the interpreter (record_math_call).
 * Resolved at module init (fe_rec_init), owned here: compared by identity
 * with the callable of a CALL. */
static const struct {
    const char *name;
    int nargs;
    void *fn;
} math_fns[] = {
    {"sqrt", 1, (void *)sqrt},   {"exp", 1, (void *)exp},     {"log", 1, (void *)log},
    {"log10", 1, (void *)log10}, {"log2", 1, (void *)log2},   {"sin", 1, (void *)sin},
    {"cos", 1, (void *)cos},     {"tan", 1, (void *)tan},     {"asin", 1, (void *)asin},
    {"acos", 1, (void *)acos},   {"atan", 1, (void *)atan},   {"sinh", 1, (void *)sinh},
    {"cosh", 1, (void *)cosh},   {"tanh", 1, (void *)tanh},   {"fabs", 1, (void *)fabs},
    {"atan2", 2, (void *)atan2}, {"pow", 2, (void *)pow},
};
#define FE_NMATH ((int)(sizeof math_fns / sizeof *math_fns))
static PyObject *math_objs[FE_NMATH];

static void load_math_fns(void)
{
    PyObject *mod = PyImport_ImportModule("math");
    for (int k = 0; mod != NULL && k < FE_NMATH; k++)
        math_objs[k] = PyObject_GetAttrString(mod, math_fns[k].name);
    Py_XDECREF(mod);
    PyErr_Clear();  /* (without math, or one of them, calls stay residual) */
}

int fe_rec_init(void)
{
    if (opnames != NULL)
        return 0;
    PyObject *mod = PyImport_ImportModule("opcode");
    opnames = mod ? PyObject_GetAttrString(mod, "opname") : NULL;
    Py_XDECREF(mod);
    if (opnames != NULL && (!PyList_Check(opnames) || PyList_GET_SIZE(opnames) < 256)) {
        Py_CLEAR(opnames);
        PyErr_SetString(PyExc_ImportError, "pypyjit: unexpected opcode.opname");
    }
    /* len first: the one that also takes plain containers (quiet_call) */
    static const char *const quiet_names[] = {"len", "abs", "ord", "chr", "repr", "hash",
                                              "min", "max", "round", NULL};
    PyObject *bmod = PyImport_ImportModule("builtins");
    for (int k = 0; bmod != NULL && quiet_names[k] != NULL; k++) {
        PyObject *f = PyObject_GetAttrString(bmod, quiet_names[k]);
        if (f == NULL) {
            PyErr_Clear();
            continue;
        }
        quiet_builtins[k] = f;  /* the builtins module keeps it */
        Py_DECREF(f);
    }
    Py_XDECREF(bmod);
    load_math_fns();
    const char *dbg = getenv("PYPYJIT_DEBUG_RECORDER");
    if (dbg != NULL && *dbg != 0 && check_log == NULL)
        check_log = strcmp(dbg, "1") == 0 ? stderr : fopen(dbg, "a");
    return opnames ? 0 : -1;
}

static const char *opname(int opcode)
{
    const char *s = PyUnicode_AsUTF8(PyList_GET_ITEM(opnames, opcode));
    if (s == NULL)
        PyErr_Clear();
    return s ? s : "?";
}

static void merge_point(fe_recorder *r, int index, int opcode)
{
    char repr[512];
    const char *name = opname(opcode);
    PyObject *file = r->code->co_filename, *fn = r->code->co_name;
    int line = PyCode_Addr2Line(r->code, index * (int)sizeof(_Py_CODEUNIT));
    snprintf(repr, sizeof repr, "<code object %s. file '%s'. line %d> #%d %s",
             PyUnicode_Check(fn) ? PyUnicode_AsUTF8(fn) : "?",
             PyUnicode_Check(file) ? PyUnicode_AsUTF8(file) : "?", line,
             index * (int)sizeof(_Py_CODEUNIT), name ? name : "?");
    ir_debug_merge_point(r->t, r->code, index * (int)sizeof(_Py_CODEUNIT), r->level, 0, repr);
}

/* record_binary / record_compare: not a case they handle inline; the
 * caller records the generic, residual form. */
#define RECORD_GENERIC 2

static int record_binary(fe_recorder *r, int oparg, PyObject *lo, PyObject *ro)
{
    rec_val b = TOP(1), a = TOP(2);
    int op = oparg >= NB_INPLACE_ADD ? oparg - NB_INPLACE_ADD : oparg;
    ir_ref res;
    if (a.kind == FE_K_INT && b.kind == FE_K_INT) {
        int64_t x, y, z;
        if (!fits_int64(lo, &x) || !fits_int64(ro, &y))
            return RECORD_GENERIC;
        int ovf;
        switch (op) {
        case NB_ADD: case NB_SUBTRACT: case NB_MULTIPLY:
            ovf = op == NB_ADD ? __builtin_add_overflow(x, y, &z)
                : op == NB_SUBTRACT ? __builtin_sub_overflow(x, y, &z)
                : __builtin_mul_overflow(x, y, &z);
            if (ovf)
                return RECORD_GENERIC;
            res = emit2(r, op == NB_ADD ? IR_int_add_ovf : op == NB_SUBTRACT ? IR_int_sub_ovf
                                                                            : IR_int_mul_ovf,
                        a.ref, b.ref);
            guard0(r, IR_guard_no_overflow);
            break;
        case NB_AND: res = emit2(r, IR_int_and, a.ref, b.ref); break;
        case NB_OR: res = emit2(r, IR_int_or, a.ref, b.ref); break;
        case NB_XOR: res = emit2(r, IR_int_xor, a.ref, b.ref); break;
        case NB_RSHIFT:
            if (y < 0 || y > 63 || !ir_is_const(b.ref))
                return RECORD_GENERIC;
            res = emit2(r, IR_int_rshift, a.ref, b.ref);
            break;
        case NB_FLOOR_DIVIDE: case NB_REMAINDER:
            if (y == 0 || y == -1)
                return RECORD_GENERIC;
            if (!ir_is_const(b.ref)) {
                guard_truth(r, emit1(r, IR_int_is_true, b.ref), true);
                guard_truth(r, emit2(r, IR_int_ne, b.ref, ir_const_int(r->t, -1)), true);
            }
            res = emit2(r, op == NB_FLOOR_DIVIDE ? IR_int_py_div : IR_int_py_mod, a.ref, b.ref);
            break;
        default:
            return RECORD_GENERIC;
        }
        r->depth -= 2;
        push(r, (rec_val){res, FE_K_INT});
        return true;
    }
    if ((a.kind == FE_K_FLOAT || a.kind == FE_K_INT) && (b.kind == FE_K_FLOAT || b.kind == FE_K_INT)) {
        ir_ref x = a.kind == FE_K_INT ? emit1(r, IR_cast_int_to_float, a.ref) : a.ref;
        ir_ref y = b.kind == FE_K_INT ? emit1(r, IR_cast_int_to_float, b.ref) : b.ref;
        switch (op) {
        case NB_ADD: res = emit2(r, IR_float_add, x, y); break;
        case NB_SUBTRACT: res = emit2(r, IR_float_sub, x, y); break;
        case NB_MULTIPLY: res = emit2(r, IR_float_mul, x, y); break;
        case NB_TRUE_DIVIDE:
            if (PyFloat_AsDouble(ro) == 0.0)
                return RECORD_GENERIC;
            guard_truth(r, emit2(r, IR_float_ne, y, ir_const_float(r->t, 0.0)), true);
            res = emit2(r, IR_float_truediv, x, y);
            break;
        default:
            return RECORD_GENERIC;
        }
        r->depth -= 2;
        push(r, (rec_val){res, FE_K_FLOAT});
        return true;
    }
    return RECORD_GENERIC;
}

/* An int constant that a double holds exactly, as that float constant: a
 * float compares with it as with the int (CPython compares exactly). */
static bool exact_float_const(fe_recorder *r, rec_val *v)
{
    if (v->kind != FE_K_INT || !ir_is_const(v->ref))
        return false;
    int64_t i = ir_const_at(r->t, v->ref)->v.i;
    if (i < -(INT64_C(1) << 53) || i > (INT64_C(1) << 53))
        return false;
    *v = (rec_val){ir_const_float(r->t, (double)i), FE_K_FLOAT};
    return true;
}

static int record_compare(fe_recorder *r, int oparg)
{
    static const int int_ops[] = {IR_int_lt, IR_int_le, IR_int_eq, IR_int_ne, IR_int_gt, IR_int_ge};
    static const int float_ops[] = {IR_float_lt, IR_float_le, IR_float_eq, IR_float_ne,
                                    IR_float_gt, IR_float_ge};
    rec_val b = TOP(1), a = TOP(2);
    ir_ref res;
    if (oparg < 0 || oparg > 5)
        return abort_unsupported(r, "comparison");
    if ((a.kind == FE_K_INT || a.kind == FE_K_BOOL) && (b.kind == FE_K_INT || b.kind == FE_K_BOOL))
        res = emit2(r, int_ops[oparg], a.ref, b.ref);
    else if (a.kind == FE_K_FLOAT && b.kind == FE_K_FLOAT)
        res = emit2(r, float_ops[oparg], a.ref, b.ref);
    else if ((a.kind == FE_K_FLOAT && exact_float_const(r, &b)) ||
             (b.kind == FE_K_FLOAT && exact_float_const(r, &a)))
        res = emit2(r, float_ops[oparg], a.ref, b.ref);
    else
        return RECORD_GENERIC;
    r->depth -= 2;
    push(r, (rec_val){res, FE_K_BOOL});
    return true;
}

/* Guards the version of the globals or builtins dict `d` of the frame
 * being recorded: read from the loop's frame (its field at `frame_off`
 * from p0), or, inside an inlined call, from the callee's function (its
 * field at `func_off`). */
static ir_ref namespace_dict(fe_recorder *r, const char *which, int frame_off, int func_off);

static void guard_namespace_version(fe_recorder *r, const char *which, int frame_off,
                                    int func_off, PyObject *d)
{
    ir_ref dict = namespace_dict(r, which, frame_off, func_off);
    int dv = field_descr(r, "dict.ma_version_tag", (int)offsetof(PyDictObject, ma_version_tag), 8, 'U');
    guard2(r, IR_guard_value, IR_EMIT(r->t, IR_getfield_gc_i, dv, dict),
           ir_const_int(r->t, (int64_t)((PyDictObject *)d)->ma_version_tag));
}

/* The frame's globals or builtins dict (which: "globals" / "builtins";
 * the frame's field, or the inlined function's). */
static ir_ref namespace_dict(fe_recorder *r, const char *which, int frame_off, int func_off)
{
    char name[32];
    if (r->level == 0) {
        snprintf(name, sizeof name, "frame.f_%s", which);
        return IR_EMIT(r->t, IR_getfield_gc_r, field_descr(r, name, frame_off, 8, 'P'), 0);
    }
    snprintf(name, sizeof name, "function.func_%s", which);
    return IR_EMIT(r->t, IR_getfield_gc_r, field_descr(r, name, func_off, 8, 'P'), r->func);
}

/* Guards that `dict` (now d) has the keys of version `version` --
 * versions name one state of one keys object, so it is d, with the same
 * keys -- and returns its keys object. */
static ir_ref guard_keys_version(fe_recorder *r, ir_ref dict, uint32_t version)
{
    ir_ref keys = keys_of(r, dict);
    int dv = field_descr(r, "keys.dk_version", (int)offsetof(PyDictKeysObject, dk_version), 4, 'U');
    guard2(r, IR_guard_value, IR_EMIT(r->t, IR_getfield_gc_i, dv, keys), ir_const_int(r->t, version));
    return keys;
}

/* LOAD_GLOBAL as CPython 3.11's LOAD_GLOBAL_MODULE / _BUILTIN specialise
 * it: the keys of globals (and builtins) unchanged, the value read from
 * its entry and guarded to be the one seen -- so that a module storing
 * to its other globals (a module-level loop's variable) does not make the
 * guard fail, as a dict version would. False when the dicts do not allow
 * it (the caller guards their versions instead). */
static bool guard_global_by_keys(fe_recorder *r, PyObject *g, PyObject *b, PyObject *name,
                                 PyObject *v, bool from_builtins, bool variable, rec_val *out)
{
    PyDictObject *found = (PyDictObject *)(from_builtins ? b : g);
    Py_ssize_t off = fe_dict_value_offset(found, name);
    uint32_t gver = fe_dict_keys_version((PyDictObject *)g);
    uint32_t bver = from_builtins ? fe_dict_keys_version((PyDictObject *)b) : 1;
    if (off < 0 || gver == 0 || bver == 0)
        return false;
    ir_ref gd = namespace_dict(r, "globals", FRAME_FIELD(f_globals),
                               (int)offsetof(PyFunctionObject, func_globals));
    ir_ref keys = guard_keys_version(r, gd, gver);
    if (from_builtins)
        keys = guard_keys_version(r, namespace_dict(r, "builtins", FRAME_FIELD(f_builtins),
                                                    (int)offsetof(PyFunctionObject, func_builtins)),
                                  bver);
    char fname[48];
    snprintf(fname, sizeof fname, "keys.value[%zd]", off);
    ir_ref val = IR_EMIT(r->t, IR_getfield_gc_r, field_descr(r, fname, (int)off, 8, 'P'), keys);
    if (variable) {
        /* rebound often: the value read, with the class it has now, and
         * ours until it is used (a call may rebind it meanwhile) */
        guard1(r, IR_guard_nonnull, val);
        guard2(r, IR_guard_class, val, ir_const_class(r->t, Py_TYPE(v), Py_TYPE(v)->tp_name));
        IR_EMIT(r->t, IR_py_incref, -1, val);
        *out = (rec_val){val, FE_K_OWNED, true};
        return true;
    }
    guard2(r, IR_guard_value, val, ir_const_ptr(r->t, v));
    *out = identity_const(r, v);
    return true;
}

static bool name_is_stored(fe_recorder *r, int oparg);

/* The value of `name` in globals g, else in builtins b (both exact dicts),
 * borrowed; NULL when in neither (no exception left set). */
static PyObject *global_value(PyObject *g, PyObject *b, PyObject *name, bool *from_builtins)
{
    PyObject *v = PyDict_GetItemWithError(g, name);
    *from_builtins = false;
    if (v == NULL && !PyErr_Occurred()) {
        v = PyDict_GetItemWithError(b, name);
        *from_builtins = true;
    }
    if (v == NULL)
        PyErr_Clear();
    return v;
}

static bool record_load_global(fe_recorder *r, _PyInterpreterFrame *frame, int oparg,
                               const fe_global_cache *cache)
{
    PyObject *g = frame->f_globals, *b = frame->f_builtins;
    if (!PyDict_CheckExact(g) || !PyDict_CheckExact(b))
        return abort_unsupported(r, "non-dict globals");
    PyObject *name = PyTuple_GET_ITEM(r->code->co_names, oparg >> 1);
    bool from_builtins;
    PyObject *v = global_value(g, b, name, &from_builtins);
    if (v == NULL)
        return abort_unsupported(r, "missing global");
    /* The value is a constant while neither dict changes. Dict versions
     * are unique across all dicts, so checking the frame's dicts' versions
     * also checks that they are the same dicts -- and the trace keeps no
     * dict alive. */
    /* (the guards' snapshots: before the instruction, nothing pushed) */
    rec_val val;
    bool variable = cache->rebound >= FE_GLOBAL_REBOUND_MAX || name_is_stored(r, oparg >> 1);
    if (!guard_global_by_keys(r, g, b, name, v, from_builtins, variable, &val)) {
        guard_namespace_version(r, "globals", FRAME_FIELD(f_globals),
                                (int)offsetof(PyFunctionObject, func_globals), g);
        if (from_builtins)
            guard_namespace_version(r, "builtins", FRAME_FIELD(f_builtins),
                                    (int)offsetof(PyFunctionObject, func_builtins), b);
        val = identity_const(r, v);
    }
    if (oparg & 1)
        push(r, (rec_val){IR_NONE, FE_K_NONE});  /* the NULL before a callable */
    push(r, val);
    return true;
}

/* ---- module-level code: LOAD_NAME / STORE_NAME on the module's dict,
 * which is the frame's locals and its globals at once ---- */

/* Whether the name `oparg` of the code being recorded is stored to (or
 * deleted) by the code itself: a module-level loop's variable, read
 * anew at every use rather than guarded to keep its object. The code's
 * stored names are found once, by the first trace that asks. */
static bool name_is_stored(fe_recorder *r, int oparg)
{
    fe_jitcode *jc = r->jc;
    if (jc->names_stored == NULL) {
        jc->names_stored = calloc((size_t)PyTuple_GET_SIZE(r->code->co_names) + 1, 1);
        if (jc->names_stored == NULL)
            return true;  /* (out of memory: read it, which is always right) */
        int arg = 0;
        for (Py_ssize_t i = 0; i < jc->ncodeunits; i++) {
            int op = fe_base_opcode[_Py_OPCODE(jc->insns[i])];
            arg = arg << 8 | _Py_OPARG(jc->insns[i]);
            if (op == EXTENDED_ARG)
                continue;
            if (op == STORE_NAME || op == DELETE_NAME || op == STORE_GLOBAL || op == DELETE_GLOBAL)
                jc->names_stored[arg] = 1;
            arg = 0;
            i += _PyOpcode_Caches[op];
        }
    }
    return jc->names_stored[oparg] != 0;
}

/* The frame's locals are its globals (module code; a class body or exec()
 * with other locals is not compiled): guarded, as the same code may run
 * with other namespaces. */
static bool guard_module_namespace(fe_recorder *r, _PyInterpreterFrame *frame)
{
    if (r->level != 0 || frame->f_locals != frame->f_globals || !PyDict_CheckExact(frame->f_globals) ||
        !PyDict_CheckExact(frame->f_builtins))
        return abort_unsupported(r, "LOAD_NAME / STORE_NAME outside a module's own code");
    ir_ref l = IR_EMIT(r->t, IR_getfield_gc_r, field_descr(r, "frame.f_locals", FRAME_FIELD(f_locals), 8, 'P'), 0);
    ir_ref g = namespace_dict(r, "globals", FRAME_FIELD(f_globals), 0);
    guard_truth(r, emit2(r, IR_ptr_eq, l, g), true);
    return true;
}

/* LOAD_NAME in module code: as LOAD_GLOBAL (globals, then builtins); a
 * name the code stores to is read from its dict entry at every use. */
static bool record_load_name(fe_recorder *r, _PyInterpreterFrame *frame, int oparg)
{
    if (!guard_module_namespace(r, frame))
        return false;
    PyObject *g = frame->f_globals, *b = frame->f_builtins;
    PyObject *name = PyTuple_GET_ITEM(r->code->co_names, oparg);
    bool from_builtins;
    PyObject *v = global_value(g, b, name, &from_builtins);
    if (v == NULL)
        return abort_unsupported(r, "missing name");
    rec_val val;
    if (!guard_global_by_keys(r, g, b, name, v, from_builtins, name_is_stored(r, oparg), &val))
        return abort_unsupported(r, "LOAD_NAME from a dict without a keys version");
    push(r, val);
    return true;
}

/* STORE_NAME in module code (and STORE_GLOBAL anywhere: `global`): the
 * dict's own store (a new version for it, as CPython's), the old value
 * released after a frame sync (its finalizer may look at the frame). */
static bool record_store_name(fe_recorder *r, _PyInterpreterFrame *frame, int index, int oparg,
                              bool global)
{
    if (!global && !guard_module_namespace(r, frame))
        return false;
    if (global && !PyDict_CheckExact(frame->f_globals))
        return abort_unsupported(r, "non-dict globals");
    PyObject *name = PyTuple_GET_ITEM(r->code->co_names, oparg);
    if (!PyUnicode_CheckExact(name) || ((PyASCIIObject *)name)->hash == -1)
        return abort_unsupported(r, "STORE_NAME of a name without its hash");
    rec_val v = TOP(1);
    bool owned = v.kind == FE_K_OWNED;
    ir_ref obj = owned ? v.ref : as_object(r, v, &owned);
    if (obj == IR_NONE)
        return abort_unsupported(r, "stored value of this kind");
    ir_ref gd = namespace_dict(r, "globals", FRAME_FIELD(f_globals),
                               (int)offsetof(PyFunctionObject, func_globals));
    int d = call_descr(r, "dict_replace", 'r', "rrr", IR_CALL_CAN_RAISE);
    ir_ref old = IR_EMIT(r->t, IR_call_r, d,
                         ir_const_class(r->t, (void *)fe_rt_dict_replace, "dict_replace"), gd,
                         ir_const_ptr(r->t, name), obj);
    if (owned)
        IR_EMIT(r->t, IR_py_decref, -1, obj);  /* the dict took its own */
    r->depth -= 1;
    guard_resuming_at(r, -1 - index, IR_guard_nonnull, old);  /* (out of memory) */
    /* (inside an inlined call, as release_popped: the loop's frame as of
     * its last sync) */
    if (r->level == 0 && !sync_frame(r, index))
        return false;
    IR_EMIT(r->t, IR_py_decref, -1, old);
    return true;
}

/* FOR_ITER found its iterator exhausted: in a bridge (one leaving an
 * inner loop, or its outer loop), the path goes on after the loop. */
static bool may_leave_loop(const fe_recorder *r)
{
    return r->bridge_of != NULL && r->level == 0;
}

/* The exhausted iterator leaves the stack and the path goes on at
 * `target`, after the loop. One the trace owns is released now; one the
 * frame holds (a loop header's stack slot, the loop's input) stays there
 * until an exit drops it (deopt, finish) or the bridge's end replaces it
 * with the next iterator (close_loop): the frame's memory keeps it. */
static bool iterator_done(fe_recorder *r, int target)
{
    rec_val it = pop(r);
    if (it.kind == FE_K_OWNED)
        IR_EMIT(r->t, IR_py_decref, -1, it.ref);
    else if (it.kind != FE_K_REF || r->nlocalsplus + r->depth >= r->nentry)
        return abort_unsupported(r, "an exhausted iterator the frame does not hold");
    else
        r->quiet_drops++;  /* a range or list iterator: its release runs no code */
    r->expect = target;
    return true;
}

static bool record_for_iter_generic(fe_recorder *r, int index, int oparg, int next);

/* FOR_ITER over a list iterator, inline: the item at the iterator's index
 * while it is below the list's current length (the end, or a list that
 * shrank, leaves to the interpreter, which ends the loop). */
static bool record_for_iter_list(fe_recorder *r, PyObject *it, int oparg, int next_index)
{
    /* listiterobject {HEAD; Py_ssize_t it_index; PyListObject *it_seq} (3.11) */
    struct listiter { PyObject_HEAD Py_ssize_t it_index; PyListObject *it_seq; } *li = (void *)it;
    bool ends = li->it_seq == NULL || li->it_index >= PyList_GET_SIZE(li->it_seq);
    if (ends && (li->it_seq == NULL || !may_leave_loop(r)))
        return abort_loop_ended(r, "the loop ended while it was being traced");
    rec_val v = TOP(1);
    guard2(r, IR_guard_class, v.ref, ir_const_class(r->t, &PyListIter_Type, "list_iterator"));
    int dseq = field_descr(r, "listiter.it_seq", (int)offsetof(struct listiter, it_seq), 8, 'P');
    int didx = field_descr(r, "listiter.it_index", (int)offsetof(struct listiter, it_index), 8, 'S');
    int dsz = field_descr(r, "list.ob_size", (int)offsetof(PyVarObject, ob_size), 8, 'S');
    int dit = field_descr(r, "list.ob_item", (int)offsetof(PyListObject, ob_item), 8, 'P');
    ir_ref seq = IR_EMIT(r->t, IR_getfield_gc_r, dseq, v.ref);
    guard1(r, IR_guard_nonnull, seq);
    ir_ref idx = IR_EMIT(r->t, IR_getfield_gc_i, didx, v.ref);
    ir_ref len = IR_EMIT(r->t, IR_getfield_gc_i, dsz, seq);
    guard_truth(r, emit2(r, IR_int_lt, idx, len), !ends);
    if (ends) {
        /* as listiter_next: the exhausted iterator lets go of its list */
        IR_EMIT(r->t, IR_setfield_gc, dseq, v.ref, ir_const_ptr(r->t, NULL));
        IR_EMIT(r->t, IR_py_decref, -1, seq);
        return iterator_done(r, next_index + oparg);
    }
    ir_ref items = IR_EMIT(r->t, IR_getfield_gc_r, dit, seq);
    ir_descr da = {.kind = IR_DESCR_ARRAY, .flag = 'P', .size = 8, .name = "list items"};
    ir_ref item = IR_EMIT(r->t, IR_getarrayitem_gc_r, ir_descr_add(r->t, &da), items, idx);
    IR_EMIT(r->t, IR_py_incref, -1, item);
    IR_EMIT(r->t, IR_setfield_gc, didx, v.ref, emit2(r, IR_int_add, idx, ir_const_int(r->t, 1)));
    push(r, (rec_val){item, FE_K_OWNED, true});
    return true;
}

static bool record_for_iter(fe_recorder *r, PyObject *it, int oparg, int next_index, int index)
{
    rec_val v = TOP(1);
    /* (owned: an iterator made in this trace, a bridge entering an inner
     * loop again) */
    if (v.kind != FE_K_REF && v.kind != FE_K_OWNED)
        return abort_unsupported(r, "FOR_ITER over a value of this kind");
    if (Py_TYPE(it) == &PyListIter_Type)
        return record_for_iter_list(r, it, oparg, next_index);
    if (Py_TYPE(it) != &PyRangeIter_Type)
        return record_for_iter_generic(r, index, oparg, next_index);
    /* rangeiterobject {HEAD; long index, start, step, len} (3.11) */
    struct rangeiter { PyObject_HEAD long index, start, step, len; } *ri = (void *)it;
    bool ends = ri->index >= ri->len;
    if (ends && !may_leave_loop(r))
        return abort_bad_loop(r, "the loop ended while it was being traced");
    ir_ref cls = ir_const_class(r->t, &PyRangeIter_Type, "range_iterator");
    guard2(r, IR_guard_class, v.ref, cls);
    int di = field_descr(r, "rangeiter.index", (int)offsetof(struct rangeiter, index), 8, 'S');
    int ds = field_descr(r, "rangeiter.start", (int)offsetof(struct rangeiter, start), 8, 'S');
    int dt = field_descr(r, "rangeiter.step", (int)offsetof(struct rangeiter, step), 8, 'S');
    int dl = field_descr(r, "rangeiter.len", (int)offsetof(struct rangeiter, len), 8, 'S');
    ir_ref idx = IR_EMIT(r->t, IR_getfield_gc_i, di, v.ref);
    ir_ref len = IR_EMIT(r->t, IR_getfield_gc_i, dl, v.ref);
    guard_truth(r, emit2(r, IR_int_lt, idx, len), !ends);
    if (ends)
        return iterator_done(r, next_index + oparg);
    ir_ref start = IR_EMIT(r->t, IR_getfield_gc_i, ds, v.ref);
    ir_ref step = IR_EMIT(r->t, IR_getfield_gc_i, dt, v.ref);
    /* start + index*step cannot overflow: CPython computed the length so
     * that every value fits in a long. */
    ir_ref val = emit2(r, IR_int_add, start, emit2(r, IR_int_mul, idx, step));
    IR_EMIT(r->t, IR_setfield_gc, di, v.ref, emit2(r, IR_int_add, idx, ir_const_int(r->t, 1)));
    push(r, (rec_val){val, FE_K_INT});
    return true;
}

/* A jump to `target` (code unit): back to our header closes the trace. */
static bool jump_to(fe_recorder *r, int target, bool backward)
{
    r->expect = target;
    if (!backward)
        return true;
    if (target == r->header && r->level == 0)
        return close_loop(r);
    /* A bridge leaving an inner loop goes on to the header of a loop with
     * machine code, where fe_rec_instr closes it -- its own loop's or
     * another's of the code (nested loops then run in machine code, from
     * loop to loop); round a loop without code at most once. */
    if (r->bridge_of != NULL && r->level == 0 &&
        (loop_at(r, target) != NULL || r->foreign_edges++ == 0))
        return true;
    if (r->bridge_of != NULL && r->level == 0 && may_compile(r, target))
        r->bridge_waits = true;  /* (not the exit's fault: try again later) */
    return abort_unsupported(r, "inner loop");
}

/* ---- calls ---- */

static int call_descr(fe_recorder *r, const char *name, char result, const char *argtypes,
                      uint32_t flags)
{
    ir_descr d = {.kind = IR_DESCR_CALL, .flag = result, .size = 8, .callflags = flags,
                  .argtypes = argtypes, .name = name};
    return ir_descr_add(r->t, &d);
}

/* A new reference for a value that a call takes (owned temporaries are
 * released after the call); *owned says whether it must be released. */
static ir_ref as_object(fe_recorder *r, rec_val v, bool *owned)
{
    const char *name;
    void *fn;
    char at;
    *owned = false;
    switch (v.kind) {
    case FE_K_REF:
        return v.ref;
    case FE_K_INT: fn = (void *)fe_rt_box_int; name = "box_int"; at = 'i'; break;
    case FE_K_FLOAT: fn = (void *)fe_rt_box_float; name = "box_float"; at = 'f'; break;
    case FE_K_BOOL: fn = (void *)fe_rt_box_bool; name = "box_bool"; at = 'i'; break;
    default: return IR_NONE;
    }
    if (r->function) {
        /* A function trace: a local never stored to is the very object
         * the frame was called with -- boxing it again would make a new
         * object where CPython has that one (`is`, id()). (Not so in a
         * loop, whose next iteration may come from a path that stores.) */
        const rec_val *slots0 = r->level > 0 ? r->callers[0].slots : r->slots;
        int n0 = r->level > 0 ? r->callers[0].nlocalsplus : r->nlocalsplus;
        for (int k = 0; k < n0 && k < r->nentry; k++)
            if (!r->written[k] && slots0[k].ref == v.ref && slots0[k].kind == v.kind) {
                return IR_EMIT(r->t, IR_getfield_gc_r, item_descr(r, "frame.localsplus", 0, k), 0);
            }
    }
    *owned = true;
    char types[2] = {at, 0};
    int oops = v.kind == FE_K_FLOAT ? IR_OS_BOX_FLOAT : IR_OS_BOX_INT;
    ir_descr d = {.kind = IR_DESCR_CALL, .flag = 'r', .size = 8,
                  .callflags = IR_CALL_MEMERROR_ONLY, .oopspec = oops, .argtypes = types,
                  .name = name};
    int di = ir_descr_add(r->t, &d);
    return IR_EMIT(r->t, IR_call_r, di, ir_const_class(r->t, fn, name), v.ref);
}

/* Before a call that can run Python code: make the frame what CPython
 * would show -- prev_instr at the call, and every local the loop stores
 * to holding its current value -- so sys._getframe(), f_locals, tracebacks
 * and finalizers see exactly CPython's frame. Inside inlined calls, their
 * frames are pushed too (push_inlined_frames), and popped right after the
 * call (pop_inlined_frames). */
static bool push_inlined_frames(fe_recorder *r, int index);

/* One more residual operation. Inside an inlined call, one too many for
 * the loop (FE_MAX_RESIDUAL) makes the function the loop's frame calls
 * into a residual call from now on (one operation instead of its many):
 * this trace aborts, the next one calls it. */
static bool count_residual(fe_recorder *r, const char *name)
{
    size_t used = strlen(r->residuals);
    if (used + strlen(name) + 3 < sizeof r->residuals)
        snprintf(r->residuals + used, sizeof r->residuals - used, "%s%s", used ? ", " : "", name);
    r->nresidual++;
    /* (a function trace's residual operations cost what they cost the
     * interpreter, and there is no cheaper way to run it) */
    if (r->level == 0 || r->bridge_of != NULL || r->function || r->nresidual <= FE_MAX_RESIDUAL)
        return true;
    fe_jitcode *outer = r->level > 1 ? r->callers[1].jc : r->jc;
    PyCodeObject *code = r->level > 1 ? r->callers[1].code : r->code;
    outer->no_inline = true;
    r->cell->aborts--;  /* not the loop's fault: the next trace will do */
    char msg[200];
    PyObject *qualname = code->co_qualname;
    snprintf(msg, sizeof msg, "more than %d residual operations with %s inlined (%s): called from now on",
             FE_MAX_RESIDUAL, PyUnicode_Check(qualname) ? PyUnicode_AsUTF8(qualname) : "?",
             r->residuals);
    return abort_unsupported(r, msg);
}

/* Local k of the loop's frame, unboxed `v` in the trace, boxed into the
 * frame (whose old box goes; NULL when first bound in this iteration). */
static bool sync_local(fe_recorder *r, int k, rec_val v)
{
    r->dirty[k] = 0;
    bool owned;
    ir_ref obj = as_object(r, v, &owned);
    if (obj == IR_NONE)
        return abort_unsupported(r, "local of this kind across a call");
    if (!owned)
        IR_EMIT(r->t, IR_py_incref, -1, obj);
    int ds = item_descr(r, "frame.localsplus", 0, k);
    ir_ref old = IR_EMIT(r->t, IR_getfield_gc_r, ds, 0);
    IR_EMIT(r->t, IR_setfield_gc, ds, 0, obj);
    IR_EMIT(r->t, IR_py_xdecref, -1, old);
    return true;
}

static bool sync_frame(fe_recorder *r, int index)
{
    /* the loop's frame: waiting at its CALL when inside inlined calls */
    const rec_val *slots = r->level > 0 ? r->callers[0].slots : r->slots;
    PyCodeObject *code = r->level > 0 ? r->callers[0].code : r->code;
    int at = r->level > 0 ? r->callers[0].resume - 1 : index;
    int dp = field_descr(r, "frame.prev_instr", FRAME_FIELD(prev_instr), 8, 'U');
    IR_EMIT(r->t, IR_setfield_gc, dp, 0,
            ir_const_int(r->t, (int64_t)(uintptr_t)(_PyCode_CODE(code) + at)));
    for (int k = 0; k < code->co_nlocalsplus && k < r->nentry; k++) {
        if (!r->wrote[k] && !(r->hint && r->hint[k]))
            continue;
        rec_val v = slots[k];
        if (!is_unboxed(v.kind))
            continue;  /* objects are written through (store_fast); NULL is NULL */
        if (!r->dirty[k])
            continue;  /* synced since its last store */
        if (!sync_local(r, k, v))
            return false;
    }
    r->has_calls = true;
    return r->level == 0 || push_inlined_frames(r, index);
}

/* The frames of the inlined calls the trace is inside, pushed for a call
 * that may look at them, outermost first: each a real frame on the data
 * stack (fe_rt_push_frame; fe_loop_run checked the room) holding new
 * references to its locals' current values, waiting at its CALL, the
 * innermost at the instruction `index`. The stack slots stay out, as
 * CPython's stacktop hides them during a call. */
static bool push_inlined_frames(fe_recorder *r, int index)
{
    int dpush = call_descr(r, "push_frame", 'r', "ri", 0);
    for (int i = 1; i <= r->level; i++) {
        bool inner = i == r->level;
        PyCodeObject *code = inner ? r->code : r->callers[i].code;
        ir_ref func = inner ? r->func : r->callers[i].func;
        const rec_val *slots = inner ? r->slots : r->callers[i].slots;
        int at = inner ? index : r->callers[i].resume - 1;
        ir_ref f = IR_EMIT(r->t, IR_call_r, dpush,
                           ir_const_class(r->t, (void *)fe_rt_push_frame, "push_frame"),
                           func,
                           ir_const_int(r->t, (int64_t)(uintptr_t)(_PyCode_CODE(code) + at)));
        for (int k = 0; k < code->co_nlocalsplus; k++) {
            rec_val v = slots[k];
            if (v.kind == FE_K_NONE)
                continue;
            bool owned = false;
            ir_ref obj = v.kind == FE_K_OWNED ? v.ref : as_object(r, v, &owned);
            if (obj == IR_NONE)
                return abort_unsupported(r, "local of this kind across a call");
            if (!owned)
                IR_EMIT(r->t, IR_py_incref, -1, obj);
            IR_EMIT(r->t, IR_setfield_gc, item_descr(r, "frame.localsplus", 0, k), f, obj);
        }
    }
    return true;
}

/* After the call: the frames push_inlined_frames pushed go, innermost
 * first, as CPython clears frames (a frame object that outlives one keeps
 * a copy). */
static void pop_inlined_frames(fe_recorder *r)
{
    if (r->level == 0)
        return;
    int d = call_descr(r, "pop_frames", 'v', "i", 0);
    IR_EMIT(r->t, IR_call_n, d, ir_const_class(r->t, (void *)fe_rt_pop_frames, "pop_frames"),
            ir_const_int(r->t, r->level));
}

/* Whether a callee switched tracing on: the cframe's flag, through the
 * address the loop gets as input i1. */
static ir_ref use_tracing(fe_recorder *r)
{
    int d = field_descr(r, "cframe.use_tracing", 0, 1, 'U');
    return IR_EMIT(r->t, IR_getfield_raw_i, d, 1);
}

/* A residual call of helper `fn` that may run Python code, for the
 * instruction at `index` (next: the one after it). The first `nvals`
 * values are passed as objects (unboxed ones boxed), then `extra` ints.
 * The instruction consumes the top `npop` stack slots. In CPython's order:
 * sync the frame, call, release what the instruction consumed (owned
 * values, boxes), then leave if the call raised (the interpreter raises
 * it at this instruction) and, when tracing was switched on, leave after
 * it. Pushes the result (kind OWNED) when `res_type` is 'r'. */
static bool residual(fe_recorder *r, int index, int next, void *fn, const char *name,
                     const rec_val *vals, int nvals, const int64_t *extra, int nextra,
                     int npop, char res_type, ir_ref *out)
{
    ir_ref args[16];
    bool owned[14];
    char types[16];
    if (nvals + nextra > 13)  /* (the backend's limit: 14 with the function) */
        return abort_unsupported(r, "call with too many arguments");
    args[0] = ir_const_class(r->t, fn, name);
    for (int k = 0; k < nvals; k++) {
        if (vals[k].kind == FE_K_OWNED) {
            args[1 + k] = vals[k].ref;
            owned[k] = true;
        } else {
            args[1 + k] = as_object(r, vals[k], &owned[k]);
            if (args[1 + k] == IR_NONE)
                return abort_unsupported(r, "operand of this kind");
        }
        types[k] = 'r';
    }
    for (int k = 0; k < nextra; k++) {
        args[1 + nvals + k] = ir_const_int(r->t, extra[k]);
        types[nvals + k] = 'i';
    }
    types[nvals + nextra] = 0;
    /* A quiet operation (its operands' classes guarded: no Python code can
     * run, nothing can look at the frame or switch tracing on) needs no
     * frame sync and costs a loop nothing but the call. */
    bool quiet = r->quiet;
    r->quiet = false;
    if (!quiet && (!sync_frame(r, index) || !count_residual(r, name)))
        return false;
    int d = call_descr(r, name, res_type, types,
                       quiet ? IR_CALL_CAN_RAISE : IR_CALL_CAN_RAISE | IR_CALL_MAY_FORCE);
    ir_ref res = ir_emit(r->t, res_type == 'r' ? IR_call_r : IR_call_i, args, 1 + nvals + nextra, d);
    if (!quiet)
        pop_inlined_frames(r);
    /* Release what the instruction consumed: boxes made here, and owned
     * values it popped (npop 0: the operand stays, e.g. a branch's). */
    for (int k = 0; k < nvals; k++)
        if (owned[k] && (vals[k].kind != FE_K_OWNED || npop > 0))
            IR_EMIT(r->t, IR_py_decref, -1, args[1 + k]);
    r->depth -= npop;
    /* The call raised: the interpreter raises it at this instruction. The
     * helpers fail exactly when they return NULL (objects) or a negative
     * number (ints): no PyErr_Occurred() call needed. */
    if (res_type == 'r')
        guard_resuming_at(r, -1 - index, IR_guard_nonnull, res);
    else
        guard_resuming_at(r, -1 - index, IR_guard_false,
                          emit2(r, IR_int_lt, res, ir_const_int(r->t, 0)));
    if (res_type == 'r')
        push(r, (rec_val){res, FE_K_OWNED});
    /* tracing switched on by the callee: CPython goes on after the call */
    if (!quiet)
        guard_resuming_at(r, next, IR_guard_false, use_tracing(r));
    if (out)
        *out = res;
    return true;
}

/* ---- quiet operations: what CPython does for operands of these exact
 * classes runs no Python code (no __eq__, __hash__, __index__, __del__ of
 * anyone's), so the residual call needs no frame sync. Each quiet_* check
 * guards the classes it relied on and sets r->quiet for the next
 * residual(). ---- */

/* Values of these exact classes: their operations, comparisons, hashing
 * and deallocation are C code only. */
static bool atomic(PyObject *o)
{
    PyTypeObject *tp = Py_TYPE(o);
    return tp == &PyLong_Type || tp == &PyFloat_Type || tp == &PyUnicode_Type ||
           tp == &PyBytes_Type || tp == &PyBool_Type || o == Py_None;
}

/* Guards that `v` (now `o`) keeps o's exact class; unboxed values and
 * constants keep it anyway. */
static void guard_exact(fe_recorder *r, rec_val v, PyObject *o)
{
    if (is_unboxed(v.kind) || ir_is_const(v.ref))
        return;
    if (o == Py_None)
        guard2(r, IR_guard_value, v.ref, ir_const_ptr(r->t, Py_None));
    else
        guard2(r, IR_guard_class, v.ref, ir_const_class(r->t, Py_TYPE(o), Py_TYPE(o)->tp_name));
}

/* A borrowed container of one of these exact classes (an owned one could
 * be released by the operation's end, running its items' finalizers). */
static bool plain_container(rec_val v, PyObject *o)
{
    PyTypeObject *tp = Py_TYPE(o);
    return v.kind == FE_K_REF && (tp == &PyList_Type || tp == &PyTuple_Type || tp == &PyDict_Type);
}

/* GET_ITER: iter(x), a call of the type's tp_iter. Quiet for the builtin
 * containers, whose iterators are made without Python code (an owned
 * operand is released after: the iterator holds it). */
static bool record_get_iter(fe_recorder *r, int index, int next, PyObject *o)
{
    PyTypeObject *tp = Py_TYPE(o);
    if (tp == &PyRange_Type || tp == &PyList_Type || tp == &PyTuple_Type || tp == &PyDict_Type ||
        tp == &PyUnicode_Type || tp == &PyBytes_Type || tp == &PySet_Type ||
        tp == &PyFrozenSet_Type) {
        guard_exact(r, TOP(1), o);
        r->quiet = true;
    }
    /* (any other object: a call that may run its __iter__) */
    rec_val v = TOP(1);
    return residual(r, index, next, (void *)PyObject_GetIter, "get_iter", &v, 1, NULL, 0, 1, 'r',
                    NULL);
}

/* A dict whose lookups never compare keys with Python code: its keys are
 * all str (a unicode or split table), guarded on the keys object's kind. */
static bool str_keyed_dict(fe_recorder *r, rec_val v, PyObject *o, bool emit)
{
    if (!PyDict_CheckExact(o) || v.kind != FE_K_REF)
        return false;
    PyDictKeysObject *keys = ((PyDictObject *)o)->ma_keys;
    if (keys->dk_kind != DICT_KEYS_UNICODE && keys->dk_kind != DICT_KEYS_SPLIT)
        return false;
    if (emit) {
        guard_exact(r, v, o);
        int dkind = field_descr(r, "keys.dk_kind", (int)offsetof(PyDictKeysObject, dk_kind), 1, 'U');
        ir_ref kind = IR_EMIT(r->t, IR_getfield_gc_i, dkind, keys_of(r, v.ref));
        guard2(r, IR_guard_value, kind, ir_const_int(r->t, keys->dk_kind));
    }
    return true;
}

/* Two atomic operands (binary operators, comparisons): quiet. */
static void quiet_atomic2(fe_recorder *r, PyObject **sp)
{
    if (!atomic(sp[-2]) || !atomic(sp[-1]))
        return;
    guard_exact(r, TOP(2), sp[-2]);
    guard_exact(r, TOP(1), sp[-1]);
    r->quiet = true;
}

/* A slice this trace built (record_build_slice) from ints and Nones,
 * guarded: using it calls no __index__. */
static bool atomic_slice(fe_recorder *r, rec_val kv, PyObject *k)
{
    if (!PySlice_Check(k) || kv.kind != FE_K_OWNED || !ir_is_op(kv.ref) ||
        ir_opnum(r->t, kv.ref) != IR_call_r)
        return false;
    ir_ref fn = ir_arg(r->t, kv.ref, 0);
    PySliceObject *sl = (PySliceObject *)k;
    return ir_is_const(fn) && ir_const_at(r->t, fn)->v.p == (void *)fe_rt_build_slice &&
           atomic(sl->start) && atomic(sl->stop) && atomic(sl->step);
}

/* container[key]: a list, tuple or str by an int or by a slice of ints; a
 * str-keyed dict by a str. */
static void quiet_subscr(fe_recorder *r, PyObject **sp)
{
    PyObject *c = sp[-2], *k = sp[-1];
    rec_val cv = TOP(2), kv = TOP(1);
    bool int_key = PyLong_CheckExact(k) || atomic_slice(r, kv, k);
    if (((PyList_CheckExact(c) || PyTuple_CheckExact(c)) && cv.kind == FE_K_REF && int_key) ||
        (PyUnicode_CheckExact(c) && int_key)) {
        guard_exact(r, cv, c);
    } else if (PyUnicode_CheckExact(k) && str_keyed_dict(r, cv, c, false)) {
        str_keyed_dict(r, cv, c, true);
    } else {
        return;
    }
    if (!PySlice_Check(k))
        guard_exact(r, kv, k);
    r->quiet = true;
}

/* BUILD_SLICE: PySlice_New, which runs no Python code. Bounds that are
 * ints or None are guarded so, for quiet_subscr. */
static bool record_build_slice(fe_recorder *r, int index, int next, PyObject **sp, int n)
{
    bool all_atomic = true;
    for (int k = 1; k <= n; k++)
        all_atomic &= atomic(sp[-k]);
    if (all_atomic)
        for (int k = 1; k <= n; k++)
            guard_exact(r, TOP(k), sp[-k]);
    rec_val vals[3];
    for (int k = 0; k < n; k++)
        vals[k] = TOP(n - k);
    if (n == 2)
        vals[2] = (rec_val){ir_const_ptr(r->t, NULL), FE_K_REF};
    r->quiet = true;
    return residual(r, index, next, (void *)fe_rt_build_slice, "build_slice", vals, 3, NULL, 0,
                    n, 'r', NULL);
}

/* LIST_EXTEND by an exact tuple or list (a list display of constants is
 * BUILD_LIST + LIST_EXTEND of a tuple), LIST_APPEND (comprehensions) of
 * anything: the items are increfed, nothing else runs, so no frame sync.
 * The list is the one the display or comprehension builds. */
static bool record_list_add(fe_recorder *r, int index, PyObject **sp, int oparg, bool extend)
{
    rec_val it = TOP(1), lst = TOP(oparg + 1);
    PyObject *o = sp[-1];
    bool owned = it.kind == FE_K_OWNED;
    if ((extend && !(PyTuple_CheckExact(o) || PyList_CheckExact(o))) ||
        (extend && it.kind != FE_K_REF && !owned) ||
        !PyList_CheckExact(sp[-(oparg + 1)]) ||
        (lst.kind != FE_K_REF && lst.kind != FE_K_OWNED))
        return abort_unsupported(r, extend ? "LIST_EXTEND of this kind" : "LIST_APPEND of this kind");
    ir_ref obj = it.ref;
    if (extend)
        guard_exact(r, it, o);
    else if (!owned && (obj = as_object(r, it, &owned)) == IR_NONE)
        return abort_unsupported(r, "LIST_APPEND of this kind");
    int d = call_descr(r, extend ? "list_extend" : "list_append", 'i', "rr", IR_CALL_CAN_RAISE);
    ir_ref res = IR_EMIT(r->t, IR_call_i, d,
                         extend ? ir_const_class(r->t, (void *)fe_rt_list_extend, "list_extend")
                                : ir_const_class(r->t, (void *)fe_rt_list_append, "list_append"),
                         lst.ref, obj);
    r->depth--;
    if (owned)  /* (the list holds its own references) */
        IR_EMIT(r->t, IR_py_decref, -1, obj);
    /* out of memory: the interpreter raises it at this instruction */
    guard_resuming_at(r, -1 - index, IR_guard_false, emit2(r, IR_int_lt, res, ir_const_int(r->t, 0)));
    return true;
}

/* SET_ADD / MAP_ADD of a set or dict comprehension: the container stays on
 * the stack (oparg deep), the item (or key and value) leaves. SET_ADD is
 * quiet when the item is of a class whose hash and == run no Python code
 * (a set keeps the element it has); MAP_ADD never is, as a repeated key
 * releases the value it had, whatever it is (a finalizer may run). */
static bool record_comprehension_add(fe_recorder *r, int index, int next, PyObject **sp, int oparg,
                                     bool map)
{
    int n = map ? 2 : 1;
    PyObject *c = sp[-(oparg + n)];
    if (map ? !PyDict_CheckExact(c) : !PySet_CheckExact(c))
        return abort_unsupported(r, map ? "MAP_ADD to this kind" : "SET_ADD to this kind");
    if (!map && atomic(sp[-1])) {
        guard_exact(r, TOP(1), sp[-1]);
        r->quiet = true;
    }
    rec_val vals[3] = {TOP(oparg + n), TOP(n), TOP(1)};
    if (vals[0].kind == FE_K_OWNED)
        vals[0].kind = FE_K_REF;  /* (lent to the call: the stack keeps it) */
    if (vals[0].kind != FE_K_REF)
        return abort_unsupported(r, "a comprehension's container of this kind");
    return residual(r, index, next, map ? (void *)fe_rt_map_add : (void *)fe_rt_set_add,
                    map ? "map_add" : "set_add", vals, 1 + n, NULL, 0, n, 'i', NULL);
}

/* item in container: str in str, str in a str-keyed dict. */
static void quiet_contains(fe_recorder *r, PyObject **sp)
{
    PyObject *item = sp[-2], *c = sp[-1];
    if (!PyUnicode_CheckExact(item))
        return;
    if (PyUnicode_CheckExact(c))
        guard_exact(r, TOP(1), c);
    else if (str_keyed_dict(r, TOP(1), c, false))
        str_keyed_dict(r, TOP(1), c, true);
    else
        return;
    guard_exact(r, TOP(2), item);
    r->quiet = true;
}

/* A call of a quiet builtin, of a method of str with atomic or plain
 * container arguments, or list.append / dict.get as below. `self_ok`:
 * record_load_method guarded self's exact class. */
static void quiet_call(fe_recorder *r, PyObject **sp, int total)
{
    PyObject *callable = sp[-(total + 1)];
    rec_val cv = TOP(total + 1);
    if (!ir_is_const(cv.ref))
        return;  /* the callable must be what it is now */
    PyObject **args = sp - total;
    if (callable == (PyObject *)&PyRange_Type) {
        for (int k = 0; k < total; k++)
            if (!atomic(args[k]))
                return;  /* (an __index__ could run) */
    } else if (PyCFunction_CheckExact(callable)) {
        bool known = false;
        for (size_t k = 0; k < sizeof quiet_builtins / sizeof *quiet_builtins; k++)
            known |= quiet_builtins[k] == callable && callable != NULL;
        if (!known)
            return;
        for (int k = 0; k < total; k++) {
            rec_val v = TOP(total - k);
            if (!atomic(args[k]) && !(callable == quiet_builtins[0] && plain_container(v, args[k])))
                return;
        }
    } else if (Py_TYPE(callable) == &PyMethodDescr_Type && total >= 1) {
        /* meth | self | args: self's class was guarded by LOAD_METHOD */
        PyMethodDescrObject *m = (PyMethodDescrObject *)callable;
        PyTypeObject *owner = m->d_common.d_type;
        const char *name = m->d_method->ml_name;
        if (owner == &PyUnicode_Type) {
            if (strcmp(name, "format") == 0 || strcmp(name, "format_map") == 0)
                return;  /* (would call __format__ of anything) */
            for (int k = 1; k < total; k++)
                if (!atomic(args[k]) && !plain_container(TOP(total - k), args[k]))
                    return;
        } else if (owner == &PyList_Type && strcmp(name, "append") == 0 && total == 2) {
            if (TOP(total).kind != FE_K_REF)
                return;  /* an owned list: released after, with its items */
        } else if (owner == &PyDict_Type && strcmp(name, "get") == 0 && total >= 2 &&
                   PyUnicode_CheckExact(args[1]) && str_keyed_dict(r, TOP(total), args[0], false)) {
            for (int k = 2; k < total; k++)
                if (!atomic(args[k]))
                    return;
            str_keyed_dict(r, TOP(total), args[0], true);
        } else {
            return;
        }
    } else {
        return;
    }
    for (int k = 0; k < total; k++)
        if (atomic(args[k]) || plain_container(TOP(total - k), args[k]))
            guard_exact(r, TOP(total - k), args[k]);
    r->quiet = true;
}

/* A float that is neither infinite nor NaN: x - x is 0 exactly then. */
static void guard_finite(fe_recorder *r, ir_ref x)
{
    guard_truth(r, emit2(r, IR_float_eq, emit2(r, IR_float_sub, x, x), ir_const_float(r->t, 0.0)),
                true);
}

/* math.f(x[, y]) of a math_fns function with int or float arguments: a
 * direct call of the C function, the arguments and the result guarded
 * finite (else the interpreter makes the call, and raises as CPython
 * does). False when this is not such a call (the generic one records it). */
static bool record_math_call(fe_recorder *r, PyObject **sp, int oparg)
{
    PyObject *callable = sp[-(oparg + 1)];
    if (TOP(oparg + 2).kind != FE_K_NONE || !ir_is_const(TOP(oparg + 1).ref))
        return false;
    int m = 0;
    while (m < FE_NMATH && (math_objs[m] != callable || math_fns[m].nargs != oparg))
        m++;
    if (m == FE_NMATH)
        return false;
    for (int k = 1; k <= oparg; k++)
        if (!PyFloat_CheckExact(sp[-k]) && !PyLong_CheckExact(sp[-k]))
            return false;
    unbox_operands(r, sp, oparg);
    ir_ref args[3] = {ir_const_class(r->t, math_fns[m].fn, math_fns[m].name)};
    for (int k = 0; k < oparg; k++) {
        rec_val v = TOP(oparg - k);
        PyObject *o = sp[k - oparg];
        if (v.kind == FE_K_INT)
            args[1 + k] = emit1(r, IR_cast_int_to_float, v.ref);
        else if (v.kind == FE_K_FLOAT)
            args[1 + k] = v.ref;
        else if (v.kind == FE_K_REF && ir_is_const(v.ref) && PyFloat_CheckExact(o))
            args[1 + k] = ir_const_float(r->t, PyFloat_AS_DOUBLE(o));
        else
            return false;  /* (an int too big to unbox: the generic call) */
    }
    for (int k = 0; k < oparg; k++)
        guard_finite(r, args[1 + k]);
    int d = call_descr(r, math_fns[m].name, 'f', oparg == 1 ? "f" : "ff", IR_CALL_ELIDABLE);
    ir_ref res = ir_emit(r->t, IR_call_f, args, 1 + oparg, d);
    guard_finite(r, res);
    /* the arguments (unboxed) and the callable, a constant the math
     * module keeps: its release frees nothing */
    if (TOP(oparg + 1).kind == FE_K_OWNED)
        IR_EMIT(r->t, IR_py_decref, -1, TOP(oparg + 1).ref);
    r->depth -= oparg + 2;
    push(r, (rec_val){res, FE_K_FLOAT});
    return true;
}

static bool record_call(fe_recorder *r, PyObject **sp, int index, int oparg, int next)
{
    static void *const callers[] = {(void *)fe_rt_call0, (void *)fe_rt_call1,
                                    (void *)fe_rt_call2, (void *)fe_rt_call3,
                                    (void *)fe_rt_call4};
    rec_val meth_or_null = TOP(oparg + 2);
    /* meth | self | args (a method LOAD_METHOD found on the type) is a
     * call of meth with self first; NULL | callable | args, a call of the
     * callable (a bound method object as it is, as CALL does) */
    int total = oparg + (meth_or_null.kind != FE_K_NONE);
    PyObject *kwnames = r->kwnames;
    r->kwnames = NULL;
    if (total > FE_RT_CALL_MAX)
        return abort_unsupported(r, "call with more than 10 arguments");
    if (kwnames == NULL && record_math_call(r, sp, oparg))
        return true;
    rec_val vals[2 + FE_RT_CALL_MAX];
    if (total <= 4 && kwnames == NULL) {
        for (int k = 0; k <= total; k++)
            vals[k] = TOP(total + 1 - k);
        quiet_call(r, sp, total);
        return residual(r, index, next, callers[total], "call", vals, total + 1, NULL, 0,
                        oparg + 2, 'r', NULL);
    }
    /* keywords (their names a constant tuple), or more arguments: one
     * helper for all, unused arguments NULL */
    vals[0] = TOP(total + 1);
    vals[1] = (rec_val){ir_const_ptr(r->t, kwnames), FE_K_REF};
    for (int k = 0; k < FE_RT_CALL_MAX; k++)
        vals[2 + k] = k < total ? TOP(total - k) : (rec_val){ir_const_ptr(r->t, NULL), FE_K_REF};
    int64_t n = total;
    return residual(r, index, next, (void *)fe_rt_call_vec, "call", vals, 2 + FE_RT_CALL_MAX, &n,
                    1, oparg + 2, 'r', NULL);
}

/* Object `v` (whose value now is `o`) as an unboxed int, float or bool
 * (or the constant None), with the guards that make it so; v itself when
 * `o` is another object. */
static rec_val unboxed(fe_recorder *r, rec_val v, PyObject *o)
{
    if (v.kind == FE_K_REF && ir_is_const(v.ref)) {
        /* a constant object (identity_const): its value, no guards */
        rec_val c = const_of(r, o);
        if (c.kind != FE_K_REF)
            return c;
    }
    if (PyLong_CheckExact(o) && Py_SIZE(o) >= -1 && Py_SIZE(o) <= 1) {
        guard2(r, IR_guard_class, v.ref, ir_const_class(r->t, &PyLong_Type, "int"));
        int dsz = field_descr(r, "int.ob_size", (int)offsetof(PyVarObject, ob_size), 8, 'S');
        int ddg = field_descr(r, "int.ob_digit[0]", (int)offsetof(PyLongObject, ob_digit), 4, 'U');
        ir_ref size = IR_EMIT(r->t, IR_getfield_gc_i, dsz, v.ref);
        /* one digit at most: -1 <= size <= 1 */
        guard_truth(r, emit2(r, IR_uint_le, emit2(r, IR_int_add, size, ir_const_int(r->t, 1)),
                             ir_const_int(r->t, 2)), true);
        ir_ref digit = IR_EMIT(r->t, IR_getfield_gc_i, ddg, v.ref);
        return (rec_val){emit2(r, IR_int_mul, digit, size), FE_K_INT};
    }
    if (PyLong_CheckExact(o) && Py_SIZE(o) >= -2 && Py_SIZE(o) <= 2) {
        /* two digits (below 2**60): a helper, which takes one-digit ints
         * too, so that a value growing past 2**30 stays unboxed */
        guard2(r, IR_guard_class, v.ref, ir_const_class(r->t, &PyLong_Type, "int"));
        int d = call_descr(r, "unbox_int2", 'i', "r", IR_CALL_ELIDABLE);
        ir_ref x = IR_EMIT(r->t, IR_call_i, d,
                           ir_const_class(r->t, (void *)fe_rt_unbox_int2, "unbox_int2"), v.ref);
        guard_truth(r, emit2(r, IR_int_ne, x, ir_const_int(r->t, FE_RT_NOT_UNBOXED)), true);
        return (rec_val){x, FE_K_INT};
    }
    if (PyFloat_CheckExact(o)) {
        guard2(r, IR_guard_class, v.ref, ir_const_class(r->t, &PyFloat_Type, "float"));
        int df = field_descr(r, "float.ob_fval", (int)offsetof(PyFloatObject, ob_fval), 8, 'F');
        return (rec_val){IR_EMIT(r->t, IR_getfield_gc_f, df, v.ref), FE_K_FLOAT};
    }
    if (PyBool_Check(o)) {
        guard2(r, IR_guard_class, v.ref, ir_const_class(r->t, &PyBool_Type, "bool"));
        return (rec_val){emit2(r, IR_ptr_eq, v.ref, ir_const_ptr(r->t, Py_True)), FE_K_BOOL};
    }
    if (o == Py_None) {
        guard2(r, IR_guard_value, v.ref, ir_const_ptr(r->t, Py_None));
        return (rec_val){ir_const_ptr(r->t, Py_None), FE_K_REF};
    }
    return v;  /* another object: the trace keeps the reference */
}

/* The result of a call, on top of the stack, now that the instruction
 * after the call shows its type: guard the type, unbox it, release it.
 * A value kept boxed for its identity (v.keep) stays so unless the
 * instruction only tests it (`consumed`). */
static bool unbox_result(fe_recorder *r, PyObject *o, bool consumed)
{
    rec_val v = TOP(1);
    if (v.keep && !consumed)
        return true;
    rec_val out = unboxed(r, v, o);
    if (out.kind == v.kind && out.ref == v.ref)
        return true;
    /* ints, floats, bools and None have no finalizer: safe to release here */
    IR_EMIT(r->t, IR_py_decref, -1, v.ref);
    TOP(1) = out;
    r->snap = -1;  /* later guards must not hand the released result over */
    return true;
}

/* Locals that hold objects are written through to the frame at once (the
 * frame owns them, the trace borrows them back), so only unboxed ints,
 * floats and bools are ever kept out of the frame (sync_frame puts them
 * back before anything can look). */
static bool store_fast_inlined(fe_recorder *r, int k);

static bool store_fast(fe_recorder *r, int index, int k)
{
    if (r->level > 0)
        return store_fast_inlined(r, k);
    rec_val v = pop(r);
    rec_val old = r->slots[k];
    if (k < r->nentry) {
        r->written[k] = 1;
        r->wrote[k] = 1;
    }
    bool unboxed = is_unboxed(v.kind);
    bool old_unboxed = is_unboxed(old.kind);
    if (v.kind == FE_K_NONE)
        return abort_unsupported(r, "store of an empty value");
    r->dirty[k] = 1;
    if (unboxed && (old_unboxed || old.kind == FE_K_NONE)) {
        r->slots[k] = v;  /* the frame's box is refreshed before calls and at exits */
        return true;
    }
    /* The frame's old object goes now, as in CPython: values on the stack
     * that borrow it take their own reference first. */
    if (old.kind == FE_K_REF)
        for (int j = 1; j <= r->depth; j++)
            if (TOP(j).kind == FE_K_REF && TOP(j).ref == old.ref) {
                IR_EMIT(r->t, IR_py_incref, -1, old.ref);
                TOP(j).kind = FE_K_OWNED;
            }
    if (unboxed) {
        /* sync_frame boxes it into the frame and releases the old object */
        r->slots[k] = v;
        return sync_frame(r, index);
    }
    ir_ref obj = v.ref;
    if (v.kind == FE_K_REF)
        IR_EMIT(r->t, IR_py_incref, -1, obj);  /* the frame's own reference */
    int ds = item_descr(r, "frame.localsplus", 0, k);
    ir_ref prev = IR_EMIT(r->t, IR_getfield_gc_r, ds, 0);
    IR_EMIT(r->t, IR_setfield_gc, ds, 0, obj);
    r->slots[k] = (rec_val){obj, FE_K_REF};
    if (old.kind == FE_K_NONE)
        return true;
    /* releasing may run a finalizer: the rest of the frame first */
    if (!sync_frame(r, index))
        return false;
    IR_EMIT(r->t, IR_py_decref, -1, prev);
    return true;
}

/* list[i] for an exact list and an int index >= 0, inline: no Python code
 * can run, so no frame sync and no call. The item is increfed at once (the
 * trace owns it): the list may change later in the iteration. A list the
 * trace owns (an item of another list: rows[i][j]) is released after,
 * guarded to have another owner so that releasing it frees nothing. False
 * when this is not the case (the generic path records it). */
static bool record_list_getitem(fe_recorder *r, PyObject *container, PyObject *sub)
{
    rec_val c = TOP(2), k = TOP(1);
    int64_t i;
    if ((c.kind != FE_K_REF && c.kind != FE_K_OWNED) || k.kind != FE_K_INT ||
        !PyList_CheckExact(container) || !fits_int64(sub, &i) || i < 0 ||
        i >= PyList_GET_SIZE(container) || (c.kind == FE_K_OWNED && Py_REFCNT(container) < 2))
        return false;  /* (owned: the interpreter's stack holds one reference while recording) */
    guard2(r, IR_guard_class, c.ref, ir_const_class(r->t, &PyList_Type, "list"));
    int dsz = field_descr(r, "list.ob_size", (int)offsetof(PyVarObject, ob_size), 8, 'S');
    int dit = field_descr(r, "list.ob_item", (int)offsetof(PyListObject, ob_item), 8, 'P');
    ir_ref len = IR_EMIT(r->t, IR_getfield_gc_i, dsz, c.ref);
    /* unsigned: a negative index fails too (the interpreter handles it) */
    guard_truth(r, emit2(r, IR_uint_lt, k.ref, len), true);
    if (c.kind == FE_K_OWNED) {
        int drc = field_descr(r, "object.ob_refcnt", (int)offsetof(PyObject, ob_refcnt), 8, 'S');
        guard_truth(r, emit2(r, IR_int_gt, IR_EMIT(r->t, IR_getfield_gc_i, drc, c.ref),
                             ir_const_int(r->t, 1)), true);
    }
    ir_ref items = IR_EMIT(r->t, IR_getfield_gc_r, dit, c.ref);
    ir_descr da = {.kind = IR_DESCR_ARRAY, .flag = 'P', .size = 8, .name = "list items"};
    ir_ref item = IR_EMIT(r->t, IR_getarrayitem_gc_r, ir_descr_add(r->t, &da), items, k.ref);
    IR_EMIT(r->t, IR_py_incref, -1, item);
    if (c.kind == FE_K_OWNED)
        IR_EMIT(r->t, IR_py_decref, -1, c.ref);  /* (not the last reference: guarded) */
    r->depth -= 2;
    push(r, (rec_val){item, FE_K_OWNED, true});  /* the item itself, not a copy */
    return true;
}

static bool release_popped(fe_recorder *r, rec_val v);

/* list[i] = v for an exact list and an int index >= 0, inline: the item
 * replaced, the old one released (after a frame sync in the loop's frame
 * unless its class, guarded, is atomic()). RECORD_GENERIC when this
 * is not the case. */
static int record_list_setitem(fe_recorder *r, int index, PyObject *container, PyObject *sub)
{
    rec_val k = TOP(1), c = TOP(2), v = TOP(3);
    int64_t i;
    if ((c.kind != FE_K_REF && c.kind != FE_K_OWNED) || k.kind != FE_K_INT ||
        v.kind == FE_K_NONE || !PyList_CheckExact(container) || !fits_int64(sub, &i) || i < 0 ||
        i >= PyList_GET_SIZE(container))
        return RECORD_GENERIC;
    PyObject *old_now = PyList_GET_ITEM(container, i);
    guard2(r, IR_guard_class, c.ref, ir_const_class(r->t, &PyList_Type, "list"));
    int dsz = field_descr(r, "list.ob_size", (int)offsetof(PyVarObject, ob_size), 8, 'S');
    int dit = field_descr(r, "list.ob_item", (int)offsetof(PyListObject, ob_item), 8, 'P');
    ir_ref len = IR_EMIT(r->t, IR_getfield_gc_i, dsz, c.ref);
    guard_truth(r, emit2(r, IR_uint_lt, k.ref, len), true);
    ir_ref items = IR_EMIT(r->t, IR_getfield_gc_r, dit, c.ref);
    ir_descr da = {.kind = IR_DESCR_ARRAY, .flag = 'P', .size = 8, .name = "list items"};
    int dai = ir_descr_add(r->t, &da);
    ir_ref old = IR_EMIT(r->t, IR_getarrayitem_gc_r, dai, items, k.ref);
    bool quiet = atomic(old_now);  /* its release runs no code */
    if (quiet)
        guard_exact(r, (rec_val){old, FE_K_OWNED}, old_now);
    bool owned = v.kind == FE_K_OWNED;
    ir_ref obj = owned ? v.ref : as_object(r, v, &owned);
    if (obj == IR_NONE)
        return abort_unsupported(r, "stored value of this kind");
    if (!owned)
        IR_EMIT(r->t, IR_py_incref, -1, obj);  /* the list's own reference */
    IR_EMIT(r->t, IR_setarrayitem_gc, dai, items, k.ref, obj);
    r->depth -= 3;
    if (!quiet && r->level == 0 && !sync_frame(r, index))
        return false;
    IR_EMIT(r->t, IR_py_decref, -1, old);
    return release_popped(r, c);
}

/* FOR_ITER over any iterator: next() through CPython; exhausted, the
 * loop is left for FOR_ITER's target (the interpreter drops the
 * iterator). */
static bool record_for_iter_generic(fe_recorder *r, int index, int oparg, int next)
{
    rec_val it = TOP(1);
    if (!sync_frame(r, index))
        return false;
    if (!count_residual(r, "iternext"))
        return false;
    int d = call_descr(r, "iternext", 'r', "r", IR_CALL_CAN_RAISE | IR_CALL_MAY_FORCE);
    ir_ref res = IR_EMIT(r->t, IR_call_r, d, ir_const_class(r->t, (void *)fe_rt_iternext, "iternext"),
                         it.ref);
    pop_inlined_frames(r);
    guard_resuming_at(r, -1 - index, IR_guard_no_exception, IR_NONE);  /* next() raised */
    r->depth -= 1;  /* exhausted: go on after the loop, without the iterator */
    guard_resuming_at(r, next + oparg, IR_guard_nonnull, res);
    r->depth += 1;
    push(r, (rec_val){res, FE_K_OWNED});
    guard_resuming_at(r, next, IR_guard_false, use_tracing(r));
    return true;
}

static bool generic2(fe_recorder *r, int index, int next, void *fn, const char *name, int64_t arg)
{
    rec_val vals[2] = {TOP(2), TOP(1)};
    return residual(r, index, next, fn, name, vals, 2, &arg, 1, 2, 'r', NULL);
}

static rec_val name_const(fe_recorder *r, int i)
{
    /* names live as long as the code object */
    return (rec_val){ir_const_ptr(r->t, PyTuple_GET_ITEM(r->code->co_names, i)), FE_K_REF};
}

/* A value's truth for a branch, through CPython for objects: 0/1, or
 * IR_NONE when recording stopped. */
static void guard_type_version(fe_recorder *r, rec_val v, PyTypeObject *tp, uint32_t version);

/* The truth of object `v` (now `o`) computed inline, for the classes
 * whose truth is a field (its class guarded) -- ints, floats, bools,
 * strs, bytes, tuples, lists, dicts, sets -- None, and instances of
 * classes that define neither __bool__ nor __len__ (always true while the
 * class keeps its version); IR_NONE for others. Runs no code, so the
 * guard on it may resume before the instruction. */
static ir_ref inline_truth(fe_recorder *r, rec_val v, PyObject *o)
{
    PyTypeObject *tp = Py_TYPE(o);
    const char *field = NULL;
    int off = 0;
    if (o == Py_None) {
        if (!ir_is_const(v.ref))
            guard2(r, IR_guard_value, v.ref, ir_const_ptr(r->t, Py_None));
        return ir_const_int(r->t, 0);
    }
    if (tp == &PyBool_Type) {
        guard2(r, IR_guard_class, v.ref, ir_const_class(r->t, tp, tp->tp_name));
        return emit2(r, IR_ptr_eq, v.ref, ir_const_ptr(r->t, Py_True));
    }
    if (tp == &PyFloat_Type) {
        guard2(r, IR_guard_class, v.ref, ir_const_class(r->t, tp, tp->tp_name));
        int df = field_descr(r, "float.ob_fval", (int)offsetof(PyFloatObject, ob_fval), 8, 'F');
        return emit2(r, IR_float_ne, IR_EMIT(r->t, IR_getfield_gc_f, df, v.ref),
                     ir_const_float(r->t, 0.0));
    }
    if (tp == &PyLong_Type || tp == &PyList_Type || tp == &PyTuple_Type || tp == &PyBytes_Type) {
        field = "varobject.ob_size";  /* (an int's is 0 for zero only) */
        off = (int)offsetof(PyVarObject, ob_size);
    } else if (tp == &PyUnicode_Type) {
        field = "str.length";
        off = (int)offsetof(PyASCIIObject, length);
    } else if (tp == &PyDict_Type) {
        field = "dict.ma_used";
        off = (int)offsetof(PyDictObject, ma_used);
    } else if (tp == &PySet_Type || tp == &PyFrozenSet_Type) {
        field = "set.used";
        off = (int)offsetof(PySetObject, used);
    }
    if (field != NULL) {
        guard2(r, IR_guard_class, v.ref, ir_const_class(r->t, tp, tp->tp_name));
        ir_ref n = IR_EMIT(r->t, IR_getfield_gc_i, field_descr(r, field, off, 8, 'S'), v.ref);
        return emit1(r, IR_int_is_true, n);
    }
    if (tp->tp_flags & Py_TPFLAGS_HEAPTYPE)
        (void)_PyType_Lookup(tp, &_Py_ID(__bool__));  /* gives the class a version if it has none */
    if ((tp->tp_flags & Py_TPFLAGS_HEAPTYPE) && (tp->tp_flags & Py_TPFLAGS_VALID_VERSION_TAG) &&
        (tp->tp_as_number == NULL || tp->tp_as_number->nb_bool == NULL) &&
        (tp->tp_as_mapping == NULL || tp->tp_as_mapping->mp_length == NULL) &&
        (tp->tp_as_sequence == NULL || tp->tp_as_sequence->sq_length == NULL)) {
        /* (defining __bool__ or __len__ later changes the version) */
        guard_type_version(r, v, tp, tp->tp_version_tag);
        return ir_const_int(r->t, 1);
    }
    return IR_NONE;
}

static ir_ref object_truth(fe_recorder *r, int index, rec_val v)
{
    ir_ref t;
    if (!residual(r, index, index, (void *)fe_rt_truth, "truth", &v, 1, NULL, 0, 0, 'i', &t))
        return IR_NONE;
    return t;
}

/* A value an instruction popped: an owned one is released (frame first:
 * a finalizer may look). */
static bool release_popped(fe_recorder *r, rec_val v)
{
    if (v.kind != FE_K_OWNED)
        return true;
    /* (inside an inlined call no frame of ours can be synced: a finalizer
     * run here sees the loop's frame as it was at the last sync) */
    if (r->level == 0 && !sync_frame(r, r->instr_start))
        return false;
    IR_EMIT(r->t, IR_py_decref, -1, v.ref);
    return true;
}

/* `a is b` where one side or both are unboxed (an exact int or float, or
 * a bool) and the other is unboxed too or a constant object. Bools are
 * singletons: identity is their value; objects of different types are
 * never identical; two ints or two floats are the trace's to know only
 * as values, so that case is not handled (false). */
static bool unboxed_is(fe_recorder *r, rec_val a, rec_val b, int negate, ir_ref *res)
{
    if (a.kind == FE_K_BOOL && b.kind == FE_K_BOOL) {
        *res = emit2(r, negate ? IR_int_ne : IR_int_eq, a.ref, b.ref);
        return true;
    }
    if (is_unboxed(a.kind) && is_unboxed(b.kind)) {
        if (a.kind == b.kind)
            return false;
        *res = ir_const_int(r->t, negate);   /* int vs float vs bool */
        return true;
    }
    rec_val c = is_unboxed(a.kind) ? b : a, x = is_unboxed(a.kind) ? a : b;
    if (c.kind != FE_K_REF || !ir_is_const(c.ref))
        return false;
    PyObject *co = ir_const_at(r->t, c.ref)->v.p;
    if ((x.kind == FE_K_INT && PyLong_CheckExact(co)) ||
        (x.kind == FE_K_FLOAT && PyFloat_CheckExact(co)))
        return false;
    *res = ir_const_int(r->t, negate);   /* None, a str, ...: another type */
    return true;
}

/* `a, b = seq` for an exact tuple or list of the right length, inline:
 * guards on the class and the length, then the items (increfed: the
 * trace owns them) pushed last first. Anything else unpacks through
 * CPython... or aborts: no residual form yet. */
static bool record_unpack(fe_recorder *r, PyObject *seq, int n)
{
    rec_val v = TOP(1);
    bool tuple = PyTuple_CheckExact(seq), list = PyList_CheckExact(seq);
    if ((v.kind != FE_K_REF && v.kind != FE_K_OWNED) || !(tuple || list) || Py_SIZE(seq) != n)
        return abort_unsupported(r, "unpacking of this kind");
    guard2(r, IR_guard_class, v.ref,
           ir_const_class(r->t, tuple ? &PyTuple_Type : &PyList_Type, tuple ? "tuple" : "list"));
    int dsz = field_descr(r, tuple ? "tuple.ob_size" : "list.ob_size",
                          (int)offsetof(PyVarObject, ob_size), 8, 'S');
    guard_truth(r, emit2(r, IR_int_eq, IR_EMIT(r->t, IR_getfield_gc_i, dsz, v.ref),
                         ir_const_int(r->t, n)), true);
    ir_ref items = IR_NONE;
    int da = -1;
    if (list) {
        int dit = field_descr(r, "list.ob_item", (int)offsetof(PyListObject, ob_item), 8, 'P');
        items = IR_EMIT(r->t, IR_getfield_gc_r, dit, v.ref);
        ir_descr d = {.kind = IR_DESCR_ARRAY, .flag = 'P', .size = 8, .name = "list items"};
        da = ir_descr_add(r->t, &d);
    }
    pop(r);
    for (int k = n - 1; k >= 0; k--) {
        ir_ref item;
        if (tuple) {
            int df = item_descr(r, "tuple.ob_item", (int)offsetof(PyTupleObject, ob_item), k);
            item = IR_EMIT(r->t, IR_getfield_gc_r, df, v.ref);
        } else {
            item = IR_EMIT(r->t, IR_getarrayitem_gc_r, da, items, ir_const_int(r->t, k));
        }
        IR_EMIT(r->t, IR_py_incref, -1, item);
        push(r, (rec_val){item, FE_K_OWNED, true});
    }
    /* The sequence: its items are ours now, so releasing it runs no
     * finalizer (no frame sync needed). */
    if (v.kind == FE_K_OWNED)
        IR_EMIT(r->t, IR_py_decref, -1, v.ref);
    return true;
}

/* BUILD_TUPLE / BUILD_LIST: a call that runs no Python code (no frame
 * sync); the new object holds its own references to the items, so owned
 * ones and boxes made here are released at once, with no finalizer to
 * run. */
static bool record_build(fe_recorder *r, bool list, int n)
{
    if (n > FE_RT_BUILD_MAX)
        return abort_unsupported(r, "BUILD_TUPLE / BUILD_LIST of more than 12 items");
    ir_ref args[2 + FE_RT_BUILD_MAX];
    bool owned[FE_RT_BUILD_MAX];
    args[0] = ir_const_class(r->t, (void *)fe_rt_build, "build");
    args[1] = ir_const_int(r->t, 2 * n + list);
    for (int k = 0; k < FE_RT_BUILD_MAX; k++) {
        if (k >= n) {
            args[2 + k] = ir_const_ptr(r->t, NULL);
            continue;
        }
        rec_val v = TOP(n - k);
        owned[k] = v.kind == FE_K_OWNED;
        args[2 + k] = owned[k] ? v.ref : as_object(r, v, &owned[k]);
        if (args[2 + k] == IR_NONE)
            return abort_unsupported(r, "item of this kind");
    }
    char types[2 + FE_RT_BUILD_MAX] = "i";
    memset(types + 1, 'r', FE_RT_BUILD_MAX);
    int d = call_descr(r, list ? "build_list" : "build_tuple", 'r', types, 0);
    ir_ref res = ir_emit(r->t, IR_call_r, args, 2 + FE_RT_BUILD_MAX, d);
    guard1(r, IR_guard_nonnull, res);  /* out of memory: the interpreter redoes it */
    for (int k = 0; k < n; k++)
        if (owned[k])
            IR_EMIT(r->t, IR_py_decref, -1, args[2 + k]);
    r->depth -= n;
    push(r, (rec_val){res, FE_K_OWNED});
    return true;
}

/* ---- attributes, inline where the interpreter's specialiser
 * (specialize.c) finds a cheap shape for the object at hand: the same
 * guards, checked in the trace ---- */

/* Guards that `v` is an instance of `tp` whose resolution of names is
 * still the one of version `version`. */
static void guard_type_version(fe_recorder *r, rec_val v, PyTypeObject *tp, uint32_t version)
{
    guard2(r, IR_guard_class, v.ref, ir_const_class(r->t, tp, tp->tp_name));
    int dv = field_descr(r, "type.tp_version_tag", (int)offsetof(PyTypeObject, tp_version_tag), 4, 'U');
    ir_ref tv = IR_EMIT(r->t, IR_getfield_gc_i, dv, ir_const_ptr(r->t, tp));
    guard2(r, IR_guard_value, tv, ir_const_int(r->t, version));
}

/* A module's attribute, while the module dict keeps its version. */
static void guard_module_dict(fe_recorder *r, rec_val v, PyObject *module, const fe_attr_cache *c)
{
    if (!ir_is_const(v.ref))
        guard2(r, IR_guard_value, v.ref, ir_const_ptr(r->t, module));
    PyObject *d = ((PyModuleObject *)module)->md_dict;
    int dv = field_descr(r, "dict.ma_version_tag", (int)offsetof(PyDictObject, ma_version_tag), 8, 'U');
    ir_ref ver = IR_EMIT(r->t, IR_getfield_gc_i, dv, ir_const_ptr(r->t, d));
    guard2(r, IR_guard_value, ver, ir_const_int(r->t, (int64_t)c->dict_version));
}

/* A module attribute's value, a constant while the guarded dict keeps its
 * version (as a global is); an object is ours until it is used, like the
 * stack's reference in CPython (what comes before its use may rebind it). */
static rec_val module_value(fe_recorder *r, PyObject *value)
{
    rec_val a = const_of(r, value);
    if (a.kind == FE_K_REF) {
        IR_EMIT(r->t, IR_py_incref, -1, a.ref);
        a.kind = FE_K_OWNED;
        a.keep = true;
    }
    return a;
}

/* The address of an instance's inline values (a managed-dict heap type):
 * just before the object, as _PyObject_ValuesPointer has it. */
static ir_ref values_of(fe_recorder *r, rec_val v)
{
    int dvp = field_descr(r, "object.values", -4 * (int)sizeof(PyObject *), 8, 'P');
    ir_ref values = IR_EMIT(r->t, IR_getfield_gc_r, dvp, v.ref);
    guard1(r, IR_guard_nonnull, values);  /* materialised dict: generic path */
    return values;
}

/* An attribute of a class (`C.name`) that getattr returns as it is found
 * in the class's MRO: no metaclass but type, which has no attribute of
 * that name, and a value that is not a descriptor (or a function, whose
 * __get__ on a class gives itself). NULL when not such a case. */
static PyObject *plain_class_attr(PyObject *owner, PyObject *name)
{
    if (Py_TYPE(owner) != &PyType_Type || !PyUnicode_CheckExact(name) ||
        !(((PyTypeObject *)owner)->tp_flags & Py_TPFLAGS_VALID_VERSION_TAG) ||
        _PyType_Lookup(&PyType_Type, name) != NULL)
        return NULL;
    PyObject *attr = _PyType_Lookup((PyTypeObject *)owner, name);
    if (attr == NULL || (Py_TYPE(attr)->tp_descr_get != NULL && !PyFunction_Check(attr)))
        return NULL;
    return attr;
}

/* Guards that the class `v` (now `tp`) is tp as it is now: its version
 * tag, never reused, names the class and its MRO's contents; read through
 * the value, which the class guard says is a type (so nothing is kept
 * alive and no address can come back as another object). */
static void guard_class_unchanged(fe_recorder *r, rec_val v, PyTypeObject *tp)
{
    if (!ir_is_const(v.ref))
        guard2(r, IR_guard_class, v.ref, ir_const_class(r->t, &PyType_Type, "type"));
    int dv = field_descr(r, "type.tp_version_tag", (int)offsetof(PyTypeObject, tp_version_tag), 4, 'U');
    guard2(r, IR_guard_value, IR_EMIT(r->t, IR_getfield_gc_i, dv, v.ref),
           ir_const_int(r->t, tp->tp_version_tag));
}

/* `C.name` as a constant, under guard_class_unchanged. The result is the
 * trace's own reference (what comes after may change the class). */
static rec_val class_attr_value(fe_recorder *r, rec_val v, PyObject *owner, PyObject *attr)
{
    guard_class_unchanged(r, v, (PyTypeObject *)owner);
    return module_value(r, attr);
}

/* LOAD_ATTR inline; RECORD_GENERIC when no specialisation applies. */
/* The instance's materialised __dict__ (a managed dict), guarded to be
 * there. */
static ir_ref managed_dict_of(fe_recorder *r, rec_val v)
{
    ir_ref dict = managed_dict_field(r, v);
    guard1(r, IR_guard_nonnull, dict);
    return dict;
}

/* LOAD/STORE_ATTR_WITH_HINT's checks, per instance (each has a dict of its
 * own), for its __dict__ `d` as it is now. A split dict: the same shared
 * keys (they only ever grow, so entry `hint` still has `name`), its
 * values apart. A combined one: str-keyed with the same layout, entry
 * `hint` there with `name` as its key. Returns the object holding the
 * entry's value, at *value_off in it. */
static ir_ref guard_hinted_entry(fe_recorder *r, rec_val v, PyDictObject *d, int hint,
                                 PyObject *name, int *value_off)
{
    ir_ref dict = managed_dict_of(r, v);
    PyDictKeysObject *k = d->ma_keys;
    ir_ref keys = keys_of(r, dict);
    int dv = field_descr(r, "dict.ma_values", (int)offsetof(PyDictObject, ma_values), 8, 'P');
    ir_ref values = IR_EMIT(r->t, IR_getfield_gc_r, dv, dict);
    if (d->ma_values != NULL) {
        /* (the shared keys live as long as the class, whose version the
         * caller guarded) */
        guard2(r, IR_guard_value, keys, ir_const_ptr(r->t, k));
        guard1(r, IR_guard_nonnull, values);
        *value_off = hint * (int)sizeof(PyObject *);
        return values;
    }
    guard1(r, IR_guard_isnull, values);
    /* dk_log2_index_bytes and dk_kind, side by side: where the entries
     * start, and that they are str-keyed */
    _Static_assert(offsetof(PyDictKeysObject, dk_kind) ==
                   offsetof(PyDictKeysObject, dk_log2_index_bytes) + 1, "dict keys layout");
    int dl = field_descr(r, "keys.index_bytes_and_kind",
                         (int)offsetof(PyDictKeysObject, dk_log2_index_bytes), 2, 'U');
    guard2(r, IR_guard_value, IR_EMIT(r->t, IR_getfield_gc_i, dl, keys),
           ir_const_int(r->t, k->dk_log2_index_bytes | (k->dk_kind << 8)));
    int dn = field_descr(r, "keys.dk_nentries", (int)offsetof(PyDictKeysObject, dk_nentries), 8, 'S');
    guard_truth(r, emit2(r, IR_int_gt, IR_EMIT(r->t, IR_getfield_gc_i, dn, keys),
                         ir_const_int(r->t, hint)), true);
    PyDictUnicodeEntry *e = DK_UNICODE_ENTRIES(k) + hint;
    int key_off = (int)((char *)&e->me_key - (char *)k);
    char fname[48];
    snprintf(fname, sizeof fname, "keys.key[%d]", hint);
    guard2(r, IR_guard_value,
           IR_EMIT(r->t, IR_getfield_gc_r, field_descr(r, fname, key_off, 8, 'P'), keys),
           ir_const_ptr(r->t, name));
    *value_off = (int)((char *)&e->me_value - (char *)k);
    return keys;
}

static int record_load_attr(fe_recorder *r, PyObject *owner, PyObject *name)
{
    rec_val v = TOP(1);
    fe_attr_cache c = {0};
    if (v.kind != FE_K_REF && v.kind != FE_K_OWNED)
        return RECORD_GENERIC;
    int q = fe_specialize_load_attr(&c, owner, name);
    PyTypeObject *tp = Py_TYPE(owner);
    ir_ref res;
    switch (q) {
    case FE_LOAD_ATTR_INSTANCE_VALUE: {
        PyDictValues *vals = *_PyObject_ValuesPointer(owner);
        if (vals->values[c.index] == NULL)
            return RECORD_GENERIC;
        guard_type_version(r, v, tp, c.type_version);
        ir_ref values = values_of(r, v);
        res = IR_EMIT(r->t, IR_getfield_gc_r, item_descr(r, "values", 0, c.index), values);
        guard1(r, IR_guard_nonnull, res);
        break;
    }
    case FE_LOAD_ATTR_SLOT: {
        if (*(PyObject **)((char *)owner + c.arg) == NULL)
            return RECORD_GENERIC;
        guard_type_version(r, v, tp, c.type_version);
        int ds = field_descr(r, "slot", (int)c.arg, 8, 'P');
        res = IR_EMIT(r->t, IR_getfield_gc_r, ds, v.ref);
        guard1(r, IR_guard_nonnull, res);
        break;
    }
    case FE_LOAD_ATTR_WITH_HINT: {
        guard_type_version(r, v, tp, c.type_version);
        int off;
        ir_ref holder = guard_hinted_entry(r, v, fe_managed_dict(owner), c.index, name, &off);
        char fname[48];
        snprintf(fname, sizeof fname, "dict.value[%d]", (int)c.index);
        res = IR_EMIT(r->t, IR_getfield_gc_r, field_descr(r, fname, off, 8, 'P'), holder);
        guard1(r, IR_guard_nonnull, res);
        break;
    }
    case FE_LOAD_ATTR_MODULE:
        guard_module_dict(r, v, owner, &c);
        pop(r);
        push(r, module_value(r, c.value));
        return release_popped(r, v);
    default: {
        PyObject *attr = plain_class_attr(owner, name);
        if (attr == NULL)
            return RECORD_GENERIC;
        rec_val a = class_attr_value(r, v, owner, attr);
        pop(r);
        push(r, a);
        return release_popped(r, v);
    }
    }
    IR_EMIT(r->t, IR_py_incref, -1, res);
    pop(r);
    push(r, (rec_val){res, FE_K_OWNED, true});
    return release_popped(r, v);
}

/* STORE_ATTR inline (instance values, __slots__ members); RECORD_GENERIC
 * when no specialisation applies. All guards come first (their snapshot:
 * before the instruction); then the value moves into the object and the
 * old one is released -- in the loop's own frame after a frame sync, as
 * it may run a finalizer. */
/* STORE_ATTR_WITH_HINT: the entry checked, the dict's own store replaces
 * the value (giving the dict a new version, as CPython's store does) and
 * hands the old one back, released after a frame sync as it may run a
 * finalizer. */
static int record_store_hinted(fe_recorder *r, int index, rec_val o, rec_val v, PyObject *owner,
                               PyObject *name, const fe_attr_cache *c)
{
    guard_type_version(r, o, Py_TYPE(owner), c->type_version);
    int off;
    guard_hinted_entry(r, o, fe_managed_dict(owner), c->index, name, &off);
    ir_ref dict = managed_dict_of(r, o);
    bool owned = v.kind == FE_K_OWNED;
    ir_ref obj = owned ? v.ref : as_object(r, v, &owned);
    if (obj == IR_NONE)
        return abort_unsupported(r, "stored value of this kind");
    int d = call_descr(r, "dict_replace", 'r', "rrr", IR_CALL_CAN_RAISE);
    ir_ref old = IR_EMIT(r->t, IR_call_r, d,
                         ir_const_class(r->t, (void *)fe_rt_dict_replace, "dict_replace"),
                         dict, ir_const_ptr(r->t, name), obj);
    if (owned)
        IR_EMIT(r->t, IR_py_decref, -1, obj);  /* the dict took its own */
    r->depth -= 2;
    if (!release_popped(r, o))
        return false;
    guard_resuming_at(r, -1 - index, IR_guard_nonnull, old);  /* (out of memory) */
    if (r->level == 0 && !sync_frame(r, index))
        return false;
    IR_EMIT(r->t, IR_py_decref, -1, old);
    return true;
}

static int record_store_attr(fe_recorder *r, int index, PyObject *owner, PyObject *name)
{
    rec_val o = TOP(1), v = TOP(2);
    fe_attr_cache c = {0};
    if ((o.kind != FE_K_REF && o.kind != FE_K_OWNED) || v.kind == FE_K_NONE)
        return RECORD_GENERIC;
    int q = fe_specialize_store_attr(&c, owner, name);
    PyTypeObject *tp = Py_TYPE(owner);
    ir_ref base, old;
    int dfield;
    bool was_empty;
    switch (q) {
    case FE_STORE_ATTR_INSTANCE_VALUE: {
        guard_type_version(r, o, tp, c.type_version);
        base = values_of(r, o);
        dfield = item_descr(r, "values", 0, c.index);
        was_empty = (*_PyObject_ValuesPointer(owner))->values[c.index] == NULL;
        break;
    }
    case FE_STORE_ATTR_SLOT:
        guard_type_version(r, o, tp, c.type_version);
        base = o.ref;
        dfield = field_descr(r, "slot", (int)c.arg, 8, 'P');
        was_empty = *(PyObject **)((char *)owner + c.arg) == NULL;
        break;
    case FE_STORE_ATTR_WITH_HINT:
        return record_store_hinted(r, index, o, v, owner, name, &c);
    default:
        return RECORD_GENERIC;
    }
    old = IR_EMIT(r->t, IR_getfield_gc_r, dfield, base);
    /* a first store into the values also records the insertion order */
    bool ordered = q == FE_STORE_ATTR_INSTANCE_VALUE && was_empty;
    guard1(r, was_empty ? IR_guard_isnull : IR_guard_nonnull, old);
    bool owned = v.kind == FE_K_OWNED;
    ir_ref obj = owned ? v.ref : as_object(r, v, &owned);
    if (obj == IR_NONE)
        return abort_unsupported(r, "stored value of this kind");
    if (!owned)
        IR_EMIT(r->t, IR_py_incref, -1, obj);  /* the object's own reference */
    IR_EMIT(r->t, IR_setfield_gc, dfield, base, obj);
    if (ordered) {
        int d = call_descr(r, "values_add_order", 'v', "ri", 0);
        IR_EMIT(r->t, IR_call_n, d, ir_const_class(r->t, (void *)fe_rt_values_add_order,
                                                   "values_add_order"),
                base, ir_const_int(r->t, c.index));
    }
    r->depth -= 2;
    if (!was_empty) {
        if (r->level == 0 && !sync_frame(r, index))
            return false;
        IR_EMIT(r->t, IR_py_decref, -1, old);
    }
    return release_popped(r, o);
}

/* LOAD_METHOD inline: meth | self for a method found on the type, NULL |
 * attribute for a module's. RECORD_GENERIC otherwise. */
static int record_load_method(fe_recorder *r, PyObject *owner, PyObject *name)
{
    rec_val v = TOP(1);
    fe_attr_cache c = {0};
    if (v.kind != FE_K_REF && v.kind != FE_K_OWNED)
        return RECORD_GENERIC;
    int q = fe_specialize_load_method(&c, owner, name);
    PyTypeObject *tp = Py_TYPE(owner);
    switch (q) {
    case FE_LOAD_METHOD_WITH_VALUES: {
        guard_type_version(r, v, tp, c.type_version);
        guard1(r, IR_guard_isnull, managed_dict_field(r, v));
        PyDictKeysObject *keys = ((PyHeapTypeObject *)tp)->ht_cached_keys;
        int dn = field_descr(r, "keys.dk_nentries", (int)offsetof(PyDictKeysObject, dk_nentries), 8, 'S');
        guard2(r, IR_guard_value, IR_EMIT(r->t, IR_getfield_gc_i, dn, ir_const_ptr(r->t, keys)),
               ir_const_int(r->t, (int64_t)c.arg));
        break;
    }
    case FE_LOAD_METHOD_NO_DICT:
        guard_type_version(r, v, tp, c.type_version);
        break;
    case FE_LOAD_METHOD_WITH_DICT: {
        /* the instance's own __dict__ does not shadow the method: looked
         * up (a call that runs no code) */
        guard_type_version(r, v, tp, c.type_version);
        ir_ref dict = managed_dict_of(r, v);
        int d = call_descr(r, "dict_lacks", 'i', "rr", 0);
        ir_ref lacks = IR_EMIT(r->t, IR_call_i, d,
                               ir_const_class(r->t, (void *)fe_rt_dict_lacks, "dict_lacks"),
                               dict, ir_const_ptr(r->t, name));
        guard1(r, IR_guard_true, lacks);
        break;
    }
    case FE_LOAD_METHOD_MODULE:
        guard_module_dict(r, v, owner, &c);
        pop(r);
        push(r, (rec_val){IR_NONE, FE_K_NONE});
        push(r, module_value(r, c.value));
        return release_popped(r, v);
    default: {
        /* C.f(...): NULL | the attribute, as LOAD_METHOD leaves a class's */
        PyObject *attr = plain_class_attr(owner, name);
        if (attr == NULL)
            return RECORD_GENERIC;
        rec_val a = class_attr_value(r, v, owner, attr);
        pop(r);
        push(r, (rec_val){IR_NONE, FE_K_NONE});
        push(r, a);
        return release_popped(r, v);
    }
    }
    /* the method (alive now: the guards say the type still has it; ours
     * until the call, as the arguments may change the type) and self,
     * which stays where it is (owned or borrowed) */
    pop(r);
    ir_ref m = ir_const_ptr(r->t, c.value);
    IR_EMIT(r->t, IR_py_incref, -1, m);
    push(r, (rec_val){m, FE_K_OWNED});
    push(r, v);
    return true;
}

/* A closure's variable: the cell in the frame slot (a cell or free
 * variable of the code), its content increfed (the trace owns it: the cell
 * may be written later in the iteration). */
static bool record_load_deref(fe_recorder *r, _PyInterpreterFrame *frame, int k)
{
    PyObject *cell = frame->localsplus[k];
    uint8_t kind = (uint8_t)PyBytes_AS_STRING(r->code->co_localspluskinds)[k];
    if (!(kind & (CO_FAST_CELL | CO_FAST_FREE)) || cell == NULL || !PyCell_Check(cell) ||
        r->slots[k].kind != FE_K_REF || PyCell_GET(cell) == NULL)
        return abort_unsupported(r, "LOAD_DEREF of this kind");
    int dc = field_descr(r, "cell.ob_ref", (int)offsetof(PyCellObject, ob_ref), 8, 'P');
    ir_ref v = IR_EMIT(r->t, IR_getfield_gc_r, dc, r->slots[k].ref);
    guard1(r, IR_guard_nonnull, v);  /* empty: the interpreter raises */
    IR_EMIT(r->t, IR_py_incref, -1, v);
    push(r, (rec_val){v, FE_K_OWNED, true});
    return true;
}

/* The top n operands of an arithmetic operation or a comparison, kept boxed
 * so far (read from other objects, or a local holding one): unboxed for the
 * operation, which consumes them (an owned one is released: ints and
 * floats have no finalizer). */
static void unbox_operands(fe_recorder *r, PyObject **sp, int n)
{
    for (int k = 1; k <= n; k++) {
        rec_val v = TOP(k);
        PyObject *o = sp[-k];
        if ((v.kind != FE_K_REF && v.kind != FE_K_OWNED) || ir_is_const(v.ref) ||
            !(PyFloat_CheckExact(o) || (PyLong_CheckExact(o) && Py_SIZE(o) >= -2 && Py_SIZE(o) <= 2)))
            continue;
        rec_val u = unboxed(r, v, o);
        if (v.kind == FE_K_OWNED)
            IR_EMIT(r->t, IR_py_decref, -1, v.ref);
        TOP(k) = u;
        r->snap = -1;  /* later guards must not hand the released operand over */
    }
}

/* ---- inlined calls ---- */

bool fe_rec_inline_call(const fe_recorder *r)
{
    return r->inline_pending;
}

/* Keeps `o` alive as long as the trace and its loop (once). */
static bool keep_alive(fe_recorder *r, PyObject *o)
{
    for (int k = 0; k < r->nkept; k++)
        if (r->kept[k] == o)
            return true;
    if (r->nkept == r->cap_kept) {
        int cap = r->cap_kept ? 2 * r->cap_kept : 8;
        PyObject **a = realloc(r->kept, sizeof *a * (size_t)cap);
        if (a == NULL)
            return false;
        r->kept = a;
        r->cap_kept = cap;
    }
    r->kept[r->nkept++] = Py_NewRef(o);
    return true;
}

/* CALL of a plain Python function that the interpreter can call inline
 * (fe_frame_push's cases, without cells or free variables, and no loop of
 * its own), recorded by following the call: guards on the function and
 * its code and defaults, then the callee's instructions in a
 * model frame of its own whose locals start as the arguments. *inlined
 * false: not such a call (record it as a residual call). */
static bool try_inline(fe_recorder *r, PyObject **sp, int oparg, int next, bool *inlined)
{
    *inlined = false;
    bool is_meth = TOP(oparg + 2).kind != FE_K_NONE;
    int total = oparg + is_meth;
    PyObject *callable = sp[-(total + 1)];
    rec_val fv = TOP(total + 1);
    if (rt.param_int[RT_PARAM_inlining] == 0 ||
        (!is_meth && sp[-(oparg + 2)] != NULL) ||  /* a bound method PRECALL unpacked */
        (fv.kind != FE_K_REF && fv.kind != FE_K_OWNED) || r->level >= FE_MAX_INLINE_DEPTH)
        return true;
    /* a function, or a class whose __init__ is one (fe_frame_push_init) */
    PyFunctionObject *func;
    PyTypeObject *tp = NULL;
    if (Py_TYPE(callable) == &PyFunction_Type) {
        func = (PyFunctionObject *)callable;
    } else if (Py_TYPE(callable) == &PyType_Type && !is_meth &&
               (func = fe_init_of((PyTypeObject *)callable)) != NULL &&
               (((PyTypeObject *)callable)->tp_flags & Py_TPFLAGS_VALID_VERSION_TAG)) {
        tp = (PyTypeObject *)callable;
        total++;  /* self */
    } else {
        return true;
    }
    PyCodeObject *co = (PyCodeObject *)func->func_code;
    if ((co->co_flags & (CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR | CO_VARARGS |
                         CO_VARKEYWORDS | CO_OPTIMIZED)) != CO_OPTIMIZED ||
        co->co_kwonlyargcount != 0 || co->co_ncellvars != 0 || co->co_nfreevars != 0)
        return true;
    PyObject *defaults = func->func_defaults;
    int argcount = co->co_argcount;
    int ndefaults = defaults != NULL ? (int)PyTuple_GET_SIZE(defaults) : 0;
    if (total > argcount || total + ndefaults < argcount)
        return true;
    fe_jitcode *cjc = fe_jitcode_get(co);
    if (cjc == NULL) {
        PyErr_Clear();
        return true;
    }
    if (cjc->has_loop || cjc->no_inline)
        return true;
    /* recursion: unrolled max_unroll_recursion levels, then called */
    int same = r->code == co;
    for (int i = 0; i < r->level; i++)
        same += r->callers[i].code == co;
    if (same > rt.param_int[RT_PARAM_max_unroll_recursion])
        return true;
    /* a function trace inlines its own recursive calls a few levels, then
     * calls itself (a direct call of its own code) */
    if (r->function && co == r->loop_code && same > FE_FUNCTION_UNROLL)
        return true;
    rec_val *slots = calloc((size_t)(co->co_nlocalsplus + co->co_stacksize), sizeof *slots);
    if (slots == NULL)
        return abort_bad_loop(r, "out of memory");
    bool uses_defaults = total < argcount;
    /* Defaults of a function known as a constant are constants too (its
     * defaults guarded); a function made anew each time (a lambda with
     * `k=i`) has its defaults read from it. */
    bool fixed_defaults = uses_defaults && ir_is_const(fv.ref);
    if (!keep_alive(r, (PyObject *)co) || (fixed_defaults && !keep_alive(r, defaults))) {
        free(slots);
        return abort_bad_loop(r, "out of memory");
    }
    ir_ref fref = fv.ref;  /* the function, as a value */
    if (tp != NULL) {
        /* The class as it is now (nothing found through its MRO changed:
         * __init__, __new__). Its __init__ is then that constant, alive
         * while the class is (the call holds the class, the instance
         * then). */
        guard_class_unchanged(r, fv, tp);
        fref = ir_const_ptr(r->t, func);
    }
    /* The snapshot of these guards: before the CALL, which the interpreter
     * then executes itself. Any function with this code and these defaults
     * will do (a def run again makes a new function with the same code).
     * CPython 3.11's func_version would say both in one guard, but only its
     * specialiser (not exported) hands versions out. */
    if (!ir_is_const(fref))
        guard2(r, IR_guard_class, fref, ir_const_class(r->t, &PyFunction_Type, "function"));
    int dco = field_descr(r, "function.func_code", (int)offsetof(PyFunctionObject, func_code), 8, 'P');
    guard2(r, IR_guard_value, IR_EMIT(r->t, IR_getfield_gc_r, dco, fref), ir_const_ptr(r->t, co));
    ir_ref dflt = IR_NONE;
    if (uses_defaults) {
        int ddf = field_descr(r, "function.func_defaults",
                              (int)offsetof(PyFunctionObject, func_defaults), 8, 'P');
        dflt = IR_EMIT(r->t, IR_getfield_gc_r, ddf, fref);
        if (fixed_defaults) {
            guard2(r, IR_guard_value, dflt, ir_const_ptr(r->t, defaults));
        } else {
            /* (a function's defaults are a tuple, or NULL) */
            guard1(r, IR_guard_nonnull, dflt);
            int dsz = field_descr(r, "tuple.ob_size", (int)offsetof(PyVarObject, ob_size), 8, 'S');
            guard2(r, IR_guard_value, IR_EMIT(r->t, IR_getfield_gc_i, dsz, dflt),
                   ir_const_int(r->t, ndefaults));
        }
    }
    int k = 0;
    if (tp != NULL) {
        /* object.__new__: allocation only (out of memory: the interpreter
         * makes the call itself, and raises) */
        int dn = call_descr(r, "new_instance", 'r', "r", 0);
        ir_ref inst = IR_EMIT(r->t, IR_call_r, dn,
                              ir_const_class(r->t, (void *)fe_rt_new_instance, "new_instance"),
                              fv.ref);
        guard1(r, IR_guard_nonnull, inst);
        slots[k++] = (rec_val){inst, FE_K_REF};  /* self, borrowed from the caller's stack */
        for (; k < total; k++)
            slots[k] = TOP(total - k);
        r->depth -= oparg + 2;
        if (fv.kind == FE_K_OWNED)
            IR_EMIT(r->t, IR_py_decref, -1, fv.ref);  /* the instance holds its class */
        push(r, (rec_val){inst, FE_K_OWNED});  /* the call's result, there from now on */
        IR_EMIT(r->t, IR_py_incref, -1, fref);  /* the frame's reference to __init__ */
    } else {
        for (; k < total; k++)
            slots[k] = TOP(total - k);  /* the callee's now, owned ones too */
        r->depth -= oparg + 2;
        /* the call's reference to the function, as its frame would hold it */
        if (fv.kind != FE_K_OWNED)
            IR_EMIT(r->t, IR_py_incref, -1, fv.ref);
    }
    for (; k < argcount; k++) {
        int j = k - (argcount - ndefaults);
        if (fixed_defaults) {
            slots[k] = const_of(r, PyTuple_GET_ITEM(defaults, j));
            continue;
        }
        /* the frame's own reference, as CPython's frame takes one */
        int di = item_descr(r, "tuple.ob_item", (int)offsetof(PyTupleObject, ob_item), j);
        ir_ref item = IR_EMIT(r->t, IR_getfield_gc_r, di, dflt);
        IR_EMIT(r->t, IR_py_incref, -1, item);
        slots[k] = (rec_val){item, FE_K_OWNED, true};
    }
    r->callers[r->level++] = (rec_frame){r->code, r->jc, r->func, r->init, r->nlocalsplus, r->depth,
                                         r->slots, r->frame, next};
    r->code = co;
    r->jc = cjc;
    r->func = fref;
    r->init = tp != NULL;
    r->nlocalsplus = co->co_nlocalsplus;
    r->depth = 0;
    r->slots = slots;
    r->frame = NULL;  /* pushed by the interpreter: seen at the next instruction */
    r->expect = 0;
    r->snap = -1;
    r->inline_pending = true;
    r->room += fe_frame_words(co);
    if (r->room > r->max_room)
        r->max_room = r->room;
    if (r->level > r->max_level)
        r->max_level = r->level;
    rt_count(RT_C_INLINED_CALLS, 1);
    *inlined = true;
    return true;
}

/* RETURN_VALUE of an inlined call: its frame releases its locals (the
 * result keeps the reference of the local it was, if any) and its
 * function, and the caller goes on after its CALL with the result -- for
 * an __init__, with the instance already on its stack (the None returned
 * is dropped). */
static bool return_inlined(fe_recorder *r)
{
    rec_val v = pop(r);
    bool init = r->init;
    if (init && !(v.kind == FE_K_REF && ir_is_const(v.ref) &&
                  ir_const_at(r->t, v.ref)->v.p == (void *)Py_None))
        return abort_unsupported(r, "__init__ returning something else than None");
    bool taken = false;
    for (int k = 0; k < r->nlocalsplus + r->depth; k++) {
        rec_val s = r->slots[k];
        if (s.kind != FE_K_OWNED)
            continue;
        if (!taken && v.kind == FE_K_REF && v.ref == s.ref) {
            v = s;
            taken = true;
            continue;
        }
        IR_EMIT(r->t, IR_py_decref, -1, s.ref);
    }
    IR_EMIT(r->t, IR_py_decref, -1, r->func);  /* last, as _PyFrame_Clear */
    r->room -= fe_frame_words(r->code);
    free(r->slots);
    rec_frame *c = &r->callers[--r->level];
    r->code = c->code;
    r->jc = c->jc;
    r->func = c->func;
    r->init = c->init;
    r->nlocalsplus = c->nlocalsplus;
    r->depth = c->depth;
    r->slots = c->slots;
    r->frame = c->frame;
    r->expect = c->resume;
    if (!init)  /* (an instantiation's result is on the stack already) */
        push(r, v);
    return true;
}

/* STORE_FAST in an inlined frame: only the model changes (the frame does
 * not exist). Its locals own their objects, as a frame's do; values
 * borrowed from its callers (arguments) and constants stay borrowed. */
static bool store_fast_inlined(fe_recorder *r, int k)
{
    rec_val v = pop(r), old = r->slots[k];
    if (v.kind == FE_K_NONE)
        return abort_unsupported(r, "store of an empty value");
    if (v.kind == FE_K_REF && !ir_is_const(v.ref)) {
        IR_EMIT(r->t, IR_py_incref, -1, v.ref);
        v.kind = FE_K_OWNED;
    }
    r->slots[k] = v;
    if (old.kind != FE_K_OWNED)
        return true;
    /* values on the stack borrowing the old object take their own
     * reference before it goes */
    for (int j = 1; j <= r->depth; j++)
        if (TOP(j).kind == FE_K_REF && TOP(j).ref == old.ref) {
            IR_EMIT(r->t, IR_py_incref, -1, old.ref);
            TOP(j).kind = FE_K_OWNED;
        }
    IR_EMIT(r->t, IR_py_decref, -1, old.ref);
    return true;
}

/* Instructions that build an object or delete an item, as residual
 * calls: quiet (no frame sync) when what they touch runs no Python code
 * -- formatting an atomic value, joining strs, a dict of atomic keys
 * (their hash and == are C code), a new function. */
static bool record_building(fe_recorder *r, int index, int next, PyObject **sp, int opcode,
                            int oparg)
{
    /* room for the widest: BUILD_STRING's parts, BUILD_MAP's pairs,
     * BUILD_CONST_KEY_MAP's keys and values */
    rec_val vals[16];
    _Static_assert(FE_RT_BUILD_STRING_MAX <= 16 && 2 * FE_RT_BUILD_MAP_MAX <= 16 &&
                   FE_RT_CONST_KEY_MAP_MAX + 1 <= 16, "record_building's vals");
    rec_val null = {ir_const_ptr(r->t, NULL), FE_K_REF};
    int64_t extra = oparg;
    switch (opcode) {
    case FORMAT_VALUE: {
        bool spec = (oparg & FVS_MASK) == FVS_HAVE_SPEC;
        PyObject *value = sp[-1 - spec];
        vals[0] = TOP(1 + spec);
        vals[1] = spec ? TOP(1) : null;
        /* (not bytes: str(b'') may warn, with -b, and warnings run code) */
        if (atomic(value) && !PyBytes_CheckExact(value) && (!spec || PyUnicode_CheckExact(sp[-1]))) {
            guard_exact(r, vals[0], value);
            if (spec)
                guard_exact(r, vals[1], sp[-1]);
            r->quiet = true;
        }
        return residual(r, index, next, (void *)fe_rt_format_value, "format_value", vals, 2, &extra,
                        1, 1 + spec, 'r', NULL);
    }
    case BUILD_STRING:
        if (oparg > FE_RT_BUILD_STRING_MAX)
            return abort_unsupported(r, "f-string of more than 12 parts");
        for (int k = 0; k < FE_RT_BUILD_STRING_MAX; k++)
            vals[k] = k < oparg ? TOP(oparg - k) : null;
        r->quiet = true;  /* (strs only: what FORMAT_VALUE and constants make) */
        return residual(r, index, next, (void *)fe_rt_build_string, "build_string", vals,
                        FE_RT_BUILD_STRING_MAX, &extra, 1, oparg, 'r', NULL);
    case BUILD_MAP: {
        if (oparg > FE_RT_BUILD_MAP_MAX)
            return abort_unsupported(r, "dict display of more than 5 items");
        bool quiet = true;
        for (int k = 0; k < 2 * FE_RT_BUILD_MAP_MAX; k++) {
            vals[k] = k < 2 * oparg ? TOP(2 * oparg - k) : null;
            if (k < 2 * oparg && k % 2 == 0)
                quiet &= atomic(sp[-(2 * oparg - k)]);
        }
        if (quiet) {
            for (int k = 0; k < oparg; k++)
                guard_exact(r, vals[2 * k], sp[-(2 * oparg - 2 * k)]);
            r->quiet = true;
        }
        return residual(r, index, next, (void *)fe_rt_build_map, "build_map", vals,
                        2 * FE_RT_BUILD_MAP_MAX, &extra, 1, 2 * oparg, 'r', NULL);
    }
    case BUILD_CONST_KEY_MAP: {
        PyObject *keys = sp[-1];
        if (oparg > FE_RT_CONST_KEY_MAP_MAX || !PyTuple_CheckExact(keys) ||
            PyTuple_GET_SIZE(keys) != oparg || !ir_is_const(TOP(1).ref))
            return abort_unsupported(r, "dict display of this kind");
        bool quiet = true;
        vals[0] = TOP(1);
        for (int k = 0; k < FE_RT_CONST_KEY_MAP_MAX; k++) {
            vals[1 + k] = k < oparg ? TOP(1 + oparg - k) : null;
            if (k < oparg)
                quiet &= atomic(PyTuple_GET_ITEM(keys, k));
        }
        r->quiet = quiet;  /* (the keys are a constant) */
        return residual(r, index, next, (void *)fe_rt_build_const_key_map, "build_const_key_map",
                        vals, 1 + FE_RT_CONST_KEY_MAP_MAX, NULL, 0, oparg + 1, 'r', NULL);
    }
    case DELETE_SUBSCR:
        vals[0] = TOP(2);
        vals[1] = TOP(1);
        return residual(r, index, next, (void *)fe_rt_delitem, "delitem", vals, 2, NULL, 0, 2, 'i',
                        NULL);
    case DICT_UPDATE:
    case DICT_MERGE: {
        /* the dict being built stays on the stack, so does the callable
         * (DICT_MERGE: NULL|func|args|dict, or func|self|...): borrowed
         * from there for the call */
        bool merge = opcode == DICT_MERGE;
        vals[0] = TOP(oparg + 1);
        vals[1] = TOP(1);
        vals[2] = merge ? TOP(oparg + 3) : null;
        for (int k = 0; k < 3; k += 2) {
            if (vals[k].kind == FE_K_OWNED)
                vals[k].kind = FE_K_REF;
            if (vals[k].kind != FE_K_REF)
                return abort_unsupported(r, "DICT_MERGE of this kind");
        }
        return residual(r, index, next,
                        merge ? (void *)fe_rt_dict_merge : (void *)fe_rt_dict_update,
                        merge ? "dict_merge" : "dict_update", vals, 2 + merge, NULL, 0, 1, 'i', NULL);
    }
    case CALL_FUNCTION_EX: {
        /* NULL | func | args tuple | kwargs dict (oparg & 1) */
        bool kw = oparg & 1;
        PyObject *args = sp[-1 - kw];
        if (!PyTuple_CheckExact(args) || (kw && !PyDict_CheckExact(sp[-1])) ||
            TOP(3 + kw).kind != FE_K_NONE)
            return abort_unsupported(r, "CALL_FUNCTION_EX of this kind");
        vals[0] = TOP(2 + kw);
        vals[1] = TOP(1 + kw);
        vals[2] = kw ? TOP(1) : null;
        guard_exact(r, vals[1], args);
        if (kw)
            guard_exact(r, vals[2], sp[-1]);
        return residual(r, index, next, (void *)fe_rt_call_ex, "call_ex", vals, 3, NULL, 0, 3 + kw,
                        'r', NULL);
    }
    default: {  /* MAKE_FUNCTION */
        int n = 1;
        vals[0] = TOP(1);  /* the code */
        vals[1] = (rec_val){namespace_dict(r, "globals", FRAME_FIELD(f_globals),
                                           (int)offsetof(PyFunctionObject, func_globals)),
                            FE_K_REF};
        for (int bit = 0x08, k = 2; bit != 0; bit >>= 1, k++)
            vals[k] = (oparg & bit) ? TOP(++n) : null;
        r->quiet = true;
        return residual(r, index, next, (void *)fe_rt_make_function, "make_function", vals, 6,
                        NULL, 0, n, 'r', NULL);
    }
    }
}

static bool record(fe_recorder *r, _PyInterpreterFrame *frame, PyObject **sp, int index,
                   int opcode, int oparg)
{
    /* A call's result is unboxed where a number is wanted: stored to a
     * local or tested (arithmetic and comparisons unbox their operands
     * themselves). Passed on anywhere else -- appended, stored into an
     * object, passed to a call, returned -- it stays the object it is. */
    /* (a value only tested is consumed: unboxed even when kept boxed
     * for its identity) */
    bool tested = opcode == UNARY_NOT || opcode == UNARY_INVERT ||
                  opcode == POP_JUMP_FORWARD_IF_FALSE || opcode == POP_JUMP_FORWARD_IF_TRUE ||
                  opcode == POP_JUMP_BACKWARD_IF_FALSE || opcode == POP_JUMP_BACKWARD_IF_TRUE;
    if ((tested || opcode == STORE_FAST) && r->depth > 0 && TOP(1).kind == FE_K_OWNED &&
        !unbox_result(r, sp[-1], tested))
        return false;
    int next = index + 1 + _PyOpcode_Caches[opcode];  /* the next instruction */
    r->expect = next;   /* jump_to says otherwise */
    r->last_opcode = opcode;
    r->last_target = opcode == FOR_ITER ? next + oparg : -1;
    switch (opcode) {
    case NOP:
    case EXTENDED_ARG:
        return true;
    case LOAD_FAST: {
        rec_val v = r->slots[oparg];
        if (v.kind == FE_K_NONE)
            return abort_unsupported(r, "unbound local");
        if (v.kind == FE_K_OWNED)  /* an inlined frame's local: borrowed from it */
            v.kind = FE_K_REF;
        push(r, v);
        return true;
    }
    case RESUME:
        return true;  /* an inlined callee's start (the eval breaker waits for the back-edge) */
    case LOAD_CONST:
        push(r, const_of(r, PyTuple_GET_ITEM(r->code->co_consts, oparg)));
        return true;
    case STORE_FAST:
        return store_fast(r, index, oparg);
    case POP_TOP:
        return release_popped(r, pop(r));
    case COPY:
        if (TOP(oparg).kind == FE_K_OWNED)  /* two owned copies: two references */
            IR_EMIT(r->t, IR_py_incref, -1, TOP(oparg).ref);
        push(r, TOP(oparg));
        return true;
    case SWAP: {
        rec_val t = TOP(1);
        TOP(1) = TOP(oparg);
        TOP(oparg) = t;
        return true;
    }
    case LOAD_GLOBAL:
        return record_load_global(r, frame, oparg, &r->jc->gcache[r->jc->insns[index + 1]]);
    case LOAD_NAME:
        return record_load_name(r, frame, oparg);
    case STORE_NAME:
    case STORE_GLOBAL:
        return record_store_name(r, frame, index, oparg, opcode == STORE_GLOBAL);
    case BINARY_OP: {
        unbox_operands(r, sp, 2);
        int k = record_binary(r, oparg, sp[-2], sp[-1]);
        if (k != RECORD_GENERIC)
            return k;
        quiet_atomic2(r, sp);
        return generic2(r, index, next, (void *)fe_rt_binop, "binop", oparg);
    }
    case COMPARE_OP: {
        unbox_operands(r, sp, 2);
        int k = record_compare(r, oparg);
        if (k != RECORD_GENERIC)
            return k;
        quiet_atomic2(r, sp);
        return generic2(r, index, next, (void *)fe_rt_compare, "compare", oparg);
    }
    case CONTAINS_OP:
        quiet_contains(r, sp);
        return generic2(r, index, next, (void *)fe_rt_contains, "contains", oparg);
    case BINARY_SUBSCR: {
        if (record_list_getitem(r, sp[-2], sp[-1]))
            return true;
        quiet_subscr(r, sp);
        rec_val vals[2] = {TOP(2), TOP(1)};
        if (!residual(r, index, next, (void *)fe_rt_getitem, "getitem", vals, 2, NULL, 0, 2,
                      'r', NULL))
            return false;
        TOP(1).keep = true;  /* an item of a container: kept as the object it is */
        return true;
    }
    case STORE_SUBSCR: {
        int k = record_list_setitem(r, index, sp[-2], sp[-1]);
        if (k != RECORD_GENERIC)
            return k;
        rec_val vals[3] = {TOP(2), TOP(1), TOP(3)};
        return residual(r, index, next, (void *)fe_rt_setitem, "setitem", vals, 3, NULL, 0, 3,
                        'i', NULL);
    }
    case LOAD_ATTR: {
        int k = record_load_attr(r, sp[-1], PyTuple_GET_ITEM(r->code->co_names, oparg));
        if (k != RECORD_GENERIC)
            return k;
        rec_val vals[2] = {TOP(1), name_const(r, oparg)};
        return residual(r, index, next, (void *)fe_rt_getattr, "getattr", vals, 2, NULL, 0, 1,
                        'r', NULL);
    }
    case LOAD_METHOD: {
        int k = record_load_method(r, sp[-1], PyTuple_GET_ITEM(r->code->co_names, oparg));
        if (k != RECORD_GENERIC)
            return k;
        /* as an attribute: NULL | bound method, which CALL takes as is */
        rec_val obj = pop(r);
        push(r, (rec_val){IR_NONE, FE_K_NONE});
        push(r, obj);
        rec_val vals[2] = {obj, name_const(r, oparg)};
        return residual(r, index, next, (void *)fe_rt_getattr, "getattr", vals, 2, NULL, 0, 1,
                        'r', NULL);
    }
    case STORE_ATTR: {
        int k = record_store_attr(r, index, sp[-1], PyTuple_GET_ITEM(r->code->co_names, oparg));
        if (k != RECORD_GENERIC)
            return k;
        rec_val vals[3] = {TOP(1), name_const(r, oparg), TOP(2)};
        return residual(r, index, next, (void *)fe_rt_setattr, "setattr", vals, 3, NULL, 0, 2,
                        'i', NULL);
    }
    case IS_OP: {
        rec_val b = TOP(1), a = TOP(2);
        ir_ref res;
        if ((a.kind == FE_K_REF || a.kind == FE_K_OWNED) &&
            (b.kind == FE_K_REF || b.kind == FE_K_OWNED)) {
            res = emit2(r, oparg ? IR_ptr_ne : IR_ptr_eq, a.ref, b.ref);
        } else if (!unboxed_is(r, a, b, oparg, &res)) {
            return abort_unsupported(r, "`is` on unboxed values");
        }
        r->depth -= 2;
        push(r, (rec_val){res, FE_K_BOOL});
        return release_popped(r, a) && release_popped(r, b);
    }
    case GET_ITER:
        return record_get_iter(r, index, next, sp[-1]);
    case UNPACK_SEQUENCE:
        return record_unpack(r, sp[-1], oparg);
    case BUILD_TUPLE:
    case BUILD_LIST:
        return record_build(r, opcode == BUILD_LIST, oparg);
    case BUILD_SLICE:
        return record_build_slice(r, index, next, sp, oparg);
    case FORMAT_VALUE:
    case BUILD_STRING:
    case BUILD_MAP:
    case BUILD_CONST_KEY_MAP:
    case DELETE_SUBSCR:
    case MAKE_FUNCTION:
    case DICT_UPDATE:
    case DICT_MERGE:
    case CALL_FUNCTION_EX:
        return record_building(r, index, next, sp, opcode, oparg);
    case LIST_EXTEND:
    case LIST_APPEND:
        return record_list_add(r, index, sp, oparg, opcode == LIST_EXTEND);
    case SET_ADD:
    case MAP_ADD:
        return record_comprehension_add(r, index, next, sp, oparg, opcode == MAP_ADD);
    case LOAD_DEREF:
        return record_load_deref(r, frame, oparg);
    case UNARY_NEGATIVE: {
        unbox_operands(r, sp, 1);
        rec_val a = TOP(1);
        int64_t x;
        if (a.kind == FE_K_INT && fits_int64(sp[-1], &x) && x != INT64_MIN) {
            TOP(1) = (rec_val){emit2(r, IR_int_sub_ovf, ir_const_int(r->t, 0), a.ref), FE_K_INT};
            guard0(r, IR_guard_no_overflow);
            return true;
        }
        if (a.kind == FE_K_FLOAT) {
            TOP(1) = (rec_val){emit1(r, IR_float_neg, a.ref), FE_K_FLOAT};
            return true;
        }
        return abort_unsupported(r, "operand of UNARY_NEGATIVE");
    }
    case UNARY_NOT: {
        bool c;
        rec_val cv = TOP(1);
        ir_ref t = truth(r, cv, sp[-1], &c);
        if (t == IR_NONE && (cv.kind == FE_K_REF || cv.kind == FE_K_OWNED)) {
            t = object_truth(r, index, cv);  /* PyObject_IsTrue; cv stays */
            if (t == IR_NONE)
                return false;
            if (cv.kind == FE_K_OWNED)
                IR_EMIT(r->t, IR_py_decref, -1, cv.ref);
        }
        if (t == IR_NONE)
            return abort_unsupported(r, "operand of `not`");
        TOP(1) = (rec_val){emit2(r, IR_int_xor, t, ir_const_int(r->t, 1)), FE_K_BOOL};
        return true;
    }
    case UNARY_INVERT:
        if (TOP(1).kind != FE_K_INT)
            return abort_unsupported(r, "operand of ~");
        TOP(1) = (rec_val){emit1(r, IR_int_invert, TOP(1).ref), FE_K_INT};
        return true;
    case POP_JUMP_FORWARD_IF_FALSE:
    case POP_JUMP_FORWARD_IF_TRUE:
    case POP_JUMP_BACKWARD_IF_FALSE:
    case POP_JUMP_BACKWARD_IF_TRUE: {
        bool c;
        rec_val cv = TOP(1);
        bool backward = opcode == POP_JUMP_BACKWARD_IF_FALSE || opcode == POP_JUMP_BACKWARD_IF_TRUE;
        int target = backward ? index + 1 - oparg : next + oparg;
        ir_ref t = truth(r, cv, sp[-1], &c);
        bool object = false, inline_object = false;
        if (t == IR_NONE && (cv.kind == FE_K_REF || cv.kind == FE_K_OWNED)) {
            t = inline_truth(r, cv, sp[-1]);
            inline_object = t != IR_NONE;
        }
        if (t == IR_NONE && (cv.kind == FE_K_REF || cv.kind == FE_K_OWNED)) {
            /* Only types whose truth runs no Python code: the recorder must
             * know the direction without calling __bool__ twice. */
            PyTypeObject *tp = Py_TYPE(sp[-1]);
            if (tp != &PyList_Type && tp != &PyTuple_Type && tp != &PyDict_Type &&
                tp != &PyUnicode_Type && tp != &PySet_Type && tp != &PyBytes_Type &&
                tp != &PyLong_Type && sp[-1] != Py_None)
                return abort_unsupported(r, "condition of this type");
            t = object_truth(r, index, cv);
            if (t == IR_NONE)
                return false;
            object = true;
        }
        if (t == IR_NONE)
            return abort_unsupported(r, "condition of a branch");
        int truthval = PyObject_IsTrue(sp[-1]);
        if (truthval < 0) {
            PyErr_Clear();
            return abort_unsupported(r, "condition raised");
        }
        bool jumps = (opcode == POP_JUMP_FORWARD_IF_TRUE || opcode == POP_JUMP_BACKWARD_IF_TRUE)
                     == (bool)truthval;
        pop(r);
        if (object) {
            /* Truth is taken once: a failing guard resumes on the other
             * path with the condition already popped (and released). */
            if (cv.kind == FE_K_OWNED)
                IR_EMIT(r->t, IR_py_decref, -1, cv.ref);
            if (!ir_is_const(t))
                guard_resuming_at(r, jumps ? next : target,
                                  truthval ? IR_guard_true : IR_guard_false, t);
        } else {
            r->depth++;  /* the snapshot: before the instruction */
            guard_truth(r, t, truthval);
            r->depth--;
            if (inline_object && !release_popped(r, cv))
                return false;
        }
        if (!jumps)
            return true;
        return jump_to(r, target, backward);
    }
    case POP_JUMP_FORWARD_IF_NONE:
    case POP_JUMP_FORWARD_IF_NOT_NONE:
    case POP_JUMP_BACKWARD_IF_NONE:
    case POP_JUMP_BACKWARD_IF_NOT_NONE: {
        rec_val v = TOP(1);
        bool is_none = sp[-1] == Py_None;
        if ((v.kind == FE_K_REF || v.kind == FE_K_OWNED) && !ir_is_const(v.ref)) {
            ir_ref t = emit2(r, IR_ptr_eq, v.ref, ir_const_ptr(r->t, Py_None));
            guard_truth(r, t, is_none);
        }
        pop(r);
        if (!release_popped(r, v))
            return false;
        bool jumps = (opcode == POP_JUMP_FORWARD_IF_NONE || opcode == POP_JUMP_BACKWARD_IF_NONE)
                     == is_none;
        bool backward = opcode == POP_JUMP_BACKWARD_IF_NONE || opcode == POP_JUMP_BACKWARD_IF_NOT_NONE;
        if (!jumps)
            return true;
        return jump_to(r, backward ? index + 1 - oparg : next + oparg, backward);
    }
    case JUMP_IF_FALSE_OR_POP:
    case JUMP_IF_TRUE_OR_POP: {
        bool c;
        ir_ref t = truth(r, TOP(1), sp[-1], &c);
        if (t == IR_NONE && (TOP(1).kind == FE_K_REF || TOP(1).kind == FE_K_OWNED))
            t = inline_truth(r, TOP(1), sp[-1]);
        if (t == IR_NONE)
            return abort_unsupported(r, "condition of and/or");
        int truthval = PyObject_IsTrue(sp[-1]);
        if (truthval < 0) {
            PyErr_Clear();
            return abort_unsupported(r, "condition raised");
        }
        guard_truth(r, t, truthval);
        if ((opcode == JUMP_IF_TRUE_OR_POP) != (bool)truthval)
            return release_popped(r, pop(r));
        return jump_to(r, next + oparg, false);
    }
    case JUMP_FORWARD:
        return jump_to(r, next + oparg, false);
    case PUSH_NULL:
        push(r, (rec_val){IR_NONE, FE_K_NONE});
        return true;
    case PRECALL:
        return true;  /* record_call checks for bound methods */
    case KW_NAMES:
        r->kwnames = PyTuple_GET_ITEM(r->code->co_consts, oparg);
        return true;
    case CALL: {
        bool inlined = false;
        if (r->kwnames == NULL && !try_inline(r, sp, oparg, next, &inlined))
            return false;
        return inlined || record_call(r, sp, index, oparg, next);
    }
    case JUMP_BACKWARD:
        return jump_to(r, next - oparg, true);
    case FOR_ITER:
        return record_for_iter(r, sp[-1], oparg, next, index);
    case RETURN_VALUE:
        if (r->level > 0)
            return return_inlined(r);
        /* (a loop's iteration that returns: its trace ends there, and
         * the iterations that go on become bridges back to its label) */
        return finish_trace(r, index);
    default: {
        char what[96];
        snprintf(what, sizeof what, "opcode %s", opname(opcode));
        return abort_unsupported(r, what);
    }
    }
}


/* Whether frame slot value `o` can be what the model says slot `v` is. */
static bool slot_agrees(fe_recorder *r, rec_val v, PyObject *o)
{
    bool c = ir_is_const(v.ref);
    const ir_const *k = c ? ir_const_at(r->t, v.ref) : NULL;
    int64_t i;
    switch (v.kind) {
    case FE_K_NONE:
        return o == NULL;
    case FE_K_INT:
        return fits_int64(o, &i) && (!c || k->v.i == i);
    case FE_K_FLOAT:
        return o != NULL && PyFloat_CheckExact(o) &&
               (!c || memcmp(&k->v.f, &((PyFloatObject *)o)->ob_fval, sizeof(double)) == 0);
    case FE_K_BOOL:
        return (o == Py_True || o == Py_False) && (!c || k->v.i == (o == Py_True));
    default:  /* FE_K_REF, FE_K_OWNED */
        return o != NULL && (!c || k->v.p == (void *)o);
    }
}

/* The recorder's invariant, checked before each recorded instruction (so
 * after the one recorded before it): the interpreter went where the
 * recorded path goes and its stack is as deep as the model's. With
 * PYPYJIT_DEBUG_RECORDER every slot is compared too. */
static bool model_agrees(fe_recorder *r, _PyInterpreterFrame *frame, PyObject **sp, int start,
                         int store_to, char *why, size_t size)
{
    int fdepth = (int)(sp - frame->localsplus) - r->nlocalsplus;
    if (r->expect >= 0 && start != r->expect) {
        snprintf(why, size, "went to %d, recorded path goes to %d", start, r->expect);
        return false;
    }
    if (fdepth != r->depth) {
        snprintf(why, size, "stack depth: model %d, frame %d", r->depth, fdepth);
        return false;
    }
    if (check_log == NULL)
        return true;
    for (int k = 0; k < r->nlocalsplus + r->depth; k++) {
        rec_val v = r->slots[k];
        PyObject *o = frame->localsplus[k];
        /* On the stack, NULL | bound method and method | self (LOAD_METHOD,
         * PRECALL) are the same call: the model may hold either. */
        if (k >= r->nlocalsplus && v.kind == FE_K_NONE)
            continue;
        if (k > r->nlocalsplus && r->slots[k - 1].kind == FE_K_NONE && frame->localsplus[k - 1])
            continue;
        /* `s += t` on a str: the interpreter empties the local for an
         * in-place append before STORE_FAST (as CPython's specialised
         * opcode does); the trace's call leaves it, both are consistent. */
        if (o == NULL && k == store_to && r->last_opcode == BINARY_OP)
            continue;
        if (!slot_agrees(r, v, o)) {
            snprintf(why, size, "slot %d: model kind %d%s, frame %s", k, v.kind,
                     ir_is_const(v.ref) ? " (constant)" : "", o ? Py_TYPE(o)->tp_name : "NULL");
            return false;
        }
    }
    return true;
}

static void report_disagreement(fe_recorder *r, int start, int opcode, const char *why)
{
    PyObject *file = r->code->co_filename, *fn = r->code->co_name;
    fprintf(check_log, "pypyjit: recorder disagrees with the frame in %s at %s:%d #%d %s (after %s): %s; %s, %d instructions recorded\n",
            PyUnicode_Check(fn) ? PyUnicode_AsUTF8(fn) : "?",
            PyUnicode_Check(file) ? PyUnicode_AsUTF8(file) : "?",
            PyCode_Addr2Line(r->code, start * (int)sizeof(_Py_CODEUNIT)),
            start * (int)sizeof(_Py_CODEUNIT), opname(opcode),
            r->ninstrs > 1 ? opname(r->last_opcode) : "loop start", why,
            r->bridge_of ? "bridge" : "loop", r->ninstrs - 1);
    fflush(check_log);
}

/* Whether an inlined call's frame (real while recording: the interpreter
 * runs the call) has a frame object that something else holds (a local
 * holding sys._getframe(), a stored traceback). In machine code that
 * frame exists only around residual calls, and such an object would keep
 * a copy of it taken when the call returned, where CPython's shows the
 * live frame: leave such calls to the interpreter. */
static bool frame_escaped(const fe_recorder *r)
{
    for (int i = 1; i <= r->level; i++) {
        const _PyInterpreterFrame *f = i == r->level ? r->frame : r->callers[i].frame;
        if (f != NULL && f->frame_obj != NULL && Py_REFCNT(f->frame_obj) > 1)
            return true;
    }
    return false;
}

bool fe_rec_instr(fe_recorder *r, _PyInterpreterFrame *frame, PyObject **sp, int index,
                  int opcode, int oparg)
{
    if (opcode == EXTENDED_ARG)
        return true;  /* recorded with the instruction it extends */
    int start = index;
    while (start > 0 && _Py_OPCODE(r->jc->insns[start - 1]) == EXTENDED_ARG)
        start--;
    r->instr_start = start;
    r->snap = -1;
    if (r->inline_pending) {
        /* the interpreter must have pushed the callee's frame */
        r->inline_pending = false;
        if (frame->previous != r->callers[r->level - 1].frame || frame->f_code != r->code)
            return abort_unsupported(r, "the interpreter did not inline a call the trace inlines");
    }
    r->frame = frame;
    if (r->level > 0 && frame_escaped(r))
        return abort_unsupported(r, "a frame object of an inlined call outlives the call that made it");
    if (++r->ninstrs > 1 && r->level == 0) {
        if (start == r->header) {
            if (r->bridge_of != NULL)
                return close_loop(r);  /* (an outer loop's body led into it) */
            return abort_bad_loop(r, "came back to the header without a back-edge");
        }
        fe_loop *other = loop_at(r, start);
        if (other != NULL && r->bridge_of != NULL)
            return close_to(r, other);
        if (other != NULL && !r->function)
            return abort_unsupported(r, "inner loop");  /* (its bridges will do) */
    }
    if (r->t->nops > rt.param_int[RT_PARAM_trace_limit]) {
        rt_count(RT_C_ABORT_TOO_LONG, 1);
        rt_event_trace_too_long((PyObject *)r->loop_code, r->cell->offset);
        fe_rec_abort(r, "ABORT_TOO_LONG");
        return false;
    }
    if (start != r->expect && r->expect >= 0 && start == r->last_target)
        /* FOR_ITER found its iterator exhausted */
        return abort_loop_ended(r, "the loop ended while it was being traced");
    char why[160];
    if (!model_agrees(r, frame, sp, start, opcode == STORE_FAST ? oparg : -1, why, sizeof why)) {
        /* A bug in the recorder, never worth a wrong trace. */
        if (check_log != NULL)
            report_disagreement(r, start, opcode, why);
        return abort_bad_loop(r, "the recorder lost track of the frame");
    }
    rt_count(RT_C_OPS, 1);
    merge_point(r, start, opcode);
    bool go_on = record(r, frame, sp, index, opcode, oparg);
    if (go_on && ir_failed(r->t))
        return abort_bad_loop(r, "out of memory");
    return go_on;
}
