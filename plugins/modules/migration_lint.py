#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: migration_lint
short_description: Check a blog module's pending migrations for statements that lock or break a live database
version_added: 0.1.0
description:
  - Parses each migration script with PostgreSQL's own parser (the Python package C(pglast), needed on the
    controller only) and reads, in one query on the database host, what the target's catalog says of every
    relation the scripts name (columns and types, row estimate and size, constraints and indexes).
  - Rules then report, for each statement, what it would lock, rewrite or break during a rolling deploy, naming the
    file, line and statement and the safe alternative. docs/migration-lint.md lists every rule.
  - The severity of most rules depends on the table, V(error) on a table of at least O(big_table_rows) rows or
    O(big_table_bytes) bytes, V(warning) on a smaller one, nothing on a table created earlier in the same run.
  - "A script opts out of one rule with a line C(-- blogops:allow <rule>: <reason>); an opt-out without a reason is
    itself an error. The C(-- blogops:allow-session-settings: <reason>) line of M(blogops.release.migrate) opts out
    of C(session-settings)."
  - Fails, listing every blocking finding at once, when a finding not opted out is at least as severe as
    O(fail_on). Never writes.
  - Runs as an action plugin; O(src) is read on the controller, only the catalog query runs on the host.
options:
  module_name:
    description:
      - The blog module whose migrations these are; its schema history says which scripts are pending.
    type: str
    required: true
  src:
    description:
      - Directory of the scripts on the controller.
    type: path
    required: true
  scripts:
    description:
      - V(pending) checks the C(V) scripts whose version the schema history does not record as applied.
      - V(all) checks every C(V) script.
    type: str
    choices: [pending, all]
    default: pending
  fail_on:
    description:
      - The least severe finding that fails the task. V(never) only reports.
    type: str
    choices: [error, warning, never]
    default: error
  big_table_rows:
    description:
      - From this row estimate (C(pg_class.reltuples)) on, a table is big and its findings are errors.
    type: int
    default: 100000
  big_table_bytes:
    description:
      - From this size (C(pg_total_relation_size)) on, a table is big and its findings are errors.
    type: int
    default: 1073741824
  placeholders:
    description:
      - Values substituted for C(${name}) in the scripts before they are parsed, as M(blogops.release.migrate) does.
    type: dict
    default: {}
  tables:
    description:
      - Set by the action plugin, not by users, the relations whose catalog entries to read.
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - community.postgresql.postgres
  - blogops.release.database
  - blogops.release.attributes
  - blogops.release.attributes.info_module
requirements:
  - pglast >= 8 on the controller
seealso:
  - module: blogops.release.migrate
author:
  - blogops.release maintainers (@blogops)
'''

EXAMPLES = r'''
- name: Check the pending migrations of comments against the live database
  blogops.release.migration_lint:
    login_db: blog
    module_name: comments
    src: /srv/checkout/blog/modules/comments/migrations
  register: comments_lint

- name: Show every finding, warnings included
  ansible.builtin.debug:
    msg: "{{ comments_lint.findings | map(attribute='message') | list }}"

- name: Check every script, failing on warnings too, with a lower bar for a big table
  blogops.release.migration_lint:
    login_db: blog
    module_name: core
    src: /srv/checkout/blog/modules/core/migrations
    scripts: all
    fail_on: warning
    big_table_rows: 10000
'''

RETURN = r'''
findings:
  description: Every finding, in the order the scripts would run, opted-out ones included.
  returned: always
  type: list
  elements: dict
  contains:
    rule:
      description: The rule's id.
      type: str
    severity:
      description: V(error) or V(warning).
      type: str
    script:
      description: File name of the script.
      type: str
    line:
      description: Line of the statement in the script.
      type: int
    statement:
      description: The statement, on one line, shortened past 120 characters.
      type: str
    table:
      description: The table the statement touches, as the script names it, or null.
      type: str
    size:
      description: V(big), V(small) or V(new) (created earlier in the run); null without a table.
      type: str
    message:
      description: File, line, statement, what is wrong, the table's size and the safe alternative.
      type: str
    fix:
      description: The safe alternative.
      type: str
    allowed:
      description: The reason given by the script's C(-- blogops:allow) line, or null.
      type: str
  sample:
    - rule: index-not-concurrent
      severity: error
      script: V1.2__title_index.sql
      line: 3
      statement: CREATE INDEX posts_title ON posts (title)
      table: posts
      size: big
      message: "V1.2__title_index.sql line 3: CREATE INDEX posts_title ON posts (title): builds an index without ..."
      fix: CREATE INDEX CONCURRENTLY, alone in a script of its own (it runs outside a transaction)
      allowed: null
errors:
  description: The messages of the findings that fail the task (see O(fail_on)).
  returned: always
  type: list
  elements: str
warnings_found:
  description: The messages of the other findings not opted out.
  returned: always
  type: list
  elements: str
allowed:
  description: Each opt-out, with the reason its script gives.
  returned: always
  type: list
  elements: dict
  sample: [{rule: drop-column, script: V3__drop_slug.sql, line: 2, severity: error, reason: "unused since 1.4"}]
scripts:
  description: The scripts checked, in order.
  returned: always
  type: list
  elements: str
  sample: [V1.2__title_index.sql]
catalog:
  description: What the database said of each relation the scripts name (those that exist).
  returned: always
  type: dict
applied_versions:
  description: Returned by the module to the action plugin, the versions the schema history records as applied.
  returned: always
  type: list
  elements: str
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
from ansible_collections.blogops.release.plugins.module_utils._migration_catalog import read_catalog
from ansible_collections.blogops.release.plugins.module_utils._schema_history import applied_versions, fetch_schema_rows
from ansible_collections.blogops.release.plugins.module_utils._tracking_tables import tracking_tables_exist


def main():
    module = AnsibleModule(
        argument_spec=database_argument_spec(
            module_name=dict(type='str', required=True),
            src=dict(type='path', required=True),
            scripts=dict(type='str', choices=['pending', 'all'], default='pending'),
            fail_on=dict(type='str', choices=['error', 'warning', 'never'], default='error'),
            big_table_rows=dict(type='int', default=100000),
            big_table_bytes=dict(type='int', default=1073741824),
            placeholders=dict(type='dict', default={}),
            tables=dict(type='list', elements='str', default=[]),
        ),
        supports_check_mode=True,
    )
    try:
        check_blog_module_name(module.params['module_name'])
    except ValueError as e:
        module.fail_json(msg=to_native(e))
    schema = tracking_schema(module)
    conn = connect(module, 'migration_lint')
    result = dict(changed=False, applied_versions=[], catalog={})
    try:
        cursor = dict_cursor(conn)
        if tracking_tables_exist(cursor, schema):
            rows = fetch_schema_rows(cursor, schema, module.params['module_name'])
            result['applied_versions'] = [row['version'] for row in applied_versions(rows).values()]
        result['catalog'] = read_catalog(cursor, module.params['tables'])
        conn.rollback()
    except database_error_class() as e:
        module.fail_json(msg='cannot read the catalog: %s' % database_error_message(e))
    finally:
        conn.close()
    module.exit_json(**result)


if __name__ == '__main__':
    main()
