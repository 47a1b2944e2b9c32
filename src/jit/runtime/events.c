/* runtime/events: the one place where the JIT's events are reported;
 * api installs the handlers that call the user's hooks. */
#include "runtime.h"
#include <string.h>

/* Function pointers installed once when the module is imported. */
rt_event_handlers rt_events;

/* Last abort detail: a diagnostic string only (global because aborts are
 * reported from deep in the recorder; GIL held). */
static char last_detail[128];

void rt_note_abort_detail(const char *what)
{
    strncpy(last_detail, what, sizeof last_detail - 1);
    last_detail[sizeof last_detail - 1] = '\0';
}

const char *rt_last_abort_detail(void)
{
    return last_detail;
}

void rt_event_abort(PyObject *code, int offset, const char *reason, const void *trace)
{
    if (rt_events.abort)
        rt_events.abort(code, offset, reason, trace);
}

void rt_event_trace_too_long(PyObject *code, int offset)
{
    if (rt_events.too_long)
        rt_events.too_long(code, offset);
}

void rt_event_compiled(const void *loop)
{
    if (rt_events.compiled)
        rt_events.compiled(loop);
}

void rt_event_compiled_bridge(const void *loop, int bridge)
{
    if (rt_events.compiled_bridge)
        rt_events.compiled_bridge(loop, bridge);
}
