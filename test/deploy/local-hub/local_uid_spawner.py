"""The local stand-in for KubeSpawner: a process, not a pod, run as the user's LDAP uid, gid and groups.

It declares KubeSpawner's traits that deploy/hub/jovial_user_pod.py's auth_state hook sets, and uses
them where a pod's securityContext would: setgroups/setgid/setuid before exec (the hub runs as root
here, as the kubelet does). The users are in LDAP only, never in this machine's /etc/passwd, so
nothing may look them up there (LocalProcessSpawner's own preexec and user_env do). The pod's
passwd/group init container is run for real, as the user, from the spec the hook built; its files
reach the server through nss_wrapper, where the pod mounts them over /etc/passwd and /etc/group.
"""

import os
import subprocess

from jupyterhub.spawner import LocalProcessSpawner
from traitlets import Any, Integer, List, Unicode

NSS_WRAPPER = "/usr/lib/x86_64-linux-gnu/libnss_wrapper.so"


class LocalUidSpawner(LocalProcessSpawner):
    uid = Integer(None, allow_none=True)
    gid = Integer(None, allow_none=True)
    supplemental_gids = List()
    fs_gid = Any(None)
    working_dir = Unicode(None, allow_none=True)
    init_containers = List()
    image = Unicode("local")
    etc_root = Unicode(config=True, help="where each user's generated passwd and group files go")

    def make_preexec_fn(self, name):
        if self.uid is None or self.gid is None:
            raise RuntimeError(f"{name}: no uid/gid: the auth_state hook did not run")
        uid, gid, groups, home = self.uid, self.gid, list(self.supplemental_gids), self.working_dir

        def preexec():
            os.setgroups(groups)
            os.setgid(gid)
            os.setuid(uid)
            os.chdir(home)

        return preexec

    def user_env(self, env):
        env.update(USER=self.user.name, HOME=self.working_dir, SHELL="/bin/bash")
        return env

    def run_passwd_init_container(self):
        spec = next(c for c in self.init_containers if c["name"] == "jovial-passwd")
        context = spec["securityContext"]
        target = os.path.join(self.etc_root, self.user.name)
        os.makedirs(target, exist_ok=True)
        os.chown(target, context["runAsUser"], context["runAsGroup"])
        env = {e["name"]: e["value"] for e in spec["env"]}
        env.update(PATH="/usr/bin:/bin", JOVIAL_ETC_SOURCE="/etc", JOVIAL_ETC_TARGET=target)
        subprocess.run(spec["command"], env=env, check=True, user=context["runAsUser"], group=context["runAsGroup"], extra_groups=[])
        return target

    async def start(self):
        self.notebook_dir = self.working_dir
        etc = self.run_passwd_init_container()
        self.environment = {
            **self.environment,
            "LD_PRELOAD": NSS_WRAPPER,
            "NSS_WRAPPER_PASSWD": os.path.join(etc, "passwd"),
            "NSS_WRAPPER_GROUP": os.path.join(etc, "group"),
        }
        return await super().start()
