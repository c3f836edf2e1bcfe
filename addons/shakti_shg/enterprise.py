# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, Workflow, fields
from trytond.modules.currency.fields import Monetary
from trytond.modules.shakti_base.model import (
    LockedByParentMixin, OrganisationMixin, format_amount, readonly_once_saved,
    sum_by)
from trytond.pool import Pool
from trytond.pyson import Eval

from .exceptions import EnterpriseError

ACTIVITIES = [
    ('textile_printing', "Textile Printing"),
    ('jewellery', "Jewellery"),
    ('garments', "Garments"),
    ('tailoring', "Tailoring"),
    ('food_processing', "Food Processing"),
    ('handicrafts', "Handicrafts"),
    ('livestock', "Livestock"),
    ('agriculture', "Agriculture"),
    ('retail', "Retail"),
    ('other', "Other"),
    ]


class Enterprise(OrganisationMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'shakti.shg.enterprise'
    __string__ = "Enterprise"
    _history = True
    _organisation_parent = 'shg'

    name = fields.Char("Name", required=True)
    shg = fields.Many2One(
        'shakti.shg', "Group", required=True, ondelete='RESTRICT',
        states={
            'readonly': Eval('id', -1) >= 0,
            })
    kind = fields.Selection([
            ('group', "Group"),
            ('individual', "Individual"),
            ], "Kind", required=True, sort=False,
        help="A group enterprise is run by several members together, an "
        "individual one by one member.")
    activity = fields.Selection(
        ACTIVITIES, "Activity", required=True, sort=False)
    members = fields.Many2Many(
        'shakti.shg.enterprise-shakti.shg.member', 'enterprise', 'member',
        "Members",
        domain=[('shg', '=', Eval('shg', -1))])
    start_date = fields.Date("Start Date", required=True)
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    capital = Monetary(
        "Capital", currency='currency', digits='currency', required=True,
        help="The money put into the enterprise when it started.")
    state = fields.Selection([
            ('planned', "Planned"),
            ('running', "Running"),
            ('closed', "Closed"),
            ], "Status", readonly=True, sort=False)
    close_date = fields.Date(
        "Close Date", readonly=True,
        states={
            'invisible': Eval('state') != 'closed',
            })
    entries = fields.One2Many(
        'shakti.shg.enterprise.entry', 'enterprise', "Monthly Entries")
    total_revenue = fields.Function(
        Monetary("Total Revenue", currency='currency', digits='currency'),
        'get_totals')
    total_cost = fields.Function(
        Monetary("Total Cost", currency='currency', digits='currency'),
        'get_totals')
    total_profit = fields.Function(
        Monetary("Total Profit", currency='currency', digits='currency'),
        'get_totals')
    notes = fields.Text("Notes")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.shg, Index.Range())))
        cls._order = [('start_date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('planned', 'running'),
            ('running', 'closed'),
            ('closed', 'running'),
            }
        cls._buttons.update({
                'run': {
                    'invisible': Eval('state') == 'running',
                    'depends': ['state'],
                    },
                'close': {
                    'invisible': Eval('state') != 'running',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_kind(cls):
        return 'group'

    @classmethod
    def default_state(cls):
        return 'planned'

    @classmethod
    def default_capital(cls):
        return Decimal(0)

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    @classmethod
    def get_totals(cls, enterprises, names):
        pool = Pool()
        Entry = pool.get('shakti.shg.enterprise.entry')
        entry = Entry.__table__()

        ids = [e.id for e in enterprises]
        revenues = sum_by(entry, entry.enterprise, entry.revenue, ids)
        costs = sum_by(entry, entry.enterprise, entry.cost, ids)
        result = {name: {} for name in names}
        for enterprise in enterprises:
            round_ = enterprise.currency.round
            revenue = revenues[enterprise.id]
            cost = costs[enterprise.id]
            amounts = {
                'total_revenue': revenue,
                'total_cost': cost,
                'total_profit': revenue - cost,
                }
            for name in names:
                result[name][enterprise.id] = round_(amounts[name])
        return result

    @classmethod
    def validate_fields(cls, enterprises, field_names):
        super().validate_fields(enterprises, field_names)
        cls.check_members(enterprises, field_names)
        cls.check_amounts(enterprises, field_names)

    @classmethod
    def check_members(cls, enterprises, field_names=None):
        "Check an individual enterprise has exactly one member"
        if field_names and not (field_names & {'members', 'kind'}):
            return
        for enterprise in enterprises:
            if (enterprise.kind == 'individual'
                    and len(enterprise.members) != 1):
                raise EnterpriseError(gettext(
                        'shakti_shg.msg_enterprise_individual_members',
                        enterprise=enterprise.rec_name,
                        count=len(enterprise.members)))

    @classmethod
    def check_amounts(cls, enterprises, field_names=None):
        if field_names and not (
                field_names & {'capital', 'start_date', 'close_date'}):
            return
        for enterprise in enterprises:
            if enterprise.capital < 0:
                raise EnterpriseError(gettext(
                        'shakti_shg.msg_enterprise_capital_negative',
                        enterprise=enterprise.rec_name,
                        amount=format_amount(
                            enterprise.capital, enterprise.currency)))
            first = min((e.month for e in enterprise.entries), default=None)
            if first and first < enterprise.start_date.replace(day=1):
                raise EnterpriseError(gettext(
                        'shakti_shg.msg_enterprise_start_after_entries',
                        enterprise=enterprise.rec_name,
                        date=enterprise.start_date, month=first))
            if (enterprise.close_date
                    and enterprise.close_date < enterprise.start_date):
                raise EnterpriseError(gettext(
                        'shakti_shg.msg_enterprise_close_before_start',
                        enterprise=enterprise.rec_name,
                        date=enterprise.close_date,
                        start_date=enterprise.start_date))

    @classmethod
    def copy(cls, enterprises, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('entries')
        default.setdefault('close_date')
        return super().copy(enterprises, default=default)

    @classmethod
    @ModelView.button
    @Workflow.transition('running')
    def run(cls, enterprises):
        cls.write(enterprises, {'close_date': None})

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, enterprises):
        pool = Pool()
        Date = pool.get('ir.date')

        cls.write(enterprises, {'close_date': Date.today()})


class EnterpriseMember(OrganisationMixin, ModelSQL):
    __name__ = 'shakti.shg.enterprise-shakti.shg.member'
    __string__ = "Enterprise Member"
    _organisation_parent = 'enterprise'
    _organisation_fields = {'member'}

    enterprise = fields.Many2One(
        'shakti.shg.enterprise', "Enterprise", required=True,
        ondelete='CASCADE')
    member = fields.Many2One(
        'shakti.shg.member', "Member", required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('enterprise')
        t = cls.__table__()
        cls._sql_constraints = [
            ('enterprise_member_unique', Unique(t, t.enterprise, t.member),
                'shakti_shg.msg_enterprise_member_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.member, Index.Range())))


class EnterpriseEntry(
        LockedByParentMixin, OrganisationMixin, ModelSQL, ModelView):
    __name__ = 'shakti.shg.enterprise.entry'
    __string__ = "Enterprise Monthly Entry"
    _locked_by = {'enterprise': {'planned', 'running'}}
    _history = True
    _organisation_parent = 'enterprise'

    enterprise = fields.Many2One(
        'shakti.shg.enterprise', "Enterprise", required=True,
        ondelete='CASCADE')
    month = fields.Date(
        "Month", required=True,
        help="The first day of the month. Any other day is saved as the "
        "first day of its month.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    revenue = Monetary(
        "Revenue", currency='currency', digits='currency', required=True)
    cost = Monetary(
        "Cost", currency='currency', digits='currency', required=True)
    profit = fields.Function(
        Monetary("Profit", currency='currency', digits='currency'),
        'on_change_with_profit')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        readonly_once_saved(cls.enterprise)
        cls.__access__.add('enterprise')
        t = cls.__table__()
        cls._sql_constraints = [
            ('enterprise_month_unique', Unique(t, t.enterprise, t.month),
                'shakti_shg.msg_enterprise_entry_month_unique'),
            ]
        cls._order = [('month', 'DESC'), ('id', 'DESC')]

    @classmethod
    def default_revenue(cls):
        return Decimal(0)

    @classmethod
    def default_cost(cls):
        return Decimal(0)

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    @fields.depends('revenue', 'cost')
    def on_change_with_profit(self, name=None):
        if self.revenue is not None and self.cost is not None:
            return self.revenue - self.cost

    @fields.depends('month')
    def on_change_month(self):
        if self.month:
            self.month = self.month.replace(day=1)

    def get_rec_name(self, name):
        return '%s @ %s' % (
            self.enterprise.rec_name, self.month.strftime('%Y-%m'))

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('month'):
            values['month'] = values['month'].replace(day=1)
        return values

    @classmethod
    def validate_fields(cls, entries, field_names):
        super().validate_fields(entries, field_names)
        cls.check_entry(entries, field_names)

    @classmethod
    def check_entry(cls, entries, field_names=None):
        """Check amounts are not negative and the month is from the start
        and not after this month"""
        pool = Pool()
        Date = pool.get('ir.date')

        if field_names and not (
                field_names & {'revenue', 'cost', 'month', 'enterprise'}):
            return
        today = Date.today()
        for entry in entries:
            for name in ['revenue', 'cost']:
                amount = getattr(entry, name)
                if amount < 0:
                    raise EnterpriseError(gettext(
                            'shakti_shg.msg_enterprise_entry_negative',
                            entry=entry.rec_name,
                            field=cls.__names__(name)['field'],
                            amount=format_amount(amount, entry.currency)))
            start = entry.enterprise.start_date.replace(day=1)
            if entry.month < start:
                raise EnterpriseError(gettext(
                        'shakti_shg.msg_enterprise_entry_before_start',
                        entry=entry.rec_name,
                        start_date=entry.enterprise.start_date))
            if entry.month > today:
                raise EnterpriseError(gettext(
                        'shakti_shg.msg_enterprise_entry_future',
                        entry=entry.rec_name))
