import { CloudNativePgStandIn } from './cloudnative-pg-stand-in';
import { openHostPathVolumes } from './host-path-volumes';
import { MONOLITH_SEED } from './monolith-seed';
import { MongoDbCommunityStandIn } from './mongodb-community-stand-in';
import { imageReference } from './real-node';
import { DataStoreSpec } from '../../phases/model/data-store';

/** How often the stand-ins look for new custom resources and volumes while a step runs. */
const RECONCILE_INTERVAL_MS = 1000;

/**
 * What stands in on the node for the operators that cannot run here (CloudNativePG and the MongoDB operator), and
 * for a storage driver's fsGroup on the control plane's hostpath volumes, reconciled beside every `pulumi up`.
 */
export class NodeStandIns {
  readonly postgres: CloudNativePgStandIn;
  readonly mongo: MongoDbCommunityStandIn;
  private readonly openedVolumes = new Set<string>();

  constructor(namespace: string, private readonly env: NodeJS.ProcessEnv) {
    this.postgres = new CloudNativePgStandIn(namespace, imageReference('postgres'), env);
    this.mongo = new MongoDbCommunityStandIn(namespace, imageReference('ferretdb'), env);
  }

  /** One pass of each; one that fails (until the namespace and the CRDs' objects exist, all do) waits for the next. */
  reconcile(): void {
    for (const pass of [() => openHostPathVolumes(this.env, this.openedVolumes), () => this.postgres.reconcile(), () => this.mongo.reconcile()]) {
      try {
        pass();
      } catch {
        // not yet
      }
    }
  }

  /**
   * Gives the monolith's new database Career Copilot's tables and a sample of users (`MONOLITH_SEED`), as the
   * monolith running today has them, unless it has a users table already; the reference service that stands in for
   * the monolith makes none, and the auth split of phase 1 reads them. As the database's owner role (CloudNativePG's
   * owner is named after the database), so the platform's roles can use them. Returns whether it seeded.
   */
  seedMonolith(database: DataStoreSpec): boolean {
    if (this.postgres.psql(database.name, database.database, "SELECT to_regclass('public.users') IS NOT NULL;")[0] === 't') return false;
    this.postgres.psql(database.name, database.database, `SET ROLE ${database.database};\n${MONOLITH_SEED}`);
    return true;
  }

  /** Runs `work` (a step) with the stand-ins reconciling every second beside it, and once more after it. */
  async during<T>(work: () => Promise<T>): Promise<T> {
    const timer = setInterval(() => this.reconcile(), RECONCILE_INTERVAL_MS);
    try {
      return await work();
    } finally {
      clearInterval(timer);
      this.reconcile();
    }
  }
}
