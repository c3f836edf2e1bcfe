# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import unittest
from decimal import Decimal

from trytond.model.exceptions import AccessError, SQLConstraintError
from trytond.modules.company.tests import create_company
from trytond.modules.shakti_case.tests.test_module import create_organisation
from trytond.modules.shakti_market.buyer import delivery_dates
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from .tools import MarketTestCase

SEASON = {
    'from_date': dt.date(2025, 4, 1),
    'to_date': dt.date(2025, 9, 30),
    }


class DeliveryDatesTestCase(unittest.TestCase):
    "Test the delivery dates of orders between two dates"

    def test_once(self):
        "Test an order delivered once counts only inside the dates"
        first = dt.date(2025, 5, 15)
        self.assertEqual(
            delivery_dates(
                first, 'once', None, dt.date(2025, 5, 15),
                dt.date(2025, 5, 15)),
            [first])
        self.assertEqual(
            delivery_dates(
                first, 'once', None, dt.date(2025, 5, 16),
                dt.date(2025, 12, 31)),
            [])

    def test_monthly_month_end(self):
        "Test a monthly order from 31 January keeps to the month's end"
        self.assertEqual(
            delivery_dates(
                dt.date(2025, 1, 31), 'monthly', None,
                dt.date(2025, 2, 1), dt.date(2025, 4, 30)),
            [dt.date(2025, 2, 28), dt.date(2025, 3, 31),
                dt.date(2025, 4, 30)])

    def test_quarterly_from_long_ago(self):
        "Test a quarterly order that started years before the dates"
        self.assertEqual(
            delivery_dates(
                dt.date(2020, 1, 15), 'quarterly', None,
                dt.date(2025, 3, 1), dt.date(2025, 12, 31)),
            [dt.date(2025, 4, 15), dt.date(2025, 7, 15),
                dt.date(2025, 10, 15)])

    def test_season(self):
        "Test an order per season delivers every six months"
        self.assertEqual(
            delivery_dates(
                dt.date(2025, 3, 10), 'season', None,
                dt.date(2025, 1, 1), dt.date(2026, 3, 10)),
            [dt.date(2025, 3, 10), dt.date(2025, 9, 10),
                dt.date(2026, 3, 10)])

    def test_end_date(self):
        "Test a standing order stops at its end date"
        self.assertEqual(
            delivery_dates(
                dt.date(2025, 1, 10), 'monthly', dt.date(2025, 3, 9),
                dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
            [dt.date(2025, 1, 10), dt.date(2025, 2, 10)])

    def test_before_first(self):
        "Test no delivery falls before the first one"
        self.assertEqual(
            delivery_dates(
                dt.date(2025, 6, 1), 'monthly', None,
                dt.date(2025, 1, 1), dt.date(2025, 5, 31)),
            [])


def create_livelihood_user(company, login):
    "Create a livelihood officer of company"
    pool = Pool()
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')

    user, = User.create([{
                'login': login,
                'companies': [('add', [company.id])],
                'company': company.id,
                'groups': [('add', [ModelData.get_id(
                                'shakti_base',
                                'group_livelihood_officer')])],
                }])
    return user


def create_order(buyer, group, quantity, unit_price, **values):
    "Create and confirm an order of buyer for group"
    pool = Pool()
    Order = pool.get('shakti.market.order')
    ModelData = pool.get('ir.model.data')

    values.setdefault('date', dt.date(2025, 4, 1))
    values.setdefault('delivery_date', dt.date(2025, 4, 20))
    order, = Order.create([dict(values,
                buyer=buyer.id,
                product_group=group.id,
                quantity=quantity,
                unit=ModelData.get_id('product', 'uom_unit'),
                unit_price=unit_price)])
    Order.confirm([order])
    return order


class BuyerTestCase(MarketTestCase):
    "Test buyers, orders and the assured market"

    def create_market(self):
        """Create a product group and, for two CBOs, a livelihood officer
        and a buyer with a confirmed order"""
        pool = Pool()
        Company = pool.get('company.company')
        Group = pool.get('shakti.market.product_group')
        Buyer = pool.get('shakti.market.buyer')

        alpha, _, _, _ = create_organisation(
            "Alpha CBO", 'WB-N24P-BASIRHAT-I')
        beta, _, _, _ = create_organisation("Beta CBO", 'WB-N24P-HASNABAD')
        lead = create_company("Lead NGO", currency=alpha.currency)
        lead.organisation_type = 'lead'
        lead.save()
        Company.write([alpha, beta], {'parent': lead.id})
        group, = Group.create([{
                    'name': "Terracotta Jewellery",
                    'kind': 'jewellery',
                    'coordinating_organisation': lead.id,
                    }])
        users, buyers = [], []
        for company, login, name in [
                (alpha, 'livelihood-alpha', "Mati Crafts Mart"),
                (beta, 'livelihood-beta', "Delta Gift House")]:
            users.append(create_livelihood_user(company, login))
            buyer, = Buyer.create([{
                        'company': company.id,
                        'name': name,
                        'kind': 'retailer',
                        }])
            buyers.append(buyer)
        # Alpha: 30 necklace sets at 333.3333, 9,999.999 rounded to
        # 10,000.00 for each of the monthly deliveries of April to
        # September. Beta: 7 at 149.99 once, 1,049.93.
        create_order(
            buyers[0], group, 30, Decimal('333.3333'),
            delivery_date=dt.date(2025, 4, 30), frequency='monthly')
        create_order(buyers[1], group, 7, Decimal('149.99'))
        return group, users, buyers

    @with_transaction()
    def test_demand_of_readable_orders(self):
        "Test the assured market counts the orders the caller may read"
        pool = Pool()
        Demand = pool.get('shakti.market.assured_demand')
        Group = pool.get('shakti.market.product_group')

        group, users, _ = self.create_market()
        # The root user reads every order.
        with Transaction().set_user(0), Transaction().set_context(SEASON):
            row, = Demand.search([])
            self.assertEqual(row.order_count, 2)
            self.assertEqual(row.deliveries, 7)
            self.assertEqual(row.quantity, 187.0)
            self.assertEqual(row.amount, Decimal('61049.93'))
        # Without the access checks of a client, as other code calls it.
        for user, (deliveries, quantity, amount) in zip(users, [
                    (6, 180.0, Decimal('60000.00')),
                    (1, 7.0, Decimal('1049.93'))]):
            with Transaction().set_user(user.id), \
                    Transaction().set_context(SEASON):
                row, = Demand.search([])
                self.assertEqual(row.order_count, 1)
                self.assertEqual(row.deliveries, deliveries)
                self.assertEqual(row.quantity, quantity)
                self.assertEqual(row.amount, amount)
                self.assertEqual(
                    [r.id for r in Group(group.id).assured_demand],
                    [row.id])

    @with_transaction()
    def test_demand_outside_dates(self):
        "Test the orders outside the dates and not confirmed do not count"
        pool = Pool()
        Demand = pool.get('shakti.market.assured_demand')
        Order = pool.get('shakti.market.order')

        self.create_market()
        with Transaction().set_user(0), Transaction().set_context(
                from_date=dt.date(2025, 10, 1),
                to_date=dt.date(2025, 10, 29)):
            # Alpha's monthly order is in force but delivers on 30 October.
            row, = Demand.search([])
            self.assertEqual(row.order_count, 1)
            self.assertEqual(row.deliveries, 0)
            self.assertEqual(row.quantity, 0.0)
            self.assertEqual(row.amount, Decimal('0.00'))
        Order.cancel(Order.search([]))
        with Transaction().set_user(0), Transaction().set_context(SEASON):
            self.assertEqual(Demand.search([]), [])

    @with_transaction()
    def test_buyer_name_unique(self):
        "Test two buyers of one organisation need two names"
        pool = Pool()
        Buyer = pool.get('shakti.market.buyer')

        _, _, buyers = self.create_market()
        with self.assertRaises(SQLConstraintError) as cm:
            Buyer.create([{
                        'company': buyers[0].company.id,
                        'name': buyers[0].name,
                        'kind': 'wholesaler',
                        }])
        self.assertEqual(
            cm.exception.message,
            'Another buyer of the organisation already has this name.')

    @with_transaction()
    def test_other_organisation_buyer(self):
        "Test an officer cannot order for another organisation's buyer"
        pool = Pool()
        Order = pool.get('shakti.market.order')
        Buyer = pool.get('shakti.market.buyer')

        group, users, buyers = self.create_market()
        with Transaction().set_user(users[1].id), \
                Transaction().set_context(
                    company=users[1].company.id, _check_access=True):
            self.assertEqual(
                [b.name for b in Buyer.search([])], ["Delta Gift House"])
            with self.assertRaises(AccessError):
                Order.create([{
                            'buyer': buyers[0].id,
                            'product_group': group.id,
                            'delivery_date': dt.date.today(),
                            'description': "Gift boxes",
                            'unit_price': Decimal('10.00'),
                            }])
            with self.assertRaises(AccessError):
                Buyer.write([Buyer(buyers[0].id)], {'phone': "0"})
