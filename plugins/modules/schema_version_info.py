#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: schema_version_info
short_description: Read the schema versions of blog modules and of the whole database
version_added: 0.1.0
description:
  - The current schema version of a blog module is the highest version among its successful C(migrate) and
    C(baseline) rows that no later C(undo) row took back.
  - The schema version of the whole database is the newest applied migration that no later C(undo) row took back,
    that is the C(migrate) or C(baseline) row with the highest C(id) among the versions in effect, whatever blog module.
  - Never writes. A database without tracking tables reads as one where nothing is applied yet.
options:
  module_name:
    description:
      - Only this blog module (O(history) and RV(modules)). RV(database) is always the whole database's.
    type: str
  history:
    description:
      - Also return the C(schema_version) rows, newest first.
    type: bool
    default: false
extends_documentation_fragment:
  - community.postgresql.postgres
  - blogops.release.database
  - blogops.release.attributes
  - blogops.release.attributes.info_module
seealso:
  - module: blogops.release.schema_version
  - module: blogops.release.module_version_info
author:
  - blogops.release maintainers (@blogops)
'''

EXAMPLES = r'''
- name: Read the schema versions
  blogops.release.schema_version_info:
    login_db: blog
  register: schema

- name: Show the schema version of comments and of the database
  ansible.builtin.debug:
    msg: "comments at {{ schema.modules.comments.version | default('none') }}, database at {{ schema.database.version | default('none') }}"

- name: Read the full schema history of comments
  blogops.release.schema_version_info:
    login_db: blog
    module_name: comments
    history: true
  register: comments_schema
'''

RETURN = r'''
modules:
  description: For each blog module with an applied schema version, the row that applied its current version.
  returned: always
  type: dict
  sample:
    comments:
      id: 12
      module_name: comments
      version: "1.1"
      description: add index
      script: V1.1__add_index.sql
      checksum: 5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef
      kind: migrate
      applied_by: deploy
      applied_at: "2026-11-24T10:00:00.123456+00:00"
      execution_ms: 4
      success: true
failures:
  description:
    - For each blog module with unresolved failures, its failed rows that are still the newest row of their version
      (a script that failed outside a transaction may have left part of its work; see M(blogops.release.migrate)
      O(blogops.release.migrate#module:state=repair)).
  returned: always
  type: dict
  sample: {"comments": [{"version": "1.2", "script": "V1.2__index_concurrently.sql", "success": false}]}
database:
  description: The row of the database's schema version (the newest applied migration not undone), or null when
    none is applied.
  returned: always
  type: dict
  sample:
    id: 12
    module_name: comments
    version: "1.1"
    kind: migrate
    applied_at: "2026-11-24T10:00:00.123456+00:00"
history:
  description: C(schema_version) rows (of O(module_name) when given), newest first.
  returned: when O(history=true)
  type: list
  elements: dict
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
from ansible_collections.blogops.release.plugins.module_utils._identifiers import check_blog_module_name
from ansible_collections.blogops.release.plugins.module_utils._schema_history import (
    current_versions,
    fetch_newest_schema_row,
    fetch_schema_rows,
    unresolved_failures,
)
from ansible_collections.blogops.release.plugins.module_utils._tracking_tables import tracking_tables_exist


def main():
    module = AnsibleModule(
        argument_spec=database_argument_spec(
            module_name=dict(type='str'),
            history=dict(type='bool', default=False),
        ),
        supports_check_mode=True,
    )
    name = module.params['module_name']
    if name is not None:
        try:
            check_blog_module_name(name)
        except ValueError as e:
            module.fail_json(msg=to_native(e))
    schema = tracking_schema(module)

    conn = connect(module, 'schema_version_info')
    result = dict(changed=False, modules={}, database=None, failures={})
    try:
        cursor = dict_cursor(conn)
        if tracking_tables_exist(cursor, schema):
            rows = fetch_schema_rows(cursor, schema, name)
            result['modules'] = current_versions(rows)
            for module_name in sorted(set(row['module_name'] for row in rows)):
                failures = unresolved_failures([row for row in rows if row['module_name'] == module_name])
                if failures:
                    result['failures'][module_name] = failures
            result['database'] = fetch_newest_schema_row(cursor, schema)
        else:
            rows = []
        if module.params['history']:
            result['history'] = rows[::-1]
        conn.rollback()
    except database_error_class() as e:
        module.fail_json(msg='cannot read schema versions: %s' % database_error_message(e))
    finally:
        conn.close()
    module.exit_json(**result)


if __name__ == '__main__':
    main()
