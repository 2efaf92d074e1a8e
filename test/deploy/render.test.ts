// The manifests and the values overlay: committed output equals the generator's, every manifest passes
// the Kubernetes schema, the overlay over the chart's own values passes the chart's schema, and the
// hub's Python embedded in it runs.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { parse } from "yaml";
import { PersistentVolume } from "kubernetes-models/v1";
import {
  ConfigError,
  HUB_DIR,
  MANIFEST_GROUPS,
  ValidationError,
  Z2JH_CHART,
  chartValues,
  coalesceWithChartDefaults,
  loadOperatorValues,
  renderFiles,
  resolveConfig,
  validateChartValues,
  validateManifest,
  type Values,
} from "jovial-deploy";
import { redisManifests, workerDeployment } from "../../deploy/src/manifests/pipeline.ts";
import { PYTHON, ROOT } from "../helpers/kernel-client.ts";
import { SHARED, sharedAvailable, sharedTest } from "../helpers/shared.ts";

const test = suite("deploy render");
const CHART_DIR = path.join(SHARED, `z2jh-${Z2JH_CHART.version}`);
const EXAMPLES = { csi: "deploy/values.example.yaml", hostpath: "deploy/values.hostpath.example.yaml" } as const;
const tmp = mkdtempSync(path.join(os.tmpdir(), "jovial-deploy-"));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

function files(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => (statSync(path.join(dir, name)).isDirectory() ? files(path.join(dir, name)).map((f) => `${name}/${f}`) : [name]))
    .sort();
}

for (const [variant, example] of Object.entries(EXAMPLES)) {
  test(`committed deploy/rendered/${variant} is what the generator writes from ${example}`, () => {
    const rendered = renderFiles(loadOperatorValues(path.join(ROOT, example)));
    const committed = path.join(ROOT, "deploy", "rendered", variant);
    assert.equal(files(committed), [...rendered.keys()].sort(), "same files (run `npm run render -w jovial-deploy`)");
    for (const [name, text] of rendered) assert.is(readFileSync(path.join(committed, name), "utf8"), text, `${name} is stale: npm run render -w jovial-deploy`);
  });

  test(`${variant}: every manifest passes kubernetes-models validation`, () => {
    const { jovial } = loadOperatorValues(path.join(ROOT, example));
    const kinds = MANIFEST_GROUPS.flatMap((g) => g.build(jovial)).map((m) => {
      validateManifest(m);
      return m.kind;
    });
    assert.equal(kinds, ["Namespace", "PersistentVolume", "PersistentVolumeClaim", "PersistentVolume", "PersistentVolumeClaim", "Deployment", "Service", "NetworkPolicy"]);
  });

  sharedTest(test, `${variant}: the overlay over the chart's values.yaml passes values.schema.yaml`, () => {
    const merged = validateChartValues(chartValues(loadOperatorValues(path.join(ROOT, example))), CHART_DIR) as any;
    // What helm will hand the chart's templates.
    assert.is(merged.singleuser.uid, undefined, "no fixed uid: the hook sets it per user");
    assert.is(merged.singleuser.fsGid, undefined, "no fsGroup: Kubernetes must not chown Lustre");
    assert.is(merged.singleuser.cloudMetadata.blockWithIptables, false, "no root init container");
    assert.is(merged.hub.db.type, "postgres");
    assert.is(merged.hub.config.JupyterHub.cleanup_servers, false);
    assert.is(merged.cull.enabled, true);
    assert.is(merged.hub.networkPolicy.enabled && merged.singleuser.networkPolicy.enabled && merged.proxy.chp.networkPolicy.enabled, true);
  });
}

test("the storage: homes read-write, archive read-only, never provisioned, never reclaimed", () => {
  const { jovial } = loadOperatorValues(path.join(ROOT, EXAMPLES.hostpath));
  const objects = MANIFEST_GROUPS.flatMap((g) => g.build(jovial)).map((m) => m.toJSON() as any);
  const volumes = objects.filter((o) => o.kind === "PersistentVolume");
  assert.equal(
    volumes.map((v) => [v.metadata.name, v.spec.accessModes[0], v.spec.persistentVolumeReclaimPolicy, v.spec.storageClassName, v.spec.hostPath.type]),
    [
      ["jovial-lustre-homes", "ReadWriteMany", "Retain", "", "Directory"],
      ["jovial-lustre-archive", "ReadOnlyMany", "Retain", "", "Directory"],
    ],
  );
  const csi = MANIFEST_GROUPS.flatMap((g) => g.build(loadOperatorValues(path.join(ROOT, EXAMPLES.csi)).jovial)).map((m) => m.toJSON() as any);
  assert.equal(
    csi.filter((o) => o.kind === "PersistentVolume").map((v) => v.spec.csi.readOnly),
    [false, true],
  );
  const values = chartValues(loadOperatorValues(path.join(ROOT, EXAMPLES.csi))) as any;
  const mounts = values.singleuser.storage.extraVolumeMounts;
  assert.ok(mounts.some((m: any) => m.name === "archive" && m.readOnly === true && m.mountPath === "/archive"));
  assert.is(values.singleuser.storage.static.subPath, "{username}", "each user mounts only their own home");
});

test("the pipeline: Redis reachable only from user servers and workers; a user's workers run as that user, with their Lustre mounts", () => {
  const values = loadOperatorValues(path.join(ROOT, EXAMPLES.csi));
  const [deployment, service, policy] = redisManifests(values.jovial).map((m) => m.toJSON() as Record<string, any>);
  assert.is(deployment.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation, false);
  assert.is(service.spec.ports[0].port, 6379);
  assert.equal(
    policy.spec.ingress[0].from.map((f: { podSelector: { matchLabels: Record<string, string> } }) => f.podSelector.matchLabels),
    [{ component: "singleuser-server" }, { "jovial.io/pipeline": "worker" }],
  );
  const workers = workerDeployment(values.jovial, { user: "alice", uid: 10001, gid: 10001, groups: [20000], queue: "roise", replicas: 6, cpu: "2", memory: "8G" });
  validateManifest(workers);
  const pod = (workers.toJSON() as Record<string, any>).spec.template.spec;
  assert.equal([pod.securityContext.runAsUser, pod.securityContext.runAsGroup, pod.securityContext.supplementalGroups], [10001, 10001, [20000]]);
  assert.equal(pod.containers[0].command.slice(0, 4), ["jovial", "worker", "--queue", "roise"]);
  assert.equal(pod.containers[0].securityContext.capabilities.drop, ["ALL"]);
  assert.equal(
    pod.containers[0].volumeMounts.map((m: { mountPath: string; subPath?: string; readOnly?: boolean }) => [m.mountPath, m.subPath ?? null, m.readOnly ?? false]),
    [
      ["/home/alice", "alice", false],
      [values.jovial.storage.archive.mountPath, null, true],
      ["/tmp", null, false],
    ],
  );
  assert.equal(pod.containers[0].resources.limits, { cpu: "2", memory: "8G" });
  assert.throws(() => workerDeployment(values.jovial, { user: "root", uid: 0, gid: 0, queue: "q" }), /below 1000 are refused/);
  const cli = spawnSync(process.execPath, [path.join(ROOT, "bin", "jovial.js"), "deploy", "workers", "--user", "bob", "--uid", "10002", "--gid", "10002", "--queue", "roise"], {
    encoding: "utf8",
  });
  assert.is(cli.status, 0, cli.stderr);
  assert.is(parse(cli.stdout).spec.template.spec.securityContext.runAsUser, 10002);
});

test("a manifest Kubernetes would reject is rejected", () => {
  const bad = new PersistentVolume({ metadata: { name: "x" }, spec: { accessModes: "ReadWriteMany" as any } });
  assert.throws(
    () => validateManifest(bad),
    (e: unknown) => e instanceof ValidationError && /PersistentVolume\/x: .*accessModes/.test(e.message),
  );
});

sharedTest(test, "a chart value the chart does not know is rejected by its schema", () => {
  const values = resolveConfig({ ...(parse(readFileSync(path.join(ROOT, EXAMPLES.csi), "utf8")) as Values), chart: { hub: { replicas: 2 } } });
  assert.throws(() => validateChartValues(chartValues(values), CHART_DIR), /replicas/);
});

test("the operator is told which value is missing or wrong", () => {
  const example = parse(readFileSync(path.join(ROOT, EXAMPLES.csi), "utf8")) as any;
  delete example.jovial.database;
  assert.throws(
    () => resolveConfig(example),
    (e: unknown) => e instanceof ConfigError && /jovial\.database\.url, jovial\.database\.password/.test(e.message),
  );
  const wrong = parse(readFileSync(path.join(ROOT, EXAMPLES.csi), "utf8")) as any;
  wrong.jovial.storage.variant = "nfs";
  assert.throws(() => resolveConfig(wrong), /jovial\.storage\.variant must be equal to one of the allowed values/);
  const noDriver = parse(readFileSync(path.join(ROOT, EXAMPLES.hostpath), "utf8")) as any;
  noDriver.jovial.storage.variant = "csi";
  assert.throws(() => resolveConfig(noDriver), /csi\.driver and \.volumeHandle/);
});

test("hub.extraConfig carries deploy/hub's files verbatim, and z2jh's way of running them works", () => {
  const values = chartValues(loadOperatorValues(path.join(ROOT, EXAMPLES.csi))) as any;
  const extra: Record<string, string> = values.hub.extraConfig;
  assert.is(extra["jovial-10-ldap-groups"], readFileSync(path.join(HUB_DIR, "jovial_ldap_groups.py"), "utf8"));
  assert.is(extra["jovial-20-user-pod"], readFileSync(path.join(HUB_DIR, "jovial_user_pod.py"), "utf8"));
  // As z2jh's jupyterhub_config.py does: each snippet exec'd in sorted key order in one namespace, with `c`.
  const script = `
import json, sys
from traitlets.config import Config
c = Config()
for key, source in sorted(json.load(sys.stdin).items()):
    exec(source)
print(json.dumps([callable(c.Spawner.auth_state_hook), callable(c.Authenticator.post_auth_hook)]))
`;
  const r = spawnSync(PYTHON, ["-c", script], { input: JSON.stringify(extra), encoding: "utf8" });
  assert.is(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout), [true, true]);
});

test("jovial deploy render writes values, manifests and install.sh, checked against the chart", () => {
  const out = path.join(tmp, "out");
  const args = ["bin/jovial.js", "deploy", "render", "--values", EXAMPLES.hostpath, "--out", out, ...(sharedAvailable("--chart-dir") ? ["--chart-dir", CHART_DIR] : [])];
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8" });
  assert.is(r.status, 0, r.stderr);
  assert.equal(files(out), ["install.sh", "manifests/00-namespace.yaml", "manifests/10-lustre-storage.yaml", "manifests/20-pipeline-redis.yaml", "values.yaml"]);
  assert.match(readFileSync(path.join(out, "install.sh"), "utf8"), `--version ${Z2JH_CHART.version}`);
  const bad = spawnSync(process.execPath, ["bin/jovial.js", "deploy", "render", "--values", path.join(ROOT, "package.json")], { cwd: ROOT, encoding: "utf8" });
  assert.is(bad.status, 1);
  assert.match(bad.stderr, /unknown top-level key/);
});

test("helm's coalescing: a null in the overlay removes the chart's default", () => {
  assert.equal(coalesceWithChartDefaults({ a: { uid: 1000, keep: 1 }, list: [1, 2] }, { a: { uid: null }, list: [3] }), { a: { keep: 1 }, list: [3] });
});

test.run();
