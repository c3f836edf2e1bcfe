# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import io
import unittest
from decimal import Decimal

from openpyxl import load_workbook
from trytond.modules.shakti_case.tests.test_module import create_organisation
from trytond.modules.shakti_shg.exceptions import SubventionError
from trytond.modules.shakti_shg.portfolio import aging_band, month_range
from trytond.modules.shakti_shg.subvention import (
    principal_days, subvention_amount)
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from .test_module import create_group, create_loan, paisa

# Each instalment of the default test loan (10,000.00 at 12% flat over 12
# months) is 833.33 of principal and 100.00 of interest, due on the 10th
# from February 2025.
INSTALMENT = Decimal('933.33')


def disburse(group, name=None, **values):
    pool = Pool()
    Loan = pool.get('shakti.shg.loan')

    if name:
        group.name = name
        group.save()
    loan = create_loan(group, **values)
    Loan.disburse([loan])
    return loan


def repay(loan, *payments):
    "Post a repayment of the loan for each (date, amount)"
    pool = Pool()
    Repayment = pool.get('shakti.shg.loan.repayment')

    repayments = Repayment.create([{
                'loan': loan.id,
                'date': date,
                'amount': Decimal(amount),
                } for date, amount in payments])
    Repayment.post(repayments)
    return repayments


class PortfolioTestCase(unittest.TestCase):
    "Test the loan aging, DCB register and interest subvention"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module('shakti_shg')

    def test_aging_band_limits(self):
        "Test the band of each limit of days past due"
        for days, band in [
                (0, 'current'), (1, '1_30'), (30, '1_30'), (31, '31_60'),
                (60, '31_60'), (61, '61_90'), (90, '61_90'),
                (91, 'over_90'), (400, 'over_90')]:
            with self.subTest(days=days):
                self.assertEqual(aging_band(days), band)

    def test_month_range(self):
        "Test the first and last day of a month"
        self.assertEqual(month_range(dt.date(2024, 2, 14)),
            (dt.date(2024, 2, 1), dt.date(2024, 2, 29)))
        self.assertEqual(month_range(dt.date(2025, 12, 31)),
            (dt.date(2025, 12, 1), dt.date(2025, 12, 31)))

    def create_portfolio(self):
        """Create four loans that are current, 15, 46 and 135 days past
        due on 25 June 2025"""
        company, block, _, user = create_organisation(
            "Alpha CBO", 'WB-N24P-BASIRHAT-I')
        group = create_group(company, block)
        on_time = disburse(group)
        repay(on_time, (dt.date(2025, 6, 10), INSTALMENT * 5))
        late_15 = disburse(group)
        repay(late_15, (dt.date(2025, 5, 10), INSTALMENT * 4))
        late_46 = disburse(group)
        repay(late_46, (dt.date(2025, 4, 10), INSTALMENT * 3))
        late_135 = disburse(group)
        return user, group, [on_time, late_15, late_46, late_135]

    @with_transaction()
    def test_loan_aging(self):
        "Test the aging fields of four loans"
        pool = Pool()
        Loan = pool.get('shakti.shg.loan')

        _, _, loans = self.create_portfolio()
        with Transaction().set_context(date=dt.date(2025, 6, 25)):
            loans = Loan.browse(loans)
            self.assertEqual(
                [l.days_past_due for l in loans], [0, 15, 46, 135])
            self.assertEqual(
                [l.aging_band for l in loans],
                ['current', '1_30', '31_60', 'over_90'])
            self.assertEqual([l.aging_principal for l in loans], [
                    Decimal('5833.35'), Decimal('6666.68'),
                    Decimal('7500.01'), Decimal('10000.00')])
            self.assertEqual([l.amount_overdue for l in loans], [
                    Decimal('0.00'), Decimal('933.33'),
                    Decimal('1866.66'), Decimal('4666.65')])

    @with_transaction()
    def test_loan_aging_before_repayment(self):
        "Test aging as of a day before a repayment ignores it"
        pool = Pool()
        Loan = pool.get('shakti.shg.loan')

        _, _, loans = self.create_portfolio()
        with Transaction().set_context(date=dt.date(2025, 6, 9)):
            on_time = Loan(loans[0].id)
            # February to May are unpaid on 9 June: 119 days since 10
            # February.
            self.assertEqual(on_time.days_past_due, 119)
            self.assertEqual(on_time.aging_band, 'over_90')
            self.assertEqual(on_time.amount_overdue, INSTALMENT * 4)
            self.assertEqual(on_time.aging_principal, Decimal('10000.00'))
        with Transaction().set_context(date=dt.date(2025, 1, 1)):
            self.assertEqual(Loan(loans[0].id).aging_band, None)

    @with_transaction()
    def test_par30(self):
        "Test PAR30 of the group and of the portfolio bands"
        pool = Pool()
        Group = pool.get('shakti.shg')
        Band = pool.get('shakti.shg.portfolio.band')

        user, group, _ = self.create_portfolio()
        # (7,500.01 + 10,000.00) / 30,000.04 = 58.3332...%
        # The bands sum the loans that the user may read.
        with Transaction().set_user(user.id), \
                Transaction().set_context(date=dt.date(2025, 6, 25)):
            self.assertEqual(Group(group.id).par30, Decimal('58.33'))
            bands = Band.search([])
            self.assertEqual(
                [b.band for b in bands],
                ['current', '1_30', '31_60', '61_90', 'over_90'])
            self.assertEqual(
                [b.loan_count for b in bands], [1, 1, 1, 0, 1])
            self.assertEqual([b.principal for b in bands], [
                    Decimal('5833.35'), Decimal('6666.68'),
                    Decimal('7500.01'), Decimal('0'),
                    Decimal('10000.00')])
            self.assertEqual([b.overdue for b in bands], [
                    Decimal('0.00'), Decimal('933.33'),
                    Decimal('1866.66'), Decimal('0'),
                    Decimal('4666.65')])
            self.assertEqual([b.share for b in bands], [
                    Decimal('19.44'), Decimal('22.22'), Decimal('25.00'),
                    Decimal('0.00'), Decimal('33.33')])
            self.assertEqual(bands[2].at_risk, Decimal('58.33'))
            self.assertEqual(bands[0].at_risk, Decimal('100.00'))
        with Transaction().set_user(user.id), \
                Transaction().set_context(
                    date=dt.date(2025, 6, 25), shg=group.id + 1000):
            self.assertEqual(
                [b.loan_count for b in Band.search([])], [0] * 5)

    def create_dcb_loans(self):
        """Create three loans with a partial, late repayments and a
        prepayment around June 2025"""
        company, block, _, user = create_organisation(
            "Alpha CBO", 'WB-N24P-BASIRHAT-I')
        first = create_group(company, block)
        second = create_group(company, block)
        prepaid = disburse(first, name="Ama Group")
        repay(prepaid,
            (dt.date(2025, 2, 10), INSTALMENT),
            (dt.date(2025, 4, 15), INSTALMENT * 2),
            (dt.date(2025, 5, 10), '500.00'),
            (dt.date(2025, 6, 12), '1000.00'),
            (dt.date(2025, 6, 28), '2000.00'))
        partial = disburse(first)
        repay(partial,
            (dt.date(2025, 5, 10), INSTALMENT * 4),
            (dt.date(2025, 6, 10), '500.00'))
        late = disburse(second, name="Bela Group")
        repay(late, (dt.date(2025, 2, 10), INSTALMENT))
        return user, [first, second], [prepaid, partial, late]

    @with_transaction()
    def test_dcb_register(self):
        "Test the DCB register of June 2025 reads back with its totals"
        pool = Pool()
        Report = pool.get('shakti.shg.dcb.xlsx', type='report')

        user, groups, loans = self.create_dcb_loans()
        # The register lists the loans that its user may read.
        with Transaction().set_user(user.id), \
                Transaction().set_context(company=user.company.id):
            oext, content, _, name = Report.execute([], {
                    'from_month': '2025-06-17',
                    'to_month': '2025-06-17',
                    'groups': [],
                    })
        self.assertEqual(oext, 'xlsx')
        workbook = load_workbook(io.BytesIO(content))
        self.assertEqual(workbook.sheetnames, ['2025-06'])
        sheet = workbook['2025-06']
        self.assertEqual(
            sheet['A1'].value, "Demand, Collection and Balance Register")
        self.assertEqual(sheet['B2'].value, "Alpha CBO")
        self.assertEqual(sheet['B3'].value, "June 2025")
        rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=7)]
        self.assertEqual(rows[0][:6], [
                "Group", "Loan", "Borrower", "Lender", "Arrears at Start",
                "Current Demand"])
        amounts = {(r[0], r[1]): [paisa(Decimal(str(v))) for v in r[4:]]
            for r in rows[1:]}
        # PostgreSQL does not roll its sequences back: use the numbers given.
        ama, bela = [g.rec_name for g in groups]
        first, second, third = [l.number for l in loans]
        self.assertEqual(list(amounts), [
                (ama, first),
                (ama, second),
                (ama, "Total"),
                (bela, third),
                (bela, "Total"),
                ("Grand Total", None)])
        # arrears, current demand, total demand, collection against demand,
        # advance, collection, overdue, balance
        expected = {
            (ama, first): [
                '433.33', '933.33', '1366.66', '1366.66', '1633.34',
                '3000.00', '0.00', '4900.01'],
            (ama, second): [
                '0.00', '933.33', '933.33', '500.00', '0.00', '500.00',
                '433.33', '6966.68'],
            (ama, "Total"): [
                '433.33', '1866.66', '2299.99', '1866.66', '1633.34',
                '3500.00', '433.33', '11866.69'],
            (bela, third): [
                '2799.99', '933.33', '3733.32', '0.00', '0.00', '0.00',
                '3733.32', '10266.67'],
            (bela, "Total"): [
                '2799.99', '933.33', '3733.32', '0.00', '0.00', '0.00',
                '3733.32', '10266.67'],
            ("Grand Total", None): [
                '3233.32', '2799.99', '6033.31', '1866.66', '1633.34',
                '3500.00', '4166.65', '22133.36'],
            }
        for key, values in expected.items():
            with self.subTest(row=key):
                self.assertEqual(
                    amounts[key], [Decimal(v) for v in values])

    @with_transaction()
    def test_dcb_register_groups_and_months(self):
        "Test the register of chosen groups over two months"
        pool = Pool()
        Report = pool.get('shakti.shg.dcb.xlsx', type='report')

        user, groups, loans = self.create_dcb_loans()
        with Transaction().set_user(user.id):
            _, content, _, _ = Report.execute([], {
                    'from_month': '2025-05-01',
                    'to_month': '2025-06-30',
                    'groups': [groups[1].id],
                    })
        workbook = load_workbook(io.BytesIO(content))
        self.assertEqual(workbook.sheetnames, ['2025-05', '2025-06'])
        may = [[c.value for c in r]
            for r in workbook['2025-05'].iter_rows(min_row=8)]
        self.assertEqual(
            [r[1] for r in may], [loans[2].number, "Total", None])
        # March and April are in arrears on 1 May, May is due.
        self.assertEqual(may[0][4:6], [1866.66, 933.33])

    def test_principal_days(self):
        "Test principal-days with a repayment and a limit"
        start, end = dt.date(2025, 1, 1), dt.date(2025, 1, 30)
        self.assertEqual(
            principal_days(Decimal('100000.00'), {}, start, end,
                Decimal('300000.00')),
            Decimal('3000000.00'))
        self.assertEqual(
            principal_days(Decimal('500000.00'), {}, start, end,
                Decimal('300000.00')),
            Decimal('9000000.00'))
        # 100,000 for 1 to 10 January, 50,000 from 11 January.
        self.assertEqual(
            principal_days(Decimal('100000.00'),
                {dt.date(2025, 1, 11): Decimal('50000.00'),
                    dt.date(2025, 2, 11): Decimal('50000.00')},
                start, end, Decimal('300000.00')),
            Decimal('2000000.00'))

    def test_subvention_amount(self):
        "Test the subvention at 11% against 7% and at or below 7%"
        for days_amount, rate, amount in [
                ('3000000.00', '11.00', '328.77'),
                ('9000000.00', '11.00', '986.30'),
                ('2000000.00', '11.00', '219.18'),
                ('3000000.00', '7.00', '0.00'),
                ('3000000.00', '6.50', '0.00'),
                ]:
            with self.subTest(rate=rate, days_amount=days_amount):
                self.assertEqual(
                    subvention_amount(Decimal(days_amount), Decimal(rate),
                        Decimal('7.00'), paisa),
                    Decimal(amount))

    @with_transaction()
    def test_subvention_claim(self):
        "Test a claim on eligible loans and an overlapping claim"
        pool = Pool()
        Claim = pool.get('shakti.shg.subvention.claim')

        company, block, _, _ = create_organisation(
            "Alpha CBO", 'WB-N24P-BASIRHAT-I')
        group = create_group(company, block)
        terms = {
            'interest_rate': Decimal('11.00'),
            'subvention_eligible': True,
            'instalment_count': 24,
            }
        small = disburse(group, principal=Decimal('100000.00'), **terms)
        large = disburse(group, principal=Decimal('500000.00'), **terms)
        low = disburse(
            group, principal=Decimal('100000.00'),
            **dict(terms, interest_rate=Decimal('7.00')))
        disburse(group, principal=Decimal('100000.00'))

        claim, = Claim.create([{
                    'company': company.id,
                    'start_date': dt.date(2025, 1, 3),
                    'end_date': dt.date(2025, 2, 1),
                    }])
        Claim.compute([claim])
        self.assertEqual(claim.state, 'computed')
        self.assertEqual(
            [(l.loan, l.principal_days, l.amount) for l in claim.lines], [
                (small, Decimal('3000000.00'), Decimal('328.77')),
                (large, Decimal('9000000.00'), Decimal('986.30')),
                (low, Decimal('3000000.00'), Decimal('0.00')),
                ])
        self.assertEqual(claim.amount, Decimal('1315.07'))

        overlapping, = Claim.create([{
                    'company': company.id,
                    'start_date': dt.date(2025, 2, 1),
                    'end_date': dt.date(2025, 2, 28),
                    }])
        with self.assertRaises(SubventionError) as cm:
            Claim.compute([overlapping])
        self.assertEqual(cm.exception.message,
            'Loan "%s" cannot be on subvention claim '
            '"Alpha CBO 2025-02-01 - 2025-02-28" because claim '
            '"Alpha CBO 2025-01-03 - 2025-02-01" already covers part of '
            'the same period.' % small.rec_name)

    @with_transaction()
    def test_subvention_claim_after_repayment(self):
        "Test a claim counts the principal left by a repayment"
        pool = Pool()
        Claim = pool.get('shakti.shg.subvention.claim')

        company, block, _, _ = create_organisation(
            "Alpha CBO", 'WB-N24P-BASIRHAT-I')
        group = create_group(company, block)
        loan = disburse(
            group, principal=Decimal('120000.00'),
            interest_rate=Decimal('11.00'), subvention_eligible=True)
        # The first instalment is 10,000.00 of principal and 1,100.00 of
        # interest, repaid on 10 February.
        repay(loan, (dt.date(2025, 2, 10), '11100.00'))
        claim, = Claim.create([{
                    'company': company.id,
                    'start_date': dt.date(2025, 2, 1),
                    'end_date': dt.date(2025, 2, 28),
                    }])
        Claim.compute([claim])
        line, = claim.lines
        # 120,000 for 9 days and 110,000 for 19 days.
        self.assertEqual(line.principal_days, Decimal('3170000.00'))
        self.assertEqual(line.amount, Decimal('347.40'))
        self.assertEqual(line.start_date, dt.date(2025, 2, 1))
