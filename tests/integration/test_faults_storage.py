# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fault suite: full disks (a 256 KiB tmpfs under the backups, then under the release root), a backup
damaged after it was written, a sidecar deleted, and a live release modified after the deploy."""

import contextlib
import os
import shutil
import subprocess

from faults_env import check_nothing_lost, history, operator_message


@contextlib.contextmanager
def tmpfs(path, size='256k', keep=None):
    """A small tmpfs on ``path`` (created), with the content of directory ``keep`` copied in; unmounted after."""
    os.makedirs(path, exist_ok=True)
    subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=%s,mode=0755' % size, 'tmpfs', path], check=True)
    try:
        if keep:
            for entry in os.listdir(keep):
                source = os.path.join(keep, entry)
                if os.path.isdir(source) and not os.path.islink(source):
                    shutil.copytree(source, os.path.join(path, entry), symlinks=True)
                else:
                    shutil.copy2(source, os.path.join(path, entry), follow_symlinks=False)
        yield path
    finally:
        subprocess.run(['umount', '-l', path], check=True)


def test_backup_directory_full(deployed, tmp_path, fault_case):
    case = fault_case.case('backup directory full', 'a 256 KiB tmpfs under the backups, a dump that does not fit')
    deployed.db.execute("INSERT INTO posts (slug, title, body) SELECT 'p' || n, 't', "
                        "(SELECT string_agg(md5(random()::text || n || g), '') FROM generate_series(1, 60) AS g) "
                        "FROM generate_series(1, 2000) AS n")
    deployed.overlay('comments-1.1.0')
    small = str(tmp_path / 'small-backups')
    with tmpfs(small, keep=deployed.backup_dir):
        os.chmod(small, 0o700)
        deployed.backup_dir = small
        before = deployed.state()
        run = deployed.deploy('comments', '1.1.0', blog_backup_min_free_mb=0)
        after = deployed.state()
    message = operator_message(run)
    case.check('the deploy failed at the backup, saying the disk is full',
               not run.ok and 'failed at backup on database host localhost' in message
               and 'No space left on device' in message, message)
    check_nothing_lost(case, before, after, history_added=1)
    case.equal('no new backup', sorted(after['backups']['complete']), sorted(before['backups']['complete']))
    case.equal('the history says failed', history(deployed)[-1]['status'], 'failed')
    case.outcome('failed at backup (No space left on device), partial dump removed, nothing else touched')


def test_release_root_full(deployed, tmp_path, fault_case):
    case = fault_case.case('release root full', 'a 256 KiB tmpfs under the release root, a release that does not fit')
    deployed.overlay('comments-1.1.0')
    deployed.write('comments', {'files/static/big.js': '// padding\n' * 40000})
    small = str(tmp_path / 'small-srv')
    with tmpfs(small, keep=deployed.release_root):
        deployed.release_root = small
        before = deployed.state()
        run = deployed.deploy('comments', '1.1.0', blog_release_min_free_mb=0)
        after = deployed.state()
        leftovers = [n for n in os.listdir(os.path.join(small, 'comments', 'releases')) if n.startswith('.')]
    message = operator_message(run)
    case.check('the deploy failed at the upload, saying the disk is full',
               not run.ok and 'failed at upload on localhost' in message and 'No space left on device' in message,
               message)
    check_nothing_lost(case, before, after, history_added=1)
    case.equal('no partial release left', leftovers, [])
    case.equal('the history says failed or rolled back', history(deployed)[-1]['status'] in ('failed', 'rolled_back'),
               True)
    case.outcome('failed at upload (No space left on device), partial release removed, nothing else touched')


def test_damaged_backup_and_missing_sidecar_stop_the_rollback_before_it_changes_anything(deployed, fault_case):
    damaged = fault_case.case('backup corrupted after it was written', 'one byte of the pre-deploy dump flipped, '
                                                                       'rollback needs the backup (no undo script)')
    missing = fault_case.case('sidecar deleted', 'the pre-deploy backup\'s sidecar removed, rollback needs the backup')
    restored = fault_case.case('rollback once the backup is whole', 'the same rollback with the backup put back')
    deployed.overlay('comments-1.1.0')
    deployed.write('comments', {'migrations/U1.2__index_comments_by_post.sql': None})
    before = deployed.state()
    run = deployed.deploy('comments', '1.1.0')
    damaged.check('comments 1.1.0 deployed', run.ok, run)
    backup = history(deployed)[-1]['backup']
    deployed_state = deployed.state()

    with open(backup, 'rb') as f:
        original = f.read()
    with open(backup, 'r+b') as f:
        f.seek(len(original) // 2)
        f.write(bytes([original[len(original) // 2] ^ 0xFF]))
    damaged_state = deployed.state()
    back = deployed.playbook('rollback', blog_module='comments')
    message = operator_message(back)
    damaged.check('the rollback refused, naming the damaged backup and saying nothing was put back',
                  not back.ok and 'checksum' in message and backup in message and 'nothing was put back' in message,
                  message)
    check_nothing_lost(damaged, damaged_state, deployed.state())
    damaged.outcome('rollback refused before any change: "%s"' % message[message.find('Backup:'):][:90])
    with open(backup, 'wb') as f:
        f.write(original)

    os.rename(backup + '.json', backup + '.json.away')
    back = deployed.playbook('rollback', blog_module='comments')
    message = operator_message(back)
    missing.check('the rollback refused, naming the missing sidecar', not back.ok and backup + '.json' in message,
                  message)
    state = deployed.state()
    missing.equal('nothing else changed', dict(state, backups=None, tracking=dict(state['tracking'], history=None)),
                  dict(deployed_state, backups=None, tracking=dict(deployed_state['tracking'], history=None)))
    missing.outcome('rollback refused before any change: "%s"' % message[:90])
    os.rename(backup + '.json.away', backup + '.json')

    back = deployed.playbook('rollback', blog_module='comments')
    restored.check('the rollback succeeds', back.ok, back)
    after = deployed.state()
    restored.equal('every data row as before the deploy', after['rows'], before['rows'])
    restored.equal('schema_version rows as before the deploy', after['tracking']['schema_version'],
                   before['tracking']['schema_version'])
    restored.equal('module_version as before the deploy', after['tracking']['module_version'],
                   before['tracking']['module_version'])
    restored.equal('current as before the deploy', after['release_files'][deployed.release_root]['links']['current'],
                   before['release_files'][deployed.release_root]['links']['current'])
    restored.equal('the history says rolled back', history(deployed)[-1]['status'], 'rolled_back')
    restored.outcome('rolled back from the verified backup: database and current as before the deploy')


def test_a_live_release_modified_after_the_deploy_fails_verification(deployed, fault_case):
    case = fault_case.case('release modified after deploy', 'a file of the live release changed on the host')
    current = os.path.join(deployed.release_root, 'comments', 'current')
    target = os.path.join(current, 'static', 'comments.js')
    os.chmod(target, 0o644)
    with open(target, 'a') as f:
        f.write('/* changed on the host */\n')
    before = deployed.state()
    run = deployed.deploy('comments', '1.0.0')
    message = operator_message(run)
    case.check('the no-op deploy verifies and fails, naming the modified release',
               not run.ok and 'failed at verify' in message and 'were modified after the deploy' in message, message)
    check_nothing_lost(case, before, deployed.state(), history_added=0)
    case.outcome('failed at verify: "%s"' % message[message.find('the files'):][:80])
