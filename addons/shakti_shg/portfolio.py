# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
from decimal import Decimal

from sql import Literal, Null, Select, Union
from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, check_access

from .group import context_date

# (band, heading, lowest days past due)
BANDS = [
    ('current', "Current", 0),
    ('1_30', "1-30 Days", 1),
    ('31_60', "31-60 Days", 31),
    ('61_90', "61-90 Days", 61),
    ('over_90', "Over 90 Days", 91),
    ]
AGED_STATES = ['running', 'repaid']


def aging_band(days):
    "Return the arrears band of a loan that is days past due"
    band = BANDS[0][0]
    for name, _, lowest in BANDS:
        if days >= lowest:
            band = name
    return band


def percent(part, whole):
    "Return part of whole in percent to 2 decimals, 0 when whole is 0"
    if not whole:
        return Decimal('0.00')
    return (part * 100 / whole).quantize(Decimal('0.01'))


def loan_aging(loans, date):
    """Return per loan id the aging of the loans as of date.

    Each value is a dictionary with the principal outstanding, the amount
    overdue (unpaid on the instalments due before date), the days past due
    of the oldest unpaid instalment and the band. The value is None for a
    loan disbursed after date, and for a draft or cancelled loan."""
    pool = Pool()
    Loan = pool.get('shakti.shg.loan')

    unpaid = Loan.unpaid_lines(loans, date)
    result = {}
    for loan in loans:
        if (loan.state not in AGED_STATES
                or loan.disbursement_date > date):
            result[loan.id] = None
            continue
        lines = unpaid[loan.id]
        overdue = [(l, i, p) for l, i, p in lines
            if l.due_date < date and (i or p)]
        days = (date - overdue[0][0].due_date).days if overdue else 0
        round_ = loan.currency.round
        result[loan.id] = {
            'principal': round_(sum((p for _, _, p in lines), Decimal(0))),
            'overdue': round_(sum((i + p for _, i, p in overdue), Decimal(0))),
            'days': days,
            'band': aging_band(days),
            }
    return result


def par30(agings):
    "Return the portfolio at risk over 30 days of the agings in percent"
    agings = [a for a in agings if a]
    total = sum((a['principal'] for a in agings), Decimal(0))
    at_risk = sum(
        (a['principal'] for a in agings if a['days'] > 30), Decimal(0))
    return percent(at_risk, total)


class Loan(metaclass=PoolMeta):
    __name__ = 'shakti.shg.loan'

    aging_principal = fields.Function(
        Monetary(
            "Principal Outstanding on Date", currency='currency',
            digits='currency',
            help="The principal not repaid by the repayments dated up to "
            "the date of the context."),
        'get_aging')
    amount_overdue = fields.Function(
        Monetary(
            "Overdue", currency='currency', digits='currency',
            help="The principal and interest of the instalments due before "
            "the date of the context that were not repaid by then."),
        'get_aging')
    days_past_due = fields.Function(
        fields.Integer(
            "Days Past Due",
            help="The days from the due date of the oldest instalment "
            "still unpaid to the date of the context."),
        'get_aging')
    aging_band = fields.Function(
        fields.Selection(
            [(None, "")] + [(b, s) for b, s, _ in BANDS], "Arrears Band",
            sort=False),
        'get_aging')

    @classmethod
    def get_aging(cls, loans, names):
        date = context_date()
        agings = loan_aging(loans, date)
        keys = {
            'aging_principal': 'principal',
            'amount_overdue': 'overdue',
            'days_past_due': 'days',
            'aging_band': 'band',
            }
        result = {n: {} for n in names}
        for loan in loans:
            aging = agings[loan.id]
            for name in names:
                result[name][loan.id] = aging[keys[name]] if aging else None
        return result


class LoanAgingContext(ModelView):
    __name__ = 'shakti.shg.loan.aging.context'
    __string__ = "Loan Aging Context"

    date = fields.Date("Date", required=True)

    @classmethod
    def default_date(cls):
        pool = Pool()
        Date = pool.get('ir.date')
        return Date.today()


class PortfolioContext(LoanAgingContext):
    __name__ = 'shakti.shg.portfolio.context'
    __string__ = "Loan Portfolio Context"

    shg = fields.Many2One(
        'shakti.shg', "Group",
        help="Leave empty to sum the loans of every group.")


class Group(metaclass=PoolMeta):
    __name__ = 'shakti.shg'

    par30 = fields.Function(
        fields.Numeric(
            "PAR30 (%)", digits=(5, 2),
            help="The principal outstanding of the group's loans more than "
            "30 days past due on the date of the context, in percent of "
            "the principal outstanding of all its loans."),
        'get_par30')

    @classmethod
    def get_par30(cls, groups, name):
        pool = Pool()
        Loan = pool.get('shakti.shg.loan')

        date = context_date()
        loans = Loan.search([
                ('shg', 'in', [g.id for g in groups]),
                ('state', 'in', AGED_STATES),
                ('disbursement_date', '<=', date),
                ])
        agings = loan_aging(loans, date)
        by_group = {g.id: [] for g in groups}
        for loan in loans:
            by_group[loan.shg.id].append(agings[loan.id])
        return {g: par30(a) for g, a in by_group.items()}


class PortfolioBand(ModelSQL, ModelView):
    """The loans the user may read, on the date of the context, summed per
    arrears band"""
    __name__ = 'shakti.shg.portfolio.band'
    __string__ = "Loan Portfolio per Arrears Band"

    band = fields.Selection(
        [(b, s) for b, s, _ in BANDS], "Band", readonly=True, sort=False)
    sequence = fields.Integer("Sequence", readonly=True)
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"), 'get_currency')
    loan_count = fields.Function(
        fields.Integer("Loans"), 'get_summary')
    principal = fields.Function(
        Monetary(
            "Principal Outstanding", currency='currency', digits='currency'),
        'get_summary')
    overdue = fields.Function(
        Monetary("Overdue", currency='currency', digits='currency'),
        'get_summary')
    share = fields.Function(
        fields.Numeric(
            "Share (%)", digits=(5, 2),
            help="The principal outstanding of the band in percent of the "
            "principal outstanding of all loans."),
        'get_summary')
    at_risk = fields.Function(
        fields.Numeric(
            "At Risk (%)", digits=(5, 2),
            help="The principal outstanding of the loans in this band or "
            "later in percent of the principal outstanding of all loans: "
            "the row 31-60 days gives the portfolio at risk over 30 days "
            "(PAR30)."),
        'get_summary')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('sequence', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        return Union(*[
                cls._band_query(i, band)
                for i, (band, _, _) in enumerate(BANDS, 1)], all_=True)

    @classmethod
    def _band_query(cls, id_, band):
        # Casts give the constants a type, which PostgreSQL needs in a
        # query without a table.
        return Select([
                cls.id.sql_cast(Literal(id_)).as_('id'),
                cls.sequence.sql_cast(Literal(id_)).as_('sequence'),
                cls.band.sql_cast(Literal(band)).as_('band'),
                cls.create_uid.sql_cast(Null).as_('create_uid'),
                cls.create_date.sql_cast(Null).as_('create_date'),
                cls.write_uid.sql_cast(Null).as_('write_uid'),
                cls.write_date.sql_cast(Null).as_('write_date'),
                ])

    @classmethod
    def get_currency(cls, bands, name):
        company_id = Transaction().context.get('company')
        currency = None
        if company_id is not None and company_id >= 0:
            pool = Pool()
            Company = pool.get('company.company')
            currency = Company(company_id).currency.id
        return {b.id: currency for b in bands}

    @classmethod
    def portfolio(cls):
        """Return the agings of the loans the user may read, of the group
        of the context if any, as of the date of the context"""
        pool = Pool()
        Loan = pool.get('shakti.shg.loan')

        date = context_date()
        domain = [
            ('state', 'in', AGED_STATES),
            ('disbursement_date', '<=', date),
            ]
        shg = Transaction().context.get('shg')
        if shg is not None:
            domain.append(('shg', '=', shg))
        with check_access():
            loans = Loan.search(domain)
        return [a for a in loan_aging(loans, date).values() if a]

    @classmethod
    def get_summary(cls, bands, names):
        agings = cls.portfolio()
        total = sum((a['principal'] for a in agings), Decimal(0))
        order = [b for b, _, _ in BANDS]
        result = {n: {} for n in names}
        for band in bands:
            in_band = [a for a in agings if a['band'] == band.band]
            at_risk = [a for a in agings
                if order.index(a['band']) >= order.index(band.band)]
            principal = sum((a['principal'] for a in in_band), Decimal(0))
            values = {
                'loan_count': len(in_band),
                'principal': principal,
                'overdue': sum((a['overdue'] for a in in_band), Decimal(0)),
                'share': percent(principal, total),
                'at_risk': percent(
                    sum((a['principal'] for a in at_risk), Decimal(0)),
                    total),
                }
            for name in names:
                result[name][band.id] = values[name]
        return result


def month_range(date):
    "Return the first and last day of the month of date"
    first = date.replace(day=1)
    next_month = (first + dt.timedelta(days=32)).replace(day=1)
    return first, next_month - dt.timedelta(days=1)
