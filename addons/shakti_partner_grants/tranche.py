# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from collections import defaultdict
from decimal import Decimal

from sql.aggregate import Max
from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.modules.currency.fields import Monetary
from trytond.modules.shakti_base.model import (
    CurrencyMixin, LockedByParentMixin, OrganisationMixin, format_amount,
    lock_existing, readonly_once_saved, sum_by)
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access

from .agreement import today
from .common import check_funder, check_second_user
from .exceptions import DisbursementError, MilestoneError, TrancheError

# The holds on a tranche's release, and the side each one waits on.
HOLDS = [
    (None, ""),
    ('milestone', "Milestone not met"),
    ('verification', "Verification pending"),
    ('request', "Request pending"),
    ('approval', "Approval pending"),
    ('donor_funds', "Funds not received from the donor"),
    ('disbursement', "Disbursement pending"),
    ('other', "Other"),
    ]
WAITED_ON = [
    (None, ""),
    ('recipient', "Recipient"),
    ('funder', "Funder"),
    ('donor', "Donor"),
    ]
HOLD_WAITS_ON = {
    'milestone': 'recipient',
    'verification': 'funder',
    'request': 'funder',
    'approval': 'funder',
    'donor_funds': 'donor',
    'disbursement': 'funder',
    }
# The milestone fields the funder sets; the recipient gives the evidence.
MILESTONE_TERMS = {'tranche', 'name', 'kind', 'due_date', 'target',
    'measure', 'review_note'}


def _to_date(value):
    if isinstance(value, str):
        return fields.Date._py_type.fromisoformat(value)
    return value


class Tranche(
        LockedByParentMixin, OrganisationMixin, CurrencyMixin, Workflow,
        ModelSQL, ModelView):
    "A part of an agreement's amount, released on a planned date"
    __name__ = 'shakti.grant.tranche'
    __string__ = "Tranche"
    _history = True
    _organisation_parent = 'agreement'
    _locked_by = {'agreement': {'draft', 'active'}}

    _states = {
        'readonly': Eval('state') != 'planned',
        }

    agreement = fields.Many2One(
        'shakti.grant.agreement', "Agreement", required=True,
        ondelete='CASCADE', states=_states)
    sequence = fields.Integer("Sequence", states=_states)
    name = fields.Char("Name", required=True, states=_states)
    planned_date = fields.Date("Planned Date", required=True, states=_states)
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True,
        states=_states,
        domain=[('amount', '>', 0)])
    milestones = fields.One2Many(
        'shakti.grant.milestone', 'tranche', "Milestones",
        states=_states,
        help="The deliverables the release depends on.")
    disbursements = fields.One2Many(
        'shakti.grant.disbursement', 'tranche', "Disbursements",
        states={
            'readonly': Eval('state') != 'approved',
            })
    requested_by = fields.Many2One('res.user', "Requested By", readonly=True)
    request_date = fields.Date("Request Date", readonly=True)
    approved_by = fields.Many2One('res.user', "Approved By", readonly=True)
    approval_date = fields.Date("Approval Date", readonly=True)
    disbursed_amount = fields.Function(
        Monetary("Disbursed", currency='currency', digits='currency'),
        'get_disbursed')
    actual_date = fields.Function(
        fields.Date("Actual Date",
            help="The date the tranche was disbursed in full."),
        'get_disbursed')
    days_late = fields.Function(
        fields.Integer("Days Late",
            help="The days from the planned date to the actual date, or "
            "to today while the tranche is not disbursed."),
        'get_disbursed')
    holding = fields.Function(
        fields.Selection(HOLDS, "Waiting For",
            help="What the release waits for now."),
        'get_holding')
    delay_reason = fields.Selection(
        HOLDS, "Delay Reason", sort=False,
        states={
            'readonly': Eval('state') == 'cancelled',
            },
        help="Why the tranche was late, as the funder recorded it.")
    waited_on = fields.Selection(
        WAITED_ON, "Waited On", sort=False,
        states={
            'readonly': Eval('state') == 'cancelled',
            },
        help="Who the delay waited on.")
    delay_note = fields.Text(
        "Delay Note",
        states={
            'readonly': Eval('state') == 'cancelled',
            })
    state = fields.Selection([
            ('planned', "Planned"),
            ('requested', "Requested"),
            ('approved', "Approved"),
            ('disbursed', "Disbursed"),
            ('cancelled', "Cancelled"),
            ], "State", readonly=True, sort=False)
    state_string = state.translated('state')

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.agreement, Index.Equality())),
                Index(t, (t.state, Index.Equality(cardinality='low'))),
                })
        cls._order = [
            ('agreement', 'ASC'), ('planned_date', 'ASC'), ('id', 'ASC')]
        cls._transitions |= {
            ('planned', 'requested'),
            ('requested', 'approved'),
            ('requested', 'planned'),
            ('approved', 'planned'),
            ('planned', 'cancelled'),
            }
        cls._buttons.update({
                'request': {
                    'invisible': Eval('state') != 'planned',
                    'depends': ['state'],
                    },
                'approve': {
                    'invisible': Eval('state') != 'requested',
                    'depends': ['state'],
                    },
                'withdraw': {
                    'invisible': ~Eval('state').in_(
                        ['requested', 'approved']),
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': Eval('state') != 'planned',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'planned'

    @fields.depends('delay_reason')
    def on_change_delay_reason(self):
        if self.delay_reason in HOLD_WAITS_ON:
            self.waited_on = HOLD_WAITS_ON[self.delay_reason]

    def get_rec_name(self, name):
        return '%s %s' % (self.agreement.reference, self.name)

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, value = clause
        bool_op = 'AND' if operator.startswith('!') else 'OR'
        return [bool_op,
            ('name', operator, value),
            ('agreement.reference', operator, value),
            ]

    @classmethod
    def disbursed(cls, tranches, date=None):
        """Return the amount disbursed and the date of the last
        disbursement of each tranche, counting the disbursements up to
        date, or all of them without a date"""
        pool = Pool()
        Disbursement = pool.get('shakti.grant.disbursement')
        disbursement = Disbursement.__table__()
        cursor = Transaction().connection.cursor()
        in_ = fields.SQL_OPERATORS['in']
        ids = [t.id for t in tranches]
        until = disbursement.date <= date if date else None
        amounts = sum_by(disbursement, disbursement.tranche,
            disbursement.amount, ids, where=until)
        last = {}
        for sub_ids in grouped_slice(ids, backend.MAX_QUERY_PARAMS):
            where = in_(disbursement.tranche, sub_ids)
            if until is not None:
                where &= until
            cursor.execute(*disbursement.select(
                    disbursement.tranche, Max(disbursement.date),
                    where=where,
                    group_by=[disbursement.tranche]))
            last.update((i, _to_date(d)) for i, d in cursor)
        return amounts, last

    @classmethod
    def get_disbursed(cls, tranches, names):
        """Return the money disbursed, the actual date and the days late
        of the tranches on the date of the context, or today"""
        amounts, last = cls.disbursed(
            tranches, date=Transaction().context.get('date'))
        date = today()
        result = defaultdict(dict)
        for tranche in tranches:
            amount = amounts.get(tranche.id, Decimal(0))
            # A tranche paid in full after the date was still open on it.
            actual = (last.get(tranche.id)
                if tranche.state == 'disbursed' and amount >= tranche.amount
                else None)
            result['disbursed_amount'][tranche.id] = (
                tranche.currency.round(amount))
            result['actual_date'][tranche.id] = actual
            if tranche.state == 'cancelled':
                late = None
            else:
                late = max(
                    ((actual or date) - tranche.planned_date).days, 0)
            result['days_late'][tranche.id] = late
        return {n: result[n] for n in names}

    @classmethod
    def get_holding(cls, tranches, name):
        pool = Pool()
        Milestone = pool.get('shakti.grant.milestone')

        # The funder cannot verify a submitted milestone whose count is
        # below its target, so the release waits on the recipient.
        counted = [m for t in tranches if t.state == 'planned'
            for m in t.milestones if m.state == 'submitted' and m.measure]
        achieved = Milestone.get_achieved(counted, 'achieved')
        below_target = {m.id for m in counted
            if (achieved[m.id] or 0) < (m.target or 0)}
        result = {}
        for tranche in tranches:
            result[tranche.id] = tranche.current_hold(below_target)
        return result

    def current_hold(self, below_target=()):
        """Return what the release of the tranche waits for now, given the
        ids of the milestones whose count is below their target"""
        if self.state == 'planned':
            states = {m.state for m in self.milestones}
            if 'pending' in states or any(
                    m.id in below_target for m in self.milestones):
                return 'milestone'
            if 'submitted' in states:
                return 'verification'
            return 'request'
        elif self.state == 'requested':
            return 'approval'
        elif self.state == 'approved':
            return 'disbursement'
        return None

    @classmethod
    def validate_fields(cls, tranches, field_names):
        pool = Pool()
        Agreement = pool.get('shakti.grant.agreement')
        super().validate_fields(tranches, field_names)
        if field_names and not (
                field_names & {'amount', 'planned_date', 'agreement'}):
            return
        cls.check_period(tranches)
        Agreement.check_tranches(list({t.agreement for t in tranches}))

    @classmethod
    def check_period(cls, tranches):
        "Check the planned date of each tranche is within its agreement"
        for tranche in tranches:
            agreement = tranche.agreement
            if not (agreement.start_date <= tranche.planned_date
                    <= agreement.end_date):
                raise TrancheError(gettext(
                        'shakti_partner_grants.msg_tranche_outside_period',
                        record=tranche.rec_name,
                        date=tranche.planned_date,
                        agreement=agreement.rec_name,
                        start_date=agreement.start_date,
                        end_date=agreement.end_date))

    @classmethod
    def check_modification(cls, mode, tranches, values=None, external=False):
        super().check_modification(
            mode, tranches, values=values, external=external)
        # The recipient writes the evidence of the milestones from the
        # tranche's form; the milestones check who changes what.
        if external and (mode != 'write'
                or not set(values or {}) <= {'milestones'}):
            check_funder(tranches, gettext(
                    'shakti_partner_grants.msg_action_change'))
        if mode == 'delete':
            for tranche in tranches:
                if tranche.state != 'planned':
                    raise TrancheError(gettext(
                            'shakti_partner_grants.msg_tranche_delete',
                            record=tranche.rec_name))

    @classmethod
    def copy(cls, tranches, default=None):
        # A copy is a new tranche, so it starts without a request, an
        # approval or disbursements.
        default = default.copy() if default is not None else {}
        default.setdefault('disbursements')
        default.setdefault('requested_by')
        default.setdefault('approved_by')
        return super().copy(tranches, default=default)

    @classmethod
    def check_milestones(cls, tranches):
        "Check every milestone of the tranches is verified"
        for tranche in tranches:
            for milestone in tranche.milestones:
                if milestone.state != 'verified':
                    raise TrancheError(gettext(
                            'shakti_partner_grants.msg_tranche_unverified',
                            record=tranche.rec_name,
                            milestone=milestone.name,
                            state=milestone.state_string))

    @classmethod
    @ModelView.button
    @Workflow.transition('requested')
    def request(cls, tranches):
        pool = Pool()
        Date = pool.get('ir.date')
        check_funder(tranches, gettext(
                'shakti_partner_grants.msg_action_request'))
        for tranche in tranches:
            if tranche.agreement.state != 'active':
                raise TrancheError(gettext(
                        'shakti_partner_grants.msg_tranche_agreement_inactive',
                        record=tranche.rec_name,
                        agreement=tranche.agreement.rec_name))
        cls.check_milestones(tranches)
        cls.write(tranches, {
                'requested_by': Transaction().user,
                'request_date': Date.today(),
                })

    @classmethod
    @ModelView.button
    def approve(cls, tranches):
        pool = Pool()
        Date = pool.get('ir.date')
        user = Transaction().user
        for tranche in tranches:
            if tranche.state != 'requested':
                raise TrancheError(gettext(
                        'shakti_partner_grants.msg_tranche_not_requested',
                        record=tranche.rec_name,
                        state=tranche.state_string))
        check_funder(tranches, gettext(
                'shakti_partner_grants.msg_action_approve'))
        check_second_user(tranches, 'requested_by', TrancheError,
            'shakti_partner_grants.msg_tranche_self_approval')
        cls.check_milestones(tranches)
        cls.write(tranches, {
                'state': 'approved',
                'approved_by': user,
                'approval_date': Date.today(),
                })

    @classmethod
    @ModelView.button
    @Workflow.transition('planned')
    def withdraw(cls, tranches):
        check_funder(tranches, gettext(
                'shakti_partner_grants.msg_action_withdraw'))
        # Lock the tranches as a disbursement does, so that a payment
        # recorded at the same time is seen here.
        with without_check_access():
            lock_existing(tranches)
        for tranche in tranches:
            if tranche.disbursements:
                raise TrancheError(gettext(
                        'shakti_partner_grants.msg_tranche_withdraw_disbursed',
                        record=tranche.rec_name))
        cls.write(tranches, {
                'requested_by': None,
                'request_date': None,
                'approved_by': None,
                'approval_date': None,
                })

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, tranches):
        check_funder(tranches, gettext(
                'shakti_partner_grants.msg_action_cancel'))

    @classmethod
    def update_state(cls, tranches):
        "Mark the approved tranches disbursed in full as disbursed"
        amounts, _ = cls.disbursed(tranches)
        done, undone = [], []
        for tranche in tranches:
            full = amounts.get(tranche.id, Decimal(0)) >= tranche.amount
            if tranche.state == 'approved' and full:
                done.append(tranche)
            elif tranche.state == 'disbursed' and not full:
                undone.append(tranche)
        with without_check_access():
            if done:
                cls.write(done, {'state': 'disbursed'})
            if undone:
                cls.write(undone, {'state': 'approved'})


class Milestone(
        LockedByParentMixin, OrganisationMixin, Workflow, ModelSQL,
        ModelView):
    "A deliverable that the release of a tranche depends on"
    __name__ = 'shakti.grant.milestone'
    __string__ = "Milestone"
    _history = True
    _organisation_parent = 'tranche'
    _locked_by = {'tranche': {'planned'}}

    _terms = {
        'readonly': Eval('state') != 'pending',
        }

    tranche = fields.Many2One(
        'shakti.grant.tranche', "Tranche", required=True,
        ondelete='CASCADE', states=_terms)
    name = fields.Char("Name", required=True, states=_terms)
    kind = fields.Selection([
            ('deliverable', "Deliverable"),
            ('report', "Report"),
            ('utilisation_certificate', "Utilisation certificate"),
            ('other', "Other"),
            ], "Kind", required=True, sort=False, states=_terms)
    due_date = fields.Date("Due Date", required=True, states=_terms)
    measure = fields.Selection(
        'get_measures', "Counted Records", states=_terms,
        help="The records of the recipient counted as evidence, from the "
        "start of the agreement to the due date.")
    measure_string = measure.translated('measure')
    target = fields.Integer(
        "Target",
        states={
            'readonly': Eval('state') != 'pending',
            'required': Eval('measure', None) != None,  # noqa: E711
            'invisible': Eval('measure', None) == None,  # noqa: E711
            },
        domain=['OR',
            ('target', '=', None),
            ('target', '>', 0),
            ])
    achieved = fields.Function(
        fields.Integer("Achieved",
            states={
                'invisible': Eval('measure', None) == None,  # noqa: E711
                }),
        'get_achieved')
    evidence = fields.Text(
        "Evidence", states=_terms,
        help="What the recipient shows, and where to find it; attach the "
        "documents.")
    evidence_link = fields.Char(
        "Evidence Link", states=_terms,
        help="The address of a document kept elsewhere.")
    submitted_by = fields.Many2One('res.user', "Submitted By", readonly=True)
    submission_date = fields.Date("Submission Date", readonly=True)
    verified_by = fields.Many2One('res.user', "Verified By", readonly=True)
    verification_date = fields.Date("Verification Date", readonly=True)
    review_note = fields.Text(
        "Review Note",
        states={
            'readonly': Eval('state') != 'submitted',
            },
        help="The funder's note on the evidence, required to send it "
        "back.")
    state = fields.Selection([
            ('pending', "Pending"),
            ('submitted', "Submitted"),
            ('verified', "Verified"),
            ], "State", readonly=True, sort=False)
    state_string = state.translated('state')

    del _terms

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.tranche, Index.Equality())),
                Index(t, (t.state, Index.Equality(cardinality='low'))),
                })
        cls._order = [('due_date', 'ASC'), ('id', 'ASC')]
        cls._transitions |= {
            ('pending', 'submitted'),
            ('submitted', 'verified'),
            ('submitted', 'pending'),
            }
        cls._buttons.update({
                'submit': {
                    'invisible': Eval('state') != 'pending',
                    'depends': ['state'],
                    },
                'verify': {
                    'invisible': Eval('state') != 'submitted',
                    'depends': ['state'],
                    },
                'send_back': {
                    'invisible': Eval('state') != 'submitted',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'pending'

    @classmethod
    def default_kind(cls):
        return 'deliverable'

    @classmethod
    def get_measures(cls):
        "Return the kinds of records a milestone may count"
        return [(None, "")]

    @classmethod
    def count_measure(cls, measure, company, start_date, end_date):
        """Return the number of records of measure of the company and the
        organisations under it from start_date to end_date"""
        return 0

    @classmethod
    def validate_fields(cls, milestones, field_names):
        super().validate_fields(milestones, field_names)
        if field_names and not (field_names & {'due_date', 'tranche'}):
            return
        cls.check_period(milestones)

    @classmethod
    def check_period(cls, milestones):
        "Check the due date of each milestone is within its agreement"
        for milestone in milestones:
            agreement = milestone.tranche.agreement
            if not (agreement.start_date <= milestone.due_date
                    <= agreement.end_date):
                raise MilestoneError(gettext(
                        'shakti_partner_grants.msg_milestone_outside_period',
                        record=milestone.rec_name,
                        date=milestone.due_date,
                        agreement=agreement.rec_name,
                        start_date=agreement.start_date,
                        end_date=agreement.end_date))

    @classmethod
    def get_achieved(cls, milestones, name):
        """Return the count of each milestone's measure, once per measure,
        organisation and period"""
        counts = {}
        result = {}
        with without_check_access():
            for milestone in cls.browse(milestones):
                if not milestone.measure:
                    result[milestone.id] = None
                    continue
                key = (milestone.measure, milestone.company,
                    milestone.tranche.agreement.start_date,
                    milestone.due_date)
                if key not in counts:
                    counts[key] = cls.count_measure(*key)
                result[milestone.id] = counts[key]
        return result

    @classmethod
    def check_modification(
            cls, mode, milestones, values=None, external=False):
        super().check_modification(
            mode, milestones, values=values, external=external)
        if external and (mode != 'write'
                or set(values or {}) & MILESTONE_TERMS):
            check_funder(milestones, gettext(
                    'shakti_partner_grants.msg_action_change'))

    @classmethod
    def copy(cls, milestones, default=None):
        # A copy is a new milestone, so it starts without a submission,
        # a verification or a review note.
        default = default.copy() if default is not None else {}
        default.setdefault('submitted_by')
        default.setdefault('verified_by')
        default.setdefault('review_note')
        return super().copy(milestones, default=default)

    @classmethod
    @ModelView.button
    @Workflow.transition('submitted')
    def submit(cls, milestones):
        pool = Pool()
        Date = pool.get('ir.date')
        for milestone in milestones:
            if not milestone.evidence:
                raise MilestoneError(gettext(
                        'shakti_partner_grants.msg_milestone_no_evidence',
                        record=milestone.rec_name))
        cls.write(milestones, {
                'submitted_by': Transaction().user,
                'submission_date': Date.today(),
                })

    @classmethod
    @ModelView.button
    @Workflow.transition('verified')
    def verify(cls, milestones):
        pool = Pool()
        Date = pool.get('ir.date')
        user = Transaction().user
        check_funder(milestones, gettext(
                'shakti_partner_grants.msg_action_verify'))
        check_second_user(milestones, 'submitted_by', MilestoneError,
            'shakti_partner_grants.msg_milestone_self_verification')
        for milestone in milestones:
            if milestone.measure and milestone.achieved < milestone.target:
                raise MilestoneError(gettext(
                        'shakti_partner_grants.msg_milestone_below_target',
                        record=milestone.rec_name,
                        achieved=milestone.achieved,
                        target=milestone.target,
                        measure=milestone.measure_string))
        cls.write(milestones, {
                'verified_by': user,
                'verification_date': Date.today(),
                })

    @classmethod
    @ModelView.button
    @Workflow.transition('pending')
    def send_back(cls, milestones):
        check_funder(milestones, gettext(
                'shakti_partner_grants.msg_action_send_back'))
        for milestone in milestones:
            if not milestone.review_note:
                raise MilestoneError(gettext(
                        'shakti_partner_grants.msg_review_note_required',
                        record=milestone.rec_name))
        cls.write(milestones, {
                'submitted_by': None,
                'submission_date': None,
                })

    def get_rec_name(self, name):
        return '%s: %s' % (self.tranche.rec_name, self.name)


class Disbursement(
        LockedByParentMixin, OrganisationMixin, CurrencyMixin, ModelSQL,
        ModelView):
    "Money paid out under an approved tranche"
    __name__ = 'shakti.grant.disbursement'
    __string__ = "Disbursement"
    _history = True
    _organisation_parent = 'tranche'
    _locked_by = {'tranche': {'approved'}}

    tranche = fields.Many2One(
        'shakti.grant.tranche', "Tranche", required=True,
        ondelete='RESTRICT',
        domain=[
            ('state', 'in', ['approved', 'disbursed']),
            ])
    date = fields.Date("Date", required=True)
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True,
        domain=[('amount', '>', 0)])
    reference = fields.Char(
        "Reference", required=True,
        help="The bank's reference of the payment.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        for name in ['tranche', 'date', 'amount', 'reference']:
            readonly_once_saved(getattr(cls, name))
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.tranche, Index.Equality())))
        cls._order = [('date', 'ASC'), ('id', 'ASC')]

    @classmethod
    def default_date(cls):
        pool = Pool()
        Date = pool.get('ir.date')
        return Date.today()

    def get_rec_name(self, name):
        return '%s @ %s' % (self.tranche.rec_name, self.date)

    @classmethod
    def check_modification(
            cls, mode, disbursements, values=None, external=False):
        super().check_modification(
            mode, disbursements, values=values, external=external)
        if external:
            check_funder(disbursements, gettext(
                    'shakti_partner_grants.msg_action_change'))
        if mode == 'delete':
            cls.check_reported(disbursements)

    @classmethod
    def validate_fields(cls, disbursements, field_names):
        super().validate_fields(disbursements, field_names)
        if field_names and not (
                field_names & {'tranche', 'date', 'amount'}):
            return
        cls.check_dates(disbursements)
        cls.check_amounts(list({d.tranche for d in disbursements}))

    @classmethod
    def check_dates(cls, disbursements):
        pool = Pool()
        Date = pool.get('ir.date')
        today_ = Date.today()
        for disbursement in disbursements:
            tranche = disbursement.tranche
            if disbursement.date > today_:
                raise DisbursementError(gettext(
                        'shakti_partner_grants.msg_disbursement_future',
                        record=disbursement.rec_name,
                        date=disbursement.date))
            if (tranche.approval_date
                    and disbursement.date < tranche.approval_date):
                raise DisbursementError(gettext(
                        'shakti_partner_grants'
                        '.msg_disbursement_before_approval',
                        record=disbursement.rec_name,
                        date=disbursement.date,
                        approval_date=tranche.approval_date))

    @classmethod
    def check_amounts(cls, tranches, new=None):
        """Check the disbursements of each tranche, with the new amounts
        per tranche id, do not exceed it"""
        pool = Pool()
        Tranche = pool.get('shakti.grant.tranche')
        new = new or {}
        with without_check_access():
            lock_existing(tranches)
            amounts, _ = Tranche.disbursed(tranches)
        for tranche in tranches:
            total = amounts.get(tranche.id, Decimal(0)) + new.get(
                tranche.id, Decimal(0))
            if total > tranche.amount:
                raise DisbursementError(gettext(
                        'shakti_partner_grants.msg_disbursed_above_tranche',
                        record=tranche.rec_name,
                        disbursed=format_amount(total, tranche.currency),
                        amount=format_amount(
                            tranche.amount, tranche.currency)))

    @classmethod
    def create(cls, vlist):
        pool = Pool()
        Tranche = pool.get('shakti.grant.tranche')
        # Check before inserting, with the tranches locked, so that two
        # disbursements at once cannot both fit.
        new = defaultdict(Decimal)
        for values in vlist:
            if values.get('tranche') is not None and values.get('amount'):
                new[values['tranche']] += Decimal(str(values['amount']))
        with without_check_access():
            cls.check_amounts(Tranche.browse(list(new)), new)
        disbursements = super().create(vlist)
        Tranche.update_state(
            Tranche.browse(list({d.tranche.id for d in disbursements})))
        return disbursements

    @classmethod
    def delete(cls, disbursements):
        pool = Pool()
        Tranche = pool.get('shakti.grant.tranche')
        tranches = Tranche.browse(
            list({d.tranche.id for d in disbursements}))
        super().delete(disbursements)
        Tranche.update_state(tranches)

    @classmethod
    def check_reported(cls, deleted):
        """Check the utilisation reports submitted or accepted under the
        agreement of each deleted disbursement stay within the money that
        remains disbursed under it"""
        pool = Pool()
        Agreement = pool.get('shakti.grant.agreement')
        Utilisation = pool.get('shakti.grant.utilisation')
        Line = pool.get('shakti.grant.utilisation.line')
        utilisation = Utilisation.__table__()
        line = Line.__table__()

        agreements = Agreement.browse(
            sorted({d.tranche.agreement.id for d in deleted}))
        # Lock the agreements as a utilisation report being submitted
        # does, so that the reports counted here cannot grow meanwhile.
        with without_check_access():
            lock_existing(agreements)
        names, remaining = {}, defaultdict(Decimal)
        for disbursement in deleted:
            agreement_id = disbursement.tranche.agreement.id
            names.setdefault(agreement_id, disbursement.rec_name)
            remaining[agreement_id] -= disbursement.amount
        with Transaction().set_context(date=None), without_check_access():
            disbursed = Agreement.get_amounts(
                agreements, ['disbursed_amount'])['disbursed_amount']
        for agreement_id, amount in disbursed.items():
            remaining[agreement_id] += amount
        reported = sum_by(
            line.join(utilisation,
                condition=line.utilisation == utilisation.id),
            utilisation.agreement, line.amount, [a.id for a in agreements],
            where=utilisation.state.in_(['submitted', 'accepted']))
        for agreement in agreements:
            total = reported.get(agreement.id, Decimal(0))
            if total > remaining[agreement.id]:
                raise DisbursementError(gettext(
                        'shakti_partner_grants'
                        '.msg_disbursement_delete_reported',
                        record=names[agreement.id],
                        agreement=agreement.rec_name,
                        reported=format_amount(total, agreement.currency),
                        disbursed=format_amount(
                            remaining[agreement.id], agreement.currency)))
