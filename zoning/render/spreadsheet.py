"""Text that reaches a spreadsheet cannot run (OWASP's CSV-injection guidance): a value starting with `=`, `+`, `-`,
`@`, a tab or a carriage return is written as text — a text cell in .xlsx, a leading `'` in CSV meant for Excel.
Numbers (`-3.5`) stay numbers."""
from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

STARTS = r"^[=+\-@\t\r]"
NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
_STARTS, _NUMBER = re.compile(STARTS), re.compile(NUMBER)


def risky(value) -> bool:
    return isinstance(value, str) and bool(_STARTS.match(value)) and not _NUMBER.match(value)


def csv_text(value):
    """A value for a CSV cell that Excel will not evaluate."""
    return "'" + value if risky(value) else value


def csv_table(table: pa.Table) -> pa.Table:
    """Every string column of an Arrow table made safe for Excel, in one vectorised pass per column."""
    cols = []
    for field, col in zip(table.schema, table.columns, strict=False):
        if pa.types.is_string(field.type) or pa.types.is_large_string(field.type):
            bad = pc.and_(pc.match_substring_regex(col, STARTS), pc.invert(pc.match_substring_regex(col, NUMBER)))
            col = pc.if_else(pc.fill_null(bad, False), pc.binary_join_element_wise("'", col, ""), col)
        cols.append(col)
    return pa.Table.from_arrays(cols, schema=table.schema)

