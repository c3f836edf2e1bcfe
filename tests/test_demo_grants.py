# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The demo's grants and agreements, built on the demo organisations and
logins, and read as the finance staff of the lead NGO and of a partner."""
import random
import unittest
from decimal import Decimal

from trytond.modules.shakti_partner_grants.exceptions import (
    AgreementError, DisbursementError)
from trytond.modules.shakti_partner_grants.tests.tools import as_user
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    DB_NAME, USER, activate_module, drop_db, with_transaction)
from trytond.transaction import Transaction

from demo import data as demo_data
from demo import grants as demo_grants
from demo import scorecards as demo_scorecards

from .tools import shakti_modules

# The unaccounted money of each agreement by age: under 3 months, 3 to 6,
# 6 to 9 and over 9.
AGING = {
    'UT-NMJ-01': ['0.00', '2000000.00', '0.00', '0.00'],
    'UT-CSS-01': ['0.00', '0.00', '0.00', '400000.00'],
    'UT-KVV-02': ['600000.00', '0.00', '400000.00', '0.00'],
    'UT-KVV-01': ['0.00', '0.00', '0.00', '0.00'],
    'NMJ-BAS1-01': ['300000.00', '0.00', '0.00', '0.00'],
    'NMJ-HAS-01': ['0.00', '0.00', '0.00', '40000.00'],
    'NMJ-HAR-01': ['250000.00', '0.00', '40000.00', '0.00'],
    'NMJ-MIN-01': ['0.00', '300000.00', '0.00', '0.00'],
    }
BANDS = [
    'unaccounted_0_3', 'unaccounted_3_6', 'unaccounted_6_9',
    'unaccounted_9']


def as_login(login):
    "Act as the demo login in its organisation, with access checks"
    pool = Pool()
    User = pool.get('res.user')

    user, = User.search([('login', '=', login)])
    return as_user(user)


class DemoGrantsTestCase(unittest.TestCase):
    "Test the demo grants tell a consistent history"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        drop_db()
        activate_module(shakti_modules())
        with Transaction().start(DB_NAME, 0, context={
                    'active_test': False}) as transaction:
            Date = Pool().get('ir.date')
            builder = demo_data._Builder(random.Random(1), Date.today())
            builder.organisations = builder.create_organisations()
            builder.create_users()
            demo_grants.load(builder)
            demo_scorecards.load(builder)
            transaction.commit()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        drop_db()

    @with_transaction()
    def test_scorecard_results(self):
        "Test the demo scorecards give the programme's known results"
        pool = Pool()
        Scorecard = pool.get('shakti.scorecard')

        scorecards = Scorecard.search([], order=[('id', 'ASC')])
        self.assertEqual([(
                    s.company.rec_name, s.direction, s.state,
                    s.high_count, s.medium_count, s.low_count, s.points,
                    s.result) for s in scorecards], [
                ("Basirhat-I Mukti Sangha", 'evaluation', 'done',
                    8, 7, 0, 23, 'high'),
                ("Hasnabad Mukti Sangha", 'evaluation', 'done',
                    2, 8, 5, 12, 'medium'),
                ("Baduria Mukti Sangha", 'evaluation', 'done',
                    2, 6, 7, 10, 'low'),
                (demo_grants.CANNING, 'evaluation', 'draft',
                    2, 2, 0, 6, None),
                (demo_grants.CONSORTIUM, 'feedback', 'done',
                    1, 2, 0, 4, 'medium'),
                (demo_grants.CANNING, 'feedback', 'done',
                    1, 1, 1, 3, 'medium'),
                ])
        self.assertEqual(
            [s.completed_by.login if s.completed_by else None
                for s in scorecards],
            ['me.lead', 'me.lead', 'me.lead', None, 'supervisor.jote',
                'supervisor.canning'])

    @with_transaction()
    def test_aging_bands(self):
        "Test the unaccounted money of each agreement by age"
        pool = Pool()
        Agreement = pool.get('shakti.grant.agreement')

        agreements = Agreement.search([])
        self.assertEqual(
            sorted(a.reference for a in agreements), sorted(AGING))
        for agreement in agreements:
            with self.subTest(agreement=agreement.reference):
                self.assertEqual(
                    [getattr(agreement, b) for b in BANDS],
                    [Decimal(v) for v in AGING[agreement.reference]])
                self.assertEqual(agreement.unaccounted_amount,
                    sum(Decimal(v) for v in AGING[agreement.reference]))

    @with_transaction()
    def test_every_state(self):
        "Test the demo has records in every state of the workflows"
        pool = Pool()

        for name, states in [
                ('shakti.grant', {'active'}),
                ('shakti.grant.agreement', {'active', 'closed'}),
                ('shakti.grant.tranche', {
                        'planned', 'requested', 'approved', 'disbursed',
                        'cancelled'}),
                ('shakti.grant.milestone', {
                        'pending', 'submitted', 'verified'}),
                ('shakti.grant.utilisation', {
                        'draft', 'submitted', 'accepted'}),
                ]:
            Model = pool.get(name)
            with self.subTest(model=name):
                self.assertEqual(
                    {r.state for r in Model.search([])}, states)

    @with_transaction()
    def test_release_history(self):
        "Test each tranche was requested and approved by two users in turn"
        pool = Pool()
        Tranche = pool.get('shakti.grant.tranche')
        ModelData = pool.get('ir.model.data')
        Date = pool.get('ir.date')

        today = Date.today()
        approvers = ModelData.get_id('shakti_base', 'group_finance_approver')
        released = Tranche.search([
                ('state', 'in', ['requested', 'approved', 'disbursed']),
                ])
        self.assertEqual(len(released), 14)
        for tranche in released:
            with self.subTest(tranche=tranche.rec_name):
                funder = tranche.agreement.company.parent
                self.assertEqual(tranche.requested_by.company, funder)
                self.assertLessEqual(tranche.request_date, today)
                for milestone in tranche.milestones:
                    self.assertLessEqual(
                        milestone.submission_date,
                        milestone.verification_date)
                    self.assertLessEqual(
                        milestone.verification_date, tranche.request_date)
                if tranche.state == 'requested':
                    self.assertIsNone(tranche.approved_by)
                    continue
                self.assertNotEqual(
                    tranche.approved_by, tranche.requested_by)
                self.assertEqual(tranche.approved_by.company, funder)
                self.assertIn(approvers,
                    [g.id for g in tranche.approved_by.groups])
                self.assertLess(tranche.request_date, tranche.approval_date)
                self.assertLessEqual(
                    tranche.approval_date,
                    min(d.date for d in tranche.disbursements))

    @with_transaction()
    def test_late_tranches(self):
        "Test each tranche paid over two weeks late records why"
        pool = Pool()
        Tranche = pool.get('shakti.grant.tranche')

        late = [t for t in Tranche.search([('state', '=', 'disbursed')])
            if t.days_late > 14]
        self.assertEqual(sorted(t.rec_name for t in late), [
                'NMJ-BAS1-01 Second tranche',
                'NMJ-HAR-01 First tranche',
                'NMJ-HAR-01 Second tranche',
                'NMJ-MIN-01 First tranche',
                'UT-CSS-01 First tranche',
                'UT-KVV-02 First tranche',
                'UT-NMJ-01 Second tranche',
                ])
        for tranche in late:
            with self.subTest(tranche=tranche.rec_name):
                self.assertTrue(tranche.delay_reason)
                self.assertTrue(tranche.waited_on)
                self.assertTrue(tranche.delay_note)

    @with_transaction()
    def test_closed_agreement(self):
        "Test the closed agreement is accounted for and its rest cancelled"
        pool = Pool()
        Agreement = pool.get('shakti.grant.agreement')
        Date = pool.get('ir.date')

        agreement, = Agreement.search([('state', '=', 'closed')])
        self.assertEqual(agreement.reference, 'UT-KVV-01')
        self.assertEqual(agreement.disbursed_amount, Decimal('1050000.00'))
        self.assertEqual(agreement.utilised_amount, Decimal('1050000.00'))
        self.assertEqual(agreement.unaccounted_amount, Decimal('0.00'))
        self.assertEqual(
            [t.state for t in agreement.tranches],
            ['disbursed', 'disbursed', 'cancelled'])
        self.assertLess(agreement.closed_date, Date.today())
        self.assertLess(agreement.end_date, agreement.closed_date)

    @with_transaction()
    def test_finance_staff_see_their_agreements(self):
        "Test the lead's and a partner's finance officers see their own"
        pool = Pool()
        Agreement = pool.get('shakti.grant.agreement')
        Grant = pool.get('shakti.grant')

        with as_login('finance.lead'):
            self.assertEqual(
                sorted(a.reference for a in Agreement.search([])),
                sorted(AGING))
            self.assertEqual(
                sorted(g.reference for g in Grant.search([])),
                ['NMJ-CSR-01', 'UT-MF-01'])
        with as_login('finance.jote'):
            self.assertEqual(
                sorted(a.reference for a in Agreement.search([])),
                ['NMJ-BAS1-01', 'NMJ-HAR-01', 'NMJ-HAS-01', 'NMJ-MIN-01',
                    'UT-NMJ-01'])
            self.assertEqual(
                [g.reference for g in Grant.search([])], ['NMJ-CSR-01'])

    @with_transaction()
    def test_close_with_money_unaccounted(self):
        "Test the lead cannot close an agreement with money unaccounted"
        pool = Pool()
        Agreement = pool.get('shakti.grant.agreement')

        with as_login('finance.lead'):
            agreement, = Agreement.search([('reference', '=', 'UT-CSS-01')])
            with self.assertRaises(AgreementError) as cm:
                Agreement.close([agreement])
            self.assertEqual(cm.exception.message,
                'Agreement "UT-CSS-01 (Canning Sakhi Samiti)" cannot be '
                'closed: ₹400,000.00 disbursed under it is not accounted '
                'for by an accepted utilisation report.')
        self.assertEqual(Agreement(agreement.id).state, 'active')

    @with_transaction()
    def test_disburse_above_approved_tranche(self):
        "Test the funder cannot pay more than the rest of a tranche"
        pool = Pool()
        Tranche = pool.get('shakti.grant.tranche')
        Disbursement = pool.get('shakti.grant.disbursement')
        Date = pool.get('ir.date')

        tranche, = Tranche.search([('state', '=', 'approved')])
        self.assertEqual(tranche.rec_name, 'UT-KVV-02 Second tranche')
        self.assertEqual(tranche.disbursed_amount, Decimal('600000.00'))
        with as_login('finance.lead'):
            with self.assertRaises(DisbursementError) as cm:
                Disbursement.create([{
                            'tranche': tranche.id,
                            'date': Date.today(),
                            'amount': Decimal('600000.01'),
                            'reference': "NEFT-UT-1",
                            }])
            self.assertEqual(cm.exception.message,
                'The disbursements of tranche "UT-KVV-02 Second tranche" '
                'would add up to ₹1,200,000.01, more than its amount '
                '₹1,200,000.00.')
        self.assertEqual(
            len(Disbursement.search([('tranche', '=', tranche.id)])), 1)


del USER
