/**
 * The pipeline on the cluster (smoothy's distribute() with { redis }): one Redis for the queues, and
 * `jovial worker` Deployments made per run for the user who submits it. Workers run as that user's
 * uid, gid and groups, with the same Lustre mounts as their notebook (their home read-write, the
 * archive read-only) and the resources asked for, so they read and write exactly what the user may.
 * Redis is reachable only from user servers and workers (a NetworkPolicy).
 */
import { Deployment } from "kubernetes-models/apps/v1";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { Service } from "kubernetes-models/v1";
import type { DeployConfig } from "../config.js";
import { STORAGE_NAMES } from "./storage.js";

/** Pinned here, in one place. */
export const PIPELINE = { redisImage: "redis:7.2.5-bookworm", redisName: "jovial-redis", redisPort: 6379 } as const;
const PIPELINE_LABEL = "jovial.io/pipeline";

const restricted = (uid: number, gid: number, groups: number[] = []) => ({
  runAsNonRoot: true,
  runAsUser: uid,
  runAsGroup: gid,
  supplementalGroups: groups,
  seccompProfile: { type: "RuntimeDefault" as const },
});
const container = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true };

export function redisManifests(config: DeployConfig) {
  const labels = { "app.kubernetes.io/name": PIPELINE.redisName, "app.kubernetes.io/part-of": "jovial" };
  return [
    new Deployment({
      metadata: { name: PIPELINE.redisName, namespace: config.namespace, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        strategy: { type: "Recreate" },
        template: {
          metadata: { labels },
          spec: {
            // The image's redis user; no persistence: a queue is rebuilt by resubmitting (distribute() skips what its results file holds).
            securityContext: restricted(999, 999),
            containers: [
              {
                name: "redis",
                image: PIPELINE.redisImage,
                args: ["--save", "", "--appendonly", "no", "--maxmemory-policy", "noeviction"],
                ports: [{ containerPort: PIPELINE.redisPort, name: "redis" }],
                resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "2", memory: "2Gi" } },
                securityContext: container,
                volumeMounts: [{ name: "data", mountPath: "/data" }],
                readinessProbe: { tcpSocket: { port: PIPELINE.redisPort }, periodSeconds: 5 },
              },
            ],
            volumes: [{ name: "data", emptyDir: {} }],
          },
        },
      },
    }),
    new Service({
      metadata: { name: PIPELINE.redisName, namespace: config.namespace, labels },
      spec: { selector: labels, ports: [{ name: "redis", port: PIPELINE.redisPort, targetPort: PIPELINE.redisPort }] },
    }),
    new NetworkPolicy({
      metadata: { name: PIPELINE.redisName, namespace: config.namespace, labels },
      spec: {
        podSelector: { matchLabels: labels },
        policyTypes: ["Ingress"],
        ingress: [
          {
            ports: [{ port: PIPELINE.redisPort, protocol: "TCP" }],
            from: [{ podSelector: { matchLabels: { component: "singleuser-server" } } }, { podSelector: { matchLabels: { [PIPELINE_LABEL]: "worker" } } }],
          },
        ],
      },
    }),
  ];
}

export interface WorkerSpec {
  user: string;
  uid: number;
  gid: number;
  groups?: number[];
  queue: string;
  replicas?: number;
  cpu?: string;
  memory?: string;
}

/** The Deployment of one user's workers for one queue. */
export function workerDeployment(config: DeployConfig, spec: WorkerSpec): Deployment {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(spec.user)) throw new RangeError(`user ${JSON.stringify(spec.user)}: a DNS label (lower-case letters, digits, '-')`);
  if (!(spec.uid >= 1000 && spec.gid >= 1000)) throw new RangeError(`uid ${spec.uid} / gid ${spec.gid}: user ids below 1000 are refused, as for notebooks`);
  const name = `jovial-worker-${spec.user}-${spec.queue.toLowerCase().replace(/[^a-z0-9-]/g, "-")}`.slice(0, 63).replace(/-+$/, "");
  const labels = { "app.kubernetes.io/name": "jovial-worker", "app.kubernetes.io/part-of": "jovial", [PIPELINE_LABEL]: "worker", "jovial.io/user": spec.user };
  const home = config.storage.homes.mountPath.replace("{username}", spec.user);
  return new Deployment({
    metadata: { name, namespace: config.namespace, labels },
    spec: {
      replicas: spec.replicas ?? 4,
      selector: {
        matchLabels: {
          [PIPELINE_LABEL]: "worker",
          "jovial.io/user": spec.user,
          "jovial.io/queue": spec.queue
            .toLowerCase()
            .replace(/[^a-z0-9-.]/g, "-")
            .slice(0, 63),
        },
      },
      template: {
        metadata: {
          labels: {
            ...labels,
            "jovial.io/queue": spec.queue
              .toLowerCase()
              .replace(/[^a-z0-9-.]/g, "-")
              .slice(0, 63),
          },
        },
        spec: {
          securityContext: restricted(spec.uid, spec.gid, spec.groups),
          automountServiceAccountToken: false,
          // SIGTERM lets the job in hand finish; a worker killed harder has its job taken over after the lock expires.
          terminationGracePeriodSeconds: 600,
          containers: [
            {
              name: "worker",
              image: `${config.image.name}:${config.image.tag}`,
              command: ["jovial", "worker", "--queue", spec.queue, "--redis", `redis://${PIPELINE.redisName}:${PIPELINE.redisPort}`],
              env: [
                { name: "HOME", value: home },
                { name: "USER", value: spec.user },
              ],
              resources: { requests: { cpu: spec.cpu ?? "1", memory: spec.memory ?? "4G" }, limits: { cpu: spec.cpu ?? "1", memory: spec.memory ?? "4G" } },
              securityContext: container,
              volumeMounts: [
                { name: "home", mountPath: home, subPath: spec.user },
                { name: "archive", mountPath: config.storage.archive.mountPath, readOnly: true },
                { name: "tmp", mountPath: "/tmp" },
              ],
            },
          ],
          volumes: [
            { name: "home", persistentVolumeClaim: { claimName: STORAGE_NAMES.homes } },
            { name: "archive", persistentVolumeClaim: { claimName: STORAGE_NAMES.archive, readOnly: true } },
            { name: "tmp", emptyDir: {} },
          ],
        },
      },
    },
  });
}
