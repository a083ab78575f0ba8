# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""blogops.release.backup_info: the list, latest, max_age and the leftovers, through ansible-playbook."""

import datetime
import os

from ansible_collections.blogops.release.plugins.module_utils._backup_naming import backup_name
from ansible_collections.blogops.release.plugins.module_utils._backup_sidecar import backup_digest, build_sidecar, write_sidecar

VERSIONS = dict(schema_version='3', schema_versions={'core': '3'}, module_versions={})


def old_backup(directory, hours_ago, database):
    """A complete backup taken ``hours_ago`` hours ago, as db_backup would have written it."""
    when = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=hours_ago)
    name = backup_name(when, 'custom')
    path = os.path.join(str(directory), name)
    with open(path, 'wb') as f:
        f.write(b'PGDMP pretend %d' % hours_ago)
    digest, size = backup_digest(path, 'custom')
    write_sidecar(path + '.json', build_sidecar(name, 'custom', database, when.strftime('%Y-%m-%dT%H:%M:%S.%fZ'),
                                                digest, size, VERSIONS, tracking_schema='public'))
    return name


INFO = '''
- name: Require a backup of the last day
  blogops.release.backup_info:
    backup_dir: "{{ backup_dir }}"
    max_age: 1d
  ignore_errors: true
- name: Require a backup of the last three days
  blogops.release.backup_info:
    backup_dir: "{{ backup_dir }}"
    max_age: 3d
- name: List the backups of every database
  blogops.release.backup_info:
    backup_dir: "{{ backup_dir }}"
    login_db: ""
- name: List a directory without backups
  blogops.release.backup_info:
    backup_dir: "{{ backup_dir }}/none"
    max_age: 1d
  ignore_errors: true
'''


def test_max_age_and_the_newest_first_list(ansible, blog_db, tmp_path):
    backup_dir = tmp_path / 'backups'
    backup_dir.mkdir()
    oldest = old_backup(backup_dir, 70, blog_db.name)
    newest = old_backup(backup_dir, 30, blog_db.name)
    foreign = old_backup(backup_dir, 1, 'another_db')
    (backup_dir / (backup_name(datetime.datetime.now(datetime.timezone.utc), 'custom') + '.partial')).write_bytes(b'')
    run = ansible.play(INFO, extra_vars=dict(backup_dir=str(backup_dir)))
    assert run.ok, run

    day = run.result('Require a backup of the last day')
    assert day['_status'] == 'failed'
    assert day['msg'] == ("the newest complete backup of database '%s' in %s, %s, was taken 1d 6h ago, longer ago "
                          'than max_age 1d' % (blog_db.name, backup_dir, newest))
    three_days = run.result('Require a backup of the last three days')
    assert three_days['_status'] == 'ok'
    assert [b['name'] for b in three_days['backups']] == [newest, oldest]
    assert three_days['latest']['name'] == newest and three_days['latest']['schema_version'] == '3'
    assert 29 * 3600 < three_days['latest']['age_seconds'] < 31 * 3600
    assert [item['name'][-13:] for item in three_days['incomplete']] == ['.dump.partial']

    everything = run.result('List the backups of every database')
    assert [b['name'] for b in everything['backups']] == [foreign, newest, oldest]

    none = run.result('List a directory without backups')
    assert none['_status'] == 'failed'
    assert none['msg'] == "there is no complete backup of database '%s' in %s/none (max_age 1d)" % (blog_db.name, backup_dir)
