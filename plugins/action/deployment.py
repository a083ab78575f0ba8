# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase
from ansible_collections.blogops.release.plugins.plugin_utils.controller_run import judge_open_deploys, with_this_run

MODULE = 'blogops.release.deployment'


class ActionModule(ActionBase):
    """Adds this run's identity, which only the controller knows, and judges on the controller whether the
    runs owning open deploys are alive (the module itself may run on the database host, and reads their sessions
    and heartbeats there)."""

    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        state = args.get('state', 'started')
        if args.get('stale_after') in ('', None):
            # An empty survey field means not set: the module's default lease.
            args.pop('stale_after', None)
        if state in ('started', 'takeover'):
            args = with_this_run(args)
        try:
            result.update(self._execute_module(module_name=MODULE, module_args=args, task_vars=task_vars))
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        if state == 'query' and not result.get('failed'):
            judge_open_deploys(result.get('in_progress'), int(args.get('stale_after') or 0))
        return result
