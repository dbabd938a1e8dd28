/* GLIF: gated LIF (Yao et al., NeurIPS 2022; shared/papers/clif.md §1.6, snnlab/neurons/glif.py, SpikingJelly
 * GatedLIFNode). Included by kernels.c once per dtype with real = float | double, FN(x) = x##_f32 | x##_f64.
 *
 * Per-channel coefficients, computed in Python from the sigmoid values by the same torch operations as
 * snnlab.neurons.glif.glif_step (so they are the very numbers the reference multiplies by):
 *   A[t,c] = 1 - beta_c*(1 - G_c[t0+t, c])     (input gain of step t; G: conductance)
 *   D_c    = 1 - alpha_c*(1 - tau_G,c)          (gated exponential decay)
 *   L_c    = (1 - alpha_c)*ell_c                (gated linear decay)
 *   Q_c    = (1 - gamma_c)*V_sub,c              (soft part of the reset)
 *   gamma_c, V_th,c                             (hard part of the reset, threshold)
 * Element i of a step belongs to channel c = (i / inner) % C (C = 1: one value per layer).
 *
 * Forward (glif_step's operation order; H[t-1] is the carried V, S[t-1] the carried S):
 *   I    = X[t]*A[t]
 *   H[t] = I - L                                                  (t = 0 without an initial V)
 *   H[t] = (D*H[t-1] - L) + I                                     (t = 0 with V but no S)
 *   H[t] = (((D*H[t-1] - L) + I) - (D*H[t-1]*gamma)*S[t-1]) - Q*S[t-1]     (otherwise)
 *   S[t] = [H[t] - V_th >= 0]
 * The carried state after the call is V = H[T-1] (and S = S[T-1], the last spike row, taken in Python).
 *
 * Backward through time (per element; cH = dL/dH[t] and cS = dL/dS[t] carried back from step t+1 through
 * H[t+1]; gS_ext = dL/dS[t] from the output; g = g(H[t] - V_th), the surrogate):
 *   gz    = (gS_ext + cS)*g;          gH = cH + gz
 *   dL/dX[t]    = gH*A[t];            dL/dA[t,c]  += gH*X[t]
 *   dL/dL_c     -= gH;                dL/dV_th,c  -= gz
 *   with an H[t-1] term (v = H[t-1], dv = D*v), and sp = S[t-1] when the reset terms are present:
 *     gr  = (gH*sp)*gamma             (gr = 0 without reset terms: the products with it are then left out)
 *     dL/dD_c += gH*v - gr*v;   dL/dgamma_c -= (gH*sp)*dv;   dL/dQ_c -= gH*sp
 *     cH(t-1) = gH*D - gr*D;    cS(t-1) = -(gH*(dv*gamma)) - gH*Q   (0 with detach_reset: S[t-1] detached there)
 *   without an H[t-1] term (t = 0, no initial V): nothing flows further back.
 *   dL/d(initial V) = cH(-1),  dL/d(initial S) = cS(-1).
 * The parameter sums: per element over the T steps in the working precision (as lif.h), then per channel in
 * double (each channel run of a block with 8 interleaved partial sums; dL/dA per step the same way), into one
 * double accumulator per thread; the threads' sums are added in thread order (deterministic for a given
 * thread count).
 * Kept for backward: X and the initial state; H is recomputed block by block into a [T, BLOCK] scratch buffer.
 */

typedef struct {
    int64_t C;          /* channels (1: one value per layer) */
    int64_t inner;      /* elements per channel within one sample: channel of element i = (i / inner) % C */
    const real *a;      /* [T, C] input gains A[t, c] */
    const real *d;      /* [C] D */
    const real *l;      /* [C] L */
    const real *gam;    /* [C] gamma */
    const real *q;      /* [C] Q */
    const real *vth;    /* [C] V_th */
} glif_coef_t;

/* per-element channel index and per-channel coefficients of a block */
INLINE void FN(glif_fill)(const glif_coef_t *cf, int64_t i0, int nb, int64_t *restrict ch, real *restrict dc,
                          real *restrict lc, real *restrict gc, real *restrict qc, real *restrict thc) {
    const int64_t C = cf->C, inner = cf->inner;
    if (C == 1) { /* one value per layer: broadcasts (vectorised) */
        const real d = cf->d[0], l = cf->l[0], g = cf->gam[0], q = cf->q[0], th = cf->vth[0];
        for (int b = 0; b < nb; b++) {
            ch[b] = 0;
            dc[b] = d;
            lc[b] = l;
            gc[b] = g;
            qc[b] = q;
            thc[b] = th;
        }
        return;
    }
    for (int b = 0; b < nb; b++) ch[b] = ((i0 + b) / inner) % C;
    for (int b = 0; b < nb; b++) {
        int64_t c = ch[b];
        dc[b] = cf->d[c];
        lc[b] = cf->l[c];
        gc[b] = cf->gam[c];
        qc[b] = cf->q[c];
        thc[b] = cf->vth[c];
    }
}

INLINE void FN(glif_gain)(const glif_coef_t *cf, int64_t t, const int64_t *restrict ch, int nb,
                          real *restrict ac) {
    const real *row = cf->a + t * cf->C;
    if (cf->C == 1) {
        const real a = row[0];
        for (int b = 0; b < nb; b++) ac[b] = a;
    } else {
        for (int b = 0; b < nb; b++) ac[b] = row[ch[b]];
    }
}

/* one step of a block; mode 0: no H[t-1] term, 1: H[t-1] without reset terms, 2: with reset terms */
INLINE void FN(glif_fwd_row)(const int mode, int nb, const real *restrict xt, const real *restrict ac,
                             const real *restrict dc, const real *restrict lc, const real *restrict gc,
                             const real *restrict qc, const real *restrict thc, real *restrict v,
                             real *restrict sp, real *restrict st, real *restrict hb) {
    for (int b = 0; b < nb; b++) {
        real i = xt[b] * ac[b];
        real h;
        if (mode == 0) {
            h = i - lc[b];
        } else {
            real dv = dc[b] * v[b];
            h = (dv - lc[b]) + i;
            if (mode == 2) {
                h = h - (dv * gc[b]) * sp[b];
                h = h - qc[b] * sp[b];
            }
        }
        real s = (h - thc[b] >= (real)0) ? (real)1 : (real)0;
        v[b] = h;
        sp[b] = s;
        st[b] = s;
        hb[b] = h;
    }
}

/* forward of the block [i0, i0+nb): spikes to s_out (or nowhere), H rows to hbuf (or nowhere), V[T-1] to vT */
INLINE void FN(glif_fwd_block)(const params_t *p, const glif_coef_t *cf, const real *restrict x,
                               const real *restrict v0, const real *restrict s0, real *restrict s_out,
                               real *restrict hbuf, real *restrict vT, real *restrict rh, int64_t i0, int nb) {
    const int64_t T = p->T, N = p->N;
    int64_t ch[BLOCK];
    real dc[BLOCK], lc[BLOCK], gc[BLOCK], qc[BLOCK], thc[BLOCK], ac[BLOCK], v[BLOCK], sp[BLOCK];
    real ssink[BLOCK], hsink[BLOCK];
    FN(glif_fill)(cf, i0, nb, ch, dc, lc, gc, qc, thc);
    if (v0) memcpy(v, v0 + i0, (size_t)nb * sizeof(real));
    else memset(v, 0, sizeof v);
    if (s0) memcpy(sp, s0 + i0, (size_t)nb * sizeof(real));
    else memset(sp, 0, sizeof sp);
    const int mode0 = v0 ? (s0 ? 2 : 1) : 0;
    for (int64_t t = 0; t < T; t++) {
        const real *restrict xt = x + t * N + i0;
        real *restrict st = s_out ? s_out + t * N + i0 : ssink;
        real *restrict hb = hbuf ? hbuf + t * BLOCK : hsink;
        PREFETCH_NEXT(xt, sizeof(real), 0);
        if (s_out) PREFETCH_NEXT(st, sizeof(real), 1);
        FN(glif_gain)(cf, t, ch, nb, ac);
        const int mode = t > 0 ? 2 : mode0;
        if (mode == 2) FN(glif_fwd_row)(2, nb, xt, ac, dc, lc, gc, qc, thc, v, sp, st, hb);
        else if (mode == 1) FN(glif_fwd_row)(1, nb, xt, ac, dc, lc, gc, qc, thc, v, sp, st, hb);
        else FN(glif_fwd_row)(0, nb, xt, ac, dc, lc, gc, qc, thc, v, sp, st, hb);
        if (rh) FN(put_row)(rh + t * N + i0, v, nb, FN(stream_records)(p)); /* record=True: H of step t (= V) */
    }
    if (vT)
        for (int b = 0; b < nb; b++) vT[i0 + b] = v[b];
}

/* one backward step of a block (mode as in the forward); vp = H[t-1] (or the initial V), spv = S[t-1] */
INLINE void FN(glif_bwd_row)(const int mode, const int det, int nb, const real *restrict hb,
                             const real *restrict gl, const real *restrict vp, const real *restrict spv,
                             const real *restrict xt, const real *restrict gst, const real *restrict ac,
                             const real *restrict dc, const real *restrict gc, const real *restrict qc,
                             real *restrict gxt, real *restrict pa, real *restrict cH, real *restrict cS,
                             real *restrict ad, real *restrict al, real *restrict ag,
                             real *restrict aq, real *restrict ath) {
    (void)hb;
    for (int b = 0; b < nb; b++) {
        real gz = (gst[b] + cS[b]) * gl[b];
        real gH = cH[b] + gz;
        ath[b] += gz;
        al[b] += gH;
        gxt[b] = gH * ac[b];
        pa[b] = gH * xt[b];
        if (mode == 0) {
            cH[b] = (real)0;
            cS[b] = (real)0;
        } else {
            real v = vp[b];
            real dv = dc[b] * v;
            real gsp = (real)0;
            if (mode == 2) {
                /* D*H[t-1] appears twice in glif_step (the decay and the reset term): the two products'
                 * gradients are kept apart (gH*v and (gH*sp*gamma)*v), as autograd does, so that a non-finite
                 * H[t-1] with S[t-1] = 0 gives NaN (Inf*0) where the reference loop does */
                real sv = spv[b];
                real ghs = gH * sv;
                real gr = ghs * gc[b];
                ag[b] += (ghs * dv);
                aq[b] += ghs;
                gsp = det ? (real)0 : (-(gH * (dv * gc[b])) - gH * qc[b]);
                ad[b] += gH * v - gr * v;
                cH[b] = gH * dc[b] - gr * dc[b];
            } else {
                ad[b] += (gH * v);
                cH[b] = gH * dc[b];
            }
            cS[b] = gsp;
        }
    }
}

/* sum of v[0..n) in double with 8 interleaved partial sums (fixed order: deterministic) */
INLINE double FN(glif_sum)(const real *restrict v, int n) {
    double part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; j++) part[j] += (double)v[i + j];
    for (; i < n; i++) part[0] += (double)v[i];
    return ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
}

/* the block's channel runs: maximal ranges of consecutive elements of one channel, in block order */
INLINE int FN(glif_runs)(const int64_t *restrict ch, int nb, int *restrict rb, int *restrict rn) {
    int nr = 0, b0 = 0;
    while (b0 < nb) {
        int b1 = b0 + 1;
        while (b1 < nb && ch[b1] == ch[b0]) b1++;
        rb[nr] = b0;
        rn[nr] = b1 - b0;
        nr++;
        b0 = b1;
    }
    return nr;
}

/* backward of one block. acc layout (doubles): [0, T*C) dL/dA, then C each of dL/dD, dL/dL, dL/dgamma, dL/dQ,
 * dL/dV_th. */
INLINE void FN(glif_bwd_block)(const params_t *p, const int kind, const glif_coef_t *cf, const real *restrict x,
                               const real *restrict v0, const real *restrict s0, const real *restrict gs,
                               const real *restrict gvT, real *restrict gx, real *restrict gv0,
                               real *restrict gs0, real *restrict buf, int64_t i0, int nb, double *acc) {
    const int64_t T = p->T, N = p->N, C = cf->C;
    const int det = p->detach;
    real c0, c1;
    FN(sg_consts)(p, &c0, &c1);
    FN(glif_fwd_block)(p, cf, x, v0, s0, NULL, buf, NULL, NULL, i0, nb);
    int64_t ch[BLOCK];
    real dc[BLOCK], lc[BLOCK], gc[BLOCK], qc[BLOCK], thc[BLOCK], ac[BLOCK];
    FN(glif_fill)(cf, i0, nb, ch, dc, lc, gc, qc, thc);
    real cH[BLOCK], cS[BLOCK], gl[BLOCK], pa[BLOCK], spv[BLOCK], vinit[BLOCK];
    real ad[BLOCK], al[BLOCK], ag[BLOCK], aq[BLOCK], ath[BLOCK];
    for (int b = 0; b < nb; b++) {
        cH[b] = gvT[i0 + b];
        cS[b] = (real)0;
        ad[b] = al[b] = ag[b] = aq[b] = ath[b] = (real)0;
    }
    FN(load_or_fill)(vinit, v0 ? v0 + i0 : NULL, nb, (real)0);
    int rb[BLOCK], rn[BLOCK];
    const int nr = FN(glif_runs)(ch, nb, rb, rn);
    const int mode0 = v0 ? (s0 ? 2 : 1) : 0;
    for (int64_t t = T - 1; t >= 0; t--) {
        const real *restrict hb = buf + t * BLOCK;
        const real *restrict xt = x + t * N + i0, *restrict gst = gs + t * N + i0;
        real *restrict gxt = gx + t * N + i0;
        PREFETCH_NEXT(gst, sizeof(real), 0); /* (x of this block is in cache from its recomputation) */
        PREFETCH_NEXT(gxt, sizeof(real), 1);
        const real *vp;
        if (t > 0) {
            vp = buf + (t - 1) * BLOCK;
            for (int b = 0; b < nb; b++) spv[b] = (vp[b] - thc[b] >= (real)0) ? (real)1 : (real)0;
        } else {
            vp = vinit;
            FN(load_or_fill)(spv, s0 ? s0 + i0 : NULL, nb, (real)0);
        }
        FN(glif_gain)(cf, t, ch, nb, ac);
        for (int b = 0; b < nb; b++) gl[b] = hb[b] - thc[b];
        FN(sg_n)(gl, gl, nb, kind, c0, c1);
        const int mode = t > 0 ? 2 : mode0;
#define GLIF_ROW(M) FN(glif_bwd_row)(M, det, nb, hb, gl, vp, spv, xt, gst, ac, dc, gc, qc, gxt, pa, cH, cS, \
                                     ad, al, ag, aq, ath)
        if (mode == 2) GLIF_ROW(2);
        else if (mode == 1) GLIF_ROW(1);
        else GLIF_ROW(0);
#undef GLIF_ROW
        for (int r = 0; r < nr; r++) acc[t * C + ch[rb[r]]] += FN(glif_sum)(pa + rb[r], rn[r]);
    }
    if (gv0)
        for (int b = 0; b < nb; b++) gv0[i0 + b] = cH[b];
    if (gs0)
        for (int b = 0; b < nb; b++) gs0[i0 + b] = cS[b];
    double *gd = acc + T * C, *gL = gd + C, *gg = gL + C, *gq = gg + C, *gth = gq + C;
    for (int r = 0; r < nr; r++) {
        const int64_t c = ch[rb[r]];
        const int o = rb[r], n = rn[r];
        gd[c] += FN(glif_sum)(ad + o, n);
        gL[c] -= FN(glif_sum)(al + o, n);
        gg[c] -= FN(glif_sum)(ag + o, n);
        gq[c] -= FN(glif_sum)(aq + o, n);
        gth[c] -= FN(glif_sum)(ath + o, n);
    }
}

HOT static void FN(glif_fwd_range)(const params_t *p, const glif_coef_t *cf, const real *x, const real *v0,
                                   const real *s0, real *s, real *vT, real *rh, int64_t blk0, int64_t blk1) {
    for (int64_t blk = blk0; blk < blk1; blk++) {
        int64_t i0 = blk * BLOCK;
        int nb = (int)((p->N - i0) < BLOCK ? (p->N - i0) : BLOCK);
        FN(glif_fwd_block)(p, cf, x, v0, s0, s, NULL, vT, rh, i0, nb);
    }
    if (rh) FN(rows_done)(FN(stream_records)(p));
}

#define GLIF_BWD(KIND) FN(glif_bwd_block)(p, KIND, cf, x, v0, s0, gs, gvT, gx, gv0, gs0, buf, i0, nb, acc)
HOT static void FN(glif_bwd_range)(const params_t *p, const glif_coef_t *cf, const real *x, const real *v0,
                                   const real *s0, const real *gs, const real *gvT, real *gx, real *gv0,
                                   real *gs0, real *buf, int64_t blk0, int64_t blk1, double *acc) {
    for (int64_t blk = blk0; blk < blk1; blk++) {
        int64_t i0 = blk * BLOCK;
        int nb = (int)((p->N - i0) < BLOCK ? (p->N - i0) : BLOCK);
        switch (p->sg_kind) {
        case SG_RECTANGLE: GLIF_BWD(SG_RECTANGLE); break;
        case SG_TRIANGLE: GLIF_BWD(SG_TRIANGLE); break;
        case SG_SIGMOID: GLIF_BWD(SG_SIGMOID); break;
        default: GLIF_BWD(SG_ATAN); break;
        }
    }
}
#undef GLIF_BWD

/* exported entry points. C, inner and the coefficient arrays as in glif_coef_t; v0, s0 may be NULL (no initial
 * V / S: glif_step's None); rh: NULL, or the [T, N] output of H (record=True; GLIF's recorded V is H). Backward: out_acc holds T*C + 5*C doubles, zeroed by the caller. */
int FN(snn_glif_forward)(const params_t *p, int64_t C, int64_t inner, const real *a, const real *d, const real *l,
                         const real *gam, const real *q, const real *vth, const real *x, const real *v0,
                         const real *s0, real *s, real *vT, real *rh) {
    glif_coef_t cf = {C, inner, a, d, l, gam, q, vth};
    int64_t nblk = (p->N + BLOCK - 1) / BLOCK;
    PARALLEL_BLOCKS(nblk, p->nthreads, FN(glif_fwd_range)(p, &cf, x, v0, s0, s, vT, rh, b0, b1));
    return 0;
}

int FN(snn_glif_backward)(const params_t *p, int64_t C, int64_t inner, const real *a, const real *d,
                          const real *l, const real *gam, const real *q, const real *vth, const real *x,
                          const real *v0, const real *s0, const real *gs, const real *gvT, real *gx, real *gv0,
                          real *gs0, double *out_acc) {
    glif_coef_t cf = {C, inner, a, d, l, gam, q, vth};
    int64_t nblk = (p->N + BLOCK - 1) / BLOCK;
    size_t bytes = (size_t)p->T * BLOCK * sizeof(real);
    PARALLEL_BLOCKS_ACC(nblk, p->nthreads, bytes, p->T * C + 5 * C, out_acc,
                        FN(glif_bwd_range)(p, &cf, x, v0, s0, gs, gvT, gx, gv0, gs0, (real *)scratch, b0, b1,
                                           acc));
    return 0;
}
