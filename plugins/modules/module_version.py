#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: module_version
short_description: Record the deployed version of a blog module
version_added: 0.1.0
description:
  - Keeps the C(module_version) row of one blog module equal to the given version, schema version,
    dependencies and checksum, with an upsert (C(INSERT ... ON CONFLICT (module_name) DO UPDATE)).
  - Every change of the version appends a row to C(module_version_history) with status C(deployed).
  - Creates the tracking tables on first use.
options:
  module_name:
    description:
      - The blog module, for example C(comments). Must match C(^[a-z][a-z0-9_]{0,62}$).
    type: str
    required: true
  version:
    description:
      - Semantic version of the blog module, for example C(1.4.0) or C(2.0.0-rc.1).
      - Required with O(state=present).
    type: str
  schema_version:
    description:
      - Schema (migration) version the blog module runs with, dotted numbers such as C(1.1).
      - Omitted means no schema version is stored.
    type: str
  dependencies:
    description:
      - Blog modules this release needs, each with a version range such as C(>=2.1,<3), C(^1.2), C(~1.4), C(1.x).
      - Omitted means no dependencies are stored.
    type: dict
    default: {}
  checksum:
    description:
      - Checksum of the release's files, for example C(sha256:...).
      - Omitted means no checksum is stored.
    type: str
  actor:
    description:
      - Who records the version, stored in C(updated_by) and the history row. Defaults to the database user.
    type: str
  history_id:
    description:
      - The C(module_version_history) row of the deploy that changes the version (see M(blogops.release.deployment)).
        That row records the change, so none is appended.
    type: int
  progress_note:
    description:
      - With O(history_id) and O(state=present), the step reached (the deploy role's note for its record step), written into that row
        in a transaction of its own before the record, so that a run killed during the record leaves it. A note that
        cannot be written is a warning, not a failure.
    type: str
  verify:
    description:
      - With O(state=present), check in the transaction of the record that the blog module's schema, as
        C(schema_version) holds it, is at O(schema_version) (none when O(schema_version) is omitted). When it is not,
        nothing is recorded and the task fails saying what the database holds.
    type: bool
    default: false
  close_note:
    description:
      - With O(history_id) and O(state=present), close that row as C(deployed) with this message, in the transaction
        of the record (after O(verify)), so that the record and the end of the deploy land together or not at all.
      - Omitted means the row stays open.
    type: str
  state:
    description:
      - V(present) makes the row equal the options; V(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - community.postgresql.postgres
  - blogops.release.database
  - blogops.release.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  idempotent:
    support: full
seealso:
  - module: blogops.release.module_version_info
  - module: blogops.release.schema_version
  - module: blogops.release.deployment
author:
  - blogops.release maintainers (@blogops)
'''

EXAMPLES = r'''
- name: Record comments 1.4.0 and what it needs
  blogops.release.module_version:
    login_db: blog
    module_name: comments
    version: 1.4.0
    schema_version: "1.1"
    dependencies:
      core: ">=2.1,<3"
    checksum: "sha256:9f2c4e0d8b7a6f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c"

- name: Forget a blog module that was removed from the system
  blogops.release.module_version:
    login_db: blog
    module_name: legacy_widgets
    state: absent
'''

RETURN = r'''
module:
  description: The C(module_version) row after the task; in check mode, the row as it is now. Absent when there is no row.
  returned: success
  type: dict
  contains:
    module_name:
      description: The blog module.
      type: str
      sample: comments
    version:
      description: Its version.
      type: str
      sample: 1.4.0
    schema_version:
      description: Its schema version.
      type: str
      sample: "1.1"
    dependencies:
      description: Blog modules it needs and their ranges.
      type: dict
      sample: {"core": ">=2.1,<3"}
    checksum:
      description: Checksum of its files.
      type: str
    updated_at:
      description: When the row last changed (ISO 8601).
      type: str
    updated_by:
      description: Who changed it last.
      type: str
deployment:
  description: The deploy's C(module_version_history) row after O(close_note) closed it, with C(schema_snapshot) as
    M(blogops.release.deployment) returns it (the schema the deploy left, recorded for the drift check).
  returned: with O(close_note) and O(history_id), not in check mode
  type: dict
  sample: {"id": 42, "module_name": "comments", "status": "deployed", "message": "deployed comments 1.4.0"}
step:
  description: V(verify) when O(verify) found that the database does not match the record.
  returned: failure of O(verify)
  type: str
  sample: verify
history_id:
  description: Id of the C(module_version_history) row appended for a version change.
  returned: when the version changed, without O(history_id) and not in check mode
  type: int
  sample: 42
'''

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
from ansible_collections.blogops.release.plugins.module_utils._dependencies import check_dependencies
from ansible_collections.blogops.release.plugins.module_utils._deploy_close import check_recorded
from ansible_collections.blogops.release.plugins.module_utils._deploy_history import DeployConflict, snapshot_warning, update_deploy
from ansible_collections.blogops.release.plugins.module_utils._deploy_progress import note_progress
from ansible_collections.blogops.release.plugins.module_utils._identifiers import check_blog_module_name
from ansible_collections.blogops.release.plugins.module_utils._migration_version import check_migration_version
from ansible_collections.blogops.release.plugins.module_utils._module_versions import apply_module_version
from ansible_collections.blogops.release.plugins.module_utils._semver import parse_version


def requested_record(params):
    """The row the task asks for (None for state=absent), validated before any connection."""
    check_blog_module_name(params['module_name'])
    if params['state'] == 'absent':
        return None
    parse_version(params['version'])
    if params['schema_version'] is not None:
        check_migration_version(params['schema_version'])
    return dict(
        version=params['version'],
        schema_version=params['schema_version'],
        dependencies=check_dependencies(params['module_name'], params['dependencies']),
        checksum=params['checksum'],
    )


def main():
    module = AnsibleModule(
        argument_spec=database_argument_spec(
            module_name=dict(type='str', required=True),
            version=dict(type='str'),
            schema_version=dict(type='str'),
            dependencies=dict(type='dict', default={}),
            checksum=dict(type='str'),
            actor=dict(type='str'),
            history_id=dict(type='int'),
            progress_note=dict(type='str'),
            verify=dict(type='bool', default=False),
            close_note=dict(type='str'),
            state=dict(type='str', default='present', choices=['present', 'absent']),
        ),
        required_if=[('state', 'present', ['version'])],
        supports_check_mode=True,
    )
    try:
        record = requested_record(module.params)
    except ValueError as e:
        module.fail_json(msg=to_native(e))
    schema = tracking_schema(module)
    name = module.params['module_name']

    p = module.params
    conn = connect(module, 'module_version/%s' % name)
    cursor = dict_cursor(conn)
    present = p['state'] == 'present'
    if present:
        warning = note_progress(conn, cursor, schema, p, check_mode=module.check_mode, error_class=database_error_class())
        if warning:
            module.warn(warning)
    closed = None
    try:
        outcome = apply_module_version(cursor, schema, name, record, actor=p['actor'], check_mode=module.check_mode,
                                       record_history=p['history_id'] is None)
        if present and p['verify'] and not module.check_mode:
            mismatch = check_recorded(cursor, schema, name, outcome['row'])
            if mismatch:
                conn.rollback()
                module.fail_json(msg=mismatch + '; nothing was recorded', step='verify')
        if present and p['close_note'] and p['history_id'] and not module.check_mode:
            closed = update_deploy(cursor, schema, p['history_id'], status='deployed', message=p['close_note'])[1]
        conn.commit()
    except DeployConflict as e:
        conn.rollback()
        module.fail_json(msg="cannot close the deploy of blog module '%s': %s; nothing was recorded" % (name, to_native(e)))
    except database_error_class() as e:
        conn.rollback()
        module.fail_json(msg="cannot record the version of blog module '%s': %s" % (name, database_error_message(e)))
    finally:
        conn.close()

    result = dict(changed=outcome['changed'], diff=dict(before=outcome['before'] or {}, after=outcome['after'] or {}))
    if outcome['row'] is not None:
        result['module'] = outcome['row']
    if outcome['history_id'] is not None:
        result['history_id'] = outcome['history_id']
    if closed is not None:
        result['deployment'] = closed
        if snapshot_warning(closed):
            module.warn(snapshot_warning(closed))
    module.exit_json(**result)


if __name__ == '__main__':
    main()
