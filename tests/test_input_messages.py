"""The words of bad input: each message names the file (CSV line, sheet and cell), the column or
key and what was expected, with a "did you mean" that points from the input to the fix.

Each probe copies a pack's sample evidence (or writes a small table), spoils it as a user would
(a header typed in a spreadsheet, Excel's other CSV flavours, a TOML value of the wrong kind, a
workbook that is not one) and runs ``escore run --lang en``: exit 2, the one line expected on
stderr, no output file.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

pytest.importorskip("escore_fj2017_website", reason="the fj2017 packs are not installed")
pytest.importorskip("escore_fj2017_city", reason="the fj2017 packs are not installed")
pytest.importorskip("escore_fj2017_provincial", reason="the fj2017 packs are not installed")

from escore_cli import cli

from .test_impossible_evidence import ROOT, SAMPLES, edit


def copy(sample: str, target: str = "ev") -> Path:
    shutil.copytree(SAMPLES[sample], Path(target))
    return Path(target)


def write(path: str, text: str) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def refused(*args: str) -> str:
    """The one error line of ``escore run ARGS --lang en`` (without its ``escore: error:``)."""
    result = CliRunner().invoke(cli, ["run", *args, "-f", "json", "-o", "out.json", "--lang", "en"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert not Path("out.json").exists()
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("escore: error: "), result.stderr
    return lines[0].removeprefix("escore: error: ")


def city(*extra: str) -> tuple[str, ...]:
    """The city run's arguments: the city sample (``ev``) and the website sample's city part."""
    if not Path("web").exists():
        copy("website-city", "web")
    return ("-c", "city", "-e", "ev", "-e", "web", *extra)


# ----------------------------------------------------------------------------- column names


def test_a_misspelt_monitoring_column_is_named_with_the_column_meant(work):
    """The hint had pointed the other way: 'kind: missing column (one of …) (did you mean
    'kinds'?)', the misspelling offered as the fix and the column's values listed as if columns."""
    table = copy("city") / "monitoring" / "city_video_incidents.csv"
    edit(table, r"^unit,date,kind,detail$", "unit,date,kinds,detail")
    assert refused(*city()) == f"{table}: kind: missing column; the header has 'kinds': write it kind"
    edit(table, r"^unit,date,kinds,detail$", "Unit,date,kind,detail")
    assert refused(*city()) == f"{table}: unit: missing column; the header has 'Unit': write it unit"


def test_a_missing_monitoring_column_says_its_values_are_its_values(work):
    table = copy("city") / "monitoring" / "city_video_incidents.csv"
    edit(table, r"^unit,date,kind,detail$", "unit,date,detail")
    table.write_text(re.sub(r"^([^,\n]*,[^,\n]*),[^,\n]*,", r"\1,", table.read_text(encoding="utf-8"), flags=re.M), encoding="utf-8")
    assert refused(*city()).startswith(f"{table}: kind: missing column (its values: one of 'rollcall_absent', 'rollcall_late', ")


@pytest.mark.parametrize(
    ("header", "message"),
    [
        # A near miss of the column the variants are picked by: it is a column of units tables too.
        ("code,name,parent,dc_varient", "units.csv: dc_variant: missing column; the header has 'dc_varient': write it dc_variant"),
        ("code,name,parent,dc-variant", "units.csv: dc_variant: missing column; the header has 'dc-variant': write it dc_variant"),
        ("code,name,parent,DC_Variant", "units.csv: dc_variant: missing column; the header has 'DC_Variant': write it dc_variant"),
        ("Code,name,parent,dc_variant", "units.csv: code: missing column; the header has 'Code': write it code"),
        # With the column given, a near miss beside it is an attribute of its own (nothing refused
        # for it), and a near miss of name or parent is still one.
        (
            "code,name,parnet,dc_variant",
            "units.csv:1: parnet: unknown column; columns code, name and parent are written so (did you mean 'parent'?)",
        ),
    ],
)
def test_a_misspelt_units_table_column_is_named_with_the_column_meant(work, header, message):
    roster = write("units.csv", f"{header}\nprov.bgt,省政府办公厅,,C\n")
    assert refused("-c", "provincial", "--roster", str(roster)) == message


def test_a_units_table_may_carry_an_attribute_near_the_variant_s_column(work):
    """Only a column the header lacks is looked for among its names: an attribute beside it,
    however alike, is the table's own."""
    import tomllib

    roster = tomllib.loads((ROOT / "plugins/indicators_provincial/escore_fj2017_provincial/roster.toml").read_text(encoding="utf-8"))
    rows = [f"{u['code']},{u['name']},,{u['attributes']['dc_variant']},A" for u in roster["unit"]]
    table = write("units.csv", "code,name,parent,dc_variant,dc_variants_old\n" + "\n".join(rows) + "\n")
    result = CliRunner().invoke(cli, ["run", "-c", "provincial", "--roster", str(table), "-f", "json", "--lang", "en"])
    assert result.exit_code in (0, 1), result.output
    assert "error" not in result.stderr


# ----------------------------------------------------------------------------- a header cell left empty


@pytest.mark.parametrize(
    ("header", "row", "column"),
    [
        ("unit,city.data_centre.plan_issued,,city.data_centre.work_started", "fuzhou,true,x,true", 3),
        # A separator at the end of every line (a spreadsheet's export).
        ("unit,city.data_centre.plan_issued,city.data_centre.work_started,", "fuzhou,true,true,", 4),
        # Two of them: the csv reader had called the header's names repeated.
        ("unit,city.data_centre.plan_issued,,,city.data_centre.work_started", "fuzhou,true,x,,true", 3),
    ],
)
def test_a_fields_table_s_column_without_a_name_is_named_by_its_place(work, header, row, column):
    """It had been 'unknown evidence key (column)', naming no column."""
    table = write("tab/fields/city.csv", f"{header}\n{row}\n")
    assert refused("-c", "city", "-e", "tab") == (
        f"{table}: column {column}: the header gives this column no name (an empty header cell, or a separator at the end of"
        " the lines); remove it"
    )


def test_a_units_table_s_column_without_a_name_is_named_by_its_place(work):
    table = write("units.csv", "code,name,dc_variant,,\nprov.bgt,省政府办公厅,C,x,\n")
    assert refused("-c", "provincial", "--roster", str(table)) == (
        f"{table}: column 4: the header gives this column no name (an empty header cell, or a separator at the end of the lines); remove it"
    )
    table = write("units.csv", "code,,name,dc_variant\nprov.bgt,x,省政府办公厅,C\n")
    assert (
        refused("-c", "provincial", "--roster", str(table)) == f"{table}:1: column 2 of the header has no name, and its cells have values"
    )


# ----------------------------------------------------------------------------- CSV separated otherwise

SEMICOLONS = "the header is separated by ';', not by commas: save the file as comma-separated CSV (UTF-8)"
TABS = "the header is separated by tabs, not by commas: save the file as comma-separated CSV (UTF-8)"


def test_a_monitoring_table_separated_by_semicolons_says_so(work):
    """Excel saves 'CSV' with the list separator of the system's locale (';' in many): the whole
    header was one name, and the table 'unit: missing column; the first column names the unit'."""
    table = copy("city") / "monitoring" / "city_video_incidents.csv"
    table.write_text(table.read_text(encoding="utf-8").replace(",", ";"), encoding="utf-8")
    assert refused(*city()) == f"{table}: {SEMICOLONS}"
    table.write_text(table.read_text(encoding="utf-8").replace(";", "\t"), encoding="utf-8")
    assert refused(*city()) == f"{table}: {TABS}"


@pytest.mark.parametrize("separator", [";", "\t"])
def test_a_fields_or_units_table_separated_otherwise_says_so(work, separator):
    message = SEMICOLONS if separator == ";" else TABS
    table = write("tab/fields/city.csv", "unit,city.data_centre.plan_issued\nfuzhou,true\n".replace(",", separator))
    assert refused("-c", "city", "-e", "tab") == f"{table}: {message}"
    table.write_text("unit,city.data_centre.plan_issued\n".replace(",", separator), encoding="utf-8")  # the header alone
    assert refused("-c", "city", "-e", "tab") == f"{table}: {message}"
    roster = write("units.csv", "code,name,parent,dc_variant\nprov.bgt,省政府办公厅,,C\n".replace(",", separator))
    assert refused("-c", "provincial", "--roster", str(roster)) == f"{roster}: {message}"


# ----------------------------------------------------------------------------- TOML values shown as TOML writes them


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("08:00:00", "08:00:00"),
        ("08:00:00.250", "08:00:00.250000"),
        ("2017-09-28", "2017-09-28"),
        ("2017-09-28T08:00:00", "2017-09-28T08:00:00"),
        ("2017-09-28 08:00:00+08:00", "2017-09-28T08:00:00+08:00"),
        ("2017-09-28T08:00:00Z", "2017-09-28T08:00:00+00:00"),
        ("[08:00:00, 2017-09-28]", "[08:00:00, 2017-09-28]"),
        ("[{ at = 08:00:00, 'on day' = 2017-09-28 }]", "[{at = 08:00:00, 'on day' = 2017-09-28}]"),
        ("nan", "nan"),
        ("-inf", "-inf"),
        ("1.5e3", "1.5E+3"),
        ("'yes'", "'yes'"),
    ],
)
def test_a_toml_value_of_the_wrong_kind_is_shown_as_toml_writes_it(work, value, shown):
    """A time had been shown as Python writes it: 'got datetime.time(8, 0)'."""
    unit = copy("city") / "units" / "fuzhou.toml"
    edit(unit, r"^plan_issued = true$", f"plan_issued = {value}")
    assert refused(*city()) == f"{unit}: city.data_centre.plan_issued: expected true or false, got {shown}"


def test_a_roster_or_manifest_value_of_the_wrong_kind_is_shown_as_toml_writes_it(work):
    manifest = copy("city") / "escore-evidence.toml"
    manifest.write_text("[evidence]\nsynthetic = 2017-09-28T08:00:00\n", encoding="utf-8")
    assert refused(*city()) == f"{manifest}: evidence.synthetic: expected true or false, got 2017-09-28T08:00:00"
    from escore import InputError, Roster

    roster = write("roster.toml", '[roster]\nruleset = "r"\ncategory = "c"\n[[unit]]\ncode = 08:00:00\nname = "U"\n')
    with pytest.raises(InputError) as raised:
        Roster.from_toml(roster)
    assert str(raised.value) == f"{roster}: unit[0].code: expected text, got 08:00:00"


# ----------------------------------------------------------------------------- files of another format

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            b"\0" * 4096,
            "an encrypted (password-protected) workbook, or an old Excel 97-2003 workbook (.xls): remove the password, or save it"
            " as an Excel workbook (.xlsx)",
        ),
        (
            b"\0" * 1024 + "EncryptionInfo".encode("utf-16-le") + b"\0" * 100 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 1024,
            "the workbook is encrypted (password-protected): open it, remove the password (Excel: File > Info > Protect Workbook >"
            " Encrypt with Password) and save it",
        ),
        (
            b"\0" * 1024 + "Workbook".encode("utf-16-le") + b"\0" * 1024,
            "an old Excel 97-2003 workbook (.xls): open it and save it as an Excel workbook (.xlsx)",
        ),
    ],
    ids=["an OLE2 file", "an encrypted workbook", "an .xls renamed"],
)
def test_a_workbook_in_an_office_container_says_what_it_is(work, body, message):
    """Both are OLE2 compound files, not zip archives: it had been 'not a readable workbook
    (ZipError: invalid Zip archive: Could not find EOCD)'."""
    book = Path("book.xlsx")
    book.write_bytes(OLE2 + body)
    assert refused("-c", "city", "-e", str(book)) == f"{book}: {message}"


UTF16 = "UTF-16 text, not UTF-8; save the file as UTF-8 (Excel: 'CSV UTF-8', not 'Unicode Text')"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("where", ["monitoring/city_video_incidents.csv", "units/fuzhou.toml"])
def test_a_utf16_file_says_so(work, encoding, where):
    """Excel's 'Unicode Text' and Notepad's 'Unicode' are UTF-16: it had been 'not UTF-8 text:
    invalid byte 0xff on line 1' (with a byte-order mark), or without one a byte of a Chinese
    character, or the text read with a NUL after every letter."""
    path = copy("city") / where
    path.write_bytes(path.read_text(encoding="utf-8").encode(encoding))
    assert refused(*city()) == f"{path}: {UTF16}"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_a_utf16_fields_or_units_table_says_so(work, encoding):
    table = Path("tab/fields/city.csv")
    table.parent.mkdir(parents=True)
    table.write_bytes("unit,city.data_centre.plan_issued\nfuzhou,true\n".encode(encoding))
    assert refused("-c", "city", "-e", "tab") == f"{table}: {UTF16}"
    roster = Path("units.csv")
    roster.write_bytes("code,name,parent,dc_variant\nprov.bgt,x,,C\n".encode(encoding))
    assert refused("-c", "provincial", "--roster", str(roster)) == f"{roster}: {UTF16}"
