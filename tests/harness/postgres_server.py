# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A real PostgreSQL server for the demo, the tests and the benchmarks.

Either a throwaway cluster that this module creates in a temporary directory (``initdb`` +
``pg_ctl`` on a free loopback port, as a non-root user when run as root) or the server named by
``BLOGOPS_TEST_DSN`` (a libpq URI or key=value string of a role that may create databases).

Inside the throwaway cluster, TCP connections need the password (scram-sha-256) and the Unix
socket is trusted: the harness administers through the socket, the collection is tested over
TCP with a password, as operators use it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import atexit
import json
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile

import psycopg2
import psycopg2.extensions

from harness.supervisor import block_stop_signals, start, stop, wait_for_stop, write_state

SERVER_PROGRAMS = ('initdb', 'pg_ctl', 'postgres')
INSTALL_HINT = (
    'PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found. Install them: '
    "'apt-get install postgresql' (Debian, Ubuntu), 'dnf install postgresql-server' (Fedora, RHEL), "
    "'brew install postgresql@16' (macOS); or set BLOGOPS_PG_BINDIR to their directory, "
    'or BLOGOPS_TEST_DSN to an existing server (postgresql://user:password@host:port/dbname).'
)


class HarnessError(RuntimeError):
    """The harness cannot provide a server; the message says what to do."""


def _version_key(path):
    digits = ''.join(c if c.isdigit() else ' ' for c in path).split()
    return [int(d) for d in digits]


def find_server_bindir():
    """Directory holding initdb, pg_ctl and postgres, newest version first."""
    candidates = []
    if os.environ.get('BLOGOPS_PG_BINDIR'):
        candidates.append(os.environ['BLOGOPS_PG_BINDIR'])
    for pattern in ('/usr/lib/postgresql/*/bin', '/usr/pgsql-*/bin', '/opt/homebrew/opt/postgresql@*/bin',
                    '/usr/local/opt/postgresql@*/bin'):
        candidates.extend(sorted(glob.glob(pattern), key=_version_key, reverse=True))
    candidates.extend(os.environ.get('PATH', '').split(os.pathsep))
    candidates.extend(['/usr/local/pgsql/bin'])
    for directory in candidates:
        if directory and all(os.access(os.path.join(directory, p), os.X_OK) for p in SERVER_PROGRAMS):
            return directory
    raise HarnessError(INSTALL_HINT)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class PostgresServer:
    """What tests need from a server: admin sessions, scratch databases, connection options."""

    host = None
    port = None
    user = None
    password = None
    bindir = None

    def admin_params(self, dbname):
        raise NotImplementedError

    def connect(self, dbname='postgres', autocommit=True):
        conn = psycopg2.connect(**self.admin_params(dbname))
        conn.autocommit = autocommit
        return conn

    def query(self, dbname, sql, params=None):
        """Rows of ``sql`` as dicts (an admin session, autocommit)."""
        conn = self.connect(dbname)
        try:
            with conn.cursor() as cursor:
                cursor.execute(sql, params)
                if cursor.description is None:
                    return []
                names = [c.name for c in cursor.description]
                return [dict(zip(names, row)) for row in cursor.fetchall()]
        finally:
            conn.close()

    def create_database(self, name):
        conn = self.connect()
        try:
            with conn.cursor() as cursor:
                cursor.execute('CREATE DATABASE "%s" TEMPLATE template0 ENCODING \'UTF8\'' % name)
        finally:
            conn.close()

    def drop_database(self, name):
        conn = self.connect()
        try:
            with conn.cursor() as cursor:
                cursor.execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)
        finally:
            conn.close()

    def module_params(self, dbname):
        """Connection options of the collection's modules, over TCP with the password."""
        return dict(login_host=self.host, login_port=self.port, login_user=self.user,
                    login_password=self.password, login_db=dbname)

    def stop(self):
        pass


class ThrowawayServer(PostgresServer):
    """A cluster in a temporary directory, removed by stop()."""

    def __init__(self, base_dir=None, password=None, settings=None):
        self.bindir = find_server_bindir()
        self.workdir = tempfile.mkdtemp(prefix='blogops-pg-', dir=base_dir)
        self.datadir = os.path.join(self.workdir, 'data')
        self.socket_dir = os.path.join(self.workdir, 'socket')
        self.logfile = os.path.join(self.workdir, 'server.log')
        self.host = '127.0.0.1'
        self.user = 'postgres'
        self.password = password or secrets.token_urlsafe(18)
        self.settings = dict(fsync='off', synchronous_commit='off', full_page_writes='off', max_connections='200')
        self.settings.update(settings or {})
        self.run_as = None
        if os.geteuid() == 0:
            self.run_as = self._unprivileged_user()
            uid, gid = pwd.getpwnam(self.run_as)[2:4]
            os.chown(self.workdir, uid, gid)
        self._started = False
        atexit.register(self.stop)
        self._init()
        self.start()

    @staticmethod
    def _unprivileged_user():
        # initdb refuses to run as root.
        for name in ('postgres', 'nobody'):
            try:
                pwd.getpwnam(name)
                return name
            except KeyError:
                continue
        raise HarnessError('running as root and neither a postgres nor a nobody user exists to run initdb as')

    def _run(self, argv):
        if self.run_as:
            if not shutil.which('runuser'):
                raise HarnessError('running as root needs runuser (util-linux) to start PostgreSQL as %s' % self.run_as)
            argv = ['runuser', '-u', self.run_as, '--'] + argv
        proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
        if proc.returncode != 0:
            raise HarnessError('%s failed (exit %d):\n%s' % (os.path.basename(argv[-1] if self.run_as else argv[0]),
                                                             proc.returncode, proc.stdout))
        return proc.stdout

    def _as_owner(self, path):
        if self.run_as:
            uid, gid = pwd.getpwnam(self.run_as)[2:4]
            os.chown(path, uid, gid)

    def _init(self):
        os.mkdir(self.socket_dir, 0o700)
        self._as_owner(self.socket_dir)
        pwfile = os.path.join(self.workdir, 'pwfile')
        fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, 'w') as f:
            f.write(self.password + '\n')
        self._as_owner(pwfile)
        try:
            self._run([os.path.join(self.bindir, 'initdb'), '-D', self.datadir, '-U', self.user, '--pwfile', pwfile,
                       '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync'])
        finally:
            os.unlink(pwfile)

    def start(self):
        options = ['-c listen_addresses=127.0.0.1', '-k %s' % self.socket_dir]
        options += ['-c %s=%s' % item for item in sorted(self.settings.items())]
        last_error = None
        # A restarted server comes back on its port, as a real one does; clients keep their settings.
        ports = ([self.port] if self.port else []) + [None] * 5
        for port in ports:
            self.port = port or free_port()
            try:
                self._run([os.path.join(self.bindir, 'pg_ctl'), '-D', self.datadir, '-l', self.logfile, '-w', '-t', '60',
                           '-o', ' '.join(options + ['-p %d' % self.port]), 'start'])
                self._started = True
                return
            except HarnessError as e:
                last_error = e
        raise HarnessError('could not start PostgreSQL: %s\n%s' % (last_error, self.log_tail()))

    def stop_server(self, mode='fast'):
        """Stop the server but keep its files (start() brings it back)."""
        if self._started:
            self._run([os.path.join(self.bindir, 'pg_ctl'), '-D', self.datadir, '-m', mode, '-w', 'stop'])
            self._started = False

    def stop(self):
        try:
            self.stop_server()
        finally:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def log_tail(self, lines=30):
        try:
            with open(self.logfile) as f:
                return ''.join(f.readlines()[-lines:])
        except OSError:
            return ''

    def admin_params(self, dbname):
        return dict(host=self.socket_dir, port=self.port, user=self.user, dbname=dbname)


class ExistingServer(PostgresServer):
    """The server of BLOGOPS_TEST_DSN."""

    def __init__(self, dsn):
        params = psycopg2.extensions.parse_dsn(dsn)
        self.params = params
        self.host = params.get('host', '127.0.0.1')
        self.port = int(params.get('port', 5432))
        self.user = params.get('user', 'postgres')
        self.password = params.get('password', '')
        self.bindir = os.path.dirname(shutil.which('pg_dump') or '/usr/bin/pg_dump')

    def admin_params(self, dbname):
        return dict(self.params, dbname=dbname)


def suite_server(**kwargs):
    """The server the suite uses: BLOGOPS_TEST_DSN when set, else a new throwaway cluster, whose password is
    BLOGOPS_TEST_PASSWORD when set (so that the suite can look for it everywhere afterwards)."""
    dsn = os.environ.get('BLOGOPS_TEST_DSN')
    if dsn:
        return ExistingServer(dsn)
    if os.environ.get('BLOGOPS_TEST_PASSWORD') and 'password' not in kwargs:
        kwargs['password'] = os.environ['BLOGOPS_TEST_PASSWORD']
    return ThrowawayServer(**kwargs)


# The command line, for molecule's create and destroy playbooks: `start` leaves a supervisor process
# owning the server and writes the playbooks' connection variables to <state dir>/connection.yml (0600).

def serve(args):
    """The supervisor: start a server with a blog database, publish how to reach it, stop it on SIGTERM."""
    block_stop_signals()
    server = None
    try:
        server = suite_server()
        server.create_database(args.database)
        variables = dict(blog_db_host=server.host, blog_db_port=server.port, blog_db_user=server.user,
                         blog_db_password=server.password, blog_db_name=args.database)
        path = os.path.join(args.state_dir, 'connection.yml')
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, 'w') as f:
            json.dump(variables, f)  # JSON is YAML: ansible-playbook -e @connection.yml reads it
        write_state(args.state_dir, dict(status='ready', pid=os.getpid(), connection=path, port=server.port))
        wait_for_stop(args.max_seconds)
    except (HarnessError, OSError, psycopg2.Error) as e:
        write_state(args.state_dir, dict(status='failed', pid=os.getpid(), error=str(e)))
        return 1
    finally:
        if server is not None:
            server.stop()
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m harness.postgres_server',
                                     description='A throwaway PostgreSQL server for molecule scenarios.')
    parser.add_argument('command', choices=['start', 'serve', 'stop'])
    parser.add_argument('--state-dir', required=True, type=os.path.abspath)
    parser.add_argument('--database', default='blog')
    parser.add_argument('--max-seconds', type=int, default=6 * 3600)
    args = parser.parse_args(argv)
    if args.command == 'serve':
        return serve(args)
    if args.command == 'stop':
        stop('harness.postgres_server', args.state_dir, outputs=('connection.yml',))
        return 0
    state = start('harness.postgres_server', args.state_dir,
                  ['--database', args.database, '--max-seconds', str(args.max_seconds)], 'postgres_server')
    if state is None:
        return 1
    print(state['connection'])
    return 0


if __name__ == '__main__':
    sys.exit(main())
