"""``python -m asr`` reads the server's settings (file, GONGZHI_* environment) and flags override them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from asr.__main__ import build_parser, load
from meeting_server.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def settings_of(argv: list[str], environ: dict[str, str]) -> Settings:
    return load(build_parser().parse_args(argv), environ)


def site_file(tmp_path: Path) -> Path:
    f = tmp_path / "site.toml"
    f.write_text(
        '[redis]\nurl = "redis://file:6379/0"\n'
        '[asr]\nmodel_dir = "/models/small"\nnum_workers = 2\nbeam_size = 3\nlanguage = "yue"\n'
        "[asr_worker]\nmax_jobs = 6\nclaim_idle_s = 8.0\n"
    )
    return f


ENV = {
    "GONGZHI_REDIS__URL": "redis://env:6379/1",
    "GONGZHI_ASR__DEVICE": "cuda",
    "GONGZHI_ASR__COMPUTE_TYPE": "float16",
    "GONGZHI_ASR_WORKER__HEARTBEAT_S": "0.5",
    "GONGZHI_ASR_WORKER__NAME": "gpu-box",
}


def test_no_flag_masks_a_setting() -> None:
    assert settings_of(["worker"], {}) == Settings()
    assert settings_of(["transcribe", "x.wav"], {}) == Settings()


def test_the_worker_reads_the_config_file_and_the_environment(tmp_path: Path) -> None:
    f = site_file(tmp_path)
    for argv, env in ((["worker", "--config", str(f)], ENV), (["worker"], {**ENV, "GONGZHI_CONFIG": str(f)})):
        s = settings_of(argv, env)
        assert s.redis.url == "redis://env:6379/1"  # the environment over the file
        assert (s.asr.model_dir, s.asr.num_workers, s.asr.device, s.asr.compute_type) == (
            "/models/small",
            2,
            "cuda",
            "float16",
        )
        assert (s.asr.beam_size, s.asr.language) == (3, "yue")
        assert s.asr_worker.max_jobs == 6 and s.asr_worker.claim_idle_s == 8.0
        assert s.asr_worker.heartbeat_s == 0.5 and s.asr_worker.name == "gpu-box"


def test_flags_override_settings(tmp_path: Path) -> None:
    f = site_file(tmp_path)
    argv = ["worker", "--config", str(f), "--redis-url", "redis://flag:6379/2", "--model-dir", "/m/large"]
    argv += ["--device", "cpu", "--compute-type", "int8", "--threads", "4", "--cpu-threads", "3"]
    argv += ["--name", "w9", "--max-jobs", "1", "--claim-idle", "9", "--heartbeat", "2"]
    s = settings_of(argv, ENV)
    assert s.redis.url == "redis://flag:6379/2"
    assert (s.asr.model_dir, s.asr.device, s.asr.compute_type, s.asr.num_workers, s.asr.cpu_threads) == (
        "/m/large",
        "cpu",
        "int8",
        4,
        3,
    )
    assert (s.asr_worker.name, s.asr_worker.max_jobs) == ("w9", 1)
    assert (s.asr_worker.claim_idle_s, s.asr_worker.heartbeat_s) == (9.0, 2.0)
    assert (s.asr.beam_size, s.asr.language) == (3, "yue")  # no flag for these: the file's values stay
    t = settings_of(["transcribe", "x.wav", "--config", str(f), "--model-dir", "/m/tiny"], ENV)
    assert (t.asr.model_dir, t.asr.device, t.asr.beam_size) == ("/m/tiny", "cuda", 3)


def run_worker(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GONGZHI_")}
    return subprocess.run(
        [sys.executable, "-m", "asr", "worker", *args],
        env={**clean, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_worker_process_takes_its_model_from_the_environment(tmp_path: Path) -> None:
    # the model is loaded before Redis is contacted: a missing one ends the worker at once
    done = run_worker(
        {"GONGZHI_REDIS__URL": "redis://127.0.0.1:1/0", "GONGZHI_ASR__MODEL_DIR": str(tmp_path)}
    )
    assert done.returncode == 2
    assert str(tmp_path) in done.stderr and "model.bin" in done.stderr


def test_the_worker_process_refuses_a_bad_configuration(tmp_path: Path) -> None:
    done = run_worker({})
    assert done.returncode == 2 and "GONGZHI_REDIS__URL" in done.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text("[asr_worker]\nmax_job = 2\n")
    done = run_worker({"GONGZHI_REDIS__URL": "redis://127.0.0.1:1/0"}, "--config", str(bad))
    assert done.returncode == 2 and "asr_worker.max_job" in done.stderr
    done = run_worker({"GONGZHI_REDIS__URL": "redis://127.0.0.1:1/0", "GONGZHI_ASR_WORKER__HEARTBEAT_S": "9"})
    assert done.returncode == 2 and "heartbeat_s" in done.stderr
