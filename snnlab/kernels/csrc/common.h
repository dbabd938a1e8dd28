/* Shared pieces of the snnlab CPU neuron kernels: the parameter block passed from Python (ctypes), the
 * surrogate derivatives g(z) of snnlab.surrogate, and a vectorisable exp/sigmoid.
 *
 * Layout: every [T, N] array is contiguous, element i of step t at [t*N + i]. Elements are independent, so the
 * kernels split the N axis into blocks (OpenMP, one block per task) and loop over T inside a block, keeping the
 * state of the block in small local arrays (vectorised over the block).
 *
 * Exactness: built with -O3 -fno-fast-math -ffp-contract=off, so every + - * / is one IEEE operation in the
 * order written, as in the reference torch loop (LIF, PLIF, KLIF forwards are bit-identical). exp() is a
 * polynomial of its own (below): the sigmoid of CLIF and ILIF differs from torch's by an ulp or so.
 */
#ifndef SNNLAB_KERNELS_COMMON_H
#define SNNLAB_KERNELS_COMMON_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
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
    int32_t clamp_tie;  /* ILIF: d max(A,0)/dA at A == 0 (0: relu gives 0, 1: clamp(min=0) gives 1, 2: 0.5) */
} params_t;

#define SG_RECTANGLE 0
#define SG_TRIANGLE 1
#define SG_SIGMOID 2
#define SG_ATAN 3

#define BLOCK 256 /* elements per block (state in local arrays, vectorised) */

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(SNNLAB_NO_CLONES)
/* one AVX2 and one baseline version of each hot function, picked at load time (no -march=native) */
#define HOT __attribute__((target_clones("avx2", "default")))
#else
#define HOT
#endif
#define INLINE static inline __attribute__((always_inline))

/* ---- exp: range reduction x = n ln2 + r, Taylor polynomial on |r| <= ln2/2, scale by 2^n via the exponent -- */
INLINE float exp_f32(float x) {
    x = x < -87.0f ? -87.0f : x;
    x = x > 88.0f ? 88.0f : x;
    const float shifter = 12582912.0f; /* 1.5 * 2^23: adding it rounds to an integer */
    float t = x * 1.44269504088896341f + shifter;
    float n = t - shifter;
    float r = x - n * 0.693359375f;         /* ln2 hi (exact in 9 bits) */
    r = r - n * -2.12194440e-4f;            /* ln2 lo */
    float p = 1.0f / 40320.0f;
    p = p * r + 1.0f / 5040.0f;
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    int32_t ni = (int32_t)n;
    union { int32_t i; float f; } u;
    u.i = (ni + 127) << 23;
    return p * u.f;
}

INLINE double exp_f64(double x) {
    x = x < -708.0 ? -708.0 : x;
    x = x > 709.0 ? 709.0 : x;
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

#endif
