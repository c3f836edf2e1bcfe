# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.modules.shakti_base.model import OrganisationMixin
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .exceptions import CounsellingError

# The maximum score and the standard severity bands, as (lowest score of
# the band, band), of the Patient Health Questionnaire (PHQ-9) and of the
# Generalized Anxiety Disorder scale (GAD-7).
PHQ9_MAXIMUM = 27
PHQ9_BANDS = [
    (0, 'minimal'),
    (5, 'mild'),
    (10, 'moderate'),
    (15, 'moderately_severe'),
    (20, 'severe'),
    ]
GAD7_MAXIMUM = 21
GAD7_BANDS = [
    (0, 'minimal'),
    (5, 'mild'),
    (10, 'moderate'),
    (15, 'severe'),
    ]
SEVERITIES = [
    (None, ""),
    ('minimal', "Minimal"),
    ('mild', "Mild"),
    ('moderate', "Moderate"),
    ('moderately_severe', "Moderately Severe"),
    ('severe', "Severe"),
    ]
# The score fields with their maximum and bands, and their severity field.
SCORES = {
    'phq9_score': (PHQ9_MAXIMUM, PHQ9_BANDS, 'phq9_severity'),
    'gad7_score': (GAD7_MAXIMUM, GAD7_BANDS, 'gad7_severity'),
    }


def severity(score, bands):
    "Return the severity band of score, or None without a score"
    if score is None:
        return None
    result = None
    for lowest, band in bands:
        if score >= lowest:
            result = band
    return result


class Session(OrganisationMixin, ModelSQL, ModelView):
    __name__ = 'shakti.counselling.session'
    __string__ = "Counselling Session"
    _history = True
    _organisation_parent = 'survivor'
    _organisation_fields = {'counsellor'}

    survivor = fields.Many2One(
        'shakti.survivor', "Survivor", required=True, ondelete='RESTRICT',
        help="Each survivor at a group or peer session has her own session "
        "record, so that her notes and scores stay her own.")
    kind = fields.Selection([
            ('individual', "Individual"),
            ('group', "Group"),
            ('peer', "Peer Support"),
            ], "Kind", required=True, sort=False)
    group_reference = fields.Char(
        "Group Reference",
        states={
            'invisible': Eval('kind') == 'individual',
            },
        help="The same reference on the session record of each survivor "
        "who attended one group or peer session.")
    counsellor = fields.Many2One(
        'company.employee', "Counsellor", ondelete='RESTRICT',
        domain=[
            ('company', 'parent_of', [Eval('company', -1)], 'parent'),
            ],
        help="The counsellor who led the session, if any: a survivor "
        "leader may lead peer support alone.")
    date = fields.Date("Date", required=True)
    duration = fields.Integer(
        "Duration", help="The length of the session in minutes.")
    notes = fields.Text("Notes")
    phq9_score = fields.Integer(
        "PHQ-9 Score",
        help="The Patient Health Questionnaire depression score, "
        "from 0 to 27.")
    phq9_severity = fields.Function(fields.Selection(
            SEVERITIES, "PHQ-9 Severity"), 'get_severities')
    gad7_score = fields.Integer(
        "GAD-7 Score",
        help="The Generalized Anxiety Disorder scale score, from 0 to 21.")
    gad7_severity = fields.Function(fields.Selection(
            SEVERITIES, "GAD-7 Severity"), 'get_severities')
    referral = fields.Boolean(
        "Referred to a Psychologist")
    referral_to = fields.Char(
        "Psychologist",
        states={
            'invisible': ~Eval('referral'),
            },
        help="The psychologist or clinic the survivor was referred to.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.survivor, Index.Range())))
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def default_kind(cls):
        return 'individual'

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def default_counsellor(cls):
        return Transaction().context.get('employee')

    @classmethod
    def default_referral(cls):
        return False

    @fields.depends('phq9_score')
    def on_change_with_phq9_severity(self):
        return severity(self.phq9_score, PHQ9_BANDS)

    @fields.depends('gad7_score')
    def on_change_with_gad7_severity(self):
        return severity(self.gad7_score, GAD7_BANDS)

    @classmethod
    def get_severities(cls, sessions, names):
        result = {}
        for score_name, (_, bands, name) in SCORES.items():
            if name in names:
                result[name] = {
                    s.id: severity(getattr(s, score_name), bands)
                    for s in sessions}
        return result

    def get_rec_name(self, name):
        return '%s @ %s' % (self.survivor.rec_name, self.date)

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('survivor.rec_name',) + tuple(clause[1:])]

    @classmethod
    def validate_fields(cls, sessions, field_names):
        super().validate_fields(sessions, field_names)
        cls.check_scores(sessions, field_names)
        cls.check_date(sessions, field_names)
        cls.check_duration(sessions, field_names)

    @classmethod
    def check_scores(cls, sessions, field_names=None):
        if field_names and not (field_names & SCORES.keys()):
            return
        for session in sessions:
            for name, (maximum, _, _) in SCORES.items():
                score = getattr(session, name)
                if score is not None and not (0 <= score <= maximum):
                    raise CounsellingError(
                        gettext('shakti_case.msg_counselling_score_range',
                            session=session.rec_name,
                            field=cls.__names__(name)['field'],
                            score=score,
                            maximum=maximum))

    @classmethod
    def check_date(cls, sessions, field_names=None):
        pool = Pool()
        Date = pool.get('ir.date')

        if field_names and not (field_names & {'date', 'survivor'}):
            return
        today = Date.today()
        for session in sessions:
            if session.date > today:
                raise CounsellingError(
                    gettext('shakti_case.msg_counselling_date_future',
                        session=session.rec_name,
                        date=session.date))
            registration_date = session.survivor.registration_date
            if session.date < registration_date:
                raise CounsellingError(
                    gettext(
                        'shakti_case.msg_counselling_before_registration',
                        session=session.rec_name,
                        date=session.date,
                        survivor=session.survivor.rec_name,
                        registration_date=registration_date))

    @classmethod
    def check_duration(cls, sessions, field_names=None):
        if field_names and 'duration' not in field_names:
            return
        for session in sessions:
            if session.duration is not None and session.duration <= 0:
                raise CounsellingError(
                    gettext('shakti_case.msg_counselling_duration',
                        session=session.rec_name,
                        duration=session.duration))
