/* backend/x64/x64_regs: the register conventions of compiled traces,
 * shared by the allocator, the move resolver and the lowering.
 *
 *   rsp              stack (16-byte aligned between the prologue and calls)
 *   rbx              jit_deadframe *df for the whole run (callee-saved)
 *   rax rcx rdx r11  scratch, never allocated: division (rax, rdx), shift
 *                    counts (cl), call results and function addresses,
 *                    temporaries of the lowering and of parallel moves
 *   xmm14 xmm15      float scratch
 *   allocatable      rsi rdi r8 r9 r10 (caller-saved),
 *                    rbp r12 r13 r14 r15 (callee-saved), xmm0..xmm13 */
#ifndef JIT_X64_REGS_H
#define JIT_X64_REGS_H

#include <stdbool.h>
#include <stddef.h>
#include "x64_emit.h"
#include "../backend.h"

#define X64_DF X64_RBX
#define X64_TMP X64_RAX   /* first scratch; also the parallel-move cycle temp */
#define X64_TMP2 X64_R11  /* second scratch; memory-to-memory moves */
#define X64_XTMP X64_XMM15
#define X64_XTMP2 X64_XMM14

/* Allocation order: caller-saved first, callee-saved last. */
static const x64_reg x64_alloc_gprs[] = {X64_RSI, X64_RDI, X64_R8, X64_R9, X64_R10,
                                         X64_RBP, X64_R12, X64_R13, X64_R14, X64_R15};
#define X64_NALLOC_GPR 10
#define X64_NALLOC_XMM 14 /* xmm0 .. xmm13 */

static inline bool x64_caller_saved(x64_reg r)
{
    return r == X64_RAX || r == X64_RCX || r == X64_RDX || r == X64_RSI || r == X64_RDI ||
           (r >= X64_R8 && r <= X64_R11);
}

/* df fields as memory operands */
static inline x64_mem x64_df_spill(int slot)
{
    return x64_m(X64_DF, (int32_t)(offsetof(jit_deadframe, spill) + 8 * (size_t)slot));
}
static inline x64_mem x64_df_gpr(int r) { return x64_m(X64_DF, (int32_t)(offsetof(jit_deadframe, gpr) + 8 * (size_t)r)); }
static inline x64_mem x64_df_xmm(int x) { return x64_m(X64_DF, (int32_t)(offsetof(jit_deadframe, xmm) + 8 * (size_t)x)); }

#endif
