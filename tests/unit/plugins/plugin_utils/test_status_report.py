# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from ansible_collections.blogops.release.plugins.plugin_utils.status_report import build_report, report_html, report_text


def release(version):
    return dict(current=dict(id='%s-0123abcd' % version, version=version) if version else None)


def test_drift_between_the_live_release_and_the_record_is_marked():
    report = build_report(
        modules={'core': dict(version='1.1.0')},
        schema={'modules': {'core': dict(version='2')}, 'database': None},
        history=[],
        host_releases={'app1': {'core': release('1.1.0')}, 'app2': {'core': release('1.0.0')}, 'app3': {}},
    )
    row = report['modules'][0]
    assert (row['drift'], row['hosts']['app1']['drift'], row['hosts']['app2']['drift']) == (True, False, True)
    assert row['hosts']['app3'] == dict(release=None, version=None, drift=True)
    text = report_text(report)
    assert 'core         1.1.0     2       1.1.0  1.0.0 !  - !' in text
    assert '! the live release differs from the recorded version' in text
    page = report_html(report)
    assert page.count('class="drift"') == 2
    assert 'http' not in page.replace('http-equiv', ''), 'the page must not load anything from elsewhere'


def test_html_escapes_what_it_shows():
    report = build_report({'core': dict(version='1.0.0')}, {}, [dict(
        id=1, module_name='core', from_version=None, to_version='1.0.0', status='failed', started_at=None,
        finished_at=None, actor='<script>x</script>', message='a & b')], {'h': {'core': release('1.0.0')}})
    page = report_html(report)
    assert '<script>x' not in page and '&lt;script&gt;x&lt;/script&gt;' in page and 'a &amp; b' in page


def test_schema_drift_is_shown_per_blog_module():
    drift = dict(drift=True, modules={'core': ['column public.posts.x: added (text)'], 'unattributed': ['table public.t: added']})
    report = build_report({'core': dict(version='1.0.0'), 'comments': dict(version='1.0.0')}, {}, [], {},
                          schema_drift=drift)
    rows = dict((row['module'], row['schema_drift']) for row in report['modules'])
    assert rows == {'comments': [], 'core': ['column public.posts.x: added (text)']}
    text = report_text(report)
    assert '\ncore              column public.posts.x: added (text)\n(no blog module)  table public.t: added' in text
    page = report_html(report)
    assert page.count('<td class="drift"><code>') == 2
    clean = build_report({'core': dict(version='1.0.0')}, {}, [], {}, schema_drift=dict(drift=False, modules={}))
    assert 'schema drift: none' in report_text(clean) and clean['modules'][0]['schema_drift'] == []
    unknown = build_report({'core': dict(version='1.0.0')}, {}, [], {}, schema_drift=dict(drift=None, modules={}))
    assert unknown['schema_drift'] is None and 'schema drift' not in report_text(unknown)
    assert 'not compared' in report_html(unknown)


def test_a_halted_deploy_shows_as_halted_with_its_message():
    report = build_report({'core': dict(version='1.0.0')}, {}, [dict(
        id=2, module_name='core', from_version='1.0.0', to_version='1.1.0', status='halted', started_at=None,
        finished_at=None, actor='ci', message='the rollout halted: the new release is live on h')], {'h': {'core': release('1.1.0')}})
    page = report_html(report)
    assert '<li class="status-halted" data-id="2"><span class="outcome halted">halted</span>' in page
    assert 'li.status-halted::before{' in page and '.halted{' in page
    assert 'the rollout halted: the new release is live on h' in page
    assert '1.0.0 -> 1.1.0  halted' in report_text(report)


def test_lint_findings_of_each_blog_module_in_text_and_html():
    allowed = dict(rule='drop-column', severity='error', script='V3__drop.sql', line=2, message='V3__drop.sql line 2: x',
                   allowed='unused <since> 1.4')
    warning = dict(rule='index-not-concurrent', severity='warning', script='V2__i.sql', line=1,
                   message='V2__i.sql line 1: CREATE INDEX', allowed=None)
    results = [dict(item='comments', findings=[warning, allowed], scripts=['V2__i.sql', 'V3__drop.sql']),
               dict(item='core', failed=True, msg='migration_lint needs the Python package pglast'),
               dict(item='search', skipped=True)]
    report = build_report({'comments': dict(version='1.0.0'), 'core': dict(version='1.0.0'), 'search': {}}, {}, [],
                          {'h': {}}, lint=results, lint_source='/srv/checkout/blog')
    lint = dict((row['module'], row['lint']) for row in report['modules'])
    assert lint['search'] is None and lint['core']['problem'].startswith('migration_lint needs')
    assert lint['comments'] == dict(scripts=['V2__i.sql', 'V3__drop.sql'], errors=[], warnings=[warning['message']],
                                    allowed=[dict(rule='drop-column', script='V3__drop.sql', line=2, severity='error',
                                                  reason='unused <since> 1.4')], problem=None)
    text = report_text(report)
    assert 'migration lint of the pending scripts in /srv/checkout/blog' in text
    assert 'comments: 2 pending scripts, 0 errors, 1 warning, 1 opt-out' in text
    assert '  warning: V2__i.sql line 1: CREATE INDEX' in text
    assert '  allowed drop-column in V3__drop.sql line 2: unused <since> 1.4' in text
    assert 'core: not checked: migration_lint needs' in text
    page = report_html(report)
    assert page.count('data-lint-module="comments"') == 2 and 'unused &lt;since&gt; 1.4' in page
    assert 'class="lint-error"' in page


def test_without_a_source_the_report_has_no_lint():
    report = build_report({'core': dict(version='1.0.0')}, {}, [], {'h': {'core': release('1.0.0')}},
                          lint=[dict(item='core', findings=[], scripts=[])], lint_source=None)
    assert report['lint_source'] is None and report['modules'][0]['lint'] is None
    assert 'migration lint' not in report_text(report)
    assert 'not read: the status playbook checks the pending migrations when given blog_source_root' in report_html(report)


def test_the_last_rehearsal_of_each_blog_module_is_shown():
    from ansible_collections.blogops.release.plugins.module_utils._rehearsal import rehearsal_record
    lock = dict(relation='public.posts', kind='r', mode='AccessExclusiveLock', held_ms=4200, size=5 << 20,
                created=False, blocks_reads=True, blocks_writes=True, statement=1, line=1, observed=True)
    measured = dict(pending=['V4__ids.sql'], duration_ms=4300, violations=['V4__ids.sql statement 1 ... <too long>'],
                    source=dict(kind='backup'), migrations=[dict(
                        script='V4__ids.sql', duration_ms=4300, locks=[lock],
                        statements=[dict(rewrites=['public.posts'])])])
    record = rehearsal_record('comments', measured)
    assert record['outcome'] == 'stopped' and record['migrations'][0]['rewrites'] == ['public.posts']
    report = build_report({'comments': dict(version='1.0.0')}, {}, [], {'h': {'comments': release('1.0.0')}},
                          rehearsals=[record, rehearsal_record('core', dict(pending=[]), failure='no room')])
    assert [r['module'] for r in report['rehearsals']] == ['comments', 'core']
    text = report_text(report)
    assert 'last rehearsals' in text
    assert 'AccessExclusiveLock on public.posts 4200 ms' in text and 'public.posts' in text.split('last rehearsals')[1]
    page = report_html(report)
    assert 'id="rehearsals"' in page and '&lt;too long&gt;' in page and 'no room' in page
    assert 'last rehearsals' not in report_text(build_report({}, {}, [], {}))
