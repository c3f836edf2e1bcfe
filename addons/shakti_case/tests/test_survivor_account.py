# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import re
import unittest
from contextlib import contextmanager
from unittest.mock import call, patch

from trytond.config import config
from trytond.exceptions import RateLimitException
from trytond.model.exceptions import (
    AccessError, RequiredValidationError, SQLConstraintError)
from trytond.model.modelview import AccessButtonError
from trytond.modules.shakti_case.exceptions import (
    ResetCodeError, SurvivorAccountError)
from trytond.modules.shakti_case.survivor_account import (
    PASSWORD_HASH, dummy_hash)
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from .test_module import create_organisation, create_survivor

PASSWORD = 'tea-garden-path'
CODE = re.compile(r'[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}')


def add_user(company, login, group):
    "Create a user of company in one shakti_base group"
    pool = Pool()
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')

    user, = User.create([{
                'login': login,
                'companies': [('add', [company.id])],
                'company': company.id,
                'groups': [('add', [
                                ModelData.get_id('shakti_base', group)])],
                }])
    return user


def create_account(survivor, login, language='bn', password=PASSWORD):
    "Create the web user of survivor, with a password"
    pool = Pool()
    WebUser = pool.get('web.user')
    Lang = pool.get('ir.lang')

    lang, = Lang.search([('code', '=', language)])
    account, = WebUser.create([{
                'survivor': survivor.id,
                'login': login,
                'language': lang.id,
                }])
    if password:
        WebUser.write([account], {
                'password_hash': WebUser.hash_password(password),
                })
    return account


@contextmanager
def as_user(user):
    "Act as user in her organisation, with access checks, in English"
    with Transaction().set_user(user.id), \
            Transaction().set_context(
                company=user.company.id, language='en', _check_access=True):
        yield


@contextmanager
def max_attempt(count):
    "Set how many failed attempts a login may make before it is limited"
    previous = config.get('session', 'max_attempt')
    config.set('session', 'max_attempt', str(count))
    try:
        yield
    finally:
        config.set('session', 'max_attempt', previous)


def issue_code(user, survivor):
    "Run the reset code wizard as user on survivor; return its values"
    pool = Pool()
    Wizard = pool.get('shakti.survivor.reset_code', type='wizard')

    with as_user(user), Transaction().set_context(
            active_model='shakti.survivor', active_id=survivor.id,
            active_ids=[survivor.id]):
        session_id, _, _ = Wizard.create()
        result = Wizard.execute(session_id, {}, 'start')
        Wizard.delete(session_id)
    return result['view']['defaults']


class SurvivorAccountTestCase(unittest.TestCase):
    "Test survivor accounts, their logins and reset codes"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module('shakti_case')

    def setUp(self):
        super().setUp()
        # The slow-down of failed attempts is recorded, not slept.
        patcher = patch('time.sleep')
        self.sleep = patcher.start()
        self.addCleanup(patcher.stop)

    def setup_cbos(self):
        """Create two CBOs, each with a case worker, and in the first a
        survivor leader, a monitoring user and a survivor with an account"""
        alpha, block, _, worker = create_organisation(
            "Alpha CBO", 'WB-N24P-BASIRHAT-I')
        beta, beta_block, _, other_worker = create_organisation(
            "Beta CBO", 'WB-N24P-HASNABAD')
        survivor = create_survivor(alpha, block, "Rani Test")
        account = create_account(survivor, 'SV-Alpha ')
        return {
            'worker': worker,
            'leader': add_user(alpha, 'leader-alpha', 'group_survivor_leader'),
            'monitoring': add_user(alpha, 'me-alpha', 'group_monitoring'),
            'other_worker': other_worker,
            'survivor': survivor,
            'account': account,
            'other_survivor': create_survivor(beta, beta_block, "Mina Test"),
            }

    @with_transaction()
    def test_login_and_password(self):
        "Test a survivor logs in by her login in any case, not by a wrong one"
        pool = Pool()
        WebUser = pool.get('web.user')
        Attempt = pool.get('web.user.authenticate.attempt')

        data = self.setup_cbos()
        account = data['account']
        self.assertEqual(account.login, 'sv-alpha')
        self.assertEqual(account.rec_name, 'sv-alpha')
        self.assertEqual(account.company, data['survivor'].company)
        self.assertIsNone(account.email)
        self.assertEqual(
            WebUser.authenticate_login(' SV-ALPHA', PASSWORD), account)
        self.assertIsNone(
            WebUser.authenticate_login('sv-alpha', 'tea-garden-pat'))
        self.assertEqual(Attempt.count('sv-alpha'), 1)
        self.assertEqual(
            WebUser.authenticate_login('sv-alpha', PASSWORD), account)
        self.assertEqual(Attempt.count('sv-alpha'), 0)

        WebUser.write([account], {'active': False})
        self.assertIsNone(WebUser.authenticate_login('sv-alpha', PASSWORD))

    @with_transaction()
    def test_unknown_login(self):
        "Test an unknown login verifies a password as a known one does"
        pool = Pool()
        WebUser = pool.get('web.user')
        Attempt = pool.get('web.user.authenticate.attempt')

        self.setup_cbos()
        with patch.object(
                PASSWORD_HASH, 'verify',
                wraps=PASSWORD_HASH.verify) as verify:
            self.assertIsNone(WebUser.authenticate_login('nobody', PASSWORD))
        verify.assert_called_once_with(PASSWORD, dummy_hash())
        self.assertEqual(Attempt.count('nobody'), 1)

    @with_transaction()
    def check_failed_logins(self):
        pool = Pool()
        WebUser = pool.get('web.user')
        Attempt = pool.get('web.user.authenticate.attempt')

        self.setup_cbos()
        for _ in range(3):
            self.assertIsNone(WebUser.authenticate_login('sv-alpha', 'wrong'))
        self.assertEqual(Attempt.count('sv-alpha'), 3)
        self.assertEqual(self.sleep.call_args_list, [])

    def test_failed_logins_slow_down(self):
        "Test each failed login doubles the delay after the transaction"
        self.check_failed_logins()
        self.assertEqual(
            self.sleep.call_args_list, [call(0), call(1), call(3)])

    @with_transaction()
    def test_failed_logins_limited(self):
        "Test a login is refused after too many failures, even the right one"
        pool = Pool()
        WebUser = pool.get('web.user')
        Attempt = pool.get('web.user.authenticate.attempt')

        self.setup_cbos()
        with max_attempt(1):
            for _ in range(2):
                self.assertIsNone(
                    WebUser.authenticate_login('sv-alpha', 'wrong'))
            with self.assertRaises(RateLimitException):
                WebUser.authenticate_login('sv-alpha', PASSWORD)
        self.assertEqual(Attempt.count('sv-alpha'), 3)

    @with_transaction()
    def test_login_invalid(self):
        "Test a login with a space is rejected with the login in the message"
        pool = Pool()
        WebUser = pool.get('web.user')

        data = self.setup_cbos()
        with self.assertRaises(SurvivorAccountError) as cm:
            WebUser.write([data['account']], {'login': 'sv alpha'})
        self.assertEqual(
            cm.exception.message,
            'The login "sv alpha" of web user "sv alpha" is invalid: use '
            'lower-case letters a to z, digits, dots, hyphens and '
            'underscores, without spaces.')

    @with_transaction()
    def test_login_unique_among_active(self):
        "Test a login is free again once its account is inactive"
        pool = Pool()
        WebUser = pool.get('web.user')

        data = self.setup_cbos()
        WebUser.write([data['account']], {'active': False})
        again = create_account(data['survivor'], 'sv-alpha')
        self.assertEqual(again.login, 'sv-alpha')
        with self.assertRaises(SQLConstraintError) as cm:
            create_account(data['other_survivor'], 'SV-Alpha')
        self.assertEqual(
            cm.exception.message,
            'Another active web user has this login: choose another login.')

    @with_transaction()
    def test_one_active_account_per_survivor(self):
        "Test a survivor cannot have two active accounts"
        data = self.setup_cbos()
        with self.assertRaises(SQLConstraintError) as cm:
            create_account(data['survivor'], 'sv-alpha-2')
        self.assertEqual(
            cm.exception.message,
            'A survivor can have only one active web user: deactivate her '
            'other one first.')

    @with_transaction()
    def test_email_required_without_survivor(self):
        "Test only a web user without a survivor needs an email"
        pool = Pool()
        WebUser = pool.get('web.user')

        with self.assertRaises(RequiredValidationError):
            WebUser.create([{'login': 'staff-page'}])

    @with_transaction()
    def test_reset_code_issued_once(self):
        "Test a case worker's reset code sets the password once only"
        pool = Pool()
        WebUser = pool.get('web.user')
        ResetCode = pool.get('web.user.reset_code')

        data = self.setup_cbos()
        account = data['account']
        before = dt.datetime.now()
        values = issue_code(data['worker'], data['survivor'])
        self.assertEqual(values['login'], 'sv-alpha')
        self.assertRegex(values['code'], CODE)
        self.assertGreaterEqual(
            values['expire'], before + dt.timedelta(seconds=900))
        self.assertLessEqual(
            values['expire'], dt.datetime.now() + dt.timedelta(seconds=900))
        record, = ResetCode.search([('web_user', '=', account.id)])
        self.assertEqual(record.issued_by, data['worker'])
        self.assertNotIn(values['code'].replace('-', ''), record.code_hash)

        result = ResetCode.redeem(
            'sv-alpha', values['code'].lower(), 'river-bank-walk')
        self.assertIsNone(result.error)
        self.assertEqual(len(result.session), 64)
        self.assertEqual(WebUser.get_session_account(result.session), account)
        self.assertIsNotNone(ResetCode(record.id).used)
        self.assertEqual(
            WebUser.authenticate_login('sv-alpha', 'river-bank-walk'),
            account)
        self.assertIsNone(WebUser.authenticate_login('sv-alpha', PASSWORD))

        again = ResetCode.redeem('sv-alpha', values['code'], 'new-path-10')
        self.assertEqual(again.session, None)
        self.assertEqual(again.error, 'invalid_code')
        self.assertEqual(
            again.message,
            'The login or the reset code is wrong, or the code has expired: '
            'check them, or ask your case worker for a new code.')

    @with_transaction()
    def test_reset_code_by_survivor_leader(self):
        "Test a survivor leader of her CBO issues a code, older ones expire"
        pool = Pool()
        ResetCode = pool.get('web.user.reset_code')

        data = self.setup_cbos()
        first = issue_code(data['worker'], data['survivor'])['code']
        second = issue_code(data['leader'], data['survivor'])['code']
        self.assertEqual(
            ResetCode.redeem('sv-alpha', first, 'river-bank-walk').error,
            'invalid_code')
        self.assertIsNone(
            ResetCode.redeem('sv-alpha', second, 'river-bank-walk').error)

    @with_transaction()
    def test_reset_code_other_roles(self):
        "Test another CBO's case worker and monitoring cannot issue codes"
        pool = Pool()
        ResetCode = pool.get('web.user.reset_code')

        data = self.setup_cbos()
        for user in [data['other_worker'], data['monitoring']]:
            with self.subTest(user=user.login), \
                    self.assertRaises(AccessError):
                issue_code(user, data['survivor'])
        self.assertEqual(ResetCode.search([]), [])

    @with_transaction()
    def test_reset_code_case_supervisor(self):
        "Test a case supervisor, who may edit survivors, cannot issue codes"
        pool = Pool()
        ResetCode = pool.get('web.user.reset_code')

        data = self.setup_cbos()
        supervisor = add_user(
            data['worker'].company, 'supervisor-alpha',
            'group_case_supervisor')
        with self.assertRaises(AccessButtonError) as cm:
            issue_code(supervisor, data['survivor'])
        self.assertEqual(
            cm.exception.message,
            'Calling button "issue_reset_code on "shakti.survivor" is not '
            'allowed.')
        self.assertEqual(ResetCode.search([]), [])

    @with_transaction()
    def test_reset_code_without_account(self):
        "Test the wizard names the survivor who has no account"
        data = self.setup_cbos()
        survivor = create_survivor(
            data['worker'].company, data['survivor'].block, "Sathi Test")
        with self.assertRaises(ResetCodeError) as cm:
            issue_code(data['worker'], survivor)
        self.assertEqual(
            cm.exception.message,
            'Survivor "%s" has no active web account: add one on her Web '
            'Accounts tab, then issue the code.' % survivor.code)

    @with_transaction()
    def test_reset_code_expired(self):
        "Test an expired code is rejected and counts as a failed attempt"
        pool = Pool()
        ResetCode = pool.get('web.user.reset_code')
        Attempt = pool.get('web.user.authenticate.attempt')

        data = self.setup_cbos()
        code = issue_code(data['worker'], data['survivor'])['code']
        record, = ResetCode.search([])
        ResetCode.write([record], {
                'expire': dt.datetime.now() - dt.timedelta(seconds=1),
                })
        result = ResetCode.redeem('sv-alpha', code, 'river-bank-walk')
        self.assertEqual(result.error, 'invalid_code')
        self.assertEqual(Attempt.count('reset:sv-alpha'), 1)
        self.assertIsNone(ResetCode(record.id).used)

    @with_transaction()
    def test_reset_codes_per_hour(self):
        "Test a fourth code in an hour is rejected with the wait"
        pool = Pool()
        ResetCode = pool.get('web.user.reset_code')

        data = self.setup_cbos()
        for _ in range(3):
            issue_code(data['worker'], data['survivor'])
        with self.assertRaises(ResetCodeError) as cm:
            issue_code(data['leader'], data['survivor'])
        self.assertEqual(
            cm.exception.message,
            'Web user "sv-alpha" was issued 3 reset codes in the last hour, '
            'the limit: issue the next one in 60 minutes.')
        self.assertEqual(len(ResetCode.search([])), 3)

    @with_transaction()
    def test_redeem_ends_sessions(self):
        "Test a redeemed code deletes every session and the other codes"
        pool = Pool()
        WebUser = pool.get('web.user')
        Session = pool.get('web.user.session')
        ResetCode = pool.get('web.user.reset_code')

        data = self.setup_cbos()
        account = data['account']
        phone, shared = account.new_session(), account.new_session()
        self.assertEqual(
            WebUser.get_session_survivor(phone), data['survivor'])
        issue_code(data['worker'], data['survivor'])
        code = issue_code(data['worker'], data['survivor'])['code']

        result = ResetCode.redeem('sv-alpha', code, 'river-bank-walk')
        self.assertIsNone(WebUser.get_session_account(phone))
        self.assertIsNone(WebUser.get_session_account(shared))
        self.assertEqual(
            [s.key for s in Session.search([('user', '=', account.id)])],
            [result.session])
        used, = ResetCode.search([('web_user', '=', account.id)])
        self.assertIsNotNone(used.used)

    @with_transaction()
    def test_redeem_rejects_password(self):
        "Test a rejected password keeps the code and counts no failure"
        pool = Pool()
        ResetCode = pool.get('web.user.reset_code')
        Attempt = pool.get('web.user.authenticate.attempt')

        data = self.setup_cbos()
        code = issue_code(data['worker'], data['survivor'])['code']
        for password, message in [
                ('short', 'The new password is too short: use at least 8 '
                    'characters.'),
                ('SV-ALPHA', 'The new password is too easy to guess or is '
                    'your login: choose another password.'),
                ]:
            with self.subTest(password=password):
                result = ResetCode.redeem('sv-alpha', code, password)
                self.assertEqual(result.session, None)
                self.assertEqual(result.error, 'invalid_password')
                self.assertEqual(result.message, message)
        self.assertEqual(Attempt.count('reset:sv-alpha'), 0)
        self.assertIsNone(
            ResetCode.redeem('sv-alpha', code, 'river-bank-walk').error)

    @with_transaction()
    def test_redeem_limited(self):
        "Test wrong codes are limited like logins, apart from them"
        pool = Pool()
        WebUser = pool.get('web.user')
        ResetCode = pool.get('web.user.reset_code')

        data = self.setup_cbos()
        code = issue_code(data['worker'], data['survivor'])['code']
        with max_attempt(1):
            for _ in range(2):
                self.assertEqual(
                    ResetCode.redeem(
                        'sv-alpha', 'AAAA-AAAA', 'river-bank-walk').error,
                    'invalid_code')
            result = ResetCode.redeem('sv-alpha', code, 'river-bank-walk')
            self.assertEqual(result.error, 'rate_limit')
            self.assertEqual(
                result.message,
                'Too many failed attempts: wait 30 minutes and try again.')
            self.assertEqual(
                WebUser.authenticate_login('sv-alpha', PASSWORD),
                data['account'])

    @with_transaction()
    def test_deactivation_ends_sessions(self):
        "Test a deactivated account logs out and its code stops working"
        pool = Pool()
        WebUser = pool.get('web.user')
        ResetCode = pool.get('web.user.reset_code')

        data = self.setup_cbos()
        key = data['account'].new_session()
        code = issue_code(data['worker'], data['survivor'])['code']
        with as_user(data['worker']):
            WebUser.write([WebUser(data['account'].id)], {'active': False})
        self.assertIsNone(WebUser.get_session_account(key))
        self.assertEqual(
            ResetCode.redeem('sv-alpha', code, 'river-bank-walk').error,
            'invalid_code')

    @with_transaction()
    def test_logout(self):
        "Test ending a session logs out of it only"
        pool = Pool()
        WebUser = pool.get('web.user')

        data = self.setup_cbos()
        phone, other = data['account'].new_session(), \
            data['account'].new_session()
        WebUser.end_session(phone)
        self.assertIsNone(WebUser.get_session_survivor(phone))
        self.assertEqual(
            WebUser.get_session_survivor(other), data['survivor'])
        self.assertIsNone(WebUser.get_session_survivor('0' * 64))
        self.assertIsNone(WebUser.get_session_survivor(None))

    @with_transaction()
    def test_language_switch(self):
        "Test her language switches among the survivor page languages only"
        pool = Pool()
        WebUser = pool.get('web.user')

        data = self.setup_cbos()
        account = data['account']
        self.assertEqual(account.language_code, 'bn')
        self.assertEqual(
            [lang.code for lang in WebUser.survivor_languages()],
            ['bn', 'te', 'hi', 'en_IN'])
        self.assertTrue(account.set_language('te'))
        self.assertEqual(WebUser(account.id).language_code, 'te')
        self.assertFalse(account.set_language('fr'))
        self.assertEqual(WebUser(account.id).language_code, 'te')

    @with_transaction()
    def test_accounts_scoped_to_cbo(self):
        "Test staff read and create the accounts of their CBO's survivors"
        pool = Pool()
        WebUser = pool.get('web.user')
        Lang = pool.get('ir.lang')

        data = self.setup_cbos()
        account = data['account']
        with as_user(data['worker']):
            self.assertEqual(WebUser.search([]), [account])
            self.assertEqual(
                WebUser.read([account.id], ['login'])[0]['login'],
                'sv-alpha')
        with as_user(data['monitoring']), self.assertRaises(AccessError):
            WebUser.search([])
        telugu, = Lang.search([('code', '=', 'te')])
        with as_user(data['other_worker']):
            self.assertEqual(WebUser.search([]), [])
            with self.assertRaises(AccessError):
                WebUser.read([account.id], ['login'])
            created, = WebUser.create([{
                        'survivor': data['other_survivor'].id,
                        'login': 'sv-beta',
                        'language': telugu.id,
                        }])
            self.assertEqual(WebUser.search([]), [created])
            with self.assertRaises(AccessError):
                WebUser.write([created], {'survivor': data['survivor'].id})
            with self.assertRaises(AccessError):
                WebUser.create([{
                            'survivor': data['survivor'].id,
                            'login': 'sv-taken',
                            'language': telugu.id,
                            }])

    @with_transaction()
    def test_password_fields_unreadable(self):
        "Test no staff user reads the password hash nor the tokens"
        pool = Pool()
        WebUser = pool.get('web.user')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')

        data = self.setup_cbos()
        company = data['worker'].company
        supervisor = add_user(company, 'supervisor', 'group_case_supervisor')
        admin = add_user(company, 'shakti-admin', 'group_admin')
        tryton_admin = add_user(company, 'tryton-admin', 'group_admin')
        User.write([tryton_admin], {
                'groups': [('add', [ModelData.get_id('res', 'group_admin')])],
                })
        for user in [data['worker'], data['leader'], supervisor, admin,
                tryton_admin]:
            for field in ['password_hash', 'reset_password_token',
                    'email_token']:
                with self.subTest(user=user.login, field=field), \
                        as_user(user), self.assertRaises(AccessError):
                    WebUser.read([data['account'].id], [field])
        with as_user(data['worker']):
            self.assertEqual(
                WebUser.read([data['account'].id], ['login'])[0]['login'],
                'sv-alpha')
