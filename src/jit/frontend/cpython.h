/* frontend: the one place that includes CPython 3.11's internal headers.
 * Everything in frontend/ that touches frames, code objects or the
 * thread state includes this. */
#ifndef JIT_FE_CPYTHON_H
#define JIT_FE_CPYTHON_H

#ifndef Py_BUILD_CORE_MODULE
#define Py_BUILD_CORE_MODULE 1
#endif
#include <Python.h>
#include <frameobject.h>
#include <opcode.h>
#include "internal/pycore_code.h"
#include "internal/pycore_frame.h"
#include "internal/pycore_ceval.h"
#include "internal/pycore_interp.h"
#include "internal/pycore_pystate.h"
#include "internal/pycore_object.h"

#if PY_VERSION_HEX < 0x030B0000 || PY_VERSION_HEX >= 0x030C0000
#error "this frontend is for CPython 3.11"
#endif

#define FE_LIKELY(x) __builtin_expect(!!(x), 1)
#define FE_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* _PyOpcode_Caches / _PyOpcode_Deopt: private copies, see opcodes.c. */
#include "internal/pycore_opcode.h"

#endif
