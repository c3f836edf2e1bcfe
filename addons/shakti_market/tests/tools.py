# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Organisations, goods and stalls for the market tests, made with the
server's models.

The set-up functions return the ids of what they create, so that a test
may use them in transactions of its own."""
import datetime as dt
import unittest
from contextlib import contextmanager
from decimal import Decimal

from trytond.modules.company.tests import create_company
from trytond.modules.shakti_case.tests.test_module import create_organisation
from trytond.modules.shakti_shg.tests.test_module import create_group
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, drop_db
from trytond.transaction import Transaction

BLOCK = 'WB-N24P-BASIRHAT-I'
PRICE = Decimal('850.0000')
COST = Decimal('520.0000')
FLOAT = Decimal('500.00')
# The cash expected is the change of 500.00, plus 1,700.00 for two sarees
# sold, less 850.00 for one taken back. The count finds five rupees missing.
EXPECTED = Decimal('1350.00')
COUNTED = Decimal('1345.00')
REASON = "Change given twice"


class MarketTestCase(unittest.TestCase):
    "A test case on a new database with the market module activated"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        drop_db()
        activate_module('shakti_market')

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        drop_db()


def create_cbo(name, block_code):
    """Create a lead NGO and, under it, the CBO name working in the block
    of that code, each with a livelihood officer, and an administrator of
    the CBO.

    Return the CBO, the block, the officer of the CBO, the officer of the
    lead and the administrator."""
    company, block, _, _ = create_organisation(name, block_code)
    lead = create_company("Lead of %s" % name, currency=company.currency)
    lead.organisation_type = 'lead'
    lead.timezone = company.timezone
    lead.save()
    company.parent = lead
    company.save()
    officer = create_user(
        'livelihood-%s' % company.id, company, 'group_livelihood_officer')
    lead_officer = create_user(
        'livelihood-%s' % lead.id, lead, 'group_livelihood_officer')
    admin = create_user('admin-%s' % company.id, company, 'group_admin')
    return company, block, officer, lead_officer, admin


def create_user(login, company, *groups):
    "Create a user of company in the shakti_base groups"
    pool = Pool()
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')

    user, = User.create([{
                'login': login,
                'name': login.title(),
                'companies': [('add', [company.id])],
                'company': company.id,
                'groups': [('add', [
                                ModelData.get_id('shakti_base', g)
                                for g in groups])],
                }])
    return user


@contextmanager
def as_user(user_id):
    """Act as the user in the user's organisation, with access checks and
    messages in English"""
    pool = Pool()
    User = pool.get('res.user')

    user = User(user_id)
    with Transaction().set_user(user.id), \
            Transaction().set_context(
                company=user.company.id, language='en',
                _check_access=True):
        yield


def create_enterprise(company, block, name):
    "Create a running enterprise of a new group of company"
    pool = Pool()
    Enterprise = pool.get('shakti.shg.enterprise')

    group = create_group(company, block)
    enterprise, = Enterprise.create([{
                'shg': group.id,
                'name': name,
                'activity': 'textile_printing',
                'start_date': dt.date(2025, 1, 6),
                'capital': Decimal('18000.00'),
                'members': [('add', [m.id for m in group.members])],
                }])
    Enterprise.run([enterprise])
    return enterprise


def create_product(
        enterprise, product_group, name, price=Decimal('850.0000'),
        cost=Decimal('520.0000')):
    "Create the enterprise's product in the group, counted in units"
    pool = Pool()
    Template = pool.get('product.template')
    Product = pool.get('product.product')
    Uom = pool.get('product.uom')
    ModelData = pool.get('ir.model.data')

    unit = Uom(ModelData.get_id('product', 'uom_unit'))
    with Transaction().set_context(company=enterprise.company.id):
        template = Template(
            name=name, enterprise=enterprise, product_group=product_group,
            default_uom=unit, gross_price=price, products=[Product()])
        template.save()
        product, = template.products
        product.cost_price = cost
        product.save()
    return product


def create_receipt(enterprise, product, quantity, unit_cost, date=None):
    "Create a draft receipt of quantity of the product"
    pool = Pool()
    Receipt = pool.get('shakti.market.receipt')
    Date = pool.get('ir.date')

    receipt, = Receipt.create([{
                'enterprise': enterprise.id,
                'date': date or Date.today(),
                'lines': [('create', [{
                                'product': product.id,
                                'quantity': quantity,
                                'unit_cost': unit_cost,
                                }])],
                }])
    return receipt


def open_stall(company, block, enterprise, name, fee, opening_float):
    "Create a fair of three days from today and open the company's stall"
    pool = Pool()
    Fair = pool.get('shakti.market.fair')
    Stall = pool.get('shakti.market.stall')
    Date = pool.get('ir.date')

    today = Date.today()
    with Transaction().set_context(company=company.id):
        fair, = Fair.create([{
                    'company': company.id,
                    'name': name,
                    'level': 'block',
                    'organiser': "Block Development Office",
                    'place': block.id,
                    'start_date': today,
                    'end_date': today + dt.timedelta(days=2),
                    'stall_fee': fee,
                    }])
        stall, = Stall.create([{
                    'fair': fair.id,
                    'name': name,
                    'fee': fee,
                    'opening_float': opening_float,
                    'enterprises': [('add', [enterprise.id])],
                    }])
        Stall.open([stall])
    return stall


def send_goods(stall, product, quantity):
    """Send quantity of the product from its enterprise's store to the
    stall through a passed quality inspection, and return the transfer"""
    pool = Pool()
    Control = pool.get('quality.control')
    Inspection = pool.get('quality.inspection')
    Location = pool.get('stock.location')
    Move = pool.get('stock.move')
    Shipment = pool.get('stock.shipment.internal')

    store = Location.market_store(product.template.enterprise)
    source = store.storage_location
    storage = stall.warehouse.storage_location
    with Transaction().set_context(company=stall.company.id):
        shipment = Shipment(
            company=stall.company,
            from_location=source, to_location=storage,
            planned_date=stall.fair.start_date,
            planned_start_date=stall.fair.start_date,
            moves=[Move(
                    product=product, unit=product.default_uom,
                    quantity=quantity, company=stall.company,
                    from_location=source, to_location=storage)])
        shipment.save()
        Shipment.wait([shipment])
        Shipment.assign_try([shipment])
        Shipment.pack([shipment])
        inspections = Control.get_inspections([shipment], 'ship')
        Inspection.save(inspections)
        for inspection in inspections:
            inspection.points = {
                p.name: True for p in inspection.control.points}
            inspection.save()
        Inspection.process(inspections)
        Shipment.ship([shipment])
        Shipment.do([shipment])
    return shipment


def sell(stall, product, quantity, method_name):
    """Sell quantity of the product at the stall, paid in full by the
    method of that name, and return the sale, done"""
    pool = Pool()
    Sale = pool.get('sale.point.sale')
    Line = pool.get('sale.point.sale.line')
    Payment = pool.get('sale.point.payment')
    Method = pool.get('sale.point.payment.method')
    Product = pool.get('product.product')
    Date = pool.get('ir.date')

    method, = Method.search([
            ('company', '=', stall.company.id),
            ('name', '=', method_name),
            ])
    with Transaction().set_context(company=stall.company.id):
        # The price of a product depends on the company of the context.
        product = Product(product.id)
        sale = Sale(
            point=stall.point, company=stall.company, date=Date.today())
        sale.save()
        line = Line(sale=sale, product=product, quantity=quantity)
        line.on_change_product()
        line.save()
        sale = Sale(sale.id)
        Payment(sale=sale, method=method, amount=sale.amount_to_pay).save()
        Sale.process([Sale(sale.id)])
    return Sale(sale.id)


def on_hand(product, location):
    "Return the quantity of the product done at the location"
    pool = Pool()
    Product = pool.get('product.product')

    with Transaction().set_context(
            locations=[location.id], with_childs=True):
        return Product(product.id).quantity


def setup_goods(name):
    """Create the CBO name under a lead NGO, its enterprise, a product
    group coordinated by the lead, a saree of the enterprise and a draft
    receipt of 20 sarees.

    Return their ids."""
    pool = Pool()
    ProductGroup = pool.get('shakti.market.product_group')

    company, block, officer, lead_officer, admin = create_cbo(name, BLOCK)
    enterprise = create_enterprise(company, block, "%s Prints" % name)
    group, = ProductGroup.create([{
                'name': "%s Textiles" % name,
                'kind': 'textiles',
                'coordinating_organisation': company.parent.id,
                }])
    product = create_product(
        enterprise, group, "Block-printed Saree", PRICE, COST)
    receipt = create_receipt(enterprise, product, 20, COST)
    return {
        'company': company.id,
        'block': block.id,
        'officer': officer.id,
        'lead_officer': lead_officer.id,
        'admin': admin.id,
        'enterprise': enterprise.id,
        'product': product.id,
        'receipt': receipt.id,
        }


def setup_stall(name):
    """Set up the goods and put the 20 sarees in the store. Send 12 to an
    open stall with 500.00 of change, sell two there for cash and three by
    UPI, and take one back in cash."""
    pool = Pool()
    Company = pool.get('company.company')
    Enterprise = pool.get('shakti.shg.enterprise')
    Place = pool.get('shakti.place')
    Product = pool.get('product.product')
    Receipt = pool.get('shakti.market.receipt')

    ids = setup_goods(name)
    Receipt.do([Receipt(ids['receipt'])])
    stall = open_stall(
        Company(ids['company']), Place(ids['block']),
        Enterprise(ids['enterprise']), "%s Stall" % name,
        Decimal('1500.00'), FLOAT)
    product = Product(ids['product'])
    send_goods(stall, product, 12)
    ids['sales'] = [sell(stall, product, quantity, method).id
        for quantity, method in [(2, "Cash"), (3, "UPI"), (-1, "Cash")]]
    ids['stall'] = stall.id
    return ids


def setup_closed_day(name):
    "Set up the stall and close its day as its livelihood officer"
    ids = setup_stall(name)
    close_day(ids['officer'], ids['stall'], COUNTED, REASON)
    return ids


def close_day(user_id, stall_id, counted, reason):
    "Close the day of the stall as the user with the cash counted"
    pool = Pool()
    Stall = pool.get('shakti.market.stall')
    with as_user(user_id):
        Stall(stall_id).close_cash_day(counted, reason)


def return_unsold(user_id, stall_id):
    "Return the unsold goods of the stall as the user"
    pool = Pool()
    Stall = pool.get('shakti.market.stall')
    with as_user(user_id):
        Stall.return_unsold([Stall(stall_id)])


def returns(stall_id):
    """Return the state, destination and moves of the transfers out of the
    stall, and the goods left to return"""
    pool = Pool()
    Shipment = pool.get('stock.shipment.internal')
    Stall = pool.get('shakti.market.stall')
    stall = Stall(stall_id)
    shipments = Shipment.search([
            ('from_location', '=', stall.warehouse.storage_location.id),
            ], order=[('id', 'ASC')])
    available = Stall.get_stock([stall], available=True)[stall.id]
    transfers = [
        (s.state, s.to_location.id,
            [(m.product.id, m.quantity, m.state) for m in s.outgoing_moves])
        for s in shipments]
    return transfers, {p.id: q for p, q in available.items()}


def store_location(enterprise_id):
    "Return the id of the storage place of the enterprise's store"
    pool = Pool()
    Location = pool.get('stock.location')
    store, = Location.search([
            ('enterprise', '=', enterprise_id),
            ('type', '=', 'warehouse'),
            ])
    return store.storage_location.id
