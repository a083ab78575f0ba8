# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible_collections.blogops.release.plugins.plugin_utils.migration_shipping import MigrationShipping
from ansible_collections.blogops.release.plugins.plugin_utils.migration_reading import read_directory

MODULE = 'blogops.release.migrate'


class ActionModule(MigrationShipping, ActionBase):
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
