# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_native
from ansible_collections.blogops.release.plugins.plugin_utils import database_host as chosen


def database_host(groups, host, group=chosen.DATABASE_GROUP):
    try:
        return chosen.database_host(groups, host, group)
    except (AttributeError, TypeError, IndexError) as e:
        raise AnsibleFilterError('blogops.release.database_host expects the groups of the inventory and a host: %s'
                                 % to_native(e)) from e


class FilterModule(object):
    def filters(self):
        return {'database_host': database_host}
