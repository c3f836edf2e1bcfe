# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import io
import logging
from decimal import Decimal

import xlsxwriter
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.report import Report
from trytond.transaction import Transaction, check_access
from trytond.wizard import Button, StateReport, StateView, Wizard

from .agreement import AGE_BANDS

logger = logging.getLogger(__name__)

# The columns of each sheet: (key, heading, width, type). The types are
# text, date, money (a Decimal in the currency of the row) and integer.
AGREEMENT_COLUMNS = [
    ('reference', "Reference", 14, 'text'),
    ('funder', "Funder", 24, 'text'),
    ('recipient', "Recipient", 24, 'text'),
    ('start_date', "Start Date", 12, 'date'),
    ('end_date', "End Date", 12, 'date'),
    ('amount', "Amount", 15, 'money'),
    ('planned_amount', "Planned", 15, 'money'),
    ('disbursed_amount', "Released", 15, 'money'),
    ('utilised_amount', "Utilised", 15, 'money'),
    ('unaccounted_amount', "Unaccounted", 15, 'money'),
    ('unaccounted_0_3', "Under 3 Months", 15, 'money'),
    ('unaccounted_3_6', "3 to 6 Months", 15, 'money'),
    ('unaccounted_6_9', "6 to 9 Months", 15, 'money'),
    ('unaccounted_9', "Over 9 Months", 15, 'money'),
    ('state', "State", 10, 'text'),
    ]
AGREEMENT_AMOUNTS = [
    'planned_amount', 'disbursed_amount', 'utilised_amount',
    'unaccounted_amount']
TRANCHE_COLUMNS = [
    ('recipient', "Recipient", 24, 'text'),
    ('agreement', "Agreement", 14, 'text'),
    ('tranche', "Tranche", 18, 'text'),
    ('planned_date', "Planned Date", 12, 'date'),
    ('amount', "Amount", 15, 'money'),
    ('state', "State", 11, 'text'),
    ('disbursed_amount', "Disbursed", 15, 'money'),
    ('actual_date', "Actual Date", 12, 'date'),
    ('days_late', "Days Late", 9, 'integer'),
    ('holding', "Waiting For", 22, 'text'),
    ('delay_reason', "Delay Reason", 22, 'text'),
    ('waited_on', "Waited On", 11, 'text'),
    ('delay_note', "Note", 40, 'text'),
    ]
MILESTONE_COLUMNS = [
    ('recipient', "Recipient", 24, 'text'),
    ('agreement', "Agreement", 14, 'text'),
    ('tranche', "Tranche", 18, 'text'),
    ('milestone', "Milestone", 30, 'text'),
    ('kind', "Kind", 16, 'text'),
    ('due_date', "Due Date", 12, 'date'),
    ('state', "State", 10, 'text'),
    ('submission_date', "Submitted On", 12, 'date'),
    ('verification_date', "Verified On", 12, 'date'),
    ('measure', "Counted Records", 18, 'text'),
    ('target', "Target", 9, 'integer'),
    ('achieved', "Achieved", 9, 'integer'),
    ]
BUDGET_LINE_COLUMNS = [
    ('recipient', "Recipient", 24, 'text'),
    ('agreement', "Agreement", 14, 'text'),
    ('budget_line', "Budget Line", 24, 'text'),
    ('amount', "Amount", 15, 'money'),
    ('utilised_amount', "Utilised", 15, 'money'),
    ('remaining_amount', "Remaining", 15, 'money'),
    ]
# The number of rows above the column headings of each sheet.
HEAD_ROWS = 5


def check_statement_organisation(organisation):
    """Raise AccessError unless the user works for organisation or an
    organisation above it. Root passes."""
    pool = Pool()
    User = pool.get('res.user')

    if not Transaction().user:
        return
    if organisation.id not in User.get_companies():
        raise AccessError(gettext(
                'shakti_partner_grants.msg_statement_organisation',
                organisation=organisation.rec_name))


def selection_labels(Model, name):
    "Return the labels of the selection field name of Model by value"
    selection = Model.fields_get([name])[name]['selection']
    if isinstance(selection, str):
        # A selection computed by a method of the model.
        selection = getattr(Model, selection)()
    return dict(selection)


class PartnerStatement(Wizard):
    __name__ = 'shakti.grant.statement'
    start = StateView(
        'shakti.grant.statement.start',
        'shakti_partner_grants.statement_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Spreadsheet", 'spreadsheet', 'tryton-save',
                default=True),
            ])
    spreadsheet = StateReport('shakti.grant.statement.xlsx')

    def default_start(self, fields):
        defaults = {}
        # Started from the agreements of one recipient, the statement is
        # that recipient's by default.
        if (self.model and self.model.__name__ == 'shakti.grant.agreement'
                and self.records):
            recipients = {a.company for a in self.records}
            if len(recipients) == 1:
                recipient, = recipients
                defaults['organisation'] = recipient.id
        return defaults

    def do_spreadsheet(self, action):
        return action, {
            'organisation': self.start.organisation.id,
            'date': self.start.date.isoformat(),
            }


class PartnerStatementStart(ModelView):
    __name__ = 'shakti.grant.statement.start'
    __string__ = "Partner Statement"

    organisation = fields.Many2One(
        'company.company', "Organisation", required=True,
        domain=[
            ('parent', 'child_of',
                [Eval('context', {}).get('company', -1)]),
            ],
        help="The statement lists the agreements of this organisation and "
        "of the organisations under it.")
    date = fields.Date(
        "Date", required=True,
        help="The date of the statement: it counts the disbursements and "
        "the accepted utilisation reports up to this date, and the days "
        "late and the age of the unaccounted money to it.")

    @classmethod
    def default_organisation(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_date(cls):
        pool = Pool()
        Date = pool.get('ir.date')
        return Date.today()


class PartnerStatementSpreadsheet(Report):
    __name__ = 'shakti.grant.statement.xlsx'

    @classmethod
    def _execute(cls, records, header, data, action):
        context = cls.get_context(records, header, data)
        return 'xlsx', cls.render_xlsx(context)

    @classmethod
    def get_context(cls, records, header, data):
        pool = Pool()
        Company = pool.get('company.company')
        Date = pool.get('ir.date')

        context = super().get_context(records, header, data)
        organisation = Company(data['organisation'])
        date = dt.date.fromisoformat(data['date'])
        check_statement_organisation(organisation)
        # The getters of days late and of the age bands read the date of
        # the context.
        with Transaction().set_context(date=date):
            ids = cls.search_ids(organisation)
            agreements = cls.read_agreements(organisation, ids['agreements'])
            tranches = cls.read_tranches(agreements, ids['tranches'])
            context['agreements'] = cls.get_agreement_rows(agreements)
            context['tranches'] = cls.get_tranche_rows(agreements, tranches)
            context['milestones'] = cls.get_milestone_rows(
                agreements, tranches, ids['milestones'])
            context['budget_lines'] = cls.get_budget_line_rows(
                agreements, ids['budget_lines'])
        context['organisation'] = organisation.rec_name
        context['date'] = date
        context['today'] = Date.today()
        logger.info(
            "Partner statement of %s on %s: %d agreements, %d tranches, "
            "%d milestones",
            organisation.id, date, len(ids['agreements']),
            len(ids['tranches']), len(ids['milestones']))
        return context

    @classmethod
    def search_ids(cls, organisation):
        """Return the ids of the agreements of organisation and of the
        organisations under it that the user may read, and of their
        tranches, milestones and budget lines"""
        pool = Pool()
        Agreement = pool.get('shakti.grant.agreement')
        Tranche = pool.get('shakti.grant.tranche')
        Milestone = pool.get('shakti.grant.milestone')
        BudgetLine = pool.get('shakti.grant.agreement.budget_line')

        # Reports run without the record rules: apply them to the searches
        # so the statement holds only the records the user may read.
        with check_access():
            agreement_ids = list(map(int, Agreement.search([
                            ('company', 'child_of', [organisation.id],
                                'parent'),
                            ])))
            tranche_ids = list(map(int, Tranche.search([
                            ('agreement', 'in', agreement_ids),
                            ])))
            milestone_ids = list(map(int, Milestone.search([
                            ('tranche', 'in', tranche_ids),
                            ])))
            budget_line_ids = list(map(int, BudgetLine.search([
                            ('agreement', 'in', agreement_ids),
                            ])))
        return {
            'agreements': agreement_ids,
            'tranches': tranche_ids,
            'milestones': milestone_ids,
            'budget_lines': budget_line_ids,
            }

    @classmethod
    def read_agreements(cls, organisation, ids):
        """Return the values of the agreements by id, in the order of the
        statement: the organisation's own agreements first, then those of
        the organisations under it by name.

        The statement reads values, not records: the getters then run once
        per batch and no record is built per row."""
        pool = Pool()
        Agreement = pool.get('shakti.grant.agreement')
        Currency = pool.get('currency.currency')

        states = selection_labels(Agreement, 'state')
        rows = Agreement.read(ids, [
                'reference', 'company', 'company.rec_name',
                'company.currency', 'company.parent.rec_name', 'start_date',
                'end_date', 'amount', 'state']
            + AGREEMENT_AMOUNTS + [n for n, _, _ in AGE_BANDS])
        currencies = {c.id: c for c in Currency.browse(
                list({r['company.']['currency'] for r in rows}))}
        for row in rows:
            company = row['company.']
            parent = company.get('parent.') or {}
            row['currency'] = currencies[company['currency']]
            row['recipient'] = company['rec_name']
            row['funder'] = parent.get('rec_name')
            row['state'] = states[row['state']]
        rows.sort(key=lambda r: (
                r['company'] != organisation.id, r['recipient'],
                r['start_date'], r['reference'], r['id']))
        return {r['id']: r for r in rows}

    @classmethod
    def read_tranches(cls, agreements, ids):
        """Return the values of the tranches by id, in the order of their
        agreements and then by planned date"""
        pool = Pool()
        Tranche = pool.get('shakti.grant.tranche')

        rows = Tranche.read(ids, [
                'agreement', 'name', 'sequence', 'planned_date', 'amount',
                'state', 'disbursed_amount', 'actual_date', 'days_late',
                'holding', 'delay_reason', 'waited_on', 'delay_note'])
        position = {id_: i for i, id_ in enumerate(agreements)}
        rows.sort(key=lambda r: (
                position[r['agreement']], r['planned_date'],
                r['sequence'] or 0, r['id']))
        return {r['id']: r for r in rows}

    @classmethod
    def get_agreement_rows(cls, agreements):
        "Return a row per agreement, then a total row per currency"
        money = ['amount'] + AGREEMENT_AMOUNTS + [n for n, _, _ in AGE_BANDS]
        rows = []
        totals = {}
        for agreement in agreements.values():
            rows.append(agreement)
            currency = agreement['currency']
            if currency not in totals:
                totals[currency] = {
                    'total': True, 'currency': currency,
                    'reference': "Total"}
                totals[currency].update({n: Decimal(0) for n in money})
            for name in money:
                totals[currency][name] += agreement[name]
        if len(totals) > 1:
            for currency, total in totals.items():
                total['reference'] = "Total %s" % currency.code
        rows.extend(totals.values())
        return rows

    @classmethod
    def get_tranche_rows(cls, agreements, tranches):
        "Return a row per tranche with its delay"
        pool = Pool()
        Tranche = pool.get('shakti.grant.tranche')

        states = selection_labels(Tranche, 'state')
        waiting_for = selection_labels(Tranche, 'holding')
        reasons = selection_labels(Tranche, 'delay_reason')
        waited_on = selection_labels(Tranche, 'waited_on')
        rows = []
        for tranche in tranches.values():
            agreement = agreements[tranche['agreement']]
            rows.append({
                    'currency': agreement['currency'],
                    'recipient': agreement['recipient'],
                    'agreement': agreement['reference'],
                    'tranche': tranche['name'],
                    'planned_date': tranche['planned_date'],
                    'amount': tranche['amount'],
                    'state': states[tranche['state']],
                    'disbursed_amount': tranche['disbursed_amount'],
                    'actual_date': tranche['actual_date'],
                    'days_late': tranche['days_late'],
                    'holding': waiting_for[tranche['holding']],
                    'delay_reason': reasons[tranche['delay_reason']],
                    'waited_on': waited_on[tranche['waited_on']],
                    'delay_note': tranche['delay_note'],
                    })
        return rows

    @classmethod
    def get_milestone_rows(cls, agreements, tranches, ids):
        "Return a row per milestone with its state"
        pool = Pool()
        Milestone = pool.get('shakti.grant.milestone')

        kinds = selection_labels(Milestone, 'kind')
        states = selection_labels(Milestone, 'state')
        measures = selection_labels(Milestone, 'measure')
        milestones = Milestone.read(ids, [
                'tranche', 'name', 'kind', 'due_date', 'state',
                'submission_date', 'verification_date', 'measure', 'target'])
        # Only the milestones that count records have an achieved number.
        achieved = {r['id']: r['achieved'] for r in Milestone.read(
                [m['id'] for m in milestones if m['measure']],
                ['achieved'])}
        position = {id_: i for i, id_ in enumerate(tranches)}
        milestones.sort(key=lambda m: (
                position[m['tranche']], m['due_date'], m['id']))
        rows = []
        for milestone in milestones:
            tranche = tranches[milestone['tranche']]
            agreement = agreements[tranche['agreement']]
            counted = bool(milestone['measure'])
            rows.append({
                    'recipient': agreement['recipient'],
                    'agreement': agreement['reference'],
                    'tranche': tranche['name'],
                    'milestone': milestone['name'],
                    'kind': kinds[milestone['kind']],
                    'due_date': milestone['due_date'],
                    'state': states[milestone['state']],
                    'submission_date': milestone['submission_date'],
                    'verification_date': milestone['verification_date'],
                    'measure': (
                        measures[milestone['measure']] if counted else None),
                    'target': milestone['target'] if counted else None,
                    'achieved': achieved.get(milestone['id']),
                    })
        return rows

    @classmethod
    def get_budget_line_rows(cls, agreements, ids):
        "Return a row per budget line with the money utilised against it"
        pool = Pool()
        BudgetLine = pool.get('shakti.grant.agreement.budget_line')

        lines = BudgetLine.read(
            ids, ['agreement', 'name', 'amount', 'utilised_amount'])
        position = {id_: i for i, id_ in enumerate(agreements)}
        lines.sort(key=lambda l: (position[l['agreement']], l['id']))
        rows = []
        for line in lines:
            agreement = agreements[line['agreement']]
            rows.append({
                    'currency': agreement['currency'],
                    'recipient': agreement['recipient'],
                    'agreement': agreement['reference'],
                    'budget_line': line['name'],
                    'amount': line['amount'],
                    'utilised_amount': line['utilised_amount'],
                    'remaining_amount': (
                        line['amount'] - line['utilised_amount']),
                    })
        return rows

    @classmethod
    def render_xlsx(cls, context):
        "Return the statement as the bytes of an XLSX workbook"
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {'in_memory': True})
        formats = StatementFormats(workbook)
        for title, rows, columns in [
                ("Agreements", context['agreements'], AGREEMENT_COLUMNS),
                ("Tranches", context['tranches'], TRANCHE_COLUMNS),
                ("Milestones", context['milestones'], MILESTONE_COLUMNS),
                ("Budget Lines", context['budget_lines'],
                    BUDGET_LINE_COLUMNS),
                ]:
            sheet = workbook.add_worksheet(title)
            cls.write_head(sheet, formats, context, title)
            cls.write_rows(sheet, formats, rows, columns)
        workbook.close()
        return output.getvalue()

    @classmethod
    def write_head(cls, sheet, formats, context, title):
        sheet.write(0, 0, "Partner Statement: %s" % title, formats.title)
        sheet.write(1, 0, "Organisation", formats.bold)
        sheet.write(1, 1, context['organisation'])
        sheet.write(2, 0, "Date", formats.bold)
        sheet.write_datetime(2, 1, context['date'], formats.date)
        sheet.write(3, 0, "Generated On", formats.bold)
        sheet.write_datetime(3, 1, context['today'], formats.date)

    @classmethod
    def write_rows(cls, sheet, formats, rows, columns):
        for col, (_, heading, width, _) in enumerate(columns):
            sheet.write(HEAD_ROWS, col, heading, formats.heading)
            sheet.set_column(col, col, width)
        for i, row in enumerate(rows, HEAD_ROWS + 1):
            total = row.get('total', False)
            for col, (key, _, _, type_) in enumerate(columns):
                value = row.get(key)
                if value is None or value == '':
                    continue
                if type_ == 'money':
                    sheet.write_number(i, col, float(value),
                        formats.money(row['currency'], total))
                elif type_ == 'date':
                    sheet.write_datetime(i, col, value, formats.date)
                elif type_ == 'integer':
                    sheet.write_number(i, col, value)
                else:
                    sheet.write_string(i, col, value,
                        formats.total_text if total else None)
        sheet.freeze_panes(HEAD_ROWS + 1, 0)


class StatementFormats:
    "The cell formats of a statement workbook"

    def __init__(self, workbook):
        self.workbook = workbook
        self.bold = workbook.add_format({'bold': True})
        self.title = workbook.add_format({'bold': True, 'font_size': 14})
        self.heading = workbook.add_format({
                'bold': True, 'bg_color': '#DDDDDD', 'border': 1,
                'text_wrap': True})
        self.date = workbook.add_format({'num_format': 'dd/mm/yyyy'})
        self.total_text = workbook.add_format({'bold': True, 'top': 1})
        self._money = {}

    def money(self, currency, total=False):
        """Return the format of an amount in currency: its symbol and its
        digits, in bold with a rule above on a total row"""
        key = (currency.id, total)
        if key not in self._money:
            digits = currency.digits or 0
            number = '#,##0' + ('.' + '0' * digits if digits else '')
            symbol = (currency.symbol or currency.code).replace('"', '')
            properties = {'num_format': '"%s"%s' % (symbol, number)}
            if total:
                properties.update({'bold': True, 'top': 1})
            self._money[key] = self.workbook.add_format(properties)
        return self._money[key]


class TrancheDelayContext(ModelView):
    __name__ = 'shakti.grant.tranche.delay.context'
    __string__ = "Tranche Delays Context"

    date = fields.Date(
        "Date", required=True,
        help="The date to which the days late of the tranches not yet "
        "disbursed are counted.")
    organisation = fields.Many2One(
        'company.company', "Organisation",
        domain=[
            ('parent', 'child_of',
                [Eval('context', {}).get('company', -1)]),
            ],
        help="List only the tranches of this organisation and of the "
        "organisations under it. Leave empty for all.")

    @classmethod
    def default_date(cls):
        pool = Pool()
        Date = pool.get('ir.date')
        return Date.today()
