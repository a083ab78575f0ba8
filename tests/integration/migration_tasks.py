# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Helpers of the migrate tests: script directories, migrate tasks, schema_version rows."""

import hashlib
import json
import os


def write(directory, files):
    """Write ``files`` ({name: text, or None to remove}) into ``directory``; returns its path as text."""
    os.makedirs(str(directory), exist_ok=True)
    for name, text in files.items():
        path = os.path.join(str(directory), name)
        if text is None:
            os.unlink(path)
        else:
            with open(path, 'wb') as f:
                f.write(text if isinstance(text, bytes) else text.encode('utf-8'))
    return str(directory)


def sha256(text):
    return hashlib.sha256(text.encode('utf-8')).hexdigest()


def task(name='Migrate', **options):
    options.setdefault('module_name', 'comments')
    return {'name': name, 'blogops.release.migrate': options}


def tasks(*items):
    return json.dumps(list(items))


def migrate(ansible, check=False, diff=True, **options):
    """One migrate task; returns (run, result)."""
    run = ansible.play(tasks(task(**options)), check=check, diff=diff)
    return run, run.result('Migrate')


def history(blog_db, module_name='comments'):
    return blog_db.query('SELECT id, version, kind, script, checksum, success, execution_ms, applied_by '
                         'FROM schema_version WHERE module_name = %s ORDER BY id', (module_name,))


def versions(items):
    return [item['version'] for item in items]
