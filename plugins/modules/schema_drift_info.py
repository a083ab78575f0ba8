#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: schema_drift_info
short_description: Compare the live schema with the one the applied migrations made
version_added: 0.2.0
description:
  - Every deploy and rollback records the schema it left in the tracking table C(schema_snapshot) when it closes its
    C(module_version_history) row, whatever its outcome (a deploy stopped by its preflight opens no row). This module reads the live catalogs and names each
    difference from that snapshot, object by object. A column (its type, default, nullability, identity),
    a constraint, an index, a function's body, a trigger, a view, a grant, a table, a sequence, a type, a schema
    or an extension that was added, dropped or changed out of band.
  - Each difference is attributed to the blog module whose deploy made or last changed the object (or the object
    it belongs to); objects that no snapshot attributes count under no blog module.
  - The tracking tables, the system schemas and objects that belong to an extension are not compared.
  - Never writes. A database where no deploy or rollback has recorded a snapshot yet reports RV(drift=null).
options:
  warn:
    description:
      - Also show each difference as a warning, as a deploy allowed onto a drifted database does.
    type: bool
    default: false
extends_documentation_fragment:
  - community.postgresql.postgres
  - blogops.release.database
  - blogops.release.attributes
  - blogops.release.attributes.info_module
seealso:
  - module: blogops.release.deployment
  - module: blogops.release.schema_version_info
author:
  - blogops.release maintainers (@blogops)
'''

EXAMPLES = r'''
- name: Compare the live schema with the last deploy's
  blogops.release.schema_drift_info:
    login_db: blog
  register: drift

- name: Name every difference
  ansible.builtin.debug:
    msg: "{{ drift.messages }}"
  when: drift.drift
'''

RETURN = r'''
drift:
  description: Whether anything differs; null when no snapshot was recorded yet.
  returned: always
  type: bool
  sample: true
messages:
  description: One line per difference, naming the object and what changed.
  returned: always
  type: list
  elements: str
  sample:
    - "column public.posts.title: type text -> character varying(200)"
    - "index public.posts_title_idx: added"
    - "function public.touch_updated_at(): body differs"
    - "grant on table public.posts: privileges [postgres=arwdDxt/postgres] -> [postgres=arwdDxt/postgres, web=r/postgres]"
differences:
  description: Each difference with C(object), C(kind), C(change) (C(added), C(dropped) or C(changed)), C(fields) (the
    parts that changed), C(expected) and C(found) (the definitions, null when absent), C(module) (the blog module,
    null when unknown) and C(message).
  returned: always
  type: list
  elements: dict
modules:
  description: The messages grouped by blog module; differences of no known blog module are under C(unattributed).
  returned: always
  type: dict
  sample:
    core: ["column public.posts.title: type text -> character varying(200)"]
snapshot:
  description: The snapshot compared with, null when there is none. C(module_name) and C(history_id) of the deploy or
    rollback that recorded it, C(taken_at), C(taken_by), C(objects) (how many objects it holds).
  returned: always
  type: dict
  sample:
    module_name: comments
    history_id: 42
    taken_at: "2026-12-01 10:00:00.123+00"
    taken_by: deploy
    objects: 312
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.blogops.release.plugins.module_utils._connection import (
    connect,
    database_argument_spec,
    database_error_class,
    database_error_message,
    dict_cursor,
    tracking_schema,
)
from ansible_collections.blogops.release.plugins.module_utils._schema_drift import check_drift


def main():
    module = AnsibleModule(argument_spec=database_argument_spec(warn=dict(type='bool', default=False)),
                           supports_check_mode=True)
    schema = tracking_schema(module)
    conn = connect(module, 'schema_drift_info')
    try:
        snapshot, differences = check_drift(dict_cursor(conn), schema)
        conn.rollback()
    except database_error_class() as e:
        module.fail_json(msg='cannot compare the schema with its snapshot: %s' % database_error_message(e))
    finally:
        conn.close()
    differences = differences or []
    grouped = {}
    for difference in differences:
        if module.params['warn']:
            module.warn('schema drift: %s' % difference['message'])
        grouped.setdefault(difference['module'] or 'unattributed', []).append(difference['message'])
    module.exit_json(
        changed=False, drift=None if snapshot is None else bool(differences), differences=differences,
        messages=[d['message'] for d in differences], modules=grouped,
        snapshot=None if snapshot is None else dict(
            [(field, snapshot[field]) for field in ('module_name', 'history_id', 'taken_at', 'taken_by')]
            + [('objects', len(snapshot['objects']))]),
    )


if __name__ == '__main__':
    main()
