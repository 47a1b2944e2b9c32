/* backend/x64/x64_bridge: jit_compile_bridge -- a trace that continues a
 * failing guard of a compiled loop (or of one of its bridges).
 *
 * A bridge runs in the loop's stack frame: the loop's prologue already
 * saved the callee-saved registers, rbx is df, rsp is 16-byte aligned and
 * the loop's registers and spill slots still hold the values at the
 * guard. Layout of a bridge's code block:
 *   entry:   a parallel move of the guard's values (the bridge's inputs,
 *            where the parent trace had them at that exit) into the
 *            locations the bridge's allocation chose for them; inputs
 *            prefer their parent register, so this is usually empty
 *   body:    the ops, lowered as in a loop; the final jump moves its args
 *            into the loop label's locations (or another loop's: that
 *            loop's code runs on in this frame) and jumps there (through
 *            r11: code blocks may be far apart)
 *   stubs:   one per guard: mov eax, exit number; jmp common
 *   common:  jumps to the loop's common exit (registers to df, return)
 * After the entry move, only the bridge's values matter: the loop resumes
 * at its label with the jump's args, and the bridge's exits describe the
 * bridge's values; so the bridge reuses any register and spill slot.
 * The failing guard's rel32 jump(s) are patched to the bridge's entry. */
#include "../../runtime/codemem.h"
#include "x64_ctx.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
    x64_ctx c;            /* first: emit_bridge gets a x64_ctx * */
    const jit_loc *from;  /* per input: its location at the parent exit */
} bridge_ctx;

static void emit_bridge(x64_ctx *c)
{
    const bridge_ctx *bc = (const bridge_ctx *)c;
    x64_buf *b = &c->b;
    int n = c->t->ninputs;
    x64_emit_reset(c);
    x64_parallel_move(b, c->a.loc, bc->from, n); /* loc[0 .. n-1]: the inputs' */
    x64_emit_body(c);
    x64_emit_stubs(c);
    x64_bind(b, &c->common);
    x64_mov_ri(b, X64_TMP2, (int64_t)(uintptr_t)((const uint8_t *)c->target->code + c->target->exit_offset));
    x64_jmp_r(b, X64_TMP2);
}

static int fail(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (n)
        vsnprintf(err, n, fmt, ap);
    va_end(ap);
    return -1;
}

/* The bridge's inputs against the parent exit: live there, same types.
 * Fills from[]. */
static int check_inputs(const jit_loop *loop, int exit, const ir_trace *bridge,
                        const ir_ref *from_refs, jit_loc *from, char *err, size_t n)
{
    const ir_trace *parent = jit_exit_trace(loop, exit);
    for (int k = 0; k < bridge->ninputs; k++) {
        ir_ref v = from_refs[k];
        from[k] = jit_exit_loc(loop, exit, v);
        if (from[k].kind == JIT_LOC_NONE)
            return fail(err, n, "bridge input %d: ref %d is not live at exit %d", k, v, exit);
        if (parent && ir_ref_type(parent, v) != ir_ref_type(bridge, k))
            return fail(err, n, "bridge input %d: type %c, but ref %d at exit %d is %c", k,
                        ir_ref_type(bridge, k), v, exit, ir_ref_type(parent, v));
    }
    return 0;
}

/* A final jump to a loop's label: the loop has one bridges may use, and
 * the jump matches it. */
static int check_jump(const jit_loop *loop, const ir_trace *t, ir_ref j, char *err, size_t n)
{
    if (loop->label_offset < 0 || loop->label_types == NULL)
        return fail(err, n, "op %d (jump): the loop has no label", j);
    if (!loop->label_scoped)
        return fail(err, n, "op %d (jump): the loop uses values from before its label after it", j);
    const ir_descr *d = ir_op_descr(t, j);
    if (d && d->id != loop->label_token)
        return fail(err, n, "op %d (jump): TargetToken(%llu) is not the loop label's (%llu)", j,
                    (unsigned long long)d->id, (unsigned long long)loop->label_token);
    if (ir_nargs(t, j) != loop->nlabel_args)
        return fail(err, n, "op %d (jump): %d args, the loop label has %d", j, ir_nargs(t, j),
                    loop->nlabel_args);
    for (int i = 0; i < loop->nlabel_args; i++)
        if (ir_ref_type(t, ir_arg(t, j, i)) != loop->label_types[i])
            return fail(err, n, "op %d (jump): arg %d has type %c, the label's is %c", j, i,
                        ir_ref_type(t, ir_arg(t, j, i)), loop->label_types[i]);
    return 0;
}

/* Makes room for the bridge's exits, locations and record (counts stay:
 * a later failure leaves the loop as it was, only with more capacity). */
static int reserve(jit_loop *loop, int nexits, int nlocs)
{
    jit_exit *e = realloc(loop->exits, ((size_t)loop->nexits + (size_t)nexits + 1) * sizeof *e);
    if (e == NULL)
        return -1;
    loop->exits = e;
    jit_exit_entry *l = realloc(loop->locs, ((size_t)loop->nlocs + (size_t)nlocs + 1) * sizeof *l);
    if (l == NULL)
        return -1;
    loop->locs = l;
    jit_bridge *b = realloc(loop->bridges, ((size_t)loop->nbridges + 1) * sizeof *b);
    if (b == NULL)
        return -1;
    loop->bridges = b;
    return 0;
}

int jit_compile_bridge(jit_loop *loop, int exit, ir_trace *t, const ir_ref *from_refs,
                       const jit_loop *jump_loop, char *err, size_t errsize)
{
    if (errsize)
        err[0] = 0;
    if (exit < 0 || exit >= loop->nexits)
        return fail(err, errsize, "no exit %d", exit);
    if (loop->exits[exit].jump_field[0] < 0)
        return fail(err, errsize, "exit %d has no guard jump to patch", exit);
    if (loop->exits[exit].bridged >= 0)
        return fail(err, errsize, "exit %d already has a bridge", exit);
    if (ir_verify(t, err, errsize) < 0)
        return -1;
    jit_loc *from = calloc((size_t)t->ninputs + 1, sizeof *from);
    if (from == NULL)
        return fail(err, errsize, "out of memory");
    if (check_inputs(loop, exit, t, from_refs, from, err, errsize) < 0) {
        free(from);
        return -1;
    }
    bridge_ctx bc = {.c = {.t = t, .err = err, .errsize = errsize, .exit_base = loop->nexits,
                           .owner = loop->nbridges, .target = loop, .jump_loop = jump_loop},
                     .from = from};
    x64_ctx *c = &bc.c;
    x64_alloc_opts opts = {.external_jump = true, .input_hint = from};
    rt_codemem_block *h = NULL;
    int result = -1;
    if (x64_regalloc_ex(t, &c->a, &opts, err, errsize) < 0) {
        free(from);
        return -1;
    }
    if (c->a.jump >= 0 && c->a.label < 0 &&
        check_jump(jump_loop ? jump_loop : loop, t, c->a.jump, err, errsize) < 0)
        goto out;
    c->exits = calloc((size_t)t->nops + 1, sizeof *c->exits);
    c->stamp_op = calloc((size_t)t->nops + 1, sizeof *c->stamp_op);
    c->stamp_const = calloc((size_t)t->nconsts + 1, sizeof *c->stamp_const);
    if (!c->exits || !c->stamp_op || !c->stamp_const) {
        x64_fail(c, "out of memory");
        goto out;
    }
    h = x64_assemble(c, emit_bridge);
    if (h == NULL)
        goto out;
    if (reserve(loop, c->nexits, c->nlocs) < 0) {
        x64_fail(c, "out of memory");
        goto out;
    }
    if (jit_exit_patch(loop, exit, c->b.start) < 0) {
        x64_fail(c, "cannot patch exit %d (bridge out of rel32 range?)", exit);
        goto out;
    }
    /* committed: the guard now jumps to the bridge */
    int nb = loop->nbridges++;
    loop->bridges[nb] = (jit_bridge){.code = c->b.start, .code_size = x64_pos(&c->b), .mem = h,
                                     .trace = t, .parent_exit = exit, .exit0 = loop->nexits,
                                     .nexits = c->nexits};
    x64_take_values(&c->a, t->nops, &loop->bridges[nb].vals);
    h = NULL;
    for (int e = 0; e < c->nexits; e++) {
        jit_exit x = c->exits[e];
        x.loc0 += (uint32_t)loop->nlocs;
        loop->exits[loop->nexits + e] = x;
    }
    if (c->nlocs > 0)  /* c->locs is NULL when the bridge's exits need no value */
        memcpy(loop->locs + loop->nlocs, c->locs, (size_t)c->nlocs * sizeof *c->locs);
    loop->nexits += c->nexits;
    loop->nlocs += c->nlocs;
    loop->exits[exit].bridged = nb;
    if (c->a.nspill > loop->nspill)
        loop->nspill = c->a.nspill;
    result = nb;
out:
    rt_codemem_free(h);
    free(from);
    free(c->exits);
    free(c->locs);
    free(c->stamp_op);
    free(c->stamp_const);
    x64_alloc_free(&c->a);
    return result;
}
