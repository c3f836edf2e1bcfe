# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
from decimal import Decimal

from trytond.modules.shakti_market.exceptions import StallError
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from .tools import (
    COUNTED, FLOAT, REASON, MarketTestCase, as_user, close_day,
    create_enterprise, open_stall, return_unsold, returns, sell,
    setup_closed_day, setup_goods, setup_stall, store_location)


def today():
    "Return today's date"
    return Pool().get('ir.date').today()


class StallReturnTestCase(MarketTestCase):
    "Test the return of a stall's unsold goods by the users who may do it"

    def assertReturnAssigned(self, ids):
        "Assert the 8 sarees left at the stall are on their way back"
        store = store_location(ids['enterprise'])
        self.assertEqual(returns(ids['stall']), (
                [('assigned', store, [(ids['product'], 8.0, 'assigned')])],
                {}))

    @with_transaction(user=0)
    def test_return_unsold_by_officer(self):
        "Test the CBO's livelihood officer returns the goods of its stall"
        ids = setup_closed_day("Alpha")
        return_unsold(ids['officer'], ids['stall'])
        self.assertReturnAssigned(ids)

    @with_transaction(user=0)
    def test_return_unsold_by_lead_officer(self):
        """Test the lead's livelihood officer returns the goods of the
        stall of a CBO under the lead"""
        ids = setup_closed_day("Beta")
        return_unsold(ids['lead_officer'], ids['stall'])
        self.assertReturnAssigned(ids)


class StallPlaceTestCase(MarketTestCase):
    "Test the places of stores and stalls are named after them"

    @with_transaction(user=0)
    def test_place_names(self):
        """Test the storage places of two stores and a stall have distinct
        names that name their warehouse"""
        pool = Pool()
        Company = pool.get('company.company')
        Date = pool.get('ir.date')
        Enterprise = pool.get('shakti.shg.enterprise')
        Location = pool.get('stock.location')
        Place = pool.get('shakti.place')

        ids = setup_goods("Alpha")
        company = Company(ids['company'])
        block = Place(ids['block'])
        prints = Enterprise(ids['enterprise'])
        weaves = create_enterprise(company, block, "Alpha Weaves")
        stores = [Location.market_store(e) for e in [prints, weaves]]
        stall = open_stall(
            company, block, prints, "Alpha Stall", Decimal('1500.00'), FLOAT)
        today = Date.today()

        self.assertEqual(
            [w.rec_name for w in stores + [stall.warehouse]],
            ["Alpha Prints", "Alpha Weaves", "Alpha Stall, %s" % today])
        self.assertEqual(
            [w.storage_location.rec_name
                for w in stores + [stall.warehouse]], [
                "Storage, Alpha Prints",
                "Storage, Alpha Weaves",
                "Storage, Alpha Stall, %s" % today,
                ])
        store = stores[0]
        self.assertEqual([(p.rec_name, p.code) for p in [
                    store.input_location, store.output_location,
                    store.storage_location]], [
                ("Input, Alpha Prints", None),
                ("Output, Alpha Prints", None),
                ("Storage, Alpha Prints", None),
                ])

    @with_transaction(user=0)
    def test_place_search_by_store(self):
        "Test the name of a store finds its places and none of another"
        pool = Pool()
        Company = pool.get('company.company')
        Enterprise = pool.get('shakti.shg.enterprise')
        Location = pool.get('stock.location')
        Place = pool.get('shakti.place')

        ids = setup_goods("Alpha")
        company = Company(ids['company'])
        prints = Enterprise(ids['enterprise'])
        weaves = create_enterprise(
            company, Place(ids['block']), "Alpha Weaves")
        store = Location.market_store(prints)
        Location.market_store(weaves)

        found = Location.search([('rec_name', 'ilike', '%Alpha Prints%')])
        self.assertEqual(sorted(p.id for p in found), sorted([
                    store.id, store.input_location.id,
                    store.output_location.id, store.storage_location.id]))


def close_day_defaults(user_id, stall_id):
    """Return the start cash, cash sales and movements, and expected cash
    that the Close Day wizard shows the user for the stall"""
    defaults = close_day_wizard(user_id, stall_id)
    return (defaults['start_cash'], defaults['cash_in'],
        defaults['expected_cash'])


def close_day_wizard(user_id, stall_id, counted=None, reason=None):
    """Return the values the Close Day wizard shows the user for the stall
    and, with the cash counted, close the day it shows"""
    pool = Pool()
    CloseDay = pool.get('shakti.market.stall.close_day', type='wizard')
    with as_user(user_id), Transaction().set_context(
            active_model='shakti.market.stall', active_id=stall_id,
            active_ids=[stall_id]):
        session_id, _, _ = CloseDay.create()
        try:
            result = CloseDay.execute(session_id, {}, 'start')
            defaults = result['view']['defaults']
            if counted is not None:
                # The client sends back the values, not the names of the
                # linked records.
                values = {
                    k: v for k, v in defaults.items() if not k.endswith('.')}
                values.update(counted_cash=counted, reason=reason)
                CloseDay.execute(session_id, {'start': values}, 'close')
        finally:
            CloseDay.delete(session_id)
    return defaults


def stall_days(stall_id):
    """Return the date, start cash, cash sales, expected and counted cash
    and difference of each closed day of the stall, the last first"""
    pool = Pool()
    Stall = pool.get('shakti.market.stall')
    return [(d.date, d.start_cash, d.cash_sales, d.expected_cash,
            d.counted_cash, d.difference)
        for d in Stall(stall_id).days]


def close_day_on(user_id, stall_id, counted, reason, date):
    "Close the day of date at the stall as the user with the cash counted"
    pool = Pool()
    Stall = pool.get('shakti.market.stall')
    with as_user(user_id):
        Stall(stall_id).close_cash_day(counted, reason, date=date)


def set_fair_dates(stall_id, start_date, end_date):
    "Set the start and end dates of the fair of the stall"
    pool = Pool()
    Fair = pool.get('shakti.market.fair')
    Stall = pool.get('shakti.market.stall')
    Fair.write([Stall(stall_id).fair], {
            'start_date': start_date,
            'end_date': end_date,
            })


def cash_movements(stall_id):
    "Return the type, amount and date of the cash movements of the stall"
    pool = Pool()
    Stall = pool.get('shakti.market.stall')
    Transfer = pool.get('sale.point.cash.transfer')
    transfers = Transfer.search(
        [('point', '=', Stall(stall_id).point.id)], order=[('id', 'ASC')])
    return [(t.type.name, t.amount, t.date) for t in transfers]


class CloseDayTestCase(MarketTestCase):
    "Test the closing of a stall's cash day"

    @with_transaction(user=0)
    def test_first_day_starts_with_float(self):
        """Test the first day starts with the opening float, which is not
        a cash sale"""
        ids = setup_stall("Alpha")

        # 1,700.00 in and 850.00 out in cash, on 500.00 of change.
        self.assertEqual(close_day_defaults(ids['officer'], ids['stall']), (
                Decimal('500.00'), Decimal('850.00'), Decimal('1350.00')))

        close_day(ids['officer'], ids['stall'], COUNTED, REASON)
        self.assertEqual(stall_days(ids['stall']), [(
                    today(), Decimal('500.00'), Decimal('850.00'),
                    Decimal('1350.00'), Decimal('1345.00'),
                    Decimal('-5.00'))])

    @with_transaction(user=0)
    def test_later_day_starts_with_count(self):
        """Test a later day starts with the cash counted the day before
        and shows only its own cash sales"""
        pool = Pool()
        Product = pool.get('product.product')
        Stall = pool.get('shakti.market.stall')

        ids = setup_closed_day("Beta")
        stall = Stall(ids['stall'])
        product = Product(ids['product'])
        sell(stall, product, 1, "Cash")
        sell(stall, product, 2, "UPI")

        self.assertEqual(
            close_day_defaults(ids['lead_officer'], ids['stall']), (
                Decimal('1345.00'), Decimal('850.00'), Decimal('2195.00')))

        close_day(ids['lead_officer'], ids['stall'], Decimal('2195.00'), None)
        self.assertEqual(stall_days(ids['stall'])[0], (
                today(), Decimal('1345.00'), Decimal('850.00'),
                Decimal('2195.00'), Decimal('2195.00'), Decimal('0.00')))

    @with_transaction(user=0)
    def test_day_without_float(self):
        "Test the first day of a stall without float starts with no cash"
        pool = Pool()
        Company = pool.get('company.company')
        Enterprise = pool.get('shakti.shg.enterprise')
        Place = pool.get('shakti.place')

        ids = setup_goods("Gamma")
        stall = open_stall(
            Company(ids['company']), Place(ids['block']),
            Enterprise(ids['enterprise']), "Gamma Stall",
            Decimal('1500.00'), Decimal(0))

        self.assertEqual(close_day_defaults(ids['officer'], stall.id), (
                Decimal('0.00'), Decimal('0.00'), Decimal('0.00')))

    @with_transaction(user=0)
    def test_close_past_day(self):
        """Test a past day of the fair is closed on its date, and only
        once"""
        ids = setup_stall("Delta")
        start = today() - dt.timedelta(days=3)
        set_fair_dates(ids['stall'], start, today() + dt.timedelta(days=1))

        close_day_on(ids['officer'], ids['stall'], COUNTED, REASON, start)
        self.assertEqual(stall_days(ids['stall']), [(
                    start, Decimal('500.00'), Decimal('850.00'),
                    Decimal('1350.00'), Decimal('1345.00'),
                    Decimal('-5.00'))])
        # The stall opened today with its float; the difference is
        # recorded on the day closed.
        self.assertEqual(cash_movements(ids['stall']), [
                ("Opening Float", Decimal('500.00'), today()),
                ("Cash Difference", Decimal('-5.00'), start),
                ])

        with self.assertRaises(StallError) as context:
            close_day_on(
                ids['lead_officer'], ids['stall'], COUNTED, None, start)
        self.assertEqual(context.exception.message,
            'The day of %s at the stall "Delta Stall, %s" is already closed '
            'and nothing was sold or paid since.' % (start, start))

    @with_transaction(user=0)
    def test_close_day_outside_fair(self):
        """Test a day before the fair, after it or after today is not
        closed, and nothing is recorded"""
        ids = setup_stall("Epsilon")
        start = today() - dt.timedelta(days=3)
        end = today() + dt.timedelta(days=1)
        set_fair_dates(ids['stall'], start, end)
        message = (
            'The day of %s at the stall "Epsilon Stall, %s" cannot be '
            'closed. Close a day from %s to %s, the dates of its fair, and '
            'not after today.')

        for date in [start - dt.timedelta(days=1), today() + dt.timedelta(
                    days=1)]:
            with self.subTest(date=date):
                with self.assertRaises(StallError) as context:
                    close_day_on(
                        ids['officer'], ids['stall'], COUNTED, REASON, date)
                self.assertEqual(context.exception.message,
                    message % (date, start, start, end))

        # Once the fair is over, today is after it.
        end = today() - dt.timedelta(days=1)
        set_fair_dates(ids['stall'], start, end)
        with self.assertRaises(StallError) as context:
            close_day(ids['lead_officer'], ids['stall'], COUNTED, REASON)
        self.assertEqual(context.exception.message,
            message % (today(), start, start, end))

        self.assertEqual(stall_days(ids['stall']), [])
        self.assertEqual(cash_movements(ids['stall']), [
                ("Opening Float", Decimal('500.00'), today())])

    @with_transaction(user=0)
    def test_close_day_after_fair(self):
        """Test the wizard closes the fair's last day once the fair is
        over"""
        ids = setup_stall("Zeta")
        start = today() - dt.timedelta(days=3)
        end = today() - dt.timedelta(days=1)
        set_fair_dates(ids['stall'], start, end)

        defaults = close_day_wizard(
            ids['lead_officer'], ids['stall'], COUNTED, REASON)
        self.assertEqual(defaults['date'], end)
        self.assertEqual(stall_days(ids['stall']), [(
                    end, Decimal('500.00'), Decimal('850.00'),
                    Decimal('1350.00'), Decimal('1345.00'),
                    Decimal('-5.00'))])
