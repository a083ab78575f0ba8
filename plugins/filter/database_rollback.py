# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible_collections.blogops.release.plugins.plugin_utils.database_rollback import NoRelease, database_method, switch_target


def rollback_database_method(schema_info, module, target, migrations_path='', undo_check=None, backup='', backup_check=None):
    """Undo scripts, the backup, or nothing; or why the database cannot go back."""
    try:
        return database_method(schema_info, module, target, migrations_path, undo_check, backup, backup_check)
    except (KeyError, TypeError, AttributeError) as e:
        raise AnsibleFilterError('blogops.release.rollback_database_method expects schema_version_info\'s result, the '
                                 'blog module, the schema version to go back to and the registered checks: %s' % e)


def rollback_switch_target(release, query, module, host):
    """The release a host without recorded links makes live: a release id or a version."""
    try:
        return switch_target(release, query, module, host)
    except NoRelease as e:
        raise AnsibleFilterError(str(e))
    except (KeyError, TypeError, AttributeError) as e:
        raise AnsibleFilterError('blogops.release.rollback_switch_target expects a release id or version (or empty) and '
                                 'the release module\'s query result: %s' % e)


class FilterModule(object):
    def filters(self):
        return {'rollback_database_method': rollback_database_method, 'rollback_switch_target': rollback_switch_target}
