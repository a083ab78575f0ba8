# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A database host reached over SSH: the action plugins of migrate and preflight_database ship the migrations
from the controller in one archive (on a local connection the module reads them in place)."""

import os
import tempfile

from harness.playbook import play_text, run_playbook

TASKS = '''
- name: Check the database of the blog module
  blogops.release.preflight_database:
    module_name: shipped
    src: {src}
  register: checked

- name: Migrate the blog module
  blogops.release.migrate:
    module_name: shipped
    src: {src}
  register: migrated
'''


def test_migrations_are_shipped_to_a_database_host_reached_over_ssh(ssh_lab, blog_db, tmp_path):
    src = tmp_path / 'migrations'
    src.mkdir()
    (src / 'V1__posts.sql').write_text('CREATE TABLE shipped_posts (id int PRIMARY KEY);\n')
    (src / 'V2__title.sql').write_text('ALTER TABLE shipped_posts ADD COLUMN title text;\n')
    host = ssh_lab.hosts[0]
    fd, path = tempfile.mkstemp(prefix='play-', suffix='.yml', dir=str(tmp_path))
    with os.fdopen(fd, 'w') as f:
        f.write(play_text(TASKS.format(src=src), hosts=host.name))
    run = run_playbook(path, str(tmp_path), inventory=ssh_lab.inventory_path, extra_vars=blog_db.playbook_vars)
    assert run.ok, run
    checked = run.result('Check the database of the blog module', host.name)
    assert checked['errors'] == {}, checked
    assert [m['script'] for m in checked['migrations']['pending']] == ['V1__posts.sql', 'V2__title.sql'], checked
    migrated = run.result('Migrate the blog module', host.name)
    assert migrated['changed'] and migrated['schema_version_after'] == '2', migrated
    columns = blog_db.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'shipped_posts' "
                            'ORDER BY ordinal_position')
    assert [row['column_name'] for row in columns] == ['id', 'title']
