/* frontend/eval: the PEP 523 evaluator. It decides, once per frame at
 * entry, whether the own interpreter or CPython runs the frame, and it
 * keeps the C stack from overflowing under deep recursion. */
#include "eval.h"
#include "frames.h"
#include "jitloop.h"
#include "../runtime/runtime.h"
#include <pthread.h>

/* Lowest C stack address this thread may use before RecursionError.
 * Thread-local because every thread has its own stack; computed once per
 * thread on first use. */
/* initial-exec: a direct %fs-relative load instead of a __tls_get_addr
 * call on every frame (the module is loaded at import, not dlopen'ed late
 * enough to run out of static TLS space for one pointer). */
static _Thread_local char *stack_limit __attribute__((tls_model("initial-exec")));

/* Room kept free below our frames for the C code that runs between two
 * evaluator entries (builtins, C extensions, CPython's own eval loop,
 * unwinding and printing an exception): a quarter of the thread's stack,
 * at most 256 KiB. */
#define FE_STACK_MARGIN (256 * 1024)

static char *compute_stack_limit(void)
{
    pthread_attr_t attr;
    void *addr = NULL;
    size_t size = 0;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        pthread_attr_getstack(&attr, &addr, &size);
        pthread_attr_destroy(&attr);
    }
    char *here = __builtin_frame_address(0);
    if (addr == NULL || size == 0 || here < (char *)addr || here >= (char *)addr + size) {
        /* Unknown stack (should not happen with glibc): assume the 8 MiB
         * default main-thread stack minus what is already used. */
        return here - 4 * 1024 * 1024;
    }
    size_t margin = size / 4 < FE_STACK_MARGIN ? size / 4 : FE_STACK_MARGIN;
    return (char *)addr + margin;
}

static bool stack_exhausted(void)
{
    char here;
    if (FE_UNLIKELY(stack_limit == NULL))
        stack_limit = compute_stack_limit();
    return FE_UNLIKELY(&here < stack_limit);
}

/* Runs the function trace of `cell` on `frame` (just pushed, not linked,
 * at its first instruction), without the interpreter when the code
 * returns; a guard failing hands the frame to the interpreter where the
 * code left it. Returns like an eval-frame function. */
static PyObject *run_function_trace(PyThreadState *tstate, _PyInterpreterFrame *frame,
                                    fe_jitcode *jc, rt_jitcell *cell)
{
    if (_Py_EnterRecursiveCallTstate(tstate, ""))
        return NULL;  /* (as ceval's start_frame: the frame never started) */
    frame->previous = tstate->cframe->current_frame;
    tstate->cframe->current_frame = frame;
    PyObject *res;
    fe_ran ran = {.cell = cell, .loop = cell->loop};
    ran.pc = fe_loop_run(&ran.loop, frame, &ran.sp, &ran.inner, &res);
    if (ran.pc != FE_RESUME_RETURNED)
        return fe_interp_run(tstate, frame, jc, &ran);
    frame->stacktop = frame->f_code->co_nlocalsplus;
    tstate->cframe->current_frame = frame->previous;
    _Py_LeaveRecursiveCallTstate(tstate);
    return res;
}

/* A frame of the thread's (a call): ours to run, or CPython's. Out of line
 * so that fe_eval_frame stays small for the frames it passes on at once
 * (generators being resumed, throws). */
static __attribute__((noinline)) PyObject *eval_thread_frame(PyThreadState *tstate,
                                                             _PyInterpreterFrame *frame)
{
    if (FE_UNLIKELY(stack_exhausted())) {
        PyErr_SetString(PyExc_RecursionError,
                        "maximum recursion depth exceeded (C stack exhausted)");
        return NULL;
    }
    if (!tstate->cframe->use_tracing) {
        PyCodeObject *co = frame->f_code;
        fe_jitcode *jc = fe_jitcode_peek(co);
        if (jc == NULL) {
            jc = fe_jitcode_get(co);
            if (jc == NULL)
                return NULL;
        }
        if (jc->run_own)
            return fe_interp_run(tstate, frame, jc, NULL);
        if (jc->entry_cell >= 0) {
            /* A function: its trace runs here; without one, its calls
             * count down to the next look at its entry cell, which the
             * own interpreter takes at the frame's start (and may start
             * recording the trace). */
            rt_jitcell *c = &jc->cells.cells[jc->entry_cell];
            if (c->loop != NULL)
                return run_function_trace(tstate, frame, jc, c);
            if (--c->countdown <= 0)
                return fe_interp_run(tstate, frame, jc, NULL);
        }
    }
    rt_count(RT_C_CPYTHON_FRAMES, 1);
    return _PyEval_EvalFrameDefault(tstate, frame, 0);
}

static PyObject *fe_eval_frame(PyThreadState *tstate, _PyInterpreterFrame *frame, int throwflag)
{
    if (FE_LIKELY(!throwflag && frame->owner == FRAME_OWNED_BY_THREAD))
        return eval_thread_frame(tstate, frame);
    /* A generator or coroutine resumed, or a throw() into one: CPython's. */
    if (FE_UNLIKELY(stack_exhausted()) && !throwflag) {
        /* (a throw: CPython must see it to unwind the generator) */
        PyErr_SetString(PyExc_RecursionError,
                        "maximum recursion depth exceeded (C stack exhausted)");
        return NULL;
    }
    rt_count(RT_C_CPYTHON_FRAMES, 1);
    return _PyEval_EvalFrameDefault(tstate, frame, throwflag);
}

PyObject *fe_call_direct(PyFunctionObject *func, PyObject *const *args, int nargs, bool *done)
{
    PyThreadState *tstate = _PyThreadState_GET();
    *done = false;
    if (nargs > 8 || (((PyCodeObject *)func->func_code)->co_flags & CO_GENERATOR))
        return NULL;   /* (a generator's frame becomes the generator's: not ours to pop) */
    PyObject *owned[8];   /* the frame takes references: ours, given */
    for (int k = 0; k < nargs; k++)
        owned[k] = Py_NewRef(args[k]);
    fe_jitcode *jc;
    _PyInterpreterFrame *frame = fe_frame_push(tstate, (PyFunctionObject *)Py_NewRef(func),
                                               owned, nargs, &jc);
    if (frame == NULL) {
        Py_DECREF(func);
        for (int k = 0; k < nargs; k++)
            Py_DECREF(owned[k]);
        return NULL;
    }
    *done = true;
    PyObject *res = fe_eval_frame(tstate, frame, 0);
    fe_frame_pop(tstate, frame);
    return res;
}

void fe_install(void)
{
    _PyInterpreterState_SetEvalFrameFunc(PyInterpreterState_Main(), fe_eval_frame);
    rt.enabled = true;
}

void fe_uninstall(void)
{
    if (_PyInterpreterState_GetEvalFrameFunc(PyInterpreterState_Main()) == fe_eval_frame)
        _PyInterpreterState_SetEvalFrameFunc(PyInterpreterState_Main(), _PyEval_EvalFrameDefault);
    rt.enabled = false;
}

bool fe_installed(void)
{
    return _PyInterpreterState_GetEvalFrameFunc(PyInterpreterState_Main()) == fe_eval_frame;
}

bool fe_hot_loop(fe_jitcode *jc, rt_jitcell *cell)
{
    (void)jc;
    cell->flags |= JC_EXISTS;
    if (cell->flags & (JC_BEING_TRACED | JC_DONT_TRACE_HERE | JC_GIVEN_UP))
        return false;
    rt_count(RT_C_HOT_LOOPS, 1);
    return true;
}
