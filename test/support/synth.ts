import { Chart, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { KubernetesObject } from '../../core/manifest';

/** Builds a construct in a fresh chart and returns what it emits. */
export function emitted(build: (scope: Construct) => void): KubernetesObject[] {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'career-copilot', disableResourceNameHashes: true });
  build(chart);
  return Testing.synth(chart) as KubernetesObject[];
}

/** The one object of `kind` (and `name`, when given); fails the test when there is not exactly one. */
export function only(objects: readonly KubernetesObject[], kind: string, name?: string): KubernetesObject & Record<string, any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0];
}
