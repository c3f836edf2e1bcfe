# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import unittest

from trytond.tests.test_tryton import (
    activate_module, drop_db, with_transaction)

from .tools import return_unsold, returns, setup_closed_day, store_location


class StallReturnTestCase(unittest.TestCase):
    "Test the return of a stall's unsold goods by the users who may do it"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        drop_db()
        activate_module('shakti_market')

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        drop_db()

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
