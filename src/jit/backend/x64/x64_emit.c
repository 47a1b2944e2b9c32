/* backend/x64/x64_emit: the encoder behind x64_emit.h. One general
 * routine, enc(), lays out
 *     [legacy prefix] [REX] opcode(1-3) ModRM [SIB] [disp8/32] [imm]
 * for every ModRM instruction; the few instructions with the register in
 * the opcode byte or no operands are written directly. An instruction is
 * assembled into a 16-byte scratch array first and then committed whole,
 * which is how overflow is all-or-nothing. */
#include "x64_emit.h"

#include <string.h>

/* enc() flags */
enum {
    W = 1,        /* REX.W: 64-bit operand size */
    BYTE_R = 2,   /* the ModRM.reg register is used as 8-bit (needs REX for spl..dil) */
    BYTE_RM = 4,  /* the ModRM.rm register is used as 8-bit */
};

static bool fits8(int64_t v) { return v >= -128 && v <= 127; }
static bool fits32(int64_t v) { return v >= INT32_MIN && v <= INT32_MAX; }

void x64_buf_init(x64_buf *b, void *mem, size_t size)
{
    b->start = b->p = mem;
    b->end = b->start + size;
    b->err = 0;
}

/* Commits n bytes, or sets OVERFLOW (sticky: later instructions are
 * dropped too, so the code never has a hole in the middle). */
static void commit(x64_buf *b, const uint8_t *bytes, size_t n)
{
    if (b->err & X64_ERR_OVERFLOW)
        return;
    if ((size_t)(b->end - b->p) < n) {
        b->err |= X64_ERR_OVERFLOW;
        return;
    }
    memcpy(b->p, bytes, n);
    b->p += n;
}

void x64_bytes(x64_buf *b, const void *bytes, size_t n) { commit(b, bytes, n); }

static bool gpr_ok(int r) { return r >= 0 && r < 16; }

/* The general ModRM encoder. reg is a register number or an opcode
 * extension (/digit); the r/m operand is the memory operand m when given,
 * else register rm. opc holds 1-3 opcode bytes (most significant first,
 * in the low bytes of the int: 0x0FAF = two bytes 0F AF). */
static void enc(x64_buf *b, unsigned flags, uint8_t pfx, uint32_t opc, int reg,
                const x64_mem *m, int rm, int immlen, int64_t imm)
{
    uint8_t out[16];
    int n = 0, rex = (flags & W) ? 8 : 0;
    bool force_rex = false;
    uint8_t modrm, sib = 0;
    bool has_sib = false;
    int displen = 0, rip_at = -1;
    int64_t disp = 0;

    if (reg < 0 || reg > 15) {
        b->err |= X64_ERR_OPERAND;
        return;
    }
    if (reg & 8)
        rex |= 4;
    if ((flags & BYTE_R) && reg >= 4 && reg < 8)
        force_rex = true;
    if (!m) {
        if (!gpr_ok(rm)) {
            b->err |= X64_ERR_OPERAND;
            return;
        }
        if (rm & 8)
            rex |= 1;
        if ((flags & BYTE_RM) && rm >= 4 && rm < 8)
            force_rex = true;
        modrm = (uint8_t)(0xC0 | (reg & 7) << 3 | (rm & 7));
    } else {
        int scale_bits = m->scale == 1 ? 0 : m->scale == 2 ? 1 : m->scale == 4 ? 2
                         : m->scale == 8 ? 3 : -1;
        bool has_index = m->index != X64_NOREG;
        if (scale_bits < 0 || (has_index && (!gpr_ok(m->index) || m->index == X64_RSP)) ||
            (m->base != X64_NOREG && m->base != X64_RIP && !gpr_ok(m->base)) ||
            (m->base == X64_RIP && has_index)) {
            b->err |= X64_ERR_OPERAND;
            return;
        }
        if (m->base != X64_RIP && !fits32(m->disp)) {
            b->err |= X64_ERR_RANGE;
            return;
        }
        if (has_index && (m->index & 8))
            rex |= 2;
        int index_bits = has_index ? (m->index & 7) : 4; /* 100 = no index */
        if (m->base == X64_RIP) {                       /* mod 00, rm 101 */
            modrm = (uint8_t)(0x05 | (reg & 7) << 3);
            displen = 4;
            rip_at = 0; /* patched below, once the length is known */
        } else if (m->base == X64_NOREG) { /* SIB with base 101, mod 00: [index*s + disp32] */
            modrm = (uint8_t)(0x04 | (reg & 7) << 3);
            has_sib = true;
            sib = (uint8_t)(scale_bits << 6 | index_bits << 3 | 5);
            displen = 4;
            disp = m->disp;
        } else {
            int base = m->base;
            int mod;
            if (base & 8)
                rex |= 1;
            /* rbp/r13 with mod 00 would mean rip/no-base: use disp8 0 */
            if (m->disp == 0 && (base & 7) != X64_RBP)
                mod = 0, displen = 0;
            else if (fits8(m->disp))
                mod = 1, displen = 1;
            else
                mod = 2, displen = 4;
            disp = m->disp;
            /* rsp/r12 as rm field would mean "SIB follows": always use a SIB */
            if (has_index || (base & 7) == X64_RSP) {
                has_sib = true;
                sib = (uint8_t)(scale_bits << 6 | index_bits << 3 | (base & 7));
                modrm = (uint8_t)(mod << 6 | (reg & 7) << 3 | 4);
            } else {
                modrm = (uint8_t)(mod << 6 | (reg & 7) << 3 | (base & 7));
            }
        }
    }

    if (pfx)
        out[n++] = pfx;
    if (rex || force_rex)
        out[n++] = (uint8_t)(0x40 | rex);
    if (opc > 0xFFFF)
        out[n++] = (uint8_t)(opc >> 16);
    if (opc > 0xFF)
        out[n++] = (uint8_t)(opc >> 8);
    out[n++] = (uint8_t)opc;
    out[n++] = modrm;
    if (has_sib)
        out[n++] = sib;
    if (rip_at == 0)
        rip_at = n;
    for (int i = 0; i < displen; i++)
        out[n++] = (uint8_t)((uint64_t)disp >> (8 * i));
    for (int i = 0; i < immlen; i++)
        out[n++] = (uint8_t)((uint64_t)imm >> (8 * i));
    if (rip_at >= 0) {
        /* relative to the end of this instruction */
        int64_t rel = (int64_t)((uintptr_t)m->disp - (uintptr_t)(b->p + n));
        if (!fits32(rel)) {
            b->err |= X64_ERR_RANGE;
            return;
        }
        for (int i = 0; i < 4; i++)
            out[rip_at + i] = (uint8_t)((uint64_t)rel >> (8 * i));
    }
    commit(b, out, (size_t)n);
}

static void enc_rr(x64_buf *b, unsigned flags, uint8_t pfx, uint32_t opc, int reg, int rm)
{
    enc(b, flags, pfx, opc, reg, NULL, rm, 0, 0);
}

static void enc_rm(x64_buf *b, unsigned flags, uint8_t pfx, uint32_t opc, int reg, x64_mem m)
{
    enc(b, flags, pfx, opc, reg, &m, 0, 0, 0);
}

/* Instructions with the register in the low 3 opcode bits. */
static void enc_opreg(x64_buf *b, bool w, uint8_t opc, int r, int immlen, uint64_t imm)
{
    uint8_t out[10];
    int n = 0;
    if (!gpr_ok(r)) {
        b->err |= X64_ERR_OPERAND;
        return;
    }
    if (w || (r & 8))
        out[n++] = (uint8_t)(0x40 | (w ? 8 : 0) | (r >> 3));
    out[n++] = (uint8_t)(opc + (r & 7));
    for (int i = 0; i < immlen; i++)
        out[n++] = (uint8_t)(imm >> (8 * i));
    commit(b, out, (size_t)n);
}

/* ---- moves, loads, stores ---- */

void x64_mov_rr(x64_buf *b, x64_reg dst, x64_reg src) { enc_rr(b, W, 0, 0x89, src, dst); }
void x64_mov32_rr(x64_buf *b, x64_reg dst, x64_reg src) { enc_rr(b, 0, 0, 0x89, src, dst); }
void x64_mov_ri32(x64_buf *b, x64_reg dst, int32_t imm) { enc(b, W, 0, 0xC7, 0, NULL, dst, 4, imm); }
void x64_mov32_ri(x64_buf *b, x64_reg dst, uint32_t imm) { enc_opreg(b, false, 0xB8, dst, 4, imm); }
void x64_mov_ri64(x64_buf *b, x64_reg dst, uint64_t imm) { enc_opreg(b, true, 0xB8, dst, 8, imm); }

void x64_mov_ri(x64_buf *b, x64_reg dst, int64_t imm)
{
    if (imm >= 0 && imm <= UINT32_MAX)
        x64_mov32_ri(b, dst, (uint32_t)imm); /* writing r32 clears the top half */
    else if (fits32(imm))
        x64_mov_ri32(b, dst, (int32_t)imm);
    else
        x64_mov_ri64(b, dst, (uint64_t)imm);
}

void x64_load(x64_buf *b, x64_reg dst, x64_mem m) { enc_rm(b, W, 0, 0x8B, dst, m); }
void x64_load32(x64_buf *b, x64_reg dst, x64_mem m) { enc_rm(b, 0, 0, 0x8B, dst, m); }
void x64_load32sx(x64_buf *b, x64_reg dst, x64_mem m) { enc_rm(b, W, 0, 0x63, dst, m); }
void x64_load16zx(x64_buf *b, x64_reg dst, x64_mem m) { enc_rm(b, 0, 0, 0x0FB7, dst, m); }
void x64_load8zx(x64_buf *b, x64_reg dst, x64_mem m) { enc_rm(b, 0, 0, 0x0FB6, dst, m); }
void x64_store(x64_buf *b, x64_mem m, x64_reg src) { enc_rm(b, W, 0, 0x89, src, m); }
void x64_store32(x64_buf *b, x64_mem m, x64_reg src) { enc_rm(b, 0, 0, 0x89, src, m); }
void x64_store8(x64_buf *b, x64_mem m, x64_reg src) { enc_rm(b, BYTE_R, 0, 0x88, src, m); }
void x64_store_i32(x64_buf *b, x64_mem m, int32_t imm) { enc(b, W, 0, 0xC7, 0, &m, 0, 4, imm); }
void x64_lea(x64_buf *b, x64_reg dst, x64_mem m) { enc_rm(b, W, 0, 0x8D, dst, m); }
void x64_movzx8_rr(x64_buf *b, x64_reg dst, x64_reg src) { enc_rr(b, BYTE_RM, 0, 0x0FB6, dst, src); }
void x64_push(x64_buf *b, x64_reg r) { enc_opreg(b, false, 0x50, r, 0, 0); }
void x64_pop(x64_buf *b, x64_reg r) { enc_opreg(b, false, 0x58, r, 0, 0); }

/* ---- integer arithmetic ---- */

void x64_alu_rr(x64_buf *b, x64_alu op, x64_reg dst, x64_reg src)
{
    enc_rr(b, W, 0, (uint32_t)(op * 8 + 1), src, dst);
}

void x64_alu_ri(x64_buf *b, x64_alu op, x64_reg dst, int32_t imm)
{
    if (fits8(imm))
        enc(b, W, 0, 0x83, op, NULL, dst, 1, imm);
    else
        enc(b, W, 0, 0x81, op, NULL, dst, 4, imm);
}

void x64_alu_rm(x64_buf *b, x64_alu op, x64_reg dst, x64_mem m)
{
    enc_rm(b, W, 0, (uint32_t)(op * 8 + 3), dst, m);
}

void x64_alu_mr(x64_buf *b, x64_alu op, x64_mem m, x64_reg src)
{
    enc_rm(b, W, 0, (uint32_t)(op * 8 + 1), src, m);
}

void x64_alu_mi(x64_buf *b, x64_alu op, x64_mem m, int32_t imm)
{
    if (fits8(imm))
        enc(b, W, 0, 0x83, op, &m, 0, 1, imm);
    else
        enc(b, W, 0, 0x81, op, &m, 0, 4, imm);
}

void x64_test_rr(x64_buf *b, x64_reg a, x64_reg c) { enc_rr(b, W, 0, 0x85, c, a); }
void x64_test_ri(x64_buf *b, x64_reg r, int32_t imm) { enc(b, W, 0, 0xF7, 0, NULL, r, 4, imm); }
void x64_test8_mi(x64_buf *b, x64_mem m, uint8_t imm) { enc(b, 0, 0, 0xF6, 0, &m, 0, 1, imm); }
void x64_imul_rr(x64_buf *b, x64_reg dst, x64_reg src) { enc_rr(b, W, 0, 0x0FAF, dst, src); }

void x64_imul_rri(x64_buf *b, x64_reg dst, x64_reg src, int32_t imm)
{
    if (fits8(imm))
        enc(b, W, 0, 0x6B, dst, NULL, src, 1, imm);
    else
        enc(b, W, 0, 0x69, dst, NULL, src, 4, imm);
}

void x64_neg(x64_buf *b, x64_reg r) { enc_rr(b, W, 0, 0xF7, 3, r); }
void x64_not(x64_buf *b, x64_reg r) { enc_rr(b, W, 0, 0xF7, 2, r); }
void x64_shift_cl(x64_buf *b, x64_shift op, x64_reg r) { enc_rr(b, W, 0, 0xD3, op, r); }

void x64_shift_ri(x64_buf *b, x64_shift op, x64_reg r, uint8_t imm)
{
    if (imm == 1)
        enc_rr(b, W, 0, 0xD1, op, r);
    else
        enc(b, W, 0, 0xC1, op, NULL, r, 1, imm);
}

void x64_cqo(x64_buf *b) { commit(b, (const uint8_t[]){0x48, 0x99}, 2); }
void x64_idiv(x64_buf *b, x64_reg r) { enc_rr(b, W, 0, 0xF7, 7, r); }
void x64_setcc(x64_buf *b, x64_cc cc, x64_reg r8) { enc_rr(b, BYTE_RM, 0, 0x0F90 + cc, 0, r8); }
void x64_cmovcc(x64_buf *b, x64_cc cc, x64_reg dst, x64_reg src) { enc_rr(b, W, 0, 0x0F40 + cc, dst, src); }

/* ---- control flow ---- */

static void put_rel32(uint8_t *at, int32_t v) { memcpy(at, &v, 4); }
static int32_t get_rel32(const uint8_t *at) { int32_t v; memcpy(&v, at, 4); return v; }

/* Emits opcode bytes + a displacement field of len bytes holding val;
 * returns the field's offset. */
static size_t jump_with(x64_buf *b, const uint8_t *opc, int nopc, int len, int32_t val)
{
    uint8_t out[8];
    memcpy(out, opc, (size_t)nopc);
    for (int i = 0; i < len; i++)
        out[nopc + i] = (uint8_t)((uint32_t)val >> (8 * i));
    size_t field = x64_pos(b) + (size_t)nopc;
    commit(b, out, (size_t)(nopc + len));
    return field;
}

/* Short and near forms: jmp EB/E9, jcc 7x / 0F 8x. */
static size_t jump8(x64_buf *b, int cc, int32_t rel)
{
    uint8_t opc = cc < 0 ? 0xEB : (uint8_t)(0x70 + cc);
    return jump_with(b, &opc, 1, 1, rel);
}

static size_t jump32(x64_buf *b, int cc, int32_t rel)
{
    uint8_t opc[2] = {0x0F, (uint8_t)(0x80 + cc)};
    if (cc < 0) {
        opc[0] = 0xE9;
        return jump_with(b, opc, 1, 4, rel);
    }
    return jump_with(b, opc, 2, 4, rel);
}

static void jump_to(x64_buf *b, int cc, size_t target)
{
    int64_t here = (int64_t)x64_pos(b);
    int64_t rel8 = (int64_t)target - (here + 2);
    if (fits8(rel8)) {
        jump8(b, cc, (int32_t)rel8);
        return;
    }
    int64_t rel32 = (int64_t)target - (here + (cc < 0 ? 5 : 6));
    if (!fits32(rel32)) {
        b->err |= X64_ERR_RANGE;
        return;
    }
    jump32(b, cc, (int32_t)rel32);
}

void x64_jmp_to(x64_buf *b, size_t target) { jump_to(b, -1, target); }
void x64_jcc_to(x64_buf *b, x64_cc cc, size_t target) { jump_to(b, cc, target); }
size_t x64_jmp8_fwd(x64_buf *b) { return jump8(b, -1, 0); }
size_t x64_jcc8_fwd(x64_buf *b, x64_cc cc) { return jump8(b, cc, 0); }
size_t x64_jmp32_fwd(x64_buf *b) { return jump32(b, -1, 0); }
size_t x64_jcc32_fwd(x64_buf *b, x64_cc cc) { return jump32(b, cc, 0); }

/* Fixups for fields that were never written (overflow) are ignored. */
void x64_fix_rel8(x64_buf *b, size_t fixup, size_t target)
{
    if (fixup + 1 > x64_pos(b))
        return;
    int64_t rel = (int64_t)target - (int64_t)(fixup + 1);
    if (!fits8(rel)) {
        b->err |= X64_ERR_RANGE;
        return;
    }
    b->start[fixup] = (uint8_t)(int8_t)rel;
}

void x64_fix_rel32(x64_buf *b, size_t fixup, size_t target)
{
    if (fixup + 4 > x64_pos(b))
        return;
    int64_t rel = (int64_t)target - (int64_t)(fixup + 4);
    if (!fits32(rel)) {
        b->err |= X64_ERR_RANGE;
        return;
    }
    put_rel32(b->start + fixup, (int32_t)rel);
}

static void jump_label(x64_buf *b, int cc, x64_label *l)
{
    if (l->pos >= 0) {
        jump_to(b, cc, (size_t)l->pos);
        return;
    }
    /* pending: the field holds the previous link of the chain */
    size_t before = x64_pos(b);
    size_t field = jump32(b, cc, l->chain);
    if (x64_pos(b) != before)
        l->chain = (int32_t)field;
}

void x64_jmp_label(x64_buf *b, x64_label *l) { jump_label(b, -1, l); }
void x64_jcc_label(x64_buf *b, x64_cc cc, x64_label *l) { jump_label(b, cc, l); }

void x64_bind(x64_buf *b, x64_label *l)
{
    if (l->pos >= 0) {
        b->err |= X64_ERR_OPERAND; /* bound twice */
        return;
    }
    l->pos = (int32_t)x64_pos(b);
    for (int32_t f = l->chain; f >= 0;) {
        int32_t next = get_rel32(b->start + f);
        x64_fix_rel32(b, (size_t)f, (size_t)l->pos);
        f = next;
    }
    l->chain = -1;
}

bool x64_rel32(const void *field, const void *target, int32_t *rel)
{
    int64_t d = (int64_t)((uintptr_t)target - ((uintptr_t)field + 4));
    if (!fits32(d))
        return false;
    *rel = (int32_t)d;
    return true;
}

/* rel32 jump/call to an absolute address, relative to where it runs. */
static void jump_addr(x64_buf *b, const uint8_t *opc, int nopc, const void *target)
{
    int32_t rel;
    if (!x64_rel32(b->p + nopc, target, &rel)) {
        b->err |= X64_ERR_RANGE;
        return;
    }
    jump_with(b, opc, nopc, 4, rel);
}

void x64_jmp_addr(x64_buf *b, const void *target) { jump_addr(b, (const uint8_t[]){0xE9}, 1, target); }
void x64_call_addr(x64_buf *b, const void *target) { jump_addr(b, (const uint8_t[]){0xE8}, 1, target); }

void x64_jcc_addr(x64_buf *b, x64_cc cc, const void *target)
{
    jump_addr(b, (const uint8_t[]){0x0F, (uint8_t)(0x80 + cc)}, 2, target);
}

/* FF /4 and FF /2 default to 64-bit operands: no REX.W needed. */
void x64_jmp_r(x64_buf *b, x64_reg r) { enc_rr(b, 0, 0, 0xFF, 4, r); }
void x64_call_r(x64_buf *b, x64_reg r) { enc_rr(b, 0, 0, 0xFF, 2, r); }
void x64_jmp_m(x64_buf *b, x64_mem m) { enc_rm(b, 0, 0, 0xFF, 4, m); }
void x64_call_m(x64_buf *b, x64_mem m) { enc_rm(b, 0, 0, 0xFF, 2, m); }
void x64_ret(x64_buf *b) { commit(b, (const uint8_t[]){0xC3}, 1); }
void x64_int3(x64_buf *b) { commit(b, (const uint8_t[]){0xCC}, 1); }

/* The recommended multi-byte nops (Intel SDM, NOP instruction), 1..9 bytes. */
static const uint8_t nops[9][9] = {
    {0x90},
    {0x66, 0x90},
    {0x0F, 0x1F, 0x00},
    {0x0F, 0x1F, 0x40, 0x00},
    {0x0F, 0x1F, 0x44, 0x00, 0x00},
    {0x66, 0x0F, 0x1F, 0x44, 0x00, 0x00},
    {0x0F, 0x1F, 0x80, 0x00, 0x00, 0x00, 0x00},
    {0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
    {0x66, 0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
};

void x64_nop(x64_buf *b, size_t n)
{
    while (n > 0 && !(b->err & X64_ERR_OVERFLOW)) {
        size_t k = n > 9 ? 9 : n;
        commit(b, nops[k - 1], k);
        n -= k;
    }
}

/* Aligns the absolute address (code runs where it is written). */
void x64_align(x64_buf *b, size_t align)
{
    if (align == 0 || (align & (align - 1))) {
        b->err |= X64_ERR_OPERAND;
        return;
    }
    x64_nop(b, (size_t)(-(uintptr_t)b->p & (align - 1)));
}

/* ---- SSE2 ---- */

void x64_sse_rr(x64_buf *b, x64_sse op, x64_xmm dst, x64_xmm src)
{
    enc_rr(b, 0, (uint8_t)(op >> 8), 0x0F00 | (op & 0xFF), dst, src);
}

void x64_sse_rm(x64_buf *b, x64_sse op, x64_xmm dst, x64_mem m)
{
    enc_rm(b, 0, (uint8_t)(op >> 8), 0x0F00 | (op & 0xFF), dst, m);
}

void x64_movsd_mr(x64_buf *b, x64_mem m, x64_xmm src) { enc_rm(b, 0, 0xF2, 0x0F11, src, m); }
void x64_cvtsi2sd(x64_buf *b, x64_xmm dst, x64_reg src) { enc_rr(b, W, 0xF2, 0x0F2A, dst, src); }
void x64_cvttsd2si(x64_buf *b, x64_reg dst, x64_xmm src) { enc_rr(b, W, 0xF2, 0x0F2C, dst, src); }
void x64_movq_xr(x64_buf *b, x64_xmm dst, x64_reg src) { enc_rr(b, W, 0x66, 0x0F6E, dst, src); }
void x64_movq_rx(x64_buf *b, x64_reg dst, x64_xmm src) { enc_rr(b, W, 0x66, 0x0F7E, src, dst); }
