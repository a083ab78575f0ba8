# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A blog to deploy in tests: a source tree (a copy of examples/blog), a release root, a backup
directory, real deploy playbook runs, and snapshots of everything a failed deploy must not change."""

import glob
import json
import os
import shutil
import stat

from harness.playbook import ROOT

from ansible_collections.blogops.release.plugins.module_utils._tree_digest import file_sha256, tree_sha256

SAMPLE = os.path.join(ROOT, 'examples', 'blog')
PLAYBOOKS = os.path.join(ROOT, 'playbooks')


class Blog:
    def __init__(self, tmp_path, ansible, database, inventory=None):
        self.tmp = tmp_path
        self.ansible = ansible
        self.db = database
        self.inventory = inventory
        self.source = str(tmp_path / 'source')
        self.release_root = str(tmp_path / 'srv' / 'blog')
        self.backup_dir = str(tmp_path / 'backups')
        shutil.copytree(os.path.join(SAMPLE, 'base'), self.source)

    def overlay(self, change):
        """Lay a later release of examples/blog over the source."""
        shutil.copytree(os.path.join(SAMPLE, change), self.source, dirs_exist_ok=True)

    def write(self, module, files):
        """Add or replace files of a blog module in the source; None removes one."""
        for name, content in files.items():
            path = os.path.join(self.source, 'modules', module, name)
            if content is None:
                os.unlink(path)
                continue
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, 'w') as f:
                f.write(content)

    def set_version(self, module, version, requires=None):
        lines = ['name: %s' % module, 'version: %s' % version]
        if requires:
            lines.append('requires:')
            lines.extend('  %s: "%s"' % item for item in sorted(requires.items()))
        self.write(module, {'module.yml': '\n'.join(lines) + '\n'})

    def playbook(self, name, check=False, **extra):
        variables = dict(blog_source_root=self.source, blog_release_root=self.release_root,
                         blog_backup_dir=self.backup_dir)
        variables.update(extra)
        return self.ansible.playbook(os.path.join(PLAYBOOKS, name + '.yml'), extra_vars=variables, check=check,
                                     inventory=self.inventory)

    def deploy(self, module, version=None, check=False, **extra):
        if version:
            extra['blog_version'] = version
        return self.playbook('deploy', check=check, blog_module=module, **extra)

    # What a deploy must leave as it found it when it fails.

    def links(self, module, root=None):
        base = os.path.join(root or self.release_root, module)
        return dict((name, os.readlink(os.path.join(base, name)) if os.path.islink(os.path.join(base, name)) else None)
                    for name in ('current', 'previous'))

    def releases(self, module, root=None):
        path = os.path.join(root or self.release_root, module, 'releases')
        return sorted(os.listdir(path)) if os.path.isdir(path) else []

    def tables(self):
        return [r['table_name'] for r in self.db.query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1")]

    def snapshot(self, module='comments', roots=None):
        """Data, schema, tracking tables and release directories, for before/after comparisons."""
        data = {}
        for name in self.tables():
            if name == 'module_version':
                # What the row says; updated_at and updated_by tell when and who last wrote it.
                data[name] = self.db.query('SELECT module_name, version, schema_version, dependencies, checksum '
                                           'FROM module_version ORDER BY 1')
            elif name not in ('module_version_history', 'schema_version', 'schema_snapshot'):
                data[name] = self.db.query('SELECT * FROM "%s" ORDER BY 1' % name)
        return dict(
            data=data,
            columns=self.db.query("SELECT table_name, column_name, data_type FROM information_schema.columns "
                                  "WHERE table_schema = 'public' ORDER BY 1, 2"),
            indexes=self.db.query("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1"),
            constraints=self.db.query("SELECT conname FROM pg_constraint WHERE connamespace = 'public'::regnamespace "
                                      "ORDER BY 1"),
            schema_versions=self.schema_versions(),
            files=dict((root, dict(links=self.links(module, root), releases=self.releases(module, root)))
                       for root in (roots or [self.release_root])),
        )

    def schema_versions(self):
        """The applied schema versions of each blog module, replayed from schema_version."""
        if 'schema_version' not in self.tables():
            return {}
        applied = {}
        for row in self.db.query('SELECT module_name, version, kind, success FROM schema_version ORDER BY id'):
            versions = applied.setdefault(row['module_name'], set())
            if row['success'] and row['kind'] in ('migrate', 'baseline'):
                versions.add(row['version'])
            elif row['success'] and row['kind'] == 'undo':
                versions.discard(row['version'])
        return dict((k, sorted(v)) for k, v in applied.items())

    def history(self, module):
        return self.db.query('SELECT from_version, to_version, status, backup, message FROM module_version_history '
                             'WHERE module_name = %s ORDER BY id', (module,))

    # Row-level state, for the fault suite: everything a fault must not lose.

    def data_rows(self):
        """Every row of every table but the tracking tables, in a stable order."""
        return dict((name, self.db.query('SELECT * FROM "%s" AS t ORDER BY t::text' % name)) for name in self.tables()
                    if name not in ('module_version', 'module_version_history', 'schema_version', 'schema_snapshot'))

    def tracking_rows(self):
        """module_version (what each row records), schema_version and module_version_history, row for row."""
        tables = self.tables()
        return dict(
            module_version=self.db.query('SELECT module_name, version, schema_version, dependencies, checksum '
                                         'FROM module_version ORDER BY 1') if 'module_version' in tables else [],
            schema_version=self.db.query('SELECT * FROM schema_version ORDER BY id') if 'schema_version' in tables else [],
            history=self.db.query('SELECT * FROM module_version_history ORDER BY id')
            if 'module_version_history' in tables else [],
        )

    def release_files(self, module='comments', roots=None):
        """For each release root: the links, and every release with its files' checksum and whether anything
        in it is writable by others."""
        found = {}
        for root in roots or [self.release_root]:
            releases = {}
            for name in self.releases(module, root):
                path = os.path.join(root, module, 'releases', name)
                world_writable = [p for p in [path] + [os.path.join(d, n) for d, ds, fs in os.walk(path) for n in ds + fs]
                                  if not os.path.islink(p) and os.lstat(p).st_mode & stat.S_IWOTH]
                releases[name] = dict(checksum=tree_sha256(path), world_writable=world_writable)
            found[root] = dict(links=self.links(module, root), releases=releases)
        return found

    def backups(self, directory=None):
        """Complete backups (a dump with its sidecar) with their checksums and modes, and leftovers."""
        directory = directory or self.backup_dir
        complete, leftovers = {}, []
        for path in sorted(glob.glob(os.path.join(directory, 'blog_backup_*'))):
            name = os.path.basename(path)
            if name.endswith('.json'):
                continue
            if not os.path.exists(path + '.json') or name.endswith('.partial'):
                leftovers.append(name)
                continue
            with open(path + '.json') as f:
                sidecar = json.load(f)
            complete[name] = dict(sha256=file_sha256(path) if os.path.isfile(path) else None,
                                  sidecar_sha256=sidecar.get('sha256'), mode=stat.S_IMODE(os.stat(path).st_mode),
                                  sidecar_mode=stat.S_IMODE(os.stat(path + '.json').st_mode))
        mode = stat.S_IMODE(os.stat(directory).st_mode) if os.path.isdir(directory) else None
        return dict(complete=complete, leftovers=leftovers, directory_mode=mode)

    def state(self, module='comments', roots=None):
        """The snapshot plus every row of the data and tracking tables, the releases' checksums and the backups."""
        return dict(self.snapshot(module, roots), rows=self.data_rows(), tracking=self.tracking_rows(),
                    release_files=self.release_files(module, roots), backups=self.backups())
