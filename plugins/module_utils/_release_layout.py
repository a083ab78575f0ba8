# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Releases of a blog module on an app host (DESIGN section 6).

    <release_root>/<module>/releases/<version>-<hash8>/     complete, read-only releases
    <release_root>/<module>/releases/.<id>.partial-<random>/ an upload in progress or interrupted
    <release_root>/<module>/current  -> releases/<id>        the live release
    <release_root>/<module>/previous -> releases/<id>        the rollback target
    <release_root>/<module>/shared/                          survives releases

A release directory appears under its final name only once complete (rename), and the
symlinks are switched by renaming a new symlink over the old one, so a reader sees either
the old or the new state, never a mix.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import shutil
import stat
import uuid

from ansible_collections.blogops.release.plugins.module_utils._release_unpack import unpack_release
from ansible_collections.blogops.release.plugins.module_utils._semver import InvalidVersion, SemVer
from ansible_collections.blogops.release.plugins.module_utils._tree_digest import tree_sha256

RELEASE_ID = re.compile(r'(?P<version>[0-9A-Za-z.+-]+)-(?P<hash>[0-9a-f]{8})', re.ASCII)
PARTIAL = re.compile(r'\.(?P<id>.+)\.partial-[0-9a-f]+', re.ASCII)


class ReleaseError(Exception):
    """A release operation that cannot be done; the message names the path and the reason."""


def check_release_id(release_id):
    """Return the version of a release id ``<semver>-<8 hex>``; raise ReleaseError otherwise."""
    match = RELEASE_ID.fullmatch(release_id or '')
    if not match:
        raise ReleaseError('invalid release id %r: expected <semantic version>-<8 hex digits>, e.g. 1.4.0-9f2c4e0d'
                           % (release_id,))
    try:
        SemVer.parse(match.group('version'))
    except InvalidVersion as e:
        raise ReleaseError('invalid release id %r: %s' % (release_id, e))
    return match.group('version')


class ReleaseLayout:
    """Paths and state of one blog module's releases under a release root."""

    def __init__(self, release_root, module_name):
        self.root = os.path.join(release_root, module_name)
        self.releases = os.path.join(self.root, 'releases')
        self.current = os.path.join(self.root, 'current')
        self.previous = os.path.join(self.root, 'previous')
        self.shared = os.path.join(self.root, 'shared')

    def release_path(self, release_id):
        check_release_id(release_id)
        return os.path.join(self.releases, release_id)

    def link_target(self, link):
        """Release id a symlink points to, or None; a non-symlink in its place is an error."""
        if not os.path.lexists(link):
            return None
        if not os.path.islink(link):
            raise ReleaseError('%s exists but is not a symlink; move it away before deploying here' % link)
        target = os.readlink(link)
        parent, name = os.path.split(target.rstrip('/'))
        if os.path.normpath(os.path.join(self.root, parent)) != self.releases:
            raise ReleaseError('%s points to %s, outside %s' % (link, target, self.releases))
        return name

    def complete_releases(self):
        """Release ids present, oldest first (by the time they were completed)."""
        if not os.path.isdir(self.releases):
            return []
        found = []
        for name in os.listdir(self.releases):
            path = os.path.join(self.releases, name)
            if RELEASE_ID.fullmatch(name) and os.path.isdir(path) and not os.path.islink(path):
                found.append((os.lstat(path).st_mtime, name))
        return [name for _mtime, name in sorted(found)]

    def partial_releases(self):
        if not os.path.isdir(self.releases):
            return []
        return sorted(name for name in os.listdir(self.releases) if PARTIAL.fullmatch(name))

    def has_release(self, release_id):
        path = self.release_path(release_id)
        return os.path.isdir(path) and not os.path.islink(path)

    def describe(self, release_id):
        if release_id is None:
            return None
        return dict(id=release_id, version=check_release_id(release_id), path=os.path.join(self.releases, release_id),
                    present=self.has_release(release_id))

    def state(self):
        """What ``state: query`` returns."""
        current, previous = self.link_target(self.current), self.link_target(self.previous)
        return dict(
            root=self.root,
            current=self.describe(current),
            previous=self.describe(previous),
            releases=[dict(self.describe(r), live=r == current, rollback_target=r == previous)
                      for r in self.complete_releases()],
            partial=self.partial_releases(),
            shared=self.shared,
        )

    def new_partial_path(self, release_id):
        check_release_id(release_id)
        return os.path.join(self.releases, '.%s.partial-%s' % (release_id, uuid.uuid4().hex[:12]))

    def ensure_directories(self):
        for path in (self.root, self.releases, self.shared):
            if not os.path.isdir(path):
                os.makedirs(path, 0o755)

    def unpack(self, archive, release_id, checksum=None):
        """Make the uploaded ``archive`` the read-only release ``release_id``: unpacked under a partial name,
        its checksum compared with ``checksum`` (``sha256:<hex>``), then renamed into place. Any failure
        removes the partial directory, so the release appears complete or not at all."""
        self.ensure_directories()
        partial = self.new_partial_path(release_id)
        os.mkdir(partial, 0o755)
        try:
            found = 'sha256:' + unpack_release(archive, partial, read_only=True)
            if checksum and found != checksum:
                raise ReleaseError('the unpacked files of release %s have checksum %s, expected %s: the source changed '
                                   'during the upload or the transfer damaged it' % (release_id, found, checksum))
            self.finish_release(partial, release_id)
        except BaseException:
            remove_tree(partial)
            raise
        return found

    def finish_release(self, partial, release_id):
        """Make a complete partial directory the release ``release_id``; False when it already existed."""
        final = self.release_path(release_id)
        try:
            os.rename(partial, final)
        except OSError:
            if self.has_release(release_id):
                remove_tree(partial)
                return False
            raise
        os.utime(final, None)
        return True

    def _relink(self, link, release_id):
        temporary = '%s.tmp-%s' % (link, uuid.uuid4().hex[:12])
        os.symlink(os.path.join('releases', release_id), temporary)
        try:
            os.rename(temporary, link)
        except OSError:
            os.unlink(temporary)
            raise

    def activate(self, release_id):
        """Point ``current`` at the release; the old one becomes ``previous``. Returns (old, new)."""
        if not self.has_release(release_id):
            raise ReleaseError('release %s of %s is not on this host (%s); upload it first'
                               % (release_id, os.path.basename(self.root), self.release_path(release_id)))
        old = self.link_target(self.current)
        if old == release_id:
            return old, release_id
        if old is not None:
            self._relink(self.previous, old)
        self._relink(self.current, release_id)
        return old, release_id

    def restore_links(self, current, previous, check_mode=False):
        """Set ``current`` and ``previous`` to the given release ids (None: no link); True when changed."""
        changed = False
        for link, release_id in ((self.current, current), (self.previous, previous)):
            if self.link_target(link) == release_id:
                continue
            changed = True
            if release_id and not self.has_release(release_id):
                raise ReleaseError('cannot point %s at release %s: %s is not on this host'
                                   % (link, release_id, self.release_path(release_id)))
            if check_mode:
                continue
            if release_id:
                self._relink(link, release_id)
            else:
                os.unlink(link)
        return changed

    def verify_live(self, release_id, checksum):
        """The live release is ``release_id`` and its files have the tree digest ``checksum``; returns its
        description, raises ReleaseError naming what differs."""
        check_release_id(release_id)
        live = self.link_target(self.current)
        if live != release_id:
            raise ReleaseError('%s points to %s, expected release %s' % (self.current, live or 'nothing', release_id))
        found = 'sha256:' + tree_sha256(self.release_path(live))
        if found != checksum:
            raise ReleaseError('the files of live release %s were modified after the deploy: checksum %s, recorded %s'
                               % (self.release_path(live), found, checksum))
        return self.describe(live)

    def protected(self):
        return set(r for r in (self.link_target(self.current), self.link_target(self.previous)) if r)

    def check_removable(self, release_id):
        """True when the release is there to remove; raises when it is the live one or the rollback target."""
        path = self.release_path(release_id)
        if release_id in self.protected():
            which = 'live release' if release_id == self.link_target(self.current) else 'rollback target (previous)'
            raise ReleaseError('refusing to remove %s: it is the %s' % (path, which))
        return os.path.lexists(path)

    def remove(self, release_id):
        """Remove one release; never the live one nor the rollback target. True when removed."""
        if not self.check_removable(release_id):
            return False
        remove_tree(self.release_path(release_id))
        return True

    def cleanup_plan(self, keep_releases):
        """Partial leftovers, then every release that is neither among the ``keep_releases`` newest nor the
        live release nor the rollback target."""
        complete = self.complete_releases()
        kept = set(complete[-keep_releases:]) | self.protected()
        return self.partial_releases(), [r for r in complete if r not in kept]

    def clean(self, keep_releases):
        partial, old = self.cleanup_plan(keep_releases)
        for name in partial:
            remove_tree(os.path.join(self.releases, name))
        for release_id in old:
            remove_tree(self.release_path(release_id))
        return partial, old


def remove_tree(path):
    """rmtree that also works on read-only releases for a non-root owner."""
    def make_writable(func, failed_path, _exc_info):
        parent = os.path.dirname(failed_path)
        os.chmod(parent, stat.S_IRWXU)
        if os.path.isdir(failed_path) and not os.path.islink(failed_path):
            os.chmod(failed_path, stat.S_IRWXU)
        func(failed_path)

    if os.path.isdir(path) and not os.path.islink(path):
        os.chmod(path, stat.S_IRWXU)
        shutil.rmtree(path, onerror=make_writable)
    elif os.path.lexists(path):
        os.unlink(path)
