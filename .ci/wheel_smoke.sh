#!/usr/bin/env bash
# Build the wheel and the sdist, install the wheel into fresh virtual environments in a temporary folder outside
# the clone (the core install, then zoning[all]), and run every command there: proves that an installed zoning
# finds its data files and names a missing extra. Prints the size of both environments.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/zoning-wheel-XXXXXX)
trap 'rm -rf "$work"' EXIT
python -m build --wheel --sdist --outdir "$work/dist" "$root" >"$work/build.log" 2>&1 || { tail -30 "$work/build.log"; exit 1; }
wheel=$(ls "$work"/dist/*.whl)
python -m zipfile -l "$wheel" >"$work/wheel.txt"
grep -q "zoning/_data/layers/layers.toml" "$work/wheel.txt" || { echo "wheel lacks the demo layers"; exit 1; }
tar tzf "$work"/dist/*.tar.gz >"$work/sdist.txt"
grep -q "layers/red_line.gpkg" "$work/sdist.txt" || { echo "sdist lacks the demo layers"; exit 1; }
cd "$work"                        # outside the clone: nothing of the checkout is on any path
python3 -m venv core && core/bin/pip install --quiet "$wheel"
python3 -m venv full && full/bin/pip install --quiet "$wheel[all]"
site='POLYGON((113.03 27.99, 113.034 27.99, 113.034 27.994, 113.03 27.994, 113.03 27.99))'
printf '编号,项目名称,wkt\nA,甲,"POLYGON((113.05 27.95,113.051 27.95,113.051 27.951,113.05 27.95))"\nB,乙,"%s"\n' "$site" > list.csv
for env in core full; do
  z="$work/$env/bin/zoning"
  "$z" --version >version.txt && grep -q "rule set green_heart_2024" version.txt
  "$z" doctor >/dev/null
  "$z" check --wkt "$site" --crs cgcs2000 --category industrial --date 2026-11-21 >check.txt
  grep -q VERDICT check.txt
  "$z" check --wkt "$site" --crs cgcs2000 --category industrial --date 2026-11-21 --map "site-$env.html" \
    --report "report-$env.html" 2>/dev/null
  test -s "site-$env.html" && test -s "report-$env.html"
  "$z" atlas --out "atlas-$env.html" 2>/dev/null && test -s "atlas-$env.html"
  "$z" atlas --out "tiled-$env/atlas.html" --tiles yes 2>/dev/null && grep -q "VectorGrid" "tiled-$env/atlas.html" \
    && test -d "tiled-$env/atlas_tiles/red_line" && test -s "tiled-$env/atlas_tiles/names.json"
  "$z" layers prepare >/dev/null
  "$z" screen list.csv --out "out-$env.gpkg" --default-category industrial --date 2026-11-21 --quiet --workers 1 >/dev/null
  "$z" suitability --category commercial --cell 500 --date 2026-11-21 --out "suit-$env.tif" 2>/dev/null
  "$z" layers >/dev/null && "$z" rules >/dev/null
done
# the core install names the extras it lacks, in one line, exit 2
set +e
msg=$(core/bin/zoning serve --port 1 2>&1); rc=$?
set -e
[ "$rc" = 2 ] && echo "$msg" | grep -q 'pip install "zoning\[web\]"' || { echo "serve without [web]: $rc $msg"; exit 1; }
set +e
msg=$(core/bin/zoning check --wkt "$site" --crs cgcs2000 -c industrial --report r.pdf 2>&1); rc=$?
set -e
[ "$rc" = 2 ] && echo "$msg" | grep -q 'zoning\[pdf\]' || { echo "pdf without [pdf]: $rc $msg"; exit 1; }
# the full install serves, and prints PDFs where Chromium is
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
full/bin/zoning serve --no-auth --port "$port" --db "$work/register.sqlite" --workers 1 >serve.log 2>&1 &
pid=$!
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
curl -sf -H 'content-type: application/json' -d '{"site": {"type": "Polygon", "coordinates": [[[113.05, 27.95], [113.051, 27.95], [113.051, 27.951], [113.05, 27.95]]]}, "category": "工业"}' \
  "http://127.0.0.1:$port/api/check" >api.json
grep -q '"verdict"' api.json
kill "$pid"; wait "$pid" 2>/dev/null || true
if [ -x "${ZONING_CHROMIUM:-/usr/bin/chromium}" ]; then
  full/bin/zoning check --wkt "$site" --crs cgcs2000 -c industrial --date 2026-11-21 --report r.pdf >/dev/null 2>&1
  head -c 4 r.pdf | grep -q '%PDF'
fi
echo "wheel smoke test: every command ran from $(basename "$wheel") outside the clone;" \
     "core environment $(du -sh core | cut -f1), full $(du -sh full | cut -f1)"
