/* tests/c/test_x64_encoder: every emitter of backend/x64/x64_emit.h,
 * over all registers and the addressing-mode and immediate boundaries,
 * disassembled with Capstone (Intel syntax) and compared with the
 * instruction text we expect; each emitted sequence must be exactly one
 * instruction. Also labels and fixups, buffer overflow and operand errors.
 * The expected texts are built here from a model of Intel syntax (with
 * Capstone's number format: decimal up to 9, hex above; and/or/xor print
 * negative immediates as 64-bit unsigned), not from Capstone's output. */
#include "../../src/jit/backend/x64/x64_emit.h"
#include "test.h"

#include <capstone/capstone.h>
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

static const char *const R64[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                    "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};
static const char *const R32[16] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
                                    "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"};
static const char *const R8[16] = {"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
                                   "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"};
static const char *const XMM[16] = {"xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
                                    "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"};
static const char *const CC[16] = {"o", "no", "b", "ae", "e", "ne", "be", "a",
                                   "s", "ns", "p", "np", "l", "ge", "le", "g"};
static const char *const ALU[8] = {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"};

/* displacements and immediates around the 8/32-bit boundaries */
static const int32_t DISPS[] = {0, 1, -1, 9, 10, 127, 128, -128, -129, 0x12345, INT32_MAX, INT32_MIN};
static const int32_t IMMS[] = {0, 1, -1, 9, 10, 127, 128, -128, -129, 0xff, INT32_MAX, INT32_MIN};
#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ---- expected-text model ---- */

static void fmt_u(char *out, size_t n, uint64_t u)
{
    snprintf(out, n, u > 9 ? "0x%" PRIx64 : "%" PRIu64, u);
}

static char *imm_s(char *out, int64_t v) /* signed: "-0x80" */
{
    if (v < 0) {
        out[0] = '-';
        fmt_u(out + 1, 39, (uint64_t)0 - (uint64_t)v);
    } else {
        fmt_u(out, 40, (uint64_t)v);
    }
    return out;
}

static char *imm_alu(char *out, x64_alu op, int64_t v)
{
    if (v < 0 && (op == X64_AND || op == X64_OR || op == X64_XOR)) {
        fmt_u(out, 40, (uint64_t)v);
        return out;
    }
    return imm_s(out, v);
}

/* "[base + index*scale + disp]" (no size prefix); rip operands elsewhere */
static char *mem_s(char *out, x64_mem m)
{
    char num[40];
    int n = 0;
    if (m.base == X64_NOREG && m.index == X64_NOREG) {
        fmt_u(num, sizeof num, (uint64_t)m.disp);
        sprintf(out, "[%s]", num);
        return out;
    }
    n += sprintf(out + n, "[");
    if (m.base != X64_NOREG)
        n += sprintf(out + n, "%s", R64[m.base]);
    if (m.index != X64_NOREG) {
        n += sprintf(out + n, "%s%s", m.base != X64_NOREG ? " + " : "", R64[m.index]);
        if (m.scale > 1)
            n += sprintf(out + n, "*%d", m.scale);
    }
    if (m.disp > 0)
        n += sprintf(out + n, " + %s", imm_s(num, m.disp));
    else if (m.disp < 0)
        n += sprintf(out + n, " - %s", imm_s(num, -m.disp));
    sprintf(out + n, "]");
    return out;
}

/* encoded length of the ModRM+SIB+disp part for a based operand */
static int mem_len(x64_mem m)
{
    if (m.base == X64_NOREG)
        return 6;
    int len = 1 + ((m.base & 7) == X64_RSP || m.index != X64_NOREG);
    if (m.disp == 0 && (m.base & 7) != X64_RBP)
        return len;
    return len + (m.disp >= -128 && m.disp <= 127 ? 1 : 4);
}

/* ---- disassembly ---- */

static csh cs(void)
{
    static csh h;
    static bool opened;
    if (!opened) {
        cs_open(CS_ARCH_X86, CS_MODE_64, &h);
        opened = true;
    }
    return h;
}

static void dump(const uint8_t *code, size_t len)
{
    fprintf(stderr, "    bytes:");
    for (size_t i = 0; i < len; i++)
        fprintf(stderr, " %02x", code[i]);
    fprintf(stderr, "\n");
}

/* Disassembles one instruction at code (running at its own address) into
 * text; returns its size, 0 if it does not decode. */
static size_t dis1(const uint8_t *code, size_t len, char *text, size_t textsz)
{
    cs_insn *insn;
    if (cs_disasm(cs(), code, len, (uint64_t)(uintptr_t)code, 1, &insn) != 1)
        return 0;
    snprintf(text, textsz, "%s%s%s", insn->mnemonic, insn->op_str[0] ? " " : "", insn->op_str);
    size_t size = insn->size;
    cs_free(insn, 1);
    return size;
}

/* The bytes code[0..len) must be exactly one instruction reading `expect`
 * (and `want_len` bytes long unless it is 0). */
static void check_insn(int *failed_, int line, const uint8_t *code, size_t len,
                       size_t want_len, const char *expect)
{
    char got[200] = "";
    size_t size = len ? dis1(code, len, got, sizeof got) : 0;
    if (size != len || strcmp(got, expect) != 0 || (want_len && len != want_len)) {
        fprintf(stderr, "  %s:%d: expected '%s' (%zu bytes), got '%s' (%zu of %zu bytes)\n",
                __FILE__, line, expect, want_len, got, size, len);
        dump(code, len);
        *failed_ = 1;
    }
}

/* ASM(len, stmt, fmt, ...): runs stmt with b pointing at a fresh buffer and
 * checks that it emitted one instruction of text fmt (and len bytes if len). */
#define ASM(len, stmt, ...)                                                          \
    do {                                                                             \
        uint8_t mem_[32];                                                            \
        x64_buf buf_, *b = &buf_;                                                    \
        char e_[200];                                                                \
        x64_buf_init(b, mem_, sizeof mem_);                                          \
        stmt;                                                                        \
        snprintf(e_, sizeof e_, __VA_ARGS__);                                        \
        if (b->err) {                                                                \
            fprintf(stderr, "  %s:%d: error %u for '%s'\n", __FILE__, __LINE__, b->err, e_); \
            *failed_ = 1;                                                            \
        }                                                                            \
        check_insn(failed_, __LINE__, b->start, x64_pos(b), (len), e_);               \
    } while (0)

/* ---- moves ---- */

TEST(x64_mov_rr_all_pairs)
{
    for (int d = 0; d < 16; d++)
        for (int s = 0; s < 16; s++) {
            ASM(3, x64_mov_rr(b, d, s), "mov %s, %s", R64[d], R64[s]);
            ASM((d | s) & 8 ? 3 : 2, x64_mov32_rr(b, d, s), "mov %s, %s", R32[d], R32[s]);
        }
}

TEST(x64_mov_immediates)
{
    static const int64_t vals[] = {0, 1, 9, 10, -1, 127, 128, -128, INT32_MAX, INT32_MIN,
                                   0x80000000LL, 0xffffffffLL, 0x100000000LL, -0x80000001LL,
                                   INT64_MAX, INT64_MIN};
    char num[40];
    for (int r = 0; r < 16; r++) {
        for (int i = 0; i < N(IMMS); i++) {
            ASM(7, x64_mov_ri32(b, r, IMMS[i]), "mov %s, %s", R64[r], imm_s(num, IMMS[i]));
            fmt_u(num, sizeof num, (uint32_t)IMMS[i]);
            ASM(r & 8 ? 6 : 5, x64_mov32_ri(b, r, (uint32_t)IMMS[i]), "mov %s, %s", R32[r], num);
        }
        for (int i = 0; i < N(vals); i++) {
            int64_t v = vals[i];
            fmt_u(num, sizeof num, (uint64_t)v);
            ASM(10, x64_mov_ri64(b, r, (uint64_t)v), "movabs %s, %s", R64[r], num);
            /* the shortest form that yields the same 64-bit value */
            if (v >= 0 && v <= UINT32_MAX)
                ASM(r & 8 ? 6 : 5, x64_mov_ri(b, r, v), "mov %s, %s", R32[r], num);
            else if (v >= INT32_MIN && v <= INT32_MAX)
                ASM(7, x64_mov_ri(b, r, v), "mov %s, %s", R64[r], imm_s(num, v));
            else
                ASM(10, x64_mov_ri(b, r, v), "movabs %s, %s", R64[r], num);
        }
    }
}

/* Every base register (rsp/r12 need a SIB, rbp/r13 a displacement) with
 * every boundary displacement, in the load, store, lea and ALU forms. */
TEST(x64_mem_operands_all_bases)
{
    char ms[80], num[40];
    for (int base = 0; base < 16; base++)
        for (int i = 0; i < N(DISPS); i++) {
            x64_mem m = x64_m(base, DISPS[i]);
            int r = (base * 5 + i) & 15;
            int ml = mem_len(m);
            int rex = 1; /* length of the REX prefix when one is required */
            mem_s(ms, m);
            ASM(2 + ml, x64_load(b, r, m), "mov %s, qword ptr %s", R64[r], ms);
            ASM(2 + ml, x64_store(b, m, r), "mov qword ptr %s, %s", ms, R64[r]);
            ASM(2 + ml, x64_lea(b, r, m), "lea %s, %s", R64[r], ms);
            ASM(2 + ml, x64_load32sx(b, r, m), "movsxd %s, dword ptr %s", R64[r], ms);
            rex = (r | base) & 8 ? 1 : 0;
            ASM(1 + rex + ml, x64_load32(b, r, m), "mov %s, dword ptr %s", R32[r], ms);
            ASM(1 + rex + ml, x64_store32(b, m, r), "mov dword ptr %s, %s", ms, R32[r]);
            ASM(2 + rex + ml, x64_load8zx(b, r, m), "movzx %s, byte ptr %s", R32[r], ms);
            ASM(2 + rex + ml, x64_load16zx(b, r, m), "movzx %s, word ptr %s", R32[r], ms);
            rex = ((r | base) & 8) || (r >= 4 && r < 8) ? 1 : 0; /* spl..dil need REX */
            ASM(1 + rex + ml, x64_store8(b, m, r), "mov byte ptr %s, %s", ms, R8[r]);
            ASM(2 + ml + 4, x64_store_i32(b, m, DISPS[i]), "mov qword ptr %s, %s", ms,
                imm_s(num, DISPS[i]));
            ASM(2 + ml, x64_alu_rm(b, i & 7, r, m), "%s %s, qword ptr %s", ALU[i & 7], R64[r], ms);
            ASM(2 + ml, x64_alu_mr(b, i & 7, m, r), "%s qword ptr %s, %s", ALU[i & 7], ms, R64[r]);
            ASM(2 + (base >= 8) + ml, x64_test8_mi(b, m, (uint8_t)i), "test byte ptr %s, %s", ms,
                imm_s(num, i));
            ASM(1 + (base >= 8) + ml, x64_call_m(b, m), "call qword ptr %s", ms);
            ASM(1 + (base >= 8) + ml, x64_jmp_m(b, m), "jmp qword ptr %s", ms);
        }
    /* every register with the special bases */
    static const int bases[] = {X64_RSP, X64_RBP, X64_R12, X64_R13};
    for (int k = 0; k < 4; k++)
        for (int r = 0; r < 16; r++)
            for (int d = -1; d <= 1; d++) {
                x64_mem m = x64_m(bases[k], d * 8);
                mem_s(ms, m);
                ASM(2 + mem_len(m), x64_load(b, r, m), "mov %s, qword ptr %s", R64[r], ms);
                ASM(2 + mem_len(m), x64_store(b, m, r), "mov qword ptr %s, %s", ms, R64[r]);
            }
}

TEST(x64_mem_operands_indexed)
{
    static const int32_t disps[] = {0, 127, 128, -128, -129};
    char ms[80];
    for (int base = 0; base < 16; base++)
        for (int index = 0; index < 16; index++) {
            if (index == X64_RSP)
                continue;
            for (int s = 1; s <= 8; s *= 2)
                for (int i = 0; i < N(disps); i++) {
                    x64_mem m = x64_mx(base, index, s, disps[i]);
                    int r = (base + index + i) & 15;
                    mem_s(ms, m);
                    ASM(2 + mem_len(m), x64_load(b, r, m), "mov %s, qword ptr %s", R64[r], ms);
                    ASM(2 + mem_len(m), x64_store(b, m, r), "mov qword ptr %s, %s", ms, R64[r]);
                }
        }
    /* no base: [index*scale + disp32] and absolute [disp32] */
    for (int index = 0; index < 16; index++) {
        if (index == X64_RSP)
            continue;
        for (int s = 1; s <= 8; s *= 2) {
            x64_mem m = x64_mx(X64_NOREG, index, s, 0x40);
            ASM(8, x64_lea(b, X64_RDX, m), "lea rdx, %s", mem_s(ms, m));
        }
    }
    for (int i = 0; i < N(DISPS); i++) {
        x64_mem m = x64_mx(X64_NOREG, X64_NOREG, 1, DISPS[i]);
        ASM(8, x64_load(b, X64_R9, m), "mov r9, qword ptr %s", mem_s(ms, m));
    }
}

TEST(x64_rip_relative)
{
    uint8_t mem[64];
    x64_buf buf, *b = &buf;
    char e[120];
    static const long offs[] = {0, 100, -1000, 0x7fff0000L, -0x7fff0000L};
    for (int i = 0; i < 5; i++) {
        for (int k = 0; k < 4; k++) {
            x64_buf_init(b, mem, sizeof mem);
            const uint8_t *target = (const uint8_t *)((uintptr_t)mem + (uintptr_t)offs[i]);
            x64_mem m = x64_mrip(target);
            size_t len;
            const char *fmt;
            switch (k) {
            case 0: x64_load(b, X64_R11, m); len = 7; fmt = "mov r11, qword ptr [rip %c %s]"; break;
            case 1: x64_call_m(b, m); len = 6; fmt = "call qword ptr [rip %c %s]"; break;
            case 2: x64_sse_rm(b, X64_ANDPD, X64_XMM9, m); len = 9; fmt = "andpd xmm9, xmmword ptr [rip %c %s]"; break;
            default: x64_alu_mi(b, X64_SUB, m, 1); len = 8; fmt = "sub qword ptr [rip %c %s], 1"; break;
            }
            int64_t rel = offs[i] - (long)len;
            char num[40];
            fmt_u(num, sizeof num, (uint64_t)(rel < 0 ? -rel : rel));
            snprintf(e, sizeof e, fmt, rel < 0 ? '-' : '+', num); /* rel is never 0 here */
            CHECK_EQ_INT(b->err, 0);
            check_insn(failed_, __LINE__, mem, x64_pos(b), len, e);
        }
    }
    /* out of reach: nothing is written, RANGE is reported */
    x64_buf_init(b, mem, sizeof mem);
    x64_load(b, X64_RAX, x64_mrip((const void *)((uintptr_t)mem + ((uintptr_t)1 << 33))));
    CHECK_EQ_INT(b->err, X64_ERR_RANGE);
    CHECK_EQ_INT(x64_pos(b), 0);
}

/* ---- integer arithmetic ---- */

TEST(x64_alu_rr_all)
{
    for (int op = 0; op < 8; op++)
        for (int d = 0; d < 16; d++)
            for (int s = 0; s < 16; s++)
                ASM(3, x64_alu_rr(b, op, d, s), "%s %s, %s", ALU[op], R64[d], R64[s]);
}

TEST(x64_alu_imm_boundaries)
{
    char num[40], ms[80];
    for (int op = 0; op < 8; op++)
        for (int r = 0; r < 16; r++)
            for (int i = 0; i < N(IMMS); i++) {
                int32_t v = IMMS[i];
                int il = v >= -128 && v <= 127 ? 1 : 4;
                ASM(3 + il, x64_alu_ri(b, op, r, v), "%s %s, %s", ALU[op], R64[r], imm_alu(num, op, v));
                x64_mem m = x64_m(r, (i - 6) * 40);
                mem_s(ms, m);
                ASM(2 + mem_len(m) + il, x64_alu_mi(b, op, m, v), "%s qword ptr %s, %s", ALU[op], ms,
                    imm_alu(num, op, v));
            }
    /* the reference-count updates of the backend */
    ASM(4, x64_alu_mi(b, X64_ADD, x64_m(X64_RDI, 0), 1), "add qword ptr [rdi], 1");
    ASM(5, x64_alu_mi(b, X64_SUB, x64_m(X64_R12, 0), 1), "sub qword ptr [r12], 1");
    ASM(5, x64_alu_mi(b, X64_ADD, x64_m(X64_R13, 0), 1), "add qword ptr [r13], 1");
    ASM(5, x64_alu_mi(b, X64_SUB, x64_m(X64_RSP, 0), 1), "sub qword ptr [rsp], 1");
}

TEST(x64_test_imul_unary)
{
    char num[40];
    for (int a = 0; a < 16; a++) {
        for (int c = 0; c < 16; c++) {
            ASM(3, x64_test_rr(b, a, c), "test %s, %s", R64[a], R64[c]);
            ASM(4, x64_imul_rr(b, a, c), "imul %s, %s", R64[a], R64[c]);
            ASM(4, x64_cmovcc(b, c, a, 15 - a), "cmov%s %s, %s", CC[c], R64[a], R64[15 - a]);
        }
        for (int i = 0; i < N(IMMS); i++) {
            int32_t v = IMMS[i];
            ASM(7, x64_test_ri(b, a, v), "test %s, %s", R64[a], imm_s(num, v));
            ASM(v >= -128 && v <= 127 ? 4 : 7, x64_imul_rri(b, a, (a + i) & 15, v), "imul %s, %s, %s",
                R64[a], R64[(a + i) & 15], imm_s(num, v));
        }
        ASM(3, x64_neg(b, a), "neg %s", R64[a]);
        ASM(3, x64_not(b, a), "not %s", R64[a]);
        ASM(3, x64_idiv(b, a), "idiv %s", R64[a]);
    }
    ASM(2, x64_cqo(b), "cqo");
}

TEST(x64_shifts)
{
    static const struct { x64_shift op; const char *name; } ops[] = {
        {X64_SHL, "shl"}, {X64_SHR, "shr"}, {X64_SAR, "sar"}, {X64_ROL, "rol"}, {X64_ROR, "ror"}};
    static const uint8_t counts[] = {1, 2, 9, 10, 31, 63};
    char num[40];
    for (int k = 0; k < 5; k++)
        for (int r = 0; r < 16; r++) {
            ASM(3, x64_shift_cl(b, ops[k].op, r), "%s %s, cl", ops[k].name, R64[r]);
            for (int i = 0; i < N(counts); i++)
                ASM(counts[i] == 1 ? 3 : 4, x64_shift_ri(b, ops[k].op, r, counts[i]), "%s %s, %s",
                    ops[k].name, R64[r], imm_s(num, counts[i]));
        }
}

TEST(x64_setcc_movzx)
{
    for (int cc = 0; cc < 16; cc++)
        for (int r = 0; r < 16; r++)
            ASM(r >= 4 ? 4 : 3, x64_setcc(b, cc, r), "set%s %s", CC[cc], R8[r]);
    for (int d = 0; d < 16; d++)
        for (int s = 0; s < 16; s++)
            ASM((d | s) & 8 || (s >= 4 && s < 8) ? 4 : 3, x64_movzx8_rr(b, d, s), "movzx %s, %s",
                R32[d], R8[s]);
    for (int cc = 0; cc < 16; cc++)
        CHECK_EQ_INT(x64_cc_negate(x64_cc_negate(cc)), cc);
    CHECK_EQ_INT(x64_cc_negate(X64_CC_O), X64_CC_NO);
    CHECK_EQ_INT(x64_cc_negate(X64_CC_L), X64_CC_GE);
}

/* ---- control flow ---- */

/* Emits a jump at offset `at` of a 512-byte buffer and checks its text
 * (target printed as an absolute address) and length. */
static void jump_case(int *failed_, int line, int cc, size_t at, size_t target, size_t want_len)
{
    static uint8_t mem[512];
    x64_buf buf, *b = &buf;
    char e[80];
    x64_buf_init(b, mem, sizeof mem);
    x64_nop(b, at);
    if (cc < 0)
        x64_jmp_to(b, target);
    else
        x64_jcc_to(b, cc, target);
    snprintf(e, sizeof e, "j%s 0x%" PRIxPTR, cc < 0 ? "mp" : CC[cc], (uintptr_t)mem + target);
    if (b->err)
        *failed_ = 1;
    check_insn(failed_, line, mem + at, x64_pos(b) - at, want_len, e);
}

TEST(x64_jumps_rel8_rel32_boundaries)
{
    for (int cc = -1; cc < 16; cc++) {
        int l8 = 2, l32 = cc < 0 ? 5 : 6;
        jump_case(failed_, __LINE__, cc, 200, 200 + 2 + 127, l8);  /* furthest rel8 forward */
        jump_case(failed_, __LINE__, cc, 200, 200 + 2 + 128, l32);
        jump_case(failed_, __LINE__, cc, 200, 200 + 2 - 128, l8);  /* furthest rel8 backward */
        jump_case(failed_, __LINE__, cc, 200, 200 + 2 - 129, l32);
        jump_case(failed_, __LINE__, cc, 200, 200, l8);            /* to itself */
        jump_case(failed_, __LINE__, cc, 300, 0, l32);
    }
}

TEST(x64_jumps_fixups)
{
    uint8_t mem[512];
    x64_buf buf, *b = &buf;
    char e[80];
    x64_buf_init(b, mem, sizeof mem);
    size_t f8 = x64_jcc8_fwd(b, X64_CC_NE);
    size_t fj8 = x64_jmp8_fwd(b);
    size_t f32 = x64_jcc32_fwd(b, X64_CC_O);
    size_t fj32 = x64_jmp32_fwd(b);
    CHECK_EQ_INT(f8, 1);
    CHECK_EQ_INT(fj8, 3);
    CHECK_EQ_INT(f32, 6);
    CHECK_EQ_INT(fj32, 11);
    x64_nop(b, 100);
    size_t t = x64_pos(b);
    x64_int3(b);
    x64_fix_rel8(b, f8, t);
    x64_fix_rel8(b, fj8, t);
    x64_fix_rel32(b, f32, t);
    x64_fix_rel32(b, fj32, 0); /* backward is fine too */
    CHECK_EQ_INT(b->err, 0);
    snprintf(e, sizeof e, "jne 0x%" PRIxPTR, (uintptr_t)mem + t);
    check_insn(failed_, __LINE__, mem, 2, 2, e);
    snprintf(e, sizeof e, "jmp 0x%" PRIxPTR, (uintptr_t)mem + t);
    check_insn(failed_, __LINE__, mem + 2, 2, 2, e);
    snprintf(e, sizeof e, "jo 0x%" PRIxPTR, (uintptr_t)mem + t);
    check_insn(failed_, __LINE__, mem + 4, 6, 6, e);
    snprintf(e, sizeof e, "jmp 0x%" PRIxPTR, (uintptr_t)mem);
    check_insn(failed_, __LINE__, mem + 10, 5, 5, e);
    /* a rel8 fixup out of range is reported, not truncated */
    x64_nop(b, 200);
    x64_fix_rel8(b, f8, x64_pos(b));
    CHECK_EQ_INT(b->err, X64_ERR_RANGE);
    CHECK_EQ_INT(mem[f8], t - (f8 + 1));
}

TEST(x64_labels_forward_and_backward)
{
    static uint8_t mem[1024];
    x64_buf buf, *b = &buf;
    char e[80];
    x64_label fwd = X64_LABEL_INIT, back = X64_LABEL_INIT;
    x64_buf_init(b, mem, sizeof mem);
    x64_bind(b, &back);                     /* at 0 */
    x64_jmp_label(b, &fwd);                 /* 0: 5 bytes */
    x64_jcc_label(b, X64_CC_O, &fwd);       /* 5: 6 bytes */
    x64_jcc_label(b, X64_CC_NE, &fwd);      /* 11: 6 bytes */
    CHECK(fwd.chain == 13);
    x64_jcc_label(b, X64_CC_L, &back);      /* 17: short backward */
    x64_nop(b, 300 - x64_pos(b));
    x64_jmp_label(b, &back);                /* 300: long backward */
    x64_bind(b, &fwd);                      /* 305 */
    x64_jcc_label(b, X64_CC_E, &fwd);       /* 305: short to itself */
    CHECK_EQ_INT(b->err, 0);
    CHECK_EQ_INT(fwd.pos, 305);
    CHECK_EQ_INT(fwd.chain, -1);
    uintptr_t F = (uintptr_t)mem + 305, B = (uintptr_t)mem;
    snprintf(e, sizeof e, "jmp 0x%" PRIxPTR, F);
    check_insn(failed_, __LINE__, mem, 5, 5, e);
    snprintf(e, sizeof e, "jo 0x%" PRIxPTR, F);
    check_insn(failed_, __LINE__, mem + 5, 6, 6, e);
    snprintf(e, sizeof e, "jne 0x%" PRIxPTR, F);
    check_insn(failed_, __LINE__, mem + 11, 6, 6, e);
    snprintf(e, sizeof e, "jl 0x%" PRIxPTR, B);
    check_insn(failed_, __LINE__, mem + 17, 2, 2, e);
    snprintf(e, sizeof e, "jmp 0x%" PRIxPTR, B);
    check_insn(failed_, __LINE__, mem + 300, 5, 5, e);
    snprintf(e, sizeof e, "je 0x%" PRIxPTR, F);
    check_insn(failed_, __LINE__, mem + 305, 2, 2, e);
    /* binding twice is an error */
    x64_bind(b, &fwd);
    CHECK_EQ_INT(b->err, X64_ERR_OPERAND);
}

TEST(x64_absolute_targets_and_patching)
{
    static uint8_t mem[64];
    x64_buf buf, *b = &buf;
    char e[80];
    const uint8_t *t = mem + 0x1000;
    for (int k = 0; k < 18; k++) {
        x64_buf_init(b, mem, sizeof mem);
        x64_nop(b, 7);
        if (k == 16)
            x64_jmp_addr(b, t), snprintf(e, sizeof e, "jmp 0x%" PRIxPTR, (uintptr_t)t);
        else if (k == 17)
            x64_call_addr(b, t), snprintf(e, sizeof e, "call 0x%" PRIxPTR, (uintptr_t)t);
        else
            x64_jcc_addr(b, k, t), snprintf(e, sizeof e, "j%s 0x%" PRIxPTR, CC[k], (uintptr_t)t);
        check_insn(failed_, __LINE__, mem + 7, x64_pos(b) - 7, k < 16 ? 6 : 5, e);
    }
    /* re-target a guard's jcc rel32, as a bridge would */
    x64_buf_init(b, mem, sizeof mem);
    size_t f = x64_jcc32_fwd(b, X64_CC_NO);
    int32_t rel;
    CHECK(x64_rel32(mem + f, mem - 0x5000, &rel));
    memcpy(mem + f, &rel, 4);
    snprintf(e, sizeof e, "jno 0x%" PRIxPTR, (uintptr_t)mem - 0x5000);
    check_insn(failed_, __LINE__, mem, 6, 6, e);
    CHECK(!x64_rel32(mem, (const void *)((uintptr_t)mem + ((uintptr_t)1 << 31) + 4), &rel));
    CHECK(x64_rel32(mem, (const void *)((uintptr_t)mem + ((uintptr_t)1 << 31) + 3), &rel));
    CHECK_EQ_INT(rel, INT32_MAX);
    /* unreachable absolute targets: RANGE, nothing written */
    x64_buf_init(b, mem, sizeof mem);
    x64_call_addr(b, (const void *)((uintptr_t)mem + ((uintptr_t)1 << 40)));
    CHECK_EQ_INT(b->err, X64_ERR_RANGE);
    CHECK_EQ_INT(x64_pos(b), 0);
}

TEST(x64_indirect_push_pop_misc)
{
    for (int r = 0; r < 16; r++) {
        ASM(r >= 8 ? 3 : 2, x64_call_r(b, r), "call %s", R64[r]);
        ASM(r >= 8 ? 3 : 2, x64_jmp_r(b, r), "jmp %s", R64[r]);
        ASM(r >= 8 ? 2 : 1, x64_push(b, r), "push %s", R64[r]);
        ASM(r >= 8 ? 2 : 1, x64_pop(b, r), "pop %s", R64[r]);
    }
    ASM(1, x64_ret(b), "ret");
    ASM(1, x64_int3(b), "int3");
}

TEST(x64_nops_and_align)
{
    uint8_t mem[64];
    x64_buf buf, *b = &buf;
    char text[80];
    for (size_t n = 0; n <= 40; n++) {
        x64_buf_init(b, mem, sizeof mem);
        x64_nop(b, n);
        CHECK_EQ_INT(x64_pos(b), n);
        size_t at = 0, count = 0;
        while (at < n) {
            size_t size = dis1(mem + at, n - at, text, sizeof text);
            CHECK(size > 0 && strncmp(text, "nop", 3) == 0);
            if (!size)
                break;
            at += size;
            count++;
        }
        CHECK_EQ_INT(at, n);
        CHECK_EQ_INT(count, (n + 8) / 9); /* at most 9 bytes each */
    }
    _Alignas(64) uint8_t amem[128];
    for (size_t skew = 0; skew < 32; skew++) {
        x64_buf_init(b, amem + skew, sizeof amem - skew);
        x64_ret(b);
        x64_align(b, 16);
        CHECK_EQ_INT((uintptr_t)b->p % 16, 0);
        CHECK((size_t)(b->p - (amem + skew)) <= 16);
    }
    x64_align(b, 12);
    CHECK_EQ_INT(b->err, X64_ERR_OPERAND);
}

/* ---- SSE2 ---- */

TEST(x64_sse2)
{
    static const struct { x64_sse op; const char *name, *size; } ops[] = {
        {X64_MOVSD, "movsd", "qword"}, {X64_ADDSD, "addsd", "qword"},
        {X64_SUBSD, "subsd", "qword"}, {X64_MULSD, "mulsd", "qword"},
        {X64_DIVSD, "divsd", "qword"}, {X64_SQRTSD, "sqrtsd", "qword"},
        {X64_UCOMISD, "ucomisd", "qword"}, {X64_XORPD, "xorpd", "xmmword"},
        {X64_ANDPD, "andpd", "xmmword"}, {X64_MOVAPD, "movapd", "xmmword"}};
    char ms[80];
    for (int k = 0; k < N(ops); k++)
        for (int d = 0; d < 16; d++) {
            for (int s = 0; s < 16; s++)
                ASM((d | s) & 8 ? 5 : 4, x64_sse_rr(b, ops[k].op, d, s), "%s %s, %s", ops[k].name,
                    XMM[d], XMM[s]);
            x64_mem m = x64_mx(d, (d + 1) % 16 == 4 ? 5 : (d + 1) % 16, 8, (d - 8) * 20);
            int rex = (d & 8) || (m.index & 8);
            ASM(3 + rex + mem_len(m), x64_sse_rm(b, ops[k].op, d, m), "%s %s, %s ptr %s", ops[k].name,
                XMM[d], ops[k].size, mem_s(ms, m));
        }
    for (int x = 0; x < 16; x++) {
        for (int base = 0; base < 16; base++) {
            x64_mem m = x64_m(base, base * 16 - 128);
            int rex = (x | base) & 8 ? 1 : 0;
            ASM(3 + rex + mem_len(m), x64_movsd_rm(b, x, m), "movsd %s, qword ptr %s", XMM[x], mem_s(ms, m));
            ASM(3 + rex + mem_len(m), x64_movsd_mr(b, m, x), "movsd qword ptr %s, %s", mem_s(ms, m), XMM[x]);
        }
        for (int r = 0; r < 16; r++) {
            ASM(5, x64_cvtsi2sd(b, x, r), "cvtsi2sd %s, %s", XMM[x], R64[r]);
            ASM(5, x64_cvttsd2si(b, r, x), "cvttsd2si %s, %s", R64[r], XMM[x]);
            ASM(5, x64_movq_xr(b, x, r), "movq %s, %s", XMM[x], R64[r]);
            ASM(5, x64_movq_rx(b, r, x), "movq %s, %s", R64[r], XMM[x]);
        }
        ASM(4 + (x >= 8), x64_movsd_rr(b, x, x), "movsd %s, %s", XMM[x], XMM[x]);
    }
}

/* ---- errors ---- */

TEST(x64_overflow_is_all_or_nothing)
{
    uint8_t mem[16];
    x64_buf buf, *b = &buf;
    memset(mem, 0xAA, sizeof mem);
    x64_buf_init(b, mem, 8);
    x64_mov_rr(b, X64_RAX, X64_RBX);            /* 3 */
    x64_alu_ri(b, X64_ADD, X64_RAX, 1);         /* 4 -> 7 */
    CHECK_EQ_INT(b->err, 0);
    x64_mov_ri64(b, X64_RCX, 0x1122334455667788ULL); /* 10: does not fit */
    CHECK_EQ_INT(b->err, X64_ERR_OVERFLOW);
    CHECK_EQ_INT(x64_pos(b), 7);
    x64_ret(b);                                 /* would fit, but overflow is sticky */
    x64_nop(b, 1);
    size_t f = x64_jmp32_fwd(b);
    x64_fix_rel32(b, f, 0);                     /* ignored: never written */
    x64_label l = X64_LABEL_INIT;
    x64_jmp_label(b, &l);
    x64_bind(b, &l);
    CHECK_EQ_INT(l.chain, -1);
    CHECK_EQ_INT(x64_pos(b), 7);
    CHECK_EQ_INT(b->err, X64_ERR_OVERFLOW);
    for (int i = 7; i < 16; i++)
        CHECK_EQ_INT(mem[i], 0xAA);
    /* exactly full is fine */
    x64_buf_init(b, mem, 4);
    x64_alu_ri(b, X64_SUB, X64_RSP, 8);
    CHECK_EQ_INT(b->err, 0);
    CHECK_EQ_INT(x64_pos(b), 4);
    x64_bytes(b, "x", 1);
    CHECK_EQ_INT(b->err, X64_ERR_OVERFLOW);
}

TEST(x64_bad_operands)
{
    uint8_t mem[16];
    x64_buf buf, *b = &buf;
    x64_buf_init(b, mem, sizeof mem);
    x64_load(b, X64_RAX, x64_mx(X64_RAX, X64_RSP, 1, 0)); /* rsp cannot be an index */
    CHECK_EQ_INT(b->err, X64_ERR_OPERAND);
    x64_buf_init(b, mem, sizeof mem);
    x64_load(b, X64_RAX, x64_mx(X64_RAX, X64_RCX, 3, 0));
    CHECK_EQ_INT(b->err, X64_ERR_OPERAND);
    x64_buf_init(b, mem, sizeof mem);
    x64_load(b, X64_RAX, (x64_mem){X64_RBX, X64_NOREG, 1, (int64_t)1 << 32});
    CHECK_EQ_INT(b->err, X64_ERR_RANGE);
    x64_buf_init(b, mem, sizeof mem);
    x64_mov_rr(b, X64_RIP, X64_RAX);
    CHECK_EQ_INT(b->err, X64_ERR_OPERAND);
    CHECK_EQ_INT(x64_pos(b), 0);
    /* an r12 index is fine (only rsp's encoding means "none") */
    ASM(4, x64_load(b, X64_RCX, x64_mx(X64_R12, X64_R12, 1, 0)), "mov rcx, qword ptr [r12 + r12]");
}
