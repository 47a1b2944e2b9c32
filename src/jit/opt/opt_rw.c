/* opt/opt_rw.c: the rewriter under every pass -- builds the output trace
 * from the input one through an in->out value map plus forwarding, keeps
 * the facts per output op, translates snapshots, handles labels. */
#include "opt_rw.h"

#include <stdlib.h>
#include <string.h>

/* Facts that hold for an op by what it is, whatever its args. */
static opt_facts default_facts(const ir_trace *t, ir_ref v)
{
    opt_facts f = {IR_NONE, INT64_MIN, INT64_MAX, 0, false};
    const ir_op *op = ir_op_at(t, v);
    if (ir_opinfo_table[op->opnum].flags & IR_F_CMP) {
        f.lo = 0;
        f.hi = 1;
    } else if (ir_opinfo_table[op->opnum].flags & IR_F_ALLOC) {
        const ir_descr *d = ir_op_descr(t, v);
        f.nonnull = true;
        if (op->opnum == IR_new_with_vtable && d && d->ptr)
            f.cls = (int64_t)(intptr_t)d->ptr;
    }
    return f;
}

/* Grows fwd/facts to cover every output op, initialising new entries. */
static bool sync(opt_rw *w)
{
    int n = w->out->nops;
    if (n > w->cap) {
        int cap = w->cap ? w->cap : 64;
        while (cap < n)
            cap *= 2;
        ir_ref *fwd = realloc(w->fwd, (size_t)cap * sizeof *fwd);
        if (fwd)
            w->fwd = fwd;
        opt_facts *facts = realloc(w->facts, (size_t)cap * sizeof *facts);
        if (facts)
            w->facts = facts;
        if (!fwd || !facts) {
            w->oom = true;
            return false;
        }
        for (int i = w->cap; i < cap; i++)
            w->fwd[i] = IR_NONE;
        w->cap = cap;
    }
    for (int i = n - 1; i >= 0 && w->fwd[i] == IR_NONE; i--) {
        w->fwd[i] = i;
        w->facts[i] = default_facts(w->out, i);
    }
    return true;
}

int opt_rw_init(opt_rw *w, const ir_trace *in, const opt_ctx *ctx)
{
    memset(w, 0, sizeof *w);
    w->in = in;
    w->ctx = ctx;
    w->out = ir_trace_new();
    w->map = malloc(((size_t)in->nops + 1) * sizeof *w->map);
    w->cmap = malloc(((size_t)in->nconsts + 1) * sizeof *w->cmap);
    w->dmap = malloc(((size_t)in->ndescrs + 1) * sizeof *w->dmap);
    w->smap = malloc(((size_t)in->nsnaps + 1) * sizeof *w->smap);
    w->sgen = malloc(((size_t)in->nsnaps + 1) * sizeof *w->sgen);
    if (!w->out || !w->map || !w->cmap || !w->dmap || !w->smap || !w->sgen) {
        w->oom = true;
        return -1;
    }
    for (int k = 0; k < in->nconsts; k++) {
        const ir_const *c = &in->consts[k];
        ir_ref r;
        if (c->type == 'f')
            r = ir_const_float(w->out, c->v.f);
        else if (c->type == 'r')
            r = c->name ? ir_const_ptr_named(w->out, c->v.p, c->name) : ir_const_ptr(w->out, c->v.p);
        else
            r = c->name ? ir_const_class(w->out, (void *)(intptr_t)c->v.i, c->name) : ir_const_int(w->out, c->v.i);
        w->cmap[k] = r;
    }
    for (int d = 0; d < in->ndescrs; d++)
        w->dmap[d] = ir_descr_add(w->out, &in->descrs[d]);
    for (int s = 0; s < in->nsnaps; s++)
        w->smap[s] = -1;
    for (ir_ref r = 0; r < in->nops; r++)
        w->map[r] = IR_NONE;
    for (ir_ref r = 0; r < in->ninputs; r++) {
        w->map[r] = ir_input(w->out, ir_ref_type(in, r));
        if (w->map[r] != IR_NONE)
            w->out->ops[w->map[r]].vnum = in->ops[r].vnum;
    }
    w->out->next_vnum = in->next_vnum;
    sync(w);
    return ir_failed(w->out) || w->oom ? -1 : 0;
}

int opt_rw_finish(opt_rw *w, ir_trace **out)
{
    bool ok = !w->oom && w->out && !ir_failed(w->out);
    free(w->map);
    free(w->cmap);
    free(w->dmap);
    free(w->smap);
    free(w->sgen);
    free(w->fwd);
    free(w->facts);
    if (!ok) {
        ir_trace_free(w->out);
        w->out = NULL;
    }
    *out = w->out;
    return ok ? 0 : -1;
}

/* ---- values ---- */

ir_ref opt_rw_resolve(opt_rw *w, ir_ref v)
{
    while (ir_is_op(v) && v < w->cap && w->fwd[v] != v && w->fwd[v] != IR_NONE)
        v = w->fwd[v];
    return v;
}

ir_ref opt_rw_get(opt_rw *w, ir_ref r)
{
    if (ir_is_const(r))
        return w->cmap[IR_CONST_INDEX(r)];
    if (!ir_is_op(r))
        return IR_NONE;
    if (w->map[r] == IR_NONE) /* a use of a dropped value: a pass bug */
        w->oom = true;
    return opt_rw_resolve(w, w->map[r]);
}

/* ---- emission ---- */

static int translate_snap(opt_rw *w, int s)
{
    if (s < 0)
        return -1;
    if (w->smap[s] >= 0 && w->sgen[s] == w->gen)
        return w->smap[s]; /* shared by consecutive guards, nothing learned since */
    const ir_trace *in = w->in;
    ir_snap_begin(w->out);
    for (uint32_t f = 0; f < in->snaps[s].nframes; f++) {
        const ir_frame *fr = ir_snap_frame_at(in, s, (int)f);
        const ir_slot *src = ir_frame_slots(in, fr);
        ir_slot *dst = ir_snap_frame(w->out, fr->code, fr->pc, fr->nslots);
        if (dst == NULL)
            return -1;
        ir_snap_frame_flags(w->out, fr->flags);
        for (int i = 0; i < fr->nslots; i++) {
            ir_ref v = src[i].ref;
            if (src[i].kind == IR_BOX_OWNED && ir_is_op(v)) {
                v = w->map[v]; /* the owned reference itself, not an equal constant */
                if (v == IR_NONE)
                    w->oom = true;
            } else {
                v = opt_rw_get(w, v);
            }
            dst[i] = (ir_slot){v, src[i].kind};
        }
    }
    w->sgen[s] = w->gen;
    return w->smap[s] = ir_snap_end(w->out);
}

/* Emits opnum with args standing for input op r (or nothing when r < 0). */
static ir_ref emit(opt_rw *w, ir_ref r, int opnum, const ir_ref *args, int nargs, int descr)
{
    const ir_trace *in = w->in;
    const ir_op *src = r >= 0 ? ir_op_at(in, r) : NULL;
    ir_ref o;
    if (src && opnum == IR_debug_merge_point) {
        const ir_dbg *d = ir_op_dbg(in, r);
        o = ir_debug_merge_point(w->out, d ? d->code : NULL, d ? d->pc : -1, d ? d->call_depth : 0,
                                 d ? d->call_id : 0, d ? d->repr : "");
    } else if (ir_opinfo_table[opnum].flags & IR_F_GUARD) {
        int snap = src ? translate_snap(w, src->snap) : -1;
        o = ir_emit_guard(w->out, opnum, args, nargs, snap);
        if (o != IR_NONE)
            w->out->ops[o].descr = descr;
    } else {
        o = ir_emit(w->out, opnum, args, nargs, descr);
    }
    if (o == IR_NONE || !sync(w)) {
        w->oom = true;
        return IR_NONE;
    }
    /* keep the input's name when the result is of the same kind */
    if (src && src->vnum >= 0 && ir_opinfo_table[opnum].type == ir_opinfo_table[src->opnum].type)
        w->out->ops[o].vnum = src->vnum;
    if (r >= 0)
        w->map[r] = o;
    return o;
}

ir_ref opt_rw_copy_args(opt_rw *w, ir_ref r, const ir_ref *args)
{
    const ir_op *op = ir_op_at(w->in, r);
    return emit(w, r, op->opnum, args, op->nargs, op->descr >= 0 ? w->dmap[op->descr] : -1);
}

ir_ref opt_rw_copy(opt_rw *w, ir_ref r)
{
    int n = ir_nargs(w->in, r);
    ir_ref stack[16] = {0}, *args = n <= 16 ? stack : malloc((size_t)n * sizeof *args);
    if (args == NULL) {
        w->oom = true;
        return IR_NONE;
    }
    for (int i = 0; i < n; i++)
        args[i] = opt_rw_arg(w, r, i);
    ir_ref o = opt_rw_copy_args(w, r, args);
    if (args != stack)
        free(args);
    return o;
}

ir_ref opt_rw_emit(opt_rw *w, ir_ref r, int opnum, const ir_ref *args, int nargs)
{
    return emit(w, r, opnum, args, nargs, -1);
}

void opt_rw_replace(opt_rw *w, ir_ref r, ir_ref v)
{
    w->map[r] = opt_rw_resolve(w, v);
}

void opt_rw_drop(opt_rw *w, ir_ref r)
{
    w->map[r] = IR_NONE;
}

void opt_rw_label(opt_rw *w, ir_ref r)
{
    const ir_trace *in = w->in;
    int n = ir_nargs(in, r);
    ir_ref *boxes = malloc(((size_t)n + 1) * sizeof *boxes);
    if (boxes == NULL) {
        w->oom = true;
        return;
    }
    for (int i = 0; i < n; i++) {
        ir_ref v = opt_rw_arg(w, r, i);
        bool fresh = ir_is_op(v);
        for (int j = 0; fresh && j < i; j++)
            fresh = boxes[j] != v;
        if (!fresh) { /* a constant, or a value already passed: give it its own box */
            char ty = ir_ref_type(w->out, v);
            int opnum = ty == 'i' ? IR_same_as_i : ty == 'f' ? IR_same_as_f : IR_same_as_r;
            v = opt_rw_emit(w, -1, opnum, &v, 1);
        }
        boxes[i] = v;
    }
    /* new scope: forget every fact, even what an op's kind says: the
     * boxes get new values from the jump */
    for (ir_ref v = 0; v < w->out->nops; v++)
        w->facts[v] = (opt_facts){IR_NONE, INT64_MIN, INT64_MAX, 0, false};
    for (int s = 0; s < in->nsnaps; s++)
        w->smap[s] = -1;
    const ir_op *op = ir_op_at(in, r);
    w->scope = emit(w, r, IR_label, boxes, n, op->descr >= 0 ? w->dmap[op->descr] : -1);
    for (int i = 0; i < n; i++)
        if (ir_is_op(ir_arg(in, r, i)))
            w->map[ir_arg(in, r, i)] = boxes[i];
    free(boxes);
}

/* ---- facts ---- */

int64_t opt_rw_const_int(opt_rw *w, ir_ref c)
{
    const ir_const *k = ir_const_at(w->out, c);
    return k->type == 'r' ? (int64_t)(intptr_t)k->v.p : k->v.i;
}

bool opt_rw_is_const_int(opt_rw *w, ir_ref v, int64_t value)
{
    return ir_is_const(v) && ir_const_at(w->out, v)->type == 'i' && ir_const_at(w->out, v)->v.i == value;
}

opt_facts opt_rw_facts(opt_rw *w, ir_ref v)
{
    v = opt_rw_resolve(w, v);
    if (ir_is_op(v))
        return w->facts[v];
    opt_facts f = {v, INT64_MIN, INT64_MAX, 0, false};
    if (ir_is_const(v)) {
        const ir_const *k = ir_const_at(w->out, v);
        if (k->type == 'i')
            f.lo = f.hi = k->v.i;
        else if (k->type == 'r')
            f.nonnull = k->v.p != NULL;
    }
    return f;
}

void opt_rw_learn_const(opt_rw *w, ir_ref v, ir_ref c)
{
    v = opt_rw_resolve(w, v);
    if (ir_is_op(v) && ir_is_const(c) && ir_ref_type(w->out, v) == ir_ref_type(w->out, c)) {
        w->fwd[v] = c;
        w->gen++;
    }
}

void opt_rw_learn_bounds(opt_rw *w, ir_ref v, int64_t lo, int64_t hi)
{
    v = opt_rw_resolve(w, v);
    if (!ir_is_op(v) || ir_ref_type(w->out, v) != 'i')
        return;
    opt_facts *f = &w->facts[v];
    lo = lo > f->lo ? lo : f->lo;
    hi = hi < f->hi ? hi : f->hi;
    if (lo > hi)
        return;
    if (lo == hi) {
        opt_rw_learn_const(w, v, ir_const_int(w->out, lo));
        return;
    }
    f->lo = lo;
    f->hi = hi;
}

void opt_rw_learn_class(opt_rw *w, ir_ref v, int64_t cls)
{
    v = opt_rw_resolve(w, v);
    if (ir_is_op(v)) {
        w->facts[v].cls = cls;
        w->facts[v].nonnull = true;
    }
}

void opt_rw_learn_nonnull(opt_rw *w, ir_ref v)
{
    v = opt_rw_resolve(w, v);
    if (ir_is_op(v))
        w->facts[v].nonnull = true;
}

/* ---- guards ---- */

static bool const_null(opt_rw *w, ir_ref v)
{
    return ir_is_const(v) && ir_const_at(w->out, v)->type == 'r' && ir_const_at(w->out, v)->v.p == NULL;
}

int opt_rw_guard_outcome(opt_rw *w, ir_ref r)
{
    int opnum = ir_opnum(w->in, r);
    if (ir_nargs(w->in, r) == 0)
        return 0;
    ir_ref x = opt_rw_arg(w, r, 0);
    opt_facts f = opt_rw_facts(w, x);
    switch (opnum) {
    case IR_guard_true:
    case IR_guard_false: {
        int sign = opnum == IR_guard_true ? 1 : -1;
        if (f.lo > 0 || f.hi < 0)
            return sign;
        if (f.lo == 0 && f.hi == 0)
            return -sign;
        return 0;
    }
    case IR_guard_value: {
        ir_ref c = opt_rw_arg(w, r, 1);
        if (!ir_is_const(c))
            return 0;
        const ir_const *kc = ir_const_at(w->out, c);
        if (ir_is_const(x)) {
            const ir_const *kx = ir_const_at(w->out, x);
            if (kx->type == 'f') /* bitwise identity passes, but not NaN (ucomisd says
                                     unequal); other cases (-0.0) stay */
                return kx->v.f == kx->v.f && memcmp(&kx->v.f, &kc->v.f, sizeof(double)) == 0 ? 1 : 0;
            return opt_rw_const_int(w, x) == opt_rw_const_int(w, c) ? 1 : -1;
        }
        if (kc->type == 'i' && (kc->v.i < f.lo || kc->v.i > f.hi))
            return -1;
        if (kc->type == 'r' && kc->v.p == NULL && f.nonnull)
            return -1;
        return 0;
    }
    case IR_guard_class:
    case IR_guard_nonnull_class: {
        ir_ref c = opt_rw_arg(w, r, 1);
        if (opnum == IR_guard_nonnull_class && const_null(w, x))
            return -1;
        if (f.cls == 0 || !ir_is_const(c))
            return 0;
        return f.cls == opt_rw_const_int(w, c) ? 1 : -1;
    }
    case IR_guard_nonnull:
        return f.nonnull ? 1 : const_null(w, x) ? -1 : 0;
    case IR_guard_isnull:
        return const_null(w, x) ? 1 : f.nonnull ? -1 : 0;
    }
    return 0;
}

int opt_rw_guard(opt_rw *w, ir_ref r)
{
    int outcome = opt_rw_guard_outcome(w, r);
    if (outcome > 0) {
        opt_rw_drop(w, r);
        OPT_COUNT(w, guards_removed);
        return 1;
    }
    if (outcome < 0)
        OPT_COUNT(w, always_fails);
    opt_rw_copy(w, r);
    return outcome;
}
