"""No regular expression that can see a citizen's text backtracks on long input.

Every compiled pattern of the code's packages is found by importing them, so a new one is covered
without being listed here, and run over adversarial texts of 20,000 characters (the engine's
longest message). Its time is compared with one linear pass of `str.find` over the same text.
"""
from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import time
from functools import partial
from pathlib import Path

import pytest

PACKAGES = ("bot", "nlu", "connectors", "api", "published", "kavshiri")
ROOT = Path(__file__).resolve().parents[1]
N = 20_000
# A linear pattern costs a few dozen finds at most; a backtracking one costs thousands and more.
MAX_RATIO = 300
SHAPES = ("a", "A", "5", " ", ".", "@", "-", "/", "+", "(", "'", "E", "\n", "ა", "Ა", "ᲐᲐა")


def patterns() -> dict[str, re.Pattern]:
    found: dict[str, re.Pattern] = {}
    for package in PACKAGES:
        for info in pkgutil.walk_packages(importlib.import_module(package).__path__, f"{package}."):
            module = importlib.import_module(info.name)
            for owner in [module, *(v for v in vars(module).values() if isinstance(v, type))]:
                for name, value in vars(owner).items():
                    if isinstance(value, re.Pattern) and value not in found.values():
                        where = info.name if owner is module else f"{info.name}.{owner.__name__}"
                        found[f"{where}.{name}"] = value
    return found


def texts() -> dict[str, str]:
    """Runs of one shape, pairs of shapes, and the review's own ReDoS input."""
    out = {f"{a!r}*": (a * N)[:N] for a in SHAPES}
    out |= {f"{a!r}{b!r}*": ((a + b) * N)[:N] for a in SHAPES for b in SHAPES if a < b}
    out["a@...@"] = "a@" + "." * (N - 3) + "@"
    out["e-mail-ish"] = ("a@b." * N)[:N]
    out["number-ish"] = ("E-2026-" + "0" * 9) * (N // 16)
    return out


def best(run, times: int = 3) -> float:
    seconds = []
    for _ in range(times):
        start = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - start)
        if seconds[-1] > 1:  # clearly backtracking: no need to wait for more
            break
    return min(seconds)


def test_the_patterns_are_found():
    found = patterns()
    assert len(found) > 15
    assert any(name.endswith(".REG_NUMBER") for name in found)  # named where it is first imported


@pytest.mark.parametrize("name,pattern", sorted(patterns().items()))
def test_no_pattern_backtracks_on_long_input(name, pattern):
    slow = []
    for label, text in texts().items():
        needle = text[-40:] + "\x00"  # absent: one whole comparing pass over the text
        baseline = best(partial(text.find, needle))
        for method in (pattern.search, pattern.match, pattern.findall):
            ratio = best(partial(method, text)) / baseline
            if ratio > MAX_RATIO:
                slow.append(f"{method.__name__} on {label}: {ratio:.0f}× a find")
    assert not slow, f"{name} ({pattern.pattern[:60]}): {slow}"


def test_no_pattern_is_written_inline():
    """A pattern compiled at module level is one this module finds; one inside a call is not."""
    inline = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and isinstance(node.func.value, ast.Name) and node.func.value.id == "re"
                        and node.func.attr != "compile" and node.args
                        and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                    inline.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not inline, inline
