# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""blogops.release.migration_lint against a real PostgreSQL: the catalog it reads, a big table's error against a
small one's warning, pending scripts only, and preflight refusing a migration with its finding, changing nothing."""

from migration_tasks import migrate, tasks, write


def lint(ansible, **options):
    options.setdefault('module_name', 'comments')
    run = ansible.play(tasks({'name': 'Lint', 'blogops.release.migration_lint': options, 'ignore_errors': True}))
    return run, run.result('Lint')


def test_catalog_decides_severity_and_only_pending_scripts_count(ansible, blog_db, tmp_path):
    path = write(tmp_path / 'migrations', {
        'V1__tables.sql': 'CREATE TABLE big (id int, title varchar(20));\nCREATE TABLE small (id int);\n'
                          "INSERT INTO big SELECT g, 'x' FROM generate_series(1, 3000) g;\nANALYZE big;\n",
    })
    run, result = migrate(ansible, path=path)
    assert run.ok, run
    write(tmp_path / 'migrations', {
        'V2__indexes.sql': '-- two indexes\nCREATE INDEX big_id ON big (id);\nCREATE INDEX small_id ON small (id);\n'
                           'ALTER TABLE big ALTER COLUMN title TYPE varchar(200);\n'
                           'ALTER TABLE big ALTER COLUMN id TYPE bigint;\n',
    })

    # migrate reads the scripts with the same parser on the controller and ships its reading to the module.
    run, result = migrate(ansible, src=path, state='validate')
    assert [(p['script'], p['read_by'], p['in_transaction']) for p in result['pending']] == [
        ('V2__indexes.sql', 'pglast', True)]

    run, result = lint(ansible, src=path, big_table_rows=1000)
    assert result['_status'] == 'failed'
    assert result['scripts'] == ['V2__indexes.sql']
    assert result['catalog']['big']['rows'] == 3000
    assert result['catalog']['big']['columns'] == {'id': 'integer', 'title': 'character varying(20)'}
    assert 'small' in result['catalog']
    found = [(f['rule'], f['severity'], f['line'], f['table']) for f in result['findings']]
    assert found == [('index-not-concurrent', 'error', 2, 'big'), ('index-not-concurrent', 'warning', 3, 'small'),
                     ('column-type-rewrite', 'error', 5, 'big')]
    assert 'migration lint found 2 problem(s)' in result['msg']
    assert 'V2__indexes.sql line 2: CREATE INDEX big_id ON big (id)' in result['msg']
    assert 'big (3,000 rows' in result['msg']
    assert result['warnings_found'] == [result['findings'][1]['message']]

    run, result = lint(ansible, src=path)
    assert result['_status'] == 'ok'
    assert [f['severity'] for f in result['findings']] == ['warning', 'warning', 'warning']

    run, result = lint(ansible, src=path, scripts='all', fail_on='never')
    assert result['_status'] == 'ok'
    assert result['scripts'] == ['V1__tables.sql', 'V2__indexes.sql']
    # V1 creates both tables: its own statements on them are not findings.
    assert all(f['script'] == 'V2__indexes.sql' for f in result['findings'])
    assert not blog_db.query("SELECT 1 FROM pg_indexes WHERE indexname IN ('big_id', 'small_id')")


def test_preflight_refuses_a_migration_with_its_finding_and_changes_nothing(deployed):
    deployed.overlay('comments-1.1.0')
    deployed.write('comments', {'migrations/V1.3__drop_author.sql': 'ALTER TABLE comments DROP COLUMN body;\n'})
    before = deployed.state()
    run = deployed.deploy('comments', '1.1.0')
    assert not run.ok
    message = [r['result'].get('msg', '') for r in run.failed_results() if 'deploy of' in r['result'].get('msg', '')][-1]
    assert 'failed at preflight' in message
    assert 'lint: V1.3__drop_author.sql line 1: ALTER TABLE comments DROP COLUMN body' in message
    assert 'stop using the column in one release' in message
    assert deployed.state() == before
    # The AWX summary carries the refusal's finding, and the opt-out of the sample's V1.2 with its reason.
    lint = run.stats['blogops_release']['lint']
    assert [m.split(':')[0] for m in lint['errors']] == ['V1.3__drop_author.sql line 1']
    assert [(a['rule'], a['script']) for a in lint['allowed']] == [('index-not-concurrent', 'V1.2__index_comments_by_post.sql')]
    assert lint['allowed'][0]['reason'].startswith("the sample's comments table holds a few rows")

    run = deployed.deploy('comments', '1.1.0', blog_lint=False)
    assert run.ok, run
    assert run.stats['blogops_release']['lint'] is None
