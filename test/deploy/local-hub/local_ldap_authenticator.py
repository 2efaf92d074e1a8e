"""ldapauthenticator 2.0's LDAP login for Debian's JupyterHub 3.0, which has no ldapauthenticator package.

The class is named LDAPAuthenticator and takes the same traits, so the `hub.config.LDAPAuthenticator`
block of the rendered values applies to it unchanged; it returns the same auth_state
({"ldap_groups": [...], "user_attributes": {name: [values]}}) and allows by the same rule
(member of one of allowed_groups). Only plain LDAP (tls_strategy "insecure") is implemented:
the test's slapd listens on 127.0.0.1 only.
"""

import re

import ldap3
from jupyterhub.auth import Authenticator
from ldap3.core.exceptions import LDAPBindError
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import escape_rdn
from traitlets import Int, List, Unicode, Union


class LDAPAuthenticator(Authenticator):
    server_address = Unicode(config=True)
    server_port = Int(389, config=True)
    tls_strategy = Unicode("insecure", config=True)
    bind_dn_template = Union([List(), Unicode()], config=True)
    allowed_groups = List(config=True)
    group_search_filter = Unicode("(|(member={userdn})(uniqueMember={userdn})(memberUid={uid}))", config=True)
    group_attributes = List(["member", "uniqueMember", "memberUid"], config=True)
    auth_state_attributes = List(config=True)
    lookup_dn_search_user = Unicode(None, allow_none=True, config=True)
    lookup_dn_search_password = Unicode(None, allow_none=True, config=True)
    valid_username_regex = Unicode(r"^[a-z][.a-z0-9_-]*$", config=True)

    def get_connection(self, userdn, password):
        if self.tls_strategy != "insecure":
            raise NotImplementedError("the local test LDAP authenticator speaks plain LDAP only")
        server = ldap3.Server(self.server_address, port=self.server_port)
        try:
            return ldap3.Connection(server, user=userdn, password=password, auto_bind=ldap3.AUTO_BIND_NO_TLS)
        except LDAPBindError:
            return None

    async def authenticate(self, handler, data):
        username, password = data["username"], data["password"]
        if not re.match(self.valid_username_regex, username) or not (password or "").strip():
            return None
        templates = [self.bind_dn_template] if isinstance(self.bind_dn_template, str) else self.bind_dn_template
        conn = userdn = None
        for template in templates:
            userdn = template.format(username=escape_rdn(username))
            conn = self.get_connection(userdn, password)
            if conn:
                break
        if not conn:
            self.log.warning("Failed to bind user '%s' to an LDAP user.", username)
            return None
        ldap_groups = []
        for group in self.allowed_groups:
            found = conn.search(
                search_base=group,
                search_scope=ldap3.BASE,
                search_filter=self.group_search_filter.format(userdn=escape_filter_chars(userdn), uid=escape_filter_chars(username)),
                attributes=self.group_attributes,
            )
            if found:
                ldap_groups.append(group)
        attributes = {}
        if self.auth_state_attributes and conn.search(userdn, "(objectClass=*)", search_scope=ldap3.BASE, attributes=self.auth_state_attributes):
            attributes = conn.entries[0].entry_attributes_as_dict
        conn.unbind()
        return {"name": username, "auth_state": {"ldap_groups": ldap_groups, "user_attributes": attributes}}

    async def check_allowed(self, username, authentication=None):
        in_groups = set(((authentication or {}).get("auth_state") or {}).get("ldap_groups", []))
        return any(group in in_groups for group in self.allowed_groups)
