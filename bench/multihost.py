# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Benchmark: one deploy of a blog module to 1, 4 and 8 app hosts over real SSH (scripts/bench multihost).

    scripts/bench multihost [--hosts 1,4,8] [--rounds 3] [--forks 8] [--serial 0]

Starts an SSH test lab of as many hosts as the largest count (tests/harness/ssh_lab.py) and a
throwaway PostgreSQL. In each round, for each host count (the order alternating from round to round),
it empties /srv on every lab host, creates a fresh database and times one whole ``ansible-playbook
playbooks/deploy.yml`` run that deploys ``core`` 1.0.0 of examples/blog (preflight, backup, upload,
migrate, switch, record, verify) to the first N hosts, with forks >= N. An empty playbook over the
same hosts is timed beside it: Ansible's own start-up and connection cost.

Prints the median wall time per host count and the median of the per-round ratios to one host
(each round's runs ran back to back, under the same load). Goal: 8 hosts take <= 2x one host.
"""

from __future__ import absolute_import, division, print_function

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tests'))

from harness.playbook import play_text, run_playbook  # noqa: E402
from harness.postgres_server import suite_server  # noqa: E402
from harness.ssh_lab import SshLab  # noqa: E402

SAMPLE = os.path.join(ROOT, 'examples', 'blog', 'base')
DEPLOY = os.path.join(ROOT, 'playbooks', 'deploy.yml')
# Away from the addresses the test suite's labs use (127.0.0.11 and up, ten per xdist worker).
FIRST_ADDRESS = '127.0.0.241'


def log(message):
    print('[%s] %s' % (time.strftime('%H:%M:%S'), message), flush=True)


class Bench:
    def __init__(self, args):
        self.args = args
        self.counts = sorted(int(n) for n in args.hosts.split(','))
        self.work = tempfile.mkdtemp(prefix='blogops-bench-multihost-')
        self.server = suite_server()
        self.lab = SshLab(first_address=FIRST_ADDRESS).start(max(self.counts))
        self.inventories = dict((n, self.inventory(n)) for n in self.counts)
        self.env = dict(ANSIBLE_FORKS=str(args.forks))
        self.times = dict((n, []) for n in self.counts)
        self.empty = dict((n, []) for n in self.counts)

    def inventory(self, count):
        """The lab's inventory with its first ``count`` hosts in blog_app."""
        data = self.lab.inventory()
        app = data['all']['children']['blog_app']
        app['hosts'] = dict(list(app['hosts'].items())[:count])
        path = os.path.join(self.work, 'inventory-%d.yml' % count)
        with open(path, 'w') as f:
            yaml.safe_dump(data, f)
        return path

    def deploy(self, count, round_number):
        self.lab.reset()
        database = 'bench_%d_%d' % (count, round_number)
        self.server.create_database(database)
        variables = dict(blog_db_host=self.server.host, blog_db_port=self.server.port, blog_db_user=self.server.user,
                         blog_db_password=self.server.password, blog_db_name=database, blog_module='core',
                         blog_version='1.0.0', blog_source_root=SAMPLE, blog_release_root='/srv/blog',
                         blog_backup_dir=os.path.join(self.work, 'backups', database),
                         blog_serial=self.args.serial)
        started = time.perf_counter()
        run = run_playbook(DEPLOY, os.path.join(self.work, 'runs'), inventory=self.inventories[count],
                           extra_vars=variables, env=self.env)
        elapsed = time.perf_counter() - started
        if not run.ok:
            raise SystemExit('bench: the deploy to %d hosts failed:\n%r' % (count, run))
        hosts = run.stats['blogops_release']['hosts']
        if sorted(hosts.values()) != ['deployed'] * count:
            raise SystemExit('bench: the deploy to %d hosts did not deploy everywhere: %s' % (count, hosts))
        self.server.drop_database(database)
        return elapsed

    def empty_playbook(self, count):
        path = os.path.join(self.work, 'empty.yml')
        with open(path, 'w') as f:
            f.write(play_text('''
            - name: Reach the host
              ansible.builtin.ping:
            ''', hosts='blog_app', connection_defaults=False))
        started = time.perf_counter()
        run = run_playbook(path, os.path.join(self.work, 'runs'), inventory=self.inventories[count], env=self.env)
        elapsed = time.perf_counter() - started
        if not run.ok:
            raise SystemExit('bench: the ping of %d hosts failed:\n%r' % (count, run))
        return elapsed

    def main(self):
        for round_number in range(self.args.rounds):
            order = self.counts if round_number % 2 == 0 else list(reversed(self.counts))
            for count in order:
                self.times[count].append(self.deploy(count, round_number))
                self.empty[count].append(self.empty_playbook(count))
                log('round %d: %d host(s): deploy %.1f s, ping %.1f s'
                    % (round_number + 1, count, self.times[count][-1], self.empty[count][-1]))
        self.report()

    def report(self):
        base = self.counts[0]
        print('\ncore 1.0.0 of examples/blog, %d round(s), forks %d, serial %s; %s, %d CPUs, Python %s, load average %s\n'
              % (self.args.rounds, self.args.forks, self.args.serial or 'all at once', platform.machine(), os.cpu_count(),
                 platform.python_version(), ' '.join('%.1f' % x for x in os.getloadavg())))
        print('| app hosts | deploy, median s | per round s | ratio to %d host (median) | range | ping of the hosts, median s |'
              % base)
        print('|---:|---:|---|---:|---|---:|')
        for count in self.counts:
            ratios = [t / b for t, b in zip(self.times[count], self.times[base])]
            print('| %d | %.1f | %s | %.2fx | %.2f-%.2f | %.1f |' % (
                count, statistics.median(self.times[count]), ' '.join('%.1f' % t for t in self.times[count]),
                statistics.median(ratios), min(ratios), max(ratios), statistics.median(self.empty[count])))
        largest = self.counts[-1]
        ratio = statistics.median([t / b for t, b in zip(self.times[largest], self.times[base])])
        print('\nGoal: %d hosts <= 2x %d host: %s (%.2fx)' % (largest, base, 'met' if ratio <= 2 else 'MISSED', ratio))

    def close(self):
        self.lab.stop()
        self.server.stop()
        shutil.rmtree(self.work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--hosts', default='1,4,8', help='host counts, comma-separated (default 1,4,8)')
    parser.add_argument('--rounds', type=int, default=3, help='runs of each host count (default 3)')
    parser.add_argument('--forks', type=int, default=8, help='Ansible forks, at least the largest count (default 8)')
    parser.add_argument('--serial', default='0', help='blog_serial of the deploys (default 0: all at once)')
    args = parser.parse_args()
    if args.forks < max(int(n) for n in args.hosts.split(',')):
        parser.error('--forks must be at least the largest host count')
    bench = Bench(args)
    try:
        bench.main()
    finally:
        bench.close()


if __name__ == '__main__':
    main()
