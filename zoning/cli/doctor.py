"""`zoning doctor`: what the installation needs."""
from __future__ import annotations

import sys

import click

from .options import layers_option


@click.command()
@layers_option
def doctor(layers_path):
    """Check the installation: data files, the layer manifest, the cache, Chromium and fonts for PDFs, PostGIS,
    the optional extras. Each line is ok or says what to do; exit 1 when something needs doing."""
    from ..doctor import diagnose
    checks = diagnose(layers_path)
    width = max(len(c.name) for c in checks)
    for c in checks:
        click.echo(f"{'ok ' if c.ok else '-- '} {c.name.ljust(width)}  {c.detail}")
    optional = {c.name for c in checks if c.name.startswith("extra [") or c.name.startswith("Chromium")}
    sys.exit(0 if all(c.ok or c.name in optional for c in checks) else 1)
