# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_native
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible_collections.blogops.release.plugins.plugin_utils.controller_run import judge_open_deploys
from ansible_collections.blogops.release.plugins.plugin_utils.migration_shipping import MigrationShipping
from ansible_collections.blogops.release.plugins.action.migration_lint import read_scripts
from ansible_collections.blogops.release.plugins.module_utils._migration_version import migration_version_key
from ansible_collections.blogops.release.plugins.plugin_utils.migration_lint import (
    LintError,
    blocking,
    lint_scripts,
    script_relations,
)

MODULE = 'blogops.release.preflight_database'


def _message(error):
    return to_native(getattr(error, 'message', None) or error)


class ActionModule(MigrationShipping, ActionBase):
    """One module run on the database host; the migrations are read, shipped and linted on the controller."""

    TRANSFERS_FILES = True

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        src, lint = args.pop('src', None), boolean(args.pop('lint', True), strict=False)
        scripts, errors = None, {}
        if args.get('stale_after') in ('', None):
            # An empty survey field means not set: the module's default lease.
            args.pop('stale_after', None)
        try:
            if src:
                src = self._loader.path_dwim(src)
                if lint:
                    try:
                        scripts = read_scripts(src, {})
                        args['lint_tables'] = script_relations([(name, text) for _key, _version, name, text in scripts])
                    except (AnsibleActionFail, LintError) as e:
                        scripts, errors['lint'] = None, _message(e)
                try:
                    args.update(self._migrations(src))
                except AnsibleActionFail as e:
                    errors['migrations'] = _message(e)
            remote = self._execute_module(module_name=MODULE, module_args=args, task_vars=task_vars)
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        result.update(remote)
        if remote.get('failed'):
            return result
        result['errors'].update(errors)
        # Whether each open deploy's run is alive, judged here as the deployment action judges its state=query.
        judge_open_deploys(result.get('in_progress'), int(args.get('stale_after') or 0))
        if scripts is not None and 'lint' in remote:
            self._lint(result, scripts)
        return result

    def _migrations(self, src):
        """The module's option that gives it the migrations: read where they are on a local connection, shipped
        in one archive otherwise."""
        if not os.path.isdir(src):
            raise AnsibleActionFail('migrations directory %s does not exist or is not a directory on the controller'
                                    % src)
        if self._connection.transport == 'local':
            return dict(path=src)
        return dict(archive=self._ship(src))

    def _lint(self, result, scripts):
        """The lint's findings on the pending scripts, from the catalog the module read, as migration_lint with its
        defaults reports them."""
        found = result['lint']
        applied = set(migration_version_key(v) for v in found.get('applied_versions', ()))
        chosen = [(name, text) for key, _version, name, text in scripts if key not in applied]
        try:
            findings = lint_scripts(chosen, found.get('catalog') or {})
        except LintError as e:
            result['errors']['lint'] = to_native(e)
            return
        stopping = blocking(findings)
        found.update(scripts=[name for name, _text in chosen], findings=findings,
                     errors=[f['message'] for f in stopping],
                     warnings_found=[f['message'] for f in findings if f['allowed'] is None and f not in stopping])
        if found['warnings_found']:
            result['warnings'] = result.get('warnings', []) + found['warnings_found']
