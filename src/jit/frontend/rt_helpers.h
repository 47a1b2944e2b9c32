/* frontend/rt_helpers: C functions called from compiled code. */
#ifndef JIT_FE_RT_HELPERS_H
#define JIT_FE_RT_HELPERS_H

#include "cpython.h"
#include "internal/pycore_dict.h"

PyObject *fe_rt_call0(PyObject *f);
PyObject *fe_rt_call1(PyObject *f, PyObject *a);
PyObject *fe_rt_call2(PyObject *f, PyObject *a, PyObject *b);
PyObject *fe_rt_call3(PyObject *f, PyObject *a, PyObject *b, PyObject *c);
PyObject *fe_rt_call4(PyObject *f, PyObject *a, PyObject *b, PyObject *c, PyObject *d);
/* A call with up to FE_RT_CALL_MAX arguments, the last ones named by
 * `kwnames` (NULL: none), as CALL after KW_NAMES; unused arguments NULL. */
#define FE_RT_CALL_MAX 10
PyObject *fe_rt_call_vec(PyObject *f, PyObject *kwnames, PyObject *a0, PyObject *a1, PyObject *a2,
                         PyObject *a3, PyObject *a4, PyObject *a5, PyObject *a6, PyObject *a7,
                         PyObject *a8, PyObject *a9, int64_t n);
/* FORMAT_VALUE: `value` formatted with `flags`' conversion and `spec`
 * (NULL: none). */
PyObject *fe_rt_format_value(PyObject *value, PyObject *spec, int64_t flags);
/* BUILD_STRING of the first n (at most FE_RT_BUILD_STRING_MAX) strs. */
#define FE_RT_BUILD_STRING_MAX 12
PyObject *fe_rt_build_string(PyObject *a0, PyObject *a1, PyObject *a2, PyObject *a3,
                             PyObject *a4, PyObject *a5, PyObject *a6, PyObject *a7,
                             PyObject *a8, PyObject *a9, PyObject *a10, PyObject *a11,
                             int64_t n);
/* BUILD_MAP of the first n (at most FE_RT_BUILD_MAP_MAX) key/value pairs,
 * and BUILD_CONST_KEY_MAP of `keys` (a tuple of n) and the first n
 * values. */
#define FE_RT_BUILD_MAP_MAX 5
PyObject *fe_rt_build_map(PyObject *k0, PyObject *v0, PyObject *k1, PyObject *v1, PyObject *k2,
                          PyObject *v2, PyObject *k3, PyObject *v3, PyObject *k4, PyObject *v4,
                          int64_t n);
#define FE_RT_CONST_KEY_MAP_MAX 10
PyObject *fe_rt_build_const_key_map(PyObject *keys, PyObject *v0, PyObject *v1, PyObject *v2,
                                    PyObject *v3, PyObject *v4, PyObject *v5, PyObject *v6,
                                    PyObject *v7, PyObject *v8, PyObject *v9);
/* DICT_UPDATE ({**a, ...}) and DICT_MERGE (f(**a, ...), whose error
 * messages name the callable `func`): 0, or -1 with an exception set. */
int64_t fe_rt_dict_update(PyObject *dict, PyObject *update);
int64_t fe_rt_dict_merge(PyObject *dict, PyObject *update, PyObject *func);
/* CALL_FUNCTION_EX with an exact tuple of arguments and an exact dict of
 * keywords (or NULL). */
PyObject *fe_rt_call_ex(PyObject *func, PyObject *args, PyObject *kwargs);
/* DELETE_SUBSCR: 0, or -1 with an exception set. */
int64_t fe_rt_delitem(PyObject *container, PyObject *sub);
/* MAKE_FUNCTION: a function of `code` in `globals`, with the parts
 * MAKE_FUNCTION's flags say (NULL: absent). Runs no Python code. */
PyObject *fe_rt_make_function(PyObject *code, PyObject *globals, PyObject *closure,
                              PyObject *annotations, PyObject *kwdefaults, PyObject *defaults);
/* BUILD_SLICE (step NULL: none); runs no Python code. */
PyObject *fe_rt_build_slice(PyObject *start, PyObject *stop, PyObject *step);
/* LIST_EXTEND by an exact tuple or list: runs no Python code; -1 with
 * MemoryError set. */
int64_t fe_rt_list_extend(PyObject *list, PyObject *seq);
/* SET_ADD / MAP_ADD of a comprehension: PySet_Add / PyDict_SetItem (new
 * references for the container); 0, or -1 with an exception set. */
int64_t fe_rt_set_add(PyObject *set, PyObject *item);
int64_t fe_rt_map_add(PyObject *map, PyObject *key, PyObject *value);
/* LIST_APPEND: PyList_Append (a new reference for the list). */
int64_t fe_rt_list_append(PyObject *list, PyObject *item);
PyObject *fe_rt_box_int(int64_t v);
/* The value of an exact int of at most two digits (|v| < 2**60);
 * FE_RT_NOT_UNBOXED for a longer one. Pure, never raises. */
#define FE_RT_NOT_UNBOXED INT64_MIN
int64_t fe_rt_unbox_int2(PyObject *o);
PyObject *fe_rt_box_float(double v);
PyObject *fe_rt_box_bool(int64_t v);
/* One opcode's generic work on objects; NULL / -1 with an exception set. */
PyObject *fe_rt_getattr(PyObject *o, PyObject *name);
int64_t fe_rt_setattr(PyObject *o, PyObject *name, PyObject *v);
PyObject *fe_rt_getitem(PyObject *o, PyObject *key);
int64_t fe_rt_setitem(PyObject *o, PyObject *key, PyObject *v);
PyObject *fe_rt_binop(PyObject *a, PyObject *b, int64_t op);
PyObject *fe_rt_compare(PyObject *a, PyObject *b, int64_t op);
PyObject *fe_rt_contains(PyObject *item, PyObject *container, int64_t invert);
int64_t fe_rt_truth(PyObject *o);
/* The next item; NULL without an exception when exhausted. */
PyObject *fe_rt_iternext(PyObject *it);
/* BUILD_TUPLE / BUILD_LIST of up to FE_RT_BUILD_MAX items (list_n: the
 * count times two, plus one for a list; unused items NULL), taking new
 * references to them. Runs no Python code and raises nothing: NULL when
 * out of memory, with no exception (the interpreter builds it again). */
#define FE_RT_BUILD_MAX 12
PyObject *fe_rt_build(int64_t list_n, PyObject *a0, PyObject *a1, PyObject *a2, PyObject *a3,
                      PyObject *a4, PyObject *a5, PyObject *a6, PyObject *a7, PyObject *a8,
                      PyObject *a9, PyObject *a10, PyObject *a11);
/* An instance's values got their first value at `index` (STORE_ATTR):
 * record it in their insertion order, as CPython's store does. */
void fe_rt_values_add_order(PyDictValues *values, int64_t index);
/* 1 when str-keyed dict `d` has no entry for str `name` (fe_dict_lacks),
 * else 0. Runs no code. */
int64_t fe_rt_dict_lacks(PyObject *d, PyObject *name);
/* Stores `value` under `name`, which str-keyed dict `d` has (the trace
 * checked its entry): returns the value it replaces, a reference the
 * caller releases (so that no finalizer runs here), NULL (exception set)
 * when out of memory. */
PyObject *fe_rt_dict_replace(PyObject *d, PyObject *name, PyObject *value);
/* A new instance of `tp` as object.__new__ makes it (fe_init_of says
 * that is what calling tp does first). Runs no Python code; NULL without
 * an exception when out of memory (the interpreter makes the call again). */
PyObject *fe_rt_new_instance(PyTypeObject *tp);
/* The frame of an inlined call, pushed over the current frame for a call
 * from compiled code that may look at frames (fe_loop_run checked the
 * data stack's room), waiting at `prev_instr`. Returns its localsplus (the
 * base traces address a frame's fields from, as p0), where the trace
 * stores its locals. */
PyObject **fe_rt_push_frame(PyFunctionObject *func, int64_t prev_instr);
/* Pops and clears the `n` innermost frames fe_rt_push_frame pushed. */
void fe_rt_pop_frames(int64_t n);
/* BINARY_OP's operator table (interp.c). */
PyObject *fe_binary_op(int op, PyObject *a, PyObject *b);

#endif
