# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The demo: real deploys of the sample blog (examples/blog) against a throwaway PostgreSQL.

1. deploy core 1.0.0 and comments 1.0.0;
2. upgrade comments to 1.1.0 (two migrations);
3. deploy comments 1.2.0, whose second migration fails: the deploy must fail and leave the
   files, the schema, the data and the tracking tables exactly as 1.1.0 left them;
4. deploy comments 1.3.0, which renames a column: the migration lint refuses it in preflight, the demo
   prints the finding, and nothing changes;
5. print the status report (with the migration lint of the source's pending scripts), and write it as an
   HTML page (BLOGOPS_DEMO_STATUS_HTML, by default blogops-demo-status.html in the temporary directory)
   that stays after the demo.

Each step's outcome is checked against the database and the release directory, not taken
from the exit code alone; the demo fails when one is not what it should be.
"""

import json
import os
import re
import shutil
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tests'))

from harness.playbook import run_playbook  # noqa: E402
from harness.postgres_server import HarnessError, suite_server  # noqa: E402

SAMPLE = os.path.join(ROOT, 'examples', 'blog')
STATUS_HTML = os.environ.get('BLOGOPS_DEMO_STATUS_HTML') or os.path.join(tempfile.gettempdir(), 'blogops-demo-status.html')
PLAYBOOKS = os.path.join(ROOT, 'playbooks')


class Demo:
    def __init__(self, server, workdir):
        self.server = server
        self.workdir = workdir
        self.source = os.path.join(workdir, 'source')
        self.release_root = os.path.join(workdir, 'srv', 'blog')
        self.backup_dir = os.path.join(workdir, 'backups')
        self.checks = []
        shutil.copytree(os.path.join(SAMPLE, 'base'), self.source)

    def overlay(self, change):
        """Lay a later release's files over the source, as a new commit would."""
        shutil.copytree(os.path.join(SAMPLE, change), self.source, dirs_exist_ok=True)

    def playbook(self, name, title, **extra):
        print('\n' + '=' * 78 + '\ndemo: %s\n' % title + '=' * 78, flush=True)
        variables = dict(blog_db_host=self.server.host, blog_db_port=self.server.port, blog_db_user=self.server.user,
                         blog_db_password=self.server.password, blog_db_name='blog', blog_source_root=self.source,
                         blog_release_root=self.release_root, blog_backup_dir=self.backup_dir)
        variables.update(extra)
        return run_playbook(os.path.join(PLAYBOOKS, name + '.yml'), os.path.join(self.workdir, 'runs'),
                            extra_vars=variables, stream=True)

    def query(self, sql):
        return self.server.query('blog', sql)

    def check(self, what, ok):
        self.checks.append((what, bool(ok)))
        print('demo: %s %s' % ('ok  ' if ok else 'FAIL', what), flush=True)

    def snapshot(self):
        """What a failed deploy must not change: data, tracking tables, live releases."""
        return dict(
            comments=self.query('SELECT * FROM comments ORDER BY id'),
            columns=self.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'comments' "
                               "ORDER BY ordinal_position"),
            module_version=self.query('SELECT * FROM module_version ORDER BY module_name'),
            schema_version=self.query('SELECT * FROM schema_version ORDER BY id'),
            current=os.readlink(os.path.join(self.release_root, 'comments', 'current')),
            releases=sorted(os.listdir(os.path.join(self.release_root, 'comments', 'releases'))),
        )

    def recorded(self, module):
        rows = self.query("SELECT version FROM module_version WHERE module_name = '%s'" % module)
        return rows[0]['version'] if rows else None


def main():
    try:
        server = suite_server()
    except HarnessError as e:
        sys.exit('demo: %s' % e)
    workdir = tempfile.mkdtemp(prefix='blogops-demo-')
    try:
        server.drop_database('blog')
        server.create_database('blog')
        print('demo: PostgreSQL on 127.0.0.1:%d, database blog; releases and backups under %s' % (server.port, workdir))
        demo = Demo(server, workdir)

        for module in ('core', 'comments'):
            run = demo.playbook('deploy', 'deploy %s 1.0.0' % module, blog_module=module, blog_version='1.0.0')
            demo.check('%s 1.0.0 deployed (exit %d)' % (module, run.returncode), run.ok and demo.recorded(module) == '1.0.0')

        demo.overlay('comments-1.1.0')
        run = demo.playbook('deploy', 'upgrade comments to 1.1.0 (two migrations), rehearsed first on a copy of the '
                            'database', blog_module='comments', blog_version='1.1.0', blog_rehearse=True)
        demo.check('the rehearsal report shows the locks of the 1.1.0 migrations', 'Show the rehearsal' in run.output
                   and 'ACCESS EXCLUSIVE' in run.output and 'public.comments_by_post (created)' in run.output)
        schema = demo.query("SELECT max(version) AS v FROM schema_version WHERE module_name = 'comments' AND kind = 'migrate'")
        demo.check('comments 1.1.0 deployed, schema at 1.2', run.ok and demo.recorded('comments') == '1.1.0'
                   and schema[0]['v'] == '1.2')
        before = demo.snapshot()

        demo.overlay('comments-1.2.0')
        run = demo.playbook('deploy', 'deploy comments 1.2.0, whose second migration fails', blog_module='comments',
                            blog_version='1.2.0')
        after = demo.snapshot()
        demo.check('comments 1.2.0 refused: the play failed', not run.ok)
        demo.check('its failure names the step and the migration', 'failed at migrate' in run.output
                   and 'V1.4__require_known_authors.sql' in run.output)
        for key in ('comments', 'columns', 'module_version', 'schema_version', 'current', 'releases'):
            demo.check('after the failure, %s is exactly as 1.1.0 left it' % key.replace('_', ' '), after[key] == before[key])
        history = demo.query("SELECT to_version, status FROM module_version_history WHERE module_name = 'comments' "
                             "ORDER BY id DESC LIMIT 1")
        demo.check('the history says the 1.2.0 deploy was %s' % (history[0]['status'] if history else 'missing'),
                   history and history[0]['to_version'] == '1.2.0' and history[0]['status'] in ('rolled_back', 'failed'))

        demo.overlay('comments-1.3.0')
        run = demo.playbook('deploy', 'deploy comments 1.3.0, whose migration renames a column', blog_module='comments',
                            blog_version='1.3.0')
        refused = demo.snapshot()
        findings = re.findall(r'lint: (V1\.5__rename_author\.sql line \d+: .*?; instead: [^;"\n]*)', run.output)
        print('\ndemo: the preflight refused it with the finding:\n  %s' % (findings[0] if findings else '(none found)'),
              flush=True)
        demo.check('comments 1.3.0 refused at preflight by the migration lint', not run.ok and 'failed at preflight' in
                   run.output and findings and 'renames a column' in findings[0])
        for key in ('comments', 'columns', 'module_version', 'schema_version', 'current', 'releases'):
            demo.check('after the refusal, %s is still as 1.1.0 left it' % key.replace('_', ' '), refused[key] == before[key])
        latest = demo.query("SELECT to_version FROM module_version_history WHERE module_name = 'comments' "
                            "ORDER BY id DESC LIMIT 1")
        demo.check('no deploy of 1.3.0 was opened in the history', latest and latest[0]['to_version'] == '1.2.0')

        status_json = os.path.join(workdir, 'status.json')
        run = demo.playbook('status', 'status report', blog_status_json=status_json, blog_status_html=STATUS_HTML)
        demo.check('status report written, as JSON and as %s' % STATUS_HTML,
                   run.ok and os.path.exists(status_json) and os.path.exists(STATUS_HTML))
        if os.path.exists(status_json):
            with open(status_json) as f:
                report = json.load(f)
            versions = dict((row['module'], row['version']) for row in report['modules'])
            demo.check('status shows core 1.0.0 and comments 1.1.0', versions == dict(core='1.0.0', comments='1.1.0'))
            rehearsals = [(r['module'], r['outcome']) for r in report.get('rehearsals', [])]
            demo.check('status shows the last rehearsal of comments', rehearsals == [('comments', 'passed')])
            lint = dict((row['module'], row['lint']) for row in report['modules'])
            demo.check('status shows the rename among the findings of the pending scripts',
                       any('V1.5__rename_author.sql' in message for message in (lint.get('comments') or {}).get('errors', [])))
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    failed = [what for what, ok in demo.checks if not ok]
    summary = '' if not failed else '; FAILED: ' + '; '.join(failed)
    print('\ndemo: %d of %d checks passed%s' % (len(demo.checks) - len(failed), len(demo.checks), summary))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
