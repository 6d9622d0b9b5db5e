"""Fuzzed evidence for the demo pack: strategies, and a long run through the command line.

``tests/test_fuzz.py`` runs a few hundred derandomized examples of these strategies
in the suite, in-process. Run this file for the long version, through ``escore run``
as a user would, checking that no input gives a traceback and every rejected one is
exit 2 with one line on stderr::

    .venv/bin/python tests/fuzz_evidence.py --examples 2000
"""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal
from pathlib import Path

from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo-pack"
SAMPLE = DEMO / "escore_demo" / "sample"
UNIT = (SAMPLE / "units" / "north.toml").read_bytes()
TABLE = (SAMPLE / "monitoring" / "outages.csv").read_bytes()
KEYS = [
    "service.reply_rate",
    "service.median_delay",
    "service.platforms",
    "service.plan_filed",
    "website.has_app",
    "website.design",
    "website.pages_ok",
    "website.vote_rank",
    "website",
    "service",
]


def mutated(base: bytes) -> st.SearchStrategy[bytes]:
    """``base`` with a few bytes inserted, deleted or replaced (the careless editor)."""
    edit = st.tuples(
        st.integers(0, len(base)),
        st.integers(0, 6),
        st.binary(max_size=6) | st.sampled_from([b'"', b"\n", b"[", b"=", b",", b"\xff", b"\xef\xbb\xbf"]),
    )

    def apply(edits: list[tuple[int, int, bytes]]) -> bytes:
        data = base
        for at, cut, insert in edits:
            data = data[:at] + insert + data[at + cut :]
        return data

    return st.lists(edit, min_size=1, max_size=4).map(apply)


scalars = st.one_of(
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**20, max_value=10**60),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.sampled_from([Decimal("1e-20000"), Decimal("1E+500"), Decimal("0.5"), Decimal("-3")]),
    st.text(max_size=12),
    st.sampled_from(["²⁰¹⁶", "١٢٣", "\x1b]52;c;eA==\x07", "=cmd|' /C calc'!A0", "福州市\n伪造行", ""]),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["points", "reason", "x", "a.b"]), inner, max_size=3),
    max_leaves=6,
)


def _structured(document: dict) -> bytes:
    import tomli_w

    nested: dict = {}
    for key, value in document.items():
        node = nested
        *parents, last = key.split(".")
        for part in parents:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                break
            node = child
        else:
            node[last] = value
    try:
        return tomli_w.dumps(nested).encode()
    except (TypeError, ValueError):
        return b""


structured_unit = st.dictionaries(st.sampled_from(KEYS) | st.text(min_size=1, max_size=8), values, max_size=6).map(_structured)
unit_bytes = st.one_of(
    mutated(UNIT),
    structured_unit,
    structured_unit.map(lambda b: b.decode().encode("gb18030", errors="replace")),
    st.binary(max_size=64),
    st.sampled_from([b"a = " + b"[" * 3000 + b"]" * 3000, b"x" + b".x" * 3000 + b" = 1", b"a = 1" + b"0" * 5000]),
)
cell = st.one_of(
    st.sampled_from(["north", "south", "south.a", "nowhere", "2024-03-01", "2", "1.5", "-1", '"', '""', "", "1e-20000000", "²"]),
    st.text(max_size=8),
)
table_bytes = st.one_of(
    mutated(TABLE),
    st.lists(st.lists(cell, min_size=1, max_size=4).map(",".join), max_size=5).map(
        lambda rows: ("unit,date,hours\n" + "\n".join(rows)).encode()
    ),
    st.binary(max_size=64),
)
evidence = st.tuples(unit_bytes, st.one_of(st.none(), table_bytes))


def write(directory: Path, unit: bytes, table: bytes | None) -> Path:
    """An evidence directory: the fuzzed unit file of ``north``, the sample's other units, a fuzzed table."""
    import shutil

    shutil.rmtree(directory, ignore_errors=True)
    shutil.copytree(SAMPLE, directory)
    (directory / "units" / "north.toml").write_bytes(unit)
    if table is not None:
        (directory / "monitoring" / "outages.csv").write_bytes(table)
    return directory


def main(argv: list[str]) -> int:
    import argparse
    import os
    import tempfile
    import time

    from click.testing import CliRunner
    from hypothesis import HealthCheck, given, settings

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=2000)
    args = parser.parse_args(argv)
    os.environ.update(ESCORE_DISABLE_PLUGIN_AUTOLOAD="1", ESCORE_PLUGINS="escore_demo.plugin", ESCORE_CACHE_DIR="off")
    sys.path.insert(0, str(DEMO))
    from escore_cli import cli

    runner = CliRunner()
    counts = {0: 0, 1: 0, 2: 0}
    problems: list[str] = []
    scratch = Path(tempfile.mkdtemp(prefix="escore-fuzz-"))

    @settings(max_examples=args.examples, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(evidence, st.sampled_from(["table", "json", "csv", "toml"]))
    def probe(case: tuple[bytes, bytes | None], format_: str) -> None:
        directory = write(scratch / "evidence", *case)
        result = runner.invoke(cli, ["run", "-c", "town", "-e", str(directory), "-f", format_])
        counts[result.exit_code] = counts.get(result.exit_code, 0) + 1
        errors = [line for line in result.stderr.splitlines() if line.startswith("escore: error:")]
        if result.exit_code not in (0, 1, 2) or (result.exception and not isinstance(result.exception, SystemExit)):
            problems.append(f"exit {result.exit_code}: {result.exception!r} for {case!r}"[:500])
        elif result.exit_code == 2 and (len(errors) != 1 or len(result.stderr.splitlines()) > 3):
            problems.append(f"exit 2 without exactly one error line: {result.stderr[:300]!r}")
        elif "Traceback" in result.output:
            problems.append(f"traceback: {result.output[-300:]!r}")

    started = time.perf_counter()
    probe()
    seconds = time.perf_counter() - started
    total = sum(counts.values())
    print(f"{total} fuzzed evidence sets in {seconds:.0f} s: exit codes {dict(sorted(counts.items()))}; {len(problems)} problems")
    for problem in problems[:20]:
        print("  " + problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main(sys.argv[1:]))
