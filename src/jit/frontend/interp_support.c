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
    return mapping_get(frame->f_builtins, name, v);
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
