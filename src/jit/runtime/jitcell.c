/* runtime/jitcell: the list of live cellsets and operations over all
 * cells. */
#include "jitcell.h"
#include "runtime.h"
#include <stdlib.h>

/* Sentinel of the list of every live cellset; global for the same reason
 * as `rt` (see runtime.h), touched only with the GIL held. */
static rt_cellset all_cellsets = {&all_cellsets, &all_cellsets, NULL, 0, 0};

void rt_cellset_link(rt_cellset *s)
{
    s->next = all_cellsets.next;
    s->prev = &all_cellsets;
    all_cellsets.next->prev = s;
    all_cellsets.next = s;
}

void rt_cellset_unlink(rt_cellset *s)
{
    if (s->prev == NULL)
        return;
    s->prev->next = s->next;
    s->next->prev = s->prev;
    s->prev = s->next = NULL;
}

int rt_cellset_find(rt_cellset *s, int offset, bool profiled, bool create, uint64_t hash)
{
    for (int i = 0; i < s->ncells; i++)
        if (s->cells[i].offset == offset && s->cells[i].profiled == profiled)
            return i;
    if (!create)
        return -1;
    if (s->ncells == s->capacity) {
        int cap = s->capacity ? 2 * s->capacity : 4;
        rt_jitcell *c = realloc(s->cells, (size_t)cap * sizeof *c);
        if (c == NULL)
            return -1;
        s->cells = c;
        s->capacity = cap;
    }
    rt_jitcell *c = &s->cells[s->ncells];
    *c = (rt_jitcell){.offset = offset, .profiled = profiled, .hash = hash};
    return s->ncells++;
}

void rt_cellset_free(rt_cellset *s)
{
    rt_cellset_unlink(s);
    for (int i = 0; i < s->ncells; i++)
        free(s->cells[i].hint);
    free(s->cells);
    s->cells = NULL;
    s->ncells = s->capacity = 0;
}

void rt_decay_all(void)
{
    double m = rt.decay_mult;
    if (m >= 1.0)
        return;
    for (rt_cellset *s = all_cellsets.next; s != &all_cellsets; s = s->next)
        for (int i = 0; i < s->ncells; i++)
            s->cells[i].counter *= m;  /* (the countdowns stand: a cell
                                          looked at early fires later) */
}

int rt_trace_next_hash(uint64_t hash)
{
    int n = 0;
    for (rt_cellset *s = all_cellsets.next; s != &all_cellsets; s = s->next)
        for (int i = 0; i < s->ncells; i++)
            if (s->cells[i].hash == hash) {
                s->cells[i].flags |= JC_TRACE_NEXT;
                rt_cell_wake(&s->cells[i]);
                n++;
            }
    return n;
}

void rt_foreach_cellset(void (*fn)(rt_cellset *s, void *arg), void *arg)
{
    for (rt_cellset *s = all_cellsets.next; s != &all_cellsets; s = s->next)
        fn(s, arg);
}

void rt_foreach_cell(void (*fn)(rt_jitcell *cell, void *arg), void *arg)
{
    for (rt_cellset *s = all_cellsets.next; s != &all_cellsets; s = s->next)
        for (int i = 0; i < s->ncells; i++)
            fn(&s->cells[i], arg);
}
