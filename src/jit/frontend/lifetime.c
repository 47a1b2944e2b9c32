/* frontend/lifetime: releaseall() and the freeing of compiled loops. A
 * release marks every loop; the marked loops are freed at the next garbage
 * collection (PyPy frees them at the next GC too), except those running on
 * some thread's stack, which wait for the collection after. A code
 * object's loops go together: a bridge of one may jump into another
 * (nested loops), so none is freed while one of them runs or lives on
 * unmarked (compiled after the release). The trigger is
 * a small cycle of garbage whose destruction does the work, so nothing of
 * ours appears in gc.callbacks or anywhere a program can see. */
#include "jitloop.h"
#include "../runtime/runtime.h"

static void free_cell_loop(rt_jitcell *cell)
{
    fe_loop_free(cell->loop);
    cell->loop = NULL;
    /* The place may become hot and compile again. */
    cell->counter = 0.0;
    cell->aborts = 0;
    cell->ends = 0;
    cell->flags &= (uint16_t)~(JC_GIVEN_UP | JC_BEING_TRACED);
    rt_cell_wake(cell);
    rt_count(RT_C_TOTAL_FREED_LOOPS, 1);
}

static void release_marked(rt_cellset *s, void *arg)
{
    bool *left = arg;
    bool marked = false, running = false;
    for (int k = 0; k < s->ncells; k++) {
        fe_loop *L = s->cells[k].loop;
        if (L != NULL) {
            marked |= L->release;
            running |= L->running > 0;
        }
    }
    if (!marked)
        return;
    if (running) {
        *left = true;
        return;
    }
    for (int k = 0; k < s->ncells; k++)
        if (s->cells[k].loop != NULL)
            free_cell_loop(&s->cells[k]);
}

static int arm(void);

static void mark(rt_jitcell *cell, void *arg)
{
    (void)arg;
    if (cell->loop != NULL)
        ((fe_loop *)cell->loop)->release = true;
}

/* The capsule's destructor runs when the collector frees the cycle. */
static void on_collected(PyObject *capsule)
{
    (void)capsule;
    bool left = false;
    rt_foreach_cellset(release_marked, &left);
    /* Loops still running wait for the next collection. A deallocation
     * can happen while an exception is set: keep it. */
    if (left) {
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        if (arm() < 0)
            PyErr_Clear();
        PyErr_Restore(type, value, tb);
    }
}

int fe_release_all(void)
{
    rt_foreach_cell(mark, NULL);
    return arm();
}

static int arm(void)
{
    /* [capsule, itself]: unreachable at once, freed by the next collection */
    PyObject *token = PyCapsule_New((void *)&on_collected, "pypyjit.release", on_collected);
    PyObject *cycle = token ? PyList_New(0) : NULL;
    if (cycle == NULL || PyList_Append(cycle, token) < 0 || PyList_Append(cycle, cycle) < 0) {
        Py_XDECREF(cycle);
        Py_XDECREF(token);
        return -1;
    }
    Py_DECREF(token);
    Py_DECREF(cycle);
    return 0;
}
