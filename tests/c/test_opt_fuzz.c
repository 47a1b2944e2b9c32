/* tests/c/test_opt_fuzz: differential testing of the optimiser. Random
 * integer traces (straight-line or a loop with a label and a jump) are run
 * by a small reference evaluator before and after each pass and opt_run;
 * the outcome must be identical: the same finish values, or the same
 * guard exit (identified by its snapshot's pc) with the same snapshot
 * values, or the same values at the jump after a few iterations. This
 * checks folding against an independent evaluation, and that every
 * snapshot slot was rewritten to an equal value. */
#include "test_opt.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    uint64_t s;
} rng;

static uint64_t next(rng *g)
{
    g->s ^= g->s << 13;
    g->s ^= g->s >> 7;
    g->s ^= g->s << 17;
    return g->s;
}
static int pick(rng *g, int n) { return (int)(next(g) % (uint64_t)n); }

static const int64_t interesting[] = {0, 1, -1, 2, 3, 5, 10, 99, 100, -100, 255, 256,
                                      INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1};
#define NINTERESTING ((int)(sizeof interesting / sizeof *interesting))

/* ---- the reference evaluator ---- */

typedef struct {
    int kind; /* 0 finish, 1 guard exit, 2 still looping */
    int pc, n;
    int64_t v[64];
} outcome;

static int64_t val(const ir_trace *t, const int64_t *vals, ir_ref r)
{
    return ir_is_const(r) ? ir_const_at(t, r)->v.i : vals[r];
}

static int64_t floordiv(int64_t x, int64_t y)
{
    int64_t q = x / y;
    return (x % y != 0 && ((x < 0) != (y < 0))) ? q - 1 : q;
}

/* Runs t on inputs. With fix, a failing guard is turned into one that
 * passes (as if the trace had been recorded on these inputs). */
static void eval(ir_trace *t, const int64_t *inputs, outcome *o, bool fix)
{
    int64_t *vals = calloc((size_t)t->nops + 1, sizeof *vals);
    bool ovf = false;
    int label = -1, iterations = 0;
    memset(o, 0, sizeof *o);
    for (ir_ref r = 0; r < t->ninputs; r++)
        vals[r] = inputs[r];
    for (ir_ref r = ir_first(t); r < t->nops; r++) {
        int op = ir_opnum(t, r), n = ir_nargs(t, r);
        int64_t x = n > 0 ? val(t, vals, ir_arg(t, r, 0)) : 0, y = n > 1 ? val(t, vals, ir_arg(t, r, 1)) : 0, z = 0;
        uint64_t ux = (uint64_t)x, uy = (uint64_t)y;
        bool pass = true;
        switch (op) {
        case IR_int_add: z = (int64_t)(ux + uy); break;
        case IR_int_sub: z = (int64_t)(ux - uy); break;
        case IR_int_mul: z = (int64_t)(ux * uy); break;
        case IR_int_and: z = x & y; break;
        case IR_int_or: z = x | y; break;
        case IR_int_xor: z = x ^ y; break;
        case IR_int_lshift: z = (int64_t)(ux << (y & 63)); break;
        case IR_int_rshift: z = x >> (y & 63); break;
        case IR_uint_rshift: z = (int64_t)(ux >> (y & 63)); break;
        case IR_int_neg: z = (int64_t)(0 - ux); break;
        case IR_int_invert: z = ~x; break;
        case IR_int_force_ge_zero: z = x < 0 ? 0 : x; break;
        case IR_int_py_div: z = floordiv(x, y); break;
        case IR_int_py_mod: z = (int64_t)(ux - (uint64_t)floordiv(x, y) * uy); break;
        case IR_int_lt: z = x < y; break;
        case IR_int_le: z = x <= y; break;
        case IR_int_eq: z = x == y; break;
        case IR_int_ne: z = x != y; break;
        case IR_int_gt: z = x > y; break;
        case IR_int_ge: z = x >= y; break;
        case IR_uint_lt: z = ux < uy; break;
        case IR_uint_le: z = ux <= uy; break;
        case IR_uint_gt: z = ux > uy; break;
        case IR_uint_ge: z = ux >= uy; break;
        case IR_int_is_true: z = x != 0; break;
        case IR_int_is_zero: z = x == 0; break;
        case IR_same_as_i: z = x; break;
        case IR_int_add_ovf: ovf = __builtin_add_overflow(x, y, &z); break;
        case IR_int_sub_ovf: ovf = __builtin_sub_overflow(x, y, &z); break;
        case IR_int_mul_ovf: ovf = __builtin_mul_overflow(x, y, &z); break;
        case IR_guard_true: pass = x != 0; break;
        case IR_guard_false: pass = x == 0; break;
        case IR_guard_value: pass = x == y; break;
        case IR_guard_no_overflow: pass = !ovf; break;
        case IR_guard_overflow: pass = ovf; break;
        case IR_label: label = r; break;
        case IR_finish:
        case IR_jump:
            o->n = n;
            for (int i = 0; i < n; i++)
                o->v[i] = val(t, vals, ir_arg(t, r, i));
            if (op == IR_finish || ++iterations == 4) {
                o->kind = op == IR_finish ? 0 : 2;
                free(vals);
                return;
            }
            for (int i = 0; i < n; i++) /* into the label's boxes */
                vals[ir_arg(t, label, i)] = o->v[i];
            r = label;
            continue;
        default:
            break;
        }
        vals[r] = z;
        if (!pass && fix) {
            static const int flip[][2] = {{IR_guard_true, IR_guard_false}, {IR_guard_no_overflow, IR_guard_overflow}};
            for (int i = 0; i < 2; i++)
                for (int j = 0; j < 2; j++)
                    if (op == flip[i][j])
                        t->ops[r].opnum = (uint16_t)flip[i][!j];
            if (op == IR_guard_value)
                ir_set_arg(t, r, 1, ir_const_int(t, x));
            continue;
        }
        if (!pass) {
            const ir_frame *fr = ir_snap_frame_at(t, t->ops[r].snap, 0);
            o->kind = 1;
            o->pc = fr->pc;
            o->n = fr->nslots;
            for (int i = 0; i < fr->nslots; i++)
                o->v[i] = ir_frame_slots(t, fr)[i].ref == IR_NONE ? 12345 : val(t, vals, ir_frame_slots(t, fr)[i].ref);
            break;
        }
    }
    free(vals);
}

/* ---- the generator ---- */

typedef struct {
    ir_trace *t;
    rng *g;
    ir_ref avail[256];
    int navail, pc;
} gen;

static ir_ref any(gen *G)
{
    if (pick(G->g, 4) == 0)
        return ir_const_int(G->t, interesting[pick(G->g, NINTERESTING)]);
    return G->avail[pick(G->g, G->navail)];
}

static void add(gen *G, ir_ref v)
{
    if (G->navail < 256 && v != IR_NONE)
        G->avail[G->navail++] = v;
}

static int snap(gen *G)
{
    ir_snap_begin(G->t);
    int n = pick(G->g, 4);
    ir_slot *s = ir_snap_frame(G->t, NULL, G->pc++, n + 1);
    for (int i = 0; i < n; i++)
        s[i] = (ir_slot){G->avail[pick(G->g, G->navail)], IR_BOX_INT};
    s[n] = (ir_slot){IR_NONE, IR_BOX_NONE};
    return ir_snap_end(G->t);
}

static void random_op(gen *G)
{
    static const int binary[] = {IR_int_add, IR_int_sub, IR_int_mul, IR_int_and, IR_int_or, IR_int_xor};
    static const int unary[] = {IR_int_neg, IR_int_invert, IR_int_force_ge_zero, IR_same_as_i, IR_int_is_true, IR_int_is_zero};
    static const int cmps[] = {IR_int_lt, IR_int_le, IR_int_eq, IR_int_ne, IR_int_gt, IR_int_ge,
                               IR_uint_lt, IR_uint_le, IR_uint_gt, IR_uint_ge};
    static const int ovfs[] = {IR_int_add_ovf, IR_int_sub_ovf, IR_int_mul_ovf};
    static const int64_t divisors[] = {2, 3, 7, -2, -5, 256};
    ir_trace *t = G->t;
    int k = pick(G->g, 20);
    if (k < 7) {
        add(G, IR_EMIT(t, binary[pick(G->g, 6)], -1, any(G), any(G)));
    } else if (k < 9) {
        add(G, IR_EMIT(t, unary[pick(G->g, 6)], -1, any(G)));
    } else if (k < 10) {
        int op = pick(G->g, 2) ? IR_int_py_div : IR_int_py_mod;
        add(G, IR_EMIT(t, op, -1, any(G), ir_const_int(t, divisors[pick(G->g, 6)])));
    } else if (k < 11) {
        int op = (int[]){IR_int_lshift, IR_int_rshift, IR_uint_rshift}[pick(G->g, 3)];
        add(G, IR_EMIT(t, op, -1, any(G), ir_const_int(t, pick(G->g, 64))));
    } else if (k < 13) {
        int s = snap(G);
        ir_ref v = IR_EMIT(t, ovfs[pick(G->g, 3)], -1, any(G), any(G));
        IR_GUARD0(t, pick(G->g, 10) ? IR_guard_no_overflow : IR_guard_overflow, s);
        add(G, v);
    } else if (k < 17) {
        ir_ref c = IR_EMIT(t, cmps[pick(G->g, 10)], -1, any(G), any(G));
        add(G, c);
        /* guards mostly pass: guard what the comparison said on the inputs
         * seen so far is unknowable here, so pick either side */
        IR_GUARD(t, pick(G->g, 2) ? IR_guard_true : IR_guard_false, snap(G), c);
    } else if (k < 18) {
        IR_GUARD(t, IR_guard_value, snap(G), any(G), ir_const_int(t, interesting[pick(G->g, 6)]));
    } else {
        IR_GUARD(t, pick(G->g, 2) ? IR_guard_true : IR_guard_false, snap(G), any(G));
    }
}

static ir_trace *generate(rng *g, bool loop)
{
    gen G = {ir_trace_new(), g, {0}, 0, 1};
    int ninputs = 1 + pick(g, 4);
    for (int i = 0; i < ninputs; i++)
        add(&G, ir_input(G.t, 'i'));
    int pre = loop ? pick(g, 5) : 0, body = 3 + pick(g, 20);
    for (int i = 0; i < pre; i++)
        random_op(&G);
    ir_ref args[8];
    int nargs = 0;
    if (loop) { /* label(distinct values); after it only they are visible */
        ir_ref label[8];
        int n = 1 + pick(g, 4);
        for (int i = 0; i < n; i++) {
            ir_ref v = G.avail[pick(g, G.navail)];
            bool dup = false;
            for (int j = 0; j < nargs; j++)
                dup |= label[j] == v;
            if (!dup)
                label[nargs++] = v;
        }
        ir_emit(G.t, IR_label, label, nargs, -1);
        G.navail = 0;
        for (int i = 0; i < nargs; i++)
            add(&G, label[i]);
    }
    for (int i = 0; i < body; i++)
        random_op(&G);
    if (loop) {
        for (int i = 0; i < nargs; i++)
            args[i] = G.avail[pick(g, G.navail)];
        ir_emit(G.t, IR_jump, args, nargs, -1);
    } else {
        nargs = 1 + pick(g, 4);
        for (int i = 0; i < nargs; i++)
            args[i] = any(&G);
        ir_emit(G.t, IR_finish, args, nargs, -1);
    }
    return G.t;
}

static bool same_outcome(const outcome *a, const outcome *b)
{
    return a->kind == b->kind && a->pc == b->pc && a->n == b->n && memcmp(a->v, b->v, (size_t)a->n * sizeof(int64_t)) == 0;
}

TEST(opt_fuzz_passes_preserve_outcomes)
{
    static const struct {
        const char *name;
        opt_pass_fn fn;
    } passes[] = {{"rewrite", opt_rewrite}, {"intbounds", opt_intbounds}, {"pure", opt_pure}, {"dce", opt_dce}, {"all", NULL}};
    rng g = {0x9E3779B97F4A7C15ull};
    int checked = 0, exits = 0;
    for (int iter = 0; iter < 3000 && !*failed_; iter++) {
        ir_trace *in = generate(&g, iter % 2 == 1);
        int64_t ref[4];
        for (int i = 0; i < 4; i++)
            ref[i] = interesting[pick(&g, NINTERESTING)];
        outcome o;
        eval(in, ref, &o, true);
        char err[256];
        if (ir_verify(in, err, sizeof err) < 0) {
            fprintf(stderr, "  generator made a bad trace: %s\n", err);
            *failed_ = 1;
        }
        for (size_t p = 0; p < sizeof passes / sizeof *passes && !*failed_; p++) {
            ir_trace *out = NULL;
            opt_ctx ctx = {OPT_ALL, NULL};
            int rc = passes[p].fn ? passes[p].fn(in, &out, &ctx) : opt_run(in, OPT_ALL, &out, NULL, err, sizeof err);
            if (rc < 0 || ir_verify(out, err, sizeof err) < 0) {
                fprintf(stderr, "  %s failed or does not verify: %s\n", passes[p].name, rc < 0 ? "" : err);
                *failed_ = 1;
            }
            for (int k = 0; k < 24 && !*failed_; k++) {
                /* the recorded inputs, a variation, or random ones */
                int64_t inputs[4];
                for (int i = 0; i < 4; i++)
                    inputs[i] = k % 3 == 0 || (k % 3 == 1 && pick(&g, 2)) ? ref[i]
                                : pick(&g, 3)                            ? interesting[pick(&g, NINTERESTING)]
                                                                         : (int64_t)next(&g) >> pick(&g, 64);
                outcome a, b;
                eval(in, inputs, &a, false);
                eval(out, inputs, &b, false);
                checked++;
                exits += a.kind == 1;
                if (!same_outcome(&a, &b)) {
                    char *ti = ir_print(in, 0), *to = ir_print(out, 0);
                    fprintf(stderr, "  %s changed the outcome (kind %d pc %d vs kind %d pc %d) for inputs %lld %lld %lld %lld\n%s  ->\n%s",
                            passes[p].name, a.kind, a.pc, b.kind, b.pc, (long long)inputs[0], (long long)inputs[1],
                            (long long)inputs[2], (long long)inputs[3], ti, to);
                    free(ti);
                    free(to);
                    *failed_ = 1;
                }
            }
            ir_trace_free(out);
        }
        ir_trace_free(in);
    }
    fprintf(stderr, "  %d runs, %d guard exits\n", checked, exits);
    /* the generator must reach both guard exits and ends */
    CHECK(exits > checked / 10 && exits < checked * 9 / 10);
}
