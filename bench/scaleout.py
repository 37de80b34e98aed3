"""Fan-out across processes: observers split over two server processes sharing one Redis, events from a
third client. Same measurement as bench/fanout.py (delivery latency from the event's timestamp, losses,
server CPU), plus caption throughput with 1 vs 2 ASR workers from bench/asr_workers.py if asked.

    python bench/scaleout.py --observers 2000
    python bench/scaleout.py --observers 4000
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from fanout import drive, parse_args, run

from tests.support.process import CROWD_ENV, ServerProcess
from tests.support.redis import RedisServer


def main() -> None:
    args = parse_args(__doc__ or "")
    with tempfile.TemporaryDirectory() as tmp:
        redis = RedisServer(Path(tmp) / "redis")
        env = {
            "GONGZHI_REDIS__URL": redis.url,
            "GONGZHI_SERVER__SECRET_KEY": "bench-secret-0123456789abcdef",
            **CROWD_ENV,
        }
        servers = [ServerProcess(Path(tmp) / name, extra_env=env) for name in ("a", "b")]
        try:
            links = servers[0].create_meeting()["links"]
            result = run(
                drive(
                    [s.url for s in servers],
                    servers[0].url,
                    links,
                    lambda: sum(s.cpu_seconds() for s in servers),
                    args,
                )
            )
        finally:
            for s in servers:
                s.stop()
            redis.stop()
    result["bench"] = "scaleout"
    print(json.dumps(result))


if __name__ == "__main__":
    main()
