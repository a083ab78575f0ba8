# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Makes ``ansible_collections.blogops.release`` and the harness importable in every test; the fault suite's
summary table (harness.fault_report)."""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for path in (os.path.join(ROOT, '.venv', 'collections'), os.path.join(ROOT, 'tests')):
    if path not in sys.path:
        sys.path.insert(0, path)

pytest_plugins = ('harness.fault_report',)

try:
    from hypothesis import HealthCheck, settings
except ImportError:  # the unit tests need hypothesis; other runs of the harness may not have it
    settings = None

if settings is not None:
    # Property tests judge results, not speed: on a loaded 2-core machine hypothesis' per-example deadline
    # (200 ms) failed correct examples.
    settings.register_profile('blogops', deadline=None, suppress_health_check=[HealthCheck.too_slow])
    settings.load_profile('blogops')
