"""The user's posixGroup memberships, looked up at login and kept in auth_state.

ldapauthenticator (2.0) returns the user's own attributes (uidNumber, gidNumber) but not the groups
the user belongs to; the pod needs their gids as supplemental groups, or group-shared directories
on Lustre are closed to it. The lookup happens once per login, with the authenticator's own
connection settings (server, TLS, lookup account), so there is one place to configure LDAP.

Embedded in the hub's extraConfig by deploy/src/python-snippets.ts; imported as a module by the
unit tests and by the local end-to-end hub.
"""

from ldap3 import SUBTREE
from ldap3.utils.conv import escape_filter_chars

POSIX_GROUP_FILTER = "(&(objectClass=posixGroup)(memberUid={uid}))"


def posix_group_filter(username, template=POSIX_GROUP_FILTER):
    # The username comes from a login form: escaped, it cannot widen the search.
    return template.format(uid=escape_filter_chars(username))


def groups_from_entries(entries):
    """[{"name": cn, "gid": gidNumber}] from ldap3 entries' attribute dicts, sorted by gid, deduplicated."""
    groups = {}
    for attributes in entries:
        names = attributes.get("cn") or []
        gids = attributes.get("gidNumber") or []
        if not names or not gids:
            continue
        gid = int(gids[0])
        groups.setdefault(gid, str(names[0]))
    return [{"name": name, "gid": gid} for gid, name in sorted(groups.items())]


def posix_groups(conn, search_base, username, template=POSIX_GROUP_FILTER):
    conn.search(
        search_base=search_base,
        search_scope=SUBTREE,
        search_filter=posix_group_filter(username, template),
        attributes=["cn", "gidNumber"],
    )
    return groups_from_entries(entry.entry_attributes_as_dict for entry in conn.entries)


def make_posix_groups_post_auth_hook(search_base, template=POSIX_GROUP_FILTER):
    """An Authenticator.post_auth_hook adding auth_state["posix_groups"]."""

    def post_auth_hook(authenticator, handler, authentication):
        conn = authenticator.get_connection(
            authenticator.lookup_dn_search_user, authenticator.lookup_dn_search_password
        )
        if conn is None:
            # Without the groups the pod would start with fewer rights than the user has; refuse
            # the login instead, loudly, so the operator fixes the lookup account.
            raise RuntimeError(
                "posixGroup lookup: could not bind as LDAPAuthenticator.lookup_dn_search_user"
            )
        try:
            groups = posix_groups(conn, search_base, authentication["name"], template)
        finally:
            conn.unbind()
        state = dict(authentication.get("auth_state") or {})
        state["posix_groups"] = groups
        authentication["auth_state"] = state
        return authentication

    return post_auth_hook
