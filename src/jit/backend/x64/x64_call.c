/* backend/x64/x64_call: calls out of compiled code (System V: int/ref args
 * in rdi rsi rdx rcx r8 r9 then on the stack, doubles in xmm0-7, result in
 * rax / xmm0, rsp 16-byte aligned) with the caller-saved registers that are live across
 * the call saved on the stack around it; and py_incref / py_decref, whose
 * deallocation path is such a call. */
#include "x64_ctx.h"
#include "x64_pyobj.h"

/* ---- calls ---- */

void x64_call_enter(x64_ctx *c, ir_ref at, call_save *s, jit_loc fn, int nargs,
                       const jit_loc *args, const char *types)
{
    x64_buf *b = &c->b;
    s->n = 0;
    for (ir_ref v = 0; v < at; v++) {
        jit_loc l = c->a.loc[v];
        if (c->a.end[v] > at && ((l.kind == JIT_LOC_GPR && x64_caller_saved((x64_reg)l.index)) ||
                                 l.kind == JIT_LOC_XMM))
            s->saved[s->n++] = l;
    }
    bool indirect = fn.kind != JIT_LOC_CONST;
    if (nargs > 14) {
        x64_fail(c, "op %d: call with more than 14 arguments", at);
        return;
    }
    int nint = 0;
    for (int i = 0; i < nargs; i++)
        nint += types[i] != 'f';
    int nstack = nint > 6 ? nint - 6 : 0;
    s->base = 8 * nstack;
    s->frame = (s->base + (s->n + indirect) * 8 + 15) & ~15;
    if (s->frame)
        x64_alu_ri(b, X64_SUB, X64_RSP, s->frame);
    for (int i = 0; i < s->n; i++) {
        x64_mem m = x64_m(X64_RSP, s->base + 8 * i);
        if (s->saved[i].kind == JIT_LOC_GPR)
            x64_store(b, m, (x64_reg)s->saved[i].index);
        else
            x64_movsd_mr(b, m, (x64_xmm)s->saved[i].index);
    }
    if (indirect) {
        x64_move(b, x64_loc_gpr(X64_TMP2), fn);
        x64_store(b, x64_m(X64_RSP, s->base + 8 * s->n), X64_TMP2);
    }
    static const x64_reg iregs[6] = {X64_RDI, X64_RSI, X64_RDX, X64_RCX, X64_R8, X64_R9};
    jit_loc dst[16], src[16];
    int nreg = 0, ni = 0, nf = 0;
    for (int i = 0; i < nargs; i++) {
        if (types[i] == 'f') {
            if (nf == 8) {
                x64_fail(c, "op %d: call with more than 8 float arguments", at);
                return;
            }
            dst[nreg] = x64_loc_xmm((x64_xmm)nf++);
            src[nreg++] = args[i];
        } else if (ni < 6) {
            dst[nreg] = x64_loc_gpr(iregs[ni++]);
            src[nreg++] = args[i];
        } else {
            /* a stack argument, stored before the registers move (its
             * source may be one of them); r11 carries it */
            x64_move(b, x64_loc_gpr(X64_TMP2), args[i]);
            x64_store(b, x64_m(X64_RSP, 8 * (ni++ - 6)), X64_TMP2);
        }
    }
    x64_parallel_move(b, dst, src, nreg);
    if (indirect) {
        x64_call_m(b, x64_m(X64_RSP, s->base + 8 * s->n));
    } else {
        x64_mov_ri(b, X64_TMP2, (int64_t)fn.value);
        x64_call_r(b, X64_TMP2);
    }
}

void x64_call_leave(x64_ctx *c, const call_save *s)
{
    for (int i = 0; i < s->n; i++) {
        x64_mem m = x64_m(X64_RSP, s->base + 8 * i);
        if (s->saved[i].kind == JIT_LOC_GPR)
            x64_load(&c->b, (x64_reg)s->saved[i].index, m);
        else
            x64_movsd_rm(&c->b, (x64_xmm)s->saved[i].index, m);
    }
    if (s->frame)
        x64_alu_ri(&c->b, X64_ADD, X64_RSP, s->frame);
}

/* A call to a fixed helper with one pointer argument (refcounting). */
static void call_helper1(x64_ctx *c, ir_ref at, void (*fn)(void *), ir_ref arg)
{
    call_save s;
    jit_loc l = loc_of(c, arg);
    x64_call_enter(c, at, &s, x64_loc_const((uint64_t)(uintptr_t)fn), 1, &l, "r");
    x64_call_leave(c, &s);
}

/* call_X(fn, args...) and cond_call(cond, fn, args...) */
void x64_lower_call(x64_ctx *c, ir_ref r)
{
    ir_trace *t = c->t;
    int op = ir_opnum(t, r), first = op == IR_cond_call;
    const ir_descr *d = ir_op_descr(t, r);
    int n = ir_nargs(t, r) - first - 1;
    jit_loc args[16];
    if (n > 14) {
        x64_fail(c, "op %d: call with more than 14 arguments", r);
        return;
    }
    for (int i = 0; i < n; i++)
        args[i] = loc_of(c, ir_arg(t, r, first + 1 + i));
    size_t skip = 0;
    if (first) {
        ir_ref k = ir_arg(t, r, 0);
        jit_loc l = loc_of(c, k);
        if (l.kind == JIT_LOC_CONST && l.value == 0)
            return;
        if (l.kind != JIT_LOC_CONST) {
            if (l.kind == JIT_LOC_SPILL)
                x64_alu_mi(&c->b, X64_CMP, x64_df_spill(l.index), 0);
            else
                x64_test_rr(&c->b, (x64_reg)l.index, (x64_reg)l.index);
            skip = x64_jcc32_fwd(&c->b, X64_CC_E);
        }
    }
    call_save s;
    x64_call_enter(c, r, &s, loc_of(c, ir_arg(t, r, first)), n, args, d->argtypes ? d->argtypes : "");
    char rt = ir_opinfo_table[op].type;
    if (rt == 'i' || rt == 'r')
        done_gpr(c, r, X64_RAX);
    else if (rt == 'f')
        done_xmm(c, r, X64_XMM0);
    x64_call_leave(c, &s);
    if (skip)
        x64_fix_rel32(&c->b, skip, x64_pos(&c->b));
}

void x64_lower_refcount(x64_ctx *c, ir_ref r, int op)
{
    ir_ref v = ir_arg(c->t, r, 0);
    bool inc = op == IR_py_incref;
    if (x64_pyobj.debug_refs) { /* keeps _Py_RefTotal right; Py_DecRef takes NULL */
        call_helper1(c, r, inc ? x64_pyobj.incref : x64_pyobj.decref, v);
        return;
    }
    x64_reg rv = in_gpr(c, v, X64_TMP2);
    x64_mem m = x64_m(rv, x64_pyobj.refcnt_offset);
    if (inc) {
        x64_alu_mi(&c->b, X64_ADD, m, 1);
        return;
    }
    size_t null = 0;
    if (op == IR_py_xdecref) {
        x64_test_rr(&c->b, rv, rv);
        null = x64_jcc32_fwd(&c->b, X64_CC_E);
    }
    x64_alu_mi(&c->b, X64_SUB, m, 1);
    size_t skip = x64_jcc32_fwd(&c->b, X64_CC_NE);
    call_helper1(c, r, x64_pyobj.dealloc, v);
    x64_fix_rel32(&c->b, skip, x64_pos(&c->b));
    if (op == IR_py_xdecref)
        x64_fix_rel32(&c->b, null, x64_pos(&c->b));
}

