"""Property-based: the TXT, CSV and coordinate parsers answer random or truncated input with a clear error or a
valid geometry, never an unhandled exception."""
from __future__ import annotations

import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixtures import jzd_txt
from zoning.errors import InputError
from zoning.geometry.normalise import normalise_batch
from zoning.inputs import ReadOptions, iter_sites
from zoning.inputs.coords import parse_coordinate

VALID_TXT = jzd_txt(True)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def sites_or_error(path, **kw):
    try:
        sites = list(iter_sites(path, ReadOptions(**kw)))
    except InputError:
        return
    batch = normalise_batch(sites)
    for i in range(len(batch)):
        if batch.errors[i] is not None:
            assert isinstance(batch.errors[i], InputError) and str(batch.errors[i])
            continue
        assert shapely.is_valid(batch.projected[i]) and batch.area[i] > 0


@SETTINGS
@given(cut=st.integers(min_value=0, max_value=len(VALID_TXT)), enc=st.sampled_from(["utf-8", "gbk"]),
       crlf=st.booleans())
def test_truncated_txt(tmp_path, cut, enc, crlf):
    text = VALID_TXT[:cut]
    p = tmp_path / "t.txt"
    p.write_bytes((text.replace("\n", "\r\n") if crlf else text).encode(enc))
    sites_or_error(p, format_in="txt")


@SETTINGS
@given(noise=st.text(alphabet=st.sampled_from(list("J0123456789,.-@ \n[]面属性描述地块坐标=带号")), max_size=300),
       pos=st.integers(min_value=0, max_value=len(VALID_TXT)))
def test_txt_with_noise(tmp_path, noise, pos):
    p = tmp_path / "n.txt"
    p.write_text(VALID_TXT[:pos] + noise + VALID_TXT[pos:], encoding="utf-8")
    sites_or_error(p, format_in="txt")


@SETTINGS
@given(rows=st.lists(st.tuples(st.text(max_size=8), st.one_of(
    st.text(max_size=40), st.sampled_from(["POINT(113 28)", "POLYGON((113 28,113.01 28,113.01 28.01,113 28))",
                                           "POLYGON((113 28,113.01 28.01,113.01 28,113 28.01,113 28))", "",
                                           "LINESTRING(113 28, 113.1 28.1)", "POLYGON EMPTY"]))), max_size=6))
def test_random_csv_rows(tmp_path, rows):
    import csv
    p = tmp_path / "r.csv"
    with open(p, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "wkt"])
        w.writerows(rows)
    sites_or_error(p, format_in="csv")


@SETTINGS
@given(text=st.text(max_size=30))
def test_coordinate_parser_random(text):
    try:
        v = parse_coordinate(text)
    except ValueError as exc:
        assert str(exc)
        return
    assert isinstance(v, float)


@given(deg=st.integers(0, 179), minutes=st.integers(0, 59), seconds=st.floats(0, 59.999, allow_nan=False))
def test_dms_round_trip(deg, minutes, seconds):
    text = f"{deg}°{minutes}′{seconds:.3f}″"
    assert abs(parse_coordinate(text) - (deg + minutes / 60 + round(seconds, 3) / 3600)) < 1e-9
