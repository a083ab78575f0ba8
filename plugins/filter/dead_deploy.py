# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible_collections.blogops.release.plugins.plugin_utils.dead_deploy import lookup, report, rollback_args


def recover_lookup(query, wait=None, history_id=0, stale_after=None, module='', poll_interval=5):
    """Whether to look again at an unfinished deploy, the row to recover, and why not when its run may be alive."""
    try:
        return lookup(query, wait, history_id, stale_after, module, poll_interval)
    except (KeyError, TypeError, AttributeError) as e:
        raise AnsibleFilterError('blogops.release.recover_lookup expects the deployment module\'s query results: %s' % e)


def recover_rollback_args(plan, row, source, host):
    """What the rollback role puts a host back to for a dead deploy."""
    try:
        return rollback_args(plan, row, source, host)
    except (KeyError, TypeError, AttributeError) as e:
        raise AnsibleFilterError('blogops.release.recover_rollback_args expects a deploy_recovery_plan, the dead '
                                 'deploy\'s row, blog_source\'s result and a host of the plan: %s' % e)


def recover_report(plan, row, module):
    """What the recovery did, and the status that closes the dead deploy's row."""
    try:
        return report(plan, row, module)
    except (KeyError, TypeError, AttributeError) as e:
        raise AnsibleFilterError('blogops.release.recover_report expects a deploy_recovery_plan and the dead deploy\'s '
                                 'row: %s' % e)


class FilterModule(object):
    def filters(self):
        return {'recover_lookup': recover_lookup, 'recover_rollback_args': recover_rollback_args,
                'recover_report': recover_report}
