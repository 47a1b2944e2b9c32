/* frontend/frames: frames the own interpreter pushes and pops itself for
 * inline Python-to-Python calls, on the thread's data stack, with the
 * layout, argument binding and life cycle CPython 3.11 gives them
 * (_PyEvalFramePushAndInit, initialize_locals, _PyFrame_Clear,
 * _PyThreadState_PopFrame and _Py_MakeCoro are not exported). */
#ifndef JIT_FE_FRAMES_H
#define JIT_FE_FRAMES_H

#include "cpython.h"
#include "jitcode.h"

/* A frame for calling `func` with the `nargs` positional arguments at
 * `args`, when the call can run inline (fe_frame_takes_call) and its
 * frame fits in the data stack's current chunk. The frame takes the
 * function's and the arguments' references, is not linked, and *jc is its
 * code's jitcode. NULL (nothing taken, no exception) when the call must
 * go the generic way. */
_PyInterpreterFrame *fe_frame_push(PyThreadState *tstate, PyFunctionObject *func,
                                   PyObject **args, int nargs, fe_jitcode **jc);

/* A frame for any other call of `func` that binds as CPython's
 * initialize_locals binds it: `nargs` positional arguments at `args`,
 * keyword arguments named kwnames[0..nkw) (str objects) with the values
 * at kwvalues, into positional-or-keyword and keyword-only parameters,
 * defaults and keyword-only defaults, `*args` and `**kwargs`. The frame
 * takes new references (the caller keeps its own), is not linked, and *jc
 * is its code's jitcode. NULL (no exception, nothing run) when the call
 * must go the generic way: a binding error (CPython raises it with its
 * message), a keyword that is not an exact str, a coroutine, no room. */
_PyInterpreterFrame *fe_frame_bind(PyThreadState *tstate, PyFunctionObject *func,
                                   PyObject *const *args, int nargs, PyObject *const *kwnames,
                                   PyObject *const *kwvalues, int nkw, fe_jitcode **jc);
/* fe_frame_bind for CALL_FUNCTION_EX: `callable` (a function, or a
 * method bound to one) called with the items of the tuple `callargs` and
 * the items of the exact dict `kwargs` (or NULL). */
_PyInterpreterFrame *fe_frame_bind_ex(PyThreadState *tstate, PyObject *callable,
                                      PyObject *callargs, PyObject *kwargs, fe_jitcode **jc);

/* The generator a call of the generator function `func` returns, as
 * CPython's make_gen makes it, its frame not yet filled in (the caller
 * copies the call's frame there); NULL with an exception set when out of
 * memory. */
PyGenObject *fe_new_generator(PyFunctionObject *func);

/* Class instantiation run inline (CALL of a class whose instances
 * object.__new__ makes and whose __init__ is a Python function): the
 * instance is allocated, the caller's stack gets it in place of the call's
 * NULL, and __init__ gets a frame with self and the `nargs` arguments at
 * `args` (whose references it takes, as the type's: args[-1] and args[-2]
 * are the call's type and NULL slots). That frame is marked as an
 * __init__ frame (FE_SPECIAL_RETURN): when it returns, its result must be
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

/* A frame whose return into the own interpreter finishes its caller's
 * call instruction specially: an __init__ frame of an inlined class
 * instantiation (the result must be None and is dropped), or the frame
 * of an inlined CALL_FUNCTION_EX (its operands are released after the
 * callee, as after PyObject_Call). Kept in is_entry, which CPython only
 * uses for frames it evaluates itself and sets when it does (handing a
 * frame over saves and restores it). */
#define FE_SPECIAL_RETURN(f) ((f)->is_entry)

/* _PyFrame_Push's size of a frame of `co` in data-stack words: locals,
 * stack and the frame's own fields. */
static inline int fe_frame_words(PyCodeObject *co)
{
    return co->co_nlocalsplus + co->co_stacksize + FRAME_SPECIALS_SIZE;
}

/* Whether a call of `func` (whose code is `co`) with `nargs` positional
 * arguments and no keywords runs in a frame fe_frame_push_args makes: a
 * plain function or a generator function (no coroutine, no star
 * parameters, no keyword-only parameters) given at most its positional
 * parameters, the rest from its defaults. */
static inline bool fe_frame_takes_call(PyFunctionObject *func, PyCodeObject *co, int nargs)
{
    if ((co->co_flags & (CO_COROUTINE | CO_ASYNC_GENERATOR | CO_VARARGS | CO_VARKEYWORDS |
                         CO_OPTIMIZED)) != CO_OPTIMIZED ||
        co->co_kwonlyargcount != 0)
        return false;
    PyObject *defaults = func->func_defaults;
    int ndefaults = defaults != NULL ? (int)PyTuple_GET_SIZE(defaults) : 0;
    return nargs <= co->co_argcount && nargs + ndefaults >= co->co_argcount;
}

/* Whether a frame of `size` words fits at the data stack's top, in its
 * current chunk: CPython pops a frame that sits at the base of a chunk by
 * freeing the chunk, so ours never sit there, and a call that does not
 * fit goes through CPython, which allocates the next chunk. */
static inline bool fe_frame_room(PyThreadState *tstate, int size)
{
    PyObject **base = tstate->datastack_top;
    return base != NULL && base != &tstate->datastack_chunk->data[0] &&
           size <= tstate->datastack_limit - base;
}

/* The specials of a frame for `func` (whose code is `co`) at the data
 * stack's top, which the caller made sure has room for it (in the current
 * chunk, never at its base): the frame takes over a reference to the
 * function that the caller gives, and takes one to its code; globals and
 * builtins are borrowed from the function, as _PyFrame_InitializeSpecials
 * does; prev_instr before the first instruction; not linked. Its locals
 * are left for the caller to fill. */
static inline _PyInterpreterFrame *fe_frame_specials(PyThreadState *tstate, PyFunctionObject *func,
                                                     PyCodeObject *co)
{
    _PyInterpreterFrame *f = (_PyInterpreterFrame *)tstate->datastack_top;
    tstate->datastack_top += fe_frame_words(co);
    f->f_func = func;
    f->f_code = (PyCodeObject *)Py_NewRef(co);
    f->f_builtins = func->func_builtins;
    f->f_globals = func->func_globals;
    f->f_locals = NULL;
    f->stacktop = co->co_nlocalsplus;
    f->frame_obj = NULL;
    f->prev_instr = _PyCode_CODE(co) - 1;
    f->is_entry = false;
    f->owner = FRAME_OWNED_BY_THREAD;
    return f;
}

/* fe_frame_specials, then the locals of a call with the `nargs` positional
 * arguments at `args` (whose references the frame takes), the parameters
 * after them from the function's defaults (the caller checked there are
 * enough), every other local empty. */
static inline _PyInterpreterFrame *fe_frame_push_args(PyThreadState *tstate,
                                                      PyFunctionObject *func, PyCodeObject *co,
                                                      PyObject *const *args, int nargs)
{
    _PyInterpreterFrame *f = fe_frame_specials(tstate, func, co);
    PyObject **locals = f->localsplus;
    int argcount = co->co_argcount, n = co->co_nlocalsplus, k = 0;
    for (; k < nargs; k++)
        locals[k] = args[k];
    if (FE_UNLIKELY(k < argcount)) {
        PyObject *defaults = func->func_defaults;
        int first = argcount - (int)PyTuple_GET_SIZE(defaults);
        for (; k < argcount; k++)
            locals[k] = Py_NewRef(PyTuple_GET_ITEM(defaults, k - first));
    }
    /* (few locals as a rule: stores, rather than a call of memset) */
    for (; k < n; k++)
        locals[k] = NULL;
    return f;
}

/* fe_frame_specials with every local empty. */
_PyInterpreterFrame *fe_frame_init(PyThreadState *tstate, PyFunctionObject *func);

/* Clears a frame made by fe_frame_push -- already unlinked, its stacktop
 * valid -- as _PyFrame_Clear does (a frame object that outlives it takes
 * the frame's data), then pops it off the data stack. */
void fe_frame_pop_slow(PyThreadState *tstate, _PyInterpreterFrame *frame);
static inline void fe_frame_pop(PyThreadState *tstate, _PyInterpreterFrame *frame)
{
    if (FE_UNLIKELY(frame->frame_obj != NULL || frame->f_locals != NULL)) {
        fe_frame_pop_slow(tstate, frame);
        return;
    }
    for (int i = 0; i < frame->stacktop; i++)
        Py_XDECREF(frame->localsplus[i]);
    Py_DECREF(frame->f_func);
    Py_DECREF(frame->f_code);
    /* Only now: finalizers run above may have pushed frames over it. */
    tstate->datastack_top = (PyObject **)frame;
}

#endif
