"""Settings: defaults, file and environment overrides, and errors that name the key."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from meeting_server.settings import DEFAULTS_FILE, Settings, SettingsError, load_settings


def test_defaults_file_matches_the_typed_defaults() -> None:
    assert load_settings(environ={}) == Settings()
    assert DEFAULTS_FILE.name == "defaults.toml"


def test_file_then_environment(tmp_path: Path) -> None:
    f = tmp_path / "site.toml"
    f.write_text('[server]\nport = 9001\nhost = "0.0.0.0"\n[store]\ndata_dir = "/srv/gongzhi"\n')
    s = load_settings(f, {"GONGZHI_SERVER__PORT": "9002"})
    assert (s.server.port, s.server.host, s.store.data_dir) == (9002, "0.0.0.0", "/srv/gongzhi")
    s = load_settings(environ={"GONGZHI_CONFIG": str(f)})
    assert s.server.port == 9001


@pytest.mark.parametrize(
    ("toml", "env", "key"),
    [
        ("[server]\nprot = 1\n", {}, "server.prot"),
        ("[sever]\nport = 1\n", {}, "sever"),
        ('[server]\nport = "80"\n', {}, "server.port"),
        ("[server]\nhost = 5\n", {}, "server.host"),
        ("", {"GONGZHI_SERVER__PORT": "eighty"}, "server.port"),
        ("", {"GONGZHI_STORE__DATADIR": "/x"}, "store.datadir"),
        ("", {"GONGZHI_PORT": "1"}, "GONGZHI_PORT"),
        ("[limits]\ncommands_burst = 0\n", {}, "commands_burst"),
        ('[limits]\ntrusted_proxies = ["nginx.local"]\n', {}, "trusted_proxies"),
        ("", {"GONGZHI_LIMITS__CONNECTIONS_PER_ADDRESS": "-1"}, "connections_per_address"),
        ("[uploads]\nmib_per_address = 5\n", {}, "mib_per_address"),  # under the largest upload
        ("[live]\ncamera_fps = 15\n", {}, "camera_fps"),  # odd: no frame at every part's start
        ("", {"GONGZHI_LIVE__CAMERA_FPS": "60"}, "camera_fps"),
        ('[asr]\nnumbers = "arabic"\n', {}, "asr.numbers"),
        ("", {"GONGZHI_ASR__NUMBERS": "Spoken"}, "asr.numbers"),
    ],
)
def test_errors_name_the_key(tmp_path: Path, toml: str, env: dict[str, str], key: str) -> None:
    f = tmp_path / "bad.toml"
    f.write_text(toml)
    with pytest.raises(SettingsError) as e:
        load_settings(f, env)
    assert key in str(e.value)


def test_missing_or_broken_file(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="not found"):
        load_settings(tmp_path / "nope.toml", {})
    f = tmp_path / "broken.toml"
    f.write_text("[server\n")
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings(f, {})


def test_every_setting_is_documented_in_the_defaults_file() -> None:
    """config/defaults.toml is the one documented list: each key of each section is there (a commented
    ``# key = …`` line where the default is not a literal, e.g. a long built-in list)."""
    text = DEFAULTS_FILE.read_text("utf-8")
    missing = []
    for section in dataclasses.fields(Settings):
        match = re.search(rf"^\[{section.name}\]\n(.*?)(?=^\[|\Z)", text, re.S | re.M)
        body = match.group(1) if match else ""
        for field in dataclasses.fields(getattr(Settings(), section.name)):
            if not re.search(rf"^#?\s*{field.name}\s*=", body, re.M):
                missing.append(f"{section.name}.{field.name}")
    assert not missing
