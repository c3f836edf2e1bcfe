# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Invented buyers of the demo organisations and their orders against the
product groups.

Each order goes to the first product group of its kind, by name. An order
whose kind has no product group is left out, so the buyers load even
before the product groups exist."""
import datetime as dt
import logging
from decimal import Decimal

from trytond.pool import Pool

logger = logging.getLogger(__name__)

# (organisation, buyer, kind, contact person, place code or None, orders)
# Each order is (product group kind, quantity or None, price per unit,
# frequency, state, description or None).
BUYERS = [
    ("Basirhat-I Mukti Sangha", "Kamala Bazaar Stores", 'retailer',
        "Rekha Pal", 'WB-N24P-BASIRHAT-I', [
            ('textiles', 40, Decimal('450.00'), 'once', 'confirmed', None),
            ('textiles', 25, Decimal('445.00'), 'once', 'delivered', None),
            ]),
    ("Basirhat-I Mukti Sangha", "Ganga Delta Traders", 'wholesaler',
        "Bimal Shaw", None, [
            ('textiles', 60, Decimal('382.5000'), 'monthly', 'confirmed',
                "Printed stoles in the four colours of the sample card."),
            ]),
    ("Hasnabad Mukti Sangha", "Mati Crafts Mart", 'retailer',
        "Soma Barman", 'WB-N24P-HASNABAD', [
            ('jewellery', 25, Decimal('320.00'), 'quarterly', 'confirmed',
                None),
            ('jewellery', 10, Decimal('290.00'), 'once', 'draft', None),
            ]),
    ("Canning Sakhi Samiti", "Sutanuti Garment Wholesale", 'wholesaler',
        "Imran Molla", 'WB-S24P-CANNING-I', [
            ('garments', 30, Decimal('615.00'), 'monthly', 'confirmed',
                None),
            ]),
    ("Canning Sakhi Samiti", "Shilpa Setu Online", 'online',
        "Trisha Nag", None, [
            ('garments', 15, Decimal('699.00'), 'once', 'cancelled', None),
            ]),
    ("Krishna Vanitha Vedika", "Godavari Home Foods Mart", 'retailer',
        "Naga Mani", 'AP-KRISHNA-GUDIVADA', [
            ('food', 200, Decimal('165.00'), 'season', 'confirmed', None),
            ]),
    ("Krishna Vanitha Vedika", "Mandal Sakhi Outlet", 'government',
        "Ratna Kumari", 'AP-GUNTUR-TENALI', [
            ('food', None, Decimal('150.00'), 'once', 'confirmed',
                "All the mango pickle of the summer, in 500 g jars."),
            ]),
    ]
TRANSITIONS = {
    'draft': [],
    'confirmed': ['confirm'],
    'delivered': ['confirm', 'deliver'],
    'cancelled': ['cancel'],
    }


def load(builder):
    "Create the demo buyers and their orders"
    pool = Pool()
    Buyer = pool.get('shakti.market.buyer')
    Order = pool.get('shakti.market.order')
    ProductGroup = pool.get('shakti.market.product_group')
    ModelData = pool.get('ir.model.data')

    rng = builder.rng
    today = builder.today
    unit = ModelData.get_id('product', 'uom_unit')
    groups = {}
    for group in ProductGroup.search([], order=[('name', 'ASC')]):
        groups.setdefault(group.kind, group)
    skipped = 0
    for (organisation, name, kind, contact, place, orders) in BUYERS:
        buyer = Buyer(
            company=builder.organisations[organisation],
            name=name, kind=kind, contact_person=contact,
            phone='9%09d' % rng.randint(0, 10 ** 9 - 1),
            place=builder.place(place) if place else None)
        buyer.save()
        for (group_kind, quantity, price, frequency, state,
                description) in orders:
            group = groups.get(group_kind)
            if group is None:
                skipped += 1
                continue
            if state in {'delivered', 'cancelled'}:
                date = today - dt.timedelta(days=rng.randint(40, 90))
                delivery_date = date + dt.timedelta(days=rng.randint(7, 30))
            else:
                # The orders still to deliver count in the assured market
                # of the next twelve months.
                date = today - dt.timedelta(days=rng.randint(5, 40))
                delivery_date = today + dt.timedelta(days=rng.randint(7, 45))
            order = Order(
                buyer=buyer, product_group=group, date=date,
                delivery_date=delivery_date, frequency=frequency,
                quantity=quantity, unit=unit if quantity else None,
                unit_price=price, description=description)
            order.save()
            for transition in TRANSITIONS[state]:
                getattr(Order, transition)([order])
    if skipped:
        logger.info(
            "%s demo orders left out: no product group of their kind",
            skipped)
