/* tests/c/test_x64_bridge: bridges in the x86-64 backend, end to end --
 * loops parsed from PyPy's text format are run until a guard fails, a
 * bridge (also parsed) is compiled for that exit with jit_compile_bridge,
 * and the loop runs again, now through the bridge; results read back
 * through the shared exit table are compared with the same computation
 * done in C. */
#include <Python.h>

#include "../../src/jit/backend/backend.h"
#include "../../src/jit/runtime/codemem.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static jit_deadframe df;
static const ir_parse_env *penv; /* descrs and pointers for the parser */

static ir_trace *parse(const char *text, int *failed_)
{
    char err[256];
    ir_trace *t = ir_parse(text, penv, err, sizeof err);
    if (t == NULL) {
        fprintf(stderr, "  parse: %s\n", err);
        *failed_ = 1;
    }
    return t;
}

static jit_loop *build(const char *text, ir_trace **tp, int *failed_)
{
    char err[256];
    *tp = parse(text, failed_);
    if (*tp == NULL)
        return NULL;
    jit_loop *L = jit_compile_loop(*tp, err, sizeof err);
    if (L == NULL) {
        fprintf(stderr, "  compile: %s\n", err);
        *failed_ = 1;
    }
    return L;
}

/* The op of t printed as <ty><num> (ty 'i', 'f' or 'p'). */
static ir_ref R(const ir_trace *t, char ty, int num)
{
    for (ir_ref r = 0; r < t->nops; r++)
        if (t->ops[r].vnum == num && ir_ref_type(t, r) == (ty == 'p' ? 'r' : ty))
            return r;
    return IR_NONE;
}

/* Parses and attaches a bridge to exit e; from: "i2 i1 f4" -- the names,
 * in the exit's trace, of the bridge's inputs in order. Returns the bridge
 * index, -1 on failure (then *bp is NULL when the parse failed). */
static int bridge(jit_loop *L, int e, const char *text, const char *from, ir_trace **bp, char *err,
                  size_t n, int *failed_)
{
    *bp = parse(text, failed_);
    if (*bp == NULL)
        return -1;
    const ir_trace *parent = jit_exit_trace(L, e);
    ir_ref refs[64];
    int k = 0;
    for (const char *p = from; *p && k < 64;) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        char ty = *p++;
        int num = (int)strtol(p, (char **)&p, 10);
        refs[k++] = parent ? R(parent, ty, num) : IR_NONE;
    }
    return jit_compile_bridge(L, e, *bp, refs, NULL, err, n);
}

/* Attaches a bridge that must compile. */
static int must_bridge(jit_loop *L, int e, const char *text, const char *from, ir_trace **bp,
                       int *failed_)
{
    char err[256] = "";
    int b = bridge(L, e, text, from, bp, err, sizeof err, failed_);
    if (b < 0) {
        fprintf(stderr, "  bridge: %s\n", err);
        *failed_ = 1;
    }
    return b;
}

static int64_t run(jit_loop *L, const uint64_t *inputs)
{
    memset(&df, 0xAB, sizeof df);
    return L->entry((void *const *)inputs, &df);
}

/* The k-th fail arg of exit e, in whichever trace the exit belongs to. */
static uint64_t out(const jit_loop *L, int e, int k)
{
    const ir_trace *t = jit_exit_trace(L, e);
    const jit_exit *x = &L->exits[e];
    ir_ref v = x->snap < 0 ? ir_arg(t, x->guard, k)
                           : ir_frame_slots(t, ir_snap_frame_at(t, x->snap, 0))[k].ref;
    jit_loc l = jit_exit_loc(L, e, v);
    if (l.kind == JIT_LOC_NONE)
        fprintf(stderr, "  exit %d slot %d has no location\n", e, k);
    return jit_loc_read(&df, l);
}

static double as_double(uint64_t u) { double d; memcpy(&d, &u, 8); return d; }
static uint64_t bits(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }

static size_t codemem_in_use(void)
{
    size_t total, in_use;
    rt_codemem_stats(&total, &in_use);
    return in_use;
}

/* i += 1; odd i leaves at exit 0 (sum += i for even i); i >= 100 at exit 1 */
static const char ODD_EVEN[] = "[i0, i1]\n"
                               "label(i0, i1, descr=TargetToken(1))\n"
                               "i2 = int_add(i0, 1)\n"
                               "i3 = int_and(i2, 1)\n"
                               "guard_false(i3) [i2, i1]\n"
                               "i4 = int_add(i1, i2)\n"
                               "i5 = int_lt(i2, 100)\n"
                               "guard_true(i5) [i2, i4]\n"
                               "jump(i2, i4, descr=TargetToken(1))\n";

/* the odd path: sum += 10 * i, then back to the label */
static const char ODD_BRIDGE[] = "[i0, i1]\n"
                                 "i2 = int_mul(i0, 10)\n"
                                 "i3 = int_add(i1, i2)\n"
                                 "i4 = int_lt(i0, 100)\n"
                                 "guard_true(i4) [i0, i3]\n"
                                 "jump(i0, i3, descr=TargetToken(1))\n";

/* ODD_EVEN with ODD_BRIDGE (its guard at odd_limit) in C, from (i, s):
 * returns the exit taken (1: the loop's, 2: the bridge's) and its values. */
static int ref_odd_even(int64_t i, int64_t s, int64_t odd_limit, int64_t *io, int64_t *so)
{
    for (;;) {
        i++;
        if (i & 1) {
            s += 10 * i;
            if (i >= odd_limit)
                break;
        } else {
            s += i;
            if (i >= 100) {
                *io = i;
                *so = s;
                return 1;
            }
        }
    }
    *io = i;
    *so = s;
    return 2;
}

TEST(x64_bridge_int_loop_keeps_running)
{
    size_t before = codemem_in_use();
    ir_trace *t, *b;
    jit_loop *L = build(ODD_EVEN, &t, failed_);
    if (!L)
        return;
    CHECK_EQ_INT(L->nexits, 2);
    CHECK(L->label_scoped);
    uint64_t in[2] = {0, 0};
    CHECK_EQ_INT(run(L, in), 0); /* i = 1 is odd */
    CHECK_EQ_INT(out(L, 0, 0), 1);
    CHECK_EQ_INT(out(L, 0, 1), 0);
    int bi = must_bridge(L, 0, ODD_BRIDGE, "i2 i1", &b, failed_);
    if (bi < 0)
        goto done;
    CHECK_EQ_INT(bi, 0);
    CHECK_EQ_INT(L->nbridges, 1);
    CHECK_EQ_INT(L->nexits, 3); /* the bridge's guard: exit 2 */
    CHECK_EQ_INT(L->exits[2].bridge, 0);
    CHECK_EQ_INT(L->exits[0].bridged, 0);
    CHECK_EQ_INT(L->exits[1].bridged, -1);
    CHECK_EQ_INT(L->bridges[0].parent_exit, 0);
    CHECK_EQ_INT(L->bridges[0].exit0, 2);
    CHECK(jit_exit_trace(L, 2) == b);
    CHECK(jit_exit_trace(L, 0) == t);
    CHECK(jit_exit_trace(L, 3) == NULL);
    for (ir_ref r = ir_first(b); r < b->nops; r++)
        CHECK(b->ops[r].mc_offset >= 0 && (size_t)b->ops[r].mc_offset < L->bridges[0].code_size);
    CHECK(codemem_in_use() > before);
    /* runs through the bridge at every odd i, leaves at i = 100 */
    static const int64_t starts[][2] = {{0, 0}, {40, 7}, {41, -5}, {98, 1}, {99, 3}, {100, 0}, {-7, 2}};
    for (size_t k = 0; k < sizeof starts / sizeof *starts; k++) {
        int64_t io, so;
        int ex = ref_odd_even(starts[k][0], starts[k][1], 100, &io, &so);
        in[0] = (uint64_t)starts[k][0];
        in[1] = (uint64_t)starts[k][1];
        CHECK_EQ_INT(run(L, in), ex);
        CHECK_EQ_INT(out(L, ex, 0), io);
        CHECK_EQ_INT(out(L, ex, 1), so);
    }
    /* a second bridge for the same exit is refused */
    char err[256];
    ir_trace *b2;
    CHECK_EQ_INT(bridge(L, 0, ODD_BRIDGE, "i2 i1", &b2, err, sizeof err, failed_), -1);
    CHECK(strstr(err, "already") != NULL);
    ir_trace_free(b2);
done:
    jit_loop_free(L);
    CHECK_EQ_INT(codemem_in_use(), before); /* bridges freed with the loop */
    ir_trace_free(t);
    ir_trace_free(b);
}

/* floats across the bridge: a value computed before the guard (f2), the
 * loop-carried f1 and an int; the bridge converts, adds and jumps back */
TEST(x64_bridge_floats)
{
    ir_trace *t, *b = NULL;
    jit_loop *L = build("[i0, f1]\n"
                        "label(i0, f1, descr=TargetToken(7))\n"
                        "i2 = int_add(i0, 1)\n"
                        "f3 = float_mul(f1, 0.75)\n"
                        "i4 = int_and(i2, 3)\n"
                        "guard_true(i4) [i2, f1, f3]\n"
                        "f5 = float_add(f1, 0.5)\n"
                        "i6 = int_lt(i2, 50)\n"
                        "guard_true(i6) [i2, f5]\n"
                        "jump(i2, f5, descr=TargetToken(7))\n", &t, failed_);
    if (!L)
        return;
    uint64_t in[2] = {0, bits(1.25)};
    CHECK_EQ_INT(run(L, in), 0); /* i = 4 */
    CHECK_EQ_INT(out(L, 0, 0), 4);
    if (must_bridge(L, 0,
                    "[f0, i1, f2]\n" /* inputs in another order than the snapshot */
                    "f3 = float_add(f2, f0)\n"
                    "f4 = cast_int_to_float(i1)\n"
                    "f5 = float_add(f3, f4)\n"
                    "i6 = int_lt(i1, 50)\n"
                    "guard_true(i6) [i1, f5]\n"
                    "jump(i1, f5, descr=TargetToken(7))\n",
                    "f1 i2 f3", &b, failed_) < 0)
        goto done;
    static const double starts[] = {1.25, -3.0, 0.0, 1e10};
    for (size_t k = 0; k < 4; k++) {
        int64_t i = 0;
        double f = starts[k];
        int ex;
        for (;;) {
            i++;
            double f3 = f * 0.75;
            if ((i & 3) == 0) {
                f = (f3 + f) + (double)i;
                if (i >= 50) {
                    ex = 2;
                    break;
                }
            } else {
                f = f + 0.5;
                if (i >= 50) {
                    ex = 1;
                    break;
                }
            }
        }
        in[0] = 0;
        in[1] = bits(starts[k]);
        CHECK_EQ_INT(run(L, in), ex);
        CHECK_EQ_INT(out(L, ex, 0), i);
        CHECK(as_double(out(L, ex, 1)) == f);
    }
done:
    jit_loop_free(L);
    ir_trace_free(t);
    ir_trace_free(b);
}

/* float == guard: two jumps (not equal, unordered) both go to the bridge */
TEST(x64_bridge_patches_both_jumps_of_a_float_guard)
{
    ir_trace *t, *b = NULL;
    jit_loop *L = build("[i0, f1, f2]\n"
                        "label(i0, f1, f2, descr=TargetToken(1))\n"
                        "i3 = int_add(i0, 1)\n"
                        "i4 = float_eq(f1, f2)\n"
                        "guard_true(i4) [i3, f1, f2]\n"
                        "f5 = float_add(f1, 1.0)\n"
                        "f6 = float_add(f2, 1.0)\n"
                        "i7 = int_lt(i3, 20)\n"
                        "guard_true(i7) [i3, f5, f6]\n"
                        "jump(i3, f5, f6, descr=TargetToken(1))\n", &t, failed_);
    if (!L)
        return;
    CHECK(L->exits[0].jump_field[1] >= 0);
    if (must_bridge(L, 0,
                    "[i0, f1]\n"
                    "f2 = float_add(f1, 1.0)\n"
                    "i3 = int_lt(i0, 20)\n"
                    "guard_true(i3) [i0, f2]\n"
                    "jump(i0, f2, f2, descr=TargetToken(1))\n",
                    "i3 f1", &b, failed_) < 0)
        goto done;
    /* not equal: the bridge makes them equal, the loop goes on to 20 */
    uint64_t in[3] = {0, bits(1.0), bits(5.0)};
    CHECK_EQ_INT(run(L, in), 1);
    CHECK_EQ_INT(out(L, 1, 0), 20);
    CHECK(as_double(out(L, 1, 1)) == 21.0);
    CHECK(as_double(out(L, 1, 2)) == 21.0);
    /* NaN: unordered every time, the bridge's guard leaves at 20 */
    in[1] = in[2] = bits(NAN);
    CHECK_EQ_INT(run(L, in), 2);
    CHECK_EQ_INT(out(L, 2, 0), 20);
    CHECK(isnan(as_double(out(L, 2, 1))));
done:
    jit_loop_free(L);
    ir_trace_free(t);
    ir_trace_free(b);
}

/* Many live values: the loop and the bridge both spill; every value
 * crosses into the bridge and back to the label. */
#define NI 13
#define NF 16
static char *many_loop_text(void)
{
    static char buf[8192];
    char *p = buf;
    /* inputs: i0 counter, i1..i12 ints, f13..f28 floats */
    p += sprintf(p, "[i0");
    for (int k = 1; k < NI; k++)
        p += sprintf(p, ", i%d", k);
    for (int k = 0; k < NF; k++)
        p += sprintf(p, ", f%d", NI + k);
    p += sprintf(p, "]\nlabel(i0");
    for (int k = 1; k < NI; k++)
        p += sprintf(p, ", i%d", k);
    for (int k = 0; k < NF; k++)
        p += sprintf(p, ", f%d", NI + k);
    p += sprintf(p, ", descr=TargetToken(3))\ni100 = int_add(i0, 1)\n");
    for (int k = 1; k < NI; k++) /* new a_k = a_k + a_{k+1 mod} (all old values live) */
        p += sprintf(p, "i%d = int_add(i%d, i%d)\n", 100 + k, k, k % (NI - 1) + 1);
    for (int k = 0; k < NF; k++)
        p += sprintf(p, "f%d = float_add(f%d, f%d)\n", 100 + NI + k, NI + k, NI + (k + 1) % NF);
    char vals[2048], *q = vals; /* the new values, for snapshots and the jump */
    q += sprintf(q, "i100");
    for (int k = 1; k < NI; k++)
        q += sprintf(q, ", i%d", 100 + k);
    for (int k = 0; k < NF; k++)
        q += sprintf(q, ", f%d", 100 + NI + k);
    p += sprintf(p, "i200 = int_and(i100, 7)\nguard_true(i200) [%s]\n", vals);
    p += sprintf(p, "i201 = int_lt(i100, 30)\nguard_true(i201) [%s]\n", vals);
    p += sprintf(p, "jump(%s, descr=TargetToken(3))\n", vals);
    return buf;
}

/* the bridge: ints minus their index, floats halved, then the jump */
static char *many_bridge_text(char *from)
{
    static char buf[8192];
    char *p = buf, *f = from;
    p += sprintf(p, "[i0");
    f += sprintf(f, "i100");
    for (int k = 1; k < NI; k++) {
        p += sprintf(p, ", i%d", k);
        f += sprintf(f, " i%d", 100 + k);
    }
    for (int k = 0; k < NF; k++) {
        p += sprintf(p, ", f%d", NI + k);
        f += sprintf(f, " f%d", 100 + NI + k);
    }
    p += sprintf(p, "]\n");
    for (int k = 1; k < NI; k++)
        p += sprintf(p, "i%d = int_sub(i%d, %d)\n", 100 + k, k, k);
    for (int k = 0; k < NF; k++)
        p += sprintf(p, "f%d = float_mul(f%d, 0.5)\n", 100 + NI + k, NI + k);
    p += sprintf(p, "jump(i0");
    for (int k = 1; k < NI; k++)
        p += sprintf(p, ", i%d", 100 + k);
    for (int k = 0; k < NF; k++)
        p += sprintf(p, ", f%d", 100 + NI + k);
    p += sprintf(p, ", descr=TargetToken(3))\n");
    return buf;
}

TEST(x64_bridge_spilled_values)
{
    ir_trace *t, *b = NULL;
    jit_loop *L = build(many_loop_text(), &t, failed_);
    if (!L)
        return;
    CHECK(L->nspill > 0);
    int spilled_in = 0; /* values the bridge must take from spill slots */
    for (uint32_t i = 0; i < L->exits[0].nlocs; i++)
        spilled_in += L->locs[L->exits[0].loc0 + i].loc.kind == JIT_LOC_SPILL;
    CHECK(spilled_in > 0);
    int spilled_label = 0;
    for (int i = 0; i < L->nlabel_args; i++)
        spilled_label += L->label_locs[i].kind == JIT_LOC_SPILL;
    CHECK(spilled_label > 0);
    char from[1024];
    if (must_bridge(L, 0, many_bridge_text(from), from, &b, failed_) < 0)
        goto done;
    uint64_t in[NI + NF];
    int64_t a[NI];
    double g[NF];
    for (int k = 0; k < NI; k++)
        a[k] = k == 0 ? 0 : 3 * k - 7;
    for (int k = 0; k < NF; k++)
        g[k] = 0.25 * k - 1.0;
    for (int k = 0; k < NI; k++)
        in[k] = (uint64_t)a[k];
    for (int k = 0; k < NF; k++)
        in[NI + k] = bits(g[k]);
    for (;;) { /* the C reference */
        int64_t na[NI];
        double ng[NF];
        na[0] = a[0] + 1;
        for (int k = 1; k < NI; k++)
            na[k] = (int64_t)((uint64_t)a[k] + (uint64_t)a[k % (NI - 1) + 1]);
        for (int k = 0; k < NF; k++)
            ng[k] = g[k] + g[(k + 1) % NF];
        memcpy(a, na, sizeof a);
        memcpy(g, ng, sizeof g);
        if ((a[0] & 7) == 0) {
            for (int k = 1; k < NI; k++)
                a[k] -= k;
            for (int k = 0; k < NF; k++)
                g[k] *= 0.5;
        } else if (a[0] >= 30) {
            break;
        }
    }
    CHECK_EQ_INT(run(L, in), 1);
    for (int k = 0; k < NI; k++)
        CHECK_EQ_INT(out(L, 1, k), a[k]);
    for (int k = 0; k < NF; k++)
        CHECK(as_double(out(L, 1, NI + k)) == g[k]);
done:
    jit_loop_free(L);
    ir_trace_free(t);
    ir_trace_free(b);
}

/* A bridge that ends in finish; its exit reads the bridge's values. */
TEST(x64_bridge_finish)
{
    ir_trace *t, *b = NULL;
    jit_loop *L = build(ODD_EVEN, &t, failed_);
    if (!L)
        return;
    if (must_bridge(L, 0,
                    "[i0, i1]\n"
                    "i2 = int_mul(i1, 3)\n"
                    "finish(i2, i0, 77)\n",
                    "i2 i1", &b, failed_) < 0)
        goto done;
    uint64_t in[2] = {4, 10}; /* i = 5: odd */
    CHECK_EQ_INT(run(L, in), 2);
    CHECK_EQ_INT(L->exits[2].snap, -1);
    CHECK_EQ_INT(out(L, 2, 0), 30);
    CHECK_EQ_INT(out(L, 2, 1), 5);
    CHECK_EQ_INT(out(L, 2, 2), 77);
done:
    jit_loop_free(L);
    ir_trace_free(t);
    ir_trace_free(b);
}

/* A bridge of one loop that ends at another loop's label (nested loops):
 * the other loop's code runs on in the same frame, and its exit is
 * reported with its own number and df.exited naming it. */
TEST(x64_bridge_jumps_to_another_loop)
{
    ir_trace *ta, *tb, *b = NULL;
    jit_loop *A = build("[i0, i1]\n"
                        "label(i0, i1, descr=TargetToken(1))\n"
                        "i2 = int_add(i0, 1)\n"
                        "i3 = int_lt(i2, 10)\n"
                        "guard_true(i3) [i2, i1]\n"
                        "jump(i2, i1, descr=TargetToken(1))\n",
                        &ta, failed_);
    jit_loop *B = build("[i0, i1]\n"
                        "label(i0, i1, descr=TargetToken(7))\n"
                        "i2 = int_sub(i0, 1)\n"
                        "i3 = int_add(i1, 5)\n"
                        "i4 = int_gt(i2, 0)\n"
                        "guard_true(i4) [i2, i3]\n"
                        "jump(i2, i3, descr=TargetToken(7))\n",
                        &tb, failed_);
    if (!A || !B)
        goto done;
    uint64_t in[2] = {0, 3};
    CHECK_EQ_INT(run(A, in), 0);
    CHECK(df.exited == A);
    b = parse("[i0, i1]\n"
              "i2 = int_mul(i1, 2)\n"
              "jump(i0, i2, descr=TargetToken(7))\n",
              failed_);
    if (b == NULL)
        goto done;
    char err[256] = "";
    ir_ref refs[2] = {R(ta, 'i', 2), R(ta, 'i', 1)};
    /* the label token must be the target loop's */
    CHECK(jit_compile_bridge(A, 0, b, refs, NULL, err, sizeof err) < 0);
    CHECK(strstr(err, "TargetToken") != NULL);
    CHECK_EQ_INT(jit_compile_bridge(A, 0, b, refs, B, err, sizeof err), 0);
    /* A counts i to 10, the bridge doubles s (6), B counts i down to 0
     * adding 5 per step: its exit 0 with (0, 56) */
    CHECK_EQ_INT(run(A, in), 0);
    CHECK(df.exited == B);
    CHECK_EQ_INT(out(B, 0, 0), 0);
    CHECK_EQ_INT(out(B, 0, 1), 56);
    CHECK_EQ_INT(run(B, (uint64_t[]){3, 1}), 0);
    CHECK(df.exited == B);
    CHECK_EQ_INT(out(B, 0, 1), 16);
done:
    jit_loop_free(A);
    jit_loop_free(B);
    ir_trace_free(ta);
    ir_trace_free(tb);
    ir_trace_free(b);
}

/* A loop trace that ends in finish (its traced iteration returned) keeps
 * its label: a bridge from its guard jumps back there. */
TEST(x64_bridge_to_the_label_of_a_finish_trace)
{
    ir_trace *t, *b = NULL;
    jit_loop *L = build("[i0, i1]\n"
                        "label(i0, i1, descr=TargetToken(1))\n"
                        "i2 = int_add(i0, 1)\n"
                        "i3 = int_lt(i2, 10)\n"
                        "guard_false(i3) [i2, i1]\n"
                        "finish(i2, i1)\n",
                        &t, failed_);
    if (!L)
        return;
    CHECK(L->label_offset >= 0 && L->label_scoped && L->nlabel_args == 2);
    uint64_t in[2] = {0, 5};
    CHECK_EQ_INT(run(L, in), 0);  /* i = 1: the guard fails */
    if (must_bridge(L, 0,
                    "[i0, i1]\n"
                    "i2 = int_add(i1, 1)\n"
                    "jump(i0, i2, descr=TargetToken(1))\n",
                    "i2 i1", &b, failed_) < 0)
        goto done;
    /* round the label until i = 10, s counting the bridge's passes */
    CHECK_EQ_INT(run(L, in), 1);
    CHECK_EQ_INT(out(L, 1, 0), 10);
    CHECK_EQ_INT(out(L, 1, 1), 14);
done:
    jit_loop_free(L);
    ir_trace_free(t);
    ir_trace_free(b);
}

/* A bridge of a bridge: the odd path has a guard (i % 3 != 0) whose exit
 * gets its own bridge; that one has a guard too (i != 45), which exits
 * with the second bridge's snapshot. */
TEST(x64_bridge_of_a_bridge)
{
    ir_trace *t, *b1 = NULL, *b2 = NULL;
    jit_loop *L = build(ODD_EVEN, &t, failed_);
    if (!L)
        return;
    if (must_bridge(L, 0,
                    "[i0, i1]\n"
                    "i2 = int_py_mod(i0, 3)\n"
                    "guard_true(i2) [i0, i1]\n"
                    "i3 = int_add(i1, 1000)\n"
                    "jump(i0, i3, descr=TargetToken(1))\n",
                    "i2 i1", &b1, failed_) < 0)
        goto done;
    CHECK_EQ_INT(L->nexits, 3);
    uint64_t in[2] = {0, 0};
    CHECK_EQ_INT(run(L, in), 2); /* i = 3 */
    CHECK_EQ_INT(out(L, 2, 0), 3);
    CHECK_EQ_INT(out(L, 2, 1), 1 * 0 + 1000 + 2);
    if (must_bridge(L, 2,
                    "[i0, i1]\n"
                    "i2 = int_mul(i0, i0)\n"
                    "i3 = int_add(i1, i2)\n"
                    "i4 = int_ne(i0, 45)\n"
                    "guard_true(i4) [i3, i0]\n"
                    "jump(i0, i3, descr=TargetToken(1))\n",
                    "i0 i1", &b2, failed_) < 0)
        goto done;
    CHECK_EQ_INT(L->nbridges, 2);
    CHECK_EQ_INT(L->nexits, 4);
    CHECK_EQ_INT(L->exits[3].bridge, 1);
    CHECK_EQ_INT(L->exits[2].bridged, 1);
    CHECK_EQ_INT(L->bridges[1].parent_exit, 2);
    CHECK(jit_exit_trace(L, 3) == b2);
    static const int64_t starts[] = {0, 46, 50, -10};
    for (size_t k = 0; k < 4; k++) {
        int64_t i = starts[k], s = 0;
        int ex;
        for (;;) {
            i++;
            if ((i & 1) == 0) {
                s += i;
                if (i >= 100) {
                    ex = 1;
                    break;
                }
            } else if (((i % 3) + 3) % 3 != 0) {
                s += 1000;
            } else {
                s += i * i;
                if (i == 45) {
                    ex = 3;
                    break;
                }
            }
        }
        in[0] = (uint64_t)starts[k];
        in[1] = 0;
        CHECK_EQ_INT(run(L, in), ex);
        if (ex == 1) {
            CHECK_EQ_INT(out(L, 1, 0), i);
            CHECK_EQ_INT(out(L, 1, 1), s);
        } else {
            CHECK_EQ_INT(out(L, 3, 0), s); /* [i3, i0] of the second bridge */
            CHECK_EQ_INT(out(L, 3, 1), i);
        }
    }
done:
    jit_loop_free(L);
    ir_trace_free(t);
    ir_trace_free(b1);
    ir_trace_free(b2);
}

/* Bad bridges are refused with a reason and leave the loop as it was. */
TEST(x64_bridge_errors)
{
    static const struct { const char *text, *from, *why; } bad[] = {
        {"[i0]\njump(i0, i0, descr=TargetToken(1))\n", "i4", "not live"},
        {"[f0, i1]\njump(i1, i1, descr=TargetToken(1))\n", "i2 i1", "type"},
        {"[i0, i1]\njump(i0, descr=TargetToken(1))\n", "i2 i1", "args"},
        {"[i0, i1]\njump(i0, i1, descr=TargetToken(9))\n", "i2 i1", "TargetToken(9)"},
        {"[i0, f1]\njump(i0, f1, descr=TargetToken(1))\n", "i2 i1", "type"},
    };
    ir_trace *t;
    jit_loop *L = build(ODD_EVEN, &t, failed_);
    if (!L)
        return;
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        char err[256] = "";
        ir_trace *b;
        CHECK_EQ_INT(bridge(L, 0, bad[k].text, bad[k].from, &b, err, sizeof err, failed_), -1);
        if (strstr(err, bad[k].why) == NULL) {
            fprintf(stderr, "  case %zu: %s\n", k, err);
            *failed_ = 1;
        }
        ir_trace_free(b);
    }
    char err[256] = "";
    ir_trace *b;
    CHECK_EQ_INT(bridge(L, 7, ODD_BRIDGE, "i2 i1", &b, err, sizeof err, failed_), -1);
    ir_trace_free(b);
    CHECK_EQ_INT(L->nbridges, 0);
    CHECK_EQ_INT(L->nexits, 2);
    CHECK_EQ_INT(L->exits[0].bridged, -1);
    uint64_t in[2] = {0, 0};
    CHECK_EQ_INT(run(L, in), 0);
    jit_loop_free(L);
    ir_trace_free(t);
}

/* A loop using a value from before its label after it (no scope) cannot
 * take a jumping bridge: the bridge could not provide that value. */
TEST(x64_bridge_refused_for_unscoped_label)
{
    ir_trace *t, *b;
    jit_loop *L = build("[i0, i1]\n"
                        "i2 = int_mul(i1, 3)\n"
                        "label(i0, descr=TargetToken(1))\n"
                        "i3 = int_add(i0, i2)\n"
                        "i4 = int_lt(i3, 100)\n"
                        "guard_true(i4) [i3]\n"
                        "jump(i3, descr=TargetToken(1))\n", &t, failed_);
    if (!L)
        return;
    CHECK(!L->label_scoped);
    char err[256] = "";
    CHECK_EQ_INT(bridge(L, 0, "[i0]\njump(i0, descr=TargetToken(1))\n", "i3", &b, err, sizeof err,
                        failed_), -1);
    CHECK(strstr(err, "before its label") != NULL);
    ir_trace_free(b);
    jit_loop_free(L);
    ir_trace_free(t);
}

/* A call from a bridge: the stack is as aligned as in the loop (printf of
 * a double uses aligned SSE stores in glibc), live values survive it. */
static double c_round3(double x, int64_t n)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.3f", x * (double)n);
    return strtod(buf, NULL);
}

TEST(x64_bridge_calls_out)
{
    static const ir_named_descr descrs[] = {
        {"d_round3", {.kind = IR_DESCR_CALL, .flag = 'f', .size = 8, .argtypes = "fi"}},
        {NULL},
    };
    static ir_named_ptr ptrs[2];
    static const ir_parse_env env = {descrs, ptrs};
    ptrs[0] = (ir_named_ptr){"round3", (void *)(uintptr_t)c_round3};
    penv = &env;
    ir_trace *t, *b = NULL;
    jit_loop *L = build("[i0, f1]\n"
                        "label(i0, f1, descr=TargetToken(1))\n"
                        "i2 = int_add(i0, 1)\n"
                        "i3 = int_and(i2, 1)\n"
                        "guard_false(i3) [i2, f1]\n"
                        "f4 = float_add(f1, 0.1)\n"
                        "i5 = int_lt(i2, 40)\n"
                        "guard_true(i5) [i2, f4]\n"
                        "jump(i2, f4, descr=TargetToken(1))\n", &t, failed_);
    if (!L)
        goto done;
    if (must_bridge(L, 0,
                    "[i0, f1]\n"
                    "f2 = call_f(ConstClass(round3), f1, i0, descr=d_round3)\n"
                    "f3 = float_truediv(f2, 7.0)\n"
                    "f4 = float_add(f1, f3)\n"
                    "jump(i0, f4, descr=TargetToken(1))\n",
                    "i2 f1", &b, failed_) < 0)
        goto done;
    int64_t i = 0;
    double f = 0.5;
    for (;;) {
        i++;
        if (i & 1) {
            f = f + c_round3(f, i) / 7.0;
        } else {
            f = f + 0.1;
            if (i >= 40)
                break;
        }
    }
    uint64_t in[2] = {0, bits(0.5)};
    CHECK_EQ_INT(run(L, in), 1);
    CHECK_EQ_INT(out(L, 1, 0), i);
    CHECK(as_double(out(L, 1, 1)) == f);
done:
    penv = NULL;
    jit_loop_free(L);
    ir_trace_free(t);
    ir_trace_free(b);
}

/* A bridge input may be any value live at the guard, not only what the
 * snapshot lists (a frontend's frame pointer, carried by the label); a
 * value whose range ended before the guard is refused. */
TEST(x64_bridge_input_live_but_not_in_snapshot)
{
    ir_trace *t, *b = NULL;
    jit_loop *L = build("[i0, i1, i2]\n"
                        "label(i0, i1, i2, descr=TargetToken(1))\n"
                        "i3 = int_add(i0, 1)\n"
                        "i5 = int_add(i3, i2)\n"
                        "i6 = int_and(i5, 1)\n"
                        "guard_false(i6) [i3, i1]\n"
                        "i7 = int_add(i1, i3)\n"
                        "i8 = int_lt(i3, 50)\n"
                        "guard_true(i8) [i3, i7, i2]\n"
                        "jump(i3, i7, i2, descr=TargetToken(1))\n", &t, failed_);
    if (!L)
        return;
    CHECK(jit_exit_loc(L, 0, R(t, 'i', 2)).kind != JIT_LOC_NONE);
    CHECK_EQ_INT(jit_exit_loc(L, 0, R(t, 'i', 5)).kind, JIT_LOC_NONE); /* dead at the guard */
    CHECK_EQ_INT(jit_exit_loc(L, 0, R(t, 'i', 7)).kind, JIT_LOC_NONE); /* defined after it */
    char err[256] = "";
    CHECK_EQ_INT(bridge(L, 0, "[i0, i1, i2]\njump(i0, i1, i2, descr=TargetToken(1))\n", "i3 i1 i5", &b,
                        err, sizeof err, failed_), -1);
    CHECK(strstr(err, "not live") != NULL);
    ir_trace_free(b);
    b = NULL;
    if (must_bridge(L, 0,
                    "[i0, i1, i2]\n"
                    "i3 = int_sub(i1, i2)\n"
                    "jump(i0, i3, i2, descr=TargetToken(1))\n",
                    "i3 i1 i2", &b, failed_) < 0)
        goto done;
    static const int64_t k2[] = {0, 1, 7, -4};
    for (size_t k = 0; k < 4; k++) {
        int64_t i = 0, s = 100;
        for (;;) {
            i++;
            if ((i + k2[k]) & 1) {
                s -= k2[k];
            } else {
                s += i;
                if (i >= 50)
                    break;
            }
        }
        uint64_t in[3] = {0, 100, (uint64_t)k2[k]};
        CHECK_EQ_INT(run(L, in), 1);
        CHECK_EQ_INT(out(L, 1, 0), i);
        CHECK_EQ_INT(out(L, 1, 1), s);
        CHECK_EQ_INT(out(L, 1, 2), k2[k]);
    }
done:
    jit_loop_free(L);
    ir_trace_free(t);
    ir_trace_free(b);
}
