# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.modules.currency.fields import Monetary
from trytond.modules.shakti_base.model import (
    OrganisationMixin, lock_existing, sum_by)
from trytond.pool import Pool
from trytond.pyson import Bool, Eval, If

from .exceptions import CompensationError, LegalCaseError

STAGES = [
    ('complaint', "Complaint Filed"),
    ('investigation', "Under Investigation"),
    ('charge_sheet', "Charge Sheet Filed"),
    ('charges_framed', "Charges Framed"),
    ('evidence', "Evidence"),
    ('arguments', "Arguments"),
    ('judgment', "Judgment"),
    ('appeal', "Appeal"),
    ('closed', "Closed"),
    ]


class LegalCase(OrganisationMixin, ModelSQL, ModelView):
    __name__ = 'shakti.legal_case'
    __string__ = "Legal Case"
    _history = True
    _organisation_parent = 'survivor'

    survivor = fields.Many2One(
        'shakti.survivor', "Survivor", required=True, ondelete='RESTRICT')
    police_station = fields.Many2One(
        'shakti.office', "Police Station", ondelete='RESTRICT',
        domain=[('type', '=', 'police')])
    fir_number = fields.Char(
        "FIR Number", help="The number of the First Information Report.")
    fir_date = fields.Date("FIR Date")
    court = fields.Many2One(
        'shakti.office', "Court", ondelete='RESTRICT',
        domain=[('type', '=', 'court')])
    court_case_number = fields.Char("Court Case Number")
    stage = fields.Selection(STAGES, "Stage", required=True, sort=False)
    public_prosecutor = fields.Many2One(
        'shakti.duty_bearer', "Public Prosecutor", ondelete='RESTRICT')
    hearings = fields.One2Many(
        'shakti.legal_case.hearing', 'legal_case', "Hearings")
    next_hearing = fields.Function(
        fields.Date("Next Hearing"), 'get_next_hearing')
    notes = fields.Text("Notes")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.survivor, Index.Range())))
        cls._order = [('fir_date', 'DESC NULLS FIRST'), ('id', 'DESC')]

    @classmethod
    def default_stage(cls):
        return 'complaint'

    def get_rec_name(self, name):
        if self.court_case_number:
            return self.court_case_number
        if self.fir_number:
            return 'FIR %s' % self.fir_number
        return '(%s)' % self.id

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('court_case_number', operator, operand, *extra),
            ('fir_number', operator, operand, *extra),
            ]

    @classmethod
    def get_next_hearing(cls, legal_cases, name):
        """Return the earliest hearing date from today on.

        The next date set at the last past hearing counts too, for a
        hearing not recorded yet."""
        pool = Pool()
        Hearing = pool.get('shakti.legal_case.hearing')
        Date = pool.get('ir.date')

        today = Date.today()
        upcoming, announced = {}, {}
        hearings = Hearing.search([
                ('legal_case', 'in', [c.id for c in legal_cases]),
                ], order=[('date', 'ASC'), ('id', 'ASC')])
        for hearing in hearings:
            case_id = hearing.legal_case.id
            if hearing.date >= today:
                upcoming.setdefault(case_id, hearing.date)
            else:
                announced[case_id] = hearing.next_date
        result = {}
        for legal_case in legal_cases:
            dates = [d for d in [
                    upcoming.get(legal_case.id),
                    announced.get(legal_case.id)]
                if d and d >= today]
            result[legal_case.id] = min(dates, default=None)
        return result

    @classmethod
    def validate_fields(cls, legal_cases, field_names):
        super().validate_fields(legal_cases, field_names)
        cls.check_fir_date(legal_cases, field_names)

    @classmethod
    def check_fir_date(cls, legal_cases, field_names=None):
        pool = Pool()
        Date = pool.get('ir.date')

        if field_names and 'fir_date' not in field_names:
            return
        today = Date.today()
        for legal_case in legal_cases:
            if legal_case.fir_date and legal_case.fir_date > today:
                raise LegalCaseError(
                    gettext('shakti_case.msg_legal_case_fir_future',
                        legal_case=legal_case.rec_name,
                        date=legal_case.fir_date))


class Hearing(OrganisationMixin, ModelSQL, ModelView):
    __name__ = 'shakti.legal_case.hearing'
    __string__ = "Court Hearing"
    _history = True
    _organisation_parent = 'legal_case'

    legal_case = fields.Many2One(
        'shakti.legal_case', "Legal Case", required=True,
        ondelete='CASCADE')
    survivor = fields.Function(fields.Many2One(
            'shakti.survivor', "Survivor"),
        'on_change_with_survivor', searcher='search_survivor')
    date = fields.Date("Date", required=True)
    attended = fields.Boolean(
        "Attended", help="Whether the survivor attended the hearing.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    travel_support = Monetary(
        "Travel Support Paid", currency='currency', digits='currency',
        help="The travel costs paid to the survivor for the hearing.")
    next_date = fields.Date(
        "Next Hearing Date",
        domain=[
            If(Bool(Eval('next_date')),
                ('next_date', '>', Eval('date')),
                ()),
            ],
        help="The date the court set for the next hearing.")
    notes = fields.Text("Notes")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('legal_case')
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.legal_case, Index.Range())),
                Index(t, (t.date, Index.Range())),
                })
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def default_attended(cls):
        return False

    @fields.depends('legal_case', '_parent_legal_case.survivor')
    def on_change_with_survivor(self, name=None):
        return self.legal_case.survivor if self.legal_case else None

    @classmethod
    def search_survivor(cls, name, clause):
        return [('legal_case.' + clause[0],) + tuple(clause[1:])]

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    def get_rec_name(self, name):
        return '%s @ %s' % (self.legal_case.rec_name, self.date)

    @classmethod
    def validate_fields(cls, hearings, field_names):
        super().validate_fields(hearings, field_names)
        cls.check_held(hearings, field_names)

    @classmethod
    def check_held(cls, hearings, field_names=None):
        "Check attendance and travel support are only on past hearings"
        pool = Pool()
        Date = pool.get('ir.date')
        Lang = pool.get('ir.lang')

        if field_names and not (
                field_names & {'date', 'attended', 'travel_support'}):
            return
        today = Date.today()
        lang = Lang.get()
        for hearing in hearings:
            support = hearing.travel_support
            if support is not None and support < 0:
                raise LegalCaseError(
                    gettext('shakti_case.msg_hearing_travel_negative',
                        hearing=hearing.rec_name,
                        amount=lang.currency(
                            support, hearing.currency, grouping=True)))
            if hearing.date > today and (hearing.attended or support):
                raise LegalCaseError(
                    gettext('shakti_case.msg_hearing_future_held',
                        hearing=hearing.rec_name,
                        date=hearing.date))


class Compensation(OrganisationMixin, ModelSQL, ModelView):
    __name__ = 'shakti.compensation'
    __string__ = "Victim Compensation Order"
    _history = True
    _organisation_parent = 'survivor'
    _organisation_fields = {'legal_case', 'application'}

    survivor = fields.Many2One(
        'shakti.survivor', "Survivor", required=True, ondelete='RESTRICT')
    legal_case = fields.Many2One(
        'shakti.legal_case', "Legal Case", ondelete='RESTRICT',
        domain=[('survivor', '=', Eval('survivor', -1))])
    application = fields.Many2One(
        'shakti.application', "Application", ondelete='RESTRICT',
        domain=[
            ('survivor', '=', Eval('survivor', -1)),
            ('scheme.category', '=', 'compensation'),
            ],
        help="The application for victim compensation under the state "
        "scheme.")
    authority = fields.Many2One(
        'shakti.office', "Authority", required=True, ondelete='RESTRICT',
        domain=[('type', 'in', [
                    'legal_services', 'court', 'district_administration'])],
        help="The legal services authority or court that made the order.")
    reference = fields.Char("Order Reference")
    order_date = fields.Date("Order Date", required=True)
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    amount_approved = Monetary(
        "Amount Approved", currency='currency', digits='currency',
        required=True)
    disbursements = fields.One2Many(
        'shakti.compensation.disbursement', 'compensation',
        "Disbursements")
    amount_disbursed = fields.Function(Monetary(
            "Amount Disbursed", currency='currency', digits='currency'),
        'get_amounts')
    amount_outstanding = fields.Function(Monetary(
            "Outstanding Balance", currency='currency', digits='currency'),
        'get_amounts')
    days_since_approval = fields.Function(
        fields.Integer("Days Since Approval"), 'get_days_since_approval')
    notes = fields.Text("Notes")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.survivor, Index.Range())))
        cls._order = [('order_date', 'DESC'), ('id', 'DESC')]

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    @fields.depends('survivor', 'legal_case', 'application')
    def on_change_survivor(self):
        if self.legal_case and self.legal_case.survivor != self.survivor:
            self.legal_case = None
        if self.application and self.application.survivor != self.survivor:
            self.application = None

    def get_rec_name(self, name):
        if self.reference:
            return self.reference
        return '%s @ %s' % (self.survivor.rec_name, self.order_date)

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('reference', operator, operand, *extra),
            ('survivor.rec_name', operator, operand, *extra),
            ]

    @classmethod
    def sum_disbursed(cls, compensations):
        "Return the total disbursed of each compensation, by id"
        pool = Pool()
        Disbursement = pool.get('shakti.compensation.disbursement')
        disbursement = Disbursement.__table__()

        return sum_by(disbursement, disbursement.compensation,
            disbursement.amount, [c.id for c in compensations])

    @classmethod
    def get_amounts(cls, compensations, names):
        totals = cls.sum_disbursed(compensations)
        result = {n: {} for n in names}
        for compensation in compensations:
            disbursed = compensation.currency.round(
                totals[compensation.id])
            if 'amount_disbursed' in result:
                result['amount_disbursed'][compensation.id] = disbursed
            if 'amount_outstanding' in result:
                result['amount_outstanding'][compensation.id] = (
                    compensation.currency.round(
                        compensation.amount_approved - disbursed))
        return result

    @classmethod
    def get_days_since_approval(cls, compensations, name):
        pool = Pool()
        Date = pool.get('ir.date')

        today = Date.today()
        return {c.id: (today - c.order_date).days for c in compensations}

    @classmethod
    def validate_fields(cls, compensations, field_names):
        super().validate_fields(compensations, field_names)
        cls.check_order_date(compensations, field_names)
        cls.check_disbursed(compensations, field_names)

    @classmethod
    def check_order_date(cls, compensations, field_names=None):
        pool = Pool()
        Date = pool.get('ir.date')

        if field_names and 'order_date' not in field_names:
            return
        today = Date.today()
        for compensation in compensations:
            if compensation.order_date > today:
                raise CompensationError(
                    gettext('shakti_case.msg_compensation_order_future',
                        compensation=compensation.rec_name,
                        date=compensation.order_date))

    @classmethod
    def check_disbursed(cls, compensations, field_names=None):
        """Check the total disbursed is not above the amount approved.

        The orders are locked first, so that two transactions adding
        disbursements to one existing order are checked one after the
        other."""
        pool = Pool()
        Lang = pool.get('ir.lang')

        if field_names and 'amount_approved' not in field_names:
            return
        lock_existing(compensations)
        totals = cls.sum_disbursed(compensations)
        lang = Lang.get()
        for compensation in compensations:
            approved = compensation.amount_approved
            currency = compensation.currency
            if approved < 0:
                raise CompensationError(
                    gettext('shakti_case.msg_compensation_approved_negative',
                        compensation=compensation.rec_name,
                        amount=lang.currency(
                            approved, currency, grouping=True)))
            disbursed = totals[compensation.id]
            if disbursed > approved:
                raise CompensationError(
                    gettext('shakti_case.msg_compensation_over_approved',
                        compensation=compensation.rec_name,
                        disbursed=lang.currency(
                            disbursed, currency, grouping=True),
                        approved=lang.currency(
                            approved, currency, grouping=True)))


class Disbursement(OrganisationMixin, ModelSQL, ModelView):
    __name__ = 'shakti.compensation.disbursement'
    __string__ = "Victim Compensation Disbursement"
    _history = True
    _organisation_parent = 'compensation'

    compensation = fields.Many2One(
        'shakti.compensation', "Compensation Order", required=True,
        ondelete='CASCADE')
    date = fields.Date("Date", required=True)
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True)
    reference = fields.Char(
        "Reference", help="The bank transfer or cheque number.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('compensation')
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.compensation, Index.Range())))
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    def get_rec_name(self, name):
        return '%s @ %s' % (self.compensation.rec_name, self.date)

    @classmethod
    def validate_fields(cls, disbursements, field_names):
        pool = Pool()
        Compensation = pool.get('shakti.compensation')
        Date = pool.get('ir.date')
        Lang = pool.get('ir.lang')

        super().validate_fields(disbursements, field_names)
        today = Date.today()
        lang = Lang.get()
        for disbursement in disbursements:
            if disbursement.amount <= 0:
                raise CompensationError(
                    gettext('shakti_case.msg_disbursement_amount_positive',
                        disbursement=disbursement.rec_name,
                        amount=lang.currency(
                            disbursement.amount, disbursement.currency,
                            grouping=True)))
            compensation = disbursement.compensation
            if not (compensation.order_date <= disbursement.date <= today):
                raise CompensationError(
                    gettext('shakti_case.msg_disbursement_date',
                        disbursement=disbursement.rec_name,
                        date=disbursement.date,
                        order_date=compensation.order_date))
        if not field_names or field_names & {'amount', 'compensation'}:
            compensations = {d.compensation for d in disbursements}
            Compensation.check_disbursed(list(compensations))
