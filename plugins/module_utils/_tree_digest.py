# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Content checksums of files and directory trees.

A tree's checksum is the sha256 of its manifest: one line per entry, sorted by relative path,
naming its type, path, executable bit and content digest (or symlink target). Owners,
timestamps and other mode bits do not count, so a release made read-only after unpacking, or
copied to another host, keeps its checksum.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os
import stat
from concurrent.futures import ThreadPoolExecutor

CHUNK = 1024 * 1024


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(CHUNK), b''):
            digest.update(block)
    return digest.hexdigest()


def directory_line(relative):
    return 'd %s' % json.dumps(relative)


def symlink_line(relative, target):
    return 'l %s %s' % (json.dumps(relative), json.dumps(target))


def file_line(relative, executable, digest):
    return 'f %s %s %s' % (json.dumps(relative), 'x' if executable else '-', digest)


def manifest_sha256(lines):
    """sha256 of manifest lines already sorted by path, as tree_sha256 computes it."""
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode('utf-8', 'surrogateescape') + b'\n')
    return digest.hexdigest()


def tree_manifest(root, workers=1):
    """Manifest lines of the tree under ``root`` (not including root itself), sorted by path.

    With ``workers`` > 1 the files are hashed by that many threads (hashlib releases the GIL),
    which pays off for trees of a few large files such as a directory-format dump.
    """
    entries = []
    files = []
    for directory, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in dirnames + filenames:
            path = os.path.join(directory, name)
            relative = os.path.relpath(path, root).replace(os.sep, '/')
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                entries.append((relative, symlink_line(relative, os.readlink(path))))
            elif stat.S_ISDIR(st.st_mode):
                entries.append((relative, directory_line(relative)))
            elif stat.S_ISREG(st.st_mode):
                files.append((relative, bool(st.st_mode & stat.S_IXUSR), path))
            else:
                raise ValueError('%s is neither a file, a directory nor a symlink' % path)
    if workers > 1 and len(files) > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            digests = list(pool.map(file_sha256, [path for _relative, _executable, path in files]))
    else:
        digests = [file_sha256(path) for _relative, _executable, path in files]
    entries.extend((relative, file_line(relative, executable, digest))
                   for (relative, executable, _path), digest in zip(files, digests))
    # os.walk does not descend into symlinked directories, which are listed as links above.
    return [line for _relative, line in sorted(entries)]


def tree_sha256(root, workers=1):
    """sha256 of the manifest of ``root``: equal trees, equal checksums."""
    return manifest_sha256(tree_manifest(root, workers))
