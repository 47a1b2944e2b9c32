/* frontend/jitloop: a compiled loop as the frontend sees it -- the trace
 * and machine code, how the frame's slots become the code's inputs at
 * entry (enter.c), and how a guard's snapshot becomes the frame again at
 * exit (deopt). Also the recorder's interface (recorder.c). */
#ifndef JIT_FE_JITLOOP_H
#define JIT_FE_JITLOOP_H

#include "cpython.h"
#include "jitcode.h"
#include "../backend/backend.h"
#include "../ir/ir.h"

/* How a frame slot is represented in a trace. */
typedef enum {
    FE_K_NONE,   /* empty slot (NULL) */
    FE_K_INT,    /* unboxed int64 (an exact int that fits) */
    FE_K_FLOAT,  /* unboxed double (an exact float) */
    FE_K_BOOL,   /* 0/1 (Py_False / Py_True) */
    FE_K_REF,    /* any object, borrowed from where it lives */
    FE_K_OWNED,  /* an object the trace owns (a call's result, until the
                    next instruction unboxes it) */
} fe_kind;

/* Iterations per entry, on average, that an inner loop's machine code must
 * run for its outer loop, given up, to stay in the own interpreter. */
#define FE_INNER_MIN_ITERS 8

/* Bridges one loop grows at most: a guard on something that changes at
 * every iteration (an object made anew each time, compared by identity)
 * would otherwise grow a chain of bridges, one per trace_eagerness
 * failures, without end. Past it, guards leave to the interpreter. */
#define FE_MAX_BRIDGES 250

/* Snapshot frame flags (ir_frame.flags): the frame of an inlined class
 * instantiation's __init__ (its result is checked and dropped on return,
 * the instance being on its caller's stack: FE_SPECIAL_RETURN). */
#define FE_FRAME_INIT 1u

/* Trace inputs: p0 the frame's localsplus, i1 the address of the flag
 * that says tracing is on, then the slots. */
#define FE_FIRST_SLOT_INPUT 2

typedef struct fe_loop {
    ir_trace *trace;          /* optimised trace: snapshots and constants for deopt */
    jit_loop *mc;             /* machine code */
    PyCodeObject *code;       /* borrowed: the loop lives in the code's co_extra */
    fe_jitcode *jc;           /* borrowed: that co_extra */
    int header;               /* code unit index of the loop header */
    int nentry;               /* slots at the header: nlocalsplus + stack depth */
    int ninputs;              /* see FE_FIRST_SLOT_INPUT */
    int *input_slot;          /* per input k >= FE_FIRST_SLOT_INPUT: its frame slot */
    uint8_t *input_kind;      /* per such input: the fe_kind the slot must have */
    ir_ref *slot_input;       /* per slot < nentry: its input ref, or IR_NONE */
    uint8_t *written;         /* per slot < nentry: stored to by some trace of the
                                 code (borrowed: its jitcode's, shared by its loops) */
    uint8_t *syncs;           /* per slot < nentry: boxed into the frame by the loop's
                                 trace before its calls (NULL: it makes none), which
                                 the bridges that jump to its label may leave to it */
    int loop_no;
    uint32_t *exit_fails;     /* per exit (loop's and bridges'): how often it failed */
    int nexit_fails;
    uint8_t *exit_state;      /* per exit: FE_EXIT_* */
    jit_loc *finish_loc;      /* per exit: where a finish leaves its result */
    ir_trace **bridge_traces; /* kept for deopt and hooks, freed with the loop */
    int nbridges;
    int pending_bridge;       /* exit to record a bridge from, or -1 */
    int bridge_aborts;        /* bridges given up on this loop */
    long long runs;           /* enable_debug(): iterations counted by the code */
    long long iters;          /* a loop inside another: iterations, always counted */
    long long entries;        /* times fe_loop_run entered it */
    bool debug;               /* compiled while debug counting was on */
    bool release;             /* releaseall(): free at the next collection */
    int running;              /* runs of this loop on the C stack now */
    /* Objects the loop's traces guard by identity (inlined functions'
     * code and defaults): kept alive with it, so that their addresses
     * cannot come back as other objects. */
    PyObject **kept;
    int nkept;
} fe_loop;

enum { FE_EXIT_OPEN, FE_EXIT_GIVEN_UP };

/* ---- recorder ---- */
typedef struct fe_recorder fe_recorder;

int fe_rec_init(void);   /* at module init */

/* Starts recording the loop whose header is code unit `header`, with the
 * frame as it is at the back-edge (stack pointer sp). NULL when no trace is
 * possible (the reason was reported as an abort). */
fe_recorder *fe_rec_start(fe_jitcode *jc, rt_jitcell *cell, _PyInterpreterFrame *frame,
                          PyObject **sp, int header);
/* Starts recording a bridge from exit `e` of `loop`, whose snapshot the
 * frame holds now (the interpreter resumes at `pc`). NULL when not
 * possible. */
fe_recorder *fe_rec_start_bridge(fe_jitcode *jc, rt_jitcell *cell, fe_loop *loop, int e,
                                 _PyInterpreterFrame *frame, PyObject **sp, int pc);
/* Records the instruction whose opcode unit is `index` (base opcode, full
 * oparg) before the interpreter executes it. Returns true while recording
 * goes on; false when the trace is finished (compiled or aborted) and the
 * recorder is freed. */
bool fe_rec_instr(fe_recorder *r, _PyInterpreterFrame *frame, PyObject **sp, int index,
                  int opcode, int oparg);
/* Whether the CALL just recorded was inlined into the trace: the
 * interpreter must then run it inline too (fe_frame_push), so that the
 * recorder sees the callee's instructions in its frame. */
bool fe_rec_inline_call(const fe_recorder *r);
/* Abandons recording with PyPy's abort `reason` (the caller counts it). */
void fe_rec_abort(fe_recorder *r, const char *reason);
/* Abandons recording because the frame leaves the own interpreter or an
 * exception is raised: ABORT_UNSUPPORTED with `what` as the detail. */
void fe_rec_leave(fe_recorder *r, const char *what);

/* ---- running compiled loops ---- */
/* Enters *loop at its header (a function trace: at the frame's start),
 * and sets *loop to the loop whose exit the code took (a bridge may have
 * jumped to another loop of the code, nested in it or around it);
 * on return the frame holds the state of the guard that failed. A guard
 * inside an inlined call leaves the frames of the calls as CPython would
 * have them, pushed and linked over `frame` (each caller waiting after
 * its CALL, stacktop and prev_instr set), and *inner names the innermost,
 * whose stacktop and prev_instr say where to go on; otherwise *inner is
 * `frame`. Returns the code unit index to resume at in *inner and sets
 * *sp; or FE_RESUME_RETURNED (the code's finish: *retval); -1 when the
 * loop could not be entered (slots of other types: the interpreter just
 * goes on); -2 with an exception set (out of memory); or
 * FE_RESUME_RAISING(pc). */
int fe_loop_run(fe_loop **loop, _PyInterpreterFrame *frame, PyObject ***sp,
                _PyInterpreterFrame **inner, PyObject **retval);
/* fe_loop_run's result when the code reached its `finish` (a function
 * trace, or a bridge, returning): the frame has returned *retval (a new
 * reference), its value stack is empty and its locals hold what the frame
 * is cleared with. */
#define FE_RESUME_RETURNED INT_MIN
/* Where exit e leaves its result when it is a `finish` (its first arg);
 * JIT_LOC_NONE for a guard. Kept per exit in finish_loc. */
jit_loc fe_finish_result_loc(const fe_loop *L, int e);
/* fe_loop_run's result when a call in compiled code raised: the exception
 * is set and pending at code unit `pc` (the interpreter's error path). */
#define FE_RESUME_RAISING(pc) (-3 - (pc))
#define FE_RAISING_PC(res) (-3 - (res))
void fe_loop_free(fe_loop *loop);
/* releaseall(): marks every loop to be freed at the next collection. */
int fe_release_all(void);

/* Compiles a recorded trace for `cell`; takes ownership of the trace and
 * of the entry description. Returns 0, or -1 with the abort reported. */
int fe_compile_loop(fe_jitcode *jc, rt_jitcell *cell, ir_trace *t, fe_loop *proto);
/* Compiles a recorded bridge from exit `e` of `loop`; takes ownership of
 * the trace and of from_refs (bridge input k = the value from_refs[k] of
 * the exit's trace). It ends at the label of `to` (NULL: of `loop`), a
 * loop of the same code, or in a finish. */
int fe_compile_bridge(fe_loop *loop, int e, ir_trace *t, ir_ref *from_refs, fe_loop *to);

#endif
