"""snnlab.malloc: a training process keeps freed blocks for reuse instead of page-faulting them in every step."""
import json
import os
import subprocess
import sys
import textwrap

import pytest

from snnlab import malloc

glibc = pytest.mark.skipif(malloc._libc() is None, reason="mallopt needs glibc (Linux)")

# 20 rounds of allocating, writing and freeing a 48 MiB tensor (above glibc's largest mmap threshold), counting
# the minor page faults of each round after 8 warm-up rounds (a tuned process still faults in the first 5 or so,
# then none; once in a while glibc grows the heap once more, when small allocations landed above the freed
# block: one fresh CI run of four saw one such round, 12,289 faults)
_PROBE = textwrap.dedent("""
    import json, resource, sys, torch
    from snnlab import malloc
    tuned = malloc.tune()
    def one_round():
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        t = torch.empty(12 << 20)
        t.fill_(1.0)
        del t
        return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    for _ in range(8):
        one_round()
    per_round = [one_round() for _ in range(20)]
    print(json.dumps({"tuned": tuned, "faults": sum(per_round), "per_round": per_round}))
""")


def _probe(mode: str) -> dict:
    env = dict(os.environ, SNNLAB_MALLOC=mode)
    out = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


@glibc
def test_tuned_process_reuses_freed_blocks_without_page_faults():
    system, tuned = _probe("system"), _probe("tuned")
    assert system["tuned"] is False and tuned["tuned"] is True
    # default glibc: each round maps 48 MiB afresh (12,288 pages of 4 KiB); tuned: the heap block is reused, in
    # every round but at most one (a heap growth, see _PROBE)
    assert system["faults"] > 20 * 10_000, system
    assert all(f > 10_000 for f in system["per_round"]), system
    assert sum(f > 1_000 for f in tuned["per_round"]) <= 1, tuned
    assert sorted(tuned["per_round"])[-2] < 1_000 and tuned["faults"] < 12_288 + 1_000, tuned


def test_unknown_mode_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("SNNLAB_MALLOC", "jemalloc")
    with pytest.raises(ValueError, match="SNNLAB_MALLOC='jemalloc' is not one of tuned, system"):
        malloc.tune()


def test_system_mode_changes_nothing(monkeypatch):
    monkeypatch.setenv("SNNLAB_MALLOC", "system")
    assert malloc.tune() is False
