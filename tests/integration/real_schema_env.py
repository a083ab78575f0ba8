# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The realistic blog schema of tests/fixtures/real_blog as a blog module, and what "exactly back" compares.

The fixture is one ordered list of 43 migrations, each with its undo script. A version of the blog module
is a prefix of that list: 1.0.0 holds the V1.x scripts, 2.0.0 adds V2.x, 3.0.0 adds V3.x; the property
test cuts the list anywhere.
"""

import difflib
import os
import re
import shutil
import subprocess

from deploy_env import Blog
from harness.playbook import ROOT

FIXTURE = os.path.join(ROOT, 'tests', 'fixtures', 'real_blog')
MODULE = 'blog'
TRACKING_TABLES = ('module_version', 'module_version_history', 'schema_version', 'schema_snapshot')
SCRIPT = re.compile(r'^V(?P<version>\d+(?:\.\d+)*)__.+\.sql$')


def migrations():
    """The V scripts' versions in the order they apply: ['1.1', '1.2', ..., '3.14']."""
    found = [SCRIPT.match(name).group('version') for name in os.listdir(os.path.join(FIXTURE, 'migrations'))
             if SCRIPT.match(name)]
    return sorted(found, key=lambda v: [int(p) for p in v.split('.')])


def release_scripts(release):
    """How many migrations the releases 1.0.0, 2.0.0 and 3.0.0 hold: every V<major>.x up to their major."""
    major = int(release.split('.')[0])
    return len([v for v in migrations() if int(v.split('.')[0]) <= major])


class RealBlog(Blog):
    """A Blog (deploy_env) whose source holds only the blog module ``blog`` built from the fixture."""

    def __init__(self, tmp_path, ansible, database, inventory=None):
        super(RealBlog, self).__init__(tmp_path, ansible, database, inventory)
        shutil.rmtree(os.path.join(self.source, 'modules'))

    def write_source(self, version, count, undo=True):
        """modules/blog of release ``version``: the first ``count`` migrations, with their undo scripts or without."""
        module = os.path.join(self.source, 'modules', MODULE)
        if os.path.isdir(module):
            shutil.rmtree(module)
        shutil.copytree(os.path.join(FIXTURE, 'files'), os.path.join(module, 'files'))
        os.makedirs(os.path.join(module, 'migrations'))
        wanted = set(migrations()[:count])
        for name in os.listdir(os.path.join(FIXTURE, 'migrations')):
            kind, version_part = name[0], name[1:].split('__', 1)[0]
            if version_part in wanted and (kind == 'V' or undo):
                shutil.copy(os.path.join(FIXTURE, 'migrations', name), os.path.join(module, 'migrations', name))
        with open(os.path.join(module, 'module.yml'), 'w') as f:
            f.write('name: %s\nversion: %s\ndescription: A blog with a realistic schema.\n' % (MODULE, version))

    def deploy_release(self, version, count):
        self.write_source(version, count)
        # The fixture holds what real schemas hold, renames and drops among them, which the migration lint refuses
        # on purpose (tests/integration/test_migration_lint.py); here the subject is putting things back.
        return self.deploy(MODULE, version, blog_lint=False)

    def rollback(self, version, count, undo):
        """The rollback playbook, with the source of release ``version`` with or without its undo scripts."""
        self.write_source(version, count, undo=undo)
        return self.playbook('rollback', blog_module=MODULE)

    def backup_of_deploy(self, version):
        """The pre-deploy backup of the (newest) deploy that brought ``version``."""
        rows = [h for h in self.history(MODULE) if h['to_version'] == version and h['status'] == 'deployed']
        assert rows and rows[-1]['backup'], 'no deploy to %s with a backup in %r' % (version, self.history(MODULE))
        return rows[-1]['backup']

    # What "exactly back" means.

    def schema_dump(self):
        return normalized_schema(self.db.server, self.db.name)

    def row_counts(self):
        """Rows of every table of every schema but the tracking tables."""
        return dict(('%s.%s' % (t['schema'], t['name']), self.db.query(
            'SELECT count(*) AS n FROM "%s"."%s"' % (t['schema'], t['name']))[0]['n']) for t in self.user_tables())

    def row_contents(self):
        """Every row of every table but the tracking tables, as text, in a stable order."""
        return dict(('%s.%s' % (t['schema'], t['name']), [r['t'] for r in self.db.query(
            'SELECT t::text AS t FROM "%s"."%s" AS t ORDER BY 1' % (t['schema'], t['name']))])
            for t in self.user_tables())

    def user_tables(self):
        return [t for t in self.db.query(
            "SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1, 2")
            if not (t['schema'] == 'public' and t['name'] in TRACKING_TABLES)]

    def recorded(self):
        """The module_version row: what a deploy or rollback records for the blog module."""
        if 'module_version' not in self.tables():
            return []
        return self.db.query('SELECT module_name, version, schema_version, dependencies, checksum FROM module_version '
                             'ORDER BY 1')

    def real_state(self):
        return dict(schema=self.schema_dump(), counts=self.row_counts(), contents=self.row_contents(),
                    recorded=self.recorded(), applied=self.schema_versions(), current=self.links(MODULE)['current'])


# pg_dump's header lines and session settings, which say nothing about the schema; \restrict and \unrestrict
# carry a random key in pg_dump 15.14 and later.
NOISE = re.compile(r'^(--|SET |SELECT pg_catalog\.set_config\(|\\restrict |\\unrestrict )')


def normalized_schema(server, dbname):
    """``pg_dump --schema-only`` of the database as a sorted list of its statements' texts.

    pg_dump orders objects of the same kind and name by their OIDs, which a restore or an undo script
    that makes an object again changes: the list is sorted, so only what exists and how it is defined count.
    """
    params = server.admin_params(dbname)
    env = dict(os.environ, PGHOST=str(params.get('host', '')), PGPORT=str(params.get('port', '')),
               PGUSER=str(params.get('user', '')), PGDATABASE=dbname)
    if params.get('password'):
        env['PGPASSWORD'] = params['password']
    dump = subprocess.run([os.path.join(server.bindir, 'pg_dump'), '--schema-only', '--no-owner', '--no-privileges'],
                          env=env, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True).stdout
    statements, current = [], []
    for line in dump.splitlines():
        if line.startswith('-- Name: ') or line.startswith('-- Data for Name: '):
            statements.append('\n'.join(current).strip())
            current = []
        elif line.strip() and not NOISE.match(line):
            current.append(line.rstrip())
    statements.append('\n'.join(current).strip())
    return sorted(s for s in statements if s)


def differences(expected, actual):
    """What differs between two states, readably: a unified diff of the schema, then the other keys."""
    lines = []
    if expected['schema'] != actual['schema']:
        lines.extend(difflib.unified_diff('\n\n'.join(expected['schema']).splitlines(),
                                          '\n\n'.join(actual['schema']).splitlines(),
                                          'schema at the earlier version', 'schema now', lineterm='', n=1))
    for key in sorted(set(expected) - {'schema'}):
        if key in actual and expected[key] != actual[key]:
            lines.append('%s: expected %r, found %r' % (key, expected[key], actual[key]))
    return '\n'.join(lines)
