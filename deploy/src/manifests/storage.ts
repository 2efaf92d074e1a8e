/**
 * Lustre in the user pods: the homes read-write (each user mounts their own directory through the
 * chart's subPath) and the archive read-only, as static PersistentVolumes bound to claims by name.
 * Static, so nothing is provisioned or deleted (persistentVolumeReclaimPolicy: Retain), and no
 * fsGroup anywhere: Kubernetes never chowns or chmods Lustre; ownership is the directory's.
 */
import { PersistentVolume, PersistentVolumeClaim, type IPersistentVolumeSpec } from "kubernetes-models/v1";
import type { DeployConfig, LustreSource } from "../config.js";

export const STORAGE_NAMES = { homes: "jovial-homes", archive: "jovial-archive" } as const;
/** The emptyDir holding the generated /etc/passwd and /etc/group (deploy/hub/jovial_user_pod.py: ETC_VOLUME). */
export const ETC_VOLUME = "jovial-etc";

type Tree = keyof typeof STORAGE_NAMES;

function source(config: DeployConfig, tree: Tree): Partial<IPersistentVolumeSpec> {
  const lustre: LustreSource = config.storage[tree];
  const readOnly = tree === "archive";
  if (config.storage.variant === "csi") {
    return {
      csi: {
        driver: lustre.csi.driver,
        volumeHandle: lustre.csi.volumeHandle,
        volumeAttributes: lustre.csi.volumeAttributes,
        readOnly,
      },
    };
  }
  // The node's Lustre client mounts the file system; "Directory" refuses to start a pod on a node
  // where it is missing, instead of the kubelet creating an empty root-owned folder there.
  return { hostPath: { path: lustre.hostPath, type: "Directory" } };
}

/** PersistentVolumes are cluster-wide: the namespace in the name keeps two installations apart. */
export function volumeName(config: DeployConfig, tree: Tree): string {
  return `${config.namespace}-lustre-${tree}`;
}

function labels(tree: Tree): Record<string, string> {
  return { "app.kubernetes.io/part-of": "jovial", "jovial.io/lustre": tree };
}

export function lustreVolume(config: DeployConfig, tree: Tree): PersistentVolume {
  const readOnly = tree === "archive";
  return new PersistentVolume({
    metadata: { name: volumeName(config, tree), labels: labels(tree) },
    spec: {
      capacity: { storage: config.storage[tree].size },
      accessModes: [readOnly ? "ReadOnlyMany" : "ReadWriteMany"],
      persistentVolumeReclaimPolicy: "Retain",
      storageClassName: "",
      volumeMode: "Filesystem",
      // Bound to our claim only: no other claim in the cluster can take the homes.
      claimRef: { namespace: config.namespace, name: STORAGE_NAMES[tree] },
      ...source(config, tree),
    },
  });
}

export function lustreClaim(config: DeployConfig, tree: Tree): PersistentVolumeClaim {
  const readOnly = tree === "archive";
  return new PersistentVolumeClaim({
    metadata: { name: STORAGE_NAMES[tree], namespace: config.namespace, labels: labels(tree) },
    spec: {
      accessModes: [readOnly ? "ReadOnlyMany" : "ReadWriteMany"],
      // Empty class: never dynamically provisioned, bound to the volume named here.
      storageClassName: "",
      volumeName: volumeName(config, tree),
      resources: { requests: { storage: config.storage[tree].size } },
    },
  });
}

export function storageManifests(config: DeployConfig) {
  return [lustreVolume(config, "homes"), lustreClaim(config, "homes"), lustreVolume(config, "archive"), lustreClaim(config, "archive")];
}
