#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: blog_source
short_description: Read a blog module from its source tree on the controller
version_added: 0.1.0
description:
  - Reads C(<src>/modules/<module_name>/) on the controller, never on the hosts, and returns what a deploy needs
    to know, namely its version, dependencies, required environment variables, the files to ship, the migrations, and the
    release id C(<version>-<first 8 hex of the files' checksum>).
  - C(module.yml) holds C(name), C(version), C(description), C(requires) (blog module name to version range) and
    C(environment) (names of environment variables the app hosts must set). Unknown keys and wrong types are errors.
  - When C(module.yml) has no version, it comes from git, the tag C(<module_name>/v<semver>) or C(v<semver>) that
    C(git describe) finds; commits after the tag add build metadata, as in C(1.4.0+3.gab12cd3).
  - Nothing outside C(<src>/modules/<module_name>) is read. A symlink at C(modules), C(modules/<module_name>),
    C(files), C(migrations) or C(module.yml), a symlink inside C(files/) or C(migrations/) that resolves outside
    them, a hard link (a file with more than one name) and a device, FIFO or socket are refused. The tree is read
    by directory descriptors without following links, so a link swapped in while it is read is not followed either.
  - C(module.yml) is read with limits, at most 64 KiB, no YAML anchors, aliases or merge keys, no duplicate keys,
    nesting at most 8 levels, versions of at most 100 characters.
  - Every problem is reported at once, in RV(problems), each naming its path under O(src) and, for C(module.yml),
    the line or key; values are quoted by a short prefix only.
options:
  src:
    description:
      - The source root on the controller, the directory holding C(modules/). Relative paths start at the playbook's
        directory.
    type: path
    required: true
  module_name:
    description:
      - The blog module to read.
    type: str
    required: true
  version:
    description:
      - The version the caller expects; reading fails when the source has another one (build metadata aside).
    type: str
extends_documentation_fragment:
  - blogops.release.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  idempotent:
    support: full
  action:
    description: Runs on the controller as an action plugin.
    support: full
seealso:
  - module: blogops.release.release
author:
  - blogops.release maintainers (@blogops)
'''

EXAMPLES = r'''
- name: Read comments 1.0.0 from the checkout
  blogops.release.blog_source:
    src: /srv/checkout/blog
    module_name: comments
    version: 1.0.0
  register: source

- name: Show the release id every host will get
  ansible.builtin.debug:
    msg: "{{ source.module.release_id }}"
'''

RETURN = r'''
problems:
  description: Every problem of the source, each naming its path under O(src); the failure's message lists them too.
  returned: failure
  type: list
  elements: str
  sample: ["modules/comments/files/static/passwd: a symlink to /etc/passwd, which leads outside files/"]
migrations_path:
  description:
    - On failure, the C(migrations/) directory when it was found safe to read despite the other problems (so that
      its scripts can be validated in the same run), else null.
  returned: failure
  type: str
module:
  description: The blog module as read from the source.
  returned: success
  type: dict
  contains:
    name:
      description: The blog module.
      type: str
      sample: comments
    version:
      description: Its semantic version.
      type: str
      sample: 1.4.0
    version_source:
      description: Where the version came from, C(module.yml) or the git tag.
      type: str
      sample: module.yml
    description:
      description: The manifest's description.
      type: str
    requires:
      description: Blog modules it needs, with version ranges.
      type: dict
      sample: {"core": ">=2.1,<3"}
    environment:
      description: Environment variables the app hosts must set.
      type: list
      elements: str
    path:
      description: The blog module's directory on the controller.
      type: str
    files_path:
      description: Its C(files/) directory, shipped to the app hosts.
      type: str
    migrations_path:
      description: Its C(migrations/) directory, or null.
      type: str
    migrations:
      description: Versions of its C(V) scripts, lowest first.
      type: list
      elements: str
      sample: ["1", "1.1"]
    schema_version:
      description: The highest migration version, the schema version this release needs; null without migrations.
      type: str
      sample: "1.1"
    checksum:
      description: Checksum of the files, C(sha256:) and the hex digest of their manifest.
      type: str
    release_id:
      description: Name of the release directory on the app hosts, the same for every host.
      type: str
      sample: 1.4.0-9f2c4e0d
'''

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(
        argument_spec=dict(
            src=dict(type='path', required=True),
            module_name=dict(type='str', required=True),
            version=dict(type='str'),
        ),
        supports_check_mode=True,
    )
    module.fail_json(msg='blogops.release.blog_source runs on the controller as an action plugin; '
                         'call it from a playbook, not as a standalone module')


if __name__ == '__main__':
    main()
