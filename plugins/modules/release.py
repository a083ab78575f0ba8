#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: release
short_description: Upload, switch, query and clean the releases of a blog module on an app host
version_added: 0.1.0
description:
  - Manages C(<release_root>/<module_name>/releases/<version>-<hash8>/) (complete, read-only releases),
    C(current) and C(previous) (symlinks to the live release and the rollback target) and C(shared/).
  - V(present) ships the files of O(src) from the controller in one archive transfer, unpacks them in one pass under a
    C(.partial) name (files created read-only, C(0444), or C(0555) when the owner may execute them; directories
    C(0555) once filled), checks the checksum of the content as written against the controller's and renames the
    directory into place; a failure removes the partial directory. The same content again changes nothing and
    transfers nothing. Needs no rsync on either side and works under C(become).
  - V(active) switches C(current) by renaming a new symlink over it; the release it pointed to becomes C(previous).
    With O(checksum), it then proves the live release's files as V(verify) does, in the same run.
  - V(absent) removes one release, never the live one nor the rollback target.
  - V(restore) sets C(current) and C(previous) back to O(current_release) and O(previous_release), as recorded
    before a deploy (an empty value removes the link); the rollback of a deploy uses it.
  - V(verify) checks that C(current) points to O(release_id) and that its files still have O(checksum), and fails
    saying what differs.
  - V(query) reports current, previous, the releases present and unfinished uploads.
  - V(clean) removes unfinished uploads first, then the oldest releases beyond O(keep_releases), never the live
    release nor the rollback target.
options:
  module_name:
    description:
      - The blog module. Must match C(^[a-z][a-z0-9_]{0,62}$).
    type: str
    required: true
  release_root:
    description:
      - Directory of the blog modules' releases on the host.
    type: path
    default: /srv/blog
  state:
    description:
      - What to do, see the description.
    type: str
    choices: [present, active, absent, restore, verify, query, clean]
    default: present
  src:
    description:
      - With O(state=present), the directory on the controller whose files make the release, usually the
        C(files_path) that M(blogops.release.blog_source) returns.
    type: path
  version:
    description:
      - With O(state=present), the blog module's version; the release id is C(<version>-<first 8 hex of checksum>).
      - With O(state=active) or O(state=absent), instead of O(release_id), the newest release of this version on the host.
    type: str
  release_id:
    description:
      - With O(state=active) or O(state=absent), the release to switch to or remove, for example C(1.4.0-9f2c4e0d).
      - With O(state=verify), the release C(current) must point to.
    type: str
  current_release:
    description:
      - With O(state=restore), the release C(current) must point to; empty for no C(current) link.
    type: str
  previous_release:
    description:
      - With O(state=restore), the release C(previous) must point to; empty for no C(previous) link.
    type: str
  checksum:
    description:
      - With O(state=present), the checksum of O(src) as M(blogops.release.blog_source) returns it (C(sha256:<hex>)),
        which saves computing it again. The host checks the unpacked release against it in any case.
      - With O(state=verify), the checksum the live release's files must have.
      - With O(state=active), the same proof right after the switch (also when C(current) pointed to the release
        already); a failure returns RV(step=verify) and leaves the switch done, for the caller to put back.
    type: str
  compress:
    description:
      - With O(state=present), whether the archive is gzip-compressed (level 1). V(auto) compresses unless the
        connection is local.
    type: str
    choices: [auto, always, never]
    default: auto
  keep_releases:
    description:
      - With O(state=clean), how many releases to keep, the newest; the live release and the rollback target are
        kept in any case.
    type: int
    default: 5
  archive:
    description:
      - Set by the action plugin, not by users, with O(state=present) the archive on the host to unpack.
    type: path
extends_documentation_fragment:
  - blogops.release.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: With O(state=active) and O(state=restore), the releases C(current) (and C(previous)) point to before and after.
  idempotent:
    support: full
  action:
    description: An action plugin builds and transfers the archive from the controller.
    support: full
seealso:
  - module: blogops.release.blog_source
  - name: community.general.deploy_helper
    description: The releases/current/shared layout this module follows.
    link: https://docs.ansible.com/ansible/latest/collections/community/general/deploy_helper_module.html
author:
  - blogops.release maintainers (@blogops)
'''

EXAMPLES = r'''
- name: Read comments from the checkout
  blogops.release.blog_source:
    src: /srv/checkout/blog
    module_name: comments
  register: source
  run_once: true

- name: Upload the release to every app host
  blogops.release.release:
    module_name: comments
    version: "{{ source.module.version }}"
    src: "{{ source.module.files_path }}"
    checksum: "{{ source.module.checksum }}"
  register: uploaded

- name: Make it live
  blogops.release.release:
    module_name: comments
    release_id: "{{ uploaded.release.id }}"
    state: active

- name: Find the rollback target
  blogops.release.release:
    module_name: comments
    state: query
  register: releases

- name: Keep the three newest releases
  blogops.release.release:
    module_name: comments
    state: clean
    keep_releases: 3
'''

RETURN = r'''
release:
  description: The release uploaded, switched to or removed.
  returned: with O(state=present), O(state=active) and O(state=absent)
  type: dict
  contains:
    id:
      description: The release id.
      type: str
      sample: 1.4.0-9f2c4e0d
    version:
      description: Its version.
      type: str
      sample: 1.4.0
    path:
      description: Its directory.
      type: str
      sample: /srv/blog/comments/releases/1.4.0-9f2c4e0d
    present:
      description: Whether the directory is there (after the task; predicted in check mode).
      type: bool
uploaded:
  description: With O(state=present), whether files were transferred and unpacked.
  returned: with O(state=present)
  type: bool
current:
  description: The live release after the task, or null.
  returned: always
  type: dict
previous:
  description: The rollback target after the task, or null.
  returned: always
  type: dict
releases:
  description: With O(state=query), the complete releases, oldest first, each with C(live) and C(rollback_target).
  returned: with O(state=query)
  type: list
  elements: dict
partial:
  description: With O(state=query), unfinished uploads under C(releases/).
  returned: with O(state=query)
  type: list
  elements: str
verified:
  description: With O(state=verify), and O(state=active) with O(checksum), true (a mismatch fails the task).
  returned: with O(state=verify), and O(state=active) with O(checksum) outside check mode
  type: bool
step:
  description: V(verify) when the proof after a switch (O(state=active) with O(checksum)) failed.
  returned: failure of that proof
  type: str
  sample: verify
removed:
  description: With O(state=clean), the unfinished uploads and releases removed (or that would be, in check mode).
  returned: with O(state=clean)
  type: list
  elements: str
'''


from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native
from ansible_collections.blogops.release.plugins.module_utils._identifiers import check_blog_module_name
from ansible_collections.blogops.release.plugins.module_utils._release_layout import (
    ReleaseError,
    ReleaseLayout,
    check_release_id,
)
from ansible_collections.blogops.release.plugins.module_utils._release_transfer import UnsafeArchive
from ansible_collections.blogops.release.plugins.module_utils._semver import SemVer


def chosen_release(layout, params):
    """The release id named by release_id or version (the newest present release of that version)."""
    if params['release_id']:
        check_release_id(params['release_id'])
        return params['release_id']
    if not params['version']:
        raise ReleaseError('state=%s needs release_id or version' % params['state'])
    wanted = SemVer.parse(params['version'])
    matching = [r for r in layout.complete_releases() if SemVer.parse(check_release_id(r)) == wanted]
    if not matching:
        raise ReleaseError('no release of version %s of %s on this host under %s'
                           % (params['version'], params['module_name'], layout.releases))
    return matching[-1]


def upload(module, layout, release_id):
    """state=present: nothing when the release is there, else unpack the transferred archive."""
    result = dict(changed=False, uploaded=False)
    if layout.has_release(release_id):
        result['release'] = layout.describe(release_id)
        return result
    if not module.params['archive']:
        # The action plugin asks first, so that an existing release costs no transfer.
        result['release'] = layout.describe(release_id)
        return result
    result.update(changed=True, uploaded=True)
    if module.check_mode:
        result['release'] = dict(layout.describe(release_id), present=True)
        return result
    layout.unpack(module.params['archive'], release_id, module.params['checksum'])
    result['release'] = layout.describe(release_id)
    return result


def verify(layout, params):
    """state=verify: the live release is the expected one and its files are unchanged."""
    if not params['release_id'] or not params['checksum']:
        raise ReleaseError('state=verify needs release_id and checksum')
    return dict(changed=False, verified=True, release=layout.verify_live(params['release_id'], params['checksum']))


def run(module, layout):
    params = module.params
    state = params['state']
    if state == 'present':
        if not params['release_id']:
            raise ReleaseError('state=present needs release_id (the action plugin sets it from version and checksum)')
        check_release_id(params['release_id'])
        return upload(module, layout, params['release_id'])
    if state == 'active':
        release_id = chosen_release(layout, params)
        before = layout.link_target(layout.current)
        result = dict(changed=before != release_id, release=layout.describe(release_id),
                      diff=dict(before=dict(current=before), after=dict(current=release_id)))
        if not layout.has_release(release_id):
            if module.check_mode:
                # In a checked deploy the upload before this step only predicted the release.
                module.warn('release %s is not on this host yet; in check mode the switch to it is predicted only'
                            % release_id)
                return result
            raise ReleaseError('release %s of %s is not on this host (%s); upload it first'
                               % (release_id, params['module_name'], layout.release_path(release_id)))
        if result['changed'] and not module.check_mode:
            layout.activate(release_id)
        if params['checksum'] and not module.check_mode:
            try:
                result.update(verify(layout, dict(params, release_id=release_id)))
            except ReleaseError as e:
                e.step = 'verify'
                raise
            result['changed'] = before != release_id
        return result
    if state == 'absent':
        release_id = chosen_release(layout, params) if params['version'] else params['release_id']
        if not release_id:
            raise ReleaseError('state=absent needs release_id or version')
        changed = layout.check_removable(release_id)
        if changed and not module.check_mode:
            layout.remove(release_id)
        return dict(changed=changed, release=dict(layout.describe(release_id), present=False))
    if state == 'restore':
        wanted = dict(current=params['current_release'] or None, previous=params['previous_release'] or None)
        for release_id in wanted.values():
            if release_id:
                check_release_id(release_id)
        before = dict(current=layout.link_target(layout.current), previous=layout.link_target(layout.previous))
        changed = layout.restore_links(wanted['current'], wanted['previous'], check_mode=module.check_mode)
        return dict(changed=changed, diff=dict(before=before, after=wanted))
    if state == 'verify':
        return verify(layout, params)
    if state == 'clean':
        if params['keep_releases'] < 1:
            raise ReleaseError('keep_releases must be 1 or more, got %d' % params['keep_releases'])
        if module.check_mode:
            partial, old = layout.cleanup_plan(params['keep_releases'])
        else:
            partial, old = layout.clean(params['keep_releases'])
        return dict(changed=bool(partial or old), removed=partial + old)
    return dict(changed=False, **dict((k, v) for k, v in layout.state().items() if k in ('releases', 'partial', 'root', 'shared')))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            module_name=dict(type='str', required=True),
            release_root=dict(type='path', default='/srv/blog'),
            state=dict(type='str', default='present',
                       choices=['present', 'active', 'absent', 'restore', 'verify', 'query', 'clean']),
            src=dict(type='path'),
            version=dict(type='str'),
            release_id=dict(type='str'),
            current_release=dict(type='str'),
            previous_release=dict(type='str'),
            checksum=dict(type='str'),
            compress=dict(type='str', default='auto', choices=['auto', 'always', 'never']),
            keep_releases=dict(type='int', default=5),
            archive=dict(type='path'),
        ),
        mutually_exclusive=[('release_id', 'version')],
        supports_check_mode=True,
    )
    try:
        check_blog_module_name(module.params['module_name'])
        layout = ReleaseLayout(module.params['release_root'], module.params['module_name'])
        result = run(module, layout)
        result.update(current=layout.describe(layout.link_target(layout.current)),
                      previous=layout.describe(layout.link_target(layout.previous)))
    except ReleaseError as e:
        module.fail_json(msg=to_native(e), **dict(step=e.step) if getattr(e, 'step', None) else {})
    except (UnsafeArchive, ValueError) as e:
        module.fail_json(msg=to_native(e))
    except (IOError, OSError) as e:
        module.fail_json(msg='release of %s under %s failed: %s'
                         % (module.params['module_name'], module.params['release_root'], to_native(e)))
    module.exit_json(**result)


if __name__ == '__main__':
    main()
