# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import os
import subprocess

import pytest

from ansible_collections.blogops.release.plugins.plugin_utils.blog_source import BlogSourceError, read_blog_module


def write(root, files):
    for name, content in files.items():
        path = os.path.join(str(root), name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write(content)


def git(root, *args):
    subprocess.run(['git', '-C', str(root), '-c', 'user.name=t', '-c', 'user.email=t@example.invalid'] + list(args),
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.fixture
def source(tmp_path):
    write(tmp_path, {'modules/comments/module.yml': 'name: comments\nversion: 1.4.0\n',
                     'modules/comments/files/index.html': 'hi\n'})
    return tmp_path


def test_reads_version_and_release_id(source):
    module = read_blog_module(str(source), 'comments')
    assert module['version'] == '1.4.0' and module['version_source'] == 'module.yml'
    assert module['release_id'] == '1.4.0-' + module['checksum'][7:15]
    assert module['migrations_path'] is None and module['schema_version'] is None


@pytest.mark.parametrize('manifest, message', [
    ('name: comments\nversion: "1.4"\n', "invalid version '1.4'"),
    ('name: comments\nversion: 1.4\n', 'version must be text, got 1.4'),
    ('name: comments\nversion: 1.4.0\nowner: me\n', "unknown key(s) 'owner'"),
    ('name: comments\nversion: 1.4.0\nrequires: [core]\n', 'requires must be a mapping'),
    ('name: comments\nversion: 1.4.0\nrequires: {core: "latest"}\n', "'latest'"),
    ('name: comments\nversion: 1.4.0\nrequires: {core: ">=3,<2"}\n', 'no version satisfies'),
    ('name: comments\nversion: 1.4.0\nenvironment: ["A-B"]\n', 'not an environment variable name'),
    ('name: other\nversion: 1.4.0\n', "names blog module 'other' but lives in modules/comments"),
    ('- just a list\n', 'must be a mapping'),
    ('name: [unclosed\n', 'not valid YAML'),
])
def test_manifest_errors_name_the_problem(source, manifest, message):
    write(source, {'modules/comments/module.yml': manifest})
    with pytest.raises(BlogSourceError) as error:
        read_blog_module(str(source), 'comments')
    assert message in str(error.value)


def test_missing_module_lists_what_exists(source):
    with pytest.raises(BlogSourceError, match=r"blog module 'search' not found: .* \(blog modules in .*: comments\)"):
        read_blog_module(str(source), 'search')


def test_names_are_checked_before_any_path_is_built(source):
    with pytest.raises(ValueError, match='invalid blog module name'):
        read_blog_module(str(source), '../../etc')


def test_requested_version_must_match(source):
    assert read_blog_module(str(source), 'comments', '1.4.0')['version'] == '1.4.0'
    with pytest.raises(BlogSourceError, match='requested version 1.5.0 .* is version 1.4.0 \\(from module.yml\\)'):
        read_blog_module(str(source), 'comments', '1.5.0')


def test_version_from_git_tags(source):
    write(source, {'modules/comments/module.yml': 'name: comments\n'})
    git(source, 'init', '-q')
    git(source, 'add', '-A')
    git(source, 'commit', '-qm', 'one')
    with pytest.raises(BlogSourceError, match='git finds no tag comments/v<semver> or v<semver>'):
        read_blog_module(str(source), 'comments')
    git(source, 'tag', 'v1.0.0')
    assert read_blog_module(str(source), 'comments')['version'] == '1.0.0'
    git(source, 'tag', 'comments/v1.2.0')
    module = read_blog_module(str(source), 'comments', '1.2.0')
    assert (module['version'], module['version_source']) == ('1.2.0', 'git tag comments/v1.2.0')
    write(source, {'modules/comments/files/index.html': 'changed\n'})
    git(source, 'commit', '-qam', 'two')
    version = read_blog_module(str(source), 'comments')['version']
    assert version.startswith('1.2.0+1.g'), version
