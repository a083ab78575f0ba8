# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Headless Chromium (Debian's `chromium`) for tests that look at a rendered page."""

import os
import shutil
import subprocess
import tempfile

# Without the background-networking flags, Chromium keeps trying hosts this machine cannot reach.
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync', '--hide-scrollbars']


def chromium():
    for name in ('chromium', 'chromium-browser', 'google-chrome'):
        path = shutil.which(name)
        if path:
            return path
    raise RuntimeError("headless Chromium is needed to render the status report: 'apt-get install chromium' "
                       '(scripts/setup installs it when run as root)')


def _run(url, args, timeout=120):
    profile = tempfile.mkdtemp(prefix='blogops-chromium-')
    try:
        proc = subprocess.run([chromium()] + FLAGS + ['--user-data-dir=' + profile] + args + [url],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                              timeout=timeout, check=False)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if proc.returncode != 0:
        raise RuntimeError('chromium failed (exit %d): %s' % (proc.returncode, proc.stderr[-2000:]))
    return proc.stdout


def rendered_dom(path):
    """The DOM of a local page after Chromium loaded and laid it out."""
    return _run('file://' + os.path.abspath(path), ['--dump-dom'])


def screenshot(path, png, width=1200, height=1500):
    _run('file://' + os.path.abspath(path), ['--window-size=%d,%d' % (width, height), '--screenshot=' + png])
    return png
