/* CLIF (Huang et al., ICML 2024, Eq. 15-19; shared/papers/clif.md §1.3, adjoint §2.4).
 *   H = charge(V, X)            (as LIF)
 *   S = [H - V_th >= 0]
 *   M = M_prev * sigmoid(H/tau) + S
 *   V = reset(H, S) - S * sigmoid(M)
 * Backward (cV = dL/dV[t], cM = dL/dM[t] carried from t+1; e = sigmoid(H/tau), q = sigmoid(M)):
 *   gM  = cM - cV*S*q(1-q)
 *   gS  = gS_ext + gM - cV*(q + V_th)            (soft; hard: - cV*(q - (V_reset - H)); detach_reset: reset terms 0)
 *   gH  = cV*dR/dH + gM*M_prev*e(1-e)/tau + gS*g(H - V_th)
 *   dL/dM[t-1] = gM*e,  dL/dV[t-1] = gH - gH/tau,  gX = gH (decay_input: gH/tau)
 * Kept for backward: X and the initial state; H, M, e, q are recomputed per block.
 */

INLINE void FN(clif_fwd_block)(const params_t *p, const int p2, const real *restrict x, const real *restrict v0,
                               const real *restrict m0, real *restrict s_out, real *restrict vT,
                               real *restrict mT, real *restrict buf, real *restrict rh, real *restrict rv,
                               real *restrict rm, int64_t i0, int nb) {
    const int64_t T = p->T, N = p->N;
    const real tau = (real)p->tau, vth = (real)p->vth, vr = (real)p->vreset;
    const int di = p->decay_input, vr0 = p->vr_zero, hard = p->hard;
    real itau;
    FN(tau_pow2)(p->tau, &itau);
    real v[BLOCK], m[BLOCK];
    FN(load_or_fill)(v, v0 ? v0 + i0 : NULL, nb, hard ? vr : (real)0);
    FN(load_or_fill)(m, m0 ? m0 + i0 : NULL, nb, (real)0);
    /* three passes per step, with the two sigmoids over the whole block in between (FN(sigmoid_n): 16 lanes at
     * a time with AVX-512); rows go to buf (the backward's recomputation) or to local scratch */
    real hl[BLOCK], el[BLOCK], ql[BLOCK], sl[BLOCK], ssink[BLOCK], msink[BLOCK];
    const int strm = rh && FN(stream_records)(p); /* record=True on a large call: the records streamed */
    for (int64_t t = 0; t < T; t++) {
        const real *restrict xt = x + t * N + i0;
        real *restrict st = s_out ? s_out + t * N + i0 : ssink;
        PREFETCH_NEXT(xt, sizeof(real), 0);
        if (s_out) PREFETCH_NEXT(st, sizeof(real), 1);
        real *restrict hb = buf ? buf + (4 * t + 0) * BLOCK : hl;
        real *restrict mb = buf ? buf + (4 * t + 1) * BLOCK : msink;
        real *restrict eb = buf ? buf + (4 * t + 2) * BLOCK : el;
        real *restrict qb = buf ? buf + (4 * t + 3) * BLOCK : ql;
        for (int b = 0; b < nb; b++) {
            real h = FN(charge)(v[b], xt[b], tau, itau, p2, vr, di, vr0);
            hb[b] = h;
            sl[b] = (h - vth >= (real)0) ? (real)1 : (real)0;
            eb[b] = FN(divt)(h, tau, itau, p2);
        }
        FN(sigmoid_n)(eb, eb, nb);                 /* e = sigmoid(H/tau) */
        for (int b = 0; b < nb; b++) {
            real mn = m[b] * eb[b] + sl[b];
            m[b] = mn;
            mb[b] = mn;
        }
        FN(sigmoid_n)(qb, m, nb);                  /* q = sigmoid(M) */
        for (int b = 0; b < nb; b++) {
            real s = sl[b];
            v[b] = FN(reset)(hb[b], s, vth, vr, hard) - s * qb[b];
            st[b] = s;
        }
        if (rh) { /* record=True: H, V, M of step t */
            const int64_t o = t * N + i0;
            FN(put_row)(rh + o, hb, nb, strm);
            FN(put_row)(rv + o, v, nb, strm);
            FN(put_row)(rm + o, m, nb, strm);
        }
    }
    for (int b = 0; b < nb; b++) { vT[b] = v[b]; mT[b] = m[b]; } /* vT, mT: already offset to the block */
}

INLINE void FN(clif_bwd_block)(const params_t *p, const int kind, const int p2, const real *restrict x, const real *restrict v0,
                               const real *restrict m0, const real *restrict gs, const real *restrict gvT,
                               const real *restrict gmT, real *restrict gx, real *restrict gv0,
                               real *restrict gm0, real *restrict buf, int64_t i0, int nb) {
    const int64_t T = p->T, N = p->N;
    const real tau = (real)p->tau, vth = (real)p->vth, vr = (real)p->vreset;
    const int di = p->decay_input, hard = p->hard, det = p->detach;
    real c0, c1, itau;
    FN(sg_consts)(p, &c0, &c1);
    FN(tau_pow2)(p->tau, &itau);
    real vtmp[BLOCK], mtmp[BLOCK];
    FN(clif_fwd_block)(p, p2, x, v0, m0, NULL, vtmp, mtmp, buf, NULL, NULL, NULL, i0, nb);
    real cv[BLOCK], cm[BLOCK], minit[BLOCK];
    for (int b = 0; b < nb; b++) { cv[b] = gvT[i0 + b]; cm[b] = gmT[i0 + b]; }
    FN(load_or_fill)(minit, m0 ? m0 + i0 : NULL, nb, (real)0);
    const real rdet = det ? (real)0 : (real)1;
    real gl[BLOCK];
    for (int64_t t = T - 1; t >= 0; t--) {
        const real *hb = buf + (4 * t + 0) * BLOCK, *eb = buf + (4 * t + 2) * BLOCK;
        const real *qb = buf + (4 * t + 3) * BLOCK;
        const real *mpb = t > 0 ? buf + (4 * (t - 1) + 1) * BLOCK : minit;
        const real *gst = gs + t * N + i0;
        real *gxt = gx + t * N + i0;
        PREFETCH_NEXT(gst, sizeof(real), 0);
        PREFETCH_NEXT(gxt, sizeof(real), 1);
        for (int b = 0; b < nb; b++) gl[b] = hb[b] - vth;
        FN(sg_n)(gl, gl, nb, kind, c0, c1);
        for (int b = 0; b < nb; b++) {
            real h = hb[b], e = eb[b], q = qb[b];
            real mp = mpb[b];
            real z = h - vth;
            real s = z >= (real)0 ? (real)1 : (real)0;
            real g = gl[b];
            real c = cv[b];
            real gm = cm[b] - c * s * (q * ((real)1 - q));
            real dsh = vr - h, dss = -vth;
            real dRds = hard ? dsh : dss;
            real gS = gst[b] + gm + rdet * (c * (dRds - q));
            real dhh = (real)1 - s, dhs = (real)1;
            real dRdh = hard ? dhh : dhs;
            real gh = c * dRdh + FN(divt)(gm * mp * (e * ((real)1 - e)), tau, itau, p2) + gS * g;
            cm[b] = gm * e;
            real ght = FN(divt)(gh, tau, itau, p2);
            gxt[b] = di ? ght : gh;
            cv[b] = gh - ght;
        }
    }
    if (gv0) for (int b = 0; b < nb; b++) gv0[i0 + b] = cv[b]; /* NULL: that gradient is not needed */
    if (gm0) for (int b = 0; b < nb; b++) gm0[i0 + b] = cm[b];
}

HOT static void FN(clif_fwd_range)(const params_t *p, const real *x, const real *v0, const real *m0, real *s,
                                   real *vT, real *mT, real *rh, real *rv, real *rm, int64_t blk0, int64_t blk1) {
    for (int64_t blk = blk0; blk < blk1; blk++) {
        int64_t i0 = blk * BLOCK;
        int nb = (int)((p->N - i0) < BLOCK ? (p->N - i0) : BLOCK);
        WITH_P2(p, FN(clif_fwd_block)(p, P2, x, v0, m0, s, vT + i0, mT + i0, NULL, rh, rv, rm, i0, nb));
    }
    if (rh) FN(rows_done)(FN(stream_records)(p));
}

#define CLIF_BWD(KIND) \
    WITH_P2(p, FN(clif_bwd_block)(p, KIND, P2, x, v0, m0, gs, gvT, gmT, gx, gv0, gm0, buf, i0, nb))
HOT static void FN(clif_bwd_range)(const params_t *p, const real *x, const real *v0, const real *m0,
                                   const real *gs, const real *gvT, const real *gmT, real *gx, real *gv0,
                                   real *gm0, real *buf, int64_t blk0, int64_t blk1) {
    for (int64_t blk = blk0; blk < blk1; blk++) {
        int64_t i0 = blk * BLOCK;
        int nb = (int)((p->N - i0) < BLOCK ? (p->N - i0) : BLOCK);
        switch (p->sg_kind) {
        case SG_RECTANGLE: CLIF_BWD(SG_RECTANGLE); break;
        case SG_TRIANGLE: CLIF_BWD(SG_TRIANGLE); break;
        case SG_SIGMOID: CLIF_BWD(SG_SIGMOID); break;
        default: CLIF_BWD(SG_ATAN); break;
        }
    }
}

#undef CLIF_BWD

/* rh, rv, rm: NULL, or [T, N] outputs for record=True (H, V, M) */
int FN(snn_clif_forward)(const params_t *p, const real *x, const real *v0, const real *m0, real *s, real *vT,
                         real *mT, real *rh, real *rv, real *rm) {
    int64_t nblk = (p->N + BLOCK - 1) / BLOCK;
    PARALLEL_BLOCKS(nblk, p->nthreads, FN(clif_fwd_range)(p, x, v0, m0, s, vT, mT, rh, rv, rm, b0, b1));
    return 0;
}

int FN(snn_clif_backward)(const params_t *p, const real *x, const real *v0, const real *m0, const real *gs,
                          const real *gvT, const real *gmT, real *gx, real *gv0, real *gm0) {
    int64_t nblk = (p->N + BLOCK - 1) / BLOCK;
    size_t bytes = (size_t)p->T * 4 * BLOCK * sizeof(real);
    double dummy[1] = {0};
    PARALLEL_BLOCKS_ACC(nblk, p->nthreads, bytes, 1, dummy,
                        FN(clif_bwd_range)(p, x, v0, m0, gs, gvT, gmT, gx, gv0, gm0, (real *)scratch, b0, b1));
    (void)dummy;
    return 0;
}
