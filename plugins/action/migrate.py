# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import tempfile

from ansible import constants as C
from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.action import ActionBase
from ansible_collections.blogops.release.plugins.module_utils._migration_files import MAX_SCRIPT_BYTES
from ansible_collections.blogops.release.plugins.module_utils._release_transfer import UnsafeArchive, pack_tree
from ansible_collections.blogops.release.plugins.plugin_utils.migration_reading import read_directory

MODULE = 'blogops.release.migrate'


class ActionModule(ActionBase):
    """With ``src`` (a directory on the controller), the scripts reach the database host in one archive.

    On a local connection the directory is read where it is; without ``src`` the module reads ``path``
    on the host, as it would without this plugin.

    Where the scripts are on the controller (``src``, or ``path`` over a local connection), PostgreSQL's parser
    reads them here and the module gets that reading (``readings``): the statements and what each does to the run.
    """

    TRANSFERS_FILES = True
    # The module that receives the scripts (blogops.release.rehearse ships them the same way).
    MODULE = MODULE

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        src = args.pop('src', None)
        try:
            if src:
                if args.get('path'):
                    raise AnsibleActionFail('src and path are mutually exclusive: src is on the controller, path on the host')
                src = self._loader.path_dwim(src)
                if not os.path.isdir(src):
                    raise AnsibleActionFail('src %s is not a directory on the controller' % src)
                if self._connection.transport == 'local':
                    args['path'] = src
                else:
                    args['archive'] = self._ship(src)
                if self.MODULE == MODULE:
                    args['readings'] = self._read(src, args.get('placeholders'))
            elif (self.MODULE == MODULE and args.get('path') and self._connection.transport == 'local'
                  and 'readings' not in args):
                args['readings'] = self._read(args['path'], args.get('placeholders'))
            result.update(self._execute_module(module_name=self.MODULE, module_args=args, task_vars=task_vars))
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result

    @staticmethod
    def _read(path, placeholders):
        """PostgreSQL's reading of the scripts in ``path``; none where it cannot be made (the module reads them)."""
        try:
            return read_directory(path, placeholders if isinstance(placeholders, dict) else None)
        except OSError:
            return {}

    def _ship(self, src):
        # The module refuses such a script; refusing it here saves shipping it.
        for name in sorted(os.listdir(src)):
            path = os.path.join(src, name)
            if name.endswith('.sql') and os.path.isfile(path) and os.path.getsize(path) > MAX_SCRIPT_BYTES:
                raise AnsibleActionFail('%s: %d bytes, more than the %d MiB a migration script may have; split it, or '
                                        'load bulk data another way' % (name, os.path.getsize(path),
                                                                        MAX_SCRIPT_BYTES // (1024 * 1024)))
        fd, archive = tempfile.mkstemp(prefix='blogops-migrations-', suffix='.tar.gz', dir=C.DEFAULT_LOCAL_TMP)
        os.close(fd)
        try:
            try:
                pack_tree(src, archive, compress=True)
            except UnsafeArchive as e:
                raise AnsibleActionFail('refusing to ship %s: %s' % (src, to_native(e)))
            remote = self._connection._shell.join_path(self._connection._shell.tmpdir, 'migrations.tar.gz')
            self._transfer_file(archive, remote)
            self._fixup_perms2((self._connection._shell.tmpdir, remote))
        finally:
            os.unlink(archive)
        return remote
