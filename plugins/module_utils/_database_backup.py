# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Taking a database backup: pg_dump into ``<name>.partial``, renamed when complete, then the
sidecar, then retention.

The versions in the sidecar are read in a REPEATABLE READ transaction whose snapshot pg_dump
uses (``--snapshot``), so they describe exactly what the dump holds even while migrations run.
Custom and plain dumps stream through this process and are hashed on the way, so the checksum
costs no second read; a directory-format dump is hashed afterwards, one thread per job.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import os
import time

from ansible_collections.blogops.release.plugins.module_utils._atomic_file import fsync_directory
from ansible_collections.blogops.release.plugins.module_utils._backup_catalog import abandoned_partials, scan_backups, utc_timestamp
from ansible_collections.blogops.release.plugins.module_utils._backup_naming import (
    backup_name,
    claim_backup_path,
    remove_path,
    retention_removals,
)
from ansible_collections.blogops.release.plugins.module_utils._backup_sidecar import (
    backup_digest,
    build_sidecar,
    sidecar_path,
    write_sidecar,
)
from ansible_collections.blogops.release.plugins.module_utils._backup_trust import directory_problem
from ansible_collections.blogops.release.plugins.module_utils._backup_versions import read_versions

FORMATS = ('custom', 'directory', 'plain')


class BackupError(RuntimeError):
    """A backup that could not be taken; nothing of it is left behind."""


def check_backup_options(fmt, jobs, compress, keep, label):
    """Raise ValueError for options that do not go together, before anything is touched."""
    if fmt not in FORMATS:
        raise ValueError('invalid format %r: expected one of %s' % (fmt, ', '.join(FORMATS)))
    if jobs < 1:
        raise ValueError('jobs must be 1 or more, got %d' % jobs)
    if jobs > 1 and fmt != 'directory':
        raise ValueError('jobs=%d needs format=directory: pg_dump dumps in parallel only into a directory' % jobs)
    if compress is not None and not 0 <= compress <= 9:
        raise ValueError('compress must be a level from 0 (none) to 9, got %d' % compress)
    if compress and fmt == 'plain':
        raise ValueError('format=plain is written uncompressed; use format=custom for a compressed backup')
    if keep is not None and keep < 1:
        raise ValueError('keep must be 1 or more (the backup just taken is always kept), got %d' % keep)
    if label is not None and ('\n' in label or len(label) > 200):
        raise ValueError('label must be one line of at most 200 characters')


def ensure_backup_dir(directory, check_mode):
    """Create ``directory`` (0700) when missing; returns (created, warning or None). A directory that another
    user could write into is refused: db_restore would refuse every backup in it (backup_trust)."""
    if os.path.isdir(directory):
        problem = directory_problem(directory)
        if problem:
            raise BackupError('refusing to write a backup that could not be restored: %s' % problem)
        mode = os.stat(directory).st_mode & 0o777
        if mode & 0o077:
            return False, ('backup_dir %s has mode %04o: others than its owner may list the backups (the backups '
                           'themselves are 0600)' % (directory, mode))
        return False, None
    if os.path.lexists(directory):
        raise BackupError('backup_dir %s exists and is not a directory' % directory)
    if not check_mode:
        os.makedirs(directory, 0o700)
        os.chmod(directory, 0o700)
    return True, None


def _private(path):
    """Make a directory-format dump 0700 (directories) / 0600 (files), whatever pg_dump's umask gave."""
    os.chmod(path, 0o700)
    for directory, dirnames, filenames in os.walk(path):
        for name in dirnames:
            os.chmod(os.path.join(directory, name), 0o700)
        for name in filenames:
            os.chmod(os.path.join(directory, name), 0o600)


class DatabaseBackup:
    """One run of db_backup. ``conn`` is a session to the database (not autocommit), ``client`` a PgClient."""

    def __init__(self, conn, cursor, client, schema, directory, fmt='custom', jobs=1, compress=None, keep=None,
                 label=None, check_mode=False, database_error=Exception, warn=None):
        self.conn = conn
        self.cursor = cursor
        self.client = client
        self.schema = schema
        self.directory = directory
        self.format = fmt
        self.jobs = jobs
        self.compress = compress
        self.keep = keep
        self.label = label
        self.check_mode = check_mode
        self.database_error = database_error
        self.warn = warn or (lambda message: None)

    def read_state(self):
        """Open the snapshot transaction (left open until pg_dump is done) and read what the sidecar says."""
        cursor = self.cursor
        cursor.execute('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY')
        cursor.execute("SELECT current_database() AS database, current_setting('server_version') AS server_version, "
                       "current_setting('server_version_num')::int AS server_version_num, "
                       'pg_encoding_to_char(encoding) AS encoding, datcollate AS lc_collate, datctype AS lc_ctype '
                       'FROM pg_database WHERE datname = current_database()')
        state = dict(cursor.fetchone())
        snapshot = None
        try:
            if state['server_version_num'] >= 90600:
                # Workers of a parallel dump import the snapshot late; the server must not end our idle session.
                cursor.execute("SELECT set_config('idle_in_transaction_session_timeout', '0', true)")
            cursor.execute('SELECT pg_export_snapshot() AS snapshot')
            snapshot = cursor.fetchone()['snapshot']
        except self.database_error as e:
            self.conn.rollback()
            cursor.execute('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY')
            self.warn('the server cannot export a snapshot (%s): the versions in the sidecar are read just before '
                      'pg_dump starts, not in its snapshot' % str(e).strip())
        state['snapshot'] = snapshot
        state['timestamp'] = datetime.datetime.now(datetime.timezone.utc)
        state['versions'] = read_versions(cursor, self.schema)
        return state

    def dump_args(self, partial, snapshot):
        args = ['--no-password', '--dbname=' + self.client.conninfo(), '--format=' + self.format]
        if snapshot:
            args.append('--snapshot=' + snapshot)
        if self.compress is not None:
            args.append('--compress=%d' % self.compress)
        if self.format == 'plain':
            # So that the file can replace a database's content, as db_restore mode=replace does.
            args += ['--clean', '--if-exists']
        if self.format == 'directory':
            args += ['--jobs=%d' % self.jobs, '--file=' + partial]
        return args

    def dump(self, partial, snapshot, env):
        """Run pg_dump into ``partial``; returns (sha256, size, seconds hashing)."""
        what = 'cannot back up database %s' % self.client.params.get('dbname')
        args = self.dump_args(partial, snapshot)
        if self.format != 'directory':
            return self.client.stream_to_file(what, 'pg_dump', args, env, partial)
        self.client.run(what, 'pg_dump', args, env)
        _private(partial)
        started = time.perf_counter()
        digest, size = backup_digest(partial, 'directory', workers=max(1, self.jobs))
        return digest, size, time.perf_counter() - started

    def complete_backups(self, database):
        complete, _leftovers = scan_backups(self.directory, database)
        return complete

    def retention(self, database, name):
        """Remove the backups of ``database`` beyond the newest ``keep`` (sidecar first, so an interrupted
        removal leaves a leftover, never a backup that looks complete); returns their paths.

        The new backup is complete by now: a backup that cannot be removed is a warning, not a failure."""
        backups = dict((b.name, b) for b in self.complete_backups(database))
        removed = []
        for old in retention_removals(list(backups), self.keep, protect=name):
            try:
                remove_path(backups[old].sidecar_path)
                remove_path(backups[old].path)
            except OSError as e:
                self.warn('keep=%d: cannot remove the old backup %s: %s' % (self.keep, backups[old].path, e))
                continue
            removed.append(backups[old].path)
        return removed

    def remove_abandoned(self):
        """Remove the unfinished backups that a killed run left (no process holds them); returns their paths."""
        _complete, leftovers = scan_backups(self.directory)
        removed = []
        for leftover in abandoned_partials(self.directory, leftovers):
            try:
                remove_path(leftover['path'])
            except OSError as e:
                self.warn('cannot remove the unfinished backup %s that a killed run left: %s' % (leftover['path'], e))
                continue
            removed.append(leftover['path'])
        return removed

    def run(self):
        os_umask = os.umask(0o077)
        try:
            return self._run()
        finally:
            os.umask(os_umask)
            try:
                self.conn.rollback()
            except self.database_error:
                pass  # the session is gone; the server ended its transaction

    def _run(self):
        created_dir, warning = ensure_backup_dir(self.directory, self.check_mode)
        if warning:
            self.warn(warning)
        pg_dump_version = self.client.version('pg_dump')
        state = self.read_state()
        database = state['database']
        result = dict(changed=True, format=self.format, database=database, created_backup_dir=created_dir)

        if self.check_mode:
            name = backup_name(state['timestamp'], self.format)
            path = os.path.join(self.directory, name)
            existing = [b.name for b in self.complete_backups(database)] if not created_dir else []
            removals = set(retention_removals(existing + [name], self.keep, protect=name))
            result.update(name=name, path=path, sidecar=sidecar_path(path),
                          removed=[os.path.join(self.directory, n) for n in existing if n in removals],
                          schema_version=state['versions']['schema_version'], label=self.label)
            return result

        abandoned = self.remove_abandoned()
        started = time.perf_counter()
        name, final, partial = claim_backup_path(self.directory, self.format, state['timestamp'])
        try:
            with self.client.environment() as env:
                digest, size, hashing = self.dump(partial, state['snapshot'], env)
            os.rename(partial, final)
            fsync_directory(self.directory)
        except BaseException:
            remove_path(partial)
            raise
        dump_seconds = time.perf_counter() - started
        sidecar = build_sidecar(
            name, self.format, database, utc_timestamp(state['timestamp']), digest, size, state['versions'],
            label=self.label, compress=self.compress, jobs=self.jobs, tracking_schema=self.schema,
            server_version=state['server_version'], pg_dump_version=pg_dump_version,
            encoding=state['encoding'], lc_collate=state['lc_collate'], lc_ctype=state['lc_ctype'],
            snapshot=state['snapshot'] is not None, duration_seconds=round(dump_seconds, 3))
        try:
            write_sidecar(sidecar_path(final), sidecar)
        except BaseException:
            remove_path(final)
            raise
        result.update(name=name, path=final, sidecar=sidecar_path(final), sha256=digest, size=size,
                      removed_leftovers=abandoned,
                      timestamp=sidecar['timestamp'], label=self.label, schema_version=sidecar['schema_version'],
                      sidecar_content=sidecar, removed=self.retention(database, name),
                      timings=dict(dump_seconds=round(dump_seconds, 3), checksum_seconds=round(hashing, 3)))
        return result
