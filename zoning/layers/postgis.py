"""Layers in PostGIS tables: read with psycopg (this GDAL build has no PostgreSQL driver), and pushed there.

Credentials never sit in the manifest: libpq takes them from PGPASSWORD / PGUSER, ~/.pgpass or a service file
(`postgresql:///?service=zoning` with PGSERVICEFILE), exactly as psql does.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from ..errors import LayerError, ManifestError
from .. import messages

_IDENT = re.compile(r"^[A-Za-z_\u4e00-\u9fff][\w\u4e00-\u9fff$]*$")


def check_url(url: str, where: str) -> None:
    """Refuse a password written into the manifest."""
    parts = urlsplit(url)
    if parts.password or re.search(r"(^|[?&])password=", parts.query or ""):
        raise ManifestError(messages.error("db_password"), source=where,
                            expected="credentials from PGPASSWORD, ~/.pgpass or a PostgreSQL service file, "
                                     "never in the manifest")


def redact(url: str) -> str:
    p = urlsplit(url)
    host = p.hostname or "localhost"
    return f"{p.scheme}://{(p.username + '@') if p.username else ''}{host}{':' + str(p.port) if p.port else ''}{p.path}"


def connect(url: str, where: str):
    from ..extras import MissingExtra, require
    try:
        require("postgis", where)
    except MissingExtra as exc:       # the layer is failed with the message, like any unreadable layer
        raise LayerError(exc.message, source=where, expected=exc.expected) from None
    import psycopg
    try:
        return psycopg.connect(url, connect_timeout=5, autocommit=True)
    except psycopg.OperationalError as exc:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if "password" in text or "authentication" in text:
            hint = "a user and password that the server accepts: set PGUSER/PGPASSWORD, ~/.pgpass or a service file"
        elif "does not exist" in text:
            hint = "an existing database in the URL"
        else:
            hint = f"a PostgreSQL server listening at {redact(url)}: is it running, and is the host/port right?"
        raise LayerError(messages.error("db_connect", url=redact(url), why=text), source=where, expected=hint) from None


def _split_table(table: str, where: str) -> tuple[str, str]:
    schema, _, name = table.rpartition(".")
    schema = schema or "public"
    for part in (schema, name):
        if not _IDENT.match(part):
            raise LayerError(messages.error("db_table_name", table=table), source=where,
                             expected="schema.table made of letters, digits, _")
    return schema, name


def _describe(conn, spec, wanted: list[str], where: str):
    """(schema, table, geometry column, SRID, CRS text or None, primary key column or None) of a layer's table,
    checked: it exists, has a geometry column and the wanted fields, and its SRID is the declared CRS."""
    schema, name = _split_table(spec.table, where)
    cur = conn.execute("SELECT to_regclass(%s)", (f'"{schema}"."{name}"',))
    if cur.fetchone()[0] is None:
        raise LayerError(messages.error("db_no_table", table=f"{schema}.{name}"), source=where,
                         expected="an existing table (zoning layers push creates them from files)")
    cur = conn.execute("SELECT f_geometry_column, srid FROM geometry_columns "
                       "WHERE f_table_schema = %s AND f_table_name = %s", (schema, name))
    geo = cur.fetchall()
    if not geo:
        raise LayerError(messages.error("db_no_geometry", table=f"{schema}.{name}"), source=where,
                         expected="a PostGIS geometry column (AddGeometryColumn or geometry(..., SRID))")
    geom_col, srid = geo[0]
    cur = conn.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = %s "
                       "AND table_name = %s ORDER BY ordinal_position", (schema, name))
    fields = [r[0] for r in cur.fetchall()]
    missing = [f for f in wanted if f not in fields]
    if missing:
        raise LayerError(messages.error("db_fields", fields=missing, table=f"{schema}.{name}"), source=where,
                         expected="one of " + ", ".join(fields))
    crs = None
    if srid:
        crs = f"EPSG:{srid}"
        if spec.crs:
            from ..geometry.crs import crs_key
            if crs_key(spec.crs) != crs_key(crs):
                raise LayerError(messages.error("db_crs", table=f"{schema}.{name}", crs=crs, declared=spec.crs),
                                 source=where, expected="the manifest's crs to match the table's SRID, "
                                                        "or no crs in the manifest")
    cur = conn.execute("SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                       "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary",
                       (f'"{schema}"."{name}"',))
    pk = [r[0] for r in cur.fetchall()]
    return schema, name, geom_col, srid, crs, pk[0] if len(pk) == 1 else None


def fetch_table(spec, wanted: list[str], where: str, *, boxes=None, nearest_to=None):
    """(CRS text, fids, WKB list, {field: values}, version) of a PostGIS table, ordered by its primary key: the
    whole table, or with `boxes` (minx, miny, maxx, maxy rows in the table's CRS) the rows whose geometry's box
    meets one of them (`&&`, by the spatial index), or with `nearest_to` the row nearest each box (`<->`)."""
    from psycopg import sql
    from psycopg.errors import Error as PgError
    with connect(spec.path, where) as conn:
        try:
            schema, name, geom_col, srid, crs, pk = _describe(conn, spec, wanted, where)
            order = sql.SQL(" ORDER BY {}").format(sql.Identifier(pk)) if pk else sql.SQL("")
            fid = sql.Identifier(pk) if pk else sql.SQL("row_number() OVER ()")
            table, g = sql.Identifier(schema, name), sql.Identifier(geom_col)
            conds: list[sql.Composable] = []
            params: list = []
            if spec.where:
                conds.append(sql.SQL("(" + spec.where + ")"))
            if boxes is not None or nearest_to is not None:
                if not pk:
                    raise LayerError(messages.error("db_no_key", table=f"{schema}.{name}"), source=where,
                                     expected="a primary key, so that window reads name their rows")
                arg = boxes if boxes is not None else nearest_to
                env = sql.SQL("ST_MakeEnvelope(w.x0, w.y0, w.x1, w.y1, {s})").format(s=sql.Literal(int(srid or 0)))
                filt = sql.SQL(" AND (" + spec.where + ")") if spec.where else sql.SQL("")
                pattern = (sql.SQL("SELECT t2.{pk} FROM {t} t2 WHERE t2.{g} && {env}{filt}") if boxes is not None
                           else sql.SQL("SELECT t2.{pk} FROM {t} t2 WHERE true{filt} ORDER BY t2.{g} <-> {env} "
                                        "LIMIT 1"))
                inner = pattern.format(pk=sql.Identifier(pk), t=table, g=g, env=env, filt=filt)
                conds.append(sql.SQL("{pk} IN (SELECT x.{pk} FROM unnest(%s::float8[], %s::float8[], %s::float8[], "
                                     "%s::float8[]) AS w(x0, y0, x1, y1) CROSS JOIN LATERAL ({inner}) x)").format(
                    pk=sql.Identifier(pk), inner=inner))
                params += [[float(b[i]) for b in arg] for i in range(4)]
            clause = sql.SQL(" WHERE ") + sql.SQL(" AND ").join(conds) if conds else sql.SQL("")
            query = sql.SQL("SELECT {fid}, ST_AsBinary({g}){cols} FROM {t}{where}{order}").format(
                fid=fid, g=g, cols=sql.SQL("").join(sql.SQL(", ") + sql.Identifier(f) for f in wanted),
                t=table, where=clause, order=order)
            rows = conn.execute(query, params).fetchall()
            version = spec.version
            if spec.version_query:
                version = str(conn.execute(spec.version_query).fetchone()[0])
            elif spec.version_column:
                version = str(conn.execute(sql.SQL("SELECT max({c})::text FROM {t}").format(
                    c=sql.Identifier(spec.version_column), t=sql.Identifier(schema, name))).fetchone()[0])
        except PgError as exc:
            raise LayerError(messages.error("db_query", why=str(exc).strip().splitlines()[0]), source=where,
                             expected="a readable table; check `where`, `version_query` and the user's rights") \
                from None
    fids = [r[0] for r in rows]
    wkb = [bytes(r[1]) if r[1] is not None else None for r in rows]
    cols = {f: [r[2 + k] for r in rows] for k, f in enumerate(wanted)}
    return crs, fids, wkb, cols, version


def primary_key(spec, where: str) -> str | None:
    """The table's single-column primary key (what window reads need to name rows), or None."""
    from psycopg.errors import Error as PgError
    with connect(spec.path, where) as conn:
        try:
            return _describe(conn, spec, [], where)[5]
        except PgError as exc:
            raise LayerError(messages.error("db_query", why=str(exc).strip().splitlines()[0]), source=where) from None


def fetch_version(spec, where: str) -> str | None:
    """The layer's version from its `version_query` or `version_column` (one cheap query), or None when the
    manifest gives neither."""
    if not (spec.version_query or spec.version_column):
        return None
    from psycopg import sql
    from psycopg.errors import Error as PgError
    schema, name = _split_table(spec.table, where)
    with connect(spec.path, where) as conn:
        try:
            if spec.version_query:
                return str(conn.execute(spec.version_query).fetchone()[0])
            return str(conn.execute(sql.SQL("SELECT max({c})::text FROM {t}").format(
                c=sql.Identifier(spec.version_column), t=sql.Identifier(schema, name))).fetchone()[0])
        except PgError as exc:
            raise LayerError(messages.error("db_version_query", why=str(exc).strip().splitlines()[0]), source=where,
                             expected="a `version_query` returning one value, or an existing `version_column`") \
                from None


def _pg_type(dtype) -> str:
    kind = getattr(dtype, "kind", "O")
    return {"i": "bigint", "u": "bigint", "f": "double precision", "b": "boolean"}.get(kind, "text")


def push_layers(manifest, url: str, *, schema: str = "public", say=print) -> str:
    """Copy every layer of `manifest` into PostGIS tables `schema.<layer id>` with spatial indexes.

    Returns the text of a manifest that points at the pushed tables (no credentials in it).
    """
    from psycopg.errors import Error as PgError
    try:
        return _push(manifest, url, schema, say)
    except PgError as exc:
        raise LayerError(messages.error("db_push", why=str(exc).strip().splitlines()[0]), source=f"--to {redact(url)}",
                         expected="a user allowed to create tables (and the postgis extension) in the database") \
            from None


def _push(manifest, url, schema, say) -> str:
    import pyogrio
    from psycopg import sql

    from ..inputs.dbf import dbf_encoding
    where = f"--to {redact(url)}"
    check_url(url, where)
    _split_table(f"{schema}.x", where)
    lines = [f'title = "{manifest.title} (PostGIS)"', f"demo = {'true' if manifest.demo else 'false'}",
             f'notice = "{manifest.notice}"']
    with connect(url, where) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        for spec in manifest.layers:
            if spec.is_database:
                say(f"{spec.id}: already in a database, skipped")
                continue
            if spec.is_raster:
                say(f"{spec.id}: raster, kept as a file")
                lines += ["", "[[layers]]", f'id = "{spec.id}"', f'kind = "{spec.kind}"',
                          f'rule_set = "{spec.rule_set}"', f'path = "{spec.source}"']
                if spec.version:
                    lines.append(f'version = "{spec.version}"')
                continue
            meta, fids, wkb, cols = pyogrio.raw.read(spec.source, layer=spec.table, return_fids=True,
                                                     encoding=spec.encoding or dbf_encoding(spec.source))
            from pyproj import CRS
            srid = CRS.from_user_input(spec.crs or meta["crs"]).to_epsg() or 0
            fields = [str(f) for f in meta["fields"]]
            table = sql.Identifier(schema, spec.id)
            conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(table))
            conn.execute(sql.SQL("CREATE TABLE {t} (fid bigint PRIMARY KEY{cols}, geom geometry(Geometry, {srid}))")
                         .format(t=table, srid=sql.Literal(srid),
                                 cols=sql.SQL("").join(sql.SQL(", {} ").format(sql.Identifier(f))
                                                       + sql.SQL(_pg_type(c.dtype))
                                                       for f, c in zip(fields, cols, strict=True))))
            insert = sql.SQL("INSERT INTO {t} (fid{cols}, geom) VALUES (%s{ph}, ST_GeomFromWKB(%s, {srid}))").format(
                t=table, srid=sql.Literal(srid),
                cols=sql.SQL("").join(sql.SQL(", ") + sql.Identifier(f) for f in fields),
                ph=sql.SQL(", %s" * len(fields)))
            with conn.cursor() as cur:
                cur.executemany(insert, [(int(fids[i]), *[_py(c[i]) for c in cols], wkb[i]) for i in range(len(wkb))])
            conn.execute(sql.SQL("CREATE INDEX ON {} USING GIST (geom)").format(table))
            conn.execute(sql.SQL("ANALYZE {}").format(table))
            say(f"{spec.id}: {len(wkb)} features -> {schema}.{spec.id} (SRID {srid}, GiST index)")
            lines += ["", "[[layers]]", f'id = "{spec.id}"', f'kind = "{spec.kind}"', f'rule_set = "{spec.rule_set}"',
                      f'path = "{redact(url)}"', f'table = "{schema}.{spec.id}"']
            for key in ("zone_field", "name_field", "width_field", "version"):
                if getattr(spec, key):
                    lines.append(f'{key} = "{getattr(spec, key)}"')
            if spec.zone_values:
                lines.append("zone_values = { " + ", ".join(f'"{k}" = "{v}"' for k, v in spec.zone_values.items())
                             + " }")
            cov = spec.coverage
            if isinstance(cov, str) and cov != "unbounded":
                lines.append(f'coverage = "{(spec.base / cov).resolve()}"')
            elif isinstance(cov, list):
                lines.append(f"coverage = {cov}")
            elif cov == "unbounded":
                lines.append('coverage = "unbounded"')
    return "\n".join(lines) + "\n"


def _py(v):
    if hasattr(v, "item"):
        return v.item()
    return v
