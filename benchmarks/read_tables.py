"""Reading a large CSV list: zoning's line-by-line decoding (each line UTF-8 or GBK) against a baseline of
Python's csv module over one text stream in one encoding (what a reader that cannot mix encodings does),
measured in the same run on the same file.

    python benchmarks/read_tables.py [-n 500000]
"""
from __future__ import annotations

import argparse
import csv
import tempfile
import time
from pathlib import Path

from zoning.inputs import ReadOptions
from zoning.inputs.table import table_rows


def write(path: Path, n: int, mixed: bool) -> None:
    with open(path, "wb") as fh:
        fh.write("编号,名称,类型,wkt\n".encode())
        for i in range(n):
            line = f"XM-{i:07d},示例项目{i},公共设施,\"POLYGON((113.0 27.9,113.01 27.9,113.01 27.91,113.0 27.9))\"\n"
            fh.write(line.encode("gbk" if mixed and i == n // 2 else "utf-8"))


def baseline(path: Path) -> int:
    with open(path, newline="", encoding="utf-8", errors="replace") as fh:
        return sum(1 for _ in csv.reader(fh)) - 1


def zoning_rows(path: Path) -> int:
    _, rows = table_rows(path, ReadOptions())
    return sum(1 for _ in rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=500_000)
    n = ap.parse_args().n
    with tempfile.TemporaryDirectory() as tmp:
        for mixed in (False, True):
            path = Path(tmp) / "list.csv"
            write(path, n, mixed)
            t0 = time.perf_counter()
            a = baseline(path)
            t1 = time.perf_counter()
            b = zoning_rows(path)
            t2 = time.perf_counter()
            assert a == b == n, (a, b, n)
            print(f"{'mixed UTF-8/GBK' if mixed else 'UTF-8'}: {n:,} rows, {path.stat().st_size / 1e6:.0f} MB: "
                  f"baseline csv {n / (t1 - t0):,.0f} rows/s, zoning {n / (t2 - t1):,.0f} rows/s "
                  f"(ratio {(t1 - t0) / (t2 - t1):.2f})")


if __name__ == "__main__":
    main()
