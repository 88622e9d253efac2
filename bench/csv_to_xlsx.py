#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Write Hometax list-export CSVs (as `dure gen` makes them) as .xlsx workbooks, the way Excel
saves the same list: one worksheet, every row of the CSV (title rows, header, data) as a sheet
row, text in the shared-strings table, amounts and quantities as numbers. Standard library only
(zipfile and XML written by hand), so the benchmark needs nothing installed.

    bench/csv_to_xlsx.py OUT_DIR FILE.csv...     writes OUT_DIR/<name>.xlsx for each FILE
"""
import csv
import os
import re
import sys
import zipfile
from xml.sax.saxutils import escape

# Columns Excel would hold as numbers (by header name, spaces ignored).
NUMERIC = {"합계금액", "공급가액", "세액", "품목수량", "품목단가", "품목공급가액", "품목세액"}
NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?\Z")
# Characters XML 1.0 cannot carry at all.
INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
<Default Extension="xml" ContentType="application/xml"/>\
<Override PartName="/xl/workbook.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
<Override PartName="/xl/worksheets/sheet1.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\
<Override PartName="/xl/sharedStrings.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>\
</Types>"""
ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
<Relationship Id="rId1" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" \
Target="xl/workbook.xml"/></Relationships>"""
WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
<sheets><sheet name="목록" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
<Relationship Id="rId1" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" \
Target="worksheets/sheet1.xml"/>\
<Relationship Id="rId2" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" \
Target="sharedStrings.xml"/></Relationships>"""


def column_letters(i):
    """A, B, ..., Z, AA, ... for the 0-based column i."""
    s = ""
    i += 1
    while i > 0:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def convert(src, dst):
    strings, index = [], {}
    numeric_cols = set()
    rows = 0
    with open(src, newline="", encoding="utf-8-sig") as f, \
            zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as ws:
            ws.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                     b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
                     b'main"><sheetData>')
            for record in csv.reader(f):
                rows += 1
                if "승인번호" in (c.strip() for c in record):
                    numeric_cols = {i for i, c in enumerate(record)
                                    if c.replace(" ", "") in NUMERIC}
                cells = []
                for i, value in enumerate(record):
                    if value == "":
                        continue
                    ref = f"{column_letters(i)}{rows}"
                    plain = value.replace(",", "")
                    if i in numeric_cols and NUMBER.match(plain):
                        cells.append(f'<c r="{ref}"><v>{plain}</v></c>')
                        continue
                    value = INVALID_XML.sub("", value)
                    k = index.get(value)
                    if k is None:
                        k = index[value] = len(strings)
                        strings.append(value)
                    cells.append(f'<c r="{ref}" t="s"><v>{k}</v></c>')
                ws.write(f'<row r="{rows}">{"".join(cells)}</row>'.encode())
            ws.write(b"</sheetData></worksheet>")
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as ss:
            ss.write(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns='
                     f'"http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                     f'count="{len(strings)}" uniqueCount="{len(strings)}">'.encode())
            for s in strings:
                space = ' xml:space="preserve"' if s != s.strip() else ""
                ss.write(f"<si><t{space}>{escape(s)}</t></si>".encode())
            ss.write(b"</sst>")
    return rows


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for src in sys.argv[2:]:
        name = os.path.splitext(os.path.basename(src))[0] + ".xlsx"
        convert(src, os.path.join(out, name))


if __name__ == "__main__":
    main()
