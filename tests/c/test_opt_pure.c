/* tests/c/test_opt_pure: the "pure" pass (CSE) and dead-code elimination. */
#include "test_opt.h"

TEST(opt_pure_cse_with_commutativity_and_descrs)
{
    opt_stats st = {0};
    CHECK_OPT_STATS(opt_pure,
                    "[i0, i1, p2]\n"
                    "i3 = int_add(i0, i1)\n"
                    "i4 = int_add(i1, i0)\n"
                    "i5 = int_sub(i0, i1)\n"
                    "i6 = int_sub(i1, i0)\n"
                    "i7 = int_sub(i0, i1)\n"
                    "i8 = getfield_gc_i(p2, descr=<FieldS a 8 pure>)\n"
                    "i9 = getfield_gc_i(p2, descr=<FieldS a 8 pure>)\n"
                    "i10 = getfield_gc_i(p2, descr=<FieldS b 16 pure>)\n"
                    "i11 = getfield_gc_i(p2, descr=<FieldS c 24>)\n"
                    "i12 = getfield_gc_i(p2, descr=<FieldS c 24>)\n"
                    "guard_true(i4) [i4, i7, i9, i12]\n"
                    "i13 = int_lt(i7, i3)\n"
                    "i14 = int_lt(i5, i4)\n"
                    "i15 = int_lt(i4, i5)\n"
                    "finish(i3, i4, i5, i6, i7, i8, i9, i10, i11, i12, i13, i14, i15)\n",
                    "[i0, i1, p2]\n"
                    "i3 = int_add(i0, i1)\n"
                    "i5 = int_sub(i0, i1)\n"
                    "i6 = int_sub(i1, i0)\n"
                    "i8 = getfield_gc_i(p2, descr=<FieldS a 8 pure>)\n"
                    "i10 = getfield_gc_i(p2, descr=<FieldS b 16 pure>)\n"
                    "i11 = getfield_gc_i(p2, descr=<FieldS c 24>)\n"
                    "i12 = getfield_gc_i(p2, descr=<FieldS c 24>)\n"
                    "guard_true(i3) [i3, i5, i8, i12]\n"
                    "i13 = int_lt(i5, i3)\n"
                    "i15 = int_lt(i3, i5)\n"
                    "finish(i3, i3, i5, i6, i5, i8, i8, i10, i11, i12, i13, i13, i15)\n",
                    &st);
    CHECK_EQ_INT(st.cse, 4);
}

TEST(opt_pure_cse_of_guarded_ovf_and_calls)
{
    CHECK_OPT(opt_pure,
              "[i0]\n"
              "i1 = int_add_ovf(i0, 1)\n"
              "guard_no_overflow() [i0]\n"
              "i2 = int_add_ovf(1, i0)\n"
              "guard_no_overflow() [i0, i1]\n"
              "i3 = int_mul_ovf(i0, i0)\n"
              "guard_overflow() [i0]\n"
              "i4 = int_mul_ovf(i0, i0)\n"
              "guard_no_overflow() [i0]\n"
              "i5 = call_pure_i(ConstClass(f), i0, descr=<Calli 8 i EF=0>)\n"
              "i6 = call_pure_i(ConstClass(f), i0, descr=<Calli 8 i EF=0>)\n"
              "i7 = call_pure_i(ConstClass(g), i0, descr=<Calli 8 i EF=0>)\n"
              "p8 = call_pure_r(ConstClass(h), i0, descr=<Callr 8 i EF=0>)\n"
              "p9 = call_pure_r(ConstClass(h), i0, descr=<Callr 8 i EF=0>)\n"
              "finish(i1, i2, i3, i4, i5, i6, i7, p8, p9)\n",
              "[i0]\n"
              "i1 = int_add_ovf(i0, 1)\n"
              "guard_no_overflow() [i0]\n"
              "i3 = int_mul_ovf(i0, i0)\n"
              "guard_overflow() [i0]\n"
              "i4 = int_mul_ovf(i0, i0)\n"
              "guard_no_overflow() [i0]\n"
              "i5 = call_pure_i(ConstClass(f), i0, descr=<Calli 8 i EF=0>)\n"
              "i7 = call_pure_i(ConstClass(g), i0, descr=<Calli 8 i EF=0>)\n"
              "p8 = call_pure_r(ConstClass(h), i0, descr=<Callr 8 i EF=0>)\n"
              "p9 = call_pure_r(ConstClass(h), i0, descr=<Callr 8 i EF=0>)\n"
              "finish(i1, i1, i3, i4, i5, i5, i7, p8, p9)\n");
}

TEST(opt_pure_forgets_at_a_label)
{
    const char *text = "[i0]\n"
                       "i1 = int_add(i0, 1)\n"
                       "label(i0, i1, descr=TargetToken(1))\n"
                       "i2 = int_add(i0, 1)\n"
                       "jump(i2, i1, descr=TargetToken(1))\n";
    CHECK_OPT(opt_pure, text, text);
}

TEST(opt_dce_keeps_what_snapshots_and_effects_need)
{
    opt_stats st = {0};
    CHECK_OPT_STATS(opt_dce,
                    "[i0, p1]\n"
                    "i2 = int_add(i0, 1)\n"
                    "i3 = int_mul(i0, 2)\n"
                    "i4 = int_add(i3, 1)\n"
                    "i5 = getfield_gc_i(p1, descr=<FieldS a 8>)\n"
                    "setfield_gc(p1, i0, descr=<FieldS a 8>)\n"
                    "p6 = new_with_vtable(descr=<SizeDescr 16 A>)\n"
                    "i7 = call_i(ConstClass(f), i0, descr=<Calli 8 i EF=5>)\n"
                    "guard_true(i0) [i2]\n"
                    "i8 = int_add_ovf(i0, 1)\n"
                    "guard_no_overflow() []\n"
                    "debug_merge_point(0, 0, 'x')\n"
                    "i9 = int_sub(i0, 1)\n"
                    "i10 = call_pure_i(ConstClass(g), i9, descr=<Calli 8 i EF=0>)\n"
                    "i11 = call_pure_i(ConstClass(g), i0, descr=<Calli 8 i EF=4>)\n"
                    "guard_no_exception() []\n"
                    "finish()\n",
                    "[i0, p1]\n"
                    "i2 = int_add(i0, 1)\n"
                    "setfield_gc(p1, i0, descr=<FieldS a 8>)\n"
                    "i7 = call_i(ConstClass(f), i0, descr=<Calli 8 i EF=5>)\n"
                    "guard_true(i0) [i2]\n"
                    "i8 = int_add_ovf(i0, 1)\n"
                    "guard_no_overflow() []\n"
                    "debug_merge_point(0, 0, 'x')\n"
                    "i11 = call_pure_i(ConstClass(g), i0, descr=<Calli 8 i EF=4>)\n"
                    "guard_no_exception() []\n"
                    "finish()\n",
                    &st);
    CHECK_EQ_INT(st.dead, 6);
}

TEST(opt_dce_keeps_label_and_jump_args)
{
    const char *text = "[i0, i1]\n"
                       "i2 = int_add(i0, 1)\n"
                       "label(i2, i1, descr=TargetToken(1))\n"
                       "i3 = int_add(i2, i1)\n"
                       "i4 = int_mul(i2, 3)\n"
                       "jump(i3, i1, descr=TargetToken(1))\n";
    CHECK_OPT(opt_dce, text,
              "[i0, i1]\n"
              "i2 = int_add(i0, 1)\n"
              "label(i2, i1, descr=TargetToken(1))\n"
              "i3 = int_add(i2, i1)\n"
              "jump(i3, i1, descr=TargetToken(1))\n");
}
