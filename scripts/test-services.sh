#!/usr/bin/env bash
# Starts what the test suite needs on this machine: PostgreSQL 15 with a
# `keyledger` role (suites create and drop their own databases), Redis,
# Chromium and rsyslog (each test starts its own rsyslogd on loopback). Idempotent: safe to run again.
set -euo pipefail

need_install=()
command -v redis-server >/dev/null 2>&1 || need_install+=(redis-server)
command -v chromium >/dev/null 2>&1 || need_install+=(chromium)
# rsyslog with its TLS driver: the real syslog receiver the SIEM streaming tests deliver to.
command -v rsyslogd >/dev/null 2>&1 || need_install+=(rsyslog)
dpkg -s rsyslog-gnutls >/dev/null 2>&1 || need_install+=(rsyslog-gnutls)
if [ ${#need_install[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_install[@]}" >/dev/null
fi

if ! pg_lsclusters -h 2>/dev/null | grep -q '^15 \+main .* online'; then
  pg_ctlcluster 15 main start
fi
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 1
done
su postgres -c "psql -v ON_ERROR_STOP=1 -q -d postgres" <<'SQL'
do $$ begin
  if not exists (select from pg_roles where rolname = 'keyledger') then
    create role keyledger login superuser password 'keyledger';
  end if;
end $$;
SQL

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save '' --appendonly no >/dev/null
fi
for _ in $(seq 1 30); do
  redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break
  sleep 0.5
done
echo "test services ready: postgresql://keyledger@127.0.0.1:5432, redis://127.0.0.1:6379, $(command -v chromium)"
