/* frontend/enter: running a compiled loop from the own interpreter --
 * the frame's slots become the machine code's inputs (unboxed, with type
 * checks), and when a guard fails its snapshot becomes the frame again
 * (deoptimisation: boxing values, balancing reference counts), so the
 * interpreter resumes exactly where the guard was. */
#include "frames.h"
#include "jitloop.h"
#include "../runtime/runtime.h"
#include <stdlib.h>
#include <string.h>


#define FE_MAX_INPUTS 256

static bool unbox_input(PyObject *o, int kind, void **out)
{
    switch (kind) {
    case FE_K_INT: {
        if (o == NULL || !PyLong_CheckExact(o))
            return false;
        Py_ssize_t size = Py_SIZE(o);
        if (size >= -1 && size <= 1) {  /* 3.11's compact ints: the common case */
            *out = (void *)(intptr_t)((long)((PyLongObject *)o)->ob_digit[0] * size);
            return true;
        }
        int overflow;
        long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
        if (overflow)
            return false;
        *out = (void *)(intptr_t)v;
        return true;
    }
    case FE_K_FLOAT: {
        if (o == NULL || !PyFloat_CheckExact(o))
            return false;
        double d = PyFloat_AS_DOUBLE(o);
        uint64_t bits;
        memcpy(&bits, &d, sizeof bits);
        *out = (void *)(uintptr_t)bits;
        return true;
    }
    case FE_K_BOOL:
        if (o != Py_True && o != Py_False)
            return false;
        *out = (void *)(intptr_t)(o == Py_True);
        return true;
    case FE_K_REF:
        if (o == NULL)
            return false;
        *out = o;
        return true;
    default:
        return false;
    }
}

/* A new reference for snapshot slot `s` (NULL for an empty slot), or NULL
 * with an exception set. */
static PyObject *materialize(const fe_loop *L, const ir_trace *tr, int e,
                             const jit_deadframe *df, ir_slot s, bool *failed)
{
    if (s.ref == IR_NONE || s.kind == IR_BOX_NONE)
        return NULL;
    uint64_t bits;
    if (ir_is_const(s.ref)) {
        const ir_const *c = ir_const_at(tr, s.ref);
        if (c->type == 'f')
            memcpy(&bits, &c->v.f, sizeof bits);
        else if (c->type == 'r')
            bits = (uint64_t)(uintptr_t)c->v.p;
        else
            bits = (uint64_t)c->v.i;
    } else {
        bits = jit_loc_read(df, jit_exit_loc(L->mc, e, s.ref));
    }
    PyObject *o;
    switch (s.kind) {
    case IR_BOX_INT:
        o = PyLong_FromLongLong((long long)bits);
        break;
    case IR_BOX_FLOAT: {
        double d;
        memcpy(&d, &bits, sizeof d);
        o = PyFloat_FromDouble(d);
        break;
    }
    case IR_BOX_BOOL:
        return Py_NewRef(bits ? Py_True : Py_False);
    case IR_BOX_OWNED:
        return (PyObject *)(uintptr_t)bits;
    default:  /* IR_BOX_BORROWED */
        return Py_XNewRef((PyObject *)(uintptr_t)bits);
    }
    if (o == NULL)
        *failed = true;
    return o;
}

/* The frame of an inlined call, as fe_frame_push makes it, over the data
 * stack's top (fe_loop_run checked the room): its slots and function from
 * snapshot frame `fr`, waiting to resume at fr->pc, linked to `caller`. */
static _PyInterpreterFrame *rebuild_callee(const fe_loop *L, const ir_trace *tr, int e,
                                           const jit_deadframe *df, const ir_frame *fr,
                                           _PyInterpreterFrame *caller, PyThreadState *tstate,
                                           bool *failed)
{
    /* the frame's slots, then its function (a reference it takes) */
    const ir_slot *slots = ir_frame_slots(tr, fr);
    int n = fr->nslots - 1;
    PyFunctionObject *func = (PyFunctionObject *)materialize(L, tr, e, df, slots[n], failed);
    _PyInterpreterFrame *f = fe_frame_init(tstate, func);
    /* a negative pc: raising at the instruction -1 - pc (the interpreter
     * sets prev_instr there itself) */
    int pc = fr->pc >= 0 ? fr->pc : -1 - fr->pc;
    f->prev_instr = _PyCode_CODE((PyCodeObject *)fr->code) + pc - 1;
    for (int k = 0; k < n; k++)
        f->localsplus[k] = materialize(L, tr, e, df, slots[k], failed);
    f->stacktop = n;  /* locals and stack: never fewer than the locals */
    FE_SPECIAL_RETURN(f) = (fr->flags & FE_FRAME_INIT) != 0;
    f->previous = caller;
    tstate->recursion_remaining--;  /* as the call's _Py_EnterRecursiveCall */
    return f;
}

/* Rebuilds the frame from exit e's snapshot (and the frames of inlined
 * calls above it, *inner the innermost); returns the code unit to resume
 * at, or -2 when boxing ran out of memory (an exception is set and the
 * frames are consistent: what could not be built is NULL). */
/* (never inlined: its frame stays off the stack while machine code runs) */
static __attribute__((noinline)) int deopt(fe_loop *L, _PyInterpreterFrame *frame, int e,
                                           const jit_deadframe *df,
                 PyObject ***spp, _PyInterpreterFrame **inner)
{
    rt_count(RT_C_GUARD_FAILURES, 1);
    const jit_exit *x = &L->mc->exits[e];
    const ir_trace *tr = jit_exit_trace(L->mc, e);
    bool in_loop = x->bridge < 0;  /* else refs are the bridge trace's */
    /* (x itself may move: boxing can run code that compiles a bridge of
     * this loop, which grows its exits) */
    int snap = x->snap;
    int nframes = (int)ir_snap_at(tr, snap)->nframes;
    /* a bridge is recorded from this exit or none: one left pending by an
     * earlier exit (while the loop was busy on the stack) would start from
     * the wrong snapshot */
    L->pending_bridge = -1;
    if (e < L->nexit_fails && L->exit_state[e] == FE_EXIT_OPEN &&
        ++L->exit_fails[e] >= (uint32_t)rt.param_int[RT_PARAM_trace_eagerness] &&
        rt.param_int[RT_PARAM_trace_eagerness] > 0 && L->nbridges < FE_MAX_BRIDGES)
        L->pending_bridge = e;  /* the interpreter records one from here */
    const ir_frame *f = ir_snap_frame_at(tr, snap, 0);
    const ir_slot *slots = ir_frame_slots(tr, f);
    /* A negative pc in the innermost frame: a call raised, and the
     * exception is pending at the instruction -1 - pc; keep it aside
     * while boxing. */
    int last_pc = ir_snap_frame_at(tr, snap, nframes - 1)->pc;
    bool raising = last_pc < 0;
    PyObject *type = NULL, *value = NULL, *tb = NULL;
    if (raising) {
        PyErr_Fetch(&type, &value, &tb);
        if (L->pending_bridge == e)
            L->pending_bridge = -1;  /* no bridge from a raising call */
    }
    PyObject **lp = frame->localsplus;
    PyObject *stale[FE_MAX_INPUTS];
    int nstale = 0;
    bool failed = false;
    int nlocals = frame->f_code->co_nlocalsplus;
    for (int k = 0; k < f->nslots; k++) {
        ir_slot s = slots[k];
        bool in_frame = k < L->nentry;
        /* A local no trace of the code stores to still holds, in the
         * frame, the very object it held when machine code was entered
         * (boxing its value again would make another object: `is`); so
         * does a header slot the loop takes unchanged to its exit. */
        if (in_frame && !L->written[k] && s.ref != IR_NONE && s.kind != IR_BOX_OWNED &&
            ((k < nlocals && lp[k] != NULL) || (in_loop && s.ref == L->slot_input[k])))
            continue;
        PyObject *v = materialize(L, tr, e, df, s, &failed);
        if (in_frame) {
            PyObject *old = lp[k];
            if (old != NULL && nstale < FE_MAX_INPUTS)
                stale[nstale++] = old;
            else
                Py_XDECREF(old);
        }
        lp[k] = v;
    }
    /* Stack slots of the loop header that this exit has popped (a for
     * loop's iterator, when the loop is left): the frame drops them. */
    for (int k = f->nslots; k < L->nentry; k++) {
        if (lp[k] != NULL && nstale < FE_MAX_INPUTS)
            stale[nstale++] = lp[k];
        else
            Py_XDECREF(lp[k]);
        lp[k] = NULL;
    }
    *spp = lp + f->nslots;
    *inner = frame;
    int pc = f->pc;
    if (nframes > 1) {
        /* The loop's frame waits after its CALL; each inlined call gets
         * its frame back, the innermost resuming at its guard. */
        PyThreadState *tstate = PyThreadState_Get();
        frame->prev_instr = _PyCode_CODE(frame->f_code) + f->pc - 1;
        frame->stacktop = f->nslots;
        _PyInterpreterFrame *caller = frame;
        for (int i = 1; i < nframes; i++) {
            const ir_frame *fr = ir_snap_frame_at(tr, snap, i);
            caller = rebuild_callee(L, tr, e, df, fr, caller, tstate, &failed);
            pc = fr->pc;
        }
        tstate->cframe->current_frame = caller;
        *inner = caller;
        *spp = caller->localsplus + caller->stacktop;
        rt_count(RT_C_INLINE_DEOPTS, 1);
    }
    /* Release what the frame held only after it is whole again: a
     * finalizer may look at it. */
    for (int k = 0; k < nstale; k++)
        Py_DECREF(stale[k]);
    if (raising) {
        if (failed)
            Py_XDECREF(type), Py_XDECREF(value), Py_XDECREF(tb);  /* MemoryError wins */
        else
            PyErr_Restore(type, value, tb);
        return FE_RESUME_RAISING(-1 - last_pc);
    }
    return failed ? -2 : pc;
}

jit_loc fe_finish_result_loc(const fe_loop *L, int e)
{
    const jit_exit *x = &L->mc->exits[e];
    if (x->snap >= 0)
        return (jit_loc){.kind = JIT_LOC_NONE};
    return jit_exit_loc(L->mc, e, ir_arg(jit_exit_trace(L->mc, e), x->guard, 0));
}

/* The code reached `finish(result)` (exit e): the frame drops the loop
 * header's stack slots (the trace popped them) and returns the result,
 * which the trace owns. */
static int finish(fe_loop *L, _PyInterpreterFrame *frame, int e, const jit_deadframe *df,
                  PyObject **retval)
{
    /* (a bridge's exits that found no memory for their tables: looked up) */
    jit_loc loc = e < L->nexit_fails ? L->finish_loc[e] : fe_finish_result_loc(L, e);
    *retval = (PyObject *)(uintptr_t)jit_loc_read(df, loc);
    int nlocals = frame->f_code->co_nlocalsplus;
    for (int k = nlocals; k < L->nentry; k++)
        Py_CLEAR(frame->localsplus[k]);
    return FE_RESUME_RETURNED;
}

/* What one run of machine code needs besides the C stack: where its exit
 * stub leaves the registers and where it spills (the deadframe), and its
 * inputs. Kept off the C stack (a deadframe is 8 KiB: runs nest once per
 * Python call in recursive code) and reused. */
typedef struct run_area {
    jit_deadframe df;
    void *inputs[FE_MAX_INPUTS];
    struct run_area *next;   /* on the free list */
} run_area;

/* Areas not in use. Shared by all threads: taken and given back with the
 * GIL held (a thread that releases it inside compiled code keeps its own
 * area meanwhile). Never freed: as many as runs were ever nested at once. */
static run_area *free_areas;

static run_area *take_area(void)
{
    run_area *a = free_areas;
    if (a != NULL) {
        free_areas = a->next;
        return a;
    }
    return malloc(sizeof *a);
}

static void give_area(run_area *a)
{
    a->next = free_areas;
    free_areas = a;
}

int fe_loop_run(fe_loop **Lp, _PyInterpreterFrame *frame, PyObject ***spp,
                _PyInterpreterFrame **inner, PyObject **retval)
{
    fe_loop *L = *Lp;
    PyThreadState *tstate = _PyThreadState_GET();
    *inner = frame;
    if (L->jc->inline_room > 0) {
        /* Room for the frames of inlined calls, should a guard inside one
         * fail (in this loop or one its bridges jump to): in the data
         * stack's current chunk (as fe_frame_push), and under the
         * recursion limit. */
        PyObject **top = tstate->datastack_top;
        if (top == NULL || top == &tstate->datastack_chunk->data[0] ||
            tstate->datastack_limit - top < L->jc->inline_room ||
            tstate->recursion_remaining <= L->jc->inline_depth)
            return -1;
    }
    /* Slots that were empty when the loop was traced must still be: its
     * exits rebuild them as empty. (A function trace starts with the
     * frame: its arguments bound, its other locals empty, always.) */
    if (L->header != 0)
        for (int k = 0; k < L->nentry; k++)
            if (L->slot_input[k] == IR_NONE && frame->localsplus[k] != NULL)
                return -1;
    /* One area per run: a call from compiled code can run another
     * compiled loop (or this one, recursively). */
    run_area *a = take_area();
    if (a == NULL)
        return -1;   /* (out of memory: the interpreter goes on) */
    a->inputs[0] = frame->localsplus;
    a->inputs[1] = &tstate->cframe->use_tracing;
    for (int k = FE_FIRST_SLOT_INPUT; k < L->ninputs; k++)
        if (!unbox_input(frame->localsplus[L->input_slot[k]], L->input_kind[k], &a->inputs[k])) {
            give_area(a);
            return -1;
        }
    rt_count(RT_C_LOOP_ENTRIES, 1);
    L->entries++;
    L->running++;  /* deopt may run a collection that releases loops */
    int64_t e = L->mc->entry((void *const *)a->inputs, &a->df);
    /* the code may have left through another loop of the code, which a
     * bridge jumped to: its exit, its snapshot */
    fe_loop *X = a->df.exited == L->mc ? L : (fe_loop *)a->df.exited->user;
    if (X == NULL || e < 0 || e >= X->mc->nexits)
        Py_FatalError("pypyjit: compiled loop returned an unknown exit");
    *Lp = X;
    int pc = X->mc->exits[e].snap < 0 ? finish(X, frame, (int)e, &a->df, retval)
                                      : deopt(X, frame, (int)e, &a->df, spp, inner);
    give_area(a);
    L->running--;
    return pc;
}

void fe_loop_free(fe_loop *L)
{
    if (L == NULL)
        return;
    if (L->mc)
        jit_loop_free(L->mc);
    if (L->trace)
        ir_trace_free(L->trace);
    free(L->input_slot);
    free(L->input_kind);
    free(L->slot_input);
    free(L->syncs);
    free(L->exit_fails);
    free(L->exit_state);
    free(L->finish_loc);
    for (int k = 0; k < L->nbridges; k++)
        ir_trace_free(L->bridge_traces[k]);
    free(L->bridge_traces);
    for (int k = 0; k < L->nkept; k++)
        Py_DECREF(L->kept[k]);
    free(L->kept);
    free(L);
}
