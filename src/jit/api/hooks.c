/* api/hooks: turns the JIT's events into calls of the user's hooks --
 * compile hook (JitLoopInfo with the loop's operations), abort hook,
 * trace-too-long hook -- and builds loop_run_times. Hooks are not
 * reentrant; one that raises is reported as unraisable ("in jit hook")
 * and the program goes on. */
#include "hooks.h"
#include "../frontend/jitloop.h"
#include "../runtime/runtime.h"
#include <stdlib.h>

/* pypyjit._resop, imported on first use and kept for the process. */
static PyObject *resop;

static PyObject *resop_class(const char *name)
{
    if (resop == NULL) {
        resop = PyImport_ImportModule("pypyjit._resop");
        if (resop == NULL)
            return NULL;
    }
    return PyObject_GetAttrString(resop, name);
}

static PyObject *greenkey(PyObject *code, int offset)
{
    return Py_BuildValue("(OiO)", code, offset, Py_False);
}

/* The identity a guard shows as GuardOp.hash (and that
 * trace_next_iteration_hash() will take for bridges). */
static uint64_t guard_hash(const fe_loop *L, int exit)
{
    return ((uint64_t)(uint32_t)L->loop_no << 32) | (uint32_t)exit;
}

static int exit_of(const fe_loop *L, ir_ref r)
{
    if (L == NULL || L->mc == NULL)
        return -1;
    for (int e = 0; e < L->mc->nexits; e++)
        if (L->mc->exits[e].guard == r)
            return e;
    return -1;
}

/* [ResOperation | GuardOp | DebugMergePoint] for the trace's operations. */
static PyObject *operations(const ir_trace *t, const fe_loop *L)
{
    PyObject *res_cls = resop_class("ResOperation");
    PyObject *guard_cls = resop_class("GuardOp");
    PyObject *dmp_cls = resop_class("DebugMergePoint");
    PyObject *list = PyList_New(0);
    if (res_cls == NULL || guard_cls == NULL || dmp_cls == NULL || list == NULL)
        goto fail;
    for (ir_ref r = ir_first(t); r < t->nops; r++) {
        int opnum = ir_opnum(t, r);
        const ir_opinfo *info = ir_op_info(opnum);
        char *text = ir_op_repr(t, r, 0);
        if (text == NULL) {
            PyErr_NoMemory();
            goto fail;
        }
        int offset = ir_op_at(t, r)->mc_offset;
        PyObject *op;
        if (opnum == IR_debug_merge_point) {
            const ir_dbg *d = ir_op_dbg(t, r);
            PyObject *gk = greenkey((PyObject *)d->code, d->pc);
            op = gk ? PyObject_CallFunction(dmp_cls, "sssiiN", info->name, text, "pypyjit",
                                            d->call_depth, d->call_id, gk)
                    : NULL;
        } else if (info->flags & IR_F_GUARD) {
            int e = exit_of(L, r);
            op = PyObject_CallFunction(guard_cls, "sisK", info->name, offset, text,
                                       (unsigned long long)(e >= 0 ? guard_hash(L, e) : 0));
        } else {
            op = PyObject_CallFunction(res_cls, "sis", info->name, offset, text);
        }
        free(text);
        if (op == NULL || PyList_Append(list, op) < 0) {
            Py_XDECREF(op);
            goto fail;
        }
        Py_DECREF(op);
    }
    Py_DECREF(res_cls);
    Py_DECREF(guard_cls);
    Py_DECREF(dmp_cls);
    return list;
fail:
    Py_XDECREF(res_cls);
    Py_XDECREF(guard_cls);
    Py_XDECREF(dmp_cls);
    Py_XDECREF(list);
    return NULL;
}

/* What a hook call keeps aside: the exception being raised, if any (an
 * abort can happen while one is pending), for the whole time the hook's
 * arguments are built and the hook runs. */
typedef struct {
    PyObject *type, *value, *tb;
} hook_saved;

static void hook_enter(hook_saved *saved)
{
    rt.in_hook = true;
    PyErr_Fetch(&saved->type, &saved->value, &saved->tb);
}

static void hook_leave(hook_saved *saved)
{
    PyErr_Restore(saved->type, saved->value, saved->tb);
    rt.in_hook = false;
}

/* Calls hook(*args) (between hook_enter and hook_leave); reports a
 * failure, or arguments that could not be built, as unraisable. Steals
 * args. */
static void call_hook(PyObject *hook, PyObject *args)
{
    if (args != NULL) {
        PyObject *res = PyObject_Call(hook, args, NULL);
        Py_DECREF(args);
        if (res == NULL)
            _PyErr_WriteUnraisableMsg("in jit hook", hook);
        Py_XDECREF(res);
    } else {
        _PyErr_WriteUnraisableMsg("in jit hook", hook);
    }
}

static bool hook_ready(int kind)
{
    return rt.hooks[kind] != NULL && !rt.in_hook;
}

static void on_compiled(const void *loop)
{
    const fe_loop *L = loop;
    if (!hook_ready(RT_HOOK_COMPILE))
        return;
    hook_saved saved;
    hook_enter(&saved);
    PyObject *hook = Py_NewRef(rt.hooks[RT_HOOK_COMPILE]);
    PyObject *cls = resop_class("JitLoopInfo");
    PyObject *ops = rt.hook_operations ? operations(L->trace, L) : Py_NewRef(Py_None);
    PyObject *gk = greenkey((PyObject *)L->code, L->header * (int)sizeof(_Py_CODEUNIT));
    PyObject *args = NULL;
    if (cls && ops && gk) {
        PyObject *info = PyObject_CallFunction(
            cls, "OOiKniss", gk, ops, 0, (unsigned long long)(uintptr_t)L->mc->code,
            (Py_ssize_t)L->mc->code_size, L->loop_no, "loop", "pypyjit");
        args = info ? PyTuple_Pack(1, info) : NULL;
        Py_XDECREF(info);
    }
    Py_XDECREF(cls);
    Py_XDECREF(ops);
    Py_XDECREF(gk);
    call_hook(hook, args);
    Py_DECREF(hook);
    hook_leave(&saved);
}

static void on_compiled_bridge(const void *loop, int b)
{
    const fe_loop *L = loop;
    if (!hook_ready(RT_HOOK_COMPILE))
        return;
    hook_saved saved;
    hook_enter(&saved);
    const jit_bridge *br = &L->mc->bridges[b];
    PyObject *hook = Py_NewRef(rt.hooks[RT_HOOK_COMPILE]);
    PyObject *cls = resop_class("JitLoopInfo");
    PyObject *ops = rt.hook_operations ? operations(br->trace, L) : Py_NewRef(Py_None);
    PyObject *args = NULL;
    if (cls && ops) {
        /* PyPy's bridge_no identifies the guard the bridge starts from. */
        PyObject *info = PyObject_CallFunction(
            cls, "OOiKnissK", Py_None, ops, 0, (unsigned long long)(uintptr_t)br->code,
            (Py_ssize_t)br->code_size, L->loop_no, "bridge", "pypyjit",
            (unsigned long long)guard_hash(L, br->parent_exit));
        args = info ? PyTuple_Pack(1, info) : NULL;
        Py_XDECREF(info);
    }
    Py_XDECREF(cls);
    Py_XDECREF(ops);
    call_hook(hook, args);
    Py_DECREF(hook);
    hook_leave(&saved);
}

static void on_abort(PyObject *code, int offset, const char *reason, const void *trace)
{
    if (!hook_ready(RT_HOOK_ABORT))
        return;
    hook_saved saved;
    hook_enter(&saved);
    PyObject *hook = Py_NewRef(rt.hooks[RT_HOOK_ABORT]);
    PyObject *ops = trace ? operations(trace, NULL) : PyList_New(0);
    PyObject *gk = greenkey(code, offset);
    PyObject *args = ops && gk ? Py_BuildValue("(sOsO)", "pypyjit", gk, reason, ops) : NULL;
    Py_XDECREF(ops);
    Py_XDECREF(gk);
    call_hook(hook, args);
    Py_DECREF(hook);
    hook_leave(&saved);
}

static void on_too_long(PyObject *code, int offset)
{
    if (!hook_ready(RT_HOOK_TRACE_TOO_LONG))
        return;
    hook_saved saved;
    hook_enter(&saved);
    PyObject *hook = Py_NewRef(rt.hooks[RT_HOOK_TRACE_TOO_LONG]);
    PyObject *gk = greenkey(code, offset);
    PyObject *args = gk ? Py_BuildValue("(sO)", "pypyjit", gk) : NULL;
    Py_XDECREF(gk);
    call_hook(hook, args);
    Py_DECREF(hook);
    hook_leave(&saved);
}

void api_hooks_install(void)
{
    rt_events.abort = on_abort;
    rt_events.too_long = on_too_long;
    rt_events.compiled = on_compiled;
    rt_events.compiled_bridge = on_compiled_bridge;
}

static void add_run_count(rt_jitcell *cell, void *arg)
{
    const fe_loop *L = cell->loop;
    PyObject *d = arg;
    if (L == NULL || !L->debug || PyErr_Occurred())
        return;
    PyObject *key = Py_BuildValue("(si)", "loop", L->loop_no);
    PyObject *val = PyLong_FromLongLong(L->runs);
    if (key && val)
        PyDict_SetItem(d, key, val);
    Py_XDECREF(key);
    Py_XDECREF(val);
}

PyObject *api_loop_run_times(void)
{
    PyObject *d = PyDict_New();
    if (d == NULL)
        return NULL;
    rt_foreach_cell(add_run_count, d);
    if (PyErr_Occurred()) {
        Py_DECREF(d);
        return NULL;
    }
    return d;
}
