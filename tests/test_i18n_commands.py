"""--lang on every command, and the Chinese of the cycle commands, tables and workbooks (exact lines)."""

from __future__ import annotations

import shutil

import click
import pytest
from click.testing import CliRunner

from escore_cli import cli

from .conftest import FJ2017_PLUGINS

pytest.importorskip("escore_fj2017_city")
pytest.importorskip("escore_fj2017_provincial")


def every_command() -> list[str]:
    """Every command as typed, from the command line itself: a new command is checked without listing it here."""
    ctx = click.Context(cli)
    names = []
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        if isinstance(command, click.Group):
            names += [f"{name} {sub}" for sub in command.list_commands(ctx)]
        else:
            names.append(name)
    return names


def command_of(path: str) -> click.Command:
    ctx = click.Context(cli)
    command: click.Command = cli
    for name in path.split():
        command = command.get_command(ctx, name)  # type: ignore[attr-defined]
    return command


def test_the_command_list_is_complete():
    assert {"run", "history", "appeal add", "appeal list", "appeal decide", "rules-diff", "new-pack", "schema"} <= set(every_command())


@pytest.mark.parametrize("name", every_command())
def test_every_command_takes_lang(name):
    options = {opt for param in command_of(name).params for opt in getattr(param, "opts", ())}
    assert "--lang" in options, f"escore {name} has no --lang (use _common.lang_option)"


@pytest.fixture
def runner(monkeypatch, fj2017_only):
    """The fj2017 packs alone (their language is the default these tests expect), in no language set."""
    monkeypatch.delenv("ESCORE_LANG")
    return CliRunner()


@pytest.mark.parametrize(
    "args",
    [
        ["history", "--db", "{db}"],
        ["appeal", "list", "--db", "{db}"],
        ["appeal", "decide", "1", "--accept", "--reason", "r", "--db", "{db}"],
        ["schema", "run"],
        ["rules-diff", "fj2017", "fj2017"],
        ["new-pack", "{db}.pack", "--name", "x", "--year", "2030"],
    ],
)
def test_lang_is_checked_by_commands_without_a_ruleset(runner, tmp_path, args):
    result = runner.invoke(cli, [a.format(db=tmp_path / "s.db") for a in args] + ["--lang", "fr"])
    assert result.exit_code == 2
    assert result.stderr == "escore: error: --lang: unknown language 'fr'; expected one of en, zh\n"


def test_commands_without_a_ruleset_default_to_the_packs_language(runner, tmp_path, monkeypatch):
    db = str(tmp_path / "s.db")
    assert runner.invoke(cli, ["history", "--db", db]).stdout == "没有已保存的运行（escore run … --save 可保存一次）\n"
    monkeypatch.setenv("ESCORE_LANG", "en")
    assert runner.invoke(cli, ["history", "--db", db]).stdout == "no saved runs (escore run … --save stores one)\n"
    assert runner.invoke(cli, ["appeal", "list", "--db", db, "--lang", "zh"]).stdout == "没有申诉\n"


@pytest.fixture
def store(runner, tmp_path):
    """A store with the city sample's run (#1) and a what-if run raising fuzhou's C-3-2 to 6 (#2)."""
    db = str(tmp_path / "s.db")
    assert runner.invoke(cli, ["run", "-c", "city", "--save", "--db", db]).exit_code == 0
    whatif = runner.invoke(cli, ["whatif", "fuzhou", "--set", 'city.security.govnet={points = 6, reason = "复核"}', "--save", "--db", db])
    assert whatif.exit_code == 0, whatif.output
    return db


def test_whatif_in_chinese(runner):
    result = runner.invoke(cli, ["whatif", "fuzhou", "--set", 'city.security.govnet={points = 6, reason = "复核"}', "--lang", "zh"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "假设 fuzhou 福州市：--set 'city.security.govnet={points = 6, reason = \"复核\"}'",
        "*** 合成数据：演示用的虚构样本，并非真实考核结果 ***",
        "总分 86.35 → 87.35（+1.00，精确值 1）；排名 2 → 2（共 10 个）",
        "  C-3-2 政务信息系统安全和政务信息网安全管理：5.00 → 6.00（+1.00）",
        "      · 评估人员评分 6（满分 6）：复核",
    ]


def test_history_in_chinese(runner, store):
    lines = runner.invoke(cli, ["history", "--db", store, "--lang", "zh"]).stdout.splitlines()
    assert lines[0].split() == ["编号", "时间", "类型", "规则集", "类别", "单位数", "证据", "标签"]
    assert lines[2].split()[0] == "1" and lines[2].split()[2:7] == ["运行", "*", "fj2017", "city", "10"]  # * : the sample's synthetic
    assert lines[-1] == "* 按合成数据评分的运行：演示用的虚构样本，并非真实考核结果"


def test_diff_in_chinese(runner, store):
    lines = runner.invoke(cli, ["diff", "1", "2", "--db", store, "--lang", "zh"]).stdout.splitlines()
    assert lines[0].startswith("之前：运行 #1 (fj2017, ")
    assert lines[2] == "*** 合成数据：演示用的虚构样本，并非真实考核结果 ***"  # runs of the synthetic sample
    assert lines[4].split() == ["代码", "单位", "之前", "之后", "变化", "排名", "→", "排名"]
    assert lines[6].split() == ["fuzhou", "福州市", "86.35", "87.35", "+1.00", "2", "2"]
    assert lines[7] == "10 个单位中有 1 个变化"
    assert lines[9:12] == [
        "fuzhou C-3-2 政务信息系统安全和政务信息网安全管理：5.00 → 6.00（+1.00）",
        "    之前 · 评估人员评分 5（满分 6）：1个应用系统存在中危漏洞，已整改",
        "    之后 · 评估人员评分 6（满分 6）：复核",
    ]
    assert lines[-1] == "得分按四舍五入保留 2 位小数显示；变化与排名按精确值计算（-f json 给出精确值）"
    html = runner.invoke(cli, ["diff", "1", "2", "--db", store, "--lang", "zh", "-f", "html"]).stdout
    assert '<html lang="zh">' in html and "<th>变化</th>" in html and "<li>之后 · 评估人员评分 6（满分 6）：复核</li>" in html


def test_plan_in_chinese(runner):
    lines = runner.invoke(cli, ["plan", "fuzhou", "--lang", "zh"]).stdout.splitlines()
    assert lines[0] == "改进计划 · fuzhou 福州市 · fj2017 city · 总分 86.35"
    assert lines[3] == "1. +1.00  C-3-2 政务信息系统安全和政务信息网安全管理"
    assert lines[4].startswith("   city.security.govnet 5 → 6：评估人员评分：最高 6 分；评分标准：「考核要求：")
    assert lines[4].endswith("」；C-3-2 5 → 6（满分 6），总分 +1")
    assert (
        lines[-1]
        == "每项措施都是在现有证据上单独评分的；多项措施的增分不一定可以相加；增分按四舍五入保留 2 位小数显示（-f json 给出精确值）"
    )
    html = runner.invoke(cli, ["plan", "fuzhou", "--lang", "zh", "-f", "html"]).stdout
    assert "<h1>改进计划：fuzhou 福州市</h1>" in html and "<th>增分</th>" in html


def test_appeals_in_chinese(runner, store):
    add = ["appeal", "add", "fuzhou", "C-3-2", "--claim", "已整改", "--db", store, "--lang", "zh"]
    assert runner.invoke(cli, add).stdout == "申诉 #1 已提交：fuzhou C-3-2（fj2017，2017）\n"
    decided = runner.invoke(cli, ["appeal", "decide", "1", "--reject", "--reason", "证据不足", "--db", store, "--lang", "zh"])
    assert decided.stdout == "申诉 #1 已驳回：证据不足\n"
    lines = runner.invoke(cli, ["appeal", "list", "--db", store, "--lang", "zh"]).stdout.splitlines()
    assert lines[0] == "#1 已驳回：fuzhou C-3-2（fj2017 city）已整改"
    assert lines[1].endswith(" 已提交：已整改") and lines[2].endswith(" 已驳回：证据不足")
    again = runner.invoke(cli, ["appeal", "decide", "1", "--accept", "--reason", "x", "--db", store, "--lang", "zh"])
    assert again.exit_code == 2 and again.stderr.startswith("escore：错误：申诉 #1 已有决定：已驳回（")
    assert again.stderr.endswith("）；决定不可更改\n")
    # JSON keeps its keys and status words
    assert '"status": "rejected"' in runner.invoke(cli, ["appeal", "list", "--db", store, "--lang", "zh", "-f", "json"]).stdout


def test_rules_diff_in_chinese(runner):
    assert runner.invoke(cli, ["rules-diff", "fj2017", "fj2017", "--lang", "zh"]).stdout == "从 fj2017 到 fj2017 没有规则变化\n"
    markdown = runner.invoke(cli, ["rules-diff", "fj2017", "fj2017", "--lang", "zh", "-f", "markdown"]).stdout
    assert markdown == "## 规则变化：fj2017 → fj2017\n\n没有变化。\n"
    wrong = runner.invoke(cli, ["rules-diff", "fj2017", "fj2071", "--lang", "zh"])
    assert wrong.stderr == "escore：错误：未知的规则集“fj2071”；是否要找“fj2017”？\n"


def test_rules_diff_table_names_the_changes_in_chinese(tmp_path):
    from escore._i18n import use
    from escore._rulesdiff import Change, render

    changes = [Change("max", ("city",), "C-1", "6", "8"), Change("node-added", ("city",), "C-9", "", "C-9 新指标")]
    use("zh")
    try:
        assert render(changes, "fj2017", "fj2018", "table").splitlines() == [
            "从 fj2017 到 fj2018 的规则变化：2 项",
            "  city         满分               C-1",
            "      - 6",
            "      + 8",
            "  city         新增指标           C-9",
            "      + C-9 新指标",
        ]
        assert render(changes, "fj2017", "fj2018", "markdown").splitlines()[2] == "| 类别 | 变化 | 对象 | fj2017 | fj2018 |"
    finally:
        use("en")
    assert render(changes, "fj2017", "fj2018", "table").splitlines()[1] == "  city         max                C-1"


def test_new_pack_and_schema_in_chinese(runner, tmp_path):
    target = tmp_path / "fj2018"
    made = runner.invoke(cli, ["new-pack", str(target), "--name", "fj2018", "--extends", "fj2017", "--lang", "zh"])
    assert made.exit_code == 0, made.output
    assert made.stderr == f"已向 {target} 写入 8 个文件；安装：pip install -e {target}\n"
    shutil.rmtree(target)
    no_year = runner.invoke(cli, ["new-pack", str(target), "--name", "fj2030", "--lang", "zh"])
    assert no_year.stderr == "escore：错误：new-pack：不带 --extends 时必须给出 --year\n"
    schema = runner.invoke(cli, ["schema", "rn", "--lang", "zh"])
    assert schema.stderr == "escore：错误：schema：没有“rn”的 JSON Schema；是否要找“run”？\n"


def test_verify_says_in_chinese_that_nothing_matched(runner):
    result = runner.invoke(cli, ["verify", "-k", "no_such_case", "--lang", "zh"])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == "escore：错误：没有收集到黄金案例（-k 'no_such_case' 一个也不匹配）"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["verify", "--fail-under", "50"], "--fail-under 需要与 --coverage 同用（它是规则覆盖率的阈值）"),
        (["whatif", "xiamen.siming"], "没有要改的内容：请给出 --set 字段=值、--add-row 或 --remove-row"),
        (["whatif", "xiamen.siming", "--label", "x", "--set", "a=1"], "--label 用于命名保存的运行：请加上 --save"),
        (["appeal", "add", "xiamen.siming", "W-L-5-2-1", "--claim", " "], "--claim：请写明申诉的主张；它随申诉记录，并与其效果一同显示"),
    ],
)
def test_usage_errors_checked_before_the_packs_are_read_follow_the_ruleset_s_language(runner, tmp_path, args, expected):
    """They had been English under fj2017 unless --lang zh was given."""
    for lang in ([], ["--lang", "zh"]):
        result = runner.invoke(cli, [*args, *lang, *(["--db", str(tmp_path / "escore.db")] if args[0] != "verify" else [])])
        assert (result.exit_code, result.stderr) == (2, f"escore：错误：{expected}\n")


def test_a_broken_plugin_is_named_in_the_packs_language(runner, tmp_path, monkeypatch):
    """The warning had been English by default under fj2017, and "plugin … failed to load" inside
    the Chinese of --lang zh; the exception's own words stay as they are."""
    (tmp_path / "brokenpack").mkdir()
    (tmp_path / "brokenpack" / "__init__.py").write_text('raise ImportError("boom")\n', encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("ESCORE_PLUGINS", f"{FJ2017_PLUGINS},brokenpack")
    where = f"({tmp_path / 'brokenpack' / '__init__.py'}:1)"
    for lang in ([], ["--lang", "zh"]):
        result = runner.invoke(cli, ["run", "-c", "county", "-f", "csv", *lang])
        assert result.exit_code == 0
        assert result.stderr.splitlines()[0] == f"escore：警告：插件“brokenpack”已损坏，未加载：加载失败：ImportError: boom {where}"
    unknown = runner.invoke(cli, ["run", "-c", "nope"])
    assert unknown.stderr.splitlines()[-1].endswith("；插件“brokenpack”已损坏（见上方警告）")
    listing = runner.invoke(cli, ["plugins"])
    assert f"已损坏：brokenpack：加载失败：ImportError: boom {where}" in listing.stdout
    english = runner.invoke(cli, ["run", "-c", "county", "-f", "csv", "--lang", "en"])
    assert english.stderr.splitlines()[0] == (
        f"escore: warning: plugin 'brokenpack' is broken and was left out: failed to load: ImportError: boom {where}"
    )


# ---------------------------------------------------------------------- tables and workbooks


def _fields(tmp_path, text):
    path = tmp_path / "ev" / "fields" / "provincial.csv"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("table", "line", "message"),
    [
        ("unit,provincial.credit.items_required\nprov.czt,1\nprov.czt,2\n", ":3", "unit: 单位“prov.czt”有第二行（第一行在第 2 行）"),
        (
            "unit,provincial.data_sharing.aggregation\nprov.czt,1\n",
            "",
            "provincial.data_sharing.aggregation: 评分字段占两列："
            "provincial.data_sharing.aggregation.points 和 provincial.data_sharing.aggregation.reason",
        ),
        ("unit,provincial.credit.items_required\n,1\n", ":2", "unit: 单位代码为空"),
        ("unit,city.platforms.iot\nprov.czt,1\n", "", "city.platforms.iot: 类别“provincial”不读取此字段"),
    ],
)
def test_fields_table_errors_in_chinese(runner, tmp_path, table, line, message):
    path = _fields(tmp_path, table)
    result = runner.invoke(cli, ["run", "-c", "provincial", "--lang", "zh", "-e", str(tmp_path / "ev")])
    assert result.exit_code == 2, result.output
    assert result.stderr == f"escore：错误：{path}{line}: {message}\n"


def test_units_table_errors_in_chinese(runner, tmp_path):
    roster = tmp_path / "units.csv"
    roster.write_text("code,name,dc_variant\nx,X,A\nx,Y,B\n", encoding="utf-8")
    result = runner.invoke(cli, ["run", "-c", "provincial", "--lang", "zh", "--roster", str(roster)])
    assert result.stderr == f"escore：错误：{roster}: code: 单位代码不得重复；重复的有：x（“x”在第 2, 3 行）\n"
    roster.write_text("code,name,dc_variant\nx,X,D\n", encoding="utf-8")
    result = runner.invoke(cli, ["run", "-c", "provincial", "--lang", "zh", "--roster", str(roster)])
    assert result.stderr == f"escore：错误：{roster}:2: dc_variant: 应为以下之一：A, B, C，实际为 'D'\n"
    roster.write_text("code,name,dc_variant\nx,X,\n", encoding="utf-8")
    result = runner.invoke(cli, ["run", "-c", "provincial", "--lang", "zh", "--roster", str(roster)])
    assert result.stderr == f"escore：错误：{roster}:2: dc_variant: 应为以下之一：A, B, C，实际为 空单元格\n"


def test_workbook_structure_errors_in_chinese(runner, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    pytest.importorskip("escore_fj2017_website")
    path = tmp_path / "county.xlsx"
    made = runner.invoke(cli, ["template", "-c", "county", "--format", "xlsx", "--evidence-from-sample", "-o", str(path), "--lang", "zh"])
    assert made.exit_code == 0, made.output
    book = openpyxl.load_workbook(path)
    about = book["说明"]
    assert about["A1"].value == "escore 证据工作簿 · fj2017（2017）· county 县（市、区）政府"
    assert about["A4"].value.startswith("每个字段组一页：每行一个单位（代码、名称、上级）")
    sheet = next(s for s in book.worksheets if s.title not in ("说明", "_lists") and s.cell(3, 1).value == "unit")
    assert sheet.cell(2, 1).value == "单位代码"
    assert sheet.cell(3, 4).comment.text.splitlines()[-1] == "空单元格 = 未提供证据（列为“缺少证据”）"
    sheet.cell(3, 5).value = sheet.cell(3, 4).value  # a key repeated
    sheet.cell(3, 2).value = "parent"  # a unit column out of place
    stray = book.create_sheet("草稿")
    stray["B2"] = "随手记"
    broken = tmp_path / "broken.xlsx"
    book.save(broken)
    result = runner.invoke(cli, ["run", "-c", "county", "--lang", "zh", "-e", str(broken)])
    assert result.exit_code == 2
    key = sheet.cell(3, 4).value
    assert result.stderr.splitlines() == [
        f"escore：错误：{broken}: 工作簿中有 3 个问题；未进行任何评分：",
        f"  {sheet.title}!B3: parent: 应在 C 列",
        f"  {sheet.title}!E3: {key}: 列重复（另见 {sheet.title}!D3）",
        "  草稿!A1: 不是证据工作表：A 列应有以“unit”开头的字段键行（以“_”开头的工作表会被忽略）",
    ]


def test_no_message_is_hidden_inside_an_f_string():
    """pybabel does not read inside f-string replacement fields: a message there would never reach the catalogue."""
    import ast

    from .conftest import ROOT

    hidden = []
    for path in sorted([*(ROOT / "core" / "escore").glob("*.py"), *(ROOT / "cli" / "escore_cli").glob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FormattedValue):
                continue
            for call in ast.walk(node):
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Name)
                    and call.func.id in ("_", "gettext", "pgettext", "N_", "NP_")
                    and any(isinstance(arg, ast.Constant) for arg in call.args)
                ):
                    hidden.append(f"{path.relative_to(ROOT)}:{call.lineno}")
    assert not hidden, hidden


def test_results_workbook_in_chinese(runner, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    path = tmp_path / "results.xlsx"
    assert runner.invoke(cli, ["run", "-c", "city", "-f", "xlsx", "-o", str(path), "--lang", "zh"]).exit_code == 0
    book = openpyxl.load_workbook(path)
    assert book["排名 ranking"]["A1"].value == "合成数据：演示用的虚构样本，并非真实考核结果 · 排名 ranking"
    explained = book["解释 explanations"]
    assert [c.value for c in explained[3]][:8] == ["fuzhou", "福州市", "C-1-1-1", "物联网服务", "已评分", 4, 4, 0]
    about = {row[0]: row[1] for row in book["说明 about"].iter_rows(min_row=3, values_only=True)}
    assert about["状态"] == "已评分 668，缺少证据 2，不适用 0，错误 0" and about["选择"] == "全部指标"
    matrix = book["指标 indicators"]
    assert [c.value for c in matrix[1] if c.value][1:] == ["图例：", "失分", "缺少证据", "错误", "不适用"]


def test_click_usage_errors_follow_lang_and_leave_english_as_it_was(runner):
    """click's own messages about the command line: in Chinese with --lang zh (or ESCORE_LANG), and
    English again for the next command that does not ask for Chinese."""
    zh = runner.invoke(cli, ["run", "-c", "county", "--lang", "zh", "--jobs", "0"])
    assert zh.exit_code == 2
    assert zh.stderr.splitlines() == [
        "用法： cli run [OPTIONS]",  # CliRunner names the program "cli"
        "用“cli run --help”查看帮助。",
        "",
        "错误：'--jobs' / '-j' 的值无效：0 不在范围 x>=1 内。",
    ]
    assert runner.invoke(cli, ["nonesuch", "--lang=zh"]).stderr.splitlines()[-1] == "错误：没有命令 'nonesuch'。"
    en = runner.invoke(cli, ["run", "-c", "county", "--jobs", "0"])
    assert en.stderr.splitlines()[-1] == "Error: Invalid value for '--jobs' / '-j': 0 is not in the range x>=1."


def test_a_refused_cache_is_said_in_the_commands_language(tmp_path, monkeypatch):
    """The parsed-TOML cache is read while the packs load, before the language is known: a
    refused cache directory is said once, by the evidence cache, in the command's language
    (Chinese for fj2017), not in English ahead of the Chinese lines."""
    not_a_directory = tmp_path / "cache"
    not_a_directory.write_text("a file")
    monkeypatch.setenv("ESCORE_CACHE_DIR", str(not_a_directory))
    monkeypatch.delenv("ESCORE_LANG", raising=False)
    result = CliRunner().invoke(cli, ["run", "-c", "city", "-f", "csv"])
    assert result.exit_code == 0
    warnings = [line for line in result.stderr.splitlines() if "证据缓存" in line or "evidence cache" in line]
    assert warnings == [f"escore：警告：不使用证据缓存 {not_a_directory}：它不是目录（请改为自己所有、权限 0700，或设置 ESCORE_CACHE_DIR）"]
