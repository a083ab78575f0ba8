# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Putting a realistic schema back exactly: deploy, deploy, then restore the first deploy's backup, roll back
with the undo scripts, or roll back without them (through the pre-deploy backup), over the 43 migrations of
tests/fixtures/real_blog.

After each, the database must be as it was right after the earlier deploy: the same normalized
``pg_dump --schema-only``, the same rows in every table (counted; row for row after a restore, which puts
the data back exactly, unlike undo scripts, after which triggers have touched timestamps), the same
module_version row and the same applied migrations. The tracking tables' definitions are part of the
dump; their rows are compared through module_version and the applied migrations replayed from
schema_version, because history rows (and undo rows in schema_version) are added by design.
"""

import os
import shutil

import pytest
from hypothesis import HealthCheck, Phase, given, settings, strategies as st

from conftest import Ansible, BlogDatabase
from real_schema_env import RealBlog, differences, migrations, release_scripts

RELEASES = ('1.0.0', '2.0.0', '3.0.0')
PAIRS = [('1.0.0', '2.0.0'), ('1.0.0', '3.0.0'), ('2.0.0', '3.0.0')]


class Deployed:
    """A deployed state kept for copying: a template database, the release root and backups, and its snapshot."""

    def __init__(self, blog, template, state):
        self.blog = blog
        self.template = template
        self.state = state


class Chains:
    """Deploy sequences (1.0.0; 1.0.0 then 2.0.0; ...), each deploy run once per test module and kept as a
    template database and a directory, so that every test starts from a copy of deploy, deploy."""

    def __init__(self, server, factory):
        self.server = server
        self.factory = factory
        self.saved = {}

    def get(self, releases):
        releases = tuple(releases)
        if releases not in self.saved:
            self.saved[releases] = self._build(releases)
        return self.saved[releases]

    def _build(self, releases):
        base = self.factory.mktemp('chain')
        database = BlogDatabase(self.server, 'blog_real_' + '_'.join(r.replace('.', '') for r in releases))
        blog = RealBlog(base, Ansible(base / 'runs', database), database)
        if len(releases) > 1:
            copy_state(self.get(releases[:-1]), blog)
        else:
            self.server.drop_database(database.name)
            self.server.create_database(database.name)
        run = blog.deploy_release(releases[-1], release_scripts(releases[-1]))
        assert run.ok, run
        return Deployed(blog, database.name, blog.real_state())

    def drop(self):
        for saved in self.saved.values():
            self.server.drop_database(saved.template)


def copy_state(saved, blog):
    """Make ``blog`` (its database and directories) a copy of a saved state. History rows keep naming the saved
    state's backups, which stay where they are for the module's tests."""
    server = blog.db.server
    server.drop_database(blog.db.name)
    server.query('postgres', 'CREATE DATABASE "%s" TEMPLATE "%s"' % (blog.db.name, saved.template))
    for attribute in ('release_root', 'backup_dir'):
        target = getattr(blog, attribute)
        if os.path.isdir(target):
            shutil.rmtree(target)
        shutil.copytree(getattr(saved.blog, attribute), target, symlinks=True)


@pytest.fixture(scope='module')
def chains(pg_server, tmp_path_factory):
    found = Chains(pg_server, tmp_path_factory)
    yield found
    found.drop()


@pytest.fixture
def real_blog(tmp_path, ansible, blog_db):
    return RealBlog(tmp_path, ansible, blog_db)


def put_back(blog, method, later):
    """Take the blog from ``later`` back to the version before it, the way ``method`` says."""
    if method == 'restore':
        return blog.playbook('restore', backup=blog.backup_of_deploy(later))
    return blog.rollback(later, release_scripts(later), undo=method == 'undo')


def compare(blog, expected, method):
    actual = blog.real_state()
    if method == 'restore':
        # The restore playbook puts the database back, not the app hosts' files.
        actual['current'] = expected['current']
    if method == 'undo':
        # Undo scripts delete the rows their migrations added, but triggers have touched timestamps meanwhile.
        actual['contents'] = expected['contents']
    assert actual == expected, differences(expected, actual)


@pytest.mark.parametrize('method', ['restore', 'undo', 'backup'])
@pytest.mark.parametrize('earlier,later', PAIRS)
def test_back_to_the_earlier_version_exactly(chains, real_blog, earlier, later, method):
    """(a) restore the pre-deploy backup, (b) roll back with the undo scripts, (c) without them."""
    chain = list(RELEASES[:RELEASES.index(earlier) + 1]) + [later]
    before = chains.get(chain[:-1]).state
    copy_state(chains.get(chain), real_blog)
    assert real_blog.recorded()[0]['version'] == later

    run = put_back(real_blog, method, later)
    assert run.ok, run
    compare(real_blog, before, method)


def test_the_fixture_holds_what_real_schemas_hold(chains, real_blog):
    """Three releases, at least 40 migrations with undo scripts, and the kinds of objects the round trips must
    put back: checked on the deployed 3.0.0, so that a fixture edit cannot quietly drop one."""
    assert len(migrations()) >= 40
    assert [release_scripts(r) for r in RELEASES] == [15, 29, 43]
    copy_state(chains.get(RELEASES), real_blog)
    db = real_blog.db

    def one(sql):
        return db.query(sql)[0]['n']

    assert one("SELECT count(*) AS n FROM pg_extension WHERE extname = 'pg_trgm'") == 1
    assert one("SELECT count(*) AS n FROM pg_namespace WHERE nspname = 'stats'") == 1
    assert one("SELECT count(*) AS n FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid "
               "WHERE t.typname = 'post_state' AND e.enumlabel = 'archived'") == 1
    assert one("SELECT count(*) AS n FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid "
               "WHERE t.typname = 'comment_state' AND e.enumlabel = 'spam'") == 1
    assert one("SELECT count(*) AS n FROM pg_attribute WHERE attidentity <> '' AND NOT attisdropped "
               "AND attrelid IN (SELECT oid FROM pg_class WHERE relnamespace IN ('public'::regnamespace, "
               "'stats'::regnamespace))") >= 6
    assert one("SELECT count(*) AS n FROM pg_class WHERE relkind = 'S' AND relname IN "
               "('tags_id_seq', 'newsletter_issue_number')") == 2
    assert one("SELECT count(*) AS n FROM pg_indexes WHERE schemaname = 'public' AND indexdef LIKE '% WHERE %'") >= 3
    assert one("SELECT count(*) AS n FROM pg_indexes WHERE schemaname = 'public' AND indexdef LIKE '%(lower(%'") >= 3
    assert one("SELECT count(*) AS n FROM pg_proc WHERE prolang = (SELECT oid FROM pg_language WHERE lanname = "
               "'plpgsql') AND pronamespace IN ('public'::regnamespace, 'stats'::regnamespace)") >= 6
    assert one("SELECT count(*) AS n FROM pg_trigger WHERE NOT tgisinternal") >= 3
    assert one("SELECT count(*) AS n FROM pg_views WHERE schemaname IN ('public', 'stats')") >= 5
    assert one("SELECT count(*) AS n FROM pg_matviews WHERE schemaname = 'stats'") == 1
    # Foreign keys from tables of 2.0.0 and 3.0.0 into tables of 1.0.0.
    assert one("SELECT count(*) AS n FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text IN "
               "('comments', 'stats.page_views', 'subscribers', 'reactions', 'post_revisions') "
               "AND confrelid::regclass::text IN ('posts', 'authors')") >= 5


# Few examples and no shrinking: each example is three real playbook runs.
@settings(max_examples=2, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_two_cut_points_go_back_exactly(pg_server, tmp_path, data):
    """Releases made of any two prefixes of the migrations: deploy the shorter, deploy the longer, roll back
    with the undo scripts or through the backup, and the database is as the shorter left it."""
    count = len(migrations())
    first = data.draw(st.integers(min_value=1, max_value=count - 1), label='first cut')
    second = data.draw(st.integers(min_value=first + 1, max_value=count), label='second cut')
    method = data.draw(st.sampled_from(['undo', 'backup']), label='rollback')

    base = tmp_path / ('cut-%d-%d-%s' % (first, second, method))
    if base.exists():
        shutil.rmtree(str(base))
    base.mkdir()
    database = BlogDatabase(pg_server, 'blog_real_cut')
    pg_server.drop_database(database.name)
    pg_server.create_database(database.name)
    try:
        blog = RealBlog(base, Ansible(base / 'runs', database), database)
        earlier, later = '0.%d.0' % first, '0.%d.0' % second
        run = blog.deploy_release(earlier, first)
        assert run.ok, run
        before = blog.real_state()
        run = blog.deploy_release(later, second)
        assert run.ok, run
        assert blog.recorded()[0]['version'] == later

        run = blog.rollback(later, second, undo=method == 'undo')
        assert run.ok, run
        compare(blog, before, method)
    finally:
        pg_server.drop_database(database.name)
