# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import unittest
from decimal import Decimal

from trytond import backend
from trytond.modules.shakti_base.tests.concurrency import ConcurrencyTestMixin
from trytond.modules.shakti_case.tests.test_module import create_organisation
from trytond.modules.shakti_shg.exceptions import RepaymentError
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME
from trytond.transaction import Transaction

from .test_module import create_group, create_loan


def post_repayment(loan_id, amount):
    "Create and post a repayment of amount on the loan"
    pool = Pool()
    Repayment = pool.get('shakti.shg.loan.repayment')

    repayment, = Repayment.create([{
                'loan': loan_id,
                'date': dt.date(2025, 3, 1),
                'amount': amount,
                }])
    Repayment.post([repayment])


@unittest.skipIf(
    backend.name != 'postgresql',
    "SQLite lets one transaction write at a time, so two transactions "
    "never post repayments at once")
class RepaymentConcurrencyTestCase(ConcurrencyTestMixin, unittest.TestCase):
    "Test concurrent repayments of one loan"

    module = 'shakti_shg'

    def create_running_loan(self):
        "Create a running loan of 10,000.00 with 11,200.00 to repay"
        pool = Pool()
        Loan = pool.get('shakti.shg.loan')

        company, block, _, _ = create_organisation(
            "Alpha CBO", 'WB-N24P-BASIRHAT-I')
        loan = create_loan(create_group(company, block))
        Loan.disburse([loan])
        return loan.id

    def test_concurrent_repayments(self):
        "Test two transactions cannot repay more than the balance"
        loan_id = self.commit(self.create_running_loan)
        extras = self.lock_extras(
            post_repayment, loan_id, Decimal('6000.00'))
        self.assertEqual(
            extras, {'_lock_records': {'shakti_shg_loan': [loan_id]}})

        with Transaction(new=True).start(DB_NAME, 0, **extras) as first:
            post_repayment(loan_id, Decimal('6000.00'))
            # The second transaction waits for the lock, then gives up.
            with self.assertRaises(backend.DatabaseOperationalError):
                with Transaction(new=True).start(DB_NAME, 0, **extras):
                    pass
            first.commit()

        with Transaction(new=True).start(DB_NAME, 0, **extras) as second:
            with self.assertRaises(RepaymentError) as cm, \
                    Transaction().set_context(language='en'):
                post_repayment(loan_id, Decimal('6000.00'))
            self.assertEqual(cm.exception.message,
                'The repayment "LN-00001 @ 2025-03-01" of ₹6,000.00 is more '
                'than the outstanding balance ₹5,200.00 of loan "LN-00001".')
            second.rollback()
            Loan = Pool().get('shakti.shg.loan')
            loan = Loan(loan_id)
            self.assertEqual(loan.amount_repaid, Decimal('6000.00'))
            self.assertEqual(loan.amount_outstanding, Decimal('5200.00'))
