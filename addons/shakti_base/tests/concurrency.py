# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Run committed transactions side by side, for the tests of row locks."""
from trytond.tests.test_tryton import DB_NAME, activate_module, drop_db
from trytond.transaction import Transaction, TransactionError

__all__ = ['ConcurrencyTestMixin']


class ConcurrencyTestMixin:
    """Activate ``module`` in a database of the test class and run
    functions in transactions of their own, as the server does"""
    module = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        drop_db()
        activate_module(cls.module)

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        drop_db()

    def commit(self, func, *args):
        "Run func in a committed transaction, restarted with the locks needed"
        extras = {}
        while True:
            with Transaction(new=True).start(
                    DB_NAME, 0, **extras) as transaction:
                try:
                    result = func(*args)
                except TransactionError as error:
                    transaction.rollback()
                    error.fix(extras)
                    continue
                transaction.commit()
                return result

    def lock_extras(self, func, *args):
        "Return the locks that func needs, as Tryton's retry finds them"
        extras = {}
        with Transaction(new=True).start(DB_NAME, 0) as transaction:
            try:
                func(*args)
            except TransactionError as error:
                error.fix(extras)
            transaction.rollback()
        return extras
