# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Organisations, users and agreements for the partner grants tests."""
import datetime as dt
from contextlib import contextmanager
from decimal import Decimal

from trytond.modules.company.tests import create_company
from trytond.pool import Pool
from trytond.transaction import Transaction

START = dt.date(2025, 4, 1)
END = dt.date(2026, 3, 31)


def create_hierarchy():
    """Create a lead NGO, a partner under it and two CBOs under the
    partner, and return them by name"""
    pool = Pool()
    Currency = pool.get('currency.currency')

    inr, = Currency.search([('code', '=', 'INR')])
    organisations = {}
    for name, type_, parent in [
            ('lead', 'lead', None),
            ('partner', 'partner', 'lead'),
            ('alpha', 'cbo', 'partner'),
            ('beta', 'cbo', 'partner'),
            ]:
        company = create_company("Test %s" % name.title(), currency=inr)
        company.organisation_type = type_
        company.timezone = 'Asia/Kolkata'
        if parent:
            company.parent = organisations[parent]
        company.save()
        organisations[name] = company
    return organisations


def create_user(login, company, *groups):
    "Create a user of company in the shakti_base groups"
    pool = Pool()
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')

    user, = User.create([{
                'login': login,
                'name': login.title(),
                'companies': [('add', [company.id])],
                'company': company.id,
                'groups': [('add', [
                                ModelData.get_id('shakti_base', g)
                                for g in groups])],
                }])
    return user


@contextmanager
def as_user(user):
    "Act as user in the organisation of the user, with access checks"
    with Transaction().set_user(user.id), \
            Transaction().set_context(
                company=user.company.id, _check_access=True):
        yield


def create_grant(company, amount=Decimal('1000000.00'), **values):
    "Create an active grant of company with one budget line"
    pool = Pool()
    Grant = pool.get('shakti.grant')

    grant, = Grant.create([{
                'company': company.id,
                'reference': values.get('reference', 'G-1'),
                'name': "Community rehabilitation",
                'donor': "Test Foundation",
                'amount': amount,
                'start_date': values.get('start_date', START),
                'end_date': values.get('end_date', END),
                'budget_lines': [('create', [{
                                'name': "Programme",
                                'amount': amount,
                                }])],
                }])
    Grant.activate([grant])
    return grant


def create_agreement(recipient, source, amount=Decimal('600000.00'),
        tranches=None, reference='A-1'):
    """Create a draft agreement with recipient funded by source, a grant or
    an agreement, with a budget line each for staff and activities, one
    commitment per side and the tranches given as (date, amount, [names of
    milestones])"""
    pool = Pool()
    Agreement = pool.get('shakti.grant.agreement')
    Allocation = pool.get('shakti.grant.allocation')

    if tranches is None:
        half = (amount / 2).quantize(Decimal('0.01'))
        tranches = [
            (dt.date(2025, 4, 15), half, []),
            (dt.date(2025, 10, 15), amount - half,
                ["20 intakes completed"]),
            ]
    staff = (amount * Decimal('0.4')).quantize(Decimal('0.01'))
    agreement, = Agreement.create([{
                'company': recipient.id,
                'reference': reference,
                'title': "Rehabilitation in the blocks",
                'start_date': START,
                'end_date': END,
                'amount': amount,
                'budget_lines': [('create', [{
                                'name': name,
                                'amount': line_amount,
                                } for name, line_amount in [
                                    ("Staff", staff),
                                    ("Activities", amount - staff)]
                            if line_amount])],
                'commitments': [('create', [{
                                'owner': 'funder',
                                'description': "Release each tranche "
                                "within 15 days of its milestones",
                                }, {
                                'owner': 'recipient',
                                'description': "Report the utilisation "
                                "every quarter",
                                }])],
                'tranches': [('create', [{
                                'name': "Tranche %s" % i,
                                'sequence': i,
                                'planned_date': date,
                                'amount': tranche_amount,
                                'milestones': [('create', [{
                                                'name': name,
                                                'due_date': date,
                                                } for name in milestones])],
                                } for i, (date, tranche_amount, milestones)
                            in enumerate(tranches, 1)])],
                }])
    field = 'grant' if source.__name__ == 'shakti.grant' else 'parent'
    Allocation.create([{field: source.id, 'agreement': agreement.id}])
    return agreement
