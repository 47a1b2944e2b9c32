/* tests/c/test_opt_intbounds: the "intbounds" pass -- comparisons and
 * guards implied by earlier guards, overflow checks the bounds exclude. */
#include "test_opt.h"

#include <string.h>

TEST(opt_intbounds_removes_implied_comparison_and_overflow_guard)
{
    opt_stats st = {0};
    CHECK_OPT_STATS(opt_intbounds,
                    "[i0]\n"
                    "i1 = int_lt(i0, 100)\n"
                    "guard_true(i1) [i0]\n"
                    "i2 = int_lt(i0, 200)\n"
                    "guard_true(i2) [i0, i2]\n"
                    "i3 = int_add_ovf(i0, 1)\n"
                    "guard_no_overflow() [i0]\n"
                    "i4 = int_le(i3, 100)\n"
                    "guard_true(i4) [i3]\n"
                    "finish(i3, i2)\n",
                    "[i0]\n"
                    "i1 = int_lt(i0, 100)\n"
                    "guard_true(i1) [i0]\n"
                    "i3 = int_add(i0, 1)\n"
                    "finish(i3, 1)\n",
                    &st);
    CHECK_EQ_INT(st.guards_removed, 3);
}

TEST(opt_intbounds_guard_false_and_reversed_comparisons)
{
    CHECK_OPT(opt_intbounds,
              "[i0, i1]\n"
              "i2 = int_ge(i0, 0)\n"
              "guard_false(i2) [i0]\n"
              "i3 = int_lt(i0, 10)\n"
              "i4 = int_gt(10, i0)\n"
              "i5 = int_is_true(i0)\n"
              "i6 = int_eq(i0, 0)\n"
              "i7 = int_lt(i1, i0)\n"
              "guard_true(i7) [i1]\n"
              "i8 = int_le(i1, -2)\n"
              "i9 = int_add_ovf(i1, 1)\n"
              "guard_no_overflow() [i1]\n"
              "finish(i3, i4, i5, i6, i8, i9)\n",
              "[i0, i1]\n"
              "i2 = int_ge(i0, 0)\n"
              "guard_false(i2) [i0]\n"
              "i7 = int_lt(i1, i0)\n"
              "guard_true(i7) [i1]\n"
              "i9 = int_add(i1, 1)\n"
              "finish(1, 1, 1, 0, 1, i9)\n");
}

TEST(opt_intbounds_from_ops_and_field_sizes)
{
    CHECK_OPT(opt_intbounds,
              "[i0, p1]\n"
              "i2 = int_and(i0, 255)\n"
              "i3 = int_lt(i2, 256)\n"
              "i4 = int_ge(i2, 0)\n"
              "i5 = getfield_gc_i(p1, descr=<FieldU flags 8 size=1>)\n"
              "i6 = int_le(i5, 255)\n"
              "i7 = getfield_gc_i(p1, descr=<FieldS small 16 size=2>)\n"
              "i8 = int_mul_ovf(i7, i5)\n"
              "guard_no_overflow() [i0]\n"
              "i9 = int_py_mod(i0, 10)\n"
              "i10 = uint_lt(i9, 10)\n"
              "i11 = int_rshift(i2, 4)\n"
              "i12 = int_lt(i11, 16)\n"
              "i13 = int_force_ge_zero(i0)\n"
              "i14 = int_is_zero(i13)\n"
              "i15 = int_sub(i2, 256)\n"
              "i16 = int_lt(i15, 0)\n"
              "finish(i3, i4, i6, i8, i10, i12, i14, i16)\n",
              "[i0, p1]\n"
              "i2 = int_and(i0, 255)\n"
              "i5 = getfield_gc_i(p1, descr=<FieldU flags 8 size=1>)\n"
              "i7 = getfield_gc_i(p1, descr=<FieldS small 16 size=2>)\n"
              "i8 = int_mul(i7, i5)\n"
              "i9 = int_py_mod(i0, 10)\n"
              "i11 = int_rshift(i2, 4)\n"
              "i13 = int_force_ge_zero(i0)\n"
              "i14 = int_is_zero(i13)\n"
              "i15 = int_sub(i2, 256)\n"
              "finish(1, 1, 1, i8, 1, 1, i14, 1)\n");
}

TEST(opt_intbounds_guard_value_and_singletons_become_constants)
{
    CHECK_OPT(opt_intbounds,
              "[i0, i1]\n"
              "guard_value(i0, 7) [i0]\n"
              "i2 = int_add(i0, 1)\n"
              "i3 = int_ge(i1, 3)\n"
              "guard_true(i3) [i1]\n"
              "i4 = int_le(i1, 3)\n"
              "guard_true(i4) [i1]\n"
              "i5 = int_mul(i1, i2)\n"
              "guard_value(i5, 25) [i5]\n"
              "finish(i2, i1, i5)\n",
              "[i0, i1]\n"
              "guard_value(i0, 7) [i0]\n"
              "i3 = int_ge(i1, 3)\n"
              "guard_true(i3) [i1]\n"
              "i4 = int_le(i1, 3)\n"
              "guard_true(i4) [i1]\n"
              "guard_value(24, 25) [24]\n"
              "finish(8, 3, 24)\n");
}

TEST(opt_intbounds_bounds_check_with_unsigned_compare)
{
    CHECK_OPT(opt_intbounds,
              "[p0, i1]\n"
              "i2 = arraylen_gc(p0, descr=<ArrayS 8>)\n"
              "i3 = uint_lt(i1, i2)\n"
              "guard_true(i3) [i1]\n"
              "i4 = int_ge(i1, 0)\n"
              "guard_true(i4) [i1]\n"
              "i5 = int_add_ovf(i1, 1)\n"
              "guard_no_overflow() [i1]\n"
              "i6 = uint_le(i5, i2)\n"
              "finish(i5, i6)\n",
              "[p0, i1]\n"
              "i2 = arraylen_gc(p0, descr=<ArrayS 8>)\n"
              "i3 = uint_lt(i1, i2)\n"
              "guard_true(i3) [i1]\n"
              "i5 = int_add(i1, 1)\n"
              "i6 = uint_le(i5, i2)\n"
              "finish(i5, i6)\n");
}

TEST(opt_intbounds_keeps_guards_that_may_fail)
{
    opt_stats st = {0};
    const char *text = "[i0, i1]\n"
                       "i2 = int_add_ovf(i0, i1)\n"
                       "guard_no_overflow() [i0, i1]\n"
                       "i3 = int_lt(i2, i0)\n"
                       "guard_false(i3) [i2]\n"
                       "i4 = int_mul_ovf(i0, 2)\n"
                       "guard_no_overflow() [i0]\n"
                       "i5 = int_ne(i1, 0)\n"
                       "guard_true(i5) [i1]\n"
                       "i6 = int_py_div(i0, i1)\n"
                       "finish(i2, i4, i6)\n";
    CHECK_OPT_STATS(opt_intbounds, text, text, &st);
    CHECK_EQ_INT(st.guards_removed, 0);
    CHECK_EQ_INT(st.always_fails, 0);
}

TEST(opt_intbounds_overflow_learning_narrows_operands)
{
    /* i0 + 10 did not overflow: i0 <= MAX - 10, so i0 + 5 cannot either */
    CHECK_OPT(opt_intbounds,
              "[i0]\n"
              "i1 = int_add_ovf(i0, 10)\n"
              "guard_no_overflow() [i0]\n"
              "i2 = int_add_ovf(i0, 5)\n"
              "guard_no_overflow() [i0]\n"
              "i3 = int_sub_ovf(i0, 1)\n"
              "guard_no_overflow() [i0]\n"
              "finish(i1, i2, i3)\n",
              "[i0]\n"
              "i1 = int_add_ovf(i0, 10)\n"
              "guard_no_overflow() [i0]\n"
              "i2 = int_add(i0, 5)\n"
              "i3 = int_sub_ovf(i0, 1)\n"
              "guard_no_overflow() [i0]\n"
              "finish(i1, i2, i3)\n");
}

TEST(opt_intbounds_contradictions_always_fail)
{
    opt_stats st = {0};
    const char *text = "[i0]\n"
                       "i1 = int_lt(i0, 10)\n"
                       "guard_true(i1) [i0]\n"
                       "i2 = int_gt(i0, 20)\n"
                       "guard_true(i2) [i0]\n"
                       "i3 = int_add_ovf(i0, 1)\n"
                       "guard_overflow() [i0]\n"
                       "finish(i3)\n";
    CHECK_OPT_STATS(opt_intbounds, text,
                    "[i0]\n"
                    "i1 = int_lt(i0, 10)\n"
                    "guard_true(i1) [i0]\n"
                    "guard_true(0) [i0]\n"
                    "i3 = int_add_ovf(i0, 1)\n"
                    "guard_overflow() [i0]\n"
                    "finish(i3)\n",
                    &st);
    CHECK_EQ_INT(st.always_fails, 2);
}

TEST(opt_intbounds_forgets_bounds_at_a_label)
{
    const char *text = "[i0]\n"
                       "i1 = int_lt(i0, 100)\n"
                       "guard_true(i1) [i0]\n"
                       "label(i0, descr=TargetToken(1))\n"
                       "i2 = int_lt(i0, 100)\n"
                       "guard_true(i2) [i0]\n"
                       "i3 = int_add_ovf(i0, 1)\n"
                       "guard_no_overflow() [i0]\n"
                       "jump(i3, descr=TargetToken(1))\n";
    CHECK_OPT(opt_intbounds, text,
              "[i0]\n"
              "i1 = int_lt(i0, 100)\n"
              "guard_true(i1) [i0]\n"
              "label(i0, descr=TargetToken(1))\n"
              "i2 = int_lt(i0, 100)\n"
              "guard_true(i2) [i0]\n"
              "i3 = int_add(i0, 1)\n"
              "jump(i3, descr=TargetToken(1))\n");
}
