"""The app's HTML pages (Chinese with English beside): Jinja2 templates in `templates/`, every value escaped."""
from __future__ import annotations

from jinja2 import Environment, PackageLoader, select_autoescape

ENV = Environment(loader=PackageLoader("zoning.web", "templates"), autoescape=select_autoescape(default=True))

INDEX, RESULT_BAR, CHECKS, SCREEN, IMPACT, LOGIN, USERS, ERROR = (
    "index.html", "result_bar.html", "checks.html", "screen.html", "impact.html", "login.html", "users.html",
    "error.html")


def render(template: str, **kw) -> str:
    return ENV.get_template(template).render(**kw)
