# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import unittest
from decimal import Decimal

from trytond.model.exceptions import SQLConstraintError
from trytond.model.modelstorage import DomainValidationError
from trytond.modules.company.tests import create_company
from trytond.modules.shakti_base.exceptions import OrganisationError
from trytond.modules.shakti_case.tests.test_module import create_organisation
from trytond.modules.shakti_shg.exceptions import (
    BusinessPlanError, CompetitionError, EnterpriseError)
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    activate_module, drop_db, with_transaction)

from .test_module import create_group


def create_hierarchy():
    """Create a lead NGO with a partner, Alpha CBO under the partner and
    Beta CBO directly under the lead"""
    pool = Pool()
    Company = pool.get('company.company')

    alpha, alpha_block, _, _ = create_organisation(
        "Alpha CBO", 'WB-N24P-BASIRHAT-I')
    beta, beta_block, _, _ = create_organisation(
        "Beta CBO", 'WB-N24P-HASNABAD')
    lead = create_company("Lead NGO", currency=alpha.currency)
    partner = create_company("Partner NGO", currency=alpha.currency)
    lead.organisation_type = 'lead'
    partner.organisation_type = 'partner'
    partner.parent = lead
    Company.save([lead, partner])
    alpha.parent = partner
    beta.parent = lead
    Company.save([alpha, beta])
    return lead, partner, (alpha, alpha_block), (beta, beta_block)


def create_plan(group, title, capital, own, funding=None):
    "Create a draft plan with one capital cost line"
    pool = Pool()
    Plan = pool.get('shakti.shg.business_plan')

    plan, = Plan.create([{
                'shg': group.id,
                'title': title,
                'activity': 'tailoring',
                'date': dt.date(2025, 3, 1),
                'own_contribution': own,
                'funding_requested': funding,
                'cost_lines': [('create', [{
                                'description': "Machines",
                                'kind': 'capital',
                                'amount': capital,
                                }])],
                }])
    return plan


def create_competition(organiser, max_award=Decimal('50000.00'),
        award_count=2):
    """Create a competition weighting viability 5, market 3 and team 2,
    scored out of 10, 10 and 5, with two jurors"""
    pool = Pool()
    Competition = pool.get('shakti.shg.competition')

    competition, = Competition.create([{
                'company': organiser.id,
                'name': "Enterprise Awards",
                'year': 2025,
                'start_date': dt.date(2025, 1, 1),
                'end_date': dt.date(2025, 6, 30),
                'max_award': max_award,
                'award_count': award_count,
                'criteria': [('create', [{
                                'name': "Viability",
                                'weight': Decimal(5),
                                'max_score': 10,
                                }, {
                                'name': "Market",
                                'weight': Decimal(3),
                                'max_score': 10,
                                }, {
                                'name': "Team",
                                'weight': Decimal(2),
                                'max_score': 5,
                                }])],
                'jurors': [('create', [
                                {'name': "Juror One"},
                                {'name': "Juror Two"},
                                ])],
                }])
    return competition


class EnterpriseTestCase(unittest.TestCase):
    "Test enterprises, business plans and competitions"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        drop_db()
        activate_module('shakti_shg')

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        drop_db()

    @with_transaction()
    def test_enterprise_totals(self):
        "Test the totals of an enterprise's monthly entries"
        pool = Pool()
        Enterprise = pool.get('shakti.shg.enterprise')

        company, block, _, _ = create_organisation(
            "Alpha CBO", 'WB-N24P-BASIRHAT-I')
        group = create_group(company, block)
        enterprise, = Enterprise.create([{
                    'shg': group.id,
                    'name': "Block Printing Unit",
                    'activity': 'textile_printing',
                    'start_date': dt.date(2025, 1, 20),
                    'capital': Decimal('15000.00'),
                    'members': [('add', [m.id for m in group.members])],
                    'entries': [('create', [{
                                    'month': dt.date(2025, 1, 31),
                                    'revenue': Decimal('4200.50'),
                                    'cost': Decimal('3100.25'),
                                    }, {
                                    'month': dt.date(2025, 2, 1),
                                    'revenue': Decimal('1500.00'),
                                    'cost': Decimal('2000.10'),
                                    }])],
                    }])
        self.assertEqual(enterprise.company, company)
        self.assertEqual(
            [e.month for e in enterprise.entries],
            [dt.date(2025, 2, 1), dt.date(2025, 1, 1)])
        self.assertEqual(
            [e.profit for e in enterprise.entries],
            [Decimal('-500.10'), Decimal('1100.25')])
        self.assertEqual(enterprise.total_revenue, Decimal('5700.50'))
        self.assertEqual(enterprise.total_cost, Decimal('5100.35'))
        self.assertEqual(enterprise.total_profit, Decimal('600.15'))

    @with_transaction()
    def test_enterprise_entry_month_unique(self):
        "Test a second entry in the same month is rejected"
        pool = Pool()
        Enterprise = pool.get('shakti.shg.enterprise')
        Entry = pool.get('shakti.shg.enterprise.entry')

        company, block, _, _ = create_organisation(
            "Alpha CBO", 'WB-N24P-BASIRHAT-I')
        group = create_group(company, block)
        enterprise, = Enterprise.create([{
                    'shg': group.id,
                    'name': "Pickle Kitchen",
                    'activity': 'food_processing',
                    'start_date': dt.date(2025, 1, 1),
                    'capital': Decimal('8000.00'),
                    }])
        Entry.create([{
                    'enterprise': enterprise.id,
                    'month': dt.date(2025, 3, 1),
                    'revenue': Decimal('900.00'),
                    'cost': Decimal('400.00'),
                    }])
        with self.assertRaises(SQLConstraintError) as cm:
            Entry.create([{
                        'enterprise': enterprise.id,
                        'month': dt.date(2025, 3, 15),
                        'revenue': Decimal('100.00'),
                        'cost': Decimal('0.00'),
                        }])
        self.assertEqual(cm.exception.message,
            'An enterprise can have only one entry per month.')

    @with_transaction()
    def test_enterprise_entry_checks(self):
        "Test a negative cost and a month before the start are rejected"
        pool = Pool()
        Enterprise = pool.get('shakti.shg.enterprise')
        Entry = pool.get('shakti.shg.enterprise.entry')

        company, block, _, _ = create_organisation(
            "Alpha CBO", 'WB-N24P-BASIRHAT-I')
        group = create_group(company, block)
        enterprise, = Enterprise.create([{
                    'shg': group.id,
                    'name': "Pickle Kitchen",
                    'activity': 'food_processing',
                    'start_date': dt.date(2025, 2, 10),
                    'capital': Decimal('8000.00'),
                    }])
        with self.assertRaises(EnterpriseError) as cm:
            Entry.create([{
                        'enterprise': enterprise.id,
                        'month': dt.date(2025, 3, 1),
                        'revenue': Decimal('100.00'),
                        'cost': Decimal('-0.01'),
                        }])
        self.assertEqual(cm.exception.message,
            'The Cost -₹0.01 of entry "Pickle Kitchen @ 2025-03" cannot '
            'be negative.')
        with self.assertRaises(EnterpriseError) as cm:
            Entry.create([{
                        'enterprise': enterprise.id,
                        'month': dt.date(2025, 1, 1),
                        'revenue': Decimal('100.00'),
                        'cost': Decimal('0.00'),
                        }])
        self.assertEqual(cm.exception.message,
            'The entry "Pickle Kitchen @ 2025-01" is for a month before '
            'the enterprise started on 2025-02-10.')
        # February counts although the enterprise started on the 10th.
        Entry.create([{
                    'enterprise': enterprise.id,
                    'month': dt.date(2025, 2, 1),
                    'revenue': Decimal('100.00'),
                    'cost': Decimal('0.00'),
                    }])

    @with_transaction()
    def test_individual_enterprise_one_member(self):
        "Test an individual enterprise needs exactly one member"
        pool = Pool()
        Enterprise = pool.get('shakti.shg.enterprise')

        company, block, _, _ = create_organisation(
            "Alpha CBO", 'WB-N24P-BASIRHAT-I')
        group = create_group(company, block)
        with self.assertRaises(EnterpriseError) as cm:
            Enterprise.create([{
                        'shg': group.id,
                        'name': "Tea Stall",
                        'kind': 'individual',
                        'activity': 'retail',
                        'start_date': dt.date(2025, 1, 1),
                        'capital': Decimal('3000.00'),
                        'members': [('add', [
                                        m.id for m in group.members[:2]])],
                        }])
        self.assertEqual(cm.exception.message,
            'The individual enterprise "Tea Stall" has 2 members, but an '
            'individual enterprise needs exactly one.')
        enterprise, = Enterprise.create([{
                    'shg': group.id,
                    'name': "Tea Stall",
                    'kind': 'individual',
                    'activity': 'retail',
                    'start_date': dt.date(2025, 1, 1),
                    'capital': Decimal('3000.00'),
                    'members': [('add', [group.members[0].id])],
                    }])
        self.assertEqual(enterprise.members, (group.members[0],))

    @with_transaction()
    def test_enterprise_member_other_group(self):
        "Test an enterprise cannot list a member of another group"
        pool = Pool()
        Enterprise = pool.get('shakti.shg.enterprise')

        company, block, _, _ = create_organisation(
            "Alpha CBO", 'WB-N24P-BASIRHAT-I')
        group = create_group(company, block)
        other = create_group(company, block)
        with self.assertRaises(DomainValidationError) as cm:
            Enterprise.create([{
                        'shg': group.id,
                        'name': "Tea Stall",
                        'activity': 'retail',
                        'start_date': dt.date(2025, 1, 1),
                        'capital': Decimal('3000.00'),
                        'members': [('add', [other.members[0].id])],
                        }])
        self.assertEqual(cm.exception.message,
            'The value "Member 1" for field "Members" in record "Tea Stall" '
            'of "Enterprise" is not valid according to its domain.')

    @with_transaction()
    def test_business_plan_projections(self):
        "Test the costs, projected revenue, margin and profit of a plan"
        pool = Pool()
        Plan = pool.get('shakti.shg.business_plan')

        company, block, _, _ = create_organisation(
            "Alpha CBO", 'WB-N24P-BASIRHAT-I')
        group = create_group(company, block)
        plan = create_plan(
            group, "Garment Unit", Decimal('45000.00'), Decimal('5000.00'))
        Plan.write([plan], {
                'cost_lines': [('create', [{
                                'description': "Rent",
                                'kind': 'operating',
                                'amount': Decimal('1200.00'),
                                }, {
                                'description': "Electricity",
                                'kind': 'operating',
                                'amount': Decimal('350.50'),
                                }])],
                'product_lines': [('create', [{
                                'product': "Kurta",
                                'unit_price': Decimal('349.99'),
                                'unit_cost': Decimal('210.10'),
                                'quantity': Decimal('30'),
                                }, {
                                'product': "Cloth bag",
                                'unit_price': Decimal('45.50'),
                                'unit_cost': Decimal('20.25'),
                                'quantity': Decimal('12.5'),
                                }])],
                })
        plan = Plan(plan.id)
        self.assertEqual(plan.capital_cost, Decimal('45000.00'))
        self.assertEqual(plan.operating_cost, Decimal('1550.50'))
        # 30 x 349.99 + 12.5 x 45.50 = 10,499.70 + 568.75
        self.assertEqual(plan.monthly_revenue, Decimal('11068.45'))
        # 30 x 139.89 + 12.5 x 25.25 = 4,196.70 + 315.625
        self.assertEqual(plan.monthly_margin, Decimal('4512.32'))
        self.assertEqual(plan.monthly_profit, Decimal('2961.82'))
        self.assertEqual(
            [l.monthly_margin for l in plan.product_lines],
            [Decimal('4196.70'), Decimal('315.62')])

        Plan.submit([plan])
        self.assertEqual(plan.state, 'submitted')
        self.assertEqual(plan.funding_requested, Decimal('40000.00'))

    @with_transaction()
    def test_business_plan_funding_checked(self):
        "Test a plan cannot request more than its capital cost less its own"
        pool = Pool()
        Plan = pool.get('shakti.shg.business_plan')
        Attachment = pool.get('ir.attachment')

        company, block, _, _ = create_organisation(
            "Alpha CBO", 'WB-N24P-BASIRHAT-I')
        group = create_group(company, block)
        plan = create_plan(
            group, "Goat Rearing", Decimal('30000.00'), Decimal('2500.00'),
            funding=Decimal('27500.01'))
        with self.assertRaises(BusinessPlanError) as cm:
            Plan.submit([plan])
        self.assertEqual(cm.exception.message,
            'The funding requested ₹27,500.01 by business plan "Goat '
            'Rearing" is more than ₹27,500.00, its capital cost '
            '₹30,000.00 less the own contribution ₹2,500.00.')
        self.assertEqual(Plan(plan.id).state, 'draft')
        Plan.write([plan], {'funding_requested': Decimal('20000.00')})
        Plan.submit([plan])
        self.assertEqual(plan.funding_requested, Decimal('20000.00'))

        Attachment.create([{
                    'resource': str(plan),
                    'name': 'quotation-%s.txt' % i,
                    'data': b'invented quotation',
                    } for i in range(2)])
        self.assertEqual(Plan(plan.id).attachment_count, 2)

    @with_transaction()
    def test_competition_scores_ranks_awards(self):
        "Test weighted scores, ranks with a tie and capped awards"
        pool = Pool()
        Competition = pool.get('shakti.shg.competition')
        Entry = pool.get('shakti.shg.competition.entry')
        Score = pool.get('shakti.shg.competition.score')
        Plan = pool.get('shakti.shg.business_plan')

        lead, _, (alpha, block), _ = create_hierarchy()
        group = create_group(alpha, block)
        plans = {
            'A': create_plan(group, "Plan A", Decimal('70000.00'),
                Decimal('10000.00'), funding=Decimal('60000.00')),
            'B': create_plan(group, "Plan B", Decimal('40000.00'),
                Decimal('5000.00'), funding=Decimal('35000.00')),
            'C': create_plan(group, "Plan C", Decimal('10000.00'),
                Decimal('0.00')),
            'D': create_plan(group, "Plan D", Decimal('25000.00'),
                Decimal('5000.00')),
            'E': create_plan(group, "Plan E", Decimal('9000.00'),
                Decimal('0.00')),
            }
        Plan.submit(list(plans.values()))
        competition = create_competition(lead)
        entries = dict(zip(plans, Entry.create([{
                            'competition': competition.id,
                            'plan': p.id,
                            } for p in plans.values()])))
        self.assertEqual({e.company for e in entries.values()}, {lead})
        Entry.submit(list(entries.values()))
        Entry.withdraw([entries['E']])
        Competition.open([competition])

        viability, market, team = competition.criteria
        one, two = competition.jurors
        # (criterion, juror one's score, juror two's score or None)
        given = {
            'A': [(viability, 8, 6), (market, 9, 7), (team, 4, 5)],
            'B': [(viability, 7, 7), (market, 8, 8), (team, 5, 4)],
            'C': [(viability, 10, 9), (market, 6, 5), (team, 3, None)],
            'D': [(viability, 9, 10), (market, 10, 10), (team, 5, 5)],
            }
        to_create = []
        for key, rows in given.items():
            for criterion, first, second in rows:
                for juror, value in [(one, first), (two, second)]:
                    if value is not None:
                        to_create.append({
                                'entry': entries[key].id,
                                'juror': juror.id,
                                'criterion': criterion.id,
                                'value': Decimal(value),
                                })
        Score.create(to_create)

        # A: 50 x 7/10 + 30 x 8/10 + 20 x 4.5/5 = 35 + 24 + 18
        # C: 50 x 9.5/10 + 30 x 5.5/10 + 20 x 3/5 = 47.5 + 16.5 + 12
        self.assertEqual(
            {k: Entry(e.id).score for k, e in entries.items()}, {
                'A': Decimal('77.00'),
                'B': Decimal('77.00'),
                'C': Decimal('76.00'),
                'D': Decimal('97.50'),
                'E': Decimal('0.00'),
                })

        Competition.close([competition])
        entries = {k: Entry(e.id) for k, e in entries.items()}
        self.assertEqual(
            {k: e.rank for k, e in entries.items()},
            {'A': 2, 'B': 2, 'C': 4, 'D': 1, 'E': None})
        self.assertEqual(
            {k: e.state for k, e in entries.items()},
            {'A': 'scored', 'B': 'scored', 'C': 'scored', 'D': 'scored',
                'E': 'withdrawn'})
        # Two awards, and A and B tie for the second.
        self.assertEqual(
            {k: e.computed_amount for k, e in entries.items()}, {
                'A': Decimal('60000.00'),
                'B': Decimal('35000.00'),
                'C': None,
                'D': Decimal('20000.00'),
                'E': None,
                })
        self.assertEqual(
            {k: e.award_amount for k, e in entries.items()}, {
                'A': Decimal('50000.00'),
                'B': Decimal('35000.00'),
                'C': None,
                'D': Decimal('20000.00'),
                'E': None,
                })
        self.assertEqual(
            Competition(competition.id).total_awarded, Decimal('105000.00'))

    @with_transaction()
    def test_award_capped_both_ways(self):
        "Test an award is the computed amount up to the maximum award"
        pool = Pool()
        Competition = pool.get('shakti.shg.competition')

        lead, _, _, _ = create_hierarchy()
        competition = create_competition(lead)
        competition = Competition(competition.id)
        self.assertEqual(
            competition.award(Decimal('20000.00')), Decimal('20000.00'))
        self.assertEqual(
            competition.award(Decimal('60000.00')), Decimal('50000.00'))
        self.assertEqual(
            competition.award(Decimal('50000.00')), Decimal('50000.00'))

    @with_transaction()
    def test_entry_one_per_plan(self):
        "Test a plan can be entered only once in a competition"
        pool = Pool()
        Entry = pool.get('shakti.shg.competition.entry')

        lead, _, (alpha, block), _ = create_hierarchy()
        group = create_group(alpha, block)
        plan = create_plan(
            group, "Jewellery Stall", Decimal('12000.00'), Decimal('0.00'))
        competition = create_competition(lead)
        other = create_competition(lead)
        Entry.create([
                {'competition': competition.id, 'plan': plan.id},
                {'competition': other.id, 'plan': plan.id},
                ])
        with self.assertRaises(SQLConstraintError) as cm:
            Entry.create([{'competition': competition.id, 'plan': plan.id}])
        self.assertEqual(cm.exception.message,
            'A business plan can be entered only once in a competition.')

    @with_transaction()
    def test_entry_plan_below_organiser(self):
        "Test an entry takes plans of organisations below the organiser only"
        pool = Pool()
        Entry = pool.get('shakti.shg.competition.entry')

        lead, partner, (alpha, alpha_block), (beta, beta_block) = (
            create_hierarchy())
        alpha_plan = create_plan(create_group(alpha, alpha_block),
            "Alpha Plan", Decimal('1000.00'), Decimal('0.00'))
        beta_plan = create_plan(create_group(beta, beta_block),
            "Beta Plan", Decimal('1000.00'), Decimal('0.00'))
        competition = create_competition(partner)
        entry, = Entry.create([{
                    'competition': competition.id,
                    'plan': alpha_plan.id,
                    }])
        self.assertEqual(entry.company, partner)
        with self.assertRaises(OrganisationError) as cm:
            Entry.create([{
                        'competition': competition.id,
                        'plan': beta_plan.id,
                        }])
        self.assertEqual(cm.exception.message,
            'The Business Plan "Beta Plan" of "Enterprise Awards: Beta '
            'Plan" belongs to another organisation than "Partner NGO".')
        lead_competition = create_competition(lead)
        Entry.create([{
                    'competition': lead_competition.id,
                    'plan': p.id,
                    } for p in [alpha_plan, beta_plan]])

    @with_transaction()
    def test_score_range(self):
        "Test a score above the criterion's maximum is rejected"
        pool = Pool()
        Competition = pool.get('shakti.shg.competition')
        Entry = pool.get('shakti.shg.competition.entry')
        Score = pool.get('shakti.shg.competition.score')

        lead, _, (alpha, block), _ = create_hierarchy()
        plan = create_plan(create_group(alpha, block),
            "Alpha Plan", Decimal('1000.00'), Decimal('0.00'))
        competition = create_competition(lead)
        entry, = Entry.create([{
                    'competition': competition.id,
                    'plan': plan.id,
                    }])
        Entry.submit([entry])
        Competition.open([competition])
        team = competition.criteria[2]
        with self.assertRaises(CompetitionError) as cm:
            Score.create([{
                        'entry': entry.id,
                        'juror': competition.jurors[0].id,
                        'criterion': team.id,
                        'value': Decimal('5.5'),
                        }])
        self.assertEqual(cm.exception.message,
            'The score 5.5 of "Alpha Plan / Juror One / Team" must be '
            'from 0 to 5.')
