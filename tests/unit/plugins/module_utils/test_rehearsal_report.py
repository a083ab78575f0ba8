# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The rehearsal's pure parts: sizes, lock modes, scratch names, thresholds and the report table."""

import pytest

from ansible_collections.blogops.release.plugins.module_utils._rehearsal import is_scratch_name, scratch_prefix
from ansible_collections.blogops.release.plugins.module_utils._rehearsal_report import (
    check_thresholds,
    human_size,
    parse_size,
    report_lines,
)
from ansible_collections.blogops.release.plugins.module_utils._rehearsal_runner import (
    documented_lock,
    relation_change,
    short_text,
    stronger,
)

MB = 1024 * 1024


@pytest.mark.parametrize('value, expected', [(0, 0), ('0', 0), ('512', 512), ('10MB', 10 * MB), ('1.5 kB', 1536),
                                             ('2gb', 2 * 1024 ** 3)])
def test_sizes(value, expected):
    assert parse_size(value) == expected


@pytest.mark.parametrize('value', ['-1', 'ten', '10 MiB', '', True])
def test_bad_sizes_are_refused_naming_the_option(value):
    with pytest.raises(ValueError, match='invalid min_table_size'):
        parse_size(value)


def test_human_sizes():
    assert [human_size(s) for s in (None, 0, 2048, -3 * MB)] == ['-', '0 B', '2.0 kB', '-3.0 MB']


@pytest.mark.parametrize('head, mode', [
    ('CREATE INDEX CONCURRENTLY', 'ShareUpdateExclusiveLock'), ('REINDEX INDEX CONCURRENTLY', 'ShareUpdateExclusiveLock'),
    ('VACUUM', 'ShareUpdateExclusiveLock'), ('VACUUM FULL', 'AccessExclusiveLock'), ('ALTER TYPE', None), ('', None)])
def test_documented_locks_of_statements_outside_a_transaction(head, mode):
    assert documented_lock(head) == mode


def test_lock_strength_and_changes():
    assert stronger('ShareLock', 'AccessShareLock') == 'ShareLock' == stronger(None, 'ShareLock')
    assert stronger('ShareLock', 'AccessExclusiveLock') == 'AccessExclusiveLock'
    row = dict(name='public.t', kind='r', filenode=2, size=10)
    assert relation_change(None, row)['created'] is True
    assert relation_change(dict(filenode=1, size=8), row)['rewritten'] is True
    assert relation_change(dict(filenode=2, size=8), row)['rewritten'] is False
    assert short_text('ALTER TABLE t\n   ADD x int;  ') == 'ALTER TABLE t ADD x int'


def test_scratch_names_are_recognised_only_with_their_token():
    prefix = scratch_prefix('blog')
    assert prefix == 'blog_blogops_rehearse_'
    assert is_scratch_name(prefix + '0badf00d', 'blog')
    assert not is_scratch_name(prefix + 'notahexx', 'blog') and not is_scratch_name('blog', 'blog')
    assert not is_scratch_name('blog2_blogops_rehearse_0badf00d', 'blog')
    assert len(scratch_prefix('x' * 80)) + 8 <= 63


def migration(script, locks, statements=1, duration_ms=100):
    return dict(script=script, version='1', in_transaction=True, duration_ms=duration_ms, locks=locks,
                statements=[dict(line=n + 1, statement='ALTER TABLE t %d' % n, duration_ms=1, rows=None, locks=[],
                                 relations=[], rewrites=[], size_change=0) for n in range(statements)])


def lock(mode, held_ms, size=100 * MB, kind='r', created=False, statement=1, blocks_writes=True):
    return dict(relation='public.t', kind=kind, mode=mode, held_ms=held_ms, size=size, created=created,
                statement=statement, line=statement, observed=True, blocks_writes=blocks_writes, blocks_reads=False)


@pytest.mark.parametrize('locks, options, found', [
    ([lock('AccessExclusiveLock', 1500)], dict(max_access_exclusive_ms=1000), ['ACCESS EXCLUSIVE on public.t (100.0 MB) for 1500 ms']),
    ([lock('AccessExclusiveLock', 1000)], dict(max_access_exclusive_ms=1000), []),
    ([lock('AccessExclusiveLock', 1500, size=MB)], dict(max_access_exclusive_ms=1000, min_table_size=10 * MB), []),
    ([lock('AccessExclusiveLock', 1500, created=True)], dict(max_access_exclusive_ms=1000), []),
    ([lock('AccessExclusiveLock', 1500, kind='i')], dict(max_access_exclusive_ms=1000), []),
    ([lock('ShareLock', 900)], dict(max_access_exclusive_ms=100, max_write_block_ms=500), ['SHARE on public.t']),
    ([lock('ShareUpdateExclusiveLock', 9000, blocks_writes=False)], dict(max_write_block_ms=500), []),
    ([], dict(max_duration_s=0.05), ['took 0.1 s, more than max_duration_s=0.05 (the slowest: V1__a.sql, 100 ms)']),
])
def test_thresholds(locks, options, found):
    problems = check_thresholds([migration('V1__a.sql', locks)], 100, **options)
    assert len(problems) == len(found)
    for problem, text in zip(problems, found):
        assert text in problem
        assert problem.startswith('V1__a.sql statement 1 (line 1: ALTER TABLE t 0) holds') or 'max_duration_s' in problem


def test_the_report_has_a_line_per_statement_and_names_rewrites():
    m = migration('V1__a.sql', [lock('AccessExclusiveLock', 20)])
    m['statements'][0].update(locks=[dict(relation='public.t', kind='r', mode='AccessExclusiveLock')],
                              relations=[dict(relation='public.t', kind='r', created=False, rewritten=True,
                                              size_before=MB, size_after=2 * MB)])
    lines = report_lines([m])
    assert lines[0].split() == ['migration', 'line', 'ms', 'rows', 'lock', 'size', 'relation']
    assert any('ACCESS EXCLUSIVE' in line and '+1.0 MB' in line and 'public.t (REWRITE)' in line for line in lines)
    assert lines[-1].strip() == 'held until commit: ACCESS EXCLUSIVE on public.t for 20 ms'
