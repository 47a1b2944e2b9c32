/* frontend/breaker: the eval breaker's slow path for the own interpreter
 * (and, later, machine code): what ceval's eval_frame_handle_pending does,
 * in the same order, with exported API only. */
#include "eval.h"

/* ceval's COMPUTE_EVAL_BREAKER (static there): the breaker stays set while
 * something this thread can act on is still pending. */
static void recompute_eval_breaker(PyInterpreterState *interp)
{
    struct _ceval_state *ceval = &interp->ceval;
    int pending = _Py_atomic_load_relaxed(&ceval->gil_drop_request) ||
        (_Py_atomic_load_relaxed(&_PyRuntime.ceval.signals_pending) &&
         _Py_ThreadCanHandleSignals(interp)) ||
        (_Py_atomic_load_relaxed(&ceval->pending.calls_to_do) &&
         _Py_ThreadCanHandlePendingCalls()) ||
        ceval->pending.async_exc;
    _Py_atomic_store_relaxed(&ceval->eval_breaker, pending);
}

int fe_handle_eval_breaker(PyThreadState *tstate)
{
    PyInterpreterState *interp = tstate->interp;
    /* Signals, then pending calls; both are handled by the main thread
     * only, which Py_MakePendingCalls checks itself. */
    if (Py_MakePendingCalls() < 0)
        return -1;
    if (_Py_atomic_load_relaxed(&interp->ceval.gil_drop_request)) {
        /* Another thread asked for the GIL: give it a turn. */
        PyEval_RestoreThread(PyEval_SaveThread());
    }
    if (FE_UNLIKELY(tstate->async_exc != NULL)) {
        /* PyThreadState_SetAsyncExc() aimed at this thread. */
        PyObject *exc = tstate->async_exc;
        tstate->async_exc = NULL;
        interp->ceval.pending.async_exc = 0;
        recompute_eval_breaker(interp);
        PyErr_SetNone(exc);
        Py_DECREF(exc);
        return -1;
    }
    return 0;
}
