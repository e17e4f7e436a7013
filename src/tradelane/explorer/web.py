"""The explorer's web app: server-rendered pages (Starlette + Jinja2) and their JSON twins.

    /                      orders, newest first (?party= &status= &token= &route= &page=)
    /orders/<id>           an order's journey, money, milestones, holds, dispute, transactions
    /parties/<address>     a party's track record
    /verify                a document check (a file, a hash or a reference)
    /api/...               the same data as JSON (/api/orders, /api/orders/<id>, ...)

Every page works without JavaScript; the charts are SVG written here. Nothing is sent to
any chain: the app only reads the explorer's database.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from tradelane import __version__
from tradelane.explorer.charts import legend, money_chart
from tradelane.explorer.pages import (
    PER_PAGE,
    STATUS_LABELS,
    BadRequest,
    Explorer,
    PageError,
    hashes_of_file,
    hashes_of_text,
)

#: The largest document /verify hashes (bytes).
MAX_UPLOAD = 32 * 1024 * 1024
#: The most orders one page of the list (or of /api/orders) holds.
MAX_PER_PAGE = 500
log = logging.getLogger("tradelane.explorer")


def _when(ts: int | None) -> str:
    if ts is None:
        return ""
    return datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%d %H:%M UTC")


def _short(text: str | None, keep: int = 10) -> str:
    if not text:
        return ""
    return text if len(text) <= keep + 4 else f"{text[:keep]}…{text[-4:]}"


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("tradelane.explorer", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = _when
    env.filters["short"] = _short
    env.globals["money_chart"] = money_chart
    env.globals["legend"] = legend
    env.globals["version"] = __version__
    env.globals["statuses"] = STATUS_LABELS
    return env


def render(env: Environment, template: str, **context: Any) -> str:
    context.setdefault("standalone", False)
    return env.get_template(template).render(**context)


def render_order(explorer: Explorer, order_id: str, *, standalone: bool = False) -> str:
    """The order page as HTML; `standalone`: one self-contained file (the report)."""
    env = environment()
    return render(env, "order.html", order=explorer.order(order_id), standalone=standalone)


def create_app(explorer: Explorer) -> Starlette:
    """The web app over `explorer` (its database and names)."""
    env = environment()

    def page(template: str, code: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(render(env, template, **context), status_code=code)

    def wants_json(request: Request) -> bool:
        return request.url.path.startswith("/api/") or request.url.path == "/api"

    def error(request: Request, status: int, message: str) -> Response:
        if wants_json(request):
            return JSONResponse({"error": message, "status": status}, status_code=status)
        title = {400: "Bad request", 404: "Not found", 405: "Not allowed"}.get(status, "Error")
        return page("error.html", status, title=title, message=message, status=status)

    def number(request: Request, name: str, default: int) -> int:
        raw = request.query_params.get(name)
        if raw is None or raw == "":
            return default
        try:
            return int(raw)
        except ValueError:
            raise BadRequest(f"{name} must be a whole number, not {raw!r}") from None

    async def orders_data(request: Request) -> dict[str, Any]:
        q = request.query_params
        return await run_in_threadpool(
            explorer.orders,
            party=q.get("party", ""),
            status=q.get("status", ""),
            token=q.get("token", ""),
            route=q.get("route", ""),
            page=number(request, "page", 1),
            per_page=min(max(number(request, "per_page", PER_PAGE), 1), MAX_PER_PAGE),
        )

    async def index(request: Request) -> Response:
        return page("orders.html", data=await orders_data(request))

    async def api_orders(request: Request) -> Response:
        return JSONResponse(await orders_data(request))

    async def order(request: Request) -> Response:
        data = await run_in_threadpool(explorer.order, request.path_params["order_id"])
        return page("order.html", order=data)

    async def api_order(request: Request) -> Response:
        return JSONResponse(
            await run_in_threadpool(explorer.order, request.path_params["order_id"])
        )

    async def party(request: Request) -> Response:
        data = await run_in_threadpool(explorer.party, request.path_params["address"])
        return page("party.html", party=data)

    async def api_party(request: Request) -> Response:
        return JSONResponse(await run_in_threadpool(explorer.party, request.path_params["address"]))

    async def verify_data(request: Request) -> tuple[dict[str, Any] | None, str]:
        """The check asked for (None: the empty form) and the text given."""
        given = request.query_params.get("hash", "")
        content: bytes | None = None
        if request.method == "POST":
            form = await request.form(max_files=1, max_fields=8)
            given = str(form.get("hash") or "")
            upload = form.get("file")
            if isinstance(upload, UploadFile) and (upload.filename or upload.size):
                content = await upload.read(MAX_UPLOAD + 1)
                await upload.close()
                if len(content) > MAX_UPLOAD:
                    raise BadRequest(
                        f"the file is larger than {MAX_UPLOAD // (1024 * 1024)} MiB: "
                        "paste its hash instead"
                    )
            await form.close()
        if content is not None:
            candidates = hashes_of_file(content)
        elif given.strip():
            candidates = hashes_of_text(given)
        elif request.method == "POST" or "hash" in request.query_params:
            raise BadRequest("give a file, a document hash (0x + 64 hex digits) or a reference")
        else:
            return None, ""
        return await run_in_threadpool(explorer.verify, candidates), given

    async def verify(request: Request) -> Response:
        try:
            result, given = await verify_data(request)
        except BadRequest as exc:
            return page("verify.html", 400, result=None, given="", problem=exc.message)
        return page("verify.html", result=result, given=given, problem="")

    async def api_verify(request: Request) -> Response:
        result, _ = await verify_data(request)
        if result is None:
            raise BadRequest("give ?hash=0x... (or a reference), or POST a file as 'file'")
        return JSONResponse(result)

    async def api_status(request: Request) -> Response:
        def status() -> dict[str, Any]:
            with explorer.store.read() as conn:
                return explorer.status(conn)

        return JSONResponse(await run_in_threadpool(status))

    async def page_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, PageError)
        return error(request, exc.status, exc.message)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        message = {
            404: f"there is no page {request.url.path}: start from the list of orders",
            405: f"{request.method} is not allowed on {request.url.path}",
        }.get(exc.status_code, str(exc.detail))
        return error(request, exc.status_code, message)

    async def server_error(request: Request, exc: Exception) -> Response:
        log.error(
            "explorer: %s %s failed:\n%s", request.method, request.url.path, traceback.format_exc()
        )
        return error(request, 500, "the explorer could not build this page; its log says why")

    handlers: Mapping[Any, Any] = {
        PageError: page_error,
        HTTPException: http_error,
        Exception: server_error,
    }
    routes = [
        Route("/", index),
        Route("/orders/{order_id}", order),
        Route("/parties/{address}", party),
        Route("/verify", verify, methods=["GET", "POST"]),
        Route("/api/orders", api_orders),
        Route("/api/orders/{order_id}", api_order),
        Route("/api/parties/{address}", api_party),
        Route("/api/verify", api_verify, methods=["GET", "POST"]),
        Route("/api/status", api_status),
    ]
    return Starlette(routes=routes, exception_handlers=dict(handlers))


__all__ = ["MAX_UPLOAD", "create_app", "environment", "render", "render_order"]
