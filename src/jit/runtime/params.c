/* runtime/params: the parameter table, current values, and the hotness
 * increments derived from them. */
#include "runtime.h"

const rt_param_info rt_param_table[RT_NPARAMS] = {
#define JIT_PARAM_INT(name, def, min, doc) {#name, RT_PARAM_KIND_INT, def, min, NULL, doc},
#define JIT_PARAM_STR(name, def, doc) {#name, RT_PARAM_KIND_STR, 0, 0, def, doc},
#include "params.def"
#undef JIT_PARAM_INT
#undef JIT_PARAM_STR
};

const char *const rt_counter_names[RT_NCOUNTERS] = {
#define JIT_COUNTER(name, doc) #name,
#include "counters.def"
#undef JIT_COUNTER
};

rt_state rt;

/* PyPy's JitCounter: a counter gains 1/(threshold - 0.001) per tick and
 * fires when it reaches 1.0, so it fires on exactly the threshold-th tick.
 * A threshold of 0 (or less) never fires. */
static double increment_for(long threshold)
{
    return threshold <= 0 ? 0.0 : 1.0 / ((double)threshold - 0.001);
}

void rt_params_derive(void)
{
    rt.increment_loop = increment_for(rt.param_int[RT_PARAM_threshold]);
    rt.increment_function = increment_for(rt.param_int[RT_PARAM_function_threshold]);
    rt.increment_guard = increment_for(rt.param_int[RT_PARAM_trace_eagerness]);
    long decay = rt.param_int[RT_PARAM_decay];
    if (decay > 1000)
        decay = 1000;
    rt.decay_mult = 1.0 - (double)decay * 0.001;
}

void rt_params_reset(void)
{
    for (int i = 0; i < RT_NPARAMS; i++) {
        const rt_param_info *p = &rt_param_table[i];
        if (p->kind == RT_PARAM_KIND_INT) {
            rt.param_int[i] = p->default_int;
        } else {
            PyObject *s = PyUnicode_FromString(p->default_str);
            if (s == NULL) {
                PyErr_Clear();  /* keep the old value; only at OOM */
                continue;
            }
            Py_XSETREF(rt.param_str[i], s);
        }
    }
    rt_params_derive();
}

int rt_param_set(int idx, PyObject *value)
{
    const rt_param_info *p = &rt_param_table[idx];
    if (p->kind == RT_PARAM_KIND_INT) {
        if (!PyLong_Check(value) || PyBool_Check(value)) {
            PyErr_Format(PyExc_TypeError, "JIT parameter '%s' must be an int, not %.100s",
                         p->name, Py_TYPE(value)->tp_name);
            return -1;
        }
        long v = PyLong_AsLong(value);
        if (v == -1 && PyErr_Occurred()) {
            PyErr_Clear();
            PyErr_Format(PyExc_ValueError, "JIT parameter '%s' is out of range", p->name);
            return -1;
        }
        if (v < p->minimum) {
            PyErr_Format(PyExc_ValueError, "JIT parameter '%s' must be >= %ld, got %ld",
                         p->name, p->minimum, v);
            return -1;
        }
        rt.param_int[idx] = v;
        rt_params_derive();
        return 0;
    }
    if (!PyUnicode_Check(value)) {
        PyErr_Format(PyExc_TypeError, "JIT parameter '%s' must be a str, not %.100s",
                     p->name, Py_TYPE(value)->tp_name);
        return -1;
    }
    Py_INCREF(value);
    Py_XSETREF(rt.param_str[idx], value);
    return 0;
}

PyObject *rt_param_get(int idx)
{
    if (rt_param_table[idx].kind == RT_PARAM_KIND_INT)
        return PyLong_FromLong(rt.param_int[idx]);
    return Py_NewRef(rt.param_str[idx]);
}

void rt_init(void)
{
    rt_params_reset();
    rt.enabled = false;
}
