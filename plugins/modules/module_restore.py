#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: module_restore
short_description: Restore an archived release of a blog module, verified against its version.json
version_added: 0.1.0
description:
  - Unpacks an archive written by M(blogops.release.module_backup) into a release directory, and fails when the
    restored release's version or content checksum differs from the archive's C(version.json).
  - The release is unpacked into a hidden sibling of the destination, checked, then renamed into place, so the
    release directory appears complete or not at all. Member names that could land outside it, and writes through
    symlinks, are refused.
  - A destination that exists already with the same content is left as it is; with other content, the task fails.
  - Does not switch C(current); that is the release step's job.
  - Works on files only and takes no connection options, so it is not in the action group C(blogops.release.all).
options:
  archive:
    description:
      - The archive, the RV(blogops.release.module_backup#module:path) that M(blogops.release.module_backup) returned.
    type: path
    required: true
  dest:
    description:
      - The release directory to create.
      - Either this or O(release_root).
    type: path
  release_root:
    description:
      - The root of the releases; the release goes to C(<release_root>/<module>/releases/<version>-<hash8>).
    type: path
  version:
    description:
      - The version expected in the archive; the task fails when C(version.json) says otherwise.
    type: str
extends_documentation_fragment:
  - blogops.release.attributes
attributes:
  check_mode:
    support: full
    details: Reads C(version.json) and says where the release would go; unpacks nothing.
  diff_mode:
    support: none
  idempotent:
    support: full
    details: A destination with the same content is left as it is.
seealso:
  - module: blogops.release.module_backup
author:
  - blogops.release maintainers (@blogops)
'''

EXAMPLES = r'''
- name: Bring back comments 1.0.0 from the archive that module_backup wrote
  blogops.release.module_restore:
    archive: "{{ comments_archive.path }}"
    release_root: /srv/blog
    version: 1.0.0
  register: restored

- name: Show where it went
  ansible.builtin.debug:
    msg: "{{ restored.dest }}"
'''

RETURN = r'''
dest:
  description: The release directory.
  returned: always
  type: str
  sample: /srv/blog/comments/releases/1.4.0-9f2c4e0d
version_json:
  description: The C(version.json) of the archive.
  returned: always
  type: dict
  sample:
    archive_format: 1
    name: comments
    version: 1.4.0
    checksum: 9f2c4e0d8b7a6f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c
    dependencies: {"core": ">=2.1,<3"}
checksum:
  description: Content checksum of the restored release directory, equal to C(version.json)'s.
  returned: always
  type: str
  sample: 9f2c4e0d8b7a6f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c
'''

import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native
from ansible_collections.blogops.release.plugins.module_utils._release_archive import (
    VERSION_FILE,
    ReleaseArchiveError,
    parse_release_dir_name,
    read_version_document,
    release_dir_name,
    restore_release,
)
from ansible_collections.blogops.release.plugins.module_utils._tree_digest import tree_sha256


def destination(params, document):
    if params['dest']:
        dest = params['dest'].rstrip(os.sep)
        parsed = parse_release_dir_name(os.path.basename(dest))
        if parsed and parsed[0] != document['version']:
            raise ReleaseArchiveError('%s is the directory of version %s, but %s of the archive says version %s'
                                      % (dest, parsed[0], VERSION_FILE, document['version']))
        releases = os.path.dirname(dest)
        owner = os.path.basename(os.path.dirname(releases))
        if parsed and os.path.basename(releases) == 'releases' and owner != document['name']:
            raise ReleaseArchiveError('%s is a release directory of blog module %s, but %s of the archive says %s'
                                      % (dest, owner, VERSION_FILE, document['name']))
        return dest
    return os.path.join(params['release_root'], document['name'], 'releases', release_dir_name(document))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            archive=dict(type='path', required=True),
            dest=dict(type='path'),
            release_root=dict(type='path'),
            version=dict(type='str'),
        ),
        required_one_of=[('dest', 'release_root')],
        mutually_exclusive=[('dest', 'release_root')],
        supports_check_mode=True,
    )
    p = module.params
    try:
        document = read_version_document(p['archive'])
        if p['version'] is not None and p['version'] != document['version']:
            raise ReleaseArchiveError('the archive %s holds version %s of blog module %s, not version %s'
                                      % (p['archive'], document['version'], document['name'], p['version']))
        dest = destination(p, document)
        result = dict(changed=True, dest=dest, version_json=document, checksum=document['checksum'])
        if os.path.lexists(dest):
            actual = tree_sha256(dest) if os.path.isdir(dest) else None
            if actual != document['checksum']:
                raise ReleaseArchiveError('%s exists already with other content (checksum %s, the archive\'s is %s); '
                                          'it is not overwritten' % (dest, actual, document['checksum']))
            result['changed'] = False
        elif not module.check_mode:
            result['checksum'] = restore_release(p['archive'], document, dest)
    except (ValueError, OSError) as e:
        module.fail_json(msg='cannot restore the release: %s' % to_native(e))
    module.exit_json(**result)


if __name__ == '__main__':
    main()
