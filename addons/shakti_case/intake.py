# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from collections import defaultdict

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.modules.shakti_base.model import OrganisationMixin
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from .exceptions import IntakeError

NEED_DOMAINS = [
    ('mental_health', "Mental Health"),
    ('physical_health', "Physical Health"),
    ('identity_documents', "Identity Documents"),
    ('social_protection', "Social Protection"),
    ('livelihood', "Livelihood"),
    ('legal', "Legal"),
    ('family', "Family"),
    ('housing', "Housing"),
    ('education', "Education"),
    ]
FILLED_BY = [
    ('social_worker', "Social Worker"),
    ('survivor_leader', "Survivor Leader"),
    ('survivor', "Survivor Herself"),
    ]


class Intake(OrganisationMixin, ModelSQL, ModelView):
    __name__ = 'shakti.intake'
    __string__ = "Case Intake"
    _history = True
    _organisation_parent = 'survivor'
    _organisation_fields = {'interviewer'}
    survivor = fields.Many2One(
        'shakti.survivor', "Survivor", required=True, ondelete='RESTRICT')
    date = fields.Date(
        "Date", required=True,
        help="The day the needs assessment was done, on paper or on screen.")
    filled_by = fields.Selection(
        FILLED_BY, "Filled By", required=True, sort=False,
        help="Who filled the assessment: the programme measures the handover "
        "of intakes to survivors and their leaders.")
    interviewer = fields.Many2One(
        'company.employee', "Interviewer", ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))],
        help="The staff member who did or supported the assessment.")
    paper_form = fields.Boolean(
        "Paper Form", help="Filled on paper first and typed in later.")
    version = fields.Function(
        fields.Integer("Version"), 'get_version')
    needs = fields.One2Many('shakti.intake.need', 'intake', "Needs")
    survivor_domains = fields.MultiSelection(
        NEED_DOMAINS, "Open to Survivor", sort=False,
        help="The need domains that the survivor may update herself on her "
        "pages: each save makes a new version filled by her.")

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
    def default_filled_by(cls):
        return 'social_worker'

    @classmethod
    def default_paper_form(cls):
        return True

    @classmethod
    def default_interviewer(cls):
        return Transaction().context.get('employee')

    @classmethod
    def default_needs(cls):
        return [{'domain': d, 'priority': 'none'} for d, _ in NEED_DOMAINS]

    @fields.depends('survivor', '_parent_survivor.company')
    def on_change_survivor(self):
        if self.survivor:
            # The client may send any id: never tell whose it is.
            self.survivor.check_read([self.survivor])
            self.company = self.survivor.company

    def get_rec_name(self, name):
        return '%s @ %s' % (self.survivor.rec_name, self.date)

    @classmethod
    def get_version(cls, intakes, name):
        "Number each intake of a survivor by date, the first being 1"
        table = cls.__table__()
        cursor = Transaction().connection.cursor()

        survivors = list({i.survivor.id for i in intakes})
        counts = defaultdict(int)
        versions = {}
        for sub_survivors in grouped_slice(
                survivors, backend.MAX_QUERY_PARAMS):
            cursor.execute(*table.select(
                    table.id, table.survivor,
                    where=fields.SQL_OPERATORS['in'](
                        table.survivor, sub_survivors),
                    order_by=[table.survivor, table.date, table.id]))
            for intake_id, survivor_id in cursor:
                counts[survivor_id] += 1
                versions[intake_id] = counts[survivor_id]
        return {i.id: versions.get(i.id) for i in intakes}

    @classmethod
    def validate_fields(cls, intakes, field_names):
        super().validate_fields(intakes, field_names)
        cls.check_date(intakes, field_names)

    @classmethod
    def check_date(cls, intakes, field_names=None):
        pool = Pool()
        Date = pool.get('ir.date')

        if field_names and not (field_names & {'date', 'survivor'}):
            return
        today = Date.today()
        for intake in intakes:
            if intake.date > today:
                raise IntakeError(
                    gettext('shakti_case.msg_intake_date_future',
                        intake=intake.rec_name, date=intake.date))
            registered = intake.survivor.registration_date
            if intake.date < registered:
                raise IntakeError(
                    gettext('shakti_case.msg_intake_before_registration',
                        intake=intake.rec_name,
                        date=intake.date,
                        survivor=intake.survivor.rec_name,
                        registration_date=registered))


class IntakeNeed(OrganisationMixin, ModelSQL, ModelView):
    __name__ = 'shakti.intake.need'
    __string__ = "Case Intake Need"
    _history = True
    _organisation_parent = 'intake'
    intake = fields.Many2One(
        'shakti.intake', "Intake", required=True, ondelete='CASCADE')
    domain = fields.Selection(
        NEED_DOMAINS, "Domain", required=True, sort=False)
    priority = fields.Selection([
            ('high', "High"),
            ('medium', "Medium"),
            ('low', "Low"),
            ('none', "No Need"),
            ], "Priority", required=True, sort=False)
    description = fields.Text(
        "Description",
        help="What the survivor said about this need.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('intake')
        t = cls.__table__()
        cls._sql_constraints += [
            ('intake_domain_unique', Unique(t, t.intake, t.domain),
                'shakti_case.msg_intake_need_domain_unique'),
            ]

    @classmethod
    def default_priority(cls):
        return 'none'

    def get_rec_name(self, name):
        # A Function field named domain_string would read as the domain
        # method of a field "string".
        domains = dict(self.fields_get(['domain'])['domain']['selection'])
        return '%s: %s' % (self.intake.rec_name, domains[self.domain])

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('intake.rec_name',) + tuple(clause[1:])]
