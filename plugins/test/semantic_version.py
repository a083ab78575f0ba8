# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.blogops.release.plugins.module_utils._semver import InvalidVersion, SemVer


def semantic_version(value):
    """True when ``value`` is a semantic version such as 1.4.0 or 2.0.0-rc.1."""
    if not isinstance(value, str):
        return False
    try:
        SemVer.parse(value)
    except (InvalidVersion, ValueError):
        return False
    return True


class TestModule(object):
    def tests(self):
        return {'semantic_version': semantic_version}
