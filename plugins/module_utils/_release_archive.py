# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Archives of deployed releases of a blog module, for keeping off the app hosts.

An archive ``<module>_<version>-<hash8>.tar.gz`` holds ``version.json`` (name, version, checksum,
dependencies; the checksum is tree_digest's checksum of the release directory) and the release
directory as ``release/``. It is written as a 0600 ``.partial`` file and renamed. Restoring
unpacks into a hidden sibling of the destination, checks the tree's checksum against
``version.json`` and renames it into place: a release directory is restored whole or not at all.

Releases live in ``<release_root>/<module>/releases/<version>-<hash8>/`` with
``<release_root>/<module>/current`` a symlink to the live one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import io
import json
import os
import re
import shutil
import stat
import tarfile
import tempfile
import zlib

from ansible_collections.blogops.release.plugins.module_utils._atomic_file import atomic_file, fsync_directory
from ansible_collections.blogops.release.plugins.module_utils._backup_sidecar import SHA256_HEX
from ansible_collections.blogops.release.plugins.module_utils._dependencies import check_dependencies
from ansible_collections.blogops.release.plugins.module_utils._identifiers import check_blog_module_name
from ansible_collections.blogops.release.plugins.module_utils._semver import parse_version
from ansible_collections.blogops.release.plugins.module_utils._tree_digest import tree_sha256

ARCHIVE_FORMAT = 1
VERSION_FILE = 'version.json'
TREE = 'release'
CHUNK = 1024 * 1024
_RELEASE_DIR = re.compile(r'^(?P<version>.+)-(?P<hash>[0-9a-f]{8})$', re.ASCII)


class ReleaseArchiveError(ValueError):
    """A release or an archive that cannot be archived, read or restored as asked."""


def parse_release_dir_name(name):
    """(version, hash8) of a release directory name ``<version>-<hash8>``, or None."""
    match = _RELEASE_DIR.fullmatch(name)
    return (match.group('version'), match.group('hash')) if match else None


def find_release(release_root, module_name, version=None):
    """The release directory of ``module_name`` under ``release_root``: the one ``current`` points to,
    or the one of ``version``."""
    base = os.path.join(release_root, module_name)
    current = os.path.join(base, 'current')
    if version is None:
        if not os.path.isdir(current):
            raise ReleaseArchiveError('%s does not point to a release directory, so blog module %s has no current '
                                      'release under %s' % (current, module_name, release_root))
        return os.path.realpath(current)
    releases = os.path.join(base, 'releases')
    try:
        names = sorted(os.listdir(releases))
    except OSError as e:
        raise ReleaseArchiveError('cannot list the releases of blog module %s: %s' % (module_name, e))
    found = [n for n in names if (parse_release_dir_name(n) or (None,))[0] == version
             and os.path.isdir(os.path.join(releases, n))]
    if not found:
        raise ReleaseArchiveError('blog module %s has no release of version %s in %s (there are: %s)'
                                  % (module_name, version, releases, ', '.join(names) or 'none'))
    if len(found) > 1:
        live = os.path.realpath(current)
        chosen = [n for n in found if os.path.join(os.path.realpath(releases), n) == live]
        if not chosen:
            raise ReleaseArchiveError('blog module %s has several releases of version %s in %s: %s; give release_dir'
                                      % (module_name, version, releases, ', '.join(found)))
        found = chosen
    return os.path.join(releases, found[0])


def release_identity(release_dir, module_name=None, version=None):
    """(blog module name, version) of a release directory: as given, else read from its place in the
    layout ``<root>/<module>/releases/<version>-<hash8>``."""
    release_dir = os.path.realpath(release_dir)
    releases = os.path.dirname(release_dir)
    parsed = parse_release_dir_name(os.path.basename(release_dir))
    if os.path.basename(releases) == 'releases':
        module_name = module_name or os.path.basename(os.path.dirname(releases))
        if parsed:
            version = version or parsed[0]
    if not module_name or not version:
        raise ReleaseArchiveError('cannot tell the blog module and version of %s from its path (expected '
                                  '<release_root>/<module>/releases/<version>-<hash8>); give module_name and version'
                                  % release_dir)
    check_blog_module_name(module_name)
    parse_version(version)
    return module_name, version


def version_document(module_name, version, checksum, dependencies, source=None):
    return dict(archive_format=ARCHIVE_FORMAT, name=module_name, version=version, checksum=checksum,
                dependencies=check_dependencies(module_name, dependencies), source=source,
                archived_at=datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'))


def archive_name(document):
    return '%s_%s-%s.tar.gz' % (document['name'], document['version'], document['checksum'][:8])


def release_dir_name(document):
    return '%s-%s' % (document['version'], document['checksum'][:8])


def _walk(root):
    """(relative path, absolute path) of everything under ``root``, parents before children, sorted."""
    for directory, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            path = os.path.join(directory, name)
            yield os.path.relpath(path, root).replace(os.sep, '/'), path


def write_archive(release_dir, document, path):
    """Archive ``release_dir`` with ``document`` as version.json into ``path`` (0600), atomically."""
    with atomic_file(path) as raw:
        with tarfile.open(fileobj=raw, mode='w:gz', format=tarfile.PAX_FORMAT) as tar:
            data = (json.dumps(document, indent=2, sort_keys=True) + '\n').encode('utf-8')
            info = tarfile.TarInfo(VERSION_FILE)
            info.size, info.mode, info.mtime = len(data), 0o644, int(datetime.datetime.now().timestamp())
            tar.addfile(info, io.BytesIO(data))
            tar.add(release_dir, arcname=TREE, recursive=False)
            for relative, member in _walk(release_dir):
                st = os.lstat(member)
                mode = st.st_mode
                if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISLNK(mode)):
                    raise ReleaseArchiveError('%s is neither a file, a directory nor a symlink' % member)
                # tarfile would store a second name as a hard link member, which restoring refuses.
                if stat.S_ISREG(mode) and st.st_nlink > 1:
                    raise ReleaseArchiveError('%s is a hard link (one file with %d names), which a release archive '
                                              'cannot hold; releases are unpacked without hard links'
                                              % (member, st.st_nlink))
                tar.add(member, arcname=TREE + '/' + relative, recursive=False)


def read_version_document(path):
    """The validated version.json of the archive at ``path``."""
    try:
        with tarfile.open(path, 'r:*') as tar:
            member = tar.next()
            if member is None or member.name != VERSION_FILE or not member.isfile():
                raise ReleaseArchiveError('%s is not a release archive: it does not start with %s' % (path, VERSION_FILE))
            document = json.loads(tar.extractfile(member).read().decode('utf-8'))
    except (tarfile.TarError, OSError, EOFError, ValueError) as e:
        if isinstance(e, ReleaseArchiveError):
            raise
        raise ReleaseArchiveError('cannot read %s from the release archive %s: %s' % (VERSION_FILE, path, e))
    if not isinstance(document, dict):
        raise ReleaseArchiveError('%s in %s is not a JSON object' % (VERSION_FILE, path))
    for field in ('name', 'version', 'checksum'):
        if not isinstance(document.get(field), str):
            raise ReleaseArchiveError('%s in %s lacks %r' % (VERSION_FILE, path, field))
    if not SHA256_HEX.fullmatch(document['checksum']):
        raise ReleaseArchiveError('%s in %s has an invalid checksum %r' % (VERSION_FILE, path, document['checksum']))
    try:
        check_blog_module_name(document['name'])
        parse_version(document['version'])
        document['dependencies'] = check_dependencies(document['name'], document.get('dependencies') or {})
    except ValueError as e:
        raise ReleaseArchiveError('%s in %s: %s' % (VERSION_FILE, path, e))
    return document


def _safe_relative(name):
    """The path inside the release of archive member ``name``; raises for anything that could land outside."""
    if name == TREE:
        return ''
    if not name.startswith(TREE + '/'):
        raise ReleaseArchiveError('unexpected member %r outside %s/' % (name, TREE))
    relative = name[len(TREE) + 1:].rstrip('/')
    parts = relative.split('/')
    if not relative or any(part in ('', '.', '..') for part in parts) or '\0' in relative:
        raise ReleaseArchiveError('unsafe member name %r' % name)
    return relative


def _check_parents(root, relative):
    """Every parent of ``relative`` below ``root`` must be a real directory, not a symlink (no writing through links)."""
    path = root
    for part in relative.split('/')[:-1]:
        path = os.path.join(path, part)
        if not stat.S_ISDIR(os.lstat(path).st_mode):
            raise ReleaseArchiveError('member %r would be written through %s, which is not a directory' % (relative, path))


def extract_release(path, root):
    """Unpack the release of archive ``path`` into the existing, empty directory ``root``.

    Directories stay 0700 until the end (a read-only release could not be filled otherwise); their
    archived modes are applied by apply_directory_modes() once the content is checked.
    """
    modes = {}
    # Directories this unpack made: a member inside one of them needs no check of its parents on disk.
    made = set([''])
    try:
        with tarfile.open(path, 'r:*') as tar:
            for member in tar:
                if member.name == VERSION_FILE:
                    continue
                relative = _safe_relative(member.name)
                target = os.path.join(root, relative) if relative else root
                if relative and relative.rpartition('/')[0] not in made:
                    _check_parents(root, relative)
                if member.isdir():
                    if relative:
                        os.mkdir(target, 0o700)
                        made.add(relative)
                    modes[target] = member.mode & 0o7777
                elif member.isfile() and relative:
                    source = tar.extractfile(member)
                    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, 'O_NOFOLLOW', 0), 0o600)
                    with os.fdopen(fd, 'wb') as out:
                        shutil.copyfileobj(source, out, CHUNK)
                        # The archived mode, set on the open file: no second lookup of the path.
                        os.fchmod(out.fileno(), member.mode & 0o7777)
                elif member.issym() and relative:
                    os.symlink(member.linkname, target)
                else:
                    raise ReleaseArchiveError('member %r is neither a file, a directory nor a symlink' % member.name)
            # Read to the end so that gzip checks its CRC over the whole archive, padding included.
            while tar.fileobj.read(1024 * 1024):
                pass
    except (tarfile.TarError, EOFError, OSError, zlib.error) as e:
        raise ReleaseArchiveError('cannot unpack the release archive %s (is it damaged?): %s' % (path, e))
    return modes


def apply_directory_modes(modes):
    for directory in sorted(modes, key=len, reverse=True):
        os.chmod(directory, modes[directory])


def restore_release(path, document, dest):
    """Unpack archive ``path`` as the release directory ``dest`` (which must not exist): into a hidden
    sibling first, renamed into place once its checksum is version.json's."""
    parent = os.path.dirname(dest)
    os.makedirs(parent, exist_ok=True)
    work = tempfile.mkdtemp(prefix='.%s.partial-' % os.path.basename(dest), dir=parent)
    try:
        modes = extract_release(path, work)
        actual = tree_sha256(work)
        if actual != document['checksum']:
            raise ReleaseArchiveError('the release restored from %s has checksum %s but its %s says %s; %s was not '
                                      'created' % (path, actual, VERSION_FILE, document['checksum'], dest))
        apply_directory_modes(modes)
        os.rename(work, dest)
    except BaseException:
        for directory, _dirs, _files in os.walk(work):
            os.chmod(directory, 0o700)
        shutil.rmtree(work, ignore_errors=True)
        raise
    fsync_directory(parent)
    return actual
