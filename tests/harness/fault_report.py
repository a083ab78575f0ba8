# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The fault suite's summary table: each case records what it broke and what it checked, and the
table is printed at the end of the pytest run (case, fault, outcome, checks passed).

With pytest-xdist, each worker writes its records as JSON files into a directory that the
controller created and handed over in ``workerinput``; the controller prints the table. The table
also goes to ``$BLOGOPS_FAULTS_REPORT`` when that is set (Markdown).
"""

import json
import os
import shutil
import tempfile
import uuid

import pytest

_KEY = 'blogops_fault_records'


class FaultCase:
    """One case of the table: ``check()`` asserts and counts; ``outcome`` says what the system did."""

    def __init__(self, directory, test_id):
        self.directory = directory
        self.test_id = test_id
        self.records = []

    def case(self, name, fault):
        record = dict(case=name, fault=fault, outcome='(not reached)', checks=0, failed_check=None, test=self.test_id)
        self.records.append(record)
        return _Case(record)

    def save(self, test_failed):
        for record in self.records:
            record['status'] = 'FAILED' if test_failed or record['failed_check'] else 'ok'
            path = os.path.join(self.directory, '%s.json' % uuid.uuid4().hex)
            with open(path, 'w') as f:
                json.dump(record, f)


class _Case:
    def __init__(self, record):
        self.record = record

    def outcome(self, text):
        self.record['outcome'] = ' '.join(str(text).split())

    def check(self, name, condition, detail=''):
        """Assert ``condition``, counting it; the name says what nothing-lost property it checks."""
        if not condition:
            self.record['failed_check'] = name
            raise AssertionError('check failed: %s%s' % (name, ('\n' + str(detail)) if detail else ''))
        self.record['checks'] += 1

    def equal(self, name, after, before):
        self.check(name, after == before, _difference(before, after))


def _difference(before, after):
    if isinstance(before, dict) and isinstance(after, dict):
        keys = sorted(set(before) | set(after), key=str)
        return '; '.join('%s: %r != %r' % (k, before.get(k), after.get(k)) for k in keys
                         if before.get(k) != after.get(k))[:4000]
    return '%r != %r' % (before, after)


def _directory(config):
    workerinput = getattr(config, 'workerinput', None)
    if workerinput is not None:
        return workerinput[_KEY]
    if not hasattr(config, '_blogops_fault_dir'):
        config._blogops_fault_dir = tempfile.mkdtemp(prefix='blogops-faults-')
    return config._blogops_fault_dir


def pytest_configure(config):
    _directory(config)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """xdist (controller): hand the records directory to each worker."""
    node.workerinput[_KEY] = _directory(node.config)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == 'call':
        item._blogops_failed = report.failed


@pytest.fixture
def fault_case(request):
    """Record cases of the summary table: ``fault_case.case(name, fault)`` returns one to check against."""
    recorder = FaultCase(_directory(request.config), request.node.nodeid)
    yield recorder
    recorder.save(getattr(request.node, '_blogops_failed', True))


def record_scan(config, test_id, scanned, found):
    """One test's secret scan, summed up into one row of the table."""
    path = os.path.join(_directory(config), 'scan-%s.json' % uuid.uuid4().hex)
    with open(path, 'w') as f:
        json.dump(dict(scan=True, test=test_id, scanned=scanned, found=found), f)


def _scan_row(scans):
    found = [path for scan in scans for path in scan['found']]
    return dict(case='secrets', fault='known password (BLOGOPS_TEST_PASSWORD) searched in every file %d tests left'
                % len(scans), outcome='%d files and logs read, %d containing the password%s'
                % (sum(s['scanned'] for s in scans), len(found), (': ' + ', '.join(found[:3])) if found else ''),
                checks=len(scans) - len([s for s in scans if s['found']]), failed_check='password found' if found else None,
                status='FAILED' if found else 'ok', test='~')


def table(records):
    rows = [(r['case'], r['fault'], r['outcome'] + (' [failed check: %s]' % r['failed_check'] if r['failed_check'] else ''),
             '%d%s' % (r['checks'], '' if r['status'] == 'ok' else ' FAILED')) for r in records]
    headers = ('case', 'fault', 'outcome', 'checks passed')
    return headers, rows


def markdown(records):
    headers, rows = table(records)
    lines = ['| ' + ' | '.join(headers) + ' |', '|' + '---|' * len(headers)]
    lines += ['| ' + ' | '.join(cell.replace('|', '\\|') for cell in row) + ' |' for row in rows]
    return '\n'.join(lines) + '\n'


def pytest_terminal_summary(terminalreporter, config):
    if getattr(config, 'workerinput', None) is not None:
        return
    directory = _directory(config)
    records, scans = [], []
    for name in sorted(os.listdir(directory)):
        with open(os.path.join(directory, name)) as f:
            record = json.load(f)
        (scans if record.get('scan') else records).append(record)
    shutil.rmtree(directory, ignore_errors=True)
    if scans:
        records.append(_scan_row(scans))
    if not records:
        return
    records.sort(key=lambda r: (r['test'], r['case']))
    headers, rows = table(records)
    widths = [min(max(len(h), *(len(row[i]) for row in rows)), limit) for i, (h, limit) in
              enumerate(zip(headers, (34, 44, 120, 14)))]
    terminalreporter.section('blogops.release fault suite: nothing lost')
    terminalreporter.write_line('  '.join(h.ljust(w) for h, w in zip(headers, widths)))
    terminalreporter.write_line('  '.join('-' * w for w in widths))
    for row in rows:
        terminalreporter.write_line('  '.join(cell.ljust(w) for cell, w in zip(row, widths)))
    failed = sum(1 for r in records if r['status'] != 'ok')
    terminalreporter.write_line('%d case(s), %d with every check passed, %d failed; %d checks passed in all'
                                % (len(records), len(records) - failed, failed, sum(r['checks'] for r in records)))
    report = os.environ.get('BLOGOPS_FAULTS_REPORT')
    if report:
        with open(report, 'w') as f:
            f.write(markdown(records))
