# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Galaxy tarball holds the collection and nothing else, and works once installed."""

import json
import os
import subprocess
import tarfile

from harness.playbook import COLLECTIONS_PATH, ROOT, VENV_BIN, run_playbook

LEFTOVERS = ('.venv/', '.git/', '__pycache__', '.pytest_cache', '.hypothesis', 'tests/output', '.ansible/', '.pyc')


def test_tarball_installs_into_an_empty_path_and_deploys_from_there(tmp_path, blog_db):
    build = subprocess.run([os.path.join(VENV_BIN, 'ansible-galaxy'), 'collection', 'build', '--force',
                            '--output-path', str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    assert build.returncode == 0, build.stdout
    tarball = str(tmp_path / 'blogops-release-0.1.0.tar.gz')
    with tarfile.open(tarball) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile('MANIFEST.json'))
    assert manifest['collection_info']['dependencies'] == {'community.postgresql': '>=3.4.0'}
    assert [n for n in names if any(leftover in n for leftover in LEFTOVERS)] == []
    for shipped in ('plugins/modules/migrate.py', 'roles/deploy/tasks/main.yml', 'playbooks/deploy.yml',
                    'meta/runtime.yml', 'examples/blog/base/modules/core/module.yml', 'docs/getting-started.md'):
        assert shipped in names

    installed = tmp_path / 'installed'
    # --force and a collections path of its own: this checkout is installed in .venv/collections already.
    install = subprocess.run([os.path.join(VENV_BIN, 'ansible-galaxy'), 'collection', 'install', '--no-deps', '--force',
                              '-p', str(installed), tarball], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(installed)),
                             universal_newlines=True, check=False)
    assert install.returncode == 0, install.stdout
    collection = installed / 'ansible_collections' / 'blogops' / 'release'
    assert not os.path.islink(str(collection)) and (collection / 'MANIFEST.json').exists()

    # Only the installed copy and community.postgresql are visible: not this checkout, not site-packages.
    dependencies = tmp_path / 'dependencies' / 'ansible_collections' / 'community'
    dependencies.mkdir(parents=True)
    os.symlink(os.path.realpath(os.path.join(COLLECTIONS_PATH, 'ansible_collections', 'community', 'postgresql')),
               str(dependencies / 'postgresql'))
    env = dict(ANSIBLE_COLLECTIONS_PATH='%s:%s' % (installed, tmp_path / 'dependencies'),
               ANSIBLE_COLLECTIONS_SCAN_SYS_PATH='false')
    variables = dict(blog_db.playbook_vars)
    variables.update(blog_module='core', blog_version='1.0.0',
                     blog_source_root=str(collection / 'examples' / 'blog' / 'base'),
                     blog_release_root=str(tmp_path / 'srv'), blog_backup_dir=str(tmp_path / 'backups'))
    run = run_playbook('blogops.release.deploy', str(tmp_path / 'runs'), extra_vars=variables, env=env,
                       args=['-vv'])
    assert run.ok, run
    assert 'ansible_collections/blogops/release' in run.output and str(installed) in run.output
    assert blog_db.query('SELECT version FROM module_version') == [dict(version='1.0.0')]
