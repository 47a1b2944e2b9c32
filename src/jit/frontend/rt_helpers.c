/* frontend/rt_helpers: the C functions compiled code calls -- residual
 * calls into CPython, boxing, the checks made after a call, and pushing
 * the frames of inlined calls around a call that may look at them. Their
 * addresses go into traces as call targets; they run with the GIL held. */
#include "rt_helpers.h"
#include "eval.h"
#include "frames.h"
#include "interp_support.h"
#include "specialize.h"
#include "internal/pycore_dict.h"

/* A Python function's call goes straight to its frame (fe_call_direct);
 * anything else through vectorcall. */
static inline PyObject *call(PyObject *f, PyObject *const *args, int n)
{
    if (Py_TYPE(f) == &PyFunction_Type) {
        bool done;
        PyObject *res = fe_call_direct((PyFunctionObject *)f, args, n, &done);
        if (done)
            return res;
    }
    return PyObject_Vectorcall(f, args, (size_t)n, NULL);
}

PyObject *fe_rt_call0(PyObject *f)
{
    return call(f, NULL, 0);
}

PyObject *fe_rt_call1(PyObject *f, PyObject *a)
{
    PyObject *args[1] = {a};
    return call(f, args, 1);
}

PyObject *fe_rt_call2(PyObject *f, PyObject *a, PyObject *b)
{
    PyObject *args[2] = {a, b};
    return call(f, args, 2);
}

PyObject *fe_rt_call3(PyObject *f, PyObject *a, PyObject *b, PyObject *c)
{
    PyObject *args[3] = {a, b, c};
    return call(f, args, 3);
}

PyObject *fe_rt_call4(PyObject *f, PyObject *a, PyObject *b, PyObject *c, PyObject *d)
{
    PyObject *args[4] = {a, b, c, d};
    return call(f, args, 4);
}

PyObject *fe_rt_call_vec(PyObject *f, PyObject *kwnames, PyObject *a0, PyObject *a1, PyObject *a2,
                         PyObject *a3, PyObject *a4, PyObject *a5, PyObject *a6, PyObject *a7,
                         PyObject *a8, PyObject *a9, int64_t n)
{
    PyObject *args[FE_RT_CALL_MAX] = {a0, a1, a2, a3, a4, a5, a6, a7, a8, a9};
    size_t npos = (size_t)n - (kwnames != NULL ? (size_t)PyTuple_GET_SIZE(kwnames) : 0);
    return PyObject_Vectorcall(f, args, npos, kwnames);
}

PyObject *fe_rt_build_slice(PyObject *start, PyObject *stop, PyObject *step)
{
    return PySlice_New(start, stop, step);
}

int64_t fe_rt_list_extend(PyObject *list, PyObject *seq)
{
    PyObject *none = _PyList_Extend((PyListObject *)list, seq);
    if (none == NULL)
        return -1;
    Py_DECREF(none);
    return 0;
}

int64_t fe_rt_set_add(PyObject *set, PyObject *item)
{
    return PySet_Add(set, item);
}

int64_t fe_rt_map_add(PyObject *map, PyObject *key, PyObject *value)
{
    return PyDict_SetItem(map, key, value);
}

int64_t fe_rt_list_append(PyObject *list, PyObject *item)
{
    return PyList_Append(list, item);
}

PyObject *fe_rt_box_int(int64_t v)
{
    return PyLong_FromLongLong(v);
}

int64_t fe_rt_unbox_int2(PyObject *o)
{
    /* 3.11's ints: ob_size digits of PyLong_SHIFT (30) bits, its sign the number's */
    Py_ssize_t size = Py_SIZE(o);
    const digit *d = ((PyLongObject *)o)->ob_digit;
    switch (size) {
    case 0: return 0;
    case 1: return (int64_t)d[0];
    case -1: return -(int64_t)d[0];
    case 2: return (int64_t)d[0] | (int64_t)d[1] << PyLong_SHIFT;
    case -2: return -((int64_t)d[0] | (int64_t)d[1] << PyLong_SHIFT);
    default: return FE_RT_NOT_UNBOXED;
    }
}

PyObject *fe_rt_box_float(double v)
{
    return PyFloat_FromDouble(v);
}

PyObject *fe_rt_box_bool(int64_t v)
{
    return Py_NewRef(v ? Py_True : Py_False);
}

PyObject *fe_rt_getattr(PyObject *o, PyObject *name)
{
    return PyObject_GetAttr(o, name);
}

int64_t fe_rt_setattr(PyObject *o, PyObject *name, PyObject *v)
{
    return PyObject_SetAttr(o, name, v);
}

PyObject *fe_rt_getitem(PyObject *o, PyObject *key)
{
    return PyObject_GetItem(o, key);
}

int64_t fe_rt_setitem(PyObject *o, PyObject *key, PyObject *v)
{
    return PyObject_SetItem(o, key, v);
}

PyObject *fe_rt_binop(PyObject *a, PyObject *b, int64_t op)
{
    return fe_binary_op((int)op, a, b);
}

PyObject *fe_rt_compare(PyObject *a, PyObject *b, int64_t op)
{
    return PyObject_RichCompare(a, b, (int)op);
}

PyObject *fe_rt_contains(PyObject *item, PyObject *container, int64_t invert)
{
    int r = PySequence_Contains(container, item);
    if (r < 0)
        return NULL;
    return Py_NewRef((r ^ (int)invert) ? Py_True : Py_False);
}

int64_t fe_rt_truth(PyObject *o)
{
    return PyObject_IsTrue(o);
}

PyObject *fe_rt_iternext(PyObject *it)
{
    PyObject *v = (*Py_TYPE(it)->tp_iternext)(it);
    if (v == NULL && PyErr_Occurred() && PyErr_ExceptionMatches(PyExc_StopIteration))
        PyErr_Clear();  /* exhausted, as FOR_ITER treats it */
    return v;
}

PyObject **fe_rt_push_frame(PyFunctionObject *func, int64_t prev_instr)
{
    PyThreadState *tstate = PyThreadState_Get();
    _PyInterpreterFrame *f = fe_frame_init(tstate, (PyFunctionObject *)Py_NewRef(func));
    f->prev_instr = (_Py_CODEUNIT *)(uintptr_t)prev_instr;
    f->previous = tstate->cframe->current_frame;
    tstate->cframe->current_frame = f;
    tstate->recursion_remaining--;
    return f->localsplus;
}

void fe_rt_pop_frames(int64_t n)
{
    PyThreadState *tstate = PyThreadState_Get();
    /* (any exception the call raised stays pending meanwhile: clearing a
     * frame never loses one) */
    while (n-- > 0) {
        _PyInterpreterFrame *f = tstate->cframe->current_frame;
        tstate->cframe->current_frame = f->previous;
        tstate->recursion_remaining++;
        fe_frame_pop(tstate, f);
    }
}

PyObject *fe_rt_build(int64_t list_n, PyObject *a0, PyObject *a1, PyObject *a2, PyObject *a3,
                      PyObject *a4, PyObject *a5, PyObject *a6, PyObject *a7, PyObject *a8,
                      PyObject *a9, PyObject *a10, PyObject *a11)
{
    PyObject *items[FE_RT_BUILD_MAX] = {a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11};
    Py_ssize_t n = (Py_ssize_t)(list_n >> 1);
    PyObject *o = list_n & 1 ? PyList_New(n) : PyTuple_New(n);
    if (o == NULL) {
        PyErr_Clear();  /* the interpreter builds it again, and raises */
        return NULL;
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        if (list_n & 1)
            PyList_SET_ITEM(o, k, Py_NewRef(items[k]));
        else
            PyTuple_SET_ITEM(o, k, Py_NewRef(items[k]));
    }
    return o;
}

void fe_rt_values_add_order(PyDictValues *values, int64_t index)
{
    _PyDictValues_AddToInsertionOrder(values, (Py_ssize_t)index);
}

PyObject *fe_rt_new_instance(PyTypeObject *tp)
{
    PyObject *o = fe_new_instance(tp);
    if (o == NULL)
        PyErr_Clear();  /* the interpreter makes the call again, and raises */
    return o;
}

int64_t fe_rt_dict_lacks(PyObject *d, PyObject *name)
{
    return fe_dict_lacks((PyDictObject *)d, name);
}

PyObject *fe_rt_dict_replace(PyObject *d, PyObject *name, PyObject *value)
{
    PyObject *old = _PyDict_GetItem_KnownHash(d, name, ((PyASCIIObject *)name)->hash);
    Py_XINCREF(old);
    if (PyDict_SetItem(d, name, value) < 0) {
        Py_XDECREF(old);
        return NULL;
    }
    return old != NULL ? old : Py_NewRef(Py_None);
}

PyObject *fe_rt_format_value(PyObject *value, PyObject *spec, int64_t flags)
{
    return fe_format_value(Py_NewRef(value), (int)(flags & FVC_MASK), Py_XNewRef(spec));
}

PyObject *fe_rt_build_string(PyObject *a0, PyObject *a1, PyObject *a2, PyObject *a3,
                             PyObject *a4, PyObject *a5, PyObject *a6, PyObject *a7,
                             PyObject *a8, PyObject *a9, PyObject *a10, PyObject *a11,
                             int64_t n)
{
    PyObject *items[FE_RT_BUILD_STRING_MAX] = {a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11};
    return _PyUnicode_JoinArray(&_Py_STR(empty), items, (Py_ssize_t)n);
}

PyObject *fe_rt_build_map(PyObject *k0, PyObject *v0, PyObject *k1, PyObject *v1, PyObject *k2,
                          PyObject *v2, PyObject *k3, PyObject *v3, PyObject *k4, PyObject *v4,
                          int64_t n)
{
    PyObject *items[2 * FE_RT_BUILD_MAP_MAX] = {k0, v0, k1, v1, k2, v2, k3, v3, k4, v4};
    return fe_build_map(items, (Py_ssize_t)n);
}

PyObject *fe_rt_build_const_key_map(PyObject *keys, PyObject *v0, PyObject *v1, PyObject *v2,
                                    PyObject *v3, PyObject *v4, PyObject *v5, PyObject *v6,
                                    PyObject *v7, PyObject *v8, PyObject *v9)
{
    PyObject *values[FE_RT_CONST_KEY_MAP_MAX] = {v0, v1, v2, v3, v4, v5, v6, v7, v8, v9};
    return fe_build_const_key_map(keys, values);
}

int64_t fe_rt_delitem(PyObject *container, PyObject *sub)
{
    return PyObject_DelItem(container, sub);
}

PyObject *fe_rt_make_function(PyObject *code, PyObject *globals, PyObject *closure,
                              PyObject *annotations, PyObject *kwdefaults, PyObject *defaults)
{
    PyFunctionObject *func = (PyFunctionObject *)PyFunction_New(code, globals);
    if (func == NULL)
        return NULL;
    func->func_closure = Py_XNewRef(closure);
    func->func_annotations = Py_XNewRef(annotations);
    func->func_kwdefaults = Py_XNewRef(kwdefaults);
    func->func_defaults = Py_XNewRef(defaults);
    return (PyObject *)func;
}

int64_t fe_rt_dict_update(PyObject *dict, PyObject *update)
{
    return fe_dict_update(dict, update);
}

int64_t fe_rt_dict_merge(PyObject *dict, PyObject *update, PyObject *func)
{
    return fe_dict_merge(dict, update, func);
}

PyObject *fe_rt_call_ex(PyObject *func, PyObject *args, PyObject *kwargs)
{
    return PyObject_Call(func, args, kwargs);
}
