/* frontend/frames: pushing and popping the frames of inline calls (see
 * frames.h). The data stack is only ever bumped inside its current chunk:
 * CPython pops a frame that sits at the base of a chunk by freeing the
 * chunk, so ours never sit there, and a call that does not fit goes
 * through CPython, which allocates the next chunk. */
#include "frames.h"

_PyInterpreterFrame *fe_frame_push(PyThreadState *tstate, PyFunctionObject *func,
                                   PyObject **args, int nargs, fe_jitcode **jcp)
{
    PyCodeObject *co = (PyCodeObject *)func->func_code;
    if (FE_UNLIKELY((co->co_flags & (CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR |
                                     CO_VARARGS | CO_VARKEYWORDS | CO_OPTIMIZED)) != CO_OPTIMIZED ||
                    co->co_kwonlyargcount != 0))
        return NULL;
    int argcount = co->co_argcount;
    PyObject *defaults = func->func_defaults;
    int ndefaults = defaults != NULL ? (int)PyTuple_GET_SIZE(defaults) : 0;
    if (FE_UNLIKELY(nargs > argcount || nargs + ndefaults < argcount))
        return NULL;  /* CPython raises the TypeError with its message */
    Py_ssize_t size = fe_frame_words(co);
    PyObject **base = tstate->datastack_top;
    if (FE_UNLIKELY(base == NULL || base == &tstate->datastack_chunk->data[0] ||
                    size > tstate->datastack_limit - base))
        return NULL;
    fe_jitcode *jc = fe_jitcode_peek(co);
    if (FE_UNLIKELY(jc == NULL)) {
        jc = fe_jitcode_get(co);
        if (jc == NULL) {
            PyErr_Clear();  /* the generic call runs it in CPython */
            return NULL;
        }
    }
    *jcp = jc;
    _PyInterpreterFrame *f = fe_frame_init(tstate, func);
    PyObject **locals = f->localsplus;
    int k = 0;
    for (; k < nargs; k++)
        locals[k] = args[k];
    for (; k < argcount; k++)
        locals[k] = Py_NewRef(PyTuple_GET_ITEM(defaults, k - (argcount - ndefaults)));
    return f;
}

PyFunctionObject *fe_init_of(PyTypeObject *tp)
{
    if (Py_TYPE(tp) != &PyType_Type || tp->tp_new != PyBaseObject_Type.tp_new ||
        (tp->tp_flags & Py_TPFLAGS_IS_ABSTRACT))
        return NULL;
    PyObject *init = _PyType_Lookup(tp, &_Py_ID(__init__));
    return init != NULL && Py_TYPE(init) == &PyFunction_Type ? (PyFunctionObject *)init : NULL;
}

PyObject *fe_new_instance(PyTypeObject *tp)
{
    /* object_new with no arguments: allocation only, no Python code */
    PyObject *noargs = PyTuple_New(0);
    PyObject *inst = noargs ? PyBaseObject_Type.tp_new(tp, noargs, NULL) : NULL;
    Py_XDECREF(noargs);
    return inst;
}

int fe_frame_push_init(PyThreadState *tstate, PyTypeObject *tp, PyObject **args, int nargs,
                       fe_jitcode **jcp, _PyInterpreterFrame **framep)
{
    PyFunctionObject *init = fe_init_of(tp);
    if (init == NULL)
        return 0;
    PyObject *inst = fe_new_instance(tp);
    if (inst == NULL)
        return -1;
    /* the callable's slot becomes self; args[-1] must be writable */
    PyObject *type_ref = args[-1];
    args[-1] = inst;
    _PyInterpreterFrame *f = fe_frame_push(tstate, (PyFunctionObject *)Py_NewRef(init), args - 1,
                                           nargs + 1, jcp);
    if (f == NULL) {
        args[-1] = type_ref;
        Py_DECREF(init);
        Py_DECREF(inst);
        return 0;
    }
    Py_INCREF(inst);  /* the frame's self and the caller's result */
    args[-2] = inst;
    Py_DECREF(type_ref);  /* (the instance holds its type) */
    f->is_entry = true;   /* FE_INIT_FRAME */
    *framep = f;
    return 1;
}

_PyInterpreterFrame *fe_frame_init(PyThreadState *tstate, PyFunctionObject *func)
{
    PyCodeObject *co = (PyCodeObject *)func->func_code;
    _PyInterpreterFrame *f = (_PyInterpreterFrame *)tstate->datastack_top;
    tstate->datastack_top += fe_frame_words(co);
    /* _PyFrame_InitializeSpecials: the function's reference is taken
     * over, globals and builtins are borrowed from it */
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
    for (int k = 0; k < co->co_nlocalsplus; k++)
        f->localsplus[k] = NULL;
    return f;
}

/* frame.c's take_ownership: a frame object still referenced elsewhere
 * keeps a copy of the dying frame, and links to its caller's frame
 * object instead of through `previous`. */
static void take_ownership(PyFrameObject *f, _PyInterpreterFrame *frame)
{
    if (_PyFrame_IsIncomplete(frame)) {
        /* dead before its first RESUME: pretend it ran, as CPython does */
        frame->prev_instr = _PyCode_CODE(frame->f_code) + frame->f_code->_co_firsttraceable;
    }
    /* f_back while f still shows the live frame: PyFrame_GetBack follows
     * `previous` (skipping incomplete frames) and makes the caller's frame
     * object if needed, keeping any exception being raised. */
    bool raising = PyErr_Occurred() != NULL;
    PyFrameObject *back = f->f_back == NULL ? PyFrame_GetBack(f) : NULL;
    if (back == NULL && !raising && PyErr_Occurred())
        PyErr_Clear();  /* out of memory: as CPython, nothing to be done about it */
    Py_ssize_t size = (char *)&frame->localsplus[frame->stacktop] - (char *)frame;
    memcpy(f->_f_frame_data, frame, (size_t)size);
    _PyInterpreterFrame *copy = (_PyInterpreterFrame *)f->_f_frame_data;
    f->f_frame = copy;
    copy->owner = FRAME_OWNED_BY_FRAME_OBJECT;
    if (back != NULL)
        f->f_back = back;  /* PyFrame_GetBack's new reference */
    copy->previous = NULL;
    if (!PyObject_GC_IsTracked((PyObject *)f))
        PyObject_GC_Track(f);
}

void fe_frame_pop(PyThreadState *tstate, _PyInterpreterFrame *frame)
{
    PyFrameObject *f = frame->frame_obj;
    if (f != NULL) {
        frame->frame_obj = NULL;
        if (Py_REFCNT(f) > 1) {
            take_ownership(f, frame);
            Py_DECREF(f);
            tstate->datastack_top = (PyObject **)frame;
            return;
        }
        Py_DECREF(f);
    }
    for (int i = 0; i < frame->stacktop; i++)
        Py_XDECREF(frame->localsplus[i]);
    Py_XDECREF(frame->f_locals);
    Py_DECREF(frame->f_func);
    Py_DECREF(frame->f_code);
    /* Only now: finalizers run above may have pushed frames over it. */
    tstate->datastack_top = (PyObject **)frame;
}
