import { DEFAULT_METRICS_EXPORTER_IMAGE } from './api-gateway';
import { DEFAULT_SMOKE_TEST_IMAGE } from './progressive-release';
import { DEFAULT_PSQL_IMAGE } from './psql-job';
import { DEFAULT_REDIS_IMAGE } from './redis-store';

/**
 * The images a phase runs beside the model's workloads, named by the program they carry: the constructs' pinned
 * defaults, which an environment may replace (a digest for production, a private registry's mirror). A name is
 * what the stack config's `images` key takes for it, beside the workloads' names.
 */
export const SUPPORT_IMAGES = {
  psql: { image: DEFAULT_PSQL_IMAGE, description: 'the PostgreSQL client of the schema, data and role Jobs' },
  mtail: { image: DEFAULT_METRICS_EXPORTER_IMAGE, description: "the API gateway's metrics exporter" },
  curl: { image: DEFAULT_SMOKE_TEST_IMAGE, description: 'the blue-green smoke test' },
  redis: { image: DEFAULT_REDIS_IMAGE, description: 'the in-cluster Redis stores' },
} as const;

/** The name of a support image (`psql`, `mtail`, `curl`, `redis`). */
export type SupportImage = keyof typeof SUPPORT_IMAGES;

/** Every support image name, in the table's order. */
export const SUPPORT_IMAGE_NAMES = Object.keys(SUPPORT_IMAGES) as SupportImage[];

/** Whether `name` is a support image's name. */
export function isSupportImage(name: string): name is SupportImage {
  return (SUPPORT_IMAGE_NAMES as string[]).includes(name);
}

/** The image each support image runs: `overrides` where given, the construct's default elsewhere. */
export function supportImageReferences(overrides: Readonly<Partial<Record<SupportImage, string>>> = {}): Record<SupportImage, string> {
  return Object.fromEntries(SUPPORT_IMAGE_NAMES.map((name) => [name, overrides[name] ?? SUPPORT_IMAGES[name].image])) as Record<SupportImage, string>;
}
