# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""An SSH test lab: several app hosts on this machine, each reached over real SSH.

Each host is an ``sshd`` bound to its own loopback address (127.0.0.11, 127.0.0.12, ...) on a free
port, started under ``unshare -m`` with its own directory bind-mounted on ``/srv``: what a playbook
writes under /srv on one host is seen neither by the other hosts nor in this machine's real /srv
(the namespace's mounts are private). Everything a host runs -- the listening sshd, the sshd of
each connection, the shells and modules of those connections -- lives in that host's mount
namespace, so stopping or killing a host ends every process in it, and the controller's
connections (ControlPersist masters included) break as they would if a real host went down.

A throwaway ed25519 client key and one host key per host are generated in the lab's temporary
directory. The inventory the lab writes names the key and a lab known_hosts file (checked
strictly, one ``HostKeyAlias`` per host), and ignores ~/.ssh entirely.

Needs root (mount namespaces, bind mounts, sshd as root), ``/usr/sbin/sshd`` (openssh-server),
``ssh-keygen``, and ``unshare`` / ``nsenter`` / ``mount`` (util-linux). Traffic goes only to
loopback addresses.

In tests: the ``ssh_lab`` fixture of tests/integration/conftest.py. From a shell or molecule::

    python -m harness.ssh_lab start --state-dir DIR [--hosts 3 | --names a,b,c] [--instance-config FILE]
    python -m harness.ssh_lab stop --state-dir DIR [--instance-config FILE]

``start`` leaves a small supervisor process that owns the lab and writes ``DIR/inventory.yml``;
``stop`` ends it and every process of the lab.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import atexit
import ctypes
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import yaml

from harness.playbook import VENV_BIN
from harness.postgres_server import HarnessError
from harness.supervisor import block_stop_signals, signal_if, start as start_supervisor, stop as stop_supervisor
from harness.supervisor import wait_for_stop, write_state

SSHD = '/usr/sbin/sshd'
TOOLS = ('unshare', 'nsenter', 'mount', 'umount', 'ssh-keygen', 'ssh')
INSTALL_HINT = (
    'the SSH test lab needs /usr/sbin/sshd: install openssh-server as root '
    "('apt-get install openssh-server', 'dnf install openssh-server'); scripts/setup does it on Debian and Ubuntu."
)
PR_SET_PDEATHSIG = 1
SUPERVISOR_LIFETIME = 6 * 3600

SSHD_CONFIG = '''\
# One host of the blogops.release SSH test lab (tests/harness/ssh_lab.py).
ListenAddress {address}:{port}
HostKey {host_key}
PidFile {pid_file}
AuthorizedKeysFile {authorized_keys}
PermitRootLogin prohibit-password
AuthenticationMethods publickey
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
# The lab's files sit under /tmp, which is world-writable: StrictModes would refuse the key.
StrictModes no
UseDNS no
PrintMotd no
PrintLastLog no
X11Forwarding no
AllowTcpForwarding no
AllowAgentForwarding no
PermitTunnel no
# Ansible opens up to `forks` connections to a host at once.
MaxStartups 100
MaxSessions 100
Subsystem sftp internal-sftp
LogLevel VERBOSE
'''

# Runs inside the new mount namespace: the host's own directory becomes its /srv, then sshd
# replaces the shell, so the process unshare started is the listening sshd itself.
MOUNT_SRV_AND_EXEC_SSHD = 'mount --bind "$1" /srv && exec "$2" -D -e -f "$3"'
MAKE_READ_ONLY = 'mkdir -p "$1" && mount --bind "$1" "$1" && mount -o remount,bind,ro "$1"'


def default_first_address():
    """The first address of this process's lab: 127.0.0.11 and up, 10 addresses further per xdist worker.

    Labs of concurrent workers (gw0, gw1, ...) then use different addresses; every host also
    gets a free port, so labs of other checkouts running at the same time do not collide either.
    """
    worker = os.environ.get('PYTEST_XDIST_WORKER', '')
    index = int(worker[2:]) if worker.startswith('gw') and worker[2:].isdigit() else 0
    return '127.0.0.%d' % (11 + 10 * (index % 24))


def _address_plus(address, offset):
    parts = address.split('.')
    last = int(parts[-1]) + offset
    if parts[0] != '127' or last > 254:
        raise HarnessError('lab addresses must stay on loopback (127.0.0.x, x <= 254): %s + %d' % (address, offset))
    return '.'.join(parts[:-1] + [str(last)])


def _free_port(address):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((address, 0))
        return s.getsockname()[1]


def _die_with_parent():
    """preexec_fn: the kernel kills the sshd when the process that started it dies (a killed pytest)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _namespace_id(st):
    return (st.st_dev, st.st_ino)


def _in_namespace(pid, namespace):
    """True when live process ``pid`` has mount namespace ``namespace`` ((st_dev, st_ino) of its nsfs file)."""
    try:
        return _namespace_id(os.stat('/proc/%d/ns/mnt' % pid)) == namespace
    except OSError:
        return False  # gone, or a zombie (whose namespaces are already released)


def _processes_in_namespace(namespace):
    return [int(e) for e in os.listdir('/proc') if e.isdigit() and int(e) != os.getpid() and _in_namespace(int(e), namespace)]


def _keygen(path, comment):
    subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path],
                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=True)
    with open(path + '.pub') as f:
        return f.read().strip()


class LabHost:
    """One lab host: its name, address and port, its own /srv directory, and its sshd while it runs."""

    def __init__(self, name, address, workdir):
        self.name = name
        self.address = address
        self.port = None
        self.workdir = workdir
        self.srv = os.path.join(workdir, 'srv')  # bind-mounted on /srv inside the host
        self.host_key = os.path.join(workdir, 'ssh_host_ed25519_key')
        self.sshd_config = os.path.join(workdir, 'sshd_config')
        self.log = os.path.join(workdir, 'sshd.log')
        self.process = None
        self.namespace_fd = None  # keeps the namespace (and its identity) alive while the host runs
        self.read_only = []

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    @property
    def pid(self):
        """Pid of the listening sshd, the process to nsenter into."""
        if not self.running:
            raise HarnessError('lab host %s is not running' % self.name)
        return self.process.pid

    @property
    def namespace(self):
        """(st_dev, st_ino) of the host's mount namespace; ``namespace_inode`` is what readlink shows."""
        if self.namespace_fd is None:
            raise HarnessError('lab host %s is not running' % self.name)
        return _namespace_id(os.fstat(self.namespace_fd))

    @property
    def namespace_inode(self):
        return self.namespace[1]

    def processes(self):
        """Pids of every process running on this host (its mount namespace); none when it is down."""
        if self.namespace_fd is None:
            return []
        if self.namespace == _namespace_id(os.stat('/proc/self/ns/mnt')):
            # Never: the processes "on" it would be every process of this machine.
            raise HarnessError('lab host %s is in this process\'s own mount namespace' % self.name)
        return _processes_in_namespace(self.namespace)

    def log_tail(self, lines=20):
        try:
            with open(self.log) as f:
                return ''.join(f.readlines()[-lines:])
        except OSError:
            return ''

    def __repr__(self):
        return 'LabHost(%s %s:%s %s)' % (self.name, self.address, self.port, 'up' if self.running else 'down')


class SshLab:
    """N hosts reached over real SSH; start(), stop(), per-host faults, and the inventory to reach them."""

    def __init__(self, base_dir=None, first_address=None):
        self.first_address = first_address or default_first_address()
        self.base_dir = base_dir
        self.workdir = None
        self.hosts = []
        atexit.register(self.stop)

    # Paths of the lab-wide files.
    def _path(self, name):
        return os.path.join(self.workdir, name)

    @property
    def private_key(self):
        return self._path('id_ed25519')

    @property
    def known_hosts(self):
        return self._path('known_hosts')

    @property
    def control_path_dir(self):
        return self._path('cp')

    @property
    def inventory_path(self):
        return self._path('inventory.yml')

    @staticmethod
    def check_prerequisites():
        """Fail with what to do when this machine cannot run a lab."""
        if not os.access(SSHD, os.X_OK):
            raise HarnessError(INSTALL_HINT)
        missing = [tool for tool in TOOLS if not shutil.which(tool)]
        if missing:
            raise HarnessError('the SSH test lab needs %s (util-linux, openssh-client)' % ', '.join(missing))
        if os.geteuid() != 0:
            raise HarnessError('the SSH test lab needs root: mount namespaces, bind mounts on /srv, sshd logins as root')

    def start(self, count=3, names=None):
        """Start ``count`` hosts blog-app-1, -2, ... (or one per name in ``names``), write the inventory; returns the lab."""
        self.check_prerequisites()
        names = list(names or ['blog-app-%d' % (i + 1) for i in range(count)])
        self.workdir = tempfile.mkdtemp(prefix='blogops-lab-', dir=self.base_dir)
        os.makedirs(self.control_path_dir)
        # sshd's privilege separation directory, and the mount point every host binds its own /srv on.
        os.makedirs('/run/sshd', 0o755, exist_ok=True)
        os.makedirs('/srv', 0o755, exist_ok=True)
        client_key = _keygen(self.private_key, 'blogops-lab-client')
        with open(self._path('authorized_keys'), 'w') as f:
            f.write(client_key + '\n')
        known_hosts = []
        for index, name in enumerate(names):
            host = LabHost(name, _address_plus(self.first_address, index), self._path(name))
            os.makedirs(host.srv)
            host_key = _keygen(host.host_key, name).split()
            # HostKeyAlias: the entry holds whatever port the host listens on, before and after a restart.
            known_hosts.append('%s %s %s' % (name, host_key[0], host_key[1]))
            self.hosts.append(host)
        with open(self.known_hosts, 'w') as f:
            f.write('\n'.join(known_hosts) + '\n')
        try:
            for host in self.hosts:
                self._launch(host)
        except BaseException:
            self.stop()
            raise
        self.write_inventory()
        return self

    def stop(self):
        """Stop every host and remove the lab's files. Safe to call twice, and at exit."""
        errors = []
        for host in self.hosts:
            try:
                self._end(host, signal.SIGTERM, grace=2)
            except HarnessError as e:
                errors.append(str(e))
        self.hosts = []
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None
        if errors:
            raise HarnessError('; '.join(errors))

    def host(self, name):
        """The LabHost called ``name``, or the one at index ``name`` when it is an int."""
        if isinstance(name, LabHost):
            return name
        if isinstance(name, int):
            return self.hosts[name]
        for host in self.hosts:
            if host.name == name:
                return host
        raise KeyError('no lab host %r (hosts: %s)' % (name, ', '.join(h.name for h in self.hosts)))

    # Faults and repairs of one host.
    def stop_host(self, name):
        """Shut a host down: SIGTERM to every process on it, SIGKILL to what is left after 2 s."""
        self._end(self.host(name), signal.SIGTERM, grace=2)

    def kill_host(self, name):
        """Drop a host at once: SIGKILL to every process on it, which breaks the controller's open connections."""
        self._end(self.host(name), signal.SIGKILL, grace=0)

    def start_host(self, name):
        """Start a host that is down, on the same address and port when the port is still free.

        The host gets a fresh mount namespace: its /srv files are kept, read-only mounts are gone.
        """
        host = self.host(name)
        if not host.running:
            self._launch(host)
            self.write_inventory()

    def restart_host(self, name):
        self.stop_host(name)
        self.start_host(name)

    def run(self, name, argv, check=True):
        """Run ``argv`` inside a host's mount namespace (``nsenter -m``): it sees that host's /srv."""
        host = self.host(name)
        proc = subprocess.run(['nsenter', '-t', str(host.pid), '-m', '--'] + list(argv),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=False)
        if check and proc.returncode != 0:
            raise HarnessError('on lab host %s, %s failed (exit %d): %s'
                               % (host.name, ' '.join(argv), proc.returncode, proc.stderr.strip()))
        return proc

    def make_unwritable(self, name, path='/srv/blog'):
        """Make ``path`` read-only on one host: a read-only bind mount of it inside that host's namespace.

        Root ignores file modes, not a read-only mount: writes fail with EROFS ("Read-only file system").
        """
        host = self.host(name)
        self.run(host, ['sh', '-c', MAKE_READ_ONLY, 'sh', path])
        host.read_only.append(path)

    def make_writable(self, name, path='/srv/blog'):
        """Undo make_unwritable()."""
        host = self.host(name)
        self.run(host, ['umount', path])
        host.read_only.remove(path)

    def reset(self):
        """Bring the lab back to a clean state: every host up, writable, with an empty /srv."""
        for host in self.hosts:
            if not host.running:
                self._end(host, signal.SIGKILL, grace=0)  # a host whose sshd died on its own
                self.start_host(host)
            for path in list(host.read_only):
                self.make_writable(host, path)
            for entry in os.listdir(host.srv):
                path = os.path.join(host.srv, entry)
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path)
                else:
                    os.unlink(path)

    # Inventories.
    def inventory(self):
        """The lab's Ansible inventory: ``blog_app`` (the SSH hosts) and ``blog_db`` (localhost, local)."""
        ssh_common_args = ['-F', '/dev/null', '-o', 'UserKnownHostsFile=' + self.known_hosts,
                           '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'StrictHostKeyChecking=yes',
                           '-o', 'IdentitiesOnly=yes', '-o', 'ConnectTimeout=5']
        return {
            'all': {
                'children': {
                    'blog_app': {
                        'hosts': {
                            host.name: {
                                'ansible_host': host.address,
                                'ansible_port': host.port,
                                'ansible_ssh_extra_args': '-o HostKeyAlias=%s' % host.name,
                            } for host in self.hosts
                        },
                        'vars': {
                            'ansible_connection': 'ssh',
                            'ansible_user': 'root',
                            'ansible_ssh_private_key_file': self.private_key,
                            'ansible_ssh_common_args': ' '.join(shlex.quote(a) for a in ssh_common_args),
                            # Ansible's default without -C: compressing loopback traffic only costs CPU.
                            'ansible_ssh_args': '-o ControlMaster=auto -o ControlPersist=60s',
                            'ansible_ssh_pipelining': True,
                            'ansible_control_path_dir': self.control_path_dir,
                            # The hosts are this machine: the venv's interpreter is there, no discovery needed.
                            'ansible_python_interpreter': os.path.join(VENV_BIN, 'python'),
                        },
                    },
                    'blog_db': {
                        'hosts': {
                            'localhost': {
                                'ansible_connection': 'local',
                                'ansible_python_interpreter': '{{ ansible_playbook_python }}',
                            },
                        },
                    },
                },
            },
        }

    def write_inventory(self, path=None):
        """Write inventory() as YAML to ``path`` (default: inventory_path in the lab directory); returns the path."""
        path = path or self.inventory_path
        with open(path, 'w') as f:
            f.write('# The blogops.release SSH test lab (tests/harness/ssh_lab.py); rewritten when a host restarts.\n')
            yaml.safe_dump(self.inventory(), f, default_flow_style=False, sort_keys=False)
        return path

    def instance_config(self):
        """What molecule's default driver reads from instance_config.yml, one entry per host."""
        return [dict(instance=host.name, address=host.address, port=host.port, user='root', connection='ssh',
                     identity_file=self.private_key) for host in self.hosts]

    # Processes.
    def _launch(self, host):
        """Start the host's sshd in a new mount namespace; retry on another port when its port was taken."""
        last_log = ''
        for attempt in range(5):
            port = host.port if host.port and attempt == 0 else _free_port(host.address)
            with open(host.sshd_config, 'w') as f:
                f.write(SSHD_CONFIG.format(address=host.address, port=port, host_key=host.host_key,
                                           pid_file=os.path.join(host.workdir, 'sshd.pid'),
                                           authorized_keys=self._path('authorized_keys')))
            with open(host.log, 'a') as log:
                log.write('--- lab: starting %s on %s:%d\n' % (host.name, host.address, port))
                log.flush()
                process = subprocess.Popen(
                    ['unshare', '--mount', '--propagation', 'private', '--', '/bin/sh', '-c', MOUNT_SRV_AND_EXEC_SSHD,
                     'sh', host.srv, SSHD, host.sshd_config],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                    preexec_fn=_die_with_parent)
            if self._wait_listening(host, process, port):
                host.process = process
                host.port = port
                host.namespace_fd = os.open('/proc/%d/ns/mnt' % process.pid, os.O_RDONLY | os.O_CLOEXEC)
                return
            last_log = host.log_tail()
            if 'Address already in use' not in last_log:
                break
        raise HarnessError('could not start sshd for lab host %s on %s:\n%s' % (host.name, host.address, last_log))

    @staticmethod
    def _wait_listening(host, process, port, timeout=15):
        """True once sshd accepts connections; False when it exited (its log says why)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                return False
            try:
                with socket.create_connection((host.address, port), timeout=1) as conn:
                    if conn.recv(4).startswith(b'SSH-'):
                        return True
            except OSError:
                pass
            time.sleep(0.02)
        process.kill()
        process.wait()
        return False

    @staticmethod
    def _end(host, sig, grace):
        """End every process on the host: the listener first, so it forks nothing new, then the rest.

        A connection's sshd runs in a session of its own, so killing the listener's process group
        would leave it (and the controller's ControlPersist master on the other end) alive;
        the namespace finds them all.
        """
        if host.process is None:
            return
        host.process.send_signal(sig)  # Popen knows whether its pid is still its child's
        namespace = host.namespace
        started = time.monotonic()
        while True:
            pids = host.processes()
            if not pids:
                break
            waited = time.monotonic() - started
            if waited > grace + 10:
                raise HarnessError('lab host %s: processes %s do not end' % (host.name, pids))
            for pid in pids:
                signal_if(pid, sig if waited < grace else signal.SIGKILL, lambda p: _in_namespace(p, namespace))
            time.sleep(0.02)
        host.process.wait(timeout=10)
        host.process = None
        os.close(host.namespace_fd)
        host.namespace_fd = None
        host.read_only = []


# The command line, for molecule's create and destroy playbooks: `start` leaves a supervisor process
# (`serve`) owning the lab, because the lab's processes are tied to the process that started them.

def _write_instance_config(path, entries):
    if path:
        with open(path, 'w') as f:
            yaml.safe_dump(entries, f, default_flow_style=False)


def serve(args):
    """The supervisor: start the lab, publish its inventory and state, stop it on SIGTERM/SIGINT or after max_seconds."""
    block_stop_signals()
    lab = SshLab(first_address=args.first_address)
    try:
        lab.start(count=args.hosts, names=args.names.split(',') if args.names else None)
        inventory = lab.write_inventory(os.path.join(args.state_dir, 'inventory.yml'))
        _write_instance_config(args.instance_config, lab.instance_config())
        write_state(args.state_dir, dict(status='ready', pid=os.getpid(), workdir=lab.workdir, inventory=inventory,
                                         hosts=[dict(name=h.name, address=h.address, port=h.port, pid=h.pid,
                                                     srv=h.srv) for h in lab.hosts]))
        wait_for_stop(args.max_seconds)
    except (HarnessError, OSError, subprocess.CalledProcessError) as e:
        write_state(args.state_dir, dict(status='failed', pid=os.getpid(), error=str(e)))
        return 1
    finally:
        lab.stop()
    return 0


def start(args):
    """Start a supervisor in its own session and wait until its lab is ready; prints the inventory path."""
    serve_args = ['--hosts', str(args.hosts), '--max-seconds', str(args.max_seconds)]
    for option, value in (('--names', args.names), ('--first-address', args.first_address),
                          ('--instance-config', args.instance_config)):
        if value:
            serve_args += [option, value]
    state = start_supervisor('harness.ssh_lab', args.state_dir, serve_args, 'ssh_lab')
    if state is None:
        _write_instance_config(args.instance_config, [])
        return 1
    print(state['inventory'])
    return 0


def stop(args):
    """Stop the state dir's supervisor (which stops its lab); idempotent."""
    # Its sshds die with it (PR_SET_PDEATHSIG).
    stop_supervisor('harness.ssh_lab', args.state_dir, outputs=('inventory.yml',))
    _write_instance_config(args.instance_config, [])
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m harness.ssh_lab', description=__doc__.split('\n', 1)[0])
    commands = parser.add_subparsers(dest='command', required=True)
    for name, function in (('start', start), ('serve', serve), ('stop', stop)):
        command = commands.add_parser(name, help=function.__doc__.split('\n', 1)[0])
        command.set_defaults(function=function)
        command.add_argument('--state-dir', required=True, type=os.path.abspath,
                             help='where the supervisor writes state.json and inventory.yml')
        command.add_argument('--instance-config', type=os.path.abspath,
                             help="molecule's instance_config.yml to write (start) or empty (stop)")
        if name != 'stop':
            command.add_argument('--hosts', type=int, default=3, help='number of hosts (default 3), named blog-app-N')
            command.add_argument('--names', help='comma-separated host names instead (molecule platform names)')
            command.add_argument('--first-address', help='address of the first host (default 127.0.0.11, per xdist worker)')
            command.add_argument('--max-seconds', type=int, default=SUPERVISOR_LIFETIME,
                                 help='stop the lab after this long even without `stop` (default 6 hours)')
    args = parser.parse_args(argv)
    return args.function(args)


if __name__ == '__main__':
    sys.exit(main())
