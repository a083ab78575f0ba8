# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Where documentation examples run verbatim: a project directory, the sample blog checked out at
/srv/checkout/blog, a database named blog, and every ansible-playbook process in a private mount
namespace where /srv and /var/backups are directories of the test."""

import glob
import json
import os
import re
import shlex
import shutil
import subprocess

import yaml

from ansible_collections.blogops.release.plugins.plugin_utils.blog_source import read_blog_module
from ansible_collections.blogops.release.plugins.plugin_utils.migration_lint import lint_scripts
from harness.playbook import CONNECTION_DEFAULTS, LOCAL_INVENTORY, ROOT, VENV_BIN, ansible_env


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
        self.lint_catalog = {}

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

    def tasks(self, code, where, hosts='blog_db'):
        play = '- name: Example\n  hosts: %s\n  gather_facts: false\n' % hosts
        play += ''.join('  ' + l + '\n' for l in CONNECTION_DEFAULTS.splitlines())
        play += '  tasks:\n' + ''.join(('    ' + l if l else l) + '\n' for l in code.splitlines())
        return self.playbook(play, where)

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
            self.tasks(code, where)
        elif kind == 'playbook':
            self.playbook(code, where)
        elif kind == 'command':
            for command in code.strip().splitlines():
                argv = shlex.split(command, comments=True)
                assert argv[0] == 'ansible-playbook', '%s: only ansible-playbook lines can run here' % where
                self.run([os.path.join(VENV_BIN, 'ansible-playbook')] + argv[1:] + ['-e', '@' + self.overrides],
                         '%s: %s' % (where, command))
        elif kind == 'data':
            check_data(where, argument, code)
        elif kind == 'lint':
            self.check_lint(where, argument, code)
        elif kind == 'ci':
            with open(os.path.join(ROOT, '.ci', 'run')) as f:
                ci = f.read()
            for command in code.strip().splitlines():
                program = shlex.split(command, comments=True)[0]
                assert re.search(r'(^|\s)%s(\s|$)' % re.escape(program), ci, re.M), '.ci/run does not run %s' % program

    def check_lint(self, where, argument, code):
        """``lint catalog`` sets the catalog; ``lint fails RULE`` and ``lint passes`` lint the block as a script."""
        if argument == 'catalog':
            self.lint_catalog = yaml.safe_load(code)
            return
        findings = [f for f in lint_scripts([('V1__example.sql', code)], self.lint_catalog) if f['allowed'] is None]
        if argument == 'passes':
            assert findings == [], '%s: expected no finding, got %s' % (where, [f['message'] for f in findings])
        else:
            verb, _space, rule = argument.partition(' ')
            assert verb == 'fails' and rule, '%s: unknown lint example %r' % (where, argument)
            assert rule in [f['rule'] for f in findings], '%s: %s does not fire: %s' % (where, rule, findings)


def published_summary_keys():
    """The keys of the blogops_release summary that the deploy role hands to set_stats."""
    with open(os.path.join(ROOT, 'roles', 'deploy', 'tasks', 'finish.yml')) as f:
        tasks = yaml.safe_load(f)
    found = [t['ansible.builtin.set_stats']['data']['blogops_release'] for t in walk_tasks(tasks)
             if 'ansible.builtin.set_stats' in t]
    assert len(found) == 1, 'one set_stats of blogops_release in roles/deploy/tasks/finish.yml'
    return set(found[0])


def walk_tasks(tasks):
    for task in tasks or []:
        yield task
        for key in ('block', 'rescue', 'always'):
            yield from walk_tasks(task.get(key))


def deploy_variables():
    """Every variable name the deploy playbook and the roles mention."""
    names = set()
    for pattern in ('playbooks/*.yml', 'roles/*/defaults/main.yml', 'roles/*/tasks/*.yml'):
        for path in glob.glob(os.path.join(ROOT, pattern)):
            with open(path) as f:
                names.update(re.findall(r'\b[a-z_][a-z0-9_]*\b', f.read()))
    return names


def check_data(where, argument, code):
    """Configuration for another system (AWX, ansible-builder): it parses, and what it names exists here.

    ``data survey``: an AWX survey whose every variable the deploy playbook reads;
    ``data artifact``: the deploy's set_stats summary, with exactly the keys the deploy role publishes;
    ``data``: YAML or JSON that parses.
    """
    value = yaml.safe_load(code)
    assert value, '%s: empty' % where
    if argument == 'survey':
        unknown = [q['variable'] for q in value['spec'] if q['variable'] not in deploy_variables()]
        assert unknown == [], '%s: survey variables the deploy does not read: %s' % (where, unknown)
    elif argument == 'artifact':
        assert set(value['blogops_release']) == published_summary_keys(), where
    else:
        assert argument == '', '%s: unknown data kind %s' % (where, argument)
