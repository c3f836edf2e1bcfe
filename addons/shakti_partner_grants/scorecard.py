# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from collections import defaultdict

from sql.aggregate import Count
from trytond import backend
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Index, Model, ModelSQL, ModelView, Unique, Workflow,
    fields, sequence_ordered)
from trytond.model.exceptions import AccessError
from trytond.modules.shakti_base.model import (
    LockedByParentMixin, OrganisationMixin, lock_existing, readonly_once_saved)
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access

from .common import check_funder, user_organisation
from .exceptions import ScorecardError

DIRECTIONS = [
    ('evaluation', "Evaluation"),
    ('feedback', "Feedback"),
    ]
RATINGS = [
    ('high', "High"),
    ('medium', "Medium"),
    ('low', "Low"),
    ]
# The fields of the rating scale, which a scorecard copies from its
# template and keeps once it is done.
SCALE_FIELDS = [
    'high_points', 'medium_points', 'low_points',
    'high_minimum', 'medium_minimum']


def compute_result(points, high_minimum, medium_minimum):
    "Return the result rating of a scorecard with points"
    if points >= high_minimum:
        return 'high'
    elif points >= medium_minimum:
        return 'medium'
    return 'low'


class ScaleMixin(Model):
    "The points of each rating and the minimum points of each result"
    __slots__ = ()
    high_points = fields.Integer(
        "High Points", required=True,
        help="The points that a criterion rated High adds.")
    medium_points = fields.Integer(
        "Medium Points", required=True,
        help="The points that a criterion rated Medium adds.")
    low_points = fields.Integer(
        "Low Points", required=True,
        help="The points that a criterion rated Low adds.")
    high_minimum = fields.Integer(
        "Minimum for High", required=True,
        help="The points from which the result is High.")
    medium_minimum = fields.Integer(
        "Minimum for Medium", required=True,
        help="The points from which the result is Medium. Below them, "
        "the result is Low.")

    def rating_points(self):
        "Return the points of each rating"
        return {
            'high': self.high_points,
            'medium': self.medium_points,
            'low': self.low_points,
            }


class Template(ScaleMixin, DeactivableMixin, ModelSQL, ModelView):
    "The criteria and thresholds of a kind of scorecard"
    __name__ = 'shakti.scorecard.template'
    __string__ = "Scorecard Template"

    name = fields.Char("Name", required=True, translate=True)
    direction = fields.Selection(
        DIRECTIONS, "Direction", required=True, sort=False,
        help="Evaluation: an organisation above rates an organisation "
        "below it.\n"
        "Feedback: an organisation rates the one above it that funds it.")
    criteria = fields.One2Many(
        'shakti.scorecard.template.criterion', 'template', "Criteria")
    description = fields.Text("Description", translate=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('name', 'ASC'), ('id', 'ASC')]

    @classmethod
    def default_direction(cls):
        return 'evaluation'

    @classmethod
    def default_high_points(cls):
        return 2

    @classmethod
    def default_medium_points(cls):
        return 1

    @classmethod
    def default_low_points(cls):
        return 0

    @classmethod
    def default_high_minimum(cls):
        return 20

    @classmethod
    def default_medium_minimum(cls):
        return 12

    @classmethod
    def validate_fields(cls, templates, field_names):
        super().validate_fields(templates, field_names)
        cls.check_scale(templates, field_names)

    @classmethod
    def check_scale(cls, templates, field_names=None):
        if field_names and not (field_names & set(SCALE_FIELDS)):
            return
        for template in templates:
            if not (template.high_points > template.medium_points
                    > template.low_points >= 0):
                raise ScorecardError(gettext(
                        'shakti_partner_grants.msg_template_points',
                        template=template.rec_name,
                        high=template.high_points,
                        medium=template.medium_points,
                        low=template.low_points))
            if not (template.high_minimum > template.medium_minimum >= 0):
                raise ScorecardError(gettext(
                        'shakti_partner_grants.msg_template_thresholds',
                        template=template.rec_name,
                        high=template.high_minimum,
                        medium=template.medium_minimum))

    @classmethod
    def check_modification(
            cls, mode, templates, values=None, external=False):
        pool = Pool()
        Scorecard = pool.get('shakti.scorecard')
        super().check_modification(
            mode, templates, values=values, external=external)
        if mode == 'write' and 'direction' in values:
            # The direction decides who writes the scorecards.
            changed = [t.id for t in templates
                if t.direction != values['direction']]
            with without_check_access():
                used = Scorecard.search([
                        ('template', 'in', changed),
                        ], limit=1)
            if used:
                scorecard, = used
                raise ScorecardError(gettext(
                        'shakti_partner_grants'
                        '.msg_template_direction_used',
                        template=scorecard.template.rec_name,
                        scorecard=scorecard.rec_name))

    @classmethod
    def on_modification(cls, mode, templates, field_names=None):
        pool = Pool()
        Scorecard = pool.get('shakti.scorecard')
        super().on_modification(mode, templates, field_names=field_names)
        if mode != 'write' or not (set(field_names) & set(SCALE_FIELDS)):
            return
        # The scorecards not done yet follow the scale of their template.
        to_write = []
        with without_check_access():
            drafts = Scorecard.search([
                    ('template', 'in', [t.id for t in templates]),
                    ('state', '=', 'draft'),
                    ], order=[])
            by_template = defaultdict(list)
            for scorecard in drafts:
                by_template[scorecard.template].append(scorecard)
            for template, scorecards in by_template.items():
                to_write.extend((scorecards, template.scale_values()))
            if to_write:
                Scorecard.write(*to_write)

    def scale_values(self):
        "Return the values of the scale fields of the template"
        return {n: getattr(self, n) for n in SCALE_FIELDS}


class TemplateCriterion(sequence_ordered(), ModelSQL, ModelView):
    "A criterion of a scorecard template"
    __name__ = 'shakti.scorecard.template.criterion'
    __string__ = "Scorecard Criterion"

    template = fields.Many2One(
        'shakti.scorecard.template', "Template", required=True,
        ondelete='CASCADE')
    name = fields.Char("Name", required=True, translate=True)
    description = fields.Text(
        "Description", translate=True,
        help="What the criterion looks at.")
    high_description = fields.Text(
        "High", translate=True, help="What a High rating means.")
    medium_description = fields.Text(
        "Medium", translate=True, help="What a Medium rating means.")
    low_description = fields.Text(
        "Low", translate=True, help="What a Low rating means.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        readonly_once_saved(cls.template)
        cls.__access__.add('template')
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.template, Index.Range())))

    def get_guidance(self):
        "Return the description and the meaning of each rating, one a line"
        lines = []
        if self.description:
            lines.append(self.description)
        for rating, string in RATINGS:
            meaning = getattr(self, '%s_description' % rating)
            if meaning:
                lines.append('%s: %s' % (string, meaning))
        return '\n'.join(lines)


class Scorecard(
        ScaleMixin, OrganisationMixin, Workflow, ModelSQL, ModelView):
    """A rating of an organisation on the criteria of a template.

    An evaluation rates the organisation, and the organisations above it
    write it. Feedback is the organisation's rating of its funder, the
    organisation directly above it, and the organisation itself writes
    it."""
    __name__ = 'shakti.scorecard'
    __string__ = "Scorecard"
    _history = True

    _states = {
        'readonly': Eval('state') != 'draft',
        }

    template = fields.Many2One(
        'shakti.scorecard.template', "Template", required=True,
        ondelete='RESTRICT')
    direction = fields.Function(
        fields.Selection(DIRECTIONS, "Direction"),
        'on_change_with_direction', searcher='search_direction')
    funder = fields.Function(
        fields.Many2One(
            'company.company', "Funder",
            help="The organisation directly above, which receives the "
            "feedback or funds the organisation rated."),
        'on_change_with_funder', searcher='search_funder')
    company_places = fields.Function(
        fields.Many2Many('shakti.place', None, None, "Working Areas"),
        'on_change_with_company_places')
    block = fields.Many2One(
        'shakti.place', "Block or Mandal", ondelete='RESTRICT',
        domain=[
            ('type', 'in', ['block', 'mandal']),
            ('id', 'in', Eval('company_places', [])),
            ],
        states=_states,
        help="The block or mandal rated, among the working areas of the "
        "organisation.")
    start_date = fields.Date(
        "Start Date", required=True, states=_states,
        domain=[If(Eval('end_date'),
                ('start_date', '<=', Eval('end_date')),
                ())],
        help="The first day of the period rated.")
    end_date = fields.Date(
        "End Date", required=True, states=_states,
        domain=[If(Eval('start_date'),
                ('end_date', '>=', Eval('start_date')),
                ())],
        help="The last day of the period rated.")
    lines = fields.One2Many(
        'shakti.scorecard.line', 'scorecard', "Ratings", states=_states,
        help="One rating per criterion of the template, listed when the "
        "scorecard is saved.")
    high_count = fields.Function(
        fields.Integer("High"), 'get_counts')
    medium_count = fields.Function(
        fields.Integer("Medium"), 'get_counts')
    low_count = fields.Function(
        fields.Integer("Low"), 'get_counts')
    unrated_count = fields.Function(
        fields.Integer("Not Rated"), 'get_counts')
    points = fields.Function(
        fields.Integer(
            "Points", help="The sum of the points of the ratings."),
        'get_counts')
    result = fields.Function(
        fields.Selection(
            [(None, "")] + RATINGS, "Result",
            help="High or Medium from the minimum points of the scale, "
            "and Low below them. Shown once every criterion is rated."),
        'get_counts')
    notes = fields.Text("Notes", states=_states)
    completed_by = fields.Many2One(
        'res.user', "Completed By", readonly=True)
    completion_date = fields.Date("Completion Date", readonly=True)
    state = fields.Selection([
            ('draft', "Draft"),
            ('done', "Done"),
            ], "State", readonly=True, sort=False)

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        readonly_once_saved(cls.template)
        cls.company.domain = [('parent', '!=', None)]
        cls.company.help = (
            "The organisation rated by an evaluation, or the organisation "
            "that gives the feedback.")
        for name in SCALE_FIELDS:
            field = getattr(cls, name)
            field.readonly = True
            field.required = False
            field.help += " Copied from the template, and kept once done."
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.template, Index.Range())),
                Index(t, (t.state, Index.Equality(cardinality='low'))),
                })
        cls._order = [('end_date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'done'),
            ('done', 'draft'),
            }
        cls._buttons.update({
                'draft': {
                    'invisible': Eval('state') != 'done',
                    'depends': ['state'],
                    },
                'done': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @fields.depends('template')
    def on_change_with_direction(self, name=None):
        return self.template.direction if self.template else None

    @classmethod
    def search_direction(cls, name, clause):
        return [('template.direction', *clause[1:])]

    @fields.depends('company')
    def on_change_with_funder(self, name=None):
        return self.company.parent if self.company else None

    @classmethod
    def search_funder(cls, name, clause):
        return [('company.parent' + clause[0][len(name):], *clause[1:])]

    @fields.depends('company')
    def on_change_with_company_places(self, name=None):
        if not self.company:
            return []
        return [p.id for p in self.company.places
            if p.type in {'block', 'mandal'}]

    def get_rec_name(self, name):
        subject = self.company.rec_name
        if self.block:
            subject = '%s, %s' % (subject, self.block.name)
        return '%s: %s (%s to %s)' % (
            self.template.rec_name, subject, self.start_date, self.end_date)

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, value = clause
        bool_op = 'AND' if operator.startswith('!') else 'OR'
        return [bool_op,
            ('template.name', operator, value),
            ('company.rec_name', operator, value),
            ('block.name', operator, value),
            ]

    @classmethod
    def count_ratings(cls, scorecards):
        """Return, per scorecard id, the number of lines of each rating,
        counting the lines not rated under None"""
        pool = Pool()
        Line = pool.get('shakti.scorecard.line')
        line = Line.__table__()
        cursor = Transaction().connection.cursor()
        in_ = fields.SQL_OPERATORS['in']

        counts = defaultdict(lambda: defaultdict(int))
        ids = [s.id for s in scorecards]
        for sub_ids in grouped_slice(ids, backend.MAX_QUERY_PARAMS):
            cursor.execute(*line.select(
                    line.scorecard, line.rating, Count(line.id),
                    where=in_(line.scorecard, sub_ids),
                    group_by=[line.scorecard, line.rating]))
            for scorecard_id, rating, count in cursor:
                counts[scorecard_id][rating] = count
        return counts

    @classmethod
    def get_counts(cls, scorecards, names):
        counts = cls.count_ratings(scorecards)
        result = {n: {} for n in names}
        for scorecard in scorecards:
            ratings = counts[scorecard.id]
            values = {
                'high_count': ratings['high'],
                'medium_count': ratings['medium'],
                'low_count': ratings['low'],
                'unrated_count': ratings[None],
                'points': None,
                'result': None,
                }
            if scorecard.high_points is not None:
                points = scorecard.rating_points()
                values['points'] = sum(
                    points[r] * ratings[r] for r, _ in RATINGS)
                if not ratings[None] and any(ratings.values()):
                    values['result'] = compute_result(
                        values['points'], scorecard.high_minimum,
                        scorecard.medium_minimum)
            for name in names:
                result[name][scorecard.id] = values[name]
        return result

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Template = pool.get('shakti.scorecard.template')
        values = super().preprocess_values(mode, values)
        if mode == 'create' and values.get('template') is not None:
            template = Template(values['template'])
            for name, value in template.scale_values().items():
                if values.get(name) is None:
                    values[name] = value
        return values

    @classmethod
    def create(cls, vlist):
        scorecards = super().create(vlist)
        cls.add_missing_lines(scorecards)
        return scorecards

    @classmethod
    def add_missing_lines(cls, scorecards):
        "Add a line for each criterion of the template that has none"
        pool = Pool()
        Line = pool.get('shakti.scorecard.line')
        to_create = []
        for scorecard in scorecards:
            present = {l.criterion for l in scorecard.lines}
            for criterion in scorecard.template.criteria:
                if criterion not in present:
                    to_create.append({
                            'scorecard': scorecard.id,
                            'criterion': criterion.id,
                            })
        if to_create:
            Line.create(to_create)

    @classmethod
    def copy(cls, scorecards, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('lines')
        default.setdefault('completed_by')
        return super().copy(scorecards, default=default)

    @classmethod
    def check_funder_exists(cls, scorecards):
        """Check that the organisation of each scorecard still has an
        organisation above it"""
        for scorecard in scorecards:
            if not scorecard.company.parent:
                raise ScorecardError(gettext(
                        'shakti_partner_grants.msg_scorecard_no_funder',
                        record=scorecard.rec_name,
                        organisation=scorecard.company.rec_name))

    @classmethod
    def check_writer(cls, scorecards, action):
        """Raise AccessError unless the user may write the scorecards.

        The users of an organisation above the one rated write an
        evaluation, and the users of the organisation that gives it write
        feedback. Root passes."""
        check_funder(
            [s for s in scorecards if s.direction == 'evaluation'], action)
        if not Transaction().user:
            return
        organisation = user_organisation()
        for scorecard in scorecards:
            if (scorecard.direction == 'feedback'
                    and organisation != scorecard.company):
                raise AccessError(gettext(
                        'shakti_partner_grants.msg_scorecard_feedback_own',
                        action=action,
                        record=scorecard.rec_name,
                        organisation=scorecard.company.rec_name,
                        user_organisation=(
                            organisation.rec_name if organisation else '-')))

    @classmethod
    def check_modification(
            cls, mode, scorecards, values=None, external=False):
        super().check_modification(
            mode, scorecards, values=values, external=external)
        if external:
            cls.check_writer(scorecards, gettext(
                    'shakti_partner_grants.msg_action_change'))
        if mode == 'delete':
            for scorecard in scorecards:
                if scorecard.state != 'draft':
                    raise ScorecardError(gettext(
                            'shakti_partner_grants.msg_scorecard_delete',
                            record=scorecard.rec_name))

    @classmethod
    def check_rated(cls, scorecards):
        "Check every criterion of the template of the scorecards is rated"
        for scorecard in scorecards:
            if not scorecard.template.criteria:
                raise ScorecardError(gettext(
                        'shakti_partner_grants.msg_scorecard_no_criteria',
                        record=scorecard.rec_name,
                        template=scorecard.template.rec_name))
            rated = {l.criterion for l in scorecard.lines if l.rating}
            for criterion in scorecard.template.criteria:
                if criterion not in rated:
                    raise ScorecardError(gettext(
                            'shakti_partner_grants.msg_scorecard_unrated',
                            record=scorecard.rec_name,
                            criterion=criterion.name))

    @classmethod
    @ModelView.button
    @Workflow.transition('done')
    def done(cls, scorecards):
        pool = Pool()
        Date = pool.get('ir.date')
        cls.check_writer(scorecards, gettext(
                'shakti_partner_grants.msg_action_complete'))
        # A rating changed at the same time waits for the lock, so the
        # check reads the ratings the scorecard is completed with.
        lock_existing(scorecards)
        cls.check_funder_exists(scorecards)
        cls.check_rated(scorecards)
        cls.write(scorecards, {
                'completed_by': Transaction().user,
                'completion_date': Date.today(),
                })

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, scorecards):
        cls.check_writer(scorecards, gettext(
                'shakti_partner_grants.msg_action_draft'))
        to_write = []
        for scorecard in scorecards:
            # A scorecard back in draft follows its template again.
            to_write.extend(([scorecard], dict(
                        scorecard.template.scale_values(),
                        completed_by=None,
                        completion_date=None)))
        if to_write:
            cls.write(*to_write)


class ScorecardLine(
        LockedByParentMixin, OrganisationMixin, ModelSQL, ModelView):
    "The rating of a scorecard on one criterion"
    __name__ = 'shakti.scorecard.line'
    __string__ = "Scorecard Rating"
    _organisation_parent = 'scorecard'
    _locked_by = {'scorecard': {'draft'}}

    scorecard = fields.Many2One(
        'shakti.scorecard', "Scorecard", required=True, ondelete='CASCADE')
    criterion = fields.Many2One(
        'shakti.scorecard.template.criterion', "Criterion", required=True,
        ondelete='RESTRICT',
        domain=[
            ('template', '=',
                Eval('_parent_scorecard', {}).get('template', -1)),
            ])
    sequence = fields.Integer("Sequence", readonly=True)
    name = fields.Char(
        "Name", readonly=True,
        help="The name of the criterion when the rating was added.")
    rating = fields.Selection(
        [(None, "")] + RATINGS, "Rating", sort=False)
    rating_string = rating.translated('rating')
    note = fields.Text("Note", help="What the rating is based on.")
    guidance = fields.Function(
        fields.Text(
            "Guidance",
            help="What the criterion looks at and what each rating "
            "means."),
        'get_guidance')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        readonly_once_saved(cls.scorecard)
        readonly_once_saved(cls.criterion)
        cls.__access__.add('scorecard')
        t = cls.__table__()
        cls._sql_constraints += [
            ('scorecard_criterion_unique',
                Unique(t, t.scorecard, t.criterion),
                'shakti_partner_grants.msg_scorecard_line_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.scorecard, Index.Range())))
        cls._order = [
            ('scorecard', 'ASC'), ('sequence', 'ASC NULLS LAST'),
            ('id', 'ASC')]

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Criterion = pool.get('shakti.scorecard.template.criterion')
        values = super().preprocess_values(mode, values)
        if mode == 'create' and values.get('criterion') is not None:
            criterion = Criterion(values['criterion'])
            values['name'] = criterion.name
            values['sequence'] = criterion.sequence
        return values

    def get_rec_name(self, name):
        return '%s / %s' % (self.scorecard.rec_name, self.name)

    @classmethod
    def get_guidance(cls, lines, name):
        return {l.id: l.criterion.get_guidance() for l in lines}

    @classmethod
    def check_modification(cls, mode, lines, values=None, external=False):
        pool = Pool()
        Scorecard = pool.get('shakti.scorecard')
        super().check_modification(
            mode, lines, values=values, external=external)
        scorecards = {l.scorecard for l in lines}
        if values and values.get('scorecard') is not None:
            scorecards.add(Scorecard(values['scorecard']))
        scorecards = list(scorecards)
        # Wait for a scorecard being completed, which checks its ratings.
        lock_existing(scorecards)
        if external:
            Scorecard.check_writer(scorecards, gettext(
                    'shakti_partner_grants.msg_action_change'))
