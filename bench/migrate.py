# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Benchmark of blogops.release.migrate: scripts/bench migrate [--count N] [--rounds N]

Builds N small migrations (each creates and alters a table and inserts a row) and applies them,
each tool in a fresh database of the same throwaway server:

- ``psql`` running all the files in one session and one transaction (the floor);
- ``yoyo apply`` (yoyo-migrations, installed into .venv when missing);
- ``migrate`` in a real ansible-playbook run: the module's own time (``duration_ms``) and the
  whole ansible-playbook wall time, then a second run with nothing pending;
- an empty ansible-playbook run, the fixed cost of starting Ansible.

The module runs under a small interpreter wrapper that records its peak RSS (wait4). Figures are
medians over the rounds, ratios medians of the per-round ratios; results also go to
bench/results/migrate.json.
"""

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tests'))

from harness.playbook import LOCAL_INVENTORY, VENV_BIN, play_text, run_playbook  # noqa: E402
from harness.postgres_server import HarnessError, suite_server  # noqa: E402

GOAL_VS_PSQL = 1.5
GOAL_VS_YOYO = 3.0
GOAL_NOOP_MS = 1000

SCRIPT = '''CREATE TABLE bench_{n:04d} (id bigint PRIMARY KEY, title text NOT NULL);
ALTER TABLE bench_{n:04d} ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();
INSERT INTO bench_{n:04d} (id, title) VALUES ({n}, 'post {n}');
'''

# Runs the module's Python and appends the peak RSS (KiB) and the wall time (s) of that process to
# $BENCH_RSS_FILE.
RSS_WRAPPER = '''#!{python}
import os, subprocess, sys, time
started = time.monotonic()
proc = subprocess.Popen([{python!r}] + sys.argv[1:])
_pid, status, usage = os.wait4(proc.pid, 0)
with open(os.environ['BENCH_RSS_FILE'], 'a') as f:
    f.write('%d %f\\n' % (usage.ru_maxrss, time.monotonic() - started))
sys.exit(os.waitstatus_to_exitcode(status))
'''

MIGRATE_TASK = '''
- name: Apply the migrations
  blogops.release.migrate:
    module_name: bench
    path: {path}
'''


def ensure_yoyo():
    yoyo = os.path.join(VENV_BIN, 'yoyo')
    if not os.path.exists(yoyo):
        print('bench: installing yoyo-migrations into .venv', flush=True)
        subprocess.run([sys.executable, '-m', 'pip', 'install', '-qq', '--disable-pip-version-check',
                        'yoyo-migrations>=8'], check=True)
    version = subprocess.run([sys.executable, '-m', 'pip', 'show', 'yoyo-migrations'], stdout=subprocess.PIPE,
                             universal_newlines=True, check=True).stdout
    return yoyo, next(line.split(':', 1)[1].strip() for line in version.splitlines() if line.startswith('Version'))


def build(directory, count):
    os.makedirs(directory)
    for n in range(1, count + 1):
        with open(os.path.join(directory, 'V%d__create_bench_%04d.sql' % (n, n)), 'w') as f:
            f.write(SCRIPT.format(n=n))
    return sorted((os.path.join(directory, name) for name in os.listdir(directory)),
                  key=lambda path: int(os.path.basename(path)[1:].split('__')[0]))


def timed(argv, env):
    started = time.monotonic()
    proc = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                          check=False)
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit('bench: %s failed (exit %d):\n%s' % (os.path.basename(argv[0]), proc.returncode,
                                                              proc.stdout[-3000:]))
    return elapsed


def count_rows(server, database, table):
    return server.query(database, 'SELECT count(*) AS n FROM %s' % table)[0]['n']


class Bench:
    def __init__(self, server, workdir, files, directory):
        self.server = server
        self.workdir = workdir
        self.files = files
        self.directory = directory
        self.env = dict(os.environ, PGPASSWORD=server.password or '')
        self.rss_file = os.path.join(workdir, 'rss.txt')
        wrapper = os.path.join(workdir, 'python-rss')
        with open(wrapper, 'w') as f:
            f.write(RSS_WRAPPER.format(python=os.path.join(VENV_BIN, 'python')))
        os.chmod(wrapper, 0o755)
        inventory = json.loads(json.dumps(LOCAL_INVENTORY))
        inventory['all']['hosts']['localhost']['ansible_python_interpreter'] = wrapper
        self.inventory = os.path.join(workdir, 'inventory.json')
        with open(self.inventory, 'w') as f:
            json.dump(inventory, f)

    def fresh(self, name):
        self.server.drop_database(name)
        self.server.create_database(name)
        return name

    def psql(self, database):
        argv = [os.path.join(self.server.bindir, 'psql'), '-X', '-q', '-v', 'ON_ERROR_STOP=1', '--single-transaction',
                '-h', self.server.host, '-p', str(self.server.port), '-U', self.server.user, '-d', database]
        for path in self.files:
            argv += ['-f', path]
        return timed(argv, self.env)

    def yoyo(self, yoyo, database):
        url = 'postgresql://%s@%s:%d/%s' % (self.server.user, self.server.host, self.server.port, database)
        return timed([yoyo, 'apply', '--batch', '--no-config-file', '--database', url, self.directory], self.env)

    def playbook(self, database, tasks):
        path = os.path.join(self.workdir, 'play-%s.yml' % database)
        with open(path, 'w') as f:
            f.write(play_text(tasks))
        variables = dict(blog_db_host=self.server.host, blog_db_port=self.server.port, blog_db_user=self.server.user,
                         blog_db_password=self.server.password, blog_db_name=database)
        if os.path.exists(self.rss_file):
            os.unlink(self.rss_file)
        started = time.monotonic()
        run = run_playbook(path, self.workdir, inventory=self.inventory, extra_vars=variables,
                           env=dict(BENCH_RSS_FILE=self.rss_file))
        elapsed = time.monotonic() - started
        if not run.ok:
            raise SystemExit('bench: ansible-playbook failed:\n%s' % run.output[-3000:])
        process = (None, None)
        if os.path.exists(self.rss_file):
            with open(self.rss_file) as f:
                process = max(tuple(float(x) for x in line.split()) for line in f if line.strip())
        return run, elapsed, process

    def migrate(self, database):
        run, elapsed, (rss, process) = self.playbook(database, MIGRATE_TASK.format(path=self.directory))
        result = run.result('Apply the migrations')
        return dict(wall=elapsed, module=result['duration_ms'] / 1000.0, process=process, rss_kib=rss,
                    applied=len(result['applied']))

    def empty(self, database):
        return self.playbook(database, '- name: Do nothing\n  ansible.builtin.meta: noop\n')[1]


def ratio(a, b):
    return a / b if b else float('nan')


def paired(figures, a, b):
    """Median over the rounds of a / b, each round's figures taken together (the load of the machine
    changes between rounds more than within one)."""
    return statistics.median(ratio(x, y) for x, y in zip(figures[a], figures[b]))


def report(figures, count, rounds, info):
    med = dict((key, statistics.median(values)) for key, values in figures.items())
    rss = max(figures['rss_kib']) / 1024.0
    rows = [
        ('psql, one session, one transaction (the floor)', 'psql'),
        ('yoyo apply', 'yoyo'),
        ('migrate, module time (duration_ms)', 'migrate_module'),
        ('migrate, module process (Python start-up, imports, result)', 'migrate_process'),
        ('migrate, whole ansible-playbook run', 'migrate_wall'),
        ('migrate again, nothing pending, module time', 'noop_module'),
        ('migrate again, nothing pending, whole run', 'noop_wall'),
        ('empty ansible-playbook run (Ansible start-up)', 'empty_wall'),
    ]
    lines = ['%d migrations, %s; %d round%s, each running every tool in turn' % (
        count, info['summary'], rounds, '' if rounds == 1 else 's'),
        '',
        '| run | median s | per round s | vs psql | yoyo / this |',
        '|---|---:|---|---:|---:|']
    for label, key in rows:
        lines.append('| %s | %.2f | %s | %.2f× | %.2f× |' % (
            label, med[key], ' '.join('%.2f' % v for v in figures[key]), paired(figures, key, 'psql'),
            paired(figures, 'yoyo', key)))
    lines.append('| peak RSS of the module process | %.1f MiB | | | |' % rss)
    lines.append('')
    lines.append('Ratios are medians of the per-round ratios.')
    goals = [
        ('module time ≤ %.1f× psql' % GOAL_VS_PSQL, paired(figures, 'migrate_module', 'psql') <= GOAL_VS_PSQL),
        ('whole run ≤ %.1f× psql' % GOAL_VS_PSQL, paired(figures, 'migrate_wall', 'psql') <= GOAL_VS_PSQL),
        ('module time ≥ %.0f× faster than yoyo' % GOAL_VS_YOYO,
         paired(figures, 'yoyo', 'migrate_module') >= GOAL_VS_YOYO),
        ('whole run ≥ %.0f× faster than yoyo' % GOAL_VS_YOYO, paired(figures, 'yoyo', 'migrate_wall') >= GOAL_VS_YOYO),
        ('nothing pending < %d ms of module time' % GOAL_NOOP_MS, med['noop_module'] * 1000 < GOAL_NOOP_MS),
    ]
    lines.append('')
    lines.extend('goal %-40s %s' % (label, 'met' if met else 'MISSED') for label, met in goals)
    return '\n'.join(lines), med, goals


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--count', type=int, default=1000, help='migrations to build (default 1000)')
    parser.add_argument('--rounds', type=int, default=3, help='rounds to take the median of (default 3)')
    args = parser.parse_args()

    yoyo, yoyo_version = ensure_yoyo()
    try:
        server = suite_server()
    except HarnessError as e:
        sys.exit('bench: %s' % e)
    workdir = tempfile.mkdtemp(prefix='blogops-bench-migrate-')
    try:
        directory = os.path.join(workdir, 'migrations')
        files = build(directory, args.count)
        bench = Bench(server, workdir, files, directory)
        version = server.query('postgres', 'SHOW server_version')[0]['server_version']
        info = dict(summary='PostgreSQL %s, Python %s, yoyo-migrations %s, %d CPUs (%s)' % (
            version, platform.python_version(), yoyo_version, os.cpu_count() or 0, platform.machine()))
        figures = dict((key, []) for key in ('psql', 'yoyo', 'migrate_module', 'migrate_process', 'migrate_wall',
                                             'noop_module', 'noop_wall', 'empty_wall', 'rss_kib'))
        for round_number in range(1, args.rounds + 1):
            database = bench.fresh('bench_psql')
            figures['psql'].append(bench.psql(database))
            assert count_rows(server, database, 'bench_%04d' % args.count) == 1

            database = bench.fresh('bench_yoyo')
            figures['yoyo'].append(bench.yoyo(yoyo, database))
            assert count_rows(server, database, 'bench_%04d' % args.count) == 1

            database = bench.fresh('bench_migrate')
            first = bench.migrate(database)
            assert first['applied'] == args.count, first
            assert count_rows(server, database, 'schema_version') == args.count
            second = bench.migrate(database)
            assert second['applied'] == 0, second
            figures['migrate_module'].append(first['module'])
            figures['migrate_wall'].append(first['wall'])
            figures['migrate_process'].append(first['process'])
            figures['noop_module'].append(second['module'])
            figures['noop_wall'].append(second['wall'])
            figures['rss_kib'].extend(r for r in (first['rss_kib'], second['rss_kib']) if r)
            figures['empty_wall'].append(bench.empty(database))
            print('bench: round %d: psql %.2f s, yoyo %.2f s, migrate %.2f s module / %.2f s whole run, nothing '
                  'pending %.3f s module' % (round_number, figures['psql'][-1], figures['yoyo'][-1], first['module'],
                                             first['wall'], second['module']), flush=True)
        table, medians, goals = report(figures, args.count, args.rounds, info)
        print()
        print(table)
        os.makedirs(os.path.join(ROOT, 'bench', 'results'), exist_ok=True)
        with open(os.path.join(ROOT, 'bench', 'results', 'migrate.json'), 'w') as f:
            json.dump(dict(info=info, count=args.count, rounds=args.rounds, figures=figures, medians=medians,
                           goals=dict(goals)), f, indent=2)
    finally:
        for database in ('bench_psql', 'bench_yoyo', 'bench_migrate'):
            server.drop_database(database)
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == '__main__':
    main()
