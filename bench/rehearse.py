# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Benchmark of the rehearsal: scripts/bench rehearse [--rows N] [--rounds N] [--quick]

A table of N rows (2 million by default; 100,000 with --quick) and four migrations of the kinds the rehearsal
classifies (int to bigint, a column with a volatile default, a plain index, SET NOT NULL), in one transaction as
the deploy runs them by default. Each round, on the same data:

- the deploy's migration run: MigrationRunner on a copy of the database (CREATE DATABASE ... TEMPLATE), the wall
  time of its run;
- the rehearsal: Rehearsal.run() with a fresh dump (source=dump) of the database; its restore (dump and restore
  into the scratch database) and its migration run (MeasuringRunner, with every measurement), timed apart.

The goal: the rehearsal's migration run within 1.3 times the deploy's, plus the restore. Figures are medians over
the rounds; results also go to bench/results/rehearse.json.
"""

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tests'))
sys.path.insert(0, os.path.join(ROOT, '.venv', 'collections'))

from harness.postgres_server import HarnessError, suite_server  # noqa: E402
from ansible_collections.blogops.release.plugins.module_utils._migration_files import scan_migrations  # noqa: E402
from ansible_collections.blogops.release.plugins.module_utils._migration_plan import group_steps, plan_apply  # noqa: E402
from ansible_collections.blogops.release.plugins.module_utils._migration_runner import MigrationRunner  # noqa: E402
from ansible_collections.blogops.release.plugins.module_utils._pg_client import PgClient  # noqa: E402
from ansible_collections.blogops.release.plugins.module_utils._rehearsal import Rehearsal  # noqa: E402

GOAL_RATIO = 1.3
MIGRATIONS = {
    'V1__id_to_bigint.sql': 'ALTER TABLE posts ALTER COLUMN id TYPE bigint;\n',
    'V2__volatile_default.sql': 'ALTER TABLE posts ADD COLUMN token double precision DEFAULT random();\n',
    'V3__index_by_author.sql': 'CREATE INDEX posts_by_author ON posts (author);\n',
    'V4__author_required.sql': 'ALTER TABLE posts ALTER COLUMN author SET NOT NULL;\n',
}
OPTIONS = dict(source='dump', backup_dir=None, target_version=None, out_of_order=False, transaction='all',
               max_access_exclusive_ms=None, max_write_block_ms=None, max_duration_s=None, min_table_size=0,
               maintenance_db='postgres', lock_wait=0, workers=1, lock_timeout='10s', statement_timeout=None)


def migrations_dir(workdir):
    path = os.path.join(workdir, 'migrations')
    os.makedirs(path)
    for name, text in MIGRATIONS.items():
        with open(os.path.join(path, name), 'w') as f:
            f.write(text)
    return scan_migrations(path)


def make_database(server, name, rows):
    server.create_database(name)
    conn = server.connect(name)
    try:
        conn.cursor().execute(
            'CREATE TABLE posts (id int PRIMARY KEY, title varchar(200), author int); '
            "INSERT INTO posts SELECT g, 'post ' || g, g %% 500 FROM generate_series(1, %d) g; ANALYZE posts" % rows)
    finally:
        conn.close()


def deploy_run(server, base, migrations):
    """Seconds of the deploy's migration run on a copy of ``base``."""
    copy = 'bench_deploy_%s' % uuid.uuid4().hex[:8]
    server.query('postgres', 'CREATE DATABASE "%s" TEMPLATE "%s"' % (copy, base))
    conn = server.connect(copy)
    try:
        runner = MigrationRunner(conn, 'public', 'bench')
        runner.lock(0, '10s')
        runner.begin()
        rows = runner.read_history()
        plan = plan_apply(migrations, rows, 'bench')
        started = time.monotonic()
        runner.run(group_steps(plan.scripts, 'all', runner.server_version))
        seconds = time.monotonic() - started
    finally:
        conn.close()
        server.drop_database(copy)
    return seconds


def rehearsal_run(server, base, migrations, workdir):
    """(restore seconds, migration run seconds, total seconds) of a rehearsal of ``base`` on a fresh dump."""
    params = dict(server.admin_params(base))
    params.pop('password', None)
    client = PgClient(dict(params, password=server.password or None), workdir, bin_dir=server.bindir or None,
                      find_program=shutil.which)
    rehearsal = Rehearsal(server.connect, client, base, 'public', 'bench',
                          migrations, dict(OPTIONS), workdir)
    result = rehearsal.run()
    assert not result['violations'] and len(result['migrations']) == len(MIGRATIONS), result
    run_seconds = result['total_seconds'] - result['restore_seconds']
    return result['restore_seconds'], run_seconds, result['total_seconds']


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--rows', type=int, default=None)
    parser.add_argument('--rounds', type=int, default=None)
    parser.add_argument('--quick', action='store_true', help='100,000 rows, one round (smoke test)')
    args = parser.parse_args()
    rows = args.rows or (100000 if args.quick else 2000000)
    rounds = args.rounds or (1 if args.quick else 3)
    try:
        server = suite_server()
    except HarnessError as e:
        sys.exit('bench: %s' % e)
    workdir = tempfile.mkdtemp(prefix='blogops-bench-rehearse-')
    base = 'bench_rehearse_%s' % uuid.uuid4().hex[:8]
    try:
        migrations = migrations_dir(workdir)
        print('bench: %d rows, %d round(s)' % (rows, rounds), flush=True)
        make_database(server, base, rows)
        deploy, restore, rehearse, total = [], [], [], []
        for number in range(rounds):
            deploy.append(deploy_run(server, base, migrations))
            r, m, t = rehearsal_run(server, base, migrations, workdir)
            restore.append(r)
            rehearse.append(m)
            total.append(t)
            print('bench: round %d: deploy run %.2f s, rehearsal run %.2f s, restore %.2f s'
                  % (number + 1, deploy[-1], float(m), float(r)), flush=True)
        ratios = [m / d for m, d in zip(rehearse, deploy)]
        figures = dict(rows=rows, rounds=rounds, deploy_run_s=statistics.median(deploy),
                       rehearsal_run_s=statistics.median(rehearse), restore_s=statistics.median(restore),
                       rehearsal_total_s=statistics.median(total), ratio=statistics.median(ratios), goal_ratio=GOAL_RATIO,
                       machine=dict(platform=platform.platform(), cpus=os.cpu_count()))
    finally:
        server.drop_database(base)
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    print('\n%-34s %10s' % ('', 'seconds'))
    for label, key in (('deploy migration run', 'deploy_run_s'), ('rehearsal migration run', 'rehearsal_run_s'),
                       ('rehearsal restore (dump + restore)', 'restore_s'), ('rehearsal in all', 'rehearsal_total_s')):
        print('%-34s %10.2f' % (label, figures[key]))
    verdict = 'met' if figures['ratio'] <= GOAL_RATIO else 'NOT met'
    print('\nrehearsal run / deploy run: %.2fx (goal %.1fx: %s), plus the restore' % (figures['ratio'], GOAL_RATIO, verdict))
    results = os.path.join(ROOT, 'bench', 'results')
    os.makedirs(results, exist_ok=True)
    with open(os.path.join(results, 'rehearse.json'), 'w') as f:
        json.dump(figures, f, indent=1, sort_keys=True)
    return 0 if figures['ratio'] <= GOAL_RATIO else 1


if __name__ == '__main__':
    sys.exit(main())
