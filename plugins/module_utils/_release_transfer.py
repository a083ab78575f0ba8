# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one-archive transfer of a release: packing on the controller, unpacking on the host.

Only regular files, directories and symlinks that stay inside the release are allowed, in
both directions: an absolute name, a ``..`` component, a link leading outside, a hard link
or a device is refused with the member's name, before anything is written. Packing reads the
tree by descriptors without following links (contained_tree), so it never reads a byte from
outside the tree, and resolves every link through the others. On the host, a link that leads
outside only through another link (``a -> ..`` inside ``d/``, then ``b -> d/a/..``) is caught
once the tree is on disk, by resolving every link for real (check_tree_links), before the
release gets its final name.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import posixpath
import stat
import tarfile

from ansible_collections.blogops.release.plugins.module_utils import _contained_tree as contained_tree


class UnsafeArchive(ValueError):
    """An archive or tree member that could write or point outside the release."""


def _inside(name):
    """True when a relative POSIX path stays inside its root."""
    if name.startswith('/') or not name:
        return False
    depth = 0
    for part in name.split('/'):
        if part == '..':
            depth -= 1
        elif part not in ('', '.'):
            depth += 1
        if depth < 0:
            return False
    return True


def check_link(name, target):
    """A symlink at ``name`` (relative to the release) must point inside the release."""
    if target.startswith('/') or not _inside(posixpath.join(posixpath.dirname(name), target)):
        raise UnsafeArchive('symlink %s points to %s, outside the release' % (name, target))


def check_tree_links(root):
    """Every symlink under ``root``, resolved through every other link, must lead inside ``root``."""
    real_root = os.path.realpath(root)
    for directory, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(directory, name)
            if not os.path.islink(path):
                continue
            relative = os.path.relpath(path, root).replace(os.sep, '/')
            check_link(relative, os.readlink(path))
            resolved = os.path.realpath(path)
            if resolved != real_root and not resolved.startswith(real_root + os.sep):
                raise UnsafeArchive('symlink %s points to %s, which resolves to %s, outside the release'
                                    % (relative, os.readlink(path), resolved))


def pack_tree(root, archive_path, compress=False):
    """Write the tree under ``root`` into a tar archive, refusing what unpacking would refuse.

    The tree is read by descriptors without following links (contained_tree): ``root`` itself must not be a
    symlink, a file with a second name (hard link) or a special file is refused, and every symlink must resolve
    inside ``root`` through the others. Links are checked once all are known; an archive refused then is only
    a file the caller removes, and no byte from outside was read into it.
    """
    try:
        root_fd = contained_tree.open_directory(root)
    except OSError as e:
        if os.path.islink(root):
            raise UnsafeArchive('%s is a symlink; give the directory itself, so that nothing outside it is read' % root)
        raise UnsafeArchive('%s cannot be opened as a directory: %s' % (root, e))
    options = dict(format=tarfile.PAX_FORMAT)
    if compress:
        # Level 1: most of gzip's saving on text for a fraction of its time.
        options['compresslevel'] = 1
    links = {}
    try:
        with tarfile.open(archive_path, 'w:gz' if compress else 'w', **options) as tar:
            for entry in contained_tree.walk(root_fd):
                problem = contained_tree.entry_problem(entry)
                if problem:
                    raise UnsafeArchive('%s is %s' % (entry.relative, problem))
                info = tarfile.TarInfo(entry.relative)
                info.mode = stat.S_IMODE(entry.st.st_mode)
                info.mtime = int(entry.st.st_mtime)
                if entry.kind == 'l':
                    check_link(entry.relative, entry.target)
                    links[entry.relative] = entry.target
                    info.type, info.linkname = tarfile.SYMTYPE, entry.target
                    tar.addfile(info)
                elif entry.kind == 'd':
                    info.type = tarfile.DIRTYPE
                    tar.addfile(info)
                else:
                    with contained_tree.open_file(entry) as f:
                        info.size = os.fstat(f.fileno()).st_size
                        tar.addfile(info, f)
    except contained_tree.TreeError as e:
        raise UnsafeArchive(str(e))
    except OSError as e:
        raise UnsafeArchive('cannot pack %s: %s' % (root, e))
    finally:
        os.close(root_fd)
    escaping = contained_tree.escaping_links(links)
    if escaping:
        raise UnsafeArchive('symlink %s points to %s, which resolves outside the release' % escaping[0])


def check_members(members):
    """Refuse the whole archive when one member is unsafe; returns the members."""
    for member in members:
        name = member.name
        if not _inside(name):
            raise UnsafeArchive('archive member %s has an absolute path or leaves the release with ..' % name)
        if member.issym():
            check_link(name, member.linkname)
        elif member.islnk():
            raise UnsafeArchive('archive member %s is a hard link, which releases do not allow' % name)
        elif not (member.isreg() or member.isdir()):
            raise UnsafeArchive('archive member %s is a device, FIFO or other special file' % name)
    return members


def unpack_archive(archive_path, dest):
    """Extract a checked archive into the existing directory ``dest``; modes keep the owner's x bit."""
    with tarfile.open(archive_path, 'r:*') as tar:
        members = check_members(tar.getmembers())
        for member in members:
            target = os.path.join(dest, *member.name.split('/'))
            if member.isdir():
                if not os.path.isdir(target):
                    os.makedirs(target, 0o755)
            elif member.issym():
                os.makedirs(os.path.dirname(target), 0o755, exist_ok=True)
                os.symlink(member.linkname, target)
            else:
                os.makedirs(os.path.dirname(target), 0o755, exist_ok=True)
                source = tar.extractfile(member)
                with open(target, 'wb') as out:
                    while True:
                        block = source.read(1024 * 1024)
                        if not block:
                            break
                        out.write(block)
                os.chmod(target, 0o755 if member.mode & stat.S_IXUSR else 0o644)
    check_tree_links(dest)
    return len(members)


def unpack_shipped_migrations(archive):
    """Unpack the migrations an action plugin shipped (``archive``, in the task's temporary directory, which the
    action removes afterwards) into ``migrations`` beside it; returns that directory. Raises ValueError naming
    what went wrong."""
    path = os.path.join(os.path.dirname(archive), 'migrations')
    try:
        os.mkdir(path, 0o700)
        unpack_archive(archive, path)
    except (UnsafeArchive, OSError, tarfile.TarError) as e:
        raise ValueError('cannot unpack the migrations shipped from the controller: %s' % e)
    return path
