# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import hashlib
import os

import pytest
from hypothesis import given, strategies as st

from ansible_collections.blogops.release.plugins.module_utils._migration_files import (
    NAME_FORM,
    MigrationFileError,
    check_placeholders,
    has_statement,
    read_script,
    scan_migrations,
    split_statements,
)
from ansible_collections.blogops.release.plugins.module_utils._migration_version import (
    MAX_MIGRATION_VERSION_LENGTH,
    InvalidMigrationVersion,
    check_migration_version,
    migration_version_key,
)


def write(directory, files):
    for name, text in files.items():
        with open(os.path.join(str(directory), name), 'wb') as f:
            f.write(text if isinstance(text, bytes) else text.encode('utf-8'))
    return str(directory)


def script(tmp_path, text, name='V1__test.sql', placeholders=None):
    write(tmp_path, {name: text})
    return read_script(os.path.join(str(tmp_path), name), name, placeholders or {})


def problems_of(directory, placeholders=None):
    with pytest.raises(MigrationFileError) as error:
        scan_migrations(directory, placeholders)
    return error.value.problems


# --- names and checksums ---------------------------------------------------------------------

def test_names_give_kind_version_and_description(tmp_path):
    found = scan_migrations(write(tmp_path, {
        'V1__create_posts.sql': 'SELECT 1;', 'V1.10__add_index.sql': 'SELECT 2;', 'V1.2__x.sql': 'SELECT 3;',
        'U1.10__add_index.sql': 'SELECT 4;', 'README.md': 'ignored', '.V9__hidden.sql': 'ignored'}))
    assert [(s.version, s.description) for s in found.ordered_migrations()] == [
        ('1', 'create posts'), ('1.2', 'x'), ('1.10', 'add index')]
    assert [(s.kind, s.script) for s in found.undos.values()] == [('U', 'U1.10__add_index.sql')]


def test_every_problem_of_a_directory_is_listed_naming_its_file(tmp_path):
    os.mkdir(str(tmp_path / 'subdirectory.sql'))
    problems = problems_of(write(tmp_path, {
        'V1__ok.sql': 'SELECT 1;',
        'V2__a.sql': 'SELECT 2;', 'V2.0.0__b.sql': 'SELECT 2;',
        'V3_single_underscore.sql': 'SELECT 3;', 'R__repeatable.sql': 'SELECT 0;', 'V4__.sql': 'SELECT 4;',
        'Vx__letters.sql': 'SELECT 5;',
        'V6__blank.sql': ' \n\t\n', 'V7__comments_only.sql': '-- a\n/* b /* nested */ c */\n',
        'U8__orphan.sql': 'SELECT 8;',
        'V9__latin1.sql': b'SELECT \xe9;',
    }))
    expected = ['V2.0.0__b.sql', 'V3_single_underscore.sql', 'R__repeatable.sql', 'V4__.sql', 'Vx__letters.sql',
                'V6__blank.sql', 'V7__comments_only.sql', 'U8__orphan.sql', 'V9__latin1.sql']
    assert len(problems) == len(expected)
    for name in expected:
        assert any(name in problem for problem in problems), name
    assert any('V2__a.sql' in p and 'V2.0.0__b.sql' in p and 'duplicate version 2' in p for p in problems)


def test_missing_directory_is_named(tmp_path):
    assert problems_of(str(tmp_path / 'nowhere')) == [
        'migrations directory %s does not exist or is not a directory' % (tmp_path / 'nowhere')]


def test_checksum_ignores_bom_and_crlf_but_nothing_else(tmp_path):
    plain = script(tmp_path, 'CREATE TABLE t (x int);\nSELECT 1;\n')
    assert plain.checksum == hashlib.sha256(b'CREATE TABLE t (x int);\nSELECT 1;\n').hexdigest()
    assert script(tmp_path, b'\xef\xbb\xbfCREATE TABLE t (x int);\r\nSELECT 1;\r\n').checksum == plain.checksum
    assert script(tmp_path, 'CREATE TABLE t (x int);\nSELECT 1; \n').checksum != plain.checksum
    assert script(tmp_path, 'CREATE TABLE t (x int);\rSELECT 1;\r').checksum != plain.checksum


def test_placeholders_are_substituted_before_the_checksum(tmp_path):
    text = "CREATE TABLE ${schema}.t (x text DEFAULT '${lang}');\n"
    done = script(tmp_path, text, placeholders=dict(schema='blog', lang='en'))
    assert done.text == "CREATE TABLE blog.t (x text DEFAULT 'en');\n"
    assert done.checksum == hashlib.sha256(done.text.encode()).hexdigest()
    with pytest.raises(ValueError) as error:
        script(tmp_path, text, placeholders=dict(schema='blog'))
    assert 'V1__test.sql uses placeholder ${lang}' in str(error.value)


@pytest.mark.parametrize('placeholders, message', [
    ({'1st': 'x'}, "invalid placeholder name '1st'"),
    ({'a b': 'x'}, "invalid placeholder name 'a b'"),
    ({'flag': True}, 'placeholder flag must have a text or number value'),
    ({'items': [1]}, 'placeholder items must have a text or number value'),
])
def test_bad_placeholders_are_named(placeholders, message):
    with pytest.raises(ValueError) as error:
        check_placeholders(placeholders)
    assert message in str(error.value)


def test_placeholder_numbers_become_text():
    assert check_placeholders({'n': 3, 'app.name': 'blog'}) == {'n': '3', 'app.name': 'blog'}


# --- statements --------------------------------------------------------------------------------

def test_split_respects_quotes_comments_dollar_quotes_and_function_bodies():
    text = (
        '-- a comment; with a semicolon\n'
        "INSERT INTO t VALUES ('it''s; here', E'back\\'slash;', \"we;ird\");\n"
        '/* outer /* nested; */ still; */ SELECT 1;\n'
        'CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$ BEGIN RETURN 1; END $body$;\n'
        'CREATE OR REPLACE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO t VALUES (1); '
        'SELECT CASE WHEN true THEN 1 END; END;\n'
        'CREATE RULE r AS ON INSERT TO t DO ALSO (SELECT 1; SELECT 2);\n'
        'SELECT $$;$$, $1, a$b FROM t\n'
    )
    statements = split_statements(text)
    assert [s.line for s in statements] == [2, 3, 4, 5, 6, 7]
    assert [s.head.split()[:2] for s in statements] == [
        ['INSERT', 'INTO'], ['SELECT'], ['CREATE', 'FUNCTION'], ['CREATE', 'OR'], ['CREATE', 'RULE'], ['SELECT', 'A$B']]
    assert statements[0].text == "INSERT INTO t VALUES ('it''s; here', E'back\\'slash;', \"we;ird\");"
    assert statements[1].text == 'SELECT 1;'
    assert statements[-1].text == 'SELECT $$;$$, $1, a$b FROM t'
    assert all(text[s.offset:].startswith(s.text) for s in statements)


@given(st.lists(st.sampled_from([
    "SELECT 'a;b'", 'SELECT $$x;y$$', 'SELECT $q$ $$; $q$', 'SELECT 1 /* c; */ + 2', 'SELECT "a;b" FROM t',
    "SELECT E'\\';'", 'CREATE TABLE t (a int, b int)', 'DO $$ BEGIN PERFORM 1; END $$',
    'CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT 1; END',
]), min_size=1, max_size=8), st.sampled_from(['\n', ' ', '\n-- note; here\n', '\n/* x; */\n']))
def test_split_gives_back_the_statements_joined(statements, separator):
    text = separator.join(statement + ';' for statement in statements)
    assert [s.text for s in split_statements(text)] == [statement + ';' for statement in statements]


def test_empty_means_no_statement():
    assert not has_statement('')
    assert not has_statement(' \n-- x\n/* y /* z */ */\n')
    assert has_statement('-- x\nSELECT 1')
    assert has_statement(';')


# --- transactions ------------------------------------------------------------------------------

@pytest.mark.parametrize('statement', [
    'CREATE INDEX CONCURRENTLY i ON t (x)',
    'create unique index concurrently if not exists i on t (x)',
    'DROP INDEX CONCURRENTLY IF EXISTS i',
    'REINDEX INDEX CONCURRENTLY i',
    'REINDEX (VERBOSE) TABLE CONCURRENTLY t',
    'REINDEX DATABASE blog',
    'VACUUM',
    'vacuum (analyze) t',
    "ALTER SYSTEM SET work_mem = '64MB'",
    'CREATE DATABASE other',
    'DROP DATABASE IF EXISTS other',
    'ALTER DATABASE blog SET TABLESPACE fast',
    "CREATE TABLESPACE fast LOCATION '/x'",
    "CREATE SUBSCRIPTION s CONNECTION 'dbname=x' PUBLICATION p",
    'ALTER SUBSCRIPTION s REFRESH PUBLICATION',
    'ALTER TABLE measurements DETACH PARTITION m2024 CONCURRENTLY',
    'CLUSTER',
])
def test_statements_that_cannot_run_in_a_transaction_are_detected(tmp_path, statement):
    found = script(tmp_path, '-- first\nSELECT 1;\n%s;\n' % statement)
    assert not found.runs_in_transaction(150000)
    assert found.outside_transaction_reason(150000).endswith('at line 3')


@pytest.mark.parametrize('text', [
    "SELECT 'CREATE INDEX CONCURRENTLY i ON t (x)';",
    '-- CREATE INDEX CONCURRENTLY i ON t (x);\nSELECT 1;',
    '/* VACUUM; */ SELECT 1;',
    'DO $$ BEGIN EXECUTE $x$VACUUM$x$; END $$;',
    'CREATE INDEX concurrently_built ON t (x);',
    'CREATE TABLE vacuum_log (x int);',
    'CLUSTER t USING i;',
    'ALTER TYPE mood ADD ATTRIBUTE value int;',
])
def test_lookalikes_run_in_the_transaction(tmp_path, text):
    assert script(tmp_path, text).runs_in_transaction(90600)


def test_enum_values_are_added_outside_a_transaction_only_before_postgresql_12(tmp_path):
    found = script(tmp_path, "SELECT 1;\nALTER TYPE mood ADD VALUE IF NOT EXISTS 'meh';\n")
    assert found.runs_in_transaction(120000)
    assert found.runs_in_transaction(None)
    assert found.outside_transaction_reason(110005) == 'ALTER TYPE ... ADD VALUE at line 2 (PostgreSQL before 12)'


def test_marker_decides(tmp_path):
    marked = script(tmp_path, '-- blogops:transactional=false\nSELECT 1;\n')
    assert marked.outside_transaction_reason(150000) == 'marked -- blogops:transactional=false'
    forced = script(tmp_path, '--blogops:transactional = TRUE\nVACUUM;\n')
    assert forced.runs_in_transaction(150000)
    with pytest.raises(ValueError) as error:
        script(tmp_path, '-- blogops:transactional=maybe\nSELECT 1;\n')
    assert "V1__test.sql: -- blogops:transactional= must be true or false, got 'maybe'" == str(error.value)


@pytest.mark.parametrize('statement', ['COMMIT', 'commit work', 'BEGIN', 'START TRANSACTION', 'END', 'ROLLBACK',
                                       'ABORT', "PREPARE TRANSACTION 'x'"])
def test_transaction_control_is_refused_in_a_transactional_script(tmp_path, statement):
    with pytest.raises(MigrationFileError) as error:
        script(tmp_path, 'CREATE TABLE t (x int);\n%s;\n' % statement)
    assert error.value.problems[0].startswith('V1__test.sql line 2: %s would end the transaction'
                                              % statement.split()[0].upper())


def test_transaction_control_is_allowed_where_it_means_something(tmp_path):
    assert script(tmp_path, 'SAVEPOINT a;\nSELECT 1;\nROLLBACK TO SAVEPOINT a;\nRELEASE a;\n').runs_in_transaction()
    assert script(tmp_path, 'DO $$ BEGIN PERFORM 1; END $$;\nCREATE FUNCTION f() RETURNS int LANGUAGE sql '
                            'BEGIN ATOMIC SELECT 1; END;\n').runs_in_transaction()
    outside = script(tmp_path, '-- blogops:transactional=false\nBEGIN;\nSELECT 1;\nCOMMIT;\n')
    assert not outside.runs_in_transaction()


def test_psql_only_input_is_refused(tmp_path):
    with pytest.raises(MigrationFileError) as error:
        script(tmp_path, 'SELECT 1;\n\\connect other\nCOPY t FROM STDIN;\n')
    assert error.value.problems == [
        'V1__test.sql line 2: psql meta-command \\connect is not SQL; the module sends the scripts to the server '
        'itself, not through psql',
        'V1__test.sql line 3: COPY ... FROM STDIN needs psql to send the data; use INSERT statements',
    ]


# --- session settings ---------------------------------------------------------------------------

@pytest.mark.parametrize('statement, what', [
    ('RESET ALL', 'RESET ALL'),
    ('reset   all', 'RESET ALL'),
    ('SET lock_timeout = 0', 'SET lock_timeout to 0'),
    ("SET LOCAL lock_timeout TO '0'", 'SET lock_timeout to 0'),
    ("set session lock_timeout = '0ms'", 'SET lock_timeout to 0'),
    ('SET "lock_timeout" = 0.0', 'SET lock_timeout to 0'),
    ('SET /* why */ lock_timeout = 0', 'SET lock_timeout to 0'),
    ('SET lock_timeout TO DEFAULT', 'SET lock_timeout to DEFAULT'),
    ('RESET lock_timeout', 'RESET lock_timeout'),
    ('SET statement_timeout = 0', 'SET statement_timeout to 0'),
    ('RESET statement_timeout', 'RESET statement_timeout'),
    ('SET client_connection_check_interval = 0', 'SET client_connection_check_interval to 0'),
    ('SET ROLE blog_owner', 'SET ROLE'),
    ('SET LOCAL ROLE blog_owner', 'SET ROLE'),
    ("SET role = 'blog_owner'", 'SET ROLE'),
    ('RESET ROLE', 'RESET ROLE'),
    ('SET SESSION AUTHORIZATION blog_owner', 'SET SESSION AUTHORIZATION'),
    ('SET SESSION SESSION AUTHORIZATION DEFAULT', 'SET SESSION AUTHORIZATION'),
    ('RESET SESSION AUTHORIZATION', 'RESET SESSION AUTHORIZATION'),
])
def test_statements_that_switch_off_the_runs_protections_need_the_marker(tmp_path, statement, what):
    text = 'CREATE TABLE t (x int);\n%s;\nSELECT 1;\n' % statement
    with pytest.raises(MigrationFileError) as error:
        script(tmp_path, text)
    [problem] = error.value.problems
    assert problem.startswith('V1__test.sql line 2: %s ' % what), problem
    assert '-- blogops:allow-session-settings: <reason>' in problem
    marked = script(tmp_path, '-- blogops:allow-session-settings: objects owned by blog_owner\n' + text)
    assert marked.allow_session_settings == 'objects owned by blog_owner'


@pytest.mark.parametrize('text', [
    "SET lock_timeout = '60s';\nCREATE INDEX CONCURRENTLY i ON t (x);\n",
    'SET LOCAL statement_timeout = 5000;\n',
    'SET search_path TO blog, public;\n',
    "SELECT 'RESET ALL';\n",
    '-- SET ROLE postgres;\nSELECT 1;\n',
    "UPDATE accounts SET role = 'admin';\n",
    'ALTER ROLE blog_reader SET statement_timeout = 0;\n',
    'ALTER DATABASE blog RESET ALL;\n',
    'CREATE FUNCTION f() RETURNS int LANGUAGE sql SET search_path = pg_catalog AS $$ SELECT 1 $$;\n',
    'SET TIME ZONE UTC;\n',
])
def test_harmless_settings_and_lookalikes_need_no_marker(tmp_path, text):
    assert script(tmp_path, text).allow_session_settings is None


def test_the_marker_needs_a_reason_and_discard_all_is_refused_even_with_it(tmp_path):
    with pytest.raises(ValueError) as error:
        script(tmp_path, '-- blogops:allow-session-settings:\nRESET ALL;\n')
    assert str(error.value) == ('V1__test.sql line 1: -- blogops:allow-session-settings: needs a reason after the '
                                'colon, such as -- blogops:allow-session-settings: objects owned by blog_owner')
    with pytest.raises(MigrationFileError) as error:
        script(tmp_path, '-- blogops:allow-session-settings: cleanup\n-- blogops:transactional=false\nDISCARD ALL;\n')
    assert error.value.problems == [
        'V1__test.sql line 3: DISCARD ALL would also release the migration lock of this run; it is never allowed']


# --- versions ------------------------------------------------------------------------------------

def test_version_digits_are_ascii_and_the_file_is_named(tmp_path):
    problems = problems_of(write(tmp_path, {'V\u0661__arabic_indic.sql': 'SELECT 1;', 'V1.\uff12__fullwidth.sql': 'SELECT 2;',
                                            'V3__ok.sql': 'SELECT 3;'}))
    assert problems == [
        'V1.\uff12__fullwidth.sql: bad migration file name, expected %s' % NAME_FORM,
        'V\u0661__arabic_indic.sql: bad migration file name, expected %s' % NAME_FORM,
    ]


def test_a_long_version_is_refused_naming_the_file_and_the_limit(tmp_path):
    name = 'V%s__long.sql' % ('9' * 200)
    problems = problems_of(write(tmp_path, {name: 'SELECT 1;'}))
    assert problems == ["%s: invalid schema version '%s...' (200 characters): at most %d characters of dotted "
                        "numbers such as 1, 1.1 or 2024.06.01" % (name, '9' * 32, MAX_MIGRATION_VERSION_LENGTH)]


@pytest.mark.parametrize('text', ['1' * 10000, '1.' * 5000 + '1', '\u0661', '1.\uff12', '', '1.', 'v1'])
def test_migration_version_option_is_checked_naming_the_option(text):
    with pytest.raises(InvalidMigrationVersion) as error:
        check_migration_version(text, 'target_version')
    message = str(error.value)
    assert message.startswith('target_version: invalid schema version ')
    assert 'Exceeds' not in message and len(message) < 200
    assert 'dotted numbers such as 1, 1.1 or 2024.06.01' in message


def test_the_longest_migration_version_is_accepted():
    longest = '1' * MAX_MIGRATION_VERSION_LENGTH
    assert check_migration_version(longest) == longest
    assert migration_version_key('2024.06.01') == (2024, 6, 1)
