/* frontend/specialize: the own interpreter's specialisation of attribute
 * access (LOAD_ATTR, LOAD_METHOD, STORE_ATTR) and of calls (PRECALL), after CPython 3.11's specialize.c: which shapes are
 * cheap and safe, and the guards each needs. A site's cache entry lives in
 * its jitcode (jc->acache, jc->ccache, indexed by the first cache unit of
 * the instruction in our copy of the bytecode); the specialised
 * instruction is one of the private opcodes of quick_ops.def. */
#ifndef JIT_FE_SPECIALIZE_H
#define JIT_FE_SPECIALIZE_H

#include "cpython.h"
#include "internal/pycore_dict.h"
#include "internal/pycore_moduleobject.h"

typedef struct {
    uint32_t type_version;   /* the owner type's tp_version_tag the entry holds for */
    uint16_t counter;        /* generic: executions before the next attempt;
                                specialised: misses before it is given up */
    uint16_t index;          /* instance values: index in the shared keys;
                                with hint: index of the entry in the instance dict */
    Py_ssize_t arg;          /* slot: member offset; method: shared keys' dk_nentries */
    uint64_t dict_version;   /* module attribute: the module dict's ma_version_tag */
    PyObject *value;         /* borrowed: the method, or the module attribute, kept
                                alive by the type / dict the guards check */
} fe_attr_cache;

/* A call site (PRECALL) running a Python function's frame inline. */
struct fe_jitcode;
typedef struct {
    uint32_t func_version;   /* the function's func_version the entry holds for: the
                                same function, code and defaults (fe_func_version) */
    uint16_t counter;        /* as fe_attr_cache's */
    uint16_t argcount;       /* the code's co_argcount: the most positional arguments */
    uint16_t min_args;       /* the fewest: co_argcount less the defaults */
    struct fe_jitcode *jc;   /* the code's, alive while the version holds */
} fe_call_cache;

/* A site without an entry (more sites in one code object than entries). */
#define FE_NO_ACACHE 0xFFFF
/* Executions of an unspecialised site between two attempts, and misses a
 * specialised site takes before it goes back to the generic opcode. */
#define FE_SPEC_BACKOFF 53

/* Whether a module-attribute entry still holds for `owner` (the module
 * dict's version unchanged: dict versions are unique across dicts). */
static inline bool fe_module_entry_holds(const fe_attr_cache *c, PyObject *owner)
{
    PyObject *d;
    return PyModule_CheckExact(owner) && (d = ((PyModuleObject *)owner)->md_dict) != NULL &&
           PyDict_CheckExact(d) && ((PyDictObject *)d)->ma_version_tag == c->dict_version;
}

/* A version of the keys of `d` (CPython 3.11's dk_version, which any
 * change of the keys -- a key added or deleted, a resize -- resets to 0,
 * but not a value stored under an existing key), assigned if it has none;
 * 0 when none can be given. Ours count down from the top of the range,
 * CPython's specialiser counts up from 2: a version names one state of
 * one keys object. */
uint32_t fe_dict_keys_version(PyDictObject *d);
/* The offset, from the start of d's keys object, of the value slot of
 * `name` -- a str-keyed combined dict whose entry for it has that very
 * key object -- or -1. Stays valid while the keys keep their version. */
Py_ssize_t fe_dict_value_offset(PyDictObject *d, PyObject *name);

/* The materialised __dict__ of a heap-type instance with a managed dict
 * (3.11 keeps it beside the values pointer), or NULL. */
static inline PyDictObject *fe_managed_dict(PyObject *owner)
{
    return (Py_TYPE(owner)->tp_flags & Py_TPFLAGS_MANAGED_DICT)
               ? (PyDictObject *)*_PyObject_ManagedDictPointer(owner) : NULL;
}

/* The value of entry `hint` of a str-keyed dict when its key is `name`
 * (borrowed), else NULL: LOAD_ATTR_WITH_HINT's check, for a combined dict
 * or (unlike 3.11's) a split one, whose values are apart. */
static inline PyObject *fe_hinted_value(PyDictObject *d, Py_ssize_t hint, PyObject *name)
{
    PyDictKeysObject *k = d->ma_keys;
    if (hint >= k->dk_nentries || k->dk_kind == DICT_KEYS_GENERAL ||
        (d->ma_values != NULL) != (k->dk_kind == DICT_KEYS_SPLIT))
        return NULL;
    PyDictUnicodeEntry *e = DK_UNICODE_ENTRIES(k) + hint;
    if (e->me_key != name)
        return NULL;
    return d->ma_values != NULL ? d->ma_values->values[hint] : e->me_value;
}

/* Whether str-keyed dict `d` has no entry for str `name` (false for a
 * dict with other keys, whose lookup could run __eq__): the instance
 * does not shadow the method LOAD_METHOD_WITH_DICT found. */
static inline bool fe_dict_lacks(PyDictObject *d, PyObject *name)
{
    Py_hash_t h = ((PyASCIIObject *)name)->hash;
    if (d->ma_keys->dk_kind == DICT_KEYS_GENERAL || h == -1)
        return false;
    return _PyDict_GetItem_KnownHash((PyObject *)d, name, h) == NULL;  /* (cannot fail) */
}

/* The private opcode for this site with `owner` on the stack, its entry
 * filled in; 0 when no specialisation applies. Never raises, never runs
 * Python code. */
int fe_specialize_load_attr(fe_attr_cache *c, PyObject *owner, PyObject *name);
int fe_specialize_load_method(fe_attr_cache *c, PyObject *owner, PyObject *name);
int fe_specialize_store_attr(fe_attr_cache *c, PyObject *owner, PyObject *name);
/* The calling convention of a C function, as its flags give it (the
 * METH_* bits that choose it, and METH_METHOD, which no fast path takes). */
static inline int fe_c_call_kind(const PyMethodDef *def)
{
    return def->ml_flags &
           (METH_VARARGS | METH_FASTCALL | METH_NOARGS | METH_O | METH_KEYWORDS | METH_METHOD);
}
/* METH_FASTCALL, with or without METH_KEYWORDS. */
static inline bool fe_c_call_is_fast(int kind)
{
    return (kind & ~METH_KEYWORDS) == METH_FASTCALL;
}

/* Likewise for a call without keywords of `callable` with `nargs`
 * positional arguments (self included), whose result the next instruction
 * drops when `result_popped`: a Python function (the entry filled in; may
 * build the callee's jitcode, an exception that raises is cleared: no
 * specialisation) or a C function (the entry unused). */
int fe_specialize_call(fe_call_cache *c, PyObject *callable, int nargs, bool result_popped);

/* The function's version, which CPython 3.11 resets to 0 whenever its
 * code, defaults, keyword defaults (or anything else a call depends on)
 * change, and never gives to two functions: assigned if it has none, 0
 * when none is left. */
uint32_t fe_func_version(PyFunctionObject *func);

#endif
