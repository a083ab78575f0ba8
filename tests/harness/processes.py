# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Finding the processes a module started (pg_dump, pg_restore, ...) through /proc, to look at
their command line and environment, or kill them, while they run."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import time


class ProcessView:
    """What /proc says about one process (Linux)."""

    def __init__(self, pid):
        self.pid = pid

    def _read(self, name):
        with open('/proc/%d/%s' % (self.pid, name), 'rb') as f:
            return f.read()

    @property
    def argv(self):
        return [part.decode('utf-8', 'replace') for part in self._read('cmdline').split(b'\0') if part]

    @property
    def cmdline_bytes(self):
        return self._read('cmdline')

    @property
    def environ(self):
        pairs = (item.split(b'=', 1) for item in self._read('environ').split(b'\0') if b'=' in item)
        return dict((k.decode('utf-8', 'replace'), v.decode('utf-8', 'replace')) for k, v in pairs)

    @property
    def environ_bytes(self):
        return self._read('environ')

    @property
    def parent(self):
        for line in self._read('status').decode().splitlines():
            if line.startswith('PPid:'):
                return ProcessView(int(line.split()[1]))
        raise RuntimeError('no PPid in /proc/%d/status' % self.pid)


def find_process(program, needle, timeout=60.0):
    """The process running ``program`` (base name of argv[0]) whose command line contains ``needle``;
    waits up to ``timeout`` seconds for it to appear."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for entry in os.listdir('/proc'):
            if not entry.isdigit():
                continue
            view = ProcessView(int(entry))
            try:
                argv = view.argv
            except OSError:
                continue
            if argv and os.path.basename(argv[0]) == program and needle in ' '.join(argv):
                return view
        time.sleep(0.05)
    raise AssertionError('no %s process with %r in its command line appeared within %s s' % (program, needle, timeout))


def wait_until(predicate, timeout=60.0, what='the condition'):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError('%s did not happen within %s s' % (what, timeout))
