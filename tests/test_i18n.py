"""The Chinese interface: catalogues in step with the code, --lang and its defaults."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from escore._errors import UsageError
from escore._i18n import LOCALE_DIR, read_catalogue, resolve
from escore_cli import cli

from .conftest import ROOT

PO = LOCALE_DIR / "zh" / "LC_MESSAGES" / "escore.po"
KEYWORDS = {"_": None, "gettext": None, "N_": None, "NP_": ((1, "c"), 2), "pgettext": ((1, "c"), 2)}


def extracted() -> set[tuple[str | None, str]]:
    from babel.messages.extract import extract_from_dir

    found = set()
    for directory in (ROOT / "core" / "escore", ROOT / "cli" / "escore_cli"):
        for _, _, message, _, context in extract_from_dir(directory, keywords=KEYWORDS):
            found.add((context, message))
    return found


def po_messages() -> dict[tuple[str | None, str], str]:
    from babel.messages.pofile import read_po

    with PO.open("rb") as stream:
        return {(m.context, m.id): m.string for m in read_po(stream) if m.id}


def test_every_message_of_the_code_is_translated():
    po = po_messages()
    missing = sorted(m for c, m in extracted() - set(po))
    assert not missing, f"not in {PO.name} (see docs/translations.md): {missing}"
    assert all(po.values()), [k for k, v in po.items() if not v]
    # placeholders survive translation
    for (_, msgid), msgstr in po.items():
        assert sorted(part.split("}")[0] for part in msgid.split("{")[1:]) == sorted(
            part.split("}")[0] for part in msgstr.split("{")[1:]
        ), msgid


def test_compiled_catalogue_matches_the_po_file():
    compiled = read_catalogue(PO.with_suffix(".mo"))
    expected = {(f"{c}\x04{m}" if c else m): s for (c, m), s in po_messages().items()}
    assert compiled == expected, "recompile: pybabel compile -d core/escore/locale -D escore"


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
    assert result.stderr == f"escore：错误：{units / 'fuzhou.gulou.toml'}: website.channels.has_app: 应为 true 或 false（是/否），实际为 3\n"
