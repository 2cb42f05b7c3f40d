import { execFileSync } from 'child_process';
import * as path from 'path';
import { PlatformModel } from '../../phases';
import { allWorkloads } from '../../phases/model/check-model';
import { PhasePlan } from '../../phases/phase-plan';
import { CONTROL_PLANE_PARTS, REPO_ROOT, runClusterScript, scriptSucceeds } from '../cluster';

/** The real node of the local control plane: containerd, the kubelet, kube-proxy, kube-router and cluster DNS. */
export const NODE_SCRIPT = path.join(REPO_ROOT, 'scripts', 'node.sh');
/** The node's images, built from Debian packages (no registry is reachable). */
export const IMAGES_SCRIPT = path.join(REPO_ROOT, 'scripts', 'images.sh');
/**
 * The node's bridge address: connections from the host (the load balancer's place in front of the gateway) come
 * from it, so a stack on the node trusts it as its proxy and counts the clients it names in X-Forwarded-For.
 */
export const NODE_BRIDGE_CIDR = '10.244.0.1/32';

const run = (script: string, ...args: string[]) => execFileSync('bash', [script, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });

/** True when the node runs and is Ready (`scripts/node.sh status`). */
export function nodeReady(): boolean {
  return scriptSucceeds(NODE_SCRIPT, 'status');
}

/**
 * The node's programs and images built (cached by version and content), then the node started after the control
 * plane unless it runs already, in which case the images are imported again in case they were rebuilt. Runs as
 * root: the node manages network namespaces, mounts and firewall rules. Returns whether this call started it.
 */
export function ensureNode(log: (line: string) => void): boolean {
  if (process.getuid?.() !== 0) throw new Error('the real node runs as root: scripts/node.sh manages network namespaces, mounts and firewall rules');
  runClusterScript('build', ...CONTROL_PLANE_PARTS, 'node');
  run(IMAGES_SCRIPT, 'build');
  if (nodeReady()) {
    log('node: running (scripts/node.sh status); importing the images, in case they were rebuilt');
    run(IMAGES_SCRIPT, 'import');
    return false;
  }
  run(NODE_SCRIPT, 'up');
  return true;
}

/** The reference (`career-copilot-local/NAME:TAG`) of one of the node's images. */
export function imageReference(name: string): string {
  return execFileSync('bash', [IMAGES_SCRIPT, 'reference', name], { encoding: 'utf8' }).trim();
}

/**
 * The stack's `images` entries on the node: every workload on the reference service (which stands in for the
 * monolith and each extracted service), the gateway on NGINX, the support images on theirs.
 */
export function nodeImages(model: PlatformModel): string[] {
  const gateway = model.platform.gateway.name;
  const reference = imageReference('reference-service');
  return [
    ...allWorkloads(model).map(({ workload }) => `${workload.name}=${workload.name === gateway ? imageReference('gateway') : reference}`),
    `mtail=${imageReference('mtail')}`,
    `psql=${imageReference('postgres')}`,
    `redis=${imageReference('redis')}`,
  ];
}

/**
 * What a phase needs that cannot run on the node, or nothing: Strimzi's Kafka (its operator is a Java program with
 * no image here) and Istio's sidecars (Envoy, which neither Debian nor the Go module proxy provides).
 */
export function nodeBlockers(plan: PhasePlan): string[] {
  return [...(plan.eventBus ? ['the event bus (Strimzi Kafka)'] : []), ...(plan.platform.mesh ? ["the service mesh (Istio's Envoy sidecars)"] : [])];
}
