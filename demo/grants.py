# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Invented grants, partner agreements, tranches, milestones, disbursements
and utilisation reports.

The lead NGO funds its three partners from a foundation's grant. The
consortium funds three of its CBOs from its own agreement and a fourth
from a CSR grant that it holds. The history leads up to the builder's
today, with tranches in every state, some of them paid late, and money
unaccounted for in every age band."""
import datetime as dt
from collections import namedtuple
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from trytond.pool import Pool

LEAD = "Uttaran Trust"
CONSORTIUM = "Nirbhoy Mahila Jote"
CANNING = "Canning Sakhi Samiti"
ANDHRA = "Krishna Vanitha Vedika"

# The staff of each funder who request and approve the release of money.
FUNDER_STAFF = {
    LEAD: ('finance.lead', 'approver.lead'),
    CONSORTIUM: ('finance.jote', 'approver.jote'),
    }
# The staff of each recipient who submit evidence and reports.
RECIPIENT_STAFF = {
    CONSORTIUM: 'supervisor.jote',
    CANNING: 'supervisor.canning',
    ANDHRA: 'supervisor.vedika',
    "Basirhat-I Mukti Sangha": 'cw.basirhat1',
    "Hasnabad Mukti Sangha": 'cw.hasnabad',
    "Haroa Mukti Sangha": 'cw.haroa',
    "Minakhan Mukti Sangha": 'cw.minakhan',
    }

# A date is ('today', months, days) from the builder's today, ('month',
# months, days) from the first day of a month counted from today's month,
# or ('start', days) from the agreement's start date.
# A grant or an agreement runs from the first day of its first month to
# the day before its end month, both counted from today's month.
GrantSpec = namedtuple('GrantSpec', [
        'key', 'holder', 'reference', 'name', 'donor', 'amount',
        'first_month', 'end_month', 'budget'])
AgreementSpec = namedtuple('AgreementSpec', [
        'key', 'recipient', 'source', 'reference', 'title', 'amount',
        'first_month', 'end_month', 'budget', 'tranches', 'reports',
        'closed'],
    defaults=[None])
# Milestones are (name, kind, state), disbursements are (date, amount) and
# a delay is (reason, waited on, note). The request date of a tranche is
# given only when no disbursement dates it.
TrancheSpec = namedtuple('TrancheSpec', [
        'name', 'amount', 'planned', 'milestones', 'state',
        'disbursements', 'requested', 'delay'],
    defaults=[(), None, None])
ReportSpec = namedtuple('ReportSpec', [
        'state', 'start', 'end', 'date', 'lines'])

GRANTS = [
    GrantSpec('safe_villages', LEAD, 'UT-MF-01', "Safe Villages Programme",
        "Meghmala Foundation", Decimal('24000000.00'), -20, 17, [
            ("Partner agreements", Decimal('18000000.00')),
            ("Training and exchange visits", Decimal('2400000.00')),
            ("Monitoring and evaluation", Decimal('1800000.00')),
            ("Programme management", Decimal('1800000.00')),
            ]),
    GrantSpec('livelihood_fund', CONSORTIUM, 'NMJ-CSR-01',
        "Livelihood Restart Fund",
        "Rupnarayan Jute Mills CSR Foundation", Decimal('1800000.00'),
        -14, 11, [
            ("Livelihood grants to CBOs", Decimal('1500000.00')),
            ("Skills training", Decimal('300000.00')),
            ]),
    ]

FUNDER_COMMITMENTS = [
    ("Release each tranche within 15 days of the verification of its "
        "milestones", "Days from verification to disbursement"),
    ("Visit the programme every quarter and share the findings in "
        "writing", "Visits per quarter"),
    ]
RECIPIENT_COMMITMENTS = [
    ("Report the utilisation every six months with copies of the bills",
        "Reports on time"),
    ("Keep the agreement's money in a separate bank account", None),
    ]
SIGNED = "Agreement signed and bank account verified"
MILESTONE_EVIDENCE = {
    'other': "Signed copy and the bank's letter in the agreement file.",
    'report': "Report shared by e-mail and kept in the programme folder.",
    'utilisation_certificate': "Certificate signed by the auditor.",
    'deliverable': "Register of the activities with photographs.",
    }

# Each agreement's source is a grant or the agreement of the recipient's
# parent, by key.
AGREEMENTS = [
    AgreementSpec(
        'jote', CONSORTIUM, ('grant', 'safe_villages'), 'UT-NMJ-01',
        "Reintegration of survivors in North 24 Parganas",
        Decimal('6000000.00'), -15, 10,
        budget=[
            ("Staff", Decimal('1800000.00')),
            ("CBO sub-grants", Decimal('3000000.00')),
            ("Survivor support", Decimal('900000.00')),
            ("Travel and meetings", Decimal('300000.00')),
            ],
        tranches=[
            TrancheSpec("First tranche", Decimal('2000000.00'),
                ('start', 10), [(SIGNED, 'other', 'verified')],
                'disbursed',
                disbursements=[(('start', 10), Decimal('2000000.00'))]),
            TrancheSpec("Second tranche", Decimal('2000000.00'),
                ('today', -8, 0), [
                    ("Six-monthly progress report", 'report', 'verified'),
                    ("Utilisation certificate of the first tranche",
                        'utilisation_certificate', 'verified'),
                    ],
                'disbursed',
                disbursements=[
                    (('today', -5, 15), Decimal('1200000.00')),
                    (('today', -4, 5), Decimal('800000.00')),
                    ],
                delay=('donor_funds', 'donor', "The foundation's second "
                    "instalment reached the Trust three months late, so "
                    "the tranche was paid in two parts.")),
            TrancheSpec("Third tranche", Decimal('2000000.00'),
                ('today', 1, 0), [
                    ("Annual progress report", 'report', 'submitted'),
                    ("100 survivors linked to government schemes",
                        'deliverable', 'pending'),
                    ],
                'planned'),
            ],
        reports=[
            ReportSpec('accepted', ('start', 0), ('month', -8, -1),
                ('month', -8, 19), [
                    ("Staff", Decimal('600000.00')),
                    ("CBO sub-grants", Decimal('1000000.00')),
                    ("Survivor support", Decimal('300000.00')),
                    ("Travel and meetings", Decimal('100000.00')),
                    ]),
            ReportSpec('draft', ('month', -8, 0), ('month', -1, -1),
                ('month', -1, 9), [
                    ("Staff", Decimal('450000.00')),
                    ("Survivor support", Decimal('210000.00')),
                    ]),
            ]),
    AgreementSpec(
        'canning', CANNING, ('grant', 'safe_villages'), 'UT-CSS-01',
        "Safe migration and survivor support in Canning-I",
        Decimal('3000000.00'), -13, 11,
        budget=[
            ("Staff", Decimal('1200000.00')),
            ("Survivor support", Decimal('1000000.00')),
            ("Community vigilance", Decimal('600000.00')),
            ("Travel and meetings", Decimal('200000.00')),
            ],
        tranches=[
            TrancheSpec("First tranche", Decimal('1000000.00'),
                ('start', 15), [(SIGNED, 'other', 'verified')],
                'disbursed',
                disbursements=[(('today', -11, 0), Decimal('1000000.00'))],
                delay=('milestone', 'recipient', "The bank account details "
                    "came after two reminders.")),
            TrancheSpec("Second tranche", Decimal('1000000.00'),
                ('today', -5, 0), [
                    ("Half-yearly progress report", 'report', 'verified'),
                    ("Utilisation certificate of the first tranche",
                        'utilisation_certificate', 'verified'),
                    ],
                'requested', requested=('today', 0, -12),
                delay=('milestone', 'recipient', "The half-yearly report "
                    "came three months late.")),
            TrancheSpec("Third tranche", Decimal('1000000.00'),
                ('today', 5, 0),
                [("Annual progress report", 'report', 'pending')],
                'planned'),
            ],
        reports=[
            ReportSpec('accepted', ('start', 0), ('month', -7, -1),
                ('month', -7, 19), [
                    ("Staff", Decimal('300000.00')),
                    ("Survivor support", Decimal('250000.00')),
                    ("Community vigilance", Decimal('50000.00')),
                    ]),
            ReportSpec('submitted', ('month', -7, 0), ('month', -1, -1),
                ('month', -1, 14), [
                    ("Staff", Decimal('240000.00')),
                    ("Survivor support", Decimal('95000.00')),
                    ("Travel and meetings", Decimal('45000.00')),
                    ]),
            ]),
    AgreementSpec(
        'vedika', ANDHRA, ('grant', 'safe_villages'), 'UT-KVV-02',
        "Survivor leadership in Krishna and Guntur",
        Decimal('3600000.00'), -10, 14,
        budget=[
            ("Staff", Decimal('1440000.00')),
            ("Survivor support", Decimal('1200000.00')),
            ("Leadership training", Decimal('720000.00')),
            ("Travel and meetings", Decimal('240000.00')),
            ],
        tranches=[
            TrancheSpec("First tranche", Decimal('1200000.00'),
                ('start', 15), [(SIGNED, 'other', 'verified')],
                'disbursed',
                disbursements=[(('today', -8, 15), Decimal('1200000.00'))],
                delay=('approval', 'funder', "The approver was on field "
                    "visits for six weeks.")),
            # Approved and paid in part.
            TrancheSpec("Second tranche", Decimal('1200000.00'),
                ('today', -2, 0), [
                    ("Half-yearly progress report", 'report', 'verified'),
                    ("Survivor leaders' forums in four mandals",
                        'deliverable', 'verified'),
                    ],
                'approved',
                disbursements=[(('today', 0, -10), Decimal('600000.00'))]),
            TrancheSpec("Third tranche", Decimal('1200000.00'),
                ('today', 8, 0),
                [("Annual progress report", 'report', 'pending')],
                'planned'),
            ],
        reports=[
            ReportSpec('accepted', ('start', 0), ('month', -4, -1),
                ('month', -4, 14), [
                    ("Staff", Decimal('360000.00')),
                    ("Survivor support", Decimal('300000.00')),
                    ("Leadership training", Decimal('140000.00')),
                    ]),
            ]),
    AgreementSpec(
        'vedika_pilot', ANDHRA, ('grant', 'safe_villages'), 'UT-KVV-01',
        "Pilot of survivor-led village committees",
        Decimal('1200000.00'), -20, -8,
        closed=('month', -7, 4),
        budget=[
            ("Staff", Decimal('500000.00')),
            ("Village committees", Decimal('500000.00')),
            ("Travel and meetings", Decimal('200000.00')),
            ],
        tranches=[
            TrancheSpec("First tranche", Decimal('600000.00'),
                ('start', 10), [(SIGNED, 'other', 'verified')],
                'disbursed',
                disbursements=[(('start', 10), Decimal('600000.00'))]),
            TrancheSpec("Second tranche", Decimal('450000.00'),
                ('today', -14, 0),
                [("Mid-term report", 'report', 'verified')], 'disbursed',
                disbursements=[(('today', -14, 5), Decimal('450000.00'))]),
            # Closing the agreement cancels this tranche because the pilot
            # spent less than planned.
            TrancheSpec("Final tranche", Decimal('150000.00'),
                ('today', -10, 0), [("Final report", 'report', 'pending')],
                'planned'),
            ],
        reports=[
            ReportSpec('accepted', ('start', 0), ('month', -14, -1),
                ('month', -14, 14), [
                    ("Staff", Decimal('250000.00')),
                    ("Village committees", Decimal('280000.00')),
                    ("Travel and meetings", Decimal('70000.00')),
                    ]),
            ReportSpec('accepted', ('month', -14, 0), ('month', -8, -1),
                ('month', -8, 19), [
                    ("Staff", Decimal('220000.00')),
                    ("Village committees", Decimal('190000.00')),
                    ("Travel and meetings", Decimal('40000.00')),
                    ]),
            ]),
    AgreementSpec(
        'basirhat1', "Basirhat-I Mukti Sangha", ('agreement', 'jote'),
        'NMJ-BAS1-01', "Case work and scheme linkage in Basirhat-I",
        Decimal('800000.00'), -12, 10,
        budget=[
            ("Community workers", Decimal('480000.00')),
            ("Survivor support", Decimal('240000.00')),
            ("Meetings and travel", Decimal('80000.00')),
            ],
        tranches=[
            TrancheSpec("First tranche", Decimal('300000.00'),
                ('start', 15), [(SIGNED, 'other', 'verified')],
                'disbursed',
                disbursements=[(('start', 20), Decimal('300000.00'))]),
            TrancheSpec("Second tranche", Decimal('300000.00'),
                ('today', -5, 0),
                [("Quarterly case review", 'report', 'verified')],
                'disbursed',
                disbursements=[(('today', 0, -45), Decimal('300000.00'))],
                delay=('verification', 'funder', "The consortium verified "
                    "the case review at its quarterly finance meeting.")),
            TrancheSpec("Third tranche", Decimal('200000.00'),
                ('today', 3, 0), [("Annual report", 'report', 'pending')],
                'planned'),
            ],
        reports=[
            ReportSpec('accepted', ('start', 0), ('month', -6, -1),
                ('month', -6, 14), [
                    ("Community workers", Decimal('180000.00')),
                    ("Survivor support", Decimal('90000.00')),
                    ("Meetings and travel", Decimal('30000.00')),
                    ]),
            ReportSpec('submitted', ('month', -6, 0), ('month', -1, -1),
                ('month', -1, 11), [
                    ("Community workers", Decimal('120000.00')),
                    ("Survivor support", Decimal('65000.00')),
                    ]),
            ]),
    AgreementSpec(
        'hasnabad', "Hasnabad Mukti Sangha", ('agreement', 'jote'),
        'NMJ-HAS-01', "Case work and scheme linkage in Hasnabad",
        Decimal('800000.00'), -12, 10,
        budget=[
            ("Community workers", Decimal('480000.00')),
            ("Survivor support", Decimal('240000.00')),
            ("Meetings and travel", Decimal('80000.00')),
            ],
        tranches=[
            TrancheSpec("First tranche", Decimal('300000.00'),
                ('start', 15), [(SIGNED, 'other', 'verified')],
                'disbursed',
                disbursements=[(('start', 15), Decimal('300000.00'))]),
            TrancheSpec("Second tranche", Decimal('300000.00'),
                ('today', -1, 0), [
                    ("Quarterly case review", 'report', 'verified'),
                    ("Twenty survivors enrolled in schemes", 'deliverable',
                        'submitted'),
                    ],
                'planned'),
            TrancheSpec("Third tranche", Decimal('200000.00'),
                ('today', 4, 0), [("Annual report", 'report', 'pending')],
                'planned'),
            ],
        reports=[
            ReportSpec('accepted', ('start', 0), ('month', -6, -1),
                ('month', -6, 14), [
                    ("Community workers", Decimal('170000.00')),
                    ("Survivor support", Decimal('70000.00')),
                    ("Meetings and travel", Decimal('20000.00')),
                    ]),
            ReportSpec('draft', ('month', -6, 0), ('month', -1, -1),
                ('month', -1, 9), [
                    ("Survivor support", Decimal('40000.00')),
                    ]),
            ]),
    AgreementSpec(
        'haroa', "Haroa Mukti Sangha", ('agreement', 'jote'), 'NMJ-HAR-01',
        "Community vigilance against trafficking in Haroa",
        Decimal('700000.00'), -8, 10,
        budget=[
            ("Community workers", Decimal('420000.00')),
            ("Vigilance committees", Decimal('200000.00')),
            ("Meetings and travel", Decimal('80000.00')),
            ],
        tranches=[
            TrancheSpec("First tranche", Decimal('250000.00'),
                ('start', 10), [(SIGNED, 'other', 'verified')],
                'disbursed',
                disbursements=[(('today', -7, 0), Decimal('250000.00'))],
                delay=('request', 'funder', "The request waited for the "
                    "consortium's quarterly finance review.")),
            TrancheSpec("Second tranche", Decimal('250000.00'),
                ('today', -3, 0), [
                    ("Vigilance committees in six villages",
                        'deliverable', 'verified'),
                    ],
                'disbursed',
                disbursements=[(('today', 0, -20), Decimal('250000.00'))],
                delay=('disbursement', 'funder', "The bank held the "
                    "payment until the consortium's new signatories were "
                    "registered.")),
            TrancheSpec("Third tranche", Decimal('150000.00'),
                ('today', 6, 0), [("Annual report", 'report', 'pending')],
                'planned'),
            # Cancelled because the block administration gave the bicycles.
            TrancheSpec("Bicycles for the community workers",
                Decimal('50000.00'), ('today', -2, 0), [], 'cancelled'),
            ],
        reports=[
            ReportSpec('accepted', ('start', 0), ('month', -3, -1),
                ('month', -3, 14), [
                    ("Community workers", Decimal('150000.00')),
                    ("Vigilance committees", Decimal('45000.00')),
                    ("Meetings and travel", Decimal('15000.00')),
                    ]),
            ]),
    AgreementSpec(
        'minakhan', "Minakhan Mukti Sangha", ('grant', 'livelihood_fund'),
        'NMJ-MIN-01', "Livelihood restart for survivors in Minakhan",
        Decimal('600000.00'), -6, 10,
        budget=[
            ("Livelihood grants to survivors", Decimal('450000.00')),
            ("Skills training", Decimal('120000.00')),
            ("Follow-up visits", Decimal('30000.00')),
            ],
        tranches=[
            TrancheSpec("First tranche", Decimal('300000.00'),
                ('start', 10), [(SIGNED, 'other', 'verified')],
                'disbursed',
                disbursements=[(('today', -4, 0), Decimal('300000.00'))],
                delay=('milestone', 'recipient', "The list of survivors "
                    "for the first grants came late.")),
            TrancheSpec("Second tranche", Decimal('300000.00'),
                ('today', 0, 10), [
                    ("Forty survivors trained", 'deliverable', 'submitted'),
                    ("Business plans for thirty survivors", 'deliverable',
                        'pending'),
                    ],
                'planned'),
            ],
        reports=[
            ReportSpec('submitted', ('start', 0), ('month', -2, -1),
                ('month', -2, 9), [
                    ("Livelihood grants to survivors", Decimal('90000.00')),
                    ("Skills training", Decimal('30000.00')),
                    ]),
            ]),
    ]


def load(builder):
    "Create the demo grants and agreements with their history"
    _Grants(builder).build()


def first_of_month(date, months=0):
    "Return the first day of the month months after date's month"
    month = date.month - 1 + months
    return dt.date(date.year + month // 12, month % 12 + 1, 1)


class _Grants:
    "Builder of the grants and agreements, in batches per model"

    def __init__(self, builder):
        pool = Pool()
        User = pool.get('res.user')

        self.builder = builder
        self.today = builder.today
        logins = set(RECIPIENT_STAFF.values())
        for staff in FUNDER_STAFF.values():
            logins.update(staff)
        self.users = {user.login: user.id
            for user in User.search([('login', 'in', sorted(logins))])}

    def date(self, spec, start=None):
        "Return the date of spec, counting ('start', days) from start"
        kind, *args = spec
        if kind == 'start':
            days, = args
            return start + dt.timedelta(days=days)
        months, days = args
        if kind == 'month':
            return (first_of_month(self.today, months)
                + dt.timedelta(days=days))
        return self.today + relativedelta(months=months, days=days)

    def period(self, first_month, end_month):
        "Return the first and the last day of a grant or agreement"
        return (first_of_month(self.today, first_month),
            first_of_month(self.today, end_month) - dt.timedelta(days=1))

    def organisation(self, name):
        return self.builder.organisations[name]

    def build(self):
        self.grants = self.create_grants()
        self.agreements = self.create_agreements()
        self.release_tranches()
        self.create_disbursements()
        self.create_reports()
        self.close_agreements()

    def create_grants(self):
        pool = Pool()
        Grant = pool.get('shakti.grant')

        vlist = []
        for spec in GRANTS:
            start_date, end_date = self.period(
                spec.first_month, spec.end_month)
            vlist.append({
                    'company': self.organisation(spec.holder).id,
                    'reference': spec.reference,
                    'name': spec.name,
                    'donor': spec.donor,
                    'amount': spec.amount,
                    'start_date': start_date,
                    'end_date': end_date,
                    'budget_lines': [('create', [{
                                    'name': name,
                                    'amount': amount,
                                    } for name, amount in spec.budget])],
                    })
        grants = Grant.create(vlist)
        Grant.activate(grants)
        return {s.key: g for s, g in zip(GRANTS, grants)}

    def create_agreements(self):
        """Create the agreements, then fund and sign first those funded by
        grants and then those funded by the agreements just signed"""
        pool = Pool()
        Agreement = pool.get('shakti.grant.agreement')
        Allocation = pool.get('shakti.grant.allocation')

        commitments = [
            {'owner': owner, 'description': description, 'measure': measure}
            for owner, specs in [
                ('funder', FUNDER_COMMITMENTS),
                ('recipient', RECIPIENT_COMMITMENTS)]
            for description, measure in specs]
        vlist = []
        for spec in AGREEMENTS:
            start_date, end_date = self.period(
                spec.first_month, spec.end_month)
            tranches = [self.tranche_values(sequence, tranche, start_date)
                for sequence, tranche in enumerate(spec.tranches, 1)]
            vlist.append({
                    'company': self.organisation(spec.recipient).id,
                    'reference': spec.reference,
                    'title': spec.title,
                    'start_date': start_date,
                    'end_date': end_date,
                    'amount': spec.amount,
                    'budget_lines': [('create', [{
                                    'name': name,
                                    'amount': amount,
                                    } for name, amount in spec.budget])],
                    'commitments': [('create', commitments)],
                    'tranches': [('create', tranches)],
                    })
        agreements = dict(zip(
                (s.key for s in AGREEMENTS), Agreement.create(vlist)))

        for kind, field, sources in [
                ('grant', 'grant', self.grants),
                ('agreement', 'parent', agreements)]:
            specs = [s for s in AGREEMENTS if s.source[0] == kind]
            Allocation.create([{
                        field: sources[s.source[1]].id,
                        'agreement': agreements[s.key].id,
                        } for s in specs])
            signed = [agreements[s.key] for s in specs]
            Agreement.activate(signed)
            # Activating stamps today's date, so write the past one.
            writes = []
            for agreement in signed:
                writes.extend(([agreement], {
                            'signed_date': agreement.start_date
                            - dt.timedelta(days=7),
                            }))
            Agreement.write(*writes)
        return agreements

    def tranche_values(self, sequence, tranche, start_date):
        planned_date = self.date(tranche.planned, start_date)
        milestones = []
        for name, kind, state in tranche.milestones:
            milestones.append({
                    'name': name,
                    'kind': kind,
                    'due_date': planned_date - dt.timedelta(days=10),
                    'evidence': (
                        MILESTONE_EVIDENCE[kind] if state != 'pending'
                        else None),
                    })
        return {
            'sequence': sequence,
            'name': tranche.name,
            'amount': tranche.amount,
            'planned_date': planned_date,
            'milestones': [('create', milestones)],
            }

    def tranches(self):
        "Yield each agreement's spec and record with each tranche's"
        pool = Pool()
        Tranche = pool.get('shakti.grant.tranche')

        records = {}
        for tranche in Tranche.search([
                    ('agreement', 'in',
                        [a.id for a in self.agreements.values()]),
                    ]):
            records[tranche.agreement.id, tranche.sequence] = tranche
        for spec in AGREEMENTS:
            agreement = self.agreements[spec.key]
            for sequence, tranche in enumerate(spec.tranches, 1):
                yield (spec, agreement, tranche,
                    records[agreement.id, sequence])

    def release_tranches(self):
        """Submit and verify the milestones, request, approve or cancel
        the tranches, and write who did each step and when.

        The module stamps each step with today's date, so the dates are
        written afterwards. A tranche is requested a week before its first
        disbursement and approved four days after the request."""
        pool = Pool()
        Milestone = pool.get('shakti.grant.milestone')
        Tranche = pool.get('shakti.grant.tranche')

        to_submit, to_verify, milestone_writes = [], [], []
        to_request, to_approve, to_cancel, tranche_writes = [], [], [], []
        for spec, agreement, tranche, record in self.tranches():
            funder = agreement.company.parent.party.name
            finance, approver = FUNDER_STAFF[funder]
            submitter = self.users[RECIPIENT_STAFF[spec.recipient]]
            request_date = None
            if tranche.disbursements:
                paid = self.date(
                    tranche.disbursements[0][0], agreement.start_date)
                request_date = paid - dt.timedelta(days=7)
            elif tranche.requested:
                request_date = self.date(tranche.requested)

            states = {name: state for name, _, state in tranche.milestones}
            for milestone in record.milestones:
                state = states[milestone.name]
                if state == 'pending':
                    continue
                if request_date:
                    verified = request_date - dt.timedelta(days=2)
                else:
                    verified = min(milestone.due_date,
                        self.today - dt.timedelta(days=10)
                        ) + dt.timedelta(days=4)
                values = {
                    'submitted_by': submitter,
                    'submission_date': verified - dt.timedelta(days=6),
                    }
                to_submit.append(milestone)
                if state == 'verified':
                    to_verify.append(milestone)
                    values['verified_by'] = self.users[finance]
                    values['verification_date'] = verified
                milestone_writes.extend(([milestone], values))

            values = {}
            if tranche.state in {'requested', 'approved', 'disbursed'}:
                to_request.append(record)
                values['requested_by'] = self.users[finance]
                values['request_date'] = request_date
            if tranche.state in {'approved', 'disbursed'}:
                to_approve.append(record)
                values['approved_by'] = self.users[approver]
                values['approval_date'] = (
                    request_date + dt.timedelta(days=4))
            if tranche.state == 'cancelled':
                to_cancel.append(record)
            if tranche.delay:
                reason, waited_on, note = tranche.delay
                values['delay_reason'] = reason
                values['waited_on'] = waited_on
                values['delay_note'] = note
            if values:
                tranche_writes.extend(([record], values))

        Milestone.submit(to_submit)
        Milestone.verify(to_verify)
        Milestone.write(*milestone_writes)
        Tranche.request(to_request)
        Tranche.approve(to_approve)
        Tranche.cancel(to_cancel)
        Tranche.write(*tranche_writes)

    def create_disbursements(self):
        pool = Pool()
        Disbursement = pool.get('shakti.grant.disbursement')

        rng = self.builder.rng
        vlist = []
        for _, agreement, tranche, record in self.tranches():
            prefix = agreement.reference.split('-')[0]
            for date, amount in tranche.disbursements:
                vlist.append({
                        'tranche': record.id,
                        'date': self.date(date, agreement.start_date),
                        'amount': amount,
                        'reference': 'NEFT-%s-%08d' % (
                            prefix, rng.randint(0, 10 ** 8 - 1)),
                        })
        Disbursement.create(vlist)

    def create_reports(self):
        "Create the utilisation reports, then submit and accept them"
        pool = Pool()
        Utilisation = pool.get('shakti.grant.utilisation')

        vlist, states, staff = [], [], []
        for spec in AGREEMENTS:
            agreement = self.agreements[spec.key]
            start = agreement.start_date
            budget_lines = {l.name: l.id for l in agreement.budget_lines}
            funder = agreement.company.parent.party.name
            for report in spec.reports:
                vlist.append({
                        'agreement': agreement.id,
                        'start_date': self.date(report.start, start),
                        'end_date': self.date(report.end, start),
                        'date': self.date(report.date, start),
                        'lines': [('create', [{
                                        'budget_line': budget_lines[name],
                                        'amount': amount,
                                        } for name, amount in report.lines])],
                        })
                states.append(report.state)
                staff.append((
                        self.users[RECIPIENT_STAFF[spec.recipient]],
                        self.users[FUNDER_STAFF[funder][0]]))
        reports = Utilisation.create(vlist)

        submitted, accepted, writes = [], [], []
        for report, state, (submitter, reviewer) in zip(
                reports, states, staff):
            if state == 'draft':
                continue
            submitted.append(report)
            values = {'submitted_by': submitter}
            if state == 'accepted':
                accepted.append(report)
                values['reviewed_by'] = reviewer
                # The funder reviews a report within ten days.
                values['review_date'] = min(
                    report.date + dt.timedelta(days=10), self.today)
            writes.extend(([report], values))
        Utilisation.submit(submitted)
        Utilisation.accept(accepted)
        Utilisation.write(*writes)

    def close_agreements(self):
        pool = Pool()
        Agreement = pool.get('shakti.grant.agreement')

        specs = [s for s in AGREEMENTS if s.closed]
        agreements = [self.agreements[s.key] for s in specs]
        Agreement.close(agreements)
        writes = []
        for spec, agreement in zip(specs, agreements):
            writes.extend(([agreement], {
                        'closed_date': self.date(spec.closed)}))
        Agreement.write(*writes)
