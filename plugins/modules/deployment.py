#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: deployment
short_description: Open, follow and close a deploy's row in the blog module history
version_added: 0.1.0
description:
  - V(started) appends a C(module_version_history) row with status C(deploying) for a blog module. Only one such row
    can exist per blog module, so the row is the deploy's lock; starting a second deploy fails naming the first
    (who, when, how far it got, from which controller).
  - The row records which run owns it, the controller host, the pid of its C(ansible-playbook) process and a token
    of that process (boot id, pid namespace and start time). The action plugin fills them in on the controller.
  - V(progress) records how far an open deploy got (O(note)), its pre-deploy backup (O(backup)) and the state to
    return to (O(checkpoint)), and renews the row's heartbeat, so that a later run can tell what a killed run left
    behind, and whether that run is dead. Without O(note), O(backup) and O(checkpoint) it only renews the heartbeat.
  - V(finished) closes the row as C(deployed), C(failed), C(halted) or C(rolled_back), and records the schema the
    deploy left, in the same transaction, as the reference of M(blogops.release.schema_drift_info). C(halted) is a
    rolling deploy that stopped part way (C(blogops_release_on_host_failure=halt)), its new release live on some hosts
    and the schema migrated; it stays in effect until the rollback playbook undoes it. A row that an earlier
    release stored as C(failed) with C(the rollout halted) in its message reads as C(halted).
  - V(query) returns the deploys in progress, each with the database sessions working for it (C(sessions), from
    C(pg_stat_activity)), C(run_state) and C(run_reason). C(run_state) is C(dead) when no such session is open and
    the heartbeat is older than O(stale_after); C(alive) when the run's C(ansible-playbook) process runs in this
    controller's kernel boot and pid namespace (whatever its host name); C(dead) at once when that process is gone
    and no session of it is open; C(unknown) otherwise (ask again; an open session or a young heartbeat may be a
    live run on another controller). The controller's host name decides nothing.
  - V(takeover) makes this run the owner of an open row whose run is dead, if O(owner) still owns it and its
    heartbeat did not move since, which is a compare-and-set, so that of two runs recovering the same row only one
    goes on, and none takes over a run that was alive after all.
options:
  module_name:
    description:
      - The blog module. Must match C(^[a-z][a-z0-9_]{0,62}$).
    type: str
    required: true
  state:
    description:
      - What to do, see the description.
    type: str
    choices: [started, progress, finished, query, takeover]
    default: started
  to_version:
    description:
      - With O(state=started), the version being deployed. C(from_version) is taken from C(module_version).
      - Empty for none, as a rollback of a blog module's first deploy records it (back to nothing).
    type: str
  history_id:
    description:
      - With O(state=progress), O(state=finished) and O(state=takeover), the row that O(state=started) returned.
    type: int
  status:
    description:
      - With O(state=finished), the outcome.
      - V(halted) is a rolling deploy that stopped part way and left its changes in effect; V(failed) one that
        changed nothing, or whose rollback failed too.
    type: str
    choices: [deployed, failed, halted, rolled_back]
  note:
    description:
      - What happened, or the step reached; stored in the row's C(message).
    type: str
  backup:
    description:
      - The pre-deploy backup, stored in the row's C(backup).
    type: str
  actor:
    description:
      - Who deploys, stored in C(actor). Defaults to the database user.
    type: str
  checkpoint:
    description:
      - With O(state=progress), the state a recovery returns to, stored in the row's C(checkpoint) (JSON), for example
        the release being deployed, each host's C(current) and C(previous) releases and the C(module_version) row
        before the deploy.
    type: dict
  owner:
    description:
      - With O(state=takeover), the C(controller), C(controller_pid) and C(controller_token) that O(state=query)
        returned for the row, whose run was found dead.
    type: dict
  stale_after:
    description:
      - With O(state=query), the lease in seconds; V(0) means the default, 300. A row with no database session of its
        run open and a heartbeat older than this is reported C(dead), whatever controller owns it. The heartbeat is
        renewed by every step of a deploy; backups and migrations keep a session open. Raise it above the longest
        upload of a release to every app host, or the longest batch of the switch, if those take longer.
    type: int
    default: 300
  controller:
    description:
      - The controller host of the run. Set by the action plugin; give it only to record a run by hand.
    type: str
  controller_pid:
    description:
      - The pid of the run's C(ansible-playbook) process. Set by the action plugin.
    type: int
  controller_token:
    description:
      - A token of that process (boot id and start time) that tells it from a later process with the same pid. Set by
        the action plugin.
    type: str
extends_documentation_fragment:
  - community.postgresql.postgres
  - blogops.release.database
  - blogops.release.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  idempotent:
    support: partial
    details: V(started) opens a new row each time it succeeds; V(progress) and V(finished) are idempotent.
  action:
    description: The action plugin adds this run's identity (controller host, ansible-playbook pid, token) and, with
      O(state=query), tells from the controller whether each open row's run is alive.
    support: full
seealso:
  - module: blogops.release.module_version
  - module: blogops.release.module_version_info
author:
  - blogops.release maintainers (@blogops)
'''

EXAMPLES = r'''
- name: Open the deploy of comments 1.4.0
  blogops.release.deployment:
    login_db: blog
    module_name: comments
    to_version: 1.4.0
    actor: "{{ lookup('ansible.builtin.env', 'USER') }}"
  register: deploy

- name: Note the backup taken before migrating
  blogops.release.deployment:
    login_db: blog
    module_name: comments
    state: progress
    history_id: "{{ deploy.deployment.id }}"
    backup: /var/backups/blog/blog_backup_20261124_100000.dump
    note: "step: migrate"

- name: Find deploys of comments whose run died
  blogops.release.deployment:
    login_db: blog
    module_name: comments
    state: query
  register: open_deploys

- name: Take over the first one, if its run is dead
  blogops.release.deployment:
    login_db: blog
    module_name: comments
    state: takeover
    history_id: "{{ open_deploys.in_progress[0].id }}"
    owner: "{{ open_deploys.in_progress[0] }}"
    note: recovering
  when: open_deploys.in_progress and open_deploys.in_progress[0].run_state == 'dead'

- name: Close it
  blogops.release.deployment:
    login_db: blog
    module_name: comments
    state: finished
    history_id: "{{ deploy.deployment.id }}"
    status: deployed
'''

RETURN = r'''
deployment:
  description:
    - The history row after the task (predicted in check mode, with a null id for O(state=started)).
    - With O(state=finished), with C(schema_snapshot) (C(recorded), and C(objects) or the C(error)
      that kept the schema from being recorded, which fails nothing).
  returned: with O(state=started), O(state=progress) and O(state=finished)
  type: dict
  sample:
    id: 42
    module_name: comments
    from_version: 1.3.0
    to_version: 1.4.0
    status: deploying
    backup: null
    started_at: "2026-11-24T10:00:00.123456+00:00"
    finished_at: null
    actor: deploy
    message: "step: preflight"
    controller: ctl1.example.com
    controller_pid: 4242
    controller_token: "5b7c1e0a-8f0e-4a57-9d4e-0c6f3f1f2a11:9876543"
    heartbeat_at: "2026-11-24T10:00:05.000000+00:00"
    heartbeat_age_s: 3
    checkpoint: null
module:
  description: With O(state=takeover), the blog module's C(module_version) row (null for none), read on the same
    connection, for the recovery to compare with the deploy's checkpoint.
  returned: with O(state=takeover)
  type: dict
  sample:
    module_name: comments
    version: 1.4.0
    schema_version: "1.2"
    dependencies: {}
    checksum: "sha256:1f2e..."
in_progress:
  description: With O(state=query), the open deploy rows of the blog module, as in RV(deployment), each with
    C(run_state) (C(alive), C(dead) or C(unknown)) and C(run_reason).
  returned: with O(state=query)
  type: list
  elements: dict
  sample:
    - id: 42
      module_name: comments
      status: deploying
      controller: ctl1.example.com
      controller_pid: 4242
      heartbeat_age_s: 412
      sessions: []
      run_state: dead
      run_reason: "no database session of it is open and its last heartbeat is 412 s old, more than the 300 s lease
        (its run was ansible-playbook process (pid 4242) on ctl1.example.com)"
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
from ansible_collections.blogops.release.plugins.module_utils._deploy_history import (
    DEFAULT_LEASE,
    FINAL_STATUSES,
    RUN_FIELDS,
    DeployConflict,
    deploys_in_progress,
    open_deploy,
    snapshot_warning,
    take_over_deploy,
    update_deploy,
)
from ansible_collections.blogops.release.plugins.module_utils._identifiers import check_blog_module_name
from ansible_collections.blogops.release.plugins.module_utils._module_versions import fetch_module_versions
from ansible_collections.blogops.release.plugins.module_utils._semver import parse_version
from ansible_collections.blogops.release.plugins.module_utils._tracking_tables import tracking_tables_exist


def run(module, cursor, schema):
    params = module.params
    state = params['state']
    run = dict((field, params[field]) for field in RUN_FIELDS)
    if state == 'query':
        rows = deploys_in_progress(cursor, schema, params['module_name'], with_sessions=True) \
            if tracking_tables_exist(cursor, schema) else []
        return dict(changed=False, in_progress=rows)
    if state == 'started':
        row = open_deploy(cursor, schema, params['module_name'], params['to_version'] or None, params['actor'],
                          params['note'], check_mode=module.check_mode, run=run)
        return dict(changed=True, deployment=row)
    if not tracking_tables_exist(cursor, schema):
        raise DeployConflict('there is no deploy %s: the tracking tables do not exist' % params['history_id'])
    if state == 'takeover':
        row = take_over_deploy(cursor, schema, params['history_id'], params['owner'] or {}, run, params['note'],
                               check_mode=module.check_mode)
        if row['module_name'] == params['module_name']:
            # What the recovery compares with the checkpoint, read here rather than by a module run of its own.
            return dict(changed=True, deployment=row,
                        module=fetch_module_versions(cursor, schema, params['module_name']).get(params['module_name']))
        changed = True
    else:
        changed, row = update_deploy(cursor, schema, params['history_id'],
                                     status=params['status'] if state == 'finished' else None,
                                     message=params['note'], backup=params['backup'], checkpoint=params['checkpoint'],
                                     check_mode=module.check_mode)
    if snapshot_warning(row):
        module.warn(snapshot_warning(row))
    if row['module_name'] != params['module_name']:
        raise DeployConflict('history row %s belongs to blog module %s, not %s'
                             % (params['history_id'], row['module_name'], params['module_name']))
    return dict(changed=changed, deployment=row)


def main():
    module = AnsibleModule(
        argument_spec=database_argument_spec(
            module_name=dict(type='str', required=True),
            state=dict(type='str', default='started', choices=['started', 'progress', 'finished', 'query', 'takeover']),
            to_version=dict(type='str'),
            history_id=dict(type='int'),
            status=dict(type='str', choices=list(FINAL_STATUSES)),
            note=dict(type='str'),
            backup=dict(type='str'),
            actor=dict(type='str'),
            checkpoint=dict(type='dict'),
            owner=dict(type='dict'),
            stale_after=dict(type='int', default=DEFAULT_LEASE),
            controller=dict(type='str'),
            controller_pid=dict(type='int'),
            controller_token=dict(type='str', no_log=False),
        ),
        required_if=[('state', 'started', ['to_version']), ('state', 'progress', ['history_id']),
                     ('state', 'finished', ['history_id', 'status']), ('state', 'takeover', ['history_id', 'owner'])],
        supports_check_mode=True,
    )
    try:
        check_blog_module_name(module.params['module_name'])
        if module.params['to_version']:
            parse_version(module.params['to_version'])
    except ValueError as e:
        module.fail_json(msg=to_native(e))
    schema = tracking_schema(module)

    conn = connect(module, 'deployment/%s' % module.params['module_name'])
    try:
        result = run(module, dict_cursor(conn), schema)
        conn.commit()
    except DeployConflict as e:
        conn.rollback()
        module.fail_json(msg=to_native(e))
    except database_error_class() as e:
        conn.rollback()
        module.fail_json(msg="cannot update the deploy history of blog module '%s': %s"
                         % (module.params['module_name'], database_error_message(e)))
    finally:
        conn.close()
    module.exit_json(**result)


if __name__ == '__main__':
    main()
