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
from ansible_collections.blogops.release.plugins.plugin_utils.status_report import build_report
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
        self.data = DataChecks()

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
            self.data.check(where, argument, code, os.path.join(self.project, '.ee-%d' % line))
        elif kind == 'ci':
            with open(os.path.join(ROOT, '.ci', 'run')) as f:
                ci = f.read()
            for command in code.strip().splitlines():
                program = shlex.split(command, comments=True)[0]
                assert re.search(r'(^|\s)%s(\s|$)' % re.escape(program), ci, re.M), '.ci/run does not run %s' % program


PLAYBOOKS = ('deploy', 'rollback', 'backup', 'restore', 'status')
SURVEY_TYPES = ('text', 'textarea', 'password', 'integer', 'float', 'multiplechoice', 'multiselect')
NAME = re.compile(r'\b[a-z_][a-z0-9_]*\b')


def walk_tasks(tasks):
    for task in tasks or []:
        yield task
        for key in ('block', 'rescue', 'always'):
            yield from walk_tasks(task.get(key))


def strings(value):
    """Every key and string of a YAML document: what the code says, without its comments."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
    elif isinstance(value, str):
        yield value


def load(relative):
    with open(os.path.join(ROOT, relative)) as f:
        return yaml.safe_load(f)


def playbook_files(playbook):
    """The playbook and the task files of the collection's roles it runs."""
    relative = os.path.join('playbooks', playbook + '.yml')
    roles = set(re.findall(r'blogops\.release\.(\w+)', ' '.join(strings(load(relative)))))
    files = [relative]
    for role in sorted(roles):
        files += sorted(os.path.relpath(path, ROOT) for path in glob.glob(os.path.join(ROOT, 'roles', role, 'tasks', '*.yml')))
    return files


def playbook_variables(playbook):
    """Every name the playbook's code mentions (comments left out): the extra vars it reads are among them."""
    return set(NAME.findall(' '.join(strings(load(os.path.join('playbooks', playbook + '.yml'))))))


def published_artifacts(playbook):
    """{artifact: set of its keys} of every set_stats that the playbook (or a role it runs) publishes."""
    found = {}
    for relative in playbook_files(playbook):
        document = load(relative) or []
        plays = document if relative.startswith('playbooks') else [dict(tasks=document)]
        for play in plays:
            for section in ('pre_tasks', 'tasks', 'post_tasks', 'handlers'):
                for task in walk_tasks(play.get(section)):
                    stats = task.get('ansible.builtin.set_stats')
                    for name, value in ((stats or {}).get('data') or {}).items():
                        assert name not in found, '%s publishes %s twice' % (playbook, name)
                        found[name] = set(value)
    return found


class DataChecks:
    """What the ``data`` examples of one page showed so far: the surveys of the job templates, the artifacts."""

    def __init__(self):
        self.surveys = {}
        self.artifacts = set()

    def check(self, where, argument, code, workdir):
        """Configuration for another system (AWX, ansible-builder): it parses, and what it names exists here.

        ``data survey PLAYBOOK``: the survey of the job template of playbooks/PLAYBOOK.yml: it asks only for what
        that playbook reads; ``data survey workflow``: a workflow's survey, whose answers reach every node: each
        playbook that reads one of its variables asks it with the same question in its own template;
        ``data artifact PLAYBOOK``: what the playbook publishes with set_stats, with exactly its keys;
        ``data ee``: an ansible-builder definition, from which ``ansible-builder create`` makes a build context;
        ``data``: YAML or JSON that parses.
        """
        value = yaml.safe_load(code)
        assert value, '%s: empty' % where
        kind, _space, name = argument.partition(' ')
        if kind == 'survey':
            self.check_survey(where, name, value)
        elif kind == 'artifact':
            assert name in PLAYBOOKS, '%s: artifact of an unknown playbook %r' % (where, name)
            published = published_artifacts(name)
            assert list(value) == list(published), '%s: %s publishes %s' % (where, name, sorted(published))
            for artifact, keys in published.items():
                assert set(value[artifact]) == keys, '%s: %s has the keys %s' % (where, artifact, sorted(keys))
            if name == 'status':
                report = set(build_report({}, {}, [], {}, None, []))
                assert set(value['blogops_release_status']['report']) == report, '%s: the report has %s' % (where, sorted(report))
            self.artifacts.add(name)
        elif kind == 'ee':
            check_ee_definition(where, code, workdir)
        else:
            assert argument == '', '%s: unknown data kind %s' % (where, argument)

    def check_survey(self, where, name, survey):
        assert set(survey) >= {'name', 'description', 'spec'}, '%s: a survey has a name, a description and a spec' % where
        for question in survey['spec']:
            assert question['type'] in SURVEY_TYPES, '%s: %s has an unknown type' % (where, question['variable'])
            assert question.get('question_name') and 'required' in question, '%s: %s' % (where, question)
            if question['type'] == 'multiplechoice':
                assert question.get('default', '') in question['choices'] + [''], '%s: %s' % (where, question)
        asked = dict((q['variable'], q) for q in survey['spec'])
        assert len(asked) == len(survey['spec']), '%s: a variable asked twice' % where
        if name == 'workflow':
            for variable, question in asked.items():
                readers = [p for p in PLAYBOOKS if variable in playbook_variables(p)]
                assert readers, '%s: no playbook reads %s' % (where, variable)
                for playbook in readers:
                    own = self.surveys.get(playbook, {}).get(variable)
                    assert own and own['question_name'] == question['question_name'], (
                        "%s: the workflow's answer to %s reaches the %s node, whose template asks %s"
                        % (where, variable, playbook, repr(own['question_name']) if own else 'nothing of the kind'))
            return
        assert name in PLAYBOOKS, '%s: survey of an unknown playbook %r' % (where, name)
        unknown = sorted(set(asked) - playbook_variables(name))
        assert unknown == [], '%s: survey variables that %s does not read: %s' % (where, name, unknown)
        for other in self.surveys.values():
            for variable in set(other) & set(asked):
                assert other[variable]['type'] == asked[variable]['type'], '%s: %s changes type' % (where, variable)
        self.surveys[name] = asked

    def finish(self, where):
        """A page that shows job templates shows every playbook's survey and artifact."""
        if self.surveys or self.artifacts:
            assert sorted(self.surveys) == sorted(PLAYBOOKS), '%s: surveys shown: %s' % (where, sorted(self.surveys))
            assert sorted(self.artifacts) == sorted(PLAYBOOKS), '%s: artifacts shown: %s' % (where, sorted(self.artifacts))


def check_ee_definition(where, code, workdir):
    """ansible-builder accepts the definition as it is (no deprecated schema) and makes a build context of it."""
    os.makedirs(workdir, exist_ok=True)
    definition = os.path.join(workdir, 'execution-environment.yml')
    with open(definition, 'w') as f:
        f.write(code)
    proc = subprocess.run([os.path.join(VENV_BIN, 'ansible-builder'), 'create', '--file', definition,
                           '--context', os.path.join(workdir, 'context')], cwd=workdir, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    assert proc.returncode == 0, '%s: ansible-builder create failed:\n%s' % (where, proc.stdout)
    assert 'DEPRECATION' not in proc.stdout, '%s: %s' % (where, proc.stdout)
