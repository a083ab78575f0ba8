# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The tracking tables: module_version, module_version_history, schema_version, and schema_snapshot."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.blogops.release.plugins.module_utils._advisory_lock import LOCK_CLASS, lock_purpose, xact_lock_sql
from ansible_collections.blogops.release.plugins.module_utils._identifiers import quote_ident

TABLES = ('module_version', 'module_version_history', 'schema_version')
# halted: a rolling deploy that stopped part way (blogops_release_on_host_failure=halt), its new release live on
# some hosts and the schema migrated; in effect until a rollback undoes it.
HISTORY_STATUSES = ('deploying', 'deployed', 'failed', 'halted', 'rolled_back')
# How a halted deploy was stored before it had a status of its own: ``failed``, with this in its message.
HALTED_NOTE = 'the rollout halted'
SCHEMA_KINDS = ('migrate', 'undo', 'baseline', 'repair')

# The schema as the applied migrations made it, recorded when a deploy or rollback closes (schema_drift).
_SNAPSHOT_DDL = '''CREATE TABLE IF NOT EXISTS {s}.schema_snapshot (
        single boolean PRIMARY KEY DEFAULT true CHECK (single),
        objects jsonb NOT NULL,
        modules jsonb NOT NULL DEFAULT '{{}}'::jsonb,
        module_name text,
        history_id bigint,
        server_version integer,
        taken_at timestamptz NOT NULL DEFAULT now(),
        taken_by text NOT NULL DEFAULT current_user)'''

_DDL = (
    '''CREATE TABLE IF NOT EXISTS {s}.module_version (
        module_name text PRIMARY KEY,
        version text NOT NULL,
        schema_version text,
        dependencies jsonb NOT NULL DEFAULT '{{}}'::jsonb,
        checksum text,
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by text NOT NULL DEFAULT current_user)''',
    '''CREATE TABLE IF NOT EXISTS {s}.module_version_history (
        id bigserial PRIMARY KEY,
        module_name text NOT NULL,
        from_version text,
        to_version text,
        status text NOT NULL CONSTRAINT module_version_history_status_check CHECK (status IN ({statuses})),
        backup text,
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        actor text NOT NULL DEFAULT current_user,
        message text,
        controller text,
        controller_pid integer,
        controller_token text,
        heartbeat_at timestamptz,
        checkpoint jsonb)''',
    'CREATE INDEX IF NOT EXISTS module_version_history_module_idx ON {s}.module_version_history (module_name, id)',
    # At most one deploy in progress per blog module: the row of a running deploy is its lock.
    "CREATE UNIQUE INDEX IF NOT EXISTS module_version_history_one_deploying "
    "ON {s}.module_version_history (module_name) WHERE status = 'deploying'",
    '''CREATE TABLE IF NOT EXISTS {s}.schema_version (
        id bigserial PRIMARY KEY,
        module_name text NOT NULL,
        version text NOT NULL,
        description text NOT NULL DEFAULT '',
        script text,
        checksum text,
        kind text NOT NULL DEFAULT 'migrate' CHECK (kind IN ('migrate', 'undo', 'baseline', 'repair')),
        applied_by text NOT NULL DEFAULT current_user,
        applied_at timestamptz NOT NULL DEFAULT now(),
        execution_ms integer NOT NULL DEFAULT 0,
        success boolean NOT NULL DEFAULT true)''',
    'CREATE INDEX IF NOT EXISTS schema_version_module_idx ON {s}.schema_version (module_name, id)',
    # With the others on a new database; on one of an earlier release, ensure_snapshot_table makes it.
    _SNAPSHOT_DDL,
)


def history_status(status, message):
    """The status a history row reads as: a row of an earlier release stored as ``failed`` whose message says
    the rollout halted is ``halted``."""
    if status == 'failed' and HALTED_NOTE in (message or ''):
        return 'halted'
    return status


def table(schema, name):
    """The quoted, schema-qualified name of a tracking table."""
    return '%s.%s' % (quote_ident(schema), quote_ident(name))


# Checked with the tables, so that a database from an earlier release gets what was added since.
INDEXES = ('module_version_history_one_deploying',)
# Columns added to module_version_history since its first release: which controller run opened a deploy,
# its last sign of life, and the state a recovery returns to (deploy_history, controller_run).
HISTORY_RUN_COLUMNS = (('controller', 'text'), ('controller_pid', 'integer'), ('controller_token', 'text'),
                       ('heartbeat_at', 'timestamptz'), ('checkpoint', 'jsonb'))


_NEWEST_STATUS = "%'halted'%"
# A CHECK constraint of module_version_history that names the statuses but not the newest one (an earlier release's).
_STALE_STATUS_CHECKS = ("SELECT conname::text AS name FROM pg_constraint WHERE conrelid = to_regclass(%s) AND contype = 'c' "
                        "AND pg_get_constraintdef(oid) LIKE '%%status%%' AND pg_get_constraintdef(oid) NOT LIKE %s")


def _tables_state(cursor, schema):
    """(tables and indexes exist, module_version_history has every column and status of this release)."""
    names = TABLES + INDEXES
    history = table(schema, 'module_version_history')
    cursor.execute('SELECT ' + ' AND '.join(['to_regclass(%s) IS NOT NULL'] * len(names)) + ' AS present, '
                   '(SELECT count(*) FROM pg_attribute WHERE attrelid = to_regclass(%s) AND NOT attisdropped '
                   'AND attname::text = ANY(%s)) AS columns, '
                   'EXISTS (' + _STALE_STATUS_CHECKS + ') AS stale',
                   [table(schema, name) for name in names]
                   + [history, [name for name, _type in HISTORY_RUN_COLUMNS], history, _NEWEST_STATUS])
    row = cursor.fetchone()
    return bool(row['present']), row['columns'] == len(HISTORY_RUN_COLUMNS) and not row['stale']


def _statuses_sql():
    return ', '.join("'%s'" % status for status in HISTORY_STATUSES)


def _upgrade_status_check(cursor, schema):
    """Replace an earlier release's CHECK on the history's status by one that accepts every status of this one
    (a superset: the rows there already satisfy it)."""
    history = table(schema, 'module_version_history')
    cursor.execute(_STALE_STATUS_CHECKS, (history, _NEWEST_STATUS))
    for row in cursor.fetchall():
        cursor.execute('ALTER TABLE %s DROP CONSTRAINT %s' % (history, quote_ident(row['name'])))
        cursor.execute('ALTER TABLE %s ADD CONSTRAINT %s CHECK (status IN (%s))'
                       % (history, quote_ident(row['name']), _statuses_sql()))


def tracking_tables_exist(cursor, schema):
    """True when the tables exist (readers cope with a history table of an earlier release)."""
    return _tables_state(cursor, schema)[0]


def ensure_tracking_tables(cursor, schema):
    """Create the schema and tables when missing, in the caller's transaction; True when created.

    A history table of an earlier release gets the columns added since (HISTORY_RUN_COLUMNS) and a status
    check that accepts ``halted``.

    The transaction-level advisory lock makes concurrent first runs wait for each other instead
    of failing on the catalogs' unique indexes; the second one then finds the tables there.
    """
    if all(_tables_state(cursor, schema)):
        return False
    cursor.execute(xact_lock_sql(), (LOCK_CLASS, lock_purpose('tracking', schema)))
    exist, current = _tables_state(cursor, schema)
    if exist and current:
        return False
    cursor.execute('SELECT 1 AS found FROM pg_namespace WHERE nspname = %s', (schema,))
    if cursor.fetchone() is None:
        cursor.execute('CREATE SCHEMA %s' % quote_ident(schema))
    for statement in _DDL:
        cursor.execute(statement.format(s=quote_ident(schema), statuses=_statuses_sql()))
    for name, column_type in HISTORY_RUN_COLUMNS:
        cursor.execute('ALTER TABLE %s ADD COLUMN IF NOT EXISTS %s %s'
                       % (table(schema, 'module_version_history'), quote_ident(name), column_type))
    _upgrade_status_check(cursor, schema)
    return not exist


# Not in TABLES: a database of an earlier release gets it from the first run that writes it (ensure_snapshot_table), so
# that readers and roles that never record a deploy neither miss it nor need CREATE for it.
SNAPSHOT_TABLE = 'schema_snapshot'


def ensure_snapshot_table(cursor, schema):
    """Create the snapshot table when missing, in the caller's transaction (the tracking tables exist)."""
    cursor.execute('SELECT to_regclass(%s) IS NOT NULL AS present', (table(schema, SNAPSHOT_TABLE),))
    if cursor.fetchone()['present']:
        return
    cursor.execute(xact_lock_sql(), (LOCK_CLASS, lock_purpose('tracking', schema)))
    cursor.execute(_SNAPSHOT_DDL.format(s=quote_ident(schema)))
