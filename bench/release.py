# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Shipping a blog module of 5,000 files (about 40 MB) to a host, in one run (scripts/bench release).

Compares blogops.release.release (state=present, first upload and no-op re-run) with
ansible.builtin.copy (on a 500-file subset, scaled by 10, as copy takes minutes), with
ansible.posix.synchronize and with a raw `rsync -a`; then times a whole deploy playbook re-run with
nothing to change. Goals: >= 50x faster than copy, within 2x of raw rsync, no-op deploy < 15 s.
Each figure is the wall time of a whole ansible-playbook run (the raw rsync: of the command).
"""

import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tests'))

from harness.playbook import play_text, run_playbook  # noqa: E402
from harness.postgres_server import suite_server  # noqa: E402

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


def timed(label, func):
    started = time.perf_counter()
    result = func()
    elapsed = time.perf_counter() - started
    print('bench: %-40s %8.2f s' % (label, elapsed), flush=True)
    return elapsed, result


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


def main():
    work = tempfile.mkdtemp(prefix='blogops-bench-release-')
    figures = {}
    try:
        src = os.path.join(work, 'src')
        size = make_tree(src, FILES)
        subset = os.path.join(work, 'subset')
        make_tree(subset, SUBSET)
        print('bench: %d files, %.1f MB; copy measured on %d files and scaled by %d'
              % (FILES, size / 1e6, SUBSET, FILES // SUBSET), flush=True)

        release = '''
        - name: Upload
          blogops.release.release:
            module_name: bench
            release_root: "{{ dest }}"
            version: 1.0.0
            src: "{{ src }}"
        '''
        figures['release'] = timed('release state=present (first upload)',
                                   lambda: play(work, release, src=src, dest=os.path.join(work, 'rel')))[0]
        figures['release_noop'] = timed('release state=present (no change)',
                                        lambda: play(work, release, src=src, dest=os.path.join(work, 'rel')))[0]
        figures['empty'] = timed('an empty playbook', lambda: play(work, '''
        - name: Nothing
          ansible.builtin.meta: noop
        '''))[0]

        copy = '''
        - name: Copy
          ansible.builtin.copy:
            src: "{{ src }}/"
            dest: "{{ dest }}/"
            mode: preserve
        '''
        elapsed = timed('ansible.builtin.copy (%d files)' % SUBSET,
                        lambda: play(work, copy, src=subset, dest=os.path.join(work, 'copy')))[0]
        figures['copy'] = elapsed * FILES / SUBSET

        if ensure_rsync():
            figures['rsync'] = timed('raw rsync -a', lambda: subprocess.run(
                ['rsync', '-a', src + '/', os.path.join(work, 'rsync') + '/'], check=True))[0]
            if has_posix_collection():
                sync = '''
                - name: Synchronize
                  ansible.posix.synchronize:
                    src: "{{ src }}/"
                    dest: "{{ dest }}/"
                '''
                figures['synchronize'] = timed('ansible.posix.synchronize', lambda: play(
                    work, sync, src=src, dest=os.path.join(work, 'sync')))[0]
        figures['deploy_noop'] = deploy_noop(work, src)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(figures, size)


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
        elapsed, second = timed('deploy playbook, nothing to change', lambda: run_playbook(
            playbook, os.path.join(work, 'runs'), extra_vars=variables))
        if not second.ok:
            raise SystemExit('bench: second deploy failed:\n%r' % second)
        return elapsed
    finally:
        server.stop()


def report(figures, size):
    rows = [
        ('release, first upload', figures['release'], ''),
        ('release, nothing to change', figures['release_noop'], ''),
        ('ansible.builtin.copy (scaled)', figures['copy'], 'release is %.0fx faster (goal >= 50x)' % (figures['copy'] / figures['release'])),
    ]
    if 'rsync' in figures:
        rows.append(('raw rsync -a', figures['rsync'], 'release takes %.2fx rsync (goal <= 2x)' % (figures['release'] / figures['rsync'])))
    if 'synchronize' in figures:
        rows.append(('ansible.posix.synchronize', figures['synchronize'], 'release takes %.2fx synchronize' % (figures['release'] / figures['synchronize'])))
    rows.append(('an empty playbook', figures['empty'], 'the floor of any playbook run'))
    rows.append(('deploy playbook, no change', figures['deploy_noop'], 'goal < 15 s'))
    print('\n%d files, %.1f MB, localhost\n' % (FILES, size / 1e6))
    print('| what | wall time (s) | ratio |\n|---|---:|---|')
    for label, seconds, note in rows:
        print('| %s | %.2f | %s |' % (label, seconds, note))


if __name__ == '__main__':
    main()
