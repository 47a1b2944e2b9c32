/* runtime/codemem: executable memory for machine code, W^X.
 *
 * Code lives in blocks carved out of mmap'ed chunks (256 KiB, or larger
 * for a larger block). A page is never writable and executable at once:
 *   rt_codemem_alloc   -> the block's pages are PROT_READ|PROT_WRITE; the
 *                         backend writes its code at the returned address
 *                         (which is also where it will run);
 *   rt_codemem_seal    -> the pages become PROT_READ|PROT_EXEC (x86 needs
 *                         no icache flush);
 *   rt_codemem_patch   -> for a later change (a guard's jump redirected to
 *                         a bridge) the pages flip to RW, the bytes are
 *                         written, and they flip back to RX.
 * Blocks share pages, so each page counts the unsealed blocks on it and
 * stays RW until the last of them is sealed. While a block is open, sealed
 * code on the same pages is not executable: allocate, emit and seal
 * without running JIT code or Python code (which might) in between.
 *
 * Freed blocks are reused (first fit, neighbours coalesced); a chunk whose
 * last block is freed is unmapped, except one empty chunk kept for reuse.
 * rt_codemem_stats gives PyPy's get_stats_asmmemmgr() pair.
 *
 * Thread-safety: none of its own. Every call must hold the GIL, which is
 * also what keeps machine code (it runs with the GIL held) off a page
 * while it is flipped to RW. */
#ifndef JIT_CODEMEM_H
#define JIT_CODEMEM_H

#include <stddef.h>

typedef struct rt_codemem_block rt_codemem_block;

/* A writable block of at least `size` bytes, 16-byte aligned; *handle is
 * set for the calls below. NULL (and *handle NULL) when out of memory:
 * the caller aborts tracing. */
void *rt_codemem_alloc(size_t size, rt_codemem_block **handle);

/* Gives back the tail of an unsealed block beyond new_size (after the
 * backend knows how much it used). 0, or -1 if sealed or growing. */
int rt_codemem_shrink(rt_codemem_block *h, size_t new_size);

/* Makes the block executable and read-only. 0, or -1 if mprotect fails
 * (the block stays writable and must not be run). Sealing twice is a no-op. */
int rt_codemem_seal(rt_codemem_block *h);

/* Writes len bytes at addr inside a block (sealed or not) without ever
 * making a page writable and executable. 0, or -1 if addr..addr+len is
 * not in code memory or mprotect fails (nothing written then). */
int rt_codemem_patch(void *addr, const void *bytes, size_t len);

/* Frees the block (sealed or not); NULL is ignored. */
void rt_codemem_free(rt_codemem_block *h);

void *rt_codemem_ptr(const rt_codemem_block *h);
size_t rt_codemem_size(const rt_codemem_block *h);

/* total: bytes mapped for code; in_use: bytes in allocated blocks. */
void rt_codemem_stats(size_t *total, size_t *in_use);

#endif
