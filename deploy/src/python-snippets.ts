/**
 * The hub's Python, from the real files under deploy/hub/ into `hub.extraConfig`, so the chart runs
 * exactly what the unit tests import. Zero to JupyterHub execs each snippet in its
 * jupyterhub_config.py, in the order of their keys, in one namespace: the last snippet can call the
 * functions the module snippets defined.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { DeployConfig } from "./config.js";

export const HUB_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "hub");

export const HUB_MODULES = ["jovial_ldap_groups", "jovial_user_pod"] as const;

export function hubModuleSource(name: (typeof HUB_MODULES)[number]): string {
  return readFileSync(path.join(HUB_DIR, `${name}.py`), "utf8");
}

/** A Python literal for a JSON value (through json.loads, so true/false/null need no translation). */
function py(value: unknown): string {
  return `json.loads(${JSON.stringify(JSON.stringify(value))})`;
}

/** The snippet that wires the modules into JupyterHub with this site's values. */
export function hubWiring(config: DeployConfig): string {
  return [
    "# Written by `jovial deploy render` (deploy/src/python-snippets.ts).",
    "import json",
    "",
    "# The pod runs as the user's LDAP uid/gid with their posixGroups; see jovial_user_pod.",
    `c.Authenticator.post_auth_hook = make_posix_groups_post_auth_hook(${py(config.ldap.groupSearchBase)})`,
    `c.Spawner.auth_state_hook = make_auth_state_hook(${py(config.storage.homes.mountPath)})`,
    "",
  ].join("\n");
}

export function hubExtraConfig(config: DeployConfig): Record<string, string> {
  const snippets: Record<string, string> = {};
  HUB_MODULES.forEach((name, i) => (snippets[`jovial-${i + 1}0-${name.replace(/^jovial_/, "").replaceAll("_", "-")}`] = hubModuleSource(name)));
  snippets["jovial-90-wiring"] = hubWiring(config);
  return snippets;
}
