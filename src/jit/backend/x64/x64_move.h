/* backend/x64/x64_move: moving 64-bit values between locations (general
 * register, xmm register, spill slot, constant) and the parallel move that
 * a jump (loop-carried values) and a call (arguments) need. */
#ifndef JIT_X64_MOVE_H
#define JIT_X64_MOVE_H

#include "x64_regs.h"

static inline jit_loc x64_loc_gpr(x64_reg r) { return (jit_loc){.kind = JIT_LOC_GPR, .index = (uint16_t)r}; }
static inline jit_loc x64_loc_xmm(x64_xmm x) { return (jit_loc){.kind = JIT_LOC_XMM, .index = (uint16_t)x}; }
static inline jit_loc x64_loc_const(uint64_t v) { return (jit_loc){.kind = JIT_LOC_CONST, .value = v}; }
static inline bool x64_loc_same(jit_loc a, jit_loc b)
{
    return a.kind == b.kind && (a.kind == JIT_LOC_CONST ? a.value == b.value : a.index == b.index);
}

/* dst := src, bit for bit. dst is a register or spill slot (JIT_LOC_NONE:
 * nothing). May clobber X64_TMP2 (r11), and only it. */
void x64_move(x64_buf *b, jit_loc dst, jit_loc src);

/* All dst[i] := src[i] at once (the dsts are distinct). Cycles are broken
 * through X64_TMP (rax); X64_TMP2 (r11) is clobbered too. Neither may be
 * a dst or src. */
void x64_parallel_move(x64_buf *b, const jit_loc *dst, const jit_loc *src, int n);

#endif
