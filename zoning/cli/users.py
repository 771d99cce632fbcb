"""`zoning users`: the web app's accounts."""
from __future__ import annotations

import sys

import click

from .options import db_option, user_errors
from ..messages import said


def _accounts(db):
    from ..extras import require
    require("web", "zoning users")
    from ..web.accounts import Accounts
    from ..web.register import Register, default_db
    return Accounts(Register(db or default_db()))


def _password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("password", hide_input=True, confirmation_prompt=True, err=True)


@click.group()
def users():
    """Accounts of the web app: checker, reviewer, admin."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["checker", "reviewer", "admin"]), required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (one line).")
@db_option
@user_errors
def users_add(name, role, password_stdin, db):
    """Add an account (the password is asked for, or read from standard input)."""
    _accounts(db).add(name, role, _password(password_stdin))
    click.echo(said("user_added", name=name, role=role), err=True)


@users.command("list")
@db_option
@user_errors
def users_list(db):
    """The accounts, their roles and states."""
    for u in _accounts(db).list():
        click.echo(f"{u['name']}\t{u['role']}\t{'disabled' if u['disabled'] else 'active'}\t{u['created']}")


@users.command("disable")
@click.argument("name")
@db_option
@user_errors
def users_disable(name, db):
    """Disable an account: its sessions end and its tokens are revoked."""
    _accounts(db).disable(name)
    click.echo(said("user_disabled", name=name), err=True)


@users.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input (one line).")
@db_option
@user_errors
def users_passwd(name, password_stdin, db):
    """Set a new password."""
    _accounts(db).set_password(name, _password(password_stdin))
    click.echo(said("password_changed", name=name), err=True)


@users.command("token")
@click.argument("name")
@click.option("--revoke", is_flag=True, help="Revoke every token of NAME instead.")
@db_option
@user_errors
def users_token(name, revoke, db):
    """Issue an API token for NAME (printed alone on standard output; send it as `Authorization: Bearer TOKEN`)."""
    acc = _accounts(db)
    if revoke:
        acc.revoke_tokens(name)
        click.echo(said("tokens_revoked", name=name), err=True)
        return
    click.echo(acc.token(name))
