#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: host_check
short_description: Check that a host can take a deploy
version_added: 0.1.0
description:
  - Checks the directories a deploy writes to (writable, enough free space; a missing directory is checked at its
    nearest existing parent, where it will be created) and the environment variables a blog module needs.
  - Writability is tested by creating and removing a file, the only test that sees permissions, ACLs, read-only
    mounts and immutable flags alike.
  - Reports every problem in RV(problems) and fails only with O(fail_on_problems=true), so that a role can gather
    the problems of every host and fail once listing them all.
options:
  paths:
    description:
      - Directories to check.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: The directory.
        type: path
        required: true
      min_free_mb:
        description: Free space it needs, in MB.
        type: int
        default: 0
  environment:
    description:
      - Names of environment variables that must be set (and not empty) on the host.
    type: list
    elements: str
    default: []
  fail_on_problems:
    description:
      - Fail when there is a problem.
    type: bool
    default: false
extends_documentation_fragment:
  - blogops.release.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: N/A
    details: Changes nothing.
  idempotent:
    support: full
author:
  - blogops.release maintainers (@blogops)
'''

EXAMPLES = r'''
- name: Check the release root and the variables comments needs
  blogops.release.host_check:
    paths:
      - path: /srv/blog
        min_free_mb: 200
    environment:
      - BLOG_SECRET_KEY
  register: readiness
'''

RETURN = r'''
problems:
  description: Every problem found, one sentence each; empty when the host is ready.
  returned: always
  type: list
  elements: str
  sample: ["/srv/blog has 12 MB free, needs at least 200 MB", "environment variable BLOG_SECRET_KEY is not set"]
paths:
  description: What was found for each path.
  returned: always
  type: list
  elements: dict
  sample: [{"path": "/srv/blog", "checked": "/srv", "exists": false, "writable": true, "free_mb": 50210}]
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.blogops.release.plugins.module_utils._host_readiness import check_environment, check_path


def main():
    module = AnsibleModule(
        argument_spec=dict(
            paths=dict(type='list', elements='dict', default=[], options=dict(
                path=dict(type='path', required=True),
                min_free_mb=dict(type='int', default=0),
            )),
            environment=dict(type='list', elements='str', default=[]),
            fail_on_problems=dict(type='bool', default=False),
        ),
        supports_check_mode=True,
    )
    details, problems = [], []
    for item in module.params['paths']:
        detail, found = check_path(item['path'], item['min_free_mb'])
        details.append(detail)
        problems.extend(found)
    problems.extend(check_environment(module.params['environment']))
    result = dict(changed=False, problems=problems, paths=details)
    if problems and module.params['fail_on_problems']:
        module.fail_json(msg='; '.join(problems), **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
