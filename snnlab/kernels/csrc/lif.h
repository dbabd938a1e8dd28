/* LIF / PLIF / KLIF: charge, (KLIF: F = ReLU(k H)), fire, reset.  Included by kernels.c once per dtype with
 * real = float | double, FN(x) = x##_f32 | x##_f64, EXPR = exp_f32 | exp_f64.
 *
 * Forward (snnlab.neurons.base, same operation order):
 *   decay_input=False:  H = V - (V - V_reset)/tau + X        (V_reset taken as 0 when soft or 0)
 *   decay_input=True:   H = V + (X - (V - V_reset))/tau
 *   LIF/PLIF:  U = H;   KLIF:  U = ReLU(k*H)
 *   S = [U - V_th >= 0];  soft V = U - V_th*S;  hard V = U*(1 - S) + V_reset*S
 *   KLIF scale_reset (snnlab.neurons.klif): soft V = U/k - (V_th/k)*S;  hard V = (U/k)*(1 - S) + V_reset*S
 *
 * Backward through time (per element; gS = dL/dS[t] from above, cV = dL/dV[t] carried from step t+1):
 *   g   = g(U - V_th)
 *   dV/dU = soft: 1 - V_th*g   hard: (1 - S) + (V_reset - U)*g   (detach_reset: the g terms are dropped)
 *   KLIF scale_reset: dV/dU = soft 1/k - (V_th/k)*g, hard (1 - S)/k + (V_reset - U/k)*g;
 *                     gk += cV*(-U + V_th*S)/k^2 (soft), cV*(-U*(1 - S))/k^2 (hard)
 *   gU  = gS*g + cV*dV/dU
 *   KLIF: gH = gU*k*[kH > 0],  gk += gU*H*[kH > 0];  LIF: gH = gU
 *   gX  = gH (decay_input: gH/tau);  dL/dV[t-1] = gH - gH/tau
 *   dH/dtau = (V - V_reset)/tau^2 (decay_input=False),  -(X - (V - V_reset))/tau^2 (True)
 * Only X and the initial state are kept for backward: H is recomputed block by block.
 *
 * Coded path (LIF only: rectangle surrogate, soft reset, scalar tau; snn_lif_forward_code / _backward_code):
 * for soft reset dV/dH = 1 - V_th*g does not depend on S, and the rectangle g(H - V_th) = (1/gamma)*w with
 * w = [|H - V_th| <= gamma/2] (the `<=` of FN(sg)), so the backward needs only w per element and step. The
 * forward stores code = S | (w << 1) as one uint8 per element and step (bit 0 = spike, bit 1 = in window) and
 * the backward reads it instead of recomputing H: 1 byte/element-step kept for backward instead of X's 4 (f32).
 *   g = w ? c1 : 0;  gH = gS*g + cV*(1 - V_th*(detach ? 0 : g));  gX = gH (decay_input: gH/tau);
 *   dL/dV[t-1] = gH - gH/tau
 * Same operations on the same values as the general backward, so the gradients are bit-identical to it.
 */

/* ---- forward of one block [i0, i0+nb). Rows are written through (base, stride) pairs so that every store in
 * the inner loop is unconditional (a stride-0 row is a scratch sink): S to s_base + t*ss, H to h_base + t*hs,
 * V[t-1] to vp_base + t*vs. v holds the initial state on entry and V[T] on exit. ---- */
INLINE void FN(lif_fwd_block)(const params_t *p, const int klif, const int p2, const real *restrict x, real *restrict v,
                              real *restrict s_base, int64_t ss, real *restrict h_base, int64_t hs,
                              real *restrict vp_base, int64_t vs, const int rec, real *restrict rh, real *restrict rv,
                              real *restrict rf, int64_t i0, int nb) {
    const int64_t T = p->T, N = p->N;
    const real tau = (real)p->tau, vth = (real)p->vth, vr = (real)p->vreset, k = (real)p->k;
    const real vthk = (real)p->vth_k;
    const int di = p->decay_input, vr0 = p->vr_zero, hard = p->hard, sr = klif && p->scale_reset;
    real itau;
    FN(tau_pow2)(p->tau, &itau);
    const int strm = rec && FN(stream_records)(p);
    real lh[rec ? BLOCK : 1], lf[rec && klif ? BLOCK : 1]; /* record=True: this step's H (and KLIF's F) */
    for (int64_t t = 0; t < T; t++) {
        const real *restrict xt = x + t * N + i0;
        real *restrict st = s_base + t * ss;
        PREFETCH_NEXT(xt, sizeof(real), 0);
        if (ss) PREFETCH_NEXT(st, sizeof(real), 1);
        real *restrict ht = h_base + t * hs;
        real *restrict vpt = vp_base + t * vs;
        for (int b = 0; b < nb; b++) {
            real vprev = v[b];
            real h = FN(charge)(vprev, xt[b], tau, itau, p2, vr, di, vr0);
            real u = h;
            if (klif) { u = k * h; u = FN(relu)(u); }
            real s = (u - vth >= (real)0) ? (real)1 : (real)0;
            real uk = u / k;
            real us = sr ? uk : u, vths = sr ? vthk : vth;
            real vn = FN(reset)(us, s, vths, vr, hard);
            v[b] = vn;
            st[b] = s;
            ht[b] = h;
            vpt[b] = vprev;
            if (rec) {
                lh[b] = h;
                if (klif) lf[b] = u;
            }
        }
        if (rec) { /* record=True: H, V (and KLIF's F = U) of step t, [T, N] rows */
            const int64_t o = t * N + i0;
            FN(put_row)(rh + o, lh, nb, strm);
            FN(put_row)(rv + o, v, nb, strm);
            if (klif) FN(put_row)(rf + o, lf, nb, strm);
        }
    }
}

/* ---- backward of one block; acc[0] += sum gH*dH/dtau*tau^2, acc[1] += dL/dk ---- */
INLINE void FN(lif_bwd_block)(const params_t *p, const int klif, const int kind, const int p2, const real *restrict x,
                              const real *restrict v0, const real *restrict gs, const real *restrict gvT,
                              real *restrict gx, real *restrict gv0, real *restrict buf, int64_t i0, int nb,
                              double *acc) {
    const int64_t T = p->T, N = p->N;
    const real tau = (real)p->tau, vth = (real)p->vth, vr = (real)p->vreset, k = (real)p->k;
    const int di = p->decay_input, hard = p->hard, det = p->detach, sr = klif && p->scale_reset;
    const real vthk = (real)p->vth_k;
    real c0, c1, itau;
    FN(sg_consts)(p, &c0, &c1);
    FN(tau_pow2)(p->tau, &itau);
    real v[BLOCK], sink[BLOCK];
    FN(load_or_fill)(v, v0 ? v0 + i0 : NULL, nb, hard ? vr : (real)0);
    real *hbuf = buf, *vpbuf = buf + T * BLOCK;
    FN(lif_fwd_block)(p, klif, p2, x, v, sink, 0, hbuf, BLOCK, vpbuf, BLOCK, 0, NULL, NULL, NULL, i0, nb);
    real cv[BLOCK], at[BLOCK], ak[BLOCK];
    for (int b = 0; b < nb; b++) { cv[b] = gvT[i0 + b]; at[b] = 0; ak[b] = 0; }
    real gl[BLOCK];
    for (int64_t t = T - 1; t >= 0; t--) {
        const real *restrict ht = hbuf + t * BLOCK, *restrict vpt = vpbuf + t * BLOCK;
        const real *restrict xt = x + t * N + i0, *restrict gst = gs + t * N + i0;
        real *restrict gxt = gx + t * N + i0;
        PREFETCH_NEXT(gst, sizeof(real), 0);
        PREFETCH_NEXT(gxt, sizeof(real), 1);
        for (int b = 0; b < nb; b++) {
            real h = ht[b], u = h;
            if (klif) { u = k * h; u = FN(relu)(u); }
            gl[b] = u - vth;
        }
        FN(sg_n)(gl, gl, nb, kind, c0, c1);
        for (int b = 0; b < nb; b++) {
            real h = ht[b];
            real u = h, ku = h;
            if (klif) { ku = k * h; u = FN(relu)(ku); }
            real z = u - vth;
            real s = z >= (real)0 ? (real)1 : (real)0;
            real g = gl[b];
            real c = cv[b];
            /* detach_reset: the reset's S has no gradient path at all (a select, not a factor 0: a non-finite
             * (V_reset - U) or cV must not turn into NaN through it, as in the reference loop) */
            real dvh = det ? ((real)1 - s) : ((real)1 - s) + (vr - u) * g;
            real dvs = det ? (real)1 : (real)1 - vth * g;
            if (klif) {
                real ik = (real)1 / k;
                real dvh_s = det ? ((real)1 - s) * ik : ((real)1 - s) * ik + (vr - u * ik) * g;
                real dvs_s = det ? ik : ik - vthk * g;
                real akh = -u * ((real)1 - s) * ik * ik, aks = (-u + vth * s) * ik * ik;
                real akr = hard ? akh : aks;
                dvh = sr ? dvh_s : dvh;
                dvs = sr ? dvs_s : dvs;
                ak[b] += sr ? c * akr : (real)0;
            }
            real dvdu = hard ? dvh : dvs;
            real gu = gst[b] * g + c * dvdu;
            real gh = gu;
            if (klif) {
                /* torch.relu's backward selects (not multiplies): 0 where relu(kH) <= 0, so a non-finite gU
                 * there gives 0, as in the reference loop; then F = k*H: dL/dH = gF*k, dL/dk += gF*H */
                real gf = u <= (real)0 ? (real)0 : gu;
                gh = gf * k;
                ak[b] += gf * h;
            }
            real ght = FN(divt)(gh, tau, itau, p2);
            gxt[b] = di ? ght : gh;
            real xv = xt[b], vd = vpt[b] - vr;
            at[b] += di ? -gh * (xv - vd) : gh * vd;
            cv[b] = gh - ght;
        }
    }
    double sa = 0, sk = 0;
    for (int b = 0; b < nb; b++) { sa += at[b]; sk += ak[b]; }
    if (gv0) for (int b = 0; b < nb; b++) gv0[i0 + b] = cv[b]; /* NULL: not needed */
    acc[0] += sa;
    acc[1] += sk;
}

#define LIF_FWD(KL, REC) \
    WITH_P2(p, FN(lif_fwd_block)(p, KL, P2, x, v, s + i0, p->N, sink_h, 0, sink_v, 0, REC, rh, rv, rf, i0, nb))
HOT static void FN(lif_fwd_range)(const params_t *p, int klif, const real *x, const real *v0, real *s, real *vT,
                                  real *rh, real *rv, real *rf, int64_t blk0, int64_t blk1) {
    real v[BLOCK], sink_h[BLOCK], sink_v[BLOCK];
    for (int64_t blk = blk0; blk < blk1; blk++) {
        int64_t i0 = blk * BLOCK;
        int nb = (int)((p->N - i0) < BLOCK ? (p->N - i0) : BLOCK);
        FN(load_or_fill)(v, v0 ? v0 + i0 : NULL, nb, p->hard ? (real)p->vreset : (real)0);
        if (rh) { if (klif) LIF_FWD(1, 1); else LIF_FWD(0, 1); }
        else if (klif) LIF_FWD(1, 0);
        else LIF_FWD(0, 0);
        for (int b = 0; b < nb; b++) vT[i0 + b] = v[b];
    }
    if (rh) FN(rows_done)(FN(stream_records)(p));
}
#undef LIF_FWD

#define LIF_BWD(KL, KIND) WITH_P2(p, FN(lif_bwd_block)(p, KL, KIND, P2, x, v0, gs, gvT, gx, gv0, hbuf, i0, nb, acc))
HOT static void FN(lif_bwd_range)(const params_t *p, int klif, const real *x, const real *v0, const real *gs,
                                  const real *gvT, real *gx, real *gv0, real *hbuf, int64_t blk0, int64_t blk1,
                                  double *acc) {
    for (int64_t blk = blk0; blk < blk1; blk++) {
        int64_t i0 = blk * BLOCK;
        int nb = (int)((p->N - i0) < BLOCK ? (p->N - i0) : BLOCK);
        switch (p->sg_kind + 4 * (klif != 0)) {
        case 0: LIF_BWD(0, SG_RECTANGLE); break;
        case 1: LIF_BWD(0, SG_TRIANGLE); break;
        case 2: LIF_BWD(0, SG_SIGMOID); break;
        case 3: LIF_BWD(0, SG_ATAN); break;
        case 4: LIF_BWD(1, SG_RECTANGLE); break;
        case 5: LIF_BWD(1, SG_TRIANGLE); break;
        case 6: LIF_BWD(1, SG_SIGMOID); break;
        default: LIF_BWD(1, SG_ATAN); break;
        }
    }
}
#undef LIF_BWD

/* exported entry points: klif = 0 (LIF, PLIF) or 1 (KLIF). rh, rv, rf: NULL, or [T, N] outputs for record=True
 * (H, V after the reset, KLIF's F; rf is written only for KLIF) */
int FN(snn_lif_forward)(const params_t *p, int klif, const real *x, const real *v0, real *s, real *vT, real *rh,
                        real *rv, real *rf) {
    int64_t nblk = (p->N + BLOCK - 1) / BLOCK;
    PARALLEL_BLOCKS(nblk, p->nthreads, FN(lif_fwd_range)(p, klif, x, v0, s, vT, rh, rv, rf, b0, b1));
    return 0;
}

int FN(snn_lif_backward)(const params_t *p, int klif, const real *x, const real *v0, const real *gs,
                         const real *gvT, real *gx, real *gv0, double *out_acc) {
    int64_t nblk = (p->N + BLOCK - 1) / BLOCK;
    size_t bytes = (size_t)p->T * 2 * BLOCK * sizeof(real);
    PARALLEL_BLOCKS_ACC(nblk, p->nthreads, bytes, 2, out_acc,
                        FN(lif_bwd_range)(p, klif, x, v0, gs, gvT, gx, gv0, (real *)scratch, b0, b1, acc));
    return 0;
}

/* ---------------- coded path: forward writes code[t*N + i] = S | (in_window << 1), backward reads it --------- */
INLINE void FN(lif_fwd_code_blocks)(const params_t *p, const int p2, const real itau, const real *x, const real *v0,
                                    real *s, uint8_t *code, real *vT, const real c0, int64_t blk0, int64_t blk1) {
    const int64_t T = p->T, N = p->N;
    const real tau = (real)p->tau, vth = (real)p->vth, vr = (real)p->vreset;
    const int di = p->decay_input, vr0 = p->vr_zero;
    real v[BLOCK];
    for (int64_t blk = blk0; blk < blk1; blk++) {
        int64_t i0 = blk * BLOCK;
        int nb = (int)((N - i0) < BLOCK ? (N - i0) : BLOCK);
        FN(load_or_fill)(v, v0 ? v0 + i0 : NULL, nb, (real)0);
        for (int64_t t = 0; t < T; t++) {
            const real *restrict xt = x + t * N + i0;
            real *restrict st = s + t * N + i0;
            uint8_t *restrict ct = code + t * N + i0;
            PREFETCH_NEXT(xt, sizeof(real), 0);
            PREFETCH_NEXT(st, sizeof(real), 1);
            PREFETCH_NEXT(ct, 1, 1);
            for (int b = 0; b < nb; b++) {
                real h = FN(charge)(v[b], xt[b], tau, itau, p2, vr, di, vr0);
                real z = h - vth;
                int sp = z >= (real)0;
                int in = ABS(z) <= c0;
                real sv = sp ? (real)1 : (real)0;
                v[b] = FN(reset)(h, sv, vth, vr, 0);
                st[b] = sv;
                ct[b] = (uint8_t)(sp | (in << 1));
            }
        }
        for (int b = 0; b < nb; b++) vT[i0 + b] = v[b];
    }
}

INLINE void FN(lif_bwd_code_blocks)(const params_t *p, const int p2, const real itau, const uint8_t *code,
                                    const real *gs, const real *gvT, real *gx, real *gv0, const real c1,
                                    int64_t blk0, int64_t blk1) {
    const int64_t T = p->T, N = p->N;
    const real tau = (real)p->tau, vth = (real)p->vth;
    const int di = p->decay_input, det = p->detach;
    real cv[BLOCK];
    for (int64_t blk = blk0; blk < blk1; blk++) {
        int64_t i0 = blk * BLOCK;
        int nb = (int)((N - i0) < BLOCK ? (N - i0) : BLOCK);
        for (int b = 0; b < nb; b++) cv[b] = gvT[i0 + b];
        for (int64_t t = T - 1; t >= 0; t--) {
            const uint8_t *restrict ct = code + t * N + i0;
            const real *restrict gst = gs + t * N + i0;
            real *restrict gxt = gx + t * N + i0;
            PREFETCH_NEXT(ct, 1, 0);
            PREFETCH_NEXT(gst, sizeof(real), 0);
            PREFETCH_NEXT(gxt, sizeof(real), 1);
            for (int b = 0; b < nb; b++) {
                real g = (ct[b] & 2) ? c1 : (real)0;
                real gd = det ? (real)0 : g;
                real gh = gst[b] * g + cv[b] * ((real)1 - vth * gd);
                real ght = FN(divt)(gh, tau, itau, p2);
                gxt[b] = di ? ght : gh;
                cv[b] = gh - ght;
            }
        }
        if (gv0) for (int b = 0; b < nb; b++) gv0[i0 + b] = cv[b]; /* NULL: not needed */
    }
}

HOT static void FN(lif_fwd_code_range)(const params_t *p, const real *x, const real *v0, real *s, uint8_t *code,
                                       real *vT, int64_t blk0, int64_t blk1) {
    real c0, c1;
    FN(sg_consts)(p, &c0, &c1); /* rectangle: c0 = gamma/2 */
    real itau;
    if (FN(tau_pow2)(p->tau, &itau)) FN(lif_fwd_code_blocks)(p, 1, itau, x, v0, s, code, vT, c0, blk0, blk1);
    else FN(lif_fwd_code_blocks)(p, 0, itau, x, v0, s, code, vT, c0, blk0, blk1);
}

HOT static void FN(lif_bwd_code_range)(const params_t *p, const uint8_t *code, const real *gs, const real *gvT,
                                       real *gx, real *gv0, int64_t blk0, int64_t blk1) {
    real c0, c1;
    FN(sg_consts)(p, &c0, &c1); /* rectangle: c1 = scale/gamma */
    real itau;
    if (FN(tau_pow2)(p->tau, &itau)) FN(lif_bwd_code_blocks)(p, 1, itau, code, gs, gvT, gx, gv0, c1, blk0, blk1);
    else FN(lif_bwd_code_blocks)(p, 0, itau, code, gs, gvT, gx, gv0, c1, blk0, blk1);
}

int FN(snn_lif_forward_code)(const params_t *p, const real *x, const real *v0, real *s, uint8_t *code, real *vT) {
    int64_t nblk = (p->N + BLOCK - 1) / BLOCK;
    PARALLEL_BLOCKS(nblk, p->nthreads, FN(lif_fwd_code_range)(p, x, v0, s, code, vT, b0, b1));
    return 0;
}

int FN(snn_lif_backward_code)(const params_t *p, const uint8_t *code, const real *gs, const real *gvT, real *gx,
                              real *gv0) {
    int64_t nblk = (p->N + BLOCK - 1) / BLOCK;
    PARALLEL_BLOCKS(nblk, p->nthreads, FN(lif_bwd_code_range)(p, code, gs, gvT, gx, gv0, b0, b1));
    return 0;
}
