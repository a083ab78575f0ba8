# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The rehearsal's measuring runner classifies real migrations on a table of a million rows.

One database and one run of seven migrations (transaction=each, so that each one's locks are its own) serve
every case: the cases only read its measurements.
"""

import json
import os
import uuid

import pytest

from ansible_collections.blogops.release.plugins.module_utils._migration_files import scan_migrations
from ansible_collections.blogops.release.plugins.module_utils._migration_plan import group_steps, plan_apply
from ansible_collections.blogops.release.plugins.module_utils._rehearsal_report import check_thresholds, report_lines
from ansible_collections.blogops.release.plugins.module_utils._rehearsal_runner import MeasuringRunner
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


SLOW = {'migrations/V1.3__slow_column.sql': 'ALTER TABLE comments ADD COLUMN note text;\nSELECT pg_sleep(0.3);\n'}


def scratch_databases(pg_server, blog):
    return [r['datname'] for r in pg_server.query('postgres', 'SELECT datname FROM pg_database WHERE datname LIKE %s',
                                                  (blog.db.name + '_blogops_rehearse_%',))]


def backup_files(blog):
    return sorted(name for name in os.listdir(blog.backup_dir) if name.startswith('blog_backup_'))


def test_a_threshold_stops_the_deploy_before_production_changes(deployed, pg_server):
    deployed.overlay('comments-1.1.0')
    deployed.write('comments', SLOW)
    before, backups = deployed.snapshot(), backup_files(deployed)
    run = deployed.deploy('comments', '1.1.0', blog_rehearse=True, blog_rehearse_max_access_exclusive_ms=200)
    assert not run.ok
    message = [r['result']['msg'] for r in run.failed_results() if 'deploy of' in r['result'].get('msg', '')][-1]
    # With transaction=all the lock V1.1 takes is held until the commit, after V1.3's sleep: V1.1 is named.
    assert "V1.1__add_author.sql statement 1 (line 1: ALTER TABLE comments ADD COLUMN author text NOT NULL DEFAULT " \
           "'anonymous') holds ACCESS EXCLUSIVE on public.comments (8.0 kB) for " in message, message
    assert 'more than max_access_exclusive_ms=200' in message and 'failed at preflight' in message, message
    assert deployed.snapshot() == before
    assert backup_files(deployed) == backups
    assert [h['to_version'] for h in deployed.history('comments')] == ['1.0.0']
    # Kept for the status report, next to the backups.
    with open(os.path.join(deployed.backup_dir, 'rehearsal-comments.json')) as f:
        record = json.load(f)
    assert record['outcome'] == 'stopped' and record['violations'] and record['migrations'][0]['lock']['mode'] == \
        'AccessExclusiveLock'
    assert scratch_databases(pg_server, deployed) == []


def test_the_rehearse_playbook_reports_and_publishes_the_rehearsal(deployed, pg_server):
    deployed.overlay('comments-1.1.0')
    before = deployed.snapshot()
    # A killed rehearsal's scratch database: found by its name, dropped by the next rehearsal.
    leftover = deployed.db.name + '_blogops_rehearse_0badf00d'
    pg_server.query('postgres', 'CREATE DATABASE "%s"' % leftover)
    run = deployed.playbook('rehearse', blog_module='comments', blog_rehearse_source='dump')
    assert run.ok, run
    report = '\n'.join(run.result('Show the rehearsal')['msg'])
    assert 'V1.1__add_author.sql' in report and 'ACCESS EXCLUSIVE' in report and 'public.comments' in report
    assert 'V1.2__index_comments_by_post.sql' in report and 'public.comments_by_post (created)' in report
    stats = run.stats['blogops_rehearsal']
    assert stats['pending'] == ['V1.1__add_author.sql', 'V1.2__index_comments_by_post.sql'] and not stats['failed']
    assert stats['source']['kind'] == 'dump' and stats['violations'] == []
    # CREATE INDEX takes SHARE on the table even while the transaction holds ACCESS EXCLUSIVE on it from V1.1.
    [index] = [lock for lock in stats['migrations'][1]['locks'] if lock['relation'] == 'public.comments']
    assert index['mode'] == 'ShareLock' and index['blocks_writes'] and index['held_ms'] >= 0
    assert deployed.snapshot() == before
    assert scratch_databases(pg_server, deployed) == []
