/**
 * Every Kubernetes object we own (the chart owns the rest), in apply order, one group per file.
 * A group is a function of the site's config returning kubernetes-models objects, so TypeScript
 * checks the fields and `.validate()` checks them against the API's schema.
 */
import type { DeployConfig } from "../config.js";
import { namespaceManifest } from "./namespace.js";
import { storageManifests } from "./storage.js";

/** What every kubernetes-models object offers. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; namespace?: string };
  validate(): void;
  toJSON(): unknown;
}

export interface ManifestGroup {
  /** File name under manifests/ (sorted names are the apply order). */
  file: string;
  build(config: DeployConfig): Manifest[];
}

export const MANIFEST_GROUPS: ManifestGroup[] = [
  { file: "00-namespace.yaml", build: (c) => [namespaceManifest(c)] },
  { file: "10-lustre-storage.yaml", build: storageManifests },
  // 20-pipeline-workers.yaml: the BullMQ/Redis pipeline's Deployments, Services and their
  // NetworkPolicies (a later issue) go here, as manifests/workers.ts.
];
