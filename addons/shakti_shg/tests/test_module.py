# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
from decimal import Decimal

from trytond.modules.company.tests import CompanyTestMixin
from trytond.modules.shakti_case.tests.test_module import create_organisation
from trytond.modules.shakti_shg.exceptions import LoanError, RepaymentError
from trytond.modules.shakti_shg.loan import schedule, split
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction


def paisa(amount):
    return amount.quantize(Decimal('0.01'))


def create_group(company, block, members=3, monthday=10,
        formation_date=dt.date(2024, 1, 15)):
    "Create a group meeting monthly on monthday with members"
    pool = Pool()
    Group = pool.get('shakti.shg')

    group, = Group.create([{
                'company': company.id,
                'name': "Test Group",
                'block': block.id,
                'formation_date': formation_date,
                'meeting_frequency': 'monthly',
                'meeting_monthday': monthday,
                'members': [('create', [{
                                'name': "Member %s" % i,
                                'join_date': formation_date,
                                } for i in range(1, members + 1)])],
                }])
    return group


def create_loan(group, **values):
    pool = Pool()
    Loan = pool.get('shakti.shg.loan')

    values.setdefault('principal', Decimal('10000.00'))
    values.setdefault('interest_rate', Decimal('12.00'))
    values.setdefault('interest_method', 'flat')
    values.setdefault('instalment_count', 12)
    values.setdefault('disbursement_date', dt.date(2025, 1, 2))
    values.setdefault('first_due_date', dt.date(2025, 2, 10))
    values.setdefault('lender_type', 'bank')
    loan, = Loan.create([dict(shg=group.id, **values)])
    return loan


class ShaktiShgTestCase(CompanyTestMixin, ModuleTestCase):
    "Test Shakti Self-Help Groups module"
    module = 'shakti_shg'

    def test_schedule_flat(self):
        "Test a flat schedule puts the rounding on the last instalment"
        parts = schedule(
            Decimal('10000.00'), Decimal('0.12') / 12, 'flat', 12, paisa)
        self.assertEqual(parts[:11], [
                (Decimal('833.33'), Decimal('100.00'))] * 11)
        self.assertEqual(parts[11], (Decimal('833.37'), Decimal('100.00')))
        self.assertEqual(sum(p for p, _ in parts), Decimal('10000.00'))
        self.assertEqual(sum(i for _, i in parts), Decimal('1200.00'))

    def test_schedule_flat_uneven_interest(self):
        "Test flat interest that does not divide evenly"
        parts = schedule(
            Decimal('10000.00'), Decimal('0.10') / 12, 'flat', 7, paisa)
        # 10,000 at 10% for 7 months: 583.333... rounded to 583.33.
        self.assertEqual([i for _, i in parts],
            [Decimal('83.33')] * 6 + [Decimal('83.35')])
        self.assertEqual(sum(i for _, i in parts), Decimal('583.33'))
        self.assertEqual([p for p, _ in parts],
            [Decimal('1428.57')] * 6 + [Decimal('1428.58')])

    def test_schedule_declining(self):
        "Test a declining balance schedule of equal instalments"
        parts = schedule(
            Decimal('10000.00'), Decimal('0.12') / 12, 'declining', 12,
            paisa)
        # The instalment is 10,000 x 0.01 / (1 - 1.01^-12) = 888.4879.
        self.assertEqual(parts[0], (Decimal('788.49'), Decimal('100.00')))
        # The balance is 9,211.51 and its interest 92.1151.
        self.assertEqual(parts[1], (Decimal('796.37'), Decimal('92.12')))
        self.assertEqual(
            {p + i for p, i in parts[:11]}, {Decimal('888.49')})
        self.assertEqual(sum(p for p, _ in parts), Decimal('10000.00'))
        principal, interest = parts[11]
        self.assertEqual(interest, paisa(principal * Decimal('0.01')))

    def test_schedule_zero_rate(self):
        "Test a loan without interest repays the principal only"
        parts = schedule(Decimal('1000.00'), Decimal(0), 'declining', 3,
            paisa)
        self.assertEqual(parts, [
                (Decimal('333.33'), Decimal('0.00')),
                (Decimal('333.33'), Decimal('0.00')),
                (Decimal('333.34'), Decimal('0.00')),
                ])

    def test_split(self):
        "Test an amount splits in parts that sum to it"
        self.assertEqual(split(Decimal('10000.00'), 3, paisa), [
                Decimal('3333.33'), Decimal('3333.33'), Decimal('3333.34')])

    @with_transaction()
    def test_loan_to_group_of_three(self):
        "Test the schedule and shares of 10,000 to a group of three"
        pool = Pool()
        Loan = pool.get('shakti.shg.loan')

        company, block, _, _ = create_organisation(
            "Alpha CBO", 'WB-N24P-BASIRHAT-I')
        group = create_group(company, block)
        loan = create_loan(group)
        self.assertRegex(loan.number, r'^LN-\d{5}$')
        Loan.split_shares([loan])
        self.assertEqual([s.amount for s in loan.shares], [
                Decimal('3333.33'), Decimal('3333.33'), Decimal('3333.34')])
        Loan.disburse([loan])
        self.assertEqual(loan.state, 'running')
        self.assertEqual(len(loan.lines), 12)
        self.assertEqual(
            [l.due_date for l in loan.lines],
            [dt.date(2025, m, 10) for m in range(2, 13)]
            + [dt.date(2026, 1, 10)])
        self.assertEqual(loan.maturity_date, dt.date(2026, 1, 10))
        self.assertEqual(
            sum(l.principal for l in loan.lines), Decimal('10000.00'))
        self.assertEqual(loan.total_interest, Decimal('1200.00'))
        self.assertEqual(loan.total_amount, Decimal('11200.00'))
        self.assertEqual(loan.amount_outstanding, Decimal('11200.00'))

    @with_transaction()
    def test_loan_shares_must_sum(self):
        "Test a loan whose shares miss a paisa is not disbursed"
        pool = Pool()
        Loan = pool.get('shakti.shg.loan')
        Share = pool.get('shakti.shg.loan.share')

        company, block, _, _ = create_organisation(
            "Alpha CBO", 'WB-N24P-BASIRHAT-I')
        group = create_group(company, block)
        loan = create_loan(group)
        Loan.split_shares([loan])
        Share.write([loan.shares[-1]], {'amount': Decimal('3333.33')})
        with self.assertRaises(LoanError) as cm:
            Loan.disburse([loan])
        self.assertEqual(cm.exception.message,
            'The member shares of loan "%s" add up to ₹9,999.99 '
            'instead of its principal ₹10,000.00.' % loan.number)

    @with_transaction()
    def test_meeting_day_change_moves_future_instalments(self):
        "Test a new meeting day moves the instalments after today only"
        pool = Pool()
        Loan = pool.get('shakti.shg.loan')

        company, block, _, _ = create_organisation(
            "Alpha CBO", 'WB-N24P-BASIRHAT-I')
        group = create_group(company, block)
        loan = create_loan(group)
        Loan.disburse([loan])
        group.meeting_monthday = 15
        group.save()
        Loan.reschedule([loan], dt.date(2025, 6, 12))
        self.assertEqual(
            [l.due_date for l in Loan(loan.id).lines],
            [dt.date(2025, m, 10) for m in range(2, 7)]
            + [dt.date(2025, m, 15) for m in range(7, 13)]
            + [dt.date(2026, 1, 15)])
        self.assertEqual(Loan(loan.id).maturity_date, dt.date(2026, 1, 15))

    @with_transaction()
    def test_repayment_interest_then_principal(self):
        "Test repayments pay each instalment's interest before principal"
        pool = Pool()
        Loan = pool.get('shakti.shg.loan')
        Repayment = pool.get('shakti.shg.loan.repayment')

        company, block, _, _ = create_organisation(
            "Alpha CBO", 'WB-N24P-BASIRHAT-I')
        group = create_group(company, block)
        loan = create_loan(group)
        Loan.disburse([loan])
        first, second, third = Repayment.create([{
                    'loan': loan.id,
                    'date': dt.date(2025, 2, 10),
                    'amount': Decimal('150.00'),
                    }, {
                    'loan': loan.id,
                    'date': dt.date(2025, 3, 20),
                    'amount': Decimal('1000.00'),
                    }, {
                    'loan': loan.id,
                    'date': dt.date(2025, 3, 25),
                    'amount': Decimal('2000.00'),
                    }])
        Repayment.post([first, second, third])
        self.assertEqual(
            (first.interest_paid, first.principal_paid, first.kind),
            (Decimal('100.00'), Decimal('50.00'), 'partial'))
        # 783.33 finishes February, 216.67 pays March's interest and part
        # of its principal.
        self.assertEqual(
            (second.interest_paid, second.principal_paid, second.kind),
            (Decimal('100.00'), Decimal('900.00'), 'late'))
        self.assertEqual(third.kind, 'prepayment')
        loan = Loan(loan.id)
        self.assertEqual(loan.amount_repaid, Decimal('3150.00'))
        self.assertEqual(loan.amount_outstanding, Decimal('8050.00'))
        self.assertEqual(
            loan.principal_outstanding,
            Decimal('10000.00') - sum(
                r.principal_paid for r in [first, second, third]))

        too_much, = Repayment.create([{
                    'loan': loan.id,
                    'date': dt.date(2025, 4, 10),
                    'amount': Decimal('8050.01'),
                    }])
        with self.assertRaises(RepaymentError) as cm:
            Repayment.post([too_much])
        self.assertEqual(cm.exception.message,
            'The repayment "%(loan)s @ 2025-04-10" of ₹8,050.01 is more '
            'than the outstanding balance ₹8,050.00 of loan "%(loan)s".'
            % {'loan': loan.number})
        Repayment.write([too_much], {'amount': Decimal('8050.00')})
        Repayment.post([too_much])
        self.assertEqual(too_much.kind, 'full')
        self.assertEqual(Loan(loan.id).state, 'repaid')

    @with_transaction()
    def test_internal_loan_limited_to_group_funds(self):
        "Test an internal loan may not exceed the group's available funds"
        pool = Pool()
        Loan = pool.get('shakti.shg.loan')
        Saving = pool.get('shakti.shg.saving')
        Repayment = pool.get('shakti.shg.loan.repayment')

        company, block, _, _ = create_organisation(
            "Alpha CBO", 'WB-N24P-BASIRHAT-I')
        group = create_group(company, block)
        first_member, second_member, third_member = group.members
        Saving.create([{
                    'member': m.id,
                    'date': dt.date(2024, 12, 1),
                    'amount': Decimal('1000.00'),
                    } for m in group.members])
        # A deposit after the disbursement date does not count.
        Saving.create([{
                    'member': first_member.id,
                    'date': dt.date(2025, 1, 4),
                    'amount': Decimal('5000.00'),
                    }])
        self.assertEqual(
            Loan.group_funds([group], dt.date(2025, 1, 2)),
            {group.id: Decimal('3000.00')})

        first = create_loan(group, lender_type='internal',
            borrower='member', member=first_member.id,
            principal=Decimal('2000.00'))
        Loan.disburse([first])
        self.assertEqual(
            Loan.group_funds([group], dt.date(2025, 1, 3)),
            {group.id: Decimal('1000.00')})

        second = create_loan(group, lender_type='internal',
            borrower='member', member=second_member.id,
            principal=Decimal('1000.01'),
            disbursement_date=dt.date(2025, 1, 3))
        with self.assertRaises(LoanError) as cm:
            Loan.disburse([second])
        self.assertEqual(cm.exception.message,
            'The internal loan "%s" of ₹1,000.01 is more than the '
            '₹1,000.00 that group "%s" has available on '
            '2025-01-03: its savings balance plus the repayments of its '
            'internal loans, less the internal loans it has disbursed.'
            % (second.number, group.rec_name))
        self.assertEqual(Loan(second.id).state, 'draft')

        # A bank loan does not draw on the group's funds.
        bank = create_loan(group, principal=Decimal('50000.00'),
            disbursement_date=dt.date(2025, 1, 3))
        Loan.disburse([bank])
        self.assertEqual(bank.state, 'running')

        # A repayment of an internal loan returns to the funds.
        repayment, = Repayment.create([{
                    'loan': first.id,
                    'date': dt.date(2025, 2, 10),
                    'amount': Decimal('500.00'),
                    }])
        Repayment.post([repayment])
        self.assertEqual(
            Loan.group_funds([group], dt.date(2025, 2, 15)),
            {group.id: Decimal('6500.00')})
        third = create_loan(group, lender_type='internal',
            borrower='member', member=third_member.id,
            principal=Decimal('6500.00'),
            disbursement_date=dt.date(2025, 2, 15),
            first_due_date=dt.date(2025, 3, 10))
        Loan.disburse([third])
        self.assertEqual(
            Loan.group_funds([group], dt.date(2025, 2, 15)),
            {group.id: Decimal('0.00')})

        # An earlier loan that fits its own date still counts on the date
        # of the loans disbursed after it.
        Loan.draft([second])
        Loan.write([second], {'principal': Decimal('100.00')})
        with self.assertRaises(LoanError) as cm:
            Loan.disburse([second])
        self.assertIn(
            'of ₹100.00 is more than the ₹0.00 that group '
            '"%s" has available on 2025-02-15' % group.rec_name,
            cm.exception.message)

    @with_transaction()
    def test_internal_loans_disbursed_together(self):
        "Test internal loans disbursed at once share the group's funds"
        pool = Pool()
        Loan = pool.get('shakti.shg.loan')
        Saving = pool.get('shakti.shg.saving')

        company, block, _, _ = create_organisation(
            "Alpha CBO", 'WB-N24P-BASIRHAT-I')
        group = create_group(company, block, members=2)
        Saving.create([{
                    'member': m.id,
                    'date': dt.date(2024, 12, 1),
                    'amount': Decimal('600.00'),
                    } for m in group.members])
        loans = [create_loan(group, lender_type='internal',
                borrower='member', member=m.id,
                principal=Decimal('600.01'))
            for m in group.members]
        with self.assertRaises(LoanError) as cm:
            Loan.disburse(loans)
        self.assertIn(
            'of ₹600.01 is more than the ₹599.99 that group',
            cm.exception.message)


del ModuleTestCase
