# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import unittest
from decimal import Decimal

from trytond import backend
from trytond.modules.shakti_base.tests.concurrency import ConcurrencyTestMixin
from trytond.modules.shakti_case.exceptions import CompensationError
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME
from trytond.transaction import Transaction

from .test_module import create_organisation, create_survivor


def create_compensation(survivor, approved, disbursed):
    "Create a compensation order with one disbursement, as the given amounts"
    pool = Pool()
    Compensation = pool.get('shakti.compensation')
    Office = pool.get('shakti.office')
    Date = pool.get('ir.date')

    today = Date.today()
    authority, = Office.create([{
                'name': "Test Legal Services Authority",
                'type': 'legal_services',
                'place': survivor.block.id,
                }])
    compensation, = Compensation.create([{
                'survivor': survivor.id,
                'authority': authority.id,
                'order_date': today - dt.timedelta(days=10),
                'amount_approved': approved,
                'disbursements': [('create', [{
                                'date': today - dt.timedelta(days=5),
                                'amount': disbursed,
                                }])],
                }])
    return compensation


def add_disbursement(compensation_id, amount):
    pool = Pool()
    Disbursement = pool.get('shakti.compensation.disbursement')
    Date = pool.get('ir.date')

    Disbursement.create([{
                'compensation': compensation_id,
                'date': Date.today(),
                'amount': amount,
                }])


@unittest.skipIf(
    backend.name != 'postgresql',
    "SQLite lets one transaction write at a time, so two transactions "
    "never add disbursements at once")
class CompensationConcurrencyTestCase(ConcurrencyTestMixin, unittest.TestCase):
    "Test concurrent disbursements of one compensation order"

    module = 'shakti_case'

    def create_order(self):
        "Create an order of 600,000.00 with 250,000.00 disbursed"
        company, block, _, _ = create_organisation(
            "Alpha CBO", 'WB-N24P-BASIRHAT-I')
        compensation = create_compensation(
            create_survivor(company, block),
            Decimal('600000.00'), Decimal('250000.00'))
        return compensation.id

    def test_concurrent_disbursements(self):
        "Test two transactions cannot disburse above the amount approved"
        compensation_id = self.commit(self.create_order)
        extras = self.lock_extras(
            add_disbursement, compensation_id, Decimal('300000.00'))
        self.assertEqual(
            extras, {'_lock_records': {
                    'shakti_compensation': [compensation_id]}})

        with Transaction(new=True).start(DB_NAME, 0, **extras) as first:
            add_disbursement(compensation_id, Decimal('300000.00'))
            # The second transaction waits for the lock, then gives up.
            with self.assertRaises(backend.DatabaseOperationalError):
                with Transaction(new=True).start(DB_NAME, 0, **extras):
                    pass
            first.commit()

        with Transaction(new=True).start(DB_NAME, 0, **extras) as second:
            with self.assertRaises(CompensationError) as cm, \
                    Transaction().set_context(language='en'):
                add_disbursement(compensation_id, Decimal('100000.00'))
            self.assertIn(
                'would total ₹650,000.00, above the amount approved '
                '₹600,000.00', cm.exception.message)
            second.rollback()
            Compensation = Pool().get('shakti.compensation')
            compensation = Compensation(compensation_id)
            self.assertEqual(
                compensation.amount_disbursed, Decimal('550000.00'))
            self.assertEqual(
                compensation.amount_outstanding, Decimal('50000.00'))
