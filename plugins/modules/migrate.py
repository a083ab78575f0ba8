#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: migrate
short_description: Apply, check, undo, baseline or repair the PostgreSQL schema migrations of a blog module
version_added: 0.1.0
description:
  - Runs the SQL scripts of a blog module found in O(path) and records each one in the C(schema_version) tracking
    table, all or nothing.
  - Scripts are named C(V<version>__<description>.sql); C(U<version>__<description>.sql) undoes C(V<version>).
    Versions are dotted numbers of ASCII digits, at most 64 characters, compared numerically (C(1) < C(1.1) <
    C(1.10) < C(2)). Duplicate versions, other
    C(.sql) names, empty scripts and an undo script without its migration are refused, naming the file. Other
    files, dot files and subdirectories are ignored. A script must be UTF-8 text of at most 16 MiB; a larger one
    is refused before it is read, so that a stray data dump cannot exhaust the host's memory.
  - The checksum of a script is the SHA-256 of its text with a UTF-8 BOM removed, CRLF folded to LF and the
    O(placeholders) substituted. A run stops when an applied script has changed, naming it with both checksums,
    until O(state=repair) accepts the change.
  - By default every pending migration and its history row run in one transaction (O(transaction=all)), so the
    database ends fully migrated or untouched. A script that PostgreSQL cannot run in a transaction
    (C(CREATE INDEX CONCURRENTLY), C(DROP INDEX CONCURRENTLY), C(REINDEX ... CONCURRENTLY), C(VACUUM),
    C(ALTER SYSTEM), C(CREATE DATABASE), C(ALTER TYPE ... ADD VALUE) before PostgreSQL 12, ...) or marked with a
    line C(-- blogops:transactional=false) runs alone outside any transaction, statement by statement. Its
    failure leaves a C(success=false) row that stops later runs until O(state=repair).
    C(-- blogops:transactional=true) forces a script into the transaction.
  - The run's C(lock_timeout), C(statement_timeout), C(client_connection_check_interval), role, session user and
    C(search_path) are set again after every script, so that what a script changes stays with it. Inside a script,
    C(RESET ALL), C(SET ROLE), C(SET SESSION AUTHORIZATION) and a timeout set to C(0) or C(DEFAULT) are refused
    before anything runs unless the script has a line C(-- blogops:allow-session-settings:) followed by a reason;
    C(DISCARD ALL) is always refused.
  - Before anything runs, also with O(state=validate), the module checks that its role has the privileges the run
    needs on the tracking schema and C(schema_version), naming the role, each missing privilege and its object.
  - Runs on the same blog module (and tracking schema) take turns on a session-level advisory lock; a run waits
    O(lock_wait) seconds for it and then fails naming the session that holds it. A killed run's lock goes with
    its database session. The session's C(application_name) is C(blogops.release/migrate/<module_name>@<host>).
  - O(path) is read on the host that runs the module; O(src) is read on the controller and shipped.
  - Where the scripts are on the controller (O(src), or O(path) over a local connection), the action plugin reads them
    with PostgreSQL's own parser (pglast) and ships that reading, so the module splits and classifies statements the
    way the server does; the managed host needs no pglast. Other scripts are read by a small fallback lexer.
options:
  module_name:
    description:
      - The blog module whose migrations these are. Must match C(^[a-z][a-z0-9_]{0,62}$).
    type: str
    required: true
  path:
    description:
      - Directory of the scripts, on the host that runs the module.
      - This or O(src) is required unless O(state=baseline).
    type: path
  src:
    description:
      - Directory of the scripts on the controller, instead of O(path). An action plugin ships it to the host in one
        archive transfer, or reads it in place when the connection is local.
    type: path
  archive:
    description:
      - Set by the action plugin, not by users, the archive of O(src) on the host.
    type: path
  readings:
    description:
      - Set by the action plugin, not by users. For each script file, what PostgreSQL's parser (pglast, on the
        controller) found in it, its statements and which of them cannot run in a transaction, end the transaction,
        copy from STDIN or switch off one of the run's protections.
      - A script without a reading (the parser rejected it, O(path) is on another host, or the module runs without
        its action plugin) is read by the module's own fallback lexer.
    type: dict
  state:
    description:
      - V(present) applies the pending migrations up to O(target_version).
      - V(validate) checks the scripts against the history and returns what is pending without running anything.
      - V(undo) runs the C(U) scripts of the applied versions above O(target_version), newest first.
      - V(baseline) records O(baseline_version) for a database created without this module, running nothing;
        migrations up to that version are never run.
      - V(repair) accepts the changed checksums of applied scripts and clears failed rows, adding a C(repair) row
        for each; it runs no script and returns what it changed in RV(repaired).
    type: str
    choices: [present, validate, undo, baseline, repair]
    default: present
  target_version:
    description:
      - With O(state=present) or O(state=validate), apply no migration above this version.
      - With O(state=undo) (required), the version to go back to; V(0) undoes every version.
    type: str
  baseline_version:
    description:
      - The version that O(state=baseline) records. Required with O(state=baseline).
    type: str
  out_of_order:
    description:
      - Apply a pending migration whose version is below the highest applied one. Without it such a migration
        stops the run.
    type: bool
    default: false
  transaction:
    description:
      - V(all) runs every pending script and its history row in one transaction.
      - V(each) commits after each script, so that a failure keeps the scripts before it.
      - Either way, a script that cannot run in a transaction runs alone outside one.
    type: str
    choices: [all, each]
    default: all
  lock_wait:
    description:
      - Seconds to wait for another run on the same blog module to finish. V(0) fails at once when it is busy.
    type: int
    default: 60
  lock_timeout:
    description:
      - PostgreSQL C(lock_timeout) of the migration statements, such as V(10s) or V(500ms); V(0) waits forever.
      - Keeps DDL from queueing behind live traffic, and the traffic behind the DDL.
    type: str
    default: 10s
  statement_timeout:
    description:
      - PostgreSQL C(statement_timeout) of the migration statements, such as V(5min). When not set, the server's
        or role's setting applies.
    type: str
  placeholders:
    description:
      - Values substituted for C(${name}) in the scripts before they run and before their checksum is computed.
      - A script that uses a name not given here is refused.
    type: dict
    default: {}
  actor:
    description:
      - Who runs the migrations, stored in C(applied_by). Defaults to the database user.
    type: str
  history_id:
    description:
      - The C(module_version_history) row of the deploy this migration is part of (see M(blogops.release.deployment)).
      - With O(progress_note) and O(state=present), the row gets the note, in a transaction of its own, on this
        module's connection, before the migration locks anything, so that a killed run leaves the step it reached. A note
        that cannot be written is a warning, not a failure.
      - Omitted (or V(0)) means no row is written.
    type: int
  progress_note:
    description:
      - "With O(history_id), the step reached, for example C(step: migrate)."
    type: str
  next_note:
    description:
      - "With O(history_id) and O(state=present), the step the deploy goes on to, for example C(step: switch): once
        the migrations are committed (or there was nothing to apply), the row gets this note and a new heartbeat, in a
        transaction of its own, on this module's connection, so that the next step needs no module run to say it
        began. Not written when the migration fails, nor in check mode. A note that cannot be written is a warning,
        not a failure: the migrations stay committed."
    type: str
    version_added: 0.2.0
extends_documentation_fragment:
  - community.postgresql.postgres
  - blogops.release.database
  - blogops.release.attributes
attributes:
  check_mode:
    support: full
    details: Reads the history and lists what would run; executes no script and writes no row.
  diff_mode:
    support: full
    details: Shows the blog module's schema version before and after.
  idempotent:
    support: full
    details: A second run finds nothing pending and reports no change.
notes:
  - The advisory lock is held by the session, so connect to PostgreSQL directly or through a pooler in session
    mode.
  - With O(transaction=all) all pending scripts share one transaction; a very large run may need a higher
    C(max_locks_per_transaction) on the server.
  - On a database without the tracking tables, the first run creates them in its own transaction, so that a failed
    run leaves nothing behind; until it commits, the first runs of other blog modules wait for it (up to
    O(lock_wait)).
  - A killed run's statements stop and its lock is released within a second on PostgreSQL 14 and later
    (C(client_connection_check_interval)); on older servers, when its current statement ends.
  - On PostgreSQL 12 and later C(ALTER TYPE ... ADD VALUE) runs in the transaction, but the new value cannot be
    used before the transaction commits; mark such a script C(-- blogops:transactional=false) when a later
    script of the same run uses the value.
seealso:
  - module: blogops.release.schema_version_info
  - module: blogops.release.schema_version
  - name: Flyway concepts (versioned migrations, validate, repair, baseline)
    description: The ideas this module follows.
    link: https://documentation.red-gate.com/flyway/flyway-concepts
author:
  - blogops.release maintainers (@blogops)
'''

EXAMPLES = r'''
- name: Apply the pending migrations of comments, shipped from the controller's checkout
  blogops.release.migrate:
    login_db: blog
    module_name: comments
    src: /srv/checkout/blog/modules/comments/migrations
  register: comments_migrations

- name: Show what is pending without running anything
  blogops.release.migrate:
    login_db: blog
    module_name: comments
    src: /srv/checkout/blog/modules/comments/migrations
    state: validate

- name: Undo what the first task applied
  blogops.release.migrate:
    login_db: blog
    module_name: comments
    src: /srv/checkout/blog/modules/comments/migrations
    state: undo
    target_version: "{{ comments_migrations.schema_version_before | default('0', true) }}"

- name: Apply with a placeholder and a tight lock timeout
  blogops.release.migrate:
    login_db: blog
    module_name: comments
    src: /srv/checkout/blog/modules/comments/migrations
    placeholders:
      search_language: english
    lock_timeout: 2s
    statement_timeout: 15min

- name: Adopt a database whose search tables were made by hand, as schema version 3
  blogops.release.migrate:
    login_db: blog
    module_name: search
    state: baseline
    baseline_version: "3"
'''

RETURN = r'''
applied:
  description: The migrations this run applied, in order; with O(state=undo), the undo scripts it ran.
  returned: success, and on failure the ones committed before it
  type: list
  elements: dict
  contains:
    version:
      description: The schema version (for an undo script, the version it took back).
      type: str
    script:
      description: File name of the script.
      type: str
    description:
      description: The description part of the file name, underscores as spaces.
      type: str
    checksum:
      description: SHA-256 of the script as run.
      type: str
    execution_ms:
      description: How long the script ran, in milliseconds.
      type: int
    in_transaction:
      description: False for a script that ran alone outside a transaction.
      type: bool
  sample:
    - version: "1.1"
      script: V1.1__add_index.sql
      description: add index
      checksum: 5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef
      execution_ms: 4
      in_transaction: true
pending:
  description:
    - The scripts still to run after the task, in order; in check mode and with O(state=validate), what would run.
      Empty after a successful run; after a failure, the failed script and those after it.
    - Migrations up to O(target_version) for V(present) and V(validate), undo scripts for V(undo).
  returned: success, and on failure of a script
  type: list
  elements: dict
  contains:
    version:
      description: The schema version.
      type: str
    script:
      description: File name of the script.
      type: str
    description:
      description: The description part of the file name, underscores as spaces.
      type: str
    checksum:
      description: SHA-256 of the script.
      type: str
    in_transaction:
      description: False for a script that runs alone outside a transaction.
      type: bool
    read_by:
      description: >-
        Who read the script's statements: V(pglast), PostgreSQL's parser on the controller, or V(lexer), the module's
        fallback (see O(readings)).
      type: str
  sample:
    - version: "1.2"
      script: V1.2__add_column.sql
      description: add column
      checksum: 0be1ca09b04d13e1ad63bac6bf5e2ca8ad1d8e1bc7d5d1a9b0d0a0da2bce3fc1
      in_transaction: true
      read_by: pglast
undone:
  description: The versions undone, newest first (predicted in check mode).
  returned: O(state=undo)
  type: list
  elements: str
  sample: ["1.2", "1.1"]
repaired:
  description: One entry per version repaired (predicted in check mode).
  returned: O(state=repair)
  type: list
  elements: dict
  contains:
    version:
      description: The schema version.
      type: str
    script:
      description: File name of its script.
      type: str
    reasons:
      description: V(checksum) when a changed script was accepted, V(failed) when a failed row was cleared.
      type: list
      elements: str
    old_checksum:
      description: The checksum the history had for the version, or null.
      type: str
    checksum:
      description: The checksum the repair row records.
      type: str
    cleared_row_id:
      description: Id of the failed C(schema_version) row cleared, or null.
      type: int
  sample:
    - version: "1.1"
      script: V1.1__add_index.sql
      reasons: [checksum]
      old_checksum: 5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef
      checksum: 0be1ca09b04d13e1ad63bac6bf5e2ca8ad1d8e1bc7d5d1a9b0d0a0da2bce3fc1
      cleared_row_id: null
schema_version_before:
  description: The blog module's current schema version when the task started, or null.
  returned: always when the history could be read
  type: str
  sample: "1.1"
schema_version_after:
  description: The blog module's current schema version after the task (predicted in check mode), or null.
  returned: always when the history could be read
  type: str
  sample: "1.2"
failed_script:
  description: The script that failed, with the line PostgreSQL pointed at when it gave one.
  returned: failure of a script
  type: dict
  sample:
    script: V1.2__add_column.sql
    version: "1.2"
    line: 3
    failed_row_id: null
lock_holders:
  description: The sessions that held the blog module's lock when O(lock_wait) ran out.
  returned: failure to get the lock
  type: list
  elements: dict
  sample:
    - pid: 4242
      application_name: blogops.release/migrate/comments@db1
      client_addr: 10.0.0.5
      client_port: 51234
      usename: deploy
      backend_start: "2026-11-24T10:00:00.123456+00:00"
      xact_start: "2026-11-24T10:00:00.234567+00:00"
      state: active
      wait_event_type: null
      wait_event: null
problems:
  description: Every reason the run was refused, one per script or version.
  returned: failure of validation
  type: list
  elements: str
  sample: ["V1.1__add_index.sql changed after it was applied: checksum 5f70... when applied, 0be1... now"]
next_noted:
  description: Whether O(next_note) was written into the deploy's row.
  returned: with O(next_note) and O(state=present), on success
  type: bool
  sample: true
duration_ms:
  description: Milliseconds the module spent, from reading its options to returning (not counting Python and Ansible
    start-up).
  returned: always
  type: int
  sample: 812
'''

import re
import time

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native
from ansible_collections.blogops.release.plugins.module_utils._connection import (
    connect,
    database_argument_spec,
    database_error_class,
    database_error_message,
    dict_cursor,
    tracking_schema,
)
from ansible_collections.blogops.release.plugins.module_utils._deploy_progress import PROGRESS_ARGUMENT_SPEC, note_progress, wants_progress
from ansible_collections.blogops.release.plugins.module_utils._identifiers import check_blog_module_name
from ansible_collections.blogops.release.plugins.module_utils._migration_files import (
    MigrationFileError,
    check_placeholders,
    scan_migrations,
)
from ansible_collections.blogops.release.plugins.module_utils._migration_plan import (
    PlanError,
    group_steps,
    plan_apply,
    plan_baseline,
    plan_repair,
    plan_undo,
)
from ansible_collections.blogops.release.plugins.module_utils._migration_runner import (
    LockBusy,
    MigrationFailed,
    MigrationRunner,
)
from ansible_collections.blogops.release.plugins.module_utils._migration_version import check_migration_version
from ansible_collections.blogops.release.plugins.module_utils._release_transfer import unpack_shipped_migrations
from ansible_collections.blogops.release.plugins.module_utils._schema_history import current_version_row
from ansible_collections.blogops.release.plugins.module_utils._tracking_privileges import missing_privileges

DURATION = re.compile(r'^\d+(\.\d+)?\s*(us|ms|s|min|h|d)?$')


def check_options(params):
    """Validate what can be validated before connecting; raises ValueError naming the value."""
    check_blog_module_name(params['module_name'])
    for option in ('target_version', 'baseline_version'):
        if params[option] is not None:
            check_migration_version(params[option], option)
    if params['lock_wait'] < 0:
        raise ValueError('lock_wait must be 0 or more seconds, got %d' % params['lock_wait'])
    for option in ('lock_timeout', 'statement_timeout'):
        if params[option] is not None and not DURATION.fullmatch(params[option].strip()):
            raise ValueError('invalid %s %r: expected a number with an optional unit us, ms, s, min, h or d, such '
                             'as 10s, 1.5s or 500ms' % (option, params[option]))
    return check_placeholders(params['placeholders'])


def version_after(rows, done, kind):
    """The current schema version once the rows of ``done`` (dicts of what ran) follow ``rows``."""
    row = current_version_row(rows + [dict(d, kind=kind, success=True) for d in done])
    return row['version'] if row else None


class MigrateTask:
    """One task: its options, the scripts on disk, the runner, and the result being built."""

    def __init__(self, module, started):
        self.module = module
        self.params = module.params
        self.started = started
        self.name = self.params['module_name']
        self.result = dict(changed=False)
        self.migrations = None
        self.runner = None
        self.rows = []

    def fail(self, msg, **extra):
        self.result.update(extra)
        self.result['duration_ms'] = int((time.monotonic() - self.started) * 1000)
        self.module.fail_json(msg=msg, **self.result)

    def exit(self):
        before, after = self.result.get('schema_version_before'), self.result.get('schema_version_after')
        self.result['diff'] = dict(before=dict(schema_version=before), after=dict(schema_version=after))
        self.result['duration_ms'] = int((time.monotonic() - self.started) * 1000)
        self.module.exit_json(**self.result)

    def read_only(self):
        return self.module.check_mode or self.params['state'] == 'validate'

    def start(self):
        """Check the role's privileges, lock (unless reading only), open the transaction, read the blog module's history."""
        # Also when reading only: state=validate is preflight's check that the run will work.
        role, problems = missing_privileges(self.runner.cursor, self.runner.schema)
        if problems:
            self.fail("cannot run the migrations of blog module '%s' as role '%s': %s"
                      % (self.name, role, '; '.join(problems)), problems=problems)
        if not self.read_only():
            self.runner.lock(self.params['lock_wait'], self.params['lock_timeout'].strip(),
                             self.params['statement_timeout'] and self.params['statement_timeout'].strip())
        self.runner.begin()
        self.rows = self.runner.read_history()

    def plan(self, planner, *args):
        try:
            return planner(*args)
        except PlanError as e:
            self.runner.rollback()
            self.fail(to_native(e), problems=e.problems)

    def run_scripts(self, plan, kind, version_of=None):
        steps = group_steps(plan.scripts, self.params['transaction'], self.runner.server_version)
        pending = [dict(script.describe(), in_transaction=step.in_transaction, read_by=script.read_by)
                   for step in steps for script in step.scripts]
        self.result.update(schema_version_before=plan.before, schema_version_after=plan.after, applied=[],
                           pending=pending)
        self.result['changed'] = bool(plan.scripts) and self.params['state'] != 'validate'
        if not plan.scripts or self.read_only():
            self.runner.rollback()
            return
        try:
            self.result['applied'] = self.runner.run(steps, kind, version_of)
        except MigrationFailed as e:
            self.result['changed'] = bool(e.done) or e.failed_row_id is not None
            self.fail(to_native(e), applied=e.done, pending=pending[len(e.done):],
                      schema_version_after=version_after(self.rows, e.done, kind),
                      failed_script=dict(script=e.script.script, version=e.script.version, line=e.line,
                                         failed_row_id=e.failed_row_id))
        self.result['pending'] = []
        self.result['schema_version_after'] = version_after(self.rows, self.result['applied'], kind)

    def present(self):
        plan = self.plan(plan_apply, self.migrations, self.rows, self.name, self.params['target_version'],
                         self.params['out_of_order'])
        for row in plan.missing:
            self.module.warn("schema version %s of blog module '%s' (%s) is applied but its script is not in %s"
                             % (row['version'], self.name, row.get('script'), self.params['path']))
        self.run_scripts(plan, 'migrate')

    def undo(self):
        plan = self.plan(plan_undo, self.migrations, self.rows, self.name, self.params['target_version'])
        self.run_scripts(plan, 'undo', lambda script: self.migrations.migrations[script.key].version)
        self.result['undone'] = [script.version for script in plan.scripts] if self.read_only() else \
            [done['version'] for done in self.result['applied']]

    def record(self, requests):
        self.result['changed'] = bool(requests)
        if requests and not self.module.check_mode:
            self.runner.record(requests)
            self.runner.commit()
        self.runner.rollback()

    def baseline(self):
        version = self.params['baseline_version']
        changed = self.plan(plan_baseline, self.rows, self.name, version)
        before = current_version_row(self.rows)
        self.result.update(schema_version_before=before and before['version'],
                           schema_version_after=version if changed else before and before['version'])
        self.record([dict(module_name=self.name, version=version, description='baseline', script=None, checksum=None,
                          kind='baseline', execution_ms=0, success=True)] if changed else [])

    def repair(self):
        repairs = self.plan(plan_repair, self.migrations, self.rows, self.name)
        self.result['repaired'] = repairs
        # A repair changes checksums and clears failures; the current version stays.
        before = current_version_row(self.rows)
        self.result.update(schema_version_before=before and before['version'],
                           schema_version_after=before and before['version'])
        self.record([dict(module_name=self.name, version=r['version'], script=r['script'], checksum=r['checksum'],
                          description='repair: %s' % ', '.join(r['reasons']), kind='repair', execution_ms=0,
                          success=True) for r in repairs])

    def note_next(self, conn, schema):
        """Write O(next_note) once the work is committed; a note that cannot be written only warns."""
        params = dict(self.params, progress_note=self.params['next_note'])
        if self.module.check_mode or not wants_progress(params):
            return
        warning = note_progress(conn, dict_cursor(conn), schema, params, error_class=database_error_class())
        if warning:
            self.module.warn(warning)
        self.result['next_noted'] = not warning

    def main(self):
        try:
            placeholders = check_options(self.params)
        except ValueError as e:
            self.fail(to_native(e))
        schema = tracking_schema(self.module)
        state = self.params['state']
        if self.params['path'] is not None:
            try:
                self.migrations = scan_migrations(self.params['path'], placeholders, self.params['readings'])
            except MigrationFileError as e:
                self.fail(to_native(e), problems=e.problems)

        conn = connect(self.module, 'migrate/%s' % self.name, autocommit=True)
        if state == 'present':
            warning = note_progress(conn, dict_cursor(conn), schema, self.params, check_mode=self.module.check_mode,
                                    error_class=database_error_class())
            if warning:
                self.module.warn(warning)
        try:
            self.runner = MigrationRunner(conn, schema, self.name, self.params['actor'])
            self.start()
            getattr(self, 'present' if state == 'validate' else state)()
            if state == 'present' and self.params['next_note']:
                self.note_next(conn, schema)
        except LockBusy as e:
            self.fail(to_native(e), lock_holders=e.holders)
        except database_error_class() as e:
            self.fail("cannot %s the migrations of blog module '%s': %s"
                      % ('check' if self.read_only() else 'run', self.name, database_error_message(e)))
        finally:
            conn.close()
        self.exit()


def main():
    started = time.monotonic()
    module = AnsibleModule(
        argument_spec=database_argument_spec(
            module_name=dict(type='str', required=True),
            path=dict(type='path'),
            src=dict(type='path'),
            archive=dict(type='path'),
            readings=dict(type='dict'),
            state=dict(type='str', default='present', choices=['present', 'validate', 'undo', 'baseline', 'repair']),
            target_version=dict(type='str'),
            baseline_version=dict(type='str'),
            out_of_order=dict(type='bool', default=False),
            transaction=dict(type='str', default='all', choices=['all', 'each']),
            lock_wait=dict(type='int', default=60),
            lock_timeout=dict(type='str', default='10s'),
            statement_timeout=dict(type='str'),
            placeholders=dict(type='dict', default={}),
            actor=dict(type='str'),
            next_note=dict(type='str'),
            **PROGRESS_ARGUMENT_SPEC
        ),
        required_if=[
            ('state', 'present', ['path', 'archive'], True),
            ('state', 'validate', ['path', 'archive'], True),
            ('state', 'undo', ['path', 'archive'], True),
            ('state', 'undo', ['target_version']),
            ('state', 'repair', ['path', 'archive'], True),
            ('state', 'baseline', ['baseline_version']),
        ],
        mutually_exclusive=[('path', 'archive')],
        supports_check_mode=True,
    )
    if module.params['archive']:
        try:
            module.params['path'] = unpack_shipped_migrations(module.params['archive'])
        except ValueError as e:
            module.fail_json(msg=to_native(e))
    MigrateTask(module, started).main()


if __name__ == '__main__':
    main()
