# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The migration lint on a labelled fixture, with the catalog given as data: every label must be met."""

import os

import pytest
import yaml

from ansible_collections.blogops.release.plugins.plugin_utils.migration_lint import (
    RULES,
    blocking,
    lint_scripts,
    parse_script,
    rewrites,
    summarize,
)

FIXTURE = os.path.join(os.path.dirname(__file__), 'data', 'migration_lint_fixture.yml')
with open(FIXTURE) as f:
    DATA = yaml.safe_load(f)


def labels(findings):
    return sorted('%s %s' % (f['rule'], 'allowed' if f['allowed'] else f['severity']) for f in findings)


def test_the_fixture_is_big_enough_and_covers_every_rule():
    statements = sum(len(parse_script(case['sql'])) for case in DATA['cases'] if 'syntax' not in str(case['expect']))
    assert statements >= 60
    fired = set(label.split()[0] for case in DATA['cases'] for label in case['expect'])
    assert fired == set(RULES)


@pytest.mark.parametrize('case', DATA['cases'], ids=lambda case: case['sql'].splitlines()[-1][:60])
def test_labelled_case(case):
    findings = lint_scripts([('V2__case.sql', case['sql'])], DATA['catalog'])
    assert labels(findings) == sorted(case['expect'])
    for finding in findings:
        assert finding['message'].startswith('V2__case.sql line %s' % finding['line'])
        assert finding['fix'] in finding['message']


def test_message_names_file_line_statement_table_size_and_fix():
    sql = 'SELECT 1;\n\n-- the index\nCREATE INDEX posts_title ON posts (title);\n'
    [finding] = lint_scripts([('V1.2__title.sql', sql)], DATA['catalog'])
    assert finding['line'] == 4
    assert finding['message'] == (
        'V1.2__title.sql line 4: CREATE INDEX posts_title ON posts (title): builds an index without CONCURRENTLY, '
        'blocking writes to the table for the whole build on posts (5,000,000 rows, 3072 MiB); instead: CREATE INDEX '
        'CONCURRENTLY, alone in a script of its own (it runs outside a transaction)')


def test_a_table_created_by_an_earlier_script_of_the_run_is_new():
    scripts = [('V1__t.sql', 'CREATE TABLE t (id int);'), ('V2__i.sql', 'CREATE INDEX t_id ON t (id);')]
    assert lint_scripts(scripts, {}) == []


def test_lines_count_characters_not_bytes():
    sql = '/* ééé */ SELECT 1;\n-- ü\nDROP TABLE tags;'
    [finding] = lint_scripts([('V1__x.sql', sql)], DATA['catalog'])
    assert finding['line'] == 3 and finding['statement'] == 'DROP TABLE tags'


def test_the_size_thresholds_decide_the_severity():
    sql = 'CREATE INDEX tags_name ON tags (name);'
    assert labels(lint_scripts([('V1__x.sql', sql)], DATA['catalog'])) == ['index-not-concurrent warning']
    assert labels(lint_scripts([('V1__x.sql', sql)], DATA['catalog'], big_table_rows=40)) == ['index-not-concurrent error']
    assert labels(lint_scripts([('V1__x.sql', sql)], DATA['catalog'], big_table_bytes=16384)) == ['index-not-concurrent error']


def test_blocking_follows_fail_on_and_opt_outs():
    sql = '-- blogops:allow drop-column: gone since 1.4\nALTER TABLE posts DROP COLUMN slug;\nCREATE INDEX t ON tags (name);'
    findings = lint_scripts([('V1__x.sql', sql)], DATA['catalog'])
    assert [f['rule'] for f in blocking(findings, 'error')] == []
    assert [f['rule'] for f in blocking(findings, 'warning')] == ['index-not-concurrent']
    assert blocking(findings, 'never') == []
    assert findings[0]['allowed'] == 'gone since 1.4'


@pytest.mark.parametrize('old, new, expected', [
    ('character varying(200)', ('varchar', (500,), ''), False),
    ('character varying(200)', ('varchar', (100,), ''), True),
    ('character varying', ('varchar', (100,), ''), True),
    ('text', ('varchar', (), ''), False),
    ('numeric(10,2)', ('numeric', (12, 2), ''), False),
    ('numeric(10,2)', ('numeric', (12, 3), ''), True),
    ('numeric', ('numeric', (12, 2), ''), True),
    ('integer', ('int8', (), ''), True),
    ('integer', ('int4', (), ''), False),
    ('text[]', ('text', (), ''), True),
    ('character varying(20)[]', ('varchar', (30,), '[]'), False),
])
def test_rewrites(old, new, expected):
    assert rewrites(old, new) is expected


def test_summarize_splits_errors_warnings_and_opt_outs_with_their_reasons():
    sql = ('-- blogops:allow drop-column: unused since 1.4\nALTER TABLE posts DROP COLUMN slug;\n'
           'CREATE INDEX tags_name ON tags (name);\nCREATE INDEX posts_title ON posts (title);\n')
    findings = lint_scripts([('V3__x.sql', sql)], DATA['catalog'])
    summary = summarize(findings)
    assert [m.split(':')[0] for m in summary['errors']] == ['V3__x.sql line 4']
    assert [m.split(':')[0] for m in summary['warnings']] == ['V3__x.sql line 3']
    assert summary['allowed'] == [dict(rule='drop-column', script='V3__x.sql', line=2, severity='error',
                                       reason='unused since 1.4')]
    assert summarize(findings, 'never')['errors'] == [] and len(summarize(findings, 'never')['warnings']) == 2


def test_a_symlinked_script_is_refused_unread(tmp_path):
    from ansible.errors import AnsibleActionFail
    from ansible_collections.blogops.release.plugins.action.migration_lint import read_scripts

    secret = tmp_path / 'secret.txt'
    secret.write_text('root:x:0:0\n')
    migrations = tmp_path / 'migrations'
    migrations.mkdir()
    (migrations / 'V1__ok.sql').write_text('SELECT 1;\n')
    os.symlink(str(secret), str(migrations / 'V2__elsewhere.sql'))
    with pytest.raises(AnsibleActionFail) as error:
        read_scripts(str(migrations), {})
    assert 'V2__elsewhere.sql: a symlink; a migration must be a file of the blog module itself' in str(error.value)
    assert 'root:x' not in str(error.value)
