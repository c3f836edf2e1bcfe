# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.modules.currency.fields import Monetary
from trytond.modules.shakti_base.model import ComputedMixin, OrganisationMixin
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import without_check_access

from .exceptions import SubventionError
from .portfolio import AGED_STATES

DAYS_IN_YEAR = 365


def principal_days(principal, repaid, start, end, limit):
    """Return the sum over the days from start to end of the principal
    outstanding each day, counted up to limit.

    principal is the principal outstanding before start, and repaid maps
    each repayment date to the principal it repaid. The principal
    outstanding on a day is what is left after that day's repayments."""
    total = Decimal(0)
    outstanding = principal
    day = start
    for date in sorted(d for d in repaid if start <= d <= end):
        total += min(outstanding, limit) * (date - day).days
        outstanding -= repaid[date]
        day = date
    total += min(outstanding, limit) * ((end - day).days + 1)
    return total


def subvention_amount(days_amount, bank_rate, subsidised_rate, round_):
    """Return the subvention on the principal-days at the difference of the
    annual rates in percent, nothing when the bank rate is not higher"""
    if bank_rate <= subsidised_rate:
        return round_(Decimal(0))
    return round_(
        days_amount * (bank_rate - subsidised_rate) / 100 / DAYS_IN_YEAR)


class Claim(OrganisationMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'shakti.shg.subvention.claim'
    __string__ = "Interest Subvention Claim"
    _history = True

    _states = {
        'readonly': Eval('state') != 'draft',
        }

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
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    lines = fields.One2Many(
        'shakti.shg.subvention.claim.line', 'claim', "Loans",
        readonly=True)
    amount = fields.Function(
        Monetary("Amount", currency='currency', digits='currency'),
        'get_amount')
    claim_date = fields.Date(
        "Claim Date",
        states={
            'readonly': Eval('state') != 'computed',
            'required': Eval('state').in_(['claimed', 'received']),
            },
        help="The date the claim was sent to the bank or the mission.")
    received_date = fields.Date(
        "Received Date",
        states={
            'readonly': Eval('state') != 'claimed',
            'required': Eval('state') == 'received',
            })
    state = fields.Selection([
            ('draft', "Draft"),
            ('computed', "Computed"),
            ('claimed', "Claimed"),
            ('received', "Received"),
            ], "State", readonly=True, sort=False)

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t,
                    (t.company, Index.Range()),
                    (t.start_date, Index.Range())),
                Index(t, (t.state, Index.Equality(cardinality='low'))),
                })
        cls._order = [('start_date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'computed'),
            ('computed', 'draft'),
            ('computed', 'claimed'),
            ('claimed', 'received'),
            }
        cls._buttons.update({
                'compute': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'draft': {
                    'invisible': Eval('state') != 'computed',
                    'depends': ['state'],
                    },
                'claim': {
                    'invisible': Eval('state') != 'computed',
                    'depends': ['state'],
                    },
                'receive': {
                    'invisible': Eval('state') != 'claimed',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    def get_rec_name(self, name):
        return '%s %s - %s' % (
            self.company.rec_name, self.start_date, self.end_date)

    @classmethod
    def get_amount(cls, claims, name):
        pool = Pool()
        Line = pool.get('shakti.shg.subvention.claim.line')

        result = {c.id: Decimal(0) for c in claims}
        for line in Line.search([('claim', 'in', list(result))]):
            result[line.claim.id] += line.amount
        return result

    @classmethod
    def validate_fields(cls, claims, field_names):
        super().validate_fields(claims, field_names)
        if field_names and not (field_names & {
                    'start_date', 'end_date', 'claim_date',
                    'received_date'}):
            return
        for claim in claims:
            if claim.end_date < claim.start_date:
                raise SubventionError(gettext(
                        'shakti_shg.msg_claim_dates',
                        claim=claim.rec_name))
            if (claim.claim_date and claim.received_date
                    and claim.received_date < claim.claim_date):
                raise SubventionError(gettext(
                        'shakti_shg.msg_claim_received_before_claimed',
                        claim=claim.rec_name,
                        received_date=claim.received_date,
                        claim_date=claim.claim_date))

    @classmethod
    def check_modification(cls, mode, claims, values=None, external=False):
        super().check_modification(
            mode, claims, values=values, external=external)
        if mode == 'delete':
            for claim in claims:
                if claim.state in {'claimed', 'received'}:
                    raise SubventionError(gettext(
                            'shakti_shg.msg_claim_delete_claimed',
                            claim=claim.rec_name))

    def eligible_loans(self):
        "Return the eligible loans outstanding during the claim's period"
        pool = Pool()
        Loan = pool.get('shakti.shg.loan')

        loans = Loan.search([
                ('company', '=', self.company.id),
                ('subvention_eligible', '=', True),
                ('lender_type', '=', 'bank'),
                ('state', 'in', AGED_STATES),
                ('disbursement_date', '<=', self.end_date),
                ], order=[('number', 'ASC')])
        unpaid = Loan.unpaid_lines(
            loans, self.start_date - dt.timedelta(days=1))
        return [l for l in loans
            if any(p for _, _, p in unpaid[l.id])]

    def get_lines(self, configuration):
        "Return the values of the claim's lines"
        pool = Pool()
        Loan = pool.get('shakti.shg.loan')

        loans = self.eligible_loans()
        unpaid = Loan.unpaid_lines(
            loans, self.start_date - dt.timedelta(days=1))
        repaid = self.repaid_principal(loans)
        lines = []
        for loan in loans:
            start = max(self.start_date, loan.disbursement_date)
            days_amount = principal_days(
                sum((p for _, _, p in unpaid[loan.id]), Decimal(0)),
                repaid[loan.id], start, self.end_date,
                configuration.subvention_limit)
            lines.append({
                    'claim': self.id,
                    'loan': loan.id,
                    'bank_rate': loan.interest_rate,
                    'subsidised_rate': configuration.subvention_rate,
                    'subvention_limit': configuration.subvention_limit,
                    'start_date': start,
                    'end_date': self.end_date,
                    'principal_days': days_amount,
                    'amount': subvention_amount(
                        days_amount, loan.interest_rate,
                        configuration.subvention_rate, loan.currency.round),
                    })
        return lines

    def repaid_principal(self, loans):
        "Return per loan id the principal repaid per date in the period"
        pool = Pool()
        Allocation = pool.get('shakti.shg.loan.allocation')

        result = {l.id: defaultdict(Decimal) for l in loans}
        for allocation in Allocation.search([
                    ('loan', 'in', [l.id for l in loans]),
                    ('date', '>=', self.start_date),
                    ('date', '<=', self.end_date),
                    ]):
            result[allocation.loan.id][allocation.date] += (
                allocation.principal)
        return result

    @classmethod
    @ModelView.button
    @Workflow.transition('computed')
    def compute(cls, claims):
        """Replace the lines of the claims by one per eligible loan.

        The loans, repayments and lines are read and written without the
        user's access checks because the button is limited to the groups
        that compute claims."""
        pool = Pool()
        Configuration = pool.get('shakti.shg.configuration')
        Line = pool.get('shakti.shg.subvention.claim.line')
        Date = pool.get('ir.date')

        today = Date.today()
        for claim in claims:
            if claim.end_date >= today:
                raise SubventionError(gettext(
                        'shakti_shg.msg_claim_end_future',
                        claim=claim.rec_name, date=claim.end_date))
        configuration = Configuration(1)
        with without_check_access():
            Line.delete(Line.search([('claim', 'in', [c.id for c in claims])]))
            to_create = []
            for claim in claims:
                to_create.extend(claim.get_lines(configuration))
            Line.create(to_create)

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, claims):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('claimed')
    def claim(cls, claims):
        pool = Pool()
        Date = pool.get('ir.date')

        today = Date.today()
        cls.write(
            [c for c in claims if not c.claim_date], {'claim_date': today})

    @classmethod
    @ModelView.button
    @Workflow.transition('received')
    def receive(cls, claims):
        pool = Pool()
        Date = pool.get('ir.date')

        today = Date.today()
        cls.write(
            [c for c in claims if not c.received_date],
            {'received_date': today})


class ClaimLine(ComputedMixin, OrganisationMixin, ModelSQL, ModelView):
    __name__ = 'shakti.shg.subvention.claim.line'
    __string__ = "Interest Subvention Claim Line"
    _organisation_parent = 'claim'
    _organisation_fields = {'loan'}

    claim = fields.Many2One(
        'shakti.shg.subvention.claim', "Claim", required=True,
        ondelete='CASCADE', readonly=True)
    loan = fields.Many2One(
        'shakti.shg.loan', "Loan", required=True, ondelete='RESTRICT',
        readonly=True)
    shg = fields.Function(
        fields.Many2One('shakti.shg', "Group"),
        'on_change_with_shg', searcher='search_shg')
    start_date = fields.Date("Start Date", required=True, readonly=True)
    end_date = fields.Date("End Date", required=True, readonly=True)
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    bank_rate = fields.Numeric(
        "Bank Rate", digits=(5, 2), required=True, readonly=True,
        help="The annual interest rate of the loan in percent.")
    subsidised_rate = fields.Numeric(
        "Subsidised Rate", digits=(5, 2), required=True, readonly=True,
        help="The annual rate in percent that the group pays.")
    subvention_limit = Monetary(
        "Limit", currency='currency', digits='currency', required=True,
        readonly=True,
        help="The part of the outstanding principal on which the "
        "subvention is claimed.")
    principal_days = fields.Numeric(
        "Principal-Days", digits=(16, 2), required=True, readonly=True,
        help="The sum over the days of the period of the principal "
        "outstanding each day, counted up to the limit.")
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True,
        readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('claim')
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.claim, Index.Range())),
                Index(t, (t.loan, Index.Range())),
                })
        cls._order = [('claim', 'ASC'), ('id', 'ASC')]

    @fields.depends('loan', '_parent_loan.shg')
    def on_change_with_shg(self, name=None):
        return self.loan.shg if self.loan else None

    @classmethod
    def search_shg(cls, name, clause):
        return [('loan.shg' + clause[0][len(name):],) + tuple(clause[1:])]

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    def get_rec_name(self, name):
        return '%s / %s' % (self.claim.rec_name, self.loan.rec_name)

    @classmethod
    def validate_fields(cls, lines, field_names):
        super().validate_fields(lines, field_names)
        if field_names and not (field_names & {
                    'loan', 'start_date', 'end_date'}):
            return
        cls.check_overlap(lines)

    @classmethod
    def check_overlap(cls, lines):
        "Check no other claim line covers a day of a line's loan"
        for line in lines:
            others = cls.search([
                    ('id', '!=', line.id),
                    ('loan', '=', line.loan.id),
                    ('start_date', '<=', line.end_date),
                    ('end_date', '>=', line.start_date),
                    ], limit=1)
            if others:
                other, = others
                raise SubventionError(gettext(
                        'shakti_shg.msg_claim_overlap',
                        loan=line.loan.rec_name,
                        claim=line.claim.rec_name,
                        other=other.claim.rec_name))
