"""The register of every check: one SQLite file in WAL mode, safe under concurrent requests.

A check is stored with its input as received, the normalised site, the full JSON result, and the layer and rule
versions; a reviewer's override of one finding is stored beside it and never changes the original.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
import zlib
from pathlib import Path

from ..atomic import replacing
from ..errors import InputError
from ..render.spreadsheet import csv_text
from . import chain
from .. import messages

SCHEMA = """
CREATE TABLE IF NOT EXISTS checks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    case_ref TEXT,
    project_name TEXT,
    category TEXT,
    verdict TEXT NOT NULL,
    complete INTEGER NOT NULL,
    app_date TEXT NOT NULL,
    input_name TEXT,
    input_bytes BLOB,
    site_geojson TEXT NOT NULL,
    result_json TEXT NOT NULL,
    layer_versions TEXT NOT NULL,
    rule_versions TEXT NOT NULL,
    report_html BLOB
);
CREATE INDEX IF NOT EXISTS checks_case ON checks(case_ref);
CREATE INDEX IF NOT EXISTS checks_created ON checks(created);
CREATE TABLE IF NOT EXISTS overrides (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    check_id INTEGER NOT NULL REFERENCES checks(id),
    finding INTEGER NOT NULL,
    reviewer TEXT NOT NULL,
    reason TEXT NOT NULL,
    decision TEXT NOT NULL,
    created TEXT NOT NULL
);
"""
COLUMNS = ["id", "created", "user_name", "case_ref", "project_name", "category", "verdict", "complete", "app_date",
           "input_name", "layer_versions", "rule_versions"]


def default_db() -> Path:
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "zoning" / "register.sqlite"


class Register:
    def __init__(self, path=None):
        self.path = Path(path) if path else default_db()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._conn() as c:
            c.execute("PRAGMA journal_mode=WAL")
            c.executescript(SCHEMA)
            have = {r["name"] for r in c.execute("PRAGMA table_info(checks)")}
            for column in ("idem_key", "user_name"):        # registers made before these existed
                if column not in have:
                    c.execute(f"ALTER TABLE checks ADD COLUMN {column} TEXT")
            c.execute("CREATE UNIQUE INDEX IF NOT EXISTS checks_idem ON checks(idem_key)")
            c.executescript(chain.SCHEMA)
            self._adopt(c)

    @contextlib.contextmanager
    def _write(self):
        """One write transaction (BEGIN IMMEDIATE): a row and its chain rows land together or not at all, and
        chain rows are appended one writer at a time."""
        c = self._conn()
        c.execute("BEGIN IMMEDIATE")
        try:
            yield c
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise
        finally:
            c.close()

    def _adopt(self, c) -> None:
        """A register written before the chain existed: its rows enter the chain once, in order."""
        if c.execute("SELECT 1 FROM chain LIMIT 1").fetchone() is not None:
            return
        with self._write() as w:
            if w.execute("SELECT 1 FROM chain LIMIT 1").fetchone() is None:
                for row in w.execute("SELECT * FROM checks ORDER BY id").fetchall():
                    chain.append(w, "check", row["id"], row["user_name"], row["created"], chain.check_content(row))
                    if row["report_html"]:
                        chain.append(w, "report", row["id"], None, row["created"], chain.report_content(row))
                for row in w.execute("SELECT * FROM overrides ORDER BY id").fetchall():
                    chain.append(w, "override", row["id"], row["reviewer"], row["created"],
                                 chain.override_content(row))

    def append_event(self, kind: str, payload: dict, actor, sql: str, params: tuple) -> None:
        """A change of accounts (`sql`) and its chain row, in one transaction."""
        now = dt.datetime.now().isoformat(timespec="seconds")
        with self._write() as c:
            c.execute(sql, params)
            chain.append(c, kind, None, actor, now, chain.event_content(kind, payload, actor, now), payload)

    def verify(self) -> tuple[bool, str]:
        with self._conn() as c:
            return chain.verify(c)

    def _conn(self) -> sqlite3.Connection:
        c = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        c.execute("PRAGMA busy_timeout = 60000")
        c.row_factory = sqlite3.Row
        return c

    def add(self, result, *, case_ref=None, input_name=None, input_bytes=None, report_html=None, key=None,
            user=None) -> int:
        """File a check (by `user`, the logged-in account); with an idempotency `key` already filed, the id of that
        check (nothing new is filed). The row and its chain row are one transaction."""
        d = result.to_dict()
        import shapely
        site = json.dumps(shapely.geometry.mapping(result.site_geometry))
        now = dt.datetime.now().isoformat(timespec="seconds")
        with self._write() as c:
            cur = c.execute(
                "INSERT INTO checks (created, case_ref, project_name, category, verdict, complete, app_date, "
                "input_name, input_bytes, site_geojson, result_json, layer_versions, rule_versions, report_html, "
                "idem_key, user_name) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(idem_key) DO NOTHING",
                (now, case_ref or None, d["site"]["name"], d["site"]["category"], d["verdict"],
                 int(d["complete"]), d["date"], input_name, input_bytes, site, json.dumps(d, ensure_ascii=False),
                 json.dumps({lr["id"]: lr["version"] for lr in d["layers"]}, ensure_ascii=False),
                 json.dumps({r["id"]: r["version"] for r in d["rule_sets"]}, ensure_ascii=False),
                 zlib.compress(report_html.encode("utf-8")) if report_html else None, key, user))
            if cur.rowcount == 0:         # the key was filed by another process in the meantime
                return int(c.execute("SELECT id FROM checks WHERE idem_key = ?", (key,)).fetchone()[0])
            check_id = int(cur.lastrowid)
            row = c.execute("SELECT * FROM checks WHERE id = ?", (check_id,)).fetchone()
            chain.append(c, "check", check_id, user, now, chain.check_content(row))
            if report_html:
                chain.append(c, "report", check_id, user, now, chain.report_content(row))
            return check_id

    def sites(self) -> list[dict]:
        """Every check's site and the inputs of its verdict (category, flag, application date, tolerance), in
        filing order: what `zoning impact` re-runs."""
        with self._conn() as c:
            rows = c.execute("SELECT id, case_ref, project_name, app_date, site_geojson, result_json FROM checks "
                             "ORDER BY id").fetchall()
        out = []
        for r in rows:
            result = json.loads(r["result_json"])
            out.append({"check": int(r["id"]), "case_ref": r["case_ref"], "name": r["project_name"],
                        "category": result["site"]["category"], "national_major": bool(result["site"].get(
                            "national_major")), "date": r["app_date"], "tolerance_m": result.get("tolerance_m"),
                        "geometry": json.loads(r["site_geojson"])})
        return out

    def by_key(self, key: str) -> dict | None:
        """The check filed under an idempotency key, or None."""
        with self._conn() as c:
            row = c.execute("SELECT id FROM checks WHERE idem_key = ?", (key,)).fetchone()
        return None if row is None else self.get(int(row["id"]))

    def get(self, check_id: int) -> dict | None:
        with self._conn() as c:
            row = c.execute("SELECT * FROM checks WHERE id = ?", (check_id,)).fetchone()
            if row is None:
                return None
            out = dict(row)
            out["overrides"] = [dict(r) for r in c.execute(
                "SELECT * FROM overrides WHERE check_id = ? ORDER BY id", (check_id,))]
        out["result"] = json.loads(out.pop("result_json"))
        html = out.pop("report_html")
        out["report_html"] = zlib.decompress(html).decode("utf-8") if html else None
        return out

    def set_report(self, check_id: int, report_html: str) -> None:
        """Keep the report as first rendered, so that re-opening shows exactly that page."""
        with self._write() as c:
            cur = c.execute("UPDATE checks SET report_html = ? WHERE id = ? AND report_html IS NULL",
                            (zlib.compress(report_html.encode("utf-8")), check_id))
            if cur.rowcount:
                row = c.execute("SELECT * FROM checks WHERE id = ?", (check_id,)).fetchone()
                chain.append(c, "report", check_id, None, dt.datetime.now().isoformat(timespec="seconds"),
                             chain.report_content(row))

    def override(self, check_id: int, finding: int, reviewer: str, reason: str, decision: str) -> int:
        """A reviewer's override of one finding (`reviewer`: the logged-in account), chained."""
        now = dt.datetime.now().isoformat(timespec="seconds")
        with self._write() as c:
            cur = c.execute("INSERT INTO overrides (check_id, finding, reviewer, reason, decision, created) "
                            "VALUES (?,?,?,?,?,?)", (check_id, finding, reviewer, reason, decision, now))
            oid = int(cur.lastrowid)
            row = c.execute("SELECT * FROM overrides WHERE id = ?", (oid,)).fetchone()
            chain.append(c, "override", oid, reviewer, now, chain.override_content(row))
            return oid

    def search(self, *, q=None, verdict=None, date_from=None, date_to=None, limit=200) -> list[dict]:
        sql, args = "SELECT " + ", ".join(COLUMNS) + " FROM checks WHERE 1=1", []
        if q:        # the text as typed: % and _ are not wildcards
            like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            sql += " AND (case_ref LIKE ? ESCAPE '\\' OR project_name LIKE ? ESCAPE '\\')"
            args += [like, like]
        if verdict:
            sql += " AND verdict = ?"
            args.append(verdict)
        if date_from:
            sql += " AND created >= ?"
            args.append(date_from)
        if date_to:
            sql += " AND created < ?"
            args.append(date_to + "T99")
        sql += " ORDER BY id DESC LIMIT ?"
        args.append(int(limit))
        with self._conn() as c:
            return [dict(r) for r in c.execute(sql, args)]

    def count(self) -> int:
        with self._conn() as c:
            return int(c.execute("SELECT count(*) FROM checks").fetchone()[0])

    def export(self, out: Path) -> Path:
        """The register (one row per check, overrides listed) as .csv or .xlsx, for the archive."""
        out = Path(out)
        with self._conn() as c:
            rows = [dict(r) for r in c.execute("SELECT " + ", ".join(COLUMNS) + " FROM checks ORDER BY id")]
            ovr: dict = {}
            for r in c.execute("SELECT * FROM overrides ORDER BY id"):
                ovr.setdefault(r["check_id"], []).append(
                    f"finding {r['finding']}: {r['decision']} by {r['reviewer']} ({r['created']}): {r['reason']}")
        for r in rows:
            r["overrides"] = " | ".join(ovr.get(r["id"], []))
        header = COLUMNS + ["overrides"]
        with replacing(out, suffix=True) as tmp:
            if out.suffix.lower() == ".xlsx":
                import openpyxl

                from ..render.workbook import Sheet
                wb = openpyxl.Workbook(write_only=True)
                sheet = Sheet(wb, "登记簿 register", header)
                for r in rows:
                    sheet.append([r[h] for h in header])
                wb.save(tmp)
            else:
                import csv
                with open(tmp, "w", newline="", encoding="utf-8-sig") as fh:
                    w = csv.DictWriter(fh, fieldnames=header)
                    w.writeheader()
                    w.writerows({k: csv_text(v) for k, v in r.items()} for r in rows)
        return out


def sites_from_register(db) -> tuple[list[dict], str]:
    path = Path(db)
    if not path.is_file():
        raise InputError(messages.error("register_not_found"), source=str(path),
                         expected="the web app's register.sqlite")
    return Register(path).sites(), str(path)
