/* frontend/compile: turns a recorded trace into a compiled loop attached
 * to its jitcell -- verify, optimise, hand to the backend, count, and
 * report to the compile hook. */
#include "jitloop.h"
#include "../runtime/runtime.h"
#include "../opt/opt.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void count_final_ops(const ir_trace *t)
{
    for (ir_ref r = ir_first(t); r < t->nops; r++) {
        uint32_t f = ir_opinfo_table[ir_opnum(t, r)].flags;
        if (f & IR_F_DEBUG)
            continue;
        rt_count(RT_C_OPT_OPS, 1);
        if (f & IR_F_GUARD)
            rt_count(RT_C_OPT_GUARDS, 1);
    }
}

/* Sizes the per-exit arrays to the loop's exits (bridges add exits). */
static int grow_exits(fe_loop *L)
{
    int n = L->mc->nexits;
    if (n <= L->nexit_fails)
        return 0;
    uint32_t *fails = realloc(L->exit_fails, (size_t)n * sizeof *fails);
    if (fails == NULL)
        return -1;
    L->exit_fails = fails;
    uint8_t *state = realloc(L->exit_state, (size_t)n);
    if (state == NULL)
        return -1;
    L->exit_state = state;
    jit_loc *floc = realloc(L->finish_loc, (size_t)n * sizeof *floc);
    if (floc == NULL)
        return -1;
    L->finish_loc = floc;
    for (int k = L->nexit_fails; k < n; k++) {
        fails[k] = 0;
        state[k] = FE_EXIT_OPEN;
        floc[k] = fe_finish_result_loc(L, k);
    }
    L->nexit_fails = n;
    return 0;
}

/* Guards that exist to give the interpreter control (the eval breaker:
 * signals, other threads; tracing switched on) must always go back to it:
 * a bridge from them would keep the machine code running instead. */
static bool wants_interpreter(const ir_trace *t, ir_ref guard)
{
    if (ir_opnum(t, guard) != IR_guard_false || ir_nargs(t, guard) != 1)
        return false;
    ir_ref flag = ir_arg(t, guard, 0);
    if (!ir_is_op(flag) || ir_opnum(t, flag) != IR_getfield_raw_i)
        return false;
    const ir_descr *d = ir_op_descr(t, flag);
    return d != NULL && d->name != NULL &&
           (strcmp(d->name, "ceval.eval_breaker") == 0 || strcmp(d->name, "cframe.use_tracing") == 0);
}

static void mark_interpreter_exits(fe_loop *L, int first)
{
    for (int e = first; e < L->nexit_fails; e++) {
        const jit_exit *x = &L->mc->exits[e];
        if (x->snap >= 0 && wants_interpreter(jit_exit_trace(L->mc, e), x->guard))
            L->exit_state[e] = FE_EXIT_GIVEN_UP;
    }
}

/* Runs the passes enable_opts names; NULL (with err) on failure. */
static ir_trace *optimise(const ir_trace *t, char *err, size_t errsize)
{
    unsigned mask = OPT_ALL;
    char operr[OPT_ERRSIZE];
    const char *opts = PyUnicode_AsUTF8(rt.param_str[RT_PARAM_enable_opts]);
    if (opts == NULL || opt_parse_enable_opts(opts, &mask, operr) < 0) {
        PyErr_Clear();
        mask = OPT_ALL;  /* set_param validated it; keep going with all */
    }
    ir_trace *out = NULL;
    return opt_run(t, mask, &out, NULL, err, errsize) < 0 ? NULL : out;
}

int fe_compile_bridge(fe_loop *L, int e, ir_trace *t, ir_ref *from_refs, fe_loop *to)
{
    char err[256];
    double t0 = now();
    PyObject *code = (PyObject *)L->code;
    int offset = L->header * (int)sizeof(_Py_CODEUNIT);
    ir_trace *opt_t = NULL;
    ir_trace **kept = NULL;
    if (ir_verify(t, err, sizeof err) < 0 || (opt_t = optimise(t, err, sizeof err)) == NULL)
        goto fail;
    ir_trace_free(t);
    t = opt_t;
    kept = realloc(L->bridge_traces, (size_t)(L->nbridges + 1) * sizeof *kept);
    if (kept == NULL)
        goto fail;
    L->bridge_traces = kept;
    count_final_ops(t);
    rt_count(RT_C_BACKEND, 1);
    int b = jit_compile_bridge(L->mc, e, t, from_refs, to ? to->mc : NULL, err, sizeof err);
    rt.time_backend += now() - t0;
    if (b < 0)
        goto fail;
    L->bridge_traces[L->nbridges++] = t;  /* the backend borrows it */
    int first_new = L->nexit_fails;
    if (grow_exits(L) < 0)
        PyErr_Clear();  /* out of memory: the bridge's exits just go uncounted */
    mark_interpreter_exits(L, first_new);
    free(from_refs);
    rt_count(RT_C_TOTAL_COMPILED_BRIDGES, 1);
    rt_event_compiled_bridge(L, b);
    return 0;
fail:
    rt_note_abort_detail(err);
    rt_count(RT_C_ABORT_BRIDGE, 1);
    rt_event_abort(code, offset, "ABORT_BRIDGE", t);
    L->exit_state[e] = FE_EXIT_GIVEN_UP;
    ir_trace_free(t);
    free(from_refs);
    return -1;
}

int fe_compile_loop(fe_jitcode *jc, rt_jitcell *cell, ir_trace *t, fe_loop *L)
{
    (void)jc;
    char err[256];
    double t0 = now();
    if (ir_verify(t, err, sizeof err) < 0) {
        rt_note_abort_detail(err);
        rt_count(RT_C_ABORT_BAD_LOOP, 1);
        rt_event_abort((PyObject *)L->code, cell->offset, "ABORT_BAD_LOOP", t);
        goto fail;
    }
    ir_trace *opt_t = optimise(t, err, sizeof err);
    if (opt_t == NULL) {
        rt_note_abort_detail(err);
        rt_count(RT_C_ABORT_BAD_LOOP, 1);
        rt_event_abort((PyObject *)L->code, cell->offset, "ABORT_BAD_LOOP", t);
        goto fail;
    }
    ir_trace_free(t);
    t = opt_t;
    count_final_ops(t);
    rt_count(RT_C_BACKEND, 1);
    L->mc = jit_compile_loop(t, err, sizeof err);
    rt.time_backend += now() - t0;
    if (L->mc == NULL) {
        rt_note_abort_detail(err);
        rt_count(RT_C_ABORT_UNSUPPORTED, 1);
        rt_event_abort((PyObject *)L->code, cell->offset, "ABORT_UNSUPPORTED", t);
        goto fail;
    }
    L->trace = t;
    L->mc->user = L;
    L->pending_bridge = -1;
    if (grow_exits(L) < 0)
        goto fail_loop;
    mark_interpreter_exits(L, 0);
    L->loop_no = rt.next_loop_no++;
    cell->loop = L;
    cell->flags |= JC_EXISTS;
    rt_cell_wake(cell);   /* entered from the next back-edge on */
    rt_count(RT_C_TOTAL_COMPILED_LOOPS, 1);
    rt_decay_all();  /* as PyPy: no burst of compilations after this one */
    rt_event_compiled(L);
    return 0;

fail_loop:
    L->trace = NULL;
fail:
    cell->flags |= JC_GIVEN_UP;
    rt_cell_wake(cell);
    ir_trace_free(t);
    fe_loop_free(L);
    return -1;
}
