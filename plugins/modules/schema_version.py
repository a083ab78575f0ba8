#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: schema_version
short_description: Record one applied schema script of a blog module
version_added: 0.1.0
description:
  - Appends one row to the C(schema_version) table, as a migration tool does after running a script.
  - Recording what the history already says (the newest row of that version has the same kind, checksum and
    outcome, or the version is applied with that checksum) changes nothing.
  - Refuses a request that contradicts the history, such as a changed checksum for an applied version
    (use O(kind=repair) to accept it) or an undo of a version that is not applied.
  - To run migrations, use M(blogops.release.migrate), which records its rows itself.
options:
  module_name:
    description:
      - The blog module the script belongs to. Must match C(^[a-z][a-z0-9_]{0,62}$).
    type: str
    required: true
  version:
    description:
      - Schema version, dotted numbers compared numerically (C(1) < C(1.1) < C(1.10) < C(2)).
    type: str
    required: true
  description:
    description:
      - What the script does.
    type: str
    default: ''
  kind:
    description:
      - V(migrate) applies the version, V(undo) takes it back, V(baseline) marks an existing database as being at
        this version, V(repair) accepts a changed checksum or clears a failed run.
    type: str
    choices: [migrate, undo, baseline, repair]
    default: migrate
  checksum:
    description:
      - SHA-256 of the script, 64 lower-case hexadecimal digits.
    type: str
  script:
    description:
      - File name of the script, for example C(V1.1__add_index.sql).
    type: str
  execution_ms:
    description:
      - How long the script ran, in milliseconds.
    type: int
    default: 0
  success:
    description:
      - Whether the script succeeded. A failed row records the attempt and applies nothing.
    type: bool
    default: true
  actor:
    description:
      - Who applied the script, stored in C(applied_by). Defaults to the database user.
    type: str
extends_documentation_fragment:
  - community.postgresql.postgres
  - blogops.release.database
  - blogops.release.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: Shows the blog module's current schema version before and after.
  idempotent:
    support: full
seealso:
  - module: blogops.release.schema_version_info
  - module: blogops.release.module_version
author:
  - blogops.release maintainers (@blogops)
'''

EXAMPLES = r'''
- name: Record that V1.1 of comments was applied
  blogops.release.schema_version:
    login_db: blog
    module_name: comments
    version: "1.1"
    description: add index
    script: V1.1__add_index.sql
    checksum: 5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef

- name: Mark an existing database as being at schema version 3 of core
  blogops.release.schema_version:
    login_db: blog
    module_name: core
    version: "3"
    kind: baseline
    description: adopted by blogops.release
'''

RETURN = r'''
row:
  description: The C(schema_version) row added; absent when nothing was added or in check mode.
  returned: changed and not in check mode
  type: dict
  sample:
    id: 12
    module_name: comments
    version: "1.1"
    description: add index
    script: V1.1__add_index.sql
    checksum: 5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef
    kind: migrate
    applied_by: deploy
    applied_at: "2026-11-24T10:00:00.123456+00:00"
    execution_ms: 0
    success: true
schema_version_before:
  description: The blog module's current schema version before the task, or null.
  returned: success
  type: str
  sample: "1"
schema_version_after:
  description: The blog module's current schema version after the task (predicted in check mode), or null.
  returned: success
  type: str
  sample: "1.1"
'''

import re

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
from ansible_collections.blogops.release.plugins.module_utils._identifiers import check_blog_module_name
from ansible_collections.blogops.release.plugins.module_utils._migration_version import check_migration_version
from ansible_collections.blogops.release.plugins.module_utils._schema_history import (
    SchemaHistoryConflict,
    current_version_row,
    fetch_schema_rows,
    insert_schema_row,
    plan_record,
)
from ansible_collections.blogops.release.plugins.module_utils._tracking_tables import ensure_tracking_tables, tracking_tables_exist

REQUEST_FIELDS = ('module_name', 'version', 'description', 'kind', 'checksum', 'script', 'execution_ms', 'success')


def requested_row(params):
    check_blog_module_name(params['module_name'])
    check_migration_version(params['version'])
    if params['checksum'] is not None and not re.fullmatch(r'[0-9a-f]{64}', params['checksum']):
        raise ValueError('invalid checksum %r: expected a SHA-256 as 64 lower-case hexadecimal digits'
                         % params['checksum'])
    if params['execution_ms'] < 0:
        raise ValueError('execution_ms must not be negative, got %d' % params['execution_ms'])
    return dict((field, params[field]) for field in REQUEST_FIELDS)


def version_of(row):
    return row['version'] if row else None


def main():
    module = AnsibleModule(
        argument_spec=database_argument_spec(
            module_name=dict(type='str', required=True),
            version=dict(type='str', required=True),
            description=dict(type='str', default=''),
            kind=dict(type='str', default='migrate', choices=['migrate', 'undo', 'baseline', 'repair']),
            checksum=dict(type='str'),
            script=dict(type='str'),
            execution_ms=dict(type='int', default=0),
            success=dict(type='bool', default=True),
            actor=dict(type='str'),
        ),
        supports_check_mode=True,
    )
    try:
        request = requested_row(module.params)
    except ValueError as e:
        module.fail_json(msg=to_native(e))
    schema = tracking_schema(module)
    name = request['module_name']

    conn = connect(module, 'schema_version/%s' % name)
    result = dict(changed=False)
    try:
        cursor = dict_cursor(conn)
        if module.check_mode:
            rows = fetch_schema_rows(cursor, schema, name) if tracking_tables_exist(cursor, schema) else []
        else:
            ensure_tracking_tables(cursor, schema)
            rows = fetch_schema_rows(cursor, schema, name)
        result['changed'] = plan_record(rows, request)
        before = version_of(current_version_row(rows))
        after = before
        if result['changed']:
            predicted = dict(request, id=None, applied_by=None, applied_at=None)
            after = version_of(current_version_row(rows + [predicted]))
            if not module.check_mode:
                result['row'] = insert_schema_row(cursor, schema, request, module.params['actor'])
        conn.commit()
    except SchemaHistoryConflict as e:
        conn.rollback()
        module.fail_json(msg=to_native(e))
    except database_error_class() as e:
        conn.rollback()
        module.fail_json(msg="cannot record schema version %s of blog module '%s': %s"
                         % (request['version'], name, database_error_message(e)))
    finally:
        conn.close()

    result.update(schema_version_before=before, schema_version_after=after,
                  diff=dict(before=dict(schema_version=before), after=dict(schema_version=after)))
    module.exit_json(**result)


if __name__ == '__main__':
    main()
