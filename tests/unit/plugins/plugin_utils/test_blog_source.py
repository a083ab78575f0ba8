# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import json
import os
import subprocess
import sys
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ansible_collections.blogops.release.plugins.module_utils import _contained_tree as contained_tree
from ansible_collections.blogops.release.plugins.module_utils._release_transfer import UnsafeArchive, pack_tree
from ansible_collections.blogops.release.plugins.module_utils._tree_digest import tree_sha256
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
    ('name: comments\nversion: 1.4.0\nversion: 1.5.0\n', "module.yml line 3: duplicate key 'version' (first at line 2)"),
    ('name: comments\nversion: &v 1.4.0\n', 'module.yml line 2: anchor &v refused: YAML anchors and aliases are not allowed'),
    ('name: comments\nversion: 1.4.0\n<<: {description: x}\n', 'module.yml line 3: merge key << refused'),
    ('name: comments\nversion: 1.4.0\ndescription: ' + '[' * 9 + ']' * 9 + '\n', 'line 3: nested deeper than 8 levels'),
    ('name: comments\nversion: 1.4.0\ndescription: "%s"\n' % ('x' * 70000), 'module.yml: larger than 64 KiB'),
    ('name: comments\nversion: 1.4.0\n[a]: b\n', 'line 3: a key must be text'),
    ('name: comments\nversion: 1.4.0\ndescription: [%s]\n' % ', '.join(['verylongvalue'] * 500), "description must be "
     "text, got ['verylongvalue', 'veryl..."),
    ('name: comments\nversion: "1.0.0-%s"\n' % ('a' * 200), "module.yml: version '1.0.0-aaaaaaaaaaaaaaaaaa'... (206 "
     "characters) is longer than the 100 characters"),
    ('name: comments\nversion: "%s.0.0"\n' % ('9' * 10000), "module.yml: version '99999999999999999999"),
    ('name: comments\nversion: 1.4.0\nrequires:\n  %s: ">=1"\n' % ('core' * 200), "requires names 'corecorecorecorecorecore'..."),
])
def test_manifest_errors_name_the_problem(source, manifest, message):
    write(source, {'modules/comments/module.yml': manifest})
    with pytest.raises(BlogSourceError) as error:
        read_blog_module(str(source), 'comments')
    assert message in str(error.value)
    assert len(str(error.value)) < 400 and 'Exceeds the limit' not in str(error.value)


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


# --- nothing outside modules/<name> is read (issue 12) -------------------------------------------------------------

MARKER = b'OUTSIDE-MARKER-51d2'


def outside_tree(base):
    """Files outside the blog module, each holding MARKER: what no reading of the source may ever return."""
    write(base, {'outside/secret.txt': MARKER.decode() + '\n',
                 'outside/module.yml': 'name: comments\nversion: 1.4.0\ndescription: %s\n' % MARKER.decode(),
                 'outside/files/index.html': MARKER.decode() + '\n',
                 'outside/migrations/V1__steal.sql': "SELECT '%s';\n" % MARKER.decode()})
    return os.path.join(str(base), 'outside')


def refusal(source, *args):
    with pytest.raises(BlogSourceError) as error:
        read_blog_module(str(source), 'comments', *args)
    assert MARKER.decode() not in str(error.value)
    return str(error.value)


def replace_with_link(path, target):
    if os.path.isdir(path) and not os.path.islink(path):
        subprocess.run(['rm', '-rf', path], check=True)
    elif os.path.lexists(path):
        os.unlink(path)
    os.symlink(target, path)


@pytest.mark.parametrize('what, target, message', [
    ('modules/comments/files', 'outside', 'modules/comments/files is a symlink (to '),
    ('modules/comments/migrations', 'outside/migrations', 'modules/comments/migrations is a symlink (to '),
    ('modules/comments/module.yml', 'outside/module.yml', 'modules/comments/module.yml is a symlink (to '),
    ('modules/comments', 'outside', 'modules/comments is a symlink (to '),
    ('modules', 'outside', 'modules is a symlink (to '),
])
def test_a_symlink_at_a_part_of_the_module_or_above_is_refused(source, what, target, message):
    away = outside_tree(source.parent)
    replace_with_link(os.path.join(str(source), what), os.path.join(away, os.path.relpath(target, 'outside')))
    assert message in refusal(source)


def test_links_and_hard_links_inside_are_refused_naming_each_and_all_at_once(source):
    away = outside_tree(source.parent)
    module = os.path.join(str(source), 'modules', 'comments')
    write(module, {'files/static/app.js': 'app\n', 'files/d/keep.txt': 'k\n', 'migrations/V1__ok.sql': 'SELECT 1;\n'})
    os.symlink(os.path.join(away, 'secret.txt'), os.path.join(module, 'files', 'absolute'))
    os.symlink('../../../../outside/secret.txt', os.path.join(module, 'files', 'relative'))
    os.symlink('..', os.path.join(module, 'files', 'd', 'up'))
    os.symlink('d/up/..', os.path.join(module, 'files', 'chained'))
    os.symlink('../module.yml', os.path.join(module, 'files', 'manifest'))
    os.link(os.path.join(away, 'secret.txt'), os.path.join(module, 'files', 'hard_out'))
    os.link(os.path.join(module, 'files', 'static', 'app.js'), os.path.join(module, 'files', 'static', 'again.js'))
    os.mkfifo(os.path.join(module, 'files', 'fifo'))
    os.symlink(os.path.join(away, 'migrations', 'V1__steal.sql'), os.path.join(module, 'migrations', 'V2__steal.sql'))
    write(module, {'module.yml': 'name: comments\nversion: 1.4.0\nowner: me\nrequires: []\n'})
    message = refusal(source, '1.5.0')
    for expected in ('modules/comments/files/absolute: a symlink to %s/secret.txt, which leads outside files/' % away,
                     'modules/comments/files/relative: a symlink to ../../../../outside/secret.txt, which leads outside',
                     'modules/comments/files/chained: a symlink to d/up/.., which leads outside files/',
                     'modules/comments/files/manifest: a symlink to ../module.yml, which leads outside files/',
                     'modules/comments/files/hard_out: a hard link (one file with 2 names',
                     'modules/comments/files/static/again.js: a hard link',
                     'modules/comments/files/static/app.js: a hard link',
                     'modules/comments/files/fifo: a device, FIFO or socket',
                     'modules/comments/migrations/V2__steal.sql: a symlink to %s/migrations/V1__steal.sql, which leads '
                     'outside migrations/' % away,
                     "modules/comments/module.yml has unknown key(s) 'owner'",
                     'modules/comments/module.yml: requires must be a mapping'):
        assert expected in message, (expected, message)
    # d/up leads to files/ itself, which is inside: only the link that goes one step further is refused.
    assert 'files/d/up' not in message and 'keep.txt' not in message


def test_links_that_stay_inside_are_kept_and_counted_as_tree_digest_counts_them(source):
    module = os.path.join(str(source), 'modules', 'comments')
    write(module, {'files/static/app.js': 'app\n', 'files/run.sh': '#!/bin/sh\n', 'migrations/V1__a.sql': 'SELECT 1;\n',
                   'migrations/V1.10__b.sql': 'SELECT 1;\n', 'migrations/V1.2__c.sql': 'SELECT 1;\n',
                   'migrations/U1.2__c.sql': 'SELECT 1;\n', 'migrations/notes.txt': 'x\n', 'README': 'r\n'})
    os.chmod(os.path.join(module, 'files', 'run.sh'), 0o755)
    os.symlink('static/app.js', os.path.join(module, 'files', 'app.js'))
    os.symlink('../static', os.path.join(module, 'files', 'static', 'self'))
    os.symlink('V1__a.sql', os.path.join(module, 'migrations', 'V0__same_as_1.sql'))
    result = read_blog_module(str(source), 'comments')
    assert result['checksum'] == 'sha256:' + tree_sha256(result['files_path'])
    assert result['migrations'] == ['0', '1', '1.2', '1.10'] and result['schema_version'] == '1.10'


@pytest.mark.parametrize('name, message', [
    ('V\u0661__arabic_one.sql', 'modules/comments/migrations/V\u0661__arabic_one.sql: bad migration file name'),
    ('V1..2__x.sql', 'modules/comments/migrations/V1..2__x.sql: bad migration file name'),
])
def test_migration_names_are_checked_naming_the_file(source, name, message):
    write(source, {'modules/comments/migrations/' + name: 'SELECT 1;\n'})
    error = refusal(source)
    assert message in error and len(error) < 600, error


def test_the_migrations_directory_is_named_when_only_other_parts_are_wrong(source):
    write(source, {'modules/comments/migrations/V1__a.sql': 'SELECT 1;\n', 'modules/comments/module.yml': 'x: 1\n'})
    with pytest.raises(BlogSourceError) as error:
        read_blog_module(str(source), 'comments')
    assert error.value.migrations_path == os.path.join(str(source), 'modules', 'comments', 'migrations')
    os.symlink('/etc/passwd', os.path.join(str(source), 'modules', 'comments', 'migrations', 'V2__b.sql'))
    with pytest.raises(BlogSourceError) as error:
        read_blog_module(str(source), 'comments')
    assert error.value.migrations_path is None


# The classic: nine levels of ten references, 10^9 strings once expanded, in about 500 bytes.
BOMB = 'name: comments\nversion: 1.4.0\ndescription:\n  - &a [%s]\n' % ', '.join(['"lol"'] * 10) + ''.join(
    '  - &%s [%s]\n' % (name, ', '.join(['*' + previous] * 10)) for previous, name in zip('abcdefgh', 'bcdefghi'))

MEASURE = r'''
import json, resource, sys, time
# A safety net for code that would expand the bomb: fail with MemoryError at 1 GiB instead of taking the machine.
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from ansible_collections.blogops.release.plugins.plugin_utils.blog_source import BlogSourceError, read_blog_module
start = time.monotonic()
try:
    read_blog_module(sys.argv[1], 'comments')
    outcome = 'accepted'
except BlogSourceError as e:
    outcome = str(e)
except MemoryError:
    outcome = 'MemoryError'
seconds = time.monotonic() - start
# VmHWM, the peak of this process's own memory: getrusage's ru_maxrss keeps the parent's peak from before the exec
# (pytest's, after a few hundred tests), which says nothing of the reading.
with open('/proc/self/status') as f:
    peak_kb = int([line.split()[1] for line in f if line.startswith('VmHWM:')][0])
print(json.dumps(dict(seconds=seconds, outcome=outcome[:2000], length=len(outcome), peak_mb=peak_kb / 1024.0)))
'''


def test_an_alias_bomb_is_refused_within_a_second_and_100_mb(source):
    assert 500 < len(BOMB) < 700, len(BOMB)
    write(source, {'modules/comments/module.yml': BOMB})
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    try:
        proc = subprocess.run([sys.executable, '-c', MEASURE, str(source)], stdout=subprocess.PIPE, env=env,
                              timeout=60, check=True)
    except subprocess.TimeoutExpired:
        pytest.fail('reading the bomb took more than 60 s')
    measured = json.loads(proc.stdout.decode())
    assert measured['seconds'] < 1 and measured['peak_mb'] < 100, measured
    assert measured['outcome'].startswith('modules/comments/module.yml line 4: anchor &a refused'), measured
    assert measured['length'] < 300, measured


# --- property: random trees with random links never give away a byte from outside ----------------------------------

NAMES = ['a', 'b.txt', 'd', 'd/c', 'd/e/f', 'V1__x.sql', 'V2__y.sql', 'U1__x.sql']
PARTS = ['files', 'migrations']
TARGETS = ['.', '..', 'd', 'd/..', 'a', 'd/c', 'up', 'up/..', 'up/up/..', 'V1__x.sql', '../module.yml', '../files',
           '../../comments/files/a', '/etc/hostname'] + ['../' * k + 'outside/secret.txt' for k in range(3, 7)] + [
    '../' * k + 'other.txt' for k in range(2, 5)]
OUTSIDE = ['outside', 'outside/secret.txt', 'outside/files', 'outside/migrations', 'outside/module.yml',
           'outside/migrations/V1__steal.sql', 'source/other.txt']


def _ops():
    part = st.sampled_from(PARTS)
    name = st.sampled_from(NAMES + ['up', 'd/up'])
    return st.lists(st.one_of(
        st.tuples(st.just('file'), part, name, st.text('abc \n', max_size=20)),
        st.tuples(st.just('dir'), part, name),
        st.tuples(st.just('link'), part, name, st.sampled_from(TARGETS)),
        st.tuples(st.just('abslink'), part, name, st.sampled_from(OUTSIDE)),
        st.tuples(st.just('hardlink'), part, name, st.sampled_from(OUTSIDE + ['inside'])),
        st.tuples(st.just('replace'), st.sampled_from(['files', 'migrations', 'module.yml', '.', 'modules']),
                  st.sampled_from(['symlink', 'hardlink']), st.sampled_from(OUTSIDE)),
    ), max_size=12)


def _through_a_link(base, relative):
    """True when a parent of ``relative`` under ``base`` is a link or not a directory: creating it would write
    wherever that link leads (the test must not plant files outside)."""
    path = base
    for part in relative.split('/')[:-1]:
        path = os.path.join(path, part)
        if os.path.islink(path) or (os.path.lexists(path) and not os.path.isdir(path)):
            return True
    return False


def _apply(base, op):
    module = os.path.join(base, 'source', 'modules', 'comments')
    kind = op[0]
    if kind == 'replace':
        _kind, what, how, target = op
        path = os.path.normpath(os.path.join(module, what) if what != 'modules' else os.path.dirname(module))
        target = os.path.join(base, target)
        source = os.path.join(base, 'source')
        if how == 'hardlink' and not os.path.isfile(target) or os.path.islink(path) or _through_a_link(
                source, os.path.relpath(path, source)):
            return
        if how == 'symlink':
            replace_with_link(path, target)
            return
        if os.path.lexists(path) and not os.path.isdir(path):
            os.unlink(path)
        if not os.path.lexists(path):
            os.link(target, path)
        return
    _kind, part, name = op[:3]
    relative = part + '/' + name
    if not os.path.isdir(module) or os.path.islink(module) or _through_a_link(module, relative) or \
            os.path.lexists(os.path.join(module, relative)):
        return
    path = os.path.join(module, relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if kind == 'file':
        with open(path, 'w', encoding='utf-8') as f:
            f.write(op[3] or 'x')
    elif kind == 'dir':
        os.makedirs(path)
    elif kind == 'link':
        os.symlink(op[3], path)
    elif kind == 'abslink':
        os.symlink(os.path.join(base, op[3]), path)
    elif kind == 'hardlink':
        target = os.path.join(module, 'files', 'a') if op[3] == 'inside' else os.path.join(base, op[3])
        if os.path.isfile(target) and not os.path.islink(target):
            os.link(target, path)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_ops())
def test_no_byte_from_outside_the_module_is_ever_read_or_packed(ops):
    base = tempfile.mkdtemp(prefix='blogops-source-property-')
    try:
        outside_tree(base)
        write(base, {'source/other.txt': MARKER.decode() + '\n',
                     'source/modules/comments/module.yml': 'name: comments\nversion: 1.4.0\n',
                     'source/modules/comments/files/index.html': 'hi\n'})
        for op in ops:
            _apply(base, op)
        try:
            result = read_blog_module(os.path.join(base, 'source'), 'comments')
        except BlogSourceError as e:
            assert MARKER.decode() not in str(e) and MARKER.decode() not in repr(e.problems)
            return
        assert MARKER.decode() not in repr(result)
        for key in ('files_path', 'migrations_path'):
            if not result[key]:
                continue
            archive = os.path.join(base, key + '.tar')
            try:
                pack_tree(result[key], archive)
            except UnsafeArchive:
                continue
            with open(archive, 'rb') as f:
                assert MARKER not in f.read()
        assert result['checksum'] == 'sha256:' + tree_sha256(result['files_path'])
    finally:
        subprocess.run(['rm', '-rf', base], check=True)


def test_duplicate_keys_do_not_hide_the_other_problems_of_the_manifest(source):
    write(source, {'modules/comments/module.yml': 'name: comments\nversion: "1.4"\nowner: me\nversion: 1.5.0\n'})
    message = refusal(source)
    for expected in ("modules/comments/module.yml line 4: duplicate key 'version' (first at line 2)",
                     "modules/comments/module.yml has unknown key(s) 'owner'"):
        assert expected in message, message


@pytest.mark.parametrize('links, escaping', [
    ({'a': 'b', 'b': 'c'}, []),
    ({'d/up': '..', 'x': 'd/up/..'}, ['x']),
    ({'d/up': '..', 'x': 'd/up/d'}, []),
    ({'a': 'b', 'b': 'a'}, ['a', 'b']),
    ({'a': '/etc'}, ['a']),
    ({'d/a': '../../x'}, ['d/a']),
    ({'d/a': '../x/../d'}, []),
    ({'s': 'd/e', 'd/e': '../..'}, ['d/e', 's']),
])
def test_links_are_resolved_through_each_other_as_the_kernel_would(links, escaping):
    assert [relative for relative, _target in contained_tree.escaping_links(links)] == escaping
