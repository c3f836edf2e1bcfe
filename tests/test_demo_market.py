# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The demo's enterprises, products, fairs and stall sales, built on the
demo organisations, groups and logins."""
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

# The enterprise of each demo group, named after its trade and the group.
GROUP_ENTERPRISES = [
    "Block Printing Unit, Sonar Tori SHG",
    "Block Printing Unit, Ujjwala Mahila Dal",
    "Pickle and Papad Unit, Navodaya Podupu Sangham",
    "Pickle and Papad Unit, Sri Lakshmi Mahila Sangham",
    "Stitching Centre, Notun Asha SHG",
    "Stitching Centre, Sabala Mahila Dal",
    "Terracotta Jewellery, Alor Disha SHG",
    "Terracotta Jewellery, Nari Shakti Dal",
    ]
PRODUCTS = [
    "Necklace set, Alor Disha SHG",
    "Necklace set, Nari Shakti Dal",
    "Pickle jar, Navodaya Podupu Sangham",
    "Pickle jar, Sri Lakshmi Mahila Sangham",
    "Printed stole, Sonar Tori SHG",
    "Printed stole, Ujjwala Mahila Dal",
    "Salwar suit, Notun Asha SHG",
    "Salwar suit, Sabala Mahila Dal",
    ]
BASIRHAT = "Basirhat-I Mukti Sangha"
CANNING = "Canning Sakhi Samiti"


def duplicates(names):
    "Return the names that occur more than once, sorted"
    return sorted(n for n, c in Counter(names).items() if c > 1)


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
    def test_enterprise_names_unique(self):
        "Test no two demo enterprises share a name"
        pool = Pool()
        Enterprise = pool.get('shakti.shg.enterprise')

        enterprises = Enterprise.search([])
        self.assertEqual(duplicates([e.name for e in enterprises]), [])
        self.assertEqual(
            sorted(e.name for e in enterprises if e.kind == 'group'),
            GROUP_ENTERPRISES)
        # Each organisation's first group has a tailor of its own too.
        self.assertEqual(len(enterprises), len(GROUP_ENTERPRISES) + 4)

    @with_transaction()
    def test_product_names_unique(self):
        "Test no two demo products share a name"
        pool = Pool()
        Template = pool.get('product.template')

        templates = Template.search([('enterprise', '!=', None)])
        self.assertEqual(duplicates([t.name for t in templates]), [])
        self.assertEqual(sorted(t.name for t in templates), PRODUCTS)

    @with_transaction()
    def test_days_within_fair(self):
        """Test the closed fair's days are its first two and the open
        fair's day is its first, yesterday"""
        pool = Pool()
        Date = pool.get('ir.date')
        Day = pool.get('shakti.market.stall.day')
        Transfer = pool.get('sale.point.cash.transfer')

        today = Date.today()
        start = today - dt.timedelta(days=12)
        yesterday = today - dt.timedelta(days=1)
        days = Day.search([], order=[('date', 'ASC'), ('id', 'ASC')])
        self.assertEqual(
            [(d.stall.company.rec_name, d.date, d.difference) for d in days],
            [
                (CANNING, start, Decimal('-20.00')),
                (CANNING, start + dt.timedelta(days=1), Decimal('0.00')),
                (BASIRHAT, yesterday, Decimal('-20.00')),
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
                (Decimal('-20.00'), yesterday),
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
        yesterday = today - dt.timedelta(days=1)
        stalls = {s.point: s for s in Stall.search([('point', '!=', None)])}
        sales = Sale.search([])
        self.assertEqual(
            sorted(Counter(
                    (s.company.rec_name, s.date) for s in sales).items()), [
                ((BASIRHAT, yesterday), 5),
                ((CANNING, start), 5),
                ((CANNING, start + dt.timedelta(days=1)), 5),
                ])
        for sale in sales:
            fair = stalls[sale.point].fair
            with self.subTest(sale=sale.id):
                self.assertGreaterEqual(sale.date, fair.start_date)
                self.assertLessEqual(sale.date, fair.end_date)
