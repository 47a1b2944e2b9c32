/* tests/c/test_opt_rewrite: the "rewrite" pass, PyPy optimizeopt style:
 * an input trace, the expected trace (compared modulo renaming, output
 * verified, input left untouched). Also the shared checker used by the
 * other test_opt_*.c files (test_opt.h). */
#include "test_opt.h"

#include <stdlib.h>
#include <string.h>

void check_opt_(int *failed_, int line, opt_pass_fn pass, unsigned mask, const char *input,
                const char *expected, opt_stats *stats)
{
    char err[512], why[512];
    ir_trace *in = ir_parse(input, NULL, err, sizeof err);
    if (in == NULL || ir_verify(in, err, sizeof err) < 0) {
        fprintf(stderr, "  line %d: bad input: %s\n", line, err);
        *failed_ = 1;
        ir_trace_free(in);
        return;
    }
    ir_trace *exp = ir_parse(expected, NULL, err, sizeof err);
    if (exp == NULL) {
        fprintf(stderr, "  line %d: bad expected text: %s\n", line, err);
        *failed_ = 1;
        ir_trace_free(in);
        return;
    }
    ir_trace_free(exp);
    char *before = ir_print(in, 0);
    opt_stats local = {0};
    opt_ctx ctx = {mask, stats ? stats : &local};
    ir_trace *out = NULL;
    int rc = pass ? pass(in, &out, &ctx) : opt_run(in, mask, &out, ctx.stats, err, sizeof err);
    if (rc < 0 || out == NULL) {
        fprintf(stderr, "  line %d: optimiser failed: %s\n", line, pass ? "" : err);
        *failed_ = 1;
    } else {
        char *text = ir_print(out, 0);
        if (!ir_text_equiv(text, expected, why, sizeof why)) {
            fprintf(stderr, "  line %d: %s\n  got:\n%s  expected:\n%s\n", line, why, text, expected);
            *failed_ = 1;
        }
        if (ir_verify(out, err, sizeof err) < 0) {
            fprintf(stderr, "  line %d: output does not verify: %s\n%s", line, err, text);
            *failed_ = 1;
        }
        free(text);
    }
    char *after = ir_print(in, 0);
    if (strcmp(before, after) != 0) {
        fprintf(stderr, "  line %d: the pass modified its input\n", line);
        *failed_ = 1;
    }
    free(before);
    free(after);
    ir_trace_free(out);
    ir_trace_free(in);
}

TEST(opt_rewrite_folds_int_arithmetic_into_args_and_snapshots)
{
    CHECK_OPT(opt_rewrite,
              "[i0]\n"
              "label(i0, descr=TargetToken(1))\n"
              "i1 = int_add(3, 4)\n"
              "i2 = int_mul(i1, 2)\n"
              "i3 = int_sub(i0, i2)\n"
              "guard_true(i3) [i0, i2, i1]\n"
              "jump(i3, descr=TargetToken(1))\n",
              "[i0]\n"
              "label(i0, descr=TargetToken(1))\n"
              "i3 = int_sub(i0, 14)\n"
              "guard_true(i3) [i0, 14, 7]\n"
              "jump(i3, descr=TargetToken(1))\n");
}

TEST(opt_rewrite_folds_with_machine_semantics)
{
    CHECK_OPT(opt_rewrite,
              "[]\n"
              "i1 = int_add(9223372036854775807, 1)\n"
              "i2 = int_mul(4611686018427387904, 4)\n"
              "i3 = int_lshift(1, 63)\n"
              "i4 = int_lshift(1, 64)\n"
              "i5 = int_neg(-9223372036854775808)\n"
              "i6 = uint_rshift(-1, 60)\n"
              "i7 = int_rshift(-16, 2)\n"
              "i8 = int_py_div(-7, 2)\n"
              "i9 = int_py_mod(-7, 2)\n"
              "i10 = int_py_mod(7, -2)\n"
              "i11 = int_py_div(5, 0)\n"
              "i12 = uint_mul_high(-1, -1)\n"
              "i13 = int_py_div(-9223372036854775808, -1)\n"
              "i14 = int_force_ge_zero(-5)\n"
              "i15 = int_invert(0)\n"
              "finish(i1, i2, i3, i4, i5, i6, i7, i8, i9, i10, i11, i12, i13, i14, i15)\n",
              "[]\n"
              "i4 = int_lshift(1, 64)\n"
              "i11 = int_py_div(5, 0)\n"
              "i13 = int_py_div(-9223372036854775808, -1)\n"
              "finish(-9223372036854775808, 0, -9223372036854775808, i4, -9223372036854775808, 15, -4, -4, "
              "1, -1, i11, -2, i13, 0, -1)\n");
}

TEST(opt_rewrite_folds_comparisons_and_removes_guards)
{
    opt_stats st = {0};
    CHECK_OPT_STATS(opt_rewrite,
                    "[i0]\n"
                    "i1 = int_lt(3, 4)\n"
                    "guard_true(i1) [i0]\n"
                    "i2 = uint_lt(-1, 0)\n"
                    "guard_false(i2) [i0]\n"
                    "i3 = int_eq(i0, i0)\n"
                    "guard_true(i3) [i0]\n"
                    "i4 = int_is_true(5)\n"
                    "i5 = int_lt(i0, i0)\n"
                    "i6 = int_ne(i0, i0)\n"
                    "i7 = uint_ge(i0, i0)\n"
                    "finish(i4, i5, i6, i7)\n",
                    "[i0]\n"
                    "finish(1, 0, 0, 1)\n",
                    &st);
    CHECK_EQ_INT(st.guards_removed, 3);
    CHECK_EQ_INT(st.always_fails, 0);
}

TEST(opt_rewrite_folds_ovf_only_without_overflow)
{
    opt_stats st = {0};
    CHECK_OPT_STATS(opt_rewrite,
                    "[i0]\n"
                    "i1 = int_add_ovf(5, 6)\n"
                    "guard_no_overflow() [i0]\n"
                    "i2 = int_mul_ovf(i0, 1)\n"
                    "guard_no_overflow() [i0]\n"
                    "i3 = int_sub_ovf(i0, 0)\n"
                    "guard_no_overflow() [i0]\n"
                    "i4 = int_add_ovf(i1, i2)\n"
                    "guard_no_overflow() [i0, i3]\n"
                    "finish(i4)\n",
                    "[i0]\n"
                    "i4 = int_add_ovf(11, i0)\n"
                    "guard_no_overflow() [i0, i0]\n"
                    "finish(i4)\n",
                    &st);
    CHECK_EQ_INT(st.guards_removed, 3);
    /* an overflow guarded against: the trace always exits there */
    memset(&st, 0, sizeof st);
    CHECK_OPT_STATS(opt_rewrite,
                    "[i0]\n"
                    "i1 = int_add_ovf(9223372036854775807, 1)\n"
                    "guard_no_overflow() [i0]\n"
                    "i2 = int_mul_ovf(i0, 0)\n"
                    "guard_overflow() [i0]\n"
                    "finish(i1, i2)\n",
                    "[i0]\n"
                    "i1 = int_add_ovf(9223372036854775807, 1)\n"
                    "guard_no_overflow() [i0]\n"
                    "i2 = int_mul_ovf(i0, 0)\n"
                    "guard_overflow() [i0]\n"
                    "finish(i1, i2)\n",
                    &st);
    CHECK_EQ_INT(st.always_fails, 2);
    CHECK_EQ_INT(st.guards_removed, 0);
}

TEST(opt_rewrite_floats_fold_exactly_and_keep_unsafe_identities)
{
    CHECK_OPT(opt_rewrite,
              "[f0]\n"
              "f1 = float_mul(f0, 0.0)\n"
              "f2 = float_add(f0, 0.0)\n"
              "f3 = float_mul(f0, 1.0)\n"
              "f4 = float_mul(1.5, 2.0)\n"
              "f5 = float_truediv(1.0, 0.0)\n"
              "i6 = float_eq(nan, nan)\n"
              "f7 = float_neg(0.0)\n"
              "f8 = float_neg(f0)\n"
              "f9 = float_neg(f8)\n"
              "i10 = float_lt(f0, f0)\n"
              "f11 = float_sub(0.1, 0.3)\n"
              "i12 = cast_float_to_int(1e300)\n"
              "i13 = cast_float_to_int(-2.7)\n"
              "f14 = cast_int_to_float(9007199254740993)\n"
              "i15 = float_ne(nan, nan)\n"
              "f16 = float_abs(f8)\n"
              "finish(f1, f2, f3, f4, f5, i6, f7, f9, i10, f11, i12, i13, f14, i15, f16)\n",
              "[f0]\n"
              "f1 = float_mul(f0, 0.000000)\n"
              "f2 = float_add(f0, 0.000000)\n"
              "f3 = float_mul(f0, 1.000000)\n"
              "f8 = float_neg(f0)\n"
              "i10 = float_lt(f0, f0)\n"
              "i12 = cast_float_to_int(1e+300)\n"
              "f16 = float_abs(f0)\n"
              "finish(f1, f2, f3, 3.000000, inf, 0, -0.000000, f0, i10, -0.19999999999999998, i12, -2, "
              "9007199254740992.000000, 1, f16)\n");
}

TEST(opt_rewrite_algebraic_identities)
{
    CHECK_OPT(opt_rewrite,
              "[i0, i1]\n"
              "i2 = int_add(i0, 0)\n"
              "i3 = int_mul(1, i2)\n"
              "i4 = int_sub(i3, i0)\n"
              "i5 = same_as_i(i1)\n"
              "i6 = int_lt(i5, i0)\n"
              "i7 = int_is_true(i6)\n"
              "i8 = int_is_zero(i6)\n"
              "i9 = int_neg(i0)\n"
              "i10 = int_neg(i9)\n"
              "i11 = int_and(i10, -1)\n"
              "i12 = int_xor(i11, i11)\n"
              "i13 = int_or(i0, 0)\n"
              "i14 = int_eq(i7, 1)\n"
              "i15 = int_mul(i0, 0)\n"
              "i16 = int_sub(0, i1)\n"
              "i17 = int_lshift(i0, 0)\n"
              "finish(i4, i7, i8, i10, i12, i13, i14, i15, i16, i17)\n",
              "[i0, i1]\n"
              "i6 = int_lt(i1, i0)\n"
              "i8 = int_ge(i1, i0)\n"
              "i9 = int_neg(i0)\n"
              "i16 = int_neg(i1)\n"
              "finish(0, i6, i8, i0, 0, i0, i6, 0, i16, i0)\n");
}

TEST(opt_rewrite_learns_from_guards)
{
    opt_stats st = {0};
    CHECK_OPT_STATS(opt_rewrite,
                    "[i0, p1]\n"
                    "guard_value(i0, 5) [i0]\n"
                    "i2 = int_add(i0, 1)\n"
                    "guard_class(p1, ConstClass(A)) [p1, i2]\n"
                    "guard_nonnull(p1) [p1]\n"
                    "guard_class(p1, ConstClass(A)) [p1]\n"
                    "guard_nonnull_class(p1, ConstClass(A)) [p1]\n"
                    "i3 = int_lt(i0, 10)\n"
                    "guard_true(i3) [p1, i0]\n"
                    "guard_true(1) [p1]\n"
                    "guard_false(1) [p1, i0]\n"
                    "finish(i2)\n",
                    "[i0, p1]\n"
                    "guard_value(i0, 5) [i0]\n"
                    "guard_class(p1, ConstClass(A)) [p1, 6]\n"
                    "guard_false(1) [p1, 5]\n"
                    "finish(6)\n",
                    &st);
    CHECK_EQ_INT(st.guards_removed, 5);
    CHECK_EQ_INT(st.always_fails, 1);
}

TEST(opt_rewrite_guard_false_and_guarded_comparisons)
{
    CHECK_OPT(opt_rewrite,
              "[i0]\n"
              "i1 = int_gt(i0, 3)\n"
              "guard_false(i1) [i0]\n"
              "i2 = int_is_true(i1)\n"
              "guard_false(i2) [i0]\n"
              "i3 = int_gt(i0, 3)\n"
              "finish(i2, i3)\n",
              "[i0]\n"
              "i1 = int_gt(i0, 3)\n"
              "guard_false(i1) [i0]\n"
              "i3 = int_gt(i0, 3)\n"
              "finish(0, i3)\n");
}

TEST(opt_rewrite_class_and_pointer_facts)
{
    opt_stats st = {0};
    CHECK_OPT_STATS(opt_rewrite,
                    "[p0, p1]\n"
                    "guard_class(p0, ConstClass(A)) [p0]\n"
                    "guard_class(p0, ConstClass(B)) [p0]\n"
                    "guard_value(p1, ConstPtr(x)) [p1]\n"
                    "i2 = ptr_eq(p1, ConstPtr(x))\n"
                    "guard_isnull(p1) [p1]\n"
                    "finish(i2)\n",
                    "[p0, p1]\n"
                    "guard_class(p0, ConstClass(A)) [p0]\n"
                    "guard_class(p0, ConstClass(B)) [p0]\n"
                    "guard_value(p1, ConstPtr(x)) [p1]\n"
                    "guard_isnull(ConstPtr(x)) [ConstPtr(x)]\n"
                    "finish(1)\n",
                    &st);
    CHECK_EQ_INT(st.always_fails, 2);
    CHECK_OPT(opt_rewrite,
              "[p0]\n"
              "guard_isnull(p0) [p0]\n"
              "i1 = ptr_eq(p0, ConstPtr(null))\n"
              "guard_nonnull(p0) [p0]\n"
              "finish(i1)\n",
              "[p0]\n"
              "guard_isnull(p0) [p0]\n"
              "guard_nonnull(ConstPtr(null)) [ConstPtr(null)]\n"
              "finish(1)\n");
}

/* An OWNED snapshot slot keeps the trace's own reference even when a
 * guard proved it equal to a constant; a BORROWED one takes the constant. */
TEST(opt_rewrite_owned_snapshot_slots_keep_their_reference)
{
    ir_trace *t = ir_trace_new();
    ir_ref p0 = ir_input(t, 'r'), i1 = ir_input(t, 'i');
    ir_ref x = ir_const_ptr_named(t, (void *)0x1000, "x");
    ir_snap_begin(t);
    ir_slot *s = ir_snap_frame(t, NULL, 0, 1);
    s[0] = (ir_slot){p0, IR_BOX_BORROWED};
    int s0 = ir_snap_end(t);
    IR_GUARD(t, IR_guard_value, s0, p0, x);
    ir_snap_begin(t);
    s = ir_snap_frame(t, NULL, 2, 2);
    s[0] = (ir_slot){p0, IR_BOX_OWNED};
    s[1] = (ir_slot){p0, IR_BOX_BORROWED};
    int s1 = ir_snap_end(t);
    IR_GUARD(t, IR_guard_true, s1, i1);
    IR_EMIT(t, IR_finish, -1, p0);
    ir_trace *out = NULL;
    opt_ctx ctx = {OPT_ALL, NULL};
    CHECK(opt_rewrite(t, &out, &ctx) == 0);
    char err[256];
    CHECK(out && ir_verify(out, err, sizeof err) == 0);
    if (out) {
        CHECK_EQ_INT(out->nops, 5);
        const ir_op *g = ir_op_at(out, 3);
        CHECK_EQ_INT(g->opnum, IR_guard_true);
        const ir_slot *slots = ir_frame_slots(out, ir_snap_frame_at(out, g->snap, 0));
        CHECK_EQ_INT(slots[0].ref, 0); /* p0 itself */
        CHECK_EQ_INT(slots[0].kind, IR_BOX_OWNED);
        CHECK(ir_is_const(slots[1].ref) && ir_const_at(out, slots[1].ref)->v.p == (void *)0x1000);
        CHECK(ir_is_const(ir_arg(out, 4, 0))); /* finish(ConstPtr(x)) */
    }
    ir_trace_free(out);
    ir_trace_free(t);
}

TEST(opt_rewrite_label_args_get_distinct_boxes)
{
    CHECK_OPT(opt_rewrite,
              "[i0, i1]\n"
              "label(i0, i1, descr=TargetToken(1))\n"
              "i2 = int_add(2, 3)\n"
              "i3 = same_as_i(i0)\n"
              "label(i2, i0, i3, descr=TargetToken(2))\n"
              "i4 = int_add(i2, i3)\n"
              "i5 = int_add(i0, 1)\n"
              "jump(i5, i4, i5, descr=TargetToken(2))\n",
              "[i0, i1]\n"
              "label(i0, i1, descr=TargetToken(1))\n"
              "i6 = same_as_i(5)\n"
              "i7 = same_as_i(i0)\n"
              "label(i6, i0, i7, descr=TargetToken(2))\n"
              "i4 = int_add(i6, i7)\n"
              "i5 = int_add(i0, 1)\n"
              "jump(i5, i4, i5, descr=TargetToken(2))\n");
}

TEST(opt_rewrite_forgets_guard_facts_at_a_label)
{
    const char *loop = "[i0]\n"
                       "guard_value(i0, 5) [i0]\n"
                       "label(i0, descr=TargetToken(1))\n"
                       "guard_value(i0, 5) [i0]\n"
                       "i1 = int_add(i0, 1)\n"
                       "jump(i1, descr=TargetToken(1))\n";
    CHECK_OPT(opt_rewrite, loop,
              "[i0]\n"
              "guard_value(i0, 5) [i0]\n"
              "i9 = same_as_i(5)\n"
              "label(i9, descr=TargetToken(1))\n"
              "guard_value(i9, 5) [i9]\n"
              "jump(6, descr=TargetToken(1))\n");
}
