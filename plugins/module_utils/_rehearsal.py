# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A deploy's migrations rehearsed on a copy of its database, measured, on the database server itself.

1. What is pending is read from the live database's history (read only); with nothing pending, nothing else runs.
2. The copy: the newest backup of the database (``latest``, checked against its sidecar and checksum), or a fresh
   ``pg_dump`` when there is none (``source=auto``) or when asked (``source=dump``), restored into a new scratch
   database ``<database>_blogops_rehearse_<8 hex>`` by the exact restore of db_restore.
3. The migrations run there through MeasuringRunner, the deploy's runner (transaction mode, placeholders,
   lock_timeout, statement_timeout), with the measurements of rehearsal_runner. The backup may be older than the
   live database: the migrations the live database has and the copy lacks run first and are reported as catching
   up, not measured against the thresholds.
4. The scratch database is dropped whatever happens; a scratch database that a killed run left behind (its name
   matches and no session uses it) is dropped by the next rehearsal of the same database.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import os
import re
import time

from ansible_collections.blogops.release.plugins.module_utils._atomic_file import atomic_file
from ansible_collections.blogops.release.plugins.module_utils._backup_catalog import BackupNotFound, resolve_backup
from ansible_collections.blogops.release.plugins.module_utils._backup_sidecar import (
    BackupMismatch,
    InvalidSidecar,
    check_backup,
)
from ansible_collections.blogops.release.plugins.module_utils._backup_trust import UntrustedBackup
from ansible_collections.blogops.release.plugins.module_utils._backup_versions import read_versions
from ansible_collections.blogops.release.plugins.module_utils._connection import dict_cursor
from ansible_collections.blogops.release.plugins.module_utils._database_restore import DatabaseRestore, work_name
from ansible_collections.blogops.release.plugins.module_utils._identifiers import quote_ident
from ansible_collections.blogops.release.plugins.module_utils._migration_plan import PlanError, group_steps, plan_apply
from ansible_collections.blogops.release.plugins.module_utils._migration_runner import MigrationFailed
from ansible_collections.blogops.release.plugins.module_utils._rehearsal_report import check_thresholds, report_lines
from ansible_collections.blogops.release.plugins.module_utils._rehearsal_runner import MeasuringRunner
from ansible_collections.blogops.release.plugins.module_utils._schema_history import fetch_schema_rows
from ansible_collections.blogops.release.plugins.module_utils._tracking_tables import tracking_tables_exist

SOURCES = ('auto', 'backup', 'dump')
PURPOSE = 'rehearse'
TOKEN = re.compile(r'^[0-9a-f]{8}$')


class RehearsalError(RuntimeError):
    """A rehearsal that could not run, or whose migrations failed."""


def scratch_prefix(database):
    """What every scratch database name of ``database`` starts with; eight hex digits follow."""
    return work_name(database, PURPOSE, '0' * 8)[:-8]


def is_scratch_name(name, database):
    prefix = scratch_prefix(database)
    return name.startswith(prefix) and bool(TOKEN.match(name[len(prefix):]))


RECORD_NAME = 'rehearsal-%s.json'


def rehearsal_record(module_name, result, failure=None, now=None):
    """What the status report shows of a rehearsal: outcome, source, figures, per migration its time, rewrites and
    the strongest lock it held on a table that existed before."""
    migrations = []
    for migration in result.get('migrations') or []:
        locks = [lock for lock in migration['locks'] if not lock['created'] and lock['kind'] in ('r', 'p', 'm')]
        strongest = max(locks, key=lambda lock: (lock['blocks_reads'], lock['blocks_writes'], lock['held_ms'] or 0),
                        default=None)
        migrations.append(dict(
            script=migration['script'], duration_ms=migration['duration_ms'],
            rewrites=sorted(set(r for s in migration['statements'] for r in s['rewrites'])),
            lock=dict((k, strongest[k]) for k in ('relation', 'mode', 'held_ms', 'size')) if strongest else None))
    violations = result.get('violations') or []
    return dict(module=module_name, at=(now or datetime.datetime.now(datetime.timezone.utc)).isoformat(),
                outcome='failed' if failure else ('stopped' if violations else 'passed'), failure=failure,
                pending=result.get('pending') or [], source=result.get('source'), duration_ms=result.get('duration_ms'),
                restore_seconds=result.get('restore_seconds'), violations=violations, migrations=migrations)


def write_record(directory, record):
    """Write ``record`` as ``<directory>/rehearsal-<module>.json`` (replacing the last one); returns its path."""
    path = os.path.join(directory, RECORD_NAME % record['module'])
    with atomic_file(path) as f:
        f.write(json.dumps(record, sort_keys=True, indent=1).encode('utf-8'))
    return path


class FreshDump:
    """A dump made for the rehearsal, shaped like a backup_catalog.Backup for DatabaseRestore."""

    def __init__(self, path, sidecar):
        self.path = path
        self.sidecar = sidecar
        self.sidecar_path = '(none: a dump made for the rehearsal)'


class Rehearsal:
    """One rehearsal. ``connect(dbname, autocommit)`` opens a session to a database of the server; ``client`` is a
    PgClient; ``migrations`` a MigrationSet; ``options`` the run's options (see the rehearse module)."""

    def __init__(self, connect, client, database, schema, module_name, migrations, options, tmpdir,
                 database_error=Exception, error_message=str, warn=None, check_mode=False):
        self.connect = connect
        self.client = client
        self.database = database
        self.schema = schema
        self.module_name = module_name
        self.migrations = migrations
        self.options = options
        self.tmpdir = tmpdir
        self.database_error = database_error
        self.error_message = error_message
        self.warn = warn or (lambda message: None)
        self.check_mode = check_mode
        self.result = None

    # --- what to rehearse, on what --------------------------------------------------------------

    def live_plan(self):
        """The migrations the deploy would run on the live database (read only)."""
        conn = self.connect(self.database, False)
        try:
            cursor = dict_cursor(conn)
            rows = fetch_schema_rows(cursor, self.schema, self.module_name) if tracking_tables_exist(cursor, self.schema) else []
            conn.rollback()
        finally:
            conn.close()
        return self._plan(rows, 'the live database %s' % self.database)

    def _plan(self, rows, where):
        try:
            return plan_apply(self.migrations, rows, self.module_name, self.options['target_version'],
                              self.options['out_of_order'])
        except PlanError as e:
            raise RehearsalError('cannot plan the migrations of blog module %s on %s: %s' % (self.module_name, where, e))

    def choose_backup(self):
        """The newest backup, checked; None when a fresh dump is to be made instead."""
        source = self.options['source']
        if source == 'dump':
            return None
        try:
            backup = resolve_backup('latest', self.options['backup_dir'], self.database)
            if not self.check_mode:
                check_backup(backup.path, backup.sidecar, self.options['workers'])
            return backup
        except (BackupNotFound, InvalidSidecar, UntrustedBackup, BackupMismatch) as e:
            if source == 'backup':
                raise RehearsalError('source=backup: %s' % e)
            self.warn('rehearsing on a fresh dump of %s instead of a backup: %s' % (self.database, e))
            return None

    def fresh_dump(self):
        """pg_dump of the live database into the module's temporary directory, with what a sidecar would say."""
        conn = self.connect(self.database, False)
        try:
            cursor = dict_cursor(conn)
            cursor.execute('SELECT pg_encoding_to_char(encoding) AS encoding, datcollate AS lc_collate, '
                           'datctype AS lc_ctype FROM pg_database WHERE datname = current_database()')
            sidecar = dict(cursor.fetchone())
            sidecar.update(read_versions(cursor, self.schema))
            conn.rollback()
        finally:
            conn.close()
        sidecar.update(format='custom', tracking_schema=self.schema, database=self.database)
        path = os.path.join(self.tmpdir, 'rehearsal.dump')
        with self.client.environment() as env:
            self.client.run('cannot dump database %s for the rehearsal' % self.database, 'pg_dump',
                            ['--no-password', '--dbname=' + self.client.conninfo(), '--format=custom', '--file=' + path],
                            env)
        return FreshDump(path, sidecar)

    # --- scratch databases ---------------------------------------------------------------------

    def drop_leftovers(self, admin):
        """Drop the scratch databases of this database that no session uses: what killed rehearsals left."""
        cursor = dict_cursor(admin)
        cursor.execute('SELECT d.datname AS name FROM pg_database d WHERE starts_with(d.datname, %s) AND NOT EXISTS '
                       '(SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname) ORDER BY 1',
                       (scratch_prefix(self.database),))
        dropped = []
        for name in [row['name'] for row in cursor.fetchall() if is_scratch_name(row['name'], self.database)]:
            try:
                cursor.execute('DROP DATABASE IF EXISTS %s' % quote_ident(name))
            except self.database_error as e:
                # Another rehearsal connected in the meantime: it is not a leftover.
                self.warn('cannot drop the scratch database %s: %s' % (name, self.error_message(e)))
                continue
            dropped.append(name)
        return dropped

    # --- the run -------------------------------------------------------------------------------

    def run(self):
        started = time.monotonic()
        live = self.live_plan()
        pending = [script.script for script in live.scripts]
        result = dict(changed=False, pending=pending, schema_version_before=live.before, schema_version_after=live.after,
                      migrations=[], caught_up=[], violations=[], dropped_leftovers=[], source=None,
                      scratch_database=None, duration_ms=0, restore_seconds=None)
        # What is known so far, for the caller when the run fails half-way.
        self.result = result
        if not pending:
            result['report'] = ['nothing to rehearse: blog module %s has no pending migration' % self.module_name]
            return self._finish(result, started)
        backup = self.choose_backup()
        result['source'] = (dict(kind='backup', path=backup.path, timestamp=backup.sidecar.get('timestamp'),
                                 schema_version=backup.sidecar.get('schema_version'))
                            if backup else dict(kind='dump', path=None, timestamp=None, schema_version=None))
        if self.check_mode:
            result['report'] = ['would rehearse %s on a copy of %s from %s' % (
                ', '.join(pending), self.database, backup.path if backup else 'a fresh dump')]
            return self._finish(result, started)
        admin = self.connect(self.options['maintenance_db'], True)
        try:
            result['dropped_leftovers'] = self.drop_leftovers(admin)
            restore_started = time.monotonic()
            if backup is None:
                backup = self.fresh_dump()
            scratch = work_name(self.database, PURPOSE)
            restore = DatabaseRestore(self.connect, self.client, backup, 'new', self.database, target_db=scratch,
                                      database_error=self.database_error, error_message=self.error_message,
                                      maintenance_db=self.options['maintenance_db'], warn=self.warn)
            restore.check_client()
            result['scratch_database'] = scratch
            restore.restore_into_new_database(admin, scratch)
            try:
                result['restore_seconds'] = round(time.monotonic() - restore_started, 3)
                self.rehearse(scratch, pending, result)
            finally:
                restore.drop_database(admin, scratch)
        finally:
            admin.close()
        return self._finish(result, started)

    def _finish(self, result, started):
        result['total_seconds'] = round(time.monotonic() - started, 3)
        return result

    def rehearse(self, scratch, pending, result):
        """Run the migrations on ``scratch`` as the deploy runs them; fill ``result``."""
        options = self.options
        conn = self.connect(scratch, True)
        try:
            runner = MeasuringRunner(conn, self.schema, self.module_name, options.get('actor'))
            runner.lock(options['lock_wait'], options['lock_timeout'], options['statement_timeout'])
            runner.begin()
            rows = runner.read_history()
            runner.rollback()
            plan = self._plan(rows, 'the copy of %s' % self.database)
            missing = [name for name in pending if name not in [script.script for script in plan.scripts]]
            if missing:
                raise RehearsalError('the copy of %s already has %s, which the live database lacks: the backup is newer '
                                     'than the database; rehearse on a fresh dump (source=dump)'
                                     % (self.database, ', '.join(missing)))
            steps = group_steps(plan.scripts, options['transaction'], runner.server_version)
            runner.snapshot()
            try:
                runner.run(steps, 'migrate')
            except MigrationFailed as e:
                self._split(runner.measurements, pending, result)
                where = runner.failed_statement or {}
                raise RehearsalError('the rehearsal of blog module %s failed, as the deploy would%s: %s' % (
                    self.module_name, (' (at %s line %s: %s)' % (where['script'], where['line'], where['statement']))
                    if where else '', e))
        finally:
            conn.close()
        self._split(runner.measurements, pending, result)
        result['violations'] = check_thresholds(
            result['migrations'], result['duration_ms'], options['max_access_exclusive_ms'],
            options['min_table_size'], options['max_write_block_ms'], options['max_duration_s'])

    @staticmethod
    def _split(measurements, pending, result):
        result['caught_up'] = [m['script'] for m in measurements if m['script'] not in pending]
        result['migrations'] = [m for m in measurements if m['script'] in pending]
        result['duration_ms'] = sum(m['duration_ms'] for m in result['migrations'])
        result['report'] = report_lines(result['migrations'])
        if result['caught_up']:
            result['report'].append('before them, to catch up with the live database (not measured against the '
                                    'thresholds): %s' % ', '.join(result['caught_up']))
