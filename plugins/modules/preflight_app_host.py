#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: preflight_app_host
short_description: Read everything a deploy checks on an app host, in one module run
version_added: 0.1.0
description:
  - The app host half of the deploy's preflight (role C(blogops.release.preflight)).
  - Checks the release root as M(blogops.release.host_check) does (writable, enough free space; a missing directory
    at its nearest existing parent) and the environment variables the blog module needs, and reads the blog module's
    releases as M(blogops.release.release) with O(blogops.release.release#module:state=query) does.
  - Reports every problem in RV(problems) and fails only on bad options, so that the role can gather the problems
    of every host and fail once listing them all. Never writes (but for the file that tests writability).
options:
  module_name:
    description:
      - The blog module about to be deployed.
    type: str
    required: true
  release_root:
    description:
      - The directory holding C(<module_name>/releases), C(current) and C(previous).
    type: path
    default: /srv/blog
  min_free_mb:
    description:
      - Free space O(release_root) needs, in MB.
    type: int
    default: 0
  environment:
    description:
      - Names of environment variables that must be set (and not empty) on the host.
    type: list
    elements: str
    default: []
  release_id:
    description:
      - The release about to be deployed (C(<version>-<hash8>)). When it is already the live release, the host proves
        its files against O(checksum) in the same run (RV(live_proof)), as M(blogops.release.release) with
        O(blogops.release.release#module:state=verify) does; a deploy with nothing to deploy then needs no other run
        on the host.
    type: str
  checksum:
    description:
      - The checksum of the release's files (C(sha256:<hex>)), as M(blogops.release.blog_source) returns it. Used with
        O(release_id).
    type: str
extends_documentation_fragment:
  - blogops.release.attributes
attributes:
  check_mode:
    support: full
    details: This module only reads; it runs the same in check mode.
  diff_mode:
    support: N/A
    details: Changes nothing.
  idempotent:
    support: full
seealso:
  - module: blogops.release.host_check
  - module: blogops.release.release
  - module: blogops.release.preflight_database
author:
  - blogops.release maintainers (@blogops)
'''

EXAMPLES = r'''
- name: Read what a deploy of comments checks on the app host
  blogops.release.preflight_app_host:
    module_name: comments
    release_root: /srv/blog
    min_free_mb: 100
    environment: [PATH]
  register: comments_app_host

- name: Show the live release and the problems found
  ansible.builtin.debug:
    msg: "live: {{ comments_app_host.releases.current.id | default('none') }}; problems: {{ comments_app_host.problems }}"
'''

RETURN = r'''
problems:
  description: Every problem found, one sentence each, naming the path or variable; empty when the host is ready.
  returned: always
  type: list
  elements: str
  sample: ["/srv/blog is not writable (/srv/blog): Read-only file system"]
paths:
  description: The release root as M(blogops.release.host_check) reports a path.
  returned: always
  type: list
  elements: dict
releases:
  description:
    - The blog module's releases as M(blogops.release.release) with O(blogops.release.release#module:state=query)
      returns them, C(current), C(previous), C(releases), C(partial), C(root) and C(shared); null when they cannot
      be read (the reason is then in RV(problems)).
  returned: always
  type: dict
  sample:
    current: {id: 1.0.0-0a1b2c3d, version: 1.0.0, path: /srv/blog/comments/releases/1.0.0-0a1b2c3d, present: true}
    previous: null
live_proof:
  description:
    - With O(release_id) and O(checksum), when O(release_id) is the live release, whether its files are unchanged
      (C(verified)) and, when they are not, why (C(message), as M(blogops.release.release) with
      O(blogops.release.release#module:state=verify) says it). Null otherwise.
  returned: always
  type: dict
  sample: {release_id: 1.0.0-0a1b2c3d, verified: true, message: ""}
'''

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native
from ansible_collections.blogops.release.plugins.module_utils._preflight_app_host import check_app_host
from ansible_collections.blogops.release.plugins.module_utils._identifiers import check_blog_module_name


def main():
    module = AnsibleModule(
        argument_spec=dict(
            module_name=dict(type='str', required=True),
            release_root=dict(type='path', default='/srv/blog'),
            min_free_mb=dict(type='int', default=0),
            environment=dict(type='list', elements='str', default=[]),
            release_id=dict(type='str'),
            checksum=dict(type='str'),
        ),
        required_together=[('release_id', 'checksum')],
        supports_check_mode=True,
    )
    try:
        check_blog_module_name(module.params['module_name'])
    except ValueError as e:
        module.fail_json(msg=to_native(e))
    p = module.params
    module.exit_json(changed=False, **check_app_host(p['module_name'], p['release_root'], p['min_free_mb'], p['environment'],
                                                     release_id=p['release_id'], checksum=p['checksum']))


if __name__ == '__main__':
    main()
