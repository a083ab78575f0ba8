# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A deploy's row in module_version_history: opened as ``deploying``, closed with its outcome.

The partial unique index on (module_name) WHERE status = 'deploying' makes the open row the
deploy's lock: a second deploy of the same blog module cannot open one, and a run that was
killed leaves its row behind for the next run to find.

The row also records which controller run owns it (``controller``, ``controller_pid``,
``controller_token``: see plugin_utils/controller_run), its last sign of life (``heartbeat_at``, renewed by every
step) and, once the deploy is about to change files, the state to return to (``checkpoint``).
A later run that finds the row and proves its owner dead (no session of it open, heartbeat older
than the lease) takes it over with a compare-and-set on that identity and heartbeat, so that two
recovering runs can never both act on it, nor one on a run that was alive after all.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.blogops.release.plugins.module_utils._connection import database_error_class, database_error_message
from ansible_collections.blogops.release.plugins.module_utils._module_versions import fetch_module_versions
from ansible_collections.blogops.release.plugins.module_utils._schema_drift import write_snapshot
from ansible_collections.blogops.release.plugins.module_utils._tracking_tables import (
    ensure_tracking_tables,
    history_status,
    table,
    tracking_tables_exist,
)

# The longest a deploy goes without renewing its heartbeat while no session of it is open: the upload of the
# release to every app host, or one batch of the switch with its health checks (a minute or two each at most with
# the defaults), with more than twice that as margin (plugin_utils/controller_run judges a run by it).
DEFAULT_LEASE = 300
FINAL_STATUSES = ('deployed', 'failed', 'halted', 'rolled_back')
RUN_FIELDS = ('controller', 'controller_pid', 'controller_token')
# Read through to_jsonb so that a history table of an earlier release, without the run columns, reads too.
_SELECT = ("SELECT to_jsonb(h) || jsonb_build_object('heartbeat_age_s', floor(extract(epoch FROM now() - "
           "COALESCE((to_jsonb(h) ->> 'heartbeat_at')::timestamptz, h.started_at)))) AS row FROM %s AS h")


class DeployConflict(Exception):
    """Another deploy is in progress, or a row cannot take the requested change."""


def describe_run(row):
    if not row.get('controller'):
        return 'controller unknown'
    return 'controller %s, ansible-playbook pid %s, last heartbeat %s s ago' % (
        row['controller'], row.get('controller_pid'), row.get('heartbeat_age_s'))


def describe_deploy(row):
    return "deploy of %s %s -> %s by %s started %s (history id %s, last step: %s; %s)" % (
        row['module_name'], row['from_version'] or '(none)', row['to_version'], row['actor'], row['started_at'],
        row['id'], row['message'] or 'none recorded', describe_run(row))


def _rows(cursor):
    result = []
    for record in cursor.fetchall():
        row = record['row']
        if isinstance(row, str):
            row = json.loads(row)
        row['heartbeat_age_s'] = int(row['heartbeat_age_s']) if row.get('heartbeat_age_s') is not None else None
        for field in RUN_FIELDS + ('heartbeat_at', 'checkpoint'):
            row.setdefault(field, None)
        row['status'] = history_status(row.get('status'), row.get('message'))
        result.append(row)
    return result


# The sessions that work for a deploy of a blog module (see connection.application_name): those named for the blog
# module (its migration, its records), and the whole-database backups and restores, which a deploy and its rollback
# run. A deployment query is only a look and never counts, nor does the session asking.
_SESSIONS = (
    "SELECT pid, application_name, state, floor(extract(epoch FROM now() - COALESCE(query_start, backend_start)))::int "
    "AS age_s FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
    "AND (application_name ~ ('^blogops\\.release/[a-z_]+/' || %s || '@') "
    "OR application_name ~ '^blogops\\.release/(db_backup|db_restore)@') "
    "AND application_name !~ '^blogops\\.release/deployment/' ORDER BY pid"
)


def deploy_sessions(cursor, module_name):
    """The open database sessions working for a deploy of blog module ``module_name`` (pid, application_name,
    state, age_s): while one is open, its run may be alive (plugin_utils/controller_run.run_state)."""
    cursor.execute(_SESSIONS, (module_name,))
    return [dict(row) for row in cursor.fetchall()]


def deploys_in_progress(cursor, schema, module_name=None, with_sessions=False):
    """The open deploy rows (of ``module_name``), each with its ``sessions`` when asked."""
    query = (_SELECT + " WHERE status = 'deploying'") % table(schema, 'module_version_history')
    params = ()
    if module_name is not None:
        query += ' AND module_name = %s'
        params = (module_name,)
    cursor.execute(query + ' ORDER BY id', params)
    rows = _rows(cursor)
    if with_sessions:
        for row in rows:
            row['sessions'] = deploy_sessions(cursor, row['module_name'])
    return rows


def fetch_deploy(cursor, schema, history_id):
    cursor.execute((_SELECT + ' WHERE id = %%s') % table(schema, 'module_version_history'), (history_id,))
    rows = _rows(cursor)
    return rows[0] if rows else None


def start_deploy(cursor, schema, module_name, to_version, actor=None, message=None, check_mode=False, run=None):
    """Open the deploy's row, owned by ``run`` (plugin_utils/controller_run.this_run); raises DeployConflict naming the
    deploy already in progress."""
    running = deploys_in_progress(cursor, schema, module_name)
    if running:
        raise DeployConflict('another %s; wait for it, or if that run died, let the next deploy recover it or run '
                             'the rollback playbook' % describe_deploy(running[0]))
    current = fetch_module_versions(cursor, schema, module_name).get(module_name)
    from_version = current['version'] if current else None
    run = run or {}
    if check_mode:
        row = dict(id=None, module_name=module_name, from_version=from_version, to_version=to_version,
                   status='deploying', backup=None, started_at=None, finished_at=None, actor=actor, message=message,
                   heartbeat_at=None, checkpoint=None)
        row.update((field, run.get(field)) for field in RUN_FIELDS)
        return row
    cursor.execute(
        "INSERT INTO %s AS h (module_name, from_version, to_version, status, actor, message, controller, "
        "controller_pid, controller_token, heartbeat_at) "
        "VALUES (%%s, %%s, %%s, 'deploying', COALESCE(%%s, current_user), %%s, %%s, %%s, %%s, now()) "
        "ON CONFLICT (module_name) WHERE status = 'deploying' DO NOTHING RETURNING id"
        % table(schema, 'module_version_history'),
        (module_name, from_version, to_version, actor, message) + tuple(run.get(field) for field in RUN_FIELDS))
    inserted = cursor.fetchone()
    if inserted is None:
        # Lost a race with a deploy that started between our check and our insert.
        running = deploys_in_progress(cursor, schema, module_name)
        raise DeployConflict('another %s' % (describe_deploy(running[0]) if running else 'deploy of %s' % module_name))
    return fetch_deploy(cursor, schema, inserted['id'])


def open_deploy(cursor, schema, module_name, to_version, actor=None, message=None, check_mode=False, run=None):
    """Open the deploy's row as the deployment module's O(state=started) does (creating the tracking tables first);
    in check mode, the row it would open, with a null id. Raises DeployConflict when another deploy is open."""
    if not check_mode:
        ensure_tracking_tables(cursor, schema)
    elif not tracking_tables_exist(cursor, schema):
        return dict(id=None, module_name=module_name, from_version=None, to_version=to_version, status='deploying')
    return start_deploy(cursor, schema, module_name, to_version, actor, message, check_mode=check_mode, run=run)


def _same(value, current):
    return value is None or value == current


def update_deploy(cursor, schema, history_id, status=None, message=None, backup=None, checkpoint=None,
                  check_mode=False):
    """Record progress (status None) or the outcome of an open deploy; returns (changed, row).

    Progress also renews the row's heartbeat; ``checkpoint`` (a dict) is the state to return to."""
    row = fetch_deploy(cursor, schema, history_id)
    if row is None:
        raise DeployConflict('module_version_history has no row with id %s' % history_id)
    if row['status'] != 'deploying':
        if status == row['status'] and _same(message, row['message']) and _same(backup, row['backup']):
            return False, row
        raise DeployConflict('history row %s (%s) is already finished as %s'
                             % (history_id, row['module_name'], row['status']))
    wanted = dict(row)
    wanted.update((k, v) for k, v in (('status', status), ('message', message), ('backup', backup),
                                      ('checkpoint', checkpoint)) if v is not None)
    if check_mode:
        return wanted != row, wanted
    ensure_tracking_tables(cursor, schema)
    cursor.execute(
        "UPDATE %s SET status = COALESCE(%%s, status), message = COALESCE(%%s, message), "
        "backup = COALESCE(%%s, backup), checkpoint = COALESCE(%%s::jsonb, checkpoint), heartbeat_at = now(), "
        "finished_at = CASE WHEN %%s THEN now() END WHERE id = %%s"
        % table(schema, 'module_version_history'),
        (status, message, backup, json.dumps(checkpoint, sort_keys=True) if checkpoint is not None else None,
         status is not None, history_id))
    # Whatever the outcome, what the schema became is the deploy's doing (and its rollback's), not out-of-band
    # drift: a halted deploy re-run to finish must not stop on its own migrations. Drift from before was checked by
    # its preflight, which opens no row and so records nothing when it stops.
    snapshot = _record_schema(cursor, schema, row['module_name'], history_id) if status is not None else None
    # A heartbeat alone is not a change worth reporting.
    after = fetch_deploy(cursor, schema, history_id)
    if snapshot is not None:
        after['schema_snapshot'] = snapshot
    return wanted != row, after


def _record_schema(cursor, schema, module_name, history_id):
    """The schema a deploy or rollback left, as the next drift check's reference; a failure to record
    it is reported, never a reason to fail the close (the next check then finds more drift or none)."""
    cursor.execute('SAVEPOINT schema_snapshot')
    try:
        objects = write_snapshot(cursor, schema, module_name, history_id)
    except database_error_class() as e:
        cursor.execute('ROLLBACK TO SAVEPOINT schema_snapshot')
        return dict(recorded=False, error=database_error_message(e))
    cursor.execute('RELEASE SAVEPOINT schema_snapshot')
    return dict(recorded=True, objects=objects)


def snapshot_warning(row):
    """The warning for a close whose schema could not be recorded, or None."""
    snapshot = (row or {}).get('schema_snapshot') or {}
    if snapshot.get('recorded') is False:
        return ('the schema this deploy left was not recorded, so the next drift check compares with an older one: %s'
                % snapshot['error'])
    return None


def take_over_deploy(cursor, schema, history_id, owner, run, message=None, check_mode=False):
    """Make ``run`` the owner of open deploy ``history_id`` if ``owner`` (the identity read before, whose
    run was found dead) still owns it; raises DeployConflict when the row moved on meanwhile."""
    row = fetch_deploy(cursor, schema, history_id)
    if row is None:
        raise DeployConflict('module_version_history has no row with id %s' % history_id)
    if row['status'] != 'deploying':
        raise DeployConflict('history row %s (%s) is already finished as %s: there is nothing left to recover'
                             % (history_id, row['module_name'], row['status']))
    if any(row.get(field) != owner.get(field) for field in RUN_FIELDS):
        raise DeployConflict('history row %s (%s) changed owner meanwhile (%s): another run is recovering it'
                             % (history_id, row['module_name'], describe_run(row)))
    # A heartbeat renewed since the owner was found dead proves it alive after all.
    beat = owner.get('heartbeat_at', row['heartbeat_at'])
    if row['heartbeat_at'] != beat:
        raise DeployConflict('history row %s (%s) renewed its heartbeat (%s) after its run was found dead: that run '
                             'is alive, nothing was taken over' % (history_id, row['module_name'], row['heartbeat_at']))
    if check_mode:
        row.update((field, run.get(field)) for field in RUN_FIELDS)
        return row
    ensure_tracking_tables(cursor, schema)
    cursor.execute(
        'UPDATE %s AS h SET controller = %%s, controller_pid = %%s, controller_token = %%s, heartbeat_at = now(), '
        'message = COALESCE(%%s, message) WHERE id = %%s AND status = %%s AND controller IS NOT DISTINCT FROM %%s '
        'AND controller_pid IS NOT DISTINCT FROM %%s AND controller_token IS NOT DISTINCT FROM %%s '
        "AND to_jsonb(h) ->> 'heartbeat_at' IS NOT DISTINCT FROM %%s RETURNING id"
        % table(schema, 'module_version_history'),
        tuple(run.get(field) for field in RUN_FIELDS) + (message, history_id, 'deploying')
        + tuple(owner.get(field) for field in RUN_FIELDS) + (beat,))
    if cursor.fetchone() is None:
        raise DeployConflict('history row %s (%s) changed owner meanwhile: another run is recovering it'
                             % (history_id, row['module_name']))
    return fetch_deploy(cursor, schema, history_id)
