"""The local end-to-end hub: the rendered values.yaml applied as Zero to JupyterHub's own
jupyterhub_config.py applies it (hub.config section by section, then every hub.extraConfig snippet
in key order in this namespace), with the Kubernetes parts replaced by local ones: the LDAP
authenticator stand-in, a spawner that setuids instead of a pod, SQLite instead of PostgreSQL, and
configurable-http-proxy started by the test as the proxy pod would be.
"""

import os
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE]

c = get_config()  # noqa: F821 (JupyterHub's config loader provides it)
env = os.environ

with open(env["JOVIAL_E2E_VALUES"]) as f:
    values = yaml.safe_load(f)

for section, settings in values["hub"]["config"].items():
    if section == "KubeSpawner":
        continue  # pod settings; the local spawner has no pods
    for key, value in settings.items():
        c[section][key] = value

c.JupyterHub.authenticator_class = "local_ldap_authenticator.LDAPAuthenticator"
c.JupyterHub.spawner_class = "local_uid_spawner.LocalUidSpawner"
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = int(env["JOVIAL_E2E_PROXY_PORT"])
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(env["JOVIAL_E2E_HUB_PORT"])
c.ConfigurableHTTPProxy.should_start = False
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{env['JOVIAL_E2E_PROXY_API_PORT']}"
c.JupyterHub.db_url = f"sqlite:///{env['JOVIAL_E2E_STATE']}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = f"{env['JOVIAL_E2E_STATE']}/cookie_secret"
c.JupyterHub.pid_file = f"{env['JOVIAL_E2E_STATE']}/jupyterhub.pid"
c.JupyterHub.services = [{"name": "e2e", "api_token": env["JOVIAL_E2E_ADMIN_TOKEN"], "admin": True}]
c.Spawner.cmd = ["/usr/bin/jupyterhub-singleuser"]
c.Spawner.start_timeout = 60
c.Spawner.http_timeout = 60
# The image's Jupyter prefix, as deploy/image/install.sh wrote it.
c.Spawner.environment = {
    "JUPYTER_PATH": f"{env['JOVIAL_E2E_PREFIX']}/share/jupyter",
    "JUPYTER_CONFIG_PATH": f"{env['JOVIAL_E2E_PREFIX']}/etc/jupyter",
}

for key, source in sorted(values["hub"]["extraConfig"].items()):
    exec(source)

c.LocalUidSpawner.etc_root = f"{env['JOVIAL_E2E_STATE']}/etc"
