# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""blogops.release.migrate against a real PostgreSQL: ordering, checksums, transactions, undo, repair."""

import os

from migration_tasks import history, migrate, sha256, task, tasks, versions, write


def test_applies_pending_in_numeric_order_once(ansible, blog_db, tmp_path):
    files = {
        'V1__create_posts.sql': 'CREATE TABLE posts (id int PRIMARY KEY);\n',
        'V1.1__add_title.sql': 'ALTER TABLE posts ADD COLUMN title text;\n',
        'V1.2__add_body.sql': 'ALTER TABLE posts ADD COLUMN body text;\n',
        # Runs after 1.2 only when versions compare numerically (as text, 1.10 < 1.2).
        'V1.10__body_not_null.sql': "UPDATE posts SET body = '';\nALTER TABLE posts ALTER COLUMN body SET NOT NULL;\n",
        'V2__seed.sql': "INSERT INTO posts VALUES (1, 'hello', 'world');\n",
        'README.md': 'not a migration',
    }
    path = write(tmp_path / 'migrations', files)
    os.mkdir(os.path.join(path, 'drafts'))

    run, result = migrate(ansible, path=path)
    assert run.ok, run
    assert result['changed'] is True
    assert versions(result['applied']) == ['1', '1.1', '1.2', '1.10', '2']
    assert result['pending'] == []
    assert all(a['in_transaction'] for a in result['applied'])
    first = result['applied'][0]
    assert (first['script'], first['description'], first['checksum']) == (
        'V1__create_posts.sql', 'create posts', sha256(files['V1__create_posts.sql']))
    assert all(isinstance(a['execution_ms'], int) and a['execution_ms'] >= 0 for a in result['applied'])
    assert (result['schema_version_before'], result['schema_version_after']) == (None, '2')
    assert result['diff'] == dict(before=dict(schema_version=None), after=dict(schema_version='2'))
    assert isinstance(result['duration_ms'], int)

    rows = history(blog_db)
    assert [(r['version'], r['kind'], r['success']) for r in rows] == [
        (v, 'migrate', True) for v in ('1', '1.1', '1.2', '1.10', '2')]
    assert [r['checksum'] for r in rows] == [sha256(files[a['script']]) for a in result['applied']]
    assert {r['applied_by'] for r in rows} == {'postgres'}
    assert blog_db.rows('posts') == [dict(id=1, title='hello', body='world')]

    again, result = migrate(ansible, path=path)
    assert again.ok, again
    assert result['changed'] is False
    assert (result['applied'], result['pending']) == ([], [])
    assert (result['schema_version_before'], result['schema_version_after']) == ('2', '2')
    assert len(history(blog_db)) == 5


def test_bad_files_and_options_are_refused_naming_them(ansible, blog_db, tmp_path):
    path = write(tmp_path / 'migrations', {
        'V1__create_posts.sql': 'CREATE TABLE posts (id int);\n',
        'V2__first.sql': 'SELECT 2;\n',
        'V2.0__second.sql': 'SELECT 2;\n',
        'V3_one_underscore.sql': 'SELECT 3;\n',
        'V4__empty.sql': '-- nothing here yet\n\n',
        'U5__orphan.sql': 'SELECT 5;\n',
        'V6__commits.sql': 'CREATE TABLE t6 (x int);\nCOMMIT;\n',
    })
    run = ansible.play(tasks(
        dict(task(path=path), ignore_errors=True),
        dict(task('Migrate with a bad lock_timeout', path=path, lock_timeout='soon'), ignore_errors=True),
        dict(task('Migrate a bad blog module name', path=path, module_name='Comments;'), ignore_errors=True),
        dict(task('Undo without a target', path=path, state='undo'), ignore_errors=True),
    ))
    result = run.result('Migrate')
    assert result['_status'] == 'failed'
    for name in ('V2__first.sql', 'V2.0__second.sql', 'V3_one_underscore.sql', 'V4__empty.sql', 'U5__orphan.sql',
                 'V6__commits.sql line 2'):
        assert name in result['msg'], name
    assert len(result['problems']) == 5
    assert "invalid lock_timeout 'soon'" in run.result('Migrate with a bad lock_timeout')['msg']
    assert "invalid blog module name 'Comments;'" in run.result('Migrate a bad blog module name')['msg']
    assert 'target_version' in run.result('Undo without a target')['msg']
    assert not blog_db.table_exists('posts')
    assert not blog_db.table_exists('schema_version')


def test_changed_checksum_stops_the_run_until_repair(ansible, blog_db, tmp_path):
    original = 'CREATE TABLE posts (id int);\nINSERT INTO posts VALUES (1);\n'
    path = write(tmp_path / 'migrations', {'V1__create_posts.sql': original})
    assert migrate(ansible, path=path)[0].ok

    # The same text with a BOM and Windows line ends keeps its checksum.
    write(path, {'V1__create_posts.sql': b'\xef\xbb\xbf' + original.replace('\n', '\r\n').encode()})
    run, result = migrate(ansible, path=path)
    assert run.ok, run
    assert result['changed'] is False

    changed = original.replace('(1)', '(2)')
    write(path, {'V1__create_posts.sql': changed, 'V2__add_title.sql': 'ALTER TABLE posts ADD COLUMN title text;\n'})
    run, result = migrate(ansible, path=path)
    assert not run.ok
    assert 'V1__create_posts.sql changed after it was applied' in result['msg']
    assert sha256(original) in result['msg'] and sha256(changed) in result['msg']
    assert 'state=repair' in result['msg']
    assert len(history(blog_db)) == 1
    assert [c['column_name'] for c in blog_db.query(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'posts'")] == ['id']

    run, result = migrate(ansible, path=path, state='repair')
    assert run.ok, run
    assert result['changed'] is True
    assert result['repaired'] == [dict(version='1', script='V1__create_posts.sql', reasons=['checksum'],
                                       old_checksum=sha256(original), checksum=sha256(changed), cleared_row_id=None)]
    assert [(r['kind'], r['checksum']) for r in history(blog_db)] == [
        ('migrate', sha256(original)), ('repair', sha256(changed))]

    run, result = migrate(ansible, path=path, state='repair')
    assert (run.ok, result['changed'], result['repaired']) == (True, False, [])
    run, result = migrate(ansible, path=path)
    assert run.ok, run
    assert versions(result['applied']) == ['2']


def test_pending_version_below_the_highest_applied_needs_out_of_order(ansible, blog_db, tmp_path):
    path = write(tmp_path / 'migrations', {'V1__one.sql': 'CREATE TABLE one (x int);\n',
                                           'V3__three.sql': 'CREATE TABLE three (x int);\n'})
    assert migrate(ansible, path=path)[0].ok
    write(path, {'V2__two.sql': 'CREATE TABLE two (x int);\n'})

    run, result = migrate(ansible, path=path)
    assert not run.ok
    assert "V2__two.sql is pending but version 3 of blog module 'comments' is already applied" in result['msg']
    assert 'out_of_order' in result['msg']
    assert not blog_db.table_exists('two')

    run, result = migrate(ansible, path=path, out_of_order=True)
    assert run.ok, run
    assert versions(result['applied']) == ['2']
    assert (result['schema_version_before'], result['schema_version_after']) == ('3', '3')
    assert blog_db.table_exists('two')


def test_failing_script_leaves_the_database_as_before_the_run(ansible, blog_db, tmp_path):
    path = write(tmp_path / 'migrations', {
        'V1__create_posts.sql': 'CREATE TABLE posts (id int);\n',
        'V2__create_tags.sql': 'CREATE TABLE tags (id int);\n',
        'V3__broken.sql': '-- the third script\nCREATE TABLE drafts (id int);\nSELECT nope FROM drafts;\n',
    })
    run, result = migrate(ansible, path=path)
    assert not run.ok
    assert 'V3__broken.sql line 3 failed: column "nope" does not exist' in result['msg']
    assert ('rolled back with the scripts that ran before it in that transaction (V1__create_posts.sql, '
            'V2__create_tags.sql), so the database is as it was before this run') in result['msg']
    assert result['failed_script'] == dict(script='V3__broken.sql', version='3', line=3, failed_row_id=None)
    assert (result['applied'], result['changed']) == ([], False)
    assert versions(result['pending']) == ['1', '2', '3']
    for name in ('posts', 'tags', 'drafts', 'schema_version'):
        assert not blog_db.table_exists(name), name

    # With history already there, the run adds no row either.
    assert migrate(ansible, path=path, target_version='1')[0].ok
    run, result = migrate(ansible, path=path)
    assert not run.ok
    assert result['schema_version_after'] == '1'
    assert versions(history(blog_db)) == ['1']
    assert not blog_db.table_exists('tags')

    # One transaction per script keeps what succeeded before the failure.
    run, result = migrate(ansible, path=path, transaction='each')
    assert not run.ok
    assert 'the scripts before it in this run stay applied: V2__create_tags.sql' in result['msg']
    assert versions(result['applied']) == ['2']
    assert versions(result['pending']) == ['3']
    assert (result['changed'], result['schema_version_after']) == (True, '2')
    assert versions(history(blog_db)) == ['1', '2']
    assert blog_db.table_exists('tags') and not blog_db.table_exists('drafts')


def test_scripts_that_cannot_run_in_a_transaction_run_alone_statement_by_statement(ansible, blog_db, tmp_path):
    path = write(tmp_path / 'migrations', {
        'V1__create_posts.sql': "CREATE TABLE posts (id int, title text);\nINSERT INTO posts VALUES (1, 'a');\n",
        'V2__index_posts.sql': (
            '-- Two indexes; this comment has a semicolon;\n'
            "COMMENT ON TABLE posts IS 'indexed; twice';\n"
            'CREATE INDEX CONCURRENTLY posts_id ON posts (id);\n'
            '/* and a block comment; */ CREATE UNIQUE INDEX CONCURRENTLY posts_title ON posts (title);\n'),
        'V3__marked.sql': ('-- blogops:transactional=false\n'
                           "SET lock_timeout = '1h';\n"
                           'CREATE FUNCTION post_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM posts; $$;\n'
                           'VACUUM ANALYZE posts;\n'),
        # A SET in a script that ran alone does not outlive it.
        'V4__add_body.sql': ("DO $$ BEGIN IF current_setting('lock_timeout') <> '10s' THEN\n"
                             "  RAISE EXCEPTION 'lock_timeout is %', current_setting('lock_timeout'); END IF; END $$;\n"
                             'ALTER TABLE posts ADD COLUMN body text;\n'),
    })
    run, result = migrate(ansible, path=path)
    assert run.ok, run
    assert [(a['version'], a['in_transaction']) for a in result['applied']] == [
        ('1', True), ('2', False), ('3', False), ('4', True)]
    assert result['pending'] == []
    indexes = blog_db.query("SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                            "WHERE i.indrelid = 'posts'::regclass ORDER BY 1")
    assert indexes == [dict(relname='posts_id', indisvalid=True), dict(relname='posts_title', indisvalid=True)]
    assert blog_db.query('SELECT post_count() AS n') == [dict(n=1)]
    assert [(r['version'], r['success']) for r in history(blog_db)] == [(v, True) for v in ('1', '2', '3', '4')]


def test_failure_outside_a_transaction_blocks_later_runs_until_repair(ansible, blog_db, tmp_path):
    path = write(tmp_path / 'migrations', {
        'V1__create_posts.sql': 'CREATE TABLE posts (id int, title text);\n',
        'V2__index_posts.sql': ('CREATE INDEX CONCURRENTLY posts_title ON posts (title);\n'
                                'CREATE INDEX CONCURRENTLY posts_nope ON posts (nope);\n'),
    })
    run, result = migrate(ansible, path=path)
    assert not run.ok
    msg = result['msg']
    assert 'V2__index_posts.sql line 2 failed: column "nope" does not exist' in msg
    assert 'success=false' in msg and 'state=repair' in msg
    failed_row = result['failed_script']['failed_row_id']
    assert [(r['id'], r['version'], r['success']) for r in history(blog_db)][-1] == (failed_row, '2', False)
    assert versions(result['applied']) == ['1']
    assert blog_db.query("SELECT to_regclass('posts_title') IS NOT NULL AS e") == [dict(e=True)]

    write(path, {'V3__add_body.sql': 'ALTER TABLE posts ADD COLUMN body text;\n'})
    run, result = migrate(ansible, path=path)
    assert not run.ok
    assert 'V2__index_posts.sql (schema version 2 of blog module \'comments\') failed outside a transaction' in result['msg']
    assert 'state=repair' in result['msg']
    assert len(history(blog_db)) == 2

    write(path, {'V2__index_posts.sql': ('CREATE INDEX CONCURRENTLY IF NOT EXISTS posts_title ON posts (title);\n'
                                         'CREATE INDEX CONCURRENTLY IF NOT EXISTS posts_id ON posts (id);\n')})
    run, result = migrate(ansible, path=path, state='repair')
    assert run.ok, run
    assert [(r['version'], r['reasons'], r['cleared_row_id']) for r in result['repaired']] == [('2', ['failed'], failed_row)]

    run, result = migrate(ansible, path=path)
    assert run.ok, run
    assert versions(result['applied']) == ['2', '3']
    assert [(r['version'], r['kind'], r['success']) for r in history(blog_db)] == [
        ('1', 'migrate', True), ('2', 'migrate', False), ('2', 'repair', True), ('2', 'migrate', True),
        ('3', 'migrate', True)]


def test_check_mode_and_validate_execute_nothing(ansible, blog_db, tmp_path):
    path = write(tmp_path / 'migrations', {'V1__create_posts.sql': 'CREATE TABLE posts (id int);\n',
                                           'V2__add_title.sql': 'ALTER TABLE posts ADD COLUMN title text;\n'})
    run = ansible.play(tasks(task(path=path), task('Validate', path=path, state='validate')), check=True, diff=True)
    assert run.ok, run
    result = run.result('Migrate')
    assert result['changed'] is True
    assert versions(result['pending']) == ['1', '2']
    assert result['applied'] == []
    assert result['diff'] == dict(before=dict(schema_version=None), after=dict(schema_version='2'))
    validated = run.result('Validate')
    assert (validated['changed'], versions(validated['pending'])) == (False, ['1', '2'])
    assert not blog_db.table_exists('posts') and not blog_db.table_exists('schema_version')

    assert migrate(ansible, path=path, target_version='1')[0].ok
    run, result = migrate(ansible, path=path, check=True)
    assert (run.ok, result['changed'], versions(result['pending'])) == (True, True, ['2'])
    assert (result['schema_version_before'], result['schema_version_after']) == ('1', '2')
    assert versions(history(blog_db)) == ['1']

    assert migrate(ansible, path=path)[0].ok
    run, result = migrate(ansible, path=path, check=True)
    assert (run.ok, result['changed'], result['pending']) == (True, False, [])


def test_undo_runs_undo_scripts_newest_first(ansible, blog_db, tmp_path):
    path = write(tmp_path / 'migrations', {
        'V1__create_posts.sql': 'CREATE TABLE posts (id int);\n',
        'V2__create_tags.sql': 'CREATE TABLE tags (id int);\n',
        'U2__create_tags.sql': 'DROP TABLE tags;\n',
        'V3__tag_posts.sql': 'CREATE TABLE post_tags (post int, tag int);\nINSERT INTO tags VALUES (1);\n',
        # Fails unless U3 ran first.
        'U3__tag_posts.sql': 'DROP TABLE post_tags;\nDELETE FROM tags;\n',
    })
    assert migrate(ansible, path=path)[0].ok

    run, result = migrate(ansible, path=path, state='undo', target_version='1', check=True)
    assert (run.ok, result['changed'], result['undone']) == (True, True, ['3', '2'])
    assert blog_db.table_exists('post_tags')

    run, result = migrate(ansible, path=path, state='undo', target_version='1')
    assert run.ok, run
    assert result['undone'] == ['3', '2']
    assert [a['script'] for a in result['applied']] == ['U3__tag_posts.sql', 'U2__create_tags.sql']
    assert (result['schema_version_before'], result['schema_version_after']) == ('3', '1')
    assert not blog_db.table_exists('tags') and not blog_db.table_exists('post_tags')
    assert [(r['version'], r['kind']) for r in history(blog_db)][-2:] == [('3', 'undo'), ('2', 'undo')]
    info = ansible.play('''
    - name: Read schema versions
      blogops.release.schema_version_info:
        module_name: comments
    ''')
    assert info.result('Read schema versions')['modules']['comments']['version'] == '1'

    run, result = migrate(ansible, path=path, state='undo', target_version='0')
    assert not run.ok
    assert 'V1__create_posts.sql is applied and has no undo script U1__<description>.sql' in result['msg']
    assert blog_db.table_exists('posts')

    run, result = migrate(ansible, path=path)
    assert run.ok, run
    assert versions(result['applied']) == ['2', '3']


def test_baseline_adopts_an_existing_database(ansible, blog_db, tmp_path):
    blog_db.execute('CREATE TABLE posts (id int, title text)')
    path = write(tmp_path / 'migrations', {
        'V1__create_posts.sql': 'CREATE TABLE posts (id int);\n',
        'V2__add_title.sql': 'ALTER TABLE posts ADD COLUMN title text;\n',
        'V3__add_body.sql': 'ALTER TABLE posts ADD COLUMN body text;\n',
    })
    run, result = migrate(ansible, state='baseline', baseline_version='2')
    assert run.ok, run
    assert (result['changed'], result['schema_version_before'], result['schema_version_after']) == (True, None, '2')
    assert [(r['version'], r['kind']) for r in history(blog_db)] == [('2', 'baseline')]
    run, result = migrate(ansible, state='baseline', baseline_version='2')
    assert (run.ok, result['changed']) == (True, False)

    run, result = migrate(ansible, path=path)
    assert run.ok, run
    assert versions(result['applied']) == ['3']

    run, result = migrate(ansible, state='baseline', baseline_version='5')
    assert not run.ok
    assert "blog module 'comments' already has applied schema versions (2, 3)" in result['msg']


def test_placeholders_are_substituted_and_covered_by_the_checksum(ansible, blog_db, tmp_path):
    script = 'CREATE TABLE ${prefix}_posts (id int);\n'
    path = write(tmp_path / 'migrations', {'V1__create_posts.sql': script})
    run, result = migrate(ansible, path=path, placeholders=dict(prefix='blog'))
    assert run.ok, run
    assert blog_db.table_exists('blog_posts')
    assert result['applied'][0]['checksum'] == sha256(script.replace('${prefix}', 'blog'))

    run, result = migrate(ansible, path=path, placeholders=dict(prefix='news'))
    assert not run.ok
    assert 'V1__create_posts.sql changed after it was applied' in result['msg']

    write(path, {'V2__typo.sql': 'CREATE TABLE ${prefx}_tags (id int);\n'})
    run, result = migrate(ansible, path=path, placeholders=dict(prefix='blog'))
    assert not run.ok
    assert 'V2__typo.sql uses placeholder ${prefx}' in result['msg']


def test_versions_too_long_or_not_in_ascii_digits_are_refused_naming_where(ansible, blog_db, tmp_path, fault_case):
    long = fault_case.case('10,000-digit version', "target_version '1' * 10000; a module_version of 10,006 characters; "
                                                   'a migration file V<200 digits>__long.sql')
    digits = fault_case.case('version in non-ASCII digits', "baseline_version '\u0661' (Arabic-Indic one); a migration "
                                                            'file V\u0661__arabic_indic.sql')
    long_name = 'V%s__long.sql' % ('9' * 200)
    path = write(tmp_path / 'migrations', {'V1__create_posts.sql': 'CREATE TABLE posts (id int);\n',
                                           long_name: 'SELECT 1;\n', 'V\u0661__arabic_indic.sql': 'SELECT 1;\n'})
    fine = write(tmp_path / 'fine', {'V1__create_posts.sql': 'CREATE TABLE posts (id int);\n'})
    run = ansible.play(tasks(*[dict(item, ignore_errors=True) for item in (
        task('Migrate the files', path=path),
        task('Migrate to a 10000-digit version', path=fine, target_version='1' * 10000),
        task('Baseline an Arabic-Indic one', state='baseline', baseline_version='\u0661'),
        {'name': 'Record a long version', 'blogops.release.module_version': dict(
            module_name='comments', version='1.0.0-' + 'a' * 10000)},
    )]))
    files = run.result('Migrate the files')
    long.check('the file is named with the limit', files['_status'] == 'failed' and
               "%s: invalid schema version '%s...' (200 characters): at most 64 characters" % (long_name, '9' * 32)
               in ' '.join(files['problems']), files.get('problems'))
    digits.check('the file is named, its name refused', 'V\u0661__arabic_indic.sql: bad migration file name, expected '
                 'V<version>__<description>.sql' in ' '.join(files.get('problems', [])), files.get('problems'))
    option = run.result('Migrate to a 10000-digit version')['msg']
    long.check('the option is named with the limit, the value cut', option == (
        "target_version: invalid schema version '%s...' (10000 characters): at most 64 characters of dotted numbers "
        "such as 1, 1.1 or 2024.06.01" % ('1' * 32)), option)
    semantic = run.result('Record a long version')
    long.check('a semantic version has a limit too', semantic['_status'] == 'failed' and
               "invalid version '1.0.0-%s...' (10006 characters): at most 100 characters" % ('a' * 26)
               in semantic['msg'], semantic['msg'][:300])
    option = run.result('Baseline an Arabic-Indic one')['msg']
    digits.check('the option is named', option == "baseline_version: invalid schema version '\u0661': expected dotted "
                 'numbers such as 1, 1.1 or 2024.06.01', option)
    for case in (long, digits):
        case.check('nothing applied or recorded', not blog_db.table_exists('posts')
                   and not blog_db.table_exists('schema_version') and not blog_db.table_exists('module_version'))
    long.outcome("refused naming where: \"target_version: invalid schema version '1111...' (10000 characters): at most "
                 "64 characters ...\", the file V999...__long.sql likewise; module version: \"at most 100 characters\"")
    digits.outcome("refused naming where: \"baseline_version: invalid schema version '\u0661' ...\", \"V\u0661__arabic_indic.sql: "
                   'bad migration file name ..."')


def test_a_script_keeps_the_role_and_search_path_it_sets_to_itself(ansible, blog_db, pg_server, tmp_path, fault_case):
    case = fault_case.case('migration SET ROLE, search_path',
                           'V1 (marked) runs SET ROLE to a role without rights on schema_version, V2 SET search_path; '
                           'scripts after them')
    owner = 'owner_' + blog_db.name[-10:]
    pg_server.query('postgres', 'CREATE ROLE %s NOLOGIN' % owner)
    blog_db.execute('GRANT CREATE ON SCHEMA public TO %s' % owner)
    blog_db.execute('CREATE SCHEMA elsewhere')
    blog_db.execute('GRANT USAGE, CREATE ON SCHEMA elsewhere TO %s' % owner)
    path = write(tmp_path / 'migrations', {
        'V1__owned.sql': '-- blogops:allow-session-settings: the table belongs to its owner role\n'
                         'SET ROLE %s;\nCREATE TABLE owned (x int);\n' % owner,
        'V2__elsewhere.sql': 'SET search_path TO elsewhere;\nCREATE TABLE placed (x int);\n',
        'V3__plain.sql': 'CREATE TABLE plain (x int);\n',
        'V4__alone.sql': '-- blogops:transactional=false\n-- blogops:allow-session-settings: same, outside a transaction\n'
                         'SET ROLE %s;\nSET search_path TO elsewhere;\nCREATE TABLE alone (x int);\n' % owner,
        'V5__last.sql': 'CREATE TABLE last (x int);\n',
    })
    try:
        run, result = migrate(ansible, path=path)
        assert run.ok, run
        tables = dict((r['name'], (r['schemaname'], r['tableowner'])) for r in blog_db.query(
            "SELECT tablename AS name, schemaname, tableowner FROM pg_tables WHERE tablename IN "
            "('owned', 'placed', 'plain', 'alone', 'last')"))
    finally:
        blog_db.execute('DROP OWNED BY %s' % owner)
        pg_server.query('postgres', 'DROP ROLE %s' % owner)
    case.equal('each table where its own script put it, owned by the role that script set', tables, dict(
        owned=('public', owner), placed=('elsewhere', 'postgres'), plain=('public', 'postgres'),
        alone=('elsewhere', owner), last=('public', 'postgres')))
    case.equal('every script applied', versions(result['applied']), ['1', '2', '3', '4', '5'])
    case.equal('history rows written as the run\'s role', {r['applied_by'] for r in history(blog_db)}, {'postgres'})
    case.outcome('applied; the scripts after V1 and V2 ran as the run\'s role in its search_path, history rows '
                 'written by it (before: "cannot run the migrations of blog module \'comments\': permission denied for '
                 'table schema_version", no script named)')


def test_missing_privileges_are_named_before_anything_runs(ansible, blog_db, pg_server, tmp_path, fault_case):
    case = fault_case.case('database role without privileges', 'a login role without CREATE on schema public, then '
                                                               'without SELECT on a table a script reads, then without '
                                                               'INSERT/UPDATE on schema_version')
    deployer = 'deployer_' + blog_db.name[-10:]
    password = 'deployer-pw-' + blog_db.name[-6:]
    pg_server.query('postgres', 'CREATE ROLE %s LOGIN PASSWORD %%s' % deployer, (password,))
    blog_db.execute('CREATE TABLE secrets (id int)')
    path = write(tmp_path / 'migrations', {'V1__create_posts.sql': 'CREATE TABLE posts (id int);\n',
                                           'V2__read_secrets.sql': 'SELECT count(*) FROM secrets;\n'})
    as_deployer = dict(login_user=deployer, login_password=password)

    def play(*items):
        return ansible.play(tasks(*[dict(item, ignore_errors=True) for item in items]))
    try:
        first = play(task('Validate as deployer', path=path, state='validate', **as_deployer),
                     task('Migrate as deployer', path=path, **as_deployer))
        blog_db.execute('GRANT CREATE ON SCHEMA public TO %s' % deployer)
        second = play(task('Migrate as deployer', path=path, **as_deployer))
        blog_db.execute('REVOKE CREATE ON SCHEMA public FROM %s' % deployer)
        other = write(tmp_path / 'other', {'V1__create_settings.sql': 'CREATE TABLE settings (k text);\n'})
        assert play(task('Create the tracking tables', module_name='other', path=other)).ok
        blog_db.execute('GRANT SELECT ON schema_version TO %s' % deployer)
        blog_db.execute('GRANT USAGE ON SEQUENCE schema_version_id_seq TO %s' % deployer)
        third = play(task('Validate as deployer', path=path, state='validate', **as_deployer))
    finally:
        blog_db.execute('DROP OWNED BY %s' % deployer)
        pg_server.query('postgres', 'DROP ROLE %s' % deployer)
    for name in ('Validate as deployer', 'Migrate as deployer'):
        result = first.result(name)
        case.check('%s (preflight\'s check): refused naming role, privilege and schema' % name,
                   result['_status'] == 'failed' and result['msg'] == (
                       "cannot run the migrations of blog module 'comments' as role '%s': role '%s' lacks CREATE on "
                       'schema public, needed to create the tracking tables (module_version, module_version_history, '
                       'schema_version) on the first run; as a role that may, run: GRANT CREATE ON SCHEMA "public" TO '
                       '"%s"' % (deployer, deployer, deployer)), result['msg'])
    case.check('nothing applied', not blog_db.table_exists('posts'))
    result = second.result('Migrate as deployer')
    case.check('a script\'s permission error names the script, the role and the privilege',
               result['_status'] == 'failed' and result['msg'].startswith(
                   "V2__read_secrets.sql failed: permission denied for table secrets. The script ran as role '%s', "
                   'which lacks SELECT on table secrets; grant it' % deployer), result['msg'])
    result = third.result('Validate as deployer')
    case.equal('missing table privileges named', result.get('problems'), [
        "role '%s' lacks INSERT, UPDATE on table public.schema_version, needed to read and record the migrations; as a "
        'role that may, run: GRANT INSERT, UPDATE ON "public".schema_version TO "%s"' % (deployer, deployer)])
    case.check('the password is in no output', password not in first.output + second.output + third.output)
    case.outcome("refused at validate (preflight): \"... as role 'deployer_...': role 'deployer_...' lacks CREATE on schema "
                 "public, needed to create the tracking tables ...; as a role that may, run: GRANT CREATE ON SCHEMA ...\"; "
                 "a script: \"... permission denied for table secrets. The script ran as role '...', which lacks SELECT "
                 'on table secrets ..."')
