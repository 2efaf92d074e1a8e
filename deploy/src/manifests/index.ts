/**
 * Every Kubernetes object we own (the chart owns the rest), in apply order, one group per file.
 * A group is a function of the site's config returning kubernetes-models objects, so TypeScript
 * checks the fields and `.validate()` checks them against the API's schema.
 */
import type { DeployConfig } from "../config.js";
import { namespaceManifest } from "./namespace.js";
import { redisManifests } from "./pipeline.js";
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
  // The pipeline's queue; its workers are made per user and run by `jovial deploy workers`.
  { file: "20-pipeline-redis.yaml", build: redisManifests },
];
