"""`zoning serve`: the check, its report and a register of every check, as pages and as a JSON API (FastAPI).

The factory wires the parts: the services over the engine (services.py), who may do what (access.py), the
security headers (security.py), the error answers (errors.py) and the routes by area (routes/); the pages are
Jinja2 templates (templates/), the map assets are served from the package."""
from __future__ import annotations

import contextlib
from importlib import resources
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from .._version import __version__
from .access import add_authentication
from .errors import add_error_handlers
from .routes import ROUTERS
from .routes.register import SRCDOC
from .security import add_security_headers, add_size_limit
from .services import Services

__all__ = ["SRCDOC", "create_app"]
DESCRIPTION = ("长株潭生态绿心、生态保护红线与生态廊道准入核查 API — admission checks of project sites. "
               "Every call needs "
               "`Authorization: Bearer TOKEN`, a token from `zoning users token NAME` (unless the server runs with "
               "--no-auth).")


def create_app(layers=None, db=None, *, max_upload_mb: float = 20, max_vertices: int = 200_000,
               max_list_rows: int = 10_000, workers: int = 0, auth: bool = True, atlas=None) -> FastAPI:
    """The app. `workers` > 0 runs checks, reports and screens in that many worker processes (see engine_pool);
    0 runs them in this process, one at a time. `auth` False is open mode: nobody logs in (one person's machine)."""
    limit = int(max_upload_mb * 1e6)
    svc = Services.start(layers=layers, db=db, limit=limit, max_vertices=max_vertices, max_list_rows=max_list_rows,
                         workers=workers, auth=auth)

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        yield
        svc.engine.close()

    app = FastAPI(title="zoning", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  form_limits={"max_part_size": limit, "max_files": 2, "max_fields": 100}, description=DESCRIPTION)
    app.state.svc = svc
    app.state.register, app.state.ctx, app.state.engine, app.state.accounts = (svc.register, svc.ctx, svc.engine,
                                                                               svc.accounts)
    app.mount("/static", StaticFiles(directory=Path(str(resources.files("zoning.render") / "assets"))),
              name="static")
    if atlas:                    # a published atlas folder (page and vector tiles), behind the same login
        app.mount("/atlas", StaticFiles(directory=atlas, html=True), name="atlas")
    add_security_headers(app)    # middleware added later wraps it: size limit, then authentication, then headers
    add_authentication(app)
    add_size_limit(app, limit)
    add_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    return app
