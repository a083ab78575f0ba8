# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""blogops.release.module_version and module_version_info against a real PostgreSQL."""

import concurrent.futures

RECORD_CORE = '''
- name: Record core
  blogops.release.module_version:
    module_name: core
    version: "{{ core_version | default('2.1.0') }}"
    schema_version: "3"
    checksum: "{{ core_checksum | default('sha256:aaaa') }}"
'''

RECORD_COMMENTS = '''
- name: Record comments
  blogops.release.module_version:
    module_name: comments
    version: 1.4.0
    schema_version: "1.1"
    dependencies:
      core: ">=2.1,<3"
'''


def history(blog_db, module_name):
    return blog_db.query('SELECT from_version, to_version, status, message FROM module_version_history '
                         'WHERE module_name = %s ORDER BY id', (module_name,))


def test_record_twice_changes_once_and_writes_one_history_row(ansible, blog_db):
    first = ansible.play(RECORD_COMMENTS)
    assert first.ok, first
    result = first.result('Record comments')
    assert result['changed'] is True
    assert result['module']['version'] == '1.4.0'
    assert result['module']['dependencies'] == {'core': '>=2.1,<3'}
    assert isinstance(result['history_id'], int)

    second = ansible.play(RECORD_COMMENTS)
    assert second.ok, second
    assert second.result('Record comments')['changed'] is False
    assert 'history_id' not in second.result('Record comments')

    rows = blog_db.query('SELECT module_name, version, schema_version, dependencies, checksum FROM module_version')
    assert rows == [dict(module_name='comments', version='1.4.0', schema_version='1.1',
                         dependencies={'core': '>=2.1,<3'}, checksum=None)]
    assert history(blog_db, 'comments') == [dict(from_version=None, to_version='1.4.0', status='deployed',
                                                 message='recorded by blogops.release.module_version')]


def test_history_has_one_row_per_version_change_only(ansible, blog_db):
    for version, checksum in (('2.1.0', 'sha256:aaaa'), ('2.1.0', 'sha256:bbbb'), ('2.2.0', 'sha256:bbbb'),
                              ('2.2.0', 'sha256:bbbb')):
        run = ansible.play(RECORD_CORE, extra_vars=dict(core_version=version, core_checksum=checksum))
        assert run.ok, run
    assert [(h['from_version'], h['to_version']) for h in history(blog_db, 'core')] == [
        (None, '2.1.0'), ('2.1.0', '2.2.0')]
    assert blog_db.query('SELECT version, checksum FROM module_version') == [
        dict(version='2.2.0', checksum='sha256:bbbb')]


def test_check_mode_on_a_new_database_predicts_and_creates_nothing(ansible, blog_db):
    run = ansible.play(RECORD_COMMENTS, check=True, diff=True)
    assert run.ok, run
    result = run.result('Record comments')
    assert result['changed'] is True
    assert result['diff']['before'] == {}
    assert result['diff']['after']['version'] == '1.4.0'
    assert not blog_db.table_exists('module_version')
    assert not blog_db.table_exists('schema_version')


def test_check_mode_changes_no_row(ansible, blog_db):
    assert ansible.play(RECORD_CORE).ok
    before = blog_db.rows('module_version')
    run = ansible.play(RECORD_CORE, check=True, diff=True, extra_vars=dict(core_version='2.5.0'))
    assert run.ok, run
    result = run.result('Record core')
    assert result['changed'] is True
    assert result['diff']['before']['version'] == '2.1.0'
    assert result['diff']['after']['version'] == '2.5.0'
    assert result['module']['version'] == '2.1.0'
    assert blog_db.rows('module_version') == before
    assert len(history(blog_db, 'core')) == 1


def test_absent_removes_the_row_and_says_so_in_history(ansible, blog_db):
    assert ansible.play([RECORD_CORE, RECORD_COMMENTS]).ok
    remove = '''
    - name: Remove comments
      blogops.release.module_version:
        module_name: comments
        state: absent
    '''
    first = ansible.play(remove)
    assert first.ok, first
    assert first.result('Remove comments')['changed'] is True
    assert 'module' not in first.result('Remove comments')
    second = ansible.play(remove)
    assert second.result('Remove comments')['changed'] is False
    assert [r['module_name'] for r in blog_db.rows('module_version')] == ['core']
    assert history(blog_db, 'comments')[-1] == dict(from_version='1.4.0', to_version=None, status='deployed',
                                                    message='removed by blogops.release.module_version')


def test_info_returns_one_module_or_all_with_history_on_request(ansible, blog_db):
    run = ansible.play([RECORD_CORE, RECORD_COMMENTS, '''
    - name: Read all
      blogops.release.module_version_info:
    - name: Read comments with history
      blogops.release.module_version_info:
        module_name: comments
        history: true
    '''])
    assert run.ok, run
    everything = run.result('Read all')
    assert everything['changed'] is False
    assert sorted(everything['modules']) == ['comments', 'core']
    assert 'history' not in everything
    assert everything['modules']['core']['schema_version'] == '3'
    assert everything['modules']['core']['updated_by'] == 'postgres'
    comments = run.result('Read comments with history')
    assert list(comments['modules']) == ['comments']
    assert [(h['module_name'], h['to_version'], h['status']) for h in comments['history']] == [
        ('comments', '1.4.0', 'deployed')]


def test_info_on_a_database_without_tracking_tables_is_empty_and_creates_nothing(ansible, blog_db):
    run = ansible.play('''
    - name: Read all
      blogops.release.module_version_info:
        history: true
    ''')
    assert run.ok, run
    assert run.result('Read all')['modules'] == {}
    assert run.result('Read all')['history'] == []
    assert not blog_db.table_exists('module_version')


def test_test_plugin_checks_registered_versions(ansible):
    run = ansible.play([RECORD_CORE, RECORD_COMMENTS, '''
    - name: Read all
      blogops.release.module_version_info:
      register: versions
    - name: Check the dependency of comments on core
      ansible.builtin.assert:
        that:
          - versions.modules.core.version is blogops.release.version_satisfies(versions.modules.comments.dependencies.core)
          - versions.modules.core.version is not blogops.release.version_satisfies('^3')
    '''])
    assert run.ok, run
    assert run.result('Check the dependency of comments on core')['_status'] == 'ok'


def test_custom_tracking_schema_with_mixed_case_is_quoted(ansible, blog_db):
    run = ansible.play('''
    - name: Record into another schema
      blogops.release.module_version:
        module_name: core
        version: 1.0.0
        release_tracking_schema: Release_Tracking
    - name: Read from it
      blogops.release.module_version_info:
        release_tracking_schema: Release_Tracking
    ''')
    assert run.ok, run
    assert blog_db.query('SELECT version FROM "Release_Tracking".module_version') == [dict(version='1.0.0')]
    assert not blog_db.table_exists('module_version')
    assert run.result('Read from it')['modules']['core']['version'] == '1.0.0'


def test_concurrent_first_runs_all_succeed_and_create_the_tables_once(ansible, blog_db):
    tasks = '''
    - name: Record {{ name }}
      blogops.release.module_version:
        module_name: "{{ name }}"
        version: 1.0.0
    '''
    names = ['alpha', 'beta', 'gamma', 'delta']
    with concurrent.futures.ThreadPoolExecutor(len(names)) as pool:
        runs = list(pool.map(lambda n: ansible.play(tasks, extra_vars=dict(name=n)), names))
    assert all(run.ok for run in runs), [r for r in runs if not r.ok]
    assert sorted(r['module_name'] for r in blog_db.rows('module_version')) == sorted(names)
    assert blog_db.query("SELECT count(*) AS n FROM pg_class WHERE relname = 'module_version'") == [dict(n=1)]


def assert_nothing_written(blog_db):
    assert not blog_db.table_exists('module_version')
    assert not blog_db.table_exists('module_version_history')


def test_invalid_version_fails_naming_it_and_touches_nothing(ansible, blog_db):
    run = ansible.play('''
    - name: Record a bad version
      blogops.release.module_version:
        module_name: core
        version: "1.4"
    ''')
    assert not run.ok
    assert "invalid version '1.4'" in run.result('Record a bad version')['msg']
    assert_nothing_written(blog_db)


def test_invalid_blog_module_name_fails_and_touches_nothing(ansible, blog_db):
    run = ansible.play('''
    - name: Record a bad name
      blogops.release.module_version:
        module_name: "core'; DROP TABLE module_version; --"
        version: 1.0.0
    ''')
    assert not run.ok
    msg = run.result('Record a bad name')['msg']
    assert "invalid blog module name \"core'; DROP TABLE module_version; --\"" in msg
    assert '^[a-z][a-z0-9_]{0,62}$' in msg
    assert_nothing_written(blog_db)


def test_invalid_dependency_range_fails_naming_it(ansible, blog_db):
    assert ansible.play(RECORD_CORE).ok
    before = blog_db.rows('module_version')
    run = ansible.play('''
    - name: Record bad dependencies
      blogops.release.module_version:
        module_name: comments
        version: 1.0.0
        dependencies:
          core: ">=3,<2"
    ''')
    assert not run.ok
    assert "no version satisfies range '>=3,<2'" in run.result('Record bad dependencies')['msg']
    assert blog_db.rows('module_version') == before


def test_wrong_password_names_host_port_database_and_never_the_password(ansible, blog_db, pg_server):
    secret = 'Wr0ng-pa55word-that-must-not-leak'
    run = ansible.play(RECORD_CORE, extra_vars=dict(blog_db_password=secret), args=['-vvv'])
    assert not run.ok
    msg = run.result('Record core')['msg']
    assert "database '%s'" % blog_db.name in msg
    assert '127.0.0.1 port %d' % pg_server.port in msg
    assert 'password authentication failed' in msg
    assert secret not in run.output
    assert secret not in repr(run.results)
    assert_nothing_written(blog_db)


def test_unreachable_server_names_where_it_tried(ansible, blog_db):
    run = ansible.play(RECORD_CORE, extra_vars=dict(blog_db_port=1))
    assert not run.ok
    msg = run.result('Record core')['msg']
    assert "cannot connect to PostgreSQL database '%s' on 127.0.0.1 port 1" % blog_db.name in msg


# The tracking tables as an earlier release created them: no run columns, and a status check without halted.
EARLIER_TABLES = '''
CREATE TABLE module_version (module_name text PRIMARY KEY, version text NOT NULL, schema_version text,
    dependencies jsonb NOT NULL DEFAULT '{}'::jsonb, checksum text, updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by text NOT NULL DEFAULT current_user);
CREATE TABLE module_version_history (id bigserial PRIMARY KEY, module_name text NOT NULL, from_version text,
    to_version text, status text NOT NULL CHECK (status IN ('deploying', 'deployed', 'failed', 'rolled_back')),
    backup text, started_at timestamptz NOT NULL DEFAULT now(), finished_at timestamptz,
    actor text NOT NULL DEFAULT current_user, message text);
CREATE UNIQUE INDEX module_version_history_one_deploying ON module_version_history (module_name)
    WHERE status = 'deploying';
CREATE TABLE schema_version (id bigserial PRIMARY KEY, module_name text NOT NULL, version text NOT NULL,
    description text NOT NULL DEFAULT '', script text, checksum text, kind text NOT NULL DEFAULT 'migrate',
    applied_by text NOT NULL DEFAULT current_user, applied_at timestamptz NOT NULL DEFAULT now(),
    execution_ms integer NOT NULL DEFAULT 0, success boolean NOT NULL DEFAULT true);
INSERT INTO module_version_history (module_name, from_version, to_version, status, message) VALUES
    ('comments', '1.0.0', '1.1.0', 'failed', 'deploy of comments 1.1.0 failed at verify on web2: 503; the rollout halted: '
     'the new release is live on web1'),
    ('comments', '1.0.0', '1.1.0', 'failed', 'deploy of comments 1.1.0 failed at backup on web1: disk full');
'''

HALT_A_DEPLOY = '''
- name: Open a deploy
  blogops.release.deployment:
    module_name: comments
    to_version: 1.2.0
  register: opened

- name: Close it as halted
  blogops.release.deployment:
    module_name: comments
    history_id: "{{ opened.deployment.id }}"
    status: halted
    note: the rollout halted on web1
    state: finished

- name: Read the history
  blogops.release.module_version_info:
    module_name: comments
    history: true
'''


def test_an_earlier_releases_history_takes_halted_and_reads_its_halted_rows_so(ansible, blog_db):
    blog_db.execute(EARLIER_TABLES)
    run = ansible.play(HALT_A_DEPLOY)
    assert run.ok, run
    assert run.result('Close it as halted')['deployment']['status'] == 'halted'
    assert [h['status'] for h in run.result('Read the history')['history']] == ['halted', 'failed', 'halted']
    # Upgraded in place: the rows stay as stored, one status check, accepting halted.
    assert [h['status'] for h in history(blog_db, 'comments')] == ['failed', 'failed', 'halted']
    checks = blog_db.query("SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint "
                           "WHERE conrelid = 'module_version_history'::regclass AND contype = 'c'")
    assert len(checks) == 1 and "'halted'" in checks[0]['def'] and "'rolled_back'" in checks[0]['def'], checks
