/* backend/x64/x64_pyobj: the few CPython object-layout facts the lowering
 * needs (py_incref/py_decref, guard_class, arraylen_gc), gathered here so
 * that the rest of the backend stays free of Python.h. */
#ifndef JIT_X64_PYOBJ_H
#define JIT_X64_PYOBJ_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    int32_t refcnt_offset; /* PyObject.ob_refcnt */
    int32_t type_offset;   /* PyObject.ob_type (guard_class) */
    int32_t size_offset;   /* PyVarObject.ob_size (arraylen_gc) */
    void (*dealloc)(void *);  /* _Py_Dealloc: refcount reached zero */
    void (*incref)(void *);   /* Py_IncRef, Py_DecRef: used instead of inline */
    void (*decref)(void *);   /* code when debug_refs (Py_DEBUG's _Py_RefTotal) */
    void *(*err_occurred)(void); /* PyErr_Occurred (guard_no_exception) */
    bool debug_refs;
} x64_pyobj_info;

extern const x64_pyobj_info x64_pyobj;

#endif
