# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unpacking an uploaded release archive on the host, in one pass, with its checksum.

The archive's members are checked first (release_transfer.check_members: nothing absolute, no
``..``, no hard link, device or link out of the release), before anything is written. Then each
member is written once: every directory is made once (parents before children, as pack_tree
writes them; a missing parent is made once too), each file is created with its final mode and
written from the archive, while its content is hashed. The checksum returned is tree_digest's
checksum of the tree as written, so the caller checks it without reading the files again.

A member is only ever written inside a directory this unpack made, so nothing is written through
a symlink or over an earlier member; links are resolved for real (check_tree_links) once they are
all on disk.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import hashlib
import io
import os
import stat
import tarfile
import zlib

from ansible_collections.blogops.release.plugins.module_utils._release_transfer import (
    UnsafeArchive,
    check_members,
    check_tree_links,
)
from ansible_collections.blogops.release.plugins.module_utils._tree_digest import (
    directory_line,
    file_line,
    manifest_sha256,
    symlink_line,
)

CHUNK = 1024 * 1024
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, 'O_NOFOLLOW', 0) | getattr(os, 'O_CLOEXEC', 0)


class DamagedArchive(ValueError):
    """An archive that cannot be read to its end: cut short or corrupted in the transfer."""


def file_mode(member_mode, read_only):
    """The mode a file is created with: only the owner's x bit of the archive counts."""
    executable = bool(member_mode & stat.S_IXUSR)
    if read_only:
        return 0o555 if executable else 0o444
    return 0o755 if executable else 0o644


def current_umask():
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _relative_name(member):
    """The member's path inside the release; only plain relative paths, as pack_tree writes them."""
    parts = member.name.split('/')
    if any(part in ('', '.', '..') for part in parts):
        raise UnsafeArchive('archive member %s is not a plain relative path (it has an empty, . or .. component)'
                            % member.name)
    if member.isreg() and member.sparse is not None:
        raise UnsafeArchive('archive member %s is a sparse file, which releases do not allow' % member.name)
    return member.name


class _Writer:
    """Writes the members of one archive under ``dest`` and keeps the manifest of what it wrote."""

    def __init__(self, tar, dest, read_only):
        self.tar = tar
        self.dest = dest
        self.read_only = read_only
        self.umask = current_umask()
        # Only an uncompressed archive is a plain file to read at an offset; gzip is read as a stream.
        self.archive_fd = tar.fileobj.fileno() if isinstance(tar.fileobj, io.BufferedReader) else None
        self.directories = {'': dest}
        self.entries = []
        self.links = False

    def path(self, relative):
        return os.path.join(self.dest, *relative.split('/'))

    def make_directory(self, relative):
        path = self.path(relative)
        try:
            os.mkdir(path, 0o755)
        except OSError as e:
            if e.errno == errno.EEXIST:
                raise UnsafeArchive('archive member %s would be written over or through an earlier member' % relative)
            raise
        if self.umask & stat.S_IRWXU:
            # The owner must be able to fill it; its final mode is set once everything is written.
            os.chmod(path, 0o755)
        self.directories[relative] = path
        self.entries.append((relative, directory_line(relative)))

    def parent(self, relative):
        """Make the missing parents of ``relative`` (archives not written by pack_tree may lack them)."""
        parent = relative.rpartition('/')[0]
        if parent in self.directories:
            return
        built = ''
        for part in parent.split('/'):
            built = built + '/' + part if built else part
            if built not in self.directories:
                self.make_directory(built)

    def write(self, member):
        relative = _relative_name(member)
        self.parent(relative)
        if member.isdir():
            if relative not in self.directories:
                self.make_directory(relative)
        elif member.issym():
            try:
                os.symlink(member.linkname, self.path(relative))
            except OSError as e:
                if e.errno == errno.EEXIST:
                    raise UnsafeArchive('archive member %s would be written over an earlier member' % relative)
                raise
            self.links = True
            self.entries.append((relative, symlink_line(relative, member.linkname)))
        else:
            self.write_file(member, relative)

    def write_file(self, member, relative):
        mode = file_mode(member.mode, self.read_only)
        try:
            fd = os.open(self.path(relative), _CREATE, mode)
        except OSError as e:
            if e.errno == errno.EEXIST:
                raise UnsafeArchive('archive member %s would be written over an earlier member' % relative)
            raise
        digest = hashlib.sha256()
        try:
            if mode & self.umask:
                # The umask took bits the release promises; the open descriptor can still write.
                os.fchmod(fd, mode)
            offset, remaining = member.offset_data, member.size
            if self.archive_fd is None:
                self.tar.fileobj.seek(offset)
            while remaining:
                size = min(remaining, CHUNK)
                if self.archive_fd is None:
                    block = self.tar.fileobj.read(size)
                else:
                    block = os.pread(self.archive_fd, size, offset)
                if not block:
                    raise DamagedArchive('archive member %s is cut short: the archive ends inside it' % relative)
                digest.update(block)
                view = memoryview(block)
                while view:
                    view = view[os.write(fd, view):]
                offset += len(block)
                remaining -= len(block)
        finally:
            os.close(fd)
        self.entries.append((relative, file_line(relative, mode & stat.S_IXUSR, digest.hexdigest())))


def unpack_release(archive_path, dest, read_only=True):
    """Unpack the archive into the existing, empty directory ``dest``; returns the checksum (tree_digest's
    sha256 hex) of the tree written.

    With ``read_only``, files are created 0444 (0555 when the owner's x bit is set in the archive) and,
    once everything is written, the directories and ``dest`` become 0555; otherwise 0644/0755. A failure
    leaves what was written so far: the caller unpacks into a directory of its own and removes it.
    """
    try:
        with tarfile.open(archive_path, 'r:*') as tar:
            members = check_members(tar.getmembers())
            writer = _Writer(tar, dest, read_only)
            for member in members:
                writer.write(member)
    except (tarfile.TarError, EOFError, zlib.error, DamagedArchive) as e:
        raise DamagedArchive('cannot read the release archive %s (damaged or cut short?): %s' % (archive_path, e))
    if writer.links:
        check_tree_links(dest)
    if read_only:
        for path in writer.directories.values():
            os.chmod(path, 0o555)
    return manifest_sha256(line for _relative, line in sorted(writer.entries))
