"""Unit tests of deploy/hub/jovial_ldap_groups.py's pure parts (the LDAP search itself runs against
a real slapd in test/deploy/local-hub.test.ts)."""

import unittest

from jovial_ldap_groups import groups_from_entries, posix_group_filter


class GroupFilterTest(unittest.TestCase):
    def test_filter_names_the_member(self):
        self.assertEqual(posix_group_filter("alice"), "(&(objectClass=posixGroup)(memberUid=alice))")

    def test_filter_escapes_what_could_widen_the_search(self):
        self.assertEqual(posix_group_filter("a*)(uid=*"), "(&(objectClass=posixGroup)(memberUid=a\\2a\\29\\28uid=\\2a))")


class GroupsFromEntriesTest(unittest.TestCase):
    def test_sorted_by_gid_without_duplicates_or_incomplete_entries(self):
        entries = [
            {"cn": ["survey"], "gidNumber": [20001]},
            {"cn": ["astro"], "gidNumber": [20000]},
            {"cn": ["astro-again"], "gidNumber": [20000]},
            {"cn": ["nogid"]},
            {"gidNumber": [5]},
        ]
        self.assertEqual(groups_from_entries(entries), [{"name": "astro", "gid": 20000}, {"name": "survey", "gid": 20001}])


if __name__ == "__main__":
    unittest.main()
