"""``gongzhi stats [--community ID] [--format json|csv|xlsx]``: the 数据分析 KPIs of the street or of one
community, read from the configured log (the same numbers as the dashboards)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from meeting_server.settings import Settings
from meeting_server.store.eventlog import opened_event_log

from .stats import StatsService
from .stats_export import to_csv, to_xlsx
from .verify_cli import SettingsOf


async def _stats(settings: Settings, community_id: str | None) -> tuple[dict[str, Any], dict[str, str]]:
    async with opened_event_log(settings) as log:
        service = StatsService(log)
        return await service.stats(community_id), await service.titles()


def _run(args: argparse.Namespace, settings_of: SettingsOf) -> int:
    stats, titles = asyncio.run(_stats(settings_of(args), args.community))
    if args.community is not None and args.community not in titles:
        print(f"error: no community {args.community}", file=sys.stderr)
        return 2
    if args.format == "json":
        sys.stdout.write(json.dumps(stats, ensure_ascii=False) + "\n")
    elif args.format == "csv":
        sys.stdout.write(to_csv(stats))
    else:
        if not args.output:
            print("error: --format xlsx needs -o FILE", file=sys.stderr)
            return 2
        Path(args.output).write_bytes(to_xlsx(stats))
    return 0


def add_stats(sub: Any, common: Callable[[argparse.ArgumentParser], None], settings_of: SettingsOf) -> None:
    sp = sub.add_parser(
        "stats", help="print the street's (or one community's) KPIs: participation, youth share …"
    )
    common(sp)
    sp.add_argument("--community", metavar="ID", help="one community (default: the whole street)")
    sp.add_argument("--format", choices=["json", "csv", "xlsx"], default="json")
    sp.add_argument("-o", "--output", help="file to write (xlsx only)")
    sp.set_defaults(fn=lambda args: _run(args, settings_of))
