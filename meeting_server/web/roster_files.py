"""Reading an uploaded roster file into rows of cells: CSV (UTF-8 or GBK, as Excel in China saves it) or
XLSX (openpyxl). What the rows mean is ``community.roster_import``'s business; this only reads.

Files come from staff but are still untrusted: size is capped before reading, an XLSX's unpacked size is
checked before openpyxl sees it (a small zip can unpack to gigabytes), and rows are read only up to the
import limit. Every refusal says in Chinese what to do.
"""

from __future__ import annotations

import csv
import io
import logging
import zipfile
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from meeting_server.community.roster_rules import MAX_IMPORT
from meeting_server.hub.http_edge import Refused

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
MAX_ROWS = MAX_IMPORT + 1000  # header, blank rows; beyond this the check refuses the size anyway
MAX_COLUMNS = 64

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (Excel 97–2003), .et, .wps


def _bad(message: str) -> Refused:
    return Refused(400, "bad_file", message)


def read_table(data: bytes) -> list[list[Any]]:
    """The rows of an uploaded file (blocking: run it on a worker thread)."""
    if not data:
        raise _bad("文件是空的")
    if len(data) > MAX_FILE_BYTES:
        raise _bad(f"文件太大（最多 {MAX_FILE_BYTES // (1024 * 1024)} MB），请分批导入")
    if data.startswith(OLE_MAGIC):
        raise _bad("这是旧版 Excel（.xls）文件，请在 Excel 或 WPS 中“另存为” .xlsx 或 .csv 后再导入")
    if data.startswith(XLSX_MAGIC):
        return _xlsx(data)
    return _csv(data)


def _csv(data: bytes) -> list[list[Any]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _bad("无法识别文件的文字编码，请另存为“CSV UTF-8”后再导入")
    if "\x00" in text:
        raise _bad("这不是 CSV 或 XLSX 文件")
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;，")
    except csv.Error:
        dialect = csv.excel
    rows: list[list[Any]] = []
    try:
        for row in csv.reader(io.StringIO(text), dialect):
            rows.append(row[:MAX_COLUMNS])
            if len(rows) > MAX_ROWS:
                break
    except csv.Error as e:
        raise _bad(f"CSV 格式有误（第 {len(rows) + 1} 行）：{e}") from None
    return rows


def _xlsx(data: bytes) -> list[list[Any]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            if sum(info.file_size for info in z.infolist()) > MAX_UNPACKED_BYTES:
                raise _bad("Excel 文件解压后过大，请删除无关的工作表或分批导入")
    except zipfile.BadZipFile:
        raise _bad("无法读取这个 Excel 文件（文件已损坏或不是 .xlsx）") from None
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as e:
        log.info("unreadable xlsx upload: %s", e)
        raise _bad("无法读取这个 Excel 文件（文件已损坏或不是 .xlsx）") from None
    try:
        sheet = workbook.worksheets[0]  # the first sheet, as staff see it on opening the file
        rows: list[list[Any]] = []
        for values in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
            rows.append(list(values))
            if len(rows) > MAX_ROWS:
                break
        return rows
    finally:
        workbook.close()
