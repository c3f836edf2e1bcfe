# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, Unique, Workflow, fields)
from trytond.model.exceptions import AccessError
from trytond.modules.currency.fields import Monetary
from trytond.modules.shakti_base.model import (
    CurrencyMixin, LockedByParentMixin, OrganisationMixin, lock_existing,
    readonly_once_saved)
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from .exceptions import ProductGroupError, ReceiptError

KINDS = [
    ('textiles', "Textiles"),
    ('jewellery', "Jewellery"),
    ('garments', "Garments"),
    ('handicrafts', "Handicrafts"),
    ('food', "Food Products"),
    ('other', "Other"),
    ]

# The quality criteria every product group starts with, as
# (name, description, kinds or None for every kind). Each is a yes or no
# question the inspector answers, and a "no" fails the inspection.
CRITERIA = [
    ('finish', "Finish: no defects, stains or loose threads", None),
    ('labelling', "Labelling: product, maker and price on the label", None),
    ('packaging', "Packaging: clean, closed and undamaged", None),
    ('weight', "Weight or size as on the label", None),
    ('food_licence', "Food-safety licence or registration shown",
        {'food'}),
    ]


class ProductGroup(DeactivableMixin, ModelSQL, ModelView):
    """A group of enterprises making the same kind of product.

    Its member enterprises may belong to CBOs of different blocks, and the
    coordinating organisation, at or above them, manages it. The group,
    its quality criteria and its product category are shared with every
    organisation; which enterprises are members is scoped to the
    enterprise's organisation."""
    __name__ = 'shakti.market.product_group'
    __string__ = "Product Group"

    name = fields.Char("Name", required=True)
    code = fields.Char("Code")
    kind = fields.Selection(KINDS, "Kind", required=True, sort=False)
    coordinating_organisation = fields.Many2One(
        'company.company', "Coordinating Organisation", required=True,
        ondelete='RESTRICT',
        help="The organisation whose livelihood staff manage the group.")
    coordinator = fields.Many2One(
        'company.employee', "Coordinator", ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('coordinating_organisation', -1)),
            ])
    category = fields.Many2One(
        'product.category', "Product Category", readonly=True,
        ondelete='RESTRICT',
        context={
            'company': Eval('coordinating_organisation', -1),
            },
        depends={'coordinating_organisation'})
    control = fields.Many2One(
        'quality.control', "Quality Control", readonly=True,
        ondelete='RESTRICT',
        help="The criteria that goods of the group must pass before they "
        "go to a stall.")
    members = fields.One2Many(
        'shakti.market.product_group.member', 'group', "Member Enterprises")
    products = fields.One2Many(
        'product.template', 'product_group', "Products", readonly=True,
        context={
            'company': Eval('coordinating_organisation', -1),
            },
        depends={'coordinating_organisation'})

    @classmethod
    def __setup__(cls):
        super().__setup__()
        readonly_once_saved(cls.coordinating_organisation)
        readonly_once_saved(cls.kind)
        t = cls.__table__()
        cls._sql_constraints = [
            ('name_unique', Unique(t, t.name),
                'shakti_market.msg_product_group_name_unique'),
            ]
        cls._order = [('name', 'ASC'), ('id', 'ASC')]

    @classmethod
    def check_modification(cls, mode, groups, values=None, external=False):
        super().check_modification(
            mode, groups, values=values, external=external)
        if external:
            cls.check_coordinator(groups)

    @classmethod
    def check_coordinator(cls, groups):
        "Raise AccessError unless the user works for the coordinators"
        pool = Pool()
        User = pool.get('res.user')
        companies = set(User.get_companies())
        user = User(Transaction().user)
        for group in groups:
            if group.coordinating_organisation.id not in companies:
                raise AccessError(gettext(
                        'shakti_market.msg_product_group_coordinator',
                        group=group.rec_name,
                        organisation=(
                            group.coordinating_organisation.rec_name),
                        user_organisation=(
                            user.company.rec_name if user.company else '')))

    @classmethod
    def on_modification(cls, mode, groups, field_names=None):
        super().on_modification(mode, groups, field_names=field_names)
        if mode == 'create':
            cls.create_category_and_control(groups)
        elif mode == 'write' and 'name' in field_names:
            cls.rename_category_and_control(groups)

    @classmethod
    def create_category_and_control(cls, groups):
        pool = Pool()
        Category = pool.get('product.category')
        Control = pool.get('quality.control')
        ModelData = pool.get('ir.model.data')
        parent = ModelData.get_id('shakti_market', 'category_product_groups')
        with without_check_access():
            for group in groups:
                group.category = Category(name=group.name, parent=parent)
                group.category.save()
                group.control = Control(
                    name=group.control_name,
                    operations=['stock.shipment.internal:ship'],
                    frequency=1,
                    product_category=group.category,
                    points=[{
                            'name': name,
                            'string': string,
                            'type_': 'boolean',
                            } for name, string, kinds in CRITERIA
                        if kinds is None or group.kind in kinds])
                group.control.save()
            cls.save(groups)

    @classmethod
    def rename_category_and_control(cls, groups):
        pool = Pool()
        Category = pool.get('product.category')
        Control = pool.get('quality.control')
        with without_check_access():
            for group in groups:
                if group.category:
                    Category.write([group.category], {'name': group.name})
                if group.control:
                    Control.write(
                        [group.control], {'name': group.control_name})

    @property
    def control_name(self):
        return gettext(
            'shakti_market.msg_product_group_control_name', group=self.name)

    @classmethod
    def copy(cls, groups, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('category')
        default.setdefault('control')
        default.setdefault('members')
        default.setdefault('products')
        return super().copy(groups, default=default)

    def get_rec_name(self, name):
        if self.code:
            return '[%s] %s' % (self.code, self.name)
        return self.name

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('name', operator, operand, *extra),
            ('code', operator, operand, *extra),
            ]


class ProductGroupMember(OrganisationMixin, ModelSQL, ModelView):
    "An enterprise in a product group, in the enterprise's organisation"
    __name__ = 'shakti.market.product_group.member'
    __string__ = "Product Group Member"
    _organisation_parent = 'enterprise'

    group = fields.Many2One(
        'shakti.market.product_group', "Product Group", required=True,
        ondelete='CASCADE')
    enterprise = fields.Many2One(
        'shakti.shg.enterprise', "Enterprise", required=True,
        ondelete='CASCADE')
    join_date = fields.Date("Joined")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        readonly_once_saved(cls.group)
        readonly_once_saved(cls.enterprise)
        t = cls.__table__()
        cls._sql_constraints = [
            ('group_enterprise_unique', Unique(t, t.group, t.enterprise),
                'shakti_market.msg_product_group_member_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.enterprise, Index.Range())))

    @classmethod
    def default_join_date(cls):
        return Pool().get('ir.date').today()

    def get_rec_name(self, name):
        return '%s / %s' % (self.group.rec_name, self.enterprise.rec_name)

    @classmethod
    def validate_fields(cls, members, field_names):
        super().validate_fields(members, field_names)
        cls.check_below_coordinator(members)

    @classmethod
    def check_below_coordinator(cls, members):
        for member in members:
            if not _at_or_below(
                    member.company, member.group.coordinating_organisation):
                raise ProductGroupError(gettext(
                        'shakti_market.msg_member_not_below_coordinator',
                        enterprise=member.enterprise.rec_name,
                        organisation=member.company.rec_name,
                        group=member.group.rec_name,
                        coordinator=(
                            member.group.coordinating_organisation
                            .rec_name)))


def _at_or_below(company, ancestor):
    while company:
        if company == ancestor:
            return True
        company = company.parent
    return False


class Receipt(
        OrganisationMixin, CurrencyMixin, Workflow, ModelSQL, ModelView):
    "Goods an enterprise made, received into its store"
    __name__ = 'shakti.market.receipt'
    __string__ = "Production Receipt"
    _organisation_parent = 'enterprise'
    _states = {
        'readonly': Eval('state') != 'draft',
        }

    enterprise = fields.Many2One(
        'shakti.shg.enterprise', "Enterprise", required=True,
        ondelete='RESTRICT',
        states={
            # The lines name the enterprise's products.
            'readonly': (Eval('state') != 'draft') | Eval('lines', [0]),
            })
    date = fields.Date("Date", required=True, states=_states)
    warehouse = fields.Many2One(
        'stock.location', "Store", readonly=True, ondelete='RESTRICT',
        help="The enterprise's store, created with its first receipt.")
    lines = fields.One2Many(
        'shakti.market.receipt.line', 'receipt', "Lines", states=_states)
    total_cost = fields.Function(
        Monetary("Total Cost", currency='currency', digits='currency'),
        'get_total_cost')
    state = fields.Selection([
            ('draft', "Draft"),
            ('done', "Done"),
            ('cancelled', "Cancelled"),
            ], "Status", readonly=True, required=True, sort=False)
    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'done'),
            ('draft', 'cancelled'),
            ('cancelled', 'draft'),
            }
        cls._buttons.update({
                'do': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': Eval('state') != 'draft',
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
    def default_date(cls):
        return Pool().get('ir.date').today()

    def get_rec_name(self, name):
        return '%s, %s' % (self.enterprise.rec_name, self.date)

    def get_total_cost(self, name):
        total = sum((l.amount or Decimal(0) for l in self.lines), Decimal(0))
        return self.currency.round(total) if self.currency else total

    @classmethod
    def validate_fields(cls, receipts, field_names):
        super().validate_fields(receipts, field_names)
        if field_names is None or 'enterprise' in field_names:
            for receipt in receipts:
                for line in receipt.lines:
                    line.check_product()

    @classmethod
    def check_modification(cls, mode, receipts, values=None, external=False):
        super().check_modification(
            mode, receipts, values=values, external=external)
        if mode == 'delete':
            for receipt in receipts:
                if receipt.state == 'done':
                    raise AccessError(gettext(
                            'shakti_market.msg_receipt_delete_done',
                            receipt=receipt.rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, receipts):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, receipts):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('done')
    def do(cls, receipts):
        pool = Pool()
        Location = pool.get('stock.location')
        Move = pool.get('stock.move')
        ModelData = pool.get('ir.model.data')
        production = Location(
            ModelData.get_id('shakti_market', 'location_production'))
        moves = []
        # A receipt done twice at once puts its goods in the store once.
        lock_existing(receipts)
        receipts = [r for r in cls.browse(receipts) if r.state == 'draft']
        for receipt in receipts:
            if not receipt.lines:
                raise ReceiptError(gettext(
                        'shakti_market.msg_receipt_no_lines',
                        receipt=receipt.rec_name))
            receipt.warehouse = Location.market_store(receipt.enterprise)
            for line in receipt.lines:
                line.check_product()
                moves.append(Move(
                        product=line.product,
                        quantity=line.quantity,
                        unit=line.product.default_uom,
                        from_location=production,
                        to_location=receipt.warehouse.storage_location,
                        planned_date=receipt.date,
                        effective_date=receipt.date,
                        company=receipt.company,
                        unit_price=line.unit_cost,
                        currency=receipt.company.currency,
                        origin=line))
        cls.save(receipts)
        Move.save(moves)
        Move.do(moves)


class ReceiptLine(
        LockedByParentMixin, OrganisationMixin, CurrencyMixin, ModelSQL,
        ModelView):
    "A product and quantity received from production"
    __name__ = 'shakti.market.receipt.line'
    __string__ = "Production Receipt Line"
    _organisation_parent = 'receipt'
    _locked_by = {'receipt': {'draft'}}

    receipt = fields.Many2One(
        'shakti.market.receipt', "Receipt", required=True,
        ondelete='CASCADE')
    product = fields.Many2One(
        'product.product', "Product", required=True, ondelete='RESTRICT',
        domain=[
            ('template.enterprise', '=',
                Eval('_parent_receipt', {}).get('enterprise', -1)),
            ],
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    quantity = fields.Float(
        "Quantity", digits='unit', required=True,
        domain=[('quantity', '>', 0)])
    unit = fields.Function(
        fields.Many2One('product.uom', "Unit"), 'on_change_with_unit')
    unit_cost = Monetary(
        "Unit Cost", currency='currency', digits=(16, 4), required=True,
        domain=[('unit_cost', '>=', 0)],
        help="What making one unit cost the enterprise.")
    amount = fields.Function(
        Monetary("Amount", currency='currency', digits='currency'),
        'on_change_with_amount')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('receipt')

    @fields.depends('product')
    def on_change_with_unit(self, name=None):
        return self.product.default_uom if self.product else None

    @fields.depends('product', 'unit_cost', 'receipt', '_parent_receipt.id')
    def on_change_product(self):
        if self.product and self.unit_cost is None:
            self.unit_cost = self.product.cost_price

    @fields.depends('quantity', 'unit_cost', 'currency')
    def on_change_with_amount(self, name=None):
        if self.quantity is None or self.unit_cost is None:
            return None
        amount = Decimal(str(self.quantity)) * self.unit_cost
        return self.currency.round(amount) if self.currency else amount

    def check_product(self):
        if self.product.template.enterprise != self.receipt.enterprise:
            raise ReceiptError(gettext(
                    'shakti_market.msg_receipt_product_enterprise',
                    product=self.product.rec_name,
                    enterprise=self.receipt.enterprise.rec_name,
                    receipt=self.receipt.rec_name))

    @classmethod
    def validate_fields(cls, lines, field_names):
        super().validate_fields(lines, field_names)
        for line in lines:
            line.check_product()
