# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import io
import logging

import xlsxwriter
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.report import Report
from trytond.transaction import Transaction, check_access
from trytond.wizard import Button, StateReport, StateView, Wizard

from .application import PENDING_STATES

logger = logging.getLogger(__name__)

COLUMNS = [
    # (key, heading, width)
    ('row', "No.", 5),
    ('code', "Case Code", 12),
    ('name', "Name", 24),
    ('village', "Village", 18),
    ('scheme', "Scheme", 32),
    ('number', "Application", 12),
    ('reference', "Acknowledgement", 16),
    ('submitted_date', "Submitted On", 12),
    ('state', "Status", 14),
    ('days_pending', "Days Pending", 8),
    ('office', "Office", 24),
    ('last_follow_up', "Last Follow-up", 12),
    ('next_follow_up', "Next Follow-up", 12),
    ]


class DemandList(Wizard):
    __name__ = 'shakti.demand_list'
    start = StateView(
        'shakti.demand_list.start', 'shakti_case.demand_list_start_view_form',
        [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Print", 'print_', 'tryton-print'),
            Button("Spreadsheet", 'spreadsheet', 'tryton-save',
                default=True),
            ])
    print_ = StateReport('shakti.demand_list.report')
    spreadsheet = StateReport('shakti.demand_list.xlsx')

    def _report_data(self):
        return {
            'block': self.start.block.id,
            'scheme': self.start.scheme.id if self.start.scheme else None,
            }

    def do_print_(self, action):
        return action, self._report_data()

    def do_spreadsheet(self, action):
        return action, self._report_data()


class DemandListStart(ModelView):
    __name__ = 'shakti.demand_list.start'
    __string__ = "Consolidated Demand List"
    block = fields.Many2One(
        'shakti.place', "Block or Mandal", required=True,
        domain=[('type', 'in', ['block', 'mandal'])])
    scheme = fields.Many2One(
        'shakti.scheme', "Scheme",
        help="Leave empty to list the pending applications of every scheme.")

    @classmethod
    def default_block(cls):
        pool = Pool()
        Company = pool.get('company.company')

        company_id = Transaction().context.get('company')
        if company_id is not None and company_id >= 0:
            blocks = [p for p in Company(company_id).places
                if p.type in {'block', 'mandal'}]
            if len(blocks) == 1:
                return blocks[0].id


class DemandListReport(Report):
    __name__ = 'shakti.demand_list.report'

    @classmethod
    def get_context(cls, records, header, data):
        pool = Pool()
        Application = pool.get('shakti.application')
        Company = pool.get('company.company')
        Date = pool.get('ir.date')
        Place = pool.get('shakti.place')
        Scheme = pool.get('shakti.scheme')
        Survivor = pool.get('shakti.survivor')

        context = super().get_context(records, header, data)
        if not Survivor.can_read_identity():
            raise AccessError(gettext('shakti_case.msg_demand_list_access'))
        block = Place(data['block'])
        scheme = Scheme(data['scheme']) if data.get('scheme') else None
        today = Date.today()
        domain = [
            ('block', '=', block.id),
            ('state', 'in', PENDING_STATES),
            ]
        if scheme:
            domain.append(('scheme', '=', scheme.id))
        # Reports run without the record rules: apply them to the search so
        # the list holds only the applications the user may read.
        with check_access():
            applications = Application.search(domain, order=[
                    ('scheme.name', 'ASC'),
                    ('submitted_date', 'ASC'),
                    ('id', 'ASC'),
                    ])
        listed = [a for a in applications
            if a.survivor.has_consent('duty_bearers', today)]
        company_id = Transaction().context.get('company')
        context['company'] = (
            Company(company_id) if company_id is not None and company_id >= 0
            else None)
        context['block'] = block
        context['scheme'] = scheme
        context['today'] = today
        context['rows'] = cls.get_rows(listed, today)
        context['withheld'] = len(applications) - len(listed)
        context['columns'] = COLUMNS
        logger.info(
            "demand list for place %s: %d rows, %d withheld without consent",
            block.id, len(listed), context['withheld'])
        return context

    @classmethod
    def get_rows(cls, applications, today):
        "Return one dictionary per application, keyed by column"
        pool = Pool()
        Application = pool.get('shakti.application')

        state_strings = dict(Application.fields_get(['state'])['state'][
                'selection'])
        rows = []
        for i, application in enumerate(applications, 1):
            survivor = application.survivor
            submitted = application.submitted_date
            rows.append({
                    'row': i,
                    'code': survivor.code,
                    'name': survivor.name,
                    'village': (
                        survivor.village.name if survivor.village else ''),
                    'scheme': application.scheme.rec_name,
                    'number': application.number,
                    'reference': application.reference or '',
                    'submitted_date': submitted,
                    'state': state_strings[application.state],
                    'days_pending': (
                        (today - submitted).days if submitted else None),
                    'office': (
                        application.office.name if application.office
                        else ''),
                    'last_follow_up': application.last_follow_up,
                    'next_follow_up': application.next_follow_up,
                    })
        return rows


class DemandListSpreadsheet(DemandListReport):
    __name__ = 'shakti.demand_list.xlsx'

    @classmethod
    def _execute(cls, records, header, data, action):
        with Transaction().set_context(Transaction().context):
            context = cls.get_context(records, header, data)
            return 'xlsx', cls.render_xlsx(context)

    @classmethod
    def render_xlsx(cls, context):
        "Return the demand list as the bytes of an XLSX workbook"
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {'in_memory': True})
        sheet = workbook.add_worksheet("Demand List")
        bold = workbook.add_format({'bold': True})
        title = workbook.add_format({'bold': True, 'font_size': 14})
        heading = workbook.add_format({
                'bold': True, 'bg_color': '#DDDDDD', 'border': 1,
                'text_wrap': True})
        date_format = workbook.add_format({'num_format': 'dd/mm/yyyy'})

        block = context['block']
        sheet.write(0, 0, "Consolidated Demand List", title)
        sheet.write(1, 0, "Block or Mandal", bold)
        sheet.write(1, 2, block.rec_name)
        sheet.write(2, 0, "Scheme", bold)
        sheet.write(
            2, 2, context['scheme'].rec_name if context['scheme']
            else "All schemes")
        sheet.write(3, 0, "Date", bold)
        sheet.write_datetime(3, 2, context['today'], date_format)
        sheet.write(4, 0, "Organisation", bold)
        sheet.write(4, 2, context['company'].rec_name
            if context.get('company') else '')

        first = 6
        for col, (_, string, width) in enumerate(context['columns']):
            sheet.write(first, col, string, heading)
            sheet.set_column(col, col, width)
        for i, row in enumerate(context['rows'], first + 1):
            for col, (key, _, _) in enumerate(context['columns']):
                value = row[key]
                if value is None or value == '':
                    sheet.write_blank(i, col, None)
                elif hasattr(value, 'toordinal'):
                    sheet.write_datetime(i, col, value, date_format)
                else:
                    sheet.write(i, col, value)
        last = first + len(context['rows'])
        sheet.autofilter(first, 0, last, len(context['columns']) - 1)
        sheet.freeze_panes(first + 1, 0)
        if not context['rows']:
            sheet.write(first + 1, 0, "No pending applications.")
        if context['withheld']:
            sheet.write(
                last + 2, 0,
                "%d pending applications are not listed because the "
                "survivor has not consented to sharing her details with "
                "government offices." % context['withheld'])
        workbook.close()
        return output.getvalue()
