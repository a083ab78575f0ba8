# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""blogops.release.schema_version and schema_version_info against a real PostgreSQL."""

SUM_A = 'a' * 64
SUM_B = 'b' * 64

RECORD = '''
- name: Record {{ item_version }}
  blogops.release.schema_version:
    module_name: "{{ item_module | default('comments') }}"
    version: "{{ item_version }}"
    description: "{{ item_description | default('step') }}"
    kind: "{{ item_kind | default('migrate') }}"
    checksum: "{{ item_checksum | default(omit) }}"
    script: "V{{ item_version }}__step.sql"
'''


def record(ansible, version, check=False, **options):
    extra = dict(item_version=version)
    extra.update(('item_' + k, v) for k, v in options.items())
    return ansible.play(RECORD, extra_vars=extra, check=check, diff=True)


def schema_rows(blog_db):
    return blog_db.query('SELECT module_name, version, kind, checksum, success, description FROM schema_version ORDER BY id')


def test_same_version_and_checksum_twice_changes_nothing(ansible, blog_db):
    first = record(ansible, '1', checksum=SUM_A)
    assert first.ok, first
    result = first.result('Record 1')
    assert result['changed'] is True
    assert result['row']['version'] == '1'
    assert result['row']['checksum'] == SUM_A
    assert result['schema_version_before'] is None
    assert result['schema_version_after'] == '1'
    assert result['diff'] == dict(before=dict(schema_version=None), after=dict(schema_version='1'))

    second = record(ansible, '1', checksum=SUM_A)
    assert second.ok, second
    assert second.result('Record 1')['changed'] is False
    assert 'row' not in second.result('Record 1')
    assert len(schema_rows(blog_db)) == 1


def test_changed_checksum_of_an_applied_version_is_refused_until_repair(ansible, blog_db):
    assert record(ansible, '1.1', checksum=SUM_A).ok
    refused = record(ansible, '1.1', checksum=SUM_B)
    assert not refused.ok
    msg = refused.result('Record 1.1')['msg']
    assert SUM_A in msg and SUM_B in msg and 'repair' in msg
    assert len(schema_rows(blog_db)) == 1

    repaired = record(ansible, '1.1', checksum=SUM_B, kind='repair')
    assert repaired.ok, repaired
    assert record(ansible, '1.1', checksum=SUM_B).result('Record 1.1')['changed'] is False
    assert [r['kind'] for r in schema_rows(blog_db)] == ['migrate', 'repair']


def test_versions_compare_numerically_and_undo_goes_back(ansible, blog_db):
    for version in ('1', '1.2', '1.10', '1.9'):
        assert record(ansible, version, checksum=SUM_A).ok
    info = '''
    - name: Read schema versions
      blogops.release.schema_version_info:
        history: true
    '''
    run = ansible.play(info)
    assert run.ok, run
    result = run.result('Read schema versions')
    assert result['modules']['comments']['version'] == '1.10'
    assert result['database']['version'] == '1.9'
    assert [row['version'] for row in result['history']] == ['1.9', '1.10', '1.2', '1']

    undo = record(ansible, '1.10', checksum=SUM_B, kind='undo')
    assert undo.ok, undo
    assert undo.result('Record 1.10')['schema_version_before'] == '1.10'
    assert undo.result('Record 1.10')['schema_version_after'] == '1.9'
    assert ansible.play(info).result('Read schema versions')['modules']['comments']['version'] == '1.9'


def test_check_mode_predicts_and_writes_nothing(ansible, blog_db):
    assert record(ansible, '1', checksum=SUM_A).ok
    run = record(ansible, '2', checksum=SUM_A, check=True)
    assert run.ok, run
    result = run.result('Record 2')
    assert result['changed'] is True
    assert result['schema_version_after'] == '2'
    assert 'row' not in result
    assert [r['version'] for r in schema_rows(blog_db)] == ['1']


def test_per_module_and_whole_database_versions(ansible, blog_db):
    assert record(ansible, '3', module='core', checksum=SUM_A).ok
    assert record(ansible, '1', module='comments', checksum=SUM_A).ok
    assert record(ansible, '2', module='core', kind='baseline').ok
    run = ansible.play('''
    - name: Read core
      blogops.release.schema_version_info:
        module_name: core
        history: true
    - name: Read all
      blogops.release.schema_version_info:
    ''')
    assert run.ok, run
    core = run.result('Read core')
    assert list(core['modules']) == ['core']
    assert core['modules']['core']['version'] == '3'
    assert [r['kind'] for r in core['history']] == ['baseline', 'migrate']
    everything = run.result('Read all')
    assert {k: v['version'] for k, v in everything['modules'].items()} == {'core': '3', 'comments': '1'}
    assert (everything['database']['module_name'], everything['database']['version']) == ('core', '2')


def test_undo_of_a_version_never_applied_is_refused(ansible, blog_db):
    run = record(ansible, '4', kind='undo', checksum=SUM_A)
    assert not run.ok
    assert "schema version 4 of blog module 'comments' is not applied" in run.result('Record 4')['msg']
    assert not blog_db.table_exists('schema_version'), 'the refused run must roll back the tables it created'


def test_sql_metacharacters_in_text_are_stored_verbatim(ansible, blog_db):
    nasty = "add index'); DROP TABLE schema_version; -- \\ $$ %s %(x)s"
    run = record(ansible, '1', checksum=SUM_A, description=nasty)
    assert run.ok, run
    assert schema_rows(blog_db)[0]['description'] == nasty


def test_bad_input_fails_naming_it(ansible, blog_db):
    bad_version = record(ansible, '1.a', checksum=SUM_A)
    assert not bad_version.ok
    assert "invalid schema version '1.a'" in bad_version.result('Record 1.a')['msg']
    bad_checksum = record(ansible, '1', checksum='xyz')
    assert not bad_checksum.ok
    assert "invalid checksum 'xyz'" in bad_checksum.result('Record 1')['msg']
    assert not blog_db.table_exists('schema_version')


def test_info_without_tables_is_empty(ansible, blog_db):
    run = ansible.play('''
    - name: Read all
      blogops.release.schema_version_info:
        history: true
    ''')
    assert run.ok, run
    result = run.result('Read all')
    assert (result['modules'], result['database'], result['history']) == ({}, None, [])
    assert not blog_db.table_exists('schema_version')
