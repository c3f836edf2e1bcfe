# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Invented ratings of duty bearers, tri-party meetings and village planning
demands, made from the demo's follow-ups, survivors and intakes."""
import datetime as dt

from trytond.pool import Pool

# The organisations that get ratings, meetings and demands, with the maximum
# number of follow-ups rated in each. Basirhat-I and Hasnabad rate up to six
# so that their block officers can reach the default minimum of five ratings
# for averages to show.
RATED = [
    ("Basirhat-I Mukti Sangha", 6),
    ("Hasnabad Mukti Sangha", 6),
    ("Baduria Mukti Sangha", 2),
    ("Canning Sakhi Samiti", 2),
    ("Krishna Vanitha Vedika", 2),
    ]
# Invented gram panchayats, one per block of the organisations above.
GRAM_PANCHAYATS = [
    ('DEMO-GP-NILPARA', "Nilpara", 'WB-N24P-BASIRHAT-I'),
    ('DEMO-GP-CHARKHALI', "Charkhali", 'WB-N24P-HASNABAD'),
    ('DEMO-GP-SONATIKRI', "Sonatikri", 'WB-N24P-BADURIA'),
    ('DEMO-GP-MATIKHALI', "Matikhali", 'WB-S24P-CANNING-I'),
    ('DEMO-GP-PEDAPALEM', "Pedapalem", 'AP-KRISHNA-GUDIVADA'),
    ]
DEMANDS = [
    ('housing', "Houses for homeless women under the rural housing scheme"),
    ('drinking_water', "A tube well near the hamlet"),
    ('roads_lighting', "Street lights on the path to the bus stop"),
    ('livelihood', "Work sheds for the self-help group"),
    ('sanitation', "Household toilets for the survivors' families"),
    ]


def load(builder):
    "Create the ratings, meetings and demands of the demo organisations"
    gram_panchayats = create_gram_panchayats(builder)
    for name, count in RATED:
        company = builder.organisations[name]
        create_ratings(builder, company, count)
        create_meetings(builder, company)
        create_demands(builder, company, gram_panchayats)


def create_gram_panchayats(builder):
    pool = Pool()
    Place = pool.get('shakti.place')

    places = {}
    for code, name, block_code in GRAM_PANCHAYATS:
        place = Place(
            code=code, name=name, type='gram_panchayat',
            parent=builder.place(block_code))
        place.save()
        places[block_code] = place
    return places


def random_score(rng, base):
    return min(max(base + rng.randint(-2, 2), 1), 10)


def create_ratings(builder, company, count):
    pool = Pool()
    FollowUp = pool.get('shakti.application.follow_up')
    Rating = pool.get('shakti.rating')
    Criterion = pool.get('shakti.rating.criterion')

    rng = builder.rng
    criteria = Criterion.search([])
    follow_ups = FollowUp.search([
            ('company', '=', company.id),
            ('duty_bearer', '!=', None),
            ], order=[('date', 'ASC'), ('id', 'ASC')], limit=count)
    ratings = []
    for follow_up in follow_ups:
        # An official's conduct and the scheme's benefit differ on purpose.
        bases = {'conduct': rng.randint(3, 9), 'scheme': rng.randint(2, 8)}
        rated_by = rng.choice(
            ['social_worker', 'survivor_leader', 'survivor'])
        rated = [c for c in criteria
            if rated_by == 'social_worker' or rng.random() < 0.7]
        ratings.append({
                'follow_up': follow_up.id,
                'date': min(
                    follow_up.date + dt.timedelta(days=rng.randint(0, 3)),
                    builder.today),
                'rated_by': rated_by,
                'lines': [('create', [{
                                'criterion': c.id,
                                'score': random_score(rng, bases[c.aspect]),
                                } for c in rated])],
                })
    Rating.create(ratings)


def create_meetings(builder, company):
    pool = Pool()
    Survivor = pool.get('shakti.survivor')
    Intake = pool.get('shakti.intake')
    Application = pool.get('shakti.application')
    Meeting = pool.get('shakti.tpcm.meeting')

    rng = builder.rng
    survivors = Survivor.search([
            ('company', '=', company.id),
            ], order=[('id', 'ASC')], limit=2)
    for survivor in survivors:
        office = builder.offices[survivor.block.code]
        intakes = Intake.search([
                ('survivor', '=', survivor.id),
                ], order=[('date', 'DESC')], limit=1)
        needs = [n for i in intakes for n in i.needs
            if n.priority in {'high', 'medium'}][:2]
        applications = Application.search([
                ('survivor', '=', survivor.id),
                ('state', '!=', 'draft'),
                ], limit=1)
        date = builder.today - dt.timedelta(days=rng.randint(5, 60))
        staff = survivor.social_worker
        actions = [{
                'description': "Bring the documents the office asked for",
                'responsible': 'survivor',
                'due_date': date + dt.timedelta(days=7),
                'status': rng.choice(['open', 'done']),
                }]
        if applications:
            actions.append({
                    'description': "Look into the pending application",
                    'responsible': 'duty_bearer',
                    'duty_bearer': office.duty_bearers[0].id,
                    'due_date': date + dt.timedelta(days=21),
                    'status': 'open',
                    'application': applications[0].id,
                    })
        Meeting.create([{
                    'survivor': survivor.id,
                    'date': date,
                    'place': survivor.block.id,
                    'venue': office.name,
                    'survivor_present': True,
                    'leader_present': rng.random() < 0.5,
                    'staff': [('add', [staff.id])]
                    if staff and staff.company == company else [],
                    'duty_bearers': [('add', [
                                d.id for d in office.duty_bearers])],
                    'needs': [('add', [n.id for n in needs])],
                    'actions': [('create', actions)],
                    }])


def create_demands(builder, company, gram_panchayats):
    pool = Pool()
    Survivor = pool.get('shakti.survivor')
    Demand = pool.get('shakti.village_demand')

    rng = builder.rng
    block_codes = [p.code for p in company.places]
    survivors = Survivor.search([('company', '=', company.id)], limit=3)
    for block_code in block_codes:
        if block_code not in gram_panchayats:
            continue
        for category, text in rng.sample(DEMANDS, 2):
            assembly = builder.today - dt.timedelta(days=rng.randint(30, 200))
            outcome = rng.choice(['pending', 'included', 'rejected',
                    'deferred'])
            values = {
                'company': company.id,
                'gram_panchayat': gram_panchayats[block_code].id,
                'assembly_date': assembly,
                'plan_year': (
                    assembly.year + 1 if assembly.month >= 10
                    else assembly.year),
                'demand': text,
                'category': category,
                'survivors': [('add', [
                            s.id for s in rng.sample(
                                survivors, min(2, len(survivors)))])],
                'outcome': outcome,
                }
            if outcome != 'pending':
                values['outcome_date'] = min(
                    assembly + dt.timedelta(days=rng.randint(10, 25)),
                    builder.today)
                values['outcome_note'] = {
                    'included': "In the plan with its budget line",
                    'rejected': "No funds left under this head",
                    'deferred': "To be taken up next year",
                    }[outcome]
            Demand.create([values])
