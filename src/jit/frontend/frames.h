/* frontend/frames: frames the own interpreter pushes and pops itself for
 * inline Python-to-Python calls, on the thread's data stack, with the
 * layout and life cycle CPython 3.11 gives them (_PyEvalFramePushAndInit,
 * _PyFrame_Clear and _PyThreadState_PopFrame are not exported). */
#ifndef JIT_FE_FRAMES_H
#define JIT_FE_FRAMES_H

#include "cpython.h"
#include "jitcode.h"

/* A frame for calling `func` with the `nargs` positional arguments at
 * `args`, when the call can run inline: a plain function (no generator,
 * no star parameters, no keyword-only parameters) given at most its
 * positional parameters (the rest from its defaults), whose frame fits in
 * the data stack's current chunk. The frame takes the function's and the
 * arguments' references, is not linked, and *jc is its code's jitcode.
 * NULL (nothing taken, no exception) when the call must go the generic
 * way. */
_PyInterpreterFrame *fe_frame_push(PyThreadState *tstate, PyFunctionObject *func,
                                   PyObject **args, int nargs, fe_jitcode **jc);

/* Clears a frame made by fe_frame_push -- already unlinked, its stacktop
 * valid -- as _PyFrame_Clear does (a frame object that outlives it takes
 * the frame's data), then pops it off the data stack. */
void fe_frame_pop(PyThreadState *tstate, _PyInterpreterFrame *frame);

#endif
