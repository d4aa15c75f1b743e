"""XLSX cells read by calamine give exactly the texts openpyxl + ``_cell_text`` gave (issue #19)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from geomap.directory import readers


def _openpyxl_rows(data: bytes, index: int) -> list[list[str | None]]:
    """The reference: the rows the openpyxl reader gave (read-only, cached values), merges filled."""
    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    ws = wb.worksheets[index]
    rows = [[readers._cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
    path = ws._worksheet_path
    wb.close()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        merges = readers._scan_sheet_xml(archive, path).merges
    for r1, c1, r2, c2 in merges:
        top = rows[r1 - 1][c1 - 1] if r1 - 1 < len(rows) and c1 - 1 < len(rows[r1 - 1]) else None
        for r in range(r1, min(r2, len(rows)) + 1):
            row = rows[r - 1] = list(rows[r - 1]) + [None] * max(0, c2 - len(rows[r - 1]))
            for c in range(c1, c2 + 1):
                row[c - 1] = top
    return rows


def _same_table(rows: list[list[str | None]]) -> list[list[str | None]]:
    """Rows as the table reader sees them: '' is blank, trailing blank cells and rows do not count."""
    out = [[None if c == "" else c for c in row] for row in rows]
    for row in out:
        while row and row[-1] is None:
            row.pop()
    while out and not out[-1]:
        out.pop()
    return out


def _workbook(*, epoch1904: bool = False) -> bytes:
    wb = Workbook()
    if epoch1904:
        from openpyxl.utils.datetime import MAC_EPOCH

        wb.epoch = MAC_EPOCH
    ws = wb.active
    ws.title = "Directorio"
    ws.append(["name", "phone", "latitude", "when", "open", "note"])
    ws.append(["Albergue Esperanza", 2348031234567, 6.45, dt.datetime(2024, 1, 2, 3, 4, 5, 678901), True, "  spaced  "])
    ws.append(["مأوى الأمل", 1234567890123456, -0.1 + 0.3, dt.date(2024, 1, 2), False, "line\nbreak"])
    ws.append(["Big", 12345678901234567890, 1e20, dt.time(13, 14, 15), None, "=1+1"])
    ws.append(["Span", -0.0, 1.0, dt.timedelta(days=1, hours=2, seconds=3.5), "#N/A", "=NA()"])
    ws.append([])
    ws.append(["after gap", 7])  # a ragged row after an empty one
    for col, (value, fmt) in enumerate([(0, "yyyy-mm-dd"), (45000.5, "mmm-yy"), (0.25, "h:mm"), (1.25, "[h]:mm:ss"),
                                        (0.1234567, "hh:mm:ss"), (59, "yyyy-mm-dd hh:mm:ss"), (61, "dd/mm/yyyy"),
                                        (0.5, "0%"), (1234.5, "#,##0.00"), (45000, "[$-409]mmmm d, yyyy"),
                                        (1.25, "h:mm"), (2.5, "[h]:mm"), (-2.5, "[h]:mm"), (-1e16, "0"),
                                        (45000.123456789, "yyyy-mm-dd hh:mm:ss.000"), (0.99999999, "hh:mm:ss"),
                                        (3, "mm:ss"), (45000, "dddd"), (0.5, "AM/PM h")], start=1):
        ws.cell(row=9, column=col, value=value).number_format = fmt
    ws["C12"] = "fuera de la tabla"  # data starting in a later column
    ws.merge_cells("A14:B16")
    ws["A14"] = "fusionada"
    ws.merge_cells("D14:E14")
    ws["D14"] = 3.25
    ws2 = wb.create_sheet("Solo cabecera")
    ws2.append(["name", "town"])
    ws3 = wb.create_sheet("Vacía")
    del ws3
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cached(data: bytes, values: dict[str, str]) -> bytes:
    """The workbook with a saved value for the formula cells in ``values`` (as Excel saves them)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = body.decode()
                for ref, xml in values.items():
                    start = text.index(f'<c r="{ref}"')
                    end = text.index("</c>", start)
                    text = text[:start] + xml + text[end + 4:]
                body = text.encode()
            dst.writestr(info, body)
    return out.getvalue()


WORKBOOK = _workbook()
MAC = _workbook(epoch1904=True)
CACHED = _cached(WORKBOOK, {"F5": '<c r="F5" t="e"><f>NA()</f><v>#N/A</v></c>',
                            "F4": '<c r="F4"><f>1+1</f><v>2</v></c>'})


@pytest.mark.parametrize("data", [WORKBOOK, CACHED, MAC], ids=["uncached", "cached", "1904"])
@pytest.mark.parametrize("index", [0, 1, 2])
def test_rows_identical_to_openpyxl(data, index):
    rows, title = readers._xlsx_rows(data, "dir.xlsx", index, [])
    assert title == ["Directorio", "Solo cabecera", "Vacía"][index]
    assert _same_table(rows) == _same_table(_openpyxl_rows(data, index))


def test_cases_read_as_openpyxl_did():
    rows, _ = readers._xlsx_rows(CACHED, "dir.xlsx", 0, [])
    assert rows[1][:6] == ["Albergue Esperanza", "2348031234567", "6.45", "2024-01-02 03:04:05.679000", "TRUE", "  spaced  "]
    assert rows[2][:4] == ["مأوى الأمل", "1234567890123456", "0.2", "2024-01-02"]
    assert rows[4][3:6] == ["1 day, 2:00:03.500000", "#N/A", "#N/A"]
    assert rows[3][5] == "2"
    assert [r[0] for r in rows[13:16]] == ["fusionada"] * 3


def test_warnings_and_merges_unchanged():
    warnings: list = []
    rows, _ = readers._xlsx_rows(WORKBOOK, "dir.xlsx", 0, warnings)
    text = " | ".join(str(w) for w in warnings)
    assert "2 formula cells have no saved value" in text and "F4, F5" in text
    assert "2 merged cell ranges (R14C1:R16C2, R14C4:R14C5)" in text
    assert rows[13][3] == rows[13][4] == "3.25"


def test_sheet_names_and_selection_by_name():
    assert readers.list_sheets(WORKBOOK, filename="dir.xlsx") == ["Directorio", "Solo cabecera", "Vacía"]
    df = readers.read_directory(WORKBOOK, filename="dir.xlsx", sheet="Solo cabecera")
    assert len(df) == 0 and df.attrs["sheet"] == "Solo cabecera"


def test_xlsm_reads():
    df = readers.read_directory(CACHED, filename="dir.xlsm")
    assert df.attrs["sheet"] == "Directorio" and df["name"].iloc[0] == "Albergue Esperanza"


def test_zip_without_a_workbook_is_a_clear_error():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    with pytest.raises(ValueError, match=r"dir\.xlsx: not a readable \.xlsx workbook \("):
        readers.read_directory(buf.getvalue(), filename="dir.xlsx")


def test_scan_skipped_only_without_formulas_or_errors():
    with zipfile.ZipFile(io.BytesIO(WORKBOOK)) as archive:
        assert readers._sheet_needs_scan(archive, "xl/worksheets/sheet1.xml")  # formulas
        assert not readers._sheet_needs_scan(archive, "xl/worksheets/sheet2.xml")  # header only
    with zipfile.ZipFile(io.BytesIO(CACHED)) as archive:
        assert readers._workbook_parts(archive)[0] == [f"xl/worksheets/sheet{i}.xml" for i in (1, 2, 3)]


def test_merges_filled_in_a_sheet_without_formulas():
    wb = Workbook()
    ws = wb.active
    ws.append(["name", "town"])
    ws.append(["Casa Refugio", "Oaxaca"])
    ws.append(["Casa Refugio 2", None])
    ws.append([None, None])
    ws.merge_cells("B2:B4")
    buf = io.BytesIO()
    wb.save(buf)
    warnings: list = []
    rows, _ = readers._xlsx_rows(buf.getvalue(), "dir.xlsx", 0, warnings)
    assert [r[1] for r in rows[1:4]] == ["Oaxaca"] * 3  # row 4 is past calamine's last value
    assert _same_table(rows) == _same_table(_openpyxl_rows(buf.getvalue(), 0))
    assert "1 merged cell range (R2C2:R4C2)" in str(warnings[0])


def _with_shared_strings(strings: str) -> bytes:
    """A one-row workbook whose cells are the shared strings ``<si>…</si>`` given."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    count = strings.count("<si>")
    cells = "".join(f'<c r="{chr(65 + i)}1" t="s"><v>{i}</v></c>' for i in range(count))
    sheet = f'<?xml version="1.0" encoding="UTF-8"?><worksheet {ns}><sheetData><row r="1">{cells}</row></sheetData></worksheet>'
    buf = io.BytesIO()
    Workbook().save(buf)
    src = zipfile.ZipFile(buf)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = sheet.encode()
            elif info.filename == "[Content_Types].xml":
                body = body.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
            elif info.filename == "xl/_rels/workbook.xml.rels":
                body = body.replace(b"</Relationships>", b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/'
                                    b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
            dst.writestr(info, body)
        dst.writestr("xl/sharedStrings.xml", f'<?xml version="1.0" encoding="UTF-8"?><sst {ns}>{strings}</sst>')
    return out.getvalue()


@pytest.mark.parametrize("strings", [
    '<si><t xml:space="preserve">  Lagos  </t></si><si><t>カタカナ</t><rPh sb="0" eb="1"><t>ruby</t></rPh></si>',
    '<si><r><t>rich </t></r><r><rPr><b/></rPr><t>text</t></r></si>',  # edge space without preserve
    "<si><t>line_x000D_break</t></si><si><t>kept_x005F_x000D_</t></si>",  # escapes openpyxl keeps
], ids=["plain", "unpreserved-space", "escapes"])
def test_shared_strings_read_as_openpyxl_did(strings):
    data = _with_shared_strings(strings)
    rows, _ = readers._xlsx_rows(data, "dir.xlsx", 0, [])
    assert rows == _openpyxl_rows(data, 0)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert readers._strings_differ(archive, "xl/sharedStrings.xml") == ("Lagos" not in strings)
