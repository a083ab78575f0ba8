# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""blogops.release.release and blog_source: real ansible-playbook runs on real directories."""

import os
import pwd
import shutil
import stat
import tempfile

import pytest

from harness.playbook import run_playbook, play_text

from ansible_collections.blogops.release.plugins.module_utils._tree_digest import tree_sha256

UPLOAD = '''
- name: Upload
  blogops.release.release:
    module_name: comments
    release_root: "{{ root }}"
    version: "{{ version | default('1.0.0') }}"
    src: "{{ src }}"
'''

ACTIVATE = '''
- name: Activate
  blogops.release.release:
    module_name: comments
    release_root: "{{ root }}"
    release_id: "{{ release_id }}"
    state: active
'''


def write_tree(root, files):
    for name, content in files.items():
        path = os.path.join(root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write(content)


class Files:
    """Plays on the local host only, no database."""

    def __init__(self, tmp_path):
        self.tmp = tmp_path
        self.root = str(tmp_path / 'srv' / 'blog')
        self.src = str(tmp_path / 'src')
        write_tree(self.src, {'index.html': '<h1>comments</h1>\n', 'static/app.js': 'console.log(1)\n'})
        os.symlink('static/app.js', os.path.join(self.src, 'app.js'))

    def play(self, tasks, check=False, diff=False, **extra):
        path = str(self.tmp / ('play-%d.yml' % len(os.listdir(str(self.tmp)))))
        with open(path, 'w') as f:
            f.write(play_text(tasks, connection_defaults=False))
        variables = dict(root=self.root, src=self.src)
        variables.update(extra)
        return run_playbook(path, str(self.tmp / 'work'), extra_vars=variables, check=check, diff=diff)

    def module_dir(self, *parts):
        return os.path.join(self.root, 'comments', *parts)


@pytest.fixture
def files(tmp_path):
    return Files(tmp_path)


def test_upload_once_then_nothing_to_do(files):
    first = files.play(UPLOAD)
    assert first.ok, first
    result = first.result('Upload')
    assert result['changed'] is True and result['uploaded'] is True
    release = result['release']
    assert release['id'].startswith('1.0.0-') and len(release['id']) == len('1.0.0-') + 8
    assert release['path'] == files.module_dir('releases', release['id'])
    with open(os.path.join(release['path'], 'static', 'app.js')) as f:
        assert f.read() == 'console.log(1)\n'
    assert os.readlink(os.path.join(release['path'], 'app.js')) == 'static/app.js'
    assert stat.S_IMODE(os.stat(release['path']).st_mode) == 0o555
    assert stat.S_IMODE(os.stat(os.path.join(release['path'], 'index.html')).st_mode) == 0o444
    assert os.listdir(files.module_dir('releases')) == [release['id']]
    assert os.path.isdir(files.module_dir('shared'))
    assert result['current'] is None

    second = files.play(UPLOAD)
    assert second.ok, second
    assert second.result('Upload')['changed'] is False
    assert second.result('Upload')['uploaded'] is False
    assert second.result('Upload')['release']['id'] == release['id']


def test_changed_content_gets_a_new_release_id(files):
    first = files.play(UPLOAD).result('Upload')['release']['id']
    write_tree(files.src, {'index.html': '<h1>comments v2</h1>\n'})
    second = files.play(UPLOAD).result('Upload')['release']['id']
    assert first != second and first[:6] == second[:6] == '1.0.0-'
    assert sorted(os.listdir(files.module_dir('releases'))) == sorted([first, second])


def test_check_mode_uploads_nothing(files):
    run = files.play(UPLOAD, check=True)
    assert run.ok, run
    assert run.result('Upload')['changed'] is True
    assert not os.path.exists(files.root)


def test_switch_keeps_the_previous_release_as_rollback_target(files):
    one = files.play(UPLOAD).result('Upload')['release']['id']
    write_tree(files.src, {'index.html': 'two\n'})
    two = files.play(UPLOAD, version='1.1.0').result('Upload')['release']['id']

    first = files.play(ACTIVATE, release_id=one)
    assert first.ok, first
    assert first.result('Activate')['changed'] is True
    assert os.readlink(files.module_dir('current')) == 'releases/' + one
    assert not os.path.lexists(files.module_dir('previous'))

    predicted = files.play(ACTIVATE, check=True, diff=True, release_id=two)
    assert predicted.result('Activate')['changed'] is True
    assert predicted.result('Activate')['diff'] == dict(before=dict(current=one), after=dict(current=two))
    assert os.readlink(files.module_dir('current')) == 'releases/' + one

    second = files.play(ACTIVATE, release_id=two)
    assert second.result('Activate')['current']['id'] == two
    assert second.result('Activate')['previous']['id'] == one
    assert os.readlink(files.module_dir('current')) == 'releases/' + two
    assert os.readlink(files.module_dir('previous')) == 'releases/' + one
    assert files.play(ACTIVATE, release_id=two).result('Activate')['changed'] is False

    query = files.play('''
    - name: Query
      blogops.release.release:
        module_name: comments
        release_root: "{{ root }}"
        state: query
    ''').result('Query')
    assert [(r['id'], r['live'], r['rollback_target']) for r in query['releases']] == [(one, False, True), (two, True, False)]


def test_activate_by_version_and_refuse_unknown_release(files):
    one = files.play(UPLOAD).result('Upload')['release']['id']
    by_version = files.play('''
    - name: Activate by version
      blogops.release.release:
        module_name: comments
        release_root: "{{ root }}"
        version: 1.0.0
        state: active
    ''')
    assert by_version.result('Activate by version')['release']['id'] == one
    missing = files.play(ACTIVATE, release_id='9.9.9-deadbeef')
    assert not missing.ok
    assert 'release 9.9.9-deadbeef of comments is not on this host' in missing.result('Activate')['msg']
    assert os.readlink(files.module_dir('current')) == 'releases/' + one


def test_switch_with_a_checksum_proves_the_files_in_the_same_run(files):
    upload = files.play(UPLOAD)
    one = upload.result('Upload')['release']['id']
    checksum = 'sha256:' + tree_sha256(files.src)
    activate = ACTIVATE.replace('state: active', 'state: active\n    checksum: "{{ checksum }}"')
    proven = files.play(activate, release_id=one, checksum=checksum)
    assert proven.ok, proven
    assert (proven.result('Activate')['changed'], proven.result('Activate')['verified']) == (True, True)

    # A file of the release changed on the host: the switch is done, and the proof fails as the verify step.
    path = files.module_dir('releases', one, 'index.html')
    os.chmod(os.path.dirname(path), 0o755)
    os.chmod(path, 0o644)
    with open(path, 'a') as f:
        f.write('changed\n')
    failed = files.play(activate, release_id=one, checksum=checksum)
    result = failed.result('Activate')
    assert not failed.ok and result['step'] == 'verify' and 'were modified after the deploy' in result['msg'], result
    assert os.readlink(files.module_dir('current')) == 'releases/' + one


def test_absent_and_clean_never_touch_live_or_rollback_target(files):
    ids = []
    for number in range(5):
        write_tree(files.src, {'index.html': 'release %d\n' % number})
        ids.append(files.play(UPLOAD, version='1.%d.0' % number).result('Upload')['release']['id'])
    files.play(ACTIVATE, release_id=ids[0])
    files.play(ACTIVATE, release_id=ids[1])  # live ids[1], rollback target ids[0]
    os.mkdir(files.module_dir('releases', '.%s.partial-abc123' % ids[4]))

    refused = files.play('''
    - name: Remove the live release
      blogops.release.release:
        module_name: comments
        release_root: "{{ root }}"
        release_id: "{{ release_id }}"
        state: absent
    ''', release_id=ids[1])
    assert not refused.ok
    assert 'it is the live release' in refused.result('Remove the live release')['msg']

    clean = '''
    - name: Clean
      blogops.release.release:
        module_name: comments
        release_root: "{{ root }}"
        state: clean
        keep_releases: 2
    '''
    predicted = files.play(clean, check=True).result('Clean')
    assert predicted['changed'] is True
    assert len(os.listdir(files.module_dir('releases'))) == 6
    result = files.play(clean).result('Clean')
    # Kept: the two newest, the live release and the rollback target.
    assert result['removed'] == ['.%s.partial-abc123' % ids[4], ids[2]]
    assert sorted(os.listdir(files.module_dir('releases'))) == sorted([ids[0], ids[1], ids[3], ids[4]])
    assert files.play(clean).result('Clean')['changed'] is False


def test_symlink_leaving_the_release_is_refused_and_nothing_is_written(files):
    os.symlink('../../etc/passwd', os.path.join(files.src, 'static', 'passwd'))
    run = files.play(UPLOAD)
    assert not run.ok
    assert 'symlink static/passwd points to ../../etc/passwd, outside the release' in run.result('Upload')['msg']
    assert not os.path.exists(files.module_dir('releases')) or os.listdir(files.module_dir('releases')) == []


def test_upload_works_under_become_to_another_user(files):
    # pytest's temporary directories are private to root: give postgres a readable place.
    owner = pwd.getpwnam('postgres')
    base = tempfile.mkdtemp(prefix='blogops-become-')
    try:
        os.chmod(base, 0o755)
        src = os.path.join(base, 'src')
        shutil.copytree(files.src, src, symlinks=True)
        root = os.path.join(base, 'srv')
        os.mkdir(root)
        os.chown(root, owner.pw_uid, owner.pw_gid)
        run = files.play('''
        - name: Upload as postgres
          become: true
          become_method: ansible.builtin.su
          become_user: postgres
          vars:
            ansible_python_interpreter: /usr/bin/python3
          blogops.release.release:
            module_name: comments
            release_root: "{{ root }}"
            version: 1.0.0
            src: "{{ src }}"
        ''', root=root, src=src)
        assert run.ok, run
        path = run.result('Upload as postgres')['release']['path']
        assert path.startswith(root)
        assert os.stat(os.path.join(path, 'index.html')).st_uid == owner.pw_uid
    finally:
        shutil.rmtree(base)


def test_blog_source_reads_the_manifest_and_names_the_release(files, tmp_path):
    source = tmp_path / 'blog'
    write_tree(str(source / 'modules' / 'comments'), {
        'module.yml': 'name: comments\nversion: 1.4.0\nrequires:\n  core: ">=2.1,<3"\nenvironment: [BLOG_SECRET]\n',
        'files/index.html': 'hello\n',
        'migrations/V1__create.sql': 'CREATE TABLE c (id int);\n',
        'migrations/V1.10__more.sql': 'SELECT 1;\n',
        'migrations/V1.9__less.sql': 'SELECT 1;\n',
    })
    run = files.play(['''
    - name: Read
      blogops.release.blog_source:
        src: "{{ source }}"
        module_name: comments
        version: 1.4.0
      register: read
    ''', UPLOAD.replace('"{{ src }}"', '"{{ read.module.files_path }}"').replace(
        "\"{{ version | default('1.0.0') }}\"", '"{{ read.module.version }}"')], source=str(source))
    assert run.ok, run
    module = run.result('Read')['module']
    assert module['requires'] == {'core': '>=2.1,<3'}
    assert module['environment'] == ['BLOG_SECRET']
    assert module['migrations'] == ['1', '1.9', '1.10']
    assert module['schema_version'] == '1.10'
    assert module['release_id'] == run.result('Upload')['release']['id']
    assert module['checksum'].startswith('sha256:' + module['release_id'][-8:])

    wrong = files.play('''
    - name: Read another version
      blogops.release.blog_source:
        src: "{{ source }}"
        module_name: comments
        version: 2.0.0
    ''', source=str(source))
    assert not wrong.ok
    assert 'requested version 2.0.0 of blog module comments, but the source' in wrong.result('Read another version')['msg']
