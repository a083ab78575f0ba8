# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The EXAMPLES of every module, filter and test, run verbatim in one play, in the order below, on the
sample blog deployed as the getting-started page does it (/srv/blog, /var/backups/blog, database blog)."""

import ast
import glob
import os

import yaml

from example_env import Page
from harness.playbook import ROOT

ORDER = [
    'modules/blog_source.py', 'modules/release.py', 'modules/host_check.py', 'modules/module_version_info.py',
    'test/version_satisfies.yml', 'filter/dependency_problems.yml', 'modules/rehearse.py', 'modules/migrate.py', 'modules/migration_lint.py',
    'filter/lint_summary.yml', 'modules/module_version.py',
    'modules/schema_version.py', 'modules/schema_version_info.py', 'modules/schema_drift_info.py', 'modules/deployment.py',
    'filter/deploy_summary.yml', 'modules/db_backup.py', 'modules/backup_info.py', 'modules/db_restore.py',
    'modules/module_backup.py', 'modules/module_restore.py', 'filter/status_report.yml', 'filter/status_text.yml',
    'filter/rollout_summary.yml', 'filter/deploy_outcome.yml',
    'filter/status_html.yml', 'filter/deploy_checkpoint.yml', 'filter/deploy_recovery_plan.yml',
    'filter/rollout_stops.yml', 'filter/step_failures.yml', 'filter/deploy_failure.yml', 'filter/host_failures.yml',
    'filter/host_outcomes.yml', 'filter/deploy_report.yml', 'test/semantic_version.yml', 'filter/rollback_plan.yml',
    'filter/rollback_host_links.yml',
    'filter/rollback_run.yml', 'filter/rollback_before.yml', 'filter/rollback_after_deploy.yml',
    'filter/rollback_database_method.yml', 'filter/rollback_switch_target.yml', 'filter/recover_lookup.yml',
    'filter/recover_rollback_args.yml', 'filter/recover_report.yml',
    'modules/preflight_database.py', 'modules/preflight_app_host.py',
    'filter/preflight_problems.yml', 'filter/preflight_state.yml', 'filter/preflight_left_to_recover.yml',
    'filter/deploy_needed.yml',
    'filter/database_host.yml', 'filter/cleanup_needed.yml',
]


def examples_of(relative):
    path = os.path.join(ROOT, 'plugins', relative)
    if path.endswith('.yml'):
        with open(path) as f:
            return yaml.safe_load(f)['EXAMPLES']
    tree = ast.parse(open(path).read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], 'id', None) == 'EXAMPLES':
            return node.value.value
    raise AssertionError('%s has no EXAMPLES' % relative)


def test_every_plugin_with_examples_is_in_the_run():
    documented = set()
    for path in glob.glob(os.path.join(ROOT, 'plugins', '*', '*')):
        relative = os.path.relpath(path, os.path.join(ROOT, 'plugins'))
        if relative.startswith(('modules/', 'filter/', 'test/')) and relative.endswith(('.py', '.yml')):
            text = open(path).read()
            if 'EXAMPLES' in text and not (relative.endswith('.py') and os.path.exists(path[:-3] + '.yml')):
                documented.add(relative)
    assert sorted(documented - set(ORDER)) == []


def test_plugin_examples_run(tmp_path, pg_server):
    page = Page(os.path.join(ROOT, 'plugins'), tmp_path, pg_server)
    try:
        for module in ('core', 'comments'):
            command = [os.path.join(ROOT, '.venv', 'bin', 'ansible-playbook'), 'blogops.release.deploy',
                       '-i', page.inventory(), '-e', 'blog_module=%s' % module,
                       '-e', 'blog_source_root=/srv/checkout/blog', '-e', '@' + page.overrides]
            page.run(command, 'deploying %s for the examples' % module)
        tasks = '\n'.join(examples_of(relative).strip('\n') + '\n' for relative in ORDER)
        output = page.tasks(tasks, 'the plugins\' EXAMPLES')
        assert 'failed=0' in output
        assert os.path.exists(os.path.join(page.project, 'blog-status.html'))
    finally:
        pg_server.drop_database('blog_look')
