import { createHash } from 'crypto';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ResourceRequirements } from '../phases/model/workload';
import { notOneOf, showValue, ValidationError } from '../core/validation-error';
import { componentLabels, OUT_OF_MESH_LABELS } from './labels';
import { SecretEnvRef } from './microservice';
import { checkDnsLabel, checkEnvName, checkInteger, checkPinnedImage } from './prop-checks';
import { checkResources, kubeResources, PodIdentity, restrictedContainerSecurityContext, restrictedPodSecurityContext } from './restricted-pod';

/** Props of `PsqlJob`. */
export interface PsqlJobProps {
  /** Name of the Job; its ConfigMap is `<name>-sql`. */
  readonly name: string;
  /** The `app.kubernetes.io/part-of` label. */
  readonly partOf: string;
  /** Files mounted read-only under `/sql` (SQL scripts and the shell script that runs them), by file name. */
  readonly files: Record<string, string>;
  /** The file of `files` that the container runs with `sh`. */
  readonly entrypoint: string;
  /**
   * Connection settings that come from Secrets (host, user, database), as references to Secret keys; never a
   * password or a URI that carries one (those go in `passwords`).
   */
  readonly secretEnv: readonly SecretEnvRef[];
  /**
   * The passwords psql needs, one per connection: each Secret key is mounted as a file and the Job's first step
   * writes them into libpq's password file (`PGPASSFILE`), so that no password is in an argument or the environment.
   * @default [] (connections without a password)
   */
  readonly passwords?: readonly PsqlPassword[];
  /** Settings that are not secret (e.g. `PGHOST`), as environment variables. @default {} */
  readonly env?: Record<string, string>;
  /** Pinned PostgreSQL client image (psql 15 or later, for `\getenv`). @default DEFAULT_PSQL_IMAGE */
  readonly image?: string;
  /** @default requests 50m CPU / 64Mi, limits 500m CPU / 256Mi */
  readonly resources?: ResourceRequirements;
  /** Retries of a failed pod; every script is idempotent, so a retry is safe. @default 2 */
  readonly backoffLimit?: number;
  /** The Job fails after this long, retries included; Pulumi waits 10 minutes for a Job by default. @default 600 */
  readonly activeDeadlineSeconds?: number;
  /** The `app.kubernetes.io/component` label. @default 'database-migration' */
  readonly component?: string;
}

/**
 * One password in psql's password file: the Secret key that holds it, and the environment variables of the
 * container (from `env` or `secretEnv`) that name the connection it is for, as the pgpass line
 * `host:port:database:user:password` that libpq matches a connection against.
 */
export interface PsqlPassword {
  /** A DNS label: the Secret key is mounted at `/secrets/<name>/password`, where scripts may read it too. */
  readonly name: string;
  /** The Secret that holds the password. */
  readonly secretName: string;
  /** The key of `secretName` that holds the password. @default 'password' */
  readonly key?: string;
  /** Variable with the host psql connects to (as given to it: libpq matches the name, not the address). */
  readonly hostEnv: string;
  /** Variable with the port. */
  readonly portEnv: string;
  /** Variable with the database. */
  readonly databaseEnv: string;
  /** Variable with the user. */
  readonly userEnv: string;
}

/** Secret keys that hold a password, or a URI or password file with one (CloudNativePG's `<cluster>-app` keys). */
const PASSWORD_KEYS = ['password', 'uri', 'jdbc-uri', 'pgpass'];
/** Where the password Secrets are mounted, and the password file the first step writes (in the /tmp emptyDir). */
export const PASSWORDS_PATH = '/secrets';
export const PGPASS_FILE = '/tmp/pgpass';
/** The first step of every psql Job's container: it writes the password file, runs the Job's script and removes the file. */
export const PASSWORD_FILE_SCRIPT = 'psql-passwords.sh';

/**
 * How long the first step waits for each server to accept connections (pg_isready every 2 s), within the Job's
 * default activeDeadlineSeconds (600).
 */
const SERVER_WAIT_SECONDS = 300;

/**
 * The script that writes psql's password file from the mounted Secret keys, waits until every server accepts
 * connections, then runs the Job's script (its first argument) and removes the file. A password goes from its file
 * through a pipe (head, sed) to the shell's own printf, a builtin: it is never a program's argument, so never in the
 * process list. The file is the user's own, mode 0600, as libpq requires (it ignores a password file that others may
 * read). pgpass escapes ":" and "\\".
 */
export function passwordFileScript(passwords: readonly PsqlPassword[]): string {
  const lines = passwords.map((p) => `pgpass_line "$${p.hostEnv}" "$${p.portEnv}" "$${p.databaseEnv}" "$${p.userEnv}" ${PASSWORDS_PATH}/${p.name}/password`);
  // One wait per server: a database created in the same step (CloudNativePG bootstraps for a minute or more) must
  // not use up the Job's retries before it accepts connections.
  const servers = [...new Map(passwords.map((p) => [`${p.hostEnv}:${p.portEnv}`, p])).values()];
  const waits = servers.map((p) => `wait_ready "$${p.hostEnv}" "$${p.portEnv}" "$${p.databaseEnv}" "$${p.userEnv}"`);
  return `# Written by PsqlJob: libpq's password file (PGPASSFILE) from the Secrets mounted under ${PASSWORDS_PATH}, so that
# no password is ever in an argument or the environment; then the Job's script; then the file is removed.
set -eu
umask 077
escape() { sed -e 's/[\\\\:]/\\\\&/g'; }
pgpass_line() {
  [ -s "$5" ] || { echo "psql job: no password in $5" >&2; exit 1; }
  printf '%s:%s:%s:%s:%s\\n' "$(printf '%s' "$1" | escape)" "$(printf '%s' "$2" | escape)" "$(printf '%s' "$3" | escape)" "$(printf '%s' "$4" | escape)" "$(head -n 1 "$5" | escape)"
}
wait_ready() {
  tries=0
  until pg_isready -q -h "$1" -p "$2" -d "$3" -U "$4"; do
    tries=$((tries + 1))
    [ "$tries" -lt ${SERVER_WAIT_SECONDS / 2} ] || { echo "psql job: $1:$2 accepted no connection in ${SERVER_WAIT_SECONDS} s" >&2; exit 1; }
    [ "$tries" -gt 1 ] || echo "psql job: waiting for $1:$2 to accept connections" >&2
    sleep 2
  done
}
trap 'rm -f "$PGPASSFILE"' EXIT
: > "$PGPASSFILE"
${lines.map((line) => `${line} >> "$PGPASSFILE"
`).join('')}${waits.map((line) => `${line}
`).join('')}sh "$1"
`;
}

/** The PostgreSQL client the Jobs run by default: the official image's psql 16. */
export const DEFAULT_PSQL_IMAGE = 'postgres:16.4-alpine';

const DEFAULT_RESOURCES: ResourceRequirements = {
  requests: { cpu: '50m', memory: '64Mi' },
  limits: { cpu: '500m', memory: '256Mi' },
};

/**
 * psql needs no account of its own (HOME is /tmp, the user comes from libpq's variables), so the Job runs as a
 * high UID that no host account has, rather than the image's `postgres` (70), which may exist on a node.
 */
const PSQL_IDENTITY: PodIdentity = { user: 10001, group: 10001 };

const MOUNT_PATH = '/sql';
/** `<name>-sql` must stay a DNS-1123 label. */
const MAX_NAME_LENGTH = 63 - '-sql'.length;
const FILE_NAME = /^[a-z0-9][a-z0-9._-]*$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

/**
 * A Kubernetes Job that runs psql scripts from a ConfigMap against PostgreSQL, under the restricted Pod Security
 * Standard, with every connection setting read from Secret references and every password from libpq's password
 * file, which the container writes at start from the Secret keys mounted as files (`passwordFileScript`).
 *
 * How it behaves under Pulumi: Pulumi waits for the Job to complete and then keeps it; an unchanged Job is left
 * alone on the next `pulumi up`, so the scripts do not run again needlessly. `ttlSecondsAfterFinished` is
 * deliberately not set: Kubernetes would delete the finished Job, a refresh would drop it from Pulumi's state and
 * the following update would create it, running the scripts again.
 * The pod template carries a checksum of the files, so changed scripts (or image) change the template, which a
 * Job cannot update in place: Pulumi replaces the Job (deleting it first, its name being fixed) and the new
 * scripts run. A Job that failed is replaced on the next update too (`pulumi.com/replaceUnready`). Every script
 * must therefore be idempotent.
 */
export class PsqlJob extends Construct {
  public readonly name: string;
  public readonly configMapName: string;
  public readonly job: kplus.k8s.KubeJob;

  constructor(scope: Construct, id: string, props: PsqlJobProps) {
    super(scope, id);
    const image = props.image ?? DEFAULT_PSQL_IMAGE;
    const resources = props.resources ?? DEFAULT_RESOURCES;
    const backoffLimit = props.backoffLimit ?? 2;
    const activeDeadlineSeconds = props.activeDeadlineSeconds ?? 600;
    const env = props.env ?? {};
    const passwords = props.passwords ?? [];
    checkDnsLabel('name', props.name);
    if (props.name.length > MAX_NAME_LENGTH) {
      throw new ValidationError('name', `${showValue(props.name)} is longer than ${MAX_NAME_LENGTH} characters, so "<name>-sql" would not be a DNS-1123 label`);
    }
    Object.keys(props.files).forEach((file) => {
      if (!FILE_NAME.test(file)) throw new ValidationError(`files[${JSON.stringify(file)}]`, `${showValue(file)} is not a plain file name (lower-case letters, digits, ., _, -)`);
    });
    if (!(props.entrypoint in props.files)) {
      throw new ValidationError('entrypoint', `${showValue(props.entrypoint)} is not one of the files: ${Object.keys(props.files).join(', ')}`);
    }
    Object.keys(env).forEach((name) => checkEnvName(`env.${name}`, name));
    props.secretEnv.forEach((ref, i) => {
      checkEnvName(`secretEnv[${i}].env`, ref.env);
      checkDnsLabel(`secretEnv[${i}].secretName`, ref.secretName);
      if (ref.env in env) throw new ValidationError(`secretEnv[${i}].env`, `${ref.env} is also set in env; a variable comes from one place`);
      if (PASSWORD_KEYS.includes(ref.key)) {
        throw new ValidationError(`secretEnv[${i}].key`, `${showValue(ref.key)} of ${ref.secretName} holds a password: give it in passwords, which psql reads from a file, never from the environment`);
      }
    });
    if (PASSWORD_FILE_SCRIPT in props.files) throw new ValidationError(`files[${JSON.stringify(PASSWORD_FILE_SCRIPT)}]`, 'is the name of the Job\'s own first step; give the file another name');
    const variables = [...Object.keys(env), ...props.secretEnv.map((ref) => ref.env)];
    passwords.forEach((password, i) => {
      const at = `passwords[${i}]`;
      checkDnsLabel(`${at}.name`, password.name);
      const first = passwords.findIndex((p) => p.name === password.name);
      if (first !== i) throw new ValidationError(`${at}.name`, `${showValue(password.name)} is also passwords[${first}].name; each password has its own folder`);
      checkDnsLabel(`${at}.secretName`, password.secretName);
      if (password.key !== undefined && !SECRET_KEY.test(password.key)) throw new ValidationError(`${at}.key`, `${showValue(password.key)} is not a Secret key (letters, digits, -, _ and .)`);
      for (const field of ['hostEnv', 'portEnv', 'databaseEnv', 'userEnv'] as const) {
        if (!variables.includes(password[field])) throw new ValidationError(`${at}.${field}`, `${notOneOf(password[field], variables)}: the pgpass line is built from the container's own variables`);
      }
    });
    checkPinnedImage('image', image);
    checkResources('resources', resources);
    checkInteger('backoffLimit', backoffLimit, 0, 10);
    checkInteger('activeDeadlineSeconds', activeDeadlineSeconds, 30);

    this.name = props.name;
    this.configMapName = `${props.name}-sql`;
    const labels = componentLabels(props.name, props.component ?? 'database-migration', props.partOf);
    const files = Object.fromEntries(
      Object.entries({ ...props.files, [PASSWORD_FILE_SCRIPT]: passwordFileScript(passwords) }).sort(([a], [b]) => a.localeCompare(b)),
    );
    const checksum = createHash('sha256').update(JSON.stringify({ files, image })).digest('hex');

    new kplus.k8s.KubeConfigMap(this, 'ConfigMap', { metadata: { name: this.configMapName, labels }, data: files });

    this.job = new kplus.k8s.KubeJob(this, 'Job', {
      metadata: { name: props.name, labels, annotations: { 'pulumi.com/replaceUnready': 'true' } },
      spec: {
        backoffLimit,
        activeDeadlineSeconds,
        template: {
          metadata: {
            // A mesh sidecar would keep the pod running after psql exits, and the Job would never complete.
            labels: { ...labels, ...OUT_OF_MESH_LABELS },
            annotations: { 'checksum/files': checksum },
          },
          spec: {
            restartPolicy: 'Never',
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext(PSQL_IDENTITY),
            containers: [
              {
                name: 'psql',
                image,
                imagePullPolicy: 'IfNotPresent',
                command: ['sh', `${MOUNT_PATH}/${PASSWORD_FILE_SCRIPT}`, `${MOUNT_PATH}/${props.entrypoint}`],
                env: [
                  // The root filesystem is read-only: scratch files go to /tmp.
                  { name: 'HOME', value: '/tmp' },
                  { name: 'PGAPPNAME', value: props.name },
                  { name: 'PGCONNECT_TIMEOUT', value: '10' },
                  { name: 'PGPASSFILE', value: PGPASS_FILE },
                  ...Object.entries(env).map(([name, value]) => ({ name, value })),
                  ...props.secretEnv.map((ref) => ({ name: ref.env, valueFrom: { secretKeyRef: { name: ref.secretName, key: ref.key } } })),
                ],
                volumeMounts: [
                  { name: 'sql', mountPath: MOUNT_PATH, readOnly: true },
                  { name: 'tmp', mountPath: '/tmp' },
                  ...passwords.map((p, i) => ({ name: `password-${i}`, mountPath: `${PASSWORDS_PATH}/${p.name}`, readOnly: true })),
                ],
                resources: kubeResources(resources),
                securityContext: restrictedContainerSecurityContext(PSQL_IDENTITY),
              },
            ],
            volumes: [
              { name: 'sql', configMap: { name: this.configMapName } },
              // Room for a table exported to a file between two databases.
              { name: 'tmp', emptyDir: { sizeLimit: kplus.k8s.Quantity.fromString('512Mi') } },
              // Only the password key, readable by the Job's group (fsGroup) only.
              ...passwords.map((p, i) => ({ name: `password-${i}`, secret: { secretName: p.secretName, items: [{ key: p.key ?? 'password', path: 'password' }], defaultMode: 0o440 } })),
            ],
          },
        },
      },
    });
  }
}
