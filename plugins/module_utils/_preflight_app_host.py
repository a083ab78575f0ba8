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


def check_app_host(module_name, release_root, min_free_mb=0, environment=(), environ=None, release_id=None,
                   checksum=None):
    """{problems, paths, releases, live_proof}: ``releases`` is what the release module's state=query returns (None
    when it cannot be read, which is then one of the problems). ``live_proof`` proves the files of the live release
    when it is ``release_id`` (a deploy with nothing to deploy then needs no other run on the host):
    {release_id, verified, message}; None when not asked or when another release is live."""
    detail, problems = check_path(release_root, min_free_mb)
    problems = problems + check_environment(environment, environ)
    layout = None
    try:
        layout = ReleaseLayout(release_root, module_name)
        releases = layout.state()
    except (ReleaseError, ValueError) as e:
        releases = None
        problems.append(to_native(e))
    except (IOError, OSError) as e:
        releases = None
        problems.append('release of %s under %s failed: %s' % (module_name, release_root, to_native(e)))
    live_proof = None
    if releases and release_id and checksum and (releases.get('current') or {}).get('id') == release_id:
        try:
            layout.verify_live(release_id, checksum)
            live_proof = dict(release_id=release_id, verified=True, message='')
        except (ReleaseError, ValueError, IOError, OSError) as e:
            live_proof = dict(release_id=release_id, verified=False, message=to_native(e))
    return dict(problems=problems, paths=[detail], releases=releases, live_proof=live_proof)
