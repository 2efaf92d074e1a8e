/**
 * The service's namespace, with Pod Security Admission labels. User pods meet the "restricted"
 * profile (the hook's security context; Lustre reaches them through claims, which PSA accepts even
 * when the volume behind is a hostPath). "baseline" is enforced so that no pod of the namespace can
 * be privileged or mount a node's path directly; "restricted" is warned and audited, because we have
 * not seen every pod of the chart (image pullers, hooks) admitted under it on a live cluster.
 */
import { Namespace } from "kubernetes-models/v1";
import type { DeployConfig } from "../config.js";

export function namespaceManifest(config: DeployConfig): Namespace {
  return new Namespace({
    metadata: {
      name: config.namespace,
      labels: {
        "app.kubernetes.io/part-of": "jovial",
        "pod-security.kubernetes.io/enforce": "baseline",
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/audit": "restricted",
      },
    },
  });
}
