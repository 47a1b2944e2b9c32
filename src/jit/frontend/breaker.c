/* frontend/breaker: the eval breaker's slow path for the own interpreter
 * (and, later, machine code): what ceval's eval_frame_handle_pending does,
 * with exported API only. */
#include "eval.h"

int fe_handle_eval_breaker(PyThreadState *tstate)
{
    PyInterpreterState *interp = tstate->interp;
    /* Signals and pending calls; both are handled by the main thread only,
     * which Py_MakePendingCalls checks itself. */
    if (Py_MakePendingCalls() < 0)
        return -1;
    if (_Py_atomic_load_relaxed(&interp->ceval.gil_drop_request)) {
        /* Another thread asked for the GIL: give it a turn. */
        PyEval_RestoreThread(PyEval_SaveThread());
    }
    if (FE_UNLIKELY(tstate->async_exc != NULL)) {
        PyObject *exc = tstate->async_exc;
        tstate->async_exc = NULL;
        interp->ceval.pending.async_exc = 0;
        /* Recompute the breaker as CPython's COMPUTE_EVAL_BREAKER does:
         * leave it set while something else is still pending. */
        int still = _Py_atomic_load_relaxed(&interp->ceval.gil_drop_request) |
                    _Py_atomic_load_relaxed(&interp->ceval.pending.calls_to_do) |
                    _Py_atomic_load_relaxed(&_PyRuntime.ceval.signals_pending);
        _Py_atomic_store_relaxed(&interp->ceval.eval_breaker, still != 0);
        PyErr_SetNone(exc);
        Py_DECREF(exc);
        return -1;
    }
    return 0;
}
