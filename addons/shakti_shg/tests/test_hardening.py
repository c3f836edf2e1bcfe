# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Checks that hold whatever a caller sends, not only through the forms."""
import datetime as dt
from decimal import Decimal

from trytond.model.exceptions import AccessError
from trytond.modules.shakti_case.tests.test_module import (
    create_organisation, create_survivor)
from trytond.modules.shakti_shg.exceptions import (
    GroupError, LoanError, MemberError, SavingError, SubventionError)
from trytond.modules.shakti_shg.tests.test_module import (
    create_group, create_loan, paisa)
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction


def as_user(user, company):
    "Return a context manager running as user with the access checks"
    transaction = Transaction()
    return transaction.set_user(user.id), transaction.set_context(
        company=company.id, _check_access=True)


def make_livelihood(user):
    "Give user the livelihood officer group"
    pool = Pool()
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')

    User.write([user], {
            'groups': [('add', [ModelData.get_id(
                            'shakti_base', 'group_livelihood_officer')])],
            })


class ShgHardeningTestCase(ModuleTestCase):
    "Test the self-help group checks against direct calls"
    module = 'shakti_shg'

    def setUp(self):
        super().setUp()
        self.today = dt.date.today()

    @with_transaction()
    def test_posted_repayment_readonly(self):
        "Test a posted repayment and a loan's state cannot be rewritten"
        pool = Pool()
        Loan = pool.get('shakti.shg.loan')
        Repayment = pool.get('shakti.shg.loan.repayment')

        company, block, _, user = create_organisation(
            "Alpha CBO", 'WB-N24P-BASIRHAT-I')
        make_livelihood(user)
        group = create_group(company, block)
        loan = create_loan(group)
        Loan.disburse([loan])
        repayment, = Repayment.create([{
                    'loan': loan.id,
                    'date': dt.date(2025, 2, 10),
                    'amount': Decimal('933.33'),
                    }])
        Repayment.post([repayment])
        user_context, access_context = as_user(user, company)
        with user_context, access_context:
            with self.assertRaises(AccessError) as cm:
                Repayment.write([repayment], {'amount': Decimal('9000.00')})
            self.assertEqual(cm.exception.message,
                'The field "Amount" of "%s" is read-only here and cannot '
                'be set to "9000.00".' % repayment.rec_name)
            with self.assertRaises(AccessError):
                Repayment.write([repayment], {'state': 'draft'})
            with self.assertRaises(AccessError):
                Loan.write([loan], {'state': 'draft'})
            with self.assertRaises(AccessError):
                Loan.write([loan], {'principal': Decimal('1.00')})
            with self.assertRaises(AccessError) as cm:
                Repayment.create([{
                            'loan': loan.id,
                            'date': dt.date(2025, 3, 10),
                            'amount': Decimal('10.00'),
                            'state': 'posted',
                            }])
            self.assertEqual(cm.exception.message,
                'The field "State" is read-only: a new "Loan Repayment" '
                'cannot be created with the value "posted".')
            # Unchanged values and editable fields pass.
            Repayment.write([repayment], {'amount': Decimal('933.33')})
            Loan.write([loan], {'purpose': "Goats"})
        self.assertEqual(Loan(loan.id).state, 'running')
        self.assertEqual(Loan(loan.id).amount_repaid, Decimal('933.33'))

    @with_transaction()
    def test_schedule_lines_not_written(self):
        "Test a livelihood officer cannot change the schedule directly"
        pool = Pool()
        Loan = pool.get('shakti.shg.loan')
        Line = pool.get('shakti.shg.loan.line')

        company, block, _, user = create_organisation(
            "Alpha CBO", 'WB-N24P-BASIRHAT-I')
        make_livelihood(user)
        loan = create_loan(create_group(company, block))
        user_context, access_context = as_user(user, company)
        with user_context, access_context:
            Loan.disburse([loan])
            self.assertEqual(len(Loan(loan.id).lines), 12)
            with self.assertRaises(AccessError) as cm:
                Line.write(list(Loan(loan.id).lines[:1]),
                    {'principal': Decimal('1.00')})
            self.assertEqual(cm.exception.message,
                'The records of "Loan Instalment" are computed: change the '
                'record they are computed from instead.')
            with self.assertRaises(AccessError):
                Line.delete(list(Loan(loan.id).lines[:1]))

    @with_transaction()
    def test_shares_only_of_draft_group_loans(self):
        "Test shares change only on draft loans to the group"
        pool = Pool()
        Loan = pool.get('shakti.shg.loan')
        Share = pool.get('shakti.shg.loan.share')

        company, block, _, _ = create_organisation(
            "Alpha CBO", 'WB-N24P-BASIRHAT-I')
        group = create_group(company, block)
        loan = create_loan(group)
        Loan.split_shares([loan])
        Loan.disburse([loan])
        with self.assertRaises(LoanError) as cm:
            Share.write([loan.shares[0]], {'amount': Decimal('5000.00')})
        self.assertEqual(cm.exception.message,
            'The share "%s" cannot be changed because loan "%s" is no '
            'longer a draft.' % (loan.shares[0].rec_name, loan.rec_name))
        with self.assertRaises(LoanError):
            Share.delete([loan.shares[0]])
        member_loan = create_loan(
            group, borrower='member', member=group.members[0].id)
        with self.assertRaises(LoanError) as cm:
            Share.create([{
                        'loan': member_loan.id,
                        'member': group.members[1].id,
                        'amount': Decimal('10.00'),
                        }])
        self.assertIn('is to one member, not to the group',
            cm.exception.message)

    @with_transaction()
    def test_loan_terms_checked(self):
        "Test a future disbursement and a tiny principal are rejected"
        pool = Pool()
        Loan = pool.get('shakti.shg.loan')

        company, block, _, _ = create_organisation(
            "Alpha CBO", 'WB-N24P-BASIRHAT-I')
        group = create_group(company, block)
        with self.assertRaises(LoanError) as cm:
            create_loan(group, principal=Decimal('11.99'))
        self.assertIn(
            'is too small for 12 instalments: each instalment needs a '
            'principal of at least 1.00.', cm.exception.message)
        future = create_loan(group,
            disbursement_date=self.today + dt.timedelta(days=3),
            first_due_date=self.today + dt.timedelta(days=40))
        with self.assertRaises(LoanError) as cm:
            Loan.disburse([future])
        self.assertEqual(cm.exception.message,
            'Loan "%s" cannot be disbursed before its disbursement date '
            '%s.' % (future.rec_name, self.today + dt.timedelta(days=3)))
        self.assertEqual(Loan(future.id).state, 'draft')

    @with_transaction()
    def test_monthly_meetings_with_weekly_loan(self):
        "Test a group with weekly instalments cannot turn monthly"
        pool = Pool()
        Group = pool.get('shakti.shg')
        Loan = pool.get('shakti.shg.loan')

        company, block, _, _ = create_organisation(
            "Alpha CBO", 'WB-N24P-BASIRHAT-I')
        group = create_group(company, block)
        Group.write([group], {
                'meeting_frequency': 'weekly', 'meeting_weekday': '2'})
        loan = create_loan(group, frequency='weekly',
            first_due_date=dt.date(2025, 1, 8))
        Loan.disburse([loan])
        with self.assertRaises(GroupError) as cm:
            Group.write([group], {'meeting_frequency': 'monthly'})
        self.assertEqual(cm.exception.message,
            'Group "%s" cannot meet monthly while its loan "%s" has Weekly '
            'instalments that follow the meeting day.' % (
                group.rec_name, loan.rec_name))

    @with_transaction()
    def test_savings_delete_and_future(self):
        "Test a deposit that funds a withdrawal stays, and no future date"
        pool = Pool()
        Saving = pool.get('shakti.shg.saving')

        company, block, _, _ = create_organisation(
            "Alpha CBO", 'WB-N24P-BASIRHAT-I')
        member = create_group(company, block).members[0]
        deposit, withdrawal = Saving.create([{
                    'member': member.id,
                    'date': dt.date(2025, 1, 10),
                    'amount': Decimal('400.00'),
                    }, {
                    'member': member.id,
                    'date': dt.date(2025, 2, 10),
                    'kind': 'withdrawal',
                    'amount': Decimal('300.00'),
                    }])
        with self.assertRaises(SavingError) as cm:
            Saving.delete([deposit])
        self.assertIn('is more than the savings balance of ₹0.00',
            cm.exception.message)
        with self.assertRaises(SavingError) as cm:
            Saving.create([{
                        'member': member.id,
                        'date': self.today + dt.timedelta(days=1),
                        'amount': Decimal('100.00'),
                        }])
        self.assertIn('in the future', cm.exception.message)
        Saving.delete([withdrawal])
        Saving.delete([deposit])
        self.assertEqual(
            Saving.search([('id', 'in', [deposit.id, withdrawal.id])]), [])

    @with_transaction()
    def test_survivor_overlap_only_when_linked(self):
        "Test changing dates does not reveal that a member is a survivor"
        pool = Pool()
        Member = pool.get('shakti.shg.member')

        company, block, _, _ = create_organisation(
            "Alpha CBO", 'WB-N24P-BASIRHAT-I')
        survivor = create_survivor(company, block)
        first = create_group(company, block, members=1)
        second = create_group(company, block, members=1)
        old, = Member.create([{
                    'shg': first.id,
                    'name': "Test Survivor",
                    'survivor': survivor.id,
                    'join_date': dt.date(2024, 2, 1),
                    'leave_date': dt.date(2025, 1, 1),
                    }])
        new, = Member.create([{
                    'shg': second.id,
                    'name': "Test Survivor",
                    'survivor': survivor.id,
                    'join_date': dt.date(2025, 1, 1),
                    }])
        # Any role may change the dates: no check of the survivor there.
        Member.write([old], {'leave_date': None})
        with self.assertRaises(MemberError) as cm:
            Member.write([old], {'survivor': survivor.id})
        self.assertIn('is the same survivor as a member of group',
            cm.exception.message)

    @with_transaction()
    def test_claim_period_over(self):
        "Test a subvention claim is computed once its period is over"
        pool = Pool()
        Claim = pool.get('shakti.shg.subvention.claim')

        company, _, _, _ = create_organisation(
            "Alpha CBO", 'WB-N24P-BASIRHAT-I')
        claim, = Claim.create([{
                    'company': company.id,
                    'start_date': self.today - dt.timedelta(days=30),
                    'end_date': self.today,
                    }])
        with self.assertRaises(SubventionError) as cm:
            Claim.compute([claim])
        self.assertEqual(cm.exception.message,
            'Subvention claim "%s" ends on %s: it can be computed only '
            'once its period is over.' % (claim.rec_name, self.today))

    @with_transaction()
    def test_records_of_done_meeting_locked(self):
        "Test a done meeting's attendance and savings stay as they were"
        pool = Pool()
        Meeting = pool.get('shakti.shg.meeting')
        Attendance = pool.get('shakti.shg.meeting.attendance')
        Saving = pool.get('shakti.shg.saving')

        company, block, _, user = create_organisation(
            "Alpha CBO", 'WB-N24P-BASIRHAT-I')
        make_livelihood(user)
        group = create_group(company, block)
        first, second = group.members[:2]
        meeting, = Meeting.create([{
                    'shg': group.id,
                    'date': dt.date(2025, 3, 10),
                    'savings': [('create', [{
                                    'member': first.id,
                                    'amount': Decimal('100.00'),
                                    }])],
                    }])
        Meeting.fill_attendance([meeting])
        Meeting.do([meeting])
        deposit, = meeting.savings
        user_context, access_context = as_user(user, company)
        with user_context, access_context:
            with self.assertRaises(AccessError) as cm:
                Attendance.write(
                    list(meeting.attendance[:1]), {'present': False})
            self.assertEqual(cm.exception.message,
                'The records of "Meeting Attendance" of "%s" cannot be '
                'changed because it is Done.' % meeting.rec_name)
            with self.assertRaises(AccessError):
                Saving.delete([deposit])
            with self.assertRaises(AccessError):
                Saving.create([{
                            'member': second.id,
                            'meeting': meeting.id,
                            'amount': Decimal('50.00'),
                            }])
            # A saving cannot move to another member either.
            with self.assertRaises(AccessError) as cm:
                Saving.write([deposit], {'member': second.id})
            self.assertEqual(cm.exception.message,
                'The field "Member" of "%s" is read-only here and cannot '
                'be set to "%s".' % (deposit.rec_name, second.rec_name))
        self.assertEqual(
            Pool().get('shakti.shg.member')(first.id).savings_balance,
            Decimal('100.00'))

    @with_transaction()
    def test_dissolve_group(self):
        "Test a group with a running loan or savings is not dissolved"
        pool = Pool()
        Group = pool.get('shakti.shg')
        Loan = pool.get('shakti.shg.loan')
        Meeting = pool.get('shakti.shg.meeting')
        Saving = pool.get('shakti.shg.saving')

        company, block, _, user = create_organisation(
            "Alpha CBO", 'WB-N24P-BASIRHAT-I')
        make_livelihood(user)
        group = create_group(company, block)
        loan = create_loan(group)
        Loan.disburse([loan])
        with self.assertRaises(GroupError) as cm:
            Group.dissolve([group])
        self.assertEqual(cm.exception.message,
            'Group "%s" cannot be dissolved while its loan "%s" is '
            'running.' % (group.rec_name, loan.rec_name))

        other = create_group(company, block)
        deposit, = Saving.create([{
                    'member': other.members[0].id,
                    'date': dt.date(2025, 1, 10),
                    'amount': Decimal('250.00'),
                    }])
        with self.assertRaises(GroupError) as cm:
            Group.dissolve([other])
        self.assertIn('while its members have savings of ₹250.00',
            cm.exception.message)
        Saving.delete([deposit])
        Group.dissolve([other])
        self.assertEqual(other.state, 'dissolved')
        user_context, access_context = as_user(user, company)
        with user_context, access_context, \
                self.assertRaises(AccessError):
            Meeting.create([{
                        'shg': other.id,
                        'date': dt.date(2025, 4, 10),
                        }])

    @with_transaction()
    def test_dates_kept_around_records(self):
        "Test formation and membership dates keep their records inside"
        pool = Pool()
        Group = pool.get('shakti.shg')
        Member = pool.get('shakti.shg.member')
        Saving = pool.get('shakti.shg.saving')

        company, block, _, _ = create_organisation(
            "Alpha CBO", 'WB-N24P-BASIRHAT-I')
        group = create_group(company, block)
        member = group.members[0]
        with self.assertRaises(GroupError) as cm:
            Group.write([group], {'formation_date': dt.date(2024, 3, 1)})
        self.assertEqual(cm.exception.message,
            'Group "%s" cannot be formed on 2024-03-01: "%s" has the '
            'Joined On 2024-01-15, before it.' % (
                group.rec_name, member.rec_name))
        saving, = Saving.create([{
                    'member': member.id,
                    'date': dt.date(2025, 5, 10),
                    'amount': Decimal('100.00'),
                    }])
        with self.assertRaises(MemberError) as cm:
            Member.write([member], {'leave_date': dt.date(2025, 5, 1)})
        self.assertEqual(cm.exception.message,
            'The membership dates of "%s" leave out her savings '
            'transaction "%s".' % (member.rec_name, saving.rec_name))

    @with_transaction()
    def test_copy_starts_afresh(self):
        "Test a copied repayment and group start from their defaults"
        pool = Pool()
        Loan = pool.get('shakti.shg.loan')
        Repayment = pool.get('shakti.shg.loan.repayment')
        Group = pool.get('shakti.shg')

        company, block, _, user = create_organisation(
            "Alpha CBO", 'WB-N24P-BASIRHAT-I')
        make_livelihood(user)
        group = create_group(company, block)
        loan = create_loan(group)
        Loan.disburse([loan])
        repayment, = Repayment.create([{
                    'loan': loan.id,
                    'date': dt.date(2025, 2, 10),
                    'amount': Decimal('933.33'),
                    }])
        Repayment.post([repayment])
        user_context, access_context = as_user(user, company)
        with user_context, access_context:
            copy, = Repayment.copy([repayment])
            group_copy, = Group.copy([group])
        self.assertEqual((copy.state, copy.kind), ('draft', None))
        self.assertEqual(paisa(copy.amount), Decimal('933.33'))
        self.assertNotEqual(group_copy.code, group.code)
        self.assertEqual(group_copy.state, 'active')


del ModuleTestCase
