# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase
from ansible_collections.blogops.release.plugins.plugin_utils.controller_run import with_this_run

MODULE = 'blogops.release.db_backup'


class ActionModule(ActionBase):
    """With ``open_deploy``, adds this run's identity, which only the controller knows, to the deploy row that the
    module opens (as the deployment action plugin does for state=started)."""

    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        if isinstance(args.get('open_deploy'), dict):
            args['open_deploy'] = with_this_run(args['open_deploy'])
        try:
            result.update(self._execute_module(module_name=MODULE, module_args=args, task_vars=task_vars))
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result
