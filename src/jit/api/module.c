/* api: the `pypyjit._pypyjit` C module -- the primitives under the Python
 * package `pypyjit`: parameters, evaluator on/off, hooks, statistics and
 * jitcells. Argument checking that PyPy does with its own messages lives
 * in the package; what reaches here is re-checked where a bad value could
 * hurt. */
#include "../frontend/eval.h"
#include "../runtime/runtime.h"
#include "../runtime/codemem.h"
#include "hooks.h"
#include "../frontend/jitloop.h"

/* True when this build can run the JIT here (x86-64 Linux, CPython 3.11). */
#if defined(__x86_64__) && defined(__linux__)
#define API_JIT_SUPPORTED 1
#else
#define API_JIT_SUPPORTED 0
#endif

static PyObject *api_param_table(PyObject *self, PyObject *noargs)
{
    (void)self;
    (void)noargs;
    PyObject *t = PyTuple_New(RT_NPARAMS);
    if (t == NULL)
        return NULL;
    for (int i = 0; i < RT_NPARAMS; i++) {
        const rt_param_info *p = &rt_param_table[i];
        PyObject *row = p->kind == RT_PARAM_KIND_INT
            ? Py_BuildValue("(slls)", p->name, p->default_int, p->minimum, p->doc)
            : Py_BuildValue("(ssOs)", p->name, p->default_str, Py_None, p->doc);
        if (row == NULL) {
            Py_DECREF(t);
            return NULL;
        }
        PyTuple_SET_ITEM(t, i, row);
    }
    return t;
}

static int param_index(PyObject *name)
{
    const char *s = PyUnicode_AsUTF8(name);
    if (s == NULL)
        return -1;
    for (int i = 0; i < RT_NPARAMS; i++)
        if (strcmp(rt_param_table[i].name, s) == 0)
            return i;
    PyErr_Format(PyExc_TypeError, "no JIT parameter '%U'", name);
    return -1;
}

/* set_params(dict): all values are checked before any is stored, so a bad
 * call changes nothing. Any change turns the JIT on again, as in PyPy. */
static PyObject *api_set_params(PyObject *self, PyObject *dict)
{
    (void)self;
    if (!PyDict_Check(dict)) {
        PyErr_SetString(PyExc_TypeError, "set_params() takes a dict");
        return NULL;
    }
    long saved_int[RT_NPARAMS];
    PyObject *saved_str[RT_NPARAMS];
    memcpy(saved_int, rt.param_int, sizeof saved_int);
    for (int i = 0; i < RT_NPARAMS; i++)
        saved_str[i] = Py_XNewRef(rt.param_str[i]);
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    int failed = 0;
    while (PyDict_Next(dict, &pos, &key, &value)) {
        int idx = param_index(key);
        if (idx < 0 || rt_param_set(idx, value) < 0) {
            failed = 1;
            break;
        }
    }
    for (int i = 0; i < RT_NPARAMS; i++) {
        if (failed) {
            Py_XSETREF(rt.param_str[i], saved_str[i]);
        } else {
            Py_XDECREF(saved_str[i]);
        }
    }
    if (failed) {
        memcpy(rt.param_int, saved_int, sizeof saved_int);
        rt_params_derive();
        return NULL;
    }
    if (API_JIT_SUPPORTED)
        fe_install();
    Py_RETURN_NONE;
}

static PyObject *api_get_params(PyObject *self, PyObject *noargs)
{
    (void)self;
    (void)noargs;
    PyObject *d = PyDict_New();
    for (int i = 0; d != NULL && i < RT_NPARAMS; i++) {
        PyObject *v = rt_param_get(i);
        if (v == NULL || PyDict_SetItemString(d, rt_param_table[i].name, v) < 0)
            Py_CLEAR(d);
        Py_XDECREF(v);
    }
    return d;
}

static PyObject *api_reset_params(PyObject *self, PyObject *noargs)
{
    (void)self;
    (void)noargs;
    rt_params_reset();
    if (API_JIT_SUPPORTED)
        fe_install();
    Py_RETURN_NONE;
}

static PyObject *api_set_enabled(PyObject *self, PyObject *arg)
{
    (void)self;
    int on = PyObject_IsTrue(arg);
    if (on < 0)
        return NULL;
    if (on && API_JIT_SUPPORTED)
        fe_install();
    else
        fe_uninstall();
    Py_RETURN_NONE;
}

static PyObject *api_is_enabled(PyObject *self, PyObject *noargs)
{
    (void)self;
    (void)noargs;
    return PyBool_FromLong(rt.enabled && fe_installed());
}

static PyObject *set_hook(int kind, PyObject *hook)
{
    if (hook != Py_None && !PyCallable_Check(hook)) {
        PyErr_Format(PyExc_TypeError, "hook must be callable or None, not %.100s",
                     Py_TYPE(hook)->tp_name);
        return NULL;
    }
    Py_XSETREF(rt.hooks[kind], hook == Py_None ? NULL : Py_NewRef(hook));
    Py_RETURN_NONE;
}

static PyObject *api_set_compile_hook(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *hook;
    int operations = 1;
    if (!PyArg_ParseTuple(args, "O|p:set_compile_hook", &hook, &operations))
        return NULL;
    PyObject *r = set_hook(RT_HOOK_COMPILE, hook);
    if (r != NULL)
        rt.hook_operations = operations;
    return r;
}

static PyObject *api_set_abort_hook(PyObject *self, PyObject *hook)
{
    (void)self;
    return set_hook(RT_HOOK_ABORT, hook);
}

static PyObject *api_set_trace_too_long_hook(PyObject *self, PyObject *hook)
{
    (void)self;
    return set_hook(RT_HOOK_TRACE_TOO_LONG, hook);
}

static PyObject *api_get_hooks(PyObject *self, PyObject *noargs)
{
    (void)self;
    (void)noargs;
    PyObject *t = PyTuple_New(RT_NHOOKS + 1);
    if (t == NULL)
        return NULL;
    for (int k = 0; k < RT_NHOOKS; k++)
        PyTuple_SET_ITEM(t, k, Py_NewRef(rt.hooks[k] ? rt.hooks[k] : Py_None));
    PyTuple_SET_ITEM(t, RT_NHOOKS, PyBool_FromLong(rt.hook_operations));
    return t;
}

static PyObject *api_counters(PyObject *self, PyObject *noargs)
{
    (void)self;
    (void)noargs;
    PyObject *d = PyDict_New();
    for (int i = 0; d != NULL && i < RT_NCOUNTERS; i++) {
        PyObject *v = PyLong_FromLongLong(rt.counters[i]);
        if (v == NULL || PyDict_SetItemString(d, rt_counter_names[i], v) < 0)
            Py_CLEAR(d);
        Py_XDECREF(v);
    }
    return d;
}

static PyObject *api_counter_times(PyObject *self, PyObject *noargs)
{
    (void)self;
    (void)noargs;
    return Py_BuildValue("{sdsd}", "TRACING", rt.time_tracing, "BACKEND", rt.time_backend);
}

static PyObject *api_get_loop_run_times(PyObject *self, PyObject *noargs)
{
    (void)self;
    (void)noargs;
    return api_loop_run_times();
}

static PyObject *api_asmmemmgr(PyObject *self, PyObject *noargs)
{
    (void)self;
    (void)noargs;
    /* (bytes of executable memory mapped, bytes in use), as PyPy's. */
    size_t total, in_use;
    rt_codemem_stats(&total, &in_use);
    return Py_BuildValue("(nn)", (Py_ssize_t)total, (Py_ssize_t)in_use);
}

/* The jitcell of greenkey (next_instr, is_being_profiled, code). */
static rt_jitcell *jitcell_for(PyObject *args, const char *fname, bool create)
{
    int next_instr, profiled;
    PyObject *code;
    char fmt[64];
    snprintf(fmt, sizeof fmt, "ipO!:%s", fname);
    if (!PyArg_ParseTuple(args, fmt, &next_instr, &profiled, &PyCode_Type, &code))
        return NULL;
    fe_jitcode *jc = fe_jitcode_get((PyCodeObject *)code);
    if (jc == NULL)
        return NULL;
    int idx = rt_cellset_find(&jc->cells, next_instr, profiled, create,
                              fe_greenkey_hash((PyCodeObject *)code, next_instr, profiled));
    if (idx < 0) {
        if (create)
            PyErr_NoMemory();
        else
            PyErr_SetNone(PyExc_LookupError);  /* caller turns this into False */
        return NULL;
    }
    return &jc->cells.cells[idx];
}

static PyObject *api_get_jitcell_at_key(PyObject *self, PyObject *args)
{
    (void)self;
    rt_jitcell *c = jitcell_for(args, "get_jitcell_at_key", false);
    if (c == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_LookupError))
            return NULL;
        PyErr_Clear();
        Py_RETURN_FALSE;
    }
    return PyBool_FromLong(c->flags & JC_EXISTS);
}

/* `exists`: PyPy makes a JitCell for this call (dont_trace_here,
 * mark_as_being_traced), or only changes the hashed counter
 * (trace_next_iteration). */
static PyObject *set_cell_flag(PyObject *args, const char *fname, uint16_t flag, bool exists)
{
    rt_jitcell *c = jitcell_for(args, fname, true);
    if (c == NULL)
        return NULL;
    c->flags |= (uint16_t)(flag | (exists ? JC_EXISTS : 0));
    rt_cell_wake(c);
    Py_RETURN_NONE;
}

static PyObject *api_dont_trace_here(PyObject *self, PyObject *args)
{
    (void)self;
    return set_cell_flag(args, "dont_trace_here", JC_DONT_TRACE_HERE, true);
}

static PyObject *api_mark_as_being_traced(PyObject *self, PyObject *args)
{
    (void)self;
    return set_cell_flag(args, "mark_as_being_traced", JC_BEING_TRACED, true);
}

static PyObject *api_trace_next_iteration(PyObject *self, PyObject *args)
{
    (void)self;
    return set_cell_flag(args, "trace_next_iteration", JC_TRACE_NEXT, false);
}

static PyObject *api_trace_next_iteration_hash(PyObject *self, PyObject *arg)
{
    (void)self;
    unsigned long long h = PyLong_AsUnsignedLongLongMask(arg);
    if (h == (unsigned long long)-1 && PyErr_Occurred())
        return NULL;
    rt_trace_next_hash((uint64_t)h);
    Py_RETURN_NONE;
}

static PyObject *api_greenkey_hash(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *code;
    int offset, profiled = 0;
    if (!PyArg_ParseTuple(args, "O!i|p:greenkey_hash", &PyCode_Type, &code, &offset, &profiled))
        return NULL;
    return PyLong_FromUnsignedLongLong(fe_greenkey_hash((PyCodeObject *)code, offset, profiled));
}

static PyObject *api_releaseall(PyObject *self, PyObject *noargs)
{
    (void)self;
    (void)noargs;
    /* Marks every loop for release at the next collection. */
    if (fe_release_all() < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *api_set_debug(PyObject *self, PyObject *arg)
{
    (void)self;
    int on = PyObject_IsTrue(arg);
    if (on < 0)
        return NULL;
    rt.debug = on;
    Py_RETURN_NONE;
}

static PyObject *api_decay(PyObject *self, PyObject *noargs)
{
    (void)self;
    (void)noargs;
    rt_decay_all();
    Py_RETURN_NONE;
}

static PyObject *api_last_abort_detail(PyObject *self, PyObject *noargs)
{
    (void)self;
    (void)noargs;
    return PyUnicode_FromString(rt_last_abort_detail());
}

/* The runner's frames (python -m pypyjit) count against the recursion
 * limit, where python3 runs a program with none of its own on the stack:
 * the runner gives their number back around the program's run. */
static PyObject *api_adjust_recursion(PyObject *self, PyObject *arg)
{
    (void)self;
    int k = _PyLong_AsInt(arg);
    if (k == -1 && PyErr_Occurred())
        return NULL;
    PyThreadState_Get()->recursion_remaining += k;
    Py_RETURN_NONE;
}

static PyObject *api_recursion_depth(PyObject *self, PyObject *noargs)
{
    (void)self;
    (void)noargs;
    PyThreadState *ts = PyThreadState_Get();
    return PyLong_FromLong(ts->recursion_limit - ts->recursion_remaining);
}

static PyMethodDef api_methods[] = {
    {"adjust_recursion", api_adjust_recursion, METH_O,
     "Add k to the current thread's remaining recursion depth (the runner's frames)."},
    {"recursion_depth", api_recursion_depth, METH_NOARGS,
     "How much of the recursion limit the current thread uses now."},
    {"last_abort_detail", api_last_abort_detail, METH_NOARGS,
     "What the last ABORT_UNSUPPORTED / ABORT_BAD_LOOP stopped at (diagnostics)."},
    {"param_table", api_param_table, METH_NOARGS, "((name, default, minimum, doc), ...)"},
    {"set_params", api_set_params, METH_O, "Set parameters from a dict; turns the JIT on."},
    {"get_params", api_get_params, METH_NOARGS, "Current parameter values."},
    {"reset_params", api_reset_params, METH_NOARGS, "Restore defaults; turns the JIT on."},
    {"set_enabled", api_set_enabled, METH_O, "Install or remove the evaluator."},
    {"is_enabled", api_is_enabled, METH_NOARGS, "Whether the evaluator is installed."},
    {"set_compile_hook", api_set_compile_hook, METH_VARARGS, NULL},
    {"set_abort_hook", api_set_abort_hook, METH_O, NULL},
    {"set_trace_too_long_hook", api_set_trace_too_long_hook, METH_O, NULL},
    {"get_hooks", api_get_hooks, METH_NOARGS, "(compile, abort, trace_too_long, operations)"},
    {"counters", api_counters, METH_NOARGS, NULL},
    {"counter_times", api_counter_times, METH_NOARGS, NULL},
    {"loop_run_times", api_get_loop_run_times, METH_NOARGS, NULL},
    {"asmmemmgr", api_asmmemmgr, METH_NOARGS, NULL},
    {"get_jitcell_at_key", api_get_jitcell_at_key, METH_VARARGS, NULL},
    {"dont_trace_here", api_dont_trace_here, METH_VARARGS, NULL},
    {"mark_as_being_traced", api_mark_as_being_traced, METH_VARARGS, NULL},
    {"trace_next_iteration", api_trace_next_iteration, METH_VARARGS, NULL},
    {"trace_next_iteration_hash", api_trace_next_iteration_hash, METH_O, NULL},
    {"greenkey_hash", api_greenkey_hash, METH_VARARGS, "Hash of greenkey (code, offset)."},
    {"releaseall", api_releaseall, METH_NOARGS, NULL},
    {"set_debug", api_set_debug, METH_O, NULL},
    {"decay", api_decay, METH_NOARGS, "Decay all hotness counters once."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef api_module = {
    PyModuleDef_HEAD_INIT, "pypyjit._pypyjit",
    "C primitives of the pypyjit package; use `pypyjit` instead.", -1, api_methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__pypyjit(void)
{
    PyObject *m = PyModule_Create(&api_module);
    if (m == NULL)
        return NULL;
    rt_init();
    api_hooks_install();
    if (fe_jitcode_init() < 0 || fe_rec_init() < 0) {
        Py_DECREF(m);
        return NULL;
    }
    PyObject *counter_names = PyTuple_New(RT_NCOUNTERS);
    if (counter_names == NULL) {
        Py_DECREF(m);
        return NULL;
    }
    for (int i = 0; i < RT_NCOUNTERS; i++)
        PyTuple_SET_ITEM(counter_names, i, PyUnicode_FromString(rt_counter_names[i]));
    if (PyModule_AddObject(m, "COUNTER_NAMES", counter_names) < 0 ||
        PyModule_AddIntConstant(m, "JIT_SUPPORTED", API_JIT_SUPPORTED) < 0 ||
        PyModule_AddIntConstant(m, "DECAY_PERIOD", RT_DECAY_PERIOD) < 0) {
        Py_DECREF(counter_names);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
