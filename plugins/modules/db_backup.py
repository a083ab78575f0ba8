#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: db_backup
short_description: Back up the blog database with pg_dump, with a checksum and a sidecar of versions
version_added: 0.1.0
description:
  - Runs C(pg_dump) into O(backup_dir)C(/blog_backup_<YYYYmmdd_HHMMSS>.<ext>) (UTC; C(.dump) for the custom format,
    C(.dir) for the directory format, C(.sql) for plain SQL) and writes the sidecar C(<name>.json) beside it.
  - The sidecar holds the schema versions (per blog module and the newest overall), the blog module versions,
    the timestamp, the sha256 and size of the backup, its format, the database, its encoding and locale, the server
    and C(pg_dump) versions and O(label). The versions are read in the snapshot that C(pg_dump) dumps, so they
    describe exactly what the backup holds.
  - The dump is written as C(<name>.partial) and renamed when C(pg_dump) succeeds; the sidecar is written last,
    atomically. A backup without a sidecar is incomplete and is never used by M(blogops.release.backup_info) or
    M(blogops.release.db_restore). When C(pg_dump) fails, the partial dump is removed and its errors are returned
    verbatim.
  - Files are created C(0600), directories (O(backup_dir) when created, directory-format dumps) C(0700).
  - The password goes to C(pg_dump) in a passfile (C(0600), removed right after), never on a command line.
  - Two backups in the same second get distinct names (C(..._2), C(..._3), ...).
  - For the checksum, custom and plain dumps stream through the module and are hashed on the way; a directory-format
    dump is hashed afterwards over the sorted manifest of its files, one thread per job.
options:
  backup_dir:
    description:
      - Directory of the backups. Created (C(0700)) when missing.
      - An existing directory that belongs to another user, or that its group or others may write, is refused, since
        M(blogops.release.db_restore) restores only backups that nobody but this user could have written.
    type: path
    required: true
  format:
    description:
      - V(custom) is C(pg_dump -Fc), compressed, restored with C(pg_restore).
      - V(directory) is C(pg_dump -Fd), one file per table, the only format C(pg_dump) can write in parallel (O(jobs)).
      - V(plain) is SQL text, written with C(--clean --if-exists) so that it can replace a database's content,
        restored with C(psql).
    type: str
    choices: [custom, directory, plain]
    default: custom
  jobs:
    description:
      - Tables dumped in parallel, each job with its own session. More than 1 needs O(format=directory).
    type: int
    default: 1
  compress:
    description:
      - Compression level from V(0) (none) to V(9), passed to C(pg_dump --compress).
      - Omitted means C(pg_dump)'s default (compressed for the custom and directory formats). Not for O(format=plain).
    type: int
  keep:
    description:
      - Retention. After the backup, keep only the newest O(keep) complete backups of the database in O(backup_dir);
        older ones are removed, sidecar first. The backup just taken is always kept.
      - Incomplete leftovers (C(.partial), dumps without a sidecar) are never removed by retention, since one of
        them may be a backup that another run is still writing; M(blogops.release.backup_info) reports them.
        Every backup (whatever O(keep)) removes the C(.partial) leftovers of killed runs, namely those that no process
        of the host holds open (C(/proc)) and that have not changed for 10 seconds.
      - Omitted means every backup is kept.
    type: int
  label:
    description:
      - Free text stored in the sidecar, for example the deploy it was taken for. One line, at most 200 characters.
    type: str
  pg_bin_dir:
    description:
      - Directory of C(pg_dump), for example C(/usr/lib/postgresql/16/bin). C(pg_dump) must be at least the server's
        version.
      - Omitted means C(pg_dump) is looked up on the PATH.
    type: path
  history_id:
    description:
      - The C(module_version_history) row of the deploy this backup is taken for (see M(blogops.release.deployment)).
      - With O(progress_note), once the backup is complete, the row gets the note, the backup's path and
        O(progress_checkpoint), in a transaction of their own, on this module's connection. A note that cannot be
        written is a warning, not a failure.
      - Omitted (or V(0)) means no row is written.
    type: int
  progress_note:
    description:
      - "With O(history_id), the step the deploy goes on to, for example C(step: upload)."
    type: str
  progress_checkpoint:
    description:
      - With O(history_id) and O(progress_note), the state a recovery of the deploy returns to (see the
        O(blogops.release.deployment#module:checkpoint) option of M(blogops.release.deployment)).
    type: dict
  open_deploy:
    description:
      - Open the deploy's C(module_version_history) row first, as M(blogops.release.deployment) with
        O(blogops.release.deployment#module:state=started) does, in a transaction of its own on this module's
        connection, and then take the backup for it, so that opening the deploy costs no module run of its own.
      - "Keys: C(module_name) and C(to_version) (required), C(actor) and C(note) (the row's first note, for example
        C(step: backup)), as the options of M(blogops.release.deployment) of the same names. The action plugin adds
        the run's identity (C(controller), C(controller_pid), C(controller_token)) on the controller."
      - The opened row is RV(deployment), also when the backup then fails, so that the caller can close it. When
        another deploy of the blog module is open, nothing is backed up and the task fails saying so, without
        RV(deployment).
      - With O(progress_note), the note is written into the opened row once the backup is complete. Mutually
        exclusive with O(history_id).
    type: dict
    version_added: 0.2.0
extends_documentation_fragment:
  - community.postgresql.postgres
  - blogops.release.database
  - blogops.release.attributes
attributes:
  check_mode:
    support: full
    details: Connects, reads the versions and predicts the name and what O(keep) would remove; writes nothing.
  diff_mode:
    support: none
  idempotent:
    support: none
    details: Every run takes a new backup.
  action:
    description: With O(open_deploy), the action plugin adds this run's identity (controller host, ansible-playbook
      pid, token), as for M(blogops.release.deployment).
    support: full
notes:
  - The versions are read from the tracking tables in O(release_tracking_schema); a database without them is backed
    up with no versions (null and empty maps).
  - Needs C(pg_dump) on the host that runs the task, and the right to read every table (C(pg_dump)'s rules).
seealso:
  - module: blogops.release.backup_info
  - module: blogops.release.db_restore
  - name: pg_dump
    description: Options and formats of pg_dump.
    link: https://www.postgresql.org/docs/current/app-pgdump.html
author:
  - blogops.release maintainers (@blogops)
'''

EXAMPLES = r'''
- name: Back up the blog database before migrating, keeping the last 10 backups
  blogops.release.db_backup:
    login_db: blog
    backup_dir: /var/backups/blog
    keep: 10
    label: deploy comments 1.4.0
  register: pre_deploy_backup

- name: Restore it when the deploy has to be undone
  blogops.release.db_restore:
    login_db: blog
    backup: "{{ pre_deploy_backup.path }}"
    mode: replace

- name: Open the deploy of comments 1.4.0 (the deploy's lock) and back up the database for it, in one module run
  blogops.release.db_backup:
    login_db: blog
    backup_dir: /var/backups/blog
    keep: 10
    label: before deploying comments 1.4.0
    open_deploy:
      module_name: comments
      to_version: 1.4.0
      note: "step: backup"
    progress_note: "step: upload"
  register: opened_backup

- name: Close the deploy, here as failed (a real deploy goes on with the upload and closes it when done)
  blogops.release.deployment:
    login_db: blog
    module_name: comments
    state: finished
    history_id: "{{ opened_backup.deployment.id }}"
    status: failed
    note: the example stops after the backup

- name: Back up a large database quickly, four tables at a time
  blogops.release.db_backup:
    login_db: blog
    backup_dir: /var/backups/blog
    format: directory
    jobs: 4
'''

RETURN = r'''
path:
  description:
    - The backup (a file, or a directory for O(format=directory)). Give it to M(blogops.release.db_restore) O(blogops.release.db_restore#module:backup).
    - In check mode, the name it would have (a same-second suffix is only decided when writing).
  returned: always
  type: str
  sample: /var/backups/blog/blog_backup_20261124_100000.dump
sidecar:
  description: The sidecar of the backup.
  returned: always
  type: str
  sample: /var/backups/blog/blog_backup_20261124_100000.dump.json
name:
  description: File name of the backup.
  returned: always
  type: str
  sample: blog_backup_20261124_100000.dump
format:
  description: Format of the backup.
  returned: always
  type: str
  sample: custom
database:
  description: The database backed up.
  returned: always
  type: str
  sample: blog
sha256:
  description: SHA-256 of the backup (directory format, of the sorted manifest of its files).
  returned: success and not in check mode
  type: str
  sample: 9f2c4e0d8b7a6f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c
size:
  description: Size of the backup in bytes (directory format, the sum of its files).
  returned: success and not in check mode
  type: int
  sample: 104857600
timestamp:
  description: When the snapshot that was dumped was taken, UTC, ISO 8601.
  returned: success and not in check mode
  type: str
  sample: "2026-11-24T10:00:00.123456Z"
label:
  description: O(label).
  returned: always
  type: str
schema_version:
  description: The newest schema version of the database at the time of the backup, or null.
  returned: always
  type: str
  sample: "1.1"
sidecar_content:
  description: Everything the sidecar says.
  returned: success and not in check mode
  type: dict
  contains:
    schema_version:
      description: Newest schema version of the database (the newest C(schema_version) row), or null.
      type: str
    schema_versions:
      description: Current schema version per blog module.
      type: dict
      sample: {"core": "2", "comments": "1.1"}
    module_versions:
      description: The C(module_version) rows (version, schema_version, dependencies, checksum) per blog module.
      type: dict
    server_version:
      description: Version of the PostgreSQL server.
      type: str
    pg_dump_version:
      description: Version of C(pg_dump).
      type: str
    snapshot:
      description: Whether the versions were read in the snapshot that C(pg_dump) dumped.
      type: bool
  sample:
    sidecar_format: 1
    name: blog_backup_20261124_100000.dump
    format: custom
    database: blog
    timestamp: "2026-11-24T10:00:00.123456Z"
    sha256: 9f2c4e0d8b7a6f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c
    size: 104857600
    schema_version: "1.1"
    schema_versions: {"core": "2", "comments": "1.1"}
    module_versions:
      comments: {"version": "1.4.0", "schema_version": "1.1", "dependencies": {"core": ">=2.1,<3"}, "checksum": null}
    label: deploy comments 1.4.0
    server_version: "16.4"
    pg_dump_version: "16.4"
    compress: null
    jobs: 1
    encoding: UTF8
    lc_collate: C.UTF-8
    lc_ctype: C.UTF-8
    tracking_schema: public
    snapshot: true
    duration_seconds: 12.5
removed_leftovers:
  description: Unfinished backups (C(.partial)) of killed runs that this backup removed.
  returned: success and not in check mode
  type: list
  elements: str
  sample: [/var/backups/blog/blog_backup_20261101_020000.dump.partial]
removed:
  description: Older backups that O(keep) removed (in check mode, would remove).
  returned: always
  type: list
  elements: str
  sample: [/var/backups/blog/blog_backup_20261101_020000.dump]
created_backup_dir:
  description: Whether O(backup_dir) was (in check mode, would be) created.
  returned: always
  type: bool
deployment:
  description:
    - With O(open_deploy), the deploy's history row that this run opened, as M(blogops.release.deployment) returns it
      (its C(id) is null in check mode). Also returned when the backup failed after the row was opened.
  returned: when O(open_deploy) opened the row
  type: dict
  sample: {"id": 42, "module_name": "comments", "from_version": "1.3.2", "to_version": "1.4.0", "status": "deploying",
           "message": "step: backup", "controller": "ctl1.example.com", "controller_pid": 4242}
timings:
  description: Seconds spent dumping (including the checksum) and, within that, hashing.
  returned: success and not in check mode
  type: dict
  sample: {"dump_seconds": 12.5, "checksum_seconds": 0.3}
'''

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native
from ansible_collections.blogops.release.plugins.module_utils._connection import (
    application_name,
    connect,
    database_argument_spec,
    database_error_class,
    database_error_message,
    dict_cursor,
    scrub,
    tracking_schema,
)
from ansible_collections.blogops.release.plugins.module_utils._database_backup import (
    FORMATS,
    BackupError,
    DatabaseBackup,
    check_backup_options,
)
from ansible_collections.blogops.release.plugins.module_utils._deploy_history import DeployConflict
from ansible_collections.blogops.release.plugins.module_utils._deploy_progress import (
    PROGRESS_ARGUMENT_SPEC,
    check_open_deploy,
    note_progress,
    open_step_deploy,
)
from ansible_collections.blogops.release.plugins.module_utils._pg_client import (
    ClientProgramError,
    PgClient,
    connection_parameters,
)


def main():
    module = AnsibleModule(
        argument_spec=database_argument_spec(
            backup_dir=dict(type='path', required=True),
            format=dict(type='str', default='custom', choices=list(FORMATS)),
            jobs=dict(type='int', default=1),
            compress=dict(type='int'),
            keep=dict(type='int'),
            label=dict(type='str'),
            pg_bin_dir=dict(type='path'),
            progress_checkpoint=dict(type='dict'),
            open_deploy=dict(type='dict'),
            **PROGRESS_ARGUMENT_SPEC
        ),
        mutually_exclusive=[('open_deploy', 'history_id')],
        supports_check_mode=True,
    )
    # RV(path) names a backup, not a file this module manages: without this, exit_json would add the file's
    # owner, mode and state, and replace RV(size) by the size of the directory entry.
    module.add_path_info = lambda result: result
    p = module.params
    try:
        check_backup_options(p['format'], p['jobs'], p['compress'], p['keep'], p['label'])
        opening = check_open_deploy(p['open_deploy']) if p['open_deploy'] is not None else None
    except ValueError as e:
        module.fail_json(msg=to_native(e))
    schema = tracking_schema(module)
    client = PgClient(connection_parameters(module), module.tmpdir, bin_dir=p['pg_bin_dir'],
                      find_program=module.get_bin_path,
                      application_name=application_name('db_backup'))

    conn = connect(module, 'db_backup')
    database_error = database_error_class()
    opened = {}
    if opening:
        try:
            opened['deployment'] = open_step_deploy(conn, dict_cursor(conn), schema, opening, check_mode=module.check_mode)
        except DeployConflict as e:
            conn.close()
            module.fail_json(msg='cannot open the deploy of %s %s, so nothing was backed up: %s'
                             % (opening['module_name'], opening['to_version'], to_native(e)))
        except database_error as e:
            conn.close()
            module.fail_json(msg="cannot open the deploy of %s %s in the deploy history, so nothing was backed up: %s"
                             % (opening['module_name'], opening['to_version'], database_error_message(e)))
        # The backup's note goes into the row just opened.
        p = dict(p, history_id=opened['deployment']['id'])
    run = DatabaseBackup(conn, dict_cursor(conn), client, schema, p['backup_dir'], fmt=p['format'], jobs=p['jobs'],
                         compress=p['compress'], keep=p['keep'], label=p['label'], check_mode=module.check_mode,
                         database_error=database_error, warn=module.warn)
    try:
        result = run.run()
    except (BackupError, ClientProgramError) as e:
        module.fail_json(msg=client.scrub(scrub(e, module)), **opened)
    except OSError as e:
        module.fail_json(msg='cannot back up database %s into %s: %s' % (p['login_db'], p['backup_dir'], to_native(e)),
                         **opened)
    except database_error as e:
        module.fail_json(msg='cannot back up database %s: %s' % (p['login_db'], database_error_message(e)), **opened)
    result.update(opened)
    warning = note_progress(conn, dict_cursor(conn), schema, p, backup=result.get('path'),
                            checkpoint=p['progress_checkpoint'], check_mode=module.check_mode, error_class=database_error)
    conn.close()
    if warning:
        module.warn(warning)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
