# Source me: installs Debian's PostgreSQL + PostGIS if missing, starts a throwaway cluster on a local port,
# and exports ZONING_TEST_PG (plus PGPASSWORD) for the PostGIS tests.
PGPORT_TEST="${PGPORT_TEST:-54329}"
if ! ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgis) >/dev/null
fi
PGVER=$(ls /usr/lib/postgresql | sort -n | tail -1)
if [ -z "$(pg_lsclusters -h 2>/dev/null | awk -v p="$PGPORT_TEST" '$2 == "zoningtest" && $3 == p')" ]; then
  pg_dropcluster --stop "$PGVER" zoningtest >/dev/null 2>&1 || true
  pg_createcluster "$PGVER" zoningtest -p "$PGPORT_TEST" >/dev/null
fi
pg_ctlcluster "$PGVER" zoningtest start >/dev/null 2>&1 || true
runuser -u postgres -- psql -q -p "$PGPORT_TEST" -c "DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='zoning') THEN CREATE ROLE zoning LOGIN SUPERUSER PASSWORD 'zoning-test'; END IF; END \$\$;" >/dev/null
if [ "$(runuser -u postgres -- psql -q -p "$PGPORT_TEST" -tAc "SELECT 1 FROM pg_database WHERE datname='zoning_test'")" != "1" ]; then
  runuser -u postgres -- createdb -p "$PGPORT_TEST" -O zoning zoning_test
fi
runuser -u postgres -- psql -q -p "$PGPORT_TEST" -d zoning_test -c "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null
export PGPASSWORD=zoning-test
export ZONING_TEST_PG="postgresql://zoning@127.0.0.1:$PGPORT_TEST/zoning_test"
