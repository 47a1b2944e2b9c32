/* api/hooks: the JIT's events as calls of the user's hooks. */
#ifndef JIT_API_HOOKS_H
#define JIT_API_HOOKS_H

#include "../frontend/cpython.h"

/* Installs the event handlers (once, at import). */
void api_hooks_install(void);
/* {("loop", loop_no): runs} of loops compiled under enable_debug(). */
PyObject *api_loop_run_times(void);

#endif
