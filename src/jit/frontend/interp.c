/* frontend/interp: the own interpreter. It executes CPython 3.11 bytecode
 * with CPython's semantics on CPython's own frame, keeping the frame
 * contract of notes/cpython311.md: the frame is linked while it runs,
 * prev_instr names the executing instruction, stacktop is -1 (hidden from
 * the GC, as in ceval.c) until we leave. Exceptions are unwound here, with
 * the code's exception table, as ceval does. Whatever it does not run
 * itself -- an unsupported opcode, a loop given up, tracing turned on (an
 * error under tracing too, for its events) -- it hands to CPython's
 * _PyEval_EvalFrameDefault, which finishes the frame. */
#include "eval.h"
#include "frames.h"
#include "internal/pycore_dict.h"
#include "interp_exc.h"
#include "interp_support.h"
#include "jitloop.h"
#include "rt_helpers.h"
#include "../runtime/runtime.h"

#define TOP() (sp[-1])
#define SECOND() (sp[-2])
#define PEEK(n) (sp[-(n)])
#define PUSH(v) (*sp++ = (v))
#define POP() (*--sp)
#define GETLOCAL(i) (frame->localsplus[(i)])
#define NAME(i) PyTuple_GET_ITEM(co->co_names, (i))
#define CONST(i) PyTuple_GET_ITEM(co->co_consts, (i))
#define SKIP_CACHES(op) (ip += INLINE_CACHE_ENTRIES_##op)

/* Binary operators by BINARY_OP's oparg (NB_* in opcode.h). */
static binaryfunc const binary_ops[] = {
    [NB_ADD] = PyNumber_Add, [NB_AND] = PyNumber_And,
    [NB_FLOOR_DIVIDE] = PyNumber_FloorDivide, [NB_LSHIFT] = PyNumber_Lshift,
    [NB_MATRIX_MULTIPLY] = PyNumber_MatrixMultiply, [NB_MULTIPLY] = PyNumber_Multiply,
    [NB_REMAINDER] = PyNumber_Remainder, [NB_OR] = PyNumber_Or,
    [NB_POWER] = fe_power, [NB_RSHIFT] = PyNumber_Rshift,
    [NB_SUBTRACT] = PyNumber_Subtract, [NB_TRUE_DIVIDE] = PyNumber_TrueDivide,
    [NB_XOR] = PyNumber_Xor,
    [NB_INPLACE_ADD] = PyNumber_InPlaceAdd, [NB_INPLACE_AND] = PyNumber_InPlaceAnd,
    [NB_INPLACE_FLOOR_DIVIDE] = PyNumber_InPlaceFloorDivide,
    [NB_INPLACE_LSHIFT] = PyNumber_InPlaceLshift,
    [NB_INPLACE_MATRIX_MULTIPLY] = PyNumber_InPlaceMatrixMultiply,
    [NB_INPLACE_MULTIPLY] = PyNumber_InPlaceMultiply,
    [NB_INPLACE_REMAINDER] = PyNumber_InPlaceRemainder,
    [NB_INPLACE_OR] = PyNumber_InPlaceOr, [NB_INPLACE_POWER] = fe_inplace_power,
    [NB_INPLACE_RSHIFT] = PyNumber_InPlaceRshift,
    [NB_INPLACE_SUBTRACT] = PyNumber_InPlaceSubtract,
    [NB_INPLACE_TRUE_DIVIDE] = PyNumber_InPlaceTrueDivide,
    [NB_INPLACE_XOR] = PyNumber_InPlaceXor,
};

PyObject *fe_binary_op(int op, PyObject *a, PyObject *b)
{
    return binary_ops[op](a, b);
}

/* Float arithmetic done inline when both operands are exact floats; the
 * results are bit-for-bit those of float's own slots. */
static inline PyObject *float_binop(int oparg, double a, double b)
{
    switch (oparg) {
    case NB_ADD: case NB_INPLACE_ADD: return PyFloat_FromDouble(a + b);
    case NB_SUBTRACT: case NB_INPLACE_SUBTRACT: return PyFloat_FromDouble(a - b);
    case NB_MULTIPLY: case NB_INPLACE_MULTIPLY: return PyFloat_FromDouble(a * b);
    default: return NULL;
    }
}

/* Exact ints of at most one 30-bit digit: CPython 3.11's "medium" ints. */
static inline bool medium_int(PyObject *o, long *v)
{
    if (!PyLong_CheckExact(o))
        return false;
    Py_ssize_t size = Py_SIZE(o);
    if (size < -1 || size > 1)
        return false;
    *v = size == 0 ? 0 : (long)((PyLongObject *)o)->ob_digit[0] * size;
    return true;
}

/* A list's or tuple's item k (negative from the end), a new reference;
 * NULL when out of range (the generic subscript raises the IndexError). */
static inline PyObject *item_at(PyObject *const *items, Py_ssize_t n, long k)
{
    if (k < 0)
        k += n;
    return k >= 0 && k < n ? Py_NewRef(items[k]) : NULL;
}

static inline PyObject *int_binop(int oparg, long a, long b)
{
    switch (oparg) {
    case NB_ADD: case NB_INPLACE_ADD: return PyLong_FromLong(a + b);
    case NB_SUBTRACT: case NB_INPLACE_SUBTRACT: return PyLong_FromLong(a - b);
    case NB_MULTIPLY: case NB_INPLACE_MULTIPLY: return PyLong_FromLong(a * b);
    default: return NULL;
    }
}

static inline bool compare_longs(int op, long a, long b)
{
    switch (op) {
    case Py_LT: return a < b;
    case Py_LE: return a <= b;
    case Py_EQ: return a == b;
    case Py_NE: return a != b;
    case Py_GT: return a > b;
    default: return a >= b;
    }
}

static inline bool compare_doubles(int op, double a, double b)
{
    switch (op) {
    case Py_LT: return a < b;
    case Py_LE: return a <= b;
    case Py_EQ: return a == b;
    case Py_NE: return a != b;
    case Py_GT: return a > b;
    default: return a >= b;
    }
}

/* Handing an error over with tracing on: CPython's throwflag entry (made
 * for generator.throw()) reports a 'call' event for the frame, which plain
 * CPython would not report here -- the frame was entered long before. The
 * thread's trace and profile functions are replaced, for that one event,
 * by these, which put the originals back and report nothing. */
static _Thread_local Py_tracefunc saved_tracefunc, saved_profilefunc;

static int swallow_trace_call(PyObject *obj, PyFrameObject *f, int what, PyObject *arg)
{
    (void)obj, (void)f, (void)what, (void)arg;
    PyThreadState_Get()->c_tracefunc = saved_tracefunc;
    return 0;
}

static int swallow_profile_call(PyObject *obj, PyFrameObject *f, int what, PyObject *arg)
{
    (void)obj, (void)f, (void)what, (void)arg;
    PyThreadState_Get()->c_profilefunc = saved_profilefunc;
    return 0;
}

static PyObject *throw_without_call_event(PyThreadState *tstate, _PyInterpreterFrame *frame)
{
    /* tracing > 0: inside a trace function, where CPython reports nothing. */
    if (tstate->tracing != 0)
        return _PyEval_EvalFrameDefault(tstate, frame, 1);
    if (tstate->c_tracefunc != NULL) {
        saved_tracefunc = tstate->c_tracefunc;
        tstate->c_tracefunc = swallow_trace_call;
    }
    if (tstate->c_profilefunc != NULL) {
        saved_profilefunc = tstate->c_profilefunc;
        tstate->c_profilefunc = swallow_profile_call;
    }
    PyObject *res = _PyEval_EvalFrameDefault(tstate, frame, 1);
    /* Still in place only if CPython left before reporting the event (its
     * recursion check failed), so nothing ran in between. */
    if (tstate->c_tracefunc == swallow_trace_call)
        tstate->c_tracefunc = saved_tracefunc;
    if (tstate->c_profilefunc == swallow_profile_call)
        tstate->c_profilefunc = saved_profilefunc;
    return res;
}

/* Gives up a reference without ever deallocating: only for an object the
 * very next code takes a new reference to (CALL into _PyEval_Vector), so
 * a count that touches zero goes straight back up, with nothing run in
 * between. */
static inline void lend_reference(PyObject *o)
{
#ifdef Py_REF_DEBUG
    _Py_RefTotal--;
#endif
    Py_SET_REFCNT(o, Py_REFCNT(o) - 1);
}

/* A METH_FASTCALL C function, with or without METH_KEYWORDS, called
 * without keywords. */
static inline PyObject *call_fast(PyMethodDef *def, PyObject *self, PyObject *const *args,
                                  int n)
{
    if (def->ml_flags & METH_KEYWORDS)
        return ((_PyCFunctionFastWithKeywords)(void (*)(void))def->ml_meth)(self, args, n, NULL);
    return ((_PyCFunctionFast)(void (*)(void))def->ml_meth)(self, args, n);
}

/* Whether `self` is of the type of method descriptor `d` (else calling it
 * raises CPython's TypeError, on the generic path). */
static inline bool descr_self_ok(PyMethodDescrObject *d, PyObject *self)
{
    return Py_TYPE(self) == PyDescr_TYPE(d) || PyType_IsSubtype(Py_TYPE(self), PyDescr_TYPE(d));
}

/* A METH_O or METH_NOARGS C function called with the recursion counted,
 * as CPython counts it for them; NULL with RecursionError set when too
 * deep. */
static inline PyObject *call_counted(PyThreadState *tstate, PyCFunction meth, PyObject *self,
                                     PyObject *arg)
{
    if (_Py_EnterRecursiveCallTstate(tstate, " while calling a Python object"))
        return NULL;
    PyObject *r = meth(self, arg);
    _Py_LeaveRecursiveCallTstate(tstate);
    return r;
}

/* A call, without keywords, of a builtin function or of a method
 * descriptor taking one argument, none, or a vector of them (`len(x)`,
 * `isinstance(a, b)`, `s.startswith(p)`, `l.append(x)`, `d.get(k)`...):
 * the C function is called here with its vectorcall's checks and
 * recursion accounting (every such call counts once against the recursion
 * limit, as CPython's generic call path counts it). False when the call
 * has another shape, or would fail to bind (the generic call raises
 * CPython's message). */
static inline bool call_c_function(PyThreadState *tstate, PyObject *callable,
                                   PyObject *const *args, int total, PyObject **res)
{
    PyTypeObject *ct = Py_TYPE(callable);
    PyMethodDef *def;
    PyObject *self;
    if (ct == &PyCFunction_Type) {
        def = ((PyCFunctionObject *)callable)->m_ml;
        self = ((PyCFunctionObject *)callable)->m_self;
    } else if (ct == &PyMethodDescr_Type) {
        PyMethodDescrObject *d = (PyMethodDescrObject *)callable;
        if (total < 1 || !descr_self_ok(d, args[0]))
            return false;
        def = d->d_method;
        self = *args++;
        total--;
    } else {
        return false;
    }
    int kind = fe_c_call_kind(def);
    if ((kind == METH_O && total != 1) || (kind == METH_NOARGS && total != 0) ||
        (kind != METH_O && kind != METH_NOARGS && !fe_c_call_is_fast(kind)))
        return false;
    /* (a NULL result without an exception becomes CPython's SystemError
     * at the interpreter's error label, as after a specialised PRECALL) */
    if (kind == METH_O || kind == METH_NOARGS) {
        *res = call_counted(tstate, def->ml_meth, self, kind == METH_O ? args[0] : NULL);
        return true;
    }
    *res = NULL;
    if (!_Py_EnterRecursiveCallTstate(tstate, " while calling a Python object")) {
        *res = call_fast(def, self, args, total);
        _Py_LeaveRecursiveCallTstate(tstate);
    }
    return true;
}

/* Leaves the frame to CPython: before the instruction starting at code
 * unit `next` (throwflag 0), or with the current exception raised at the
 * instruction whose opcode unit is prev_instr (throwflag 1). The stack
 * below sp holds owned references or NULL. */
static PyObject *handoff(PyThreadState *tstate, _PyInterpreterFrame *frame, PyObject **sp,
                         int next, int throwflag)
{
    if (!throwflag)
        frame->prev_instr = _PyCode_CODE(frame->f_code) + next - 1;
    frame->stacktop = (int)(sp - frame->localsplus);
    tstate->cframe->current_frame = frame->previous;
    _Py_LeaveRecursiveCallTstate(tstate);
    rt_count(RT_C_HANDOFFS, 1);
    /* (CPython sets is_entry on the frames it evaluates: keep ours) */
    bool special = FE_SPECIAL_RETURN(frame);
    PyObject *res;
    if (throwflag && FE_UNLIKELY(tstate->cframe->use_tracing))
        res = throw_without_call_event(tstate, frame);
    else
        res = _PyEval_EvalFrameDefault(tstate, frame, throwflag);
    FE_SPECIAL_RETURN(frame) = special;
    return res;
}

/* GCC's global common subexpression elimination hoists loads that only
 * some handlers need (the addresses of PyLong_Type and PyFloat_Type, from
 * the GOT) into the dispatch code shared by all of them; its manual
 * advises turning it off for interpreters built on computed gotos
 * (measured: two instructions fewer per dispatched instruction). */
#if defined(__GNUC__) && !defined(__clang__)
#define FE_DISPATCH_LOOP __attribute__((optimize("no-gcse")))
#else
#define FE_DISPATCH_LOOP
#endif

FE_DISPATCH_LOOP
PyObject *fe_interp_run(PyThreadState *tstate, _PyInterpreterFrame *frame, fe_jitcode *jc,
                        const fe_ran *ran)
{
    if (ran == NULL) {
        if (_Py_EnterRecursiveCallTstate(tstate, "")) {
            /* As ceval's start_frame: the frame never started, so no
             * traceback entry and no unwinding. */
            return NULL;
        }
        frame->previous = tstate->cframe->current_frame;
        tstate->cframe->current_frame = frame;
    }
    rt_count(RT_C_INTERP_FRAMES, 1);

    /* The frame this activation was called for. Python functions it calls
     * run here too, in frames pushed on the data stack (frames.c), until
     * they return into their caller: `frame` and the registers below are
     * those of the innermost one. */
    _PyInterpreterFrame *const entry = frame;
    _PyCFrame *const cframe = tstate->cframe;
    _Py_atomic_int *const eval_breaker = &tstate->interp->ceval.eval_breaker;
    PyCodeObject *co;
    _Py_CODEUNIT *first_instr;
    const _Py_CODEUNIT *insns;   /* our copy of the code */
    PyObject **sp;
    const _Py_CODEUNIT *ip;      /* next code unit to decode, in our copy */
    /* prev_instr points into the real bytecode, at the same index as ip in
     * our copy: keep the distance so that setting it is one addition. */
    uintptr_t to_real;
    PyObject *kwnames = NULL;   /* set by KW_NAMES for the next CALL */
    int unwind_at;              /* exception_unwind: the code unit that raised */
    PyObject *retval;           /* a frame's result on its way to its caller */
    _PyInterpreterFrame *callee;  /* a frame pushed for an inline call (enter_callee) */
    fe_jitcode *callee_jc;
    rt_jitcell *cell;           /* the jitcell looked at (backedge, func_entry) */
    /* A run of machine code (run_compiled, or fe_call_direct's: `ran`):
     * its loop and fe_loop_run's results. */
    fe_loop *run_L;
    int run_pc;
    PyObject **run_sp;
    _PyInterpreterFrame *run_inner;
    int oparg;
    unsigned int word;          /* the code unit just decoded */
/* Loads the registers of `frame` (whose code's jitcode is jc) to go on
 * after its prev_instr; its stack is hidden from the GC meanwhile, as in
 * ceval.c. */
#define LOAD_FRAME()                                                      \
    do {                                                                  \
        co = frame->f_code;                                               \
        first_instr = _PyCode_CODE(co);                                   \
        insns = jc->insns;                                                \
        to_real = (uintptr_t)first_instr - (uintptr_t)insns;              \
        sp = frame->localsplus + frame->stacktop;                         \
        frame->stacktop = -1;                                             \
        ip = insns + (frame->prev_instr + 1 - first_instr);               \
    } while (0)
    LOAD_FRAME();
    /* (a function's count went down in the evaluator: fe_eval_frame) */
    bool at_func_entry = jc->entry_cell >= 0 && ip == insns;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"  /* the range default, then each opcode */
    static const void *const targets[256] = {
        [0 ... 255] = &&unsupported,
#define OP(name) [name] = &&op_##name,
#include "interp_ops.def"
#undef OP
#define QOP(name, base) [name] = &&op_##name,
#include "quick_ops.def"
#undef QOP
    };
    /* While this frame records a trace, every instruction goes through the
     * recorder first, then to its base opcode's handler. */
    static const void *const rec_targets[256] = {[0 ... 255] = &&record_hook};
#pragma GCC diagnostic pop
    const void *const *tbl = targets;
    fe_recorder *rec = NULL;   /* the trace this frame is recording, if any */

/* The dispatch is repeated at the end of every opcode so that each has
 * its own indirect jump (better predicted than one shared jump). */
#define REAL(p) ((_Py_CODEUNIT *)((uintptr_t)(p) + to_real))
#define NEXT_INSTR()                                                      \
    do {                                                                  \
        frame->prev_instr = REAL(ip);                                     \
        word = *ip++;                                                     \
        oparg = (int)_Py_OPARG(word);                                     \
    } while (0)
#define DISPATCH()                                                        \
    do {                                                                  \
        NEXT_INSTR();                                                     \
        goto *tbl[_Py_OPCODE(word)];                                      \
    } while (0)
/* The opcode being executed, as dispatched (our copy's), read back from
 * the code rather than kept in a register across every dispatch. */
#define OPCODE() _Py_OPCODE(ip[-1])
/* Tracing or profiling switched on: CPython runs the rest of the frame
 * and reports its events. Checked where CPython code may have switched it
 * on and where we can leave cleanly: after calls, at RESUME and at
 * back-edges (a __del__ or a property that calls sys.settrace is seen at
 * the next of these, not at once as in ceval). */
#define CHECK_TRACING()                                                   \
    do {                                                                  \
        if (FE_UNLIKELY(cframe->use_tracing))                             \
            goto handoff_before_next;                                     \
    } while (0)
#define ERROR() goto error
#define HANDOFF_HERE() goto handoff_before
#define CHECK_EVAL_BREAKER()                                              \
    do {                                                                  \
        if (FE_UNLIKELY(_Py_atomic_load_relaxed(eval_breaker)) &&  \
            fe_handle_eval_breaker(tstate) < 0)                           \
            goto error;                                                   \
    } while (0)

    if (ran != NULL) {
        cell = ran->cell;
        run_L = ran->loop;
        run_pc = ran->pc;
        run_sp = ran->sp;
        run_inner = ran->inner;
        /* a guard in an inlined call: this frame waits at its CALL, with
         * the stack deopt left it (which LOAD_FRAME hid) */
        if (run_inner != frame)
            frame->stacktop = (int)(sp - frame->localsplus);
        goto loop_ran;
    }
    if (at_func_entry)
        goto func_entry;
    DISPATCH();

op_EXTENDED_ARG:
    frame->prev_instr = REAL(ip);
    word = *ip++;
    oparg = (oparg << 8) | (int)_Py_OPARG(word);
    goto *tbl[_Py_OPCODE(word)];

op_NOP:
    DISPATCH();

op_RESUME:
    if (oparg < 2)
        CHECK_EVAL_BREAKER();
    CHECK_TRACING();
    DISPATCH();

/* LOAD_FAST's work; an unbound local goes to CPython, which raises the
 * UnboundLocalError itself. */
#define PUSH_LOCAL(i)                                                     \
    do {                                                                  \
        PyObject *v_ = GETLOCAL(i);                                       \
        if (v_ == NULL)                                                   \
            HANDOFF_HERE();                                               \
        Py_INCREF(v_);                                                    \
        PUSH(v_);                                                         \
    } while (0)

op_LOAD_FAST:
op_LOAD_CLOSURE:
    PUSH_LOCAL(oparg);
    DISPATCH();

/* ---- private opcodes (quick_ops.def): a pair of instructions in one
 * dispatch, or a type-specialised fast path that falls back to the base
 * opcode's handler. The second instruction of a pair sets prev_instr to
 * its own unit before anything that can fail. */

op_FE_LOAD_FAST__LOAD_FAST:
    PUSH_LOCAL(oparg);
    NEXT_INSTR();
    PUSH_LOCAL(oparg);
    DISPATCH();

op_FE_LOAD_FAST__LOAD_CONST:
    PUSH_LOCAL(oparg);
    NEXT_INSTR();
    PUSH(Py_NewRef(CONST(oparg)));
    DISPATCH();

op_FE_LOAD_CONST__LOAD_FAST:
    PUSH(Py_NewRef(CONST(oparg)));
    NEXT_INSTR();
    PUSH_LOCAL(oparg);
    DISPATCH();

op_FE_STORE_FAST__LOAD_FAST: {
    PyObject *old = GETLOCAL(oparg);
    GETLOCAL(oparg) = POP();
    Py_XDECREF(old);
    NEXT_INSTR();
    PUSH_LOCAL(oparg);
    DISPATCH();
}

/* FLOAT_OK: whether OP applies to floats too (+ - *), or ints only (& | ^). */
#define BINARY_FAST_PATH(OP, FLOAT_OK)                                         \
    do {                                                                       \
        PyObject *rhs = TOP(), *lhs = SECOND(), *res;                          \
        long a, b;                                                             \
        if (medium_int(lhs, &a) && medium_int(rhs, &b))                        \
            res = PyLong_FromLong(a OP b);                                     \
        else if (FLOAT_OK && PyFloat_CheckExact(lhs) && PyFloat_CheckExact(rhs)) \
            res = PyFloat_FromDouble(FLOAT_OP(PyFloat_AS_DOUBLE(lhs), OP,      \
                                              PyFloat_AS_DOUBLE(rhs), FLOAT_OK)); \
        else                                                                   \
            goto op_BINARY_OP;                                                 \
        sp--;                                                                  \
        Py_DECREF(lhs);                                                        \
        Py_DECREF(rhs);                                                        \
        TOP() = res;                                                           \
        SKIP_CACHES(BINARY_OP);                                                \
        if (res == NULL)                                                       \
            ERROR();                                                           \
        DISPATCH();                                                            \
    } while (0)

/* Expands to `a OP b` only where it is valid C for doubles. */
#define FLOAT_OP(a, OP, b, FLOAT_OK) FLOAT_OP_##FLOAT_OK(a, OP, b)
#define FLOAT_OP_1(a, OP, b) ((a) OP (b))
#define FLOAT_OP_0(a, OP, b) 0.0

op_FE_BINARY_OP_ADD:
    BINARY_FAST_PATH(+, 1);
op_FE_BINARY_OP_SUBTRACT:
    BINARY_FAST_PATH(-, 1);
op_FE_BINARY_OP_MULTIPLY:
    BINARY_FAST_PATH(*, 1);
op_FE_BINARY_OP_AND:
    BINARY_FAST_PATH(&, 0);
op_FE_BINARY_OP_OR:
    BINARY_FAST_PATH(|, 0);
op_FE_BINARY_OP_XOR:
    BINARY_FAST_PATH(^, 0);

/* The conditional jumps, one handler per opcode: whether to jump and
 * where are known without looking at the opcode (FE_COMPARE_OP_JUMP,
 * which does, ends with the same two jumps). */
#define JUMP_FORWARD_BY_OPARG()                                           \
    do {                                                                  \
        ip += oparg;                                                      \
        DISPATCH();                                                       \
    } while (0)
#define JUMP_BACKWARD_BY_OPARG()                                          \
    do {                                                                  \
        ip -= oparg;                                                      \
        CHECK_EVAL_BREAKER();                                             \
        goto backedge;                                                    \
    } while (0)
#define POP_JUMP_IF_TRUTH(when, JUMP)                                     \
    do {                                                                  \
        PyObject *cond = POP();                                           \
        int t;                                                            \
        if (cond == Py_True)                                              \
            t = 1;                                                        \
        else if (cond == Py_False)                                        \
            t = 0;                                                        \
        else {                                                            \
            t = PyObject_IsTrue(cond);                                    \
            if (t < 0) {                                                  \
                Py_DECREF(cond);                                          \
                ERROR();                                                  \
            }                                                             \
        }                                                                 \
        Py_DECREF(cond);                                                  \
        if (t == (when))                                                  \
            JUMP();                                                       \
        DISPATCH();                                                       \
    } while (0)
#define POP_JUMP_IF_NONENESS(when, JUMP)                                  \
    do {                                                                  \
        PyObject *v = POP();                                              \
        bool is_none = v == Py_None;                                      \
        Py_DECREF(v);                                                     \
        if (is_none == (when))                                            \
            JUMP();                                                       \
        DISPATCH();                                                       \
    } while (0)

op_FE_COMPARE_OP_JUMP: {
    /* Ints and floats compare to a C truth value that feeds the jump
     * directly; no bool object is made. Anything else: COMPARE_OP, then the
     * jump as separate instructions. */
    PyObject *rhs = TOP(), *lhs = SECOND();
    long a, b;
    bool t;
    if (medium_int(lhs, &a) && medium_int(rhs, &b))
        t = compare_longs(oparg, a, b);
    else if (PyFloat_CheckExact(lhs) && PyFloat_CheckExact(rhs))
        t = compare_doubles(oparg, PyFloat_AS_DOUBLE(lhs), PyFloat_AS_DOUBLE(rhs));
    else
        goto op_COMPARE_OP;
    sp -= 2;
    Py_DECREF(lhs);
    Py_DECREF(rhs);
    SKIP_CACHES(COMPARE_OP);
    NEXT_INSTR();   /* the POP_JUMP_*_IF_TRUE/FALSE */
    if (t != (OPCODE() == POP_JUMP_FORWARD_IF_TRUE || OPCODE() == POP_JUMP_BACKWARD_IF_TRUE))
        DISPATCH();
    if (OPCODE() == POP_JUMP_FORWARD_IF_FALSE || OPCODE() == POP_JUMP_FORWARD_IF_TRUE)
        JUMP_FORWARD_BY_OPARG();
    JUMP_BACKWARD_BY_OPARG();
}

op_LOAD_CONST: {
    PyObject *v = CONST(oparg);
    Py_INCREF(v);
    PUSH(v);
    DISPATCH();
}

op_STORE_FAST: {
    PyObject *v = POP();
    PyObject *old = GETLOCAL(oparg);
    GETLOCAL(oparg) = v;
    Py_XDECREF(old);
    DISPATCH();
}

op_DELETE_FAST: {
    PyObject *old = GETLOCAL(oparg);
    if (old == NULL)
        HANDOFF_HERE();
    GETLOCAL(oparg) = NULL;
    Py_DECREF(old);
    DISPATCH();
}

op_POP_TOP: {
    PyObject *v = POP();
    Py_DECREF(v);
    DISPATCH();
}

op_PUSH_NULL:
    PUSH(NULL);
    DISPATCH();

op_COPY: {
    PyObject *v = PEEK(oparg);
    Py_INCREF(v);
    PUSH(v);
    DISPATCH();
}

op_SWAP: {
    PyObject *t = TOP();
    TOP() = PEEK(oparg);
    PEEK(oparg) = t;
    DISPATCH();
}

op_MAKE_CELL: {
    PyObject *cell = PyCell_New(GETLOCAL(oparg));
    if (cell == NULL)
        ERROR();
    Py_XSETREF(GETLOCAL(oparg), cell);
    DISPATCH();
}

op_COPY_FREE_VARS: {
    PyObject *closure = frame->f_func->func_closure;
    int offset = co->co_nlocals + co->co_nplaincellvars;
    for (int k = 0; k < oparg; k++)
        GETLOCAL(offset + k) = Py_NewRef(PyTuple_GET_ITEM(closure, k));
    DISPATCH();
}

op_LOAD_DEREF: {
    PyObject *v = PyCell_GET(GETLOCAL(oparg));
    if (v == NULL)
        HANDOFF_HERE();  /* CPython raises the NameError */
    Py_INCREF(v);
    PUSH(v);
    DISPATCH();
}

op_LOAD_CLASSDEREF: {
    /* A class body reading a name of the enclosing function: the class
     * namespace first, then the cell. */
    PyObject *ns = frame->f_locals;
    PyObject *name = PyTuple_GET_ITEM(co->co_localsplusnames, oparg);
    PyObject *v;
    if (ns == NULL)
        HANDOFF_HERE();  /* impossible in compiled code; CPython's business */
    if (PyDict_CheckExact(ns)) {
        v = PyDict_GetItemWithError(ns, name);
        if (v != NULL)
            Py_INCREF(v);
        else if (PyErr_Occurred())
            ERROR();
    } else {
        v = PyObject_GetItem(ns, name);
        if (v == NULL) {
            if (!PyErr_ExceptionMatches(PyExc_KeyError))
                ERROR();
            PyErr_Clear();
        }
    }
    if (v == NULL) {
        v = PyCell_GET(GETLOCAL(oparg));
        if (v == NULL) {
            fe_unbound_error(co, oparg);
            ERROR();
        }
        Py_INCREF(v);
    }
    PUSH(v);
    DISPATCH();
}

op_STORE_DEREF: {
    PyObject *v = POP();
    PyObject *cell = GETLOCAL(oparg);
    PyObject *old = PyCell_GET(cell);
    PyCell_SET(cell, v);
    Py_XDECREF(old);
    DISPATCH();
}

op_DELETE_DEREF: {
    PyObject *cell = GETLOCAL(oparg);
    PyObject *old = PyCell_GET(cell);
    if (old == NULL)
        HANDOFF_HERE();
    PyCell_SET(cell, NULL);
    Py_DECREF(old);
    DISPATCH();
}

op_UNARY_POSITIVE:
op_UNARY_NEGATIVE:
op_UNARY_INVERT: {
    PyObject *v = TOP();
    PyObject *r = OPCODE() == UNARY_POSITIVE ? PyNumber_Positive(v)
                : OPCODE() == UNARY_NEGATIVE ? PyNumber_Negative(v)
                : PyNumber_Invert(v);
    Py_DECREF(v);
    TOP() = r;
    if (r == NULL)
        ERROR();
    DISPATCH();
}

op_UNARY_NOT: {
    PyObject *v = TOP();
    int t = PyObject_IsTrue(v);
    Py_DECREF(v);
    if (t < 0) {
        sp--;
        ERROR();
    }
    TOP() = Py_NewRef(t ? Py_False : Py_True);
    DISPATCH();
}

op_BINARY_OP: {
    PyObject *rhs = POP();
    PyObject *lhs = TOP();
    PyObject *res = NULL;
    SKIP_CACHES(BINARY_OP);
    if (PyFloat_CheckExact(lhs) && PyFloat_CheckExact(rhs)) {
        res = float_binop(oparg, PyFloat_AS_DOUBLE(lhs), PyFloat_AS_DOUBLE(rhs));
    } else {
        long a, b;
        if (medium_int(lhs, &a) && medium_int(rhs, &b))
            res = int_binop(oparg, a, b);
        else if ((oparg == NB_INPLACE_ADD || oparg == NB_ADD) &&
                 PyUnicode_CheckExact(lhs) && PyUnicode_CheckExact(rhs) &&
                 fe_base_opcode[_Py_OPCODE(*ip)] == STORE_FAST &&
                 GETLOCAL(_Py_OPARG(*ip)) == lhs) {
            /* s = s + t / s += t: drop the local's reference so the string
             * can grow in place, as CPython's specialised opcode does. */
            GETLOCAL(_Py_OPARG(*ip)) = NULL;
            Py_DECREF(lhs);
            PyUnicode_Append(&lhs, rhs);  /* steals lhs, NULL on error */
            Py_DECREF(rhs);
            TOP() = lhs;
            if (lhs == NULL)
                ERROR();
            DISPATCH();
        }
    }
    if (res == NULL) {
        if (PyErr_Occurred()) {
            /* PyFloat_FromDouble / PyLong_FromLong ran out of memory */
        } else {
            res = binary_ops[oparg](lhs, rhs);
        }
    }
    Py_DECREF(lhs);
    Py_DECREF(rhs);
    TOP() = res;
    if (res == NULL)
        ERROR();
    DISPATCH();
}

op_COMPARE_OP: {
    PyObject *rhs = POP();
    PyObject *lhs = TOP();
    PyObject *res;
    long a, b;
    SKIP_CACHES(COMPARE_OP);
    if (medium_int(lhs, &a) && medium_int(rhs, &b))
        res = Py_NewRef(compare_longs(oparg, a, b) ? Py_True : Py_False);
    else if (PyFloat_CheckExact(lhs) && PyFloat_CheckExact(rhs))
        res = Py_NewRef(compare_doubles(oparg, PyFloat_AS_DOUBLE(lhs), PyFloat_AS_DOUBLE(rhs))
                        ? Py_True : Py_False);
    else
        res = PyObject_RichCompare(lhs, rhs, oparg);
    Py_DECREF(lhs);
    Py_DECREF(rhs);
    TOP() = res;
    if (res == NULL)
        ERROR();
    DISPATCH();
}

op_IS_OP: {
    PyObject *rhs = POP();
    PyObject *lhs = TOP();
    int r = (lhs == rhs) ^ oparg;
    TOP() = Py_NewRef(r ? Py_True : Py_False);
    Py_DECREF(lhs);
    Py_DECREF(rhs);
    DISPATCH();
}

op_CONTAINS_OP: {
    PyObject *rhs = POP();
    PyObject *lhs = POP();
    int r = PySequence_Contains(rhs, lhs);
    Py_DECREF(lhs);
    Py_DECREF(rhs);
    if (r < 0)
        ERROR();
    PUSH(Py_NewRef((r ^ oparg) ? Py_True : Py_False));
    DISPATCH();
}

op_BINARY_SUBSCR: {
    PyObject *sub = POP();
    PyObject *container = TOP();
    PyObject *res;
    SKIP_CACHES(BINARY_SUBSCR);
    long k;
    if (PyDict_CheckExact(container)) {
        /* an exact dict has no __missing__: a miss is KeyError(sub) */
        res = PyDict_GetItemWithError(container, sub);
        if (res != NULL)
            Py_INCREF(res);
        else if (!PyErr_Occurred())
            _PyErr_SetKeyError(sub);
    } else {
        res = NULL;
        if (PyList_CheckExact(container) && medium_int(sub, &k))
            res = item_at(((PyListObject *)container)->ob_item, PyList_GET_SIZE(container), k);
        else if (PyTuple_CheckExact(container) && medium_int(sub, &k))
            res = item_at(((PyTupleObject *)container)->ob_item, PyTuple_GET_SIZE(container), k);
        if (res == NULL)
            res = PyObject_GetItem(container, sub);
    }
    Py_DECREF(container);
    Py_DECREF(sub);
    TOP() = res;
    if (res == NULL)
        ERROR();
    DISPATCH();
}

op_STORE_SUBSCR: {
    PyObject *sub = TOP();
    PyObject *container = SECOND();
    PyObject *v = PEEK(3);
    sp -= 3;
    SKIP_CACHES(STORE_SUBSCR);
    long k;
    if (PyList_CheckExact(container) && medium_int(sub, &k) && k >= 0 &&
        k < PyList_GET_SIZE(container)) {
        /* (negative indices take list's own path) */
        PyObject *old = PyList_GET_ITEM(container, k);
        PyList_SET_ITEM(container, k, v);   /* takes our reference */
        Py_DECREF(old);
        Py_DECREF(container);
        Py_DECREF(sub);
        DISPATCH();
    }
    int err = PyDict_CheckExact(container) ? PyDict_SetItem(container, sub, v)
                                           : PyObject_SetItem(container, sub, v);
    Py_DECREF(v);
    Py_DECREF(container);
    Py_DECREF(sub);
    if (err != 0)
        ERROR();
    DISPATCH();
}

op_DELETE_SUBSCR: {
    PyObject *sub = POP();
    PyObject *container = POP();
    int err = PyObject_DelItem(container, sub);
    Py_DECREF(container);
    Py_DECREF(sub);
    if (err != 0)
        ERROR();
    DISPATCH();
}

op_BUILD_SLICE: {
    PyObject *step = oparg == 3 ? POP() : NULL;
    PyObject *stop = POP();
    PyObject *startv = TOP();
    PyObject *slice = PySlice_New(startv, stop, step);
    Py_DECREF(startv);
    Py_DECREF(stop);
    Py_XDECREF(step);
    TOP() = slice;
    if (slice == NULL)
        ERROR();
    DISPATCH();
}

op_GET_ITER: {
    PyObject *iterable = TOP();
    PyObject *it = PyObject_GetIter(iterable);
    Py_DECREF(iterable);
    TOP() = it;
    if (it == NULL)
        ERROR();
    DISPATCH();
}

op_FOR_ITER: {
    PyObject *it = TOP();
    PyObject *next = (*Py_TYPE(it)->tp_iternext)(it);
    if (next != NULL) {
        PUSH(next);
        DISPATCH();
    }
    if (PyErr_Occurred()) {
        if (!PyErr_ExceptionMatches(PyExc_StopIteration))
            ERROR();
        PyErr_Clear();
    }
    sp--;
    Py_DECREF(it);
    ip += oparg;
    DISPATCH();
}

op_JUMP_FORWARD:
    ip += oparg;
    DISPATCH();

op_JUMP_BACKWARD:
    ip -= oparg;
    CHECK_EVAL_BREAKER();
    goto backedge;

op_JUMP_BACKWARD_NO_INTERRUPT:
    ip -= oparg;
    DISPATCH();

op_POP_JUMP_FORWARD_IF_FALSE:
    POP_JUMP_IF_TRUTH(0, JUMP_FORWARD_BY_OPARG);
op_POP_JUMP_FORWARD_IF_TRUE:
    POP_JUMP_IF_TRUTH(1, JUMP_FORWARD_BY_OPARG);
op_POP_JUMP_BACKWARD_IF_FALSE:
    POP_JUMP_IF_TRUTH(0, JUMP_BACKWARD_BY_OPARG);
op_POP_JUMP_BACKWARD_IF_TRUE:
    POP_JUMP_IF_TRUTH(1, JUMP_BACKWARD_BY_OPARG);
op_POP_JUMP_FORWARD_IF_NONE:
    POP_JUMP_IF_NONENESS(true, JUMP_FORWARD_BY_OPARG);
op_POP_JUMP_FORWARD_IF_NOT_NONE:
    POP_JUMP_IF_NONENESS(false, JUMP_FORWARD_BY_OPARG);
op_POP_JUMP_BACKWARD_IF_NONE:
    POP_JUMP_IF_NONENESS(true, JUMP_BACKWARD_BY_OPARG);
op_POP_JUMP_BACKWARD_IF_NOT_NONE:
    POP_JUMP_IF_NONENESS(false, JUMP_BACKWARD_BY_OPARG);

op_JUMP_IF_FALSE_OR_POP:
op_JUMP_IF_TRUE_OR_POP: {
    PyObject *cond = TOP();
    int t;
    if (cond == Py_True)
        t = 1;
    else if (cond == Py_False)
        t = 0;
    else if ((t = PyObject_IsTrue(cond)) < 0)
        ERROR();
    if (t == (OPCODE() == JUMP_IF_TRUE_OR_POP)) {
        ip += oparg;
    } else {
        sp--;
        Py_DECREF(cond);
    }
    DISPATCH();
}

backedge:
    /* ip is the loop header; prev_instr is still the jump's opcode unit,
     * where the code's analysis put the cell's index. */
    cell = &jc->cells.cells[jc->edge_cell[frame->prev_instr - first_instr]];
    CHECK_TRACING();
    /* Most back-edges only count down; the cell is looked at when the
     * count runs out or something changed it (rt_cell_wake). */
    if (FE_LIKELY(--cell->countdown > 0))
        DISPATCH();
    if (cell->loop != NULL && rec == NULL)
        goto run_compiled;
    goto backedge_count;

func_entry:
    /* The start of a function with an entry cell (jitcode's entry_cell),
     * whose count ran out (or which has a function trace): run the trace,
     * or count the call and maybe start recording one. Not while this
     * activation records: the trace follows the call (or calls it). */
    cell = &jc->cells.cells[jc->entry_cell];
    if (rec != NULL)
        DISPATCH();
    if (cell->loop != NULL)
        goto run_compiled;
    {
        int ticks;
        if (rt_cell_ticks(cell, rt.increment_function, &ticks) && fe_hot_loop(jc, cell) &&
            cell->loop == NULL) {
            rec = fe_rec_start(jc, cell, frame, sp, 0);
            if (rec != NULL)
                tbl = rec_targets;
        }
        rt_decay_clock_add(ticks);
    }
    DISPATCH();

run_compiled:
    /* Machine code for `cell` (a loop header, or a function's entry at
     * ip == insns): run it until a guard fails, then go on from the
     * guard's snapshot -- or the frame has returned. */
    run_L = cell->loop;
    cell->countdown = cell->batch = 0;  /* enter it every time */
    run_pc = fe_loop_run(&run_L, frame, &run_sp, &run_inner, &retval);
    /* fall through */
loop_ran:
    /* (fe_call_direct comes here when it ran a function's code itself) */
    if (run_pc == FE_RESUME_RETURNED) {
        /* the code's `finish`: the frame returned retval, its value stack
         * empty (its locals are left for whoever clears it) */
        sp = frame->localsplus + co->co_nlocalsplus;
        goto frame_returned;
    }
    if (run_inner != frame) {
        /* a guard failed inside an inlined call: go on in the callee's
         * rebuilt frame, which returns into ours */
        frame = run_inner;
        jc = fe_jitcode_peek(frame->f_code);
        LOAD_FRAME();
        run_sp = sp;
    }
    if (run_pc >= 0) {
        sp = run_sp;
        ip = insns + run_pc;
        if (FE_UNLIKELY(run_L->pending_bridge >= 0)) {
            /* A guard failed trace_eagerness times: record a bridge from
             * it, starting with the instruction we resume at. (The loop's
             * code may be on the stack, in an outer call: the patched
             * guard is not where it waits.) */
            int e = run_L->pending_bridge;
            run_L->pending_bridge = -1;
            rec = fe_rec_start_bridge(jc, cell, run_L, e, frame, sp, run_pc);
            if (rec != NULL)
                tbl = rec_targets;
        }
        DISPATCH();
    }
    if (run_pc == -2) {
        sp = run_sp;
        goto error;
    }
    if (run_pc <= -3) {
        /* A call in the loop raised: raise it at that call. */
        sp = run_sp;
        frame->prev_instr = first_instr + FE_RAISING_PC(run_pc);
        goto error;
    }
    /* -1: the frame's values do not fit the loop's types: interpret */
    if (ip == insns)
        DISPATCH();  /* a function's entry */

backedge_count: {
    if (FE_UNLIKELY(cell->flags & (JC_GIVEN_UP | JC_DONT_TRACE_HERE)) && cell->loop == NULL &&
        rec == NULL && !fe_inner_loop_compiled(jc, cell, (int)(frame->prev_instr - first_instr))) {
        /* (not while recording: a bridge out of an inner loop goes round
         * the loop around it) */
        /* The JIT will not help this loop: let CPython run it at full speed. */
        goto handoff_before_next;
    }
    int ticks;
    if (FE_UNLIKELY(rt_cell_ticks(cell, rt.increment_loop, &ticks)) && fe_hot_loop(jc, cell) &&
        rec == NULL && cell->loop == NULL) {
        rec = fe_rec_start(jc, cell, frame, sp, (int)(ip - insns));
        if (rec != NULL)
            tbl = rec_targets;
    }
    if (cell->loop != NULL)
        cell->countdown = cell->batch = 0;  /* enter it at every back-edge */
    rt_decay_clock_add(ticks);
    DISPATCH();
}

op_LOAD_GLOBAL: {
    PyObject *globals = frame->f_globals, *builtins = frame->f_builtins;
    PyObject *v;
    if (FE_LIKELY(PyDict_CheckExact(globals) && PyDict_CheckExact(builtins))) {
        fe_global_cache *c = &jc->gcache[*ip];
        uint64_t gv = ((PyDictObject *)globals)->ma_version_tag;
        uint64_t bv = ((PyDictObject *)builtins)->ma_version_tag;
        if (c->value != NULL && c->globals_ver == gv && c->builtins_ver == bv) {
            v = c->value;
        } else {
            PyObject *name = NAME(oparg >> 1);
            v = PyDict_GetItemWithError(globals, name);
            if (v == NULL) {
                if (PyErr_Occurred())
                    ERROR();
                v = PyDict_GetItemWithError(builtins, name);
                if (v == NULL) {
                    if (!PyErr_Occurred())
                        fe_name_error(name);
                    ERROR();
                }
            }
            /* A lookup can run __eq__ of a key, which may mutate either
             * dict: read the versions after it. */
            c->globals_ver = ((PyDictObject *)globals)->ma_version_tag;
            c->builtins_ver = ((PyDictObject *)builtins)->ma_version_tag;
            if (c->value != NULL && c->value != v && c->rebound < UINT32_MAX)
                c->rebound++;
            c->value = v;
        }
        Py_INCREF(v);
    } else {
        HANDOFF_HERE();  /* non-dict globals/builtins: rare, CPython's path */
    }
    SKIP_CACHES(LOAD_GLOBAL);
    if (oparg & 1)
        PUSH(NULL);
    PUSH(v);
    DISPATCH();
}

op_STORE_GLOBAL: {
    PyObject *v = POP();
    int err = PyDict_SetItem(frame->f_globals, NAME(oparg), v);
    Py_DECREF(v);
    if (err != 0)
        ERROR();
    DISPATCH();
}

op_DELETE_GLOBAL: {
    if (PyDict_DelItem(frame->f_globals, NAME(oparg)) != 0) {
        if (PyErr_ExceptionMatches(PyExc_KeyError)) {
            PyErr_Clear();
            fe_name_error(NAME(oparg));
        }
        ERROR();
    }
    DISPATCH();
}

op_LOAD_NAME: {
    PyObject *v;
    int r = fe_load_name(frame, NAME(oparg), &v);
    if (r < 0)
        ERROR();
    if (r == 0)
        HANDOFF_HERE();  /* no locals: CPython raises its SystemError */
    PUSH(v);
    DISPATCH();
}

op_STORE_NAME: {
    PyObject *ns = frame->f_locals;
    if (ns == NULL)
        HANDOFF_HERE();
    PyObject *v = POP();
    int err = PyDict_CheckExact(ns) ? PyDict_SetItem(ns, NAME(oparg), v)
                                    : PyObject_SetItem(ns, NAME(oparg), v);
    Py_DECREF(v);
    if (err != 0)
        ERROR();
    DISPATCH();
}

op_DELETE_NAME: {
    PyObject *ns = frame->f_locals;
    if (ns == NULL)
        HANDOFF_HERE();  /* CPython raises its SystemError */
    if (PyObject_DelItem(ns, NAME(oparg)) != 0) {
        /* Any failure becomes the NameError, as in CPython. */
        PyErr_Clear();
        fe_name_error(NAME(oparg));
        ERROR();
    }
    DISPATCH();
}

/* ---- attribute sites, specialised as CPython 3.11 does (specialize.c).
 * The generic opcode tries to specialise its site now and then; a
 * specialised one whose guard fails runs the generic code, and after
 * FE_SPEC_BACKOFF such misses the site goes back to the generic opcode. */
#define ACACHE() (*ip == FE_NO_ACACHE ? NULL : &jc->acache[*ip])
/* The site's opcode in our copy, keeping its oparg byte. */
#define SET_SITE_OPCODE(q)                                                \
    (jc->insns[ip - 1 - insns] = (_Py_CODEUNIT)((ip[-1] & 0xFF00) | (q)))
#define TRY_SPECIALIZE(fn, owner)                                         \
    do {                                                                  \
        fe_attr_cache *c_ = ACACHE();                                     \
        if (c_ != NULL && c_->counter-- == 0) {                           \
            int q_ = fn(c_, (owner), NAME(oparg));                        \
            c_->counter = FE_SPEC_BACKOFF;                                \
            if (q_ != 0)                                                  \
                SET_SITE_OPCODE(q_);                                      \
        }                                                                 \
    } while (0)
#define SPEC_MISS(base)                                                   \
    do {                                                                  \
        if (--c->counter == 0) {                                          \
            SET_SITE_OPCODE(base);                                        \
            c->counter = FE_SPEC_BACKOFF;                                 \
        }                                                                 \
        goto generic_##base;                                              \
    } while (0)

op_FE_LOAD_ATTR_INSTANCE_VALUE: {
    fe_attr_cache *c = &jc->acache[*ip];
    PyObject *owner = TOP();
    if (FE_UNLIKELY(Py_TYPE(owner)->tp_version_tag != c->type_version))
        SPEC_MISS(LOAD_ATTR);
    PyDictValues *values = *_PyObject_ValuesPointer(owner);
    PyObject *res = values != NULL ? values->values[c->index] : NULL;
    if (FE_UNLIKELY(res == NULL))
        SPEC_MISS(LOAD_ATTR);
    TOP() = Py_NewRef(res);
    Py_DECREF(owner);
    SKIP_CACHES(LOAD_ATTR);
    DISPATCH();
}

op_FE_LOAD_ATTR_SLOT: {
    fe_attr_cache *c = &jc->acache[*ip];
    PyObject *owner = TOP();
    if (FE_UNLIKELY(Py_TYPE(owner)->tp_version_tag != c->type_version))
        SPEC_MISS(LOAD_ATTR);
    PyObject *res = *(PyObject **)((char *)owner + c->arg);
    if (FE_UNLIKELY(res == NULL))
        SPEC_MISS(LOAD_ATTR);  /* unset: the generic path raises */
    TOP() = Py_NewRef(res);
    Py_DECREF(owner);
    SKIP_CACHES(LOAD_ATTR);
    DISPATCH();
}

op_FE_LOAD_ATTR_MODULE: {
    fe_attr_cache *c = &jc->acache[*ip];
    PyObject *owner = TOP();
    if (FE_UNLIKELY(!fe_module_entry_holds(c, owner)))
        SPEC_MISS(LOAD_ATTR);
    TOP() = Py_NewRef(c->value);
    Py_DECREF(owner);
    SKIP_CACHES(LOAD_ATTR);
    DISPATCH();
}

op_FE_LOAD_ATTR_WITH_HINT: {
    fe_attr_cache *c = &jc->acache[*ip];
    PyObject *owner = TOP();
    PyDictObject *d;
    PyObject *res;
    if (FE_UNLIKELY(Py_TYPE(owner)->tp_version_tag != c->type_version ||
                    (d = fe_managed_dict(owner)) == NULL ||
                    (res = fe_hinted_value(d, c->index, NAME(oparg))) == NULL))
        SPEC_MISS(LOAD_ATTR);
    TOP() = Py_NewRef(res);
    Py_DECREF(owner);
    SKIP_CACHES(LOAD_ATTR);
    DISPATCH();
}

op_LOAD_ATTR:
    TRY_SPECIALIZE(fe_specialize_load_attr, TOP());
generic_LOAD_ATTR: {
    PyObject *owner = TOP();
    PyObject *res = PyObject_GetAttr(owner, NAME(oparg));
    if (res == NULL)
        ERROR();   /* owner stays on the stack: CPython drops it while unwinding */
    Py_DECREF(owner);
    TOP() = res;
    SKIP_CACHES(LOAD_ATTR);
    DISPATCH();
}

op_FE_STORE_ATTR_INSTANCE_VALUE: {
    fe_attr_cache *c = &jc->acache[*ip];
    PyObject *owner = TOP();
    if (FE_UNLIKELY(Py_TYPE(owner)->tp_version_tag != c->type_version))
        SPEC_MISS(STORE_ATTR);
    PyDictValues *values = *_PyObject_ValuesPointer(owner);
    if (FE_UNLIKELY(values == NULL))
        SPEC_MISS(STORE_ATTR);
    sp -= 2;
    PyObject *old = values->values[c->index];
    values->values[c->index] = sp[0];   /* the value's reference moves in */
    if (old == NULL)
        _PyDictValues_AddToInsertionOrder(values, c->index);
    else
        Py_DECREF(old);
    Py_DECREF(owner);
    SKIP_CACHES(STORE_ATTR);
    DISPATCH();
}

op_FE_STORE_ATTR_SLOT: {
    fe_attr_cache *c = &jc->acache[*ip];
    PyObject *owner = TOP();
    if (FE_UNLIKELY(Py_TYPE(owner)->tp_version_tag != c->type_version))
        SPEC_MISS(STORE_ATTR);
    sp -= 2;
    PyObject **addr = (PyObject **)((char *)owner + c->arg);
    PyObject *old = *addr;
    *addr = sp[0];
    Py_XDECREF(old);
    Py_DECREF(owner);
    SKIP_CACHES(STORE_ATTR);
    DISPATCH();
}

op_FE_STORE_ATTR_WITH_HINT: {
    /* the entry is there: PyDict_SetItem replaces its value (and gives
     * the dict a new version), running no code but the old value's
     * release, as the generic path would */
    fe_attr_cache *c = &jc->acache[*ip];
    PyObject *owner = TOP();
    PyDictObject *d;
    if (FE_UNLIKELY(Py_TYPE(owner)->tp_version_tag != c->type_version ||
                    (d = fe_managed_dict(owner)) == NULL ||
                    fe_hinted_value(d, c->index, NAME(oparg)) == NULL))
        SPEC_MISS(STORE_ATTR);
    sp -= 2;
    int err = PyDict_SetItem((PyObject *)d, NAME(oparg), sp[0]);
    Py_DECREF(sp[0]);
    Py_DECREF(owner);
    SKIP_CACHES(STORE_ATTR);
    if (err != 0)
        ERROR();
    DISPATCH();
}

op_STORE_ATTR:
    TRY_SPECIALIZE(fe_specialize_store_attr, TOP());
generic_STORE_ATTR: {
    PyObject *owner = POP();
    PyObject *v = POP();
    int err = PyObject_SetAttr(owner, NAME(oparg), v);
    Py_DECREF(v);
    Py_DECREF(owner);
    SKIP_CACHES(STORE_ATTR);
    if (err != 0)
        ERROR();
    DISPATCH();
}

op_DELETE_ATTR: {
    PyObject *owner = POP();
    int err = PyObject_SetAttr(owner, NAME(oparg), NULL);
    Py_DECREF(owner);
    if (err != 0)
        ERROR();
    DISPATCH();
}

op_FE_LOAD_METHOD_WITH_VALUES: {
    fe_attr_cache *c = &jc->acache[*ip];
    PyObject *self = TOP();
    PyTypeObject *tp = Py_TYPE(self);
    if (FE_UNLIKELY(tp->tp_version_tag != c->type_version ||
                    *_PyObject_ManagedDictPointer(self) != NULL ||
                    ((PyHeapTypeObject *)tp)->ht_cached_keys->dk_nentries != c->arg))
        SPEC_MISS(LOAD_METHOD);
    TOP() = Py_NewRef(c->value);   /* meth | self */
    PUSH(self);
    SKIP_CACHES(LOAD_METHOD);
    DISPATCH();
}

op_FE_LOAD_METHOD_WITH_DICT: {
    fe_attr_cache *c = &jc->acache[*ip];
    PyObject *self = TOP();
    PyDictObject *d;
    if (FE_UNLIKELY(Py_TYPE(self)->tp_version_tag != c->type_version ||
                    (d = fe_managed_dict(self)) == NULL || !fe_dict_lacks(d, NAME(oparg))))
        SPEC_MISS(LOAD_METHOD);
    TOP() = Py_NewRef(c->value);   /* meth | self */
    PUSH(self);
    SKIP_CACHES(LOAD_METHOD);
    DISPATCH();
}

op_FE_LOAD_METHOD_NO_DICT: {
    fe_attr_cache *c = &jc->acache[*ip];
    PyObject *self = TOP();
    if (FE_UNLIKELY(Py_TYPE(self)->tp_version_tag != c->type_version))
        SPEC_MISS(LOAD_METHOD);
    TOP() = Py_NewRef(c->value);
    PUSH(self);
    SKIP_CACHES(LOAD_METHOD);
    DISPATCH();
}

op_FE_LOAD_METHOD_MODULE: {
    fe_attr_cache *c = &jc->acache[*ip];
    PyObject *owner = TOP();
    if (FE_UNLIKELY(!fe_module_entry_holds(c, owner)))
        SPEC_MISS(LOAD_METHOD);
    TOP() = NULL;   /* NULL | attr */
    PUSH(Py_NewRef(c->value));
    Py_DECREF(owner);
    SKIP_CACHES(LOAD_METHOD);
    DISPATCH();
}

op_LOAD_METHOD:
    TRY_SPECIALIZE(fe_specialize_load_method, TOP());
generic_LOAD_METHOD: {
    PyObject *obj = TOP();
    PyObject *meth = NULL;
    int found = _PyObject_GetMethod(obj, NAME(oparg), &meth);
    if (meth == NULL)
        ERROR();
    SKIP_CACHES(LOAD_METHOD);
    if (found) {
        TOP() = meth;   /* meth | self | args... */
        PUSH(obj);
    } else {
        TOP() = NULL;   /* NULL | attr | args... */
        Py_DECREF(obj);
        PUSH(meth);
    }
    DISPATCH();
}

/* A PRECALL's entry in ccache, in the first cache unit of its CALL. */
#define CALL_SITE() (ip[INLINE_CACHE_ENTRIES_PRECALL + 1])
op_FE_PRECALL_PY_FUNCTION: {
    /* a call of the function the site's entry names (its version: same
     * code and defaults) with as many positional arguments as it takes
     * (some from its defaults): its frame is pushed here, the CALL after
     * us skipped, as CPython's CALL_PY_EXACT_ARGS / CALL_PY_WITH_DEFAULTS */
    fe_call_cache *c = &jc->ccache[CALL_SITE()];
    PyObject *below = PEEK(oparg + 2);
    int is_meth = below != NULL;
    PyFunctionObject *func = (PyFunctionObject *)(is_meth ? below : PEEK(oparg + 1));
    int total = oparg + is_meth;
    if (FE_UNLIKELY(Py_TYPE(func) != &PyFunction_Type || func->func_version != c->func_version ||
                    total > c->argcount || total < c->min_args || kwnames != NULL))
        SPEC_MISS(PRECALL);
    PyCodeObject *fco = (PyCodeObject *)func->func_code;
    if (FE_UNLIKELY(!fe_frame_room(tstate, fe_frame_words(fco)) || cframe->use_tracing))
        goto generic_PRECALL;
    PyObject **args = sp - total;
    callee = fe_frame_push_args(tstate, func, fco, args, total);
    callee_jc = c->jc;
    sp = args - 2 + is_meth;
    ip += INLINE_CACHE_ENTRIES_PRECALL + 1;  /* to CALL's caches */
    goto enter_callee;
}

/* ---- calls of C functions at PRECALL, specialised as CPython 3.11's
 * PRECALL_NO_KW_* family: the shape is checked again (a miss runs the
 * generic PRECALL), the C function called directly, CALL skipped. The
 * recursion is counted where CPython's specialised instruction counts it. */
#define PRECALL_OPERANDS(shape)                                           \
    int is_meth = PEEK(oparg + 2) != NULL;                                \
    int total = oparg + is_meth;                                          \
    PyObject *callable = PEEK(total + 1);                                 \
    PyObject **args = sp - total;                                         \
    if (FE_UNLIKELY(!(shape) || kwnames != NULL)) {                       \
        fe_call_cache *c = &jc->ccache[CALL_SITE()];                      \
        SPEC_MISS(PRECALL);                                               \
    }
/* The callable, then the arguments released (the order of CPython's
 * generic CALL), the result in their place. */
#define PRECALL_DONE(res)                                                 \
    do {                                                                  \
        PyObject *r_ = (res);                                             \
        Py_DECREF(callable);                                              \
        for (int k_ = 0; k_ < total; k_++)                                \
            Py_DECREF(args[k_]);                                          \
        sp = args - 2 + is_meth;                                          \
        PUSH(r_);                                                         \
        ip += INLINE_CACHE_ENTRIES_PRECALL + 1 + INLINE_CACHE_ENTRIES_CALL; \
        if (r_ == NULL)                                                   \
            ERROR();                                                      \
        CHECK_EVAL_BREAKER();                                             \
        CHECK_TRACING();                                                  \
        DISPATCH();                                                       \
    } while (0)
#define CFUNC(o) ((PyCFunctionObject *)(o))
#define DESCR(o) ((PyMethodDescrObject *)(o))

op_FE_PRECALL_LEN: {
    PRECALL_OPERANDS(total == 1 && callable == tstate->interp->callable_cache.len);
    Py_ssize_t n = PyObject_Length(args[0]);
    PRECALL_DONE(n < 0 ? NULL : PyLong_FromSsize_t(n));
}

op_FE_PRECALL_ISINSTANCE: {
    PRECALL_OPERANDS(total == 2 && callable == tstate->interp->callable_cache.isinstance);
    int r = PyObject_IsInstance(args[0], args[1]);
    PRECALL_DONE(r < 0 ? NULL : PyBool_FromLong(r));
}

op_FE_PRECALL_BUILTIN_O: {
    PRECALL_OPERANDS(total == 1 && Py_TYPE(callable) == &PyCFunction_Type &&
                     fe_c_call_kind(CFUNC(callable)->m_ml) == METH_O);
    PRECALL_DONE(call_counted(tstate, CFUNC(callable)->m_ml->ml_meth, CFUNC(callable)->m_self,
                              args[0]));
}

op_FE_PRECALL_BUILTIN_FAST: {
    PRECALL_OPERANDS(Py_TYPE(callable) == &PyCFunction_Type &&
                     fe_c_call_is_fast(fe_c_call_kind(CFUNC(callable)->m_ml)));
    PRECALL_DONE(call_fast(CFUNC(callable)->m_ml, CFUNC(callable)->m_self, args, total));
}

op_FE_PRECALL_METHOD_DESCR_O: {
    PRECALL_OPERANDS(total == 2 && Py_TYPE(callable) == &PyMethodDescr_Type &&
                     fe_c_call_kind(DESCR(callable)->d_method) == METH_O &&
                     descr_self_ok(DESCR(callable), args[0]));
    PRECALL_DONE(call_counted(tstate, DESCR(callable)->d_method->ml_meth, args[0], args[1]));
}

op_FE_PRECALL_METHOD_DESCR_NOARGS: {
    PRECALL_OPERANDS(total == 1 && Py_TYPE(callable) == &PyMethodDescr_Type &&
                     fe_c_call_kind(DESCR(callable)->d_method) == METH_NOARGS &&
                     descr_self_ok(DESCR(callable), args[0]));
    PRECALL_DONE(call_counted(tstate, DESCR(callable)->d_method->ml_meth, args[0], NULL));
}

op_FE_PRECALL_METHOD_DESCR_FAST: {
    PRECALL_OPERANDS(total >= 1 && Py_TYPE(callable) == &PyMethodDescr_Type &&
                     fe_c_call_is_fast(fe_c_call_kind(DESCR(callable)->d_method)) &&
                     descr_self_ok(DESCR(callable), args[0]));
    PRECALL_DONE(call_fast(DESCR(callable)->d_method, args[0], args + 1, total - 1));
}

op_FE_PRECALL_LIST_APPEND: {
    /* l.append(v) as a statement: the POP_TOP after CALL is skipped too */
    PRECALL_OPERANDS(total == 2 && callable == tstate->interp->callable_cache.list_append &&
                     PyList_Check(args[0]));
    PyListObject *l = (PyListObject *)args[0];
    Py_ssize_t n = Py_SIZE(l);
    if (FE_LIKELY(l->allocated > n)) {
        PyList_SET_ITEM(l, n, args[1]);   /* the stack's reference */
        Py_SET_SIZE(l, n + 1);
    } else {
        if (PyList_Append((PyObject *)l, args[1]) < 0)
            PRECALL_DONE(NULL);
        Py_DECREF(args[1]);
    }
    Py_DECREF(callable);
    Py_DECREF(l);
    sp = args - 2 + is_meth;
    /* (nothing ran that could have asked for the eval breaker or tracing) */
    ip += INLINE_CACHE_ENTRIES_PRECALL + 1 + INLINE_CACHE_ENTRIES_CALL + 1;
    DISPATCH();
}

op_PRECALL:
    if (FE_LIKELY(rec == NULL) && CALL_SITE() != FE_NO_ACACHE) {
        fe_call_cache *c = &jc->ccache[CALL_SITE()];
        if (c->counter-- == 0) {
            int is_meth = PEEK(oparg + 2) != NULL;
            const _Py_CODEUNIT *after = ip + INLINE_CACHE_ENTRIES_PRECALL + 1 +
                                        INLINE_CACHE_ENTRIES_CALL;
            bool popped = after < insns + jc->ncodeunits &&
                          fe_base_opcode[_Py_OPCODE(*after)] == POP_TOP;
            int q = kwnames == NULL ? fe_specialize_call(c, PEEK(oparg + 1 + is_meth),
                                                          oparg + is_meth, popped) : 0;
            c->counter = FE_SPEC_BACKOFF;
            if (q != 0)
                SET_SITE_OPCODE(q);
        }
    }
generic_PRECALL: {
    PyObject *below = PEEK(oparg + 2);   /* NULL, or LOAD_METHOD's method */
    bool is_meth = below != NULL;
    PyObject *callable = is_meth ? below : PEEK(oparg + 1);
    PyTypeObject *ct = Py_TYPE(callable);
    if ((ct == &PyCFunction_Type || ct == &PyMethodDescr_Type) && kwnames == NULL &&
        FE_LIKELY(rec == NULL)) {
        /* A C function: called here, and the CALL after us skipped, as
         * CPython's specialised PRECALLs do. (Not while recording: the
         * recorder follows PRECALL and CALL one by one.) */
        int total = oparg + is_meth;
        PyObject **args = sp - total;
        PyObject *res;
        if (call_c_function(tstate, callable, args, total, &res))
            PRECALL_DONE(res);
    } else if (ct == &PyMethod_Type && !is_meth) {
        /* Unpack a bound method object into (function, self), so CALL
         * passes self as the first argument without a new tuple. */
        PEEK(oparg + 1) = Py_NewRef(((PyMethodObject *)callable)->im_self);
        PEEK(oparg + 2) = Py_NewRef(((PyMethodObject *)callable)->im_func);
        Py_DECREF(callable);
    }
    SKIP_CACHES(PRECALL);
    DISPATCH();
}

op_KW_NAMES:
    kwnames = CONST(oparg);
    DISPATCH();

op_CALL: {
    bool is_meth = PEEK(oparg + 2) != NULL;
    int total = oparg + is_meth;
    PyObject *callable = PEEK(total + 1);
    PyObject **args = sp - total;
    size_t nargsf = (size_t)(total - (kwnames ? PyTuple_GET_SIZE(kwnames) : 0)) |
                    PY_VECTORCALL_ARGUMENTS_OFFSET;
    PyObject *res;
    if (Py_TYPE(callable) == &PyFunction_Type && FE_LIKELY(!cframe->use_tracing)) {
        /* Inline, as ceval does without an eval-frame hook: the callee's
         * frame takes the function and the arguments, the caller's stack
         * gives them up and waits at CALL's last cache unit. (While
         * recording, inline exactly the calls the trace inlines: the
         * recorder follows them into the callee's frame.) */
        if (kwnames == NULL && (FE_LIKELY(rec == NULL) || fe_rec_inline_call(rec))) {
            callee = fe_frame_push(tstate, (PyFunctionObject *)callable, args, total, &callee_jc);
            if (callee != NULL) {
                sp -= total + 2 - is_meth;
                goto enter_callee;
            }
        }
        if (FE_LIKELY(rec == NULL)) {
            /* keywords, star parameters, keyword-only parameters */
            int nkw = kwnames != NULL ? (int)PyTuple_GET_SIZE(kwnames) : 0;
            callee = fe_frame_bind(tstate, (PyFunctionObject *)callable, args, total - nkw,
                                   nkw ? &PyTuple_GET_ITEM(kwnames, 0) : NULL,
                                   args + total - nkw, nkw, &callee_jc);
            if (callee != NULL) {
                Py_DECREF(callable);  /* (the frame holds its own references) */
                for (int k = 0; k < total; k++)
                    Py_DECREF(args[k]);
                kwnames = NULL;
                sp -= total + 2 - is_meth;
                goto enter_callee;
            }
        }
    }
    if (Py_TYPE(callable) == &PyType_Type && kwnames == NULL && !is_meth &&
        (FE_LIKELY(rec == NULL) || fe_rec_inline_call(rec)) && FE_LIKELY(!cframe->use_tracing)) {
        /* A class instantiated inline: the instance replaces the call's
         * NULL on our stack, its __init__ runs in a frame of its own */
        int pushed = fe_frame_push_init(tstate, (PyTypeObject *)callable, args, total,
                                        &callee_jc, &callee);
        if (pushed < 0)
            ERROR();
        if (pushed > 0) {
            sp = args - 1;
            goto enter_callee;
        }
    }
    if (Py_TYPE(callable) == &PyFunction_Type) {
        /* CPython (without an eval-frame hook) runs a Python function's
         * frame inline: it moves the arguments and the function into the
         * callee's frame, which releases them when it is cleared -- the
         * arguments in its locals' order, the function last -- and leaves
         * prev_instr on CALL's last cache unit meanwhile (the f_lasti that
         * callees and tracebacks see). We get the same through
         * _PyFunction_Vectorcall: _PyEval_Vector takes a reference to the
         * function and to every argument before anything else, so we hand
         * it ours and never release them ourselves. */
        frame->prev_instr = REAL(ip + INLINE_CACHE_ENTRIES_CALL - 1);
        for (int k = 0; k < total; k++)
            lend_reference(args[k]);
        lend_reference(callable);
        res = _PyFunction_Vectorcall(callable, args, nargsf, kwnames);
        sp -= total;
    } else {
        res = PyObject_Vectorcall(callable, args, nargsf, kwnames);
        Py_DECREF(callable);  /* CPython's order: the callable, then the arguments */
        sp -= total;
        for (int k = 0; k < total; k++)
            Py_DECREF(sp[k]);
    }
    kwnames = NULL;
    sp -= 2 - is_meth;
    PUSH(res);
    SKIP_CACHES(CALL);
    if (res == NULL)
        ERROR();
    CHECK_EVAL_BREAKER();
    CHECK_TRACING();
    DISPATCH();
}

enter_callee:
    /* `callee` (of code callee_jc) was pushed for the CALL at ip, whose
     * operands left our stack (sp): run it here, our frame waiting at
     * CALL's last cache unit */
    frame->prev_instr = REAL(ip + INLINE_CACHE_ENTRIES_CALL - 1);
enter_callee_here:
    /* (likewise, our frame waiting at its prev_instr) */
    frame->stacktop = (int)(sp - frame->localsplus);
    if (_Py_EnterRecursiveCallTstate(tstate, "")) {
        /* ceval's start_frame: the callee never started */
        fe_frame_pop(tstate, callee);
        sp = frame->localsplus + frame->stacktop;
        frame->stacktop = -1;
        ERROR();
    }
    callee->previous = frame;
    cframe->current_frame = callee;
    rt_count(RT_C_INLINE_CALLS, 1);
    frame = callee;
    jc = callee_jc;
    LOAD_FRAME();
    if (jc->entry_cell >= 0 && rec == NULL) {
        cell = &jc->cells.cells[jc->entry_cell];
        if (cell->loop != NULL || --cell->countdown <= 0)
            goto func_entry;
    }
    DISPATCH();

op_CALL_FUNCTION_EX: {
    PyObject *kwargs = (oparg & 1) ? TOP() : NULL;
    PyObject **callargs_slot = (oparg & 1) ? &SECOND() : &TOP();
    PyObject *callargs = *callargs_slot;
    if (kwargs != NULL && !PyDict_CheckExact(kwargs))
        HANDOFF_HERE();  /* not from compiled code (DICT_MERGE makes a dict) */
    if (!PyTuple_CheckExact(callargs)) {
        /* f(*[a, b]) passes the list display itself. */
        if (Py_TYPE(callargs)->tp_iter == NULL && !PySequence_Check(callargs))
            HANDOFF_HERE();  /* not iterable: CPython raises its TypeError */
        PyObject *t = PySequence_Tuple(callargs);
        Py_DECREF(callargs);
        *callargs_slot = callargs = t;
        if (t == NULL)
            ERROR();
    }
    PyObject *func = PEEK((oparg & 1) ? 3 : 2);
    if (FE_LIKELY(rec == NULL) && FE_LIKELY(!cframe->use_tracing) &&
        (callee = fe_frame_bind_ex(tstate, func, callargs, kwargs, &callee_jc)) != NULL) {
        /* a Python function (or a method bound to one), inline: the
         * frame holds its own references; the function, the tuple and
         * the dict stay on our stack until it returns (frame_done), and
         * are released then, as after PyObject_Call */
        FE_SPECIAL_RETURN(callee) = true;
        goto enter_callee_here;
    }
    sp -= (oparg & 1) ? 2 : 1;
    PyObject *res = PyObject_Call(func, callargs, kwargs);
    Py_DECREF(func);
    Py_DECREF(callargs);
    Py_XDECREF(kwargs);
    sp--;          /* func */
    TOP() = res;   /* replaces the NULL below func */
    if (res == NULL)
        ERROR();
    CHECK_EVAL_BREAKER();
    CHECK_TRACING();
    DISPATCH();
}

op_MAKE_FUNCTION: {
    PyObject *codeobj = POP();
    PyFunctionObject *func = (PyFunctionObject *)PyFunction_New(codeobj, frame->f_globals);
    Py_DECREF(codeobj);
    if (func == NULL)
        ERROR();
    if (oparg & 0x08)
        func->func_closure = POP();
    if (oparg & 0x04)
        func->func_annotations = POP();
    if (oparg & 0x02)
        func->func_kwdefaults = POP();
    if (oparg & 0x01)
        func->func_defaults = POP();
    PUSH((PyObject *)func);
    DISPATCH();
}

op_RETURN_GENERATOR: {
    /* A generator function's frame, pushed by an inline call, becomes the
     * generator's, as ceval's RETURN_GENERATOR does it: the frame's
     * contents (and their references) move to the generator, the frame
     * is left empty and returns the generator to its caller. */
    if (frame == entry || frame->frame_obj != NULL || !(co->co_flags & CO_GENERATOR))
        HANDOFF_HERE();   /* (not ours to pop; introspected; a coroutine) */
    PyGenObject *gen = fe_new_generator(frame->f_func);
    if (gen == NULL)
        ERROR();
    frame->stacktop = (int)(sp - frame->localsplus);
    _PyInterpreterFrame *gen_frame = (_PyInterpreterFrame *)gen->gi_iframe;
    /* (_PyFrame_Copy, which is not exported) */
    memcpy(gen_frame, frame, (size_t)((char *)sp - (char *)frame));
    gen_frame->owner = FRAME_OWNED_BY_GENERATOR;
    gen_frame->is_entry = false;
    gen->gi_frame_state = FRAME_CREATED;
    /* what the copy took over, the frame gives up (fe_frame_pop then
     * releases nothing but these two new references) */
    frame->stacktop = 0;
    Py_INCREF(frame->f_func);
    Py_INCREF(frame->f_code);
    retval = (PyObject *)gen;
    tstate->cframe->current_frame = frame->previous;
    _Py_LeaveRecursiveCallTstate(tstate);
    goto frame_done;
}

op_RETURN_VALUE:
    retval = POP();
frame_returned:
    frame->stacktop = (int)(sp - frame->localsplus);
    tstate->cframe->current_frame = frame->previous;
    _Py_LeaveRecursiveCallTstate(tstate);
    goto frame_done;

op_BUILD_TUPLE: {
    PyObject *t = PyTuple_New(oparg);
    if (t == NULL)
        ERROR();
    while (--oparg >= 0)
        PyTuple_SET_ITEM(t, oparg, POP());
    PUSH(t);
    DISPATCH();
}

op_BUILD_LIST: {
    PyObject *l = PyList_New(oparg);
    if (l == NULL)
        ERROR();
    while (--oparg >= 0)
        PyList_SET_ITEM(l, oparg, POP());
    PUSH(l);
    DISPATCH();
}

op_LIST_TO_TUPLE: {
    PyObject *l = TOP();
    PyObject *t = PyList_AsTuple(l);
    Py_DECREF(l);
    TOP() = t;
    if (t == NULL)
        ERROR();
    DISPATCH();
}

op_BUILD_SET: {
    PyObject *s = PySet_New(NULL);
    int err = s == NULL ? -1 : 0;
    for (int k = oparg; k > 0; k--) {
        PyObject *item = PEEK(k);
        if (err == 0)
            err = PySet_Add(s, item);
        Py_DECREF(item);
    }
    sp -= oparg;
    if (err != 0) {
        Py_XDECREF(s);
        ERROR();
    }
    PUSH(s);
    DISPATCH();
}

op_BUILD_MAP: {
    PyObject *d = fe_build_map(sp - 2 * oparg, oparg);
    if (d == NULL)
        ERROR();   /* the items stay on the stack, as in CPython */
    for (int k = 0; k < 2 * oparg; k++)
        Py_DECREF(POP());
    PUSH(d);
    DISPATCH();
}

op_BUILD_CONST_KEY_MAP: {
    PyObject *keys = TOP();
    if (!PyTuple_CheckExact(keys) || PyTuple_GET_SIZE(keys) != oparg)
        HANDOFF_HERE();  /* malformed bytecode: CPython reports it */
    PyObject *d = fe_build_const_key_map(keys, sp - 1 - oparg);
    if (d == NULL)
        ERROR();
    for (int k = 0; k < oparg + 1; k++)
        Py_DECREF(POP());
    PUSH(d);
    DISPATCH();
}

op_BUILD_STRING: {
    PyObject *s = _PyUnicode_JoinArray(&_Py_STR(empty), sp - oparg, oparg);
    if (s == NULL)
        ERROR();
    for (int k = 0; k < oparg; k++)
        Py_DECREF(POP());
    PUSH(s);
    DISPATCH();
}

op_LIST_APPEND: {
    PyObject *v = POP();
    int err = PyList_Append(PEEK(oparg), v);
    Py_DECREF(v);
    if (err != 0)
        ERROR();
    DISPATCH();
}

op_SET_ADD: {
    PyObject *v = POP();
    int err = PySet_Add(PEEK(oparg), v);
    Py_DECREF(v);
    if (err != 0)
        ERROR();
    DISPATCH();
}

op_MAP_ADD: {
    PyObject *value = POP();
    PyObject *key = POP();
    int err = PyDict_SetItem(PEEK(oparg), key, value);
    Py_DECREF(key);
    Py_DECREF(value);
    if (err != 0)
        ERROR();
    DISPATCH();
}

op_LIST_EXTEND: {
    PyObject *iterable = POP();
    int err = fe_list_extend(PEEK(oparg), iterable);
    Py_DECREF(iterable);
    if (err != 0)
        ERROR();
    DISPATCH();
}

op_SET_UPDATE: {
    PyObject *iterable = POP();
    int err = _PySet_Update(PEEK(oparg), iterable);
    Py_DECREF(iterable);
    if (err < 0)
        ERROR();
    DISPATCH();
}

op_DICT_UPDATE: {
    PyObject *update = POP();
    int err = fe_dict_update(PEEK(oparg), update);
    Py_DECREF(update);
    if (err != 0)
        ERROR();
    DISPATCH();
}

op_DICT_MERGE: {
    PyObject *update = POP();
    /* the callable sits below the dict: NULL|func|args|kwdict or func|self|... */
    int err = fe_dict_merge(PEEK(oparg), update, PEEK(oparg + 2));
    Py_DECREF(update);
    if (err != 0)
        ERROR();
    DISPATCH();
}

op_UNPACK_SEQUENCE: {
    PyObject *seq = TOP();
    PyObject **items;
    if (PyTuple_CheckExact(seq) && PyTuple_GET_SIZE(seq) == oparg)
        items = ((PyTupleObject *)seq)->ob_item;
    else if (PyList_CheckExact(seq) && PyList_GET_SIZE(seq) == oparg)
        items = ((PyListObject *)seq)->ob_item;
    else
        items = NULL;
    sp--;
    SKIP_CACHES(UNPACK_SEQUENCE);
    if (items != NULL) {
        for (int k = oparg; --k >= 0;)
            PUSH(Py_NewRef(items[k]));
    } else {
        /* Other iterables and wrong sizes: CPython's generic unpacking. */
        if (fe_unpack_iterable(seq, oparg, -1, sp + oparg) < 0) {
            Py_DECREF(seq);
            ERROR();
        }
        sp += oparg;
    }
    Py_DECREF(seq);
    DISPATCH();
}

op_UNPACK_EX: {
    int before = oparg & 0xFF, after = oparg >> 8;
    PyObject *seq = POP();
    if (fe_unpack_iterable(seq, before, after, sp + before + 1 + after) < 0) {
        Py_DECREF(seq);
        ERROR();
    }
    sp += before + 1 + after;
    Py_DECREF(seq);
    DISPATCH();
}

op_FORMAT_VALUE: {
    PyObject *spec = (oparg & FVS_MASK) == FVS_HAVE_SPEC ? POP() : NULL;
    PyObject *value = POP();
    PyObject *res = fe_format_value(value, oparg & FVC_MASK, spec);  /* steals both */
    if (res == NULL)
        ERROR();
    PUSH(res);
    DISPATCH();
}

op_LOAD_ASSERTION_ERROR:
    PUSH(Py_NewRef(PyExc_AssertionError));
    DISPATCH();

op_LOAD_BUILD_CLASS: {
    PyObject *bc;
    if (!PyDict_CheckExact(frame->f_builtins))
        HANDOFF_HERE();
    bc = PyDict_GetItemWithError(frame->f_builtins, &_Py_ID(__build_class__));
    if (bc == NULL) {
        if (PyErr_Occurred())
            ERROR();
        HANDOFF_HERE();  /* CPython raises the NameError */
    }
    PUSH(Py_NewRef(bc));
    DISPATCH();
}

op_SETUP_ANNOTATIONS: {
    PyObject *ns = frame->f_locals;
    if (ns == NULL || !PyDict_CheckExact(ns))
        HANDOFF_HERE();
    int r = PyDict_Contains(ns, &_Py_ID(__annotations__));
    if (r < 0)
        ERROR();
    if (r == 0) {
        PyObject *ann = PyDict_New();
        if (ann == NULL)
            ERROR();
        r = PyDict_SetItem(ns, &_Py_ID(__annotations__), ann);
        Py_DECREF(ann);
        if (r != 0)
            ERROR();
    }
    DISPATCH();
}

op_IMPORT_NAME: {
    PyObject *fromlist = POP();
    PyObject *level = TOP();
    PyObject *res = fe_import_name(frame, NAME(oparg), fromlist, level);
    Py_DECREF(level);
    Py_DECREF(fromlist);
    TOP() = res;
    if (res == NULL)
        ERROR();
    DISPATCH();
}

op_IMPORT_FROM: {
    PyObject *res = fe_import_from(TOP(), NAME(oparg));
    if (res == NULL)
        ERROR();
    PUSH(res);
    DISPATCH();
}

/* ---- exception handlers: reached through the exception table only
 * (exception_unwind), with ceval's stack effects */

op_PUSH_EXC_INFO: {
    /* the exception being handled becomes the thread's; the one it
     * replaces waits below it on the stack for POP_EXCEPT */
    PyObject *value = TOP();
    _PyErr_StackItem *exc_info = tstate->exc_info;
    TOP() = exc_info->exc_value != NULL ? exc_info->exc_value : Py_NewRef(Py_None);
    PUSH(Py_NewRef(value));
    exc_info->exc_value = value;
    DISPATCH();
}

op_POP_EXCEPT: {
    _PyErr_StackItem *exc_info = tstate->exc_info;
    PyObject *value = exc_info->exc_value;
    exc_info->exc_value = POP();
    Py_XDECREF(value);
    DISPATCH();
}

op_CHECK_EXC_MATCH: {
    PyObject *right = POP();
    if (fe_check_except_type(right) < 0) {
        Py_DECREF(right);
        ERROR();
    }
    int match = PyErr_GivenExceptionMatches(TOP(), right);
    Py_DECREF(right);
    PUSH(Py_NewRef(match ? Py_True : Py_False));
    DISPATCH();
}

op_RERAISE: {
    unwind_at = (int)(frame->prev_instr - first_instr);
    if (oparg) {
        /* where the exception was first raised: the traceback's line */
        PyObject *lasti = PEEK(oparg + 1);
        if (!PyLong_Check(lasti)) {
            PyErr_SetString(PyExc_SystemError, "lasti is not an int");
            ERROR();
        }
        frame->prev_instr = first_instr + PyLong_AsLong(lasti);
    }
    PyObject *val = POP();
    PyErr_Restore(Py_NewRef(PyExceptionInstance_Class(val)), val,
                  PyException_GetTraceback(val));
    goto exception_unwind;
}

op_RAISE_VARARGS: {
    PyObject *cause = NULL, *exc = NULL;
    switch (oparg) {
    case 2:
        cause = POP();
        /* fall through */
    case 1:
        exc = POP();
        /* fall through */
    case 0:
        if (fe_do_raise(exc, cause)) {
            unwind_at = (int)(frame->prev_instr - first_instr);
            goto exception_unwind;
        }
        break;
    default:
        PyErr_SetString(PyExc_SystemError, "bad RAISE_VARARGS oparg");
        break;
    }
    ERROR();
}

op_WITH_EXCEPT_START: {
    /* stack: __exit__, lasti, the previous exception, the exception:
     * __exit__(type, value, traceback) */
    PyObject *val = TOP();
    PyObject *tb = PyException_GetTraceback(val);
    Py_XDECREF(tb);   /* (the exception keeps it alive) */
    PyObject *stack[4] = {NULL, PyExceptionInstance_Class(val), val, tb};
    PyObject *res = PyObject_Vectorcall(PEEK(4), stack + 1,
                                        3 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
    if (res == NULL)
        ERROR();
    PUSH(res);
    CHECK_TRACING();
    DISPATCH();
}

op_BEFORE_WITH: {
    PyObject *mgr = TOP();
    PyObject *enter = NULL, *exit = NULL;
    if (fe_lookup_context_manager(mgr, &enter, &exit) < 0)
        ERROR();
    TOP() = exit;
    Py_DECREF(mgr);
    PyObject *res = PyObject_CallNoArgs(enter);
    Py_DECREF(enter);
    if (res == NULL)
        ERROR();
    PUSH(res);
    CHECK_TRACING();
    DISPATCH();
}

op_GET_LEN: {
    Py_ssize_t n = PyObject_Length(TOP());
    if (n < 0)
        ERROR();
    PyObject *len = PyLong_FromSsize_t(n);
    if (len == NULL)
        ERROR();
    PUSH(len);
    DISPATCH();
}

op_MATCH_MAPPING:
op_MATCH_SEQUENCE: {
    unsigned long flag = OPCODE() == MATCH_MAPPING ? Py_TPFLAGS_MAPPING : Py_TPFLAGS_SEQUENCE;
    PyObject *res = (Py_TYPE(TOP())->tp_flags & flag) ? Py_True : Py_False;
    PUSH(Py_NewRef(res));
    DISPATCH();
}

unsupported:
    /* Opcodes we leave to CPython: except* handlers, generators' opcodes,
     * and the rare ones listed at the top of interp_ops.def. */
    goto handoff_before;

/* The frame being recorded leaves the own interpreter (or finishes). */
#define STOP_RECORDING(what)                                              \
    do {                                                                  \
        if (rec != NULL) {                                                \
            fe_rec_leave(rec, what);                                      \
            rec = NULL;                                                   \
            tbl = targets;                                                \
        }                                                                 \
    } while (0)

record_hook: {
    int base = fe_base_opcode[OPCODE()];
    if (!fe_rec_instr(rec, frame, sp, (int)(frame->prev_instr - first_instr), base, oparg)) {
        rec = NULL;   /* finished: compiled or aborted */
        tbl = targets;
    }
    goto *targets[base];
}

handoff_before: {
    STOP_RECORDING("the frame went to CPython while recording");
    /* Back from the opcode unit over its EXTENDED_ARG prefix. In our copy
     * the unit before an instruction is a prefix, an opcode without caches
     * or a zeroed CACHE unit, so the walk stops at the instruction's start. */
    int start = (int)(frame->prev_instr - first_instr);
    while (start > 0 && _Py_OPCODE(insns[start - 1]) == EXTENDED_ARG)
        start--;
    retval = handoff(tstate, frame, sp, start, 0);
    goto frame_done;
}

handoff_before_next:
    STOP_RECORDING("the frame went to CPython while recording");
    retval = handoff(tstate, frame, sp, (int)(ip - insns), 0);
    goto frame_done;

error:
    /* As ceval's error label: the frame's traceback entry, then the
     * exception table. Under tracing or profiling CPython unwinds, so
     * that its events are reported. */
    kwnames = NULL;
    STOP_RECORDING("an exception was raised while recording");
    if (FE_UNLIKELY(cframe->use_tracing || tstate->c_tracefunc != NULL)) {
        retval = handoff(tstate, frame, sp, 0, 1);
        goto frame_done;
    }
    if (FE_UNLIKELY(!PyErr_Occurred()))
        PyErr_SetString(PyExc_SystemError, "error return without exception set");
    if (!_PyFrame_IsIncomplete(frame)) {
        /* (the frame is the thread's current one: PyEval_GetFrame makes
         * its frame object) */
        PyFrameObject *f = PyEval_GetFrame();
        if (f != NULL)
            PyTraceBack_Here(f);
    }
    unwind_at = (int)(frame->prev_instr - first_instr);
exception_unwind: {
    /* unwind_at: the instruction that raised, whose handler is looked up;
     * prev_instr: where the exception was first raised (RERAISE sets it
     * back), what a handler that wants it is given */
    STOP_RECORDING("an exception was raised while recording");
    int handler, level;
    bool push_lasti;
    PyObject **base = frame->localsplus + co->co_nlocalsplus;
    if (!fe_exception_handler(co, unwind_at, &handler, &level, &push_lasti)) {
        /* leaves the frame, as ceval's exit_unwind */
        while (sp > base)
            Py_XDECREF(POP());
        retval = NULL;
        goto frame_returned;
    }
    while (sp > base + level)
        Py_XDECREF(POP());
    if (push_lasti) {
        PyObject *lasti = PyLong_FromLong((long)(frame->prev_instr - first_instr));
        if (lasti == NULL)
            goto exception_unwind;
        PUSH(lasti);
    }
    PyObject *exc, *val, *tb;
    PyErr_Fetch(&exc, &val, &tb);
    PyErr_NormalizeException(&exc, &val, &tb);
    PyException_SetTraceback(val, tb != NULL ? tb : Py_None);
    Py_XDECREF(tb);
    Py_XDECREF(exc);
    PUSH(val);
    ip = insns + handler;
    DISPATCH();
}

frame_done: {
    /* `frame` has finished (here or in CPython), is unlinked and has left
     * the recursion count; retval is its result, or NULL with the
     * exception set. An inline callee returns into its caller, as ceval's
     * RETURN_VALUE and exit_unwind do. */
    if (frame == entry) {
        STOP_RECORDING("the frame returned while recording");
        return retval;
    }
    /* (a trace being recorded goes on: it returns from a call it inlined;
     * the frame it started in returning ends it before it gets here) */
    _PyInterpreterFrame *caller = frame->previous;
    bool special = FE_SPECIAL_RETURN(frame);
    fe_frame_pop(tstate, frame);
    frame = caller;
    jc = fe_jitcode_peek(frame->f_code);
    LOAD_FRAME();
    if (FE_UNLIKELY(special) && fe_base_opcode[_Py_OPCODE(ip[-1])] == CALL_FUNCTION_EX) {
        /* the rest of CALL_FUNCTION_EX: its operands released in
         * CPython's order, the result in place of the NULL below them */
        PyObject *kwargs = (_Py_OPARG(ip[-1]) & 1) ? POP() : NULL;
        PyObject *callargs = POP();
        PyObject *func = POP();
        Py_DECREF(func);
        Py_DECREF(callargs);
        Py_XDECREF(kwargs);
        sp--;
        special = false;
    }
    if (retval == NULL)
        goto error;   /* at the caller's call */
    if (FE_UNLIKELY(special)) {
        /* an __init__ frame: type_call's check; the instance is on our stack already */
        if (retval != Py_None) {
            PyErr_Format(PyExc_TypeError, "__init__() should return None, not '%.200s'",
                         Py_TYPE(retval)->tp_name);
            Py_DECREF(retval);
            goto error;
        }
        Py_DECREF(retval);
        CHECK_EVAL_BREAKER();
        CHECK_TRACING();
        DISPATCH();
    }
    PUSH(retval);
    CHECK_EVAL_BREAKER();
    CHECK_TRACING();
    DISPATCH();
}
}
