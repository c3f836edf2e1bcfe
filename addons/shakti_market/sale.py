# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sql.aggregate import Max, Sum
from sql.conditionals import Case
from trytond import backend
from trytond.i18n import gettext
from trytond.model import ModelView, Workflow, fields
from trytond.model.exceptions import AccessError
from trytond.modules.shakti_base.model import (
    check_readonly, format_amount, lock_existing)
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access

from .exceptions import StallError
from .market import _at_or_below


@dataclass
class StallTotals:
    "The quantities of a product on the sales of a stall"
    unposted: float = 0
    paid: float = 0
    returned: float = 0
    price: Decimal = None


def format_quantity(quantity, unit):
    "Return quantity rounded to unit and formatted for a message"
    pool = Pool()
    Lang = pool.get('ir.lang')
    return Lang.get().format_number(unit.round(quantity), unit.digits)


class ReadonlyMixin:
    "Reject a caller's change to the read-only fields of a record"
    __slots__ = ()

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        # The paid and posted sales, payments and cash of a stall are its
        # books: no caller may rewrite them.
        if external and mode == 'write' and values:
            check_readonly(cls, records, values)


class POS(metaclass=PoolMeta):
    __name__ = 'sale.point'

    stall = fields.Function(
        fields.Many2One('shakti.market.stall', "Stall"), 'get_stall')

    @classmethod
    def get_stall(cls, points, name):
        pool = Pool()
        Stall = pool.get('shakti.market.stall')
        result = {p.id: None for p in points}
        for stall in Stall.search([
                    ('point', 'in', [p.id for p in points]),
                    ]):
            result[stall.point.id] = stall.id
        return result


class POSSale(ReadonlyMixin, metaclass=PoolMeta):
    __name__ = 'sale.point.sale'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # Staff of an organisation above a CBO sell at the CBO's stall: the
        # sale takes the organisation of its point, and the record rules
        # limit the points to those of the user's organisations.
        cls.point.domain = []

    @fields.depends('point', 'company', 'employee')
    def on_change_point(self):
        if self.point and self.point.company != self.company:
            self.company = self.point.company
            if self.employee and self.employee.company != self.company:
                self.employee = None

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        POS = pool.get('sale.point')
        Employee = pool.get('company.employee')
        values = super().preprocess_values(mode, values)
        if values.get('point') is not None:
            company = POS(values['point']).company
            values['company'] = company.id
            employee = values.get('employee')
            if employee is not None and Employee(employee).company != company:
                values['employee'] = None
        return values

    @classmethod
    def validate_fields(cls, sales, field_names):
        super().validate_fields(sales, field_names)
        if field_names is None or 'point' in field_names:
            cls.check_stall_open(sales)
        if field_names is None or field_names & {'point', 'date'}:
            cls.check_fair_dates(sales)

    @classmethod
    @ModelView.button
    @Workflow.transition('open')
    def open(cls, sales):
        super().open(sales)
        cls.check_returns(sales)

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, sales):
        super().cancel(sales)
        cls.check_returns(sales)

    @classmethod
    def check_returns(cls, sales):
        """Check that the stalls of the sales, no longer paid, were still
        paid for all the goods they took back"""
        pool = Pool()
        Line = pool.get('sale.point.sale.line')
        stalls = cls.sale_stalls(sales)
        if not stalls:
            return
        with without_check_access():
            quantities = Line.stall_quantities(list(stalls))
        for sale in sales:
            stall = stalls.get(sale.point.id)
            if not stall:
                continue
            for line in sale.lines:
                totals = quantities[stall.point.id, line.product.id]
                if line.quantity > 0 and totals.paid + totals.returned < 0:
                    unit = line.product.default_uom
                    raise StallError(gettext(
                            'shakti_market.msg_sale_returns_exceed',
                            sale=sale.rec_name,
                            stall=stall.rec_name,
                            product=line.product.rec_name,
                            returned=format_quantity(
                                -totals.returned, unit),
                            paid=format_quantity(totals.paid, unit)))

    @classmethod
    def sale_stalls(cls, sales):
        "Return the stall of each sale's point, by point id"
        pool = Pool()
        Stall = pool.get('shakti.market.stall')
        points = {s.point.id for s in sales}
        if not points:
            return {}
        with without_check_access():
            return {s.point.id: s for s in Stall.search([
                        ('point', 'in', list(points)),
                        ])}

    @classmethod
    def check_stall_open(cls, sales):
        stalls = cls.sale_stalls([s for s in sales if s.state == 'open'])
        for stall in stalls.values():
            if stall.state != 'open':
                raise StallError(gettext(
                        'shakti_market.msg_stall_sale_closed',
                        stall=stall.rec_name,
                        state=stall.state_string))

    @classmethod
    def check_fair_dates(cls, sales):
        "A stall sells on the days of its fair, up to today"
        pool = Pool()
        Date = pool.get('ir.date')
        stalls = cls.sale_stalls(sales)
        for sale in sales:
            stall = stalls.get(sale.point.id)
            if not stall or sale.state != 'open':
                continue
            fair = stall.fair
            if (not (fair.start_date <= sale.date <= fair.end_date)
                    or sale.date > Date.today()):
                raise StallError(gettext(
                        'shakti_market.msg_sale_outside_fair',
                        sale=sale.rec_name,
                        date=sale.date,
                        stall=stall.rec_name,
                        start_date=fair.start_date,
                        end_date=fair.end_date))


class POSSaleLine(ReadonlyMixin, metaclass=PoolMeta):
    __name__ = 'sale.point.sale.line'

    @classmethod
    def check_modification(cls, mode, lines, values=None, external=False):
        pool = Pool()
        Sale = pool.get('sale.point.sale')
        super().check_modification(
            mode, lines, values=values, external=external)
        if external:
            states = dict(Sale.fields_get(['state'])['state']['selection'])
            for line in lines:
                if line.sale.state != 'open':
                    raise AccessError(gettext(
                            'shakti_market.msg_sale_line_sale_state',
                            sale=line.sale.rec_name,
                            state=states[line.sale.state]))

    @classmethod
    def validate_fields(cls, lines, field_names):
        pool = Pool()
        Sale = pool.get('sale.point.sale')
        super().validate_fields(lines, field_names)
        if field_names is None or field_names & {'sale', 'product'}:
            # A sale made while the stall was open takes no goods once it
            # is closed.
            Sale.check_stall_open({l.sale for l in lines})
            cls.check_product_organisation(lines)
        if field_names is None or field_names & {
                'quantity', 'unit_list_price', 'unit_gross_price'}:
            cls.check_quantity_price(lines)
        if field_names is None or field_names & {
                'sale', 'product', 'quantity'}:
            cls.check_stall_stock(lines)

    @classmethod
    def check_quantity_price(cls, lines):
        "A line sells or returns some goods at a price above zero"
        for line in lines:
            if not line.quantity:
                raise StallError(gettext(
                        'shakti_market.msg_sale_line_quantity',
                        product=line.product.rec_name,
                        sale=line.sale.rec_name,
                        quantity=format_quantity(
                            line.quantity or 0, line.product.default_uom)))
            currency = line.sale.currency
            for price in [line.unit_list_price, line.unit_gross_price]:
                if price is not None and currency.round(price) <= 0:
                    raise StallError(gettext(
                            'shakti_market.msg_sale_line_price',
                            product=line.product.rec_name,
                            sale=line.sale.rec_name,
                            price=format_amount(price, currency)))
            # Market goods carry no tax, so both prices are the same.
            if (line.product.template.enterprise
                    and line.unit_list_price != line.unit_gross_price):
                raise StallError(gettext(
                        'shakti_market.msg_sale_line_tax_free',
                        product=line.product.rec_name,
                        sale=line.sale.rec_name,
                        list_price=format_amount(
                            line.unit_list_price or 0, currency),
                        gross_price=format_amount(
                            line.unit_gross_price or 0, currency)))

    @classmethod
    def check_stall_stock(cls, lines):
        """Check that a stall sells only the goods it has and takes back
        only what it was paid for, at no more than it was paid.

        Goods leave the stall's place when the day's sales are posted, so
        the lines of the sales not posted yet count against the goods on
        hand."""
        pool = Pool()
        Sale = pool.get('sale.point.sale')
        Stall = pool.get('shakti.market.stall')
        lines = [l for l in lines if l.sale.state != 'cancelled']
        stalls = Sale.sale_stalls({l.sale for l in lines})
        if not stalls:
            return
        # Two sales at one stall at once wait for each other, so they
        # cannot sell the same goods twice.
        lock_existing(list(stalls.values()))
        with without_check_access():
            stock = Stall.get_stock(list(stalls.values()), available=True)
            quantities = cls.stall_quantities(list(stalls))
        for line in lines:
            stall = stalls.get(line.sale.point.id)
            if not stall:
                continue
            totals = quantities[stall.point.id, line.product.id]
            # Market goods are sold in their default unit.
            unit = line.product.default_uom
            on_hand = stock[stall.id].get(line.product, 0)
            if line.quantity > 0 and totals.unposted > on_hand:
                raise StallError(gettext(
                        'shakti_market.msg_sale_line_stock',
                        product=line.product.rec_name,
                        sale=line.sale.rec_name,
                        quantity=format_quantity(line.quantity, unit),
                        stall=stall.rec_name,
                        available=format_quantity(
                            on_hand - totals.unposted + line.quantity,
                            unit)))
            elif line.quantity < 0:
                cls.check_return(line, stall, totals)

    @classmethod
    def check_return(cls, line, stall, totals):
        """Check that the return line takes back no more than the paid
        sales of the stall less the other returns, at no more than their
        highest price or the product's price today"""
        pool = Pool()
        Product = pool.get('product.product')
        unit = line.product.default_uom
        if totals.paid + totals.returned < 0:
            raise StallError(gettext(
                    'shakti_market.msg_sale_line_return',
                    product=line.product.rec_name,
                    sale=line.sale.rec_name,
                    quantity=format_quantity(-line.quantity, unit),
                    stall=stall.rec_name,
                    sold=format_quantity(
                        totals.paid + totals.returned - line.quantity,
                        unit)))
        with Transaction().set_context(company=stall.company.id):
            price = Product(line.product.id).gross_price
        highest = max(totals.price or 0, price or 0)
        if (line.unit_gross_price is not None
                and line.unit_gross_price > highest):
            raise StallError(gettext(
                    'shakti_market.msg_sale_line_return_price',
                    product=line.product.rec_name,
                    sale=line.sale.rec_name,
                    price=format_amount(
                        line.unit_gross_price, line.sale.currency),
                    stall=stall.rec_name,
                    sold_price=format_amount(highest, line.sale.currency)))

    @classmethod
    def stall_quantities(cls, points):
        """Return, by point and product id, the totals of the sales not
        cancelled: the quantity on those not posted yet, the quantity sold
        on those paid, the quantity taken back as a negative number, and
        the highest price paid"""
        pool = Pool()
        Sale = pool.get('sale.point.sale')
        cursor = Transaction().connection.cursor()
        line = cls.__table__()
        sale = Sale.__table__()
        totals = defaultdict(StallTotals)
        in_ = fields.SQL_OPERATORS['in']
        sold = line.quantity > 0
        for sub_ids in grouped_slice(points, backend.MAX_QUERY_PARAMS):
            cursor.execute(*line.join(
                    sale, condition=line.sale == sale.id).select(
                    sale.point, line.product, sale.state,
                    Sum(line.quantity),
                    Sum(Case((sold, line.quantity), else_=0)),
                    Sum(Case((sold, 0), else_=line.quantity)),
                    Max(Case((sold, line.unit_gross_price), else_=None)),
                    where=in_(sale.point, list(sub_ids))
                    & (sale.state != 'cancelled'),
                    group_by=[sale.point, line.product, sale.state]))
            for (point, product, state, quantity, positive, negative,
                    price) in cursor:
                total = totals[point, product]
                if state != 'posted':
                    total.unposted += quantity
                if state in {'done', 'posted'}:
                    total.paid += positive
                    if price is not None:
                        if isinstance(price, bytes):
                            # SQLite gives an expression's numeric as text.
                            price = price.decode()
                        price = Decimal(str(price))
                        total.price = max(total.price or price, price)
                total.returned += negative
        return totals

    @classmethod
    def check_product_organisation(cls, lines):
        "A stall sells the goods of its organisation and of those below it"
        for line in lines:
            organisation = line.product.template.organisation
            company = line.sale.company
            if organisation and not _at_or_below(organisation, company):
                raise StallError(gettext(
                        'shakti_market.msg_sale_product_organisation',
                        product=line.product.rec_name,
                        organisation=organisation.rec_name,
                        point=line.sale.point.rec_name,
                        company=company.rec_name))


class POSPayment(ReadonlyMixin, metaclass=PoolMeta):
    __name__ = 'sale.point.payment'


class POSCashSession(ReadonlyMixin, metaclass=PoolMeta):
    __name__ = 'sale.point.cash.session'


class POSCashTransfer(ReadonlyMixin, metaclass=PoolMeta):
    __name__ = 'sale.point.cash.transfer'
