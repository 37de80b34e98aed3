"""Hot-word benchmark: recall of a meeting's names and places in captions, without and with hot words.

The dev set is the held-out clips whose sentences name a place, a building or an organisation of the
community (``DEV_SET``). Every clip is decoded through the streaming caption path twice with the same
model: once with no hot words, once with the meeting's hot-word list (``HOTWORDS``: the community's place
names, agenda titles and roster names, as ``hub.audio`` builds it; the same list for every clip, names
that are not said included). Recall = hot words said in a clip that appear verbatim in its captions
(after ``normalize_for_match``) / hot words said. Prints one JSON line.

    python bench/hotwords.py --clips ../shared/speech
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from asr.audio import load_audio
from asr.engine import WhisperEngine
from asr.metrics import cer
from asr.offline import stream_pcm
from asr.settings import AsrSettings
from asr.text import normalize_for_match

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


def references(folder: Path) -> dict[str, str]:
    rows = [line.split("\t") for line in (folder / "manifest.tsv").read_text("utf-8").splitlines() if line]
    return {name: text for name, text in rows}


def run(engine: WhisperEngine, folder: Path, hotwords: tuple[str, ...]) -> tuple[float, float, list[str]]:
    refs = references(folder)
    said = found = 0
    pairs: list[tuple[str, str]] = []
    texts = []
    for clip, words in DEV_SET.items():
        captions = stream_pcm(engine, load_audio(folder / clip), hotwords=hotwords)
        text = "".join(c.text for c in captions if c.kind == "final")
        texts.append(text)
        norm = normalize_for_match(text)
        said += len(words)
        found += sum(1 for w in words if normalize_for_match(w) in norm)
        pairs.append((refs[clip], text))
    return found / said, cer(pairs), texts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=Path, default=ROOT.parent / "shared" / "speech")
    parser.add_argument("--show", action="store_true", help="print the captions of each run to stderr")
    args = parser.parse_args()
    engine = WhisperEngine(AsrSettings())
    t0 = time.perf_counter()
    recall_before, cer_before, before = run(engine, args.clips, ())
    recall_after, cer_after, after = run(engine, args.clips, HOTWORDS)
    if args.show:
        for clip, a, b in zip(DEV_SET, before, after, strict=True):
            print(clip, a, "|", b, file=sys.stderr)
    print(
        json.dumps(
            {
                "hotword_recall_before": round(recall_before, 3),
                "hotword_recall_after": round(recall_after, 3),
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


if __name__ == "__main__":
    sys.exit(main())
