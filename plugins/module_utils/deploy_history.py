# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A deploy's row in module_version_history: opened as ``deploying``, closed with its outcome.

The partial unique index on (module_name) WHERE status = 'deploying' makes the open row the
deploy's lock: a second deploy of the same blog module cannot open one, and a run that was
killed leaves its row behind for the next run to find.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.blogops.release.plugins.module_utils.module_versions import fetch_module_versions, plain
from ansible_collections.blogops.release.plugins.module_utils.tracking_tables import table

FINAL_STATUSES = ('deployed', 'failed', 'rolled_back')
_COLUMNS = 'id, module_name, from_version, to_version, status, backup, started_at, finished_at, actor, message'


class DeployConflict(Exception):
    """Another deploy is in progress, or a row cannot take the requested change."""


def describe_deploy(row):
    return "deploy of %s %s -> %s by %s started %s (history id %s, last step: %s)" % (
        row['module_name'], row['from_version'] or '(none)', row['to_version'], row['actor'], row['started_at'],
        row['id'], row['message'] or 'none recorded')


def deploys_in_progress(cursor, schema, module_name=None):
    query = "SELECT %s FROM %s WHERE status = 'deploying'" % (_COLUMNS, table(schema, 'module_version_history'))
    params = ()
    if module_name is not None:
        query += ' AND module_name = %s'
        params = (module_name,)
    cursor.execute(query + ' ORDER BY id', params)
    return [plain(row) for row in cursor.fetchall()]


def fetch_deploy(cursor, schema, history_id):
    cursor.execute('SELECT %s FROM %s WHERE id = %%s' % (_COLUMNS, table(schema, 'module_version_history')),
                   (history_id,))
    row = cursor.fetchone()
    return plain(row) if row else None


def start_deploy(cursor, schema, module_name, to_version, actor=None, message=None, check_mode=False):
    """Open the deploy's row; raises DeployConflict naming the deploy already in progress."""
    running = deploys_in_progress(cursor, schema, module_name)
    if running:
        raise DeployConflict('another %s; wait for it, or if that run died, let the next deploy recover it or run '
                             'the rollback playbook' % describe_deploy(running[0]))
    current = fetch_module_versions(cursor, schema, module_name).get(module_name)
    from_version = current['version'] if current else None
    if check_mode:
        return dict(id=None, module_name=module_name, from_version=from_version, to_version=to_version,
                    status='deploying', backup=None, started_at=None, finished_at=None, actor=actor, message=message)
    cursor.execute(
        "INSERT INTO %s AS h (module_name, from_version, to_version, status, actor, message) "
        "VALUES (%%s, %%s, %%s, 'deploying', COALESCE(%%s, current_user), %%s) "
        "ON CONFLICT (module_name) WHERE status = 'deploying' DO NOTHING RETURNING %s"
        % (table(schema, 'module_version_history'), _COLUMNS),
        (module_name, from_version, to_version, actor, message))
    row = cursor.fetchone()
    if row is None:
        # Lost a race with a deploy that started between our check and our insert.
        running = deploys_in_progress(cursor, schema, module_name)
        raise DeployConflict('another %s' % (describe_deploy(running[0]) if running else 'deploy of %s' % module_name))
    return plain(row)


def update_deploy(cursor, schema, history_id, status=None, message=None, backup=None, check_mode=False):
    """Record progress (status None) or the outcome of an open deploy; returns (changed, row)."""
    row = fetch_deploy(cursor, schema, history_id)
    if row is None:
        raise DeployConflict('module_version_history has no row with id %s' % history_id)
    if row['status'] != 'deploying':
        if status == row['status'] and message in (None, row['message']) and backup in (None, row['backup']):
            return False, row
        raise DeployConflict('history row %s (%s) is already finished as %s'
                             % (history_id, row['module_name'], row['status']))
    wanted = dict(row)
    wanted.update((k, v) for k, v in (('status', status), ('message', message), ('backup', backup)) if v is not None)
    if wanted == row:
        return False, row
    if check_mode:
        return True, wanted
    cursor.execute(
        "UPDATE %s SET status = COALESCE(%%s, status), message = COALESCE(%%s, message), "
        "backup = COALESCE(%%s, backup), finished_at = CASE WHEN %%s THEN now() END "
        "WHERE id = %%s RETURNING %s" % (table(schema, 'module_version_history'), _COLUMNS),
        (status, message, backup, status is not None, history_id))
    return True, plain(cursor.fetchone())
