#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: backup_info
short_description: List the backups of the blog database, check their age and checksums
version_added: 0.1.0
description:
  - Lists the complete backups in O(backup_dir) (a backup with a valid sidecar, as M(blogops.release.db_backup)
    writes them), newest first, and returns the newest as RV(latest).
  - Leftovers (C(.partial) files of a backup being written or interrupted, dumps without a sidecar, sidecars without a
    dump, unreadable sidecars) are never counted as backups; they are reported in RV(incomplete).
  - O(max_age) fails the task when the newest complete backup is older, or when there is none, as a deploy's
    preflight check that today's backup exists.
  - O(verify) recomputes every backup's checksum and reports its state.
  - Backups are trusted only when nobody but the user running the module could have written them. A backup directory
    that belongs to another user or that its group or others may write fails the task, saying how to fix it; a
    backup or sidecar of another user is reported in RV(incomplete), never as a backup.
  - RV(latest) is the newest complete backup. M(blogops.release.db_restore) with O(blogops.release.db_restore#module:backup=latest)
    is stricter, and refuses when the newest backup of the directory is not complete.
  - Reads files only; it never connects to PostgreSQL. It takes the connection options so that
    C(module_defaults) for C(group/blogops.release.all) applies to it; of them, only O(login_db) is used.
options:
  backup_dir:
    description:
      - Directory of the backups. A missing directory holds no backups.
    type: path
    required: true
  login_db:
    description:
      - Only backups of this database. Omitted or empty means the backups of every database.
    type: str
    aliases: [db, database]
  release_tracking_schema:
    description:
      - Not used; accepted so that the action group's defaults apply.
    type: str
    default: public
  max_age:
    description:
      - Fail unless the newest complete backup (with O(verify), the newest verified one) is at most this old, for
        example V(1d), V(26h), V(1d12h), V(90m), or a number of seconds.
    type: str
  verify:
    description:
      - Recompute the checksum of every backup and compare it with its sidecar. Damaged backups are reported with
        RV(backups[].state=corrupt), listed in RV(corrupt) and never chosen as RV(latest).
    type: bool
    default: false
extends_documentation_fragment:
  - community.postgresql.postgres
  - blogops.release.attributes
  - blogops.release.attributes.info_module
seealso:
  - module: blogops.release.db_backup
  - module: blogops.release.db_restore
author:
  - blogops.release maintainers (@blogops)
'''

EXAMPLES = r'''
- name: Fail unless a backup of today exists
  blogops.release.backup_info:
    backup_dir: /var/backups/blog
    login_db: blog
    max_age: 1d

- name: Check every backup's checksum
  blogops.release.backup_info:
    backup_dir: /var/backups/blog
    verify: true
  register: backups

- name: Show the newest backup
  ansible.builtin.debug:
    msg: "{{ backups.latest.path }} taken {{ backups.latest.timestamp }}, schema {{ backups.latest.schema_version }}"
  when: backups.latest is not none
'''

RETURN = r'''
backups:
  description: Complete backups, newest first.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: File name of the backup.
      type: str
    path:
      description: Path of the backup, for M(blogops.release.db_restore).
      type: str
    sidecar:
      description: Path of its sidecar.
      type: str
    database:
      description: The database it was taken of.
      type: str
    format:
      description: C(custom), C(directory) or C(plain).
      type: str
    timestamp:
      description: When it was taken (UTC).
      type: str
    age_seconds:
      description: Its age in seconds.
      type: int
    size:
      description: Size in bytes.
      type: int
    sha256:
      description: Checksum from its sidecar.
      type: str
    label:
      description: Its label.
      type: str
    schema_version:
      description: Newest schema version of the database it holds.
      type: str
    schema_versions:
      description: Schema version per blog module.
      type: dict
    module_versions:
      description: Blog module versions.
      type: dict
    state:
      description: With O(verify), V(verified) or V(corrupt).
      type: str
    actual_sha256:
      description: With O(verify), the checksum recomputed now (null when the backup cannot be read).
      type: str
    problem:
      description: With O(verify), what is wrong with a corrupt backup.
      type: str
  sample:
    - name: blog_backup_20261124_100000.dump
      path: /var/backups/blog/blog_backup_20261124_100000.dump
      sidecar: /var/backups/blog/blog_backup_20261124_100000.dump.json
      database: blog
      format: custom
      timestamp: "2026-11-24T10:00:00.123456Z"
      age_seconds: 3600
      size: 104857600
      sha256: 9f2c4e0d8b7a6f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c
      label: null
      schema_version: "1.1"
      schema_versions: {"comments": "1.1", "core": "2"}
      module_versions: {}
latest:
  description: The newest complete backup (with O(verify), the newest verified one), as in RV(backups), or null.
  returned: always
  type: dict
incomplete:
  description: Leftovers that are not backups, with why.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: File name.
      type: str
    path:
      description: Path.
      type: str
    reason:
      description: Why it is not a complete backup.
      type: str
  sample:
    - name: blog_backup_20261124_110000.dump.partial
      path: /var/backups/blog/blog_backup_20261124_110000.dump.partial
      reason: "unfinished: a backup being written now, or one that was interrupted"
corrupt:
  description: With O(verify), paths of the backups whose checksum is not their sidecar's.
  returned: always
  type: list
  elements: str
'''

import datetime
import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native
from ansible_collections.blogops.release.plugins.module_utils._backup_catalog import (
    BackupNotFound,
    describe_age,
    parse_age,
    scan_backups,
)
from ansible_collections.blogops.release.plugins.module_utils._backup_sidecar import BackupMismatch, check_backup
from ansible_collections.blogops.release.plugins.module_utils._backup_trust import directory_problem
from ansible_collections.community.postgresql.plugins.module_utils.postgres import postgres_common_argument_spec

CHECKSUM_WORKERS = 4


def main():
    spec = postgres_common_argument_spec()
    spec.update(
        backup_dir=dict(type='path', required=True),
        login_db=dict(type='str', aliases=['db', 'database']),
        release_tracking_schema=dict(type='str', default='public'),
        max_age=dict(type='str'),
        verify=dict(type='bool', default=False),
    )
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    p = module.params
    try:
        max_age = parse_age(p['max_age']) if p['max_age'] is not None else None
        complete, leftovers = scan_backups(p['backup_dir'], p['login_db'] or None)
    except (ValueError, BackupNotFound) as e:
        module.fail_json(msg=to_native(e))
    if os.path.lexists(p['backup_dir']):
        untrusted = directory_problem(p['backup_dir'])
        if untrusted:
            module.fail_json(msg='the backups cannot be trusted: %s' % untrusted)

    now = datetime.datetime.now(datetime.timezone.utc)
    backups, corrupt, latest = [], [], None
    for backup in complete:
        summary = backup.summary(now)
        if p['verify']:
            try:
                summary['actual_sha256'] = check_backup(backup.path, backup.sidecar, CHECKSUM_WORKERS)
                summary['state'] = 'verified'
            except (BackupMismatch, OSError) as e:
                summary.update(state='corrupt', problem=to_native(e), actual_sha256=getattr(e, 'actual', None))
                corrupt.append(backup.path)
                module.warn(to_native(e))
        if latest is None and summary.get('state') != 'corrupt':
            latest = summary
        backups.append(summary)

    result = dict(changed=False, backups=backups, latest=latest, incomplete=leftovers, corrupt=corrupt)
    if max_age is not None:
        of_db = " of database '%s'" % p['login_db'] if p['login_db'] else ''
        kind = 'verified' if p['verify'] else 'complete'
        if latest is None:
            module.fail_json(msg='there is no %s backup%s in %s (max_age %s)' % (kind, of_db, p['backup_dir'], p['max_age']),
                             **result)
        if latest['age_seconds'] > max_age:
            module.fail_json(msg='the newest %s backup%s in %s, %s, was taken %s ago, longer ago than max_age %s'
                             % (kind, of_db, p['backup_dir'], latest['name'], describe_age(latest['age_seconds']),
                                p['max_age']), **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
