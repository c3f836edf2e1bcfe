# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Invented product groups, products, stores, fairs and stall sales.

The groups' enterprises make products that go to their stores; stalls at
a block fair and a district fair sell them after a quality inspection, one
of which fails first. A closed day shows a cash difference with its reason,
and one stall has returned its unsold goods and closed."""
import datetime as dt
from decimal import Decimal

from trytond.pool import Pool
from trytond.transaction import Transaction

from .livelihood import TRADES

# (name, kind, coordinating organisation)
GROUPS = [
    ("Block-printed Textiles", 'textiles', "Nirbhoy Mahila Jote"),
    ("Terracotta Jewellery", 'jewellery', "Nirbhoy Mahila Jote"),
    ("Ready-made Garments", 'garments', "Uttaran Trust"),
    ("Pickles and Snacks", 'food', "Uttaran Trust"),
    ]
# The product group of each organisation's trade.
TRADE_GROUPS = {
    "Basirhat-I Mukti Sangha": "Block-printed Textiles",
    "Hasnabad Mukti Sangha": "Terracotta Jewellery",
    "Canning Sakhi Samiti": "Ready-made Garments",
    "Krishna Vanitha Vedika": "Pickles and Snacks",
    }
# (organisation, fair, level, organiser, place code, days before today
# it started, length in days, stall fee, opening float, whether the stall
# is over and closed). The open fair's first day, yesterday, is closed,
# and the closed fair's days are its first and second.
FAIRS = [
    ("Basirhat-I Mukti Sangha", "Basirhat Block Haat Mela", 'block',
        "Block Development Office, Basirhat-I", 'WB-N24P-BASIRHAT-I',
        1, 3, Decimal('1200.00'), Decimal('500.00'), False),
    ("Canning Sakhi Samiti", "South 24 Parganas District Craft Fair",
        'district', "District Industries Centre, South 24 Parganas",
        'WB-S24P-CANNING-I', 12, 5, Decimal('3500.00'),
        Decimal('1000.00'), True),
    ]


def load(builder):
    "Create the demo product groups, products, stores, fairs and stalls"
    groups = create_groups(builder)
    products = {}
    for organisation, group_name in TRADE_GROUPS.items():
        products[organisation] = create_products(
            builder, organisation, groups[group_name])
    create_fair(builder, *FAIRS[0], products=products)
    create_fair(builder, *FAIRS[1], products=products)
    create_fair_planned(builder, "Krishna Vanitha Vedika", products)


def create_groups(builder):
    pool = Pool()
    ProductGroup = pool.get('shakti.market.product_group')
    groups = ProductGroup.create([{
                'name': name,
                'kind': kind,
                'coordinating_organisation': (
                    builder.organisations[organisation].id),
                } for name, kind, organisation in GROUPS])
    return {g.name: g for g in groups}


def create_products(builder, organisation, group):
    """Create the product of each enterprise of the organisation and a
    receipt of what it made; return the products"""
    pool = Pool()
    Enterprise = pool.get('shakti.shg.enterprise')
    Receipt = pool.get('shakti.market.receipt')
    Template = pool.get('product.template')
    Product = pool.get('product.product')
    Uom = pool.get('product.uom')
    ModelData = pool.get('ir.model.data')

    company = builder.organisations[organisation]
    unit = Uom(ModelData.get_id('product', 'uom_unit'))
    _, _, _, _, product_name, price, cost = TRADES[organisation]
    products = []
    enterprises = Enterprise.search([
            ('company', '=', company.id),
            ('kind', '=', 'group'),
            ], order=[('id', 'ASC')])
    with Transaction().set_context(company=company.id):
        for enterprise in enterprises:
            template = Template(
                name="%s, %s" % (product_name, enterprise.shg.name),
                enterprise=enterprise, product_group=group,
                default_uom=unit, gross_price=price, products=[Product()])
            template.save()
            product, = template.products
            product.cost_price = cost
            product.save()
            products.append(product)
            receipt = Receipt(
                enterprise=enterprise,
                date=builder.today - dt.timedelta(days=20),
                lines=[{
                        'product': product.id,
                        'quantity': builder.rng.randint(30, 60),
                        'unit_cost': cost,
                        }])
            receipt.save()
            Receipt.do([receipt])
    return products


def create_fair(builder, organisation, name, level, organiser, place,
        started, length, fee, opening_float, over, products):
    "Create the fair with the organisation's stall, its goods and sales"
    pool = Pool()
    Fair = pool.get('shakti.market.fair')
    Stall = pool.get('shakti.market.stall')

    company = builder.organisations[organisation]
    start = builder.today - dt.timedelta(days=started)
    with Transaction().set_context(company=company.id):
        fair = Fair(
            company=company, name=name, level=level, organiser=organiser,
            place=builder.place(place), venue="Community hall grounds",
            start_date=start,
            end_date=start + dt.timedelta(days=length - 1),
            stall_fee=fee)
        fair.save()
        goods = products[organisation][:2]
        enterprises = [p.template.enterprise for p in goods]
        stall = Stall(
            fair=fair, name="%s stall" % organisation, fee=fee,
            opening_float=opening_float, enterprises=enterprises,
            members=[m for e in enterprises for m in e.members][:3],
            costs=[{
                    'kind': 'transport',
                    'description': "Hired van, both ways",
                    'amount': Decimal('850.00'),
                    }, {
                    'kind': 'display',
                    'description': "Banner and table cloth",
                    'amount': Decimal('420.00'),
                    }])
        stall.save()
        Stall.open([stall])
        send_goods(stall, goods, fail_first=True)
        if over:
            days = [start, start + dt.timedelta(days=1)]
        else:
            days = [start]
        sell_day(builder, stall, goods, days[0],
            counted_short=Decimal('20.00'),
            reason="Change given twice to one buyer")
        if over:
            sell_day(builder, stall, goods, days[1])
            return_goods(stall)
            Stall.close([stall])


def create_fair_planned(builder, organisation, products):
    "Create a fair ahead with a draft stall"
    pool = Pool()
    Fair = pool.get('shakti.market.fair')
    Stall = pool.get('shakti.market.stall')

    company = builder.organisations[organisation]
    start = builder.today + dt.timedelta(days=18)
    goods = products[organisation][:1]
    with Transaction().set_context(company=company.id):
        fair = Fair(
            company=company, name="Andhra Pradesh State Food Festival",
            level='state', organiser="Department of Women Development",
            place=builder.place('AP-GUNTUR-MANGALAGIRI'),
            start_date=start, end_date=start + dt.timedelta(days=2),
            stall_fee=Decimal('2500.00'))
        fair.save()
        Stall(fair=fair, name="%s stall" % organisation,
            fee=Decimal('2500.00'), opening_float=Decimal('300.00'),
            enterprises=[p.template.enterprise for p in goods]).save()


def send_goods(stall, goods, fail_first=False):
    """Send half of each product's stock to the stall through the
    quality inspection, arriving on the fair's first day"""
    pool = Pool()
    Control = pool.get('quality.control')
    Inspection = pool.get('quality.inspection')
    Location = pool.get('stock.location')
    Move = pool.get('stock.move')
    Shipment = pool.get('stock.shipment.internal')

    storage = stall.warehouse.storage_location
    for index, product in enumerate(goods):
        store = Location.market_store(product.template.enterprise)
        quantity = store_quantity(product, store)
        shipment = Shipment(
            company=stall.company,
            from_location=store.storage_location, to_location=storage,
            planned_date=stall.fair.start_date,
            planned_start_date=stall.fair.start_date,
            effective_date=stall.fair.start_date,
            effective_start_date=stall.fair.start_date,
            moves=[Move(
                    product=product, unit=product.default_uom,
                    quantity=quantity // 2, company=stall.company,
                    from_location=store.storage_location,
                    to_location=storage)])
        shipment.save()
        Shipment.wait([shipment])
        Shipment.assign_try([shipment])
        Shipment.pack([shipment])
        inspections = Control.get_inspections([shipment], 'ship')
        Inspection.save(inspections)
        for inspection in inspections:
            points = {p.name: True for p in inspection.control.points}
            if fail_first and index == 0:
                inspection.points = dict(points, labelling=False)
                inspection.save()
                Inspection.process([inspection])
                Inspection.pending([inspection])
            inspection.points = points
            inspection.save()
            Inspection.process([inspection])
        Shipment.ship([shipment])
        Shipment.do([shipment])


def store_quantity(product, store):
    pool = Pool()
    Product = pool.get('product.product')
    with Transaction().set_context(
            locations=[store.id], company=store.organisation.id):
        return int(Product(product.id).quantity)


def sell_day(builder, stall, goods, date, counted_short=Decimal(0),
        reason=None):
    "Sell in cash and by UPI on date, take a return, and close the day"
    pool = Pool()
    Sale = pool.get('sale.point.sale')
    Line = pool.get('sale.point.sale.line')
    Payment = pool.get('sale.point.payment')
    Method = pool.get('sale.point.payment.method')

    methods = {m.name: m for m in Method.search([
                ('company', '=', stall.company.id)])}
    rng = builder.rng
    sold = []
    for quantity, method in [
            (2, "Cash"), (1, "UPI"), (3, "Cash"), (1, "UPI"), (-1, "Cash")]:
        if quantity > 0:
            product = rng.choice(goods)
            sold.append(product)
        else:
            # A buyer brings back one of the goods sold that day.
            product = rng.choice(sold)
        sale = Sale(point=stall.point, company=stall.company, date=date)
        sale.save()
        line = Line(sale=sale, product=product, quantity=quantity)
        line.on_change_product()
        line.save()
        sale = Sale(sale.id)
        Payment(sale=sale, method=methods[method],
            amount=sale.amount_to_pay).save()
        # Paid at once, so that a return counts it.
        Sale.process([Sale(sale.id)])
    session = stall.current_session()
    expected = session.start_amount + session.balance
    stall.close_cash_day(expected - counted_short, reason, date=date)


def return_goods(stall):
    "Take the unsold goods back to their stores"
    pool = Pool()
    Shipment = pool.get('stock.shipment.internal')
    Stall = pool.get('shakti.market.stall')
    shipments = Stall.create_returns([stall])
    Shipment.pack(shipments)
    Shipment.ship(shipments)
    Shipment.do(shipments)
