# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every playbook as an AWX job: its execution environment from the collection as installed, and each playbook run
through ansible-runner as AWX runs it, with the artifacts it publishes."""

import os
import subprocess

import yaml

from harness.playbook import ROOT, VENV_BIN


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
