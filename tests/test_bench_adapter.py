"""bench/peer_adapter.py reads escore's CSV as the csv module does, quoted cells or not."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import pytest

ADAPTER = Path(__file__).resolve().parent.parent / "bench" / "_peer_adapter.py"


@pytest.fixture(scope="module")
def adapter():
    spec = importlib.util.spec_from_file_location("peer_adapter_under_test", ADAPTER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _by_dictreader(path: Path):
    with open(path, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    return {r["code"]: r["total"] for r in rows}, sum(int(r["missing"]) for r in rows), sum(int(r["errors"]) for r in rows)


@pytest.mark.parametrize(
    "body",
    [
        "1,a,A,,65,65.00,0,0\n2,b,B,,60.5,60.50,1,2\n",
        '1,a,"A, with a comma",,65,65.00,0,1\n2,b,"say ""hi""",,1,1.00,3,0\n',
        "",
    ],
    ids=["plain", "quoted", "no units"],
)
def test_totals_from_escore_csv(adapter, tmp_path, body):
    path = tmp_path / "out.csv"
    path.write_text("\ufeffrank,code,name,parent,total,total_2dp,missing,errors\n" + body, encoding="utf-8")
    assert adapter.totals_from_output(path, "csv") == _by_dictreader(path)


def test_totals_from_a_csv_escore_wrote(adapter, tmp_path, monkeypatch):
    from escore_cli import cli

    monkeypatch.setenv("ESCORE_DB", str(tmp_path / "none.db"))  # no store: no appeals applied
    path = tmp_path / "out.csv"
    try:
        cli.main(["run", "-c", "provincial", "-f", "csv", "-o", str(path)], prog_name="escore")
    except SystemExit as exit:
        assert exit.code in (0, 1, None)
    found = adapter.totals_from_output(path, "csv")
    assert found == _by_dictreader(path) and len(found[0]) == 38


def test_lines_in_code_order_from_a_csv_escore_wrote(adapter, tmp_path, monkeypatch):
    """`run --columns code,total --order code -k …`: each line is code,total and then the same
    cells, which the adapter drops at once; the units' totals are those of the ranked file, in
    code order. A file of another shape (another count, a line with other cells) is None."""
    from escore_cli import cli

    monkeypatch.setenv("ESCORE_DB", str(tmp_path / "none.db"))
    ordered, ranked = tmp_path / "ordered.csv", tmp_path / "ranked.csv"
    for path, order in ((ordered, ["--order", "code"]), (ranked, [])):
        args = ["run", "-c", "provincial", "-k", "comprehensive", "-f", "csv", "--columns", "code,total", *order, "-o", str(path)]
        try:
            cli.main(args, prog_name="escore")
        except SystemExit as exit:
            assert exit.code in (0, 1, None)
    lines = adapter.lines_in_code_order(ordered, 38)
    by_code = {line.split(",")[0]: line.split(",")[1] for line in lines.splitlines()[1:]}
    assert lines.startswith("unit_id,total\nprov.") and len(by_code) == 38
    assert by_code == adapter.totals_from_output(ranked, "csv")[0]
    assert adapter.lines_in_code_order(ordered, 37) is None
    text = ordered.read_text(encoding="utf-8-sig")
    ordered.write_text(text.replace(",yes\n", ",no\n", 1), encoding="utf-8")  # one line's cells differ
    assert adapter.lines_in_code_order(ordered, 38) is None
    assert adapter.missing_from_stderr("escore: missing evidence: 3 indicator result(s) in 2 unit(s), status missing:\n") == 3
