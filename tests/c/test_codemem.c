/* tests/c/test_codemem: executable memory (runtime/codemem) with code from
 * the x64 encoder: emitted functions run after sealing, patching
 * redirects code, /proc/self/maps never shows an rwx mapping, and the
 * (total, in_use) accounting returns to where it started. */
#include "../../src/jit/runtime/codemem.h"
#include "../../src/jit/backend/x64/x64_emit.h"
#include "test.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef int64_t (*fn1)(int64_t);
typedef int64_t (*fn2)(int64_t, int64_t);

/* Number of rwx mappings in the whole process (there should be none). */
static int rwx_mappings(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512], perms[8];
    int n = 0;
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "%*x-%*x %7s", perms) == 1 && strncmp(perms, "rwx", 3) == 0)
            n++;
    fclose(f);
    return n;
}

/* The permissions ("rw-p", "r-xp") of the mapping that holds addr. */
static const char *perms_at(const void *addr)
{
    static char perms[8];
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    unsigned long lo, hi;
    strcpy(perms, "none");
    if (!f)
        return perms;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 && lo <= (uintptr_t)addr &&
            (uintptr_t)addr < hi)
            break;
        else
            strcpy(perms, "none");
    fclose(f);
    return perms;
}

TEST(codemem_run_patch_and_wx)
{
    rt_codemem_block *h;
    uint8_t *code = rt_codemem_alloc(64, &h);
    CHECK(code != NULL && h != NULL);
    if (!code)
        return;
    CHECK(rt_codemem_ptr(h) == code);
    CHECK_EQ_INT((uintptr_t)code % 16, 0);
    CHECK(strcmp(perms_at(code), "rw-p") == 0);
    CHECK_EQ_INT(rwx_mappings(), 0);

    x64_buf b;
    x64_buf_init(&b, code, rt_codemem_size(h));
    x64_mov_rr(&b, X64_RAX, X64_RDI);
    x64_alu_ri(&b, X64_ADD, X64_RAX, 1);
    size_t imm_at = x64_pos(&b) - 1; /* the imm8 of the add */
    x64_ret(&b);
    CHECK_EQ_INT(b.err, 0);

    CHECK_EQ_INT(rt_codemem_seal(h), 0);
    CHECK(strcmp(perms_at(code), "r-xp") == 0);
    CHECK_EQ_INT(rwx_mappings(), 0);
    fn1 f = (fn1)(void *)code;
    CHECK_EQ_INT(f(41), 42);
    CHECK_EQ_INT(f(-1), 0);

    uint8_t seven = 7;
    CHECK_EQ_INT(rt_codemem_patch(code + imm_at, &seven, 1), 0);
    CHECK(strcmp(perms_at(code), "r-xp") == 0);
    CHECK_EQ_INT(rwx_mappings(), 0);
    CHECK_EQ_INT(f(41), 48);

    /* outside code memory: refused, nothing written */
    uint8_t outside[4] = {0};
    CHECK_EQ_INT(rt_codemem_patch(outside, &seven, 1), -1);
    CHECK_EQ_INT(outside[0], 0);
    rt_codemem_free(h);
}

/* A guard jumps to an exit stub; redirecting its rel32 to a "bridge" in
 * another block changes where the code goes, as bridges will. */
TEST(codemem_guard_redirected_to_bridge)
{
    rt_codemem_block *hl, *hb;
    uint8_t *loop = rt_codemem_alloc(128, &hl);
    uint8_t *bridge = rt_codemem_alloc(5000, &hb); /* spans pages */
    CHECK(loop && bridge);
    if (!loop || !bridge)
        return;
    x64_buf b;
    /* loop(x): if x >= 10 goto exit stub (returns -1); else return x * 2 */
    x64_buf_init(&b, loop, rt_codemem_size(hl));
    x64_label stub = X64_LABEL_INIT;
    x64_alu_ri(&b, X64_CMP, X64_RDI, 10);
    size_t guard = x64_pos(&b);
    x64_jcc_label(&b, X64_CC_GE, &stub);
    x64_lea(&b, X64_RAX, x64_mx(X64_RDI, X64_RDI, 1, 0));
    x64_ret(&b);
    x64_bind(&b, &stub);
    x64_mov_ri(&b, X64_RAX, -1);
    x64_ret(&b);
    CHECK_EQ_INT(b.err, 0);
    /* bridge at the end of its block, so the patch target crosses pages */
    x64_buf_init(&b, bridge + 4900, 100);
    x64_mov_rr(&b, X64_RAX, X64_RDI);
    x64_alu_ri(&b, X64_SUB, X64_RAX, 10);
    x64_ret(&b);
    CHECK_EQ_INT(b.err, 0);
    CHECK_EQ_INT(rt_codemem_seal(hl), 0);
    CHECK_EQ_INT(rt_codemem_seal(hb), 0);
    CHECK_EQ_INT(rwx_mappings(), 0);

    fn1 f = (fn1)(void *)loop;
    CHECK_EQ_INT(f(3), 6);
    CHECK_EQ_INT(f(15), -1);
    int32_t rel;
    CHECK(x64_rel32(loop + guard + 2, bridge + 4900, &rel));
    CHECK_EQ_INT(rt_codemem_patch(loop + guard + 2, &rel, 4), 0);
    CHECK_EQ_INT(rwx_mappings(), 0);
    CHECK_EQ_INT(f(3), 6);
    CHECK_EQ_INT(f(15), 5);
    rt_codemem_free(hl);
    rt_codemem_free(hb);
}

/* Emitted code that exercises the encoder's semantics, not just its text:
 * a counted loop with labels, division, overflow check, doubles. */
TEST(codemem_runs_encoder_programs)
{
    rt_codemem_block *h;
    uint8_t *code = rt_codemem_alloc(512, &h);
    CHECK(code != NULL);
    if (!code)
        return;
    x64_buf b;
    x64_buf_init(&b, code, rt_codemem_size(h));

    /* sum(n) = 0 + 1 + ... + (n-1) */
    uint8_t *sum = b.p;
    x64_label top = X64_LABEL_INIT, done = X64_LABEL_INIT;
    x64_alu_rr(&b, X64_XOR, X64_RAX, X64_RAX);
    x64_alu_rr(&b, X64_XOR, X64_RCX, X64_RCX);
    x64_bind(&b, &top);
    x64_alu_rr(&b, X64_CMP, X64_RCX, X64_RDI);
    x64_jcc_label(&b, X64_CC_GE, &done);
    x64_alu_rr(&b, X64_ADD, X64_RAX, X64_RCX);
    x64_alu_ri(&b, X64_ADD, X64_RCX, 1);
    x64_jmp_label(&b, &top);
    x64_bind(&b, &done);
    x64_ret(&b);

    /* divmod(a, b) = a / b * 1000 + a % b (C semantics: truncation) */
    x64_align(&b, 16);
    uint8_t *divmod = b.p;
    x64_mov_rr(&b, X64_RAX, X64_RDI);
    x64_cqo(&b);
    x64_idiv(&b, X64_RSI);
    x64_imul_rri(&b, X64_RAX, X64_RAX, 1000);
    x64_alu_rr(&b, X64_ADD, X64_RAX, X64_RDX);
    x64_ret(&b);

    /* addovf(a, b) = a + b, or 7777 if it overflows (jo) */
    x64_align(&b, 16);
    uint8_t *addovf = b.p;
    x64_label ovf = X64_LABEL_INIT;
    x64_mov_rr(&b, X64_RAX, X64_RDI);
    x64_alu_rr(&b, X64_ADD, X64_RAX, X64_RSI);
    x64_jcc_label(&b, X64_CC_O, &ovf);
    x64_ret(&b);
    x64_bind(&b, &ovf);
    x64_mov_ri(&b, X64_RAX, 7777);
    x64_ret(&b);

    /* lt(a, b) = a < b via setl + movzx; max via cmovl */
    x64_align(&b, 16);
    uint8_t *lt = b.p;
    x64_alu_rr(&b, X64_CMP, X64_RDI, X64_RSI);
    x64_setcc(&b, X64_CC_L, X64_RDI);
    x64_movzx8_rr(&b, X64_RAX, X64_RDI);
    x64_ret(&b);

    /* scale(x) = (int64)(-((double)x * 2.5)) with a constant in the block,
     * negated by xorpd with a sign mask */
    x64_align(&b, 16);
    uint8_t *consts = b.p;
    double k = 2.5;
    uint64_t mask[2] = {0x8000000000000000ULL, 0};
    x64_bytes(&b, mask, 16);
    x64_bytes(&b, &k, 8);
    uint8_t *scale = b.p;
    x64_cvtsi2sd(&b, X64_XMM1, X64_RDI);
    x64_sse_rm(&b, X64_MULSD, X64_XMM1, x64_mrip(consts + 16));
    x64_sse_rm(&b, X64_XORPD, X64_XMM1, x64_mrip(consts));
    x64_movq_rx(&b, X64_RDX, X64_XMM1);
    x64_movq_xr(&b, X64_XMM15, X64_RDX);
    x64_cvttsd2si(&b, X64_RAX, X64_XMM15);
    x64_ret(&b);
    CHECK_EQ_INT(b.err, 0);
    CHECK_EQ_INT(rt_codemem_seal(h), 0);

    CHECK_EQ_INT(((fn1)(void *)sum)(0), 0);
    CHECK_EQ_INT(((fn1)(void *)sum)(101), 5050);
    CHECK_EQ_INT(((fn2)(void *)divmod)(47, 5), 9002);
    CHECK_EQ_INT(((fn2)(void *)divmod)(-47, 5), -9002);
    CHECK_EQ_INT(((fn2)(void *)addovf)(40, 2), 42);
    CHECK_EQ_INT(((fn2)(void *)addovf)(INT64_MAX, 1), 7777);
    CHECK_EQ_INT(((fn2)(void *)addovf)(INT64_MIN, -1), 7777);
    CHECK_EQ_INT(((fn2)(void *)lt)(-5, 3), 1);
    CHECK_EQ_INT(((fn2)(void *)lt)(3, 3), 0);
    CHECK_EQ_INT(((fn1)(void *)scale)(4), -10);
    CHECK_EQ_INT(((fn1)(void *)scale)(-3), 7); /* 7.5 truncates to 7 */
    rt_codemem_free(h);
}

/* Blocks sharing a page: the page stays writable until the last open block
 * on it is sealed, and sealed code on it runs afterwards. */
TEST(codemem_shared_page_open_until_last_seal)
{
    rt_codemem_block *ha, *hb;
    uint8_t *a = rt_codemem_alloc(32, &ha);
    uint8_t *c = rt_codemem_alloc(32, &hb);
    CHECK(a && c);
    if (!a || !c)
        return;
    bool same_page = ((uintptr_t)a >> 12) == ((uintptr_t)c >> 12);
    x64_buf b;
    x64_buf_init(&b, a, 32);
    x64_mov_ri(&b, X64_RAX, 11);
    x64_ret(&b);
    CHECK_EQ_INT(rt_codemem_seal(ha), 0);
    CHECK_EQ_INT(rt_codemem_seal(ha), 0); /* twice: no-op */
    if (same_page)
        CHECK(strcmp(perms_at(c), "rw-p") == 0);
    x64_buf_init(&b, c, 32);               /* still writable */
    x64_mov_ri(&b, X64_RAX, 22);
    x64_ret(&b);
    CHECK_EQ_INT(rt_codemem_seal(hb), 0);
    CHECK(strcmp(perms_at(a), "r-xp") == 0);
    CHECK(strcmp(perms_at(c), "r-xp") == 0);
    CHECK_EQ_INT(rwx_mappings(), 0);
    CHECK_EQ_INT(((fn1)(void *)a)(0), 11);
    CHECK_EQ_INT(((fn1)(void *)c)(0), 22);
    rt_codemem_free(ha);
    rt_codemem_free(hb);
}

TEST(codemem_stats_and_reuse)
{
    size_t total0, used0, total, used;
    rt_codemem_stats(&total0, &used0);
    rt_codemem_block *h;
    void *p = rt_codemem_alloc(100, &h);
    CHECK(p != NULL);
    rt_codemem_stats(&total, &used);
    CHECK_EQ_INT(used, used0 + 112); /* rounded to 16 */
    CHECK_EQ_INT(rt_codemem_size(h), 112);
    CHECK(total >= used && total >= 256 * 1024);
    rt_codemem_free(h);
    rt_codemem_stats(&total, &used);
    CHECK_EQ_INT(used, used0);
    /* the freed space is handed out again */
    void *q = rt_codemem_alloc(100, &h);
    CHECK(q == p);
    rt_codemem_free(h);
    /* holes between live blocks: exact fit, and neighbours coalesced */
    rt_codemem_block *ha, *hb, *hc, *hd;
    uint8_t *a = rt_codemem_alloc(48, &ha);
    uint8_t *bb = rt_codemem_alloc(80, &hb);
    uint8_t *c = rt_codemem_alloc(32, &hc);
    CHECK(bb == a + 48 && c == bb + 80);
    rt_codemem_free(ha);
    CHECK(rt_codemem_alloc(48, &ha) == a);
    rt_codemem_free(ha);
    rt_codemem_free(hb); /* merges into the hole before it */
    CHECK(rt_codemem_alloc(128, &hd) == a);
    rt_codemem_free(hd);
    CHECK(rt_codemem_alloc(48, &ha) == a);
    CHECK(rt_codemem_alloc(80, &hb) == bb);
    rt_codemem_free(hb);
    rt_codemem_free(ha); /* merges into the hole after it */
    CHECK(rt_codemem_alloc(128, &hd) == a);
    rt_codemem_free(hd);
    /* a hole on both sides: three ranges become one */
    rt_codemem_block *he;
    CHECK(rt_codemem_alloc(48, &ha) == a);
    CHECK(rt_codemem_alloc(80, &hb) == bb);
    CHECK(rt_codemem_alloc(16, &he) == c + 32);
    rt_codemem_free(ha);
    rt_codemem_free(hc);
    rt_codemem_free(hb);
    CHECK(rt_codemem_alloc(160, &hd) == a);
    rt_codemem_free(hd);
    rt_codemem_free(he);
    rt_codemem_stats(&total, &used);
    CHECK_EQ_INT(used, used0);

    /* many blocks of many sizes, freed in a scrambled order */
    enum { NB = 600 };
    static rt_codemem_block *hs[NB];
    size_t want = used0;
    uint32_t seed = 12345;
    for (int i = 0; i < NB; i++) {
        seed = seed * 1103515245u + 12345u;
        size_t size = 1 + (seed >> 16) % 3000;
        CHECK(rt_codemem_alloc(size, &hs[i]) != NULL);
        want += (size + 15) / 16 * 16;
    }
    rt_codemem_stats(&total, &used);
    CHECK_EQ_INT(used, want);
    CHECK(total >= used);
    CHECK_EQ_INT(rwx_mappings(), 0);
    for (int i = 0; i < NB; i += 2) { /* free half, reallocate, then all */
        rt_codemem_seal(hs[i]);
        rt_codemem_free(hs[i]);
    }
    for (int i = 0; i < NB; i += 2)
        CHECK(rt_codemem_alloc(64 + (size_t)i, &hs[i]) != NULL);
    for (int k = 0; k < NB; k++) {
        int i = (k * 7919) % NB; /* a permutation: 7919 is prime, NB is not a multiple */
        rt_codemem_free(hs[i]);
    }
    rt_codemem_stats(&total, &used);
    CHECK_EQ_INT(used, used0);
    /* everything free: at most one spare chunk stays mapped */
    if (used0 == 0)
        CHECK(total <= 256 * 1024);
}

TEST(codemem_large_shrink_and_oom)
{
    size_t total0, used0, total, used;
    rt_codemem_stats(&total0, &used0);
    rt_codemem_block *h;
    /* a block larger than a chunk gets its own mapping, unmapped on free */
    uint8_t *big = rt_codemem_alloc(3 << 20, &h);
    CHECK(big != NULL);
    if (big) {
        big[(3 << 20) - 1] = 0xC3;
        rt_codemem_stats(&total, &used);
        CHECK(total >= total0 + (3 << 20));
        CHECK_EQ_INT(used, used0 + (3 << 20));
        rt_codemem_free(h);
        rt_codemem_stats(&total, &used);
        CHECK_EQ_INT(total, total0);
        CHECK_EQ_INT(used, used0);
    }
    /* shrink gives the tail back for the next allocation */
    uint8_t *p = rt_codemem_alloc(3 * 4096, &h);
    CHECK(p != NULL);
    if (p) {
        CHECK_EQ_INT(rt_codemem_shrink(h, 100), 0);
        CHECK_EQ_INT(rt_codemem_size(h), 112);
        rt_codemem_stats(&total, &used);
        CHECK_EQ_INT(used, used0 + 112);
        rt_codemem_block *h2;
        uint8_t *q = rt_codemem_alloc(16, &h2);
        CHECK(q == p + 112);
        CHECK_EQ_INT(rt_codemem_seal(h), 0);
        CHECK_EQ_INT(rt_codemem_shrink(h, 16), -1); /* sealed */
        CHECK_EQ_INT(rwx_mappings(), 0);
        rt_codemem_free(h2);
        rt_codemem_free(h);
    }
    /* out of memory: NULL and no handle, stats unchanged */
    h = (rt_codemem_block *)1;
    CHECK(rt_codemem_alloc(SIZE_MAX - 8, &h) == NULL);
    CHECK(h == NULL);
    CHECK(rt_codemem_alloc((size_t)1 << 60, &h) == NULL);
    CHECK(h == NULL);
    rt_codemem_free(NULL);
    rt_codemem_stats(&total, &used);
    CHECK_EQ_INT(used, used0);
}
