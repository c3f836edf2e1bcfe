# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Invented enterprises, business plans, competitions and interest
subvention claims of the demo self-help groups."""
import datetime as dt
from decimal import Decimal

from trytond.pool import Pool

# The trade of each organisation's groups: (activity, enterprise name,
# capital cost, operating cost, product, unit price, unit cost).
TRADES = {
    "Basirhat-I Mukti Sangha": ('textile_printing', "Block Printing Unit",
        "Printing tables and blocks", "Dyes and cloth", "Printed stole",
        Decimal('450.00'), Decimal('260.00')),
    "Hasnabad Mukti Sangha": ('jewellery', "Terracotta Jewellery",
        "Kiln and tools", "Clay, paint and thread", "Necklace set",
        Decimal('350.00'), Decimal('150.00')),
    "Canning Sakhi Samiti": ('garments', "Stitching Centre",
        "Sewing machines", "Fabric and thread", "Salwar suit",
        Decimal('700.00'), Decimal('480.00')),
    "Krishna Vanitha Vedika": ('food_processing', "Pickle and Papad Unit",
        "Drying racks and jars", "Mangoes, oil and spices", "Pickle jar",
        Decimal('180.00'), Decimal('95.00')),
    }
# The competitions: (organiser, name, the organisations whose plans enter).
COMPETITIONS = [
    ("Uttaran Trust", "Enterprise Awards", [
            "Canning Sakhi Samiti", "Krishna Vanitha Vedika"]),
    ("Nirbhoy Mahila Jote", "Jote Business Plan Contest", [
            "Basirhat-I Mukti Sangha", "Hasnabad Mukti Sangha"]),
    ]
CRITERIA = [
    ("Viability", Decimal(40)),
    ("Market", Decimal(30)),
    ("Members' skills", Decimal(30)),
    ]


def load(builder):
    "Create the demo enterprises, plans, competitions and claims"
    plans = {}
    for organisation in TRADES:
        plans[organisation] = create_enterprises(builder, organisation)
    for organiser, name, entrants in COMPETITIONS:
        create_competition(builder, organiser, name,
            [p for o in entrants for p in plans[o]])
    for organisation in ["Canning Sakhi Samiti", "Basirhat-I Mukti Sangha"]:
        create_claim(builder, organisation)


def first_of_month(date, months=0):
    month = date.month - 1 + months
    return dt.date(date.year + month // 12, month % 12 + 1, 1)


def create_enterprises(builder, organisation):
    """Create a running enterprise with its monthly entries and a business
    plan for each group of the organisation, and return the plans"""
    pool = Pool()
    Group = pool.get('shakti.shg')
    Member = pool.get('shakti.shg.member')
    Enterprise = pool.get('shakti.shg.enterprise')
    Entry = pool.get('shakti.shg.enterprise.entry')
    Plan = pool.get('shakti.shg.business_plan')

    rng = builder.rng
    today = builder.today
    company = builder.organisations[organisation]
    (activity, name, capital_item, operating_item, product, price,
        cost) = TRADES[organisation]
    plans = []
    groups = Group.search(
        [('company', '=', company.id)], order=[('id', 'ASC')])
    for index, group in enumerate(groups):
        members = Member.members_on([group], today)
        start = first_of_month(today, -rng.randint(5, 8))
        # Two groups of an organisation may meet in one village, so the
        # enterprise takes the group's name.
        enterprise = Enterprise(
            shg=group, name="%s, %s" % (name, group.name),
            kind='group', activity=activity,
            members=members[:rng.randint(3, 5)], start_date=start,
            capital=Decimal(rng.choice([15000, 20000, 30000])))
        enterprise.save()
        Enterprise.run([enterprise])
        entries = []
        month = start
        while month < first_of_month(today):
            revenue = Decimal(rng.randint(20, 60) * 100)
            entries.append(Entry(
                    enterprise=enterprise, month=month, revenue=revenue,
                    cost=Decimal(rng.randint(10, 35) * 100)))
            month = first_of_month(month, 1)
        Entry.save(entries)
        if index == 0:
            tailor = Enterprise(
                shg=group,
                name="Tailoring by %s, %s" % (members[-1].name, group.name),
                kind='individual', activity='tailoring',
                members=[members[-1]], start_date=start,
                capital=Decimal('6000.00'))
            tailor.save()

        capital = Decimal(rng.choice([24000, 36000, 48000, 60000]))
        plan = Plan(
            shg=group, enterprise=enterprise,
            title="Expand the %s" % name.lower(), activity=activity,
            date=today - dt.timedelta(days=rng.randint(20, 60)),
            market="Block and district fairs, and two shops in the "
            "sub-division town that asked for regular supply.",
            own_contribution=Decimal(rng.choice([2000, 4000, 6000])),
            cost_lines=[{
                    'description': capital_item, 'kind': 'capital',
                    'amount': capital,
                    }, {
                    'description': operating_item, 'kind': 'operating',
                    'amount': Decimal(rng.choice([3000, 4500, 6000])),
                    }],
            product_lines=[{
                    'product': product, 'unit': "piece",
                    'unit_price': price, 'unit_cost': cost,
                    'quantity': Decimal(rng.randint(20, 60)),
                    }])
        plan.save()
        Plan.submit([plan])
        plans.append(plan)
    return plans


def create_competition(builder, organiser, name, plans):
    "Run a closed competition of the organiser on the plans"
    pool = Pool()
    Competition = pool.get('shakti.shg.competition')
    Entry = pool.get('shakti.shg.competition.entry')
    Score = pool.get('shakti.shg.competition.score')

    rng = builder.rng
    today = builder.today
    company = builder.organisations[organiser]
    employees = builder.employees.get(company.id, [])
    competition = Competition(
        company=company, name="%s %s" % (name, today.year),
        year=today.year, start_date=today - dt.timedelta(days=90),
        end_date=today - dt.timedelta(days=10),
        max_award=Decimal('50000.00'), award_count=2,
        criteria=[{'name': n, 'weight': w, 'max_score': 10}
            for n, w in CRITERIA],
        jurors=[{'name': "Juror from the Lead Bank"}]
        + [{'employee': e.id} for e in employees[:1]],
        entries=[{'plan': p.id} for p in plans])
    competition.save()
    Competition.open([competition])
    Entry.submit(list(competition.entries))
    scores = []
    for entry in competition.entries:
        for juror in competition.jurors:
            for criterion in competition.criteria:
                scores.append(Score(
                        entry=entry, juror=juror, criterion=criterion,
                        value=Decimal(rng.randint(4, 10))))
    Score.save(scores)
    Competition.close([competition])
    winner = min(Competition(competition.id).entries,
        key=lambda e: (e.rank, e.id))
    winner.outcome = 'running'
    winner.outcome_date = today - dt.timedelta(days=5)
    winner.extra_credit = Decimal('25000.00')
    winner.follow_up_notes = "The bank added a cash credit limit."
    winner.save()


def create_claim(builder, organisation):
    "Compute and file the subvention claim of the last quarter"
    pool = Pool()
    Claim = pool.get('shakti.shg.subvention.claim')

    today = builder.today
    end = first_of_month(today) - dt.timedelta(days=1)
    claim = Claim(
        company=builder.organisations[organisation],
        start_date=first_of_month(end, -2), end_date=end)
    claim.save()
    Claim.compute([claim])
    Claim.claim([claim])
