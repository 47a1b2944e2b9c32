/* frontend/interp_support: the slower pieces of opcodes, kept out of the
 * interpreter loop. Each raises exactly CPython 3.11's exceptions and
 * messages for the same inputs. */
#ifndef JIT_FE_INTERP_SUPPORT_H
#define JIT_FE_INTERP_SUPPORT_H

#include "cpython.h"

PyObject *fe_power(PyObject *a, PyObject *b);
PyObject *fe_inplace_power(PyObject *a, PyObject *b);
/* 1 and a new reference in *v; -1 with an exception set (NameError when
 * not found); 0 when the frame has no locals (nothing raised, nothing
 * looked up: CPython raises its SystemError). */
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
/* Raises CPython's NameError "name 'x' is not defined", with .name set. */
void fe_name_error(PyObject *name);
/* Raises the UnboundLocalError / NameError of an empty local, cell or free
 * variable slot `oparg`, unless an exception is already set. */
void fe_unbound_error(PyCodeObject *co, int oparg);
/* Unpacks `v` into `before` values, then (after >= 0) a list of the rest
 * and `after` more values, writing them downwards from `top` (exclusive),
 * so the first value ends up highest on the stack. 0 on success, -1 with
 * an exception set and nothing left written. */
int fe_unpack_iterable(PyObject *v, int before, int after, PyObject **top);
/* The dicts of BUILD_CONST_KEY_MAP (keys: a tuple; values: contiguous) and
 * BUILD_MAP (items: key, value, key, value...), sized and laid out as
 * CPython builds them (observable via sys.getsizeof). New reference or
 * NULL with an exception set; nothing is stolen. */
PyObject *fe_build_const_key_map(PyObject *keys, PyObject *const *values);
PyObject *fe_build_map(PyObject *const *items, Py_ssize_t n);

#endif
