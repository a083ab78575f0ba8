# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a rehearsal's measurements mean: the thresholds it breaks, and the report as a table of text lines."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

_SIZE = re.compile(r'^\s*(\d+(?:\.\d+)?)\s*(B|kB|KB|MB|GB|TB)?\s*$', re.IGNORECASE)
_UNITS = {'b': 1, 'kb': 1024, 'mb': 1024 ** 2, 'gb': 1024 ** 3, 'tb': 1024 ** 4}
SHORT_MODES = {
    'AccessShareLock': 'ACCESS SHARE', 'RowShareLock': 'ROW SHARE', 'RowExclusiveLock': 'ROW EXCLUSIVE',
    'ShareUpdateExclusiveLock': 'SHARE UPDATE EXCLUSIVE', 'ShareLock': 'SHARE',
    'ShareRowExclusiveLock': 'SHARE ROW EXCLUSIVE', 'ExclusiveLock': 'EXCLUSIVE', 'AccessExclusiveLock': 'ACCESS EXCLUSIVE',
}


def parse_size(value, option='min_table_size'):
    """Bytes of ``value``: a number of bytes, or a number with B, kB, MB, GB or TB (powers of 1024)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    match = _SIZE.match(str(value))
    if not match:
        raise ValueError('invalid %s %r: expected a number of bytes or a size such as 500kB, 10MB or 1GB' % (option, value))
    return int(float(match.group(1)) * _UNITS[(match.group(2) or 'b').lower()])


def human_size(size):
    if size is None:
        return '-'
    sign, size = ('-' if size < 0 else ''), abs(size)
    for unit in ('B', 'kB', 'MB', 'GB'):
        if size < 1024 or unit == 'GB':
            return '%s%s %s' % (sign, ('%d' % size) if unit == 'B' else ('%.1f' % size), unit)
        size /= 1024.0
    return '%s%.1f TB' % (sign, size)


def check_thresholds(migrations, total_ms, max_access_exclusive_ms=None, min_table_size=0, max_write_block_ms=None,
                     max_duration_s=None):
    """The thresholds the measured ``migrations`` break, one sentence each naming migration, statement and figure.

    Lock holds count on tables that existed before the run (a table the run creates blocks nobody) of at least
    ``min_table_size`` bytes."""
    problems = []
    for migration in migrations:
        for lock in migration['locks']:
            if lock['created'] or lock['kind'] not in ('r', 'p', 'm') or (lock['size'] or 0) < min_table_size:
                continue
            held = lock['held_ms']
            if held is None:
                continue
            where = '%s statement %d (line %d: %s)' % (migration['script'], lock['statement'], lock['line'],
                                                       _statement(migration, lock['statement']))
            if max_access_exclusive_ms is not None and lock['mode'] == 'AccessExclusiveLock' and held > max_access_exclusive_ms:
                problems.append('%s holds ACCESS EXCLUSIVE on %s (%s) for %d ms, more than max_access_exclusive_ms=%d'
                                % (where, lock['relation'], human_size(lock['size']), held, max_access_exclusive_ms))
            elif max_write_block_ms is not None and lock['blocks_writes'] and held > max_write_block_ms:
                problems.append('%s holds %s on %s (%s) for %d ms, blocking writes longer than max_write_block_ms=%d'
                                % (where, SHORT_MODES.get(lock['mode'], lock['mode']), lock['relation'],
                                   human_size(lock['size']), held, max_write_block_ms))
    if max_duration_s is not None and total_ms > max_duration_s * 1000:
        slowest = max(migrations, key=lambda m: m['duration_ms']) if migrations else None
        problems.append('the migrations took %.1f s, more than max_duration_s=%s%s' % (
            total_ms / 1000.0, max_duration_s,
            ' (the slowest: %s, %d ms)' % (slowest['script'], slowest['duration_ms']) if slowest else ''))
    return problems


def _statement(migration, number):
    statements = migration['statements']
    return statements[number - 1]['statement'] if 0 < number <= len(statements) else '?'


def report_lines(migrations):
    """The measurements as a table, one line per statement, then one per lock taken."""
    width = max([28] + [len(m['script']) for m in migrations])
    lines = ['%-*s %4s %9s %9s  %-22s %-11s %s' % (width, 'migration', 'line', 'ms', 'rows', 'lock', 'size', 'relation')]
    for migration in migrations:
        how = 'in a transaction' if migration['in_transaction'] else 'outside a transaction'
        lines.append('%s %4s %9d %9s  %s' % (migration['script'].ljust(width), '', migration['duration_ms'], '', how))
        for statement in migration['statements']:
            rows = '-' if statement['rows'] is None else statement['rows']
            lines.append('  %s %4d %9d %9s  %s' % (''.ljust(width - 2), statement['line'], statement['duration_ms'], rows,
                                                   statement['statement'][:70]))
            locks = dict((lock['relation'], lock['mode']) for lock in statement['locks'])
            changes = dict((change['relation'], change) for change in statement['relations'])
            for relation in sorted(set(locks) | set(changes)):
                change = changes.get(relation, {})
                notes = []
                if change.get('created'):
                    notes.append('created')
                if change.get('rewritten'):
                    notes.append('REWRITE')
                size = change.get('size_after')
                if change and not change.get('created') and change.get('size_before') is not None:
                    size = (size or 0) - change['size_before']
                lines.append('  %-*s %4s %9s %9s  %-22s %-11s %s%s' % (
                    width - 2, '', '', '', '', SHORT_MODES.get(locks.get(relation), locks.get(relation) or '-'),
                    ('+' if change and not change.get('created') and size and size > 0 else '') + human_size(size)
                    if change else '', relation, (' (%s)' % ', '.join(notes)) if notes else ''))
        for lock in migration['locks']:
            if lock['blocks_writes'] and not lock['created']:
                lines.append('  held until %s: %s on %s for %s ms%s' % (
                    'commit' if lock['observed'] else 'the statement ended', SHORT_MODES.get(lock['mode'], lock['mode']),
                    lock['relation'], lock['held_ms'], '' if lock['observed'] else ' (documented, not observed)'))
    return lines
