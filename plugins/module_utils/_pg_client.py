# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Running PostgreSQL's client programs (pg_dump, pg_restore, psql) with the module's connection.

The connection travels as a libpq connection string without the password; the password goes
into a passfile (0600, in the module's private temporary directory, removed right after), so it
never appears in a command line, in the environment or in a message. The programs' errors are
returned verbatim, with any secret replaced by ``********``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import os
import re
import signal
import subprocess
import tempfile
import time
from contextlib import contextmanager

from ansible_collections.community.postgresql.plugins.module_utils.postgres import get_conn_params

STDERR_LIMIT = 16000
CHUNK = 1024 * 1024
_PARAM_NAME = re.compile(r'^[a-z_]+$', re.ASCII)
_VERSION = re.compile(r'(\d+(?:\.\d+)*)', re.ASCII)
# F_SETPIPE_SZ (Linux): a larger pipe means fewer context switches while a dump streams through us.
_F_SETPIPE_SZ = 1031


class ClientProgramError(RuntimeError):
    """A client program that could not be found, started or did not succeed; the message says which and why."""


def spawn(argv, **options):
    """Start a client program. Not AnsibleModule.run_command: that keeps all output in memory, and a dump
    streams gigabytes through us; errors go to a temporary file for the same reason."""
    return subprocess.Popen(argv, close_fds=True, **options)  # pylint: disable=ansible-bad-function


def connection_parameters(module):
    """libpq parameters of the module's connection options (community.postgresql's mapping)."""
    params = get_conn_params(module, module.params, warn_db_default=False)
    return dict((key, value) for key, value in params.items() if value is not None and value != '')


def quote_conninfo_value(value):
    return "'%s'" % str(value).replace('\\', '\\\\').replace("'", "\\'")


def passfile_line(password):
    """A ~/.pgpass line matching every server, database and user, for ``password``."""
    return '*:*:*:*:%s\n' % password.replace('\\', '\\\\').replace(':', '\\:')


class PgClient:
    """The client programs for one connection (libpq parameters as get_conn_params gives them)."""

    def __init__(self, params, tmpdir, bin_dir=None, find_program=None, application_name=None):
        params = dict(params)
        self.password = params.pop('password', None)
        for key in params:
            if not _PARAM_NAME.fullmatch(key):
                raise ClientProgramError('invalid libpq connection parameter name %r' % key)
        if application_name:
            params.setdefault('application_name', application_name)
        self.params = params
        self.tmpdir = tmpdir
        self.bin_dir = bin_dir
        self._find_program = find_program
        self._paths = {}

    def secrets(self):
        return [s for s in (self.password,) if s]

    def scrub(self, text):
        for secret in self.secrets():
            text = text.replace(secret, '********')
        return text

    def conninfo(self, dbname=None):
        """The connection string, without the password, for ``dbname`` (default: the connection's)."""
        params = dict(self.params)
        if dbname is not None:
            params['dbname'] = dbname
        return ' '.join('%s=%s' % (key, quote_conninfo_value(value)) for key, value in sorted(params.items()))

    def program(self, name):
        """Path of client program ``name``: in bin_dir when given, else on the PATH."""
        if name not in self._paths:
            if self.bin_dir:
                path = os.path.join(self.bin_dir, name)
                if not os.access(path, os.X_OK):
                    raise ClientProgramError('%s is not an executable program (pg_bin_dir is %s)' % (path, self.bin_dir))
            else:
                path = self._find_program(name) if self._find_program else None
                if not path:
                    raise ClientProgramError('%s was not found on the PATH; install the PostgreSQL client programs '
                                             "(for example 'apt-get install postgresql-client') or set pg_bin_dir" % name)
            self._paths[name] = path
        return self._paths[name]

    def version(self, name):
        """The version of client program ``name``, such as ``15.18``."""
        argv = [self.program(name), '--version']
        try:
            out = spawn(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                        universal_newlines=True).communicate()[0]
        except OSError as e:
            raise ClientProgramError('cannot run %s: %s' % (argv[0], e))
        match = _VERSION.search(out.split(')', 1)[-1]) or _VERSION.search(out)
        if not match:
            raise ClientProgramError('cannot tell the version of %s from %r' % (argv[0], out.strip()))
        return match.group(1)

    @contextmanager
    def environment(self):
        """The programs' environment: the password in a passfile that exists only inside this block."""
        env = dict(os.environ)
        if not self.password:
            yield env
            return
        fd, path = tempfile.mkstemp(prefix='pgpass-', dir=self.tmpdir)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, 'w') as f:
                f.write(passfile_line(self.password))
            # libpq prefers PGPASSWORD to the passfile: an inherited one must not win over the module's option.
            env.pop('PGPASSWORD', None)
            env['PGPASSFILE'] = path
            yield env
        finally:
            try:
                os.unlink(path)
            except OSError:
                pass

    def failure(self, what, name, returncode, stderr):
        """The ClientProgramError of a program that did not succeed, with its own words."""
        if returncode < 0:
            try:
                how = 'was killed by signal %d (%s)' % (-returncode, signal.Signals(-returncode).name)
            except ValueError:
                how = 'was killed by signal %d' % -returncode
        else:
            how = 'failed with exit code %d' % returncode
        text = self.scrub(stderr.strip()) or '(no error output)'
        return ClientProgramError('%s: %s %s:\n%s' % (what, name, how, text))

    def run(self, what, name, args, env, stdin_chunks=None):
        """Run program ``name`` with ``args``, its standard input the bytes of ``stdin_chunks`` (an iterable)
        or nothing; output discarded, errors raised as ClientProgramError."""
        argv = [self.program(name)] + list(args)
        with tempfile.TemporaryFile(dir=self.tmpdir) as err:
            try:
                proc = spawn(argv, stdin=subprocess.DEVNULL if stdin_chunks is None else subprocess.PIPE,
                             stdout=subprocess.DEVNULL, stderr=err, env=env)
            except OSError as e:
                raise ClientProgramError('%s: cannot start %s: %s' % (what, argv[0], e))
            if stdin_chunks is not None:
                _feed(proc, stdin_chunks)
            returncode = proc.wait()
            stderr = _tail(err)
        if returncode != 0:
            raise self.failure(what, name, returncode, stderr)
        return stderr

    def stream_to_file(self, what, name, args, env, path):
        """Run program ``name`` writing to its standard output, and copy that into ``path`` while
        hashing it. Returns (sha256, size, seconds spent hashing); the file is fsynced."""
        argv = [self.program(name)] + list(args)
        digest = hashlib.sha256()
        size = 0
        hashing = 0.0
        buf = bytearray(CHUNK)
        view = memoryview(buf)
        with tempfile.TemporaryFile(dir=self.tmpdir) as err:
            with open(path, 'wb', buffering=0) as out:
                try:
                    proc = spawn(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err, env=env, bufsize=0)
                except OSError as e:
                    raise ClientProgramError('%s: cannot start %s: %s' % (what, argv[0], e))
                try:
                    try:
                        import fcntl
                        fcntl.fcntl(proc.stdout.fileno(), _F_SETPIPE_SZ, CHUNK)
                    except (ImportError, OSError):
                        pass
                    while True:
                        count = proc.stdout.readinto(buf)
                        if not count:
                            break
                        chunk = view[:count]
                        started = time.perf_counter()
                        digest.update(chunk)
                        hashing += time.perf_counter() - started
                        while chunk:
                            chunk = chunk[out.write(chunk):]
                        size += count
                    os.fsync(out.fileno())
                except BaseException:
                    proc.kill()
                    proc.wait()
                    raise
                finally:
                    proc.stdout.close()
                returncode = proc.wait()
            stderr = _tail(err)
        if returncode != 0:
            raise self.failure(what, name, returncode, stderr)
        return digest.hexdigest(), size, hashing


def _feed(proc, chunks):
    """Write ``chunks`` to the program's standard input; a program that stops reading (it failed) ends the feed."""
    try:
        try:
            for chunk in chunks:
                proc.stdin.write(chunk)
        finally:
            proc.stdin.close()
    except BrokenPipeError:
        pass
    except BaseException:
        proc.kill()
        proc.wait()
        raise


def _tail(handle):
    """The last STDERR_LIMIT characters a program wrote to ``handle``."""
    handle.seek(0, os.SEEK_END)
    length = handle.tell()
    handle.seek(max(0, length - STDERR_LIMIT))
    text = handle.read().decode('utf-8', 'replace')
    return text if length <= STDERR_LIMIT else '...' + text
