# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import io
import logging
from collections import defaultdict
from decimal import Decimal

import xlsxwriter
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool
from trytond.report import Report
from trytond.transaction import Transaction, check_access
from trytond.wizard import Button, StateReport, StateView, Wizard

from .exceptions import PortfolioError
from .portfolio import AGED_STATES, month_range

logger = logging.getLogger(__name__)

AMOUNTS = [
    # (key, heading)
    ('arrears', "Arrears at Start"),
    ('current_demand', "Current Demand"),
    ('total_demand', "Total Demand"),
    ('collection_demand', "Collection against Demand"),
    ('advance', "Advance Collection"),
    ('collection', "Total Collection"),
    ('overdue', "Overdue at End"),
    ('balance', "Balance at End"),
    ]
COLUMNS = [
    # (key, heading, width)
    ('group', "Group", 24),
    ('loan', "Loan", 12),
    ('borrower', "Borrower", 20),
    ('lender', "Lender", 18),
    ] + [(k, h, 14) for k, h in AMOUNTS]
# The number of rows above the column headings.
HEAD_ROWS = 6


def dcb_rows(loans, start, end):
    """Return per loan id the demand, collection and balance of the month
    from start to end, or nothing for a loan repaid before start.

    The amounts follow from the instalments left unpaid on the day before
    start and at end, because the repayments dated in the month are
    allocated to them in full."""
    pool = Pool()
    Loan = pool.get('shakti.shg.loan')

    before = Loan.unpaid_lines(loans, start - dt.timedelta(days=1))
    after = Loan.unpaid_lines(loans, end)
    zero = Decimal(0)
    result = {}
    for loan in loans:
        amounts = defaultdict(Decimal)
        for line, interest, principal in before[loan.id]:
            if line.due_date < start:
                amounts['arrears'] += interest + principal
            elif line.due_date <= end:
                amounts['current_demand'] += interest + principal
            else:
                amounts['not_due'] += interest + principal
        for line, interest, principal in after[loan.id]:
            if line.due_date <= end:
                amounts['overdue'] += interest + principal
            else:
                amounts['not_due_end'] += interest + principal
        amounts['total_demand'] = (
            amounts['arrears'] + amounts['current_demand'])
        amounts['collection_demand'] = (
            amounts['total_demand'] - amounts['overdue'])
        amounts['advance'] = amounts['not_due'] - amounts['not_due_end']
        amounts['collection'] = (
            amounts['collection_demand'] + amounts['advance'])
        amounts['balance'] = amounts['overdue'] + amounts['not_due_end']
        if (amounts['total_demand'] + amounts['not_due'] == zero
                and amounts['collection'] == zero):
            continue
        round_ = loan.currency.round
        result[loan.id] = {k: round_(amounts[k]) for k, _ in AMOUNTS}
    return result


def months(first, last):
    "Return the (start, end) of each month from first's to last's"
    start, end = month_range(first)
    result = []
    while start <= last:
        result.append((start, end))
        start, end = month_range(end + dt.timedelta(days=1))
    return result


class DCBRegister(Wizard):
    __name__ = 'shakti.shg.dcb'
    start = StateView(
        'shakti.shg.dcb.start', 'shakti_shg.dcb_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Spreadsheet", 'spreadsheet', 'tryton-save',
                default=True),
            ])
    spreadsheet = StateReport('shakti.shg.dcb.xlsx')

    def do_spreadsheet(self, action):
        return action, {
            'from_month': self.start.from_month.isoformat(),
            'to_month': (self.start.to_month or self.start.from_month
                ).isoformat(),
            'groups': [g.id for g in self.start.groups],
            }


class DCBRegisterStart(ModelView):
    __name__ = 'shakti.shg.dcb.start'
    __string__ = "Demand, Collection and Balance Register"

    from_month = fields.Date(
        "Month", required=True,
        help="Any day of the first month of the register.")
    to_month = fields.Date(
        "To Month",
        help="Any day of the last month of the register, one sheet per "
        "month. Leave empty for one month.")
    groups = fields.Many2Many(
        'shakti.shg', None, None, "Groups",
        help="Leave empty for every group you may read.")

    @classmethod
    def default_from_month(cls):
        pool = Pool()
        Date = pool.get('ir.date')
        return Date.today()


class DCBRegisterSpreadsheet(Report):
    __name__ = 'shakti.shg.dcb.xlsx'

    @classmethod
    def _execute(cls, records, header, data, action):
        context = cls.get_context(records, header, data)
        return 'xlsx', cls.render_xlsx(context)

    @classmethod
    def get_context(cls, records, header, data):
        pool = Pool()
        Company = pool.get('company.company')
        Date = pool.get('ir.date')
        Loan = pool.get('shakti.shg.loan')
        Group = pool.get('shakti.shg')

        context = super().get_context(records, header, data)
        first = dt.date.fromisoformat(data['from_month'])
        last = dt.date.fromisoformat(data['to_month'])
        if last < first:
            raise PortfolioError(gettext(
                    'shakti_shg.msg_dcb_months_order',
                    from_month=first.strftime('%m/%Y'),
                    to_month=last.strftime('%m/%Y')))
        periods = months(first, last)
        # Reports run without the record rules: apply them to the searches
        # so the register holds only the loans the user may read.
        with check_access():
            if data.get('groups'):
                groups = Group.search([('id', 'in', data['groups'])])
            else:
                groups = Group.search([])
            loans = Loan.search([
                    ('shg', 'in', [g.id for g in groups]),
                    ('state', 'in', AGED_STATES),
                    ('disbursement_date', '<=', periods[-1][1]),
                    ], order=[
                    ('shg.name', 'ASC'), ('shg.id', 'ASC'),
                    ('number', 'ASC')])
        # The organisations of the loans listed, or the user's when none.
        organisations = sorted({l.company.rec_name for l in loans})
        company_id = Transaction().context.get('company')
        if not organisations and company_id is not None and company_id >= 0:
            organisations = [Company(company_id).rec_name]
        context['organisations'] = ', '.join(organisations)
        context['today'] = Date.today()
        context['sheets'] = [
            cls.get_sheet(
                [l for l in loans if l.disbursement_date <= end], start, end)
            for start, end in periods]
        logger.info(
            "DCB register for %d groups, %d months, %d loans",
            len(groups), len(periods), len(loans))
        return context

    @classmethod
    def get_sheet(cls, loans, start, end):
        """Return the rows of one month: a row per loan, a subtotal per
        group and the grand total"""
        pool = Pool()
        Loan = pool.get('shakti.shg.loan')

        borrowers = dict(Loan.fields_get(['borrower'])['borrower'][
                'selection'])
        lenders = dict(Loan.fields_get(['lender_type'])['lender_type'][
                'selection'])
        amounts = dcb_rows(loans, start, end)
        rows = []
        total = defaultdict(Decimal)
        subtotal, group = None, None
        for loan in loans:
            if loan.id not in amounts:
                continue
            if loan.shg != group:
                if subtotal is not None:
                    rows.append(subtotal)
                group = loan.shg
                subtotal = {
                    'kind': 'subtotal', 'group': group.rec_name,
                    'loan': "Total", 'borrower': '', 'lender': ''}
                subtotal.update({k: Decimal(0) for k, _ in AMOUNTS})
            row = {
                'kind': 'loan',
                'group': group.rec_name,
                'loan': loan.number,
                'borrower': (loan.member.rec_name if loan.member
                    else borrowers[loan.borrower]),
                'lender': loan.lender or lenders[loan.lender_type],
                }
            row.update(amounts[loan.id])
            rows.append(row)
            for key, _ in AMOUNTS:
                subtotal[key] += row[key]
                total[key] += row[key]
        if subtotal is not None:
            rows.append(subtotal)
        grand_total = {
            'kind': 'total', 'group': "Grand Total", 'loan': '',
            'borrower': '', 'lender': ''}
        grand_total.update({k: total[k] for k, _ in AMOUNTS})
        rows.append(grand_total)
        return {'start': start, 'end': end, 'rows': rows}

    @classmethod
    def render_xlsx(cls, context):
        "Return the register as the bytes of an XLSX workbook"
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {'in_memory': True})
        formats = {
            'bold': workbook.add_format({'bold': True}),
            'title': workbook.add_format({'bold': True, 'font_size': 14}),
            'heading': workbook.add_format({
                    'bold': True, 'bg_color': '#DDDDDD', 'border': 1,
                    'text_wrap': True}),
            'date': workbook.add_format({'num_format': 'dd/mm/yyyy'}),
            'amount': workbook.add_format({'num_format': '#,##0.00'}),
            'total': workbook.add_format({
                    'bold': True, 'num_format': '#,##0.00', 'top': 1}),
            'total_text': workbook.add_format({'bold': True, 'top': 1}),
            }
        for sheet_data in context['sheets']:
            cls.write_sheet(workbook, formats, context, sheet_data)
        workbook.close()
        return output.getvalue()

    @classmethod
    def write_sheet(cls, workbook, formats, context, sheet_data):
        sheet = workbook.add_worksheet(sheet_data['start'].strftime('%Y-%m'))
        sheet.write(
            0, 0, "Demand, Collection and Balance Register", formats['title'])
        sheet.write(1, 0, "Organisation", formats['bold'])
        sheet.write(1, 1, context['organisations'])
        sheet.write(2, 0, "Month", formats['bold'])
        sheet.write(2, 1, sheet_data['start'].strftime('%B %Y'))
        sheet.write(3, 0, "From", formats['bold'])
        sheet.write_datetime(3, 1, sheet_data['start'], formats['date'])
        sheet.write(3, 2, "To", formats['bold'])
        sheet.write_datetime(3, 3, sheet_data['end'], formats['date'])
        sheet.write(4, 0, "Generated On", formats['bold'])
        sheet.write_datetime(4, 1, context['today'], formats['date'])

        for col, (_, heading, width) in enumerate(COLUMNS):
            sheet.write(HEAD_ROWS, col, heading, formats['heading'])
            sheet.set_column(col, col, width)
        for i, row in enumerate(sheet_data['rows'], HEAD_ROWS + 1):
            is_total = row['kind'] != 'loan'
            for col, (key, _, _) in enumerate(COLUMNS):
                value = row[key]
                if isinstance(value, Decimal):
                    sheet.write_number(
                        i, col, float(value),
                        formats['total' if is_total else 'amount'])
                elif is_total:
                    sheet.write(i, col, value, formats['total_text'])
                else:
                    sheet.write(i, col, value)
        sheet.freeze_panes(HEAD_ROWS + 1, 0)
