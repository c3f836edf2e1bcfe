# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import unittest
from decimal import Decimal

from trytond.pool import Pool
from trytond.tests.test_tryton import (
    activate_module, drop_db, with_transaction)

from .tools import (
    FLOAT, create_enterprise, open_stall, return_unsold, returns,
    setup_closed_day, setup_goods, store_location)


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


class StallPlaceTestCase(unittest.TestCase):
    "Test the places of stores and stalls are named after them"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        drop_db()
        activate_module('shakti_market')

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        drop_db()

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
