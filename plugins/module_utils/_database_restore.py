# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Restoring a database backup, after checking it against its sidecar.

Every mode restores into a database it creates (restore_into_new_database: from template0 with the
encoding and locale of the backed-up database, ``pg_restore`` in parallel with ``jobs``, plain dumps
through psql with meta-commands refused), then compares the versions of the result with the sidecar,
and drops it again when anything fails. ``new`` keeps it under ``target_db``, ``verify`` drops it.

``replace`` then puts it in the place of the live database, so that the database ends exactly as the
backup holds it, whatever was created after the backup and whatever depends on what:

1. the live database's own settings, which a dump does not hold, are carried over: owner (at
   creation), database privileges, ``ALTER DATABASE ... SET`` and per-role settings, comment,
   connection limit, whether it allows connections and is a template;
2. connections to the live database are refused from now on, its sessions are ended, and its
   module_version_history rows, read last, are put into the new database (rows the backup holds take
   the live values), so the record of the deploy whose rollback restores the backup survives;
3. in one transaction the live database is renamed to a parked name and the new one to the live name
   (ALTER DATABASE ... RENAME is transactional), then the parked one is dropped.

Everything before step 3 leaves the live database as it was (connections allowed again) and drops the
new one; step 3 is all or nothing. Sessions of the live database are cut at the swap.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import time
import uuid

from ansible_collections.blogops.release.plugins.module_utils._backup_sidecar import (
    VERSION_FIELDS,
    check_backup,
    version_differences,
)
from ansible_collections.blogops.release.plugins.module_utils._backup_versions import read_versions
from ansible_collections.blogops.release.plugins.module_utils._connection import dict_cursor
from ansible_collections.blogops.release.plugins.module_utils._identifiers import quote_ident
from ansible_collections.blogops.release.plugins.module_utils._plain_dump_input import (
    RESTRICT_RELEASES,
    psql_can_restrict,
    restricted_input,
)
from ansible_collections.blogops.release.plugins.module_utils._tracking_tables import (
    ensure_tracking_tables,
    table,
    tracking_tables_exist,
)

MODES = ('replace', 'verify', 'new')
SCRATCH_PREFIX = 'blogops_verify_'
NAME_BYTES = 63
SESSIONS_GONE_SECONDS = 30
# Settings whose value is a list that ALTER ... SET takes as separate quoted items (pg_dump's list).
LIST_SETTINGS = ('search_path', 'session_preload_libraries', 'shared_preload_libraries', 'local_preload_libraries',
                 'temp_tablespaces', 'unix_socket_directories')


class RestoreError(RuntimeError):
    """A restore that did not happen, failed, or restored something other than its sidecar describes."""


def check_restore_options(mode, jobs, target_db):
    """Raise ValueError for options that do not go together, before anything is touched."""
    if mode not in MODES:
        raise ValueError('invalid mode %r: expected one of %s' % (mode, ', '.join(MODES)))
    if jobs < 1:
        raise ValueError('jobs must be 1 or more, got %d' % jobs)
    if mode == 'new' and not target_db:
        raise ValueError('mode=new needs target_db, the database to create and restore into')
    if mode != 'new' and target_db:
        raise ValueError('target_db is only used with mode=new')


def _as_parameter(value):
    """A column value as a query parameter; JSON documents as their text, which either driver sends untyped."""
    return json.dumps(value, sort_keys=True) if isinstance(value, (dict, list)) else value


def sql_literal(text):
    return "'%s'" % text.replace("'", "''")


def work_name(database, purpose, token=None):
    """``<database>_blogops_<purpose>_<token>``, the database shortened so that the name fits PostgreSQL's 63 bytes."""
    suffix = '_blogops_%s_%s' % (purpose, token or uuid.uuid4().hex[:8])
    prefix = database.encode('utf-8')[:NAME_BYTES - len(suffix)].decode('utf-8', 'ignore')
    return prefix + suffix


def split_setting_list(value):
    """The items of a list setting as PostgreSQL stores it (``"$user", public``): commas outside double quotes."""
    items, current, quoted, index = [], '', False, 0
    while index < len(value):
        char = value[index]
        if char == '"':
            if quoted and value[index + 1:index + 2] == '"':
                current += '"'
                index += 1
            else:
                quoted = not quoted
        elif char == ',' and not quoted:
            items.append(current.strip())
            current = ''
        else:
            current += char
        index += 1
    items.append(current.strip())
    return [item for item in items if item]


def setting_clause(entry):
    """``name = value`` for ALTER ... SET, from one ``name=value`` of pg_db_role_setting."""
    name, _sep, value = entry.partition('=')
    if name.lower() in LIST_SETTINGS:
        return '%s = %s' % (quote_ident(name), ', '.join(sql_literal(item) for item in split_setting_list(value)) or "''")
    return '%s = %s' % (quote_ident(name), sql_literal(value))


class DatabaseRestore:
    """One run of db_restore.

    ``connect(dbname, autocommit)`` opens a session to a database of the server (dict rows);
    ``client`` is a PgClient; ``backup`` a backup_catalog.Backup; ``maintenance_db`` the database the
    module connects to while it creates, renames and drops databases.
    """

    def __init__(self, connect, client, backup, mode, database, target_db=None, jobs=1, check_mode=False,
                 workers=1, database_error=Exception, error_message=str, maintenance_db='postgres', warn=None):
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
        self.maintenance_db = maintenance_db
        self.warn = warn or (lambda message: None)
        self.schema = self.sidecar.get('tracking_schema') or 'public'
        self.expected = dict((field, self.sidecar[field]) for field in VERSION_FIELDS)

    # Reading a database

    def versions_of(self, dbname):
        conn = self.connect(dbname, False)
        try:
            versions = read_versions(dict_cursor(conn), self.schema)
            conn.rollback()
            return versions
        finally:
            conn.close()

    def read_history(self, conn):
        """The module_version_history rows of the database of ``conn``, or [] without tracking tables."""
        cursor = dict_cursor(conn)
        if not tracking_tables_exist(cursor, self.schema):
            conn.rollback()
            return []
        # Every column, those a later release added included (the open deploy's owner and checkpoint).
        cursor.execute('SELECT * FROM %s ORDER BY id' % table(self.schema, 'module_version_history'))
        rows = [dict(row) for row in cursor.fetchall()]
        conn.rollback()
        return rows

    def put_history_back(self, dbname, rows):
        """Insert or update the rows read from the live database; returns how many there were."""
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

    # Databases

    def database_exists(self, admin, name):
        cursor = dict_cursor(admin)
        cursor.execute('SELECT 1 AS found FROM pg_database WHERE datname = %s', (name,))
        return cursor.fetchone() is not None

    def live_database(self, admin):
        """What the live database has that a dump does not hold, read on the maintenance connection."""
        cursor = dict_cursor(admin)
        cursor.execute(
            'SELECT d.oid, pg_get_userbyid(d.datdba) AS owner, d.datconnlimit, d.datallowconn, d.datistemplate, '
            't.spcname AS tablespace, shobj_description(d.oid, %s) AS comment, '
            "pg_has_role(current_user, d.datdba, 'MEMBER') AS may_own, "
            "(SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user) AS may_create "
            'FROM pg_database d JOIN pg_tablespace t ON t.oid = d.dattablespace WHERE d.datname = %s',
            ('pg_database', self.database))
        live = cursor.fetchone()
        if live is None:
            raise RestoreError("database '%s' does not exist: mode=replace restores over an existing database "
                               '(use mode=new to create one)' % self.database)
        live = dict(live)
        cursor.execute('SELECT CASE WHEN a.grantee = 0 THEN NULL ELSE pg_get_userbyid(a.grantee) END AS grantee, '
                       'pg_get_userbyid(a.grantor) AS grantor, a.privilege_type, a.is_grantable '
                       'FROM pg_database d, aclexplode(d.datacl) WITH ORDINALITY a WHERE d.oid = %s ORDER BY a.ordinality',
                       (live['oid'],))
        live['acl'] = [dict(row) for row in cursor.fetchall()]
        cursor.execute('SELECT datacl IS NULL AS default_acl FROM pg_database WHERE oid = %s', (live['oid'],))
        live['default_acl'] = cursor.fetchone()['default_acl']
        cursor.execute('SELECT CASE WHEN setrole = 0 THEN NULL ELSE pg_get_userbyid(setrole) END AS role, setconfig '
                       'FROM pg_db_role_setting WHERE setdatabase = %s ORDER BY 1 NULLS FIRST', (live['oid'],))
        live['settings'] = [(row['role'], list(row['setconfig'] or [])) for row in cursor.fetchall()]
        return live

    def check_privileges(self, live):
        if self.maintenance_db == self.database:
            raise RestoreError("mode=replace cannot replace database '%s' while connected to it for the maintenance: "
                               'set maintenance_db to another database of the server' % self.database)
        if not live['may_create']:
            raise RestoreError('mode=replace restores into a new database and renames it: the role needs CREATEDB '
                               '(ALTER ROLE ... CREATEDB) or to be a superuser')
        if not live['may_own']:
            raise RestoreError("mode=replace renames database '%s' and creates its replacement owned by %s: the role "
                               'must be %s or a member of it' % (self.database, live['owner'], live['owner']))

    def create_database(self, admin, name, owner=None, tablespace=None):
        statement = 'CREATE DATABASE %s TEMPLATE template0' % quote_ident(name)
        if owner:
            statement += ' OWNER %s' % quote_ident(owner)
        if tablespace and tablespace != 'pg_default':
            statement += ' TABLESPACE %s' % quote_ident(tablespace)
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

    def carry_over(self, admin, name, live):
        """Give database ``name`` the live database's privileges, settings, comment and connection options."""
        cursor = dict_cursor(admin)
        target = quote_ident(name)
        if not live['default_acl']:
            cursor.execute('REVOKE ALL ON DATABASE %s FROM PUBLIC' % target)
            cursor.execute('REVOKE ALL ON DATABASE %s FROM %s' % (target, quote_ident(live['owner'])))
            for grant in live['acl']:
                statement = 'GRANT %s ON DATABASE %s TO %s' % (
                    grant['privilege_type'], target, quote_ident(grant['grantee']) if grant['grantee'] else 'PUBLIC')
                if grant['is_grantable']:
                    statement += ' WITH GRANT OPTION'
                if grant['grantor'] != live['owner']:
                    statement += ' GRANTED BY %s' % quote_ident(grant['grantor'])
                cursor.execute(statement)
        for role, entries in live['settings']:
            for entry in entries:
                if role is None:
                    cursor.execute('ALTER DATABASE %s SET %s' % (target, setting_clause(entry)))
                else:
                    cursor.execute('ALTER ROLE %s IN DATABASE %s SET %s' % (quote_ident(role), target, setting_clause(entry)))
        if live['comment'] is not None:
            cursor.execute('COMMENT ON DATABASE %s IS %s' % (target, sql_literal(live['comment'])))
        cursor.execute('ALTER DATABASE %s WITH CONNECTION LIMIT %d IS_TEMPLATE %s'
                       % (target, live['datconnlimit'], 'true' if live['datistemplate'] else 'false'))

    # Restoring

    def restore_command(self, target):
        """(program, args, stdin chunks or None) that restore the backup into the empty database ``target``."""
        conninfo = '--dbname=' + self.client.conninfo(target)
        if self.sidecar['format'] == 'plain':
            _key, chunks = restricted_input(self.backup.path)
            return 'psql', ['-X', '-q', '--no-password', '-v', 'ON_ERROR_STOP=1', conninfo, '--file=-'], chunks
        args = ['--no-password', conninfo, '--exit-on-error']
        args += ['--single-transaction'] if self.jobs == 1 else ['--jobs=%d' % self.jobs]
        return 'pg_restore', args + [self.backup.path], None

    def check_client(self):
        """The client program exists, and for plain dumps is a psql that can refuse meta-commands."""
        if self.sidecar['format'] == 'plain':
            if self.jobs > 1:
                raise RestoreError('%s is a plain-format backup, restored by psql in one session: jobs must be 1'
                                   % self.backup.path)
            version = self.client.version('psql')
            if not psql_can_restrict(version):
                raise RestoreError(
                    '%s is a plain-SQL backup, which psql restores; psql %s (%s) cannot refuse the meta-commands a '
                    'plain dump may hold (\\!, \\o, \\i, ...), so it is not used. Use psql %s or newer (pg_bin_dir), '
                    'or a custom-format backup' % (self.backup.path, version, self.client.program('psql'),
                                                   ', '.join('%d.%d' % r for _b, r in sorted(RESTRICT_RELEASES.items()))))
        else:
            self.client.program('pg_restore')

    def restore_into_new_database(self, admin, name, owner=None, tablespace=None):
        """Create database ``name``, restore the backup into it and check its versions against the sidecar.
        On any failure the database is dropped again and the error raised. Returns the versions read."""
        self.create_database(admin, name, owner, tablespace)
        try:
            program, args, chunks = self.restore_command(name)
            with self.client.environment() as env:
                self.client.run('cannot restore %s into database %s' % (self.backup.path, name), program, args, env,
                                stdin_chunks=chunks)
            versions = self.versions_of(name)
            differences = version_differences(self.expected, versions)
            if differences:
                raise RestoreError('the database restored from %s does not match its sidecar %s: %s'
                                   % (self.backup.path, self.backup.sidecar_path, '; '.join(differences)))
            return versions
        except BaseException as e:
            self._drop_after_failure(admin, name, e)
            raise

    def run(self):
        self.check_client()
        started = time.perf_counter()
        check_backup(self.backup.path, self.sidecar, self.workers)
        checksum_seconds = time.perf_counter() - started
        result = dict(changed=self.mode != 'verify', mode=self.mode, backup=self.backup.summary(),
                      schema_version=self.expected['schema_version'], schema_versions=self.expected['schema_versions'],
                      timings=dict(checksum_seconds=round(checksum_seconds, 3)))
        admin = self.connect(self.maintenance_db, True)
        try:
            if self.mode == 'replace':
                live = self.live_database(admin)
                self.check_privileges(live)
                result['before'] = self.versions_of(self.database)
                result['database'] = self.database
                if not self.check_mode:
                    self._replace(admin, live, result)
            elif self.mode == 'new':
                result['database'] = self.target_db
                if self.database_exists(admin, self.target_db):
                    raise RestoreError("database '%s' exists already: mode=new restores only into a database it "
                                       'creates (use mode=replace to restore over a database)' % self.target_db)
                if not self.check_mode:
                    self.restore_into_new_database(admin, self.target_db)
            else:
                scratch = SCRATCH_PREFIX + uuid.uuid4().hex[:12]
                result.update(database=scratch, scratch_database=scratch)
                if not self.check_mode:
                    self.restore_into_new_database(admin, scratch)
                    self.drop_database(admin, scratch)
        finally:
            admin.close()
        if not self.check_mode:
            result['timings']['restore_seconds'] = round(time.perf_counter() - started - checksum_seconds, 3)
        return result

    def _replace(self, admin, live, result):
        token = uuid.uuid4().hex[:8]
        new, parked = work_name(self.database, 'restore', token), work_name(self.database, 'parked', token)
        timings = result['timings']
        started = time.perf_counter()
        self.restore_into_new_database(admin, new, owner=live['owner'], tablespace=live['tablespace'])
        timings['new_database_seconds'] = round(time.perf_counter() - started, 3)
        started = time.perf_counter()
        swapped = False
        try:
            self.carry_over(admin, new, live)
            result['history_kept'] = self._close_and_copy_history(admin, new)
            self._swap(admin, new, parked)
            swapped = True
        except BaseException as e:
            self._drop_after_failure(admin, new, e)
            raise
        finally:
            if not swapped and live['datallowconn']:
                self._allow_connections(admin, self.database, e_context='the live database')
        timings['swap_seconds'] = round(time.perf_counter() - started, 3)
        started = time.perf_counter()
        try:
            self.drop_database(admin, parked)
            timings['drop_seconds'] = round(time.perf_counter() - started, 3)
        except self.database_error as e:
            self.warn('the database was restored, but its previous content, renamed to %s, could not be dropped: %s. '
                      'Drop it yourself' % (parked, self.error_message(e)))
            result['parked_database'] = parked
        if not live['datallowconn']:
            dict_cursor(admin).execute('ALTER DATABASE %s WITH ALLOW_CONNECTIONS false' % quote_ident(self.database))

    def _allow_connections(self, admin, name, e_context):
        try:
            dict_cursor(admin).execute('ALTER DATABASE %s WITH ALLOW_CONNECTIONS true' % quote_ident(name))
        except self.database_error as e:
            self.warn('could not allow connections to %s %s again: %s; run ALTER DATABASE %s ALLOW_CONNECTIONS true'
                      % (e_context, name, self.error_message(e), quote_ident(name)))

    def _close_and_copy_history(self, admin, new):
        """Refuse new connections to the live database, end its sessions (ours, which reads the history, last),
        and copy its module_version_history into ``new``: no row written before the swap is lost."""
        reader = self.connect(self.database, False)
        try:
            cursor = dict_cursor(reader)
            cursor.execute('SELECT pg_backend_pid() AS pid')
            own = cursor.fetchone()['pid']
            reader.rollback()
            cursor = dict_cursor(admin)
            cursor.execute('ALTER DATABASE %s WITH ALLOW_CONNECTIONS false' % quote_ident(self.database))
            self._end_sessions(admin, keep=own)
            rows = self.read_history(reader)
        finally:
            reader.close()
        return self.put_history_back(new, rows)

    def _end_sessions(self, admin, keep=None):
        cursor = dict_cursor(admin)
        deadline = time.monotonic() + SESSIONS_GONE_SECONDS
        while True:
            cursor.execute('SELECT pid, usename, application_name, client_addr::text AS client, '
                           'pg_terminate_backend(pid) AS ended FROM pg_stat_activity '
                           'WHERE datname = %s AND pid <> pg_backend_pid() AND pid IS DISTINCT FROM %s',
                           (self.database, keep))
            sessions = cursor.fetchall()
            if not sessions:
                return
            if time.monotonic() > deadline:
                raise RestoreError('the sessions of database %s could not be ended within %d s, so it was not replaced: '
                                   '%s. Stop the applications that use it, or restore as a role that may end their '
                                   'sessions (pg_signal_backend)'
                                   % (self.database, SESSIONS_GONE_SECONDS, ', '.join(
                                       'pid %s (%s, %s)' % (s['pid'], s['usename'], s['application_name'] or 'no name')
                                       for s in sessions)))
            time.sleep(0.1)

    def _swap(self, admin, new, parked):
        """Rename live -> parked and new -> live in one transaction; sessions that slipped in are ended again."""
        cursor = dict_cursor(admin)
        attempts = 0
        while True:
            self._end_sessions(admin)
            try:
                cursor.execute('BEGIN')
                cursor.execute('ALTER DATABASE %s RENAME TO %s' % (quote_ident(self.database), quote_ident(parked)))
                cursor.execute('ALTER DATABASE %s RENAME TO %s' % (quote_ident(new), quote_ident(self.database)))
                cursor.execute('COMMIT')
                return
            except self.database_error as e:
                cursor.execute('ROLLBACK')
                attempts += 1
                if attempts >= 5 or 'being accessed by other users' not in self.error_message(e):
                    raise

    def _drop_after_failure(self, admin, target, error):
        try:
            self.drop_database(admin, target)
        except self.database_error as drop_error:
            raise RestoreError('%s; and the database %s it created could not be dropped: %s'
                               % (error, target, self.error_message(drop_error)))
