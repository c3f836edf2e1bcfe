# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Time the case lists and the demand list as the number of records grows.

Run with the project's environment, on an in-memory SQLite database:

    .venv/bin/python -m benchmarks.case_lists

For each size it prints the seconds and the number of SQL statements: a
list read in batches keeps the statement count flat as the size grows."""
import datetime as dt
import os
import sys
import time

os.environ.setdefault('TRYTOND_DATABASE__URI', 'sqlite://')
os.environ.setdefault('DB_NAME', ':memory:')

from trytond.pool import Pool  # noqa: E402
from trytond.tests.test_tryton import DB_NAME, activate_module  # noqa: E402
from trytond.transaction import Transaction  # noqa: E402

SIZES = [10, 100, 1000]


class StatementCounter:
    "Count the SQL statements run on the transaction's SQLite connection"

    def __init__(self):
        self.count = 0

    def __call__(self, statement):
        self.count += 1

    def __enter__(self):
        self.count = 0
        Transaction().connection.set_trace_callback(self)
        return self

    def __exit__(self, *exc):
        Transaction().connection.set_trace_callback(None)


def create_cases(size, today):
    "Create size survivors of one CBO with intakes, applications and visits"
    pool = Pool()
    Company = pool.get('company.company')
    Party = pool.get('party.party')
    Currency = pool.get('currency.currency')
    Place = pool.get('shakti.place')
    Scheme = pool.get('shakti.scheme')
    Survivor = pool.get('shakti.survivor')
    Intake = pool.get('shakti.intake')
    Application = pool.get('shakti.application')
    FollowUp = pool.get('shakti.application.follow_up')

    inr, = Currency.search([('code', '=', 'INR')])
    party = Party(name="Benchmark CBO %s" % size)
    party.save()
    company = Company(party=party, currency=inr, organisation_type='cbo')
    company.save()
    block, = Place.search([('code', '=', 'WB-N24P-BASIRHAT-I')])
    scheme, = Scheme.search([('code', '=', 'PMAY-G')])
    survivors = Survivor.create([{
                'company': company.id,
                'name': "Benchmark Person %s" % i,
                'birth_year': 1980 + i % 20,
                'block': block.id,
                'registration_date': today - dt.timedelta(days=500),
                'consents': [('create', [{
                                'purpose': 'duty_bearers',
                                'given_date': today,
                                }])],
                } for i in range(size)])
    Intake.create([{
                'survivor': s.id,
                'date': today - dt.timedelta(days=days),
                'filled_by': 'social_worker',
                } for s in survivors for days in (400, 30)])
    applications = Application.create([{
                'survivor': s.id,
                'scheme': scheme.id,
                'date': today - dt.timedelta(days=30),
                'submitted_date': today - dt.timedelta(days=29),
                'state': 'submitted',
                } for s in survivors])
    FollowUp.create([{
                'application': a.id,
                'date': today - dt.timedelta(days=days),
                'outcome': 'promised',
                'next_date': today + dt.timedelta(days=7),
                } for a in applications for days in (20, 10)])
    return company, block


def measure(label, size, function):
    counter = StatementCounter()
    start = time.perf_counter()
    with counter:
        function()
    seconds = time.perf_counter() - start
    print("| %-28s | %7d | %8.3f | %10d |" % (
            label, size, seconds, counter.count))


def main():
    activate_module(['shakti_case'])
    print("| %-28s | %7s | %8s | %10s |" % (
            "operation", "records", "seconds", "statements"))
    print("|%s|%s|%s|%s|" % ('-' * 30, '-' * 9, '-' * 10, '-' * 12))
    # Strict sequences lock their row, which the transaction must declare.
    with Transaction().start(
            DB_NAME, 0, _lock_tables=['ir_sequence_strict']) as transaction:
        pool = Pool()
        Date = pool.get('ir.date')
        Survivor = pool.get('shakti.survivor')
        Intake = pool.get('shakti.intake')
        Application = pool.get('shakti.application')
        Spreadsheet = pool.get('shakti.demand_list.xlsx', type='report')
        History = pool.get('shakti.survivor.history', type='report')

        today = Date.today()
        for size in SIZES:
            company, block = create_cases(size, today)
            domain = [('company', '=', company.id)]
            survivor_ids = [s.id for s in Survivor.search(domain)]
            intake_ids = [i.id for i in Intake.search(domain)]
            application_ids = [a.id for a in Application.search(domain)]
            with transaction.set_context(company=company.id):
                measure("survivor list", size, lambda: Survivor.read(
                        survivor_ids,
                        ['code', 'name', 'block.rec_name', 'state']))
                measure("intake list (version)", len(intake_ids),
                    lambda: Intake.read(
                        intake_ids, ['rec_name', 'date', 'version']))
                measure("application list", size, lambda: Application.read(
                        application_ids,
                        ['number', 'survivor.rec_name', 'scheme.rec_name',
                            'last_follow_up', 'next_follow_up', 'state']))
                measure("demand list (XLSX)", size, lambda: Spreadsheet
                    .execute([], {'block': block.id, 'scheme': None}))
                one = Survivor.browse(survivor_ids[:1])
                measure("duplicate check (one)", size,
                    lambda: Survivor.find_duplicates(one))
                measure("case history (one)", size,
                    lambda: History.execute(survivor_ids[:1], {}))
            transaction.rollback()
    return 0


if __name__ == '__main__':
    sys.exit(main())
