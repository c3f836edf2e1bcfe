# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from collections import defaultdict
from decimal import Decimal

from sql.aggregate import Count
from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.modules.currency.fields import Monetary
from trytond.modules.shakti_base.model import (
    LockedByParentMixin, OrganisationMixin, readonly_once_saved, sum_by)
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from .enterprise import ACTIVITIES, format_amount
from .exceptions import BusinessPlanError

STATES = [
    ('draft', "Draft"),
    ('submitted', "Submitted"),
    ('approved', "Approved"),
    ('rejected', "Rejected"),
    ('funded', "Funded"),
    ]


class BusinessPlan(OrganisationMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'shakti.shg.business_plan'
    __string__ = "Business Plan"
    _history = True
    _rec_name = 'title'
    _organisation_parent = 'shg'
    _organisation_fields = {'enterprise'}

    _states = {
        'readonly': Eval('state') != 'draft',
        }

    title = fields.Char("Title", required=True, states=_states)
    shg = fields.Many2One(
        'shakti.shg', "Group", required=True, ondelete='RESTRICT',
        states=_states)
    enterprise = fields.Many2One(
        'shakti.shg.enterprise', "Enterprise", ondelete='RESTRICT',
        domain=[('shg', '=', Eval('shg', -1))], states=_states,
        help="The enterprise the plan starts or expands, if it exists.")
    activity = fields.Selection(
        ACTIVITIES, "Activity", required=True, sort=False, states=_states)
    date = fields.Date("Date", required=True, states=_states)
    market = fields.Text(
        "Market", states=_states,
        help="Who buys, where, at what season, and the competition.")
    cost_lines = fields.One2Many(
        'shakti.shg.business_plan.cost', 'plan', "Costs", states=_states)
    product_lines = fields.One2Many(
        'shakti.shg.business_plan.product', 'plan', "Products",
        states=_states)
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    capital_cost = fields.Function(
        Monetary("Capital Cost", currency='currency', digits='currency'),
        'get_costs')
    operating_cost = fields.Function(
        Monetary(
            "Monthly Operating Cost", currency='currency',
            digits='currency'),
        'get_costs')
    monthly_revenue = fields.Function(
        Monetary(
            "Projected Monthly Revenue", currency='currency',
            digits='currency'),
        'get_projections')
    monthly_margin = fields.Function(
        Monetary(
            "Projected Monthly Margin", currency='currency',
            digits='currency',
            help="The revenue less the unit costs of the products sold."),
        'get_projections')
    monthly_profit = fields.Function(
        Monetary(
            "Projected Monthly Profit", currency='currency',
            digits='currency',
            help="The margin less the monthly operating costs."),
        'get_projections')
    own_contribution = Monetary(
        "Own Contribution", currency='currency', digits='currency',
        required=True, states=_states,
        help="The part of the capital cost the group or member pays.")
    funding_requested = Monetary(
        "Funding Requested", currency='currency', digits='currency',
        states=_states,
        help="At most the capital cost less the own contribution. When "
        "empty, it is set to that difference on submission.")
    state = fields.Selection(
        STATES, "Status", readonly=True, sort=False)
    submitted_date = fields.Date("Submitted On", readonly=True)
    decision_date = fields.Date(
        "Decided On", readonly=True,
        help="The date the plan was approved or rejected.")
    funded_date = fields.Date("Funded On", readonly=True)
    attachment_count = fields.Function(
        fields.Integer(
            "Documents",
            help="The number of documents attached to the plan."),
        'get_attachment_count')

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.shg, Index.Range())),
                Index(t, (t.state, Index.Equality(cardinality='low'))),
                })
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'submitted'),
            ('submitted', 'draft'),
            ('submitted', 'approved'),
            ('submitted', 'rejected'),
            ('rejected', 'draft'),
            ('approved', 'funded'),
            }
        cls._buttons.update({
                'draft': {
                    'invisible': ~Eval('state').in_(
                        ['submitted', 'rejected']),
                    'depends': ['state'],
                    },
                'submit': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'approve': {
                    'invisible': Eval('state') != 'submitted',
                    'depends': ['state'],
                    },
                'reject': {
                    'invisible': Eval('state') != 'submitted',
                    'depends': ['state'],
                    },
                'fund': {
                    'invisible': Eval('state') != 'approved',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_date(cls):
        pool = Pool()
        Date = pool.get('ir.date')
        return Date.today()

    @classmethod
    def default_own_contribution(cls):
        return Decimal(0)

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    @fields.depends('enterprise', 'activity')
    def on_change_enterprise(self):
        if self.enterprise and not self.activity:
            self.activity = self.enterprise.activity

    @classmethod
    def get_costs(cls, plans, name):
        pool = Pool()
        Cost = pool.get('shakti.shg.business_plan.cost')
        line = Cost.__table__()

        kind = 'capital' if name == 'capital_cost' else 'operating'
        totals = sum_by(line, line.plan, line.amount, [p.id for p in plans],
            where=line.kind == kind)
        return {p.id: p.currency.round(totals[p.id]) for p in plans}

    @classmethod
    def get_projections(cls, plans, names):
        pool = Pool()
        Product = pool.get('shakti.shg.business_plan.product')

        revenues = defaultdict(Decimal)
        margins = defaultdict(Decimal)
        for sub_plans in grouped_slice(plans, backend.MAX_QUERY_PARAMS):
            for line in Product.search([
                        ('plan', 'in', [p.id for p in sub_plans]),
                        ]):
                revenues[line.plan.id] += line.unit_price * line.quantity
                margins[line.plan.id] += (
                    (line.unit_price - line.unit_cost) * line.quantity)
        if 'monthly_profit' in names:
            operating = cls.get_costs(plans, 'operating_cost')
        result = {name: {} for name in names}
        for plan in plans:
            round_ = plan.currency.round
            if 'monthly_revenue' in names:
                result['monthly_revenue'][plan.id] = round_(
                    revenues[plan.id])
            if 'monthly_margin' in names:
                result['monthly_margin'][plan.id] = round_(margins[plan.id])
            if 'monthly_profit' in names:
                result['monthly_profit'][plan.id] = round_(
                    margins[plan.id] - operating[plan.id])
        return result

    @classmethod
    def get_attachment_count(cls, plans, name):
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        attachment = Attachment.__table__()

        cursor = Transaction().connection.cursor()
        in_ = fields.SQL_OPERATORS['in']
        counts = defaultdict(int)
        for sub_plans in grouped_slice(plans, backend.MAX_QUERY_PARAMS):
            resources = [str(p) for p in sub_plans]
            cursor.execute(*attachment.select(
                    attachment.resource, Count(attachment.id),
                    where=in_(attachment.resource, resources),
                    group_by=[attachment.resource]))
            for resource, count in cursor:
                counts[int(resource.split(',')[1])] = count
        return {p.id: counts[p.id] for p in plans}

    def funding_gap(self):
        "Return the capital cost less the own contribution"
        return self.capital_cost - self.own_contribution

    @classmethod
    def validate_fields(cls, plans, field_names):
        super().validate_fields(plans, field_names)
        cls.check_amounts(plans, field_names)

    @classmethod
    def check_amounts(cls, plans, field_names=None):
        if field_names and not (
                field_names & {'own_contribution', 'funding_requested'}):
            return
        for plan in plans:
            for name in ['own_contribution', 'funding_requested']:
                amount = getattr(plan, name)
                if amount is not None and amount < 0:
                    raise BusinessPlanError(gettext(
                            'shakti_shg.msg_business_plan_amount_negative',
                            plan=plan.rec_name,
                            field=cls.__names__(name)['field'],
                            amount=format_amount(amount, plan.currency)))

    @classmethod
    def check_funding(cls, plans):
        "Check the funding requested fits the capital cost of each plan"
        for plan in plans:
            gap = plan.funding_gap()
            if gap < 0:
                raise BusinessPlanError(gettext(
                        'shakti_shg.msg_business_plan_contribution_exceeds',
                        plan=plan.rec_name,
                        contribution=format_amount(
                            plan.own_contribution, plan.currency),
                        capital=format_amount(
                            plan.capital_cost, plan.currency)))
            if plan.funding_requested is not None and (
                    plan.funding_requested > gap):
                raise BusinessPlanError(gettext(
                        'shakti_shg.msg_business_plan_funding_exceeds',
                        plan=plan.rec_name,
                        amount=format_amount(
                            plan.funding_requested, plan.currency),
                        gap=format_amount(gap, plan.currency),
                        capital=format_amount(
                            plan.capital_cost, plan.currency),
                        contribution=format_amount(
                            plan.own_contribution, plan.currency)))

    @classmethod
    def copy(cls, plans, default=None):
        default = default.copy() if default is not None else {}
        for name in ['submitted_date', 'decision_date', 'funded_date']:
            default.setdefault(name)
        return super().copy(plans, default=default)

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, plans):
        cls.write(plans, {
                'submitted_date': None,
                'decision_date': None,
                })

    @classmethod
    @ModelView.button
    @Workflow.transition('submitted')
    def submit(cls, plans):
        pool = Pool()
        Date = pool.get('ir.date')

        cls.check_funding(plans)
        today = Date.today()
        for plan in plans:
            plan.submitted_date = today
            if plan.funding_requested is None:
                plan.funding_requested = plan.funding_gap()
        cls.save(plans)

    @classmethod
    @ModelView.button
    @Workflow.transition('approved')
    def approve(cls, plans):
        pool = Pool()
        Date = pool.get('ir.date')

        cls.write(plans, {'decision_date': Date.today()})

    @classmethod
    @ModelView.button
    @Workflow.transition('rejected')
    def reject(cls, plans):
        pool = Pool()
        Date = pool.get('ir.date')

        cls.write(plans, {'decision_date': Date.today()})

    @classmethod
    @ModelView.button
    @Workflow.transition('funded')
    def fund(cls, plans):
        pool = Pool()
        Date = pool.get('ir.date')

        cls.write(plans, {'funded_date': Date.today()})


class CostLine(LockedByParentMixin, OrganisationMixin, ModelSQL, ModelView):
    __name__ = 'shakti.shg.business_plan.cost'
    __string__ = "Business Plan Cost"
    _locked_by = {'plan': {'draft'}}
    _organisation_parent = 'plan'

    plan = fields.Many2One(
        'shakti.shg.business_plan', "Business Plan", required=True,
        ondelete='CASCADE')
    description = fields.Char("Description", required=True)
    kind = fields.Selection([
            ('capital', "Capital"),
            ('operating', "Monthly Operating"),
            ], "Kind", required=True, sort=False,
        help="Capital costs are paid once to start, and operating costs "
        "every month.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        readonly_once_saved(cls.plan)
        cls.__access__.add('plan')
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.plan, Index.Range())))

    @classmethod
    def default_kind(cls):
        return 'capital'

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    def get_rec_name(self, name):
        return '%s: %s' % (self.plan.rec_name, self.description)

    @classmethod
    def validate_fields(cls, lines, field_names):
        super().validate_fields(lines, field_names)
        if field_names and 'amount' not in field_names:
            return
        for line in lines:
            if line.amount < 0:
                raise BusinessPlanError(gettext(
                        'shakti_shg.msg_business_plan_cost_negative',
                        line=line.rec_name,
                        amount=format_amount(line.amount, line.currency)))


class ProductLine(LockedByParentMixin, OrganisationMixin, ModelSQL, ModelView):
    __name__ = 'shakti.shg.business_plan.product'
    __string__ = "Business Plan Product"
    _locked_by = {'plan': {'draft'}}
    _organisation_parent = 'plan'

    plan = fields.Many2One(
        'shakti.shg.business_plan', "Business Plan", required=True,
        ondelete='CASCADE')
    product = fields.Char("Product", required=True)
    unit = fields.Char("Unit", help="The unit the product is sold by.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    unit_price = Monetary(
        "Unit Price", currency='currency', digits='currency', required=True)
    unit_cost = Monetary(
        "Unit Cost", currency='currency', digits='currency', required=True,
        help="The cost of the materials and work of one unit.")
    quantity = fields.Numeric(
        "Projected Quantity per Month", digits=(16, 2), required=True)
    monthly_revenue = fields.Function(
        Monetary(
            "Monthly Revenue", currency='currency', digits='currency'),
        'on_change_with_monthly_revenue')
    monthly_margin = fields.Function(
        Monetary(
            "Monthly Margin", currency='currency', digits='currency'),
        'on_change_with_monthly_margin')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        readonly_once_saved(cls.plan)
        cls.__access__.add('plan')
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.plan, Index.Range())))

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    @fields.depends('unit_price', 'quantity', 'currency')
    def on_change_with_monthly_revenue(self, name=None):
        if None in (self.unit_price, self.quantity) or not self.currency:
            return None
        return self.currency.round(self.unit_price * self.quantity)

    @fields.depends('unit_price', 'unit_cost', 'quantity', 'currency')
    def on_change_with_monthly_margin(self, name=None):
        if (None in (self.unit_price, self.unit_cost, self.quantity)
                or not self.currency):
            return None
        return self.currency.round(
            (self.unit_price - self.unit_cost) * self.quantity)

    def get_rec_name(self, name):
        return '%s: %s' % (self.plan.rec_name, self.product)

    @classmethod
    def validate_fields(cls, lines, field_names):
        super().validate_fields(lines, field_names)
        if field_names and not (
                field_names & {'unit_price', 'unit_cost', 'quantity'}):
            return
        for line in lines:
            for name in ['unit_price', 'unit_cost', 'quantity']:
                value = getattr(line, name)
                if value < 0:
                    raise BusinessPlanError(gettext(
                            'shakti_shg.msg_business_plan_product_negative',
                            line=line.rec_name,
                            field=cls.__names__(name)['field'],
                            value=value))
