# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The migration lint's labelled fixture through migration_lint and through squawk (squawk-cli from PyPI,
installed into a temporary virtual environment, never into the collection), side by side: where each fires,
false positives and misses counted for both, and the lint's time per 100 scripts.

    scripts/bench lint            # --squawk PATH uses an installed squawk instead, --rounds N (5)

A case "should fire" when its label lists a finding (opted-out ones too: the statement is the dangerous one).
squawk's style and robustness rules that this collection's runner makes moot (timeouts the runner sets,
IF NOT EXISTS, prefer-bigint/identity/text/timestamptz) are not counted as firing.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import venv

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, '.venv', 'collections'))

from ansible_collections.blogops.release.plugins.plugin_utils.migration_lint import lint_scripts  # noqa: E402

FIXTURE = os.path.join(ROOT, 'tests', 'unit', 'plugins', 'plugin_utils', 'data', 'migration_lint_fixture.yml')
NOT_COUNTED = {'prefer-robust-stmts', 'require-timeout-settings', 'require-lock-timeout', 'require-statement-timeout',
               'prefer-bigint-over-int', 'prefer-bigint-over-smallint', 'prefer-identity', 'prefer-text-field',
               'prefer-timestamptz', 'ban-char-field', 'transaction-nesting', 'require-table-schema'}


def squawk_binary(given, workdir):
    if given:
        return given
    env = os.path.join(workdir, 'squawk-venv')
    venv.create(env, with_pip=True)
    subprocess.run([os.path.join(env, 'bin', 'pip'), 'install', '-q', 'squawk-cli'], check=True)
    return os.path.join(env, 'bin', 'squawk')


def squawk_rules(binary, directory, names):
    """{file name: [rule names]} from one squawk run over every case."""
    proc = subprocess.run([binary, '--reporter', 'json', '--pg-version', '15'] + [os.path.join(directory, n) for n in names],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=False)
    found = {name: [] for name in names}
    for violation in json.loads(proc.stdout or '[]'):
        found[os.path.basename(violation['file'])].append(violation['rule_name'])
    return found


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--squawk')
    parser.add_argument('--rounds', type=int, default=5)
    options = parser.parse_args()
    with open(FIXTURE, encoding='utf-8') as f:
        data = yaml.safe_load(f)
    cases = data['cases']
    with tempfile.TemporaryDirectory() as workdir:
        binary = squawk_binary(options.squawk, workdir)
        version = subprocess.run([binary, '--version'], stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout.strip()
        names = []
        for number, case in enumerate(cases, 1):
            name = 'V%d__case.sql' % number
            with open(os.path.join(workdir, name), 'w', encoding='utf-8') as f:
                f.write(case['sql'] + '\n')
            names.append(name)
        squawk = squawk_rules(binary, workdir, names)

    counts = {tool: dict(fp=0, miss=0, right=0) for tool in ('migration_lint', 'squawk')}
    rows = []
    for name, case in zip(names, cases):
        should = bool(case['expect'])
        ours = sorted(set(f['rule'] for f in lint_scripts([(name, case['sql'])], data['catalog'])))
        theirs = sorted(set(r for r in squawk[name] if r not in NOT_COUNTED))
        for tool, fired in (('migration_lint', ours), ('squawk', theirs)):
            key = 'right' if bool(fired) == should else ('fp' if fired else 'miss')
            counts[tool][key] += 1
        rows.append((case['sql'].splitlines()[-1][:70], 'fire' if should else 'clean', ','.join(ours) or '-',
                     ','.join(theirs) or '-'))

    scripts = [('V%d__case.sql' % (i + 1), cases[i % len(cases)]['sql']) for i in range(100)]
    times = []
    for _round in range(options.rounds):
        start = time.perf_counter()
        lint_scripts(scripts, data['catalog'])
        times.append(time.perf_counter() - start)

    print('%d cases, %s, Python %s' % (len(cases), version, sys.version.split()[0]))
    print()
    print('| statement | label | migration_lint | squawk |')
    print('|---|---|---|---|')
    for row in rows:
        print('| `%s` | %s | %s | %s |' % row)
    print()
    print('| tool | right | false positives | misses |')
    print('|---|---|---|---|')
    for tool, c in counts.items():
        print('| %s | %d | %d | %d |' % (tool, c['right'], c['fp'], c['miss']))
    print()
    print('migration_lint, 100 scripts (parse and rules, catalog given): median %.1f ms over %d rounds'
          % (sorted(times)[len(times) // 2] * 1000, len(times)))


if __name__ == '__main__':
    main()
