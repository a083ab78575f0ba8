# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Shipping a blog module of 5,000 files (about 40 MB) to a host: scripts/bench release [--rounds N] [--no-copy] [--no-deploy]

Compares blogops.release.release (state=present, first upload and no-op re-run) with
ansible.builtin.copy (on a 500-file subset, scaled by 10, as copy takes minutes; once, not per
round), with ansible.posix.synchronize and with a raw `rsync -a`, back to back in each round; then
times a whole deploy playbook re-run with nothing to change. Each round also times the upload's
pieces in this process (the controller's digest, packing, unpacking with its checksum) next to the
same rsync. Goals: >= 50x faster than copy, within 2x of raw rsync, no-op deploy < 15 s. Each figure
is the wall time of a whole ansible-playbook run (the raw rsync: of the command); medians over the
rounds, ratios medians of the per-round ratios (the machine's load changes between rounds more than
within one).
"""

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tests'))
sys.path.insert(0, os.path.join(ROOT, '.venv', 'collections'))

from harness.playbook import play_text, run_playbook  # noqa: E402
from harness.postgres_server import suite_server  # noqa: E402
from ansible_collections.blogops.release.plugins.module_utils._release_layout import remove_tree  # noqa: E402
from ansible_collections.blogops.release.plugins.module_utils._release_transfer import pack_tree  # noqa: E402
from ansible_collections.blogops.release.plugins.module_utils._tree_digest import tree_sha256  # noqa: E402
try:
    from ansible_collections.blogops.release.plugins.module_utils._release_unpack import unpack_release
except ImportError:
    # A checkout from before the one-pass unpack (the bench's "before" run): pieces not measured.
    unpack_release = None

FILES = 5000
SUBSET = 500


def make_tree(root, count):
    """Text files (templates, scripts) and incompressible ones (images): about 8 KB on average."""
    rng = random.Random(7)
    words = ['post', 'comment', 'author', 'render', 'template', 'static', 'module', 'blog', 'user', 'cache']
    total = 0
    for number in range(count):
        directory = os.path.join(root, 'd%02d' % (number % 50), 'sub%d' % (number % 7))
        os.makedirs(directory, exist_ok=True)
        if number % 5 == 0:
            data = rng.getrandbits(8 * 20000).to_bytes(20000, 'little')
            name = 'image%d.png' % number
        else:
            data = (' '.join(rng.choice(words) for _word in range(900)) + '\n').encode()
            name = 'file%d.js' % number
        with open(os.path.join(directory, name), 'wb') as f:
            f.write(data)
        total += len(data)
    return total


def cpu_seconds():
    """User and system CPU time of this process and of every process it waited for (ansible-playbook counts
    its forks and module processes): on a shared machine a steadier figure than wall time."""
    usages = (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN))
    return sum(usage.ru_utime + usage.ru_stime for usage in usages)


def timed(label, func):
    started, cpu = time.perf_counter(), cpu_seconds()
    result = func()
    elapsed, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    print('bench: %-40s %8.2f s  (CPU %.2f s)' % (label, elapsed, cpu), flush=True)
    return elapsed, result, cpu


def play(workdir, tasks, **variables):
    path = tempfile.mkstemp(prefix='play-', suffix='.yml', dir=workdir)[1]
    with open(path, 'w') as f:
        f.write(play_text(tasks, connection_defaults=False))
    run = run_playbook(path, os.path.join(workdir, 'runs'), extra_vars=variables)
    if not run.ok:
        raise SystemExit('bench: playbook failed:\n%r' % run)
    return run


def ensure_rsync():
    if shutil.which('rsync'):
        return True
    if os.geteuid() == 0 and shutil.which('apt-get'):
        subprocess.run(['apt-get', 'install', '-y', '-qq', 'rsync'], check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return bool(shutil.which('rsync'))


def has_posix_collection():
    probe = subprocess.run([os.path.join(ROOT, '.venv', 'bin', 'python'), '-c', 'import ansible_collections.ansible.posix'],
                           check=False, stderr=subprocess.DEVNULL)
    return probe.returncode == 0


RELEASE = '''
- name: Upload
  blogops.release.release:
    module_name: bench
    release_root: "{{ dest }}"
    version: 1.0.0
    src: "{{ src }}"
'''


def one_round(work, src, figures, synchronize):
    """Every tool once, back to back, each into a destination of its own that does not exist yet."""
    dest = tempfile.mkdtemp(prefix='round-', dir=work)
    try:
        rel = os.path.join(dest, 'rel')
        add(figures, 'release', timed('release state=present (first upload)', lambda: play(work, RELEASE, src=src, dest=rel)))
        add(figures, 'release_noop', timed('release state=present (no change)', lambda: play(work, RELEASE, src=src, dest=rel)))
        add(figures, 'rsync', timed('raw rsync -a', lambda: rsync(src, os.path.join(dest, 'rsync'))))
        if synchronize:
            add(figures, 'synchronize', timed('ansible.posix.synchronize', lambda: play(work, '''
            - name: Synchronize
              ansible.posix.synchronize:
                src: "{{ src }}/"
                dest: "{{ dest }}/"
            ''', src=src, dest=os.path.join(dest, 'sync'))))
        add(figures, 'empty', timed('an empty playbook', lambda: play(work, '''
        - name: Nothing
          ansible.builtin.meta: noop
        ''')))
        if unpack_release is None:
            return
        # The upload's pieces, in this process, with the same rsync next to them.
        archive = os.path.join(dest, 'upload.tar')
        unpacked = os.path.join(dest, 'unpacked')
        os.mkdir(unpacked)
        checksum = timed('  piece: controller digest', lambda: tree_sha256(src))
        add(figures, 'piece_digest', checksum)
        add(figures, 'piece_pack', timed('  piece: pack', lambda: pack_tree(src, archive)))
        unpack = timed('  piece: unpack with checksum', lambda: unpack_release(archive, unpacked))
        add(figures, 'piece_unpack', unpack)
        if unpack[1] != checksum[1]:
            raise SystemExit('bench: the unpacked tree has checksum %s, the source %s' % (unpack[1], checksum[1]))
        add(figures, 'piece_rsync', timed('  piece: raw rsync -a', lambda: rsync(src, os.path.join(dest, 'rsync2'))))
    finally:
        remove_tree(dest)


def add(figures, key, measured):
    """Wall and CPU seconds of one measurement."""
    figures.setdefault(key, []).append(measured[0])
    figures.setdefault(key + '_cpu', []).append(measured[2])


def rsync(src, dest):
    subprocess.run(['rsync', '-a', src + '/', dest + '/'], check=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rounds', type=int, default=5, help='rounds to take the median of (default 5)')
    parser.add_argument('--no-copy', dest='copy', action='store_false', help='leave out ansible.builtin.copy (5 minutes)')
    parser.add_argument('--no-deploy', dest='deploy', action='store_false', help='leave out the no-op deploy')
    args = parser.parse_args()
    if not ensure_rsync():
        raise SystemExit('bench: rsync is needed and could not be installed')
    synchronize = has_posix_collection()
    work = tempfile.mkdtemp(prefix='blogops-bench-release-')
    figures = {}
    try:
        src = os.path.join(work, 'src')
        size = make_tree(src, FILES)
        print('bench: %d files, %.1f MB, %d rounds; load average %s'
              % (FILES, size / 1e6, args.rounds, ' '.join('%.2f' % n for n in os.getloadavg())), flush=True)
        for number in range(1, args.rounds + 1):
            figures.setdefault('load', []).append(os.getloadavg()[0])
            print('bench: round %d (load average %.2f)' % (number, figures['load'][-1]), flush=True)
            one_round(work, src, figures, synchronize)
        if args.copy:
            subset = os.path.join(work, 'subset')
            make_tree(subset, SUBSET)
            copy = '''
            - name: Copy
              ansible.builtin.copy:
                src: "{{ src }}/"
                dest: "{{ dest }}/"
                mode: preserve
            '''
            elapsed = timed('ansible.builtin.copy (%d files)' % SUBSET,
                            lambda: play(work, copy, src=subset, dest=os.path.join(work, 'copy')))[0]
            figures['copy'] = [elapsed * FILES / SUBSET]
        if args.deploy:
            figures['deploy_noop'] = [deploy_noop(work, src)]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(figures, size, args.rounds)


def deploy_noop(work, files):
    """A whole deploy playbook run of a blog module that is already deployed: everything unchanged."""
    server = suite_server()
    try:
        server.create_database('blog')
        source = os.path.join(work, 'source')
        module = os.path.join(source, 'modules', 'bench')
        os.makedirs(os.path.join(module, 'migrations'))
        shutil.copytree(files, os.path.join(module, 'files'))
        with open(os.path.join(module, 'module.yml'), 'w') as f:
            f.write('name: bench\nversion: 1.0.0\n')
        with open(os.path.join(module, 'migrations', 'V1__create.sql'), 'w') as f:
            f.write('CREATE TABLE bench (id int);\n')
        variables = dict(blog_db_host=server.host, blog_db_port=server.port, blog_db_user=server.user,
                         blog_db_password=server.password, blog_db_name='blog', blog_module='bench',
                         blog_source_root=source, blog_release_root=os.path.join(work, 'deploy'),
                         blog_backup_dir=os.path.join(work, 'backups'))
        playbook = os.path.join(ROOT, 'playbooks', 'deploy.yml')
        first = run_playbook(playbook, os.path.join(work, 'runs'), extra_vars=variables)
        if not first.ok:
            raise SystemExit('bench: first deploy failed:\n%r' % first)
        elapsed, second, _cpu = timed('deploy playbook, nothing to change', lambda: run_playbook(
            playbook, os.path.join(work, 'runs'), extra_vars=variables))
        if not second.ok:
            raise SystemExit('bench: second deploy failed:\n%r' % second)
        return elapsed
    finally:
        server.stop()


def median_ratio(figures, a, b):
    return statistics.median(x / y for x, y in zip(figures[a], figures[b]))


def report(figures, size, rounds):
    med = dict((key, statistics.median(values)) for key, values in figures.items())
    rows = [
        ('release, first upload', 'release', ''),
        ('release, nothing to change', 'release_noop', ''),
        ('raw rsync -a', 'rsync', 'release takes %.2fx rsync (goal <= 2x); %.2fx its CPU time'
         % (median_ratio(figures, 'release', 'rsync'), median_ratio(figures, 'release_cpu', 'rsync_cpu'))),
    ]
    if 'synchronize' in figures:
        rows.append(('ansible.posix.synchronize', 'synchronize',
                     'release takes %.2fx synchronize' % median_ratio(figures, 'release', 'synchronize')))
    rows.append(('an empty playbook', 'empty', 'the floor of any playbook run'))
    if 'copy' in figures:
        rows.append(('ansible.builtin.copy (500 files x 10, once)', 'copy',
                     'release is %.0fx faster (goal >= 50x)' % (med['copy'] / med['release'])))
    if 'deploy_noop' in figures:
        rows.append(('deploy playbook, nothing to change (once)', 'deploy_noop', 'goal < 15 s'))
    rows.extend([] if 'piece_unpack' not in figures else [
        ('piece: the controller\'s tree digest', 'piece_digest', ''),
        ('piece: packing the tar', 'piece_pack', ''),
        ('piece: unpacking, modes and checksum', 'piece_unpack',
         '%.2fx the raw rsync next to it; %.2fx its CPU time'
         % (median_ratio(figures, 'piece_unpack', 'piece_rsync'), median_ratio(figures, 'piece_unpack_cpu', 'piece_rsync_cpu'))),
        ('piece: raw rsync -a', 'piece_rsync', ''),
    ])
    print('\n%d files, %.1f MB, localhost, %d round%s; 1-minute load average at the start of each round: %s\n'
          % (FILES, size / 1e6, rounds, '' if rounds == 1 else 's', ' '.join('%.1f' % n for n in figures['load'])))
    print('| what | median s | per round s | median CPU s | ratio |\n|---|---:|---|---:|---|')
    for label, key, note in rows:
        cpu = '%.2f' % med[key + '_cpu'] if key + '_cpu' in med else ''
        print('| %s | %.2f | %s | %s | %s |' % (label, med[key], ' '.join('%.2f' % v for v in figures[key]), cpu, note))


if __name__ == '__main__':
    main()
