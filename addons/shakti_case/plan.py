# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from sql.aggregate import Count, Min
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.modules.shakti_base.model import OrganisationMixin
from trytond.pool import Pool
from trytond.pyson import Bool, Eval, If
from trytond.transaction import Transaction

from .exceptions import CasePlanActionError, CasePlanError, CasePlanStateError
from .intake import NEED_DOMAINS

RESPONSIBLE_KINDS = [
    ('survivor', "Survivor"),
    ('survivor_leader', "Survivor Leader"),
    ('social_worker', "Social Worker"),
    ('duty_bearer', "Duty Bearer"),
    ]
ACTION_STATUSES = [
    ('planned', "Planned"),
    ('in_progress', "In Progress"),
    ('done', "Done"),
    ('dropped', "Dropped"),
    ]
# The statuses of an action that is still to be done.
OPEN_STATUSES = ['planned', 'in_progress']


class CasePlan(OrganisationMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'shakti.case_plan'
    __string__ = "Case Plan"
    _history = True
    _rec_name = 'number'
    _organisation_parent = 'survivor'
    _organisation_fields = {'intake', 'social_worker'}

    _states = {
        'readonly': Eval('state') != 'draft',
        }

    number = fields.Char("Number", readonly=True)
    survivor = fields.Many2One(
        'shakti.survivor', "Survivor", required=True, ondelete='RESTRICT',
        states=_states)
    intake = fields.Many2One(
        'shakti.intake', "Intake", required=True, ondelete='RESTRICT',
        domain=[
            ('survivor', '=', Eval('survivor', -1)),
            ],
        states=_states,
        help="The needs assessment that the plan addresses.")
    social_worker = fields.Many2One(
        'company.employee', "Social Worker", required=True,
        ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))],
        states={
            'readonly': Eval('state').in_(['closed', 'cancelled']),
            },
        help="The social worker who follows the plan.")
    start_date = fields.Date(
        "Start Date", required=True, states=_states)
    review_date = fields.Date(
        "Review Date",
        domain=[
            If(Bool(Eval('review_date')),
                ('review_date', '>=', Eval('start_date')),
                ()),
            ],
        states={
            'readonly': Eval('state').in_(['closed', 'cancelled']),
            },
        help="The day the plan is to be reviewed with the survivor.")
    submitted_by = fields.Many2One(
        'res.user', "Submitted By", readonly=True)
    approved_by = fields.Many2One(
        'res.user', "Approved By", readonly=True)
    approved_date = fields.Date("Approved On", readonly=True)
    closed_date = fields.Date("Closed On", readonly=True)
    actions = fields.One2Many(
        'shakti.case_plan.action', 'plan', "Actions",
        states={
            'readonly': Eval('state').in_(['closed', 'cancelled']),
            })
    notes = fields.Text("Notes")
    state = fields.Selection([
            ('draft', "Draft"),
            ('submitted', "Submitted"),
            ('active', "Active"),
            ('closed', "Closed"),
            ('cancelled', "Cancelled"),
            ], "State", readonly=True, required=True, sort=False)
    state_string = state.translated('state')

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.survivor, Index.Range())),
                Index(t, (t.state, Index.Equality()),
                    where=t.state == 'active'),
                })
        cls._order = [('start_date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'submitted'),
            ('submitted', 'draft'),
            ('submitted', 'active'),
            ('active', 'closed'),
            ('draft', 'cancelled'),
            ('submitted', 'cancelled'),
            ('active', 'cancelled'),
            ('cancelled', 'draft'),
            }
        cls._buttons.update({
                'draft': {
                    'invisible': ~Eval('state').in_(
                        ['submitted', 'cancelled']),
                    'icon': 'tryton-back',
                    'depends': ['state'],
                    },
                'submit': {
                    'invisible': Eval('state') != 'draft',
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                'approve': {
                    'invisible': Eval('state') != 'submitted',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'close': {
                    'invisible': Eval('state') != 'active',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': ~Eval('state').in_(
                        ['draft', 'submitted', 'active']),
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_start_date(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def default_social_worker(cls):
        return Transaction().context.get('employee')

    @fields.depends('survivor', '_parent_survivor.company',
        '_parent_survivor.social_worker', 'intake', 'social_worker')
    def on_change_survivor(self):
        if self.survivor:
            # The client may send any id: never tell whose it is.
            self.survivor.check_read([self.survivor])
            self.company = self.survivor.company
            if not self.social_worker:
                self.social_worker = self.survivor.social_worker
        if self.intake and self.intake.survivor != self.survivor:
            self.intake = None

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
                    'shakti_case', 'sequence_case_plan'))
            values['number'] = sequence.get()
        return values

    @classmethod
    def check_modification(cls, mode, plans, values=None, external=False):
        super().check_modification(
            mode, plans, values=values, external=external)
        if mode == 'write' and external and values and 'number' in values:
            raise CasePlanStateError(
                gettext('shakti_case.msg_case_plan_number_change'))
        if mode == 'delete':
            for plan in plans:
                if plan.state not in {'draft', 'cancelled'}:
                    raise CasePlanStateError(
                        gettext('shakti_case.msg_case_plan_delete_state',
                            plan=plan.rec_name))

    @classmethod
    def copy(cls, plans, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('number', None)
        default.setdefault('state', 'draft')
        default.setdefault('submitted_by', None)
        default.setdefault('approved_by', None)
        default.setdefault('approved_date', None)
        default.setdefault('closed_date', None)
        return super().copy(plans, default=default)

    @classmethod
    def validate_fields(cls, plans, field_names):
        super().validate_fields(plans, field_names)
        cls.check_intake(plans, field_names)

    @classmethod
    def check_intake(cls, plans, field_names=None):
        "Check the intake is the survivor's and precedes the plan"
        if field_names and not (
                field_names & {'survivor', 'intake', 'start_date'}):
            return
        for plan in plans:
            if plan.intake.survivor != plan.survivor:
                raise CasePlanError(
                    gettext('shakti_case.msg_case_plan_intake_survivor',
                        plan=plan.rec_name,
                        intake=plan.intake.rec_name,
                        survivor=plan.survivor.rec_name))
            if plan.start_date < plan.intake.date:
                raise CasePlanError(
                    gettext('shakti_case.msg_case_plan_before_intake',
                        plan=plan.rec_name,
                        date=plan.start_date,
                        intake=plan.intake.rec_name,
                        intake_date=plan.intake.date))

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, plans):
        cls.write(plans, {
                'submitted_by': None,
                'closed_date': None,
                })

    @classmethod
    @ModelView.button
    @Workflow.transition('submitted')
    def submit(cls, plans):
        for plan in plans:
            if not plan.actions:
                raise CasePlanStateError(
                    gettext('shakti_case.msg_case_plan_no_action',
                        plan=plan.rec_name))
        cls.write(plans, {'submitted_by': Transaction().user})

    @classmethod
    @ModelView.button
    @Workflow.transition('active')
    def approve(cls, plans):
        pool = Pool()
        Date = pool.get('ir.date')
        User = pool.get('res.user')

        user = User(Transaction().user)
        employees = set(user.employees)
        for plan in plans:
            if user in {plan.create_uid, plan.submitted_by}:
                raise CasePlanStateError(
                    gettext('shakti_case.msg_case_plan_approve_own',
                        plan=plan.rec_name,
                        user=user.rec_name))
            if plan.social_worker in employees:
                raise CasePlanStateError(
                    gettext('shakti_case.msg_case_plan_approve_own_case',
                        plan=plan.rec_name,
                        social_worker=plan.social_worker.rec_name))
        cls.write(plans, {
                'approved_by': user.id,
                'approved_date': Date.today(),
                })

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, plans):
        pool = Pool()
        Date = pool.get('ir.date')

        for plan in plans:
            pending = [a for a in plan.actions
                if a.status in OPEN_STATUSES]
            if pending:
                raise CasePlanStateError(
                    gettext('shakti_case.msg_case_plan_close_pending',
                        plan=plan.rec_name,
                        action=pending[0].rec_name,
                        count=len(pending)))
        cls.write(plans, {'closed_date': Date.today()})

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, plans):
        pass


class CasePlanAction(OrganisationMixin, ModelSQL, ModelView):
    __name__ = 'shakti.case_plan.action'
    __string__ = "Case Plan Action"
    _history = True
    _organisation_parent = 'plan'
    _organisation_fields = {'need', 'staff'}

    plan = fields.Many2One(
        'shakti.case_plan', "Plan", required=True, ondelete='CASCADE')
    need = fields.Many2One(
        'shakti.intake.need', "Need", required=True, ondelete='RESTRICT',
        domain=[
            ('intake', '=', Eval('plan_intake', -1)),
            ],
        help="The need of the plan's intake that the action addresses.")
    plan_intake = fields.Function(
        fields.Many2One('shakti.intake', "Plan Intake"),
        'on_change_with_plan_intake', searcher='search_plan_field')
    description = fields.Text("Description", required=True)
    responsible = fields.Selection(
        RESPONSIBLE_KINDS, "Responsible", required=True, sort=False)
    staff = fields.Many2One(
        'company.employee', "Responsible Staff", ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))],
        states={
            'invisible': Eval('responsible') != 'social_worker',
            'required': Eval('responsible') == 'social_worker',
            })
    duty_bearer = fields.Many2One(
        'shakti.duty_bearer', "Duty Bearer", ondelete='RESTRICT',
        states={
            'invisible': Eval('responsible') != 'duty_bearer',
            'required': Eval('responsible') == 'duty_bearer',
            })
    due_date = fields.Date("Due Date", required=True)
    status = fields.Selection(
        ACTION_STATUSES, "Status", required=True, sort=False)
    done_date = fields.Date(
        "Done On",
        states={
            'invisible': Eval('status') != 'done',
            'required': Eval('status') == 'done',
            })
    overdue = fields.Function(
        fields.Boolean(
            "Overdue",
            help="Planned or in progress in an active plan, "
            "and due before today."),
        'get_overdue', searcher='search_overdue')
    social_worker = fields.Function(
        fields.Many2One('company.employee', "Social Worker"),
        'get_plan_field', searcher='search_plan_field')
    survivor = fields.Function(
        fields.Many2One('shakti.survivor', "Survivor"),
        'get_plan_field', searcher='search_plan_field')
    need_domain = fields.Function(
        fields.Selection(NEED_DOMAINS, "Need Domain"),
        'on_change_with_need_domain')
    need_domain_string = need_domain.translated('need_domain')
    plan_state = fields.Function(
        fields.Selection('get_plan_states', "Plan State"),
        'get_plan_field', searcher='search_plan_field')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('plan')
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.plan, Index.Range())),
                Index(t, (t.due_date, Index.Range()),
                    where=t.status.in_(OPEN_STATUSES)),
                })
        cls._order = [('due_date', 'ASC'), ('id', 'ASC')]

    @classmethod
    def default_status(cls):
        return 'planned'

    @classmethod
    def default_responsible(cls):
        return 'social_worker'

    @classmethod
    def default_staff(cls):
        return Transaction().context.get('employee')

    @fields.depends('plan', '_parent_plan.intake')
    def on_change_with_plan_intake(self, name=None):
        return self.plan.intake if self.plan else None

    @fields.depends('need', '_parent_need.domain')
    def on_change_with_need_domain(self, name=None):
        return self.need.domain if self.need else None

    @fields.depends('responsible', 'staff', 'duty_bearer')
    def on_change_responsible(self):
        if self.responsible != 'social_worker':
            self.staff = None
        if self.responsible != 'duty_bearer':
            self.duty_bearer = None

    @fields.depends('status', 'done_date')
    def on_change_status(self):
        pool = Pool()
        Date = pool.get('ir.date')

        if self.status == 'done' and not self.done_date:
            self.done_date = Date.today()
        elif self.status != 'done':
            self.done_date = None

    @classmethod
    def get_plan_states(cls):
        pool = Pool()
        Plan = pool.get('shakti.case_plan')

        return Plan.fields_get(['state'])['state']['selection']

    def get_rec_name(self, name):
        # The description is hidden from some roles, so the name shows the
        # need's domain and the due date only.
        return '%s: %s @ %s' % (
            self.plan.rec_name, self.need_domain_string, self.due_date)

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('plan.rec_name',) + tuple(clause[1:])]

    @classmethod
    def get_overdue(cls, actions, name):
        pool = Pool()
        Date = pool.get('ir.date')

        today = Date.today()
        return {a.id: (
                a.plan.state == 'active'
                and a.status in OPEN_STATUSES
                and a.due_date < today)
            for a in actions}

    @classmethod
    def search_overdue(cls, name, clause):
        pool = Pool()
        Date = pool.get('ir.date')

        today = Date.today()
        _, operator, value = clause
        if operator in {'=', '!='}:
            expected = bool(value) == (operator == '=')
        elif operator in {'in', 'not in'}:
            values = {bool(v) for v in value}
            if len(values) != 1:
                return [] if operator == 'in' else [('id', '=', None)]
            expected = values.pop() == (operator == 'in')
        else:
            raise ValueError("Unsupported operator %r" % operator)
        domain = [
            ('plan.state', '=', 'active'),
            ('status', 'in', OPEN_STATUSES),
            ('due_date', '<', today),
            ]
        if not expected:
            domain = ['OR',
                ('plan.state', '!=', 'active'),
                ('status', 'not in', OPEN_STATUSES),
                ('due_date', '>=', today),
                ]
        return domain

    @classmethod
    def get_plan_field(cls, actions, names):
        result = {n: {} for n in names}
        for action in actions:
            plan = action.plan
            for name in names:
                value = getattr(plan, name.replace('plan_', '', 1))
                if isinstance(value, ModelSQL):
                    value = value.id
                result[name][action.id] = value
        return result

    @classmethod
    def search_plan_field(cls, name, clause):
        nested = clause[0][len(name):]
        field = name.replace('plan_', '', 1)
        return [('plan.' + field + nested,) + tuple(clause[1:])]

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Date = pool.get('ir.date')

        values = super().preprocess_values(mode, values)
        if values.get('status') == 'done' and not values.get('done_date'):
            values['done_date'] = Date.today()
        elif values.get('status') in {'planned', 'in_progress', 'dropped'}:
            values['done_date'] = None
        if values.get('responsible') and (
                values['responsible'] != 'social_worker'):
            values['staff'] = None
        if values.get('responsible') and (
                values['responsible'] != 'duty_bearer'):
            values['duty_bearer'] = None
        return values

    @classmethod
    def validate_fields(cls, actions, field_names):
        super().validate_fields(actions, field_names)
        cls.check_done(actions, field_names)

    @classmethod
    def check_done(cls, actions, field_names=None):
        "Check actions are done only in active plans and not in the future"
        pool = Pool()
        Date = pool.get('ir.date')

        if field_names and not (field_names & {'status', 'done_date'}):
            return
        today = Date.today()
        for action in actions:
            if action.status != 'done':
                continue
            if (not field_names or 'status' in field_names) and (
                    action.plan.state != 'active'):
                raise CasePlanActionError(
                    gettext('shakti_case.msg_case_plan_action_done_state',
                        action=action.rec_name,
                        plan=action.plan.rec_name,
                        state=action.plan.state_string))
            if action.done_date > today:
                raise CasePlanActionError(
                    gettext('shakti_case.msg_case_plan_action_done_future',
                        action=action.rec_name,
                        date=action.done_date))


class OverdueActionSummary(OrganisationMixin, ModelSQL, ModelView):
    __name__ = 'shakti.case_plan.action.overdue'
    __string__ = "Overdue Plan Actions per Social Worker"

    social_worker = fields.Many2One(
        'company.employee', "Social Worker", readonly=True)
    actions = fields.Integer("Overdue Actions", readonly=True)
    oldest_due_date = fields.Date("Oldest Due Date", readonly=True)
    days_overdue = fields.Function(
        fields.Integer(
            "Days Overdue",
            help="The number of days since the oldest due date."),
        'get_days_overdue')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.company.readonly = True
        cls._order = [('actions', 'DESC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Action = pool.get('shakti.case_plan.action')
        Plan = pool.get('shakti.case_plan')
        Date = pool.get('ir.date')

        action = Action.__table__()
        plan = Plan.__table__()
        today = Date.today()
        # Each action is counted in one row only, so the smallest action
        # id is a stable and unique id for the row.
        return action.join(plan, condition=action.plan == plan.id).select(
            Min(action.id).as_('id'),
            plan.company.as_('company'),
            plan.social_worker.as_('social_worker'),
            Count(action.id).as_('actions'),
            Min(action.due_date).as_('oldest_due_date'),
            where=(plan.state == 'active')
            & action.status.in_(OPEN_STATUSES)
            & (action.due_date < today),
            group_by=[plan.company, plan.social_worker])

    @classmethod
    def delete(cls, summaries):
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')

        # No group may delete rows of this query: raise the access error
        # before ModelSQL raises NotImplementedError for a table query.
        ModelAccess.check(cls.__name__, 'delete')
        super().delete(summaries)

    @classmethod
    def get_days_overdue(cls, summaries, name):
        pool = Pool()
        Date = pool.get('ir.date')

        today = Date.today()
        return {s.id: (today - s.oldest_due_date).days for s in summaries}
