# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Invented case plans and family engagement plans for the demo survivors.

Every person named here is made up."""
import datetime as dt

from trytond.pool import Pool

FAMILY_NAMES = [
    "Kamala", "Bimala", "Sukumar", "Haripada", "Nilima", "Anwar", "Rabeya",
    "Gopal", "Sabitri", "Madhu", "Lakshmamma", "Venkatesh",
    ]
ACTION_TEXTS = {
    'identity_documents': "Go with her to the enrolment centre",
    'social_protection': "Fill the pension form with her",
    'livelihood': "Introduce her to the self-help group",
    'housing': "Ask the block office for the housing survey date",
    'legal': "Meet the public prosecutor about the hearing",
    'mental_health': "Arrange a session with the counsellor",
    'physical_health': "Go with her to the block health centre",
    'family': "Talk with her about meeting her family",
    'education': "Find a bridge course near her village",
    }
RESPONSIBLE_KINDS = [
    'social_worker', 'social_worker', 'survivor', 'survivor_leader',
    'duty_bearer',
    ]


def load(builder):
    "Create case plans and family engagement plans for some survivors"
    pool = Pool()
    Survivor = pool.get('shakti.survivor')

    survivors = Survivor.search([], order=[('id', 'ASC')])
    for index, survivor in enumerate(survivors):
        if index % 3 == 0:
            create_case_plan(builder, survivor, index)
    family = [s for s in survivors
        if s.has_consent('family_engagement', builder.today)]
    for index, survivor in enumerate(family[:10]):
        create_family_plan(builder, survivor, index)


def create_case_plan(builder, survivor, index):
    pool = Pool()
    Intake = pool.get('shakti.intake')
    Plan = pool.get('shakti.case_plan')

    rng = builder.rng
    intakes = Intake.search([
            ('survivor', '=', survivor.id),
            ], order=[('date', 'DESC')], limit=1)
    if not intakes:
        return
    intake, = intakes
    needs = [n for n in intake.needs if n.priority in {'high', 'medium'}]
    if not needs:
        needs = list(intake.needs[:2])
    start = min(intake.date + dt.timedelta(days=rng.randint(3, 20)),
        builder.today)
    # Every third plan waits for approval.
    state = ['active', 'active', 'submitted'][index // 3 % 3]
    values = {
        'survivor': survivor.id,
        'intake': intake.id,
        'social_worker': survivor.social_worker.id,
        'start_date': start,
        'review_date': start + dt.timedelta(days=90),
        'state': state,
        'actions': [('create', [
                    action_values(builder, survivor, need, state, i)
                    for i, need in enumerate(needs[:4])])],
        }
    if state == 'active':
        values['approved_date'] = min(
            start + dt.timedelta(days=2), builder.today)
    Plan.create([values])


def action_values(builder, survivor, need, state, index):
    pool = Pool()
    DutyBearer = pool.get('shakti.duty_bearer')

    rng = builder.rng
    today = builder.today
    responsible = rng.choice(RESPONSIBLE_KINDS)
    values = {
        'need': need.id,
        'description': ACTION_TEXTS[need.domain],
        'responsible': responsible,
        'due_date': today + dt.timedelta(days=rng.randint(-60, 60)),
        'status': 'planned',
        }
    if index == 0:
        # The first action of each plan is past its due date, so that the
        # organisations with active plans have overdue actions to list.
        values['due_date'] = today - dt.timedelta(days=rng.randint(5, 40))
    elif state == 'active':
        values['status'] = rng.choice(
            ['planned', 'in_progress', 'done', 'done', 'dropped'])
    if values['status'] == 'done':
        values['done_date'] = today - dt.timedelta(days=rng.randint(0, 20))
    if responsible == 'social_worker':
        values['staff'] = survivor.social_worker.id
    elif responsible == 'duty_bearer':
        duty_bearers = DutyBearer.search([
                ('office.place', '=', survivor.block.id),
                ], limit=1)
        if duty_bearers:
            values['duty_bearer'] = duty_bearers[0].id
        else:
            values['responsible'] = 'survivor'
    return values


def create_family_plan(builder, survivor, index):
    pool = Pool()
    FamilyPlan = pool.get('shakti.family_plan')
    Consent = pool.get('shakti.survivor.consent')

    rng = builder.rng
    today = builder.today
    consent, = [c for c in survivor.consents
        if c.purpose == 'family_engagement']
    start = consent.given_date + dt.timedelta(
        days=rng.randint(0, max((today - consent.given_date).days - 10, 0)))
    plan, = FamilyPlan.create([{
                'survivor': survivor.id,
                'social_worker': survivor.social_worker.id,
                'goals': rng.choice([
                        "Her mother to accept her back home",
                        "Her family to support her small business",
                        "Her children to visit her every month",
                        ]),
                'start_date': start,
                'state': 'active',
                'members': [('create', [{
                                'name': "%s %s" % (
                                    rng.choice(FAMILY_NAMES),
                                    survivor.name.split()[-1]),
                                'relationship': relationship,
                                'contact': '9%09d' % rng.randint(
                                    0, 10 ** 9 - 1),
                                'supportive': rng.random() < 0.5,
                                } for relationship in rng.sample(
                                ['mother', 'father', 'sibling', 'child',
                                    'husband'], 2)])],
                }])
    create_sessions(builder, plan)
    # The survivor of every fourth plan withdraws her consent, which stops
    # the plan.
    if index % 4 == 3:
        Consent.write([consent], {'withdrawn_date': today})


def create_sessions(builder, plan):
    pool = Pool()
    Session = pool.get('shakti.family_plan.session')

    rng = builder.rng
    date = plan.start_date
    vlist = []
    for _ in range(rng.randint(1, 3)):
        date = date + dt.timedelta(days=rng.randint(0, 20))
        if date > builder.today:
            break
        vlist.append({
                'plan': plan.id,
                'date': date,
                'facilitator': plan.social_worker.id,
                'with_survivor': rng.random() < 0.5,
                'members': [('add', [m.id for m in rng.sample(
                                plan.members, rng.randint(1, 2))])],
                'outcome': rng.choice([
                        'agreement', 'progress', 'progress', 'no_change',
                        'conflict', 'not_held']),
                })
    Session.create(vlist)
