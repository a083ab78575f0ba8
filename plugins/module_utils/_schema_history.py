# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The schema_version table: what is applied, per blog module and for the whole database."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.blogops.release.plugins.module_utils._migration_version import migration_version_key
from ansible_collections.blogops.release.plugins.module_utils._module_versions import plain
from ansible_collections.blogops.release.plugins.module_utils._tracking_tables import table

COLUMNS = ('id', 'module_name', 'version', 'description', 'script', 'checksum', 'kind',
           'applied_by', 'applied_at', 'execution_ms', 'success')


class SchemaHistoryConflict(ValueError):
    """A request that contradicts what schema_version already says."""


def applied_versions(rows):
    """Replay ``rows`` (one blog module's, oldest first) and return {version key: row}.

    A successful migrate or baseline row applies its version; an undo row takes it back; a
    repair row replaces the checksum of an applied version. Failed rows change nothing.
    """
    applied = {}
    for row in rows:
        if not row['success']:
            continue
        key = migration_version_key(row['version'])
        if row['kind'] in ('migrate', 'baseline'):
            applied[key] = dict(row)
        elif row['kind'] == 'undo':
            applied.pop(key, None)
        elif row['kind'] == 'repair' and key in applied:
            applied[key] = dict(applied[key], checksum=row['checksum'])
    return applied


def unresolved_failures(rows):
    """Failed rows (oldest first) that are still the newest row of their version.

    A failure outside a transaction may have left part of a script applied; it stays in the
    way until a repair row (or a successful run of that version) follows it.
    """
    newest = {}
    for row in rows:
        newest[migration_version_key(row['version'])] = row
    return [row for row in newest.values() if not row['success']]


def current_version_row(rows):
    """The row of the highest applied version of one blog module, or None."""
    applied = applied_versions(rows)
    return applied[max(applied)] if applied else None


def current_versions(rows):
    """{blog module: row of its current schema version} for rows of any blog modules, oldest first."""
    per_module = {}
    for row in rows:
        per_module.setdefault(row['module_name'], []).append(row)
    result = {}
    for module_name, module_rows in per_module.items():
        row = current_version_row(module_rows)
        if row is not None:
            result[module_name] = row
    return result


def database_version_row(rows):
    """The row of the database's schema version, for rows of any blog modules, oldest first: the newest
    applied migration (by apply order) that no later undo took back, or None. Undo, repair and failed rows
    are not versions the database is at."""
    newest = None
    for row in current_rows(rows):
        if newest is None or row['id'] > newest['id']:
            newest = row
    return newest


def current_rows(rows):
    """Every row whose version is applied and not undone, of every blog module in ``rows`` (oldest first)."""
    per_module = {}
    for row in rows:
        per_module.setdefault(row['module_name'], []).append(row)
    return [applied for module_rows in per_module.values() for applied in applied_versions(module_rows).values()]


def plan_record(rows, request):
    """Decide whether recording ``request`` adds a row; rows are the blog module's, oldest first.

    Returns False when the newest row of that version already says the same (same kind,
    checksum and outcome), True when a row must be added, and raises SchemaHistoryConflict
    when the request contradicts the history.
    """
    key = migration_version_key(request['version'])
    same_version = [row for row in rows if migration_version_key(row['version']) == key]
    if same_version:
        newest = same_version[-1]
        if (newest['kind'], newest['checksum'], bool(newest['success'])) == (
                request['kind'], request['checksum'], bool(request['success'])):
            return False
    applied = applied_versions(rows).get(key)
    where = "schema version %s of blog module '%s'" % (request['version'], request['module_name'])
    if request['kind'] in ('migrate', 'baseline') and request['success'] and applied is not None:
        if applied['checksum'] == request['checksum']:
            return False
        raise SchemaHistoryConflict(
            '%s is already applied with checksum %s; the request has checksum %s. Record kind=repair '
            '(or run blogops.release.migrate with state=repair) to accept the changed script'
            % (where, applied['checksum'], request['checksum']))
    if request['kind'] == 'repair':
        # A repair either clears a failed run or accepts a changed checksum of an applied version.
        if same_version and not same_version[-1]['success']:
            return True
        if applied is not None:
            return applied['checksum'] != request['checksum']
        raise SchemaHistoryConflict('%s is neither applied nor failed, so there is nothing to repair' % where)
    if request['kind'] == 'undo' and request['success'] and applied is None:
        raise SchemaHistoryConflict('%s is not applied, so it cannot be recorded as undone' % where)
    return True


def fetch_schema_rows(cursor, schema, module_name=None):
    """schema_version rows, oldest first, as JSON-friendly dicts."""
    query = 'SELECT %s FROM %s' % (', '.join(COLUMNS), table(schema, 'schema_version'))
    params = ()
    if module_name is not None:
        query += ' WHERE module_name = %s'
        params = (module_name,)
    cursor.execute(query + ' ORDER BY id', params)
    return [plain(row) for row in cursor.fetchall()]


_INSERT = 'INSERT INTO %s (module_name, version, description, script, checksum, kind, applied_by, execution_ms, success) VALUES '
_INSERT_VALUES = '(%s, %s, %s, %s, %s, %s, COALESCE(%s, current_user), %s, %s)'
# Rows per INSERT statement: well below the 65535 bound parameters of the extended protocol.
INSERT_CHUNK = 1000


def _insert_params(request, actor):
    return (request['module_name'], request['version'], request['description'] or '', request['script'],
            request['checksum'], request['kind'], actor, request['execution_ms'], request['success'])


def insert_schema_row(cursor, schema, request, actor=None):
    """Append one schema_version row and return it as stored."""
    query = _INSERT % table(schema, 'schema_version') + _INSERT_VALUES + ' RETURNING ' + ', '.join(COLUMNS)
    cursor.execute(query, _insert_params(request, actor))
    return plain(cursor.fetchone())


def insert_schema_rows(cursor, schema, requests, actor=None):
    """Append schema_version rows in the order given, with one multi-row INSERT per chunk."""
    for start in range(0, len(requests), INSERT_CHUNK):
        chunk = requests[start:start + INSERT_CHUNK]
        query = _INSERT % table(schema, 'schema_version') + ', '.join([_INSERT_VALUES] * len(chunk))
        cursor.execute(query, [value for request in chunk for value in _insert_params(request, actor)])


def mark_schema_row_succeeded(cursor, schema, row_id, execution_ms):
    """Turn the success=false row written before a script ran outside a transaction into a success."""
    cursor.execute('UPDATE %s SET success = true, execution_ms = %%s WHERE id = %%s' % table(schema, 'schema_version'),
                   (execution_ms, row_id))


def fetch_newest_schema_row(cursor, schema):
    """The row of the database's schema version (database_version_row), or None.

    Not simply the newest row: after undo scripts ran, the newest row is an undo of a version that is
    no longer applied."""
    return database_version_row(fetch_schema_rows(cursor, schema))
