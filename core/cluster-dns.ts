/** The cluster's DNS domain; every in-cluster address the platform hands out is under it. */
export const CLUSTER_DOMAIN = 'cluster.local';

/** `user-service` in `career-copilot` -> `user-service.career-copilot.svc.cluster.local`. */
export function clusterHost(service: string, namespace: string): string {
  return `${service}.${namespace}.svc.${CLUSTER_DOMAIN}`;
}

/** The in-cluster HTTP URL of a workload's Service (port 80, as every `Microservice` serves). */
export function serviceUrl(service: string, namespace: string): string {
  return `http://${clusterHost(service, namespace)}`;
}
