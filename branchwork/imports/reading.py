"""Reading a spreadsheet the way branches send them: CSV in UTF-8 (with or without a byte order
mark) or in CP932, the Shift_JIS of Excel on Japanese Windows, and XLSX workbooks.

The encoding is detected, not asked for: a byte order mark says UTF-8; otherwise the file is
tried as strict UTF-8 and then as CP932. A real CP932 file almost never decodes as UTF-8 (its
two-byte kanji are not valid UTF-8 sequences), and ASCII-only files read the same either way,
so this settles every file branches send without a statistical detector. A file that is
neither is refused with a message naming the first bad byte's line.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

MAX_COLUMNS = 200
MAX_CELL = 5_000  # characters a cell keeps; longer cells are flagged (see the pipeline)

Cell = str | dt.date


class FileError(ValueError):
    """The file cannot be read at all (the message says why, in the user's language)."""


@dataclass
class Sheet:
    file_format: str  # "csv" | "xlsx"
    encoding: str  # "utf-8-sig", "utf-8", "cp932" or "" for XLSX
    header: list[str]
    rows: list[list[Cell]] = field(default_factory=list)  # the data rows, header left out


def detect_format(data: bytes, filename: str = "") -> str:
    if data[:4] == b"PK\x03\x04" or filename.lower().endswith((".xlsx", ".xlsm")):
        return "xlsx"
    return "csv"


def decode(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was in."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise _undecodable(data, exc.start + 3) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932"), "cp932"
    except UnicodeDecodeError as exc:
        raise _undecodable(data, exc.start) from None


def encoding_of(data: bytes) -> str:
    """The encoding a CSV file is in (as :func:`decode` finds it), checked a megabyte at a time
    so that the whole text is never held at once."""
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    candidates = ("utf-8-sig",) if bom else ("utf-8", "cp932")
    for encoding in candidates:
        # The byte order mark is skipped here rather than by the utf-8-sig decoder, whose
        # error offsets leave it out.
        decoder = codecs.getincrementaldecoder("utf-8" if bom else encoding)()
        # Where the decoder's input starts in the file: an error's offset counts from there,
        # and the input begins with the bytes of a character the previous step cut in two.
        at = bom
        try:
            for start in range(bom, len(data), _STEP):
                at = start - len(decoder.getstate()[0])
                decoder.decode(data[start : start + _STEP])
            at = len(data) - len(decoder.getstate()[0])
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            if encoding == candidates[-1]:
                raise _undecodable(data, at + exc.start) from None
            continue
        return encoding
    raise AssertionError("unreachable")


_STEP = 1 << 20


def _undecodable(data: bytes, offset: int) -> FileError:
    line = data.count(b"\n", 0, offset) + 1
    return FileError(
        _(
            "The file is neither UTF-8 nor Shift_JIS (CP932) text: line %(line)s has bytes "
            "that are not a character. Save it from Excel as “CSV UTF-8” and try again."
        )
        % {"line": line}
    )


def stream(data: bytes, filename: str = "") -> tuple[Sheet, Iterator[list[Cell]], int]:
    """The header, the data rows one at a time (the file is never held as rows), and about how
    many there are (for a progress bar; a quoted line break makes it a little high)."""
    if not data.strip():
        raise FileError(_("The file is empty."))
    if detect_format(data, filename) == "xlsx":
        sheet = _read_xlsx(data, None)
        rows, sheet.rows = sheet.rows, []
        return sheet, iter(rows), len(rows)
    return _stream_csv(data)


def _stream_csv(data: bytes) -> tuple[Sheet, Iterator[list[Cell]], int]:
    encoding = encoding_of(data)
    wrapper = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="", errors="strict")
    head = wrapper.read(4096)
    wrapper.seek(0)
    lines = _csv_rows(wrapper, head)
    header = _header(next(lines, None))
    total = max(0, data.count(b"\n") - 1 + (0 if data.endswith(b"\n") else 1))
    rows: Iterator[list[Cell]] = iter(lines)  # type: ignore[arg-type]  # str is a Cell
    return Sheet("csv", encoding, header), rows, total


def read(data: bytes, filename: str = "", limit: int | None = None) -> Sheet:
    """Read a whole sheet (or its first ``limit`` data rows, for a preview)."""
    if not data.strip():
        raise FileError(_("The file is empty."))
    kind = detect_format(data, filename)
    if kind == "xlsx":
        return _read_xlsx(data, limit)
    sheet, rows, _total = _stream_csv(data)
    out: list[list[Cell]] = []
    for row in rows:
        if limit is not None and len(out) >= limit:
            break
        out.append(list(row))
    encoding, header = sheet.encoding, sheet.header
    return Sheet("csv", encoding, header, out)


_QUOTED = re.compile(r'"[^"]*"')


def _delimiter(sample: str) -> str:
    """Tab when the header line (the first that is not blank) has more tabs than commas outside
    quotes, else comma. The header only: the cells below may hold either, unquoted (a comma
    file quotes a cell with a comma, not one with a tab)."""
    header = next((line for line in sample.splitlines() if line.strip()), "")
    header = _QUOTED.sub("", header)
    return "\t" if header.count("\t") > header.count(",") else ","


def _csv_rows(source: io.TextIOBase, sample: str) -> Iterator[list[str]]:
    delimiter = _delimiter(sample)
    # Cells may hold line breaks (quoted), and the file may end its lines with CR LF.
    reader = csv.reader(source, delimiter=delimiter)
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                yield row
    except csv.Error as exc:
        raise FileError(
            _("The file is not a valid CSV file (line %(line)s): %(reason)s")
            % {"line": reader.line_num, "reason": str(exc)}
        ) from None


def _header(row: list[str] | None) -> list[str]:
    if row is None:
        raise FileError(_("The file has no header row."))
    if len(row) > MAX_COLUMNS:
        raise FileError(
            _("The file has %(count)s columns; at most %(max)s can be read.")
            % {"count": len(row), "max": MAX_COLUMNS}
        )
    return [str(cell or "").strip() for cell in row]


def _xlsx_cell(value: object) -> Cell:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(data: bytes, limit: int | None) -> Sheet:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileError(
            _("The file is not an Excel workbook that can be read (%(reason)s).")
            % {"reason": type(exc).__name__}
        ) from None
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header: list[str] | None = None
        out: list[list[Cell]] = []
        for raw in rows:
            cells = [_xlsx_cell(v) for v in raw]
            if not any(isinstance(c, dt.date) or c.strip() for c in cells):
                continue
            if header is None:
                header = _header([str(c) for c in cells])
                continue
            if limit is not None and len(out) >= limit:
                break
            out.append(cells)
        return Sheet("xlsx", "", _header(header), out)
    finally:
        book.close()
