/* frontend/rt_helpers: C functions called from compiled code. */
#ifndef JIT_FE_RT_HELPERS_H
#define JIT_FE_RT_HELPERS_H

#include "cpython.h"

PyObject *fe_rt_call0(PyObject *f);
PyObject *fe_rt_call1(PyObject *f, PyObject *a);
PyObject *fe_rt_call2(PyObject *f, PyObject *a, PyObject *b);
PyObject *fe_rt_call3(PyObject *f, PyObject *a, PyObject *b, PyObject *c);
PyObject *fe_rt_call4(PyObject *f, PyObject *a, PyObject *b, PyObject *c, PyObject *d);
PyObject *fe_rt_box_int(int64_t v);
PyObject *fe_rt_box_float(double v);
PyObject *fe_rt_box_bool(int64_t v);
int64_t fe_rt_use_tracing(void);

#endif
