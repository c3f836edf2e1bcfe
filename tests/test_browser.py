# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Use the web client in Chromium as the demo users do.

Each run builds its own database with the demo data (demo/setup.py) on the
backend of TRYTOND_DATABASE__URI, serves it with trytond on a free local
port and drives Debian's Chromium (SHAKTI_CHROMIUM) with Playwright. What
the browser shows is compared with the database read as the root user in a
separate process, outside the browser and the access rules. Some records a
test starts from are made as a demo user through the server's RPC, as the
web client makes them."""
import base64
import contextlib
import dataclasses
import datetime as dt
import functools
import json
import os
import pathlib
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal
from xml.etree import ElementTree

import polib
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect, sync_playwright
from trytond.modules.shakti_case.application import STATES
from trytond.protocols.jsonrpc import JSONDecoder, JSONEncoder

from demo.data import PASSWORD

ROOT = pathlib.Path(__file__).resolve().parent.parent
PYTHON_BIN = pathlib.Path(sys.executable).parent
BASIRHAT = "Basirhat-I Mukti Sangha"
HASNABAD = "Hasnabad Mukti Sangha"
CANNING = "Canning Sakhi Samiti"
VEDIKA = "Krishna Vanitha Vedika"
SCHEME = 'PMAY-G'
# Milliseconds Playwright waits for the client.
TIMEOUT = 30000
# Seconds to wait for the database and the server.
SETUP_TIMEOUT = 600
START_TIMEOUT = 120
# A cheap phone's screen.
PHONE = {
    'viewport': {'width': 360, 'height': 640},
    'is_mobile': True,
    'has_touch': True,
    }
CHROMIUM_ARGS = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
    '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync',
    ]

# Run in a new process, as the root user, to read records without the
# access rules of any demo login.
QUERY = """
import json
import sys

from trytond.pool import Pool
from trytond.transaction import Transaction

name, model, domain, fields = json.load(sys.stdin)
Pool(name).init()
with Transaction().start(name, 0, readonly=True,
        context={'active_test': False}):
    records = Pool().get(model).search_read(domain, fields_names=fields)
json.dump(records, sys.stdout, default=str)
"""

# Run in a new process, as the root user: issue a reset code for the
# survivor account of a login, as a case worker does with the Reset Code
# wizard, and print it. An expired code is issued, then dated a minute ago.
RESET_CODE = """
import datetime as dt
import json
import sys

from trytond.pool import Pool
from trytond.transaction import Transaction

name, login, expired = json.load(sys.stdin)
Pool(name).init()
with Transaction().start(name, 0) as transaction:
    pool = Pool()
    WebUser = pool.get('web.user')
    ResetCode = pool.get('web.user.reset_code')
    account, = WebUser.search([('login', '=', login)])
    code, _ = ResetCode.issue(account)
    if expired:
        ResetCode.write(
            ResetCode.search([('web_user', '=', account.id)]),
            {'expire': dt.datetime.now() - dt.timedelta(minutes=1)})
    transaction.commit()
json.dump(code, sys.stdout)
"""


@dataclasses.dataclass
class Server:
    url: str
    name: str
    env: dict
    folder: pathlib.Path
    # The authorization header and the preferences of each user, by login.
    sessions: dict = dataclasses.field(default_factory=dict)

    def run(self, script, *args):
        """Run script as root in a new process with the database name and
        args on its input, and return what it prints, decoded from JSON"""
        process = subprocess.run(
            [sys.executable, '-c', script], cwd=ROOT, env=self.env,
            input=json.dumps([self.name, *args]),
            capture_output=True, text=True, timeout=120)
        if process.returncode:
            pytest.fail("The root script failed on %r:\n%s"
                % (args, process.stderr[-3000:]))
        return json.loads(process.stdout)

    def query(self, model, domain, fields):
        "Return the records of model in domain read as root"
        return self.run(QUERY, model, domain, fields)

    def reset_code(self, login, expired=False):
        "Return a new reset code of the survivor account of login"
        return self.run(RESET_CODE, login, expired)

    def _post(self, method, params, authorization=None):
        "Send the JSON-RPC request and return its result"
        request = urllib.request.Request(
            '%s%s/rpc/' % (self.url, self.name),
            data=json.dumps({'id': 0, 'method': method, 'params': params},
                cls=JSONEncoder).encode(),
            headers={'Content-Type': 'application/json'})
        if authorization:
            request.add_header('Authorization', authorization)
        with urllib.request.urlopen(request, timeout=120) as http_response:
            response = json.loads(
                http_response.read(), object_hook=JSONDecoder())
        if response.get('error'):
            pytest.fail("%s failed: %s" % (method, response['error']))
        return response['result']

    def call(self, user, model, method, *args):
        """Call method of model on the server as the demo user of that
        login, through the RPC the web client uses, in the context of her
        preferences"""
        if user not in self.sessions:
            user_id, session, *_ = self._post(
                'common.db.login', [user, {'password': PASSWORD}, 'en'])
            authorization = 'Session %s' % base64.b64encode(
                ('%s:%s:%s' % (user, user_id, session)).encode()).decode()
            preferences = self._post('model.res.user.get_preferences',
                [True, {}], authorization)
            self.sessions[user] = (authorization, preferences)
        authorization, preferences = self.sessions[user]
        return self._post('model.%s.%s' % (model, method),
            [*args, preferences], authorization)


def chromium():
    "Return Chromium's executable, skip or fail when it is missing"
    path = os.environ.get('SHAKTI_CHROMIUM') or '/usr/bin/chromium'
    if shutil.which(path):
        return path
    message = ("Chromium is missing at %s (SHAKTI_CHROMIUM): install it "
        "with 'apt-get install chromium'" % path)
    if os.environ.get('SHAKTI_BROWSER_OPTIONAL') == '1':
        pytest.skip(message)
    pytest.fail(message, pytrace=False)


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def tail(path, size=4000):
    try:
        return pathlib.Path(path).read_text(errors='replace')[-size:]
    except OSError:
        return ''


def wait_until_up(url, process, log):
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            pytest.fail("trytond exited with code %s before serving:\n%s"
                % (process.returncode, tail(log)), pytrace=False)
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            pytest.fail("Timed out: trytond did not serve %s within %s s:\n%s"
                % (url, START_TIMEOUT, tail(log)), pytrace=False)
        time.sleep(0.5)


def drop_database(name, env):
    "Drop the PostgreSQL database name; SQLite files go with their folder"
    uri = env['TRYTOND_DATABASE__URI']
    if not uri.startswith('postgresql'):
        return
    import psycopg
    from psycopg import sql

    maintenance = urllib.parse.urlsplit(uri)._replace(
        path='/postgres').geturl()
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(sql.SQL('DROP DATABASE IF EXISTS {}').format(
                sql.Identifier(name)))


@pytest.fixture(scope='module')
def browser():
    executable = chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope='module')
def server(browser, tmp_path_factory):
    "Build a demo database, serve it and yield its Server"
    web = ROOT / 'node_modules' / 'tryton-sao'
    env = dict(os.environ)
    env.setdefault('TRYTOND_CONFIG', str(ROOT / 'config' / 'trytond.conf'))
    env.setdefault('TRYTOND_WEB__ROOT', str(web))
    env.setdefault('TRYTOND_DATABASE__URI', 'sqlite://')
    if not (pathlib.Path(env['TRYTOND_WEB__ROOT']) / 'index.html').exists():
        pytest.fail("The web client is missing in %s: run ./shakti serve "
            "or npm ci" % env['TRYTOND_WEB__ROOT'], pytrace=False)

    # Kept after the run for the server log and the screenshots.
    folder = tmp_path_factory.mktemp('browser')
    work = pathlib.Path(tempfile.mkdtemp(prefix='shakti-browser-'))
    env['SHAKTI_VAR'] = str(work / 'var')
    if env['TRYTOND_DATABASE__URI'].startswith('sqlite'):
        env['TRYTOND_DATABASE__PATH'] = str(work / 'db')
    port = free_port()
    env['TRYTOND_WEB__LISTEN'] = '127.0.0.1:%s' % port
    # The login dialog then has a database field, filled by the tests.
    env['TRYTOND_DATABASE__LIST'] = 'False'
    name = 'shakti_browser_%s' % secrets.token_hex(4)

    log = folder / 'trytond.log'
    process = None
    try:
        with open(folder / 'setup.log', 'w') as output:
            setup = subprocess.run(
                [sys.executable, '-m', 'demo.setup', '--database', name],
                cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
                timeout=SETUP_TIMEOUT)
        if setup.returncode:
            pytest.fail("demo.setup failed with code %s:\n%s" % (
                    setup.returncode, tail(folder / 'setup.log')),
                pytrace=False)

        with open(log, 'w') as output:
            process = subprocess.Popen(
                [str(PYTHON_BIN / 'trytond'), '-d', name],
                cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
        url = 'http://127.0.0.1:%s/' % port
        wait_until_up(url, process, log)
        yield Server(url=url, name=name, env=env, folder=folder)
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        try:
            drop_database(name, env)
        finally:
            shutil.rmtree(work, ignore_errors=True)


@contextlib.contextmanager
def new_page(browser, server, request, **options):
    """Yield a page in a new browser profile with the context options; keep
    a screenshot when the test fails"""
    context = browser.new_context(**options)
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    failed = request.session.testsfailed
    try:
        yield page
    finally:
        # The call's report is counted before the fixtures are torn down.
        if request.session.testsfailed > failed:
            path = server.folder / ('%s.png' % request.node.name)
            try:
                page.screenshot(path=str(path), full_page=True)
                print("Screenshot: %s" % path)
            except Exception as exception:
                print("No screenshot: %s" % exception)
            print("Server log: %s" % (server.folder / 'trytond.log'))
        context.close()


@pytest.fixture
def page(browser, server, request):
    "Yield a page of the web client on a desktop screen"
    with new_page(browser, server, request,
            viewport={'width': 1400, 'height': 900}) as page:
        yield page


@pytest.fixture
def phone(browser, server, request):
    """Yield a page on a phone's screen whose browser requests Bengali, in
    a profile of its own"""
    with new_page(browser, server, request, locale='bn-IN', **PHONE) as page:
        yield page


def login(page, server, user):
    "Log in to the web client as user and wait for the user's menu"
    page.goto('%s#%s' % (server.url, server.name))
    dialog = page.locator('.login-dialog')
    dialog.locator('input#login').fill(user)
    # The server does not list its databases (TRYTOND_DATABASE__LIST), so
    # the client shows an empty database field once the server rejects its
    # request for the list.
    database = dialog.locator('input#database')
    database.wait_for()
    database.fill(server.name)
    dialog.locator('button[type="submit"]').click()
    password = page.locator('.modal input[type="password"]:visible')
    password.fill(PASSWORD)
    password.press('Enter')
    expect(page.locator('#user-preferences')).to_contain_text(
        user, timeout=TIMEOUT)


def open_model(page, server, model):
    "Open the list of model in a new tab and return the tab"
    panes = page.locator('#tabcontent > .tab-pane')
    count = panes.count()
    page.goto('%s#%s/model/%s' % (server.url, server.name, model))
    expect(panes).to_have_count(count + 1, timeout=TIMEOUT)
    tab = page.locator('#%s' % panes.nth(count).get_attribute('id'))
    expect(tab).to_have_class(re.compile(r'\bactive\b'))
    expect(tab.locator('table.tree')).to_be_visible(timeout=TIMEOUT)
    return tab


def column(tab, label):
    "Return the texts of the list column labelled label"
    header = tab.locator('table.tree thead th:has(label:text-is("%s"))'
        % label)
    expect(header).to_have_count(1)
    header_id = header.get_attribute('id')
    return tab.locator('table.tree tbody td[headers="%s"]'
        % header_id).all_inner_texts()


def choose(tab, field, text, match):
    "Type text into the Many2One field and pick the completion match"
    entry = tab.locator('input[name="%s"]' % field)
    option = tab.locator(
        '.form-many2one:has(input[name="%s"]) li.completion a' % field,
        has_text=match)
    # The client moves the cursor when the response to one of its calls
    # (defaults, changes) arrives, and it empties a field left with a text
    # that matches no record. So type again when that happened.
    for _ in range(3):
        entry.click()
        entry.fill(text)
        try:
            option.wait_for(timeout=5000)
        except PlaywrightTimeoutError:
            continue
        break
    option.click()
    expect(entry).to_have_value(re.compile(re.escape(match)))


def choose_survivor(tab, code):
    choose(tab, 'survivor', code, code)
    # Choosing the survivor fills her block.
    expect(tab.locator('input[name="block"]')).not_to_have_value(
        '', timeout=TIMEOUT)


def new_application(page, server):
    tab = open_model(page, server, 'shakti.application')
    expect(tab.locator('table.tree tbody tr').first).to_be_visible()
    tab.locator('button#new_').click()
    # The client redraws the form when the defaults arrive, which empties a
    # field typed into before.
    expect(tab.locator('input[name="company"]')).to_have_value(
        BASIRHAT, timeout=TIMEOUT)
    expect(tab.locator('input[name="survivor"]')).to_be_editable()
    return tab


def test_case_worker_sees_own_survivors_and_creates_application(
        page, server):
    survivors = server.query('shakti.survivor',
        [('company.party.name', '=', BASIRHAT)], ['code', 'name', 'company'])
    others = server.query('shakti.survivor',
        [('company.party.name', '=', HASNABAD)], ['name'])
    assert survivors, "No survivors of %s in the demo data" % BASIRHAT
    assert others, "No survivors of %s in the demo data" % HASNABAD

    login(page, server, 'cw.basirhat1')
    tab = open_model(page, server, 'shakti.survivor')
    rows = tab.locator('table.tree tbody tr')
    expect(rows).to_have_count(len(survivors), timeout=TIMEOUT)
    assert sorted(column(tab, "Case Code")) == sorted(
        s['code'] for s in survivors)
    assert sorted(column(tab, "Name")) == sorted(
        s['name'] for s in survivors)
    content = page.content()
    for other in others:
        assert other['name'] not in content

    survivor = min(survivors, key=lambda s: s['code'])
    scheme, = server.query('shakti.scheme', [('code', '=', SCHEME)], ['id'])
    before = {a['id'] for a in server.query(
            'shakti.application', [], ['id'])}
    tab = new_application(page, server)
    choose_survivor(tab, survivor['code'])
    choose(tab, 'scheme', SCHEME, '[%s]' % SCHEME)
    tab.locator('button#save').click()
    expect(tab.locator('.infobar .alert-info')).to_contain_text(
        "Record saved.", timeout=TIMEOUT)

    applications = server.query('shakti.application',
        [('id', 'not in', sorted(before))],
        ['survivor', 'scheme', 'state', 'company'])
    assert len(applications) == 1, applications
    application, = applications
    del application['id']
    assert application == {
        'survivor': survivor['id'],
        'scheme': scheme['id'],
        'state': 'draft',
        'company': survivor['company'],
        }


def test_monitoring_sees_case_codes_not_names(page, server):
    survivors = server.query('shakti.survivor', [], ['code', 'name'])
    codes = {s['code'] for s in survivors}

    login(page, server, 'me.lead')
    tab = open_model(page, server, 'shakti.survivor')
    expect(tab.locator('table.tree tbody tr').first).to_be_visible()
    # NOTE: the client draws only the first rows of a long list, so the
    # rows below them are not checked for names here.
    displayed_codes = column(tab, "Case Code")
    assert displayed_codes
    for code in displayed_codes:
        assert re.fullmatch(r'SV-\d+', code), code
        assert code in codes
    expect(tab.locator('table.tree thead th:has(label:text-is("Name"))')
        ).to_have_count(0)

    # Her form shows no Name field either.
    tab.locator('table.tree tbody td').get_by_text(
        displayed_codes[0], exact=True).dblclick()
    form = tab.locator('.form')
    expect(form.locator('label:text-is("Case Code:")')).to_be_visible(
        timeout=TIMEOUT)
    expect(form.locator('label:text-is("Name:")')).to_have_count(0)
    content = page.content()
    for survivor in survivors:
        assert survivor['name'] not in content


def test_application_without_scheme_rejected(page, server):
    survivors = server.query('shakti.survivor',
        [('company.party.name', '=', BASIRHAT)], ['code'])
    count = len(server.query('shakti.application', [], ['id']))

    login(page, server, 'cw.basirhat1')
    tab = new_application(page, server)
    choose_survivor(tab, survivors[0]['code'])
    tab.locator('button#save').click()
    expect(tab.locator('.infobar .alert-danger')).to_contain_text(
        '"Scheme" is required.', timeout=TIMEOUT)

    assert len(server.query('shakti.application', [], ['id'])) == count


def test_livelihood_officer_sees_own_loans_and_schedule(page, server):
    loans = server.query('shakti.shg.loan',
        [('company.party.name', '=', CANNING)],
        ['number', 'borrower', 'principal'])
    others = server.query('shakti.shg.loan',
        [('company.party.name', '!=', CANNING)], ['number'])
    assert loans, "No loans of %s in the demo data" % CANNING
    assert others, "No loans of other organisations in the demo data"

    login(page, server, 'livelihood.canning')
    tab = open_model(page, server, 'shakti.shg.loan')
    rows = tab.locator('table.tree tbody tr')
    expect(rows).to_have_count(len(loans), timeout=TIMEOUT)
    assert sorted(column(tab, "Number")) == sorted(
        l['number'] for l in loans)
    content = page.content()
    for other in others:
        assert other['number'] not in content

    # The schedule of the group's bank loan lists its instalments.
    loan = min((l for l in loans if l['borrower'] == 'group'),
        key=lambda l: l['number'])
    lines = server.query('shakti.shg.loan.line',
        [('loan.number', '=', loan['number'])], ['principal'])
    tab.locator('table.tree tbody td').get_by_text(
        loan['number'], exact=True).dblclick()
    form = tab.locator('.form')
    expect(form.locator('input[name="number"]')).to_have_value(
        loan['number'], timeout=TIMEOUT)
    schedule = form.locator('.form-one2many:has('
        'label.form-one2many-string:text-is("Schedule"))')
    # The client draws the first rows of a list; its pager counts them all.
    expect(schedule.locator('.form-one2many-toolbar')).to_contain_text(
        '/ %s' % len(lines), timeout=TIMEOUT)
    expect(schedule.locator('table.tree tbody tr').first).to_contain_text(
        '1')


def test_livelihood_officer_does_not_see_survivor_link(page, server):
    members = server.query('shakti.shg.member',
        [('company.party.name', '=', CANNING), ('survivor', '!=', None)],
        ['name'])
    assert members, "No member of %s is a survivor in the demo" % CANNING

    login(page, server, 'livelihood.canning')
    tab = open_model(page, server, 'shakti.shg.member')
    expect(tab.locator('table.tree tbody tr').first).to_be_visible()
    expect(tab.locator(
            'table.tree thead th:has(label:text-is("Survivor"))')
        ).to_have_count(0)
    expect(tab.locator(
            'table.tree thead th:has(label:text-is("Name"))')
        ).to_have_count(1)


def open_record(page, server, model, record_id):
    "Open the form of the record in a new tab and return the tab"
    panes = page.locator('#tabcontent > .tab-pane')
    count = panes.count()
    page.goto('%s#%s/model/%s/%s' % (
            server.url, server.name, model, record_id))
    expect(panes).to_have_count(count + 1, timeout=TIMEOUT)
    tab = page.locator('#%s' % panes.nth(count).get_attribute('id'))
    expect(tab.locator('.form')).to_be_visible(timeout=TIMEOUT)
    return tab


def test_cbo_reads_own_agreement_only(page, server):
    agreements = server.query('shakti.grant.agreement',
        [('company.party.name', '=', BASIRHAT)], ['reference'])
    assert agreements, "No agreement with %s in the demo" % BASIRHAT
    others = server.query('shakti.grant.agreement',
        [('company.party.name', '!=', BASIRHAT)], ['reference'])
    grants = server.query('shakti.grant', [], ['reference'])

    login(page, server, 'cw.basirhat1')
    tab = open_model(page, server, 'shakti.grant.agreement')
    rows = tab.locator('table.tree tbody tr')
    expect(rows).to_have_count(len(agreements), timeout=TIMEOUT)
    assert sorted(column(tab, "Reference")) == sorted(
        a['reference'] for a in agreements)

    # The form of her agreement opens without reaching the funder's
    # agreement or grant.
    agreement = agreements[0]
    tab = open_record(page, server, 'shakti.grant.agreement',
        agreement['id'])
    expect(tab.locator('input[name="reference"]')).to_have_value(
        agreement['reference'], timeout=TIMEOUT)
    expect(page.locator('.modal .alert-danger, .modal-body:has-text('
            '"not allowed")')).to_have_count(0)
    content = page.content()
    for record in others + grants:
        assert '>%s<' % record['reference'] not in content


def test_release_needs_second_finance_user(browser, page, server):
    tranches = server.query('shakti.grant.tranche', [
            ('state', '=', 'requested'),
            ('requested_by.login', '=', 'finance.lead'),
            ], ['name'])
    assert tranches, "No tranche requested by finance.lead in the demo"
    tranche = tranches[0]

    login(page, server, 'finance.lead')
    tab = open_record(page, server, 'shakti.grant.tranche', tranche['id'])
    # The form hides the buttons that do not apply to the requested
    # tranche, and disables those of the roles the user has not.
    expect(tab.locator('button:visible:has-text("Request Release")')
        ).to_have_count(0)
    expect(tab.locator('button:visible:has-text("Approve Release")')
        ).to_be_disabled()

    # The approver works in a browser of her own.
    context = browser.new_context(viewport={'width': 1400, 'height': 900})
    context.set_default_timeout(TIMEOUT)
    try:
        approver = context.new_page()
        login(approver, server, 'approver.lead')
        tab = open_record(
            approver, server, 'shakti.grant.tranche', tranche['id'])
        tab.locator('button:visible:has-text("Approve Release")').click()
        expect(tab.locator('button:visible:has-text("Approve Release")')
            ).to_have_count(0, timeout=TIMEOUT)
    finally:
        context.close()
    deadline = time.time() + TIMEOUT / 1000
    while time.time() < deadline:
        tranche, = server.query('shakti.grant.tranche',
            [('id', '=', tranche['id'])], ['state', 'approved_by.login'])
        if tranche['state'] == 'approved':
            break
        time.sleep(1)
    assert tranche['state'] == 'approved'
    assert tranche['approved_by.']['login'] == 'approver.lead'


def open_menu(page, *path):
    """Open the menu entry at the end of path, unfolding the entries above
    it, and return the new tab"""
    menu = page.locator('#menu')

    def entry(name):
        return menu.locator('tbody tr').filter(
            has=page.locator('.column-char[title="%s"]' % name))

    panes = page.locator('#tabcontent > .tab-pane')
    count = panes.count()
    for name in path[:-1]:
        entry(name).locator('.expander').click()
    entry(path[-1]).locator('.column-char').click()
    expect(panes).to_have_count(count + 1, timeout=TIMEOUT)
    tab = page.locator('#%s' % panes.nth(count).get_attribute('id'))
    expect(tab.locator('table.tree')).to_be_visible(timeout=TIMEOUT)
    return tab


def money(amount):
    "Return amount as the web client shows it in English"
    return '{:,.2f}'.format(Decimal(amount))


def stall_of(server, organisation):
    "Return the stall of organisation read as root"
    stall, = server.query('shakti.market.stall',
        [('company.party.name', '=', organisation)],
        ['name', 'state', 'company', 'point', 'enterprises',
            'warehouse.storage_location'])
    return stall


def stall_products(server, stall):
    "Return the ids of the products of the stall's enterprises"
    return sorted(p['id'] for p in server.query('product.product',
            [('template.enterprise', 'in', stall['enterprises'])], ['id']))


def sell_for_cash(server, user, stall, quantity):
    """Sell quantity of the stall's first product at its point as user,
    paid in cash, and return the total"""
    product = stall_products(server, stall)[0]
    # Like the client, send the line's organisation, so the product is
    # priced in the stall's organisation.
    prices = server.call(user, 'sale.point.sale.line', 'on_change',
        {'product': product, 'quantity': quantity,
            'company': stall['company'],
            '_parent_sale.point': stall['point']},
        ['product'])

    sale, = server.call(user, 'sale.point.sale', 'create', [{
                'point': stall['point'],
                'lines': [('create', [{
                                'product': product,
                                'quantity': quantity,
                                'unit_list_price': prices['unit_list_price'],
                                'unit_gross_price': prices['unit_gross_price'],
                                }])],
                }])
    (values,) = server.call(user, 'sale.point.sale', 'read', [sale],
        ['total'])

    cash, = server.query('sale.point.payment.method',
        [('company', '=', stall['company']), ('cash', '=', True)], ['id'])
    server.call(user, 'sale.point.payment', 'create', [{
                'sale': sale, 'method': cash['id'],
                'amount': values['total']}])
    server.call(user, 'sale.point.sale', 'process', [sale])
    return values['total']


def test_market_case_worker_sees_own_stall(page, server):
    stalls = server.query('shakti.market.stall',
        [('company.party.name', '=', BASIRHAT)], ['name'])
    others = server.query('shakti.market.stall',
        [('company.party.name', '!=', BASIRHAT)], ['name'])
    assert stalls, "No stall of %s in the demo" % BASIRHAT
    assert others, "No stall of other organisations in the demo"

    login(page, server, 'cw.basirhat1')
    tab = open_menu(page, "Shakti", "Market", "Stalls")
    expect(tab.locator('table.tree tbody tr')).to_have_count(
        len(stalls), timeout=TIMEOUT)
    assert sorted(column(tab, "Name")) == sorted(s['name'] for s in stalls)
    content = page.content()
    for other in others:
        assert other['name'] not in content


def test_market_other_cbo_sees_no_stall(page, server):
    stalls = server.query('shakti.market.stall',
        [('company.party.name', '=', HASNABAD)], ['name'])
    basirhat = server.query('shakti.market.stall',
        [('company.party.name', '=', BASIRHAT)], ['name', 'fair.name'])
    assert basirhat, "No stall of %s in the demo" % BASIRHAT

    login(page, server, 'cw.hasnabad')
    tab = open_menu(page, "Shakti", "Market", "Stalls")
    expect(tab.locator('table.tree tbody tr')).to_have_count(
        len(stalls), timeout=TIMEOUT)
    content = page.content()
    for stall in basirhat:
        assert stall['name'] not in content
        assert stall['fair.']['name'] not in content


def test_market_cash_difference_needs_reason(page, server):
    stall = stall_of(server, BASIRHAT)
    assert stall['state'] == 'open'
    days = server.query('shakti.market.stall.day',
        [('stall', '=', stall['id'])], ['counted_cash'])
    assert days, "The demo stall of %s has no closed day" % BASIRHAT
    # The day starts with the cash counted when the last one closed.
    start = Decimal(days[0]['counted_cash'])
    sold = sell_for_cash(server, 'livelihood.jote', stall, 2)
    assert sold > 0
    expected = start + sold
    counted = expected - Decimal('14.50')

    login(page, server, 'livelihood.jote')
    tab = open_record(page, server, 'shakti.market.stall', stall['id'])
    tab.locator('button:visible:has-text("Close Day")').click()
    wizard = page.locator('.modal:has(.wizard)')
    expect(wizard.locator('.modal-header')).to_contain_text(
        stall['name'], timeout=TIMEOUT)
    for name, amount in [
            ('start_cash', start),
            ('cash_in', sold),
            ('expected_cash', expected),
            ]:
        expect(wizard.locator('input[name="%s"]:visible' % name)
            ).to_have_value(money(amount), timeout=TIMEOUT)
    counted_cash = wizard.locator('input[name="counted_cash"]:visible')
    difference = wizard.locator('input[name="difference"]:visible')
    # The client empties a field typed into when the response to one of its
    # calls arrives after the typing, so type again when that happened.
    for _ in range(3):
        counted_cash.fill(str(counted))
        counted_cash.press('Tab')
        try:
            expect(difference).to_have_value('-14.50', timeout=5000)
        except AssertionError:
            continue
        break
    expect(difference).to_have_value('-14.50', timeout=TIMEOUT)

    # The client asks for the reason before the day closes.
    close = wizard.locator('.modal-footer button:has-text("Close Day")')
    close.click()
    expect(wizard.locator('.alert-danger').first).to_contain_text(
        '"Reason" is required.', timeout=TIMEOUT)
    assert len(server.query('shakti.market.stall.day',
            [('stall', '=', stall['id'])], ['id'])) == len(days)

    reason = "A fifty-rupee note taken as a hundred"
    wizard.locator('textarea[name="reason"]').fill(reason)
    close.click()
    expect(wizard).to_have_count(0, timeout=TIMEOUT)
    lines = tab.locator('.form-one2many:has('
        'label.form-one2many-string:text-is("Days")) table.tree tbody tr')
    expect(lines).to_have_count(len(days) + 1, timeout=TIMEOUT)
    expect(lines.first).to_contain_text('-14.50')
    expect(lines.first).to_contain_text(reason)

    amounts = [
        ('cash_sales', sold),
        ('upi_sales', Decimal(0)),
        ('start_cash', start),
        ('expected_cash', expected),
        ('counted_cash', counted),
        ('difference', Decimal('-14.50')),
        ]
    day = server.query('shakti.market.stall.day',
        [('stall', '=', stall['id'])],
        [n for n, _ in amounts] + ['sales', 'reason', 'closed_by.login'])[0]
    for name, amount in amounts:
        assert Decimal(day[name]) == amount, name
    assert day['sales'] == 1
    assert day['reason'] == reason
    assert day['closed_by.']['login'] == 'livelihood.jote'


def packed_transfer(server, user, stall, quantity=2):
    """Create as user the transfer of quantity of the stall's first product
    from its store to the stall, pack it and return its id"""
    product = stall_products(server, stall)[0]
    (values,) = server.query('product.product', [('id', '=', product)],
        ['default_uom', 'template.enterprise'])
    store, = server.query('stock.location', [
            ('enterprise', '=', values['template.']['enterprise']),
            ('type', '=', 'warehouse'),
            ], ['storage_location'])
    source = store['storage_location']
    target = stall['warehouse.']['storage_location']

    transfer, = server.call(user, 'stock.shipment.internal', 'create', [{
                'company': stall['company'],
                'from_location': source,
                'to_location': target,
                'moves': [('create', [{
                                'product': product,
                                'unit': values['default_uom'],
                                'quantity': quantity,
                                'from_location': source,
                                'to_location': target,
                                'company': stall['company'],
                                }])],
                }])

    server.call(user, 'stock.shipment.internal', 'wait', [transfer])
    server.call(user, 'stock.shipment.internal', 'assign_try', [transfer])
    (state,) = server.call(user, 'stock.shipment.internal', 'read',
        [transfer], ['state'])
    assert state['state'] == 'assigned', (
        "The goods of transfer %s were not reserved by %s" % (
            transfer, user))
    server.call(user, 'stock.shipment.internal', 'pack', [transfer])
    return transfer


def ship_and_fail_inspection(page, server, user, transfer):
    """Ship the transfer as user, fail its inspection on the labelling
    criterion alone, and check that the transfer stays packed"""
    login(page, server, user)
    tab = open_record(page, server, 'stock.shipment.internal', transfer)
    state = tab.locator('select[name="state"]')
    expect(state.locator('option:checked')).to_have_text('Packed')

    ship = tab.locator('button:visible:has-text("Ship")')
    ship.click()
    inspection = page.locator('.modal:visible:has(.form-dict)')
    criteria = inspection.locator('.dict-boolean input[type="checkbox"]')
    expect(criteria.first).to_be_visible(timeout=TIMEOUT)
    names = criteria.evaluate_all('inputs => inputs.map(i => i.name)')
    assert 'labelling' in names, names
    for name in names:
        if name != 'labelling':
            inspection.locator('input[name="%s"]' % name).check()
    inspection.locator('.modal-footer button:has-text("Save")').click()
    expect(inspection).to_have_count(0, timeout=TIMEOUT)
    expect(state.locator('option:checked')).to_have_text('Packed')

    # The failed inspection stops the goods from leaving.
    ship.click()
    expect(page.locator('.modal:visible .alert-warning')).to_contain_text(
        "To continue, alerts from failed inspections must be resolved.",
        timeout=TIMEOUT)

    (shipment,) = server.query('stock.shipment.internal',
        [('id', '=', transfer)], ['state'])
    assert shipment['state'] == 'packed'
    inspections = server.query('quality.inspection',
        [('origin', '=', 'stock.shipment.internal,%s' % transfer)],
        ['state', 'points'])
    assert len(inspections) == 1
    assert inspections[0]['state'] == 'failed'
    assert inspections[0]['points'] == {n: n != 'labelling' for n in names}


def test_market_failed_inspection_keeps_transfer_packed(page, server):
    # The livelihood officer of the stall's own organisation opens its
    # planned stall and sends goods to it.
    stall = stall_of(server, VEDIKA)
    if stall['state'] == 'draft':
        server.call('livelihood.vedika', 'shakti.market.stall', 'open',
            [stall['id']])
        stall = stall_of(server, VEDIKA)
    transfer = packed_transfer(server, 'livelihood.vedika', stall)
    ship_and_fail_inspection(page, server, 'livelihood.vedika', transfer)


def test_market_officer_above_cbo_fails_inspection(page, server):
    # The partner's livelihood officer reserves and inspects the goods of
    # her CBO's transfer, which run in the CBO's organisation.
    stall = stall_of(server, BASIRHAT)
    transfer = packed_transfer(server, 'livelihood.jote', stall)
    ship_and_fail_inspection(page, server, 'livelihood.jote', transfer)


def test_market_case_worker_cannot_close_day(page, server):
    stall = stall_of(server, BASIRHAT)
    assert stall['state'] == 'open'

    login(page, server, 'cw.basirhat1')
    tab = open_record(page, server, 'shakti.market.stall', stall['id'])
    expect(tab.locator('input[name="name"]')).to_have_value(
        stall['name'], timeout=TIMEOUT)
    # The open stall shows its buttons, disabled because her role may not
    # use them.
    for button in ["Close Day", "Return Unsold Goods"]:
        expect(tab.locator('button:visible:has-text("%s")' % button)
            ).to_be_disabled()


# The survivor pages, on a phone

CASE_MODULE = ROOT / 'addons' / 'shakti_case'
QUEUE = 'shakti_survivor_queue'
NEW_PASSWORD = 'Godavari-2026-lantern'


@functools.cache
def po_file(language):
    return polib.pofile(str(CASE_MODULE / 'locale' / ('%s.po' % language)))


def translation(language, context, source):
    "Return the translation into language of source in its .po context"
    for entry in po_file(language):
        if entry.msgctxt == context and entry.msgid == source:
            return entry.msgstr
    pytest.fail("No %s translation of %r (%s)" % (language, source, context))


@functools.cache
def xml_field(file, record, field):
    "Return the text of the field of the record in the module's XML file"
    tree = ElementTree.parse(CASE_MODULE / file)
    node = tree.find('.//record[@id="%s"]/field[@name="%s"]' % (
            record, field))
    return node.text


def page_text(language, name):
    "Return the survivor page text msg_survivor_page_<name> in language"
    record = 'msg_survivor_page_%s' % name
    english = xml_field('message.xml', record, 'text')
    if language == 'en':
        return english
    return translation(
        language, 'model:ir.message,text:%s' % record, english)


def survivor_url(server, path=''):
    return '%s%s/survivor/%s' % (server.url, server.name, path)


def survivor_login(page, server, login, password=PASSWORD):
    "Log in to the survivor pages as login and wait for her page"
    page.goto(survivor_url(server, 'login'))
    page.locator('#login').fill(login)
    page.locator('#password').fill(password)
    page.locator('form[action$="/survivor/login"] button').click()
    expect(page.locator('form[data-logout]')).to_be_visible()


def survivor_logout(page):
    page.locator('form[data-logout] button').click()
    expect(page.locator('#login')).to_be_visible()


def redeem(page, server, login, code, password):
    "Send the reset form with login, code and password"
    page.goto(survivor_url(server, 'reset'))
    page.locator('#login').fill(login)
    page.locator('#code').fill(code)
    page.locator('#password').fill(password)
    page.locator('#password_again').fill(password)
    page.locator('form[action$="/survivor/reset"] button').click()


def applications_of(server, login):
    "Return the applications past draft of the survivor of login"
    account, = server.query(
        'web.user', [('login', '=', login)], ['survivor'])
    applications = server.query('shakti.application', [
            ('survivor', '=', account['survivor']),
            ('state', '!=', 'draft'),
            ], ['number', 'state', 'date'])
    # The demo gives each survivor with an account such an application.
    assert applications
    return applications


def visits(server, **values):
    "Return the visits she recorded with the values"
    return server.query('shakti.application.follow_up', [
            ('recorded_by_survivor', '=', True),
            *((k, '=', v) for k, v in values.items())],
        ['date', 'outcome', 'notes', 'duty_bearer', 'client_key'])


def fill_visit(page, date, outcome, notes=None):
    """Fill the visit form with the date, the first duty bearer listed and
    the outcome; return the duty bearer's id"""
    page.locator('#date').fill(date)
    page.locator('#duty_bearer').select_option(index=1)
    duty_bearer = page.locator('#duty_bearer').input_value()
    # The first option after "choose" is a duty bearer, not "someone else".
    assert duty_bearer.isdigit()
    page.locator('input[name="outcome"][value="%s"]' % outcome).check()
    if notes:
        page.locator('#notes').fill(notes)
    return int(duty_bearer)


def test_survivor_records_rated_visit_in_bengali(phone, server):
    application = applications_of(server, 'sv.basirhat1')[0]
    states = dict(STATES)

    survivor_login(phone, server, 'sv.basirhat1')
    # Her account's language, Bengali, shows her page.
    expect(phone.locator('html')).to_have_attribute('lang', 'bn')
    card = phone.locator('li.card', has_text=application['number'])
    expect(card).to_contain_text(translation(
            'bn', 'selection:shakti.application,state:',
            states[application['state']]))

    card.locator('a').click()
    phone.locator('a[href$="/visit"]').click()
    anchor = translation(
        'bn', 'model:shakti.rating.criterion,anchor_8:criterion_respect',
        xml_field('rating_data.xml', 'criterion_respect', 'anchor_8'))
    # Each score of the rubric shows its description next to it.
    expect(phone.locator('label.score', has_text=anchor)).to_be_visible()
    date = phone.locator('#date').input_value()
    duty_bearer = fill_visit(
        phone, date, 'promised', "Asked to bring the ration card.")
    scores = phone.locator('input[name^="score_"][value="8"]')
    criteria = scores.count()
    assert criteria == 6
    for index in range(criteria):
        scores.nth(index).check()
    phone.locator('form[data-offline] button[type="submit"]').click()

    expect(phone).to_have_url(re.compile(
            r'/survivor/application/%s\?done=visit$' % application['id']))
    expect(phone.locator('.notice:not(#queue)')).to_contain_text(
        page_text('bn', 'visit_saved'))
    visit, = visits(server, application=application['id'], date=date)
    assert visit['outcome'] == 'promised'
    assert visit['notes'] == "Asked to bring the ration card."
    assert visit['duty_bearer'] == duty_bearer
    rating, = server.query('shakti.rating',
        [('follow_up', '=', visit['id'])], ['rated_by', 'duty_bearer'])
    assert rating['rated_by'] == 'survivor'
    assert rating['duty_bearer'] == duty_bearer
    lines = server.query('shakti.rating.line',
        [('rating', '=', rating['id'])], ['score'])
    assert [line['score'] for line in lines] == [8] * criteria


def test_survivor_cannot_open_other_survivors_records(
        browser, server, request):
    own = applications_of(server, 'sv.vedika')[0]
    other = applications_of(server, 'sv.basirhat1')
    with new_page(browser, server, request, locale='en-IN',
            **PHONE) as page:
        survivor_login(page, server, 'sv.vedika')
        expect(page.locator('html')).to_have_attribute('lang', 'te')
        page.locator('form.languages button[value="en_IN"]').click()
        expect(page.locator('html')).to_have_attribute('lang', 'en-IN')
        expect(page.locator('h1')).to_contain_text(
            page_text('en', 'home_title'))
        for application in other:
            expect(page.locator('main')).not_to_contain_text(
                application['number'])

        paths = ['application/%s' % a['id'] for a in other]
        paths += ['application/%s/visit' % a['id'] for a in other]
        paths += ['application/0', 'application/x', 'application/-1']
        for path in paths:
            response = page.goto(survivor_url(server, path))
            assert response.status == 404, path
        response = page.goto(
            survivor_url(server, 'application/%s' % own['id']))
        assert response.status == 200
        expect(page.locator('main')).to_contain_text(own['number'])

        # A visit sent with her session and token to another survivor's
        # application is not found and saves nothing.
        token = page.locator('meta[name="csrf"]').get_attribute('content')
        target = other[0]
        response = page.request.post(
            survivor_url(server, 'application/%s/visit' % target['id']),
            form={
                'csrf_token': token,
                'client_key': secrets.token_hex(16),
                'date': target['date'],
                'duty_bearer': 'other',
                'met_other': "Block office clerk",
                'outcome': 'not_met',
                }, max_redirects=0)
        assert response.status == 404
        assert visits(server, application=target['id'],
            met_other="Block office clerk") == []


def test_survivor_reset_code_works_once(browser, server, request):
    code = server.reset_code('sv.vedika')

    with new_page(browser, server, request, locale='en-IN',
            **PHONE) as page:
        redeem(page, server, 'sv.vedika', code, NEW_PASSWORD)
        expect(page.locator('.notice:not(#queue)')).to_contain_text(
            page_text('en', 'password_set'))
        survivor_logout(page)

        redeem(page, server, 'sv.vedika', code, 'Krishna-2026-second')
        expect(page.locator('.errors')).to_contain_text(
            page_text('en', 'reset_code_invalid'))

        page.goto(survivor_url(server, 'login'))
        page.locator('#login').fill('sv.vedika')
        page.locator('#password').fill(PASSWORD)
        page.locator('form[action$="/survivor/login"] button').click()
        expect(page.locator('.errors')).to_contain_text(
            page_text('en', 'login_failed'))
        survivor_login(page, server, 'sv.vedika', NEW_PASSWORD)


def test_survivor_expired_reset_code_rejected(browser, server, request):
    code = server.reset_code('sv.vedika', expired=True)

    with new_page(browser, server, request, locale='en-IN',
            **PHONE) as page:
        redeem(page, server, 'sv.vedika', code, 'Krishna-2026-expired')
        expect(page.locator('.errors')).to_contain_text(
            page_text('en', 'reset_code_invalid'))
        survivor_login(page, server, 'sv.vedika', NEW_PASSWORD)


def test_survivor_offline_visit_sent_once(phone, server):
    application = applications_of(server, 'sv.basirhat1')[0]
    # Another test records a visit today: this one is on the day she
    # applied.
    assert application['date'] < dt.date.today().isoformat()

    survivor_login(phone, server, 'sv.basirhat1')
    phone.goto(survivor_url(
            server, 'application/%s/visit' % application['id']))
    fill_visit(phone, application['date'], 'not_met')
    client_key = phone.locator('input[name="client_key"]').input_value()

    phone.context.set_offline(True)
    phone.locator('form[data-offline] button[type="submit"]').click()
    expect(phone.locator('#queue')).to_have_text(
        page_text('bn', 'saved_on_phone'))
    queued = phone.evaluate('key => localStorage.getItem(key)', QUEUE)
    assert len(json.loads(queued)) == 1
    assert visits(server, client_key=client_key) == []

    phone.context.set_offline(False)
    expect(phone.locator('#queue')).to_have_text(
        page_text('bn', 'queue_sent'))
    phone.wait_for_function(
        'key => localStorage.getItem(key) === null', arg=QUEUE)
    visit, = visits(server, client_key=client_key)
    assert visit['date'] == application['date']
    assert visit['outcome'] == 'not_met'

    # The phone sends the same visit again, as after a lost response.
    phone.evaluate(
        '([key, queue]) => localStorage.setItem(key, queue)',
        [QUEUE, queued])
    phone.reload()
    phone.wait_for_function(
        'key => localStorage.getItem(key) === null', arg=QUEUE)
    expect(phone.locator('#queue')).to_have_text(
        page_text('bn', 'queue_sent'))
    assert len(visits(server, client_key=client_key)) == 1
