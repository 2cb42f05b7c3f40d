#!/usr/bin/env bash
# images.sh - the container images of the live node (scripts/node.sh), built here from Debian's packages because
# no registry is reachable: each is one layer, a Debian 12 `minbase` root file system (debootstrap) with the
# packages of the image, written as a docker-archive that `ctr images import` reads.
#
#   scripts/images.sh build      build every image that is not cached (as root: debootstrap and chroot); about a
#                                minute for the base, then seconds to a minute each
#   scripts/images.sh import     import them into the node's containerd (namespace k8s.io), so that pods with
#                                imagePullPolicy IfNotPresent run them without a pull
#   scripts/images.sh reference NAME   the image's reference (career-copilot-local/NAME:TAG), as a stack's `images`
#                                entries name it (the live test points the monolith and every service at
#                                reference-service, the gateway at gateway, psql, mtail and redis at theirs)
#
# The images (their tag is a hash of what goes into them, so a change makes a new tag and a new rollout):
#   pause               the pod sandbox's process: Kubernetes' own build/pause/linux/pause.c (from the
#                       k8s.io/kubernetes module scripts/cluster.sh downloads), compiled static, alone in its layer
#   gateway             NGINX 1.28.3 as built by scripts/integration-servers.sh (the version of the gateway's
#                       image; Debian has 1.22) with the unprivileged image's main nginx.conf
#   mtail               Debian's mtail, the gateway's metrics exporter
#   reference-service   images/reference-service/server.py on Debian's python3, psycopg2, redis and pymongo:
#                       stands in for the monolith and every extracted service
#   postgres            Debian's PostgreSQL 15 server and client: the psql of the schema and data Jobs, and the
#                       server that stands in for CloudNativePG's clusters on the live node
#   redis               Debian's Redis 7.0 server and client
#   ferretdb            FerretDB v1.24.2 (built by `scripts/cluster.sh build node`): MongoDB's wire protocol over
#                       SQLite, what stands in for the MongoDB operator's servers on the live node
#   coredns             the node's CoreDNS binary (`scripts/cluster.sh build node`), alone in its layer: the kube-dns
#                       pods of kube-system, which the platform's allow-dns NetworkPolicy admits DNS to
#
# Everything lives under $NODE_HOME/images (default ${XDG_CACHE_HOME:-$HOME/.cache}/career-copilot/node/images).
set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NODE_HOME=${NODE_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/career-copilot/node}
IMAGES_DIR=$NODE_HOME/images
SUITE=bookworm
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
REPOSITORY=career-copilot-local
CLUSTER_HOME=${CLUSTER_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/career-copilot/cluster}
PAUSE_SOURCE=$CLUSTER_HOME/gomod/k8s.io/kubernetes@v1.28.15/build/pause/linux/pause.c
FERRETDB_BIN=$(bash "$REPO_DIR/scripts/cluster.sh" which ferretdb)
COREDNS_BIN=$(bash "$REPO_DIR/scripts/cluster.sh" which coredns)
CONTAINERD_ADDRESS=${CONTAINERD_ADDRESS:-$NODE_HOME/run/containerd/containerd.sock}
NGINX_HOME=$(dirname "$(dirname "$(bash "$REPO_DIR/scripts/integration-servers.sh" which-nginx)")")

# name:packages (comma-separated, Debian 12), in build order.
IMAGES=(
  "pause:"
  "coredns:"
  "gateway:"
  "mtail:mtail"
  "reference-service:python3,python3-psycopg2,python3-redis,python3-pymongo"
  "ferretdb:"
  "postgres:postgresql-15,postgresql-client-15"
  "redis:redis-server,redis-tools"
)

log() { printf '[images] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

packages_of() { local entry; for entry in "${IMAGES[@]}"; do if [[ ${entry%%:*} == "$1" ]]; then echo "${entry#*:}"; fi; done; }

# config NAME: the image's entrypoint and command as docker-archive config fields (JSON).
config_of() {
  case $1 in
    pause) echo '{"Entrypoint": ["/pause"]}' ;;
    coredns) echo '{"Entrypoint": ["/coredns"], "Cmd": ["-conf", "/etc/coredns/Corefile"]}' ;;
    # SIGQUIT as the upstream image's STOPSIGNAL: NGINX finishes the requests in flight before it exits.
    gateway) echo '{"Entrypoint": ["/usr/sbin/nginx", "-p", "/tmp/", "-e", "stderr", "-c", "/etc/nginx/nginx.conf", "-g", "daemon off;"], "ExposedPorts": {"8080/tcp": {}}, "StopSignal": "SIGQUIT"}' ;;
    mtail) echo '{"Entrypoint": ["/usr/bin/mtail"]}' ;;
    reference-service) echo '{"Entrypoint": ["/usr/bin/python3", "/srv/reference-service/server.py"], "Env": ["PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]}' ;;
    postgres) echo '{"Cmd": ["/bin/sh"], "Env": ["PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]}' ;;
    redis) echo '{"Cmd": ["redis-server"]}' ;;
    ferretdb) echo '{"Entrypoint": ["/usr/local/bin/ferretdb"]}' ;;
    *) die "no config for image $1" ;;
  esac
}

# tag NAME: a hash of everything the image is made of (this script, its packages, its files).
tag_of() {
  {
    cat "$REPO_DIR/scripts/images.sh"
    packages_of "$1"
    case $1 in
      pause) cat "$PAUSE_SOURCE" ;;
      coredns) cat "$COREDNS_BIN" ;;
      gateway) cat "$REPO_DIR/images/gateway/nginx.conf" "$NGINX_HOME/sbin/nginx" ;;
      reference-service) cat "$REPO_DIR/images/reference-service/server.py" ;;
      ferretdb) cat "$FERRETDB_BIN" ;;
    esac
  } | sha256sum | cut -c1-12
}

archive_of() { echo "$IMAGES_DIR/$1-$(tag_of "$1").tar"; }
reference_of() { echo "$REPOSITORY/$1:$(tag_of "$1")"; }

# The Debian root file system every image starts from, once.
build_base() {
  local base=$IMAGES_DIR/base-$SUITE
  [[ -f $base/.complete ]] && return 0
  command -v debootstrap >/dev/null || die "debootstrap is required (apt-get install debootstrap)"
  rm -rf "$base" "$base.tmp"
  log "base: debootstrap --variant=minbase $SUITE from $MIRROR ..."
  debootstrap --variant=minbase "$SUITE" "$base.tmp" "$MIRROR" >"$IMAGES_DIR/base.log" 2>&1 ||
    { tail -n 20 "$IMAGES_DIR/base.log" >&2; die "debootstrap failed (log: $IMAGES_DIR/base.log)"; }
  # Packages installed in the chroot never start their services, and PostgreSQL's makes no cluster of its own.
  printf '#!/bin/sh\nexit 101\n' >"$base.tmp/usr/sbin/policy-rc.d"
  chmod 755 "$base.tmp/usr/sbin/policy-rc.d"
  mkdir -p "$base.tmp/etc/postgresql-common"
  echo 'create_main_cluster = false' >"$base.tmp/etc/postgresql-common/createcluster.conf"
  touch "$base.tmp/.complete"
  mv "$base.tmp" "$base"
}

build_image() {
  local name=$1 archive root packages start
  archive=$(archive_of "$name")
  [[ -f $archive ]] && { log "$name: cached ($archive)"; return 0; }
  start=$(date +%s)
  root=$IMAGES_DIR/rootfs-$name
  rm -rf "$root"
  if [[ $name == pause ]]; then
    [[ -f $PAUSE_SOURCE ]] || die "no $PAUSE_SOURCE; run: bash scripts/cluster.sh build kubernetes"
    mkdir -p "$root"
    gcc -Os -static -o "$root/pause" "$PAUSE_SOURCE"
    strip "$root/pause"
  elif [[ $name == coredns ]]; then
    [[ -x $COREDNS_BIN ]] || die "CoreDNS is not built; run: bash scripts/cluster.sh build node"
    mkdir -p "$root"
    install -m 755 "$COREDNS_BIN" "$root/coredns"
  else
    cp -a "$IMAGES_DIR/base-$SUITE" "$root"
  fi
  packages=$(packages_of "$name")
  if [[ $name == postgres ]]; then
    # The user CloudNativePG's pods run as (runAsUser and runAsGroup 26), so that initdb and the server find
    # themselves in /etc/passwd; the package keeps an existing postgres user. Group 26 is Debian's `tape`: the
    # name of the group does not matter to PostgreSQL.
    chroot "$root" useradd --system --uid 26 --gid 26 --no-user-group --home-dir /var/lib/postgresql --shell /bin/sh postgres
  fi
  if [[ -n $packages ]]; then
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    # shellcheck disable=SC2086 # the package list is split on purpose
    chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${packages//,/ } >"$IMAGES_DIR/$name.log" 2>&1 ||
      { tail -n 20 "$IMAGES_DIR/$name.log" >&2; die "$name: apt-get install failed"; }
  fi
  case $name in
    gateway)
      [[ -x $NGINX_HOME/sbin/nginx ]] || die "NGINX is not built; run: bash scripts/integration-servers.sh install"
      install -m 755 "$NGINX_HOME/sbin/nginx" "$root/usr/sbin/nginx"
      mkdir -p "$root/etc/nginx/conf.d"
      install -m 644 "$NGINX_HOME/conf/mime.types" "$root/etc/nginx/mime.types"
      install -m 644 "$REPO_DIR/images/gateway/nginx.conf" "$root/etc/nginx/nginx.conf"
      ;;
    ferretdb)
      [[ -x $FERRETDB_BIN ]] || die "FerretDB is not built; run: bash scripts/cluster.sh build node"
      install -m 755 "$FERRETDB_BIN" "$root/usr/local/bin/ferretdb"
      ;;
    reference-service)
      mkdir -p "$root/srv/reference-service"
      install -m 644 "$REPO_DIR/images/reference-service/server.py" "$root/srv/reference-service/server.py"
      ;;
  esac
  # What only the build needed: package lists and caches, documentation, the build's resolv.conf.
  rm -rf "$root/var/lib/apt/lists/"* "$root/var/cache/apt/"*.bin "$root/var/cache/apt/archives/"*.deb \
    "$root/usr/share/doc" "$root/usr/share/man" "$root/usr/share/locale" "$root/.complete"
  [[ -d $root/etc ]] && : >"$root/etc/resolv.conf"
  tar --numeric-owner --xattrs -C "$root" -cf "$IMAGES_DIR/$name-layer.tar" .
  rm -rf "$root"
  python3 - "$IMAGES_DIR/$name-layer.tar" "$archive" "$(reference_of "$name")" "$(config_of "$name")" <<'EOF'
# A docker-archive (the `docker save` layout, which `ctr images import` reads): manifest.json, the image config
# and one layer.
import hashlib, json, os, sys, tarfile, io
layer, out, reference, config = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
digest = hashlib.sha256()
with open(layer, "rb") as f:
    for chunk in iter(lambda: f.read(1 << 20), b""):
        digest.update(chunk)
diff_id = "sha256:" + digest.hexdigest()
image = {"architecture": "amd64", "os": "linux", "config": config, "rootfs": {"type": "layers", "diff_ids": [diff_id]},
         "history": [{"created_by": "scripts/images.sh (debootstrap minbase and Debian packages)"}]}
blob = json.dumps(image, sort_keys=True).encode()
config_name = hashlib.sha256(blob).hexdigest() + ".json"
manifest = json.dumps([{"Config": config_name, "RepoTags": [reference], "Layers": ["layer.tar"]}]).encode()
with tarfile.open(out + ".tmp", "w") as tar:
    def add(name, data):
        info = tarfile.TarInfo(name); info.size = len(data); info.mode = 0o644
        tar.addfile(info, io.BytesIO(data))
    add(config_name, blob)
    add("manifest.json", manifest)
    tar.add(layer, arcname="layer.tar")
os.rename(out + ".tmp", out)
EOF
  rm -f "$IMAGES_DIR/$name-layer.tar"
  # Earlier builds of this image (other tags) are never imported again.
  find "$IMAGES_DIR" -maxdepth 1 -name "$name-*.tar" ! -name "$(basename "$archive")" -delete
  log "$name: built in $(($(date +%s) - start))s -> $archive ($(du -m "$archive" | cut -f1) MB)"
}

cmd_build() {
  [[ $(id -u) == 0 ]] || die "build runs as root (debootstrap and chroot)"
  mkdir -p "$IMAGES_DIR"
  build_base
  local entry
  for entry in "${IMAGES[@]}"; do build_image "${entry%%:*}"; done
}

cmd_import() {
  local entry name
  for entry in "${IMAGES[@]}"; do
    name=${entry%%:*}
    [[ -f $(archive_of "$name") ]] || die "$name is not built; run: $0 build"
    ctr --address "$CONTAINERD_ADDRESS" -n k8s.io images import --no-unpack=false "$(archive_of "$name")" >/dev/null
    log "$name: imported as $(reference_of "$name")"
  done
}

case ${1:-} in
  build) cmd_build ;;
  import) cmd_import ;;
  reference) reference_of "${2:?image name}" ;;
  *) echo "usage: $0 {build|import|reference NAME}" >&2; exit 2 ;;
esac
