"""The Chinese interface: catalogues in step with the code, --lang and its defaults."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from escore._errors import UsageError
from escore._i18n import LOCALE_DIR, PLURAL_KEY, read_catalogue
from escore_cli import cli
from escore_cli._common import resolve_language as resolve

from .conftest import ROOT

PO = LOCALE_DIR / "zh" / "LC_MESSAGES" / "escore.po"
KEYWORDS = {"_": None, "gettext": None, "N_": None, "NP_": ((1, "c"), 2), "pgettext": ((1, "c"), 2), "ngettext": (1, 2)}


def extracted() -> set[tuple[str | None, str]]:
    from babel.messages.extract import extract_from_dir

    found = set()
    for directory in (ROOT / "core" / "escore", ROOT / "cli" / "escore_cli"):
        for _, _, message, _, context in extract_from_dir(directory, keywords=KEYWORDS):
            found.add((context, message))
    return found


def po_messages() -> dict[tuple[str | None, str | tuple[str, str]], str | tuple[str, ...]]:
    """(context, msgid) → msgstr; a plural message's msgid is (singular, plural), its msgstr its forms."""
    from babel.messages.pofile import read_po

    with PO.open("rb") as stream:
        return {(m.context, m.id): m.string for m in read_po(stream) if m.id}


def placeholders(text: str) -> list[str]:
    return sorted(part.split("}")[0] for part in text.split("{")[1:])


def test_every_message_of_the_code_is_translated():
    po = po_messages()
    missing = sorted(str(m) for c, m in extracted() - set(po))
    assert not missing, f"not in {PO.name} (see docs/translations.md): {missing}"
    assert all(v if isinstance(v, str) else all(v) for v in po.values()), [k for k, v in po.items() if not v or not all(v)]
    # placeholders survive translation (each form of a plural message keeps the plural's)
    for (_, msgid), msgstr in po.items():
        if isinstance(msgid, tuple):
            assert all(placeholders(form) == placeholders(msgid[1]) for form in msgstr), msgid
        else:
            assert placeholders(msgid) == placeholders(msgstr), msgid


def test_compiled_catalogue_matches_the_po_file():
    compiled = read_catalogue(PO.with_suffix(".mo"))
    expected = {
        (m[0] + PLURAL_KEY if isinstance(m, tuple) else f"{c}\x04{m}" if c else m): ("\x00".join(s) if isinstance(s, tuple) else s)
        for (c, m), s in po_messages().items()
    }
    assert compiled == expected, "recompile: pybabel compile -d core/escore/locale -D escore"


def test_a_count_takes_the_form_of_its_number():
    """The catalogue's plural forms by the language's rule (Chinese has one), English's by its own."""
    from escore import _i18n

    try:
        _i18n.use("en")
        assert [_i18n.ngettext("{0} unit", "{0} units", n).format(n) for n in (0, 1, 2)] == ["0 units", "1 unit", "2 units"]
        _i18n.use("zh")
        assert [_i18n.ngettext("{0} unit", "{0} units", n).format(n) for n in (0, 1, 2)] == ["0 个单位", "1 个单位", "2 个单位"]
        assert _i18n.ngettext("{0} apple", "{0} apples", 1) == "{0} apple"  # not in the catalogue: English's forms
    finally:
        _i18n.use("en")


def test_language_resolution(monkeypatch):
    monkeypatch.delenv("ESCORE_LANG")
    assert resolve(None, "zh") == "zh" and resolve("en", "zh") == "en" and resolve(None) == "en"
    assert resolve("zh_CN") == "zh" and resolve("zh-Hans") == "zh"
    monkeypatch.setenv("ESCORE_LANG", "zh")
    assert resolve(None, "en") == "zh" and resolve("en") == "en"
    with pytest.raises(UsageError, match=r"--lang: unknown language 'fr'; expected one of en, zh"):
        resolve("fr")


@pytest.fixture
def runner(monkeypatch):
    monkeypatch.delenv("ESCORE_LANG")
    return CliRunner()


def test_choosing_the_language_in_use_again_reads_no_catalogue(monkeypatch):
    from escore import _i18n

    _i18n.use("en")  # whatever an earlier test left in use
    reads = []
    read = _i18n._read
    monkeypatch.setattr(_i18n, "_read", lambda path: reads.append(path.name) or read(path))
    try:
        _i18n.use("zh")
        _i18n.use("zh")
        assert reads == ["escore.mo"] and _i18n.gettext("escore: {0}") == "escore：{0}"
        _i18n.use("en")
        assert _i18n.gettext("escore: {0}") == "escore: {0}"
        _i18n.use("zh", [("click", LOCALE_DIR)])
        assert reads == ["escore.mo", "click.mo", "escore.mo"]
    finally:
        _i18n.use("en")


def test_fj2017_speaks_chinese_by_default(runner):
    result = runner.invoke(cli, ["run", "-c", "city"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "escore · fj2017 (2017) · city 设区市政府、平潭综合实验区管委会 · 10 个单位"
    assert lines[1] == "*** 合成数据：演示用的虚构样本，并非真实考核结果 ***"
    assert lines[5].split() == ["排名", "代码", "单位", "综合应用", "/70", "政府网站建设", "/30", "总分", "缺失", "错误"]
    assert "得分按四舍五入保留 2 位小数显示；排名按精确总分计算" in lines
    assert "缺少证据：2 个单位的 2 项指标结果，状态为“缺少证据”：" in lines


def test_lang_en_and_environment(runner, monkeypatch):
    english = runner.invoke(cli, ["run", "-c", "city", "--lang", "en"]).stdout.splitlines()
    assert english[5].split()[:3] == ["rank", "code", "name"]
    monkeypatch.setenv("ESCORE_LANG", "en")
    assert runner.invoke(cli, ["run", "-c", "city"]).stdout.splitlines()[5] == english[5]
    assert runner.invoke(cli, ["run", "-c", "city", "--lang", "zh"]).stdout.splitlines()[5].startswith("排名")


def test_statuses_and_errors_in_chinese(runner):
    explained = runner.invoke(cli, ["explain", "fuzhou", "--lang", "zh"])
    assert explained.stdout.splitlines()[3].startswith("总分 86.35（四舍五入保留 2 位小数）")
    assert "缺少证据" in runner.invoke(cli, ["explain", "ningde.zherong"]).stdout
    wrong = runner.invoke(cli, ["run", "-c", "county", "--lang", "zh", "-f", "nope"])
    assert wrong.exit_code == 2 and wrong.stderr.startswith("escore：错误：")
    bad = runner.invoke(cli, ["run", "-c", "county", "--lang", "fr"])
    assert bad.exit_code == 2 and bad.stderr == "escore: error: --lang: unknown language 'fr'; expected one of en, zh\n"


def test_evidence_errors_in_chinese(runner, tmp_path):
    units = tmp_path / "ev" / "units"
    units.mkdir(parents=True)
    (units / "fuzhou.gulou.toml").write_text("[website.channels]\nhas_app = 3\n", encoding="utf-8")
    result = runner.invoke(cli, ["run", "-c", "county", "-e", str(tmp_path / "ev")])
    assert result.exit_code == 2
    assert (
        result.stderr == f"escore：错误：{units / 'fuzhou.gulou.toml'}: website.channels.has_app: 应为 true 或 false（是/否），实际为 3\n"
    )


def all_reasons(catalog, category):
    from escore._session import run_category

    result = run_category(catalog, category)
    return [(u.unit.code, i.code, i.reasons) for u in result.units for i in u.indicators]


def test_english_lines_are_the_same_through_the_templates(monkeypatch):
    """English keeps f-strings on the engine's hot path; the templates other languages
    translate must spell exactly the same lines (forced here with a catalogue that
    translates nothing the engine says)."""
    from escore import _i18n
    from escore._plugins import Catalog, make_plugin_manager

    catalog = Catalog(make_plugin_manager())
    for category in ("provincial", "city", "county"):
        direct = all_reasons(catalog, category)
        monkeypatch.setitem(_i18n.translating, "\x00", "\x00")
        _i18n.lines.clear()
        templated = all_reasons(catalog, category)
        monkeypatch.delitem(_i18n.translating, "\x00")
        _i18n.lines.clear()
        assert templated == direct


def test_vocabulary_lines_in_chinese():
    from decimal import Decimal

    from escore import Award, Binary, Deduction, Grade, Graded, Item, Ladder, Proportional
    from escore._i18n import use

    use("zh")
    assert Graded("g", 6).score(Grade(Decimal("4.5"), "栏目更新及时")).reasons == ("评估人员评分 4.5（满分 6）：栏目更新及时",)
    assert Deduction("d", max=1, per={"错误": "0.05"}).score([Item("错误", "链接失效")]).reasons == ("扣 0.05 分（错误）：链接失效",)
    assert Award("a", cap=4, per={"平台": 1}).score([Item("平台")] * 5).reasons[-1] == "封顶 4 分：各项合计 5"
    assert Proportional("p", 5, what="按时办结", nothing_to_count="full").score(214, 260).reasons == (
        "按比例 214/260 × 5 ≈ 4.1154：按时办结",
    )
    assert Proportional("p", 5, what="按时办结", nothing_to_count="full").score(13, 26).reasons == ("按比例 13/26 × 5 = 2.5：按时办结",)
    assert Ladder.at_least("l", [(100, 4), (80, 2)], what="回复率", unit="%").score(85).reasons == ("回复率 85%，符合档次“≥ 80% → 2”",)
    assert Binary("b", 3, yes="按时报送", no="未按时报送").score(False).reasons == ("未按时报送：0",)
    use("en")
    assert Proportional("p", 5, what="share", nothing_to_count="full").score(214, 260).reasons == ("share 214/260 × 5 ≈ 4.1154",)


BAD_EVIDENCE = [
    # a wrong type, a value out of range, a part larger than its whole
    (
        "units/prov.wjw.toml",
        '[provincial.credit]\nitems_required = "x"\n',
        "provincial.credit.items_required: 应为 整数，至少 1 (项)，实际为 'x'",
    ),
    (
        "units/prov.wjw.toml",
        "[provincial.credit]\nitems_required = -3\n",
        "provincial.credit.items_required: 应为 整数，至少 1 (项)，实际为 -3",
    ),
    (
        "units/prov.wjw.toml",
        "[provincial.credit]\nitems_required = 74\nitems_provided = 80\n",
        "provincial.credit.items_provided: 应不超过 provincial.credit.items_required（74），实际为 80",
    ),
    # an unknown key or unit code, with did-you-mean
    (
        "units/prov.wjw.toml",
        "[provincial.credit]\nitems_requird = 74\n",
        "provincial.credit.items_requird: 未知的证据键（是否要找“provincial.credit.items_required”？）",
    ),
    (
        "units/prov.wjv.toml",
        "[provincial.credit]\nitems_required = 74\n",
        "未知的单位代码“prov.wjv”（文件名必须是单位代码）（是否要找“prov.wjw”？）",
    ),
    # CSV lines and columns
    (
        "monitoring/provincial_security_incidents.csv",
        "unit,occurred,incident,rectified_on_time\nprov.kjt,2017-09-12,x\n",
        "应有 4 个单元格，实际有 3 个",
    ),
    (
        "monitoring/provincial_security_incidents.csv",
        "unit,incident,rectified_on_time\nprov.kjt,x,true\n",
        "occurred: 缺少列（其值为：日期，格式 YYYY-MM-DD）",
    ),
    (
        "monitoring/provincial_security_incidents.csv",
        "unit,occurred,incident,rectified_on_time\nprov.kjx,2017-09-12,x,true\n",
        "unit: 未知的单位代码“prov.kjx”（是否要找“prov.kjt”？）",
    ),
    (
        "monitoring/provincial_security_incidents.csv",
        'unit,occurred,incident,rectified_on_time\nprov.kjt,"2017-09-12,x,true\n',
        '第 2 行开始的引号（"）没有闭合',
    ),
    (
        "monitoring/provincial_security_incident.csv",
        "unit,occurred,incident,rectified_on_time\n",
        "未知的监测表“provincial_security_incident”（是否要找“provincial_security_incidents”？）",
    ),
]


@pytest.mark.parametrize(("name", "text", "message"), BAD_EVIDENCE, ids=lambda v: v if isinstance(v, str) and "/" in v else "")
def test_bad_evidence_is_one_chinese_line(runner, tmp_path, name, text, message):
    path = tmp_path / "ev" / name
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(cli, ["run", "-c", "provincial", "--lang", "zh", "-e", str(tmp_path / "ev")])
    assert result.exit_code == 2, result.output
    line = ":2" if name.endswith(".csv") and "\nprov." in text and "缺少列" not in message else ""
    assert result.stderr == f"escore：错误：{path}{line}: {message}\n"
    # the same input in English keeps its English wording
    english = runner.invoke(cli, ["run", "-c", "provincial", "--lang", "en", "-e", str(tmp_path / "ev")])
    assert english.exit_code == 2 and english.stderr.startswith(f"escore: error: {path}") and "：" not in english.stderr


def test_a_packs_words_are_translated_from_its_catalogue(tmp_path):
    """A pack's reasons, rule words and fixture text go through its own catalogue: a template is
    translated before it is formatted; a line not in the catalogue is shown as written; English
    is the words as written."""
    from babel.messages.catalog import Catalog as Messages
    from babel.messages.mofile import write_mo

    from escore import Binary, MissingEvidence, NotApplicable, Score, forfeit, gettext, points
    from escore._i18n import use

    messages = Messages(locale="zh")
    for english, chinese in {
        "{0} of {1} systems pending": "{1} 个系统中 {0} 个未完成",
        "report published": "报告已发布",
        "no report": "报告未发布",
        "no roster row": "名单中无此行",
        "not a county": "非县级单位",
        "a leak occurred": "发生泄密事件",
        "site closed": "网站已关停",
    }.items():
        messages.add(english, chinese)
    target = tmp_path / "zh" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "demo.mo").open("wb") as stream:
        write_mo(stream, messages)

    def lines() -> tuple[object, ...]:
        rule = Binary("P-1 报告", 1, yes="report published", no="no report")
        return (
            Score(rule.points).with_reason("{0} of {1} systems pending", 2, 5).reasons,
            points(0, "{0} of {1} systems pending", 1, 3).reasons,
            points(1, "a line not in any catalogue").reasons,
            rule.score(True).reasons + rule.score(False).reasons,
            MissingEvidence("roster", "no roster row").reason,
            NotApplicable("not a county").reason,
            forfeit(Score(rule.points), "site closed").reasons,
            gettext("a leak occurred"),
        )

    try:
        use("zh", [("demo", tmp_path)])
        assert lines() == (
            ("5 个系统中 2 个未完成",),
            ("3 个系统中 1 个未完成",),
            ("a line not in any catalogue",),
            ("报告已发布：1", "报告未发布：0"),
            "名单中无此行",
            "非县级单位",
            ("得分 1 作废 → 0：网站已关停",),
            "发生泄密事件",
        )
        use("en", [("demo", tmp_path)])
        assert lines() == (
            ("2 of 5 systems pending",),
            ("1 of 3 systems pending",),
            ("a line not in any catalogue",),
            ("report published: 1", "no report: 0"),
            "no roster row",
            "not a county",
            ("forfeited 1 → 0: site closed",),
            "a leak occurred",
        )
    finally:
        use("en")


#: What a pack's messages are marked with: escore translates these calls' strings (the reason of
#: MissingEvidence, points and forfeit is their second argument); N_ marks words escore shows later.
PACK_KEYWORDS = {
    "N_": None,
    "gettext": None,
    "with_reason": None,
    "points": (2,),
    "forfeit": (2,),
    "MissingEvidence": (2,),
    "NotApplicable": None,
}
FJ2017_PACKS = ("escore_fj2017_provincial", "escore_fj2017_city", "escore_fj2017_website")


@pytest.mark.parametrize("package", FJ2017_PACKS)
def test_every_message_of_an_fj2017_pack_is_translated(package):
    import importlib
    from pathlib import Path

    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    directory = Path(importlib.import_module(package).__file__).parent
    found = {message for _, _, message, _, _ in extract_from_dir(directory, keywords=PACK_KEYWORDS)}
    assert len(found) > 50  # the pack's words are found where the docs say to mark them
    catalogue = directory / "locale" / "zh" / "LC_MESSAGES" / f"{package}.po"
    with catalogue.open("rb") as stream:
        translated = {m.id: m.string for m in read_po(stream) if m.id and m.string and not m.fuzzy}
    assert sorted(found - translated.keys()) == []
    assert read_catalogue(catalogue.with_suffix(".mo")) == translated  # compiled from this .po


#: English prose (two words), once quoted identifiers and expressions (“not has_app”) are taken out.
ENGLISH = r"[A-Za-z]{3,} [a-z]{2,}"


@pytest.mark.parametrize("category", ["county", "city", "provincial"])
def test_the_fj2017_explanations_of_the_samples_are_chinese(runner, tmp_path, category):
    """Every explanation line, veto and missing-evidence reason a unit's report shows, in the
    fj2017 ruleset's own language: none is left in English (the packs ship catalogues)."""
    import json
    import re

    out = tmp_path / "zh.json"
    assert runner.invoke(cli, ["run", "-c", category, "-f", "json", "-o", str(out)]).exit_code == 0
    english = set()
    for unit in json.loads(out.read_text(encoding="utf-8"))["units"]:
        shown = [line for item in unit["indicators"] for line in item["reasons"]]
        shown += [veto["reason"] for veto in unit["vetoes"]]
        for line in shown:
            if re.search(ENGLISH, re.sub(r"“[^”]*”|'[^']*'", "", line)):
                english.add(line)
    assert sorted(english) == []


@pytest.mark.parametrize("category", ["county", "city", "provincial"])
def test_the_fj2017_citation_notes_are_chinese(category):
    """A rule's note (how the pack reads the notice there), shown beside the cited clause in the
    report and by `list`, is in the ruleset's language too; English keeps the pack's words."""
    import re

    from escore._i18n import use
    from escore._plugins import Catalog, make_plugin_manager

    catalog = Catalog(make_plugin_manager())
    plan = catalog.plan("fj2017", category)
    sources = [node.source for section in plan.sections for _, node in plan.walk(section.name) if node.source and node.source.note]
    assert len(sources) > 20
    try:
        use("zh", catalog.translations)
        shown = [source.shown_note() for source in sources]
    finally:
        use("en")
    assert [source.shown_note() for source in sources] == [source.note for source in sources]
    assert sorted(note for note in shown if re.search(ENGLISH, re.sub(r"“[^”]*”|'[^']*'", "", note))) == []


def test_list_names_the_assessment_methods_as_the_notice_does(runner):
    """`list` shows a row's methods by their keys in English and by the notice's names in Chinese."""
    chinese = runner.invoke(cli, ["list", "-c", "county"]).output
    english = runner.invoke(cli, ["list", "-c", "county", "--lang", "en"]).output
    assert "W-L-1-1-1 公共资源配置 [3]  (年底综合考核)" in chinese
    assert "W-L-1-1-1 公共资源配置 [3]  (annual_review)" in english


def test_a_fields_unit_and_description_are_shown_in_the_command_language(runner):
    """The evidence template translates a pack's field descriptions and units (项 for items)."""
    chinese = runner.invoke(cli, ["template", "-c", "county"]).output
    english = runner.invoke(cli, ["template", "-c", "county", "--lang", "en"]).output
    assert "至多 website.services.admin_power_items (项)" in chinese and "(items)" not in chinese
    assert "at most website.services.admin_power_items (items)" in english
    assert "# context (not scored): 行政权力事项 with a published 办事指南, out of admin_power_items" in english
    assert "with a published" not in chinese
