# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from collections import defaultdict
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from sql.aggregate import Sum
from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, Workflow, fields
from trytond.modules.currency.fields import Monetary
from trytond.modules.shakti_base.model import (
    CurrencyMixin, LockedByParentMixin, OrganisationMixin, format_amount,
    lock_existing, sum_by)
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access

from .common import check_funder, check_funder_of, check_second_user
from .exceptions import AgreementError, UtilisationError

# The age bands of unaccounted money, in months: (name, from, to).
AGE_BANDS = [
    ('unaccounted_0_3', 0, 3),
    ('unaccounted_3_6', 3, 6),
    ('unaccounted_6_9', 6, 9),
    ('unaccounted_9', 9, None),
    ]
# The tranches whose money is on its way.
RELEASING_STATES = {'requested', 'approved'}
# The fields of an agreement that its recipient may change, to fund the
# agreements with the organisations under it from its own.
RECIPIENT_FIELDS = {'sub_allocations'}


def age_unaccounted(disbursements, utilised, date):
    """Return the unaccounted money per age band on date.

    disbursements is a list of (date, amount); the money utilised accounts
    for the oldest disbursements first. A disbursement is in the band of
    the whole months between its date and date."""
    result = {name: Decimal(0) for name, _, _ in AGE_BANDS}
    left = utilised
    for disbursed_on, amount in sorted(disbursements):
        accounted = min(left, amount)
        left -= accounted
        remaining = amount - accounted
        if not remaining:
            continue
        delta = relativedelta(date, disbursed_on)
        months = delta.years * 12 + delta.months
        for name, start, end in AGE_BANDS:
            if months >= start and (end is None or months < end):
                result[name] += remaining
                break
    return result


def copy_reference(data):
    "Return the reference of the copy of a record with data"
    return '%s (copy)' % data['reference']


def today():
    pool = Pool()
    Date = pool.get('ir.date')
    return Transaction().context.get('date') or Date.today()


class Agreement(
        OrganisationMixin, CurrencyMixin, Workflow, ModelSQL, ModelView):
    """An agreement by which an organisation funds one directly under it.

    The agreement belongs to the organisation funded, so both see it. Only
    the organisations above it, the funder and the lead NGO, change its
    terms. The recipient only adds the agreements that it funds in turn."""
    __name__ = 'shakti.grant.agreement'
    __string__ = "Partner Agreement"
    _history = True
    _rec_name = 'reference'

    _states = {
        'readonly': Eval('state') != 'draft',
        }

    reference = fields.Char("Reference", required=True, states=_states)
    title = fields.Char("Title", required=True, states=_states)
    funder = fields.Function(
        fields.Many2One('company.company', "Funder"),
        'on_change_with_funder', searcher='search_funder')
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
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True,
        states=_states,
        domain=[('amount', '>', 0)])
    budget_lines = fields.One2Many(
        'shakti.grant.agreement.budget_line', 'agreement', "Budget Lines",
        states=_states)
    commitments = fields.One2Many(
        'shakti.grant.agreement.commitment', 'agreement', "Commitments",
        states=_states,
        help="The roles and responsibilities of each side.")
    tranches = fields.One2Many(
        'shakti.grant.tranche', 'agreement', "Tranches",
        states={
            'readonly': ~Eval('state').in_(['draft', 'active']),
            })
    sub_allocations = fields.One2Many(
        'shakti.grant.allocation', 'parent', "Sub-agreements",
        states={
            'readonly': Eval('state') != 'active',
            },
        help="The agreements with the organisations under the recipient "
        "that this agreement funds.")
    utilisations = fields.One2Many(
        'shakti.grant.utilisation', 'agreement', "Utilisation Reports",
        readonly=True)
    planned_amount = fields.Function(
        Monetary("Planned", currency='currency', digits='currency',
            help="The amount of the tranches not cancelled."),
        'get_amounts')
    disbursed_amount = fields.Function(
        Monetary("Disbursed", currency='currency', digits='currency'),
        'get_amounts')
    utilised_amount = fields.Function(
        Monetary("Utilised", currency='currency', digits='currency',
            help="The amount of the accepted utilisation reports."),
        'get_amounts')
    unaccounted_amount = fields.Function(
        Monetary("Unaccounted", currency='currency', digits='currency',
            help="The money disbursed that no accepted utilisation report "
            "accounts for."),
        'get_amounts')
    unaccounted_0_3 = fields.Function(
        Monetary("Under 3 Months", currency='currency', digits='currency'),
        'get_aging')
    unaccounted_3_6 = fields.Function(
        Monetary("3 to 6 Months", currency='currency', digits='currency'),
        'get_aging')
    unaccounted_6_9 = fields.Function(
        Monetary("6 to 9 Months", currency='currency', digits='currency'),
        'get_aging')
    unaccounted_9 = fields.Function(
        Monetary("Over 9 Months", currency='currency', digits='currency'),
        'get_aging')
    signed_date = fields.Date("Signed Date", readonly=True)
    closed_date = fields.Date("Closed Date", readonly=True)
    state = fields.Selection([
            ('draft', "Draft"),
            ('active', "Active"),
            ('closed', "Closed"),
            ('cancelled', "Cancelled"),
            ], "State", readonly=True, sort=False)

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.company.string = "Recipient"
        t = cls.__table__()
        cls._sql_constraints += [
            ('reference_unique', Unique(t, t.company, t.reference),
                'shakti_partner_grants.msg_agreement_reference_unique'),
            ]
        cls._sql_indexes.add(
            Index(t, (t.state, Index.Equality(cardinality='low'))))
        cls._order = [('start_date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'active'),
            ('draft', 'cancelled'),
            ('cancelled', 'draft'),
            ('active', 'closed'),
            }
        cls._buttons.update({
                'activate': {
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
                'close': {
                    'invisible': Eval('state') != 'active',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_company(cls):
        # The user works for the funder, which never funds itself.
        return None

    @fields.depends('company')
    def on_change_with_funder(self, name=None):
        return self.company.parent if self.company else None

    @classmethod
    def search_funder(cls, name, clause):
        return [('company.parent' + clause[0][len(name):],
                *clause[1:])]

    def get_rec_name(self, name):
        return '%s (%s)' % (self.reference, self.company.rec_name)

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, value = clause
        bool_op = 'AND' if operator.startswith('!') else 'OR'
        return [bool_op,
            ('reference', operator, value),
            ('title', operator, value),
            ]

    @classmethod
    def get_amounts(cls, agreements, names):
        """Return the amounts of the agreements: the money disbursed and
        the accepted reports up to the date of the context, or all of them
        without a date"""
        pool = Pool()
        Tranche = pool.get('shakti.grant.tranche')
        Disbursement = pool.get('shakti.grant.disbursement')
        Utilisation = pool.get('shakti.grant.utilisation')
        UtilisationLine = pool.get('shakti.grant.utilisation.line')

        ids = [a.id for a in agreements]
        date = Transaction().context.get('date')
        tranche = Tranche.__table__()
        disbursement = Disbursement.__table__()
        utilisation = Utilisation.__table__()
        line = UtilisationLine.__table__()
        disbursed_where = utilisation_where = None
        if date:
            disbursed_where = disbursement.date <= date
            utilisation_where = utilisation.review_date <= date
        accepted = utilisation.state == 'accepted'
        if utilisation_where is not None:
            accepted &= utilisation_where
        planned = sum_by(tranche, tranche.agreement, tranche.amount, ids,
            where=tranche.state != 'cancelled')
        disbursed = sum_by(
            disbursement.join(tranche,
                condition=disbursement.tranche == tranche.id),
            tranche.agreement, disbursement.amount, ids,
            where=disbursed_where)
        utilised = sum_by(
            line.join(utilisation,
                condition=line.utilisation == utilisation.id),
            utilisation.agreement, line.amount, ids, where=accepted)
        values = {
            'planned_amount': planned,
            'disbursed_amount': disbursed,
            'utilised_amount': utilised,
            }
        result = {n: {} for n in names}
        for agreement in agreements:
            round_ = agreement.currency.round
            amounts = {n: v.get(agreement.id, Decimal(0))
                for n, v in values.items()}
            amounts['unaccounted_amount'] = (
                amounts['disbursed_amount'] - amounts['utilised_amount'])
            for name in names:
                result[name][agreement.id] = round_(amounts[name])
        return result

    @classmethod
    def get_aging(cls, agreements, names):
        """Return the unaccounted money of the agreements by age on the
        date of the context, or today"""
        pool = Pool()
        Tranche = pool.get('shakti.grant.tranche')
        Disbursement = pool.get('shakti.grant.disbursement')
        Utilisation = pool.get('shakti.grant.utilisation')
        UtilisationLine = pool.get('shakti.grant.utilisation.line')

        date = today()
        ids = [a.id for a in agreements]
        tranche = Tranche.__table__()
        disbursement = Disbursement.__table__()
        utilisation = Utilisation.__table__()
        line = UtilisationLine.__table__()
        cursor = Transaction().connection.cursor()
        in_ = fields.SQL_OPERATORS['in']
        disbursements = defaultdict(list)
        for sub_ids in grouped_slice(ids, backend.MAX_QUERY_PARAMS):
            cursor.execute(*disbursement.join(tranche,
                    condition=disbursement.tranche == tranche.id).select(
                    tranche.agreement, disbursement.date,
                    Sum(disbursement.amount),
                    where=in_(tranche.agreement, sub_ids)
                    & (disbursement.date <= date),
                    group_by=[tranche.agreement, disbursement.date]))
            for agreement_id, disbursed_on, amount in cursor:
                if isinstance(disbursed_on, str):
                    disbursed_on = fields.Date._py_type.fromisoformat(
                        disbursed_on)
                disbursements[agreement_id].append(
                    (disbursed_on, Decimal(str(amount))))
        utilised = sum_by(
            line.join(utilisation,
                condition=line.utilisation == utilisation.id),
            utilisation.agreement, line.amount, ids,
            where=(utilisation.state == 'accepted')
            & (utilisation.review_date <= date))
        result = {n: {} for n in names}
        for agreement in agreements:
            bands = age_unaccounted(
                disbursements[agreement.id],
                utilised.get(agreement.id, Decimal(0)), date)
            for name in names:
                result[name][agreement.id] = agreement.currency.round(
                    bands[name])
        return result

    @classmethod
    def validate_fields(cls, agreements, field_names):
        pool = Pool()
        Tranche = pool.get('shakti.grant.tranche')
        Milestone = pool.get('shakti.grant.milestone')
        super().validate_fields(agreements, field_names)
        if not field_names or field_names & {'start_date', 'end_date'}:
            tranches = [t for a in agreements for t in a.tranches]
            Tranche.check_period(tranches)
            Milestone.check_period([m for t in tranches for m in t.milestones])
        cls.check_amounts(agreements, field_names)

    @classmethod
    def check_amounts(cls, agreements, field_names=None):
        """Check the budget lines, tranches and sub-agreements of each
        agreement stay within its amount, and it stays within its source"""
        pool = Pool()
        Allocation = pool.get('shakti.grant.allocation')
        if field_names and not (field_names & {
                    'amount', 'budget_lines', 'tranches', 'start_date',
                    'end_date', 'state'}):
            return
        for agreement in agreements:
            currency = agreement.currency
            budget = sum(
                (l.amount for l in agreement.budget_lines), Decimal(0))
            if budget > agreement.amount:
                raise AgreementError(gettext(
                        'shakti_partner_grants.msg_budget_above_amount',
                        record=agreement.rec_name,
                        budget=format_amount(budget, currency),
                        amount=format_amount(agreement.amount, currency)))
        cls.check_tranches(agreements)
        Allocation.check_source_amounts(agreements)
        with without_check_access():
            allocations = Allocation.search([
                    ('agreement', 'in', [a.id for a in agreements]),
                    ])
            Allocation.check_sources(allocations)

    @classmethod
    def check_tranches(cls, agreements):
        "Check the tranches of each agreement do not exceed it"
        with without_check_access():
            lock_existing(agreements)
            planned = cls.get_amounts(agreements, ['planned_amount'])[
                'planned_amount']
        for agreement in agreements:
            if planned[agreement.id] > agreement.amount:
                raise AgreementError(gettext(
                        'shakti_partner_grants.msg_tranches_above_amount',
                        record=agreement.rec_name,
                        planned=format_amount(
                            planned[agreement.id], agreement.currency),
                        amount=format_amount(
                            agreement.amount, agreement.currency)))

    @classmethod
    def copy(cls, agreements, default=None):
        # The agreements that an agreement funds have their own funding
        # link, which a copy cannot take.
        default = default.copy() if default is not None else {}
        default.setdefault('sub_allocations')
        default.setdefault('reference', copy_reference)
        return super().copy(agreements, default=default)

    @classmethod
    def _before_create(cls, vlist):
        # Check the recipient before the budget lines and tranches created
        # with the agreement fail on the record rules, whose message names
        # the agreement by its id only.
        pool = Pool()
        Company = pool.get('company.company')
        transaction = Transaction()
        if transaction.user and transaction.check_access:
            for values in vlist:
                company = values.get('company', cls.default_company())
                if company is None:
                    raise AgreementError(gettext(
                            'shakti_partner_grants.msg_agreement_no_recipient',
                            record=values.get('reference') or ''))
                recipient = Company(company)
                check_funder_of(recipient,
                    '%s (%s)' % (values.get('reference') or '',
                        recipient.rec_name),
                    gettext('shakti_partner_grants.msg_action_create'))
        return super()._before_create(vlist)

    @classmethod
    def check_modification(
            cls, mode, agreements, values=None, external=False):
        super().check_modification(
            mode, agreements, values=values, external=external)
        if external and (mode != 'write'
                or not set(values or {}) <= RECIPIENT_FIELDS):
            check_funder(agreements, gettext(
                    'shakti_partner_grants.msg_action_change'))
        if mode == 'delete':
            for agreement in agreements:
                if agreement.state not in {'draft', 'cancelled'}:
                    raise AgreementError(gettext(
                            'shakti_partner_grants.msg_agreement_delete',
                            record=agreement.rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('active')
    def activate(cls, agreements):
        pool = Pool()
        Allocation = pool.get('shakti.grant.allocation')
        Date = pool.get('ir.date')

        check_funder(agreements, gettext(
                'shakti_partner_grants.msg_action_sign'))
        with without_check_access():
            funded = {a.agreement for a in Allocation.search([
                        ('agreement', 'in', [a.id for a in agreements]),
                        ])}
        for agreement in agreements:
            if agreement not in funded:
                raise AgreementError(gettext(
                        'shakti_partner_grants.msg_agreement_unfunded',
                        record=agreement.rec_name,
                        funder=agreement.funder.rec_name))
            budget = sum(
                (l.amount for l in agreement.budget_lines), Decimal(0))
            if budget != agreement.amount:
                raise AgreementError(gettext(
                        'shakti_partner_grants.msg_budget_not_amount',
                        record=agreement.rec_name,
                        budget=format_amount(budget, agreement.currency),
                        amount=format_amount(
                            agreement.amount, agreement.currency)))
            owners = {c.owner for c in agreement.commitments}
            if owners != {'funder', 'recipient'}:
                raise AgreementError(gettext(
                        'shakti_partner_grants.msg_agreement_commitments',
                        record=agreement.rec_name))
            if not agreement.tranches:
                raise AgreementError(gettext(
                        'shakti_partner_grants.msg_agreement_no_tranche',
                        record=agreement.rec_name))
        cls.write(agreements, {'signed_date': Date.today()})

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, agreements):
        check_funder(agreements, gettext(
                'shakti_partner_grants.msg_action_cancel'))

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, agreements):
        check_funder(agreements, gettext(
                'shakti_partner_grants.msg_action_draft'))

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, agreements):
        pool = Pool()
        Date = pool.get('ir.date')
        Tranche = pool.get('shakti.grant.tranche')

        check_funder(agreements, gettext(
                'shakti_partner_grants.msg_action_close'))
        with Transaction().set_context(date=None):
            unaccounted = cls.get_amounts(
                agreements, ['unaccounted_amount'])['unaccounted_amount']
        to_cancel = []
        for agreement in agreements:
            if unaccounted[agreement.id]:
                raise AgreementError(gettext(
                        'shakti_partner_grants.msg_close_unaccounted',
                        record=agreement.rec_name,
                        unaccounted=format_amount(
                            unaccounted[agreement.id], agreement.currency)))
            for tranche in agreement.tranches:
                if tranche.state in RELEASING_STATES:
                    raise AgreementError(gettext(
                            'shakti_partner_grants.msg_close_releasing',
                            record=agreement.rec_name,
                            tranche=tranche.rec_name))
                if tranche.state == 'planned':
                    to_cancel.append(tranche)
            for allocation in agreement.sub_allocations:
                if allocation.agreement.state in {'draft', 'active'}:
                    raise AgreementError(gettext(
                            'shakti_partner_grants.msg_close_sub_agreement',
                            record=agreement.rec_name,
                            agreement=allocation.agreement.rec_name))
        with without_check_access():
            Tranche.write(to_cancel, {'state': 'cancelled'})
        cls.write(agreements, {'closed_date': Date.today()})


class AgreementBudgetLine(
        LockedByParentMixin, OrganisationMixin, CurrencyMixin, ModelSQL,
        ModelView):
    __name__ = 'shakti.grant.agreement.budget_line'
    __string__ = "Agreement Budget Line"
    _organisation_parent = 'agreement'
    _locked_by = {'agreement': {'draft'}}

    agreement = fields.Many2One(
        'shakti.grant.agreement', "Agreement", required=True,
        ondelete='CASCADE')
    name = fields.Char("Name", required=True)
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True,
        domain=[('amount', '>', 0)])
    utilised_amount = fields.Function(
        Monetary("Utilised", currency='currency', digits='currency'),
        'get_utilised_amount')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('agreement')

    @classmethod
    def get_utilised_amount(cls, lines, name):
        """Return the money of the reports accepted up to the date of the
        context, or of all of them without a date, per budget line"""
        pool = Pool()
        Utilisation = pool.get('shakti.grant.utilisation')
        UtilisationLine = pool.get('shakti.grant.utilisation.line')
        utilisation = Utilisation.__table__()
        line = UtilisationLine.__table__()
        date = Transaction().context.get('date')
        accepted = utilisation.state == 'accepted'
        if date:
            accepted &= utilisation.review_date <= date
        totals = sum_by(
            line.join(utilisation,
                condition=line.utilisation == utilisation.id),
            line.budget_line, line.amount, [l.id for l in lines],
            where=accepted)
        return {l.id: l.currency.round(totals.get(l.id, Decimal(0)))
            for l in lines}

    @classmethod
    def check_modification(cls, mode, lines, values=None, external=False):
        super().check_modification(
            mode, lines, values=values, external=external)
        if external:
            check_funder([l.agreement for l in lines], gettext(
                    'shakti_partner_grants.msg_action_change'))


class Commitment(
        LockedByParentMixin, OrganisationMixin, ModelSQL, ModelView):
    "A responsibility that one side of an agreement takes on"
    __name__ = 'shakti.grant.agreement.commitment'
    __string__ = "Agreement Commitment"
    _organisation_parent = 'agreement'
    _locked_by = {'agreement': {'draft'}}

    agreement = fields.Many2One(
        'shakti.grant.agreement', "Agreement", required=True,
        ondelete='CASCADE')
    owner = fields.Selection([
            ('funder', "Funder"),
            ('recipient', "Recipient"),
            ], "Owner", required=True, sort=False,
        help="The side that takes on the commitment.")
    description = fields.Text("Description", required=True)
    measure = fields.Char(
        "Measure", help="How the commitment is measured.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('agreement')

    def get_rec_name(self, name):
        return '%s: %s' % (
            self.__class__.fields_get(['owner'])['owner']['selection'][
                ['funder', 'recipient'].index(self.owner)][1],
            (self.description or '').splitlines()[0][:60]
            if self.description else '')

    @classmethod
    def check_modification(
            cls, mode, commitments, values=None, external=False):
        super().check_modification(
            mode, commitments, values=values, external=external)
        if external:
            check_funder([c.agreement for c in commitments], gettext(
                    'shakti_partner_grants.msg_action_change'))


class Utilisation(
        OrganisationMixin, CurrencyMixin, Workflow, ModelSQL, ModelView):
    "A report of how the money of an agreement was spent"
    __name__ = 'shakti.grant.utilisation'
    __string__ = "Utilisation Report"
    _history = True
    _organisation_parent = 'agreement'

    _states = {
        'readonly': Eval('state') != 'draft',
        }

    agreement = fields.Many2One(
        'shakti.grant.agreement', "Agreement", required=True,
        ondelete='RESTRICT', states=_states,
        domain=[
            ('state', '=', 'active'),
            ])
    date = fields.Date("Date", required=True, states=_states)
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
    lines = fields.One2Many(
        'shakti.grant.utilisation.line', 'utilisation', "Lines",
        states=_states)
    amount = fields.Function(
        Monetary("Amount", currency='currency', digits='currency'),
        'get_amount')
    submitted_by = fields.Many2One('res.user', "Submitted By", readonly=True)
    reviewed_by = fields.Many2One('res.user', "Reviewed By", readonly=True)
    review_date = fields.Date(
        "Review Date", readonly=True,
        help="The day the funder accepted or rejected the report. The "
        "report accounts for the money from that day.")
    review_note = fields.Text(
        "Review Note",
        states={
            'readonly': Eval('state') != 'submitted',
            })
    state = fields.Selection([
            ('draft', "Draft"),
            ('submitted', "Submitted"),
            ('accepted', "Accepted"),
            ('rejected', "Rejected"),
            ], "State", readonly=True, sort=False)

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.state, Index.Equality(cardinality='low'))))
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'submitted'),
            ('submitted', 'accepted'),
            ('submitted', 'rejected'),
            ('rejected', 'draft'),
            }
        cls._buttons.update({
                'submit': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'accept': {
                    'invisible': Eval('state') != 'submitted',
                    'depends': ['state'],
                    },
                'reject': {
                    'invisible': Eval('state') != 'submitted',
                    'depends': ['state'],
                    },
                'draft': {
                    'invisible': Eval('state') != 'rejected',
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

    def get_rec_name(self, name):
        return '%s %s - %s' % (
            self.agreement.reference, self.start_date, self.end_date)

    @classmethod
    def get_amount(cls, utilisations, name):
        pool = Pool()
        Line = pool.get('shakti.grant.utilisation.line')
        line = Line.__table__()
        totals = sum_by(line, line.utilisation, line.amount,
            [u.id for u in utilisations])
        return {u.id: u.currency.round(totals.get(u.id, Decimal(0)))
            for u in utilisations}

    @classmethod
    def validate_fields(cls, utilisations, field_names):
        pool = Pool()
        Date = pool.get('ir.date')
        super().validate_fields(utilisations, field_names)
        if field_names and not (
                field_names & {'date', 'start_date', 'end_date'}):
            return
        today_ = Date.today()
        for utilisation in utilisations:
            # The statement and the aging count the reports up to a date,
            # so they would miss a later report that closing counts.
            if utilisation.date > today_:
                raise UtilisationError(gettext(
                        'shakti_partner_grants.msg_utilisation_future',
                        record=utilisation.rec_name,
                        date=utilisation.date))
            agreement = utilisation.agreement
            if (utilisation.start_date < agreement.start_date
                    or utilisation.end_date > agreement.end_date):
                raise UtilisationError(gettext(
                        'shakti_partner_grants.msg_utilisation_period',
                        record=utilisation.rec_name,
                        agreement=agreement.rec_name,
                        start_date=agreement.start_date,
                        end_date=agreement.end_date))
            if utilisation.date < utilisation.end_date:
                raise UtilisationError(gettext(
                        'shakti_partner_grants.msg_utilisation_date',
                        record=utilisation.rec_name,
                        date=utilisation.date,
                        end_date=utilisation.end_date))

    @classmethod
    def copy(cls, utilisations, default=None):
        # A copy is a new report, so it starts without a submission or a
        # review.
        default = default.copy() if default is not None else {}
        default.setdefault('submitted_by')
        default.setdefault('reviewed_by')
        default.setdefault('review_date')
        default.setdefault('review_note')
        return super().copy(utilisations, default=default)

    @classmethod
    def check_modification(
            cls, mode, utilisations, values=None, external=False):
        super().check_modification(
            mode, utilisations, values=values, external=external)
        # Only the funder writes the review note of a report.
        if external and mode == 'write' and 'review_note' in values:
            check_funder(utilisations, gettext(
                    'shakti_partner_grants.msg_action_change'))
        if mode == 'delete':
            for utilisation in utilisations:
                if utilisation.state not in {'draft', 'rejected'}:
                    raise UtilisationError(gettext(
                            'shakti_partner_grants.msg_utilisation_delete',
                            record=utilisation.rec_name))

    @classmethod
    def check_within(cls, utilisations):
        """Check the reports submitted or accepted of each agreement,
        these included, stay within the money disbursed and within each
        budget line"""
        pool = Pool()
        Agreement = pool.get('shakti.grant.agreement')
        Line = pool.get('shakti.grant.utilisation.line')
        line = Line.__table__()
        utilisation = cls.__table__()

        agreements = list({u.agreement for u in utilisations})
        with without_check_access():
            lock_existing(agreements)
            disbursed = Agreement.get_amounts(
                agreements, ['disbursed_amount'])['disbursed_amount']
        counted = (utilisation.state.in_(['submitted', 'accepted'])
            | utilisation.id.in_([u.id for u in utilisations]))
        reported = sum_by(
            line.join(utilisation,
                condition=line.utilisation == utilisation.id),
            utilisation.agreement, line.amount,
            [a.id for a in agreements], where=counted)
        per_line = sum_by(
            line.join(utilisation,
                condition=line.utilisation == utilisation.id),
            line.budget_line, line.amount,
            list({l.budget_line.id for u in utilisations for l in u.lines}),
            where=counted)
        for agreement in agreements:
            total = reported.get(agreement.id, Decimal(0))
            if total > disbursed[agreement.id]:
                raise UtilisationError(gettext(
                        'shakti_partner_grants.msg_utilised_above_disbursed',
                        record=agreement.rec_name,
                        reported=format_amount(total, agreement.currency),
                        disbursed=format_amount(
                            disbursed[agreement.id], agreement.currency)))
        for utilisation_ in utilisations:
            for line_ in utilisation_.lines:
                budget_line = line_.budget_line
                total = per_line.get(budget_line.id, Decimal(0))
                if total > budget_line.amount:
                    raise UtilisationError(gettext(
                            'shakti_partner_grants'
                            '.msg_utilised_above_budget_line',
                            record=utilisation_.rec_name,
                            line=budget_line.name,
                            reported=format_amount(
                                total, utilisation_.currency),
                            amount=format_amount(
                                budget_line.amount,
                                utilisation_.currency)))

    @classmethod
    @ModelView.button
    @Workflow.transition('submitted')
    def submit(cls, utilisations):
        for utilisation in utilisations:
            if utilisation.agreement.state != 'active':
                raise UtilisationError(gettext(
                        'shakti_partner_grants.msg_utilisation_inactive',
                        record=utilisation.rec_name,
                        agreement=utilisation.agreement.rec_name))
            if not utilisation.amount:
                raise UtilisationError(gettext(
                        'shakti_partner_grants.msg_utilisation_empty',
                        record=utilisation.rec_name))
        cls.check_within(utilisations)
        cls.write(utilisations, {
                'submitted_by': Transaction().user,
                })

    @classmethod
    @ModelView.button
    @Workflow.transition('accepted')
    def accept(cls, utilisations):
        pool = Pool()
        Date = pool.get('ir.date')
        user = Transaction().user
        check_funder(utilisations, gettext(
                'shakti_partner_grants.msg_action_accept'))
        check_second_user(utilisations, 'submitted_by', UtilisationError,
            'shakti_partner_grants.msg_utilisation_self_acceptance')
        cls.write(utilisations, {
                'reviewed_by': user,
                'review_date': Date.today(),
                })

    @classmethod
    @ModelView.button
    @Workflow.transition('rejected')
    def reject(cls, utilisations):
        pool = Pool()
        Date = pool.get('ir.date')
        check_funder(utilisations, gettext(
                'shakti_partner_grants.msg_action_reject'))
        for utilisation in utilisations:
            if not utilisation.review_note:
                raise UtilisationError(gettext(
                        'shakti_partner_grants.msg_review_note_required',
                        record=utilisation.rec_name))
        cls.write(utilisations, {
                'reviewed_by': Transaction().user,
                'review_date': Date.today(),
                })

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, utilisations):
        # The review note stays, to say what to correct.
        cls.write(utilisations, {
                'reviewed_by': None,
                'review_date': None,
                })


class UtilisationLine(
        LockedByParentMixin, OrganisationMixin, CurrencyMixin, ModelSQL,
        ModelView):
    __name__ = 'shakti.grant.utilisation.line'
    __string__ = "Utilisation Line"
    _organisation_parent = 'utilisation'
    _organisation_fields = {'budget_line'}
    _locked_by = {'utilisation': {'draft'}}

    utilisation = fields.Many2One(
        'shakti.grant.utilisation', "Utilisation Report", required=True,
        ondelete='CASCADE')
    budget_line = fields.Many2One(
        'shakti.grant.agreement.budget_line', "Budget Line", required=True,
        ondelete='RESTRICT',
        domain=[
            ('agreement', '=', Eval('agreement', -1)),
            ])
    agreement = fields.Function(
        fields.Many2One('shakti.grant.agreement', "Agreement"),
        'on_change_with_agreement', searcher='search_agreement')
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True,
        domain=[('amount', '>', 0)])
    note = fields.Char("Note")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('utilisation')

    @fields.depends('utilisation', '_parent_utilisation.agreement')
    def on_change_with_agreement(self, name=None):
        return self.utilisation.agreement if self.utilisation else None

    @classmethod
    def search_agreement(cls, name, clause):
        return [('utilisation.agreement' + clause[0][len(name):],
                *clause[1:])]
