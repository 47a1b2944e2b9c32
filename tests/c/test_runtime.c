/* tests/c/test_runtime: the parameter table, PyPy's counter semantics of
 * jitcells, decay, and the cellset registry. */
#include "../../src/jit/runtime/runtime.h"
#include "../../src/jit/runtime/jitcell.h"
#include "test.h"
#include <string.h>

static int param(const char *name)
{
    for (int i = 0; i < RT_NPARAMS; i++)
        if (strcmp(rt_param_table[i].name, name) == 0)
            return i;
    return -1;
}

TEST(params_have_pypy_defaults)
{
    rt_init();
    CHECK_EQ_INT(RT_NPARAMS, 17);
    CHECK_EQ_INT(rt.param_int[param("threshold")], 1039);
    CHECK_EQ_INT(rt.param_int[param("function_threshold")], 1619);
    CHECK_EQ_INT(rt.param_int[param("trace_eagerness")], 200);
    CHECK_EQ_INT(rt.param_int[param("decay")], 40);
    CHECK_EQ_INT(rt.param_int[param("trace_limit")], 6000);
    CHECK_EQ_INT(rt.param_int[param("loop_longevity")], 1000);
    CHECK(PyUnicode_CompareWithASCIIString(rt.param_str[param("enable_opts")], "all") == 0);
}

TEST(param_set_checks_type_and_range)
{
    rt_init();
    int t = param("threshold");
    PyObject *v = PyLong_FromLong(-1);
    CHECK_EQ_INT(rt_param_set(t, v), -1);
    CHECK(PyErr_ExceptionMatches(PyExc_ValueError));
    PyErr_Clear();
    Py_DECREF(v);
    CHECK_EQ_INT(rt_param_set(t, Py_True), -1);
    CHECK(PyErr_ExceptionMatches(PyExc_TypeError));
    PyErr_Clear();
    v = PyLong_FromLong(7);
    CHECK_EQ_INT(rt_param_set(t, v), 0);
    Py_DECREF(v);
    CHECK_EQ_INT(rt.param_int[t], 7);
    rt_params_reset();
    CHECK_EQ_INT(rt.param_int[t], 1039);
}

/* A counter fires on exactly the threshold-th tick, like PyPy's. */
/* One back-edge as the interpreter takes it: the countdown, and the
 * cell's slow path when it runs out. */
static bool backedge(rt_jitcell *c, double inc)
{
    if (--c->countdown > 0)
        return false;
    int ticks;
    return rt_cell_ticks(c, inc, &ticks);
}

static int ticks_to_fire(long threshold)
{
    rt_init();
    rt.param_int[param("threshold")] = threshold;
    rt_params_derive();
    rt_jitcell c = {0};
    for (int n = 1; n <= 100000; n++)
        if (backedge(&c, rt.increment_loop))
            return n;
    return -1;
}

TEST(cell_fires_at_threshold)
{
    CHECK_EQ_INT(ticks_to_fire(1), 1);
    CHECK_EQ_INT(ticks_to_fire(2), 2);
    CHECK_EQ_INT(ticks_to_fire(3), 3);
    CHECK_EQ_INT(ticks_to_fire(1039), 1039);
    CHECK_EQ_INT(ticks_to_fire(0), -1);  /* 0 never fires */
}

TEST(cell_restarts_and_trace_next)
{
    rt_init();
    rt_jitcell c = {0};
    double inc = 1.0 / (3 - 0.001);
    CHECK(!backedge(&c, inc));
    CHECK(!backedge(&c, inc));
    CHECK(backedge(&c, inc));
    CHECK(c.counter == 0.0);
    c.flags |= JC_TRACE_NEXT;   /* as trace_next_iteration() does */
    rt_cell_wake(&c);
    CHECK(backedge(&c, inc));
    CHECK(!(c.flags & JC_TRACE_NEXT));
    CHECK(!backedge(&c, inc));
}

TEST(cell_woken_mid_countdown_keeps_its_ticks)
{
    /* woken after 4 of 10 back-edges (a flag set, a decay of 1.0): it
     * still fires on the 10th */
    rt_jitcell c = {0};
    double inc = 1.0 / 10;
    for (int n = 1; n <= 4; n++)
        CHECK(!backedge(&c, inc));
    rt_cell_wake(&c);
    for (int n = 5; n <= 9; n++)
        CHECK(!backedge(&c, inc));
    CHECK(backedge(&c, inc));
    /* a long threshold is counted down in batches, and fires exactly */
    rt_jitcell d = {0};
    double small = 1.0 / 100000;
    int n = 1;
    while (!backedge(&d, small))
        n++;
    CHECK_EQ_INT(n, 100000);
    CHECK(d.countdown <= RT_CELL_BATCH);
}

TEST(decay_scales_every_registered_counter)
{
    rt_init();
    rt.param_int[param("decay")] = 500;
    rt_params_derive();
    rt_cellset s = {0};
    rt_cellset_link(&s);
    int a = rt_cellset_find(&s, 10, false, true, 1);
    int b = rt_cellset_find(&s, 20, false, true, 2);
    CHECK_EQ_INT(rt_cellset_find(&s, 10, false, true, 1), a);
    CHECK_EQ_INT(rt_cellset_find(&s, 30, false, false, 3), -1);
    CHECK(rt_cellset_find(&s, 10, true, true, 4) != a);  /* is_being_profiled is in the key */
    s.cells[a].counter = 0.8;
    s.cells[b].counter = 0.4;
    rt_decay_all();
    CHECK(s.cells[a].counter > 0.399 && s.cells[a].counter < 0.401);
    CHECK(s.cells[b].counter > 0.199 && s.cells[b].counter < 0.201);
    CHECK_EQ_INT(rt_trace_next_hash(2), 1);
    CHECK(s.cells[b].flags & JC_TRACE_NEXT);
    rt_cellset_free(&s);
    CHECK_EQ_INT(rt_trace_next_hash(2), 0);  /* unlinked */
}

TEST(decay_zero_keeps_counters)
{
    rt_init();
    rt.param_int[param("decay")] = 0;
    rt_params_derive();
    rt_cellset s = {0};
    rt_cellset_link(&s);
    int a = rt_cellset_find(&s, 10, false, true, 1);
    s.cells[a].counter = 0.5;
    rt_decay_all();
    CHECK(s.cells[a].counter == 0.5);
    rt_cellset_free(&s);
}
