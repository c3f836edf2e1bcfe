# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.tools import cached_property
from trytond.transaction import without_check_access

from .exceptions import TransferError

# The places of a warehouse, named after it so that a transfer shows which
# store or stall it goes to.
WAREHOUSE_PLACES = [
    ('input_location', "Input"),
    ('output_location', "Output"),
    ('storage_location', "Storage"),
    ]


class Location(metaclass=PoolMeta):
    __name__ = 'stock.location'

    organisation = fields.Many2One(
        'company.company', "Organisation", readonly=True,
        ondelete='RESTRICT',
        help="The organisation whose goods the place contains. Only its users "
        "and those above it see the place. Places without one, such as "
        "customers, are shared.")
    enterprise = fields.Many2One(
        'shakti.shg.enterprise', "Enterprise", readonly=True,
        ondelete='RESTRICT',
        help="The enterprise whose store this is.")
    stall = fields.Many2One(
        'shakti.market.stall', "Stall", readonly=True, ondelete='RESTRICT',
        help="The fair stall this place is.")

    @classmethod
    def market_store(cls, enterprise):
        "Return the store of enterprise, creating it on first use"
        stores = cls.search([
                ('enterprise', '=', enterprise.id),
                ('type', '=', 'warehouse'),
                ], limit=1)
        if stores:
            return stores[0]
        return cls.create_market_warehouse(
            enterprise.name, enterprise.company, enterprise=enterprise)

    @classmethod
    def create_market_warehouse(
            cls, name, organisation, enterprise=None, stall=None):
        """Return a new warehouse of organisation named name, with its own
        input, output and storage places named after it, such as
        "Storage, name"."""
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        template = cls(ModelData.get_id('stock', 'location_warehouse'))
        values = {
            'organisation': organisation.id,
            'enterprise': enterprise.id if enterprise else None,
            'stall': stall.id if stall else None,
            }
        with without_check_access():
            warehouse, = cls.copy([template], default=dict(
                    values, name=name, code=None))
            children = cls.search([('parent', 'child_of', [warehouse.id])])
            cls.write(children, values)
            to_write = []
            for field, place in WAREHOUSE_PLACES:
                to_write.extend([[getattr(warehouse, field)], {
                            'name': '%s, %s' % (place, name),
                            'code': None,
                            }])
            cls.write(*to_write)
        return warehouse

    @cached_property
    def market_organisation(self):
        "The organisation of the place or of its warehouse"
        if self.organisation:
            return self.organisation
        if self.warehouse and self.warehouse.organisation:
            return self.warehouse.organisation
        return None


class Move(metaclass=PoolMeta):
    __name__ = 'stock.move'

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ['shakti.market.receipt.line']


class ShipmentInternal(metaclass=PoolMeta):
    __name__ = 'stock.shipment.internal'

    to_stall = fields.Function(
        fields.Many2One('shakti.market.stall', "To Stall"),
        'get_stall', searcher='search_to_stall')
    from_stall = fields.Function(
        fields.Many2One('shakti.market.stall', "From Stall"),
        'get_stall', searcher='search_from_stall')

    def get_stall(self, name):
        location = (
            self.to_location if name == 'to_stall' else self.from_location)
        if location and location.stall:
            return location.stall.id

    @classmethod
    def search_to_stall(cls, name, clause):
        return [('to_location.stall' + clause[0][len(name):],
                *clause[1:])]

    @classmethod
    def search_from_stall(cls, name, clause):
        return [('from_location.stall' + clause[0][len(name):],
                *clause[1:])]

    @classmethod
    def validate_fields(cls, shipments, field_names):
        super().validate_fields(shipments, field_names)
        if field_names is None or field_names & {
                'company', 'from_location', 'to_location'}:
            cls.check_market_locations(shipments)

    @classmethod
    def check_market_locations(cls, shipments):
        "Goods move only between the places of the shipment's organisation"
        for shipment in shipments:
            for location in [shipment.from_location, shipment.to_location]:
                organisation = location.market_organisation
                if organisation and organisation != shipment.company:
                    raise TransferError(gettext(
                            'shakti_market.msg_transfer_other_organisation',
                            shipment=shipment.rec_name,
                            location=location.rec_name,
                            organisation=organisation.rec_name,
                            company=shipment.company.rec_name))

    @classmethod
    def quality_control_needed(cls, shipments, operation):
        # Goods are inspected on their way to a stall, not on their way
        # back.
        shipments = [s for s in shipments if s.to_stall]
        if not shipments:
            return False
        return super().quality_control_needed(shipments, operation)
