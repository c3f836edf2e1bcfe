# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import io
from decimal import Decimal
from unittest.mock import patch

from openpyxl import load_workbook
from trytond.model.exceptions import AccessError, RequiredValidationError
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, create_employee)
from trytond.modules.shakti_base.exceptions import OrganisationError
from trytond.modules.shakti_case.exceptions import (
    ApplicationError, ApplicationStateError, FollowUpError, SurvivorError)
from trytond.modules.shakti_case.import_ import ImportRow
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction


def create_organisation(name, block_code):
    "Create a CBO working in the block of that code, with a case worker"
    pool = Pool()
    Currency = pool.get('currency.currency')
    Place = pool.get('shakti.place')
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')

    inr, = Currency.search([('code', '=', 'INR')])
    company = create_company(name, currency=inr)
    company.organisation_type = 'cbo'
    company.timezone = 'Asia/Kolkata'
    block, = Place.search([('code', '=', block_code)])
    company.places = [block]
    company.save()
    employee = create_employee(company, "Worker of %s" % name)
    user, = User.create([{
                'login': 'worker-%s' % company.id,
                'companies': [('add', [company.id])],
                'company': company.id,
                'employees': [('add', [employee.id])],
                'employee': employee.id,
                'groups': [('add', [ModelData.get_id(
                                'shakti_base', 'group_case_worker')])],
                }])
    return company, block, employee, user


def create_survivor(company, block, name="Test Survivor", consent=True):
    pool = Pool()
    Survivor = pool.get('shakti.survivor')
    Date = pool.get('ir.date')

    consents = [{'purpose': 'case_management', 'given_date': Date.today()}]
    if consent:
        consents.append({
                'purpose': 'duty_bearers', 'given_date': Date.today()})
    survivor, = Survivor.create([{
                'company': company.id,
                'name': name,
                'block': block.id,
                'registration_date': dt.date(2024, 1, 1),
                'consents': [('create', consents)],
                }])
    return survivor


def create_application(survivor, code='PMAY-G', days_ago=30):
    pool = Pool()
    Application = pool.get('shakti.application')
    Scheme = pool.get('shakti.scheme')
    Date = pool.get('ir.date')

    scheme, = Scheme.search([('code', '=', code)])
    application, = Application.create([{
                'survivor': survivor.id,
                'scheme': scheme.id,
                'date': Date.today() - dt.timedelta(days=days_ago),
                }])
    return application


class ShaktiCaseTestCase(CompanyTestMixin, ModuleTestCase):
    "Test Shakti Case module"
    module = 'shakti_case'

    @property
    def _skip_company_rule(self):
        # The partner of a dashboard row is the parent of its organisation,
        # which a CBO user does not have, so only the company field gets
        # the company rule.
        return super()._skip_company_rule | {
            ('shakti.dashboard.survivor', 'partner'),
            ('shakti.dashboard.intake', 'partner'),
            ('shakti.dashboard.application', 'partner'),
            ('shakti.dashboard.follow_up', 'partner'),
            ('shakti.dashboard.counselling', 'partner'),
            ('shakti.dashboard.hearing', 'partner'),
            }

    @with_transaction()
    def test_survivor_code_sequence(self):
        "Test survivors get consecutive case codes"
        company, block, _, _ = create_organisation("Alpha CBO",
            'WB-N24P-BASIRHAT-I')
        first = create_survivor(company, block, "First Test")
        second = create_survivor(company, block, "Second Test")
        self.assertEqual(first.code, 'SV-00001')
        self.assertEqual(second.code, 'SV-00002')
        self.assertEqual(first.rec_name, 'SV-00001')
        self.assertNotIn("First Test", first.rec_name)

    @with_transaction()
    def test_survivor_birth_mismatch(self):
        "Test the year of birth must match the date of birth"
        pool = Pool()
        Survivor = pool.get('shakti.survivor')

        company, block, _, _ = create_organisation("Alpha CBO",
            'WB-N24P-BASIRHAT-I')
        survivor = create_survivor(company, block)
        with self.assertRaises(SurvivorError) as cm:
            Survivor.write([survivor], {
                    'date_of_birth': dt.date(1999, 5, 1),
                    'birth_year': 1998,
                    })
        self.assertEqual(
            cm.exception.message,
            'The year of birth 1998 of survivor "SV-00001" does not match '
            'her date of birth 1999-05-01.')

    @with_transaction()
    def test_consent_in_force(self):
        "Test a withdrawn consent stops being in force"
        pool = Pool()
        Consent = pool.get('shakti.survivor.consent')

        company, block, _, _ = create_organisation("Alpha CBO",
            'WB-N24P-BASIRHAT-I')
        survivor = create_survivor(company, block)
        consent, = [c for c in survivor.consents
            if c.purpose == 'duty_bearers']
        consent.given_date = dt.date(2026, 1, 10)
        consent.withdrawn_date = dt.date(2026, 3, 1)
        consent.save()
        self.assertFalse(consent.in_force(dt.date(2026, 1, 9)))
        self.assertTrue(consent.in_force(dt.date(2026, 2, 28)))
        self.assertFalse(consent.in_force(dt.date(2026, 3, 1)))
        with self.assertRaises(Exception):
            Consent.write([consent], {'withdrawn_date': dt.date(2026, 1, 1)})

    @with_transaction()
    def test_intake_versions(self):
        "Test intakes are numbered by date per survivor"
        pool = Pool()
        Intake = pool.get('shakti.intake')

        company, block, _, _ = create_organisation("Alpha CBO",
            'WB-N24P-BASIRHAT-I')
        survivor = create_survivor(company, block)
        other = create_survivor(company, block, "Other Test")
        later, earlier, alone = Intake.create([{
                    'survivor': survivor.id,
                    'date': dt.date(2025, 6, 1),
                    'filled_by': 'survivor',
                    }, {
                    'survivor': survivor.id,
                    'date': dt.date(2024, 6, 1),
                    'filled_by': 'social_worker',
                    }, {
                    'survivor': other.id,
                    'date': dt.date(2025, 1, 1),
                    'filled_by': 'survivor_leader',
                    }])
        self.assertEqual(
            [later.version, earlier.version, alone.version], [2, 1, 1])
        self.assertEqual(later.company, company)
        self.assertEqual(len(later.needs), 9)
        self.assertEqual({n.company for n in later.needs}, {company})

    @with_transaction()
    def test_application_without_scheme(self):
        "Test an application without a scheme is rejected"
        pool = Pool()
        Application = pool.get('shakti.application')

        company, block, _, _ = create_organisation("Alpha CBO",
            'WB-N24P-BASIRHAT-I')
        survivor = create_survivor(company, block)
        with self.assertRaises(RequiredValidationError) as cm:
            Application.create([{'survivor': survivor.id}])
        self.assertIn('"Scheme"', cm.exception.message)

    @with_transaction()
    def test_application_takes_survivor_block_and_company(self):
        "Test an application takes the organisation of its survivor"
        company, block, _, _ = create_organisation("Alpha CBO",
            'WB-N24P-BASIRHAT-I')
        survivor = create_survivor(company, block)
        application = create_application(survivor)
        self.assertEqual(application.company, company)
        self.assertEqual(application.number, 'APP-00001')
        self.assertEqual(application.state, 'draft')
        self.assertEqual(application.currency.code, 'INR')

    @with_transaction()
    def test_application_workflow_dates(self):
        "Test each step records its date and dates keep their order"
        pool = Pool()
        Application = pool.get('shakti.application')
        Date = pool.get('ir.date')

        company, block, _, _ = create_organisation("Alpha CBO",
            'WB-N24P-BASIRHAT-I')
        application = create_application(create_survivor(company, block))
        today = Date.today()
        Application.submit([application])
        Application.process([application])
        self.assertEqual(application.state, 'under_process')
        self.assertEqual(application.submitted_date, today)
        self.assertEqual(application.processing_date, today)
        Application.reject([application])
        self.assertEqual(application.state, 'rejected')
        self.assertEqual(application.rejected_date, today)

        with self.assertRaises(ApplicationError) as cm:
            Application.write([application], {
                    'submitted_date': today - dt.timedelta(days=31),
                    })
        self.assertEqual(
            cm.exception.message,
            'The date in "Submitted On" (%s) of application "APP-00001" is '
            'before the date in "Application Date" (%s).' % (
                today - dt.timedelta(days=31), today - dt.timedelta(days=30)))

        with self.assertRaises(ApplicationError):
            Application.write([application], {
                    'submitted_date': today,
                    'processing_date': today + dt.timedelta(days=1),
                    })

    @with_transaction()
    def test_application_amounts(self):
        "Test the amount received may not exceed the amount approved"
        pool = Pool()
        Application = pool.get('shakti.application')

        company, block, _, _ = create_organisation("Alpha CBO",
            'WB-N24P-BASIRHAT-I')
        application = create_application(
            create_survivor(company, block), code='WB-VCS-2017')
        Application.submit([application])
        Application.approve([application])
        Application.write([application], {
                'amount_approved': Decimal('600000.00')})
        Application.receive([application])
        with self.assertRaises(ApplicationError) as cm, \
                Transaction().set_context(language='en'):
            Application.write([application], {
                    'amount_received': Decimal('600000.01')})
        self.assertEqual(
            cm.exception.message,
            'The amount received ₹600,000.01 for application "APP-00001" '
            'exceeds the amount approved ₹600,000.00.')
        Application.write([application], {
                'amount_received': Decimal('600000.00')})
        self.assertEqual(application.amount_received, Decimal('600000.00'))
        with self.assertRaises(ApplicationError):
            Application.write([application], {
                    'amount_approved': Decimal('-1.00')})

    @with_transaction()
    def test_application_delete_only_draft(self):
        "Test submitted applications cannot be deleted"
        pool = Pool()
        Application = pool.get('shakti.application')

        company, block, _, _ = create_organisation("Alpha CBO",
            'WB-N24P-BASIRHAT-I')
        survivor = create_survivor(company, block)
        draft = create_application(survivor)
        submitted = create_application(survivor, code='AADHAAR')
        Application.submit([submitted])
        with self.assertRaises(ApplicationStateError):
            Application.delete([submitted])
        Application.delete([draft])
        self.assertEqual(Application.search([]), [submitted])

    @with_transaction()
    def test_follow_up_dates(self):
        "Test follow-ups must not precede their application"
        pool = Pool()
        Application = pool.get('shakti.application')
        FollowUp = pool.get('shakti.application.follow_up')
        Date = pool.get('ir.date')

        company, block, _, _ = create_organisation("Alpha CBO",
            'WB-N24P-BASIRHAT-I')
        application = create_application(create_survivor(company, block))
        today = Date.today()
        with self.assertRaises(FollowUpError) as cm:
            FollowUp.create([{
                        'application': application.id,
                        'date': today,
                        'outcome': 'promised',
                        }])
        self.assertEqual(
            cm.exception.message,
            'To record a follow-up of application "APP-00001", submit the '
            'application first.')

        Application.submit([application])
        with self.assertRaises(FollowUpError) as cm:
            FollowUp.create([{
                        'application': application.id,
                        'date': today - dt.timedelta(days=31),
                        'outcome': 'promised',
                        }])
        self.assertEqual(
            cm.exception.message,
            'The follow-up "APP-00001 @ %s" is dated %s, before its '
            'application "APP-00001" of %s.' % (
                today - dt.timedelta(days=31),
                today - dt.timedelta(days=31),
                today - dt.timedelta(days=30)))

    @with_transaction()
    def test_follow_up_staff_of_other_organisation(self):
        "Test a follow-up cannot name the staff of another organisation"
        pool = Pool()
        FollowUp = pool.get('shakti.application.follow_up')
        Date = pool.get('ir.date')

        company, block, _, _ = create_organisation("Alpha CBO",
            'WB-N24P-BASIRHAT-I')
        _, _, other_employee, _ = create_organisation("Beta CBO",
            'WB-N24P-HASNABAD')
        application = create_application(create_survivor(company, block))
        pool.get('shakti.application').submit([application])
        with self.assertRaises(OrganisationError):
            FollowUp.create([{
                        'application': application.id,
                        'date': Date.today(),
                        'outcome': 'promised',
                        'staff': other_employee.id,
                        }])

    def demand_list(self, block, scheme=None):
        pool = Pool()
        Spreadsheet = pool.get('shakti.demand_list.xlsx', type='report')

        oext, content, _, _ = Spreadsheet.execute([], {
                'block': block.id,
                'scheme': scheme.id if scheme else None,
                })
        self.assertEqual(oext, 'xlsx')
        sheet = load_workbook(io.BytesIO(content)).active
        rows = []
        for row in sheet.iter_rows(min_row=8, values_only=True):
            if row[0] is None or not isinstance(row[0], int):
                break
            rows.append(row)
        return sheet, rows

    @with_transaction()
    def test_demand_list_rows(self):
        "Test the demand list holds the pending applications of the block"
        pool = Pool()
        Application = pool.get('shakti.application')
        Scheme = pool.get('shakti.scheme')
        Date = pool.get('ir.date')

        company, block, _, user = create_organisation("Alpha CBO",
            'WB-N24P-BASIRHAT-I')
        rani = create_survivor(company, block, "Rani Test")
        mina = create_survivor(company, block, "Mina Test")
        silent = create_survivor(company, block, "Silent Test", consent=False)
        # The report counts the days in the organisation's time zone.
        with Transaction().set_context(company=company.id):
            today = Date.today()
        housing = create_application(rani, 'PMAY-G', days_ago=40)
        ration = create_application(mina, 'NFSA-PMGKAY', days_ago=20)
        done = create_application(mina, 'AADHAAR', days_ago=20)
        draft = create_application(rani, 'AADHAAR', days_ago=5)
        withheld = create_application(silent, 'PMAY-G', days_ago=10)
        Application.submit([housing, ration, done, withheld])
        Application.write([housing], {
                'submitted_date': today - dt.timedelta(days=35)})
        Application.write([ration], {
                'submitted_date': today - dt.timedelta(days=12)})
        Application.approve([done])
        Application.receive([done])
        self.assertEqual(draft.state, 'draft')

        with Transaction().set_user(user.id), \
                Transaction().set_context(company=company.id):
            sheet, rows = self.demand_list(block)
        self.assertEqual(
            [(r[1], r[2], r[5], r[9]) for r in rows], [
                (ration.survivor.code, "Mina Test", ration.number, 12),
                (housing.survivor.code, "Rani Test", housing.number, 35),
                ])
        self.assertEqual(sheet['C5'].value, "Alpha CBO")
        self.assertIn("1 pending applications are not listed", ''.join(
                str(c.value) for c in sheet['A'] if c.value))

        pmay, = Scheme.search([('code', '=', 'PMAY-G')])
        with Transaction().set_user(user.id), \
                Transaction().set_context(company=company.id):
            _, rows = self.demand_list(block, pmay)
        self.assertEqual([r[5] for r in rows], [housing.number])

    @with_transaction()
    def test_demand_list_other_organisation(self):
        "Test the demand list of another CBO's block shows none of its rows"
        company, block, _, _ = create_organisation("Alpha CBO",
            'WB-N24P-BASIRHAT-I')
        other, _, _, other_user = create_organisation("Beta CBO",
            'WB-N24P-HASNABAD')
        application = create_application(create_survivor(company, block))
        Pool().get('shakti.application').submit([application])
        with Transaction().set_user(other_user.id), \
                Transaction().set_context(company=other.id):
            sheet, rows = self.demand_list(block)
        self.assertEqual(rows, [])
        self.assertEqual(sheet['A8'].value, "No pending applications.")

    @with_transaction()
    def test_demand_list_needs_identity_access(self):
        "Test a user who may not read names cannot take the demand list"
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')

        company, block, _, user = create_organisation("Alpha CBO",
            'WB-N24P-BASIRHAT-I')
        User.write([user], {
                'groups': [('remove', [ModelData.get_id(
                                'shakti_base', 'group_case_worker')]),
                    ('add', [ModelData.get_id(
                                'shakti_base', 'group_monitoring')])],
                })
        with Transaction().set_user(user.id), \
                Transaction().set_context(company=company.id), \
                self.assertRaises(AccessError):
            self.demand_list(block)

    @with_transaction()
    def test_overdue_action_search(self):
        "Test overdue actions are searched as they are computed"
        pool = Pool()
        Intake = pool.get('shakti.intake')
        Plan = pool.get('shakti.case_plan')
        Action = pool.get('shakti.case_plan.action')
        Date = pool.get('ir.date')

        company, block, employee, _ = create_organisation("Alpha CBO",
            'WB-N24P-BASIRHAT-I')
        survivor = create_survivor(company, block)
        today = Date.today()
        intake, = Intake.create([{
                    'survivor': survivor.id,
                    'date': today - dt.timedelta(days=30),
                    'filled_by': 'social_worker',
                    }])
        need = intake.needs[0]
        plan, = Plan.create([{
                    'survivor': survivor.id,
                    'intake': intake.id,
                    'social_worker': employee.id,
                    'start_date': today - dt.timedelta(days=20),
                    'actions': [('create', [{
                                    'need': need.id,
                                    'description': "Late",
                                    'responsible': 'survivor',
                                    'due_date': today - dt.timedelta(days=1),
                                    }, {
                                    'need': need.id,
                                    'description': "Due today",
                                    'responsible': 'survivor',
                                    'due_date': today,
                                    }])],
                    }])
        late, due = plan.actions
        self.assertEqual(Action.search([('overdue', '=', True)]), [])
        self.assertEqual([a.overdue for a in plan.actions], [False, False])

        Plan.write([plan], {'state': 'active'})
        self.assertEqual([a.overdue for a in Action.browse(plan.actions)],
            [True, False])
        for operator, value, expected in [
                ('=', True, [late]),
                ('=', False, [due]),
                ('!=', True, [due]),
                ('in', [True], [late]),
                ('not in', [True], [due]),
                ('in', [True, False], [late, due]),
                ('not in', [True, False], []),
                ]:
            with self.subTest(operator=operator, value=value):
                self.assertEqual(
                    Action.search([('overdue', operator, value)]), expected)

    @with_transaction()
    def test_withdrawal_before_start(self):
        "Test a consent withdrawn before the start stops the plan at start"
        pool = Pool()
        Consent = pool.get('shakti.survivor.consent')
        FamilyPlan = pool.get('shakti.family_plan')
        Date = pool.get('ir.date')

        company, block, employee, _ = create_organisation("Alpha CBO",
            'WB-N24P-BASIRHAT-I')
        today = Date.today()
        survivors = [create_survivor(company, block, name)
            for name in ["First Test", "Second Test"]]
        consents = Consent.create([{
                    'survivor': s.id,
                    'purpose': 'family_engagement',
                    'given_date': today - dt.timedelta(days=60),
                    } for s in survivors])
        plans = FamilyPlan.create([{
                    'survivor': s.id,
                    'social_worker': employee.id,
                    'start_date': today - dt.timedelta(days=10),
                    'state': 'active',
                    } for s in survivors])

        Consent.write([consents[0]], {
                'withdrawn_date': today - dt.timedelta(days=20)})
        stopped, active = FamilyPlan.browse(plans)
        self.assertEqual(stopped.state, 'stopped')
        self.assertEqual(stopped.stop_date, today - dt.timedelta(days=10))
        self.assertEqual(stopped.stop_reason, 'consent_withdrawn')
        self.assertEqual(active.state, 'active')
        self.assertEqual(active.stop_date, None)

    @with_transaction()
    def test_import_row_dates(self):
        "Test the date formats an import row accepts"
        errors = []
        columns = [('date', "Date", True, None, "")]
        for value in ['05/11/2026', '2026-11-05', '5-11-2026', '05.11.2026',
                dt.datetime(2026, 11, 5, 0, 0), dt.date(2026, 11, 5)]:
            with self.subTest(value=value):
                row = ImportRow(2, {'date': value}, columns, errors)
                self.assertEqual(row.date('date'), dt.date(2026, 11, 5))
        self.assertEqual(errors, [])
        row = ImportRow(7, {'date': '31/02/2026'}, columns, errors)
        self.assertIsNone(row.date('date'))
        self.assertFalse(row.valid)
        self.assertEqual(errors, [
                "Row 7, column 'Date': '31/02/2026' is not a date: write it "
                "as DD/MM/YYYY or YYYY-MM-DD."])

    @with_transaction()
    def test_case_import_queued(self):
        "Test a file above the row threshold is queued, not imported"
        pool = Pool()
        CaseImport = pool.get('shakti.case_import')
        Intake = pool.get('shakti.intake')

        company, block, _, user = create_organisation("Alpha CBO",
            'WB-N24P-BASIRHAT-I')
        survivor = create_survivor(company, block)
        rows = ['Case Code,Date,Filled By'] + [
            '%s,2024-02-01,Social Worker' % survivor.code] * 3
        with Transaction().set_user(user.id), \
                Transaction().set_context(
                    company=company.id, _check_access=True), \
                patch.object(CaseImport, 'queue_threshold', return_value=2):
            case_import, = CaseImport.create([{
                        'kind': 'intake',
                        'file': '\n'.join(rows).encode(),
                        'file_name': 'three.csv',
                        }])
            CaseImport.import_([case_import])
            self.assertEqual(case_import.state, 'queued')
            self.assertEqual(case_import.rows_total, 3)
            self.assertEqual(case_import.rows_processed, 0)
            self.assertEqual(len(Transaction().tasks), 1)
            self.assertEqual(Intake.search([]), [])


del ModuleTestCase
