# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_native
from ansible_collections.blogops.release.plugins.plugin_utils import cleanup_needed as cleanup
from ansible_collections.blogops.release.plugins.plugin_utils import deploy_needed as needed
from ansible_collections.blogops.release.plugins.plugin_utils import preflight_checkpoint, preflight_problems as problems


def preflight_problems(source, database, hosts, module_name, database_host):
    """Every failed check of the reads of a preflight, one sentence each."""
    try:
        return problems.preflight_problems(module_name, source, database, hosts, database_host)
    except (KeyError, TypeError, AttributeError, ValueError) as e:
        raise AnsibleFilterError('blogops.release.preflight_problems expects the results of blog_source, '
                                 'preflight_database and, by host, preflight_app_host: %s' % to_native(e)) from e


def preflight_state(source, database, app_host, module_name):
    """The facts preflight records on an app host once every check passed."""
    try:
        return preflight_checkpoint.state_to_return_to(module_name, source, database, app_host)
    except (KeyError, TypeError, AttributeError) as e:
        raise AnsibleFilterError('blogops.release.preflight_state expects the results of blog_source, '
                                 'preflight_database and the host\'s preflight_app_host: %s' % to_native(e)) from e


def preflight_left_to_recover(database, open_deploys, module_name):
    """The open deploys preflight leaves to the recover role (``open_deploys`` ``report``), [] for none."""
    try:
        return problems.left_to_recover(module_name, database, open_deploys)
    except ValueError as e:
        raise AnsibleFilterError('blogops.release.preflight_left_to_recover: %s' % to_native(e)) from e
    except (KeyError, TypeError, AttributeError) as e:
        raise AnsibleFilterError('blogops.release.preflight_left_to_recover expects the result of preflight_database: '
                                 '%s' % to_native(e)) from e


def deploy_needed(source, database, checkpoints):
    """Whether the release of ``source`` still has to be deployed."""
    try:
        return needed.deploy_needed(source, database, checkpoints)
    except (KeyError, TypeError, AttributeError) as e:
        raise AnsibleFilterError('blogops.release.deploy_needed expects preflight_source, preflight_database and '
                                 'the app hosts\' preflight_checkpoint: %s' % to_native(e)) from e


def cleanup_needed(releases, release_id, keep_releases):
    """Whether the host has unfinished uploads or old releases to remove after the deploy of ``release_id``."""
    try:
        return cleanup.cleanup_needed(releases, release_id, keep_releases)
    except (KeyError, TypeError, AttributeError, ValueError) as e:
        raise AnsibleFilterError('blogops.release.cleanup_needed expects the host\'s preflight_releases, a release id '
                                 'and a number of releases to keep: %s' % to_native(e)) from e


class FilterModule(object):
    def filters(self):
        return {'preflight_problems': preflight_problems, 'preflight_state': preflight_state,
                'preflight_left_to_recover': preflight_left_to_recover, 'deploy_needed': deploy_needed,
                'cleanup_needed': cleanup_needed}
