#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: preflight_database
short_description: Read everything a deploy checks on the database host, on one connection
version_added: 0.1.0
description:
  - The database half of the deploy's preflight (role C(blogops.release.preflight)), in one module run on one
    connection; every read runs even when an earlier one found a problem, so that one preflight lists them all.
  - Reads the recorded blog modules and the open deploys of O(module_name) (as M(blogops.release.module_version_info)),
    its current schema version (as M(blogops.release.schema_version_info)), validates its migrations against the
    schema history and the role's privileges (as M(blogops.release.migrate) with
    O(blogops.release.migrate#module:state=validate)), reads the catalog the migration lint needs (as
    M(blogops.release.migration_lint)), compares the schema with the snapshot the last deploy or rollback took (as
    M(blogops.release.schema_drift_info)) and checks the backup directory (as M(blogops.release.host_check)).
  - Reports what it found and each problem in RV(errors); fails only on bad options. Never writes.
  - With O(stop_at_open_deploy=true), an open deploy of O(module_name) ends the reads after the history's.
  - Runs as an action plugin; O(src) is read on the controller, where the migration lint also runs, and reaches the
    host in one archive. The controller also judges whether the run of each open deploy is alive (RV(in_progress)),
    so that the recover role needs no look-up of its own after this read.
options:
  module_name:
    description:
      - The blog module about to be deployed.
    type: str
    required: true
  src:
    description:
      - The blog module's migrations directory on the controller. Omitted or empty, no migration is validated or
        linted.
    type: path
  lint:
    description:
      - Also check the pending migrations with the rules of M(blogops.release.migration_lint) against the catalog
        (RV(lint)); its default thresholds apply.
    type: bool
    default: true
  drift:
    description:
      - Compare the schema with the snapshot the last deploy or rollback took (RV(schema_drift)).
    type: bool
    default: true
  allow_drift:
    description:
      - Warn of each difference O(drift) finds instead of reporting it as a problem (C(allowed) in RV(schema_drift)); a
        failure to compare is then a warning too.
    type: bool
    default: false
  backup_dir:
    description:
      - The directory the deploy's backup goes to on this host. Omitted, it is not checked.
    type: path
  backup_min_free_mb:
    description:
      - Free space O(backup_dir) needs, in MB.
    type: int
    default: 0
  stop_at_open_deploy:
    description:
      - Stop after the read of the open deploys when it finds one (RV(in_progress)); the other checks are not made.
        They would read the state a dead run left, for the recover role to put back first, or wait for the locks a
        run still alive holds (its migration's).
    type: bool
    default: false
  stale_after:
    description:
      - The lease in seconds by which the run of each open deploy in RV(in_progress) is judged, as
        M(blogops.release.deployment) with O(blogops.release.deployment#module:state=query) judges it; V(0) means the
        default, 300.
    type: int
    default: 300
  path:
    description:
      - Set by the action plugin, not by users, the migrations directory on the host.
    type: path
  archive:
    description:
      - Set by the action plugin, not by users, the migrations shipped from the controller.
    type: path
  lint_tables:
    description:
      - Set by the action plugin, not by users, the relations whose catalog entries to read; omitted, none.
    type: list
    elements: str
extends_documentation_fragment:
  - community.postgresql.postgres
  - blogops.release.database
  - blogops.release.attributes
  - blogops.release.attributes.info_module
requirements:
  - pglast >= 8 on the controller, with O(lint=true)
seealso:
  - module: blogops.release.migrate
  - module: blogops.release.migration_lint
  - module: blogops.release.module_version_info
  - module: blogops.release.preflight_app_host
author:
  - blogops.release maintainers (@blogops)
'''

EXAMPLES = r'''
- name: Read what a deploy of comments checks on the database host
  blogops.release.preflight_database:
    login_db: blog
    module_name: comments
    src: /srv/checkout/blog/modules/comments/migrations
    backup_dir: /var/backups/blog
    backup_min_free_mb: 100
  register: comments_database

- name: Show the problems found, by check
  ansible.builtin.debug:
    msg: "{{ comments_database.errors | dict2items | map(attribute='value') | list + comments_database.lint.errors }}"
'''

RETURN = r'''
connected:
  description: Whether the connection to the database could be opened; without it only the backup directory is checked.
  returned: always
  type: bool
errors:
  description:
    - The problem each failed check found, by check, C(connection), C(installed), C(schema), C(migrations),
      C(lint), C(schema_drift) or C(backup_dir); empty when every check passed.
    - The lint's findings are in RV(lint), the backup directory's problems in RV(backup_dir).
  returned: always
  type: dict
  sample: {"migrations": "V1.1__empty.sql: empty script"}
installed:
  description: The recorded blog modules, keyed by name, as M(blogops.release.module_version_info) returns them.
  returned: when connected and readable
  type: dict
in_progress:
  description:
    - The open deploys of O(module_name) (history rows with status C(deploying)), oldest first, as
      M(blogops.release.deployment) with O(blogops.release.deployment#module:state=query) returns them, each with
      the database sessions working for it (C(sessions)) and whether its run is C(alive), C(dead) or C(unknown)
      (C(run_state), judged on the controller with the lease O(stale_after)) and why (C(run_reason)).
  returned: when connected and readable
  type: list
  elements: dict
  sample: [{"id": 7, "module_name": "comments", "from_version": "1.0.0", "to_version": "1.1.0", "status": "deploying",
            "message": "step: migrate", "heartbeat_age_s": 900, "sessions": [], "run_state": "dead",
            "run_reason": "no database session of it is open and its last heartbeat is 900 s old, more than the 300 s lease"}]
schema_version:
  description: The C(schema_version) row of the blog module's current schema version, or null.
  returned: when connected and readable
  type: dict
migrations:
  description: The validated plan, C(pending) (each with C(version), C(script), C(checksum), C(in_transaction)),
    C(schema_version_before) and C(schema_version_after).
  returned: when O(src) is given and the migrations are valid
  type: dict
lint:
  description:
    - The migration lint's result, C(scripts) checked, C(findings), C(errors) (the messages of the findings that
      block, as M(blogops.release.migration_lint) with its defaults) and C(warnings_found); also C(catalog) and
      C(applied_versions), as read.
  returned: with O(lint=true) and O(src), when connected
  type: dict
schema_drift:
  description:
    - The schema against the last deploy's snapshot, C(compared) (false before the first snapshot), C(allowed)
      (O(allow_drift)) and C(messages), one line per difference, as M(blogops.release.schema_drift_info) words them.
    - The differences are problems unless C(allowed).
  returned: with O(drift=true), when connected
  type: dict
  sample: {"compared": true, "allowed": false, "messages": ["column public.posts.x: added (text)"]}
backup_dir:
  description: The backup directory as M(blogops.release.host_check) reports a path, with its C(problems).
  returned: when O(backup_dir) is given
  type: dict
  sample: {"path": "/var/backups/blog", "checked": "/var/backups", "exists": false, "writable": true,
           "free_mb": 20480, "problems": []}
'''


from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native
from ansible_collections.blogops.release.plugins.module_utils._deploy_history import DEFAULT_LEASE
from ansible_collections.blogops.release.plugins.module_utils._preflight_database import run_reads
from ansible_collections.blogops.release.plugins.module_utils._connection import database_argument_spec, tracking_schema
from ansible_collections.blogops.release.plugins.module_utils._identifiers import check_blog_module_name
from ansible_collections.blogops.release.plugins.module_utils._release_transfer import unpack_shipped_migrations


def main():
    module = AnsibleModule(
        argument_spec=database_argument_spec(
            module_name=dict(type='str', required=True),
            src=dict(type='path'),
            lint=dict(type='bool', default=True),
            drift=dict(type='bool', default=True),
            allow_drift=dict(type='bool', default=False),
            backup_dir=dict(type='path'),
            backup_min_free_mb=dict(type='int', default=0),
            stop_at_open_deploy=dict(type='bool', default=False),
            stale_after=dict(type='int', default=DEFAULT_LEASE),
            path=dict(type='path'),
            archive=dict(type='path'),
            lint_tables=dict(type='list', elements='str'),
        ),
        mutually_exclusive=[('path', 'archive')],
        supports_check_mode=True,
    )
    try:
        check_blog_module_name(module.params['module_name'])
    except ValueError as e:
        module.fail_json(msg=to_native(e))
    schema = tracking_schema(module)
    if module.params['archive']:
        try:
            module.params['path'] = unpack_shipped_migrations(module.params['archive'])
        except ValueError as e:
            module.fail_json(msg=to_native(e))
    module.exit_json(**run_reads(module, schema))


if __name__ == '__main__':
    main()
