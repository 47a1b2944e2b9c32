/* tests/c/test_x64_asm: the x86-64 backend end to end -- traces in PyPy's
 * text format are parsed, compiled with jit_compile_loop and RUN; results
 * are read back through the exit tables (jit_exit_loc / jit_loc_read) and
 * compared with the same computation done in C. */
#include <Python.h>

#include "../../src/jit/backend/backend.h"
#include "../../src/jit/backend/x64/x64_emit.h"
#include "../../src/jit/runtime/codemem.h"
#include "test.h"

#include <capstone/capstone.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static jit_deadframe df;

/* Parses and compiles; NULL (and a failure) on error. */
static jit_loop *build(const char *text, const ir_parse_env *env, ir_trace **tp, int *failed_)
{
    char err[256];
    *tp = ir_parse(text, env, err, sizeof err);
    if (*tp == NULL) {
        fprintf(stderr, "  parse: %s\n", err);
        *failed_ = 1;
        return NULL;
    }
    jit_loop *L = jit_compile_loop(*tp, err, sizeof err);
    if (L == NULL) {
        fprintf(stderr, "  compile: %s\n", err);
        *failed_ = 1;
    }
    return L;
}

static int64_t run(jit_loop *L, const uint64_t *inputs)
{
    memset(&df, 0xAB, sizeof df);
    return L->entry((void *const *)inputs, &df);
}

/* The k-th fail arg of exit e (a guard's snapshot slot, or finish's arg). */
static uint64_t out(const ir_trace *t, const jit_loop *L, int e, int k)
{
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

static void release(jit_loop *L, ir_trace *t)
{
    jit_loop_free(L);
    ir_trace_free(t);
}

/* ---- loops ---- */

TEST(x64_counting_loop)
{
    ir_trace *t;
    jit_loop *L = build("[i0]\n"
                        "label(i0, descr=TargetToken(1))\n"
                        "i1 = int_add(i0, 1)\n"
                        "i2 = int_lt(i1, 100)\n"
                        "guard_true(i2) [i1]\n"
                        "jump(i1, descr=TargetToken(1))\n", NULL, &t, failed_);
    if (!L)
        return;
    CHECK_EQ_INT(L->nexits, 1);
    uint64_t in[1] = {0};
    CHECK_EQ_INT(run(L, in), 0);
    CHECK_EQ_INT(out(t, L, 0, 0), 100);
    in[0] = 57;
    CHECK_EQ_INT(run(L, in), 0);
    CHECK_EQ_INT(out(t, L, 0, 0), 100);
    in[0] = 500; /* leaves in the first iteration */
    CHECK_EQ_INT(run(L, in), 0);
    CHECK_EQ_INT(out(t, L, 0, 0), 501);
    /* every op got an offset, the label is where the jump goes */
    for (ir_ref r = ir_first(t); r < t->nops; r++)
        CHECK(t->ops[r].mc_offset >= 0);
    CHECK_EQ_INT(L->label_offset, t->ops[1].mc_offset);
    /* the comparison is fused into the guard: no setcc in the code */
    csh cs;
    cs_insn *insn;
    CHECK(cs_open(CS_ARCH_X86, CS_MODE_64, &cs) == CS_ERR_OK);
    size_t n = cs_disasm(cs, L->code, L->code_size, (uint64_t)(uintptr_t)L->code, 0, &insn);
    CHECK(n > 10);
    int setcc = 0, jl = 0;
    for (size_t i = 0; i < n; i++) {
        setcc += strncmp(insn[i].mnemonic, "set", 3) == 0;
        jl += strcmp(insn[i].mnemonic, "jge") == 0;
    }
    CHECK_EQ_INT(setcc, 0);
    CHECK_EQ_INT(jl, 1);
    cs_free(insn, n);
    cs_close(&cs);
    release(L, t);
}

TEST(x64_preamble_and_two_labels)
{
    /* a peeled loop: preamble label, loop-invariant value, loop label */
    ir_trace *t;
    jit_loop *L = build("[i0, i1]\n"
                        "label(i0, i1, descr=TargetToken(1))\n"
                        "i2 = int_mul(i1, 3)\n"
                        "debug_merge_point(0, 0, 'x')\n"
                        "label(i0, i2, descr=TargetToken(2))\n"
                        "i3 = int_add(i0, i2)\n"
                        "i4 = int_lt(i3, 1000)\n"
                        "guard_true(i4) [i3, i2]\n"
                        "jump(i3, i2, descr=TargetToken(2))\n", NULL, &t, failed_);
    if (!L)
        return;
    uint64_t in[2] = {1, 7};
    CHECK_EQ_INT(run(L, in), 0);
    CHECK_EQ_INT(out(t, L, 0, 0), 1 + 21 * 48); /* first value >= 1000 */
    CHECK_EQ_INT(out(t, L, 0, 1), 21);
    CHECK_EQ_INT(L->label_offset, t->ops[5].mc_offset);
    CHECK(t->ops[4].mc_offset > 0); /* debug_merge_point offset recorded */
    release(L, t);
}

TEST(x64_finish_returns_values)
{
    ir_trace *t;
    jit_loop *L = build("[i0, f1, p2]\n"
                        "i3 = int_add(i0, 5)\n"
                        "finish(i3, f1, p2, 42, 2.5)\n", NULL, &t, failed_);
    if (!L)
        return;
    uint64_t in[3] = {10, bits(-1.25), (uint64_t)(uintptr_t)&df};
    CHECK_EQ_INT(run(L, in), 0);
    CHECK_EQ_INT(L->exits[0].snap, -1);
    CHECK_EQ_INT(out(t, L, 0, 0), 15);
    CHECK(out(t, L, 0, 1) == bits(-1.25));
    CHECK(out(t, L, 0, 2) == (uint64_t)(uintptr_t)&df);
    CHECK_EQ_INT(out(t, L, 0, 3), 42);
    CHECK(out(t, L, 0, 4) == bits(2.5));
    CHECK_EQ_INT(jit_exit_loc(L, 0, ir_arg(t, 4, 3)).kind, JIT_LOC_CONST);
    release(L, t);
}

TEST(x64_overflow_guards_exit_with_previous_value)
{
    static const struct { const char *op; int64_t start, k, expect; } cases[] = {
        {"int_add_ovf", INT64_MAX - 5000, 1000, INT64_MAX},
        {"int_sub_ovf", INT64_MIN + 2500, 1000, INT64_MIN + 500},
        {"int_mul_ovf", 1, 2, (int64_t)1 << 62},
        {"int_mul_ovf", -1, 3, -4052555153018976267LL}, /* -3**39 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char text[512];
        snprintf(text, sizeof text,
                 "[i0]\nlabel(i0, descr=TargetToken(1))\n"
                 "i1 = %s(i0, %lld)\nguard_no_overflow() [i0]\n"
                 "jump(i1, descr=TargetToken(1))\n", cases[i].op, (long long)cases[i].k);
        ir_trace *t;
        jit_loop *L = build(text, NULL, &t, failed_);
        if (!L)
            continue;
        uint64_t in[1] = {(uint64_t)cases[i].start};
        CHECK_EQ_INT(run(L, in), 0);
        CHECK_EQ_INT(out(t, L, 0, 0), cases[i].expect);
        release(L, t);
    }
    /* guard_overflow: leaves when there is no overflow */
    ir_trace *t;
    jit_loop *L = build("[i0, i1]\ni2 = int_add_ovf(i0, i1)\nguard_overflow() [i0, i1]\nfinish(i2)\n",
                        NULL, &t, failed_);
    if (!L)
        return;
    uint64_t in[2] = {1, 2};
    CHECK_EQ_INT(run(L, in), 0);
    in[0] = INT64_MAX;
    CHECK_EQ_INT(run(L, in), 1);
    release(L, t);
}

/* ---- integer ops against C ---- */

static const int64_t IVALS[] = {0, 1, -1, 2, -2, 3, 7, -7, 10, -10, 63, 64, 1000003, -999999937,
                                INT64_MAX, INT64_MIN, INT64_MIN + 1, 0x123456789abcLL, -0x5555aaaa5555LL};
#define NI ((int)(sizeof IVALS / sizeof *IVALS))

static int64_t ref_int(const char *op, int64_t a, int64_t b)
{
    uint64_t ua = (uint64_t)a, ub = (uint64_t)b;
    if (!strcmp(op, "int_add")) return (int64_t)(ua + ub);
    if (!strcmp(op, "int_sub")) return (int64_t)(ua - ub);
    if (!strcmp(op, "int_mul")) return (int64_t)(ua * ub);
    if (!strcmp(op, "int_and")) return a & b;
    if (!strcmp(op, "int_or")) return a | b;
    if (!strcmp(op, "int_xor")) return a ^ b;
    if (!strcmp(op, "int_lshift")) return (int64_t)(ua << (b & 63));
    if (!strcmp(op, "int_rshift")) return a >> (b & 63);
    if (!strcmp(op, "uint_rshift")) return (int64_t)(ua >> (b & 63));
    if (!strcmp(op, "int_lt")) return a < b;
    if (!strcmp(op, "int_le")) return a <= b;
    if (!strcmp(op, "int_eq")) return a == b;
    if (!strcmp(op, "int_ne")) return a != b;
    if (!strcmp(op, "int_gt")) return a > b;
    if (!strcmp(op, "int_ge")) return a >= b;
    if (!strcmp(op, "uint_lt")) return ua < ub;
    if (!strcmp(op, "uint_le")) return ua <= ub;
    if (!strcmp(op, "uint_gt")) return ua > ub;
    if (!strcmp(op, "uint_ge")) return ua >= ub;
    if (!strcmp(op, "ptr_eq") || !strcmp(op, "instance_ptr_eq")) return a == b;
    if (!strcmp(op, "ptr_ne") || !strcmp(op, "instance_ptr_ne")) return a != b;
    if (!strcmp(op, "int_py_div") || !strcmp(op, "int_py_mod")) {
        int64_t q = a / b, r = a % b;
        if (r != 0 && ((r ^ b) < 0)) {
            q--;
            r += b;
        }
        return op[7] == 'd' ? q : r;
    }
    abort();
}

static const char *const BINOPS[] = {"int_add", "int_sub", "int_mul", "int_and", "int_or", "int_xor",
                                     "int_lshift", "int_rshift", "uint_rshift", "int_lt", "int_le",
                                     "int_eq", "int_ne", "int_gt", "int_ge", "uint_lt", "uint_le",
                                     "uint_gt", "uint_ge", "int_py_div", "int_py_mod"};

static bool skip_pair(const char *op, int64_t a, int64_t b)
{
    bool shift = strstr(op, "shift") != NULL, div = strstr(op, "py_") != NULL;
    return (shift && (b < 0 || b > 63)) || (div && (b == 0 || (a == INT64_MIN && b == -1)));
}

/* Each op three ways: both args variables, the second a constant, the
 * first a constant; result via finish. */
TEST(x64_int_binops_match_c)
{
    for (size_t o = 0; o < sizeof BINOPS / sizeof *BINOPS; o++) {
        const char *op = BINOPS[o];
        char text[3][256];
        snprintf(text[0], 256, "[i0, i1]\ni2 = %s(i0, i1)\nfinish(i2)\n", op);
        ir_trace *t;
        jit_loop *L = build(text[0], NULL, &t, failed_);
        if (!L)
            return;
        for (int i = 0; i < NI; i++)
            for (int j = 0; j < NI; j++) {
                int64_t a = IVALS[i], b = IVALS[j];
                if (skip_pair(op, a, b))
                    continue;
                uint64_t in[2] = {(uint64_t)a, (uint64_t)b};
                run(L, in);
                int64_t got = (int64_t)out(t, L, 0, 0), want = ref_int(op, a, b);
                if (got != want) {
                    fprintf(stderr, "  %s(%lld, %lld) = %lld, want %lld\n", op, (long long)a,
                            (long long)b, (long long)got, (long long)want);
                    *failed_ = 1;
                }
            }
        release(L, t);
        for (int j = 0; j < NI; j++)
            for (int side = 0; side < 2; side++) {
                int64_t k = IVALS[j];
                snprintf(text[1], 256, side ? "[i0]\ni2 = %s(%lld, i0)\nfinish(i2)\n"
                                            : "[i0]\ni2 = %s(i0, %lld)\nfinish(i2)\n", op, (long long)k);
                if (!(L = build(text[1], NULL, &t, failed_)))
                    return;
                for (int i = 0; i < NI; i++) {
                    int64_t a = side ? k : IVALS[i], b = side ? IVALS[i] : k;
                    if (skip_pair(op, a, b))
                        continue;
                    uint64_t in[1] = {(uint64_t)IVALS[i]};
                    run(L, in);
                    int64_t got = (int64_t)out(t, L, 0, 0), want = ref_int(op, a, b);
                    if (got != want) {
                        fprintf(stderr, "  %s(%lld, %lld) [const %s] = %lld, want %lld\n", op,
                                (long long)a, (long long)b, side ? "first" : "second",
                                (long long)got, (long long)want);
                        *failed_ = 1;
                    }
                }
                release(L, t);
            }
    }
}

TEST(x64_int_unary_ops)
{
    ir_trace *t;
    jit_loop *L = build("[i0]\ni1 = int_neg(i0)\ni2 = int_invert(i0)\ni3 = int_is_zero(i0)\n"
                        "i4 = int_is_true(i0)\ni5 = same_as_i(i0)\nfinish(i1, i2, i3, i4, i5)\n",
                        NULL, &t, failed_);
    if (!L)
        return;
    for (int i = 0; i < NI; i++) {
        int64_t a = IVALS[i];
        uint64_t in[1] = {(uint64_t)a};
        run(L, in);
        CHECK_EQ_INT(out(t, L, 0, 0), (int64_t)(0 - (uint64_t)a));
        CHECK_EQ_INT(out(t, L, 0, 1), ~a);
        CHECK_EQ_INT(out(t, L, 0, 2), a == 0);
        CHECK_EQ_INT(out(t, L, 0, 3), a != 0);
        CHECK_EQ_INT(out(t, L, 0, 4), a);
    }
    release(L, t);
}

/* Comparisons fused into guard_true / guard_false: exit 0 (the guard)
 * exactly when the condition says so. */
TEST(x64_fused_int_guards)
{
    static const char *const cmps[] = {"int_lt", "int_le", "int_eq", "int_ne", "int_gt", "int_ge",
                                       "uint_lt", "uint_le", "uint_gt", "uint_ge", "ptr_eq", "ptr_ne",
                                       "instance_ptr_eq", "instance_ptr_ne"};
    for (size_t o = 0; o < sizeof cmps / sizeof *cmps; o++)
        for (int g = 0; g < 2; g++) {
            char text[256];
            snprintf(text, sizeof text, "[i0, i1]\ni2 = %s(i0, i1)\n%s(i2) [i0]\nfinish(i1)\n",
                     cmps[o], g ? "guard_true" : "guard_false");
            ir_trace *t;
            jit_loop *L = build(text, NULL, &t, failed_);
            if (!L)
                return;
            for (int i = 0; i < NI; i++)
                for (int j = 0; j < NI; j++) {
                    uint64_t in[2] = {(uint64_t)IVALS[i], (uint64_t)IVALS[j]};
                    bool c = ref_int(cmps[o], IVALS[i], IVALS[j]);
                    int64_t e = run(L, in);
                    if (e != (c == (g == 0) ? 0 : 1)) {
                        fprintf(stderr, "  %s %s(%lld, %lld) took exit %lld\n", text, cmps[o],
                                (long long)IVALS[i], (long long)IVALS[j], (long long)e);
                        *failed_ = 1;
                    }
                }
            release(L, t);
        }
}

/* ---- floats ---- */

TEST(x64_float_recurrence_bit_identical)
{
    ir_trace *t;
    jit_loop *L = build("[f0, i1]\n"
                        "label(f0, i1, descr=TargetToken(3))\n"
                        "f2 = float_mul(f0, 0.5)\n"
                        "f3 = float_add(f2, 1.0)\n"
                        "f4 = float_truediv(f3, 1.0000001)\n"
                        "f5 = float_sub(f4, f0)\n"
                        "f6 = float_add(f4, f5)\n"
                        "i7 = int_sub(i1, 1)\n"
                        "i8 = int_gt(i7, 0)\n"
                        "guard_true(i8) [f6, i7, f0]\n"
                        "jump(f6, i7, descr=TargetToken(3))\n", NULL, &t, failed_);
    if (!L)
        return;
    static const double starts[] = {0.0, 3.0, -1e300, 1e-310, 12345.678};
    for (size_t s = 0; s < sizeof starts / sizeof *starts; s++) {
        volatile double x = starts[s], prev = x;
        int n = 1000;
        for (int i = 0; i < n; i++) {
            double f4 = (x * 0.5 + 1.0) / 1.0000001;
            prev = x;
            x = f4 + (f4 - x);
        }
        uint64_t in[2] = {bits(starts[s]), (uint64_t)n};
        CHECK_EQ_INT(run(L, in), 0);
        CHECK(out(t, L, 0, 0) == bits(x));
        CHECK_EQ_INT(out(t, L, 0, 1), 0);
        CHECK(out(t, L, 0, 2) == bits(prev));
    }
    release(L, t);
}

static bool ref_fcmp(int op, double a, double b)
{
    switch (op) {
    case 0: return a < b;
    case 1: return a <= b;
    case 2: return a == b;
    case 3: return a != b;
    case 4: return a > b;
    default: return a >= b;
    }
}

TEST(x64_float_comparisons_with_nan)
{
    static const char *const fc[] = {"float_lt", "float_le", "float_eq", "float_ne", "float_gt", "float_ge"};
    const double vals[] = {1.0, 2.0, -0.0, 0.0, INFINITY, -INFINITY, NAN, -NAN};
    const int nv = (int)(sizeof vals / sizeof *vals);
    for (int o = 0; o < 6; o++) {
        /* materialised (setcc) */
        char text[256];
        snprintf(text, sizeof text, "[f0, f1]\ni2 = %s(f0, f1)\ni3 = %s(f0, 1.0)\nfinish(i2, i3)\n",
                 fc[o], fc[o]);
        ir_trace *t;
        jit_loop *L = build(text, NULL, &t, failed_);
        if (!L)
            return;
        for (int i = 0; i < nv; i++)
            for (int j = 0; j < nv; j++) {
                uint64_t in[2] = {bits(vals[i]), bits(vals[j])};
                run(L, in);
                if ((int64_t)out(t, L, 0, 0) != ref_fcmp(o, vals[i], vals[j]) ||
                    (int64_t)out(t, L, 0, 1) != ref_fcmp(o, vals[i], 1.0)) {
                    fprintf(stderr, "  %s(%g, %g) wrong\n", fc[o], vals[i], vals[j]);
                    *failed_ = 1;
                }
            }
        release(L, t);
        /* fused with both guards */
        for (int g = 0; g < 2; g++) {
            snprintf(text, sizeof text, "[f0, f1]\ni2 = %s(f0, f1)\n%s(i2) [f0]\nfinish(f1)\n", fc[o],
                     g ? "guard_true" : "guard_false");
            if (!(L = build(text, NULL, &t, failed_)))
                return;
            for (int i = 0; i < nv; i++)
                for (int j = 0; j < nv; j++) {
                    uint64_t in[2] = {bits(vals[i]), bits(vals[j])};
                    bool c = ref_fcmp(o, vals[i], vals[j]);
                    if (run(L, in) != (c == (g == 0) ? 0 : 1)) {
                        fprintf(stderr, "  %s(%g, %g) fused into %s: wrong exit\n", fc[o],
                                vals[i], vals[j], g ? "guard_true" : "guard_false");
                        *failed_ = 1;
                    }
                }
            release(L, t);
        }
    }
}

TEST(x64_float_unary_and_casts)
{
    ir_trace *t;
    jit_loop *L = build("[f0, i1]\nf2 = float_neg(f0)\nf3 = float_abs(f0)\n"
                        "i4 = cast_float_to_int(f0)\nf5 = cast_int_to_float(i1)\n"
                        "f6 = same_as_f(f0)\nf7 = float_sub(2.0, f0)\nfinish(f2, f3, i4, f5, f6, f7)\n",
                        NULL, &t, failed_);
    if (!L)
        return;
    const double vals[] = {-2.7, 2.7, -0.0, 1e18, -1e18, 0.5, -0.5};
    for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) {
        int64_t n = (int64_t)i * 1000003 - 3;
        uint64_t in[2] = {bits(vals[i]), (uint64_t)n};
        run(L, in);
        CHECK(out(t, L, 0, 0) == bits(-vals[i]));
        CHECK(out(t, L, 0, 1) == bits(fabs(vals[i])));
        CHECK_EQ_INT(out(t, L, 0, 2), (int64_t)vals[i]);
        CHECK(out(t, L, 0, 3) == bits((double)n));
        CHECK(out(t, L, 0, 4) == bits(vals[i]));
        CHECK(out(t, L, 0, 5) == bits(2.0 - vals[i]));
    }
    /* NaN's sign bit flips and clears */
    uint64_t in[2] = {bits(NAN), 0};
    run(L, in);
    CHECK(isnan(as_double(out(t, L, 0, 0))) && signbit(as_double(out(t, L, 0, 0))) != signbit(NAN));
    CHECK(isnan(as_double(out(t, L, 0, 1))) && !signbit(as_double(out(t, L, 0, 1))));
    release(L, t);
}

/* ---- memory ---- */

typedef struct {
    int64_t refcnt;
    void *type;
    int64_t a;
    int32_t b;
    uint32_t c;
    int16_t d;
    uint16_t e;
    int8_t f;
    uint8_t g;
    double x;
    void *p;
} fake_obj;

static char fake_type[64], other_type[64];

#define FIELD(nm, fl, member) \
    {nm, {.kind = IR_DESCR_FIELD, .flag = fl, .offset = offsetof(fake_obj, member), \
          .size = sizeof(((fake_obj *)0)->member), .name = nm}}

static const ir_named_descr obj_descrs[] = {
    FIELD("fa", 'S', a), FIELD("fb", 'S', b), FIELD("fc", 'U', c), FIELD("fd", 'S', d),
    FIELD("fe", 'U', e), FIELD("ff", 'S', f), FIELD("fg", 'U', g), FIELD("fx", 'F', x),
    FIELD("fp", 'P', p), {NULL},
};
static const ir_named_ptr obj_ptrs[] = {{"fake", fake_type}, {"other", other_type}, {NULL}};
static const ir_parse_env obj_env = {obj_descrs, obj_ptrs};

TEST(x64_fields_and_guard_class)
{
    ir_trace *t;
    jit_loop *L = build("[p0, i1]\n"
                        "guard_nonnull(p0) [p0]\n" /* (an empty first snapshot does not parse) */
                        "guard_class(p0, ConstClass(fake)) []\n"
                        "guard_nonnull_class(p0, ConstClass(fake)) []\n"
                        "i2 = getfield_raw_i(p0, descr=fa)\n"
                        "i3 = getfield_gc_i(p0, descr=fb)\n"
                        "i4 = getfield_gc_i(p0, descr=fc)\n"
                        "i5 = getfield_gc_i(p0, descr=fd)\n"
                        "i6 = getfield_gc_i(p0, descr=fe)\n"
                        "i7 = getfield_gc_i(p0, descr=ff)\n"
                        "i8 = getfield_gc_i(p0, descr=fg)\n"
                        "f9 = getfield_raw_f(p0, descr=fx)\n"
                        "p10 = getfield_gc_r(p0, descr=fp)\n"
                        "f11 = getfield_gc_f(p0, descr=fx)\n"
                        "i12 = int_add(i2, i1)\n"
                        "setfield_raw(p0, i12, descr=fa)\n"
                        "setfield_gc(p0, i1, descr=fb)\n"
                        "setfield_gc(p0, i1, descr=fc)\n"
                        "setfield_gc(p0, i1, descr=fd)\n"
                        "setfield_gc(p0, i1, descr=fe)\n"
                        "setfield_gc(p0, i1, descr=ff)\n"
                        "setfield_gc(p0, -3, descr=fg)\n"
                        "f13 = float_mul(f9, 2.0)\n"
                        "setfield_raw(p0, f13, descr=fx)\n"
                        "setfield_gc(p0, p0, descr=fp)\n"
                        "finish(i2, i3, i4, i5, i6, i7, i8, f9, p10, f11)\n", &obj_env, &t, failed_);
    if (!L)
        return;
    fake_obj o = {1, fake_type, -5, -6, 0xfffffff9u, -8, 0xfff7, -10, 0xf5, 1.5, &df};
    uint64_t in[2] = {(uint64_t)(uintptr_t)&o, (uint64_t)0x1234567890LL};
    CHECK_EQ_INT(run(L, in), 3); /* finish */
    CHECK_EQ_INT(out(t, L, 3, 0), -5);
    CHECK_EQ_INT(out(t, L, 3, 1), -6);
    CHECK_EQ_INT(out(t, L, 3, 2), 0xfffffff9u);
    CHECK_EQ_INT(out(t, L, 3, 3), -8);
    CHECK_EQ_INT(out(t, L, 3, 4), 0xfff7);
    CHECK_EQ_INT(out(t, L, 3, 5), -10);
    CHECK_EQ_INT(out(t, L, 3, 6), 0xf5);
    CHECK(out(t, L, 3, 7) == bits(1.5));
    CHECK(out(t, L, 3, 8) == (uint64_t)(uintptr_t)&df);
    CHECK(out(t, L, 3, 9) == bits(1.5));
    CHECK_EQ_INT(o.a, 0x1234567890LL - 5);
    CHECK_EQ_INT(o.b, (int32_t)0x34567890);
    CHECK_EQ_INT(o.c, 0x34567890u);
    CHECK_EQ_INT(o.d, 0x7890);
    CHECK_EQ_INT(o.e, 0x7890);
    CHECK_EQ_INT(o.f, (int8_t)0x90);
    CHECK_EQ_INT(o.g, 0xfd);
    CHECK(o.x == 3.0);
    CHECK(o.p == &o);
    CHECK_EQ_INT(o.refcnt, 1);
    CHECK(o.type == fake_type);
    /* wrong class: guard_class (exit 1) fails */
    o.type = other_type;
    CHECK_EQ_INT(run(L, in), 1);
    /* NULL: guard_nonnull (exit 0) */
    in[0] = 0;
    CHECK_EQ_INT(run(L, in), 0);
    release(L, t);
}

TEST(x64_guard_value_and_isnull)
{
    ir_trace *t;
    jit_loop *L = build("[i0, p1, f2]\n"
                        "guard_value(i0, 123456789012) [i0]\n"
                        "guard_value(p1, ConstPtr(fake)) [p1]\n"
                        "guard_value(f2, 0.25) [f2]\n"
                        "guard_value(i0, i0) []\n"
                        "guard_isnull(0) []\n"
                        "guard_true(1) []\n"
                        "finish(i0)\n", &obj_env, &t, failed_);
    if (!L)
        return;
    uint64_t in[3] = {123456789012ULL, (uint64_t)(uintptr_t)fake_type, bits(0.25)};
    CHECK_EQ_INT(run(L, in), 6);
    in[2] = bits(-0.25);
    CHECK_EQ_INT(run(L, in), 2);
    in[1] = (uint64_t)(uintptr_t)other_type;
    CHECK_EQ_INT(run(L, in), 1);
    CHECK(out(t, L, 1, 0) == (uint64_t)(uintptr_t)other_type);
    in[0] = 5;
    CHECK_EQ_INT(run(L, in), 0);
    CHECK_EQ_INT(out(t, L, 0, 0), 5);
    release(L, t);
    L = build("[p0]\nguard_isnull(p0) [p0]\nfinish()\n", NULL, &t, failed_);
    if (!L)
        return;
    in[0] = 0;
    CHECK_EQ_INT(run(L, in), 1);
    in[0] = 8;
    CHECK_EQ_INT(run(L, in), 0);
    release(L, t);
}

static const ir_named_descr arr_descrs[] = {
    {"a8", {.kind = IR_DESCR_ARRAY, .flag = 'S', .size = 8}},
    {"a4", {.kind = IR_DESCR_ARRAY, .flag = 'S', .size = 4, .offset = 16}},
    {"u2", {.kind = IR_DESCR_ARRAY, .flag = 'U', .size = 2}},
    {"af", {.kind = IR_DESCR_ARRAY, .flag = 'F', .size = 8}},
    {"ap", {.kind = IR_DESCR_ARRAY, .flag = 'P', .size = 8, .offset = 24}},
    {NULL},
};
static const ir_parse_env arr_env = {arr_descrs, NULL};

TEST(x64_arrays_sum_loop)
{
    ir_trace *t;
    jit_loop *L = build("[p0, p1, i2, i3, f4]\n"
                        "label(p0, p1, i2, i3, f4, descr=TargetToken(9))\n"
                        "i5 = getarrayitem_raw_i(p0, i2, descr=a8)\n"
                        "i6 = int_add(i3, i5)\n"
                        "f7 = getarrayitem_raw_f(p1, i2, descr=af)\n"
                        "f8 = float_add(f4, f7)\n"
                        "setarrayitem_raw(p1, i2, f8, descr=af)\n"
                        "setarrayitem_raw(p0, i2, i6, descr=a8)\n"
                        "i9 = int_add(i2, 1)\n"
                        "i10 = int_lt(i9, 10)\n"
                        "guard_true(i10) [i6, f8]\n"
                        "jump(p0, p1, i9, i6, f8, descr=TargetToken(9))\n", &arr_env, &t, failed_);
    if (!L)
        return;
    int64_t a[10];
    double f[10], fr[10];
    int64_t s = 0;
    double fs = 0;
    for (int i = 0; i < 10; i++) {
        a[i] = i * i - 7;
        f[i] = fr[i] = i * 0.1;
    }
    for (int i = 0; i < 10; i++) {
        s += a[i];
        fs += fr[i];
        fr[i] = fs;
    }
    uint64_t in[5] = {(uint64_t)(uintptr_t)a, (uint64_t)(uintptr_t)f, 0, 0, bits(0.0)};
    CHECK_EQ_INT(run(L, in), 0);
    CHECK_EQ_INT(out(t, L, 0, 0), s);
    CHECK(out(t, L, 0, 1) == bits(fs));
    CHECK_EQ_INT(a[9], s);
    CHECK(memcmp(f, fr, sizeof f) == 0);
    release(L, t);
}

TEST(x64_array_sizes_and_arraylen)
{
    ir_trace *t;
    jit_loop *L = build("[p0, i1, p2]\n"
                        "i3 = getarrayitem_gc_i(p0, i1, descr=a4)\n"
                        "i4 = getarrayitem_gc_i(p0, 2, descr=a4)\n"
                        "i5 = getarrayitem_raw_i(p0, i1, descr=u2)\n"
                        "i6 = getarrayitem_raw_i(p0, i1, descr=a8)\n"
                        "setarrayitem_gc(p0, 3, -2, descr=a4)\n"
                        "setarrayitem_gc(p0, i1, 77, descr=u2)\n"
                        "i7 = arraylen_gc(p2, descr=ap)\n"
                        "p8 = getarrayitem_gc_r(p2, 1, descr=ap)\n"
                        "finish(i3, i4, i5, i6, i7, p8)\n", &arr_env, &t, failed_);
    if (!L)
        return;
    uint8_t buf[128];
    for (int i = 0; i < 128; i++)
        buf[i] = (uint8_t)(0x80 + i * 3);
    uint8_t orig[128];
    memcpy(orig, buf, sizeof buf);
    PyObject *tup = Py_BuildValue("(iOi)", 1, Py_None, 3);
    uint64_t in[3] = {(uint64_t)(uintptr_t)buf, 1, (uint64_t)(uintptr_t)tup};
    CHECK_EQ_INT(run(L, in), 0);
    int32_t i32;
    uint16_t u16;
    memcpy(&i32, orig + 16 + 4, 4);
    CHECK_EQ_INT(out(t, L, 0, 0), i32);
    memcpy(&i32, orig + 16 + 8, 4);
    CHECK_EQ_INT(out(t, L, 0, 1), i32);
    memcpy(&u16, orig + 2, 2);
    CHECK_EQ_INT(out(t, L, 0, 2), u16);
    int64_t i64;
    memcpy(&i64, orig + 8, 8);
    CHECK_EQ_INT(out(t, L, 0, 3), i64);
    memcpy(&i32, buf + 16 + 12, 4);
    CHECK_EQ_INT(i32, -2);
    memcpy(&u16, buf + 2, 2);
    CHECK_EQ_INT(u16, 77);
    CHECK_EQ_INT(out(t, L, 0, 4), 3);
    CHECK(out(t, L, 0, 5) == (uint64_t)(uintptr_t)Py_None);
    Py_DECREF(tup);
    release(L, t);
}

/* ---- register pressure and parallel moves ---- */

TEST(x64_many_live_values_spill)
{
    /* 24 ints and 20 floats live across a loop, all rotated by the jump */
    char text[8192];
    int n = 0, NIV = 24, NFV = 20;
    n += snprintf(text + n, sizeof text - (size_t)n, "[i0");
    for (int k = 1; k < NIV; k++)
        n += snprintf(text + n, sizeof text - (size_t)n, ", i%d", k);
    for (int k = 0; k < NFV; k++)
        n += snprintf(text + n, sizeof text - (size_t)n, ", f%d", 100 + k);
    n += snprintf(text + n, sizeof text - (size_t)n, ", i99]\nlabel(i0");
    for (int k = 1; k < NIV; k++)
        n += snprintf(text + n, sizeof text - (size_t)n, ", i%d", k);
    for (int k = 0; k < NFV; k++)
        n += snprintf(text + n, sizeof text - (size_t)n, ", f%d", 100 + k);
    n += snprintf(text + n, sizeof text - (size_t)n, ", i99, descr=TargetToken(5))\n");
    /* new_k = old_{k+1} + k (rotation), floats likewise */
    for (int k = 0; k < NIV; k++)
        n += snprintf(text + n, sizeof text - (size_t)n, "i%d = int_add(i%d, %d)\n", 200 + k, (k + 1) % NIV, k);
    for (int k = 0; k < NFV; k++)
        n += snprintf(text + n, sizeof text - (size_t)n, "f%d = float_add(f%d, %d.0)\n", 300 + k, 100 + (k + 1) % NFV, k);
    n += snprintf(text + n, sizeof text - (size_t)n, "i98 = int_sub(i99, 1)\ni97 = int_gt(i98, 0)\nguard_true(i97) [i98");
    for (int k = 0; k < NIV; k++)
        n += snprintf(text + n, sizeof text - (size_t)n, ", i%d", 200 + k);
    for (int k = 0; k < NFV; k++)
        n += snprintf(text + n, sizeof text - (size_t)n, ", f%d", 300 + k);
    n += snprintf(text + n, sizeof text - (size_t)n, "]\njump(i200");
    for (int k = 1; k < NIV; k++)
        n += snprintf(text + n, sizeof text - (size_t)n, ", i%d", 200 + k);
    for (int k = 0; k < NFV; k++)
        n += snprintf(text + n, sizeof text - (size_t)n, ", f%d", 300 + k);
    snprintf(text + n, sizeof text - (size_t)n, ", i98, descr=TargetToken(5))\n");
    ir_trace *t;
    jit_loop *L = build(text, NULL, &t, failed_);
    if (!L)
        return;
    CHECK(L->nspill > 0);
    int64_t iv[24];
    double fv[20];
    uint64_t in[24 + 20 + 1];
    for (int k = 0; k < NIV; k++)
        in[k] = (uint64_t)(iv[k] = k * 1000);
    for (int k = 0; k < NFV; k++)
        in[NIV + k] = bits(fv[k] = k * 0.5);
    int iters = 37;
    in[NIV + NFV] = (uint64_t)iters;
    for (int it = 0; it < iters; it++) {
        int64_t ni[24];
        double nf[20];
        for (int k = 0; k < NIV; k++)
            ni[k] = iv[(k + 1) % NIV] + k;
        for (int k = 0; k < NFV; k++)
            nf[k] = fv[(k + 1) % NFV] + k;
        memcpy(iv, ni, sizeof iv);
        memcpy(fv, nf, sizeof fv);
    }
    CHECK_EQ_INT(run(L, in), 0);
    CHECK_EQ_INT(out(t, L, 0, 0), 0);
    for (int k = 0; k < NIV; k++)
        CHECK_EQ_INT(out(t, L, 0, 1 + k), iv[k]);
    for (int k = 0; k < NFV; k++)
        CHECK(out(t, L, 0, 1 + NIV + k) == bits(fv[k]));
    release(L, t);
}

TEST(x64_jump_with_swapped_args)
{
    ir_trace *t;
    jit_loop *L = build("[i0, i1, i2, f3, f4, i5]\n"
                        "label(i0, i1, i2, f3, f4, i5, descr=TargetToken(2))\n"
                        "i6 = int_sub(i5, 1)\n"
                        "i7 = int_gt(i6, 0)\n"
                        "guard_true(i7) [i0, i1, i2, f3, f4]\n"
                        "jump(i1, i2, i0, f4, f3, i6, descr=TargetToken(2))\n", NULL, &t, failed_);
    if (!L)
        return;
    for (int n = 1; n <= 7; n++) {
        uint64_t in[6] = {10, 20, 30, bits(1.5), bits(2.5), (uint64_t)n};
        int64_t v[3] = {10, 20, 30};
        double f[2] = {1.5, 2.5};
        for (int i = 1; i < n; i++) { /* the values the last iteration sees */
            int64_t x = v[0];
            v[0] = v[1], v[1] = v[2], v[2] = x;
            double y = f[0];
            f[0] = f[1], f[1] = y;
        }
        CHECK_EQ_INT(run(L, in), 0);
        for (int k = 0; k < 3; k++)
            CHECK_EQ_INT(out(t, L, 0, k), v[k]);
        CHECK(out(t, L, 0, 3) == bits(f[0]));
        CHECK(out(t, L, 0, 4) == bits(f[1]));
    }
    release(L, t);
}

/* ---- calls ---- */

static int64_t c_f3(int64_t a, int64_t b, int64_t c) { return a * 100 + b * 10 + c; }
static double c_fd(double x, int64_t n) { return x * (double)n; }
static int64_t c_many(int64_t a, double x, int64_t b, double y, int64_t c, double z, int64_t d,
                      int64_t e, int64_t f, double w)
{
    return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + (int64_t)(x * 10 + y * 100 + z * 1000 + w * 10000);
}
static int64_t c_nine(int64_t a, int64_t b, int64_t c, int64_t d, int64_t e, int64_t f,
                      int64_t g, int64_t h, int64_t i)
{
    return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g + 8 * h + 9 * i;
}
static int64_t ncalls;
static void c_count(void) { ncalls++; }
/* a callee that trashes every caller-saved register it may */
static double c_trash(double x)
{
    volatile double a[16];
    for (int i = 0; i < 16; i++)
        a[i] = x * i;
    double s = 0;
    for (int i = 0; i < 16; i++)
        s += a[i];
    return s;
}

static const ir_named_descr call_descrs[] = {
    {"d_f3", {.kind = IR_DESCR_CALL, .flag = 'i', .size = 8, .argtypes = "iii"}},
    {"d_fd", {.kind = IR_DESCR_CALL, .flag = 'f', .size = 8, .argtypes = "fi"}},
    {"d_many", {.kind = IR_DESCR_CALL, .flag = 'i', .size = 8, .argtypes = "ifififiiif"}},
    {"d_count", {.kind = IR_DESCR_CALL, .flag = 'v', .size = 0, .argtypes = ""}},
    {"d_trash", {.kind = IR_DESCR_CALL, .flag = 'f', .size = 8, .argtypes = "f"}},
    {"d_nine", {.kind = IR_DESCR_CALL, .flag = 'i', .size = 8, .argtypes = "iiiiiiiii"}},
    {NULL},
};
static ir_named_ptr call_ptrs[7];
static ir_parse_env call_env = {call_descrs, call_ptrs};

static void init_call_env(void)
{
    call_ptrs[0] = (ir_named_ptr){"f3", (void *)(uintptr_t)c_f3};
    call_ptrs[1] = (ir_named_ptr){"fd", (void *)(uintptr_t)c_fd};
    call_ptrs[2] = (ir_named_ptr){"many", (void *)(uintptr_t)c_many};
    call_ptrs[3] = (ir_named_ptr){"count", (void *)(uintptr_t)c_count};
    call_ptrs[4] = (ir_named_ptr){"trash", (void *)(uintptr_t)c_trash};
    call_ptrs[5] = (ir_named_ptr){"nine", (void *)(uintptr_t)c_nine};
}

TEST(x64_call_with_stack_arguments)
{
    /* int args 7..9 go on the stack; their sources include registers that
     * the register arguments overwrite, constants, and values live after
     * the call */
    init_call_env();
    ir_trace *t;
    jit_loop *L = build("[i0, i1, i2, i3]\n"
                        "i4 = int_add(i0, i1)\n"
                        "i5 = call_i(ConstClass(nine), i3, i2, i1, i0, i4, 6, i0, 100000000000, i2, descr=d_nine)\n"
                        "i6 = call_i(ConstClass(nine), i5, i4, i3, i2, i1, i0, i5, i4, i3, descr=d_nine)\n"
                        "finish(i5, i6, i0, i1, i2, i3, i4)\n", &call_env, &t, failed_);
    if (!L)
        return;
    uint64_t in[4] = {1, 2, 3, 4};
    CHECK_EQ_INT(run(L, in), 0);
    int64_t i5 = c_nine(4, 3, 2, 1, 3, 6, 1, 100000000000, 3);
    CHECK_EQ_INT(out(t, L, 0, 0), i5);
    CHECK_EQ_INT(out(t, L, 0, 1), c_nine(i5, 3, 4, 3, 2, 1, i5, 3, 4));
    for (int k = 0; k < 4; k++)
        CHECK_EQ_INT(out(t, L, 0, 2 + k), k + 1);
    CHECK_EQ_INT(out(t, L, 0, 6), 3);
    release(L, t);
}

TEST(x64_calls_with_int_and_float_args)
{
    init_call_env();
    ir_trace *t;
    jit_loop *L = build("[i0, i1, i2, f3]\n"
                        "i4 = call_i(ConstClass(f3), i2, i0, i1, descr=d_f3)\n"
                        "f5 = call_f(ConstClass(fd), f3, i4, descr=d_fd)\n"
                        "i6 = call_i(ConstClass(many), i0, f3, i1, 0.5, i2, f5, 7, i4, i0, 1.0, descr=d_many)\n"
                        "call_n(ConstClass(count), descr=d_count)\n"
                        "finish(i4, f5, i6, i0, i1, i2, f3)\n", &call_env, &t, failed_);
    if (!L)
        return;
    ncalls = 0;
    uint64_t in[4] = {1, 2, 3, bits(0.25)};
    CHECK_EQ_INT(run(L, in), 0);
    int64_t i4 = c_f3(3, 1, 2);
    double f5 = c_fd(0.25, i4);
    CHECK_EQ_INT(out(t, L, 0, 0), i4);
    CHECK(out(t, L, 0, 1) == bits(f5));
    CHECK_EQ_INT(out(t, L, 0, 2), c_many(1, 0.25, 2, 0.5, 3, f5, 7, i4, 1, 1.0));
    CHECK_EQ_INT(out(t, L, 0, 3), 1);
    CHECK_EQ_INT(out(t, L, 0, 4), 2);
    CHECK_EQ_INT(out(t, L, 0, 5), 3);
    CHECK(out(t, L, 0, 6) == bits(0.25));
    CHECK_EQ_INT(ncalls, 1);
    release(L, t);
}

TEST(x64_call_in_loop_keeps_live_values)
{
    init_call_env();
    /* 12 ints and 6 floats live across two calls per iteration */
    ir_trace *t;
    jit_loop *L = build("[i0, i1, i2, i3, i4, i5, i6, i7, i8, i9, i10, i11, f12, f13, f14, f15, f16, f17]\n"
                        "label(i0, i1, i2, i3, i4, i5, i6, i7, i8, i9, i10, i11, f12, f13, f14, f15, f16, f17, descr=TargetToken(4))\n"
                        "i20 = call_i(ConstClass(f3), i1, i2, i3, descr=d_f3)\n"
                        "f21 = call_f(ConstClass(trash), f12, descr=d_trash)\n"
                        "i22 = int_add(i0, i20)\n"
                        "f23 = float_add(f13, f21)\n"
                        "i24 = int_sub(i11, 1)\n"
                        "i25 = int_gt(i24, 0)\n"
                        "guard_true(i25) [i22, i1, i2, i3, i4, i5, i6, i7, i8, i9, i10, i24, f23, f13, f14, f15, f16, f17]\n"
                        "jump(i22, i1, i2, i3, i4, i5, i6, i7, i8, i9, i10, i24, f12, f23, f14, f15, f16, f17, descr=TargetToken(4))\n",
                        &call_env, &t, failed_);
    if (!L)
        return;
    uint64_t in[18];
    for (int k = 0; k < 12; k++)
        in[k] = (uint64_t)(k + 1);
    in[11] = 50;
    for (int k = 0; k < 6; k++)
        in[12 + k] = bits(k + 0.5);
    int64_t acc = 1;
    double facc = 1.5, fprev = 0;
    for (int it = 0; it < 50; it++) {
        acc += c_f3(2, 3, 4);
        fprev = facc;
        facc += c_trash(0.5);
    }
    CHECK_EQ_INT(run(L, in), 0);
    CHECK_EQ_INT(out(t, L, 0, 0), acc);
    for (int k = 1; k < 11; k++)
        CHECK_EQ_INT(out(t, L, 0, k), k + 1);
    CHECK_EQ_INT(out(t, L, 0, 11), 0);
    CHECK(out(t, L, 0, 12) == bits(facc));
    CHECK(out(t, L, 0, 13) == bits(fprev));
    for (int k = 2; k < 6; k++)
        CHECK(out(t, L, 0, 12 + k) == bits(k + 0.5));
    release(L, t);
}

TEST(x64_increment_debug_counter_and_cond_call)
{
    init_call_env();
    static int64_t counter;
    ir_named_ptr ptrs[] = {{"counter", &counter}, {"count", (void *)(uintptr_t)c_count}, {NULL}};
    ir_parse_env env = {call_descrs, ptrs};
    ir_trace *t;
    jit_loop *L = build("[i0]\n"
                        "label(i0, descr=TargetToken(1))\n"
                        "increment_debug_counter(ConstClass(counter))\n"
                        "i1 = int_sub(i0, 1)\n"
                        "i2 = int_and(i1, 1)\n"
                        "cond_call(i2, ConstClass(count), descr=d_count)\n"
                        "guard_true(i1) [i1]\n"
                        "jump(i1, descr=TargetToken(1))\n", &env, &t, failed_);
    if (!L)
        return;
    counter = 0;
    ncalls = 0;
    uint64_t in[1] = {10};
    CHECK_EQ_INT(run(L, in), 0);
    CHECK_EQ_INT(counter, 10);
    CHECK_EQ_INT(ncalls, 5);
    release(L, t);
}

/* ---- reference counts ---- */

TEST(x64_incref_decref)
{
    ir_trace *t;
    jit_loop *L = build("[p0, i1]\n"
                        "label(p0, i1, descr=TargetToken(1))\n"
                        "py_incref(p0)\npy_incref(p0)\npy_decref(p0)\n"
                        "i2 = int_sub(i1, 1)\n"
                        "guard_true(i2) [p0, i2]\n"
                        "jump(p0, i2, descr=TargetToken(1))\n", NULL, &t, failed_);
    if (!L)
        return;
    PyObject *o = PyLong_FromLongLong(123456789012345LL);
    Py_ssize_t before = Py_REFCNT(o);
    uint64_t in[2] = {(uint64_t)(uintptr_t)o, 25};
    CHECK_EQ_INT(run(L, in), 0);
    CHECK_EQ_INT(Py_REFCNT(o), before + 25);
    CHECK(out(t, L, 0, 0) == (uint64_t)(uintptr_t)o);
    for (int i = 0; i < 25; i++)
        Py_DECREF(o);
    CHECK_EQ_INT(Py_REFCNT(o), before);
    Py_DECREF(o);
    release(L, t);
}

TEST(x64_decref_to_zero_deallocates)
{
    /* a list holding x: freeing the list releases x, while loop values
     * (in caller-saved registers too) survive the deallocation call */
    ir_trace *t;
    jit_loop *L = build("[p0, p1, i2, i3, i4, i5, i6, f7]\n"
                        "py_decref(p0)\n"
                        "i8 = int_add(i2, i3)\n"
                        "i9 = int_add(i8, i4)\n"
                        "i10 = int_add(i9, i5)\n"
                        "i11 = int_add(i10, i6)\n"
                        "f12 = float_add(f7, 1.0)\n"
                        "finish(p1, i11, i2, i6, f12, f7)\n", NULL, &t, failed_);
    if (!L)
        return;
    PyObject *x = PyLong_FromLongLong(98765432109876LL);
    PyObject *lst = PyList_New(0);
    PyList_Append(lst, x);
    Py_ssize_t before = Py_REFCNT(x);
    uint64_t in[8] = {(uint64_t)(uintptr_t)lst, (uint64_t)(uintptr_t)x, 1, 2, 3, 4, 5, bits(2.5)};
    CHECK_EQ_INT(run(L, in), 0);
    CHECK_EQ_INT(Py_REFCNT(x), before - 1); /* the list is gone */
    CHECK(out(t, L, 0, 0) == (uint64_t)(uintptr_t)x);
    CHECK_EQ_INT(out(t, L, 0, 1), 15);
    CHECK_EQ_INT(out(t, L, 0, 2), 1);
    CHECK_EQ_INT(out(t, L, 0, 3), 5);
    CHECK(out(t, L, 0, 4) == bits(3.5));
    CHECK(out(t, L, 0, 5) == bits(2.5));
    /* not at zero: nothing freed */
    lst = PyList_New(0);
    PyList_Append(lst, x);
    Py_INCREF(lst);
    in[0] = (uint64_t)(uintptr_t)lst;
    CHECK_EQ_INT(run(L, in), 0);
    CHECK_EQ_INT(Py_REFCNT(lst), 1);
    CHECK_EQ_INT(Py_REFCNT(x), before);
    Py_DECREF(lst);
    Py_DECREF(x);
    release(L, t);
}

TEST(x64_xdecref_null_and_object)
{
    /* py_xdecref: NULL is left alone, an object is released (and freed at
     * zero), like Py_XDECREF */
    ir_trace *t;
    jit_loop *L = build("[p0, p1, i2]\n"
                        "py_xdecref(p0)\n"
                        "py_xdecref(p1)\n"
                        "i3 = int_add(i2, 1)\n"
                        "finish(i3)\n", NULL, &t, failed_);
    if (!L)
        return;
    PyObject *x = PyLong_FromLongLong(98765432109877LL);
    PyObject *lst = PyList_New(0);
    PyList_Append(lst, x);
    Py_INCREF(x);
    Py_ssize_t before = Py_REFCNT(x);
    uint64_t in[3] = {0, (uint64_t)(uintptr_t)x, 41};
    CHECK_EQ_INT(run(L, in), 0);
    CHECK_EQ_INT(Py_REFCNT(x), before - 1);
    CHECK_EQ_INT(out(t, L, 0, 0), 42);
    in[0] = (uint64_t)(uintptr_t)lst;   /* the list's last reference: freed */
    in[1] = 0;
    CHECK_EQ_INT(run(L, in), 0);
    CHECK_EQ_INT(Py_REFCNT(x), before - 2);
    Py_DECREF(x);
    release(L, t);
}

TEST(x64_guard_no_exception)
{
    ir_trace *t;
    jit_loop *L = build("[i0]\nguard_no_exception() [i0]\nfinish(i0)\n", NULL, &t, failed_);
    if (!L)
        return;
    uint64_t in[1] = {4};
    CHECK_EQ_INT(run(L, in), 1);
    PyErr_SetString(PyExc_ValueError, "x");
    CHECK_EQ_INT(run(L, in), 0);
    CHECK_EQ_INT(out(t, L, 0, 0), 4);
    PyErr_Clear();
    release(L, t);
}

/* ---- bridges: a patched guard jump goes to the new target ---- */

TEST(x64_patched_guard_is_taken)
{
    ir_trace *t;
    jit_loop *L = build("[i0]\n"
                        "label(i0, descr=TargetToken(1))\n"
                        "i1 = int_add(i0, 1)\n"
                        "i2 = int_lt(i1, 100)\n"
                        "guard_true(i2) [i1]\n"
                        "jump(i1, descr=TargetToken(1))\n", NULL, &t, failed_);
    if (!L)
        return;
    /* the "bridge": exit number 77 through the loop's common exit path */
    rt_codemem_block *h;
    void *mem = rt_codemem_alloc(64, &h);
    CHECK(mem != NULL);
    x64_buf b;
    x64_buf_init(&b, mem, 64);
    x64_mov32_ri(&b, X64_RAX, 77);
    x64_jmp_addr(&b, (uint8_t *)L->code + L->exit_offset);
    CHECK(x64_ok(&b));
    CHECK_EQ_INT(rt_codemem_seal(h), 0);
    uint64_t in[1] = {0};
    CHECK_EQ_INT(run(L, in), 0);
    CHECK_EQ_INT(jit_exit_patch(L, 0, mem), 0);
    CHECK_EQ_INT(run(L, in), 77);
    /* registers are still stored: the value is where exit 0 says */
    CHECK_EQ_INT(out(t, L, 0, 0), 100);
    /* and back to the stub */
    CHECK_EQ_INT(jit_exit_patch(L, 0, (uint8_t *)L->code + L->exits[0].stub_offset), 0);
    CHECK_EQ_INT(run(L, in), 0);
    rt_codemem_free(h);
    release(L, t);
}

TEST(x64_unsupported_op_is_reported)
{
    ir_trace *t = ir_parse("[p0]\np1 = force_token()\nfinish(p1)\n", NULL, NULL, 0);
    CHECK(t != NULL);
    char err[256];
    CHECK(jit_compile_loop(t, err, sizeof err) == NULL);
    CHECK(strstr(err, "force_token") != NULL);
    ir_trace_free(t);
    t = ir_parse("[i0]\nlabel(i0, descr=TargetToken(1))\njump(i0, descr=TargetToken(2))\n", NULL, NULL, 0);
    CHECK(t != NULL);
    CHECK(jit_compile_loop(t, err, sizeof err) == NULL);
    CHECK(strstr(err, "label") != NULL);
    ir_trace_free(t);
}

/* rsp % 16 at a callee's entry: 8 when the caller kept the ABI's alignment */
int64_t x64_test_rsp_mod16(void);
__asm__(".text\n.globl x64_test_rsp_mod16\nx64_test_rsp_mod16:\n"
        "  mov %rsp, %rax\n  and $15, %rax\n  ret\n");

TEST(x64_calls_keep_the_stack_aligned)
{
    static const ir_named_descr d[] = {
        {"d_rsp", {.kind = IR_DESCR_CALL, .flag = 'i', .size = 8, .argtypes = ""}}, {NULL}};
    ir_named_ptr p[] = {{"rsp", (void *)(uintptr_t)x64_test_rsp_mod16}, {NULL}};
    ir_parse_env env = {d, p};
    /* 0, 1, 2 and 3 values (ints and floats) live across the calls */
    ir_trace *t;
    jit_loop *L = build("[i0, i1, f2, i3]\n"
                        "i4 = call_i(ConstClass(rsp), descr=d_rsp)\n"
                        "i5 = int_add(i0, i1)\n"
                        "i6 = call_i(ConstClass(rsp), descr=d_rsp)\n"
                        "i7 = call_i(ConstClass(rsp), descr=d_rsp)\n"
                        "i8 = int_add(i5, i3)\n"
                        "i9 = call_i(ConstClass(rsp), descr=d_rsp)\n"
                        "finish(i4, i6, i7, i9, i8, i1, f2)\n", &env, &t, failed_);
    if (!L)
        return;
    uint64_t in[4] = {1, 2, bits(0.5), 4};
    CHECK_EQ_INT(run(L, in), 0);
    for (int k = 0; k < 4; k++)
        CHECK_EQ_INT(out(t, L, 0, k), 8);
    CHECK_EQ_INT(out(t, L, 0, 4), 7);
    CHECK_EQ_INT(out(t, L, 0, 5), 2);
    CHECK(out(t, L, 0, 6) == bits(0.5));
    release(L, t);
}
