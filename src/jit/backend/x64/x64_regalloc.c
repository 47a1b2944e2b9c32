/* backend/x64/x64_regalloc: live ranges, comparison fusion and the linear
 * scan itself (see x64_regalloc.h). */
#include "x64_regalloc.h"
#include "x64_pyobj.h"
#include "x64_regs.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool x64_op_calls(const ir_trace *t, ir_ref r)
{
    int op = ir_opnum(t, r);
    return (ir_opinfo_table[op].flags & IR_F_CALL) || op == IR_py_decref || op == IR_py_xdecref ||
           op == IR_guard_no_exception || (op == IR_py_incref && x64_pyobj.debug_refs);
}

static int fail(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (n)
        vsnprintf(err, n, fmt, ap);
    va_end(ap);
    return -1;
}

/* Runs body with use_ bound to every value op `at` needs (args and, for a
 * guard, its snapshot's slots; may be IR_NONE or a constant). */
#define FOR_USES(t, at, use_, body)                                                  \
    do {                                                                            \
        for (int i_ = 0; i_ < ir_nargs(t, at); i_++) {                              \
            ir_ref use_ = ir_arg(t, at, i_);                                        \
            body;                                                                   \
        }                                                                           \
        int s_ = ir_op_at(t, at)->snap;                                             \
        if ((ir_opinfo_table[ir_opnum(t, at)].flags & IR_F_GUARD) && s_ >= 0)       \
            for (uint32_t f_ = 0; f_ < ir_snap_at(t, s_)->nframes; f_++) {          \
                const ir_frame *fr_ = ir_snap_frame_at(t, s_, (int)f_);             \
                for (int k_ = 0; k_ < fr_->nslots; k_++) {                          \
                    ir_ref use_ = ir_frame_slots(t, fr_)[k_].ref;                   \
                    body;                                                           \
                }                                                                   \
            }                                                                       \
    } while (0)

/* Finds the loop: the final jump and the label of this trace with the
 * same target token. With `external` (a bridge), a final jump without
 * such a label goes to another trace's label: a->jump is set, a->label
 * stays -1. */
static int find_loop(const ir_trace *t, x64_alloc *a, bool external, char *err, size_t n)
{
    a->label = a->jump = -1;
    if (t->nops == 0 || ir_opnum(t, t->nops - 1) != IR_jump)
        return 0;
    ir_ref j = t->nops - 1;
    const ir_descr *jd = ir_op_descr(t, j);
    for (ir_ref r = ir_first(t); r < j; r++) {
        const ir_descr *ld = ir_op_descr(t, r);
        if (ir_opnum(t, r) == IR_label && jd && ld && ld->id == jd->id)
            a->label = r;
    }
    if (a->label < 0 && external) {
        a->jump = j;
        return 0;
    }
    if (a->label < 0)
        return fail(err, n, "op %d (jump): no label with its target token in this trace", j);
    if (ir_nargs(t, j) != ir_nargs(t, a->label))
        return fail(err, n, "op %d (jump): arity differs from its label", j);
    for (int i = 0; i < ir_nargs(t, a->label); i++) {
        ir_ref v = ir_arg(t, a->label, i);
        if (!ir_is_op(v))
            return fail(err, n, "op %d (label): constant argument", a->label);
        if (ir_ref_type(t, v) != ir_ref_type(t, ir_arg(t, j, i)))
            return fail(err, n, "op %d (jump): argument types differ from the label's", j);
        for (int k = 0; k < i; k++)
            if (ir_arg(t, a->label, k) == v)
                return fail(err, n, "op %d (label): a value appears twice", a->label);
    }
    a->jump = j;
    return 0;
}

static void compute_ranges(const ir_trace *t, x64_alloc *a, int *nuses)
{
    for (ir_ref r = 0; r < t->nops; r++) {
        a->end[r] = -1;
        nuses[r] = 0;
    }
    for (ir_ref r = 0; r < t->nops; r++)
        FOR_USES(t, r, v, {
            if (ir_is_op(v)) {
                a->end[v] = r;
                nuses[v]++;
            }
        });
    if (a->label < 0)
        return;
    for (int i = 0; i < ir_nargs(t, a->label); i++)
        a->end[ir_arg(t, a->label, i)] = a->jump;
    for (ir_ref v = 0; v < a->label; v++)
        if (a->end[v] > a->label)
            a->end[v] = a->jump;
}

/* cmp + guard_true/false right after it, with no other use. */
static void find_fusions(const ir_trace *t, x64_alloc *a, const int *nuses)
{
    for (ir_ref r = ir_first(t); r + 1 < t->nops; r++) {
        int g = ir_opnum(t, r + 1);
        a->fused[r] = (ir_opinfo_table[ir_opnum(t, r)].flags & IR_F_CMP) && nuses[r] == 1 &&
                      (g == IR_guard_true || g == IR_guard_false) && ir_arg(t, r + 1, 0) == r &&
                      a->end[r] == r + 1;
    }
}

/* ---- the scan ---- */

typedef struct {
    const ir_trace *t;
    x64_alloc *a;
    ir_ref *active[2]; /* values in registers, per class (0 gpr, 1 xmm) */
    int nactive[2];
    ir_ref holder[2][16];   /* register -> value, or -1 */
    const jit_loc *hint;    /* per input: preferred location, or NULL */
    int32_t *slot_busy;     /* spill slot -> end of its last occupant */
    int *ncalls;            /* calls at positions < p (prefix counts) */
} scan;

static bool crosses_call(const scan *S, ir_ref v)
{
    /* a call at c with v < c < end */
    return S->ncalls[S->a->end[v]] - S->ncalls[v + 1] > 0;
}

static int spill_slot(scan *S, ir_ref v)
{
    for (int s = 0; s < S->a->nspill; s++)
        if (S->slot_busy[s] < v) {
            S->slot_busy[s] = S->a->end[v];
            return s;
        }
    if (S->a->nspill == JIT_MAX_SPILL)
        return -1;
    S->slot_busy[S->a->nspill] = S->a->end[v];
    return S->a->nspill++;
}

static void set_reg(scan *S, int cls, ir_ref v, int reg)
{
    S->a->loc[v] = (jit_loc){.kind = cls ? JIT_LOC_XMM : JIT_LOC_GPR, .index = (uint16_t)reg};
    S->holder[cls][reg] = v;
    S->active[cls][S->nactive[cls]++] = v;
}

static void expire(scan *S, int cls, ir_ref p)
{
    int k = 0;
    for (int i = 0; i < S->nactive[cls]; i++) {
        ir_ref v = S->active[cls][i];
        if (S->a->end[v] <= p)
            S->holder[cls][S->a->loc[v].index] = -1;
        else
            S->active[cls][k++] = v;
    }
    S->nactive[cls] = k;
}

/* A free register for v, or -1. Prefers the register of v's first operand
 * when that operand dies here (saves a move), then caller-saved registers
 * for values not live across a call and callee-saved ones for the others. */
static int free_reg(scan *S, int cls, ir_ref v)
{
    bool across = crosses_call(S, v);
    if (ir_nargs(S->t, v) > 0) {
        ir_ref a0 = ir_arg(S->t, v, 0);
        if (ir_is_op(a0) && S->a->loc[a0].kind == (cls ? JIT_LOC_XMM : JIT_LOC_GPR) &&
            S->holder[cls][S->a->loc[a0].index] < 0 &&
            (cls || !across || !x64_caller_saved((x64_reg)S->a->loc[a0].index)))
            return S->a->loc[a0].index;
    }
    if (cls) {
        for (int x = 0; x < X64_NALLOC_XMM; x++)
            if (S->holder[1][x] < 0)
                return x;
        return -1;
    }
    for (int i = 0; i < X64_NALLOC_GPR; i++) {
        x64_reg r = x64_alloc_gprs[across ? X64_NALLOC_GPR - 1 - i : i];
        if (S->holder[0][r] < 0)
            return r;
    }
    return -1;
}

static bool allocatable(int cls, int reg)
{
    if (cls)
        return reg >= 0 && reg < X64_NALLOC_XMM;
    for (int i = 0; i < X64_NALLOC_GPR; i++)
        if (x64_alloc_gprs[i] == reg)
            return true;
    return false;
}

static int allocate(scan *S, ir_ref v)
{
    int cls = ir_ref_type(S->t, v) == 'f';
    /* an input of a bridge stays where the parent trace had it, if free */
    int reg = -1;
    if (S->hint && v < S->t->ninputs && S->hint[v].kind == (cls ? JIT_LOC_XMM : JIT_LOC_GPR) &&
        allocatable(cls, S->hint[v].index) && S->holder[cls][S->hint[v].index] < 0)
        reg = S->hint[v].index;
    if (reg < 0)
        reg = free_reg(S, cls, v);
    if (reg >= 0) {
        set_reg(S, cls, v, reg);
        return 0;
    }
    /* spill whichever of v and the active values ends last */
    int far = -1;
    for (int i = 0; i < S->nactive[cls]; i++)
        if (far < 0 || S->a->end[S->active[cls][i]] > S->a->end[S->active[cls][far]])
            far = i;
    ir_ref w = far >= 0 ? S->active[cls][far] : -1;
    ir_ref victim = (w >= 0 && S->a->end[w] > S->a->end[v]) ? w : v;
    int slot = spill_slot(S, victim);
    if (slot < 0)
        return -1;
    if (victim == w) {
        reg = S->a->loc[w].index;
        S->active[cls][far] = S->active[cls][--S->nactive[cls]];
        S->holder[cls][reg] = -1;
        set_reg(S, cls, v, reg);
    }
    S->a->loc[victim] = (jit_loc){.kind = JIT_LOC_SPILL, .index = (uint16_t)slot};
    return 0;
}

int x64_regalloc(const ir_trace *t, x64_alloc *a, char *err, size_t n)
{
    return x64_regalloc_ex(t, a, NULL, err, n);
}

int x64_regalloc_ex(const ir_trace *t, x64_alloc *a, const x64_alloc_opts *o, char *err, size_t n)
{
    memset(a, 0, sizeof *a);
    int nops = t->nops;
    a->loc = calloc((size_t)nops + 1, sizeof *a->loc);
    a->end = calloc((size_t)nops + 1, sizeof *a->end);
    a->fused = calloc((size_t)nops + 1, 1);
    int *nuses = calloc((size_t)nops + 1, sizeof *nuses);
    scan S = {.t = t, .a = a, .hint = o ? o->input_hint : NULL};
    S.active[0] = calloc(16, sizeof(ir_ref));
    S.active[1] = calloc(16, sizeof(ir_ref));
    S.slot_busy = calloc(JIT_MAX_SPILL, sizeof *S.slot_busy);
    S.ncalls = calloc((size_t)nops + 2, sizeof *S.ncalls);
    int rc = -1;
    if (!a->loc || !a->end || !a->fused || !nuses || !S.active[0] || !S.active[1] || !S.slot_busy || !S.ncalls) {
        fail(err, n, "out of memory");
        goto out;
    }
    if (find_loop(t, a, o && o->external_jump, err, n) < 0)
        goto out;
    compute_ranges(t, a, nuses);
    find_fusions(t, a, nuses);
    for (ir_ref r = 0; r < nops; r++)
        S.ncalls[r + 1] = S.ncalls[r] + x64_op_calls(t, r);
    memset(S.holder, -1, sizeof S.holder);
    for (ir_ref r = 0; r < nops; r++) {
        expire(&S, 0, r);
        expire(&S, 1, r);
        char ty = ir_ref_type(t, r);
        if (ty == 'v' || a->end[r] < 0 || a->fused[r])
            continue;
        if (allocate(&S, r) < 0) {
            fail(err, n, "more than %d spill slots", JIT_MAX_SPILL);
            goto out;
        }
    }
    rc = 0;
out:
    free(nuses);
    free(S.active[0]);
    free(S.active[1]);
    free(S.slot_busy);
    free(S.ncalls);
    if (rc < 0)
        x64_alloc_free(a);
    return rc;
}

void x64_alloc_free(x64_alloc *a)
{
    free(a->loc);
    free(a->end);
    free(a->fused);
    a->loc = NULL;
    a->end = NULL;
    a->fused = NULL;
}
