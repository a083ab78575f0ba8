# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The SSH test lab itself: real ansible-playbook runs over SSH to its hosts, each with its own /srv,
and the faults the rolling-deploy tests inject (a host going down, a path that cannot be written)."""

import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

import pytest

from harness.playbook import play_text, run_playbook
from harness.ssh_lab import SshLab, default_first_address

TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

REACH = '''
- name: Report how the controller reaches the host
  ansible.builtin.debug:
    msg:
      connection: "{{ ansible_connection }}"
      address: "{{ ansible_host }}"
- name: Read the SSH session and the mount namespace on the host
  ansible.builtin.command: sh -c 'echo "$SSH_CONNECTION"; readlink /proc/self/ns/mnt'
  changed_when: false
'''


def lab_play(lab, workdir, tasks, play_vars=None):
    """Run a one-play playbook on every lab host (group blog_app) with the lab's inventory."""
    fd, path = tempfile.mkstemp(prefix='play-', suffix='.yml', dir=str(workdir))
    with os.fdopen(fd, 'w') as f:
        f.write(play_text(tasks, hosts='blog_app', play_vars=play_vars, connection_defaults=False))
    return run_playbook(path, str(workdir), inventory=lab.inventory_path)


def statuses(run, task):
    return {r['host']: r['status'] for r in run.results_of(task)}


def own_mount_namespace():
    return os.readlink('/proc/self/ns/mnt')


def test_playbook_reaches_every_host_over_ssh_in_its_own_namespace(ssh_lab, tmp_path):
    run = lab_play(ssh_lab, tmp_path, REACH)
    assert run.ok, run
    namespaces = set()
    for host in ssh_lab.hosts:
        assert run.result('Report how the controller reaches the host', host.name)['msg'] == dict(
            connection='ssh', address=host.address)
        session, namespace = run.result('Read the SSH session and the mount namespace on the host', host.name)['stdout_lines']
        # SSH_CONNECTION is "client_ip client_port server_ip server_port", set by the host's sshd.
        client, _client_port, server, server_port = session.split()
        assert (client, server, int(server_port)) == ('127.0.0.1', host.address, host.port)
        assert namespace == 'mnt:[%d]' % host.namespace_inode
        namespaces.add(namespace)
    assert len(namespaces) == 3 and own_mount_namespace() not in namespaces


def test_each_host_sees_only_its_own_srv(ssh_lab, tmp_path):
    name = 'owner-%s' % uuid.uuid4().hex[:8]
    run = lab_play(ssh_lab, tmp_path, '''
        - name: Create /srv/blog
          ansible.builtin.file:
            path: /srv/blog
            state: directory
            mode: '0755'
        - name: Write the host's name under /srv/blog
          ansible.builtin.copy:
            dest: /srv/blog/{{ file_name }}
            content: "{{ inventory_hostname }}"
            mode: '0644'
        - name: List /srv/blog
          ansible.builtin.find:
            paths: /srv/blog
    ''', play_vars=dict(file_name=name))
    assert run.ok, run
    for host in ssh_lab.hosts:
        listed = [os.path.basename(f['path']) for f in run.result('List /srv/blog', host.name)['files']]
        assert listed == [name]
        assert os.listdir(os.path.join(host.srv, 'blog')) == [name]
        with open(os.path.join(host.srv, 'blog', name)) as f:
            assert f.read() == host.name
        assert ssh_lab.run(host.name, ['cat', '/srv/blog/' + name]).stdout == host.name
    assert not os.path.exists('/srv/blog/' + name), 'a lab host wrote to the real /srv'


@pytest.mark.parametrize('fault', ['kill_host', 'stop_host'])
def test_host_that_went_down_is_unreachable_until_restarted(ssh_lab, tmp_path, fault):
    down = ssh_lab.host('blog-app-2')
    port = down.port
    assert lab_play(ssh_lab, tmp_path, REACH).ok
    # The run left a ControlPersist connection to the host (its sshd runs beside the listener):
    # going down must break it, or the next run would still get through.
    assert len(down.processes()) > 1

    getattr(ssh_lab, fault)(down.name)
    assert not down.running and down.processes() == []
    run = lab_play(ssh_lab, tmp_path, REACH)
    assert not run.ok
    assert statuses(run, 'Report how the controller reaches the host') == {
        'blog-app-1': 'ok', 'blog-app-2': 'ok', 'blog-app-3': 'ok'}  # debug runs on the controller
    assert statuses(run, 'Read the SSH session and the mount namespace on the host') == {
        'blog-app-1': 'ok', 'blog-app-2': 'unreachable', 'blog-app-3': 'ok'}

    ssh_lab.start_host(down.name)
    assert down.port == port
    run = lab_play(ssh_lab, tmp_path, REACH)
    assert run.ok, run
    assert run.result('Read the SSH session and the mount namespace on the host', down.name)['stdout_lines'][1] == (
        'mnt:[%d]' % down.namespace_inode)


def test_unwritable_path_fails_writes_on_that_host_only(ssh_lab, tmp_path):
    ssh_lab.make_unwritable('blog-app-3', '/srv/blog')
    write = '''
        - name: Create a release directory
          ansible.builtin.file:
            path: /srv/blog/releases
            state: directory
            mode: '0755'
    '''
    run = lab_play(ssh_lab, tmp_path, write)
    assert not run.ok
    assert statuses(run, 'Create a release directory') == {'blog-app-1': 'ok', 'blog-app-2': 'ok', 'blog-app-3': 'failed'}
    assert 'Read-only file system' in run.result('Create a release directory', 'blog-app-3')['msg']
    assert [os.path.isdir(os.path.join(h.srv, 'blog', 'releases')) for h in ssh_lab.hosts] == [True, True, False]
    with open('/proc/self/mountinfo') as f:
        assert ' /srv/blog ' not in f.read(), 'the read-only mount leaked out of the host'

    ssh_lab.make_writable('blog-app-3', '/srv/blog')
    assert lab_play(ssh_lab, tmp_path, write).ok
    assert os.path.isdir(os.path.join(ssh_lab.host('blog-app-3').srv, 'blog', 'releases'))


def test_stop_ends_every_process_of_the_lab(tmp_path):
    # Addresses beside this worker's session lab (which uses the first three of its ten).
    first = default_first_address().rsplit('.', 1)
    lab = SshLab(first_address='%s.%d' % (first[0], int(first[1]) + 7)).start(2)
    workdir = lab.workdir
    assert lab_play(lab, tmp_path, REACH).ok
    pids = [pid for host in lab.hosts for pid in host.processes()]
    assert len(pids) >= 4  # two listeners and the sshd of each ControlPersist connection
    lab.stop()
    assert [pid for pid in pids if os.path.exists('/proc/%d/ns/mnt' % pid)] == []
    assert not os.path.exists(workdir)


@pytest.mark.parametrize('ending', ['exception', 'SIGKILL'])
def test_lab_processes_end_with_the_process_that_started_them(ending):
    """A test that crashes leaves nothing behind: atexit stops the lab; a killed process takes its sshds along."""
    first = default_first_address().rsplit('.', 1)
    script = (
        'import os, signal, sys\n'
        'from harness.ssh_lab import SshLab\n'
        'lab = SshLab(first_address=sys.argv[1]).start(1)\n'
        'print(lab.hosts[0].pid, lab.workdir, flush=True)\n'
        'if sys.argv[2] == "SIGKILL":\n'
        '    os.kill(os.getpid(), signal.SIGKILL)\n'
        'raise RuntimeError("a failing test")\n'
    )
    proc = subprocess.run([sys.executable, '-c', script, '%s.%d' % (first[0], int(first[1]) + 9), ending], cwd=TESTS_DIR,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=False, timeout=60)
    assert proc.returncode != 0
    sshd_pid, workdir = proc.stdout.split()
    # PR_SET_PDEATHSIG delivers SIGKILL as the parent dies; the sshd may take a moment to go.
    for _attempt in range(100):
        if not os.path.exists('/proc/%s/ns/mnt' % sshd_pid):
            break
        time.sleep(0.05)
    assert not os.path.exists('/proc/%s/ns/mnt' % sshd_pid), 'the lab sshd outlived the process that started it'
    if ending == 'exception':
        assert not os.path.exists(workdir)
    shutil.rmtree(workdir, ignore_errors=True)  # a killed process cannot remove its files
