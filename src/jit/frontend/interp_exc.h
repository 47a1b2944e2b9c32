/* frontend/interp_exc: what the own interpreter needs to raise and catch
 * exceptions itself -- the code's exception table, `raise`, and the type
 * check of an `except` clause -- with CPython 3.11's results and messages. */
#ifndef JIT_FE_INTERP_EXC_H
#define JIT_FE_INTERP_EXC_H

#include "cpython.h"
#include <stdbool.h>

/* The handler covering code unit `index` of co: true with the handler's
 * code unit, the stack depth it expects (above the locals) and whether it
 * wants the raising instruction's offset pushed first; false when no
 * handler covers it (the exception leaves the frame). */
bool fe_exception_handler(PyCodeObject *co, int index, int *handler, int *level, bool *lasti);

/* RAISE_VARARGS: exc and cause are stolen (NULL when absent; exc NULL is a
 * bare `raise`). Sets the exception and returns 1 when it is a re-raise
 * (unwind without a new traceback entry), 0 when the raise is new or
 * failed (the traceback gets this frame's entry). */
int fe_do_raise(PyObject *exc, PyObject *cause);

/* CHECK_EXC_MATCH's check of what an `except` clause names: 0 when it is
 * an exception class or a tuple of them, -1 with CPython's TypeError. */
int fe_check_except_type(PyObject *right);

#endif
