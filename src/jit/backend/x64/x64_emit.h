/* backend/x64/x64_emit: a small x86-64 machine-code encoder for the JIT
 * backend, in the spirit of LuaJIT's lj_emit_x86.h but emitting forwards
 * into a caller-provided buffer.
 *
 * Every emitter appends one whole instruction or nothing: an instruction
 * that does not fit sets X64_ERR_OVERFLOW and from then on nothing more is
 * written (the buffer never overruns), so a backend can emit a whole trace
 * and check b->err once at the end (overflow means: abort or retry with a
 * bigger block). Bad operands (rsp as index, a displacement or jump that
 * does not fit in 32 bits) set X64_ERR_OPERAND / X64_ERR_RANGE and skip
 * the instruction; both are backend bugs or unreachable targets.
 *
 * Conventions: integer operations are 64-bit unless the name says
 * otherwise (…32, …8); destinations come first as in Intel syntax. The
 * buffer's address is the address the code will run at (code memory is
 * written in place, then sealed), so rel32 jumps and calls to absolute
 * addresses and rip-relative operands are computed from b->p.
 * The tests check every emitter against the Capstone disassembler. */
#ifndef JIT_X64_EMIT_H
#define JIT_X64_EMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* General-purpose registers, numbered as in the encoding. X64_RIP is only
 * valid as the base of a memory operand (see x64_mrip). */
typedef enum {
    X64_RAX, X64_RCX, X64_RDX, X64_RBX, X64_RSP, X64_RBP, X64_RSI, X64_RDI,
    X64_R8, X64_R9, X64_R10, X64_R11, X64_R12, X64_R13, X64_R14, X64_R15,
    X64_RIP = 16,
    X64_NOREG = -1,
} x64_reg;

typedef enum {
    X64_XMM0, X64_XMM1, X64_XMM2, X64_XMM3, X64_XMM4, X64_XMM5, X64_XMM6, X64_XMM7,
    X64_XMM8, X64_XMM9, X64_XMM10, X64_XMM11, X64_XMM12, X64_XMM13, X64_XMM14, X64_XMM15,
} x64_xmm;

/* Condition codes (low nibble of jcc/setcc/cmovcc). cc ^ 1 negates. */
typedef enum {
    X64_CC_O, X64_CC_NO, X64_CC_B, X64_CC_AE, X64_CC_E, X64_CC_NE, X64_CC_BE, X64_CC_A,
    X64_CC_S, X64_CC_NS, X64_CC_P, X64_CC_NP, X64_CC_L, X64_CC_GE, X64_CC_LE, X64_CC_G,
} x64_cc;

static inline x64_cc x64_cc_negate(x64_cc cc) { return (x64_cc)(cc ^ 1); }

/* The eight classic ALU operations; the value is the /digit of the
 * 0x81/0x83 immediate group and op*8 is the base opcode. */
typedef enum {
    X64_ADD, X64_OR, X64_ADC, X64_SBB, X64_AND, X64_SUB, X64_XOR, X64_CMP,
} x64_alu;

/* Shifts and rotates: the /digit of the 0xC1/0xD1/0xD3 group. */
typedef enum { X64_ROL = 0, X64_ROR = 1, X64_SHL = 4, X64_SHR = 5, X64_SAR = 7 } x64_shift;

/* SSE2 scalar-double operations taking xmm, xmm/m: mandatory prefix in the
 * high byte, opcode (after 0x0F) in the low byte. */
typedef enum {
    X64_MOVSD = 0xF210,
    X64_SQRTSD = 0xF251,
    X64_ADDSD = 0xF258,
    X64_MULSD = 0xF259,
    X64_SUBSD = 0xF25C,
    X64_DIVSD = 0xF25E,
    X64_MOVAPD = 0x6628,
    X64_UCOMISD = 0x662E,
    X64_ANDPD = 0x6654,
    X64_XORPD = 0x6657,
} x64_sse;

enum {
    X64_ERR_OVERFLOW = 1, /* out of buffer space: nothing more was written */
    X64_ERR_RANGE = 2,    /* displacement/jump does not fit its field */
    X64_ERR_OPERAND = 4,  /* invalid operand combination */
};

typedef struct {
    uint8_t *start, *p, *end;
    unsigned err; /* X64_ERR_* bits, sticky */
} x64_buf;

/* A memory operand [base + index*scale + disp]. base may be X64_NOREG
 * (absolute [disp32], sign-extended) or X64_RIP (then disp is the absolute
 * target address; the encoder computes the rip-relative displacement). */
typedef struct {
    int8_t base, index;
    uint8_t scale; /* 1, 2, 4 or 8 */
    int64_t disp;
} x64_mem;

static inline x64_mem x64_m(x64_reg base, int32_t disp)
{
    return (x64_mem){(int8_t)base, X64_NOREG, 1, disp};
}
static inline x64_mem x64_mx(x64_reg base, x64_reg index, int scale, int32_t disp)
{
    return (x64_mem){(int8_t)base, (int8_t)index, (uint8_t)scale, disp};
}
static inline x64_mem x64_mrip(const void *target)
{
    return (x64_mem){X64_RIP, X64_NOREG, 1, (int64_t)(intptr_t)target};
}

/* A label for jumps within one buffer. Jumps to a bound label take the
 * shortest form; jumps to an unbound label are rel32 and are chained
 * through their own (not yet meaningful) rel32 fields until x64_bind. */
typedef struct {
    int32_t pos;   /* buffer offset once bound, else -1 */
    int32_t chain; /* offset of the last pending rel32 field, or -1 */
} x64_label;
#define X64_LABEL_INIT {-1, -1}

/* -- buffer -- */
void x64_buf_init(x64_buf *b, void *mem, size_t size);
static inline size_t x64_pos(const x64_buf *b) { return (size_t)(b->p - b->start); }
static inline bool x64_ok(const x64_buf *b) { return b->err == 0; }
void x64_bytes(x64_buf *b, const void *bytes, size_t n); /* raw data, all or nothing */

/* -- moves, loads, stores -- */
void x64_mov_rr(x64_buf *b, x64_reg dst, x64_reg src);
void x64_mov32_rr(x64_buf *b, x64_reg dst, x64_reg src);       /* zero-extends */
void x64_mov_ri32(x64_buf *b, x64_reg dst, int32_t imm);       /* sign-extended */
void x64_mov32_ri(x64_buf *b, x64_reg dst, uint32_t imm);      /* zero-extended */
void x64_mov_ri64(x64_buf *b, x64_reg dst, uint64_t imm);      /* movabs */
void x64_mov_ri(x64_buf *b, x64_reg dst, int64_t imm);         /* shortest of the three */
void x64_load(x64_buf *b, x64_reg dst, x64_mem m);             /* mov r64, qword [m] */
void x64_load32(x64_buf *b, x64_reg dst, x64_mem m);           /* mov r32, dword [m] */
void x64_load32sx(x64_buf *b, x64_reg dst, x64_mem m);         /* movsxd r64, dword [m] */
void x64_load16zx(x64_buf *b, x64_reg dst, x64_mem m);         /* movzx r32, word [m] */
void x64_load8zx(x64_buf *b, x64_reg dst, x64_mem m);          /* movzx r32, byte [m] */
void x64_store(x64_buf *b, x64_mem m, x64_reg src);            /* mov qword [m], r64 */
void x64_store32(x64_buf *b, x64_mem m, x64_reg src);
void x64_store8(x64_buf *b, x64_mem m, x64_reg src);
void x64_store_i32(x64_buf *b, x64_mem m, int32_t imm);        /* mov qword [m], imm32 */
void x64_lea(x64_buf *b, x64_reg dst, x64_mem m);
void x64_movzx8_rr(x64_buf *b, x64_reg dst, x64_reg src);      /* movzx r32, r8 */
void x64_push(x64_buf *b, x64_reg r);
void x64_pop(x64_buf *b, x64_reg r);

/* -- integer arithmetic -- */
void x64_alu_rr(x64_buf *b, x64_alu op, x64_reg dst, x64_reg src);
void x64_alu_ri(x64_buf *b, x64_alu op, x64_reg dst, int32_t imm); /* imm8 form when it fits */
void x64_alu_rm(x64_buf *b, x64_alu op, x64_reg dst, x64_mem m);
void x64_alu_mr(x64_buf *b, x64_alu op, x64_mem m, x64_reg src);
void x64_alu_mi(x64_buf *b, x64_alu op, x64_mem m, int32_t imm);  /* op qword [m], imm */
void x64_test_rr(x64_buf *b, x64_reg a, x64_reg c);
void x64_test_ri(x64_buf *b, x64_reg r, int32_t imm);
void x64_test8_mi(x64_buf *b, x64_mem m, uint8_t imm);             /* test byte [m], imm8 */
void x64_imul_rr(x64_buf *b, x64_reg dst, x64_reg src);
void x64_imul_rri(x64_buf *b, x64_reg dst, x64_reg src, int32_t imm);
void x64_neg(x64_buf *b, x64_reg r);
void x64_not(x64_buf *b, x64_reg r);
void x64_shift_cl(x64_buf *b, x64_shift op, x64_reg r);
void x64_shift_ri(x64_buf *b, x64_shift op, x64_reg r, uint8_t imm);
void x64_cqo(x64_buf *b);
void x64_idiv(x64_buf *b, x64_reg r); /* rdx:rax / r -> rax, remainder rdx */
void x64_setcc(x64_buf *b, x64_cc cc, x64_reg r8);
void x64_cmovcc(x64_buf *b, x64_cc cc, x64_reg dst, x64_reg src);

/* -- control flow --
 * Offsets (size_t) are positions in the buffer; a "fixup" is the offset of
 * a jump's displacement field, to be resolved with x64_fix_rel8/32. */
void x64_jmp_to(x64_buf *b, size_t target);            /* rel8 or rel32 */
void x64_jcc_to(x64_buf *b, x64_cc cc, size_t target); /* rel8 or rel32 */
size_t x64_jmp8_fwd(x64_buf *b);
size_t x64_jcc8_fwd(x64_buf *b, x64_cc cc);
size_t x64_jmp32_fwd(x64_buf *b);
size_t x64_jcc32_fwd(x64_buf *b, x64_cc cc);
void x64_fix_rel8(x64_buf *b, size_t fixup, size_t target);
void x64_fix_rel32(x64_buf *b, size_t fixup, size_t target);
void x64_jmp_label(x64_buf *b, x64_label *l);
void x64_jcc_label(x64_buf *b, x64_cc cc, x64_label *l);
void x64_bind(x64_buf *b, x64_label *l); /* label := current position */
void x64_jmp_addr(x64_buf *b, const void *target);           /* jmp rel32 */
void x64_jcc_addr(x64_buf *b, x64_cc cc, const void *target); /* jcc rel32 */
void x64_call_addr(x64_buf *b, const void *target);          /* call rel32 */
void x64_jmp_r(x64_buf *b, x64_reg r);
void x64_call_r(x64_buf *b, x64_reg r);
void x64_jmp_m(x64_buf *b, x64_mem m);
void x64_call_m(x64_buf *b, x64_mem m); /* e.g. call [rip+disp] via x64_mrip */
void x64_ret(x64_buf *b);
void x64_int3(x64_buf *b);
void x64_nop(x64_buf *b, size_t n);     /* n bytes of (multi-byte) nops */
void x64_align(x64_buf *b, size_t align); /* pad with nops to a multiple of align */

/* rel32 value that makes the 4-byte field at `field` (the last bytes of a
 * jmp/jcc/call) reach `target`; false when out of +-2 GiB. For patching
 * sealed code (guard -> bridge) through rt_codemem_patch. */
bool x64_rel32(const void *field, const void *target, int32_t *rel);

/* -- SSE2 doubles -- */
void x64_sse_rr(x64_buf *b, x64_sse op, x64_xmm dst, x64_xmm src);
void x64_sse_rm(x64_buf *b, x64_sse op, x64_xmm dst, x64_mem m);
static inline void x64_movsd_rr(x64_buf *b, x64_xmm dst, x64_xmm src) { x64_sse_rr(b, X64_MOVSD, dst, src); }
static inline void x64_movsd_rm(x64_buf *b, x64_xmm dst, x64_mem m) { x64_sse_rm(b, X64_MOVSD, dst, m); }
void x64_movsd_mr(x64_buf *b, x64_mem m, x64_xmm src);
void x64_cvtsi2sd(x64_buf *b, x64_xmm dst, x64_reg src);  /* int64 -> double */
void x64_cvttsd2si(x64_buf *b, x64_reg dst, x64_xmm src); /* double -> int64, truncating */
void x64_movq_xr(x64_buf *b, x64_xmm dst, x64_reg src);
void x64_movq_rx(x64_buf *b, x64_reg dst, x64_xmm src);

#endif
