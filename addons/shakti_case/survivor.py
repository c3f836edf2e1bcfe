# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import difflib
import hashlib
import logging
import re
import unicodedata

from trytond import backend
from trytond.i18n import gettext
from trytond.model import (
    Index, ModelSQL, ModelView, Unique, Workflow, fields, sequence_ordered)
from trytond.modules.shakti_base.model import OrganisationMixin
from trytond.pool import Pool
from trytond.pyson import Bool, Eval, If
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from .exceptions import SurvivorDuplicateWarning, SurvivorError

logger = logging.getLogger(__name__)

IDENTITY_DOCUMENT_TYPES = [
    ('aadhaar', "Aadhaar"),
    ('voter_id', "Voter ID (EPIC)"),
    ('ration_card', "Ration Card"),
    ('bank_account', "Bank Account"),
    ('birth_certificate', "Birth Certificate"),
    ('caste_certificate', "Caste Certificate"),
    ('job_card', "MGNREGA Job Card"),
    ('other', "Other"),
    ]
# Spellings that vary when a Bengali, Telugu or Hindi name is written in
# Latin letters, reduced to one form before names are compared.
_SPELLING_VARIANTS = [
    ('ee', 'i'), ('oo', 'u'), ('aa', 'a'), ('ou', 'u'), ('w', 'v'),
    ('ph', 'f'), ('bh', 'b'), ('dh', 'd'), ('gh', 'g'), ('jh', 'j'),
    ('kh', 'k'), ('th', 't'), ('sh', 's'), ('z', 'j'), ('y', 'i'),
    ('q', 'k'), ('ck', 'k'),
    ]
# The similarity (0 to 1) from which two names are taken for one.
DUPLICATE_NAME_RATIO = 0.85
CONSENT_PURPOSES = [
    ('case_management', "Case management and record keeping"),
    ('duty_bearers', "Sharing details with government offices"),
    ('family_engagement', "Engaging her family"),
    ('photographs', "Photographs and media"),
    ]


class Survivor(OrganisationMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'shakti.survivor'
    __string__ = "Survivor"
    _history = True
    _rec_name = 'code'
    _organisation_fields = {'social_worker'}

    _states = {
        'readonly': Eval('state') == 'closed',
        }

    code = fields.Char(
        "Case Code", readonly=True,
        help="The case code that identifies the survivor without her name.")
    name = fields.Char("Name", required=True, states=_states)
    date_of_birth = fields.Date("Date of Birth", states=_states)
    birth_year = fields.Integer(
        "Year of Birth", states=_states,
        help="Used when the exact date of birth is not known.")
    phone = fields.Char("Phone", states=_states)
    block = fields.Many2One(
        'shakti.place', "Block or Mandal", required=True,
        ondelete='RESTRICT',
        domain=[('type', 'in', ['block', 'mandal'])],
        states=_states)
    village = fields.Many2One(
        'shakti.place', "Village", ondelete='RESTRICT',
        domain=[
            ('type', 'in', ['gram_panchayat', 'village']),
            If(Eval('block'),
                ('parent', 'child_of', [Eval('block', -1)], 'parent'),
                ()),
            ],
        states=_states,
        help="The village or gram panchayat she lives in.")
    social_worker = fields.Many2One(
        'company.employee', "Social Worker", ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))],
        states=_states)
    registration_date = fields.Date(
        "Registration Date", required=True, states=_states)
    closing_date = fields.Date(
        "Closing Date", readonly=True)
    identity_documents = fields.One2Many(
        'shakti.survivor.identity_document', 'survivor',
        "Identity Documents", states=_states)
    consents = fields.One2Many(
        'shakti.survivor.consent', 'survivor', "Consents", states=_states)
    notes = fields.Text("Notes", states=_states)
    state = fields.Selection([
            ('open', "Open"),
            ('closed', "Closed"),
            ], "State", readonly=True, required=True, sort=False)

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('code_unique', Unique(t, t.code),
                'shakti_case.msg_survivor_code_unique'),
            ]
        cls._sql_indexes.update({
                Index(t, (t.block, Index.Range())),
                })
        cls._order = [('code', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('open', 'closed'),
            ('closed', 'open'),
            }
        cls._buttons.update({
                'close': {
                    'invisible': Eval('state') != 'open',
                    'depends': ['state'],
                    },
                'reopen': {
                    'invisible': Eval('state') != 'closed',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_registration_date(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def default_state(cls):
        return 'open'

    @classmethod
    def default_social_worker(cls):
        return Transaction().context.get('employee')

    @classmethod
    def search_rec_name(cls, name, clause):
        domain = [('code',) + tuple(clause[1:])]
        if cls.can_read_identity():
            domain = ['OR', domain, ('name',) + tuple(clause[1:])]
        return domain

    @classmethod
    def can_read_identity(cls):
        """Return whether the user may read the survivor's identifying fields.

        The result does not depend on whether access is being checked, so
        that a search by name never finds a survivor for a user who may not
        read her name."""
        pool = Pool()
        FieldAccess = pool.get('ir.model.field.access')

        if Transaction().user == 0:
            return True
        access = FieldAccess.get_access([cls.__name__])[cls.__name__]
        return bool(access.get('name', {}).get('read', True))

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Sequence = pool.get('ir.sequence.strict')
        ModelData = pool.get('ir.model.data')

        values = super().preprocess_values(mode, values)
        if mode == 'create':
            sequence = Sequence(ModelData.get_id(
                    'shakti_case', 'sequence_survivor'))
            values['code'] = sequence.get()
        return values

    @classmethod
    def check_modification(cls, mode, survivors, values=None,
            external=False):
        super().check_modification(
            mode, survivors, values=values, external=external)
        if mode == 'write' and external and values and 'code' in values:
            raise SurvivorError(
                gettext('shakti_case.msg_survivor_code_change'))

    @classmethod
    def copy(cls, survivors, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('code', None)
        default.setdefault('state', 'open')
        default.setdefault('closing_date', None)
        default.setdefault('consents', None)
        default.setdefault('identity_documents', None)
        return super().copy(survivors, default=default)

    @classmethod
    def validate_fields(cls, survivors, field_names):
        super().validate_fields(survivors, field_names)
        cls.check_birth(survivors, field_names)
        cls.check_registration(survivors, field_names)

    @classmethod
    def check_registration(cls, survivors, field_names=None):
        "Check registration is not in the future nor after her case records"
        pool = Pool()
        Date = pool.get('ir.date')
        Intake = pool.get('shakti.intake')
        Application = pool.get('shakti.application')

        if field_names and 'registration_date' not in field_names:
            return
        today = Date.today()
        earliest = {}
        for Model in [Intake, Application]:
            for record in Model.search([
                        ('survivor', 'in', [s.id for s in survivors]),
                        ], order=[('date', 'DESC')]):
                earliest[record.survivor.id] = record
        for survivor in survivors:
            if survivor.registration_date > today:
                raise SurvivorError(
                    gettext('shakti_case.msg_survivor_registration_future',
                        survivor=survivor.rec_name,
                        date=survivor.registration_date))
            record = earliest.get(survivor.id)
            if record and record.date < survivor.registration_date:
                raise SurvivorError(
                    gettext('shakti_case.msg_survivor_registration_after',
                        survivor=survivor.rec_name,
                        date=survivor.registration_date,
                        record=record.rec_name,
                        record_date=record.date))

    @classmethod
    def check_birth(cls, survivors, field_names=None):
        pool = Pool()
        Date = pool.get('ir.date')

        if field_names and not (
                field_names & {'date_of_birth', 'birth_year'}):
            return
        today = Date.today()
        for survivor in survivors:
            if survivor.date_of_birth and survivor.date_of_birth > today:
                raise SurvivorError(
                    gettext('shakti_case.msg_survivor_birth_future',
                        survivor=survivor.rec_name,
                        date=survivor.date_of_birth))
            if survivor.birth_year is not None and not (
                    1900 <= survivor.birth_year <= today.year):
                raise SurvivorError(
                    gettext('shakti_case.msg_survivor_birth_year',
                        survivor=survivor.rec_name,
                        year=survivor.birth_year))
            if (survivor.date_of_birth and survivor.birth_year
                    and survivor.date_of_birth.year != survivor.birth_year):
                raise SurvivorError(
                    gettext('shakti_case.msg_survivor_birth_mismatch',
                        survivor=survivor.rec_name,
                        date=survivor.date_of_birth,
                        year=survivor.birth_year))

    @classmethod
    def on_modification(cls, mode, survivors, field_names=None):
        super().on_modification(mode, survivors, field_names=field_names)
        if mode == 'create' or (mode == 'write'
                and field_names & {'name', 'birth_year', 'village'}):
            cls.check_duplicates(survivors)

    @classmethod
    def check_duplicates(cls, survivors):
        """Warn when a survivor may already be registered.

        All organisations are searched, closed cases included. A match in
        an organisation the user may not see is named by its organisation
        only, never by the survivor's code or details."""
        pool = Pool()
        Warning = pool.get('res.user.warning')
        User = pool.get('res.user')

        # Warnings are never raised to the root user, who loads data.
        if not Transaction().user:
            return
        companies = set(User.get_companies())
        for survivor, matches in cls.find_duplicates(survivors).items():
            if not matches:
                continue
            visible = [m for m in matches if m.company.id in companies]
            key = hashlib.sha256(repr((
                        normalise_name(survivor.name), survivor.birth_year,
                        survivor.village and survivor.village.id,
                        sorted(m.id for m in matches),
                        )).encode()).hexdigest()[:32]
            key = 'shakti_case.survivor_duplicate.%s' % key
            if not Warning.check(key):
                continue
            if visible:
                message = gettext(
                    'shakti_case.msg_survivor_duplicate_visible',
                    survivor=survivor.rec_name,
                    matches=', '.join(m.code for m in visible))
            else:
                organisation = matches[0].company
                # Repeated guesses show here: the warning confirms that a
                # similar survivor exists elsewhere.
                logger.info(
                    "user %s warned of a possible duplicate in "
                    "organisation %s", Transaction().user, organisation.id)
                message = gettext(
                    'shakti_case.msg_survivor_duplicate_other',
                    survivor=survivor.rec_name,
                    organisation=organisation.rec_name,
                    contact=_organisation_contact(organisation))
            raise SurvivorDuplicateWarning(key, message)

    @classmethod
    def find_duplicates(cls, survivors):
        """Return for each survivor the other survivors who may be her.

        A match has a similar name and either a year of birth within one
        year or the same village, and no year of birth two or more years
        apart."""
        table = cls.__table__()
        cursor = Transaction().connection.cursor()

        ids = {s.id for s in survivors}
        years, villages = set(), set()
        for survivor in survivors:
            if survivor.birth_year:
                years.update(range(
                        survivor.birth_year - 1, survivor.birth_year + 2))
            if survivor.village:
                villages.add(survivor.village.id)
        candidates = {}
        for column, values in [
                (table.birth_year, years), (table.village, villages)]:
            for sub_values in grouped_slice(
                    list(values), backend.MAX_QUERY_PARAMS):
                cursor.execute(*table.select(
                        table.id, table.name, table.birth_year,
                        table.village, table.company,
                        where=column.in_(list(sub_values))))
                candidates.update((r[0], r) for r in cursor)
        found = {}
        for survivor in survivors:
            key = normalise_name(survivor.name)
            matches = []
            if not key:
                found[survivor] = []
                continue
            for id_, name, year, village, _ in candidates.values():
                if id_ in ids:
                    continue
                close_year = (survivor.birth_year and year
                    and abs(survivor.birth_year - year) <= 1)
                far_year = (survivor.birth_year and year
                    and abs(survivor.birth_year - year) > 1)
                same_village = (survivor.village
                    and survivor.village.id == village)
                if far_year or not (close_year or same_village):
                    continue
                ratio = difflib.SequenceMatcher(
                    None, key, normalise_name(name)).ratio()
                if ratio >= DUPLICATE_NAME_RATIO:
                    matches.append(id_)
            found[survivor] = cls.browse(matches)
        return found

    @fields.depends('date_of_birth')
    def on_change_date_of_birth(self):
        if self.date_of_birth:
            self.birth_year = self.date_of_birth.year

    @fields.depends('village', 'block')
    def on_change_village(self):
        if self.village and self.village.block:
            self.block = self.village.block

    def has_consent(self, purpose, date=None):
        "Return whether the survivor's consent for purpose is in force"
        return any(c.purpose == purpose and c.in_force(date)
            for c in self.consents)

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, survivors):
        pool = Pool()
        Date = pool.get('ir.date')

        cls.write(survivors, {'closing_date': Date.today()})

    @classmethod
    @ModelView.button
    @Workflow.transition('open')
    def reopen(cls, survivors):
        cls.write(survivors, {'closing_date': None})


def normalise_name(name):
    "Return the name in one spelling for comparison, words in order"
    # Keep letters and their marks (the vowel signs of Indian scripts).
    # Drop accents on Latin letters, digits and punctuation.
    name = ''.join(
        c if unicodedata.category(c)[0] in 'LM' else ' '
        for c in unicodedata.normalize('NFKD', name or '').lower()
        if not unicodedata.name(c, '').startswith('COMBINING'))
    words = []
    for word in name.split():
        for variant, replacement in _SPELLING_VARIANTS:
            word = word.replace(variant, replacement)
        words.append(re.sub(r'(.)\1+', r'\1', word))
    return ' '.join(sorted(words))


def _organisation_contact(company):
    "Return how to reach an organisation, without a survivor's details"
    mechanisms = [m.value for m in company.party.contact_mechanisms
        if m.type in {'phone', 'mobile', 'email'}]
    return ', '.join(mechanisms) or company.party.full_name


class IdentityDocument(
        OrganisationMixin, sequence_ordered(), ModelSQL, ModelView):
    __name__ = 'shakti.survivor.identity_document'
    __string__ = "Survivor Identity Document"
    _history = True
    _organisation_parent = 'survivor'
    survivor = fields.Many2One(
        'shakti.survivor', "Survivor", required=True, ondelete='CASCADE')
    type = fields.Selection(
        IDENTITY_DOCUMENT_TYPES, "Type", required=True)
    status = fields.Selection([
            ('held', "Held"),
            ('applied', "Applied For"),
            ('missing', "Missing"),
            ], "Status", required=True)
    number = fields.Char(
        "Number", states={
            'invisible': Eval('status') != 'held',
            })

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('survivor')

    @classmethod
    def default_status(cls):
        return 'held'


class Consent(OrganisationMixin, ModelSQL, ModelView):
    __name__ = 'shakti.survivor.consent'
    __string__ = "Survivor Consent"
    _history = True
    _organisation_parent = 'survivor'
    _organisation_fields = {'recorded_by'}
    survivor = fields.Many2One(
        'shakti.survivor', "Survivor", required=True, ondelete='CASCADE')
    purpose = fields.Selection(CONSENT_PURPOSES, "Purpose", required=True)
    purpose_string = purpose.translated('purpose')
    given_date = fields.Date("Given On", required=True)
    withdrawn_date = fields.Date(
        "Withdrawn On",
        domain=[
            If(Bool(Eval('withdrawn_date')),
                ('withdrawn_date', '>=', Eval('given_date')),
                ()),
            ])
    recorded_by = fields.Many2One(
        'company.employee', "Recorded By", ondelete='RESTRICT')
    notes = fields.Text("Notes")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('survivor')
        cls._order = [('given_date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def default_given_date(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def default_recorded_by(cls):
        return Transaction().context.get('employee')

    def get_rec_name(self, name):
        return '%s: %s @ %s' % (
            self.survivor.rec_name, self.purpose_string, self.given_date)

    @classmethod
    def validate_fields(cls, consents, field_names):
        super().validate_fields(consents, field_names)
        cls.check_given_date(consents, field_names)

    @classmethod
    def check_given_date(cls, consents, field_names=None):
        pool = Pool()
        Date = pool.get('ir.date')

        if field_names and 'given_date' not in field_names:
            return
        today = Date.today()
        for consent in consents:
            if consent.given_date > today:
                raise SurvivorError(
                    gettext('shakti_case.msg_consent_given_future',
                        consent=consent.rec_name))

    def in_force(self, date=None):
        "Return whether the consent was given and not withdrawn on date"
        if date is None:
            date = Pool().get('ir.date').today()
        return (self.given_date <= date
            and (not self.withdrawn_date or self.withdrawn_date > date))
