/* snnlab CPU kernels: 2x2 max pooling with stride 2 (no padding, floor mode) over contiguous NCHW planes.
 * Built by snnlab/kernels/build.py as the "pool" family (one library per dtype, -DSNN_DTYPE_F32|F64).
 *
 * The same results as torch's CPU max_pool2d(x, 2), bit for bit, including which element of a window gets the
 * gradient: the window is scanned in row-major order (0,0), (0,1), (1,0), (1,1), and an element replaces the
 * maximum when it is larger or NaN (a NaN wins, the last NaN of the window if several; ties keep the first
 * maximum; starting from the first element is the same as torch's start from -inf at position (0,0)). The forward
 * writes the window position (0..3) of the maximum, one byte per output element; the backward writes the whole
 * input gradient (zeros besides one element per window, and for the last row / column that floor mode leaves out).
 * (Double backward is done in torch by snnlab/kernels/pool.py, through max_unpool2d.)
 *
 * float32 on x86-64 runs four windows at a time in SSE2 (baseline x86-64): the rows of a feature map are short
 * (28 or 14 inputs), so a plain loop spends its time in the scalar remainder, whose compares gcc turns into
 * branches that mispredict on spike data (measured: 10.6 ms for 1.57M windows of 0/1 input against 2.1 ms here).
 * The last group of a row overlaps the one before when the row is not a multiple of four (same values written
 * twice). float64 and other CPUs use the scalar scan.
 *
 * Exported: snn_maxpool2_forward_<f32|f64>, snn_maxpool2_backward_<f32|f64>, snn_abi_version, snn_library_id.
 */
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#if defined(SNN_DTYPE_F64)
#define real double
#define FN(name) name##_f64
#define SNN_DTYPE_NAME "f64"
#else
#define real float
#define FN(name) name##_f32
#define SNN_DTYPE_NAME "f32"
#if defined(__SSE2__)
#define POOL_SSE2 1
#include <emmintrin.h>
#endif
#endif

int snn_abi_version(void) { return 2; }
const char *snn_library_id(void) { return "snnlab-kernels pool " SNN_DTYPE_NAME " abi 2"; }

static int nthreads_for(int requested, int64_t planes) {
    int nt = requested < 1 ? 1 : requested;
    if ((int64_t)nt > planes) nt = (int)(planes > 0 ? planes : 1);
    return nt;
}

/* one window, scalar: the scan of the file comment */
static inline void win1(const real *r0, const real *r1, real *y, uint8_t *ix) {
    const real a = r0[0], b = r0[1], c = r1[0], d = r1[1];
    real m = a;
    int k = 0;
    if (b > m || b != b) { m = b; k = 1; }
    if (c > m || c != c) { m = c; k = 2; }
    if (d > m || d != d) { m = d; k = 3; }
    *y = m;
    *ix = (uint8_t)k;
}

static inline void bwd1(real g, int k, real *r0, real *r1) {
    r0[0] = k == 0 ? g : (real)0;
    r0[1] = k == 1 ? g : (real)0;
    r1[0] = k == 2 ? g : (real)0;
    r1[1] = k == 3 ? g : (real)0;
}

#ifdef POOL_SSE2
static inline __m128 sel4(__m128 m, __m128 a, __m128 b) { return _mm_or_ps(_mm_and_ps(m, a), _mm_andnot_ps(m, b)); }

/* four windows: inputs r0[0..7] (a0 b0 a1 b1 ...) and r1[0..7] (c0 d0 ...) */
static inline void win4(const float *r0, const float *r1, float *y, uint8_t *ix) {
    const __m128 l0 = _mm_loadu_ps(r0), h0 = _mm_loadu_ps(r0 + 4), l1 = _mm_loadu_ps(r1), h1 = _mm_loadu_ps(r1 + 4);
    const __m128 a = _mm_shuffle_ps(l0, h0, _MM_SHUFFLE(2, 0, 2, 0)), b = _mm_shuffle_ps(l0, h0, _MM_SHUFFLE(3, 1, 3, 1));
    const __m128 c = _mm_shuffle_ps(l1, h1, _MM_SHUFFLE(2, 0, 2, 0)), d = _mm_shuffle_ps(l1, h1, _MM_SHUFFLE(3, 1, 3, 1));
    __m128 m = a, k = _mm_setzero_ps(), t;
    t = _mm_or_ps(_mm_cmpgt_ps(b, m), _mm_cmpunord_ps(b, b));
    m = sel4(t, b, m); k = sel4(t, _mm_set1_ps(1.0f), k);
    t = _mm_or_ps(_mm_cmpgt_ps(c, m), _mm_cmpunord_ps(c, c));
    m = sel4(t, c, m); k = sel4(t, _mm_set1_ps(2.0f), k);
    t = _mm_or_ps(_mm_cmpgt_ps(d, m), _mm_cmpunord_ps(d, d));
    m = sel4(t, d, m); k = sel4(t, _mm_set1_ps(3.0f), k);
    _mm_storeu_ps(y, m);
    __m128i ki = _mm_cvttps_epi32(k);
    ki = _mm_packs_epi32(ki, ki);
    ki = _mm_packus_epi16(ki, ki);
    const int32_t w = _mm_cvtsi128_si32(ki);
    memcpy(ix, &w, 4);
}

/* the gradients of four windows g[0..3] with positions ix[0..3] into r0[0..7] and r1[0..7] */
static inline void bwd4(const float *g, const uint8_t *ix, float *r0, float *r1) {
    int32_t w;
    memcpy(&w, ix, 4);
    __m128i k = _mm_cvtsi32_si128(w);
    k = _mm_unpacklo_epi8(k, _mm_setzero_si128());
    k = _mm_unpacklo_epi16(k, _mm_setzero_si128());
    const __m128 gv = _mm_loadu_ps(g);
    const __m128 a = _mm_and_ps(gv, _mm_castsi128_ps(_mm_cmpeq_epi32(k, _mm_set1_epi32(0))));
    const __m128 b = _mm_and_ps(gv, _mm_castsi128_ps(_mm_cmpeq_epi32(k, _mm_set1_epi32(1))));
    const __m128 c = _mm_and_ps(gv, _mm_castsi128_ps(_mm_cmpeq_epi32(k, _mm_set1_epi32(2))));
    const __m128 d = _mm_and_ps(gv, _mm_castsi128_ps(_mm_cmpeq_epi32(k, _mm_set1_epi32(3))));
    _mm_storeu_ps(r0, _mm_unpacklo_ps(a, b));
    _mm_storeu_ps(r0 + 4, _mm_unpackhi_ps(a, b));
    _mm_storeu_ps(r1, _mm_unpacklo_ps(c, d));
    _mm_storeu_ps(r1 + 4, _mm_unpackhi_ps(c, d));
}
#endif

/* x [planes, H, W] -> y [planes, H/2, W/2], idx [planes, H/2, W/2] (window position 0..3 of the maximum) */
int FN(snn_maxpool2_forward)(const real *x, real *y, uint8_t *idx, int64_t planes, int64_t H, int64_t W,
                             int nthreads) {
    const int64_t Ho = H / 2, Wo = W / 2;
    const int nt = nthreads_for(nthreads, planes);
#pragma omp parallel for num_threads(nt) schedule(static)
    for (int64_t p = 0; p < planes; p++) {
        for (int64_t i = 0; i < Ho; i++) {
            const real *r0 = x + p * H * W + 2 * i * W, *r1 = r0 + W;
            real *yr = y + (p * Ho + i) * Wo;
            uint8_t *ir = idx + (p * Ho + i) * Wo;
            int64_t j = 0;
#ifdef POOL_SSE2
            if (Wo >= 4) {
                for (; j + 4 <= Wo; j += 4) win4(r0 + 2 * j, r1 + 2 * j, yr + j, ir + j);
                if (j < Wo) win4(r0 + 2 * (Wo - 4), r1 + 2 * (Wo - 4), yr + Wo - 4, ir + Wo - 4);
                continue;
            }
#endif
            for (; j < Wo; j++) win1(r0 + 2 * j, r1 + 2 * j, yr + j, ir + j);
        }
    }
    return 0;
}

/* gy [planes, H/2, W/2], idx -> gx [planes, H, W] (every element written) */
int FN(snn_maxpool2_backward)(const real *gy, const uint8_t *idx, real *gx, int64_t planes, int64_t H, int64_t W,
                              int nthreads) {
    const int64_t Ho = H / 2, Wo = W / 2;
    const int nt = nthreads_for(nthreads, planes);
#pragma omp parallel for num_threads(nt) schedule(static)
    for (int64_t p = 0; p < planes; p++) {
        real *xp = gx + p * H * W;
        for (int64_t i = 0; i < Ho; i++) {
            real *r0 = xp + 2 * i * W, *r1 = r0 + W;
            const real *gr = gy + (p * Ho + i) * Wo;
            const uint8_t *ir = idx + (p * Ho + i) * Wo;
            int64_t j = 0;
#ifdef POOL_SSE2
            if (Wo >= 4) {
                for (; j + 4 <= Wo; j += 4) bwd4(gr + j, ir + j, r0 + 2 * j, r1 + 2 * j);
                if (j < Wo) bwd4(gr + Wo - 4, ir + Wo - 4, r0 + 2 * (Wo - 4), r1 + 2 * (Wo - 4));
                j = Wo;
            }
#endif
            for (; j < Wo; j++) bwd1(gr[j], ir[j], r0 + 2 * j, r1 + 2 * j);
            if (W & 1) { r0[W - 1] = 0; r1[W - 1] = 0; }
        }
        if (H & 1)
            for (int64_t j = 0; j < W; j++) xp[(H - 1) * W + j] = 0;
    }
    return 0;
}
