#!/usr/bin/env bash
# The servers of `npm run test:integration`: NGINX (built from source: the version the gateway's image runs),
# PostgreSQL, mtail (the gateway's metrics exporter) and dnsmasq (a DNS server the gateway re-resolves names
# from) from Debian's packages. The tests start and stop their own instances on 127.0.0.1 (random ports,
# temporary folders, PostgreSQL as the unprivileged `postgres` user when run as root); this script only installs,
# builds and checks the programs, and never starts a service.
#
#   bash scripts/integration-servers.sh check     # lists what is found; exits 1 naming what is missing
#   bash scripts/integration-servers.sh install   # as root: installs what is missing, builds NGINX, then checks
set -euo pipefail

# postgresql brings the server of Debian's default major version, its client and postgres_fdw, and creates the
# `postgres` system user; mtail reads the gateway's metrics log; hey is the load generator of the gateway's
# benchmark (`npm run bench:gateway`); dnsmasq-base is dnsmasq without its system service; libpcre2-dev and
# zlib1g-dev are what NGINX's build needs beyond a C compiler.
PACKAGES=(postgresql mtail hey dnsmasq-base build-essential libpcre2-dev zlib1g-dev)

# NGINX as the gateway's image (nginxinc/nginx-unprivileged:1.28.3-alpine) runs it: Debian 12 has 1.22, which
# cannot re-resolve upstream names at run time (`resolve`, from 1.27.3). Its source comes from the Go module
# proxy, which serves github.com/nginx/nginx by commit: this is the commit of the tag release-1.28.3.
NGINX_VERSION=1.28.3
NGINX_MODULE=github.com/nginx/nginx@v0.0.0-20260324183323-9b958b000776
# The default HTTP modules and those of the image the gateway uses: real_ip (trusted proxies) and auth_request (the
# edge's token check); no mail, no stream. The cache folder is named after them, so a new module means a new build.
NGINX_CONFIGURE=(--with-http_realip_module --with-http_auth_request_module --with-threads)
NGINX_BUILD_TAG=$(printf '%s\n' "${NGINX_CONFIGURE[@]}" | sha1sum | cut -c1-8)
NGINX_HOME=${NGINX_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/career-copilot/nginx-$NGINX_VERSION-$NGINX_BUILD_TAG}
NGINX_BIN=$NGINX_HOME/sbin/nginx

postgres_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

check() {
  local missing=() bin
  if [ -x "$NGINX_BIN" ]; then echo "nginx:    $NGINX_BIN ($("$NGINX_BIN" -v 2>&1))"; else missing+=("nginx-$NGINX_VERSION (built by install)"); fi
  if [ -x /usr/sbin/dnsmasq ]; then echo "dnsmasq:  /usr/sbin/dnsmasq ($(/usr/sbin/dnsmasq --version | head -n 1))"; else missing+=(dnsmasq-base); fi
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
    echo "missing: ${missing[*]}: install as root with: bash scripts/integration-servers.sh install" >&2
    echo "  (Debian's ${PACKAGES[*]}, then NGINX $NGINX_VERSION built into $NGINX_HOME)" >&2
    return 1
  fi
}

# NGINX from its source, into $NGINX_HOME: about a minute on 2 cores, once per version.
build_nginx() {
  [ -x "$NGINX_BIN" ] && return
  local src work
  src=$(GOFLAGS=-mod=mod GOTOOLCHAIN=local go mod download -json "$NGINX_MODULE" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -f "$src/src/core/nginx.h" ] || { echo "the Go module proxy did not give NGINX's source ($NGINX_MODULE)" >&2; exit 1; }
  grep -q "NGINX_VERSION *\"$NGINX_VERSION\"" "$src/src/core/nginx.h" || { echo "$NGINX_MODULE is not NGINX $NGINX_VERSION" >&2; exit 1; }
  work=$(mktemp -d)
  # The module zip keeps no file modes: the configure scripts are run through sh.
  cp -r "$src/." "$work" && chmod -R u+w "$work"
  (cd "$work" && sh ./auto/configure --prefix="$NGINX_HOME" "${NGINX_CONFIGURE[@]}" >/dev/null \
    && make -j"$(nproc)" >/dev/null && make install >/dev/null)
  rm -rf "$work"
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
  build_nginx
  check
}

case "${1:-check}" in
  check) check ;;
  which-nginx) echo "$NGINX_BIN" ;;
  install) install ;;
  *) echo "usage: $0 [check|install]" >&2; exit 2 ;;
esac
