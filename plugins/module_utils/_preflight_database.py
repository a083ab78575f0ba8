# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Preflight's read of the database host: everything a deploy checks there, on one connection, in one module run.

READS lists the reads in the order they run. Each is a function of a PreflightRead (the open cursor, the options,
the schema rows read so far) that returns a dict merged into the module's result, or raises ReadFailed with the
message a person acts on. A database error inside a read becomes that read's error, worded by its ``failure``; the
other reads still run. Reads that need the database are skipped when the connection could not be opened.

Adding a check: write ``def read_x(read): ... return dict(x=...)``, append ``Read('x', read_x, 'cannot read x')``
to READS, and add its options to the module's argument spec (a read that does not apply returns ``{}``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.common.text.converters import to_native
from ansible_collections.blogops.release.plugins.module_utils._connection import (
    database_error_class,
    database_error_message,
    dict_cursor,
    try_connect,
)
from ansible_collections.blogops.release.plugins.module_utils._deploy_history import deploys_in_progress
from ansible_collections.blogops.release.plugins.module_utils._host_readiness import check_path
from ansible_collections.blogops.release.plugins.module_utils._migration_catalog import read_catalog
from ansible_collections.blogops.release.plugins.module_utils._migration_files import MigrationFileError, scan_migrations
from ansible_collections.blogops.release.plugins.module_utils._migration_plan import PlanError, group_steps, plan_apply
from ansible_collections.blogops.release.plugins.module_utils._migration_runner import MigrationRunner
from ansible_collections.blogops.release.plugins.module_utils._module_versions import fetch_module_versions
from ansible_collections.blogops.release.plugins.module_utils._schema_drift import check_drift
from ansible_collections.blogops.release.plugins.module_utils._schema_history import (
    applied_versions,
    current_versions,
    fetch_schema_rows,
)
from ansible_collections.blogops.release.plugins.module_utils._tracking_privileges import missing_privileges
from ansible_collections.blogops.release.plugins.module_utils._tracking_tables import tracking_tables_exist


class ReadFailed(Exception):
    """A read found a problem; its message is what preflight reports."""


class Read:
    """One read: its ``name`` (the key of its error in RV(errors)), the function, the wording of a database error,
    and whether it needs the database."""

    def __init__(self, name, function, failure, needs_database=True):
        self.name = name
        self.function = function
        self.failure = failure
        self.needs_database = needs_database


class PreflightRead:
    """What a read sees: the module (options, warn), the open cursor or None, and reads shared between checks."""

    def __init__(self, module, conn, schema):
        self.module = module
        self.params = module.params
        self.name = module.params['module_name']
        self.conn = conn
        self.schema = schema
        self.cursor = dict_cursor(conn) if conn is not None else None
        self._tables = None
        self._rows = None

    def tracking_tables(self):
        """Whether the tracking tables exist: a database without them is one where nothing is recorded yet."""
        if self._tables is None:
            self._tables = tracking_tables_exist(self.cursor, self.schema)
        return self._tables

    def schema_rows(self):
        """The blog module's schema_version rows, oldest first."""
        if self._rows is None:
            self._rows = fetch_schema_rows(self.cursor, self.schema, self.name) if self.tracking_tables() else []
        return self._rows


def read_installed(read):
    """Every recorded blog module (the dependencies both ways) and the open deploys of this one, each with the
    database sessions working for it: what the controller judges their runs by (the recover role's look-up)."""
    if not read.tracking_tables():
        return dict(installed={}, in_progress=[])
    return dict(installed=fetch_module_versions(read.cursor, read.schema),
                in_progress=deploys_in_progress(read.cursor, read.schema, read.name, with_sessions=True))


def read_schema_version(read):
    """The row of the blog module's current schema version, or None."""
    return dict(schema_version=current_versions(read.schema_rows()).get(read.name))


def read_migrations(read):
    """Validate the migrations as blogops.release.migrate state=validate does: the scripts, the role's privileges
    on the tracking tables, and the plan against the schema history."""
    path = read.params['path']
    if not path:
        return {}
    try:
        migrations = scan_migrations(path, {})
    except MigrationFileError as e:
        raise ReadFailed(to_native(e))
    runner = MigrationRunner(read.conn, read.schema, read.name)
    role, problems = missing_privileges(runner.cursor, read.schema)
    if problems:
        raise ReadFailed("cannot run the migrations of blog module '%s' as role '%s': %s"
                         % (read.name, role, '; '.join(problems)))
    runner.begin()
    try:
        plan = plan_apply(migrations, runner.read_history(), read.name)
    except PlanError as e:
        raise ReadFailed(to_native(e))
    finally:
        runner.abandon()
    for row in plan.missing:
        read.module.warn("schema version %s of blog module '%s' (%s) is applied but its script is not in the "
                         "migrations" % (row['version'], read.name, row.get('script')))
    pending = [dict(script.describe(), in_transaction=step.in_transaction)
               for step in group_steps(plan.scripts, 'all', runner.server_version) for script in step.scripts]
    return dict(migrations=dict(pending=pending, schema_version_before=plan.before, schema_version_after=plan.after))


def read_lint_catalog(read):
    """What the migration lint needs from the database: the applied versions and the catalog of the relations
    the scripts name. The lint itself runs on the controller."""
    tables = read.params['lint_tables']
    if tables is None:
        return {}
    return dict(lint=dict(applied_versions=[row['version'] for row in applied_versions(read.schema_rows()).values()],
                          catalog=read_catalog(read.cursor, tables)))


DRIFT_LOCK_TIMEOUT = '5s'


def _lock_timeout(error):
    """Whether a database error is a lock timeout (SQLSTATE 55P03), with either driver."""
    return (getattr(error, 'pgcode', None) or getattr(error, 'sqlstate', None)) == '55P03'


def read_drift(read):
    """The live schema against the snapshot the last deploy or rollback took (schema_drift_info's check); with
    ``allow_drift`` each difference is a warning, and the controller does not count it a problem."""
    if not read.params['drift']:
        return {}
    allowed = read.params['allow_drift']
    # Reading a view's definition takes ACCESS SHARE locks on the tables it reads: a session holding one of them
    # must not keep preflight waiting. The connection is in autocommit, so the timeout is the session's.
    read.cursor.execute("SET lock_timeout = '%s'" % DRIFT_LOCK_TIMEOUT)
    try:
        snapshot, differences = check_drift(read.cursor, read.schema)
    except database_error_class() as e:
        if not allowed and not _lock_timeout(e):
            raise
        # Allowed drift does not stop a deploy; neither does failing to look for it, nor a table that another
        # session holds locked (the deploy's own steps then wait for it under their lock_timeout, as before).
        read.module.warn('schema drift not checked: %s' % database_error_message(e))
        snapshot, differences = None, None
    finally:
        read.cursor.execute('RESET lock_timeout')
    for difference in differences or ():
        if allowed:
            read.module.warn('schema drift: %s' % difference['message'])
    return dict(schema_drift=dict(compared=snapshot is not None, allowed=allowed,
                                  messages=[d['message'] for d in differences or ()]))


def read_backup_dir(read):
    """The backup directory: writable, with the free space asked for."""
    path = read.params['backup_dir']
    if not path:
        return {}
    try:
        detail, problems = check_path(path, read.params['backup_min_free_mb'])
    except OSError as e:
        raise ReadFailed('cannot check %s: %s' % (path, to_native(e)))
    return dict(backup_dir=dict(detail, problems=problems))


READS = [
    Read('installed', read_installed, 'cannot read blog module versions'),
    Read('schema', read_schema_version, 'cannot read schema versions'),
    Read('migrations', read_migrations, 'cannot check the migrations of blog module {name}'),
    Read('lint', read_lint_catalog, 'cannot read the catalog'),
    Read('schema_drift', read_drift, 'cannot compare the schema with its snapshot'),
    Read('backup_dir', read_backup_dir, 'cannot check the backup directory', needs_database=False),
]


def stops_at_open_deploy(params, result):
    """Whether the reads stop after the one that found an open deploy (``stop_at_open_deploy``): the others would
    read the state its run left, or wait for the locks that a run still alive holds (its migration's)."""
    return bool(params.get('stop_at_open_deploy') and result.get('in_progress'))


def run_reads(module, schema, reads=None):
    """Open one connection and run every read, up to an open deploy with ``stop_at_open_deploy``; returns the
    module's result. A connection that cannot be opened is the error ``connection``, and the reads that need it do
    not run."""
    conn, message = try_connect(module, 'preflight/%s' % module.params['module_name'], autocommit=True)
    result = dict(changed=False, connected=conn is not None, errors={})
    if message:
        result['errors']['connection'] = message
    read = PreflightRead(module, conn, schema)
    try:
        for each in READS if reads is None else reads:
            if each.needs_database and conn is None:
                continue
            try:
                result.update(each.function(read))
            except ReadFailed as e:
                result['errors'][each.name] = to_native(e)
            except database_error_class() as e:
                result['errors'][each.name] = '%s: %s' % (each.failure.format(name="'%s'" % read.name),
                                                          database_error_message(e))
            if stops_at_open_deploy(module.params, result):
                break
    finally:
        if conn is not None:
            conn.close()
    return result
