# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reading a directory tree without ever leaving it, whatever links it holds.

The walk goes by directory file descriptors: each directory is opened relative to its parent's
descriptor with ``O_NOFOLLOW``, each file likewise and then checked on the open descriptor
(``fstat``: a regular file with one name). So a symlink, planted before the walk or swapped in
during it, is never followed: it is listed as a link, with its target text, and a regular file
with a second name (a hard link, whose other name may be anywhere on the file system) is
refused without being read. Paths would need a ``realpath`` check and then a second lookup,
which a concurrent rename can redirect in between; descriptors cannot be redirected.

Symlinks are kept as links (a release may hold links that stay inside it); ``escaping_links``
resolves them the way the kernel would, through every other link of the tree, over the names
read during the walk, so the answer does not depend on the tree staying still.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat

_NOFOLLOW = getattr(os, 'O_NOFOLLOW', 0)
_DIRECTORY = getattr(os, 'O_DIRECTORY', 0)
_CLOEXEC = getattr(os, 'O_CLOEXEC', 0)
# A FIFO swapped in for a file would block a plain open() until someone writes to it.
_NONBLOCK = getattr(os, 'O_NONBLOCK', 0)
# The kernel's own limit on symlinks followed in one lookup (MAXSYMLINKS).
MAX_LINK_HOPS = 40


class TreeError(ValueError):
    """An entry of the tree that is not read: a hard link, a special file, one that changed under the walk."""


class TreeEntry:
    """One entry below the root: ``relative`` (POSIX path), ``kind`` (``d``, ``f``, ``l`` or ``?``), its lstat
    result, a link's ``target``; ``parent_fd`` and ``name`` stay valid only until the walk moves on."""

    __slots__ = ('relative', 'kind', 'st', 'target', 'parent_fd', 'name')

    def __init__(self, relative, kind, st, target, parent_fd, name):
        self.relative = relative
        self.kind = kind
        self.st = st
        self.target = target
        self.parent_fd = parent_fd
        self.name = name

    @property
    def executable(self):
        return bool(self.st.st_mode & stat.S_IXUSR)

    def __repr__(self):
        return 'TreeEntry(%r, %r)' % (self.relative, self.kind)


def open_directory(path, dir_fd=None):
    """Descriptor of directory ``path`` (relative to ``dir_fd`` when given), refusing to follow a symlink at its
    last component: OSError (ELOOP or ENOTDIR) when it is one."""
    return os.open(path, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=dir_fd)


def _kind(mode):
    if stat.S_ISLNK(mode):
        return 'l'
    if stat.S_ISDIR(mode):
        return 'd'
    if stat.S_ISREG(mode):
        return 'f'
    return '?'


def walk(root_fd, prefix=''):
    """Entries below the open directory ``root_fd``: parents before children, names sorted within a directory.

    Links are not followed. A subdirectory that cannot be opened as a directory without following a link
    (it was replaced by one during the walk) raises OSError.
    """
    for name in sorted(os.listdir(root_fd)):
        st = os.stat(name, dir_fd=root_fd, follow_symlinks=False)
        kind = _kind(st.st_mode)
        relative = prefix + name
        target = os.readlink(name, dir_fd=root_fd) if kind == 'l' else None
        yield TreeEntry(relative, kind, st, target, root_fd, name)
        if kind == 'd':
            fd = open_directory(name, dir_fd=root_fd)
            try:
                yield from walk(fd, relative + '/')
            finally:
                os.close(fd)


def entry_problem(entry):
    """Why ``entry`` cannot be read or shipped, or None: a regular file with several names, a special file."""
    if entry.kind == '?':
        return 'a device, FIFO or socket'
    if entry.kind == 'f' and entry.st.st_nlink > 1:
        return ('a hard link (one file with %d names, the others possibly outside the source); copy the file '
                'instead' % entry.st.st_nlink)
    return None


def open_file(entry):
    """A binary file object of regular file ``entry``, opened without following links and checked on the open
    descriptor: still a regular file with one name, the same file the walk saw. TreeError otherwise."""
    fd = os.open(entry.name, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC, dir_fd=entry.parent_fd)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or (st.st_dev, st.st_ino) != (entry.st.st_dev, entry.st.st_ino):
            raise TreeError('%s changed while it was read' % entry.relative)
        if st.st_nlink > 1:
            raise TreeError('%s is a hard link (one file with %d names)' % (entry.relative, st.st_nlink))
        return os.fdopen(fd, 'rb')
    except BaseException:
        os.close(fd)
        raise


def resolve_link(links, relative, target):
    """Where the symlink ``relative`` (POSIX path below the root) with ``target`` leads, as a list of path
    components below the root, resolved through the other links of ``links`` (relative path -> target) as the
    kernel would; None when it leads outside the root or loops. Names not in the tree resolve as they read."""
    if target.startswith('/'):
        return None
    path = relative.split('/')[:-1]
    pending = target.split('/')
    hops = 0
    while pending:
        part = pending.pop(0)
        if part in ('', '.'):
            continue
        if part == '..':
            if not path:
                return None
            path.pop()
            continue
        path.append(part)
        inner = links.get('/'.join(path))
        if inner is not None:
            hops += 1
            if hops > MAX_LINK_HOPS or inner.startswith('/'):
                return None
            path.pop()
            pending = inner.split('/') + pending
    return path


def escaping_links(links):
    """(relative, target) of every symlink in ``links`` (relative path -> target) that leads outside the root."""
    return [(relative, links[relative]) for relative in sorted(links)
            if resolve_link(links, relative, links[relative]) is None]
