/* frontend/opcodes: instantiates CPython 3.11's opcode tables
 * (_PyOpcode_Caches, _PyOpcode_Deopt, ...) inside this module. libpython
 * does not export them; the module is built with hidden visibility, so
 * these copies stay private. */
#define NEED_OPCODE_TABLES
#include "cpython.h"
