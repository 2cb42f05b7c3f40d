#!/usr/bin/env bash
# cluster.sh - the local target of the e2e tests: a throwaway Kubernetes 1.28 control plane (etcd,
# kube-apiserver, kube-controller-manager, kubectl), the Pulumi engine (CLI, Node.js language host, Kubernetes
# provider), Argo Rollouts (controller and kubectl plugin) and Istio's analyzers (tools/istio-analyze), all built
# from their Go modules through the Go module proxy, then run on loopback.
#
#   scripts/cluster.sh build [PART...]   build the binaries, or only the parts named (etcd kubernetes pulumi
#                               provider kwok argo-rollouts istio-analyze actionlint node); cached by version, cold
#                               about 35 min on 2 cores, warm < 1 s. `node` (the kubelet, kube-proxy, CoreDNS,
#                               kube-router and FerretDB of scripts/node.sh's real node, and vegeta, the live test's
#                               load generator; about 7 min more) is built only when named, and so is
#                               `kube-router` alone (its own wrapper module: .ci/run builds it beside the rest)
#   scripts/cluster.sh up       start etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok and the
#                               Argo Rollouts controller on 127.0.0.1, write an admin kubeconfig, wait for /readyz,
#                               install the CRDs, the simulated node and the prerequisites (about 25 s)
#   scripts/cluster.sh down     stop exactly the processes `up` started (by recorded PID)
#   scripts/cluster.sh status   what runs, /readyz, the server version and the binaries (exit 1 when not ready)
#   scripts/cluster.sh restart-apiserver [SECONDS]   stop the API server, wait SECONDS (default 5), start it again
#   scripts/cluster.sh which NAME      the path of one built tool (istio-analyze, kubectl-argo-rollouts, ...)
#   scripts/cluster.sh sign DIR NAME SUBJECT EXT...   a key and a certificate signed by the running control plane's CA
#   eval "$(scripts/cluster.sh env)"   PATH (pulumi, the provider, kubectl and its argo rollouts plugin,
#                               istio-analyze), KUBECONFIG, PULUMI_* settings
#
# Everything lives under $CLUSTER_HOME (default ${XDG_CACHE_HOME:-$HOME/.cache}/career-copilot/cluster):
#   bin/<name>-<version>/   built binaries, keyed by version (a build is skipped when present)
#   src/<name>-<version>/   the small wrapper Go modules they are built from
#   gomod/, gocache/        Go module and build caches (about 5 GB and 9 GB after a cold build)
#   run/                    certificates, kubeconfig, etcd data, logs and PID files of `up` (wiped by each `up`)
#
# By default there is no kubelet: kwok plays one node's (pods bound to it are Running and Ready at once, Job pods
# complete), so workloads become ready and the provider's waits are real, but no container ever runs.
# scripts/node.sh puts a real node in its place.
set -euo pipefail

# ---------------------------------------------------------------------------------------------------------------
# Versions: each is one the Go module proxy here actually serves. Why each was chosen:
# ---------------------------------------------------------------------------------------------------------------
# Kubernetes: 1.28, the version the manifests are validated against (npm run validate). v1.28.15 is the last
# 1.28 patch; the proxy lists no 1.28 tags in @v/list, but serves v1.28.15 when asked by exact version.
K8S_VERSION=${K8S_VERSION:-v1.28.15}
K8S_COMMIT=841856557ef0f6a399096c42635d114d6f2cf7f4 # the tag's commit (proxy .info Origin), shown by /version
K8S_BUILD_DATE=2024-10-22T20:26:26Z                 # the tag's time (proxy .info)
# etcd: the newest 3.5.x, the line Kubernetes 1.28 is tested with.
ETCD_VERSION=${ETCD_VERSION:-v3.5.35}
# Pulumi CLI: the version of @pulumi/pulumi in package-lock.json (3.248.0), so the engine and the SDK the
# program runs on are the same release. pkg/v3 and sdk/v3 v3.248.0 are served (.info, .mod and .zip all 200).
PULUMI_VERSION=${PULUMI_VERSION:-v3.248.0}
# Node.js language host of the same release: its own module (github.com/pulumi/pulumi/sdk/nodejs/cmd/
# pulumi-language-nodejs/v3) is refused by the proxy for every version (403, also on @v/list and @latest), so it is
# built from the unmodified upstream source of tag v3.248.0 in ../shared/upstream/pulumi-language-nodejs (its
# README has the steps), against pkg/v3 and sdk/v3 v3.248.0 from the proxy. (Until then the last host inside
# sdk/v3, v3.68.0, stood in: two years older, it could not run policy packs.)
PULUMI_NODEJS_HOST_VERSION=$PULUMI_VERSION
UPSTREAM_DIR=${UPSTREAM_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/shared/upstream}
# Kubernetes provider: github.com/pulumi/pulumi-kubernetes/provider/v4 has no tags, and the proxy serves exactly
# one pseudo-version of it, a commit of 2026-01-15 between the sdk/v4 v4.24.0 and v4.25.0 tags. The commit of
# v4.34.2 (the locked @pulumi/kubernetes) cannot be fetched: sdk/v4@v4.34.2 .info is 403, and every tag commit
# that could be read (v4.25.0 ... v4.34.0) is 403 as a provider/v4 pseudo-version. So resource types or fields
# added to the provider after about v4.25 are unknown to this build; the project uses none of them.
PK8S_PROVIDER_VERSION=${PK8S_PROVIDER_VERSION:-v4.0.0-20260115033456-f47bc2d6f199}
PK8S_SDK_VERSION=${PK8S_SDK_VERSION:-v4.24.0} # what that commit's provider/go.mod requires
# The version the provider reports (ldflag and schema .version): the npm SDK's, which asks for that plugin.
PK8S_VERSION_LABEL=${PK8S_VERSION_LABEL:-4.34.2}
# One fix over the upstream source (see build_provider), named in the binary's folder so that it is rebuilt.
PK8S_FIX=fix-deleted-status
# Argo Rollouts: the controller (canary and blue-green releases of phase 4) and its kubectl plugin (`lint`,
# `promote`, `get`). v1.9.2 is the newest release that builds with Go 1.26 (v1.9.3 and later ask for Go 1.26.10).
ARGO_ROLLOUTS_VERSION=${ARGO_ROLLOUTS_VERSION:-v1.9.2}
# kwok: simulated nodes and pod lifecycles (pods scheduled onto its node become Running and Ready, Job pods
# complete), so that readiness is awaited for real without a kubelet. v0.8.0, the newest release the proxy serves.
KWOK_VERSION=${KWOK_VERSION:-v0.8.0}
# Istio's analyzers: tools/istio-analyze, this repository's small command over istio.io/istio's analysis packages,
# at the version its go.mod requires (the pseudo-version the proxy serves that matches the 1.30 CRDs).
# actionlint: checks the GitHub workflows (syntax, expressions, the shell of each `run:`) in CI. v1.7.12, the
# newest release the proxy serves.
ACTIONLINT_VERSION=${ACTIONLINT_VERSION:-v1.7.12}
# CoreDNS: cluster DNS of the real node (scripts/node.sh). v1.11.3, the version kubeadm installs with Kubernetes
# 1.29 and 1.30 (its kubernetes plugin reads EndpointSlices, as 1.28 serves them). It builds with `go get` and
# `go build`; `go mod tidy` fails on a module of a plugin it never imports that the proxy refuses.
COREDNS_VERSION=${COREDNS_VERSION:-v1.11.3}
# FerretDB: stands in for MongoDB on the real node (Debian does not package MongoDB, and its operator's module is
# refused by the proxy); it speaks MongoDB's wire protocol over SQLite. v1.24.2, the newest v1 (v2 needs
# PostgreSQL with DocumentDB's extension). Its module zip lacks the generated build/version/version.txt, without
# which the binary refuses to start: the build copies the module and writes that one file, as its docs say to.
FERRETDB_VERSION=${FERRETDB_VERSION:-v1.24.2}
# vegeta: the live promotion's load generator (a constant request rate, each request from a target of its own, every
# result with its status, latency and error). v12.13.0, the newest the proxy serves.
VEGETA_VERSION=${VEGETA_VERSION:-v12.13.0}
# kube-router: enforces the NetworkPolicies on the real node, run with its firewall alone (--run-firewall; no BGP
# router, no service proxy: kube-proxy stays the proxy), as k3s embeds the same controller. v2.1.0, the only
# version the proxy serves. The advisory reported for it (GHSA-phqm-jgc3-qf8g: Services' external and load
# balancer IPs not checked against the allowed ranges) concerns the service proxy, which this mode never starts.
KUBE_ROUTER_VERSION=${KUBE_ROUTER_VERSION:-v2.1.0}
# Not built: the random provider (github.com/pulumi/pulumi-random/provider/v4, for @pulumi/random 4.21.2) is
# refused by the proxy for every version (403 on @v/list, on v4.21.2 and on the tag commit's pseudo-version
# v4.0.0-20260917112258-b62f810278b9). Stacks on this control plane get its RandomPassword from
# local/random-provider.ts, put on PATH by local/pulumi-stack.ts.

# ---------------------------------------------------------------------------------------------------------------
# Layout and ports (all overridable). The ports differ from the usual ones so a developer's own cluster is left
# alone; everything binds 127.0.0.1 only.
# ---------------------------------------------------------------------------------------------------------------
REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CLUSTER_HOME=${CLUSTER_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/career-copilot/cluster}
BIN_DIR=$CLUSTER_HOME/bin
SRC_DIR=$CLUSTER_HOME/src
RUN_DIR=$CLUSTER_HOME/run
PKI_DIR=$RUN_DIR/pki
PID_DIR=$RUN_DIR/pids
LOG_DIR=$RUN_DIR/logs
KUBECONFIG_PATH=$RUN_DIR/kubeconfig
CRD_DIR=${CRD_DIR:-$REPO_DIR/../shared/crds}
ETCD_PORT=${CLUSTER_ETCD_PORT:-22379}
ETCD_PEER_PORT=${CLUSTER_ETCD_PEER_PORT:-22380}
APISERVER_PORT=${CLUSTER_APISERVER_PORT:-26443}
KCM_PORT=${CLUSTER_KCM_PORT:-20257}
SCHEDULER_PORT=${CLUSTER_SCHEDULER_PORT:-20259}
KWOK_PORT=${CLUSTER_KWOK_PORT:-20260}
ROLLOUTS_HEALTHZ_PORT=${CLUSTER_ROLLOUTS_HEALTHZ_PORT:-28080}
ROLLOUTS_METRICS_PORT=${CLUSTER_ROLLOUTS_METRICS_PORT:-28090}
KWOK_NODE=kwok-node-0
READY_TIMEOUT=${CLUSTER_READY_TIMEOUT:-180} # seconds to wait for the API server's /readyz

# Go: the local toolchain only (no toolchain download), caches under $CLUSTER_HOME, static binaries.
export GOTOOLCHAIN=local
export GOMODCACHE=$CLUSTER_HOME/gomod
export GOCACHE=$CLUSTER_HOME/gocache
export GOFLAGS=-mod=mod
export CGO_ENABLED=0

log() { printf '[cluster] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Binary paths, keyed by version.
etcd_bin()     { echo "$BIN_DIR/etcd-$ETCD_VERSION/etcd"; }
k8s_bin()      { echo "$BIN_DIR/$1-$K8S_VERSION/$1"; } # kube-apiserver | kube-controller-manager | kube-scheduler | kubectl | kubelet | kube-proxy
coredns_bin()  { echo "$BIN_DIR/coredns-$COREDNS_VERSION/coredns"; }
ferretdb_bin() { echo "$BIN_DIR/ferretdb-$FERRETDB_VERSION/ferretdb"; }
vegeta_bin()   { echo "$BIN_DIR/vegeta-$VEGETA_VERSION/vegeta"; }
kube_router_bin() { echo "$BIN_DIR/kube-router-$KUBE_ROUTER_VERSION/kube-router"; }
# The language host goes beside `pulumi` (the CLI looks there before PATH), so the folder names both versions.
pulumi_dir()   { echo "$BIN_DIR/pulumi-$PULUMI_VERSION-nodejs-$PULUMI_NODEJS_HOST_VERSION"; }
# Keyed by the sources' hash: the command lives in this repository, so an edit must rebuild it.
istio_analyze_bin() {
  local sum
  sum=$(cat "$REPO_DIR/tools/istio-analyze/go.mod" "$REPO_DIR/tools/istio-analyze/go.sum" "$REPO_DIR"/tools/istio-analyze/*.go |
    sha256sum | cut -c1-12)
  echo "$BIN_DIR/istio-analyze-$sum/istio-analyze"
}
kwok_bin()     { echo "$BIN_DIR/kwok-$KWOK_VERSION/kwok"; }
actionlint_bin() { echo "$BIN_DIR/actionlint-$ACTIONLINT_VERSION/actionlint"; }
argo_bin()     { echo "$BIN_DIR/argo-rollouts-$ARGO_ROLLOUTS_VERSION/$1"; } # rollouts-controller | kubectl-argo-rollouts
provider_dir() { echo "$BIN_DIR/pulumi-resource-kubernetes-$PK8S_PROVIDER_VERSION-$PK8S_VERSION_LABEL-$PK8S_FIX"; }

# ---------------------------------------------------------------------------------------------------------------
# build
# ---------------------------------------------------------------------------------------------------------------

# write_if_changed FILE : stdin to FILE, leaving FILE (and its mtime) alone when unchanged.
write_if_changed() {
  local tmp
  tmp=$(mktemp "$1.XXXXXX")
  cat >"$tmp"
  chmod 644 "$tmp"
  if cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv "$tmp" "$1"; fi
}

# write_tools_go DIR IMPORT... : a build-tagged file so `go mod tidy` keeps the dependencies of the main packages
# built from that wrapper module.
write_tools_go() {
  local dir=$1; shift
  {
    printf '//go:build tools\n\npackage tools\n\nimport (\n'
    printf '\t_ "%s"\n' "$@"
    printf ')\n'
  } | write_if_changed "$dir/tools.go"
}

# write_wrapper_mod DIR NAME GO REQUIREMENT... : the go.mod of a wrapper module that only requires what it builds
# ("module version" each; a single one on the require line itself, several in a block).
write_wrapper_mod() {
  local dir=$1 name=$2 go=$3
  shift 3
  {
    printf 'module career-copilot-cluster/%s\n\ngo %s\n\n' "$name" "$go"
    if (($# == 1)); then
      printf 'require %s\n' "$1"
    else
      printf 'require (\n'
      printf '\t%s\n' "$@"
      printf ')\n'
    fi
  } | write_if_changed "$dir/go.mod"
}

# tidy_once DIR : resolve the wrapper module's dependency graph (again only when go.mod or tools.go changed).
tidy_once() {
  [[ -f $1/.tidy-stamp && ! $1/go.mod -nt $1/.tidy-stamp && ! $1/tools.go -nt $1/.tidy-stamp ]] && return 0
  (cd "$1" && go mod tidy)
  touch "$1/.tidy-stamp"
}

# copy_module DIR MODULE@VERSION DEST : a writable copy of a module from the module cache (downloaded from within
# wrapper DIR), at DEST, made atomically; kept when DEST exists. For modules whose zip lacks a generated file.
copy_module() {
  local dir=$1 module=$2 dest=$3 upstream
  [[ -d $dest ]] && return 0
  upstream=$(cd "$dir" && go mod download -json "$module" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
  [[ -d $upstream ]] || die "could not download $module"
  rm -rf "$dest.tmp"
  cp -r "$upstream" "$dest.tmp"
  chmod -R u+w "$dest.tmp"
  mv "$dest.tmp" "$dest"
}

# all_built FILE... : every output already exists.
all_built() {
  local f
  for f in "$@"; do [[ -x $f ]] || return 1; done
}

# go_build NAME OUT WRAPPER_DIR PKG LDFLAGS : build one main package from a wrapper module, atomically, logging
# the wall time. Skipped when OUT exists.
go_build() {
  local name=$1 out=$2 dir=$3 pkg=$4 ldflags=$5 start
  [[ -x $out ]] && { log "$name: cached ($out)"; return 0; }
  start=$(date +%s)
  log "$name: building $pkg ..."
  mkdir -p "$(dirname "$out")"
  (cd "$dir" && go build -trimpath -ldflags "$ldflags" -o "$out.tmp" "$pkg")
  mv "$out.tmp" "$out"
  log "$name: built in $(($(date +%s) - start))s -> $out"
}

build_etcd() {
  local dir=$SRC_DIR/etcd-$ETCD_VERSION
  [[ -x $(etcd_bin) ]] && { log "etcd: cached ($(etcd_bin))"; return 0; }
  mkdir -p "$dir"
  # server/v3 is etcd's main package. Its go.mod replaces the sibling etcd modules with relative paths, which
  # only matter inside etcd's repository: released tags require matching versions. reflect2 >= 1.0.2 is needed
  # with Go >= 1.18 (older versions crash on map iteration), and json-iterator with it.
  write_wrapper_mod "$dir" etcd 1.22 "go.etcd.io/etcd/server/v3 $ETCD_VERSION" "github.com/json-iterator/go v1.1.12" \
    "github.com/modern-go/reflect2 v1.0.2"
  write_tools_go "$dir" go.etcd.io/etcd/server/v3
  tidy_once "$dir"
  go_build etcd "$(etcd_bin)" "$dir" go.etcd.io/etcd/server/v3 "-s -w"
}

# build_k8s [BINARY...] : the Kubernetes commands named (default: the control plane's four) from one wrapper module.
build_k8s() {
  local dir=$SRC_DIR/k8s-$K8S_VERSION minor patch ld="-s -w" p b upstream_mod bins=("$@") outs=()
  ((${#bins[@]})) || bins=(kube-apiserver kube-controller-manager kube-scheduler kubectl)
  for b in "${bins[@]}"; do outs+=("$(k8s_bin "$b")"); done
  if all_built "${outs[@]}"; then
    log "kubernetes $K8S_VERSION ${bins[*]}: cached ($BIN_DIR/*-$K8S_VERSION)"
    return 0
  fi
  minor=$(echo "$K8S_VERSION" | cut -d. -f2)
  patch=$(echo "$K8S_VERSION" | cut -d. -f3)
  mkdir -p "$dir"
  if [[ ! -f $dir/go.mod ]]; then
    # `go install k8s.io/kubernetes/cmd/...@v` refuses a module with replace directives, so a wrapper module
    # requires it and repeats them: k8s.io/kubernetes requires its staging modules as v0.0.0 and replaces them
    # with ./staging/src/k8s.io/*; here each becomes the published v0.<minor>.<patch>.
    upstream_mod=$(cd "$dir" && go mod download -json "k8s.io/kubernetes@$K8S_VERSION" |
      sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')
    [[ -f $upstream_mod ]] || die "could not download k8s.io/kubernetes@$K8S_VERSION's go.mod"
    {
      printf 'module career-copilot-cluster/k8s\n\ngo 1.20\n\nrequire k8s.io/kubernetes %s\n\nreplace (\n' "$K8S_VERSION"
      grep -E '^[[:space:]]*k8s\.io/[^ ]+ => \./staging/' "$upstream_mod" |
        awk -v v="v0.$minor.$patch" '{ printf "\t%s => %s %s\n", $1, $1, v }'
      printf ')\n'
    } >"$dir/go.mod.tmp"
    mv "$dir/go.mod.tmp" "$dir/go.mod"
  fi
  # Every command any part builds, so that the module graph is the same whichever part runs first.
  write_tools_go "$dir" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl k8s.io/kubernetes/cmd/kubelet \
    k8s.io/kubernetes/cmd/kube-proxy
  tidy_once "$dir"
  # Version stamping as hack/lib/version.sh does: without it /version says v0.0.0 and the provider refuses the
  # cluster.
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitVersion=$K8S_VERSION"
    ld+=" -X $p.gitCommit=$K8S_COMMIT -X $p.gitTreeState=clean -X $p.buildDate=$K8S_BUILD_DATE"
  done
  for b in "${bins[@]}"; do
    go_build "$b" "$(k8s_bin "$b")" "$dir" "k8s.io/kubernetes/cmd/$b" "$ld"
  done
}

# The real node's programs (scripts/node.sh): the kubelet and kube-proxy of the control plane's release, CoreDNS,
# kube-router's NetworkPolicy firewall, FerretDB for the images (scripts/images.sh) and vegeta for the live test's
# traffic.
build_node() {
  build_k8s kubelet kube-proxy
  build_coredns
  build_kube_router
  build_ferretdb
  build_vegeta
}

build_vegeta() {
  local dir=$SRC_DIR/vegeta-$VEGETA_VERSION
  [[ -x $(vegeta_bin) ]] && { log "vegeta: cached ($(vegeta_bin))"; return 0; }
  mkdir -p "$dir"
  write_wrapper_mod "$dir" vegeta 1.22 "github.com/tsenart/vegeta/v12 $VEGETA_VERSION"
  write_tools_go "$dir" github.com/tsenart/vegeta/v12
  tidy_once "$dir"
  go_build vegeta "$(vegeta_bin)" "$dir" github.com/tsenart/vegeta/v12 "-s -w -X main.Version=$VEGETA_VERSION"
}

build_kube_router() {
  local dir=$SRC_DIR/kube-router-$KUBE_ROUTER_VERSION
  [[ -x $(kube_router_bin) ]] && { log "kube-router: cached ($(kube_router_bin))"; return 0; }
  mkdir -p "$dir"
  write_wrapper_mod "$dir" kube-router 1.22 "github.com/cloudnativelabs/kube-router/v2 $KUBE_ROUTER_VERSION"
  write_tools_go "$dir" github.com/cloudnativelabs/kube-router/v2/cmd/kube-router
  tidy_once "$dir"
  go_build kube-router "$(kube_router_bin)" "$dir" github.com/cloudnativelabs/kube-router/v2/cmd/kube-router \
    "-s -w -X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=$KUBE_ROUTER_VERSION"
}

build_coredns() {
  local dir=$SRC_DIR/coredns-$COREDNS_VERSION
  [[ -x $(coredns_bin) ]] && { log "coredns: cached ($(coredns_bin))"; return 0; }
  mkdir -p "$dir"
  printf 'module career-copilot-cluster/coredns\n\ngo 1.22\n' | write_if_changed "$dir/go.mod"
  # `go get` instead of tidy_once: see COREDNS_VERSION.
  [[ -f $dir/.get-stamp ]] || { (cd "$dir" && go get "github.com/coredns/coredns@$COREDNS_VERSION") && touch "$dir/.get-stamp"; }
  go_build coredns "$(coredns_bin)" "$dir" github.com/coredns/coredns "-s -w"
}

build_ferretdb() {
  local dir=$SRC_DIR/ferretdb-$FERRETDB_VERSION
  [[ -x $(ferretdb_bin) ]] && { log "ferretdb: cached ($(ferretdb_bin))"; return 0; }
  mkdir -p "$dir"
  copy_module "$dir" "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" "$dir/ferretdb"
  echo "$FERRETDB_VERSION" | write_if_changed "$dir/ferretdb/build/version/version.txt"
  printf 'module career-copilot-cluster/ferretdb\n\ngo 1.22\n\nrequire github.com/FerretDB/FerretDB %s\n\nreplace github.com/FerretDB/FerretDB => ./ferretdb\n' \
    "$FERRETDB_VERSION" | write_if_changed "$dir/go.mod"
  write_tools_go "$dir" github.com/FerretDB/FerretDB/cmd/ferretdb
  tidy_once "$dir"
  go_build ferretdb "$(ferretdb_bin)" "$dir" github.com/FerretDB/FerretDB/cmd/ferretdb "-s -w"
}

build_pulumi() {
  local dir=$SRC_DIR/pulumi-$PULUMI_VERSION hdir=$SRC_DIR/pulumi-language-nodejs-$PULUMI_NODEJS_HOST_VERSION out
  local host_src=$UPSTREAM_DIR/pulumi-language-nodejs
  out=$(pulumi_dir)
  if all_built "$out/pulumi" "$out/pulumi-language-nodejs"; then
    log "pulumi $PULUMI_VERSION (language host $PULUMI_NODEJS_HOST_VERSION): cached ($out)"
    return 0
  fi
  [[ -f $host_src/main.go && -f $host_src/go.mod ]] ||
    die "the Node.js language host's source is not in $host_src (set UPSTREAM_DIR to the folder that holds pulumi-language-nodejs/)"
  mkdir -p "$dir" "$hdir"
  # pkg/v3 replaces sdk/v3 => ../sdk (so require the same sdk version) and atotto/clipboard with a fork
  # (repeated here; the fork only matters for clipboard use).
  write_if_changed "$dir/go.mod" <<EOF
module career-copilot-cluster/pulumi

go 1.26

require (
	github.com/pulumi/pulumi/pkg/v3 $PULUMI_VERSION
	github.com/pulumi/pulumi/sdk/v3 $PULUMI_VERSION
)

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
EOF
  write_tools_go "$dir" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  tidy_once "$dir"
  go_build pulumi "$out/pulumi" "$dir" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
    "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION"

  # A fresh copy of the upstream folder each time (the source stays read-only), its two replaces (../../../pkg and
  # ../../../sdk in the monorepo) pointed at the proxy's modules of the same release.
  rm -rf "$hdir" && mkdir -p "$hdir" && cp -r "$host_src/." "$hdir" && chmod -R u+w "$hdir"
  (cd "$hdir" && go mod edit -dropreplace github.com/pulumi/pulumi/pkg/v3 -dropreplace github.com/pulumi/pulumi/sdk/v3 \
    -require "github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION" -require "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION")
  go_build pulumi-language-nodejs "$out/pulumi-language-nodejs" "$hdir" . \
    "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_NODEJS_HOST_VERSION"
}

build_provider() {
  local dir=$SRC_DIR/pulumi-kubernetes-$PK8S_PROVIDER_VERSION-$PK8S_VERSION_LABEL out cmd
  out=$(provider_dir)/pulumi-resource-kubernetes
  [[ -x $out ]] && { log "pulumi-resource-kubernetes: cached ($out)"; return 0; }
  mkdir -p "$dir"
  # The provider's main embeds schema-embed.json and terraform-mapping-embed.json, generated files absent from
  # the module zip: copy the module out of the module cache, write them as its generate step does (schema.json
  # with .version set; both re-serialised compactly) and build through a replace to the copy.
  copy_module "$dir" "github.com/pulumi/pulumi-kubernetes/provider/v4@$PK8S_PROVIDER_VERSION" "$dir/provider"
  # The fix: awaiting a deletion, the provider logs the object's kstatus message, and dereferences the result even
  # when kstatus fails. It fails on an Argo Rollout (its status.observedGeneration is a string), so deleting a
  # Rollout crashed the provider (a nil pointer in condition.(*Deleted).Satisfied). The same two lines are in the
  # latest upstream source read: a real cluster would crash the same way on the 4 -> 3 rollback.
  python3 - "$dir/provider/pkg/await/condition/deleted.go" <<'EOF'
import sys
path = sys.argv[1]
text = open(path).read()
old = "\tr, _ := status.Compute(uns)\n\tif r.Message != \"\" {"
new = "\tif r, err := status.Compute(uns); err == nil && r.Message != \"\" {"
if new not in text:
    if old not in text:
        sys.exit("build_provider: the lines to fix are not in " + path + "; check the fix against this provider version")
    open(path, "w").write(text.replace(old, new))
EOF
  cmd=$dir/provider/cmd/pulumi-resource-kubernetes
  VERSION=$PK8S_VERSION_LABEL python3 - "$cmd" <<'EOF'
import json, os, sys
d = sys.argv[1]
schema = json.load(open(os.path.join(d, "schema.json")))
schema["version"] = os.environ["VERSION"]
json.dump(schema, open(os.path.join(d, "schema-embed.json"), "w"), separators=(",", ":"))
mapping = json.load(open(os.path.join(d, "terraform-mapping.json")))
json.dump(mapping, open(os.path.join(d, "terraform-mapping-embed.json"), "w"), separators=(",", ":"))
EOF
  # provider/go.mod replaces sdk/v4 => ../sdk; require the published sdk instead.
  write_if_changed "$dir/go.mod" <<EOF
module career-copilot-cluster/pulumi-kubernetes

go 1.24

require (
	github.com/pulumi/pulumi-kubernetes/provider/v4 $PK8S_PROVIDER_VERSION
	github.com/pulumi/pulumi-kubernetes/sdk/v4 $PK8S_SDK_VERSION
)

replace github.com/pulumi/pulumi-kubernetes/provider/v4 => ./provider
EOF
  write_tools_go "$dir" github.com/pulumi/pulumi-kubernetes/provider/v4/cmd/pulumi-resource-kubernetes
  tidy_once "$dir"
  go_build pulumi-resource-kubernetes "$out" "$dir" \
    github.com/pulumi/pulumi-kubernetes/provider/v4/cmd/pulumi-resource-kubernetes \
    "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$PK8S_VERSION_LABEL"
}

build_argo_rollouts() {
  local dir=$SRC_DIR/argo-rollouts-$ARGO_ROLLOUTS_VERSION upstream_mod ld b p=github.com/argoproj/argo-rollouts
  if all_built "$(argo_bin rollouts-controller)" "$(argo_bin kubectl-argo-rollouts)"; then
    log "argo-rollouts $ARGO_ROLLOUTS_VERSION: cached ($(dirname "$(argo_bin rollouts-controller)"))"
    return 0
  fi
  mkdir -p "$dir"
  if [[ ! -f $dir/go.mod ]]; then
    # Its go.mod pins every k8s.io module (and two forks) with replace directives, which only apply inside its
    # own module: the wrapper repeats them.
    upstream_mod=$(cd "$dir" && go mod download -json "$p@$ARGO_ROLLOUTS_VERSION" |
      sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')
    [[ -f $upstream_mod ]] || die "could not download $p@$ARGO_ROLLOUTS_VERSION's go.mod"
    {
      printf 'module career-copilot-cluster/argo-rollouts\n\ngo 1.24.9\n\nrequire %s %s\n\nreplace (\n' "$p" "$ARGO_ROLLOUTS_VERSION"
      awk '/^replace \($/ { inblock = 1; next } inblock && /^\)$/ { inblock = 0; next }
           inblock && /=>/ { print "\t" $0 } /^replace [^(]/ { sub(/^replace /, ""); print "\t" $0 }' "$upstream_mod" |
        sed 's/^\t\t*/\t/'
      printf ')\n'
    } >"$dir/go.mod.tmp"
    mv "$dir/go.mod.tmp" "$dir/go.mod"
  fi
  write_tools_go "$dir" "$p/cmd/rollouts-controller" "$p/cmd/kubectl-argo-rollouts"
  tidy_once "$dir"
  ld="-s -w -X $p/utils/version.version=${ARGO_ROLLOUTS_VERSION#v} -X $p/utils/version.gitTag=$ARGO_ROLLOUTS_VERSION"
  ld+=" -X $p/utils/version.gitTreeState=clean -X $p/utils/version.buildDate=2026-10-12T11:31:27Z" # the tag's time (proxy .info)
  for b in rollouts-controller kubectl-argo-rollouts; do
    go_build "$b" "$(argo_bin "$b")" "$dir" "$p/cmd/$b" "$ld"
  done
}

build_kwok() {
  local dir=$SRC_DIR/kwok-$KWOK_VERSION
  [[ -x $(kwok_bin) ]] && { log "kwok: cached ($(kwok_bin))"; return 0; }
  mkdir -p "$dir"
  write_wrapper_mod "$dir" kwok 1.26.0 "sigs.k8s.io/kwok $KWOK_VERSION"
  write_tools_go "$dir" sigs.k8s.io/kwok/cmd/kwok
  tidy_once "$dir"
  go_build kwok "$(kwok_bin)" "$dir" sigs.k8s.io/kwok/cmd/kwok "-s -w"
}

build_actionlint() {
  local dir=$SRC_DIR/actionlint-$ACTIONLINT_VERSION
  [[ -x $(actionlint_bin) ]] && { log "actionlint: cached ($(actionlint_bin))"; return 0; }
  mkdir -p "$dir"
  write_wrapper_mod "$dir" actionlint 1.24.0 "github.com/rhysd/actionlint $ACTIONLINT_VERSION"
  write_tools_go "$dir" github.com/rhysd/actionlint/cmd/actionlint
  tidy_once "$dir"
  go_build actionlint "$(actionlint_bin)" "$dir" github.com/rhysd/actionlint/cmd/actionlint \
    "-s -w -X github.com/rhysd/actionlint.version=$ACTIONLINT_VERSION"
}

build_istio_analyze() {
  go_build istio-analyze "$(istio_analyze_bin)" "$REPO_DIR/tools/istio-analyze" . "-s -w"
}

# build [PART...]: every part, or only those named.
cmd_build() {
  command -v go >/dev/null || die "go is required (the binaries are built from their Go modules)"
  local start part parts=("$@")
  start=$(date +%s)
  mkdir -p "$BIN_DIR" "$SRC_DIR"
  ((${#parts[@]})) || parts=(etcd kubernetes pulumi provider kwok argo-rollouts istio-analyze actionlint)
  for part in "${parts[@]}"; do
    case $part in
      etcd) build_etcd ;;
      kubernetes) build_k8s ;;
      pulumi) build_pulumi ;;
      provider) build_provider ;;
      kwok) build_kwok ;;
      argo-rollouts) build_argo_rollouts ;;
      istio-analyze) build_istio_analyze ;;
      actionlint) build_actionlint ;;
      node) build_node ;;
      kube-router) build_kube_router ;;
      *) die "build: unknown part '$part' (parts: etcd kubernetes pulumi provider kwok argo-rollouts istio-analyze actionlint node kube-router)" ;;
    esac
  done
  log "build done in $(($(date +%s) - start))s"
}

# ---------------------------------------------------------------------------------------------------------------
# up / down / status / env
# ---------------------------------------------------------------------------------------------------------------

# pid_alive NAME : the PID recorded for NAME runs and is still that program (never another process that reused
# the PID).
pid_alive() {
  local f=$PID_DIR/$1.pid pid cmdline i
  [[ -f $f ]] || return 1
  pid=$(<"$f")
  kill -0 "$pid" 2>/dev/null || return 1
  # While a process execs (setsid, then the program), reading its cmdline fails for an instant (ESRCH): retry.
  for ((i = 0; i < 10; i++)); do
    cmdline=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") && break
    sleep 0.05
  done
  [[ ${cmdline:-} == *"$1"* ]]
}

# start NAME CMD... : start a daemon in its own session, logging to $LOG_DIR/NAME.log.
start() {
  local name=$1 i; shift
  local pid cmdline
  setsid "$@" >"$LOG_DIR/$name.log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$PID_DIR/$name.pid"
  # The forked shell execs setsid, which execs the program: wait until the process is the program itself, so
  # that pid_alive means something from here on.
  for ((i = 0; i < 100; i++)); do
    cmdline=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || cmdline=
    [[ $cmdline == "$1 "* ]] && break
    sleep 0.05
  done
  log "$name started (pid $pid, log $LOG_DIR/$name.log)"
}

# sign_cert DIR NAME SUBJECT EXTFILE-LINES... : DIR/NAME.key, .csr and .crt signed by this control plane's CA.
sign_cert() {
  local dir=$1 name=$2 subj=$3
  shift 3
  (
    cd "$dir"
    openssl genrsa -out "$name.key" 2048 2>/dev/null
    openssl req -new -key "$name.key" -subj "$subj" -out "$name.csr"
    printf '%s\n' "$@" >"$name.ext"
    openssl x509 -req -in "$name.csr" -CA "$PKI_DIR/ca.crt" -CAkey "$PKI_DIR/ca.key" -CAcreateserial \
      -CAserial "$PKI_DIR/ca.srl" -days 3650 -extfile "$name.ext" -out "$name.crt" 2>/dev/null
  )
}

# Certificates: a CA, the API server's serving certificate, an admin client certificate (system:masters) and the
# service-account key pair. Regenerated by every `up`.
gen_pki() {
  mkdir -p "$PKI_DIR"
  (
    cd "$PKI_DIR"
    sign() { sign_cert "$PKI_DIR" "$@"; }
    openssl genrsa -out ca.key 2048 2>/dev/null
    openssl req -x509 -new -key ca.key -days 3650 -subj /CN=career-copilot-cluster-ca -out ca.crt
    sign apiserver /CN=kube-apiserver "extendedKeyUsage=serverAuth" "keyUsage=digitalSignature,keyEncipherment" \
      "subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
    sign admin "/O=system:masters/CN=career-copilot-admin" "extendedKeyUsage=clientAuth" \
      "keyUsage=digitalSignature,keyEncipherment"
    # What the API server shows a kubelet (logs, exec, port-forward on a real node, scripts/node.sh): a user that
    # node.sh binds to system:kubelet-api-admin.
    sign apiserver-kubelet-client /CN=kube-apiserver-kubelet-client "extendedKeyUsage=clientAuth" \
      "keyUsage=digitalSignature,keyEncipherment"
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  )
}

write_kubeconfig() {
  (
    umask 077
    cat >"$KUBECONFIG_PATH" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: career-copilot-local
  cluster:
    server: https://127.0.0.1:$APISERVER_PORT
    certificate-authority-data: $(base64 -w0 <"$PKI_DIR/ca.crt")
users:
- name: career-copilot-admin
  user:
    client-certificate-data: $(base64 -w0 <"$PKI_DIR/admin.crt")
    client-key-data: $(base64 -w0 <"$PKI_DIR/admin.key")
contexts:
- name: career-copilot-local
  context: {cluster: career-copilot-local, user: career-copilot-admin, namespace: default}
current-context: career-copilot-local
EOF
  )
}

# api PATH [CURL-ARGS...] : an authenticated request to the API server.
api() {
  local path=$1; shift
  curl -sS --fail --max-time 10 --cacert "$PKI_DIR/ca.crt" --cert "$PKI_DIR/admin.crt" --key "$PKI_DIR/admin.key" \
    "$@" "https://127.0.0.1:$APISERVER_PORT$path"
}

# wait_for NAME SECONDS CMD... : poll CMD until it succeeds; fail early when NAME's process died.
wait_for() {
  local name=$1 secs=$2 i; shift 2
  for ((i = 0; i < secs * 2; i++)); do
    "$@" >/dev/null 2>&1 && { log "$name ready after $(($(date +%s) - UP_START))s"; return 0; }
    pid_alive "$name" || { tail -n 20 "$LOG_DIR/$name.log" >&2; die "$name exited"; }
    sleep 0.5
  done
  tail -n 20 "$LOG_DIR/$name.log" >&2
  die "$name not ready after ${secs}s"
}

install_crds() {
  [[ -d $CRD_DIR ]] || die "no CRD folder at $CRD_DIR (set CRD_DIR); the phases' custom resources need it"
  local kubectl=$(k8s_bin kubectl) files args=() f
  mapfile -t files < <(find "$CRD_DIR" -type f \( -name '*.yaml' -o -name '*.yml' \) | sort)
  ((${#files[@]})) || die "no CRD files under $CRD_DIR"
  # Server-side apply: several CRDs exceed the 256 KiB last-applied-configuration annotation of client-side apply.
  for f in "${files[@]}"; do args+=(-f "$f"); done
  "$kubectl" --kubeconfig "$KUBECONFIG_PATH" apply --server-side --force-conflicts --field-manager=career-copilot-cluster \
    "${args[@]}" >"$LOG_DIR/crds.log"
  "$kubectl" --kubeconfig "$KUBECONFIG_PATH" wait --for condition=established --timeout=120s crd --all >>"$LOG_DIR/crds.log"
  log "CRDs established after $(($(date +%s) - UP_START))s: $(grep -c 'condition met' "$LOG_DIR/crds.log") from ${#files[@]} files in $CRD_DIR"
}

# The simulated node, what a cluster's Istio and monitoring installs create and phase 4 refers to (the ingress
# gateway's namespace, where its certificate is issued, and Prometheus's, allowed to scrape), and a default
# StorageClass served by the controller manager's hostpath provisioner.
install_node_and_prerequisites() {
  local kubectl=$(k8s_bin kubectl)
  "$kubectl" --kubeconfig "$KUBECONFIG_PATH" apply -f - >"$LOG_DIR/prerequisites.log" <<EOF
apiVersion: v1
kind: Node
metadata:
  name: $KWOK_NODE
  annotations: { kwok.x-k8s.io/node: fake, node.alpha.kubernetes.io/ttl: "0" }
  labels: { kubernetes.io/hostname: $KWOK_NODE, kubernetes.io/os: linux, kubernetes.io/arch: amd64, type: kwok }
status:
  allocatable: { cpu: "64", memory: 256Gi, pods: "1000", ephemeral-storage: 1Ti }
  capacity: { cpu: "64", memory: 256Gi, pods: "1000", ephemeral-storage: 1Ti }
---
apiVersion: v1
kind: Namespace
metadata: { name: istio-system }
---
apiVersion: v1
kind: Namespace
metadata: { name: monitoring }
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations: { storageclass.kubernetes.io/is-default-class: "true" }
provisioner: kubernetes.io/host-path
reclaimPolicy: Delete
volumeBindingMode: Immediate
EOF
  "$kubectl" --kubeconfig "$KUBECONFIG_PATH" wait --for condition=Ready --timeout=60s "node/$KWOK_NODE" >>"$LOG_DIR/prerequisites.log"
  log "node $KWOK_NODE ready (kwok), namespaces istio-system and monitoring, StorageClass standard after $(($(date +%s) - UP_START))s"
}

# start_apiserver: kube-apiserver on the etcd and certificates of this `up`, then wait for /readyz. Also what
# `restart-apiserver` runs, so the API server comes back exactly as it was.
start_apiserver() {
  # --endpoint-reconciler-type none: the advertise address is loopback, which the default reconciler refuses to
  # publish as the kubernetes Service's endpoint. The kubelet of a real node (scripts/node.sh) listens on loopback
  # only and is dialled by its hostname, which resolves there; its serving certificate is signed by this CA.
  start kube-apiserver "$(k8s_bin kube-apiserver)" \
    --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$APISERVER_PORT" \
    --endpoint-reconciler-type none \
    --tls-cert-file "$PKI_DIR/apiserver.crt" --tls-private-key-file "$PKI_DIR/apiserver.key" \
    --client-ca-file "$PKI_DIR/ca.crt" \
    --service-account-key-file "$PKI_DIR/sa.pub" --service-account-signing-key-file "$PKI_DIR/sa.key" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-cluster-ip-range 10.0.0.0/24 \
    --authorization-mode RBAC --allow-privileged=true --profiling=false \
    --kubelet-client-certificate "$PKI_DIR/apiserver-kubelet-client.crt" --kubelet-client-key "$PKI_DIR/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority "$PKI_DIR/ca.crt" --kubelet-preferred-address-types Hostname
  wait_for kube-apiserver "$READY_TIMEOUT" api /readyz
}

cmd_up() {
  local n version
  UP_START=$(date +%s)
  for n in etcd kube-apiserver kube-controller-manager kube-scheduler kwok rollouts-controller; do
    pid_alive "$n" && die "$n already runs (pid $(<"$PID_DIR/$n.pid")); run: $0 down"
  done
  all_built "$(etcd_bin)" "$(k8s_bin kube-apiserver)" "$(k8s_bin kube-controller-manager)" "$(k8s_bin kube-scheduler)" \
    "$(k8s_bin kubectl)" "$(kwok_bin)" "$(argo_bin rollouts-controller)" ||
    die "binaries missing; run: $0 build"
  rm -rf "$RUN_DIR"
  mkdir -p "$PID_DIR" "$LOG_DIR" "$RUN_DIR/etcd"
  # When anything below fails, stop what was started, so a retry starts clean.
  trap 'rc=$?; if ((rc)); then log "up failed; stopping what was started"; cmd_down; fi' EXIT
  gen_pki
  write_kubeconfig

  start etcd "$(etcd_bin)" --name career-copilot --data-dir "$RUN_DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "career-copilot=http://127.0.0.1:$ETCD_PEER_PORT" \
    --unsafe-no-fsync --quota-backend-bytes=2147483648
  wait_for etcd 30 curl -sf "http://127.0.0.1:$ETCD_PORT/health"

  start_apiserver

  # The default controllers make namespace deletion, garbage collection, Deployments, Jobs, autoscalers and the
  # PVC protection finalizer real. The hostpath provisioner (testing only, one node) gives PVCs their volumes.
  # --node-monitor-grace-period 2m (default 40s): once, 33 s after the e2e's `restart-apiserver` (the API server
  # away about 20 s), the controller-manager still had kwok's node lease as 43 s old, though kwok had renewed it
  # twice since, and marked the node NotReady and every pod on it not Ready; kwok never makes a pod Ready again, so
  # the workloads stayed 0/1 ready for the rest of the run.
  start kube-controller-manager "$(k8s_bin kube-controller-manager)" \
    --kubeconfig "$KUBECONFIG_PATH" \
    --bind-address 127.0.0.1 --secure-port "$KCM_PORT" --leader-elect=false \
    --service-account-private-key-file "$PKI_DIR/sa.key" --root-ca-file "$PKI_DIR/ca.crt" \
    --use-service-account-credentials=false --controllers '*' \
    --enable-hostpath-provisioner --cluster-cidr 10.244.0.0/16 --allocate-node-cidrs=false \
    --node-monitor-grace-period 2m
  wait_for kube-controller-manager 60 curl -skf "https://127.0.0.1:$KCM_PORT/healthz"

  start kube-scheduler "$(k8s_bin kube-scheduler)" \
    --kubeconfig "$KUBECONFIG_PATH" --authentication-kubeconfig "$KUBECONFIG_PATH" \
    --authorization-kubeconfig "$KUBECONFIG_PATH" \
    --bind-address 127.0.0.1 --secure-port "$SCHEDULER_PORT" --leader-elect=false
  wait_for kube-scheduler 60 curl -skf "https://127.0.0.1:$SCHEDULER_PORT/healthz"

  # kwok plays the kubelet of one simulated node with the stages kwokctl uses by default, read unmodified from
  # its module: the node becomes Ready and renews its lease; a pod bound to it gets an IP, Running and Ready at
  # once; a Job's pod then completes with exit code 0; a deleted pod goes.
  local stages=$GOMODCACHE/sigs.k8s.io/kwok@$KWOK_VERSION/kustomize/stage
  [[ -d $stages ]] || (cd "$SRC_DIR/kwok-$KWOK_VERSION" && go mod download sigs.k8s.io/kwok@"$KWOK_VERSION")
  start kwok "$(kwok_bin)" --kubeconfig "$KUBECONFIG_PATH" \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --cidr 10.244.0.0/16 --node-ip 127.0.0.1 --server-address "127.0.0.1:$KWOK_PORT" --node-lease-duration-seconds 40 \
    --config "$stages/node/fast/node-initialize.yaml" \
    --config "$stages/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml" \
    --config "$stages/pod/fast/pod-ready.yaml" --config "$stages/pod/fast/pod-complete.yaml" \
    --config "$stages/pod/fast/pod-delete.yaml"
  wait_for kwok 60 curl -sf "http://127.0.0.1:$KWOK_PORT/healthz"

  version=$(api /version | sed -n 's/.*"gitVersion": *"\([^"]*\)".*/\1/p')
  [[ $version == v1.28.* ]] || die "the API server reports version '$version', expected v1.28.x"
  log "kube-apiserver $version ready at https://127.0.0.1:$APISERVER_PORT"
  install_crds
  install_node_and_prerequisites

  # Argo Rollouts runs the phase-4 releases (Rollouts, their analysis Jobs, the VirtualService weights).
  start rollouts-controller "$(argo_bin rollouts-controller)" --kubeconfig "$KUBECONFIG_PATH" --leader-elect=false \
    --healthzPort "$ROLLOUTS_HEALTHZ_PORT" --metricsPort "$ROLLOUTS_METRICS_PORT" --loglevel warn
  wait_for rollouts-controller 60 curl -sf "http://127.0.0.1:$ROLLOUTS_HEALTHZ_PORT/healthz"
  trap - EXIT
  log "up in $(($(date +%s) - UP_START))s; eval \"\$($0 env)\" to use it"
}

cmd_down() {
  local n pid i
  # Reverse start order; only the PIDs `up` recorded, and only while they still are those programs.
  for n in rollouts-controller kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do
    [[ -f $PID_DIR/$n.pid ]] || continue
    pid=$(<"$PID_DIR/$n.pid")
    if pid_alive "$n"; then
      kill -TERM "$pid"
      for ((i = 0; i < 40; i++)); do pid_alive "$n" || break; sleep 0.25; done
      pid_alive "$n" && kill -KILL "$pid"
      log "$n stopped (pid $pid)"
    fi
    rm -f "$PID_DIR/$n.pid"
  done
}

# restart-apiserver [SECONDS]: stop the API server, leave it down SECONDS (default 5), start it again on the same
# etcd and certificates: what a control plane upgrade or a lost connection does to an update in flight (the e2e).
cmd_restart_apiserver() {
  local seconds=${1:-5} pid i
  UP_START=$(date +%s) # wait_for reports the seconds since
  pid_alive kube-apiserver || die "kube-apiserver does not run; run: $0 up"
  pid=$(<"$PID_DIR/kube-apiserver.pid")
  kill -TERM "$pid"
  for ((i = 0; i < 40; i++)); do pid_alive kube-apiserver || break; sleep 0.25; done
  pid_alive kube-apiserver && kill -KILL "$pid"
  log "kube-apiserver stopped (pid $pid); starting it again in ${seconds}s"
  sleep "$seconds"
  start_apiserver
}

cmd_status() {
  local n b rc=0
  for n in etcd kube-apiserver kube-controller-manager kube-scheduler kwok rollouts-controller; do
    if pid_alive "$n"; then echo "$n: running (pid $(<"$PID_DIR/$n.pid"))"; else echo "$n: stopped"; rc=1; fi
  done
  if ((rc == 0)) && api /readyz >/dev/null 2>&1; then
    echo "readyz: ok"
    echo "version: $(api /version | sed -n 's/.*"gitVersion": *"\([^"]*\)".*/\1/p')"
    echo "kubeconfig: $KUBECONFIG_PATH"
  else
    echo "readyz: not ready"
    rc=1
  fi
  for b in "$(etcd_bin)" "$(k8s_bin kube-apiserver)" "$(k8s_bin kube-controller-manager)" "$(k8s_bin kubectl)" \
    "$(pulumi_dir)/pulumi" "$(pulumi_dir)/pulumi-language-nodejs" "$(provider_dir)/pulumi-resource-kubernetes" \
    "$(argo_bin rollouts-controller)" "$(argo_bin kubectl-argo-rollouts)" "$(istio_analyze_bin)"; do
    if [[ -x $b ]]; then echo "bin: $b"; else echo "missing: $b"; fi
  done
  return $rc
}

# env: the tools first on PATH; the provider is found there as an ambient plugin, so nothing is downloaded.
cmd_env() {
  # kubectl finds kubectl-argo-rollouts on PATH as its `argo rollouts` plugin.
  echo "export PATH=\"$(pulumi_dir):$(provider_dir):$(dirname "$(k8s_bin kubectl)"):$(dirname "$(argo_bin kubectl-argo-rollouts)"):$(dirname "$(istio_analyze_bin)"):\$PATH\""
  echo "export KUBECONFIG=\"$KUBECONFIG_PATH\""
  echo "export PULUMI_SKIP_UPDATE_CHECK=true"
  echo "export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true"
}

case ${1:-} in
  build) shift; cmd_build "$@" ;;
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  restart-apiserver) cmd_restart_apiserver "${2:-5}" ;;
  env) cmd_env ;;
  sign)
    # sign DIR NAME SUBJECT EXTFILE-LINES... : a certificate from the running control plane's CA (scripts/node.sh's).
    [[ -f $PKI_DIR/ca.key ]] || die "sign: no CA in $PKI_DIR; run: $0 up"
    shift
    sign_cert "$@"
    ;;
  which)
    # which NAME: the path of one built tool (whether built or not).
    case ${2:-} in
      istio-analyze) istio_analyze_bin ;;
      actionlint) actionlint_bin ;;
      kubectl-argo-rollouts | rollouts-controller) argo_bin "$2" ;;
      kubectl | kube-apiserver | kube-controller-manager | kubelet | kube-proxy) k8s_bin "$2" ;;
      coredns) coredns_bin ;;
      kube-router) kube_router_bin ;;
      ferretdb) ferretdb_bin ;;
      vegeta) vegeta_bin ;;
      *) die "which: unknown tool '${2:-}' (istio-analyze actionlint kubectl-argo-rollouts rollouts-controller kubectl kube-apiserver kube-controller-manager kubelet kube-proxy coredns kube-router ferretdb vegeta)" ;;
    esac
    ;;
  *)
    echo "usage: $0 {build [PART...]|up|down|status|restart-apiserver [SECONDS]|env|which NAME|sign DIR NAME SUBJECT EXT...}" >&2
    exit 2
    ;;
esac
