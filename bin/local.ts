/**
 * `npm run local [-- [--node] --to N]`: the main job on the local default. Brings up the local Kubernetes 1.28 control plane
 * (scripts/cluster.sh: built from the Go module proxy the first time, then cached), and promotes the `local` stack of
 * this project on it, one phase at a time, from the phase it is at to phase N (default 4): for each step a
 * `pulumi preview` (its counts), then `pulumi up` with a line per resource operation, then a check that every
 * data-bearing object kept its UID. Rolling back is the same command with a lower N. After a run that was killed,
 * the same command resumes: it removes the lock the dead process left, resolves the operations it had in flight
 * (local/interrupted-update.ts), and takes the step again.
 *
 * With `--node` (as root) the stack runs on a real node (scripts/node.sh: containerd, the kubelet, kube-proxy,
 * kube-router's NetworkPolicy firewall) in place of kwok's simulated one, its workloads on the images built from
 * Debian packages (scripts/images.sh), with stand-ins for the operators that cannot run here; it is a stack of its
 * own (local-node-stack), and reaches phase 2 at most (phase 3 needs Kafka, phase 4 the mesh).
 *
 * The stack lives in ${XDG_CACHE_HOME:-~/.cache}/career-copilot/local-stack (file backend, a generated passphrase,
 * its config file): nothing is written to the repository. The control plane keeps running afterwards; stop it with
 * `npm run cluster:down`. Real clusters are deployed with the pulumi CLI and the committed stack configs (README).
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { homedir } from 'os';
import * as path from 'path';
import { clusterEnvironment, clusterIdentity, CLUSTER_SCRIPT, ensureControlPlane, LOCAL_STACK_CONFIG } from '../local/cluster';
import { hostUrl } from '../local/node/kubectl';
import { ensureNode, NODE_BRIDGE_CIDR, nodeImages } from '../local/node/real-node';
import { MONOLITH_SEED_USERS } from '../local/node/monolith-seed';
import { NodeStandIns } from '../local/node/stand-ins';
import { resumeInterruptedUpdate } from '../local/interrupted-update';
import { dataBearingUids, listOurObjects, workloadStates } from '../local/live-objects';
import { CHANGE_VERBS, PulumiStack, ResourceChanges, ResourceStep } from '../local/pulumi-stack';
import { parseLocalArguments } from '../local/promotion-path';
import { promotionPath } from '../phases/phase-step';
import { careerCopilot, isPhaseNumber, PhaseNumber, selectPhase } from '../phases';

const PLATFORM = careerCopilot();
const NAMESPACE = selectPhase(PLATFORM, 0).namespace;
const CACHE_DIR = path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'career-copilot');

/** Where a local stack lives: kwok's, or the real node's (other images, other config: a stack of its own). */
interface LocalStackPlace {
  readonly dir: string;
  readonly stackName: string;
}
const placeOf = (node: boolean): LocalStackPlace =>
  node ? { dir: path.join(CACHE_DIR, 'local-node-stack'), stackName: 'local-node' } : { dir: path.join(CACHE_DIR, 'local-stack'), stackName: 'local' };

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

function phaseTitle(phase: PhaseNumber): string {
  return `${phase} (${PLATFORM.phases.find((p) => p.phase === phase)?.title ?? '?'})`;
}

function planned(c: ResourceChanges): string {
  return `${c.create} to create, ${c.update} to update, ${c.replace} to replace, ${c.delete} to delete, ${c.same} unchanged`;
}

function done(c: ResourceChanges): string {
  return `created ${c.create}, updated ${c.update}, replaced ${c.replace}, deleted ${c.delete}, unchanged ${c.same}`;
}

/**
 * Opens the local stack. `scripts/cluster.sh up` starts from an empty etcd, so a stack deployed to an earlier
 * control plane describes objects that are gone: it is started afresh, and says so.
 */
async function openLocalStack(env: NodeJS.ProcessEnv, { dir, stackName }: LocalStackPlace): Promise<PulumiStack> {
  const identity = clusterIdentity(env);
  // Where the identity of the control plane the stack was deployed to is kept (see `clusterIdentity`).
  const identityFile = path.join(dir, 'cluster-identity');
  if (existsSync(dir) && (!existsSync(identityFile) || readFileSync(identityFile, 'utf8').trim() !== identity)) {
    log(`The local stack in ${dir} was deployed to an earlier control plane, whose objects are gone: starting it afresh`);
    rmSync(dir, { recursive: true, force: true });
  }
  const stack = await PulumiStack.open({ ...LOCAL_STACK_CONFIG, phase: '0' }, { dir, env, stackName });
  writeFileSync(identityFile, `${identity}\n`);
  return stack;
}

/**
 * The node's stack config: every workload on the node's images, and the node's bridge as the trusted proxy (a
 * request from the host reaches the gateway from there, as from a load balancer).
 */
async function configureForNode(stack: PulumiStack): Promise<void> {
  for (const [i, entry] of nodeImages(PLATFORM).entries()) await stack.setConfig(`images[${i}]`, entry, { path: true });
  await stack.setConfig('trustedProxyCidrs[0]', NODE_BRIDGE_CIDR, { path: true });
}

async function deployedPhase(stack: PulumiStack): Promise<PhaseNumber | undefined> {
  const phase = (await stack.outputs()).phase;
  return isPhaseNumber(phase) ? phase : undefined;
}

async function promote(stack: PulumiStack, env: NodeJS.ProcessEnv, from: PhaseNumber | undefined, to: PhaseNumber, standIns?: NodeStandIns): Promise<void> {
  const label = from === undefined ? `new stack -> phase ${phaseTitle(to)}` : from === to ? `phase ${phaseTitle(to)} again` : `phase ${from} -> ${phaseTitle(to)}`;
  log(`\n== ${label}`);
  await stack.setConfig('phase', String(to));
  const preview = await stack.preview();
  log(`  pulumi preview: ${planned(preview.changes)} (${preview.seconds.toFixed(1)} s)`);
  const expected = preview.changes.create + preview.changes.update + preview.changes.delete + preview.changes.replace;
  if (expected === 0) {
    log('  nothing to change: the stack already matches the model');
    return;
  }
  const before = dataBearingUids(listOurObjects(env));
  let finished = 0;
  const width = String(expected).length;
  const onStep = (step: ResourceStep) => {
    const verb = CHANGE_VERBS[step.op];
    if (!verb) return;
    finished += 1;
    // `kubernetes:apps/v1:Deployment` + `deployment:career-copilot/backend` -> `Deployment career-copilot/backend`
    log(`  [${String(finished).padStart(width)}/${expected}] ${verb.padEnd(8)} ${step.type.split(':').pop()} ${step.name.replace(/^[a-z0-9]+:/, '')}`);
  };
  const up = standIns ? await standIns.during(() => stack.up({ onStep })) : await stack.up({ onStep });
  log(`  pulumi up: ${done(up.changes)} (${up.seconds.toFixed(1)} s)`);
  const states = workloadStates(env, NAMESPACE);
  const waiting = states.filter((w) => !w.ready);
  log(`  workloads: ${states.length - waiting.length} of ${states.length} ready or complete${waiting.length ? `; not yet: ${waiting.map((w) => `${w.workload} ${w.detail}`).join(', ')}` : ''}`);
  const after = dataBearingUids(listOurObjects(env));
  const lost = [...before].filter(([key, uid]) => after.has(key) && after.get(key) !== uid).map(([key]) => `${key} (replaced)`);
  lost.push(...[...before.keys()].filter((key) => !after.has(key)).map((key) => `${key} (deleted)`));
  if (lost.length > 0) throw new Error(`data-bearing objects did not survive the step: ${lost.join(', ')}`);
  log(`  data-bearing objects: ${after.size} on the API server${before.size === 0 ? '' : `, every one of the ${before.size} from before with the same UID`}`);
}

/**
 * Ctrl-C reaches pulumi too (same process group), which then finishes what it started and releases the stack's
 * lock; exiting at once would cut its output pipe and could leave the stack locked. A second Ctrl-C exits now.
 */
function letPulumiStopCleanly(): void {
  let interrupted = false;
  process.on('SIGINT', () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write('\ninterrupted: waiting for pulumi to finish the operations in flight (Ctrl-C again to quit now)\n');
  });
}

async function main(): Promise<void> {
  const { to: target, node } = parseLocalArguments(process.argv.slice(2), PLATFORM);
  const started = Date.now();
  letPulumiStopCleanly();
  ensureControlPlane(log);
  if (node) ensureNode(log);
  const env = clusterEnvironment();
  const place = placeOf(node);
  const stack = await openLocalStack(env, place);
  if (node) await configureForNode(stack);
  const standIns = node ? new NodeStandIns(NAMESPACE, env) : undefined;
  // A run that was killed (SIGKILL, a lost machine) left a lock and perhaps operations in flight: resolve them
  // first, or refuse when the lock's process may still run; then the step it was taking is taken again.
  await resumeInterruptedUpdate(stack, env, log);
  const current = await deployedPhase(stack);
  log(`Local stack '${stack.stackName}' (${place.dir}): ${current === undefined ? 'nothing deployed yet' : `at phase ${phaseTitle(current)}`}; target phase ${phaseTitle(target)}`);
  let from = current;
  for (const to of promotionPath(current, target)) {
    // Before the first step away from the monolith alone: its database holds what today's monolith has.
    if (standIns && from === 0 && to > from && standIns.seedMonolith(PLATFORM.monolith.database)) {
      log(`\n${PLATFORM.monolith.database.name}: seeded with Career Copilot's tables and ${MONOLITH_SEED_USERS} users, as today's monolith has them (the reference service that stands in for it makes none)`);
    }
    await promote(stack, env, from, to, standIns);
    from = to;
  }
  const objects = listOurObjects(env).length;
  log(`\nDone in ${((Date.now() - started) / 1000).toFixed(0)} s: the local stack is at phase ${phaseTitle(target)}, ${objects} objects of ours on the API server.`);
  log(`Look at it:   eval "$(bash ${path.relative(process.cwd(), CLUSTER_SCRIPT)} env)"; kubectl -n ${NAMESPACE} get deployments,services,networkpolicies`);
  if (node) {
    const front = selectPhase(PLATFORM, target).workloads.some((w) => w.role === 'gateway') ? PLATFORM.platform.gateway.name : PLATFORM.monolith.backend.name;
    log(`Call it:      curl ${hostUrl(env, NAMESPACE, front)}/api/v1/dashboard/summary   (${front}, from this host)`);
  }
  log(`Roll back:    npm run local -- ${node ? '--node ' : ''}--to N   (one phase at a time, data kept)`);
  log(`Stop it:      ${node ? 'npm run node:down; ' : ''}npm run cluster:down      (the next start is empty; the local stack then starts afresh)`);
}

main().catch((error: unknown) => {
  process.stderr.write(`npm run local: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
