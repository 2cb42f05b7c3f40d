import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { toYaml } from '../synthesis/manifest-files';
import { KubernetesObject } from '../core/manifest';
import { isRecord } from './located';

/**
 * What `kubectl argo rollouts lint -f FILE` needs to judge a Rollout the way the controller will: the Rollout
 * with its pod template (lint does not follow `workloadRef`, so the referenced Deployment's template is inlined)
 * and, in the same file, the Services and the Istio VirtualService its strategy names.
 */
export interface RolloutLintBundle {
  readonly rollout: string;
  readonly objects: readonly KubernetesObject[];
}

type Doc = KubernetesObject & Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** One bundle per Rollout of `documents`. */
export function rolloutLintBundles(documents: readonly KubernetesObject[]): RolloutLintBundle[] {
  const docs = documents as readonly Doc[];
  const find = (kind: string, name: string) => docs.find((d) => d.kind === kind && d.metadata.name === name);
  return docs.filter((d) => d.kind === 'Rollout').map((rollout) => {
    const copy = structuredClone(rollout);
    const ref = copy.spec.workloadRef;
    if (ref) {
      const deployment = find('Deployment', ref.name);
      if (!deployment) throw new Error(`Rollout ${rollout.metadata.name}: workloadRef names Deployment ${ref.name}, which the phase does not have`);
      delete copy.spec.workloadRef;
      copy.spec.template = structuredClone(deployment.spec.template);
    }
    const strategy = isRecord(copy.spec.strategy) ? (copy.spec.strategy.canary ?? copy.spec.strategy.blueGreen ?? {}) : {};
    const services = [strategy.activeService, strategy.previewService, strategy.stableService, strategy.canaryService]
      .filter((n): n is string => typeof n === 'string')
      .map((n) => find('Service', n))
      .filter((s): s is Doc => s !== undefined);
    const virtualService = strategy.trafficRouting?.istio?.virtualService?.name;
    const routes = virtualService ? [find('VirtualService', virtualService)].filter((v): v is Doc => v !== undefined) : [];
    return { rollout: rollout.metadata.name, objects: [copy, ...services, ...routes] };
  });
}

/** Runs `kubectl-argo-rollouts lint` on one bundle, written to `dir`; returns its verdict and what it printed. */
export function lintRollout(plugin: string, bundle: RolloutLintBundle, dir: string): { ok: boolean; output: string } {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${bundle.rollout}.yaml`);
  fs.writeFileSync(file, bundle.objects.map(toYaml).join('---\n'));
  const run = spawnSync(plugin, ['lint', '-f', file], { encoding: 'utf8' });
  if (run.error) throw run.error;
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}`.trim() };
}
