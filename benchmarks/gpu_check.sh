#!/usr/bin/env bash
# The GPU check (issue 18): on a machine with an NVIDIA GPU, from the repository root,
#
#     bash benchmarks/gpu_check.sh [OUT_DIR]          # default OUT_DIR: build/gpu-check
#
# 0. (SWEEP=1, the default) the kernels' tile: BLOCK x warps per program swept (benchmarks/gpu_kernels.py
#    --sweep -> gpu-sweep.json); the best tile is exported (SNNLAB_TRITON_BLOCK/WARPS) for everything after it;
# 1. the Triton kernels against the reference loop on the GPU: tests/kernels/test_triton_parity.py with
#    SNNLAB_TRITON_DEVICE=cuda (the interpreter tests' grid: every neuron, fp32/bf16/fp16 inputs, T of 1, 2, 7,
#    continued state, non-contiguous inputs, NaN/Inf, double backward refused) and the CUDA compile test
#    (tests/kernels/test_compile.py: zero graph breaks, compiled = eager); log and JUnit XML;
# 2. kernel speed (benchmarks/gpu_kernels.py: T = 8, N = 2^24, snnlab Triton vs reference loop vs SpikingJelly 2.0,
#    share of the measured copy bandwidth) -> gpu-kernels.json;
# 3. training steps (benchmarks/gpu_train.py: the CLIF CIFAR-10 ResNet-18 config at T = 6 per neuron against
#    SpikingJelly neurons, every paper step shape, a checkpoint/resume/evaluation) -> gpu-train.json.
#
# Each part has its own time limit (PART_LIMITS, seconds) so that one slow part cannot take the others' time;
# a failing part is logged and the next one still runs; the exit status is that of the tests.
# Python packages missing on the machine (spikingjelly 2.0 and its loguru) can be put as wheels in .whl/: they
# are installed into /tmp/snnlab-site first. snnlab itself is installed with `pip install -e .` when pip can
# (no network needed: --no-deps --no-build-isolation), else used from the checkout through PYTHONPATH.
# Afterwards, here: python benchmarks/gpu_budget.py  (the README table and the GPU-hour estimates).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT_DIR=${1:-build/gpu-check}
mkdir -p "$OUT_DIR"
LOG="$OUT_DIR/gpu_check.log"
: > "$LOG"
exec > >(tee -a "$LOG") 2>&1
PY=${PYTHON:-python3}
LIMIT_TESTS=${LIMIT_TESTS:-240}
LIMIT_KERNELS=${LIMIT_KERNELS:-150}
LIMIT_TRAIN=${LIMIT_TRAIN:-300}
export PYTHONUNBUFFERED=1 SNNLAB_PROGRESS=quiet

echo "== gpu_check $(date -u '+%Y-%m-%d %H:%M:%S') UTC, commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1 || echo "nvidia-smi failed"
if ls .whl/*.whl >/dev/null 2>&1; then
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/snnlab-site \
        .whl/*.whl && export PYTHONPATH=/tmp/snnlab-site${PYTHONPATH:+:$PYTHONPATH}
fi
if "$PY" -m pip install -q --no-deps --no-build-isolation --no-index -e . >/tmp/snnlab-pip.log 2>&1; then
    echo "snnlab: pip install -e . (no deps, no build isolation) done"
else
    echo "snnlab: pip install -e . failed (tail below); using the checkout through PYTHONPATH"
    tail -5 /tmp/snnlab-pip.log
    export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
fi
"$PY" - <<'PY'
import torch, triton
print(f"torch {torch.__version__} (CUDA {torch.version.cuda}), triton {triton.__version__}, "
      f"GPU {torch.cuda.get_device_name() if torch.cuda.is_available() else 'none'}")
try:
    import spikingjelly
    from importlib.metadata import version
    print("spikingjelly", version("spikingjelly"))
except Exception as exc:
    print("spikingjelly unavailable:", exc)
import snnlab
print("snnlab from", snnlab.__file__)
PY

if [ "${SWEEP:-1}" = 1 ]; then
    echo "== 0. the kernels' tile (elements x warps per program) swept at T = 8, N = 2^24 (limit ${LIMIT_SWEEP:-120} s)"
    t0=$(date +%s)
    timeout "${LIMIT_SWEEP:-120}" "$PY" benchmarks/gpu_kernels.py --sweep "$OUT_DIR/gpu-sweep.json" --repeats 7 \
        | tee /tmp/snnlab-sweep.txt
    best=$(grep '^BEST_TILE' /tmp/snnlab-sweep.txt | tail -n 1)
    if [ -n "$best" ]; then
        set -- $best
        export SNNLAB_TRITON_BLOCK=$2 SNNLAB_TRITON_WARPS=$3
    fi
    echo "sweep: $(( $(date +%s) - t0 )) s; the rest runs with BLOCK=${SNNLAB_TRITON_BLOCK:-default} warps=${SNNLAB_TRITON_WARPS:-default}"
fi

echo "== 1. Triton kernels vs the reference loop on the GPU (limit ${LIMIT_TESTS} s)"
t0=$(date +%s)
SNNLAB_TRITON_DEVICE=cuda timeout "$LIMIT_TESTS" "$PY" -m pytest -q -p no:cacheprovider -o addopts="" \
    --junitxml "$OUT_DIR/gpu-tests.xml" tests/kernels/test_triton_parity.py \
    "tests/kernels/test_compile.py::test_cuda_compile_has_no_graph_break_and_matches_eager" 2>&1 \
    | tail -n 60
tests_rc=${PIPESTATUS[0]}
echo "tests: exit $tests_rc after $(( $(date +%s) - t0 )) s"

echo "== 2. kernel speed (limit ${LIMIT_KERNELS} s)"
t0=$(date +%s)
timeout "$LIMIT_KERNELS" "$PY" benchmarks/gpu_kernels.py --out "$OUT_DIR/gpu-kernels.json"
echo "kernels: exit $? after $(( $(date +%s) - t0 )) s"

echo "== 3. training steps, shapes, resume (limit ${LIMIT_TRAIN} s)"
t0=$(date +%s)
timeout "$LIMIT_TRAIN" "$PY" benchmarks/gpu_train.py --out "$OUT_DIR/gpu-train.json" \
    --shapes-budget-s "${SHAPES_BUDGET:-120}" ${TRAIN_ARGS:-}
echo "train: exit $? after $(( $(date +%s) - t0 )) s"
echo "== done $(date -u '+%H:%M:%S') UTC"
exit "$tests_rc"
