/* frontend/compile: turns a recorded trace into a compiled loop attached
 * to its jitcell -- verify, optimise, hand to the backend, count, and
 * report to the compile hook. */
#include "jitloop.h"
#include "../runtime/runtime.h"
#include "../opt/opt.h"
#include <stdlib.h>
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
    /* Optimise, with the passes enable_opts names. */
    unsigned mask = OPT_ALL;
    char operr[OPT_ERRSIZE];
    const char *opts = PyUnicode_AsUTF8(rt.param_str[RT_PARAM_enable_opts]);
    if (opts == NULL || opt_parse_enable_opts(opts, &mask, operr) < 0) {
        PyErr_Clear();
        mask = OPT_ALL;  /* set_param validated it; keep going with all */
    }
    ir_trace *opt_t = NULL;
    if (opt_run(t, mask, &opt_t, NULL, err, sizeof err) < 0) {
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
    L->exit_fails = calloc((size_t)L->mc->nexits + 1, sizeof *L->exit_fails);
    if (L->exit_fails == NULL)
        goto fail_loop;
    L->loop_no = rt.next_loop_no++;
    cell->loop = L;
    cell->flags |= JC_EXISTS;
    rt_count(RT_C_TOTAL_COMPILED_LOOPS, 1);
    rt_decay_all();  /* as PyPy: no burst of compilations after this one */
    rt_event_compiled(L);
    return 0;

fail_loop:
    L->trace = NULL;
fail:
    cell->flags |= JC_GIVEN_UP;
    ir_trace_free(t);
    fe_loop_free(L);
    return -1;
}
