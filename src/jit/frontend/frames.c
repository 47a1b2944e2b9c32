/* frontend/frames: pushing and popping the frames of inline calls (see
 * frames.h). The data stack is only ever bumped inside its current chunk
 * (fe_frame_room). */
#include "frames.h"

_PyInterpreterFrame *fe_frame_push(PyThreadState *tstate, PyFunctionObject *func,
                                   PyObject **args, int nargs, fe_jitcode **jcp)
{
    PyCodeObject *co = (PyCodeObject *)func->func_code;
    if (FE_UNLIKELY(!fe_frame_takes_call(func, co, nargs)))
        return NULL;  /* (CPython raises a binding error with its message) */
    if (FE_UNLIKELY(!fe_frame_room(tstate, fe_frame_words(co))))
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
    return fe_frame_push_args(tstate, func, co, args, nargs);
}

/* The index of parameter `name` among names[from, to), or -1: by
 * identity (names are interned as a rule), then by equality (both are
 * exact str: no Python code runs). */
static int param_index(PyObject *const *names, int from, int to, PyObject *name)
{
    for (int j = from; j < to; j++)
        if (names[j] == name)
            return j;
    for (int j = from; j < to; j++)
        if (_PyUnicode_EQ(names[j], name))
            return j;
    return -1;
}

_PyInterpreterFrame *fe_frame_bind(PyThreadState *tstate, PyFunctionObject *func,
                                   PyObject *const *args, int nargs, PyObject *const *kwnames,
                                   PyObject *const *kwvalues, int nkw, fe_jitcode **jcp)
{
    PyCodeObject *co = (PyCodeObject *)func->func_code;
    int flags = co->co_flags;
    if ((flags & (CO_COROUTINE | CO_ASYNC_GENERATOR | CO_OPTIMIZED)) != CO_OPTIMIZED ||
        !fe_frame_room(tstate, fe_frame_words(co)))
        return NULL;
    bool varargs = (flags & CO_VARARGS) != 0, varkw = (flags & CO_VARKEYWORDS) != 0;
    int argcount = co->co_argcount, total = argcount + co->co_kwonlyargcount;
    if (nargs > argcount && !varargs)
        return NULL;   /* too many positional arguments */
    fe_jitcode *jc = fe_jitcode_peek(co);
    if (jc == NULL && (jc = fe_jitcode_get(co)) == NULL) {
        PyErr_Clear();
        return NULL;
    }
    *jcp = jc;
    _PyInterpreterFrame *f = fe_frame_specials(tstate, (PyFunctionObject *)Py_NewRef(func), co);
    PyObject **locals = f->localsplus;
    for (int k = 0; k < co->co_nlocalsplus; k++)
        locals[k] = NULL;
    int n = nargs < argcount ? nargs : argcount;
    for (int k = 0; k < n; k++)
        locals[k] = Py_NewRef(args[k]);
    if (varargs) {
        PyObject *t = locals[total] = PyTuple_New(nargs - n);
        if (t == NULL)
            goto fail;
        for (int k = n; k < nargs; k++)
            PyTuple_SET_ITEM(t, k - n, Py_NewRef(args[k]));
    }
    PyObject *kwdict = NULL;
    if (varkw && (kwdict = locals[total + varargs] = PyDict_New()) == NULL)
        goto fail;
    PyObject *const *names = &PyTuple_GET_ITEM(co->co_localsplusnames, 0);
    for (int k = 0; k < nkw; k++) {
        PyObject *name = kwnames[k];
        if (!PyUnicode_CheckExact(name))
            goto fail;
        int j = param_index(names, co->co_posonlyargcount, total, name);
        if (j >= 0) {
            if (locals[j] != NULL)
                goto fail;   /* given twice */
            locals[j] = Py_NewRef(kwvalues[k]);
        } else if (kwdict == NULL || PyDict_SetItem(kwdict, name, kwvalues[k]) < 0) {
            goto fail;   /* no such parameter */
        }
    }
    if (n < argcount) {
        PyObject *defaults = func->func_defaults;
        int first = argcount - (defaults != NULL ? (int)PyTuple_GET_SIZE(defaults) : 0);
        for (int k = n; k < argcount; k++) {
            if (locals[k] != NULL)
                continue;
            if (k < first)
                goto fail;   /* missing */
            locals[k] = Py_NewRef(PyTuple_GET_ITEM(defaults, k - first));
        }
    }
    for (int k = argcount; k < total; k++) {
        if (locals[k] != NULL)
            continue;
        PyObject *d = func->func_kwdefaults;
        if (d == NULL || (d = PyDict_GetItemWithError(d, names[k])) == NULL)
            goto fail;   /* missing keyword-only argument */
        locals[k] = Py_NewRef(d);
    }
    return f;
fail:
    /* (the generic call binds again and raises CPython's error) */
    PyErr_Clear();
    fe_frame_pop(tstate, f);
    return NULL;
}

/* Most arguments CALL_FUNCTION_EX binds inline (on the C stack). */
#define FE_BIND_EX_MAX 16

_PyInterpreterFrame *fe_frame_bind_ex(PyThreadState *tstate, PyObject *callable,
                                      PyObject *callargs, PyObject *kwargs, fe_jitcode **jcp)
{
    PyObject *args[FE_BIND_EX_MAX], *names[FE_BIND_EX_MAX], *values[FE_BIND_EX_MAX];
    int nargs = 0, nkw = 0;
    if (Py_TYPE(callable) == &PyMethod_Type) {
        args[nargs++] = PyMethod_GET_SELF(callable);
        callable = PyMethod_GET_FUNCTION(callable);
    }
    if (Py_TYPE(callable) != &PyFunction_Type ||
        PyTuple_GET_SIZE(callargs) > FE_BIND_EX_MAX - nargs ||
        (kwargs != NULL && PyDict_GET_SIZE(kwargs) > FE_BIND_EX_MAX))
        return NULL;
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(callargs); k++)
        args[nargs++] = PyTuple_GET_ITEM(callargs, k);
    if (kwargs != NULL) {
        Py_ssize_t pos = 0;
        PyObject *key, *value;
        while (PyDict_Next(kwargs, &pos, &key, &value)) {
            names[nkw] = key;
            values[nkw++] = value;
        }
    }
    return fe_frame_bind(tstate, (PyFunctionObject *)callable, args, nargs, names, values, nkw,
                         jcp);
}

PyGenObject *fe_new_generator(PyFunctionObject *func)
{
    PyCodeObject *co = (PyCodeObject *)func->func_code;
    PyGenObject *gen = PyObject_GC_NewVar(PyGenObject, &PyGen_Type,
                                          co->co_nlocalsplus + co->co_stacksize);
    if (gen == NULL)
        return NULL;
    gen->gi_code = (PyCodeObject *)Py_NewRef(co);
    gen->gi_weakreflist = NULL;
    gen->gi_name = Py_NewRef(func->func_name);
    gen->gi_qualname = Py_NewRef(func->func_qualname);
    gen->gi_exc_state.exc_value = NULL;
    gen->gi_exc_state.previous_item = NULL;
    gen->gi_origin_or_finalizer = NULL;
    gen->gi_hooks_inited = gen->gi_closed = gen->gi_running_async = 0;
    gen->gi_frame_state = FRAME_CLEARED;
    PyObject_GC_Track(gen);
    return gen;
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
    f->is_entry = true;   /* FE_SPECIAL_RETURN */
    *framep = f;
    return 1;
}

_PyInterpreterFrame *fe_frame_init(PyThreadState *tstate, PyFunctionObject *func)
{
    PyCodeObject *co = (PyCodeObject *)func->func_code;
    _PyInterpreterFrame *f = fe_frame_specials(tstate, func, co);
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

void fe_frame_pop_slow(PyThreadState *tstate, _PyInterpreterFrame *frame)
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
