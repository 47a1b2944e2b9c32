/* frontend/interp_support: out-of-line helpers of the own interpreter. */
#include "interp_support.h"

PyObject *fe_power(PyObject *a, PyObject *b)
{
    return PyNumber_Power(a, b, Py_None);
}

PyObject *fe_inplace_power(PyObject *a, PyObject *b)
{
    return PyNumber_InPlacePower(a, b, Py_None);
}

/* Looks name up in a mapping; 1 found, 0 missing, -1 error. */
static int mapping_get(PyObject *map, PyObject *name, PyObject **v)
{
    if (PyDict_CheckExact(map)) {
        *v = PyDict_GetItemWithError(map, name);
        if (*v != NULL) {
            Py_INCREF(*v);
            return 1;
        }
        return PyErr_Occurred() ? -1 : 0;
    }
    *v = PyObject_GetItem(map, name);
    if (*v != NULL)
        return 1;
    if (!PyErr_ExceptionMatches(PyExc_KeyError))
        return -1;
    PyErr_Clear();
    return 0;
}

int fe_load_name(_PyInterpreterFrame *frame, PyObject *name, PyObject **v)
{
    if (frame->f_locals == NULL)
        return 0;  /* CPython raises its SystemError */
    int r = mapping_get(frame->f_locals, name, v);
    if (r != 0)
        return r;
    *v = PyDict_GetItemWithError(frame->f_globals, name);
    if (*v != NULL) {
        Py_INCREF(*v);
        return 1;
    }
    if (PyErr_Occurred())
        return -1;
    r = mapping_get(frame->f_builtins, name, v);
    if (r == 0) {
        /* Raised here, not by handing off: CPython would look the name up
         * again, and a mapping's __getitem__ may have side effects. */
        fe_name_error(name);
        return -1;
    }
    return r;
}

int fe_list_extend(PyObject *list, PyObject *iterable)
{
    PyObject *none = _PyList_Extend((PyListObject *)list, iterable);
    if (none != NULL) {
        Py_DECREF(none);
        return 0;
    }
    if (PyErr_ExceptionMatches(PyExc_TypeError) && Py_TYPE(iterable)->tp_iter == NULL &&
        !PySequence_Check(iterable)) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "Value after * must be an iterable, not %.200s",
                     Py_TYPE(iterable)->tp_name);
    }
    return -1;
}

int fe_dict_update(PyObject *dict, PyObject *update)
{
    if (PyDict_Update(dict, update) == 0)
        return 0;
    if (PyErr_ExceptionMatches(PyExc_AttributeError))
        PyErr_Format(PyExc_TypeError, "'%.200s' object is not a mapping",
                     Py_TYPE(update)->tp_name);
    return -1;
}

int fe_dict_merge(PyObject *dict, PyObject *update, PyObject *func)
{
    if (_PyDict_MergeEx(dict, update, 2) == 0)
        return 0;
    /* Turn the merge's errors into the messages of a call with **. */
    if (PyErr_ExceptionMatches(PyExc_AttributeError)) {
        PyErr_Clear();
        PyObject *fs = _PyObject_FunctionStr(func);
        if (fs != NULL) {
            PyErr_Format(PyExc_TypeError, "%U argument after ** must be a mapping, not %.200s",
                         fs, Py_TYPE(update)->tp_name);
            Py_DECREF(fs);
        }
    } else if (PyErr_ExceptionMatches(PyExc_KeyError)) {
        PyObject *type, *val, *tb;
        PyErr_Fetch(&type, &val, &tb);
        if (val != NULL && PyTuple_Check(val) && PyTuple_GET_SIZE(val) == 1) {
            PyObject *fs = _PyObject_FunctionStr(func);
            if (fs != NULL) {
                PyErr_Format(PyExc_TypeError,
                             "%U got multiple values for keyword argument '%S'", fs,
                             PyTuple_GET_ITEM(val, 0));
                Py_DECREF(fs);
            }
            Py_XDECREF(type);
            Py_XDECREF(val);
            Py_XDECREF(tb);
        } else {
            PyErr_Restore(type, val, tb);
        }
    }
    return -1;
}

PyObject *fe_format_value(PyObject *value, int conversion, PyObject *spec)
{
    PyObject *(*convert)(PyObject *) = NULL;
    switch (conversion) {
    case FVC_NONE: break;
    case FVC_STR: convert = PyObject_Str; break;
    case FVC_REPR: convert = PyObject_Repr; break;
    case FVC_ASCII: convert = PyObject_ASCII; break;
    default:
        PyErr_Format(PyExc_SystemError, "unexpected conversion flag %d", conversion);
        Py_DECREF(value);
        Py_XDECREF(spec);
        return NULL;
    }
    if (convert != NULL) {
        PyObject *converted = convert(value);
        Py_DECREF(value);
        if (converted == NULL) {
            Py_XDECREF(spec);
            return NULL;
        }
        value = converted;
    }
    if (spec == NULL && PyUnicode_CheckExact(value))
        return value;
    PyObject *res = PyObject_Format(value, spec);
    Py_DECREF(value);
    Py_XDECREF(spec);
    return res;
}

PyObject *fe_import_name(_PyInterpreterFrame *frame, PyObject *name, PyObject *fromlist,
                         PyObject *level)
{
    PyObject *import = PyDict_GetItemWithError(frame->f_builtins, &_Py_ID(__import__));
    if (import == NULL) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_ImportError, "__import__ not found");
        return NULL;
    }
    PyObject *locals = frame->f_locals ? frame->f_locals : Py_None;
    if (import == PyInterpreterState_Get()->import_func) {
        int ilevel = _PyLong_AsInt(level);
        if (ilevel == -1 && PyErr_Occurred())
            return NULL;
        return PyImport_ImportModuleLevelObject(name, frame->f_globals, locals, fromlist,
                                                ilevel);
    }
    Py_INCREF(import);
    PyObject *args[5] = {name, frame->f_globals, locals, fromlist, level};
    PyObject *res = PyObject_Vectorcall(import, args, 5, NULL);
    Py_DECREF(import);
    return res;
}

/* `from module import name` when the attribute is missing: a submodule
 * being imported may be in sys.modules only (circular imports). The
 * ImportError and its message are CPython's. */
static PyObject *import_from_missing(PyObject *module, PyObject *name)
{
    PyObject *pkgname = PyObject_GetAttr(module, &_Py_ID(__name__));
    if (pkgname != NULL && !PyUnicode_Check(pkgname))
        Py_CLEAR(pkgname);
    if (pkgname != NULL) {
        PyObject *fullname = PyUnicode_FromFormat("%U.%U", pkgname, name);
        if (fullname == NULL) {
            Py_DECREF(pkgname);
            return NULL;
        }
        PyObject *x = PyImport_GetModule(fullname);
        Py_DECREF(fullname);
        if (x != NULL || PyErr_Occurred()) {
            Py_DECREF(pkgname);
            return x;
        }
    }
    PyObject *pkgpath = PyModule_GetFilenameObject(module);
    PyObject *shown = pkgname ? Py_NewRef(pkgname) : PyUnicode_FromString("<unknown module name>");
    if (shown == NULL) {
        Py_XDECREF(pkgpath);
        return NULL;
    }
    PyObject *msg;
    if (pkgpath == NULL || !PyUnicode_Check(pkgpath)) {
        PyErr_Clear();
        msg = PyUnicode_FromFormat("cannot import name %R from %R (unknown location)",
                                   name, shown);
        if (msg != NULL)
            PyErr_SetImportError(msg, pkgname, NULL);
    } else {
        PyObject *spec = PyObject_GetAttr(module, &_Py_ID(__spec__));
        bool initializing = _PyModuleSpec_IsInitializing(spec) > 0;
        Py_XDECREF(spec);
        msg = initializing
            ? PyUnicode_FromFormat("cannot import name %R from partially initialized module "
                                   "%R (most likely due to a circular import) (%S)",
                                   name, shown, pkgpath)
            : PyUnicode_FromFormat("cannot import name %R from %R (%S)", name, shown, pkgpath);
        if (msg != NULL)
            PyErr_SetImportError(msg, pkgname, pkgpath);
    }
    Py_XDECREF(msg);
    Py_DECREF(shown);
    Py_XDECREF(pkgname);
    Py_XDECREF(pkgpath);
    return NULL;
}

PyObject *fe_import_from(PyObject *module, PyObject *name)
{
    PyObject *x;
    if (_PyObject_LookupAttr(module, name, &x) != 0)
        return x;  /* found, or an error other than AttributeError */
    return import_from_missing(module, name);
}

int fe_lookup_context_manager(PyObject *mgr, PyObject **enter, PyObject **exit)
{
    *enter = _PyObject_LookupSpecial(mgr, &_Py_ID(__enter__));
    if (*enter == NULL) {
        if (!PyErr_Occurred())
            PyErr_Format(PyExc_TypeError,
                         "'%.200s' object does not support the context manager protocol",
                         Py_TYPE(mgr)->tp_name);
        return -1;
    }
    *exit = _PyObject_LookupSpecial(mgr, &_Py_ID(__exit__));
    if (*exit == NULL) {
        if (!PyErr_Occurred())
            PyErr_Format(PyExc_TypeError,
                         "'%.200s' object does not support the context manager protocol "
                         "(missed __exit__ method)",
                         Py_TYPE(mgr)->tp_name);
        Py_CLEAR(*enter);
        return -1;
    }
    return 0;
}

/* As CPython's format_exc_check_arg: the traceback printer offers "Did you
 * mean" from the NameError's .name attribute. */
static void set_name_attribute(PyObject *name)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (PyErr_GivenExceptionMatches(value, PyExc_NameError) &&
        ((PyNameErrorObject *)value)->name == NULL)
        (void)PyObject_SetAttr(value, &_Py_ID(name), name);  /* failure ignored, as CPython */
    PyErr_Restore(type, value, tb);
}

void fe_name_error(PyObject *name)
{
    const char *s = PyUnicode_AsUTF8(name);
    if (s == NULL)
        return;
    PyErr_Format(PyExc_NameError, "name '%.200s' is not defined", s);
    set_name_attribute(name);
}

void fe_unbound_error(PyCodeObject *co, int oparg)
{
    if (PyErr_Occurred())
        return;
    PyObject *name = PyTuple_GET_ITEM(co->co_localsplusnames, oparg);
    const char *s = PyUnicode_AsUTF8(name);
    if (s == NULL)
        return;
    if (oparg < co->co_nplaincellvars + co->co_nlocals) {
        PyErr_Format(PyExc_UnboundLocalError,
                     "cannot access local variable '%s' where it is not associated with a value",
                     s);
        return;
    }
    PyErr_Format(PyExc_NameError,
                 "cannot access free variable '%s' where it is not associated with a value "
                 "in enclosing scope", s);
    set_name_attribute(name);
}

int fe_unpack_iterable(PyObject *v, int before, int after, PyObject **top)
{
    PyObject **out = top;   /* values written so far: out[0 .. top-out) */
    PyObject *it = PyObject_GetIter(v);
    if (it == NULL) {
        if (PyErr_ExceptionMatches(PyExc_TypeError) && Py_TYPE(v)->tp_iter == NULL &&
            !PySequence_Check(v))
            PyErr_Format(PyExc_TypeError, "cannot unpack non-iterable %.200s object",
                         Py_TYPE(v)->tp_name);
        return -1;
    }
    for (int got = 0; got < before; got++) {
        PyObject *w = PyIter_Next(it);
        if (w == NULL) {
            if (!PyErr_Occurred()) {
                if (after < 0)
                    PyErr_Format(PyExc_ValueError,
                                 "not enough values to unpack (expected %d, got %d)",
                                 before, got);
                else
                    PyErr_Format(PyExc_ValueError,
                                 "not enough values to unpack (expected at least %d, got %d)",
                                 before + after, got);
            }
            goto fail;
        }
        *--out = w;
    }
    if (after < 0) {
        PyObject *w = PyIter_Next(it);
        if (w == NULL) {
            if (PyErr_Occurred())
                goto fail;
            Py_DECREF(it);
            return 0;
        }
        Py_DECREF(w);
        PyErr_Format(PyExc_ValueError, "too many values to unpack (expected %d)", before);
        goto fail;
    }
    PyObject *rest = PySequence_List(it);
    if (rest == NULL)
        goto fail;
    *--out = rest;
    Py_ssize_t n = PyList_GET_SIZE(rest);
    if (n < after) {
        PyErr_Format(PyExc_ValueError,
                     "not enough values to unpack (expected at least %d, got %zd)",
                     before + after, before + n);
        goto fail;
    }
    /* The last `after` items move from the list to the stack, keeping their
     * references; the list is shortened in place. */
    for (int k = after; k > 0; k--)
        *--out = PyList_GET_ITEM(rest, n - k);
    Py_SET_SIZE(rest, n - after);
    Py_DECREF(it);
    return 0;

fail:
    /* CPython's order: the values last unpacked first, then the iterator. */
    while (out < top)
        Py_DECREF(*out++);
    Py_DECREF(it);
    return -1;
}

/* CPython builds dict displays with _PyDict_FromItems (not exported): it
 * presizes the dict, with a str-only key table when every key is an exact
 * str. The table kind and size show in sys.getsizeof, so we build the same
 * dict: _PyStack_AsDict is the exported way to that function; it takes the
 * keys as a tuple and the values contiguous. */
static bool all_str(PyObject *const *keys, Py_ssize_t stride, Py_ssize_t n)
{
    for (Py_ssize_t k = 0; k < n; k++)
        if (!PyUnicode_CheckExact(keys[k * stride]))
            return false;
    return true;
}

/* Up to 5 items both start at the minimum size. */
#define FE_MIN_PRESIZED 5

PyObject *fe_build_const_key_map(PyObject *keys, PyObject *const *values)
{
    Py_ssize_t n = PyTuple_GET_SIZE(keys);
    if (n > FE_MIN_PRESIZED && all_str(&PyTuple_GET_ITEM(keys, 0), 1, n))
        return _PyStack_AsDict(values, keys);
    PyObject *d = _PyDict_NewPresized(n);
    for (Py_ssize_t k = 0; d != NULL && k < n; k++) {
        if (PyDict_SetItem(d, PyTuple_GET_ITEM(keys, k), values[k]) < 0)
            Py_CLEAR(d);
    }
    return d;
}

PyObject *fe_build_map(PyObject *const *items, Py_ssize_t n)
{
    if (n > FE_MIN_PRESIZED && all_str(items, 2, n)) {
        PyObject *keys = PyTuple_New(n);
        PyObject **values = PyMem_Malloc((size_t)n * sizeof(PyObject *));
        PyObject *d = NULL;
        if (keys != NULL && values != NULL) {
            for (Py_ssize_t k = 0; k < n; k++) {
                PyTuple_SET_ITEM(keys, k, Py_NewRef(items[2 * k]));
                values[k] = items[2 * k + 1];
            }
            d = _PyStack_AsDict(values, keys);
        } else {
            PyErr_NoMemory();
        }
        Py_XDECREF(keys);
        PyMem_Free(values);
        return d;
    }
    PyObject *d = _PyDict_NewPresized(n);
    for (Py_ssize_t k = 0; d != NULL && k < n; k++) {
        if (PyDict_SetItem(d, items[2 * k], items[2 * k + 1]) < 0)
            Py_CLEAR(d);
    }
    return d;
}
