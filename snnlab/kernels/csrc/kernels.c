/* snnlab CPU neuron kernels: the driver translation unit (parallel loops), one neuron template per build.
 * Built by snnlab/kernels/build.py:  gcc -O3 -ffp-contract=off -fopenmp -shared -fPIC + ISA flags.
 * Exported symbols: snn_<neuron>_forward_<f32|f64>, snn_<neuron>_backward_<f32|f64>, snn_abi_version,
 * snn_library_id.
 */
#include "common.h"

int snn_abi_version(void) { return 2; } /* the params_t layout (snnlab/kernels/build.py ABI) */

/* "snnlab-kernels <family> <dtype> abi <n>": build.py checks it after loading a cached library */
#if defined(SNN_NEURON_LIF)
#define SNN_FAMILY "lif"
#elif defined(SNN_NEURON_CLIF)
#define SNN_FAMILY "clif"
#elif defined(SNN_NEURON_ILIF)
#define SNN_FAMILY "ilif"
#else
#define SNN_FAMILY "glif"
#endif
#if defined(SNN_DTYPE_F64)
#define SNN_DTYPE_NAME "f64"
#else
#define SNN_DTYPE_NAME "f32"
#endif
const char *snn_library_id(void) { return "snnlab-kernels " SNN_FAMILY " " SNN_DTYPE_NAME " abi 2"; }

static int snn_threads(int requested, int64_t nblk) {
    int nt = requested;
#ifdef _OPENMP
    if (nt <= 0) nt = omp_get_max_threads();
#else
    nt = 1;
#endif
    if (nt < 1) nt = 1;
    if ((int64_t)nt > nblk) nt = (int)(nblk > 0 ? nblk : 1);
    return nt;
}

/* Static partition of the blocks into nt contiguous chunks, one per thread. */
#define PARALLEL_BLOCKS(nblk, nthr, CALL)                                                              \
    do {                                                                                               \
        int nt_ = snn_threads((nthr), (nblk));                                                         \
        _Pragma("omp parallel for num_threads(nt_) schedule(static, 1)")                               \
        for (int c_ = 0; c_ < nt_; c_++) {                                                             \
            int64_t b0 = (int64_t)c_ * (nblk) / nt_, b1 = (int64_t)(c_ + 1) * (nblk) / nt_;            \
            CALL;                                                                                      \
        }                                                                                              \
    } while (0)

/* Same, with a scratch buffer of `bytes` per thread and `nacc` double accumulators per thread, summed in
 * thread order into out_acc (deterministic for a given thread count). Returns -1 on allocation failure. */
#define PARALLEL_BLOCKS_ACC(nblk, nthr, bytes, nacc, out_acc, CALL)                                    \
    do {                                                                                               \
        int nt_ = snn_threads((nthr), (nblk));                                                         \
        double *accs_ = (double *)calloc((size_t)nt_ * (nacc), sizeof(double));                        \
        if (!accs_) return -1;                                                                         \
        int fail_ = 0;                                                                                 \
        _Pragma("omp parallel for num_threads(nt_) schedule(static, 1) reduction(|: fail_)")           \
        for (int c_ = 0; c_ < nt_; c_++) {                                                             \
            int64_t b0 = (int64_t)c_ * (nblk) / nt_, b1 = (int64_t)(c_ + 1) * (nblk) / nt_;            \
            void *scratch = malloc((bytes) > 0 ? (bytes) : 1);                                         \
            double *acc = accs_ + (size_t)c_ * (nacc);                                                 \
            if (!scratch) { fail_ |= 1; continue; }                                                    \
            CALL;                                                                                      \
            free(scratch);                                                                             \
        }                                                                                              \
        for (int c_ = 0; c_ < nt_; c_++)                                                               \
            for (int a_ = 0; a_ < (nacc); a_++) (out_acc)[a_] += accs_[(size_t)c_ * (nacc) + a_];      \
        free(accs_);                                                                                   \
        if (fail_) return -1;                                                                          \
    } while (0)

/* One library per (neuron, dtype): compiled with -DSNN_DTYPE_F32|F64 and -DSNN_NEURON_LIF|CLIF|ILIF, so that a
 * first use compiles only what it needs (a second or so each). */
#if defined(SNN_DTYPE_F64)
#define real double
#define FN(name) name##_f64
#define EXPR exp_f64
#define ABS fabs
#define FMA_R(a, b, c) __builtin_fma((a), (b), (c))
#else
#define real float
#define FN(name) name##_f32
#define EXPR exp_f32
#define ABS fabsf
#define FMA_R(a, b, c) __builtin_fmaf((a), (b), (c))
#endif

#include "step.h"
#if defined(SNN_NEURON_LIF)
#include "lif.h"
#elif defined(SNN_NEURON_CLIF)
#include "clif.h"
#elif defined(SNN_NEURON_ILIF)
#include "ilif.h"
#elif defined(SNN_NEURON_GLIF)
#include "glif.h"
#else
#error "define one of SNN_NEURON_LIF, SNN_NEURON_CLIF, SNN_NEURON_ILIF, SNN_NEURON_GLIF"
#endif

/* out[i] = a[i] / tau through FN(divt), as every kernel divides by tau (exported for tests/kernels: the
 * division-free quotients must equal torch's a / tau bit for bit). */
int FN(snn_div_tau)(const real *a, real *out, int64_t n, double tau_d) {
    real itau;
    int p2 = FN(tau_pow2)(tau_d, &itau);
    const real tau = (real)tau_d;
    if (p2) for (int64_t i = 0; i < n; i++) out[i] = FN(divt)(a[i], tau, itau, 1);
    else for (int64_t i = 0; i < n; i++) out[i] = FN(divt)(a[i], tau, itau, 0);
    return p2;
}

/* y[i] = sigmoid(a[i]) through FN(sigmoid_n) (exported for tests/kernels) */
int FN(snn_sigmoid)(const real *a, real *y, int64_t n) {
    for (int64_t i = 0; i < n; i += BLOCK) FN(sigmoid_n)(y + i, a + i, (int)(n - i < BLOCK ? n - i : BLOCK));
    return 0;
}
