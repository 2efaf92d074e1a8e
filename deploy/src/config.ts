/**
 * The operator's values file: what differs from one site to the next. Everything else (security
 * settings, the hooks, the chart's wiring) is ours and lives in values-overlay.ts. A `chart:` block
 * may still override any Zero to JupyterHub value; it is merged last.
 */
import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { parse } from "yaml";
import { isMap, mergeValuesFiles, type Values } from "./merge.js";

export type StorageVariant = "csi" | "hostPath";

/** Where a Lustre tree comes from: a CSI volume, or the node's own Lustre mount. */
export interface LustreSource {
  /** Capacity written on the PersistentVolume (informational for static volumes, required by Kubernetes). */
  size: string;
  /** Where it appears in the user's pod; `{username}` is expanded by KubeSpawner. */
  mountPath: string;
  /** hostPath variant: the path of this tree on every node (the Lustre client's mount). */
  hostPath: string;
  /** CSI variant: the driver's name, the volume handle it understands and its attributes. */
  csi: { driver: string; volumeHandle: string; volumeAttributes: Record<string, string> };
}

export interface Profile {
  slug: string;
  displayName: string;
  description: string;
  cpu: { guarantee: number; limit: number };
  memory: { guarantee: string; limit: string };
  default?: boolean;
}

export interface DeployConfig {
  namespace: string;
  host: string;
  ingress: { className: string; tlsSecret: string | null };
  image: { name: string; tag: string };
  ldap: {
    server: string;
    port: number;
    tlsStrategy: "before_bind" | "on_connect" | "insecure";
    bindDnTemplate: string[];
    allowedGroups: string[];
    groupSearchBase: string;
    lookupUser: string | null;
    lookupPassword: string | null;
  };
  admins: string[];
  database: { url: string; password: string };
  storage: { variant: StorageVariant; homes: LustreSource; archive: LustreSource };
  profiles: Profile[];
  culling: { timeoutSeconds: number; everySeconds: number };
  /** Lets user servers reach addresses outside the cluster (package indexes, remote archives). */
  internetAccess: boolean;
}

export interface OperatorValues {
  jovial: DeployConfig;
  /** Raw Zero to JupyterHub values, merged over ours. */
  chart: Values;
}

/** Values the operator may leave out. The ones without a default are listed in REQUIRED. */
export const DEFAULTS = {
  namespace: "jovial",
  ingress: { className: "nginx", tlsSecret: null },
  ldap: { port: 389, tlsStrategy: "before_bind", lookupUser: null, lookupPassword: null },
  admins: [],
  storage: {
    homes: { size: "1Pi", mountPath: "/home/{username}", hostPath: "/lustre/home", csi: { volumeAttributes: {} } },
    archive: { size: "1Pi", mountPath: "/archive", hostPath: "/lustre/archive", csi: { volumeAttributes: {} } },
  },
  profiles: [
    {
      slug: "small",
      displayName: "Small: 1 CPU, 4 GB",
      description: "Notebooks, spectra, small cubes",
      cpu: { guarantee: 0.5, limit: 1 },
      memory: { guarantee: "2G", limit: "4G" },
      default: true,
    },
    {
      slug: "medium",
      displayName: "Medium: 4 CPUs, 16 GB",
      description: "Cubes of a few GB, clump finding",
      cpu: { guarantee: 2, limit: 4 },
      memory: { guarantee: "8G", limit: "16G" },
    },
    { slug: "large", displayName: "Large: 16 CPUs, 64 GB", description: "Whole survey cubes", cpu: { guarantee: 8, limit: 16 }, memory: { guarantee: "32G", limit: "64G" } },
  ],
  culling: { timeoutSeconds: 3600, everySeconds: 300 },
  internetAccess: true,
} as const;

/** Every value an operator must set (deploy/README.md lists the same, with what each is for). */
export const REQUIRED = [
  "host",
  "image.name",
  "image.tag",
  "ldap.server",
  "ldap.bindDnTemplate",
  "ldap.allowedGroups",
  "ldap.groupSearchBase",
  "database.url",
  "database.password",
  "storage.variant",
] as const;

const lustreSchema = {
  type: "object",
  additionalProperties: false,
  required: ["size", "mountPath", "hostPath", "csi"],
  properties: {
    size: { type: "string", pattern: "^[0-9]+(\\.[0-9]+)?([KMGTPE]i?)?$" },
    mountPath: { type: "string", pattern: "^/" },
    hostPath: { type: "string", pattern: "^/" },
    csi: {
      type: "object",
      additionalProperties: false,
      properties: {
        driver: { type: "string", minLength: 1 },
        volumeHandle: { type: "string", minLength: 1 },
        volumeAttributes: { type: "object", additionalProperties: { type: "string" } },
      },
    },
  },
} as const;

/** The JSON schema of DeployConfig after defaults: the operator's mistakes are reported by path. */
export const CONFIG_SCHEMA = {
  type: "object",
  additionalProperties: false,
  required: ["namespace", "host", "ingress", "image", "ldap", "admins", "database", "storage", "profiles", "culling", "internetAccess"],
  properties: {
    namespace: { type: "string", pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" },
    host: { type: "string", minLength: 1 },
    ingress: {
      type: "object",
      additionalProperties: false,
      required: ["className"],
      properties: { className: { type: "string" }, tlsSecret: { type: ["string", "null"] } },
    },
    image: {
      type: "object",
      additionalProperties: false,
      required: ["name", "tag"],
      properties: { name: { type: "string", minLength: 1 }, tag: { type: "string", minLength: 1 } },
    },
    ldap: {
      type: "object",
      additionalProperties: false,
      required: ["server", "port", "tlsStrategy", "bindDnTemplate", "allowedGroups", "groupSearchBase"],
      properties: {
        server: { type: "string", minLength: 1 },
        port: { type: "integer", minimum: 1, maximum: 65535 },
        tlsStrategy: { enum: ["before_bind", "on_connect", "insecure"] },
        bindDnTemplate: { type: "array", minItems: 1, items: { type: "string", pattern: "\\{username\\}" } },
        allowedGroups: { type: "array", minItems: 1, items: { type: "string", minLength: 1 } },
        groupSearchBase: { type: "string", minLength: 1 },
        lookupUser: { type: ["string", "null"] },
        lookupPassword: { type: ["string", "null"] },
      },
    },
    admins: { type: "array", items: { type: "string" } },
    database: {
      type: "object",
      additionalProperties: false,
      required: ["url", "password"],
      properties: { url: { type: "string", pattern: "^postgresql(\\+psycopg2)?://" }, password: { type: "string", minLength: 1 } },
    },
    storage: {
      type: "object",
      additionalProperties: false,
      required: ["variant", "homes", "archive"],
      properties: { variant: { enum: ["csi", "hostPath"] }, homes: lustreSchema, archive: lustreSchema },
    },
    profiles: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["slug", "displayName", "description", "cpu", "memory"],
        properties: {
          slug: { type: "string", pattern: "^[a-z0-9-]+$" },
          displayName: { type: "string" },
          description: { type: "string" },
          default: { type: "boolean" },
          cpu: {
            type: "object",
            additionalProperties: false,
            required: ["guarantee", "limit"],
            properties: { guarantee: { type: "number", exclusiveMinimum: 0 }, limit: { type: "number", exclusiveMinimum: 0 } },
          },
          memory: {
            type: "object",
            additionalProperties: false,
            required: ["guarantee", "limit"],
            properties: { guarantee: { type: "string", pattern: "^[0-9]+[KMGT]i?$" }, limit: { type: "string", pattern: "^[0-9]+[KMGT]i?$" } },
          },
        },
      },
    },
    culling: {
      type: "object",
      additionalProperties: false,
      required: ["timeoutSeconds", "everySeconds"],
      properties: { timeoutSeconds: { type: "integer", minimum: 60 }, everySeconds: { type: "integer", minimum: 10 } },
    },
    internetAccess: { type: "boolean" },
  },
} as const;

export class ConfigError extends Error {
  readonly code = "EJOVIALCONFIG";
}

const validateConfig = new Ajv({ allErrors: true, strict: true }).compile(CONFIG_SCHEMA);

/** Defaults, then the operator's `jovial:` block; checked, including what the schema cannot say. */
export function resolveConfig(operator: Values, source = "values"): OperatorValues {
  const unknown = Object.keys(operator).filter((k) => k !== "jovial" && k !== "chart");
  if (unknown.length) throw new ConfigError(`${source}: unknown top-level key(s) ${unknown.join(", ")}: use jovial: (our settings) and chart: (Zero to JupyterHub values)`);
  const own = operator.jovial ?? {};
  const chart = operator.chart ?? {};
  if (!isMap(own) || !isMap(chart)) throw new ConfigError(`${source}: jovial: and chart: must be maps`);
  const config = mergeValuesFiles(structuredClone(DEFAULTS) as unknown as Values, own);
  const missing = REQUIRED.filter((dotted) => dotted.split(".").reduce<unknown>((v, k) => (isMap(v) ? v[k] : undefined), config) === undefined);
  if (missing.length) throw new ConfigError(`${source}: set ${missing.map((m) => `jovial.${m}`).join(", ")} (deploy/README.md says what each is)`);
  if (!validateConfig(config)) {
    const errors = (validateConfig.errors ?? []).map((e) => `jovial${e.instancePath.replaceAll("/", ".")} ${e.message}`);
    throw new ConfigError(`${source}: ${errors.join("; ")}`);
  }
  const typed = config as unknown as DeployConfig;
  const csiTrees = typed.storage.variant === "csi" ? (["homes", "archive"] as const) : [];
  for (const tree of csiTrees) {
    const csi = typed.storage[tree].csi;
    if (!csi.driver || !csi.volumeHandle) throw new ConfigError(`${source}: the csi variant needs jovial.storage.${tree}.csi.driver and .volumeHandle`);
  }
  const defaults = typed.profiles.filter((p) => p.default).length;
  if (defaults > 1) throw new ConfigError(`${source}: more than one profile has default: true`);
  return { jovial: typed, chart };
}

export function loadOperatorValues(file: string): OperatorValues {
  const parsed: unknown = parse(readFileSync(file, "utf8"));
  if (!isMap(parsed)) throw new ConfigError(`${file}: expected a YAML map with jovial: and chart:`);
  return resolveConfig(parsed, file);
}
