/* backend/x64/x64_asm: jit_compile_loop -- allocates registers for a
 * trace (x64_regalloc), lowers its ops (x64_lower.c, x64_call.c) and builds
 * the exit table; plus the rest of the backend.h API.
 *
 * Layout of the code block:
 *   entry:   push rbx rbp r12-r15; sub rsp, 8 (16-byte aligned from here);
 *            rbx = df; every input k loaded from inputs[k] to its location
 *   body:    the ops in trace order; the loop label is 16-byte aligned and
 *            the final jump does a parallel move of its args into the
 *            label args' locations, then jumps back
 *   stubs:   one per guard: mov eax, exit_number; jmp common
 *   common:  every gpr and xmm register stored to df->gpr / df->xmm, the
 *            loop named in df->exited, then the epilogue returns eax
 * Guards jump to their stub with jcc rel32 (two jumps for float ==/!=
 * and guard_nonnull_class); jit_exit_patch redirects them to bridges
 * (x64_bridge.c, which reuses the body and stub emitters and x64_assemble
 * below). The loop keeps its allocation (jit_values) for jit_exit_loc. */
#include "../../runtime/codemem.h"
#include "x64_ctx.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void x64_fail(x64_ctx *c, const char *fmt, ...)
{
    if (c->failed)
        return;
    c->failed = true;
    va_list ap;
    va_start(ap, fmt);
    if (c->errsize)
        vsnprintf(c->err, c->errsize, fmt, ap);
    va_end(ap);
}

/* ---- exits ---- */

static void add_loc(x64_ctx *c, ir_ref v)
{
    int e = c->nexits - 1;
    if (ir_is_op(v) ? c->stamp_op[v] == e + 1 : c->stamp_const[IR_CONST_INDEX(v)] == e + 1)
        return;
    if (ir_is_op(v))
        c->stamp_op[v] = e + 1;
    else
        c->stamp_const[IR_CONST_INDEX(v)] = e + 1;
    if (c->nlocs == c->caplocs) {
        int ncap = c->caplocs ? 2 * c->caplocs : 64;
        jit_exit_entry *p = realloc(c->locs, (size_t)ncap * sizeof *p);
        if (p == NULL) {
            x64_fail(c, "out of memory");
            return;
        }
        c->locs = p;
        c->caplocs = ncap;
    }
    c->locs[c->nlocs++] = (jit_exit_entry){v, loc_of(c, v)};
    c->exits[e].nlocs++;
}

int x64_new_exit(x64_ctx *c, ir_ref r)
{
    int e = c->nexits++;
    int s = ir_op_at(c->t, r)->snap;
    if (ir_opnum(c->t, r) == IR_finish)
        s = -1;
    c->exits[e] = (jit_exit){.guard = r, .snap = s, .loc0 = (uint32_t)c->nlocs,
                             .jump_field = {-1, -1}, .bridge = c->owner, .bridged = -1};
    if (s < 0) {
        for (int i = 0; i < ir_nargs(c->t, r); i++)
            add_loc(c, ir_arg(c->t, r, i));
        return e;
    }
    for (uint32_t f = 0; f < ir_snap_at(c->t, s)->nframes; f++) {
        const ir_frame *fr = ir_snap_frame_at(c->t, s, (int)f);
        for (int k = 0; k < fr->nslots; k++)
            if (ir_frame_slots(c->t, fr)[k].ref != IR_NONE)
                add_loc(c, ir_frame_slots(c->t, fr)[k].ref);
    }
    return e;
}

static void exit_jump(x64_ctx *c, int e, size_t field)
{
    jit_exit *x = &c->exits[e];
    int i = x->jump_field[0] < 0 ? 0 : 1;
    if (x->jump_field[i] >= 0)
        x64_fail(c, "internal: more than two jumps for one exit");
    x->jump_field[i] = (int32_t)field;
}

void x64_exit_if(x64_ctx *c, int e, cond k)
{
    x64_buf *b = &c->b;
    switch (k.kind) {
    case C_NEVER: break;
    case C_ALWAYS: exit_jump(c, e, x64_jmp32_fwd(b)); break;
    case C_CC: exit_jump(c, e, x64_jcc32_fwd(b, k.cc)); break;
    case C_FEQ: {
        size_t skip = x64_jcc8_fwd(b, X64_CC_P);
        exit_jump(c, e, x64_jcc32_fwd(b, X64_CC_E));
        x64_fix_rel8(b, skip, x64_pos(b));
        break;
    }
    case C_FNE:
        exit_jump(c, e, x64_jcc32_fwd(b, X64_CC_NE));
        exit_jump(c, e, x64_jcc32_fwd(b, X64_CC_P));
        break;
    }
}

/* ---- the whole block ---- */

static const x64_reg saved_regs[6] = {X64_RBX, X64_RBP, X64_R12, X64_R13, X64_R14, X64_R15};

void x64_emit_reset(x64_ctx *c)
{
    c->nexits = c->nlocs = 0;
    c->label_pos = -1;
    c->common = (x64_label)X64_LABEL_INIT;
    memset(c->stamp_op, 0, (size_t)c->t->nops * sizeof *c->stamp_op);
    memset(c->stamp_const, 0, (size_t)c->t->nconsts * sizeof *c->stamp_const);
}

void x64_emit_body(x64_ctx *c)
{
    ir_trace *t = c->t;
    for (ir_ref r = ir_first(t); r < t->nops && !c->failed; r++) {
        if (r == c->a.label)
            x64_align(&c->b, 16);
        t->ops[r].mc_offset = (int32_t)x64_pos(&c->b);
        x64_lower(c, r);
    }
    if (t->nops == 0 || !(ir_opinfo_table[ir_opnum(t, t->nops - 1)].flags & IR_F_FINAL))
        x64_fail(c, "the trace must end with jump or finish");
}

void x64_emit_stubs(x64_ctx *c)
{
    x64_buf *b = &c->b;
    for (int e = 0; e < c->nexits; e++) {
        jit_exit *x = &c->exits[e];
        if (x->jump_field[0] < 0)
            continue;
        x->stub_offset = (uint32_t)x64_pos(b);
        for (int i = 0; i < 2; i++)
            if (x->jump_field[i] >= 0)
                x64_fix_rel32(b, (size_t)x->jump_field[i], x64_pos(b));
        x64_mov32_ri(b, X64_RAX, (uint32_t)(c->exit_base + e));
        x64_jmp_label(b, &c->common);
    }
}

static void emit_all(x64_ctx *c)
{
    ir_trace *t = c->t;
    x64_buf *b = &c->b;
    x64_emit_reset(c);
    for (int i = 0; i < 6; i++)
        x64_push(b, saved_regs[i]);
    x64_alu_ri(b, X64_SUB, X64_RSP, 8); /* 6 pushes + return address + 8 = 64 */
    x64_mov_rr(b, X64_DF, X64_RSI);
    x64_mov_rr(b, X64_TMP2, X64_RDI);
    for (ir_ref k = 0; k < t->ninputs; k++) {
        jit_loc l = c->a.loc[k];
        x64_mem m = x64_m(X64_TMP2, 8 * k);
        if (l.kind == JIT_LOC_GPR)
            x64_load(b, (x64_reg)l.index, m);
        else if (l.kind == JIT_LOC_XMM)
            x64_movsd_rm(b, (x64_xmm)l.index, m);
        else if (l.kind == JIT_LOC_SPILL) {
            x64_load(b, X64_TMP, m);
            x64_store(b, x64_df_spill(l.index), X64_TMP);
        }
    }
    x64_emit_body(c);
    x64_emit_stubs(c);
    /* common exit: registers to df, epilogue */
    x64_bind(b, &c->common);
    for (int r = 0; r < 16; r++)
        if (r != X64_RSP)
            x64_store(b, x64_df_gpr(r), (x64_reg)r);
    for (int x = 0; x < 16; x++)
        x64_movsd_mr(b, x64_df_xmm(x), (x64_xmm)x);
    x64_mov_ri(b, X64_TMP2, (int64_t)(uintptr_t)c->self);
    x64_store(b, x64_m(X64_DF, (int32_t)offsetof(jit_deadframe, exited)), X64_TMP2);
    x64_alu_ri(b, X64_ADD, X64_RSP, 8);
    for (int i = 5; i >= 0; i--)
        x64_pop(b, saved_regs[i]);
    x64_ret(b);
}

rt_codemem_block *x64_assemble(x64_ctx *c, void (*emit)(x64_ctx *))
{
    rt_codemem_block *h = NULL;
    for (size_t size = 1024 + (size_t)c->t->nops * 96;; size *= 2) {
        void *mem = rt_codemem_alloc(size, &h);
        if (mem == NULL) {
            x64_fail(c, "out of code memory");
            return NULL;
        }
        x64_buf_init(&c->b, mem, size);
        emit(c);
        if (!c->failed && c->b.err == 0)
            break;
        rt_codemem_free(h);
        if (c->failed)
            return NULL;
        if (c->b.err != X64_ERR_OVERFLOW || size > ((size_t)64 << 20)) {
            x64_fail(c, "internal: encoder error %u", c->b.err);
            return NULL;
        }
    }
    rt_codemem_shrink(h, x64_pos(&c->b));
    if (rt_codemem_seal(h) < 0) {
        rt_codemem_free(h);
        x64_fail(c, "cannot make code memory executable");
        return NULL;
    }
    return h;
}

/* True when no value defined before `label` (other than its args) is
 * used after it: then the label's args are all a jump there must carry. */
static bool label_scoped(const ir_trace *t, const x64_alloc *a, ir_ref label)
{
    bool ok = true;
    uint8_t *arg = calloc((size_t)label + 1, 1);
    if (arg == NULL)
        return false;
    for (int i = 0; i < ir_nargs(t, label); i++)
        arg[ir_arg(t, label, i)] = 1;
    for (ir_ref v = 0; v < label; v++)
        if (!arg[v] && a->end[v] > label)
            ok = false;
    free(arg);
    return ok;
}

/* The label of a trace that ends in `finish` (a loop whose traced
 * iteration returned): no jump of its own goes there, but bridges may
 * (the iterations that go on), with its args where the code has them at
 * that point. -1 when there is none. */
static ir_ref finish_label(const ir_trace *t)
{
    for (ir_ref r = ir_first(t); r < t->nops; r++)
        if (ir_opnum(t, r) == IR_label)
            return r;
    return -1;
}

void x64_take_values(x64_alloc *a, int nops, jit_values *v)
{
    v->loc = a->loc;
    v->end = a->end;
    v->n = nops;
    a->loc = NULL;
    a->end = NULL;
}

jit_loop *jit_compile_loop(ir_trace *t, char *err, size_t errsize)
{
    if (errsize)
        err[0] = 0;
    if (ir_verify(t, err, errsize) < 0)
        return NULL;
    x64_ctx c = {.t = t, .err = err, .errsize = errsize};
    jit_loop *loop = NULL;
    rt_codemem_block *h = NULL;
    c.owner = -1;
    if (x64_regalloc(t, &c.a, err, errsize) < 0)
        return NULL;
    c.exits = calloc((size_t)t->nops + 1, sizeof *c.exits);
    c.stamp_op = calloc((size_t)t->nops + 1, sizeof *c.stamp_op);
    c.stamp_const = calloc((size_t)t->nconsts + 1, sizeof *c.stamp_const);
    loop = calloc(1, sizeof *loop);
    if (!c.exits || !c.stamp_op || !c.stamp_const || !loop) {
        x64_fail(&c, "out of memory");
        goto out;
    }
    c.self = loop;
    h = x64_assemble(&c, emit_all);
    if (h == NULL)
        goto out;
    size_t used = x64_pos(&c.b);
    loop->mem = h;
    loop->code = c.b.start;
    loop->code_size = used;
    loop->entry = (int64_t(*)(void *const *, jit_deadframe *))(uintptr_t)c.b.start;
    loop->exits = c.exits;
    loop->nexits = c.nexits;
    loop->locs = c.locs;
    loop->nlocs = c.nlocs;
    c.exits = NULL; /* owned by the loop from here */
    c.locs = NULL;
    ir_ref label = c.a.label >= 0 ? c.a.label : finish_label(t);
    loop->label_offset = c.a.label >= 0 ? c.label_pos : label >= 0 ? t->ops[label].mc_offset : -1;
    loop->exit_offset = (uint32_t)c.common.pos;
    loop->nspill = c.a.nspill;
    loop->trace = t;
    if (label >= 0) {
        loop->nlabel_args = ir_nargs(t, label);
        loop->label_locs = calloc((size_t)loop->nlabel_args + 1, sizeof *loop->label_locs);
        loop->label_types = calloc((size_t)loop->nlabel_args + 1, 1);
        if (loop->label_locs == NULL || loop->label_types == NULL) {
            x64_fail(&c, "out of memory");
            goto out;
        }
        for (int i = 0; i < loop->nlabel_args; i++) {
            loop->label_locs[i] = c.a.loc[ir_arg(t, label, i)];
            loop->label_types[i] = ir_ref_type(t, ir_arg(t, label, i));
        }
        const ir_descr *ld = ir_op_descr(t, label);
        loop->label_token = ld ? ld->id : 0;
        loop->label_scoped = label_scoped(t, &c.a, label);
    }
    x64_take_values(&c.a, t->nops, &loop->vals);
out:
    if (c.failed) {
        if (loop && loop->mem == NULL)
            rt_codemem_free(h);
        jit_loop_free(loop);
        loop = NULL;
        free(c.exits);
        free(c.locs);
    }
    free(c.stamp_op);
    free(c.stamp_const);
    x64_alloc_free(&c.a);
    return loop;
}

void jit_loop_free(jit_loop *loop)
{
    if (loop == NULL)
        return;
    for (int i = 0; i < loop->nbridges; i++) {
        rt_codemem_free(loop->bridges[i].mem);
        free(loop->bridges[i].vals.loc);
        free(loop->bridges[i].vals.end);
    }
    free(loop->vals.loc);
    free(loop->vals.end);
    free(loop->bridges);
    free(loop->label_types);
    rt_codemem_free(loop->mem);
    free(loop->exits);
    free(loop->locs);
    free(loop->label_locs);
    free(loop);
}

jit_loc jit_exit_loc(const jit_loop *loop, int e, ir_ref ref)
{
    if (e < 0 || e >= loop->nexits)
        return (jit_loc){.kind = JIT_LOC_NONE};
    const jit_exit *x = &loop->exits[e];
    for (uint32_t i = x->loc0; i < x->loc0 + x->nlocs; i++)
        if (loop->locs[i].ref == ref)
            return loop->locs[i].loc;
    /* not listed: a value whose live range covers the guard is in its one
     * location there */
    const jit_values *v = x->bridge < 0 ? &loop->vals : &loop->bridges[x->bridge].vals;
    if (ir_is_op(ref) && ref < x->guard && ref < v->n && v->end[ref] >= x->guard)
        return v->loc[ref];
    return (jit_loc){.kind = JIT_LOC_NONE};
}

uint64_t jit_loc_read(const jit_deadframe *df, jit_loc loc)
{
    switch (loc.kind) {
    case JIT_LOC_CONST: return loc.value;
    case JIT_LOC_GPR: return df->gpr[loc.index];
    case JIT_LOC_XMM: return df->xmm[loc.index];
    case JIT_LOC_SPILL: return df->spill[loc.index];
    default: return 0;
    }
}

const ir_trace *jit_exit_trace(const jit_loop *loop, int e)
{
    if (e < 0 || e >= loop->nexits)
        return NULL;
    int b = loop->exits[e].bridge;
    return b < 0 ? loop->trace : loop->bridges[b].trace;
}

int jit_exit_patch(jit_loop *loop, int e, const void *target)
{
    if (e < 0 || e >= loop->nexits || loop->exits[e].jump_field[0] < 0)
        return -1;
    const jit_exit *x = &loop->exits[e];
    uint8_t *base = (uint8_t *)(x->bridge < 0 ? loop->code : loop->bridges[x->bridge].code);
    int32_t rel[2], old[2];
    for (int i = 0; i < 2; i++)
        if (x->jump_field[i] >= 0 && !x64_rel32(base + x->jump_field[i], target, &rel[i]))
            return -1;
    for (int i = 0; i < 2; i++) {
        if (x->jump_field[i] < 0)
            continue;
        uint8_t *field = base + x->jump_field[i];
        memcpy(&old[i], field, sizeof old[i]);
        if (rt_codemem_patch(field, &rel[i], sizeof rel[i]) < 0) {
            if (i == 1 && rt_codemem_patch(base + x->jump_field[0], &old[0], sizeof old[0]) < 0)
                abort(); /* half-patched guard that cannot be restored */
            return -1;
        }
    }
    return 0;
}
