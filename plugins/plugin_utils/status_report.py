# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The version matrix of blog modules x hosts, with schema versions and the last deploys, as data,
as plain text and as a self-contained HTML page (no external assets)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import html

from ansible_collections.blogops.release.plugins.plugin_utils.migration_lint import summarize


def lint_rows(results):
    """{blog module: what the report shows of its lint} from the migration_lint loop results of the status playbook:
    the scripts checked, the errors and warnings (messages), the opt-outs with their reasons, or the ``problem`` that
    kept the lint from running. Skipped items (no migrations directory in the source) are left out."""
    rows = {}
    for result in results or ():
        if result.get('skipped') or result.get('item') is None:
            continue
        if result.get('failed') and 'findings' not in result:
            rows[result['item']] = dict(scripts=[], errors=[], warnings=[], allowed=[], problem=result.get('msg'))
            continue
        row = summarize(result.get('findings') or [])
        rows[result['item']] = dict(row, scripts=result.get('scripts') or [], problem=None)
    return rows


def build_report(modules, schema, history, host_releases, generated_at=None, backups=None, rehearsals=None, lint=None,
                 lint_source=None, schema_drift=None):
    """Assemble the report from what the info modules and ``release state=query`` returned.

    ``modules``: module_version rows by name; ``schema``: schema_version_info's ``modules`` and
    ``database`` (and ``history``, newest first); ``history``: module_version_history rows, newest
    first; ``host_releases``: {host: {blog module: release query result}}; ``backups``: the
    ``backups`` that backup_info returned (with ``state`` when verified), or None; ``rehearsals``: the last
    rehearsal of each blog module as the rehearse module keeps it (rehearsal_record), or None;
    ``lint``: the results of migration_lint run on each blog module's migrations in the source ``lint_source`` (see
    ``lint_rows``), or None when no source was given; ``schema_drift``: what schema_drift_info returned, or None when
    not read.
    """
    linted = lint_rows(lint) if lint_source else {}
    drift = _schema_drift(schema_drift)
    hosts = sorted(host_releases)
    names = sorted(set(modules) | set(m for releases in host_releases.values() for m in releases))
    rows = []
    for name in names:
        recorded = modules.get(name) or {}
        cells = {}
        for host in hosts:
            query = host_releases[host].get(name) or {}
            current = query.get('current') or {}
            version = current.get('version')
            cells[host] = dict(release=current.get('id'), version=version,
                               drift=bool(recorded) and version != recorded.get('version'))
        deploys = [h for h in history if h['module_name'] == name]
        rows.append(dict(
            module=name,
            version=recorded.get('version'),
            schema_version=(schema.get('modules', {}).get(name) or {}).get('version'),
            checksum=recorded.get('checksum'),
            updated_at=recorded.get('updated_at'),
            hosts=cells,
            drift=any(cell['drift'] for cell in cells.values()),
            last_deploy=deploys[0] if deploys else None,
            schema_drift=drift and drift['modules'].get(name, []),
            lint=linted.get(name),
        ))
    newest = schema.get('database') or {}
    return dict(
        generated_at=generated_at,
        hosts=hosts,
        modules=rows,
        database_schema=dict(module=newest.get('module_name'), version=newest.get('version'),
                             applied_at=newest.get('applied_at')) if newest else None,
        history=history,
        schema_history=schema.get('history') or [],
        backups=backups,
        rehearsals=sorted(rehearsals or [], key=lambda r: r['module']),
        schema_drift=drift,
        lint_source=lint_source or None,
    )


def _schema_drift(result):
    """None when not read or nothing to compare with (no snapshot yet), else ``modules`` (each blog module's
    differences) and ``unattributed``."""
    if not result or result.get('drift') is None:
        return None
    modules = dict(result.get('modules') or {})
    return dict(modules=modules, unattributed=modules.pop('unattributed', []))


def _drift_lines(report):
    """(who, message) for each schema difference, by blog module."""
    drift = report.get('schema_drift')
    if not drift:
        return []
    lines = [(row['module'], message) for row in report['modules'] for message in row['schema_drift'] or []]
    lines += [(name, message) for name, messages in sorted(drift['modules'].items())
              if name not in [row['module'] for row in report['modules']] for message in messages]
    return lines + [('(no blog module)', message) for message in drift['unattributed']]


def _table(header, lines):
    widths = [max(len(str(row[i])) for row in [header] + lines) for i in range(len(header))]

    def render(row):
        return '  '.join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip()

    return '\n'.join([render(header), render(['-' * w for w in widths])] + [render(line) for line in lines])


def report_text(report):
    """The report as plain text: the matrix (drift marked with !), then the last deploys."""
    header = ['blog module', 'recorded', 'schema'] + report['hosts']
    lines = []
    for row in report['modules']:
        cells = []
        for host in report['hosts']:
            cell = row['hosts'][host]
            cells.append((cell['version'] or '-') + (' !' if cell['drift'] else ''))
        lines.append([row['module'], row['version'] or '-', row['schema_version'] or '-'] + cells)
    text = _table(header, lines)
    if any(row['drift'] for row in report['modules']):
        text += '\n! the live release differs from the recorded version'
    deploys = []
    for entry in report['history'][:10]:
        deploys.append([entry['id'], entry['module_name'], '%s -> %s' % (entry['from_version'] or '-', entry['to_version'] or '-'),
                        entry['status'], (entry['started_at'] or '')[:19].replace('T', ' '), entry['actor'] or ''])
    if deploys:
        text += '\n\nlast deploys\n' + _table(['id', 'blog module', 'versions', 'outcome', 'started', 'by'], deploys)
    if report.get('schema_drift') is not None:
        lines = _drift_lines(report)
        text += '\n\nschema drift: %s' % ('none' if not lines else '\n' + _table(['blog module', 'difference'], lines))
    text += _rehearsals_text(report.get('rehearsals') or [])
    text += _lint_text(report)
    if report['database_schema']:
        schema = report['database_schema']
        applied = (schema['applied_at'] or '')[:19].replace('T', ' ')
        text += '\n\ndatabase schema: %s V%s (applied %s)' % (schema['module'], schema['version'], applied)
    return text


def _rehearsal_lock(rehearsal):
    locks = [m['lock'] for m in rehearsal['migrations'] if m.get('lock')]
    lock = max(locks, key=lambda lock: lock['held_ms'] or 0) if locks else None
    return '%s on %s %s ms' % (lock['mode'], lock['relation'], lock['held_ms']) if lock else '-'


def _rehearsals_text(rehearsals):
    lines = [[r['module'], (r['at'] or '')[:19].replace('T', ' '), r['outcome'], len(r['pending']),
              '-' if r['duration_ms'] is None else r['duration_ms'], _rehearsal_lock(r),
              ', '.join(sorted(set(x for m in r['migrations'] for x in m['rewrites']))) or '-'] for r in rehearsals]
    if not lines:
        return ''
    header = ['blog module', 'at', 'outcome', 'pending', 'ms', 'longest lock', 'rewrites']
    return '\n\nlast rehearsals\n' + _table(header, lines)


def _lint_text(report):
    if not report.get('lint_source'):
        return ''
    text = '\n\nmigration lint of the pending scripts in %s' % report['lint_source']
    for row in report['modules']:
        lint = row.get('lint')
        if lint is None:
            continue
        if lint['problem']:
            text += '\n%s: not checked: %s' % (row['module'], lint['problem'])
            continue
        counts = (_count(len(lint['scripts']), 'pending script'), _count(len(lint['errors']), 'error'),
                  _count(len(lint['warnings']), 'warning'), _count(len(lint['allowed']), 'opt-out'))
        text += '\n%s: %s' % (row['module'], ', '.join(counts))
        text += ''.join('\n  error: %s' % message for message in lint['errors'])
        text += ''.join('\n  warning: %s' % message for message in lint['warnings'])
        text += ''.join('\n  allowed %s in %s line %s: %s' % (a['rule'], a['script'], a['line'], a['reason'])
                        for a in lint['allowed'])
    return text


STYLE = """
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem;color:#1d2330;background:#fafbfc}
h1{font-size:1.5rem;margin:0 0 .2rem}
h2{font-size:1.1rem;margin:2rem 0 .6rem;border-bottom:1px solid #d8dde6;padding-bottom:.3rem}
h3{font-size:1rem;margin:1rem 0 .4rem}
.meta{color:#5b6475;margin:0 0 1rem}
table{border-collapse:collapse;background:#fff;box-shadow:0 1px 2px #0001}
th,td{padding:.35rem .8rem;border:1px solid #e1e5ec;text-align:left;vertical-align:top}
th{background:#f0f2f6;font-weight:600}
td.drift{background:#fff1d6;font-weight:600;color:#8a4b00}
.outcome{display:inline-block;padding:0 .5rem;border-radius:.6rem;font-size:.85em;font-weight:600}
.deployed,.verified{background:#dff5e3;color:#1e6b32}
.rolled_back{background:#fde2e1;color:#9b1c1c}
.failed,.corrupt{background:#fbd5d5;color:#7f1212}
.halted{background:#fff1d6;color:#8a4b00}
.deploying{background:#e3ecfd;color:#1d4ed8}
.unknown,.allowed{background:#eef0f3;color:#5b6475}
.error{background:#fbd5d5;color:#7f1212}
.warning{background:#fff1d6;color:#8a4b00}
.timeline{list-style:none;padding:0 0 0 1rem;margin:0;border-left:3px solid #c9d1de}
.timeline li{margin:0 0 .7rem;position:relative;background:none}
.timeline li::before{content:"";position:absolute;left:-1.45rem;top:.35rem;width:.7rem;height:.7rem;border-radius:50%;background:#c9d1de}
.timeline li.status-deployed::before{background:#2f9e4f}
.timeline li.status-rolled_back::before,.timeline li.status-failed::before{background:#d13c3c}
.timeline li.status-deploying::before{background:#1d4ed8}
.timeline li.status-halted::before{background:#d98b00}
.when{color:#5b6475;font-size:.9em}
.msg{color:#3b4252;font-size:.9em;margin-top:.15rem}
code{font:12px ui-monospace,Menlo,monospace}
"""


def _count(number, noun):
    return '%d %s%s' % (number, noun, '' if number == 1 else 's')


def _e(value):
    return html.escape('' if value is None else str(value))


def _moment(text):
    return (text or '')[:19].replace('T', ' ')


def _duration(entry):
    try:
        started = datetime.datetime.strptime(entry['started_at'][:19], '%Y-%m-%dT%H:%M:%S')
        finished = datetime.datetime.strptime(entry['finished_at'][:19], '%Y-%m-%dT%H:%M:%S')
    except (KeyError, TypeError, ValueError):
        return None
    return (finished - started).total_seconds()


def _size(count):
    count = float(count or 0)
    for unit in ('B', 'KB', 'MB'):
        if count < 1024:
            return '%.0f %s' % (count, unit) if unit == 'B' else '%.1f %s' % (count, unit)
        count /= 1024
    return '%.1f GB' % count


def _age(seconds):
    seconds = int(seconds or 0)
    if seconds < 3600:
        return '%d min' % (seconds // 60)
    if seconds < 86400:
        return '%.1f h' % (seconds / 3600.0)
    return '%.1f days' % (seconds / 86400.0)


def _matrix_html(report):
    out = ['<h2>Versions</h2><table id="matrix"><thead><tr><th>blog module</th><th>recorded</th><th>schema</th>']
    out.extend('<th>%s</th>' % _e(host) for host in report['hosts'])
    out.append('</tr></thead><tbody>')
    for row in report['modules']:
        out.append('<tr data-module="%s"><th>%s</th><td>%s</td><td>%s</td>'
                   % (_e(row['module']), _e(row['module']), _e(row['version'] or '-'), _e(row['schema_version'] or '-')))
        for host in report['hosts']:
            cell = row['hosts'][host]
            css = ' class="drift" title="the live release differs from the recorded version"' if cell['drift'] else ''
            out.append('<td%s data-host="%s">%s</td>' % (css, _e(host), _e(cell['version'] or '-')))
        out.append('</tr>')
    out.append('</tbody></table>')
    return out


def _schema_html(report):
    out = ['<h2>Schema history</h2>']
    by_module = {}
    for entry in reversed(report.get('schema_history') or []):
        by_module.setdefault(entry['module_name'], []).append(entry)
    if not by_module:
        out.append('<p class="meta">no schema change recorded</p>')
    for name in sorted(by_module):
        out.append('<h3>%s</h3><table class="schema" data-module="%s"><thead><tr><th>#</th><th>version</th><th>kind</th>'
                   '<th>script</th><th>applied</th><th>ms</th><th>ok</th></tr></thead><tbody>' % (_e(name), _e(name)))
        for entry in by_module[name]:
            ok = 'yes' if entry.get('success') else '<span class="outcome failed">failed</span>'
            out.append('<tr><td>%s</td><td>%s</td><td>%s</td><td><code>%s</code></td><td>%s</td><td>%s</td><td>%s</td></tr>'
                       % (_e(entry.get('id')), _e(entry['version']), _e(entry['kind']), _e(entry.get('script')),
                          _e(_moment(entry.get('applied_at'))), _e(entry.get('execution_ms')), ok))
        out.append('</tbody></table>')
    return out


def _deploys_html(report):
    out = ['<h2>Deploys</h2><ol class="timeline" id="deploys">']
    for entry in report['history']:
        status = entry.get('status') or 'unknown'
        duration = _duration(entry)
        message = entry.get('message') if status != 'deployed' else None
        out.append('<li class="status-%s" data-id="%s"><span class="outcome %s">%s</span> <strong>%s</strong> %s &rarr; %s '
                   '<span class="when">%s by %s%s</span>%s</li>'
                   % (_e(status), _e(entry.get('id')), _e(status), _e(status.replace('_', ' ')), _e(entry['module_name']),
                      _e(entry.get('from_version') or '(none)'), _e(entry.get('to_version') or '(none)'),
                      _e(_moment(entry.get('started_at'))), _e(entry.get('actor')),
                      ', took %.0f s' % duration if duration is not None else '',
                      '<div class="msg">%s</div>' % _e(message) if message else ''))
    out.append('</ol>')
    return out


def _drift_html(report):
    out = ['<h2>Schema drift</h2>']
    if report.get('schema_drift') is None:
        return out + ['<p class="meta">not compared: no deploy or rollback has recorded the schema yet</p>']
    lines = _drift_lines(report)
    if not lines:
        return out + ['<p class="meta">none: the schema is the one the last deploy or rollback left</p>']
    out.append('<table id="schema-drift"><thead><tr><th>blog module</th><th>difference</th></tr></thead><tbody>')
    out.extend('<tr><td>%s</td><td class="drift"><code>%s</code></td></tr>' % (_e(who), _e(message)) for who, message in lines)
    return out + ['</tbody></table>']


def _backups_html(report):
    out = ['<h2>Backups</h2>']
    backups = report.get('backups')
    if backups is None:
        out.append('<p class="meta">not read</p>')
        return out
    if not backups:
        out.append('<p class="meta">no complete backup</p>')
        return out
    out.append('<table id="backups"><thead><tr><th>backup</th><th>taken</th><th>age</th><th>size</th><th>schema</th>'
               '<th>label</th><th>state</th></tr></thead><tbody>')
    for backup in backups:
        state = backup.get('state') or 'unknown'
        out.append('<tr><td><code>%s</code></td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>'
                   '<td><span class="outcome %s">%s</span></td></tr>'
                   % (_e(backup['name']), _e(_moment(backup.get('timestamp'))), _e(_age(backup.get('age_seconds'))),
                      _e(_size(backup.get('size'))), _e(backup.get('schema_version') or '-'), _e(backup.get('label')),
                      _e(state), _e(state)))
    out.append('</tbody></table>')
    return out


def _lint_html(report):
    out = ['<h2>Migration lint</h2>']
    if not report.get('lint_source'):
        out.append('<p class="meta">not read: the status playbook checks the pending migrations when given '
                   'blog_source_root</p>')
        return out
    out.append('<p class="meta">the pending scripts in <code>%s</code></p>' % _e(report['lint_source']))
    rows = []
    for row in report['modules']:
        lint = row.get('lint')
        if lint is None:
            continue
        if lint['problem']:
            rows.append((row['module'], 'error', 'not checked', lint['problem']))
        rows.extend((row['module'], 'error', '', message) for message in lint['errors'])
        rows.extend((row['module'], 'warning', '', message) for message in lint['warnings'])
        rows.extend((row['module'], 'allowed', '%s in %s line %s' % (a['rule'], a['script'], a['line']), a['reason'])
                    for a in lint['allowed'])
    if not rows:
        out.append('<p class="meta">no finding</p>')
        return out
    out.append('<table id="lint"><thead><tr><th>blog module</th><th>finding</th><th>opt-out</th><th>message or reason'
               '</th></tr></thead><tbody>')
    for module, kind, where, words in rows:
        out.append('<tr data-lint-module="%s" class="lint-%s"><td>%s</td><td><span class="outcome %s">%s</span></td><td>%s</td>'
                   '<td>%s</td></tr>' % (_e(module), _e(kind), _e(module), _e(kind), _e(kind), _e(where), _e(words)))
    out.append('</tbody></table>')
    return out


def _rehearsals_html(report):
    rehearsals = report.get('rehearsals') or []
    if not rehearsals:
        return []
    out = ['<h2>Last rehearsals</h2>', '<table id="rehearsals"><thead><tr><th>blog module</th><th>at</th>'
           '<th>outcome</th><th>migrations</th><th>ms</th><th>longest lock</th><th>why it stopped</th></tr></thead><tbody>']
    for r in rehearsals:
        outcome = {'passed': 'deployed', 'stopped': 'rolled_back'}.get(r['outcome'], 'failed')
        out.append('<tr><td>%s</td><td>%s</td><td><span class="outcome %s">%s</span></td><td>%s</td><td>%s</td>'
                   '<td>%s</td><td>%s</td></tr>' % (
                       _e(r['module']), _e(_moment(r.get('at'))), outcome, _e(r['outcome']),
                       _e(', '.join(m['script'] for m in r['migrations']) or ', '.join(r['pending']) or '-'),
                       _e('-' if r['duration_ms'] is None else r['duration_ms']), _e(_rehearsal_lock(r)),
                       _e('; '.join(r['violations']) or r.get('failure') or '')))
    out.append('</tbody></table>')
    return out


def report_html(report):
    """The report as one self-contained HTML page: the matrix with drift highlighted, the schema
    history per blog module, the deploys as a timeline with outcome and duration, the backups, and the findings of the
    migration lint when the source was checked."""
    out = ['<!doctype html>', '<html lang="en"><head><meta charset="utf-8"><title>blogops.release status</title>',
           '<style>%s</style></head><body>' % STYLE,
           '<h1>Blog release status</h1><p class="meta">generated %s &middot; %s on %s</p>'
           % (_e(_moment(report.get('generated_at'))), _count(len(report['modules']), 'blog module'),
              _count(len(report['hosts']), 'host'))]
    for part in (_matrix_html, _lint_html, _drift_html, _schema_html, _deploys_html, _backups_html, _rehearsals_html):
        out.extend(part(report))
    out.append('</body></html>')
    return '\n'.join(out) + '\n'
