/* backend/x64/x64_ctx: what the pieces of the x64 lowering share (internal
 * to backend/x64): the compilation context, guard exit conditions,
 * operand helpers, and the entry points of x64_asm.c (driver, exits),
 * x64_lower.c (ops) and x64_call.c (calls and reference counts). */
#ifndef JIT_X64_CTX_H
#define JIT_X64_CTX_H

#include "x64_move.h"
#include "x64_regalloc.h"

#include <string.h>

/* The condition under which a guard exits. FEQ is ordered-and-equal
 * (ZF=1, PF=0) after ucomisd, FNE its negation (ZF=0 or PF=1). */
typedef enum { C_NEVER, C_ALWAYS, C_CC, C_FEQ, C_FNE } cond_kind;
typedef struct {
    cond_kind kind;
    x64_cc cc;
} cond;

static inline cond cond_cc(x64_cc cc) { return (cond){C_CC, cc}; }
static inline cond cond_not(cond c)
{
    static const cond_kind neg[] = {C_ALWAYS, C_NEVER, C_CC, C_FNE, C_FEQ};
    return (cond){neg[c.kind], x64_cc_negate(c.cc)};
}

typedef struct {
    ir_trace *t;
    x64_alloc a;
    x64_buf b;
    jit_exit *exits;
    int nexits;
    jit_exit_entry *locs;
    int nlocs, caplocs;
    int *stamp_op, *stamp_const; /* exit number + 1 that last listed a value */
    cond fused;                  /* condition of the last fused comparison */
    x64_label common;
    int32_t label_pos;
    /* bridges (x64_bridge.c): exits are numbered from exit_base and belong
     * to bridge `owner` (-1: the loop); a jump without a label of this
     * trace goes to target's label */
    int exit_base, owner;
    const jit_loop *target;
    const jit_loop *jump_loop;   /* a bridge's final jump goes to its label (default target) */
    const jit_loop *self;        /* a loop: the jit_loop its common exit names in df->exited */
    char *err;
    size_t errsize;
    bool failed;
} x64_ctx;

void x64_fail(x64_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- operands ---- */

static inline jit_loc loc_of(x64_ctx *c, ir_ref v)
{
    if (ir_is_op(v))
        return c->a.loc[v];
    const ir_const *k = ir_const_at(c->t, v);
    uint64_t bits;
    if (k->type == 'f')
        memcpy(&bits, &k->v.f, sizeof bits);
    else if (k->type == 'r')
        bits = (uint64_t)(uintptr_t)k->v.p;
    else
        bits = (uint64_t)k->v.i;
    return x64_loc_const(bits);
}

static inline bool fits32(uint64_t v) { return (int64_t)v == (int32_t)v; }

/* A register holding v: its own, or `scratch` loaded with it. Loading a
 * float constant into an xmm scratch clobbers r11 (X64_TMP2). */
static inline x64_reg in_gpr(x64_ctx *c, ir_ref v, x64_reg scratch)
{
    jit_loc l = loc_of(c, v);
    if (l.kind == JIT_LOC_GPR)
        return (x64_reg)l.index;
    x64_move(&c->b, x64_loc_gpr(scratch), l);
    return scratch;
}

static inline x64_xmm in_xmm(x64_ctx *c, ir_ref v, x64_xmm scratch)
{
    jit_loc l = loc_of(c, v);
    if (l.kind == JIT_LOC_XMM)
        return (x64_xmm)l.index;
    x64_move(&c->b, x64_loc_xmm(scratch), l);
    return scratch;
}

/* Where op r computes its result: its register, or a scratch when it is
 * spilled or unused; done_* then stores it. */
static inline x64_reg out_gpr(x64_ctx *c, ir_ref r)
{
    return c->a.loc[r].kind == JIT_LOC_GPR ? (x64_reg)c->a.loc[r].index : X64_TMP;
}
static inline x64_xmm out_xmm(x64_ctx *c, ir_ref r)
{
    return c->a.loc[r].kind == JIT_LOC_XMM ? (x64_xmm)c->a.loc[r].index : X64_XTMP;
}
static inline void done_gpr(x64_ctx *c, ir_ref r, x64_reg d) { x64_move(&c->b, c->a.loc[r], x64_loc_gpr(d)); }
static inline void done_xmm(x64_ctx *c, ir_ref r, x64_xmm d) { x64_move(&c->b, c->a.loc[r], x64_loc_xmm(d)); }

static inline bool in_reg(x64_ctx *c, ir_ref v, int kind, int reg)
{
    return ir_is_op(v) && c->a.loc[v].kind == kind && c->a.loc[v].index == reg;
}

/* op d, v for an ALU op with v in a register, spill slot or constant. */
static inline void alu_with(x64_ctx *c, x64_alu op, x64_reg d, ir_ref v)
{
    jit_loc l = loc_of(c, v);
    if (l.kind == JIT_LOC_GPR) {
        x64_alu_rr(&c->b, op, d, (x64_reg)l.index);
    } else if (l.kind == JIT_LOC_SPILL) {
        x64_alu_rm(&c->b, op, d, x64_df_spill(l.index));
    } else if (l.kind == JIT_LOC_CONST && fits32(l.value)) {
        x64_alu_ri(&c->b, op, d, (int32_t)l.value);
    } else {
        x64_move(&c->b, x64_loc_gpr(X64_TMP2), l);
        x64_alu_rr(&c->b, op, d, X64_TMP2);
    }
}

/* ---- exits (x64_asm.c) ---- */

/* A new exit for guard (or finish) r, listing the values it needs. */
int x64_new_exit(x64_ctx *c, ir_ref r);
/* Jumps to exit e's stub when k holds. */
void x64_exit_if(x64_ctx *c, int e, cond k);

/* ---- assembling (x64_asm.c) ---- */

/* Resets the per-attempt state before an emit function runs. */
void x64_emit_reset(x64_ctx *c);
/* Lowers every op (after the inputs) and checks the trace's end. */
void x64_emit_body(x64_ctx *c);
/* One stub per guard with jumps: mov eax, exit number; jmp common. */
void x64_emit_stubs(x64_ctx *c);
/* Runs emit into a fresh code block (bigger ones while it overflows),
 * shrinks and seals it. Returns the block, or NULL with c->failed. */
struct rt_codemem_block *x64_assemble(x64_ctx *c, void (*emit)(x64_ctx *));
/* Moves the allocation's per-value locations and ends into v (for
 * jit_exit_loc of values a snapshot does not list). */
void x64_take_values(x64_alloc *a, int nops, jit_values *v);

/* ---- calls (x64_call.c) ---- */

/* The caller-saved registers live across a call at `at`, saved on the
 * stack (with room for an indirect function address) around it, above
 * the call's stack arguments (System V: int/ref arguments after the
 * sixth, at rsp when it calls). */
typedef struct {
    jit_loc saved[JIT_NGPR + JIT_NXMM];
    int n, frame;
    int base;   /* offset of the saved registers from rsp: the stack arguments' size */
} call_save;

/* Saves, moves the args (types: 'i', 'r', 'f' each) into place, calls fn
 * (a constant address or a location); the result is then in rax/xmm0
 * until x64_call_leave restores the saved registers. */
void x64_call_enter(x64_ctx *c, ir_ref at, call_save *s, jit_loc fn, int nargs,
                    const jit_loc *args, const char *types);
void x64_call_leave(x64_ctx *c, const call_save *s);
void x64_lower_call(x64_ctx *c, ir_ref r);
void x64_lower_refcount(x64_ctx *c, ir_ref r, int op);  /* IR_py_incref, _decref, _xdecref */

/* ---- ops (x64_lower.c) ---- */

void x64_lower(x64_ctx *c, ir_ref r);

#endif
