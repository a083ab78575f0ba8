# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Benchmark: a deploy against a hand-written playbook, the shell floor and an empty playbook (scripts/bench deploy).

    scripts/bench deploy [--rounds 5] [--quick] [--no-ssh]

Two blog modules: the sample ``core`` of examples/blog (3 files, 1 migration) and a generated ``catalog``
(2,000 files, about 9 MB, 20 migrations; with --quick 200 files and 5 migrations, one round). Each round,
for each target (this machine with a local connection; one host of the SSH test lab, with pipelining) and
each module, it times whole runs, each into a fresh database and an empty release root:

- ``playbooks/deploy.yml``, the first deploy, then again with nothing to deploy (no-op);
- bench/fixtures/hand_deploy.yml: a postgresql_db dump, postgresql_script per migration with a ledger
  table, rsync into a release directory and ln -sfn (what a user writes without this collection);
- bench/fixtures/floor.sh: the work itself (pg_dump, psql -1, rsync, ln -sfn);
- bench/fixtures/empty.yml: an empty play (Ansible's start-up).

Module runs are counted by the interpreter the modules run under (a wrapper that appends a line per run to
a file), tasks from every task result (ok or failed, skipped ones apart). Prints medians, the ratios of the
issue's goals (medians of per-round ratios: each round runs everything back to back under the same load)
and the module runs and tasks per deploy.
"""

from __future__ import absolute_import, division, print_function

import argparse
import os
import platform
import random
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tests'))

from harness.playbook import LOCAL_INVENTORY, run_playbook  # noqa: E402
from harness.postgres_server import suite_server  # noqa: E402
from harness.ssh_lab import SshLab  # noqa: E402

SAMPLE = os.path.join(ROOT, 'examples', 'blog', 'base')
DEPLOY = os.path.join(ROOT, 'playbooks', 'deploy.yml')
FIXTURES = os.path.join(ROOT, 'bench', 'fixtures')
# Away from the test suite's labs (127.0.0.11 and up) and from bench/multihost.py's (127.0.0.241 and up).
FIRST_ADDRESS = '127.0.0.231'
KINDS = ('first', 'noop', 'hand', 'floor', 'empty')
LABELS = dict(first='blogops.release.deploy, first', noop='blogops.release.deploy, no-op',
              hand='hand-written playbook (dump, postgresql_script + ledger, rsync, ln -sfn)',
              floor='shell floor (pg_dump, psql -1, rsync, ln -sfn)', empty='empty playbook')


def log(message):
    print('[%s] %s' % (time.strftime('%H:%M:%S'), message), flush=True)


def make_catalog(root, files, size, migrations):
    """A blog module ``catalog`` 1.0.0 of ``files`` text files of ``size`` bytes in all and ``migrations`` migrations."""
    module = os.path.join(root, 'modules', 'catalog')
    rng = random.Random(13)
    words = ['post', 'page', 'author', 'tag', 'comment', 'layout', 'feed', 'archive', 'draft', 'theme']
    for i in range(files):
        path = os.path.join(module, 'files', 'part%02d' % (i % 40), 'item%04d.html' % i)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write(' '.join(rng.choice(words) for _word in range(size // files // 6))[:size // files] + '\n')
    os.makedirs(os.path.join(module, 'migrations'))
    for n in range(1, migrations + 1):
        with open(os.path.join(module, 'migrations', 'V%d__catalog_%d.sql' % (n, n)), 'w') as f:
            f.write('CREATE TABLE catalog_%d (id bigserial PRIMARY KEY, name text NOT NULL, body text);\n'
                    "INSERT INTO catalog_%d (name, body) SELECT 'item ' || g, repeat('x', 100) FROM generate_series(1, 100) g;\n"
                    % (n, n))
        with open(os.path.join(module, 'migrations', 'U%d__catalog_%d.sql' % (n, n)), 'w') as f:
            f.write('DROP TABLE catalog_%d;\n' % n)
    with open(os.path.join(module, 'module.yml'), 'w') as f:
        f.write('name: catalog\nversion: 1.0.0\ndescription: A generated catalog for the benchmark.\n')
    return root


class Target:
    """Where the app host is: this machine (local connection) or one SSH lab host."""

    def __init__(self, name, inventory, release_root, rsync_target, rsh, reset):
        self.name, self.inventory, self.release_root = name, inventory, release_root
        self.rsync_target, self.rsh, self.reset = rsync_target, rsh, reset


class Bench:
    def __init__(self, args):
        self.args = args
        self.work = tempfile.mkdtemp(prefix='blogops-bench-deploy-')
        self.server = suite_server()
        self.lab = None
        files, migrations = (200, 5) if args.quick else (2000, 20)
        size = files * 4700
        self.size_mb = size / 1e6
        self.workloads = [('core', SAMPLE), ('catalog', make_catalog(os.path.join(self.work, 'catalog'), files, size,
                                                                     migrations))]
        self.catalog_label = '%d files / %.1f MB, %d migrations' % (files, self.size_mb, migrations)
        self.counter = os.path.join(self.work, 'module-runs')
        self.python = os.path.join(self.work, 'python')
        with open(self.python, 'w') as f:
            f.write('#!/bin/sh\necho run >> %s\nexec %s "$@"\n' % (shlex.quote(self.counter), shlex.quote(sys.executable)))
        os.chmod(self.python, 0o755)
        self.targets = [self.local_target()]
        if not args.no_ssh:
            self.targets.append(self.ssh_target())
        self.times = {}
        self.counts = {}
        self.serial = 0
        # The first deploy's database and backups, for the no-op deploy that follows it.
        self.noop_database = self.noop_backups = None

    def local_target(self):
        path = os.path.join(self.work, 'inventory-local.yml')
        with open(path, 'w') as f:
            yaml.safe_dump(LOCAL_INVENTORY, f)
        root = os.path.join(self.work, 'srv')

        def reset():
            for path in (root, root + '-hand', root + '-floor'):
                shutil.rmtree(path, ignore_errors=True)
        return Target('local', path, root, '', '', reset)

    def ssh_target(self):
        self.lab = SshLab(first_address=FIRST_ADDRESS).start(1)
        data = self.lab.inventory()
        path = os.path.join(self.work, 'inventory-ssh.yml')
        with open(path, 'w') as f:
            yaml.safe_dump(data, f)
        host = next(iter(data['all']['children']['blog_app']['hosts'].values()))
        common = data['all']['children']['blog_app']['vars']
        rsh = ' '.join(['ssh', '-p', str(host['ansible_port']), '-i', common['ansible_ssh_private_key_file']]
                       + shlex.split(common['ansible_ssh_common_args']) + shlex.split(host['ansible_ssh_extra_args']))
        return Target('ssh', path, '/srv/blog', 'root@%s:' % host['ansible_host'], rsh, self.lab.reset)

    def database(self):
        self.serial += 1
        name = 'bench_deploy_%d' % self.serial
        self.server.create_database(name)
        return name

    def db_vars(self, name):
        return dict(blog_db_host=self.server.host, blog_db_port=self.server.port, blog_db_user=self.server.user,
                    blog_db_password=self.server.password, blog_db_name=name)

    def playbook(self, path, target, variables):
        """Time one ansible-playbook run; returns (seconds, module runs, tasks, run)."""
        open(self.counter, 'w').close()
        variables = dict(variables, ansible_python_interpreter=self.python)
        started = time.perf_counter()
        run = run_playbook(path, os.path.join(self.work, 'runs'), inventory=target.inventory, extra_vars=variables)
        elapsed = time.perf_counter() - started
        if not run.ok:
            raise SystemExit('bench: %s on %s failed:\n%r' % (os.path.basename(path), target.name, run))
        with open(self.counter) as f:
            runs = len(f.read().split())
        tasks = len([r for r in run.results if r['status'] in ('ok', 'failed')])
        return elapsed, runs, tasks, run

    def deploy(self, target, module, source, database, backups, kind):
        variables = dict(self.db_vars(database), blog_module=module, blog_source_root=source,
                         blog_release_root=target.release_root, blog_backup_dir=backups)
        elapsed, runs, tasks, run = self.playbook(DEPLOY, target, variables)
        outcome = run.stats['blogops_release']['outcome']
        if outcome != ('deployed' if kind == 'first' else 'unchanged'):
            raise SystemExit('bench: the %s deploy of %s on %s ended %s' % (kind, module, target.name, outcome))
        self.counts[(target.name, module, kind)] = (runs, tasks)
        return elapsed

    def hand(self, target, module, source, database, backups):
        release_root = target.release_root + '-hand'
        variables = dict(self.db_vars(database), bench_src=os.path.join(source, 'modules', module),
                         bench_release_root=release_root, bench_backup_dir=backups, bench_release='1.0.0',
                         bench_rsync_target=target.rsync_target, bench_rsync_rsh=target.rsh)
        elapsed, runs, tasks, _run = self.playbook(os.path.join(FIXTURES, 'hand_deploy.yml'), target, variables)
        self.counts[(target.name, module, 'hand')] = (runs, tasks)
        return elapsed

    def floor(self, target, module, source, database, backups):
        env = dict(os.environ, PGHOST=self.server.host, PGPORT=str(self.server.port), PGUSER=self.server.user,
                   PGPASSWORD=self.server.password, PGDATABASE=database)
        argv = [os.path.join(FIXTURES, 'floor.sh'), os.path.join(source, 'modules', module), target.release_root + '-floor',
                '1.0.0', os.path.join(backups, 'floor.dump')]
        if target.rsh:
            argv.append('%s %s' % (target.rsh, target.rsync_target.rstrip(':')))
        started = time.perf_counter()
        subprocess.run(argv, env=env, check=True)
        return time.perf_counter() - started

    def empty(self, target):
        elapsed, _runs, _tasks, _run = self.playbook(os.path.join(FIXTURES, 'empty.yml'), target, {})
        return elapsed

    def one(self, target, module, source, kind):
        if kind == 'empty':
            return self.empty(target)
        if kind == 'noop':
            return self.deploy(target, module, source, self.noop_database, self.noop_backups, 'noop')
        database = self.database()
        backups = os.path.join(self.work, 'backups', database)
        os.makedirs(backups, mode=0o700)
        if kind == 'first':
            # The no-op deploy that follows runs against this database and release root.
            self.noop_database, self.noop_backups = database, backups
            return self.deploy(target, module, source, database, backups, 'first')
        try:
            return (self.hand if kind == 'hand' else self.floor)(target, module, source, database, backups)
        finally:
            self.server.drop_database(database)

    def main(self):
        for round_number in range(self.args.rounds):
            for target in self.targets:
                for module, source in self.workloads:
                    target.reset()
                    for kind in KINDS:
                        seconds = self.one(target, module, source, kind)
                        self.times.setdefault((target.name, module, kind), []).append(seconds)
                    self.server.drop_database(self.noop_database)
                    log('round %d, %s, %s: %s' % (round_number + 1, target.name, module, ', '.join(
                        '%s %.2f s' % (kind, self.times[(target.name, module, kind)][-1]) for kind in KINDS)))
        self.report()

    def ratio(self, target, module, a, b):
        return statistics.median(x / y for x, y in zip(self.times[(target, module, a)], self.times[(target, module, b)]))

    def report(self):
        print('\n%d round(s); PostgreSQL on this machine; %s, %d CPUs, Python %s, load average %s\n'
              % (self.args.rounds, platform.machine(), os.cpu_count(), platform.python_version(),
                 ' '.join('%.1f' % x for x in os.getloadavg())))
        modules = [m for m, _s in self.workloads]
        header = {'core': 'sample `core` (3 files, 1 migration)', 'catalog': self.catalog_label}
        for target in self.targets:
            print('### %s\n' % ('this machine, local connection' if target.name == 'local'
                                else 'one SSH host, pipelining'))
            print('| run | %s |' % ' | '.join('%s: median s (module runs / tasks)' % header[m] for m in modules))
            print('|---|' + '---:|' * len(modules))
            for kind in KINDS:
                cells = []
                for module in modules:
                    cell = '%.2f' % statistics.median(self.times[(target.name, module, kind)])
                    if (target.name, module, kind) in self.counts:
                        cell += ' (%d / %d)' % self.counts[(target.name, module, kind)]
                    cells.append(cell)
                print('| %s | %s |' % (LABELS[kind], ' | '.join(cells)))
            print()
            print('| ratio (median of per-round ratios) | goal | %s |' % ' | '.join(modules))
            print('|---|---|' + '---:|' * len(modules))
            for label, a, b, goal in (('first deploy / hand-written', 'first', 'hand', '<= 0.5 (core)'),
                                      ('first deploy / empty playbook', 'first', 'empty', '<= 6 (core)'),
                                      ('no-op deploy / empty playbook', 'noop', 'empty', '<= 3'),
                                      ('first deploy / shell floor', 'first', 'floor', '')):
                print('| %s | %s | %s |' % (label, goal, ' | '.join(
                    '%.2fx' % self.ratio(target.name, m, a, b) for m in modules)))
            print()
        runs = max(self.counts[(t.name, m, 'first')][0] for t in self.targets for m in modules)
        print('Module runs per first deploy: %d (goal <= 8: %s)' % (runs, 'met' if runs <= 8 else 'MISSED'))

    def close(self):
        if self.lab is not None:
            self.lab.stop()
        self.server.stop()
        shutil.rmtree(self.work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--rounds', type=int, default=5, help='rounds (default 5; 1 with --quick)')
    parser.add_argument('--quick', action='store_true', help='a smoke test: one round, a small generated module')
    parser.add_argument('--no-ssh', action='store_true', help='this machine only, no SSH lab host')
    args = parser.parse_args()
    if args.quick:
        args.rounds = 1
    bench = Bench(args)
    try:
        bench.main()
    finally:
        bench.close()


if __name__ == '__main__':
    main()
