# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""PostgreSQL's reading of migration scripts (pglast, on the controller) as the migrate module uses it: the same
statements, transactionality and refusals as the fallback lexer gives, except where the lexer was wrong."""

import os

import pytest

from ansible_collections.blogops.release.plugins.module_utils._migration_files import (
    MigrationFileError,
    read_script,
    scan_migrations,
)
from ansible_collections.blogops.release.plugins.plugin_utils.migration_reading import read_directory, read_text

CASES = [
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
    "SELECT 'CREATE INDEX CONCURRENTLY i ON t (x)'",
    '-- CREATE INDEX CONCURRENTLY i ON t (x);\nSELECT 1',
    '/* VACUUM; */ SELECT 1',
    'DO $$ BEGIN EXECUTE $x$VACUUM$x$; END $$',
    'CREATE INDEX concurrently_built ON t (x)',
    'CLUSTER t USING i',
    'ALTER TYPE mood ADD ATTRIBUTE value int',
    "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'meh'",
    'COMMIT', 'commit work', 'BEGIN', 'START TRANSACTION', 'END', 'ROLLBACK', 'ABORT', "PREPARE TRANSACTION 'x'",
    'SAVEPOINT a;\nSELECT 1;\nROLLBACK TO SAVEPOINT a;\nRELEASE a',
    'CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END',
    'RESET ALL', 'reset   all', 'SET lock_timeout = 0', "SET LOCAL lock_timeout TO '0'", "set session lock_timeout = '0ms'",
    'SET "lock_timeout" = 0.0', 'SET /* why */ lock_timeout = 0', 'SET lock_timeout TO DEFAULT', 'RESET lock_timeout',
    'SET statement_timeout = 0', 'RESET statement_timeout', 'SET client_connection_check_interval = 0',
    'SET ROLE blog_owner', 'SET LOCAL ROLE blog_owner', "SET role = 'blog_owner'", 'RESET ROLE',
    'SET SESSION AUTHORIZATION blog_owner', 'SET SESSION SESSION AUTHORIZATION DEFAULT', 'RESET SESSION AUTHORIZATION',
    "SET lock_timeout = '60s';\nCREATE INDEX CONCURRENTLY i ON t (x)", 'SET LOCAL statement_timeout = 5000',
    'SET search_path TO blog, public', "SELECT 'RESET ALL'", "UPDATE accounts SET role = 'admin'",
    'ALTER ROLE blog_reader SET statement_timeout = 0', 'ALTER DATABASE blog RESET ALL',
    'CREATE FUNCTION f() RETURNS int LANGUAGE sql SET search_path = pg_catalog AS $$ SELECT 1 $$', 'SET TIME ZONE UTC',
    '-- blogops:allow-session-settings: cleanup\n-- blogops:transactional=false\nDISCARD ALL',
    '-- blogops:transactional=false\nBEGIN;\nSELECT 1;\nCOMMIT',
    "CREATE TABLE t (x text DEFAULT 'a;b');\nINSERT INTO t VALUES (E'\\';'), ($q$;$q$)",
]


def outcome(directory, text, readings):
    name = 'V1__case.sql'
    with open(os.path.join(str(directory), name), 'w') as f:
        f.write('CREATE TABLE t0 (x int);\n%s;\n' % text)
    try:
        found = read_script(os.path.join(str(directory), name), name, {}, readings.get(name))
    except MigrationFileError as e:
        return ('refused', e.problems), None
    return (found.outside_transaction_reason(150000), found.outside_transaction_reason(110000),
            [s.line for s in found.split()]), found.read_by


@pytest.mark.parametrize('text', CASES)
def test_postgresqls_reading_agrees_with_the_lexer(tmp_path, text):
    lexed, by = outcome(tmp_path, text, {})
    assert by in ('lexer', None)
    parsed, by = outcome(tmp_path, text, read_directory(str(tmp_path)))
    assert by in ('pglast', None)
    assert parsed == lexed


def test_where_the_lexer_guessed_wrong_postgresqls_reading_decides(tmp_path):
    # An index named system: the lexer took the leading words for REINDEX SYSTEM, which cannot run in a transaction.
    text = 'REINDEX INDEX system'
    assert outcome(tmp_path, text, {})[0][0] == 'REINDEX DATABASE or SYSTEM at line 2'
    assert outcome(tmp_path, text, read_directory(str(tmp_path)))[0][0] is None


def test_statements_are_sent_as_postgresql_splits_them(tmp_path):
    text = ('-- blogops:transactional=false\nCREATE TABLE t (body text DEFAULT $b$;$b$);\n/* a /* nested */ comment */\n'
            'CREATE INDEX CONCURRENTLY t_body ON t (body);\nSELECT 1')
    with open(str(tmp_path / 'V1__t.sql'), 'w') as f:
        f.write(text)
    scripts = scan_migrations(str(tmp_path), readings=read_directory(str(tmp_path)))
    script = scripts.ordered_migrations()[0]
    assert script.read_by == 'pglast'
    assert [(s.line, s.text) for s in script.split()] == [
        (2, 'CREATE TABLE t (body text DEFAULT $b$;$b$)'), (4, 'CREATE INDEX CONCURRENTLY t_body ON t (body)'),
        (5, 'SELECT 1')]


def test_what_the_parser_rejects_is_left_to_the_lexer_and_a_stale_reading_is_ignored(tmp_path):
    with open(str(tmp_path / 'V1__psql.sql'), 'w') as f:
        f.write('SELECT 1;\n\\connect other\n')
    with open(str(tmp_path / 'V2__ok.sql'), 'w') as f:
        f.write('SELECT 2;\n')
    readings = read_directory(str(tmp_path))
    assert sorted(readings) == ['V2__ok.sql']
    stale = dict(readings, **{'V2__ok.sql': read_text('SELECT 3;\n')})
    with pytest.raises(MigrationFileError) as error:
        scan_migrations(str(tmp_path), readings=stale)
    assert error.value.problems[0].startswith('V1__psql.sql line 2: psql meta-command \\connect is not SQL')


def test_placeholders_are_substituted_before_reading(tmp_path):
    with open(str(tmp_path / 'V1__p.sql'), 'w') as f:
        f.write('CREATE INDEX ${how} i ON t (x);\n')
    assert read_directory(str(tmp_path), {}) == {}
    readings = read_directory(str(tmp_path), {'how': 'CONCURRENTLY'})
    script = scan_migrations(str(tmp_path), {'how': 'CONCURRENTLY'}, readings).ordered_migrations()[0]
    assert (script.read_by, script.outside_transaction_reason()) == ('pglast', 'CREATE INDEX CONCURRENTLY at line 1')
