/* frontend/interp_support: the slower pieces of opcodes, kept out of the
 * interpreter loop. Each raises exactly CPython 3.11's exceptions and
 * messages for the same inputs. */
#ifndef JIT_FE_INTERP_SUPPORT_H
#define JIT_FE_INTERP_SUPPORT_H

#include "cpython.h"

PyObject *fe_power(PyObject *a, PyObject *b);
PyObject *fe_inplace_power(PyObject *a, PyObject *b);
/* 1 and a new reference in *v; 0 when not found (nothing raised, so
 * CPython can raise its NameError); -1 with an exception set. */
int fe_load_name(_PyInterpreterFrame *frame, PyObject *name, PyObject **v);
int fe_list_extend(PyObject *list, PyObject *iterable);
int fe_dict_update(PyObject *dict, PyObject *update);
int fe_dict_merge(PyObject *dict, PyObject *update, PyObject *func);
/* Steals value and spec (spec may be NULL). */
PyObject *fe_format_value(PyObject *value, int conversion, PyObject *spec);
PyObject *fe_import_name(_PyInterpreterFrame *frame, PyObject *name, PyObject *fromlist,
                         PyObject *level);
PyObject *fe_import_from(PyObject *module, PyObject *name);
int fe_lookup_context_manager(PyObject *mgr, PyObject **enter, PyObject **exit);

#endif
