"""`zoning rules`: the admission matrix the tool applies."""
from __future__ import annotations

import click

from .options import user_errors


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "markdown", "json"]), default="text",
              show_default=True)
@click.option("--rule-set", "rule_sets", multiple=True, help="Only this rule set (repeatable).")
@click.option("--categories", is_flag=True, help="List the category codes with Chinese names and synonyms.")
@user_errors
def rules(fmt, rule_sets, categories):
    """Print the admission matrix (zone x category) exactly as the engine applies it."""
    from ..errors import InputError
    from ..render import rules_table
    from ..rules import load_catalogue
    catalogue = load_catalogue()
    unknown = [r for r in rule_sets if r not in catalogue.rule_sets]
    if unknown:
        raise InputError(f"unknown rule set(s) {unknown}", source="--rule-set",
                         expected=", ".join(catalogue.rule_sets))
    if categories:
        click.echo(rules_table.categories_text(catalogue))
        return
    render = {"text": rules_table.to_text, "csv": rules_table.to_csv, "markdown": rules_table.to_markdown,
              "json": rules_table.to_json}[fmt]
    click.echo(render(catalogue, set(rule_sets) or None), nl=fmt != "csv")
