# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fault suite, bad input: each a clear error and no change. Most cases run the modules themselves in one
play (no deploy needed); those only the deploy chain can see run one deploy each."""

import io
import json
import os
import shutil
import stat
import tarfile

import pytest

from faults_env import check_nothing_lost, operator_message

from ansible_collections.blogops.release.plugins.module_utils._release_transfer import UnsafeArchive, unpack_archive

TRAVERSAL = '../../etc'
SQL = "x'); DROP TABLE posts; --"


def task(name, module, **args):
    return '- ' + json.dumps(dict(name=name, ignore_errors=True, **{module: args}))


def refused(run, name):
    result = run.result(name)
    assert result['_status'] == 'failed', result
    return result['msg']


def outside(tmp_path):
    """A directory outside everything the tasks were given, which must stay empty."""
    path = tmp_path / 'outside'
    path.mkdir()
    return str(path)


def make_archive(path, members, version_json=None):
    """A release archive as module_backup writes it, with crafted members: (name, kind, data or link target)."""
    document = version_json or dict(archive_format=1, name='comments', version='1.0.0', checksum='a' * 64,
                                    dependencies={})
    with tarfile.open(path, 'w:gz') as tar:
        data = json.dumps(document).encode()
        info = tarfile.TarInfo('version.json')
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
        info = tarfile.TarInfo('release')
        info.type = tarfile.DIRTYPE
        info.mode = 0o755
        tar.addfile(info)
        for name, kind, content in members:
            info = tarfile.TarInfo(name)
            if kind == 'file':
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
            else:
                info.type = {'symlink': tarfile.SYMTYPE, 'hardlink': tarfile.LNKTYPE}[kind]
                info.linkname = content
                tar.addfile(info)
    return path


def test_bad_names_versions_and_sql_are_refused_before_anything(deployed, tmp_path, fault_case):
    names = fault_case.case('path traversal in name/version', "'%s' as blog module name, version, release id" % TRAVERSAL)
    sql = fault_case.case('SQL metacharacters', 'in a blog module name, a dependency name, a migration description '
                                                'and the actor')
    before = deployed.state()
    away = outside(tmp_path)
    root = deployed.release_root
    run = deployed.ansible.play([
        task('Read a traversal name', 'blogops.release.blog_source', src=deployed.source, module_name=TRAVERSAL),
        task('Read a traversal version', 'blogops.release.blog_source', src=deployed.source, module_name='comments',
             version=TRAVERSAL),
        task('Upload a traversal name', 'blogops.release.release', module_name=TRAVERSAL, release_root=root,
             version='1.0.0', src=deployed.source),
        task('Upload a traversal version', 'blogops.release.release', module_name='comments', release_root=root,
             version=TRAVERSAL, src=os.path.join(deployed.source, 'modules', 'comments', 'files')),
        task('Switch to a traversal release id', 'blogops.release.release', module_name='comments', release_root=root,
             release_id=TRAVERSAL + '-0123abcd', state='active'),
        task('Open a deploy of a traversal name', 'blogops.release.deployment', module_name=TRAVERSAL,
             to_version='1.0.0'),
        task('Record an SQL name', 'blogops.release.module_version', module_name=SQL, version='1.0.0'),
        task('Record an SQL dependency', 'blogops.release.module_version', module_name='search', version='1.0.0',
             dependencies={SQL: '>=1'}),
        task('Back up with a two-line label', 'blogops.release.db_backup', backup_dir=away, label='a\nb'),
    ])
    for name in ('Read a traversal name', 'Upload a traversal name', 'Open a deploy of a traversal name'):
        names.check('%s: refused naming the rule' % name, "invalid blog module name '../../etc'" in refused(run, name))
    names.check('a traversal version is not a version', 'version' in refused(run, 'Read a traversal version')
                and 'version' in refused(run, 'Upload a traversal version'))
    names.check('a traversal release id is refused', 'invalid release id' in refused(run, 'Switch to a traversal release id'))
    for name in ('Record an SQL name', 'Record an SQL dependency'):
        sql.check('%s: refused naming the rule' % name, 'invalid' in refused(run, name) and 'must match' in refused(run, name))
    sql.check('a label of two lines is refused', 'one line' in refused(run, 'Back up with a two-line label'))
    names.equal('nothing written outside', os.listdir(away), [])
    names.check('nothing written next to the release root', sorted(os.listdir(os.path.dirname(root))) == ['blog'])
    check_nothing_lost(names, before, deployed.state())

    # Metacharacters that are data, not names: a migration description and the actor are stored as they are.
    deployed.set_version('comments', '1.0.1', requires={'core': '>=1.0,<2'})
    deployed.write('comments', {"migrations/V1.1__it's_%s.sql" % SQL.replace(' ', '_'):
                                'CREATE TABLE notes (note text);\n'})
    actor = "O'Brien\"; DROP TABLE posts; --"
    deploy = deployed.deploy('comments', '1.0.1', blog_actor=actor)
    sql.check('a deploy with them succeeds', deploy.ok, deploy)
    after = deployed.state()
    sql.equal('posts kept every row', after['rows']['posts'], before['rows']['posts'])
    sql.check('the description is stored as written', after['tracking']['schema_version'][-1]['description']
              == "it's %s" % SQL.replace(' ', '_').replace('_', ' '), after['tracking']['schema_version'][-1])
    sql.equal('the actor is stored as written', after['tracking']['history'][-1]['actor'], actor)
    names.outcome('refused: "invalid blog module name \'../../etc\': it must match ^[a-z][a-z0-9_]{0,62}$ ..."')
    sql.outcome('names refused; description and actor stored verbatim as data (bound parameters), nothing dropped')


@pytest.mark.parametrize('manifest, expected', [
    ('name: comments\nversion: 1.0.0\nrequires: {core: ">=1.0,<2"}\nowner: me\n', "unknown key(s) 'owner'"),
    ('name: comments\nversion: 1.0.0\nrequires: [core]\n', 'requires must be a mapping'),
    ('name: comments\nversion: 1.0.0\nrequires: {core: ">=2,<1"}\n', "no version satisfies range '>=2,<1'"),
])
def test_a_bad_manifest_is_refused_at_preflight(deployed, fault_case, manifest, expected):
    what = {'owner': 'manifest unknown key', 'requires must': 'manifest wrong type'}
    label = [v for k, v in what.items() if k in expected] or ['empty version range']
    case = fault_case.case(label[0], 'module.yml: %s' % manifest.splitlines()[-1])
    deployed.write('comments', {'module.yml': manifest})
    before = deployed.state()
    run = deployed.deploy('comments', '1.0.0')
    message = operator_message(run)
    case.check('refused at preflight naming the problem', not run.ok and 'failed at preflight' in message
               and expected in message, message)
    check_nothing_lost(case, before, deployed.state(), history_added=0)
    case.outcome('refused at preflight: "...%s..."' % expected)


def test_a_dependency_cycle_and_an_unsatisfied_range_are_refused_at_preflight(deployed, fault_case):
    case = fault_case.case('dependency cycle, unmet range',
                           'core 1.0.0 recorded as needing comments; comments needs core >=5')
    deployed.db.execute("UPDATE module_version SET dependencies = '{\"comments\": \">=1\"}' WHERE module_name = 'core'")
    deployed.set_version('comments', '1.0.0', requires={'core': '>=5'})
    before = deployed.state()
    run = deployed.deploy('comments', '1.0.0')
    message = operator_message(run)
    case.check('preflight lists both', not run.ok and 'dependency cycle: comments -> core -> comments' in message
               and 'comments 1.0.0 needs core >=5, but core 1.0.0 is installed' in message, message)
    check_nothing_lost(case, before, deployed.state(), history_added=0)
    case.outcome('refused at preflight listing "dependency cycle: comments -> core -> comments" and the unmet range')


def test_bad_migration_files_are_refused_before_anything_runs(ansible, blog_db, tmp_path, fault_case):
    encoding = fault_case.case('non-UTF-8 migration', 'V2 in Latin-1')
    huge = fault_case.case('100 MB migration', 'a 100 MiB V3 script (limit 16 MiB)')
    path = tmp_path / 'migrations'
    path.mkdir()
    (path / 'V1__create_posts.sql').write_text('CREATE TABLE posts (id int);\n')
    prefix = 'INSERT INTO posts VALUES (1); -- caf'
    (path / 'V2__latin1.sql').write_bytes((prefix + 'é\n').encode('latin-1'))
    with open(str(path / 'V3__huge.sql'), 'wb') as f:
        f.truncate(100 * 1024 * 1024)
    run = ansible.play([task('Migrate', 'blogops.release.migrate', module_name='comments', path=str(path))])
    result = run.result('Migrate')
    encoding.check('refused naming the file and the byte', result['_status'] == 'failed'
                   and 'V2__latin1.sql: not UTF-8 text (byte %d)' % len(prefix) in result['msg'], result.get('msg'))
    huge.check('refused before reading, naming the limit', 'V3__huge.sql: 104857600 bytes, more than the 16 MiB' in
               result['msg'], result.get('msg'))
    for case in (encoding, huge):
        case.check('nothing applied, no table created', not blog_db.table_exists('posts')
                   and not blog_db.table_exists('schema_version'))
    huge.check('the module stayed small (the script was never read)', result.get('duration_ms', 0) < 60000)
    encoding.outcome('refused: "V2__latin1.sql: not UTF-8 text (byte %d)"; nothing applied' % len(prefix))
    huge.outcome('refused before reading: "V3__huge.sql: 104857600 bytes, more than the 16 MiB ..."; nothing applied')


def test_release_links_and_archives_that_lead_outside_are_refused(ansible, tmp_path, fault_case):
    links = fault_case.case('symlink out of a release', 'files/ with a link to /etc/passwd; a link escaping through '
                                                        'another link')
    archives = fault_case.case('archive with absolute or .. members', 'crafted archives for module_restore and the '
                                                                      'release upload')
    away = outside(tmp_path)
    root = str(tmp_path / 'srv')
    direct = tmp_path / 'direct'
    (direct / 'static').mkdir(parents=True)
    (direct / 'static' / 'passwd').symlink_to('/etc/passwd')
    chained = tmp_path / 'chained'
    (chained / 'd').mkdir(parents=True)
    (chained / 'd' / 'up').symlink_to('..')
    (chained / 'escape').symlink_to('d/up/..')
    # Archives of module_backup may hold links to shared/ (outside the release, on purpose); what they must never
    # do is write outside: absolute or .. names, hard links, a file written through a link.
    restore_cases = [
        ('absolute', [('/tmp/blogops-evil', 'file', b'x')], 'outside release/'),
        ('dotdot', [('release/../../blogops-evil', 'file', b'x')], 'unsafe member name'),
        ('hardlink', [('release/passwd', 'hardlink', '/etc/passwd')], 'neither a file, a directory nor a symlink'),
        ('through a link', [('release/etc', 'symlink', away), ('release/etc/evil', 'file', b'x')],
         'would be written through'),
    ]
    # Uploads (the release module's unpacking on the host) allow no link out of the release at all.
    crafted = [
        ('absolute', [('/tmp/blogops-evil', 'file', b'x')]),
        ('dotdot', [('release/../../blogops-evil', 'file', b'x')]),
        ('link', [('release/etc', 'symlink', '/etc')]),
        ('chain', [('release/d', 'symlink', '.'), ('release/escape', 'symlink', 'd/d/../..')]),
        ('hardlink', [('release/passwd', 'hardlink', '/etc/passwd')]),
    ]
    tasks = [task('Ship a direct link', 'blogops.release.release', module_name='comments', release_root=root,
                  version='1.0.0', src=str(direct)),
             task('Ship a chained link', 'blogops.release.release', module_name='comments', release_root=root,
                  version='1.0.0', src=str(chained))]
    for name, members, _expected in restore_cases:
        archive = make_archive(str(tmp_path / ('%s.tar.gz' % name.replace(' ', '-'))), members)
        tasks.append(task('Restore %s' % name, 'blogops.release.module_restore', archive=archive, release_root=root))
    run = ansible.play(tasks)
    # The upload's archive comes from the action plugin, which packs the controller's tree; the host side
    # (release_transfer.unpack_archive, what the migrate module runs on the scripts it is sent) gets the crafted
    # archives directly; the release module's own unpack (release_unpack) is given the same cases by
    # tests/unit/plugins/module_utils/test_release_unpack.py.
    unpacked = {}
    for name, members in crafted:
        upload = str(tmp_path / ('%s-upload.tar' % name))
        with tarfile.open(upload, 'w') as tar:
            for member, kind, content in members:
                info = tarfile.TarInfo(member[len('release/'):] if member.startswith('release/') else member)
                if kind == 'file':
                    info.size = len(content)
                    tar.addfile(info, io.BytesIO(content))
                else:
                    info.type = {'symlink': tarfile.SYMTYPE, 'hardlink': tarfile.LNKTYPE}[kind]
                    info.linkname = content
                    tar.addfile(info)
        dest = tmp_path / ('unpacked-%s' % name) / 'release'
        dest.mkdir(parents=True)
        try:
            unpack_archive(upload, str(dest))
            unpacked[name] = None
        except UnsafeArchive as e:
            unpacked[name] = str(e)
    run = ansible.play(tasks)
    links.check('a link to /etc/passwd is refused', 'static/passwd points to /etc/passwd, outside the release'
                in refused(run, 'Ship a direct link'))
    links.check('a link escaping through another link is refused', 'outside the release' in refused(
        run, 'Ship a chained link'), refused(run, 'Ship a chained link'))
    for name, _members, expected in restore_cases:
        archives.check('module_restore refuses the %s archive, saying why' % name,
                       expected in refused(run, 'Restore %s' % name), refused(run, 'Restore %s' % name))
    for name, _members in crafted:
        archives.check('the release upload refuses the %s archive' % name, unpacked[name], unpacked)
    archives.check('nothing written outside', not os.path.exists('/tmp/blogops-evil')
                   and not os.path.exists(str(tmp_path / 'blogops-evil')) and os.listdir(away) == [])
    releases = os.path.join(root, 'comments', 'releases')
    archives.check('no release created', not os.path.isdir(releases) or os.listdir(releases) == [],
                   os.listdir(releases) if os.path.isdir(releases) else None)
    links.outcome('refused before shipping: "symlink static/passwd points to /etc/passwd, outside the release"')
    archives.outcome('every crafted archive refused by module_restore and by the upload; nothing written')


# --- the source is read only inside modules/<name> (issue 12) ------------------------------------------------------

MARKER = 'OUTSIDE-MARKER-7f3a'


def secret_dir(tmp_path, name='outside-source'):
    """A directory outside the source with a private (0600) file and a migration holding MARKER."""
    path = tmp_path / name
    (path / 'static').mkdir(parents=True)
    for relative, content in (('secret.txt', MARKER + ' private\n'), ('static/comments.js', MARKER + '\n'),
                              ('steal.sql', "SELECT '%s';\n" % MARKER)):
        (path / relative).write_text(content)
        os.chmod(str(path / relative), 0o600)
    return path


def check_refused_at_preflight(case, run, before, after, expected):
    """Refused at preflight naming ``expected``, before the history row and the backup, nothing outside read."""
    message = operator_message(run)
    case.check('refused at preflight naming the problem', not run.ok and 'failed at preflight' in message
               and expected in message, message[:3000])
    case.check('no byte of the outside files in the output, the results or the history',
               MARKER not in run.output and MARKER not in repr(run.results)
               and MARKER not in repr(after['tracking']['history']))
    case.equal('no backup written', sorted(after['backups']['complete']), sorted(before['backups']['complete']))
    check_nothing_lost(case, before, after, history_added=0)
    return message


@pytest.mark.parametrize('link', ['files', 'module'])
def test_a_symlink_at_files_or_above_is_refused_at_preflight(deployed, tmp_path, fault_case, link):
    outside_dir = secret_dir(tmp_path)
    module = os.path.join(deployed.source, 'modules', 'comments')
    if link == 'files':
        case = fault_case.case('symlink at files/', 'modules/comments/files -> a directory outside with 0600 files')
        shutil.rmtree(os.path.join(module, 'files'))
        os.symlink(str(outside_dir), os.path.join(module, 'files'))
        expected = 'modules/comments/files is a symlink'
    else:
        case = fault_case.case('symlink above files/', 'modules/comments -> a copy outside with 0600 files')
        copy = tmp_path / 'outside-module'
        shutil.copytree(module, str(copy))
        shutil.copytree(str(outside_dir), str(copy / 'files'), dirs_exist_ok=True)
        shutil.rmtree(module)
        os.symlink(str(copy), module)
        expected = 'modules/comments is a symlink'
    before = deployed.state()
    run = deployed.deploy('comments', '1.0.0')
    check_refused_at_preflight(case, run, before, deployed.state(), expected)
    case.check('the outside files are still 0600 and nowhere in a release', all(
        stat.S_IMODE(os.stat(os.path.join(d, n)).st_mode) == 0o600 for d, _s, ns in os.walk(str(outside_dir))
        for n in ns) and not any(MARKER.encode() in open(os.path.join(d, n), 'rb').read()
                                 for d, _s, ns in os.walk(deployed.release_root) for n in ns
                                 if os.path.isfile(os.path.join(d, n))))
    case.outcome('refused at preflight: "%s ..."; nothing read from it, no history row, no backup' % expected)


def test_links_hard_links_and_a_long_version_are_all_refused_at_preflight(deployed, tmp_path, fault_case):
    link_out = fault_case.case('symlink in files/ out of the source', 'files/static/passwd -> a 0600 file outside')
    hard_out = fault_case.case('hard link to a file outside', 'files/static/copy.txt: a hard link of a 0600 file '
                                                              'outside the source')
    hard_in = fault_case.case('hard link inside files/', 'files/static/again.js: a second name of comments.js')
    migration = fault_case.case('migration symlinked outside', 'migrations/V1.1__steal.sql -> a script outside')
    long_version = fault_case.case('10,006-character version', 'module.yml: version 1.0.1-aaa... (10,006 characters)')
    duplicate = fault_case.case('duplicate key in module.yml', 'module.yml: description twice (the last one won silently)')
    together = fault_case.case('every source problem at once', 'the six faults above in one source')
    outside_dir = secret_dir(tmp_path)
    files = os.path.join(deployed.source, 'modules', 'comments', 'files')
    migrations = os.path.join(deployed.source, 'modules', 'comments', 'migrations')
    os.symlink(str(outside_dir / 'secret.txt'), os.path.join(files, 'static', 'passwd'))
    os.link(str(outside_dir / 'static' / 'comments.js'), os.path.join(files, 'static', 'copy.txt'))
    os.link(os.path.join(files, 'static', 'comments.js'), os.path.join(files, 'static', 'again.js'))
    os.symlink(str(outside_dir / 'steal.sql'), os.path.join(migrations, 'V1.1__steal.sql'))
    version = '1.0.1-' + 'a' * 10000
    deployed.write('comments', {'module.yml': 'name: comments\nversion: %s\ndescription: one\nrequires: {core: ">=1.0,<2"}\n'
                                              'description: two\n' % version})
    before = deployed.state()
    run = deployed.deploy('comments')
    after = deployed.state()
    expected = {
        link_out: 'modules/comments/files/static/passwd: a symlink to %s, which leads outside files/'
                  % (outside_dir / 'secret.txt'),
        hard_out: 'modules/comments/files/static/copy.txt: a hard link',
        hard_in: 'modules/comments/files/static/again.js: a hard link',
        migration: 'modules/comments/migrations/V1.1__steal.sql: a symlink to %s, which leads outside migrations/'
                   % (outside_dir / 'steal.sql'),
        long_version: "modules/comments/module.yml: version '1.0.1-aaaaaaaaaaaaaaaaaa'... (10006 characters)",
        duplicate: "modules/comments/module.yml line 5: duplicate key 'description' (first at line 3)",
    }
    for case, text in expected.items():
        message = check_refused_at_preflight(case, run, before, after, text)
    together.check('one preflight message lists all six', all(text in message for text in expected.values())
                   and len(message) < 4000, message[:5000])
    together.check('the files are still there, unchanged', os.stat(str(outside_dir / 'steal.sql')).st_nlink == 1
                   and os.path.islink(os.path.join(files, 'static', 'passwd')))
    for case, text in expected.items():
        case.outcome('refused at preflight with the others: "%s..."' % text.replace(str(tmp_path), '...')[:110])
    together.outcome('one preflight failure listing the six problems; no history row, no backup, nothing shipped')


def test_a_yaml_alias_bomb_in_module_yml_is_refused_at_once(deployed, fault_case):
    case = fault_case.case('YAML alias bomb', 'module.yml: description: a 6-level alias bomb (10^6 strings)')
    levels = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for previous, name in zip('abcde', 'bcdef'):
        levels.append('%s: &%s [%s]' % (name, name, ', '.join(['*' + previous] * 10)))
    bomb = 'name: comments\nversion: 1.0.0\ndescription:\n' + ''.join(
        '  - %s\n' % level.split(': ', 1)[1] for level in levels)
    # An empty migration besides: the migrations directory is safe to read, so the same preflight validates it.
    deployed.write('comments', {'module.yml': bomb, 'migrations/V1.1__empty.sql': '-- nothing yet\n'})
    before = deployed.state()
    run = deployed.deploy('comments', '1.0.0')
    message = check_refused_at_preflight(case, run, before, deployed.state(),
                                         'modules/comments/module.yml line 4: anchor &a refused')
    case.check('the message is short: no expanded value', len(message) < 1000 and 'lol", "lol' not in message
               and len(run.output) < 200000, len(message))
    case.check('the migrations were validated in the same preflight', 'V1.1__empty.sql: empty script' in message,
               message)
    case.outcome('refused at preflight, at once: "module.yml line 4: anchor &a refused: YAML anchors and aliases are not allowed"')
