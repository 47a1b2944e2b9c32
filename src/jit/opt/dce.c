/* opt/dce.c: dead-code elimination, the final cleanup. An op is needed
 * when it is not removable (ir_op_removable: PURE or NOSIDE, but not an
 * elidable call that can raise) or its result
 * is used by a needed op -- as an argument or in the snapshot of a needed
 * guard (deopt rebuilds the frame from it). One backward sweep finds
 * them all: in SSA every use comes after its definition. */
#include "opt_rw.h"

#include <stdlib.h>

/* ir_op_removable, except an elidable call that can raise: dropping it
 * would drop the exception (its guard_no_exception would then pass). */
static bool removable(const ir_trace *t, ir_ref r)
{
    const ir_descr *d = ir_op_descr(t, r);
    if ((ir_opinfo_table[ir_opnum(t, r)].flags & IR_F_CALL) && d && (d->callflags & IR_CALL_CAN_RAISE))
        return false;
    return ir_op_removable(ir_opnum(t, r));
}

int opt_dce(const ir_trace *in, ir_trace **out, const opt_ctx *ctx)
{
    opt_rw w;
    bool *live = calloc((size_t)in->nops + 1, sizeof *live);
    if (live == NULL) {
        *out = NULL;
        return -1;
    }
    for (ir_ref r = in->nops - 1; r >= ir_first(in); r--) {
        const ir_op *op = ir_op_at(in, r);
        if (!live[r] && removable(in, r))
            continue;
        live[r] = true;
        for (int i = 0; i < op->nargs; i++)
            if (ir_is_op(ir_arg(in, r, i)))
                live[ir_arg(in, r, i)] = true;
        for (uint32_t f = 0; op->snap >= 0 && f < in->snaps[op->snap].nframes; f++) {
            const ir_frame *fr = ir_snap_frame_at(in, op->snap, (int)f);
            for (int i = 0; i < fr->nslots; i++)
                if (ir_is_op(ir_frame_slots(in, fr)[i].ref))
                    live[ir_frame_slots(in, fr)[i].ref] = true;
        }
    }
    if (opt_rw_init(&w, in, ctx) == 0) {
        for (ir_ref r = ir_first(in); r < in->nops && !w.oom; r++) {
            if (!live[r]) {
                opt_rw_drop(&w, r);
                OPT_COUNT(&w, dead);
            } else if (ir_opnum(in, r) == IR_label) {
                opt_rw_label(&w, r);
            } else {
                opt_rw_copy(&w, r);
            }
        }
    }
    free(live);
    return opt_rw_finish(&w, out);
}
