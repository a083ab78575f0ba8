#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: module_version_info
short_description: Read the recorded versions of blog modules and their history
version_added: 0.1.0
description:
  - Returns the C(module_version) rows of one blog module or of all, the deploys of them in progress, and on
    request their C(module_version_history) rows, newest first.
  - Never writes. A database without tracking tables reads as one where nothing is recorded yet.
options:
  module_name:
    description:
      - Only this blog module. Omitted means all.
    type: str
  history:
    description:
      - Also return the history rows.
    type: bool
    default: false
  history_limit:
    description:
      - At most this many history rows, newest first. V(0) means all.
    type: int
    default: 100
  history_checkpoint:
    description:
      - With O(history=true), also return each deploy's C(checkpoint), the state it returns to (see
        M(blogops.release.deployment)), which the rollback playbook reads.
    type: bool
    default: false
extends_documentation_fragment:
  - community.postgresql.postgres
  - blogops.release.database
  - blogops.release.attributes
  - blogops.release.attributes.info_module
seealso:
  - module: blogops.release.module_version
author:
  - blogops.release maintainers (@blogops)
'''

EXAMPLES = r'''
- name: Read every blog module's version
  blogops.release.module_version_info:
    login_db: blog
  register: versions

- name: Show the version of comments and its last five changes
  blogops.release.module_version_info:
    login_db: blog
    module_name: comments
    history: true
    history_limit: 5
  register: comments_versions

- name: Fail unless core 1.x is installed
  ansible.builtin.assert:
    that:
      - versions.modules.core.version is blogops.release.version_satisfies('^1.0')
'''

RETURN = r'''
modules:
  description: Recorded blog modules, keyed by name.
  returned: always
  type: dict
  sample:
    comments:
      module_name: comments
      version: 1.4.0
      schema_version: "1.1"
      dependencies: {"core": ">=2.1,<3"}
      checksum: "sha256:9f2c..."
      updated_at: "2026-11-24T10:00:00.123456+00:00"
      updated_by: deploy
in_progress:
  description:
    - History rows with status C(deploying), oldest first. Such a row is a deploy running now, or one that was killed
      (see M(blogops.release.deployment)).
  returned: always
  type: list
  elements: dict
history:
  description:
    - History rows, newest first. C(status) is C(deploying), C(deployed), C(failed), C(halted) or C(rolled_back).
    - A halted deploy that an earlier release stored as C(failed), with C(the rollout halted) in its message, reads as
      C(halted).
  returned: when O(history=true)
  type: list
  elements: dict
  sample:
    - id: 7
      module_name: comments
      from_version: 1.3.0
      to_version: 1.4.0
      status: deployed
      backup: /var/backups/blog/blog_backup_20261124_100000.dump
      started_at: "2026-11-24T09:59:58.000001+00:00"
      finished_at: "2026-11-24T10:00:00.123456+00:00"
      actor: deploy
      message: null
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
from ansible_collections.blogops.release.plugins.module_utils._deploy_history import deploys_in_progress
from ansible_collections.blogops.release.plugins.module_utils._identifiers import check_blog_module_name
from ansible_collections.blogops.release.plugins.module_utils._module_versions import fetch_history, fetch_module_versions
from ansible_collections.blogops.release.plugins.module_utils._tracking_tables import tracking_tables_exist


def main():
    module = AnsibleModule(
        argument_spec=database_argument_spec(
            module_name=dict(type='str'),
            history=dict(type='bool', default=False),
            history_limit=dict(type='int', default=100),
            history_checkpoint=dict(type='bool', default=False),
        ),
        supports_check_mode=True,
    )
    name = module.params['module_name']
    try:
        if name is not None:
            check_blog_module_name(name)
        if module.params['history_limit'] < 0:
            raise ValueError('history_limit must be 0 (all) or more, got %d' % module.params['history_limit'])
    except ValueError as e:
        module.fail_json(msg=to_native(e))
    schema = tracking_schema(module)

    conn = connect(module, 'module_version_info')
    result = dict(changed=False, modules={}, in_progress=[])
    try:
        cursor = dict_cursor(conn)
        exists = tracking_tables_exist(cursor, schema)
        if exists:
            result['modules'] = fetch_module_versions(cursor, schema, name)
            result['in_progress'] = deploys_in_progress(cursor, schema, name)
        if module.params['history']:
            result['history'] = fetch_history(cursor, schema, name, module.params['history_limit'],
                                              checkpoint=module.params['history_checkpoint']) if exists else []
        conn.rollback()
    except database_error_class() as e:
        module.fail_json(msg='cannot read blog module versions: %s' % database_error_message(e))
    finally:
        conn.close()
    module.exit_json(**result)


if __name__ == '__main__':
    main()
