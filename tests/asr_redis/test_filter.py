"""The exactly-once rule for finals and the wire format (with the settings a job carries), without Redis
or a model."""

from __future__ import annotations

import json
from dataclasses import fields

import numpy as np
import pytest

from asr import redis_protocol as proto
from asr.policy import PolicyConfig
from asr.redis_service import FinalFilter
from asr.settings import ENGINE_FIELDS, STREAM_FIELDS, AsrSettings
from asr.stream import Caption, DecodeOptions

from .scripted import with_stream_fields_changed


def final(text: str, start: float, end: float) -> Caption:
    return Caption("final", text, start, end, end)


def test_new_finals_pass_and_replayed_ones_are_dropped() -> None:
    f = FinalFilter()
    first, second = final("我建议增设停车位。", 0.0, 2.92), final("每周三晚上开会。", 2.92, 5.28)
    assert f.accept(first) == first
    assert f.accept(second) == second  # adjacent: starts where the last one ended
    assert f.accept(first) is None  # a replacement worker decoding again from the start
    assert f.accept(second) is None
    assert f.accept(final("每周三晚上开会。", 2.9, 5.4)) is None  # same final, jittered timing
    third = final("下面请物业汇报。", 5.56, 9.22)
    assert f.accept(third) == third
    assert (f.skipped, f.trimmed, f.last_end) == (3, 0, 9.22)


def test_a_final_straddling_the_last_end_is_trimmed_by_its_time_share() -> None:
    f = FinalFilter()
    f.accept(final("甲乙丙丁。", 0.0, 2.0))
    # a replay segmented differently: 4 s, half of it already delivered → the first half of its text goes
    out = f.accept(final("甲乙丙丁，戊己庚辛。", 0.0, 4.0))
    assert out == Caption("final", "戊己庚辛。", 2.0, 4.0, 4.0)
    assert f.accept(final("辛。", 3.0, 3.6)) is None  # nothing new left in it
    assert f.trimmed == 1 and f.last_end == 4.0


def test_stale_partials_are_dropped_new_ones_kept() -> None:
    f = FinalFilter()
    f.accept(final("甲乙丙丁。", 0.0, 2.0))
    assert f.accept(Caption("partial", "甲乙", 0.0, 1.0, 1.0)) is None
    fresh = Caption("partial", "戊己", 2.0, 3.0, 3.0)
    assert f.accept(fresh) == fresh
    assert f.last_end == 2.0  # partials never move the mark


def test_pcm_round_trip_is_16_bit_exact() -> None:
    pcm = np.array([0.0, 0.5, -0.5, 1.0, -1.0, 1.7], dtype=np.float32)
    data = proto.encode_pcm(pcm)
    assert len(data) == 2 * len(pcm)
    np.testing.assert_allclose(proto.decode_pcm(data), np.clip(pcm, -1, 1), atol=1 / 32767)


def test_fields_are_split_between_server_and_worker_by_one_list() -> None:
    names = {f.name for f in fields(AsrSettings)}
    assert ENGINE_FIELDS < names
    assert set(STREAM_FIELDS) == names - ENGINE_FIELDS
    # what the policy and the decoder are configured with comes from the server
    assert {f.name for f in fields(PolicyConfig)} <= set(STREAM_FIELDS)
    assert {f.name for f in fields(DecodeOptions)} <= set(STREAM_FIELDS)


def test_a_job_carries_every_stream_field_and_no_engine_field() -> None:
    server = with_stream_fields_changed(AsrSettings(model_dir="/server/model", num_workers=3))
    local = with_stream_fields_changed(AsrSettings(model_dir="/worker/model", device="auto"), times=2)
    job = proto.job_fields("s1", ["东门"], True, proto.stream_settings(server))
    sent = json.loads(job["settings"])
    assert set(sent) == set(STREAM_FIELDS)
    got, unknown = proto.job_settings(local, sent)
    assert unknown == []
    for name in STREAM_FIELDS:
        assert getattr(got, name) == getattr(server, name) != getattr(local, name), name
    for name in ENGINE_FIELDS:
        assert getattr(got, name) == getattr(local, name), name


def test_a_field_not_sent_is_its_default_and_unknown_ones_are_named() -> None:
    local = with_stream_fields_changed(AsrSettings())
    got, unknown = proto.job_settings(local, {"silence_end_s": 0.8, "model_dir": "/elsewhere", "new_knob": 1})
    assert got == AsrSettings(silence_end_s=0.8)  # never the worker's own stream values
    assert unknown == ["model_dir", "new_knob"]
    with pytest.raises(ValueError, match="beam_size"):
        proto.job_settings(local, {"beam_size": 0})
    with pytest.raises(ValueError, match="JSON object"):
        proto.job_settings(local, ["silence_end_s"])


def test_caption_fields_round_trip() -> None:
    caption = Caption("final", "好。", 1.25, 2.5, 2.75)
    fields = {k.encode(): v.encode() for k, v in proto.caption_fields(caption, worker="w", pos=3.0).items()}
    assert proto.caption_from(fields) == caption
    with pytest.raises(ValueError):
        proto.caption_from({b"kind": b"done"})
