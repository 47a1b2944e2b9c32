/* opt/opt_rw.h: the rewriter every pass is built on (internal to opt).
 *
 * A pass walks the input trace op by op and, for each, either copies it
 * (opt_rw_copy: args resolved, snapshot translated), emits something
 * else (opt_rw_emit), says it equals an existing value (opt_rw_replace),
 * or drops it (opt_rw_drop, for ops without a result). The rewriter keeps
 *   map[in op]  -> the output value it became (op or constant), and
 *   fwd[out op] -> a value it was later proved equal to (a guard_value, a
 *                  guarded comparison), itself otherwise,
 * and resolves every argument and snapshot slot through both, so a
 * replacement reaches every later use. Snapshot slots of kind OWNED are
 * resolved through map only: the trace's own reference stays what the
 * frame takes (a constant would change who owns what).
 *
 * Facts (opt.h's opt_facts) are kept per output op; opt_rw_facts answers
 * for constants too. opt_rw_label handles a label: new scope, facts
 * forgotten, distinct boxes for its args. */
#ifndef JIT_OPT_RW_H
#define JIT_OPT_RW_H

#include "opt.h"

typedef struct {
    const ir_trace *in;
    ir_trace *out;
    const opt_ctx *ctx;
    ir_ref *map;       /* in op -> out value (IR_NONE: dropped) */
    ir_ref *cmap;      /* in constant index -> out constant */
    int *dmap;         /* in descr -> out descr */
    int *smap;         /* in snapshot -> out snapshot (-1: not yet) */
    unsigned *sgen;    /* in snapshot -> gen when smap was made */
    unsigned gen;      /* bumped when fwd changes: translations are redone */
    ir_ref *fwd;       /* out op -> equal value */
    opt_facts *facts;  /* out op -> facts */
    int cap;           /* capacity of fwd and facts */
    ir_ref scope;      /* the current label in out (0 before any): older
                          values seen after it are its boxes, whose
                          definitions say nothing of their values now */
    bool oom;
} opt_rw;

/* Starts a rewrite of in: copies constants, descrs and input args. */
int opt_rw_init(opt_rw *w, const ir_trace *in, const opt_ctx *ctx);
/* Ends it: 0 and the new trace in *out, or -1 (and frees it). */
int opt_rw_finish(opt_rw *w, ir_trace **out);

/* The current output value of an input ref (op or constant). */
ir_ref opt_rw_get(opt_rw *w, ir_ref in_ref);
/* Follows fwd from an output value. */
ir_ref opt_rw_resolve(opt_rw *w, ir_ref v);
/* Input op r's arg i, resolved. */
static inline ir_ref opt_rw_arg(opt_rw *w, ir_ref r, int i) { return opt_rw_get(w, ir_arg(w->in, r, i)); }

/* Copies input op r with its args resolved (and its snapshot translated,
 * its debug record copied); returns the output op. */
ir_ref opt_rw_copy(opt_rw *w, ir_ref r);
/* Copies input op r with other args (already output values). */
ir_ref opt_rw_copy_args(opt_rw *w, ir_ref r, const ir_ref *args);
/* Emits a new op standing for input op r (which it replaces). */
ir_ref opt_rw_emit(opt_rw *w, ir_ref r, int opnum, const ir_ref *args, int nargs);
/* Input op r is the output value v (r is not emitted). */
void opt_rw_replace(opt_rw *w, ir_ref r, ir_ref v);
/* Input op r (no result, e.g. a guard that always passes) is dropped. */
void opt_rw_drop(opt_rw *w, ir_ref r);
/* A label: new scope (see opt.h). */
void opt_rw_label(opt_rw *w, ir_ref r);

/* The opnum defining output value v, when that definition describes v's
 * value in the current scope (v defined after the last label); else -1. */
static inline int opt_rw_def(const opt_rw *w, ir_ref v)
{
    return ir_is_op(v) && v >= w->scope ? ir_opnum(w->out, v) : -1;
}

/* Facts about an output value (a copy; constants answered from the pool). */
opt_facts opt_rw_facts(opt_rw *w, ir_ref v);
/* Learning, after a guard proved it: v equals constant c; v lies in
 * [lo, hi] (a single value makes v that constant; an empty range is
 * ignored: the code after it is unreachable, a guard that always fails
 * said so); v has class cls; v is not NULL. No-ops on constants. */
void opt_rw_learn_const(opt_rw *w, ir_ref v, ir_ref c);
void opt_rw_learn_bounds(opt_rw *w, ir_ref v, int64_t lo, int64_t hi);
void opt_rw_learn_class(opt_rw *w, ir_ref v, int64_t cls);
void opt_rw_learn_nonnull(opt_rw *w, ir_ref v);

/* The integer value of constant c (ints; refs as addresses); c must be a
 * constant. */
int64_t opt_rw_const_int(opt_rw *w, ir_ref c);
bool opt_rw_is_const_int(opt_rw *w, ir_ref v, int64_t value);

/* What a guard (input op r, args resolved) will do, from constants and
 * facts: 1 always passes, -1 always fails, 0 unknown. */
int opt_rw_guard_outcome(opt_rw *w, ir_ref r);
/* Handles a guard by its outcome: drops it (1), or copies it and counts
 * it (-1) or just copies it (0). Returns the outcome. */
int opt_rw_guard(opt_rw *w, ir_ref r);

/* Counting into ctx->stats. */
#define OPT_COUNT(w, field) ((w)->ctx && (w)->ctx->stats ? (void)(w)->ctx->stats->field++ : (void)0)

#endif
