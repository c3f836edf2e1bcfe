# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import threading
import unittest
from decimal import Decimal

from trytond import backend
from trytond.model.modelview import AccessButtonError
from trytond.modules.shakti_base.tests.concurrency import ConcurrencyTestMixin
from trytond.modules.shakti_market.exceptions import StallError
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME
from trytond.transaction import Transaction, TransactionError

from .tools import (
    COUNTED, EXPECTED, FLOAT, REASON, as_user, close_day, on_hand,
    return_unsold, returns, setup_closed_day, setup_goods, setup_stall,
    store_location)


def do_receipt(user_id, receipt_id):
    "Put the goods of the receipt in the store as the user"
    pool = Pool()
    Receipt = pool.get('shakti.market.receipt')
    with as_user(user_id):
        Receipt.do([Receipt(receipt_id)])


def today():
    "Return today's date"
    return Pool().get('ir.date').today()


def stall_days(stall_id):
    "Return the values of the days of the stall"
    pool = Pool()
    Stall = pool.get('shakti.market.stall')
    return [(d.date, d.sales, d.cash_sales, d.upi_sales, d.start_cash,
            d.expected_cash, d.counted_cash, d.difference, d.reason,
            d.closed_by.id, d.session.state)
        for d in Stall(stall_id).days]


def stall_totals(stall_id):
    "Return the cash, UPI and total sales and the cash difference"
    pool = Pool()
    Stall = pool.get('shakti.market.stall')
    stall = Stall(stall_id)
    return (stall.cash_sales, stall.upi_sales, stall.total_sales,
        stall.cash_difference)


def posted_sales(sale_ids):
    """Return the state of each sale and the number of account moves and
    of stock moves made for it"""
    pool = Pool()
    Sale = pool.get('sale.point.sale')
    AccountMove = pool.get('account.move')
    StockMove = pool.get('stock.move')
    result = []
    for sale in Sale.browse(sale_ids):
        origin = str(sale)
        result.append((sale.state,
                AccountMove.search_count([('origin', '=', origin)]),
                StockMove.search_count([
                        ('origin', 'in', [str(line) for line in sale.lines]),
                        ('state', '=', 'done'),
                        ])))
    return result


def cash_movements(stall_id):
    """Return the type and amount of the cash movements of the stall,
    opening float and differences"""
    pool = Pool()
    Stall = pool.get('shakti.market.stall')
    Transfer = pool.get('sale.point.cash.transfer')
    stall = Stall(stall_id)
    transfers = Transfer.search(
        [('point', '=', stall.point.id)], order=[('id', 'ASC')])
    return [(t.type.name, t.amount, t.state) for t in transfers]


def sessions(stall_id):
    "Return the states of the cash sessions of the stall"
    pool = Pool()
    Stall = pool.get('shakti.market.stall')
    Session = pool.get('sale.point.cash.session')
    stall = Stall(stall_id)
    return [s.state for s in Session.search(
            [('point', '=', stall.point.id)], order=[('id', 'ASC')])]


def stall_stock(product_id, stall_id):
    "Return the quantity of the product on hand at the stall"
    pool = Pool()
    Product = pool.get('product.product')
    Stall = pool.get('shakti.market.stall')
    return on_hand(Product(product_id), Stall(stall_id).warehouse)


def store_stock(product_id, enterprise_id):
    "Return the quantity of the product on hand in the enterprise's store"
    pool = Pool()
    Location = pool.get('stock.location')
    Product = pool.get('product.product')
    store, = Location.search([
            ('enterprise', '=', enterprise_id),
            ('type', '=', 'warehouse'),
            ])
    return on_hand(Product(product_id), store)


def receive_returns(stall_id):
    "Pack, ship and receive the transfers out of the stall"
    pool = Pool()
    Shipment = pool.get('stock.shipment.internal')
    Stall = pool.get('shakti.market.stall')
    stall = Stall(stall_id)
    shipments = Shipment.search([
            ('from_location', '=', stall.warehouse.storage_location.id),
            ])
    Shipment.pack(shipments)
    Shipment.ship(shipments)
    Shipment.do(shipments)


def receipt_goods(receipt_id):
    """Return the state of the receipt, the number of stores of its
    enterprise and the product, quantity and state of its moves"""
    pool = Pool()
    Location = pool.get('stock.location')
    Move = pool.get('stock.move')
    Receipt = pool.get('shakti.market.receipt')
    receipt = Receipt(receipt_id)
    stores = Location.search_count([
            ('enterprise', '=', receipt.enterprise.id),
            ('type', '=', 'warehouse'),
            ])
    moves = Move.search([
            ('origin', 'in', [str(line) for line in receipt.lines]),
            ], order=[('id', 'ASC')])
    return (receipt.state, stores,
        [(m.product.id, m.quantity, m.state) for m in moves])


@unittest.skipIf(
    backend.name != 'postgresql',
    "SQLite lets one transaction write at a time, so two transactions "
    "never close a day, return goods or receive goods at once")
class MarketConcurrencyTestCase(ConcurrencyTestMixin, unittest.TestCase):
    "Test concurrent closing of days, returns and receipts"

    module = 'shakti_market'

    def read(self, func, *args):
        "Return what func reads in a transaction of its own"
        with Transaction(new=True).start(DB_NAME, 0) as transaction:
            result = func(*args)
            transaction.rollback()
            return result

    def all_lock_extras(self, func, *args):
        """Return all the locks that func needs, found as Tryton's retry
        finds them, one at a time"""
        extras = {}
        while True:
            with Transaction(new=True).start(
                    DB_NAME, 0, **extras) as transaction:
                try:
                    func(*args)
                except TransactionError as error:
                    error.fix(extras)
                    continue
                finally:
                    transaction.rollback()
                return extras

    def attempt(self, extras, func, *args):
        """Run func in a transaction started with extras and restarted
        with the locks it finds missing.

        Return None once committed, or what func raised once rolled
        back."""
        extras = {k: v.copy() for k, v in extras.items()}
        while True:
            with Transaction(new=True).start(
                    DB_NAME, 0, **extras) as transaction:
                try:
                    func(*args)
                except TransactionError as error:
                    transaction.rollback()
                    error.fix(extras)
                    continue
                except Exception as exception:
                    transaction.rollback()
                    return exception
                transaction.commit()
                return None

    def interleave(self, extras, first, second):
        """Run first and second, each a function and its arguments, and
        return what second raised, or None.

        First runs in a transaction started with extras and commits.
        Second starts once while first holds its locks, and again once
        first has committed."""
        with Transaction(new=True).start(DB_NAME, 0, **extras) as one:
            first[0](*first[1:])
            # The second transaction finds the rows locked, retries, then
            # gives up.
            with self.assertRaises(backend.DatabaseOperationalError):
                with Transaction(new=True).start(DB_NAME, 0, **extras):
                    pass
            one.commit()
        return self.attempt(extras, *second)

    def stale(self, read, first, second):
        """Run read, first and second, each a function and its arguments.
        Return what read returned and what second raised, or None once
        committed.

        Second runs in a transaction that calls read before first commits,
        as a request that is still running when another request commits.
        It is restarted with the locks it finds missing."""
        with Transaction(new=True).start(DB_NAME, 0) as two:
            before = read[0](*read[1:])
            self.commit(*first)
            try:
                second[0](*second[1:])
            except TransactionError as error:
                two.rollback()
                extras = {}
                error.fix(extras)
            except Exception as exception:
                two.rollback()
                return before, exception
            else:
                two.commit()
                return before, None
        return before, self.attempt(extras, *second)

    def hold(self, extras, first, second):
        """Run first and second, each a function and its arguments, and
        return what second raised, or None once committed.

        First runs in a transaction started with extras. While it holds
        its locks, second runs in a thread as the server runs a request,
        and first commits at most one second later."""
        outcome = []

        def run():
            try:
                self.commit(*second)
            except Exception as exception:
                outcome.append(exception)
            else:
                outcome.append(None)

        thread = threading.Thread(target=run)
        with Transaction(new=True).start(DB_NAME, 0, **extras) as one:
            first[0](*first[1:])
            thread.start()
            thread.join(1)
            one.commit()
        thread.join()
        return outcome[0]

    def race(self, *calls):
        """Run each call, a function and its arguments, in a thread of its
        own, all at once, as the server runs two requests.

        Return for each call None once committed, or the exception it
        raised."""
        barrier = threading.Barrier(len(calls))
        outcomes = [None] * len(calls)

        def run(i, func, *args):
            barrier.wait()
            try:
                self.commit(func, *args)
            except Exception as exception:
                outcomes[i] = exception

        threads = [threading.Thread(target=run, args=(i, *call))
            for i, call in enumerate(calls)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return outcomes

    def assertDayClosedError(self, error, name):
        "Assert error says the day of the stall of name is closed"
        self.assertIsInstance(error, StallError)
        date = self.read(today)
        self.assertEqual(error.message,
            'The day of %s at the stall "%s Stall, %s" is already closed '
            'and nothing was sold or paid since.' % (date, name, date))

    def assertDayClosedOnce(self, ids, closed_by):
        "Assert the stall's day closed once, by closed_by, as counted"
        date = self.read(today)
        # The first day starts with the opening float.
        self.assertEqual(self.read(stall_days, ids['stall']), [(
                    date, 3, Decimal('850.00'), Decimal('2550.00'),
                    FLOAT, EXPECTED, COUNTED, Decimal('-5.00'),
                    REASON, closed_by, 'posted')])
        self.assertEqual(self.read(stall_totals, ids['stall']), (
                Decimal('850.00'), Decimal('2550.00'), Decimal('3400.00'),
                Decimal('-5.00')))
        # Each sale is posted once, with one account move and one stock
        # move.
        self.assertEqual(
            self.read(posted_sales, ids['sales']), [('posted', 1, 1)] * 3)
        self.assertEqual(self.read(cash_movements, ids['stall']), [
                ("Opening Float", FLOAT, 'posted'),
                ("Cash Difference", Decimal('-5.00'), 'posted'),
                ])
        self.assertEqual(self.read(sessions, ids['stall']), ['posted'])
        # The stall received 12 of the 20 sarees, sold 2 + 3 and took 1
        # back, so 8 remain there and 8 in the store.
        self.assertEqual(
            self.read(stall_stock, ids['product'], ids['stall']), 8.0)
        self.assertEqual(
            self.read(store_stock, ids['product'], ids['enterprise']), 8.0)

    def test_close_day_locks_stall(self):
        "Test closing a day locks the stall before anything else"
        ids = self.commit(setup_stall, "Alpha")
        extras = self.lock_extras(
            close_day, ids['officer'], ids['stall'], COUNTED, REASON)
        self.assertEqual(extras, {
                '_lock_records': {'shakti_market_stall': [ids['stall']]},
                })

    def test_concurrent_close_day(self):
        "Test a day closed by two users at once closes once"
        ids = self.commit(setup_stall, "Beta")
        extras = self.all_lock_extras(
            close_day, ids['officer'], ids['stall'], COUNTED, REASON)

        error = self.interleave(extras,
            (close_day, ids['officer'], ids['stall'], COUNTED, REASON),
            (close_day, ids['lead_officer'], ids['stall'], COUNTED,
                REASON))

        self.assertDayClosedError(error, "Beta")
        self.assertDayClosedOnce(ids, ids['officer'])

    def test_stale_close_day(self):
        "Test a day closed while another user's closing runs closes once"
        ids = self.commit(setup_stall, "Gamma")

        before, error = self.stale(
            (stall_days, ids['stall']),
            (close_day, ids['officer'], ids['stall'], COUNTED, REASON),
            (close_day, ids['lead_officer'], ids['stall'], COUNTED,
                REASON))

        self.assertEqual(before, [])
        self.assertDayClosedError(error, "Gamma")
        self.assertDayClosedOnce(ids, ids['officer'])

    def test_held_close_day(self):
        "Test a day is not closed again while its closing holds the stall"
        ids = self.commit(setup_stall, "Delta")
        extras = self.all_lock_extras(
            close_day, ids['officer'], ids['stall'], COUNTED, REASON)

        error = self.hold(extras,
            (close_day, ids['officer'], ids['stall'], COUNTED, REASON),
            (close_day, ids['lead_officer'], ids['stall'], COUNTED, REASON))

        # The second request gives up while the stall is locked, or finds
        # the day closed once it is free.
        if not isinstance(error, backend.DatabaseOperationalError):
            self.assertDayClosedError(error, "Delta")
        self.assertDayClosedOnce(ids, ids['officer'])

    def test_racing_close_day(self):
        "Test two users closing a day together: exactly one closes it"
        ids = self.commit(setup_stall, "Epsilon")
        users = [ids['officer'], ids['lead_officer']]

        outcomes = self.race(
            *[(close_day, u, ids['stall'], COUNTED, REASON) for u in users])

        closed_by = [u for u, o in zip(users, outcomes) if o is None]
        self.assertEqual(len(closed_by), 1, outcomes)
        error, = [o for o in outcomes if o is not None]
        if not isinstance(error, backend.DatabaseOperationalError):
            self.assertDayClosedError(error, "Epsilon")
        self.assertDayClosedOnce(ids, closed_by[0])

    def assertNothingToReturnError(self, error, name):
        "Assert error says the stall of name has nothing to return"
        self.assertIsInstance(error, StallError)
        self.assertEqual(error.message,
            'The stall "%s Stall, %s" has no unsold goods left to return.'
            % (name, self.read(today)))

    def assertReturnedOnce(self, ids):
        "Assert the 8 sarees left at the stall go back to the store once"
        store = self.read(store_location, ids['enterprise'])
        product = ids['product']
        self.assertEqual(self.read(returns, ids['stall']), (
                [('assigned', store, [(product, 8.0, 'assigned')])], {}))
        self.commit(receive_returns, ids['stall'])
        self.assertEqual(self.read(returns, ids['stall']), (
                [('done', store, [(product, 8.0, 'done')])], {}))
        self.assertEqual(self.read(stall_stock, product, ids['stall']), 0.0)
        self.assertEqual(
            self.read(store_stock, product, ids['enterprise']), 16.0)

    def test_return_unsold_locks_stall(self):
        "Test returning the unsold goods locks the stall before anything else"
        ids = self.commit(setup_closed_day, "Zeta")
        extras = self.lock_extras(
            return_unsold, ids['officer'], ids['stall'])
        self.assertEqual(extras, {
                '_lock_records': {'shakti_market_stall': [ids['stall']]},
                })

    def test_concurrent_return_unsold(self):
        "Test goods returned by two users at once go back once"
        ids = self.commit(setup_closed_day, "Eta")
        extras = self.all_lock_extras(
            return_unsold, ids['officer'], ids['stall'])

        error = self.interleave(extras,
            (return_unsold, ids['officer'], ids['stall']),
            (return_unsold, ids['lead_officer'], ids['stall']))

        self.assertNothingToReturnError(error, "Eta")
        self.assertReturnedOnce(ids)

    def test_stale_return_unsold(self):
        "Test goods returned while another user's return runs go back once"
        ids = self.commit(setup_closed_day, "Theta")

        before, error = self.stale(
            (returns, ids['stall']),
            (return_unsold, ids['officer'], ids['stall']),
            (return_unsold, ids['lead_officer'], ids['stall']))

        self.assertEqual(before, ([], {ids['product']: 8.0}))
        self.assertNothingToReturnError(error, "Theta")
        self.assertReturnedOnce(ids)

    def test_held_return_unsold(self):
        "Test goods are not returned again while their return holds the stall"
        ids = self.commit(setup_closed_day, "Iota")
        extras = self.all_lock_extras(
            return_unsold, ids['officer'], ids['stall'])

        error = self.hold(extras,
            (return_unsold, ids['officer'], ids['stall']),
            (return_unsold, ids['lead_officer'], ids['stall']))

        if not isinstance(error, backend.DatabaseOperationalError):
            self.assertNothingToReturnError(error, "Iota")
        self.assertReturnedOnce(ids)

    def test_racing_return_unsold(self):
        "Test two users returning the goods together: one set of returns"
        ids = self.commit(setup_closed_day, "Kappa")

        outcomes = self.race(
            (return_unsold, ids['officer'], ids['stall']),
            (return_unsold, ids['admin'], ids['stall']))

        self.assertEqual(outcomes.count(None), 1, outcomes)
        error, = [o for o in outcomes if o is not None]
        if not isinstance(error, backend.DatabaseOperationalError):
            self.assertNothingToReturnError(error, "Kappa")
        self.assertReturnedOnce(ids)

    def assertReceiptDoneError(self, error, name):
        "Assert error says the receipt of name is done already"
        self.assertIsInstance(error, AccessButtonError)
        self.assertEqual(error.message,
            'You can not call "do" on "%s Prints, %s" of "Production '
            'Receipt".' % (name, self.read(today)))

    def assertReceivedOnce(self, ids):
        "Assert the 20 sarees of the receipt are in one store once"
        self.assertEqual(self.read(receipt_goods, ids['receipt']), (
                'done', 1, [(ids['product'], 20.0, 'done')]))
        self.assertEqual(
            self.read(store_stock, ids['product'], ids['enterprise']), 20.0)

    def test_receipt_locks_receipt(self):
        "Test a receipt done locks the receipt before anything else"
        ids = self.commit(setup_goods, "Lambda")
        extras = self.lock_extras(
            do_receipt, ids['officer'], ids['receipt'])
        self.assertEqual(extras, {
                '_lock_records': {'shakti_market_receipt': [ids['receipt']]},
                })

    def test_concurrent_receipt(self):
        "Test a receipt done by two users at once stores its goods once"
        ids = self.commit(setup_goods, "Mu")
        extras = self.all_lock_extras(
            do_receipt, ids['officer'], ids['receipt'])

        error = self.interleave(extras,
            (do_receipt, ids['officer'], ids['receipt']),
            (do_receipt, ids['lead_officer'], ids['receipt']))

        self.assertReceiptDoneError(error, "Mu")
        self.assertReceivedOnce(ids)

    def test_stale_receipt(self):
        "Test a receipt done while another user's doing runs stores once"
        ids = self.commit(setup_goods, "Nu")

        before, error = self.stale(
            (receipt_goods, ids['receipt']),
            (do_receipt, ids['officer'], ids['receipt']),
            (do_receipt, ids['lead_officer'], ids['receipt']))

        self.assertEqual(before, ('draft', 0, []))
        self.assertReceiptDoneError(error, "Nu")
        self.assertReceivedOnce(ids)

    def test_held_receipt(self):
        "Test a receipt is not done again while its doing holds it"
        ids = self.commit(setup_goods, "Xi")
        extras = self.all_lock_extras(
            do_receipt, ids['officer'], ids['receipt'])

        error = self.hold(extras,
            (do_receipt, ids['officer'], ids['receipt']),
            (do_receipt, ids['lead_officer'], ids['receipt']))

        if not isinstance(error, backend.DatabaseOperationalError):
            self.assertReceiptDoneError(error, "Xi")
        self.assertReceivedOnce(ids)

    def test_racing_receipt(self):
        "Test a receipt done by two users together stores its goods once"
        ids = self.commit(setup_goods, "Omicron")

        outcomes = self.race(
            (do_receipt, ids['officer'], ids['receipt']),
            (do_receipt, ids['lead_officer'], ids['receipt']))

        self.assertEqual(outcomes.count(None), 1, outcomes)
        error, = [o for o in outcomes if o is not None]
        if not isinstance(error, backend.DatabaseOperationalError):
            self.assertReceiptDoneError(error, "Omicron")
        self.assertReceivedOnce(ids)
