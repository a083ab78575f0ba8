# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_native
from ansible_collections.blogops.release.plugins.module_utils._semver import InvalidVersion
from ansible_collections.blogops.release.plugins.module_utils._version_range import InvalidRange, satisfies


def version_satisfies(version, version_range):
    """True when the semantic ``version`` lies inside ``version_range``."""
    try:
        return satisfies(to_native(version), to_native(version_range))
    except (InvalidVersion, InvalidRange) as e:
        raise AnsibleFilterError('blogops.release.version_satisfies: %s' % to_native(e))


class TestModule(object):
    def tests(self):
        return {'version_satisfies': version_satisfies}
