"""Unit tests of deploy/hub/jovial_user_pod.py, with Debian's python3 (unittest)."""

import os
import subprocess
import tempfile
import unittest
from types import SimpleNamespace

from jovial_user_pod import (
    ETC_VOLUME,
    IdentityError,
    PASSWD_INIT_SCRIPT,
    group_lines,
    identity_from_auth_state,
    make_auth_state_hook,
    passwd_line,
    supplemental_gids,
)

# The shape ldapauthenticator 2.0 returns with auth_state_attributes and our post_auth_hook's groups.
AUTH_STATE = {
    "ldap_groups": ["cn=astro,ou=groups,dc=example,dc=org"],
    "user_attributes": {"uidNumber": [10001], "gidNumber": [10001], "cn": ["Alice"]},
    "posix_groups": [
        {"name": "alice", "gid": 10001},
        {"name": "astro", "gid": 20000},
        {"name": "survey", "gid": 20001},
    ],
}


class FakeLog:
    def info(self, *args):
        self.last = args


def kubespawner_like(image="img:1"):
    # The traits of KubeSpawner the hook sets, as plain attributes: the hook must not need more.
    return SimpleNamespace(
        user=SimpleNamespace(name="alice"), image=image, uid=1000, gid=None, supplemental_gids=[],
        fs_gid=100, working_dir=None, environment={"KEEP": "1"},
        init_containers=[{"name": "other"}], log=FakeLog(),
    )


class IdentityTest(unittest.TestCase):
    def test_ids_from_ldapauthenticator_lists(self):
        identity = identity_from_auth_state("alice", AUTH_STATE, "/home/{username}")
        self.assertEqual((identity["uid"], identity["gid"], identity["home"]), (10001, 10001, "/home/alice"))
        self.assertEqual(supplemental_gids(identity), [20000, 20001])

    def test_scalar_attributes_are_accepted(self):
        state = {"user_attributes": {"uidNumber": "10002", "gidNumber": 10002}}
        identity = identity_from_auth_state("bob", state, "/home/{username}")
        self.assertEqual((identity["uid"], identity["gid"], identity["groups"]), (10002, 10002, []))

    def test_missing_auth_state_refuses_the_spawn(self):
        with self.assertRaisesRegex(IdentityError, "no auth_state"):
            identity_from_auth_state("alice", None, "/home/{username}")

    def test_missing_uid_refuses_the_spawn(self):
        with self.assertRaisesRegex(IdentityError, "uidNumber"):
            identity_from_auth_state("alice", {"user_attributes": {"gidNumber": [1]}}, "/h/{username}")

    def test_system_ids_are_refused(self):
        state = {"user_attributes": {"uidNumber": [0], "gidNumber": [0]}}
        with self.assertRaisesRegex(IdentityError, "below 1000"):
            identity_from_auth_state("root", state, "/root")

    def test_system_groups_are_not_supplemental(self):
        state = dict(AUTH_STATE, posix_groups=[{"name": "sudo", "gid": 27}, {"name": "astro", "gid": 20000}])
        identity = identity_from_auth_state("alice", state, "/home/{username}")
        self.assertEqual(supplemental_gids(identity), [20000])

    def test_passwd_and_group_lines(self):
        identity = identity_from_auth_state("alice", AUTH_STATE, "/home/{username}")
        self.assertEqual(passwd_line(identity), "alice:x:10001:10001:alice:/home/alice:/bin/bash")
        self.assertEqual(group_lines(identity), ["alice:x:10001:", "astro:x:20000:alice", "survey:x:20001:alice"])


class HookTest(unittest.TestCase):
    def test_hook_sets_the_pod_identity(self):
        spawner = kubespawner_like()
        make_auth_state_hook("/home/{username}")(spawner, AUTH_STATE)
        self.assertEqual((spawner.uid, spawner.gid, spawner.supplemental_gids), (10001, 10001, [20000, 20001]))
        self.assertIsNone(spawner.fs_gid)
        self.assertEqual(spawner.working_dir, "/home/alice")
        self.assertEqual(spawner.environment["HOME"], "/home/alice")
        self.assertEqual(spawner.environment["KEEP"], "1")
        names = [c["name"] for c in spawner.init_containers]
        self.assertEqual(names, ["other", "jovial-passwd"])

    def test_init_container_is_unprivileged(self):
        spawner = kubespawner_like()
        hook = make_auth_state_hook("/home/{username}")
        hook(spawner, AUTH_STATE)
        hook(spawner, AUTH_STATE)  # a second spawn replaces, never duplicates
        init = [c for c in spawner.init_containers if c["name"] == "jovial-passwd"]
        self.assertEqual(len(init), 1)
        context = init[0]["securityContext"]
        self.assertEqual((context["runAsUser"], context["runAsGroup"], context["runAsNonRoot"]), (10001, 10001, True))
        self.assertFalse(context["allowPrivilegeEscalation"])
        self.assertEqual(context["capabilities"], {"drop": ["ALL"]})
        self.assertEqual(context["seccompProfile"], {"type": "RuntimeDefault"})
        self.assertEqual(init[0]["image"], "img:1")
        self.assertEqual(init[0]["volumeMounts"][0]["name"], ETC_VOLUME)


class InitScriptTest(unittest.TestCase):
    """Runs the init container's script with /bin/sh on files standing in for the image's."""

    def test_script_merges_the_users_entries(self):
        identity = identity_from_auth_state("alice", AUTH_STATE, "/home/{username}")
        with tempfile.TemporaryDirectory() as src, tempfile.TemporaryDirectory() as dst:
            with open(os.path.join(src, "passwd"), "w") as f:
                f.write("root:x:0:0:root:/root:/bin/bash\nnode:x:1000:1000::/home/node:/bin/bash\nalice:x:999:999::/x:/bin/sh\n")
            with open(os.path.join(src, "group"), "w") as f:
                f.write("root:x:0:\nnode:x:1000:\nastro:x:555:\nclash:x:20001:\n")
            env = dict(os.environ, JOVIAL_ETC_SOURCE=src, JOVIAL_ETC_TARGET=dst,
                       JOVIAL_PASSWD=passwd_line(identity), JOVIAL_GROUP="\n".join(group_lines(identity)))
            subprocess.run(["/bin/sh", "-c", PASSWD_INIT_SCRIPT], env=env, check=True)
            with open(os.path.join(dst, "passwd")) as f:
                passwd = f.read().splitlines()
            with open(os.path.join(dst, "group")) as f:
                group = f.read().splitlines()
            self.assertEqual(sorted(os.listdir(dst)), ["group", "passwd"])
        self.assertEqual(passwd, ["root:x:0:0:root:/root:/bin/bash", "node:x:1000:1000::/home/node:/bin/bash",
                                  "alice:x:10001:10001:alice:/home/alice:/bin/bash"])
        self.assertEqual(group, ["root:x:0:", "node:x:1000:", "alice:x:10001:", "astro:x:20000:alice", "survey:x:20001:alice"])


if __name__ == "__main__":
    unittest.main()
