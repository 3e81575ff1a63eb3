"""Writing an export's rows to a file, a row at a time: CSV in UTF-8 with a byte order mark (what
Excel needs to read Korean and Japanese), CSV in CP932 (the Shift_JIS of Japanese Windows, for
older software), or an XLSX workbook in openpyxl's write-only mode. Memory stays flat whatever
the number of rows: CSV is encoded and written every few thousand rows, and the write-only
workbook keeps its rows in a temporary file until it is saved.

Every text cell goes through :func:`branchwork.core.text.defuse_formula`, so a name or a note
that starts like a formula (``=HYPERLINK(…)``, ``+``, ``-``, ``@``) is written as text.

CP932 cannot hold every character (no hangul at all, few accented Latin letters, rare kanji
such as 𠮷). Each such character is replaced by, in order: the character CP932 uses for it
(— em dash → ― , · → ・, 𠮷 → 吉), its NFKC compatibility form (µ → μ, ⑴ → (1)), its base
letter without accents (é → e), or else ``?``. Every replaced character is counted, and the
count is shown with the finished export.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import threading
import unicodedata
from collections.abc import Sequence
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from branchwork.core.text import defuse_formula

Cell = str | int | dt.date | None

# Characters CP932 holds under another code point than Unicode's own (Python's codec already
# maps the wave dash, the double vertical line, the minus sign and the cent, pound and not signs).
CP932_EQUIVALENTS = {
    "\u2014": "\u2015",  # em dash → horizontal bar, JIS's "dash"
    "\u00b7": "\u30fb",  # middle dot → katakana middle dot
    "\u2027": "\u30fb",  # hyphenation point
    "\U00020bb7": "\u5409",  # 𠮷 (tsuchi-yoshi) → 吉
}
REPLACEMENT = "?"
_ERRORS = "branchwork-cp932"
_local = threading.local()


def _encodes(text: str) -> bool:
    try:
        text.encode("cp932")
    except UnicodeEncodeError:
        return False
    return True


def cp932_substitute(ch: str) -> str:
    """The nearest text CP932 can hold for a character it cannot (see the module's note)."""
    for candidate in (
        CP932_EQUIVALENTS.get(ch, ""),
        unicodedata.normalize("NFKC", ch),
        "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)),
    ):
        if candidate and candidate != ch and _encodes(candidate):
            return candidate
    return REPLACEMENT


def _replace(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    bad = exc.object[exc.start : exc.end]
    _local.replaced = getattr(_local, "replaced", 0) + len(bad)
    return "".join(cp932_substitute(ch) for ch in bad), exc.end


codecs.register_error(_ERRORS, _replace)


def text_cell(value: str) -> str:
    return defuse_formula(value)


class CsvSink:
    """CSV rows into a binary file, in ``utf-8-sig`` or ``cp932``."""

    FLUSH_EVERY = 2000

    def __init__(self, out: IO[bytes], encoding: str) -> None:
        assert encoding in ("utf-8-sig", "cp932"), encoding
        self.out = out
        self.encoding = encoding
        self.replaced = 0
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer)
        self._pending = 0
        if encoding == "utf-8-sig":
            out.write(codecs.BOM_UTF8)

    def header(self, labels: Sequence[str]) -> None:
        self.row(labels)

    def row(self, cells: Sequence[Cell]) -> None:
        self._writer.writerow(
            [
                text_cell(c)
                if isinstance(c, str)
                else ""
                if c is None
                else c.isoformat()
                if isinstance(c, dt.date)
                else c
                for c in cells
            ]
        )
        self._pending += 1
        if self._pending >= self.FLUSH_EVERY:
            self._flush()

    def _flush(self) -> None:
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        self._pending = 0
        if self.encoding == "cp932":
            _local.replaced = 0
            self.out.write(text.encode("cp932", errors=_ERRORS))
            self.replaced += _local.replaced
        else:
            self.out.write(text.encode("utf-8"))

    def close(self) -> None:
        self._flush()


class XlsxSink:
    """Rows into one worksheet of a write-only workbook: text as text (never a formula), whole
    numbers as numbers, dates as dates."""

    def __init__(self, out: IO[bytes], title: str) -> None:
        self.out = out
        self.replaced = 0
        self.workbook = Workbook(write_only=True)
        # A sheet title may not hold []:*?/\ and has at most 31 characters.
        clean = "".join(" " if ch in "[]:*?/\\" else ch for ch in title)[:31].strip()
        self.sheet: Any = self.workbook.create_sheet(clean or "export")
        self.sheet.freeze_panes = "A2"

    def header(self, labels: Sequence[str]) -> None:
        bold = Font(bold=True)
        cells = []
        for label in labels:
            cell = WriteOnlyCell(self.sheet, value=_xlsx_text(label))
            cell.font = bold
            cells.append(cell)
        self.sheet.append(cells)

    def row(self, cells: Sequence[Cell]) -> None:
        self.sheet.append([self._cell(c) for c in cells])

    def _cell(self, value: Cell) -> Any:
        if isinstance(value, str):
            return _xlsx_text(value)
        if isinstance(value, dt.date):
            cell = WriteOnlyCell(self.sheet, value=value)
            cell.number_format = "yyyy-mm-dd"
            return cell
        return value

    def close(self) -> None:
        self.workbook.save(self.out)


def _xlsx_text(value: str) -> str:
    """Text an XLSX cell can hold (no control characters but tab and line breaks), defused."""
    return text_cell(ILLEGAL_CHARACTERS_RE.sub("", value))
