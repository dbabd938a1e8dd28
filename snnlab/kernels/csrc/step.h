/* Per-dtype helpers shared by every neuron template: the LIF charge, the reset, the surrogate g(z).
 * Included by kernels.c with real = float | double, FN(x) = x##_f32 | x##_f64, EXPR, ABS defined.
 *
 * charge (snnlab.neurons.base.charge, same operation order):
 *   decay_input=False:  H = V - (V - V_reset)/tau + X   (V - V/tau + X when V_reset is None or 0)
 *   decay_input=True:   H = V + (X - (V - V_reset))/tau (V + (X - V)/tau when V_reset is None or 0)
 * reset (snnlab.neurons.base.reset_potential): soft V = U - V_th*S, hard V = U*(1 - S) + V_reset*S
 * surrogate (snnlab.surrogate, scale = area):
 *   rectangle (|z| <= w/2)*(scale/w); triangle (2 scale/w)*max(0, 1 - |z|*(2/w));
 *   sigmoid a*scale*s(1-s), s = sigmoid(a z), a = 4/w; atan (scale*a/2)/(1 + (pi/2*a*z)^2), a = 2/w
 */
/* a / tau, as the IEEE quotient the reference computes, without a division where that is cheaper:
 *  - tau a power of two (p2 = 1, a compile-time constant in every specialised caller): a * (1/tau) is the same
 *    number (both round the same exact quotient);
 *  - otherwise, with FMA: q0 = a*(1/tau), then one correction q0 + (a - q0*tau)*(1/tau) with the remainder exact
 *    in an FMA; with 1/tau correctly rounded this gives the correctly rounded quotient (Markstein's theorem;
 *    checked on 2.2e8 random float and 8e7 double quotients, tau in 1.0000001 ... 10: no difference). A
 *    non-finite q0 (inf/NaN input) is passed through. The exceptions: a = -0 gives +0, and a quotient in the
 *    subnormal range (|a/tau| < 1.2e-38 in float) may differ in its last bit (the remainder is no longer exact).
 *  - without FMA (baseline builds): the division. */
INLINE real FN(divt)(real a, const real tau, const real itau, const int p2) {
    if (p2) return a * itau;
#ifdef __FMA__
    real q0 = a * itau;
    real q1 = FMA_R(FMA_R(-q0, tau, a), itau, q0);
    return q1 == q1 ? q1 : q0;
#else
    return a / tau;
#endif
}

/* 1 when (real)tau is a power of two whose reciprocal is a normal number of this dtype; *itau = 1/tau (exact then) */
static int FN(tau_pow2)(double tau_d, real *itau) {
    real tau = (real)tau_d;
    int e;
    *itau = (real)1 / tau;
    return tau > 0 && isfinite(tau) && frexp((double)tau, &e) == 0.5 && isnormal(*itau);
}

/* Run CALL twice specialised: with P2 = 1 when p->tau is a power of two, else P2 = 0 (P2 is a constant in CALL) */
#define WITH_P2(p, CALL)                                                                                   \
    do {                                                                                                   \
        real itau_unused_;                                                                                 \
        if (FN(tau_pow2)((p)->tau, &itau_unused_)) { const int P2 = 1; CALL; }                             \
        else { const int P2 = 0; CALL; }                                                                   \
    } while (0)

INLINE real FN(charge)(real v, real x, const real tau, const real itau, const int p2, const real vr, const int di,
                       const int vr0) {
    real vv = vr0 ? v : v - vr;         /* V - V_reset (the reference skips the subtraction when V_reset = 0) */
    real d = di ? x - vv : vv;
    real q = FN(divt)(d, tau, itau, p2);
    return di ? v + q : (v - q) + x;
}

/* torch.relu: max(u, 0) with NaN kept (a NaN input gives NaN, as in the reference loop) */
INLINE real FN(relu)(real u) { return u < (real)0 ? (real)0 : u; }

INLINE real FN(reset)(real u, real s, const real vth, const real vr, const int hard) {
    return hard ? u * ((real)1 - s) + vr * s : u - vth * s;
}

/* surrogate derivative g(z) with constants c0, c1 from FN(sg_consts) */
INLINE real FN(sg)(real z, const int kind, const real c0, const real c1) {
    if (kind == SG_RECTANGLE) return (ABS(z) <= c0 ? (real)1 : (real)0) * c1;
    if (kind == SG_TRIANGLE) {
        real u = (real)1 - ABS(z) * c1;
        return c0 * (u < (real)0 ? (real)0 : u); /* clamp(u, min=0): NaN stays NaN, as torch's */
    }
    if (kind == SG_SIGMOID) {
        real s = (real)1 / ((real)1 + EXPR(-(c1 * z)));
        return c0 * s * ((real)1 - s);
    }
    real w = c1 * z;
    return c0 / ((real)1 + w * w);
}

/* g[b] = the surrogate derivative at z[b] for b < nb (g may be z). The sigmoid shape runs its sigmoid over the
 * whole block (FN(sigmoid_n)), the same operations as FN(sg) on each element. */
INLINE void FN(sg_n)(real *g, const real *z, int nb, const int kind, const real c0, const real c1) {
    if (kind == SG_SIGMOID) {
        for (int b = 0; b < nb; b++) g[b] = c1 * z[b];
        FN(sigmoid_n)(g, g, nb);
        for (int b = 0; b < nb; b++) { real s = g[b]; g[b] = c0 * s * ((real)1 - s); }
    } else {
        for (int b = 0; b < nb; b++) g[b] = FN(sg)(z[b], kind, c0, c1);
    }
}

static void FN(sg_consts)(const params_t *p, real *c0, real *c1) {
    double w = p->sg_width, sc = p->sg_scale;
    switch (p->sg_kind) {
    case SG_RECTANGLE: *c0 = (real)(0.5 * w); *c1 = (real)(sc / w); break;
    case SG_TRIANGLE: *c0 = (real)(sc * 2.0 / w); *c1 = (real)(2.0 / w); break;
    case SG_SIGMOID: { double a = 4.0 / w; *c0 = (real)(sc * a); *c1 = (real)a; break; }
    default: { double a = 2.0 / w; *c0 = (real)(sc * a / 2.0); *c1 = (real)(0.5 * M_PI * a); break; }
    }
}


/* ---- dst[b] = src ? src[b] : fill for b < nb (an initial state, or its default when the caller gave none). The
 * test on src stays outside the loops: written as a select inside one loop, gcc (built with -fno-unswitch-loops)
 * vectorises it into masked loads (vmaskmovps) that still address src when it is NULL, and on AMD Zen each such
 * load takes a microcode assist: LIF's coded forward at T = 1, N = 802,816 took 7.7 ms instead of 0.52 ms. ---- */
INLINE void FN(load_or_fill)(real *restrict dst, const real *restrict src, int nb, const real fill) {
    if (src) {
        for (int b = 0; b < nb; b++) dst[b] = src[b];
    } else {
        for (int b = 0; b < nb; b++) dst[b] = fill;
    }
}

/* ---- record=True rows. A large call's records are written once and read long after (by then out of cache), so
 * plain stores waste bandwidth reading every destination line in before overwriting it (read-for-ownership).
 * FN(put_row) copies one step's n values of a block to its [T, N] row: with `stream`, the 16-byte-aligned middle
 * goes through non-temporal SSE2 stores (movntps / movntpd: no read, written straight to memory), the unaligned
 * ends through plain stores; else a plain copy. The values are copied, never recomputed: the same bits either
 * way. FN(stream_records) says when to stream: records of at least SNN_STREAM_MIN_BYTES per state, past what
 * the caches would keep anyway. A range that streamed ends with FN(rows_done) (sfence: the stores are visible
 * before the parallel region's end hands the outputs back). ---- */
#ifndef SNN_STREAM_MIN_BYTES
#define SNN_STREAM_MIN_BYTES ((int64_t)8 << 20)
#endif
INLINE int FN(stream_records)(const params_t *p) {
    return p->T * p->N * (int64_t)sizeof(real) >= SNN_STREAM_MIN_BYTES;
}

INLINE void FN(put_row)(real *restrict dst, const real *restrict src, int n, const int stream) {
#if defined(__SSE2__)
    if (stream) {
        int b = 0;
        for (; b < n && ((uintptr_t)(dst + b) & 15); b++) dst[b] = src[b];
#if defined(SNN_DTYPE_F64)
        for (; b + 2 <= n; b += 2) _mm_stream_pd(dst + b, _mm_loadu_pd(src + b));
#else
        for (; b + 4 <= n; b += 4) _mm_stream_ps(dst + b, _mm_loadu_ps(src + b));
#endif
        for (; b < n; b++) dst[b] = src[b];
        return;
    }
#endif
    (void)stream;
    memcpy(dst, src, (size_t)n * sizeof(real));
}

INLINE void FN(rows_done)(const int stream) {
#if defined(__SSE2__)
    if (stream) _mm_sfence();
#endif
    (void)stream;
}
