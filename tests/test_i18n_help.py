"""``--help`` of every command and group: Chinese under --lang zh or ESCORE_LANG=zh, from the
catalogue of domain escore_help; English otherwise, exactly as it was (tests/data/help.en.txt)."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from escore._i18n import LOCALE_DIR, read_catalogue
from escore_cli import _COMMANDS, cli
from escore_cli._help import DOMAIN, width, wrap
from escore_cli._help import LOCALE_DIR as HELP_LOCALE_DIR

from .conftest import ROOT

HELP_PO = HELP_LOCALE_DIR / "zh" / "LC_MESSAGES" / f"{DOMAIN}.po"
CLICK_PO = LOCALE_DIR / "zh" / "LC_MESSAGES" / "click.po"
ENGLISH = ROOT / "tests" / "data" / "help.en.txt"


def command_paths() -> list[list[str]]:
    """Every command and group as typed, the top level first, taken from the command line itself."""
    ctx = click.Context(cli)
    paths: list[list[str]] = [[]]
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        paths.append([name])
        if isinstance(command, click.Group):
            paths += [[name, sub] for sub in command.list_commands(ctx)]
    return paths


def command_of(path: list[str]) -> click.Command:
    ctx = click.Context(cli)
    command: click.Command = cli
    for name in path:
        command = command.get_command(ctx, name)  # type: ignore[attr-defined]
    return command


def shown_help(path: list[str], *options: str, env: dict[str, str | None] | None = None) -> str:
    result = CliRunner().invoke(cli, [*path, "--help", *options], prog_name="escore", terminal_width=80, env=env)
    assert result.exit_code == 0, result.output
    return result.stdout


def po_messages(path) -> dict[str, str]:
    from babel.messages.pofile import read_po

    with path.open("rb") as stream:
        return {m.id: m.string for m in read_po(stream) if m.id and isinstance(m.id, str)}


def extracted_help() -> set[str]:
    from babel.messages.extract import extract_from_dir

    return {message for _, _, message, _, _ in extract_from_dir(ROOT / "cli" / "escore_cli", keywords={"H_": None})}


def squeezed(text: str) -> str:
    """``text`` without its whitespace: a text and its wrapped lines compare equal."""
    return "".join(text.split())


@pytest.fixture(autouse=True)
def english_unless_asked(monkeypatch):
    monkeypatch.delenv("ESCORE_LANG", raising=False)


def test_every_help_text_is_in_the_help_catalogue_and_translated():
    po = po_messages(HELP_PO)
    extracted = extracted_help()
    assert len(extracted) > 80  # every command's description and every option's
    assert not sorted(extracted - set(po)), f"not in {HELP_PO.name}: see docs/translations.md"
    assert not sorted(set(po) - extracted), f"no longer in the code, remove from {HELP_PO.name}"
    assert all(po.values()), [k for k, v in po.items() if not v]
    for msgid, msgstr in po.items():
        assert sorted(part.split("}")[0] for part in msgid.split("{")[1:]) == sorted(
            part.split("}")[0] for part in msgstr.split("{")[1:]
        ), msgid
    # The option help of click's own options, and one text of each kind, are there.
    assert po["Show this message and exit."] == "显示本帮助并退出。"
    assert po["Unit category, e.g. provincial, city, county."] == "单位类别，如 provincial、city、county。"
    assert po["Score and rank the units of a category."] == "为某一类别的单位评分并排名。"


def test_help_texts_are_not_in_the_messages_catalogue():
    """escore.po holds what commands print; the help texts are in their own domain only."""
    escore = po_messages(LOCALE_DIR / "zh" / "LC_MESSAGES" / "escore.po")
    assert not extracted_help() & set(escore)


def test_compiled_catalogues_match_their_po_files():
    assert read_catalogue(HELP_PO.with_suffix(".mo")) == po_messages(HELP_PO), (
        "recompile: pybabel compile -d cli/escore_cli/locale -D escore_help"
    )
    click_messages = {k: v for k, v in po_messages(CLICK_PO).items() if v}
    compiled = read_catalogue(CLICK_PO.with_suffix(".mo"))
    assert {k: v for k, v in compiled.items() if k in click_messages} == click_messages
    assert click_messages["Options"] == "选项" and click_messages["default: {default}"] == "默认：{default}"


def test_english_help_of_every_command_is_as_it_was():
    shown = "\n".join("$ escore " + " ".join([*path, "--help"]) + "\n" + shown_help(path) for path in command_paths())
    assert shown == ENGLISH.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", command_paths(), ids=lambda path: " ".join(path) or "escore")
def test_help_of_every_command_in_chinese(path):
    texts = read_catalogue(HELP_PO.with_suffix(".mo"))
    command = command_of(path)
    # A group takes no --lang (as escore itself): its help follows ESCORE_LANG.
    asking: list[tuple[list[str], dict[str, str | None] | None]] = [([], {"ESCORE_LANG": "zh_CN"})]
    if not isinstance(command, click.Group):
        asking.append((["--lang", "zh"], None))
    english = shown_help(path)
    for options, env in asking:
        chinese = shown_help(path, *options, env=env)
        lines = chinese.splitlines()
        assert lines[0].startswith("用法： escore")
        assert "选项：" in lines
        assert command.help in texts, f"escore {' '.join(path)}: its description is not translated"
        assert squeezed(texts[command.help]) in squeezed(chinese)
        assert squeezed(command.help.partition("\n\n")[0]) not in squeezed(chinese)
        ctx = click.Context(command)
        described = [p for p in command.get_params(ctx) if getattr(p, "help", None)]
        assert described, path
        for parameter in described:
            english_help: str = parameter.help  # type: ignore[attr-defined]
            assert english_help in texts, f"escore {' '.join(path)} {parameter.opts}: help not translated"
            assert squeezed(texts[english_help]) in squeezed(chinese), (path, parameter.opts)
            assert squeezed(english_help) not in squeezed(chinese), (path, parameter.opts)
        # Option names, metavars, choices as in English: each option's first column, as English shows it.
        for parameter in [p for p in command.get_params(ctx) if isinstance(p, click.Option)]:
            record = parameter.get_help_record(ctx)
            if record is not None:
                assert any(line.startswith(f"  {record[0]}") for line in english.splitlines()), record
                assert any(line.startswith(f"  {record[0]}") for line in lines), (path, record)
        for line in lines:
            assert width(line) <= 80 or " " not in line.strip(), line  # wrapped by the width it takes
        if isinstance(command, click.Group):
            assert "命令：" in lines
            listed = [
                line.split()[0] for line in lines[lines.index("命令：") + 1 :] if line.startswith("  ") and not line.startswith("   ")
            ]
            assert listed == sorted(_COMMANDS) if not path else listed == sorted(command.commands)  # type: ignore[attr-defined]


def test_the_lists_of_commands_in_chinese():
    top = shown_help([], env={"ESCORE_LANG": "zh"})
    assert "  run         为某一类别的单位评分并排名。\n" in top
    assert "  appeal      提交、列出和裁决申诉（已采纳的申诉适用于此后的运行）。\n" in top
    appeal = shown_help(["appeal"], env={"ESCORE_LANG": "zh"})
    # A subcommand's line is the first sentence of its translated help.
    assert "  list    列出申诉及其记录的每一步。\n" in appeal
    assert "  add     提交单位 UNIT 对指标 INDICATOR 的申诉，并附上所请求的证据修改。\n" in appeal


def test_exact_chinese_help_of_a_command():
    assert shown_help(["list"], "--lang", "zh").splitlines() == [
        "用法： escore list [OPTIONS]",
        "",
        "  显示某一类别的指标体系：满分、考核方式和引用条款。",
        "",
        "选项：",
        "  -c, --category CATEGORY  单位类别，如 provincial、city、county。  [必填]",
        "  --ruleset NAME           安装了多个规则集时所用的规则集（如 fj2017）。",
        "  --year YEAR              考核年度，在安装了多个规则集时使用。",
        "  -f, --format TEXT        table 或 json。  [默认：table]",
        "  -o, --output FILE        写入文件 FILE（原子写入），而不是标准输出。",
        "  --lang zh|en             输出和提示信息的语言（默认：ESCORE_LANG，否则为规则集",
        "                           的语言，fj2017 为 zh）。",
        "  -h, --help               显示本帮助并退出。",
    ]


def test_lang_en_wins_over_the_environment_and_english_follows_chinese():
    english = shown_help(["run"])
    assert shown_help(["run"], "--lang", "en", env={"ESCORE_LANG": "zh"}) == english
    assert shown_help(["run"], "--lang=zh").startswith("用法： escore run [OPTIONS]\n\n  为某一类别的单位评分并排名。\n")
    # Nothing of the Chinese help stays behind: the commands and options keep their English.
    assert shown_help(["run"]) == english
    assert shown_help([], env={"ESCORE_LANG": "en"}).startswith("Usage: escore [OPTIONS] COMMAND [ARGS]...\n\n  escore: score")


def test_wrapping_by_the_columns_characters_take():
    text = "用 N 个进程评分并读取大型 CSV 监测表（默认：1,000 个单位及以上时使用全部处理器；1：单进程）。"
    lines = wrap(text, 30)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert all(width(line) <= 30 for line in lines)
    assert lines == ["用 N 个进程评分并读取大型 CSV", "监测表（默认：1,000 个单位及以", "上时使用全部处理器；1：单进", "程）。"]
    # No line starts with closing punctuation or ends with opening punctuation.
    assert wrap("一二三四五六七八，九十", 16) == ["一二三四五六七", "八，九十"]
    assert wrap("一二三四五六（七八）", 14) == ["一二三四五六", "（七八）"]
    assert wrap("Write to FILE instead of stdout (atomically).", 20) == ["Write to FILE", "instead of stdout", "(atomically)."]


def test_version_and_english_help_load_no_translation():
    code = (
        "import sys; from escore_cli import main\n"
        "for args in (['--version'], ['--help'], ['run', '--help']):\n"
        "    try:\n        main(args)\n    except SystemExit: pass\n"
        "    print('escore_cli._help' in sys.modules)\n"
    )
    env = {"PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout.splitlines()
    assert [line for line in out if line in ("True", "False")] == ["False"] * 3


# ---------------------------------------------------------------------- what the help says is so


def test_run_s_help_names_every_format_escore_writes():
    """It had left out html."""
    from escore import _builtin_formats

    names: list[str] = []
    _builtin_formats.escore_register_formats(lambda f: names.append(f.name))
    option = next(o for o in command_of(["run"]).params if o.name == "format_")
    listed = option.help.split(":", 1)[1].split("(")[0].replace(" ", "").strip(",").split(",")
    assert sorted(listed) == sorted(names) and "html" in names


def test_the_list_of_commands_names_every_schema():
    """escore --help had left out plans (plan --all)."""
    from escore._report import SCHEMAS

    summary = _COMMANDS["schema"][2]
    assert summary.split("(", 1)[1].rstrip(").").split(", ") == ["run", "list", "diff", "whatif", "plan", "plans", "history"]
    assert set(SCHEMAS) == {"run", "list", "diff", "whatif", "plan", "plans", "history"}


def test_verify_s_fail_under_is_shown_as_the_pct_its_help_speaks_of():
    assert "  --fail-under PCT  With --coverage: fail if fewer than PCT% of indicators are" in shown_help(["verify"])


#: Each example of a command's --help, as the help shows it, and the command line that runs it
#: against the fj2017 sample; ``None``: an example that needs what the sample lacks (two saved
#: runs, an evidence directory of the reader's, a second ruleset installed).
EXAMPLES: list[tuple[list[str], str, list[str] | None]] = [
    (
        ["whatif"],
        '--add-row website_notices:date=2017-09-01,kind="网络安全通报批评"',
        ["whatif", "fuzhou.luoyuan", "--add-row", 'website_notices:date=2017-09-01,kind="网络安全通报批评"'],
    ),
    (["whatif"], "--remove-row website_notices:4", ["whatif", "fuzhou.luoyuan", "--remove-row", "website_notices:4"]),
    (["run"], "(e.g. code,name,total)", ["run", "-c", "county", "-f", "csv", "--columns", "code,name,total"]),
    (["run"], "e.g. provincial, city, county", ["run", "-c", "provincial"]),
    (["run"], "(e.g. fj2017)", ["run", "-c", "city", "--ruleset", "fj2017"]),
    (["verify"], "e.g. --pytest-arg=-x", ["verify", "--pytest-arg=-x", "-k", "full-marks"]),
    (["new-pack"], "e.g. fj2018", ["new-pack", "--extends", "fj2017", "--name", "fj2018", "{tmp}/fj2018"]),
    (["diff"], "saved run ids (3 7)", None),
    (["diff"], "evidence directories (ev-oct/ ev-dec/)", None),
    (["diff"], "(--ruleset fj2017 --ruleset fj2018 -c county)", None),
]


def test_every_example_of_the_help_is_listed_here():
    """A help text with an example ("e.g.", an option with its value) that is not in EXAMPLES fails:
    add it there, with the command line that runs it."""
    for path in command_paths():
        command = command_of(path)
        texts = [command.help or "", *(getattr(p, "help", None) or "" for p in command.params)]
        for text in texts:
            if "e.g." in text or "--add-row " in text or "--remove-row " in text or "(3 7)" in text:
                # an option many commands share (--ruleset, -c) is run with one of them
                assert any(example in text for _, example, _ in EXAMPLES), (path, text)


@pytest.mark.parametrize(("path", "example", "args"), [e for e in EXAMPLES if e[2] is not None], ids=lambda v: str(v)[:40])
def test_every_example_of_the_help_runs_against_the_sample(tmp_path, monkeypatch, path, example, args):
    """whatif's had named a kind of notice the fj2017 packs do not know ('security')."""
    pytest.importorskip("escore_fj2017_website")
    for name in ("ESCORE_DISABLE_PLUGIN_AUTOLOAD", "ESCORE_PLUGINS", "ESCORE_BLOCKED_PLUGINS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ESCORE_DB", str(tmp_path / "escore.db"))
    assert example in " ".join(shown_help(path).split()) or example in (command_of(path).help or "")
    result = CliRunner().invoke(cli, [a.replace("{tmp}", str(tmp_path)) for a in args])
    assert result.exit_code == 0, result.output + result.stderr
