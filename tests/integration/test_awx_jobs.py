# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every playbook as an AWX job: its execution environment from the collection as installed, and each playbook run
through ansible-runner as AWX runs it, with the artifacts it publishes."""

import glob
import json
import os
import subprocess

import yaml

from deploy_env import PLAYBOOKS
from example_env import published_artifacts
from harness.awx_job import AwxJob
from harness.playbook import LOCAL_INVENTORY, ROOT, VENV_BIN

# What AWX adds to every job's extra vars.
AWX_VARS = dict(awx_job_id=101, awx_job_template_name='blog', awx_user_name='ops-admin', tower_user_name='ops-admin')


def requirement_lines(path):
    with open(path) as f:
        return [line.strip() for line in f if line.strip() and not line.lstrip().startswith(('#', '-r'))]


def installed_collection(tmp_path):
    """The collection as Galaxy installs it: built into a tarball, installed into a path of its own."""
    build = subprocess.run([os.path.join(VENV_BIN, 'ansible-galaxy'), 'collection', 'build', '--force',
                            '--output-path', str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    assert build.returncode == 0, build.stdout
    installed = tmp_path / 'collections'
    install = subprocess.run([os.path.join(VENV_BIN, 'ansible-galaxy'), 'collection', 'install', '--no-deps', '--force',
                              '-p', str(installed), str(tmp_path / 'blogops-release-0.1.0.tar.gz')],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                             env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(installed)), check=False)
    assert install.returncode == 0, install.stdout
    return installed


def builder(*args, cwd):
    proc = subprocess.run([os.path.join(VENV_BIN, 'ansible-builder')] + list(args), cwd=cwd, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    assert proc.returncode == 0, proc.stdout
    assert 'DEPRECATION' not in proc.stdout, proc.stdout
    return proc.stdout


def test_the_execution_environment_builds_from_the_collection_as_installed(tmp_path):
    definition_path = os.path.join(ROOT, 'meta', 'execution-environment.yml')
    with open(definition_path) as f:
        definition = yaml.safe_load(f)
    # Read from the collection's root when ansible-builder takes it as a Galaxy dependency, from meta/ when it is
    # built as it is: copies, the same both ways.
    assert definition['version'] == 3
    assert (definition['dependencies']['python'], definition['dependencies']['system']) == ('requirements.txt', 'bindep.txt')
    for name in ('requirements.txt', 'bindep.txt'):
        with open(os.path.join(ROOT, 'meta', name)) as copy, open(os.path.join(ROOT, name)) as original:
            assert copy.read() == original.read(), 'meta/%s differs from %s' % (name, name)

    installed = installed_collection(tmp_path)
    collection = installed / 'ansible_collections' / 'blogops' / 'release'
    # From elsewhere than the collection's root: nothing in the definition may depend on the working directory.
    context = tmp_path / 'context'
    builder('create', '--file', str(collection / 'meta' / 'execution-environment.yml'), '--context', str(context),
            '--output-filename', 'Containerfile', cwd=str(tmp_path))
    containerfile = (context / 'Containerfile').read_text()
    final = containerfile[containerfile.rindex('\nFROM '):]
    assert 'ARG PG_MAJOR=15' in final and 'postgresql${PG_MAJOR}' in final
    assert 'ENV PATH=/usr/pgsql-${PG_MAJOR}/bin:$PATH' in final
    # The client is installed before the collection's bindep packages and the Python wheels.
    assert final.index('postgresql${PG_MAJOR}') < final.index('install-from-bindep')
    assert 'ARG EE_BASE_IMAGE="quay.io/centos/centos:stream10"' in containerfile
    assert 'ARG PYCMD="/usr/bin/python3"' in containerfile
    build = context / '_build'
    assert yaml.safe_load((build / 'requirements.yml').read_text()) == dict(collections=[dict(name='blogops.release')])
    assert requirement_lines(str(build / 'requirements.txt')) == requirement_lines(os.path.join(ROOT, 'requirements.txt'))
    assert requirement_lines(str(build / 'bindep.txt')) == requirement_lines(os.path.join(ROOT, 'bindep.txt')) == [
        'git-core [platform:rpm]']

    # As a Galaxy dependency of another execution environment: what ansible-builder takes from the installed collection.
    found = yaml.safe_load(builder('introspect', str(installed), cwd=str(tmp_path)))
    assert found['python'] == ['%s  # from collection blogops.release' % line
                               for line in requirement_lines(os.path.join(ROOT, 'requirements.txt'))]
    assert found['system'] == ['git-core [platform:rpm]  # from collection blogops.release']


class Jobs:
    """Job templates of one blog: each launch runs a playbook through ansible-runner as AWX does, with the survey's
    answers, AWX's own variables, the inventory's variables and the database credential's injected extra vars."""

    def __init__(self, blog, tmp_path):
        self.blog = blog
        self.tmp_path = tmp_path
        self.count = 0

    def launch(self, playbook, check=False, **answers):
        self.count += 1
        extra_vars = dict(AWX_VARS, blog_source_root=self.blog.source, blog_release_root=self.blog.release_root,
                          blog_backup_dir=self.blog.backup_dir)
        # The credential type of docs/awx.md injects strings, the port too.
        extra_vars.update((k, str(v)) for k, v in self.blog.db.playbook_vars.items())
        extra_vars.update(answers)
        job = AwxJob(self.tmp_path / ('job-%d-%s' % (self.count, playbook)), os.path.join(PLAYBOOKS, playbook + '.yml'),
                     extra_vars=extra_vars, inventory=LOCAL_INVENTORY)
        if check:
            # The job type Check: AWX adds --check to the command line.
            with open(os.path.join(job.private_data_dir, 'env', 'cmdline'), 'w') as f:
                f.write('--check')
        result = job.run()
        self.check_artifacts(playbook, result)
        return result

    def check_artifacts(self, playbook, result):
        """The job published its artifact, with the keys that docs/awx.md documents, and no secret left the job."""
        assert result.status in ('successful', 'failed') and result.events, result
        if result.artifact_data or result.ok:
            assert {k: set(v) for k, v in result.artifact_data.items()} == published_artifacts(playbook), result
        secret = self.blog.db.server.password
        leaked = [path for path in glob.glob(os.path.join(result.artifacts_dir, '**'), recursive=True)
                  if os.path.isfile(path) and secret.encode() in open(path, 'rb').read()]
        assert leaked == [], 'the password is in %s' % leaked
        for word in ('blog_db_password', 'login_password'):
            assert word not in json.dumps(result.artifact_data)


def test_every_playbook_as_an_awx_job_publishes_what_it_did_and_a_check_job_what_it_would_do(deployed, tmp_path):
    jobs = Jobs(deployed, tmp_path)
    deployed.overlay('comments-1.1.0')
    before = deployed.snapshot()
    backups = sorted(os.listdir(deployed.backup_dir))
    new_scripts = ['V1.1__add_author.sql', 'V1.2__index_comments_by_post.sql']

    check = jobs.launch('deploy', check=True, blog_module='comments', blog_version='1.1.0')
    assert check.ok, check
    summary = check.artifact_data['blogops_release']
    assert (summary['outcome'], summary['hosts'], summary['check_mode']) == ('would_deploy', dict(localhost='would_deploy'), True)
    assert summary['message'] == 'would deploy (check mode: nothing was changed)'
    # Nothing that did not happen: no backup, no history row, the schema where it was.
    assert summary['backup'] is None and summary['history_id'] is None
    assert summary['schema_version_before'] == summary['schema_version_after'] == '1'
    assert summary['pending_migrations'] == new_scripts
    assert summary['planned_backup'].startswith(deployed.backup_dir + '/blog_backup_')
    assert not os.path.exists(summary['planned_backup'])
    assert deployed.snapshot() == before and sorted(os.listdir(deployed.backup_dir)) == backups

    run = jobs.launch('deploy', blog_module='comments', blog_version='1.1.0', blog_max_fail_percentage=0)
    assert run.ok, run
    summary = run.artifact_data['blogops_release']
    assert (summary['outcome'], summary['from_version'], summary['to_version']) == ('deployed', '1.0.0', '1.1.0')
    assert summary['pending_migrations'] == new_scripts and summary['schema_version_after'] == '1.2'
    assert summary['planned_backup'] is None and os.path.exists(summary['backup'] + '.json')
    percentage = summary['max_fail_percentage']
    assert percentage == 0 and isinstance(percentage, int) and not isinstance(percentage, bool)
    assert summary['check_mode'] is False
    assert deployed.db.query('SELECT actor FROM module_version_history ORDER BY id DESC LIMIT 1') == [
        dict(actor='ops-admin')]

    backup = jobs.launch('backup', blog_backup_label='before the restore')
    assert backup.ok, backup
    taken = backup.artifact_data['blogops_release_backup']
    assert os.path.exists(taken['backup'] + '.json') and taken['planned_backup'] is None
    assert (taken['label'], taken['schema_version'], taken['database'], taken['database_host']) == (
        'before the restore', '1.2', deployed.db.name, 'localhost')
    assert taken['size'] == os.path.getsize(taken['backup']) and len(taken['sha256']) == 64

    # The same state again, from the backup just taken.
    restore = jobs.launch('restore', backup=taken['backup'], blog_restore_mode='replace')
    assert restore.ok, restore
    assert restore.artifact_data['blogops_release_restore'] == dict(
        outcome='restored', backup=taken['backup'], mode='replace', database=deployed.db.name, schema_version='1.2',
        schema_versions=dict(comments='1.2', core='1'), database_host='localhost', check_mode=False)

    rollback = jobs.launch('rollback', blog_module='comments')
    assert rollback.ok, rollback
    assert rollback.artifact_data['blogops_release_rollback'] == dict(
        module='comments', outcome='rolled_back', version='1.0.0', schema_version='1', database=True, recovered=None,
        check_mode=False)

    page = tmp_path / 'www' / 'status.html'
    page.parent.mkdir()
    status = jobs.launch('status', blog_status_html=str(page), blog_status_json='', blog_status_files_on='blog_db',
                         blog_status_verify_backups='false')
    assert status.ok, status
    report = status.artifact_data['blogops_release_status']
    assert (report['files_host'], report['html'], report['json']) == ('localhost', str(page), None)
    assert page.read_text().startswith('<!doctype html>')
    assert [(m['module'], m['version']) for m in report['report']['modules']] == [('comments', '1.0.0'), ('core', '1.0.0')]


def test_the_workflow_hands_the_deploys_artifact_to_the_rollback_node(deployed, tmp_path):
    jobs = Jobs(deployed, tmp_path)
    deployed.overlay('comments-1.1.0')
    deployed.overlay('comments-1.2.0')
    # The workflow's survey (docs/awx.md): no version, the source's is deployed.
    survey = dict(blog_module='comments', blog_serial='0', blog_max_fail_percentage=0,
                  blogops_release_on_host_failure='rollback_all')
    deploy = jobs.launch('deploy', **survey)
    assert not deploy.ok and deploy.status == 'failed'
    summary = deploy.artifact_data['blogops_release']
    assert (summary['outcome'], summary['failed_step'], summary['to_version']) == ('rolled_back', 'migrate', '1.2.0')
    assert summary['message'].endswith('; everything was rolled back') and '.;' not in summary['message']
    before = deployed.snapshot()

    # On the failure path: the deploy's artifacts, then the workflow's survey answers over them (AWX's precedence).
    rollback = jobs.launch('rollback', **dict(deploy.artifact_data, **survey))
    assert rollback.ok, rollback
    assert rollback.artifact_data['blogops_release_rollback']['outcome'] == 'nothing_to_undo'
    assert rollback.artifact_data['blogops_release_rollback']['version'] == '1.0.0'
    assert deployed.snapshot() == before
