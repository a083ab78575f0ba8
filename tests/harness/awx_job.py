# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Runs a playbook the way an AWX job does: the ``ansible-runner run`` CLI (the engine of AWX's
execution environments) in a subprocess, on a private data directory of its own.

The private data directory holds what AWX writes for a job:

- ``env/extravars``: the extra vars as YAML, every string tagged ``!unsafe`` (AWX marks the values
  of surveys, extra vars and credential injectors so, so that Ansible never templates them);
- ``env/envvars``: the job's environment (this checkout's collections, Ansible's temporary
  directories under the data directory, no colour);
- ``inventory/hosts.json``: the inventory, when given as a dict (a path is passed as is);
- ``project``: a link to the directory of the playbook, which the job runs from.

Each run (a launch, or a relaunch with the same extra vars) has its own ``ident``, the name of its
artifacts directory ``artifacts/<ident>`` (status, rc, stdout, job_events/), as AWX's job id.
Optionally the job runs in a UTS namespace of its own (``unshare --uts``) with a given host name,
the way a relaunched job runs in a new container with another host name.

Use::

    job = AwxJob(tmp_path / 'job', '/path/playbooks/deploy.yml', extra_vars={...}, inventory={...})
    result = job.run(hostname='job-101')            # to the end: an AwxJobResult
    running = job.start(hostname='job-101')         # in the background: a RunningAwxJob
    running.kill()                                  # SIGKILL of the whole job, as AWX cancels a dead container
    killed = running.wait()                         # result.status == 'killed'
    relaunch = job.run(hostname='job-102')          # the same extra vars, a new ident
    other = job.run(hostname='job-103', pid_namespace=True)   # a pid namespace of its own too, as a container

AwxJobResult: ``status`` (runner's: successful, failed, canceled, timeout; or killed when the job was
killed before runner wrote one), ``rc``, ``events`` (the job events, in order), ``artifact_data``
(what set_stats published, from the playbook_on_stats event), ``artifacts_dir``, ``stdout``;
and, built from the events, the same task-result helpers as harness.playbook.PlaybookRun
(``ok``, ``returncode``, ``output``, ``results``, ``results_of``, ``result``, ``stats``,
``failed_results``), so that a test can use either.

The password in ``env/extravars`` is the operator's input, written on purpose: the suite's secret
scan skips files named ``extravars`` (tests/integration/conftest.py), and nothing else the job
writes may hold it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import json
import os
import signal
import subprocess
import time

import yaml

from harness.playbook import COLLECTIONS_PATH, VENV_BIN, TaskResults, descendants

RUNNER = os.path.join(VENV_BIN, 'ansible-runner')
HOST_EVENTS = {
    'runner_on_ok': 'ok',
    'runner_on_failed': 'failed',
    'runner_on_skipped': 'skipped',
    'runner_on_unreachable': 'unreachable',
}


class Unsafe(str):
    """A string written as ``!unsafe`` in env/extravars."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(Unsafe, lambda dumper, value: dumper.represent_scalar('!unsafe', str(value), style="'"))


def mark_unsafe(value, safe_keys=()):
    """``value`` with every string (in dicts and lists too) marked Unsafe, as AWX writes extra vars;
    top-level keys in ``safe_keys`` are left plain."""
    if isinstance(value, dict):
        return dict((k, v if k in safe_keys else mark_unsafe(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [mark_unsafe(v) for v in value]
    if isinstance(value, str):
        return Unsafe(value)
    return value


def extravars_text(extra_vars, safe_keys=()):
    """The YAML of env/extravars: strings tagged !unsafe, other scalars plain."""
    return yaml.dump(mark_unsafe(dict(extra_vars), safe_keys), Dumper=_Dumper, default_flow_style=False, sort_keys=True)


def _write(path, text, mode=0o600):
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, 'w') as f:
        f.write(text)


def _runner_env():
    """The environment of the ansible-runner process: this checkout's venv first on PATH (runner starts
    the ansible-playbook it finds there), without the suite's known password."""
    env = dict((k, v) for k, v in os.environ.items() if k not in ('BLOGOPS_TEST_PASSWORD', 'BLOGOPS_CAPTURE'))
    env['PATH'] = VENV_BIN + os.pathsep + env.get('PATH', '')
    return env


class AwxJob:
    """A job template's launch data: a private data directory for ``playbook`` with ``extra_vars``
    (every string !unsafe unless its key is in ``safe_keys``), ``inventory`` (a dict, or the path of an
    inventory file or directory) and ``envvars`` added to the job's environment."""

    def __init__(self, private_data_dir, playbook, extra_vars=None, inventory=None, envvars=None, safe_keys=()):
        self.private_data_dir = str(private_data_dir)
        self.playbook = os.path.abspath(str(playbook))
        self.inventory_path = None
        self.launches = 0
        base = self.private_data_dir
        os.makedirs(base, mode=0o700, exist_ok=True)
        _write(os.path.join(base, 'env', 'extravars'), extravars_text(extra_vars or {}, safe_keys))
        environment = dict(
            ANSIBLE_COLLECTIONS_PATH=COLLECTIONS_PATH,
            ANSIBLE_LOCAL_TEMP=os.path.join(base, 'tmp', 'ansible-local'),
            ANSIBLE_REMOTE_TMP=os.path.join(base, 'tmp', 'ansible-remote'),
            ANSIBLE_NOCOLOR='1',
            ANSIBLE_FORCE_COLOR='0',
            ANSIBLE_RETRY_FILES_ENABLED='0',
            ANSIBLE_LOCALHOST_WARNING='0',
            ANSIBLE_INVENTORY_UNPARSED_WARNING='0',
            ANSIBLE_HOST_PATTERN_MISMATCH='ignore',
        )
        environment.update(envvars or {})
        _write(os.path.join(base, 'env', 'envvars'), yaml.safe_dump(environment, default_flow_style=False))
        if isinstance(inventory, dict):
            _write(os.path.join(base, 'inventory', 'hosts.json'), json.dumps(inventory, indent=1))
        elif inventory:
            self.inventory_path = os.path.abspath(str(inventory))
        project = os.path.join(base, 'project')
        if not os.path.lexists(project):
            os.symlink(os.path.dirname(self.playbook), project)

    def argv(self, ident):
        argv = [RUNNER, 'run', self.private_data_dir, '-p', os.path.basename(self.playbook), '--ident', ident]
        if self.inventory_path:
            argv += ['--inventory', self.inventory_path]
        return argv

    def start(self, hostname=None, ident=None, pid_namespace=False):
        """Launch the job in the background (a RunningAwxJob); with ``hostname``, in a UTS namespace of its
        own with that host name; with ``pid_namespace`` too, in a pid namespace of its own with its own /proc
        (as in a container: its pids mean nothing outside). ``ident`` defaults to the host name, else
        ``launch-<n>``."""
        self.launches += 1
        ident = ident or hostname or 'launch-%d' % self.launches
        argv = self.argv(ident)
        if hostname:
            isolation = ['--uts'] + (['--pid', '--fork', '--mount-proc'] if pid_namespace else [])
            argv = ['unshare'] + isolation + ['--', 'sh', '-c', 'hostname "$0" && exec "$@"', hostname] + argv
        log = open(os.path.join(self.private_data_dir, 'runner-%s.log' % ident), 'w', encoding='utf-8')
        try:
            # A session of its own: a signal meant for pytest never reaches the job.
            proc = subprocess.Popen(argv, cwd=self.private_data_dir, env=_runner_env(), stdin=subprocess.DEVNULL,
                                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        finally:
            log.close()
        return RunningAwxJob(self, ident, argv, proc)

    def run(self, hostname=None, ident=None, timeout=1800, pid_namespace=False):
        """Launch the job and wait for its end: an AwxJobResult."""
        return self.start(hostname=hostname, ident=ident, pid_namespace=pid_namespace).wait(timeout)


class RunningAwxJob:
    """A job started in the background: ``pid``, ``kill()``, ``wait()``, ``artifacts_dir``."""

    def __init__(self, job, ident, argv, proc):
        self.job = job
        self.ident = ident
        self.argv = argv
        self.proc = proc
        self.killed = False

    @property
    def pid(self):
        return self.proc.pid

    @property
    def artifacts_dir(self):
        return os.path.join(self.job.private_data_dir, 'artifacts', self.ident)

    def processes(self):
        """The pids of the job: runner and every process under it (ansible-playbook, its workers, modules)."""
        return [self.proc.pid] + descendants(self.proc.pid)

    def playbook_pid(self, timeout=60):
        """The pid of the job's ansible-playbook process, once it runs."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for pid in descendants(self.proc.pid):
                try:
                    with open('/proc/%d/cmdline' % pid, 'rb') as f:
                        argv = f.read().split(b'\0')
                except OSError:
                    continue
                if any(os.path.basename(part) == b'ansible-playbook' for part in argv[:2]):
                    return pid
            time.sleep(0.1)
        raise AssertionError('job %s started no ansible-playbook within %s s' % (self.ident, timeout))

    def kill(self):
        """SIGKILL the whole job at once (runner, ansible-playbook, workers, modules), as when AWX's
        container goes away: nothing of it gets to clean up. Waits for the runner process."""
        self.killed = True
        # Stop the tree first so that nothing forks between the listing and the kill.
        pids = self.processes()
        for pid in pids:
            try:
                os.kill(pid, signal.SIGSTOP)
            except ProcessLookupError:
                pass
        for pid in self.processes() + pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait()

    def wait(self, timeout=1800):
        """Wait for the job's end (killing it after ``timeout`` s) and read its artifacts: an AwxJobResult."""
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise
        return AwxJobResult.read(self.artifacts_dir, killed=self.killed, runner_log=os.path.join(
            self.job.private_data_dir, 'runner-%s.log' % self.ident))


def _read(path, default=None):
    try:
        with open(path, encoding='utf-8', errors='replace') as f:
            return f.read()
    except (IOError, OSError):
        return default


class AwxJobResult(TaskResults):
    """What a job left in its artifacts directory; see the module's docstring."""

    def __init__(self, artifacts_dir, status, rc, events, stdout, runner_output=''):
        self.artifacts_dir = artifacts_dir
        self.status = status
        self.rc = rc
        self.events = events
        self.stdout = stdout
        self.runner_output = runner_output

    @classmethod
    def read(cls, artifacts_dir, killed=False, runner_log=None):
        events = []
        for path in glob.glob(os.path.join(artifacts_dir, 'job_events', '*.json')):
            if '-partial' in os.path.basename(path):
                continue
            text = _read(path)
            try:
                events.append(json.loads(text))
            except (TypeError, ValueError):
                continue  # a killed job may leave an event half written
        events.sort(key=lambda e: e.get('counter', 0))
        status = (_read(os.path.join(artifacts_dir, 'status')) or '').strip() or ('killed' if killed else 'unknown')
        rc = _read(os.path.join(artifacts_dir, 'rc'))
        rc = int(rc) if rc and rc.strip().lstrip('-').isdigit() else None
        return cls(artifacts_dir, status, rc, events, _read(os.path.join(artifacts_dir, 'stdout'), ''),
                   _read(runner_log, '') if runner_log else '')

    @property
    def artifact_data(self):
        """What set_stats published for the job (AWX's artifacts), or {}."""
        stats = [e for e in self.events if e.get('event') == 'playbook_on_stats']
        return (stats[-1].get('event_data') or {}).get('artifact_data') or {} if stats else {}

    # The interface of harness.playbook.PlaybookRun.

    @property
    def ok(self):
        return self.status == 'successful' and self.rc == 0

    @property
    def returncode(self):
        return self.rc

    @property
    def output(self):
        return self.stdout

    @property
    def stats(self):
        return self.artifact_data

    @property
    def results(self):
        """One record per host result: ``host``, ``task`` (``role : name`` inside a role), ``action``,
        ``status`` (ok, failed, skipped, unreachable), ``result`` and ``ignore_errors``."""
        found = []
        for event in self.events:
            status = HOST_EVENTS.get(event.get('event'))
            if status is None:
                continue
            data = event.get('event_data') or {}
            task = data.get('task') or ''
            if data.get('role'):
                task = '%s : %s' % (data['role'], task)
            found.append(dict(host=data.get('host'), task=task, action=data.get('task_action'), status=status,
                              result=data.get('res') or {}, ignore_errors=bool(data.get('ignore_errors'))))
        return found

    def __repr__(self):
        failures = ''.join('\n  %s on %s: %s' % (r['task'], r['host'], r['result'].get('msg') or r['result'])
                           for r in self.failed_results())
        failures = failures and '\nfailed tasks:' + failures
        return 'AwxJobResult(status=%s, rc=%s, %s)%s\n%s%s' % (
            self.status, self.rc, self.artifacts_dir, failures, self.stdout[-6000:], self.runner_output[-2000:])
