"""`kavshiri catalog ...`: import register files, and report what agencies have not published."""
from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

from kavshiri.app import open_register
from kavshiri.settings import Settings
from nlu.directory import Directory
from published.annex import Annex
from published.compliance import OVERDUE_FIELDS, overdue, overdue_records
from published.register import parse


async def import_file(settings: Settings, path: Path) -> int:
    """Store every entry of the file, or none (RegisterError says why)."""
    entries = parse(path.read_bytes(), path.name, Annex.load(), {a.id for a in Directory.load()})
    register = await open_register(settings)
    try:
        await register.put_entries(entries)
    finally:
        await register.close()
    return len(entries)


async def overdue_report(settings: Settings, agencies: list[str] | None, as_of: date, fmt: str) -> str:
    """`agencies` None: those the register has entries for."""
    register = await open_register(settings)
    try:
        entries = await register.entries(agencies[0] if agencies and len(agencies) == 1 else None)
    finally:
        await register.close()
    rows = overdue(Annex.load(), entries, agencies, as_of)
    return render(overdue_records(rows), fmt)


def render(records: list[dict], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(records, ensure_ascii=False, indent=1)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, OVERDUE_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
        return out.getvalue().rstrip("\n")
    lines = [f"{'agency':<12} {'item':<5} {'period':<8} due"]
    lines += [f"{r['agency_id']:<12} {r['item']:<5} {r['period'] or '-':<8} {r['due']}" for r in records]
    return "\n".join(lines)
