# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The accounts a stall's point of sale posts to, set up on first use.

A point of sale posts each sale and each cash movement. Livelihood staff
should not have to set up accounts before their first fair. So the first
stall of an organisation creates a small chart of accounts from Tryton's
minimal template and a financial year from April to March around the
fair. It also creates the cash and UPI payment methods and the cash
movement types. An organisation that already has a chart keeps it, and
only what is missing is added."""
import datetime as dt
from collections import namedtuple

from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access

Books = namedtuple('Books', [
        'journal', 'sequence', 'cash', 'upi', 'opening_float',
        'difference'])

CHART = 'account.account_template_root_en'
CASH_ACCOUNT = "Stall Cash"
UPI_ACCOUNT = "UPI Collections"
CASH_METHOD = "Cash"
UPI_METHOD = "UPI"
OPENING_FLOAT = "Opening Float"
DIFFERENCE = "Cash Difference"
# The financial year in India runs from 1 April to 31 March.
YEAR_START_MONTH = 4


def setup_books(company):
    "Return the Books of company, creating what is missing"
    pool = Pool()
    Account = pool.get('account.account')
    ModelData = pool.get('ir.model.data')
    Journal = pool.get('account.journal')
    Method = pool.get('sale.point.payment.method')
    TransferType = pool.get('sale.point.cash.transfer.type')
    Sequence = pool.get('ir.sequence.strict')

    with without_check_access(), \
            Transaction().set_context(company=company.id):
        if not Account.search([('company', '=', company.id)], limit=1):
            _create_chart(company)
        main_cash = _account(company, code='1.1.1')
        expense = _account(company, type_='expense')
        revenue = _account(company, type_='revenue')
        _set_category_account(company, revenue)

        cash_account = _duplicate(main_cash, CASH_ACCOUNT)
        upi_account = _duplicate(main_cash, UPI_ACCOUNT)
        cash_journal = Journal(ModelData.get_id('account', 'journal_cash'))
        revenue_journal = Journal(
            ModelData.get_id('account', 'journal_revenue'))

        cash = _get_or_create(Method, company, CASH_METHOD, {
                'account': cash_account.id,
                'cash': True,
                })
        upi = _get_or_create(Method, company, UPI_METHOD, {
                'account': upi_account.id,
                'cash': False,
                })
        opening_float = _get_or_create(TransferType, company, OPENING_FLOAT, {
                'journal': cash_journal.id,
                'account': main_cash.id,
                })
        difference = _get_or_create(TransferType, company, DIFFERENCE, {
                'journal': cash_journal.id,
                'account': expense.id,
                })
        sequence = _get_or_create(Sequence, company, "Stall Sales", {
                'sequence_type': ModelData.get_id(
                    'sale_point', 'sequence_type_sale'),
                })
    return Books(
        journal=revenue_journal, sequence=sequence, cash=cash, upi=upi,
        opening_float=opening_float, difference=difference)


def ensure_fiscal_year(company, date):
    "Create the April to March year of company around date if missing"
    pool = Pool()
    FiscalYear = pool.get('account.fiscalyear')
    ModelData = pool.get('ir.model.data')
    Sequence = pool.get('ir.sequence.strict')

    with without_check_access(), \
            Transaction().set_context(company=company.id):
        if FiscalYear.search([
                    ('company', '=', company.id),
                    ('start_date', '<=', date),
                    ('end_date', '>=', date),
                    ], limit=1):
            return
        start_year = (
            date.year if date.month >= YEAR_START_MONTH else date.year - 1)
        start = dt.date(start_year, YEAR_START_MONTH, 1)
        end = dt.date(start_year + 1, YEAR_START_MONTH, 1) - dt.timedelta(1)
        name = '%s-%s' % (start.year, str(end.year)[-2:])
        sequence = Sequence(
            name=name, company=company,
            sequence_type=ModelData.get_id(
                'account', 'sequence_type_account_move'))
        sequence.save()
        year = FiscalYear(
            name=name, company=company, start_date=start, end_date=end,
            move_sequence=sequence)
        year.save()
        FiscalYear.create_period([year])


def _create_chart(company):
    pool = Pool()
    CreateChart = pool.get('account.create_chart', type='wizard')
    ModelData = pool.get('ir.model.data')
    Template = pool.get('account.account.template')

    session_id, _, _ = CreateChart.create()
    try:
        wizard = CreateChart(session_id)
        wizard.account.company = company
        wizard.account.account_template = Template(
            ModelData.get_id(*CHART.split('.')))
        wizard.transition_create_account()
        defaults = wizard.default_properties(None)
        wizard.properties.company = company
        wizard.properties.account_receivable = defaults['account_receivable']
        wizard.properties.account_payable = defaults['account_payable']
        wizard.transition_create_properties()
    finally:
        CreateChart.delete(session_id)


def _account(company, code=None, type_=None):
    pool = Pool()
    Account = pool.get('account.account')
    domain = [
        ('company', '=', company.id),
        ('closed', '!=', True),
        ]
    if code:
        domain.append(('code', '=', code))
    if type_:
        domain.append(('type.%s' % type_, '=', True))
    account, = Account.search(domain, limit=1, order=[('id', 'ASC')])
    return account


def _duplicate(account, name):
    pool = Pool()
    Account = pool.get('account.account')
    accounts = Account.search([
            ('company', '=', account.company.id),
            ('name', '=', name),
            ], limit=1)
    if accounts:
        return accounts[0]
    copy, = Account.copy([account], default={
            'name': name,
            'code': None,
            'template': None,
            })
    return copy


def _set_category_account(company, revenue):
    pool = Pool()
    Category = pool.get('product.category')
    ModelData = pool.get('ir.model.data')
    category = Category(
        ModelData.get_id('shakti_market', 'category_market_goods'))
    if not category.account_revenue:
        category.account_revenue = revenue
        category.save()


def _get_or_create(Model, company, name, values):
    records = Model.search([
            ('company', '=', company.id),
            ('name', '=', name),
            ], limit=1)
    if records:
        return records[0]
    record, = Model.create([dict(values, company=company.id, name=name)])
    return record
