# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import re
from decimal import Decimal

from trytond.model.exceptions import AccessError
from trytond.modules.shakti_market.exceptions import StallError
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from .tools import (
    COST, COUNTED, PRICE, REASON, MarketTestCase, as_user, close_day,
    create_product, sell, setup_stall)


def new_sale(user_id, stall_id, product_id, quantity, date=None, price=None):
    """Create as the user an unpaid sale of quantity of the product at the
    stall, on date and at price when given, and return it"""
    pool = Pool()
    Sale = pool.get('sale.point.sale')
    Line = pool.get('sale.point.sale.line')
    Stall = pool.get('shakti.market.stall')
    Product = pool.get('product.product')

    with as_user(user_id):
        stall = Stall(stall_id)
        with Transaction().set_context(company=stall.company.id):
            sale = Sale(point=stall.point)
            sale.on_change_point()
            if date:
                sale.date = date
            sale.save()
            line = Line(
                sale=sale, product=Product(product_id), quantity=quantity)
            line.on_change_product()
            if price is not None:
                line.unit_list_price = line.unit_gross_price = price
            line.save()
    return Sale(sale.id)


class StallSaleTestCase(MarketTestCase):
    """Test that a stall sells only the goods it holds, on the days of its
    fair, and takes back only what it sold"""

    def assertStallError(self, message, *args, **kwargs):
        """Assert new_sale raises StallError with the message, where the
        sale's number is "(N)" and today's date is %(today)s"""
        pool = Pool()
        Date = pool.get('ir.date')
        with self.assertRaises(StallError) as cm:
            new_sale(*args, **kwargs)
        self.assertEqual(
            re.sub(r'"\(\d+\)"', '"(N)"', cm.exception.message),
            message % {'today': Date.today()})

    @with_transaction(user=0)
    def test_sell_what_is_left(self):
        """Test the CBO's officer sells the eight sarees left and not
        nine"""
        ids = setup_stall("Alpha")
        # 12 sent, 2 and 3 sold, 1 taken back: 8 left.
        sale = new_sale(ids['officer'], ids['stall'], ids['product'], 8)
        self.assertEqual(sale.total, Decimal('6800.00'))
        sale.lines[0].quantity = 9
        with self.assertRaises(StallError) as cm:
            with as_user(ids['officer']):
                sale.lines[0].save()
        self.assertEqual(cm.exception.message, (
                'The sale "%s" sells 9 of "Block-printed Saree", but the '
                'stall "%s" has 8 left to sell.' % (
                    sale.rec_name, sale.point.stall.rec_name)))

    @with_transaction(user=0)
    def test_sell_more_than_left_by_lead(self):
        """Test the lead's officer cannot sell more than the stall holds,
        and can once a sale is cancelled"""
        pool = Pool()
        Sale = pool.get('sale.point.sale')
        ids = setup_stall("Beta")
        first = new_sale(ids['lead_officer'], ids['stall'], ids['product'], 5)
        with self.assertRaises(StallError) as cm:
            new_sale(ids['lead_officer'], ids['stall'], ids['product'], 4)
        self.assertRegex(cm.exception.message, (
                r'^The sale "\(\d+\)" sells 4 of "Block-printed Saree", but '
                r'the stall "Beta Stall, [-\d]+" has 3 left to sell\.$'))
        with as_user(ids['lead_officer']):
            Sale.cancel([first])
        new_sale(ids['lead_officer'], ids['stall'], ids['product'], 4)

    @with_transaction(user=0)
    def test_sell_after_closing_day(self):
        """Test the goods posted at the day's close leave the stall and
        are counted once"""
        ids = setup_stall("Alpha")
        close_day(ids['officer'], ids['stall'], COUNTED, REASON)
        new_sale(ids['officer'], ids['stall'], ids['product'], 8)
        self.assertStallError(
            'The sale "(N)" sells 1 of "Block-printed Saree", but the stall '
            '"Alpha Stall, %(today)s" has 0 left to sell.',
            ids['officer'], ids['stall'], ids['product'], 1)

    @with_transaction(user=0)
    def test_sell_product_never_sent(self):
        "Test a product never sent to the stall cannot be sold there"
        pool = Pool()
        Enterprise = pool.get('shakti.shg.enterprise')
        ProductGroup = pool.get('shakti.market.product_group')
        ids = setup_stall("Alpha")
        group, = ProductGroup.search([('name', '=', "Alpha Textiles")])
        stole = create_product(
            Enterprise(ids['enterprise']), group, "Printed Stole",
            Decimal('320.0000'), COST)
        self.assertStallError(
            'The sale "(N)" sells 1 of "Printed Stole", but the stall '
            '"Alpha Stall, %(today)s" has 0 left to sell.',
            ids['officer'], ids['stall'], stole.id, 1)

    @with_transaction(user=0)
    def test_return_what_was_sold(self):
        """Test the stall takes back the four sarees it sold less returns,
        and not one more"""
        ids = setup_stall("Alpha")
        sale = new_sale(ids['officer'], ids['stall'], ids['product'], -4)
        self.assertEqual(sale.total, Decimal('-3400.00'))
        self.assertStallError(
            'The sale "(N)" takes back 1 of "Block-printed Saree", but the '
            'stall "Alpha Stall, %(today)s" was paid for 0 of it, less '
            'returns.',
            ids['lead_officer'], ids['stall'], ids['product'], -1)

    @with_transaction(user=0)
    def test_quantity_and_price(self):
        "Test a line sells some goods at a price above zero"
        ids = setup_stall("Beta")
        self.assertStallError(
            'The quantity of "Block-printed Saree" on the sale "(N)" is 0: '
            'sell or return at least one.',
            ids['officer'], ids['stall'], ids['product'], 0)
        self.assertStallError(
            'The price of "Block-printed Saree" on the sale "(N)" is '
            '-₹1.00: it must be above zero.',
            ids['officer'], ids['stall'], ids['product'], 1,
            price=Decimal('-1.0000'))
        self.assertStallError(
            'The price of "Block-printed Saree" on the sale "(N)" is ₹0.00: '
            'it must be above zero.',
            ids['lead_officer'], ids['stall'], ids['product'], 1,
            price=Decimal('0'))
        sale = new_sale(
            ids['officer'], ids['stall'], ids['product'], 1,
            price=PRICE - 50)
        self.assertEqual(sale.total, Decimal('800.00'))

    @with_transaction(user=0)
    def test_sale_on_fair_days(self):
        "Test a sale is dated on a day of the stall's fair, up to today"
        pool = Pool()
        Date = pool.get('ir.date')
        ids = setup_stall("Alpha")
        today = Date.today()
        message = (
            'The sale "(N)" is dated %s, but the stall "Alpha Stall, '
            '%%(today)s" sells only on the days of its fair, from %s to %s, '
            'and not after today.')
        for date in [today + dt.timedelta(days=3),
                today + dt.timedelta(days=1)]:
            with self.subTest(date=date):
                self.assertStallError(
                    message % (date, today, today + dt.timedelta(days=2)),
                    ids['officer'], ids['stall'], ids['product'], 1,
                    date=date)
        sale = new_sale(
            ids['lead_officer'], ids['stall'], ids['product'], 1, date=today)
        self.assertEqual(sale.date, today)

    @with_transaction(user=0)
    def test_price_rounds_above_zero(self):
        """Test a price that rounds to zero and prices with and without tax
        that differ are rejected"""
        ids = setup_stall("Beta")
        self.assertStallError(
            'The price of "Block-printed Saree" on the sale "(N)" is ₹0.00: '
            'it must be above zero.',
            ids['officer'], ids['stall'], ids['product'], 1,
            price=Decimal('0.0010'))
        with self.assertRaises(StallError) as cm:
            sale = new_sale(
                ids['lead_officer'], ids['stall'], ids['product'], 1)
            line, = sale.lines
            line.unit_list_price = Decimal('100.0000')
            with as_user(ids['lead_officer']):
                line.save()
        self.assertRegex(cm.exception.message, (
                r'^The price of "Block-printed Saree" on the sale "\(\d+\)" '
                r'is ₹100\.00 without tax and ₹850\.00 with tax, but market '
                r'goods carry no tax: the two must be the same\.$'))

    @with_transaction(user=0)
    def test_return_counts_paid_sales(self):
        "Test a return counts only the paid sales of the stall"
        ids = setup_stall("Alpha")
        # Paid: 2 and 3 sold, 1 taken back. An unpaid sale of 3 adds none.
        new_sale(ids['officer'], ids['stall'], ids['product'], 3)
        new_sale(ids['lead_officer'], ids['stall'], ids['product'], -2)
        self.assertStallError(
            'The sale "(N)" takes back 3 of "Block-printed Saree", but the '
            'stall "Alpha Stall, %(today)s" was paid for 2 of it, less '
            'returns.',
            ids['officer'], ids['stall'], ids['product'], -3)

    @with_transaction(user=0)
    def test_reopen_paid_sale_returned(self):
        """Test a paid sale cannot be reopened once its goods were taken
        back"""
        pool = Pool()
        Sale = pool.get('sale.point.sale')
        ids = setup_stall("Beta")
        new_sale(ids['lead_officer'], ids['stall'], ids['product'], -2)
        # Without the sale of 3 by UPI, 2 were paid for and 3 taken back.
        upi = Sale(ids['sales'][1])
        with self.assertRaises(StallError) as cm:
            with as_user(ids['lead_officer']):
                Sale.open([upi])
        self.assertEqual(cm.exception.message, (
                'Without the sale "%s", the stall "%s" would have taken back '
                '3 of "Block-printed Saree" but been paid for only 2. Cancel '
                'the returns first.' % (
                    upi.rec_name, upi.point.stall.rec_name)))

    @with_transaction(user=0)
    def test_return_price(self):
        """Test a refund is at most the highest price paid or charged
        today"""
        ids = setup_stall("Beta")
        self.assertStallError(
            'The sale "(N)" refunds "Block-printed Saree" at ₹900.00, more '
            'than the ₹850.00 the stall "Beta Stall, %(today)s" was paid for '
            'it or charges today.',
            ids['officer'], ids['stall'], ids['product'], -1,
            price=Decimal('900.0000'))
        sale = new_sale(
            ids['officer'], ids['stall'], ids['product'], -1,
            price=Decimal('850.0000'))
        self.assertEqual(sale.total, Decimal('-850.00'))

    @with_transaction(user=0)
    def test_posted_sale_readonly(self):
        """Test no user rewrites a posted sale, its lines, payments or cash
        session"""
        pool = Pool()
        Sale = pool.get('sale.point.sale')
        Line = pool.get('sale.point.sale.line')
        Payment = pool.get('sale.point.payment')
        Session = pool.get('sale.point.cash.session')
        ids = setup_stall("Alpha")
        close_day(ids['officer'], ids['stall'], COUNTED, REASON)
        sale = Sale(ids['sales'][0])
        line, = sale.lines
        payment, = sale.payments
        session = payment.session
        self.assertEqual(sale.state, 'posted')

        for user in [ids['officer'], ids['lead_officer']]:
            for Model, record, values in [
                    (Sale, sale, {'date': sale.date + dt.timedelta(days=1)}),
                    (Sale, sale, {'state': 'open'}),
                    (Line, line, {'quantity': 1}),
                    (Payment, payment, {'amount': Decimal('1.00')}),
                    (Session, session, {'end_amount': Decimal('99999.00')}),
                    ]:
                with self.subTest(user=user, model=Model.__name__,
                        values=values):
                    with as_user(user), self.assertRaises(AccessError):
                        Model.write([Model(record.id)], values)
            with as_user(user), self.assertRaises(AccessError) as cm:
                Line.delete([Line(line.id)])
            self.assertEqual(cm.exception.message, (
                    'The lines of the sale "%s" cannot change: the sale is '
                    'Posted.' % sale.rec_name))

    @with_transaction(user=0)
    def test_upi_sale_after_close(self):
        """Test a UPI sale after the day's close is posted by closing the
        day again, and stops the return of goods until then"""
        pool = Pool()
        Product = pool.get('product.product')
        Sale = pool.get('sale.point.sale')
        Stall = pool.get('shakti.market.stall')
        ids = setup_stall("Beta")
        close_day(ids['officer'], ids['stall'], COUNTED, REASON)
        upi = sell(Stall(ids['stall']), Product(ids['product']), 2, "UPI")

        with as_user(ids['lead_officer']), \
                self.assertRaises(StallError) as cm:
            Stall.create_returns([Stall(ids['stall'])])
        self.assertEqual(cm.exception.message, (
                'The stall "%s" has sales that are paid but not closed, such '
                'as "%s". Close the day first.' % (
                    Stall(ids['stall']).rec_name, upi.rec_name)))

        close_day(ids['officer'], ids['stall'], COUNTED, None)
        self.assertEqual(Sale(upi.id).state, 'posted')
        self.assertEqual(
            [d.upi_sales for d in Stall(ids['stall']).days],
            [Decimal('1700.00'), Decimal('2550.00')])
