# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""blogops.release.db_restore against a real PostgreSQL: replace, verify and new, and every refusal."""

import hashlib
import json
import os
import subprocess

import pytest

SUM = 'a' * 64

SEED = '''
- name: Record comments 1.4.0
  blogops.release.module_version:
    module_name: comments
    version: 1.4.0
    schema_version: "1.1"
- name: Record schema 1.1 of comments
  blogops.release.schema_version:
    module_name: comments
    version: "1.1"
    checksum: %(sum)s
- name: Back up
  blogops.release.db_backup:
    backup_dir: "{{ backup_dir }}"
    format: "{{ backup_format | default('custom') }}"
''' % dict(sum=SUM)

RESTORE = '''
- name: Restore
  blogops.release.db_restore:
    backup: "{{ backup }}"
    backup_dir: "{{ backup_dir | default(omit) }}"
    mode: "{{ restore_mode | default('replace') }}"
    target_db: "{{ target_db | default(omit) }}"
    jobs: "{{ restore_jobs | default(1) }}"
'''


def seed_and_back_up(ansible, blog_db, backup_dir, fmt='custom'):
    blog_db.execute('CREATE TABLE posts (id int PRIMARY KEY, title text NOT NULL)')
    blog_db.execute("INSERT INTO posts VALUES (1, 'hello'), (2, 'world')")
    run = ansible.play(SEED, extra_vars=dict(backup_dir=str(backup_dir), backup_format=fmt))
    assert run.ok, run
    return run.result('Back up')


def migrate_after_backup(blog_db):
    """What a deploy does after its backup: data and schema change, a new schema version is recorded."""
    blog_db.execute("UPDATE posts SET title = 'changed'")
    blog_db.execute('ALTER TABLE posts ADD COLUMN likes int')
    blog_db.execute("INSERT INTO schema_version (module_name, version, checksum) VALUES ('comments', '1.2', %s)", (SUM,))


def state(blog_db):
    columns = [r['column_name'] for r in blog_db.query(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'posts' ORDER BY ordinal_position")]
    return dict(posts=[r['title'] for r in blog_db.rows('posts')], columns=columns,
                versions=[r['version'] for r in blog_db.query('SELECT version FROM schema_version ORDER BY id')])


def restore_task(name, backup, **options):
    """A db_restore task named ``name`` that may fail without stopping the play."""
    task = dict(name=name, ignore_errors=True, **{'blogops.release.db_restore': dict(backup=backup, **options)})
    return '- ' + json.dumps(task)


def restore(ansible, backup, check=False, **options):
    extra = dict(backup=backup)
    extra.update(options)
    return ansible.play(RESTORE, extra_vars=extra, check=check, diff=True)


def scratch_databases(pg_server):
    return [r['datname'] for r in pg_server.query('postgres', "SELECT datname FROM pg_database WHERE datname LIKE 'blogops_verify_%%'")]


def rewrite_sidecar(backup_path, **changes):
    with open(backup_path + '.json') as f:
        content = json.load(f)
    content.update(changes)
    with open(backup_path + '.json', 'w') as f:
        json.dump(content, f)


def inject_sql_error(plain_path):
    """Break a plain-format backup after its first statement and make its sidecar agree with the damage."""
    with open(plain_path) as f:
        text = f.read()
    marker = 'CREATE TABLE public.posts ('
    assert marker in text
    text = text.replace(marker, 'SELECT * FROM no_such_table;\n' + marker, 1)
    with open(plain_path, 'w') as f:
        f.write(text)
    data = text.encode()
    rewrite_sidecar(plain_path, sha256=hashlib.sha256(data).hexdigest(), size=len(data))


def test_replace_puts_data_schema_and_versions_back(ansible, blog_db, tmp_path):
    made = seed_and_back_up(ansible, blog_db, tmp_path / 'backups')
    before_backup = state(blog_db)
    migrate_after_backup(blog_db)
    migrated = state(blog_db)
    assert migrated != before_backup

    predicted = restore(ansible, made['path'], check=True)
    assert predicted.ok, predicted
    assert predicted.result('Restore')['changed'] is True
    assert state(blog_db) == migrated, 'check mode restores nothing'

    run = restore(ansible, made['path'])
    assert run.ok, run
    result = run.result('Restore')
    assert result['changed'] is True and result['mode'] == 'replace' and result['database'] == blog_db.name
    assert state(blog_db) == before_backup
    assert result['schema_version'] == '1.1' and result['schema_versions'] == {'comments': '1.1'}
    assert result['before']['schema_version'] == '1.2'
    assert result['diff']['before']['schema_version'] == '1.2' and result['diff']['after']['schema_version'] == '1.1'
    assert result['backup']['sha256'] == made['sha256'] and result['backup']['path'] == made['path']


def test_replace_keeps_the_databases_own_settings_and_ends_its_sessions(ansible, blog_db, tmp_path, pg_server):
    made = seed_and_back_up(ansible, blog_db, tmp_path / 'backups')
    name = blog_db.name
    pg_server.query('postgres', 'DROP ROLE IF EXISTS blog_reader')
    pg_server.query('postgres', 'CREATE ROLE blog_reader')
    try:
        for statement in ('REVOKE ALL ON DATABASE "%s" FROM PUBLIC', 'GRANT CONNECT ON DATABASE "%s" TO blog_reader',
                          'ALTER DATABASE "%s" SET search_path = "$user", public, extra',
                          "ALTER DATABASE \"%s\" SET statement_timeout = '17s'",
                          "ALTER ROLE blog_reader IN DATABASE \"%s\" SET work_mem = '8MB'",
                          "COMMENT ON DATABASE \"%s\" IS 'the blog''s database'",
                          'ALTER DATABASE "%s" CONNECTION LIMIT 40'):
            pg_server.query('postgres', statement % name)
        query = ('SELECT d.datacl::text AS acl, d.datconnlimit, shobj_description(d.oid, %s) AS comment, '
                 'pg_get_userbyid(d.datdba) AS owner, (SELECT array_agg(coalesce(r.rolname, %s) || %s || c ORDER BY 1) '
                 'FROM pg_db_role_setting s LEFT JOIN pg_roles r ON r.oid = s.setrole, unnest(s.setconfig) c '
                 'WHERE s.setdatabase = d.oid) AS settings FROM pg_database d WHERE d.datname = %s')
        params = ('pg_database', '*', ': ', name)
        before = pg_server.query('postgres', query, params)
        session = pg_server.connect(name)
        migrate_after_backup(blog_db)

        run = restore(ansible, made['path'])
        assert run.ok, run
        assert pg_server.query('postgres', query, params) == before
        assert sorted(before[0]['settings']) == ['*: search_path="$user", public, extra', '*: statement_timeout=17s',
                                                 'blog_reader: work_mem=8MB']
        assert state(blog_db)['versions'] == ['1.1']
        with pytest.raises(Exception, match='terminat|closed'):
            session.cursor().execute('SELECT 1')
        left = pg_server.query('postgres', "SELECT datname FROM pg_database WHERE datname LIKE %s", (name + '_blogops_%',))
        assert left == [], 'the restored copy was renamed and the previous database dropped'
    finally:
        pg_server.query('postgres', 'DROP OWNED BY blog_reader')
        pg_server.query('postgres', 'REVOKE ALL ON DATABASE "%s" FROM blog_reader' % name)
        pg_server.query('postgres', 'DROP ROLE blog_reader')


def test_a_plain_backup_stops_at_its_first_sql_error_in_one_transaction(ansible, blog_db, tmp_path):
    made = seed_and_back_up(ansible, blog_db, tmp_path / 'backups', fmt='plain')
    blog_db.execute("UPDATE posts SET title = 'changed'")
    changed = state(blog_db)
    inject_sql_error(made['path'])
    run = restore(ansible, made['path'])
    assert not run.ok
    msg = run.result('Restore')['msg']
    assert 'psql failed with exit code 3' in msg and 'relation "no_such_table" does not exist' in msg
    assert state(blog_db) == changed, 'the statements before the error were rolled back'


def test_a_flipped_byte_is_refused_naming_the_file_and_both_checksums(ansible, blog_db, tmp_path):
    backup_dir = tmp_path / 'backups'
    made = seed_and_back_up(ansible, blog_db, backup_dir)
    migrate_after_backup(blog_db)
    migrated = state(blog_db)
    with open(made['path'], 'r+b') as f:
        f.seek(made['size'] // 2)
        byte = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([byte[0] ^ 0x01]))
    with open(made['path'], 'rb') as f:
        damaged = hashlib.sha256(f.read()).hexdigest()

    run = ansible.play([RESTORE.rstrip() + '\n  ignore_errors: true\n', '''
    - name: Check every backup
      blogops.release.backup_info:
        backup_dir: "{{ backup_dir }}"
        verify: true
    - name: Require a sound backup of today
      blogops.release.backup_info:
        backup_dir: "{{ backup_dir }}"
        verify: true
        max_age: 1d
      ignore_errors: true
    '''], extra_vars=dict(backup=made['path'], backup_dir=str(backup_dir)))
    msg = run.result('Restore')['msg']
    assert msg.startswith('refusing to restore: the backup %s is damaged' % made['path'])
    assert made['sha256'] in msg and damaged in msg
    assert state(blog_db) == migrated

    info = run.result('Check every backup')
    assert info['_status'] == 'ok'
    assert info['corrupt'] == [made['path']] and info['latest'] is None
    assert info['backups'][0]['state'] == 'corrupt' and info['backups'][0]['actual_sha256'] == damaged
    required = run.result('Require a sound backup of today')
    assert required['_status'] == 'failed' and 'there is no verified backup' in required['msg']


def test_a_backup_without_its_sidecar_is_refused(ansible, blog_db, tmp_path):
    backup_dir = tmp_path / 'backups'
    made = seed_and_back_up(ansible, blog_db, backup_dir)
    os.unlink(made['sidecar'])
    run = ansible.play([restore_task('Restore by path', made['path'], mode='verify'),
                        restore_task('Restore the latest', 'latest', mode='verify', backup_dir=str(backup_dir))])
    assert run.result('Restore by path')['msg'] == (
        'refusing to restore: %s has no sidecar %s, so it is not a complete backup (a backup is complete only once '
        'its sidecar is written)' % (made['path'], made['sidecar']))
    assert ('is %s and it is not a complete backup: %s has no sidecar' % (made['name'], made['path'])
            in run.result('Restore the latest')['msg'])


def test_verify_proves_a_backup_restorable_and_leaves_no_database_behind(ansible, blog_db, tmp_path, pg_server):
    backup_dir = tmp_path / 'backups'
    blog_db.execute('CREATE TABLE posts (id int PRIMARY KEY, title text NOT NULL)')
    blog_db.execute("INSERT INTO posts SELECT i, 'post ' || i FROM generate_series(1, 500) i")
    run = ansible.play([SEED.replace('- name: Back up\n', '- name: Back up as a directory\n'), '''
    - name: Back up as plain SQL
      blogops.release.db_backup:
        backup_dir: "{{ backup_dir }}"
        format: plain
    '''], extra_vars=dict(backup_dir=str(backup_dir), backup_format='directory'))
    assert run.ok, run
    directory, plain = run.result('Back up as a directory'), run.result('Back up as plain SQL')
    databases = pg_server.query('postgres', 'SELECT datname FROM pg_database ORDER BY 1')

    proved = restore(ansible, directory['path'], restore_mode='verify', restore_jobs=2)
    assert proved.ok, proved
    result = proved.result('Restore')
    assert result['changed'] is False and result['scratch_database'].startswith('blogops_verify_')
    assert result['schema_versions'] == {'comments': '1.1'}

    # Failing after the restore: the sidecar says another schema version than the backup holds.
    rewrite_sidecar(directory['path'], schema_version='9', schema_versions={'comments': '9'})
    # Failing during the restore: a plain backup with an SQL error.
    inject_sql_error(plain['path'])
    failing = ansible.play([restore_task('Verify a backup its sidecar misdescribes', directory['path'], mode='verify', jobs=2),
                            restore_task('Verify a broken backup', plain['path'], mode='verify')])
    msg = failing.result('Verify a backup its sidecar misdescribes')['msg']
    assert 'does not match its sidecar' in msg
    assert 'schema version of the database: backup 9, restored 1.1' in msg
    assert 'relation "no_such_table" does not exist' in failing.result('Verify a broken backup')['msg']

    assert scratch_databases(pg_server) == []
    assert pg_server.query('postgres', 'SELECT datname FROM pg_database ORDER BY 1') == databases
    assert [r['title'] for r in blog_db.rows('posts')][:1] == ['post 1'], 'the live database is not touched'


def test_new_restores_into_a_database_it_creates_and_drops_it_when_that_fails(ansible, blog_db, tmp_path, pg_server):
    backup_dir = tmp_path / 'backups'
    made = seed_and_back_up(ansible, blog_db, backup_dir)
    target = blog_db.name + '_copy'
    try:
        run = restore(ansible, 'latest', restore_mode='new', target_db=target, restore_jobs=2, backup_dir=str(backup_dir))
        assert run.ok, run
        assert run.result('Restore')['database'] == target
        assert [r['title'] for r in pg_server.query(target, 'SELECT title FROM posts ORDER BY id')] == ['hello', 'world']

        again = ansible.play(restore_task('Restore again', made['path'], mode='new', target_db=target))
        assert "database '%s' exists already" % target in again.result('Restore again')['msg']
        pg_server.drop_database(target)

        rewrite_sidecar(made['path'], module_versions={})
        mismatch = ansible.play([restore_task('Restore into a new database', made['path'], mode='new', target_db=target),
                                 restore_task('Restore over the database', made['path'])])
        msg = mismatch.result('Restore into a new database')['msg']
        assert 'version of blog module comments: backup null, restored' in msg
        assert not pg_server.query('postgres', 'SELECT 1 FROM pg_database WHERE datname = %s', (target,))
        assert 'does not match its sidecar' in mismatch.result('Restore over the database')['msg'], \
            'replace also checks the versions after restoring'
    finally:
        pg_server.drop_database(target)


# Exact restores: what a deploy without undo scripts leaves behind, in every kind of object, whatever depends on what.

BACKED_UP_SCHEMA = '''
CREATE TABLE users (id int GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, email text NOT NULL UNIQUE);
CREATE TABLE posts (id int PRIMARY KEY, author int NOT NULL REFERENCES users, title text NOT NULL);
INSERT INTO users (email) VALUES ('a@example.com'), ('b@example.com');
INSERT INTO posts VALUES (1, 1, 'hello'), (2, 2, 'world');
'''

AFTER_THE_BACKUP = r'''
CREATE EXTENSION citext;
CREATE SCHEMA reports;
CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE TABLE email_signups (id bigserial PRIMARY KEY, user_id int NOT NULL REFERENCES users ON DELETE CASCADE,
                            email citext NOT NULL, mood mood);
CREATE INDEX email_signups_lower ON email_signups (lower(email::text)) WHERE mood IS NOT NULL;
INSERT INTO email_signups (user_id, email, mood) VALUES (1, 'A@example.com', 'happy');
CREATE TABLE reports.likes (post_id int REFERENCES posts, user_id int REFERENCES users, PRIMARY KEY (post_id, user_id));
CREATE VIEW reports.post_authors AS SELECT p.id, u.email FROM posts p JOIN users u ON u.id = p.author;
CREATE MATERIALIZED VIEW post_counts AS SELECT author, count(*) AS n FROM posts GROUP BY author;
CREATE SEQUENCE ticket_numbers;
CREATE FUNCTION touch_title() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.title := NEW.title || '!'; RETURN NEW; END $$;
CREATE TRIGGER posts_touch BEFORE UPDATE ON posts FOR EACH ROW EXECUTE FUNCTION touch_title();
ALTER TABLE posts ADD COLUMN likes int NOT NULL DEFAULT 0;
INSERT INTO users (email) VALUES ('c@example.com');
UPDATE posts SET title = 'changed';
'''


def schema_dump(pg_server, database):
    """pg_dump --schema-only of ``database``, without its comments and the random key of \\restrict lines."""
    out = subprocess.run([os.path.join(pg_server.bindir, 'pg_dump'), '--schema-only', '--no-password', '-h', pg_server.host,
                          '-p', str(pg_server.port), '-U', pg_server.user, database],
                         env=dict(os.environ, PGPASSWORD=pg_server.password), stdout=subprocess.PIPE, check=True,
                         universal_newlines=True).stdout
    return [line for line in out.splitlines()
            if line.strip() and not line.startswith(('--', '\\restrict ', '\\unrestrict '))]


def data_tables(blog_db):
    return [r['t'] for r in blog_db.query("SELECT format('%I.%I', schemaname, tablename) AS t FROM pg_tables "
                                          "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1")]


def row_counts(blog_db):
    return dict((t, blog_db.query('SELECT count(*) AS n FROM %s' % t)[0]['n']) for t in data_tables(blog_db))


def everything(pg_server, blog_db):
    """The schema, the row counts, and the rows of every table but the audit trail (which a restore keeps)."""
    rows = dict((t, blog_db.query('SELECT * FROM %s ORDER BY 1' % t)) for t in data_tables(blog_db)
                if t != 'public.module_version_history')
    return dict(schema=schema_dump(pg_server, blog_db.name), rows=row_counts(blog_db), data=rows)


@pytest.mark.parametrize('fmt', ['custom', 'plain', 'directory'])
def test_replace_ends_exactly_as_the_backup_holds_whatever_was_created_after_it(ansible, blog_db, tmp_path, pg_server, fmt):
    blog_db.execute(BACKED_UP_SCHEMA)
    run = ansible.play(SEED, extra_vars=dict(backup_dir=str(tmp_path / 'backups'), backup_format=fmt))
    assert run.ok, run
    made = run.result('Back up')
    backed_up = everything(pg_server, blog_db)
    blog_db.execute(AFTER_THE_BACKUP)
    blog_db.execute("INSERT INTO schema_version (module_name, version, checksum) VALUES ('comments', '1.2', %s)", (SUM,))
    blog_db.execute("INSERT INTO module_version_history (module_name, from_version, to_version, status) "
                    "VALUES ('comments', '1.4.0', '1.5.0', 'rolled_back')")
    history = blog_db.query('SELECT id, status FROM module_version_history ORDER BY id')

    restored = restore(ansible, made['path'], **({'restore_jobs': 2} if fmt == 'directory' else {}))
    assert restored.ok, restored
    after = everything(pg_server, blog_db)
    assert after['schema'] == backed_up['schema'], '\n'.join(sorted(set(after['schema']) ^ set(backed_up['schema'])))
    assert after == dict(backed_up, rows=dict(backed_up['rows'], **{'public.module_version_history': len(history)}))
    assert blog_db.query('SELECT id, status FROM module_version_history ORDER BY id') == history, \
        'the audit trail of the live database survives the restore'
    blog_db.execute(AFTER_THE_BACKUP)  # the next deploy's migrations apply again: nothing of them was left behind


def test_replace_whose_sidecar_does_not_match_leaves_the_live_database_unchanged(ansible, blog_db, tmp_path, pg_server):
    made = seed_and_back_up(ansible, blog_db, tmp_path / 'backups')
    migrate_after_backup(blog_db)
    migrated = everything(pg_server, blog_db)
    databases = pg_server.query('postgres', 'SELECT datname FROM pg_database ORDER BY 1')
    rewrite_sidecar(made['path'], schema_version='9', schema_versions={'comments': '9'})
    run = ansible.play(restore_task('Restore', made['path']))
    msg = run.result('Restore')['msg']
    assert 'does not match its sidecar' in msg and 'schema version of the database: backup 9, restored 1.1' in msg
    assert everything(pg_server, blog_db) == migrated, 'nothing was committed before every check passed'
    assert pg_server.query('postgres', 'SELECT datname FROM pg_database ORDER BY 1') == databases


def test_latest_refuses_when_the_newest_backup_is_not_complete_unless_another_is_named(ansible, blog_db, tmp_path):
    backup_dir = tmp_path / 'backups'
    older = seed_and_back_up(ansible, blog_db, backup_dir)
    newest = ansible.play(SEED, extra_vars=dict(backup_dir=str(backup_dir))).result('Back up')
    assert newest['name'] > older['name']
    migrate_after_backup(blog_db)
    migrated = state(blog_db)
    cases = []
    with open(newest['sidecar'], 'w') as f:
        f.write('{"truncated": ')
    cases.append(('unreadable sidecar', 'is not valid JSON'))
    run = ansible.play([restore_task('Restore the latest', 'latest', backup_dir=str(backup_dir)),
                        restore_task('Verify the latest', 'latest', backup_dir=str(backup_dir), mode='verify')])
    for task in ('Restore the latest', 'Verify the latest'):
        msg = run.result(task)['msg']
        assert run.result(task)['_status'] == 'failed'
        assert newest['path'] in msg and 'is not valid JSON' in msg and 'newest' in msg, msg
        assert older['path'] not in msg or 'name' in msg
    assert state(blog_db) == migrated
    os.unlink(newest['sidecar'])
    run = ansible.play(restore_task('Restore the latest', 'latest', backup_dir=str(backup_dir)))
    msg = run.result('Restore the latest')['msg']
    assert run.result('Restore the latest')['_status'] == 'failed' and newest['path'] in msg and 'no sidecar' in msg, msg
    assert state(blog_db) == migrated
    named = restore(ansible, older['path'])
    assert named.ok, named
    assert state(blog_db)['versions'] == ['1.1']
