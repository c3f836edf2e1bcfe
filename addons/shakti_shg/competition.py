# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from collections import defaultdict
from decimal import Decimal

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, Workflow, fields
from trytond.modules.currency.fields import Monetary
from trytond.modules.shakti_base.model import (
    LockedByParentMixin, OrganisationMixin, readonly_once_saved, sum_by)
from trytond.pool import Pool
from trytond.pyson import Bool, Eval, If
from trytond.tools import grouped_slice

from .enterprise import format_amount
from .exceptions import CompetitionError

SCORE_DIGITS = Decimal('0.01')
# The entries that take part in the ranking.
RANKED_STATES = {'submitted', 'scored'}


class Competition(OrganisationMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'shakti.shg.competition'
    __string__ = "Business Plan Competition"
    _history = True

    _states = {
        'readonly': Eval('state') != 'draft',
        }

    name = fields.Char("Name", required=True)
    year = fields.Integer("Year", required=True, states=_states)
    start_date = fields.Date("Start Date", required=True, states=_states)
    end_date = fields.Date(
        "End Date", required=True, states=_states,
        domain=[If(Bool(Eval('start_date')),
                ('end_date', '>=', Eval('start_date')),
                ())],
        help="The last day to submit an entry.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    max_award = Monetary(
        "Maximum Award", currency='currency', digits='currency',
        required=True, states=_states,
        help="The cap of each award: an award is the funding requested "
        "by the winning plan, at most this amount.")
    award_count = fields.Integer(
        "Number of Awards", required=True, states=_states,
        domain=[('award_count', '>=', 1)],
        help="The number of best ranked entries that win an award. "
        "Entries tied at the last awarded rank all win.")
    criteria = fields.One2Many(
        'shakti.shg.competition.criterion', 'competition', "Criteria",
        states=_states)
    jurors = fields.One2Many(
        'shakti.shg.competition.juror', 'competition', "Jury",
        states={
            'readonly': Eval('state') == 'closed',
            })
    entries = fields.One2Many(
        'shakti.shg.competition.entry', 'competition', "Entries",
        states={
            'readonly': Eval('state') == 'closed',
            })
    state = fields.Selection([
            ('draft', "Draft"),
            ('open', "Open"),
            ('closed', "Closed"),
            ], "Status", readonly=True, sort=False)
    total_awarded = fields.Function(
        Monetary("Total Awarded", currency='currency', digits='currency'),
        'get_total_awarded')

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.company.domain = [
            ('organisation_type', 'in', ['lead', 'partner']),
            ]
        cls.company.help = "The lead NGO or partner that organises it."
        cls._order = [('year', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'open'),
            ('open', 'draft'),
            ('open', 'closed'),
            ('closed', 'open'),
            }
        cls._buttons.update({
                'draft': {
                    'invisible': Eval('state') != 'open',
                    'depends': ['state'],
                    },
                'open': {
                    'invisible': ~Eval('state').in_(['draft', 'closed']),
                    'depends': ['state'],
                    },
                'close': {
                    'invisible': Eval('state') != 'open',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_award_count(cls):
        return 1

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    @classmethod
    def get_total_awarded(cls, competitions, name):
        pool = Pool()
        Entry = pool.get('shakti.shg.competition.entry')
        entry = Entry.__table__()

        ids = [c.id for c in competitions]
        totals = sum_by(entry, entry.competition, entry.award_amount, ids)
        return {c.id: c.currency.round(totals[c.id]) for c in competitions}

    def award(self, computed):
        "Return the award for the computed amount, capped by max_award"
        return self.currency.round(min(computed, self.max_award))

    @classmethod
    def validate_fields(cls, competitions, field_names):
        super().validate_fields(competitions, field_names)
        if field_names and 'max_award' not in field_names:
            return
        for competition in competitions:
            if competition.max_award <= 0:
                raise CompetitionError(gettext(
                        'shakti_shg.msg_competition_max_award_positive',
                        competition=competition.rec_name,
                        amount=format_amount(
                            competition.max_award, competition.currency)))

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, competitions):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('open')
    def open(cls, competitions):
        pool = Pool()
        Entry = pool.get('shakti.shg.competition.entry')

        for competition in competitions:
            if not competition.criteria:
                raise CompetitionError(gettext(
                        'shakti_shg.msg_competition_no_criteria',
                        competition=competition.rec_name))
        entries = [e for c in competitions for e in c.entries
            if e.state == 'scored']
        Entry.write(entries, {
                'state': 'submitted',
                'rank': None,
                'computed_amount': None,
                'award_amount': None,
                })

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, competitions):
        "Rank the submitted entries and award the best ranked"
        pool = Pool()
        Entry = pool.get('shakti.shg.competition.entry')

        to_write = []
        for competition in competitions:
            entries = [e for e in competition.entries
                if e.state in RANKED_STATES]
            ranks = Entry.compute_ranks(entries)
            for entry in entries:
                values = {
                    'state': 'scored',
                    'rank': ranks[entry.id],
                    'computed_amount': None,
                    'award_amount': None,
                    }
                if ranks[entry.id] <= competition.award_count:
                    computed = entry.plan.funding_requested
                    if computed is None:
                        computed = entry.plan.funding_gap()
                    values['computed_amount'] = computed
                    values['award_amount'] = competition.award(computed)
                to_write.extend(([entry], values))
        if to_write:
            Entry.write(*to_write)


class Criterion(LockedByParentMixin, OrganisationMixin, ModelSQL, ModelView):
    __name__ = 'shakti.shg.competition.criterion'
    __string__ = "Competition Criterion"
    _locked_by = {'competition': {'draft'}}
    _organisation_parent = 'competition'

    competition = fields.Many2One(
        'shakti.shg.competition', "Competition", required=True,
        ondelete='CASCADE')
    name = fields.Char("Name", required=True)
    weight = fields.Numeric(
        "Weight", digits=(16, 2), required=True,
        domain=[('weight', '>', 0)],
        help="The weights of a competition's criteria are scaled to add "
        "up to 100.")
    max_score = fields.Integer(
        "Maximum Score", required=True,
        domain=[('max_score', '>', 0)],
        help="The highest score a juror may give on this criterion.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        readonly_once_saved(cls.competition)
        cls.__access__.add('competition')
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.competition, Index.Range())))
        cls._order = [('competition', 'ASC'), ('id', 'ASC')]

    @classmethod
    def default_max_score(cls):
        return 10

    def get_rec_name(self, name):
        return '%s: %s' % (self.competition.rec_name, self.name)


class Juror(LockedByParentMixin, OrganisationMixin, ModelSQL, ModelView):
    __name__ = 'shakti.shg.competition.juror'
    __string__ = "Competition Juror"
    _locked_by = {'competition': {'draft', 'open'}}
    _organisation_parent = 'competition'
    _organisation_fields = {'employee'}

    competition = fields.Many2One(
        'shakti.shg.competition', "Competition", required=True,
        ondelete='CASCADE')
    employee = fields.Many2One(
        'company.employee', "Employee", ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))],
        states={
            'required': ~Eval('name'),
            },
        help="An employee of the organiser who sits on the jury.")
    name = fields.Char(
        "Name",
        states={
            'required': ~Eval('employee'),
            'invisible': Bool(Eval('employee')),
            },
        help="The name of a juror from outside the organiser.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        readonly_once_saved(cls.competition)
        cls.__access__.add('competition')
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.competition, Index.Range())))

    def get_rec_name(self, name):
        if self.employee:
            return self.employee.rec_name
        return self.name

    @classmethod
    def validate_fields(cls, jurors, field_names):
        super().validate_fields(jurors, field_names)
        if field_names and not (field_names & {'employee', 'name'}):
            return
        for juror in jurors:
            if not juror.employee and not juror.name:
                raise CompetitionError(gettext(
                        'shakti_shg.msg_juror_name_missing',
                        competition=juror.competition.rec_name))


class Entry(
        LockedByParentMixin, OrganisationMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'shakti.shg.competition.entry'
    __string__ = "Competition Entry"
    _locked_by = {'competition': {'draft', 'open'}}
    _history = True
    _organisation_parent = 'competition'
    _organisation_lower_fields = {'plan'}

    competition = fields.Many2One(
        'shakti.shg.competition', "Competition", required=True,
        ondelete='CASCADE')
    plan = fields.Many2One(
        'shakti.shg.business_plan', "Business Plan", required=True,
        ondelete='RESTRICT',
        states={
            'readonly': Eval('state') != 'interested',
            },
        help="A business plan of the organiser or of an organisation "
        "below it.")
    state = fields.Selection([
            ('interested', "Interested"),
            ('submitted', "Submitted"),
            ('withdrawn', "Withdrawn"),
            ('scored', "Scored"),
            ], "Status", readonly=True, sort=False)
    state_string = state.translated('state')
    scores = fields.One2Many(
        'shakti.shg.competition.score', 'entry', "Scores",
        states={
            'readonly': Eval('state') != 'submitted',
            })
    score = fields.Function(
        fields.Numeric(
            "Score", digits=(16, 2),
            help="The sum over the criteria of the weight, scaled to 100 "
            "in all, times the mean juror score over the maximum score."),
        'get_score')
    rank = fields.Integer(
        "Rank", readonly=True,
        help="The place by score when the competition closed; tied "
        "entries share a rank.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    computed_amount = Monetary(
        "Computed Award", currency='currency', digits='currency',
        readonly=True,
        help="The funding requested by the plan, when the entry wins.")
    award_amount = Monetary(
        "Award", currency='currency', digits='currency', readonly=True,
        help="The computed award, at most the competition's maximum.")
    outcome = fields.Selection([
            (None, ""),
            ('started', "Started"),
            ('running', "Running"),
            ('dropped', "Dropped"),
            ], "Outcome", sort=False,
        help="What became of the enterprise at the last follow-up.")
    outcome_date = fields.Date(
        "Follow-Up Date",
        states={
            'required': Bool(Eval('outcome')),
            })
    extra_credit = Monetary(
        "Extra Bank Credit", currency='currency', digits='currency',
        help="The bank credit the entrant obtained after the competition.")
    follow_up_notes = fields.Text("Follow-Up Notes")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        readonly_once_saved(cls.competition)
        cls.__access__.add('competition')
        t = cls.__table__()
        cls._sql_constraints = [
            ('competition_plan_unique', Unique(t, t.competition, t.plan),
                'shakti_shg.msg_entry_plan_unique'),
            ]
        cls._sql_indexes.update({
                Index(t, (t.competition, Index.Range())),
                Index(t, (t.plan, Index.Range())),
                })
        cls._order = [('rank', 'ASC NULLS LAST'), ('id', 'ASC')]
        cls._transitions |= {
            ('interested', 'submitted'),
            ('interested', 'withdrawn'),
            ('submitted', 'withdrawn'),
            ('withdrawn', 'interested'),
            }
        cls._buttons.update({
                'submit': {
                    'invisible': Eval('state') != 'interested',
                    'depends': ['state'],
                    },
                'withdraw': {
                    'invisible': ~Eval('state').in_(
                        ['interested', 'submitted']),
                    'depends': ['state'],
                    },
                'reinstate': {
                    'invisible': Eval('state') != 'withdrawn',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def check_parent_open(cls, entries, values=None):
        # The follow-up of the entrants is recorded after the competition.
        if values and set(values) <= {
                'outcome', 'outcome_date', 'extra_credit', 'follow_up_notes'}:
            return
        super().check_parent_open(entries, values)

    @classmethod
    def default_state(cls):
        return 'interested'

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    def get_rec_name(self, name):
        return '%s: %s' % (self.competition.rec_name, self.plan.rec_name)

    @classmethod
    def get_score(cls, entries, name):
        return cls.compute_scores(entries)

    @classmethod
    def compute_scores(cls, entries):
        """Return the score of each entry, rounded to 0.01.

        A criterion that no juror scored counts as 0."""
        pool = Pool()
        Score = pool.get('shakti.shg.competition.score')

        values = defaultdict(list)
        for sub_entries in grouped_slice(entries, backend.MAX_QUERY_PARAMS):
            for score in Score.search([
                        ('entry', 'in', [e.id for e in sub_entries]),
                        ]):
                values[(score.entry.id, score.criterion.id)].append(
                    score.value)
        result = {}
        for entry in entries:
            criteria = entry.competition.criteria
            total_weight = sum(c.weight for c in criteria)
            total = Decimal(0)
            for criterion in criteria:
                scores = values[(entry.id, criterion.id)]
                if not scores:
                    continue
                mean = sum(scores) / len(scores)
                total += (criterion.weight * 100 * mean
                    / (total_weight * criterion.max_score))
            result[entry.id] = total.quantize(SCORE_DIGITS)
        return result

    @classmethod
    def compute_ranks(cls, entries):
        """Return the rank of each entry by score, best first.

        Entries with the same score share a rank and the next rank is
        skipped: scores 90, 80, 80, 70 rank 1, 2, 2, 4."""
        scores = cls.compute_scores(entries)
        return {
            e.id: 1 + sum(1 for s in scores.values() if s > scores[e.id])
            for e in entries}

    @classmethod
    def validate_fields(cls, entries, field_names):
        super().validate_fields(entries, field_names)
        cls.check_follow_up(entries, field_names)

    @classmethod
    def check_follow_up(cls, entries, field_names=None):
        if field_names and 'extra_credit' not in field_names:
            return
        for entry in entries:
            if entry.extra_credit is not None and entry.extra_credit < 0:
                raise CompetitionError(gettext(
                        'shakti_shg.msg_entry_extra_credit_negative',
                        entry=entry.rec_name,
                        amount=format_amount(
                            entry.extra_credit, entry.currency)))

    @classmethod
    def check_modification(cls, mode, entries, values=None, external=False):
        super().check_modification(
            mode, entries, values=values, external=external)
        if mode == 'create':
            for entry in entries:
                if entry.competition.state == 'closed':
                    raise CompetitionError(gettext(
                            'shakti_shg.msg_entry_competition_closed',
                            competition=entry.competition.rec_name))

    @classmethod
    def copy(cls, entries, default=None):
        default = default.copy() if default is not None else {}
        for name in ['scores', 'rank', 'computed_amount', 'award_amount',
                'outcome', 'outcome_date', 'extra_credit']:
            default.setdefault(name)
        return super().copy(entries, default=default)

    @classmethod
    @ModelView.button
    @Workflow.transition('submitted')
    def submit(cls, entries):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('withdrawn')
    def withdraw(cls, entries):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('interested')
    def reinstate(cls, entries):
        pass


class Score(LockedByParentMixin, OrganisationMixin, ModelSQL, ModelView):
    __name__ = 'shakti.shg.competition.score'
    __string__ = "Competition Score"
    _locked_by = {'entry.competition': {'open'}}
    _organisation_parent = 'entry'
    _organisation_fields = {'juror', 'criterion'}

    entry = fields.Many2One(
        'shakti.shg.competition.entry', "Entry", required=True,
        ondelete='CASCADE')
    juror = fields.Many2One(
        'shakti.shg.competition.juror', "Juror", required=True,
        ondelete='CASCADE',
        domain=[('competition', '=',
                Eval('_parent_entry', {}).get('competition', -1))])
    criterion = fields.Many2One(
        'shakti.shg.competition.criterion', "Criterion", required=True,
        ondelete='CASCADE',
        domain=[('competition', '=',
                Eval('_parent_entry', {}).get('competition', -1))])
    value = fields.Numeric(
        "Score", digits=(16, 2), required=True,
        help="From 0 to the maximum score of the criterion.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        readonly_once_saved(cls.entry)
        cls.__access__.add('entry')
        t = cls.__table__()
        cls._sql_constraints = [
            ('entry_juror_criterion_unique',
                Unique(t, t.entry, t.juror, t.criterion),
                'shakti_shg.msg_score_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.entry, Index.Range())))

    def get_rec_name(self, name):
        return '%s / %s / %s' % (
            self.entry.plan.rec_name, self.juror.rec_name,
            self.criterion.name)

    @classmethod
    def validate_fields(cls, scores, field_names):
        super().validate_fields(scores, field_names)
        if field_names and not (
                field_names & {'entry', 'juror', 'criterion', 'value'}):
            return
        for score in scores:
            competition = score.entry.competition
            for target in [score.juror, score.criterion]:
                if target.competition != competition:
                    raise CompetitionError(gettext(
                            'shakti_shg.msg_score_other_competition',
                            score=score.rec_name,
                            value=target.rec_name,
                            competition=competition.rec_name))
            maximum = score.criterion.max_score
            if not (0 <= score.value <= maximum):
                raise CompetitionError(gettext(
                        'shakti_shg.msg_score_range',
                        score=score.rec_name,
                        value=score.value,
                        maximum=maximum))

    @classmethod
    def check_modification(cls, mode, scores, values=None, external=False):
        super().check_modification(
            mode, scores, values=values, external=external)
        if mode == 'delete':
            return
        for score in scores:
            if score.entry.state != 'submitted':
                raise CompetitionError(gettext(
                        'shakti_shg.msg_score_entry_not_submitted',
                        entry=score.entry.rec_name,
                        state=score.entry.state_string))
            if score.entry.competition.state != 'open':
                raise CompetitionError(gettext(
                        'shakti_shg.msg_score_competition_not_open',
                        competition=score.entry.competition.rec_name))
