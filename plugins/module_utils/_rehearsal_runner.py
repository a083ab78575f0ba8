# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The migration runner of the deploy, measuring what each statement does (the rehearsal, on a scratch database).

MeasuringRunner is MigrationRunner: the same steps, transactions, settings and history rows. Only the SQL of a
script inside a transaction is sent statement by statement (in the same transaction, so the effect is the same),
and after each statement the runner reads, in that transaction:

- pg_locks of its own backend: each relation locked and the mode; a lock taken inside a transaction is held until
  the commit, so its hold time is from the start of the statement that took it to the commit;
- each locked table's and index's file node (pg_relation_filenode) and size, compared with what they were before:
  a new file node is a rewrite.

A statement that runs outside a transaction (CREATE INDEX CONCURRENTLY, VACUUM, ...) holds its locks only while
it runs, so they are gone when it returns: its lock is the one PostgreSQL documents for it (ShareUpdateExclusive
for the CONCURRENTLY forms and VACUUM, which does not block writes), reported as ``observed: false``, and the
relations are those whose file node or size changed, or the table of an index it created.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import time

from ansible_collections.blogops.release.plugins.module_utils._migration_files import split_statements
from ansible_collections.blogops.release.plugins.module_utils._migration_runner import MigrationRunner
from ansible_collections.blogops.release.plugins.module_utils._tracking_tables import TABLES

# Weakest first (the order of PostgreSQL's table-level lock modes).
LOCK_MODES = ('AccessShareLock', 'RowShareLock', 'RowExclusiveLock', 'ShareUpdateExclusiveLock', 'ShareLock',
              'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock')
# Modes that conflict with RowExclusiveLock (INSERT, UPDATE, DELETE wait), and with AccessShareLock (SELECT waits).
BLOCKS_WRITES = frozenset(LOCK_MODES[4:])
BLOCKS_READS = frozenset(LOCK_MODES[7:])
TABLE_KINDS = ('r', 'p', 'm')
STATEMENT_TEXT = 160

_USER_RELATIONS = (
    "c.relkind IN ('r', 'p', 'm', 'i', 'I') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
    "AND n.nspname NOT LIKE 'pg\\_toast%%' AND n.nspname NOT LIKE 'pg\\_temp\\_%%' "
    # The tracking tables and their indexes: the runner's own bookkeeping, not the migrations'.
    "AND NOT EXISTS (SELECT 1 FROM pg_class t WHERE t.oid = COALESCE(i.indrelid, c.oid) AND n.nspname = %s "
    "AND t.relname = ANY(%s))")
_COLUMNS = (
    "c.oid AS oid, quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name, c.relkind AS kind, "
    "pg_relation_filenode(c.oid) AS filenode, "
    "CASE WHEN c.relkind IN ('r', 'm', 'i') THEN pg_relation_size(c.oid) END AS size, i.indrelid AS table_oid")
SNAPSHOT_SQL = ('SELECT ' + _COLUMNS + ' FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace '
                'LEFT JOIN pg_index i ON i.indexrelid = c.oid WHERE ' + _USER_RELATIONS)
# Only the relations this backend has locked (pg_relation_size locks what it measures: nothing new is locked).
LOCKED_SQL = ('SELECT l.mode AS mode, ' + _COLUMNS + ' FROM pg_locks l JOIN pg_class c ON c.oid = l.relation '
              'JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_index i ON i.indexrelid = c.oid '
              "WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted "
              'AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND ' + _USER_RELATIONS)


def stronger(mode, other):
    """The stronger of two lock modes (None is weaker than any)."""
    if mode is None:
        return other
    if other is None:
        return mode
    return mode if LOCK_MODES.index(mode) >= LOCK_MODES.index(other) else other


def documented_lock(head):
    """The lock a statement run outside a transaction takes on its table, from its first words, or None."""
    words = (head or '').split()
    if 'CONCURRENTLY' in words:
        return 'ShareUpdateExclusiveLock'
    if words[:1] == ['VACUUM']:
        return 'AccessExclusiveLock' if 'FULL' in words[1:3] else 'ShareUpdateExclusiveLock'
    return None


def short_text(text):
    text = re.sub(r'\s+', ' ', text).strip().rstrip(';').rstrip()
    return text if len(text) <= STATEMENT_TEXT else text[:STATEMENT_TEXT - 3] + '...'


def relation_change(before, row):
    """A relation as ``before`` (None: it did not exist) and as ``row`` now: created, rewritten, sizes."""
    return dict(relation=row['name'], kind=row['kind'], created=before is None,
                size_before=before['size'] if before else None, size_after=row['size'],
                rewritten=bool(before and before['filenode'] is not None and before['filenode'] != row['filenode']))


def _ms(seconds):
    return int(round(seconds * 1000))


class MeasuringRunner(MigrationRunner):
    """A MigrationRunner that measures each statement; ``measurements`` lists one dict per script run."""

    def __init__(self, conn, schema, module_name, actor=None, clock=time.monotonic):
        super(MeasuringRunner, self).__init__(conn, schema, module_name, actor)
        self.clock = clock
        self.measurements = []
        self.relations = {}
        self.held = {}
        self.failed_statement = None

    # --- relations -----------------------------------------------------------------------------

    def snapshot(self):
        """Read every user relation's file node and size (outside a transaction: the reads' locks end at once)."""
        self.cursor.execute(SNAPSHOT_SQL, (self.schema, list(TABLES)))
        self.relations = dict((row['oid'], dict(row)) for row in self.cursor.fetchall())

    def _locked(self):
        """{oid: (row, the modes this backend holds on it)}: PostgreSQL lists each mode held as a row of its own."""
        self.cursor.execute(LOCKED_SQL, (self.schema, list(TABLES)))
        locked = {}
        for row in self.cursor.fetchall():
            row = dict(row)
            locked.setdefault(row['oid'], (row, set()))[1].add(row['mode'])
        return locked

    def _change(self, row):
        """What happened to relation ``row`` since it was last seen; updates what is known of it."""
        change = relation_change(self.relations.get(row['oid']), row)
        self.relations[row['oid']] = dict((k, row[k]) for k in ('oid', 'name', 'kind', 'filenode', 'size', 'table_oid'))
        return change

    # --- the runner's hooks --------------------------------------------------------------------

    def begin(self):
        super(MeasuringRunner, self).begin()
        self.held = {}

    def commit(self):
        super(MeasuringRunner, self).commit()
        now = self.clock()
        for lock in self.held.values():
            if lock['entry'] is not None:
                lock['entry']['held_ms'] = _ms(now - lock['since'])
        self.held = {}

    def _script_entry(self, script, in_transaction):
        if not self.measurements or self.measurements[-1]['script'] != script.script:
            self.measurements.append(dict(script=script.script, version=script.version, in_transaction=in_transaction,
                                          duration_ms=0, statements=[], locks=[]))
        return self.measurements[-1]

    def execute_script(self, script):
        for statement in split_statements(script.text):
            self.execute_statement(script, statement, in_transaction=True)

    def execute_statement(self, script, statement, in_transaction):
        entry = self._script_entry(script, in_transaction)
        if not in_transaction:
            self.snapshot()
        started = self.clock()
        try:
            super(MeasuringRunner, self).execute_statement(script, statement, in_transaction)
        except BaseException:
            self.failed_statement = dict(script=script.script, line=statement.line, statement=short_text(statement.text))
            raise
        ended = self.clock()
        rows = self.cursor.rowcount
        measured = dict(line=statement.line, statement=short_text(statement.text), duration_ms=_ms(ended - started),
                        rows=rows if rows is not None and rows >= 0 else None, locks=[], relations=[])
        if in_transaction:
            self._measure_in_transaction(entry, measured, started)
        else:
            self._measure_alone(entry, measured, statement, ended - started)
        measured['rewrites'] = [r['relation'] for r in measured['relations'] if r['rewritten']]
        measured['size_change'] = sum((r['size_after'] or 0) - (r['size_before'] or 0) for r in measured['relations'])
        entry['statements'].append(measured)
        entry['duration_ms'] += measured['duration_ms']

    def _measure_in_transaction(self, entry, measured, started):
        """The modes this statement took (held since it started, until the commit), and what it did to each relation.

        A mode already held from an earlier statement of the transaction is not taken again; a weaker mode than one
        held is reported when the statement takes it (CREATE INDEX takes SHARE even under ACCESS EXCLUSIVE)."""
        for oid, (row, modes) in sorted(self._locked().items(), key=lambda item: item[1][0]['name']):
            change = self._change(row)
            taken = [mode for mode in modes if (oid, mode) not in self.held]
            for mode in taken:
                self.held[(oid, mode)] = dict(since=started, entry=None)
            mode = None
            for each in taken:
                mode = stronger(mode, each)
            # Only modes that can make another session wait are worth a line; ACCESS SHARE of a read is not.
            if mode is not None and mode != 'AccessShareLock':
                lock = dict(relation=row['name'], kind=row['kind'], mode=mode, created=change['created'],
                            size=change['size_before'], line=measured['line'], statement=len(entry['statements']) + 1,
                            held_ms=None, observed=True, blocks_writes=mode in BLOCKS_WRITES,
                            blocks_reads=mode in BLOCKS_READS)
                entry['locks'].append(lock)
                measured['locks'].append(dict((k, lock[k]) for k in ('relation', 'kind', 'mode')))
                self.held[(oid, mode)]['entry'] = lock
            if change['created'] or change['rewritten'] or change['size_before'] != change['size_after']:
                measured['relations'].append(change)

    def _measure_alone(self, entry, measured, statement, seconds):
        before = self.relations
        self.snapshot()
        mode = documented_lock(statement.head)
        tables = {}
        for oid, row in sorted(self.relations.items(), key=lambda item: item[1]['name']):
            old = before.get(oid)
            if old is not None and old['filenode'] == row['filenode'] and old['size'] == row['size']:
                continue
            measured['relations'].append(relation_change(old, row))
            table_oid = row['table_oid'] if row['kind'] in ('i', 'I') else oid
            table = before.get(table_oid) or self.relations.get(table_oid)
            if table is not None:
                tables[table_oid] = table
        for table in sorted(tables.values(), key=lambda t: t['name']):
            lock = dict(relation=table['name'], kind=table['kind'], mode=mode, created=table['oid'] not in before,
                        size=table['size'], line=measured['line'], statement=len(entry['statements']) + 1,
                        held_ms=_ms(seconds), observed=False, blocks_writes=mode in BLOCKS_WRITES,
                        blocks_reads=mode in BLOCKS_READS)
            entry['locks'].append(lock)
            measured['locks'].append(dict(relation=table['name'], kind=table['kind'], mode=mode))
