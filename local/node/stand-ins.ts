import { CloudNativePgStandIn } from './cloudnative-pg-stand-in';
import { openHostPathVolumes } from './host-path-volumes';
import { MongoDbCommunityStandIn } from './mongodb-community-stand-in';
import { imageReference } from './real-node';

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
