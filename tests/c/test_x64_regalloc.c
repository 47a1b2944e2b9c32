/* tests/c/test_x64_regalloc: the linear-scan allocator (live ranges,
 * loop extension, comparison fusion, call-crossing preference, spills,
 * the no-two-live-values-share-a-location invariant), the parallel move
 * (random permutations with cycles, run and checked), and random loops
 * compiled and run against a small IR interpreter. */
#include "../../src/jit/backend/backend.h"
#include "../../src/jit/backend/x64/x64_move.h"
#include "../../src/jit/backend/x64/x64_regalloc.h"
#include "../../src/jit/runtime/codemem.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static ir_trace *parse(const char *text, int *failed_)
{
    char err[256];
    ir_trace *t = ir_parse(text, NULL, err, sizeof err);
    if (t == NULL) {
        fprintf(stderr, "  parse: %s\n", err);
        *failed_ = 1;
    }
    return t;
}

/* No two values whose ranges overlap share a location. A value may take
 * the location of one that dies at its own definition (an operand). */
static bool allocation_valid(const ir_trace *t, const x64_alloc *a)
{
    for (ir_ref u = 0; u < t->nops; u++) {
        if (a->loc[u].kind == JIT_LOC_NONE)
            continue;
        if (a->end[u] < u)
            return false;
        for (ir_ref v = u + 1; v < t->nops && v < a->end[u]; v++)
            if (a->loc[v].kind == a->loc[u].kind && a->loc[v].index == a->loc[u].index) {
                fprintf(stderr, "  values %d and %d share a location\n", u, v);
                return false;
            }
    }
    return true;
}

static const char COUNTING[] = "[i0]\n"
                               "label(i0, descr=TargetToken(1))\n"
                               "i1 = int_add(i0, 1)\n"
                               "i2 = int_lt(i1, 100)\n"
                               "guard_true(i2) [i1]\n"
                               "jump(i1, descr=TargetToken(1))\n";

TEST(regalloc_counting_loop)
{
    ir_trace *t = parse(COUNTING, failed_);
    if (!t)
        return;
    x64_alloc a;
    char err[128];
    CHECK_EQ_INT(x64_regalloc(t, &a, err, sizeof err), 0);
    CHECK_EQ_INT(a.label, 1);
    CHECK_EQ_INT(a.jump, 5);
    CHECK_EQ_INT(a.end[0], 5); /* the label arg lives to the jump */
    CHECK_EQ_INT(a.end[2], 5); /* guard snapshot and jump */
    CHECK(a.fused[3]);
    CHECK_EQ_INT(a.loc[3].kind, JIT_LOC_NONE);
    CHECK_EQ_INT(a.loc[0].kind, JIT_LOC_GPR);
    CHECK_EQ_INT(a.loc[2].kind, JIT_LOC_GPR);
    CHECK(a.loc[0].index != a.loc[2].index);
    CHECK_EQ_INT(a.nspill, 0);
    CHECK(allocation_valid(t, &a));
    x64_alloc_free(&a);
    ir_trace_free(t);
}

TEST(regalloc_fusion_only_for_a_single_guard_use)
{
    ir_trace *t = parse("[i0, i1]\n"
                        "i2 = int_lt(i0, i1)\n"
                        "guard_true(i2) [i2]\n" /* also in the snapshot */
                        "i3 = int_gt(i0, i1)\n"
                        "i4 = int_add(i0, 1)\n"
                        "guard_false(i3) [i4]\n" /* not right after */
                        "i5 = int_eq(i0, i1)\n"
                        "guard_false(i5) [i4]\n" /* fused */
                        "i6 = float_lt(1.5, 2.5)\n"
                        "finish(i6)\n", failed_);
    if (!t)
        return;
    x64_alloc a;
    char err[128];
    CHECK_EQ_INT(x64_regalloc(t, &a, err, sizeof err), 0);
    CHECK(!a.fused[2]);
    CHECK(!a.fused[4]);
    CHECK(a.fused[7]);
    CHECK(!a.fused[9]);
    CHECK_EQ_INT(a.loc[9].kind, JIT_LOC_GPR);
    CHECK(allocation_valid(t, &a));
    x64_alloc_free(&a);
    ir_trace_free(t);
}

TEST(regalloc_preamble_values_live_through_the_loop)
{
    ir_trace *t = parse("[i0, i1]\n"
                        "i2 = int_mul(i1, 3)\n"
                        "i9 = int_add(i1, 1)\n"
                        "label(i0, descr=TargetToken(2))\n"
                        "i3 = int_add(i0, i2)\n" /* i2: loop invariant, not a label arg */
                        "guard_true(i3) [i3]\n"
                        "jump(i3, descr=TargetToken(2))\n", failed_);
    if (!t)
        return;
    x64_alloc a;
    char err[128];
    CHECK_EQ_INT(x64_regalloc(t, &a, err, sizeof err), 0);
    CHECK_EQ_INT(a.end[2], 7);  /* i2 extended to the jump */
    CHECK_EQ_INT(a.end[3], -1); /* i9 never used */
    CHECK_EQ_INT(a.loc[3].kind, JIT_LOC_NONE);
    CHECK_EQ_INT(a.end[1], 3);  /* i1 dies in the preamble */
    CHECK(allocation_valid(t, &a));
    x64_alloc_free(&a);
    ir_trace_free(t);
}

TEST(regalloc_values_across_calls_prefer_callee_saved)
{
    ir_trace *t = parse("[i0, i1, i2, f3]\n"
                        "i4 = int_add(i0, i1)\n"
                        "i5 = call_i(ConstClass(fn), i0, descr=<Calli 8 i EF=0>)\n"
                        "i6 = int_add(i4, i2)\n"
                        "i7 = int_add(i6, i5)\n"
                        "i8 = int_add(i1, 1)\n"
                        "finish(i7, i8, f3)\n", failed_);
    if (!t)
        return;
    x64_alloc a;
    char err[128];
    CHECK_EQ_INT(x64_regalloc(t, &a, err, sizeof err), 0);
    CHECK(x64_op_calls(t, 5));
    for (ir_ref v = 1; v <= 4; v++) /* i1, i2, i4 and ... live across the call */
        if (v != 3 && a.end[v] > 5) {
            CHECK_EQ_INT(a.loc[v].kind, JIT_LOC_GPR);
            CHECK(!x64_caller_saved((x64_reg)a.loc[v].index));
        }
    CHECK_EQ_INT(a.end[0], 5); /* i0 is only an argument */
    CHECK(allocation_valid(t, &a));
    x64_alloc_free(&a);
    ir_trace_free(t);
}

TEST(regalloc_spills_when_registers_run_out)
{
    char text[4096];
    int n = snprintf(text, sizeof text, "[i0, f1]\n");
    for (int k = 0; k < 30; k++)
        n += snprintf(text + n, sizeof text - (size_t)n, "i%d = int_add(i0, %d)\nf%d = float_add(f1, %d.5)\n",
                      10 + k, k, 100 + k, k);
    n += snprintf(text + n, sizeof text - (size_t)n, "finish(");
    for (int k = 0; k < 30; k++)
        n += snprintf(text + n, sizeof text - (size_t)n, "i%d, f%d%s", 10 + k, 100 + k, k < 29 ? ", " : ")\n");
    ir_trace *t = parse(text, failed_);
    if (!t)
        return;
    x64_alloc a;
    char err[128];
    CHECK_EQ_INT(x64_regalloc(t, &a, err, sizeof err), 0);
    /* 10 general and 14 xmm registers: at least 20 + 16 values spilled */
    CHECK(a.nspill >= 36);
    CHECK(allocation_valid(t, &a));
    x64_alloc_free(&a);
    ir_trace_free(t);
}

TEST(regalloc_rejects_malformed_loops)
{
    static const char *const bad[] = {
        "[i0]\nlabel(i0, descr=TargetToken(1))\njump(i0, i0, descr=TargetToken(1))\n",
        "[i0]\nlabel(i0, i0, descr=TargetToken(1))\njump(i0, i0, descr=TargetToken(1))\n",
        "[i0]\nlabel(i0, descr=TargetToken(1))\njump(i0, descr=TargetToken(7))\n",
        "[i0, f1]\nlabel(i0, descr=TargetToken(1))\njump(f1, descr=TargetToken(1))\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ir_trace *t = parse(bad[i], failed_);
        if (!t)
            continue;
        x64_alloc a;
        char err[128];
        CHECK_EQ_INT(x64_regalloc(t, &a, err, sizeof err), -1);
        CHECK(err[0] != 0);
        ir_trace_free(t);
    }
}

/* ---- parallel moves, run ---- */

typedef void (*move_fn)(jit_deadframe *);

static uint64_t rng_state = 88172645463325252ULL;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static uint64_t loc_value(const jit_deadframe *d, jit_loc l) { return jit_loc_read(d, l); }

TEST(parallel_move_random_permutations)
{
    /* the pool: every allocatable register and a few spill slots */
    jit_loc pool[X64_NALLOC_GPR + X64_NALLOC_XMM + 6];
    int np = 0;
    for (int i = 0; i < X64_NALLOC_GPR; i++)
        pool[np++] = x64_loc_gpr(x64_alloc_gprs[i]);
    for (int x = 0; x < X64_NALLOC_XMM; x++)
        pool[np++] = x64_loc_xmm((x64_xmm)x);
    for (int s = 0; s < 6; s++)
        pool[np++] = (jit_loc){.kind = JIT_LOC_SPILL, .index = (uint16_t)s};
    static const x64_reg saved[6] = {X64_RBX, X64_RBP, X64_R12, X64_R13, X64_R14, X64_R15};
    for (int round = 0; round < 300; round++) {
        /* n distinct dsts, each src a pool location or a constant */
        int order[64], n = 1 + (int)(rnd() % (uint64_t)np);
        for (int i = 0; i < np; i++)
            order[i] = i;
        for (int i = np - 1; i > 0; i--) {
            int j = (int)(rnd() % (uint64_t)(i + 1)), x = order[i];
            order[i] = order[j];
            order[j] = x;
        }
        jit_loc dst[64], src[64];
        for (int i = 0; i < n; i++) {
            dst[i] = pool[order[i]];
            uint64_t r = rnd() % 10;
            if (r == 0)
                src[i] = x64_loc_const(rnd());
            else if (r == 1)
                src[i] = x64_loc_const(rnd() % 100);
            else if (r < 5) /* a permutation-ish source: makes cycles */
                src[i] = pool[order[(i + 1) % n]];
            else
                src[i] = pool[rnd() % (uint64_t)np];
        }
        rt_codemem_block *h;
        void *mem = rt_codemem_alloc(4096, &h);
        CHECK(mem != NULL);
        x64_buf b;
        x64_buf_init(&b, mem, 4096);
        for (int i = 0; i < 6; i++)
            x64_push(&b, saved[i]);
        x64_alu_ri(&b, X64_SUB, X64_RSP, 8);
        x64_mov_rr(&b, X64_DF, X64_RDI);
        for (int i = 0; i < np; i++)
            if (pool[i].kind == JIT_LOC_GPR)
                x64_load(&b, (x64_reg)pool[i].index, x64_df_gpr(pool[i].index));
            else if (pool[i].kind == JIT_LOC_XMM)
                x64_movsd_rm(&b, (x64_xmm)pool[i].index, x64_df_xmm(pool[i].index));
        x64_parallel_move(&b, dst, src, n);
        for (int i = 0; i < np; i++)
            if (pool[i].kind == JIT_LOC_GPR)
                x64_store(&b, x64_df_gpr(pool[i].index), (x64_reg)pool[i].index);
            else if (pool[i].kind == JIT_LOC_XMM)
                x64_movsd_mr(&b, x64_df_xmm(pool[i].index), (x64_xmm)pool[i].index);
        x64_alu_ri(&b, X64_ADD, X64_RSP, 8);
        for (int i = 5; i >= 0; i--)
            x64_pop(&b, saved[i]);
        x64_ret(&b);
        CHECK(x64_ok(&b));
        CHECK_EQ_INT(rt_codemem_seal(h), 0);
        static jit_deadframe before, after;
        for (int i = 0; i < JIT_NGPR; i++)
            before.gpr[i] = rnd();
        for (int i = 0; i < JIT_NXMM; i++)
            before.xmm[i] = rnd();
        for (int i = 0; i < 8; i++)
            before.spill[i] = rnd();
        after = before;
        ((move_fn)(uintptr_t)mem)(&after);
        for (int i = 0; i < np; i++) {
            uint64_t want = loc_value(&before, pool[i]);
            for (int k = 0; k < n; k++)
                if (x64_loc_same(dst[k], pool[i]))
                    want = loc_value(&before, src[k]);
            if (loc_value(&after, pool[i]) != want) {
                fprintf(stderr, "  round %d: location %d/%d wrong\n", round, pool[i].kind, pool[i].index);
                *failed_ = 1;
            }
        }
        rt_codemem_free(h);
        if (*failed_)
            return;
    }
}

/* ---- random loops against an interpreter ---- */

static int64_t c_mix(int64_t a, int64_t b, int64_t c) { return (int64_t)((uint64_t)a * 3 - (uint64_t)b + (uint64_t)(c >> 2)); }
static double c_fmix(double x, int64_t n) { return x * 0.75 + (double)(n & 7); }

static uint64_t eval_op(const ir_trace *t, ir_ref r, const uint64_t *val)
{
    uint64_t a[8];
    for (int i = 0; i < ir_nargs(t, r) && i < 8; i++) {
        ir_ref v = ir_arg(t, r, i);
        if (ir_is_op(v)) {
            a[i] = val[v];
        } else {
            const ir_const *k = ir_const_at(t, v);
            memcpy(&a[i], &k->v, 8);
        }
    }
    double x, y, z;
    memcpy(&x, &a[0], 8);
    memcpy(&y, &a[1], 8);
    switch (ir_opnum(t, r)) {
    case IR_int_add: return a[0] + a[1];
    case IR_int_sub: return a[0] - a[1];
    case IR_int_mul: return a[0] * a[1];
    case IR_int_and: return a[0] & a[1];
    case IR_int_xor: return a[0] ^ a[1];
    case IR_int_lshift: return a[0] << (a[1] & 63);
    case IR_int_rshift: return (uint64_t)((int64_t)a[0] >> (a[1] & 63));
    case IR_int_lt: return (int64_t)a[0] < (int64_t)a[1];
    case IR_uint_gt: return a[0] > a[1];
    case IR_int_gt: return (int64_t)a[0] > (int64_t)a[1];
    case IR_int_py_mod: {
        int64_t p = (int64_t)a[0], q = (int64_t)a[1], m = p % q;
        return (uint64_t)(m != 0 && ((m ^ q) < 0) ? m + q : m);
    }
    case IR_call_i: return (uint64_t)c_mix((int64_t)a[1], (int64_t)a[2], (int64_t)a[3]);
    case IR_float_add: z = x + y; break;
    case IR_float_mul: z = x * y; break;
    case IR_float_sub: z = x - y; break;
    case IR_call_f: memcpy(&x, &a[1], 8); z = c_fmix(x, (int64_t)a[2]); break;
    case IR_cast_int_to_float: z = (double)(int64_t)a[0]; break;
    default: abort();
    }
    uint64_t u;
    memcpy(&u, &z, 8);
    return u;
}

/* A value of type ty from vals[0..n) (biased to recent ones) or a constant. */
static ir_ref pick(ir_trace *t, const ir_ref *vals, int n, char ty)
{
    ir_ref cand[512];
    int m = 0;
    for (int i = 0; i < n; i++)
        if (ir_ref_type(t, vals[i]) == ty)
            cand[m++] = vals[i];
    if (m == 0 || rnd() % 8 == 0)
        return ty == 'f' ? ir_const_float(t, (double)(rnd() % 50) / 4) : ir_const_int(t, (int64_t)(rnd() % 2000) - 1000);
    if (rnd() % 2)
        return cand[m - 1 - (int)(rnd() % (uint64_t)(m < 4 ? m : 4))];
    return cand[rnd() % (uint64_t)m];
}

static ir_trace *random_loop(int nint, int nflt, int nbody, int *counter_arg)
{
    ir_trace *t = ir_trace_new();
    ir_ref vals[512];
    int n = 0;
    for (int k = 0; k < nint; k++)
        vals[n++] = ir_input(t, 'i');
    for (int k = 0; k < nflt; k++)
        vals[n++] = ir_input(t, 'f');
    ir_ref counter = ir_input(t, 'i');
    /* preamble values that the loop uses early (invariants: they must
     * survive every iteration, though no snapshot keeps them alive) */
    ir_ref pre_i = IR_EMIT(t, IR_int_add, -1, vals[0], ir_const_int(t, 7));
    ir_ref pre_f = IR_EMIT(t, IR_cast_int_to_float, -1, vals[nint - 1]);
    int tok = ir_descr_add(t, &(ir_descr){.kind = IR_DESCR_TARGET, .id = 1});
    ir_ref largs[64];
    int nl = 0;
    for (int k = 0; k < nint + nflt; k++)
        largs[nl++] = vals[k];
    largs[nl++] = counter;
    ir_emit(t, IR_label, largs, nl, tok);
    int ci = ir_descr_add(t, &(ir_descr){.kind = IR_DESCR_CALL, .flag = 'i', .size = 8, .argtypes = "iii"});
    int cf = ir_descr_add(t, &(ir_descr){.kind = IR_DESCR_CALL, .flag = 'f', .size = 8, .argtypes = "fi"});
    ir_ref fmix = ir_const_class(t, (void *)(uintptr_t)c_fmix, "fmix");
    ir_ref imix = ir_const_class(t, (void *)(uintptr_t)c_mix, "mix");
    static const int iops[] = {IR_int_add, IR_int_sub, IR_int_mul, IR_int_and, IR_int_xor, IR_int_lt,
                               IR_uint_gt, IR_int_lshift, IR_int_rshift, IR_int_py_mod};
    int first = n; /* the snapshot lists vals[first..] */
    vals[n++] = IR_EMIT(t, IR_int_xor, -1, pre_i, pick(t, vals, n, 'i'));
    vals[n++] = IR_EMIT(t, IR_float_add, -1, pre_f, pick(t, vals, n, 'f'));
    for (int i = 0; i < nbody && n < 500; i++) {
        uint64_t r = rnd() % 16;
        ir_ref v;
        if (r < 9) {
            int op = iops[rnd() % (sizeof iops / sizeof *iops)];
            ir_ref b = op == IR_int_lshift || op == IR_int_rshift ? ir_const_int(t, (int64_t)(rnd() % 64))
                       : op == IR_int_py_mod ? ir_const_int(t, (int64_t)(rnd() % 8 + 2) * (rnd() % 2 ? 1 : -1))
                                             : pick(t, vals, n, 'i');
            v = IR_EMIT(t, op, -1, pick(t, vals, n, 'i'), b);
        } else if (r < 13) {
            static const int fops[] = {IR_float_add, IR_float_mul, IR_float_sub};
            v = IR_EMIT(t, fops[rnd() % 3], -1, pick(t, vals, n, 'f'), pick(t, vals, n, 'f'));
        } else if (r == 13) {
            v = IR_EMIT(t, IR_cast_int_to_float, -1, pick(t, vals, n, 'i'));
        } else if (r == 14) {
            v = IR_EMIT(t, IR_call_i, ci, imix, pick(t, vals, n, 'i'), pick(t, vals, n, 'i'), pick(t, vals, n, 'i'));
        } else {
            v = IR_EMIT(t, IR_call_f, cf, fmix, pick(t, vals, n, 'f'), pick(t, vals, n, 'i'));
        }
        vals[n++] = v;
    }
    ir_ref c1 = IR_EMIT(t, IR_int_sub, -1, counter, ir_const_int(t, 1));
    ir_ref cmp = IR_EMIT(t, IR_int_gt, -1, c1, ir_const_int(t, 0));
    /* the snapshot: every value of the body and the counter */
    ir_snap_begin(t);
    int ns = n + 1;
    ir_slot *slots = ir_snap_frame(t, NULL, 0, ns);
    for (int k = first; k < n; k++)
        if (rnd() % 4) {
            slots[k].ref = vals[k];
            slots[k].kind = ir_ref_type(t, vals[k]) == 'f' ? IR_BOX_FLOAT : IR_BOX_INT;
        }
    slots[n] = (ir_slot){c1, IR_BOX_INT};
    IR_GUARD(t, IR_guard_true, ir_snap_end(t), cmp);
    ir_ref jargs[64];
    for (int k = 0; k < nl - 1; k++)
        jargs[k] = pick(t, vals, n, ir_ref_type(t, largs[k]));
    jargs[nl - 1] = c1;
    /* constants are fine jump args, but keep most of them values */
    ir_emit(t, IR_jump, jargs, nl, tok);
    *counter_arg = nint + nflt;
    return t;
}

/* Runs t's loop: returns the values of the guard's snapshot at its exit. */
static void interpret(const ir_trace *t, const uint64_t *inputs, uint64_t *val)
{
    for (ir_ref k = 0; k < t->ninputs; k++)
        val[k] = inputs[k];
    ir_ref label = -1;
    for (ir_ref r = ir_first(t); r < t->nops; r++) {
        int op = ir_opnum(t, r);
        if (op == IR_label) {
            label = r;
        } else if (op == IR_guard_true) {
            if (val[ir_arg(t, r, 0)] == 0)
                return;
        } else if (op == IR_jump) {
            uint64_t tmp[64];
            for (int i = 0; i < ir_nargs(t, r); i++) {
                ir_ref v = ir_arg(t, r, i);
                if (ir_is_op(v))
                    tmp[i] = val[v];
                else
                    memcpy(&tmp[i], &ir_const_at(t, v)->v, 8);
            }
            for (int i = 0; i < ir_nargs(t, r); i++)
                val[ir_arg(t, label, i)] = tmp[i];
            r = label;
        } else {
            val[r] = eval_op(t, r, val);
        }
    }
}

TEST(random_loops_match_interpreter)
{
    static uint64_t val[1024];
    static jit_deadframe d;
    for (int round = 0; round < 150; round++) {
        int nint = 1 + (int)(rnd() % 14), nflt = (int)(rnd() % 18), nbody = 5 + (int)(rnd() % 60);
        int carg;
        ir_trace *t = random_loop(nint, nflt, nbody, &carg);
        char err[256];
        if (ir_verify(t, err, sizeof err) < 0) {
            fprintf(stderr, "  round %d: %s\n", round, err);
            *failed_ = 1;
            ir_trace_free(t);
            return;
        }
        x64_alloc a;
        CHECK_EQ_INT(x64_regalloc(t, &a, err, sizeof err), 0);
        CHECK(allocation_valid(t, &a));
        x64_alloc_free(&a);
        jit_loop *L = jit_compile_loop(t, err, sizeof err);
        if (L == NULL) {
            fprintf(stderr, "  round %d: compile: %s\n", round, err);
            *failed_ = 1;
            ir_trace_free(t);
            return;
        }
        uint64_t in[64];
        for (int k = 0; k < carg; k++) {
            if (ir_ref_type(t, k) == 'f') {
                double x = (double)(int64_t)(rnd() % 1000) / 8;
                memcpy(&in[k], &x, 8);
            } else {
                in[k] = rnd() % 3 ? rnd() % 100 : rnd();
            }
        }
        in[carg] = 1 + rnd() % 20;
        interpret(t, in, val);
        int64_t e = L->entry((void *const *)in, &d);
        CHECK_EQ_INT(e, 0);
        const jit_exit *x = &L->exits[0];
        const ir_frame *f = ir_snap_frame_at(t, x->snap, 0);
        for (int k = 0; k < f->nslots; k++) {
            ir_ref v = ir_frame_slots(t, f)[k].ref;
            if (v == IR_NONE)
                continue;
            uint64_t want = ir_is_op(v) ? val[v] : 0, got = jit_loc_read(&d, jit_exit_loc(L, 0, v));
            if (ir_is_const(v))
                memcpy(&want, &ir_const_at(t, v)->v, 8);
            if (got != want) {
                char *txt = ir_print(t, 0);
                fprintf(stderr, "  round %d: slot %d (ref %d) = %llx, want %llx\n%s\n", round, k, v,
                        (unsigned long long)got, (unsigned long long)want, txt);
                free(txt);
                *failed_ = 1;
                break;
            }
        }
        jit_loop_free(L);
        ir_trace_free(t);
        if (*failed_)
            return;
    }
}
