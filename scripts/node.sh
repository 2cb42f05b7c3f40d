#!/usr/bin/env bash
# node.sh - a real node for the local control plane of scripts/cluster.sh: containerd, runc and the CNI plugins
# from Debian, the kubelet and kube-proxy v1.28.15, CoreDNS and kube-router built by `scripts/cluster.sh build node`,
# the images of scripts/images.sh. Pods get their own IPs on a bridge, Services work through kube-proxy's iptables
# rules, kube-router's firewall enforces the NetworkPolicies, cluster DNS answers from kube-dns pods, and logs and
# exec work. It replaces the simulated kwok node.
#
#   scripts/node.sh up       (as root, after `scripts/cluster.sh up`) start the node and wait until it is Ready
#                            and cluster DNS answers (about 30 s)
#   scripts/node.sh down     stop every pod, the node's processes and shims, unmount what they mounted, remove the
#                            bridge, the network namespaces, the cgroups, the DNS address, kube-router's ipsets, and
#                            restore the nf_tables ruleset and the sysctls the kubelet changed: the host as `up`
#                            found it
#   scripts/node.sh status   what runs (exit 1 when the node is not Ready)
#
# This machine is a VM that withholds CAP_SYS_RESOURCE: runc cannot write /proc/self/oom_score_adj below its
# parent's, so containerd restricts the scores it asks for (restrict_oom_score_adj). It has no dummy network
# devices, so the DNS address lives on lo. The kubelet refuses a loopback node IP: the node's InternalIP is the
# first global address of the host, but the kubelet listens on 127.0.0.1 only and the API server dials it by its
# hostname, which resolves to loopback (/etc/hosts).
#
# Cluster DNS comes in two tiers because pods cannot reach the API server here (the `kubernetes` Service has no
# endpoints while the API server advertises loopback): CoreDNS on the host, on a link-local address of lo (never
# routed off the host), watches the API server; the kube-dns pods of kube-system (CoreDNS again, behind the kube-dns
# Service that the kubelet gives pods as their resolver) forward to it. So DNS reaches pods labelled
# k8s-app=kube-dns, as on any cluster, and the platform's allow-dns NetworkPolicy admits exactly that.
set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CLUSTER_HOME=${CLUSTER_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/career-copilot/cluster}
NODE_HOME=${NODE_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/career-copilot/node}
RUN=$NODE_HOME/run
PKI=$RUN/pki
PIDS=$RUN/pids
LOGS=$RUN/logs
CLUSTER_PKI=$CLUSTER_HOME/run/pki
KUBECONFIG_ADMIN=$CLUSTER_HOME/run/kubeconfig
APISERVER_PORT=${CLUSTER_APISERVER_PORT:-26443}
KUBELET_PORT=${NODE_KUBELET_PORT:-20250}
KUBELET_HEALTHZ_PORT=${NODE_KUBELET_HEALTHZ_PORT:-20248}
PROXY_HEALTHZ_PORT=${NODE_PROXY_HEALTHZ_PORT:-20256}
PROXY_METRICS_PORT=${NODE_PROXY_METRICS_PORT:-20249}
# The pods' network (inside the controller manager's --cluster-cidr) and the bridge that carries it.
POD_CIDR=10.244.0.0/24
BRIDGE=cc0
# The control plane's --service-cluster-ip-range (scripts/cluster.sh).
SERVICE_CIDR=10.0.0.0/24
# The host's CoreDNS: a link-local address on lo, CoreDNS bound to it alone.
DNS_IP=169.254.20.10
DNS_READY_PORT=${NODE_DNS_READY_PORT:-20281} # CoreDNS's ready plugin: 200 once the kubernetes plugin has synced
# The kube-dns Service's address, in the static band of the Service range that the allocator never hands out.
KUBE_DNS_IP=10.0.0.10
NODE_NAME=$(hostname)
SOCKET=$RUN/containerd/containerd.sock

log() { printf '[node] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

bin() { bash "$REPO_DIR/scripts/cluster.sh" which "$1"; }
kubectl() { "$(bin kubectl)" --kubeconfig "$KUBECONFIG_ADMIN" "$@"; }

pid_alive() {
  local f=$PIDS/$1.pid pid
  [[ -f $f ]] || return 1
  pid=$(<"$f")
  kill -0 "$pid" 2>/dev/null && [[ $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) == *"$2"* ]]
}

start() {
  local name=$1; shift
  setsid "$@" >"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$PIDS/$name.pid"
  log "$name started (pid $!, log $LOGS/$name.log)"
}

wait_for() {
  local what=$1 secs=$2 i; shift 2
  for ((i = 0; i < secs * 2; i++)); do
    "$@" >/dev/null 2>&1 && { log "$what after $(($(date +%s) - UP_START))s"; return 0; }
    sleep 0.5
  done
  die "$what: not after ${secs}s"
}

# The node's certificates, signed by the control plane's CA: the kubelet's client (system:node:<name>, bound to
# the system:node role) and serving certificates, kube-proxy's client (system:kube-proxy, which the default
# system:node-proxier binding covers), and the read-only clients of CoreDNS and kube-router.
gen_pki() {
  mkdir -p "$PKI"
  sign() { bash "$REPO_DIR/scripts/cluster.sh" sign "$PKI" "$@"; }
  sign kubelet "/O=system:nodes/CN=system:node:$NODE_NAME" "extendedKeyUsage=clientAuth" "keyUsage=digitalSignature,keyEncipherment"
  sign kubelet-serving "/CN=$NODE_NAME" "extendedKeyUsage=serverAuth" "keyUsage=digitalSignature,keyEncipherment" \
    "subjectAltName=DNS:$NODE_NAME,IP:127.0.0.1"
  sign kube-proxy /CN=system:kube-proxy "extendedKeyUsage=clientAuth" "keyUsage=digitalSignature,keyEncipherment"
  sign coredns /CN=career-copilot:coredns "extendedKeyUsage=clientAuth" "keyUsage=digitalSignature,keyEncipherment"
  sign kube-router /CN=career-copilot:kube-router "extendedKeyUsage=clientAuth" "keyUsage=digitalSignature,keyEncipherment"
}

# kubeconfig NAME : a kubeconfig for the client certificate NAME.
kubeconfig() {
  (
    umask 077
    cat >"$RUN/$1.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster: {server: "https://127.0.0.1:$APISERVER_PORT", certificate-authority: "$CLUSTER_PKI/ca.crt"}
users:
- name: $1
  user: {client-certificate: "$PKI/$1.crt", client-key: "$PKI/$1.key"}
contexts:
- name: local
  context: {cluster: local, user: $1}
current-context: local
EOF
  )
}

# The cluster-side objects the node needs: its RBAC (the kubelet as system:node, the API server's kubelet client
# as kubelet API admin, CoreDNS reading Services and EndpointSlices, kube-router reading pods, namespaces, nodes and
# NetworkPolicies, and the Services and endpoints its informers watch), the kube-dns pods and Service, and no
# simulated node.
install_cluster_objects() {
  local coredns_image
  coredns_image=$(bash "$REPO_DIR/scripts/images.sh" reference coredns)
  kubectl apply -f - >"$LOGS/cluster-objects.log" <<EOF
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: career-copilot-node}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:node}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: "system:node:$NODE_NAME"}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: career-copilot-apiserver-kubelet-client}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:kubelet-api-admin}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: kube-apiserver-kubelet-client}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: career-copilot-coredns}
rules:
- {apiGroups: [""], resources: [services, endpoints, pods, namespaces], verbs: [list, watch]}
- {apiGroups: [discovery.k8s.io], resources: [endpointslices], verbs: [list, watch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: career-copilot-coredns}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: career-copilot-coredns}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: "career-copilot:coredns"}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: career-copilot-kube-router}
rules:
- {apiGroups: [""], resources: [pods, namespaces, nodes, services, endpoints], verbs: [get, list, watch]}
- {apiGroups: [discovery.k8s.io], resources: [endpointslices], verbs: [list, watch]}
- {apiGroups: [networking.k8s.io], resources: [networkpolicies], verbs: [get, list, watch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: career-copilot-kube-router}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: career-copilot-kube-router}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: "career-copilot:kube-router"}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: coredns, namespace: kube-system}
data:
  Corefile: |
    .:53 {
      errors
      ready :8181
      cache 30
      forward . $DNS_IP
    }
---
apiVersion: v1
kind: Service
metadata: {name: kube-dns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec:
  clusterIP: $KUBE_DNS_IP
  selector: {k8s-app: kube-dns}
  ports:
  - {name: dns, port: 53, protocol: UDP, targetPort: 53}
  - {name: dns-tcp, port: 53, protocol: TCP, targetPort: 53}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: coredns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec:
  replicas: 1
  selector: {matchLabels: {k8s-app: kube-dns}}
  template:
    metadata: {labels: {k8s-app: kube-dns}}
    spec:
      # Its upstream is the host's CoreDNS, not itself.
      dnsPolicy: Default
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        runAsGroup: 65532
        seccompProfile: {type: RuntimeDefault}
        # Port 53 without a capability.
        sysctls: [{name: net.ipv4.ip_unprivileged_port_start, value: "0"}]
      containers:
      - name: coredns
        image: $coredns_image
        imagePullPolicy: Never
        ports:
        - {name: dns, containerPort: 53, protocol: UDP}
        - {name: dns-tcp, containerPort: 53, protocol: TCP}
        readinessProbe: {httpGet: {path: /ready, port: 8181}, periodSeconds: 2}
        securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
        volumeMounts: [{name: config, mountPath: /etc/coredns, readOnly: true}]
      volumes: [{name: config, configMap: {name: coredns}}]
EOF
  kubectl delete node kwok-node-0 --ignore-not-found >>"$LOGS/cluster-objects.log"
}

write_configs() {
  local pause
  pause=$(bash "$REPO_DIR/scripts/images.sh" reference pause)
  mkdir -p "$RUN/containerd" "$RUN/cni/net.d" "$RUN/cni/ipam" "$RUN/kubelet" "$RUN/coredns"
  cat >"$RUN/containerd/config.toml" <<EOF
version = 2
root = "$RUN/containerd/root"
state = "$RUN/containerd/state"
[grpc]
  address = "$SOCKET"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$pause"
  # The VM withholds CAP_SYS_RESOURCE (see the top of this script).
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$RUN/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
      SystemdCgroup = false
EOF
  # hairpinMode: a pod reaching its own Service is sent back to itself.
  cat >"$RUN/cni/net.d/10-career-copilot.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "career-copilot",
  "plugins": [
    {"type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": true, "hairpinMode": true,
     "ipam": {"type": "host-local", "ranges": [[{"subnet": "$POD_CIDR"}]], "routes": [{"dst": "0.0.0.0/0"}],
              "dataDir": "$RUN/cni/ipam"}},
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF
  cat >"$RUN/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 127.0.0.1
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $KUBELET_HEALTHZ_PORT
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: "$CLUSTER_PKI/ca.crt"}
authorization: {mode: Webhook}
tlsCertFile: "$PKI/kubelet-serving.crt"
tlsPrivateKeyFile: "$PKI/kubelet-serving.key"
cgroupDriver: cgroupfs
containerRuntimeEndpoint: "unix://$SOCKET"
clusterDomain: cluster.local
clusterDNS: ["$KUBE_DNS_IP"]
failSwapOn: false
# A test machine's disk is shared with everything else: evict only when it is nearly full.
evictionHard: {memory.available: 100Mi, nodefs.available: 2%, imagefs.available: 2%}
imageGCHighThresholdPercent: 100
serializeImagePulls: false
EOF
  cat >"$RUN/coredns/Corefile" <<EOF
.:53 {
  bind $DNS_IP
  errors
  ready 127.0.0.1:$DNS_READY_PORT
  kubernetes cluster.local in-addr.arpa ip6.arpa {
    kubeconfig $RUN/coredns.kubeconfig local
    pods insecure
    fallthrough in-addr.arpa ip6.arpa
  }
  forward . /etc/resolv.conf
  loop
}
EOF
}

# What `down` restores: the sysctls the kubelet sets and the nf_tables ruleset, as `up` found them.
record_host() {
  sysctl -n kernel.panic kernel.panic_on_oops vm.overcommit_memory >"$RUN/sysctls.before"
  nft list ruleset >"$RUN/nftables.before"
  ls /var/run/netns 2>/dev/null >"$RUN/netns.before" || : >"$RUN/netns.before"
  ipset list -n >"$RUN/ipsets.before"
}

cmd_up() {
  UP_START=$(date +%s)
  [[ $(id -u) == 0 ]] || die "up runs as root (containerd, the kubelet and kube-proxy manage namespaces, mounts and rules)"
  [[ -f $CLUSTER_PKI/ca.key ]] || die "the control plane is not up; run: scripts/cluster.sh up"
  local b
  for b in containerd runc /usr/lib/cni/bridge nft iptables conntrack ipset; do
    command -v "$b" >/dev/null || [[ -x $b ]] || die "$b is missing; apt-get install containerd runc containernetworking-plugins nftables iptables conntrack ipset"
  done
  for b in kubelet kube-proxy coredns kube-router; do [[ -x $(bin "$b") ]] || die "$b is not built; run: scripts/cluster.sh build node"; done
  pid_alive kubelet kubelet && die "the node runs already; run: $0 down"
  rm -rf "$RUN"
  mkdir -p "$RUN" "$PIDS" "$LOGS"
  trap 'rc=$?; if ((rc)); then log "up failed; tearing down"; cmd_down; fi' EXIT
  record_host
  gen_pki
  kubeconfig kubelet
  kubeconfig kube-proxy
  kubeconfig coredns
  kubeconfig kube-router
  write_configs
  install_cluster_objects

  start containerd containerd --config "$RUN/containerd/config.toml"
  wait_for "containerd ready" 30 ctr --address "$SOCKET" version
  bash "$REPO_DIR/scripts/images.sh" import

  ip addr add "$DNS_IP/32" dev lo
  touch "$RUN/dns-address-added"
  start coredns "$(bin coredns)" -conf "$RUN/coredns/Corefile"

  modprobe br_netfilter 2>/dev/null || true
  drop_unclaimed_service_addresses
  start kubelet "$(bin kubelet)" --config "$RUN/kubelet/config.yaml" --kubeconfig "$RUN/kubelet.kubeconfig" \
    --root-dir "$RUN/kubelet/root" --hostname-override "$NODE_NAME" --node-ip "$(node_ip)" \
    --pod-infra-container-image "$(bash "$REPO_DIR/scripts/images.sh" reference pause)" \
    --cert-dir "$PKI" --v 1
  start kube-proxy "$(bin kube-proxy)" --kubeconfig "$RUN/kube-proxy.kubeconfig" --hostname-override "$NODE_NAME" \
    --proxy-mode iptables --cluster-cidr 10.244.0.0/16 --healthz-bind-address "127.0.0.1:$PROXY_HEALTHZ_PORT" \
    --metrics-bind-address "127.0.0.1:$PROXY_METRICS_PORT" --conntrack-max-per-core 0
  wait_for "node $NODE_NAME Ready" 120 node_ready
  # The NetworkPolicy firewall alone: kube-proxy stays the service proxy and the bridge plugin the pod network.
  # Its health and metrics servers would listen on every address: both off; its chains show it at work.
  start kube-router "$(bin kube-router)" --run-firewall=true --run-router=false --run-service-proxy=false \
    --enable-cni=false --enable-ipv6=false --kubeconfig "$RUN/kube-router.kubeconfig" --hostname-override "$NODE_NAME" \
    --service-cluster-ip-range "$SERVICE_CIDR" --health-port 0 --metrics-port 0 --v 1
  wait_for "NetworkPolicy firewall (kube-router) synced" 60 iptables -n -L KUBE-ROUTER-FORWARD
  wait_for "cluster DNS ready" 60 curl -sf "http://127.0.0.1:$DNS_READY_PORT/ready"
  wait_for "kube-dns pods Ready" 120 kube_dns_ready
  trap - EXIT
  log "up in $(($(date +%s) - UP_START))s: node $NODE_NAME ($(node_ip)), pods on $POD_CIDR, DNS $KUBE_DNS_IP (kube-dns), NetworkPolicies enforced"
}

# A packet to an address of the Service range that no Service holds (yet or any more: a gateway that resolved a
# Service before it was deleted still sends there) is dropped, as a cluster's network does: no route leads there.
# Here the host's default route would take it to this VM's egress proxy, which answers any address with an HTTP
# 404. kube-proxy translates the addresses it holds before the filter hook (nat, priority -100) and rejects those
# of a Service without endpoints at filter priority 0; this chain comes after both.
drop_unclaimed_service_addresses() {
  nft -f - <<EOF
table inet career-copilot-node {
  chain unclaimed-service-addresses-forward { type filter hook forward priority 10; ip daddr $SERVICE_CIDR counter drop; }
  chain unclaimed-service-addresses-output { type filter hook output priority 10; ip daddr $SERVICE_CIDR counter drop; }
}
EOF
}

node_ip() { ip -4 -o addr show scope global | awk '$2 != "lo" { split($4, a, "/"); print a[1]; exit }'; }
node_ready() { [[ $(kubectl get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}') == True ]]; }
kube_dns_ready() { [[ $(kubectl get pods -n kube-system -l k8s-app=kube-dns -o jsonpath='{.items[*].status.conditions[?(@.type=="Ready")].status}') == *True* ]]; }

# stop NAME: TERM, then KILL after 10 s.
stop() {
  local name=$1 pid i
  [[ -f $PIDS/$name.pid ]] || return 0
  pid=$(<"$PIDS/$name.pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 40; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$pid" 2>/dev/null || true
    log "$name stopped (pid $pid)"
  fi
  rm -f "$PIDS/$name.pid"
}

cmd_down() {
  [[ -d $RUN ]] || { log "nothing to stop"; return 0; }
  local pid mount ns set
  stop kube-router
  stop kube-proxy
  stop kubelet
  # Every container and sandbox of the node: their shims outlive containerd, so kill them by their socket.

  for pid in $(pgrep -f "containerd-shim-runc-v2 .*-address $SOCKET" || true); do
    pkill -KILL -P "$pid" 2>/dev/null || true
    kill -KILL "$pid" 2>/dev/null || true
  done
  stop containerd
  stop coredns
  # Mounts under the node's folders (volumes, rootfs, sandboxes' shm), deepest first.
  for mount in $(awk -v run="$RUN" 'index($2, run) == 1 { print $2 }' /proc/self/mounts | sort -r); do
    umount -l "$mount" 2>/dev/null || true
  done
  # Network namespaces the pods had, the bridge, the DNS address.
  for ns in $(ls /var/run/netns 2>/dev/null || true); do
    grep -qx "$ns" "$RUN/netns.before" 2>/dev/null || ip netns delete "$ns" 2>/dev/null || true
  done
  ip link delete "$BRIDGE" 2>/dev/null || true
  [[ -f $RUN/dns-address-added ]] && { ip addr delete "$DNS_IP/32" dev lo 2>/dev/null || true; rm -f "$RUN/dns-address-added"; }
  # The kubelet's cgroups (per QoS class and pod), deepest first.
  find /sys/fs/cgroup -depth -type d -path '*/kubepods*' -exec rmdir {} \; 2>/dev/null || true
  # What the node dropped on its way to unclaimed Service addresses (see drop_unclaimed_service_addresses).
  nft list table inet career-copilot-node 2>/dev/null | awk '/counter/ { p += $(NF - 3) } END { if (p) print "[node] dropped " p " packets to unclaimed Service addresses" }' >&2 || true
  # The rules kube-proxy, the kubelet and the bridge plugin added, and the sysctls the kubelet changed.
  if [[ -f $RUN/nftables.before ]]; then
    { echo 'flush ruleset'; cat "$RUN/nftables.before"; } | nft -f - || log "could not restore the nf_tables ruleset from $RUN/nftables.before"
  fi
  # kube-router's ipsets, once no rule refers to them.
  if [[ -f $RUN/ipsets.before ]]; then
    for set in $(ipset list -n 2>/dev/null || true); do
      grep -qx "$set" "$RUN/ipsets.before" || ipset destroy "$set" 2>/dev/null || log "could not destroy ipset $set"
    done
  fi
  if [[ -f $RUN/sysctls.before ]]; then
    local values
    mapfile -t values <"$RUN/sysctls.before"
    sysctl -q -w "kernel.panic=${values[0]}" "kernel.panic_on_oops=${values[1]}" "vm.overcommit_memory=${values[2]}" || true
  fi
  kubectl delete node "$NODE_NAME" --ignore-not-found >/dev/null 2>&1 || true
  kubectl delete deployment,configmap,service -n kube-system -l k8s-app=kube-dns --ignore-not-found >/dev/null 2>&1 || true
  kubectl delete configmap coredns -n kube-system --ignore-not-found >/dev/null 2>&1 || true
  rm -rf "$RUN"
  log "down: the host is as up found it"
}

cmd_status() {
  local n rc=0
  for n in containerd:containerd coredns:coredns kubelet:kubelet kube-proxy:kube-proxy kube-router:kube-router; do
    if pid_alive "${n%%:*}" "${n#*:}"; then echo "${n%%:*}: running (pid $(<"$PIDS/${n%%:*}.pid"))"; else echo "${n%%:*}: stopped"; rc=1; fi
  done
  if node_ready 2>/dev/null; then echo "node $NODE_NAME: Ready"; else echo "node $NODE_NAME: not ready"; rc=1; fi
  return $rc
}

case ${1:-} in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) echo "usage: $0 {up|down|status}" >&2; exit 2 ;;
esac
