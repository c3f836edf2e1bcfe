# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
from collections import defaultdict, namedtuple
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from sql import Literal
from sql.aggregate import Max, Sum
from sql.conditionals import Coalesce
from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, Workflow, fields
from trytond.modules.currency.fields import Monetary
from trytond.modules.shakti_base.model import (
    ComputedMixin, LockedByParentMixin, OrganisationMixin, lock_existing,
    readonly_once_saved, sum_by)
from trytond.pool import Pool
from trytond.pyson import Bool, Eval, If
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access

from .exceptions import LoanError, RepaymentError

LENDERS = [
    ('bank', "Bank"),
    ('revolving_fund', "Revolving Fund"),
    ('community_investment_fund', "Community Investment Fund"),
    ('internal', "Internal (Group Funds)"),
    ('project_grant', "Project Grant"),
    ]
FREQUENCIES = [
    ('weekly', "Weekly"),
    ('fortnightly', "Fortnightly"),
    ('monthly', "Monthly"),
    ('quarterly', "Quarterly"),
    ]
# The number of periods in a year and the length of one period.
PERIODS = {
    'weekly': (52, relativedelta(weeks=1)),
    'fortnightly': (26, relativedelta(weeks=2)),
    'monthly': (12, relativedelta(months=1)),
    'quarterly': (4, relativedelta(months=3)),
    }


DueLine = namedtuple('DueLine', ['id', 'loan', 'sequence', 'due_date'])


def schedule(principal, rate, method, count, round_):
    """Return the (principal, interest) parts of count instalments.

    rate is the interest rate of one period as a fraction, round_ rounds
    an amount to the currency. Every part is rounded; the rounding
    differences go to the last instalment, so the principal parts sum to
    principal exactly. A flat loan charges the same interest on the
    principal every period; a declining balance loan charges it on the
    balance and pays equal instalments."""
    if method == 'flat' or not rate:
        total_interest = round_(principal * rate * count)
        interest = round_(total_interest / count)
        part = round_(principal / count)
        parts = [(part, interest)] * (count - 1)
        parts.append((
                principal - part * (count - 1),
                total_interest - interest * (count - 1)))
        return parts
    amount = round_(principal * rate / (1 - (1 + rate) ** -count))
    parts = []
    balance = principal
    for _ in range(count - 1):
        interest = round_(balance * rate)
        part = amount - interest
        parts.append((part, interest))
        balance -= part
    parts.append((balance, round_(balance * rate)))
    return parts


def split(amount, count, round_):
    "Split amount in count rounded parts, the last taking the difference"
    part = round_(amount / count)
    return [part] * (count - 1) + [amount - part * (count - 1)]


class Loan(
        LockedByParentMixin, OrganisationMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'shakti.shg.loan'
    __string__ = "Self-Help Group Loan"
    _locked_by = {'shg': {'active', 'dormant'}}
    _history = True
    _organisation_parent = 'shg'
    _organisation_fields = {'member'}
    _rec_name = 'number'

    _states = {
        'readonly': Eval('state') != 'draft',
        }

    number = fields.Char("Number", readonly=True)
    shg = fields.Many2One(
        'shakti.shg', "Group", required=True, ondelete='RESTRICT',
        states=_states)
    borrower = fields.Selection([
            ('group', "The Group"),
            ('member', "A Member"),
            ], "Borrower", required=True, sort=False, states=_states)
    member = fields.Many2One(
        'shakti.shg.member', "Member", ondelete='RESTRICT',
        domain=[('shg', '=', Eval('shg', -1))],
        states={
            'readonly': Eval('state') != 'draft',
            'required': Eval('borrower') == 'member',
            'invisible': Eval('borrower') != 'member',
            })
    lender_type = fields.Selection(
        LENDERS, "Lender", required=True, sort=False, states=_states)
    lender = fields.Char(
        "Lender Name", states=_states,
        help="The bank and branch, or the fund that lends.")
    purpose = fields.Char("Purpose")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    principal = Monetary(
        "Principal", currency='currency', digits='currency', required=True,
        states=_states)
    interest_rate = fields.Numeric(
        "Annual Interest Rate", digits=(5, 2), required=True,
        states=_states, help="In percent per year.")
    interest_method = fields.Selection([
            ('flat', "Flat"),
            ('declining', "Declining Balance"),
            ], "Interest Method", required=True, sort=False, states=_states,
        help="Flat: interest on the whole principal for the whole term.\n"
        "Declining balance: interest on the balance, with equal "
        "instalments.")
    instalment_count = fields.Integer(
        "Instalments", required=True, states=_states)
    frequency = fields.Selection(
        FREQUENCIES, "Frequency", required=True, sort=False, states=_states)
    frequency_string = frequency.translated('frequency')
    disbursement_date = fields.Date(
        "Disbursement Date", required=True, states=_states)
    first_due_date = fields.Date(
        "First Due Date", required=True, states=_states,
        domain=[If(Bool(Eval('disbursement_date')),
                ('first_due_date', '>', Eval('disbursement_date')),
                ())])
    follow_meeting_day = fields.Boolean(
        "Follow Meeting Day", states=_states,
        help="Make each instalment due on the group's meeting day in its "
        "period, and move the instalments still to come when the meeting "
        "day changes.")
    subvention_eligible = fields.Boolean(
        "Interest Subvention",
        states={
            'invisible': Eval('lender_type') != 'bank',
            },
        help="Whether the loan is eligible for the interest subvention of "
        "the national rural livelihood mission.")
    state = fields.Selection([
            ('draft', "Draft"),
            ('running', "Running"),
            ('repaid', "Repaid"),
            ('cancelled', "Cancelled"),
            ], "State", readonly=True, sort=False)
    lines = fields.One2Many(
        'shakti.shg.loan.line', 'loan', "Schedule", readonly=True)
    shares = fields.One2Many(
        'shakti.shg.loan.share', 'loan', "Member Shares",
        states={
            'readonly': Eval('state') != 'draft',
            'invisible': Eval('borrower') != 'group',
            })
    repayments = fields.One2Many(
        'shakti.shg.loan.repayment', 'loan', "Repayments",
        states={
            'readonly': Eval('state') != 'running',
            })
    maturity_date = fields.Function(
        fields.Date("Maturity Date"), 'get_schedule_totals')
    total_interest = fields.Function(
        Monetary("Total Interest", currency='currency', digits='currency'),
        'get_schedule_totals')
    total_amount = fields.Function(
        Monetary("Total to Repay", currency='currency', digits='currency'),
        'get_schedule_totals')
    amount_repaid = fields.Function(
        Monetary("Repaid", currency='currency', digits='currency'),
        'get_balances')
    principal_outstanding = fields.Function(
        Monetary(
            "Principal Outstanding", currency='currency', digits='currency'),
        'get_balances')
    amount_outstanding = fields.Function(
        Monetary(
            "Outstanding Balance", currency='currency', digits='currency',
            help="The principal and interest of the schedule not repaid "
            "yet."),
        'get_balances')

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('number_unique', Unique(t, t.number),
                'shakti_shg.msg_loan_number_unique'),
            ]
        cls._sql_indexes.update({
                Index(t, (t.shg, Index.Range())),
                Index(t, (t.state, Index.Equality(cardinality='low'))),
                })
        cls._order = [('disbursement_date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'running'),
            ('draft', 'cancelled'),
            ('cancelled', 'draft'),
            ('running', 'repaid'),
            ('repaid', 'running'),
            }
        cls._buttons.update({
                'compute_schedule': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'split_shares': {
                    'invisible': ((Eval('state') != 'draft')
                        | (Eval('borrower') != 'group')),
                    'depends': ['state', 'borrower'],
                    },
                'disburse': {
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
    def default_borrower(cls):
        return 'group'

    @classmethod
    def default_interest_method(cls):
        return 'declining'

    @classmethod
    def default_frequency(cls):
        return 'monthly'

    @classmethod
    def default_follow_meeting_day(cls):
        return True

    @classmethod
    def default_subvention_eligible(cls):
        return False

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    @fields.depends('borrower', 'member')
    def on_change_borrower(self):
        if self.borrower != 'member':
            self.member = None

    @fields.depends('lender_type', 'subvention_eligible')
    def on_change_lender_type(self):
        if self.lender_type != 'bank':
            self.subvention_eligible = False

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Configuration = pool.get('shakti.shg.configuration')

        values = super().preprocess_values(mode, values)
        if mode == 'create' and not values.get('number'):
            values['number'] = Configuration(1).loan_sequence.get()
        return values

    @classmethod
    def copy(cls, loans, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('number')
        default.setdefault('lines')
        default.setdefault('repayments')
        return super().copy(loans, default=default)

    def period_rate(self):
        "Return the interest rate of one period as a fraction"
        per_year, _ = PERIODS[self.frequency]
        return self.interest_rate / 100 / per_year

    def period_dates(self):
        "Return the date of each period from the first due date"
        _, length = PERIODS[self.frequency]
        return [self.first_due_date + length * i
            for i in range(self.instalment_count)]

    def due_date(self, period_date):
        "Return the date an instalment of the period is due"
        if self.follow_meeting_day:
            return self.shg.meeting_date(period_date)
        return period_date

    def get_schedule(self):
        "Return the values of the schedule lines"
        parts = schedule(
            self.principal, self.period_rate(), self.interest_method,
            self.instalment_count, self.currency.round)
        return [{
                'loan': self.id,
                'sequence': i,
                'period_date': period_date,
                'due_date': self.due_date(period_date),
                'principal': principal,
                'interest': interest,
                } for i, (period_date, (principal, interest)) in enumerate(
                zip(self.period_dates(), parts), 1)]

    @classmethod
    def get_schedule_totals(cls, loans, names):
        pool = Pool()
        Line = pool.get('shakti.shg.loan.line')
        line = Line.__table__()
        cursor = Transaction().connection.cursor()

        result = {n: {l.id: None for l in loans} for n in names}
        in_ = fields.SQL_OPERATORS['in']
        for sub_ids in grouped_slice(
                [l.id for l in loans], backend.MAX_QUERY_PARAMS):
            cursor.execute(*line.select(
                    line.loan, Max(line.due_date), Sum(line.interest),
                    Sum(line.principal + line.interest),
                    where=in_(line.loan, sub_ids),
                    group_by=[line.loan]))
            for loan_id, maturity, interest, amount in cursor:
                values = {
                    'maturity_date': maturity,
                    # SQLite returns the sums as float or integer.
                    'total_interest': Decimal(str(interest)),
                    'total_amount': Decimal(str(amount)),
                    }
                for name in names:
                    result[name][loan_id] = values[name]
        for loan in loans:
            maturity = result.get('maturity_date', {}).get(loan.id)
            if isinstance(maturity, str):
                result['maturity_date'][loan.id] = (
                    dt.date.fromisoformat(maturity))
            for name in ['total_interest', 'total_amount']:
                if name in result and result[name][loan.id] is not None:
                    result[name][loan.id] = loan.currency.round(
                        result[name][loan.id])
        return result

    @classmethod
    def get_balances(cls, loans, names):
        pool = Pool()
        Line = pool.get('shakti.shg.loan.line')
        Allocation = pool.get('shakti.shg.loan.allocation')
        line = Line.__table__()
        allocation = Allocation.__table__()

        ids = [l.id for l in loans]
        scheduled = sum_by(
            line, line.loan, line.principal + line.interest, ids)
        principals = sum_by(line, line.loan, line.principal, ids)
        paid = sum_by(
            allocation, allocation.loan,
            allocation.principal + allocation.interest, ids)
        paid_principal = sum_by(
            allocation, allocation.loan, allocation.principal, ids)
        result = {n: {} for n in names}
        for loan in loans:
            round_ = loan.currency.round
            values = {
                'amount_repaid': round_(paid[loan.id]),
                'principal_outstanding': round_(
                    principals[loan.id] - paid_principal[loan.id]),
                'amount_outstanding': round_(
                    scheduled[loan.id] - paid[loan.id]),
                }
            for name in names:
                result[name][loan.id] = values[name]
        return result

    @classmethod
    def unpaid_lines(cls, loans, date=None):
        """Return per loan id the list of (line, interest, principal) left
        unpaid by the repayments dated up to date, all when date is None,
        in the order the lines are due.

        Each line is a DueLine with the id, sequence and due date of the
        instalment, read with one query per batch of loans."""
        pool = Pool()
        Line = pool.get('shakti.shg.loan.line')
        Allocation = pool.get('shakti.shg.loan.allocation')
        line = Line.__table__()
        allocation = Allocation.__table__()
        cursor = Transaction().connection.cursor()

        where = Literal(True)
        if date is not None:
            where = allocation.date <= date
        paid = allocation.select(
            allocation.line,
            Sum(allocation.interest).as_('interest'),
            Sum(allocation.principal).as_('principal'),
            where=where, group_by=[allocation.line])
        in_ = fields.SQL_OPERATORS['in']
        rounds = {l.id: l.currency.round for l in loans}
        result = {l.id: [] for l in loans}
        for sub_ids in grouped_slice(list(result), backend.MAX_QUERY_PARAMS):
            cursor.execute(*line.join(paid, 'LEFT',
                    condition=paid.line == line.id).select(
                    line.id, line.loan, line.sequence, line.due_date,
                    line.interest, line.principal,
                    Coalesce(paid.interest, 0), Coalesce(paid.principal, 0),
                    where=in_(line.loan, sub_ids),
                    order_by=[line.due_date.asc, line.sequence.asc]))
            for (line_id, loan_id, sequence, due_date, interest, principal,
                    interest_paid, principal_paid) in cursor:
                round_ = rounds[loan_id]
                if isinstance(due_date, str):
                    due_date = dt.date.fromisoformat(due_date)
                # SQLite returns the sums as float or integer.
                result[loan_id].append((
                        DueLine(line_id, loan_id, sequence, due_date),
                        round_(Decimal(str(interest))
                            - Decimal(str(interest_paid))),
                        round_(Decimal(str(principal))
                            - Decimal(str(principal_paid)))))
        return result

    @classmethod
    def amounts_due(cls, loans, date):
        """Return per loan id the amount of the instalments due up to date
        not repaid yet"""
        unpaid = cls.unpaid_lines(loans)
        return {
            loan_id: sum((i + p for l, i, p in lines if l.due_date <= date),
                Decimal(0))
            for loan_id, lines in unpaid.items()}

    @classmethod
    def validate_fields(cls, loans, field_names):
        super().validate_fields(loans, field_names)
        cls.check_terms(loans, field_names)

    @classmethod
    def check_terms(cls, loans, field_names=None):
        pool = Pool()
        Lang = pool.get('ir.lang')

        if field_names and not (field_names & {
                    'principal', 'interest_rate', 'instalment_count',
                    'borrower', 'member', 'frequency', 'follow_meeting_day',
                    'disbursement_date', 'shg'}):
            return
        lang = Lang.get()
        for loan in loans:
            if loan.principal <= 0:
                raise LoanError(gettext(
                        'shakti_shg.msg_loan_principal_positive',
                        loan=loan.rec_name,
                        amount=lang.currency(
                            loan.principal, loan.currency, grouping=True)))
            if loan.interest_rate < 0 or loan.interest_rate >= 100:
                raise LoanError(gettext(
                        'shakti_shg.msg_loan_rate_range',
                        loan=loan.rec_name, rate=loan.interest_rate))
            if loan.instalment_count < 1 or loan.instalment_count > 520:
                raise LoanError(gettext(
                        'shakti_shg.msg_loan_instalment_count',
                        loan=loan.rec_name, count=loan.instalment_count))
            # Smaller parts would round to instalments of no principal.
            if loan.principal < loan.instalment_count:
                raise LoanError(gettext(
                        'shakti_shg.msg_loan_principal_per_instalment',
                        loan=loan.rec_name,
                        amount=lang.currency(
                            loan.principal, loan.currency, grouping=True),
                        count=loan.instalment_count))
            if loan.borrower == 'group' and loan.member:
                raise LoanError(gettext(
                        'shakti_shg.msg_loan_group_member',
                        loan=loan.rec_name, member=loan.member.rec_name))
            if (loan.follow_meeting_day
                    and loan.shg.meeting_frequency == 'monthly'
                    and loan.frequency in {'weekly', 'fortnightly'}):
                raise LoanError(gettext(
                        'shakti_shg.msg_loan_frequency_meeting',
                        loan=loan.rec_name,
                        frequency=loan.frequency_string,
                        group=loan.shg.rec_name))
            if (loan.member
                    and not loan.member.is_member(loan.disbursement_date)):
                raise LoanError(gettext(
                        'shakti_shg.msg_loan_member_not_member',
                        loan=loan.rec_name, member=loan.member.rec_name,
                        date=loan.disbursement_date))

    @classmethod
    @ModelView.button
    def compute_schedule(cls, loans):
        "Replace the schedule of the draft loans"
        pool = Pool()
        Line = pool.get('shakti.shg.loan.line')

        to_create = []
        for loan in loans:
            if loan.state != 'draft':
                raise LoanError(gettext(
                        'shakti_shg.msg_loan_schedule_not_draft',
                        loan=loan.rec_name))
            to_create.extend(loan.get_schedule())
            first = to_create[-loan.instalment_count]
            if first['due_date'] <= loan.disbursement_date:
                raise LoanError(gettext(
                        'shakti_shg.msg_loan_first_due_before_disbursement',
                        loan=loan.rec_name, date=first['due_date'],
                        disbursement_date=loan.disbursement_date))
        Line.delete(Line.search([('loan', 'in', [l.id for l in loans])]))
        Line.create(to_create)

    @classmethod
    @ModelView.button
    def split_shares(cls, loans):
        """Split the principal of group loans equally between the members
        of their shares, or the members on the disbursement date"""
        pool = Pool()
        Share = pool.get('shakti.shg.loan.share')
        Member = pool.get('shakti.shg.member')

        to_save = []
        for loan in loans:
            if loan.borrower != 'group':
                continue
            shares = list(loan.shares)
            if not shares:
                shares = [Share(loan=loan, member=m)
                    for m in Member.members_on(
                        [loan.shg], loan.disbursement_date)]
            if not shares:
                raise LoanError(gettext(
                        'shakti_shg.msg_loan_split_no_member',
                        loan=loan.rec_name, date=loan.disbursement_date))
            for share, amount in zip(shares, split(
                        loan.principal, len(shares), loan.currency.round)):
                share.amount = amount
                to_save.append(share)
        Share.save(to_save)

    @classmethod
    def check_shares(cls, loans):
        "Check the member shares of group loans add up to the principal"
        pool = Pool()
        Lang = pool.get('ir.lang')

        lang = Lang.get()
        for loan in loans:
            if not loan.shares:
                continue
            total = sum(s.amount for s in loan.shares)
            if total != loan.principal:
                raise LoanError(gettext(
                        'shakti_shg.msg_loan_shares_total',
                        loan=loan.rec_name,
                        total=lang.currency(
                            total, loan.currency, grouping=True),
                        principal=lang.currency(
                            loan.principal, loan.currency, grouping=True)))

    @classmethod
    def group_funds(cls, groups, date):
        """Return per group id the funds available for internal loans on date.

        They are the group's savings balance plus the repayments posted on
        its internal loans, less the principal of its internal loans
        disbursed, each counted up to date included."""
        pool = Pool()
        Saving = pool.get('shakti.shg.saving')
        Repayment = pool.get('shakti.shg.loan.repayment')
        loan = cls.__table__()
        repayment = Repayment.__table__()

        ids = [g.id for g in groups]
        savings = Saving.balances('shg', ids, date=date)
        repaid = sum_by(
            repayment.join(loan, condition=repayment.loan == loan.id),
            loan.shg, repayment.amount, ids,
            where=((loan.lender_type == 'internal')
                & (repayment.state == 'posted')
                & (repayment.date <= date)))
        lent = sum_by(loan, loan.shg, loan.principal, ids,
            where=((loan.lender_type == 'internal')
                & loan.state.in_(['running', 'repaid'])
                & (loan.disbursement_date <= date)))
        return {i: savings[i] + repaid[i] - lent[i] for i in ids}

    @classmethod
    def check_internal_funds(cls, loans):
        """Check each internal loan is no more than its group's available
        funds on its disbursement date, and on the disbursement date of
        each internal loan of the group disbursed later.

        The groups are locked first, so that two transactions lending from
        the funds of one group are checked one after the other."""
        pool = Pool()
        Lang = pool.get('ir.lang')

        internal = sorted(
            (l for l in loans if l.lender_type == 'internal'),
            key=lambda l: (l.disbursement_date, l.id))
        if not internal:
            return
        groups = list({l.shg for l in internal})
        lock_existing(groups)
        disbursed = cls.search([
                ('shg', 'in', [g.id for g in groups]),
                ('lender_type', '=', 'internal'),
                ('state', 'in', ['running', 'repaid']),
                ])
        lang = Lang.get()
        # NOTE: a savings withdrawal after a disbursement is checked against
        # the member's balance only, so it can still leave the funds short.
        # The loans of this call checked so far, still drafts in the table.
        checked = []
        for loan in internal:
            dates = {loan.disbursement_date} | {
                l.disbursement_date for l in disbursed
                if l.shg == loan.shg
                and l.disbursement_date > loan.disbursement_date}
            for date in sorted(dates):
                funds = cls.group_funds([loan.shg], date)[loan.shg.id]
                funds -= sum(
                    (l.principal for l in checked
                        if l.shg == loan.shg and l.disbursement_date <= date),
                    Decimal(0))
                if loan.principal > funds:
                    raise LoanError(gettext(
                            'shakti_shg.msg_loan_internal_funds',
                            loan=loan.rec_name,
                            amount=lang.currency(
                                loan.principal, loan.currency,
                                grouping=True),
                            group=loan.shg.rec_name,
                            date=date,
                            funds=lang.currency(
                                funds, loan.currency, grouping=True)))
            checked.append(loan)

    @classmethod
    @ModelView.button
    @Workflow.transition('running')
    def disburse(cls, loans):
        pool = Pool()
        Date = pool.get('ir.date')

        today = Date.today()
        for loan in loans:
            if loan.disbursement_date > today:
                raise LoanError(gettext(
                        'shakti_shg.msg_loan_disburse_future',
                        loan=loan.rec_name, date=loan.disbursement_date))
        cls.check_shares(loans)
        cls.check_internal_funds(loans)
        cls.compute_schedule(loans)

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, loans):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, loans):
        pass

    @classmethod
    def check_modification(cls, mode, loans, values=None, external=False):
        super().check_modification(
            mode, loans, values=values, external=external)
        if mode == 'delete':
            for loan in loans:
                if loan.state not in {'draft', 'cancelled'}:
                    raise LoanError(gettext(
                            'shakti_shg.msg_loan_delete_running',
                            loan=loan.rec_name))

    @classmethod
    def reschedule(cls, loans, date):
        """Move the instalments due after date to the meeting day of their
        group in their period.

        An instalment whose new date would be on or before date keeps its
        date, so that no instalment moves into the past."""
        pool = Pool()
        Line = pool.get('shakti.shg.loan.line')

        to_save = []
        for loan in loans:
            if loan.state != 'running' or not loan.follow_meeting_day:
                continue
            for line in loan.lines:
                if line.due_date <= date:
                    continue
                due_date = loan.due_date(line.period_date)
                if due_date > date and due_date != line.due_date:
                    line.due_date = due_date
                    to_save.append(line)
        with without_check_access():
            Line.save(to_save)

    @classmethod
    def allocate(cls, loans):
        """Allocate the posted repayments of the loans to their schedule.

        Repayments are taken in the order of their date. Each pays the
        instalments in the order they are due, the interest of an
        instalment before its principal. The allocations and the state of
        the loans follow from repayments the user may post, so they are
        written without checking the user's access to them."""
        with without_check_access():
            cls._allocate(loans)

    @classmethod
    def _allocate(cls, loans):
        pool = Pool()
        Allocation = pool.get('shakti.shg.loan.allocation')
        Repayment = pool.get('shakti.shg.loan.repayment')

        loans = cls.browse(loans)
        Allocation.delete(Allocation.search([
                    ('loan', 'in', [l.id for l in loans]),
                    ]))
        to_create, kinds = [], {}
        to_repay, to_run = [], []
        for loan in loans:
            lines = sorted(loan.lines, key=lambda l: (l.due_date, l.sequence))
            unpaid = {l.id: [l.interest, l.principal] for l in lines}
            repayments = sorted(
                (r for r in loan.repayments if r.state == 'posted'),
                key=lambda r: (r.date, r.id))
            for repayment in repayments:
                rest = repayment.amount
                touched = []
                for line in lines:
                    if not rest:
                        break
                    interest = min(rest, unpaid[line.id][0])
                    rest -= interest
                    principal = min(rest, unpaid[line.id][1])
                    rest -= principal
                    if interest or principal:
                        unpaid[line.id][0] -= interest
                        unpaid[line.id][1] -= principal
                        touched.append(line)
                        to_create.append({
                                'repayment': repayment.id,
                                'loan': loan.id,
                                'line': line.id,
                                'date': repayment.date,
                                'interest': interest,
                                'principal': principal,
                                })
                if rest:
                    raise RepaymentError(gettext(
                            'shakti_shg.msg_repayment_exceeds_balance',
                            repayment=repayment.rec_name,
                            loan=loan.rec_name,
                            amount=repayment.amount_string(),
                            balance=repayment.amount_string(
                                repayment.amount - rest)))
                kinds[repayment] = cls.repayment_kind(
                    repayment, touched, lines, unpaid)
            if loan.state == 'running' and not any(
                    sum(u) for u in unpaid.values()):
                to_repay.append(loan)
            elif loan.state == 'repaid' and any(
                    sum(u) for u in unpaid.values()):
                to_run.append(loan)
        Allocation.create(to_create)
        to_write = []
        for repayment, kind in kinds.items():
            if repayment.kind != kind:
                to_write.extend([[repayment], {'kind': kind}])
        if to_write:
            Repayment.write(*to_write)
        if to_repay:
            cls.repay(to_repay)
        if to_run:
            cls.run(to_run)

    @classmethod
    def repayment_kind(cls, repayment, touched, lines, unpaid):
        "Return the kind of the repayment after its allocation"
        if not any(sum(u) for u in unpaid.values()):
            return 'full'
        if any(l.due_date > repayment.date for l in touched):
            return 'prepayment'
        if any(l.due_date < repayment.date for l in touched):
            return 'late'
        if any(sum(unpaid[l.id]) for l in lines
                if l.due_date <= repayment.date):
            return 'partial'
        return 'regular'

    @classmethod
    @Workflow.transition('repaid')
    def repay(cls, loans):
        pass

    @classmethod
    @Workflow.transition('running')
    def run(cls, loans):
        pass


class Line(ComputedMixin, OrganisationMixin, ModelSQL, ModelView):
    __name__ = 'shakti.shg.loan.line'
    __string__ = "Loan Instalment"
    _history = True
    _organisation_parent = 'loan'

    loan = fields.Many2One(
        'shakti.shg.loan', "Loan", required=True, ondelete='CASCADE')
    sequence = fields.Integer("Number", required=True)
    period_date = fields.Date(
        "Period Date", required=True,
        help="The date of the instalment's period from the first due date, "
        "before it follows the group's meeting day.")
    due_date = fields.Date("Due Date", required=True)
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    principal = Monetary(
        "Principal", currency='currency', digits='currency', required=True)
    interest = Monetary(
        "Interest", currency='currency', digits='currency', required=True)
    amount = fields.Function(
        Monetary("Amount", currency='currency', digits='currency'),
        'get_amount')
    amount_paid = fields.Function(
        Monetary("Paid", currency='currency', digits='currency'),
        'get_amount_paid')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('loan')
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.loan, Index.Range())),
                Index(t, (t.due_date, Index.Range())),
                })
        cls._order = [('loan', 'ASC'), ('sequence', 'ASC'), ('id', 'ASC')]

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    def get_rec_name(self, name):
        return '%s #%s' % (self.loan.rec_name, self.sequence)

    def get_amount(self, name):
        return self.principal + self.interest

    @classmethod
    def get_amount_paid(cls, lines, name):
        pool = Pool()
        Allocation = pool.get('shakti.shg.loan.allocation')
        allocation = Allocation.__table__()

        paid = sum_by(
            allocation, allocation.line,
            allocation.principal + allocation.interest,
            [l.id for l in lines])
        return {l.id: l.currency.round(paid[l.id]) for l in lines}


class Share(OrganisationMixin, ModelSQL, ModelView):
    __name__ = 'shakti.shg.loan.share'
    __string__ = "Loan Member Share"
    _history = True
    _organisation_parent = 'loan'
    _organisation_fields = {'member'}

    loan = fields.Many2One(
        'shakti.shg.loan', "Loan", required=True, ondelete='CASCADE')
    member = fields.Many2One(
        'shakti.shg.member', "Member", required=True, ondelete='RESTRICT',
        domain=[('shg', '=', Eval('_parent_loan', {}).get('shg', -1))])
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        readonly_once_saved(cls.loan)
        cls.__access__.add('loan')
        t = cls.__table__()
        cls._sql_constraints = [
            ('loan_member_unique', Unique(t, t.loan, t.member),
                'shakti_shg.msg_loan_share_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.loan, Index.Range())))

    @classmethod
    def default_amount(cls):
        return Decimal(0)

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    def get_rec_name(self, name):
        return '%s / %s' % (self.loan.rec_name, self.member.rec_name)

    @classmethod
    def validate_fields(cls, shares, field_names):
        super().validate_fields(shares, field_names)
        if field_names and not (field_names & {'amount', 'member', 'loan'}):
            return
        for share in shares:
            if share.loan.borrower != 'group':
                raise LoanError(gettext(
                        'shakti_shg.msg_loan_share_member_loan',
                        share=share.rec_name, loan=share.loan.rec_name))
            if share.loan.state != 'draft':
                raise LoanError(gettext(
                        'shakti_shg.msg_loan_share_not_draft',
                        share=share.rec_name, loan=share.loan.rec_name))
            if share.member.shg != share.loan.shg:
                raise LoanError(gettext(
                        'shakti_shg.msg_loan_share_other_group',
                        share=share.rec_name, member=share.member.rec_name,
                        group=share.loan.shg.rec_name))
            if share.amount < 0:
                raise LoanError(gettext(
                        'shakti_shg.msg_loan_share_negative',
                        share=share.rec_name))

    @classmethod
    def check_modification(cls, mode, shares, values=None, external=False):
        super().check_modification(
            mode, shares, values=values, external=external)
        if mode == 'delete':
            for share in shares:
                if share.loan.state != 'draft':
                    raise LoanError(gettext(
                            'shakti_shg.msg_loan_share_not_draft',
                            share=share.rec_name, loan=share.loan.rec_name))


class Repayment(
        LockedByParentMixin, OrganisationMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'shakti.shg.loan.repayment'
    __string__ = "Loan Repayment"
    _locked_by = {'meeting': {'draft'}}
    _history = True
    _organisation_parent = 'loan'
    _organisation_fields = {'meeting'}

    _states = {
        'readonly': Eval('state') != 'draft',
        }

    loan = fields.Many2One(
        'shakti.shg.loan', "Loan", required=True, ondelete='RESTRICT',
        domain=[('state', 'in', ['running', 'repaid'])], states=_states)
    shg = fields.Function(
        fields.Many2One('shakti.shg', "Group"),
        'on_change_with_shg', searcher='search_shg')
    meeting = fields.Many2One(
        'shakti.shg.meeting', "Meeting", ondelete='CASCADE',
        domain=[('shg', '=', Eval('shg', -1))], states=_states)
    date = fields.Date("Date", required=True, states=_states)
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True,
        states=_states)
    kind = fields.Selection([
            (None, ""),
            ('regular', "Regular"),
            ('partial', "Partial"),
            ('late', "Late"),
            ('prepayment', "Prepayment"),
            ('full', "Full"),
            ], "Kind", readonly=True, sort=False,
        help="Set when the repayment is posted:\n"
        "Regular pays what is due on its date.\n"
        "Partial leaves part of what is due unpaid.\n"
        "Late pays instalments due before its date.\n"
        "Prepayment pays instalments due after its date.\n"
        "Full repays the whole loan.")
    state = fields.Selection([
            ('draft', "Draft"),
            ('posted', "Posted"),
            ], "State", readonly=True, sort=False)
    allocations = fields.One2Many(
        'shakti.shg.loan.allocation', 'repayment', "Allocation",
        readonly=True)
    interest_paid = fields.Function(
        Monetary("Interest Paid", currency='currency', digits='currency'),
        'get_paid')
    principal_paid = fields.Function(
        Monetary("Principal Paid", currency='currency', digits='currency'),
        'get_paid')

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.loan, Index.Range())),
                Index(t, (t.meeting, Index.Range())),
                Index(t, (t.date, Index.Range())),
                })
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'posted'),
            ('posted', 'draft'),
            }
        cls._buttons.update({
                'post': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'draft': {
                    'invisible': Eval('state') != 'posted',
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

    @fields.depends('loan', '_parent_loan.shg')
    def on_change_with_shg(self, name=None):
        return self.loan.shg if self.loan else None

    @classmethod
    def search_shg(cls, name, clause):
        return [('loan.shg' + clause[0][len(name):],) + tuple(clause[1:])]

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    @fields.depends('meeting', '_parent_meeting.date')
    def on_change_meeting(self):
        if self.meeting and self.meeting.date:
            self.date = self.meeting.date

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Meeting = pool.get('shakti.shg.meeting')

        values = super().preprocess_values(mode, values)
        if values.get('meeting') is not None and not values.get('date'):
            values['date'] = Meeting(values['meeting']).date
        return values

    def get_rec_name(self, name):
        return '%s @ %s' % (self.loan.rec_name, self.date)

    def amount_string(self, amount=None):
        pool = Pool()
        Lang = pool.get('ir.lang')

        if amount is None:
            amount = self.amount
        return Lang.get().currency(amount, self.currency, grouping=True)

    @classmethod
    def get_paid(cls, repayments, names):
        result = {n: {} for n in names}
        for repayment in repayments:
            for name, part in [
                    ('interest_paid', 'interest'),
                    ('principal_paid', 'principal')]:
                if name in result:
                    result[name][repayment.id] = sum(
                        (getattr(a, part) for a in repayment.allocations),
                        Decimal(0))
        return result

    @classmethod
    def validate_fields(cls, repayments, field_names):
        super().validate_fields(repayments, field_names)
        cls.check_amount(repayments, field_names)

    @classmethod
    def check_amount(cls, repayments, field_names=None):
        pool = Pool()
        Date = pool.get('ir.date')

        if field_names and not (field_names & {'amount', 'date', 'loan'}):
            return
        today = Date.today()
        for repayment in repayments:
            if repayment.amount < 0 or (
                    repayment.state == 'posted' and not repayment.amount):
                raise RepaymentError(gettext(
                        'shakti_shg.msg_repayment_amount_positive',
                        repayment=repayment.rec_name,
                        amount=repayment.amount_string()))
            if repayment.date < repayment.loan.disbursement_date:
                raise RepaymentError(gettext(
                        'shakti_shg.msg_repayment_before_disbursement',
                        repayment=repayment.rec_name,
                        date=repayment.date,
                        disbursement_date=(
                            repayment.loan.disbursement_date)))
            if repayment.date > today:
                raise RepaymentError(gettext(
                        'shakti_shg.msg_repayment_future',
                        repayment=repayment.rec_name,
                        date=repayment.date))

    @classmethod
    @ModelView.button
    @Workflow.transition('posted')
    def post(cls, repayments):
        pool = Pool()
        Loan = pool.get('shakti.shg.loan')

        for repayment in repayments:
            if not repayment.amount:
                raise RepaymentError(gettext(
                        'shakti_shg.msg_repayment_amount_positive',
                        repayment=repayment.rec_name,
                        amount=repayment.amount_string()))
        # Two transactions posting on one loan must not both pass the check.
        lock_existing(list({r.loan for r in repayments}))
        cls.check_balance(repayments)
        # The transition writes the state after this method.
        cls.write(repayments, {'state': 'posted'})
        Loan.allocate(list({r.loan for r in repayments}))

    @classmethod
    def check_balance(cls, repayments):
        """Check each repayment is no more than the balance of its loan
        left by the other posted repayments"""
        pool = Pool()
        Loan = pool.get('shakti.shg.loan')

        by_loan = defaultdict(list)
        for repayment in repayments:
            by_loan[repayment.loan].append(repayment)
        loans = Loan.browse(list(by_loan))
        for loan in loans:
            balance = loan.amount_outstanding
            for repayment in sorted(
                    by_loan[loan], key=lambda r: (r.date, r.id)):
                if repayment.state == 'posted':
                    continue
                if repayment.amount > balance:
                    raise RepaymentError(gettext(
                            'shakti_shg.msg_repayment_exceeds_balance',
                            repayment=repayment.rec_name,
                            loan=loan.rec_name,
                            amount=repayment.amount_string(),
                            balance=repayment.amount_string(balance)))
                balance -= repayment.amount

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, repayments):
        pool = Pool()
        Loan = pool.get('shakti.shg.loan')

        cls.write(repayments, {'state': 'draft', 'kind': None})
        Loan.allocate(list({r.loan for r in repayments}))

    @classmethod
    def check_modification(
            cls, mode, repayments, values=None, external=False):
        super().check_modification(
            mode, repayments, values=values, external=external)
        if mode == 'delete':
            for repayment in repayments:
                if repayment.state == 'posted':
                    raise RepaymentError(gettext(
                            'shakti_shg.msg_repayment_delete_posted',
                            repayment=repayment.rec_name))


class Allocation(ComputedMixin, OrganisationMixin, ModelSQL, ModelView):
    __name__ = 'shakti.shg.loan.allocation'
    __string__ = "Repayment Allocation"
    _organisation_parent = 'repayment'
    _organisation_fields = {'line', 'loan'}

    repayment = fields.Many2One(
        'shakti.shg.loan.repayment', "Repayment", required=True,
        ondelete='CASCADE', readonly=True)
    loan = fields.Many2One(
        'shakti.shg.loan', "Loan", required=True, ondelete='CASCADE',
        readonly=True)
    line = fields.Many2One(
        'shakti.shg.loan.line', "Instalment", required=True,
        ondelete='CASCADE', readonly=True)
    date = fields.Date("Date", required=True, readonly=True)
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    interest = Monetary(
        "Interest", currency='currency', digits='currency', required=True,
        readonly=True)
    principal = Monetary(
        "Principal", currency='currency', digits='currency', required=True,
        readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('repayment')
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.repayment, Index.Range())),
                Index(t, (t.loan, Index.Range())),
                Index(t, (t.line, Index.Range())),
                })
        cls._order = [('date', 'ASC'), ('id', 'ASC')]

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    def get_rec_name(self, name):
        return '%s → %s' % (self.repayment.rec_name, self.line.rec_name)
