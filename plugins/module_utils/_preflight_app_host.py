# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Preflight's read of an app host, in one module run: the release root (writable, free space), the environment
variables the blog module needs, and its releases (the state a rollback returns to)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.common.text.converters import to_native
from ansible_collections.blogops.release.plugins.module_utils._host_readiness import check_environment, check_path
from ansible_collections.blogops.release.plugins.module_utils._release_layout import ReleaseError, ReleaseLayout


def check_app_host(module_name, release_root, min_free_mb=0, environment=(), environ=None):
    """{problems, paths, releases}: ``releases`` is what the release module's state=query returns (None when it
    cannot be read, which is then one of the problems)."""
    detail, problems = check_path(release_root, min_free_mb)
    problems = problems + check_environment(environment, environ)
    try:
        releases = ReleaseLayout(release_root, module_name).state()
    except (ReleaseError, ValueError) as e:
        releases = None
        problems.append(to_native(e))
    except (IOError, OSError) as e:
        releases = None
        problems.append('release of %s under %s failed: %s' % (module_name, release_root, to_native(e)))
    return dict(problems=problems, paths=[detail], releases=releases)
