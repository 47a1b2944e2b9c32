/* backend: the interface between the frontend (recorder, deopt) and a
 * machine backend (x64 today). It compiles an optimised IR trace to
 * machine code and describes, for every guard, where each value its
 * snapshot needs lives when the guard fails. Knows nothing of Python
 * semantics: values are int64, double or pointers.
 *
 * Calling convention of compiled code (System V, from C):
 *
 *     int64_t entry(void *const *inputs, jit_deadframe *df);
 *
 *   `inputs[k]` is the value of the trace's k-th input argument (an int64,
 *   a pointer, or a double's bits). The code runs until a guard fails (or a
 *   `finish` is reached) and returns the failing guard's exit number (its
 *   index in jit_loop.exits). Before returning, the exit stub stores every
 *   general register and every xmm register into df->gpr / df->xmm; spilled
 *   values live in df->spill for the whole run (the compiled code keeps df
 *   in a callee-saved register), so any location is readable after return.
 *
 * A loop is [inputs] ... label(args) ... jump(args): the jump goes back to
 * the label. A bridge (jit_compile_bridge) starts at a guard's exit and
 * ends with a jump to the loop's label (or a finish).
 */
#ifndef JIT_BACKEND_H
#define JIT_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../ir/ir.h"

#define JIT_NGPR 16
#define JIT_NXMM 16
#define JIT_MAX_SPILL 1024

struct jit_loop;

typedef struct {
    uint64_t gpr[JIT_NGPR];   /* indexed by x86 register number (rax=0 ... r15=15) */
    uint64_t xmm[JIT_NXMM];   /* low 64 bits of xmm0..xmm15 */
    uint64_t spill[JIT_MAX_SPILL];
    /* The loop whose exit was taken: the one entered, or one a bridge of
     * it jumped to (jit_compile_bridge's jump_loop); the exit number is
     * that loop's. */
    const struct jit_loop *exited;
} jit_deadframe;

/* Where a value is at a guard exit. */
typedef enum {
    JIT_LOC_NONE,     /* not available (IR_NONE slot) */
    JIT_LOC_CONST,    /* a constant: `value` holds it (int64 / pointer / double bits) */
    JIT_LOC_GPR,      /* df->gpr[index] */
    JIT_LOC_XMM,      /* df->xmm[index] */
    JIT_LOC_SPILL,    /* df->spill[index] */
} jit_loc_kind;

typedef struct {
    uint8_t kind;     /* jit_loc_kind */
    uint16_t index;
    uint64_t value;   /* JIT_LOC_CONST */
} jit_loc;

/* One exit: a guard, or the trace's `finish`. `snap` is the guard's
 * snapshot index in the trace (-1 for finish, whose args are its values);
 * the locations are given per IR ref that the snapshot uses (map through
 * jit_exit_loc; constants appear as JIT_LOC_CONST). "The trace" is the
 * one the exit belongs to: the loop's own, or a bridge's (`bridge` >= 0,
 * see jit_exit_trace); guard, snap and refs are of that trace, and the
 * code offsets are relative to that trace's code. */
typedef struct {
    ir_ref guard;         /* the guard (or finish) op in the trace */
    int snap;             /* its snapshot, -1 for finish */
    uint32_t loc0, nlocs; /* its entries in jit_loop.locs */
    int32_t jump_field[2]; /* offsets of the rel32 fields of the (at most two)
                              jumps from the guard to its stub, -1 if unused;
                              jit_exit_patch redirects them to a bridge */
    uint32_t stub_offset; /* offset of its exit stub (finish: of its inline
                             exit; 0 for a guard without jumps) */
    int32_t bridge;       /* -1: an exit of the loop trace; else the index in
                             jit_loop.bridges of the bridge it belongs to */
    int32_t bridged;      /* -1, or the bridge its jumps were patched to */
} jit_exit;

typedef struct {
    ir_ref ref;           /* a value live at the exit */
    jit_loc loc;
} jit_exit_entry;

/* Where each value of a compiled trace lives: the allocation gives a value
 * ONE location for its whole live range, so any value live at a guard
 * (not only those its snapshot lists) is found there. */
typedef struct {
    jit_loc *loc;         /* per op of the trace (JIT_LOC_NONE: no location) */
    int32_t *end;         /* per op: the last position that needs it, -1 if none */
    int n;                /* ops */
} jit_values;

/* A bridge: machine code entered from a guard of the loop (or of another
 * bridge of it), in the loop's stack frame. */
typedef struct {
    void *code;           /* start of its machine code */
    size_t code_size;
    void *mem;            /* codemem handle */
    const ir_trace *trace; /* borrowed: the caller keeps it alive with the loop */
    int parent_exit;      /* the exit whose guard now jumps here */
    int exit0, nexits;    /* its exits: jit_loop.exits[exit0 .. exit0+nexits-1] */
    jit_values vals;
} jit_bridge;

typedef struct jit_loop {
    void *code;           /* start of the machine code (entry) */
    size_t code_size;
    void *mem;            /* codemem handle (rt_codemem_block *) */
    jit_exit *exits;
    int nexits;
    jit_exit_entry *locs;
    int nlocs;
    int64_t (*entry)(void *const *inputs, jit_deadframe *df);
    /* For bridges, which run in the loop's stack frame (rbx = df): */
    int32_t label_offset; /* offset of the loop label (jump target), -1 if none */
    jit_loc *label_locs;  /* where the label's args live at the label */
    int nlabel_args;
    uint32_t exit_offset; /* common exit path: enter with eax = exit number; it
                             stores the registers into df and returns */
    int nspill;           /* spill slots used (max over the loop and its bridges) */
    /* Bridges (jit_compile_bridge). Exit numbers are shared: a bridge's
     * exits are appended to `exits` (which may move), so an exit number
     * stays valid for the loop's life and means one guard of one trace. */
    const ir_trace *trace; /* borrowed: the trace jit_compile_loop compiled */
    char *label_types;    /* the label args' types ('i', 'r', 'f'), or NULL */
    uint64_t label_token; /* the label's TargetToken id */
    bool label_scoped;    /* no value from before the label is used after it
                             but as a label arg: bridges may jump there */
    jit_bridge *bridges;
    int nbridges;
    jit_values vals;      /* of the loop's trace */
    void *user;           /* the caller's, untouched by the backend */
} jit_loop;

/* Compiles a trace (checked with ir_verify first) ending in a jump to one
 * of its labels (a loop) or in finish. Returns NULL and writes a reason
 * into err on failure (an op the backend does not support, code memory
 * exhausted); the caller aborts the compilation then. Fills each op's
 * mc_offset (inputs keep -1). The loop references the trace's constants
 * by value only: keeping ConstPtr objects alive is the caller's job.
 * The loop remembers `t` (jit_loop.trace, jit_exit_trace): the caller
 * keeps it alive as long as the loop when it uses those or bridges.
 *
 * Op conventions (x64): increment_debug_counter(addr) adds 1 to the int64
 * at address `addr` (an int value or constant); arraylen_gc reads the
 * PyVarObject ob_size word (the array descr is only checked); guard_class
 * compares ob_type; py_decref deallocates at zero; guard_not_invalidated
 * emits no code yet (its exit has no jump). */
jit_loop *jit_compile_loop(ir_trace *t, char *err, size_t errsize);
/* Frees the loop's code and tables and every bridge's code (not traces). */
void jit_loop_free(jit_loop *loop);

/* Compiles `bridge` as the continuation of exit `exit` of `loop` (a guard
 * of the loop's trace or of one of its bridges) and patches that guard's
 * jumps to go to it. Returns the bridge's index in loop->bridges, or -1
 * with a reason in err (nothing changed then).
 *
 * The bridge trace's k-th input argument is the value that ref
 * `from_refs[k]` of the exit's trace (jit_exit_trace(loop, exit)) has at
 * that exit: it must be live there (jit_exit_loc is not JIT_LOC_NONE: a
 * snapshot value or constant, or any value still live at the guard) and
 * of the same type. The bridge ends with jump(args) -- to the loop's
 * label (its descr, if any, must carry loop->label_token; arity and types
 * must match the label's; loop->label_scoped must hold) -- or with
 * finish(values), or with a jump to a label of its own -- or, with
 * `jump_loop` (NULL: `loop`), with a jump to that other loop's label, its
 * descr carrying that loop's label_token: the other loop's code then runs
 * in this one's stack frame and deadframe, and its exits return its own
 * exit numbers with df->exited naming it (all loops' code must be kept
 * while one that jumps there lives). Its guards get new
 * exit numbers (loop->exits grows; jit_exit.bridge says whose they are),
 * and their snapshots are the bridge trace's. Fills the bridge's op
 * mc_offset (relative to its code). `bridge` is borrowed: keep it alive
 * (with its ConstPtr objects) as long as the loop. Bridges of bridges:
 * pass an exit of a bridge, from_refs then being refs of that bridge.
 * The patch is done in place: the loop's code may be on the stack (a
 * call from it waiting to return), but must not be executing -- with
 * the GIL held by the caller, no thread is inside compiled code. */
int jit_compile_bridge(jit_loop *loop, int exit, ir_trace *bridge, const ir_ref *from_refs,
                       const jit_loop *jump_loop, char *err, size_t errsize);

/* The trace exit e belongs to (whose snapshot, guard and refs it names):
 * the loop's trace or a bridge's; NULL if e is out of range. */
const ir_trace *jit_exit_trace(const jit_loop *loop, int e);

/* The location of `ref` (a ref of the exit's trace) at exit `e`: the
 * snapshot's (finish: the args') values and constants, and any other
 * value of that trace still live at the guard (e.g. a loop's frame
 * pointer input, which bridges need); JIT_LOC_NONE when it is not live. */
jit_loc jit_exit_loc(const jit_loop *loop, int e, ir_ref ref);
/* Reads a location after the code returned. */
uint64_t jit_loc_read(const jit_deadframe *df, jit_loc loc);

/* Redirects exit e's guard jumps to `target` (a bridge, entered with the
 * loop's registers and stack frame). 0, or -1 (no jump, out of rel32
 * range, or patching failed; nothing changed then). jit_compile_bridge
 * does this itself. */
int jit_exit_patch(jit_loop *loop, int e, const void *target);

#endif
