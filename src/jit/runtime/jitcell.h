/* runtime/jitcell: hotness counters for loop headers, with PyPy's
 * JitCounter semantics (fractional increments, decay), and the flags the
 * pypyjit API sets on a cell. A cellset is the cells of one code object;
 * every live cellset is on one list so counters can decay together. */
#ifndef JIT_JITCELL_H
#define JIT_JITCELL_H

#include <stdbool.h>
#include <stdint.h>

enum {
    JC_EXISTS = 1,           /* PyPy would have a JitCell object here */
    JC_DONT_TRACE_HERE = 2,  /* dont_trace_here() */
    JC_BEING_TRACED = 4,     /* mark_as_being_traced() */
    JC_TRACE_NEXT = 8,       /* trace_next_iteration(): next tick fires */
    JC_GIVEN_UP = 16,        /* tracing given up: hand the frame to CPython */
    JC_HAS_INNER = 32,       /* the loop contains another: given up, it stays in
                                the own interpreter while an inner one has
                                machine code (fe_inner_loop_compiled), which
                                a frame handed to CPython would not run */
    JC_IS_INNER = 64,        /* the loop is inside another: its code counts its
                                iterations (fe_inner_loop_compiled) */
};

typedef struct {
    double counter;     /* fraction of the way to hot, in [0, 1); double so that
                         * it fires on exactly the threshold-th tick */
    int32_t countdown;  /* back-edges the interpreter only counts down before it
                         * looks at the cell again (rt_cell_ticks) */
    int32_t batch;      /* what countdown was set to then */
    uint16_t flags;
    int offset;         /* loop header: bytecode offset in bytes */
    bool profiled;      /* the greenkey's is_being_profiled */
    uint64_t hash;      /* what trace_next_iteration_hash() matches */
    void *loop;         /* compiled loop entered here (the frontend's), or NULL */
    uint8_t *hint;      /* malloc'd: slots the last trace stored to (the
                           recorder syncs them to the frame before calls) */
    int aborts;         /* tracing attempts given up here */
    int ends;           /* traces that ended because the loop was left */
} rt_jitcell;

typedef struct rt_cellset {
    struct rt_cellset *prev, *next;
    rt_jitcell *cells;
    int ncells, capacity;
} rt_cellset;

/* Back-edges a countdown covers at most: the granularity of the decay
 * clock (rt_decay_clock_add). */
#define RT_CELL_BATCH 4096

/* Sets the countdown to the ticks left before the cell can fire (at most
 * a batch), from its counter. */
static inline void rt_cell_arm(rt_jitcell *c, double inc)
{
    double left = (1.0 - c->counter) / inc - 0.5;  /* fires after more than this */
    int k = left >= RT_CELL_BATCH ? RT_CELL_BATCH : left < 0.0 ? 1 : (int)left + 1;
    c->batch = c->countdown = k;
}

/* The slow path of a back-edge; the fast path is `--countdown > 0`. Adds
 * `inc` for each back-edge counted since the last call (*ticks of them);
 * true when the counter reaches 1.0 (and restarts it) or the cell was told
 * to fire (JC_TRACE_NEXT). Then counts down the back-edges left before it
 * can fire. The counter fires once it is within half an increment of 1.0:
 * on the threshold-th tick, whatever the rounding of inc. */
static inline bool rt_cell_ticks(rt_jitcell *c, double inc, int *ticks)
{
    int n = c->batch - c->countdown;
    bool fire;
    *ticks = n;
    if (c->flags & JC_TRACE_NEXT) {
        c->flags &= (uint16_t)~JC_TRACE_NEXT;
        c->counter = 0.0;
        fire = true;
    } else {
        double v = c->counter + n * inc;
        fire = v > 1.0 - 0.5 * inc;
        c->counter = fire ? 0.0 : v;
    }
    rt_cell_arm(c, inc);
    return fire;
}

/* The cell changed (a flag, its loop, its counter): the interpreter looks
 * at it at the next back-edge, with the back-edges counted so far. */
static inline void rt_cell_wake(rt_jitcell *c)
{
    c->batch -= c->countdown;
    c->countdown = 0;
}

void rt_cellset_link(rt_cellset *s);
void rt_cellset_unlink(rt_cellset *s);
/* Returns the index of the cell for greenkey (offset, profiled), adding
 * one if `create`; -1 when absent (or out of memory). */
int rt_cellset_find(rt_cellset *s, int offset, bool profiled, bool create, uint64_t hash);
void rt_cellset_free(rt_cellset *s);
/* Calls fn on every cell of every live cellset. */
void rt_foreach_cell(void (*fn)(rt_jitcell *cell, void *arg), void *arg);
/* Calls fn on every live cellset (one per code object). */
void rt_foreach_cellset(void (*fn)(rt_cellset *s, void *arg), void *arg);
/* Multiplies every counter by (1 - decay/1000): PyPy does this regularly
 * so that slowly warming paths never become hot. */
void rt_decay_all(void);
/* Sets JC_TRACE_NEXT on every cell whose hash is `hash`; returns how many.
 * Like PyPy's, this changes the counter only: get_jitcell_at_key() still
 * says whether a JitCell exists. */
int rt_trace_next_hash(uint64_t hash);

#endif
