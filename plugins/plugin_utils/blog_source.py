# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reading a blog module from its source tree on the controller (DESIGN section 2).

    <source root>/modules/<name>/module.yml      name, version, requires, environment, description
    <source root>/modules/<name>/files/          what goes to the app hosts
    <source root>/modules/<name>/migrations/     V<version>__*.sql and U<version>__*.sql

Nothing outside ``modules/<name>`` is read: below the source root (which the caller names, and
which is followed if it is a link) every directory is opened by descriptor without following
links (contained_tree), ``modules``, ``modules/<name>``, ``files`` and ``migrations`` must be
real directories and ``module.yml`` a regular file, a file with a second name (hard link) is
not read, and links inside ``files/`` or ``migrations/`` must resolve inside them. Every problem
is collected, so that one failure lists them all (BlogSourceError.problems).

When module.yml has no version, it comes from git: the tag ``<name>/v<semver>`` or
``v<semver>`` that ``git describe`` finds. Commits after that tag add build metadata
(``1.4.0+3.gab12cd3``), which keeps the precedence of the tag but not its identity.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os
import re
import stat
import subprocess

from ansible_collections.blogops.release.plugins.module_utils import _contained_tree as contained_tree
from ansible_collections.blogops.release.plugins.module_utils._dependencies import check_dependencies
from ansible_collections.blogops.release.plugins.module_utils._identifiers import BLOG_MODULE_NAME, check_blog_module_name
from ansible_collections.blogops.release.plugins.module_utils._migration_files import NAME_FORM
from ansible_collections.blogops.release.plugins.module_utils._migration_version import migration_version_key
from ansible_collections.blogops.release.plugins.module_utils._semver import MAX_VERSION_LENGTH, InvalidVersion, SemVer
from ansible_collections.blogops.release.plugins.plugin_utils.manifest_yaml import (
    MAX_BYTES,
    ManifestYamlError,
    load_manifest_yaml,
    short,
)

MANIFEST_KEYS = {
    'name': 'text',
    'version': 'text',
    'description': 'text',
    'requires': 'mapping',
    'environment': 'list',
}
_TYPES = {'text': str, 'mapping': dict, 'list': list}
_ENV_NAME = re.compile(r'[A-Za-z_][A-Za-z0-9_]*', re.ASCII)
_SCRIPT = re.compile(r'(?P<kind>[VU])(?P<version>[0-9]+(?:\.[0-9]+)*)__.+\.sql', re.ASCII)
MAX_RANGE_LENGTH = 200
# A failure lists this many problems, then how many more there are.
MAX_LISTED = 25
CHUNK = 1024 * 1024


class BlogSourceError(ValueError):
    """A blog module source that cannot be deployed; ``problems`` lists what is wrong, each naming where.

    ``migrations_path`` is the migrations directory when it was found safe to read despite the problems (so
    that its scripts can be validated in the same preflight), else None.
    """

    def __init__(self, problems, migrations_path=None):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.migrations_path = migrations_path
        listed = self.problems[:MAX_LISTED]
        if len(self.problems) > MAX_LISTED:
            listed.append('and %d more' % (len(self.problems) - MAX_LISTED))
        super(BlogSourceError, self).__init__('; '.join(listed))


def _target(text):
    """A symlink's target as a message shows it: printable, not too long."""
    text = text if text.isprintable() else repr(text)
    return text if len(text) <= 200 else text[:200] + '...'


def check_manifest(where, data):
    """Problems of the loaded module.yml ``data`` (its keys and their types), each naming ``where`` and the key."""
    if not isinstance(data, dict):
        return ['%s must be a mapping with the keys %s' % (where, ', '.join(sorted(MANIFEST_KEYS)))]
    problems = []
    unknown = sorted((short(k) for k in data if k not in MANIFEST_KEYS), key=str)
    if unknown:
        problems.append('%s has unknown key(s) %s; allowed: %s' % (where, ', '.join(unknown), ', '.join(sorted(MANIFEST_KEYS))))
    for key, kind in sorted(MANIFEST_KEYS.items()):
        if key in data and data[key] is not None and not isinstance(data[key], _TYPES[kind]):
            expected = 'text' if kind == 'text' else 'a ' + kind
            problems.append('%s: %s must be %s, got %s' % (where, key, expected, short(data[key])))
    problems.extend(_requires_problems(where, data.get('requires')))
    environment = data.get('environment')
    for name in environment if isinstance(environment, list) else []:
        if not isinstance(name, str) or not _ENV_NAME.fullmatch(name):
            problems.append('%s: environment lists %s, which is not an environment variable name' % (where, short(name)))
    return problems


def _requires_problems(where, requires):
    """Names and ranges of ``requires`` that are not even text of the right form (quoted short)."""
    problems = []
    for name, range_text in requires.items() if isinstance(requires, dict) else ():
        if not isinstance(name, str) or not BLOG_MODULE_NAME.fullmatch(name):
            problems.append('%s: requires names %s, which is not a blog module name (^[a-z][a-z0-9_]{0,62}$)'
                            % (where, short(name)))
        elif not isinstance(range_text, str) or len(range_text) > MAX_RANGE_LENGTH:
            problems.append('%s: requires %s must be a version range (text of at most %d characters), got %s'
                            % (where, name, MAX_RANGE_LENGTH, short(range_text)))
    return problems


def parse_version_text(what, text):
    """The SemVer of ``text``, or BlogSourceError naming ``what`` and quoting a short prefix of the text."""
    if isinstance(text, str) and len(text) > MAX_VERSION_LENGTH:
        raise BlogSourceError('%s %s (%d characters) is longer than the %d characters a version may have'
                              % (what, short(text), len(text), MAX_VERSION_LENGTH))
    try:
        return SemVer.parse(text)
    except (InvalidVersion, ValueError) as e:
        raise BlogSourceError('%s: %s' % (what, e))


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
            problems.append('unexpected git describe output %s' % short(out, 80))
            continue
        tag_version, distance, commit = match.groups()
        version = parse_version_text('git tag %s of %s' % (short(out, 80), name), tag_version)
        if int(distance):
            version = SemVer(*version.release, prerelease=version.prerelease, build=(distance, 'g' + commit))
        return str(version), 'git tag %s' % out[:-(len(distance) + len(commit) + 3)]
    raise BlogSourceError('module.yml of %s has no version and git finds no tag %s/v<semver> or v<semver> (%s)'
                          % (name, name, '; '.join(p for p in problems if p) or 'no tags'))


def _lstat(dir_fd, name):
    try:
        return os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None


def _not_a_directory(where, dir_fd, name, st):
    """Why ``name`` (lstat ``st``) in ``dir_fd`` cannot be entered as a directory, or None."""
    if stat.S_ISLNK(st.st_mode):
        return ('%s is a symlink (to %s): it must be a directory of the source itself, so that nothing outside '
                'the blog module is read' % (where, _target(os.readlink(name, dir_fd=dir_fd))))
    if not stat.S_ISDIR(st.st_mode):
        return '%s is not a directory' % where
    return None


def _manifest_problem(where, error):
    return '%s%s %s' % (where, '' if error.line else ':', error)


def read_manifest_file(where, dir_fd):
    """(loaded module.yml, problems): read from ``dir_fd`` without following a link, at most MAX_BYTES + 1."""
    st = _lstat(dir_fd, 'module.yml')
    if st is None:
        return None, ['%s is missing: every blog module needs a manifest' % where]
    entry = contained_tree.TreeEntry('module.yml', 'l' if stat.S_ISLNK(st.st_mode) else 'f' if stat.S_ISREG(
        st.st_mode) else '?', st, None, dir_fd, 'module.yml')
    if entry.kind == 'l':
        return None, ['%s is a symlink (to %s): it must be a file of the blog module itself'
                      % (where, _target(os.readlink('module.yml', dir_fd=dir_fd)))]
    problem = contained_tree.entry_problem(entry)
    if problem:
        return None, ['%s: %s' % (where, problem)]
    try:
        with contained_tree.open_file(entry) as f:
            data = f.read(MAX_BYTES + 1)
        data, duplicates = load_manifest_yaml(data)
        return data, [_manifest_problem(where, e) for e in duplicates]
    except ManifestYamlError as e:
        return None, [_manifest_problem(where, e)]
    except (OSError, contained_tree.TreeError) as e:
        return None, ['%s cannot be read: %s' % (where, e)]


def read_tree(where, dir_fd, name, digests=True):
    """(manifest lines as tree_digest writes them, the tree's entries, problems) of directory ``name`` in
    ``dir_fd``, read without leaving it; every problem names the entry under ``where``."""
    st = _lstat(dir_fd, name)
    if st is None:
        return None, None, []
    problem = _not_a_directory(where, dir_fd, name, st)
    if problem:
        return None, None, [problem]
    lines, entries, problems, links = [], [], [], {}
    try:
        fd = contained_tree.open_directory(name, dir_fd=dir_fd)
    except OSError as e:
        return None, None, ['%s cannot be opened: %s' % (where, e)]
    try:
        for entry in contained_tree.walk(fd):
            entries.append(entry)
            quoted = json.dumps(entry.relative)
            problem = contained_tree.entry_problem(entry)
            if problem:
                problems.append('%s/%s: %s' % (where, entry.relative, problem))
            elif entry.kind == 'l':
                links[entry.relative] = entry.target
                lines.append((entry.relative, 'l %s %s' % (quoted, json.dumps(entry.target))))
            elif entry.kind == 'd':
                lines.append((entry.relative, 'd %s' % quoted))
            elif digests:
                try:
                    digest = hashlib.sha256()
                    with contained_tree.open_file(entry) as f:
                        for block in iter(lambda: f.read(CHUNK), b''):
                            digest.update(block)
                except (OSError, contained_tree.TreeError) as e:
                    problems.append('%s/%s cannot be read: %s' % (where, entry.relative, e))
                    continue
                lines.append((entry.relative, 'f %s %s %s' % (quoted, 'x' if entry.executable else '-',
                                                              digest.hexdigest())))
    except OSError as e:
        problems.append('%s changed while it was read: %s' % (where, e))
    finally:
        os.close(fd)
    for relative, target in contained_tree.escaping_links(links):
        problems.append('%s/%s: a symlink to %s, which leads outside %s/' % (where, relative, _target(target), name))
    return [line for _relative, line in sorted(lines)], entries, problems


def migration_versions(where, entries):
    """(versions of the V scripts, lowest first; problems naming the files) among the top-level ``entries``."""
    versions, problems = [], []
    for entry in entries:
        if '/' in entry.relative or entry.relative.startswith('.') or not entry.relative.endswith('.sql'):
            continue
        if entry.kind == 'd':
            continue
        match = _SCRIPT.fullmatch(entry.relative)
        if not match:
            problems.append('%s/%s: bad migration file name, expected %s' % (where, _target(entry.relative), NAME_FORM))
            continue
        try:
            migration_version_key(match.group('version'))
        except ValueError as e:
            problems.append('%s/%s: %s' % (where, _target(entry.relative), e))
            continue
        if match.group('kind') == 'V':
            versions.append(match.group('version'))
    return sorted(versions, key=migration_version_key), problems


def _open_module(source_root, name):
    """Descriptor of ``<source_root>/modules/<name>``, entered without following a link below the root."""
    if not os.path.isdir(source_root):
        raise BlogSourceError('blog source root %s is not a directory' % source_root)
    path = os.path.join(source_root, 'modules', name)
    root_fd = os.open(source_root, os.O_RDONLY | getattr(os, 'O_DIRECTORY', 0))
    try:
        st = _lstat(root_fd, 'modules')
        problem = st and _not_a_directory('modules', root_fd, 'modules', st)
        if problem:
            raise BlogSourceError('%s (in the source root %s)' % (problem, source_root))
        modules_fd = contained_tree.open_directory('modules', dir_fd=root_fd) if st else None
    finally:
        os.close(root_fd)
    try:
        st = _lstat(modules_fd, name) if modules_fd is not None else None
        if st is None:
            available = sorted(n for n in os.listdir(modules_fd) if BLOG_MODULE_NAME.fullmatch(n)) if modules_fd is not None else []
            raise BlogSourceError('blog module %r not found: %s does not exist (blog modules in %s: %s)'
                                  % (name, path, source_root, ', '.join(available) or 'none'))
        problem = _not_a_directory('modules/%s' % name, modules_fd, name, st)
        if problem:
            raise BlogSourceError('%s (in the source root %s)' % (problem, source_root))
        return contained_tree.open_directory(name, dir_fd=modules_fd), path
    finally:
        if modules_fd is not None:
            os.close(modules_fd)


def read_blog_module(source_root, name, expected_version=None):
    """Everything a deploy needs to know about blog module ``name`` in ``source_root``; BlogSourceError listing
    every problem found otherwise."""
    check_blog_module_name(name)
    try:
        module_fd, path = _open_module(source_root, name)
    except OSError as e:
        raise BlogSourceError('blog module %s cannot be opened in %s: %s' % (name, source_root, e))
    where = 'modules/%s' % name
    problems = []
    try:
        manifest, found = read_manifest_file(where + '/module.yml', module_fd)
        problems.extend(found)
        if manifest is not None:
            problems.extend(check_manifest(where + '/module.yml', manifest))
        lines, _entries, found = read_tree(where + '/files', module_fd, 'files')
        problems.extend(found)
        if lines is None and not found:
            problems.append('blog module %s has no files/ directory at %s' % (name, os.path.join(path, 'files')))
        _lines, migration_entries, migration_problems = read_tree(where + '/migrations', module_fd, 'migrations',
                                                                  digests=False)
    finally:
        os.close(module_fd)
    migrations, found = migration_versions(where + '/migrations', migration_entries or [])
    problems.extend(migration_problems + found)
    migrations_path = os.path.join(path, 'migrations') if migration_entries is not None else None
    safe_migrations = None if migration_problems else migrations_path

    version = version_source = None
    requires = {}
    if isinstance(manifest, dict):
        manifest_file = where + '/module.yml'
        if isinstance(manifest.get('name'), str) and manifest['name'] != name:
            problems.append('%s names blog module %s but lives in modules/%s' % (manifest_file, short(manifest['name']), name))
        try:
            if isinstance(manifest.get('version'), str) and manifest['version']:
                version = str(parse_version_text(manifest_file + ': version', manifest['version']))
                version_source = 'module.yml'
            elif not manifest.get('version'):
                version, version_source = version_from_git(path, name)
        except BlogSourceError as e:
            problems.extend(e.problems)
        if isinstance(manifest.get('requires'), dict) and not _requires_problems(manifest_file, manifest['requires']):
            try:
                requires = check_dependencies(name, manifest['requires'])
            except ValueError as e:
                problems.append('%s: %s' % (manifest_file, e))
    if expected_version is not None:
        try:
            expected = parse_version_text('requested version', expected_version)
            if version is not None and expected != SemVer.parse(version):
                problems.append('requested version %s of blog module %s, but the source at %s is version %s (from %s)'
                                % (expected_version, name, path, version, version_source))
        except BlogSourceError as e:
            problems.extend(e.problems)
    if problems:
        raise BlogSourceError(problems, safe_migrations)
    checksum = hashlib.sha256()
    for line in lines:
        checksum.update(line.encode('utf-8', 'surrogateescape') + b'\n')
    checksum = checksum.hexdigest()
    return dict(
        name=name,
        version=version,
        version_source=version_source,
        description=manifest.get('description') or '',
        requires=requires,
        environment=list(manifest.get('environment') or []),
        path=path,
        files_path=os.path.join(path, 'files'),
        migrations_path=migrations_path,
        migrations=migrations,
        schema_version=migrations[-1] if migrations else None,
        checksum='sha256:' + checksum,
        release_id='%s-%s' % (version, checksum[:8]),
    )
