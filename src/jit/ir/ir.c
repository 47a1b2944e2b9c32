/* ir/ir.c: the op table (from ops.def) and the trace buffer -- ops, args,
 * constant pool, descriptors, snapshots, debug records -- with emission. */
#include "ir.h"

#include <stdlib.h>
#include <string.h>

const ir_opinfo ir_opinfo_table[IR_NOPS] = {
#define IR_OP(name, arity, type, flags) {#name, arity, (#type)[0], flags},
#include "ops.def"
#undef IR_OP
};

const ir_opinfo *ir_op_info(int opnum)
{
    return opnum >= 0 && opnum < IR_NOPS ? &ir_opinfo_table[opnum] : NULL;
}

int ir_op_lookup(const char *name, size_t len)
{
    for (int i = 0; i < IR_NOPS; i++)
        if (strncmp(ir_opinfo_table[i].name, name, len) == 0 && ir_opinfo_table[i].name[len] == '\0')
            return i;
    return -1;
}

/* ---- growth with the sticky failure flag ---- */

/* Makes room for n more items in *arr (count *len, capacity *cap). */
static bool grow(ir_trace *t, void **arr, int *cap, int len, int n, size_t item)
{
    if (t->failed)
        return false;
    if (len + n <= *cap)
        return true;
    int ncap = *cap ? *cap : 16;
    while (ncap < len + n)
        ncap *= 2;
    void *p = realloc(*arr, (size_t)ncap * item);
    if (p == NULL) {
        t->failed = true;
        return false;
    }
    *arr = p;
    *cap = ncap;
    return true;
}
#define GROW(t, field, cnt, cap, n) grow((t), (void **)&(t)->field, &(t)->cap, (t)->cnt, (n), sizeof(*(t)->field))

/* Copies s into memory owned by the trace. */
static const char *own_str(ir_trace *t, const char *s)
{
    if (s == NULL || !GROW(t, strs, nstrs, cap_strs, 1))
        return NULL;
    char *c = strdup(s);
    if (c == NULL) {
        t->failed = true;
        return NULL;
    }
    t->strs[t->nstrs++] = c;
    return c;
}

ir_trace *ir_trace_new(void)
{
    ir_trace *t = calloc(1, sizeof *t);
    if (t != NULL)
        t->snap_open = -1;
    return t;
}

void ir_trace_free(ir_trace *t)
{
    if (t == NULL)
        return;
    for (int i = 0; i < t->nstrs; i++)
        free(t->strs[i]);
    free(t->strs);
    free(t->ops);
    free(t->args);
    free(t->consts);
    free(t->chash);
    free(t->descrs);
    free(t->snaps);
    free(t->frames);
    free(t->slots);
    free(t->dbgs);
    free(t);
}

/* ---- ops ---- */

static ir_ref append(ir_trace *t, int opnum, const ir_ref *args, int n, int descr)
{
    if (!GROW(t, ops, nops, cap_ops, 1) || !GROW(t, args, nargs, cap_args, n))
        return IR_NONE;
    ir_op *op = &t->ops[t->nops];
    op->opnum = (uint16_t)opnum;
    op->nargs = (uint16_t)n;
    op->args = (uint32_t)t->nargs;
    op->descr = descr;
    op->snap = -1;
    op->dbg = -1;
    op->vnum = ir_opinfo_table[opnum].type == 'v' ? -1 : t->next_vnum++;
    op->mc_offset = -1;
    if (n)
        memcpy(&t->args[t->nargs], args, (size_t)n * sizeof(ir_ref));
    t->nargs += n;
    return t->nops++;
}

ir_ref ir_input(ir_trace *t, char type)
{
    int opnum = type == 'i' ? IR_inputarg_i : type == 'r' ? IR_inputarg_r : type == 'f' ? IR_inputarg_f : -1;
    if (opnum < 0 || t->nops != t->ninputs || t->failed)
        return IR_NONE;
    ir_ref r = append(t, opnum, NULL, 0, -1);
    if (r != IR_NONE)
        t->ninputs++;
    return r;
}

ir_ref ir_emit(ir_trace *t, int opnum, const ir_ref *args, int nargs, int descr)
{
    const ir_opinfo *info = ir_op_info(opnum);
    if (info == NULL || (info->flags & IR_F_INPUT) || nargs < 0 || nargs > UINT16_MAX
        || (info->arity >= 0 && info->arity != nargs) || descr >= t->ndescrs) {
        t->failed = true;
        return IR_NONE;
    }
    return append(t, opnum, args, nargs, descr);
}

ir_ref ir_emit_guard(ir_trace *t, int opnum, const ir_ref *args, int nargs, int snap)
{
    const ir_opinfo *info = ir_op_info(opnum);
    if (info == NULL || !(info->flags & IR_F_GUARD) || snap >= t->nsnaps) {
        t->failed = true;
        return IR_NONE;
    }
    ir_ref r = ir_emit(t, opnum, args, nargs, -1);
    if (r != IR_NONE)
        t->ops[r].snap = snap;
    return r;
}

ir_ref ir_debug_merge_point(ir_trace *t, void *code, int pc, int call_depth, int call_id, const char *repr)
{
    if (!GROW(t, dbgs, ndbgs, cap_dbgs, 1))
        return IR_NONE;
    ir_ref r = append(t, IR_debug_merge_point, NULL, 0, -1);
    if (r == IR_NONE)
        return IR_NONE;
    t->dbgs[t->ndbgs] = (ir_dbg){code, pc, call_depth, call_id, own_str(t, repr ? repr : "")};
    t->ops[r].dbg = t->ndbgs++;
    return r;
}

char ir_ref_type(const ir_trace *t, ir_ref r)
{
    if (ir_is_op(r))
        return r < t->nops ? ir_opinfo_table[t->ops[r].opnum].type : 0;
    if (ir_is_const(r))
        return IR_CONST_INDEX(r) < t->nconsts ? ir_const_at(t, r)->type : 0;
    return 0;
}

/* ---- constants: pool with an open-addressing hash on (type, bits, name) ---- */

static uint64_t const_bits(const ir_const *c)
{
    uint64_t b;
    memcpy(&b, &c->v, sizeof b);
    return c->type == 'r' ? (uint64_t)(uintptr_t)c->v.p : b;
}

static unsigned const_hash(const ir_const *c)
{
    uint64_t h = const_bits(c) * 0x9E3779B97F4A7C15ull ^ (uint64_t)c->type;
    for (const char *s = c->name; s && *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001B3ull;
    return (unsigned)(h ^ (h >> 29));
}

static bool const_eq(const ir_const *a, const ir_const *b)
{
    if (a->type != b->type || const_bits(a) != const_bits(b))
        return false;
    if (a->name == NULL || b->name == NULL)
        return a->name == b->name;
    return strcmp(a->name, b->name) == 0;
}

static bool rehash(ir_trace *t, int cap)
{
    int32_t *h = malloc((size_t)cap * sizeof *h);
    if (h == NULL) {
        t->failed = true;
        return false;
    }
    memset(h, 0xff, (size_t)cap * sizeof *h);
    for (int k = 0; k < t->nconsts; k++) {
        unsigned i = const_hash(&t->consts[k]) & (unsigned)(cap - 1);
        while (h[i] >= 0)
            i = (i + 1) & (unsigned)(cap - 1);
        h[i] = k;
    }
    free(t->chash);
    t->chash = h;
    t->chash_cap = cap;
    return true;
}

static ir_ref add_const(ir_trace *t, ir_const c)
{
    if (t->failed)
        return IR_NONE;
    if (2 * (t->nconsts + 1) > t->chash_cap && !rehash(t, t->chash_cap ? 2 * t->chash_cap : 64))
        return IR_NONE;
    unsigned mask = (unsigned)(t->chash_cap - 1), i = const_hash(&c) & mask;
    for (; t->chash[i] >= 0; i = (i + 1) & mask)
        if (const_eq(&t->consts[t->chash[i]], &c))
            return IR_CONST(t->chash[i]);
    if (!GROW(t, consts, nconsts, cap_consts, 1))
        return IR_NONE;
    if (c.name != NULL && (c.name = own_str(t, c.name)) == NULL)
        return IR_NONE;
    t->chash[i] = t->nconsts;
    t->consts[t->nconsts] = c;
    return IR_CONST(t->nconsts++);
}

ir_ref ir_const_int(ir_trace *t, int64_t v)
{
    return add_const(t, (ir_const){.type = 'i', .v.i = v});
}

ir_ref ir_const_float(ir_trace *t, double v)
{
    return add_const(t, (ir_const){.type = 'f', .v.f = v});
}

ir_ref ir_const_ptr(ir_trace *t, void *p)
{
    return add_const(t, (ir_const){.type = 'r', .v.p = p});
}

ir_ref ir_const_ptr_named(ir_trace *t, void *p, const char *name)
{
    return add_const(t, (ir_const){.type = 'r', .v.p = p, .name = name});
}

ir_ref ir_const_class(ir_trace *t, void *addr, const char *name)
{
    return add_const(t, (ir_const){.type = 'i', .v.i = (int64_t)(intptr_t)addr, .name = name});
}

/* ---- descriptors ---- */

static bool str_eq(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static bool descr_eq(const ir_descr *a, const ir_descr *b)
{
    return a->kind == b->kind && a->flag == b->flag && a->pure == b->pure && a->offset == b->offset
        && a->size == b->size && a->callflags == b->callflags && a->oopspec == b->oopspec
        && a->ptr == b->ptr && a->id == b->id && str_eq(a->argtypes, b->argtypes) && str_eq(a->name, b->name);
}

int ir_descr_add(ir_trace *t, const ir_descr *d)
{
    for (int i = 0; i < t->ndescrs; i++)
        if (descr_eq(&t->descrs[i], d))
            return i;
    if (!GROW(t, descrs, ndescrs, cap_descrs, 1))
        return -1;
    ir_descr c = *d;
    c.argtypes = own_str(t, d->argtypes);
    c.name = own_str(t, d->name);
    if (t->failed)
        return -1;
    t->descrs[t->ndescrs] = c;
    return t->ndescrs++;
}

/* ---- snapshots ---- */

void ir_snap_begin(ir_trace *t)
{
    t->snap_open = t->nframes;
}

ir_slot *ir_snap_frame(ir_trace *t, void *code, int pc, int n)
{
    /* (room for one slot at least: a frame without slots -- a function
     * without locals -- still gets a non-NULL pointer) */
    if (t->snap_open < 0 || n < 0 || !GROW(t, frames, nframes, cap_frames, 1)
        || !GROW(t, slots, nslots, cap_slots, n > 0 ? n : 1)) {
        t->failed = true;
        return NULL;
    }
    t->frames[t->nframes++] = (ir_frame){code, pc, n, (uint32_t)t->nslots, 0};
    ir_slot *s = &t->slots[t->nslots];
    for (int i = 0; i < n; i++)
        s[i] = (ir_slot){IR_NONE, IR_BOX_NONE};
    t->nslots += n;
    return s;
}

void ir_snap_frame_flags(ir_trace *t, uint32_t flags)
{
    if (t->snap_open >= 0 && t->nframes > t->snap_open)
        t->frames[t->nframes - 1].flags = flags;
}

static bool frames_eq(const ir_trace *t, const ir_frame *a, const ir_frame *b)
{
    if (a->code != b->code || a->pc != b->pc || a->nslots != b->nslots || a->flags != b->flags)
        return false;
    const ir_slot *x = &t->slots[a->slot0], *y = &t->slots[b->slot0];
    for (int i = 0; i < a->nslots; i++)
        if (x[i].ref != y[i].ref || x[i].kind != y[i].kind)
            return false;
    return true;
}

int ir_snap_end(ir_trace *t)
{
    int first = t->snap_open;
    t->snap_open = -1;
    if (first < 0 || t->failed)
        return -1;
    uint32_t n = (uint32_t)(t->nframes - first);
    if (t->nsnaps > 0) {
        const ir_snap *last = &t->snaps[t->nsnaps - 1];
        bool same = last->nframes == n;
        for (uint32_t i = 0; same && i < n; i++)
            same = frames_eq(t, &t->frames[last->frame0 + i], &t->frames[first + i]);
        if (same) { /* drop the new copy: share the previous snapshot */
            if (n > 0)
                t->nslots = (int)t->frames[first].slot0;
            t->nframes = first;
            return t->nsnaps - 1;
        }
    }
    if (!GROW(t, snaps, nsnaps, cap_snaps, 1))
        return -1;
    t->snaps[t->nsnaps] = (ir_snap){(uint32_t)first, n};
    return t->nsnaps++;
}
