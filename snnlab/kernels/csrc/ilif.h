/* ILIF (Sun et al., IJCAI 2025; shared/papers/ilif.md §1.3, snnlab/neurons/ilif.py).
 *   A = kappa_i*(A_prev + X_prev*S_prev)
 *   H = charge(V, X - C(A))               C(A) = A < 0 ? 0 : A  (snnlab.neurons.ilif.inhibition_clamp: NaN kept)
 *   S = [H - V_th >= 0]
 *   R = reset(H, S)                       (soft H - V_th*S, hard H*(1-S) + V_reset*S)
 *   M = kappa_m*(M_prev + S*R)
 *   V = R - S*sigmoid(M)
 * Backward (cV = dL/dV[t], cM = dL/dM[t], cA = dL/dA[t+1] carried from t+1; q = sigmoid(M)):
 *   gS  = gS_ext + cA*kappa_i*X;   gX_A = cA*kappa_i*S
 *   gR  = cV;  gS -= cV*q (not detached);  gM = cM - cV*S*q(1-q)
 *   dL/dM[t-1] = kappa_m*gM;  gS += kappa_m*gM*R;  gR += kappa_m*gM*S
 *   gH  = gR*dR/dH + gS*g(H - V_th) (+ gR*dR/dS into gS unless detached)
 *   gXin = gH (decay_input: gH/tau);  gX = gXin + gX_A;  dL/dV[t-1] = gH - gH/tau
 *   dL/dA[t] = kappa_i*cA - gXin*C'(A)         (C' = A < 0 ? 0 : 1: 1 at A = 0, the one rule of inhibition_clamp)
 * Kept for backward: X and the initial state; H, A, M, q are recomputed per block (rows H, A, q of each step go
 * to the scratch buffer: the backward reads no M).
 */

INLINE void FN(ilif_fwd_block)(const params_t *p, const int p2, const real *restrict x, const real *restrict v0,
                               const real *restrict m0, const real *restrict a0, const real *restrict xp0,
                               const real *restrict sp0, real *restrict s_out, real *restrict vT,
                               real *restrict mT, real *restrict aT, real *restrict buf, real *restrict rh,
                               real *restrict rv, real *restrict ra, real *restrict rm, int64_t i0, int nb) {
    const int64_t T = p->T, N = p->N;
    const real tau = (real)p->tau, vth = (real)p->vth, vr = (real)p->vreset;
    const real ki = (real)p->kappa_i, km = (real)p->kappa_m;
    const int di = p->decay_input, vr0 = p->vr_zero, hard = p->hard;
    real itau;
    FN(tau_pow2)(p->tau, &itau);
    real v[BLOCK], m[BLOCK], a[BLOCK], xp[BLOCK], sp[BLOCK];
    FN(load_or_fill)(v, v0 ? v0 + i0 : NULL, nb, hard ? vr : (real)0);
    FN(load_or_fill)(m, m0 ? m0 + i0 : NULL, nb, (real)0);
    FN(load_or_fill)(a, a0 ? a0 + i0 : NULL, nb, (real)0);
    FN(load_or_fill)(xp, xp0 ? xp0 + i0 : NULL, nb, (real)0);
    FN(load_or_fill)(sp, sp0 ? sp0 + i0 : NULL, nb, (real)0);
    /* two passes per step with the sigmoid over the whole block in between (FN(sigmoid_n): 16 lanes at a time
     * with AVX-512); rows go to buf (the backward's recomputation) or to local scratch */
    real rl[BLOCK], ql[BLOCK], ssink[BLOCK], hsink[BLOCK], asink[BLOCK];
    const int strm = rh && FN(stream_records)(p); /* record=True on a large call: the records streamed */
    for (int64_t t = 0; t < T; t++) {
        const real *restrict xt = x + t * N + i0;
        real *restrict st = s_out ? s_out + t * N + i0 : ssink;
        PREFETCH_NEXT(xt, sizeof(real), 0);
        if (s_out) PREFETCH_NEXT(st, sizeof(real), 1);
        real *restrict hb = buf ? buf + (3 * t + 0) * BLOCK : hsink;
        real *restrict ab = buf ? buf + (3 * t + 1) * BLOCK : asink;
        real *restrict qb = buf ? buf + (3 * t + 2) * BLOCK : ql;
        for (int b = 0; b < nb; b++) {
            real an = ki * (a[b] + xp[b] * sp[b]);
            real xc = xt[b];
            real h = FN(charge)(v[b], xc - (an < (real)0 ? (real)0 : an), tau, itau, p2, vr, di, vr0);
            real s = (h - vth >= (real)0) ? (real)1 : (real)0;
            real r = FN(reset)(h, s, vth, vr, hard);
            real mn = km * (m[b] + s * r);
            m[b] = mn;
            a[b] = an;
            xp[b] = xc;
            sp[b] = s;
            rl[b] = r;
            st[b] = s;
            hb[b] = h;
            ab[b] = an;
        }
        FN(sigmoid_n)(qb, m, nb);                  /* q = sigmoid(M) */
        for (int b = 0; b < nb; b++) v[b] = rl[b] - sp[b] * qb[b];
        if (rh) { /* record=True: H, V, A, M of step t */
            const int64_t o = t * N + i0;
            FN(put_row)(rh + o, hb, nb, strm);
            FN(put_row)(rv + o, v, nb, strm);
            FN(put_row)(ra + o, a, nb, strm);
            FN(put_row)(rm + o, m, nb, strm);
        }
    }
    for (int b = 0; b < nb; b++) { vT[b] = v[b]; mT[b] = m[b]; aT[b] = a[b]; } /* already offset to the block */
}

INLINE void FN(ilif_bwd_block)(const params_t *p, const int kind, const int p2, const real *restrict x, const real *restrict v0,
                               const real *restrict m0, const real *restrict a0, const real *restrict xp0,
                               const real *restrict sp0, const real *restrict gs, const real *restrict gvT,
                               const real *restrict gmT, const real *restrict gaT, real *restrict gx,
                               real *restrict gv0, real *restrict gm0, real *restrict ga0, real *restrict gxp0,
                               real *restrict gsp0, real *restrict buf, int64_t i0, int nb) {
    const int64_t T = p->T, N = p->N;
    const real tau = (real)p->tau, vth = (real)p->vth, vr = (real)p->vreset;
    const real ki = (real)p->kappa_i, km = (real)p->kappa_m;
    const int di = p->decay_input, hard = p->hard, det = p->detach;
    real c0, c1, itau;
    FN(sg_consts)(p, &c0, &c1);
    FN(tau_pow2)(p->tau, &itau);
    real vtmp[BLOCK], mtmp[BLOCK], atmp[BLOCK];
    FN(ilif_fwd_block)(p, p2, x, v0, m0, a0, xp0, sp0, NULL, vtmp, mtmp, atmp, buf, NULL, NULL, NULL, NULL, i0,
                   nb);
    real cv[BLOCK], cm[BLOCK], ca[BLOCK], zero[BLOCK];
    for (int b = 0; b < nb; b++) { cv[b] = gvT[i0 + b]; cm[b] = gmT[i0 + b]; ca[b] = 0; zero[b] = 0; }
    const real rdet = det ? (real)0 : (real)1;
    real gl[BLOCK];
    for (int64_t t = T - 1; t >= 0; t--) {
        const real *hb = buf + (3 * t + 0) * BLOCK, *ab = buf + (3 * t + 1) * BLOCK;
        const real *qb = buf + (3 * t + 2) * BLOCK;
        const real *xt = x + t * N + i0, *gst = gs + t * N + i0;
        const real *gat = t == T - 1 ? gaT + i0 : zero;
        real *gxt = gx + t * N + i0;
        PREFETCH_NEXT(gst, sizeof(real), 0); /* (x of this block is in cache from its recomputation) */
        PREFETCH_NEXT(gxt, sizeof(real), 1);
        for (int b = 0; b < nb; b++) gl[b] = hb[b] - vth;
        FN(sg_n)(gl, gl, nb, kind, c0, c1);
        for (int b = 0; b < nb; b++) {
            real h = hb[b], an = ab[b], q = qb[b];
            real z = h - vth;
            real s = z >= (real)0 ? (real)1 : (real)0;
            real g = gl[b];
            real r = FN(reset)(h, s, vth, vr, hard);
            real c = cv[b], cA = ca[b];
            real gS = gst[b] + cA * ki * xt[b];
            real gXa = cA * ki * s;
            real gR = c;
            gS = gS - rdet * (c * q);
            real gM = cm[b] - c * s * (q * ((real)1 - q));
            real gMk = km * gM;
            gS = gS + gMk * r;
            gR = gR + gMk * s;
            real ghh = gR * ((real)1 - s), ghs = gR;
            real gh = hard ? ghh : ghs;
            real dsh = vr - h, dss = -vth;
            real dRds = hard ? dsh : dss;
            gS = gS + rdet * (gR * dRds);
            gh = gh + gS * g;
            real ght = FN(divt)(gh, tau, itau, p2);
            real gxin = di ? ght : gh;
            gxt[b] = gxin + gXa;
            real gA = ki * cA - gxin * (an < (real)0 ? (real)0 : (real)1);
            gA = gA + gat[b];
            ca[b] = gA;
            cm[b] = gMk;
            cv[b] = gh - ght;
        }
    }
    /* a NULL output is a gradient that is not needed (its state was not given or does not require grad) */
    if (gv0) for (int b = 0; b < nb; b++) gv0[i0 + b] = cv[b];
    if (gm0) for (int b = 0; b < nb; b++) gm0[i0 + b] = cm[b];
    if (ga0) for (int b = 0; b < nb; b++) ga0[i0 + b] = ki * ca[b];
    if (gxp0 || gsp0) {
        real sp[BLOCK], xp[BLOCK];
        FN(load_or_fill)(sp, sp0 ? sp0 + i0 : NULL, nb, (real)0);
        FN(load_or_fill)(xp, xp0 ? xp0 + i0 : NULL, nb, (real)0);
        if (gxp0) for (int b = 0; b < nb; b++) gxp0[i0 + b] = ki * ca[b] * sp[b];
        if (gsp0) for (int b = 0; b < nb; b++) gsp0[i0 + b] = ki * ca[b] * xp[b];
    }
}

HOT static void FN(ilif_fwd_range)(const params_t *p, const real *x, const real *v0, const real *m0,
                                   const real *a0, const real *xp0, const real *sp0, real *s, real *vT, real *mT,
                                   real *aT, real *rh, real *rv, real *ra, real *rm, int64_t blk0, int64_t blk1) {
    for (int64_t blk = blk0; blk < blk1; blk++) {
        int64_t i0 = blk * BLOCK;
        int nb = (int)((p->N - i0) < BLOCK ? (p->N - i0) : BLOCK);
        WITH_P2(p, FN(ilif_fwd_block)(p, P2, x, v0, m0, a0, xp0, sp0, s, vT + i0, mT + i0, aT + i0, NULL, rh, rv, ra,
                                      rm, i0, nb));
    }
    if (rh) FN(rows_done)(FN(stream_records)(p));
}

#define ILIF_BWD_ARGS P2, x, v0, m0, a0, xp0, sp0, gs, gvT, gmT, gaT, gx, gv0, gm0, ga0, gxp0, gsp0, buf, i0, nb
HOT static void FN(ilif_bwd_range)(const params_t *p, const real *x, const real *v0, const real *m0,
                                   const real *a0, const real *xp0, const real *sp0, const real *gs,
                                   const real *gvT, const real *gmT, const real *gaT, real *gx, real *gv0,
                                   real *gm0, real *ga0, real *gxp0, real *gsp0, real *buf, int64_t blk0,
                                   int64_t blk1) {
    for (int64_t blk = blk0; blk < blk1; blk++) {
        int64_t i0 = blk * BLOCK;
        int nb = (int)((p->N - i0) < BLOCK ? (p->N - i0) : BLOCK);
        switch (p->sg_kind) {
        case SG_RECTANGLE: WITH_P2(p, FN(ilif_bwd_block)(p, SG_RECTANGLE, ILIF_BWD_ARGS)); break;
        case SG_TRIANGLE: WITH_P2(p, FN(ilif_bwd_block)(p, SG_TRIANGLE, ILIF_BWD_ARGS)); break;
        case SG_SIGMOID: WITH_P2(p, FN(ilif_bwd_block)(p, SG_SIGMOID, ILIF_BWD_ARGS)); break;
        default: WITH_P2(p, FN(ilif_bwd_block)(p, SG_ATAN, ILIF_BWD_ARGS)); break;
        }
    }
}
#undef ILIF_BWD_ARGS

/* rh, rv, ra, rm: NULL, or [T, N] outputs for record=True (H, V, A, M) */
int FN(snn_ilif_forward)(const params_t *p, const real *x, const real *v0, const real *m0, const real *a0,
                         const real *xp0, const real *sp0, real *s, real *vT, real *mT, real *aT, real *rh, real *rv,
                         real *ra, real *rm) {
    int64_t nblk = (p->N + BLOCK - 1) / BLOCK;
    PARALLEL_BLOCKS(nblk, p->nthreads, FN(ilif_fwd_range)(p, x, v0, m0, a0, xp0, sp0, s, vT, mT, aT, rh, rv, ra, rm,
                                                          b0, b1));
    return 0;
}

int FN(snn_ilif_backward)(const params_t *p, const real *x, const real *v0, const real *m0, const real *a0,
                          const real *xp0, const real *sp0, const real *gs, const real *gvT, const real *gmT,
                          const real *gaT, real *gx, real *gv0, real *gm0, real *ga0, real *gxp0, real *gsp0) {
    int64_t nblk = (p->N + BLOCK - 1) / BLOCK;
    size_t bytes = (size_t)p->T * 3 * BLOCK * sizeof(real);
    double dummy[1] = {0};
    PARALLEL_BLOCKS_ACC(nblk, p->nthreads, bytes, 1, dummy,
                        FN(ilif_bwd_range)(p, x, v0, m0, a0, xp0, sp0, gs, gvT, gmT, gaT, gx, gv0, gm0, ga0,
                                           gxp0, gsp0, (real *)scratch, b0, b1));
    (void)dummy;
    return 0;
}
