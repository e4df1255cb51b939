# shellcheck shell=bash
# Services the tests need, for `source scripts/start_services.sh` (scripts/test.sh does).
#
# PostgreSQL: installed from Debian's packages if missing, a throwaway cluster on
# 127.0.0.1 (trust auth, data in /tmp) started without a service manager, a database
# created, and YUNLI_TEST_PG_URL exported. Idempotent: a running cluster is reused.
# An already set YUNLI_TEST_PG_URL is kept as it is.

_yunli_start_postgres() {
  if [ -n "${YUNLI_TEST_PG_URL:-}" ]; then
    echo "start_services: using YUNLI_TEST_PG_URL from the environment"
    return 0
  fi
  local port="${YUNLI_PG_PORT:-54329}" data="${YUNLI_PG_DIR:-/tmp/yunli-pg}" db=yunli_test
  local bindir
  # The server (initdb), not just the client (psql), must be there: machines may ship
  # postgresql-client alone, which also creates /usr/lib/postgresql/*/bin.
  bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
    if [ "$(id -u)" != 0 ]; then
      echo "start_services: PostgreSQL is not installed and I am not root; PostgreSQL tests will be skipped"
      return 0
    fi
    echo "start_services: installing PostgreSQL from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    bindir="$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")"
  fi
  # PostgreSQL refuses to run as root: run it as the `postgres` user the package made.
  local -a as=()
  if [ "$(id -u)" = 0 ]; then
    as=(runuser -u postgres --)
    mkdir -p "$data"
    chown postgres: "$data"
    chmod 700 "$data"
  fi
  if [ ! -s "$data/PG_VERSION" ]; then
    "${as[@]}" "$bindir/initdb" -D "$data" -A trust -U postgres -E UTF8 >/dev/null
  fi
  if ! "${as[@]}" "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    if ! "${as[@]}" "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
        -o "-p $port -k /tmp -c listen_addresses=127.0.0.1" start >/dev/null; then
      echo "start_services: PostgreSQL did not start (port $port taken?); its log:" >&2
      tail -n 20 "$data/server.log" >&2 || true
      return 1
    fi
  fi
  if ! "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -Atc \
      "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
    "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres "$db"
  fi
  export YUNLI_TEST_PG_URL="postgresql://postgres@127.0.0.1:$port/$db"
  echo "start_services: PostgreSQL ready at $YUNLI_TEST_PG_URL"
}

_yunli_start_postgres
unset -f _yunli_start_postgres

# Headless Chromium and its driver for the console's browser tests (tests/server/console):
# Debian's packages, installed only when missing.
_yunli_install_chromium() {
  if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    return 0
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "start_services: chromium is not installed and I am not root; the console browser tests will fail"
    return 0
  fi
  echo "start_services: installing chromium and chromium-driver from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
}

_yunli_install_chromium
unset -f _yunli_install_chromium
