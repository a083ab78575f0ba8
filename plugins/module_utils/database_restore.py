# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Restoring a database backup, after checking it against its sidecar.

``replace`` restores over the database in one transaction (``pg_restore --clean --if-exists
--single-transaction``, or ``psql --single-transaction -v ON_ERROR_STOP=1`` for plain dumps):
it lands completely or not at all. ``new`` restores into a database it creates, ``verify`` into
a scratch database that is dropped afterwards whatever happens; a new database whose restore
failed is dropped too. After the restore, the schema and blog module versions of the restored
database must be the sidecar's.

``replace`` keeps the audit trail: the module_version_history rows of the database before the
restore are put back after it (rows the backup holds take the newer values), so that restoring
the backup of a failed deploy does not erase the record of that deploy.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import time
import uuid

from ansible_collections.blogops.release.plugins.module_utils.backup_sidecar import (
    VERSION_FIELDS,
    check_backup,
    read_versions,
    version_differences,
)
from ansible_collections.blogops.release.plugins.module_utils.connection import dict_cursor
from ansible_collections.blogops.release.plugins.module_utils.identifiers import quote_ident
from ansible_collections.blogops.release.plugins.module_utils.tracking_tables import (
    ensure_tracking_tables,
    table,
    tracking_tables_exist,
)

MODES = ('replace', 'verify', 'new')
SCRATCH_PREFIX = 'blogops_verify_'


class RestoreError(RuntimeError):
    """A restore that did not happen, failed, or restored something other than its sidecar describes."""


def check_restore_options(mode, jobs, target_db):
    """Raise ValueError for options that do not go together, before anything is touched."""
    if mode not in MODES:
        raise ValueError('invalid mode %r: expected one of %s' % (mode, ', '.join(MODES)))
    if jobs < 1:
        raise ValueError('jobs must be 1 or more, got %d' % jobs)
    if mode == 'replace' and jobs > 1:
        raise ValueError('mode=replace restores in one transaction, so that a failure leaves the database as it '
                         'was, and pg_restore cannot do that with jobs > 1. Use jobs=1, or mode=new to restore '
                         'in parallel into a new database')
    if mode == 'new' and not target_db:
        raise ValueError('mode=new needs target_db, the database to create and restore into')
    if mode != 'new' and target_db:
        raise ValueError('target_db is only used with mode=new')


def _as_parameter(value):
    """A column value as a query parameter; JSON documents as their text, which either driver sends untyped."""
    return json.dumps(value, sort_keys=True) if isinstance(value, (dict, list)) else value


def sql_literal(text):
    return "'%s'" % text.replace("'", "''")


class DatabaseRestore:
    """One run of db_restore.

    ``connect(dbname, autocommit)`` opens a session to a database of the server (dict rows);
    ``client`` is a PgClient; ``backup`` a backup_catalog.Backup.
    """

    def __init__(self, connect, client, backup, mode, database, target_db=None, jobs=1, check_mode=False,
                 workers=1, database_error=Exception, error_message=str):
        self.connect = connect
        self.client = client
        self.backup = backup
        self.sidecar = backup.sidecar
        self.mode = mode
        self.database = database
        self.target_db = target_db
        self.jobs = jobs
        self.check_mode = check_mode
        self.workers = workers
        self.database_error = database_error
        self.error_message = error_message
        self.schema = self.sidecar.get('tracking_schema') or 'public'

    def versions_of(self, dbname):
        conn = self.connect(dbname, False)
        try:
            versions = read_versions(dict_cursor(conn), self.schema)
            conn.rollback()
            return versions
        finally:
            conn.close()

    def read_history(self, dbname):
        """The module_version_history rows of a database, or [] without tracking tables."""
        conn = self.connect(dbname, False)
        try:
            cursor = dict_cursor(conn)
            if not tracking_tables_exist(cursor, self.schema):
                return []
            history = table(self.schema, 'module_version_history')
            # Every column, those a later release added included (the open deploy's owner and checkpoint).
            cursor.execute('SELECT * FROM %s ORDER BY id' % history)
            rows = [dict(row) for row in cursor.fetchall()]
            conn.rollback()
            return rows
        finally:
            conn.close()

    def put_history_back(self, dbname, rows):
        """Insert or update the rows read before the restore; returns how many there were."""
        if not rows:
            return 0
        conn = self.connect(dbname, False)
        try:
            cursor = dict_cursor(conn)
            ensure_tracking_tables(cursor, self.schema)
            history = table(self.schema, 'module_version_history')
            columns = list(rows[0])
            statement = ('INSERT INTO %s (%s) VALUES (%s) ON CONFLICT (id) DO UPDATE SET %s'
                         % (history, ', '.join(quote_ident(c) for c in columns), ', '.join(['%s'] * len(columns)),
                            ', '.join('%s = EXCLUDED.%s' % (quote_ident(c), quote_ident(c)) for c in columns if c != 'id')))
            for row in rows:
                cursor.execute(statement, [_as_parameter(row[c]) for c in columns])
            cursor.execute("SELECT setval(pg_get_serial_sequence(%%s, 'id'), (SELECT max(id) FROM %s))" % history,
                           (history,))
            conn.commit()
            return len(rows)
        finally:
            conn.close()

    def database_exists(self, admin, name):
        cursor = dict_cursor(admin)
        cursor.execute('SELECT 1 AS found FROM pg_database WHERE datname = %s', (name,))
        return cursor.fetchone() is not None

    def create_database(self, admin, name):
        statement = 'CREATE DATABASE %s TEMPLATE template0' % quote_ident(name)
        if self.sidecar.get('encoding'):
            statement += ' ENCODING %s' % sql_literal(self.sidecar['encoding'])
        if self.sidecar.get('lc_collate') and self.sidecar.get('lc_ctype'):
            statement += ' LC_COLLATE %s LC_CTYPE %s' % (
                sql_literal(self.sidecar['lc_collate']), sql_literal(self.sidecar['lc_ctype']))
        dict_cursor(admin).execute(statement)

    def drop_database(self, admin, name):
        cursor = dict_cursor(admin)
        cursor.execute("SELECT current_setting('server_version_num')::int AS num")
        if cursor.fetchone()['num'] >= 130000:
            cursor.execute('DROP DATABASE IF EXISTS %s WITH (FORCE)' % quote_ident(name))
        else:
            cursor.execute('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s', (name,))
            cursor.execute('DROP DATABASE IF EXISTS %s' % quote_ident(name))

    def restore_args(self, target):
        conninfo = '--dbname=' + self.client.conninfo(target)
        if self.sidecar['format'] == 'plain':
            return 'psql', ['-X', '-q', '--no-password', '-v', 'ON_ERROR_STOP=1', '--single-transaction', conninfo,
                            '--file=' + self.backup.path]
        args = ['--no-password', conninfo, '--exit-on-error']
        if self.mode == 'replace':
            args += ['--clean', '--if-exists']
        args += ['--single-transaction'] if self.jobs == 1 else ['--jobs=%d' % self.jobs]
        return 'pg_restore', args + [self.backup.path]

    def restore_into(self, target):
        program, args = self.restore_args(target)
        with self.client.environment() as env:
            self.client.run('cannot restore %s into database %s' % (self.backup.path, target), program, args, env)

    def run(self):
        if self.sidecar['format'] == 'plain' and self.jobs > 1:
            raise RestoreError('%s is a plain-format backup, restored by psql in one session: jobs must be 1'
                               % self.backup.path)
        program, _args = self.restore_args(self.database)
        self.client.program(program)
        started = time.perf_counter()
        check_backup(self.backup.path, self.sidecar, self.workers)
        checksum_seconds = time.perf_counter() - started
        expected = dict((field, self.sidecar[field]) for field in VERSION_FIELDS)
        result = dict(changed=self.mode != 'verify', mode=self.mode, backup=self.backup.summary(),
                      schema_version=expected['schema_version'], schema_versions=expected['schema_versions'],
                      timings=dict(checksum_seconds=round(checksum_seconds, 3)))

        admin = self.connect(self.database, True)
        try:
            history = []
            if self.mode == 'replace':
                target = self.database
                result['before'] = self.versions_of(target)
                history = self.read_history(target)
            elif self.mode == 'new':
                target = self.target_db
                if self.database_exists(admin, target):
                    raise RestoreError("database '%s' exists already: mode=new restores only into a database it "
                                       'creates (use mode=replace to restore over a database)' % target)
            else:
                target = SCRATCH_PREFIX + uuid.uuid4().hex[:12]
                result['scratch_database'] = target
            result['database'] = target
            if self.check_mode:
                return result
            self._restore(admin, target, expected)
            result['history_kept'] = self.put_history_back(target, history)
        finally:
            admin.close()
        result['timings']['restore_seconds'] = round(time.perf_counter() - started - checksum_seconds, 3)
        return result

    def _restore(self, admin, target, expected):
        created = False
        try:
            if self.mode != 'replace':
                self.create_database(admin, target)
                created = True
            self.restore_into(target)
            differences = version_differences(expected, self.versions_of(target))
            if differences:
                raise RestoreError('the database %s restored from %s does not match its sidecar %s: %s'
                                   % (target, self.backup.path, self.backup.sidecar_path, '; '.join(differences)))
        except BaseException as e:
            if created:
                self._drop_after_failure(admin, target, e)
            raise
        if self.mode == 'verify':
            self.drop_database(admin, target)

    def _drop_after_failure(self, admin, target, error):
        try:
            self.drop_database(admin, target)
        except self.database_error as drop_error:
            raise RestoreError('%s; and the database %s it created could not be dropped: %s'
                               % (error, target, self.error_message(drop_error)))
