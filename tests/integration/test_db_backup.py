# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""blogops.release.db_backup against a real PostgreSQL: files, sidecar, names, retention, secrets, kills."""

import datetime
import hashlib
import json
import os
import signal
import stat
import threading

from harness.processes import find_process, wait_until

from ansible_collections.blogops.release.plugins.module_utils._tree_digest import tree_sha256

SUM = 'a' * 64

SEED = '''
- name: Record core 2.1.0
  blogops.release.module_version:
    module_name: core
    version: 2.1.0
    schema_version: "2"
- name: Record comments 1.4.0
  blogops.release.module_version:
    module_name: comments
    version: 1.4.0
    schema_version: "1.1"
    dependencies:
      core: ">=2.1,<3"
- name: Record schema 2 of core
  blogops.release.schema_version:
    module_name: core
    version: "2"
    checksum: %(sum)s
- name: Record schema 1.1 of comments
  blogops.release.schema_version:
    module_name: comments
    version: "1.1"
    checksum: %(sum)s
''' % dict(sum=SUM)

BACKUP = '''
- name: Back up
  blogops.release.db_backup:
    backup_dir: "{{ backup_dir }}"
    format: "{{ backup_format | default('custom') }}"
    jobs: "{{ backup_jobs | default(1) }}"
    keep: "{{ backup_keep | default(omit) }}"
    label: "{{ backup_label | default(omit) }}"
'''


def mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def sha256_of(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def make_posts(blog_db, count=3):
    blog_db.execute('CREATE TABLE posts (id int PRIMARY KEY, title text NOT NULL)')
    blog_db.execute('INSERT INTO posts SELECT i, %s || i FROM generate_series(1, %s) i', ('post ', count))


def backup(ansible, backup_dir, **options):
    extra = dict(backup_dir=str(backup_dir))
    extra.update(('backup_' + k, v) for k, v in options.items())
    return ansible.play(BACKUP, extra_vars=extra)


def test_backup_writes_a_private_dump_and_a_sidecar_of_the_versions(ansible, blog_db, tmp_path):
    make_posts(blog_db)
    backup_dir = tmp_path / 'backups' / 'blog'
    run = ansible.play([SEED, '''
    - name: Predict a backup
      blogops.release.db_backup:
        backup_dir: "{{ backup_dir }}"
      check_mode: true
    ''', BACKUP], extra_vars=dict(backup_dir=str(backup_dir), backup_label='before comments 1.5.0'))
    assert run.ok, run

    predicted = run.result('Predict a backup')
    assert predicted['changed'] is True and predicted['created_backup_dir'] is True
    assert predicted['name'].startswith('blog_backup_') and predicted['schema_version'] == '1.1'

    result = run.result('Back up')
    assert result['changed'] is True
    assert result['created_backup_dir'] is True, 'check mode must not have created the directory'
    name = result['name']
    assert result['path'] == str(backup_dir / name) and result['sidecar'] == result['path'] + '.json'
    stamp = datetime.datetime.strptime(name, 'blog_backup_%Y%m%d_%H%M%S.dump').replace(tzinfo=datetime.timezone.utc)
    assert abs((datetime.datetime.now(datetime.timezone.utc) - stamp).total_seconds()) < 120
    assert sorted(os.listdir(str(backup_dir))) == [name, name + '.json']
    assert mode(str(backup_dir)) == 0o700
    assert mode(result['path']) == 0o600 and mode(result['sidecar']) == 0o600

    with open(result['sidecar']) as f:
        sidecar = json.load(f)
    assert sidecar == result['sidecar_content']
    assert sidecar['sha256'] == result['sha256'] == sha256_of(result['path'])
    assert sidecar['size'] == result['size'] == os.path.getsize(result['path'])
    assert (sidecar['format'], sidecar['database'], sidecar['name']) == ('custom', blog_db.name, name)
    assert sidecar['label'] == 'before comments 1.5.0'
    assert sidecar['schema_version'] == '1.1'
    assert sidecar['schema_versions'] == {'core': '2', 'comments': '1.1'}
    assert sidecar['module_versions'] == {
        'core': dict(version='2.1.0', schema_version='2', dependencies={}, checksum=None),
        'comments': dict(version='1.4.0', schema_version='1.1', dependencies={'core': '>=2.1,<3'}, checksum=None)}
    server = blog_db.query("SELECT current_setting('server_version') AS v")[0]['v']
    assert sidecar['server_version'] == server
    assert sidecar['pg_dump_version'] and sidecar['pg_dump_version'][0].isdigit()
    assert sidecar['snapshot'] is True
    assert sidecar['timestamp'].startswith(stamp.strftime('%Y-%m-%dT%H:%M:%S'))
    with open(result['path'], 'rb') as f:
        assert f.read(5) == b'PGDMP', 'a custom-format archive'


def test_directory_and_plain_formats(ansible, blog_db, tmp_path):
    make_posts(blog_db, 2000)
    backup_dir = tmp_path / 'b'
    directory = backup(ansible, backup_dir, format='directory', jobs=2)
    assert directory.ok, directory
    result = directory.result('Back up')
    assert result['name'].endswith('.dir') and os.path.isdir(result['path'])
    assert mode(result['path']) == 0o700
    files = os.listdir(result['path'])
    assert 'toc.dat' in files
    assert all(mode(os.path.join(result['path'], f)) == 0o600 for f in files)
    assert result['sha256'] == tree_sha256(result['path'])
    assert result['size'] == sum(os.path.getsize(os.path.join(result['path'], f)) for f in files)
    assert result['sidecar_content']['jobs'] == 2

    plain = backup(ansible, backup_dir, format='plain')
    assert plain.ok, plain
    result = plain.result('Back up')
    assert result['name'].endswith('.sql') and result['sha256'] == sha256_of(result['path'])
    with open(result['path']) as f:
        text = f.read()
    assert 'DROP TABLE IF EXISTS public.posts;' in text and 'COPY public.posts' in text

    refused = backup(ansible, backup_dir, format='custom', jobs=2)
    assert not refused.ok
    assert 'jobs=2 needs format=directory' in refused.result('Back up')['msg']


def test_two_backups_in_the_same_second_get_distinct_names(ansible, blog_db, tmp_path):
    # Another run is writing a backup in each of the next minute's seconds: every name without a suffix is taken.
    now = datetime.datetime.now(datetime.timezone.utc)
    for second in range(-2, 90):
        when = now + datetime.timedelta(seconds=second)
        (tmp_path / when.strftime('blog_backup_%Y%m%d_%H%M%S.dump.partial')).write_bytes(b'')
    run = ansible.play([BACKUP, BACKUP.replace('name: Back up', 'name: Back up again')],
                       extra_vars=dict(backup_dir=str(tmp_path)))
    assert run.ok, run
    first, second = run.result('Back up')['name'], run.result('Back up again')['name']
    assert first != second
    assert first.endswith('_2.dump') and second.endswith(('_2.dump', '_3.dump'))
    assert os.path.getsize(str(tmp_path / first)) > 0 and os.path.isfile(str(tmp_path / (second + '.json')))


def test_the_backup_opens_the_deploy_first_and_a_refused_open_dumps_nothing(ansible, blog_db, tmp_path):
    backup_dir = tmp_path / 'backups'
    # One play: predict, open and back up, then a second deploy of the same blog module while the first is open.
    run = ansible.play([SEED, '''
    - name: Predict the deploy's backup
      blogops.release.db_backup:
        backup_dir: "{{ backup_dir }}"
        open_deploy: {module_name: comments, to_version: 1.5.0, note: "step: backup"}
      check_mode: true
    - name: Open the deploy and back up
      blogops.release.db_backup:
        backup_dir: "{{ backup_dir }}"
        open_deploy: {module_name: comments, to_version: 1.5.0, actor: alice, note: "step: backup"}
        progress_note: "step: upload"
        progress_checkpoint: {format: 1}
    - name: Open another deploy of comments
      blogops.release.db_backup:
        backup_dir: "{{ backup_dir }}"
        open_deploy: {module_name: comments, to_version: 1.6.0}
      ignore_errors: true
    '''], extra_vars=dict(backup_dir=str(backup_dir)))
    assert run.ok, run
    predicted = run.result("Predict the deploy's backup")['deployment']
    assert (predicted['id'], predicted['from_version'], predicted['to_version']) == (None, '1.4.0', '1.5.0')

    result = run.result('Open the deploy and back up')
    [row] = blog_db.query("SELECT * FROM module_version_history WHERE status = 'deploying'")
    assert result['deployment']['id'] == row['id'] and result['deployment']['message'] == 'step: backup'
    assert (row['from_version'], row['to_version'], row['status'], row['actor']) == ('1.4.0', '1.5.0', 'deploying', 'alice')
    # The backup's note went into the row it opened; the run's identity came from the action plugin.
    assert (row['message'], row['backup'], row['checkpoint']) == ('step: upload', result['path'], {'format': 1})
    assert row['controller'] and row['controller_token'] and row['controller_pid'] not in (None, os.getpid())

    refused = run.result('Open another deploy of comments')
    assert refused['_status'] == 'failed' and 'deployment' not in refused and 'path' not in refused
    assert 'cannot open the deploy of comments 1.6.0, so nothing was backed up: another deploy of comments' \
        in refused['msg'], refused['msg']
    assert sorted(os.listdir(str(backup_dir))) == sorted([result['name'], result['name'] + '.json'])
    assert blog_db.query("SELECT id FROM module_version_history WHERE to_version = '1.6.0'") == []


def test_keep_removes_the_oldest_backups_with_their_sidecars_and_never_leftovers(ansible, blog_db, tmp_path, pg_server):
    other = blog_db.name + '_other'
    pg_server.create_database(other)
    try:
        foreign = ansible.play(BACKUP, extra_vars=dict(backup_dir=str(tmp_path), blog_db_name=other))
        assert foreign.ok, foreign
    finally:
        pg_server.drop_database(other)
    leftover = tmp_path / 'blog_backup_20000101_000000.dump.partial'
    leftover.write_bytes(b'being written by another run')
    run = ansible.play('''
    - name: Back up three times
      blogops.release.db_backup:
        backup_dir: "{{ backup_dir }}"
        keep: 2
      loop: [1, 2, 3]
      register: backups
    ''', extra_vars=dict(backup_dir=str(tmp_path)))
    assert run.ok, run
    results = run.result('Back up three times')['results']
    assert len(results) == 3
    made = [r['path'] for r in results]
    assert [r['removed'] for r in results] == [[], [], [made[0]]]
    assert not os.path.exists(made[0]) and not os.path.exists(made[0] + '.json')
    remaining = sorted(os.listdir(str(tmp_path)))
    assert os.path.basename(made[1]) in remaining and os.path.basename(made[2]) in remaining
    assert leftover.name in remaining, 'retention must not touch a backup that may still be being written'
    foreign_name = foreign.result('Back up')['name']
    assert foreign_name in remaining, 'retention counts the backups of its own database only'


def test_pg_dump_errors_reach_the_user_verbatim(ansible, blog_db, tmp_path, pg_server):
    backup_dir = tmp_path / 'backups'
    backup_dir.mkdir()
    role = 'limited_' + blog_db.name[-10:]
    password = 'limited-pw-' + blog_db.name[-6:]
    blog_db.execute('CREATE TABLE secrets (id int)')
    pg_server.query('postgres', 'CREATE ROLE %s LOGIN PASSWORD %%s' % role, (password,))
    try:
        run = ansible.play('''
        - name: Back up as a role that may not read every table
          blogops.release.db_backup:
            backup_dir: "{{ backup_dir }}"
            login_user: "{{ limited_role }}"
            login_password: "{{ limited_password }}"
        ''', extra_vars=dict(backup_dir=str(backup_dir), limited_role=role, limited_password=password))
    finally:
        blog_db.execute('DROP TABLE secrets')
        pg_server.query('postgres', 'DROP ROLE %s' % role)
    assert not run.ok
    msg = run.result('Back up as a role that may not read every table')['msg']
    assert msg.startswith('cannot back up database %s: pg_dump failed with exit code 1:' % blog_db.name)
    assert 'permission denied for table secrets' in msg
    assert password not in msg and password not in run.output
    assert os.listdir(str(backup_dir)) == [], 'the partial dump is removed'


class BlockedBackup:
    """A db_backup run whose pg_dump waits for a lock that a test session holds on table posts."""

    def __init__(self, ansible, blog_db, pg_server, backup_dir):
        self.blog_db = blog_db
        self.lock = pg_server.connect(blog_db.name, autocommit=False)
        self.lock.cursor().execute('LOCK TABLE posts IN ACCESS EXCLUSIVE MODE')
        self.runs = []
        self.thread = threading.Thread(target=lambda: self.runs.append(backup(ansible, backup_dir)))
        self.thread.start()
        self.pg_dump = find_process('pg_dump', "dbname='%s'" % blog_db.name)
        wait_until(lambda: blog_db.query(
            "SELECT 1 FROM pg_stat_activity WHERE application_name LIKE 'blogops.release/db_backup@%%' "
            "AND wait_event_type = 'Lock'"), what='pg_dump waiting for the lock')

    def finish(self):
        self.lock.rollback()
        self.lock.close()
        self.thread.join(300)
        return self.runs[0]


def test_the_password_never_reaches_pg_dumps_command_line_nor_environment(ansible, blog_db, tmp_path, pg_server):
    make_posts(blog_db)
    blocked = BlockedBackup(ansible, blog_db, pg_server, tmp_path)
    try:
        secret = pg_server.password.encode()
        assert secret not in blocked.pg_dump.cmdline_bytes
        assert secret not in blocked.pg_dump.environ_bytes
        passfile = blocked.pg_dump.environ['PGPASSFILE']
        assert mode(passfile) == 0o600
        with open(passfile, 'rb') as f:
            assert secret in f.read()
    finally:
        run = blocked.finish()
    assert run.ok, run
    assert not os.path.exists(passfile), 'the passfile is removed after the run'
    assert pg_server.password not in run.output


def test_a_killed_pg_dump_leaves_no_backup_and_is_reported(ansible, blog_db, tmp_path, pg_server):
    make_posts(blog_db)
    tmp_path = tmp_path / 'backups'
    earlier = backup(ansible, tmp_path)
    assert earlier.ok, earlier
    blocked = BlockedBackup(ansible, blog_db, pg_server, tmp_path)
    try:
        os.kill(blocked.pg_dump.pid, signal.SIGKILL)
    finally:
        run = blocked.finish()
    assert not run.ok
    assert 'pg_dump was killed by signal 9 (SIGKILL)' in run.result('Back up')['msg']
    earlier_name = earlier.result('Back up')['name']
    assert sorted(os.listdir(str(tmp_path))) == [earlier_name, earlier_name + '.json']


def test_a_backup_killed_with_its_module_leaves_a_leftover_that_nothing_uses(ansible, blog_db, tmp_path, pg_server):
    make_posts(blog_db)
    tmp_path = tmp_path / 'backups'
    earlier = backup(ansible, tmp_path)
    assert earlier.ok, earlier
    blocked = BlockedBackup(ansible, blog_db, pg_server, tmp_path)
    try:
        module_process = blocked.pg_dump.parent
        assert any('AnsiballZ_db_backup' in part for part in module_process.argv), module_process.argv
        os.kill(module_process.pid, signal.SIGKILL)
        os.kill(blocked.pg_dump.pid, signal.SIGKILL)
    finally:
        run = blocked.finish()
    assert not run.ok
    earlier_name = earlier.result('Back up')['name']
    leftovers = [n for n in os.listdir(str(tmp_path)) if n not in (earlier_name, earlier_name + '.json')]
    assert len(leftovers) == 1 and leftovers[0].endswith('.dump.partial'), leftovers
    assert not any(n.endswith('.json') for n in leftovers)

    # A crash between the rename and the sidecar: a dump without a sidecar, newer than every backup.
    orphan = tmp_path / 'blog_backup_29991231_235959.dump'
    orphan.write_bytes(b'PGDMP and nothing more')
    info = ansible.play('''
    - name: List backups
      blogops.release.backup_info:
        backup_dir: "{{ backup_dir }}"
        max_age: 1h
    - name: Prove the latest backup restorable
      blogops.release.db_restore:
        backup: latest
        backup_dir: "{{ backup_dir }}"
        mode: verify
      ignore_errors: true
    - name: Prove the earlier backup restorable
      blogops.release.db_restore:
        backup: "{{ backup_dir }}/{{ earlier_name }}"
        mode: verify
    - name: Restore the dump without a sidecar
      blogops.release.db_restore:
        backup: "{{ backup_dir }}/blog_backup_29991231_235959.dump"
        mode: verify
      ignore_errors: true
    ''', extra_vars=dict(backup_dir=str(tmp_path), earlier_name=earlier_name))
    assert info.ok, info
    listed = info.result('List backups')
    assert [b['name'] for b in listed['backups']] == [earlier_name]
    assert listed['latest']['name'] == earlier_name
    assert sorted(item['name'] for item in listed['incomplete']) == sorted([leftovers[0], orphan.name])
    latest = info.result('Prove the latest backup restorable')
    assert latest['_status'] == 'failed', 'latest is the newest backup, never an older one in its place'
    assert 'is %s and it is not a complete backup' % orphan.name in latest['msg'] and 'has no sidecar' in latest['msg']
    assert info.result('Prove the earlier backup restorable')['backup']['name'] == earlier_name
    refused = info.result('Restore the dump without a sidecar')
    assert refused['_status'] == 'failed'
    assert 'has no sidecar' in refused['msg'] and str(orphan) in refused['msg']
