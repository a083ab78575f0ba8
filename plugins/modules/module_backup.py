#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: module_backup
short_description: Archive a deployed release of a blog module with its version.json
version_added: 0.1.0
description:
  - Archives a release directory of a blog module into O(backup_dir)C(/<module>_<version>-<hash8>.tar.gz), with a
    C(version.json) that holds the blog module's name, version, checksum and dependencies. The checksum is the content
    checksum of the release directory (files, symlinks, executable bits; not owners, times or other mode bits).
  - The archive is written as a C(0600) C(.partial) file and renamed when complete; O(backup_dir) is created C(0700).
  - An archive of the same content that exists already is kept as it is.
  - Restore it with M(blogops.release.module_restore).
  - Works on files only and takes no connection options, so it is not in the action group C(blogops.release.all).
options:
  release_dir:
    description:
      - The release directory to archive, usually C(<release_root>/<module>/releases/<version>-<hash8>), where the
        blog module and version are read from.
      - Either this or O(release_root) and O(module_name).
    type: path
  release_root:
    description:
      - The root of the releases, C(/srv/blog) by convention; with O(module_name), the release is the one C(current)
        points to, or the one of O(version).
    type: path
  module_name:
    description:
      - The blog module. Required with O(release_root); with O(release_dir), overrides the name read from the path.
    type: str
  version:
    description:
      - With O(release_root), the release of this version instead of the current one. With O(release_dir), overrides the
        version read from the path.
    type: str
  dependencies:
    description:
      - Blog modules this release needs, with version ranges, recorded in C(version.json).
    type: dict
    default: {}
  backup_dir:
    description:
      - Directory of the archives. Created (C(0700)) when missing.
    type: path
    required: true
extends_documentation_fragment:
  - blogops.release.attributes
attributes:
  check_mode:
    support: full
    details: Computes the checksum and the archive's name; writes nothing.
  diff_mode:
    support: none
  idempotent:
    support: full
    details: An archive of the same release content is not written again.
seealso:
  - module: blogops.release.module_restore
  - module: blogops.release.db_backup
author:
  - blogops.release maintainers (@blogops)
'''

EXAMPLES = r'''
- name: Archive the live release of comments
  blogops.release.module_backup:
    release_root: /srv/blog
    module_name: comments
    dependencies:
      core: ">=2.1,<3"
    backup_dir: /var/backups/blog/releases
  register: comments_archive
'''

RETURN = r'''
path:
  description: The archive.
  returned: always
  type: str
  sample: /var/backups/blog/releases/comments_1.4.0-9f2c4e0d.tar.gz
release_dir:
  description: The release directory archived.
  returned: always
  type: str
  sample: /srv/blog/comments/releases/1.4.0-9f2c4e0d
version_json:
  description: The C(version.json) of the archive (in check mode, as it would be).
  returned: always
  type: dict
  sample:
    archive_format: 1
    name: comments
    version: 1.4.0
    checksum: 9f2c4e0d8b7a6f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c
    dependencies: {"core": ">=2.1,<3"}
    source: /srv/blog/comments/releases/1.4.0-9f2c4e0d
    archived_at: "2026-11-24T10:00:00Z"
checksum:
  description: Content checksum of the release directory.
  returned: always
  type: str
  sample: 9f2c4e0d8b7a6f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c
size:
  description: Size of the archive in bytes.
  returned: when not in check mode
  type: int
  sample: 1048576
'''

import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native
from ansible_collections.blogops.release.plugins.module_utils._release_archive import (
    ReleaseArchiveError,
    archive_name,
    find_release,
    read_version_document,
    release_identity,
    version_document,
    write_archive,
)
from ansible_collections.blogops.release.plugins.module_utils._tree_digest import tree_sha256


def main():
    module = AnsibleModule(
        argument_spec=dict(
            release_dir=dict(type='path'),
            release_root=dict(type='path'),
            module_name=dict(type='str'),
            version=dict(type='str'),
            dependencies=dict(type='dict', default={}),
            backup_dir=dict(type='path', required=True),
        ),
        required_one_of=[('release_dir', 'release_root')],
        mutually_exclusive=[('release_dir', 'release_root')],
        required_by={'release_root': 'module_name'},
        supports_check_mode=True,
    )
    # RV(path) names a backup, not a file this module manages: without this, exit_json would add the file's
    # owner, mode and state, and replace RV(size) by the size of the directory entry.
    module.add_path_info = lambda result: result
    p = module.params
    try:
        release_dir = p['release_dir'] or find_release(p['release_root'], p['module_name'], p['version'])
        if not os.path.isdir(release_dir):
            raise ReleaseArchiveError('the release directory %s does not exist' % release_dir)
        name, version = release_identity(release_dir, p['module_name'], p['version'])
        release_dir = os.path.realpath(release_dir)
        document = version_document(name, version, tree_sha256(release_dir), p['dependencies'], source=release_dir)
        backup_dir = p['backup_dir']
        path = os.path.join(backup_dir, archive_name(document))
        result = dict(changed=True, path=path, release_dir=release_dir, checksum=document['checksum'],
                      version_json=document)
        if os.path.exists(path):
            existing = read_version_document(path)
            if existing['checksum'] != document['checksum']:
                raise ReleaseArchiveError('%s exists and holds a release with checksum %s, not %s; move it away'
                                          % (path, existing['checksum'], document['checksum']))
            if existing['dependencies'] != document['dependencies']:
                raise ReleaseArchiveError('%s exists and records the dependencies %s, not %s; move it away'
                                          % (path, existing['dependencies'], document['dependencies']))
            result.update(changed=False, version_json=existing, size=os.path.getsize(path))
        elif not module.check_mode:
            if not os.path.isdir(backup_dir):
                os.makedirs(backup_dir, 0o700)
                os.chmod(backup_dir, 0o700)
            write_archive(release_dir, document, path)
            result['size'] = os.path.getsize(path)
    except (ValueError, OSError) as e:
        module.fail_json(msg='cannot archive the release: %s' % to_native(e))
    module.exit_json(**result)


if __name__ == '__main__':
    main()
