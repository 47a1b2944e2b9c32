/* opt/pure.c: the "pure" pass -- common-subexpression elimination. A pure
 * op (IR_F_PURE, or a getfield of an immutable field) with the same
 * opnum, descr and args as an earlier one -- args in either order for a
 * COMM op -- is replaced by the earlier result. So is an int_*_ovf
 * followed by guard_no_overflow when an identical one earlier was also
 * guarded by guard_no_overflow (that guard passed: this one would too);
 * the repeated guard goes with it.
 * Not CSE'd: ops whose r result is a new reference (call_pure_r without
 * a borrowed descr), since two calls give two references to release;
 * ops without a result. The table is emptied at each label (new scope). */
#include "opt_rw.h"

#include <stdlib.h>

#define MAXARGS 8 /* ops with more args (long calls) are not CSE'd */

typedef struct {
    ir_ref *slots; /* output ops, IR_NONE = empty */
    int cap, n;
} table;

static bool cseable(const ir_trace *t, ir_ref r)
{
    int opnum = ir_opnum(t, r);
    const ir_opinfo *info = &ir_opinfo_table[opnum];
    const ir_descr *d = ir_op_descr(t, r);
    if (info->type == 'v')
        return false;
    if ((info->flags & IR_F_NEWREF) && !(d && (d->callflags & IR_CALL_BORROWED)))
        return false;
    if (info->flags & (IR_F_PURE | IR_F_OVF))
        return true;
    return (opnum == IR_getfield_gc_i || opnum == IR_getfield_gc_r || opnum == IR_getfield_gc_f) && d && d->pure;
}

static unsigned hash_op(int opnum, int descr, const ir_ref *a, int n, bool comm)
{
    uint64_t h = (uint64_t)opnum * 0x9E3779B97F4A7C15ull ^ (uint64_t)(int64_t)descr;
    for (int i = 0; i < n; i++) {
        /* commutative: combine the two args in an order-free way */
        uint64_t x = comm && n == 2 ? (uint64_t)(int64_t)a[0] * (uint64_t)(int64_t)a[1] + (uint64_t)(int64_t)(a[0] ^ a[1])
                                    : (uint64_t)(int64_t)a[i];
        h = (h ^ x) * 0x100000001B3ull;
        if (comm && n == 2)
            break;
    }
    return (unsigned)(h ^ (h >> 31));
}

/* Does output op v compute opnum(descr, a)? */
static bool same(opt_rw *w, ir_ref v, int opnum, int descr, const ir_ref *a, int n, bool comm)
{
    const ir_trace *o = w->out;
    if (ir_opnum(o, v) != opnum || o->ops[v].descr != descr || ir_nargs(o, v) != n)
        return false;
    bool eq = true;
    for (int i = 0; eq && i < n; i++)
        eq = opt_rw_resolve(w, ir_arg(o, v, i)) == a[i];
    if (!eq && comm && n == 2)
        eq = opt_rw_resolve(w, ir_arg(o, v, 0)) == a[1] && opt_rw_resolve(w, ir_arg(o, v, 1)) == a[0];
    return eq;
}

/* Finds an earlier op computing opnum(descr, a), or adds v (when v is an
 * op) for later lookups. Returns the earlier op or IR_NONE. */
static ir_ref lookup(opt_rw *w, table *tb, int opnum, int descr, const ir_ref *a, int n, ir_ref add)
{
    bool comm = (ir_opinfo_table[opnum].flags & IR_F_COMM) != 0;
    if (2 * (tb->n + 1) > tb->cap) {
        int cap = tb->cap ? 2 * tb->cap : 64;
        ir_ref *s = malloc((size_t)cap * sizeof *s);
        if (s == NULL) {
            w->oom = true;
            return IR_NONE;
        }
        for (int i = 0; i < cap; i++)
            s[i] = IR_NONE;
        for (int i = 0; i < tb->cap; i++) { /* rehash from the ops' own args */
            ir_ref v = tb->slots[i];
            if (v == IR_NONE)
                continue;
            ir_ref b[MAXARGS];
            int m = ir_nargs(w->out, v);
            for (int k = 0; k < m; k++)
                b[k] = opt_rw_resolve(w, ir_arg(w->out, v, k));
            unsigned j = hash_op(ir_opnum(w->out, v), w->out->ops[v].descr, b, m, (ir_opinfo_table[ir_opnum(w->out, v)].flags & IR_F_COMM) != 0);
            while (s[j & (unsigned)(cap - 1)] != IR_NONE)
                j++;
            s[j & (unsigned)(cap - 1)] = v;
        }
        free(tb->slots);
        tb->slots = s;
        tb->cap = cap;
    }
    unsigned mask = (unsigned)(tb->cap - 1), j = hash_op(opnum, descr, a, n, comm) & mask;
    for (; tb->slots[j] != IR_NONE; j = (j + 1) & mask)
        if (same(w, tb->slots[j], opnum, descr, a, n, comm))
            return tb->slots[j];
    if (ir_is_op(add)) {
        tb->slots[j] = add;
        tb->n++;
    }
    return IR_NONE;
}

static void clear(table *tb)
{
    for (int i = 0; i < tb->cap; i++)
        tb->slots[i] = IR_NONE;
    tb->n = 0;
}

int opt_pure(const ir_trace *in, ir_trace **out, const opt_ctx *ctx)
{
    opt_rw w;
    table tb = {0};
    if (opt_rw_init(&w, in, ctx) == 0) {
        for (ir_ref r = ir_first(in); r < in->nops && !w.oom; r++) {
            int opnum = ir_opnum(in, r), n = ir_nargs(in, r);
            bool ovf = (ir_opinfo_table[opnum].flags & IR_F_OVF) != 0;
            if (opnum == IR_label) {
                opt_rw_label(&w, r);
                clear(&tb);
                continue;
            }
            /* an ovf op counts only with guard_no_overflow after it */
            if (!cseable(in, r) || n > MAXARGS
                || (ovf && (r + 1 >= in->nops || ir_opnum(in, r + 1) != IR_guard_no_overflow))) {
                opt_rw_copy(&w, r);
                continue;
            }
            ir_ref a[MAXARGS];
            for (int i = 0; i < n; i++)
                a[i] = opt_rw_arg(&w, r, i);
            int descr = in->ops[r].descr >= 0 ? w.dmap[in->ops[r].descr] : -1;
            ir_ref prev = lookup(&w, &tb, opnum, descr, a, n, IR_NONE);
            if (prev != IR_NONE) {
                opt_rw_replace(&w, r, prev);
                OPT_COUNT(&w, cse);
                if (ovf) /* its guard_no_overflow: the earlier one passed */
                    opt_rw_drop(&w, ++r);
                continue;
            }
            lookup(&w, &tb, opnum, descr, a, n, opt_rw_copy_args(&w, r, a));
        }
    }
    free(tb.slots);
    return opt_rw_finish(&w, out);
}
