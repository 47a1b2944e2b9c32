/* ir/ir_verify.c: checks the structural invariants of a trace -- what
 * every producer (recorder, optimiser passes, parser) must keep and every
 * consumer (backend, printer) relies on. */
#include "ir.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int bad(const ir_trace *t, ir_ref r, char *err, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int bad(const ir_trace *t, ir_ref r, char *err, size_t n, const char *fmt, ...)
{
    if (n == 0)
        return -1;
    int k = snprintf(err, n, "op %d (%s): ", r, ir_opinfo_table[t->ops[r].opnum].name);
    if (k >= 0 && (size_t)k < n) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err + k, n - (size_t)k, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* A value usable by op r: an earlier non-void op or an existing constant. */
static bool valid_value(const ir_trace *t, ir_ref v, ir_ref r)
{
    if (ir_is_op(v))
        return v < r && ir_opinfo_table[t->ops[v].opnum].type != 'v';
    return ir_is_const(v) && IR_CONST_INDEX(v) < t->nconsts;
}

/* The descr kind each op with IR_F_DESCR wants (-1: optional, any kind). */
static int wanted_descr(int opnum, uint32_t flags)
{
    if (flags & IR_F_CALL)
        return opnum >= IR_call_assembler_i && opnum <= IR_call_assembler_n ? IR_DESCR_TARGET : IR_DESCR_CALL;
    if (flags & (IR_F_READ | IR_F_WRITE))
        return opnum >= IR_getarrayitem_gc_i && opnum <= IR_setarrayitem_raw ? IR_DESCR_ARRAY : IR_DESCR_FIELD;
    if (opnum == IR_arraylen_gc)
        return IR_DESCR_ARRAY;
    if (flags & IR_F_ALLOC)
        return IR_DESCR_SIZE;
    return -1;
}

static int check_snapshot(const ir_trace *t, ir_ref r, char *err, size_t n)
{
    int s = t->ops[r].snap;
    if (s < 0 || s >= t->nsnaps)
        return bad(t, r, err, n, "guard without a snapshot");
    for (uint32_t f = 0; f < t->snaps[s].nframes; f++) {
        const ir_frame *fr = ir_snap_frame_at(t, s, (int)f);
        const ir_slot *slots = ir_frame_slots(t, fr);
        for (int i = 0; i < fr->nslots; i++) {
            ir_ref v = slots[i].ref;
            char ty = ir_ref_type(t, v);
            bool ok;
            switch (slots[i].kind) {
            case IR_BOX_NONE: ok = v == IR_NONE; break;
            case IR_BOX_INT:
            case IR_BOX_BOOL: ok = ty == 'i'; break;
            case IR_BOX_FLOAT: ok = ty == 'f'; break;
            default: ok = ty == 'r'; break;
            }
            if (!ok || (v != IR_NONE && !valid_value(t, v, r)))
                return bad(t, r, err, n, "snapshot frame %u slot %d is invalid (kind %d, type %c)", f, i, slots[i].kind, ty ? ty : '-');
        }
    }
    return 0;
}

int ir_verify(const ir_trace *t, char *err, size_t n)
{
    if (n)
        err[0] = 0;
    if (t->failed) {
        snprintf(err, n, "trace failed (out of memory or bad emit)");
        return -1;
    }
    for (ir_ref r = 0; r < t->nops; r++) {
        const ir_op *op = &t->ops[r];
        const ir_opinfo *info = &ir_opinfo_table[op->opnum];
        if (((info->flags & IR_F_INPUT) != 0) != (r < t->ninputs))
            return bad(t, r, err, n, "inputs must be exactly the first %d ops", t->ninputs);
        if (info->arity >= 0 && op->nargs != info->arity)
            return bad(t, r, err, n, "has %d args, arity is %d", op->nargs, info->arity);
        for (int i = 0; i < op->nargs; i++)
            if (!valid_value(t, ir_arg(t, r, i), r))
                return bad(t, r, err, n, "arg %d is not an earlier value or a constant", i);
        int want = wanted_descr(op->opnum, info->flags);
        const ir_descr *d = ir_op_descr(t, r);
        if (want >= 0 && (d == NULL || (int)d->kind != want))
            return bad(t, r, err, n, "needs a descr of kind %d", want);
        if (d && (op->opnum == IR_label || op->opnum == IR_jump) && d->kind != IR_DESCR_TARGET)
            return bad(t, r, err, n, "descr must be a target token");
        if (d && (info->flags & IR_F_CALL) && want == IR_DESCR_CALL) {
            const char *a = d->argtypes ? d->argtypes : "";
            int fn = op->opnum == IR_cond_call; /* index of the function address */
            if (op->nargs <= fn || ir_ref_type(t, ir_arg(t, r, fn)) != 'i' || (fn && ir_ref_type(t, ir_arg(t, r, 0)) != 'i'))
                return bad(t, r, err, n, "arg %d must be the function address", fn);
            for (int i = fn + 1; i < op->nargs; i++)
                if (a[i - fn - 1] != ir_ref_type(t, ir_arg(t, r, i)))
                    return bad(t, r, err, n, "arg %d does not match the descr's types '%s'", i, a);
            if (a[op->nargs - fn - 1] != 0)
                return bad(t, r, err, n, "descr wants %zu args", 1 + fn + strlen(a));
            if (d->flag != info->type)
                return bad(t, r, err, n, "descr result type '%c' differs", d->flag);
        }
        if ((info->flags & IR_F_GUARD) && check_snapshot(t, r, err, n) < 0)
            return -1;
        if (info->flags & IR_F_OVF) {
            int next = r + 1 < t->nops ? t->ops[r + 1].opnum : -1;
            if (next != IR_guard_no_overflow && next != IR_guard_overflow)
                return bad(t, r, err, n, "must be followed by guard_no_overflow/guard_overflow");
        }
        if ((op->opnum == IR_guard_no_overflow || op->opnum == IR_guard_overflow)
            && (r == 0 || !(ir_opinfo_table[t->ops[r - 1].opnum].flags & IR_F_OVF)))
            return bad(t, r, err, n, "must follow an _ovf op");
        if ((info->flags & IR_F_FINAL) && r != t->nops - 1)
            return bad(t, r, err, n, "must be the last op");
        if (op->opnum == IR_debug_merge_point && (op->dbg < 0 || op->dbg >= t->ndbgs))
            return bad(t, r, err, n, "without debug info");
    }
    return 0;
}
