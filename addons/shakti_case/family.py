# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.modules.shakti_base.model import OrganisationMixin
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .exceptions import (
    FamilyConsentError, FamilyPlanError, FamilyPlanStateError)

CONSENT_PURPOSE = 'family_engagement'
RELATIONSHIPS = [
    ('mother', "Mother"),
    ('father', "Father"),
    ('husband', "Husband"),
    ('child', "Child"),
    ('sibling', "Brother or Sister"),
    ('in_law', "In-law"),
    ('other_relative', "Other Relative"),
    ('guardian', "Guardian"),
    ]
STOP_REASONS = [
    ('consent_withdrawn', "Consent Withdrawn"),
    ('survivor_request', "Survivor's Request"),
    ('risk', "Risk to the Survivor"),
    ('family_refused', "Family Refused"),
    ('other', "Other"),
    ]
SESSION_OUTCOMES = [
    ('agreement', "Agreement Reached"),
    ('progress', "Progress"),
    ('no_change', "No Change"),
    ('conflict', "Conflict"),
    ('not_held', "Family Did Not Attend"),
    ]


def check_consent(plan, date, record):
    "Raise FamilyConsentError unless plan's survivor consents on date"
    if not plan.survivor.has_consent(CONSENT_PURPOSE, date):
        raise FamilyConsentError(
            gettext('shakti_case.msg_family_plan_no_consent',
                survivor=plan.survivor.rec_name,
                date=date,
                record=record))


class FamilyPlan(OrganisationMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'shakti.family_plan'
    __string__ = "Family Engagement Plan"
    _history = True
    _rec_name = 'number'
    _organisation_parent = 'survivor'
    _organisation_fields = {'social_worker'}

    _states = {
        'readonly': Eval('state').in_(['stopped', 'closed']),
        }

    number = fields.Char("Number", readonly=True)
    survivor = fields.Many2One(
        'shakti.survivor', "Survivor", required=True, ondelete='RESTRICT',
        states={
            'readonly': Eval('state') != 'draft',
            })
    social_worker = fields.Many2One(
        'company.employee', "Social Worker", ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))],
        states=_states)
    goals = fields.Text(
        "Goals", states=_states,
        help="What the survivor wants from engaging her family.")
    start_date = fields.Date(
        "Start Date",
        states={
            'readonly': Eval('state') != 'draft',
            'required': Eval('state') != 'draft',
            },
        help="The day the engagement starts, when the survivor's consent "
        "must be in force. Starting the plan sets today when empty.")
    stop_date = fields.Date(
        "Stopped On", readonly=True,
        states={
            'invisible': Eval('state') != 'stopped',
            })
    stop_reason = fields.Selection(
        [(None, "")] + STOP_REASONS, "Stop Reason", sort=False,
        states={
            'invisible': ~Eval('state').in_(['active', 'stopped']),
            'readonly': Eval('state') != 'active',
            'required': Eval('state') == 'stopped',
            },
        help="Enter it before stopping the plan.")
    stop_reason_string = stop_reason.translated('stop_reason')
    closed_date = fields.Date("Closed On", readonly=True)
    members = fields.One2Many(
        'shakti.family_plan.member', 'plan', "Family Members",
        states=_states)
    sessions = fields.One2Many(
        'shakti.family_plan.session', 'plan', "Sessions",
        states={
            'readonly': Eval('state') != 'active',
            })
    state = fields.Selection([
            ('draft', "Draft"),
            ('active', "Active"),
            ('stopped', "Stopped"),
            ('closed', "Closed"),
            ], "State", readonly=True, required=True, sort=False)
    state_string = state.translated('state')

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.survivor, Index.Range())),
                })
        cls._order = [('start_date', 'DESC NULLS FIRST'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'active'),
            ('active', 'stopped'),
            ('active', 'closed'),
            }
        cls._buttons.update({
                'start': {
                    'invisible': Eval('state') != 'draft',
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                'stop': {
                    'invisible': Eval('state') != 'active',
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                'close': {
                    'invisible': Eval('state') != 'active',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_social_worker(cls):
        return Transaction().context.get('employee')

    @fields.depends('survivor', '_parent_survivor.company',
        '_parent_survivor.social_worker', 'social_worker')
    def on_change_survivor(self):
        if self.survivor:
            # The client may send any id: never tell whose it is.
            self.survivor.check_read([self.survivor])
            self.company = self.survivor.company
            if not self.social_worker:
                self.social_worker = self.survivor.social_worker

    def get_rec_name(self, name):
        if self.number:
            return self.number
        return '(%s)' % self.id

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('number',) + tuple(clause[1:])]

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Sequence = pool.get('ir.sequence.strict')
        ModelData = pool.get('ir.model.data')

        values = super().preprocess_values(mode, values)
        if mode == 'create':
            sequence = Sequence(ModelData.get_id(
                    'shakti_case', 'sequence_family_plan'))
            values['number'] = sequence.get()
        return values

    @classmethod
    def check_modification(cls, mode, plans, values=None, external=False):
        super().check_modification(
            mode, plans, values=values, external=external)
        if mode == 'write' and external and values and 'number' in values:
            raise FamilyPlanStateError(
                gettext('shakti_case.msg_family_plan_number_change'))
        if mode == 'delete':
            for plan in plans:
                if plan.state != 'draft':
                    raise FamilyPlanStateError(
                        gettext('shakti_case.msg_family_plan_delete_state',
                            plan=plan.rec_name))

    @classmethod
    def copy(cls, plans, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('number', None)
        default.setdefault('state', 'draft')
        default.setdefault('start_date', None)
        default.setdefault('stop_date', None)
        default.setdefault('stop_reason', None)
        default.setdefault('closed_date', None)
        default.setdefault('members', None)
        default.setdefault('sessions', None)
        return super().copy(plans, default=default)

    @classmethod
    def validate_fields(cls, plans, field_names):
        super().validate_fields(plans, field_names)
        cls.check_start_date(plans, field_names)

    @classmethod
    def check_start_date(cls, plans, field_names=None):
        pool = Pool()
        Date = pool.get('ir.date')

        if field_names and 'start_date' not in field_names:
            return
        today = Date.today()
        for plan in plans:
            if not plan.start_date:
                continue
            if plan.start_date > today:
                raise FamilyPlanError(
                    gettext('shakti_case.msg_family_plan_start_future',
                        plan=plan.rec_name,
                        date=plan.start_date))
            registered = plan.survivor.registration_date
            if plan.start_date < registered:
                raise FamilyPlanError(
                    gettext('shakti_case.msg_family_plan_before_registration',
                        plan=plan.rec_name,
                        date=plan.start_date,
                        survivor=plan.survivor.rec_name,
                        registration_date=registered))

    @classmethod
    @ModelView.button
    @Workflow.transition('active')
    def start(cls, plans):
        pool = Pool()
        Date = pool.get('ir.date')

        today = Date.today()
        for plan in plans:
            check_consent(plan, plan.start_date or today, plan.rec_name)
        cls.write([p for p in plans if not p.start_date], {
                'start_date': today,
                })

    @classmethod
    @ModelView.button
    @Workflow.transition('stopped')
    def stop(cls, plans):
        pool = Pool()
        Date = pool.get('ir.date')

        for plan in plans:
            if not plan.stop_reason:
                raise FamilyPlanStateError(
                    gettext('shakti_case.msg_family_plan_stop_reason',
                        plan=plan.rec_name))
        cls.write(plans, {'stop_date': Date.today()})

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, plans):
        pool = Pool()
        Date = pool.get('ir.date')

        cls.write(plans, {'closed_date': Date.today()})

    @classmethod
    def stop_on_withdrawal(cls, consents):
        """Stop the active plans of the survivors who withdrew consents.

        A plan stops on the date of the withdrawal, or on its start date
        when the consent was withdrawn before the plan started."""
        plans = cls.search([
                ('survivor', 'in', [c.survivor.id for c in consents]),
                ('state', '=', 'active'),
                ])
        withdrawn = {}
        for consent in consents:
            survivor = consent.survivor
            date = withdrawn.get(survivor)
            if not date or consent.withdrawn_date < date:
                withdrawn[survivor] = consent.withdrawn_date
        to_stop = {}
        for plan in plans:
            date = max(withdrawn[plan.survivor], plan.start_date)
            if not plan.survivor.has_consent(CONSENT_PURPOSE, date):
                to_stop.setdefault(date, []).append(plan)
        for date, sub_plans in to_stop.items():
            # Write the state instead of calling the stop button, which
            # records today and may be limited to other groups.
            cls.write(sub_plans, {
                    'state': 'stopped',
                    'stop_date': date,
                    'stop_reason': 'consent_withdrawn',
                    })


class FamilyMember(OrganisationMixin, ModelSQL, ModelView):
    __name__ = 'shakti.family_plan.member'
    __string__ = "Family Member"
    _history = True
    _organisation_parent = 'plan'

    plan = fields.Many2One(
        'shakti.family_plan', "Plan", required=True, ondelete='CASCADE')
    name = fields.Char("Name", required=True)
    relationship = fields.Selection(
        RELATIONSHIPS, "Relationship", required=True, sort=False)
    relationship_string = relationship.translated('relationship')
    contact = fields.Char(
        "Contact", help="A phone number or how to reach the family member.")
    supportive = fields.Boolean(
        "Supportive",
        help="The survivor sees this family member as supportive.")
    notes = fields.Text("Notes")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('plan')
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.plan, Index.Range())))

    def get_rec_name(self, name):
        # The name is hidden from some roles, so it never appears here.
        return '%s: %s' % (self.plan.rec_name, self.relationship_string)

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('plan.rec_name',) + tuple(clause[1:])]

    @classmethod
    def check_modification(cls, mode, members, values=None, external=False):
        pool = Pool()
        Date = pool.get('ir.date')

        super().check_modification(
            mode, members, values=values, external=external)
        if mode != 'create':
            return
        today = Date.today()
        for member in members:
            plan = member.plan
            if plan.state in {'stopped', 'closed'}:
                raise FamilyPlanStateError(
                    gettext('shakti_case.msg_family_member_plan_state',
                        plan=plan.rec_name,
                        state=plan.state_string))
            check_consent(plan, today, plan.rec_name)


class FamilySession(OrganisationMixin, ModelSQL, ModelView):
    __name__ = 'shakti.family_plan.session'
    __string__ = "Family Engagement Session"
    _history = True
    _organisation_parent = 'plan'
    _organisation_fields = {'facilitator'}

    plan = fields.Many2One(
        'shakti.family_plan', "Plan", required=True, ondelete='CASCADE')
    date = fields.Date("Date", required=True)
    members = fields.Many2Many(
        'shakti.family_plan.session-member', 'session', 'member',
        "Members Present",
        domain=[
            ('plan', '=', Eval('plan', -1)),
            ])
    facilitator = fields.Many2One(
        'company.employee', "Facilitator", ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))])
    with_survivor = fields.Boolean("With Survivor")
    outcome = fields.Selection(
        SESSION_OUTCOMES, "Outcome", required=True, sort=False)
    notes = fields.Text(
        "Notes", help="What was said and what was agreed.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('plan')
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.plan, Index.Range())))
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def default_facilitator(cls):
        return Transaction().context.get('employee')

    def get_rec_name(self, name):
        return '%s @ %s' % (self.plan.rec_name, self.date)

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('plan.rec_name',) + tuple(clause[1:])]

    @classmethod
    def validate_fields(cls, sessions, field_names):
        super().validate_fields(sessions, field_names)
        cls.check_date(sessions, field_names)

    @classmethod
    def check_date(cls, sessions, field_names=None):
        "Check the session is dated in the active plan, under consent"
        pool = Pool()
        Date = pool.get('ir.date')

        if field_names and not (field_names & {'date', 'plan'}):
            return
        today = Date.today()
        for session in sessions:
            plan = session.plan
            check_consent(plan, session.date, session.rec_name)
            if plan.state != 'active':
                raise FamilyPlanStateError(
                    gettext('shakti_case.msg_family_session_plan_state',
                        session=session.rec_name,
                        plan=plan.rec_name,
                        state=plan.state_string))
            if session.date > today:
                raise FamilyPlanError(
                    gettext('shakti_case.msg_family_session_date_future',
                        session=session.rec_name,
                        date=session.date))
            if session.date < plan.start_date:
                raise FamilyPlanError(
                    gettext('shakti_case.msg_family_session_before_start',
                        session=session.rec_name,
                        date=session.date,
                        plan=plan.rec_name,
                        start_date=plan.start_date))


class FamilySessionMember(OrganisationMixin, ModelSQL):
    __name__ = 'shakti.family_plan.session-member'
    __string__ = "Family Engagement Session - Member"
    _organisation_parent = 'session'
    _organisation_fields = {'member'}

    session = fields.Many2One(
        'shakti.family_plan.session', "Session", required=True,
        ondelete='CASCADE')
    member = fields.Many2One(
        'shakti.family_plan.member', "Member", required=True,
        ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('session')

    def get_rec_name(self, name):
        return '%s: %s' % (self.session.rec_name, self.member.rec_name)


class Consent(metaclass=PoolMeta):
    __name__ = 'shakti.survivor.consent'

    @classmethod
    def on_modification(cls, mode, consents, field_names=None):
        pool = Pool()
        FamilyPlan = pool.get('shakti.family_plan')

        super().on_modification(mode, consents, field_names=field_names)
        if mode == 'delete':
            return
        if field_names is not None and not (
                field_names & {'withdrawn_date', 'purpose'}):
            return
        withdrawn = [c for c in consents
            if c.purpose == CONSENT_PURPOSE and c.withdrawn_date]
        if withdrawn:
            FamilyPlan.stop_on_withdrawal(withdrawn)
