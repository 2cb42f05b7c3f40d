import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { notOneOf, showValue, ValidationError } from '../core/validation-error';
import { selectorLabels } from './labels';
import { checkDnsLabel, checkInteger } from './prop-checks';

/** A workload this one opens connections to, on the port the workload's pods listen on. */
export interface NetworkCallee {
  /** The callee's `name` in `workloads`. */
  readonly name: string;
  /** Must be the callee's `port`; stated here so that a reader sees the whole egress rule in one place. */
  readonly port: number;
}

/** Pods of another namespace (an operator, Prometheus) allowed to reach a workload. */
export interface NamespaceIngress {
  readonly namespace: string;
  /** @default - every pod of the namespace */
  readonly podSelector?: Record<string, string>;
  /** Ports of the workload's pods they may reach. */
  readonly ports: readonly number[];
}

/** A set of pods, the traffic it accepts and the traffic it starts. */
export interface NetworkWorkload {
  /** The workload's name: its pods carry `app.kubernetes.io/name: <name>`. */
  readonly name: string;
  /**
   * The port its pods listen on: the container port (a Service's targetPort), never the Service port, since
   * policies see traffic after the Service has been translated to a pod. Data stores: 5432, 27017, 6379, 9093.
   */
  readonly port: number;
  /** Workloads allowed to connect to `port`; each must list this one in its `egressTo`. @default [] */
  readonly ingressFrom?: readonly string[];
  /** Workloads it connects to; each must list this one in its `ingressFrom`. @default [] */
  readonly egressTo?: readonly NetworkCallee[];
  /** Reached from outside the namespace through the ingress (the api gateway, the frontend). @default false */
  readonly externalIngress?: boolean;
  /** Pods of other namespaces allowed in (operators, metrics scrapers). @default [] */
  readonly ingressFromNamespaces?: readonly NamespaceIngress[];
  /**
   * Labels that select the pods, for workloads whose pods an operator labels.
   * @default - `app.kubernetes.io/name: <name>`
   */
  readonly podSelector?: Record<string, string>;
  /** Ports its own pods use among themselves (database replication, Kafka's controller and broker links). @default [] */
  readonly peerPorts?: readonly number[];
  /** Its pods talk to the Kubernetes API (operator instance managers such as CloudNativePG's). @default false */
  readonly apiServerEgress?: boolean;
  /** Services outside the cluster it connects to (managed databases), by address range and port. @default [] */
  readonly externalEgress?: readonly ExternalEndpoint[];
}

/** Addresses outside the cluster and the ports reached on them. */
export interface ExternalEndpoint {
  readonly cidr: string;
  readonly ports: readonly number[];
}

/** Where the Kubernetes API server is reached from pods. */
export interface ApiServerEndpoint {
  readonly cidr: string;
  readonly ports: readonly number[];
}

/** Pods, in one namespace, that the public traffic comes from. */
export interface IngressSource {
  readonly namespace: string;
  /** @default - every pod of the namespace */
  readonly podSelector?: Record<string, string>;
}

/** Props of `NetworkPolicies`. */
export interface NetworkPoliciesProps {
  readonly workloads: readonly NetworkWorkload[];
  /** Whether the pods run Istio sidecars, which must reach istiod. @default false */
  readonly mesh?: boolean;
  /**
   * Where `externalIngress` traffic comes from.
   * @default - with the mesh, the Istio ingress gateway (istio-system, `istio: ingressgateway`); without it,
   * ingress-nginx (namespace ingress-nginx, `app.kubernetes.io/name: ingress-nginx`)
   */
  readonly externalIngressFrom?: IngressSource;
  /** Namespace of istiod. @default 'istio-system' */
  readonly istioNamespace?: string;
  /**
   * The API server, for workloads with `apiServerEgress`. Narrow the CIDR to the cluster's API endpoint where it
   * is known; the default only narrows the ports.
   * @default { cidr: '0.0.0.0/0', ports: [443, 6443] }
   */
  readonly apiServer?: ApiServerEndpoint;
}

const ISTIO_INGRESS_GATEWAY: IngressSource = { namespace: 'istio-system', podSelector: { istio: 'ingressgateway' } };
const NGINX_INGRESS: IngressSource = { namespace: 'ingress-nginx', podSelector: { 'app.kubernetes.io/name': 'ingress-nginx' } };
/**
 * What a sidecar needs from the control plane: xDS configuration and its workload certificate, both served by
 * istiod on 15012 over TLS, on a connection the sidecar opens. Nothing in the control plane connects to the pods
 * (15017 is istiod's webhook, called by the API server), and kubelet probes, which Istio rewrites to the agent's
 * port 15020, come from the node, which network policies do not filter on common CNIs.
 */
const ISTIOD_PORTS = [15012];
const DNS_PORTS = [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }];

/**
 * Zero-trust networking for one namespace, as plain `networking.k8s.io/v1` NetworkPolicies: nothing in or out
 * by default, DNS to kube-dns, and for each workload exactly the connections the model declares (its callers on
 * its port, its callees on theirs), plus public traffic from the ingress for the workloads that take it and,
 * with the mesh, the sidecars' connection to istiod.
 */
export class NetworkPolicies extends Construct {
  public readonly defaultDenyPolicyName = 'default-deny';
  public readonly dnsPolicyName = 'allow-dns';
  /** Set when `mesh` is on. */
  public readonly istioPolicyName?: string;
  /** Workload name -> name of its NetworkPolicy. */
  public readonly workloadPolicyNames: ReadonlyMap<string, string>;

  constructor(scope: Construct, id: string, props: NetworkPoliciesProps) {
    super(scope, id);
    const mesh = props.mesh ?? false;
    const ingressSource = props.externalIngressFrom ?? (mesh ? ISTIO_INGRESS_GATEWAY : NGINX_INGRESS);
    const istioNamespace = props.istioNamespace ?? 'istio-system';
    validate(props, ingressSource, istioNamespace);

    new kplus.k8s.KubeNetworkPolicy(this, 'DefaultDeny', {
      metadata: { name: this.defaultDenyPolicyName },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
    new kplus.k8s.KubeNetworkPolicy(this, 'AllowDns', {
      metadata: { name: this.dnsPolicyName },
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{ to: [namespacePeer('kube-system', { 'k8s-app': 'kube-dns' })], ports: DNS_PORTS.map(({ protocol, port }) => policyPort(port, protocol)) }],
      },
    });
    if (mesh) {
      this.istioPolicyName = 'allow-istio-control-plane';
      new kplus.k8s.KubeNetworkPolicy(this, 'AllowIstioControlPlane', {
        metadata: { name: this.istioPolicyName },
        spec: {
          podSelector: {},
          policyTypes: ['Egress'],
          egress: [{ to: [namespacePeer(istioNamespace, { app: 'istiod' })], ports: ISTIOD_PORTS.map((port) => policyPort(port)) }],
        },
      });
    }

    const selectorOf = new Map(props.workloads.map((w) => [w.name, w.podSelector ?? selectorLabels(w.name)]));
    const names = new Map<string, string>();
    for (const workload of props.workloads) {
      const ingress: kplus.k8s.NetworkPolicyIngressRule[] = [];
      const callers = workload.ingressFrom ?? [];
      if (callers.length > 0) {
        ingress.push({ from: callers.map((caller) => ({ podSelector: { matchLabels: selectorOf.get(caller) } })), ports: [policyPort(workload.port)] });
      }
      if (workload.externalIngress) {
        ingress.push({ from: [namespacePeer(ingressSource.namespace, ingressSource.podSelector)], ports: [policyPort(workload.port)] });
      }
      for (const source of workload.ingressFromNamespaces ?? []) {
        ingress.push({ from: [namespacePeer(source.namespace, source.podSelector)], ports: source.ports.map((port) => policyPort(port)) });
      }
      const egress: kplus.k8s.NetworkPolicyEgressRule[] = (workload.egressTo ?? []).map((callee) => ({
        to: [{ podSelector: { matchLabels: selectorOf.get(callee.name) } }],
        ports: [policyPort(callee.port)],
      }));
      const peers = workload.peerPorts ?? [];
      if (peers.length > 0) {
        const self = [{ podSelector: { matchLabels: selectorOf.get(workload.name) } }];
        ingress.push({ from: self, ports: peers.map((port) => policyPort(port)) });
        egress.push({ to: self, ports: peers.map((port) => policyPort(port)) });
      }
      for (const external of workload.externalEgress ?? []) {
        egress.push({ to: [{ ipBlock: { cidr: external.cidr } }], ports: external.ports.map((port) => policyPort(port)) });
      }
      if (workload.apiServerEgress) {
        const apiServer = props.apiServer ?? { cidr: '0.0.0.0/0', ports: [443, 6443] };
        egress.push({ to: [{ ipBlock: { cidr: apiServer.cidr } }], ports: apiServer.ports.map((port) => policyPort(port)) });
      }

      const name = `${workload.name}-traffic`;
      // Both directions are listed even when empty: an empty list denies, like the default, and says so here.
      new kplus.k8s.KubeNetworkPolicy(this, `${workload.name}-traffic`, {
        metadata: { name },
        spec: { podSelector: { matchLabels: selectorOf.get(workload.name) }, policyTypes: ['Ingress', 'Egress'], ingress, egress },
      });
      names.set(workload.name, name);
    }
    this.workloadPolicyNames = names;
  }
}

function policyPort(port: number, protocol = 'TCP'): kplus.k8s.NetworkPolicyPort {
  return { protocol, port: kplus.k8s.IntOrString.fromNumber(port) };
}

/** Pods of another namespace, selected by the name label Kubernetes puts on every namespace. */
function namespacePeer(namespace: string, podSelector?: Record<string, string>): kplus.k8s.NetworkPolicyPeer {
  return {
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
    ...(podSelector ? { podSelector: { matchLabels: podSelector } } : {}),
  };
}

function validate(props: NetworkPoliciesProps, ingressSource: IngressSource, istioNamespace: string): void {
  checkDnsLabel('istioNamespace', istioNamespace);
  checkDnsLabel('externalIngressFrom.namespace', ingressSource.namespace);
  if (props.apiServer) {
    if (!/^([0-9]{1,3}\.){3}[0-9]{1,3}\/[0-9]{1,2}$/.test(props.apiServer.cidr)) {
      throw new ValidationError('apiServer.cidr', `${showValue(props.apiServer.cidr)} is not an IPv4 CIDR block such as 10.96.0.1/32`);
    }
    props.apiServer.ports.forEach((port, i) => checkInteger(`apiServer.ports[${i}]`, port, 1, 65535));
  }
  props.workloads.forEach((w, i) => {
    (w.peerPorts ?? []).forEach((port, j) => checkInteger(`workloads[${i}].peerPorts[${j}]`, port, 1, 65535));
    (w.externalEgress ?? []).forEach((external, j) => {
      if (!/^([0-9]{1,3}\.){3}[0-9]{1,3}\/[0-9]{1,2}$/.test(external.cidr)) {
        throw new ValidationError(`workloads[${i}].externalEgress[${j}].cidr`, `${showValue(external.cidr)} is not an IPv4 CIDR block such as 10.0.0.0/16`);
      }
      external.ports.forEach((port, k) => checkInteger(`workloads[${i}].externalEgress[${j}].ports[${k}]`, port, 1, 65535));
    });
  });
  const names = props.workloads.map((w) => w.name);
  const byName = new Map(props.workloads.map((w) => [w.name, w]));

  props.workloads.forEach((workload, i) => {
    const at = `workloads[${i}]`;
    checkDnsLabel(`${at}.name`, workload.name);
    if (names.indexOf(workload.name) !== i) throw new ValidationError(`${at}.name`, `${showValue(workload.name)} is listed twice`);
    checkInteger(`${at}.port`, workload.port, 1, 65535);
  });

  props.workloads.forEach((workload, i) => {
    const at = `workloads[${i}]`;
    (workload.ingressFrom ?? []).forEach((caller, j) => {
      const field = `${at}.ingressFrom[${j}]`;
      const source = byName.get(caller);
      if (!source) throw new ValidationError(field, `unknown workload: ${notOneOf(caller, names)}`);
      if ((workload.ingressFrom ?? []).indexOf(caller) !== j) throw new ValidationError(field, `${showValue(caller)} is listed twice`);
      if (!(source.egressTo ?? []).some((callee) => callee.name === workload.name)) {
        throw new ValidationError(field, `${showValue(caller)} does not list ${showValue(workload.name)} in its egressTo`);
      }
    });
    (workload.egressTo ?? []).forEach((callee, j) => {
      const field = `${at}.egressTo[${j}]`;
      const target = byName.get(callee.name);
      if (!target) throw new ValidationError(`${field}.name`, `unknown workload: ${notOneOf(callee.name, names)}`);
      if ((workload.egressTo ?? []).findIndex((c) => c.name === callee.name) !== j) {
        throw new ValidationError(`${field}.name`, `${showValue(callee.name)} is listed twice`);
      }
      if (callee.port !== target.port) {
        throw new ValidationError(`${field}.port`, `${showValue(callee.port)} is not the port ${showValue(callee.name)} listens on (${target.port})`);
      }
      if (!(target.ingressFrom ?? []).includes(workload.name)) {
        throw new ValidationError(`${field}.name`, `${showValue(callee.name)} does not list ${showValue(workload.name)} in its ingressFrom`);
      }
    });
    (workload.ingressFromNamespaces ?? []).forEach((source, j) => {
      const field = `${at}.ingressFromNamespaces[${j}]`;
      checkDnsLabel(`${field}.namespace`, source.namespace);
      if (source.ports.length === 0) throw new ValidationError(`${field}.ports`, 'is empty: give at least one port');
      source.ports.forEach((port, k) => checkInteger(`${field}.ports[${k}]`, port, 1, 65535));
    });
  });
}
