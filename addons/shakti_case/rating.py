# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from collections import defaultdict

from trytond import backend
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Index, Model, ModelSingleton, ModelSQL, ModelView,
    Unique, fields, sequence_ordered)
from trytond.modules.shakti_base.model import OrganisationMixin
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from .exceptions import RatingError

ASPECTS = [
    ('conduct', "Conduct of the Official"),
    ('scheme', "Quality of the Scheme"),
    ]
RATED_BY = [
    ('social_worker', "Social Worker"),
    ('survivor_leader', "Survivor Leader"),
    ('survivor', "Survivor Herself"),
    ]
# The scores a criterion describes with an anchor text.
ANCHORS = [2, 5, 8, 10]
MIN_SCORE, MAX_SCORE = 1, 10


class Configuration(ModelSingleton, ModelSQL, ModelView):
    __name__ = 'shakti.case.configuration'
    __string__ = "Case Configuration"
    rating_minimum_count = fields.Integer(
        "Minimum Ratings", required=True,
        domain=[('rating_minimum_count', '>=', 1)],
        help="The number of ratings a duty bearer or an office needs "
        "before its average scores are shown.")

    @classmethod
    def default_rating_minimum_count(cls):
        return 5


class RatedMixin(Model):
    """Average rating scores per aspect of the records named by the ratings'
    ``_rating_field``, over the ratings of every organisation."""
    __slots__ = ()
    conduct_average = fields.Function(fields.Float(
            "Conduct Average", digits=(3, 2),
            help="The mean conduct score of the ratings, shown from the "
            "minimum number of ratings set in the case configuration."),
        'get_rating_averages')
    conduct_count = fields.Function(fields.Integer(
            "Conduct Ratings",
            help="The number of ratings with conduct scores, in every "
            "organisation."),
        'get_rating_averages')
    scheme_average = fields.Function(fields.Float(
            "Scheme Average", digits=(3, 2),
            help="The mean scheme score of the ratings, shown from the "
            "minimum number of ratings set in the case configuration."),
        'get_rating_averages')
    scheme_count = fields.Function(fields.Integer(
            "Scheme Ratings",
            help="The number of ratings with scheme scores, in every "
            "organisation."),
        'get_rating_averages')
    _rating_field = None

    @classmethod
    def get_rating_averages(cls, records, names):
        pool = Pool()
        Rating = pool.get('shakti.rating')
        Configuration = pool.get('shakti.case.configuration')

        minimum = Configuration(1).rating_minimum_count
        scores = Rating.get_aspect_scores(
            cls._rating_field, [r.id for r in records])
        result = {n: {} for n in names}
        for record in records:
            for aspect, _ in ASPECTS:
                values = scores[record.id][aspect]
                count = len(values)
                average = None
                if count and count >= minimum:
                    average = round(sum(values) / count, 2)
                average_name = '%s_average' % aspect
                count_name = '%s_count' % aspect
                if average_name in result:
                    result[average_name][record.id] = average
                if count_name in result:
                    result[count_name][record.id] = count
        return result


class Criterion(
        DeactivableMixin, sequence_ordered(), ModelSQL, ModelView):
    __name__ = 'shakti.rating.criterion'
    __string__ = "Rating Criterion"
    code = fields.Char("Code", required=True, strip=True)
    name = fields.Char("Name", required=True, translate=True)
    aspect = fields.Selection(
        ASPECTS, "Aspect", required=True, sort=False,
        help="Whether the criterion rates the official or the benefit.")
    description = fields.Text(
        "Description", translate=True,
        help="The question the rater answers.")
    anchor_2 = fields.Text(
        "Score 2", required=True, translate=True,
        help="What a score of 2 means.")
    anchor_5 = fields.Text(
        "Score 5", required=True, translate=True,
        help="What a score of 5 means.")
    anchor_8 = fields.Text(
        "Score 8", required=True, translate=True,
        help="What a score of 8 means.")
    anchor_10 = fields.Text(
        "Score 10", required=True, translate=True,
        help="What a score of 10 means.")
    rubric = fields.Function(fields.Text("Rubric"), 'get_rubric')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('code_unique', Unique(t, t.code),
                'shakti_case.msg_rating_criterion_code_unique'),
            ]

    def get_rubric(self, name=None):
        "Return the anchor texts, one line per anchored score"
        lines = []
        if self.description:
            lines.append(self.description)
        for score in ANCHORS:
            anchor = getattr(self, 'anchor_%s' % score)
            lines.append('%s: %s' % (score, anchor))
        return '\n'.join(lines)


class Rating(OrganisationMixin, ModelSQL, ModelView):
    __name__ = 'shakti.rating'
    __string__ = "Duty Bearer Rating"
    _history = True
    _organisation_parent = 'follow_up'
    follow_up = fields.Many2One(
        'shakti.application.follow_up', "Follow-up", required=True,
        ondelete='RESTRICT',
        states={
            'readonly': Eval('id', -1) >= 0,
            },
        help="The visit to the office after which the rating is made.")
    duty_bearer = fields.Many2One(
        'shakti.duty_bearer', "Duty Bearer", required=True,
        ondelete='RESTRICT', context={
            'active_test': False,
            },
        help="The official rated: by default the one met at the follow-up.")
    office = fields.Many2One(
        'shakti.office', "Office", readonly=True, ondelete='RESTRICT',
        help="The duty bearer's office when the rating was made.")
    post = fields.Selection(
        'get_posts', "Post", readonly=True,
        help="The duty bearer's post when the rating was made.")
    scheme = fields.Many2One(
        'shakti.scheme', "Scheme", readonly=True, ondelete='RESTRICT',
        help="The scheme of the followed-up application.")
    date = fields.Date("Date", required=True)
    rated_by = fields.Selection(
        RATED_BY, "Rated By", required=True, sort=False,
        help="Who gave the scores.")
    lines = fields.One2Many(
        'shakti.rating.line', 'rating', "Scores",
        help="One score from 1 to 10 per criterion rated.")
    conduct_score = fields.Function(fields.Float(
            "Conduct Score", digits=(3, 2),
            help="The mean of the scores of the official's conduct."),
        'get_scores')
    scheme_score = fields.Function(fields.Float(
            "Scheme Score", digits=(3, 2),
            help="The mean of the scores of the scheme's benefit."),
        'get_scores')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('follow_up')
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.duty_bearer, Index.Range())),
                Index(t, (t.office, Index.Range())),
                Index(t, (t.follow_up, Index.Range())),
                })
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        # One rating per visit, official and kind of rater, so that the
        # averages cannot be weighted by repeating ratings.
        cls._sql_constraints += [
            ('follow_up_duty_bearer_rater_unique',
                Unique(t, t.follow_up, t.duty_bearer, t.rated_by),
                'shakti_case.msg_rating_unique'),
            ]

    @classmethod
    def get_posts(cls):
        pool = Pool()
        DutyBearer = pool.get('shakti.duty_bearer')

        return DutyBearer.fields_get(['post'])['post']['selection']

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def default_rated_by(cls):
        return 'social_worker'

    @classmethod
    def default_lines(cls):
        pool = Pool()
        Criterion = pool.get('shakti.rating.criterion')

        return [{
                'criterion': c.id,
                'aspect': c.aspect,
                'rubric': c.rubric,
                } for c in Criterion.search([])]

    @fields.depends(
        'follow_up', '_parent_follow_up.duty_bearer',
        '_parent_follow_up.company', '_parent_follow_up.application',
        'duty_bearer')
    def on_change_follow_up(self):
        if self.follow_up:
            # The client may send any id: never tell whose it is.
            self.follow_up.check_read([self.follow_up])
            self.company = self.follow_up.company
            self.scheme = self.follow_up.application.scheme
            if not self.duty_bearer:
                self.duty_bearer = self.follow_up.duty_bearer
                self.on_change_duty_bearer()

    @fields.depends('duty_bearer', '_parent_duty_bearer.office',
        '_parent_duty_bearer.post')
    def on_change_duty_bearer(self):
        if self.duty_bearer:
            self.office = self.duty_bearer.office
            self.post = self.duty_bearer.post

    def get_rec_name(self, name):
        return '%s @ %s' % (self.duty_bearer.name, self.date)

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('duty_bearer.name',) + tuple(clause[1:])]

    @classmethod
    def get_scores(cls, ratings, names):
        result = {n: {r.id: None for r in ratings} for n in names}
        for rating in ratings:
            scores = rating.aspect_scores()
            for aspect, _ in ASPECTS:
                name = '%s_score' % aspect
                if name in result and scores[aspect] is not None:
                    result[name][rating.id] = round(scores[aspect], 2)
        return result

    def aspect_scores(self):
        "Return the mean score of each aspect, or None if it is not rated"
        scores = defaultdict(list)
        for line in self.lines:
            scores[line.criterion.aspect].append(line.score)
        return {
            a: sum(scores[a]) / len(scores[a]) if scores[a] else None
            for a, _ in ASPECTS}

    @classmethod
    def get_aspect_scores(cls, field_name, ids):
        """Return the rating scores per aspect of the records of ids.

        Each rating gives one value per aspect, the mean of its scores of
        that aspect. The ratings of every organisation are counted, because
        an official's conduct is not the data of a survivor."""
        pool = Pool()
        Line = pool.get('shakti.rating.line')
        Criterion = pool.get('shakti.rating.criterion')
        rating = cls.__table__()
        line = Line.__table__()
        criterion = Criterion.__table__()
        cursor = Transaction().connection.cursor()

        per_rating = defaultdict(lambda: defaultdict(list))
        owners = {}
        column = getattr(rating, field_name)
        for sub_ids in grouped_slice(ids, backend.MAX_QUERY_PARAMS):
            cursor.execute(*rating
                .join(line, condition=line.rating == rating.id)
                .join(criterion, condition=line.criterion == criterion.id)
                .select(
                    column, rating.id, criterion.aspect, line.score,
                    where=fields.SQL_OPERATORS['in'](column, sub_ids)))
            for owner_id, rating_id, aspect, score in cursor:
                owners[rating_id] = owner_id
                per_rating[rating_id][aspect].append(score)
        result = {i: {a: [] for a, _ in ASPECTS} for i in ids}
        for rating_id, aspects in per_rating.items():
            for aspect, scores in aspects.items():
                result[owners[rating_id]][aspect].append(
                    sum(scores) / len(scores))
        return result

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        FollowUp = pool.get('shakti.application.follow_up')
        DutyBearer = pool.get('shakti.duty_bearer')

        values = super().preprocess_values(mode, values)
        if values.get('follow_up') is not None:
            follow_up = FollowUp(values['follow_up'])
            values['scheme'] = follow_up.application.scheme.id
            if mode == 'create' and not values.get('duty_bearer'):
                if follow_up.duty_bearer:
                    values['duty_bearer'] = follow_up.duty_bearer.id
        if values.get('duty_bearer') is not None:
            duty_bearer = DutyBearer(values['duty_bearer'])
            values['office'] = duty_bearer.office.id
            values['post'] = duty_bearer.post
        return values

    @classmethod
    def validate_fields(cls, ratings, field_names):
        super().validate_fields(ratings, field_names)
        cls.check_date(ratings, field_names)

    @classmethod
    def check_date(cls, ratings, field_names=None):
        pool = Pool()
        Date = pool.get('ir.date')

        if field_names and not (field_names & {'date', 'follow_up'}):
            return
        today = Date.today()
        for rating in ratings:
            if rating.date > today:
                raise RatingError(
                    gettext('shakti_case.msg_rating_date_future',
                        rating=rating.rec_name,
                        date=rating.date))
            follow_up = rating.follow_up
            if rating.date < follow_up.date:
                raise RatingError(
                    gettext('shakti_case.msg_rating_before_follow_up',
                        rating=rating.rec_name,
                        date=rating.date,
                        follow_up=follow_up.rec_name,
                        follow_up_date=follow_up.date))

    @classmethod
    def copy(cls, ratings, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('lines', None)
        return super().copy(ratings, default=default)


class RatingLine(OrganisationMixin, ModelSQL, ModelView):
    __name__ = 'shakti.rating.line'
    __string__ = "Duty Bearer Rating Score"
    _history = True
    _organisation_parent = 'rating'
    rating = fields.Many2One(
        'shakti.rating', "Rating", required=True, ondelete='CASCADE')
    criterion = fields.Many2One(
        'shakti.rating.criterion', "Criterion", required=True,
        ondelete='RESTRICT', context={
            'active_test': False,
            })
    aspect = fields.Function(
        fields.Selection(ASPECTS, "Aspect"), 'on_change_with_aspect')
    score = fields.Integer(
        "Score", required=True,
        help="From 1 (worst) to 10 (best), read against the rubric.")
    rubric = fields.Function(
        fields.Text("Rubric"), 'on_change_with_rubric')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('rating')
        t = cls.__table__()
        cls._sql_constraints += [
            ('rating_criterion_unique', Unique(t, t.rating, t.criterion),
                'shakti_case.msg_rating_criterion_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.rating, Index.Range())))
        cls._order = [('criterion', 'ASC'), ('id', 'ASC')]

    @fields.depends('criterion')
    def on_change_with_aspect(self, name=None):
        return self.criterion.aspect if self.criterion else None

    @fields.depends('criterion')
    def on_change_with_rubric(self, name=None):
        return self.criterion.rubric if self.criterion else None

    def get_rec_name(self, name):
        return '%s: %s' % (self.rating.rec_name, self.criterion.rec_name)

    @classmethod
    def validate_fields(cls, lines, field_names):
        super().validate_fields(lines, field_names)
        cls.check_score(lines, field_names)

    @classmethod
    def check_score(cls, lines, field_names=None):
        if field_names and 'score' not in field_names:
            return
        for line in lines:
            if not (MIN_SCORE <= line.score <= MAX_SCORE):
                raise RatingError(
                    gettext('shakti_case.msg_rating_score_range',
                        rating=line.rating.rec_name,
                        criterion=line.criterion.rec_name,
                        score=line.score,
                        minimum=MIN_SCORE,
                        maximum=MAX_SCORE))
