# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json

from ansible.errors import AnsibleFilterError
from ansible_collections.blogops.release.plugins.module_utils._backup_sidecar import InvalidSidecar
from ansible_collections.blogops.release.plugins.plugin_utils.rollback_plan import (
    RollbackRefused,
    after_deploy,
    host_links,
    rollback_plan,
    run_plan,
    state_before,
)


def _plan(history, blog_module, requested=None):
    """Which deploys a rollback undoes and what it returns to; ``error`` says why it cannot, when it cannot."""
    try:
        return dict(rollback_plan(history or [], blog_module, requested), error='')
    except RollbackRefused as e:
        return dict(error=str(e))
    except (KeyError, TypeError, AttributeError) as e:
        raise AnsibleFilterError('blogops.release.rollback_plan expects the history rows of module_version_info, the '
                                 'blog module and the version asked for: %s' % e)


def rollback_host_links(plan, hosts):
    """Where each app host goes back to; ``error`` says which host lacks the release to return to."""
    try:
        return dict(hosts=host_links(plan, hosts or {}), error='')
    except RollbackRefused as e:
        return dict(hosts={}, error=str(e))
    except (KeyError, TypeError, AttributeError) as e:
        raise AnsibleFilterError('blogops.release.rollback_host_links expects a rollback_plan and a mapping of hosts '
                                 'to the release module\'s query result: %s' % e)


def rollback_run(history, blog_module, requested, hosts, with_database=True):
    """The rollback playbook's decisions before it changes anything: the plan, each host's links, the refusal."""
    try:
        return run_plan(history, blog_module, requested, hosts, with_database)
    except (KeyError, TypeError, AttributeError) as e:
        raise AnsibleFilterError('blogops.release.rollback_run expects the history rows of module_version_info, the '
                                 'blog module, the version asked for and a mapping of hosts to the release module\'s '
                                 'query result: %s' % e)


def rollback_before(plan, sidecar, blog_module, with_database=True):
    """The schema version and module_version row to go back to; ``sidecar`` is the slurp of the backup's sidecar,
    read when the plan has no checkpoint."""
    try:
        content = None
        if with_database and not plan.get('checkpoint'):
            content = json.loads(base64.b64decode(sidecar['content']).decode('utf-8'))
        return state_before(plan, content, blog_module, with_database)
    except InvalidSidecar as e:
        raise AnsibleFilterError('cannot read the versions to go back to from the backup\'s sidecar: %s' % e)
    except (KeyError, TypeError, AttributeError, ValueError) as e:
        raise AnsibleFilterError('blogops.release.rollback_before expects the plan of rollback_run, the slurp of the '
                                 'backup\'s sidecar (when the plan has no checkpoint) and the blog module: %s' % e)


def rollback_after_deploy(summary, blog_module, recover_outcome='none', check_mode=False):
    """Whether the deploy before left anything to undo, and the outcome the rollback reports."""
    return after_deploy(summary, blog_module, recover_outcome, check_mode)


class FilterModule(object):
    def filters(self):
        return {'rollback_plan': _plan, 'rollback_host_links': rollback_host_links, 'rollback_run': rollback_run,
                'rollback_before': rollback_before, 'rollback_after_deploy': rollback_after_deploy}
