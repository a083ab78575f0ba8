# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Start a throwaway PostgreSQL (or use BLOGOPS_TEST_DSN), run the demo playbook, stop the server."""

import os
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tests'))

from harness.playbook import run_playbook  # noqa: E402
from harness.postgres_server import HarnessError, suite_server  # noqa: E402

PLAYBOOK = os.path.join(ROOT, 'demo', 'versions.yml')


def main():
    try:
        server = suite_server()
    except HarnessError as e:
        sys.exit('demo: %s' % e)
    database = 'blog_demo'
    try:
        server.drop_database(database)
        server.create_database(database)
        print('demo: PostgreSQL on 127.0.0.1:%d, database %s' % (server.port, database), flush=True)
        with tempfile.TemporaryDirectory(prefix='blogops-demo-') as workdir:
            run = run_playbook(PLAYBOOK, workdir, stream=True, extra_vars=dict(
                blog_db_host=server.host, blog_db_port=server.port, blog_db_user=server.user,
                blog_db_password=server.password, blog_db_name=database))
    finally:
        server.stop()
    print('demo: %s' % ('succeeded' if run.ok else 'FAILED (exit %d)' % run.returncode))
    return run.returncode


if __name__ == '__main__':
    sys.exit(main())
