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

/* What fe_loop_run said after running the machine code of `cell` (its
 * loop) on a frame: the resume point, stack pointer and innermost frame. */
typedef struct {
    rt_jitcell *cell;
    struct fe_loop *loop;
    int pc;
    PyObject **sp;
    _PyInterpreterFrame *inner;
} fe_ran;

/* Runs `frame` (just pushed by _PyEval_Vector or fe_frame_push, not yet
 * linked) in the own interpreter from its first instruction; returns like
 * an eval-frame function. With `ran`, the frame is linked and in the
 * recursion count already, and its function trace has run: the
 * interpreter goes on from where it left the frame (not a return). */
PyObject *fe_interp_run(PyThreadState *tstate, _PyInterpreterFrame *frame, fe_jitcode *jc,
                        const fe_ran *ran);

/* A call of `func` (a Python function) with `nargs` positional
 * arguments, made from compiled code as the interpreter makes an inline
 * call: the frame pushed on the data stack directly (fe_frame_push) and
 * evaluated here, without vectorcall and CPython's frame setup. Sets
 * *done and returns the result (NULL with an exception); *done false when
 * the call is not of that kind (nothing happened: make it the generic
 * way). */
PyObject *fe_call_direct(PyFunctionObject *func, PyObject *const *args, int nargs, bool *done);

/* Slow path of the eval breaker: signals, pending calls, GIL drop
 * requests, async exceptions. 0, or -1 with an exception set. */
int fe_handle_eval_breaker(PyThreadState *tstate);

/* A loop header's counter reached the threshold: true when tracing may
 * start there. */
bool fe_hot_loop(fe_jitcode *jc, rt_jitcell *cell);

#endif
