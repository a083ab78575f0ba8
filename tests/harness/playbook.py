# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Runs real ansible-playbook processes and collects every task result they produce."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV_BIN = os.path.join(ROOT, '.venv', 'bin')
COLLECTIONS_PATH = os.path.join(ROOT, '.venv', 'collections')
CALLBACK_DIR = os.path.join(ROOT, 'tests', 'harness', 'callback_plugins')

LOCAL_INVENTORY = {
    'all': {
        'hosts': {
            'localhost': {
                'ansible_connection': 'local',
                # Interpreter discovery can land on an unselected pyenv shim; use the controller's.
                'ansible_python_interpreter': '{{ ansible_playbook_python }}',
            },
        },
        'children': {'blog_app': {'hosts': {'localhost': {}}}, 'blog_db': {'hosts': {'localhost': {}}}},
    },
}

CONNECTION_DEFAULTS = '''\
module_defaults:
  group/blogops.release.all:
    login_host: "{{ blog_db_host }}"
    login_port: "{{ blog_db_port }}"
    login_user: "{{ blog_db_user }}"
    login_password: "{{ blog_db_password }}"
    login_db: "{{ blog_db_name }}"
'''


def ansible_env(extra=None):
    """Environment of an ansible-playbook run: this checkout's collections, the capture callback."""
    # The suite's known password (scripts/test) is for the scan that looks for it afterwards: no run inherits it.
    env = dict((k, v) for k, v in os.environ.items() if k != 'BLOGOPS_TEST_PASSWORD')
    env.update(
        PATH=VENV_BIN + os.pathsep + env.get('PATH', ''),
        ANSIBLE_COLLECTIONS_PATH=COLLECTIONS_PATH,
        ANSIBLE_CALLBACK_PLUGINS=CALLBACK_DIR,
        ANSIBLE_CALLBACKS_ENABLED='blogops_capture',
        ANSIBLE_NOCOLOR='1',
        ANSIBLE_FORCE_COLOR='0',
        ANSIBLE_RETRY_FILES_ENABLED='0',
        ANSIBLE_LOCALHOST_WARNING='0',
        ANSIBLE_INVENTORY_UNPARSED_WARNING='0',
        ANSIBLE_HOST_PATTERN_MISMATCH='ignore',
    )
    env.update(extra or {})
    return env


class TaskResults:
    """Looking up task results, for a run that has ``results`` (dicts with ``task``, ``host``, ``status``,
    ``result``, ``ignore_errors``) and ``output``: PlaybookRun, and harness.awx_job.AwxJobResult."""

    def results_of(self, task, host=None):
        """Results of the task named ``task``; a role's task matches with or without its ``role : `` prefix."""
        return [r for r in self.results if (r['task'] == task or r['task'].endswith(' : ' + task))
                and (host is None or r['host'] == host)]

    def result(self, task, host=None):
        """The result dict of the (last run of the) task named ``task``; fails loudly when absent."""
        found = self.results_of(task, host)
        if not found:
            raise AssertionError('task %r did not run; tasks that ran: %r\n%s'
                                 % (task, [r['task'] for r in self.results], self.output[-4000:]))
        record = found[-1]
        return dict(record['result'], _status=record['status'])

    def failed_results(self):
        return [r for r in self.results if r['status'] == 'failed' and not r.get('ignore_errors')]


class PlaybookRun(TaskResults):
    """The outcome of one ansible-playbook process."""

    def __init__(self, argv, returncode, output, results):
        self.argv = argv
        self.returncode = returncode
        self.output = output
        self.results = results

    @property
    def ok(self):
        return self.returncode == 0

    @property
    def stats(self):
        """What set_stats published for the whole run (per_host: false), or {}."""
        found = [r['result'] for r in self.results if r['status'] == 'stats']
        return (found[-1].get('_run') or {}) if found else {}

    def __repr__(self):
        failures = ''.join('\n  %s on %s: %s' % (r['task'], r['host'], r['result'].get('msg') or r['result'])
                           for r in self.failed_results())
        failures = failures and '\nfailed tasks:' + failures
        return 'PlaybookRun(rc=%d)%s\n%s' % (self.returncode, failures, self.output[-6000:])


def descendants(pid):
    """Process ids of every process under ``pid``, from /proc (Linux)."""
    children = {}
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            try:
                with open('/proc/%s/stat' % entry) as f:
                    # The command name, in parentheses, may itself hold spaces or parentheses.
                    parent = int(f.read().rsplit(')', 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found = []
    pending = [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            found.append(child)
            pending.append(child)
    return found


class RunningPlaybook:
    """An ansible-playbook process started in the background."""

    def __init__(self, argv, proc, capture, output_path):
        self.argv = argv
        self.proc = proc
        self.capture = capture
        self.output_path = output_path

    def kill(self):
        """SIGKILL ansible-playbook and every process under it (its workers run in sessions of their
        own, so a process group does not hold the module processes)."""
        for pid in [self.proc.pid] + descendants(self.proc.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def wait(self, timeout=None):
        streamed = []
        if self.proc.stdout is not None:
            # stream: show each line as it comes and keep it for the result.
            for line in self.proc.stdout:
                sys.stdout.write(line)
                sys.stdout.flush()
                streamed.append(line)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            self.proc.wait()
            raise
        output = ''.join(streamed)
        if self.output_path:
            with open(self.output_path) as f:
                output = f.read()
        with open(self.capture) as f:
            results = [json.loads(line) for line in f if line.strip()]
        return PlaybookRun(self.argv, self.proc.returncode, output, results)


def start_playbook(playbook, workdir, inventory=None, extra_vars=None, check=False, diff=False, env=None,
                   args=(), stream=False):
    """Start ``ansible-playbook`` on ``playbook``; extra vars travel in a 0600 file, never in argv.

    The output goes to a file of ``workdir`` (with ``stream``, to this process's stdout as well, while
    ``wait`` collects it).
    """
    os.makedirs(workdir, exist_ok=True)
    # Unique names: tests run several ansible-playbook processes at once in one directory.
    fd, capture = tempfile.mkstemp(prefix='results-', suffix='.jsonl', dir=workdir)
    os.close(fd)
    argv = [os.path.join(VENV_BIN, 'ansible-playbook'), playbook]
    if inventory is None:
        fd, inventory = tempfile.mkstemp(prefix='inventory-', suffix='.json', dir=workdir)
        with os.fdopen(fd, 'w') as f:
            json.dump(LOCAL_INVENTORY, f)
    argv += ['-i', inventory]
    if extra_vars:
        fd, vars_file = tempfile.mkstemp(prefix='extra-vars-', suffix='.json', dir=workdir)
        with os.fdopen(fd, 'w') as f:
            json.dump(extra_vars, f)
        argv += ['-e', '@' + vars_file]
    if check:
        argv.append('--check')
    if diff:
        argv.append('--diff')
    argv += list(args)
    output_path = None
    output = subprocess.PIPE
    if not stream:
        fd, output_path = tempfile.mkstemp(prefix='output-', suffix='.log', dir=workdir)
        output = os.fdopen(fd, 'w')
    try:
        proc = subprocess.Popen(argv, cwd=workdir, env=ansible_env(dict(env or {}, BLOGOPS_CAPTURE=capture)),
                                stdout=output, stderr=subprocess.STDOUT, universal_newlines=True)
    finally:
        if output is not subprocess.PIPE:
            output.close()
    return RunningPlaybook(argv, proc, capture, output_path)


def run_playbook(playbook, workdir, inventory=None, extra_vars=None, check=False, diff=False, env=None,
                 args=(), timeout=1800, stream=False):
    """Run ``ansible-playbook`` on ``playbook`` and wait for it; see start_playbook."""
    return start_playbook(playbook, workdir, inventory=inventory, extra_vars=extra_vars, check=check, diff=diff,
                          env=env, args=args, stream=stream).wait(timeout)


def play_text(tasks, hosts='localhost', play_vars=None, connection_defaults=True):
    """A one-play playbook around ``tasks`` (YAML text, or a list of them), with the database options set once."""
    if not isinstance(tasks, str):
        tasks = ''.join(textwrap.dedent(part).strip('\n') + '\n' for part in tasks)
    text = '- name: Test play\n  hosts: %s\n  gather_facts: false\n' % hosts
    if play_vars:
        text += '  vars:\n' + textwrap.indent(json.dumps(play_vars), '    ') + '\n'
    if connection_defaults:
        text += textwrap.indent(CONNECTION_DEFAULTS, '  ')
    text += '  tasks:\n' + textwrap.indent(textwrap.dedent(tasks).strip('\n') + '\n', '    ')
    return text
