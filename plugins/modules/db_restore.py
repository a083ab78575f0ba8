#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: db_restore
short_description: Restore a checked backup of the blog database, or prove a backup restorable
version_added: 0.1.0
description:
  - Restores a backup written by M(blogops.release.db_backup) after checking it against its sidecar. A backup
    without a sidecar, or whose checksum is not the sidecar's, is refused; the message names the file and both
    checksums.
  - After the restore, the schema versions (per blog module and the newest overall) and the blog module versions of
    the restored database must be the sidecar's; otherwise the task fails.
  - O(mode=replace) ends with O(login_db) exactly as the backup holds it, whatever was created after the backup
    (tables, views, sequences, functions, triggers, types, schemas, extensions) and whatever depends on what. It
    restores into a new database (created from C(template0) with the backup's encoding and locale, owned by the
    owner of O(login_db)), checks the versions there, gives it the privileges, C(ALTER DATABASE ... SET) settings,
    comment and connection limit of O(login_db) (a dump does not hold them), refuses new connections to
    O(login_db), ends its sessions, copies its C(module_version_history) rows, then in one transaction renames
    O(login_db) away and the new database to its name, and drops the old one. Any failure before the renaming drops
    the new database and leaves O(login_db) as it was; the renaming is all or nothing.
  - The C(module_version_history) rows of O(login_db) are kept (rows the backup holds take their current values), so
    restoring the backup of a failed deploy keeps the record of that deploy.
  - Plain-SQL backups are restored by C(psql) with every meta-command refused (its input starts with C(\restrict)
    and a random key); a meta-command in the dump (C(\!), C(\o), C(\i), ...) fails the restore and never runs.
    This needs C(psql) 13.22, 14.19, 15.14, 16.10, 17.6 or newer; an older one is refused.
  - Only backups that nobody but the user running the module could have written are restored. A backup directory
    owned by another user or writable by its group or others, and a backup or sidecar owned by another user or
    writable by others, are refused with a message that says how to fix it.
  - O(mode=verify) restores into a new scratch database C(blogops_verify_<random>), compares its versions with the
    sidecar and drops it, also when anything fails. It proves the backup restorable without touching the database.
  - O(mode=new) creates O(target_db) (with the encoding and locale of the backed-up database) and restores into it;
    when the restore fails, the new database is dropped.
  - The password goes to C(pg_restore) and C(psql) in a passfile (C(0600), removed right after), never on a command
    line. Their errors are returned verbatim.
options:
  backup:
    description:
      - The backup to restore, the RV(blogops.release.db_backup#module:path) that M(blogops.release.db_backup)
        returned (the path of its sidecar works too); a relative path is taken in O(backup_dir).
      - V(latest) is the newest backup of O(login_db) in O(backup_dir). When it is unfinished, has no valid sidecar,
        is damaged or could have been written by another user, the task fails naming it; it never restores an older
        backup in its place. Name the backup to restore instead.
    type: str
    required: true
  backup_dir:
    description:
      - Directory of the backups, for O(backup=latest) and relative paths.
    type: path
  mode:
    description:
      - V(replace) restores over O(login_db), V(verify) into a scratch database dropped afterwards, V(new) into
        O(target_db), which it creates.
    type: str
    choices: [replace, verify, new]
    default: replace
  target_db:
    description:
      - With O(mode=new), the database to create and restore into. It must not exist.
    type: str
  jobs:
    description:
      - Parallel C(pg_restore) sessions for custom and directory backups, in every mode (each mode restores into a
        new database). Plain-SQL backups are restored by one C(psql) session.
    type: int
    default: 1
  pg_bin_dir:
    description:
      - Directory of C(pg_restore) and C(psql). Omitted means they are looked up on the PATH.
    type: path
  maintenance_db:
    description:
      - The database the module connects to while it creates, renames and drops databases. It must not be
        O(login_db).
    type: str
    default: postgres
extends_documentation_fragment:
  - community.postgresql.postgres
  - blogops.release.database
  - blogops.release.attributes
attributes:
  check_mode:
    support: full
    details: Checks the backup's checksum and what would be restored where; restores nothing and creates no database.
  diff_mode:
    support: full
    details: With O(mode=replace), the versions of the database before and the sidecar's after.
  idempotent:
    support: none
    details: O(mode=replace) restores again on every run. O(mode=verify) never changes anything.
notes:
  - O(mode=replace) ends every session of O(login_db) when it swaps the databases (applications reconnect to the
    restored database), and needs the role to have C(CREATEDB) and to be the owner of O(login_db) or a member of
    its owner (or a superuser), and to be allowed to end the other sessions (C(pg_signal_backend)).
  - O(mode=replace) needs room for a second copy of the database while it runs. A run killed before the swap leaves
    a database C(<login_db>_blogops_restore_<hex>) behind, one killed after it C(<login_db>_blogops_parked_<hex>);
    drop them.
  - O(mode=verify) and O(mode=new) need the right to create databases.
seealso:
  - module: blogops.release.db_backup
  - module: blogops.release.backup_info
  - name: pg_restore
    description: Options of pg_restore.
    link: https://www.postgresql.org/docs/current/app-pgrestore.html
author:
  - blogops.release maintainers (@blogops)
'''

EXAMPLES = r'''
- name: Prove that the newest backup restores
  blogops.release.db_restore:
    login_db: blog
    backup: latest
    backup_dir: /var/backups/blog
    mode: verify
    jobs: 4

- name: Put the database back as it was before the deploy
  blogops.release.db_restore:
    login_db: blog
    backup: "{{ pre_deploy_backup.path }}"
    mode: replace
    jobs: 2

- name: Restore the newest backup beside the live database, for a look
  blogops.release.db_restore:
    login_db: blog
    backup: latest
    backup_dir: /var/backups/blog
    mode: new
    target_db: blog_look
'''

RETURN = r'''
mode:
  description: O(mode).
  returned: always
  type: str
  sample: replace
database:
  description: The database restored into (O(login_db), O(target_db) or the scratch database).
  returned: always
  type: str
  sample: blog
history_kept:
  description:
    - With O(mode=replace), how many C(module_version_history) rows of the database before the restore were put back
      after it. The audit trail survives a restore, including the record of the deploy whose rollback restored it.
  returned: with O(mode=replace), not in check mode
  type: int
  sample: 12
parked_database:
  description:
    - With O(mode=replace), the name of the database that held the content of O(login_db) before the restore, when
      it could not be dropped after the swap (a warning says why). Drop it yourself.
  returned: when it could not be dropped
  type: str
  sample: blog_blogops_parked_3f9a0c1b
scratch_database:
  description: With O(mode=verify), the name of the scratch database, which no longer exists.
  returned: when O(mode=verify)
  type: str
  sample: blogops_verify_3f9a0c1b2d4e
backup:
  description: The backup restored, as its sidecar describes it.
  returned: always
  type: dict
  contains:
    name:
      description: File name of the backup.
      type: str
    path:
      description: Path of the backup.
      type: str
    sidecar:
      description: Path of its sidecar.
      type: str
    database:
      description: The database it was taken of.
      type: str
    format:
      description: Its format.
      type: str
    timestamp:
      description: When it was taken (UTC).
      type: str
    sha256:
      description: Its checksum, checked before the restore.
      type: str
    size:
      description: Its size in bytes.
      type: int
    label:
      description: Its label.
      type: str
  sample:
    name: blog_backup_20261124_100000.dump
    path: /var/backups/blog/blog_backup_20261124_100000.dump
    sidecar: /var/backups/blog/blog_backup_20261124_100000.dump.json
    database: blog
    format: custom
    timestamp: "2026-11-24T10:00:00.123456Z"
    sha256: 9f2c4e0d8b7a6f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c
    size: 104857600
    label: deploy comments 1.4.0
schema_version:
  description: Newest schema version of the restored database, the sidecar's.
  returned: always
  type: str
  sample: "1.1"
schema_versions:
  description: Schema version per blog module of the restored database, the sidecar's.
  returned: always
  type: dict
  sample: {"core": "2", "comments": "1.1"}
before:
  description: With O(mode=replace), the versions of the database before the restore.
  returned: when O(mode=replace)
  type: dict
  sample: {"schema_version": "1.2", "schema_versions": {"core": "2", "comments": "1.2"}, "module_versions": {}}
timings:
  description:
    - Seconds spent checking the checksum and restoring; with O(mode=replace) also restoring into the new database
      and checking it (C(new_database_seconds)), carrying the settings over, copying the history and renaming
      (C(swap_seconds)), and dropping the previous database (C(drop_seconds), which includes the checkpoint that
      C(DROP DATABASE) makes).
  returned: always
  type: dict
  sample: {"checksum_seconds": 0.4, "restore_seconds": 20.1, "new_database_seconds": 18.2, "swap_seconds": 0.3,
           "drop_seconds": 1.5}
'''

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native
from ansible_collections.blogops.release.plugins.module_utils._backup_catalog import BackupNotFound, resolve_backup
from ansible_collections.blogops.release.plugins.module_utils._backup_sidecar import BackupMismatch, InvalidSidecar
from ansible_collections.blogops.release.plugins.module_utils._backup_trust import UntrustedBackup
from ansible_collections.blogops.release.plugins.module_utils._connection import (
    application_name,
    connect,
    database_argument_spec,
    database_error_class,
    database_error_message,
    scrub,
)
from ansible_collections.blogops.release.plugins.module_utils._database_restore import (
    MODES,
    DatabaseRestore,
    RestoreError,
    check_restore_options,
)
from ansible_collections.blogops.release.plugins.module_utils._pg_client import (
    ClientProgramError,
    PgClient,
    connection_parameters,
)

CHECKSUM_WORKERS = 4


def main():
    module = AnsibleModule(
        argument_spec=database_argument_spec(
            backup=dict(type='str', required=True),
            backup_dir=dict(type='path'),
            mode=dict(type='str', default='replace', choices=list(MODES)),
            target_db=dict(type='str'),
            jobs=dict(type='int', default=1),
            pg_bin_dir=dict(type='path'),
            maintenance_db=dict(type='str', default='postgres'),
        ),
        supports_check_mode=True,
    )
    p = module.params
    try:
        check_restore_options(p['mode'], p['jobs'], p['target_db'])
        backup = resolve_backup(p['backup'], p['backup_dir'], p['login_db'])
    except (ValueError, BackupNotFound, InvalidSidecar, UntrustedBackup) as e:
        module.fail_json(msg='refusing to restore: %s' % to_native(e))

    client = PgClient(connection_parameters(module), module.tmpdir, bin_dir=p['pg_bin_dir'],
                      find_program=module.get_bin_path,
                      application_name=application_name('db_restore'))
    database_error = database_error_class()
    run = DatabaseRestore(
        lambda dbname, autocommit: connect(module, 'db_restore', autocommit=autocommit, dbname=dbname),
        client, backup, p['mode'], p['login_db'], target_db=p['target_db'], jobs=p['jobs'],
        check_mode=module.check_mode, workers=CHECKSUM_WORKERS, database_error=database_error,
        error_message=database_error_message, maintenance_db=p['maintenance_db'], warn=module.warn)
    try:
        result = run.run()
    except BackupMismatch as e:
        module.fail_json(msg='refusing to restore: %s' % to_native(e))
    except (RestoreError, ClientProgramError) as e:
        module.fail_json(msg=client.scrub(scrub(e, module)))
    except database_error as e:
        module.fail_json(msg='cannot restore %s: %s' % (backup.path, database_error_message(e)))
    if p['mode'] == 'replace':
        after = dict((field, backup.sidecar[field]) for field in ('schema_version', 'schema_versions', 'module_versions'))
        result['diff'] = dict(before=result['before'], after=after)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
