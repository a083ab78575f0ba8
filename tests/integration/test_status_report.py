# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The status playbook's report, as text, JSON and an HTML page rendered in headless Chromium."""

import html.parser
import json
import struct

from harness.browser import rendered_dom, screenshot


class Page(html.parser.HTMLParser):
    """Elements of a rendered page: (tag, attributes, text inside), in document order."""

    def __init__(self, markup):
        super().__init__()
        self.elements = []
        self.open = []
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        element = [tag, dict(attrs), '']
        self.elements.append(element)
        if tag not in ('meta', 'br', 'img', 'link'):
            self.open.append(element)

    def handle_endtag(self, tag):
        while self.open:
            if self.open.pop()[0] == tag:
                break

    def handle_data(self, data):
        for element in self.open:
            element[2] += ' ' + data

    def find(self, tag, **attrs):
        return [(a, ' '.join(text.split())) for t, a, text in self.elements
                if t == tag and all(a.get(k.rstrip('_')) == v for k, v in attrs.items())]


def test_status_report_shows_versions_deploys_including_the_rolled_back_one_and_backups(deployed, tmp_path):
    deployed.overlay('comments-1.1.0')
    deployed.overlay('comments-1.2.0')
    failed = deployed.deploy('comments', '1.2.0')
    assert not failed.ok
    page, report = tmp_path / 'status.html', tmp_path / 'status.json'
    run = deployed.playbook('status', blog_status_html=str(page), blog_status_json=str(report))
    assert run.ok, run
    text = '\n'.join(run.result('Show the report')['msg'])
    assert 'comments     1.0.0     1       1.0.0' in text
    assert 'rolled_back' in text
    # blog_source_root given: the pending scripts of the source (comments 1.2.0 over 1.0.0) are linted.
    assert 'comments: 4 pending scripts, 0 errors, 1 warning, 1 opt-out' in text
    assert '  warning: V1.4__require_known_authors.sql line 2: ALTER TABLE comments ADD CONSTRAINT' in text
    assert "  allowed index-not-concurrent in V1.2__index_comments_by_post.sql line 2: the sample's comments" in text
    assert 'core: 0 pending scripts, 0 errors, 0 warnings, 0 opt-outs' in text

    data = json.loads(report.read_text())
    assert [(row['module'], row['version'], row['drift']) for row in data['modules']] == [
        ('comments', '1.0.0', False), ('core', '1.0.0', False)]
    assert data['lint_source'] == deployed.source
    assert [f['rule'] for f in data['modules'][0]['lint']['allowed']] == ['index-not-concurrent']

    dom = Page(rendered_dom(str(page)))
    matrix = dict((a['data-module'], t) for a, t in dom.find('tr') if 'data-module' in a)
    assert matrix['comments'].split() == ['comments', '1.0.0', '1', '1.0.0']
    assert not dom.find('td', class_='drift')
    lint = [(a['class'], t) for a, t in dom.find('tr') if 'data-lint-module' in a]
    assert [kind for kind, _text in lint] == ['lint-warning', 'lint-allowed']
    assert 'V1.4__require_known_authors.sql' in lint[0][1] and 'V1.2__index_comments_by_post.sql line 2' in lint[1][1]
    deploys = dom.find('li')
    assert deploys[0][0]['class'] == 'status-rolled_back'
    assert 'comments 1.0.0 → 1.2.0' in deploys[0][1] and 'failed at migrate' in deploys[0][1]
    assert [attrs['class'] for attrs, _text in deploys[1:]] == ['status-deployed', 'status-deployed']
    states = [t for a, t in dom.find('span') if a.get('class', '').startswith('outcome ') and t in ('verified', 'corrupt')]
    assert states and set(states) == {'verified'}
    # backup_info lists the backups of this database: the one taken before the failed deploy.
    assert len(states) == len(data['backups']) == 1
    assert [attrs['data-module'] for attrs, _text in dom.find('table', class_='schema')] == ['comments', 'core']

    png = screenshot(str(page), str(tmp_path / 'status.png'))
    with open(png, 'rb') as f:
        header = f.read(24)
    assert header[:8] == b'\x89PNG\r\n\x1a\n' and struct.unpack('>II', header[16:24]) == (1200, 1500)
