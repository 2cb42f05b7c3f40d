import { generatedFieldManagerOf, handOverFieldManager } from './field-manager-handover';
import { getObject } from './live-objects';
import { ObjectIdentity } from './object-key';
import { stopOrphanedPlugins } from './orphaned-plugins';
import { adoptPendingCreates } from './pending-create-adoption';
import { PendingOperation, PulumiStack } from './pulumi-stack';
import { describeLock } from './stack-locks';
import { repairTornWrites } from './torn-writes';

/** A Kubernetes object whose pending create did happen, and the ID the provider gives it (`namespace/name`, `name`). */
export interface AdoptedObject {
  readonly urn: string;
  readonly object: ObjectIdentity & { readonly id: string };
  /** The field manager the state records for it: the one that applied it (the killed provider's), when one did. */
  readonly fieldManager?: string;
}

/** What `resumeInterruptedUpdate` found and did. */
export interface Resumption {
  /** The locks it removed: each left by a `pulumi` of this host that no longer runs. */
  readonly staleLocks: number;
  /** Files of the backend that the killed `pulumi` was writing, removed (see repairTornWrites). */
  readonly tornFiles: readonly string[];
  /** Plugins the killed `pulumi` left running (language host, program, providers), stopped. */
  readonly stoppedPlugins: readonly string[];
  /** Pending creates whose object exists on the API server, adopted into the state. */
  readonly imported: readonly AdoptedObject[];
  /**
   * Adopted objects that another pulumi-kubernetes field manager had applied too, its fields handed over to the one
   * the state records (`Kind ID: other-manager -> recorded-manager`); none unless a create of it was killed before.
   */
  readonly handedOver: readonly string[];
  /** Pending creates that created nothing (or nothing an update could not make again), dropped. */
  readonly cleared: readonly string[];
  /** Pending updates and deletes, resolved by reading the resources back. */
  readonly refreshed: readonly string[];
}

/** Refused: the stack is locked by an update that may still run. Nothing was changed. */
export class StackLockedError extends Error {}

/** Patch resources change part of an object that something else made: applying them again is how they resume. */
const PATCH_TYPE = /^kubernetes:.*Patch$/;

/**
 * The object a pending create of the Kubernetes provider was making, as `apiVersion`, `kind` and metadata from its
 * inputs, and the ID the provider gives it (`namespace/name`, or `name` for a cluster-wide kind); undefined for
 * other resources (components, generated passwords), which leave nothing on the cluster to adopt.
 */
function kubernetesObjectOf(op: PendingOperation): (ObjectIdentity & { id: string }) | undefined {
  if (!op.resourceType.startsWith('kubernetes:') || PATCH_TYPE.test(op.resourceType)) return undefined;
  const { apiVersion, kind, metadata } = op.inputs as { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } };
  if (!apiVersion || !kind || !metadata?.name) return undefined;
  const name = metadata.name;
  return { apiVersion, kind, metadata: { name, namespace: metadata.namespace }, id: metadata.namespace ? `${metadata.namespace}/${name}` : name };
}

/**
 * Makes a stack whose last update was killed (SIGKILL, a lost machine, an engine crash) ready for the same step
 * again, the way Pulumi's guide to interrupted updates says, and never by guessing:
 * - a lock left on this host by a `pulumi` process that no longer runs is removed (`pulumi cancel`); the plugins it
 *   left running are stopped (stopOrphanedPlugins) and what it left half written in the file backend is removed
 *   (repairTornWrites); a lock whose process still runs, or that another host took, is never broken:
 *   StackLockedError, naming it, and nothing done;
 * - pending creates are resolved against the API server: an object that exists is adopted, recorded in the state
 *   as created, with the server-side apply field manager that applied it (adoptPendingCreates, then `pulumi stack
 *   import`), so the next `up` updates it in place as that manager; one that does not exist is dropped, so the next
 *   `up` creates it. A second pulumi-kubernetes manager on an adopted object (a create of it killed before) has its
 *   fields handed to the recorded one (handOverFieldManager): each would otherwise stop the other's changes;
 * - pending updates and deletes are resolved by a `pulumi refresh`, which reads each resource back.
 * With no lock and no pending operation it changes nothing.
 */
export async function resumeInterruptedUpdate(stack: PulumiStack, env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<Resumption> {
  const locks = stack.locks();
  const live = locks.filter((l) => l.holder !== 'gone');
  if (live.length > 0) {
    throw new StackLockedError(
      `stack '${stack.stackName}' is locked by an update that may still run; nothing was changed:\n` +
        live.map((l) => `  ${describeLock(l)}`).join('\n') +
        `\nWait for it to finish. Only when you know that process is gone (another host cannot be checked from here), remove the lock: ` +
        `PULUMI_BACKEND_URL=file://${stack.stateDir} pulumi cancel --stack ${stack.stackName}`,
    );
  }
  for (const lock of locks) log(`  the last update did not finish: ${describeLock(lock)}; removing its lock (pulumi cancel)`);
  // Its plugins first: a provider left running could still finish an operation after the API server is asked.
  const stopped = locks.length > 0 ? (await stopOrphanedPlugins()).map((p) => `${p.program} (pid ${p.pid})`) : [];
  if (stopped.length > 0) log(`  stopped what it left running: ${stopped.join(', ')}`);
  // Before any command reads the state: a sidecar file torn by the kill makes every one of them fail.
  const tornFiles = locks.length > 0 ? repairTornWrites(stack.stateDir) : [];
  if (tornFiles.length > 0) log(`  removed what it left half written (the state itself is written whole, by rename): ${tornFiles.join(', ')}`);
  if (locks.length > 0) await stack.cancel();

  const pending = await stack.pendingOperations();
  if (pending.length === 0) {
    if (locks.length > 0) log('  no operation was in flight when it stopped: the state is complete');
    return { staleLocks: locks.length, tornFiles, stoppedPlugins: stopped, imported: [], handedOver: [], cleared: [], refreshed: [] };
  }
  const adoptions: AdoptedObject[] = [];
  const cleared: string[] = [];
  const refreshed: string[] = [];
  for (const op of pending) {
    const name = op.urn.split('::').pop() ?? op.urn;
    if (op.type !== 'creating') {
      refreshed.push(`${op.type} ${name}`);
      continue;
    }
    const object = kubernetesObjectOf(op);
    const created = object && getObject(env, object, { managedFields: true });
    if (object && created) adoptions.push({ urn: op.urn, object, fieldManager: generatedFieldManagerOf(created.metadata.managedFields ?? []) });
    else cleared.push(name);
  }
  log(
    `  ${pending.length} operation(s) were in flight: ` +
      [
        adoptions.length ? `${adoptions.length} created on the API server, adopted (${adoptions.map(({ urn, fieldManager }) => `${urn.split('::').pop()} as ${fieldManager ?? 'a new field manager'}`).join(', ')})` : '',
        cleared.length ? `${cleared.length} created nothing, dropped (${cleared.join(', ')})` : '',
        refreshed.length ? `${refreshed.length} read back (${refreshed.join(', ')})` : '',
      ]
        .filter(Boolean)
        .join('; '),
  );
  if (adoptions.length > 0) {
    // Pulumi's own way to record what an interrupted update did: export, edit, import (which checks the result
    // holds together, and drops the other pending operations: the creates that made nothing, and the updates and
    // deletes the refresh reads back).
    const state = await stack.exportState();
    await stack.importState({ ...state, deployment: adoptPendingCreates(state.deployment, adoptions.map(({ urn, object, fieldManager }) => ({ urn, id: object.id, fieldManager }))) });
  }
  const refresh = await stack.refresh({ clearPendingCreates: adoptions.length === 0 && cleared.length > 0 });
  log(`  pulumi refresh: ${refresh.changes.update} resource(s) read back with changes, ${refresh.changes.delete} gone, ${refresh.changes.same} unchanged (${refresh.seconds.toFixed(1)} s)`);
  const left = await stack.pendingOperations();
  if (left.length > 0) throw new Error(`pulumi refresh left ${left.length} pending operation(s): ${left.map((op) => `${op.type} ${op.urn}`).join(', ')}`);
  // Only adopted objects: every other one has been applied by its recorded manager all along.
  const recorded = adoptions.length > 0 ? await stack.fieldManagers() : new Map<string, string>();
  const handedOver = adoptions.flatMap(({ urn, object }) => {
    const manager = recorded.get(urn);
    const from = manager ? handOverFieldManager(env, object, manager) : [];
    return from.length > 0 ? [`${object.kind} ${object.id}: ${from.join(', ')} -> ${manager}`] : [];
  });
  if (handedOver.length > 0) log(`  handed what other pulumi-kubernetes field managers applied to the one the state records: ${handedOver.join('; ')}`);
  return { staleLocks: locks.length, tornFiles, stoppedPlugins: stopped, imported: adoptions, handedOver, cleared, refreshed };
}
