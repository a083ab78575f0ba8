# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fixtures of the integration tests: a real PostgreSQL server, a fresh database per test,
real ansible-playbook runs against it, and an SSH test lab of three app hosts."""

import os
import shutil
import tempfile
import uuid

import pytest

from deploy_env import Blog
from harness.playbook import play_text, run_playbook, start_playbook
from harness.postgres_server import HarnessError, suite_server
from harness.ssh_lab import SshLab

from deploy_env import Blog


@pytest.fixture(scope='session')
def pg_server():
    try:
        server = suite_server()
    except HarnessError as e:
        pytest.exit(str(e), returncode=3)
    yield server
    server.stop()


class BlogDatabase:
    """A scratch database: its name, rows of queries, and the playbooks' connection variables."""

    def __init__(self, server, name):
        self.server = server
        self.name = name

    def query(self, sql, params=None):
        return self.server.query(self.name, sql, params)

    def execute(self, sql, params=None):
        self.server.query(self.name, sql, params)

    def table_exists(self, name, schema='public'):
        return self.query('SELECT to_regclass(%s) IS NOT NULL AS e', ('"%s"."%s"' % (schema, name),))[0]['e']

    def rows(self, table, order_by='1'):
        return self.query('SELECT * FROM %s ORDER BY %s' % (table, order_by))

    @property
    def playbook_vars(self):
        return dict(blog_db_host=self.server.host, blog_db_port=self.server.port, blog_db_user=self.server.user,
                    blog_db_password=self.server.password, blog_db_name=self.name)


@pytest.fixture
def blog_db(pg_server):
    name = 'blog_test_%s' % uuid.uuid4().hex[:10]
    pg_server.create_database(name)
    yield BlogDatabase(pg_server, name)
    pg_server.drop_database(name)


class Ansible:
    """Runs plays against the test database; each run gets the connection variables from a file."""

    def __init__(self, workdir, database):
        self.workdir = str(workdir)
        self.database = database

    def _write_play(self, tasks, play_vars, hosts):
        fd, path = tempfile.mkstemp(prefix='play-', suffix='.yml', dir=self.workdir)
        with os.fdopen(fd, 'w') as f:
            f.write(play_text(tasks, hosts=hosts, play_vars=play_vars))
        return path

    def play(self, tasks, check=False, diff=False, extra_vars=None, play_vars=None, hosts='localhost', **kwargs):
        variables = dict(self.database.playbook_vars)
        variables.update(extra_vars or {})
        return run_playbook(self._write_play(tasks, play_vars, hosts), self.workdir, extra_vars=variables, check=check,
                            diff=diff, **kwargs)

    def start(self, tasks, extra_vars=None, play_vars=None, hosts='localhost', **kwargs):
        """Like play, in the background: returns a RunningPlaybook (wait() gives the PlaybookRun, kill() kills it).

        Ansible's temporary files go under the test's directory: a killed run cannot remove them.
        """
        variables = dict(self.database.playbook_vars)
        variables.update(extra_vars or {})
        env = dict(ANSIBLE_LOCAL_TEMP=os.path.join(self.workdir, 'ansible-local'),
                   ANSIBLE_REMOTE_TMP=os.path.join(self.workdir, 'ansible-remote'))
        env.update(kwargs.pop('env', None) or {})
        return start_playbook(self._write_play(tasks, play_vars, hosts), self.workdir, extra_vars=variables, env=env,
                              **kwargs)

    def playbook(self, path, **kwargs):
        variables = dict(self.database.playbook_vars)
        variables.update(kwargs.pop('extra_vars', None) or {})
        return run_playbook(path, self.workdir, extra_vars=variables, **kwargs)


@pytest.fixture
def ansible(tmp_path, blog_db):
    return Ansible(tmp_path, blog_db)


@pytest.fixture(scope='session')
def deployed_template(pg_server, tmp_path_factory):
    """core 1.0.0 and comments 1.0.0 deployed once per worker, into a template database and a directory:
    the deploy tests, on localhost and on the SSH lab, start from copies of it."""
    base = tmp_path_factory.mktemp('deployed')
    database = BlogDatabase(pg_server, 'blog_template_deployed')
    pg_server.create_database(database.name)
    blog = Blog(base, Ansible(base / 'runs', database), database)
    for module in ('core', 'comments'):
        run = blog.deploy(module, '1.0.0')
        assert run.ok, run
    return blog


@pytest.fixture(scope='session')
def ssh_lab_session():
    """One lab of three hosts per xdist worker, on that worker's addresses (gw0: 127.0.0.11-13, gw1: .21-23)."""
    try:
        lab = SshLab().start(3)
    except HarnessError as e:
        pytest.fail(str(e), pytrace=False)
    yield lab
    lab.stop()


@pytest.fixture
def ssh_lab(ssh_lab_session):
    """The worker's SSH lab (harness.ssh_lab.SshLab), reset for this test: every host up, writable, /srv empty.

    Its inventory is ``ssh_lab.inventory_path``: group ``blog_app`` holds the hosts, ``blog_db`` localhost.
    """
    ssh_lab_session.reset()
    return ssh_lab_session


@pytest.fixture
def blog(tmp_path, ansible, blog_db):
    return Blog(tmp_path, ansible, blog_db)


@pytest.fixture
def deployed(blog, deployed_template, pg_server):
    """core 1.0.0 and comments 1.0.0 live: a copy of the template's database, releases and backups."""
    pg_server.drop_database(blog.db.name)
    pg_server.query('postgres', 'CREATE DATABASE "%s" TEMPLATE "%s"' % (blog.db.name, deployed_template.db.name))
    for attribute in ('release_root', 'backup_dir'):
        shutil.copytree(getattr(deployed_template, attribute), getattr(blog, attribute), symlinks=True)
    return blog


# Secrets: with BLOGOPS_TEST_PASSWORD set (scripts/test sets it), the suite's server has that password, and after
# every test each file the test left (playbook output, captured results and stats, backups, sidecars, logs) is read
# and must not contain it. The extra-vars files (and the docs examples' overrides) are the operator's input, where
# the password is given on purpose (an AWX job's env/extravars too: harness/awx_job.py). Ansible's own remote
# temporary directories (ansible-tmp-*: the module payload with its arguments, and a module's passfile) exist while a
# module runs and are removed when it ends; only a run killed with SIGKILL leaves one behind, mode 0700 under the
# remote temp directory. The scan skips them.

INPUT_FILES = ('extra-vars-', '.test-overrides', 'extravars')
IN_FLIGHT_DIRS = ('ansible-tmp-',)


def files_with(directory, secret):
    found, scanned = [], 0
    needle = secret.encode()
    for base, dirs, names in os.walk(directory):
        dirs[:] = [d for d in dirs if not d.startswith(IN_FLIGHT_DIRS)]
        for name in names:
            path = os.path.join(base, name)
            if name.startswith(INPUT_FILES) or os.path.islink(path) or not os.path.isfile(path):
                continue
            scanned += 1
            try:
                with open(path, 'rb') as f:
                    if needle in f.read():
                        found.append(path)
            except OSError:
                continue
    return found, scanned


@pytest.fixture(autouse=True)
def no_secret_left(request, tmp_path):
    secret = os.environ.get('BLOGOPS_TEST_PASSWORD')
    yield
    if not secret:
        return
    found, scanned = files_with(str(tmp_path), secret)
    server = request.getfixturevalue('pg_server') if 'pg_server' in request.fixturenames else None
    if getattr(server, 'logfile', None) and os.path.exists(server.logfile):
        with open(server.logfile, 'rb') as f:
            if secret.encode() in f.read():
                found.append(server.logfile)
        scanned += 1
    from harness.fault_report import record_scan
    record_scan(request.config, request.node.nodeid, scanned, found)
    assert not found, 'the test password is in %s' % ', '.join(found)
