"""`zoning serve`: the web app for approvals staff."""
from __future__ import annotations

import click

from .options import layers_option, user_errors
from ..messages import error, said

LOOPBACK = ("127.0.0.1", "::1", "localhost")


@click.command()
@layers_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (localhost by default).")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--db", type=click.Path(dir_okay=False),
              help="Register database (default: ~/.local/share/zoning/register.sqlite).")
@click.option("--max-upload-mb", default=20.0, show_default=True, type=float)
@click.option("--workers", default=2, show_default=True, type=click.IntRange(0, 64),
              help="Worker processes for checks, reports and screens (each loads the layers; a dead one is "
                   "replaced). 0: in the server process, one at a time.")
@click.option("--no-auth", is_flag=True,
              help="Open mode for one person's own machine: nobody logs in (only on a loopback address).")
@click.option("--atlas", "atlas_dir", type=click.Path(exists=True, file_okay=False),
              help="A folder with a published atlas (zoning atlas --out DIR/atlas.html) to serve at /atlas/.")
@user_errors
def serve(layers_path, host, port, db, max_upload_mb, workers, no_auth, atlas_dir):
    """Start the web app for approvals staff: check a site in the browser, file the report, keep a register.

    Everyone logs in with an account (`zoning users add`); --no-auth is open access on 127.0.0.1 only."""
    from ..errors import InputError
    from ..extras import require
    require("web", "zoning serve")
    if no_auth and host not in LOOPBACK:
        raise InputError(error("no_auth_host", host=host), source="zoning serve",
                         expected="--no-auth only on a loopback address (127.0.0.1, ::1, localhost); "
                                  "an office server runs with accounts")
    if not no_auth:
        from ..web.accounts import Accounts
        from ..web.register import Register, default_db
        reg = Register(db or default_db())
        if Accounts(reg).count() == 0:
            raise InputError(error("no_accounts"), source=str(reg.path),
                             expected=f"add the first admin: zoning users add NAME --role admin --db {reg.path} "
                                      "(or --no-auth for one person's own machine)")
    import uvicorn

    from ..web.app import create_app
    app = create_app(layers=layers_path, db=db, max_upload_mb=max_upload_mb, workers=workers, auth=not no_auth,
                     atlas=atlas_dir)
    click.echo(said("serving", host=host, port=port, register=app.state.register.path, workers=workers or 0,
                    open_mode=said("open_mode") if no_auth else ""), err=True)
    # keep-alive longer than clients keep idle connections (httpx 5 s, browsers 60 s), so that the server never
    # closes one just as a client reuses it
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=30, timeout_keep_alive=75)
