"""The JSON API: check a site (JSON or multipart), screen a list, read a check back."""
from __future__ import annotations

import json
from pathlib import Path

from fastapi import APIRouter, Form, Request, UploadFile
from starlette.concurrency import run_in_threadpool

from ... import values
from ...errors import InputError
from ..access import need, svc
from ..services import distance
from ..uploads import TooLarge, new_workdir, site_from_text, site_from_upload
from ..validate import check_fields, parse_body
from ...messages import error

router = APIRouter()


@router.post("/api/check")
async def api_check(request: Request):
    """Check one site. Send JSON {"site": GeoJSON, "category": ..., "date", "national_major", "crs", "case_ref",
    "name", "radius_m", "width_m"} or multipart/form-data with `file` and the same fields. Returns the JSON
    result of `zoning check --format json`, with `check_id`, the register's id."""
    user = need(request, "checker")
    s = svc(request)
    kind = request.headers.get("content-type", "")
    key = request.headers.get("idempotency-key")
    if key is not None and not (0 < len(key) <= 200 and key.isprintable()):
        raise InputError(error("bad_idempotency_key"), source="/api/check")
    key = f"api:{key}" if key else None
    if key and (known := await run_in_threadpool(s.register.by_key, key)) is not None:
        return {"check_id": known["id"], **known["result"]}
    input_name: str | None
    with new_workdir() as tmp:
        if kind.startswith("application/json"):
            body = await request.body()
            if len(body) > s.limit:
                raise TooLarge("the request body is too large", source="/api/check",
                               expected=f"at most {s.limit / 1e6:.0f} MB")
            payload = parse_body(body)
            site_json = json.dumps(payload["site"])
            site = site_from_text(site_json, Path(tmp))
            input_name, data, fields = "api.geojson", site_json.encode("utf-8"), payload
        elif kind.startswith("multipart/form-data"):
            form = await request.form(max_part_size=s.limit, max_files=2, max_fields=100)
            fields = check_fields({k: v for k, v in form.items() if isinstance(v, str)})
            upload = form.get("file")
            if upload is None or isinstance(upload, str):
                raise InputError(error("no_file_field"), source="/api/check", expected="a multipart file field")
            data = await s.read_limited(upload)
            site = site_from_upload(data, upload.filename or "upload", Path(tmp), site_id=fields.get("site_id"))
            input_name = upload.filename
        else:
            raise InputError(error("content_type", kind=kind), source="/api/check",
                             expected="application/json or multipart/form-data")
        major = fields.get("national_major")
        check_id, result = await s.check(
            site, category=fields.get("category"),
            national_major=None if major in (None, "") else values.flag(major, source="/api/check",
                                                                        field="national_major"),
            date=fields.get("date"), crs=fields.get("crs"), radius=distance(fields.get("radius_m")),
            width=distance(fields.get("width_m")), name=fields.get("name"), case_ref=fields.get("case_ref"),
            input_name=input_name, input_bytes=data, with_report=False, key=key, user=user["name"])
    return {"check_id": check_id, **result}


@router.post("/api/screen")
async def api_screen(request: Request, file: UploadFile, category: str = Form(""), date: str = Form("")):
    """Screen a list (at most max_list_rows rows): the summary and one JSON row per input row."""
    need(request, "checker")
    token, summary, rows = await svc(request).screen_upload(file, category, date)
    return {"summary": summary | {"outputs": [f"/screen/{token}/result.csv", f"/screen/{token}/result.xlsx"]},
            "rows": rows}


@router.get("/api/checks/{check_id}")
def api_get(check_id: int, request: Request):
    rec = svc(request).record(check_id)
    rec.pop("input_bytes", None)
    rec.pop("report_html", None)
    rec["site"] = json.loads(rec.pop("site_geojson"))
    for k in ("layer_versions", "rule_versions"):
        rec[k] = json.loads(rec[k])
    return rec
