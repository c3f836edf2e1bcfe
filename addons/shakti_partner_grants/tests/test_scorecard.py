# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import unittest

from trytond import backend
from trytond.model.exceptions import AccessError, DomainValidationError
from trytond.modules.company.tests import create_company
from trytond.modules.shakti_base.tests.concurrency import ConcurrencyTestMixin
from trytond.modules.shakti_partner_grants.exceptions import (
    FunderError, ScorecardError)
from trytond.modules.shakti_partner_grants.scorecard import compute_result
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    DB_NAME, activate_module, with_transaction)
from trytond.transaction import Transaction

BLOCK_CRITERIA = [
    "Applications submitted per intake",
    "Advocacy and escalation",
    "Services demanded versus received",
    "Proactiveness of social workers",
    "Relationship with duty bearers",
    "Innovation",
    "Accountability of service providers",
    "Relationship with community",
    "Programme outcomes",
    "MIS and database upkeep",
    "SHG and livelihood work",
    "CBR promotion and visibility",
    "Trauma care",
    "Handover and sustainability",
    "Inclusion of collective leaders in case management",
    ]
FEEDBACK_CRITERIA = [
    "Timeliness of funds",
    "Clarity of roles and responsibilities",
    "Support and capacity building",
    ]
START, END = dt.date(2025, 4, 1), dt.date(2025, 9, 30)


def create_organisations():
    """Return a lead NGO, a partner under it and a CBO under the partner
    working in the Basirhat-I block, with the block"""
    pool = Pool()
    Currency = pool.get('currency.currency')
    Place = pool.get('shakti.place')

    inr, = Currency.search([('code', '=', 'INR')])
    block, = Place.search([('code', '=', 'WB-N24P-BASIRHAT-I')])
    organisations = []
    parent = None
    for name, type_ in [
            ("Test Lead Trust", 'lead'),
            ("Test Partner Network", 'partner'),
            ("Alpha CBO", 'cbo')]:
        company = create_company(name, currency=inr)
        company.organisation_type = type_
        company.parent = parent
        company.save()
        organisations.append(company)
        parent = company
    cbo = organisations[-1]
    cbo.places = [block]
    cbo.save()
    return (*organisations, block)


def create_user(login, company, group):
    "Create a user of company in the shakti_base group"
    pool = Pool()
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')

    user, = User.create([{
                'login': login,
                'companies': [('add', [company.id])],
                'company': company.id,
                'groups': [('add', [
                            ModelData.get_id('shakti_base', group)])],
                }])
    return user


def as_user(user, company):
    "Return the context managers that run as user with the access checks"
    transaction = Transaction()
    return transaction.set_user(user.id), transaction.set_context(
        company=company.id, _check_access=True)


def get_template(xml_id):
    pool = Pool()
    Template = pool.get('shakti.scorecard.template')
    ModelData = pool.get('ir.model.data')

    return Template(ModelData.get_id('shakti_partner_grants', xml_id))


def create_scorecard(company, xml_id='scorecard_template_block', **values):
    pool = Pool()
    Scorecard = pool.get('shakti.scorecard')

    values.setdefault('start_date', START)
    values.setdefault('end_date', END)
    scorecard, = Scorecard.create([dict(
                company=company.id,
                template=get_template(xml_id).id,
                **values)])
    return scorecard


def complete(scorecards):
    "Complete the scorecards as the root user, who writes any scorecard"
    pool = Pool()
    Scorecard = pool.get('shakti.scorecard')

    with Transaction().set_user(0):
        Scorecard.done(scorecards)


def rate(scorecard, high, medium, low):
    "Rate the lines of scorecard in order: high High, medium Medium, low Low"
    pool = Pool()
    Line = pool.get('shakti.scorecard.line')

    ratings = ['high'] * high + ['medium'] * medium + ['low'] * low
    to_write = []
    for line, rating in zip(scorecard.lines, ratings):
        to_write.extend(([line], {'rating': rating}))
    Line.write(*to_write)
    return scorecard.__class__(scorecard.id)


class ScorecardTestCase(unittest.TestCase):
    "Test the scorecards and their results"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module('shakti_partner_grants')

    def test_compute_result_thresholds(self):
        "Test the result of points around the shipped thresholds"
        for points, result in [
                (30, 'high'), (23, 'high'), (20, 'high'), (19, 'medium'),
                (12, 'medium'), (11, 'low'), (10, 'low'), (0, 'low')]:
            with self.subTest(points=points):
                self.assertEqual(compute_result(points, 20, 12), result)

    @with_transaction()
    def test_shipped_templates(self):
        "Test the shipped templates, their criteria and scales"
        block = get_template('scorecard_template_block')
        self.assertEqual(block.name, "Block comparison")
        self.assertEqual(block.direction, 'evaluation')
        self.assertEqual([c.name for c in block.criteria], BLOCK_CRITERIA)
        self.assertEqual(
            (block.high_points, block.medium_points, block.low_points),
            (2, 1, 0))
        self.assertEqual((block.high_minimum, block.medium_minimum), (20, 12))
        for criterion in block.criteria:
            with self.subTest(criterion=criterion.name):
                self.assertTrue(criterion.high_description)
                self.assertTrue(criterion.medium_description)
                self.assertTrue(criterion.low_description)

        feedback = get_template('scorecard_template_feedback')
        self.assertEqual(feedback.name, "Feedback to the funder")
        self.assertEqual(feedback.direction, 'feedback')
        self.assertEqual(
            [c.name for c in feedback.criteria], FEEDBACK_CRITERIA)
        self.assertEqual(
            (feedback.high_minimum, feedback.medium_minimum), (5, 3))

    @with_transaction()
    def test_known_block_results(self):
        "Test the three known results of the block comparison"
        _, _, cbo, block = create_organisations()
        for (high, medium, low), points, result in [
                ((8, 7, 0), 23, 'high'),
                ((2, 8, 5), 12, 'medium'),
                ((2, 6, 7), 10, 'low')]:
            with self.subTest(high=high, medium=medium, low=low):
                scorecard = rate(
                    create_scorecard(cbo, block=block.id), high, medium, low)
                self.assertEqual(scorecard.high_count, high)
                self.assertEqual(scorecard.medium_count, medium)
                self.assertEqual(scorecard.low_count, low)
                self.assertEqual(scorecard.unrated_count, 0)
                self.assertEqual(scorecard.points, points)
                self.assertEqual(scorecard.result, result)

    @with_transaction()
    def test_counts_read_in_batch(self):
        "Test the counts of several scorecards read together"
        pool = Pool()
        Scorecard = pool.get('shakti.scorecard')

        _, partner, cbo, _ = create_organisations()
        high = rate(create_scorecard(cbo), 8, 7, 0)
        partial = rate(create_scorecard(cbo), 1, 0, 1)
        feedback = rate(
            create_scorecard(partner, 'scorecard_template_feedback'),
            2, 1, 0)
        values = Scorecard.read(
            [high.id, partial.id, feedback.id],
            ['high_count', 'medium_count', 'low_count', 'unrated_count',
                'points', 'result'])
        by_id = {v['id']: v for v in values}
        self.assertEqual(
            [by_id[s.id]['unrated_count'] for s in [high, partial, feedback]],
            [0, 13, 0])
        self.assertEqual(
            [by_id[s.id]['points'] for s in [high, partial, feedback]],
            [23, 2, 5])
        self.assertEqual(
            [by_id[s.id]['result'] for s in [high, partial, feedback]],
            ['high', None, 'high'])

    @with_transaction()
    def test_lines_from_template(self):
        "Test a new scorecard lists the template's criteria, not rated"
        _, _, cbo, _ = create_organisations()
        scorecard = create_scorecard(cbo)
        self.assertEqual([l.name for l in scorecard.lines], BLOCK_CRITERIA)
        self.assertEqual({l.rating for l in scorecard.lines}, {None})
        self.assertEqual(scorecard.unrated_count, 15)
        self.assertEqual(scorecard.points, 0)
        self.assertIsNone(scorecard.result)
        self.assertEqual(scorecard.funder.rec_name, "Test Partner Network")
        self.assertEqual(scorecard.direction, 'evaluation')
        self.assertEqual(
            (scorecard.high_minimum, scorecard.medium_minimum), (20, 12))
        self.assertEqual(
            scorecard.lines[12].guidance,
            "Survivors' access to counselling and trauma care.\n"
            "High: Survivors who need it receive regular counselling, and "
            "referrals are followed up.\n"
            "Medium: Counselling is irregular or reaches only some of those "
            "who need it.\n"
            "Low: Few survivors receive counselling.")

    @with_transaction()
    def test_template_thresholds_change_result(self):
        "Test new thresholds of the template change a draft's result"
        pool = Pool()
        Template = pool.get('shakti.scorecard.template')
        Scorecard = pool.get('shakti.scorecard')

        _, _, cbo, _ = create_organisations()
        template = get_template('scorecard_template_block')
        scorecard = rate(create_scorecard(cbo), 2, 8, 5)
        self.assertEqual(scorecard.result, 'medium')

        Template.write([template], {'medium_minimum': 13})
        scorecard = Scorecard(scorecard.id)
        self.assertEqual(scorecard.medium_minimum, 13)
        self.assertEqual(scorecard.points, 12)
        self.assertEqual(scorecard.result, 'low')

        Template.write([template], {'high_minimum': 12, 'medium_minimum': 6})
        self.assertEqual(Scorecard(scorecard.id).result, 'high')

        Template.write([template], {'high_points': 3})
        scorecard = Scorecard(scorecard.id)
        self.assertEqual(scorecard.points, 14)
        self.assertEqual(scorecard.result, 'high')

    @with_transaction()
    def test_done_keeps_scale(self):
        "Test a done scorecard keeps its scale when the template changes"
        pool = Pool()
        Template = pool.get('shakti.scorecard.template')
        Scorecard = pool.get('shakti.scorecard')

        _, _, cbo, _ = create_organisations()
        template = get_template('scorecard_template_block')
        scorecard = rate(create_scorecard(cbo), 8, 7, 0)
        complete([scorecard])
        self.assertEqual(scorecard.state, 'done')
        self.assertEqual(scorecard.completion_date, dt.date.today())

        Template.write([template], {'high_minimum': 24})
        scorecard = Scorecard(scorecard.id)
        self.assertEqual(scorecard.high_minimum, 20)
        self.assertEqual(scorecard.result, 'high')

        with Transaction().set_user(0):
            Scorecard.draft([scorecard])
        scorecard = Scorecard(scorecard.id)
        self.assertEqual(scorecard.state, 'draft')
        self.assertEqual(scorecard.high_minimum, 24)
        self.assertEqual(scorecard.result, 'medium')
        self.assertIsNone(scorecard.completion_date)

    @with_transaction()
    def test_unrated_line_blocks_done(self):
        "Test a scorecard with a criterion not rated is not completed"
        pool = Pool()
        Scorecard = pool.get('shakti.scorecard')

        _, _, cbo, block = create_organisations()
        scorecard = rate(create_scorecard(cbo, block=block.id), 8, 4, 0)
        self.assertEqual(scorecard.unrated_count, 3)
        self.assertIsNone(scorecard.result)
        with self.assertRaises(ScorecardError) as cm:
            complete([scorecard])
        self.assertEqual(cm.exception.message,
            'Rate criterion "Trauma care" of scorecard "Block comparison: '
            'Alpha CBO, Basirhat-I (2025-04-01 to 2025-09-30)" before '
            'completing it.')
        self.assertEqual(Scorecard(scorecard.id).state, 'draft')

    @with_transaction()
    def test_deleted_line_blocks_done(self):
        "Test a scorecard missing a criterion's line is not completed"
        pool = Pool()
        Scorecard = pool.get('shakti.scorecard')
        Line = pool.get('shakti.scorecard.line')

        _, _, cbo, _ = create_organisations()
        scorecard = rate(create_scorecard(cbo), 8, 7, 0)
        Line.delete([scorecard.lines[0]])
        with self.assertRaises(ScorecardError) as cm:
            complete([Scorecard(scorecard.id)])
        self.assertEqual(cm.exception.message,
            'Rate criterion "Applications submitted per intake" of '
            'scorecard "Block comparison: Alpha CBO (2025-04-01 to '
            '2025-09-30)" before completing it.')

    @with_transaction()
    def test_template_scale_checked(self):
        "Test a template's points and thresholds must be in order"
        pool = Pool()
        Template = pool.get('shakti.scorecard.template')

        for values, message in [
                ({'medium_points': 2},
                    'The points of template "Test Scale" are invalid '
                    'because they are High 2, Medium 2 and Low 0. The points '
                    'must decrease from High to Low, and Low must not be '
                    'negative.'),
                ({'low_points': -1},
                    'The points of template "Test Scale" are invalid '
                    'because they are High 2, Medium 1 and Low -1. The '
                    'points must decrease from High to Low, and Low must '
                    'not be negative.'),
                ({'medium_minimum': 20},
                    'The minimum points of template "Test Scale" are '
                    'invalid because High needs 20 and Medium 20. High must '
                    'need more points than Medium, and Medium must not be '
                    'negative.'),
                ({'high_minimum': 5, 'medium_minimum': -1},
                    'The minimum points of template "Test Scale" are '
                    'invalid because High needs 5 and Medium -1. High must '
                    'need more points than Medium, and Medium must not be '
                    'negative.'),
                ]:
            with self.subTest(values=values):
                with self.assertRaises(ScorecardError) as cm:
                    Template.create([dict(name="Test Scale", **values)])
                self.assertEqual(cm.exception.message, message)

    @with_transaction()
    def test_template_direction_locked(self):
        "Test the direction of a template used by a scorecard is kept"
        pool = Pool()
        Template = pool.get('shakti.scorecard.template')

        _, _, cbo, _ = create_organisations()
        template = get_template('scorecard_template_block')
        Template.write([template], {'direction': 'evaluation'})
        scorecard = create_scorecard(cbo)
        with self.assertRaises(ScorecardError) as cm:
            Template.write([template], {'direction': 'feedback'})
        self.assertEqual(cm.exception.message,
            'The direction of template "Block comparison" cannot change '
            'because scorecard "%s" uses it.' % scorecard.rec_name)

    @with_transaction()
    def test_block_among_working_areas(self):
        "Test the block must be a working area of the organisation"
        pool = Pool()
        Place = pool.get('shakti.place')

        _, partner, cbo, block = create_organisations()
        other, = Place.search([('code', '=', 'WB-N24P-HASNABAD')])
        with self.assertRaises(DomainValidationError) as cm:
            create_scorecard(cbo, block=other.id)
        self.assertIn('"Block or Mandal"', cm.exception.message)
        self.assertIn('"North 24 Parganas / Hasnabad"', cm.exception.message)
        with self.assertRaises(DomainValidationError):
            create_scorecard(partner, block=block.id)

    @with_transaction()
    def test_lead_not_rated(self):
        "Test an organisation with none above it has no scorecard"
        lead, _, _, _ = create_organisations()
        with self.assertRaises(DomainValidationError) as cm:
            create_scorecard(lead)
        self.assertIn('"Organisation"', cm.exception.message)
        self.assertIn('"Test Lead Trust"', cm.exception.message)

    @with_transaction()
    def test_evaluation_written_from_above(self):
        "Test an evaluation is written by the organisations above only"
        pool = Pool()
        Scorecard = pool.get('shakti.scorecard')
        Line = pool.get('shakti.scorecard.line')

        lead, partner, cbo, _ = create_organisations()
        monitor = create_user('monitor', lead, 'group_monitoring')
        supervisor_a = create_user(
            'supervisor_a', cbo, 'group_case_supervisor')
        worker_a = create_user('worker_a', cbo, 'group_case_worker')

        user_context, access_context = as_user(monitor, lead)
        with user_context, access_context:
            scorecard = rate(create_scorecard(cbo), 8, 7, 0)
            Scorecard.done([scorecard])
        self.assertEqual(scorecard.completed_by, monitor)

        user_context, access_context = as_user(supervisor_a, cbo)
        with user_context, access_context:
            scorecard = Scorecard(scorecard.id)
            self.assertEqual(scorecard.result, 'high')
            with self.assertRaises(FunderError) as cm:
                Scorecard.draft([scorecard])
            self.assertEqual(cm.exception.message,
                'Only the organisations above "Alpha CBO" may reset to '
                'draft "%s"; you work for "Alpha CBO".' % scorecard.rec_name)
            with self.assertRaises(FunderError):
                create_scorecard(cbo)
        user_context, access_context = as_user(worker_a, cbo)
        with user_context, access_context:
            self.assertEqual(
                Scorecard(scorecard.id).points, 23)
            with self.assertRaises(AccessError) as cm:
                Line.write(list(Scorecard(scorecard.id).lines[:1]),
                    {'rating': 'low'})
            self.assertEqual(cm.exception.message,
                'You are not allowed to access "Scorecard Rating".')

    @with_transaction()
    def test_done_lines_locked(self):
        "Test the ratings of a done scorecard cannot change"
        pool = Pool()
        Scorecard = pool.get('shakti.scorecard')
        Line = pool.get('shakti.scorecard.line')

        lead, _, cbo, _ = create_organisations()
        monitor = create_user('monitor', lead, 'group_monitoring')
        user_context, access_context = as_user(monitor, lead)
        with user_context, access_context:
            scorecard = rate(create_scorecard(cbo), 8, 7, 0)
            Scorecard.done([scorecard])
            line = Scorecard(scorecard.id).lines[0]
            with self.assertRaises(AccessError) as cm:
                Line.write([line], {'rating': 'low'})
            self.assertEqual(cm.exception.message,
                'The records of "Scorecard Rating" of "%s" cannot be '
                'changed because it is Done.' % scorecard.rec_name)
            with self.assertRaises(ScorecardError) as cm:
                Scorecard.delete([scorecard])
            self.assertEqual(cm.exception.message,
                'Scorecard "%s" is done and cannot be deleted. Reset it to '
                'draft first.' % scorecard.rec_name)
        self.assertEqual(Line(line.id).rating, 'high')

    @with_transaction()
    def test_feedback_written_by_its_organisation(self):
        "Test feedback is written by its organisation, read from above"
        pool = Pool()
        Scorecard = pool.get('shakti.scorecard')
        Line = pool.get('shakti.scorecard.line')

        lead, partner, _, _ = create_organisations()
        supervisor_p = create_user(
            'supervisor_p', partner, 'group_case_supervisor')
        monitor = create_user('monitor', lead, 'group_monitoring')

        user_context, access_context = as_user(supervisor_p, partner)
        with user_context, access_context:
            feedback = create_scorecard(
                partner, 'scorecard_template_feedback')
            feedback = rate(feedback, 2, 0, 1)
            self.assertEqual(feedback.funder, lead)
            self.assertEqual(feedback.points, 4)
            self.assertEqual(feedback.result, 'medium')

        user_context, access_context = as_user(monitor, lead)
        with user_context, access_context:
            feedback = Scorecard(feedback.id)
            self.assertEqual(feedback.result, 'medium')
            with self.assertRaises(AccessError) as cm:
                Line.write([feedback.lines[2]], {'rating': 'high'})
            self.assertEqual(cm.exception.message,
                'Only the users of "Test Partner Network" may change its '
                'feedback "%s". You work for "Test Lead Trust".'
                % feedback.rec_name)
            with self.assertRaises(AccessError) as cm:
                Scorecard.done([feedback])
            self.assertEqual(cm.exception.message,
                'Only the users of "Test Partner Network" may complete its '
                'feedback "%s". You work for "Test Lead Trust".'
                % feedback.rec_name)
            with self.assertRaises(AccessError) as cm:
                create_scorecard(partner, 'scorecard_template_feedback')
            self.assertEqual(cm.exception.message,
                'Only the users of "Test Partner Network" may change its '
                'feedback "Feedback to the funder: Test Partner Network '
                '(2025-04-01 to 2025-09-30)". You work for "Test Lead '
                'Trust".')
        self.assertEqual(Line(feedback.lines[2].id).rating, 'low')

    @with_transaction()
    def test_copy_starts_again(self):
        "Test a copy of a done scorecard is a draft with new lines"
        pool = Pool()
        Scorecard = pool.get('shakti.scorecard')

        _, _, cbo, _ = create_organisations()
        scorecard = rate(create_scorecard(cbo), 8, 7, 0)
        complete([scorecard])
        with Transaction().set_user(0):
            copy, = Scorecard.copy([scorecard])
        self.assertEqual(copy.state, 'draft')
        self.assertIsNone(copy.completed_by)
        self.assertIsNone(copy.completion_date)
        self.assertEqual(copy.high_minimum, 20)
        self.assertEqual(len(copy.lines), 15)
        self.assertEqual(copy.unrated_count, 15)


def complete_by_id(scorecard_id):
    "Complete the scorecard of that id as the root user"
    pool = Pool()
    Scorecard = pool.get('shakti.scorecard')

    Scorecard.done([Scorecard(scorecard_id)])


def clear_first_rating(scorecard_id):
    "Clear the rating of the first line of the scorecard of that id"
    pool = Pool()
    Scorecard = pool.get('shakti.scorecard')
    Line = pool.get('shakti.scorecard.line')

    Line.write([Scorecard(scorecard_id).lines[0]], {'rating': None})


@unittest.skipIf(
    backend.name != 'postgresql',
    "SQLite lets one transaction write at a time, so a rating never "
    "changes while a scorecard is completed")
class ScorecardConcurrencyTestCase(ConcurrencyTestMixin, unittest.TestCase):
    "Test a rating changed while its scorecard is completed"
    module = 'shakti_partner_grants'

    def create_rated_scorecard(self):
        "Create a scorecard of Alpha CBO rated 8 High and 7 Medium"
        _, _, cbo, _ = create_organisations()
        return rate(create_scorecard(cbo), 8, 7, 0).id

    def test_rating_waits_for_completion(self):
        "Test a rating change waits for the scorecard being completed"
        scorecard_id = self.commit(self.create_rated_scorecard)
        lock = {'_lock_records': {'shakti_scorecard': [scorecard_id]}}
        self.assertEqual(self.lock_extras(complete_by_id, scorecard_id), lock)
        self.assertEqual(
            self.lock_extras(clear_first_rating, scorecard_id), lock)

        with Transaction(new=True).start(DB_NAME, 0, **lock) as first:
            complete_by_id(scorecard_id)
            # The rating change waits for the lock, then gives up.
            with self.assertRaises(backend.DatabaseOperationalError):
                with Transaction(new=True).start(DB_NAME, 0, **lock):
                    pass
            first.commit()

        with Transaction(new=True).start(DB_NAME, 0) as transaction:
            pool = Pool()
            Scorecard = pool.get('shakti.scorecard')
            scorecard = Scorecard(scorecard_id)
            self.assertEqual(scorecard.state, 'done')
            self.assertEqual(scorecard.unrated_count, 0)
            self.assertEqual(scorecard.result, 'high')
            transaction.rollback()

    def test_completion_waits_for_rating(self):
        "Test completing waits for a rating change and then reads it"
        scorecard_id = self.commit(self.create_rated_scorecard)
        lock = {'_lock_records': {'shakti_scorecard': [scorecard_id]}}

        with Transaction(new=True).start(DB_NAME, 0, **lock) as first:
            clear_first_rating(scorecard_id)
            # The completion waits for the lock, then gives up.
            with self.assertRaises(backend.DatabaseOperationalError):
                with Transaction(new=True).start(DB_NAME, 0, **lock):
                    pass
            first.commit()

        with Transaction(new=True).start(DB_NAME, 0, **lock) as second:
            with self.assertRaises(ScorecardError) as cm:
                complete_by_id(scorecard_id)
            self.assertEqual(cm.exception.message,
                'Rate criterion "Applications submitted per intake" of '
                'scorecard "Block comparison: Alpha CBO (2025-04-01 to '
                '2025-09-30)" before completing it.')
            second.rollback()
