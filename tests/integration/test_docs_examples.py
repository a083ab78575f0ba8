# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every fenced block of the README and docs/ is an example, and every example runs.

An HTML comment on the line before a block says how it runs:

    <!-- example: tasks -->          tasks, in a play with the test database's connection defaults
    <!-- example: playbook -->       a playbook
    <!-- example: command -->        shell lines; each ansible-playbook line runs with the test's overrides
    <!-- example: file PATH -->      a file of the page's project directory (inventory.yml, group_vars/...)
    <!-- example: manifest NAME -->  a module.yml, read as the deploy reads it
    <!-- example: ci -->             commands that .ci/run runs

A page's examples run in order in one project directory with the sample blog checked out at
/srv/checkout/blog. Every ansible-playbook process runs in a private mount namespace where /srv and
/var/backups are directories of the test, so the examples run verbatim and touch nothing outside.
`<!-- test: ... (overlay NAME) -->` lays examples/blog/NAME over the checkout, as a new commit would.
"""

import glob
import json
import os
import re
import shlex
import shutil
import subprocess

import pytest

from harness.playbook import CONNECTION_DEFAULTS, LOCAL_INVENTORY, ROOT, VENV_BIN, ansible_env
from ansible_collections.blogops.release.plugins.plugin_utils.blog_source import read_blog_module

PAGES = [os.path.join(ROOT, 'README.md')] + sorted(glob.glob(os.path.join(ROOT, 'docs', '*.md')))
DIRECTIVE = re.compile(r'^<!-- (example|test): (.*?) -->$')
KINDS = ('tasks', 'playbook', 'command', 'file', 'manifest', 'ci')


def blocks_of(path):
    """(line, kind, argument, code) of each fenced block, and the test directives, in page order."""
    found = []
    lines = open(path).read().split('\n')
    index = 0
    while index < len(lines):
        line = lines[index]
        directive = DIRECTIVE.match(line)
        if directive and directive.group(1) == 'test':
            overlay = re.search(r'\(overlay ([\w.-]+)\)', directive.group(2))
            found.append((index + 1, 'overlay', overlay.group(1) if overlay else None, None))
        if line.startswith('```'):
            end = lines.index('```', index + 1)
            previous = DIRECTIVE.match(lines[index - 1]) if index else None
            if previous and previous.group(1) == 'example':
                kind, _space, argument = previous.group(2).partition(' ')
            else:
                kind, argument = None, ''
            found.append((index + 1, kind, argument, '\n'.join(lines[index + 1:end]) + '\n'))
            index = end
        index += 1
    return found


def test_every_fenced_block_is_a_known_example():
    unmarked = []
    for page in PAGES:
        for line, kind, _argument, code in blocks_of(page):
            if code is not None and kind not in KINDS:
                unmarked.append('%s:%d' % (os.path.relpath(page, ROOT), line))
    assert unmarked == [], 'fenced blocks without an <!-- example: KIND --> comment before them'


class Page:
    """Runs one page's examples in order."""

    def __init__(self, path, tmp_path, server):
        self.path = path
        self.project = str(tmp_path / 'project')
        self.srv = str(tmp_path / 'srv')
        self.backups = str(tmp_path / 'var-backups')
        for directory in (self.project, self.srv, self.backups):
            os.makedirs(directory)
        self.checkout = os.path.join(self.srv, 'checkout', 'blog')
        shutil.copytree(os.path.join(ROOT, 'examples', 'blog', 'base'), self.checkout)
        server.drop_database('blog')
        server.create_database('blog')
        self.overrides = os.path.join(self.project, '.test-overrides.json')
        with open(self.overrides, 'w') as f:
            json.dump(dict(blog_db_host=server.host, blog_db_port=server.port, blog_db_user=server.user,
                           blog_db_password=server.password, blog_db_name='blog', ansible_connection='local',
                           ansible_python_interpreter=os.path.join(VENV_BIN, 'python')), f)
        os.chmod(self.overrides, 0o600)
        self.count = 0

    def inventory(self):
        path = os.path.join(self.project, 'inventory.yml')
        if not os.path.exists(path):
            path = os.path.join(self.project, '.test-inventory.json')
            with open(path, 'w') as f:
                json.dump(LOCAL_INVENTORY, f)
        return path

    def run(self, argv, where):
        """Run argv in the page's namespace: /srv and /var/backups are the test's directories."""
        wrapper = ['unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c',
                   'mount --bind "$1" /srv && mount --bind "$2" /var/backups && shift 2 && exec "$@"',
                   'sh', self.srv, self.backups]
        proc = subprocess.run(wrapper + argv, cwd=self.project, env=ansible_env(), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, universal_newlines=True, timeout=900, check=False)
        assert proc.returncode == 0, '%s failed (exit %d):\n%s' % (where, proc.returncode, proc.stdout[-5000:])
        return proc.stdout

    def playbook(self, text, where):
        self.count += 1
        path = os.path.join(self.project, '.example-%d.yml' % self.count)
        with open(path, 'w') as f:
            f.write(text)
        return self.run([os.path.join(VENV_BIN, 'ansible-playbook'), path, '-i', self.inventory(),
                         '-e', '@' + self.overrides], where)

    def example(self, line, kind, argument, code):
        where = '%s:%d' % (os.path.relpath(self.path, ROOT), line)
        if kind == 'overlay':
            shutil.copytree(os.path.join(ROOT, 'examples', 'blog', argument), self.checkout, dirs_exist_ok=True)
        elif kind == 'file':
            target = os.path.join(self.project, argument)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, 'w') as f:
                f.write(code)
        elif kind == 'manifest':
            source = os.path.join(self.project, '.manifest', 'modules', argument)
            os.makedirs(os.path.join(source, 'files'))
            with open(os.path.join(source, 'module.yml'), 'w') as f:
                f.write(code)
            read_blog_module(os.path.join(self.project, '.manifest'), argument)
        elif kind == 'tasks':
            play = '- name: Example\n  hosts: blog_db\n  gather_facts: false\n'
            play += ''.join('  ' + l + '\n' for l in CONNECTION_DEFAULTS.splitlines())
            play += '  tasks:\n' + ''.join(('    ' + l if l else l) + '\n' for l in code.splitlines())
            self.playbook(play, where)
        elif kind == 'playbook':
            self.playbook(code, where)
        elif kind == 'command':
            for command in code.strip().splitlines():
                argv = shlex.split(command, comments=True)
                assert argv[0] == 'ansible-playbook', '%s: only ansible-playbook lines can run here' % where
                self.run([os.path.join(VENV_BIN, 'ansible-playbook')] + argv[1:] + ['-e', '@' + self.overrides],
                         '%s: %s' % (where, command))
        elif kind == 'ci':
            with open(os.path.join(ROOT, '.ci', 'run')) as f:
                ci = f.read()
            for command in code.strip().splitlines():
                program = shlex.split(command, comments=True)[0]
                assert re.search(r'(^|\s)%s(\s|$)' % re.escape(program), ci, re.M), '.ci/run does not run %s' % program


@pytest.mark.parametrize('page', [p for p in PAGES if any(b[1] for b in blocks_of(p))],
                         ids=lambda p: os.path.relpath(p, ROOT))
def test_examples_of_the_page_run(page, tmp_path, pg_server):
    runner = Page(page, tmp_path, pg_server)
    for line, kind, argument, code in blocks_of(page):
        runner.example(line, kind, argument, code)
