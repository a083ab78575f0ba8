# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Benchmark: db_backup and db_restore against raw pg_dump / pg_restore on a database of >= 1 GB.

    scripts/bench backup [--size 1.34] [--scale 50] [--text-rows 2500000] [--rounds 5] [--parts backup,restore]

Generates the database once (pgbench tables, plus a table of text with an index), then runs each
measurement --rounds times, interleaved (the order alternating), and prints the median time of each
and the median of the per-round ratios:

- db_backup (custom) against raw ``pg_dump -Fc`` with the same (default) compression, goal <= 1.10x;
- db_backup (directory, jobs 2) against raw ``pg_dump -Fc``, goal: faster (raw ``pg_dump -Fd -j 2`` is
  shown too: what parallelism itself gives on the machine);
- db_restore mode=replace (an exact restore: into a new database, swapped in by renaming) against raw
  ``pg_restore --clean --if-exists --single-transaction`` of the same file over the live database (what
  replace did before; not exact), goal <= 1.10x; with jobs 1 and with jobs 2, and raw ``pg_restore -j 2``
  into a new database as the reference of what restoring into a new database itself costs;
- the checksum's cost on its own: what the streaming hash took inside db_backup, what hashing the
  dump file and the directory afterwards takes (db_restore's check before restoring).

The module runs are whole ansible-playbook runs (start-up included); the table also shows the
time the module itself reports. The raw programs connect the same way (TCP, password).
"""

from __future__ import absolute_import, division, print_function

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
sys.path.insert(0, os.path.join(ROOT, '.venv', 'collections'))

import psycopg2.extras  # noqa: E402

from harness.playbook import play_text, run_playbook  # noqa: E402
from harness.postgres_server import suite_server  # noqa: E402

from ansible_collections.blogops.release.plugins.module_utils._backup_sidecar import backup_digest  # noqa: E402
from ansible_collections.blogops.release.plugins.module_utils._tracking_tables import ensure_tracking_tables  # noqa: E402

DB = 'bench_blog'
SERVER_SETTINGS = dict(shared_buffers='512MB', maintenance_work_mem='256MB', max_wal_size='8GB',
                       checkpoint_timeout='30min')


def log(message):
    print('[%s] %s' % (time.strftime('%H:%M:%S'), message), flush=True)


def timed(function):
    started = time.perf_counter()
    value = function()
    return time.perf_counter() - started, value


class Bench:
    def __init__(self, args):
        self.args = args
        self.server = suite_server(settings=SERVER_SETTINGS)  # the settings apply to a throwaway server only
        self.work = tempfile.mkdtemp(prefix='blogops-bench-backup-')
        self.bindir = self.server.bindir
        self.env = dict(os.environ, PGPASSWORD=self.server.password)
        self.conninfo = "host=%s port=%s user=%s dbname=%s" % (self.server.host, self.server.port, self.server.user, DB)
        self.times = {}
        self.extra = {}

    def program(self, name):
        path = os.path.join(self.bindir, name)
        return path if os.access(path, os.X_OK) else shutil.which(name)

    def run(self, argv):
        proc = subprocess.run(argv, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, check=False)
        if proc.returncode != 0:
            raise SystemExit('%s failed:\n%s' % (argv[0], proc.stdout))
        return proc.stdout

    def generate(self):
        self.server.drop_database(DB)
        self.server.create_database(DB)
        log('generating pgbench tables, scale %d' % self.args.scale)
        self.run([self.program('pgbench'), '-i', '-q', '-s', str(self.args.scale), '-h', self.server.host,
                  '-p', str(self.server.port), '-U', self.server.user, DB])
        log('generating %d rows of text with an index' % self.args.text_rows)
        conn = self.server.connect(DB, autocommit=False)
        with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cursor:
            cursor.execute('CREATE TABLE posts (id bigint PRIMARY KEY, author text NOT NULL, body text NOT NULL)')
            cursor.execute("INSERT INTO posts SELECT i, 'author ' || (i %% 5000), "
                           "md5(i::text) || ' ' || md5((i * 7)::text) || ' ' || repeat(md5(random()::text), 2) "
                           'FROM generate_series(1, %s) i', (self.args.text_rows,))
            cursor.execute('CREATE INDEX posts_author_idx ON posts (author)')
            ensure_tracking_tables(cursor, 'public')
            cursor.execute("INSERT INTO schema_version (module_name, version, checksum) VALUES ('core', '1', %s)",
                           ('a' * 64,))
        conn.commit()
        conn.close()
        self.server.query(DB, 'VACUUM ANALYZE')
        size = self.server.query(DB, 'SELECT pg_database_size(current_database()) AS s')[0]['s']
        log('database size %.2f GB' % (size / 1e9))
        self.extra['database_bytes'] = size

    def playbook(self, tasks, name):
        path = os.path.join(self.work, 'play.yml')
        with open(path, 'w') as f:
            f.write(play_text(tasks))
        variables = dict(blog_db_host=self.server.host, blog_db_port=self.server.port, blog_db_user=self.server.user,
                         blog_db_password=self.server.password, blog_db_name=DB, backup_dir=os.path.join(self.work, 'backups'))
        seconds, run = timed(lambda: run_playbook(path, os.path.join(self.work, 'ansible'), extra_vars=variables))
        if not run.ok:
            raise SystemExit('%s failed:\n%s' % (name, run.output[-4000:]))
        return seconds, run.result(name)

    def record(self, key, seconds):
        self.times.setdefault(key, []).append(seconds)

    def raw_dump(self):
        path = os.path.join(self.work, 'raw.dump')
        if os.path.exists(path):
            os.unlink(path)
        argv = [self.program('pg_dump'), '-Fc', '--no-password', '-f', path, '--dbname=' + self.conninfo]
        seconds, _out = timed(lambda: self.run(argv))
        self.record('raw pg_dump -Fc', seconds)
        self.extra['raw_dump_bytes'] = os.path.getsize(path)
        return path

    def raw_directory_dump(self):
        path = os.path.join(self.work, 'raw.dir')
        shutil.rmtree(path, ignore_errors=True)
        argv = [self.program('pg_dump'), '-Fd', '-j', '2', '--no-password', '-f', path, '--dbname=' + self.conninfo]
        self.record('raw pg_dump -Fd -j 2', timed(lambda: self.run(argv))[0])

    def module_backup(self, fmt):
        task = '''
        - name: Back up
          blogops.release.db_backup:
            backup_dir: "{{ backup_dir }}"
            format: %s
            jobs: %d
            keep: 2
        ''' % (fmt, 2 if fmt == 'directory' else 1)
        seconds, result = self.playbook(task, 'Back up')
        key = 'db_backup custom' if fmt == 'custom' else 'db_backup directory, jobs 2'
        self.record(key, seconds)
        self.record(key + ' (module)', result['timings']['dump_seconds'])
        self.record(key + ' (hashing)', result['timings']['checksum_seconds'])
        self.extra['%s_bytes' % fmt] = result['size']
        return result['path']

    def raw_restore(self, path):
        argv = [self.program('pg_restore'), '--clean', '--if-exists', '--single-transaction', '--exit-on-error',
                '--no-password', '--dbname=' + self.conninfo, path]
        seconds, _out = timed(lambda: self.run(argv))
        self.record('raw pg_restore --single-transaction', seconds)

    def raw_restore_new(self, path):
        """Raw pg_restore -j 2 into a new database (created from template0 and dropped after, untimed)."""
        name = DB + '_raw_new'
        self.server.drop_database(name)
        argv_create = [self.program('createdb'), '-T', 'template0', '-h', self.server.host, '-p', str(self.server.port),
                       '-U', self.server.user, name]
        argv = [self.program('pg_restore'), '--jobs=2', '--exit-on-error', '--no-password',
                '--dbname=' + self.conninfo.replace('dbname=%s' % DB, 'dbname=%s' % name), path]
        seconds, _out = timed(lambda: (self.run(argv_create), self.run(argv)))
        self.record('raw pg_restore -j 2 into a new database', seconds)
        self.server.drop_database(name)

    def module_restore(self, path, jobs=1):
        task = '''
        - name: Restore
          blogops.release.db_restore:
            backup: "%s"
            mode: replace
            jobs: %d
        ''' % (path, jobs)
        seconds, result = self.playbook(task, 'Restore')
        key = 'db_restore replace' + (', jobs %d' % jobs if jobs > 1 else '')
        self.record(key, seconds)
        self.record(key + ' (module)', result['timings']['checksum_seconds'] + result['timings']['restore_seconds'])
        self.record(key + ' (checksum check)', result['timings']['checksum_seconds'])
        for part in ('new_database_seconds', 'swap_seconds', 'drop_seconds'):
            if part in result['timings']:
                self.record('%s: %s' % (key, part.replace('_seconds', '').replace('_', ' ')), result['timings'][part])

    def hash_afterwards(self, custom, directory):
        self.record('sha256 of the custom dump file', timed(lambda: backup_digest(custom, 'custom'))[0])
        self.record('sha256 of the directory dump, 2 threads',
                    timed(lambda: backup_digest(directory, 'directory', workers=2))[0])

    def main(self):
        self.generate()
        self.custom = self.directory = None
        if 'backup' not in self.args.parts:
            self.custom = self.module_backup('custom')
            self.times.clear()
        for number in range(1, self.args.rounds + 1 if 'backup' in self.args.parts else 1):
            log('round %d of %d: backups' % (number, self.args.rounds))
            steps = [self.raw_dump, self.raw_directory_dump, self.module_custom, self.module_directory,
                     self.playbook_start_up]
            # Each round alternates which side runs first, so neither always finds the caches warmed by the other.
            for step in steps if number % 2 else steps[::-1]:
                step()
            self.hash_afterwards(self.custom, self.directory)
        for number in range(1, self.args.rounds + 1 if 'restore' in self.args.parts else 1):
            log('round %d of %d: restores' % (number, self.args.rounds))
            steps = [lambda: self.raw_restore(self.custom), lambda: self.module_restore(self.custom),
                     lambda: self.module_restore(self.custom, jobs=2), lambda: self.raw_restore_new(self.custom)]
            for step in steps if number % 2 else steps[::-1]:
                step()
        self.report()

    def playbook_start_up(self):
        """What any task costs as a whole ansible-playbook run: a play with one ping."""
        seconds, _result = self.playbook('- name: Ping\n  ansible.builtin.ping:\n', 'Ping')
        self.record('ansible-playbook with one ping task', seconds)

    def module_custom(self):
        self.custom = self.module_backup('custom')

    def module_directory(self):
        self.directory = self.module_backup('directory')

    def median(self, key):
        return statistics.median(self.times[key])

    def ratios(self, key, base):
        """Per-round ratios of ``key`` to ``base``: each pair ran back to back, under the same load."""
        return [a / b for a, b in zip(self.times[key], self.times[base])]

    def report(self):
        dump, restore = 'raw pg_dump -Fc', 'raw pg_restore --single-transaction'
        rows = [
            (dump, None, ''),
            ('db_backup custom', dump, '<= 1.10'),
            ('db_backup custom (module)', dump, '<= 1.10'),
            ('raw pg_dump -Fd -j 2', dump, '(reference)'),
            ('db_backup directory, jobs 2', dump, '< 1.00'),
            ('db_backup directory, jobs 2 (module)', dump, '< 1.00'),
            (restore, None, ''),
            ('db_restore replace', restore, '<= 1.10'),
            ('db_restore replace (module)', restore, '<= 1.10'),
            ('db_restore replace, jobs 2', restore, '<= 1.10'),
            ('db_restore replace, jobs 2 (module)', restore, '<= 1.10'),
            ('raw pg_restore -j 2 into a new database', restore, '(reference)'),
            ('ansible-playbook with one ping task', None, '(fixed cost of any run)'),
        ]
        checksum = [
            ('streaming sha256 inside db_backup custom', 'db_backup custom (hashing)', 'db_backup custom (module)'),
            ('sha256 of the directory dump inside db_backup, 2 threads', 'db_backup directory, jobs 2 (hashing)',
             'db_backup directory, jobs 2 (module)'),
            ('sha256 of the custom dump file (a second pass, page cache)', 'sha256 of the custom dump file', dump),
            ('checksum check before db_restore replace', 'db_restore replace (checksum check)',
             'db_restore replace (module)'),
        ]
        lines = ['', 'Machine: %s, %d CPUs, Python %s; PostgreSQL %s; database %.2f GB; custom dump %.0f MB, '
                 'directory dump %.0f MB; %d rounds; %s' % (
                     platform.machine(), os.cpu_count(), platform.python_version(),
                     self.server.query(DB, 'SHOW server_version')[0]['server_version'],
                     self.extra.get('database_bytes', 0) / 1e9, self.extra.get('custom_bytes', 0) / 1e6,
                     self.extra.get('directory_bytes', 0) / 1e6, self.args.rounds, time.strftime('%Y-%m-%d')),
                 'Without "(module)": whole ansible-playbook runs; "(module)": the time the module reports. Ratio: the '
                 'median of the per-round ratios (each pair ran back to back), with their range.', '',
                 '| run | median s | ratio to raw | range | goal |', '|---|---:|---:|---|---|']
        rows = [row for row in rows if row[0] in self.times and (row[1] is None or row[1] in self.times)]
        checksum = [row for row in checksum if row[1] in self.times and row[2] in self.times]
        for name, base, goal in rows:
            ratio = spread = ''
            if base:
                values = self.ratios(name, base)
                ratio = '%.2fx' % statistics.median(values)
                spread = '%.2f-%.2f' % (min(values), max(values))
            lines.append('| %s | %.1f | %s | %s | %s |' % (name, self.median(name), ratio, spread, goal))
        lines += ['', '| checksum | median s | share of the run |', '|---|---:|---:|']
        for name, key, whole in checksum:
            lines.append('| %s | %.2f | %.1f%% |' % (name, self.median(key), 100.0 * self.median(key) / self.median(whole)))
        parts = sorted(key for key in self.times if ': ' in key)
        if parts:
            lines += ['', '| part of db_restore replace | median s |', '|---|---:|']
            lines += ['| %s | %.2f |' % (key, self.median(key)) for key in parts]
        lines += ['', 'All runs (seconds): ' + json.dumps(dict((k, [round(v, 2) for v in vs]) for k, vs in sorted(self.times.items())))]
        print('\n'.join(lines), flush=True)

    def close(self):
        shutil.rmtree(self.work, ignore_errors=True)
        if not os.environ.get('BLOGOPS_TEST_DSN'):
            self.server.stop()
        else:
            self.server.drop_database(DB)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--size', type=float, help='database size in GB, about (sets --scale and --text-rows in '
                        'proportion to their defaults, which make 1.34 GB)')
    parser.add_argument('--scale', type=int, default=50, help='pgbench scale factor (about 15 MB each)')
    parser.add_argument('--text-rows', type=int, default=2500000, help='rows of the text table')
    parser.add_argument('--rounds', type=int, default=5, help='runs of each measurement')
    parser.add_argument('--parts', default='backup,restore', help='what to measure: backup, restore or both')
    args = parser.parse_args()
    if args.size:
        args.scale = max(1, int(round(50 * args.size / 1.34)))
        args.text_rows = max(1000, int(round(2500000 * args.size / 1.34)))
    args.parts = set(part.strip() for part in args.parts.split(','))
    bench = Bench(args)
    try:
        bench.main()
    finally:
        bench.close()


if __name__ == '__main__':
    main()
