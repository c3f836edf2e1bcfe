# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Time the partner statement and the tranche delays as agreements grow.

Run with the project's environment, on an in-memory SQLite database:

    .venv/bin/python -m benchmarks.grant_statement

For each size it creates that many agreements between a lead NGO and its
partner, each with three tranches: the first disbursed in two payments,
the second with a milestone and the third planned. Part of the money
disbursed is accounted for by an accepted utilisation report. It then
prints the seconds and the number of SQL statements of the agreement
amounts and age bands, the tranche delay list and the partner statement
as XLSX."""
import datetime as dt
import os
import sys
from decimal import Decimal

os.environ.setdefault('TRYTOND_DATABASE__URI', 'sqlite://')
os.environ.setdefault('DB_NAME', ':memory:')

from trytond.pool import Pool  # noqa: E402
from trytond.tests.test_tryton import DB_NAME, activate_module  # noqa: E402
from trytond.transaction import Transaction  # noqa: E402

from benchmarks.case_lists import measure  # noqa: E402

SIZES = [10, 100, 500]
AMOUNT = Decimal('300000.00')


def create_organisations(size):
    "Create a lead NGO and a partner under it, in rupees"
    pool = Pool()
    Company = pool.get('company.company')
    Party = pool.get('party.party')
    Currency = pool.get('currency.currency')

    inr, = Currency.search([('code', '=', 'INR')])
    organisations = []
    parent = None
    for name, type_ in [
            ("Benchmark Lead %s" % size, 'lead'),
            ("Benchmark Partner %s" % size, 'partner')]:
        party = Party(name=name)
        party.save()
        company = Company(
            party=party, currency=inr, organisation_type=type_,
            parent=parent)
        company.save()
        organisations.append(company)
        parent = company
    return organisations


def create_agreements(size, today):
    """Create size signed agreements of the partner funded by one grant of
    the lead, with their tranches released, disbursed and partly
    accounted for"""
    pool = Pool()
    Grant = pool.get('shakti.grant')
    Agreement = pool.get('shakti.grant.agreement')
    Allocation = pool.get('shakti.grant.allocation')
    Tranche = pool.get('shakti.grant.tranche')
    Disbursement = pool.get('shakti.grant.disbursement')
    Utilisation = pool.get('shakti.grant.utilisation')

    lead, partner = create_organisations(size)
    start, end = today - dt.timedelta(days=300), today + dt.timedelta(
        days=300)
    total = AMOUNT * size
    grant, = Grant.create([{
                'company': lead.id,
                'reference': 'G-1',
                'name': "Benchmark grant",
                'donor': "Benchmark Foundation",
                'amount': total,
                'start_date': start,
                'end_date': end,
                'budget_lines': [('create', [{
                                'name': "Programme",
                                'amount': total,
                                }])],
                }])
    Grant.activate([grant])
    third = AMOUNT / 3
    agreements = Agreement.create([{
                'company': partner.id,
                'reference': 'A-%s' % i,
                'title': "Benchmark agreement %s" % i,
                'start_date': start,
                'end_date': end,
                'amount': AMOUNT,
                'budget_lines': [('create', [
                            {'name': "Staff", 'amount': third},
                            {'name': "Activities", 'amount': AMOUNT - third},
                            ])],
                'commitments': [('create', [
                            {'owner': 'funder', 'description': "Release"},
                            {'owner': 'recipient', 'description': "Report"},
                            ])],
                'tranches': [('create', [{
                                'name': "Tranche 1",
                                'sequence': 1,
                                'planned_date': today - dt.timedelta(
                                    days=120),
                                'amount': third,
                                }, {
                                'name': "Tranche 2",
                                'sequence': 2,
                                'planned_date': today - dt.timedelta(
                                    days=30),
                                'amount': third,
                                'delay_reason': 'milestone',
                                'waited_on': 'recipient',
                                'milestones': [('create', [{
                                                'name': "Quarterly report",
                                                'due_date': (
                                                    today - dt.timedelta(
                                                        days=30)),
                                                }])],
                                }, {
                                'name': "Tranche 3",
                                'sequence': 3,
                                'planned_date': today + dt.timedelta(
                                    days=60),
                                'amount': AMOUNT - 2 * third,
                                }])],
                } for i in range(size)])
    Allocation.create([{
                'grant': grant.id, 'agreement': a.id} for a in agreements])
    Agreement.activate(agreements)
    first = [a.tranches[0] for a in agreements]
    Tranche.request(first)
    Tranche.approve(first)
    Disbursement.create([{
                'tranche': t.id,
                'date': today,
                'amount': amount,
                'reference': "UTR-%s-%s" % (t.id, i),
                } for t in first
            for i, amount in enumerate([third / 2, third - third / 2])])
    utilisations = Utilisation.create([{
                'agreement': a.id,
                'date': today,
                'start_date': start,
                'end_date': today,
                'lines': [('create', [{
                                'budget_line': a.budget_lines[0].id,
                                'amount': Decimal('25000.50'),
                                }])],
                } for a in agreements])
    Utilisation.submit(utilisations)
    Utilisation.accept(utilisations)
    return lead, partner, agreements


def main():
    activate_module(['shakti_partner_grants'])
    print("| %-28s | %7s | %8s | %10s |" % (
            "operation", "records", "seconds", "statements"))
    print("|%s|%s|%s|%s|" % ('-' * 30, '-' * 9, '-' * 10, '-' * 12))
    with Transaction().start(DB_NAME, 0) as transaction:
        pool = Pool()
        Date = pool.get('ir.date')
        Agreement = pool.get('shakti.grant.agreement')
        Tranche = pool.get('shakti.grant.tranche')
        Statement = pool.get('shakti.grant.statement.xlsx', type='report')

        today = Date.today()
        for size in SIZES:
            lead, partner, agreements = create_agreements(size, today)
            agreement_ids = [a.id for a in agreements]
            tranche_ids = [t.id for t in Tranche.search(
                    [('agreement', 'in', agreement_ids)])]
            with transaction.set_context(company=lead.id, date=today):
                measure("agreement amounts", size, lambda: Agreement.read(
                        agreement_ids,
                        ['reference', 'amount', 'planned_amount',
                            'disbursed_amount', 'utilised_amount',
                            'unaccounted_amount']))
                measure("agreement age bands", size, lambda: Agreement.read(
                        agreement_ids,
                        ['reference', 'unaccounted_0_3', 'unaccounted_3_6',
                            'unaccounted_6_9', 'unaccounted_9']))
                measure("tranche delay list", len(tranche_ids),
                    lambda: Tranche.read(
                        tranche_ids,
                        ['company.rec_name', 'agreement.rec_name', 'name',
                            'planned_date', 'actual_date', 'days_late',
                            'amount', 'disbursed_amount', 'holding',
                            'delay_reason', 'waited_on', 'state']))
                measure("partner statement (XLSX)", size,
                    lambda: Statement.execute([], {
                            'organisation': partner.id,
                            'date': today.isoformat(),
                            }))
            transaction.rollback()
    return 0


if __name__ == '__main__':
    sys.exit(main())
