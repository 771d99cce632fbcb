"""Every failure as an answer the user can act on: an HTML page or JSON error, with the status it deserves (a
user's mistake 4xx, a full disk 507, a busy register 503), never a traceback."""
from __future__ import annotations

import errno
import logging
import sqlite3

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse

from ..errors import InputError, ZoningError
from . import pages
from .access import page, wants_json
from .accounts import AuthError, Forbidden
from .downloads import Expired
from .engine_pool import WorkerDied
from .uploads import TooLarge
from ..messages import error

log = logging.getLogger("zoning.web")
DISK_FULL_TITLE = "磁盘已满 Disk full"
DISK_FULL = "磁盘已满 the server's disk is full; nothing was filed. Tell the administrator, then try again."


class NotFound(InputError):
    """A check id that the register does not hold."""


def error_response(request: Request, status: int, heading: str, message: str):
    if wants_json(request):
        return JSONResponse({"error": message}, status_code=status)
    return HTMLResponse(page(request, pages.ERROR, title=heading, heading=heading, message=message),
                        status_code=status)


def disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return True
    return isinstance(exc, sqlite3.OperationalError) and "full" in str(exc).lower()


def add_error_handlers(app: FastAPI) -> None:
    def answer(status: int, heading: str):
        async def handler(request: Request, exc: ZoningError):
            return error_response(request, status, heading, str(exc))
        return handler

    for exc_type, status, heading in ((TooLarge, 413, "文件过大 Too large"), (NotFound, 404, "未找到 Not found"),
                                      (AuthError, 401, "请登录 Log in"), (Forbidden, 403, "无权限 Forbidden"),
                                      (Expired, 410, "已过期 Expired")):
        app.add_exception_handler(exc_type, answer(status, heading))

    def fault(status: int, heading: str, message: str, logged: str):
        """A fault of the machine, not the user: a full disk is 507 whatever raised it; anything else is logged."""
        async def handler(request: Request, exc: Exception):
            if disk_full(exc):
                return error_response(request, 507, DISK_FULL_TITLE, DISK_FULL)
            log.exception("%s on %s", logged, request.url.path)
            return error_response(request, status, heading, error(message))
        return handler

    app.add_exception_handler(sqlite3.OperationalError,
                              fault(503, "登记册忙 Register busy", "register_busy", "register error"))
    app.add_exception_handler(OSError, fault(500, "内部错误 Internal error", "internal", "system error"))

    @app.exception_handler(WorkerDied)
    async def worker_died(request: Request, exc: WorkerDied):
        return error_response(request, 503, "请重试 Please retry", str(exc))

    @app.exception_handler(ZoningError)
    async def user_error(request: Request, exc: ZoningError):
        return error_response(request, 400, "输入有误 Input error", str(exc))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        fields = ", ".join(".".join(str(p) for p in e.get("loc", [])) + ": " + e.get("msg", "") for e in exc.errors())
        return error_response(request, 422, "请求不完整 Incomplete request", fields)

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception):
        log.exception("internal error on %s", request.url.path)
        return error_response(request, 500, "内部错误 Internal error", error("internal"))
