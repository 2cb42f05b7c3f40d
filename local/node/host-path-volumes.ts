import { chmodSync, existsSync } from 'fs';
import { kubectl } from './kubectl';

/**
 * Opens the folders of the control plane's hostpath provisioner to the pods that mount them. That provisioner
 * (kube-controller-manager --enable-hostpath-provisioner, for one-node testing only) makes each volume's folder
 * root-only (0750), and the kubelet applies no fsGroup to hostPath volumes, so a store that runs unprivileged (Redis
 * as uid 999) could not write its data; a real storage driver applies the pod's fsGroup instead. Returns the
 * folders opened by this call.
 */
export function openHostPathVolumes(env: NodeJS.ProcessEnv, opened: Set<string>): string[] {
  const list = JSON.parse(kubectl(env, ['get', 'persistentvolumes', '-o', 'json'])) as { items: Array<{ spec: { hostPath?: { path: string } } }> };
  const now: string[] = [];
  for (const pv of list.items) {
    const folder = pv.spec.hostPath?.path;
    if (!folder || opened.has(folder) || !folder.startsWith('/tmp/hostpath_pv/') || !existsSync(folder)) continue;
    chmodSync(folder, 0o1777);
    opened.add(folder);
    now.push(folder);
  }
  return now;
}
