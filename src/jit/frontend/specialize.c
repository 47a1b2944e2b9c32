/* frontend/specialize: deciding how an attribute site is specialised
 * (see specialize.h), and the dict facts that traces guard globals by.
 * The shapes and their guards are CPython 3.11's:
 *  - a type's tp_version_tag changes with any change to the type or its
 *    bases, so an equal tag means the same attribute resolution;
 *  - instance attributes of heap types with managed dicts live in the
 *    instance's values array at the index of the name in the type's shared
 *    keys, which only ever grow (dk_nentries is a version of them);
 *  - dict versions are unique across all dicts;
 *  - a materialised instance __dict__ keeps an attribute at an entry
 *    index that a use checks (the hint), and a dict's keys version names
 *    one state of one keys object (fe_dict_keys_version). */
#include "specialize.h"
#include "frames.h"
#include "jitcode.h"
#include "internal/pycore_dict.h"
#include <structmember.h>

typedef enum {
    D_ABSENT,        /* nothing on the type: the instance decides */
    D_PLAIN,         /* a class attribute or non-data descriptor: instances shadow it */
    D_METHOD,        /* a method descriptor (functions, C methods) */
    D_SLOT,          /* a __slots__ member holding an object */
    D_OTHER,         /* data descriptor, property, mutable descriptor type, ... */
} descr_kind;

/* analyze_descriptor's classification, reduced to what we specialise. */
static descr_kind classify(PyObject *descr, bool store)
{
    if (descr == NULL)
        return D_ABSENT;
    PyTypeObject *dt = Py_TYPE(descr);
    if (!(dt->tp_flags & Py_TPFLAGS_IMMUTABLETYPE))
        return D_OTHER;  /* its __get__/__set__ may appear later */
    if (dt->tp_descr_set) {
        if (dt == &PyMemberDescr_Type) {
            PyMemberDef *m = ((PyMemberDescrObject *)descr)->d_member;
            if (m->type == T_OBJECT_EX && !(m->flags & (store ? READONLY : PY_AUDIT_READ)))
                return D_SLOT;
        }
        return D_OTHER;
    }
    if (dt->tp_descr_get && (dt->tp_flags & Py_TPFLAGS_METHOD_DESCRIPTOR))
        return D_METHOD;
    return D_PLAIN;
}

/* The type's resolution of `name`, with a version tag to guard it by
 * (0: none could be assigned, do not specialise). */
static uint32_t lookup(PyTypeObject *tp, PyObject *name, PyObject **descr)
{
    *descr = _PyType_Lookup(tp, name);   /* assigns the version tag */
    return tp->tp_version_tag;
}

/* Index of `name` in shared keys, or -1. Names are interned: identity
 * first, equal strings too. */
static Py_ssize_t shared_index(PyDictKeysObject *keys, PyObject *name)
{
    if (keys == NULL || keys->dk_kind != DICT_KEYS_SPLIT)
        return -1;
    PyDictUnicodeEntry *e = DK_UNICODE_ENTRIES(keys);
    for (Py_ssize_t i = 0; i < keys->dk_nentries; i++)
        if (e[i].me_key == name ||
            (e[i].me_key != NULL && _PyUnicode_EQ(e[i].me_key, name)))
            return i;
    return -1;
}

/* Instance values of a heap type with a managed dict, not materialised. */
static PyDictKeysObject *values_keys(PyObject *owner)
{
    PyTypeObject *tp = Py_TYPE(owner);
    if (!(tp->tp_flags & Py_TPFLAGS_MANAGED_DICT) || !(tp->tp_flags & Py_TPFLAGS_HEAPTYPE))
        return NULL;
    if (*_PyObject_ManagedDictPointer(owner) != NULL || *_PyObject_ValuesPointer(owner) == NULL)
        return NULL;
    return ((PyHeapTypeObject *)tp)->ht_cached_keys;
}

/* A module's attribute, by the module dict's version. */
static bool module_attr(fe_attr_cache *c, PyObject *owner, PyObject *name)
{
    PyObject *d = ((PyModuleObject *)owner)->md_dict;
    if (d == NULL || !PyDict_CheckExact(d) || !PyUnicode_CheckExact(name))
        return false;
    /* a data descriptor of the module type (__dict__, __class__,
     * __annotations__) comes before the dict */
    PyObject *descr = _PyType_Lookup(&PyModule_Type, name);
    if (descr != NULL && Py_TYPE(descr)->tp_descr_set != NULL)
        return false;
    PyObject *v = PyDict_GetItemWithError(d, name);  /* str key: no Python code */
    if (v == NULL) {
        PyErr_Clear();
        return false;
    }
    c->dict_version = ((PyDictObject *)d)->ma_version_tag;
    c->value = v;
    return true;
}

/* What LOAD_ATTR and STORE_ATTR share: a __slots__ member, or an
 * attribute in the instance's values (where it shadows a class attribute
 * or a non-data descriptor). */
/* Index of the entry whose key is `name` (that very object) in a
 * str-keyed dict's keys, or -1. */
static Py_ssize_t entry_index(PyDictObject *d, PyObject *name)
{
    PyDictKeysObject *k = d->ma_keys;
    if (!PyDict_CheckExact(d) || k->dk_kind == DICT_KEYS_GENERAL)
        return -1;
    PyDictUnicodeEntry *e = DK_UNICODE_ENTRIES(k);
    for (Py_ssize_t i = 0; i < k->dk_nentries; i++)
        if (e[i].me_key == name)
            return i;
    return -1;
}

/* Index of the entry of `name` in the __dict__ of a heap-type instance,
 * where fe_hinted_value finds its value now; -1 when there is none. */
static Py_ssize_t dict_entry_index(PyObject *owner, PyDictObject *d, PyObject *name)
{
    if (!(Py_TYPE(owner)->tp_flags & Py_TPFLAGS_HEAPTYPE))
        return -1;
    Py_ssize_t i = entry_index(d, name);
    return i >= 0 && fe_hinted_value(d, i, name) != NULL ? i : -1;
}

static int instance_site(fe_attr_cache *c, PyObject *owner, PyObject *name, bool store,
                         int slot_op, int values_op, int hint_op)
{
    PyObject *descr;
    uint32_t version = lookup(Py_TYPE(owner), name, &descr);
    if (version == 0)
        return 0;
    switch (classify(descr, store)) {
    case D_SLOT: {
        PyMemberDescrObject *m = (PyMemberDescrObject *)descr;
        if (!PyObject_TypeCheck(owner, m->d_common.d_type))
            return 0;
        c->type_version = version;
        c->arg = m->d_member->offset;
        return slot_op;
    }
    case D_ABSENT:
    case D_PLAIN:
    case D_METHOD: {
        PyDictObject *d = fe_managed_dict(owner);
        if (d != NULL) {
            /* a materialised __dict__: the entry's index, as a hint
             * checked at each use (LOAD/STORE_ATTR_WITH_HINT) */
            Py_ssize_t ix = dict_entry_index(owner, d, name);
            if (ix < 0 || ix > UINT16_MAX)
                return 0;
            c->type_version = version;
            c->index = (uint16_t)ix;
            return hint_op;
        }
        Py_ssize_t ix = shared_index(values_keys(owner), name);
        if (ix < 0)
            return 0;
        c->type_version = version;
        c->index = (uint16_t)ix;
        return values_op;
    }
    default:
        return 0;
    }
}

int fe_specialize_load_attr(fe_attr_cache *c, PyObject *owner, PyObject *name)
{
    if (PyModule_CheckExact(owner))
        return module_attr(c, owner, name) ? FE_LOAD_ATTR_MODULE : 0;
    if (Py_TYPE(owner)->tp_getattro != PyObject_GenericGetAttr || !PyUnicode_CheckExact(name))
        return 0;
    return instance_site(c, owner, name, false, FE_LOAD_ATTR_SLOT, FE_LOAD_ATTR_INSTANCE_VALUE,
                         FE_LOAD_ATTR_WITH_HINT);
}

int fe_specialize_load_method(fe_attr_cache *c, PyObject *owner, PyObject *name)
{
    PyTypeObject *tp = Py_TYPE(owner);
    if (PyModule_CheckExact(owner))
        return module_attr(c, owner, name) ? FE_LOAD_METHOD_MODULE : 0;
    if (tp->tp_getattro != PyObject_GenericGetAttr || !PyUnicode_CheckExact(name))
        return 0;
    PyObject *descr;
    uint32_t version = lookup(tp, name, &descr);
    if (version == 0 || classify(descr, false) != D_METHOD)
        return 0;
    PyDictObject *d = fe_managed_dict(owner);
    if (d != NULL) {
        /* a materialised __dict__ without that name (looked up at each
         * use, as instances have dicts of their own) */
        if (!PyDict_CheckExact(d) || !(tp->tp_flags & Py_TPFLAGS_HEAPTYPE) ||
            !fe_dict_lacks(d, name))
            return 0;
        c->type_version = version;
        c->value = descr;
        return FE_LOAD_METHOD_WITH_DICT;
    }
    if (tp->tp_flags & Py_TPFLAGS_MANAGED_DICT) {
        /* no instance attribute of that name now, and none can appear
         * while the shared keys do not grow */
        PyDictKeysObject *keys = values_keys(owner);
        if (keys == NULL || shared_index(keys, name) >= 0)
            return 0;
        c->arg = keys->dk_nentries;
        c->type_version = version;
        c->value = descr;
        return FE_LOAD_METHOD_WITH_VALUES;
    }
    if (tp->tp_dictoffset != 0)
        return 0;  /* instances with a dict of their own */
    c->type_version = version;
    c->value = descr;
    return FE_LOAD_METHOD_NO_DICT;
}

int fe_specialize_store_attr(fe_attr_cache *c, PyObject *owner, PyObject *name)
{
    if (Py_TYPE(owner)->tp_setattro != PyObject_GenericSetAttr || !PyUnicode_CheckExact(name))
        return 0;
    return instance_site(c, owner, name, true, FE_STORE_ATTR_SLOT, FE_STORE_ATTR_INSTANCE_VALUE,
                         FE_STORE_ATTR_WITH_HINT);
}

/* The next keys version and function version we hand out: from the top,
 * down to the middle of the range, which CPython's counters (from 1 or 2,
 * up) never reach in a process's life. Touched with the GIL held. */
static uint32_t next_func_version = UINT32_MAX;
static uint32_t next_keys_version = UINT32_MAX;

uint32_t fe_func_version(PyFunctionObject *func)
{
    if (func->func_version == 0 && next_func_version > (UINT32_MAX >> 1))
        func->func_version = next_func_version--;
    return func->func_version;
}

/* A call of a builtin function or method descriptor, as CPython 3.11's
 * PRECALL_NO_KW_* family specialises it. */
static int specialize_c_call(PyObject *callable, int nargs, bool result_popped)
{
    struct callable_cache *known = &_PyInterpreterState_GET()->callable_cache;
    if (Py_TYPE(callable) == &PyCFunction_Type) {
        if (callable == known->len && nargs == 1)
            return FE_PRECALL_LEN;
        if (callable == known->isinstance && nargs == 2)
            return FE_PRECALL_ISINSTANCE;
        int kind = fe_c_call_kind(((PyCFunctionObject *)callable)->m_ml);
        if (kind == METH_O && nargs == 1)
            return FE_PRECALL_BUILTIN_O;
        if (fe_c_call_is_fast(kind))
            return FE_PRECALL_BUILTIN_FAST;
        return 0;
    }
    if (Py_TYPE(callable) == &PyMethodDescr_Type && nargs >= 1) {
        if (callable == known->list_append && nargs == 2 && result_popped)
            return FE_PRECALL_LIST_APPEND;
        int kind = fe_c_call_kind(((PyMethodDescrObject *)callable)->d_method);
        if (kind == METH_O && nargs == 2)
            return FE_PRECALL_METHOD_DESCR_O;
        if (kind == METH_NOARGS && nargs == 1)
            return FE_PRECALL_METHOD_DESCR_NOARGS;
        if (fe_c_call_is_fast(kind))
            return FE_PRECALL_METHOD_DESCR_FAST;
    }
    return 0;
}

int fe_specialize_call(fe_call_cache *c, PyObject *callable, int nargs, bool result_popped)
{
    if (Py_TYPE(callable) != &PyFunction_Type)
        return specialize_c_call(callable, nargs, result_popped);
    PyFunctionObject *func = (PyFunctionObject *)callable;
    PyCodeObject *co = (PyCodeObject *)func->func_code;
    if (!fe_frame_takes_call(func, co, nargs) || co->co_argcount > UINT16_MAX)
        return 0;
    fe_jitcode *jc = fe_jitcode_get(co);
    uint32_t version = fe_func_version(func);
    if (jc == NULL || version == 0) {
        PyErr_Clear();
        return 0;
    }
    PyObject *defaults = func->func_defaults;
    c->func_version = version;
    c->argcount = (uint16_t)co->co_argcount;
    c->min_args = (uint16_t)(co->co_argcount - (defaults ? PyTuple_GET_SIZE(defaults) : 0));
    c->jc = jc;
    return FE_PRECALL_PY_FUNCTION;
}

uint32_t fe_dict_keys_version(PyDictObject *d)
{
    PyDictKeysObject *k = d->ma_keys;
    if (k->dk_version == 0 && next_keys_version > (UINT32_MAX >> 1))
        k->dk_version = next_keys_version--;
    return k->dk_version;
}

Py_ssize_t fe_dict_value_offset(PyDictObject *d, PyObject *name)
{
    PyDictKeysObject *k = d->ma_keys;
    if (d->ma_values != NULL || k->dk_kind != DICT_KEYS_UNICODE)
        return -1;
    Py_ssize_t i = entry_index(d, name);
    return i < 0 ? -1 : (char *)&DK_UNICODE_ENTRIES(k)[i].me_value - (char *)k;
}
