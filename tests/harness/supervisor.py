# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Test resources that outlive the command starting them, for molecule's create and destroy playbooks.

``start`` runs ``python -m <module> serve ...`` as a supervisor in its own session and waits until
it reports ``ready`` in ``<state dir>/state.json``; the supervisor owns the resource (a lab, a
PostgreSQL server) and stops it on SIGTERM or after its lifetime. ``stop`` ends the supervisor of a
state directory, and only that process, whatever happened to it before.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import signal
import subprocess
import sys
import time

STOP_SIGNALS = [signal.SIGTERM, signal.SIGINT, signal.SIGHUP]
TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def state_file(state_dir):
    return os.path.join(state_dir, 'state.json')


def read_state(state_dir):
    try:
        with open(state_file(state_dir)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def write_state(state_dir, state):
    """Publish the supervisor's state atomically, readable by its owner only (it may hold a password)."""
    path = state_file(state_dir)
    fd = os.open(path + '.tmp', os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as f:
        json.dump(state, f, indent=2)
    os.replace(path + '.tmp', path)


def supervisor_alive(pid, state_dir, module):
    """True while ``pid`` is this state dir's supervisor (not a zombie, not a reused pid)."""
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as f:
            argv = f.read().split(b'\0')
        with open('/proc/%d/stat' % pid) as f:
            zombie = f.read().rsplit(')', 1)[1].split()[0] == 'Z'
    except OSError:
        return False
    return not zombie and os.fsencode(module) in argv and os.fsencode(state_dir) in argv


def signal_if(pid, signum, still_ours):
    """Signal ``pid`` through a pidfd, after checking it is still the process we mean."""
    try:
        pidfd = os.pidfd_open(pid)
    except OSError:
        return
    try:
        if still_ours(pid):
            signal.pidfd_send_signal(pidfd, signum)
    except OSError:
        pass
    finally:
        os.close(pidfd)


def wait_for_stop(max_seconds):
    """In the supervisor: block until a stop signal or the end of its lifetime."""
    signal.sigtimedwait(STOP_SIGNALS, max_seconds)


def block_stop_signals():
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)


def start(module, state_dir, serve_args, label, timeout=60):
    """Start ``python -m <module> serve --state-dir DIR <serve_args>`` and wait for it; returns its state or None."""
    stop(module, state_dir)  # whatever a failed run left behind
    os.makedirs(state_dir, exist_ok=True)
    argv = [sys.executable, '-m', module, 'serve', '--state-dir', state_dir] + list(serve_args)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([TESTS_DIR] + [p for p in [os.environ.get('PYTHONPATH')] if p]))
    with open(os.path.join(state_dir, 'supervisor.log'), 'a') as log:
        supervisor = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                      start_new_session=True, env=env, cwd=TESTS_DIR)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = read_state(state_dir)
        if state.get('pid') == supervisor.pid and state.get('status') == 'ready':
            return state
        if state.get('pid') == supervisor.pid and state.get('status') == 'failed':
            print('%s: %s' % (label, state['error']), file=sys.stderr)
            return None
        if supervisor.poll() is not None:
            break
        time.sleep(0.05)
    print('%s: did not start; see %s' % (label, os.path.join(state_dir, 'supervisor.log')), file=sys.stderr)
    stop(module, state_dir)
    return None


def stop(module, state_dir, outputs=()):
    """Stop the state dir's supervisor (which stops its resource) and remove what it published; idempotent."""
    state = read_state(state_dir)
    pid = state.get('pid')

    def ours(p):
        return supervisor_alive(p, state_dir, module)

    if pid and ours(pid):
        signal_if(pid, signal.SIGTERM, ours)
        deadline = time.monotonic() + 30
        while ours(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        signal_if(pid, signal.SIGKILL, ours)
    for name in ('state.json',) + tuple(outputs):
        try:
            os.unlink(os.path.join(state_dir, name))
        except OSError:
            pass
