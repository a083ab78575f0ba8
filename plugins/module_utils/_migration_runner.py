# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Running a migration plan: the blog module's lock, timeouts, transactions and history rows.

The session is in autocommit; the runner opens and ends every transaction itself, so that a
script that cannot run in a transaction really runs outside one, and the session-level lock
lives as long as the session (a killed run's server session ends, and its lock with it).

The run's protections (lock_timeout, statement_timeout, client_connection_check_interval, the role and
search_path the session started with) are set again after every script, before the next script and
before any history row: whatever a script does to them (RESET ALL, SET ROLE, SET LOCAL, set_config())
stays with that script.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import time

from ansible_collections.blogops.release.plugins.module_utils._advisory_lock import (
    LOCK_CLASS,
    lock_holders_sql,
    lock_purpose,
    session_lock_sql,
    try_session_lock_sql,
)
from ansible_collections.blogops.release.plugins.module_utils._connection import (
    database_error_class,
    database_error_message,
    dict_cursor,
)
from ansible_collections.blogops.release.plugins.module_utils._migration_files import line_of
from ansible_collections.blogops.release.plugins.module_utils._schema_history import (
    fetch_schema_rows,
    insert_schema_row,
    insert_schema_rows,
    mark_schema_row_succeeded,
)
from ansible_collections.blogops.release.plugins.module_utils._tracking_tables import (
    ensure_tracking_tables,
    tracking_tables_exist,
)

LOCK_NOT_AVAILABLE = '55P03'
INSUFFICIENT_PRIVILEGE = '42501'
# PostgreSQL's permission errors name the object, not the privilege: which one, from the object's kind and the
# failed statement's first word, where that is unambiguous.
DENIED = re.compile(r'^permission denied for (?P<kind>schema|table|view|sequence|function|procedure|database) (?P<name>.+)$')
OWNER = re.compile(r'^must be owner of (?P<object>.+)$')
WRITES = ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE')
# libpq's PQTRANS_INTRANS: idle inside a transaction block.
IN_TRANSACTION = 2
# How often the server checks, while a statement runs, that a run's client is still there
# (PostgreSQL 14 and later): a killed run's statements stop and its lock goes within that time.
CLIENT_CHECK_INTERVAL = '1s'
# What the session started with, set again after every script. The session user comes first: setting it
# also sets the current user, which the role setting after it then decides.
STARTING_SETTINGS = ('session_authorization', 'role', 'search_path', 'statement_timeout')


class LockBusy(Exception):
    """Another run held the blog module's lock for longer than lock_wait."""

    def __init__(self, message, holders):
        super(LockBusy, self).__init__(message)
        self.holders = holders


class MigrationFailed(Exception):
    """A script failed; ``done`` lists the scripts of earlier, committed steps."""

    def __init__(self, message, script, line, done, failed_row_id=None):
        super(MigrationFailed, self).__init__(message)
        self.script = script
        self.line = line
        self.done = done
        self.failed_row_id = failed_row_id


def _sqlstate(error):
    return getattr(getattr(error, 'diag', None), 'sqlstate', None)


def _error_line(error, text, offset=0):
    """Line in ``text`` of PostgreSQL's error position, when it gives one; offset of the statement sent."""
    position = getattr(getattr(error, 'diag', None), 'statement_position', None)
    try:
        return line_of(text, offset + int(position) - 1)
    except (TypeError, ValueError):
        return None


def _failed_statement(error, script):
    """The statement of ``script`` that failed: the one PostgreSQL's error position is in, or the only one."""
    statements = script.split()
    position = getattr(getattr(error, 'diag', None), 'statement_position', None)
    try:
        offset = int(position) - 1
    except (TypeError, ValueError):
        return statements[0] if len(statements) == 1 else None
    found = [s for s in statements if s.offset <= offset]
    return found[-1] if found else None


def _needed_privilege(statement, message):
    """What a permission error says the role lacks, in words."""
    verb = statement.head.split(' ', 1)[0] if statement is not None and statement.head else None
    owner = OWNER.match(message or '')
    if owner:
        return 'the ownership of %s' % owner.group('object')
    denied = DENIED.match(message or '')
    if denied is None:
        return 'a privilege on the object PostgreSQL names'
    kind, name = denied.group('kind'), denied.group('name')
    if kind == 'schema':
        return '%s on schema %s' % ('CREATE' if verb == 'CREATE' else 'USAGE', name)
    if kind in ('table', 'view') and verb == 'SELECT':
        return 'SELECT on %s %s' % (kind, name)
    if kind in ('table', 'view') and verb in WRITES:
        return '%s on %s %s (or SELECT, when the statement only reads it)' % (verb, kind, name)
    if kind in ('function', 'procedure'):
        return 'EXECUTE on %s %s' % (kind, name)
    if kind == 'sequence':
        return 'USAGE on sequence %s' % name
    if kind == 'database':
        return 'CREATE on database %s' % name if verb == 'CREATE' else 'a privilege on database %s' % name
    return 'a privilege on %s %s' % (kind, name)


def _elapsed_ms(started):
    return int(round((time.monotonic() - started) * 1000))


def _text(value):
    return value.isoformat() if hasattr(value, 'isoformat') else value


def describe_holder(holder):
    client = holder.get('client_addr')
    client = '%s:%s' % (client, holder.get('client_port')) if client else 'the local Unix socket'
    text = "pid %s, application_name '%s', client %s, user %s, connected since %s" % (
        holder['pid'], holder.get('application_name') or '', client, holder.get('usename'), holder.get('backend_start'))
    if holder.get('xact_start'):
        text += ', in a transaction since %s' % holder['xact_start']
    if holder.get('state'):
        text += ', %s' % holder['state']
    if holder.get('wait_event'):
        text += ' (waiting for %s %s)' % (holder.get('wait_event_type'), holder['wait_event'])
    return text


class MigrationRunner:
    """Runs steps of one blog module's migrations on an autocommit connection."""

    def __init__(self, conn, schema, module_name, actor=None):
        self.conn = conn
        self.cursor = dict_cursor(conn)
        self.schema = schema
        self.module_name = module_name
        self.actor = actor
        self.purpose = lock_purpose('migrate', schema, module_name)
        self.server_version = conn.info.server_version
        self.tables_ready = False
        self.in_transaction = False
        self.lock_settings = None
        self.session_settings = []
        self.role = None

    # --- session -------------------------------------------------------------------------------

    def lock(self, lock_wait, lock_timeout, statement_timeout=None):
        """Take the blog module's session-level lock, waiting up to ``lock_wait`` seconds, then set
        the timeouts of the migration statements; raises LockBusy naming the holder."""
        starting = self._starting_settings()
        # lock_timeout 0 would mean no limit: lock_wait 0 waits a millisecond at most.
        self.lock_settings = dict(lock_wait=lock_wait, wait='%dms' % max(lock_wait * 1000, 1), timeout=lock_timeout)
        settings = [('lock_timeout', self.lock_settings['wait'])]
        if self.server_version >= 140000:
            settings.append(('client_connection_check_interval', CLIENT_CHECK_INTERVAL))
        self._set(settings)
        params = (LOCK_CLASS, self.purpose)
        try:
            if lock_wait > 0:
                self.cursor.execute(session_lock_sql(), params)
                locked = True
            else:
                self.cursor.execute(try_session_lock_sql(), params)
                locked = self.cursor.fetchone()['locked']
        except database_error_class() as e:
            if _sqlstate(e) != LOCK_NOT_AVAILABLE:
                raise
            locked = False
        if not locked:
            self._busy(self.purpose, "another run holds the migration lock of blog module '%s' (tracking schema %s) and "
                       'did not release it within lock_wait=%s s' % (self.module_name, self.schema, lock_wait))
        if statement_timeout is not None:
            starting['statement_timeout'] = statement_timeout
        self.session_settings = [(name, starting[name]) for name in STARTING_SETTINGS] + [('lock_timeout', lock_timeout)]
        if self.server_version >= 140000:
            self.session_settings.append(('client_connection_check_interval', CLIENT_CHECK_INTERVAL))
        self._set(self.session_settings)

    def _starting_settings(self):
        """The settings of STARTING_SETTINGS as the session has them now, and the current user."""
        self.cursor.execute('SELECT current_user AS current_user, ' + ', '.join(
            'current_setting(%%s) AS "%s"' % name for name in STARTING_SETTINGS), STARTING_SETTINGS)
        row = dict(self.cursor.fetchone())
        self.role = row.pop('current_user')
        return row

    def protect(self, script, done):
        """Set the run's settings again after ``script``, whatever it did to them; raises MigrationFailed naming it."""
        try:
            self._set(self.session_settings)
        except database_error_class() as e:
            raise MigrationFailed('after %s the module could not set the run\'s settings again (%s): %s'
                                  % (script.script, ', '.join(name for name, _value in self.session_settings),
                                     database_error_message(e)), script, None, done)

    def _set(self, settings):
        """Set session parameters, a list of (name, value), in one statement."""
        if not settings:
            return
        self.cursor.execute('SELECT ' + ', '.join(['set_config(%s, %s, false)'] * len(settings)),
                            [value for setting in settings for value in setting])

    def begin(self):
        self.cursor.execute('BEGIN')
        self.in_transaction = True

    def commit(self):
        self.cursor.execute('COMMIT')
        self.in_transaction = False

    def rollback(self):
        if self.in_transaction:
            self.cursor.execute('ROLLBACK')
            self.in_transaction = False

    def abandon(self):
        """Roll back the open transaction, if any, on the way out of a failure (a lost connection included)."""
        if self.in_transaction:
            self.in_transaction = False
            try:
                self.cursor.execute('ROLLBACK')
            except database_error_class():
                pass

    def read_history(self):
        """The blog module's schema_version rows, oldest first; none when the tables do not exist yet."""
        self.tables_ready = tracking_tables_exist(self.cursor, self.schema)
        return fetch_schema_rows(self.cursor, self.schema, self.module_name) if self.tables_ready else []

    def _ensure_tables(self):
        """Create the tracking tables in the current transaction when missing.

        Another blog module's first run may be creating them in its own, still open, transaction:
        that is waited for like the blog module's lock, up to lock_wait.
        """
        if self.tables_ready:
            return
        self._set([('lock_timeout', self.lock_settings['wait'])])
        try:
            ensure_tracking_tables(self.cursor, self.schema)
        except database_error_class() as e:
            if _sqlstate(e) != LOCK_NOT_AVAILABLE:
                raise
            self._busy(lock_purpose('tracking', self.schema),
                       'another run is creating the tracking tables in schema %s (the first run on this database) and '
                       'did not commit within lock_wait=%s s' % (self.schema, self.lock_settings['lock_wait']))
        self._set([('lock_timeout', self.lock_settings['timeout'])])
        self.tables_ready = True

    def _busy(self, purpose, what):
        """Raise LockBusy naming the sessions that hold the lock of ``purpose``."""
        self.abandon()
        self.cursor.execute(lock_holders_sql(), (LOCK_CLASS, purpose))
        holders = [dict((k, _text(v)) for k, v in dict(row).items()) for row in self.cursor.fetchall()]
        who = '; '.join(describe_holder(h) for h in holders) or 'a session that released it in the meantime'
        raise LockBusy('%s: %s' % (what, who), holders)

    def record(self, requests):
        """Append history rows (repair, baseline) in the current transaction, creating the tables if needed."""
        self._ensure_tables()
        insert_schema_rows(self.cursor, self.schema, requests, self.actor)

    # --- steps ---------------------------------------------------------------------------------

    def _request(self, script, version, kind, execution_ms, success=True):
        return dict(module_name=self.module_name, version=version, description=script.description,
                    script=script.script, checksum=script.checksum, kind=kind, execution_ms=execution_ms,
                    success=success)

    def run(self, steps, kind='migrate', version_of=None):
        """Run ``steps`` in order; returns what ran as dicts (version, script, description, checksum,
        execution_ms, in_transaction). The first step may continue the transaction begun for reading the history.
        ``version_of`` maps a script to the version its row records (an undo records the V version)."""
        version_of = version_of or (lambda script: script.version)
        done = []
        for step in steps:
            if step.in_transaction:
                done.extend(self._run_in_transaction(step, kind, version_of, done))
            else:
                done.extend(self._run_alone(step, kind, version_of, done))
        return done

    def _run_in_transaction(self, step, kind, version_of, done):
        if not self.in_transaction:
            self.begin()
        requests = []
        try:
            self._ensure_tables()
            for script in step.scripts:
                started = time.monotonic()
                try:
                    self.execute_script(script)
                except database_error_class() as e:
                    line = _error_line(e, script.text)
                    raise MigrationFailed(self._failure_message(script, line, e, done, in_transaction=True,
                                                                rolled_back=[r['script'] for r in requests]),
                                          script, line, done)
                if int(self.conn.info.transaction_status) != IN_TRANSACTION:
                    self.in_transaction = False
                    raise MigrationFailed(
                        '%s ended the transaction it ran in (COMMIT, ROLLBACK or similar that the module did not '
                        'recognise); what it and the scripts before it in this step did may be committed without '
                        'schema_version rows. Check the database before running again.' % script.script,
                        script, None, done)
                # Before the next script and the history rows: a SET LOCAL lasts until the end of the whole step.
                self.protect(script, done)
                requests.append(self._request(script, version_of(script), kind, _elapsed_ms(started)))
            insert_schema_rows(self.cursor, self.schema, requests, self.actor)
            self.commit()
        except BaseException:
            self.abandon()
            raise
        return [self._outcome(request, True) for request in requests]

    # What runs a script's SQL: a subclass that measures (the rehearsal) runs the same steps through these.

    def execute_script(self, script):
        """Run a whole script inside the open transaction."""
        self.cursor.execute(script.text)

    def execute_statement(self, script, statement, in_transaction):
        """Run one statement of ``script``; outside a transaction, one at a time."""
        del script, in_transaction
        self.cursor.execute(statement.text)

    def _run_alone(self, step, kind, version_of, done):
        script = step.scripts[0]
        if self.in_transaction or not self.tables_ready:
            if not self.in_transaction:
                self.begin()
            self._ensure_tables()
            self.commit()
        # Written before the script runs, so that a run killed half-way also leaves it behind.
        row = insert_schema_row(self.cursor, self.schema, self._request(script, version_of(script), kind, 0, False),
                                self.actor)
        started = time.monotonic()
        for statement in script.split():
            try:
                self.execute_statement(script, statement, in_transaction=False)
            except database_error_class() as e:
                line = _error_line(e, script.text, statement.offset) or statement.line
                raise MigrationFailed(self._failure_message(script, line, e, done, in_transaction=False,
                                                            reason=step.reason, row_id=row['id'], statement=statement),
                                      script, line, done, row['id'])
        execution_ms = _elapsed_ms(started)
        # A SET in the script (say, a longer lock_timeout for CREATE INDEX CONCURRENTLY) stays with it.
        self.protect(script, done)
        mark_schema_row_succeeded(self.cursor, self.schema, row['id'], execution_ms)
        return [self._outcome(dict(row, execution_ms=execution_ms), False)]

    def _privilege_hint(self, script, statement, error):
        """Which role lacked what, as far as PostgreSQL's message and the failed statement tell."""
        role = "role '%s'" % self.role if self.role else 'the role of the run'
        if script.allow_session_settings:
            role += ' (or the role the script set)'
        return ('The script ran as %s, which lacks %s; grant it, or run the migrations as a role that has it.'
                % (role, _needed_privilege(statement, getattr(getattr(error, 'diag', None), 'message_primary', None))))

    @staticmethod
    def _outcome(request, in_transaction):
        outcome = dict((k, request[k]) for k in ('version', 'script', 'description', 'checksum', 'execution_ms'))
        outcome['in_transaction'] = in_transaction
        return outcome

    def _failure_message(self, script, line, error, done, in_transaction, reason=None, row_id=None, rolled_back=(),
                         statement=None):
        where = script.script + (' line %d' % line if line else '')
        text = '%s failed: %s.' % (where, database_error_message(error).rstrip('.'))
        if _sqlstate(error) == INSUFFICIENT_PRIVILEGE:
            text += ' ' + self._privilege_hint(script, statement or _failed_statement(error, script), error)
        if in_transaction:
            text += ' Its transaction was rolled back'
            if rolled_back:
                text += ' with the scripts that ran before it in that transaction (%s)' % ', '.join(rolled_back)
            text += (', so the scripts before it in this run stay applied: %s.' % ', '.join(d['script'] for d in done)
                     if done else ', so the database is as it was before this run.')
        else:
            text += (' It cannot run in a transaction (%s), so it ran alone, statement by statement, and the statements '
                     'before the failing one stay applied. schema_version row %s (success=false) records the failure '
                     'and stops later runs of blog module \'%s\' until you check the database, make it right (for '
                     'example drop an invalid index), and run state=repair.' % (reason, row_id, self.module_name))
            if done:
                text += ' Applied before it in this run: %s.' % ', '.join(d['script'] for d in done)
        return text
