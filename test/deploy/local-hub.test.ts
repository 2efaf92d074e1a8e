// The hub configuration end to end on this machine: Debian's slapd with a test organisation, Debian's
// jupyterhub 3.0 and configurable-http-proxy, the rendered values applied as Zero to JupyterHub applies
// them, and a spawner that runs each user's server as their LDAP uid, gid and groups. Everything
// listens on 127.0.0.1 and is stopped by PID.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { stringify } from "yaml";
import { writeImage } from "smoothy";
import { chartValues, resolveConfig } from "jovial-deploy";
import { PYTHON, ROOT } from "../helpers/kernel-client.ts";
import { freePort } from "../helpers/notebook-server.ts";

const test = suite("deploy local hub");

/** The part of JupyterHub's REST API user model the test reads. */
interface HubUser {
  servers?: Record<string, { ready?: boolean }>;
}
const HERE = path.join(ROOT, "test", "deploy", "local-hub");
const SUFFIX = "dc=jovial,dc=test";
const USERS = [
  { name: "alice", uid: 10001, password: "alice-pw" },
  { name: "bob", uid: 10002, password: "bob-pw" },
  { name: "carol", uid: 10003, password: "carol-pw" }, // not in the allowed group
];
const ALLOWED = `cn=astro,ou=groups,${SUFFIX}`;

const tmp = mkdtempSync(path.join(os.tmpdir(), "jovial-hub-"));
chmodSync(tmp, 0o755); // the users' servers must traverse it to reach their homes
const processes: ChildProcess[] = [];
const logs: Record<string, string[]> = {};

function start(name: string, command: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  logs[name] ??= [];
  const log = logs[name];
  child.stdout!.on("data", (d) => log.push(String(d)));
  child.stderr!.on("data", (d) => log.push(String(d)));
  processes.push(child);
  return child;
}

async function stop(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill(signal);
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000); // a safety net, not an assertion
  await exited;
  clearTimeout(timer);
}

function tail(name: string): string {
  return (logs[name] ?? []).join("").slice(-4000);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, logName: string, seconds = 60): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${seconds} s\n${tail(logName)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function testUserProcesses(): number[] {
  const uids = new Set(USERS.map((u) => String(u.uid)));
  return readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .filter((pid) => {
      try {
        const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
        return uid !== undefined && uids.has(uid);
      } catch {
        return false; // exited meanwhile
      }
    })
    .map(Number);
}

function ssha(password: string): string {
  const salt = randomBytes(8);
  return "{SSHA}" + Buffer.concat([createHash("sha1").update(password).update(salt).digest(), salt]).toString("base64");
}

function organisation(): string {
  const entries = [
    `dn: ${SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\no: JOVIAL test\ndc: jovial`,
    `dn: ou=people,${SUFFIX}\nobjectClass: organizationalUnit\nou: people`,
    `dn: ou=groups,${SUFFIX}\nobjectClass: organizationalUnit\nou: groups`,
    ...USERS.map(
      (u) =>
        `dn: uid=${u.name},ou=people,${SUFFIX}\nobjectClass: inetOrgPerson\nobjectClass: posixAccount\nuid: ${u.name}\ncn: ${u.name}\nsn: ${u.name}\nuidNumber: ${u.uid}\ngidNumber: ${u.uid}\nhomeDirectory: /home/${u.name}\nuserPassword: ${ssha(u.password)}`,
    ),
    ...USERS.map((u) => `dn: cn=${u.name},ou=groups,${SUFFIX}\nobjectClass: posixGroup\ncn: ${u.name}\ngidNumber: ${u.uid}\nmemberUid: ${u.name}`),
    `dn: ${ALLOWED}\nobjectClass: posixGroup\ncn: astro\ngidNumber: 20000\nmemberUid: alice\nmemberUid: bob`,
    `dn: cn=survey,ou=groups,${SUFFIX}\nobjectClass: posixGroup\ncn: survey\ngidNumber: 20001\nmemberUid: alice`,
  ];
  return entries.join("\n\n") + "\n";
}

async function startSlapd(port: number): Promise<void> {
  const dir = path.join(tmp, "slapd");
  mkdirSync(path.join(dir, "db"), { recursive: true });
  const conf = path.join(dir, "slapd.conf");
  writeFileSync(
    conf,
    `include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile ${dir}/slapd.pid
database mdb
maxsize 10485760
suffix "${SUFFIX}"
rootdn "cn=admin,${SUFFIX}"
directory ${dir}/db
access to attrs=userPassword by anonymous auth by self read by * none
access to * by * read
`,
  );
  writeFileSync(path.join(dir, "org.ldif"), organisation());
  const add = spawnSync("/usr/sbin/slapadd", ["-f", conf, "-l", path.join(dir, "org.ldif")], { encoding: "utf8" });
  assert.is(add.status, 0, add.stderr);
  // -d keeps slapd in the foreground, so it is our child and is stopped by its PID.
  start("slapd", "/usr/sbin/slapd", ["-f", conf, "-h", `ldap://127.0.0.1:${port}/`, "-d", "stats"]);
  await until(
    "slapd",
    async () => (spawnSync("/usr/bin/ldapsearch", ["-x", "-H", `ldap://127.0.0.1:${port}/`, "-b", SUFFIX, "-s", "base"]).status === 0 ? true : undefined),
    "slapd",
  );
}

/** A tiny browser: cookies kept per name, redirects followed by hand (fetch would drop the cookies). */
class Browser {
  readonly cookies = new Map<string, string>();
  constructor(readonly base: string) {}
  async request(url: string, init: RequestInit = {}, follow = true): Promise<Response> {
    for (let hops = 0; ; hops++) {
      const response = await fetch(new URL(url, this.base), {
        ...init,
        redirect: "manual",
        headers: { ...(init.headers as Record<string, string>), cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ") },
      });
      for (const cookie of response.headers.getSetCookie()) {
        const [pair] = cookie.split(";");
        const at = pair.indexOf("=");
        const value = pair.slice(at + 1);
        if (value === '""' || value === "") this.cookies.delete(pair.slice(0, at));
        else this.cookies.set(pair.slice(0, at), value);
      }
      const location = response.headers.get("location");
      if (!follow || !location || response.status < 300 || response.status >= 400 || hops > 20) return response;
      url = new URL(location, new URL(url, this.base)).href;
      init = {};
    }
  }
  login(username: string, password: string): Promise<Response> {
    return this.request(
      "/hub/login",
      { method: "POST", body: new URLSearchParams({ username, password }), headers: { "content-type": "application/x-www-form-urlencoded" } },
      false,
    );
  }
}

/** Async, so that this process keeps draining the servers' log pipes while the cell runs (a full pipe would block them). */
function kernelWs(...args: string[]): Promise<any> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [path.join(HERE, "kernel_ws.py"), ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`kernel_ws.py ${args[0]}: ${err}\n${tail("hub")}`))));
  });
}

test("LDAP login, a server as the user's uid, our kernel, Lustre-like permissions, a hub restart", async () => {
  const [ldapPort, proxyPort, proxyApiPort, hubPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  await startSlapd(ldapPort);

  // The image's recipe, into the prefix the users' servers read their Jupyter settings from.
  const prefix = path.join(tmp, "jupyter-prefix");
  const install = spawnSync("bash", [path.join(ROOT, "deploy", "image", "install.sh"), "--source", ROOT, "--sys-prefix", prefix, "--only-kernel", "--skip-build"], {
    encoding: "utf8",
  });
  assert.is(install.status, 0, install.stderr);

  // Lustre stand-ins: homes owned by their users, mode 0700; the archive owned by root, read-only to users.
  const homes = path.join(tmp, "homes");
  mkdirSync(homes, { mode: 0o755 });
  for (const u of USERS) {
    mkdirSync(path.join(homes, u.name), { mode: 0o700 });
    chownSync(path.join(homes, u.name), u.uid, u.uid);
  }
  const archive = path.join(tmp, "archive");
  mkdirSync(archive, { mode: 0o755 });
  await writeImage(path.join(archive, "field.fits"), { data: new Float32Array([1, 2, 3, 4, 5, 6]), shape: [3, 2] }, { header: [{ keyword: "OBJECT", value: "M17", comment: "" }] });
  chmodSync(path.join(archive, "field.fits"), 0o644);

  // The same renderer as the cluster's, from a values file pointing at this machine.
  const values = chartValues(
    resolveConfig(
      {
        jovial: {
          host: "127.0.0.1",
          image: { name: "local", tag: "test" },
          ldap: {
            server: "127.0.0.1",
            port: ldapPort,
            tlsStrategy: "insecure",
            bindDnTemplate: [`uid={username},ou=people,${SUFFIX}`],
            allowedGroups: [ALLOWED],
            groupSearchBase: `ou=groups,${SUFFIX}`,
          },
          database: { url: "postgresql://unused-here/jupyterhub", password: "unused" },
          storage: { variant: "hostPath", homes: { mountPath: `${homes}/{username}`, hostPath: homes }, archive: { mountPath: archive, hostPath: archive } },
        },
      },
      "local test values",
    ),
  );
  const state = path.join(tmp, "hub-state");
  mkdirSync(state);
  writeFileSync(path.join(tmp, "values.yaml"), stringify(values));

  const proxyToken = randomBytes(24).toString("hex");
  const adminToken = randomBytes(24).toString("hex");
  start(
    "proxy",
    "/usr/bin/configurable-http-proxy",
    [
      "--ip",
      "127.0.0.1",
      "--port",
      String(proxyPort),
      "--api-ip",
      "127.0.0.1",
      "--api-port",
      String(proxyApiPort),
      "--default-target",
      `http://127.0.0.1:${hubPort}`,
      "--error-target",
      `http://127.0.0.1:${hubPort}/hub/error`,
    ],
    { CONFIGPROXY_AUTH_TOKEN: proxyToken, NODE_PATH: "/usr/share/nodejs" },
  );
  const hubEnv = {
    CONFIGPROXY_AUTH_TOKEN: proxyToken,
    JUPYTERHUB_CRYPT_KEY: randomBytes(32).toString("hex"),
    JOVIAL_E2E_VALUES: path.join(tmp, "values.yaml"),
    JOVIAL_E2E_STATE: state,
    JOVIAL_E2E_PREFIX: prefix,
    JOVIAL_E2E_ADMIN_TOKEN: adminToken,
    JOVIAL_E2E_PROXY_PORT: String(proxyPort),
    JOVIAL_E2E_PROXY_API_PORT: String(proxyApiPort),
    JOVIAL_E2E_HUB_PORT: String(hubPort),
  };
  const startHub = async () => {
    const hub = start("hub", "/usr/bin/jupyterhub", ["-f", path.join(HERE, "jupyterhub_config.py")], hubEnv);
    await until("the hub", async () => ((await fetch(`http://127.0.0.1:${proxyPort}/hub/api/`)).ok ? true : undefined), "hub");
    return hub;
  };
  const admin = (p: string, init: RequestInit = {}) => fetch(`http://127.0.0.1:${proxyPort}/hub/api${p}`, { ...init, headers: { Authorization: `token ${adminToken}` } });
  let hub = await startHub();

  try {
    const base = `http://127.0.0.1:${proxyPort}`;
    // Refused: a wrong password, and a right password outside the allowed group.
    for (const [name, password] of [
      ["alice", "wrong"],
      ["carol", "carol-pw"],
    ]) {
      const browser = new Browser(base);
      const r = await browser.login(name, password);
      assert.not.ok(r.status === 302, `${name}/${password} was let in`);
      assert.not.ok(
        [...browser.cookies.keys()].some((k) => k.startsWith("jupyterhub-session") || k === "jupyterhub-hub-login"),
        `${name} got a session`,
      );
    }

    // alice logs in over HTTP and gets a server.
    const alice = new Browser(base);
    const login = await alice.login("alice", "alice-pw");
    assert.is(login.status, 302, `alice's login: ${login.status}\n${tail("hub")}`);
    await alice.request("/hub/spawn");
    await until(
      "alice's server",
      async () => {
        const user = (await (await admin("/users/alice")).json()) as HubUser;
        return user.servers?.[""]?.ready ? true : undefined;
      },
      "hub",
    );
    const tree = await alice.request("/user/alice/tree");
    assert.is(tree.status, 200, `alice's tree through the hub's OAuth: ${tree.status}`);
    const specs = (await (await alice.request("/user/alice/api/kernelspecs")).json()) as { default: string; kernelspecs: Record<string, unknown> };
    assert.is(specs.default, "jovial", "our kernel is the default");
    assert.equal(Object.keys(specs.kernelspecs), ["jovial"], "and the only one");

    // A token of alice's for the kernel's websocket (the browser's cookie works too; a token is simpler here).
    const token = ((await (await admin("/users/alice/tokens", { method: "POST", body: JSON.stringify({ note: "e2e" }) })).json()) as { token: string }).token;
    const userBase = `${base}/user/alice`;
    const kernel = await kernelWs("start", userBase, token);
    assert.is(kernel.name, "jovial");

    const cell = await kernelWs(
      "execute",
      userBase,
      token,
      kernel.id,
      `
import { open } from "smoothy";
import { writeFileSync, readdirSync } from "node:fs";
const fits = await open(${JSON.stringify(path.join(archive, "field.fits"))});
const hdu = fits.get(0);
const image = await hdu.data();
writeFileSync(process.env.HOME + "/result.txt", \`\${hdu.header.get("OBJECT")} sum=\${Array.from(image.data as ArrayLike<number>).reduce((a, b) => a + b, 0)}\`);
const denied = (f: () => unknown) => { try { f(); return "allowed"; } catch (e: any) { return e.code; } };
console.log(JSON.stringify({
  uid: process.getuid!(), gid: process.getgid!(), groups: process.getgroups!(), home: process.env.HOME, server: process.ppid,
  otherHome: denied(() => readdirSync(${JSON.stringify(path.join(homes, "bob"))})),
  archiveWrite: denied(() => writeFileSync(${JSON.stringify(path.join(archive, "mine.txt"))}, "x")),
}));`,
    );
    assert.is(cell.status, "ok", `${cell.error}\n${tail("hub")}`);
    const seen = JSON.parse(cell.stdout);
    assert.equal([seen.uid, seen.gid], [10001, 10001], "the server runs as alice's LDAP uid and gid");
    assert.ok(seen.groups.includes(20000) && seen.groups.includes(20001), `posixGroups as supplemental groups: ${seen.groups}`);
    assert.not.ok(seen.groups.includes(0), "no root group");
    assert.is(seen.home, path.join(homes, "alice"));
    assert.is(seen.otherHome, "EACCES", "bob's home is closed to alice");
    assert.is(seen.archiveWrite, "EACCES", "the archive is read-only");
    const result = path.join(homes, "alice", "result.txt");
    assert.is(readFileSync(result, "utf8"), "M17 sum=21");
    assert.is(statSync(result).uid, 10001, "written as alice");

    // The hub dies: alice's server keeps answering through the proxy, and her kernel keeps running cells.
    await stop(hub, "SIGKILL");
    const during = await fetch(`${userBase}/api/status`, { headers: { Authorization: `token ${token}` } });
    assert.is(during.status, 200, "the server answers while the hub is down");
    const again = await kernelWs("execute", userBase, token, kernel.id, "1 + 1");
    assert.is(again.result, "2");

    // The hub comes back and takes the running server back instead of losing or killing it.
    hub = await startHub();
    const user = (await (await admin("/users/alice")).json()) as HubUser;
    assert.ok(user.servers?.[""]?.ready, `alice's server after the restart: ${JSON.stringify(user.servers)}`);
    process.kill(seen.server, 0); // still the same process
    const after = await alice.request("/user/alice/api/kernels");
    assert.is(after.status, 200);
    assert.ok(
      ((await after.json()) as Array<{ id: string }>).some((k) => k.id === kernel.id),
      "the kernel from before the restart is still there",
    );

    const stopped = await admin("/users/alice/server", { method: "DELETE" });
    assert.ok(stopped.status === 204 || stopped.status === 202, `stopping alice's server: ${stopped.status}`);
  } finally {
    // With cleanup_servers off (as in the cluster) a hub that stops leaves the users' servers running:
    // they are the test users' processes, found by their LDAP uids (nobody else has them) and ended by PID.
    for (const pid of testUserProcesses()) {
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
    for (const child of processes.reverse()) await stop(child);
  }
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));
test.run();
