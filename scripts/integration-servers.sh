#!/usr/bin/env bash
# The servers of `npm run test:integration`: NGINX, PostgreSQL and mtail (the gateway's metrics exporter) from
# Debian's packages. The tests start and stop
# their own instances on 127.0.0.1 (random ports, temporary folders, PostgreSQL as the unprivileged `postgres`
# user when run as root); this script only installs and checks the programs, and never starts a service.
#
#   bash scripts/integration-servers.sh check     # lists what is found; exits 1 naming what is missing
#   bash scripts/integration-servers.sh install   # as root: installs what is missing, then checks
set -euo pipefail

# nginx-light is a transitional package for nginx on Debian 12; postgresql brings the server of Debian's default
# major version, its client and postgres_fdw, and creates the `postgres` system user; mtail reads the gateway's
# metrics log; hey is the load generator of the gateway's benchmark (`npm run bench:gateway`).
PACKAGES=(nginx postgresql mtail hey)

postgres_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

check() {
  local missing=() bin nginx
  nginx=$(command -v nginx || true)
  [ -n "$nginx" ] || { [ -x /usr/sbin/nginx ] && nginx=/usr/sbin/nginx; } || true
  if [ -n "$nginx" ]; then echo "nginx:    $nginx ($("$nginx" -v 2>&1))"; else missing+=(nginx); fi
  bin=$(postgres_bin)
  if [ -n "$bin" ] && [ -x "$bin/initdb" ] && [ -x "$bin/postgres" ]; then
    echo "postgres: $bin ($("$bin/postgres" --version))"
  else
    missing+=(postgresql)
  fi
  if ! command -v psql >/dev/null && ! [ -x "${bin:-/nonexistent}/psql" ]; then missing+=(postgresql-client); fi
  if [ -x /usr/bin/mtail ]; then echo "mtail:    /usr/bin/mtail ($(/usr/bin/mtail --version 2>&1 | head -n 1))"; else missing+=(mtail); fi
  if [ -x /usr/bin/hey ]; then echo "hey:      /usr/bin/hey"; else missing+=(hey); fi
  # Under root the tests run PostgreSQL as this user; the package creates it.
  if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then missing+=(postgresql); fi
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "missing: ${missing[*]}: install as root with: apt-get update && apt-get install -y ${PACKAGES[*]}" >&2
    echo "  (or: bash scripts/integration-servers.sh install)" >&2
    return 1
  fi
}

install() {
  if check >/dev/null 2>&1; then check; return; fi
  [ "$(id -u)" = 0 ] || { echo "install needs root (apt-get): sudo bash $0 install" >&2; exit 1; }
  # Package scripts would start the distribution's own nginx (on port 80, every interface), PostgreSQL cluster
  # (5432) and mtail (3903); the tests start their own on loopback, so forbid service starts during the install, as Debian's container
  # images do, unless a policy is already in place.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
  check
}

case "${1:-check}" in
  check) check ;;
  install) install ;;
  *) echo "usage: $0 [check|install]" >&2; exit 2 ;;
esac
