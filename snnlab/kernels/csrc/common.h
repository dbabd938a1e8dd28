/* Shared pieces of the snnlab CPU neuron kernels: the parameter block passed from Python (ctypes), the
 * surrogate derivatives g(z) of snnlab.surrogate, and a vectorisable exp/sigmoid.
 *
 * Layout: every [T, N] array is contiguous, element i of step t at [t*N + i]. Elements are independent, so the
 * kernels split the N axis into blocks (OpenMP, one block per task) and loop over T inside a block, keeping the
 * state of the block in small local arrays (vectorised over the block).
 *
 * Exactness: built with -O3 -fno-fast-math -ffp-contract=off, so every + - * / is one IEEE operation in the
 * order written, as in the reference torch loop (LIF, PLIF, KLIF forwards are bit-identical). A division by a
 * power-of-two tau becomes the (identical) multiplication by 1/tau (step.h, divt). exp() is a polynomial of
 * its own (below, with fused multiply-adds where the ISA has them): the sigmoid of CLIF and ILIF differs from
 * torch's by an ulp or so.
 */
#ifndef SNNLAB_KERNELS_COMMON_H
#define SNNLAB_KERNELS_COMMON_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#if defined(__SSE2__)
#include <emmintrin.h> /* _mm_stream_ps / _pd, _mm_sfence: step.h's record rows */
#endif
#ifdef _OPENMP
#include <omp.h>
#endif

/* The parameter block; the same struct is declared in snnlab/kernels/cpu.py (keep in sync). */
typedef struct {
    double tau;         /* membrane time constant (the float the reference divides by) */
    double vth;         /* threshold V_th */
    double vreset;      /* hard-reset value (0 for soft) */
    double k;           /* KLIF scale */
    double kappa_i;     /* ILIF current-inhibition coefficient */
    double kappa_m;     /* ILIF membrane-inhibition coefficient */
    double sg_width;    /* surrogate width gamma */
    double sg_scale;    /* surrogate area */
    double vth_k;       /* KLIF scale_reset: V_th/k as the reference computes it (float32 when k is) */
    int64_t T;          /* time steps */
    int64_t N;          /* elements per step */
    int32_t hard;       /* 1: hard reset V = H(1-S) + V_reset S; 0: soft V = H - V_th S */
    int32_t vr_zero;    /* the reference's charge branch "v_reset is None or 0.0" */
    int32_t decay_input;
    int32_t detach;     /* detach_reset */
    int32_t sg_kind;    /* 0 rectangle, 1 triangle, 2 sigmoid, 3 atan */
    int32_t scale_reset;/* KLIF: V /= k */
    int32_t nthreads;   /* OpenMP threads (<= 0: library default) */
} params_t;

#define SG_RECTANGLE 0
#define SG_TRIANGLE 1
#define SG_SIGMOID 2
#define SG_ATAN 3

#define BLOCK 128 /* elements per block (state in local arrays, vectorised) */

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(SNNLAB_NO_CLONES)
/* one AVX2 and one baseline version of each hot function, picked at load time (no -march=native) */
#define HOT __attribute__((target_clones("avx2", "default")))
#else
#define HOT
#endif
#define INLINE static inline __attribute__((always_inline))

/* Software prefetch of the next block's slice of a [T, N] row (the BLOCK elements after `row`, of `size` bytes
 * each). A block walks T rows N elements apart, BLOCK elements per row: too short a run per row for the hardware
 * prefetchers, so each step of a block asks for the same row of the next block. Never faults. */
#define PREFETCH_NEXT(row, size, write)                                                                      \
    do {                                                                                                     \
        const char *pf_ = (const char *)(row) + (size_t)BLOCK * (size);                                      \
        for (int o_ = 0; o_ < BLOCK * (int)(size); o_ += 64) __builtin_prefetch(pf_ + o_, (write), 3);       \
    } while (0)

/* ---- exp: range reduction x = n ln2 + r (|r| <= ln2/2), exp(r) = 1 + r + r^2 P(r) with P of degree 4 fitted
 * near-minimax on that interval (relative error 3.6e-9 before float rounding: within an ulp of the true exp), then
 * scaled by 2^n through the exponent bits. The polynomial uses fused multiply-adds where the build has them (a
 * property of exp, not of the neuron's own arithmetic, which stays unfused). ---- */
#ifdef __FMA__
#define MADD_F32(a, b, c) __builtin_fmaf((a), (b), (c))
#else
#define MADD_F32(a, b, c) ((a) * (b) + (c))
#endif
INLINE float exp_f32(float x) {
    x = x < -87.0f ? -87.0f : x;
    x = x > 89.0f ? 89.0f : x; /* from 88.4 on n = 128: the 2^n scaling overflows to +Inf (exp(+Inf) = +Inf, so
                                  sigmoid(-Inf) = 0 exactly, as torch's) */
    const float shifter = 12582912.0f; /* 1.5 * 2^23: adding it rounds to an integer */
    float t = x * 1.44269504088896341f + shifter;
    float n = t - shifter;
    float r = x - n * 0.693359375f;         /* ln2 hi (9 bits: n * ln2hi is exact, so one rounding, as in an FMA) */
    r = MADD_F32(n, 2.12194440e-4f, r);     /* - n * ln2 lo */
    float p = 1.3751620426774025e-3f;
    p = MADD_F32(p, r, 8.368915878236294e-3f);
    p = MADD_F32(p, r, 4.166952893137932e-2f);
    p = MADD_F32(p, r, 1.66665181517601e-1f);
    p = MADD_F32(p, r, 4.9999988079071045e-1f);
    p = MADD_F32(p, r * r, r) + 1.0f;
    int32_t ni = (int32_t)n;
    union { int32_t i; float f; } u;
    u.i = (ni + 127) << 23;
    return p * u.f;
}

/* sigmoid(a) = 1 / (1 + exp(-a)) over an array, y[i] = sigmoid(a[i]) for i < n (y may be a).
 * With AVX-512 the float version runs the same operations on 16 lanes with intrinsics (roundscale for the
 * rounding of n, scalef for the 2^n scaling): the same IEEE results as the scalar exp_f32 path built with FMA,
 * in about half the instructions of the auto-vectorised scalar code (whose clamps and exponent arithmetic gcc
 * turns into masked blends). */
#if defined(__AVX512F__) && defined(__FMA__)
#include <immintrin.h>
INLINE __m512 sigmoid16_f32(__m512 a) {
    __m512 x = _mm512_sub_ps(_mm512_setzero_ps(), a); /* -a (0 - a: the same number as the scalar -a for a != 0,
                                                         and exp(+0) = exp(-0) = 1) */
    x = _mm512_max_ps(_mm512_set1_ps(-87.0f), x); /* max/min return their second operand when one is NaN: */
    x = _mm512_min_ps(_mm512_set1_ps(89.0f), x);  /* NaN passes through, as in the scalar clamps */
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fmadd_ps(n, _mm512_set1_ps(2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.3751620426774025e-3f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.368915878236294e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.166952893137932e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.66665181517601e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.9999988079071045e-1f));
    p = _mm512_add_ps(_mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r), _mm512_set1_ps(1.0f));
    __m512 e = _mm512_scalef_ps(p, n);
    return _mm512_div_ps(_mm512_set1_ps(1.0f), _mm512_add_ps(_mm512_set1_ps(1.0f), e));
}
#define SNNLAB_SIGMOID_AVX512 1
#endif

static inline void sigmoid_n_f32(float *y, const float *a, int n) {
    int i = 0;
#ifdef SNNLAB_SIGMOID_AVX512
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, sigmoid16_f32(_mm512_loadu_ps(a + i)));
    if (i < n) {
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1u);
        _mm512_mask_storeu_ps(y + i, m, sigmoid16_f32(_mm512_maskz_loadu_ps(m, a + i)));
    }
    return;
#endif
    for (; i < n; i++) y[i] = 1.0f / (1.0f + exp_f32(-a[i]));
}

INLINE double exp_f64(double x) {
    x = x < -708.0 ? -708.0 : x;
    x = x > 710.0 ? 710.0 : x; /* from 709.4 on n = 1024: the scaling overflows to +Inf, as exp_f32 */
    const double shifter = 6755399441055744.0; /* 1.5 * 2^52 */
    double t = x * 1.4426950408889634074 + shifter;
    double n = t - shifter;
    double r = x - n * 6.93147180369123816490e-01; /* ln2 hi */
    r = r - n * 1.90821492927058770002e-10;         /* ln2 lo */
    double p = 1.0 / 6227020800.0;                  /* 1/13! */
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    int64_t ni = (int64_t)n;
    union { int64_t i; double f; } u;
    u.i = (ni + 1023) << 52;
    return p * u.f;
}

static inline void sigmoid_n_f64(double *y, const double *a, int n) {
    for (int i = 0; i < n; i++) y[i] = 1.0 / (1.0 + exp_f64(-a[i]));
}

#endif
