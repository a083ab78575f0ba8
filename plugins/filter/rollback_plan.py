# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible_collections.blogops.release.plugins.plugin_utils.rollback_plan import RollbackRefused, host_links, rollback_plan


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


class FilterModule(object):
    def filters(self):
        return {'rollback_plan': _plan, 'rollback_host_links': rollback_host_links}
