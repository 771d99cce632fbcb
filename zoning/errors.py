"""User-facing errors: each names the input, where in it, and what was expected."""
from __future__ import annotations


class ZoningError(Exception):
    """A mistake in what the user gave us. The CLI prints it and exits 2, never a traceback."""

    def __init__(self, message: str, *, source: str | None = None, row: object = None,
                 field: str | None = None, expected: str | None = None):
        self.message = message
        self.source = source
        self.row = row
        self.field = field
        self.expected = expected
        super().__init__(self.render())

    def on_row(self, row) -> ZoningError:
        """This error, naming `row` when it named none (raised by code that sees a geometry, not its row)."""
        if self.row is None and row is not None:
            self.row = row
            self.args = (self.render(),)
        return self

    def render(self) -> str:
        from .messages import text as words
        where = []
        if self.source:
            where.append(str(self.source))
        if self.row is not None:
            where.append(words("row", row=self.row))
        if self.field:
            where.append(words("field", field=self.field))
        text = (": ".join([", ".join(where), self.message]) if where else self.message)
        if self.expected:
            text += f" ({words('expected', expected=self.expected)})"
        return text


class InputError(ZoningError):
    """A site, option or list the user passed is unreadable or wrong."""


class CategoryError(InputError):
    """An unknown project category."""


class ManifestError(ZoningError):
    """The layer manifest itself is malformed (the whole run cannot proceed)."""


class LayerError(ZoningError):
    """One layer could not be loaded; the check goes on and marks that layer `failed`."""


class RuleSetError(ZoningError):
    """A rule file is malformed or incomplete."""
