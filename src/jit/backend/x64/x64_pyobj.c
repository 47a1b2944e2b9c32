/* backend/x64/x64_pyobj: CPython facts for the lowering (see x64_pyobj.h).
 * Calls go through these addresses, so the compiled code follows whatever
 * interpreter (release or Py_DEBUG) the extension was built for. */
#include <Python.h>
#include <stddef.h>
#include "x64_pyobj.h"

static void dealloc(void *op) { _Py_Dealloc((PyObject *)op); }
static void incref(void *op) { Py_IncRef((PyObject *)op); }
static void decref(void *op) { Py_DecRef((PyObject *)op); }
static void *err_occurred(void) { return PyErr_Occurred(); }

const x64_pyobj_info x64_pyobj = {
    .refcnt_offset = offsetof(PyObject, ob_refcnt),
    .type_offset = offsetof(PyObject, ob_type),
    .size_offset = offsetof(PyVarObject, ob_size),
    .dealloc = dealloc,
    .incref = incref,
    .decref = decref,
    .err_occurred = err_occurred,
#ifdef Py_DEBUG
    .debug_refs = true,
#else
    .debug_refs = false,
#endif
};
