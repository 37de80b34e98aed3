"""Hot-word benchmark: recall of a meeting's names and places in captions, without and with hot words.

The dev set is the held-out clips whose sentences name a place, a building or an organisation of the
community (``DEV_SET``). Every clip is decoded through the streaming caption path twice with the same
model: once with no hot words, once with the meeting's hot-word list (``HOTWORDS``: the community's place
names, agenda titles and roster names, as ``hub.audio`` builds it; the same list for every clip, names
that are not said included). Recall = hot words said in a clip that appear verbatim in its captions
(after ``asr.text.match_form``: normalised, numbers as spoken, so "3号楼" typed by staff is found in a
caption that says "三号楼") / hot words said. ``hotword_recall_typed_digits`` is the recall with the
same list as staff might type it, digits for the numbers (3号楼, 2单元). Prints one JSON line.

``--set tts`` measures the words only the newer sources give: the places named by the community topics an
agenda deliberates and the community's place list (``[meeting] places``). Sentences that say them are
synthesised with espeak-ng (voice cmn-latn-pinyin, resampled by sox to 16 kHz; ``apt-get install
espeak-ng sox``) and decoded with the hot words ``hub.hotwords.meeting_hotwords`` builds for a meeting whose
agenda titles do not name those places: before = that meeting's list without topics and places (what the
roster and the agenda alone gave), after = with them.

    python bench/hotwords.py --clips ../shared/speech
    python bench/hotwords.py --set tts
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from asr.audio import load_audio
from asr.engine import WhisperEngine
from asr.metrics import cer
from asr.offline import stream_pcm
from asr.settings import AsrSettings
from asr.text import match_form

ROOT = Path(__file__).resolve().parent.parent

# The community, as its staff and roster would describe it (see meeting_server.hub.audio.hotwords).
HOTWORDS = (
    "阳光新城",
    "幸福路商业街",
    "东门",
    "三号楼",
    "二单元",
    "活动中心",
    "社区食堂",
    "时间银行",
    "综合养老服务中心",
    "社区卫生服务中心",
    "共享活动室",
    "街道办事处",
    "烧烤店",
    "王秀英",
    "李建国",
    "张桂芳",
)

#: ``HOTWORDS`` as staff might type them, with digits.
HOTWORDS_TYPED_DIGITS = tuple({"三号楼": "3号楼", "二单元": "2单元"}.get(w, w) for w in HOTWORDS)

# clip -> the hot words its sentence says
DEV_SET = {
    "c01.wav": ("东门",),
    "c06.wav": ("社区卫生服务中心",),
    "c11.wav": ("街道办事处",),
    "c14.wav": ("三号楼", "二单元"),
    "c29.wav": ("烧烤店",),
    "c31.wav": ("幸福路商业街",),
    "c33.wav": ("社区食堂", "活动中心"),
    "c34.wav": ("时间银行",),
    "c36.wav": ("阳光新城",),
    "c40.wav": ("综合养老服务中心",),
    "c45.wav": ("共享活动室",),
}


# --set tts: a meeting whose agenda (staff wording) links residents' topics that name the places.
TTS_AGENDA = (("电动车停放问题", "t-1"), ("老楼加装电梯", "t-2"), ("夜间照明", "t-3"))
TTS_TOPICS = {"t-1": "北苑七号楼门口电动车乱停", "t-2": "锦绣花园二期加装电梯", "t-3": "翠竹巷路灯不亮"}
TTS_PLACES = ("c-1:望江路", "c-1:梧桐广场", "c-1:锦绣花园", "c-1:北苑", "c-1:翠竹巷")
TTS_SET = {  # sentence -> the words (from the topics or the place list) it says
    "北苑七号楼门口的电动车停得太乱了": ("北苑",),
    "锦绣花园二期的老人上下楼很不方便": ("锦绣花园",),
    "翠竹巷晚上的路灯一直不亮": ("翠竹巷",),
    "望江路口早上经常堵车": ("望江路",),
    "梧桐广场跳舞的声音太大了": ("梧桐广场",),
    "我建议在翠竹巷装两个摄像头": ("翠竹巷",),
    "北苑和锦绣花园之间的小路需要修": ("北苑", "锦绣花园"),
    "周末在梧桐广场开议事会": ("梧桐广场",),
}


def tts_hotwords() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(before, after) hot words of the TTS meeting, as ``hub.audio`` builds them."""
    from asr.hotwords import clean_hotwords
    from meeting_server.core.values import AgendaItemSpec
    from meeting_server.hub.hotwords import community_places, meeting_hotwords
    from tests.core.sim import running

    sim = running(online=3, room=1)
    agenda = tuple(AgendaItemSpec(title, 10, tid) for title, tid in TTS_AGENDA)
    state = dataclasses.replace(sim.state, agenda=agenda, community_id="c-1")
    before = clean_hotwords(meeting_hotwords(state))
    after = clean_hotwords(meeting_hotwords(state, TTS_TOPICS, community_places(TTS_PLACES, "c-1")))
    return tuple(before), tuple(after)


def synthesise(folder: Path) -> dict[str, tuple[str, ...]]:
    """Write the TTS sentences as 16 kHz WAVs (and a manifest); clip name -> its words."""
    rows, out = [], {}
    for i, (text, words) in enumerate(TTS_SET.items()):
        raw, wav = folder / f"raw{i}.wav", folder / f"t{i:02d}.wav"
        subprocess.run(["espeak-ng", "-v", "cmn-latn-pinyin", "-s", "150", "-w", str(raw), text], check=True)
        subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(wav)], check=True)
        rows.append(f"{wav.name}\t{text}")
        out[wav.name] = words
    (folder / "manifest.tsv").write_text("\n".join(rows) + "\n", "utf-8")
    return out


def references(folder: Path) -> dict[str, str]:
    rows = [line.split("\t") for line in (folder / "manifest.tsv").read_text("utf-8").splitlines() if line]
    return {name: text for name, text in rows}


def run(
    engine: WhisperEngine,
    folder: Path,
    hotwords: tuple[str, ...],
    dev_set: dict[str, tuple[str, ...]] = DEV_SET,
) -> tuple[float, float, list[str]]:
    refs = references(folder)
    said = found = 0
    pairs: list[tuple[str, str]] = []
    texts = []
    for clip, words in dev_set.items():
        captions = stream_pcm(engine, load_audio(folder / clip), hotwords=hotwords)
        text = "".join(c.text for c in captions if c.kind == "final")
        texts.append(text)
        norm = match_form(text)
        said += len(words)
        found += sum(1 for w in words if match_form(w) in norm)
        pairs.append((refs[clip], text))
    return found / said, cer(pairs), texts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=Path, default=ROOT.parent / "shared" / "speech")
    parser.add_argument("--show", action="store_true", help="print the captions of each run to stderr")
    parser.add_argument("--set", choices=("clips", "tts"), default="clips")
    args = parser.parse_args()
    engine = WhisperEngine(AsrSettings())
    if args.set == "tts":
        return tts(engine, args.show)
    t0 = time.perf_counter()
    recall_before, cer_before, before = run(engine, args.clips, ())
    recall_after, cer_after, after = run(engine, args.clips, HOTWORDS)
    recall_typed, _cer, _texts = run(engine, args.clips, HOTWORDS_TYPED_DIGITS)
    if args.show:
        for clip, a, b in zip(DEV_SET, before, after, strict=True):
            print(clip, a, "|", b, file=sys.stderr)
    print(
        json.dumps(
            {
                "hotword_recall_before": round(recall_before, 3),
                "hotword_recall_after": round(recall_after, 3),
                "hotword_recall_typed_digits": round(recall_typed, 3),
                "cer_before": round(cer_before, 4),
                "cer_after": round(cer_after, 4),
                "clips": len(DEV_SET),
                "hotwords": len(HOTWORDS),
                "seconds": round(time.perf_counter() - t0, 1),
            },
            ensure_ascii=False,
        )
    )
    return 0


def tts(engine: WhisperEngine, show: bool) -> int:
    before_words, after_words = tts_hotwords()
    with tempfile.TemporaryDirectory(prefix="bench-hotwords-tts-") as tmp:
        folder = Path(tmp)
        dev_set = synthesise(folder)
        t0 = time.perf_counter()
        recall_before, cer_before, before = run(engine, folder, before_words, dev_set)
        recall_after, cer_after, after = run(engine, folder, after_words, dev_set)
    if show:
        for clip, a, b in zip(dev_set, before, after, strict=True):
            print(clip, a, "|", b, file=sys.stderr)
    print(
        json.dumps(
            {
                "set": "tts_espeak_ng",
                "new_word_recall_before": round(recall_before, 3),
                "new_word_recall_after": round(recall_after, 3),
                "cer_before": round(cer_before, 4),
                "cer_after": round(cer_after, 4),
                "clips": len(dev_set),
                "words_said": sum(len(w) for w in dev_set.values()),
                "hotwords_before": len(before_words),
                "hotwords_after": len(after_words),
                "seconds": round(time.perf_counter() - t0, 1),
            },
            ensure_ascii=False,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
