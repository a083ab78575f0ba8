# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fault suite: backups planted in the backup directory. A backup file owned by another user, a directory
that others can write, and a plain-SQL dump whose psql meta-commands would run a shell command: the restore
playbook with backup=latest refuses each one and changes nothing; the planted command never runs."""

import hashlib
import json
import os

from faults_env import check_nothing_lost, operator_message

PLANTED = 'blog_backup_20991231_235959'
NOBODY = 65534


def plant(blog, source, ext, transform=None, owner=None):
    """Copy backup ``source`` to the newest name of the directory, with its content changed by ``transform``
    and a sidecar that agrees with it (checksum, size, name): what a user who can write there would leave."""
    path = os.path.join(blog.backup_dir, '%s.%s' % (PLANTED, ext))
    with open(source, 'rb') as f:
        data = f.read()
    if transform:
        data = transform(data)
    with open(path, 'wb') as f:
        f.write(data)
    with open(source + '.json') as f:
        sidecar = json.load(f)
    sidecar.update(name=os.path.basename(path), sha256=hashlib.sha256(data).hexdigest(), size=len(data), database=blog.db.name,
                   timestamp='2099-12-31T23:59:59.000000Z', format='plain' if ext == 'sql' else 'custom')
    with open(path + '.json', 'w') as f:
        json.dump(sidecar, f)
    for planted in (path, path + '.json'):
        os.chmod(planted, 0o600)
        if owner is not None:
            os.chown(planted, owner, owner)
    return path


def newest_backup(blog):
    names = sorted(n for n in os.listdir(blog.backup_dir) if n.endswith('.dump'))
    return os.path.join(blog.backup_dir, names[-1])


def test_a_backup_owned_by_another_user_is_refused(deployed, fault_case):
    case = fault_case.case('planted backup, other owner',
                           'a newer custom dump and sidecar owned by uid %d in the backup directory, restore latest'
                           % NOBODY)
    planted = plant(deployed, newest_backup(deployed), 'dump', owner=NOBODY)
    deployed.db.execute("INSERT INTO posts (slug, title, body) VALUES ('after', 'written after', 'x')")
    before = deployed.state()
    run = deployed.playbook('restore', backup='latest')
    message = operator_message(run)
    case.check('the restore refused, naming the file, its owner and what to do',
               not run.ok and planted in message and 'belongs to uid %d' % NOBODY in message and 'remove' in message,
               message)
    check_nothing_lost(case, before, deployed.state(), history_added=0)
    case.outcome('refused before any change: "...%s"' % message[message.find('belongs to'):][:100])


def test_a_backup_directory_that_others_can_write_is_refused(deployed, fault_case):
    case = fault_case.case('planted backup, world-writable directory',
                           'backup directory 0777 (then 0770) with a newer dump and sidecar in it, restore latest')
    plant(deployed, newest_backup(deployed), 'dump')
    deployed.db.execute("INSERT INTO posts (slug, title, body) VALUES ('after', 'written after', 'x')")
    before = deployed.state()
    messages = []
    for mode in (0o777, 0o770):
        os.chmod(deployed.backup_dir, mode)
        run = deployed.playbook('restore', backup='latest')
        message = operator_message(run)
        messages.append(message)
        case.check('the restore refused with mode %04o, saying why and how to fix the directory' % mode,
                   not run.ok and deployed.backup_dir in message and '%04o' % mode in message
                   and 'chmod 0700' in message, message)
        backup = deployed.playbook('backup')
        case.check('no backup is written there either', not backup.ok and 'chmod 0700' in operator_message(backup),
                   operator_message(backup))
    os.chmod(deployed.backup_dir, 0o700)
    check_nothing_lost(case, before, deployed.state(), history_added=0)
    case.outcome('restore and backup refused before any change: "...%s"' % messages[0][messages[0].find('has mode'):][:100])


def test_a_plain_dump_never_runs_psql_meta_commands(deployed, tmp_path, fault_case):
    case = fault_case.case('planted plain dump with \\! meta-command',
                           'a newer plain-SQL dump with a valid sidecar, holding \\! commands (at a line start and '
                           'after a statement) that would create a file, restore latest')
    marker = str(tmp_path / 'meta-command-ran')
    run = deployed.playbook('backup', blog_backup_format='plain')
    case.check('a plain backup was taken', run.ok, run)
    plain = sorted(os.path.join(deployed.backup_dir, n) for n in os.listdir(deployed.backup_dir) if n.endswith('.sql'))[-1]

    def hostile(data):
        # Without pg_dump's own \restrict line, as someone writing the file would leave it.
        text = ''.join(line for line in data.decode().splitlines(True) if not line.startswith(('\\restrict', '\\unrestrict')))
        first = text.index('SET statement_timeout')
        return (text[:first] + '\\! touch %s-1\nSELECT 1; \\! touch %s-2\n' % (marker, marker)
                + text[first:] + '\\! touch %s-3\n' % marker).encode()

    plant(deployed, plain, 'sql', hostile)
    deployed.db.execute("INSERT INTO posts (slug, title, body) VALUES ('after', 'written after', 'x')")
    before = deployed.state()
    run = deployed.playbook('restore', backup='latest')
    message = operator_message(run)
    ran = [n for n in os.listdir(str(tmp_path)) if n.startswith('meta-command-ran')]
    case.equal('the shell commands never ran', ran, [])
    case.check('the restore failed on the meta-command', not run.ok and 'backslash commands are restricted' in message,
               message)
    check_nothing_lost(case, before, deployed.state(), history_added=0)
    case.outcome('restore failed, no command ran, database untouched: "%s"' % message.splitlines()[-1][:100])
