# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.action import ActionBase
from ansible_collections.blogops.release.plugins.plugin_utils.blog_source import BlogSourceError, read_blog_module

ARGUMENT_SPEC = dict(
    src=dict(type='path', required=True),
    module_name=dict(type='str', required=True),
    version=dict(type='str'),
)


class ActionModule(ActionBase):
    """Reads the blog module's source on the controller; the hosts are never contacted."""

    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        src = self._loader.path_dwim(args['src'])
        try:
            module = read_blog_module(src, args['module_name'], args['version'])
        except BlogSourceError as e:
            # Every problem at once; the migrations directory when it is safe to validate all the same.
            result.update(failed=True, changed=False, problems=e.problems, migrations_path=e.migrations_path,
                          msg='%d problem(s) in the source of blog module %s: %s'
                          % (len(e.problems), args['module_name'], to_native(e)))
            return result
        except ValueError as e:
            raise AnsibleActionFail(to_native(e))
        except OSError as e:
            raise AnsibleActionFail('cannot read the blog module source %s: %s' % (src, to_native(e)))
        result.update(changed=False, module=module)
        return result
