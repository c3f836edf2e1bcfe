# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import html
import re
import unittest
from unittest.mock import patch

from trytond.pool import Pool
from trytond.protocols.wrappers import Response
from trytond.tests.test_tryton import DB_NAME, Client, activate_module, drop_db
from trytond.transaction import Transaction, TransactionError
from trytond.wsgi import app

from .test_module import (
    create_application, create_organisation, create_survivor)
from .test_survivor_account import PASSWORD, create_account

BASE = '/%s/survivor/' % DB_NAME


def field(body, name):
    "Return the value of the hidden input name in the HTML body"
    match = re.search(
        r'name="%s" value="([^"]*)"' % re.escape(name), body)
    return html.unescape(match.group(1)) if match else None


def session_key(response):
    "Return the session key that response sets in the cookie"
    for cookie in response.headers.getlist('Set-Cookie'):
        if cookie.startswith('shakti_survivor='):
            return cookie.split(';')[0].split('=', 1)[1]


def committed(func, *args):
    """Return the result of func run in a transaction that is committed,
    started again when it must lock its records first"""
    extras = {}
    while True:
        with Transaction().start(DB_NAME, 0, **extras) as transaction:
            try:
                return func(*args)
            except TransactionError as error:
                transaction.rollback()
                error.fix(extras)


class SurvivorPagesTestCase(unittest.TestCase):
    "Test the survivor pages through their routes"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        drop_db()
        activate_module('shakti_case')
        cls.ids = committed(cls.setup_data)

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        drop_db()

    @classmethod
    def setup_data(cls):
        """Create a survivor in each of two CBOs, each with an account and a
        submitted application, and an office of the first block with two
        duty bearers"""
        pool = Pool()
        Application = pool.get('shakti.application')
        FollowUp = pool.get('shakti.application.follow_up')
        Office = pool.get('shakti.office')
        DutyBearer = pool.get('shakti.duty_bearer')
        Intake = pool.get('shakti.intake')
        Date = pool.get('ir.date')

        today = Date.today()
        alpha, block, _, worker = create_organisation(
            "Alpha CBO", 'WB-N24P-BASIRHAT-I')
        beta, beta_block, _, other_worker = create_organisation(
            "Beta CBO", 'WB-N24P-HASNABAD')
        survivor = create_survivor(alpha, block, "Rani Test")
        other = create_survivor(beta, beta_block, "Mina Test")
        account = create_account(survivor, 'sv-alpha', language='en_IN')
        other_account = create_account(other, 'sv-beta', language='te')
        application = create_application(survivor)
        other_application = create_application(other)
        draft = create_application(survivor, code='PMAY-G', days_ago=5)
        Application.submit([application, other_application])
        office, = Office.create([{
                    'name': "Basirhat-I Block Office",
                    'type': 'bdo',
                    'place': block.id,
                    }])
        other_office, = Office.create([{
                    'name': "Hasnabad Block Office",
                    'type': 'bdo',
                    'place': beta_block.id,
                    }])
        bdo, clerk = DutyBearer.create([{
                    'name': "Officer Test",
                    'post': 'bdo',
                    'office': office.id,
                    }, {
                    'name': "Clerk Test",
                    'post': 'joint_bdo',
                    'office': office.id,
                    }])
        other_bdo, = DutyBearer.create([{
                    'name': "Other Officer Test",
                    'post': 'bdo',
                    'office': other_office.id,
                    }])
        follow_up, = FollowUp.create([{
                    'application': application.id,
                    'date': today - dt.timedelta(days=10),
                    'outcome': 'promised',
                    'next_date': dt.date(2099, 3, 4),
                    }])
        other_follow_up, = FollowUp.create([{
                    'application': other_application.id,
                    'date': today - dt.timedelta(days=10),
                    'outcome': 'promised',
                    }])
        needs = [{'domain': d, 'priority': 'low', 'description': d}
            for d in ['housing', 'livelihood', 'legal']]
        intake, other_intake = Intake.create([{
                    'survivor': survivor.id,
                    'date': today - dt.timedelta(days=20),
                    'filled_by': 'social_worker',
                    'survivor_domains': ['housing', 'livelihood'],
                    'needs': [('create', needs)],
                    }, {
                    'survivor': other.id,
                    'date': today - dt.timedelta(days=20),
                    'filled_by': 'social_worker',
                    'survivor_domains': ['housing'],
                    'needs': [('create', needs)],
                    }])
        return {
            'survivor': survivor.id,
            'account': account.id,
            'other_account': other_account.id,
            'application': application.id,
            'number': application.number,
            'application_date': application.date,
            'draft': draft.id,
            'other_application': other_application.id,
            'office': office.id,
            'bdo': bdo.id,
            'clerk': clerk.id,
            'other_bdo': other_bdo.id,
            'follow_up': follow_up.id,
            'other_follow_up': other_follow_up.id,
            'intake': intake.id,
            'other_intake': other_intake.id,
            }

    def setUp(self):
        super().setUp()
        # The slow-down of failed attempts is recorded, not slept.
        patcher = patch('time.sleep')
        patcher.start()
        self.addCleanup(patcher.stop)

    def client(self):
        return Client(app, Response)

    def login(self, login='sv-alpha', password=PASSWORD):
        "Return a client logged in as login"
        client = self.client()
        page = client.get(BASE + 'login')
        response = client.post(BASE + 'login', data={
                'login': login,
                'password': password,
                'csrf_token': field(page.text, 'csrf_token'),
                })
        self.assertEqual(response.status_code, 303, response.text)
        client.session_key = session_key(response)
        return client

    def csrf(self, client, path=''):
        return field(client.get(BASE + path).text, 'csrf_token')

    def count(self, model, domain):
        with Transaction().start(DB_NAME, 0, readonly=True):
            return Pool().get(model).search_count(domain)

    def visit_form(self, client, **values):
        "Return the values of a visit form, with the given changes"
        page = client.get(BASE + 'application/%s/visit'
            % self.ids['application'])
        self.assertEqual(page.status_code, 200)
        data = {
            'csrf_token': field(page.text, 'csrf_token'),
            'client_key': field(page.text, 'client_key'),
            'date': dt.date.today().isoformat(),
            'duty_bearer': str(self.ids['bdo']),
            'outcome': 'documents_requested',
            'notes': "Bring the ration card",
            'next_date': (dt.date.today() + dt.timedelta(days=7)).strftime(
                '%d/%m/%Y'),
            }
        with Transaction().start(DB_NAME, 0, readonly=True):
            Criterion = Pool().get('shakti.rating.criterion')
            for i, criterion in enumerate(Criterion.search(
                        [], order=[('id', 'ASC')])):
                data['score_%s' % criterion.id] = str(i + 3)
        data.update(values)
        return {k: v for k, v in data.items() if v is not None}

    def test_login_wrong_password(self):
        "Test a wrong password shows the message and opens no session"
        client = self.client()
        page = client.get(BASE + 'login')
        self.assertEqual(page.status_code, 200)
        self.assertIn('lang="en-IN"', page.text)

        response = client.post(BASE + 'login', data={
                'login': 'sv-alpha',
                'password': 'wrong-password',
                'csrf_token': field(page.text, 'csrf_token'),
                })

        self.assertEqual(response.status_code, 401, response.text)
        self.assertIn(
            "The login or the password is wrong: check them and try again.",
            response.text)
        self.assertIsNone(session_key(response))
        self.assertEqual(self.count('web.user.authenticate.attempt', [
                    ('login', '=', 'sv-alpha')]), 1)

    def test_login_and_home(self):
        "Test she logs in and sees her application and next follow-up"
        client = self.client()
        page = client.get(BASE + 'login')
        response = client.post(BASE + 'login', data={
                'login': 'SV-Alpha',
                'password': PASSWORD,
                'csrf_token': field(page.text, 'csrf_token'),
                })
        self.assertEqual(response.status_code, 303)
        self.assertEqual(response.headers['Location'], BASE)
        cookie = response.headers.getlist('Set-Cookie')
        session, = [c for c in cookie if c.startswith('shakti_survivor=')]
        self.assertIn('HttpOnly', session)
        self.assertIn('Path=%s' % BASE, session)
        self.assertIn('SameSite=Lax', session)
        self.assertNotIn('Secure', session)

        home = client.get(BASE)

        self.assertEqual(home.status_code, 200)
        self.assertEqual(home.headers['Cache-Control'], 'no-store')
        self.assertIn(
            "default-src 'self'", home.headers['Content-Security-Policy'])
        self.assertIn(
            "frame-ancestors 'none'",
            home.headers['Content-Security-Policy'])
        self.assertEqual(home.headers['Referrer-Policy'], 'same-origin')
        self.assertEqual(home.headers['X-Content-Type-Options'], 'nosniff')
        self.assertIn(self.ids['number'], home.text)
        self.assertIn('Submitted', home.text)
        self.assertIn('Next follow-up: 04/03/2099', home.text)
        self.assertNotIn('<script>', home.text)
        self.assertNotIn('style=', home.text)
        self.assertNotIn(
            'application/%s"' % self.ids['draft'], home.text)

    def test_language_switch(self):
        "Test she switches her pages to Telugu"
        client = self.login()
        response = client.post(BASE + 'language', data={
                'language': 'te',
                'back': 'intake',
                'csrf_token': self.csrf(client),
                })
        self.assertEqual(response.status_code, 303)
        self.assertEqual(response.headers['Location'], BASE + 'intake')
        self.assertIn('lang="te"', client.get(BASE).text)
        with Transaction().start(DB_NAME, 0, readonly=True):
            WebUser = Pool().get('web.user')
            self.assertEqual(
                WebUser(self.ids['account']).language.code, 'te')
        with Transaction().start(DB_NAME, 0):
            WebUser = Pool().get('web.user')
            WebUser(self.ids['account']).set_language('en_IN')

    def test_other_survivor_records_not_found(self):
        "Test every route with another survivor's or a draft id answers 404"
        client = self.login()
        csrf = self.csrf(client)
        for id_ in [self.ids['other_application'], self.ids['draft'],
                999999, 99999999999999999999, 'x']:
            response = client.get(BASE + 'application/%s' % id_)
            self.assertEqual(response.status_code, 404, id_)
            self.assertIn(
                "This page does not exist or is not yours. Go back to your "
                "page.", response.text)
            self.assertEqual(response.headers['Cache-Control'], 'no-store')
            self.assertEqual(client.get(
                    BASE + 'application/%s/visit' % id_).status_code, 404)
            data = self.visit_form(client)
            response = client.post(
                BASE + 'application/%s/visit' % id_, data=data)
            self.assertEqual(response.status_code, 404)
        response = client.post(BASE + 'intake', data={
                'csrf_token': csrf,
                'intake': str(self.ids['other_intake']),
                'priority_housing': 'high',
                'priority_livelihood': 'high',
                })
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.count('shakti.application.follow_up', [
                    ('recorded_by_survivor', '=', True)]), 0)
        self.assertEqual(self.count('shakti.intake', []), 2)

    def test_other_duty_bearer_rejected(self):
        "Test a duty bearer of another block is refused with the message"
        client = self.login()
        data = self.visit_form(
            client, duty_bearer=str(self.ids['other_bdo']))

        response = client.post(
            BASE + 'application/%s/visit' % self.ids['application'],
            data=data)

        self.assertEqual(response.status_code, 400)
        self.assertIn(
            "The person \"%s\" chosen for application %s is not in "
            "the list: choose one from the list." % (
                self.ids['other_bdo'], self.ids['number']),
            response.text)
        self.assertEqual(self.count('shakti.application.follow_up', [
                    ('recorded_by_survivor', '=', True)]), 0)

    def test_visit_with_rating(self):
        "Test a visit is saved with her rating, once for the same form"
        pool = Pool(DB_NAME)
        client = self.login()
        visit_page = client.get(
            BASE + 'application/%s/visit' % self.ids['application'])
        self.assertIn('Officer Test', visit_page.text)
        self.assertIn('<optgroup label="Basirhat-I Block Office">',
            visit_page.text)
        self.assertNotIn('Other Officer Test', visit_page.text)
        data = self.visit_form(client)
        url = BASE + 'application/%s/visit' % self.ids['application']
        self.addCleanup(self.delete_survivor_visits)

        response = client.post(url, data=data)
        again = client.post(url, data=data)

        self.assertEqual(response.status_code, 303, response.text)
        self.assertEqual(
            response.headers['Location'],
            BASE + 'application/%s?done=visit' % self.ids['application'])
        self.assertEqual(again.status_code, 303)
        page = client.get(response.headers['Location'])
        self.assertIn("The visit is saved.", page.text)
        today = dt.date.today()
        with Transaction().start(DB_NAME, 0, readonly=True):
            FollowUp = pool.get('shakti.application.follow_up')
            Rating = pool.get('shakti.rating')
            Criterion = pool.get('shakti.rating.criterion')
            follow_up, = FollowUp.search([
                    ('recorded_by_survivor', '=', True)])
            saved = {
                'date': follow_up.date,
                'duty_bearer': follow_up.duty_bearer.id,
                'met_other': follow_up.met_other,
                'outcome': follow_up.outcome,
                'notes': follow_up.notes,
                'next_date': follow_up.next_date,
                'web_user': follow_up.web_user.id,
                'client_key': follow_up.client_key,
                'with_survivor': follow_up.with_survivor,
                'staff': follow_up.staff,
                }
            ratings = [{
                    'rated_by': r.rated_by,
                    'duty_bearer': r.duty_bearer.id,
                    'date': r.date,
                    'scores': {
                        line.criterion.id: line.score for line in r.lines},
                    } for r in Rating.search([
                        ('follow_up', '=', follow_up.id)])]
            criteria = [c.id for c in Criterion.search(
                    [], order=[('id', 'ASC')])]
        self.assertEqual(saved, {
                'date': today,
                'duty_bearer': self.ids['bdo'],
                'met_other': None,
                'outcome': 'documents_requested',
                'notes': "Bring the ration card",
                'next_date': today + dt.timedelta(days=7),
                'web_user': self.ids['account'],
                'client_key': data['client_key'],
                'with_survivor': True,
                'staff': None,
                })
        self.assertEqual(ratings, [{
                    'rated_by': 'survivor',
                    'duty_bearer': self.ids['bdo'],
                    'date': today,
                    'scores': {c: i + 3 for i, c in enumerate(criteria)},
                    }])

    def delete_survivor_visits(self):
        with Transaction().start(DB_NAME, 0):
            pool = Pool()
            FollowUp = pool.get('shakti.application.follow_up')
            Rating = pool.get('shakti.rating')
            follow_ups = FollowUp.search([
                    ('recorded_by_survivor', '=', True)])
            Rating.delete(Rating.search([
                        ('follow_up', 'in', [f.id for f in follow_ups])]))
            FollowUp.delete(follow_ups)

    def test_visit_someone_else(self):
        "Test a visit to someone else is saved without rating"
        client = self.login()
        data = self.visit_form(client, duty_bearer='other',
            met_other="Peon Test", date=(
                dt.date.today() - dt.timedelta(days=1)).strftime('%d/%m/%Y'))
        for key in list(data):
            if key.startswith('score_'):
                del data[key]
        self.addCleanup(self.delete_survivor_visits)

        response = client.post(
            BASE + 'application/%s/visit' % self.ids['application'],
            data=data)

        self.assertEqual(response.status_code, 303, response.text)
        with Transaction().start(DB_NAME, 0, readonly=True):
            pool = Pool()
            FollowUp = pool.get('shakti.application.follow_up')
            Rating = pool.get('shakti.rating')
            follow_up, = FollowUp.search([
                    ('recorded_by_survivor', '=', True)])
            self.assertEqual(
                follow_up.date, dt.date.today() - dt.timedelta(days=1))
            self.assertIsNone(follow_up.duty_bearer)
            self.assertEqual(follow_up.met_other, "Peon Test")
            self.assertEqual(Rating.search_count([
                        ('follow_up', '=', follow_up.id)]), 0)

    def test_visit_bad_input(self):
        "Test a future date or a missing score saves nothing"
        client = self.login()
        url = BASE + 'application/%s/visit' % self.ids['application']
        future = dt.date.today() + dt.timedelta(days=1)
        data = self.visit_form(client, date=future.isoformat())

        response = client.post(url, data=data)

        self.assertEqual(response.status_code, 400)
        self.assertIn(
            "The date of the visit %s for application %s is in the future: "
            "enter the day you went, today or before." % (
                future.strftime('%d/%m/%Y'), self.ids['number']),
            response.text)
        self.assertEqual(field(response.text, 'client_key'),
            data['client_key'])

        data = self.visit_form(client)
        with Transaction().start(DB_NAME, 0, readonly=True):
            Criterion = Pool().get('shakti.rating.criterion')
            criterion, = Criterion.search([
                    ('aspect', '=', 'conduct')], order=[('id', 'ASC')],
                limit=1)
            name = criterion.name
        del data['score_%s' % criterion.id]

        response = client.post(url, data=data)

        self.assertEqual(response.status_code, 400)
        self.assertIn(
            "The score of \"%s\" for application %s is missing: score "
            "every question of \"Conduct of the Official\", or none of "
            "them." % (name, self.ids['number']),
            response.text)
        self.assertEqual(self.count('shakti.application.follow_up', [
                    ('recorded_by_survivor', '=', True)]), 0)
        self.assertEqual(self.count('shakti.rating', [
                    ('rated_by', '=', 'survivor')]), 0)

    def test_visit_text_too_long(self):
        "Test notes longer than 2,000 characters save nothing"
        client = self.login()
        url = BASE + 'application/%s/visit' % self.ids['application']
        data = self.visit_form(client, notes='n' * 2001)

        response = client.post(url, data=data)

        self.assertEqual(response.status_code, 400)
        self.assertIn(
            'The text of "What was said" has 2001 characters: shorten it '
            'to 2000 at most.', response.text)
        self.assertEqual(self.count('shakti.application.follow_up', [
                    ('recorded_by_survivor', '=', True)]), 0)

    def test_visit_keeps_planned_next_date(self):
        """Test a visit without a next date keeps the follow-up date that
        her case worker planned"""
        pool = Pool(DB_NAME)
        today = dt.date.today()
        planned = today + dt.timedelta(days=12)
        with Transaction().start(DB_NAME, 0) as transaction:
            FollowUp = pool.get('shakti.application.follow_up')
            staff, = FollowUp.create([{
                        'application': self.ids['application'],
                        'date': today - dt.timedelta(days=2),
                        'outcome': 'promised',
                        'next_date': planned,
                        }])
            transaction.commit()
        self.addCleanup(self.delete_follow_ups, [staff.id])
        self.addCleanup(self.delete_survivor_visits)
        client = self.login()
        data = self.visit_form(client, next_date='')

        response = client.post(
            BASE + 'application/%s/visit' % self.ids['application'],
            data=data)

        self.assertEqual(response.status_code, 303, response.text)
        with Transaction().start(DB_NAME, 0, readonly=True):
            FollowUp = pool.get('shakti.application.follow_up')
            Application = pool.get('shakti.application')
            visit, = FollowUp.search([('recorded_by_survivor', '=', True)])
            self.assertEqual(visit.next_date, planned)
            self.assertEqual(
                Application(self.ids['application']).next_follow_up,
                planned)

    def delete_follow_ups(self, ids):
        with Transaction().start(DB_NAME, 0) as transaction:
            FollowUp = Pool().get('shakti.application.follow_up')
            FollowUp.delete(FollowUp.browse(ids))
            transaction.commit()

    def test_visit_without_csrf(self):
        "Test a visit without the CSRF token is refused and not saved"
        client = self.login()
        data = self.visit_form(client)
        del data['csrf_token']

        response = client.post(
            BASE + 'application/%s/visit' % self.ids['application'],
            data=data)

        self.assertEqual(response.status_code, 403)
        self.assertIn(
            "The form has expired or was not sent from these pages. Open "
            "the page again and send the form again.", response.text)
        self.assertEqual(self.count('shakti.application.follow_up', [
                    ('recorded_by_survivor', '=', True)]), 0)

    def issue_code(self, expired=False):
        with Transaction().start(DB_NAME, 0):
            pool = Pool()
            WebUser = pool.get('web.user')
            ResetCode = pool.get('web.user.reset_code')
            code, _ = ResetCode.issue(WebUser(self.ids['other_account']))
            if expired:
                codes = ResetCode.search([
                        ('web_user', '=', self.ids['other_account']),
                        ('used', '=', None)])
                ResetCode.write(codes, {
                        'expire': dt.datetime.now() - dt.timedelta(
                            seconds=1)})
        return code

    def reset(self, client, code, password):
        page = client.get(BASE + 'reset')
        return client.post(BASE + 'reset', data={
                'login': 'sv-beta',
                'code': code,
                'password': password,
                'password_again': password,
                'csrf_token': field(page.text, 'csrf_token'),
                })

    def test_reset_code_once(self):
        "Test a reset code sets the password once and only once"
        code = self.issue_code()
        client = self.client()

        response = self.reset(client, code, 'new-river-stone')
        again = self.reset(self.client(), code, 'other-river-stone')

        self.assertEqual(response.status_code, 303)
        self.assertEqual(response.headers['Location'], BASE + '?done=password')
        self.assertIn("Your new password is set.",
            client.get(response.headers['Location']).text)
        self.assertEqual(again.status_code, 400)
        self.assertIn(
            "The login or the reset code is wrong, or the code has expired",
            again.text)
        self.login('sv-beta', 'new-river-stone')

    def test_reset_code_expired(self):
        "Test an expired reset code is refused"
        code = self.issue_code(expired=True)

        response = self.reset(self.client(), code, 'late-river-stone')

        self.assertEqual(response.status_code, 400)
        self.assertIn(
            "The login or the reset code is wrong, or the code has expired",
            response.text)

    def test_logout(self):
        "Test logging out ends the session"
        client = self.login()
        csrf = self.csrf(client)

        response = client.post(BASE + 'logout', data={'csrf_token': csrf})

        self.assertEqual(response.status_code, 303)
        self.assertEqual(
            response.headers['Location'], BASE + 'login?done=logout')
        self.assertEqual(self.count('web.user.session', [
                    ('key', '=', client.session_key)]), 0)
        home = client.get(BASE)
        self.assertEqual(home.status_code, 303)
        self.assertEqual(home.headers['Location'], BASE + 'login?done=login')

    def test_intake_version(self):
        "Test her save makes a version filled by her, with opened domains"
        pool = Pool(DB_NAME)
        client = self.login()
        page = client.get(BASE + 'intake')
        self.assertIn('Housing', page.text)
        self.assertNotIn('name="priority_legal"', page.text)

        response = client.post(BASE + 'intake', data={
                'csrf_token': field(page.text, 'csrf_token'),
                'intake': str(self.ids['intake']),
                'priority_housing': 'high',
                'description_housing': "The roof leaks",
                'priority_livelihood': 'medium',
                'description_livelihood': "",
                'priority_legal': 'high',
                'description_legal': "Changed",
                })

        self.assertEqual(response.status_code, 303, response.text)
        with Transaction().start(DB_NAME, 0):
            Intake = pool.get('shakti.intake')
            try:
                intake, = Intake.search([
                        ('survivor', '=', self.ids['survivor']),
                        ('filled_by', '=', 'survivor'),
                        ])
                self.assertEqual(intake.date, dt.date.today())
                self.assertFalse(intake.paper_form)
                self.assertIsNone(intake.interviewer)
                self.assertEqual(intake.version, 2)
                self.assertEqual(
                    {n.domain: (n.priority, n.description)
                        for n in intake.needs},
                    {
                        'housing': ('high', "The roof leaks"),
                        'livelihood': ('medium', None),
                        'legal': ('low', 'legal'),
                        })
            finally:
                Intake.delete(Intake.search([
                            ('filled_by', '=', 'survivor')]))

    def test_without_session_redirects(self):
        "Test every page without a session redirects to the login page"
        client = self.client()
        for path in ['', 'intake', 'application/%s' % self.ids['application'],
                'application/%s/visit' % self.ids['application']]:
            response = client.get(BASE + path)
            self.assertEqual(response.status_code, 303, path)
            self.assertEqual(
                response.headers['Location'], BASE + 'login?done=login')

    def test_static_files(self):
        "Test the CSS and the script are served at their versioned URL"
        client = self.client()
        page = client.get(BASE + 'login')
        for url in re.findall(r'(?:href|src)="([^"]+/static/[^"]+)"',
                page.text):
            response = client.get(url)
            self.assertEqual(response.status_code, 200, url)
            self.assertIn('immutable', response.headers['Cache-Control'])
        self.assertEqual(client.get(
                BASE + 'static/0/survivor.css').status_code, 404)
