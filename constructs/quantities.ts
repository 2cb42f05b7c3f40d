import { Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import { ValidationError } from '../core/validation-error';

/** `250m` -> 250 millicores; `1` or `1.5` -> cores. */
export function parseCpu(field: string, quantity: string): Cpu {
  const millis = /^([0-9]+)m$/.exec(quantity);
  if (millis) return Cpu.millis(Number(millis[1]));
  if (/^[0-9]+(\.[0-9]+)?$/.test(quantity)) return Cpu.millis(Math.round(Number(quantity) * 1000));
  throw new ValidationError(field, `${JSON.stringify(quantity)} is not a CPU quantity such as 250m or 1`);
}

/** Millicores of a CPU quantity, for sums and comparisons. */
export function cpuMillis(field: string, quantity: string): number {
  return Number(parseCpu(field, quantity).amount.replace(/m$/, ''));
}

const MEMORY_UNITS: Record<string, number> = { Mi: 1, Gi: 1024 };

/** Mebibytes of a memory quantity (`512Mi`, `1Gi`). */
export function memoryMebibytes(field: string, quantity: string): number {
  const match = /^([0-9]+)(Mi|Gi)$/.exec(quantity);
  if (!match) throw new ValidationError(field, `${JSON.stringify(quantity)} is not a memory quantity such as 256Mi or 1Gi (units: Mi, Gi)`);
  return Number(match[1]) * MEMORY_UNITS[match[2]];
}

export function parseMemory(field: string, quantity: string): Size {
  return Size.mebibytes(memoryMebibytes(field, quantity));
}
