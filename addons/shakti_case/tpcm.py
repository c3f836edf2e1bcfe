# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.modules.shakti_base.model import OrganisationMixin
from trytond.pool import Pool
from trytond.pyson import Bool, Eval, If
from trytond.transaction import Transaction

from .exceptions import MeetingError, VillageDemandError

ACTION_STATUSES = [
    ('open', "Open"),
    ('done', "Done"),
    ('dropped', "Dropped"),
    ]
RESPONSIBLES = [
    ('cbo', "CBO"),
    ('survivor', "Survivor"),
    ('survivor_leader', "Survivor Leader"),
    ('duty_bearer', "Duty Bearer"),
    ]
DEMAND_CATEGORIES = [
    ('housing', "Housing"),
    ('sanitation', "Sanitation"),
    ('drinking_water', "Drinking Water"),
    ('roads_lighting', "Roads and Street Lighting"),
    ('livelihood', "Livelihood"),
    ('health', "Health"),
    ('education', "Education"),
    ('social_protection', "Social Protection"),
    ('safety', "Safety of Women"),
    ('other', "Other"),
    ]
OUTCOMES = [
    ('pending', "Pending"),
    ('included', "Included in the Plan"),
    ('rejected', "Rejected"),
    ('deferred', "Deferred"),
    ]


class Meeting(OrganisationMixin, ModelSQL, ModelView):
    __name__ = 'shakti.tpcm.meeting'
    __string__ = "Tri-party Meeting"
    _history = True
    _organisation_parent = 'survivor'
    survivor = fields.Many2One(
        'shakti.survivor', "Survivor", required=True, ondelete='RESTRICT')
    date = fields.Date("Date", required=True)
    place = fields.Many2One(
        'shakti.place', "Place", ondelete='RESTRICT',
        help="The block, gram panchayat or village where the meeting was "
        "held.")
    venue = fields.Char(
        "Venue", help="For example the meeting room of the block office.")
    survivor_present = fields.Boolean("Survivor Present")
    leader_present = fields.Boolean("Survivor Leader Present")
    staff = fields.Many2Many(
        'shakti.tpcm.meeting-company.employee', 'meeting', 'employee',
        "CBO Staff",
        domain=[('company', '=', Eval('company', -1))])
    duty_bearers = fields.Many2Many(
        'shakti.tpcm.meeting-shakti.duty_bearer', 'meeting', 'duty_bearer',
        "Duty Bearers", help="The officials who took part.")
    needs = fields.Many2Many(
        'shakti.tpcm.meeting-shakti.intake.need', 'meeting', 'need',
        "Needs Discussed",
        domain=[('intake.survivor', '=', Eval('survivor', -1))],
        help="The needs from the survivor's intakes that were discussed.")
    actions = fields.One2Many(
        'shakti.tpcm.action', 'meeting', "Actions")
    notes = fields.Text(
        "Notes", help="What each party said and agreed.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.survivor, Index.Range())))
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def default_survivor_present(cls):
        return True

    @classmethod
    def default_staff(cls):
        employee = Transaction().context.get('employee')
        return [employee] if employee else []

    @fields.depends('survivor', '_parent_survivor.company',
        '_parent_survivor.block', 'place')
    def on_change_survivor(self):
        if self.survivor:
            # The client may send any id: never tell whose it is.
            self.survivor.check_read([self.survivor])
            self.company = self.survivor.company
            if not self.place:
                self.place = self.survivor.block

    def get_rec_name(self, name):
        return '%s @ %s' % (self.survivor.rec_name, self.date)

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('survivor.rec_name',) + tuple(clause[1:])]

    @classmethod
    def validate_fields(cls, meetings, field_names):
        super().validate_fields(meetings, field_names)
        cls.check_date(meetings, field_names)
        cls.check_duty_bearers(meetings, field_names)

    @classmethod
    def check_date(cls, meetings, field_names=None):
        pool = Pool()
        Date = pool.get('ir.date')

        if field_names and not (field_names & {'date', 'survivor'}):
            return
        today = Date.today()
        for meeting in meetings:
            if meeting.date > today:
                raise MeetingError(
                    gettext('shakti_case.msg_meeting_date_future',
                        meeting=meeting.rec_name, date=meeting.date))
            registered = meeting.survivor.registration_date
            if meeting.date < registered:
                raise MeetingError(
                    gettext('shakti_case.msg_meeting_before_registration',
                        meeting=meeting.rec_name,
                        date=meeting.date,
                        survivor=meeting.survivor.rec_name,
                        registration_date=registered))

    @classmethod
    def check_duty_bearers(cls, meetings, field_names=None):
        if field_names and 'duty_bearers' not in field_names:
            return
        for meeting in meetings:
            if not meeting.duty_bearers:
                raise MeetingError(
                    gettext('shakti_case.msg_meeting_no_duty_bearer',
                        meeting=meeting.rec_name))


class MeetingStaff(OrganisationMixin, ModelSQL):
    __name__ = 'shakti.tpcm.meeting-company.employee'
    __string__ = "Tri-party Meeting Staff"
    _organisation_parent = 'meeting'
    _organisation_fields = {'employee'}
    meeting = fields.Many2One(
        'shakti.tpcm.meeting', "Meeting", required=True, ondelete='CASCADE')
    employee = fields.Many2One(
        'company.employee', "Employee", required=True, ondelete='RESTRICT')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('meeting')


class MeetingDutyBearer(OrganisationMixin, ModelSQL):
    __name__ = 'shakti.tpcm.meeting-shakti.duty_bearer'
    __string__ = "Tri-party Meeting Duty Bearer"
    _organisation_parent = 'meeting'
    meeting = fields.Many2One(
        'shakti.tpcm.meeting', "Meeting", required=True, ondelete='CASCADE')
    duty_bearer = fields.Many2One(
        'shakti.duty_bearer', "Duty Bearer", required=True,
        ondelete='RESTRICT')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('meeting')


class MeetingNeed(OrganisationMixin, ModelSQL):
    __name__ = 'shakti.tpcm.meeting-shakti.intake.need'
    __string__ = "Tri-party Meeting Need"
    _organisation_parent = 'meeting'
    _organisation_fields = {'need'}
    meeting = fields.Many2One(
        'shakti.tpcm.meeting', "Meeting", required=True, ondelete='CASCADE')
    need = fields.Many2One(
        'shakti.intake.need', "Need", required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('meeting')


class Action(OrganisationMixin, ModelSQL, ModelView):
    __name__ = 'shakti.tpcm.action'
    __string__ = "Tri-party Meeting Action"
    _history = True
    _organisation_parent = 'meeting'
    _organisation_fields = {'application', 'plan_action'}
    meeting = fields.Many2One(
        'shakti.tpcm.meeting', "Meeting", required=True, ondelete='CASCADE')
    survivor = fields.Function(
        fields.Many2One('shakti.survivor', "Survivor"),
        'on_change_with_survivor', searcher='search_survivor')
    description = fields.Char("Description", required=True)
    responsible = fields.Selection(
        RESPONSIBLES, "Responsible", required=True, sort=False)
    duty_bearer = fields.Many2One(
        'shakti.duty_bearer', "Duty Bearer", ondelete='RESTRICT',
        states={
            'invisible': Eval('responsible') != 'duty_bearer',
            'required': Eval('responsible') == 'duty_bearer',
            },
        help="The official who took the action on.")
    due_date = fields.Date("Due Date")
    status = fields.Selection(
        ACTION_STATUSES, "Status", required=True, sort=False)
    application = fields.Many2One(
        'shakti.application', "Application", ondelete='RESTRICT',
        domain=[
            If(Bool(Eval('survivor')),
                ('survivor', '=', Eval('survivor', -1)),
                ()),
            ],
        help="The entitlement application the action moves forward.")
    plan_action = fields.Many2One(
        'shakti.case_plan.action', "Plan Action", ondelete='RESTRICT',
        domain=[
            If(Bool(Eval('survivor')),
                ('plan.survivor', '=', Eval('survivor', -1)),
                ()),
            ],
        help="The action of her case plan that this action carries out.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('meeting')
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.meeting, Index.Range())))
        cls._order = [('due_date', 'ASC NULLS LAST'), ('id', 'ASC')]

    @classmethod
    def default_status(cls):
        return 'open'

    @classmethod
    def default_responsible(cls):
        return 'cbo'

    @fields.depends('meeting', '_parent_meeting.survivor')
    def on_change_with_survivor(self, name=None):
        return self.meeting.survivor if self.meeting else None

    @classmethod
    def search_survivor(cls, name, clause):
        nested = clause[0][len(name):]
        return [('meeting.survivor' + nested,) + tuple(clause[1:])]

    @fields.depends('responsible', 'duty_bearer')
    def on_change_responsible(self):
        if self.responsible != 'duty_bearer':
            self.duty_bearer = None

    def get_rec_name(self, name):
        return '%s: %s' % (self.meeting.rec_name, self.description)

    @classmethod
    def validate_fields(cls, actions, field_names):
        super().validate_fields(actions, field_names)
        cls.check_due_date(actions, field_names)

    @classmethod
    def check_due_date(cls, actions, field_names=None):
        if field_names and not (field_names & {'due_date', 'meeting'}):
            return
        for action in actions:
            if action.due_date and action.due_date < action.meeting.date:
                raise MeetingError(
                    gettext('shakti_case.msg_meeting_action_due_date',
                        action=action.rec_name,
                        due_date=action.due_date,
                        meeting=action.meeting.rec_name,
                        date=action.meeting.date))


class VillageDemand(OrganisationMixin, ModelSQL, ModelView):
    __name__ = 'shakti.village_demand'
    __string__ = "Village Planning Demand"
    _history = True
    _states = {
        'readonly': Eval('outcome') != 'pending',
        }
    gram_panchayat = fields.Many2One(
        'shakti.place', "Gram Panchayat", required=True,
        ondelete='RESTRICT',
        domain=[('type', '=', 'gram_panchayat')],
        states=_states)
    assembly_date = fields.Date(
        "Village Assembly Date", required=True, states=_states,
        help="The day of the gram sabha where the demand is raised.")
    plan_year = fields.Integer(
        "Plan Year", required=True, states=_states,
        help="The financial year of the gram panchayat's annual plan, by the "
        "year it starts: 2027 for 2027-28.")
    demand = fields.Text("Demand", required=True, states=_states)
    category = fields.Selection(
        DEMAND_CATEGORIES, "Category", required=True, states=_states)
    category_string = category.translated('category')
    survivors = fields.Many2Many(
        'shakti.village_demand-shakti.survivor', 'demand', 'survivor',
        "Survivors Concerned",
        domain=[('company', '=', Eval('company', -1))])
    outcome = fields.Selection(
        OUTCOMES, "Outcome", required=True, sort=False)
    outcome_date = fields.Date(
        "Outcome Date",
        states={
            'invisible': Eval('outcome') == 'pending',
            'required': Eval('outcome') != 'pending',
            },
        help="When the gram panchayat decided on the demand.")
    outcome_note = fields.Text(
        "Outcome Note",
        states={
            'invisible': Eval('outcome') == 'pending',
            },
        help="The reason given, or the plan item and its budget.")

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.gram_panchayat, Index.Range()),
                (t.plan_year, Index.Range())))
        cls._order = [('assembly_date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def default_outcome(cls):
        return 'pending'

    @classmethod
    def default_assembly_date(cls):
        return Pool().get('ir.date').today()

    def get_rec_name(self, name):
        return '%s %s-%02d: %s' % (
            self.gram_panchayat.name, self.plan_year,
            (self.plan_year + 1) % 100, self.category_string)

    @classmethod
    def validate_fields(cls, demands, field_names):
        super().validate_fields(demands, field_names)
        cls.check_dates(demands, field_names)

    @classmethod
    def check_dates(cls, demands, field_names=None):
        pool = Pool()
        Date = pool.get('ir.date')

        if field_names and not (field_names & {
                    'assembly_date', 'plan_year', 'outcome',
                    'outcome_date'}):
            return
        today = Date.today()
        for demand in demands:
            year = demand.assembly_date.year
            if not (year - 1 <= demand.plan_year <= year + 1):
                raise VillageDemandError(
                    gettext('shakti_case.msg_village_demand_plan_year',
                        demand=demand.rec_name,
                        plan_year=demand.plan_year,
                        assembly_date=demand.assembly_date))
            if demand.outcome == 'pending' or not demand.outcome_date:
                continue
            if demand.outcome_date > today:
                raise VillageDemandError(
                    gettext('shakti_case.msg_village_demand_outcome_future',
                        demand=demand.rec_name,
                        date=demand.outcome_date))
            if demand.outcome_date < demand.assembly_date:
                raise VillageDemandError(
                    gettext('shakti_case.msg_village_demand_outcome_before',
                        demand=demand.rec_name,
                        date=demand.outcome_date,
                        assembly_date=demand.assembly_date))


class VillageDemandSurvivor(OrganisationMixin, ModelSQL):
    __name__ = 'shakti.village_demand-shakti.survivor'
    __string__ = "Village Planning Demand Survivor"
    _organisation_parent = 'demand'
    _organisation_fields = {'survivor'}
    demand = fields.Many2One(
        'shakti.village_demand', "Demand", required=True,
        ondelete='CASCADE')
    survivor = fields.Many2One(
        'shakti.survivor', "Survivor", required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('demand')
