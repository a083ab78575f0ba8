# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Shipping a migrations directory from the controller to the host a module runs on, for the action plugins that
hand migrations to a module (migrate, rehearse, preflight_database)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import tempfile

from ansible import constants as C
from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_native
from ansible_collections.blogops.release.plugins.module_utils._migration_files import MAX_SCRIPT_BYTES
from ansible_collections.blogops.release.plugins.module_utils._release_transfer import UnsafeArchive, pack_tree


class MigrationShipping:
    """A mixin for ActionBase subclasses: ``_ship(src)`` puts the migrations of ``src`` in one archive in the
    task's temporary directory and returns its path there."""

    def _ship(self, src):
        # The module refuses such a script; refusing it here saves shipping it.
        for name in sorted(os.listdir(src)):
            path = os.path.join(src, name)
            if name.endswith('.sql') and os.path.isfile(path) and os.path.getsize(path) > MAX_SCRIPT_BYTES:
                raise AnsibleActionFail('%s: %d bytes, more than the %d MiB a migration script may have; split it, or '
                                        'load bulk data another way' % (name, os.path.getsize(path),
                                                                        MAX_SCRIPT_BYTES // (1024 * 1024)))
        fd, archive = tempfile.mkstemp(prefix='blogops-migrations-', suffix='.tar.gz', dir=C.DEFAULT_LOCAL_TMP)
        os.close(fd)
        try:
            try:
                pack_tree(src, archive, compress=True)
            except UnsafeArchive as e:
                raise AnsibleActionFail('refusing to ship %s: %s' % (src, to_native(e))) from e
            remote = self._connection._shell.join_path(self._connection._shell.tmpdir, 'migrations.tar.gz')
            self._transfer_file(archive, remote)
            self._fixup_perms2((self._connection._shell.tmpdir, remote))
        finally:
            os.unlink(archive)
        return remote
