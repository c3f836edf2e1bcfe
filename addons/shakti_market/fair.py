# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from collections import defaultdict
from decimal import Decimal

from sql import Literal
from sql.aggregate import Sum
from sql.conditionals import Case
from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, Workflow, fields
from trytond.model.exceptions import AccessError
from trytond.modules.currency.fields import Monetary
from trytond.modules.shakti_base.model import (
    CurrencyMixin, LockedByParentMixin, OrganisationMixin, format_amount,
    lock_existing, readonly_once_saved, sum_by)
from trytond.pool import Pool
from trytond.pyson import Bool, Eval, If
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .books import OPENING_FLOAT, ensure_fiscal_year, setup_books
from .exceptions import FairError, StallError

in_ = fields.SQL_OPERATORS['in']

LEVELS = [
    ('block', "Block"),
    ('district', "District"),
    ('state', "State"),
    ('national', "National"),
    ]


class Fair(OrganisationMixin, CurrencyMixin, ModelSQL, ModelView):
    "A government arts, crafts or food fair where the organisation sells"
    __name__ = 'shakti.market.fair'
    __string__ = "Fair"

    name = fields.Char("Name", required=True)
    level = fields.Selection(LEVELS, "Level", required=True, sort=False)
    organiser = fields.Char(
        "Organiser", required=True,
        help="Who holds the fair, such as a block or district office.")
    place = fields.Many2One(
        'shakti.place', "Place", required=True, ondelete='RESTRICT',
        help="The block, mandal or district of the fair.")
    venue = fields.Char("Venue")
    start_date = fields.Date("Start Date", required=True)
    end_date = fields.Date("End Date", required=True)
    stall_fee = Monetary(
        "Stall Fee", currency='currency', digits='currency', required=True,
        help="What the organiser charges for one stall.")
    stalls = fields.One2Many('shakti.market.stall', 'fair', "Stalls")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('start_date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def default_stall_fee(cls):
        return Decimal(0)

    def get_rec_name(self, name):
        return '%s (%s)' % (self.name, self.start_date)

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('name',) + tuple(clause[1:])]

    @classmethod
    def validate_fields(cls, fairs, field_names):
        super().validate_fields(fairs, field_names)
        for fair in fairs:
            if fair.end_date < fair.start_date:
                raise FairError(gettext(
                        'shakti_market.msg_fair_dates',
                        fair=fair.rec_name,
                        start_date=fair.start_date,
                        end_date=fair.end_date))
            if fair.stall_fee < 0:
                raise FairError(gettext(
                        'shakti_market.msg_fair_negative_fee',
                        fair=fair.rec_name,
                        fee=format_amount(fair.stall_fee, fair.currency)))


class Stall(OrganisationMixin, CurrencyMixin, Workflow, ModelSQL, ModelView):
    """A stall at a fair: its own place for goods and its point of sale.

    Goods come to the stall by internal transfers, which a quality
    inspection must pass, are sold at its point of sale in cash or by UPI,
    and what is unsold goes back to where it came from."""
    __name__ = 'shakti.market.stall'
    __string__ = "Stall"
    _organisation_parent = 'fair'

    fair = fields.Many2One(
        'shakti.market.fair', "Fair", required=True, ondelete='RESTRICT')
    name = fields.Char("Name", required=True)
    enterprises = fields.Many2Many(
        'shakti.market.stall-shakti.shg.enterprise', 'stall', 'enterprise',
        "Enterprises",
        help="The enterprises whose goods the stall sells.")
    members = fields.Many2Many(
        'shakti.market.stall-shakti.shg.member', 'stall', 'member',
        "Members Staffing",
        help="The group members who staff the stall.")
    warehouse = fields.Many2One(
        'stock.location', "Stall Location", readonly=True,
        ondelete='RESTRICT')
    point = fields.Many2One(
        'sale.point', "Point of Sale", readonly=True, ondelete='RESTRICT')
    opening_float = Monetary(
        "Opening Float", currency='currency', digits='currency',
        required=True,
        states={
            'readonly': Eval('state') != 'draft',
            },
        help="The change the stall starts with on its first day.")
    fee = Monetary(
        "Stall Fee", currency='currency', digits='currency', required=True,
        states={
            'readonly': Eval('state') == 'closed',
            })
    costs = fields.One2Many(
        'shakti.market.stall.cost', 'stall', "Other Costs",
        states={
            'readonly': Eval('state') == 'closed',
            })
    days = fields.One2Many(
        'shakti.market.stall.day', 'stall', "Days", readonly=True)
    state = fields.Selection([
            ('draft', "Draft"),
            ('open', "Open"),
            ('closed', "Closed"),
            ], "Status", readonly=True, required=True, sort=False)
    state_string = state.translated('state')
    cash_sales = fields.Function(
        Monetary("Cash Sales", currency='currency', digits='currency'),
        'get_totals')
    upi_sales = fields.Function(
        Monetary("UPI Sales", currency='currency', digits='currency'),
        'get_totals')
    total_sales = fields.Function(
        Monetary("Total Sales", currency='currency', digits='currency'),
        'get_totals')
    total_costs = fields.Function(
        Monetary("Total Costs", currency='currency', digits='currency'),
        'get_totals')
    cash_difference = fields.Function(
        Monetary("Cash Difference", currency='currency', digits='currency',
            help="Counted cash less expected cash, over the closed days."),
        'get_totals')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        readonly_once_saved(cls.fair)
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.fair, Index.Range())))
        cls._order = [('fair', 'DESC'), ('name', 'ASC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'open'),
            ('open', 'closed'),
            }
        cls._buttons.update({
                'open': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'close_day': {
                    'invisible': Eval('state') != 'open',
                    'depends': ['state'],
                    },
                'return_unsold': {
                    'invisible': Eval('state') != 'open',
                    'depends': ['state'],
                    },
                'close': {
                    'invisible': Eval('state') != 'open',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_opening_float(cls):
        return Decimal(0)

    @fields.depends(
        'fair', '_parent_fair.stall_fee', '_parent_fair.name', 'fee', 'name')
    def on_change_fair(self):
        if self.fair:
            if self.fee is None:
                self.fee = self.fair.stall_fee
            if not self.name:
                self.name = self.fair.name

    def get_rec_name(self, name):
        return '%s, %s' % (self.name, self.fair.start_date)

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('name',) + tuple(clause[1:])]

    @classmethod
    def validate_fields(cls, stalls, field_names):
        super().validate_fields(stalls, field_names)
        for stall in stalls:
            for name in ['opening_float', 'fee']:
                value = getattr(stall, name)
                if value < 0:
                    raise StallError(gettext(
                            'shakti_market.msg_stall_negative',
                            stall=stall.rec_name,
                            field=cls.__names__(name)['field'],
                            value=format_amount(value, stall.currency)))

    @classmethod
    def check_modification(cls, mode, stalls, values=None, external=False):
        super().check_modification(
            mode, stalls, values=values, external=external)
        if mode == 'delete':
            for stall in stalls:
                if stall.state != 'draft':
                    raise AccessError(gettext(
                            'shakti_market.msg_stall_delete_opened',
                            stall=stall.rec_name))

    @classmethod
    def copy(cls, stalls, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('warehouse')
        default.setdefault('point')
        default.setdefault('days')
        return super().copy(stalls, default=default)

    @classmethod
    def get_totals(cls, stalls, names):
        pool = Pool()
        Sale = pool.get('sale.point.sale')
        Payment = pool.get('sale.point.payment')
        Method = pool.get('sale.point.payment.method')
        Cost = pool.get('shakti.market.stall.cost')
        Day = pool.get('shakti.market.stall.day')
        cursor = Transaction().connection.cursor()
        sale = Sale.__table__()
        payment = Payment.__table__()
        method = Method.__table__()

        point2stall = {s.point.id: s.id for s in stalls if s.point}
        cash = defaultdict(Decimal)
        upi = defaultdict(Decimal)
        for sub_ids in grouped_slice(
                list(point2stall), backend.MAX_QUERY_PARAMS):
            query = (payment
                .join(sale, condition=payment.sale == sale.id)
                .join(method, condition=payment.method == method.id)
                .select(
                    sale.point,
                    Case((method.cash == Literal(True), Literal(1)),
                        else_=Literal(0)),
                    Sum(payment.amount),
                    where=in_(sale.point, sub_ids)
                    & sale.state.in_(['done', 'posted']),
                    group_by=[sale.point, method.cash]))
            cursor.execute(*query)
            for point_id, is_cash, amount in cursor:
                target = cash if is_cash else upi
                target[point2stall[point_id]] += Decimal(str(amount or 0))
        ids = [s.id for s in stalls]
        cost = Cost.__table__()
        costs = sum_by(cost, cost.stall, cost.amount, ids)
        day = Day.__table__()
        differences = sum_by(day, day.stall, day.difference, ids)

        result = {n: {} for n in names}
        for stall in stalls:
            values = {
                'cash_sales': cash[stall.id],
                'upi_sales': upi[stall.id],
                'total_sales': cash[stall.id] + upi[stall.id],
                'total_costs': (stall.fee or 0) + costs[stall.id],
                'cash_difference': differences[stall.id],
                }
            for name in names:
                result[name][stall.id] = stall.currency.round(values[name])
        return result

    @classmethod
    @ModelView.button
    @Workflow.transition('open')
    def open(cls, stalls):
        pool = Pool()
        Date = pool.get('ir.date')
        Location = pool.get('stock.location')
        ModelData = pool.get('ir.model.data')
        POS = pool.get('sale.point')
        Session = pool.get('sale.point.cash.session')
        Transfer = pool.get('sale.point.cash.transfer')
        today = Date.today()
        customer = Location(ModelData.get_id('stock', 'location_customer'))
        for stall in stalls:
            books = setup_books(stall.company)
            ensure_fiscal_year(stall.company, today)
            # The warehouse takes the fair's start date in its name, like
            # the point of sale, so the stalls of a yearly fair differ.
            stall.warehouse = Location.create_market_warehouse(
                stall.rec_name, stall.company, stall=stall)
            with without_check_access():
                stall.point = POS(
                    name=stall.rec_name,
                    company=stall.company,
                    tax_included=True,
                    sequence=books.sequence,
                    journal=books.journal,
                    storage_location=stall.warehouse.storage_location,
                    return_location=stall.warehouse.storage_location,
                    customer_location=customer)
                stall.point.save()
                if stall.opening_float:
                    session = Session.get_current(stall.point)
                    Transfer(
                        point=stall.point, session=session,
                        type=books.opening_float,
                        amount=stall.opening_float, date=today).save()
        cls.save(stalls)

    @classmethod
    @ModelView.button_action('shakti_market.wizard_close_day')
    def close_day(cls, stalls):
        pass

    def open_sales(self):
        pool = Pool()
        Sale = pool.get('sale.point.sale')
        return Sale.search([
                ('point', '=', self.point.id),
                ('state', '=', 'open'),
                ('lines', '!=', None),
                ])

    def current_session(self):
        pool = Pool()
        Session = pool.get('sale.point.cash.session')
        with without_check_access():
            return Session.get_current(self.point)

    def session_float(self, session):
        "Return the opening float put in the cash session"
        pool = Pool()
        Transfer = pool.get('sale.point.cash.transfer')
        with without_check_access():
            transfers = Transfer.search([
                    ('session', '=', session.id),
                    ('type.name', '=', OPENING_FLOAT),
                    ])
        return sum((t.amount for t in transfers), Decimal(0))

    def close_cash_day(self, counted_cash, reason=None, date=None):
        """Post the day's sales and close the cash session with the counted
        cash.

        The day is dated date, today by default, which must be a day of
        the fair and not after today. A difference is recorded as a cash
        movement of its own and on the stall's day, with its reason."""
        pool = Pool()
        Date = pool.get('ir.date')
        Day = pool.get('shakti.market.stall.day')
        Sale = pool.get('sale.point.sale')
        Session = pool.get('sale.point.cash.session')
        Transfer = pool.get('sale.point.cash.transfer')
        User = pool.get('res.user')
        today = Date.today()
        if date is None:
            date = today

        # Two users closing the same day wait for each other, so the day's
        # sales are posted and the difference recorded once.
        lock_existing([self])
        if self.state != 'open':
            raise StallError(gettext(
                    'shakti_market.msg_stall_not_open',
                    stall=self.rec_name))
        fair = self.fair
        if not (fair.start_date <= date <= fair.end_date) or date > today:
            raise StallError(gettext(
                    'shakti_market.msg_stall_day_date',
                    stall=self.rec_name,
                    date=date,
                    start_date=fair.start_date,
                    end_date=fair.end_date))
        if counted_cash is None or counted_cash < 0:
            raise StallError(gettext(
                    'shakti_market.msg_stall_counted_cash',
                    stall=self.rec_name,
                    value=format_amount(
                        counted_cash or Decimal(0), self.currency)))
        unpaid = self.open_sales()
        if unpaid:
            sale = unpaid[0]
            raise StallError(gettext(
                    'shakti_market.msg_stall_sale_unpaid',
                    stall=self.rec_name,
                    sale=sale.rec_name,
                    amount=format_amount(sale.amount_to_pay, self.currency)))
        with without_check_access():
            session = self.current_session()
            # Sales paid by UPI only have no cash session payments.
            sales = Sale.search([
                    ('point', '=', self.point.id),
                    ('state', '=', 'done'),
                    ])
            if (not sales and not session.payments and not session.transfers
                    and Day.search([
                            ('stall', '=', self.id),
                            ('date', '=', date),
                            ], limit=1)):
                raise StallError(gettext(
                        'shakti_market.msg_stall_day_closed',
                        stall=self.rec_name, date=date))
            last = Day.search([
                    ('stall', '=', self.id),
                    ], order=[('date', 'DESC')], limit=1)
            if last and date < last[0].date:
                raise StallError(gettext(
                        'shakti_market.msg_stall_day_order',
                        stall=self.rec_name, date=date, last=last[0].date))
            expected = session.start_amount + session.balance
            difference = self.currency.round(counted_cash - expected)
            if difference and not reason:
                raise StallError(gettext(
                        'shakti_market.msg_stall_difference_reason',
                        stall=self.rec_name,
                        difference=format_amount(difference, self.currency),
                        counted=format_amount(counted_cash, self.currency),
                        expected=format_amount(expected, self.currency)))
            for sale_date in {s.date for s in sales} | {date}:
                ensure_fiscal_year(self.company, sale_date)
            cash_sales, upi_sales = self.sales_payments(sales)
            Sale.post(sales)
            if difference:
                books = setup_books(self.company)
                Transfer(
                    point=self.point, session=session,
                    type=books.difference, amount=difference,
                    date=date).save()
            session.end_amount = counted_cash
            session.save()
            Session.close([session])
            Session.post([session])
            # The opening float is a cash movement of the first session but
            # part of the cash the day starts with.
            start_cash = session.start_amount + self.session_float(session)
            day = Day(
                stall=self, date=date, session=session,
                start_cash=start_cash,
                expected_cash=expected, counted_cash=counted_cash,
                difference=difference, reason=reason,
                cash_sales=cash_sales, upi_sales=upi_sales,
                sales=len(sales), closed_by=User(Transaction().user))
            day.save()
        return day

    @staticmethod
    def sales_payments(sales):
        "Return the cash and the UPI paid for sales"
        cash = upi = Decimal(0)
        for sale in sales:
            for payment in sale.payments:
                if payment.method.cash:
                    cash += payment.amount
                else:
                    upi += payment.amount
        return cash, upi

    @classmethod
    @ModelView.button
    def return_unsold(cls, stalls):
        """Create the transfers that take the goods left at each stall back
        to the places they came from.

        A button returns an action or nothing to the client, so the
        transfers are not returned."""
        cls.create_returns(stalls)

    @classmethod
    def create_returns(cls, stalls):
        """Create and return the transfers that take the goods left at each
        stall back to the places they came from"""
        pool = Pool()
        Date = pool.get('ir.date')
        Shipment = pool.get('stock.shipment.internal')
        Move = pool.get('stock.move')
        today = Date.today()
        shipments = []
        # Two users returning the goods at once wait for each other, so the
        # second finds them on their way back.
        lock_existing(stalls)
        # Goods sold on a day not closed yet are still at the stall's
        # place until the day's sales are posted.
        cls.check_sales_closed(stalls)
        stocks = cls.get_stock(stalls, available=True)
        for stall in stalls:
            storage = stall.warehouse.storage_location
            origins = stall.goods_origins()
            by_origin = defaultdict(list)
            for product, quantity in sorted(
                    stocks[stall.id].items(), key=lambda i: i[0].id):
                if quantity <= 0:
                    continue
                origin = origins.get(product)
                if origin is None:
                    raise StallError(gettext(
                            'shakti_market.msg_stall_no_origin',
                            stall=stall.rec_name,
                            product=product.rec_name))
                by_origin[origin].append(Move(
                        product=product, quantity=quantity,
                        unit=product.default_uom,
                        from_location=storage, to_location=origin,
                        company=stall.company, planned_date=today))
            if not by_origin:
                raise StallError(gettext(
                        'shakti_market.msg_stall_nothing_to_return',
                        stall=stall.rec_name))
            for origin, moves in by_origin.items():
                shipments.append(Shipment(
                        company=stall.company,
                        from_location=storage,
                        to_location=origin,
                        planned_date=today,
                        planned_start_date=today,
                        reference=stall.rec_name,
                        moves=moves))
        with without_check_access():
            Shipment.save(shipments)
            Shipment.wait(shipments)
            shipments = Shipment.browse(shipments)
            Shipment.assign_try(shipments)
        return shipments

    def goods_origins(self):
        """Return the storage place each product last came from to the
        stall"""
        pool = Pool()
        Shipment = pool.get('stock.shipment.internal')
        origins = {}
        with without_check_access():
            shipments = Shipment.search([
                    ('to_location', '=', self.warehouse.storage_location.id),
                    ('state', 'in', ['shipped', 'done']),
                    ], order=[('effective_start_date', 'ASC'), ('id', 'ASC')])
            for shipment in shipments:
                for move in shipment.outgoing_moves or shipment.moves:
                    origins[move.product] = shipment.from_location
        return origins

    @classmethod
    def get_stock(cls, stalls, available=False):
        """Return, per stall, the quantity of each product at the stall in
        its default unit.

        With available, the goods already on their way out are left out."""
        pool = Pool()
        Move = pool.get('stock.move')
        Product = pool.get('product.product')
        cursor = Transaction().connection.cursor()
        move = Move.__table__()
        result = {s.id: {} for s in stalls}
        location2stall = {
            s.warehouse.storage_location.id: s for s in stalls
            if s.warehouse}
        if not location2stall:
            return result
        states = ['done']
        out_states = ['done']
        if available:
            out_states += ['draft', 'staging', 'assigned']
        quantities = defaultdict(lambda: defaultdict(float))
        for sub_ids in grouped_slice(
                list(location2stall), backend.MAX_QUERY_PARAMS):
            sub_ids = list(sub_ids)
            incoming = move.select(
                move.to_location, move.product,
                Sum(move.internal_quantity),
                where=in_(move.to_location, sub_ids)
                & move.state.in_(states),
                group_by=[move.to_location, move.product])
            cursor.execute(*incoming)
            for location, product, quantity in cursor:
                quantities[location][product] += quantity or 0
            outgoing = move.select(
                move.from_location, move.product,
                Sum(move.internal_quantity),
                where=in_(move.from_location, sub_ids)
                & move.state.in_(out_states),
                group_by=[move.from_location, move.product])
            cursor.execute(*outgoing)
            for location, product, quantity in cursor:
                quantities[location][product] -= quantity or 0
        for location, products in quantities.items():
            stall = location2stall[location]
            result[stall.id] = {
                Product(p): q for p, q in products.items() if q}
        return result

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, stalls):
        pool = Pool()
        Session = pool.get('sale.point.cash.session')
        stocks = cls.get_stock(stalls)
        cls.check_sales_closed(stalls)
        for stall in stalls:
            with without_check_access():
                sessions = Session.search([
                        ('point', '=', stall.point.id),
                        ('state', '=', 'open'),
                        ])
            if any(s.payments or s.transfers for s in sessions):
                raise StallError(gettext(
                        'shakti_market.msg_stall_close_day_first',
                        stall=stall.rec_name))
            left = {p: q for p, q in stocks[stall.id].items() if q > 0}
            if left:
                product, quantity = sorted(
                    left.items(), key=lambda i: i[0].rec_name)[0]
                raise StallError(gettext(
                        'shakti_market.msg_stall_goods_left',
                        stall=stall.rec_name,
                        product=product.rec_name,
                        quantity='%g %s' % (
                            quantity, product.default_uom.symbol)))

    @classmethod
    def check_sales_closed(cls, stalls):
        """Raise StallError if a stall has a sale not paid or paid but not
        posted by the closing of its day"""
        pool = Pool()
        Sale = pool.get('sale.point.sale')
        for stall in stalls:
            unpaid = stall.open_sales()
            if unpaid:
                raise StallError(gettext(
                        'shakti_market.msg_stall_sale_unpaid',
                        stall=stall.rec_name,
                        sale=unpaid[0].rec_name,
                        amount=format_amount(
                            unpaid[0].amount_to_pay, stall.currency)))
            with without_check_access():
                unposted = Sale.search([
                        ('point', '=', stall.point.id),
                        ('state', '=', 'done'),
                        ], limit=1)
            if unposted:
                raise StallError(gettext(
                        'shakti_market.msg_stall_sales_not_posted',
                        stall=stall.rec_name,
                        sale=unposted[0].rec_name))


class StallEnterprise(OrganisationMixin, ModelSQL):
    "An enterprise selling at a stall"
    __name__ = 'shakti.market.stall-shakti.shg.enterprise'
    __string__ = "Stall Enterprise"
    _organisation_parent = 'stall'
    _organisation_lower_fields = {'enterprise'}

    stall = fields.Many2One(
        'shakti.market.stall', "Stall", required=True, ondelete='CASCADE')
    enterprise = fields.Many2One(
        'shakti.shg.enterprise', "Enterprise", required=True,
        ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('stall')
        t = cls.__table__()
        cls._sql_constraints = [
            ('stall_enterprise_unique', Unique(t, t.stall, t.enterprise),
                'shakti_market.msg_stall_enterprise_unique'),
            ]


class StallMember(OrganisationMixin, ModelSQL):
    "A group member staffing a stall"
    __name__ = 'shakti.market.stall-shakti.shg.member'
    __string__ = "Stall Member"
    _organisation_parent = 'stall'
    _organisation_lower_fields = {'member'}

    stall = fields.Many2One(
        'shakti.market.stall', "Stall", required=True, ondelete='CASCADE')
    member = fields.Many2One(
        'shakti.shg.member', "Member", required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('stall')
        t = cls.__table__()
        cls._sql_constraints = [
            ('stall_member_unique', Unique(t, t.stall, t.member),
                'shakti_market.msg_stall_member_unique'),
            ]


COST_KINDS = [
    ('transport', "Transport"),
    ('food', "Food and Stay"),
    ('display', "Display and Decoration"),
    ('wages', "Helpers"),
    ('other', "Other"),
    ]


class StallCost(
        LockedByParentMixin, OrganisationMixin, CurrencyMixin, ModelSQL,
        ModelView):
    "A cost of a stall other than its fee"
    __name__ = 'shakti.market.stall.cost'
    __string__ = "Stall Cost"
    _organisation_parent = 'stall'
    _locked_by = {'stall': {'draft', 'open'}}

    stall = fields.Many2One(
        'shakti.market.stall', "Stall", required=True, ondelete='CASCADE')
    kind = fields.Selection(COST_KINDS, "Kind", required=True, sort=False)
    description = fields.Char("Description")
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('stall')

    @classmethod
    def validate_fields(cls, costs, field_names):
        super().validate_fields(costs, field_names)
        for cost in costs:
            if cost.amount <= 0:
                raise StallError(gettext(
                        'shakti_market.msg_stall_cost_amount',
                        stall=cost.stall.rec_name,
                        kind=cost.kind_string,
                        amount=format_amount(cost.amount, cost.currency)))

    kind_string = kind.translated('kind')


class StallDay(OrganisationMixin, CurrencyMixin, ModelSQL, ModelView):
    "A day of a stall, closed with the cash counted"
    __name__ = 'shakti.market.stall.day'
    __string__ = "Stall Day"
    _organisation_parent = 'stall'

    stall = fields.Many2One(
        'shakti.market.stall', "Stall", required=True, readonly=True,
        ondelete='CASCADE')
    date = fields.Date("Date", required=True, readonly=True)
    session = fields.Many2One(
        'sale.point.cash.session', "Cash Session", required=True,
        readonly=True, ondelete='RESTRICT')
    sales = fields.Integer("Sales", readonly=True)
    cash_sales = Monetary(
        "Cash Sales", currency='currency', digits='currency', readonly=True)
    upi_sales = Monetary(
        "UPI Sales", currency='currency', digits='currency', readonly=True)
    start_cash = Monetary(
        "Start Cash", currency='currency', digits='currency', readonly=True,
        help="The cash the day started with, float included.")
    expected_cash = Monetary(
        "Expected Cash", currency='currency', digits='currency',
        readonly=True)
    counted_cash = Monetary(
        "Counted Cash", currency='currency', digits='currency',
        readonly=True)
    difference = Monetary(
        "Difference", currency='currency', digits='currency', readonly=True,
        help="Counted cash less expected cash: below zero cash is missing, "
        "above zero there is more than the sales explain.")
    reason = fields.Text("Reason", readonly=True)
    closed_by = fields.Many2One(
        'res.user', "Closed By", readonly=True, ondelete='RESTRICT')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('stall')
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    def get_rec_name(self, name):
        return '%s, %s' % (self.stall.name, self.date)

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/tree', 'visual',
                If(Eval('difference', 0) != 0, 'danger', '')),
            ]

    @classmethod
    def check_modification(cls, mode, days, values=None, external=False):
        super().check_modification(
            mode, days, values=values, external=external)
        if external and mode in {'write', 'delete'}:
            raise AccessError(gettext(
                    'shakti_market.msg_stall_day_readonly',
                    day=days[0].rec_name))


class CloseDayStart(ModelView):
    "Count the cash to close the day"
    __name__ = 'shakti.market.stall.close_day.start'

    stall = fields.Many2One('shakti.market.stall', "Stall", readonly=True)
    date = fields.Date(
        "Day", required=True,
        help="The day of the fair to close: today, or its last day once "
        "the fair is over.")
    currency = fields.Many2One('currency.currency', "Currency", readonly=True)
    start_cash = Monetary(
        "Start Cash", currency='currency', digits='currency', readonly=True,
        help="The cash the day started with, float included.")
    cash_in = Monetary(
        "Cash Sales and Movements", currency='currency', digits='currency',
        readonly=True)
    expected_cash = Monetary(
        "Expected Cash", currency='currency', digits='currency',
        readonly=True)
    counted_cash = Monetary(
        "Counted Cash", currency='currency', digits='currency',
        required=True)
    difference = Monetary(
        "Difference", currency='currency', digits='currency', readonly=True)
    reason = fields.Text(
        "Reason",
        states={
            'required': Bool(Eval('difference', 0)),
            },
        help="Why the counted cash is not what was expected.")

    @fields.depends('counted_cash', 'expected_cash', 'currency')
    def on_change_with_difference(self, name=None):
        if self.counted_cash is None or self.expected_cash is None:
            return None
        difference = self.counted_cash - self.expected_cash
        return self.currency.round(difference) if self.currency else difference


class CloseDay(Wizard):
    "Close the day of a stall"
    __name__ = 'shakti.market.stall.close_day'
    start = StateView(
        'shakti.market.stall.close_day.start',
        'shakti_market.stall_close_day_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Close Day", 'close', 'tryton-ok', default=True),
            ])
    close = StateTransition()

    def default_start(self, fields):
        pool = Pool()
        Date = pool.get('ir.date')
        stall = self.record
        if stall.state != 'open':
            raise StallError(gettext(
                    'shakti_market.msg_stall_not_open',
                    stall=stall.rec_name))
        session = stall.current_session()
        # The opening float is a cash movement of the first session but
        # part of the cash the day starts with.
        opening_float = stall.session_float(session)
        return {
            'stall': stall.id,
            # A day left open when the fair ended is closed afterwards.
            'date': min(Date.today(), stall.fair.end_date),
            'currency': stall.currency.id,
            'start_cash': session.start_amount + opening_float,
            'cash_in': session.balance - opening_float,
            'expected_cash': session.start_amount + session.balance,
            }

    def transition_close(self):
        self.record.close_cash_day(
            self.start.counted_cash, self.start.reason, date=self.start.date)
        return 'end'
