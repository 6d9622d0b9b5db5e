"""The single-file HTML report: its data, its safety, and how it renders in a real browser."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from escore._html import render_html, report_data
from escore._i18n import use
from escore._plugins import Catalog, make_plugin_manager
from escore._report import run_to_dict
from escore._session import run_category
from escore_cli import cli

from .conftest import DEMO, ROOT

SAMPLE = DEMO / "escore_demo" / "sample"
HOSTILE = "</script><img src=x onerror=\"document.title='pwned'\"><b>bold</b> & \u2028 {{x}}"


@pytest.fixture(scope="module")
def fj_catalog():
    return Catalog(make_plugin_manager())


def embedded_data(page: str) -> dict:
    match = re.search(r'<script type="application/json" id="escore-data">(.*?)</script>', page, flags=re.S)
    assert match, "no data element"
    return json.loads(match.group(1))


@pytest.fixture
def hostile_evidence(tmp_path):
    target = tmp_path / "evidence"
    shutil.copytree(SAMPLE, target)
    east = target / "units" / "east.toml"
    text = east.read_text(encoding="utf-8").replace('reason = "exemplary"', "reason = " + json.dumps(HOSTILE))
    east.write_text(text, encoding="utf-8")
    return target


def test_report_holds_every_unit_once_with_its_totals(fj_catalog):
    result = run_category(fj_catalog, "county")
    page = render_html(result)
    data = embedded_data(page)
    expected = run_to_dict(result)["units"]
    assert [(u["code"], u["rank"], u["total"], u["total_exact"]) for u in data["units"]] == [
        (u["code"], u["rank"], u["total_2dp"], u["total"]) for u in expected
    ]
    assert data["units"][0]["code"] == "fuzhou.fuqing" and data["units"][0]["total"] == "92.75"
    # one row per node of the tree for every unit; the lines are stored once and referred to by index
    assert all(len(u["nodes"]) == len(data["nodes"]) for u in data["units"])
    reasons = [r for u in expected for i in u["indicators"] for r in i["reasons"]]
    assert set(reasons) <= set(data["strings"]) and len(data["strings"]) < len(reasons) / 3


def test_report_sizes_stay_small(fj_catalog):
    """131 units in three reports: a few hundred KB, not megabytes of repeated markup."""
    sizes = {c: len(render_html(run_category(fj_catalog, c)).encode()) for c in ("provincial", "city", "county")}
    assert sum(sizes.values()) < 600_000, sizes
    assert sizes["county"] < 300_000, sizes


def test_report_is_offline_and_self_contained(fj_catalog):
    page = render_html(run_category(fj_catalog, "city"))
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    # the only URL is the SVG namespace name, which is never fetched
    assert set(re.findall(r"https?://[^\s\"'<>]+", page)) == {"http://www.w3.org/2000/svg"}
    assert not re.search(r"<(link|img|iframe|object|embed)\b|\bsrc=|@import|url\(|@font-face", page)


def test_report_lost_points_by_group_and_distribution(fj_catalog):
    result = run_category(fj_catalog, "city")
    data = report_data(result)
    # the comprehensive table's three groups, then Table L's five blocks (its one top-level group's children)
    assert [g["code"] for g in data["groups"]] == ["C-1", "C-2", "C-3", "W-L-1", "W-L-2", "W-L-3", "W-L-4", "W-L-5"]
    fuzhou = next(u for u in data["units"] if u["code"] == "fuzhou")
    # C-1 信息化应用绩效 scored 39.15 of 40 (see `escore explain fuzhou`)
    assert fuzhou["groups"][0] == "0.85"
    page = render_html(result)
    assert page.count("<svg") == len(result.plan.sections)  # distributions; the units' charts are drawn by the script


def test_evidence_strings_are_escaped(no_autoload, hostile_evidence):
    catalog = Catalog(make_plugin_manager(autoload=False, names=["escore_demo.plugin"]))
    page = render_html(run_category(catalog, "town", evidence=[hostile_evidence]))
    assert "<img" not in page and "<b>bold" not in page and "</script><img" not in page
    assert "\u2028" not in page
    data = embedded_data(page)
    assert f"assessor awarded 4 of 4: {HOSTILE}" in data["strings"]


def test_run_and_explain_write_html_in_chinese_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv("ESCORE_LANG")
    runner = CliRunner()
    out = tmp_path / "report.html"
    result = runner.invoke(cli, ["run", "-c", "city", "-f", "html", "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page and "合成数据：演示用的虚构样本" in page and "<th class=n>排名</th>" in page
    assert embedded_data(page)["ui"]["status_names"]["missing"] == "缺少证据"
    result = runner.invoke(cli, ["explain", "fuzhou", "-f", "html", "--lang", "en", "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = embedded_data(out.read_text(encoding="utf-8"))
    assert [(u["code"], u["rank"], u["total"]) for u in data["units"]] == [("fuzhou", None, "86.35")]
    assert data["lang"] == "en" and data["ui"]["total"] == "total"


def page_title(page: str) -> str:
    return page.split("<title>", 1)[1].split("</title>", 1)[0]


def test_every_page_of_synthetic_evidence_says_so_in_its_title(no_autoload, tmp_path, monkeypatch):
    """The banner was in the body alone: a browser's tab, a bookmark or a list of saved pages
    showed a run of the synthetic sample as a real one (run, explain, diff, plan, plan --all)."""
    monkeypatch.setenv("ESCORE_DB", str(tmp_path / "escore.db"))
    real = tmp_path / "real"
    shutil.copytree(SAMPLE, real)
    (real / "escore-evidence.toml").write_text("[evidence]\nsynthetic = false\n", encoding="utf-8")
    pages = {
        "run": ["run", "-c", "town"],
        "explain": ["explain", "south"],
        "diff": ["diff", "EV", "EV", "-c", "town"],
        "plan": ["plan", "south"],
        "plan --all": ["plan", "--all", "-c", "town"],
    }
    runner = CliRunner()
    for name, args in pages.items():
        for evidence, lang, marked in (
            (SAMPLE, "en", "[SYNTHETIC] "),
            (SAMPLE, "zh", "【合成数据】"),
            (real, "en", ""),
        ):
            given = [str(evidence) if a == "EV" else a for a in args]
            if "EV" not in args:
                given += ["-e", str(evidence)]
            result = runner.invoke(cli, [*given, "-f", "html", "--lang", lang])
            assert result.exit_code == 0, (name, result.output)
            title = page_title(result.stdout)
            assert title.startswith(marked) and ("SYNTHETIC" in title or "合成" in title) == bool(marked), (name, lang, title)


# --------------------------------------------------------------------------- in Chromium

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
]
SCREENSHOTS = ROOT / "build" / "screenshots"


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    reason = "Chromium is not installed (Debian: apt-get install -y chromium fonts-wqy-zenhei; .ci/run does it)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: CI must run the browser test")
    pytest.skip(reason)


class Dom(HTMLParser):
    """What the test reads back from the rendered DOM: unit sections, their totals, ranking rows."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.rows: list[str] = []
        self.totals: dict[str, str] = {}
        self.rendered = ""
        self._unit = ""
        self._in_total = False
        self.images = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "body":
            self.rendered = attributes.get("data-rendered", "")
        if tag == "section" and "unit" in (attributes.get("class") or ""):
            self._unit = attributes["data-code"]
            self.sections.append(self._unit)
        if tag == "tr" and attributes.get("data-code"):
            self.rows.append(attributes["data-code"])
        if tag == "span" and attributes.get("class") == "total" and self._unit:
            self._in_total = True
        if tag == "img":
            self.images += 1

    def handle_data(self, data):
        if self._in_total:
            self.totals[self._unit] = data
            self._in_total = False


def browse(page: Path, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "chromium-profile"
    env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": "/dev/null"}  # no session bus here: do not wait for one
    return subprocess.run(
        [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def console_lines(stderr: str) -> list[str]:
    """Messages the page wrote to the console (errors, CSP violations, uncaught exceptions)."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def test_chromium_renders_every_unit_with_its_total(fj_catalog, tmp_path):
    from escore import use_language

    with use_language("zh"):  # escore's own words (headings, statuses); English again after
        result = run_category(fj_catalog, "county")
        page = tmp_path / "report.html"
        page.write_text(render_html(result), encoding="utf-8")
    dumped = browse(page, tmp_path, "--dump-dom")
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    assert console_lines(dumped.stderr) == []
    dom = Dom()
    dom.feed(dumped.stdout)
    codes = [u.unit.code for u in result.units]
    assert dom.rendered == str(len(codes))
    assert dom.sections == codes and dom.rows == codes
    expected = {u["code"]: u["total_2dp"] for u in run_to_dict(result)["units"]}
    assert dom.totals == expected
    assert dom.totals["fuzhou.fuqing"] == "92.75"
    assert "缺少证据" in dumped.stdout and "各一级指标失分" in dumped.stdout

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / "county-report.png"
    taken = browse(page, tmp_path, f"--screenshot={shot}", "--window-size=1280,1600", "--hide-scrollbars")
    assert taken.returncode == 0, taken.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


def test_chromium_shows_hostile_evidence_as_text(no_autoload, hostile_evidence, tmp_path):
    catalog = Catalog(make_plugin_manager(autoload=False, names=["escore_demo.plugin"]))
    page = tmp_path / "report.html"
    page.write_text(render_html(run_category(catalog, "town", evidence=[hostile_evidence])), encoding="utf-8")
    dumped = browse(page, tmp_path, "--dump-dom")
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    assert console_lines(dumped.stderr) == []
    dom = Dom()
    dom.feed(dumped.stdout)
    assert dom.images == 0 and dom.rendered == "4"
    assert "&lt;img src=x onerror=" in dumped.stdout and "pwned" not in dumped.stdout.split("<title>")[1].split("</title>")[0]


def test_each_ranking_column_sorts_by_its_own_values():
    """Clicking 单位 sorted by code and 代码 by name: the rows' sort keys were in another order
    than their cells. Each key is the value of the cell under the same heading."""
    import re

    from escore._html import _SCRIPT

    keys = re.search(r"tr\._key=\[([^\]]*)\]", _SCRIPT).group(1).split(",")
    cells = re.findall(r"cell\(tr,([^,)]*)", _SCRIPT.split("tr._text=")[1])[:4]
    assert keys[:4] == ["u.rank", "u.name", "u.code", "u.parent"]
    # The cells in their order: rank, then the name (a link, made apart), code and parent.
    assert cells == ['u.rank==null?"–":String(u.rank', "null", "u.code", "u.parent"]
    assert 'a=el("a",null,u.name)' in _SCRIPT


def test_chromium_labels_each_unit_synthetic_in_the_page_language(no_autoload, tmp_path):
    """Printed, each unit starts a page of its own (section.unit{break-before:page}) and the banner
    was in the header alone: every page but the first read as a real assessment."""
    catalog = Catalog(make_plugin_manager(autoload=False, names=["escore_demo.plugin"]))
    real = tmp_path / "real"
    shutil.copytree(SAMPLE, real)
    (real / "escore-evidence.toml").write_text("[evidence]\nsynthetic = false\n", encoding="utf-8")
    for lang, evidence, label in (("zh", (), "合成数据：演示用的虚构样本，并非真实考核结果"), ("en", [real], None)):
        use(lang)
        try:
            page = tmp_path / f"{lang}.html"
            page.write_text(render_html(run_category(catalog, "town", evidence=evidence)), encoding="utf-8")
        finally:
            use("en")
        dumped = browse(page, tmp_path, "--dump-dom")
        assert dumped.returncode == 0, dumped.stderr[-2000:]
        assert console_lines(dumped.stderr) == []
        sections = [part.split("</section>")[0] for part in dumped.stdout.split('<section class="unit"')[1:]]
        assert len(sections) == 4
        for section in sections:
            if label is None:
                assert 'class="banner"' not in section and "SYNTHETIC" not in section
            else:
                heading_end = section.index("</h2>")
                assert section[heading_end:].startswith(f'</h2><p class="banner" role="note">{label}</p>')
    # The banner is not among what print hides.
    assert ".banner{border:2px solid #000}" in page.read_text(encoding="utf-8")
