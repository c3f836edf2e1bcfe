# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Time the stall report of a fair as its stalls and sales grow.

Run with the project's environment, on an in-memory SQLite database:

    .venv/bin/python -m benchmarks.stall_report

For each size it creates two fairs of one CBO: one with that many stalls,
each with two sales, and one with a single stall with that many sales.
Every stall has another cost, a transfer of two products that passed its
quality inspection and a closed day. It then prints the seconds and the
number of SQL statements of the stall totals and of the stall report as
XLSX."""
import datetime as dt
import os
import sys
from decimal import Decimal

os.environ.setdefault('TRYTOND_DATABASE__URI', 'sqlite://')
os.environ.setdefault('DB_NAME', ':memory:')

from trytond.pool import Pool  # noqa: E402
from trytond.tests.test_tryton import DB_NAME, activate_module  # noqa: E402
from trytond.transaction import Transaction  # noqa: E402

from benchmarks.case_lists import measure  # noqa: E402

SIZES = [10, 100]
PRICES = [
    # (name, gross price, cost price)
    ("Benchmark Saree", Decimal('850.00'), Decimal('520.00')),
    ("Benchmark Pickle", Decimal('120.00'), Decimal('64.45')),
    ]


def create_products(size, today):
    """Create a CBO with an enterprise making two products of one product
    group, and receive them into the enterprise's store"""
    pool = Pool()
    Company = pool.get('company.company')
    Party = pool.get('party.party')
    Currency = pool.get('currency.currency')
    Place = pool.get('shakti.place')
    Group = pool.get('shakti.shg')
    Enterprise = pool.get('shakti.shg.enterprise')
    ProductGroup = pool.get('shakti.market.product_group')
    Template = pool.get('product.template')
    Product = pool.get('product.product')
    Uom = pool.get('product.uom')
    Receipt = pool.get('shakti.market.receipt')

    inr, = Currency.search([('code', '=', 'INR')])
    party = Party(name="Benchmark CBO %s" % size)
    party.save()
    company = Company(
        party=party, currency=inr, organisation_type='cbo',
        timezone='Asia/Kolkata')
    company.save()
    block, = Place.search([('code', '=', 'WB-N24P-BASIRHAT-I')])
    group, = Group.create([{
                'company': company.id,
                'name': "Benchmark Group %s" % size,
                'block': block.id,
                'formation_date': today - dt.timedelta(days=700),
                'meeting_monthday': 10,
                }])
    enterprise, = Enterprise.create([{
                'name': "Benchmark Enterprise %s" % size,
                'shg': group.id,
                'activity': 'textile_printing',
                'start_date': today - dt.timedelta(days=300),
                }])
    product_group, = ProductGroup.create([{
                'name': "Benchmark Textiles %s" % size,
                'kind': 'textiles',
                'coordinating_organisation': company.id,
                }])
    unit, = Uom.search([('name', '=', "Unit")])
    # The prices are values of the organisation in the context.
    with Transaction().set_context(company=company.id):
        templates = Template.create([{
                    'name': name,
                    'enterprise': enterprise.id,
                    'product_group': product_group.id,
                    'default_uom': unit.id,
                    'sale_uom': unit.id,
                    'gross_price': price,
                    'products': [('create', [{}])],
                    } for name, price, _ in PRICES])
        products = [t.products[0] for t in templates]
        for product, (_, _, cost) in zip(products, PRICES):
            Product.write([product], {'cost_price': cost})
    receipt, = Receipt.create([{
                'enterprise': enterprise.id,
                'date': today,
                'lines': [('create', [{
                                'product': p.id,
                                'quantity': 100 * size,
                                'unit_cost': cost,
                                } for p, (_, _, cost) in zip(
                                products, PRICES)])],
                }])
    Receipt.do([receipt])
    return company, products, Receipt(receipt.id).warehouse


def create_fair(company, products, store, stall_count, sale_count, today):
    """Create a fair of company with stall_count open stalls, each with
    sale_count sales, a transfer that passed its inspection and a closed
    day"""
    pool = Pool()
    Place = pool.get('shakti.place')
    Fair = pool.get('shakti.market.fair')
    Stall = pool.get('shakti.market.stall')

    block, = Place.search([('code', '=', 'WB-N24P-BASIRHAT-I')])
    fair, = Fair.create([{
                'company': company.id,
                'name': "Benchmark Fair %s-%s" % (stall_count, sale_count),
                'level': 'block',
                'organiser': "Block Development Office",
                'place': block.id,
                'start_date': today,
                'end_date': today + dt.timedelta(days=2),
                'stall_fee': Decimal('800.00'),
                }])
    stalls = Stall.create([{
                'fair': fair.id,
                'name': "Benchmark Stall %s" % i,
                'fee': Decimal('800.00'),
                'opening_float': Decimal('500.00'),
                'costs': [('create', [{
                                'kind': 'transport',
                                'amount': Decimal('350.00'),
                                }])],
                } for i in range(stall_count)])
    with Transaction().set_context(company=company.id):
        Stall.open(stalls)
        stalls = Stall.browse(stalls)
        send_goods(company, products, store, stalls, sale_count)
        sell(products, stalls, sale_count)
        for stall in Stall.browse(stalls):
            session = stall.current_session()
            stall.close_cash_day(
                session.start_amount + session.balance - Decimal('5.00'),
                "Benchmark difference")
    return fair, stalls


def send_goods(company, products, store, stalls, sale_count):
    "Transfer enough goods to each stall, through a passed inspection"
    pool = Pool()
    Shipment = pool.get('stock.shipment.internal')
    Control = pool.get('quality.control')
    Inspection = pool.get('quality.inspection')

    shipments = Shipment.create([{
                'company': company.id,
                'from_location': store.storage_location.id,
                'to_location': stall.warehouse.storage_location.id,
                'moves': [('create', [{
                                'product': p.id,
                                'quantity': 2 * sale_count,
                                'unit': p.default_uom.id,
                                'from_location': store.storage_location.id,
                                'to_location': (
                                    stall.warehouse.storage_location.id),
                                'company': company.id,
                                } for p in products])],
                } for stall in stalls])
    Shipment.wait(shipments)
    Shipment.assign_try(shipments)
    Shipment.pack(shipments)
    inspections = Control.get_inspections(shipments, 'ship')
    for inspection in inspections:
        inspection.points = {
            p.name: True for p in inspection.control.points}
    Inspection.save(inspections)
    Inspection.process(inspections)
    Shipment.ship(shipments)
    Shipment.do(shipments)


def sell(products, stalls, sale_count):
    """Sell at each stall sale_count sales, paid in cash and by UPI in
    turn"""
    pool = Pool()
    Method = pool.get('sale.point.payment.method')
    Sale = pool.get('sale.point.sale')

    company = stalls[0].company
    methods = [
        Method.search([('company', '=', company.id), ('cash', '=', c)])[0]
        for c in [True, False]]
    values = []
    for stall in stalls:
        for i in range(sale_count):
            product = products[i % len(products)]
            price = PRICES[i % len(PRICES)][1]
            values.append({
                    'company': company.id,
                    'point': stall.point.id,
                    'lines': [('create', [{
                                    'product': product.id,
                                    'quantity': 2,
                                    'unit_list_price': price,
                                    'unit_gross_price': price,
                                    }])],
                    'payments': [('create', [{
                                    'method': methods[i % 2].id,
                                    'amount': 2 * price,
                                    }])],
                    })
    sales = Sale.create(values)
    Sale.process(sales)


def main():
    activate_module(['shakti_market'])
    print("| %-28s | %7s | %8s | %10s |" % (
            "operation", "records", "seconds", "statements"))
    print("|%s|%s|%s|%s|" % ('-' * 30, '-' * 9, '-' * 10, '-' * 12))
    # On SQLite, the sequences, the first accounting configuration, the
    # cash sessions, the stock moves and the journal periods lock their
    # table, which the transaction must declare.
    with Transaction().start(
            DB_NAME, 0, _lock_tables=[
                'ir_sequence_strict', 'account_configuration',
                'sale_point_cash_session', 'stock_move',
                'account_journal_period',
                ]) as transaction:
        pool = Pool()
        Date = pool.get('ir.date')
        Stall = pool.get('shakti.market.stall')
        Spreadsheet = pool.get(
            'shakti.market.stall_report.xlsx', type='report')

        today = Date.today()
        for size in SIZES:
            company, products, store = create_products(size, today)
            fairs = [
                ("stalls", create_fair(
                        company, products, store, size, 2, today)),
                ("one stall", create_fair(
                        company, products, store, 1, size, today)),
                ]
            with transaction.set_context(company=company.id):
                for label, (fair, stalls) in fairs:
                    stall_ids = [s.id for s in stalls]
                    measure("stall totals, %s" % label, size,
                        lambda: Stall.read(
                            stall_ids,
                            ['name', 'state', 'cash_sales', 'upi_sales',
                                'total_sales', 'total_costs',
                                'cash_difference']))
                    measure("stall report, %s" % label, size,
                        lambda: Spreadsheet.execute([fair.id], {
                                'model': 'shakti.market.fair',
                                'id': fair.id,
                                'ids': [fair.id],
                                }))
            transaction.rollback()
    return 0


if __name__ == '__main__':
    sys.exit(main())
