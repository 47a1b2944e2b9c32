/* frontend/eval: the PEP 523 frame evaluator and the own interpreter's
 * entry points. */
#ifndef JIT_FE_EVAL_H
#define JIT_FE_EVAL_H

#include "cpython.h"
#include "jitcode.h"

/* Installs / removes the evaluator for the main interpreter. */
void fe_install(void);
void fe_uninstall(void);
bool fe_installed(void);

/* Runs `frame` (just pushed by _PyEval_Vector, not yet linked) in the own
 * interpreter from its first instruction; returns like an eval-frame
 * function. */
PyObject *fe_interp_run(PyThreadState *tstate, _PyInterpreterFrame *frame, fe_jitcode *jc);

/* Slow path of the eval breaker: signals, pending calls, GIL drop
 * requests, async exceptions. 0, or -1 with an exception set. */
int fe_handle_eval_breaker(PyThreadState *tstate);

/* A loop header's counter reached the threshold: true when tracing may
 * start there. */
bool fe_hot_loop(fe_jitcode *jc, rt_jitcell *cell);

#endif
