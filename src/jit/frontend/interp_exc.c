/* frontend/interp_exc: exceptions in the own interpreter (interp_exc.h).
 * The exception table's format is that of CPython 3.11's
 * Objects/exception_handling_notes.txt: entries of four varints (start,
 * size, target, depth << 1 | lasti), in code units, sorted by start; the
 * first byte of an entry has bit 7 set, bit 6 continues a varint, and the
 * low six bits carry the value, most significant chunk first. */
#include "interp_exc.h"

static const unsigned char *read_varint(const unsigned char *p, int *v)
{
    int x = *p & 63;
    while (*p & 64) {
        p++;
        x = (x << 6) | (*p & 63);
    }
    *v = x;
    return p + 1;
}

bool fe_exception_handler(PyCodeObject *co, int index, int *handler, int *level, bool *lasti)
{
    const unsigned char *p = (const unsigned char *)PyBytes_AS_STRING(co->co_exceptiontable);
    const unsigned char *end = p + PyBytes_GET_SIZE(co->co_exceptiontable);
    /* A linear scan: it runs once per exception caught or passing
     * through, next to a traceback entry and an exception object. */
    while (p < end) {
        int start, size, target, depth;
        p = read_varint(p, &start);
        if (start > index)
            return false;
        p = read_varint(p, &size);
        p = read_varint(p, &target);
        p = read_varint(p, &depth);
        if (index < start + size) {
            *handler = target;
            *level = depth >> 1;
            *lasti = depth & 1;
            return true;
        }
    }
    return false;
}

int fe_do_raise(PyObject *exc, PyObject *cause)
{
    if (exc == NULL) {
        /* `raise` alone: the exception being handled, with its traceback */
        PyObject *value = _PyErr_GetTopmostException(_PyThreadState_GET())->exc_value;
        if (value == NULL || value == Py_None) {
            PyErr_SetString(PyExc_RuntimeError, "No active exception to reraise");
            return 0;
        }
        PyErr_Restore(Py_NewRef(PyExceptionInstance_Class(value)), Py_NewRef(value),
                      PyException_GetTraceback(value));
        return 1;
    }
    PyObject *type, *value;
    if (PyExceptionClass_Check(exc)) {
        type = exc;
        value = PyObject_CallNoArgs(exc);
        if (value == NULL)
            goto failed;
        if (!PyExceptionInstance_Check(value)) {
            PyErr_Format(PyExc_TypeError,
                         "calling %R should have returned an instance of BaseException, not %R",
                         type, Py_TYPE(value));
            goto failed;
        }
    } else if (PyExceptionInstance_Check(exc)) {
        value = exc;
        type = Py_NewRef(PyExceptionInstance_Class(exc));
    } else {
        Py_DECREF(exc);
        type = value = NULL;
        PyErr_SetString(PyExc_TypeError, "exceptions must derive from BaseException");
        goto failed;
    }
    if (cause != NULL) {
        PyObject *fixed;   /* stolen by PyException_SetCause */
        if (PyExceptionClass_Check(cause)) {
            fixed = PyObject_CallNoArgs(cause);
            if (fixed == NULL)
                goto failed;
            Py_DECREF(cause);
        } else if (PyExceptionInstance_Check(cause)) {
            fixed = cause;
        } else if (cause == Py_None) {
            Py_DECREF(cause);
            fixed = NULL;
        } else {
            PyErr_SetString(PyExc_TypeError, "exception causes must derive from BaseException");
            goto failed;
        }
        PyException_SetCause(value, fixed);
    }
    PyErr_SetObject(type, value);   /* (chains the context; takes its own references) */
    Py_DECREF(value);
    Py_DECREF(type);
    return 0;
failed:
    Py_XDECREF(value);
    Py_XDECREF(type);
    Py_XDECREF(cause);
    return 0;
}

int fe_check_except_type(PyObject *right)
{
    bool ok = true;
    if (PyTuple_Check(right)) {
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(right) && ok; i++)
            ok = PyExceptionClass_Check(PyTuple_GET_ITEM(right, i));
    } else {
        ok = PyExceptionClass_Check(right);
    }
    if (ok)
        return 0;
    PyErr_SetString(PyExc_TypeError,
                    "catching classes that do not inherit from BaseException is not allowed");
    return -1;
}
