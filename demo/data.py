# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Invented organisations, people and cases shaped like the programme.

Every person and organisation here is made up. ``load`` creates them in the
current transaction, as the root user, unless they exist already."""
import datetime as dt
import logging
import random
from decimal import Decimal

from trytond.pool import Pool
from trytond.transaction import Transaction, TransactionError

from . import (
    buyers, counselling, grants, livelihood, market, paper, plans, ratings,
    scorecards, shg)

logger = logging.getLogger(__name__)

PASSWORD = 'shakti-demo-2026'
LEAD = "Uttaran Trust"
CONSORTIUM = "Nirbhoy Mahila Jote"
CANNING = "Canning Sakhi Samiti"
ANDHRA = "Krishna Vanitha Vedika"
# The consortium's CBOs, one per block of North 24 Parganas.
CBOS = [
    ('basirhat1', "Basirhat-I", 'WB-N24P-BASIRHAT-I'),
    ('basirhat2', "Basirhat-II", 'WB-N24P-BASIRHAT-II'),
    ('hasnabad', "Hasnabad", 'WB-N24P-HASNABAD'),
    ('baduria', "Baduria", 'WB-N24P-BADURIA'),
    ('barasat1', "Barasat-I", 'WB-N24P-BARASAT-I'),
    ('haroa', "Haroa", 'WB-N24P-HAROA'),
    ('minakhan', "Minakhan", 'WB-N24P-MINAKHAN'),
    ('sandeshkhali1', "Sandeshkhali-I", 'WB-N24P-SANDESHKHALI-I'),
    ]
CANNING_BLOCK = 'WB-S24P-CANNING-I'
ANDHRA_MANDALS = [
    'AP-KRISHNA-GUDIVADA', 'AP-KRISHNA-PEDANA', 'AP-KRISHNA-AVANIGADDA',
    'AP-KRISHNA-BANTUMILLI', 'AP-GUNTUR-TENALI', 'AP-GUNTUR-PONNUR',
    'AP-GUNTUR-MANGALAGIRI',
    ]

WB_FIRST_NAMES = [
    "Asha", "Rumki", "Mousumi", "Shabnam", "Rina", "Sathi", "Puja", "Jharna",
    "Mitali", "Papiya", "Rehana", "Tania", "Sumana", "Lipika", "Bithika",
    "Moumita", "Salma", "Kakoli",
    ]
WB_SURNAMES = [
    "Mondal", "Sardar", "Bibi", "Naskar", "Gayen", "Halder", "Khatun",
    "Mistri", "Purkait", "Das",
    ]
AP_FIRST_NAMES = [
    "Lakshmi", "Padma", "Sirisha", "Swapna", "Anitha", "Durga", "Kavitha",
    "Ramya",
    ]
AP_SURNAMES = ["Kondeti", "Vemula", "Pallapu", "Gorantla", "Chinta"]
STAFF_NAMES = [
    "Mita Sen", "Rupa Ghosh", "Nasrin Ali", "Tapasi Roy", "Kabita Dey",
    "Shampa Kar", "Jaya Bose", "Anju Paul", "Sirin Laskar", "Dipa Saha",
    "Parveen Gazi", "Ruma Jana", "Geeta Rao", "Sunitha Reddy",
    "Vani Kumari", "Hema Latha", "Madhavi Devi",
    ]

# The demo logins: (login, role groups, organisation key).
CASE_GROUPS = {
    'case_worker': ['group_case_worker'],
    'survivor_leader': ['group_survivor_leader'],
    'case_supervisor': ['group_case_supervisor'],
    'counsellor': ['group_counsellor'],
    'livelihood_officer': ['group_livelihood_officer'],
    'finance_officer': ['group_finance_officer'],
    'finance_approver': ['group_finance_officer', 'group_finance_approver'],
    'monitoring': ['group_monitoring'],
    'admin': ['group_admin'],
    }

# The demo survivors' accounts for the survivor pages: (login, language,
# organisation). Each belongs to the organisation's first open case.
SURVIVOR_ACCOUNTS = [
    ('sv.basirhat1', 'bn', "Basirhat-I Mukti Sangha"),
    ('sv.vedika', 'te', ANDHRA),
    ]


def users():
    "Return the demo logins as (login, role, organisation name) tuples"
    result = []
    for key, block, _ in CBOS:
        name = "%s Mukti Sangha" % block
        result.append(('cw.%s' % key, 'case_worker', name))
        result.append(('leader.%s' % key, 'survivor_leader', name))
    for key, name in [('jote', CONSORTIUM), ('canning', CANNING),
            ('vedika', ANDHRA)]:
        if key != 'jote':
            result.append(('cw.%s' % key, 'case_worker', name))
            result.append(('leader.%s' % key, 'survivor_leader', name))
        result.append(('supervisor.%s' % key, 'case_supervisor', name))
        result.append(('counsellor.%s' % key, 'counsellor', name))
        result.append(('livelihood.%s' % key, 'livelihood_officer', name))
    # The partner that funds CBOs keeps its own finance staff.
    result.append(('finance.jote', 'finance_officer', CONSORTIUM))
    result.append(('approver.jote', 'finance_approver', CONSORTIUM))
    for login, role in [
            ('supervisor.lead', 'case_supervisor'),
            ('me.lead', 'monitoring'),
            ('finance.lead', 'finance_officer'),
            ('approver.lead', 'finance_approver'),
            ('livelihood.lead', 'livelihood_officer'),
            ('admin.lead', 'admin'),
            ]:
        result.append((login, role, LEAD))
    return result


def is_loaded():
    pool = Pool()
    Company = pool.get('company.company')
    return bool(Company.search([('party.name', '=', LEAD)]))


def load_database(database_name, today=None):
    """Load the demo data into a database in a transaction of its own.

    Return whether it was created. Like Tryton's dispatcher, retry when
    the transaction must lock records first, as strict sequences do."""
    extras = {}
    while True:
        with Transaction().start(database_name, 0, **extras) as transaction:
            try:
                created = load(today=today)
            except TransactionError as error:
                transaction.rollback()
                error.fix(extras)
                continue
            transaction.commit()
            return created


def load(today=None):
    """Create the demo data unless it exists; return whether it was created.

    ``today`` sets the date the demo history leads up to."""
    if is_loaded():
        return False
    pool = Pool()
    Date = pool.get('ir.date')
    if today is None:
        today = Date.today()
    rng = random.Random(20240601)
    with Transaction().set_context(active_test=False):
        builder = _Builder(rng, today)
        builder.build()
    logger.info("demo data loaded")
    return True


class _Builder:
    "Create the demo records with one random generator for repeatable data"

    def __init__(self, rng, today):
        self.rng = rng
        self.today = today
        self.employees = {}
        self.places = {}
        self.names = set()

    def place(self, code):
        pool = Pool()
        Place = pool.get('shakti.place')

        if code not in self.places:
            self.places[code], = Place.search([('code', '=', code)])
        return self.places[code]

    def build(self):
        self.organisations = self.create_organisations()
        self.create_users()
        self.offices = self.create_offices()
        self.create_cases()
        self.create_survivor_accounts()
        plans.load(self)
        ratings.load(self)
        paper.load(self)
        counselling.load(self)
        shg.load(self)
        livelihood.load(self)
        grants.load(self)
        scorecards.load(self)
        market.load(self)
        buyers.load(self)

    def create_organisations(self):
        pool = Pool()
        Party = pool.get('party.party')
        Company = pool.get('company.company')
        Currency = pool.get('currency.currency')

        inr, = Currency.search([('code', '=', 'INR')])

        def company(name, type_, parent=None, places=()):
            party = Party(name=name)
            party.save()
            record = Company(
                party=party, currency=inr, timezone='Asia/Kolkata',
                organisation_type=type_, parent=parent,
                places=[self.place(c) for c in places])
            record.save()
            return record

        lead = company(LEAD, 'lead')
        organisations = {LEAD: lead}
        jote = company(
            CONSORTIUM, 'partner', lead, [c for _, _, c in CBOS])
        organisations[CONSORTIUM] = jote
        for _, block, code in CBOS:
            name = "%s Mukti Sangha" % block
            organisations[name] = company(name, 'cbo', jote, [code])
        organisations[CANNING] = company(
            CANNING, 'partner', lead, [CANNING_BLOCK])
        organisations[ANDHRA] = company(
            ANDHRA, 'partner', lead, ANDHRA_MANDALS)
        return organisations

    def create_users(self):
        pool = Pool()
        User = pool.get('res.user')
        Employee = pool.get('company.employee')
        Party = pool.get('party.party')
        ModelData = pool.get('ir.model.data')

        staff = iter(STAFF_NAMES * 4)
        for login, role, organisation in users():
            company = self.organisations[organisation]
            employee = None
            if role in {'case_worker', 'case_supervisor', 'counsellor'}:
                party = Party(name=next(staff))
                party.save()
                employee = Employee(party=party, company=company)
                employee.save()
                self.employees.setdefault(company.id, []).append(employee)
            groups = [ModelData.get_id('shakti_base', g)
                for g in CASE_GROUPS[role]]
            user = User(
                login=login,
                name="%s (%s)" % (login, organisation),
                password=PASSWORD,
                companies=[company],
                company=company,
                employees=[employee] if employee else [],
                employee=employee,
                groups=groups)
            user.save()

    def create_offices(self):
        pool = Pool()
        Office = pool.get('shakti.office')
        DutyBearer = pool.get('shakti.duty_bearer')

        codes = ([c for _, _, c in CBOS] + [CANNING_BLOCK] + ANDHRA_MANDALS)
        officials = iter([
                "Arindam Basu", "Sourav Pal", "Debjani Mitra",
                "Pritam Chakraborty", "Sanjay Biswas", "Amit Sarkar",
                "Nandini Ghoshal", "Ranjit Dutta", "Subrata Nandi",
                "Srinivas Rao", "Ravi Teja", "Kiran Kumar", "Prasad Varma",
                "Suresh Babu", "Venkat Naidu", "Ramana Murthy",
                ] * 3)
        offices = {}
        for code in codes:
            place = self.place(code)
            is_mandal = place.type == 'mandal'
            office = Office(
                name="%s %s" % (
                    place.name,
                    "Mandal Parishad Office" if is_mandal
                    else "Block Development Office"),
                type='bdo', place=place)
            office.save()
            DutyBearer(
                name=next(officials),
                post='mpdo' if is_mandal else 'bdo',
                designation=("Mandal Parishad Development Officer"
                    if is_mandal else "Block Development Officer"),
                office=office,
                start_date=self.today - dt.timedelta(days=700)).save()
            offices[code] = office
        return offices

    def invent_name(self, first_names, surnames):
        while True:
            name = "%s %s" % (
                self.rng.choice(first_names), self.rng.choice(surnames))
            if name not in self.names:
                self.names.add(name)
                return name

    def create_cases(self):
        pool = Pool()
        Scheme = pool.get('shakti.scheme')

        schemes = {s.code: s for s in Scheme.search([])}
        wb_schemes = [schemes[c] for c in [
                'PMAY-G', 'SBM-G-IHHL', 'NFSA-PMGKAY', 'IGNWPS',
                'AADHAAR', 'PMJDY', 'WB-VCS-2017', 'WB-KHADYA-SATHI',
                'WB-CASTE-CERTIFICATE'] if c in schemes]
        ap_schemes = [schemes[c] for c in [
                'PMAY-G', 'NFSA-PMGKAY', 'AP-NTR-BHAROSA',
                'AP-NTR-VAIDYA-SEVA', 'AP-VCS-2015', 'AADHAAR',
                'PMJDY'] if c in schemes]
        for _, block, code in CBOS:
            organisation = self.organisations["%s Mukti Sangha" % block]
            for _ in range(4):
                self.create_case(
                    organisation, self.place(code), WB_FIRST_NAMES,
                    WB_SURNAMES, wb_schemes)
        for _ in range(6):
            self.create_case(
                self.organisations[CANNING], self.place(CANNING_BLOCK),
                WB_FIRST_NAMES, WB_SURNAMES, wb_schemes)
        for i in range(8):
            self.create_case(
                self.organisations[ANDHRA],
                self.place(ANDHRA_MANDALS[i % len(ANDHRA_MANDALS)]),
                AP_FIRST_NAMES, AP_SURNAMES, ap_schemes)

    def create_case(self, company, block, first_names, surnames, schemes):
        pool = Pool()
        Survivor = pool.get('shakti.survivor')

        rng = self.rng
        worker = rng.choice(self.employees[self._case_company(company).id])
        registered = self.today - dt.timedelta(days=rng.randint(90, 1500))
        birth_year = self.today.year - rng.randint(18, 40)
        consents = [{
                'purpose': 'case_management',
                'given_date': registered,
                }]
        if rng.random() < 0.85:
            consents.append({
                    'purpose': 'duty_bearers',
                    'given_date': registered + dt.timedelta(days=21),
                    })
        if rng.random() < 0.4:
            consents.append({
                    'purpose': 'family_engagement',
                    'given_date': registered + dt.timedelta(days=60),
                    })
        survivor, = Survivor.create([{
                    'company': company.id,
                    'name': self.invent_name(first_names, surnames),
                    'birth_year': birth_year,
                    'phone': '9%09d' % rng.randint(0, 10 ** 9 - 1),
                    'block': block.id,
                    'social_worker': worker.id,
                    'registration_date': registered,
                    'consents': [('create', consents)],
                    'identity_documents': [('create', [{
                                    'type': 'aadhaar',
                                    'status': rng.choice(
                                        ['held', 'applied', 'missing']),
                                    }])],
                    }])
        self.create_intakes(survivor, worker)
        for scheme in rng.sample(schemes, rng.randint(1, 3)):
            self.create_application(survivor, scheme, worker)

    def create_survivor_accounts(self):
        pool = Pool()
        Survivor = pool.get('shakti.survivor')
        WebUser = pool.get('web.user')
        Lang = pool.get('ir.lang')
        Intake = pool.get('shakti.intake')

        languages = {
            lang.code: lang for lang in Lang.search([
                    ('code', 'in', [c for _, c, _ in SURVIVOR_ACCOUNTS]),
                    ])}
        accounts = []
        for login, code, organisation in SURVIVOR_ACCOUNTS:
            survivor = Survivor.search([
                    ('company', '=', self.organisations[organisation].id),
                    ('state', '=', 'open'),
                    ], order=[('id', 'ASC')], limit=1)[0]
            accounts.append(WebUser(
                    survivor=survivor, login=login,
                    language=languages[code], password=PASSWORD))
            # Her case worker opens two need domains of her latest intake
            # to her pages.
            intakes = Intake.search([
                    ('survivor', '=', survivor.id),
                    ], order=[('date', 'DESC'), ('id', 'DESC')], limit=1)
            if intakes:
                Intake.write(intakes, {
                        'survivor_domains': ['livelihood', 'housing'],
                        })
        WebUser.save(accounts)

    def _case_company(self, company):
        "Return the organisation whose staff handle company's cases"
        if company.id in self.employees:
            return company
        return company.parent

    def create_intakes(self, survivor, worker):
        pool = Pool()
        Intake = pool.get('shakti.intake')
        NEED_DOMAINS = pool.get('shakti.intake.need').domain.selection

        rng = self.rng
        first = survivor.registration_date + dt.timedelta(
            days=rng.randint(14, 28))
        count = 1 + (self.today - first).days // 365
        fillers = ['social_worker', 'survivor_leader', 'survivor']
        for i in range(min(count, 3)):
            date = first + dt.timedelta(days=365 * i)
            if date > self.today:
                break
            Intake.create([{
                        'company': survivor.company.id,
                        'survivor': survivor.id,
                        'date': date,
                        'filled_by': fillers[min(i, rng.randint(0, 2))],
                        'interviewer': worker.id,
                        'paper_form': rng.random() < 0.8,
                        'needs': [('create', [{
                                        'domain': domain,
                                        'priority': rng.choice(
                                            ['high', 'medium', 'low',
                                                'none']),
                                        } for domain, _ in NEED_DOMAINS])],
                        }])

    def create_application(self, survivor, scheme, worker):
        pool = Pool()
        Application = pool.get('shakti.application')
        FollowUp = pool.get('shakti.application.follow_up')

        rng = self.rng
        office = self.offices.get(survivor.block.code)
        duty_bearer = office.duty_bearers[0] if office else None
        earliest = survivor.registration_date + dt.timedelta(days=30)
        span = max((self.today - earliest).days - 30, 1)
        date = earliest + dt.timedelta(days=rng.randint(0, span))
        state = rng.choice([
                'draft', 'submitted', 'submitted', 'under_process',
                'under_process', 'approved', 'received', 'received',
                'rejected'])
        values = {
            'company': survivor.company.id,
            'survivor': survivor.id,
            'scheme': scheme.id,
            'block': survivor.block.id,
            'office': office.id if office else None,
            'duty_bearer': duty_bearer.id if duty_bearer else None,
            'date': date,
            'state': state,
            }
        step = max((self.today - date).days // 5, 1)
        current = date
        for name, states in [
                ('submitted_date', {
                        'submitted', 'under_process', 'approved', 'received',
                        'rejected'}),
                ('processing_date', {
                        'under_process', 'approved', 'received',
                        'rejected'}),
                ('approved_date', {'approved', 'received'}),
                ('received_date', {'received'}),
                ('rejected_date', {'rejected'}),
                ]:
            if state in states:
                current = current + dt.timedelta(days=rng.randint(1, step))
                values[name] = min(current, self.today)
        if state in {'approved', 'received'}:
            amount = Decimal(rng.choice([0, 1000, 25000, 120000]))
            if scheme.category == 'compensation':
                amount = Decimal(600000)
            values['amount_approved'] = amount
            if state == 'received':
                values['amount_received'] = amount
            elif scheme.category == 'compensation':
                values['amount_received'] = Decimal(0)
        application, = Application.create([values])
        if state == 'draft':
            return
        follow_ups = []
        visit = values['submitted_date']
        for _ in range(rng.randint(0, 3)):
            visit = visit + dt.timedelta(days=rng.randint(7, 45))
            if visit > self.today:
                break
            follow_ups.append({
                    'application': application.id,
                    'date': visit,
                    'staff': worker.id,
                    'with_survivor': rng.random() < 0.6,
                    'with_leader': rng.random() < 0.4,
                    'duty_bearer': duty_bearer.id if duty_bearer else None,
                    'outcome': rng.choice([
                            'promised', 'documents_requested', 'forwarded',
                            'not_met']),
                    'next_date': visit + dt.timedelta(days=14),
                    })
        FollowUp.create(follow_ups)
