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
};

typedef struct {
    double counter;     /* fraction of the way to hot, in [0, 1); double so that
                         * it fires on exactly the threshold-th tick */
    uint16_t flags;
    int offset;         /* loop header: bytecode offset in bytes */
    bool profiled;      /* the greenkey's is_being_profiled */
    uint64_t hash;      /* what trace_next_iteration_hash() matches */
    void *loop;         /* compiled loop entered here (the frontend's), or NULL */
    uint8_t *hint;      /* malloc'd: slots the last trace stored to (the
                           recorder syncs them to the frame before calls) */
    int aborts;         /* tracing attempts given up here */
} rt_jitcell;

typedef struct rt_cellset {
    struct rt_cellset *prev, *next;
    rt_jitcell *cells;
    int ncells, capacity;
} rt_cellset;

/* Adds `inc` to the cell; true when it reaches 1.0 (and restarts it). */
static inline bool rt_cell_tick(rt_jitcell *c, double inc)
{
    if (c->flags & JC_TRACE_NEXT) {
        c->flags &= (uint16_t)~JC_TRACE_NEXT;
        c->counter = 0.0;
        return true;
    }
    double n = c->counter + inc;
    if (n < 1.0) {
        c->counter = n;
        return false;
    }
    c->counter = 0.0;
    return true;
}

void rt_cellset_link(rt_cellset *s);
void rt_cellset_unlink(rt_cellset *s);
/* Returns the index of the cell for greenkey (offset, profiled), adding
 * one if `create`; -1 when absent (or out of memory). */
int rt_cellset_find(rt_cellset *s, int offset, bool profiled, bool create, uint64_t hash);
void rt_cellset_free(rt_cellset *s);
/* Calls fn on every cell of every live cellset. */
void rt_foreach_cell(void (*fn)(rt_jitcell *cell, void *arg), void *arg);
/* Multiplies every counter by (1 - decay/1000): PyPy does this regularly
 * so that slowly warming paths never become hot. */
void rt_decay_all(void);
/* Sets JC_TRACE_NEXT on every cell whose hash is `hash`; returns how many.
 * Like PyPy's, this changes the counter only: get_jitcell_at_key() still
 * says whether a JitCell exists. */
int rt_trace_next_hash(uint64_t hash);

#endif
