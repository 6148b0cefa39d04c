"""`kavshiri nlu ...`: parse, train, eval, bench and export-rasa."""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from kavshiri.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    nlu = sub.add_parser("nlu", help="understanding text: parse, train, eval, bench, export-rasa")
    actions = nlu.add_subparsers(required=True, metavar="ACTION")
    parse = actions.add_parser("parse", help="understand one text per line of stdin")
    parse.add_argument("--json", action="store_true", help="one JSON object per line")
    parse.add_argument("--lang", choices=("ka", "en"), help="the citizen's known language")
    parse.set_defaults(run=cmd_parse)
    actions.add_parser("train", help="fit the models and save nlu/data/model.npz").set_defaults(run=cmd_train)
    evaluate = actions.add_parser("eval", help="accuracy on the development set (or the sealed test set)")
    evaluate.add_argument("--errors", action="store_true", help="also list every miss")
    evaluate.add_argument("--test", action="store_true",
                          help="the sealed test set: only before and after a round of changes, never to tune on")
    evaluate.set_defaults(run=cmd_eval)
    bench = actions.add_parser("bench", help="speed and memory over the development set")
    bench.add_argument("--rounds", type=int, default=20)
    bench.set_defaults(run=cmd_bench)
    export = actions.add_parser("export-rasa", help="write Rasa training data, domain and config")
    export.add_argument("out", type=Path)
    export.set_defaults(run=cmd_export)


def embedded():
    from nlu.agencies import AgencyMatcher
    from nlu.directory import Directory
    from nlu.model import Models
    from nlu.understanding import Understander

    return Understander(AgencyMatcher(Directory.load()), Models.load())


def as_json(understood) -> dict[str, Any]:
    entities = understood.entities
    agency = entities.get("agency")
    return {
        "text": understood.text,
        "lang": understood.lang,
        "script": understood.script,
        "intent": understood.intent,
        "confidence": understood.confidence,
        "entities": {
            "agency": agency and {"id": agency.id, "name_en": agency.name_en, "name_ka": agency.name_ka,
                                  "score": _agency_score(entities)},
            **{k: entities.get(k) for k in ("request_type", "topic", "reg_number", "channel", "lang")},
        },
    }


def _agency_score(entities: dict) -> int:
    candidates = entities.get("agency_candidates") or []
    return candidates[0].score if candidates else 0


def cmd_parse(args: argparse.Namespace) -> int:
    from kavshiri.app import build_understander
    from nlu.agencies import AgencyMatcher
    from nlu.directory import Directory

    understander = build_understander(Settings(), AgencyMatcher(Directory.load()))

    async def run() -> None:
        try:
            for line in sys.stdin:
                text = line.rstrip("\n")
                understood = await understander.parse_async(text, args.lang)
                if args.json:
                    print(json.dumps(as_json(understood), ensure_ascii=False), flush=True)
                else:
                    print(f"{understood.intent}\t{understood.confidence:.2f}\t{understood.lang}\t{text}", flush=True)
        finally:
            await understander.close()

    asyncio.run(run())
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from nlu.train import train

    print(json.dumps(train()))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from nlu.corpus import load_dev, load_test
    from nlu.evaluate import evaluate

    report = evaluate(embedded(), load_test() if args.test else load_dev())
    print("\n".join(report.lines()))
    if args.errors:
        print("\n".join(report.errors))
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from nlu.bench import bench
    from nlu.corpus import load_dev

    texts = [e.text for e in load_dev()]
    print(json.dumps(bench(embedded, texts, args.rounds)))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from nlu.rasa_export import export

    for path in export(args.out):
        print(path)
    return 0
