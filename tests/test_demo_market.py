# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The demo's fairs and stall sales, built on the demo organisations,
groups, enterprises and logins."""
import datetime as dt
import random
import unittest
from collections import Counter
from decimal import Decimal

from trytond.pool import Pool
from trytond.tests.test_tryton import (
    DB_NAME, activate_module, drop_db, with_transaction)
from trytond.transaction import Transaction, TransactionError

from demo import data as demo_data
from demo import livelihood as demo_livelihood
from demo import market as demo_market
from demo import shg as demo_shg

from .tools import shakti_modules

BASIRHAT = "Basirhat-I Mukti Sangha"
CANNING = "Canning Sakhi Samiti"


class DemoMarketTestCase(unittest.TestCase):
    "Test the demo market tells a consistent history"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        drop_db()
        activate_module(shakti_modules())
        # Like the demo's loader, start again with the tables locked that
        # the transaction found it must lock, as setting up the books does.
        extras = {}
        while True:
            with Transaction().start(DB_NAME, 0, context={
                        'active_test': False}, **extras) as transaction:
                try:
                    cls.build()
                except TransactionError as error:
                    transaction.rollback()
                    error.fix(extras)
                    continue
                transaction.commit()
                break

    @staticmethod
    def build():
        "Build the demo organisations, groups, enterprises and market"
        Date = Pool().get('ir.date')
        builder = demo_data._Builder(random.Random(1), Date.today())
        builder.organisations = builder.create_organisations()
        builder.create_users()
        demo_shg.load(builder)
        demo_livelihood.load(builder)
        demo_market.load(builder)

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        drop_db()

    @with_transaction()
    def test_days_within_fair(self):
        """Test the closed fair's days are its first two and the open
        fair's day is today"""
        pool = Pool()
        Date = pool.get('ir.date')
        Day = pool.get('shakti.market.stall.day')
        Transfer = pool.get('sale.point.cash.transfer')

        today = Date.today()
        start = today - dt.timedelta(days=12)
        days = Day.search([], order=[('date', 'ASC'), ('id', 'ASC')])
        self.assertEqual(
            [(d.stall.company.rec_name, d.date, d.difference) for d in days],
            [
                (CANNING, start, Decimal('-20.00')),
                (CANNING, start + dt.timedelta(days=1), Decimal('0.00')),
                (BASIRHAT, today, Decimal('-20.00')),
                ])
        for day in days:
            fair = day.stall.fair
            with self.subTest(day=day.rec_name):
                self.assertGreaterEqual(day.date, fair.start_date)
                self.assertLessEqual(day.date, fair.end_date)

        differences = Transfer.search(
            [('type.name', '=', "Cash Difference")],
            order=[('date', 'ASC'), ('id', 'ASC')])
        self.assertEqual([(t.amount, t.date) for t in differences], [
                (Decimal('-20.00'), start),
                (Decimal('-20.00'), today),
                ])

    @with_transaction()
    def test_sales_within_fair(self):
        "Test every demo sale is dated within the fair of its stall"
        pool = Pool()
        Date = pool.get('ir.date')
        Sale = pool.get('sale.point.sale')
        Stall = pool.get('shakti.market.stall')

        today = Date.today()
        start = today - dt.timedelta(days=12)
        stalls = {s.point: s for s in Stall.search([('point', '!=', None)])}
        sales = Sale.search([])
        self.assertEqual(
            sorted(Counter(
                    (s.company.rec_name, s.date) for s in sales).items()), [
                ((BASIRHAT, today), 5),
                ((CANNING, start), 5),
                ((CANNING, start + dt.timedelta(days=1)), 5),
                ])
        for sale in sales:
            fair = stalls[sale.point].fair
            with self.subTest(sale=sale.id):
                self.assertGreaterEqual(sale.date, fair.start_date)
                self.assertLessEqual(sale.date, fair.end_date)
