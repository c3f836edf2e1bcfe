# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Time the self-help group lists and loan postings as the loans grow.

Run with the project's environment, on an in-memory SQLite database:

    .venv/bin/python -m benchmarks.shg_loans

For each size it creates that many groups of ten members, each with a
24-month loan and six monthly repayments. It then prints the seconds and
the number of SQL statements of the lists, the aging of the loans, the
DCB register of the month and the posting of one repayment."""
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


def create_loans(size, today):
    "Create size groups with a disbursed loan and six repayments each"
    pool = Pool()
    Company = pool.get('company.company')
    Party = pool.get('party.party')
    Currency = pool.get('currency.currency')
    Place = pool.get('shakti.place')
    Group = pool.get('shakti.shg')
    Loan = pool.get('shakti.shg.loan')
    Repayment = pool.get('shakti.shg.loan.repayment')

    inr, = Currency.search([('code', '=', 'INR')])
    party = Party(name="Benchmark CBO %s" % size)
    party.save()
    company = Company(party=party, currency=inr, organisation_type='cbo')
    company.save()
    block, = Place.search([('code', '=', 'WB-N24P-BASIRHAT-I')])
    formation = today - dt.timedelta(days=700)
    groups = Group.create([{
                'company': company.id,
                'name': "Benchmark Group %s" % i,
                'block': block.id,
                'formation_date': formation,
                'meeting_frequency': 'monthly',
                'meeting_monthday': 10,
                'members': [('create', [{
                                'name': "Benchmark Member %s" % j,
                                'join_date': formation,
                                } for j in range(10)])],
                } for i in range(size)])
    disbursed = today - dt.timedelta(days=240)
    loans = Loan.create([{
                'shg': g.id,
                'lender_type': 'bank',
                'principal': Decimal('120000.00'),
                'interest_rate': Decimal('11.00'),
                'instalment_count': 24,
                'disbursement_date': disbursed,
                'first_due_date': disbursed + dt.timedelta(days=30),
                } for g in groups])
    Loan.split_shares(loans)
    Loan.disburse(loans)
    repayments = Repayment.create([{
                'loan': l.id,
                'date': l.lines[i].due_date,
                'amount': l.lines[i].amount,
                } for l in loans for i in range(6)])
    Repayment.post(repayments)
    return company, groups, loans


def main():
    activate_module(['shakti_shg'])
    print("| %-28s | %7s | %8s | %10s |" % (
            "operation", "records", "seconds", "statements"))
    print("|%s|%s|%s|%s|" % ('-' * 30, '-' * 9, '-' * 10, '-' * 12))
    with Transaction().start(DB_NAME, 0) as transaction:
        pool = Pool()
        Date = pool.get('ir.date')
        Group = pool.get('shakti.shg')
        Member = pool.get('shakti.shg.member')
        Loan = pool.get('shakti.shg.loan')
        Repayment = pool.get('shakti.shg.loan.repayment')
        Register = pool.get('shakti.shg.dcb.xlsx', type='report')

        today = Date.today()
        for size in SIZES:
            company, groups, loans = create_loans(size, today)
            group_ids = [g.id for g in groups]
            loan_ids = [l.id for l in loans]
            member_ids = [m.id for m in Member.search(
                    [('shg', 'in', group_ids)])]
            with transaction.set_context(company=company.id):
                measure("group list", size, lambda: Group.read(
                        group_ids,
                        ['code', 'name', 'block.rec_name', 'member_count',
                            'savings_balance', 'state']))
                measure("member list", len(member_ids), lambda: Member.read(
                        member_ids,
                        ['shg.rec_name', 'name', 'role', 'join_date',
                            'savings_balance']))
                measure("loan list", size, lambda: Loan.read(
                        loan_ids,
                        ['number', 'shg.rec_name', 'principal',
                            'maturity_date', 'amount_outstanding',
                            'state']))
                measure("loan aging", size, lambda: Loan.read(
                        loan_ids,
                        ['number', 'aging_principal', 'amount_overdue',
                            'days_past_due', 'aging_band']))
                measure("DCB register (XLSX)", size, lambda: Register.execute(
                        [], {
                            'from_month': str(today),
                            'to_month': str(today),
                            'groups': group_ids,
                            }))
                loan = Loan(loan_ids[0])
                repayment, = Repayment.create([{
                            'loan': loan.id,
                            'date': loan.lines[6].due_date,
                            'amount': loan.lines[6].amount,
                            }])
                measure("repayment post (one)", size,
                    lambda: Repayment.post([repayment]))
            transaction.rollback()
    return 0


if __name__ == '__main__':
    sys.exit(main())
