"""How well Kavshiri reads questions about published information: agency, Annex item or
procedure for each question of bench/published_devset.toml, and how long reading takes
next to parsing alone (one run, figures printed, nothing asserted).

    .venv/bin/python bench/published_devset.py
"""
from __future__ import annotations

import asyncio
import tempfile
import time
import tomllib
from collections import Counter
from pathlib import Path

from bot.flows.published import read_question
from kavshiri.app import Kavshiri
from kavshiri.settings import Settings
from nlu.understanding import GEORGIAN

DEVSET = Path(__file__).with_name("published_devset.toml")
ROUNDS = 20


def script(text: str) -> str:
    return "ka" if GEORGIAN.search(text) else "latin"


def timed(services, questions: list[dict]) -> tuple[float, float]:
    """Seconds for ROUNDS passes of parsing alone, and of parsing and reading; a warm-up first."""
    def parse_only() -> None:
        for q in questions:
            services.understander.parse(q["text"])

    def parse_and_read() -> None:
        for q in questions:
            read_question(services, q["text"], services.understander.parse(q["text"]))

    parse_and_read()
    spent = []
    for work in (parse_only, parse_and_read):
        started = time.perf_counter()
        for _ in range(ROUNDS):
            work()
        spent.append(time.perf_counter() - started)
    return spent[0], spent[1]


async def main() -> None:
    questions = tomllib.loads(DEVSET.read_text())["q"]
    with tempfile.TemporaryDirectory() as home:
        kv = await Kavshiri.build(Settings(kavshiri_home=Path(home), redis_url=None), "http://127.0.0.1:9")
        services = kv.engine.services
        tally: Counter = Counter()
        for q in questions:
            understood = services.understander.parse(q["text"])
            read = read_question(services, q["text"], understood)
            got = {"agency": read.agency.id if read.agency else "", "item": read.item.number if read.item else "",
                   "procedure": read.procedure or ""}
            wanted = {k: q.get(k, "") for k in got}
            ok = got == wanted
            tally[(script(q["text"]), ok)] += 1
            mark = "ok  " if ok else "MISS"
            detail = "" if ok else f"  got {got}"
            print(f"{mark} {q['text'][:70]:<70}{detail}")
        parse_only, with_reading = timed(services, questions)
        await kv.close()
    for group in ("latin", "ka"):
        right, total = tally[(group, True)], tally[(group, True)] + tally[(group, False)]
        print(f"{group:>5} script: {right}/{total} read right")
    per_question = with_reading / (ROUNDS * len(questions)) * 1000
    print(f"reading a question: {per_question:.2f} ms; {with_reading / parse_only:.1f}x parsing alone")


if __name__ == "__main__":
    asyncio.run(main())
