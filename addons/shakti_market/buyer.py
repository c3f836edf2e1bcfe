# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from sql import Literal, Null
from sql.aggregate import Count, Min
from trytond import backend
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, Unique, Workflow, fields)
from trytond.model.exceptions import AccessError
from trytond.modules.currency.fields import Monetary
from trytond.modules.shakti_base.model import (
    CurrencyMixin, OrganisationMixin, format_amount, readonly_once_saved)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, check_access, without_check_access

from .exceptions import OrderError

BUYER_KINDS = [
    ('retailer', "Retailer"),
    ('wholesaler', "Wholesaler"),
    ('online', "Online Platform"),
    ('government', "Government Outlet"),
    ('exporter', "Exporter"),
    ('other', "Other"),
    ]
# The frequency of an order, and the months between its deliveries. An
# order per season delivers every six months, twice a year.
FREQUENCIES = [
    ('once', "Once"),
    ('monthly', "Monthly"),
    ('quarterly', "Quarterly"),
    ('season', "Per Season"),
    ]
STEPS = {
    'once': None,
    'monthly': 1,
    'quarterly': 3,
    'season': 6,
    }


def delivery_dates(first, frequency, end_date, from_date, to_date):
    """Return the delivery dates from from_date to to_date of an order that
    first delivers on first and repeats at frequency until end_date.

    Each delivery falls on the day of the month of the first one, or on the
    last day of a shorter month."""
    step = STEPS[frequency]
    if step is None:
        return [first] if from_date <= first <= to_date else []
    last = min(end_date, to_date) if end_date else to_date
    index = 0
    if first < from_date:
        # Skip the deliveries that fall before the month of from_date, and
        # start one step early so none on or after from_date is missed.
        months = ((from_date.year - first.year) * 12
            + from_date.month - first.month)
        index = max(months // step - 1, 0)
    dates = []
    while True:
        # Adding months to the first date, not to the previous delivery,
        # keeps a delivery on the 31st after a shorter month.
        date = first + relativedelta(months=index * step)
        if date > last:
            break
        if date >= from_date:
            dates.append(date)
        index += 1
    return dates


def demand_dates():
    """Return the first and last dates of the assured demand: those of the
    context, or the twelve months from today"""
    pool = Pool()
    Date = pool.get('ir.date')
    context = Transaction().context
    from_date = context.get('from_date') or Date.today()
    to_date = context.get('to_date') or (
        from_date + relativedelta(years=1, days=-1))
    return from_date, to_date


class Buyer(OrganisationMixin, DeactivableMixin, ModelSQL, ModelView):
    """A retailer, wholesaler, online platform or other buyer of the goods
    of the product groups.

    The buyer belongs to the organisation that linked with it."""
    __name__ = 'shakti.market.buyer'
    __string__ = "Buyer"

    name = fields.Char("Name", required=True)
    kind = fields.Selection(BUYER_KINDS, "Kind", required=True, sort=False)
    contact_person = fields.Char("Contact Person")
    phone = fields.Char("Phone")
    place = fields.Many2One(
        'shakti.place', "Place", ondelete='RESTRICT',
        help="The block, mandal or district where the buyer is.")
    notes = fields.Text("Notes")
    orders = fields.One2Many('shakti.market.order', 'buyer', "Orders")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('company_name_unique', Unique(t, t.company, t.name),
                'shakti_market.msg_buyer_name_unique'),
            ]
        cls._order = [('name', 'ASC'), ('id', 'ASC')]

    @classmethod
    def copy(cls, buyers, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('orders')
        return super().copy(buyers, default=default)


class Order(OrganisationMixin, CurrencyMixin, Workflow, ModelSQL, ModelView):
    """An agreement of a buyer to take goods of a product group at a price
    per unit, once or as a standing order"""
    __name__ = 'shakti.market.order'
    __string__ = "Buyer Order"
    _organisation_parent = 'buyer'
    _states = {
        'readonly': Eval('state') != 'draft',
        }

    buyer = fields.Many2One(
        'shakti.market.buyer', "Buyer", required=True, ondelete='RESTRICT',
        states=_states)
    product_group = fields.Many2One(
        'shakti.market.product_group', "Product Group", required=True,
        ondelete='RESTRICT', states=_states)
    date = fields.Date("Order Date", required=True, states=_states)
    delivery_date = fields.Date(
        "Delivery Date", required=True, states=_states,
        help="The date of the delivery, or of the first delivery of a "
        "standing order.")
    frequency = fields.Selection(
        FREQUENCIES, "Frequency", required=True, sort=False, states=_states,
        help="How often the buyer takes the quantity: a standing order "
        "repeats every month, quarter or season (six months) from its "
        "delivery date.")
    recurring = fields.Function(
        fields.Boolean("Recurring"), 'on_change_with_recurring',
        searcher='search_recurring')
    end_date = fields.Date(
        "End Date",
        states={
            'readonly': _states['readonly'],
            'invisible': Eval('frequency') == 'once',
            },
        help="The last day on which the standing order delivers. Leave it "
        "empty while the order is in force.")
    quantity = fields.Float(
        "Quantity", digits='unit', states=_states,
        help="What the buyer takes at each delivery. Leave it empty and "
        "describe the order when the quantity is open.")
    unit = fields.Many2One(
        'product.uom', "Unit", ondelete='RESTRICT',
        states={
            'readonly': _states['readonly'],
            'required': Bool(Eval('quantity')),
            })
    description = fields.Text(
        "Description", states=_states,
        help="What the order asks for, such as sizes or colours, or all "
        "the goods of a season when the quantity is open.")
    unit_price = Monetary(
        "Price per Unit", currency='currency', digits=(16, 4),
        required=True, states=_states,
        help="The price per unit agreed with the buyer.")
    total = fields.Function(
        Monetary(
            "Total", currency='currency', digits='currency',
            help="The quantity at the price per unit: the value of each "
            "delivery of a standing order."),
        'on_change_with_total')
    state = fields.Selection([
            ('draft', "Draft"),
            ('confirmed', "Confirmed"),
            ('delivered', "Delivered"),
            ('cancelled', "Cancelled"),
            ], "Status", readonly=True, required=True, sort=False)
    state_string = state.translated('state')
    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        readonly_once_saved(cls.buyer)
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.buyer, Index.Range())),
                Index(t,
                    (t.product_group, Index.Range()),
                    (t.delivery_date, Index.Range()),
                    where=t.state == 'confirmed'),
                })
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'confirmed'),
            ('confirmed', 'delivered'),
            ('draft', 'cancelled'),
            ('confirmed', 'cancelled'),
            ('cancelled', 'draft'),
            }
        cls._buttons.update({
                'confirm': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'deliver': {
                    'invisible': Eval('state') != 'confirmed',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': ~Eval('state').in_(['draft', 'confirmed']),
                    'depends': ['state'],
                    },
                'draft': {
                    'invisible': Eval('state') != 'cancelled',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_frequency(cls):
        return 'once'

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()

    @fields.depends('frequency')
    def on_change_with_recurring(self, name=None):
        return bool(self.frequency and self.frequency != 'once')

    @classmethod
    def search_recurring(cls, name, clause):
        _, operator, value = clause
        if operator == '!=':
            value = not value
        return [('frequency', '!=' if value else '=', 'once')]

    @fields.depends('frequency', 'end_date')
    def on_change_frequency(self):
        if self.frequency == 'once':
            self.end_date = None

    @fields.depends('quantity', 'unit_price', 'currency')
    def on_change_with_total(self, name=None):
        if self.quantity is None or self.unit_price is None:
            return None
        total = Decimal(str(self.quantity)) * self.unit_price
        return self.currency.round(total) if self.currency else total

    def get_rec_name(self, name):
        return '%s, %s, %s' % (
            self.buyer.rec_name, self.product_group.rec_name, self.date)

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('buyer.rec_name', operator, operand, *extra),
            ('product_group.rec_name', operator, operand, *extra),
            ]

    @classmethod
    def validate_fields(cls, orders, field_names):
        super().validate_fields(orders, field_names)
        for order in orders:
            order.check_values()

    def check_values(self):
        "Raise OrderError unless the quantity, price and dates are valid"
        if self.quantity is not None and self.quantity <= 0:
            raise OrderError(gettext(
                    'shakti_market.msg_order_not_positive',
                    order=self.rec_name,
                    field=self.__names__('quantity')['field'],
                    value=self.quantity))
        if self.quantity is None and not self.description:
            raise OrderError(gettext(
                    'shakti_market.msg_order_quantity_or_description',
                    order=self.rec_name))
        if self.unit_price <= 0:
            raise OrderError(gettext(
                    'shakti_market.msg_order_not_positive',
                    order=self.rec_name,
                    field=self.__names__('unit_price')['field'],
                    value=format_amount(self.unit_price, self.currency)))
        if self.delivery_date < self.date:
            raise OrderError(gettext(
                    'shakti_market.msg_order_delivery_before_date',
                    order=self.rec_name,
                    delivery_date=self.delivery_date,
                    date=self.date))
        if (self.frequency != 'once' and self.end_date
                and self.end_date < self.delivery_date):
            raise OrderError(gettext(
                    'shakti_market.msg_order_end_before_delivery',
                    order=self.rec_name,
                    end_date=self.end_date,
                    delivery_date=self.delivery_date))

    @classmethod
    def check_modification(cls, mode, orders, values=None, external=False):
        super().check_modification(
            mode, orders, values=values, external=external)
        if mode == 'delete':
            for order in orders:
                if order.state not in {'draft', 'cancelled'}:
                    raise AccessError(gettext(
                            'shakti_market.msg_order_delete',
                            order=order.rec_name,
                            state=order.state_string))

    @classmethod
    @ModelView.button
    @Workflow.transition('confirmed')
    def confirm(cls, orders):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('delivered')
    def deliver(cls, orders):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, orders):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, orders):
        pass


class AssuredDemandContext(ModelView):
    __name__ = 'shakti.market.assured_demand.context'
    __string__ = "Assured Market Context"

    from_date = fields.Date(
        "From Date", required=True,
        help="The first day of the deliveries counted.")
    to_date = fields.Date(
        "To Date", required=True,
        help="The last day of the deliveries counted.")

    @classmethod
    def default_from_date(cls):
        return demand_dates()[0]

    @classmethod
    def default_to_date(cls):
        return demand_dates()[1]


class AssuredDemand(ModelSQL, ModelView):
    """The confirmed orders that the user may read, per product group, unit
    and currency, with the deliveries they make between the dates of the
    context"""
    __name__ = 'shakti.market.assured_demand'
    __string__ = "Assured Market"

    product_group = fields.Many2One(
        'shakti.market.product_group', "Product Group", readonly=True)
    unit = fields.Many2One('product.uom', "Unit", readonly=True)
    currency = fields.Many2One(
        'currency.currency', "Currency", readonly=True)
    order_count = fields.Integer(
        "Orders", readonly=True,
        help="The one-off orders delivered between the dates and the "
        "standing orders in force then.")
    deliveries = fields.Function(
        fields.Integer(
            "Deliveries",
            help="The deliveries of the orders between the dates."),
        'get_demand')
    once_quantity = fields.Function(
        fields.Float(
            "Quantity Ordered Once", digits='unit',
            help="The quantity of the orders delivered once."),
        'get_demand')
    once_amount = fields.Function(
        Monetary(
            "Value Ordered Once", currency='currency', digits='currency'),
        'get_demand')
    recurring_quantity = fields.Function(
        fields.Float(
            "Recurring Quantity", digits='unit',
            help="The quantity of the deliveries of the standing orders "
            "between the dates."),
        'get_demand')
    recurring_amount = fields.Function(
        Monetary(
            "Recurring Value", currency='currency', digits='currency'),
        'get_demand')
    quantity = fields.Function(
        fields.Float("Assured Quantity", digits='unit'), 'get_demand')
    amount = fields.Function(
        Monetary(
            "Assured Value", currency='currency', digits='currency',
            help="The sum of the values of the deliveries, each rounded "
            "to the currency."),
        'get_demand')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('product_group', 'ASC'), ('unit', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Company = pool.get('company.company')
        Order = pool.get('shakti.market.order')
        order = Order.__table__()
        company = Company.__table__()
        return (order
            .join(company, condition=order.company == company.id)
            .select(
                Min(order.id).as_('id'),
                order.product_group.as_('product_group'),
                order.unit.as_('unit'),
                company.currency.as_('currency'),
                Count(order.id).as_('order_count'),
                cls.create_uid.sql_cast(Null).as_('create_uid'),
                cls.create_date.sql_cast(Null).as_('create_date'),
                cls.write_uid.sql_cast(Null).as_('write_uid'),
                cls.write_date.sql_cast(Null).as_('write_date'),
                where=cls.orders_where(order),
                group_by=[order.product_group, order.unit, company.currency]))

    @classmethod
    def orders_where(cls, order):
        """Return the condition on the order table for the confirmed orders
        the user may read that deliver between the dates of the context"""
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        Order = pool.get('shakti.market.order')

        from_date, to_date = demand_dates()
        once = (
            (order.frequency == 'once')
            & (order.delivery_date >= from_date))
        standing = (
            (order.frequency != 'once')
            & ((order.end_date == Null) | (order.end_date >= from_date)))
        condition = (
            (order.state == 'confirmed')
            & (order.delivery_date <= to_date)
            & (once | standing))
        # The totals count only the orders the user may read, even when the
        # caller runs without the access checks.
        with check_access():
            if not ModelAccess.check(
                    Order.__name__, 'read', raise_exception=False):
                return Literal(False)
            readable = Order.search([], order=[], query=True)
        return condition & order.id.in_(readable)

    @classmethod
    def get_demand(cls, rows, names):
        pool = Pool()
        Company = pool.get('company.company')
        Order = pool.get('shakti.market.order')
        order = Order.__table__()
        company = Company.__table__()
        cursor = Transaction().connection.cursor()

        from_date, to_date = demand_dates()
        keys = {}
        for row in rows:
            key = (
                row.product_group.id,
                row.unit.id if row.unit else None,
                row.currency.id)
            keys[key] = row
        totals = defaultdict(lambda: defaultdict(Decimal))
        group_ids = sorted({k[0] for k in keys})
        for sub_ids in grouped_slice(group_ids, backend.MAX_QUERY_PARAMS):
            cursor.execute(*order
                .join(company, condition=order.company == company.id)
                .select(
                    order.product_group, order.unit, company.currency,
                    order.frequency, order.delivery_date, order.end_date,
                    order.quantity, order.unit_price,
                    where=cls.orders_where(order)
                    & order.product_group.in_(list(sub_ids))))
            for (group_id, unit_id, currency_id, frequency, first, end_date,
                    quantity, unit_price) in cursor:
                key = (group_id, unit_id, currency_id)
                if key not in keys:
                    continue
                row = keys[key]
                count = len(delivery_dates(
                        _to_date(first), frequency, _to_date(end_date),
                        from_date, to_date))
                kind = 'once' if frequency == 'once' else 'recurring'
                total = totals[key]
                total['deliveries'] += count
                if quantity is not None:
                    quantity = Decimal(str(quantity))
                    amount = row.currency.round(
                        quantity * Decimal(str(unit_price)))
                    total[kind + '_quantity'] += quantity * count
                    total[kind + '_amount'] += amount * count

        result = {n: {} for n in names}
        for key, row in keys.items():
            total = totals[key]
            round_ = row.currency.round
            values = {
                'deliveries': int(total['deliveries']),
                'once_amount': round_(total['once_amount']),
                'recurring_amount': round_(total['recurring_amount']),
                'amount': round_(
                    total['once_amount'] + total['recurring_amount']),
                }
            if row.unit:
                for name in ['once', 'recurring']:
                    values[name + '_quantity'] = row.unit.round(
                        float(total[name + '_quantity']))
                values['quantity'] = row.unit.round(float(
                        total['once_quantity']
                        + total['recurring_quantity']))
            else:
                values.update(dict.fromkeys(
                        ['once_quantity', 'recurring_quantity', 'quantity']))
            for name in names:
                result[name][row.id] = values[name]
        return result


def _to_date(value):
    "Return value as a date, because SQLite may return a date as a string"
    if isinstance(value, str):
        return dt.date.fromisoformat(value)
    return value


class ProductGroup(metaclass=PoolMeta):
    __name__ = 'shakti.market.product_group'

    assured_demand = fields.Function(
        fields.Many2Many(
            'shakti.market.assured_demand', None, None, "Assured Market",
            readonly=True,
            help="The confirmed orders of the buyers for the group, per "
            "unit, over the next twelve months unless the context gives "
            "other dates."),
        'get_assured_demand')

    @classmethod
    def get_assured_demand(cls, groups, name):
        pool = Pool()
        Demand = pool.get('shakti.market.assured_demand')

        result = {g.id: [] for g in groups}
        with without_check_access():
            for sub_ids in grouped_slice(
                    [g.id for g in groups], backend.MAX_QUERY_PARAMS):
                for row in Demand.search([
                            ('product_group', 'in', list(sub_ids)),
                            ]):
                    result[row.product_group.id].append(row.id)
        return result
