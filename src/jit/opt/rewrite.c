/* opt/rewrite.c: the "rewrite" pass -- constant folding, algebraic
 * simplification, same_as removal, guards decided by constants and by
 * what earlier guards proved (PyPy's rewrite.py).
 *
 * Folding computes exactly what the machine code would: ints wrap at 64
 * bits; shifts fold only for counts 0..63; int_py_div/mod never for a zero
 * divisor or INT64_MIN / -1 (the recorder guards those); cast_float_to_int
 * only in range; floats are C doubles (SSE2, round to nearest), so
 * 1.0/0.0 folds to inf as divsd gives. Float identities are limited to
 * the bitwise-exact ones (double negation, abs of neg/abs): x*0.0 is not
 * 0.0 (-0.0, NaN, inf), x+0.0 is not x (-0.0), and even x*1.0 is not x
 * (a signalling NaN would come out quiet).
 *
 * Learned from a kept guard: guard_true(cmp) -> cmp is 1; guard_false(x)
 * -> x is 0; guard_value(x, C) -> x is C (ints and refs; not floats, where
 * the comparison lets -0.0 pass for 0.0); guard_isnull(x) -> x is NULL;
 * guard_class / guard_nonnull_class -> known class, non-null;
 * guard_nonnull -> non-null. Later uses of x then see the constant (args
 * and snapshots), and a later guard already implied is removed. */
#include "opt_rw.h"

#include <math.h>
#include <string.h>

static ir_ref cint(opt_rw *w, int64_t v) { return ir_const_int(w->out, v); }

/* Folds a pure op whose args are all constants; false when it must not. */
static bool fold(opt_rw *w, int opnum, const ir_ref *a, int n, ir_ref *res)
{
    int64_t x = 0, y = 0;
    double fx = 0, fy = 0;
    for (int i = 0; i < n; i++) {
        if (!ir_is_const(a[i]))
            return false;
        const ir_const *k = ir_const_at(w->out, a[i]);
        int64_t iv = k->type == 'f' ? 0 : opt_rw_const_int(w, a[i]);
        double fv = k->type == 'f' ? k->v.f : 0;
        if (i == 0)
            x = iv, fx = fv;
        else
            y = iv, fy = fv;
    }
    uint64_t ux = (uint64_t)x, uy = (uint64_t)y;
    int64_t i = 0;
    double f = 0;
    bool is_float = ir_opinfo_table[opnum].type == 'f';
    switch (opnum) {
    case IR_int_add: i = (int64_t)(ux + uy); break;
    case IR_int_sub: i = (int64_t)(ux - uy); break;
    case IR_int_mul: i = (int64_t)(ux * uy); break;
    case IR_int_and: i = x & y; break;
    case IR_int_or: i = x | y; break;
    case IR_int_xor: i = x ^ y; break;
    case IR_int_lshift:
        if (y < 0 || y > 63)
            return false;
        i = (int64_t)(ux << y);
        break;
    case IR_int_rshift:
        if (y < 0 || y > 63)
            return false;
        i = x >> y;
        break;
    case IR_uint_rshift:
        if (y < 0 || y > 63)
            return false;
        i = (int64_t)(ux >> y);
        break;
    case IR_uint_mul_high: i = (int64_t)(uint64_t)(((unsigned __int128)ux * uy) >> 64); break;
    case IR_int_neg: i = (int64_t)(0 - ux); break;
    case IR_int_invert: i = ~x; break;
    case IR_int_force_ge_zero: i = x < 0 ? 0 : x; break;
    case IR_int_py_div:
    case IR_int_py_mod:
        if (y == 0 || (x == INT64_MIN && y == -1))
            return false;
        if (opnum == IR_int_py_div) { /* floor division */
            i = x / y;
            if (x % y != 0 && ((x < 0) != (y < 0)))
                i--;
        } else { /* the remainder takes the divisor's sign */
            i = x % y;
            if (i != 0 && ((i < 0) != (y < 0)))
                i += y;
        }
        break;
    case IR_int_lt: i = x < y; break;
    case IR_int_le: i = x <= y; break;
    case IR_int_eq: i = x == y; break;
    case IR_int_ne: i = x != y; break;
    case IR_int_gt: i = x > y; break;
    case IR_int_ge: i = x >= y; break;
    case IR_uint_lt: i = ux < uy; break;
    case IR_uint_le: i = ux <= uy; break;
    case IR_uint_gt: i = ux > uy; break;
    case IR_uint_ge: i = ux >= uy; break;
    case IR_int_is_zero: i = x == 0; break;
    case IR_int_is_true: i = x != 0; break;
    case IR_ptr_eq:
    case IR_instance_ptr_eq: i = x == y; break;
    case IR_ptr_ne:
    case IR_instance_ptr_ne: i = x != y; break;
    case IR_cast_ptr_to_int: i = x; break;
    case IR_float_add: f = fx + fy; break;
    case IR_float_sub: f = fx - fy; break;
    case IR_float_mul: f = fx * fy; break;
    case IR_float_truediv: f = fx / fy; break;
    case IR_float_neg: f = -fx; break;
    case IR_float_abs: f = fabs(fx); break;
    case IR_float_lt: i = fx < fy; break;
    case IR_float_le: i = fx <= fy; break;
    case IR_float_eq: i = fx == fy; break;
    case IR_float_ne: i = fx != fy; break;
    case IR_float_gt: i = fx > fy; break;
    case IR_float_ge: i = fx >= fy; break;
    case IR_cast_int_to_float: f = (double)x; break;
    case IR_cast_float_to_int:
        if (!(fx >= -9223372036854775808.0 && fx < 9223372036854775808.0))
            return false; /* NaN or out of range: cvttsd2si's answer is not C's */
        i = (int64_t)fx;
        break;
    default:
        return false;
    }
    *res = is_float ? ir_const_float(w->out, f) : cint(w, i);
    return *res != IR_NONE;
}

/* The opnum defining out value v in this scope, or -1. */
static int def_op(opt_rw *w, ir_ref v)
{
    return opt_rw_def(w, v);
}

/* The comparison that is true exactly when int/ptr comparison opnum is
 * false, or -1 (float comparisons have none: NaN). */
static int negated_cmp(int opnum)
{
    static const int pairs[][2] = {
        {IR_int_lt, IR_int_ge}, {IR_int_le, IR_int_gt}, {IR_int_eq, IR_int_ne},
        {IR_uint_lt, IR_uint_ge}, {IR_uint_le, IR_uint_gt}, {IR_ptr_eq, IR_ptr_ne},
        {IR_instance_ptr_eq, IR_instance_ptr_ne}, {IR_int_is_zero, IR_int_is_true}};
    for (size_t k = 0; k < sizeof pairs / sizeof *pairs; k++) {
        if (pairs[k][0] == opnum)
            return pairs[k][1];
        if (pairs[k][1] == opnum)
            return pairs[k][0];
    }
    return -1;
}

/* A comparison of a value with itself, for ints and pointers. */
static int self_cmp(int opnum)
{
    switch (opnum) {
    case IR_int_le: case IR_int_eq: case IR_int_ge: case IR_uint_le: case IR_uint_ge:
    case IR_ptr_eq: case IR_instance_ptr_eq:
        return 1;
    case IR_int_lt: case IR_int_ne: case IR_int_gt: case IR_uint_lt: case IR_uint_gt:
    case IR_ptr_ne: case IR_instance_ptr_ne:
        return 0;
    }
    return -1;
}

static bool is_bool(opt_rw *w, ir_ref v)
{
    opt_facts f = opt_rw_facts(w, v);
    return f.lo >= 0 && f.hi <= 1;
}

/* Algebraic identities: the equal value, a new op, or IR_NONE. Input op
 * r is being rewritten (for ops emitted in its place). */
static ir_ref simplify(opt_rw *w, ir_ref r, int opnum, const ir_ref *a)
{
#define K(v, c) opt_rw_is_const_int(w, (v), (c))
    switch (opnum) {
    case IR_int_add:
        return K(a[1], 0) ? a[0] : K(a[0], 0) ? a[1] : IR_NONE;
    case IR_int_sub:
        if (K(a[1], 0))
            return a[0];
        if (a[0] == a[1])
            return cint(w, 0);
        if (K(a[0], 0))
            return opt_rw_emit(w, r, IR_int_neg, &a[1], 1);
        return IR_NONE;
    case IR_int_mul:
        if (K(a[0], 0) || K(a[1], 0))
            return cint(w, 0);
        return K(a[1], 1) ? a[0] : K(a[0], 1) ? a[1] : IR_NONE;
    case IR_int_and:
        if (K(a[0], 0) || K(a[1], 0))
            return cint(w, 0);
        return a[0] == a[1] || K(a[1], -1) ? a[0] : K(a[0], -1) ? a[1] : IR_NONE;
    case IR_int_or:
        if (K(a[0], -1) || K(a[1], -1))
            return cint(w, -1);
        return a[0] == a[1] || K(a[1], 0) ? a[0] : K(a[0], 0) ? a[1] : IR_NONE;
    case IR_int_xor:
        if (a[0] == a[1])
            return cint(w, 0);
        return K(a[1], 0) ? a[0] : K(a[0], 0) ? a[1] : IR_NONE;
    case IR_int_lshift:
    case IR_int_rshift:
    case IR_uint_rshift:
        return K(a[1], 0) ? a[0] : K(a[0], 0) ? cint(w, 0) : IR_NONE;
    case IR_int_neg:
    case IR_int_invert:
    case IR_float_neg: /* -(-x) is x, bit for bit */
        return def_op(w, a[0]) == opnum ? opt_rw_resolve(w, ir_arg(w->out, a[0], 0)) : IR_NONE;
    case IR_float_abs: /* |(-x)| and ||x|| are |x| */
        if (def_op(w, a[0]) == IR_float_abs)
            return a[0];
        if (def_op(w, a[0]) == IR_float_neg) {
            ir_ref x = opt_rw_resolve(w, ir_arg(w->out, a[0], 0));
            return opt_rw_emit(w, r, IR_float_abs, &x, 1);
        }
        return IR_NONE;
    case IR_int_is_true: /* of a 0/1 value (a comparison): itself */
        return is_bool(w, a[0]) ? a[0] : IR_NONE;
    case IR_int_is_zero: {
        int neg = negated_cmp(def_op(w, a[0]));
        if (neg < 0)
            return IR_NONE;
        ir_ref args[2];
        int n = ir_nargs(w->out, a[0]);
        for (int i = 0; i < n; i++)
            args[i] = opt_rw_resolve(w, ir_arg(w->out, a[0], i));
        return opt_rw_emit(w, r, neg, args, n);
    }
    case IR_int_ne: /* b != 0 and b == 1 are b for a 0/1 value b */
    case IR_int_eq:
        if (a[0] != a[1]) {
            int64_t c = opnum == IR_int_ne ? 0 : 1;
            return K(a[1], c) && is_bool(w, a[0]) ? a[0] : K(a[0], c) && is_bool(w, a[1]) ? a[1] : IR_NONE;
        }
        break;
    }
    if (ir_opinfo_table[opnum].arity == 2 && a[0] == a[1] && self_cmp(opnum) >= 0)
        return cint(w, self_cmp(opnum));
    return IR_NONE;
#undef K
}

static void pure_op(opt_rw *w, ir_ref r)
{
    int opnum = ir_opnum(w->in, r), n = ir_nargs(w->in, r);
    ir_ref a[2] = {IR_NONE, IR_NONE};
    if (n > 2) {
        opt_rw_copy(w, r);
        return;
    }
    for (int i = 0; i < n; i++)
        a[i] = opt_rw_arg(w, r, i);
    ir_ref v = IR_NONE;
    if (opnum == IR_same_as_i || opnum == IR_same_as_r || opnum == IR_same_as_f)
        v = a[0];
    else if (!fold(w, opnum, a, n, &v) && n > 0)
        v = simplify(w, r, opnum, a);
    if (v == IR_NONE) {
        opt_rw_copy_args(w, r, a);
        return;
    }
    OPT_COUNT(w, folded);
    opt_rw_replace(w, r, v);
}

/* The value of an overflow-checked op when it cannot overflow, or IR_NONE;
 * *overflows says a constant operation does overflow. */
static ir_ref ovf_value(opt_rw *w, int opnum, const ir_ref *a, bool *overflows)
{
#define K(v, c) opt_rw_is_const_int(w, (v), (c))
    *overflows = false;
    if (ir_is_const(a[0]) && ir_is_const(a[1])) {
        int64_t x = opt_rw_const_int(w, a[0]), y = opt_rw_const_int(w, a[1]), z;
        *overflows = opnum == IR_int_add_ovf   ? __builtin_add_overflow(x, y, &z)
                     : opnum == IR_int_sub_ovf ? __builtin_sub_overflow(x, y, &z)
                                               : __builtin_mul_overflow(x, y, &z);
        return *overflows ? IR_NONE : cint(w, z);
    }
    switch (opnum) {
    case IR_int_add_ovf: return K(a[1], 0) ? a[0] : K(a[0], 0) ? a[1] : IR_NONE;
    case IR_int_sub_ovf: return K(a[1], 0) ? a[0] : a[0] == a[1] ? cint(w, 0) : IR_NONE;
    default:
        if (K(a[0], 0) || K(a[1], 0))
            return cint(w, 0);
        return K(a[1], 1) ? a[0] : K(a[0], 1) ? a[1] : IR_NONE;
    }
#undef K
}

/* An _ovf op and its guard (r + 1); returns the number of extra ops used. */
static int ovf_op(opt_rw *w, ir_ref r)
{
    const ir_trace *in = w->in;
    int guard = r + 1 < in->nops ? ir_opnum(in, r + 1) : -1;
    if (guard != IR_guard_no_overflow && guard != IR_guard_overflow) {
        opt_rw_copy(w, r);
        return 0;
    }
    ir_ref a[2] = {opt_rw_arg(w, r, 0), opt_rw_arg(w, r, 1)};
    bool overflows;
    ir_ref v = ovf_value(w, ir_opnum(in, r), a, &overflows);
    if (v != IR_NONE && guard == IR_guard_no_overflow) {
        opt_rw_replace(w, r, v);
        opt_rw_drop(w, r + 1);
        OPT_COUNT(w, folded);
        OPT_COUNT(w, guards_removed);
        return 1;
    }
    opt_rw_copy_args(w, r, a);
    opt_rw_copy(w, r + 1);
    if (guard == IR_guard_no_overflow ? overflows : v != IR_NONE)
        OPT_COUNT(w, always_fails); /* an overflow guarded against, or guard_overflow that cannot */
    return 1;
}

static void guard(opt_rw *w, ir_ref r)
{
    if (opt_rw_guard(w, r) != 0)
        return; /* removed, or always fails: nothing to learn */
    int opnum = ir_opnum(w->in, r);
    if (ir_nargs(w->in, r) == 0)
        return;
    ir_ref x = opt_rw_arg(w, r, 0), c = ir_nargs(w->in, r) > 1 ? opt_rw_arg(w, r, 1) : IR_NONE;
    switch (opnum) {
    case IR_guard_true:
        if (is_bool(w, x))
            opt_rw_learn_const(w, x, cint(w, 1));
        else if (opt_rw_facts(w, x).lo == 0)
            opt_rw_learn_bounds(w, x, 1, INT64_MAX);
        else if (opt_rw_facts(w, x).hi == 0)
            opt_rw_learn_bounds(w, x, INT64_MIN, -1);
        break;
    case IR_guard_false:
        opt_rw_learn_const(w, x, cint(w, 0));
        break;
    case IR_guard_value:
        if (ir_ref_type(w->out, x) != 'f')
            opt_rw_learn_const(w, x, c);
        break;
    case IR_guard_isnull:
        opt_rw_learn_const(w, x, ir_const_ptr(w->out, NULL));
        break;
    case IR_guard_class:
    case IR_guard_nonnull_class:
        if (ir_is_const(c))
            opt_rw_learn_class(w, x, opt_rw_const_int(w, c));
        break;
    case IR_guard_nonnull:
        opt_rw_learn_nonnull(w, x);
        break;
    }
}

int opt_rewrite(const ir_trace *in, ir_trace **out, const opt_ctx *ctx)
{
    opt_rw w;
    if (opt_rw_init(&w, in, ctx) == 0) {
        for (ir_ref r = ir_first(in); r < in->nops && !w.oom; r++) {
            int opnum = ir_opnum(in, r);
            uint32_t fl = ir_opinfo_table[opnum].flags;
            if (opnum == IR_label)
                opt_rw_label(&w, r);
            else if (fl & IR_F_OVF)
                r += ovf_op(&w, r);
            else if (fl & IR_F_GUARD)
                guard(&w, r);
            else if ((fl & IR_F_PURE) && !(fl & IR_F_CALL))
                pure_op(&w, r);
            else
                opt_rw_copy(&w, r);
        }
    }
    return opt_rw_finish(&w, out);
}
