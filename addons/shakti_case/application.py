# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, Workflow, fields
from trytond.modules.currency.fields import Monetary
from trytond.modules.shakti_base.model import OrganisationMixin
from trytond.pool import Pool
from trytond.pyson import Bool, Eval, If
from trytond.transaction import Transaction

from .exceptions import ApplicationError, ApplicationStateError, FollowUpError

STATES = [
    ('draft', "Draft"),
    ('submitted', "Submitted"),
    ('under_process', "Under Process"),
    ('approved', "Approved"),
    ('received', "Received"),
    ('rejected', "Rejected"),
    ('withdrawn', "Withdrawn"),
    ]
# The applications still awaiting a decision or the benefit.
PENDING_STATES = ['submitted', 'under_process', 'approved']
# The date field recorded when an application enters each state, in the
# order an application moves through them.
STATE_DATES = [
    ('submitted', 'submitted_date'),
    ('under_process', 'processing_date'),
    ('approved', 'approved_date'),
    ('received', 'received_date'),
    ]
CLOSING_DATES = [
    ('rejected', 'rejected_date'),
    ('withdrawn', 'withdrawn_date'),
    ]
# Every date of an application, in the order they are checked.
DATE_FIELDS = ['date'] + [f for _, f in STATE_DATES + CLOSING_DATES]


def _date_field(string, states):
    "Return a date field shown from the states where it is recorded"
    return fields.Date(
        string,
        states={
            'invisible': ~Eval('state').in_(states),
            'required': Eval('state').in_(states),
            'readonly': ~Eval('state').in_(states),
            })


class Application(OrganisationMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'shakti.application'
    __string__ = "Entitlement Application"
    _history = True
    _organisation_parent = 'survivor'

    _states = {
        'readonly': Eval('state').in_(['received', 'rejected', 'withdrawn']),
        }

    number = fields.Char("Number", readonly=True)
    survivor = fields.Many2One(
        'shakti.survivor', "Survivor", required=True, ondelete='RESTRICT',
        states={
            'readonly': Eval('state') != 'draft',
            })
    block = fields.Many2One(
        'shakti.place', "Block or Mandal", required=True,
        ondelete='RESTRICT',
        domain=[('type', 'in', ['block', 'mandal'])],
        states=_states,
        help="The block or mandal whose offices handle the application.")
    scheme = fields.Many2One(
        'shakti.scheme', "Scheme", required=True, ondelete='RESTRICT',
        states={
            'readonly': Eval('state') != 'draft',
            })
    office = fields.Many2One(
        'shakti.office', "Office", ondelete='RESTRICT', states=_states)
    duty_bearer = fields.Many2One(
        'shakti.duty_bearer', "Duty Bearer", ondelete='RESTRICT',
        domain=[
            If(Bool(Eval('office')),
                ('office', '=', Eval('office', -1)),
                ()),
            ],
        states=_states)
    date = fields.Date(
        "Application Date", required=True,
        states={
            'readonly': Eval('state') != 'draft',
            },
        help="The day the application was prepared.")
    reference = fields.Char(
        "Acknowledgement", states=_states,
        help="The receipt or acknowledgement number given by the office.")
    submitted_date = _date_field(
        "Submitted On", ['submitted', 'under_process', 'approved',
            'received', 'rejected', 'withdrawn'])
    processing_date = fields.Date(
        "Under Process On",
        states={
            'invisible': ~Eval('processing_date') & (
                Eval('state') != 'under_process'),
            'required': Eval('state') == 'under_process',
            'readonly': Eval('state') != 'under_process',
            })
    approved_date = _date_field("Approved On", ['approved', 'received'])
    received_date = _date_field("Received On", ['received'])
    rejected_date = _date_field("Rejected On", ['rejected'])
    withdrawn_date = _date_field("Withdrawn On", ['withdrawn'])
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    amount_approved = Monetary(
        "Amount Approved", currency='currency', digits='currency',
        states={
            'invisible': ~Eval('state').in_(['approved', 'received']),
            'readonly': ~Eval('state').in_(['approved']),
            })
    amount_received = Monetary(
        "Amount Received", currency='currency', digits='currency',
        states={
            'invisible': Eval('state') != 'received',
            'readonly': Eval('state') != 'received',
            })
    follow_ups = fields.One2Many(
        'shakti.application.follow_up', 'application', "Follow-ups",
        states={
            'readonly': Eval('state') == 'draft',
            })
    last_follow_up = fields.Function(
        fields.Date("Last Follow-up"), 'get_follow_up_dates')
    next_follow_up = fields.Function(
        fields.Date("Next Follow-up"), 'get_follow_up_dates')
    notes = fields.Text("Notes")
    state = fields.Selection(
        STATES, "State", readonly=True, required=True, sort=False)

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.block, Index.Range()), (t.state, Index.Equality()),
                    where=t.state.in_(PENDING_STATES)),
                Index(t, (t.survivor, Index.Range())),
                })
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'submitted'),
            ('submitted', 'draft'),
            ('submitted', 'under_process'),
            ('submitted', 'approved'),
            ('under_process', 'approved'),
            ('approved', 'received'),
            ('submitted', 'rejected'),
            ('under_process', 'rejected'),
            ('draft', 'withdrawn'),
            ('submitted', 'withdrawn'),
            ('under_process', 'withdrawn'),
            ('approved', 'withdrawn'),
            }
        cls._buttons.update({
                'draft': {
                    'invisible': Eval('state') != 'submitted',
                    'icon': 'tryton-back',
                    'depends': ['state'],
                    },
                'submit': {
                    'invisible': Eval('state') != 'draft',
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                'process': {
                    'invisible': Eval('state') != 'submitted',
                    'depends': ['state'],
                    },
                'approve': {
                    'invisible': ~Eval('state').in_(
                        ['submitted', 'under_process']),
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'receive': {
                    'invisible': Eval('state') != 'approved',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'reject': {
                    'invisible': ~Eval('state').in_(
                        ['submitted', 'under_process']),
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                'withdraw': {
                    'invisible': ~Eval('state').in_(
                        ['draft', 'submitted', 'under_process', 'approved']),
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    @fields.depends('survivor', '_parent_survivor.block',
        '_parent_survivor.company', 'block')
    def on_change_survivor(self):
        if self.survivor:
            # The client may send any id: never tell whose it is.
            self.survivor.check_read([self.survivor])
            self.company = self.survivor.company
            if not self.block:
                self.block = self.survivor.block

    @fields.depends('office', 'duty_bearer')
    def on_change_office(self):
        if self.duty_bearer and self.duty_bearer.office != self.office:
            self.duty_bearer = None

    def get_rec_name(self, name):
        if self.number:
            return self.number
        return '(%s)' % self.id

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('number',) + tuple(clause[1:])]

    @classmethod
    def get_follow_up_dates(cls, applications, names):
        pool = Pool()
        FollowUp = pool.get('shakti.application.follow_up')

        result = {n: {a.id: None for a in applications} for n in names}
        follow_ups = FollowUp.search([
                ('application', 'in', [a.id for a in applications]),
                ], order=[('date', 'ASC'), ('id', 'ASC')])
        for follow_up in follow_ups:
            application_id = follow_up.application.id
            if 'last_follow_up' in result:
                result['last_follow_up'][application_id] = follow_up.date
            if 'next_follow_up' in result:
                result['next_follow_up'][application_id] = (
                    follow_up.next_date)
        return result

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Sequence = pool.get('ir.sequence.strict')
        ModelData = pool.get('ir.model.data')
        Survivor = pool.get('shakti.survivor')

        values = super().preprocess_values(mode, values)
        if (mode == 'create' and not values.get('block')
                and values.get('survivor') is not None):
            values['block'] = Survivor(values['survivor']).block.id
        if mode == 'create':
            sequence = Sequence(ModelData.get_id(
                    'shakti_case', 'sequence_application'))
            values['number'] = sequence.get()
        return values

    @classmethod
    def validate_fields(cls, applications, field_names):
        super().validate_fields(applications, field_names)
        cls.check_dates(applications, field_names)
        cls.check_amounts(applications, field_names)

    @classmethod
    def check_dates(cls, applications, field_names=None):
        "Check the dates against today, each other, the survivor and visits"
        pool = Pool()
        Date = pool.get('ir.date')

        if field_names and not (field_names & set(DATE_FIELDS)):
            return
        today = Date.today()
        for application in applications:
            application.check_date_order(today)
            survivor = application.survivor
            if application.date < survivor.registration_date:
                raise ApplicationError(
                    gettext('shakti_case.msg_application_before_registration',
                        application=application.rec_name,
                        date=application.date,
                        survivor=survivor.rec_name,
                        registration_date=survivor.registration_date))
            visits = [f.date for f in application.follow_ups]
            if visits and min(visits) < application.date:
                raise ApplicationError(
                    gettext('shakti_case.msg_application_after_follow_up',
                        application=application.rec_name,
                        date=application.date,
                        follow_up_date=min(visits)))

    def check_date_order(self, today):
        "Check no status date is in the future or before the previous step"
        closing = {n for _, n in CLOSING_DATES}
        previous = 'date'
        for name in DATE_FIELDS:
            value = getattr(self, name)
            if not value:
                continue
            if value > today:
                raise ApplicationError(
                    gettext('shakti_case.msg_application_date_future',
                        application=self.rec_name,
                        field=self.__names__(name)['field'],
                        date=value))
            earlier = getattr(self, previous)
            if value < earlier:
                raise ApplicationError(
                    gettext('shakti_case.msg_application_date_order',
                        application=self.rec_name,
                        field=self.__names__(name)['field'],
                        date=value,
                        previous_field=self.__names__(previous)['field'],
                        previous_date=earlier))
            if name not in closing:
                previous = name

    @classmethod
    def check_amounts(cls, applications, field_names=None):
        if field_names and not (
                field_names & {'amount_approved', 'amount_received'}):
            return
        for application in applications:
            for name in ['amount_approved', 'amount_received']:
                amount = getattr(application, name)
                if amount is not None and amount < 0:
                    raise ApplicationError(
                        gettext('shakti_case.msg_application_amount_negative',
                            application=application.rec_name,
                            field=cls.__names__(name)['field'],
                            amount=amount))
            if (application.amount_received is not None
                    and application.amount_approved is not None
                    and application.amount_received
                    > application.amount_approved):
                lang = Pool().get('ir.lang').get()
                currency = application.currency
                raise ApplicationError(
                    gettext('shakti_case.msg_application_received_approved',
                        application=application.rec_name,
                        received=lang.currency(
                            application.amount_received, currency,
                            grouping=True),
                        approved=lang.currency(
                            application.amount_approved, currency,
                            grouping=True)))

    @classmethod
    def check_modification(cls, mode, applications, values=None,
            external=False):
        super().check_modification(
            mode, applications, values=values, external=external)
        if mode == 'write' and external and values and 'number' in values:
            raise ApplicationStateError(
                gettext('shakti_case.msg_application_number_change'))
        if mode == 'delete':
            for application in applications:
                if application.state not in {'draft', 'withdrawn'}:
                    raise ApplicationStateError(
                        gettext('shakti_case.msg_application_delete_state',
                            application=application.rec_name))

    @classmethod
    def copy(cls, applications, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('number', None)
        default.setdefault('state', 'draft')
        default.setdefault('reference', None)
        default.setdefault('follow_ups', None)
        for _, name in STATE_DATES + CLOSING_DATES:
            default.setdefault(name, None)
        default.setdefault('amount_approved', None)
        default.setdefault('amount_received', None)
        return super().copy(applications, default=default)

    @classmethod
    def _set_state_date(cls, applications, field):
        "Record today as the date of the new state where it is not set"
        pool = Pool()
        Date = pool.get('ir.date')

        today = Date.today()
        to_write = [a for a in applications if not getattr(a, field)]
        if to_write:
            cls.write(to_write, {field: today})

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, applications):
        cls.write(applications, {'submitted_date': None})

    @classmethod
    @ModelView.button
    @Workflow.transition('submitted')
    def submit(cls, applications):
        cls._set_state_date(applications, 'submitted_date')

    @classmethod
    @ModelView.button
    @Workflow.transition('under_process')
    def process(cls, applications):
        cls._set_state_date(applications, 'processing_date')

    @classmethod
    @ModelView.button
    @Workflow.transition('approved')
    def approve(cls, applications):
        cls._set_state_date(applications, 'approved_date')

    @classmethod
    @ModelView.button
    @Workflow.transition('received')
    def receive(cls, applications):
        cls._set_state_date(applications, 'received_date')

    @classmethod
    @ModelView.button
    @Workflow.transition('rejected')
    def reject(cls, applications):
        cls._set_state_date(applications, 'rejected_date')

    @classmethod
    @ModelView.button
    @Workflow.transition('withdrawn')
    def withdraw(cls, applications):
        cls._set_state_date(applications, 'withdrawn_date')


class FollowUp(OrganisationMixin, ModelSQL, ModelView):
    __name__ = 'shakti.application.follow_up'
    __string__ = "Application Follow-up"
    _history = True
    _organisation_parent = 'application'
    _organisation_fields = {'staff'}
    application = fields.Many2One(
        'shakti.application', "Application", required=True,
        ondelete='CASCADE')
    date = fields.Date("Date", required=True)
    staff = fields.Many2One(
        'company.employee', "Staff", ondelete='RESTRICT',
        help="The social worker who went to the office.")
    with_survivor = fields.Boolean("With Survivor")
    with_leader = fields.Boolean("With Survivor Leader")
    duty_bearer = fields.Many2One(
        'shakti.duty_bearer', "Met", ondelete='RESTRICT',
        help="The official met at the office.")
    met_other = fields.Char(
        "Met (Other)", help="The person met when not a listed duty bearer.")
    outcome = fields.Selection([
            ('promised', "Action Promised"),
            ('documents_requested', "Documents Requested"),
            ('forwarded', "Forwarded to Another Office"),
            ('approved', "Approved"),
            ('rejected', "Rejected"),
            ('not_met', "Official Not Available"),
            ('other', "Other"),
            ], "Outcome", required=True)
    notes = fields.Text(
        "Notes", help="What the official said and what was agreed.")
    next_date = fields.Date(
        "Next Date",
        domain=[
            If(Bool(Eval('next_date')),
                ('next_date', '>', Eval('date')),
                ()),
            ])
    web_user = fields.Many2One(
        'web.user', "Recorded By", readonly=True, ondelete='SET NULL',
        help="The survivor account that recorded the visit on her pages.")
    recorded_by_survivor = fields.Boolean(
        "Recorded by Survivor", readonly=True,
        help="The survivor recorded the visit herself on her pages.")
    client_key = fields.Char(
        "Client Key", readonly=True, strip=False,
        help="The key of the survivor's visit form, so that a form sent "
        "twice records one visit.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('application')
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.application, Index.Range())))
        cls._sql_constraints += [
            ('client_key_unique', Unique(t, t.client_key),
                'shakti_case.msg_follow_up_client_key_unique'),
            ]
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def default_recorded_by_survivor(cls):
        return False

    @classmethod
    def copy(cls, follow_ups, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('client_key', None)
        default.setdefault('web_user', None)
        default.setdefault('recorded_by_survivor', False)
        return super().copy(follow_ups, default=default)

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def default_staff(cls):
        return Transaction().context.get('employee')

    def get_rec_name(self, name):
        return '%s @ %s' % (self.application.rec_name, self.date)

    @classmethod
    def validate_fields(cls, follow_ups, field_names):
        super().validate_fields(follow_ups, field_names)
        cls.check_date(follow_ups, field_names)

    @classmethod
    def check_date(cls, follow_ups, field_names=None):
        pool = Pool()
        Date = pool.get('ir.date')

        if field_names and not (field_names & {'date', 'application'}):
            return
        today = Date.today()
        for follow_up in follow_ups:
            application = follow_up.application
            if application.state == 'draft':
                raise FollowUpError(
                    gettext('shakti_case.msg_follow_up_draft',
                        application=application.rec_name))
            if follow_up.date > today:
                raise FollowUpError(
                    gettext('shakti_case.msg_follow_up_date_future',
                        follow_up=follow_up.rec_name,
                        date=follow_up.date))
            if follow_up.date < application.date:
                raise FollowUpError(
                    gettext('shakti_case.msg_follow_up_before_application',
                        follow_up=follow_up.rec_name,
                        date=follow_up.date,
                        application=application.rec_name,
                        application_date=application.date))
