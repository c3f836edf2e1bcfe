# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Invented counselling sessions, legal cases and compensation orders."""
import datetime as dt
from decimal import Decimal

from trytond.pool import Pool

# The organisations whose own counsellors record sessions, by the login of
# their counsellor. The consortium's counsellor is an employee of the
# partner, not of the CBOs that register the survivors.
COUNSELLORS = {
    "Canning Sakhi Samiti": 'counsellor.canning',
    "Krishna Vanitha Vedika": 'counsellor.vedika',
    }
# The organisations with legal cases, and the block of their courts.
LEGAL_ORGANISATIONS = [
    ("Basirhat-I Mukti Sangha", 'WB-N24P-BASIRHAT-I'),
    ("Hasnabad Mukti Sangha", 'WB-N24P-HASNABAD'),
    ("Canning Sakhi Samiti", 'WB-S24P-CANNING-I'),
    ("Krishna Vanitha Vedika", 'AP-KRISHNA-GUDIVADA'),
    ]
SESSION_NOTES = [
    "Talked about sleep and the fear of meeting the accused in court.",
    "Practised breathing exercises; she wants to restart tailoring.",
    "Discussed her relation with her mother-in-law.",
    "She felt calmer after the self-help group meeting.",
    ]


def load(builder):
    "Create the demo counselling sessions, legal cases and compensation"
    create_sessions(builder)
    create_legal_cases(builder)


def create_sessions(builder):
    pool = Pool()
    Survivor = pool.get('shakti.survivor')
    Session = pool.get('shakti.counselling.session')
    User = pool.get('res.user')

    rng = builder.rng
    for organisation, login in COUNSELLORS.items():
        company = builder.organisations[organisation]
        counsellor = User.search([('login', '=', login)])[0].employee
        survivors = Survivor.search(
            [('company', '=', company.id)], order=[('id', 'ASC')])
        values = []
        for survivor in survivors[:4]:
            first = max(
                survivor.registration_date,
                builder.today - dt.timedelta(days=120))
            span = (builder.today - first).days
            for _ in range(rng.randint(1, 3)):
                phq9 = rng.randint(0, 27)
                values.append({
                        'survivor': survivor.id,
                        'kind': 'individual',
                        'counsellor': counsellor.id,
                        'date': first + dt.timedelta(
                            days=rng.randint(0, span)),
                        'duration': rng.choice([30, 45, 60]),
                        'notes': rng.choice(SESSION_NOTES),
                        'phq9_score': phq9,
                        'gad7_score': rng.choice([None, rng.randint(0, 21)]),
                        'referral': phq9 >= 20,
                        'referral_to': (
                            "District Hospital Psychiatry Unit"
                            if phq9 >= 20 else None),
                        })
        group_date = builder.today - dt.timedelta(days=14)
        for survivor in survivors[:3]:
            if survivor.registration_date > group_date:
                continue
            values.append({
                    'survivor': survivor.id,
                    'kind': 'group',
                    'group_reference': "%s group %s" % (
                        organisation, group_date),
                    'counsellor': counsellor.id,
                    'date': group_date,
                    'duration': 90,
                    'notes': "Took part in the group on fear and trust.",
                    })
        Session.create(values)


def create_offices(builder, code):
    "Create the police station, court and legal services authority"
    pool = Pool()
    Office = pool.get('shakti.office')

    place = builder.place(code)
    district = place.parent
    police, court, authority = Office.create([{
                'name': "%s Police Station" % place.name,
                'type': 'police',
                'place': place.id,
                }, {
                'name': "%s Court" % district.name,
                'type': 'court',
                'place': district.id,
                'duty_bearers': [('create', [{
                                'name': "%s Prosecutor" % place.name,
                                'post': 'public_prosecutor',
                                }])],
                }, {
                'name': "%s District Legal Services Authority"
                % district.name,
                'type': 'legal_services',
                'place': district.id,
                }])
    return police, court, authority


def create_legal_cases(builder):
    pool = Pool()
    Survivor = pool.get('shakti.survivor')
    LegalCase = pool.get('shakti.legal_case')

    rng = builder.rng
    for organisation, code in LEGAL_ORGANISATIONS:
        company = builder.organisations[organisation]
        police, court, authority = create_offices(builder, code)
        survivors = Survivor.search(
            [('company', '=', company.id)], order=[('id', 'ASC')])
        for number, survivor in enumerate(survivors[:2], 1):
            fir_date = survivor.registration_date - dt.timedelta(
                days=rng.randint(10, 60))
            stage = rng.choice(['investigation', 'charge_sheet', 'evidence'])
            in_court = stage != 'investigation'
            legal_case, = LegalCase.create([{
                        'survivor': survivor.id,
                        'police_station': police.id,
                        'fir_number': '%s/%s' % (
                            rng.randint(50, 400), fir_date.year),
                        'fir_date': fir_date,
                        'court': court.id if in_court else None,
                        'court_case_number': (
                            'SC %s/%s' % (number * 17, fir_date.year + 1)
                            if in_court else None),
                        'stage': stage,
                        'public_prosecutor': court.duty_bearers[0].id,
                        'hearings': [('create', hearings(builder, stage))],
                        }])
            create_compensation(builder, legal_case, authority)


def hearings(builder, stage):
    "Return the values of a past and an upcoming hearing for a court case"
    if stage == 'investigation':
        return []
    rng = builder.rng
    past = builder.today - dt.timedelta(days=rng.randint(20, 60))
    upcoming = builder.today + dt.timedelta(days=rng.randint(3, 40))
    return [{
            'date': past,
            'attended': True,
            'travel_support': Decimal(rng.choice([200, 350, 500])),
            'next_date': upcoming,
            }, {
            'date': upcoming,
            }]


def create_compensation(builder, legal_case, authority):
    pool = Pool()
    Compensation = pool.get('shakti.compensation')
    Application = pool.get('shakti.application')

    rng = builder.rng
    survivor = legal_case.survivor
    if rng.random() < 0.4:
        return
    applications = Application.search([
            ('survivor', '=', survivor.id),
            ('scheme.category', '=', 'compensation'),
            ], limit=1)
    order_date = builder.today - dt.timedelta(days=rng.randint(30, 400))
    order_date = max(order_date, survivor.registration_date)
    approved = Decimal(rng.choice([100000, 300000, 600000]))
    disbursements = []
    for part in rng.sample([Decimal('0.25'), Decimal('0.25'),
                Decimal('0.5')], rng.randint(1, 2)):
        date = order_date + dt.timedelta(days=rng.randint(
                    0, (builder.today - order_date).days))
        disbursements.append({
                'date': date,
                'amount': approved * part,
                'reference': 'NEFT %06d' % rng.randint(0, 999999),
                })
    Compensation.create([{
                'survivor': survivor.id,
                'legal_case': legal_case.id,
                'application': applications[0].id if applications else None,
                'authority': authority.id,
                'reference': 'DLSA/VC/%s/%s' % (
                    rng.randint(1, 90), order_date.year),
                'order_date': order_date,
                'amount_approved': approved,
                'disbursements': [('create', disbursements)],
                }])
