# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reading a blog module from its source tree on the controller (DESIGN section 2).

    <source root>/modules/<name>/module.yml      name, version, requires, environment, description
    <source root>/modules/<name>/files/          what goes to the app hosts
    <source root>/modules/<name>/migrations/     V<version>__*.sql and U<version>__*.sql

When module.yml has no version, it comes from git: the tag ``<name>/v<semver>`` or
``v<semver>`` that ``git describe`` finds. Commits after that tag add build metadata
(``1.4.0+3.gab12cd3``), which keeps the precedence of the tag but not its identity.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import subprocess

import yaml

from ansible_collections.blogops.release.plugins.module_utils.dependencies import check_dependencies
from ansible_collections.blogops.release.plugins.module_utils.identifiers import check_blog_module_name
from ansible_collections.blogops.release.plugins.module_utils.migration_version import migration_version_key
from ansible_collections.blogops.release.plugins.module_utils.semver import InvalidVersion, SemVer
from ansible_collections.blogops.release.plugins.module_utils.tree_digest import tree_sha256

MANIFEST_KEYS = {
    'name': 'text',
    'version': 'text',
    'description': 'text',
    'requires': 'mapping',
    'environment': 'list',
}
_TYPES = {'text': str, 'mapping': dict, 'list': list}
_ENV_NAME = re.compile(r'[A-Za-z_][A-Za-z0-9_]*', re.ASCII)
_MIGRATION = re.compile(r'V(\d+(?:\.\d+)*)__.+\.sql', re.ASCII)


class BlogSourceError(ValueError):
    """A blog module source that cannot be deployed; the message says what is wrong and where."""


def read_manifest(path):
    """Load and type-check module.yml; unknown keys and wrong types are errors naming them."""
    try:
        with open(path, 'rb') as f:
            data = yaml.safe_load(f)
    except FileNotFoundError:
        raise BlogSourceError('%s is missing: every blog module needs a manifest' % path)
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise BlogSourceError('%s is not valid YAML: %s' % (path, e))
    if not isinstance(data, dict):
        raise BlogSourceError('%s must be a mapping with the keys %s' % (path, ', '.join(sorted(MANIFEST_KEYS))))
    unknown = sorted(set(data) - set(MANIFEST_KEYS), key=str)
    if unknown:
        raise BlogSourceError('%s has unknown key(s) %s; allowed: %s'
                              % (path, ', '.join(repr(k) for k in unknown), ', '.join(sorted(MANIFEST_KEYS))))
    for key, kind in MANIFEST_KEYS.items():
        if key in data and data[key] is not None and not isinstance(data[key], _TYPES[kind]):
            expected = 'text' if kind == 'text' else 'a ' + kind
            raise BlogSourceError('%s: %s must be %s, got %r' % (path, key, expected, data[key]))
    for name in data.get('environment') or []:
        if not isinstance(name, str) or not _ENV_NAME.fullmatch(name):
            raise BlogSourceError('%s: environment lists %r, which is not an environment variable name' % (path, name))
    return data


def _git(directory, *args):
    proc = subprocess.run(['git', '-C', directory] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, check=False)
    return proc.returncode, proc.stdout.strip(), proc.stderr.strip()


def version_from_git(directory, name):
    """The version of the nearest tag ``<name>/v<semver>`` (preferred) or ``v<semver>``, with git's distance."""
    problems = []
    for pattern in ('%s/v*' % name, 'v*'):
        try:
            code, out, err = _git(directory, 'describe', '--tags', '--long', '--match', pattern)
        except OSError as e:
            raise BlogSourceError('module.yml of %s has no version and git cannot be run to find one: %s' % (name, e))
        if code != 0:
            problems.append(err or out)
            continue
        match = re.fullmatch(r'(?:.*/)?v(.+)-(\d+)-g([0-9a-f]+)', out)
        if not match:
            problems.append('unexpected git describe output %r' % out)
            continue
        tag_version, distance, commit = match.groups()
        try:
            version = SemVer.parse(tag_version)
        except InvalidVersion as e:
            raise BlogSourceError('git tag of %s does not carry a semantic version: %s' % (name, e))
        if int(distance):
            version = SemVer(*version.release, prerelease=version.prerelease, build=(distance, 'g' + commit))
        return str(version), 'git tag %s' % out[:-(len(distance) + len(commit) + 3)]
    raise BlogSourceError('module.yml of %s has no version and git finds no tag %s/v<semver> or v<semver> (%s)'
                          % (name, name, '; '.join(p for p in problems if p) or 'no tags'))


def migration_versions(migrations_path):
    """Versions of the V scripts, lowest first (the migrate module validates the scripts fully)."""
    if not migrations_path:
        return []
    found = [m.group(1) for m in (_MIGRATION.fullmatch(n) for n in os.listdir(migrations_path)) if m]
    return sorted(found, key=migration_version_key)


def read_blog_module(source_root, name, expected_version=None):
    """Everything a deploy needs to know about blog module ``name`` in ``source_root``."""
    check_blog_module_name(name)
    if not os.path.isdir(source_root):
        raise BlogSourceError('blog source root %s is not a directory' % source_root)
    path = os.path.join(source_root, 'modules', name)
    if not os.path.isdir(path):
        available = sorted(os.listdir(os.path.join(source_root, 'modules'))) if os.path.isdir(
            os.path.join(source_root, 'modules')) else []
        raise BlogSourceError('blog module %r not found: %s does not exist (blog modules in %s: %s)'
                              % (name, path, source_root, ', '.join(available) or 'none'))
    manifest = read_manifest(os.path.join(path, 'module.yml'))
    if manifest.get('name', name) != name:
        raise BlogSourceError('%s/module.yml names blog module %r but lives in modules/%s'
                              % (path, manifest['name'], name))
    if manifest.get('version'):
        try:
            version = str(SemVer.parse(manifest['version']))
        except InvalidVersion as e:
            raise BlogSourceError('%s/module.yml: %s' % (path, e))
        version_source = 'module.yml'
    else:
        version, version_source = version_from_git(path, name)
    if expected_version is not None:
        try:
            expected = SemVer.parse(expected_version)
        except InvalidVersion as e:
            raise BlogSourceError('requested %s' % e)
        if expected != SemVer.parse(version):
            raise BlogSourceError('requested version %s of blog module %s, but the source at %s is version %s (from %s)'
                                  % (expected_version, name, path, version, version_source))
    try:
        requires = check_dependencies(name, manifest.get('requires'))
    except ValueError as e:
        raise BlogSourceError('%s/module.yml: %s' % (path, e))
    files_path = os.path.join(path, 'files')
    if not os.path.isdir(files_path):
        raise BlogSourceError('blog module %s has no files/ directory at %s' % (name, files_path))
    migrations_path = os.path.join(path, 'migrations')
    if not os.path.isdir(migrations_path):
        migrations_path = None
    checksum = tree_sha256(files_path)
    migrations = migration_versions(migrations_path)
    return dict(
        name=name,
        version=version,
        version_source=version_source,
        description=manifest.get('description') or '',
        requires=requires,
        environment=list(manifest.get('environment') or []),
        path=path,
        files_path=files_path,
        migrations_path=migrations_path,
        migrations=migrations,
        schema_version=migrations[-1] if migrations else None,
        checksum='sha256:' + checksum,
        release_id='%s-%s' % (version, checksum[:8]),
    )
