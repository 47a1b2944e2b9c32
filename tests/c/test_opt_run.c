/* tests/c/test_opt_run: the driver (pipeline, masks, scope rule) and
 * enable_opts parsing. */
#include "test_opt.h"

#include <stdlib.h>
#include <string.h>

/* while i < n: total += i; i += 1 -- as a recorder would give it, with
 * some junk to clean up */
static const char *const counting_loop =
    "[p0, i1, i2, i3]\n"
    "label(p0, i1, i2, i3, descr=TargetToken(1))\n"
    "debug_merge_point(0, 0, 'loop')\n"
    "i4 = int_lt(i1, i2)\n"
    "guard_true(i4) [p0, i1, i2, i3]\n"
    "i5 = int_add_ovf(i3, i1)\n"
    "guard_no_overflow() [p0, i1, i2, i3]\n"
    "i6 = int_add_ovf(i1, 1)\n"
    "guard_no_overflow() [p0, i1, i2, i5]\n"
    "i7 = int_lt(i6, i2)\n"
    "i8 = same_as_i(i6)\n"
    "i9 = int_add(i8, 0)\n"
    "i10 = int_lt(i1, i2)\n"
    "guard_true(i10) [p0, i9, i2, i5]\n"
    "jump(p0, i9, i2, i5, descr=TargetToken(1))\n";

TEST(opt_run_all_on_a_counting_loop)
{
    opt_stats st = {0};
    CHECK_RUN(OPT_ALL, counting_loop,
              "[p0, i1, i2, i3]\n"
              "label(p0, i1, i2, i3, descr=TargetToken(1))\n"
              "debug_merge_point(0, 0, 'loop')\n"
              "i4 = int_lt(i1, i2)\n"
              "guard_true(i4) [p0, i1, i2, i3]\n"
              "i5 = int_add_ovf(i3, i1)\n"
              "guard_no_overflow() [p0, i1, i2, i3]\n"
              "i6 = int_add(i1, 1)\n"
              "jump(p0, i6, i2, i5, descr=TargetToken(1))\n",
              &st);
    CHECK(st.guards_removed >= 2);
    CHECK(st.dead >= 1);
}

TEST(opt_run_mask_selects_passes)
{
    /* nothing enabled: an exact copy */
    CHECK_RUN(0, counting_loop, counting_loop, NULL);
    /* a name without a pass yet does nothing but clean up */
    CHECK_RUN(OPT_HEAP | OPT_UNROLL, counting_loop,
              "[p0, i1, i2, i3]\n"
              "label(p0, i1, i2, i3, descr=TargetToken(1))\n"
              "debug_merge_point(0, 0, 'loop')\n"
              "i4 = int_lt(i1, i2)\n"
              "guard_true(i4) [p0, i1, i2, i3]\n"
              "i5 = int_add_ovf(i3, i1)\n"
              "guard_no_overflow() [p0, i1, i2, i3]\n"
              "i6 = int_add_ovf(i1, 1)\n"
              "guard_no_overflow() [p0, i1, i2, i5]\n"
              "i8 = same_as_i(i6)\n"
              "i9 = int_add(i8, 0)\n"
              "i10 = int_lt(i1, i2)\n"
              "guard_true(i10) [p0, i9, i2, i5]\n"
              "jump(p0, i9, i2, i5, descr=TargetToken(1))\n",
              NULL);
    /* rewrite alone: no bounds, no CSE, so the second i1 < i2 stays */
    CHECK_RUN(OPT_REWRITE, counting_loop,
              "[p0, i1, i2, i3]\n"
              "label(p0, i1, i2, i3, descr=TargetToken(1))\n"
              "debug_merge_point(0, 0, 'loop')\n"
              "i4 = int_lt(i1, i2)\n"
              "guard_true(i4) [p0, i1, i2, i3]\n"
              "i5 = int_add_ovf(i3, i1)\n"
              "guard_no_overflow() [p0, i1, i2, i3]\n"
              "i6 = int_add_ovf(i1, 1)\n"
              "guard_no_overflow() [p0, i1, i2, i5]\n"
              "i10 = int_lt(i1, i2)\n"
              "guard_true(i10) [p0, i6, i2, i5]\n"
              "jump(p0, i6, i2, i5, descr=TargetToken(1))\n",
              NULL);
    /* pure alone finds the repeated comparison; rewrite then knows it */
    CHECK_RUN(OPT_REWRITE | OPT_PURE, counting_loop,
              "[p0, i1, i2, i3]\n"
              "label(p0, i1, i2, i3, descr=TargetToken(1))\n"
              "debug_merge_point(0, 0, 'loop')\n"
              "i4 = int_lt(i1, i2)\n"
              "guard_true(i4) [p0, i1, i2, i3]\n"
              "i5 = int_add_ovf(i3, i1)\n"
              "guard_no_overflow() [p0, i1, i2, i3]\n"
              "i6 = int_add_ovf(i1, 1)\n"
              "guard_no_overflow() [p0, i1, i2, i5]\n"
              "jump(p0, i6, i2, i5, descr=TargetToken(1))\n",
              NULL);
}

TEST(opt_run_passes_feed_each_other)
{
    /* intbounds makes i4 a constant, rewrite folds what uses it, pure and
     * dce clean up */
    CHECK_RUN(OPT_ALL,
              "[i0, i1]\n"
              "i2 = int_and(i0, 15)\n"
              "i3 = int_lt(i2, 16)\n"
              "i4 = int_add(i3, 41)\n"
              "i5 = int_mul(i4, i1)\n"
              "i6 = int_mul(i1, 42)\n"
              "i7 = int_sub(i5, i6)\n"
              "guard_false(i7) [i0, i5]\n"
              "finish(i6)\n",
              "[i0, i1]\n"
              "i5 = int_mul(42, i1)\n"
              "finish(i5)\n",
              NULL);
}

TEST(opt_run_peeled_loop_keeps_loop_guards)
{
    const char *text = "[i0]\n"
                       "label(i0, descr=TargetToken(1))\n"
                       "i1 = int_lt(i0, 100)\n"
                       "guard_true(i1) [i0]\n"
                       "i2 = int_add(i0, 1)\n"
                       "label(i2, descr=TargetToken(2))\n"
                       "i3 = int_lt(i2, 100)\n"
                       "guard_true(i3) [i2]\n"
                       "i4 = int_add(i2, 1)\n"
                       "jump(i4, descr=TargetToken(2))\n";
    CHECK_RUN(OPT_ALL, text, text, NULL);
}

TEST(opt_run_rejects_values_leaking_across_a_label)
{
    char err[256];
    ir_trace *in = ir_parse("[i0]\n"
                            "i1 = int_add(i0, 1)\n"
                            "label(i0, descr=TargetToken(1))\n"
                            "i2 = int_add(i0, 1)\n"
                            "guard_true(i2) [i1]\n"
                            "jump(i2, descr=TargetToken(1))\n",
                            NULL, err, sizeof err);
    CHECK(in != NULL);
    ir_trace *out = (ir_trace *)1;
    CHECK_EQ_INT(opt_run(in, OPT_ALL, &out, NULL, err, sizeof err), -1);
    CHECK(out == NULL);
    CHECK(strstr(err, "i1") != NULL && strstr(err, "label") != NULL);
    ir_trace_free(in);
}

TEST(opt_enable_opts_parsing)
{
    unsigned m = 12345;
    char err[OPT_ERRSIZE];
    CHECK_EQ_INT(opt_parse_enable_opts("all", &m, err), 0);
    CHECK_EQ_INT(m, OPT_ALL);
    CHECK_EQ_INT(opt_parse_enable_opts("intbounds:rewrite:virtualize:string:pure:earlyforce:heap:unroll", &m, err), 0);
    CHECK_EQ_INT(m, OPT_ALL);
    CHECK_EQ_INT(opt_parse_enable_opts("rewrite::pure:", &m, err), 0);
    CHECK_EQ_INT(m, OPT_REWRITE | OPT_PURE);
    CHECK_EQ_INT(opt_parse_enable_opts("", &m, err), 0);
    CHECK_EQ_INT(m, 0);
    m = 7;
    CHECK_EQ_INT(opt_parse_enable_opts("rewrite:unrol", &m, err), -1);
    CHECK_EQ_INT(m, 7);
    CHECK(strcmp(err, "unknown optimization 'unrol'") == 0);
    CHECK_EQ_INT(opt_parse_enable_opts("All", &m, err), -1);
    for (int i = 0; i < 8; i++)
        CHECK(opt_parse_enable_opts(opt_name(i), &m, err) == 0 && m == 1u << i);
    CHECK(opt_name(8) == NULL);
}
