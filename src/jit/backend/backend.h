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
 * the label. A bridge (later) starts at a guard's exit and jumps to a label
 * of some loop.
 */
#ifndef JIT_BACKEND_H
#define JIT_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include "../ir/ir.h"

#define JIT_NGPR 16
#define JIT_NXMM 16
#define JIT_MAX_SPILL 1024

typedef struct {
    uint64_t gpr[JIT_NGPR];   /* indexed by x86 register number (rax=0 ... r15=15) */
    uint64_t xmm[JIT_NXMM];   /* low 64 bits of xmm0..xmm15 */
    uint64_t spill[JIT_MAX_SPILL];
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
 * jit_exit_loc; constants appear as JIT_LOC_CONST). */
typedef struct {
    ir_ref guard;         /* the guard (or finish) op in the trace */
    int snap;             /* its snapshot, -1 for finish */
    uint32_t loc0, nlocs; /* its entries in jit_loop.locs */
    int32_t jump_field[2]; /* offsets of the rel32 fields of the (at most two)
                              jumps from the guard to its stub, -1 if unused;
                              jit_exit_patch redirects them to a bridge */
    uint32_t stub_offset; /* offset of its exit stub (finish: of its inline
                             exit; 0 for a guard without jumps) */
} jit_exit;

typedef struct {
    ir_ref ref;           /* a value live at the exit */
    jit_loc loc;
} jit_exit_entry;

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
    int nspill;           /* spill slots used */
} jit_loop;

/* Compiles a trace (checked with ir_verify first) ending in a jump to one
 * of its labels (a loop) or in finish. Returns NULL and writes a reason
 * into err on failure (an op the backend does not support, code memory
 * exhausted); the caller aborts the compilation then. Fills each op's
 * mc_offset (inputs keep -1). The loop references the trace's constants
 * by value only: keeping ConstPtr objects alive is the caller's job.
 *
 * Op conventions (x64): increment_debug_counter(addr) adds 1 to the int64
 * at address `addr` (an int value or constant); arraylen_gc reads the
 * PyVarObject ob_size word (the array descr is only checked); guard_class
 * compares ob_type; py_decref deallocates at zero; guard_not_invalidated
 * emits no code yet (its exit has no jump). */
jit_loop *jit_compile_loop(ir_trace *t, char *err, size_t errsize);
void jit_loop_free(jit_loop *loop);

/* The location of `ref` at exit `e` (JIT_LOC_NONE when it is not live). */
jit_loc jit_exit_loc(const jit_loop *loop, int e, ir_ref ref);
/* Reads a location after the code returned. */
uint64_t jit_loc_read(const jit_deadframe *df, jit_loc loc);

/* Redirects exit e's guard jumps to `target` (a bridge, entered with the
 * loop's registers and stack frame). 0, or -1 (no jump, out of rel32
 * range, or patching failed). */
int jit_exit_patch(jit_loop *loop, int e, const void *target);

#endif
