#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: rehearse
short_description: Rehearse a blog module's pending migrations on a scratch copy of its database, and measure them
version_added: 0.2.0
description:
  - Reads what the deploy would migrate on O(login_db) (read only). When something is pending, restores the newest
    backup of O(login_db) in O(backup_dir) (checked against its sidecar and checksum), or a fresh C(pg_dump) of it
    (when there is no usable backup and O(source=auto), or O(source=dump)), into a new scratch database
    C(<login_db>_blogops_rehearse_<8 hex>) on the same server, runs the migrations there exactly as
    M(blogops.release.migrate) runs them (transaction mode, placeholders, C(lock_timeout), C(statement_timeout)),
    and drops the scratch database whatever happens.
  - A scratch database of O(login_db) that a killed rehearsal left (its name matches and no session uses it) is
    dropped by the next rehearsal.
  - Per migration and per statement it reports the duration; each relation locked and the strongest lock mode
    (read from C(pg_locks) of its own session after each statement, inside the transaction) and how long it was
    held (until the commit); whether a table or index was rewritten (its file node changed); the size change; the
    rows touched. A statement run outside a transaction (C(CREATE INDEX CONCURRENTLY)) holds its lock only while it
    runs; its lock is the documented one (C(ShareUpdateExclusiveLock), which blocks no write), marked
    C(observed=false).
  - The backup may be older than the live database (the deploy before this one); the migrations it lacks run first
    and are listed in RV(caught_up), not measured against the thresholds.
  - With a threshold set, the task fails when a migration breaks it, naming the migration, the statement and the
    figure; the production database is never touched.
  - O(path) is read on the host that runs the module; O(src) is read on the controller and shipped.
options:
  module_name:
    description:
      - The blog module whose migrations these are. Must match C(^[a-z][a-z0-9_]{0,62}$).
    type: str
    required: true
  path:
    description:
      - Directory of the scripts, on the host that runs the module. This or O(src) is required.
    type: path
  src:
    description:
      - Directory of the scripts on the controller, instead of O(path), shipped as M(blogops.release.migrate) ships it.
    type: path
  archive:
    description:
      - Set by the action plugin, not by users, the archive of O(src) on the host.
    type: path
  source:
    description:
      - V(auto) restores the newest backup in O(backup_dir), or a fresh dump when there is none usable (with a
        warning naming why). V(backup) fails instead of dumping. V(dump) always dumps O(login_db) afresh.
    type: str
    choices: [auto, backup, dump]
    default: auto
  backup_dir:
    description:
      - Directory of the backups of O(login_db), as M(blogops.release.db_backup) writes them.
    type: path
  target_version:
    description:
      - Rehearse no migration above this version.
    type: str
  out_of_order:
    description:
      - As in M(blogops.release.migrate).
    type: bool
    default: false
  transaction:
    description:
      - As in M(blogops.release.migrate); a lock taken with V(all) is held until every migration is done.
    type: str
    choices: [all, each]
    default: all
  lock_timeout:
    description:
      - C(lock_timeout) of the statements, as the deploy sets it.
    type: str
    default: 10s
  statement_timeout:
    description:
      - C(statement_timeout) of the statements, as the deploy sets it; the server's or role's when not set.
    type: str
  placeholders:
    description:
      - Values substituted for C(${name}) in the scripts, as the deploy gives them.
    type: dict
    default: {}
  max_access_exclusive_ms:
    description:
      - Fail when a migration holds C(ACCESS EXCLUSIVE) (which blocks reads and writes) on a table of at least
        O(min_table_size) for longer than this many milliseconds. Not checked when not set.
    type: int
  max_write_block_ms:
    description:
      - Fail when a migration holds a lock that blocks writes (C(SHARE) or stronger, such as a plain
        C(CREATE INDEX)) on a table of at least O(min_table_size) for longer than this many milliseconds.
    type: int
  min_table_size:
    description:
      - The lock thresholds apply to tables at least this big before the migration, in bytes or with a unit (V(10MB),
        V(1GB), powers of 1024). Tables the migrations create never count.
    type: str
    default: '0'
  max_duration_s:
    description:
      - Fail when the pending migrations take longer than this many seconds in all.
    type: float
  record_dir:
    description:
      - Directory on the database host where the rehearsal's summary is kept as C(rehearsal-<module_name>.json)
        (replacing the last one), for the status report; also when it fails. Not written in check mode.
    type: path
  pg_bin_dir:
    description:
      - Directory of C(pg_dump), C(pg_restore) and C(psql); the PATH when not set.
    type: path
  maintenance_db:
    description:
      - The database the module connects to while it creates and drops the scratch database.
    type: str
    default: postgres
extends_documentation_fragment:
  - community.postgresql.postgres
  - blogops.release.database
  - blogops.release.attributes
attributes:
  check_mode:
    support: full
    details: Reads what is pending and which backup would be used; creates no database.
  diff_mode:
    support: none
  idempotent:
    support: full
    details: Leaves nothing behind; always returns C(changed=false).
notes:
  - The role needs C(CREATEDB) (or to be a superuser) and room on the server for one more copy of the database.
  - The restore reads the backup on the database host; run the module there (C(delegate_to)).
seealso:
  - module: blogops.release.migrate
  - module: blogops.release.db_restore
author:
  - blogops.release maintainers (@blogops)
'''

EXAMPLES = r'''
- name: Rehearse the pending migrations of comments on a copy of the newest backup
  blogops.release.rehearse:
    login_db: blog
    module_name: comments
    src: /srv/checkout/blog/modules/comments/migrations
    backup_dir: /var/backups/blog
    max_access_exclusive_ms: 2000
    min_table_size: 10MB
  register: rehearsal

- name: Show the rehearsal
  ansible.builtin.debug:
    msg: "{{ rehearsal.report }}"
'''

RETURN = r'''
pending:
  description: The scripts the deploy would run on O(login_db), in order.
  returned: always
  type: list
  elements: str
  sample: [V4__bigint_ids.sql]
source:
  description: What was restored; V(backup) (with its path, timestamp and schema version) or V(dump). Null when
    nothing was pending.
  returned: always
  type: dict
  sample: {"kind": "backup", "path": "/var/backups/blog/blog-20261124T100000Z.dump", "timestamp": "2026-11-24T10:00:00Z",
           "schema_version": "3"}
scratch_database:
  description: The scratch database used (dropped again), or null.
  returned: always
  type: str
  sample: blog_blogops_rehearse_1f2e3d4c
dropped_leftovers:
  description: Scratch databases of killed rehearsals that this run dropped.
  returned: always
  type: list
  elements: str
  sample: []
migrations:
  description: One entry per pending migration rehearsed.
  returned: always
  type: list
  elements: dict
  contains:
    script:
      description: File name of the script.
      type: str
    version:
      description: Its version.
      type: str
    in_transaction:
      description: False for a script run alone outside a transaction.
      type: bool
    duration_ms:
      description: How long its statements ran.
      type: int
    statements:
      description: Per statement, C(line), C(statement) (its text, shortened), C(duration_ms), C(rows) (or null),
        C(locks) (relation, kind, mode taken or strengthened), C(relations) (created, rewritten, size before and
        after), C(rewrites) and C(size_change) in bytes.
      type: list
      elements: dict
    locks:
      description: Per relation locked, the strongest C(mode), C(held_ms), C(size) before, the C(statement) number
        and C(line) that took it, C(created), C(observed), C(blocks_writes), C(blocks_reads).
      type: list
      elements: dict
  sample:
    - script: V4__bigint_ids.sql
      version: "4"
      in_transaction: true
      duration_ms: 1735
      statements:
        - line: 1
          statement: ALTER TABLE posts ALTER COLUMN id TYPE bigint
          duration_ms: 1735
          rows: null
          locks: [{"relation": "public.posts", "kind": "r", "mode": "AccessExclusiveLock"}]
          relations: [{"relation": "public.posts", "kind": "r", "created": false, "rewritten": true,
                       "size_before": 52183040, "size_after": 52183040}]
          rewrites: [public.posts]
          size_change: 0
      locks:
        - relation: public.posts
          kind: r
          mode: AccessExclusiveLock
          held_ms: 1736
          size: 52183040
          statement: 1
          line: 1
          created: false
          observed: true
          blocks_writes: true
          blocks_reads: true
caught_up:
  description: Migrations the live database has and the backup lacked, run first and not measured.
  returned: always
  type: list
  elements: str
  sample: []
duration_ms:
  description: How long the pending migrations ran in all.
  returned: always
  type: int
  sample: 1735
restore_seconds:
  description: Seconds spent dumping (for a fresh dump) and restoring the copy.
  returned: when a copy was restored
  type: float
  sample: 4.2
violations:
  description: Each threshold broken, naming the migration, the statement and the figure.
  returned: always
  type: list
  elements: str
  sample: ["V4__bigint_ids.sql statement 1 (line 1: ALTER TABLE posts ALTER COLUMN id TYPE bigint) holds ACCESS
            EXCLUSIVE on public.posts (49.8 MB) for 1736 ms, more than max_access_exclusive_ms=1000"]
record:
  description: Where the summary was written (O(record_dir)), or null.
  returned: always
  type: str
  sample: /var/backups/blog/rehearsal-comments.json
report:
  description: The measurements as a table, one line each, for C(ansible.builtin.debug).
  returned: always
  type: list
  elements: str
  sample: ["migration                    line        ms      rows  lock                   size        relation"]
'''


from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native
from ansible_collections.blogops.release.plugins.module_utils._backup_sidecar import BackupMismatch
from ansible_collections.blogops.release.plugins.module_utils._connection import (
    application_name,
    connect,
    database_argument_spec,
    database_error_class,
    database_error_message,
    scrub,
    tracking_schema,
)
from ansible_collections.blogops.release.plugins.module_utils._database_restore import RestoreError
from ansible_collections.blogops.release.plugins.module_utils._identifiers import check_blog_module_name
from ansible_collections.blogops.release.plugins.module_utils._migration_files import (
    MigrationFileError,
    check_placeholders,
    scan_migrations,
)
from ansible_collections.blogops.release.plugins.module_utils._migration_version import check_migration_version
from ansible_collections.blogops.release.plugins.module_utils._pg_client import (
    ClientProgramError,
    PgClient,
    connection_parameters,
)
from ansible_collections.blogops.release.plugins.module_utils._rehearsal import (
    Rehearsal,
    RehearsalError,
    rehearsal_record,
    write_record,
)
from ansible_collections.blogops.release.plugins.module_utils._rehearsal_report import parse_size
from ansible_collections.blogops.release.plugins.module_utils._release_transfer import unpack_shipped_migrations

CHECKSUM_WORKERS = 4


def options_of(params):
    """The rehearsal's options, checked; raises ValueError naming the option."""
    check_blog_module_name(params['module_name'])
    if params['target_version'] is not None:
        check_migration_version(params['target_version'], 'target_version')
    for name in ('max_access_exclusive_ms', 'max_write_block_ms', 'max_duration_s'):
        if params[name] is not None and params[name] < 0:
            raise ValueError('%s must be 0 or more, got %s' % (name, params[name]))
    if params['source'] == 'backup' and not params['backup_dir']:
        raise ValueError('source=backup needs backup_dir, the directory of the backups')
    options = dict((k, params[k]) for k in ('source', 'backup_dir', 'target_version', 'out_of_order', 'transaction',
                                            'max_access_exclusive_ms', 'max_write_block_ms', 'max_duration_s',
                                            'maintenance_db'))
    options.update(min_table_size=parse_size(params['min_table_size']), lock_wait=0, workers=CHECKSUM_WORKERS,
                   lock_timeout=params['lock_timeout'].strip(),
                   statement_timeout=params['statement_timeout'] and params['statement_timeout'].strip())
    return options


def main():
    module = AnsibleModule(
        argument_spec=database_argument_spec(
            module_name=dict(type='str', required=True),
            path=dict(type='path'),
            src=dict(type='path'),
            archive=dict(type='path'),
            source=dict(type='str', default='auto', choices=['auto', 'backup', 'dump']),
            backup_dir=dict(type='path'),
            target_version=dict(type='str'),
            out_of_order=dict(type='bool', default=False),
            transaction=dict(type='str', default='all', choices=['all', 'each']),
            lock_timeout=dict(type='str', default='10s'),
            statement_timeout=dict(type='str'),
            placeholders=dict(type='dict', default={}),
            max_access_exclusive_ms=dict(type='int'),
            max_write_block_ms=dict(type='int'),
            min_table_size=dict(type='str', default='0'),
            max_duration_s=dict(type='float'),
            record_dir=dict(type='path'),
            pg_bin_dir=dict(type='path'),
            maintenance_db=dict(type='str', default='postgres'),
        ),
        required_one_of=[('path', 'archive')],
        mutually_exclusive=[('path', 'archive')],
        supports_check_mode=True,
    )
    p = module.params
    try:
        options = options_of(p)
        placeholders = check_placeholders(p['placeholders'])
    except ValueError as e:
        module.fail_json(msg=to_native(e))
    schema = tracking_schema(module)
    if p['archive']:
        try:
            p['path'] = unpack_shipped_migrations(p['archive'])
        except ValueError as e:
            module.fail_json(msg=to_native(e))
    try:
        migrations = scan_migrations(p['path'], placeholders)
    except MigrationFileError as e:
        module.fail_json(msg=to_native(e), problems=e.problems)

    client = PgClient(connection_parameters(module), module.tmpdir, bin_dir=p['pg_bin_dir'],
                      find_program=module.get_bin_path, application_name=application_name('rehearse'))
    database_error = database_error_class()
    rehearsal = Rehearsal(
        lambda dbname, autocommit: connect(module, 'rehearse/%s' % p['module_name'], autocommit=autocommit, dbname=dbname),
        client, p['login_db'], schema, p['module_name'], migrations, options, module.tmpdir,
        database_error=database_error, error_message=database_error_message, warn=module.warn,
        check_mode=module.check_mode)
    failure, result = None, dict(changed=False)
    try:
        result = rehearsal.run()
    except (RehearsalError, RestoreError, ClientProgramError, BackupMismatch) as e:
        failure = client.scrub(scrub(e, module))
    except database_error as e:
        failure = "cannot rehearse the migrations of blog module '%s': %s" % (p['module_name'], database_error_message(e))
    if failure:
        result = dict(rehearsal.result or {}, changed=False)
    result['record'] = None
    if p['record_dir'] and not module.check_mode:
        try:
            result['record'] = write_record(p['record_dir'], rehearsal_record(p['module_name'], result, failure))
        except OSError as e:
            module.warn('cannot keep the rehearsal for the status report in %s: %s' % (p['record_dir'], to_native(e)))
    if failure:
        module.fail_json(msg=failure, **result)
    if result['violations']:
        module.fail_json(msg="the rehearsal of blog module '%s' broke %d threshold(s); production was not touched: %s"
                         % (p['module_name'], len(result['violations']), '; '.join(result['violations'])), **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
