"""The app's HTML pages (Chinese with English beside): Jinja2 templates in `templates/`, every value escaped."""
from __future__ import annotations

from jinja2 import Environment, PackageLoader, select_autoescape

from ..messages import column_label, text
from ..render.labels import VERDICT_SHORT, verdict_counts

ENV = Environment(loader=PackageLoader("zoning.web", "templates"), autoescape=select_autoescape(default=True))


def _yes_no(value) -> str:
    return text("yes") if str(value).lower() in ("true", "1", "yes") else text("no")


# words from the message catalogue (zoning/messages.toml), never spelled in the templates' code
ENV.filters.update(verdict=lambda v: VERDICT_SHORT.get(v, v or "—"), verdicts=verdict_counts, column=column_label,
                   yes_no=_yes_no)

INDEX, RESULT_BAR, CHECKS, SCREEN, IMPACT, LOGIN, USERS, ERROR = (
    "index.html", "result_bar.html", "checks.html", "screen.html", "impact.html", "login.html", "users.html",
    "error.html")


def render(template: str, **kw) -> str:
    return ENV.get_template(template).render(**kw)
