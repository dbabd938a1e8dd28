# snnlab — `make figures` regenerates every figure and table; `make test` runs the test suite.
# Both set up .venv themselves from requirements.txt (redone only when the pins change).
SHELL := /bin/bash
.DELETE_ON_ERROR:
.DEFAULT_GOAL := help

PYTHON   ?= python3
PROFILE  ?= quick
PROFILES := smoke quick paper paper-dryrun
VENV     ?= .venv
PY       := $(VENV)/bin/python
STAMP    := $(VENV)/.snnlab-$(shell cat requirements.txt pyproject.toml | sha1sum | cut -c1-12)

ifeq ($(filter $(PROFILE),$(PROFILES)),)
$(error PROFILE='$(PROFILE)' is not a profile; valid profiles: $(PROFILES) (smoke: CI-sized, seconds; quick: 2-core CPU with Fashion-MNIST, minutes; paper: GPU with the real datasets; paper-dryrun: the paper code paths on the CPU with fake data, 1-2 steps per run))
endif
ifneq ($(words $(PROFILE)),1)
$(error PROFILE='$(PROFILE)' must be one word; valid profiles: $(PROFILES))
endif

# paper-dryrun: fake datasets in the real on-disk formats, its own runs and figures folders (never the real ones)
ifeq ($(PROFILE),paper-dryrun)
DRYRUN_DIR := $(CURDIR)/build/paper-dryrun
export SNNLAB_DATA    := $(DRYRUN_DIR)/data
export SNNLAB_RUNS    := $(DRYRUN_DIR)/runs
export SNNLAB_FIGURES := $(DRYRUN_DIR)/figures
INDEX := build/paper-dryrun/index.html
else
INDEX := build/index.html
endif

ALL_NB      := $(sort $(shell find notebooks -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*'))
# the notebooks that train longest first (quick profile, measured), then the rest: under `make -j2` the other slot
# fills with the short ones instead of the run ending on one long notebook alone
FIRST_NB    := notebooks/overview/02_temporal_credit.ipynb notebooks/clif/03_accuracy_vs_T.ipynb \
               notebooks/ilif/03_gamma_sweep.ipynb notebooks/clif/02_tau_ktrunc.ipynb
NOTEBOOKS   := $(foreach f,$(FIRST_NB),$(filter $(f),$(ALL_NB))) $(filter-out $(FIRST_NB),$(ALL_NB))
EXECUTED    := $(patsubst notebooks/%.ipynb,build/notebooks/$(PROFILE)/%.ipynb,$(NOTEBOOKS))
SRC         := $(sort $(shell find snnlab -name '*.py' -o -name '*.c' -o -name '*.yaml' | grep -v __pycache__))
PROFILE_CFG := $(wildcard notebooks/profiles.yaml notebooks/*/profiles.yaml)
PYTEST_N    ?= 2
# threads per pytest worker: the cores shared among the workers (OpenMP teams as large as the machine in each worker
# wait on each other's descheduled threads); the kernel tests that need a parallel call ask for it explicitly
TEST_THREADS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); j='$(PYTEST_N)'; case $$j in (''|*[!0-9]*|0) j=$$n;; esac; \
                  t=$$((n / j)); echo $$((t > 0 ? t : 1)))
TEST_ENV    := SNNLAB_FIGURES=$(CURDIR)/build/test/figures SNNLAB_RUNS=$(CURDIR)/build/test/runs MPLBACKEND=Agg PYTHONHASHSEED=0 \
               OMP_NUM_THREADS=$(TEST_THREADS)

.PHONY: help venv data data-smoke data-quick data-paper data-paper-dryrun figures test test-fast test-slurm \
        test-oldest-torch notebooks-clean notebooks-refresh bench gpu-check clean distclean

help:
	@echo "make figures [PROFILE=quick|smoke|paper]  execute every notebook, write figures/ and build/index.html"
	@echo "make figures PROFILE=paper-dryrun         the paper code paths on the CPU with fake data -> build/paper-dryrun/"
	@echo "make test                                 pytest + nbval of the notebooks at their smoke defaults"
	@echo "make test-oldest-torch                    neuron and kernel tests under torch 2.4.1 (own venv, .venv-oldest)"
	@echo "make data                                 fetch what can be had offline (Fashion-MNIST)"
	@echo "make bench                                neuron and training benchmarks -> benchmarks/results/"
	@echo "make gpu-check                            on a CUDA machine, with its own torch: GPU tests + benchmarks"
	@echo "make test-slurm                           smoke campaign on a throwaway one-node SLURM cluster (root)"
	@echo "make notebooks-refresh                    re-execute notebooks at defaults, store checked outputs"
	@echo "make clean                                remove outputs (build/, figures/, runs/), keep data/"

# ---------------------------------------------------------------- environment
$(STAMP): requirements.txt pyproject.toml
	@echo "[setup] building $(VENV) from requirements.txt (first time: ~2 minutes)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	$(PY) -m ipykernel install --sys-prefix --name snnlab --display-name "Python (snnlab)" >/dev/null
	@rm -f $(VENV)/.snnlab-*
	@touch $@

venv: $(STAMP)

# ---------------------------------------------------------------- data
data: | $(STAMP)
	$(PY) -m snnlab.data.prepare fashion_mnist

data-smoke: ;
data-quick: data
	$(PY) -m snnlab.data.prepare sim_fashion_events --n-train 10000 --n-test 2000
data-paper: data
	$(PY) -m snnlab.data.prepare --check-paper
data-paper-dryrun: | $(STAMP)
	$(PY) -m snnlab.papers.common --write-fake-data $(SNNLAB_DATA)

# ---------------------------------------------------------------- figures
figures: $(EXECUTED) $(INDEX)

build/notebooks/$(PROFILE)/%.ipynb: notebooks/%.ipynb $(PROFILE_CFG) $(SRC) | $(STAMP) data-$(PROFILE)
	$(PY) -m snnlab.nbrun $< --profile $(PROFILE) --out $@

# The claims table collects every paper's verdicts from the runs the other notebooks trained: it runs last, so that
# under `make -j2` the trainings are spread over both slots instead of queueing behind its locks.
CLAIMS_NB := build/notebooks/$(PROFILE)/overview/00_claims.ipynb
$(CLAIMS_NB): $(filter-out $(CLAIMS_NB),$(EXECUTED))

$(INDEX): $(EXECUTED)
	$(PY) -m snnlab.nbindex --profile $(PROFILE)

# ---------------------------------------------------------------- tests
# Fashion-MNIST is fetched when it can be (its loading test needs it); the suite runs either way.
test: $(STAMP)
	@$(PY) -m snnlab.data.prepare fashion_mnist || echo "[test] Fashion-MNIST not available: the test that loads it is skipped"
	$(TEST_ENV) $(PY) -m pytest tests notebooks -n $(PYTEST_N) --dist loadfile \
	    --nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg \
	    --junitxml=build/test/junit.xml

test-fast: $(STAMP)
	$(TEST_ENV) $(PY) -m pytest tests -n $(PYTEST_N) -m "not slow"

# A one-node SLURM cluster on this machine (Debian's slurm-wlm, installed and started by tools/slurm/start_cluster.sh,
# as root), a smoke campaign launched through it with `python -m snnlab launch --launcher slurm`, one array task
# preempted and requeued, `status` checked, then the cluster is stopped. Not part of `make test` (needs root).
test-slurm: $(STAMP)
	tools/slurm/start_cluster.sh >/dev/null
	SLURM_CONF=$(CURDIR)/build/slurm/slurm.conf $(PY) tools/slurm/smoke_campaign.py; rc=$$?; \
	    tools/slurm/stop_cluster.sh; exit $$rc

# The oldest torch that pyproject.toml promises (torch>=2.4), in its own virtual environment: the neuron and kernel
# tests (they need neither torchvision nor the data stack). torch 2.4.1 from PyPI brings its CUDA wheels and
# triton 3.0 (~2.5 GB the first time); numpy<2 because torch 2.4 was built against numpy 1. spikingjelly 2.0 needs
# torch >= 2.6, so the SpikingJelly parity test skips itself there.
OLDEST_VENV  ?= .venv-oldest
OLDEST_PY    := $(OLDEST_VENV)/bin/python
OLDEST_PINS  := torch==2.4.1 "numpy<2" PyYAML pytest pytest-xdist
OLDEST_STAMP := $(OLDEST_VENV)/.snnlab-oldest-$(shell echo '$(OLDEST_PINS)' | cat - pyproject.toml | sha1sum | cut -c1-12)

$(OLDEST_STAMP): pyproject.toml
	@echo "[setup] building $(OLDEST_VENV) with torch 2.4.1 (first time: a ~2.5 GB download)"
	@test -x $(OLDEST_PY) || $(PYTHON) -m venv $(OLDEST_VENV)
	$(OLDEST_PY) -m pip install --quiet --disable-pip-version-check $(OLDEST_PINS)
	$(OLDEST_PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@rm -f $(OLDEST_VENV)/.snnlab-oldest-*
	@touch $@

test-oldest-torch: $(OLDEST_STAMP)
	@$(OLDEST_PY) -c "import torch; assert torch.__version__.startswith('2.4.'), torch.__version__; print('[test] torch', torch.__version__)"
	$(TEST_ENV) $(OLDEST_PY) -m pytest tests/neurons tests/kernels -n $(PYTEST_N) -q -p no:cacheprovider

notebooks-clean: $(STAMP)
	$(PY) -m snnlab.nbclean $(NOTEBOOKS)

notebooks-refresh: $(STAMP)
	$(PY) -m snnlab.nbclean --refresh $(NOTEBOOKS)

bench: $(STAMP)
	$(PY) benchmarks/neurons.py
	$(PY) benchmarks/train.py

# on a GPU machine with its own PyTorch and Triton (not this project's venv): the CUDA tests, the kernel and
# training-step benchmarks, a resume; then `python benchmarks/gpu_budget.py` here rewrites the README's GPU block
gpu-check:
	bash benchmarks/gpu_check.sh $(or $(OUT_DIR),build/gpu-check)

clean:
	rm -rf build figures runs .snnlab-cache .pytest_cache
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) $(OLDEST_VENV)
