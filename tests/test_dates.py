"""Application dates as lists really carry them: text, date and datetime cells, time zones, Excel serial numbers."""
from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from openpyxl import Workbook
from shapely.geometry import box

from zoning.errors import InputError
from zoning.values import date as parse_date_cell
from zoning.screen import ScreenOptions, screen

D = dt.date(2025, 6, 1)
WKT = "POLYGON((113.05 27.95,113.051 27.95,113.051 27.951,113.05 27.951,113.05 27.95))"


@pytest.mark.parametrize(
    "value",
    [
        "2025-06-01",
        " 2025-06-01 ",
        "2025-06-01 00:00:00+00:00",
        "2025-06-01T08:30:00",
        "2025/6/1",
        "2025.06.01",
        "2025年6月1日",
        "20250601",
        dt.date(2025, 6, 1),
        dt.datetime(2025, 6, 1, 23, 59),
        dt.datetime(2025, 6, 1, 0, 0, tzinfo=dt.UTC),
        dt.datetime(2025, 6, 1, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))),
        pd.Timestamp("2025-06-01 12:00", tz="Asia/Shanghai"),
        np.datetime64("2025-06-01T10:00"),
        45809,
        45809.75,
        "45809",
    ],
)
def test_every_kind_of_date_cell_is_its_calendar_date(value):
    assert parse_date_cell(value) == D


@pytest.mark.parametrize("value", ["soon", "2025-13-01", "2025-02-30", 12, -3.5, True, "1.5e9"])
def test_a_value_that_is_not_a_date_names_its_column(value):
    with pytest.raises(InputError) as exc:
        parse_date_cell(value, source="list.xlsx", row=3, field="申请日期")
    text = str(exc.value)
    assert "list.xlsx" in text and "row 3" in text and "申请日期" in text and "--date" not in text


def _screen(path, tmp_path, **kw):
    out = tmp_path / "out.csv"
    summary = screen(path, out, ScreenOptions(default_category="industrial", quiet=True, workers=1, **kw))
    return summary, pd.read_csv(out, dtype=str, keep_default_na=False)


def test_a_geopackage_datetime_column(tmp_path):
    geom = gpd.GeoSeries.from_wkt([WKT, WKT], crs="EPSG:4490")
    gdf = gpd.GeoDataFrame({"编号": ["A", "B"],
                            "申请日期": pd.to_datetime(["2025-06-01T00:00:00Z", "2024-05-01T00:00:00Z"])},
                           geometry=geom)
    path = tmp_path / "list.gpkg"
    pyogrio.write_dataframe(gdf, path)
    assert pyogrio.read_info(path)["dtypes"][1].startswith("datetime")
    summary, rows = _screen(path, tmp_path)
    assert summary["rows_in_error"] == 0, rows["error"].tolist()
    assert rows["date"].tolist() == ["2025-06-01", "2024-05-01"]


def test_an_excel_list_with_real_date_cells_and_serials(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["编号", "申请日期", "wkt"])
    ws.append(["A", dt.datetime(2025, 6, 1), WKT])         # Excel makes typed dates real dates
    ws.append(["B", 45809, WKT])                           # a date kept as its serial number
    ws.append(["C", "2025/6/1", WKT])
    ws.append(["D", "下周", WKT])                           # not a date: that row's error only
    path = tmp_path / "list.xlsx"
    wb.save(path)
    summary, rows = _screen(path, tmp_path)
    assert rows["date"].tolist()[:3] == ["2025-06-01"] * 3
    assert summary["rows_in_error"] == 1
    err = rows["error"].tolist()[3]
    assert "下周" in err and "申请日期" in err and "--date" not in err


def test_a_csv_with_text_dates(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("编号,date,wkt\n"
                    f'A,2025-06-01 00:00:00+00:00,"{WKT}"\n'
                    f'B,2025年6月1日,"{WKT}"\n', encoding="utf-8")
    summary, rows = _screen(path, tmp_path)
    assert summary["rows_in_error"] == 0 and rows["date"].tolist() == ["2025-06-01"] * 2


def test_a_site_file_date_does_not_fail_a_check(tmp_path):
    gdf = gpd.GeoDataFrame({"编号": ["A"], "申请日期": pd.to_datetime(["2025-06-01T00:00:00Z"])},
                           geometry=[box(113.05, 27.95, 113.051, 27.951)], crs="EPSG:4490")
    path = tmp_path / "site.gpkg"
    pyogrio.write_dataframe(gdf, path)
    import zoning
    r = zoning.check(path, category="industrial", date="2026-11-21")
    assert r.verdict in ("prohibited", "conditional", "permitted")
