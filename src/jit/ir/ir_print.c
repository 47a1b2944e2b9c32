/* ir/ir_print.c: prints a trace, one op or one descr in PyPy's text format
 * (rpython/jit/metainterp/logger.py and llsupport/descr.py reprs), e.g.
 *   [p0, i1]
 *   i3 = int_add_ovf(i1, 1)
 *   guard_no_overflow() [p0, i1]
 *   p5 = getfield_gc_r(p0, descr=<FieldP PyFrame.f_code 32 pure>)
 *   debug_merge_point(0, 0, 'f;x.py:3-4~#12 LOAD_FAST')
 *   jump(p0, i3, descr=TargetToken(1))
 * Fail args of a guard are the slots of its snapshot, outermost frame
 * first; an empty slot prints as None. */
#include "ir.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *s;
    size_t len, cap;
    bool failed;
} buf;

static void put(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(buf *b, const char *fmt, ...)
{
    if (b->failed)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->failed = true;
            return;
        }
        if (b->s && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap ? b->cap : 256;
        while (cap <= b->len + (size_t)n)
            cap *= 2;
        char *p = realloc(b->s, cap);
        if (p == NULL) {
            b->failed = true;
            return;
        }
        b->s = p;
        b->cap = cap;
    }
}

static char *finish(buf *b)
{
    if (b->failed || b->s == NULL) {
        free(b->s);
        return b->failed ? NULL : strdup("");
    }
    return b->s;
}

/* PyPy prints floats with "%f"; we do too when that reads back exactly,
 * else the shortest exact "%g" form (which the parser reads as a float). */
static void put_float(buf *b, double v)
{
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%f", v);
    if (strtod(tmp, NULL) != v || v != v) {
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(tmp, sizeof tmp, "%.*g", prec, v);
            if (strtod(tmp, NULL) == v)
                break;
        }
        if (strpbrk(tmp, ".eni") == NULL) /* "1e+20" has e; "inf", "nan" */
            strcat(tmp, ".0");
    }
    put(b, "%s", tmp);
}

static void put_ref(buf *b, const ir_trace *t, ir_ref r)
{
    if (r == IR_NONE) {
        put(b, "None");
    } else if (ir_is_op(r)) {
        char ty = ir_ref_type(t, r);
        put(b, "%c%d", ty == 'r' ? 'p' : ty == 'v' ? '?' : ty, t->ops[r].vnum);
    } else {
        const ir_const *c = ir_const_at(t, r);
        if (c->type == 'i' && c->name)
            put(b, "ConstClass(%s)", c->name);
        else if (c->type == 'i')
            put(b, "%" PRId64, c->v.i);
        else if (c->type == 'f')
            put_float(b, c->v.f);
        else if (c->name)
            put(b, "ConstPtr(%s)", c->name);
        else if (c->v.p == NULL)
            put(b, "ConstPtr(null)");
        else
            put(b, "ConstPtr(ptr%d)", IR_CONST_INDEX(r));
    }
}

/* PyPy's EF (extra effect) number from our call flags. */
static int call_ef(uint32_t f)
{
    if (f & IR_CALL_RANDOM_EFFECTS)
        return 7;
    if (f & IR_CALL_MAY_FORCE)
        return 6;
    if (f & IR_CALL_LOOPINVARIANT)
        return 1;
    if (f & IR_CALL_ELIDABLE)
        return f & IR_CALL_MEMERROR_ONLY ? 3 : f & IR_CALL_CAN_RAISE ? 4 : 0;
    return f & (IR_CALL_CAN_RAISE | IR_CALL_MEMERROR_ONLY) ? 5 : 2;
}

static void put_descr(buf *b, const ir_descr *d)
{
    const char *name = d->name ? d->name : "?";
    switch (d->kind) {
    case IR_DESCR_FIELD:
        put(b, "<Field%c %s %d", d->flag, name, d->offset);
        if (d->size != 8)
            put(b, " size=%d", d->size);
        put(b, "%s>", d->pure ? " pure" : "");
        break;
    case IR_DESCR_ARRAY:
        put(b, "<Array%c %d", d->flag, d->size);
        if (d->offset != 0)
            put(b, " base=%d", d->offset);
        put(b, ">");
        break;
    case IR_DESCR_CALL:
        put(b, "<Call%c %d", d->flag, d->size);
        if (d->argtypes && d->argtypes[0])
            put(b, " %s", d->argtypes);
        put(b, " EF=%d", call_ef(d->callflags));
        if (d->oopspec)
            put(b, " OS=%d", d->oopspec);
        put(b, "%s%s>", d->callflags & IR_CALL_BORROWED ? " borrowed" : "",
            d->callflags & IR_CALL_RELEASES_GIL ? " releasegil" : "");
        break;
    case IR_DESCR_SIZE:
        put(b, "<SizeDescr %d", d->size);
        if (d->name)
            put(b, " %s", d->name);
        put(b, ">");
        break;
    case IR_DESCR_TARGET:
        put(b, "TargetToken(%" PRIu64 ")", d->id);
        break;
    case IR_DESCR_GUARD:
        put(b, "<Guard0x%" PRIx64 ">", d->id);
        break;
    }
}

int ir_descr_repr(const ir_descr *d, char *out, size_t size)
{
    buf b = {0};
    put_descr(&b, d);
    if (b.failed) {
        free(b.s);
        return -1;
    }
    int n = (int)b.len;
    if (size)
        snprintf(out, size, "%s", b.s ? b.s : "");
    free(b.s);
    return n;
}

static void put_op(buf *b, const ir_trace *t, ir_ref r, unsigned flags)
{
    const ir_op *op = &t->ops[r];
    const ir_opinfo *info = &ir_opinfo_table[op->opnum];
    const ir_dbg *dbg = ir_op_dbg(t, r);
    if (op->opnum == IR_debug_merge_point && dbg) {
        /* PyPy replaces commas: they separate arguments in this format */
        put(b, "debug_merge_point(%d, %d, '", dbg->call_depth, dbg->call_id);
        for (const char *s = dbg->repr; *s; s++)
            put(b, "%c", *s == ',' ? '.' : *s);
        put(b, "')");
        return;
    }
    if ((flags & IR_PRINT_OFFSETS) && op->mc_offset >= 0)
        put(b, "+%d: ", op->mc_offset);
    if (info->type != 'v') {
        put_ref(b, t, r);
        put(b, " = ");
    }
    put(b, "%s(", info->name);
    for (int i = 0; i < op->nargs; i++) {
        put(b, i ? ", " : "");
        put_ref(b, t, ir_arg(t, r, i));
    }
    if (op->descr >= 0) {
        put(b, op->nargs ? ", descr=" : "descr=");
        put_descr(b, &t->descrs[op->descr]);
    }
    put(b, ")");
    if (op->snap >= 0) {
        const ir_snap *s = &t->snaps[op->snap];
        const char *sep = "";
        put(b, " [");
        for (uint32_t f = 0; f < s->nframes; f++) {
            const ir_frame *fr = ir_snap_frame_at(t, op->snap, (int)f);
            for (int i = 0; i < fr->nslots; i++, sep = ", ") {
                put(b, "%s", sep);
                put_ref(b, t, ir_frame_slots(t, fr)[i].ref);
            }
        }
        put(b, "]");
    }
}

char *ir_op_repr(const ir_trace *t, ir_ref r, unsigned flags)
{
    buf b = {0};
    put_op(&b, t, r, flags);
    return finish(&b);
}

char *ir_print(const ir_trace *t, unsigned flags)
{
    buf b = {0};
    if (!(flags & IR_PRINT_NO_INPUTS)) {
        put(&b, "[");
        for (ir_ref r = 0; r < t->ninputs; r++) {
            put(&b, r ? ", " : "");
            put_ref(&b, t, r);
        }
        put(&b, "]\n");
    }
    for (ir_ref r = ir_first(t); r < t->nops; r++) {
        put_op(&b, t, r, flags);
        put(&b, "\n");
    }
    return finish(&b);
}
