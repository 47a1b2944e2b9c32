/* backend/x64/x64_regalloc: linear-scan register allocation over a trace
 * (Poletto & Sarkar): every value gets ONE location -- a general register,
 * an xmm register or a spill slot in jit_deadframe.spill -- for its whole
 * live range, so a guard's exit map is just "the value's location".
 *
 * Live ranges: [definition, last use], where uses are op args, guard
 * snapshot slots (kept alive up to the guard) and jump args. With a loop
 * (a jump back to a label of this trace), every value defined before the
 * label and used after it -- the label's args in particular, which the
 * jump overwrites -- lives until the jump.
 *
 * Registers (see x64_regs.h): rsp, the deadframe pointer rbx and the
 * scratch registers rax, rcx, rdx, r11, xmm14, xmm15 are never allocated;
 * the lowering uses the scratches freely (division, shifts, calls,
 * memory-to-memory moves). Calls save the caller-saved registers that are
 * live across them and restore them afterwards, so locations never change
 * at a call; values live across a call prefer callee-saved registers.
 *
 * A comparison whose only use is the guard_true/guard_false right after
 * it is "fused": it gets no location, and the lowering emits cmp + jcc. */
#ifndef JIT_X64_REGALLOC_H
#define JIT_X64_REGALLOC_H

#include <stdbool.h>
#include "../backend.h"

typedef struct {
    jit_loc *loc;    /* per op: JIT_LOC_GPR/XMM/SPILL, or JIT_LOC_NONE (no
                        result, result never used, or fused comparison) */
    int32_t *end;    /* per op: last position needing the value, -1 if none */
    uint8_t *fused;  /* per op: 1 for a comparison fused into the next op */
    int nspill;      /* spill slots used (df->spill[0 .. nspill-1]) */
    ir_ref label;    /* the label the final jump goes to, or -1 (none, or
                        another trace's with external_jump) */
    ir_ref jump;     /* that jump, or -1 */
} x64_alloc;

/* Ops whose lowering calls out to C (and so clobbers the caller-saved
 * registers): call_*, py_decref (deallocation), guard_no_exception; with
 * a Py_DEBUG interpreter also py_incref. */
bool x64_op_calls(const ir_trace *t, ir_ref r);

/* Options for bridges (x64_bridge.c): a final jump may go to a label of
 * another trace (a->jump set, a->label -1), and inputs prefer the
 * register they had in the parent trace (input_hint[k] for input k, any
 * location kind; only registers are used as hints). */
typedef struct {
    bool external_jump;
    const jit_loc *input_hint;
} x64_alloc_opts;

/* Allocates every value of t. Returns 0, or -1 with a reason in err (a
 * malformed loop, more than JIT_MAX_SPILL spill slots, out of memory). */
int x64_regalloc(const ir_trace *t, x64_alloc *a, char *err, size_t errsize);
int x64_regalloc_ex(const ir_trace *t, x64_alloc *a, const x64_alloc_opts *o, char *err,
                    size_t errsize);
void x64_alloc_free(x64_alloc *a);

#endif
