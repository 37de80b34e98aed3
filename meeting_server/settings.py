"""One typed settings object, read once at start-up.

Defaults live in ``config/defaults.toml`` (documented there). A user TOML file and
``GONGZHI_<SECTION>__<KEY>`` environment variables override them. Unknown keys and ill-typed values
raise ``SettingsError`` naming the key. Only the CLI hands ``os.environ`` in; nothing else reads it.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import tomllib
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Union, get_args, get_origin, get_type_hints

from asr.settings import AsrSettings, AsrWorkerSettings, HallAsrSettings

DEFAULTS_FILE = Path(__file__).resolve().parent.parent / "config" / "defaults.toml"
ENV_PREFIX = "GONGZHI_"


class SettingsError(Exception):
    """A configuration problem; the message names the offending key."""


@dataclasses.dataclass(frozen=True)
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str = ""
    admin_token: str = ""
    secret_key: str = ""
    ballot_key: str = ""
    link_ttl_hours: int = 168
    staff_session_hours: int = 12
    topics_link_days: int = 365
    execution_link_days: int = 730
    max_message_bytes: int = 16384
    tls_cert: str = ""
    tls_key: str = ""


@dataclasses.dataclass(frozen=True)
class StoreSettings:
    data_dir: str = "./data"
    replay_limit: int = 2000
    stats_refresh_s: float = 5.0


@dataclasses.dataclass(frozen=True)
class RedisSettings:
    url: str = ""


@dataclasses.dataclass(frozen=True)
class WebRtcSettings:
    host_addresses: tuple[str, ...] = ("127.0.0.1",)
    ice_servers: tuple[str, ...] = ()
    ice_username: str = ""
    ice_credential: str = ""
    turn_secret: str = ""
    turn_ttl_s: float = 43200.0
    max_connections: int = 40
    connect_timeout_s: float = 30.0


@dataclasses.dataclass(frozen=True)
class LimitSettings:
    """Rate limits and connection caps at the socket edge (per server process)."""

    commands_per_s: float = 5.0
    commands_burst: int = 30
    hellos_per_s: float = 0.5
    hellos_burst: int = 10
    link_commands_per_s: float = 200.0
    link_commands_burst: int = 1000
    link_hellos_per_s: float = 100.0
    link_hellos_burst: int = 2000
    link_joins_per_s: float = 5.0
    link_joins_burst: int = 500
    connections_per_link: int = 500
    connections_per_observer_link: int = 5000
    connections_per_address: int = 200
    connects_per_address_per_s: float = 20.0
    connects_per_address_burst: int = 300
    pending_per_address: int = 50
    trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, int | float) and value <= 0:
                raise ValueError(f"{f.name} must be positive")
        for address in self.trusted_proxies:
            try:
                ipaddress.ip_address(address)
            except ValueError:
                raise ValueError(f"trusted_proxies: {address!r} is not an IP address") from None


@dataclasses.dataclass(frozen=True)
class UploadSettings:
    """Upload quotas (photos, attachments): per uploader and per address in a sliding window, and a daily
    byte budget per community (in Redis in scale-out, else per server process)."""

    window_s: float = 600.0
    uploads_per_link: int = 40
    mib_per_link: float = 120.0
    uploads_per_address: int = 20
    mib_per_address: float = 60.0
    community_mib_per_day: float = 500.0

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            if getattr(self, f.name) <= 0:
                raise ValueError(f"{f.name} must be positive")
        # The largest single upload (a 10 MB research attachment) must fit in every byte budget.
        for name in ("mib_per_link", "mib_per_address", "community_mib_per_day"):
            if getattr(self, name) < 10:
                raise ValueError(f"{name} must be at least 10 (the largest upload)")


@dataclasses.dataclass(frozen=True)
class MediaSettings:
    captions: bool = True
    record: bool = True
    live_audio: bool = True
    live_bitrate: int = 32000


@dataclasses.dataclass(frozen=True)
class LiveSettings:
    enabled: bool = True
    idle_minutes: float = 10.0
    rtmp_url: str = ""  # also push the livestream there (rtmp:// or rtmps://), "" for none
    camera_fps: int = 12  # the livestream's frame rate while the hall camera sends (the card stays at 2)

    def __post_init__(self) -> None:
        if not 0.1 <= self.idle_minutes <= 24 * 60:
            raise ValueError("idle_minutes must be 0.1 to 1440 minutes")
        # A frame must start every 0.5 s part (and the card's 2 fps must divide it).
        if not 2 <= self.camera_fps <= 30 or self.camera_fps % 2:
            raise ValueError("camera_fps must be an even number from 2 to 30")
        if self.rtmp_url and not self.rtmp_url.startswith(("rtmp://", "rtmps://")):
            raise ValueError("rtmp_url must start with rtmp:// or rtmps://")


@dataclasses.dataclass(frozen=True)
class MinutesSettings:
    font: str = ""
    backend: str = "extractive"
    model_dir: str = ""
    max_new_tokens: int = 64
    draft_grace_s: float = 2.0

    def __post_init__(self) -> None:
        if self.backend not in ("extractive", "abstractive"):
            raise ValueError("backend must be 'extractive' or 'abstractive'")
        if self.backend == "abstractive" and not self.model_dir:
            raise ValueError("the abstractive backend needs model_dir (a local model directory)")


@dataclasses.dataclass(frozen=True)
class MeetingRulesSettings:
    presence_grace_s: float = 45.0
    places: tuple[str, ...] = ()  # caption hot words: "名" for all meetings, "<community id>:名" for one

    def __post_init__(self) -> None:
        if not 1 <= self.presence_grace_s <= 3600:
            raise ValueError("presence_grace_s must be 1 to 3600 seconds")


@dataclasses.dataclass(frozen=True)
class Settings:
    server: ServerSettings = dataclasses.field(default_factory=ServerSettings)
    store: StoreSettings = dataclasses.field(default_factory=StoreSettings)
    redis: RedisSettings = dataclasses.field(default_factory=RedisSettings)
    webrtc: WebRtcSettings = dataclasses.field(default_factory=WebRtcSettings)
    limits: LimitSettings = dataclasses.field(default_factory=LimitSettings)
    uploads: UploadSettings = dataclasses.field(default_factory=UploadSettings)
    media: MediaSettings = dataclasses.field(default_factory=MediaSettings)
    live: LiveSettings = dataclasses.field(default_factory=LiveSettings)
    asr: AsrSettings = dataclasses.field(default_factory=AsrSettings)
    asr_hall: HallAsrSettings = dataclasses.field(default_factory=HallAsrSettings)
    asr_worker: AsrWorkerSettings = dataclasses.field(default_factory=AsrWorkerSettings)
    minutes: MinutesSettings = dataclasses.field(default_factory=MinutesSettings)
    meeting: MeetingRulesSettings = dataclasses.field(default_factory=MeetingRulesSettings)

    @property
    def data_dir(self) -> Path:
        return Path(self.store.data_dir).expanduser().resolve()

    def with_overrides(self, **sections: Mapping[str, Any]) -> Settings:
        """A copy with some keys replaced (tests, CLI flags): ``with_overrides(server={"port": 0})``."""
        settings: Settings = _build(Settings, _merge(dataclasses.asdict(self), sections), "")
        return settings


def load_settings(
    config_file: str | Path | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Defaults, then ``config_file`` (or $GONGZHI_CONFIG), then GONGZHI_* variables from ``environ``."""
    env = dict(environ or {})
    data = _read_toml(DEFAULTS_FILE)
    path = config_file or env.get(ENV_PREFIX + "CONFIG")
    if path:
        data = _merge(data, _read_toml(Path(path)))
    data = _merge(data, _env_overrides(env))
    settings: Settings = _build(Settings, data, "")
    return settings


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise SettingsError(f"settings file not found: {path}") from None
    except tomllib.TOMLDecodeError as e:
        raise SettingsError(f"settings file {path} is not valid TOML: {e}") from None


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def _env_overrides(env: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in env.items():
        if not name.startswith(ENV_PREFIX) or name == ENV_PREFIX + "CONFIG":
            continue
        parts = name[len(ENV_PREFIX) :].lower().split("__")
        if len(parts) != 2 or not all(parts):
            raise SettingsError(f"environment variable {name}: expected {ENV_PREFIX}<SECTION>__<KEY>")
        out.setdefault(parts[0], {})[parts[1]] = _EnvString(value)
    return out


class _EnvString(str):
    """A value that came from the environment: converted to the field's type rather than type-checked."""


def _build(cls: type[Any], data: Any, where: str) -> Any:
    if not isinstance(data, Mapping):
        raise SettingsError(f"settings key {where or '<root>'}: expected a table")
    hints = get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    for key in data:
        if key not in names:
            raise SettingsError(f"unknown settings key {(where + '.' if where else '') + str(key)}")
    kwargs = {}
    for key, value in data.items():
        kwargs[key] = _convert(hints[key], value, f"{where}.{key}" if where else key)
    try:
        return cls(**kwargs)
    except ValueError as e:  # a section's own consistency checks (e.g. AsrSettings.__post_init__)
        raise SettingsError(f"settings [{where}]: {e}") from None


def _convert(tp: Any, value: Any, key: str) -> Any:
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return _build(tp, value, key)
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        opts = [o for o in get_args(tp) if o is not type(None)]
        if value is None or (isinstance(value, _EnvString) and value == ""):
            return None
        return _convert(opts[0], value, key)
    if origin is tuple:
        (item,) = get_args(tp)[:1]
        if isinstance(value, _EnvString):
            value = [_EnvString(v.strip()) for v in value.split(",") if v.strip()]
        if not isinstance(value, list | tuple):
            raise SettingsError(f"settings key {key}: expected a list, got {value!r}")
        return tuple(_convert(item, v, key) for v in value)
    if isinstance(value, _EnvString):
        return _from_env(tp, value, key)
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if tp is bool and isinstance(value, bool):
        return value
    if tp in (int, str, float) and isinstance(value, tp) and not isinstance(value, bool):
        return value
    raise SettingsError(f"settings key {key}: expected {getattr(tp, '__name__', tp)}, got {value!r}")


def _from_env(tp: Any, value: str, key: str) -> Any:
    try:
        if tp is bool:
            if value.lower() in ("1", "true", "yes", "on"):
                return True
            if value.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(value)
        if tp in (int, float, str):
            return tp(value)
    except ValueError:
        raise SettingsError(
            f"settings key {key}: expected {tp.__name__}, got {value!r} from the environment"
        ) from None
    raise SettingsError(f"settings key {key}: cannot be set from the environment")
