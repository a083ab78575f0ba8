# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The version matrix of blog modules x hosts, with schema versions and the last deploys."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def build_report(modules, schema, history, host_releases, generated_at=None):
    """Assemble the report from what the info modules and ``release state=query`` returned.

    ``modules``: module_version rows by name; ``schema``: schema_version_info's ``modules`` and
    ``database``; ``history``: module_version_history rows, newest first; ``host_releases``:
    {host: {blog module: release query result}}.
    """
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
        ))
    newest = schema.get('database') or {}
    return dict(
        generated_at=generated_at,
        hosts=hosts,
        modules=rows,
        database_schema=dict(module=newest.get('module_name'), version=newest.get('version'),
                             applied_at=newest.get('applied_at')) if newest else None,
        history=history,
    )


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
    if report['database_schema']:
        schema = report['database_schema']
        applied = (schema['applied_at'] or '')[:19].replace('T', ' ')
        text += '\n\ndatabase schema: %s V%s (applied %s)' % (schema['module'], schema['version'], applied)
    return text
