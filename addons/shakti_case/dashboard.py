# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import statistics
from collections import defaultdict
from decimal import Decimal

from sql import Literal, Null
from sql.aggregate import Count, Min, Sum
from sql.conditionals import Case, Coalesce
from sql.functions import Extract
from sql.operators import Exists
from trytond.i18n import gettext
from trytond.model import Model, ModelSQL, ModelView, fields
from trytond.modules.currency.fields import Monetary
from trytond.modules.shakti_base.model import check_rule_read
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction

from .application import PENDING_STATES
from .exceptions import DashboardError

PERIODS = [
    ('month', "Month"),
    ('quarter', "Quarter"),
    ('year', "Year"),
    ]
RATE_DIGITS = (1, 4)
RATE_QUANTUM = Decimal('0.0001')
MEDIAN_QUANTUM = Decimal('0.1')
# The days ahead the upcoming hearings cover when no to date is given.
UPCOMING_HEARING_DAYS = 30


def period_start(date, period):
    "Return the first day of the month, quarter or year containing date"
    if period == 'year':
        return date.replace(month=1, day=1)
    if period == 'quarter':
        return date.replace(month=(date.month - 1) // 3 * 3 + 1, day=1)
    return date.replace(day=1)


def ratio(numerator, denominator):
    "Return numerator / denominator as a Decimal, or None when it is 0"
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATE_QUANTUM)


def median(values):
    "Return the median of integers as a Decimal, or None when empty"
    if not values:
        return None
    return statistics.median(map(Decimal, values)).quantize(MEDIAN_QUANTUM)


class DashboardContext(ModelView):
    __name__ = 'shakti.dashboard.context'
    __string__ = "Case Dashboard Context"
    from_date = fields.Date(
        "From Date",
        domain=[
            If(Eval('from_date') & Eval('to_date'),
                ('from_date', '<=', Eval('to_date')),
                ()),
            ],
        help="The first day counted, included.")
    to_date = fields.Date(
        "To Date",
        domain=[
            If(Eval('from_date') & Eval('to_date'),
                ('to_date', '>=', Eval('from_date')),
                ()),
            ],
        help="The last day counted, included.")
    period = fields.Selection(
        PERIODS, "Period", required=True, sort=False,
        help="The length of the periods the figures are grouped by.")
    organisation = fields.Many2One(
        'company.company', "Organisation",
        help="Count only this organisation and the ones under it.")
    block = fields.Many2One(
        'shakti.place', "Block or Mandal",
        domain=[('type', 'in', ['block', 'mandal'])])

    @classmethod
    def default_from_date(cls):
        pool = Pool()
        Date = pool.get('ir.date')

        # The company in the context sets the time zone of today, so the
        # quarter starts at midnight in India whatever the server's time
        # zone.
        return period_start(Date.today(), 'quarter')

    @classmethod
    def default_period(cls):
        return 'month'


class DashboardMixin(ModelSQL, ModelView):
    "Read-only figures of an organisation, filtered by the dashboard context"
    __slots__ = ()
    company = fields.Many2One('company.company', "Organisation")
    partner = fields.Many2One(
        'company.company', "Partner",
        help="The partner NGO a CBO works under, or the organisation "
        "itself when it is not a CBO.")
    block = fields.Many2One('shakti.place', "Block or Mandal")

    @classmethod
    def check_read(cls, records):
        "Raise AccessError unless the user may read the records by the rules"
        check_rule_read(cls, records)

    @classmethod
    def copy(cls, records, default=None):
        # Tryton copies the values it reads without the record rules, so
        # check them first. Another organisation's rows then raise an
        # access error, not the NotImplementedError of a table query.
        cls.check_read(records)
        return super().copy(records, default=default)

    @classmethod
    def delete(cls, records):
        cls.check_read(records)
        super().delete(records)

    @staticmethod
    def _context_dates():
        "Return the from and to dates of the context, checked"
        context = Transaction().context
        from_date = context.get('from_date')
        to_date = context.get('to_date')
        if from_date and to_date and from_date > to_date:
            raise DashboardError(
                gettext('shakti_case.msg_dashboard_dates',
                    from_date=from_date, to_date=to_date))
        return from_date, to_date

    @classmethod
    def _date_where(cls, column):
        "Return the condition keeping the column within the context dates"
        from_date, to_date = cls._context_dates()
        where = Literal(True)
        if from_date:
            where &= column >= from_date
        if to_date:
            where &= column <= to_date
        return where

    @classmethod
    def _organisation_where(cls, company, block):
        "Return the condition for the organisation and block of the context"
        pool = Pool()
        Company = pool.get('company.company')

        context = Transaction().context
        where = Literal(True)
        if context.get('organisation') is not None:
            organisations = Company.search([
                    ('parent', 'child_of', [context['organisation']]),
                    ])
            where &= company.in_([o.id for o in organisations] or [-1])
        if context.get('block') is not None:
            where &= block == context['block']
        return where

    @classmethod
    def _partner_column(cls, company_table):
        return Case(
            (company_table.organisation_type == 'cbo', company_table.parent),
            else_=company_table.id)


class PeriodMixin(Model):
    "Figures grouped by month, quarter or year"
    __slots__ = ()
    year = fields.Integer("Year")
    month = fields.Integer(
        "First Month", help="The first month of the period.")
    period = fields.Function(fields.Char("Period"), 'get_period')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('year', 'DESC'), ('month', 'DESC'), ('company', 'ASC'),
            ('id', 'ASC')]

    @classmethod
    def _period_columns(cls, date):
        "Return the year and first month of the period containing date"
        period = Transaction().context.get('period') or 'month'
        year = cls.year.sql_cast(Extract('YEAR', date))
        month = cls.year.sql_cast(Extract('MONTH', date))
        if period == 'year':
            first_month = Literal(1)
        elif period == 'quarter':
            first_month = Case(
                (month <= 3, 1), (month <= 6, 4), (month <= 9, 7),
                else_=10)
        else:
            first_month = month
        return year.as_('year'), first_month.as_('month')

    @classmethod
    def get_period(cls, records, name):
        period = Transaction().context.get('period') or 'month'
        result = {}
        for record in records:
            if period == 'year':
                result[record.id] = '%04d' % record.year
            elif period == 'quarter':
                result[record.id] = '%04d-Q%d' % (
                    record.year, (record.month - 1) // 3 + 1)
            else:
                result[record.id] = '%04d-%02d' % (record.year, record.month)
        return result


class SurvivorDashboard(DashboardMixin):
    __name__ = 'shakti.dashboard.survivor'
    __string__ = "Survivor Dashboard"
    active_survivors = fields.Integer(
        "Active Survivors",
        help="The survivors registered by the to date and not closed "
        "before the from date.")
    registered = fields.Integer(
        "Registered", help="The survivors registered between the dates.")
    closed = fields.Integer(
        "Closed", help="The cases closed between the dates.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('company', 'ASC'), ('block', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Survivor = pool.get('shakti.survivor')
        Company = pool.get('company.company')

        survivor = Survivor.__table__()
        company = Company.__table__()
        from_date, to_date = cls._context_dates()

        active = Literal(True)
        if to_date:
            active &= survivor.registration_date <= to_date
        if from_date:
            active &= ((survivor.closing_date == Null)
                | (survivor.closing_date >= from_date))
        else:
            active &= survivor.closing_date == Null

        def count(condition):
            return Sum(Case((condition, 1), else_=0))

        return survivor.join(company,
            condition=survivor.company == company.id
            ).select(
                Min(survivor.id).as_('id'),
                survivor.company.as_('company'),
                cls._partner_column(company).as_('partner'),
                survivor.block.as_('block'),
                count(active).as_('active_survivors'),
                count(cls._date_where(survivor.registration_date)).as_(
                    'registered'),
                count((survivor.closing_date != Null)
                    & cls._date_where(survivor.closing_date)).as_('closed'),
                where=cls._organisation_where(
                    survivor.company, survivor.block),
                group_by=[
                    survivor.company, company.organisation_type,
                    company.parent, company.id, survivor.block])


class IntakeDashboard(PeriodMixin, DashboardMixin):
    __name__ = 'shakti.dashboard.intake'
    __string__ = "Case Intake Dashboard"
    intakes = fields.Integer("Intakes")
    by_social_worker = fields.Integer("By Social Worker")
    by_survivor_leader = fields.Integer("By Survivor Leader")
    by_survivor = fields.Integer("By Survivor Herself")
    handover_share = fields.Function(
        fields.Numeric(
            "Handover Share", digits=RATE_DIGITS,
            help="The share of intakes filled by the survivor herself or "
            "by a survivor leader."),
        'get_handover_share')

    @classmethod
    def table_query(cls):
        pool = Pool()
        Intake = pool.get('shakti.intake')
        Survivor = pool.get('shakti.survivor')
        Company = pool.get('company.company')

        intake = Intake.__table__()
        survivor = Survivor.__table__()
        company = Company.__table__()

        rows = intake.join(survivor,
            condition=intake.survivor == survivor.id
            ).join(company,
            condition=intake.company == company.id
            ).select(
                intake.id, intake.company,
                cls._partner_column(company).as_('partner'),
                survivor.block, intake.filled_by,
                *cls._period_columns(intake.date),
                where=cls._date_where(intake.date)
                & cls._organisation_where(intake.company, survivor.block))

        def count(filled_by):
            return Sum(Case((rows.filled_by == filled_by, 1), else_=0))

        return rows.select(
            Min(rows.id).as_('id'),
            rows.company, rows.partner, rows.block, rows.year, rows.month,
            Count().as_('intakes'),
            count('social_worker').as_('by_social_worker'),
            count('survivor_leader').as_('by_survivor_leader'),
            count('survivor').as_('by_survivor'),
            group_by=[
                rows.company, rows.partner, rows.block, rows.year,
                rows.month])

    @classmethod
    def get_handover_share(cls, records, name):
        return {
            r.id: ratio(r.by_survivor_leader + r.by_survivor, r.intakes)
            for r in records}


class ApplicationDashboard(PeriodMixin, DashboardMixin):
    __name__ = 'shakti.dashboard.application'
    __string__ = "Entitlement Application Dashboard"
    scheme = fields.Many2One('shakti.scheme', "Scheme")
    scheme_category = fields.Selection(
        'get_scheme_categories', "Scheme Category")
    applications = fields.Integer("Applications")
    draft = fields.Integer("Draft")
    submitted = fields.Integer("Submitted")
    under_process = fields.Integer("Under Process")
    approved = fields.Integer(
        "Approved", help="Approved and awaiting the benefit.")
    received = fields.Integer("Received")
    rejected = fields.Integer("Rejected")
    withdrawn = fields.Integer("Withdrawn")
    approval_rate = fields.Function(
        fields.Numeric(
            "Approval Rate", digits=RATE_DIGITS,
            help="The share of the applications decided by the office "
            "that were approved (approved or received, against those and "
            "the rejected ones)."),
        'get_approval_rate')
    median_days_approval = fields.Function(
        fields.Numeric(
            "Median Days to Approval", digits=(16, 1),
            help="The median number of days from submission to approval."),
        'get_median_days')
    median_days_receipt = fields.Function(
        fields.Numeric(
            "Median Days to Receipt", digits=(16, 1),
            help="The median number of days from submission to the receipt "
            "of the benefit."),
        'get_median_days')
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"), 'get_currency')
    amount_approved = Monetary(
        "Amount Approved", currency='currency', digits='currency')
    amount_received = Monetary(
        "Amount Received", currency='currency', digits='currency')

    @classmethod
    def get_scheme_categories(cls):
        pool = Pool()
        Scheme = pool.get('shakti.scheme')

        return Scheme.fields_get(['category'])['category']['selection']

    @classmethod
    def _rows(cls):
        "Return the query of the applications counted, one row each"
        pool = Pool()
        Application = pool.get('shakti.application')
        Scheme = pool.get('shakti.scheme')
        Company = pool.get('company.company')

        application = Application.__table__()
        scheme = Scheme.__table__()
        company = Company.__table__()

        return application.join(scheme,
            condition=application.scheme == scheme.id
            ).join(company,
            condition=application.company == company.id
            ).select(
                application.id, application.company,
                cls._partner_column(company).as_('partner'),
                application.block, application.scheme,
                scheme.category.as_('scheme_category'),
                *cls._period_columns(application.date),
                application.state,
                application.submitted_date, application.approved_date,
                application.received_date,
                application.amount_approved, application.amount_received,
                where=cls._date_where(application.date)
                & cls._organisation_where(
                    application.company, application.block))

    @classmethod
    def _group_by(cls, rows):
        return [
            rows.company, rows.partner, rows.block, rows.scheme,
            rows.scheme_category, rows.year, rows.month]

    @classmethod
    def table_query(cls):
        rows = cls._rows()

        def count(state):
            return Sum(Case((rows.state == state, 1), else_=0))

        return rows.select(
            Min(rows.id).as_('id'),
            *cls._group_by(rows),
            Count().as_('applications'),
            *[count(s).as_(s) for s in [
                    'draft', 'submitted', 'under_process', 'approved',
                    'received', 'rejected', 'withdrawn']],
            cls.amount_approved.sql_cast(
                Coalesce(Sum(rows.amount_approved), 0)).as_(
                'amount_approved'),
            cls.amount_received.sql_cast(
                Coalesce(Sum(rows.amount_received), 0)).as_(
                'amount_received'),
            group_by=cls._group_by(rows))

    @classmethod
    def get_approval_rate(cls, records, name):
        return {
            r.id: ratio(r.approved + r.received,
                r.approved + r.received + r.rejected)
            for r in records}

    @classmethod
    def get_median_days(cls, records, names):
        "Compute the medians of all records with one query"
        cursor = Transaction().connection.cursor()

        keys = {}
        for record in records:
            key = (
                record.company.id,
                record.partner.id if record.partner else None,
                record.block.id, record.scheme.id, record.scheme_category,
                record.year, record.month)
            keys[key] = record.id
        days = {n: defaultdict(list) for n in names}
        rows = cls._rows()
        cursor.execute(*rows.select(
                *cls._group_by(rows),
                rows.submitted_date, rows.approved_date, rows.received_date,
                where=rows.company.in_(
                    list({r.company.id for r in records}) or [-1])
                & (rows.approved_date != Null)))
        for *key, submitted, approved, received in cursor:
            record_id = keys.get(tuple(key))
            if record_id is None or submitted is None:
                continue
            submitted = to_date(submitted)
            if 'median_days_approval' in days:
                days['median_days_approval'][record_id].append(
                    (to_date(approved) - submitted).days)
            if received and 'median_days_receipt' in days:
                days['median_days_receipt'][record_id].append(
                    (to_date(received) - submitted).days)
        return {
            n: {r.id: median(days[n].get(r.id)) for r in records}
            for n in names}

    @classmethod
    def get_currency(cls, records, name):
        return {r.id: r.company.currency.id for r in records}


def to_date(value):
    "Return a date read by the cursor as a date, whatever the backend"
    if isinstance(value, str):
        return dt.date.fromisoformat(value)
    return value


class FollowUpDashboard(DashboardMixin):
    __name__ = 'shakti.dashboard.follow_up'
    __string__ = "Overdue Follow-up"
    application = fields.Many2One('shakti.application', "Application")
    survivor = fields.Many2One('shakti.survivor', "Survivor")
    scheme = fields.Many2One('shakti.scheme', "Scheme")
    state = fields.Selection('get_states', "State")
    last_follow_up = fields.Date("Last Follow-up")
    next_date = fields.Date("Next Date")
    days_overdue = fields.Function(
        fields.Integer("Days Overdue"), 'get_days_overdue')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('next_date', 'ASC'), ('id', 'ASC')]

    @classmethod
    def get_states(cls):
        pool = Pool()
        Application = pool.get('shakti.application')

        return Application.fields_get(['state'])['state']['selection']

    @classmethod
    def table_query(cls):
        "Return the pending applications whose next visit date has passed"
        pool = Pool()
        Application = pool.get('shakti.application')
        FollowUp = pool.get('shakti.application.follow_up')
        Company = pool.get('company.company')
        Date = pool.get('ir.date')

        application = Application.__table__()
        follow_up = FollowUp.__table__()
        later = FollowUp.__table__()
        company = Company.__table__()
        today = Date.today()

        is_latest = ~Exists(later.select(Literal(1),
                where=(later.application == follow_up.application)
                & ((later.date > follow_up.date)
                    | ((later.date == follow_up.date)
                        & (later.id > follow_up.id)))))
        return application.join(follow_up,
            condition=follow_up.application == application.id
            ).join(company,
            condition=application.company == company.id
            ).select(
                application.id.as_('id'),
                application.company.as_('company'),
                cls._partner_column(company).as_('partner'),
                application.block.as_('block'),
                application.id.as_('application'),
                application.survivor.as_('survivor'),
                application.scheme.as_('scheme'),
                application.state.as_('state'),
                follow_up.date.as_('last_follow_up'),
                follow_up.next_date.as_('next_date'),
                where=is_latest
                & application.state.in_(PENDING_STATES)
                & (follow_up.next_date < today)
                & cls._organisation_where(
                    application.company, application.block))

    @classmethod
    def get_days_overdue(cls, records, name):
        pool = Pool()
        Date = pool.get('ir.date')

        today = Date.today()
        return {r.id: (today - r.next_date).days for r in records}


class CounsellingDashboard(PeriodMixin, DashboardMixin):
    __name__ = 'shakti.dashboard.counselling'
    __string__ = "Counselling Dashboard"
    sessions = fields.Integer("Sessions")
    individual = fields.Integer("Individual")
    group = fields.Integer("Group")
    peer = fields.Integer("Peer Support")
    survivors = fields.Integer(
        "Survivors", help="The survivors who had at least one session.")

    @classmethod
    def table_query(cls):
        pool = Pool()
        Session = pool.get('shakti.counselling.session')
        Survivor = pool.get('shakti.survivor')
        Company = pool.get('company.company')

        session = Session.__table__()
        survivor = Survivor.__table__()
        company = Company.__table__()

        rows = session.join(survivor,
            condition=session.survivor == survivor.id
            ).join(company,
            condition=session.company == company.id
            ).select(
                session.id, session.company, session.survivor,
                cls._partner_column(company).as_('partner'),
                survivor.block, session.kind,
                *cls._period_columns(session.date),
                where=cls._date_where(session.date)
                & cls._organisation_where(session.company, survivor.block))

        def count(kind):
            return Sum(Case((rows.kind == kind, 1), else_=0))

        return rows.select(
            Min(rows.id).as_('id'),
            rows.company, rows.partner, rows.block, rows.year, rows.month,
            Count().as_('sessions'),
            count('individual').as_('individual'),
            count('group').as_('group'),
            count('peer').as_('peer'),
            Count(rows.survivor, distinct=True).as_('survivors'),
            group_by=[
                rows.company, rows.partner, rows.block, rows.year,
                rows.month])


class HearingDashboard(DashboardMixin):
    __name__ = 'shakti.dashboard.hearing'
    __string__ = "Upcoming Hearing"
    survivor = fields.Many2One('shakti.survivor', "Survivor")
    date = fields.Date("Date")
    days_until = fields.Function(
        fields.Integer("Days Until"), 'get_days_until')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        """Return the hearings from today to the to date of the context,
        or to the next UPCOMING_HEARING_DAYS days without one"""
        pool = Pool()
        Hearing = pool.get('shakti.legal_case.hearing')
        LegalCase = pool.get('shakti.legal_case')
        Survivor = pool.get('shakti.survivor')
        Company = pool.get('company.company')
        Date = pool.get('ir.date')

        hearing = Hearing.__table__()
        legal_case = LegalCase.__table__()
        survivor = Survivor.__table__()
        company = Company.__table__()
        today = Date.today()
        _, to_date = cls._context_dates()
        if not to_date or to_date < today:
            to_date = today + dt.timedelta(days=UPCOMING_HEARING_DAYS)

        return hearing.join(legal_case,
            condition=hearing.legal_case == legal_case.id
            ).join(survivor,
            condition=legal_case.survivor == survivor.id
            ).join(company,
            condition=hearing.company == company.id
            ).select(
                hearing.id.as_('id'),
                hearing.company.as_('company'),
                cls._partner_column(company).as_('partner'),
                survivor.block.as_('block'),
                survivor.id.as_('survivor'),
                hearing.date.as_('date'),
                where=(hearing.date >= today) & (hearing.date <= to_date)
                & cls._organisation_where(hearing.company, survivor.block))

    @classmethod
    def get_days_until(cls, records, name):
        pool = Pool()
        Date = pool.get('ir.date')

        today = Date.today()
        return {r.id: (r.date - today).days for r in records}
