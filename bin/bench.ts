/**
 * `npm run bench [-- --runs N] [--skip-engine]`: synthesis time and peak memory of our model layer against the same
 * objects written with bare cdk8s-plus, for Career Copilot and for generated platforms of 10, 100 and 1,000
 * services. Each measurement runs in a fresh process (peak memory is per process); the median of `--runs` runs is
 * shown. Then the gateway part (bin/bench-gateway.ts: the real NGINX's overhead per request against the upstream
 * directly, at 1, 10 and 50 connections). Then, unless `--skip-engine`, the engine part (bin/bench-engine.ts): `pulumi preview` and `pulumi up`
 * seconds for every step 0 -> 4 -> 0 on the local control plane, next to phase 4 as one ConfigGroup (one run; it
 * brings the control plane up when it does not run, building it the first time).
 */
import { execFileSync } from 'child_process';
import * as path from 'path';
import { parseArgs } from 'util';

interface Measurement {
  seconds: number;
  peakRssMiB: number;
  objects: number;
}

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, 'skip-engine': { type: 'boolean', default: false } } });
const runs = Number(values.runs);
const caseScript = path.join(__dirname, 'bench', 'bench-case.ts');
const tsNode = require.resolve('ts-node/dist/bin.js');

function measure(mode: 'model' | 'bare' | 'full', services: string): Measurement {
  const samples = Array.from({ length: runs }, () => {
    const out = execFileSync(process.execPath, [tsNode, '--transpile-only', caseScript, '--mode', mode, '--services', services], { encoding: 'utf8' });
    return JSON.parse(out.trim().split('\n').pop()!) as Measurement;
  });
  const median = (pick: (m: Measurement) => number) => samples.map(pick).sort((a, b) => a - b)[Math.floor(samples.length / 2)];
  return { seconds: median((m) => m.seconds), peakRssMiB: median((m) => m.peakRssMiB), objects: samples[0].objects };
}

const rows = ['career-copilot', '10', '100', '1000'].map((services) => {
  const model = measure('model', services);
  const bare = measure('bare', services);
  if (model.objects !== bare.objects) throw new Error(`${services}: model built ${model.objects} objects, bare ${bare.objects}`);
  return { services, model, bare, full: measure('full', services) };
});

console.log(`Synthesis of phase 3, median of ${runs} runs, one process per run. "model" and "bare" build the same`);
console.log('workload objects (Deployment, Service, ServiceAccount, ConfigMap, PDB, HPA per workload) through our layers and');
console.log('directly with cdk8s-plus; "full phase" is everything `npm run synth` builds for the phase.\n');
console.log('| platform | objects | model s | bare cdk8s-plus s | time ratio | model peak MiB | bare peak MiB | memory ratio | full phase objects | full phase s | full phase peak MiB |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const { services, model, bare, full } of rows) {
  const name = services === 'career-copilot' ? 'Career Copilot' : `${services} services`;
  console.log(
    `| ${name} | ${model.objects} | ${model.seconds.toFixed(3)} | ${bare.seconds.toFixed(3)} | ${(model.seconds / bare.seconds).toFixed(2)}x | ` +
      `${model.peakRssMiB.toFixed(0)} | ${bare.peakRssMiB.toFixed(0)} | ${(model.peakRssMiB / bare.peakRssMiB).toFixed(2)}x | ` +
      `${full.objects} | ${full.seconds.toFixed(3)} | ${full.peakRssMiB.toFixed(0)} |`,
  );
}

console.log('');
execFileSync(process.execPath, [tsNode, '--transpile-only', path.join(__dirname, 'bench-gateway.ts')], { stdio: 'inherit' });

if (!values['skip-engine']) {
  console.log('');
  execFileSync(process.execPath, [tsNode, '--transpile-only', path.join(__dirname, 'bench-engine.ts')], { stdio: 'inherit' });
}
