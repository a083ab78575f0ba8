# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import posixpath
import re
import shlex
import tempfile

from ansible import constants as C
from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.action import ActionBase
from ansible_collections.blogops.release.plugins.module_utils._identifiers import check_blog_module_name
from ansible_collections.blogops.release.plugins.module_utils._release_transfer import UnsafeArchive, pack_tree
from ansible_collections.blogops.release.plugins.module_utils._semver import InvalidVersion, SemVer
from ansible_collections.blogops.release.plugins.module_utils._tree_digest import tree_sha256

MODULE = 'blogops.release.release'
CONTROLLER_ONLY = ('src', 'compress')


class ActionModule(ActionBase):
    """``state: present`` ships a release in one archive; every other state goes straight to the module."""

    TRANSFERS_FILES = True

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        try:
            if args.get('state', 'present') != 'present':
                for key in CONTROLLER_ONLY:
                    args.pop(key, None)
                result.update(self._execute_module(module_name=MODULE, module_args=args, task_vars=task_vars))
            else:
                result.update(self._present(args, task_vars))
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result

    def _present(self, args, task_vars):
        src, version = args.pop('src', None), args.pop('version', None)
        compress = args.pop('compress', 'auto')
        if not src or not version:
            raise AnsibleActionFail('state=present needs src (the directory on the controller) and version')
        src = self._loader.path_dwim(src)
        if not os.path.isdir(src):
            raise AnsibleActionFail('src %s is not a directory on the controller' % src)
        try:
            SemVer.parse(version)
        except InvalidVersion as e:
            raise AnsibleActionFail(to_native(e))
        checksum = args.get('checksum') or 'sha256:' + tree_sha256(src)
        if not re.fullmatch(r'sha256:[0-9a-f]{64}', checksum):
            raise AnsibleActionFail('invalid checksum %r: expected sha256:<64 hex digits>' % checksum)
        args.update(state='present', release_id='%s-%s' % (version, checksum[7:15]), checksum=checksum)

        # Ask first: an existing release costs one module call and no transfer. A release that is surely
        # absent needs no module call before the transfer.
        if self._task.check_mode or self._release_present(args) is not False:
            probe = self._execute_module(module_name=MODULE, module_args=args, task_vars=task_vars)
            if probe.get('failed') or probe.get('release', {}).get('present'):
                return probe
            if self._task.check_mode:
                probe.update(changed=True, uploaded=True, release=dict(probe['release'], present=True))
                return probe

        if compress == 'auto':
            compress = 'never' if self._connection.transport == 'local' else 'always'
        fd, archive = tempfile.mkstemp(prefix='blogops-release-', suffix='.tar', dir=C.DEFAULT_LOCAL_TMP)
        os.close(fd)
        try:
            try:
                pack_tree(src, archive, compress=compress == 'always')
            except UnsafeArchive as e:
                raise AnsibleActionFail('refusing to ship %s: %s' % (src, e))
            remote_archive = self._connection._shell.join_path(self._connection._shell.tmpdir, 'release.tar')
            self._transfer_file(archive, remote_archive)
            self._fixup_perms2((self._connection._shell.tmpdir, remote_archive))
        finally:
            os.unlink(archive)
        args['archive'] = remote_archive
        return self._execute_module(module_name=MODULE, module_args=args, task_vars=task_vars)

    def _release_present(self, args):
        """Whether the release directory is on the host, by one shell test (much cheaper than a module run);
        None when only the module can tell: a release root to expand there, or a name it would refuse."""
        root = args.get('release_root') or '/srv/blog'
        try:
            check_blog_module_name(args.get('module_name'))
        except ValueError:
            return None
        if not root.startswith('/') or '$' in root:
            return None
        path = shlex.quote(posixpath.join(root, args['module_name'], 'releases', args['release_id']))
        return self._low_level_execute_command('test -d %s && test ! -L %s' % (path, path))['rc'] == 0
