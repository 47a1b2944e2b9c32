/* opt: the trace optimiser -- one pass per file, one interface, and a
 * driver that runs the enabled passes in a fixed order.
 *
 * The pass interface (every pass, same shape):
 *
 *     int opt_<name>(const ir_trace *in, ir_trace **out, const opt_ctx *ctx);
 *
 * A pass reads `in` (never modifies it) and builds a new trace in *out
 * (the caller frees both). It returns 0, or -1 with *out = NULL when
 * memory runs out or the trace breaks the scope rule below. Passes are
 * out-of-place because a rewrite then cannot leave a stale reference
 * behind: the output is built op by op through one in->out map (opt_rw.h),
 * so every later argument AND every snapshot slot of a replaced value
 * (folded to a constant, equal to an earlier value) names the
 * replacement. Passes never move an op: output order is input order, so
 * no op crosses a guard and a guard's snapshot keeps describing the same
 * point. A guard is removed only when it provably always passes (then
 * its snapshot can never be used); a guard that provably always fails is
 * kept and counted in opt_stats.always_fails (the loop always exits
 * there: the caller may drop it, as PyPy's InvalidLoop does).
 *
 * enable_opts names (PyPy's, in PyPy's order) and what each means here:
 *   intbounds   opt_intbounds: integer bounds from constants, arithmetic
 *               and guarded comparisons; folds decided comparisons, removes
 *               guards they imply and guard_no_overflow when the bounds
 *               exclude overflow (int_add_ovf -> int_add)
 *   rewrite     opt_rewrite: constant folding, algebraic simplification,
 *               same_as removal, guards on constants, and facts learned
 *               from guards (guard_value/guard_true/guard_false make a
 *               value constant; guard_class/guard_nonnull make later
 *               guard_class/guard_nonnull/guard_nonnull_class on the same
 *               value redundant), as PyPy's rewrite.py does
 *   pure        opt_pure: common-subexpression elimination of pure ops
 *               (same op, args modulo commutativity, descr), including a
 *               repeated int_*_ovf whose first copy was guarded
 *   virtualize, string, earlyforce, heap, unroll
 *               accepted, not implemented yet: they do nothing
 * Dead-code elimination (opt_dce) has no PyPy name: it runs last whenever
 * any name is enabled, and removes unused ops that ir_op_removable allows
 * (a value used only by a snapshot counts as used).
 *
 * Scope rule (PyPy's): after a label, ops and snapshots may refer only to
 * that label's arguments, constants and values defined after it. A label
 * starts a new scope: all facts are forgotten (constants stay constants),
 * and each label argument gets a distinct box (a same_as is inserted
 * before the label when a rewrite made an argument a constant or equal to
 * another argument), because the jump feeds new values into it -- so
 * after a label no pass looks at how a box was defined before it. */
#ifndef JIT_OPT_H
#define JIT_OPT_H

#include "../ir/ir.h"

/* enable_opts bits, PyPy's names and order */
enum {
    OPT_INTBOUNDS = 1u << 0,
    OPT_REWRITE = 1u << 1,
    OPT_VIRTUALIZE = 1u << 2,
    OPT_STRING = 1u << 3,
    OPT_PURE = 1u << 4,
    OPT_EARLYFORCE = 1u << 5,
    OPT_HEAP = 1u << 6,
    OPT_UNROLL = 1u << 7,
    OPT_ALL = (1u << 8) - 1,
};

/* What the passes did (added to, never reset, by each pass). */
typedef struct {
    int folded;         /* ops replaced by a constant or an equal value */
    int guards_removed; /* guards proved to always pass */
    int always_fails;   /* guards proved to always fail (kept) */
    int cse;            /* ops replaced by an earlier identical op */
    int dead;           /* unused removable ops dropped */
} opt_stats;

typedef struct {
    unsigned mask;    /* the enabled OPT_* bits (for passes that look at others) */
    opt_stats *stats; /* NULL: not counted */
} opt_ctx;

/* Facts about a value, shared by the passes (opt_rw.h keeps one per
 * output op; opt_rw_facts answers for constants too). */
typedef struct {
    ir_ref konst;   /* the constant it equals, or IR_NONE */
    int64_t lo, hi; /* int values: lo <= value <= hi */
    int64_t cls;    /* r values: known class (type address), 0 unknown */
    bool nonnull;   /* r values: known not NULL */
} opt_facts;

/* The passes. */
int opt_rewrite(const ir_trace *in, ir_trace **out, const opt_ctx *ctx);
int opt_intbounds(const ir_trace *in, ir_trace **out, const opt_ctx *ctx);
int opt_pure(const ir_trace *in, ir_trace **out, const opt_ctx *ctx);
int opt_dce(const ir_trace *in, ir_trace **out, const opt_ctx *ctx);

/* The driver: runs rewrite, pure, intbounds (those enabled in mask) and
 * repeats them while the trace keeps shrinking (at most 3 rounds, as one
 * pass's result feeds another's), then dce. With mask 0, *out is a copy.
 * Returns 0 with a new trace in *out (in is untouched), or -1 with *out
 * NULL and a message in err (errsize bytes; err may be NULL). */
int opt_run(const ir_trace *in, unsigned mask, ir_trace **out, opt_stats *stats,
            char *err, size_t errsize);

/* Parses an enable_opts value: "all", or names separated by ':' (empty
 * names are skipped, as PyPy does). On an unknown name returns -1 and
 * writes "unknown optimization 'NAME'" into err (OPT_ERRSIZE bytes). */
#define OPT_ERRSIZE 128
int opt_parse_enable_opts(const char *value, unsigned *mask, char *err);
/* The name of OPT_* bit number i (0..7). */
const char *opt_name(int i);

/* Checks the scope rule; 0, or -1 with a message in err. */
int opt_check_scopes(const ir_trace *t, char *err, size_t errsize);

#endif
