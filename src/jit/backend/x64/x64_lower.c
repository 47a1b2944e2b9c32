/* backend/x64/x64_lower: the lowering of each op (but calls) to x86-64.
 *
 * Supported ops: int_add/sub/mul/and/or/xor/lshift/rshift/uint_rshift/
 * neg/invert, int_add/sub/mul_ovf + guard_(no_)overflow, int_py_div/mod,
 * int/uint comparisons, int_is_zero/is_true, ptr_eq/ne, instance_ptr_eq/ne,
 * float_add/sub/mul/truediv/neg/abs, float comparisons (NaN-correct),
 * cast_int_to_float, cast_float_to_int, cast_ptr_to_int, cast_int_to_ptr,
 * same_as_*, getfield_gc_* and getfield_raw_*, setfield_gc/raw,
 * getarrayitem_*, setarrayitem_*, arraylen_gc, guard_true/false/value/
 * class/nonnull/isnull/nonnull_class/no_exception/not_invalidated,
 * call_i/r/f/n, call_pure_*, cond_call, py_incref, py_decref, py_xdecref,
 * debug_merge_point, increment_debug_counter, enter/leave_portal_frame,
 * keepalive, label, jump, finish. A comparison used only by the next
 * guard_true/false becomes cmp + jcc. */
#include "x64_ctx.h"
#include "x64_pyobj.h"

#include <stdlib.h>

/* ---- integer ops ---- */

static void lower_alu(x64_ctx *c, ir_ref r, x64_alu op)
{
    ir_ref a = ir_arg(c->t, r, 0), v = ir_arg(c->t, r, 1);
    x64_reg d = out_gpr(c, r);
    if (in_reg(c, v, JIT_LOC_GPR, d)) {
        if (ir_opinfo_table[ir_opnum(c->t, r)].flags & IR_F_COMM) {
            ir_ref x = a;
            a = v;
            v = x;
        } else {
            d = X64_TMP;
        }
    }
    x64_move(&c->b, x64_loc_gpr(d), loc_of(c, a));
    alu_with(c, op, d, v);
    done_gpr(c, r, d);
}

static void lower_mul(x64_ctx *c, ir_ref r)
{
    ir_ref a = ir_arg(c->t, r, 0), v = ir_arg(c->t, r, 1);
    x64_reg d = out_gpr(c, r);
    if (in_reg(c, v, JIT_LOC_GPR, d)) {
        ir_ref x = a;
        a = v;
        v = x;
    }
    x64_move(&c->b, x64_loc_gpr(d), loc_of(c, a));
    jit_loc l = loc_of(c, v);
    if (l.kind == JIT_LOC_CONST && fits32(l.value))
        x64_imul_rri(&c->b, d, d, (int32_t)l.value);
    else
        x64_imul_rr(&c->b, d, in_gpr(c, v, X64_TMP2));
    done_gpr(c, r, d);
}

static void lower_shift(x64_ctx *c, ir_ref r, x64_shift op)
{
    ir_ref a = ir_arg(c->t, r, 0), v = ir_arg(c->t, r, 1);
    x64_reg d = out_gpr(c, r);
    jit_loc l = loc_of(c, v);
    if (l.kind != JIT_LOC_CONST)
        x64_move(&c->b, x64_loc_gpr(X64_RCX), l); /* before d is written */
    x64_move(&c->b, x64_loc_gpr(d), loc_of(c, a));
    if (l.kind == JIT_LOC_CONST)
        x64_shift_ri(&c->b, op, d, (uint8_t)(l.value & 63));
    else
        x64_shift_cl(&c->b, op, d);
    done_gpr(c, r, d);
}

static void lower_unary(x64_ctx *c, ir_ref r, bool neg)
{
    x64_reg d = out_gpr(c, r);
    x64_move(&c->b, x64_loc_gpr(d), loc_of(c, ir_arg(c->t, r, 0)));
    if (neg)
        x64_neg(&c->b, d);
    else
        x64_not(&c->b, d);
    done_gpr(c, r, d);
}

/* Python's floor division and modulo: idiv truncates; when the remainder
 * is nonzero and its sign differs from the divisor's, the quotient is one
 * less and the remainder gains the divisor. */
static void lower_pydiv(x64_ctx *c, ir_ref r, bool mod)
{
    x64_buf *b = &c->b;
    ir_ref v = ir_arg(c->t, r, 1);
    x64_reg dv = in_gpr(c, v, X64_TMP2);
    x64_move(b, x64_loc_gpr(X64_RAX), loc_of(c, ir_arg(c->t, r, 0)));
    x64_cqo(b);
    x64_idiv(b, dv);
    x64_test_rr(b, X64_RDX, X64_RDX);
    size_t s1 = x64_jcc8_fwd(b, X64_CC_E);
    x64_mov_rr(b, X64_RCX, X64_RDX);
    x64_alu_rr(b, X64_XOR, X64_RCX, dv);
    size_t s2 = x64_jcc8_fwd(b, X64_CC_NS);
    if (mod)
        x64_alu_rr(b, X64_ADD, X64_RDX, dv);
    else
        x64_alu_ri(b, X64_SUB, X64_RAX, 1);
    x64_fix_rel8(b, s1, x64_pos(b));
    x64_fix_rel8(b, s2, x64_pos(b));
    done_gpr(c, r, mod ? X64_RDX : X64_RAX);
}

/* ---- comparisons ---- */

/* ucomisd x, y */
static void ucomisd(x64_ctx *c, ir_ref x, ir_ref y)
{
    x64_xmm rx = in_xmm(c, x, X64_XTMP);
    jit_loc l = loc_of(c, y);
    if (l.kind == JIT_LOC_SPILL)
        x64_sse_rm(&c->b, X64_UCOMISD, rx, x64_df_spill(l.index));
    else
        x64_sse_rr(&c->b, X64_UCOMISD, rx, in_xmm(c, y, X64_XTMP2));
}

/* Emits the comparison r and returns the condition meaning "true".
 * Float <, <=, >, >= use "above" conditions with the operands ordered so
 * that an unordered result (NaN: ZF=PF=CF=1) reads as false. */
static cond emit_compare(x64_ctx *c, ir_ref r)
{
    ir_trace *t = c->t;
    int op = ir_opnum(t, r);
    ir_ref a = ir_arg(t, r, 0), v = ir_nargs(t, r) > 1 ? ir_arg(t, r, 1) : IR_NONE;
    switch (op) {
    case IR_float_lt: ucomisd(c, v, a); return cond_cc(X64_CC_A);
    case IR_float_le: ucomisd(c, v, a); return cond_cc(X64_CC_AE);
    case IR_float_gt: ucomisd(c, a, v); return cond_cc(X64_CC_A);
    case IR_float_ge: ucomisd(c, a, v); return cond_cc(X64_CC_AE);
    case IR_float_eq: ucomisd(c, a, v); return (cond){C_FEQ, 0};
    case IR_float_ne: ucomisd(c, a, v); return (cond){C_FNE, 0};
    case IR_int_is_zero:
    case IR_int_is_true: {
        jit_loc l = loc_of(c, a);
        if (l.kind == JIT_LOC_SPILL) {
            x64_alu_mi(&c->b, X64_CMP, x64_df_spill(l.index), 0);
        } else {
            x64_reg ra = in_gpr(c, a, X64_TMP);
            x64_test_rr(&c->b, ra, ra);
        }
        return cond_cc(op == IR_int_is_zero ? X64_CC_E : X64_CC_NE);
    }
    default: break;
    }
    x64_cc cc;
    switch (op) {
    case IR_int_lt: cc = X64_CC_L; break;
    case IR_int_le: cc = X64_CC_LE; break;
    case IR_int_gt: cc = X64_CC_G; break;
    case IR_int_ge: cc = X64_CC_GE; break;
    case IR_uint_lt: cc = X64_CC_B; break;
    case IR_uint_le: cc = X64_CC_BE; break;
    case IR_uint_gt: cc = X64_CC_A; break;
    case IR_uint_ge: cc = X64_CC_AE; break;
    case IR_int_eq: case IR_ptr_eq: case IR_instance_ptr_eq: cc = X64_CC_E; break;
    default: cc = X64_CC_NE; break; /* int_ne, ptr_ne, instance_ptr_ne */
    }
    alu_with(c, X64_CMP, in_gpr(c, a, X64_TMP), v);
    return cond_cc(cc);
}

/* Materialises condition k as 0/1 in op r's location. */
static void set_cond(x64_ctx *c, ir_ref r, cond k)
{
    x64_buf *b = &c->b;
    if (k.kind == C_CC) {
        x64_setcc(b, k.cc, X64_RAX);
    } else {
        bool eq = k.kind == C_FEQ;
        x64_setcc(b, eq ? X64_CC_E : X64_CC_NE, X64_RAX);
        x64_setcc(b, eq ? X64_CC_NP : X64_CC_P, X64_RCX);
        x64_alu_rr(b, eq ? X64_AND : X64_OR, X64_RAX, X64_RCX);
    }
    x64_reg d = out_gpr(c, r);
    x64_movzx8_rr(b, d, X64_RAX);
    done_gpr(c, r, d);
}

/* ---- floats ---- */

static void lower_fbin(x64_ctx *c, ir_ref r, x64_sse op)
{
    ir_ref a = ir_arg(c->t, r, 0), v = ir_arg(c->t, r, 1);
    x64_xmm d = out_xmm(c, r);
    if (in_reg(c, v, JIT_LOC_XMM, d)) {
        if (ir_opinfo_table[ir_opnum(c->t, r)].flags & IR_F_COMM) {
            ir_ref x = a;
            a = v;
            v = x;
        } else {
            d = X64_XTMP;
        }
    }
    x64_move(&c->b, x64_loc_xmm(d), loc_of(c, a));
    jit_loc l = loc_of(c, v);
    if (l.kind == JIT_LOC_SPILL)
        x64_sse_rm(&c->b, op, d, x64_df_spill(l.index));
    else
        x64_sse_rr(&c->b, op, d, in_xmm(c, v, X64_XTMP2));
    done_xmm(c, r, d);
}

static void lower_fsign(x64_ctx *c, ir_ref r, bool neg)
{
    x64_xmm d = out_xmm(c, r);
    x64_move(&c->b, x64_loc_xmm(d), loc_of(c, ir_arg(c->t, r, 0)));
    x64_mov_ri(&c->b, X64_TMP2, neg ? (int64_t)INT64_MIN : INT64_MAX);
    x64_movq_xr(&c->b, X64_XTMP2, X64_TMP2);
    x64_sse_rr(&c->b, neg ? X64_XORPD : X64_ANDPD, d, X64_XTMP2);
    done_xmm(c, r, d);
}

/* ---- memory ---- */

static void load_sized(x64_ctx *c, x64_reg d, x64_mem m, int size, char flag)
{
    x64_buf *b = &c->b;
    bool sx = flag == 'S';
    switch (size) {
    case 8: x64_load(b, d, m); return;
    case 4:
        if (sx)
            x64_load32sx(b, d, m);
        else
            x64_load32(b, d, m);
        return;
    case 2:
    case 1:
        if (size == 2)
            x64_load16zx(b, d, m);
        else
            x64_load8zx(b, d, m);
        if (sx) { /* the encoder has no movsx r64, r/m8/16 */
            x64_shift_ri(b, X64_SHL, d, (uint8_t)(64 - 8 * size));
            x64_shift_ri(b, X64_SAR, d, (uint8_t)(64 - 8 * size));
        }
        return;
    default: x64_fail(c, "unsupported field size %d", size);
    }
}

/* Stores int value v (from its location, or via rax) with `size` bytes. */
static void store_sized(x64_ctx *c, x64_mem m, ir_ref v, int size)
{
    x64_buf *b = &c->b;
    jit_loc l = loc_of(c, v);
    if (size == 8 && l.kind == JIT_LOC_CONST && fits32(l.value)) {
        x64_store_i32(b, m, (int32_t)l.value);
        return;
    }
    x64_reg rv = in_gpr(c, v, X64_TMP);
    switch (size) {
    case 8: x64_store(b, m, rv); break;
    case 4: x64_store32(b, m, rv); break;
    case 1: x64_store8(b, m, rv); break;
    case 2: /* no 16-bit store in the encoder: two bytes */
        x64_mov_rr(b, X64_TMP, rv);
        x64_store8(b, m, X64_TMP);
        x64_shift_ri(b, X64_SHR, X64_TMP, 8);
        m.disp += 1;
        x64_store8(b, m, X64_TMP);
        break;
    default: x64_fail(c, "unsupported field size %d", size);
    }
}

/* [base + index * itemsize + base_offset] (items of 1, 2, 4 or 8 bytes);
 * base in r11, index in rcx when not in registers */
static x64_mem array_mem(x64_ctx *c, ir_ref base, ir_ref index, const ir_descr *d)
{
    x64_reg rb = in_gpr(c, base, X64_TMP2);
    jit_loc li = loc_of(c, index);
    if (li.kind == JIT_LOC_CONST) {
        int64_t disp = (int64_t)d->offset + (int64_t)li.value * d->size;
        if (disp != (int32_t)disp)
            x64_fail(c, "array index out of range");
        return x64_m(rb, (int32_t)disp);
    }
    x64_reg ri = in_gpr(c, index, X64_RCX);
    if (d->size != 1 && d->size != 2 && d->size != 4 && d->size != 8)
        x64_fail(c, "unsupported array item size %d", d->size);
    return x64_mx(rb, ri, d->size == 0 ? 1 : d->size, d->offset);
}

static void load_into(x64_ctx *c, ir_ref r, x64_mem m, const ir_descr *d)
{
    if (ir_ref_type(c->t, r) == 'f') {
        x64_xmm x = out_xmm(c, r);
        x64_movsd_rm(&c->b, x, m);
        done_xmm(c, r, x);
    } else {
        x64_reg g = out_gpr(c, r);
        load_sized(c, g, m, d->size, d->flag);
        done_gpr(c, r, g);
    }
}

/* setfield(base, v) / setarrayitem(base, index, v) */
static void lower_store(x64_ctx *c, ir_ref r, bool array)
{
    ir_trace *t = c->t;
    const ir_descr *d = ir_op_descr(t, r);
    ir_ref v = ir_arg(t, r, array ? 2 : 1);
    bool flt = ir_ref_type(t, v) == 'f';
    x64_xmm xv = flt ? in_xmm(c, v, X64_XTMP) : X64_XTMP; /* first: may clobber r11 */
    x64_mem m = array ? array_mem(c, ir_arg(t, r, 0), ir_arg(t, r, 1), d)
                      : x64_m(in_gpr(c, ir_arg(t, r, 0), X64_TMP2), d->offset);
    if (flt)
        x64_movsd_mr(&c->b, m, xv);
    else
        store_sized(c, m, v, d->size);
}

/* ---- guards ---- */

/* 64-bit x == y for guard_value: returns the condition "different". */
static cond compare_value(x64_ctx *c, ir_ref x, ir_ref y)
{
    jit_loc lx = loc_of(c, x), ly = loc_of(c, y);
    if (lx.kind == JIT_LOC_CONST && ly.kind == JIT_LOC_CONST)
        return (cond){lx.value == ly.value ? C_NEVER : C_ALWAYS, 0};
    if (lx.kind == JIT_LOC_CONST) {
        jit_loc s = lx;
        lx = ly;
        ly = s;
        ir_ref sr = x;
        x = y;
        y = sr;
    }
    x64_reg rx = X64_TMP;
    if (lx.kind == JIT_LOC_GPR)
        rx = (x64_reg)lx.index;
    else
        x64_move(&c->b, x64_loc_gpr(X64_TMP), lx);
    if (ly.kind == JIT_LOC_XMM) {
        x64_move(&c->b, x64_loc_gpr(X64_TMP2), ly);
        x64_alu_rr(&c->b, X64_CMP, rx, X64_TMP2);
    } else {
        alu_with(c, X64_CMP, rx, y);
    }
    return cond_cc(X64_CC_NE);
}

/* test of a pointer/int: returns the condition "is zero" */
static cond test_zero(x64_ctx *c, ir_ref v)
{
    jit_loc l = loc_of(c, v);
    if (l.kind == JIT_LOC_CONST)
        return (cond){l.value == 0 ? C_ALWAYS : C_NEVER, 0};
    if (l.kind == JIT_LOC_SPILL) {
        x64_alu_mi(&c->b, X64_CMP, x64_df_spill(l.index), 0);
    } else {
        x64_test_rr(&c->b, (x64_reg)l.index, (x64_reg)l.index);
    }
    return cond_cc(X64_CC_E);
}

/* ob_type of v != cls */
static cond class_differs(x64_ctx *c, ir_ref v, ir_ref cls)
{
    x64_reg rv = in_gpr(c, v, X64_TMP2);
    x64_load(&c->b, X64_TMP, x64_m(rv, x64_pyobj.type_offset));
    alu_with(c, X64_CMP, X64_TMP, cls);
    return cond_cc(X64_CC_NE);
}

static void lower_guard(x64_ctx *c, ir_ref r)
{
    ir_trace *t = c->t;
    int op = ir_opnum(t, r);
    ir_ref a = ir_nargs(t, r) > 0 ? ir_arg(t, r, 0) : IR_NONE;
    int e = x64_new_exit(c, r);
    switch (op) {
    case IR_guard_true:
    case IR_guard_false: {
        cond k = ir_is_op(a) && c->a.fused[a] ? c->fused : cond_not(test_zero(c, a)); /* "a is true" */
        x64_exit_if(c, e, op == IR_guard_true ? cond_not(k) : k);
        break;
    }
    case IR_guard_value: x64_exit_if(c, e, compare_value(c, a, ir_arg(t, r, 1))); break;
    case IR_guard_class: x64_exit_if(c, e, class_differs(c, a, ir_arg(t, r, 1))); break;
    case IR_guard_nonnull_class:
        x64_exit_if(c, e, test_zero(c, a));
        x64_exit_if(c, e, class_differs(c, a, ir_arg(t, r, 1)));
        break;
    case IR_guard_nonnull: x64_exit_if(c, e, test_zero(c, a)); break;
    case IR_guard_isnull: x64_exit_if(c, e, cond_not(test_zero(c, a))); break;
    case IR_guard_no_overflow: x64_exit_if(c, e, cond_cc(X64_CC_O)); break;
    case IR_guard_overflow: x64_exit_if(c, e, cond_cc(X64_CC_NO)); break;
    case IR_guard_not_invalidated: break;
    case IR_guard_no_exception: {
        call_save s;
        x64_call_enter(c, r, &s, x64_loc_const((uint64_t)(uintptr_t)x64_pyobj.err_occurred), 0, NULL, "");
        x64_call_leave(c, &s);
        x64_test_rr(&c->b, X64_RAX, X64_RAX);
        x64_exit_if(c, e, cond_cc(X64_CC_NE));
        break;
    }
    default: x64_fail(c, "op %d: unsupported guard %s", r, ir_opinfo_table[op].name);
    }
}

/* ---- control ---- */

/* The final jump: a parallel move of its args into the label's args,
 * then to the label -- of this trace, or (a bridge) of c->jump_loop or
 * c->target, through
 * r11 so that the distance between code blocks does not matter. */
static void lower_jump(x64_ctx *c, ir_ref r)
{
    ir_trace *t = c->t;
    int n = ir_nargs(t, r);
    bool local = c->a.label >= 0;
    const jit_loop *to = c->jump_loop ? c->jump_loop : c->target;
    jit_loc *dst = calloc((size_t)n + 1, sizeof *dst), *src = calloc((size_t)n + 1, sizeof *src);
    if (!dst || !src) {
        x64_fail(c, "out of memory");
    } else if (!local && (to == NULL || to->label_offset < 0 || to->nlabel_args != n)) {
        x64_fail(c, "op %d (jump): no label of this arity to jump to", r);
    } else {
        for (int i = 0; i < n; i++) {
            dst[i] = local ? c->a.loc[ir_arg(t, c->a.label, i)] : to->label_locs[i];
            src[i] = loc_of(c, ir_arg(t, r, i));
        }
        x64_parallel_move(&c->b, dst, src, n);
        if (local) {
            x64_jmp_to(&c->b, (size_t)c->label_pos);
        } else {
            x64_mov_ri(&c->b, X64_TMP2,
                       (int64_t)(uintptr_t)((const uint8_t *)to->code + to->label_offset));
            x64_jmp_r(&c->b, X64_TMP2);
        }
    }
    free(dst);
    free(src);
}

void x64_lower(x64_ctx *c, ir_ref r)
{
    ir_trace *t = c->t;
    int op = ir_opnum(t, r);
    const ir_opinfo *info = &ir_opinfo_table[op];
    if (info->flags & IR_F_GUARD) {
        lower_guard(c, r);
        return;
    }
    if (info->flags & IR_F_CMP) {
        cond k = emit_compare(c, r);
        if (c->a.fused[r])
            c->fused = k;
        else if (c->a.loc[r].kind != JIT_LOC_NONE)
            set_cond(c, r, k);
        return;
    }
    switch (op) {
    case IR_int_add: case IR_int_add_ovf: lower_alu(c, r, X64_ADD); break;
    case IR_int_sub: case IR_int_sub_ovf: lower_alu(c, r, X64_SUB); break;
    case IR_int_and: lower_alu(c, r, X64_AND); break;
    case IR_int_or: lower_alu(c, r, X64_OR); break;
    case IR_int_xor: lower_alu(c, r, X64_XOR); break;
    case IR_int_mul: case IR_int_mul_ovf: lower_mul(c, r); break;
    case IR_int_lshift: lower_shift(c, r, X64_SHL); break;
    case IR_int_rshift: lower_shift(c, r, X64_SAR); break;
    case IR_uint_rshift: lower_shift(c, r, X64_SHR); break;
    case IR_int_neg: lower_unary(c, r, true); break;
    case IR_int_invert: lower_unary(c, r, false); break;
    case IR_int_py_div: lower_pydiv(c, r, false); break;
    case IR_int_py_mod: lower_pydiv(c, r, true); break;
    case IR_float_add: lower_fbin(c, r, X64_ADDSD); break;
    case IR_float_sub: lower_fbin(c, r, X64_SUBSD); break;
    case IR_float_mul: lower_fbin(c, r, X64_MULSD); break;
    case IR_float_truediv: lower_fbin(c, r, X64_DIVSD); break;
    case IR_float_neg: lower_fsign(c, r, true); break;
    case IR_float_abs: lower_fsign(c, r, false); break;
    case IR_cast_int_to_float: {
        x64_reg s = in_gpr(c, ir_arg(t, r, 0), X64_TMP);
        x64_xmm d = out_xmm(c, r);
        x64_cvtsi2sd(&c->b, d, s);
        done_xmm(c, r, d);
        break;
    }
    case IR_cast_float_to_int: {
        x64_xmm s = in_xmm(c, ir_arg(t, r, 0), X64_XTMP);
        x64_reg d = out_gpr(c, r);
        x64_cvttsd2si(&c->b, d, s);
        done_gpr(c, r, d);
        break;
    }
    case IR_same_as_i: case IR_same_as_r: case IR_same_as_f:
    case IR_cast_ptr_to_int: case IR_cast_int_to_ptr:
        x64_move(&c->b, c->a.loc[r], loc_of(c, ir_arg(t, r, 0)));
        break;
    case IR_getfield_gc_i: case IR_getfield_gc_r: case IR_getfield_gc_f:
    case IR_getfield_raw_i: case IR_getfield_raw_f: {
        const ir_descr *d = ir_op_descr(t, r);
        load_into(c, r, x64_m(in_gpr(c, ir_arg(t, r, 0), X64_TMP2), d->offset), d);
        break;
    }
    case IR_getarrayitem_gc_i: case IR_getarrayitem_gc_r: case IR_getarrayitem_gc_f:
    case IR_getarrayitem_raw_i: case IR_getarrayitem_raw_f: {
        const ir_descr *d = ir_op_descr(t, r);
        load_into(c, r, array_mem(c, ir_arg(t, r, 0), ir_arg(t, r, 1), d), d);
        break;
    }
    case IR_setfield_gc: case IR_setfield_raw: lower_store(c, r, false); break;
    case IR_setarrayitem_gc: case IR_setarrayitem_raw: lower_store(c, r, true); break;
    case IR_arraylen_gc: {
        x64_reg p = in_gpr(c, ir_arg(t, r, 0), X64_TMP2), d = out_gpr(c, r);
        x64_load(&c->b, d, x64_m(p, x64_pyobj.size_offset));
        done_gpr(c, r, d);
        break;
    }
    case IR_call_i: case IR_call_r: case IR_call_f: case IR_call_n:
    case IR_call_pure_i: case IR_call_pure_r: case IR_call_pure_f: case IR_call_pure_n:
    case IR_cond_call:
        x64_lower_call(c, r);
        break;
    case IR_py_incref:
    case IR_py_decref:
    case IR_py_xdecref: x64_lower_refcount(c, r, op); break;
    case IR_increment_debug_counter: {
        x64_reg p = in_gpr(c, ir_arg(t, r, 0), X64_TMP2);
        x64_alu_mi(&c->b, X64_ADD, x64_m(p, 0), 1);
        break;
    }
    case IR_debug_merge_point: case IR_enter_portal_frame: case IR_leave_portal_frame:
    case IR_keepalive:
        break;
    case IR_label:
        if (r == c->a.label) {
            /* bind: mc_offset of the label is the loop start */
            c->label_pos = (int32_t)x64_pos(&c->b);
            t->ops[r].mc_offset = c->label_pos;
        }
        break;
    case IR_jump: lower_jump(c, r); break;
    case IR_finish: {
        int e = x64_new_exit(c, r);
        c->exits[e].stub_offset = (uint32_t)x64_pos(&c->b);
        x64_mov32_ri(&c->b, X64_RAX, (uint32_t)(c->exit_base + e));
        x64_jmp_label(&c->b, &c->common);
        break;
    }
    default: x64_fail(c, "op %d: unsupported operation %s", r, info->name);
    }
}

