# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible_collections.blogops.release.plugins.plugin_utils.deploy_recovery import build_checkpoint, recovery_plan


def deploy_checkpoint(source, database, hosts):
    """The state a recovery returns to, recorded in the deploy's history row before anything changes."""
    try:
        return build_checkpoint(source, database or {}, hosts or {})
    except (KeyError, TypeError, AttributeError) as e:
        raise AnsibleFilterError('blogops.release.deploy_checkpoint expects blog_source\'s module, preflight\'s '
                                 'database state and a mapping of hosts to their releases: %s' % e)


def deploy_recovery_plan(row, recorded, hosts):
    """What to do with the history row of a dead deploy: close, finish, roll back or refuse."""
    try:
        return recovery_plan(row, recorded, hosts or {})
    except (KeyError, TypeError, AttributeError) as e:
        raise AnsibleFilterError('blogops.release.deploy_recovery_plan expects a history row, a module_version row '
                                 'and a mapping of hosts to their links: %s' % e)


class FilterModule(object):
    def filters(self):
        return {'deploy_checkpoint': deploy_checkpoint, 'deploy_recovery_plan': deploy_recovery_plan}
