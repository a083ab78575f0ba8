# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible_collections.blogops.release.plugins.module_utils._deploy_history import describe_deploy


def deploy_summary(row):
    """One sentence about a module_version_history row of a deploy."""
    try:
        return describe_deploy(row)
    except (KeyError, TypeError) as e:
        raise AnsibleFilterError('blogops.release.deploy_summary expects a module_version_history row: %s' % e)


class FilterModule(object):
    def filters(self):
        return {'deploy_summary': deploy_summary}
