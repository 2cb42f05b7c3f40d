/**
 * `npm run plan -- --from N --to M [--stack S] [--allow-skip]`: prints the Markdown review of a promotion or
 * rollback, built offline from the model (no cluster, no Pulumi engine), sized for a pull-request comment.
 * `--stack S` builds it for the environment of Pulumi.S.yaml (replicas, Kafka brokers, flags, target).
 *
 * `npm run plan -- --preview-json FILE`: summarises the output of `pulumi preview --json` the same way,
 * flagging every replacement and every deletion of a protected or data-bearing resource.
 *
 * Exit codes: 0 the review was printed; 1 bad arguments or input (the message names the option).
 */
import * as fs from 'fs';
import { parseArgs } from 'util';
import { ValidationError } from '../core/validation-error';
import { careerCopilot } from '../phases/career-copilot';
import { parsePhase } from '../phases/phase-step';
import { planTransition } from '../review/phase-transition';
import { renderPlanReport } from '../review/plan-report';
import { parsePreview, renderPreviewSummary, summarisePreview } from '../review/preview-summary';
import { promotionPlan } from '../review/promotion-plan';
import { readStackEnvironment } from '../review/stack-environment';

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

const USAGE = 'usage: npm run plan -- --from N --to M [--stack S] [--allow-skip] | --preview-json FILE';

function main(): void {
  const { values } = parseArgs({
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      stack: { type: 'string' },
      'allow-skip': { type: 'boolean', default: false },
      'preview-json': { type: 'string' },
    },
  });
  const previewFile = values['preview-json'];
  if (previewFile !== undefined) {
    if (!fs.existsSync(previewFile)) throw new ValidationError('--preview-json', `${JSON.stringify(previewFile)} does not exist; save \`pulumi preview --json\` to a file first`);
    process.stdout.write(renderPreviewSummary(summarisePreview(parsePreview(fs.readFileSync(previewFile, 'utf8'), previewFile))));
    return;
  }
  if (values.from === undefined || values.to === undefined) throw new ValidationError(values.from === undefined ? '--from' : '--to', `is required; ${USAGE}`);
  const from = parsePhase('--from', values.from);
  const to = parsePhase('--to', values.to);
  const stack = values.stack === undefined ? undefined : readStackEnvironment(values.stack);
  const transition = planTransition(from, to, {
    model: careerCopilot(),
    allowSkip: values['allow-skip'],
    ...(stack ? { environment: stack.environment, selection: stack.selection } : {}),
  });
  const environment = stack
    ? `stack \`${stack.stack}\` (target ${stack.config.target}, ${plural(stack.config.replicas, 'replica')} at rest, ${plural(stack.config.kafkaBrokers, 'Kafka broker')})`
    : undefined;
  process.stdout.write(renderPlanReport(promotionPlan(transition), { environment }));
}

try {
  main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
