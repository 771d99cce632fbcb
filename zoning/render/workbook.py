"""Excel sheets as offices expect them: a frozen bilingual header, column widths, numbers as numbers, dates as
dates, booleans as booleans and verdicts coloured. Write-only (streamed), so a million-row screen fits in memory.

Every screen, register and impact workbook goes through `Sheet`; text cells are never formulas (spreadsheet.py)."""
from __future__ import annotations

import datetime as dt

from ..messages import column_label
from .labels import VERDICT_SHORT

FLOATS = ("_m2", "_mu", "_ha", "share", "distance_m")
BOOLS = ("national_major", "complete", "drives_verdict", "new_complete", "old_complete")
INTS = ("row", "features")
DATES = ("date", "app_date")
DATETIMES = ("created",)
VERDICTS = ("verdict", "old_verdict", "new_verdict")
# light fills, readable when printed in grey
FILLS = {"prohibited": "F4CCCC", "conditional": "FCE5CD", "permitted": "D9EAD3"}
NUMBER_FORMATS = {"_m2": "#,##0.00", "_ha": "#,##0.0000", "_mu": "#,##0.000", "share": "0.00%", "distance_m": "#,##0.0"}


def kind(name: str) -> str:
    """What a column holds, by its machine name (the same names in every output)."""
    if name in VERDICTS:
        return "verdict"
    if name in INTS:
        return "int"
    if name in BOOLS:
        return "bool"
    if name in DATES:
        return "date"
    if name in DATETIMES:
        return "datetime"
    if name.endswith(FLOATS):
        return "float"
    return "text"


def _number(value, cast):
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return cast(value)
    try:
        return cast(float(value))
    except (TypeError, ValueError):
        return value                    # not a number after all: shown as it is, never lost


def _bool(value):
    if isinstance(value, bool) or value is None:
        return value
    text = str(value).strip().lower()
    return {"true": True, "false": False, "1": True, "0": False, "": None}.get(text, value)


def _date(value, with_time: bool):
    if value is None or value == "" or isinstance(value, dt.date):
        return value or None
    try:
        parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return value
    return parsed.replace(tzinfo=None) if with_time else parsed.date()


def typed(name: str, value):
    """A cell value of the column's type, from a typed table or from CSV text."""
    k = kind(name)
    if k == "int":
        return _number(value, int)
    if k == "float":
        return _number(value, float)
    if k == "bool":
        return _bool(value)
    if k in ("date", "datetime"):
        return _date(value, k == "datetime")
    return value


def _format(name: str) -> str | None:
    k = kind(name)
    if k == "date":
        return "yyyy-mm-dd"
    if k == "datetime":
        return "yyyy-mm-dd hh:mm:ss"
    if k == "float":
        return next((f for s, f in NUMBER_FORMATS.items() if name.endswith(s)), "#,##0.00")
    return None


def _width(name: str, label: str) -> float:
    k = kind(name)
    if k in ("int", "bool"):
        return max(8, min(len(label) * 1.1, 16))
    if k in ("float", "date", "datetime", "verdict"):
        return 18 if k != "verdict" else 20
    if name in ("warnings", "error", "rules", "basis", "conditions", "conditions_en", "incomplete_reasons",
                "layer_versions", "rule_versions", "overrides", "stats", "note"):
        return 48
    return max(10, min(len(label) * 1.2, 30))


class Sheet:
    """One write-only sheet of `columns` (machine names); `append(values)` writes a typed, styled row."""

    def __init__(self, wb, title: str, columns: list[str], labels: list[str] | None = None):
        from openpyxl.styles import Alignment, Font, PatternFill
        from openpyxl.utils import get_column_letter
        self.ws = wb.create_sheet(title)
        self.columns = list(columns)
        self.rows = 0
        labels = labels or [column_label(c) for c in self.columns]
        self.ws.freeze_panes = "A2"
        for i, (name, label) in enumerate(zip(self.columns, labels, strict=True), 1):
            self.ws.column_dimensions[get_column_letter(i)].width = _width(name, label)
        self.formats = [_format(c) for c in self.columns]
        self.kinds = [kind(c) for c in self.columns]
        self.fills = {v: PatternFill("solid", fgColor=c) for v, c in FILLS.items()}
        bold, grey = Font(bold=True), PatternFill("solid", fgColor="E7E6E6")
        wrap = Alignment(wrap_text=True, vertical="top")
        self.ws.append([self._cell(label, font=bold, fill=grey, alignment=wrap) for label in labels])

    def _cell(self, value, *, number_format=None, font=None, fill=None, alignment=None, text=False):
        from openpyxl.cell import WriteOnlyCell
        cell = WriteOnlyCell(self.ws, value=value)
        if text:
            cell.data_type = "s"                # never a formula (CSV-injection guidance)
        if number_format:
            cell.number_format = number_format
        if font:
            cell.font = font
        if fill:
            cell.fill = fill
        if alignment:
            cell.alignment = alignment
        return cell

    def append(self, values) -> None:
        out = []
        for name, k, fmt, value in zip(self.columns, self.kinds, self.formats, values, strict=True):
            if k == "verdict" and value in FILLS:
                out.append(self._cell(VERDICT_SHORT[value], fill=self.fills[value], text=True))
                continue
            value = typed(name, value)
            if isinstance(value, str):
                out.append(self._cell(value, text=True))
            elif fmt and value is not None:
                out.append(self._cell(value, number_format=fmt))
            else:
                out.append(value)
        self.ws.append(out)
        self.rows += 1

    def note(self, text: str) -> None:
        self.ws.append([self._cell(text, text=True)])
