/* opt/opt.c: the driver (opt_run), enable_opts parsing and the scope
 * check. See opt.h for the pass interface and the name mapping. */
#include "opt_rw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[] = {"intbounds", "rewrite", "virtualize", "string",
                                    "pure", "earlyforce", "heap", "unroll"};

const char *opt_name(int i)
{
    return i >= 0 && i < 8 ? names[i] : NULL;
}

int opt_parse_enable_opts(const char *value, unsigned *mask, char *err)
{
    if (err)
        err[0] = 0;
    if (value == NULL || strcmp(value, "all") == 0) {
        *mask = OPT_ALL;
        return 0;
    }
    unsigned m = 0;
    for (const char *p = value; *p;) {
        size_t n = strcspn(p, ":");
        if (n > 0) {
            int i = 0;
            while (i < 8 && !(strlen(names[i]) == n && strncmp(names[i], p, n) == 0))
                i++;
            if (i == 8) {
                if (err)
                    snprintf(err, OPT_ERRSIZE, "unknown optimization '%.*s'", n > 64 ? 64 : (int)n, p);
                return -1;
            }
            m |= 1u << i;
        }
        p += n + (p[n] == ':');
    }
    *mask = m;
    return 0;
}

int opt_check_scopes(const ir_trace *t, char *err, size_t errsize)
{
    int *passed = calloc((size_t)t->nops + 1, sizeof *passed); /* label index + 1 */
    if (passed == NULL) {
        if (err && errsize)
            snprintf(err, errsize, "out of memory");
        return -1;
    }
    ir_ref label = -1, bad = IR_NONE, user = IR_NONE;
    for (ir_ref r = ir_first(t); r < t->nops && bad == IR_NONE; r++) {
        const ir_op *op = ir_op_at(t, r);
        for (int i = 0; i < op->nargs && bad == IR_NONE; i++) {
            ir_ref v = ir_arg(t, r, i);
            if (ir_is_op(v) && v < label && passed[v] != label + 1)
                bad = v;
        }
        for (uint32_t f = 0; op->snap >= 0 && f < t->snaps[op->snap].nframes && bad == IR_NONE; f++) {
            const ir_frame *fr = ir_snap_frame_at(t, op->snap, (int)f);
            for (int i = 0; i < fr->nslots; i++) {
                ir_ref v = ir_frame_slots(t, fr)[i].ref;
                if (ir_is_op(v) && v < label && passed[v] != label + 1)
                    bad = v;
            }
        }
        if (bad != IR_NONE)
            user = r;
        if (op->opnum == IR_label) {
            label = r;
            for (int i = 0; i < op->nargs; i++)
                if (ir_is_op(ir_arg(t, r, i)))
                    passed[ir_arg(t, r, i)] = r + 1;
        }
    }
    free(passed);
    if (bad == IR_NONE)
        return 0;
    char ty = ir_ref_type(t, bad);
    if (err && errsize)
        snprintf(err, errsize, "op %d (%s) uses %c%d from before the label at op %d, which does not pass it",
                 user, ir_opinfo_table[ir_opnum(t, user)].name, ty == 'r' ? 'p' : ty, t->ops[bad].vnum, label);
    return -1;
}

/* The identity rewrite: a copy. */
static int copy(const ir_trace *in, ir_trace **out, const opt_ctx *ctx)
{
    opt_rw w;
    if (opt_rw_init(&w, in, ctx) == 0)
        for (ir_ref r = ir_first(in); r < in->nops && !w.oom; r++) {
            if (ir_opnum(in, r) == IR_label)
                opt_rw_label(&w, r);
            else
                opt_rw_copy(&w, r);
        }
    return opt_rw_finish(&w, out);
}

typedef int (*opt_pass)(const ir_trace *, ir_trace **, const opt_ctx *);

int opt_run(const ir_trace *in, unsigned mask, ir_trace **out, opt_stats *stats, char *err, size_t errsize)
{
    static const struct {
        unsigned bit;
        opt_pass fn;
    } pipeline[] = {{OPT_REWRITE, opt_rewrite}, {OPT_PURE, opt_pure}, {OPT_INTBOUNDS, opt_intbounds}};
    opt_ctx ctx = {mask, stats};
    *out = NULL;
    if (err && errsize)
        err[0] = 0;
    if (opt_check_scopes(in, err, errsize) < 0)
        return -1;
    ir_trace *cur = NULL; /* the latest output; in until a pass ran */
    for (int round = 0; round < 3; round++) {
        int before = cur ? cur->nops : in->nops;
        bool ran = false;
        for (size_t k = 0; k < sizeof pipeline / sizeof *pipeline; k++) {
            if (!(mask & pipeline[k].bit))
                continue;
            ir_trace *next;
            if (pipeline[k].fn(cur ? cur : in, &next, &ctx) < 0)
                goto failed;
            ir_trace_free(cur);
            cur = next;
            ran = true;
        }
        if (!ran || cur->nops >= before)
            break;
    }
    ir_trace *next;
    if ((mask ? opt_dce : copy)(cur ? cur : in, &next, &ctx) < 0)
        goto failed;
    ir_trace_free(cur);
    *out = next;
    return 0;
failed:
    ir_trace_free(cur);
    if (err && errsize)
        snprintf(err, errsize, "optimiser out of memory");
    return -1;
}
