# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, Workflow, fields
from trytond.modules.currency.fields import Monetary
from trytond.modules.shakti_base.model import (
    CurrencyMixin, LockedByParentMixin, OrganisationMixin, format_amount,
    lock_existing, sum_by)
from trytond.pool import Pool
from trytond.pyson import Bool, Eval, If
from trytond.transaction import without_check_access

from .exceptions import GrantError

# The agreements whose whole amount counts against their source; a closed
# agreement counts what it disbursed.
COMMITTED_STATES = {'draft', 'active'}


class Grant(OrganisationMixin, CurrencyMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'shakti.grant'
    __string__ = "Grant"
    _history = True
    _rec_name = 'reference'

    _states = {
        'readonly': Eval('state') != 'draft',
        }

    reference = fields.Char("Reference", required=True, states=_states)
    name = fields.Char("Name", required=True, states=_states)
    donor = fields.Char(
        "Donor", required=True, states=_states,
        help="The donor or funding body that gives the grant.")
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True,
        states=_states,
        domain=[('amount', '>', 0)])
    start_date = fields.Date(
        "Start Date", required=True, states=_states,
        domain=[If(Eval('end_date'),
                ('start_date', '<=', Eval('end_date')),
                ())])
    end_date = fields.Date(
        "End Date", required=True, states=_states,
        domain=[If(Eval('start_date'),
                ('end_date', '>=', Eval('start_date')),
                ())])
    budget_lines = fields.One2Many(
        'shakti.grant.budget_line', 'grant', "Budget Lines",
        states=_states)
    allocations = fields.One2Many(
        'shakti.grant.allocation', 'grant', "Agreements",
        states={
            'readonly': Eval('state') != 'active',
            },
        help="The agreements that the grant funds.")
    allocated_amount = fields.Function(
        Monetary("Allocated", currency='currency', digits='currency'),
        'get_allocated_amount')
    unallocated_amount = fields.Function(
        Monetary("Unallocated", currency='currency', digits='currency'),
        'get_allocated_amount')
    state = fields.Selection([
            ('draft', "Draft"),
            ('active', "Active"),
            ('closed', "Closed"),
            ], "State", readonly=True, sort=False)

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('reference_unique', Unique(t, t.company, t.reference),
                'shakti_partner_grants.msg_grant_reference_unique'),
            ]
        cls._sql_indexes.add(
            Index(t, (t.state, Index.Equality(cardinality='low'))))
        cls._order = [('start_date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'active'),
            ('active', 'draft'),
            ('active', 'closed'),
            }
        cls._buttons.update({
                'draft': {
                    'invisible': Eval('state') != 'active',
                    'depends': ['state'],
                    },
                'activate': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'close': {
                    'invisible': Eval('state') != 'active',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    def get_rec_name(self, name):
        return '%s - %s' % (self.reference, self.name)

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, value = clause
        bool_op = 'AND' if operator.startswith('!') else 'OR'
        return [bool_op,
            ('reference', operator, value),
            ('name', operator, value),
            ]

    @classmethod
    def copy(cls, grants, default=None):
        # The agreements of a grant are funded by it alone.
        default = default.copy() if default is not None else {}
        default.setdefault('allocations')
        default.setdefault(
            'reference', lambda data: '%s (copy)' % data['reference'])
        return super().copy(grants, default=default)

    @classmethod
    def get_allocated_amount(cls, grants, name):
        pool = Pool()
        Allocation = pool.get('shakti.grant.allocation')

        allocated = Allocation.committed_amounts('grant', grants)
        result = {}
        for grant in grants:
            value = allocated.get(grant.id, Decimal(0))
            if name == 'unallocated_amount':
                value = grant.amount - value
            result[grant.id] = grant.currency.round(value)
        return result

    @classmethod
    def validate_fields(cls, grants, field_names):
        super().validate_fields(grants, field_names)
        cls.check_budget(grants, field_names)
        cls.check_allocated(grants, field_names)

    @classmethod
    def check_budget(cls, grants, field_names=None):
        "Check the budget lines of each grant do not exceed it"
        if field_names and not (field_names & {'amount', 'budget_lines'}):
            return
        for grant in grants:
            total = sum((l.amount for l in grant.budget_lines), Decimal(0))
            if total > grant.amount:
                raise GrantError(gettext(
                        'shakti_partner_grants.msg_budget_above_amount',
                        record=grant.rec_name,
                        budget=format_amount(total, grant.currency),
                        amount=format_amount(grant.amount, grant.currency)))

    @classmethod
    def check_allocated(cls, grants, field_names=None):
        pool = Pool()
        Allocation = pool.get('shakti.grant.allocation')

        if field_names and 'amount' not in field_names:
            return
        Allocation.check_source_amounts(grants)

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, grants):
        for grant in grants:
            if grant.allocations:
                raise GrantError(gettext(
                        'shakti_partner_grants.msg_grant_draft_allocated',
                        record=grant.rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('active')
    def activate(cls, grants):
        for grant in grants:
            if not grant.budget_lines:
                raise GrantError(gettext(
                        'shakti_partner_grants.msg_grant_no_budget',
                        record=grant.rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, grants):
        pool = Pool()
        Allocation = pool.get('shakti.grant.allocation')
        with without_check_access():
            open_ = Allocation.search([
                    ('grant', 'in', [g.id for g in grants]),
                    ('agreement.state', 'in', ['draft', 'active']),
                    ], limit=1)
            if open_:
                allocation, = open_
                raise GrantError(gettext(
                        'shakti_partner_grants'
                        '.msg_grant_close_open_agreement',
                        record=allocation.grant.rec_name,
                        agreement=allocation.agreement.rec_name))


class GrantBudgetLine(
        LockedByParentMixin, OrganisationMixin, ModelSQL, ModelView):
    __name__ = 'shakti.grant.budget_line'
    __string__ = "Grant Budget Line"
    _organisation_parent = 'grant'
    _locked_by = {'grant': {'draft'}}

    grant = fields.Many2One(
        'shakti.grant', "Grant", required=True, ondelete='CASCADE')
    name = fields.Char("Name", required=True)
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True,
        domain=[('amount', '>', 0)])
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('grant')

    @fields.depends('grant', '_parent_grant.currency')
    def on_change_with_currency(self, name=None):
        return self.grant.currency if self.grant else None


class Allocation(OrganisationMixin, CurrencyMixin, ModelSQL, ModelView):
    """The link from a source of funds, a grant or an agreement of the
    organisation, to an agreement with an organisation directly under it.

    The link is kept by the funder so that the organisation funded reads
    its agreement without reaching the funder's records."""
    __name__ = 'shakti.grant.allocation'
    __string__ = "Grant Allocation"
    _history = True
    _organisation_fields = {'grant', 'parent'}
    _organisation_lower_fields = {'agreement'}

    grant = fields.Many2One(
        'shakti.grant', "Grant", ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        states={
            'required': ~Eval('parent'),
            'invisible': Bool(Eval('parent')),
            })
    parent = fields.Many2One(
        'shakti.grant.agreement', "Parent Agreement", ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        states={
            'required': ~Eval('grant'),
            'invisible': Bool(Eval('grant')),
            },
        help="The agreement of the organisation whose funds go on.")
    agreement = fields.Many2One(
        'shakti.grant.agreement', "Agreement", required=True,
        ondelete='CASCADE',
        help="An agreement with an organisation directly under the "
        "funder.")
    amount = fields.Function(
        Monetary("Amount", currency='currency', digits='currency'),
        'get_agreement_field')
    agreement_state = fields.Function(
        fields.Selection('get_agreement_states', "Agreement State"),
        'get_agreement_field')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        for name in ['grant', 'parent', 'agreement']:
            field = getattr(cls, name)
            field.states = dict(field.states, readonly=Eval('id', -1) >= 0)
        t = cls.__table__()
        cls._sql_constraints += [
            ('agreement_unique', Unique(t, t.agreement),
                'shakti_partner_grants.msg_allocation_agreement_unique'),
            ]
        cls._sql_indexes.update({
                Index(t, (t.grant, Index.Equality())),
                Index(t, (t.parent, Index.Equality())),
                })

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        for name in ['grant', 'parent']:
            if values.get(name) is not None:
                Source = cls._fields[name].get_target()
                values['company'] = Source(values[name]).company.id
        return values

    @classmethod
    def get_agreement_states(cls):
        pool = Pool()
        Agreement = pool.get('shakti.grant.agreement')
        return Agreement.fields_get(['state'])['state']['selection']

    @classmethod
    def get_agreement_field(cls, allocations, names):
        result = {n: {} for n in names}
        with without_check_access():
            for allocation in cls.browse(allocations):
                if 'amount' in names:
                    result['amount'][allocation.id] = (
                        allocation.agreement.amount)
                if 'agreement_state' in names:
                    result['agreement_state'][allocation.id] = (
                        allocation.agreement.state)
        return result

    def get_rec_name(self, name):
        source = self.grant or self.parent
        return '%s > %s' % (source.rec_name, self.agreement.rec_name)

    @classmethod
    def committed_amounts(cls, source, records):
        """Return the money committed to the agreements funded by each of
        the records, a grant or an agreement: the amount of the draft and
        active agreements, and what the closed ones disbursed"""
        pool = Pool()
        Agreement = pool.get('shakti.grant.agreement')
        Tranche = pool.get('shakti.grant.tranche')
        Disbursement = pool.get('shakti.grant.disbursement')
        allocation = cls.__table__()
        agreement = Agreement.__table__()
        tranche = Tranche.__table__()
        disbursement = Disbursement.__table__()
        column = getattr(allocation, source)
        ids = [r.id for r in records]

        totals = sum_by(
            allocation.join(agreement,
                condition=allocation.agreement == agreement.id),
            column, agreement.amount, ids,
            where=agreement.state.in_(list(COMMITTED_STATES)))

        closed = sum_by(
            allocation.join(agreement,
                condition=allocation.agreement == agreement.id
                ).join(tranche,
                condition=tranche.agreement == agreement.id
                ).join(disbursement,
                condition=disbursement.tranche == tranche.id),
            column, disbursement.amount, ids,
            where=agreement.state == 'closed')

        for id_, amount in closed.items():
            totals[id_] += amount
        return totals

    @classmethod
    def check_source_amounts(cls, sources):
        """Check the agreements funded by each source, a grant or an
        agreement, do not exceed its amount"""
        if not sources:
            return
        name = 'grant' if sources[0].__name__ == 'shakti.grant' else 'parent'
        with without_check_access():
            lock_existing(sources)
            totals = cls.committed_amounts(name, sources)
        for source in sources:
            total = totals.get(source.id, Decimal(0))
            if total > source.amount:
                raise GrantError(gettext(
                        'shakti_partner_grants.msg_allocated_above_amount',
                        record=source.rec_name,
                        allocated=format_amount(total, source.currency),
                        amount=format_amount(
                            source.amount, source.currency)))

    @classmethod
    def validate_fields(cls, allocations, field_names):
        super().validate_fields(allocations, field_names)
        cls.check_sources(allocations)

    @classmethod
    def check_sources(cls, allocations):
        grants, parents = set(), set()
        with without_check_access():
            for allocation in cls.browse(allocations):
                agreement = allocation.agreement
                if agreement.company.parent != allocation.company:
                    raise GrantError(gettext(
                            'shakti_partner_grants.msg_allocation_not_below',
                            record=agreement.rec_name,
                            recipient=agreement.company.rec_name,
                            funder=allocation.company.rec_name))
                if bool(allocation.grant) == bool(allocation.parent):
                    raise GrantError(gettext(
                            'shakti_partner_grants.msg_allocation_one_source',
                            record=agreement.rec_name))
                if allocation.grant:
                    if allocation.grant.state != 'active':
                        raise GrantError(gettext(
                                'shakti_partner_grants'
                                '.msg_allocation_source_inactive',
                                record=agreement.rec_name,
                                source=allocation.grant.rec_name))
                    grants.add(allocation.grant)
                else:
                    if allocation.parent.state != 'active':
                        raise GrantError(gettext(
                                'shakti_partner_grants'
                                '.msg_allocation_source_inactive',
                                record=agreement.rec_name,
                                source=allocation.parent.rec_name))
                    parents.add(allocation.parent)
                if not (agreement.start_date >= source_start(allocation)
                        and agreement.end_date <= source_end(allocation)):
                    raise GrantError(gettext(
                            'shakti_partner_grants'
                            '.msg_allocation_outside_period',
                            record=agreement.rec_name,
                            start_date=agreement.start_date,
                            end_date=agreement.end_date,
                            source=(allocation.grant
                                or allocation.parent).rec_name))
            Grant = Pool().get('shakti.grant')
            cls.check_source_amounts(Grant.browse(sorted(grants)))
            cls.check_source_amounts(sorted(parents))

    @classmethod
    def check_modification(
            cls, mode, allocations, values=None, external=False):
        super().check_modification(
            mode, allocations, values=values, external=external)
        if mode == 'delete':
            with without_check_access():
                for allocation in cls.browse(allocations):
                    if allocation.agreement.state != 'draft':
                        raise GrantError(gettext(
                                'shakti_partner_grants'
                                '.msg_allocation_delete_signed',
                                record=allocation.agreement.rec_name))


def source_start(allocation):
    return (allocation.grant or allocation.parent).start_date


def source_end(allocation):
    return (allocation.grant or allocation.parent).end_date
