/* opt/intbounds.c: the "intbounds" pass -- an interval [lo, hi] per
 * integer value, from constants, from what each op can produce, from
 * field sizes, and from guards: guard_true/guard_false of a comparison
 * narrows both sides (i < n guarded true: i <= n.hi - 1, n >= i.lo + 1),
 * guard_no_overflow narrows the operands (x + y did not overflow), and
 * guard_value pins a value. With those bounds it
 *   - folds a comparison (or int_is_true/int_is_zero) the bounds decide,
 *     so a later guard on it (e.g. i < 200 after i < 100) goes away;
 *   - turns int_add_ovf/int_sub_ovf/int_mul_ovf into the wrapping op and
 *     drops guard_no_overflow when no operand values can overflow;
 *   - replaces any value whose interval is one number by that constant.
 * Unsigned comparisons are decided when both sides are known >= 0, and
 * uint_lt(i, n) guarded true with n >= 0 gives 0 <= i < n (bounds checks). */
#include "opt_rw.h"

typedef struct {
    int64_t lo, hi;
} range;

static const range FULL = {INT64_MIN, INT64_MAX};

static int64_t sat_add(int64_t a, int64_t b)
{
    int64_t r;
    return __builtin_add_overflow(a, b, &r) ? (b > 0 ? INT64_MAX : INT64_MIN) : r;
}

static int64_t sat_sub(int64_t a, int64_t b)
{
    int64_t r;
    return __builtin_sub_overflow(a, b, &r) ? (b < 0 ? INT64_MAX : INT64_MIN) : r;
}

static range bounds(opt_rw *w, ir_ref v)
{
    opt_facts f = opt_rw_facts(w, v);
    return (range){f.lo, f.hi};
}

static int64_t min2(int64_t a, int64_t b) { return a < b ? a : b; }
static int64_t max2(int64_t a, int64_t b) { return a > b ? a : b; }

/* Smallest 2**k - 1 >= v (v >= 0). */
static int64_t all_ones(int64_t v)
{
    uint64_t m = (uint64_t)v;
    for (int s = 1; s < 64; s *= 2)
        m |= m >> s;
    return (int64_t)m;
}

static int64_t floordiv(int64_t x, int64_t d)
{
    int64_t q = x / d;
    return (x % d != 0 && ((x < 0) != (d < 0))) ? q - 1 : q;
}

/* Exact range of x op y for + - * when no combination overflows; *may_ovf
 * says whether one can (then the wrapping result is FULL). */
static range arith(int opnum, range x, range y, bool *may_ovf)
{
    int64_t c[4];
    bool o = false;
    switch (opnum) {
    case IR_int_add:
    case IR_int_add_ovf:
        o = __builtin_add_overflow(x.lo, y.lo, &c[0]) | __builtin_add_overflow(x.hi, y.hi, &c[1]);
        c[2] = c[0], c[3] = c[1];
        break;
    case IR_int_sub:
    case IR_int_sub_ovf:
        o = __builtin_sub_overflow(x.lo, y.hi, &c[0]) | __builtin_sub_overflow(x.hi, y.lo, &c[1]);
        c[2] = c[0], c[3] = c[1];
        break;
    default:
        o = __builtin_mul_overflow(x.lo, y.lo, &c[0]) | __builtin_mul_overflow(x.lo, y.hi, &c[1])
            | __builtin_mul_overflow(x.hi, y.lo, &c[2]) | __builtin_mul_overflow(x.hi, y.hi, &c[3]);
        break;
    }
    *may_ovf = o;
    if (o)
        return FULL;
    return (range){min2(min2(c[0], c[1]), min2(c[2], c[3])), max2(max2(c[0], c[1]), max2(c[2], c[3]))};
}

/* The range of int op r's result from its args' ranges. */
static range op_range(opt_rw *w, int opnum, const ir_ref *a, const ir_descr *d)
{
    range x = FULL, y = FULL;
    if (ir_opinfo_table[opnum].arity >= 1 && ir_ref_type(w->out, a[0]) == 'i')
        x = bounds(w, a[0]);
    if (ir_opinfo_table[opnum].arity >= 2 && ir_ref_type(w->out, a[1]) == 'i')
        y = bounds(w, a[1]);
    bool yc = y.lo == y.hi, o;
    int64_t c = y.lo;
    switch (opnum) {
    case IR_int_add:
    case IR_int_sub:
    case IR_int_mul:
        return arith(opnum, x, y, &o);
    case IR_int_and:
        if (x.lo >= 0 && y.lo >= 0)
            return (range){0, min2(x.hi, y.hi)};
        if (x.lo >= 0 || y.lo >= 0)
            return (range){0, x.lo >= 0 ? x.hi : y.hi};
        return FULL;
    case IR_int_or:
    case IR_int_xor:
        if (x.lo >= 0 && y.lo >= 0)
            return (range){opnum == IR_int_or ? max2(x.lo, y.lo) : 0, all_ones(max2(x.hi, y.hi))};
        return FULL;
    case IR_int_lshift:
        if (yc && c >= 0 && c < 63) {
            int64_t lo, hi;
            if (!__builtin_mul_overflow(x.lo, (int64_t)1 << c, &lo) && !__builtin_mul_overflow(x.hi, (int64_t)1 << c, &hi))
                return (range){lo, hi};
        }
        return FULL;
    case IR_int_rshift:
        if (yc && c >= 0 && c <= 63)
            return (range){x.lo >> c, x.hi >> c};
        return FULL;
    case IR_uint_rshift:
        if (yc && c >= 1 && c <= 63)
            return x.lo >= 0 ? (range){x.lo >> c, x.hi >> c} : (range){0, (int64_t)(UINT64_MAX >> c)};
        return yc && c == 0 ? x : FULL;
    case IR_int_neg:
        return x.lo == INT64_MIN ? FULL : (range){-x.hi, -x.lo};
    case IR_int_invert:
        return (range){~x.hi, ~x.lo};
    case IR_int_force_ge_zero:
        return (range){max2(x.lo, 0), max2(x.hi, 0)};
    case IR_int_py_div:
        if (yc && c > 0)
            return (range){floordiv(x.lo, c), floordiv(x.hi, c)};
        if (yc && c < -1)
            return (range){floordiv(x.hi, c), floordiv(x.lo, c)};
        return FULL;
    case IR_int_py_mod:
        if (y.lo > 0)
            return (range){0, y.hi - 1};
        if (y.hi < 0)
            return (range){y.lo + 1, 0};
        return FULL;
    case IR_arraylen_gc:
    case IR_strlen:
        return (range){0, INT64_MAX};
    case IR_getfield_gc_i:
    case IR_getfield_raw_i:
    case IR_getarrayitem_gc_i:
    case IR_getarrayitem_raw_i:
        /* a narrow field or item: its size (in bytes) and signedness bound it */
        if (d && d->size > 0 && d->size < 8) {
            int bits = 8 * d->size;
            if (d->flag == 'U')
                return (range){0, ((int64_t)1 << bits) - 1};
            if (d->flag == 'S')
                return (range){-((int64_t)1 << (bits - 1)), ((int64_t)1 << (bits - 1)) - 1};
        }
        return FULL;
    }
    return FULL;
}

/* A comparison decided by the bounds: 1, 0, or -1 (undecided). */
static int decide(int opnum, range x, range y)
{
    switch (opnum) { /* both >= 0: unsigned order is signed order */
    case IR_uint_lt: return x.lo < 0 || y.lo < 0 ? -1 : decide(IR_int_lt, x, y);
    case IR_uint_le: return x.lo < 0 || y.lo < 0 ? -1 : decide(IR_int_le, x, y);
    case IR_uint_gt: return x.lo < 0 || y.lo < 0 ? -1 : decide(IR_int_gt, x, y);
    case IR_uint_ge: return x.lo < 0 || y.lo < 0 ? -1 : decide(IR_int_ge, x, y);
    case IR_int_lt: return x.hi < y.lo ? 1 : x.lo >= y.hi ? 0 : -1;
    case IR_int_le: return x.hi <= y.lo ? 1 : x.lo > y.hi ? 0 : -1;
    case IR_int_gt: return decide(IR_int_lt, y, x);
    case IR_int_ge: return decide(IR_int_le, y, x);
    case IR_int_eq:
        if (x.lo == x.hi && y.lo == y.hi && x.lo == y.lo)
            return 1;
        return x.hi < y.lo || y.hi < x.lo ? 0 : -1;
    case IR_int_ne: {
        int eq = decide(IR_int_eq, x, y);
        return eq < 0 ? -1 : !eq;
    }
    case IR_int_is_true: return x.lo > 0 || x.hi < 0 ? 1 : x.lo == 0 && x.hi == 0 ? 0 : -1;
    case IR_int_is_zero: {
        int t = decide(IR_int_is_true, x, y);
        return t < 0 ? -1 : !t;
    }
    }
    return -1;
}

/* The comparison true exactly when opnum (int) is false. */
static int negate(int opnum)
{
    switch (opnum) {
    case IR_int_lt: return IR_int_ge;
    case IR_int_ge: return IR_int_lt;
    case IR_int_le: return IR_int_gt;
    case IR_int_gt: return IR_int_le;
    case IR_int_eq: return IR_int_ne;
    case IR_int_ne: return IR_int_eq;
    case IR_uint_lt: return IR_uint_ge;
    case IR_uint_ge: return IR_uint_lt;
    case IR_uint_le: return IR_uint_gt;
    case IR_uint_gt: return IR_uint_le;
    case IR_int_is_true: return IR_int_is_zero;
    case IR_int_is_zero: return IR_int_is_true;
    }
    return -1;
}

/* Learns from "a opnum b" being true. */
static void learn_cmp(opt_rw *w, int opnum, ir_ref a, ir_ref b)
{
    ir_ref t;
    switch (opnum) { /* > and >= as < and <= with the sides swapped */
    case IR_int_gt: opnum = IR_int_lt; t = a, a = b, b = t; break;
    case IR_int_ge: opnum = IR_int_le; t = a, a = b, b = t; break;
    case IR_uint_gt: opnum = IR_uint_lt; t = a, a = b, b = t; break;
    case IR_uint_ge: opnum = IR_uint_le; t = a, a = b, b = t; break;
    }
    range x = bounds(w, a), y = opnum == IR_int_is_true || opnum == IR_int_is_zero ? FULL : bounds(w, b);
    switch (opnum) {
    case IR_int_lt:
        if (y.hi == INT64_MIN || x.lo == INT64_MAX)
            return; /* cannot hold: a guard that always fails said so */
        opt_rw_learn_bounds(w, a, INT64_MIN, y.hi - 1);
        opt_rw_learn_bounds(w, b, x.lo + 1, INT64_MAX);
        break;
    case IR_int_le:
        opt_rw_learn_bounds(w, a, INT64_MIN, y.hi);
        opt_rw_learn_bounds(w, b, x.lo, INT64_MAX);
        break;
    case IR_uint_lt:
        if (y.lo >= 0 && y.hi > 0)
            opt_rw_learn_bounds(w, a, 0, y.hi - 1);
        break;
    case IR_uint_le:
        if (y.lo >= 0)
            opt_rw_learn_bounds(w, a, 0, y.hi);
        break;
    case IR_int_eq:
        opt_rw_learn_bounds(w, a, y.lo, y.hi);
        opt_rw_learn_bounds(w, b, x.lo, x.hi);
        break;
    case IR_int_ne: /* a constant on one side shaves an end off the other */
        if (y.lo == y.hi)
            opt_rw_learn_bounds(w, a, x.lo == y.lo ? x.lo + 1 : x.lo, x.hi == y.lo ? x.hi - 1 : x.hi);
        if (x.lo == x.hi)
            opt_rw_learn_bounds(w, b, y.lo == x.lo ? y.lo + 1 : y.lo, y.hi == x.lo ? y.hi - 1 : y.hi);
        break;
    case IR_int_is_true:
        opt_rw_learn_bounds(w, a, x.lo == 0 ? 1 : x.lo, x.hi == 0 ? -1 : x.hi);
        break;
    case IR_int_is_zero:
        opt_rw_learn_bounds(w, a, 0, 0);
        break;
    }
}

/* A kept guard_true/guard_false(x): x is 1/0, and so is its comparison. */
static void learn_guard(opt_rw *w, ir_ref r)
{
    bool truth = ir_opnum(w->in, r) == IR_guard_true;
    ir_ref x = opt_rw_arg(w, r, 0);
    if (opt_rw_def(w, x) >= 0) {
        const ir_trace *o = w->out;
        int cmp = opt_rw_def(w, x);
        if (!truth)
            cmp = negate(cmp);
        if (cmp >= 0 && ir_nargs(o, x) >= 1 && ir_ref_type(o, ir_arg(o, x, 0)) == 'i')
            learn_cmp(w, cmp, opt_rw_resolve(w, ir_arg(o, x, 0)),
                      ir_nargs(o, x) > 1 ? opt_rw_resolve(w, ir_arg(o, x, 1)) : IR_NONE);
    }
    if (!truth)
        opt_rw_learn_bounds(w, x, 0, 0);
    else if (bounds(w, x).lo >= 0 && bounds(w, x).hi <= 1)
        opt_rw_learn_bounds(w, x, 1, 1);
    else
        learn_cmp(w, IR_int_is_true, x, IR_NONE);
}

/* An _ovf op and its guard (r + 1); returns the number of extra ops used. */
static int ovf_op(opt_rw *w, ir_ref r)
{
    const ir_trace *in = w->in;
    int opnum = ir_opnum(in, r), guard = r + 1 < in->nops ? ir_opnum(in, r + 1) : -1;
    ir_ref a[2] = {opt_rw_arg(w, r, 0), opt_rw_arg(w, r, 1)};
    range x = bounds(w, a[0]), y = bounds(w, a[1]);
    bool may_ovf;
    range res = arith(opnum, x, y, &may_ovf);
    if (guard != IR_guard_no_overflow && guard != IR_guard_overflow) {
        opt_rw_copy_args(w, r, a);
        return 0;
    }
    if (!may_ovf && guard == IR_guard_no_overflow) {
        int plain = opnum == IR_int_add_ovf ? IR_int_add : opnum == IR_int_sub_ovf ? IR_int_sub : IR_int_mul;
        if (res.lo == res.hi)
            opt_rw_replace(w, r, ir_const_int(w->out, res.lo));
        else
            opt_rw_learn_bounds(w, opt_rw_emit(w, r, plain, a, 2), res.lo, res.hi);
        opt_rw_drop(w, r + 1);
        OPT_COUNT(w, guards_removed);
        return 1;
    }
    ir_ref v = opt_rw_copy_args(w, r, a);
    opt_rw_copy(w, r + 1);
    if (guard == IR_guard_overflow) {
        if (!may_ovf)
            OPT_COUNT(w, always_fails);
        return 1;
    }
    /* guard_no_overflow passed: the result is the exact one, and the
     * operands were small enough for it */
    if (opnum == IR_int_add_ovf) {
        opt_rw_learn_bounds(w, v, sat_add(x.lo, y.lo), sat_add(x.hi, y.hi));
        opt_rw_learn_bounds(w, a[0], sat_sub(INT64_MIN, y.hi), sat_sub(INT64_MAX, y.lo));
        opt_rw_learn_bounds(w, a[1], sat_sub(INT64_MIN, x.hi), sat_sub(INT64_MAX, x.lo));
    } else if (opnum == IR_int_sub_ovf) {
        opt_rw_learn_bounds(w, v, sat_sub(x.lo, y.hi), sat_sub(x.hi, y.lo));
        opt_rw_learn_bounds(w, a[0], sat_add(INT64_MIN, y.lo), sat_add(INT64_MAX, y.hi));
        opt_rw_learn_bounds(w, a[1], sat_sub(x.lo, INT64_MAX), sat_sub(x.hi, INT64_MIN));
    }
    return 1;
}

static void int_op(opt_rw *w, ir_ref r)
{
    const ir_trace *in = w->in;
    int opnum = ir_opnum(in, r), n = ir_nargs(in, r);
    ir_ref a[2] = {IR_NONE, IR_NONE};
    for (int i = 0; i < n && i < 2; i++)
        a[i] = opt_rw_arg(w, r, i);
    bool pure = (ir_opinfo_table[opnum].flags & IR_F_PURE) != 0;
    if (pure && (ir_opinfo_table[opnum].flags & IR_F_CMP) && n >= 1 && ir_ref_type(w->out, a[0]) == 'i') {
        int d = decide(opnum, bounds(w, a[0]), n > 1 ? bounds(w, a[1]) : FULL);
        if (d >= 0) {
            opt_rw_replace(w, r, ir_const_int(w->out, d));
            OPT_COUNT(w, folded);
            return;
        }
    }
    range res = n <= 2 ? op_range(w, opnum, a, ir_op_descr(in, r)) : FULL;
    if (pure && n <= 2 && res.lo == res.hi) {
        opt_rw_replace(w, r, ir_const_int(w->out, res.lo));
        OPT_COUNT(w, folded);
        return;
    }
    ir_ref v = opt_rw_copy(w, r);
    opt_rw_learn_bounds(w, v, res.lo, res.hi);
}

int opt_intbounds(const ir_trace *in, ir_trace **out, const opt_ctx *ctx)
{
    opt_rw w;
    if (opt_rw_init(&w, in, ctx) == 0) {
        for (ir_ref r = ir_first(in); r < in->nops && !w.oom; r++) {
            int opnum = ir_opnum(in, r);
            uint32_t fl = ir_opinfo_table[opnum].flags;
            if (opnum == IR_label) {
                opt_rw_label(&w, r);
            } else if (fl & IR_F_OVF) {
                r += ovf_op(&w, r);
            } else if (fl & IR_F_GUARD) {
                if (opt_rw_guard(&w, r) != 0)
                    continue; /* removed, or always fails */
                if (opnum == IR_guard_true || opnum == IR_guard_false) {
                    learn_guard(&w, r);
                } else if (opnum == IR_guard_value && ir_ref_type(in, ir_arg(in, r, 0)) == 'i') {
                    ir_ref c = opt_rw_arg(&w, r, 1);
                    if (ir_is_const(c))
                        opt_rw_learn_bounds(&w, opt_rw_arg(&w, r, 0), opt_rw_const_int(&w, c), opt_rw_const_int(&w, c));
                }
            } else if (ir_opinfo_table[opnum].type == 'i' && !(fl & IR_F_CALL)) {
                int_op(&w, r);
            } else {
                opt_rw_copy(&w, r);
            }
        }
    }
    return opt_rw_finish(&w, out);
}
