/* runtime: process-wide JIT state -- parameter values, statistics
 * counters and timers, hooks, and the jitcell hotness counters.
 * Knows nothing of bytecode or machine code. */
#ifndef JIT_RUNTIME_H
#define JIT_RUNTIME_H

#include <Python.h>
#include <stdbool.h>
#include <stdint.h>

/* ---- parameters (params.def) ---- */
enum {
#define JIT_PARAM_INT(name, def, min, doc) RT_PARAM_##name,
#define JIT_PARAM_STR(name, def, doc) RT_PARAM_##name,
#include "params.def"
#undef JIT_PARAM_INT
#undef JIT_PARAM_STR
    RT_NPARAMS
};

typedef enum { RT_PARAM_KIND_INT, RT_PARAM_KIND_STR } rt_param_kind;

typedef struct {
    const char *name;
    rt_param_kind kind;
    long default_int;
    long minimum;
    const char *default_str;
    const char *doc;
} rt_param_info;

extern const rt_param_info rt_param_table[RT_NPARAMS];

/* ---- counters (counters.def) ---- */
enum {
#define JIT_COUNTER(name, doc) RT_C_##name,
#include "counters.def"
#undef JIT_COUNTER
    RT_NCOUNTERS
};
extern const char *const rt_counter_names[RT_NCOUNTERS];

/* ---- hooks ---- */
enum { RT_HOOK_COMPILE, RT_HOOK_ABORT, RT_HOOK_TRACE_TOO_LONG, RT_NHOOKS };

/* All JIT state lives in this one struct. It is a process global because
 * PEP 523's eval-frame function receives no closure argument: the
 * evaluator can only reach its state through a global. Only the main
 * interpreter is supported, and every field is touched with the GIL held. */
typedef struct {
    long param_int[RT_NPARAMS];
    PyObject *param_str[RT_NPARAMS];     /* str objects, owned */
    bool enabled;                        /* evaluator installed ("off" clears it) */
    bool debug;                          /* enable_debug(): count loop runs */

    double increment_loop;               /* 1/(threshold-0.001), PyPy's JitCounter */
    double increment_function;
    double increment_guard;
    double decay_mult;                   /* 1 - decay/1000 */

    long decay_clock;                    /* back-edges since the last decay */
    int next_loop_no;                    /* numbers compiled loops, as PyPy's loop_no */

    long long counters[RT_NCOUNTERS];
    double time_tracing, time_backend;   /* seconds */

    PyObject *hooks[RT_NHOOKS];          /* callables or NULL, owned */
    bool hook_operations;                /* set_compile_hook(..., operations=) */
    bool in_hook;                        /* hooks are not reentrant */
} rt_state;

extern rt_state rt;

/* ---- events ----
 * The frontend reports what the JIT does here; the api part installs the
 * handlers that turn events into hook calls (the frontend must not depend
 * on api). Handlers must not raise: errors in hooks are reported as
 * unraisable there. `trace` is an ir_trace (may be NULL), `loop` the
 * frontend's compiled loop. */
typedef struct {
    void (*abort)(PyObject *code, int offset, const char *reason, const void *trace);
    void (*too_long)(PyObject *code, int offset);
    void (*compiled)(const void *loop);
    void (*compiled_bridge)(const void *loop, int bridge);
} rt_event_handlers;
extern rt_event_handlers rt_events;  /* set once by api at import */
void rt_event_abort(PyObject *code, int offset, const char *reason, const void *trace);
void rt_event_trace_too_long(PyObject *code, int offset);
void rt_event_compiled(const void *loop);
void rt_event_compiled_bridge(const void *loop, int bridge);
/* The detail of the last ABORT_UNSUPPORTED / ABORT_BAD_LOOP, for humans. */
void rt_note_abort_detail(const char *what);
const char *rt_last_abort_detail(void);

void rt_init(void);
void rt_params_reset(void);
/* Sets one parameter; validation happens in the Python layer but is
 * repeated here so the C API can never store a bad value. */
int rt_param_set(int idx, PyObject *value);
PyObject *rt_param_get(int idx);
void rt_params_derive(void);

static inline void rt_count(int counter, long long n) { rt.counters[counter] += n; }

/* PyPy decays its hotness counters at every minor collection, so that code
 * which warms up very slowly never becomes hot. CPython has no such regular
 * event that C can see without running Python code (a gc.callbacks entry
 * would be visible to programs), so we decay every RT_DECAY_PERIOD
 * back-edges instead. */
#define RT_DECAY_PERIOD 65536
void rt_decay_all(void);
static inline void rt_decay_clock_add(int ticks)
{
    rt.decay_clock += ticks;
    if (__builtin_expect(rt.decay_clock >= RT_DECAY_PERIOD, 0)) {
        rt.decay_clock = 0;
        rt_decay_all();
    }
}

#endif
