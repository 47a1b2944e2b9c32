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

/* Class instantiation run inline (CALL of a class whose instances
 * object.__new__ makes and whose __init__ is a Python function): the
 * instance is allocated, the caller's stack gets it in place of the call's
 * NULL, and __init__ gets a frame with self and the `nargs` arguments at
 * `args` (whose references it takes, as the type's: args[-1] and args[-2]
 * are the call's type and NULL slots). That frame is marked as an
 * __init__ frame (FE_IS_INIT_FRAME): when it returns, its result must be
 * None and is dropped, as type_call does. 1: pushed; 0: not such a call
 * or no room (nothing changed, no exception); -1: allocation failed (an
 * exception is set, nothing changed). */
int fe_frame_push_init(PyThreadState *tstate, PyTypeObject *tp, PyObject **args, int nargs,
                       fe_jitcode **jcp, _PyInterpreterFrame **framep);
/* The Python __init__ a call of `tp` runs inline, or NULL when such a
 * call is not run inline (other metaclass or __new__, abstract class,
 * __init__ not a Python function). Borrowed, alive while tp's version
 * holds. */
PyFunctionObject *fe_init_of(PyTypeObject *tp);

/* A new instance of `tp` as object.__new__ makes it (fe_init_of says that
 * is what calling tp does first): runs no Python code; NULL with an
 * exception set when out of memory. */
PyObject *fe_new_instance(PyTypeObject *tp);

/* An __init__ frame of an inlined class instantiation is marked with
 * is_entry, which CPython only uses for frames it evaluates itself and sets
 * when it does (handing a frame over saves and restores it). */
#define FE_IS_INIT_FRAME(f) ((f)->is_entry)

/* _PyFrame_Push's size of a frame of `co` in data-stack words: locals,
 * stack and the frame's own fields. */
static inline int fe_frame_words(PyCodeObject *co)
{
    return co->co_nlocalsplus + co->co_stacksize + FRAME_SPECIALS_SIZE;
}

/* A frame for `func` at the data stack's top, which the caller made sure
 * has room for it (in the current chunk, never at its base): specials
 * set (the frame takes over a reference to the function that the caller
 * gives, and takes one to its code), locals empty,
 * prev_instr before the first instruction; not linked. */
_PyInterpreterFrame *fe_frame_init(PyThreadState *tstate, PyFunctionObject *func);

/* Clears a frame made by fe_frame_push -- already unlinked, its stacktop
 * valid -- as _PyFrame_Clear does (a frame object that outlives it takes
 * the frame's data), then pops it off the data stack. */
void fe_frame_pop(PyThreadState *tstate, _PyInterpreterFrame *frame);

#endif
