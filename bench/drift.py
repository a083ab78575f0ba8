# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The drift check on a schema of 200 tables (goal: under 5 s), against reading the same schema with `results`
(the maintained successor of migra and schemainspect, installed into a temporary virtual environment, never into the
collection).

    scripts/bench drift           # --tables N (200), --rounds N (5), --no-results skips results

Each table has eight columns (identity, defaults, NOT NULL), a primary key, a foreign key to the table before it, a
CHECK, two indexes, a trigger; every fifth table a view, every tenth a grant; one plpgsql function per table.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
import venv

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tests'))
sys.path.insert(0, os.path.join(ROOT, '.venv', 'collections'))

from psycopg2.extras import RealDictCursor  # noqa: E402

from harness.playbook import play_text, run_playbook  # noqa: E402
from harness.postgres_server import suite_server  # noqa: E402
from ansible_collections.blogops.release.plugins.module_utils._schema_drift import check_drift, write_snapshot  # noqa: E402
from ansible_collections.blogops.release.plugins.module_utils._tracking_tables import ensure_tracking_tables  # noqa: E402


def schema_sql(tables):
    parts = []
    for n in range(tables):
        parts.append('''
CREATE TABLE t{n} (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    parent_id bigint {fk},
    name text NOT NULL DEFAULT '',
    amount numeric(12, 2) NOT NULL DEFAULT 0 CHECK (amount >= 0),
    state varchar(20) NOT NULL DEFAULT 'new',
    payload jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz
);
CREATE INDEX t{n}_name_idx ON t{n} (name);
CREATE INDEX t{n}_open_idx ON t{n} (created_at) WHERE state <> 'closed';
CREATE FUNCTION t{n}_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END
$$;
CREATE TRIGGER t{n}_touch BEFORE UPDATE ON t{n} FOR EACH ROW EXECUTE FUNCTION t{n}_touch();
'''.format(n=n, fk='REFERENCES t%d (id)' % (n - 1) if n else ''))
        if n % 5 == 0:
            parts.append('CREATE VIEW t{n}_open AS SELECT id, name FROM t{n} WHERE state <> \'closed\';\n'.format(n=n))
        if n % 10 == 0:
            parts.append('GRANT SELECT ON t{n} TO PUBLIC;\n'.format(n=n))
    return ''.join(parts)


def median(values):
    return sorted(values)[len(values) // 2]


def results_reader(workdir):
    """The python of a temporary virtual environment with `results`, or None when it cannot be installed."""
    env = os.path.join(workdir, 'results-venv')
    venv.create(env, with_pip=True)
    python = os.path.join(env, 'bin', 'python')
    done = subprocess.run([python, '-m', 'pip', 'install', '-q', 'results'], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    if done.returncode != 0:
        print('results could not be installed, left out: %s' % done.stdout.strip()[-300:])
        return None, None
    version = subprocess.run([python, '-m', 'pip', 'show', 'results'], stdout=subprocess.PIPE, universal_newlines=True,
                             check=True).stdout
    return python, [line.split(':', 1)[1].strip() for line in version.splitlines() if line.startswith('Version:')][0]


RESULTS_SCRIPT = '''
import sys, time
import results
start = time.perf_counter()
inspected = results.db(sys.argv[1]).inspect()
print(time.perf_counter() - start, len(inspected.tables), len(inspected.indexes), len(inspected.functions))
'''


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--tables', type=int, default=200)
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--no-results', action='store_true')
    options = parser.parse_args()
    server = suite_server()
    try:
        server.create_database('drift_bench')
        conn = server.connect('drift_bench')
        cursor = conn.cursor(cursor_factory=RealDictCursor)
        cursor.execute(schema_sql(options.tables))
        conn.autocommit = False
        ensure_tracking_tables(cursor, 'public')
        cursor.execute("INSERT INTO module_version (module_name, version) VALUES ('core', '1.0.0')")
        start = time.perf_counter()
        objects = write_snapshot(cursor, 'public', 'core')
        conn.commit()
        snapshot_s = time.perf_counter() - start
        checks = []
        for _round in range(options.rounds):
            start = time.perf_counter()
            _snapshot, differences = check_drift(cursor, 'public')
            conn.rollback()
            checks.append(time.perf_counter() - start)
            assert differences == [], differences
        conn.autocommit = True
        cursor.execute('ALTER TABLE t7 ADD COLUMN note text; CREATE INDEX t9_state_idx ON t9 (state)')
        _snapshot, differences = check_drift(cursor, 'public')
        conn.close()

        with tempfile.TemporaryDirectory() as workdir:
            play = os.path.join(workdir, 'drift.yml')
            with open(play, 'w') as f:
                f.write(play_text('- name: Check drift\n  blogops.release.schema_drift_info:\n  register: drift\n'))
            variables = dict(blog_db_host=server.host, blog_db_port=server.port, blog_db_user=server.user,
                             blog_db_password=server.password, blog_db_name='drift_bench')
            runs = []
            for _round in range(options.rounds):
                start = time.perf_counter()
                run = run_playbook(play, workdir, extra_vars=variables)
                runs.append(time.perf_counter() - start)
                assert run.ok, run
            empty = os.path.join(workdir, 'empty.yml')
            with open(empty, 'w') as f:
                f.write(play_text('- name: Nothing\n  ansible.builtin.meta: noop\n'))
            empties = []
            for _round in range(options.rounds):
                start = time.perf_counter()
                run_playbook(empty, workdir, extra_vars=variables)
                empties.append(time.perf_counter() - start)

            alternative = None
            if not options.no_results:
                python, version = results_reader(workdir)
                if python:
                    url = 'postgresql://%s:%s@%s:%s/drift_bench' % (server.user, server.password, server.host, server.port)
                    times = []
                    for _round in range(options.rounds):
                        out = subprocess.run([python, '-c', RESULTS_SCRIPT, url], stdout=subprocess.PIPE,
                                             universal_newlines=True, check=True).stdout.split()
                        times.append(float(out[0]))
                    alternative = (version, median(times), out[1:])

        version = server.query('postgres', 'SHOW server_version')[0]['server_version']
        print('%d tables, %d objects in the snapshot, %s, Python %s, %d rounds'
              % (options.tables, objects, version, sys.version.split()[0], options.rounds))
        print()
        print('| measure | median s | per round s |')
        print('|---|---:|---|')
        print('| record the snapshot (write_snapshot, once) | %.3f | |' % snapshot_s)
        print('| check_drift (read the catalog, compare) | %.3f | %s |' % (median(checks), ' '.join('%.3f' % t for t in checks)))
        print('| schema_drift_info, whole ansible-playbook run | %.2f | %s |' % (median(runs), ' '.join('%.2f' % t for t in runs)))
        print('| empty ansible-playbook run (Ansible start-up) | %.2f | %s |' % (median(empties), ' '.join('%.2f' % t for t in empties)))
        if alternative:
            print('| results %s: inspect() alone (no comparison; %s tables, %s indexes, %s functions) | %.3f | |'
                  % (alternative[0], alternative[2][0], alternative[2][1], alternative[2][2], alternative[1]))
        print()
        print('after two out-of-band changes: %s' % '; '.join(d['message'] for d in differences))
    finally:
        server.stop()


if __name__ == '__main__':
    main()
