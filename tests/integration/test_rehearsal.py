# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The rehearsal's measuring runner classifies real migrations on a table of a million rows.

One database and one run of seven migrations (transaction=each, so that each one's locks are its own) serve
every case: the cases only read its measurements.
"""

import uuid

import pytest

from ansible_collections.blogops.release.plugins.module_utils.migration_files import scan_migrations
from ansible_collections.blogops.release.plugins.module_utils.migration_plan import group_steps, plan_apply
from ansible_collections.blogops.release.plugins.module_utils.rehearsal_report import check_thresholds, report_lines
from ansible_collections.blogops.release.plugins.module_utils.rehearsal_runner import MeasuringRunner
from migration_tasks import write

ROWS = 1000000
MIGRATIONS = {
    'V1__id_to_bigint.sql': 'ALTER TABLE big ALTER COLUMN id TYPE bigint;\n',
    'V2__volatile_default.sql': 'ALTER TABLE big ADD COLUMN token double precision DEFAULT random();\n',
    'V3__set_not_null.sql': 'ALTER TABLE big ALTER COLUMN n SET NOT NULL;\n',
    'V4__widen_varchar.sql': 'ALTER TABLE big ALTER COLUMN title TYPE varchar(500);\n',
    'V5__varchar_to_text.sql': 'ALTER TABLE big ALTER COLUMN title TYPE text;\n',
    'V6__plain_index.sql': 'CREATE INDEX big_n ON big (n);\n',
    'V7__concurrent_index.sql': 'CREATE INDEX CONCURRENTLY big_title ON big (title);\n',
}


@pytest.fixture(scope='module')
def rehearsed(pg_server, tmp_path_factory):
    name = 'blog_rehearsal_%s' % uuid.uuid4().hex[:10]
    pg_server.create_database(name)
    conn = pg_server.connect(name, autocommit=True)
    try:
        conn.cursor().execute(
            'CREATE TABLE big (id int, title varchar(200), n int); '
            "INSERT INTO big SELECT g, 'title ' || g, g %% 1000 FROM generate_series(1, %d) g; ANALYZE big" % ROWS)
        migrations = scan_migrations(write(tmp_path_factory.mktemp('rehearsal'), MIGRATIONS))
        runner = MeasuringRunner(conn, 'public', 'comments')
        runner.lock(0, '10s')
        runner.begin()
        rows = runner.read_history()
        runner.rollback()
        plan = plan_apply(migrations, rows, 'comments')
        runner.snapshot()
        runner.run(group_steps(plan.scripts, 'each', runner.server_version))
        yield dict((m['script'], m) for m in runner.measurements)
    finally:
        conn.close()
        pg_server.drop_database(name)


def big_lock(measurement):
    return [lock for lock in measurement['locks'] if lock['relation'] == 'public.big']


def big_change(measurement):
    changes = [c for s in measurement['statements'] for c in s['relations'] if c['relation'] == 'public.big']
    return changes[0] if changes else None


@pytest.mark.parametrize('script, mode, rewrite', [
    ('V1__id_to_bigint.sql', 'AccessExclusiveLock', True),
    ('V2__volatile_default.sql', 'AccessExclusiveLock', True),
    ('V3__set_not_null.sql', 'AccessExclusiveLock', False),
    ('V4__widen_varchar.sql', 'AccessExclusiveLock', False),
    ('V5__varchar_to_text.sql', 'AccessExclusiveLock', False),
    ('V6__plain_index.sql', 'ShareLock', False),
    ('V7__concurrent_index.sql', 'ShareUpdateExclusiveLock', False),
])
def test_each_migration_is_classified(rehearsed, script, mode, rewrite):
    measurement = rehearsed[script]
    [lock] = big_lock(measurement)
    assert lock['mode'] == mode
    assert lock['size'] > 30 * 1024 * 1024, 'the table of a million rows, as it was before the statement'
    change = big_change(measurement)
    assert bool(change and change['rewritten']) is rewrite
    assert ('public.big' in measurement['statements'][0]['rewrites']) is rewrite
    # A lock taken in a transaction is held until its commit: at least the statement's own time.
    assert lock['held_ms'] >= measurement['statements'][0]['duration_ms'] - 1


def test_index_builds_block_writes_only_when_not_concurrent(rehearsed):
    plain, concurrent = big_lock(rehearsed['V6__plain_index.sql'])[0], big_lock(rehearsed['V7__concurrent_index.sql'])[0]
    assert plain['blocks_writes'] and plain['observed']
    assert not concurrent['blocks_writes'] and not concurrent['observed'] and not rehearsed['V7__concurrent_index.sql']['in_transaction']
    created = [c for c in rehearsed['V7__concurrent_index.sql']['statements'][0]['relations'] if c['created']]
    assert [c['relation'] for c in created] == ['public.big_title'] and created[0]['size_after'] > 0


def test_a_rewrite_breaks_the_access_exclusive_threshold_naming_migration_statement_and_figure(rehearsed):
    migrations = [rehearsed[name] for name in sorted(rehearsed)]
    problems = check_thresholds(migrations, 0, max_access_exclusive_ms=0, min_table_size=10 * 1024 * 1024)
    assert problems[0].startswith('V1__id_to_bigint.sql statement 1 (line 1: ALTER TABLE big ALTER COLUMN id TYPE bigint)'
                                  ' holds ACCESS EXCLUSIVE on public.big (')
    assert 'more than max_access_exclusive_ms=0' in problems[0]
    assert not any('V7__' in p or 'V6__' in p for p in problems)
    assert check_thresholds(migrations, 0, max_access_exclusive_ms=0, min_table_size=10 * 1024 ** 3) == []
    assert any('REWRITE' in line and 'public.big' in line for line in report_lines(migrations))
