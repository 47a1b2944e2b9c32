/* runtime/codemem: chunks, blocks and page protection behind codemem.h.
 *
 * Bookkeeping lives outside the code pages (malloc'ed), since those are
 * read-only most of the time. Each chunk keeps a bump pointer, a sorted
 * free list of holes below it, and per page the count of unsealed blocks
 * touching that page: a page is RW while its count is positive and is made
 * RX when the count drops to zero. */
#include "codemem.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CHUNK_SIZE ((size_t)256 * 1024)
#define BLOCK_ALIGN 16

typedef struct hole {
    size_t off, size;
    struct hole *next;
} hole;

typedef struct chunk {
    uint8_t *base;
    size_t size;
    size_t bump;     /* everything from here on is free */
    size_t nblocks;  /* live blocks */
    hole *holes;     /* free ranges below bump, sorted by offset */
    uint32_t *open;  /* per page: unsealed blocks on it */
    struct chunk *next;
} chunk;

struct rt_codemem_block {
    chunk *c;
    size_t off, size;
    bool sealed;
};

static struct {
    chunk *chunks;
    size_t total, in_use;
} cm;

static size_t page_size(void)
{
    static size_t ps;
    if (!ps)
        ps = (size_t)sysconf(_SC_PAGESIZE);
    return ps;
}

static size_t round_up(size_t n, size_t a) { return (n + a - 1) / a * a; }

/* Adds delta (+1/-1) to the open count of every page of [off, off+size)
 * and mprotects the pages whose count leaves/reaches zero: RW on +1, RX on
 * -1. Runs of adjacent pages share one mprotect call. On failure the
 * counts are restored (best effort for the protections) and -1 returned. */
static int adjust_open(chunk *c, size_t off, size_t size, int delta)
{
    size_t ps = page_size();
    size_t first = off / ps, last = (off + size - 1) / ps;
    int prot = delta > 0 ? PROT_READ | PROT_WRITE : PROT_READ | PROT_EXEC;
    size_t run = SIZE_MAX; /* start of the current run of flipping pages */
    for (size_t p = first; p <= last + 1; p++) {
        bool flips = p <= last && (delta > 0 ? c->open[p] == 0 : c->open[p] == 1);
        if (flips && run == SIZE_MAX)
            run = p;
        if (!flips && run != SIZE_MAX) {
            if (mprotect(c->base + run * ps, (p - run) * ps, prot) != 0) {
                if (run > first)
                    adjust_open(c, first * ps, (run - first) * ps, -delta);
                return -1;
            }
            for (size_t q = run; q < p; q++)
                c->open[q] += delta;
            run = SIZE_MAX;
        }
        if (p <= last && !flips)
            c->open[p] += delta;
    }
    return 0;
}

static chunk *chunk_new(size_t min_size)
{
    size_t size = round_up(min_size > CHUNK_SIZE ? min_size : CHUNK_SIZE, page_size());
    void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED)
        return NULL;
    chunk *c = calloc(1, sizeof *c);
    if (c)
        c->open = calloc(size / page_size(), sizeof *c->open);
    if (!c || !c->open) {
        free(c);
        munmap(mem, size);
        return NULL;
    }
    c->base = mem;
    c->size = size;
    c->next = cm.chunks;
    cm.chunks = c;
    cm.total += size;
    return c;
}

static void chunk_drop(chunk *c)
{
    for (chunk **pp = &cm.chunks; *pp; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    while (c->holes) {
        hole *h = c->holes;
        c->holes = h->next;
        free(h);
    }
    munmap(c->base, c->size);
    cm.total -= c->size;
    free(c->open);
    free(c);
}

/* Takes size bytes from c (first fitting hole, else the bump area), or
 * returns false. */
static bool chunk_take(chunk *c, size_t size, size_t *off)
{
    for (hole **hp = &c->holes; *hp; hp = &(*hp)->next) {
        hole *h = *hp;
        if (h->size >= size) {
            *off = h->off;
            h->off += size;
            h->size -= size;
            if (h->size == 0) {
                *hp = h->next;
                free(h);
            }
            return true;
        }
    }
    if (c->size - c->bump >= size) {
        *off = c->bump;
        c->bump += size;
        return true;
    }
    return false;
}

/* Returns [off, off+size) to c's free space, merging with neighbouring
 * holes and with the bump area. Only if malloc fails for a new hole is the
 * range lost (until the chunk is unmapped). */
static void chunk_give(chunk *c, size_t off, size_t size)
{
    hole **hp = &c->holes, **prevp = NULL;
    while (*hp && (*hp)->off < off) {
        prevp = hp;
        hp = &(*hp)->next;
    }
    hole *prev = prevp ? *prevp : NULL, *next = *hp;
    if (off + size == c->bump) { /* the last block: no hole after it */
        c->bump = off;
        if (prev && prev->off + prev->size == off) {
            c->bump = prev->off;
            *prevp = next;
            free(prev);
        }
    } else if (prev && prev->off + prev->size == off) {
        prev->size += size;
        if (next && prev->off + prev->size == next->off) {
            prev->size += next->size;
            prev->next = next->next;
            free(next);
        }
    } else if (next && off + size == next->off) {
        next->off = off;
        next->size += size;
    } else {
        hole *h = malloc(sizeof *h);
        if (h) {
            *h = (hole){off, size, next};
            *hp = h;
        }
    }
}

void *rt_codemem_alloc(size_t size, rt_codemem_block **handle)
{
    *handle = NULL;
    if (size > SIZE_MAX / 2)
        return NULL;
    size = round_up(size ? size : 1, BLOCK_ALIGN);
    rt_codemem_block *blk = malloc(sizeof *blk);
    if (!blk)
        return NULL;
    chunk *c;
    size_t off = 0;
    for (c = cm.chunks; c; c = c->next)
        if (chunk_take(c, size, &off))
            break;
    if (!c) {
        c = chunk_new(size);
        if (!c || !chunk_take(c, size, &off)) {
            free(blk);
            return NULL;
        }
    }
    if (adjust_open(c, off, size, +1) != 0) {
        chunk_give(c, off, size);
        if (c->nblocks == 0)
            chunk_drop(c);
        free(blk);
        return NULL;
    }
    c->nblocks++;
    cm.in_use += size;
    *blk = (rt_codemem_block){c, off, size, false};
    *handle = blk;
    return c->base + off;
}

int rt_codemem_shrink(rt_codemem_block *h, size_t new_size)
{
    new_size = round_up(new_size ? new_size : 1, BLOCK_ALIGN);
    if (h->sealed || new_size > h->size)
        return -1;
    if (new_size == h->size)
        return 0;
    /* close the pages only the tail touched, then hand the tail back */
    size_t ps = page_size();
    size_t keep_end = round_up(h->off + new_size, ps);
    size_t tail_end = round_up(h->off + h->size, ps);
    if (tail_end > keep_end && adjust_open(h->c, keep_end, tail_end - keep_end, -1) != 0)
        return -1;
    chunk_give(h->c, h->off + new_size, h->size - new_size);
    cm.in_use -= h->size - new_size;
    h->size = new_size;
    return 0;
}

int rt_codemem_seal(rt_codemem_block *h)
{
    if (h->sealed)
        return 0;
    if (adjust_open(h->c, h->off, h->size, -1) != 0)
        return -1;
    h->sealed = true;
    return 0;
}

int rt_codemem_patch(void *addr, const void *bytes, size_t len)
{
    uint8_t *a = addr;
    if (len == 0)
        return 0;
    for (chunk *c = cm.chunks; c; c = c->next) {
        if (a < c->base || a + len > c->base + c->size)
            continue;
        size_t off = (size_t)(a - c->base);
        if (adjust_open(c, off, len, +1) != 0)
            return -1;
        memcpy(a, bytes, len);
        return adjust_open(c, off, len, -1);
    }
    return -1;
}

void rt_codemem_free(rt_codemem_block *h)
{
    if (!h)
        return;
    chunk *c = h->c;
    if (!h->sealed)
        adjust_open(c, h->off, h->size, -1); /* failure leaves RW, still not X */
    chunk_give(c, h->off, h->size);
    cm.in_use -= h->size;
    free(h);
    if (--c->nblocks == 0) {
        /* keep one empty standard chunk so that alloc/free cycles do
         * not mmap each time */
        for (chunk *o = cm.chunks; o; o = o->next)
            if (c->size != CHUNK_SIZE || (o != c && o->nblocks == 0)) {
                chunk_drop(c);
                return;
            }
        while (c->holes) {
            hole *x = c->holes;
            c->holes = x->next;
            free(x);
        }
        c->bump = 0;
    }
}

void *rt_codemem_ptr(const rt_codemem_block *h) { return h->c->base + h->off; }
size_t rt_codemem_size(const rt_codemem_block *h) { return h->size; }

void rt_codemem_stats(size_t *total, size_t *in_use)
{
    *total = cm.total;
    *in_use = cm.in_use;
}
