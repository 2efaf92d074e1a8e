"""Who a user's server runs as: the LDAP uid, gid and posixGroups, applied by a Spawner.auth_state_hook.

The pod never starts as root. Its /etc/passwd and /etc/group entries, which tools (ssh, git, id,
Python's getpass) need, are written by an init container that runs as the user into an emptyDir and
mounted over the image's files; the init container keeps the image's own entries except those
that clash with the user's name or ids.

The hook sets KubeSpawner's traits (uid, gid, supplemental_gids, fs_gid, working_dir, environment,
init_containers); the local end-to-end spawner (test/deploy/local-hub) declares the same traits.

Embedded in the hub's extraConfig by deploy/src/python-snippets.ts; imported as a module by the
unit tests and by the local end-to-end hub.
"""

ETC_VOLUME = "jovial-etc"
ETC_MOUNT = "/jovial-etc"

# Keeps the image's entries whose name and id differ from ours, then appends ours. $JOVIAL_ETC_SOURCE
# lets the unit tests run this script on files of their own.
PASSWD_INIT_SCRIPT = r"""set -eu
src="${JOVIAL_ETC_SOURCE:-/etc}"
dst="${JOVIAL_ETC_TARGET:-/jovial-etc}"
for file in passwd group; do
  if [ "$file" = passwd ]; then ours="$JOVIAL_PASSWD"; else ours="$JOVIAL_GROUP"; fi
  printf '%s\n' "$ours" > "$dst/$file.ours"
  awk -F: 'NR == FNR { name[$1]; id[$3]; next } !($1 in name) && !($3 in id)' "$dst/$file.ours" "$src/$file" > "$dst/$file"
  cat "$dst/$file.ours" >> "$dst/$file"
  rm "$dst/$file.ours"
done
"""


class IdentityError(Exception):
    """auth_state lacks what a pod needs; the spawn fails with this message instead of running as someone else."""


def _first_int(attributes, name, username):
    values = attributes.get(name)
    if isinstance(values, (list, tuple)):
        values = values[0] if values else None
    if values is None or str(values).strip() == "":
        raise IdentityError(f"{username}: LDAP entry has no {name}; ask the directory's administrators")
    number = int(values)
    if number < 1000:
        # System ids (root, daemons) must never own a user's server, whatever the directory says.
        raise IdentityError(f"{username}: {name} {number} is below 1000, refused")
    return number


def identity_from_auth_state(username, auth_state, home_template, shell="/bin/bash"):
    """{"name", "uid", "gid", "groups": [{"name","gid"}], "home", "shell"} from ldapauthenticator's auth_state."""
    if not auth_state:
        raise IdentityError(
            f"{username}: no auth_state (is Authenticator.enable_auth_state on?); log out and in again"
        )
    attributes = auth_state.get("user_attributes") or {}
    uid = _first_int(attributes, "uidNumber", username)
    gid = _first_int(attributes, "gidNumber", username)
    groups = [g for g in auth_state.get("posix_groups") or [] if int(g["gid"]) >= 1000]
    return {
        "name": username,
        "uid": uid,
        "gid": gid,
        "groups": [{"name": str(g["name"]), "gid": int(g["gid"])} for g in groups],
        "home": home_template.format(username=username),
        "shell": shell,
    }


def supplemental_gids(identity):
    return sorted({g["gid"] for g in identity["groups"]} - {identity["gid"]})


def passwd_line(identity):
    return f"{identity['name']}:x:{identity['uid']}:{identity['gid']}:{identity['name']}:{identity['home']}:{identity['shell']}"


def group_lines(identity):
    """One line per group; the primary group takes its LDAP name when the user is listed in it."""
    names = {g["gid"]: g["name"] for g in identity["groups"]}
    lines = [f"{names.get(identity['gid'], identity['name'])}:x:{identity['gid']}:"]
    for gid in supplemental_gids(identity):
        lines.append(f"{names[gid]}:x:{gid}:{identity['name']}")
    return lines


def security_context(identity):
    return {
        "runAsUser": identity["uid"],
        "runAsGroup": identity["gid"],
        "runAsNonRoot": True,
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def passwd_init_container(image, identity):
    return {
        "name": "jovial-passwd",
        "image": image,
        "command": ["/bin/sh", "-c", PASSWD_INIT_SCRIPT],
        "env": [
            {"name": "JOVIAL_PASSWD", "value": passwd_line(identity)},
            {"name": "JOVIAL_GROUP", "value": "\n".join(group_lines(identity))},
        ],
        "securityContext": security_context(identity),
        "resources": {"limits": {"cpu": "100m", "memory": "64Mi"}, "requests": {"cpu": "10m", "memory": "16Mi"}},
        "volumeMounts": [{"name": ETC_VOLUME, "mountPath": ETC_MOUNT}],
    }


def apply_identity(spawner, identity):
    spawner.uid = identity["uid"]
    spawner.gid = identity["gid"]
    spawner.supplemental_gids = supplemental_gids(identity)
    # An fsGroup would make the kubelet chown and chmod whole volumes: never on Lustre.
    spawner.fs_gid = None
    spawner.working_dir = identity["home"]
    spawner.environment = {
        **spawner.environment,
        "HOME": identity["home"],
        "USER": identity["name"],
        "LOGNAME": identity["name"],
        "NB_USER": identity["name"],
        "NB_UID": str(identity["uid"]),
        "NB_GID": str(identity["gid"]),
    }
    others = [c for c in spawner.init_containers if c.get("name") != "jovial-passwd"]
    spawner.init_containers = others + [passwd_init_container(spawner.image, identity)]


def make_auth_state_hook(home_template, shell="/bin/bash"):
    """A Spawner.auth_state_hook running the user's server as their LDAP identity."""

    def auth_state_hook(spawner, auth_state):
        identity = identity_from_auth_state(spawner.user.name, auth_state, home_template, shell)
        apply_identity(spawner, identity)
        spawner.log.info(
            "%s runs as uid %s gid %s groups %s",
            identity["name"], identity["uid"], identity["gid"], spawner.supplemental_gids,
        )

    return auth_state_hook
