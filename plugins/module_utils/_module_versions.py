# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reading and writing module_version and its history; every value a bound parameter."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json

from ansible_collections.blogops.release.plugins.module_utils._tracking_tables import (
    ensure_tracking_tables,
    history_status,
    table,
    tracking_tables_exist,
)

RECORD_FIELDS = ('version', 'schema_version', 'dependencies', 'checksum')
_ROW_COLUMNS = 'module_name, version, schema_version, dependencies, checksum, updated_at, updated_by'
_HISTORY_COLUMNS = 'id, module_name, from_version, to_version, status, backup, started_at, finished_at, actor, message'


def plain(row):
    """A database row as JSON-friendly values: timestamps as ISO 8601 text, jsonb as dicts."""
    result = {}
    for key, value in dict(row).items():
        if isinstance(value, (datetime.datetime, datetime.date)):
            value = value.isoformat()
        elif key in ('dependencies', 'checkpoint') and isinstance(value, str):
            value = json.loads(value)
        result[key] = value
    return result


def record_of(row):
    """The part of a module_version row that a caller sets, for comparison and diffs."""
    if row is None:
        return None
    return dict((field, row.get(field)) for field in RECORD_FIELDS)


def fetch_module_versions(cursor, schema, module_name=None):
    """Current rows, keyed by blog module name."""
    query = 'SELECT %s FROM %s' % (_ROW_COLUMNS, table(schema, 'module_version'))
    params = ()
    if module_name is not None:
        query += ' WHERE module_name = %s'
        params = (module_name,)
    cursor.execute(query + ' ORDER BY module_name', params)
    return dict((row['module_name'], plain(row)) for row in cursor.fetchall())


def upsert_module_version(cursor, schema, module_name, record, actor=None):
    """Insert or update the row of ``module_name``, as the seed guide does; returns the statement."""
    query = (
        'INSERT INTO %s AS mv (module_name, version, schema_version, dependencies, checksum, updated_by) '
        'VALUES (%%s, %%s, %%s, %%s::jsonb, %%s, COALESCE(%%s, current_user)) '
        'ON CONFLICT (module_name) DO UPDATE SET version = EXCLUDED.version, '
        'schema_version = EXCLUDED.schema_version, dependencies = EXCLUDED.dependencies, '
        'checksum = EXCLUDED.checksum, updated_at = now(), updated_by = EXCLUDED.updated_by'
    ) % table(schema, 'module_version')
    params = (module_name, record['version'], record['schema_version'],
              json.dumps(record['dependencies'], sort_keys=True), record['checksum'], actor)
    cursor.execute(query, params)
    return query


def delete_module_version(cursor, schema, module_name):
    query = 'DELETE FROM %s WHERE module_name = %%s' % table(schema, 'module_version')
    cursor.execute(query, (module_name,))
    return query


def append_history(cursor, schema, module_name, from_version, to_version, status,
                   actor=None, message=None, backup=None, finished=True):
    """Append an audit row and return its id."""
    query = (
        'INSERT INTO %s (module_name, from_version, to_version, status, backup, finished_at, actor, message) '
        'VALUES (%%s, %%s, %%s, %%s, %%s, CASE WHEN %%s THEN now() END, COALESCE(%%s, current_user), %%s) '
        'RETURNING id'
    ) % table(schema, 'module_version_history')
    cursor.execute(query, (module_name, from_version, to_version, status, backup, finished, actor, message))
    return cursor.fetchone()['id']


def fetch_history(cursor, schema, module_name=None, limit=None, checkpoint=False):
    """History rows, newest first; with ``checkpoint``, each deploy's checkpoint too (null for a table of an
    earlier release, which has no such column). A halted deploy stored by an earlier release as ``failed`` reads
    as ``halted``."""
    columns = _HISTORY_COLUMNS + (", to_jsonb(h) -> 'checkpoint' AS checkpoint" if checkpoint else '')
    query = 'SELECT %s FROM %s AS h' % (columns, table(schema, 'module_version_history'))
    params = []
    if module_name is not None:
        query += ' WHERE module_name = %s'
        params.append(module_name)
    query += ' ORDER BY id DESC'
    if limit:
        query += ' LIMIT %s'
        params.append(limit)
    cursor.execute(query, params)
    rows = [plain(row) for row in cursor.fetchall()]
    for row in rows:
        row['status'] = history_status(row['status'], row['message'])
    return rows


def apply_module_version(cursor, schema, module_name, record, actor=None, check_mode=False, record_history=True):
    """Make the row of ``module_name`` equal ``record`` (None: no row); returns what happened.

    A version change appends a history row with status ``deployed``, unless ``record_history``
    is false (a deploy's own row records it). Check mode reads only and never creates the
    tracking tables.
    """
    if check_mode:
        exists = tracking_tables_exist(cursor, schema)
    else:
        ensure_tracking_tables(cursor, schema)
        exists = True
    current = fetch_module_versions(cursor, schema, module_name).get(module_name) if exists else None
    before = record_of(current)
    result = dict(changed=before != record, before=before, after=record, row=current, history_id=None)
    if not result['changed'] or check_mode:
        return result
    from_version = before['version'] if before else None
    to_version = record['version'] if record else None
    if record is None:
        delete_module_version(cursor, schema, module_name)
    else:
        upsert_module_version(cursor, schema, module_name, record, actor)
    if from_version != to_version and record_history:
        message = 'recorded by blogops.release.module_version' if record else 'removed by blogops.release.module_version'
        result['history_id'] = append_history(cursor, schema, module_name, from_version, to_version, 'deployed',
                                              actor=actor, message=message)
    result['row'] = fetch_module_versions(cursor, schema, module_name).get(module_name)
    return result
