"""`zoning register`: verify and export the web app's register."""
from __future__ import annotations

import sys

import click

from .options import db_option, user_errors, writes, wrote
from ..messages import error, said


@click.group()
def register():
    """The register of checks kept by `zoning serve`."""


@register.command("verify")
@db_option
@user_errors
def register_verify(db):
    """Recompute the register's hash chain: exit 0 with the number of intact rows, or exit 1 naming the first row
    that does not match (changed, removed or added outside the app)."""
    from pathlib import Path

    from ..errors import InputError
    from ..web.register import Register, default_db
    path = Path(db) if db else default_db()
    if not path.exists():
        raise InputError(error("no_register"), source=str(path), expected="--db PATH of a register")
    ok, message = Register(path).verify()
    click.echo(said("register_intact" if ok else "register_tampered", detail=message))
    sys.exit(0 if ok else 1)


@register.command("export")
@click.option("--db", type=click.Path(dir_okay=False), help="Register database (default as for serve).")
@click.option("--out", "-o", required=True, type=click.Path(dir_okay=False), help="register.csv or register.xlsx")
@user_errors
@writes("out")
def register_export(db, out):
    """Write every check of the register (with overrides) to CSV or Excel for the archive."""
    from pathlib import Path

    from ..errors import InputError
    from ..web.register import Register, default_db
    path = Path(db) if db else default_db()
    if not path.exists():
        raise InputError(error("no_register"), source=str(path), expected="--db PATH of a register")
    if Path(out).suffix.lower() not in (".csv", ".xlsx"):
        raise InputError(error("unknown_export"), source=out, expected="a .csv or .xlsx path")
    reg = Register(path)
    reg.export(Path(out))
    wrote(out, f" ({reg.count()} checks)")
