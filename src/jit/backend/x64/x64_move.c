/* backend/x64/x64_move: location moves and the parallel move resolver. */
#include "x64_move.h"

#include <stdlib.h>

void x64_move(x64_buf *b, jit_loc dst, jit_loc src)
{
    if (dst.kind == JIT_LOC_NONE || x64_loc_same(dst, src))
        return;
    x64_reg dr = (x64_reg)dst.index, sr = (x64_reg)src.index;
    x64_xmm dx = (x64_xmm)dst.index, sx = (x64_xmm)src.index;
    switch (dst.kind * 8 + src.kind) {
    case JIT_LOC_GPR * 8 + JIT_LOC_GPR: x64_mov_rr(b, dr, sr); break;
    case JIT_LOC_GPR * 8 + JIT_LOC_XMM: x64_movq_rx(b, dr, sx); break;
    case JIT_LOC_GPR * 8 + JIT_LOC_SPILL: x64_load(b, dr, x64_df_spill(src.index)); break;
    case JIT_LOC_GPR * 8 + JIT_LOC_CONST: x64_mov_ri(b, dr, (int64_t)src.value); break;
    case JIT_LOC_XMM * 8 + JIT_LOC_GPR: x64_movq_xr(b, dx, sr); break;
    case JIT_LOC_XMM * 8 + JIT_LOC_XMM: x64_movsd_rr(b, dx, sx); break;
    case JIT_LOC_XMM * 8 + JIT_LOC_SPILL: x64_movsd_rm(b, dx, x64_df_spill(src.index)); break;
    case JIT_LOC_XMM * 8 + JIT_LOC_CONST:
        if (src.value == 0) {
            x64_sse_rr(b, X64_XORPD, dx, dx);
        } else {
            x64_mov_ri(b, X64_TMP2, (int64_t)src.value);
            x64_movq_xr(b, dx, X64_TMP2);
        }
        break;
    case JIT_LOC_SPILL * 8 + JIT_LOC_GPR: x64_store(b, x64_df_spill(dst.index), sr); break;
    case JIT_LOC_SPILL * 8 + JIT_LOC_XMM: x64_movsd_mr(b, x64_df_spill(dst.index), sx); break;
    case JIT_LOC_SPILL * 8 + JIT_LOC_SPILL:
        x64_load(b, X64_TMP2, x64_df_spill(src.index));
        x64_store(b, x64_df_spill(dst.index), X64_TMP2);
        break;
    case JIT_LOC_SPILL * 8 + JIT_LOC_CONST:
        if ((int64_t)src.value == (int32_t)src.value) {
            x64_store_i32(b, x64_df_spill(dst.index), (int32_t)src.value);
        } else {
            x64_mov_ri(b, X64_TMP2, (int64_t)src.value);
            x64_store(b, x64_df_spill(dst.index), X64_TMP2);
        }
        break;
    default:
        b->err |= X64_ERR_OPERAND; /* a backend bug: bad location */
    }
}

/* Is location d still read by a pending move other than `except`? */
static bool is_read(const jit_loc *src, const bool *pending, int n, jit_loc d, int except)
{
    for (int j = 0; j < n; j++)
        if (pending[j] && j != except && src[j].kind != JIT_LOC_CONST && x64_loc_same(src[j], d))
            return true;
    return false;
}

void x64_parallel_move(x64_buf *b, const jit_loc *dst, const jit_loc *src_in, int n)
{
    if (n <= 0)
        return;
    jit_loc *src = malloc((size_t)n * sizeof *src);
    bool *pending = malloc((size_t)n);
    if (!src || !pending) {
        free(src);
        free(pending);
        b->err |= X64_ERR_OVERFLOW; /* treated as "could not emit" */
        return;
    }
    int left = 0;
    for (int i = 0; i < n; i++) {
        src[i] = src_in[i];
        pending[i] = dst[i].kind != JIT_LOC_NONE && !x64_loc_same(dst[i], src[i]);
        left += pending[i];
    }
    const jit_loc tmp = x64_loc_gpr(X64_TMP);
    while (left > 0) {
        bool progress = false;
        for (int i = 0; i < n; i++)
            if (pending[i] && !is_read(src, pending, n, dst[i], i)) {
                x64_move(b, dst[i], src[i]);
                pending[i] = false;
                left--;
                progress = true;
            }
        if (progress)
            continue;
        /* every pending dst is still read: a cycle. Save one dst in the
         * temp and let its readers read the temp. */
        for (int i = 0; i < n; i++)
            if (pending[i]) {
                jit_loc d = dst[i];
                x64_move(b, tmp, d);
                for (int j = 0; j < n; j++)
                    if (pending[j] && src[j].kind != JIT_LOC_CONST && x64_loc_same(src[j], d))
                        src[j] = tmp;
                break;
            }
    }
    free(src);
    free(pending);
}
