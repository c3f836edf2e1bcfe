# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import calendar
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from sql import Literal
from sql.conditionals import Case
from trytond import backend
from trytond.i18n import gettext
from trytond.model import (
    Index, ModelSingleton, ModelSQL, ModelView, Unique, Workflow, fields)
from trytond.modules.currency.fields import Monetary
from trytond.modules.shakti_base.model import (
    LockedByParentMixin, OrganisationMixin, readonly_once_saved, sum_by)
from trytond.pool import Pool
from trytond.pyson import Bool, Eval, Id, If
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from .exceptions import GroupError, MeetingError, MemberError, SavingError

FREQUENCIES = [
    ('weekly', "Weekly"),
    ('fortnightly', "Fortnightly"),
    ('monthly', "Monthly"),
    ]
WEEKDAYS = [
    (None, ""),
    ('0', "Monday"),
    ('1', "Tuesday"),
    ('2', "Wednesday"),
    ('3', "Thursday"),
    ('4', "Friday"),
    ('5', "Saturday"),
    ('6', "Sunday"),
    ]
ROLES = [
    ('president', "President"),
    ('secretary', "Secretary"),
    ('treasurer', "Treasurer"),
    ('member', "Member"),
    ]
# The roles only one member may hold at a time.
OFFICE_ROLES = {'president', 'secretary', 'treasurer'}


def context_date():
    "Return the date of the context, or today"
    pool = Pool()
    Date = pool.get('ir.date')
    return Transaction().context.get('date') or Date.today()


class Configuration(ModelSingleton, ModelSQL, ModelView):
    __name__ = 'shakti.shg.configuration'
    __string__ = "Self-Help Group Configuration"
    group_sequence = fields.Many2One(
        'ir.sequence', "Group Sequence", required=True,
        domain=[('sequence_type', '=',
                Id('shakti_shg', 'sequence_type_shg'))])
    loan_sequence = fields.Many2One(
        'ir.sequence', "Loan Sequence", required=True,
        domain=[('sequence_type', '=',
                Id('shakti_shg', 'sequence_type_loan'))])
    subvention_rate = fields.Numeric(
        "Subsidised Interest Rate", digits=(5, 2), required=True,
        domain=[('subvention_rate', '>=', 0)],
        help="The annual rate in percent that groups pay on eligible bank "
        "loans; the interest subvention claims the difference to the "
        "bank's rate.")
    subvention_limit = fields.Numeric(
        "Subvention Loan Limit", digits=(16, 2), required=True,
        domain=[('subvention_limit', '>', 0)],
        help="The part of an eligible loan's outstanding principal on which "
        "the interest subvention is claimed.")

    @classmethod
    def default_group_sequence(cls):
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        return ModelData.get_id('shakti_shg', 'sequence_shg')

    @classmethod
    def default_loan_sequence(cls):
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        return ModelData.get_id('shakti_shg', 'sequence_loan')

    @classmethod
    def default_subvention_rate(cls):
        return Decimal('7.00')

    @classmethod
    def default_subvention_limit(cls):
        return Decimal('300000.00')


class Group(OrganisationMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'shakti.shg'
    __string__ = "Self-Help Group"
    _history = True
    _rec_name = 'name'

    code = fields.Char(
        "Code", readonly=True,
        help="The number of the group, given when it is created.")
    name = fields.Char("Name", required=True)
    block = fields.Many2One(
        'shakti.place', "Block", required=True, ondelete='RESTRICT',
        domain=[('type', 'in', ['block', 'mandal'])])
    village = fields.Char("Village")
    formation_date = fields.Date("Formation Date", required=True)
    state = fields.Selection([
            ('active', "Active"),
            ('dormant', "Dormant"),
            ('dissolved', "Dissolved"),
            ], "Status", readonly=True, sort=False)
    dissolution_date = fields.Date(
        "Dissolution Date", readonly=True,
        states={
            'invisible': Eval('state') != 'dissolved',
            })
    meeting_frequency = fields.Selection(
        FREQUENCIES, "Meeting Frequency", required=True, sort=False)
    meeting_weekday = fields.Selection(
        WEEKDAYS, "Meeting Day", sort=False,
        states={
            'required': Eval('meeting_frequency').in_(
                ['weekly', 'fortnightly']),
            'invisible': Eval('meeting_frequency') == 'monthly',
            },
        help="The day of the week the group meets.")
    meeting_monthday = fields.Integer(
        "Meeting Day of Month",
        domain=[If(Bool(Eval('meeting_monthday')),
                [('meeting_monthday', '>=', 1),
                    ('meeting_monthday', '<=', 28)],
                [])],
        states={
            'required': Eval('meeting_frequency') == 'monthly',
            'invisible': Eval('meeting_frequency') != 'monthly',
            },
        help="The day of the month the group meets, from 1 to 28.")
    bank = fields.Char("Bank")
    bank_branch = fields.Char("Bank Branch")
    bank_account = fields.Char("Bank Account Number")
    bank_ifsc = fields.Char(
        "IFSC", help="The Indian Financial System Code of the branch.")
    srlm_code = fields.Char(
        "SRLM Code",
        help="The code given by the state rural livelihood mission.")
    srlm_date = fields.Date(
        "SRLM Registration Date",
        states={
            'required': Bool(Eval('srlm_code')),
            })
    members = fields.One2Many('shakti.shg.member', 'shg', "Members")
    meetings = fields.One2Many('shakti.shg.meeting', 'shg', "Meetings")
    member_count = fields.Function(
        fields.Integer(
            "Members Now",
            help="The number of members on the date of the context, "
            "today by default."),
        'get_member_count')
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    savings_balance = fields.Function(
        Monetary("Savings Balance", currency='currency', digits='currency'),
        'get_savings_balance')
    notes = fields.Text("Notes")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('code_unique', Unique(t, t.code),
                'shakti_shg.msg_shg_code_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.block, Index.Range())))
        cls._order = [('name', 'ASC'), ('id', 'ASC')]
        cls._transitions |= {
            ('active', 'dormant'),
            ('dormant', 'active'),
            ('active', 'dissolved'),
            ('dormant', 'dissolved'),
            }
        cls._buttons.update({
                'activate': {
                    'invisible': Eval('state') != 'dormant',
                    'depends': ['state'],
                    },
                'make_dormant': {
                    'invisible': Eval('state') != 'active',
                    'depends': ['state'],
                    },
                'dissolve': {
                    'invisible': Eval('state') == 'dissolved',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'active'

    @classmethod
    def default_meeting_frequency(cls):
        return 'monthly'

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    def get_rec_name(self, name):
        if self.code:
            return '%s - %s' % (self.code, self.name)
        return self.name

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('code', operator, operand, *extra),
            ('name', operator, operand, *extra),
            ]

    @classmethod
    def get_member_count(cls, groups, name):
        pool = Pool()
        Member = pool.get('shakti.shg.member')

        date = context_date()
        counts = defaultdict(int)
        for sub_groups in grouped_slice(groups, backend.MAX_QUERY_PARAMS):
            for member in Member.search([
                        ('shg', 'in', [g.id for g in sub_groups]),
                        ('join_date', '<=', date),
                        ['OR',
                            ('leave_date', '=', None),
                            ('leave_date', '>', date),
                            ],
                        ]):
                counts[member.shg.id] += 1
        return {g.id: counts[g.id] for g in groups}

    @classmethod
    def get_savings_balance(cls, groups, name):
        pool = Pool()
        Saving = pool.get('shakti.shg.saving')

        balances = Saving.balances('shg', [g.id for g in groups])
        return {g.id: g.currency.round(balances[g.id]) for g in groups}

    def meeting_date(self, date):
        """Return the meeting day of the group for the period of date.

        A group that meets on a day of the week meets on the first such
        day on or after date. A group that meets on a day of the month
        meets on that day of date's month."""
        if self.meeting_frequency == 'monthly':
            last = calendar.monthrange(date.year, date.month)[1]
            return date.replace(day=min(self.meeting_monthday or 1, last))
        weekday = int(self.meeting_weekday or 0)
        return date + dt.timedelta(days=(weekday - date.weekday()) % 7)

    @classmethod
    def validate_fields(cls, groups, field_names):
        super().validate_fields(groups, field_names)
        cls.check_dates(groups, field_names)
        cls.check_loan_frequency(groups, field_names)

    @classmethod
    def check_loan_frequency(cls, groups, field_names=None):
        """Check a group meeting monthly has no running loan with weekly or
        fortnightly instalments that follow its meeting day"""
        pool = Pool()
        Loan = pool.get('shakti.shg.loan')

        if field_names and 'meeting_frequency' not in field_names:
            return
        monthly = [g for g in groups if g.meeting_frequency == 'monthly']
        if not monthly:
            return
        loans = Loan.search([
                ('shg', 'in', [g.id for g in monthly]),
                ('state', '=', 'running'),
                ('follow_meeting_day', '=', True),
                ('frequency', 'in', ['weekly', 'fortnightly']),
                ], limit=1)
        if loans:
            loan, = loans
            raise GroupError(gettext(
                    'shakti_shg.msg_shg_monthly_weekly_loan',
                    group=loan.shg.rec_name, loan=loan.rec_name,
                    frequency=loan.frequency_string))

    @classmethod
    def check_dates(cls, groups, field_names=None):
        pool = Pool()
        Date = pool.get('ir.date')

        if field_names and not (
                field_names & {'formation_date', 'srlm_date'}):
            return
        today = Date.today()
        for group in groups:
            if group.formation_date > today:
                raise GroupError(gettext(
                        'shakti_shg.msg_shg_formation_future',
                        group=group.rec_name, date=group.formation_date))
            if group.srlm_date and group.srlm_date < group.formation_date:
                raise GroupError(gettext(
                        'shakti_shg.msg_shg_srlm_before_formation',
                        group=group.rec_name, date=group.srlm_date,
                        formation_date=group.formation_date))
        cls.check_formation_before_records(groups)

    @classmethod
    def check_formation_before_records(cls, groups):
        """Check no member joined, meeting was held or loan was disbursed
        before the group was formed"""
        pool = Pool()
        Member = pool.get('shakti.shg.member')
        Meeting = pool.get('shakti.shg.meeting')
        Loan = pool.get('shakti.shg.loan')

        for Model, field in [
                (Member, 'join_date'),
                (Meeting, 'date'),
                (Loan, 'disbursement_date'),
                ]:
            for group in groups:
                earlier = Model.search([
                        ('shg', '=', group.id),
                        (field, '<', group.formation_date),
                        ], order=[(field, 'ASC')], limit=1)
                if earlier:
                    record, = earlier
                    raise GroupError(gettext(
                            'shakti_shg.msg_shg_formation_after_record',
                            group=group.rec_name,
                            date=group.formation_date,
                            record=record.rec_name,
                            field=Model.__names__(field)['field'],
                            record_date=getattr(record, field)))

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Configuration = pool.get('shakti.shg.configuration')

        values = super().preprocess_values(mode, values)
        if mode == 'create' and not values.get('code'):
            values['code'] = Configuration(1).group_sequence.get()
        return values

    @classmethod
    def on_modification(cls, mode, groups, field_names=None):
        pool = Pool()
        Loan = pool.get('shakti.shg.loan')
        Date = pool.get('ir.date')

        super().on_modification(mode, groups, field_names=field_names)
        if mode == 'write' and field_names & {
                'meeting_frequency', 'meeting_weekday', 'meeting_monthday'}:
            loans = Loan.search([
                    ('shg', 'in', [g.id for g in groups]),
                    ('state', '=', 'running'),
                    ])
            Loan.reschedule(loans, Date.today())

    @classmethod
    def copy(cls, groups, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('code')
        default.setdefault('members')
        default.setdefault('meetings')
        return super().copy(groups, default=default)

    @classmethod
    @ModelView.button
    @Workflow.transition('active')
    def activate(cls, groups):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('dormant')
    def make_dormant(cls, groups):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('dissolved')
    def dissolve(cls, groups):
        pool = Pool()
        Date = pool.get('ir.date')
        Loan = pool.get('shakti.shg.loan')
        Lang = pool.get('ir.lang')

        loans = Loan.search([
                ('shg', 'in', [g.id for g in groups]),
                ('state', '=', 'running'),
                ], limit=1)
        if loans:
            loan, = loans
            raise GroupError(gettext(
                    'shakti_shg.msg_shg_dissolve_loan',
                    group=loan.shg.rec_name, loan=loan.rec_name))
        for group in groups:
            if group.savings_balance:
                raise GroupError(gettext(
                        'shakti_shg.msg_shg_dissolve_savings',
                        group=group.rec_name,
                        amount=Lang.get().currency(
                            group.savings_balance, group.currency,
                            grouping=True)))
        cls.write(groups, {'dissolution_date': Date.today()})


class Member(OrganisationMixin, ModelSQL, ModelView):
    __name__ = 'shakti.shg.member'
    __string__ = "Self-Help Group Member"
    _history = True
    _organisation_parent = 'shg'
    _organisation_fields = {'survivor'}

    shg = fields.Many2One(
        'shakti.shg', "Group", required=True, ondelete='CASCADE')
    name = fields.Char("Name", required=True)
    survivor = fields.Many2One(
        'shakti.survivor', "Survivor", ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))],
        help="The survivor this member is, if she is one. Only case "
        "workers and supervisors see this link.")
    role = fields.Selection(ROLES, "Role", required=True, sort=False)
    role_string = role.translated('role')
    join_date = fields.Date("Joined On", required=True)
    leave_date = fields.Date(
        "Left On",
        domain=[If(Bool(Eval('leave_date')),
                ('leave_date', '>', Eval('join_date')),
                ())])
    current = fields.Function(
        fields.Boolean(
            "Member",
            help="Whether she is a member on the date of the context, "
            "today by default."),
        'get_current', searcher='search_current')
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    savings_balance = fields.Function(
        Monetary("Savings Balance", currency='currency', digits='currency'),
        'get_savings_balance')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        readonly_once_saved(cls.shg)
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.shg, Index.Range())),
                Index(t, (t.survivor, Index.Range())),
                })
        cls._order = [('shg', 'ASC'), ('join_date', 'ASC'), ('id', 'ASC')]

    @classmethod
    def default_role(cls):
        return 'member'

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    def get_rec_name(self, name):
        return self.name

    def is_member(self, date):
        return (self.join_date <= date
            and (not self.leave_date or self.leave_date > date))

    @classmethod
    def get_current(cls, members, name):
        date = context_date()
        return {m.id: m.is_member(date) for m in members}

    @classmethod
    def search_current(cls, name, clause):
        _, operator, value = clause
        date = context_date()
        on_date = ['AND',
            ('join_date', '<=', date),
            ['OR',
                ('leave_date', '=', None),
                ('leave_date', '>', date),
                ],
            ]
        if operator in {'in', 'not in'}:
            positive = bool(value) and True in value
        else:
            positive = value is True
        if operator in {'!=', 'not in'}:
            positive = not positive
        if positive:
            return on_date
        return ['OR',
            ('join_date', '>', date),
            ('leave_date', '<=', date),
            ]

    @classmethod
    def get_savings_balance(cls, members, name):
        pool = Pool()
        Saving = pool.get('shakti.shg.saving')

        balances = Saving.balances('member', [m.id for m in members])
        return {m.id: m.currency.round(balances[m.id]) for m in members}

    @classmethod
    def members_on(cls, groups, date):
        "Return the members of the groups on date"
        return cls.search([
                ('shg', 'in', [g.id for g in groups]),
                ('join_date', '<=', date),
                ['OR',
                    ('leave_date', '=', None),
                    ('leave_date', '>', date),
                    ],
                ], order=[('shg', 'ASC'), ('name', 'ASC'), ('id', 'ASC')])

    @classmethod
    def validate_fields(cls, members, field_names):
        super().validate_fields(members, field_names)
        cls.check_dates(members, field_names)
        cls.check_overlap(members, field_names)

    @classmethod
    def check_dates(cls, members, field_names=None):
        pool = Pool()
        Saving = pool.get('shakti.shg.saving')

        if field_names and not (
                field_names & {'join_date', 'leave_date', 'shg'}):
            return
        for member in members:
            dates = ['OR', ('date', '<', member.join_date)]
            if member.leave_date:
                dates.append(('date', '>=', member.leave_date))
            outside = Saving.search([
                    ('member', '=', member.id),
                    dates,
                    ], order=[('date', 'ASC')], limit=1)
            if outside:
                saving, = outside
                raise MemberError(gettext(
                        'shakti_shg.msg_member_dates_savings',
                        member=member.rec_name, saving=saving.rec_name))
            if member.join_date < member.shg.formation_date:
                raise MemberError(gettext(
                        'shakti_shg.msg_member_join_before_formation',
                        member=member.rec_name, date=member.join_date,
                        group=member.shg.rec_name,
                        formation_date=member.shg.formation_date))

    @classmethod
    def check_overlap(cls, members, field_names=None):
        """Check a survivor is in one group at a time and each office is
        held by one member of a group at a time.

        The survivors are checked only when the survivor link is set,
        which only case roles may do: a check on other changes would tell
        the users who may not read the link which members are survivors."""
        if field_names and not (field_names & {
                    'survivor', 'role', 'join_date', 'leave_date', 'shg'}):
            return
        check_survivor = not field_names or 'survivor' in field_names
        others = cls.search(['OR',
                ('survivor', 'in', [
                        m.survivor.id for m in members if m.survivor]),
                [('shg', 'in', list({m.shg.id for m in members})),
                    ('role', 'in', list(OFFICE_ROLES))],
                ])
        for member in members:
            for other in others:
                if other.id == member.id or not member.overlaps(other):
                    continue
                if (check_survivor and member.survivor
                        and other.survivor == member.survivor):
                    raise MemberError(gettext(
                            'shakti_shg.msg_member_survivor_overlap',
                            member=member.rec_name,
                            group=member.shg.rec_name,
                            other_group=other.shg.rec_name))
                if (member.role in OFFICE_ROLES
                        and other.shg == member.shg
                        and other.role == member.role):
                    raise MemberError(gettext(
                            'shakti_shg.msg_member_role_overlap',
                            member=member.rec_name,
                            role=member.role_string,
                            group=member.shg.rec_name,
                            other=other.rec_name))

    def overlaps(self, other):
        "Return whether the memberships share a day"
        far = dt.date.max
        return (self.join_date < (other.leave_date or far)
            and other.join_date < (self.leave_date or far))


class MemberContext(ModelView):
    __name__ = 'shakti.shg.member.context'
    __string__ = "Members Context"

    date = fields.Date(
        "Date", required=True,
        help="Show the members on this date.")

    @classmethod
    def default_date(cls):
        pool = Pool()
        Date = pool.get('ir.date')
        return Date.today()


class Meeting(
        LockedByParentMixin, OrganisationMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'shakti.shg.meeting'
    __string__ = "Self-Help Group Meeting"
    _locked_by = {'shg': {'active', 'dormant'}}
    _history = True
    _organisation_parent = 'shg'

    shg = fields.Many2One(
        'shakti.shg', "Group", required=True, ondelete='RESTRICT',
        states={
            'readonly': Eval('state') != 'draft',
            })
    date = fields.Date(
        "Date", required=True,
        states={
            'readonly': Eval('state') != 'draft',
            })
    state = fields.Selection([
            ('draft', "Draft"),
            ('done', "Done"),
            ], "State", readonly=True, sort=False)
    attendance = fields.One2Many(
        'shakti.shg.meeting.attendance', 'meeting', "Attendance",
        states={
            'readonly': Eval('state') != 'draft',
            })
    present_count = fields.Function(
        fields.Integer("Present"), 'get_present_count')
    savings = fields.One2Many(
        'shakti.shg.saving', 'meeting', "Savings",
        domain=[('member.shg', '=', Eval('shg', -1))],
        states={
            'readonly': Eval('state') != 'draft',
            })
    repayments = fields.One2Many(
        'shakti.shg.loan.repayment', 'meeting', "Loan Repayments",
        domain=[('loan.shg', '=', Eval('shg', -1))],
        states={
            'readonly': Eval('state') != 'draft',
            })
    minutes = fields.Text("Minutes")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('shg_date_unique', Unique(t, t.shg, t.date),
                'shakti_shg.msg_meeting_date_unique'),
            ]
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'done'),
            ('done', 'draft'),
            }
        cls._buttons.update({
                'draft': {
                    'invisible': Eval('state') != 'done',
                    'depends': ['state'],
                    },
                'do': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'fill_attendance': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'fill_dues': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    def get_rec_name(self, name):
        return '%s @ %s' % (self.shg.rec_name, self.date)

    @classmethod
    def get_present_count(cls, meetings, name):
        pool = Pool()
        Attendance = pool.get('shakti.shg.meeting.attendance')
        attendance = Attendance.__table__()

        totals = sum_by(attendance, attendance.meeting,
            Case((attendance.present, Literal(1)), else_=Literal(0)),
            [m.id for m in meetings])
        return {m.id: int(totals[m.id]) for m in meetings}

    @classmethod
    def validate_fields(cls, meetings, field_names):
        super().validate_fields(meetings, field_names)
        cls.check_date(meetings, field_names)

    @classmethod
    def check_date(cls, meetings, field_names=None):
        pool = Pool()
        Date = pool.get('ir.date')

        if field_names and not (field_names & {'date', 'shg'}):
            return
        today = Date.today()
        for meeting in meetings:
            if meeting.date > today:
                raise MeetingError(gettext(
                        'shakti_shg.msg_meeting_future',
                        meeting=meeting.rec_name, date=meeting.date))
            if meeting.date < meeting.shg.formation_date:
                raise MeetingError(gettext(
                        'shakti_shg.msg_meeting_before_formation',
                        meeting=meeting.rec_name,
                        formation_date=meeting.shg.formation_date))

    @classmethod
    @ModelView.button
    def fill_attendance(cls, meetings):
        "Add a line for each member of the group on the meeting date"
        pool = Pool()
        Attendance = pool.get('shakti.shg.meeting.attendance')
        Member = pool.get('shakti.shg.member')

        to_create = []
        for meeting in meetings:
            listed = {a.member for a in meeting.attendance}
            for member in Member.members_on([meeting.shg], meeting.date):
                if member not in listed:
                    to_create.append({
                            'meeting': meeting.id,
                            'member': member.id,
                            'present': False,
                            })
        if to_create:
            Attendance.create(to_create)

    @classmethod
    @ModelView.button
    def fill_dues(cls, meetings):
        """Add a draft repayment for each loan of the group with an amount
        due on the meeting date, for the amount due"""
        pool = Pool()
        Loan = pool.get('shakti.shg.loan')
        Repayment = pool.get('shakti.shg.loan.repayment')

        to_create = []
        for meeting in meetings:
            listed = {r.loan for r in meeting.repayments}
            loans = [l for l in Loan.search([
                        ('shg', '=', meeting.shg.id),
                        ('state', '=', 'running'),
                        ]) if l not in listed]
            dues = Loan.amounts_due(loans, meeting.date)
            for loan in loans:
                if dues[loan.id]:
                    to_create.append({
                            'meeting': meeting.id,
                            'loan': loan.id,
                            'date': meeting.date,
                            'amount': dues[loan.id],
                            })
        if to_create:
            Repayment.create(to_create)

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, meetings):
        pool = Pool()
        Repayment = pool.get('shakti.shg.loan.repayment')

        Repayment.draft([r for m in meetings for r in m.repayments
                if r.state == 'posted'])

    @classmethod
    @ModelView.button
    @Workflow.transition('done')
    def do(cls, meetings):
        """Post the repayments of the meetings; those left at zero are
        removed, so a meeting without repayments records none"""
        pool = Pool()
        Repayment = pool.get('shakti.shg.loan.repayment')

        to_delete, to_post = [], []
        for meeting in meetings:
            for repayment in meeting.repayments:
                if repayment.state != 'draft':
                    continue
                if repayment.amount:
                    to_post.append(repayment)
                else:
                    to_delete.append(repayment)
        # The repayments to post are browsed again, because their cache
        # may read the deleted ones with them.
        Repayment.delete(to_delete)
        Repayment.post(Repayment.browse([r.id for r in to_post]))

    @classmethod
    def check_modification(cls, mode, meetings, values=None, external=False):
        super().check_modification(
            mode, meetings, values=values, external=external)
        if mode == 'delete':
            for meeting in meetings:
                if meeting.state == 'done':
                    raise MeetingError(gettext(
                            'shakti_shg.msg_meeting_delete_done',
                            meeting=meeting.rec_name))


class Attendance(LockedByParentMixin, OrganisationMixin, ModelSQL, ModelView):
    __name__ = 'shakti.shg.meeting.attendance'
    __string__ = "Meeting Attendance"
    _locked_by = {'meeting': {'draft'}}
    _organisation_parent = 'meeting'
    _organisation_fields = {'member'}

    meeting = fields.Many2One(
        'shakti.shg.meeting', "Meeting", required=True, ondelete='CASCADE')
    member = fields.Many2One(
        'shakti.shg.member', "Member", required=True, ondelete='CASCADE',
        domain=[('shg', '=', Eval('_parent_meeting', {}).get('shg', -1))])
    present = fields.Boolean("Present")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        readonly_once_saved(cls.meeting)
        cls.__access__.add('meeting')
        t = cls.__table__()
        cls._sql_constraints = [
            ('meeting_member_unique', Unique(t, t.meeting, t.member),
                'shakti_shg.msg_attendance_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.meeting, Index.Range())))

    @classmethod
    def default_present(cls):
        return True

    def get_rec_name(self, name):
        return '%s @ %s' % (self.member.rec_name, self.meeting.date)

    @classmethod
    def validate_fields(cls, lines, field_names):
        super().validate_fields(lines, field_names)
        if field_names and not (field_names & {'member', 'meeting'}):
            return
        for line in lines:
            if line.member.shg != line.meeting.shg:
                raise MeetingError(gettext(
                        'shakti_shg.msg_attendance_other_group',
                        member=line.member.rec_name,
                        meeting=line.meeting.rec_name))


class Saving(LockedByParentMixin, OrganisationMixin, ModelSQL, ModelView):
    __name__ = 'shakti.shg.saving'
    __string__ = "Savings Transaction"
    _locked_by = {'meeting': {'draft'}}
    _history = True
    _organisation_parent = 'member'
    _organisation_fields = {'meeting'}

    member = fields.Many2One(
        'shakti.shg.member', "Member", required=True, ondelete='RESTRICT')
    shg = fields.Many2One(
        'shakti.shg', "Group", readonly=True, required=True,
        ondelete='RESTRICT')
    meeting = fields.Many2One(
        'shakti.shg.meeting', "Meeting", ondelete='RESTRICT',
        domain=[('shg', '=', Eval('shg', -1))])
    date = fields.Date("Date", required=True)
    kind = fields.Selection([
            ('deposit', "Deposit"),
            ('withdrawal', "Withdrawal"),
            ], "Kind", required=True, sort=False)
    kind_string = kind.translated('kind')
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        readonly_once_saved(cls.member)
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.member, Index.Range())),
                Index(t, (t.shg, Index.Range())),
                Index(t, (t.meeting, Index.Range())),
                })
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def default_kind(cls):
        return 'deposit'

    @classmethod
    def default_date(cls):
        pool = Pool()
        Date = pool.get('ir.date')
        return Date.today()

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
        Member = pool.get('shakti.shg.member')
        Meeting = pool.get('shakti.shg.meeting')

        values = super().preprocess_values(mode, values)
        if values.get('member') is not None:
            values['shg'] = Member(values['member']).shg.id
        if values.get('meeting') is not None and not values.get('date'):
            values['date'] = Meeting(values['meeting']).date
        return values

    def get_rec_name(self, name):
        return '%s %s @ %s' % (
            self.member.rec_name, self.kind_string, self.date)

    @classmethod
    def balances(cls, key, ids, date=None):
        """Return the savings balance per key ('member' or 'shg') of the ids,
        up to date included when given"""
        table = cls.__table__()
        where = None
        if date is not None:
            where = table.date <= date
        amount = Case(
            (table.kind == 'withdrawal', -table.amount), else_=table.amount)
        return sum_by(table, getattr(table, key), amount, ids, where=where)

    @classmethod
    def validate_fields(cls, savings, field_names):
        super().validate_fields(savings, field_names)
        cls.check_amounts(savings, field_names)

    @classmethod
    def check_amounts(cls, savings, field_names=None):
        """Check amounts are positive, dated from the membership and not in
        the future, and no withdrawal takes a member's balance below zero on
        any date"""
        pool = Pool()
        Lang = pool.get('ir.lang')
        Date = pool.get('ir.date')

        if field_names and not (
                field_names & {'amount', 'kind', 'date', 'member'}):
            return
        lang = Lang.get()
        today = Date.today()
        for saving in savings:
            if saving.date > today:
                raise SavingError(gettext(
                        'shakti_shg.msg_saving_future',
                        saving=saving.rec_name, date=saving.date))
            if saving.amount <= 0:
                raise SavingError(gettext(
                        'shakti_shg.msg_saving_amount_positive',
                        saving=saving.rec_name,
                        amount=lang.currency(
                            saving.amount, saving.currency, grouping=True)))
            if not saving.member.is_member(saving.date):
                raise SavingError(gettext(
                        'shakti_shg.msg_saving_not_member',
                        saving=saving.rec_name,
                        member=saving.member.rec_name,
                        date=saving.date))
        cls.check_balances({s.member for s in savings})

    @classmethod
    def check_balances(cls, members, excluded=()):
        """Check no member's savings balance is below zero on any date,
        without the savings excluded"""
        pool = Pool()
        Lang = pool.get('ir.lang')

        lang = Lang.get()
        excluded = {s.id for s in excluded}
        history = defaultdict(list)
        for sub_members in grouped_slice(
                list(members), backend.MAX_QUERY_PARAMS):
            for saving in cls.search([
                        ('member', 'in', [m.id for m in sub_members]),
                        ('id', 'not in', list(excluded)),
                        ], order=[('date', 'ASC'), ('id', 'ASC')]):
                history[saving.member].append(saving)
        for member in members:
            balance = Decimal(0)
            for saving in history[member]:
                if saving.kind == 'withdrawal':
                    balance -= saving.amount
                else:
                    balance += saving.amount
                if balance < 0:
                    raise SavingError(gettext(
                            'shakti_shg.msg_saving_overdrawn',
                            saving=saving.rec_name,
                            amount=lang.currency(
                                saving.amount, saving.currency,
                                grouping=True),
                            balance=lang.currency(
                                balance + saving.amount, saving.currency,
                                grouping=True)))

    @classmethod
    def check_modification(cls, mode, savings, values=None, external=False):
        super().check_modification(
            mode, savings, values=values, external=external)
        if mode == 'delete':
            # A deposit removed could leave a later withdrawal unfunded.
            cls.check_balances({s.member for s in savings}, excluded=savings)
