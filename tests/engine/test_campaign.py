"""Campaigns (snnlab.experiments.campaign, snnlab.launch): target resolution, the SLURM array submitit would
submit, the status table and its GPU-hour estimate, and a real local campaign through submitit whose jobs are
preempted and killed mid-run and still end bit-identical to runs trained directly."""
from __future__ import annotations

import io
import json
import os
import signal
import stat
import sys
import time
import types
from pathlib import Path

import pytest
import torch

from snnlab import cli
from snnlab import launch as L
from snnlab.experiments import RunConfig, get, run, run_dir_for
from snnlab.experiments import campaign as C

PY = sys.executable


# ------------------------------------------------------------------------------------------------ small parts
def test_parse_time_and_mem():
    assert C.parse_time("90") == 90
    assert C.parse_time(90) == 90
    assert C.parse_time("01:30:00") == 90
    assert C.parse_time("1-00:00:00") == 1440
    assert C.parse_time("2-12") == 2 * 1440 + 12 * 60
    assert C.parse_time("10:30") == 11  # MM:SS rounds up to whole minutes
    assert C.parse_time("4h") == 240 and C.parse_time("2d") == 2880 and C.parse_time("45m") == 45
    for bad in ("soon", "0", "-5", "1:2:3:4"):
        with pytest.raises(ValueError, match="time"):
            C.parse_time(bad)
    assert C.parse_mem("32GB") == "32G" and C.parse_mem("500m") == "500M" and C.parse_mem(64000) == "64000M"
    with pytest.raises(ValueError, match="memory size"):
        C.parse_mem("lots")


def test_launch_options_are_checked():
    with pytest.raises(ValueError, match="launcher"):
        C.LaunchOptions(launcher="pbs")
    with pytest.raises(ValueError, match="gpus_per_run"):
        C.LaunchOptions(gpus_per_run=-1)
    with pytest.raises(ValueError, match="parallel"):
        C.LaunchOptions(parallel=0)


def test_torchrun_and_train_commands(tmp_path):
    d = tmp_path / "runs" / "x-0123456789"
    assert C.torchrun_command(d, tmp_path / "runs", 4, python="py") == [
        "py", "-m", "torch.distributed.run", "--standalone", "--nnodes", "1", "--nproc_per_node", "4", "-m", "snnlab",
        "train", str(d / "config.json"), "--out", str(tmp_path / "runs"), "--progress", "line"]
    assert C.train_command(d, tmp_path / "runs", python="py") == [
        "py", "-m", "snnlab", "train", str(d / "config.json"), "--out", str(tmp_path / "runs"), "--progress", "line"]
    with pytest.raises(ValueError, match="nproc"):
        C.torchrun_command(d, tmp_path, 0)


def test_as_plan_accepts_configs_and_labelled_pairs_and_dedupes():
    a, b, c = get("smoke-lif"), get("smoke-clif"), get("smoke-tbptt")
    entry = types.SimpleNamespace(labels={"family": "x"}, config=c, base="smoke-tbptt")  # a papers PlanEntry
    plan = C.as_plan([a, ({"neuron": "clif"}, b), ({"again": 1}, a), entry])
    assert [p.config for p in plan] == [a, b, c]
    assert plan[1].labels == {"neuron": "clif"} and plan[0].labels == {} and plan[2].labels == {"family": "x"}
    with pytest.raises(TypeError, match="RunConfig"):
        C.as_plan(["smoke-lif"])


# ------------------------------------------------------------------------------------------------ targets
def test_resolve_config_family_and_name():
    fam = L.resolve("smoke-*lif")
    assert sorted(p.config.name for p in fam) == ["smoke-clif", "smoke-glif", "smoke-ilif", "smoke-klif", "smoke-lif",
                                                 "smoke-plif"]
    one = L.resolve("smoke-tbptt", sets={"epochs": 3, "neuron_params.tau": 1.5})
    assert len(one) == 1 and one[0].config.epochs == 3 and one[0].config.neuron_params["tau"] == 1.5
    with pytest.raises(ValueError, match="no registered config matches"):
        L.resolve("nothing-like-this-*")
    with pytest.raises(ValueError, match="not a config family"):
        L.resolve("nosuchpaper")


@pytest.fixture
def fake_papers(monkeypatch):
    """A fake ``snnlab.papers`` package with one paper module that has ``plan`` and one that has not."""
    calls = []
    pkg = types.ModuleType("snnlab.papers")
    pkg.__path__ = []
    good = types.ModuleType("snnlab.papers.fakepaper")

    def plan(profile, notebook=None):
        calls.append((profile, notebook))
        base = get("smoke-lif").replace(name="fake-lif")
        runs = [({"tau": t}, base.replace(**{"neuron_params.tau": t})) for t in (1.5, 2.0)]
        if notebook is None:
            return runs + [base.replace(seed=7)]
        if notebook == "02_tau":
            return runs + [runs[0]]  # a duplicate is launched once
        raise KeyError(f"fakepaper has no notebook {notebook!r}")

    good.plan = plan
    bad = types.ModuleType("snnlab.papers.noplan")
    monkeypatch.setitem(sys.modules, "snnlab.papers", pkg)
    monkeypatch.setitem(sys.modules, "snnlab.papers.fakepaper", good)
    monkeypatch.setitem(sys.modules, "snnlab.papers.noplan", bad)
    return calls


def test_resolve_paper_and_notebook_through_the_plan_protocol(fake_papers):
    paper = L.resolve("fakepaper", profile="smoke")
    assert [p.config.neuron_params.get("tau") for p in paper[:2]] == [1.5, 2.0] and paper[2].config.seed == 7
    assert paper[0].labels == {"tau": 1.5}
    nb = L.resolve("notebooks/fakepaper/02_tau.ipynb", profile="quick")
    assert len(nb) == 2 and [p.labels for p in nb] == [{"tau": 1.5}, {"tau": 2.0}]
    assert L.resolve("fakepaper/02_tau")[0].config == nb[0].config
    assert fake_papers == [("smoke", None), ("quick", "02_tau"), ("paper", "02_tau")]
    with pytest.raises(KeyError, match="no notebook"):
        L.resolve("notebooks/fakepaper/09_none.ipynb")
    with pytest.raises(ValueError, match=r"snnlab.papers.noplan has no plan\(profile, notebook=None\)"):
        L.resolve("noplan")
    with pytest.raises(ValueError, match="notebook target .*no paper module snnlab.papers.otherpaper"):
        L.resolve("notebooks/otherpaper/01_x.ipynb")


def test_cli_reports_a_bad_target_in_one_line(capsys):
    assert cli.main(["status", "nothing-like-this-*"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: no registered config matches")


# ------------------------------------------------------------------------------------------------ SLURM
def _script(path: Path, text: str) -> None:
    path.write_text("#!/bin/sh\n" + text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


@pytest.fixture
def fake_slurm(tmp_path, monkeypatch):
    """``sbatch`` that records the script it is given and answers with job 4242; ``srun`` (submitit checks that it
    exists); ``squeue`` that prints $FAKE_SQUEUE."""
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    cap = tmp_path / "sbatch"
    cap.mkdir()
    _script(bin_ / "sbatch", f'n=$(ls {cap} | grep -c script)\ncp "$1" {cap}/script$n.sh\necho "$@" > {cap}/args$n\n'
                             'echo "Submitted batch job 4242"\n')
    _script(bin_ / "srun", "exit 0\n")
    _script(bin_ / "squeue", 'printf "%b" "$FAKE_SQUEUE"\n')
    monkeypatch.setenv("PATH", f"{bin_}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_SQUEUE", "")
    return cap


def test_slurm_array_is_what_the_options_ask_for(fake_slurm, tmp_path, monkeypatch, capsys):
    out = tmp_path / "runs"
    yaml_cfg = tmp_path / "launch.yaml"
    yaml_cfg.write_text("partition: short\naccount: proj\nmem: 64GB\nsetup:\n  - module load cuda\n"
                        "sbatch:\n  mail-type: FAIL\n")
    argv = ["launch", "smoke-*lif", "--launcher", "slurm", "--config", str(yaml_cfg), "--partition", "gpu",
            "--time", "1-00:00:00", "--cpus-per-task", "8", "--gpus-per-run", "2", "--parallel", "2",
            "--out", str(out)]
    assert cli.main(argv) == 0
    printed = capsys.readouterr().out
    assert "submitted SLURM array job 4242 (6 tasks, at most 2 at once)" in printed
    script = (fake_slurm / "script0.sh").read_text()
    lines = set(script.splitlines())
    for flag in ("--partition=gpu", "--account=proj", "--mem=64G", "--time=1440", "--cpus-per-task=8",
                 "--gpus-per-node=2", "--array=0-5%2", "--nodes=1", "--ntasks-per-node=1", "--signal=USR2@120",
                 "--job-name=snnlab-smoke-lif", "--mail-type=FAIL"):
        assert f"#SBATCH {flag}" in lines, (flag, script)
    assert "module load cuda" in lines
    folder = next((out / C.LAUNCH_DIR).iterdir())
    cmd = [ln for ln in script.splitlines() if ln.startswith("srun ")]
    assert len(cmd) == 1 and cmd[0].endswith(f"-u -m submitit.core._submit {folder}")
    assert f"--output {folder}/%A_%a_%t_log.out" in cmd[0]
    # one pickled task per run: the campaign job with 2 GPUs (torchrun) and that run's config
    from submitit.core.utils import DelayedSubmission

    plan = L.resolve("smoke-*lif")
    got = []
    for i in range(6):
        ds = DelayedSubmission.load(folder / f"4242_{i}_submitted.pkl")
        assert isinstance(ds.function, C.CampaignJob) and ds.function.gpus_per_run == 2
        assert ds.function.out == str(out)
        (cfgs,) = ds.args
        assert len(cfgs) == 1
        got.append(RunConfig.from_dict(cfgs[0]))
        rec = json.loads((run_dir_for(got[-1], out) / "launch.json").read_text())
        assert rec["job_id"] == f"4242_{i}" and rec["launcher"] == "slurm" and rec["argv"][3:] == argv
    assert got == [p.config for p in plan]
    # the queue says: task 0 runs, task 1 waits, the others have left it; task 2 failed (marker), 3 died after
    # starting (log tail), 4 finished, 5 never started
    monkeypatch.setenv("FAKE_SQUEUE", "4242_0|RUNNING\\n4242_1|PENDING\\n999|RUNNING\\n")
    d = [run_dir_for(c, out) for c in got]
    (d[2] / "failed.json").write_text(json.dumps({"error": "TrainingDiverged: loss is nan at epoch 3"}))
    (d[3] / "job.json").write_text("{}")
    Path(json.loads((d[3] / "launch.json").read_text())["stderr"]).parent.mkdir(parents=True, exist_ok=True)
    Path(json.loads((d[3] / "launch.json").read_text())["stderr"]).write_text(
        "epoch 1/1 ...\nslurmstepd: error: *** JOB 4242 ON n1 CANCELLED DUE TO TIME LIMIT ***\n")
    (d[4] / "summary.json").write_text(json.dumps({"config_hash": got[4].hash(), "best_test_acc": 0.5}))
    st = C.status(plan, out=out)
    assert list(st.table["state"]) == ["running", "queued", "failed", "failed", "done", "not started"]
    assert st.table["detail"][2] == "TrainingDiverged: loss is nan at epoch 3"
    assert "CANCELLED DUE TO TIME LIMIT" in st.table["detail"][3]
    assert st.relaunch.startswith("python -m snnlab launch 'smoke-*lif' --launcher slurm --config")
    assert st.relaunch.endswith("--out " + str(out) + " --failed-only")
    # a relaunch with --failed-only submits exactly the two failed runs, as a 2-task array
    assert cli.main(argv + ["--failed-only"]) == 0
    assert "#SBATCH --array=0-1%2" in (fake_slurm / "script1.sh").read_text()


def test_slurm_dry_run_prints_the_script_and_submits_nothing(fake_slurm, tmp_path, capsys):
    out = tmp_path / "runs"
    assert cli.main(["launch", "smoke-tbptt", "--launcher", "slurm", "--gres", "gpu:a100:1", "--time", "90m",
                     "--qos", "high", "--dry-run", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "#SBATCH --gres=gpu:a100:1" in text and "--gpus-per-node" not in text and "#SBATCH --time=90" in text
    assert "#SBATCH --qos=high" in text and "--array" not in text  # one run: a plain job
    assert f"-m snnlab train {run_dir_for(get('smoke-tbptt'), out)}/config.json --out {out}" in text
    assert not list(fake_slurm.iterdir()) and not out.exists()


# ------------------------------------------------------------------------------------------------ status
def _fake_run(out: Path, cfg: RunConfig, epoch_seconds, done=False) -> Path:
    d = run_dir_for(cfg, out)
    d.mkdir(parents=True)
    (d / "metrics.jsonl").write_text("".join(json.dumps({"epoch": i, "seconds": s - 1.0, "eval_seconds": 1.0}) + "\n"
                                             for i, s in enumerate(epoch_seconds)))
    if done:
        (d / "summary.json").write_text(json.dumps({"config_hash": cfg.hash(), "best_test_acc": 0.25}))
    return d


def test_status_gpu_hours_from_measured_epochs(tmp_path):
    out = tmp_path / "runs"
    base = get("smoke-lif").replace(epochs=10)
    done, part, same, other = (base.replace(seed=1), base.replace(seed=2), base.replace(seed=3),
                               base.replace(T=3, seed=4))
    _fake_run(out, done, [100.0] * 10, done=True)
    _fake_run(out, part, [300.0, 500.0])  # 2 of 10 epochs, 400 s each: 8 left
    plan = [({"seed": 1}, done), ({"seed": 2}, part), ({"seed": 3}, same), ({"seed": 4}, other)]
    st = C.status(plan, out=out)
    assert list(st.table["state"]) == ["done", "not started", "not started", "not started"]
    assert list(st.table["epoch"]) == ["10/10", "2/10", "0/10", "0/10"]
    # own speed: 8 x 400 s; same shape: mean of the measured runs (100 and 400 s/epoch) x 10 epochs; T=3 unknown
    expect = [0.0, 8 * 400 / 3600, 10 * 250 / 3600, None]
    for got, want in zip(st.table["gpu_h_left"], expect):
        assert (got is None or got != got) if want is None else got == pytest.approx(want, abs=1e-3)
    assert st.gpu_hours_left == pytest.approx(8 * 400 / 3600 + 10 * 250 / 3600)
    assert st.unknown_runs == 1 and st.relaunch is None and not st.complete
    assert list(st.table.columns[:1]) == ["seed"]
    text = str(st)
    assert "4 runs: 1 done, 3 not started" in text
    assert "expected GPU hours left: 1.58 + 1 runs of unknown duration" in text
    # 4 GPUs per run (DDP): the measured wall seconds count 4 times
    assert C.status(plan, out=out, gpus_per_run=4).gpu_hours_left == pytest.approx(4 * st.gpu_hours_left)


def test_status_sees_a_held_trainer_lock_as_running(tmp_path):
    from snnlab.experiments.runs import train_lock_path
    from snnlab.fileio import file_lock

    out = tmp_path / "runs"
    cfg = get("smoke-lif")
    with file_lock(train_lock_path(run_dir_for(cfg, out))):
        assert C.status([cfg], out=out).table["state"][0] == "running"
    assert C.status([cfg], out=out).table["state"][0] == "not started"


def test_job_records_a_failing_torchrun_child(tmp_path):
    """A multi-GPU run goes through torchrun; a fake ``python`` stands in for it (it cannot run here): the job holds
    the run's lock while the child runs and records the child's error line when it fails."""
    out = tmp_path / "runs"
    cfg = get("smoke-lif").replace(seed=11)
    d = run_dir_for(cfg, out)
    fake = tmp_path / "fakepython"
    probe = tmp_path / "argv"
    _script(fake, f'echo "$@" > {probe}\n'
                  f'{PY} -c "import sys; from snnlab.experiments.campaign import _lock_held; '
                  f"from pathlib import Path; sys.exit(0 if _lock_held(Path('{d.parent}/.{d.name}.train.lock')) "
                  'else 3)" || exit 3\n'
                  'echo "Traceback (most recent call last):" >&2\n'
                  'echo "ValueError: RunConfig.T must be a positive int, got 0" >&2\n'
                  'echo "[torchrun] child exited" >&2\nexit 1\n')
    job = C.CampaignJob(out, gpus_per_run=2, python=str(fake))
    with pytest.raises(RuntimeError, match="1 of 1 runs failed"):
        job([cfg.to_dict()])
    assert probe.read_text().split() == C.torchrun_command(d, out, 2, python=str(fake))[1:]
    err = json.loads((d / "failed.json").read_text())["error"]
    assert err == "RuntimeError: torchrun exited with status 1: ValueError: RunConfig.T must be a positive int, got 0"
    assert C.status([cfg], out=out).table["state"][0] == "failed"
    assert RunConfig.from_json((d / "config.json").read_text()) == cfg


# ------------------------------------------------------------------------------------------------ local campaign
def _wait_for(pred, timeout=120.0, what=""):
    t0 = time.time()
    while not pred():
        if time.time() - t0 > timeout:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def _pid(d: Path) -> int:
    return json.loads((d / "job.json").read_text())["pid"]


_TIMING = {"seconds", "samples_per_s", "eval_seconds"}


def _same_run(a: Path, b: Path) -> None:
    ma = torch.load(a / "model_final.pt", weights_only=False)["model"]
    mb = torch.load(b / "model_final.pt", weights_only=False)["model"]
    assert ma.keys() == mb.keys()
    for k in ma:
        assert torch.equal(ma[k], mb[k]), k
    rows = [[{k: v for k, v in json.loads(x).items() if k not in _TIMING} for x in p.read_text().splitlines()]
            for p in (a / "metrics.jsonl", b / "metrics.jsonl")]
    assert rows[0] == rows[1]
    sa, sb = (json.loads((p / "summary.json").read_text()) for p in (a, b))
    for k in ("best_test_acc", "best_epoch", "final_test_acc", "final_train_loss", "firing_rates"):
        assert sa[k] == sb[k], k


@pytest.mark.slow  # 60-90 s on the shared 2-core VM
def test_local_campaign_survives_preemption_and_a_kill(tmp_path, threads1):
    """Three runs on two lanes through submitit's LocalExecutor, pinned to "GPUs" 5 and 6 (CUDA_VISIBLE_DEVICES; no
    CUDA here, so they train on the CPU). Lane 0's job gets submitit's preemption signal
    mid-run: it is requeued and resumes from its checkpoint. Lane 1's job is SIGKILLed mid-run: status shows the
    run failed and prints the relaunch command; the relaunch resumes it. Every run ends bit-identical to a run
    trained directly."""
    out, ref = tmp_path / "runs", tmp_path / "ref"
    base = get("smoke-lif").replace(name="camp-lif", epochs=3, train_subset=256, max_steps_per_epoch=None,
                                    checkpoint_every=2, num_threads=1)
    plan = [({"seed": 0}, base), ({"seed": 1}, base.replace(seed=1)),
            ({"seed": 0}, get("smoke-tbptt").replace(epochs=2, num_threads=1))]
    opts = C.LaunchOptions(launcher="local", gpus_per_run=1, gpus=(5, 6))
    argv = ["python", "-m", "snnlab", "launch", "camp", "--launcher", "local", "--gpus", "5,6"]
    res = C.launch(plan, opts, out=out, argv=argv, stream=io.StringIO())
    assert res.assignment == [[plan[0][1].run_name, plan[2][1].run_name], [plan[1][1].run_name]]
    d = [run_dir_for(c, out) for _, c in plan]
    # preempt lane 0 once its first run has checkpointed (mid-epoch, every 2 steps) and is not finished
    _wait_for(lambda: (d[0] / "checkpoint.pt").exists(), what="a checkpoint of run 0")
    assert not (d[0] / "summary.json").exists()
    os.kill(_pid(d[0]), signal.SIGUSR2)
    # kill lane 1 hard once its run has checkpointed
    _wait_for(lambda: (d[1] / "checkpoint.pt").exists(), what="a checkpoint of run 1")
    assert not (d[1] / "summary.json").exists()
    os.kill(_pid(d[1]), signal.SIGKILL)
    st = res.wait(out=out, poll_s=0.5, timeout_s=600)
    assert list(st.table["state"]) == ["done", "failed", "done"], str(st)
    assert "ended before the run finished" in st.table["detail"][1]
    assert [json.loads((x / "job.json").read_text())["cuda_visible_devices"] for x in d] == ["5", "6", "5"]
    assert st.relaunch == "python -m snnlab launch camp --launcher local --gpus 5,6 --failed-only"
    out0 = Path(json.loads((d[0] / "launch.json").read_text())["stdout"]).read_text()
    err0 = Path(json.loads((d[0] / "launch.json").read_text())["stderr"]).read_text()
    assert "Requeued job" in out0 and f"resuming {d[0].name} at epoch" in err0
    # the relaunch (what st.relaunch runs) submits only the failed run and resumes it
    res2 = C.launch(plan, opts, out=out, failed_only=True, argv=argv, stream=io.StringIO())
    assert [p.name for p in res2.submitted] == [d[1].name]
    st2 = res2.wait(out=out, poll_s=0.5, timeout_s=600)
    assert st2.complete
    err1 = Path(json.loads((d[1] / "launch.json").read_text())["stderr"]).read_text()
    assert f"resuming {d[1].name} at epoch" in err1
    assert C.status(plan, out=out).complete
    # a third launch finds nothing to do
    assert C.launch(plan, opts, out=out, stream=io.StringIO()).submitted == []
    for _, cfg in plan:
        run(cfg, out=ref)
        _same_run(run_dir_for(cfg, out), run_dir_for(cfg, ref))


def test_launch_config_file_is_checked(tmp_path):
    f = tmp_path / "launch.yaml"
    f.write_text("partition: gpu\ntime: 2-00:00:00\ngpus-per-run: 4\n")
    assert C.load_launch_config(f) == {"partition": "gpu", "time_min": 2880, "gpus_per_run": 4}
    f.write_text("partitoin: gpu\n")
    with pytest.raises(ValueError, match="unknown launch option 'partitoin'"):
        C.load_launch_config(f)
    with pytest.raises(FileNotFoundError):
        C.load_launch_config(tmp_path / "missing.yaml")


def test_local_lanes_split_the_gpus(tmp_path, capsys):
    out = tmp_path / "runs"
    assert cli.main(["launch", "smoke-*lif", "--launcher", "local", "--gpus", "0,1,2,3", "--gpus-per-run", "2",
                     "--dry-run", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "would start 2 local process(es):" in text and "  GPU 0,1: " in text and "  GPU 2,3: " in text
    assert text.count("-m torch.distributed.run --standalone --nnodes 1 --nproc_per_node 2 -m snnlab train") == 6
    with pytest.raises(ValueError, match="--gpus-per-run 4 but this machine shows 2 GPU"):
        C.launch(L.resolve("smoke-lif"), C.LaunchOptions(gpus=(0, 1), gpus_per_run=4), out=out, dry_run=True,
                 stream=io.StringIO())



def test_status_without_a_queue_to_ask_assumes_the_job_lives(tmp_path, monkeypatch):
    """Seen from a machine without squeue, a SLURM run counts as queued (or running once it has started), so a
    launch from there does not submit it a second time."""
    out = tmp_path / "runs"
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    cfg = get("smoke-lif")
    d = run_dir_for(cfg, out)
    d.mkdir(parents=True)
    (d / "launch.json").write_text(json.dumps({"launcher": "slurm", "job_id": "77_3", "host": "login1"}))
    st = C.status([cfg], out=out)
    assert st.table["state"][0] == "queued" and "cannot be checked" in st.table["detail"][0]
    (d / "checkpoint.pt").write_bytes(b"")
    assert C.status([cfg], out=out).table["state"][0] == "running"
    assert C.launch([cfg], C.LaunchOptions(launcher="slurm"), out=out, stream=io.StringIO()).submitted == []


@pytest.mark.slow  # ~40 s here: torchrun starts two processes
def test_a_run_asking_for_two_devices_trains_under_torchrun(tmp_path):
    """The real torchrun path, with two CPU processes (gloo) standing in for two GPUs."""
    out = tmp_path / "runs"
    cfg = get("smoke-lif").replace(num_threads=1, seed=3)
    got = C.CampaignJob(out, gpus_per_run=2)([cfg.to_dict()])
    summary = json.loads((run_dir_for(cfg, out) / "summary.json").read_text())
    assert summary["world_size"] == 2 and summary["config_hash"] == cfg.hash()
    assert got == {cfg.run_name: {"best_test_acc": summary["best_test_acc"],
                                  "final_test_acc": summary["final_test_acc"]}}
    assert C.status([cfg], out=out).complete


def test_status_estimates_paper_runs_from_h200_step_times(tmp_path):
    """Before any run of a paper campaign has measured an epoch, its hours come from the step times measured on
    an H200 (snnlab.experiments.gpu_hours), reported apart from measured ones; a non-paper run stays unknown."""
    from snnlab.experiments import gpu_hours

    gpu_hours.measurements.cache_clear()
    paper = [({"neuron": n}, get(f"clif-cifar10-resnet18-{n}-T6")) for n in ("lif", "clif")]
    st = C.status(paper + [({"neuron": "smoke"}, get("smoke-lif"))], out=tmp_path / "runs")
    want = [gpu_hours.estimate(cfg)["hours"] for _, cfg in paper]
    assert all(w is not None and w > 0 for w in want)
    assert st.estimated_runs == 2 and st.estimated_hours == pytest.approx(sum(want))
    assert st.gpu_hours_left == 0.0 and st.unknown_runs == 1
    assert list(st.table["gpu_h_from"]) == ["H200 estimate", "H200 estimate", ""]
    assert f"expected GPU hours left: {sum(want):.1f}, estimated from H200 step times (2 runs" in str(st)
    assert "+ 1 runs of unknown duration" in str(st)
