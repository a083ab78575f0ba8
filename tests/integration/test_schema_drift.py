# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Schema drift against a real PostgreSQL: the snapshot a deploy records, the preflight that stops a deploy onto a
drifted database (or lets it go on with blog_allow_drift), and schema_drift_info naming each out-of-band change."""

import json

# comments 1.1.0 with a function and a trigger, so that a function body can drift.
FUNCTION = '''CREATE FUNCTION comments_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.body := btrim(NEW.body);
  RETURN NEW;
END
$$;
'''
TRIGGER_MIGRATION = FUNCTION + 'CREATE TRIGGER comments_touch BEFORE INSERT ON comments FOR EACH ROW EXECUTE FUNCTION comments_touch();\n'

# Each out-of-band change, what undoes it, and the line naming it.
CHANGES = [
    ('ALTER TABLE comments ADD COLUMN spam_score integer', 'ALTER TABLE comments DROP COLUMN spam_score',
     'column public.comments.spam_score: added (integer)'),
    ('CREATE INDEX comments_by_author ON comments (author)', 'DROP INDEX comments_by_author',
     'index public.comments_by_author: added (CREATE INDEX comments_by_author ON public.comments USING btree (author))'),
    ('ALTER TABLE comments ADD CONSTRAINT comments_body_short CHECK (length(body) < 10000)',
     'ALTER TABLE comments DROP CONSTRAINT comments_body_short',
     'constraint public.comments.comments_body_short: added (CHECK ((length(body) < 10000)))'),
    (FUNCTION.replace('CREATE', 'CREATE OR REPLACE').replace('btrim', 'ltrim'), FUNCTION.replace('CREATE', 'CREATE OR REPLACE'),
     'function public.comments_touch(): body differs'),
    ('GRANT SELECT ON comments TO PUBLIC', 'REVOKE SELECT ON comments FROM PUBLIC',
     'grant on table public.comments: privileges [postgres=arwdDxt/postgres] -> [=r/postgres, postgres=arwdDxt/postgres]'),
]

CHECK = '''
- name: "{name}"
  blogops.release.schema_drift_info:
  register: drift_{number}
'''
SQL = '''
- name: "{name}"
  community.postgresql.postgresql_query:
    login_host: "{{{{ blog_db_host }}}}"
    login_port: "{{{{ blog_db_port }}}}"
    login_user: "{{{{ blog_db_user }}}}"
    login_password: "{{{{ blog_db_password }}}}"
    login_db: "{{{{ blog_db_name }}}}"
    query: {query}
'''


def test_a_deploy_stops_on_drift_names_it_and_goes_on_when_allowed(deployed):
    deployed.db.execute('ALTER TABLE posts ADD COLUMN subtitle text')
    deployed.overlay('comments-1.1.0')
    deployed.write('comments', {'migrations/V1.3__touch_comments.sql': TRIGGER_MIGRATION})
    before = deployed.state()

    stopped = deployed.deploy('comments', '1.1.0')
    assert not stopped.ok
    message = stopped.result('Fail listing every failed check')['msg']
    assert 'schema drift' in message and 'column public.posts.subtitle: added (text)' in message
    assert 'blog_allow_drift' in message
    assert deployed.state() == before

    allowed = deployed.deploy('comments', '1.1.0', blog_allow_drift=True)
    assert allowed.ok, allowed
    assert 'schema drift: column public.posts.subtitle: added (text)' in allowed.output
    assert deployed.schema_versions()['comments'] == ['1', '1.1', '1.2', '1.3']
    snapshot = deployed.db.query('SELECT module_name, objects, modules FROM schema_snapshot')[0]
    assert snapshot['module_name'] == 'comments'
    assert snapshot['modules']['function public.comments_touch()'] == 'comments'
    assert snapshot['modules']['table public.posts'] == 'core'

    # One play: each change made, checked and undone in turn, then the database checked clean again.
    tasks = [CHECK.format(name='Check the deployed database', number=0)]
    for number, (change, undo, _message) in enumerate(CHANGES, 1):
        tasks.append(SQL.format(name='Change %d' % number, query=json.dumps(change)))
        tasks.append(CHECK.format(name='Check change %d' % number, number=number))
        tasks.append(SQL.format(name='Undo change %d' % number, query=json.dumps(undo)))
    tasks.append(CHECK.format(name='Check the database put back', number=99))
    run = deployed.ansible.play(tasks)
    assert run.ok, run

    for task in ('Check the deployed database', 'Check the database put back'):
        clean = run.result(task)
        assert clean['drift'] is False and clean['messages'] == [] and clean['snapshot']['module_name'] == 'comments'
    for number, (_change, _undo, message) in enumerate(CHANGES, 1):
        found = run.result('Check change %d' % number)
        assert found['drift'] is True
        assert found['messages'] == [message]
        assert found['modules'] == {'comments': [message]}

    # The status report lists the drift of each blog module.
    deployed.db.execute(CHANGES[0][0])
    path = str(deployed.tmp / 'status.json')
    status = deployed.playbook('status', blog_status_json=path)
    assert status.ok, status
    with open(path) as f:
        report = json.load(f)
    assert dict((row['module'], row['schema_drift']) for row in report['modules']) == {
        'core': [], 'comments': [CHANGES[0][2]]}
