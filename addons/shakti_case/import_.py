# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import csv
import datetime as dt
import io
import logging
import zipfile

import xlsxwriter
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from trytond import backend
from trytond.config import config
from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.modules.shakti_base.model import OrganisationMixin
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.report import Report
from trytond.transaction import Transaction, check_access

from .exceptions import CaseImportError
from .intake import FILLED_BY, NEED_DOMAINS

logger = logging.getLogger(__name__)

KINDS = [
    ('intake', "Case Intakes"),
    ('follow_up', "Follow-up Visits"),
    ]
# The model each kind of file creates records of.
KIND_MODELS = {
    'intake': 'shakti.intake',
    'follow_up': 'shakti.application.follow_up',
    }
# The selections of these models' fields, read when they are used.
PRIORITIES = ('shakti.intake.need', 'priority')
OUTCOMES = ('shakti.application.follow_up', 'outcome')
YES_NO = [
    (True, "Yes"),
    (False, "No"),
    ]
# The columns of each import template, in order, as
# (key, heading, required, selection or None, instructions). The printed
# forms carry the same headings so that a typist copies them box by box.
INTAKE_COLUMNS = [
    ('code', "Case Code", True, None,
        "The survivor's case code, for example SV-00012."),
    ('date', "Date", True, None,
        "The day the assessment was done, as DD/MM/YYYY."),
    ('filled_by', "Filled By", True, FILLED_BY,
        "Who filled the paper form."),
    ('interviewer', "Interviewer", False, None,
        "The staff member's name as in the staff list; empty for the "
        "person typing."),
    ] + [
    (domain, string, False, PRIORITIES,
        "The priority of the need; empty for No Need.")
    for domain, string in NEED_DOMAINS]
FOLLOW_UP_COLUMNS = [
    ('code', "Case Code", True, None,
        "The survivor's case code, for example SV-00012."),
    ('application', "Application", True, None,
        "The application number, for example APP-00034."),
    ('date', "Date", True, None,
        "The day of the visit, as DD/MM/YYYY."),
    ('staff', "Staff", False, None,
        "The staff member's name as in the staff list; empty for the "
        "person typing."),
    ('with_survivor', "With Survivor", False, YES_NO,
        "Yes if the survivor went to the office; empty for No."),
    ('with_leader', "With Survivor Leader", False, YES_NO,
        "Yes if a survivor leader went to the office; empty for No."),
    ('met', "Met", False, None,
        "The official met: a duty bearer of the application's office by "
        "name, or anyone else."),
    ('outcome', "Outcome", True, OUTCOMES,
        "What came of the visit."),
    ('next_date', "Next Date", False, None,
        "The next date given, as DD/MM/YYYY, after the visit."),
    ('notes', "Notes", False, None,
        "What the official said and what was agreed."),
    ]
COLUMNS = {
    'intake': INTAKE_COLUMNS,
    'follow_up': FOLLOW_UP_COLUMNS,
    }
SHEET_NAMES = {
    'intake': "Intakes",
    'follow_up': "Follow-ups",
    }
DATE_FORMATS = ['%d/%m/%Y', '%Y-%m-%d', '%d-%m-%Y', '%d.%m.%Y']
# The rows created in one step, after which the progress is updated.
CHUNK_ROWS = 25


def read_rows(data):
    "Return (row number, values) for each row of an XLSX or CSV file"
    data = bytes(data)
    if zipfile.is_zipfile(io.BytesIO(data)):
        workbook = load_workbook(
            io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            return list(enumerate(sheet.iter_rows(values_only=True), 1))
        finally:
            workbook.close()
    text = data.decode('utf-8-sig')
    try:
        dialect = csv.Sniffer().sniff(text.split('\n', 1)[0], ',;\t')
    except csv.Error:
        dialect = csv.excel
    return list(enumerate(csv.reader(io.StringIO(text), dialect), 1))


def get_selection(selection):
    "Return the (value, label) list of a column's selection"
    if isinstance(selection, tuple):
        model, field = selection
        return Pool().get(model)._fields[field].selection
    return selection


def is_blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


class ImportRow:
    "The cells of one data row, converted, with an error for each bad cell"

    def __init__(self, number, cells, columns, errors):
        self.number = number
        self.cells = cells
        self.headings = {c[0]: c[1] for c in columns}
        self.errors = errors
        self.valid = True

    def error(self, key, message, **variables):
        self.valid = False
        self.errors.append(gettext('shakti_case.%s' % message,
                row=self.number, column=self.headings[key],
                value=self.text(key) or '', **variables))

    def text(self, key, required=False):
        value = self.cells.get(key)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, dt.datetime):
            value = value.date()
        value = '' if value is None else str(value).strip()
        if not value and required:
            self.error(key, 'msg_case_import_required')
        return value or None

    def date(self, key, required=False):
        value = self.cells.get(key)
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = self.text(key, required=required)
        if text is None:
            return None
        for format_ in DATE_FORMATS:
            try:
                return dt.datetime.strptime(text, format_).date()
            except ValueError:
                continue
        self.error(key, 'msg_case_import_date')

    def selection(self, key, selection, required=False, default=None):
        "Return the value whose code or label is in the cell"
        text = self.text(key, required=required)
        if text is None:
            return default
        selection = get_selection(selection)
        for value, string in selection:
            if text.lower() in {str(value).lower(), string.lower()}:
                return value
        self.error(key, 'msg_case_import_selection',
            values=', '.join(s for _, s in selection))

    def lookup(self, key, records, message, required=False, **variables):
        "Return the record named by the cell in records (keyed in lower case)"
        text = self.text(key, required=required)
        if text is None:
            return None
        record = records.get(text.lower())
        if record is None:
            self.error(key, message, **variables)
        return record


class CaseImport(OrganisationMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'shakti.case_import'
    __string__ = "Case Import"

    _states = {
        'readonly': Eval('state') != 'draft',
        }

    kind = fields.Selection(
        KINDS, "Kind", required=True, states=_states,
        help="What each row of the file records.")
    file = fields.Binary(
        "File", filename='file_name', states=_states,
        help="The import template filled in, as XLSX or CSV.")
    file_name = fields.Char("File Name", states=_states)
    state = fields.Selection([
            ('draft', "Draft"),
            ('queued', "Queued"),
            ('running', "Running"),
            ('done', "Done"),
            ('failed', "Failed"),
            ], "State", readonly=True, required=True, sort=False)
    state_string = state.translated('state')
    rows_total = fields.Integer(
        "Rows", readonly=True,
        help="The data rows of the file, below the header row.")
    rows_processed = fields.Integer("Rows Processed", readonly=True)
    progress = fields.Function(
        fields.Float(
            "Progress", digits=(1, 4),
            help="The rows processed as a fraction of the rows."),
        'get_progress')
    errors = fields.Text(
        "Errors", readonly=True,
        states={
            'invisible': ~Eval('errors'),
            })
    intakes = fields.One2Many(
        'shakti.intake', 'case_import', "Case Intakes", readonly=True,
        states={
            'invisible': Eval('kind') != 'intake',
            })
    follow_ups = fields.One2Many(
        'shakti.application.follow_up', 'case_import', "Follow-up Visits",
        readonly=True,
        states={
            'invisible': Eval('kind') != 'follow_up',
            })

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('create_date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('failed', 'draft'),
            }
        cls._buttons.update({
                'check_file': {
                    'invisible': Eval('state') != 'draft',
                    'icon': 'tryton-search',
                    'depends': ['state'],
                    },
                'import_': {
                    'invisible': Eval('state') != 'draft',
                    'icon': 'tryton-import',
                    'depends': ['state'],
                    },
                'draft': {
                    'invisible': Eval('state') != 'failed',
                    'icon': 'tryton-back',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_kind(cls):
        return 'intake'

    @classmethod
    def default_state(cls):
        return 'draft'

    def get_rec_name(self, name):
        return self.file_name or '(%s)' % self.id

    @classmethod
    def get_progress(cls, imports, name):
        return {
            i.id: (round((i.rows_processed or 0) / i.rows_total, 4)
                if i.rows_total else 0.0)
            for i in imports}

    @classmethod
    def queue_threshold(cls):
        "Return the row count above which a file is imported in the queue"
        return config.getint('shakti', 'import_queue_rows', default=100)

    @classmethod
    def check_modification(cls, mode, imports, values=None, external=False):
        super().check_modification(
            mode, imports, values=values, external=external)
        if (mode == 'write' and external
                and values.keys() & {'kind', 'file', 'file_name'}):
            for case_import in imports:
                if case_import.state not in {'draft', 'failed'}:
                    raise CaseImportError(
                        gettext('shakti_case.msg_case_import_change',
                            case_import=case_import.rec_name))
        if mode == 'delete':
            for case_import in imports:
                if case_import.state not in {'draft', 'failed'}:
                    raise CaseImportError(
                        gettext('shakti_case.msg_case_import_delete',
                            case_import=case_import.rec_name))

    @classmethod
    def copy(cls, imports, default=None):
        default = default.copy() if default is not None else {}
        for name in ['rows_total', 'rows_processed', 'errors']:
            default.setdefault(name, None)
        default.setdefault('state', 'draft')
        default.setdefault('intakes', None)
        default.setdefault('follow_ups', None)
        return super().copy(imports, default=default)

    @classmethod
    @ModelView.button
    def check_file(cls, imports):
        "Read and check the whole file without importing it"
        for case_import in imports:
            case_import.check_attached()
            _, total, errors = case_import.parse()
            case_import.rows_total = total
            case_import.rows_processed = 0
            case_import.errors = '\n'.join(errors) or None
        cls.save(imports)

    @classmethod
    @ModelView.button
    def import_(cls, imports):
        """Import the files that have no error, or queue the large ones.

        A file with errors is marked failed with every error listed, and
        none of its rows is saved."""
        to_queue = []
        for case_import in imports:
            if case_import.state != 'draft':
                raise CaseImportError(
                    gettext('shakti_case.msg_case_import_state',
                        case_import=case_import.rec_name,
                        state=case_import.state_string))
            case_import.check_attached()
            values, total, errors = case_import.parse()
            case_import.rows_total = total
            case_import.rows_processed = 0
            case_import.errors = '\n'.join(errors) or None
            if errors:
                case_import.state = 'failed'
            elif total > cls.queue_threshold():
                case_import.state = 'queued'
                to_queue.append(case_import)
            else:
                case_import.create_records(values)
                case_import.rows_processed = total
                case_import.state = 'done'
            logger.info(
                "import %s of %s: %d rows, %d errors, %s",
                case_import.id, case_import.kind, total, len(errors),
                case_import.state)
        cls.save(imports)
        if to_queue:
            cls.__queue__.process(to_queue)

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, imports):
        cls.write(imports, {
                'rows_total': None,
                'rows_processed': None,
                'errors': None,
                })

    @classmethod
    def process(cls, imports):
        "Import the queued files in the queue, each one all or nothing"
        for case_import in imports:
            if case_import.state != 'queued':
                continue
            case_import.write_status(state='running', rows_processed=0)
            try:
                values, total, errors = case_import.parse()
                if not errors:
                    case_import.create_records(
                        values, progress=case_import.write_progress)
            except UserError as exception:
                # A check of the models that parse() does not repeat
                # failed. Undo every row of the file, then record the error.
                Transaction().rollback()
                logger.warning(
                    "import %s failed: %s", case_import.id,
                    exception.__class__.__name__)
                cls.write([cls(case_import.id)], {
                        'state': 'failed',
                        'errors': exception.message,
                        })
                continue
            if errors:
                case_import.write_status(
                    state='failed', rows_total=total,
                    errors='\n'.join(errors))
            elif backend.name == 'sqlite':
                case_import.write_status(
                    state='done', rows_total=total, rows_processed=total)
            else:
                # The rows are saved only when this transaction commits, so
                # the import is marked done after that, from what was saved.
                transaction = Transaction()
                transaction.atexit(
                    cls.finish, transaction.database.name, case_import.id,
                    total)
            logger.info(
                "queued import %s of %s: %d rows, %d errors",
                case_import.id, case_import.kind, total, len(errors))

    @classmethod
    def finish(cls, database_name, import_id, total):
        "Mark a queued import done when its records were saved, else failed"
        with Transaction(new=True).start(database_name, 0) as transaction:
            pool = Pool()
            case_import = cls(import_id)
            Model = pool.get(KIND_MODELS[case_import.kind])
            saved = Model.search_count([('case_import', '=', import_id)])
            if saved == total:
                values = {'state': 'done', 'rows_processed': total}
            else:
                values = {
                    'state': 'failed',
                    'rows_processed': 0,
                    'errors': gettext(
                        'shakti_case.msg_case_import_not_saved',
                        case_import=case_import.rec_name),
                    }
            cls.write([case_import], values)
            transaction.commit()
            logger.info(
                "queued import %s finished: %d of %d rows saved",
                import_id, saved, total)

    def check_attached(self):
        if not self.file:
            raise CaseImportError(
                gettext('shakti_case.msg_case_import_no_file',
                    case_import=self.rec_name))

    def write_progress(self, processed):
        self.write_status(rows_processed=processed)

    def write_status(self, **values):
        "Write the status where other users see it while the import runs"
        if backend.name == 'sqlite':
            # SQLite gives every transaction of a database the same
            # connection, so committing another one would commit the rows.
            self.write([self], values)
            return
        with Transaction().new_transaction():
            self.write([self.__class__(self.id)], values)

    def create_records(self, values, progress=None):
        "Create the records of values, in steps, under the user's access"
        pool = Pool()
        Model = pool.get(KIND_MODELS[self.kind])

        for index in range(0, len(values), CHUNK_ROWS):
            chunk = values[index:index + CHUNK_ROWS]
            for record_values in chunk:
                record_values['case_import'] = self.id
            with check_access():
                Model.create(chunk)
            if progress:
                progress(index + len(chunk))

    def parse(self):
        """Read and check the whole file.

        Return the values of the records to create, the count of data rows
        and the list of errors."""
        try:
            rows = read_rows(self.file or b'')
        except (UnicodeDecodeError, csv.Error, zipfile.BadZipFile,
                InvalidFileException, KeyError, ValueError):
            return [], 0, [gettext('shakti_case.msg_case_import_unreadable',
                    file=self.file_name or '')]
        errors = []
        columns = self.parse_header(rows[:1], errors)
        data_rows = []
        for number, row in rows[1:]:
            if all(is_blank(v) for v in row):
                continue
            data_rows.append((number, {
                        key: row[index] if index < len(row) else None
                        for key, index in columns.items()}))
        if not data_rows:
            errors.append(gettext('shakti_case.msg_case_import_empty',
                    file=self.file_name or ''))
        if errors:
            return [], len(data_rows), errors
        parse_rows = getattr(self, 'parse_%s_rows' % self.kind)
        values = parse_rows(data_rows, errors)
        return values, len(data_rows), errors

    def parse_header(self, header_rows, errors):
        "Return the index of each column key in the header row"
        columns = COLUMNS[self.kind]
        headings = {c[1].lower(): c for c in columns}
        header = header_rows[0][1] if header_rows else ()
        indexes = {}
        for index, value in enumerate(header):
            if is_blank(value):
                continue
            column = headings.get(str(value).strip().lower())
            if column is None:
                errors.append(gettext(
                        'shakti_case.msg_case_import_column_unknown',
                        row=1, number=index + 1, value=value))
            elif column[0] in indexes:
                errors.append(gettext(
                        'shakti_case.msg_case_import_column_twice',
                        row=1, number=index + 1, column=column[1]))
            else:
                indexes[column[0]] = index
        for key, heading, required, _, _ in columns:
            if required and key not in indexes:
                errors.append(gettext(
                        'shakti_case.msg_case_import_column_missing',
                        row=1, column=heading))
        return indexes

    def find_survivors(self, rows):
        "Return the survivors of the import's organisation by lower code"
        pool = Pool()
        Survivor = pool.get('shakti.survivor')

        codes = {str(c['code']).strip().upper() for _, c in rows
            if not is_blank(c.get('code'))}
        # The rules of the user apply, so that a survivor of another
        # organisation reads as not found.
        with check_access():
            survivors = Survivor.search([
                    ('code', 'in', list(codes)),
                    ('company', '=', self.company.id),
                    ])
        return {s.code.lower(): s for s in survivors}

    def find_employees(self, rows, key):
        "Return the employees of the import's organisation by lower name"
        pool = Pool()
        Employee = pool.get('company.employee')

        names = {str(c[key]).strip() for _, c in rows
            if not is_blank(c.get(key))}
        if not names:
            return {}
        with check_access():
            employees = Employee.search([
                    ('company', '=', self.company.id),
                    ])
        names = {n.lower() for n in names}
        return {e.party.name.lower(): e for e in employees
            if e.party.name and e.party.name.lower() in names}

    def parse_intake_rows(self, rows, errors):
        pool = Pool()
        Date = pool.get('ir.date')

        today = Date.today()
        survivors = self.find_survivors(rows)
        employees = self.find_employees(rows, 'interviewer')
        organisation = self.company.rec_name
        values = []
        for number, cells in rows:
            row = ImportRow(number, cells, INTAKE_COLUMNS, errors)
            survivor = row.lookup('code', survivors,
                'msg_case_import_survivor_not_found', required=True,
                organisation=organisation)
            date = row.date('date', required=True)
            filled_by = row.selection('filled_by', FILLED_BY, required=True)
            interviewer = row.lookup('interviewer', employees,
                'msg_case_import_employee_not_found',
                organisation=organisation)
            needs = [{
                    'domain': domain,
                    'priority': row.selection(
                        domain, PRIORITIES, default='none'),
                    } for domain, _ in NEED_DOMAINS]
            if date and date > today:
                row.error('date', 'msg_case_import_date_future')
            elif survivor and date and date < survivor.registration_date:
                row.error('date', 'msg_case_import_before_registration',
                    survivor=survivor.code,
                    registration_date=survivor.registration_date)
            if not row.valid:
                continue
            intake = {
                'survivor': survivor.id,
                'date': date,
                'filled_by': filled_by,
                'paper_form': True,
                'needs': [('create', needs)],
                }
            if interviewer:
                intake['interviewer'] = interviewer.id
            values.append(intake)
        return values

    def find_applications(self, rows):
        "Return the applications of the import's organisation by lower number"
        pool = Pool()
        Application = pool.get('shakti.application')

        numbers = {str(c['application']).strip().upper() for _, c in rows
            if not is_blank(c.get('application'))}
        with check_access():
            applications = Application.search([
                    ('number', 'in', list(numbers)),
                    ('company', '=', self.company.id),
                    ])
        return {a.number.lower(): a for a in applications}

    def parse_follow_up_rows(self, rows, errors):
        pool = Pool()
        Date = pool.get('ir.date')

        today = Date.today()
        survivors = self.find_survivors(rows)
        applications = self.find_applications(rows)
        employees = self.find_employees(rows, 'staff')
        organisation = self.company.rec_name
        values = []
        for number, cells in rows:
            row = ImportRow(number, cells, FOLLOW_UP_COLUMNS, errors)
            survivor = row.lookup('code', survivors,
                'msg_case_import_survivor_not_found', required=True,
                organisation=organisation)
            application = None
            if survivor:
                own = {k: a for k, a in applications.items()
                    if a.survivor == survivor}
                application = row.lookup('application', own,
                    'msg_case_import_application_not_found', required=True,
                    survivor=survivor.code)
            date = row.date('date', required=True)
            staff = row.lookup('staff', employees,
                'msg_case_import_employee_not_found',
                organisation=organisation)
            with_survivor = row.selection(
                'with_survivor', YES_NO, default=False)
            with_leader = row.selection('with_leader', YES_NO, default=False)
            met = row.text('met')
            outcome = row.selection('outcome', OUTCOMES, required=True)
            next_date = row.date('next_date')
            notes = row.text('notes')
            if application and application.state == 'draft':
                row.error('application', 'msg_case_import_application_draft')
            if date and date > today:
                row.error('date', 'msg_case_import_date_future')
            elif application and date and date < application.date:
                row.error('date', 'msg_case_import_before_application',
                    application=application.number,
                    application_date=application.date)
            if date and next_date and next_date <= date:
                row.error('next_date', 'msg_case_import_next_date', date=date)
            if not row.valid:
                continue
            follow_up = {
                'application': application.id,
                'date': date,
                'with_survivor': with_survivor,
                'with_leader': with_leader,
                'outcome': outcome,
                'next_date': next_date,
                'notes': notes,
                }
            if staff:
                follow_up['staff'] = staff.id
            if met:
                follow_up.update(self.met_values(application, met))
            values.append(follow_up)
        return values

    @classmethod
    def met_values(cls, application, met):
        "Return the duty bearer of the office named met, or met as text"
        office = application.office
        for duty_bearer in (office.duty_bearers if office else []):
            if duty_bearer.name.strip().lower() == met.lower():
                return {'duty_bearer': duty_bearer.id}
        return {'met_other': met}


class Intake(metaclass=PoolMeta):
    __name__ = 'shakti.intake'
    case_import = fields.Many2One(
        'shakti.case_import', "Import", readonly=True, ondelete='SET NULL',
        help="The file the intake was imported from.")


class FollowUp(metaclass=PoolMeta):
    __name__ = 'shakti.application.follow_up'
    case_import = fields.Many2One(
        'shakti.case_import', "Import", readonly=True, ondelete='SET NULL',
        help="The file the follow-up was imported from.")


def template_kind(records, data):
    return records[0].kind if records else data.get('kind', 'intake')


class CaseImportTemplate(Report):
    "The XLSX template of an import, with its instructions"
    __name__ = 'shakti.case_import.template'

    @classmethod
    def _execute(cls, records, header, data, action):
        return 'xlsx', cls.render_xlsx(template_kind(records, data))

    @classmethod
    def render_xlsx(cls, kind):
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {'in_memory': True})
        sheet = workbook.add_worksheet(SHEET_NAMES[kind])
        instructions = workbook.add_worksheet("Instructions")
        heading = workbook.add_format({
                'bold': True, 'bg_color': '#DDDDDD', 'border': 1})
        required_heading = workbook.add_format({
                'bold': True, 'bg_color': '#FFE699', 'border': 1})
        wrap = workbook.add_format({'text_wrap': True, 'valign': 'top'})
        date_format = workbook.add_format({'num_format': 'dd/mm/yyyy'})
        last_row = 1000

        for col, (key, string, required, selection, _) in enumerate(
                COLUMNS[kind]):
            sheet.write(
                0, col, string, required_heading if required else heading)
            is_date = key in {'date', 'next_date'}
            sheet.set_column(
                col, col, max(len(string) + 2, 14),
                date_format if is_date else None)
            if selection:
                sheet.data_validation(1, col, last_row, col, {
                        'validate': 'list',
                        'source': [s for _, s in get_selection(selection)],
                        })
        sheet.freeze_panes(1, 0)

        instructions.set_column(0, 0, 24)
        instructions.set_column(1, 1, 10)
        instructions.set_column(2, 2, 70)
        for col, string in enumerate(["Column", "Required", "What to write"]):
            instructions.write(0, col, string, heading)
        for i, (_, string, required, selection, help_) in enumerate(
                COLUMNS[kind], 1):
            if selection:
                help_ = "%s One of: %s." % (
                    help_, ", ".join(s for _, s in get_selection(selection)))
            instructions.write(i, 0, string)
            instructions.write(i, 1, "Yes" if required else "No")
            instructions.write(i, 2, help_, wrap)
        instructions.write(
            len(COLUMNS[kind]) + 2, 0,
            "Fill one row per paper form on the first sheet, from row 2. "
            "The import checks the whole file and saves nothing if a row "
            "is wrong; every error names its row, column and value.", wrap)
        workbook.close()
        return output.getvalue()


class CaseImportTemplateCSV(Report):
    "The CSV template of an import: its header row"
    __name__ = 'shakti.case_import.template_csv'

    @classmethod
    def _execute(cls, records, header, data, action):
        output = io.StringIO()
        csv.writer(output).writerow(
            [c[1] for c in COLUMNS[template_kind(records, data)]])
        # The byte order mark makes spreadsheet programs read it as UTF-8.
        return 'csv', output.getvalue().encode('utf-8-sig')
