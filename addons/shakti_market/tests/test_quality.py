# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from decimal import Decimal

from trytond.model.exceptions import AccessError
from trytond.modules.quality.exceptions import InspectionError
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from .tools import FLOAT, MarketTestCase, as_user, open_stall, setup_goods


def packed_transfer(user_id, ids):
    """Create as the user a transfer of 5 sarees from the store to a new
    stall, packed, with its inspection pending; return both"""
    pool = Pool()
    Company = pool.get('company.company')
    Control = pool.get('quality.control')
    Enterprise = pool.get('shakti.shg.enterprise')
    Inspection = pool.get('quality.inspection')
    Location = pool.get('stock.location')
    Move = pool.get('stock.move')
    Place = pool.get('shakti.place')
    Product = pool.get('product.product')
    Receipt = pool.get('shakti.market.receipt')
    Shipment = pool.get('stock.shipment.internal')

    Receipt.do([Receipt(ids['receipt'])])
    enterprise = Enterprise(ids['enterprise'])
    stall = open_stall(
        Company(ids['company']), Place(ids['block']), enterprise,
        "Quality Stall", Decimal('800.00'), FLOAT)
    product = Product(ids['product'])
    source = Location.market_store(enterprise).storage_location
    target = stall.warehouse.storage_location
    with as_user(user_id), \
            Transaction().set_context(company=stall.company.id):
        shipment = Shipment(
            company=stall.company, from_location=source, to_location=target,
            moves=[Move(
                    product=product, unit=product.default_uom, quantity=5,
                    company=stall.company, from_location=source,
                    to_location=target)])
        shipment.save()
        Shipment.wait([shipment])
        Shipment.assign_try([shipment])
        Shipment.pack([shipment])
        inspection, = Control.get_inspections([shipment], 'ship')
        inspection.save()
    return Shipment(shipment.id), Inspection(inspection.id)


def check(user_id, inspection, **failing):
    """Record as the user the inspection's points, all met but those given
    as failing, and process it"""
    pool = Pool()
    Inspection = pool.get('quality.inspection')
    with as_user(user_id):
        inspection = Inspection(inspection.id)
        points = {p.name: True for p in inspection.control.points}
        points.update({name: False for name in failing})
        if inspection.state != 'pending':
            Inspection.pending([inspection])
        inspection.points = points
        inspection.save()
        Inspection.process([inspection])
    return Inspection(inspection.id)


class InspectionAlertTestCase(MarketTestCase):
    "Test the alerts of failed inspections of transfers to a stall"

    def assertAlerts(self, inspection, states):
        "Assert the states of the inspection's alerts"
        self.assertEqual([a.state for a in inspection.alerts], states)

    @with_transaction(user=0)
    def test_pass_resolves_alert(self):
        """Test the CBO's officer fails an inspection, which opens an
        alert, and passes it, which resolves the alert"""
        ids = setup_goods("Alpha")
        shipment, inspection = packed_transfer(ids['officer'], ids)
        inspection = check(ids['officer'], inspection, packaging=False)
        self.assertEqual(inspection.state, 'failed')
        self.assertAlerts(inspection, ['open'])

        inspection = check(ids['officer'], inspection)
        self.assertEqual(inspection.state, 'passed')
        self.assertAlerts(inspection, ['resolved'])

    @with_transaction(user=0)
    def test_fail_again_reopens_alert(self):
        """Test the lead's officer failing a passed inspection opens its
        alert again, which blocks the transfer"""
        pool = Pool()
        Shipment = pool.get('stock.shipment.internal')
        ids = setup_goods("Beta")
        shipment, inspection = packed_transfer(ids['lead_officer'], ids)
        check(ids['lead_officer'], inspection, labelling=False)
        inspection = check(ids['lead_officer'], inspection)
        self.assertAlerts(inspection, ['resolved'])

        inspection = check(ids['lead_officer'], inspection, weight=False)
        self.assertEqual(inspection.state, 'failed')
        self.assertAlerts(inspection, ['open'])
        with as_user(ids['lead_officer']), \
                self.assertRaises(InspectionError):
            Shipment.ship([shipment])
        self.assertEqual(Shipment(shipment.id).state, 'packed')

    @with_transaction(user=0)
    def test_state_by_buttons_only(self):
        """Test no officer passes a failed inspection by writing its
        state"""
        pool = Pool()
        Inspection = pool.get('quality.inspection')
        ids = setup_goods("Alpha")
        shipment, inspection = packed_transfer(ids['officer'], ids)
        inspection = check(ids['officer'], inspection, finish=False)
        for user in [ids['officer'], ids['lead_officer']]:
            with self.subTest(user=user):
                with as_user(user), self.assertRaises(AccessError) as cm:
                    Inspection.write([Inspection(inspection.id)], {
                            'state': 'passed',
                            })
                self.assertEqual(cm.exception.message, (
                        'The field "State" of "%s" is read-only here and '
                        'cannot be set to "passed".' % inspection.rec_name))
        self.assertEqual(Inspection(inspection.id).state, 'failed')
