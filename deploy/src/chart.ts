/**
 * The Zero to JupyterHub chart we overlay. Its version is pinned here and nowhere else: the rendered
 * install commands, the README's instructions (via `jovial deploy render`) and the tests read it.
 */
export const Z2JH_CHART = {
  name: "jupyterhub",
  repository: "https://hub.jupyter.org/helm-chart/",
  version: "4.4.0",
} as const;

/** The helm release that the rendered install script creates. */
export const RELEASE_NAME = "jovial";
