# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.action import ActionBase
from ansible_collections.blogops.release.plugins.module_utils._migration_files import (
    MAX_SCRIPT_BYTES,
    SCRIPT_NAME,
    normalized_bytes,
    substitute_placeholders,
)
from ansible_collections.blogops.release.plugins.module_utils._migration_version import (
    InvalidMigrationVersion,
    migration_version_key,
)
from ansible_collections.blogops.release.plugins.plugin_utils.migration_lint import (
    LintError,
    lint_scripts,
    script_relations,
    summarize,
)

MODULE = 'blogops.release.migration_lint'


def read_scripts(src, placeholders):
    """[(version key, version, name, text)] of the V scripts of ``src``, lowest version first."""
    if not os.path.isdir(src):
        raise AnsibleActionFail('src %s is not a directory on the controller' % src)
    found = []
    problems = []
    for name in sorted(os.listdir(src)):
        match = SCRIPT_NAME.match(name)
        path = os.path.join(src, name)
        if not match or match.group('kind') != 'V' or not os.path.isfile(path):
            continue
        if os.path.islink(path):
            # What it leads to is not the blog module's: its text must not reach a finding.
            problems.append('%s: a symlink; a migration must be a file of the blog module itself' % name)
            continue
        try:
            key = migration_version_key(match.group('version'), name)
            if os.path.getsize(path) > MAX_SCRIPT_BYTES:
                raise ValueError('%s: more than %d MiB' % (name, MAX_SCRIPT_BYTES // (1024 * 1024)))
            with open(path, 'rb') as f:
                text = normalized_bytes(f.read()).decode('utf-8')
            found.append((key, match.group('version'), name, substitute_placeholders(text, placeholders, name)))
        except UnicodeDecodeError as e:
            problems.append('%s: not UTF-8 text (byte %d)' % (name, e.start))
        except (ValueError, InvalidMigrationVersion, OSError) as e:
            problems.append(to_native(e))
    if problems:
        raise AnsibleActionFail('cannot read the migrations in %s: %s' % (src, '; '.join(problems)))
    return sorted(found)


class ActionModule(ActionBase):
    """Parses on the controller; the module on the database host reads the history and catalog in one round."""

    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        for option in ('module_name', 'src'):
            if not args.get(option):
                raise AnsibleActionFail('%s is required' % option)
        fail_on = args.get('fail_on', 'error')
        if fail_on not in ('error', 'warning', 'never'):
            raise AnsibleActionFail('fail_on must be one of error, warning, never; got %r' % fail_on)
        which = args.get('scripts', 'pending')
        if which not in ('pending', 'all'):
            raise AnsibleActionFail('scripts must be pending or all; got %r' % which)
        src = self._loader.path_dwim(args['src'])
        try:
            scripts = read_scripts(src, args.get('placeholders') or {})
            args['tables'] = script_relations([(name, text) for _key, _version, name, text in scripts])
            remote = self._execute_module(module_name=MODULE, module_args=args, task_vars=task_vars)
            if remote.get('failed'):
                return dict(result, **remote)
            applied = set(migration_version_key(v) for v in remote.get('applied_versions', ()))
            chosen = [(name, text) for key, _version, name, text in scripts if which == 'all' or key not in applied]
            findings = lint_scripts(chosen, remote.get('catalog') or {},
                                    big_table_rows=int(args.get('big_table_rows', 100000)),
                                    big_table_bytes=int(args.get('big_table_bytes', 1073741824)))
        except LintError as e:
            raise AnsibleActionFail(to_native(e)) from e
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        summary = summarize(findings, fail_on)
        result.update(changed=False, findings=findings, scripts=[name for name, _text in chosen],
                      catalog=remote.get('catalog') or {}, applied_versions=remote.get('applied_versions', []),
                      errors=summary['errors'], warnings_found=summary['warnings'], allowed=summary['allowed'])
        if result['warnings_found']:
            result['warnings'] = result.get('warnings', []) + result['warnings_found']
        if summary['errors']:
            result.update(failed=True, msg='migration lint found %d problem(s) in %s: %s'
                          % (len(summary['errors']), src, '; '.join(summary['errors'])))
        return result
